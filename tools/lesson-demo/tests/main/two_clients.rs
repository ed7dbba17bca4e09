//! `lesson-demo two-clients` against two small servers written here: one
//! that answers one client at a time (chapter 12's shape) and one that gives
//! each client a thread (chapter 13's). The chapters' own guide tests run it
//! against the real binaries.

//!
//! No test here depends on how fast the machine is. Against a threaded
//! server, A stays silent until B has its answer ([`Hold::UntilBAnswered`],
//! at most a minute, which only a server that answers one client at a time
//! waits out); against a sequential one, B cannot be answered before A's
//! request, so a short silence gives the same order however busy the
//! machine.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use checker::Target;
use lesson_demo::two_clients::{Hold, Outcome, experiment};

/// A's silence before a sequential server: any length gives the same order.
const SHORT: Hold = Hold::For(Duration::from_millis(200));

/// A's silence before a threaded server: until B is answered.
const UNTIL_B: Hold = Hold::UntilBAnswered(Duration::from_secs(60));

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

fn run(addr: SocketAddr, hold: Hold, ja: bool) -> (Outcome, Vec<String>) {
    let mut lines = Vec::new();
    let target = Target::from_addr(addr);
    let outcome = experiment(&target, "/index.html", hold, ja, &mut |line| {
        lines.push(line)
    })
    .expect("both clients get an answer");
    (outcome, lines)
}

/// Where the line ending with or containing `text` is.
fn line_of(lines: &[String], text: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?}: {lines:#?}"))
}

#[test]
fn a_sequential_server_answers_b_only_after_a() {
    let (outcome, lines) = run(server(false), SHORT, false);
    assert!(!outcome.b_answered_while_a_silent, "{lines:#?}");
    assert!(
        line_of(&lines, "A sent GET /index.html") < line_of(&lines, "B got 200, only after A"),
        "{lines:#?}"
    );
}

#[test]
fn a_threaded_server_answers_b_while_a_is_silent() {
    let (outcome, lines) = run(server(true), UNTIL_B, false);
    assert!(outcome.b_answered_while_a_silent, "{lines:#?}");
    assert_eq!(lines.len(), 5, "one line per event: {lines:#?}");
    let expected = [
        "A connected; it sends nothing until B is answered (at most 60.0 s)",
        "B connected and sent GET /index.html",
        "B got 200, while A had still sent nothing",
        "A sent GET /index.html",
        "A got 200",
    ];
    for (line, text) in lines.iter().zip(expected) {
        assert!(line.ends_with(text), "{text:?}: {lines:#?}");
    }
}

#[test]
fn a_sequential_server_keeps_a_silent_as_long_as_it_may() {
    // Waiting for B does not help a server that answers one client at a
    // time: A gives up its silence after the longest hold, then B is
    // answered. The hold is short here; the order is what counts.
    let hold = Hold::UntilBAnswered(Duration::from_millis(300));
    let (outcome, lines) = run(server(false), hold, false);
    assert!(!outcome.b_answered_while_a_silent, "{lines:#?}");
    assert!(
        line_of(&lines, "A sent GET") < line_of(&lines, "B got 200, only after A"),
        "{lines:#?}"
    );
}

#[test]
fn the_report_speaks_japanese_when_asked() {
    let (_, lines) = run(server(true), UNTIL_B, true);
    assert!(lines[0].contains("A が接続しました"), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("B に 200 が返りました")),
        "{lines:#?}"
    );
    let (_, lines) = run(server(false), SHORT, true);
    assert!(
        lines[0].ends_with("A が接続しました。0.2 秒間なにも送りません"),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("B に 200 が返りました（A がリクエストを送ったあと）")),
        "{lines:#?}"
    );
}

#[test]
fn the_command_prints_the_verdict() {
    let addr = server(false);
    let output = Command::new(env!("CARGO_BIN_EXE_lesson-demo"))
        .args(["two-clients", &format!("http://{addr}/index.html")])
        .args(["--hold", "0.2", "--lang", "en"])
        .output()
        .expect("run lesson-demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.starts_with("two clients for http://"), "{stdout}");
    assert!(
        stdout.contains("A connected; it sends nothing for 0.2 s"),
        "{stdout}"
    );
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
    // its Content-Length, so both clients are done while the server still
    // holds both connections open, until the test lets it go.
    let (release, held) = mpsc::channel::<()>();
    let held = Arc::new(Mutex::new(held));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local address");
    let (closed, closes) = mpsc::channel::<()>();
    thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let (held, closed) = (Arc::clone(&held), closed.clone());
            thread::spawn(move || {
                let mut head = [0; 1024];
                let _ = client.read(&mut head);
                let _ = client.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                // Open until released (or a minute: the test has failed by then).
                let _ = held
                    .lock()
                    .map(|held| held.recv_timeout(Duration::from_secs(60)));
                let _ = closed.send(());
            });
        }
    });
    let (outcome, lines) = run(addr, UNTIL_B, false);
    assert!(outcome.b_answered_while_a_silent, "{lines:#?}");
    assert!(
        closes.try_recv().is_err(),
        "the verdict waited for the server to close: {lines:#?}"
    );
    drop(release);
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
    let failure = experiment(&target, "/", UNTIL_B, false, &mut |_| {})
        .expect_err("an answer that never ends is not an answer");
    let message = format!("{failure:?}");
    assert!(message.contains("does not end"), "{message}");
}
