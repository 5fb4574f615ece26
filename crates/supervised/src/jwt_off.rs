//! The server's JWT check when the crate is built without its `jwt` feature: no validator
//! can be made, so no call is ever checked against one, and a configuration's `[jwt]` table
//! is refused ([`crate::ProxyConfig::apply`]).

/// A JWT validator that cannot exist (no variants): `Option<JwtValidator>` is always `None`.
#[derive(Debug, Clone)]
pub(crate) enum JwtValidator {}

impl JwtValidator {
    /// Never called: there is no value to call it on.
    pub(crate) fn validate(&self, _token: &str) -> Result<String, std::convert::Infallible> {
        match *self {}
    }
}
