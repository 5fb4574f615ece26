//! The proxy over loopback gRPC, in front of the in-memory FakeBackend: reads, streams,
//! settings, every refusal path, the audit trail and a short load run.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use futures::StreamExt;
use pacsys::{Backend, Status, Value};
use pacsys_grpc_core::convert;
use pacsys_grpc_core::proto::common::device as pdev;
use pacsys_grpc_core::proto::services::daq::{
    ReadingList, ReadingReply, Setting, SettingList, daq_client::DaqClient, reading_reply,
};
use pacsys_supervised::audit::AuditLog;
use pacsys_supervised::pattern::{DevicePattern, Syntax};
use pacsys_supervised::policy::{
    Action, DeviceAccessPolicy, Mode, RateLimitPolicy, RateScope, ValueRangePolicy,
};
use pacsys_supervised::{DENIED_STATUS, RunningServer, SupervisedServer};
use pacsys_testing::FakeBackend;
use tonic::Code;
use tonic::transport::Channel;

/// A bound on every wait.
const BOUND: Duration = Duration::from_secs(30);

fn glob(p: &str) -> DevicePattern {
    DevicePattern::new(p, Syntax::Glob).unwrap()
}

/// An unsigned JWT whose subject is `sub`.
fn jwt(sub: &str) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        b64.encode(br#"{"alg":"none"}"#),
        b64.encode(format!(r#"{{"sub":"{sub}"}}"#))
    )
}

fn temp_path(name: &str) -> PathBuf {
    let n = std::process::id();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("pacsys-supervised-{name}-{n}-{t}.jsonl"))
}

async fn client(server: &RunningServer<FakeBackend>) -> DaqClient<Channel> {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{}", server.port()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    DaqClient::new(channel)
}

fn with_token<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

fn list(drfs: &[&str]) -> ReadingList {
    ReadingList {
        drf: drfs.iter().map(|d| (*d).to_owned()).collect(),
    }
}

fn setting(drf: &str, v: Value) -> Setting {
    Setting {
        device: drf.to_owned(),
        value: Some(convert::value_to_proto(&v).unwrap()),
    }
}

/// Reads a one-shot call to its end.
async fn read_all(
    c: &mut DaqClient<Channel>,
    drfs: &[&str],
) -> Result<Vec<ReadingReply>, tonic::Status> {
    let mut stream = c.read(list(drfs)).await?.into_inner();
    let mut out = Vec::new();
    while let Some(r) = stream.next().await {
        out.push(r?);
    }
    Ok(out)
}

fn scalar(r: &ReadingReply) -> Option<f64> {
    match &r.value {
        Some(reading_reply::Value::Readings(rs)) => {
            match rs.reading.first()?.data.as_ref()?.value {
                Some(pdev::value::Value::Scalar(x)) => Some(x),
                _ => None,
            }
        }
        _ => None,
    }
}

fn status_of(r: &ReadingReply) -> Option<(i32, i32, String)> {
    match &r.value {
        Some(reading_reply::Value::Status(s)) => {
            Some((s.facility_code, s.status_code, s.message.clone()))
        }
        _ => None,
    }
}

fn denied_code() -> (i32, i32) {
    (
        i32::from(DENIED_STATUS.facility()),
        i32::from(DENIED_STATUS.error()),
    )
}

