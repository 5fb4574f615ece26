#![cfg(feature = "jwt")]
//! The proxy validating bearer JWTs over a real gRPC connection: HS256, RS256 from a PEM and
//! ES256 from a JWKS (keys made here with `openssl`; the RSA/EC cases are skipped with a
//! printed reason when it is missing, and fail under CI), and every refusal.

use std::process::Command;
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use pacsys_grpc_core::convert;
use pacsys_grpc_core::proto::services::daq::{Setting, SettingList, daq_client::DaqClient};
use pacsys_supervised::jwt::{JwtKeys, JwtValidator};
use pacsys_supervised::pattern::{DevicePattern, Syntax};
use pacsys_supervised::policy::{Action, DeviceAccessPolicy, Mode};
use pacsys_supervised::{RunningServer, SupervisedServer};
use pacsys_testing::FakeBackend;
use pacsys_types::Value;
use tonic::Code;
use tonic::transport::Channel;

const BOUND: Duration = Duration::from_secs(30);
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn claims(sub: &str) -> serde_json::Value {
    serde_json::json!({"sub": sub, "iss": "auth.test", "aud": "pacsys-proxy", "exp": now() + 600})
}

async fn proxy(validator: JwtValidator) -> RunningServer<FakeBackend> {
    SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .jwt(validator.issuer("auth.test").audience("pacsys-proxy"))
        .policy(
            DeviceAccessPolicy::new(
                vec![DevicePattern::new("*", Syntax::Glob).unwrap()],
                Mode::Allow,
                Action::Set,
            )
            .unwrap(),
        )
        .start()
        .await
        .unwrap()
}

/// A one-setting `Set` with `token` (if any): the gRPC code, OK when it was accepted.
async fn set_with(server: &RunningServer<FakeBackend>, token: Option<&str>) -> Code {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{}", server.port()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut c = DaqClient::new(channel);
    let list = SettingList {
        setting: vec![Setting {
            device: "G:AMANDA".into(),
            value: Some(convert::value_to_proto(&Value::Scalar(3.0)).unwrap()),
        }],
    };
    let mut req = tonic::Request::new(list);
    if let Some(t) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    match c.set(req).await {
        Ok(_) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test]
async fn hs256_tokens_are_validated_and_every_refusal_is_unauthenticated() {
    let server = proxy(JwtValidator::try_new(JwtKeys::Hs256(SECRET.to_vec())).unwrap()).await;
    let run = tokio::time::timeout(BOUND, async {
        let sign = |c: serde_json::Value, secret: &[u8]| {
            encode(&Header::default(), &c, &EncodingKey::from_secret(secret)).unwrap()
        };
        assert_eq!(
            set_with(&server, Some(&sign(claims("alice"), SECRET))).await,
            Code::Ok
        );
        let refused = [
            ("no token", None),
            (
                "forged",
                Some(sign(claims("alice"), b"not the secret, not at all")),
            ),
            (
                "expired",
                Some(sign(
                    {
                        let mut c = claims("a");
                        c["exp"] = (now() - 3600).into();
                        c
                    },
                    SECRET,
                )),
            ),
            (
                "not yet valid",
                Some(sign(
                    {
                        let mut c = claims("a");
                        c["nbf"] = (now() + 3600).into();
                        c
                    },
                    SECRET,
                )),
            ),
            (
                "wrong issuer",
                Some(sign(
                    {
                        let mut c = claims("a");
                        c["iss"] = "evil".into();
                        c
                    },
                    SECRET,
                )),
            ),
            (
                "wrong audience",
                Some(sign(
                    {
                        let mut c = claims("a");
                        c["aud"] = "other".into();
                        c
                    },
                    SECRET,
                )),
            ),
            ("alg none", Some(alg_none(&claims("alice")))),
            ("garbage", Some("abc.def.ghi".to_owned())),
        ];
        for (what, token) in refused {
            assert_eq!(
                set_with(&server, token.as_deref()).await,
                Code::Unauthenticated,
                "{what}"
            );
        }
        assert!(server.metrics().unauthenticated >= 8);
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}

fn alg_none(claims: &serde_json::Value) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    )
}

/// A private key (PKCS#8 PEM) and its public key (SPKI PEM) made by `openssl`, or why not.
fn openssl_keys(genpkey: &[&str]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let private = Command::new("openssl")
        .arg("genpkey")
        .args(genpkey)
        .output()
        .map_err(|e| format!("openssl is not available: {e}"))?;
    if !private.status.success() {
        return Err(format!("openssl genpkey failed: {:?}", private.status));
    }
    let dir = std::env::temp_dir().join(format!("pacsys-jwt-{}-{}", std::process::id(), now()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!(
        "key-{}.pem",
        genpkey.join("-").replace([':', '_'], "")
    ));
    std::fs::write(&path, &private.stdout).map_err(|e| e.to_string())?;
    let public = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&path)
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
    if !public.status.success() {
        return Err("openssl pkey -pubout failed".into());
    }
    Ok((private.stdout, public.stdout))
}

fn keys_or_skip(genpkey: &[&str]) -> Option<(Vec<u8>, Vec<u8>)> {
    match openssl_keys(genpkey) {
        Ok(k) => Some(k),
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: {why}");
            None
        }
        Err(why) => panic!("under CI the key must be made: {why}"),
    }
}

#[tokio::test]
async fn rs256_from_a_pem_public_key() {
    let Some((private, public)) =
        keys_or_skip(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    else {
        return;
    };
    let server = proxy(JwtValidator::try_new(JwtKeys::Pem(public)).unwrap()).await;
    let run = tokio::time::timeout(BOUND, async {
        let key = EncodingKey::from_rsa_pem(&private).unwrap();
        let token = encode(&Header::new(Algorithm::RS256), &claims("bob"), &key).unwrap();
        assert_eq!(set_with(&server, Some(&token)).await, Code::Ok);
        // An HS256 token whose secret is the public key (the classic confusion) is refused.
        let hs = encode(
            &Header::default(),
            &claims("bob"),
            &EncodingKey::from_secret(b"anything at all"),
        )
        .unwrap();
        assert_eq!(set_with(&server, Some(&hs)).await, Code::Unauthenticated);
        // Another RSA key's signature is refused.
        if let Some((other, _)) =
            keys_or_skip(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        {
            let key = EncodingKey::from_rsa_pem(&other).unwrap();
            let token = encode(&Header::new(Algorithm::RS256), &claims("bob"), &key).unwrap();
            assert_eq!(set_with(&server, Some(&token)).await, Code::Unauthenticated);
        }
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}

#[tokio::test]
async fn es256_from_a_jwks_picks_the_key_by_kid() {
    let Some((private, _public)) =
        keys_or_skip(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    else {
        return;
    };
    let key = EncodingKey::from_ec_pem(&private).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some("k1".into());
    let set: JwkSet = serde_json::from_value(serde_json::json!({ "keys": [jwk] })).unwrap();
    let server = proxy(JwtValidator::try_new(JwtKeys::Jwks(set)).unwrap()).await;
    let run = tokio::time::timeout(BOUND, async {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("k1".into());
        let token = encode(&header, &claims("carol"), &key).unwrap();
        assert_eq!(set_with(&server, Some(&token)).await, Code::Ok);
        header.kid = Some("unknown".into());
        let token = encode(&header, &claims("carol"), &key).unwrap();
        assert_eq!(set_with(&server, Some(&token)).await, Code::Unauthenticated);
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}
