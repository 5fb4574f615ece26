//! Adversarial tests of the gate and every policy (no network).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pacsys_types::Value;

use crate::context::{RequestContext, Rpc, Slot, SlotDecision};
use crate::pattern::{DevicePattern, Syntax};
use crate::policy::*;

fn glob(p: &str) -> DevicePattern {
    DevicePattern::new(p, Syntax::Glob).unwrap()
}

fn peer(port: u16) -> Option<SocketAddr> {
    Some(SocketAddr::from(([10, 0, 0, 7], port)))
}

fn reads(drfs: &[&str]) -> RequestContext {
    let slots = drfs
        .iter()
        .enumerate()
        .map(|(i, d)| Slot::for_read(i, d).unwrap())
        .collect();
    RequestContext::new(Rpc::Read, peer(40000), None, false, Instant::now(), slots)
}

fn sets(settings: &[(&str, Value)]) -> RequestContext {
    sets_at(settings, Instant::now(), 40000)
}

fn sets_at(settings: &[(&str, Value)], now: Instant, port: u16) -> RequestContext {
    let slots = settings
        .iter()
        .enumerate()
        .map(|(i, (d, v))| Slot::for_set(i, d, v.clone()).unwrap())
        .collect();
    RequestContext::new(Rpc::Set, peer(port), None, false, now, slots)
}

fn decisions(ctx: &RequestContext) -> Vec<bool> {
    ctx.slots().iter().map(Slot::is_approved).collect()
}

fn chain(policies: Vec<Box<dyn Policy>>) -> PolicyChain {
    PolicyChain::new(policies)
}

fn allow_set(patterns: &[&str]) -> Box<dyn Policy> {
    Box::new(
        DeviceAccessPolicy::new(
            patterns.iter().map(|p| glob(p)).collect(),
            Mode::Allow,
            Action::Set,
        )
        .unwrap(),
    )
}

fn deny(patterns: &[&str], action: Action) -> Box<dyn Policy> {
    Box::new(
        DeviceAccessPolicy::new(
            patterns.iter().map(|p| glob(p)).collect(),
            Mode::Deny,
            action,
        )
        .unwrap(),
    )
}

#[test]
fn the_gate_refuses_aliases_directives_and_padding() {
    let long = format!("M:{}", "A".repeat(600));
    for bad in [
        "0:1234",
        "0_1234",
        "0|1234",
        "#:1234",
        "#|1234",
        "#ROLE:admin",
        "#ROLE:admin;M:OUTTMP",
        "1:ABC",
        " M:OUTTMP",
        "M:OUTTMP ",
        "M:OUTTMP\t",
        "M:OUTTMP\n",
        "M:OUTTMP\0",
        "M:OUT TMP",
        "M:OUTTMPé",
        "",
        &long,
        "M:OUTTMP<-REDIR:X",
        "M:OUTTMP<-mirror",
        "M:OUTTMP@@@",
        "M:OUTTMP.FOO",
        "m:outtmp.VAL",
    ] {
        assert!(Slot::for_read(0, bad).is_err(), "read accepted {bad:?}");
        assert!(
            Slot::for_set(0, bad, Value::Scalar(1.0)).is_err(),
            "set accepted {bad:?}"
        );
    }
    // Settings cannot carry an extra (the logger is read-only anyway).
    assert!(Slot::for_set(0, "M:OUTTMP<-LOGGER:1:2", Value::Scalar(1.0)).is_err());
    assert!(Slot::for_read(0, "M:OUTTMP<-LOGGER:1:2").is_ok());
}

#[test]
fn every_spelling_of_a_device_has_one_canonical_name() {
    for spelling in [
        "M:OUTTMP",
        "m:outtmp",
        "M_OUTTMP",
        "m|outtmp",
        "M?OUTTMP",
        "M@OUTTMP",
        "M$OUTTMP",
        "M!OUTTMP",
        "M#OUTTMP",
        "M~OUTTMP",
        "m^outtmp",
        "M&OUTTMP",
        "M:OUTTMP.RAW",
        "M:OUTTMP[0:3]@p,1000",
        "M:OUTTMP{0:2}",
        "M:OUTTMP.SETTING@N",
        "m:outtmp<-LOGGER:1:2",
    ] {
        let s = Slot::for_read(0, spelling).unwrap();
        assert_eq!(s.device(), "M:OUTTMP", "{spelling}");
        let w = Slot::for_set(0, spelling.split("<-").next().unwrap(), Value::Scalar(1.0)).unwrap();
        assert_eq!(w.device(), "M:OUTTMP", "{spelling}");
    }
}

