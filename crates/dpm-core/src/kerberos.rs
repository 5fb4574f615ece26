//! Kerberos authentication of a write connection (spec 6.6.1-6.6.2), with the system GSS-API
//! library through `libgssapi`.
//!
//! Credentials come from the default credential cache, which honours `KRB5CCNAME` (so an
//! explicit cache is chosen by setting it before the first write), and the Kerberos
//! configuration from `KRB5_CONFIG` as usual.

use futures::{SinkExt, StreamExt};
use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::error::MajorFlags;
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_KRB5, GSS_NT_KRB5_PRINCIPAL};
use pacsys_dpm_proto::{AuthenticateRequest, EnableSettingsRequest, Reply, Request, Status};

use crate::connection::{Socket, frame_error};
use crate::{AuthError, Error};

/// The message the MIC is computed over (spec 6.6.1 step 8; any bytes would do).
const MIC_MESSAGE: &[u8] = b"1234";

/// Most extra token rounds accepted after the first (the reference performs at most one).
const MAX_ROUNDS: usize = 4;

/// Kerberos settings of the write connection.
///
/// ```
/// use pacsys_dpm_core::KerberosConfig;
/// let k = KerberosConfig::default();
/// assert_eq!(k.realm_name(), "FNAL.GOV");
/// assert_eq!(k.target_name("daeset/bd@dce01.fnal.gov"), "daeset/bd/dce01.fnal.gov@FNAL.GOV");
/// let k = KerberosConfig::default().realm("EXAMPLE.TEST");
/// assert_eq!(k.target_name("a\\b@h"), "ab/h@EXAMPLE.TEST");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerberosConfig {
    realm: String,
}

impl Default for KerberosConfig {
    fn default() -> Self {
        KerberosConfig {
            realm: "FNAL.GOV".to_owned(),
        }
    }
}

impl KerberosConfig {
    /// The realm of the service principal and of the user (default `FNAL.GOV`, spec 6.6.1).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// The configured realm.
    pub fn realm_name(&self) -> &str {
        &self.realm
    }

    /// The GSS target name for a DPM service name (spec 6.6.1 step 3): every `@` becomes
    /// `/`, every `\` is deleted, and `@<realm>` is appended.
    pub fn target_name(&self, service_name: &str) -> String {
        let mut s: String = service_name
            .chars()
            .filter(|&c| c != '\\')
            .map(|c| if c == '@' { '/' } else { c })
            .collect();
        s.push('@');
        s.push_str(&self.realm);
        s
    }
}

/// MIT krb5 minor status codes that deserve their own advice (krb5 error table base
/// -1765328384).
mod minor {
    const BASE: i64 = -1_765_328_384;
    pub const S_PRINCIPAL_UNKNOWN: i64 = BASE + 7;
    pub const TKT_EXPIRED: i64 = BASE + 32;
    pub const SKEW: i64 = BASE + 37;
    pub const CC_NOTFOUND: i64 = BASE + 141;
    pub const FCC_NOFILE: i64 = BASE + 195;
}

/// Maps a GSS-API failure to what the caller can act on.
fn classify(e: &libgssapi::error::Error, principal: &str, service: Option<&str>) -> AuthError {
    let detail = e.to_string();
    let code = i64::from(e.minor as i32);
    let lower = detail.to_ascii_lowercase();
    if code == minor::SKEW || lower.contains("clock skew") {
        return AuthError::ClockSkew { detail };
    }
    if code == minor::TKT_EXPIRED
        || e.major.contains(MajorFlags::GSS_S_CREDENTIALS_EXPIRED)
        || lower.contains("expired")
    {
        return AuthError::Expired {
            principal: principal.to_owned(),
        };
    }
    if code == minor::S_PRINCIPAL_UNKNOWN
        || lower.contains("not found in kerberos database")
        || lower.contains("server not found")
    {
        return AuthError::UnknownService {
            service: service.unwrap_or("?").to_owned(),
            detail,
        };
    }
    if code == minor::CC_NOTFOUND
        || code == minor::FCC_NOFILE
        || e.major.contains(MajorFlags::GSS_S_NO_CRED)
    {
        return AuthError::NoCredentials { detail };
    }
    AuthError::Gss { detail }
}

