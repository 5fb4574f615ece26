//! Choosing and building the backend from the options and the `PACSYS_*` environment, and
//! starting the in-process simulator for `--sim`.

use std::time::Duration;

use pacsys::env::{BackendKind, EnvConfig};
use pacsys::{AnyBackend, DpmBackend, GrpcBackend};
use pacsys_sim::{FakeDaqServer, FakeDpmServer, SimWorld};

use crate::cli::{AuthArg, BackendArg, GlobalOpts};
use crate::error::CliError;

/// The bearer token `--sim --backend grpc` sends when `PACSYS_JWT_TOKEN` is not set (the
/// simulator accepts any token).
pub const SIM_TOKEN: &str = "pacsys-sim-local-token";

/// The simulator servers started for `--sim`, kept alive for the whole command.
#[derive(Debug)]
pub enum InProcessSim {
    /// The fake DPM server (`--backend dpm`).
    Dpm(FakeDpmServer),
    /// The fake DAQ server (`--backend grpc`).
    Grpc(FakeDaqServer),
}

/// A backend ready for a command, and the simulator behind it when `--sim` was given.
#[derive(Debug)]
pub struct Connection {
    /// The backend (the facade's enum over both transports; it implements `Backend`),
    /// shared so streams that outlive one call (history then live) can hold it.
    pub backend: std::sync::Arc<AnyBackend>,
    /// The in-process simulator, if any (dropped with the connection).
    pub sim: Option<InProcessSim>,
}

/// Which backend the options and environment choose.
pub fn backend_kind(g: &GlobalOpts, env: &EnvConfig) -> BackendArg {
    match (g.backend, env.backend) {
        (Some(b), _) => b,
        (None, Some(BackendKind::Grpc)) => BackendArg::Grpc,
        _ => BackendArg::Dpm,
    }
}