#[test]
fn deny_patterns_cannot_be_dodged_by_spelling() {
    let c = chain(vec![deny(&["M:OUTTMP"], Action::All)]);
    let spellings = [
        "m:outtmp",
        "M_OUTTMP",
        "m|outtmp@p,1000",
        "M?OUTTMP.RAW",
        "M@OUTTMP.MAX",
        "M$OUTTMP",
        "M:OUTTMP[0:3]",
        "M:OUTTMP<-LOGGER:1:2",
        "M:OUTTMP@e,0f",
    ];
    let mut ctx = reads(&spellings);
    c.evaluate(&mut ctx).unwrap();
    assert!(ctx.slots().iter().all(Slot::is_denied), "{:?}", ctx.slots());
    // Denying a lower-case pattern works the same way.
    let c = chain(vec![deny(&["m_out*"], Action::Read)]);
    let mut ctx = reads(&["M:OUTTMP", "G:AMANDA"]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [false, true]);
}

#[test]
fn a_denied_read_leaves_the_other_slots_alone() {
    let c = chain(vec![deny(&["Z:SECRET*"], Action::Read)]);
    let mut ctx = reads(&["M:OUTTMP", "z:secret1", "G:AMANDA"]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true, false, true]);
    match ctx.slots()[1].decision() {
        SlotDecision::Denied { reason, .. } => assert!(reason.contains("Z:SECRET1"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn writes_are_denied_unless_a_policy_approves() {
    let mut ctx = sets(&[("G:AMANDA", Value::Scalar(1.0))]);
    chain(vec![]).evaluate(&mut ctx).unwrap();
    match ctx.slots()[0].decision() {
        SlotDecision::Denied { reason, .. } => {
            assert_eq!(reason, "No policy explicitly allows write operations")
        }
        other => panic!("{other:?}"),
    }
    // Rate and value policies never approve.
    let c = chain(vec![
        Box::new(ValueRangePolicy::new(vec![(glob("*"), -1e9, 1e9)], vec![]).unwrap()),
        Box::new(
            RateLimitPolicy::new(
                10,
                Duration::from_secs(1),
                RateScope::Client,
                Action::All,
                vec![],
            )
            .unwrap(),
        ),
    ]);
    let mut ctx = sets(&[("G:AMANDA", Value::Scalar(1.0))]);
    c.evaluate(&mut ctx).unwrap();
    assert!(ctx.slots()[0].is_denied());
}

#[test]
fn allow_approves_only_matching_settings_in_any_spelling() {
    let c = chain(vec![allow_set(&["G:AMANDA", "Z:ACL*"])]);
    let mut ctx = sets(&[
        ("g_amanda", Value::Scalar(1.0)),
        ("G:AMANDAX", Value::Scalar(1.0)),
        ("z:acltst[0:1]", Value::Array(vec![1.0, 2.0])),
        ("M:OUTTMP", Value::Scalar(1.0)),
        ("G|AMANDA", Value::Scalar(1.0)),
    ]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true, false, true, false, true]);
    match ctx.slots()[1].decision() {
        SlotDecision::Denied { reason, .. } => {
            assert_eq!(reason, "No write policy approves G:AMANDAX")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_denial_is_final_whatever_the_order() {
    for order in [true, false] {
        let mut policies = vec![allow_set(&["G:*"]), deny(&["G:AMANDA"], Action::Set)];
        if order {
            policies.reverse();
        }
        let mut ctx = sets(&[
            ("G:AMANDA", Value::Scalar(1.0)),
            ("G:OTHER", Value::Scalar(1.0)),
        ]);
        chain(policies).evaluate(&mut ctx).unwrap();
        assert_eq!(decisions(&ctx), [false, true], "order {order}");
    }
}

#[test]
fn read_only_refuses_every_setting() {
    let c = chain(vec![Box::new(ReadOnlyPolicy), allow_set(&["*"])]);
    let mut ctx = sets(&[("G:AMANDA", Value::Scalar(1.0))]);
    let denial = c.evaluate(&mut ctx).unwrap_err();
    assert_eq!(denial.reason, "Write operations disabled");
    let mut ctx = reads(&["G:AMANDA"]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true]);
}

#[test]
fn value_range_checks_every_element_and_refuses_non_numbers() {
    let c = chain(vec![
        allow_set(&["*"]),
        Box::new(
            ValueRangePolicy::new(
                vec![(glob("G:AMANDA"), 0.0, 100.0), (glob("G:*"), -10.0, 50.0)],
                vec![glob("G:RAWOK")],
            )
            .unwrap(),
        ),
    ]);
    let cases: Vec<(&str, Value, bool)> = vec![
        ("G:AMANDA", Value::Scalar(10.0), true),
        ("g_amanda", Value::Scalar(60.0), false), // inside [0, 100] but not the intersection
        ("G:AMANDA", Value::Scalar(-1.0), false),
        ("G:AMANDA", Value::Scalar(f64::NAN), false),
        ("G:AMANDA", Value::Scalar(f64::INFINITY), false),
        ("G:AMANDA", Value::Scalar(f64::NEG_INFINITY), false),
        ("G:AMANDA", Value::Array(vec![1.0, 2.0, 3.0]), true),
        ("G:AMANDA", Value::Array(vec![1.0, 200.0]), false),
        ("G:AMANDA", Value::Array(vec![1.0, f64::NAN]), false),
        ("G:AMANDA", Value::Text("50".into()), false),
        ("G:AMANDA", Value::TextArray(vec!["1".into()]), false),
        ("G:AMANDA", Value::Raw(vec![0xff; 8]), false),
        ("G:AMANDA.RAW", Value::Scalar(1.0), false),
        ("G:AMANDA.SETTING.PRIMARY", Value::Scalar(1.0), false),
        ("G:AMANDA.SETTING.VOLTS", Value::Scalar(1.0), false),
        ("G:RAWOK.RAW", Value::Raw(vec![1]), true),
        ("G|AMANDA", Value::Scalar(1.0), true), // CONTROL commands are not values
        ("M:OUTTMP", Value::Text("free".into()), true), // no limit matches
    ];
    for (drf, value, ok) in cases {
        let mut ctx = sets(&[(drf, value.clone())]);
        c.evaluate(&mut ctx).unwrap();
        assert_eq!(ctx.slots()[0].is_approved(), ok, "{drf} = {value:?}");
    }
    // Limits that do not overlap deny everything.
    let c = chain(vec![
        allow_set(&["*"]),
        Box::new(
            ValueRangePolicy::new(
                vec![(glob("X:*"), 0.0, 1.0), (glob("*A"), 2.0, 3.0)],
                vec![],
            )
            .unwrap(),
        ),
    ]);
    let mut ctx = sets(&[("X:A", Value::Scalar(0.5))]);
    c.evaluate(&mut ctx).unwrap();
    assert!(ctx.slots()[0].is_denied());
}

#[test]
fn slew_rate_compares_with_the_last_accepted_write_and_within_the_batch() {
    let slew = std::sync::Arc::new(
        SlewRatePolicy::new(vec![(
            glob("G:AMANDA"),
            SlewLimit {
                max_step: Some(5.0),
                max_rate: None,
            },
        )])
        .unwrap(),
    );
    #[derive(Debug)]
    struct Shared(std::sync::Arc<SlewRatePolicy>);
    impl Policy for Shared {
        fn name(&self) -> &str {
            "SlewRate"
        }
        fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
            self.0.check(ctx)
        }
        fn record_write(&self, slot: &Slot, ok: bool) {
            self.0.record_write(slot, ok)
        }
    }
    let c = chain(vec![allow_set(&["*"]), Box::new(Shared(slew.clone()))]);
    // First write: nothing to compare with.
    let mut ctx = sets(&[("G:AMANDA", Value::Scalar(100.0))]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true]);
    // Not written (e.g. the backend failed): the history does not move.
    c.record_write(&ctx.slots()[0], false);
    let mut ctx = sets(&[("G:AMANDA", Value::Scalar(0.0))]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true]);
    c.record_write(&ctx.slots()[0], true);
    // Now 0 is the reference: a batch stepping 4, 8, 12 passes step by step, a jump does not,
    // and the spelling of the device does not matter.
    let mut ctx = sets(&[
        ("G:AMANDA", Value::Scalar(4.0)),
        ("g_amanda", Value::Scalar(8.0)),
        ("G:AMANDA.SETTING", Value::Scalar(12.0)),
        ("G:AMANDA", Value::Scalar(30.0)),
        ("G:AMANDA", Value::Scalar(f64::NAN)),
        ("G:AMANDA", Value::Text("1".into())),
    ]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true, true, true, false, false, false]);
    // A denied write never advances the history.
    let mut ctx = sets(&[("G:AMANDA", Value::Scalar(5.5))]);
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [false], "0 is still the reference");
    // Arrays: element by element; the length may not change.
    let slew = SlewRatePolicy::new(vec![(
        glob("Z:*"),
        SlewLimit {
            max_step: None,
            max_rate: Some(1.0),
        },
    )])
    .unwrap();
    let c = chain(vec![allow_set(&["*"]), Box::new(slew)]);
    let t0 = Instant::now();
    let mut ctx = sets_at(&[("Z:ACLTST[0:1]", Value::Array(vec![0.0, 0.0]))], t0, 1);
    c.evaluate(&mut ctx).unwrap();
    c.record_write(&ctx.slots()[0], true);
    let later = Instant::now() + Duration::from_secs(10);
    let mut ctx = sets_at(
        &[
            ("Z:ACLTST[0:1]", Value::Array(vec![5.0, 9.0])),
            ("Z:ACLTST[0:1]", Value::Array(vec![5.0, 30.0])),
            ("Z:ACLTST[0:1]", Value::Array(vec![5.0])),
        ],
        later,
        1,
    );
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [true, false, false]);
}

