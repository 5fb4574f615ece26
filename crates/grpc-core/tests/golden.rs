//! Golden bytes (spec section 11): the `ReadingReply`s captured from pacsys 0.3.0's server
//! decode to the expected values, and our encoder (which the fake DAQ server uses) produces
//! the same bytes for the same readings, also end to end through `FakeDaqServer`.
#![allow(deprecated)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys_grpc_core::convert::{self, Sample};
use pacsys_grpc_core::proto::services::daq::{self as pdaq, ReadingReply, reading_reply};
use pacsys_sim::{DeviceState, FakeDaqServer, Signal, SimDevice, SimWorld};
use pacsys_types::{BasicStatus, DeviceMeta, Reading, Status, Value};
use prost::Message;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn varint(mut n: u64) -> String {
    let mut out = String::new();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push_str(&format!("{b:02x}"));
            return out;
        }
        out.push_str(&format!("{:02x}", b | 0x80));
    }
}

/// `0a0c 08<secs> 10<nanos>`: a timestamp whose two varints take five bytes each, as in the
/// captured replies (`0a0c08…10…`).
fn ts_hex(secs: i64, nanos: i32) -> String {
    let body = format!("08{}10{}", varint(secs as u64), varint(nanos as u64));
    assert_eq!(body.len(), 24, "the captures have 12-byte timestamps");
    format!("0a0c{body}")
}

const SECS: i64 = 1_780_000_000;
const NANOS: i32 = 500_000_123;

fn time() -> SystemTime {
    UNIX_EPOCH + Duration::new(SECS as u64, NANOS as u32)
}

fn scalar_hex(ts: &str) -> String {
    format!("121d121b{ts}12090900000000004045401a00")
}

