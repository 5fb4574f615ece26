//! Nested setting records used inside ApplySettings (spec 4.1). All fields are required;
//! each record encodes as `51 04` followed by `ref_id` and one more field.

use bytes::BytesMut;

use crate::Status;
use crate::error::{DecodeError, EncodeError};
use crate::record::wire_record;
use crate::wire::{Reader, WireValue, seq_value};

wire_record! {
    /// Raw bytes to write to one entry, unscaled (element of ApplySettings `raw_array`).
    pub struct RawSetting ("RawSetting", "RawSetting.") {
        req {
            /// The list entry to write.
            ref_id: i64 = REF_ID, "ref_id";
            /// The bytes written to the device as they are.
            data: Vec<u8> = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// Engineering-unit values to write to one entry (element of ApplySettings `scaled_array`).
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use pacsys_dpm_proto::{ApplySettingsRequest, Request, ScaledSetting};
    ///
    /// let req = Request::ApplySettings(ApplySettingsRequest {
    ///     user_name: "jdoe@FNAL.GOV".into(),
    ///     list_id: 4242,
    ///     scaled_array: Some(vec![ScaledSetting { ref_id: 1, data: vec![72.5] }]),
    ///     ..Default::default()
    /// });
    /// let mut buf = BytesMut::new();
    /// req.encode(&mut buf)?;
    /// assert_eq!(buf.len(), 0x42);
    /// # Ok::<(), pacsys_dpm_proto::EncodeError>(())
    /// ```
    pub struct ScaledSetting ("ScaledSetting", "ScaledSetting.") {
        req {
            /// The list entry to write.
            ref_id: i64 = REF_ID, "ref_id";
            /// The values, in engineering units (one element for a scalar device).
            data: Vec<f64> = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// Text values to write to one entry (element of ApplySettings `text_array`).
    pub struct TextSetting ("TextSetting", "TextSetting.") {
        req {
            /// The list entry to write.
            ref_id: i64 = REF_ID, "ref_id";
            /// The texts (Latin-1); one element for a single text value.
            data: Vec<String> = DATA, "data";
        }
        opt {}
    }
}

wire_record! {
    /// The outcome of a setting for one entry (element of the ApplySettings reply `status`).
    /// `ref_id` 0 is a list-wide result.
    pub struct SettingStatus ("SettingStatus", "SettingStatus.") {
        req {
            /// The list entry written (0: the whole list).
            ref_id: i64 = REF_ID, "ref_id";
            /// The result; [`Status::OK`] on success.
            status: Status = STATUS, "status";
        }
        opt {}
    }
}

macro_rules! record_value {
    ($($t:ty),*) => {$(
        impl WireValue for $t {
            #[inline]
            fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
                self.encode_body(buf)
            }
            #[inline]
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Self::decode_body(r)
            }
        }
        seq_value!($t);
    )*};
}
record_value!(RawSetting, ScaledSetting, TextSetting, SettingStatus);
