//! Kerberos-authenticated settings against a real MIT KDC on loopback (pacsys-sim's
//! `TestRealm`) and the fake DPM server's real GSS-API acceptor.
//!
//! Run by `cargo xtask ci` as
//! `cargo test -p pacsys-dpm-core --features kerberos,pacsys-sim/kerberos,pacsys-sim/kdc`.
//!
//! MIT Kerberos takes its configuration, credential cache and keytab from the process
//! environment, so every scenario runs in ONE test, one after the other, switching
//! `KRB5CCNAME` between them. Skipped with a reason when the KDC programs are missing
//! (outside CI; under `CI` a missing program fails).
#![cfg(feature = "kerberos")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use pacsys_dpm_core::write::SettingValue;
use pacsys_dpm_core::{
    AuthError, DpmClient, Error, ErrorKind, KerberosConfig, ListIdentity, Status, Value,
};
use pacsys_dpm_proto::Request;
use pacsys_sim::kdc::TestRealm;
use pacsys_sim::{FakeDpmServer, SettingsPolicy};
use tokio::time::timeout;

const REALM: &str = "PACSYS.TEST";
const SERVICE_NAME: &str = "daeset/bd@dce01.fnal.gov";
const SERVICE_PRINCIPAL: &str = "daeset/bd/dce01.fnal.gov";
const T: Duration = Duration::from_secs(10);
const BOUND: Duration = Duration::from_secs(30);

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    timeout(BOUND, f)
        .await
        .expect("test step exceeded its bound")
}

