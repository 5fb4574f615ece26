//! A throwaway MIT Kerberos realm for tests: a private database, `krb5kdc` on 127.0.0.1 on
//! a free port, keytabs and credential caches in a temporary folder, all removed again (the
//! KDC is killed by its PID) when the [`TestRealm`] is dropped.
//!
//! Everything is configured through files in the folder; the environment a GSS-API process
//! needs to use the realm is returned by [`TestRealm::env`] for the caller to apply (MIT
//! Kerberos reads `KRB5_CONFIG`, `KRB5CCNAME` and `KRB5_KTNAME` from the process
//! environment). Uses only the MIT programs (`kdb5_util`, `kadmin.local`, `krb5kdc`,
//! `kinit`); [`TestRealm::missing_programs`] says which are absent so tests can skip.
//!
//! ```no_run
//! use pacsys_sim::kdc::TestRealm;
//!
//! if let Some(missing) = TestRealm::missing_programs() {
//!     eprintln!("skipping: {missing}");
//!     return;
//! }
//! let realm = TestRealm::start("PACSYS.TEST").unwrap();
//! realm.add_principal("alice").unwrap();
//! let cc = realm.kinit("alice", None).unwrap();
//! println!("KRB5_CONFIG={} KRB5CCNAME={}", realm.krb5_conf().display(), cc.display());
//! ```

use std::ffi::OsString;
use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The MIT programs the realm needs.
const PROGRAMS: [&str; 4] = ["kdb5_util", "kadmin.local", "krb5kdc", "kinit"];

/// Folders searched besides `PATH` (Debian installs the KDC programs in `/usr/sbin`).
const EXTRA_DIRS: [&str; 2] = ["/usr/sbin", "/sbin"];

/// Longest wait for the KDC to listen.
const KDC_START: Duration = Duration::from_secs(10);

/// A running throwaway realm. Dropping it kills the KDC (by PID) and removes its folder.
#[derive(Debug)]
pub struct TestRealm {
    realm: String,
    dir: PathBuf,
    port: u16,
    kdc: Option<Child>,
}

fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn other(msg: String) -> io::Error {
    io::Error::other(msg)
}

