//! Property tests: encode-then-decode is the identity for arbitrary messages of every
//! kind; arbitrary and mutated bytes never panic the decoders or the frame codec.

use bytes::BytesMut;
use pacsys_dpm_proto::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use tokio_util::codec::{Decoder, Encoder};

fn latin1() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,20}",
        vec(any::<u8>(), 0..40).prop_map(|b| b.iter().map(|&c| c as char).collect()),
        vec(any::<u8>(), 120..300).prop_map(|b| b.iter().map(|&c| c as char).collect()),
    ]
}
fn bin() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..20), vec(any::<u8>(), 100..300)]
}
fn dbl() -> impl Strategy<Value = f64> {
    prop_oneof![any::<f64>(), any::<u64>().prop_map(f64::from_bits)]
}
fn dbls() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![vec(dbl(), 0..10), vec(dbl(), 120..200)]
}
fn status() -> impl Strategy<Value = Status> {
    any::<i16>().prop_map(Status::from_raw)
}
fn header() -> impl Strategy<Value = (i64, i64, i64)> {
    (any::<i64>(), any::<i64>(), any::<i64>())
}

fn request() -> impl Strategy<Value = Request> {
    let raw = (any::<i64>(), bin()).prop_map(|(ref_id, data)| RawSetting { ref_id, data });
    let scaled = (any::<i64>(), dbls()).prop_map(|(ref_id, data)| ScaledSetting { ref_id, data });
    let text =
        (any::<i64>(), vec(latin1(), 0..5)).prop_map(|(ref_id, data)| TextSetting { ref_id, data });
    prop_oneof![
        Just(Request::ServiceDiscovery(ServiceDiscoveryRequest {})),
        of(latin1()).prop_map(|location| OpenListRequest { location }.into()),
        (any::<i32>(), any::<i64>(), latin1()).prop_map(|(list_id, ref_id, drf_request)| {
            AddToListRequest {
                list_id,
                ref_id,
                drf_request,
            }
            .into()
        }),
        (any::<i32>(), bin())
            .prop_map(|(list_id, token)| AuthenticateRequest { list_id, token }.into()),
        (any::<i32>(), bin(), bin()).prop_map(|(list_id, mic, message)| {
            EnableSettingsRequest {
                list_id,
                mic,
                message,
            }
            .into()
        }),
        (any::<i32>(), any::<i64>()).prop_map(|(list_id, ref_id)| RemoveFromListRequest {
            list_id,
            ref_id
        }
        .into()),
        (any::<i32>(), of(latin1())).prop_map(|(list_id, model)| StartListRequest {
            list_id,
            model
        }
        .into()),
        any::<i32>().prop_map(|list_id| ClearListRequest { list_id }.into()),
        any::<i32>().prop_map(|list_id| StopListRequest { list_id }.into()),
        (
            latin1(),
            any::<i32>(),
            of(vec(raw, 0..4)),
            of(vec(scaled, 0..4)),
            of(vec(text, 0..4))
        )
            .prop_map(
                |(user_name, list_id, raw_array, scaled_array, text_array)| {
                    ApplySettingsRequest {
                        user_name,
                        list_id,
                        raw_array,
                        scaled_array,
                        text_array,
                    }
                    .into()
                }
            ),
    ]
}

