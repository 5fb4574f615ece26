//! Strict decoding: typed errors naming message, field and offset.

use bytes::BytesMut;
use pacsys_dpm_proto::{
    AddToListRequest, ApplySettingsRequest, DecodeErrorKind, Direction, EncodeError, Reply,
    Request, ScalarArrayReply, ScalarReply, Status, TextSetting,
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const P: &str = "53 44 44 02 51 03 14 b1 3a 70 3a";

fn scalar() -> Vec<u8> {
    hex(&format!(
        "{P} 12 d6 ab 51 0a 12 1e ab 11 01 12 d5 5b 16 01 90 06 bd 7d 7b 12 07 40 11 00 12 44 54 11 00 12 7f 38 28 40 52 20 00 00 00 00 00"
    ))
}

#[test]
fn error_names_message_field_and_offset() {
    // `data` with tag 29 instead of 28.
    let mut b = scalar();
    let at = b.len() - 9;
    b[at] = 0x29;
    let e = Reply::decode(&b).unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::BadTag {
            expected: "double",
            found: 0x29
        }
    );
    assert_eq!(
        (e.message(), e.field(), e.offset()),
        (Some("Scalar"), Some("data"), at)
    );
    let text = e.to_string();
    assert!(
        text.contains("Scalar") && text.contains("`data`") && text.contains(&format!("byte {at}")),
        "{text}"
    );
}

#[test]
fn truncation_at_every_length_is_rejected() {
    let b = scalar();
    for k in 0..b.len() {
        let e = Reply::decode(&b[..k]).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::Truncated, "at {k}");
        assert!(e.offset() <= k);
    }
    assert!(Reply::decode(&b).is_ok());
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut b = scalar();
    b.push(0);
    let e = Reply::decode(&b).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::TrailingBytes(1));
    assert_eq!(e.message(), Some("Scalar"));
    assert_eq!(e.offset(), b.len() - 1);
}

#[test]
fn duplicate_and_missing_fields_are_rejected() {
    // ref_id twice, status missing (count still 10).
    let b = hex(&format!(
        "{P} 12 d6 ab 51 0a 12 1e ab 11 01 12 d5 5b 11 00 12 07 40 11 00 12 1e ab 11 02 12 7f 38 28 40 52 20 00 00 00 00 00"
    ));
    let e = Reply::decode(&b).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::DuplicateField);
    assert_eq!(e.field(), Some("ref_id"));
    // DeviceInfo with count 8 but carrying units + format_hint instead of name/description.
    let b = hex(&format!(
        "{P} 12 6f ed 51 08 12 1e ab 11 01 12 82 dd 11 05 12 3d fb 41 00 12 7e c2 11 00"
    ));
    let e = Reply::decode(&b).unwrap_err();
    assert_eq!(e.kind(), &DecodeErrorKind::MissingField);
    assert_eq!((e.message(), e.field()), (Some("DeviceInfo"), Some("name")));
}

#[test]
fn wrong_direction_is_unknown_message() {
    let b = hex(&format!("{P} 12 dd b5 51 02 12 e8 20 12 10 92"));
    assert!(Request::decode(&b).is_ok());
    let e = Reply::decode(&b).unwrap_err();
    assert_eq!(
        e.kind(),
        &DecodeErrorKind::UnknownMessage {
            direction: Direction::Reply,
            id: -8779
        }
    );
    assert_eq!(e.offset(), 11);
}

#[test]
fn nested_record_errors_say_which_record() {
    // ApplySettings with a ScaledSetting whose data element has a bad tag.
    let b = hex(&format!(
        "{P} 12 c6 78 51 06 12 56 48 41 00 12 e8 20 11 01 12 63 ce 51 01 51 04 12 1e ab 11 01 12 7f 38 51 01 29 40 52 20 00 00 00 00 00"
    ));
    let e = Request::decode(&b).unwrap_err();
    assert_eq!(
        (e.message(), e.field()),
        (Some("ApplySettings"), Some("ScaledSetting.data"))
    );
    // Setting record with 3 fields.
    let b = hex(&format!(
        "{P} 12 c6 78 51 06 12 56 48 41 00 12 e8 20 11 01 12 63 ce 51 01 51 06 12 1e ab 11 01"
    ));
    let e = Request::decode(&b).unwrap_err();
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::FieldCount {
            count: 6,
            min: 4,
            max: 4
        }
    ));
    assert_eq!(e.field(), Some("ScaledSetting"));
}