/// A free port on 127.0.0.1 for both TCP and UDP (checked, then released).
fn free_port() -> io::Result<u16> {
    for _ in 0..20 {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = tcp.local_addr()?.port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(other("no free port for the KDC".into()))
}

fn unique_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "pacsys-kdc-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

impl TestRealm {
    /// `Some(reason)` when a program the realm needs is not installed.
    pub fn missing_programs() -> Option<String> {
        let missing: Vec<&str> = PROGRAMS
            .iter()
            .copied()
            .filter(|p| find(p).is_none())
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "MIT Kerberos programs not found: {} (apt-get install krb5-kdc krb5-admin-server krb5-user)",
                missing.join(", ")
            )
        })
    }

    /// Starts `realm` with the given principals for the test `test`, or `None` (with the
    /// reason printed) when the MIT programs are missing outside CI. Under CI (`CI` set) a
    /// missing program fails the test: the suite must not pass by skipping it.
    pub fn start_for_test(realm: &str, principals: &[&str], test: &str) -> Option<TestRealm> {
        if let Some(missing) = TestRealm::missing_programs() {
            assert!(
                std::env::var_os("CI").is_none(),
                "Kerberos test prerequisite missing in CI: {missing}"
            );
            eprintln!("SKIPPING {test}: {missing}");
            return None;
        }
        let started =
            TestRealm::start(realm).unwrap_or_else(|e| panic!("start the test realm {realm}: {e}"));
        for p in principals {
            started
                .add_principal(p)
                .unwrap_or_else(|e| panic!("add the principal {p}: {e}"));
        }
        Some(started)
    }

    /// Creates the realm `realm` (e.g. `PACSYS.TEST`) in a new temporary folder and starts
    /// its KDC on 127.0.0.1 on a free port.
    pub fn start(realm: &str) -> io::Result<TestRealm> {
        if let Some(missing) = TestRealm::missing_programs() {
            return Err(io::Error::new(io::ErrorKind::NotFound, missing));
        }
        let dir = unique_dir()?;
        let port = free_port()?;
        let mut this = TestRealm {
            realm: realm.to_owned(),
            dir,
            port,
            kdc: None,
        };
        this.write_config()?;
        this.run(
            "kdb5_util",
            &["-r", realm, "create", "-s", "-P", "pacsys-test-master"],
        )?;
        let log = fs::File::create(this.dir.join("krb5kdc.out"))?;
        let kdc = Command::new(find("krb5kdc").unwrap_or_else(|| "krb5kdc".into()))
            .args(["-n", "-r", realm])
            .envs(this.env_for(None, None))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        this.kdc = Some(kdc);
        this.wait_listening()?;
        Ok(this)
    }

    fn write_config(&self) -> io::Result<()> {
        let (realm, port, dir) = (&self.realm, self.port, self.dir.display());
        fs::write(
            self.krb5_conf(),
            format!(
                "[libdefaults]\n  default_realm = {realm}\n  dns_lookup_realm = false\n  dns_lookup_kdc = false\n  rdns = false\n  dns_canonicalize_hostname = false\n  ignore_acceptor_hostname = true\n  forwardable = false\n  udp_preference_limit = 1\n  default_ccache_name = FILE:{dir}/ccache-default\n\n[realms]\n  {realm} = {{\n    kdc = 127.0.0.1:{port}\n  }}\n"
            ),
        )?;
        fs::write(
            self.dir.join("kdc.conf"),
            format!(
                "[kdcdefaults]\n  kdc_listen = 127.0.0.1:{port}\n  kdc_tcp_listen = 127.0.0.1:{port}\n\n[realms]\n  {realm} = {{\n    database_name = {dir}/principal\n    key_stash_file = {dir}/stash\n    acl_file = {dir}/kadm5.acl\n    kdc_listen = 127.0.0.1:{port}\n    kdc_tcp_listen = 127.0.0.1:{port}\n    max_life = 10h\n    max_renewable_life = 0\n  }}\n\n[logging]\n  kdc = FILE:{dir}/kdc.log\n  default = FILE:{dir}/kdc.log\n"
            ),
        )?;
        fs::write(self.dir.join("kadm5.acl"), "")?;
        Ok(())
    }

    fn wait_listening(&mut self) -> io::Result<()> {
        let until = Instant::now() + KDC_START;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(kdc) = &mut self.kdc
                && let Ok(Some(status)) = kdc.try_wait()
            {
                let log = fs::read_to_string(self.dir.join("krb5kdc.out")).unwrap_or_default();
                return Err(other(format!("krb5kdc exited ({status}): {log}")));
            }
            if Instant::now() > until {
                return Err(other(format!(
                    "krb5kdc did not listen on {addr} within {KDC_START:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The environment for one process: the realm's config, and optionally a credential
    /// cache and a keytab.
    fn env_for(
        &self,
        ccache: Option<&Path>,
        keytab: Option<&Path>,
    ) -> Vec<(&'static str, OsString)> {
        let mut env = vec![
            ("KRB5_CONFIG", self.krb5_conf().into_os_string()),
            (
                "KRB5_KDC_PROFILE",
                self.dir.join("kdc.conf").into_os_string(),
            ),
            ("KRB5RCACHEDIR", self.dir.clone().into_os_string()),
        ];
        if let Some(cc) = ccache {
            let mut v = OsString::from("FILE:");
            v.push(cc);
            env.push(("KRB5CCNAME", v));
        }
        if let Some(kt) = keytab {
            let mut v = OsString::from("FILE:");
            v.push(kt);
            env.push(("KRB5_KTNAME", v));
        }
        env
    }

    /// The environment a GSS-API user of this realm needs: `KRB5_CONFIG`,
    /// `KRB5_KDC_PROFILE`, `KRB5RCACHEDIR`, and `KRB5CCNAME` / `KRB5_KTNAME` when given.
    pub fn env(
        &self,
        ccache: Option<&Path>,
        keytab: Option<&Path>,
    ) -> Vec<(&'static str, OsString)> {
        self.env_for(ccache, keytab)
    }

    fn run(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let path = find(program).ok_or_else(|| other(format!("{program} not found")))?;
        let out = Command::new(path)
            .args(args)
            .envs(self.env_for(None, None))
            .stdin(Stdio::null())
            .output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(other(format!(
                "{program} {} failed ({}): {}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    fn qualified(&self, name: &str) -> String {
        if name.contains('@') {
            name.to_owned()
        } else {
            format!("{name}@{}", self.realm)
        }
    }

    /// The realm name.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The KDC's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The realm's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The client configuration file (`KRB5_CONFIG`).
    pub fn krb5_conf(&self) -> PathBuf {
        self.dir.join("krb5.conf")
    }

    /// The KDC's process id while it runs.
    pub fn kdc_pid(&self) -> Option<u32> {
        self.kdc.as_ref().map(Child::id)
    }

    /// Adds a principal with a random key (`alice`, `daeset/bd/dce01.fnal.gov`; the realm is
    /// appended when missing).
    pub fn add_principal(&self, name: &str) -> io::Result<()> {
        let q = format!("addprinc -randkey {}", self.qualified(name));
        self.run("kadmin.local", &["-r", &self.realm, "-q", &q])
    }

    /// Writes the keys of `name` to a keytab in the realm's folder (file name derived from
    /// the principal) and returns its path.
    pub fn keytab(&self, name: &str) -> io::Result<PathBuf> {
        let file = self
            .dir
            .join(format!("{}.keytab", name.replace(['/', '@', '.'], "_")));
        let q = format!(
            "ktadd -k {} -norandkey {}",
            file.display(),
            self.qualified(name)
        );
        self.run("kadmin.local", &["-r", &self.realm, "-q", &q])?;
        Ok(file)
    }

    /// Gets a ticket for `name` (from its keytab) into a new credential cache in the realm's
    /// folder, with an optional lifetime such as `"5s"`, and returns the cache's path.
    pub fn kinit(&self, name: &str, lifetime: Option<&str>) -> io::Result<PathBuf> {
        let keytab = self.keytab(name)?;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let cc = self.dir.join(format!(
            "ccache-{}-{}",
            name.replace(['/', '@', '.'], "_"),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let principal = self.qualified(name);
        let keytab_text = keytab.display().to_string();
        let mut args = vec!["-k", "-t", &keytab_text];
        if let Some(l) = lifetime {
            args.extend(["-l", l]);
        }
        args.push(&principal);
        let path = find("kinit").ok_or_else(|| other("kinit not found".into()))?;
        let out = Command::new(path)
            .args(&args)
            .envs(self.env_for(Some(&cc), None))
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(other(format!(
                "kinit {principal} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(cc)
    }

    /// Stops the KDC (by PID) now; also done on drop.
    pub fn stop(&mut self) {
        if let Some(mut kdc) = self.kdc.take() {
            let _ = kdc.kill();
            let _ = kdc.wait();
        }
    }
}

impl Drop for TestRealm {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
