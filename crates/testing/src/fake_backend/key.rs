//! The normalised keys [`FakeBackend`](super::FakeBackend) compares DRFs by.

use pacsys_drf::{Event, Request};

/// The key a DRF is compared by for reads, overrides and history: the device name
/// upper-cased with its qualifier character resolved, `.PROPERTY`, the field when it is not
/// the property's default, and the data source (`<-...`) if any. The event and the range are
/// left out. A DRF that does not parse is its own key, verbatim.
///
/// ```
/// use pacsys_testing::fake_backend::drf_key;
///
/// assert_eq!(drf_key("m:outtmp"), "M:OUTTMP.READING");
/// assert_eq!(drf_key("M_OUTTMP[0:3]@p,1000"), "M:OUTTMP.SETTING");
/// assert_eq!(drf_key("Z|ACLTST.ON"), "Z:ACLTST.STATUS.ON");
/// assert_eq!(drf_key("M:OUTTMP@@@"), "M:OUTTMP@@@");
/// ```
pub fn drf_key(drf: &str) -> String {
    match Request::parse(drf) {
        Ok(request) => base_key(&request),
        Err(_) => drf.to_owned(),
    }
}

/// The key a DRF is compared by for settings: the key ([`drf_key`]) of the request as the
/// backends send it for a write, READING becoming SETTING and STATUS becoming CONTROL. So
/// `M:OUTTMP`, `M:OUTTMP.SETTING` and `M_OUTTMP` name the same setting. A DRF that does not
/// parse is its own key, verbatim.
///
/// ```
/// use pacsys_testing::fake_backend::write_key;
///
/// assert_eq!(write_key("M:OUTTMP"), "M:OUTTMP.SETTING");
/// assert_eq!(write_key("m_outtmp@I"), "M:OUTTMP.SETTING");
/// assert_eq!(write_key("M:OUTTMP.STATUS.ON"), "M:OUTTMP.CONTROL");
/// ```
pub fn write_key(drf: &str) -> String {
    match Request::parse(drf) {
        Ok(request) => base_key(&request.for_write()),
        Err(_) => drf.to_owned(),
    }
}

/// The key of a parsed request (see [`drf_key`]).
pub(crate) fn base_key(request: &Request) -> String {
    request
        .without_event()
        .without_range()
        .normalized()
        .to_string()
}

/// How a subscribed DRF (or the DRF given to `emit` or `wait_for_subscription`) is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matcher {
    /// [`base_key`].
    base: String,
    /// The base key with the normalised event, when the DRF has an explicit event.
    with_event: Option<String>,
}

impl Matcher {
    pub(crate) fn of(request: &Request) -> Matcher {
        let with_event = (!matches!(request.event(), Event::Default))
            .then(|| request.without_range().normalized().to_string());
        Matcher {
            base: base_key(request),
            with_event,
        }
    }

    /// A matcher of any DRF: unparsable ones match only themselves.
    pub(crate) fn of_text(drf: &str) -> Matcher {
        match Request::parse(drf) {
            Ok(request) => Matcher::of(&request),
            Err(_) => Matcher {
                base: drf.to_owned(),
                with_event: None,
            },
        }
    }

    /// Whether `self` (what a test asks for) selects `subscribed`: the same key, and the
    /// same event when `self` has an explicit one.
    pub(crate) fn selects(&self, subscribed: &Matcher) -> bool {
        match &self.with_event {
            Some(event) => subscribed.with_event.as_ref() == Some(event),
            None => self.base == subscribed.base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_spelling_event_and_range() {
        for (drf, key) in [
            ("M:OUTTMP", "M:OUTTMP.READING"),
            ("m:outtmp", "M:OUTTMP.READING"),
            ("M:OUTTMP.READING.SCALED@I", "M:OUTTMP.READING"),
            ("M:OUTTMP@p,1000", "M:OUTTMP.READING"),
            ("M:OUTTMP[0:3]@e,0f", "M:OUTTMP.READING"),
            ("M:OUTTMP.RAW", "M:OUTTMP.READING.RAW"),
            ("M_OUTTMP", "M:OUTTMP.SETTING"),
            ("m_outtmp.raw", "M:OUTTMP.SETTING.RAW"),
            ("Z|ACLTST", "Z:ACLTST.STATUS"),
            ("M:OUTTMP.DESCRIPTION", "M:OUTTMP.DESCRIPTION"),
            ("M:OUTTMP<-logger:1:2", "M:OUTTMP.READING<-LOGGER:1:2"),
        ] {
            assert_eq!(drf_key(drf), key, "{drf}");
        }
    }

    #[test]
    fn unparsable_drfs_are_their_own_key() {
        assert_eq!(drf_key("M:OUTTMP@@@"), "M:OUTTMP@@@");
        assert_eq!(drf_key(""), "");
        assert_eq!(write_key("not a drf!"), "not a drf!");
    }

    #[test]
    fn write_keys_retarget_like_the_backends() {
        assert_eq!(write_key("M:OUTTMP"), "M:OUTTMP.SETTING");
        assert_eq!(write_key("M:OUTTMP.SETTING@N"), "M:OUTTMP.SETTING");
        assert_eq!(write_key("M_OUTTMP"), "M:OUTTMP.SETTING");
        assert_eq!(write_key("Z|ACLTST"), "Z:ACLTST.CONTROL");
        assert_eq!(write_key("M:OUTTMP.ANALOG.MIN"), "M:OUTTMP.ANALOG.MIN");
        assert_ne!(write_key("M:OUTTMP.RAW"), write_key("M:OUTTMP"));
    }

    #[test]
    fn matchers_compare_events_only_when_asked() {
        let sub = |d: &str| Matcher::of_text(d);
        let periodic = sub("m:outtmp@P,1S");
        assert!(sub("M:OUTTMP").selects(&periodic));
        assert!(sub("M:OUTTMP@p,1000").selects(&periodic));
        assert!(!sub("M:OUTTMP@p,500").selects(&periodic));
        assert!(!sub("M:OUTTMP@p,1000").selects(&sub("M:OUTTMP")));
        assert!(!sub("G:AMANDA").selects(&periodic));
        assert!(sub("bad@@").selects(&sub("bad@@")));
        assert!(!sub("bad@@").selects(&periodic));
    }
}
