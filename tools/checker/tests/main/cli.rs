//! The checker's binary: exit status 0, 1 or 2, the plain sentence when
//! nothing listens, argument mistakes, and no hang on a silent server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

/// A record of progress of the test's own, removed when dropped: the
/// checker records every check, and a test's checks are not the reader's.
struct Record(std::path::PathBuf);

impl Record {
    fn new() -> Record {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Record(std::env::temp_dir().join(format!(
            "checker-cli-progress-{}-{n}.tsv",
            std::process::id()
        )))
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn checker(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let record = Record::new();
    let out = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .env("LANG", "C")
        .env("CHECKER_PROGRESS", &record.0)
        .output()
        .expect("run the checker");
    (out, started.elapsed())
}

/// A port nothing listens on, and nothing else can take while the socket
/// lives: bound, but never listening (a port merely closed again could be
/// handed to another test's server running alongside).
fn closed_port() -> (socket2::Socket, u16) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    let any_port = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any_port.into()).expect("bind");
    let port = socket
        .local_addr()
        .ok()
        .and_then(|addr| addr.as_socket())
        .expect("a bound address")
        .port();
    (socket, port)
}

#[test]
fn nothing_listening_exits_2_with_a_plain_sentence() {
    let (_held, port) = closed_port();
    let url = format!("http://127.0.0.1:{port}/");
    let (out, _) = checker(&["--chapter", "12", &url]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing is listening at 127.0.0.1:"), "{err}");
    assert!(err.contains("start your server first"), "{err}");
    let (out, _) = checker(&["--chapter", "12", "--lang", "ja", &url]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("先にサーバーを起動してください"));
}

#[test]
fn argument_mistakes_exit_2() {
    for args in [
        &["--chapter", "chapter14"][..],
        &["--lang", "fr"],
        &["--max-workers", "0"],
        &["--no-such-option"],
        &["https://localhost:8443/"],
        &["--static-dir", "/no/such/folder/anywhere"],
    ] {
        let (out, _) = checker(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
    }
    let (out, _) = checker(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--max-workers"));
}

/// A server that accepts and reads but never answers.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(10)));
            let _ = stream.read(&mut [0; 64]);
            held.push(stream);
        }
    });
    port
}

/// A server that never answers ends the check after the checker's own
/// wait for the first answer: the rest is not run, and the exit status is 1.
#[test]
fn a_silent_server_fails_with_exit_1_after_one_wait() {
    let url = format!("http://127.0.0.1:{}/", silent_server());
    let (out, _) = checker(&["--chapter", "chapter13-threadpool", "--beyond", &url]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("✗ index"), "{report}");
    assert!(report.contains("no answer in 5."), "{report}");
    assert!(
        report.contains("not run: the server gave no complete answer at index"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "try: {} -v http://127.0.0.1:",
            checker::basics::CURL
        )),
        "{report}"
    );
}

