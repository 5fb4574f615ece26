//! [`DaqFaults`]: how the fake DAQ server misbehaves on one call.

use std::time::Duration;

/// How the fake DAQ server misbehaves on one call. The default is a well-behaved server.
///
/// ```
/// use std::time::Duration;
/// use pacsys_sim::DaqFaults;
///
/// let faults = DaqFaults { drop_stream_after: Some(10), ..DaqFaults::default() };
/// assert!(faults.is_active());
/// assert!(!DaqFaults::default().is_active());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaqFaults {
    /// End a `Read` stream with `UNAVAILABLE` after this many replies (as a server going
    /// away mid-stream).
    pub drop_stream_after: Option<u64>,
    /// Hold each batch of replies this long before sending it.
    pub reply_delay: Option<Duration>,
    /// Fail the call at once with `UNAVAILABLE` (as a server that is down).
    pub unavailable: bool,
}

impl DaqFaults {
    /// Whether any fault is switched on.
    pub fn is_active(&self) -> bool {
        *self != DaqFaults::default()
    }
}