#[test]
fn rate_limits_survive_reconnects_and_refill() {
    let p = RateLimitPolicy::new(
        3,
        Duration::from_secs(3),
        RateScope::Client,
        Action::All,
        vec![],
    )
    .unwrap();
    let t0 = Instant::now();
    let ctx_from = |port: u16, at: Instant| {
        RequestContext::new(
            Rpc::Read,
            peer(port),
            Some("rotating-subject".into()),
            false,
            at,
            vec![Slot::for_read(0, "M:OUTTMP").unwrap()],
        )
    };
    // A new ephemeral port per request (a reconnecting client) is the same client.
    for port in 1..=3 {
        p.check(&mut ctx_from(port, t0)).unwrap();
    }
    let denial = p.check(&mut ctx_from(4, t0)).unwrap_err();
    assert_eq!(denial.reason, "Rate limit exceeded (3 per 3s)");
    // An unverified subject does not make a new client either.
    let mut other = ctx_from(5, t0);
    other = RequestContext::new(
        Rpc::Read,
        other.peer(),
        Some("someone-else".into()),
        false,
        t0,
        other.into_slots(),
    );
    assert!(p.check(&mut other).is_err());
    // Another IP is another client.
    let mut elsewhere = RequestContext::new(
        Rpc::Read,
        Some(SocketAddr::from(([10, 0, 0, 8], 1))),
        None,
        false,
        t0,
        vec![Slot::for_read(0, "M:OUTTMP").unwrap()],
    );
    p.check(&mut elsewhere).unwrap();
    // One token comes back per second.
    p.check(&mut ctx_from(6, t0 + Duration::from_millis(1100)))
        .unwrap();
    assert!(
        p.check(&mut ctx_from(7, t0 + Duration::from_millis(1100)))
            .is_err()
    );
}