fn reply() -> impl Strategy<Value = Reply> {
    let setting_status =
        (any::<i64>(), status()).prop_map(|(ref_id, status)| SettingStatus { ref_id, status });
    let bools = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    prop_oneof![
        (any::<i16>(), latin1()).prop_map(|(load, service_location)| ServiceDiscoveryReply {
            load,
            service_location
        }
        .into()),
        any::<i32>().prop_map(|list_id| OpenListReply { list_id }.into()),
        (any::<i32>(), any::<i64>(), status()).prop_map(|(list_id, ref_id, status)| {
            AddToListReply {
                list_id,
                ref_id,
                status,
            }
            .into()
        }),
        (any::<i32>(), any::<i64>(), status()).prop_map(|(list_id, ref_id, status)| {
            RemoveFromListReply {
                list_id,
                ref_id,
                status,
            }
            .into()
        }),
        (any::<i32>(), status())
            .prop_map(|(list_id, status)| StartListReply { list_id, status }.into()),
        (any::<i32>(), status())
            .prop_map(|(list_id, status)| ListStatusReply { list_id, status }.into()),
        (header(), status()).prop_map(|((ref_id, timestamp, cycle), status)| {
            StatusReply {
                ref_id,
                timestamp,
                cycle,
                status,
            }
            .into()
        }),
        (
            any::<i64>(),
            any::<i32>(),
            latin1(),
            latin1(),
            of(latin1()),
            of(any::<i16>())
        )
            .prop_map(|(ref_id, di, name, description, units, format_hint)| {
                DeviceInfoReply {
                    ref_id,
                    di,
                    name,
                    description,
                    units,
                    format_hint,
                }
                .into()
            }),
        (header(), status(), dbl()).prop_map(|((ref_id, timestamp, cycle), status, data)| {
            ScalarReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }
            .into()
        }),
        (header(), status(), dbls()).prop_map(|((ref_id, timestamp, cycle), status, data)| {
            ScalarArrayReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }
            .into()
        }),
        (header(), status(), bin()).prop_map(|((ref_id, timestamp, cycle), status, data)| {
            RawReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }
            .into()
        }),
        (header(), status(), latin1()).prop_map(|((ref_id, timestamp, cycle), status, data)| {
            TextReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }
            .into()
        }),
        (header(), status(), vec(latin1(), 0..6)).prop_map(
            |((ref_id, timestamp, cycle), status, data)| {
                TextArrayReply {
                    ref_id,
                    timestamp,
                    cycle,
                    status,
                    data,
                }
                .into()
            }
        ),
        (header(), dbl(), dbl(), bools, any::<i32>(), any::<i32>()).prop_map(
            |(
                (ref_id, timestamp, cycle),
                minimum,
                maximum,
                (a, b, c, d),
                tries_needed,
                tries_now,
            )| {
                AnalogAlarmReply {
                    ref_id,
                    timestamp,
                    cycle,
                    minimum,
                    maximum,
                    alarm_enable: a,
                    alarm_status: b,
                    abort: c,
                    abort_inhibit: d,
                    tries_needed,
                    tries_now,
                }
                .into()
            }
        ),
        (
            header(),
            any::<i32>(),
            any::<i32>(),
            bools,
            any::<i32>(),
            any::<i32>()
        )
            .prop_map(
                |(
                    (ref_id, timestamp, cycle),
                    nominal,
                    mask,
                    (a, b, c, d),
                    tries_needed,
                    tries_now,
                )| {
                    DigitalAlarmReply {
                        ref_id,
                        timestamp,
                        cycle,
                        nominal,
                        mask,
                        alarm_enable: a,
                        alarm_status: b,
                        abort: c,
                        abort_inhibit: d,
                        tries_needed,
                        tries_now,
                    }
                    .into()
                }
            ),
        (
            header(),
            of(any::<bool>()),
            of(any::<bool>()),
            of(any::<bool>()),
            of(any::<bool>()),
            of(any::<bool>())
        )
            .prop_map(
                |((ref_id, timestamp, cycle), on, ready, remote, positive, ramp)| {
                    BasicStatusReply {
                        ref_id,
                        timestamp,
                        cycle,
                        on,
                        ready,
                        remote,
                        positive,
                        ramp,
                    }
                    .into()
                }
            ),
        (header(), status(), dbls(), vec(any::<i64>(), 0..10)).prop_map(
            |((ref_id, timestamp, cycle), status, data, micros)| {
                TimedScalarArrayReply {
                    ref_id,
                    timestamp,
                    cycle,
                    status,
                    data,
                    micros,
                }
                .into()
            }
        ),
        vec(setting_status, 0..8).prop_map(|status| ApplySettingsReply { status }.into()),
        (of(latin1()), of(bin())).prop_map(|(service_name, token)| AuthenticateReply {
            service_name,
            token
        }
        .into()),
    ]
}

/// Bit-exact equality: same variant, same Debug form and same canonical bytes.
fn same<M: std::fmt::Debug + Message>(a: &M, b: &M) -> bool {
    let (mut x, mut y) = (BytesMut::new(), BytesMut::new());
    a.encode(&mut x).is_ok()
        && b.encode(&mut y).is_ok()
        && x == y
        && format!("{a:?}") == format!("{b:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn request_round_trip(m in request()) {
        let bytes = m.to_bytes().unwrap();
        let back = Request::decode(&bytes).unwrap();
        prop_assert!(same(&m, &back), "{m:?} -> {back:?}");
        if !format!("{m:?}").contains("NaN") {
            prop_assert_eq!(&back, &m);
        }
    }

    #[test]
    fn reply_round_trip(m in reply()) {
        let bytes = m.to_bytes().unwrap();
        let back = Reply::decode(&bytes).unwrap();
        prop_assert!(same(&m, &back), "{m:?} -> {back:?}");
        if !format!("{m:?}").contains("NaN") {
            prop_assert_eq!(&back, &m);
        }
        // Every strict prefix is rejected.
        for k in [0, bytes.len() / 2, bytes.len() - 1] {
            prop_assert!(Reply::decode(&bytes[..k]).is_err());
        }
    }

    #[test]
    fn framed_round_trip_any_chunking(ms in vec(reply(), 1..8), cuts in vec(1usize..64, 1..20)) {
        let mut wire = BytesMut::new();
        let mut server = ServerCodec::new();
        for m in &ms {
            server.encode(m, &mut wire).unwrap();
        }
        let mut client = ClientCodec::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut i = 0;
        while !wire.is_empty() {
            let n = cuts[i % cuts.len()].min(wire.len());
            i += 1;
            buf.extend_from_slice(&wire.split_to(n));
            while let Some(m) = client.decode(&mut buf).unwrap() {
                got.push(m);
            }
        }
        prop_assert!(client.decode_eof(&mut buf).unwrap().is_none());
        prop_assert_eq!(got.len(), ms.len());
        for (a, b) in ms.iter().zip(&got) {
            prop_assert!(same(a, b));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..300)) {
        let _ = Reply::decode(&data);
        let _ = Request::decode(&data);
        fuzzing::reply_decode(&data);
        fuzzing::request_decode(&data);
        fuzzing::frame_codec(&data);
    }

    #[test]
    fn mutated_messages_never_panic(m in reply(), edits in vec((any::<usize>(), any::<u8>()), 1..4), cut in any::<usize>()) {
        let mut bytes = m.to_bytes().unwrap().to_vec();
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        let n = bytes.len();
        bytes.truncate(cut % (n + 1));
        fuzzing::reply_decode(&bytes);
        let mut framed = (bytes.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&bytes);
        let _ = ClientCodec::new().decode(&mut BytesMut::from(&framed[..]));
        fuzzing::frame_codec(&framed);
    }

    #[test]
    fn mutated_requests_never_panic(m in request(), edits in vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut bytes = m.to_bytes().unwrap().to_vec();
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        fuzzing::request_decode(&bytes);
    }
}
