//! Examples quoted in the DRF3 specification, checked one by one.

use pacsys_drf::{Error, Event, Field, Property, Range, Request};

fn canon(input: &str) -> String {
    match Request::parse(input) {
        Ok(r) => r.to_string(),
        Err(e) => panic!("{input:?} rejected: {e}"),
    }
}

fn category(input: &str) -> &'static str {
    match Request::parse(input) {
        Ok(r) => panic!("{input:?} accepted as {r}"),
        Err(e) => e.category(),
    }
}

#[test]
fn canonical_forms() {
    for (input, expected) in [
        ("M:OUTTMP\n", "M:OUTTMP.READING"),
        ("M:OUTTMP@p,1000\n", "M:OUTTMP.READING@p,1000"),
        ("M:OUTTMP\n<-FTP", "M:OUTTMP.READING<-FTP"),
        ("m_outtmp", "M:OUTTMP.SETTING"),
        ("#|9", "#:9.STATUS"),
        ("M_OUTTMP.READING", "M:OUTTMP.READING"),
        ("abc.def.ghi.jkl", "abc.def.ghi.jkl"),
        (
            "XF:31IDA-OP{Tbl-Ax:X1}Mtr.RBV@p,1000",
            "XF:31IDA-OP{Tbl-Ax:X1}Mtr.RBV@p,1000",
        ),
        ("M:OUTTMP.RAW", "M:OUTTMP.READING.RAW"),
        ("M:OUTTMP.RAW[0:3]", "M:OUTTMP.READING[0:3].RAW"),
        ("M:OUTTMP.ANALOG.STATUS", "M:OUTTMP.ANALOG.ALARM_STATUS"),
        ("M:OUTTMP[007]", "M:OUTTMP.READING[7]"),
        ("M:OUTTMP[]", "M:OUTTMP.READING[:]"),
        ("M:OUTTMP{}", "M:OUTTMP.READING{:}"),
        ("M:OUTTMP[0:]", "M:OUTTMP.READING[0:]"),
        ("M:OUTTMP{5:0}", "M:OUTTMP.READING{5:0}"),
        ("M:OUTTMP.READING.SCALED", "M:OUTTMP.READING"),
        ("M@OUTTMP.ALL", "M:OUTTMP.ANALOG"),
        ("M|OUTTMP.ALL", "M:OUTTMP.STATUS.ALL"),
        ("M~OUTTMP.COMMON", "M:OUTTMP.DESCRIPTION.SCALED"),
        ("M:OUTTMP@u", "M:OUTTMP.READING"),
        ("M:OUTTMP@i", "M:OUTTMP.READING@I"),
        ("M:OUTTMP@n", "M:OUTTMP.READING@N"),
        (
            "M:OUTTMP<-LOGGER:1:2@p,1000",
            "M:OUTTMP.READING<-LOGGER:1:2@p,1000",
        ),
        ("M:OUTTMP{abc}def", "M:OUTTMP{abc}def"),
        ("M:OUTTMP ", "M:OUTTMP "),
        ("INVALID!", "INVALID!"),
    ] {
        assert_eq!(canon(input), expected, "input {input:?}");
    }
    let long = format!("M:{}", "A".repeat(62));
    assert!(Request::parse(&long).unwrap().is_acnet());
    let longer = format!("M:{}", "A".repeat(63));
    assert!(!Request::parse(&longer).unwrap().is_acnet());
}