fn set_env(vars: &[(&'static str, std::ffi::OsString)]) {
    for (k, v) in vars {
        // SAFETY: this test binary runs this single test; no other thread reads the
        // environment while it is changed (the runtime's workers are idle between steps).
        unsafe { std::env::set_var(k, v) };
    }
}

fn use_ccache(path: &Path) {
    let mut v = std::ffi::OsString::from("FILE:");
    v.push(path);
    set_env(&[("KRB5CCNAME", v)]);
}

fn client(server: &FakeDpmServer, realm: &str, role: &str) -> DpmClient {
    DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .kerberos(KerberosConfig::default().realm(realm))
        .role(role)
        // The exact request log is checked below: no identity properties.
        .identity(ListIdentity::none())
        .build()
}

fn auth_error<T: std::fmt::Debug>(r: &Result<T, Error>) -> &AuthError {
    match r {
        Err(e) if e.kind() == ErrorKind::Auth => e
            .source_as::<AuthError>()
            .unwrap_or_else(|| panic!("an auth error without its Kerberos reason: {e:?}")),
        other => panic!("expected an authentication error, got {other:?}"),
    }
}

#[test]
fn kerberos_settings_against_a_real_kdc() {
    let Some(realm) = TestRealm::start_for_test(
        REALM,
        &["alice", "bob", "carol", SERVICE_PRINCIPAL, "other/svc"],
        "kerberos_settings_against_a_real_kdc",
    ) else {
        return;
    };
    let service_keytab = realm.keytab(SERVICE_PRINCIPAL).unwrap();
    let alice = realm.kinit("alice", None).unwrap();
    let bob = realm.kinit("bob", None).unwrap();
    let carol = realm.kinit("carol", None).unwrap();
    let short = realm.kinit("alice", Some("2s")).unwrap();
    set_env(&realm.env(None, Some(&service_keytab)));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let policy = SettingsPolicy::new()
            .grant(format!("alice@{REALM}"), "testing")
            .grant(format!("bob@{REALM}"), "viewer")
            .allow("testing", ["M:OUTTMP", "Z:ACLTST", "Z:TEXTDV"]);
        let server = FakeDpmServer::builder()
            .kerberos(true)
            .service_name(SERVICE_NAME)
            .settings_policy(policy)
            .start()
            .await
            .unwrap();

        // 1. alice with the role: scalar, array and text, read back; a device outside the
        //    role's allowlist is refused per setting.
        use_ccache(&alice);
        let c = client(&server, REALM, "testing");
        assert_eq!(c.principal().unwrap(), format!("alice@{REALM}"));
        let results = bounded(c.write_many(
            &[
                ("M:OUTTMP", SettingValue::Scalar(61.5)),
                ("Z:ACLTST[0:2]", SettingValue::Array(vec![4.0, 5.0, 6.0])),
                ("Z:TEXTDV", "kerberized".into()),
                ("G:AMANDA", SettingValue::Scalar(1.0)),
            ],
            T,
        ))
        .await;
        for r in &results[..3] {
            assert!(r.is_ok(), "{results:?}");
        }
        assert!(
            matches!(&results[3], Err(err) if err.kind() == ErrorKind::SettingRejected && err.status().unwrap_or_default() == Status::new(17, -17)),
            "{results:?}"
        );
        let back = bounded(c.read_many(&["M:OUTTMP", "Z:ACLTST[0:3]", "Z:TEXTDV", "G:AMANDA"], T)).await;
        let v = |i: usize| back[i].as_ref().ok().and_then(|r| r.value.clone());
        assert_eq!(v(0), Some(Value::Scalar(61.5)));
        assert_eq!(v(1), Some(Value::Array(vec![4.0, 5.0, 6.0, 1.5])));
        assert_eq!(v(2), Some(Value::Text("kerberized".into())));
        assert_eq!(v(3), Some(Value::Scalar(42.0)));
        // The exchange of spec 6.6.1-6.6.2 on the write connection, then the batch.
        let reqs = server.requests(0);
        assert!(matches!(&reqs[0], Request::Authenticate(a) if a.token.is_empty()));
        assert!(matches!(&reqs[1], Request::Authenticate(a) if a.token.first() == Some(&0x60)));
        assert!(matches!(&reqs[2], Request::EnableSettings(e) if e.message == b"1234"));
        let apply = reqs.iter().find_map(|r| match r {
            Request::ApplySettings(a) => Some(a),
            _ => None,
        });
        assert_eq!(apply.map(|a| a.user_name.clone()), Some(format!("alice@{REALM}")));
        // The authenticated connection is kept and reused: no second Authenticate.
        let again = bounded(c.write("M:OUTTMP", SettingValue::Scalar(62.0), T)).await;
        assert!(again.is_ok(), "{again:?}");
        let auths = server
            .requests(0)
            .iter()
            .filter(|r| matches!(r, Request::Authenticate(_)))
            .count();
        assert_eq!(auths, 2);

        // 2. bob is authenticated but lacks the role: refused per setting, unchanged.
        use_ccache(&bob);
        let c = client(&server, REALM, "testing");
        let results = bounded(c.write_many(
            &[("M:OUTTMP", SettingValue::Scalar(1.0)), ("Z:TEXTDV", "x".into())],
            T,
        ))
        .await;
        for r in &results {
            assert!(
                matches!(&r, Err(err) if err.kind() == ErrorKind::SettingRejected && err.status().unwrap_or_default() == Status::new(17, -17) && err.role().unwrap_or_default() == "testing"),
                "{results:?}"
            );
        }
        let back = bounded(c.read("M:OUTTMP", T)).await.unwrap();
        assert_eq!(back.value, Some(Value::Scalar(62.0)));

        // 2b. carol authenticates (a valid context and MIC) but DPM does not let her set
        //     at all: EnableSettings is refused, nothing is written.
        use_ccache(&carol);
        let c = client(&server, REALM, "testing");
        let r = bounded(c.write("M:OUTTMP", SettingValue::Scalar(1.0), T)).await;
        assert!(
            matches!(auth_error(&r), AuthError::Refused { principal, status } if principal == &format!("carol@{REALM}") && *status == Status::new(17, -17)),
            "{r:?}"
        );
        assert!(!c.has_write_connection().await);

        // 3. No ticket at all.
        use_ccache(&realm.dir().join("no-such-ccache"));
        let c = client(&server, REALM, "testing");
        let r = bounded(c.write("M:OUTTMP", SettingValue::Scalar(1.0), T)).await;
        let e = auth_error(&r);
        assert!(matches!(e, AuthError::NoCredentials { .. }), "{e:?}");
        assert!(e.to_string().contains("kinit"));
        assert!(c.principal().is_err());

        // 4. The configured realm differs from the ticket's.
        use_ccache(&alice);
        let c = client(&server, "FNAL.GOV", "testing");
        let r = bounded(c.write("M:OUTTMP", SettingValue::Scalar(1.0), T)).await;
        assert!(matches!(auth_error(&r), AuthError::WrongRealm { .. }), "{r:?}");

        // 5. A DPM whose service principal the KDC does not know.
        let unknown = FakeDpmServer::builder()
            .kerberos(true)
            .service_name("nosuch/svc@nowhere")
            .start()
            .await
            .unwrap();
        let c = client(&unknown, REALM, "testing");
        let r = bounded(c.write("M:OUTTMP", SettingValue::Scalar(1.0), T)).await;
        assert!(matches!(auth_error(&r), AuthError::UnknownService { .. }), "{r:?}");

        // 6. A ticket for a service the server has no key for (the KDC knows `other/svc`,
        //    the server's keytab does not): the acceptor refuses the token.
        let wrong = FakeDpmServer::builder()
            .kerberos(true)
            .service_name("other@svc")
            .start()
            .await
            .unwrap();
        let c = client(&wrong, REALM, "testing");
        let r = bounded(c.write("M:OUTTMP", SettingValue::Scalar(1.0), T)).await;
        assert!(
            matches!(auth_error(&r), AuthError::Refused { status, .. } if *status == Status::new(17, -17)),
            "{r:?}"
        );

        // 7. An expired ticket (2 s lifetime).
        tokio::time::sleep(Duration::from_millis(2500)).await;
        use_ccache(&short);
        let c = client(&server, REALM, "testing");
        let r = bounded(c.write("M:OUTTMP", SettingValue::Scalar(1.0), T)).await;
        let e = auth_error(&r);
        assert!(matches!(e, AuthError::Expired { .. }), "{e:?}");
        assert!(e.to_string().contains("kinit"));

        server.shutdown().await;
        unknown.shutdown().await;
        wrong.shutdown().await;
    });
    drop(realm);
}
