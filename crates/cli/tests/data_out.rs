//! Data leaving the command line: `monitor --record` (a crash-safe Parquet dataset),
//! `--format parquet` on stdout, `history --output` and `--plot`, and the live chart under a
//! pty. Every recording is read back with pacsys-record and compared with what the same run
//! printed as JSON lines, so a row that differs from what the client received fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use pacsys_record::{RecordedEvent, read_events};
use pacsys_types::{Event, Value};

mod common;
use common::*;

/// A fresh path under the system temp folder, removed (file or folder) on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str) -> Temp {
        let path = std::env::temp_dir().join(format!(
            "pacsys-data-out-{}-{}-{name}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        Temp(path)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        let _ = std::fs::remove_file(&self.0);
    }
}

/// (drf, value, timestamp in ms) of each JSON reading line, in order.
fn json_readings(stdout: &str) -> Vec<(String, Option<f64>, Option<i64>)> {
    stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|j| j.get("error").is_none())
        .map(|j| {
            let ts = j["timestamp"].as_str().map(|t| {
                t.parse::<jiff::Timestamp>()
                    .expect("an RFC 3339 timestamp")
                    .as_millisecond()
            });
            (
                j["drf"].as_str().unwrap_or_default().to_owned(),
                j["value"].as_f64(),
                ts,
            )
        })
        .collect()
}

fn millis(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => i64::MIN,
    }
}

