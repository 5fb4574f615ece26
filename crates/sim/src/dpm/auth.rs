//! Who may set what on the fake DPM server: principals mapped to roles, roles to device
//! allowlists ([`SettingsPolicy`]), and, with the `kerberos` feature, the real GSS-API
//! acceptor (`Acceptor`) that authenticates a list with the keytab named by `KRB5_KTNAME`.

use std::collections::HashMap;

/// Principals -> roles -> devices. A setting is allowed when the list's authenticated
/// principal was granted the list's `#ROLE:` and that role allows the device.
///
/// ```
/// use pacsys_sim::SettingsPolicy;
///
/// let policy = SettingsPolicy::new()
///     .grant("alice@EXAMPLE.TEST", "testing")
///     .allow("testing", ["M:OUTTMP", "Z:*"]);
/// assert!(policy.permits("alice@EXAMPLE.TEST", Some("testing"), "M:OUTTMP"));
/// assert!(policy.permits("alice@EXAMPLE.TEST", Some("testing"), "z:acltst"));
/// assert!(!policy.permits("alice@EXAMPLE.TEST", Some("testing"), "G:AMANDA"));
/// assert!(!policy.permits("alice@EXAMPLE.TEST", None, "M:OUTTMP"));
/// assert!(!policy.permits("bob@EXAMPLE.TEST", Some("testing"), "M:OUTTMP"));
/// assert!(policy.knows("alice@EXAMPLE.TEST"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPolicy {
    grants: HashMap<String, Vec<String>>,
    allowed: HashMap<String, Vec<String>>,
}

impl SettingsPolicy {
    /// An empty policy: nobody may set anything.
    pub fn new() -> Self {
        SettingsPolicy::default()
    }

    /// Lets `principal` (e.g. `alice@EXAMPLE.TEST`) use `role`.
    pub fn grant(mut self, principal: impl Into<String>, role: impl Into<String>) -> Self {
        self.grants
            .entry(principal.into())
            .or_default()
            .push(role.into());
        self
    }

    /// Lets `role` set these devices (names in any case; `*` alone means every device, a
    /// trailing `*` a prefix).
    pub fn allow<I, S>(mut self, role: impl Into<String>, devices: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed
            .entry(role.into())
            .or_default()
            .extend(devices.into_iter().map(|d| d.into().to_ascii_uppercase()));
        self
    }

    /// Whether the principal appears in the policy at all (EnableSettings succeeds only
    /// then).
    pub fn knows(&self, principal: &str) -> bool {
        self.grants.contains_key(principal)
    }

    /// Whether `principal` with `role` may set `device`.
    pub fn permits(&self, principal: &str, role: Option<&str>, device: &str) -> bool {
        let Some(role) = role else { return false };
        let granted = self
            .grants
            .get(principal)
            .is_some_and(|roles| roles.iter().any(|r| r == role));
        if !granted {
            return false;
        }
        let device = device.to_ascii_uppercase();
        self.allowed.get(role).is_some_and(|devices| {
            devices.iter().any(|d| match d.strip_suffix('*') {
                Some(prefix) => device.starts_with(prefix),
                None => *d == device,
            })
        })
    }
}

/// The GSS-API acceptor of one list (spec 5.6: each token is fed to the acceptor until the
/// context is established; EnableSettings carries a MIC checked with it).
#[cfg(feature = "kerberos")]
pub(crate) struct Acceptor {
    ctx: libgssapi::context::ServerCtx,
}

#[cfg(feature = "kerberos")]
impl std::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use libgssapi::context::SecurityContext;
        f.debug_struct("Acceptor")
            .field("complete", &self.ctx.is_complete())
            .finish()
    }
}

/// What one acceptor step produced.
#[cfg(feature = "kerberos")]
pub(crate) enum Step {
    /// The context is established; the token (if any) goes back to the client.
    Complete(Option<Vec<u8>>),
    /// More tokens are needed; this one goes back to the client.
    Continue(Vec<u8>),
}

#[cfg(feature = "kerberos")]
impl Acceptor {
    /// A new acceptor using the default acceptor credentials (the keytab of `KRB5_KTNAME`).
    pub(crate) fn new() -> Acceptor {
        Acceptor {
            ctx: libgssapi::context::ServerCtx::new(None),
        }
    }

    /// Feeds one client token.
    pub(crate) fn step(&mut self, token: &[u8]) -> Result<Step, String> {
        use libgssapi::context::SecurityContext;
        let out = self.ctx.step(token, None).map_err(|e| e.to_string())?;
        let out = out.map(|b| b.to_vec());
        if self.ctx.is_complete() {
            Ok(Step::Complete(out))
        } else {
            Ok(Step::Continue(out.unwrap_or_default()))
        }
    }

    /// Whether the context is established.
    pub(crate) fn is_complete(&self) -> bool {
        use libgssapi::context::SecurityContext;
        self.ctx.is_complete()
    }

    /// Checks the MIC over `message`; returns the client principal.
    pub(crate) fn verify(&mut self, message: &[u8], mic: &[u8]) -> Result<String, String> {
        use libgssapi::context::SecurityContext;
        self.ctx
            .verify_mic(message, mic)
            .map_err(|e| e.to_string())?;
        self.ctx
            .source_name()
            .map(|n| n.to_string())
            .map_err(|e| e.to_string())
    }
}
