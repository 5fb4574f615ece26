//! Validating the bearer JWT of a call: the signature (HS256 with a shared secret, RS256 or
//! ES256 with public keys from a PEM file or a JWKS file), `exp`, `nbf`, `iss` and `aud`
//! with a leeway. The verified `sub` is the identity policies and the audit log see.
//!
//! Tokens with `alg: none`, an algorithm the key does not take, a bad signature, a wrong
//! issuer or audience, or outside their validity window are refused (the call gets
//! `UNAUTHENTICATED`).
//!
//! ```
//! use jsonwebtoken::{EncodingKey, Header, encode};
//! use pacsys_supervised::jwt::{JwtKeys, JwtValidator};
//!
//! let validator = JwtValidator::new(JwtKeys::Hs256(b"a long shared secret".to_vec()))
//!     .issuer("https://auth.example")
//!     .audience("pacsys-proxy");
//! let claims = serde_json::json!({
//!     "sub": "alice@FNAL.GOV", "iss": "https://auth.example", "aud": "pacsys-proxy",
//!     "exp": 4_102_444_800u64, // 2100-01-01
//! });
//! let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(b"a long shared secret")).unwrap();
//! assert_eq!(validator.validate(&token).unwrap(), "alice@FNAL.GOV");
//! let forged = encode(&Header::default(), &claims, &EncodingKey::from_secret(b"another secret")).unwrap();
//! assert!(validator.validate(&forged).is_err());
//! ```

use std::fmt;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

/// The keys tokens are checked against.
#[derive(Clone)]
#[non_exhaustive]
pub enum JwtKeys {
    /// HS256 with a shared secret.
    Hs256(Vec<u8>),
    /// One public key in PEM: RS256 for an RSA key, ES256 for a P-256 key.
    Pem(Vec<u8>),
    /// A JWKS document (`{"keys": [...]}`): the token's `kid` picks the key (a token without
    /// `kid` is tried against a single key only).
    Jwks(JwkSet),
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtKeys::Hs256(_) => f.write_str("Hs256(<secret>)"),
            JwtKeys::Pem(_) => f.write_str("Pem(..)"),
            JwtKeys::Jwks(set) => write!(f, "Jwks({} keys)", set.keys.len()),
        }
    }
}

/// Why a token was refused (the text goes to the audit log, never the token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JWT refused: {0}")]
pub struct JwtError(pub String);

/// A prepared key and the algorithms it accepts.
#[derive(Clone)]
struct Key {
    kid: Option<String>,
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

/// Checks bearer JWTs: see the [module docs](self).
#[derive(Clone)]
pub struct JwtValidator {
    keys: Vec<Key>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_secs: u64,
}

impl fmt::Debug for JwtValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtValidator")
            .field("keys", &self.keys.len())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

impl JwtValidator {
    /// A validator for `keys` with a 60 s leeway and no issuer or audience check. A PEM or
    /// JWK that cannot be read leaves no usable key: every token is then refused, so prefer
    /// [`JwtValidator::try_new`], which reports it.
    pub fn new(keys: JwtKeys) -> JwtValidator {
        JwtValidator::try_new(keys).unwrap_or_else(|_| JwtValidator {
            keys: Vec::new(),
            issuer: None,
            audience: None,
            leeway_secs: 60,
        })
    }

    /// A validator for `keys`, or why a key cannot be used.
    pub fn try_new(keys: JwtKeys) -> Result<JwtValidator, JwtError> {
        let keys = match keys {
            JwtKeys::Hs256(secret) => {
                if secret.len() < 16 {
                    return Err(JwtError(
                        "the HS256 secret must be at least 16 bytes".into(),
                    ));
                }
                vec![Key {
                    kid: None,
                    key: DecodingKey::from_secret(&secret),
                    algorithms: vec![Algorithm::HS256],
                }]
            }
            JwtKeys::Pem(pem) => vec![pem_key(&pem)?],
            JwtKeys::Jwks(set) => {
                let mut keys = Vec::new();
                for jwk in &set.keys {
                    let key = DecodingKey::from_jwk(jwk)
                        .map_err(|e| JwtError(format!("unusable JWK: {e}")))?;
                    let algorithms = match &jwk.algorithm {
                        jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => vec![Algorithm::RS256],
                        jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => {
                            vec![Algorithm::ES256]
                        }
                        _ => return Err(JwtError("only RSA and EC keys are supported".into())),
                    };
                    keys.push(Key {
                        kid: jwk.common.key_id.clone(),
                        key,
                        algorithms,
                    });
                }
                if keys.is_empty() {
                    return Err(JwtError("the JWKS holds no key".into()));
                }
                keys
            }
        };
        Ok(JwtValidator {
            keys,
            issuer: None,
            audience: None,
            leeway_secs: 60,
        })
    }

    /// Requires this `iss`.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires this `aud` (a token whose `aud` list contains it passes).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Clock leeway for `exp` and `nbf`, in seconds (default 60).
    pub fn leeway_secs(mut self, secs: u64) -> Self {
        self.leeway_secs = secs;
        self
    }

