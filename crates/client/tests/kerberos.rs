//! The facade's Kerberos-authenticated settings (`kerberos` feature) against a real MIT KDC
//! on loopback (pacsys-sim's `TestRealm`) and the fake DPM server's real GSS-API
//! acceptor: principal, capabilities, a verified write, a per-device refusal, a control
//! command through the Device API, and a missing ticket.
//!
//! MIT Kerberos reads its configuration and credential cache from the process environment,
//! so everything runs in ONE test. Skipped with a reason when the KDC programs are missing
//! (outside CI; under `CI` a missing program fails).
//!
//! Run by `cargo xtask ci` as
//! `cargo test -p pacsys --features kerberos,pacsys-sim/kerberos,pacsys-sim/kdc --test kerberos`.
#![cfg(feature = "kerberos")]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pacsys::env::EnvConfig;
use pacsys::{
    Backend, Capabilities, Device, DpmBackend, ErrorKind, Field, Status, Value, Verify,
    write_verified,
};
use pacsys_sim::kdc::TestRealm;
use pacsys_sim::{FakeDpmServer, SettingsPolicy};

const REALM: &str = "FACADE.TEST";
const SERVICE_NAME: &str = "daeset/bd@dce01.fnal.gov";
const SERVICE_PRINCIPAL: &str = "daeset/bd/dce01.fnal.gov";
const BOUND: Duration = Duration::from_secs(60);

fn set_env(vars: &[(&'static str, std::ffi::OsString)]) {
    for (k, v) in vars {
        // SAFETY: the only test of this binary; no other thread reads the environment
        // while it is changed (the runtime's workers are idle between steps).
        unsafe { std::env::set_var(k, v) };
    }
}

fn use_ccache(path: &Path) {
    let mut v = std::ffi::OsString::from("FILE:");
    v.push(path);
    set_env(&[("KRB5CCNAME", v)]);
}

fn backend(server: &FakeDpmServer) -> DpmBackend {
    DpmBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .kerberos_realm(REALM)
        .role("testing")
        .env(EnvConfig::default())
        .build()
        .unwrap()
}

#[test]
fn kerberos_settings_through_the_facade() {
    let Some(realm) = TestRealm::start_for_test(
        REALM,
        &["alice", SERVICE_PRINCIPAL],
        "kerberos_settings_through_the_facade",
    ) else {
        return;
    };
    let service_keytab = realm.keytab(SERVICE_PRINCIPAL).unwrap();
    let alice = realm.kinit("alice", None).unwrap();
    set_env(&realm.env(None, Some(&service_keytab)));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let policy = SettingsPolicy::new()
            .grant(format!("alice@{REALM}"), "testing")
            .allow("testing", ["M:OUTTMP", "Z:TEXTDV"]);
        let server = FakeDpmServer::builder()
            .kerberos(true)
            .service_name(SERVICE_NAME)
            .settings_policy(policy)
            .start()
            .await
            .unwrap();
        let run = tokio::time::timeout(BOUND, async {
            // alice: identity, capabilities, verified and refused settings.
            use_ccache(&alice);
            let b = Arc::new(backend(&server));
            assert_eq!(b.principal().unwrap(), Some(format!("alice@{REALM}")));
            assert!(
                b.capabilities()
                    .contains(Capabilities::WRITE | Capabilities::AUTH_KERBEROS)
            );
            let verify = Verify::new().with_initial_delay(Duration::ZERO);
            let r = write_verified(&*b, "M:OUTTMP", Value::Scalar(61.5), &verify, None)
                .await
                .unwrap();
            assert_eq!(r.verified, Some(true), "{r:?}");
            let results = b
                .write_many(
                    &[
                        ("Z:TEXTDV", Value::Text("kerberized".into())),
                        ("G:AMANDA", Value::Scalar(1.0)),
                    ],
                    None,
                )
                .await;
            assert!(results[0].is_ok(), "{results:?}");
            // Refused per device, with the status and the role the batch was sent with.
            let e = results[1].as_ref().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::SettingRejected, "{results:?}");
            assert_eq!(e.drf(), Some("G:AMANDA"));
            assert_eq!(e.status(), Some(Status::new(17, -17)));
            assert_eq!(e.role(), Some("testing"), "{e:?}");
            assert_eq!(b.read("G:AMANDA", None).await.unwrap(), Value::Scalar(42.0));
            // A control command through the Device API, verified by its status bit.
            let dev = Device::bound("M:OUTTMP", Arc::clone(&b)).unwrap();
            let r = dev
                .control_verified(pacsys::Control::Off, &verify)
                .await
                .unwrap();
            assert_eq!(r.verified, Some(true), "{r:?}");
            assert!(!dev.status_field(Field::On).await.unwrap());

            // No ticket: an authentication error that says what to do, nothing written.
            use_ccache(&realm.dir().join("no-such-ccache"));
            let b = backend(&server);
            let e = b
                .write("M:OUTTMP", Value::Scalar(1.0), None)
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Auth, "{e:?}");
            assert_eq!(b.read("M:OUTTMP", None).await.unwrap(), Value::Scalar(61.5));
        })
        .await;
        server.shutdown().await;
        run.expect("the Kerberos facade test did not finish in time");
    });
}
