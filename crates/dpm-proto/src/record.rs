//! The `wire_record!` macro: one declaration per record gives the struct, its encoder
//! (declaration order, absent optionals left out) and its strict decoder (any order,
//! no duplicates, no unknown fields, every required field present).
//!
//! In every DPM record the optional fields come after the required ones, so a record is
//! declared as a `req` list followed by an `opt` list; declaration order is that order.

/// Declares a record struct: `pub struct Name ("Display", "prefix") { req {..} opt {..} }`.
/// `"Display"` is the message/record name used in errors and by [`Request::name`](crate::Request::name);
/// `"prefix"` is prepended to field names in errors (`""` for top-level messages,
/// `"ScaledSetting."` for nested records, whose record-level errors also name the record).
macro_rules! wire_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident ($display:literal, $prefix:literal) {
            req { $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty = $rid:ident, $rwire:literal; )* }
            opt { $( $(#[$ometa:meta])* $ofield:ident : $oty:ty = $oid:ident, $owire:literal; )* }
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
        pub struct $name {
            $(
                $(#[$rmeta])*
                #[doc = concat!("\n\nWire field `", $rwire, "` (required).")]
                #[cfg_attr(feature = "serde", serde(rename = $rwire, with = "crate::serde_wire"))]
                pub $rfield: $rty,
            )*
            $(
                $(#[$ometa])*
                #[doc = concat!("\n\nWire field `", $owire, "` (optional).")]
                #[cfg_attr(feature = "serde", serde(rename = $owire, default,
                    skip_serializing_if = "Option::is_none", with = "crate::serde_wire"))]
                pub $ofield: Option<$oty>,
            )*
        }

        impl $name {
            /// Name used in error messages.
            #[allow(dead_code)]
            pub(crate) const NAME: &'static str = $display;
            const REQUIRED: u32 = 0 $( + { let _ = stringify!($rfield); 1 } )*;
            const OPTIONAL: u32 = 0 $( + { let _ = stringify!($ofield); 1 } )*;

            /// Writes the record (head, then id/value pairs in declaration order).
            #[inline]
            pub(crate) fn encode_body(
                &self,
                buf: &mut ::bytes::BytesMut,
            ) -> Result<(), $crate::error::EncodeError> {
                #[allow(unused_mut)]
                let mut present: u32 = Self::REQUIRED;
                $( present += u32::from(self.$ofield.is_some()); )*
                $crate::wire::put_int(buf, $crate::wire::ARRAY, i64::from(2 * present));
                $(
                    $crate::wire::put_int(buf, $crate::wire::INT, i64::from($crate::ids::field::$rid));
                    $crate::wire::WireValue::encode(&self.$rfield, buf)
                        .map_err(|e| e.in_field(concat!($prefix, $rwire)))?;
                )*
                $(
                    if let Some(v) = &self.$ofield {
                        $crate::wire::put_int(buf, $crate::wire::INT, i64::from($crate::ids::field::$oid));
                        $crate::wire::WireValue::encode(v, buf)
                            .map_err(|e| e.in_field(concat!($prefix, $owire)))?;
                    }
                )*
                Ok(())
            }

            /// Reads the record: any field order, strict about counts, duplicates,
            /// unknown and missing fields.
            #[inline]
            pub(crate) fn decode_body(
                r: &mut $crate::wire::Reader<'_>,
            ) -> Result<Self, $crate::error::DecodeError> {
                use $crate::error::{DecodeError, DecodeErrorKind};
                let record_at = r.pos();
                let record_ctx = |e: DecodeError| {
                    if $prefix.is_empty() { e } else { e.in_field($display) }
                };
                let pairs = r.record_head(Self::REQUIRED, Self::OPTIONAL).map_err(record_ctx)?;
                $( let mut $rfield: Option<$rty> = None; )*
                $( let mut $ofield: Option<$oty> = None; )*
                for _ in 0..pairs {
                    let id_at = r.pos();
                    let id = r.int($crate::wire::INT).map_err(record_ctx)?;
                    match i16::try_from(id) {
                        $(
                            Ok($crate::ids::field::$rid) => {
                                if $rfield.is_some() {
                                    return Err(DecodeError::new(DecodeErrorKind::DuplicateField, id_at)
                                        .in_field(concat!($prefix, $rwire)));
                                }
                                $rfield = Some(<$rty as $crate::wire::WireValue>::decode(r)
                                    .map_err(|e| e.in_field(concat!($prefix, $rwire)))?);
                            }
                        )*
                        $(
                            Ok($crate::ids::field::$oid) => {
                                if $ofield.is_some() {
                                    return Err(DecodeError::new(DecodeErrorKind::DuplicateField, id_at)
                                        .in_field(concat!($prefix, $owire)));
                                }
                                $ofield = Some(<$oty as $crate::wire::WireValue>::decode(r)
                                    .map_err(|e| e.in_field(concat!($prefix, $owire)))?);
                            }
                        )*
                        _ => {
                            return Err(record_ctx(DecodeError::new(
                                DecodeErrorKind::UnknownField(id),
                                id_at,
                            )));
                        }
                    }
                }
                let _ = record_at; // unused in records without required fields
                Ok($name {
                    $(
                        $rfield: match $rfield {
                            Some(v) => v,
                            None => {
                                return Err(DecodeError::new(DecodeErrorKind::MissingField, record_at)
                                    .in_field(concat!($prefix, $rwire)));
                            }
                        },
                    )*
                    $( $ofield, )*
                })
            }
        }
    };
}

