//! Identifier constants: protocol id, message ids (one table per [`Direction`]) and field ids.
//!
//! The values are fixed constants produced by the DPM protocol compiler; treat them as opaque.

use core::fmt;

/// The protocol id in every envelope: `0xB13A703A` as a signed 32-bit integer.
pub const PROTOCOL_ID: i32 = 0xB13A703A_u32 as i32;

/// The 4-byte magic and format version at the start of every message: ASCII "SDD", 2.
pub const MAGIC: [u8; 4] = *b"SDD\x02";

/// Which way a message travels; selects the message-id table a decoder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server ([`Request`](crate::Request)).
    Request,
    /// Server to client ([`Reply`](crate::Reply)).
    Reply,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Request => "request",
            Direction::Reply => "reply",
        })
    }
}

/// Request message ids (client to server).
pub mod request {
    /// ServiceDiscovery request.
    pub const SERVICE_DISCOVERY: i16 = 0xDFDA_u16 as i16;
    /// OpenList request.
    pub const OPEN_LIST: i16 = 0x081C;
    /// AddToList request.
    pub const ADD_TO_LIST: i16 = 0x0061;
    /// Authenticate request.
    pub const AUTHENTICATE: i16 = 0xC453_u16 as i16;
    /// EnableSettings request.
    pub const ENABLE_SETTINGS: i16 = 0x5362;
    /// RemoveFromList request.
    pub const REMOVE_FROM_LIST: i16 = 0xF121_u16 as i16;
    /// StartList request.
    pub const START_LIST: i16 = 0xDDB5_u16 as i16;
    /// ClearList request.
    pub const CLEAR_LIST: i16 = 0xC309_u16 as i16;
    /// StopList request.
    pub const STOP_LIST: i16 = 0x53A9;
    /// ApplySettings request.
    pub const APPLY_SETTINGS: i16 = 0xC678_u16 as i16;
}

/// Reply message ids (server to client).
pub mod reply {
    /// ServiceDiscovery reply.
    pub const SERVICE_DISCOVERY: i16 = 0xCD7E_u16 as i16;
    /// OpenList reply.
    pub const OPEN_LIST: i16 = 0x349E;
    /// AddToList reply.
    pub const ADD_TO_LIST: i16 = 0x8BAC_u16 as i16;
    /// RemoveFromList reply.
    pub const REMOVE_FROM_LIST: i16 = 0xF41A_u16 as i16;
    /// StartList reply.
    pub const START_LIST: i16 = 0x9600_u16 as i16;
    /// ListStatus reply (heartbeat).
    pub const LIST_STATUS: i16 = 0x7370;
    /// Status reply.
    pub const STATUS: i16 = 0xD6AD_u16 as i16;
    /// DeviceInfo reply.
    pub const DEVICE_INFO: i16 = 0x6FED;
    /// Scalar reply.
    pub const SCALAR: i16 = 0xD6AB_u16 as i16;
    /// ScalarArray reply.
    pub const SCALAR_ARRAY: i16 = 0x59FC;
    /// Raw reply.
    pub const RAW: i16 = 0xCF5E_u16 as i16;
    /// Text reply.
    pub const TEXT: i16 = 0x8F32_u16 as i16;
    /// TextArray reply.
    pub const TEXT_ARRAY: i16 = 0x327B;
    /// AnalogAlarm reply.
    pub const ANALOG_ALARM: i16 = 0x7588;
    /// DigitalAlarm reply.
    pub const DIGITAL_ALARM: i16 = 0xC79B_u16 as i16;
    /// BasicStatus reply.
    pub const BASIC_STATUS: i16 = 0xF2F9_u16 as i16;
    /// TimedScalarArray reply.
    pub const TIMED_SCALAR_ARRAY: i16 = 0x7A32;
    /// ApplySettings reply.
    pub const APPLY_SETTINGS: i16 = 0x43C0;
    /// Authenticate reply.
    pub const AUTHENTICATE: i16 = 0x1C76;
}

