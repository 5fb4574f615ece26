//! Request messages (client to server), spec 4.2, and the [`Request`] enum.

use crate::record::{message_enum, wire_record};
use crate::setting::{RawSetting, ScaledSetting, TextSetting};

wire_record! {
    /// Finds a DPM by multicast on the ACNET transport; not used over DPM/HTTP. No fields.
    pub struct ServiceDiscoveryRequest ("ServiceDiscovery", "") {
        req {}
        opt {}
    }
}

wire_record! {
    /// Opens a list on the ACNET transport. Over DPM/HTTP the list is opened by the
    /// handshake and this request is never sent.
    pub struct OpenListRequest ("OpenList", "") {
        req {}
        opt {
            /// Where to open the list.
            location: String = LOCATION, "location";
        }
    }
}

wire_record! {
    /// Adds (or replaces, if `ref_id` is reused) a list entry. With `ref_id` 0 and a
    /// `#KEY:VALUE` string it sets a list property such as `#ROLE:<role>`.
    ///
    /// ```
    /// use pacsys_dpm_proto::{AddToListRequest, Request};
    ///
    /// let req = Request::from(AddToListRequest {
    ///     list_id: 4242,
    ///     ref_id: 1,
    ///     drf_request: "M:OUTTMP@I".into(),
    /// });
    /// let bytes = req.to_bytes()?;
    /// assert_eq!(bytes.len(), 41);
    /// assert_eq!(Request::decode(&bytes).unwrap(), req);
    /// # Ok::<(), pacsys_dpm_proto::EncodeError>(())
    /// ```
    pub struct AddToListRequest ("AddToList", "") {
        req {
            /// The list (from the OpenList reply).
            list_id: i32 = LIST_ID, "list_id";
            /// Client-chosen entry id; replies carry it back.
            ref_id: i64 = REF_ID, "ref_id";
            /// The DRF string (Latin-1).
            drf_request: String = DRF_REQUEST, "drf_request";
        }
        opt {}
    }
}

wire_record! {
    /// Kerberos authentication step. An empty token asks for the service name; a
    /// non-empty one carries a GSS-API context token.
    pub struct AuthenticateRequest ("Authenticate", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// GSS-API token (empty for the first step).
            token: Vec<u8> = TOKEN, "token";
        }
        opt {}
    }
}

wire_record! {
    /// Enables settings on an authenticated list: a MIC over `message`.
    pub struct EnableSettingsRequest ("EnableSettings", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// GSS-API message integrity code over `message`.
            mic: Vec<u8> = MIC, "MIC";
            /// Arbitrary bytes (the reference sends `"1234"`).
            message: Vec<u8> = MESSAGE, "message";
        }
        opt {}
    }
}

wire_record! {
    /// Removes one entry from the list.
    pub struct RemoveFromListRequest ("RemoveFromList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
            /// The entry to remove.
            ref_id: i64 = REF_ID, "ref_id";
        }
        opt {}
    }
}

wire_record! {
    /// Starts (or restarts) acquisition with the current entries.
    pub struct StartListRequest ("StartList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
        }
        opt {
            /// Alternative data model; omit for live data.
            model: String = MODEL, "model";
        }
    }
}

wire_record! {
    /// Removes all entries.
    pub struct ClearListRequest ("ClearList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
        }
        opt {}
    }
}

wire_record! {
    /// Suspends acquisition; entries are kept.
    pub struct StopListRequest ("StopList", "") {
        req {
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
        }
        opt {}
    }
}

wire_record! {
    /// Writes values to list entries. Include only the arrays that have elements (an
    /// empty array that is present is legal on the wire and round-trips as `Some(vec![])`).
    pub struct ApplySettingsRequest ("ApplySettings", "") {
        req {
            /// Kerberos principal of the user, e.g. `jdoe@FNAL.GOV`.
            user_name: String = USER_NAME, "user_name";
            /// The list.
            list_id: i32 = LIST_ID, "list_id";
        }
        opt {
            /// Raw byte settings.
            raw_array: Vec<RawSetting> = RAW_ARRAY, "raw_array";
            /// Engineering-unit settings.
            scaled_array: Vec<ScaledSetting> = SCALED_ARRAY, "scaled_array";
            /// Text settings.
            text_array: Vec<TextSetting> = TEXT_ARRAY, "text_array";
        }
    }
}

message_enum! {
    /// A message from client to server. Decode with [`Request::decode`] (a fake server's
    /// direction); encode with [`Request::encode`].
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use pacsys_dpm_proto::{Request, StartListRequest};
    ///
    /// let mut buf = BytesMut::new();
    /// Request::StartList(StartListRequest { list_id: 4242, model: None }).encode(&mut buf)?;
    /// assert_eq!(&buf[11..], &[0x12, 0xdd, 0xb5, 0x51, 0x02, 0x12, 0xe8, 0x20, 0x12, 0x10, 0x92]);
    /// # Ok::<(), pacsys_dpm_proto::EncodeError>(())
    /// ```
    pub enum Request (Request, request) {
        /// ServiceDiscovery (ACNET transport only).
        ServiceDiscovery(ServiceDiscoveryRequest) = SERVICE_DISCOVERY,
        /// OpenList (ACNET transport only).
        OpenList(OpenListRequest) = OPEN_LIST,
        /// AddToList.
        AddToList(AddToListRequest) = ADD_TO_LIST,
        /// Authenticate.
        Authenticate(AuthenticateRequest) = AUTHENTICATE,
        /// EnableSettings.
        EnableSettings(EnableSettingsRequest) = ENABLE_SETTINGS,
        /// RemoveFromList.
        RemoveFromList(RemoveFromListRequest) = REMOVE_FROM_LIST,
        /// StartList.
        StartList(StartListRequest) = START_LIST,
        /// ClearList.
        ClearList(ClearListRequest) = CLEAR_LIST,
        /// StopList.
        StopList(StopListRequest) = STOP_LIST,
        /// ApplySettings.
        ApplySettings(ApplySettingsRequest) = APPLY_SETTINGS,
    }
}

impl Request {
    /// The `list_id` the request addresses, if it has one.
    pub fn list_id(&self) -> Option<i32> {
        match self {
            Request::ServiceDiscovery(_) | Request::OpenList(_) => None,
            Request::AddToList(m) => Some(m.list_id),
            Request::Authenticate(m) => Some(m.list_id),
            Request::EnableSettings(m) => Some(m.list_id),
            Request::RemoveFromList(m) => Some(m.list_id),
            Request::StartList(m) => Some(m.list_id),
            Request::ClearList(m) => Some(m.list_id),
            Request::StopList(m) => Some(m.list_id),
            Request::ApplySettings(m) => Some(m.list_id),
        }
    }
}