async fn proxy_with_audit(fake: FakeBackend, audit: &Path) -> RunningServer<FakeBackend> {
    let allow = DeviceAccessPolicy::new(
        vec![glob("G:AMANDA"), glob("Z:ACL*")],
        Mode::Allow,
        Action::Set,
    )
    .unwrap();
    let deny = DeviceAccessPolicy::new(vec![glob("Z:SECRET*")], Mode::Deny, Action::All).unwrap();
    let range = ValueRangePolicy::new(vec![(glob("G:AMANDA"), -100.0, 100.0)], vec![]).unwrap();
    SupervisedServer::new(fake)
        .bind("127.0.0.1:0".parse().unwrap())
        .token(jwt("alice"))
        .policy(allow)
        .policy(deny)
        .policy(range)
        .max_drfs(50)
        .audit(AuditLog::open(audit, 64).unwrap())
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_streams_and_writes_through_the_proxy_with_every_refusal() {
    let audit = temp_path("main");
    let fake = FakeBackend::new();
    let server = proxy_with_audit(fake.clone(), &audit).await;
    let token = jwt("alice");
    let run = tokio::time::timeout(BOUND, async {
        let mut c = client(&server).await;

        // One-shot read.
        let replies = read_all(&mut c, &["M:OUTTMP@I"]).await.unwrap();
        assert_eq!(replies.len(), 1);
        assert_eq!(scalar(&replies[0]), Some(72.5));

        // Duplicates in every spelling: one backend read, one reply per index.
        let before = fake.reads().len();
        let replies = read_all(
            &mut c,
            &[
                "M:OUTTMP@I",
                "m:outtmp@i",
                "M:OUTTMP.READING@I",
                "M?OUTTMP@I",
            ],
        )
        .await
        .unwrap();
        let mut indices: Vec<u32> = replies.iter().map(|r| r.index).collect();
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2, 3]);
        assert!(replies.iter().all(|r| scalar(r) == Some(72.5)));
        assert_eq!(fake.reads().len() - before, 1, "{:?}", fake.reads());

        // A denied device in a read answers with its own status; the rest is served.
        let replies = read_all(&mut c, &["M:OUTTMP@I", "z:secret1@I"])
            .await
            .unwrap();
        assert_eq!(replies.len(), 2);
        let denied = replies.iter().find(|r| r.index == 1).unwrap();
        let (f, e, message) = status_of(denied).unwrap();
        assert_eq!((f, e), denied_code());
        assert!(message.contains("Z:SECRET1"), "{message}");
        // ... and a read of denied devices only is refused whole.
        let err = read_all(&mut c, &["Z:SECRET1@I"]).await.unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);

        // The gate: aliases, directives, padding.
        for bad in [
            "0:1234",
            "#:1234",
            "#ROLE:admin",
            " M:OUTTMP",
            "M:OUTTMP<-REDIR",
        ] {
            let err = read_all(&mut c, &["M:OUTTMP@I", bad]).await.unwrap_err();
            assert_eq!(err.code(), Code::PermissionDenied, "{bad}");
            assert!(
                err.message().starts_with("Malformed or disallowed DRF"),
                "{}",
                err.message()
            );
        }
        // Empty and oversize lists.
        assert_eq!(
            read_all(&mut c, &[]).await.unwrap_err().code(),
            Code::InvalidArgument
        );
        let many: Vec<String> = (0..51).map(|i| format!("Z:BENCH{i:04}@I")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            read_all(&mut c, &many).await.unwrap_err().code(),
            Code::InvalidArgument
        );

        // A stream with duplicates: one backend subscription per distinct DRF, replies
        // to both indices, no N-squared fan-out.
        let mut stream = c
            .read(list(&[
                "M:OUTTMP@p,100",
                "m:outtmp@P,100",
                "G:AMANDA@p,100",
            ]))
            .await
            .unwrap()
            .into_inner();
        let mut per_index = [0u32; 3];
        for _ in 0..30 {
            let r = stream.next().await.unwrap().unwrap();
            per_index[r.index as usize] += 1;
        }
        assert!(per_index.iter().all(|n| *n >= 5), "{per_index:?}");
        assert!(per_index[0].abs_diff(per_index[1]) <= 1, "{per_index:?}");
        assert_eq!(fake.subscription_count(), 1);
        drop(stream);

        // Settings: the token first.
        let ok = SettingList {
            setting: vec![setting("G:AMANDA", Value::Scalar(12.5))],
        };
        let err = c.set(ok.clone()).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated);
        let err = c.set(with_token(ok.clone(), "wrong")).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated);
        let reply = c.set(with_token(ok, &token)).await.unwrap().into_inner();
        assert_eq!(reply.status.len(), 1);
        assert_eq!(reply.status[0].status_code, 0, "{:?}", reply.status);
        assert_eq!(fake.written_value("G:AMANDA"), Some(Value::Scalar(12.5)));

        // A partial batch: the denied setting reports DPM_PRIV, the others are written.
        let writes_before = fake.writes().len();
        let batch = SettingList {
            setting: vec![
                setting("g_amanda", Value::Scalar(1.0)),
                setting("M:OUTTMP", Value::Scalar(2.0)),
                setting("G:AMANDA", Value::Scalar(f64::NAN)),
                setting("G:AMANDA", Value::Scalar(1e6)),
                setting("Z:ACLTST[0:1]", Value::Array(vec![9.0, 8.0])),
            ],
        };
        let reply = c.set(with_token(batch, &token)).await.unwrap().into_inner();
        let codes: Vec<(i32, i32)> = reply
            .status
            .iter()
            .map(|s| (s.facility_code, s.status_code))
            .collect();
        assert_eq!(
            codes,
            [(0, 0), denied_code(), denied_code(), denied_code(), (0, 0)],
            "{:?}",
            reply.status
        );
        assert!(
            reply.status[1]
                .message
                .contains("No write policy approves M:OUTTMP")
        );
        assert!(reply.status[2].message.contains("Non-finite"));
        assert!(reply.status[3].message.contains("outside"));
        let written: Vec<String> = fake.writes()[writes_before..]
            .iter()
            .map(|(d, _)| d.clone())
            .collect();
        assert_eq!(written, ["G:AMANDA.SETTING@N", "Z:ACLTST.SETTING[0:1]@N"]);

        // Every setting denied: the call is refused.
        for bad in [
            vec![setting("M:OUTTMP", Value::Scalar(1.0))],
            vec![setting("G:AMANDA", Value::Scalar(f64::INFINITY))],
        ] {
            let err = c
                .set(with_token(SettingList { setting: bad }, &token))
                .await
                .unwrap_err();
            assert_eq!(err.code(), Code::PermissionDenied);
        }
        for bad in [
            "#ROLE:operator",
            "0:1234",
            "G:AMANDA<-LOGGER:1:2",
            "G:AMANDA\n",
        ] {
            let l = SettingList {
                setting: vec![
                    setting("G:AMANDA", Value::Scalar(1.0)),
                    setting(bad, Value::Scalar(1.0)),
                ],
            };
            let err = c.set(with_token(l, &token)).await.unwrap_err();
            assert_eq!(err.code(), Code::PermissionDenied, "{bad:?}");
        }
        // Empty list, empty oneof.
        let err = c
            .set(with_token(SettingList { setting: vec![] }, &token))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        let empty = SettingList {
            setting: vec![Setting {
                device: "G:AMANDA".into(),
                value: Some(pdev::Value { value: None }),
            }],
        };
        let err = c.set(with_token(empty, &token)).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    })
    .await;
    let metrics = server.metrics();
    server.shutdown().await;
    run.expect("the proxy did not answer in time");

    // The audit trail: every record written, nothing lost, subjects and values present.
    assert_eq!(metrics.streams_started, 1);
    assert!(metrics.denied_requests >= 10, "{metrics:?}");
    assert_eq!(metrics.unauthenticated, 2);
    let text = std::fs::read_to_string(&audit).unwrap();
    let _ = std::fs::remove_file(&audit);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let decisions = lines.iter().filter(|l| l["event"] == "decision").count();
    let results = lines.iter().filter(|l| l["event"] == "result").count();
    let rpcs = (metrics.read_requests + metrics.set_requests) as usize;
    assert_eq!(decisions, rpcs, "one decision record per call");
    let served = lines
        .iter()
        .filter(|l| {
            l["event"] == "decision" && (l["decision"] == "allowed" || l["decision"] == "partial")
        })
        .count();
    assert_eq!(results, served, "one result record per served call");
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=lines.len() as u64).collect::<Vec<_>>());
    let partial = lines
        .iter()
        .find(|l| l["rpc"] == "Set" && l["decision"] == "partial")
        .unwrap();
    assert_eq!(partial["subject"], "alice");
    assert_eq!(partial["token_verified"], true);
    assert_eq!(partial["values"][2], "NaN");
    assert_eq!(partial["denied"].as_array().unwrap().len(), 3);
    let refused = lines
        .iter()
        .find(|l| l["decision"] == "unauthenticated")
        .unwrap();
    assert_eq!(refused["token_verified"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_audit_log_blocks_writes() {
    struct Failing;
    impl std::io::Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::other("disk full"))
        }
    }
    let fake = FakeBackend::new();
    let allow = DeviceAccessPolicy::new(vec![glob("G:AMANDA")], Mode::Allow, Action::Set).unwrap();
    let server = SupervisedServer::new(fake.clone())
        .bind("127.0.0.1:0".parse().unwrap())
        .policy(allow)
        .audit(AuditLog::to_writer(Failing, 4))
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let mut c = client(&server).await;
        let l = SettingList {
            setting: vec![setting("G:AMANDA", Value::Scalar(3.0))],
        };
        let err = c.set(with_token(l, "any")).await.unwrap_err();
        assert_eq!(err.code(), Code::Internal);
        assert!(err.message().starts_with("Audit log failed; write blocked"));
        assert!(fake.writes().is_empty());
    })
    .await;
    let m = server.metrics();
    server.shutdown().await;
    run.unwrap();
    assert!(m.audit_failed >= 1, "{m:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_report_backend_errors_and_end_at_shutdown() {
    let fake = FakeBackend::new();
    let server = SupervisedServer::new(fake.clone())
        .bind("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let mut c = client(&server).await;
        let mut stream = c
            .read(list(&["M:OUTTMP@e,0f", "G:AMANDA@e,0f"]))
            .await
            .unwrap()
            .into_inner();
        assert!(fake.wait_for_subscription("M:OUTTMP", BOUND).await);
        fake.emit_error("M:OUTTMP", Status::new(14, -82));
        let r = stream.next().await.unwrap().unwrap();
        assert_eq!(r.index, 0);
        assert_eq!(status_of(&r).map(|s| (s.0, s.1)), Some((14, -82)));
        // The index is finished; the other one still streams.
        fake.emit_reading("M:OUTTMP", Value::Scalar(1.0));
        fake.emit_reading("G:AMANDA", Value::Scalar(2.0));
        let r = stream.next().await.unwrap().unwrap();
        assert_eq!((r.index, scalar(&r)), (1, Some(2.0)));
        stream
    })
    .await;
    let mut stream = run.unwrap();
    assert_eq!(server.metrics().streams_open, 1);
    server.shutdown().await;
    let end = tokio::time::timeout(BOUND, async {
        loop {
            match stream.next().await {
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Some(e.code()),
                None => return None,
            }
        }
    })
    .await
    .unwrap();
    assert!(
        matches!(end, Some(Code::Unavailable) | None | Some(Code::Unknown)),
        "{end:?}"
    );
    fake.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_hold_across_reconnects() {
    let policy = RateLimitPolicy::new(
        3,
        Duration::from_secs(3600),
        RateScope::Client,
        Action::All,
        vec![],
    )
    .unwrap();
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .policy(policy)
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let mut codes = Vec::new();
        for _ in 0..5 {
            // A fresh connection (new ephemeral port) every time.
            let mut c = client(&server).await;
            codes.push(
                read_all(&mut c, &["M:OUTTMP@I"])
                    .await
                    .map(|_| ())
                    .map_err(|e| e.code()),
            );
        }
        codes
    })
    .await;
    server.shutdown().await;
    let codes = run.unwrap();
    assert_eq!(
        codes,
        [
            Ok(()),
            Ok(()),
            Ok(()),
            Err(Code::PermissionDenied),
            Err(Code::PermissionDenied)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_streams_are_limited_per_client_across_connections() {
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .max_streams_per_client(2)
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let list = |drf: &str| ReadingList {
            drf: vec![drf.to_owned()],
        };
        // Two streams, each on its own connection, both delivering.
        let mut open = Vec::new();
        for _ in 0..2 {
            let mut c = client(&server).await;
            let mut stream = c.read(list("M:OUTTMP@p,100")).await.unwrap().into_inner();
            assert!(stream.message().await.unwrap().is_some());
            open.push(stream);
        }
        // A third from a new connection is refused: the limit is per address, not per
        // connection.
        let mut c = client(&server).await;
        let e = c.read(list("G:AMANDA@p,100")).await.unwrap_err();
        assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
        // One-shot reads take no stream slot.
        read_all(&mut c, &["M:OUTTMP@I"]).await.unwrap();
        // Ending a stream gives its slot back.
        drop(open.pop());
        let mut freed = None;
        for _ in 0..100 {
            match c.read(list("G:AMANDA@p,100")).await {
                Ok(s) => {
                    freed = Some(s.into_inner());
                    break;
                }
                Err(e) if e.code() == Code::ResourceExhausted => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        let mut freed = freed.expect("the slot of the ended stream came back");
        assert!(freed.message().await.unwrap().is_some());
        assert_eq!(server.metrics().streams_open, 2);
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logger_history_is_chunked_with_a_terminator() {
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let drf = format!("M:OUTTMP<-LOGGER:{}:{}", now_ms - 3_600_000, now_ms);
    let run = tokio::time::timeout(BOUND, async {
        let mut c = client(&server).await;
        read_all(&mut c, &[&drf]).await.unwrap()
    })
    .await;
    server.shutdown().await;
    let replies = run.unwrap();
    let sizes: Vec<usize> = replies
        .iter()
        .map(|r| match &r.value {
            Some(reading_reply::Value::Readings(rs)) => rs.reading.len(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(sizes.last(), Some(&0), "terminator: {sizes:?}");
    assert!(
        sizes.iter().all(|n| *n <= convert::LOGGER_CHUNK),
        "{sizes:?}"
    );
    assert!(sizes.len() >= 2, "{sizes:?}");
}

/// The CI version of the load test: a few clients streaming through the proxy for about a
/// second; every audit record written, none dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_load_loses_no_audit_record() {
    let audit = temp_path("load");
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .audit(AuditLog::open(&audit, 8).unwrap())
        .start()
        .await
        .unwrap();
    let port = server.port();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let run = tokio::time::timeout(BOUND, async {
        let mut tasks = Vec::new();
        for client_no in 0..4 {
            let counts = Arc::clone(&counts);
            tasks.push(tokio::spawn(async move {
                let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
                    .unwrap()
                    .connect()
                    .await
                    .unwrap();
                let mut c = DaqClient::new(channel);
                let drfs: Vec<String> = (0..20)
                    .map(|d| format!("Z:BENCH{:04}@p,100", client_no * 20 + d))
                    .collect();
                let mut stream = c
                    .read(ReadingList { drf: drfs })
                    .await
                    .unwrap()
                    .into_inner();
                let mut n = 0u64;
                let until = tokio::time::Instant::now() + Duration::from_millis(1000);
                while let Ok(Some(r)) = tokio::time::timeout_at(until, stream.next()).await {
                    r.unwrap();
                    n += 1;
                }
                counts.lock().unwrap().push(n);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await;
    // Let the proxy notice the cancelled streams before stopping.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let m = server.metrics();
    server.shutdown().await;
    run.unwrap();
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), 4);
    assert!(counts.iter().all(|n| *n > 0), "{counts:?}");
    let lines = std::fs::read_to_string(&audit).unwrap().lines().count();
    let _ = std::fs::remove_file(&audit);
    assert_eq!(lines, 8, "4 decisions and 4 results");
    assert_eq!(m.audit_dropped, 0);
    assert!(m.readings >= counts.iter().sum::<u64>());
}

/// Safe by default: no plaintext on a non-loopback address (nothing is bound).
#[tokio::test]
async fn plaintext_on_a_public_address_is_refused() {
    let e = SupervisedServer::new(FakeBackend::new())
        .bind("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("refusing to serve plaintext"), "{e}");
}

/// One plain HTTP/1.1 request to the metrics endpoint: (status line, body).
async fn http_get(addr: std::net::SocketAddr, method: &str, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain"),
        "{head}"
    );
    (status, body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_endpoint_serves_the_counters() {
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .metrics_bind("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let metrics = server.metrics_addr().expect("the endpoint is on");
    assert!(metrics.ip().is_loopback());
    let run = tokio::time::timeout(BOUND, async {
        let (status, body) = http_get(metrics, "GET", "/metrics").await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(
            body.contains("\npacsys_proxy_read_requests_total 0\n"),
            "{body}"
        );
        // Two one-shot reads through the proxy, then a scrape sees them.
        let mut c = client(&server).await;
        read_all(&mut c, &["M:OUTTMP@I"]).await.unwrap();
        read_all(&mut c, &["G:AMANDA@I", "Z:NOPE@I"]).await.unwrap();
        let (_, body) = http_get(metrics, "GET", "/metrics").await;
        assert!(
            body.contains("\npacsys_proxy_read_requests_total 2\n"),
            "{body}"
        );
        assert!(
            body.contains("# TYPE pacsys_proxy_streams_open gauge\npacsys_proxy_streams_open 0\n"),
            "{body}"
        );
        let samples = body.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(samples, 18, "{body}");
        // Only /metrics, only GET.
        assert_eq!(
            http_get(metrics, "GET", "/").await.0,
            "HTTP/1.1 404 Not Found"
        );
        assert_eq!(
            http_get(metrics, "POST", "/metrics").await.0,
            "HTTP/1.1 405 Method Not Allowed"
        );
    })
    .await;
    server.shutdown().await;
    run.unwrap();
    // The endpoint stops with the proxy.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(metrics).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the metrics endpoint outlived the proxy");
}

#[tokio::test]
async fn the_metrics_endpoint_stays_on_loopback_unless_allowed() {
    let e = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .metrics_bind("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("non-loopback"), "{e}");
    // Off by default.
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    assert_eq!(server.metrics_addr(), None);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_limited_per_client_address() {
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .max_connections_per_client(2)
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let mut first = client(&server).await;
        let mut second = client(&server).await;
        read_all(&mut first, &["M:OUTTMP@I"]).await.unwrap();
        read_all(&mut second, &["M:OUTTMP@I"]).await.unwrap();
        // A third connection from the same address is closed at once.
        let third = Channel::from_shared(format!("http://127.0.0.1:{}", server.port()))
            .unwrap()
            .connect()
            .await;
        if let Ok(channel) = third {
            let e = read_all(&mut DaqClient::new(channel), &["M:OUTTMP@I"])
                .await
                .unwrap_err();
            // The client sees its connection reset: a transport error, never a reply.
            assert!(
                matches!(
                    e.code(),
                    Code::Unavailable | Code::Unknown | Code::Cancelled
                ),
                "{e:?}"
            );
        }
        assert!(server.metrics().connections_refused >= 1);
        // The open ones still work; closing one gives its place back.
        read_all(&mut first, &["G:AMANDA@I"]).await.unwrap();
        drop(second);
        let mut served = false;
        for _ in 0..100 {
            if let Ok(channel) = Channel::from_shared(format!("http://127.0.0.1:{}", server.port()))
                .unwrap()
                .connect()
                .await
                && read_all(&mut DaqClient::new(channel), &["M:OUTTMP@I"])
                    .await
                    .is_ok()
            {
                served = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(served, "the closed connection's place came back");
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_busy_streams_are_not() {
    use tokio::io::AsyncReadExt;
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .idle_timeout(Some(Duration::from_millis(300)))
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        // A connection that never says anything is closed after the idle timeout.
        let mut idle = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 64];
        loop {
            match idle.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {} // the server's HTTP/2 preface bytes, if any
            }
        }
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "closed too early"
        );
        assert_eq!(server.metrics().idle_closed, 1);
        // A stream that delivers data keeps its connection well past the timeout.
        let mut c = client(&server).await;
        let mut stream = c.read(list(&["M:OUTTMP@p,50"])).await.unwrap().into_inner();
        let until = std::time::Instant::now() + Duration::from_millis(1200);
        let mut replies = 0;
        while std::time::Instant::now() < until {
            assert!(stream.message().await.unwrap().is_some());
            replies += 1;
        }
        assert!(replies >= 10, "{replies}");
        assert_eq!(server.metrics().idle_closed, 1);
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}
