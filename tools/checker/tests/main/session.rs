//! The checker running the reader's server itself: `-- COMMAND`, `--watch`,
//! the progress. Each test is a scripted session with real processes in a
//! temporary folder, on a free port: a server with one mistake, the checker
//! watching, the file fixed, a new report with the stage ✓, Ctrl+C, and no
//! process of the server left.
//!
//! The server is the book's chapter-12 code in Python (where a Python 3 was
//! found when the checker was built), a Rust exercise that does not compile
//! and is then fixed (where cargo builds for this system), and everywhere,
//! Windows under Wine included, `fixture-server`, a small Rust server that
//! reads its mistake from `server.toml`. The time from a save to the ✓ is
//! printed (`--nocapture`), not asserted: a busy machine may take longer.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Longest wait for any one thing a session waits for: a hang guard, far
/// above what each takes (a first cargo build included).
const PATIENCE: Duration = Duration::from_secs(240);

/// A folder of its own for one test, removed at the end.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let dir =
            std::env::temp_dir().join(format!("checker-session-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        Folder(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.0.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("a folder");
        }
        std::fs::write(&path, text).expect("write a file");
    }

    /// `static/` as the book has it.
    fn with_static(&self) -> &Folder {
        let from = static_dir();
        for name in ["index.html", "index.css", "logo.png"] {
            let to = self.0.join("static").join(name);
            std::fs::create_dir_all(to.parent().expect("a folder")).expect("static/");
            std::fs::copy(from.join(name), to).expect("copy a static file");
        }
        self
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static")
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The checker, run in `dir` with `args`, its output (stdout and stderr)
/// gathered as it comes.
struct Session {
    child: Child,
    output: Arc<Mutex<String>>,
    /// The threads that read its stdout and stderr; they end at its end.
    readers: Vec<thread::JoinHandle<()>>,
    /// How far the test has read.
    seen: usize,
}

impl Session {
    fn start(dir: &Path, args: &[&str]) -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .current_dir(dir)
            .env("CHECKER_PROGRESS", dir.join("progress.tsv"))
            .env("LANG", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the checker");
        let output = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&output);
            readers.push(thread::spawn(move || {
                let mut pipe = pipe;
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    output.lock().expect("the output").push_str(&text);
                }
            }));
        }
        Session {
            child,
            output,
            readers,
            seen: 0,
        }
    }

    fn text(&self) -> String {
        self.output.lock().expect("the output").clone()
    }

    /// Waits until `needle` comes after what was read so far, and reads up
    /// to its end; panics with the whole output if it does not come.
    fn expect(&mut self, needle: &str) -> &mut Session {
        let until = Instant::now() + PATIENCE;
        loop {
            let text = self.text();
            if let Some(at) = text[self.seen..].find(needle) {
                self.seen += at + needle.len();
                return self;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Everything it wrote is read once its pipes close.
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                let text = self.text();
                if let Some(at) = text[self.seen..].find(needle) {
                    self.seen += at + needle.len();
                    return self;
                }
                panic!("the checker ended ({status}) before {needle:?}:\n{text}");
            }
            assert!(
                Instant::now() < until,
                "no {needle:?} in {PATIENCE:?}:\n{text}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every server process id the checker printed, in either language.
    fn pids(&self) -> Vec<u32> {
        let text = self.text();
        ["(pid ", "（PID "]
            .iter()
            .flat_map(|mark| {
                text.split(mark).skip(1).filter_map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().ok()
                })
            })
            .collect()
    }

    /// Waits for the checker to end.
    fn wait(&mut self) -> ExitStatus {
        let until = Instant::now() + PATIENCE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < until,
                "the checker did not end:\n{}",
                self.text()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ends the watch as a reader does, with Ctrl+C (SIGINT) where a test
    /// can send it; on Windows, where it cannot, by ending the checker
    /// outright, which closes its job object. Then no process of the
    /// server may be left, and nothing listens at `addr`.
    fn end(mut self, addr: SocketAddr) -> String {
        let pids = self.pids();
        assert!(!pids.is_empty(), "no server started:\n{}", self.text());
        #[cfg(unix)]
        {
            use nix::sys::signal::{Signal, kill};
            use nix::unistd::Pid;
            let checker = Pid::from_raw(i32::try_from(self.child.id()).expect("a pid"));
            kill(checker, Signal::SIGINT).expect("send Ctrl+C");
            let status = self.wait();
            assert_eq!(status.code(), Some(130), "{}", self.text());
            let last = pids.last().expect("a pid");
            // Everything it wrote is read once it has ended.
            for reader in self.readers.drain(..) {
                let _ = reader.join();
            }
            let ended = self.text();
            assert!(
                ended.contains(&format!(
                    "Ctrl+C: stopping the server (pid {last}) and ending"
                )) || ended.contains(&format!("Ctrl+C：サーバー（PID {last}）を止めて終わります")),
                "{ended}"
            );
            // Every server started, and everything each started (its
            // process group), is gone.
            for pid in &pids {
                let group = Pid::from_raw(i32::try_from(*pid).expect("a pid"));
                assert_eq!(
                    nix::sys::signal::killpg(group, None),
                    Err(nix::errno::Errno::ESRCH),
                    "process group {pid} is still there:\n{}",
                    self.text()
                );
            }
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
            let _ = self.wait();
        }
        let until = Instant::now() + PATIENCE;
        while TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
            assert!(Instant::now() < until, "something still listens at {addr}");
            thread::sleep(Duration::from_millis(100));
        }
        self.text()
    }
}

