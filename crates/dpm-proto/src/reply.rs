//! Reply messages (server to client), spec 4.3, and the [`Reply`] enum.
//!
//! Many replies start with the "sample header": `ref_id` (the entry), `timestamp`
//! (milliseconds since the Unix epoch, 0 = none; microseconds for array-device historical
//! ScalarArray replies) and `cycle` (opaque, pass through).

use crate::Status;
use crate::record::{message_enum, wire_record};
use crate::setting::SettingStatus;

wire_record! {
    /// Answer to a ServiceDiscovery request (ACNET transport only).
    pub struct ServiceDiscoveryReply ("ServiceDiscovery", "") {
        req {
            /// Server load.
            load: i16 = LOAD, "load";
            /// Where the service lives.
            service_location: String = SERVICE_LOCATION, "serviceLocation";
        }
        opt {}
    }
}

wire_record! {
    /// The list id for the connection: over DPM/HTTP the first frame the server sends.
    pub struct OpenListReply ("OpenList", "") {
        req {
            /// The list id to use in every request on this connection.
            list_id: i32 = LIST_ID, "list_id";
        }
        opt {}
    }
}

wire_record! {
    /// Acknowledges one AddToList; a non-zero status means the entry was rejected.
    pub struct AddToListReply ("AddToList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Result of adding the entry.
            status: Status = STATUS, "status";
        }
        opt {}
    }
}

wire_record! {
    /// Acknowledges one RemoveFromList.
    pub struct RemoveFromListReply ("RemoveFromList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Result of removing the entry.
            status: Status = STATUS, "status";
        }
        opt {}
    }
}

wire_record! {
    /// Acknowledges StartList (over DPM/HTTP its status is always 0; start failures come
    /// as a ref 0 Status reply).
    pub struct StartListReply ("StartList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// Result of starting the list.
            status: Status = STATUS, "status";
        }
        opt {}
    }
}

wire_record! {
    /// Heartbeat, about every 2 s; may arrive at any moment.
    pub struct ListStatusReply ("ListStatus", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// List status.
            status: Status = STATUS, "status";
        }
        opt {}
    }
}

wire_record! {
    /// A status for an entry (or for the list when `ref_id` is 0) with no data; also the
    /// answer to EnableSettings.
    pub struct StatusReply ("Status", "") {
        req {
            /// The entry (0: the list).
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// The status.
            status: Status = STATUS, "status";
        }
        opt {}
    }
}

wire_record! {
    /// Metadata for an entry, normally sent once while the list is being started.
    pub struct DeviceInfoReply ("DeviceInfo", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Device index (database key).
            di: i32 = DI, "di";
            /// Canonical device name.
            name: String = NAME, "name";
            /// Free-text description.
            description: String = DESCRIPTION, "description";
        }
        opt {
            /// Engineering units (absent without scaling or for raw data).
            units: String = UNITS, "units";
            /// Display-format hint (pass through).
            format_hint: i16 = FORMAT_HINT, "format_hint";
        }
    }
}

