//! The connection every call and subscription of a [`DaqClient`](crate::DaqClient) shares:
//! the tonic channel, the server's address, the bearer token and the client's defaults.
//!
//! It lives apart from the client and the subscriptions so that both use it without using
//! each other.

use std::time::Duration;

use pacsys_types::{Error, SubscriptionOptions, Transport};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::proto::services::daq::daq_client::DaqClient as RawClient;

/// What a client's calls share (behind one `Arc`).
#[derive(Debug)]
pub(crate) struct Inner {
    /// The generated client over the lazy channel (cheap to clone per call).
    pub(crate) raw: RawClient<Channel>,
    /// `host:port` of the server.
    pub(crate) addr: String,
    /// `Bearer <jwt>`, sent as `authorization` on every call when configured.
    pub(crate) token: Option<MetadataValue<Ascii>>,
    /// The default deadline of one-shot reads and settings.
    pub(crate) timeout: Duration,
    /// The default options of subscriptions.
    pub(crate) subscription: SubscriptionOptions,
}

impl Inner {
    /// A request with the bearer token attached (when configured) and the deadline (when
    /// given).
    pub(crate) fn request<T>(&self, message: T, timeout: Option<Duration>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(token) = &self.token {
            request
                .metadata_mut()
                .insert("authorization", token.clone());
        }
        if let Some(t) = timeout {
            request.set_timeout(t);
        }
        request
    }

    /// `e`, marked as an error of this client that involved the server: the gRPC transport
    /// and the server's address.
    pub(crate) fn remote(&self, e: Error) -> Error {
        e.or_transport(Transport::Grpc)
            .with_server(self.addr.as_str())
    }

    /// The error for a failed gRPC call (see [`crate::error::from_status`]); a timeout says
    /// how long was allowed (`timeout`), never a measured remainder.
    pub(crate) fn call_failed(&self, status: &tonic::Status, timeout: Option<Duration>) -> Error {
        let e = crate::error::from_status(&self.addr, status);
        match timeout {
            Some(t) if e.kind() == pacsys_types::ErrorKind::Timeout => e.with_elapsed(t),
            _ => e,
        }
    }
}

/// `e`, marked as an error of the gRPC transport that was decided locally (nothing was
/// sent for it, so no server address).
pub(crate) fn local(e: Error) -> Error {
    e.or_transport(Transport::Grpc)
}
