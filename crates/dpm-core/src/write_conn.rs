//! The write connection (spec 6.6): connected, authenticated once (with the `kerberos`
//! feature), then reused for batch after batch. It is driven inline by the caller holding it
//! (writes are serialised on it); a [`WriteBatch`] decides what to send.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pacsys_dpm_proto::Request;
use tokio::time::{Instant, timeout_at};
use tracing::debug;

use crate::Error;
use crate::connection::{ConnectConfig, Socket, connect, frame_error};
use crate::stats::Tally;
use crate::write::WriteBatch;

/// How the write connection identifies its user.
#[derive(Debug, Clone)]
pub(crate) enum WriteAuth {
    /// No authentication: ApplySettings carries this user name. Production refuses such
    /// settings; useful against a test server with insecure settings.
    None {
        /// The `user_name` of ApplySettings.
        user: String,
    },
    /// Kerberos (spec 6.6.1-6.6.2); the user name is the client principal.
    #[cfg(feature = "kerberos")]
    Kerberos(crate::kerberos::KerberosConfig),
}

/// One connected (and authenticated) write list.
#[derive(Debug)]
pub(crate) struct WriteConnection {
    framed: Socket,
    list_id: i32,
    next_ref: i64,
    user_name: String,
    last_used: Instant,
}

impl WriteConnection {
    /// Connects and authenticates.
    pub async fn open(
        cfg: &ConnectConfig,
        auth: &WriteAuth,
        counters: &Tally,
    ) -> Result<WriteConnection, Error> {
        #[allow(unused_mut)]
        let (mut framed, list_id) = connect(cfg, counters).await?;
        let user_name = match auth {
            WriteAuth::None { user } => user.clone(),
            #[cfg(feature = "kerberos")]
            WriteAuth::Kerberos(k) => {
                crate::kerberos::authenticate(&mut framed, list_id, k).await?
            }
        };
        debug!(list_id, %user_name, "write connection ready");
        Ok(WriteConnection {
            framed,
            list_id,
            next_ref: 1,
            user_name,
            last_used: Instant::now(),
        })
    }

    /// Whether the connection sat unused longer than `limit` (the reference closes idle
    /// write connections after 60 s).
    pub fn idle_longer_than(&self, limit: Duration) -> bool {
        self.last_used.elapsed() > limit
    }

    /// A batch for this connection, with fresh ref ids.
    pub fn batch(
        &mut self,
        role: Option<&str>,
        writes: Vec<Result<crate::write::PreparedWrite, Error>>,
    ) -> WriteBatch {
        let batch = WriteBatch::new(self.list_id, self.next_ref, &self.user_name, role, writes);
        self.next_ref = self.next_ref.saturating_add(batch.ref_count().max(1));
        batch
    }

    /// Runs `batch` to completion. `Err` means the connection must be closed (the batch's
    /// results already say what happened to each write).
    pub async fn run(&mut self, batch: &mut WriteBatch, deadline: Instant) -> Result<(), Error> {
        loop {
            if batch.has_transmit() {
                let sent = self.send(batch).await;
                if let Err(e) = sent {
                    batch.transport_failed(&e);
                    return Err(e);
                }
            }
            if batch.is_done() {
                self.last_used = Instant::now();
                return Ok(());
            }
            match timeout_at(deadline, self.framed.next()).await {
                Ok(Some(Ok(reply))) => batch.handle_reply(reply),
                Ok(Some(Err(e))) => {
                    let e = frame_error(e);
                    batch.transport_failed(&e);
                    return Err(e);
                }
                Ok(None) => {
                    let e = Error::connection_lost("the server closed the write connection")
                        .with_transport(crate::Transport::Dpm);
                    batch.transport_failed(&e);
                    return Err(e);
                }
                Err(_) => {
                    batch.timed_out("the write timeout passed");
                    // A late reply would corrupt the next batch: close (spec 6.6.3 step 7).
                    return Err(Error::timeout("waiting for the write batch")
                        .with_transport(crate::Transport::Dpm));
                }
            }
        }
    }

    async fn send(&mut self, batch: &mut WriteBatch) -> Result<(), Error> {
        while let Some(req) = batch.poll_transmit() {
            self.framed.feed(req).await.map_err(frame_error)?;
        }
        SinkExt::<Request>::flush(&mut self.framed)
            .await
            .map_err(frame_error)
    }
}