impl Drop for Session {
    /// After a test that failed half-way: the checker is ended as Ctrl+C
    /// ends it, so that it stops its server (killed outright, a checker on
    /// Unix would leave its server's process group running), and whatever
    /// is left of the servers it printed is killed too.
    fn drop(&mut self) {
        // Still running: the test failed before it ended the session.
        let running = matches!(self.child.try_wait(), Ok(None));
        #[cfg(unix)]
        if running {
            use nix::sys::signal::{Signal, kill, killpg};
            use nix::unistd::Pid;
            if let Ok(pid) = i32::try_from(self.child.id()) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
            }
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until && matches!(self.child.try_wait(), Ok(None)) {
                thread::sleep(Duration::from_millis(20));
            }
            for pid in self.pids() {
                if let Ok(pid) = i32::try_from(pid) {
                    let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
        }
        #[cfg(not(unix))]
        let _ = running;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves `text` as `name` in `dir` as an editor does, and returns when.
fn save(dir: &Folder, name: &str, text: &str) -> Instant {
    dir.write(name, text);
    Instant::now()
}

/// The book's chapter-12 code, with its MIME_TYPES' `css` set to `kind`.
fn webserver_py(kind: &str) -> String {
    let code = include_str!("../fixtures/webserver.py");
    assert!(code.contains("\"css\": \"text/css\""));
    code.replace("\"css\": \"text/css\"", &format!("\"css\": \"{kind}\""))
}

/// Python: one mistake (CSS as text/html), the fix, ✓ after it, Ctrl+C; in
/// each language, compared with the guide's sample of the same session.
#[test]
#[cfg_attr(
    all(checker_cargo, not(checker_python)),
    ignore = "needs Python 3 (none was found when the checker was built: install it, then cargo clean -p checker)"
)]
#[cfg_attr(
    not(checker_cargo),
    ignore = "needs a Python of the system these tests were built for (they were built on another one, as for Wine)"
)]
fn a_python_server_with_one_mistake_is_fixed_under_watch_as_the_guide_shows() {
    for lang in ["en", "ja"] {
        let dir = Folder::new(&format!("python-{lang}"));
        dir.with_static();
        dir.write("webserver.py", &webserver_py("text/html"));
        let port = free_port();
        let url = format!("http://localhost:{port}/");
        let python = option_env!("CHECKER_PYTHON").unwrap_or("python3");
        let port_arg = port.to_string();
        let mut session = Session::start(
            dir.path(),
            &[
                "--chapter",
                "12",
                "--lang",
                lang,
                "--watch",
                &url,
                "--",
                python,
                "webserver.py",
                &port_arg,
            ],
        );
        let (mistake, waiting, passed) = if lang == "en" {
            (
                "hint: make MIME_TYPES map \"css\" to \"text/css\"",
                "Waiting for a save of the code in this folder",
                "Every stage of chapter12-sequential passed",
            )
        } else {
            (
                "ヒント：MIME_TYPES の \"css\" を \"text/css\" にします",
                "このフォルダーのコードの保存を待っています",
                "chapter12-sequential の項目はすべて合格です",
            )
        };
        session
            .expect(&format!("$ {python} webserver.py {port}"))
            .expect("✗ content-type")
            .expect(mistake)
            .expect(waiting);
        assert!(
            !session.text().contains("in Rust:") && !session.text().contains("Rust なら"),
            "a Python server gets Python hints only:\n{}",
            session.text()
        );
        let saved = save(&dir, "webserver.py", &webserver_py("text/css"));
        session.expect("✓ content-type").expect(passed);
        eprintln!("python ({lang}): ✓ {:?} after the save", saved.elapsed());
        session.expect(waiting);
        if lang == "en" {
            let text = session.text();
            for line in [
                "── webserver.py saved: restarting and checking again ──",
                "Changed since the last check: ✗ → ✓ content-type",
                "Progress: 1 of 5 steps passed",
                "✓ chapter12-sequential  passed on",
            ] {
                assert!(text.contains(line), "no {line:?} in:\n{text}");
            }
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let text = session.end(addr);
        guide_sample_matches(lang, &text);
    }
}

/// The guide's sample watch session (the block after `<!-- checker-watch:
/// python -->` on `docs/LANG/check-your-server.md`) is `session`, but for
/// the lines starting with `$ ` (the commands), the times, ports, process
/// ids and dates; and for the Ctrl+C line where Ctrl+C cannot be sent.
fn guide_sample_matches(lang: &str, session: &str) {
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(lang)
        .join("check-your-server.md");
    let text = std::fs::read_to_string(&page).expect("the guide's page");
    let after = text
        .split("<!-- checker-watch: python -->")
        .nth(1)
        .unwrap_or_else(|| panic!("{}: no checker-watch sample", page.display()));
    let block = after
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap_or_else(|| panic!("{}: no block after the marker", page.display()));
    let keep = |text: &str| -> String {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("$ "))
            .filter(|l| cfg!(unix) || !l.starts_with("Ctrl+C"))
            .collect();
        normalise_session(&lines.join("\n")).trim().to_owned()
    };
    assert_eq!(
        keep(block),
        keep(session),
        "{}: the sample watch session differs from a real one:\n{session}",
        page.display()
    );
}

