//! Test harness for the chapter binaries: start one on a free port, talk raw
//! HTTP to it over `TcpStream`s, read its log. The child is killed on drop,
//! so also when a test fails.

pub mod browser;
pub mod chapters;
pub mod checker_runs;
pub mod docs;
pub mod hardening;
pub mod many_silent;
pub mod robustness;
pub mod scaling;
pub mod startup;
pub mod suite;
pub mod timeline;
pub mod windows_paths;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a test waits for something that takes milliseconds on an idle
/// machine (a start-up line, a log line, an answer): a guard against a hang,
/// never a measurement, so it is long enough for a laptop that is compiling
/// beside the tests. A test that is about time asserts an order of events
/// instead (see docs/en/testing.md).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// True where this Windows build runs under Wine, which has the registry
/// key `HKLM\Software\Wine` (asked once, with Windows' `reg`); false on
/// Windows itself and on every other system.
pub fn under_wine() -> bool {
    #[cfg(windows)]
    {
        static WINE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *WINE.get_or_init(|| {
            Command::new("reg")
                .args(["query", r"HKLM\Software\Wine"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
    }
    #[cfg(not(windows))]
    {
        false
    }
}

/// True, after saying so on standard error (`SKIP test: why`), where a
/// test cannot send the server Ctrl+C (SIGINT) or SIGTERM: on Windows Ctrl+C
/// reaches only the processes of the sender's own console, which a test
/// cannot target without `unsafe` calls. Whole tests are
/// `#[cfg_attr(windows, ignore = ...)]` instead; only `docs.rs` asks this,
/// for the part of its check that needs the stop line.
pub fn skip_without_signals(test: &str) -> bool {
    if cfg!(unix) {
        return false;
    }
    eprintln!(
        "SKIP {test}: no way to send a process Ctrl+C or SIGTERM here; Linux and macOS run this test"
    );
    true
}

/// Raises this process's soft limit on open descriptors as far as the hard
/// limit allows (macOS's Terminal starts at 256), and returns it (with the
/// checker's helper). The servers a test starts afterwards inherit it.
/// Windows limits sockets by memory, not by a descriptor count.
pub fn raise_descriptor_limit() -> u64 {
    let unknown = if cfg!(unix) { 256 } else { u64::MAX };
    checker::client::raise_open_files_limit_to(u64::MAX).unwrap_or(unknown)
}

/// How many connections the system queues for a server that is not
/// accepting: the chapters ask for [`common::LISTEN_BACKLOG`], and the kernel
/// caps it (macOS at `kern.ipc.somaxconn`, 128 by default; Linux at
/// `net.core.somaxconn`, 4096). Past it macOS drops new connections' SYNs, so
/// `connect` hangs for seconds: tests open at most this many at once.
pub fn listen_queue() -> usize {
    let backlog = usize::try_from(common::LISTEN_BACKLOG).unwrap_or(128);
    backlog.min(system_listen_cap().unwrap_or(128))
}

#[cfg(target_os = "linux")]
fn system_listen_cap() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/sys/net/core/somaxconn").ok()?;
    text.trim().parse().ok()
}

#[cfg(target_os = "macos")]
fn system_listen_cap() -> Option<usize> {
    let out = Command::new("sysctl")
        .args(["-n", "kern.ipc.somaxconn"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Elsewhere (Windows) the queue's size is not read: 128 is assumed, which
/// the system grants.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn system_listen_cap() -> Option<usize> {
    None
}

/// At most `wanted` connections, fewer where the listen queue or the
/// descriptor limit would not hold them (this process and the server, which
/// inherits the limit, each hold one descriptor per connection); says so.
pub fn connections_that_fit(test: &str, wanted: usize) -> usize {
    let limit = raise_descriptor_limit();
    let queue = listen_queue();
    let descriptors = usize::try_from(limit.saturating_sub(64)).unwrap_or(usize::MAX);
    let fit = wanted.min(queue.saturating_sub(16)).min(descriptors);
    if fit < wanted {
        eprintln!(
            "NOTE {test}: {fit} connections instead of {wanted} (listen queue {queue}, descriptor limit {limit})"
        );
    }
    fit
}

/// Seconds of CPU time from `ps -o time=`: `[[DD-]HH:]MM:SS[.ff]`, as
/// macOS (`0:01.25`) and Linux (`00:00:01`) print it.
pub fn parse_cpu_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (days.parse::<f64>().ok()?, clock),
        None => (0.0, text),
    };
    let mut seconds = 0.0;
    for part in clock.split(':') {
        seconds = seconds * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(days * 86_400.0 + seconds)
}

/// Whether this test runs as root (`id -u` is 0).
#[cfg(unix)]
pub(crate) fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// A copy of a chapter binary that the unprivileged user `nobody` may run,
/// in a folder every user may enter, with a site of its own beside it; and
/// the `setpriv` (Linux's util-linux) command that runs it as `nobody`. How
/// a test run as root (CI, a container) sees what an ordinary user sees,
/// wherever the workspace was cloned: `nobody` may not enter `/root` or a
/// `mktemp -d` folder, so neither the binary nor `static/` may stay there.
#[cfg(target_os = "linux")]
pub struct AsNobody {
    dir: suite::TempDir,
    bin: PathBuf,
}

#[cfg(target_os = "linux")]
impl AsNobody {
    /// Copies `bin` and `static/` into a new folder that anyone may read.
    pub fn new(bin: &str) -> AsNobody {
        use std::os::unix::fs::PermissionsExt;
        let dir = suite::TempDir::for_everyone();
        let name = Path::new(bin).file_name().expect("a binary's file name");
        let copy = dir.path().join(name);
        // Copied by `cp`, not by this process: the tests run side by side, and
        // a file this process had open for writing may still be open in a
        // child that another test is starting (between fork and exec), which
        // makes running the copy fail with "Text file busy".
        let copied = Command::new("cp")
            .arg(bin)
            .arg(&copy)
            .status()
            .expect("run cp");
        assert!(copied.success(), "cp {bin} {}: {copied}", copy.display());
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
            .expect("chmod 755 the binary");
        let site = dir.path().join("static");
        std::fs::create_dir(&site).expect("mkdir static");
        for file in ["index.html", "index.css", "logo.png"] {
            std::fs::copy(static_dir().join(file), site.join(file)).expect("copy a static file");
        }
        AsNobody { dir, bin: copy }
    }

    /// The copied site, readable by anyone: pass it as `--static-dir`.
    pub fn site(&self) -> PathBuf {
        self.dir.path().join("static")
    }

    /// `setpriv ... BIN ARGS`: the copy, run as `nobody` (uid and gid 65534,
    /// no supplementary groups).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&self.bin)
            .args(args);
        command
    }
}

/// The workspace's `static/`.
pub fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static")
}

/// The bytes of a file under `static/`.
pub fn static_file(name: &str) -> Vec<u8> {
    std::fs::read(static_dir().join(name)).expect("static file exists")
}

/// A running chapter binary.
pub struct Server {
    child: Child,
    /// Where it listens, read from its start-up log line.
    pub addr: SocketAddr,
    log: Arc<(Mutex<Vec<String>>, Condvar)>,
}

impl Server {
    /// Starts `bin --port 0 ARGS...` and waits ([`PATIENCE`] at most) for its URL line.
    pub fn start(bin: &str, args: &[&str]) -> Server {
        Server::start_command(Server::command(bin, args))
    }

    /// The command [`Server::start`] runs: `bin --port 0 ARGS...`.
    pub fn command(bin: &str, args: &[&str]) -> Command {
        let mut command = Command::new(bin);
        command.args(["--port", "0"]).args(args);
        command
    }

    /// Starts `command` (a chapter binary, or a shell that execs one) and
    /// waits ([`PATIENCE`] at most) for its URL line.
    pub fn start_command(command: Command) -> Server {
        let mut server = Server::spawn(command);
        let addr = server.find_url(PATIENCE);
        server.addr = addr.unwrap_or_else(|| {
            panic!(
                "no URL line in {PATIENCE:?}; log:\n{}",
                server.log().join("\n")
            )
        });
        server
    }

    /// Starts `command` with its standard error collected, without waiting
    /// for anything; `addr` stays unset until [`Server::find_url`] finds it.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server binary");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = Arc::clone(&log);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let (lines, changed) = &*sink;
                lines.lock().expect("log lock").push(line);
                changed.notify_all();
            }
        });
        Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        }
    }

    /// The address in the `open http://HOST:PORT/index.html` line, if one is
    /// logged within `timeout`.
    pub fn find_url(&self, timeout: Duration) -> Option<SocketAddr> {
        let line = self.find_log("open http://", timeout)?;
        let url = line.split("open http://").nth(1)?;
        url.split('/').next()?.parse().ok()
    }

    /// The process id (of the server itself, when a shell `exec`s it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every log line so far.
    pub fn log(&self) -> Vec<String> {
        self.log.0.lock().expect("log lock").clone()
    }

    /// Waits until a log line contains `needle`, and returns it; panics after `timeout`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for_log_count(needle, 1, timeout)
    }

    /// Waits until `count` log lines contain `needle`, and returns the last of
    /// them; panics after `timeout`.
    pub fn wait_for_log_count(&self, needle: &str, count: usize, timeout: Duration) -> String {
        self.find_log_count(needle, count, timeout)
            .unwrap_or_else(|| {
                panic!(
                    "not {count} log lines with {needle:?} in {timeout:?}; log:\n{}",
                    self.log().join("\n")
                )
            })
    }

    /// Waits until a log line contains `needle`, and returns it; `None` after `timeout`.
    pub fn find_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        self.find_log_count(needle, 1, timeout)
    }

    fn find_log_count(&self, needle: &str, count: usize, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let (lines, changed) = &*self.log;
        let mut lines = lines.lock().expect("log lock");
        loop {
            let found: Vec<&String> = lines.iter().filter(|l| l.contains(needle)).collect();
            if found.len() >= count {
                return Some(found[count - 1].clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            lines = changed.wait_timeout(lines, left).expect("log lock").0;
        }
    }

    /// Sends a signal (e.g. "INT", "TERM") with the system's `kill` command.
    #[cfg(unix)]
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// There is no `kill` here: a test that signals is ignored on Windows
    /// (`#[cfg_attr(windows, ignore = ...)]`), so this is reached only when
    /// it is run anyway (`--include-ignored`), and then it fails, saying why.
    #[cfg(not(unix))]
    pub fn signal(&self, name: &str) {
        panic!(
            "cannot send SIG{name} on this system: a test cannot send Ctrl+C to another \
             process on Windows; Linux and macOS run this test"
        );
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Opens a raw connection to the server; a read waits [`PATIENCE`] at most.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect to server");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("set timeout");
        stream
    }

    /// Sends `raw` as is and reads the whole answer (the server closes).
    pub fn exchange(&self, raw: &[u8]) -> Reply {
        let mut stream = self.connect();
        stream.write_all(raw).expect("send request");
        read_reply(&mut stream)
    }

    /// `GET path` with the headers a minimal HTTP/1.1 client sends.
    pub fn get(&self, path: &str) -> Reply {
        self.exchange(request("GET", path).as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request.
pub fn request(method: &str, path: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
}

/// A response as received: the checker's (status, headers, body, and what
/// the checker notices besides).
pub use checker::client::Reply;

/// Reads until the server closes, then splits status line, headers and body.
pub fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse_reply(&raw)
}

/// Splits a raw HTTP/1.1 response with the checker's parser; panics
/// (failing the test) if it is not one.
pub fn parse_reply(raw: &[u8]) -> Reply {
    let shown = || String::from_utf8_lossy(raw).into_owned();
    assert!(
        raw.starts_with(b"HTTP/1.1 "),
        "not an HTTP/1.1 status line: {:?}",
        shown()
    );
    checker::client::parse_reply(raw)
        .unwrap_or_else(|err| panic!("not a response ({err:?}): {:?}", shown()))
}