#[test]
fn per_device_rate_limits_count_duplicates_once_and_deny_only_that_device() {
    let p = RateLimitPolicy::new(
        2,
        Duration::from_secs(60),
        RateScope::ClientDevice,
        Action::Set,
        vec![],
    )
    .unwrap();
    let c = chain(vec![allow_set(&["*"]), Box::new(p)]);
    let t0 = Instant::now();
    for _ in 0..2 {
        let mut ctx = sets_at(
            &[
                ("G:AMANDA", Value::Scalar(1.0)),
                ("g_amanda", Value::Scalar(1.0)),
                ("G:AMANDA", Value::Scalar(1.0)),
            ],
            t0,
            9,
        );
        c.evaluate(&mut ctx).unwrap();
        assert_eq!(decisions(&ctx), [true, true, true]);
    }
    let mut ctx = sets_at(
        &[
            ("G:AMANDA", Value::Scalar(1.0)),
            ("M:OUTTMP", Value::Scalar(1.0)),
        ],
        t0,
        10,
    );
    c.evaluate(&mut ctx).unwrap();
    assert_eq!(decisions(&ctx), [false, true]);
}

#[test]
fn rate_limit_memory_is_bounded_by_active_clients() {
    let p = RateLimitPolicy::new(
        1,
        Duration::from_secs(1),
        RateScope::ClientDevice,
        Action::All,
        vec![],
    )
    .unwrap();
    let t0 = Instant::now();
    for round in 0..10u64 {
        let at = t0 + Duration::from_secs(2 * round);
        for d in 0..500 {
            let drf = format!("Z:D{round}X{d}");
            let mut ctx = RequestContext::new(
                Rpc::Read,
                peer(1),
                None,
                false,
                at,
                vec![Slot::for_read(0, &drf).unwrap()],
            );
            p.check(&mut ctx).unwrap();
        }
    }
    assert!(p.tracked_keys() <= 2048, "{} keys", p.tracked_keys());
}