    /// Validates `token` and returns its verified subject (`sub`, bounded to 256
    /// characters).
    pub fn validate(&self, token: &str) -> Result<String, JwtError> {
        let header = decode_header(token).map_err(|e| JwtError(format!("bad header: {e}")))?;
        let key = match &header.kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str()))
                .or_else(|| self.keys.iter().find(|k| k.kid.is_none())),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
        .ok_or_else(|| JwtError("no key for this token (kid)".into()))?;
        if !key.algorithms.contains(&header.alg) {
            return Err(JwtError(format!(
                "algorithm {:?} is not accepted for this key",
                header.alg
            )));
        }
        let mut v = Validation::new(header.alg);
        v.algorithms = key.algorithms.clone();
        v.leeway = self.leeway_secs;
        v.validate_nbf = true;
        v.set_required_spec_claims(&["exp", "sub"]);
        match &self.issuer {
            Some(iss) => v.set_issuer(&[iss]),
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => v.set_audience(&[aud]),
            None => v.validate_aud = false,
        }
        let data = decode::<serde_json::Value>(token, &key.key, &v)
            .map_err(|e| JwtError(e.to_string()))?;
        let sub = data
            .claims
            .get("sub")
            .and_then(|s| s.as_str())
            .ok_or_else(|| JwtError("no string `sub` claim".into()))?;
        Ok(sub.chars().take(256).collect())
    }
}

fn pem_key(pem: &[u8]) -> Result<Key, JwtError> {
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Ok(Key {
            kid: None,
            key,
            algorithms: vec![Algorithm::RS256],
        });
    }
    DecodingKey::from_ec_pem(pem)
        .map(|key| Key {
            kid: None,
            key,
            algorithms: vec![Algorithm::ES256],
        })
        .map_err(|e| {
            JwtError(format!(
                "the PEM is neither an RSA nor a P-256 public key: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    const SECRET: &[u8] = b"0123456789abcdef0123";

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn hs(claims: serde_json::Value) -> String {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn validator() -> JwtValidator {
        JwtValidator::try_new(JwtKeys::Hs256(SECRET.to_vec()))
            .unwrap()
            .issuer("iss-x")
            .audience("aud-y")
            .leeway_secs(5)
    }

    fn good() -> serde_json::Value {
        serde_json::json!({"sub": "alice", "iss": "iss-x", "aud": "aud-y", "exp": now() + 600})
    }

    #[test]
    fn a_good_token_gives_its_subject() {
        assert_eq!(validator().validate(&hs(good())).unwrap(), "alice");
        let mut list_aud = good();
        list_aud["aud"] = serde_json::json!(["other", "aud-y"]);
        assert_eq!(validator().validate(&hs(list_aud)).unwrap(), "alice");
    }

    #[test]
    fn every_refusal() {
        let v = validator();
        let with = |k: &str, val: serde_json::Value| {
            let mut c = good();
            c[k] = val;
            hs(c)
        };
        // Expired (beyond the leeway), not yet valid, wrong issuer, wrong audience.
        assert!(v.validate(&with("exp", (now() - 60).into())).is_err());
        assert!(
            v.validate(&with("exp", (now() - 2).into())).is_ok(),
            "within leeway"
        );
        assert!(v.validate(&with("nbf", (now() + 600).into())).is_err());
        assert!(v.validate(&with("iss", "other".into())).is_err());
        assert!(v.validate(&with("aud", "other".into())).is_err());
        // No exp, no sub.
        let mut c = good();
        c.as_object_mut().unwrap().remove("exp");
        assert!(v.validate(&hs(c)).is_err());
        let mut c = good();
        c.as_object_mut().unwrap().remove("sub");
        assert!(v.validate(&hs(c)).is_err());
        // Forged (other secret), tampered payload, alg none, garbage.
        let forged = encode(
            &Header::default(),
            &good(),
            &EncodingKey::from_secret(b"another secret!!"),
        )
        .unwrap();
        assert!(v.validate(&forged).is_err());
        let token = hs(good());
        let mut parts: Vec<&str> = token.split('.').collect();
        let evil = hs(with_sub("mallory"));
        let evil_payload = evil.split('.').nth(1).unwrap();
        parts[1] = evil_payload;
        assert!(v.validate(&parts.join(".")).is_err(), "tampered payload");
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(good().to_string())
        );
        assert!(v.validate(&none).is_err(), "alg none");
        assert!(v.validate("not-a-jwt").is_err());
    }

    fn with_sub(sub: &str) -> serde_json::Value {
        let mut c = good();
        c["sub"] = sub.into();
        c
    }

    #[test]
    fn short_secrets_and_bad_keys_are_refused_up_front() {
        assert!(JwtValidator::try_new(JwtKeys::Hs256(b"short".to_vec())).is_err());
        assert!(JwtValidator::try_new(JwtKeys::Pem(b"not a pem".to_vec())).is_err());
        let empty: JwkSet = serde_json::from_str(r#"{"keys":[]}"#).unwrap();
        assert!(JwtValidator::try_new(JwtKeys::Jwks(empty)).is_err());
        // The infallible constructor refuses every token instead.
        let v = JwtValidator::new(JwtKeys::Hs256(b"short".to_vec()));
        assert!(v.validate(&hs(good())).is_err());
    }
}
