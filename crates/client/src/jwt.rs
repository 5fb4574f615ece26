//! Reading a JSON Web Token's subject, for display and audit only.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// base64url that accepts the payload with or without `=` padding.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The `sub` claim of a JWT (`header.payload.signature`), decoded WITHOUT verifying the
/// signature: use it to say who a token claims to be (the principal a backend reports, an
/// audit record), never to decide what it may do. `None` for an opaque (non-JWT) token, a
/// payload that is not base64url JSON, or a payload without a string `sub`.
///
/// ```
/// // {"alg":"none"} . {"sub":"alice@FNAL.GOV","exp":1} . (no signature)
/// let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZUBGTkFMLkdPViIsImV4cCI6MX0.";
/// assert_eq!(pacsys::jwt::subject(token).as_deref(), Some("alice@FNAL.GOV"));
/// assert_eq!(pacsys::jwt::subject("opaque-shared-secret"), None);
/// ```
pub fn subject(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = BASE64URL.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&json).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("e30.{}.sig", b64.encode(payload))
    }

    #[test]
    fn padded_and_unpadded_payloads_read_alike() {
        // {"sub":"hi"} is 12 bytes (no padding); {"sub":"bob"} is 13 (two `=`).
        let unpadded = token(r#"{"sub":"bob"}"#);
        assert_eq!(subject(&unpadded).as_deref(), Some("bob"));
        let (h, rest) = unpadded.split_once('.').unwrap();
        let (p, s) = rest.split_once('.').unwrap();
        let padded = format!("{h}.{p}==.{s}");
        assert_eq!(subject(&padded).as_deref(), Some("bob"));
        assert_eq!(subject(&token(r#"{"sub":"hi"}"#)).as_deref(), Some("hi"));
    }

    #[test]
    fn url_safe_characters_decode() {
        // A subject whose base64 uses `-` and `_`.
        let t = token(r#"{"sub":"??>>~~"}"#);
        assert!(t.contains('-') || t.contains('_'), "{t}");
        assert_eq!(subject(&t).as_deref(), Some("??>>~~"));
    }

    #[test]
    fn opaque_and_malformed_tokens_have_no_subject() {
        assert_eq!(subject("secret"), None);
        assert_eq!(subject("a.b"), None);
        assert_eq!(subject("a.b.c.d"), None);
        assert_eq!(subject("a.!!.c"), None);
        assert_eq!(subject("a.e30.c"), None); // {} has no sub
        assert_eq!(subject(&token(r#"{"sub":5}"#)), None);
        assert_eq!(subject(&token("not json")), None);
    }
}