wire_record! {
    /// One scalar sample.
    pub struct ScalarReply ("Scalar", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Status of the sample (a warning still carries usable data).
            status: Status = STATUS, "status";
            /// The value (exact bits preserved).
            data: f64 = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// An array sample. For array-device historical requests `timestamp` is in
    /// microseconds, and an empty `data` ends the history.
    pub struct ScalarArrayReply ("ScalarArray", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (microseconds for historical array data).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Status of the sample.
            status: Status = STATUS, "status";
            /// The values.
            data: Vec<f64> = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// Raw bytes exactly as the device returned them.
    pub struct RawReply ("Raw", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Status of the sample.
            status: Status = STATUS, "status";
            /// The raw bytes.
            data: Vec<u8> = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// A text sample (Latin-1 decoded).
    pub struct TextReply ("Text", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Status of the sample.
            status: Status = STATUS, "status";
            /// The text.
            data: String = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// An array-of-texts sample.
    pub struct TextArrayReply ("TextArray", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Status of the sample.
            status: Status = STATUS, "status";
            /// The texts.
            data: Vec<String> = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// An analog alarm block. No status field: its arrival means success.
    pub struct AnalogAlarmReply ("AnalogAlarm", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Lower limit, engineering units.
            minimum: f64 = MINIMUM, "minimum";
            /// Upper limit, engineering units.
            maximum: f64 = MAXIMUM, "maximum";
            /// Alarm checking enabled.
            alarm_enable: bool = ALARM_ENABLE, "alarm_enable";
            /// Currently in alarm.
            alarm_status: bool = ALARM_STATUS, "alarm_status";
            /// The alarm can abort beam.
            abort: bool = ABORT, "abort";
            /// Abort disabled.
            abort_inhibit: bool = ABORT_INHIBIT, "abort_inhibit";
            /// Consecutive out-of-tolerance readings before alarming.
            tries_needed: i32 = TRIES_NEEDED, "tries_needed";
            /// Current count.
            tries_now: i32 = TRIES_NOW, "tries_now";
        }
        opt {}
    }
}

wire_record! {
    /// A digital alarm block. No status field: its arrival means success.
    pub struct DigitalAlarmReply ("DigitalAlarm", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Expected bit pattern.
            nominal: i32 = NOMINAL, "nominal";
            /// Bits that are checked.
            mask: i32 = MASK, "mask";
            /// Alarm checking enabled.
            alarm_enable: bool = ALARM_ENABLE, "alarm_enable";
            /// Currently in alarm.
            alarm_status: bool = ALARM_STATUS, "alarm_status";
            /// The alarm can abort beam.
            abort: bool = ABORT, "abort";
            /// Abort disabled.
            abort_inhibit: bool = ABORT_INHIBIT, "abort_inhibit";
            /// Consecutive out-of-tolerance readings before alarming.
            tries_needed: i32 = TRIES_NEEDED, "tries_needed";
            /// Current count.
            tries_now: i32 = TRIES_NOW, "tries_now";
        }
        opt {}
    }
}

wire_record! {
    /// Basic status bits; an absent flag means the device does not define that bit.
    /// No status field: its arrival means success.
    pub struct BasicStatusReply ("BasicStatus", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
        }
        opt {
            /// On/off.
            on: bool = ON, "on";
            /// Ready/tripped.
            ready: bool = READY, "ready";
            /// Remote/local.
            remote: bool = REMOTE, "remote";
            /// Positive/negative polarity.
            positive: bool = POSITIVE, "positive";
            /// Ramp/DC.
            ramp: bool = RAMP, "ramp";
        }
    }
}

wire_record! {
    /// A chunk of historical scalar data with per-point times. An empty `data` ends the
    /// history.
    pub struct TimedScalarArrayReply ("TimedScalarArray", "") {
        req {
            /// The entry.
            ref_id: i64 = REF_ID, "ref_id";
            /// Milliseconds since the Unix epoch (0: none).
            timestamp: i64 = TIMESTAMP, "timestamp";
            /// Cycle information (opaque).
            cycle: i64 = CYCLE, "cycle";
            /// Status of the chunk (non-zero on the terminator: error for the entry).
            status: Status = STATUS, "status";
            /// The values.
            data: Vec<f64> = DATA, "data";
            /// `micros[i]`: microseconds since the Unix epoch of `data[i]`.
            micros: Vec<i64> = MICROS, "micros";
        }
        opt {}
    }
}

wire_record! {
    /// Results of an ApplySettings: one element per written entry; `ref_id` 0 is
    /// list-wide.
    pub struct ApplySettingsReply ("ApplySettings", "") {
        req {
            /// Per-entry outcomes.
            status: Vec<SettingStatus> = STATUS, "status";
        }
        opt {}
    }
}

wire_record! {
    /// Kerberos authentication step answer. Both fields may be absent; treat an empty
    /// token as no token.
    pub struct AuthenticateReply ("Authenticate", "") {
        req {}
        opt {
            /// The service principal, e.g. `daeset/bd@dce01.fnal.gov`.
            service_name: String = SERVICE_NAME, "serviceName";
            /// GSS-API token to feed to the security context.
            token: Vec<u8> = TOKEN, "token";
        }
    }
}

message_enum! {
    /// A message from server to client. Decode with [`Reply::decode`] (a client's
    /// direction); encode with [`Reply::encode`] (a fake server).
    ///
    /// ```
    /// use pacsys_dpm_proto::{Reply, ScalarReply, Status};
    ///
    /// // Spec Appendix A: Scalar reply (ref 1, 72.5), without the frame length.
    /// let bytes = [
    ///     0x53, 0x44, 0x44, 0x02, 0x51, 0x03, 0x14, 0xb1, 0x3a, 0x70, 0x3a, 0x12, 0xd6, 0xab,
    ///     0x51, 0x0a, 0x12, 0x1e, 0xab, 0x11, 0x01, 0x12, 0xd5, 0x5b, 0x16, 0x01, 0x90, 0x06,
    ///     0xbd, 0x7d, 0x7b, 0x12, 0x07, 0x40, 0x11, 0x00, 0x12, 0x44, 0x54, 0x11, 0x00, 0x12,
    ///     0x7f, 0x38, 0x28, 0x40, 0x52, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
    /// ];
    /// let reply = Reply::decode(&bytes)?;
    /// assert_eq!(
    ///     reply,
    ///     Reply::Scalar(ScalarReply {
    ///         ref_id: 1,
    ///         timestamp: 1718100000123,
    ///         cycle: 0,
    ///         status: Status::OK,
    ///         data: 72.5,
    ///     })
    /// );
    /// assert_eq!(reply.ref_id(), Some(1));
    /// # Ok::<(), pacsys_dpm_proto::DecodeError>(())
    /// ```
    pub enum Reply (Reply, reply) {
        /// ServiceDiscovery (ACNET transport only).
        ServiceDiscovery(ServiceDiscoveryReply) = SERVICE_DISCOVERY,
        /// OpenList: the connection's list id.
        OpenList(OpenListReply) = OPEN_LIST,
        /// AddToList acknowledgement.
        AddToList(AddToListReply) = ADD_TO_LIST,
        /// RemoveFromList acknowledgement.
        RemoveFromList(RemoveFromListReply) = REMOVE_FROM_LIST,
        /// StartList acknowledgement.
        StartList(StartListReply) = START_LIST,
        /// Heartbeat.
        ListStatus(ListStatusReply) = LIST_STATUS,
        /// Status for an entry or the list.
        Status(StatusReply) = STATUS,
        /// Entry metadata.
        DeviceInfo(DeviceInfoReply) = DEVICE_INFO,
        /// Scalar sample.
        Scalar(ScalarReply) = SCALAR,
        /// Array sample.
        ScalarArray(ScalarArrayReply) = SCALAR_ARRAY,
        /// Raw bytes sample.
        Raw(RawReply) = RAW,
        /// Text sample.
        Text(TextReply) = TEXT,
        /// Array-of-texts sample.
        TextArray(TextArrayReply) = TEXT_ARRAY,
        /// Analog alarm block.
        AnalogAlarm(AnalogAlarmReply) = ANALOG_ALARM,
        /// Digital alarm block.
        DigitalAlarm(DigitalAlarmReply) = DIGITAL_ALARM,
        /// Basic status bits.
        BasicStatus(BasicStatusReply) = BASIC_STATUS,
        /// Historical chunk with per-point times.
        TimedScalarArray(TimedScalarArrayReply) = TIMED_SCALAR_ARRAY,
        /// Setting outcomes.
        ApplySettings(ApplySettingsReply) = APPLY_SETTINGS,
        /// Authentication step answer.
        Authenticate(AuthenticateReply) = AUTHENTICATE,
    }
}

impl Reply {
    /// The entry the reply is about, for replies that carry a `ref_id` (AddToList,
    /// RemoveFromList, Status, DeviceInfo and the data replies).
    pub fn ref_id(&self) -> Option<i64> {
        match self {
            Reply::AddToList(m) => Some(m.ref_id),
            Reply::RemoveFromList(m) => Some(m.ref_id),
            Reply::Status(m) => Some(m.ref_id),
            Reply::DeviceInfo(m) => Some(m.ref_id),
            Reply::Scalar(m) => Some(m.ref_id),
            Reply::ScalarArray(m) => Some(m.ref_id),
            Reply::Raw(m) => Some(m.ref_id),
            Reply::Text(m) => Some(m.ref_id),
            Reply::TextArray(m) => Some(m.ref_id),
            Reply::AnalogAlarm(m) => Some(m.ref_id),
            Reply::DigitalAlarm(m) => Some(m.ref_id),
            Reply::BasicStatus(m) => Some(m.ref_id),
            Reply::TimedScalarArray(m) => Some(m.ref_id),
            Reply::ServiceDiscovery(_)
            | Reply::OpenList(_)
            | Reply::StartList(_)
            | Reply::ListStatus(_)
            | Reply::ApplySettings(_)
            | Reply::Authenticate(_) => None,
        }
    }

    /// `true` for the data replies (a sample for an entry): Scalar, ScalarArray, Raw, Text,
    /// TextArray, AnalogAlarm, DigitalAlarm, BasicStatus, TimedScalarArray.
    pub fn is_data(&self) -> bool {
        matches!(
            self,
            Reply::Scalar(_)
                | Reply::ScalarArray(_)
                | Reply::Raw(_)
                | Reply::Text(_)
                | Reply::TextArray(_)
                | Reply::AnalogAlarm(_)
                | Reply::DigitalAlarm(_)
                | Reply::BasicStatus(_)
                | Reply::TimedScalarArray(_)
        )
    }

    /// The `status` carried by the reply, for replies that have a single one.
    pub fn status(&self) -> Option<Status> {
        match self {
            Reply::AddToList(m) => Some(m.status),
            Reply::RemoveFromList(m) => Some(m.status),
            Reply::StartList(m) => Some(m.status),
            Reply::ListStatus(m) => Some(m.status),
            Reply::Status(m) => Some(m.status),
            Reply::Scalar(m) => Some(m.status),
            Reply::ScalarArray(m) => Some(m.status),
            Reply::Raw(m) => Some(m.status),
            Reply::Text(m) => Some(m.status),
            Reply::TextArray(m) => Some(m.status),
            Reply::TimedScalarArray(m) => Some(m.status),
            _ => None,
        }
    }
}