/// Checks the option combinations that depend on the backend (before any I/O): `--role`
/// is DPM only, `--auth jwt` gRPC only and needs a token, `--auth kerberos` DPM only and
/// needs a build with the `kerberos` feature.
pub fn check_options(g: &GlobalOpts, env: &EnvConfig) -> Result<(), CliError> {
    let kind = backend_kind(g, env);
    if g.realm.is_some() && g.auth != Some(AuthArg::Kerberos) {
        return Err(CliError::Usage("--realm goes with --auth kerberos".into()));
    }
    if g.role.is_some() && kind == BackendArg::Grpc {
        return Err(CliError::Usage(
            "--role applies to DPM only; the gRPC backend takes its identity from the JWT".into(),
        ));
    }
    match (g.auth, kind) {
        (Some(AuthArg::Jwt), BackendArg::Dpm) => Err(CliError::Usage(
            "--auth jwt is for --backend grpc; DPM settings use Kerberos (--auth kerberos)".into(),
        )),
        (Some(AuthArg::Kerberos), BackendArg::Grpc) => Err(CliError::Usage(
            "--auth kerberos is for --backend dpm; gRPC settings use a JWT (--auth jwt)".into(),
        )),
        (Some(AuthArg::Jwt), BackendArg::Grpc) if env.jwt_token.is_none() && !g.sim => {
            Err(CliError::Usage(
                "--auth jwt needs the token in PACSYS_JWT_TOKEN".into(),
            ))
        }
        (Some(AuthArg::Kerberos), BackendArg::Dpm) if !cfg!(feature = "kerberos") => {
            Err(CliError::Usage(
                "this pacsys was built without Kerberos support; rebuild with `--features kerberos` (needs libkrb5-dev) and run kinit".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// Builds the backend (starting the simulator first for `--sim`). Must run inside the
/// tokio runtime. Configuration problems are usage errors (exit 2); the backend does no
/// I/O until the first call.
pub async fn connect(g: &GlobalOpts, env: EnvConfig) -> Result<Connection, CliError> {
    check_options(g, &env)?;
    let kind = backend_kind(g, &env);
    let (host, port, sim) = if g.sim {
        let (port, sim) = start_sim(kind).await?;
        (Some("127.0.0.1".to_owned()), Some(port), Some(sim))
    } else {
        (g.host.clone(), g.port, None)
    };
    let config = |e: pacsys::Error| CliError::Config(e.to_string());
    let backend = match kind {
        BackendArg::Dpm => {
            let mut b = DpmBackend::builder().env(env);
            if let Some(h) = host {
                b = b.host(h);
            }
            if let Some(p) = port {
                b = b.port(p);
            }
            if let Some(t) = g.timeout {
                b = b.timeout(t);
            }
            if let Some(r) = &g.role {
                b = b.role(r.clone());
            }
            #[cfg(feature = "kerberos")]
            if g.auth == Some(AuthArg::Kerberos) {
                // Settings authenticate with the ticket of the default credential cache.
                b = b.kerberos_realm(g.realm.clone().unwrap_or_else(|| "FNAL.GOV".to_owned()));
            }
            AnyBackend::from(b.build().map_err(config)?)
        }
        BackendArg::Grpc => {
            let token = env
                .jwt_token
                .clone()
                .or_else(|| g.sim.then(|| SIM_TOKEN.to_owned()));
            let mut b = GrpcBackend::builder().env(env);
            if let Some(h) = host {
                b = b.host(h);
            }
            if let Some(p) = port {
                b = b.port(p);
            }
            if let Some(t) = g.timeout {
                b = b.timeout(t);
            }
            if let Some(t) = token {
                b = b.token(t);
            }
            AnyBackend::from(b.build().map_err(config)?)
        }
    };
    Ok(Connection {
        backend: std::sync::Arc::new(backend),
        sim,
    })
}

/// Starts the simulator server the backend needs on a free loopback port (settings
/// accepted without authentication, as `pacsys sim --insecure-settings`).
async fn start_sim(kind: BackendArg) -> Result<(u16, InProcessSim), CliError> {
    let world = SimWorld::default_table();
    let fail = |e: std::io::Error| CliError::Sim(format!("cannot start the simulator: {e}"));
    match kind {
        BackendArg::Dpm => {
            let server = FakeDpmServer::builder()
                .world(world)
                .port(0)
                .heartbeat(Duration::from_secs(2))
                .insecure_settings(true)
                .start()
                .await
                .map_err(fail)?;
            Ok((server.port(), InProcessSim::Dpm(server)))
        }
        BackendArg::Grpc => {
            let server = FakeDaqServer::builder()
                .world(world)
                .port(0)
                .start()
                .await
                .map_err(fail)?;
            Ok((server.port(), InProcessSim::Grpc(server)))
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn global(argv: &[&str]) -> GlobalOpts {
        match Cli::try_parse_from(argv) {
            Ok(c) => c.global,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn backend_choice_prefers_the_option() {
        let env = EnvConfig::from_lookup(|k| (k == "PACSYS_BACKEND").then(|| "grpc".into()))
            .unwrap_or_default();
        assert_eq!(
            backend_kind(&global(&["pacsys", "get", "A:B"]), &env),
            BackendArg::Grpc
        );
        assert_eq!(
            backend_kind(&global(&["pacsys", "-b", "dpm", "get", "A:B"]), &env),
            BackendArg::Dpm
        );
        assert_eq!(
            backend_kind(&global(&["pacsys", "get", "A:B"]), &EnvConfig::default()),
            BackendArg::Dpm
        );
    }

    #[test]
    fn option_combinations() {
        let env = EnvConfig::default();
        let bad = [
            &["pacsys", "-b", "grpc", "--role", "x", "get", "A:B"][..],
            &["pacsys", "--auth", "jwt", "get", "A:B"],
            &["pacsys", "-b", "grpc", "--auth", "kerberos", "get", "A:B"],
            &["pacsys", "-b", "grpc", "--auth", "jwt", "get", "A:B"],
            &["pacsys", "--realm", "X.TEST", "get", "A:B"],
        ];
        for argv in bad {
            let e = check_options(&global(argv), &env);
            assert!(matches!(e, Err(CliError::Usage(_))), "{argv:?}");
        }
        let ok = global(&[
            "pacsys", "-b", "grpc", "--sim", "--auth", "jwt", "get", "A:B",
        ]);
        assert!(check_options(&ok, &env).is_ok());
        let with_token = EnvConfig::from_lookup(|k| (k == "PACSYS_JWT_TOKEN").then(|| "t".into()))
            .unwrap_or_default();
        let ok = global(&["pacsys", "-b", "grpc", "--auth", "jwt", "get", "A:B"]);
        assert!(check_options(&ok, &with_token).is_ok());
    }
}