/// [`checker::report::normalise`], and process ids and dates too.
fn normalise_session(text: &str) -> String {
    let text = checker::report::normalise(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let pid = ["(pid ", "（PID ", "(pid ", "サーバー（PID "]
            .iter()
            .find(|p| rest.starts_with(**p));
        if let Some(prefix) = pid {
            out.push_str(prefix);
            rest = rest[prefix.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
            out.push_str("PID");
            continue;
        }
        let bytes = rest.as_bytes();
        let is_date = bytes.len() >= 10
            && bytes[..10].iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if is_date {
            out.push_str("DATE");
            rest = &rest[10..];
            continue;
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A Python server that crashes on start: its traceback is the report.
#[test]
#[cfg_attr(
    all(checker_cargo, not(checker_python)),
    ignore = "needs Python 3 (none was found when the checker was built: install it, then cargo clean -p checker)"
)]
#[cfg_attr(
    not(checker_cargo),
    ignore = "needs a Python of the system these tests were built for (they were built on another one, as for Wine)"
)]
fn a_python_server_that_crashes_on_start_shows_its_traceback() {
    let dir = Folder::new("python-crash");
    dir.with_static();
    dir.write(
        "webserver.py",
        &webserver_py("text/css").replace("import socket\n", "import sokcet\n"),
    );
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let python = option_env!("CHECKER_PYTHON").unwrap_or("python3");
    let mut session = Session::start(
        dir.path(),
        &["--chapter", "12", &url, "--", python, "webserver.py"],
    );
    let status = session.wait();
    assert_eq!(status.code(), Some(1), "{}", session.text());
    session
        .expect("the server ended before it listened (exit status 1); the last lines it printed:")
        .expect("  | Traceback (most recent call last):")
        .expect("import sokcet")
        .expect("  | ModuleNotFoundError: No module named 'sokcet'")
        .expect("✗ chapter12-sequential  last checked on")
        .expect(": the server did not start");
    assert!(
        !session.text().contains("✗ index"),
        "no wall of failed stages:\n{}",
        session.text()
    );
}