pub(crate) use wire_record;

/// The 11 bytes every message starts with: magic, version, `51 03`, protocol id.
pub(crate) const ENVELOPE_PREFIX: [u8; 11] = [
    0x53, 0x44, 0x44, 0x02, 0x51, 0x03, 0x14, 0xb1, 0x3a, 0x70, 0x3a,
];

/// Reads the envelope up to and including the message id; returns the id and its offset.
#[inline]
pub(crate) fn read_envelope(
    r: &mut crate::wire::Reader<'_>,
) -> Result<(i64, usize), crate::error::DecodeError> {
    use crate::error::{DecodeError, DecodeErrorKind};
    // Fast path: the canonical prefix (magic, `51 03`, minimal protocol id).
    if r.skip_prefix(&ENVELOPE_PREFIX) {
        let at = r.pos();
        let id = r.int(crate::wire::INT)?;
        return Ok((id, at));
    }
    r.magic()?;
    let at = r.pos();
    let n = r.int(crate::wire::ARRAY)?;
    if n != 3 {
        return Err(DecodeError::new(DecodeErrorKind::BadEnvelopeCount(n), at));
    }
    let at = r.pos();
    let p = r.int(crate::wire::INT)?;
    if p != i64::from(crate::ids::PROTOCOL_ID) {
        return Err(DecodeError::new(DecodeErrorKind::BadProtocolId(p), at));
    }
    let at = r.pos();
    let id = r.int(crate::wire::INT)?;
    Ok((id, at))
}

/// The error for bytes left after a complete message.
#[cold]
pub(crate) fn trailing(
    r: &crate::wire::Reader<'_>,
    name: &'static str,
) -> crate::error::DecodeError {
    crate::error::DecodeError::new(
        crate::error::DecodeErrorKind::TrailingBytes(r.remaining()),
        r.pos(),
    )
    .in_message(name)
}

/// Declares the `Request` or `Reply` enum with its decoder and encoder.
macro_rules! message_enum {
    (
        $(#[$meta:meta])*
        pub enum $enum:ident ($dir:ident, $ids:ident) {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ident) = $id:ident, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum $enum {
            $( $(#[$vmeta])* $variant($ty), )*
        }

        impl $enum {
            /// Decodes one complete message (without the 4-byte frame length).
            ///
            /// Accepts any field order and non-minimal integers; rejects everything else
            /// the spec forbids, trailing bytes included, with a [`DecodeError`](crate::DecodeError) that names
            /// the message, the field and the byte offset.
            pub fn decode(bytes: &[u8]) -> Result<$enum, $crate::error::DecodeError> {
                use $crate::error::{DecodeError, DecodeErrorKind};
                let mut r = $crate::wire::Reader::new(bytes);
                let (id, id_at) = $crate::record::read_envelope(&mut r)?;
                match i16::try_from(id) {
                    $(
                        Ok($crate::ids::$ids::$id) => {
                            let m = $ty::decode_body(&mut r).map_err(|e| e.in_message($ty::NAME))?;
                            if r.remaining() != 0 {
                                return Err($crate::record::trailing(&r, $ty::NAME));
                            }
                            Ok($enum::$variant(m))
                        }
                    )*
                    _ => Err(DecodeError::new(
                        DecodeErrorKind::UnknownMessage {
                            direction: $crate::ids::Direction::$dir,
                            id,
                        },
                        id_at,
                    )),
                }
            }

            /// Appends the encoded message (without a frame length) to `buf`, fields in
            /// declaration order, integers minimal.
            ///
            /// On error (a string character above U+00FF) `buf` is left as it was.
            pub fn encode(
                &self,
                buf: &mut ::bytes::BytesMut,
            ) -> Result<(), $crate::error::EncodeError> {
                let start = buf.len();
                buf.extend_from_slice(&$crate::record::ENVELOPE_PREFIX);
                $crate::wire::put_int(buf, $crate::wire::INT, i64::from(self.message_id()));
                let res = match self {
                    $( $enum::$variant(m) => m.encode_body(buf).map_err(|e| e.in_message($ty::NAME)), )*
                };
                if res.is_err() {
                    buf.truncate(start);
                }
                res
            }

            /// Encodes into a new buffer. Prefer [`encode`](Self::encode) with a reused buffer.
            pub fn to_bytes(&self) -> Result<::bytes::BytesMut, $crate::error::EncodeError> {
                let mut buf = ::bytes::BytesMut::new();
                self.encode(&mut buf)?;
                Ok(buf)
            }

            /// The message id on the wire.
            pub fn message_id(&self) -> i16 {
                match self {
                    $( $enum::$variant(_) => $crate::ids::$ids::$id, )*
                }
            }

            /// The message's base name, e.g. `"AddToList"` (as in the spec and the vectors).
            pub fn name(&self) -> &'static str {
                match self {
                    $( $enum::$variant(_) => $ty::NAME, )*
                }
            }
        }

        $(
            impl From<$ty> for $enum {
                #[inline]
                fn from(m: $ty) -> $enum {
                    $enum::$variant(m)
                }
            }
        )*
    };
}

pub(crate) use message_enum;