/// The same triple for each recorded reading, in recording order.
fn recorded_readings(events: &[RecordedEvent]) -> Vec<(String, Option<f64>, Option<i64>)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Reading(r) if !r.is_error() => Some((
                r.drf.to_string(),
                r.value.as_ref().and_then(Value::as_f64),
                r.timestamp.map(millis),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn monitor_record_holds_exactly_what_the_client_printed() {
    let dir = Temp::new("monitor.parquet");
    let r = run(pacsys(&[
        "--sim",
        "monitor",
        "Z:SINE@p,50",
        "M:OUTTMP@p,100",
        "Z:BROKEN@p,100",
        "--duration",
        "2s",
        "--format",
        "json",
        "--record",
        dir.arg(),
        "--record-interval",
        "300ms",
    ]));
    // Exit 1: Z:BROKEN failed (and is recorded as such).
    assert_eq!(r.code, Some(1), "{r:?}");
    let printed = json_readings(&r.stdout);
    assert!(printed.len() > 40, "{r:?}");
    let events = read_events(dir.path()).expect("the dataset reads back");
    assert_eq!(recorded_readings(&events), printed);
    // The failed request is a row of its own, with its ACNET status.
    assert!(
        events.iter().any(|e| match &e.event {
            Event::Error { drf, status } =>
                drf.as_ref() == "Z:BROKEN@p,100" && status.error() == -82,
            Event::Reading(r) => r.drf.as_ref() == "Z:BROKEN@p,100" && r.status.error() == -82,
            _ => false,
        }),
        "no Z:BROKEN error row"
    );
    // Several part files: groups were closed as the stream went.
    let parts = std::fs::read_dir(dir.path())
        .expect("a folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
        .count();
    assert!(parts >= 3, "{parts} parts");
    assert!(r.stderr.contains("pacsys: recorded"), "{}", r.stderr);
}

#[test]
fn format_parquet_writes_one_file_to_stdout() {
    let mut c = pacsys(&[
        "--sim",
        "monitor",
        "Z:RAMP@p,100",
        "Z:ACLTST[0:3]@p,200",
        "Z:TEXTDV@p,500",
        "--count",
        "5",
        "--format",
        "parquet",
    ]);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = c.output().expect("run pacsys");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(&out.stdout[..4], b"PAR1");
    let file = Temp::new("stdout.parquet");
    std::fs::write(file.path(), &out.stdout).expect("written");
    let events = read_events(file.path()).expect("reads back");
    let count = |drf: &str| {
        events
            .iter()
            .filter(|e| matches!(&e.event, Event::Reading(r) if r.drf.as_ref() == drf))
            .count()
    };
    assert_eq!(count("Z:RAMP@p,100"), 5);
    assert_eq!(count("Z:ACLTST[0:3]@p,200"), 5);
    assert_eq!(count("Z:TEXTDV@p,500"), 5);
    let array = events.iter().find_map(|e| match &e.event {
        Event::Reading(r) if r.drf.as_ref() == "Z:ACLTST[0:3]@p,200" => r.value.clone(),
        _ => None,
    });
    assert_eq!(array, Some(Value::Array(vec![0.0, 0.5, 1.0, 1.5])));
    let units = events.iter().find_map(|e| match &e.event {
        Event::Reading(r) if r.drf.as_ref() == "Z:RAMP@p,100" => r.units().map(str::to_owned),
        _ => None,
    });
    assert_eq!(units.as_deref(), Some("A"));
}

#[test]
fn parquet_on_a_terminal_or_over_an_existing_folder_is_a_usage_error() {
    let dir = Temp::new("exists.parquet");
    std::fs::create_dir_all(dir.path()).expect("made");
    let r = run(pacsys(&[
        "--sim",
        "monitor",
        "Z:SINE@p,100",
        "--record",
        dir.arg(),
    ]));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    let r = run(pacsys(&[
        "--sim", "put", "G:AMANDA", "1", "--format", "parquet",
    ]));
    assert_eq!(r.code, Some(2), "{r:?}");
    let r = run(pacsys(&[
        "--sim", "history", "Z:SINE", "--start", "-1m", "--plot", "x.jpg",
    ]));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains(".png or .svg"), "{}", r.stderr);
}

/// Starts a long `monitor --record` with JSON lines on stdout; returns the child, the
/// stdout collector and when the first line arrived.
fn long_recording(dir: &Temp, interval: &str) -> (Guard, std::sync::mpsc::Receiver<String>) {
    let mut c = pacsys(&[
        "--sim",
        "monitor",
        "Z:SINE@p,20",
        "Z:RAMP@p,20",
        "--format",
        "json",
        "--record",
        dir.arg(),
        "--record-interval",
        interval,
    ]);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Guard(c.spawn().expect("spawn pacsys"));
    let out = drain(child.0.stdout.take().expect("stdout"));
    (child, out)
}

fn wait_exit(child: &mut Guard) -> Option<i32> {
    let deadline = Instant::now() + LIMIT;
    loop {
        match child.0.try_wait() {
            Ok(Some(status)) => {
                use std::os::unix::process::ExitStatusExt as _;
                return status.code().or(status.signal().map(|s| 128 + s));
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => panic!("pacsys did not end within {LIMIT:?}"),
        }
    }
}

fn signal(child: &Guard, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.0.id().to_string()])
        .status()
        .expect("kill(1)");
    assert!(status.success());
}

#[test]
fn ctrl_c_closes_the_recording_with_nothing_lost() {
    let dir = Temp::new("sigint.parquet");
    let (mut child, out) = long_recording(&dir, "1s");
    std::thread::sleep(Duration::from_millis(2_500));
    signal(&child, "-INT");
    assert_eq!(wait_exit(&mut child), Some(130));
    let printed = json_readings(&out.recv_timeout(LIMIT).expect("stdout"));
    assert!(printed.len() > 50, "{}", printed.len());
    let events = read_events(dir.path()).expect("the dataset reads back");
    // A clean stop closes the open group: every printed reading is in the recording.
    assert_eq!(recorded_readings(&events), printed);
}

#[test]
fn a_killed_recording_stays_readable_and_loses_at_most_the_open_group() {
    let dir = Temp::new("sigkill.parquet");
    let interval = Duration::from_millis(500);
    let (mut child, out) = long_recording(&dir, "500ms");
    std::thread::sleep(Duration::from_millis(3_200));
    signal(&child, "-KILL");
    assert_eq!(wait_exit(&mut child), Some(128 + 9));
    let printed = json_readings(&out.recv_timeout(LIMIT).expect("stdout"));
    let events = read_events(dir.path()).expect("the closed parts read back");
    let recorded = recorded_readings(&events);
    assert!(recorded.len() > 50, "{}", recorded.len());
    // What was recorded is exactly the start of what was printed ...
    assert_eq!(recorded[..], printed[..recorded.len()]);
    // ... and what was lost is the tail received within one group interval (plus the time
    // the encoder needs to close a group, and the timer's tick).
    let lost = &printed[recorded.len()..];
    if let (Some(first), Some(last)) = (lost.first(), printed.last()) {
        let span = last.2.unwrap_or(0) - first.2.unwrap_or(0);
        let bound = i64::try_from(interval.as_millis()).unwrap_or(0) + 700;
        assert!(span <= bound, "lost {} readings over {span} ms", lost.len());
    }
    // No temp file is mistaken for data, and the parts are plain Parquet files.
    for entry in std::fs::read_dir(dir.path()).expect("a folder").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".parquet") && !name.starts_with('.') {
            let bytes = std::fs::read(entry.path()).expect("readable");
            assert_eq!(&bytes[bytes.len() - 4..], b"PAR1", "{name}");
        }
    }
}

