//! Interop check: our client against the reference project's own gRPC proxy (pacsys 0.3.0
//! `SupervisedServer` over its `FakeBackend`, started by `xtask/interop/supervised_server.py`).
//!
//! ```text
//! cargo run -p pacsys-grpc-core --example interop_client -- PORT TOKEN
//! ```
//!
//! Prints one line per check and `N passed, M failed`; exits with 1 when anything failed.

use std::process::ExitCode;
use std::time::Duration;

use futures::StreamExt;
use pacsys_grpc_core::{DaqClient, ErrorKind, Event, Status, SubscriptionOptions, Value};

const WAIT: Duration = Duration::from_secs(5);

struct Checks(Vec<bool>);

impl Checks {
    fn check(&mut self, name: &str, ok: bool, detail: impl std::fmt::Debug) {
        self.0.push(ok);
        println!("{} {name}: {detail:?}", if ok { "ok  " } else { "FAIL" });
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(token)) = (args.next().and_then(|p| p.parse::<u16>().ok()), args.next())
    else {
        eprintln!("usage: interop_client PORT TOKEN");
        return ExitCode::FAILURE;
    };
    let build = |token: Option<&str>| {
        let b = DaqClient::builder()
            .host("127.0.0.1")
            .port(port)
            .timeout(WAIT)
            .subscription_options(
                SubscriptionOptions::default()
                    .backoff(Duration::from_millis(50), Duration::from_millis(500)),
            );
        match token {
            Some(t) => b.token(t),
            None => b,
        }
        .build()
    };
    let client = match build(Some(&token)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut c = Checks(Vec::new());

    let r = client.read("M:OUTTMP", WAIT).await;
    c.check(
        "rust read M:OUTTMP via SupervisedServer",
        matches!(&r, Ok(r) if r.value == Some(Value::Scalar(72.5))),
        &r,
    );

    let many = client
        .read_many(&["M:OUTTMP", "Z:ACLTST", "Z:TEXTDV", "M:BADDEV"], WAIT)
        .await;
    c.check(
        "rust read_many scalar, array, text",
        matches!(&many[0], Ok(r) if r.value == Some(Value::Scalar(72.5)))
            && matches!(&many[1], Ok(r) if r.value == Some(Value::Array(vec![0.0, 0.5, 1.0, 1.5])))
            && matches!(&many[2], Ok(r) if r.value == Some(Value::Text("hello".into()))),
        &many[..3],
    );
    c.check(
        "rust read_many error slot M:BADDEV (-42)",
        matches!(&many[3], Err(e) if e.kind() == ErrorKind::Device
            && e.status().is_some_and(|s| s.error() == -42)),
        &many[3],
    );

    match client.subscribe(&["M:OUTTMP@p,100", "G:AMANDA@p,100"]) {
        Ok(mut sub) => {
            let mut seen = (0, 0);
            let deadline = tokio::time::Instant::now() + WAIT;
            while seen.0 < 3 || seen.1 < 3 {
                match tokio::time::timeout_at(deadline, sub.next()).await {
                    Ok(Some(Event::Reading(r))) => match (&*r.drf, &r.value) {
                        ("M:OUTTMP@p,100", Some(Value::Scalar(x))) if *x == 72.5 => seen.0 += 1,
                        ("G:AMANDA@p,100", Some(Value::Scalar(_))) => seen.1 += 1,
                        _ => {}
                    },
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            c.check(
                "rust subscribe 2 devices via SupervisedServer",
                seen.0 >= 3 && seen.1 >= 3,
                seen,
            );
            sub.stop().await;
        }
        Err(e) => c.check("rust subscribe", false, e),
    }

    let set = client
        .set_many(&[
            ("G:AMANDA", Value::Scalar(5.0)),
            ("Z:ACLTST", Value::Array(vec![1.0, 2.0])),
        ])
        .await;
    c.check(
        "rust set_many allowed devices",
        set.iter().all(|r| *r == Ok(Status::OK)),
        &set,
    );
    let back = client.read("G:AMANDA.SETTING", WAIT).await;
    c.check(
        "rust read back G:AMANDA.SETTING",
        matches!(&back, Ok(r) if r.value == Some(Value::Scalar(5.0))),
        &back,
    );

    let denied = client.set("M:OUTTMP", Value::Scalar(1.0)).await;
    c.check(
        "rust set on a device no policy allows: PERMISSION_DENIED",
        matches!(&denied, Err(e) if e.kind() == ErrorKind::Auth
            && e.source_as::<tonic::Status>().is_some_and(|s| s.code() == tonic::Code::PermissionDenied)),
        &denied,
    );
    let wrong = build(Some("not-the-token"))
        .map(|w| async move { w.set("G:AMANDA", Value::Scalar(2.0)).await });
    match wrong {
        Ok(fut) => {
            let r = fut.await;
            c.check(
                "rust set with a wrong token: UNAUTHENTICATED",
                matches!(&r, Err(e) if e.kind() == ErrorKind::Auth
                    && e.detail().contains("Invalid or missing bearer token")),
                &r,
            );
        }
        Err(e) => c.check("rust client with a wrong token", false, e),
    }

    let passed = c.0.iter().filter(|ok| **ok).count();
    let failed = c.0.len() - passed;
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