#[test]
fn a_server_that_answers_well_exits_0() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static");
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut buf = [0; 512];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            let path = text
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let (status, body) = match std::fs::read(root.join(&path)) {
                Ok(body) if text.starts_with("GET ") => ("200 OK", body),
                Ok(_) | Err(_) if !text.starts_with("GET ") => ("400 Bad Request", Vec::new()),
                _ => ("404 Not Found", b"<html>404</html>".to_vec()),
            };
            let kind = match path.rsplit('.').next() {
                Some("css") => "text/css",
                Some("png") => "image/png",
                _ => "text/html",
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    let (out, _) = checker(&[
        "--chapter",
        "12",
        "--verbose",
        &format!("http://127.0.0.1:{port}/"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(&format!("$ {} -v http://127.0.0.1:", checker::basics::CURL)),
        "verbose shows the curl lines:\n{report}"
    );
    assert!(
        report.contains("Every stage of chapter12-sequential passed"),
        "{report}"
    );
}

/// Finding 5: `checker … | head -2` ends quietly when the reader goes away,
/// instead of panicking with "failed printing to stdout" (exit 101).
#[test]
fn a_closed_stdout_ends_the_checker_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let url = format!("http://127.0.0.1:{}/", silent_server());
    let record = Record::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["--chapter", "13-threadpool", "--beyond", &url])
        .env("LANG", "C")
        .env("CHECKER_PROGRESS", &record.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the checker");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    lines.read_line(&mut first).expect("the header line");
    assert!(
        first.starts_with("Checking chapter13-threadpool"),
        "{first}"
    );
    drop(lines); // `head -1` exits: the pipe's read end closes
    let out = child.wait_with_output().expect("the checker ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// Finding 7: the usage mistakes say what is wrong.
#[test]
fn usage_mistakes_are_named() {
    let (out, _) = checker(&["http://localhost:99999/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a port is from 1 to 65535"), "{err}");
    let (out, _) = checker(&["--chapter", "13-pool"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for short in ["13-threadpool", "13-refactor", "12,", "pool"] {
        assert!(err.contains(short), "{short} not in {err}");
    }
    let (out, _) = checker(&["--lang", "ja", "https://localhost:8443/"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("https:// には対応していません"), "{err}");
    let (out, _) = checker(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--lang ja"), "{help}");
    // Every step and its short name, and which one is checked by default.
    for step in steps::STEPS {
        assert!(
            help.contains(&format!("{} ({})", step.krate, step.short_names[0])),
            "{} not in {help}",
            step.krate
        );
    }
    assert!(
        help.contains("[default: chapter13-threaded (13)]"),
        "{help}"
    );
    assert!(help.contains("--watch"), "{help}");
    assert!(help.contains("-- python webserver.py"), "{help}");
}

/// Finding 3: with a low limit on open files, the pool stages' many
/// connections hit the checker's own limit; the report says so, and does
/// not blame the server. A limit is process-wide, so the checker runs in a
/// shell that lowered it (both soft and hard: the checker cannot raise it).
#[test]
#[cfg_attr(
    not(unix),
    ignore = "descriptor limits (ulimit -n) are a Unix matter: Windows limits sockets by memory"
)]
fn the_checkers_own_descriptor_limit_is_named_as_its_own() {
    let url = format!("http://127.0.0.1:{}/", good_server());
    let record = Record::new();
    // `sh` sets the limit for the checker alone; no such shell elsewhere
    // (this test is ignored there, above).
    let run = |ulimit: &str| {
        if cfg!(unix) {
            Command::new("sh")
                .arg("-c")
                .arg(format!("{ulimit} && exec \"$0\" \"$@\""))
                .arg(env!("CARGO_BIN_EXE_checker"))
                .args(["--chapter", "13-threadpool", "--max-workers", "100", &url])
                .env("LANG", "C")
                .env("CHECKER_PROGRESS", &record.0)
                .output()
                .expect("run the checker under sh")
        } else {
            panic!("ulimit -n needs a Unix shell")
        }
    };
    let out = run("ulimit -n 64");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("the checker reached its own limit of open files"),
        "{report}"
    );
    assert!(
        report.contains("this is the checker's limit, not your server's"),
        "{report}"
    );
    assert!(!report.contains("not listening any more"), "{report}");
    // A low soft limit under a higher hard one: the checker raises its own
    // at start-up, and 99 silent clients fit.
    let out = run("ulimit -S -n 64");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!report.contains("its own limit of open files"), "{report}");
    assert!(report.contains("✓ pool-free-worker"), "{report}");
}

/// The message itself, on every system.
#[test]
fn running_out_of_descriptors_is_worded_as_the_checkers_limit() {
    let text =
        checker::FetchError::OwnLimit("Too many open files (os error 24)".to_owned()).describe();
    assert!(
        text.en
            .starts_with("the checker reached its own limit of open files"),
        "{}",
        text.en
    );
    assert!(text.en.contains("not your server's"), "{}", text.en);
    assert!(
        text.ja.contains("サーバーの問題ではありません"),
        "{}",
        text.ja
    );
    let emfile = std::io::Error::from_raw_os_error(if cfg!(windows) { 10024 } else { 24 });
    assert!(checker::client::is_out_of_descriptors(&emfile));
    assert!(!checker::client::is_out_of_descriptors(
        &std::io::Error::from(std::io::ErrorKind::ConnectionRefused)
    ));
}

/// A server that answers every GET well, a thread per client.
fn good_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static");
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let root = root.clone();
            thread::spawn(move || {
                let mut head = Vec::new();
                let mut buf = [0; 512];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let path = text
                    .split(' ')
                    .nth(1)
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let answer = match std::fs::read(root.join(path)) {
                    Ok(body) if text.starts_with("GET ") => {
                        let kind = match path.rsplit('.').next() {
                            Some("css") => "text/css",
                            Some("png") => "image/png",
                            _ => "text/html",
                        };
                        let mut a = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        a.extend_from_slice(&body);
                        a
                    }
                    Ok(_) => b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec(),
                    Err(_) if !text.starts_with("GET ") => {
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec()
                    }
                    Err(_) => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 16\r\n\r\n<html>404</html>".to_vec()
                    }
                };
                let _ = stream.write_all(&answer);
            });
        }
    });
    port
}
