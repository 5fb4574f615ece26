//! The fake DPM server's real GSS-API acceptor against a throwaway MIT realm (`TestRealm`),
//! driven with raw frames and a GSS-API initiator built here with `libgssapi`, so the fake is
//! tested against the protocol and the Kerberos library, not against our client.
//!
//! One test runs every scenario in turn: MIT Kerberos reads its configuration, credential
//! cache and keytab from the process environment. Skipped with a reason when the KDC
//! programs are missing (outside CI; under `CI` a missing program fails).
//!
//! Needs the acceptor and the KDC harness:
//! `cargo test -p pacsys-sim --features kerberos,kdc --test kerberos_acceptor`.
#![cfg(all(feature = "kerberos", feature = "kdc"))]

mod support;

use std::time::Duration;

use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_KRB5, GSS_NT_KRB5_PRINCIPAL};
use pacsys_dpm_proto::{
    ApplySettingsRequest, AuthenticateRequest, EnableSettingsRequest, Reply, Request,
    ScaledSetting, Status,
};
use pacsys_sim::kdc::TestRealm;
use pacsys_sim::{FakeDpmServer, SettingsPolicy};
use support::raw::RawClient;

const REALM: &str = "ACCEPT.TEST";
const PRIV: Status = Status::new(17, -17);

fn set_env(vars: &[(&'static str, std::ffi::OsString)]) {
    for (k, v) in vars {
        // SAFETY: the only test of this binary; no other thread reads the environment now.
        unsafe { std::env::set_var(k, v) };
    }
}

/// Authenticates a raw list up to a complete context; returns it.
async fn authenticate(c: &mut RawClient) -> ClientCtx {
    let id = c.list_id;
    c.send(vec![Request::Authenticate(AuthenticateRequest {
        list_id: id,
        token: Vec::new(),
    })])
    .await;
    let service = match c.reply().await {
        Reply::Authenticate(a) => a.service_name.expect("a service name"),
        other => panic!("{other:?}"),
    };
    let target = format!("{}@{REALM}", service.replace('@', "/"));
    let cred = Cred::acquire(None, None, CredUsage::Initiate, None).expect("alice's ticket");
    let name = Name::new(target.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL)).expect("name");
    let flags =
        CtxFlags::GSS_C_REPLAY_FLAG | CtxFlags::GSS_C_SEQUENCE_FLAG | CtxFlags::GSS_C_INTEG_FLAG;
    let mut ctx = ClientCtx::new(Some(cred), name, flags, Some(GSS_MECH_KRB5));
    let token = ctx.step(None, None).expect("initiator").expect("a token");
    c.send(vec![Request::Authenticate(AuthenticateRequest {
        list_id: id,
        token: token.to_vec(),
    })])
    .await;
    match c.reply().await {
        Reply::Authenticate(a) => assert_eq!(a.service_name.as_deref(), Some(service.as_str())),
        other => panic!("{other:?}"),
    }
    assert!(ctx.is_complete());
    ctx
}

async fn enable(c: &mut RawClient, mic: Vec<u8>) -> Status {
    let id = c.list_id;
    c.send(vec![Request::EnableSettings(EnableSettingsRequest {
        list_id: id,
        mic,
        message: b"1234".to_vec(),
    })])
    .await;
    match c.reply().await {
        Reply::Status(s) => s.status,
        other => panic!("{other:?}"),
    }
}

async fn apply(c: &mut RawClient, drf: &str, x: f64) -> Status {
    c.send(vec![c.add(0, "#ROLE:testing"), c.add(1, drf), c.start()])
        .await;
    let _ = c.collect_for(Duration::from_millis(100)).await;
    let id = c.list_id;
    c.send(vec![Request::ApplySettings(ApplySettingsRequest {
        user_name: format!("alice@{REALM}"),
        list_id: id,
        scaled_array: Some(vec![ScaledSetting {
            ref_id: 1,
            data: vec![x],
        }]),
        ..Default::default()
    })])
    .await;
    match c.reply().await {
        Reply::ApplySettings(a) => a.status[0].status,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_acceptor_checks_tokens_mics_and_the_policy() {
    let Some(realm) = TestRealm::start_for_test(
        REALM,
        &["alice", "daeset/bd/dce01.fnal.gov"],
        "the_acceptor_checks_tokens_mics_and_the_policy",
    ) else {
        return;
    };
    let keytab = realm.keytab("daeset/bd/dce01.fnal.gov").unwrap();
    let alice = realm.kinit("alice", None).unwrap();
    assert!(realm.kdc_pid().is_some());
    set_env(&realm.env(Some(&alice), Some(&keytab)));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = FakeDpmServer::builder()
            .kerberos(true)
            .settings_policy(
                SettingsPolicy::new()
                    .grant(format!("alice@{REALM}"), "testing")
                    .allow("testing", ["M:OUTTMP"]),
            )
            .start()
            .await
            .unwrap();

        // A tampered MIC is refused, and the list stays unable to set.
        let mut c = RawClient::connect(server.addr()).await;
        let mut ctx = authenticate(&mut c).await;
        let mut mic = ctx.get_mic(b"1234").expect("mic").to_vec();
        let last = mic.len() - 1;
        mic[last] ^= 0x55;
        assert_eq!(enable(&mut c, mic).await, PRIV);
        assert_eq!(apply(&mut c, "M:OUTTMP.SETTING@N", 50.0).await, PRIV);

        // A garbage context token is refused.
        let mut g = RawClient::connect(server.addr()).await;
        let id = g.list_id;
        g.send(vec![Request::Authenticate(AuthenticateRequest {
            list_id: id,
            token: vec![0x60, 0x01, 0x00],
        })])
        .await;
        match g.reply().await {
            Reply::Status(s) => assert_eq!(s.status, PRIV),
            other => panic!("{other:?}"),
        }

        // The right MIC enables settings; the policy then decides per device.
        let mut c = RawClient::connect(server.addr()).await;
        let mut ctx = authenticate(&mut c).await;
        let mic = ctx.get_mic(b"1234").expect("mic").to_vec();
        assert_eq!(enable(&mut c, mic).await, Status::OK);
        assert_eq!(apply(&mut c, "M:OUTTMP.SETTING@N", 50.0).await, Status::OK);
        assert_eq!(apply(&mut c, "G:AMANDA.SETTING@N", 1.0).await, PRIV);
        let outtmp = server.world().device("M:OUTTMP").expect("device");
        assert_eq!(
            outtmp.state().setting,
            Some(pacsys_types::Value::Scalar(50.0))
        );

        server.shutdown().await;
    });
    drop(realm);
}