/// The initiator credentials of the default cache and their principal, checked locally as
/// the reference does (spec 6.6.1 step 4): a ticket must exist, be unexpired, and be in the
/// configured realm.
fn credentials(cfg: &KerberosConfig) -> Result<(Cred, String), AuthError> {
    let cred = Cred::acquire(None, None, CredUsage::Initiate, None)
        .map_err(|e| classify(&e, "?", None))?;
    let principal = cred
        .name()
        .map(|n| n.to_string())
        .map_err(|e| classify(&e, "?", None))?;
    match cred.lifetime() {
        Ok(left) if left.is_zero() => return Err(AuthError::Expired { principal }),
        Ok(_) => {}
        Err(e) => return Err(classify(&e, &principal, None)),
    }
    if !principal.ends_with(&format!("@{}", cfg.realm)) {
        return Err(AuthError::WrongRealm {
            principal,
            realm: cfg.realm.clone(),
        });
    }
    Ok((cred, principal))
}

/// The client principal of the default credential cache (checked as before a write).
pub(crate) fn principal(cfg: &KerberosConfig) -> Result<String, AuthError> {
    credentials(cfg).map(|(_, p)| p)
}

async fn send(framed: &mut Socket, req: Request) -> Result<(), Error> {
    framed.send(req).await.map_err(frame_error)
}

/// The next reply that is not a heartbeat.
async fn next_reply(framed: &mut Socket) -> Result<Reply, Error> {
    loop {
        match framed.next().await {
            Some(Ok(Reply::ListStatus(_))) => {}
            Some(Ok(reply)) => return Ok(reply),
            Some(Err(e)) => return Err(frame_error(e)),
            None => {
                return Err(Error::connection_lost(
                    "the server closed the connection during authentication",
                )
                .with_transport(crate::Transport::Dpm));
            }
        }
    }
}

fn refused(principal: &str, status: Status) -> Error {
    Error::from(AuthError::Refused {
        principal: principal.to_owned(),
        status,
    })
}

/// Runs one GSS initiator step off the async worker (it may contact the KDC).
async fn step(
    mut ctx: ClientCtx,
    token: Option<Vec<u8>>,
) -> Result<(ClientCtx, Result<Option<Vec<u8>>, libgssapi::error::Error>), Error> {
    tokio::task::spawn_blocking(move || {
        let out = ctx
            .step(token.as_deref(), None)
            .map(|t| t.map(|b| b.to_vec()));
        (ctx, out)
    })
    .await
    .map_err(|e| {
        Error::from(AuthError::Gss {
            detail: format!("the GSS-API step failed: {e}"),
        })
    })
}

