//! Long and adversarial inputs: parsing stays linear-time and never panics.

use pacsys_drf::Request;

fn check(input: &str) {
    // Whatever the verdict, no panic and a sane error offset.
    match Request::parse(input) {
        Ok(r) => {
            let _ = r.to_string();
        }
        Err(e) => assert!(e.offset() <= input.len(), "{e:?}"),
    }
}

#[test]
fn long_inputs_finish_quickly() {
    const N: usize = 200_000;
    let cases = [
        format!("abc{}", ".a".repeat(N)),
        format!("abc{}", ".aaaaaaaaaa[0".repeat(N / 10)),
        format!("abc.x[{}.", "0".repeat(N)),
        format!("M:{}", "A".repeat(N)),
        format!("M:OUTTMP{}", "{".repeat(N)),
        format!("M:OUTTMP{{{}", "a".repeat(N)),
        format!("abc{}", "@".repeat(N)),
        format!("abc{}", "[".repeat(N)),
        format!("M:OUTTMP@S,{},1,2,=", "x,".repeat(N)),
        format!("M:OUTTMP@E,{}", "F".repeat(N)),
        format!("M:OUTTMP[{}]", "9".repeat(N)),
        format!("M:OUTTMP@P,{}", "9".repeat(N)),
        format!("M:OUTTMP<-FTP:{}", "<".repeat(N)),
        format!("{}\n", "ab.".repeat(N)),
        "\n".repeat(N),
        "<-".repeat(N),
    ];
    let start = std::time::Instant::now();
    for c in &cases {
        check(c);
    }
    // Not a timing assertion on speed, only a guard against quadratic behaviour
    // (quadratic would take minutes here even in a release build).
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
}