/// The exercise the Rust test writes: chapter 12 in std alone (a real
/// exercise uses `common`; this one builds in a second), with `mistake`
/// in place of the loop's `client_socket`.
fn exercise_main(client_socket: &str) -> String {
    r#"//! my-chapter12-sequential, as the checker's test types it.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8080);
    let root = std::env::args().nth(2).unwrap_or_else(|| "static".to_owned());
    let server_socket = TcpListener::bind(("127.0.0.1", port)).expect("listen");
    println!("=== サーバーを起動します ===");
    loop {
        let Ok((client_socket, _address)) = server_socket.accept() else {
            continue;
        };
        handle_client(CLIENT, Path::new(&root));
    }
}

fn handle_client(mut client_socket: TcpStream, root: &Path) {
    let _ = client_socket.set_read_timeout(Some(Duration::from_secs(2)));
    let mut request = [0u8; 4096];
    let Ok(n) = client_socket.read(&mut request) else {
        return;
    };
    let request = String::from_utf8_lossy(&request[..n]).into_owned();
    let mut words = request.split(' ');
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method != "GET" || !path.starts_with('/') {
        let _ = client_socket.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let (status, body) = match std::fs::read(root.join(path.trim_start_matches('/'))) {
        Ok(body) => ("200 OK", body),
        Err(_) => ("404 Not Found", b"<html><body>404</body></html>".to_vec()),
    };
    let content_type = match path.rsplit('.').next() {
        Some("html") => "text/html",
        Some("css") => "text/css",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = client_socket.write_all(head.as_bytes());
    let _ = client_socket.write_all(&body);
}
"#
    .replace("CLIENT", client_socket)
}

/// Rust: an exercise that does not build shows rustc's first error, not
/// stale results; the fix builds, and the report that follows is ✓.
#[test]
#[cfg_attr(
    not(checker_cargo),
    ignore = "needs a cargo that builds for this system (these tests were built for another one)"
)]
fn a_rust_exercise_with_a_compile_error_is_fixed_under_watch() {
    let dir = Folder::new("rust");
    dir.write(
        "exercises/Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"my-chapter12-sequential\"]\n",
    );
    dir.write(
        "exercises/my-chapter12-sequential/Cargo.toml",
        "[package]\nname = \"my-chapter12-sequential\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    let main_rs = "exercises/my-chapter12-sequential/src/main.rs";
    dir.write(main_rs, &exercise_main("clinet_socket"));
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let port_arg = port.to_string();
    let statics = static_dir();
    let statics = statics.to_str().expect("a UTF-8 path");
    let cargo = env!("CARGO");
    // Its own target folder: the outer `cargo test` may hold the
    // workspace's while it runs the tests.
    let target = dir.path().join("target");
    let mut session = Session::start(
        dir.path(),
        &[
            "--chapter",
            "12",
            "--lang",
            "en",
            "--watch",
            &url,
            "--",
            cargo,
            "run",
            "--manifest-path",
            "exercises/Cargo.toml",
            "-p",
            "my-chapter12-sequential",
            "--target-dir",
            target.to_str().expect("a UTF-8 path"),
            "--",
            &port_arg,
            statics,
        ],
    );
    let crate_folder = Path::new("exercises").join("my-chapter12-sequential");
    session
        .expect("it does not build (exit status 101); the first error:")
        .expect("  | error[E0425]: cannot find value `clinet_socket` in this scope")
        .expect(": the server did not start")
        .expect(&format!(
            "Waiting for a save of the code in {} (Ctrl+C ends)",
            crate_folder.display()
        ));
    assert!(
        !session.text().contains("✗ index"),
        "a build error is not a wall of failed stages:\n{}",
        session.text()
    );
    let saved = save(&dir, main_rs, &exercise_main("client_socket"));
    session
        .expect("── src/main.rs saved: restarting and checking again ──")
        .expect("The server did not start last time; now it does")
        .expect("Every stage of chapter12-sequential passed");
    eprintln!(
        "rust: ✓ {:?} after the save (a rebuild included)",
        saved.elapsed()
    );
    session
        .expect("Progress: 1 of 5 steps passed")
        .expect("✓ chapter12-sequential  passed on");
    session.end(SocketAddr::from(([127, 0, 0, 1], port)));
}

/// `fixture-server` under watch: a mistake, the fix, a file that does not
/// read (the build error of this server), the fix again; then the end.
/// Runs everywhere, Windows under Wine included.
#[test]
fn a_server_is_restarted_on_each_save_and_ends_with_the_checker() {
    let dir = Folder::new("fixture");
    dir.write("server.toml", "css = \"text/html\"\n");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let port_arg = port.to_string();
    let statics = static_dir();
    let statics = statics.to_str().expect("a UTF-8 path");
    let mut session = Session::start(
        dir.path(),
        &[
            "--chapter",
            "12",
            "--lang",
            "en",
            "--watch",
            &url,
            "--",
            env!("CARGO_BIN_EXE_fixture-server"),
            &port_arg,
            statics,
        ],
    );
    session
        .expect("✗ content-type")
        .expect("Waiting for a save of the code in");
    let saved = save(&dir, "server.toml", "css = \"text/css\"\n");
    session
        .expect("── server.toml saved: restarting and checking again ──")
        .expect("Changed since the last check: ✗ → ✓ content-type")
        .expect("Every stage of chapter12-sequential passed");
    eprintln!("fixture: ✓ {:?} after the save", saved.elapsed());
    session.expect("Waiting for a save of the code in");
    save(&dir, "server.toml", "css = text/css\n");
    session
        .expect("Last time 7 of 7 stages passed; now the server does not start")
        .expect("the server ended before it listened (exit status 1)")
        .expect("  | error: server.toml: line 1: the value is not in quotes: text/css")
        .expect("Waiting for a save of the code in");
    save(&dir, "server.toml", "css = \"text/css\" # fixed\n");
    session
        .expect("The server did not start last time; now it does")
        .expect("Every stage of chapter12-sequential passed")
        .expect("Waiting for a save of the code in");
    // Four servers were started, each stopped before the next.
    assert_eq!(session.pids().len(), 4, "{}", session.text());
    session.end(SocketAddr::from(([127, 0, 0, 1], port)));
}

/// A server that panics on start: its panic is the report, and the
/// checker ends with status 1 (no watch).
#[test]
fn a_rust_server_that_panics_on_start_shows_its_panic() {
    let dir = Folder::new("panic");
    dir.write("server.toml", "panic = \"at start\"\n");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let port_arg = port.to_string();
    let statics = static_dir();
    let mut session = Session::start(
        dir.path(),
        &[
            "--chapter",
            "13",
            "--lang",
            "ja",
            &url,
            "--",
            env!("CARGO_BIN_EXE_fixture-server"),
            &port_arg,
            statics.to_str().expect("a UTF-8 path"),
        ],
    );
    let status = session.wait();
    assert_eq!(status.code(), Some(1), "{}", session.text());
    session
        .expect("サーバーが待ち受ける前に終わりました（終了ステータス 101）。最後に出力した行：")
        .expect("panicked at")
        .expect("server.toml asks for a panic at start")
        .expect("✗ chapter13-threaded    最後の確認（")
        .expect("）：サーバーが起動しませんでした");
    // The record says so too.
    let record = std::fs::read_to_string(dir.path().join("progress.tsv")).expect("recorded");
    assert!(record.contains("chapter13-threaded\t-\t"), "{record}");
    assert!(record.trim_end().ends_with("\tstart"), "{record}");
}

/// `--progress` shows the record, and nothing else.
#[test]
fn the_progress_is_shown_alone() {
    let dir = Folder::new("progress");
    dir.write(
        "progress.tsv",
        "# step\tfirst passed\tlast checked\tlast result\nchapter12-sequential\t2026-05-01\t2026-05-02\tpassed\nchapter13-refactor\t-\t2026-05-02\tcontent-type\n",
    );
    let mut session = Session::start(dir.path(), &["--progress", "--lang", "ja"]);
    assert_eq!(session.wait().code(), Some(0));
    session
        .expect("進み具合：5 ステップ中 1 ステップが合格")
        .expect("✓ chapter12-sequential  2026-05-01 に合格")
        .expect("✗ chapter13-refactor    最後の確認（2026-05-02）：content-type が不合格")
        .expect("- chapter13-threaded    まだ確かめていません")
        .expect("- chapter13-async       まだ確かめていません");
}

/// Something already listening at the URL is not taken for the server.
#[test]
fn a_port_taken_already_is_said_so_before_anything_starts() {
    let dir = Folder::new("taken");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let url = format!("http://127.0.0.1:{port}/");
    let marker = dir.path().join("started");
    let marker = marker.to_str().expect("a UTF-8 path");
    let mut session = Session::start(
        dir.path(),
        &[
            "--lang",
            "en",
            &url,
            "--",
            env!("CARGO_BIN_EXE_fixture-server"),
            marker,
        ],
    );
    assert_eq!(session.wait().code(), Some(2), "{}", session.text());
    session.expect(&format!(
        "another server is already listening at 127.0.0.1:{port}: stop it"
    ));
    assert!(
        session.pids().is_empty(),
        "nothing started:\n{}",
        session.text()
    );
    drop(listener);
}

/// A server that runs but listens elsewhere: once it has been quiet for
/// `--start-timeout`, the report says so, with its last lines, and the
/// server is stopped.
#[test]
fn a_server_that_never_listens_at_the_url_is_said_so() {
    let dir = Folder::new("elsewhere");
    let (url_port, server_port) = (free_port(), free_port());
    let url = format!("http://127.0.0.1:{url_port}/");
    let server_port = server_port.to_string();
    let statics = static_dir();
    let mut session = Session::start(
        dir.path(),
        &[
            "--start-timeout",
            "1",
            "--lang",
            "en",
            &url,
            "--",
            env!("CARGO_BIN_EXE_fixture-server"),
            &server_port,
            statics.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(session.wait().code(), Some(1), "{}", session.text());
    session
        .expect(&format!(
            "the server runs, but does not listen at 127.0.0.1:{url_port} and printed nothing for 1 s: if it listens at another port, give the checker that URL; the last lines it printed:"
        ))
        .expect("  | === サーバーを起動します ===");
    let server = SocketAddr::from(([127, 0, 0, 1], server_port.parse().expect("a port")));
    let until = Instant::now() + PATIENCE;
    while TcpStream::connect_timeout(&server, Duration::from_secs(1)).is_ok() {
        assert!(Instant::now() < until, "the server was left running");
        thread::sleep(Duration::from_millis(100));
    }
}
