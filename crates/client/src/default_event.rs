//! The one rule for DRFs written without an event: [`with_default_event`] gives them one
//! (the canonical DRF with that event, as the reference pacsys's `replace_event` does), and
//! leaves every other DRF as written. `pacsys::exp::read_fresh` applies it with
//! `FreshOptions::default_event`, `pacsys monitor` with [`STREAM_EVENT`].

use crate::Error;

/// The event a stream of a DRF written without one is given by `pacsys monitor` (and the
/// reference CLI's `acmonitor`): periodic, once a second.
pub const STREAM_EVENT: &str = "p,1000";

/// `drf` with `event` (e.g. `"p,1000"`) when it was written without one: `Some` of the
/// canonical DRF carrying `event`; `None` when `drf` has an event already (send it as
/// written). Fails for a DRF or an event that does not parse, naming the DRF.
///
/// ```
/// use pacsys::default_event::{STREAM_EVENT, with_default_event};
///
/// assert_eq!(
///     with_default_event("M:OUTTMP", STREAM_EVENT)?.as_deref(),
///     Some("M:OUTTMP.READING@p,1000")
/// );
/// assert_eq!(with_default_event("M:OUTTMP@p,200", STREAM_EVENT)?, None);
/// assert_eq!(with_default_event("M:OUTTMP@I", STREAM_EVENT)?, None);
/// assert!(with_default_event("M:OUTTMP@@", STREAM_EVENT).is_err());
/// assert!(with_default_event("M:OUTTMP", "x,1").is_err());
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn with_default_event(drf: &str, event: &str) -> Result<Option<String>, Error> {
    let req = pacsys_drf::Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))?;
    if !matches!(req.event(), pacsys_drf::Event::Default) {
        return Ok(None);
    }
    req.with_event(event)
        .map(|r| Some(r.to_canonical()))
        .map_err(|e| Error::invalid_drf(drf, e))
}
