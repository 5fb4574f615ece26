//! `pacsys put --auth kerberos` end to end: the built binary (with the `kerberos` feature)
//! writes through the fake DPM server's real GSS-API acceptor with a ticket from a throwaway
//! MIT realm on loopback; a device the role may not set is refused with its role in the
//! JSON; a missing ticket gives the "run kinit" error and writes nothing.
//!
//! Run by `cargo xtask ci` as
//! `cargo test -p pacsys-cli --features kerberos,pacsys-sim/kerberos,pacsys-sim/kdc --test kerberos`.
//! Skipped with a reason when the KDC programs are missing (outside CI; under `CI` a
//! missing program fails).
#![cfg(feature = "kerberos")]

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::Duration;

use pacsys_sim::kdc::TestRealm;
use pacsys_sim::{FakeDpmServer, SettingsPolicy};
use pacsys_types::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pacsys");
const REALM: &str = "CLI.TEST";
const SERVICE_NAME: &str = "daeset/bd@dce01.fnal.gov";
const SERVICE_PRINCIPAL: &str = "daeset/bd/dce01.fnal.gov";

/// Runs the binary with `env` added: (exit code, stdout, stderr).
fn pacsys(args: &[&str], env: &[(&'static str, OsString)]) -> (Option<i32>, String, String) {
    let mut c = Command::new(BIN);
    c.args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("PACSYS_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run pacsys");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn put_with_kerberos_end_to_end() {
    let Some(realm) = TestRealm::start_for_test(
        REALM,
        &["alice", SERVICE_PRINCIPAL],
        "put_with_kerberos_end_to_end",
    ) else {
        return;
    };
    let service_keytab = realm.keytab(SERVICE_PRINCIPAL).unwrap();
    let alice = realm.kinit("alice", None).unwrap();
    let mut env = realm.env(None, Some(&service_keytab));
    // The acceptor (in this process) reads the keytab from the environment.
    for (k, v) in &env {
        // SAFETY: the only test of this binary; set before any other thread starts.
        unsafe { std::env::set_var(k, v) };
    }
    let mut ccache = OsString::from("FILE:");
    ccache.push(&alice);
    env.push(("KRB5CCNAME", ccache));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(async {
        let policy = SettingsPolicy::new()
            .grant(format!("alice@{REALM}"), "testing")
            .allow("testing", ["M:OUTTMP"]);
        FakeDpmServer::builder()
            .kerberos(true)
            .service_name(SERVICE_NAME)
            .settings_policy(policy)
            .start()
            .await
            .unwrap()
    });
    let port = server.port().to_string();
    let base = [
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--timeout",
        "10",
        "--auth",
        "kerberos",
        "--realm",
        REALM,
        "--role",
        "testing",
    ];

    // A verified write with alice's ticket.
    let mut args = base.to_vec();
    args.extend(["put", "M:OUTTMP", "61.5", "--verify"]);
    let (code, out, err) = pacsys(&args, &env);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("M:OUTTMP  ok (verified"), "{out}{err}");
    assert_eq!(
        server
            .world()
            .device("M:OUTTMP")
            .unwrap()
            .state()
            .setting
            .clone(),
        Some(Value::Scalar(61.5))
    );

    // A device the role may not set: refused alone, with the role in the JSON.
    let mut args = base.to_vec();
    args.extend(["put", "M:OUTTMP", "62", "G:AMANDA", "1", "--format", "json"]);
    let (code, out, err) = pacsys(&args, &env);
    assert_eq!(code, Some(1), "{out}{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["ok"], true, "{out}");
    let e = &lines[1]["error"];
    assert_eq!(e["kind"], "setting_rejected", "{out}");
    assert_eq!(e["name"], "DPM_PRIV", "{out}");
    assert_eq!(e["role"], "testing", "{out}");

    // No ticket: the "run kinit" error, nothing written.
    let mut no_ticket = env.clone();
    let mut missing = OsString::from("FILE:");
    missing.push(realm.dir().join("no-such-ccache"));
    no_ticket.retain(|(k, _)| *k != "KRB5CCNAME");
    no_ticket.push(("KRB5CCNAME", missing));
    let mut args = base.to_vec();
    args.extend(["put", "M:OUTTMP", "1", "--format", "json"]);
    let (code, out, err) = pacsys(&args, &no_ticket);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("\"kind\":\"auth\""), "{out}{err}");
    assert!(format!("{out}{err}").contains("kinit"), "{out}{err}");
    assert_eq!(
        server
            .world()
            .device("M:OUTTMP")
            .unwrap()
            .state()
            .setting
            .clone(),
        Some(Value::Scalar(62.0))
    );

    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), server.shutdown())
            .await
            .expect("the server stops");
    });
}
