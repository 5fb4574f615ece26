//! The `serde` feature: a request serialises as its canonical text and deserialises by
//! parsing (and so validating) it.
#![cfg(feature = "serde")]

use pacsys_drf::{Field, Property, Request};

#[test]
fn request_round_trips_as_canonical_text() {
    let req = Request::parse("m_outtmp.raw[0:3]@p,1000").unwrap();
    let json = serde_json::to_string(&req).unwrap();
    assert_eq!(json, "\"M:OUTTMP.SETTING[0:3].RAW@p,1000\"");
    let back: Request = serde_json::from_str(&json).unwrap();
    assert_eq!(back, req);
    assert!(serde_json::from_str::<Request>("\"M:OUTTMP.FOO.RAW\"").is_err());
}

#[test]
fn enums_use_their_drf_names() {
    assert_eq!(
        serde_json::to_string(&Property::LongName).unwrap(),
        "\"LONG_NAME\""
    );
    assert_eq!(
        serde_json::to_string(&Field::AlarmStatus).unwrap(),
        "\"ALARM_STATUS\""
    );
    let p: Property = serde_json::from_str("\"ALARM_LIST_NAME\"").unwrap();
    assert_eq!(p, Property::AlarmListName);
}