#[test]
fn error_categories() {
    for (input, expected) in [
        ("M:OUTTMP[<-BOGUS", "extra"),
        ("M:<-FTP", "syntax"),
        ("M:OUTTMP<-FTP<-FTP", "extra_repeated"),
        ("M:OUTTMP<-", "extra"),
        ("M:OUTTMP<- FTP", "extra"),
        ("M:OUTTMP<-:FTP", "extra"),
        ("M:OUTTMP<-FTP\n", "extra"),
        ("pv:name[3:1]@X", "event"),
        ("M:OUTTMP[3:1]@X", "range"),
        ("M:OUTTMP\n@p,1000", "syntax"),
        ("M:OUTTMP@p,1000\nX", "acnet_syntax"),
        ("M:OUTTMP.READING\n.RAW", "acnet_syntax"),
        ("M:OUTTMP.", "acnet_syntax"),
        ("M:OUTTMP[1][2]", "acnet_syntax"),
        ("M:OUTTMP{abc}", "acnet_syntax"),
        ("M:OUTTMP{abc}.X", "acnet_syntax"),
        ("M:OUTTMP.FOO.RAW", "property"),
        ("M:OUTTMP.RAW[0:3].RAW", "property"),
        ("M:OUTTMP[1:2].SETTING", "field"),
        ("M:OUTTMP.STATUS.STATUS", "field_not_allowed"),
        ("M:OUTTMP.ON", "field_not_allowed"),
        ("M:OUTTMP[1:2:3]", "range"),
        ("M:OUTTMP{2147483647:2}", "range"),
        ("M:OUTTMP[2147483648]", "range"),
        ("M:OUTTMP@IMM", "event"),
        ("M:OUTTMP@I ", "event"),
        ("M:OUTTMP@P,TRUE", "time_freq"),
        ("M:OUTTMP@P,5MS", "time_freq"),
        ("M:OUTTMP@P,2147483648", "time_freq"),
        ("M:OUTTMP@P, 1000", "event"),
        ("M:OUTTMP@P,1000,T,X", "event"),
        ("M:OUTTMP@E,0F,H,100X", "time_freq"),
        ("M:OUTTMP@E,8,1000", "event"),
        ("M:OUTTMP@E,0x0F", "event"),
        ("M:OUTTMP@S,M:OTHER,1,value,=", "time_freq"),
        ("M:OUTTMP@S,M:OTHER,1,100,==", "event"),
        ("M:OUTTMP@S,M:OTHER,-1,100,=", "event"),
        ("M:OUTTMP.FOO@X<-BOGUS", "extra"),
        ("M:OUTTMP.FOO.BAR@X", "property"),
        ("M:OUTTMP[3:1].FOO@X", "range"),
        ("M:OUTTMP.ON@X", "field_not_allowed"),
        ("", "syntax"),
        ("ab", "syntax"),
        ("M:OUTTMP\u{e9}", "non_ascii"),
        ("\u{ff2d}:OUTTMP", "non_ascii"),
    ] {
        assert_eq!(category(input), expected, "input {input:?}");
    }
}