fn array_hex(ts: &str) -> String {
    let doubles: String = [1.0f64, 2.0, 3.0, 4.0, 5.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("08021240123e{ts}122c122a0a28{doubles}1a00")
}

fn raw_hex(ts: &str) -> String {
    format!("0803121a1218{ts}12061a04010203041a00")
}

fn entry(key: &str, value: &str) -> String {
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let body = format!(
        "0a{:02x}{}12{:02x}{}",
        key.len(),
        hex(key),
        value.len(),
        hex(value)
    );
    format!("0a{:02x}{body}", body.len() / 2)
}

/// Five bits, two of them False: 0x63 bytes as captured (entries sorted by name).
fn status_hex(ts: &str) -> String {
    let entries = [
        entry("on", "True"),
        entry("positive", "False"),
        entry("ramp", "True"),
        entry("ready", "True"),
        entry("remote", "False"),
    ]
    .concat();
    assert!(entries.contains("0a0f0a0672656d6f7465120546616c7365")); // 0a0f 0a06 "remote" 12 05 "False"
    let value = format!("42{:02x}{entries}", entries.len() / 2);
    let data = format!("12{:02x}{value}", value.len() / 2);
    let reading = format!("{ts}{data}1a00");
    let sample = format!("12{:02x}{reading}", reading.len() / 2);
    assert_eq!(sample.len() / 2, 0x63, "`0801 1263 …` as captured");
    format!("080112{:02x}{sample}", sample.len() / 2)
}

fn status_value() -> Value {
    Value::BasicStatus(BasicStatus {
        on: Some(true),
        ready: Some(true),
        remote: Some(false),
        positive: Some(false),
        ramp: Some(true),
    })
}

fn decode_one(bytes: &[u8]) -> (u32, Reading) {
    let reply = ReadingReply::decode(bytes).expect("decodes");
    let Some(reading_reply::Value::Readings(r)) = reply.value else {
        panic!("readings arm expected")
    };
    assert_eq!(r.reading.len(), 1);
    let drf: Arc<str> = Arc::from("X");
    match convert::decode_sample(&drf, r.reading.into_iter().next().expect("one")) {
        Sample::Reading(reading) => (reply.index, reading),
        Sample::Error(s, m) => panic!("error sample {s} {m}"),
    }
}

fn cases() -> Vec<(u32, String, Value)> {
    let ts = ts_hex(SECS, NANOS);
    vec![
        (0, scalar_hex(&ts), Value::Scalar(42.5)),
        (
            2,
            array_hex(&ts),
            Value::Array(vec![1.0, 2.0, 3.0, 4.0, 5.0]),
        ),
        (3, raw_hex(&ts), Value::Raw(vec![1, 2, 3, 4])),
        (1, status_hex(&ts), status_value()),
    ]
}

#[test]
fn captured_replies_decode_to_the_expected_values() {
    for (index, hex, value) in cases() {
        let (got_index, reading) = decode_one(&unhex(&hex));
        assert_eq!(got_index, index);
        assert_eq!(reading.value.as_ref(), Some(&value));
        assert_eq!(reading.status, Status::OK);
        assert_eq!(reading.timestamp, Some(time()), "nanosecond timestamps");
    }
}

#[test]
fn our_encoder_produces_the_captured_bytes() {
    for (index, hex, value) in cases() {
        let reading = Reading::new(Arc::from("X"), Status::OK)
            .with_value(value)
            .with_timestamp(Some(time()));
        let ours = convert::reading_reply(index, &reading, "").encode_to_vec();
        assert_eq!(ours, unhex(&hex), "index {index}");
    }
}

#[test]
fn error_status_reply_and_empty_array_setting() {
    // ReadingReply{index: 4, status{status_code: -42, message: "Simulated device error"}}
    let msg = "Simulated device error";
    let msg_hex: String = msg.bytes().map(|b| format!("{b:02x}")).collect();
    let status = format!("10{}1a{:02x}{msg_hex}", varint(-42i64 as u64), msg.len());
    let hex = format!("08041a{:02x}{status}", status.len() / 2);
    let reply = ReadingReply::decode(unhex(&hex).as_slice()).expect("decodes");
    assert_eq!(reply.index, 4);
    let Some(reading_reply::Value::Status(s)) = reply.value else {
        panic!("status arm")
    };
    assert_eq!(s.message, msg);
    assert_eq!(convert::terminal_status(&s), Status::new(0, -42));
    let back = pdaq::ReadingReply {
        index: 4,
        value: Some(reading_reply::Value::Status(convert::status_to_proto(
            Status::new(0, -42),
            msg,
        ))),
    };
    assert_eq!(back.encode_to_vec(), unhex(&hex));
    // `Set` of [] sends `12 00`: the empty scalarArr arm is still present.
    let v = convert::value_to_proto(&Value::Array(vec![])).expect("encodable");
    assert_eq!(v.encode_to_vec(), vec![0x12, 0x00]);
}

fn golden_world() -> SimWorld {
    let world = SimWorld::new();
    let meta = |i: i32, name: &str| DeviceMeta {
        device_index: i,
        name: name.into(),
        description: String::new(),
        units: None,
        format_hint: None,
    };
    world.insert(SimDevice::new(
        meta(1, "Z:SCALAR"),
        DeviceState::new(Signal::Fixed(Value::Scalar(42.5))),
    ));
    world.insert(SimDevice::new(
        meta(2, "Z:ARRAY"),
        DeviceState::new(Signal::Fixed(Value::Array(vec![1.0, 2.0, 3.0, 4.0, 5.0]))),
    ));
    world.insert(SimDevice::new(
        meta(3, "Z:RAW"),
        DeviceState::new(Signal::Fixed(Value::Raw(vec![1, 2, 3, 4]))),
    ));
    let Value::BasicStatus(bits) = status_value() else {
        unreachable!()
    };
    world.insert(SimDevice::new(
        meta(4, "Z:STATUS"),
        DeviceState {
            status: Some(bits),
            ..DeviceState::new(Signal::Fixed(Value::Scalar(0.0)))
        },
    ));
    world
}

#[tokio::test]
async fn the_fake_server_sends_the_captured_bytes() {
    let server = FakeDaqServer::builder()
        .world(golden_world())
        .start()
        .await
        .expect("server");
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr()))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut raw = pdaq::daq_client::DaqClient::new(channel);
    let list = pdaq::ReadingList {
        drf: ["Z:SCALAR@I", "Z|STATUS@I", "Z:ARRAY@I", "Z:RAW@I"]
            .map(String::from)
            .to_vec(),
    };
    let mut stream = tokio::time::timeout(Duration::from_secs(5), raw.read(list))
        .await
        .expect("in time")
        .expect("read")
        .into_inner();
    let mut seen = 0;
    while let Some(reply) = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("in time")
        .expect("ok")
    {
        // The server's timestamp is its clock: splice it into the capture and compare.
        let Some(reading_reply::Value::Readings(r)) = &reply.value else {
            panic!("data expected")
        };
        let t = r.reading[0].timestamp.expect("timestamp");
        let ts = format!(
            "0a{:02x}08{}10{}",
            (2 + varint(t.seconds as u64).len() / 2 + varint(t.nanos as u64).len() / 2),
            varint(t.seconds as u64),
            varint(t.nanos as u64)
        );
        let (_, hex, _) = cases()
            .into_iter()
            .find(|(i, _, _)| *i == reply.index)
            .expect("known index");
        let with_server_time = hex.replace(&ts_hex(SECS, NANOS), &ts);
        // The outer lengths change only if the server's timestamp is not 12 bytes long
        // (nanos below 2^28): compare structurally in that case.
        let ours = reply.encode_to_vec();
        if ts.len() == ts_hex(SECS, NANOS).len() {
            assert_eq!(ours, unhex(&with_server_time), "index {}", reply.index);
        } else {
            let mut fixed = reply.clone();
            if let Some(reading_reply::Value::Readings(r)) = &mut fixed.value {
                r.reading[0].timestamp = Some(prost_types::Timestamp {
                    seconds: SECS,
                    nanos: NANOS,
                });
            }
            assert_eq!(fixed.encode_to_vec(), unhex(&hex), "index {}", reply.index);
        }
        seen += 1;
    }
    assert_eq!(
        seen, 4,
        "one reply per one-shot request, then the stream completes"
    );
    server.shutdown().await;
}