#[test]
fn hostile_counts_fail_fast_without_allocating() {
    // ScalarArray claiming 2^62 doubles, and a string claiming 2^62 bytes.
    let b = hex(&format!(
        "{P} 12 59 fc 51 0a 12 1e ab 11 01 12 d5 5b 11 00 12 07 40 11 00 12 44 54 11 00 12 7f 38 58 40 00 00 00 00 00 00 00 28"
    ));
    assert_eq!(
        Reply::decode(&b).unwrap_err().kind(),
        &DecodeErrorKind::Truncated
    );
    let b = hex(&format!(
        "{P} 12 8f 32 51 0a 12 1e ab 11 01 12 d5 5b 11 00 12 07 40 11 00 12 44 54 11 00 12 7f 38 48 40 00 00 00 00 00 00 00 41"
    ));
    assert_eq!(
        Reply::decode(&b).unwrap_err().kind(),
        &DecodeErrorKind::Truncated
    );
    let b = hex(&format!(
        "{P} 12 32 7b 51 0a 12 1e ab 11 01 12 d5 5b 11 00 12 07 40 11 00 12 44 54 11 00 12 7f 38 58 7f ff ff ff ff ff ff ff"
    ));
    assert_eq!(
        Reply::decode(&b).unwrap_err().kind(),
        &DecodeErrorKind::Truncated
    );
    // Negative count.
    let b = hex(&format!(
        "{P} 12 32 7b 51 0a 12 1e ab 11 01 12 d5 5b 11 00 12 07 40 11 00 12 44 54 11 00 12 7f 38 51 ff"
    ));
    assert_eq!(
        Reply::decode(&b).unwrap_err().kind(),
        &DecodeErrorKind::NegativeLength(-1)
    );
}

#[test]
fn doubles_keep_exact_bits() {
    let bits = [
        0x7ff8_0000_0000_0001u64,
        0xfff4_0000_dead_beef,
        0x8000_0000_0000_0000,
        0x0000_0000_0000_0001,
        0x7ff0_0000_0000_0000,
    ];
    let data: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
    let m = Reply::from(ScalarArrayReply {
        data,
        status: Status::DPM_STALE,
        ..Default::default()
    });
    let bytes = m.to_bytes().unwrap();
    let Reply::ScalarArray(back) = Reply::decode(&bytes).unwrap() else {
        panic!()
    };
    let got: Vec<u64> = back.data.iter().map(|d| d.to_bits()).collect();
    assert_eq!(got, bits);
    let m = Reply::from(ScalarReply {
        data: f64::from_bits(bits[1]),
        ..Default::default()
    });
    let Reply::Scalar(back) = Reply::decode(&m.to_bytes().unwrap()).unwrap() else {
        panic!()
    };
    assert_eq!(back.data.to_bits(), bits[1]);
}

#[test]
fn latin1_strings_both_ways_and_non_latin1_is_refused() {
    let m = Request::from(AddToListRequest {
        list_id: 1,
        ref_id: 2,
        drf_request: "°C µA ÿ".into(),
    });
    let bytes = m.to_bytes().unwrap();
    assert!(bytes.windows(3).any(|w| w == [0xb0, b'C', b' ']));
    assert_eq!(Request::decode(&bytes).unwrap(), m);

    let mut buf = BytesMut::from(&b"prior"[..]);
    let bad = Request::from(ApplySettingsRequest {
        user_name: "u".into(),
        list_id: 1,
        text_array: Some(vec![TextSetting {
            ref_id: 1,
            data: vec!["ok".into(), "Ω".into()],
        }]),
        ..Default::default()
    });
    let e = bad.encode(&mut buf).unwrap_err();
    assert_eq!(
        e,
        EncodeError::NonLatin1 {
            message: "ApplySettings",
            field: "TextSetting.data",
            character: 'Ω'
        }
    );
    assert_eq!(&buf[..], b"prior", "nothing written on error");
}

#[test]
fn nonminimal_and_reordered_input_is_accepted() {
    // List id 1 as 8-byte int, status 0 as 8-byte int.
    let b = hex(&format!(
        "{P} 12 73 70 51 04 12 44 54 18 00 00 00 00 00 00 00 00 12 e8 20 14 00 00 00 01"
    ));
    let m = Reply::decode(&b).unwrap();
    assert_eq!(m.name(), "ListStatus");
    assert_eq!(m.status(), Some(Status::OK));
}

#[test]
fn codec_types_are_send_sync() {
    fn assert<T: Send + Sync + 'static>() {}
    assert::<pacsys_dpm_proto::ClientCodec>();
    assert::<pacsys_dpm_proto::ServerCodec>();
    assert::<pacsys_dpm_proto::RawFrameCodec>();
    assert::<Reply>();
    assert::<Request>();
    assert::<pacsys_dpm_proto::DecodeError>();
    assert::<pacsys_dpm_proto::FrameError>();
}

#[test]
fn error_display_is_readable() {
    let mut b = scalar();
    let at = b.len() - 9;
    b[at] = 0x11;
    let e = Reply::decode(&b).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot decode DPM message Scalar, field `data`, at byte {at}: expected double tag, found byte 0x11"
        )
    );
}
