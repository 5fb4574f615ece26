//! The `pacsys-sim` binary: its READY line, that it serves DPM (and with `--grpc-port` DAQ
//! gRPC over the same world) on the ports it prints, and `--list-devices`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use support::raw::RawClient;

const SIM: &str = env!("CARGO_BIN_EXE_pacsys-sim");

/// Kills the simulator however the test ends.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn list_devices_prints_the_table_as_json_lines() {
    let out = Command::new(SIM)
        .arg("--list-devices")
        .output()
        .expect("run pacsys-sim");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), pacsys_sim::SimWorld::default_table().len());
    let outtmp = lines
        .iter()
        .find(|l| l.contains("\"M:OUTTMP\""))
        .expect("M:OUTTMP listed");
    assert_eq!(
        *outtmp,
        r#"{"name":"M:OUTTMP","index":140013,"description":"Outdoor temperature","units":"DegF","kind":"scalar","settable":true}"#
    );
    assert!(lines.iter().all(|l| l.starts_with('{') && l.ends_with('}')));
}

#[tokio::test]
async fn ready_line_names_a_port_that_serves_dpm() {
    let mut child = Command::new(SIM)
        .args(["--dpm-port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pacsys-sim");
    let stdout = child.stdout.take().expect("stdout");
    let _sim = Sim(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(support::raw::WAIT, line)
        .await
        .expect("READY in time")
        .expect("reader thread")
        .expect("a line");
    let port: u16 = line
        .trim()
        .strip_prefix("READY dpm=")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let mut c = RawClient::connect(([127, 0, 0, 1], port).into()).await;
    c.send(vec![c.add(1, "Z:BENCH0042@I"), c.start()]).await;
    let value = loop {
        if let pacsys_dpm_proto::Reply::Scalar(s) = c.reply().await {
            break s.data;
        }
    };
    assert_eq!(value, 42.0);
}

#[tokio::test]
async fn grpc_port_serves_daq_over_the_same_world() {
    use pacsys_grpc_core::proto::common::device::{Value, value::Value as Arm};
    use pacsys_grpc_core::proto::services::daq::{Setting, SettingList, daq_client::DaqClient};

    let mut child = Command::new(SIM)
        .args(["--dpm-port", "0", "--grpc-port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pacsys-sim");
    let stdout = child.stdout.take().expect("stdout");
    let _sim = Sim(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(support::raw::WAIT, line)
        .await
        .expect("READY in time")
        .expect("reader thread")
        .expect("a line");
    let ports: Vec<u16> = line
        .trim()
        .strip_prefix("READY ")
        .map(|rest| {
            rest.split(' ')
                .filter_map(|kv| kv.split_once('=').and_then(|(_, v)| v.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        line.starts_with("READY dpm=") && line.contains(" grpc="),
        "{line:?}"
    );
    let (dpm, grpc) = (ports[0], ports[1]);
    // A setting made over gRPC...
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{grpc}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let reply = DaqClient::new(channel)
        .set(SettingList {
            setting: vec![Setting {
                device: "Z:BENCH0042.SETTING@N".into(),
                value: Some(Value {
                    value: Some(Arm::Scalar(4242.0)),
                }),
            }],
        })
        .await
        .expect("set")
        .into_inner();
    assert_eq!(reply.status.len(), 1);
    assert_eq!(reply.status[0].status_code, 0);
    // ...is what DPM reads.
    let mut c = RawClient::connect(([127, 0, 0, 1], dpm).into()).await;
    c.send(vec![c.add(1, "Z:BENCH0042@I"), c.start()]).await;
    let value = loop {
        if let pacsys_dpm_proto::Reply::Scalar(s) = c.reply().await {
            break s.data;
        }
    };
    assert_eq!(value, 4242.0);
}

#[test]
fn an_unreadable_replay_stops_start_up_naming_the_file() {
    let missing = "/nonexistent/pacsys-sim-replay.parquet";
    let child = Command::new(SIM)
        .args([
            "--dpm-port",
            "0",
            "--replay",
            missing,
            "--speed",
            "2",
            "--loop",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pacsys-sim");
    let mut sim = Sim(child);
    let deadline = std::time::Instant::now() + support::raw::WAIT;
    let status = loop {
        if let Some(status) = sim.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "pacsys-sim kept running without its recording"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    let mut stdout = String::new();
    use std::io::Read;
    if let Some(mut e) = sim.0.stderr.take() {
        e.read_to_string(&mut stderr).expect("stderr");
    }
    if let Some(mut o) = sim.0.stdout.take() {
        o.read_to_string(&mut stdout).expect("stdout");
    }
    assert!(stderr.contains(missing), "{stderr:?}");
    assert!(!stdout.contains("READY"), "{stdout:?}");
}
