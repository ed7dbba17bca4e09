//! `lesson-demo two-clients` against two small servers written here: one
//! that answers one client at a time (chapter 12's shape) and one that gives
//! each client a thread (chapter 13's). The chapters' own guide tests run it
//! against the real binaries.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::thread;
use std::time::Duration;

use checker::Target;
use lesson_demo::two_clients::experiment;

/// Long enough that B's whole exchange fits in A's silence on a loaded
/// machine, and under Wine (0.6 s did not: B's answer once took 0.5 s there).
const HOLD: Duration = Duration::from_secs(2);

/// Reads a request head and answers it with a tiny page, then closes.
fn answer(mut client: TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let _ =
        client.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
}

/// A server on a free port; `threaded` gives each client its own thread.
fn server(threaded: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local address");
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            if threaded {
                thread::spawn(move || answer(client));
            } else {
                answer(client);
            }
        }
    });
    addr
}

/// A threaded server that answers each request with `respond`.
fn server_with(respond: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local address");
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            thread::spawn(move || respond(client));
        }
    });
    addr
}

fn run(addr: SocketAddr, ja: bool) -> (lesson_demo::two_clients::Outcome, Vec<String>) {
    let mut lines = Vec::new();
    let target = Target::from_addr(addr);
    let outcome = experiment(&target, "/index.html", HOLD, ja, &mut |line| {
        lines.push(line)
    })
    .expect("both clients get an answer");
    (outcome, lines)
}

#[test]
fn a_sequential_server_answers_b_only_after_a() {
    let (outcome, lines) = run(server(false), false);
    assert!(!outcome.b_answered_while_a_silent, "{lines:#?}");
    assert!(outcome.b_answered_at >= HOLD, "{outcome:?}");
    let a_sent = lines
        .iter()
        .position(|l| l.ends_with("A sent GET /index.html"));
    let b_got = lines
        .iter()
        .position(|l| l.contains("B got 200, only after A"));
    assert!(
        matches!((a_sent, b_got), (Some(a), Some(b)) if a < b),
        "{lines:#?}"
    );
}

#[test]
fn a_threaded_server_answers_b_while_a_is_silent() {
    let (outcome, lines) = run(server(true), false);
    assert!(outcome.b_answered_while_a_silent, "{lines:#?}");
    assert!(outcome.b_answered_at < HOLD, "{outcome:?}");
    assert_eq!(lines.len(), 5, "one line per event: {lines:#?}");
    assert!(
        lines[2].contains("B got 200, while A had still sent nothing"),
        "{lines:#?}"
    );
}

#[test]
fn the_report_speaks_japanese_when_asked() {
    let (_, lines) = run(server(true), true);
    assert!(lines[0].contains("A が接続しました"), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("B に 200 が返りました")),
        "{lines:#?}"
    );
}

#[test]
fn the_command_prints_the_verdict() {
    let addr = server(false);
    let output = Command::new(env!("CARGO_BIN_EXE_lesson-demo"))
        .args(["two-clients", &format!("http://{addr}/index.html")])
        .args(["--hold", "0.5", "--lang", "en"])
        .output()
        .expect("run lesson-demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.starts_with("two clients for http://"), "{stdout}");
    assert!(
        stdout.contains("→ one at a time: B was answered only after A"),
        "{stdout}"
    );
}

#[test]
fn nothing_listening_and_bad_arguments_are_said_plainly() {
    // A port that was free a moment ago: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let lesson_demo = || Command::new(env!("CARGO_BIN_EXE_lesson-demo"));
    let output = lesson_demo()
        .args(["two-clients", &format!("http://127.0.0.1:{port}/")])
        .args(["--lang", "en"])
        .output()
        .expect("run lesson-demo");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stderr.contains("is the server running?"), "{stderr}");

    let output = lesson_demo()
        .args(["two-clients", "--hold", "0"])
        .output()
        .expect("run lesson-demo");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--hold takes seconds"));
}

#[test]
fn a_server_that_never_closes_still_gets_a_verdict() {
    // A reader's server that forgets to close: the answer is complete at
    // its Content-Length, so both clients are done without waiting for EOF.
    let addr = server_with(|mut client| {
        let mut head = [0; 1024];
        let _ = client.read(&mut head);
        let _ = client.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        thread::sleep(Duration::from_secs(30));
    });
    let started = std::time::Instant::now();
    let (outcome, lines) = run(addr, false);
    assert!(outcome.b_answered_while_a_silent, "{lines:#?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_server_that_answers_forever_is_cut_off_with_a_plain_message() {
    let addr = server_with(|mut client| {
        let mut head = [0; 1024];
        let _ = client.read(&mut head);
        let _ = client.write_all(b"HTTP/1.1 200 OK\r\n\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        while client.write_all(&chunk).is_ok() {}
    });
    let target = Target::from_addr(addr);
    let failure = experiment(&target, "/", HOLD, false, &mut |_| {})
        .expect_err("an answer that never ends is not an answer");
    let message = format!("{failure:?}");
    assert!(message.contains("does not end"), "{message}");
}
