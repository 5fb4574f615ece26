//! Checks shared by the fuzz target and the seed-corpus replay test. Not public API.

use crate::error::Error;
use crate::range::{ArrayRange, Range};
use crate::request::Request;

/// Parses `data` (as UTF-8 when valid, and lossily decoded) and checks the invariants:
/// no panic; an accepted request's canonical text re-parses to an equal request (except
/// the reference's own non-idempotent near-miss case, spec 14.18) and printing is
/// idempotent; no helper panics.
pub fn check(data: &[u8]) {
    if let Ok(s) = core::str::from_utf8(data) {
        check_str(s);
    }
    let lossy = String::from_utf8_lossy(data);
    check_str(&lossy);
}

/// [`check`] on a string.
pub fn check_str(input: &str) {
    let req = match Request::parse(input) {
        Ok(r) => r,
        Err(e) => {
            let _ = e.caret(input);
            assert!(
                e.offset() <= input.len(),
                "offset out of range for {input:?}: {e:?}"
            );
            return;
        }
    };
    let canonical = req.to_string();
    match Request::parse(&canonical) {
        Ok(again) => {
            assert_eq!(
                again, req,
                "re-parse of {canonical:?} (from {input:?}) differs"
            );
            assert_eq!(
                again.to_string(),
                canonical,
                "Display not idempotent for {input:?}"
            );
        }
        Err(e) => {
            // The reference rejects the canonical text of some non-ACNET requests whose
            // body ended with a line feed after a brace group (spec 14.18).
            assert!(
                !req.is_acnet() && matches!(e, Error::AcnetSyntax { .. }),
                "canonical {canonical:?} of {input:?} rejected: {e:?}"
            );
        }
    }
    let _ = req.for_write().to_string();
    let _ = req.with_immediate_event().to_string();
    let _ = req.qualified();
    let _ = req.without_event().to_string();
    let _ = req.with_event("p,1000").map(|r| r.to_string());
    let _ = req.without_range().to_string();
    let _ = req.with_range(Range::Array(ArrayRange::full())).to_string();
    let _ = req.retarget_control().map(|r| r.to_string());
    let _ = req.control_request().map(|r| r.to_string());
    let _ = req.write_request(None).map(|r| r.to_string());
    let _ = req
        .read_request(crate::Property::Status, None)
        .map(|r| r.to_string());
    let n = req.normalized();
    assert_eq!(
        n.normalized(),
        n,
        "normalized() not idempotent for {input:?}"
    );
    assert!(req.semantically_eq(&req));
    let _ = crate::ensure_immediate_event(input);
    let _ = req.device();
    let _ = req.event();
    let _ = req.extra();
    let _ = req.epics_fields();
}
