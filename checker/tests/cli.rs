//! The checker's binary: exit status 0, 1 or 2, the plain sentence when
//! nothing listens, argument mistakes, and no hang on a silent server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

fn checker(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .env("LANG", "C")
        .output()
        .expect("run the checker");
    (out, started.elapsed())
}

/// A port nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn nothing_listening_exits_2_with_a_plain_sentence() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
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

#[test]
fn a_silent_server_fails_with_exit_1_in_bounded_time() {
    let url = format!("http://127.0.0.1:{}/", silent_server());
    let (out, took) = checker(&["--chapter", "chapter13-threadpool", "--beyond", &url]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("✗ index"), "{report}");
    assert!(
        report.contains("try: curl -v http://127.0.0.1:"),
        "{report}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_server_that_answers_well_exits_0() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../static");
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
        report.contains("$ curl -v http://127.0.0.1:"),
        "verbose shows the curl lines:\n{report}"
    );
    assert!(
        report.contains("Every stage of chapter12-sequential passed"),
        "{report}"
    );
}
