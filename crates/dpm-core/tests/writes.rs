//! Settings against the fake DPM server over loopback, without authentication (the fake's
//! test-only `insecure_settings`). Kerberos-authenticated writes are in `kerberos.rs`.

use std::time::Duration;

use pacsys_dpm_core::write::{ControlCommand, SettingValue};
use pacsys_dpm_core::{DpmClient, ErrorKind, ListIdentity, Status, Value};
use pacsys_dpm_proto::Request;
use pacsys_sim::FakeDpmServer;
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(20);
const T: Duration = Duration::from_secs(5);

fn client(server: &FakeDpmServer) -> DpmClient {
    DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .settings_user("tester@EXAMPLE.TEST")
        .role("testing")
        .identity(ListIdentity::none())
        .build()
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    timeout(BOUND, f)
        .await
        .expect("test step exceeded its bound")
}

async fn insecure() -> FakeDpmServer {
    FakeDpmServer::builder()
        .insecure_settings(true)
        .start()
        .await
        .unwrap()
}

fn count(requests: &[Request], pred: impl Fn(&Request) -> bool) -> usize {
    requests.iter().filter(|r| pred(r)).count()
}

#[tokio::test]
async fn writes_scalar_array_text_raw_control_and_alarm_fields_in_one_batch() {
    let server = insecure().await;
    let c = client(&server);
    let settings: Vec<(&str, SettingValue)> = vec![
        ("M:OUTTMP", SettingValue::Scalar(55.0)),
        ("Z:ACLTST[0:2]", SettingValue::Array(vec![9.0, 8.0, 7.0])),
        ("Z:TEXTDV", "world".into()),
        (
            "Z:TXTARR",
            SettingValue::TextArray(vec!["a".into(), "b".into(), "c".into()]),
        ),
        ("Z:RAWDEV.RAW", SettingValue::Raw(vec![1, 2, 3, 4, 5, 6])),
        ("Z:STSDEV", ControlCommand::On.into()),
        ("M:OUTTMP.ANALOG.MAX", SettingValue::Scalar(130.0)),
        ("M:OUTTMP.ANALOG.ALARM_ENABLE", SettingValue::Bool(false)),
        ("bad@@drf", SettingValue::Scalar(1.0)),
        ("M:OUTTMP<-LOGGER:1000:2000", SettingValue::Scalar(1.0)),
    ];
    let results = bounded(c.write_many(&settings, T)).await;
    assert_eq!(results.len(), settings.len());
    for (i, r) in results.iter().take(8).enumerate() {
        assert!(r.is_ok(), "{i}: {r:?}");
    }
    assert_eq!(results[0].as_ref().map(|o| o.drf.as_str()), Ok("M:OUTTMP"));
    // What went on the wire is the plan's retargeted text (the fake's record of the
    // write connection, its first connection).
    let sent: Vec<String> = server
        .requests(0)
        .into_iter()
        .filter_map(|r| match r {
            Request::AddToList(a) if a.ref_id != 0 => Some(a.drf_request),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent.first().map(String::as_str),
        Some("M:OUTTMP.SETTING@N"),
        "{sent:?}"
    );
    assert!(matches!(&results[8], Err(err) if err.kind() == ErrorKind::InvalidRequest));
    assert!(matches!(&results[9], Err(err) if err.kind() == ErrorKind::ReadOnly));

    // Read everything back.
    let back = bounded(c.read_many(
        &[
            "M:OUTTMP",
            "Z:ACLTST[0:3]",
            "Z:TEXTDV",
            "Z:TXTARR",
            "Z:RAWDEV.RAW",
            "Z:STSDEV.STATUS.ON",
            "M:OUTTMP.ANALOG.MAX",
        ],
        T,
    ))
    .await;
    let v = |i: usize| back[i].as_ref().ok().and_then(|r| r.value.clone());
    assert_eq!(v(0), Some(Value::Scalar(55.0)));
    assert_eq!(v(1), Some(Value::Array(vec![9.0, 8.0, 7.0, 1.5])));
    assert_eq!(v(2), Some(Value::Text("world".into())));
    assert_eq!(
        v(3),
        Some(Value::TextArray(vec!["a".into(), "b".into(), "c".into()]))
    );
    assert_eq!(v(4), Some(Value::Raw(vec![1, 2, 3, 4, 5, 6])));
    assert_eq!(v(5), Some(Value::Scalar(1.0)));
    assert_eq!(v(6), Some(Value::Scalar(130.0)));

    // The batch flow of spec 6.6.3 on the write connection (the first connection).
    let reqs = server.requests(0);
    assert!(matches!(reqs[0], Request::StopList(_)));
    assert!(matches!(reqs[1], Request::ClearList(_)));
    assert!(
        matches!(&reqs[2], Request::AddToList(a) if a.ref_id == 0 && a.drf_request == "#ROLE:testing")
    );
    assert_eq!(count(&reqs, |r| matches!(r, Request::ApplySettings(_))), 1);
    let Some(Request::ApplySettings(apply)) =
        reqs.iter().find(|r| matches!(r, Request::ApplySettings(_)))
    else {
        panic!("no ApplySettings")
    };
    assert_eq!(apply.user_name, "tester@EXAMPLE.TEST");
    assert_eq!(apply.raw_array.as_ref().map(Vec::len), Some(1));
    assert_eq!(apply.text_array.as_ref().map(Vec::len), Some(2));
    assert_eq!(apply.scaled_array.as_ref().map(Vec::len), Some(5));
    assert!(matches!(reqs.last(), Some(Request::StopList(_))));
}

#[tokio::test]
async fn a_batch_of_100_settings_is_one_apply_round_trip_on_a_kept_connection() {
    let server = insecure().await;
    let c = client(&server);
    let settings: Vec<(String, SettingValue)> = (0..100)
        .map(|i| {
            (
                format!("Z:BENCH{i:04}"),
                SettingValue::Scalar(f64::from(i) + 0.5),
            )
        })
        .collect();
    let results = bounded(c.write_many(&settings, T)).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let reqs = server.requests(0);
    assert_eq!(count(&reqs, |r| matches!(r, Request::ApplySettings(_))), 1);
    assert_eq!(
        count(
            &reqs,
            |r| matches!(r, Request::AddToList(a) if a.ref_id != 0)
        ),
        100
    );
    // A second write reuses the same (kept) connection.
    assert!(c.has_write_connection().await);
    let again = bounded(c.write("Z:BENCH0001", 3.0, T)).await;
    assert!(again.is_ok(), "{again:?}");
    assert_eq!(server.stats().connections, 1);
    let reqs = server.requests(0);
    assert_eq!(count(&reqs, |r| matches!(r, Request::ApplySettings(_))), 2);
    // Fresh ref ids on the reused connection.
    assert!(
        reqs.iter()
            .any(|r| matches!(r, Request::AddToList(a) if a.ref_id == 101))
    );
    let back = bounded(c.read("Z:BENCH0099", T)).await.unwrap();
    assert_eq!(back.value, Some(Value::Scalar(99.5)));
}

#[tokio::test]
async fn refusals_are_per_setting_with_their_status() {
    // Without insecure settings the fake refuses every setting of an unauthenticated list.
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    let results = bounded(c.write_many(
        &[
            ("M:OUTTMP", SettingValue::Scalar(1.0)),
            ("Z:NOPE", 1.0.into()),
        ],
        T,
    ))
    .await;
    assert!(
        matches!(&results[0], Err(err) if err.kind() == ErrorKind::SettingRejected && err.status().unwrap_or_default() == Status::new(17, -17) && err.role().unwrap_or_default() == "testing"),
        "{results:?}"
    );
    assert!(
        results[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("role `testing`")
    );
    assert!(
        matches!(&results[1], Err(err) if err.kind() == ErrorKind::Device),
        "{results:?}"
    );
    let back = bounded(c.read("M:OUTTMP", T)).await.unwrap();
    assert_eq!(back.value, Some(Value::Scalar(72.5)));

    // Out of range and read-only devices are refused per setting too.
    let server = insecure().await;
    let c = client(&server);
    let results = bounded(c.write_many(
        &[
            ("M:OUTTMP", SettingValue::Scalar(1e6)),
            ("Z:SINE", SettingValue::Scalar(1.0)),
            ("G:AMANDA", SettingValue::Scalar(7.0)),
        ],
        T,
    ))
    .await;
    assert!(
        matches!(&results[0], Err(err) if err.kind() == ErrorKind::SettingRejected),
        "{results:?}"
    );
    assert!(
        matches!(&results[1], Err(err) if err.kind() == ErrorKind::SettingRejected),
        "{results:?}"
    );
    assert!(results[2].is_ok());
}

#[tokio::test]
async fn a_lost_apply_reply_is_outcome_unknown_never_retried_and_closes_the_connection() {
    let server = FakeDpmServer::builder()
        .insecure_settings(true)
        .answer_settings(false)
        .start()
        .await
        .unwrap();
    let c = client(&server);
    let results = bounded(c.write_many(
        &[
            ("G:AMANDA", SettingValue::Scalar(12.0)),
            ("bad@@", 1.0.into()),
        ],
        Duration::from_millis(700),
    ))
    .await;
    let e = results[0].as_ref().unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert!(!e.is_retryable());
    assert!(matches!(&results[1], Err(err) if err.kind() == ErrorKind::InvalidRequest));
    assert!(!c.has_write_connection().await);
    // Exactly one ApplySettings: never retried.
    let applies: usize = (0..server.stats().connections)
        .map(|i| {
            count(&server.requests(i), |r| {
                matches!(r, Request::ApplySettings(_))
            })
        })
        .sum();
    assert_eq!(applies, 1);
    // The setting did take effect on the server: that is why it is "unknown", not "failed".
    let back = bounded(c.read("G:AMANDA", T)).await.unwrap();
    assert_eq!(back.value, Some(Value::Scalar(12.0)));
}

#[tokio::test]
async fn a_connection_refused_before_sending_is_a_plain_error() {
    let server = insecure().await;
    let port = server.port();
    server.shutdown().await;
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(port)
        .settings_user("x")
        .build();
    let r = bounded(c.write("M:OUTTMP", 1.0, T)).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Refused),
        "{r:?}"
    );
    assert!(!r.unwrap_err().is_outcome_unknown());
}

#[tokio::test]
async fn a_kept_connection_that_went_stale_is_replaced_once_before_anything_is_applied() {
    let server = insecure().await;
    let c = client(&server);
    assert!(bounded(c.write("G:AMANDA", 1.0, T)).await.is_ok());
    assert!(c.has_write_connection().await);
    // The server drops the idle write connection.
    server.close_connections();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = bounded(c.write("G:AMANDA", 2.0, T)).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(server.stats().connections, 2);
    let applies = |i| {
        count(&server.requests(i), |r| {
            matches!(r, Request::ApplySettings(_))
        })
    };
    assert_eq!((applies(0), applies(1)), (1, 1));
    let back = bounded(c.read("G:AMANDA", T)).await.unwrap();
    assert_eq!(back.value, Some(Value::Scalar(2.0)));
}

#[tokio::test]
async fn an_idle_write_connection_is_replaced_after_the_idle_limit() {
    let server = insecure().await;
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .settings_user("tester")
        .write_idle_limit(Duration::ZERO)
        .build();
    assert!(bounded(c.write("G:AMANDA", 1.0, T)).await.is_ok());
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(bounded(c.write("G:AMANDA", 2.0, T)).await.is_ok());
    assert_eq!(server.stats().connections, 2);
}