#[test]
fn policies_cannot_change_what_is_requested() {
    // The context offers approve/deny only; out-of-range indices are ignored.
    let mut ctx = reads(&["M:OUTTMP"]);
    ctx.deny(5, "x", "y");
    ctx.approve(7);
    assert_eq!(ctx.slots().len(), 1);
    assert_eq!(ctx.slots()[0].canonical(), "M:OUTTMP.READING");
}

mod properties {
    use proptest::prelude::*;

    use crate::context::Slot;
    use pacsys_types::Value;

    proptest! {
        /// The gate never panics, whatever the bytes.
        #[test]
        fn the_gate_never_panics(drf in "\\PC{0,80}") {
            let _ = Slot::for_read(0, &drf);
            let _ = Slot::for_set(0, &drf, Value::Scalar(1.0));
        }

        /// What is forwarded (the canonical text) names exactly the device the policies
        /// judged: no parser differential between the check and the backend.
        #[test]
        fn the_forwarded_text_names_the_judged_device(
            first in "[A-Za-z]",
            qualifier in "[:?_|&@$~^!]",
            name in "[A-Za-z0-9_]{1,12}",
            tail in prop::sample::select(vec!["", ".RAW", "[0:3]", "@p,1000", "@I", ".SETTING@N", "{0:2}", "<-LOGGER:1:2", "@e,0f"]),
        ) {
            let drf = format!("{first}{qualifier}{name}{tail}");
            if let Ok(slot) = Slot::for_read(0, &drf) {
                let again = Slot::for_read(0, slot.canonical()).unwrap();
                prop_assert_eq!(again.names(), slot.names());
                prop_assert_eq!(again.canonical(), slot.canonical());
                prop_assert!(slot.device().starts_with(&first.to_ascii_uppercase()));
            }
            if !tail.starts_with("<-")
                && let Ok(slot) = Slot::for_set(0, &drf, Value::Scalar(1.0))
            {
                let again = Slot::for_set(0, slot.canonical(), Value::Scalar(1.0)).unwrap();
                prop_assert_eq!(again.names(), slot.names());
                prop_assert_eq!(again.canonical(), slot.canonical());
            }
        }
    }
}
