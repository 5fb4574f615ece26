//! Ctrl-C (SIGINT) and SIGTERM, registered as soon as the value is made, so a signal that
//! arrives before the first poll is not lost (and does not kill the process before the
//! summary).

/// Which signal asked the command to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C (SIGINT): exit 130.
    Interrupt,
    /// SIGTERM (a service manager, `kill`): exit 143.
    Terminate,
}

/// The registered SIGINT and SIGTERM handlers.
#[derive(Debug)]
pub struct Interrupt {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
async fn next(sig: &mut Option<tokio::signal::unix::Signal>) {
    match sig {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

impl Interrupt {
    /// Registers the handlers (must be called inside the tokio runtime).
    pub fn new() -> Interrupt {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Interrupt {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Interrupt {}
        }
    }

    /// Waits for the next Ctrl-C or SIGTERM. Never returns if no handler could be
    /// registered.
    pub async fn recv(&mut self) -> Stop {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = next(&mut self.int) => Stop::Interrupt,
                _ = next(&mut self.term) => Stop::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Stop::Interrupt
        }
    }
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::new()
    }
}