#[test]
fn time_values() {
    for (ev, ms) in [
        ("P,500U", 1),
        ("P,1500U", 2),
        ("P,60H", 17),
        ("P,3K", 0),
        ("P,2K", 1),
        ("P,0H", 0),
        ("P,2147483647S", 2_147_483_647_000),
        ("P", 1000),
    ] {
        match Event::parse(ev).unwrap() {
            Event::Periodic(p) => assert_eq!(p.period_ms(), ms, "{ev}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn state_event_greedy_device() {
    let req = Request::parse("M:OUTTMP@S,A,B,1,2,3,=").unwrap();
    match req.event() {
        Event::State(s) => {
            assert_eq!(s.device(), "A,B,1");
            assert_eq!(s.value(), Some(2));
            assert_eq!(s.delay_ms(), 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn helpers_from_spec() {
    for (input, expected) in [
        ("M:OUTTMP", "M:OUTTMP.SETTING@N"),
        ("M:OUTTMP.READING.RAW", "M:OUTTMP.SETTING.RAW@N"),
        ("M:OUTTMP.READING.MIN@p,1000", "M:OUTTMP.SETTING.MIN@N"),
        ("M:OUTTMP.STATUS.ON", "M:OUTTMP.CONTROL@N"),
        ("M|OUTTMP.RAW", "M:OUTTMP.CONTROL.RAW@N"),
        ("Z|ACLTST[2]@I", "Z:ACLTST.CONTROL[2]@N"),
        ("M@OUTTMP.MAX", "M:OUTTMP.ANALOG.MAX@N"),
        ("M^OUTTMP", "M:OUTTMP.INDEX@N"),
        (
            "B:HS23T[0:100]@e,02,e,0<-LOGGER:1:2",
            "B:HS23T.SETTING[0:100]@N<-LOGGER:1:2",
        ),
        ("ABC", "ABC@N"),
        ("pv.VAL@p,1000", "pv.VAL@N"),
    ] {
        assert_eq!(
            pacsys_drf::prepare_for_write(input).unwrap(),
            expected,
            "{input:?}"
        );
    }
    for (input, expected) in [
        ("M:OUTTMP", "M:OUTTMP.READING@I"),
        ("M:OUTTMP<-FTP", "M:OUTTMP.READING@I<-FTP"),
        ("ABC", "ABC@I"),
        ("m:outtmp.read@p,1000\n", "m:outtmp.read@p,1000\n"),
        ("m:outtmp<-LOGGER:1:2", "m:outtmp<-LOGGER:1:2"),
        ("m:outtmp@N", "m:outtmp@N"),
    ] {
        assert_eq!(
            pacsys_drf::ensure_immediate_event(input).unwrap(),
            expected,
            "{input:?}"
        );
    }
    assert_eq!(
        pacsys_drf::replace_event("m_outtmp.raw[0:3]@p,1000<-FTP", "e,0f").unwrap(),
        "M:OUTTMP.SETTING[0:3].RAW@e,0f<-FTP"
    );
    assert_eq!(
        pacsys_drf::strip_event("m_outtmp.raw[0:3]@p,1000<-FTP").unwrap(),
        "M:OUTTMP.SETTING[0:3].RAW<-FTP"
    );
    assert_eq!(
        pacsys_drf::replace_event("M:OUTTMP@I", "U").unwrap(),
        "M:OUTTMP.READING"
    );
    assert!(pacsys_drf::qualified_name("abc").is_err());
    assert_eq!(
        pacsys_drf::qualified_name("M:OUTTMP.STATUS.ON@I").unwrap(),
        "M|OUTTMP.ON@I"
    );
    let r = Request::parse("M:OUTTMP.SETTING[0:3].RAW@p,1000<-FTP").unwrap();
    let r2 = r.with_range(Range::Array(
        pacsys_drf::ArrayRange::span(Some(2), Some(5)).unwrap(),
    ));
    assert_eq!(r2.to_string(), "M:OUTTMP.SETTING[2:5].RAW@p,1000<-FTP");
    let pv = Request::parse("pv.VAL@p,1000").unwrap();
    assert!(pv.retarget_control().is_err());
    assert!(pv.with_property(Property::Status, None).is_err());
    assert!(
        pv.with_property(Property::Setting, Some(Field::Raw))
            .is_err()
    );
    assert_eq!(
        pv.read_request(Property::Reading, None)
            .unwrap()
            .to_string(),
        "pv.VAL@I"
    );
    let st = Request::parse("M|OUTTMP.ON").unwrap();
    assert_eq!(st.retarget_control().unwrap(), st);
}

#[test]
fn semantic_equality() {
    let a = Request::parse("M:OUTTMP@p,1000").unwrap();
    for other in [
        "M:OUTTMP@P,1S",
        "m:outtmp.read@P",
        "M:OUTTMP@p,1000,T",
        "M:OUTTMP@P,1000000U",
    ] {
        assert!(
            a.semantically_eq(&Request::parse(other).unwrap()),
            "{other}"
        );
    }
    for other in ["M:OUTTMP@Q,1000", "M:OUTTMP@p,1000,F", "M:OUTTMP@p,999"] {
        assert!(
            !a.semantically_eq(&Request::parse(other).unwrap()),
            "{other}"
        );
    }
    // Display is untouched.
    assert_eq!(
        Request::parse("M:OUTTMP@P,1S").unwrap().to_string(),
        "M:OUTTMP.READING@P,1S"
    );
    let r = Request::parse("M:OUTTMP[0:]<-ftp").unwrap();
    assert!(r.semantically_eq(&Request::parse("M:OUTTMP[:]<-FTP").unwrap()));
}

#[test]
fn error_offsets_and_caret() {
    let input = "M:OUTTMP.FOO.RAW";
    let e = Request::parse(input).unwrap_err();
    assert!(matches!(e, Error::Property { offset: 9, .. }));
    assert_eq!(e.caret(input), "M:OUTTMP.FOO.RAW\n         ^");
    let input = "M:OUTTMP<-FTP<-X";
    assert_eq!(Request::parse(input).unwrap_err().offset(), 13);
    let input = "M:\u{e9}X";
    let e = Request::parse(input).unwrap_err();
    assert_eq!(e.offset(), 2);
    assert_eq!(e.caret(input), "M:\\u{e9}X\n  ^");
    let e = Request::parse("M:OUTTMP@p,1000,X").unwrap_err();
    assert_eq!(e.offset(), 15);
    let e = Request::parse("M:OUTTMP@p,5X").unwrap_err();
    assert_eq!((e.category(), e.offset()), ("time_freq", 11));
}

#[test]
fn debug_shows_typed_parts() {
    let r = Request::parse("m_outtmp.raw[0:3]@p,1000<-FTP").unwrap();
    let text = format!("{r:?}");
    assert!(
        text.contains("canonical: M:OUTTMP.SETTING[0:3].RAW@p,1000<-FTP"),
        "{text}"
    );
    assert!(text.contains("property: Setting"), "{text}");
}