/// Authenticates the list (spec 6.6.1) and enables settings (6.6.2). Returns the client
/// principal, the `user_name` of ApplySettings.
pub(crate) async fn authenticate(
    framed: &mut Socket,
    list_id: i32,
    cfg: &KerberosConfig,
) -> Result<String, Error> {
    let (cred, principal) = credentials(cfg)?;
    // Step 1-2: ask for the service name.
    send(
        framed,
        Request::Authenticate(AuthenticateRequest {
            list_id,
            token: Vec::new(),
        }),
    )
    .await?;
    let service = match next_reply(framed).await? {
        Reply::Authenticate(a) => match a.service_name {
            Some(s) if !s.is_empty() => s,
            _ => {
                return Err(Error::from(AuthError::Protocol {
                    detail: "the Authenticate reply named no service".into(),
                }));
            }
        },
        Reply::Status(s) => return Err(refused(&principal, s.status)),
        other => {
            return Err(Error::from(AuthError::Protocol {
                detail: format!("expected an Authenticate reply, got {}", other.name()),
            }));
        }
    };
    // Step 3-4: the target as a Kerberos principal name, and the exact flags.
    let target_text = cfg.target_name(&service);
    let target = Name::new(target_text.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL))
        .map_err(|e| classify(&e, &principal, Some(&target_text)))?;
    let flags =
        CtxFlags::GSS_C_REPLAY_FLAG | CtxFlags::GSS_C_SEQUENCE_FLAG | CtxFlags::GSS_C_INTEG_FLAG;
    let ctx = ClientCtx::new(Some(cred), target, flags, Some(GSS_MECH_KRB5));
    let (mut ctx, first) = step(ctx, None).await?;
    let mut token = first.map_err(|e| classify(&e, &principal, Some(&target_text)))?;
    // Steps 5-6: exchange tokens until the context is complete.
    let mut rounds = 0;
    while let Some(out) = token.take() {
        rounds += 1;
        if rounds > MAX_ROUNDS {
            break;
        }
        send(
            framed,
            Request::Authenticate(AuthenticateRequest {
                list_id,
                token: out,
            }),
        )
        .await?;
        match next_reply(framed).await? {
            Reply::Authenticate(a) => match a.token.filter(|t| !t.is_empty()) {
                Some(t) if !ctx.is_complete() => {
                    let (c, next) = step(ctx, Some(t)).await?;
                    ctx = c;
                    token = next.map_err(|e| classify(&e, &principal, Some(&target_text)))?;
                }
                _ => {}
            },
            Reply::Status(s) => return Err(refused(&principal, s.status)),
            other => {
                return Err(Error::from(AuthError::Protocol {
                    detail: format!("expected an Authenticate reply, got {}", other.name()),
                }));
            }
        }
    }
    // Step 7: the context must be complete.
    if !ctx.is_complete() {
        return Err(Error::from(AuthError::Protocol {
            detail: "the GSS-API context did not complete".into(),
        }));
    }
    // Step 8 and 6.6.2: the MIC, then EnableSettings.
    let mic = ctx
        .get_mic(MIC_MESSAGE)
        .map_err(|e| classify(&e, &principal, Some(&target_text)))?
        .to_vec();
    send(
        framed,
        Request::EnableSettings(EnableSettingsRequest {
            list_id,
            mic,
            message: MIC_MESSAGE.to_vec(),
        }),
    )
    .await?;
    match next_reply(framed).await? {
        Reply::Status(s) if s.status.is_ok() => Ok(principal),
        Reply::Status(s) => Err(refused(&principal, s.status)),
        other => Err(Error::from(AuthError::Protocol {
            detail: format!(
                "expected a Status reply to EnableSettings, got {}",
                other.name()
            ),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gss(major: MajorFlags, minor: i64) -> libgssapi::error::Error {
        libgssapi::error::Error {
            major,
            minor: minor as i32 as u32,
        }
    }

    #[test]
    fn gss_failures_map_to_actionable_errors() {
        let f = MajorFlags::GSS_S_FAILURE;
        assert!(matches!(
            classify(&gss(f, minor::SKEW), "a@R", Some("s@R")),
            AuthError::ClockSkew { .. }
        ));
        assert!(matches!(
            classify(&gss(f, minor::TKT_EXPIRED), "a@R", None),
            AuthError::Expired { principal } if principal == "a@R"
        ));
        assert!(matches!(
            classify(&gss(f, minor::S_PRINCIPAL_UNKNOWN), "a@R", Some("s@R")),
            AuthError::UnknownService { service, .. } if service == "s@R"
        ));
        assert!(matches!(
            classify(
                &gss(MajorFlags::GSS_S_NO_CRED, minor::FCC_NOFILE),
                "?",
                None
            ),
            AuthError::NoCredentials { .. }
        ));
        assert!(matches!(
            classify(&gss(MajorFlags::GSS_S_BAD_NAME, 0), "?", None),
            AuthError::Gss { .. }
        ));
    }

    #[test]
    fn target_name_follows_spec_6_6_1_step_3() {
        let k = KerberosConfig::default();
        assert_eq!(
            k.target_name("daeset/bd@dce01.fnal.gov"),
            "daeset/bd/dce01.fnal.gov@FNAL.GOV"
        );
        assert_eq!(k.target_name(r"a\@b@c"), "a/b/c@FNAL.GOV");
    }
}
