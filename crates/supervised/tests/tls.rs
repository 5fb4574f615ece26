//! The proxy over TLS (feature `tls`), with a throwaway self-signed certificate made by the
//! `openssl` command (skipped with a printed reason when it is missing).
#![cfg(feature = "tls")]

use std::process::Command;
use std::time::Duration;

use futures::StreamExt;
use pacsys_grpc_core::proto::services::daq::{ReadingList, daq_client::DaqClient};
use pacsys_supervised::SupervisedServer;
use pacsys_testing::FakeBackend;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_tls() {
    let dir = std::env::temp_dir().join(format!("pacsys-supervised-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        // `.ci/run` installs openssl: under CI this is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl could not make a certificate under CI: {made:?}"
        );
        eprintln!("skipped: openssl could not make a certificate ({made:?})");
        return;
    }
    let cert_pem = std::fs::read(&cert).unwrap();
    let key_pem = std::fs::read(&key).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let server = SupervisedServer::new(FakeBackend::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .tls(cert_pem.clone(), key_pem)
        .start()
        .await
        .unwrap();
    let port = server.port();
    let run = tokio::time::timeout(Duration::from_secs(30), async {
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&cert_pem))
            .domain_name("localhost");
        let channel = Channel::from_shared(format!("https://127.0.0.1:{port}"))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut c = DaqClient::new(channel);
        let mut s = c
            .read(ReadingList {
                drf: vec!["M:OUTTMP@I".into()],
            })
            .await
            .unwrap()
            .into_inner();
        let reply = s.next().await.unwrap().unwrap();
        assert_eq!(reply.index, 0);
        // Plaintext is refused on the TLS port.
        let plain = Channel::from_shared(format!("http://127.0.0.1:{port}"))
            .unwrap()
            .connect()
            .await;
        if let Ok(channel) = plain {
            let r = DaqClient::new(channel)
                .read(ReadingList {
                    drf: vec!["M:OUTTMP@I".into()],
                })
                .await;
            assert!(r.is_err());
        }
    })
    .await;
    server.shutdown().await;
    run.unwrap();
}
