//! Ctrl-C (SIGINT), registered as soon as the value is made, so an interrupt that arrives
//! before the first poll is not lost (and does not kill the process before the summary).

/// A registered SIGINT handler.
#[derive(Debug)]
pub struct Interrupt {
    #[cfg(unix)]
    sig: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    /// Registers the handler (must be called inside the tokio runtime).
    pub fn new() -> Interrupt {
        #[cfg(unix)]
        {
            let kind = tokio::signal::unix::SignalKind::interrupt();
            Interrupt {
                sig: tokio::signal::unix::signal(kind).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Interrupt {}
        }
    }

    /// Waits for the next Ctrl-C. Never returns if no handler could be registered.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        match &mut self.sig {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::new()
    }
}