#[test]
fn history_output_and_plots_of_several_drfs() {
    let file = Temp::new("history.parquet");
    let png = Temp::new("history.png");
    let svg = Temp::new("history.svg");
    let r = run(pacsys(&[
        "--sim",
        "history",
        "Z:SINE",
        "Z:RAMP",
        "--start",
        "-10m",
        "--format",
        "json",
        "--output",
        file.arg(),
        "--plot",
        png.arg(),
    ]));
    assert_eq!(r.code, Some(0), "{r:?}");
    let printed = json_readings(&r.stdout);
    assert!(printed.len() >= 2 * 590, "{}", printed.len());
    let events = read_events(file.path()).expect("reads back");
    assert_eq!(recorded_readings(&events), printed);
    assert!(r.stderr.contains("plotted"), "{}", r.stderr);
    let bytes = std::fs::read(png.path()).expect("a PNG");
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().expect("decodes");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!((info.width, info.height), (1200, 600));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    // Not blank: the two lines' colours (the first two of the palette) cover many pixels.
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks_exact(3).collect();
    let count = |rgb: [u8; 3]| pixels.iter().filter(|p| **p == rgb).count();
    assert!(count([0, 114, 178]) > 1_000, "Z:SINE's line");
    assert!(count([230, 159, 0]) > 1_000, "Z:RAMP's line");

    // SVG, with a device that fails: its failure is marked and the exit code says so.
    let r = run(pacsys(&[
        "--sim",
        "history",
        "Z:SINE",
        "Z:NOSUCH",
        "--start",
        "-5m",
        "--plot",
        svg.arg(),
        "--plot-size",
        "800x400",
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    let text = std::fs::read_to_string(svg.path()).expect("an SVG");
    assert!(text.contains("width=\"800\""), "size");
    assert!(text.contains("Z:SINE [V]"), "legend with units");
    assert!(text.contains("errors (1)"), "the failure is marked");
    assert!(text.matches("<polyline").count() >= 1, "a line");
}

#[test]
fn the_live_chart_draws_in_place_and_restores_the_terminal() {
    // Runs to its --duration, then (second run) is stopped by SIGINT from `timeout`.
    for (inner, want) in [
        (
            format!("{BIN} --sim monitor Z:SINE@p,50 Z:RAMP@p,50 --chart --duration 2s"),
            0,
        ),
        (
            format!(
                "timeout --preserve-status -s INT 2 {BIN} --sim monitor Z:SINE@p,50 --chart --chart-window 10s"
            ),
            130,
        ),
    ] {
        let Some(r) = under_pty(&inner) else { return };
        assert_eq!(r.code, Some(want), "{inner}: {r:?}");
        let screen = &r.stdout;
        assert!(
            screen.contains("\x1b[?1049h"),
            "enters the alternate screen"
        );
        assert!(screen.contains("\x1b[?1049l"), "leaves it: {screen:?}");
        assert!(screen.contains("\x1b[?25h"), "shows the cursor again");
        assert!(screen.contains("Z:SINE@p,50"), "legend");
        let braille = screen
            .chars()
            .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
            .count();
        assert!(braille > 20, "the line is drawn ({braille})");
        assert!(
            r.stderr.is_empty() || !r.stderr.contains("panicked"),
            "{}",
            r.stderr
        );
    }
    // Not a terminal: a usage error, nothing drawn.
    let r = run(pacsys(&["--sim", "monitor", "Z:SINE@p,50", "--chart"]));
    assert_eq!(r.code, Some(2), "{r:?}");
}

#[test]
fn a_recording_replays_through_pacsys_sim_in_order_on_both_transports() {
    let dir = Temp::new("replay.parquet");
    let rec = run(pacsys(&[
        "--sim",
        "monitor",
        "Z:SINE@p,100",
        "Z:RAMP@p,100",
        "--count",
        "20",
        "--format",
        "json",
        "--record",
        dir.arg(),
    ]));
    assert_eq!(rec.code, Some(0), "{rec:?}");
    let recorded = json_readings(&rec.stdout);
    let values = |lines: &[(String, Option<f64>, Option<i64>)], device: &str| -> Vec<f64> {
        lines
            .iter()
            .filter(|l| l.0.starts_with(device))
            .filter_map(|l| l.1)
            .collect()
    };
    let sine = values(&recorded, "Z:SINE");
    let ramp = values(&recorded, "Z:RAMP");
    assert_eq!((sine.len(), ramp.len()), (20, 20));

    let sim = sim_with(&["--replay", dir.arg(), "--speed", "4"]);
    for (backend, port) in [("dpm", &sim.dpm), ("grpc", &sim.grpc)] {
        // Any period: a replayed device plays its recording at the recorded pace (x4).
        let r = ok(&[
            "--backend",
            backend,
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "monitor",
            "Z:SINE@p,1000",
            "Z:RAMP@p,1000",
            "M:OUTTMP@p,200",
            "--count",
            "20",
            "--format",
            "json",
        ]);
        let got = json_readings(&r.stdout);
        assert_eq!(values(&got, "Z:SINE"), sine, "{backend}");
        assert_eq!(values(&got, "Z:RAMP"), ramp, "{backend}");
        // Not in the recording: the simulated world answers.
        assert!(
            values(&got, "M:OUTTMP").iter().all(|v| *v == 72.5),
            "{backend}"
        );
        let unknown = run(pacsys(&[
            "--backend",
            backend,
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "get",
            "Z:NOSUCH",
        ]));
        assert_eq!(unknown.code, Some(1), "{backend}: {unknown:?}");
    }
}

/// `pacsys plot` draws a recording made by `monitor --record`: every DRF in the legend.
#[test]
fn plot_draws_a_recording() {
    let dir = Temp::new("plot-rec.parquet");
    ok(&[
        "--sim",
        "monitor",
        "Z:SINE@p,100",
        "Z:RAMP@p,100",
        "-n",
        "5",
        "--lines",
        "--record",
        dir.arg(),
    ]);
    let svg = Temp::new("plot.svg");
    let r = ok(&[
        "plot",
        dir.arg(),
        "--output",
        svg.arg(),
        "--size",
        "800x400",
    ]);
    assert!(r.stderr.contains("pacsys: plotted 10 samples"), "{r:?}");
    let text = std::fs::read_to_string(svg.path()).expect("the image");
    for drf in ["Z:SINE@p,100", "Z:RAMP@p,100"] {
        assert!(text.contains(drf), "{drf} in the legend");
    }
    // A file that is not a recording, or an image kind it cannot draw, is an error.
    let r = run(pacsys(&["plot", svg.arg(), "--output", "x.png"]));
    assert_eq!(r.code, Some(1), "{r:?}");
    let r = run(pacsys(&["plot", dir.arg(), "--output", "x.jpg"]));
    assert_eq!(r.code, Some(2), "{r:?}");
}

/// `get --file` reads a DRF list beside the arguments, in order.
#[test]
fn get_reads_a_drf_list_from_a_file() {
    let list = Temp::new("drfs.txt");
    std::fs::write(list.path(), "# devices\nG:AMANDA\n\n  Z:NOPE  \n").expect("written");
    let r = run(pacsys(&[
        "--sim",
        "get",
        "M:OUTTMP",
        "--file",
        list.arg(),
        "--format",
        "json",
    ]));
    assert_eq!(r.code, Some(1), "Z:NOPE fails: {r:?}");
    let drfs: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            v["drf"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(drfs, ["M:OUTTMP", "G:AMANDA", "Z:NOPE"], "{r:?}");
    let r = run(pacsys(&[
        "--sim",
        "get",
        "--file",
        "/nonexistent-pacsys/x.txt",
    ]));
    assert_eq!(r.code, Some(2), "{r:?}");
}