/// Field ids. They are per field *name*: `ref_id` has the same id in every record.
pub mod field {
    /// `abort`
    pub const ABORT: i16 = 0x4A1C;
    /// `abort_inhibit`
    pub const ABORT_INHIBIT: i16 = 0x8172_u16 as i16;
    /// `alarm_enable`
    pub const ALARM_ENABLE: i16 = 0x8F20_u16 as i16;
    /// `alarm_status`
    pub const ALARM_STATUS: i16 = 0x6036;
    /// `cycle`
    pub const CYCLE: i16 = 0x0740;
    /// `data`
    pub const DATA: i16 = 0x7F38;
    /// `description`
    pub const DESCRIPTION: i16 = 0xF92C_u16 as i16;
    /// `di`
    pub const DI: i16 = 0x82DD_u16 as i16;
    /// `drf_request`
    pub const DRF_REQUEST: i16 = 0x6324;
    /// `format_hint`
    pub const FORMAT_HINT: i16 = 0x7EC2;
    /// `list_id`
    pub const LIST_ID: i16 = 0xE820_u16 as i16;
    /// `load`
    pub const LOAD: i16 = 0x1EB3;
    /// `location`
    pub const LOCATION: i16 = 0x9DE0_u16 as i16;
    /// `mask`
    pub const MASK: i16 = 0x11EB;
    /// `maximum`
    pub const MAXIMUM: i16 = 0xE288_u16 as i16;
    /// `message`
    pub const MESSAGE: i16 = 0x3102;
    /// `MIC`
    pub const MIC: i16 = 0x1FCD;
    /// `micros`
    pub const MICROS: i16 = 0x342D;
    /// `minimum`
    pub const MINIMUM: i16 = 0x234C;
    /// `model`
    pub const MODEL: i16 = 0x5E63;
    /// `name`
    pub const NAME: i16 = 0x931C_u16 as i16;
    /// `nominal`
    pub const NOMINAL: i16 = 0x4F1D;
    /// `on`
    pub const ON: i16 = 0x5C01;
    /// `positive`
    pub const POSITIVE: i16 = 0x2716;
    /// `ramp`
    pub const RAMP: i16 = 0x9238_u16 as i16;
    /// `raw_array`
    pub const RAW_ARRAY: i16 = 0x0301;
    /// `ready`
    pub const READY: i16 = 0xAB23_u16 as i16;
    /// `ref_id`
    pub const REF_ID: i16 = 0x1EAB;
    /// `remote`
    pub const REMOTE: i16 = 0xE486_u16 as i16;
    /// `scaled_array`
    pub const SCALED_ARRAY: i16 = 0x63CE;
    /// `serviceLocation`
    pub const SERVICE_LOCATION: i16 = 0x11AF;
    /// `serviceName`
    pub const SERVICE_NAME: i16 = 0x6338;
    /// `status`
    pub const STATUS: i16 = 0x4454;
    /// `text_array`
    pub const TEXT_ARRAY: i16 = 0xCE8F_u16 as i16;
    /// `timestamp`
    pub const TIMESTAMP: i16 = 0xD55B_u16 as i16;
    /// `token`
    pub const TOKEN: i16 = 0x8DA1_u16 as i16;
    /// `tries_needed`
    pub const TRIES_NEEDED: i16 = 0x0132;
    /// `tries_now`
    pub const TRIES_NOW: i16 = 0x2B3E;
    /// `units`
    pub const UNITS: i16 = 0x3DFB;
    /// `user_name`
    pub const USER_NAME: i16 = 0x5648;
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_values_match_spec() {
        assert_eq!(super::PROTOCOL_ID, -1321570246);
        assert_eq!(super::request::SERVICE_DISCOVERY, -8230);
        assert_eq!(super::request::APPLY_SETTINGS, -14728);
        assert_eq!(super::reply::ADD_TO_LIST, -29780);
        assert_eq!(super::reply::START_LIST, -27136);
        assert_eq!(super::reply::STATUS, -10579);
        assert_eq!(super::field::ABORT_INHIBIT, -32398);
        assert_eq!(super::field::TOKEN, -29279);
    }
}
