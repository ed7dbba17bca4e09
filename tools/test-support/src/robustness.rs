//! Bad actors and stopping: each server must cut off what would wedge it,
//! and stop on Ctrl+C with the book's line.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::suite::TempDir;
use crate::{PATIENCE, Server, read_reply, request, static_file};

/// A static root holding index.html and a `big.bin` of `mib` MiB.
pub fn site_with_big_file(mib: usize) -> TempDir {
    let dir = TempDir::new();
    std::fs::write(dir.path().join("index.html"), static_file("index.html")).expect("index.html");
    let mut big = File::create(dir.path().join("big.bin")).expect("big.bin");
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 253) as u8).collect();
    for _ in 0..mib {
        big.write_all(&chunk).expect("write big.bin");
    }
    dir
}

/// A temporary directory as a command-line argument.
pub(crate) fn path_arg(dir: &TempDir) -> &str {
    dir.path().to_str().expect("UTF-8 temp path")
}

/// `signal` (INT or TERM) while a client is connected and silent: the server
/// prints `stop_line` and exits 0 while that client is still connected (it
/// stays until the end of the test): after the read timeout (0.5 s here) at
/// most, not when the client leaves. Ignored on Windows, where a test cannot
/// send Ctrl+C to another process.
pub fn stops_on_signal_with_idle_client(bin: &str, signal: &str, stop_line: &str) {
    let mut server = Server::start(bin, &["--read-timeout", "0.5"]);
    let idle = server.connect();
    server.wait_for_log("接続が完了しました", PATIENCE);
    server.signal(signal);
    let status = server.wait_exit(PATIENCE).unwrap_or_else(|| {
        panic!(
            "still running {PATIENCE:?} after SIG{signal}, with a silent client connected; log:\n{}",
            server.log().join("\n")
        )
    });
    assert!(status.success(), "exit status {status}");
    server.wait_for_log(stop_line, PATIENCE);
    drop(idle);
}

/// Ctrl+C during a 32 MiB download: the download completes, then the server
/// stops. The server waits for it up to its read timeout (60 s here, far
/// more than a download over loopback takes on a busy machine). Ignored on
/// Windows, where a test cannot send Ctrl+C to another process.
pub fn download_in_flight_completes_after_ctrl_c(bin: &str, stop_line: &str) {
    let site = site_with_big_file(32);
    let mut server = Server::start(
        bin,
        &["--static-dir", path_arg(&site), "--read-timeout", "60"],
    );
    let mut stream = server.connect();
    stream
        .write_all(request("GET", "/big.bin").as_bytes())
        .expect("send");
    let mut first = vec![0; 1024 * 1024];
    stream.read_exact(&mut first).expect("first MiB");
    server.signal("INT");
    thread::sleep(Duration::from_millis(300));
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).expect("rest of the download");
    first.extend(rest);
    let reply = crate::parse_reply(&first);
    assert_eq!(reply.status, 200);
    let expected = std::fs::read(site.path().join("big.bin")).expect("big.bin");
    assert!(
        reply.body == expected,
        "download cut short: {} of {} bytes",
        reply.body.len(),
        expected.len()
    );
    let status = server.wait_exit(PATIENCE).expect("server did not exit");
    assert!(status.success());
    server.wait_for_log(stop_line, PATIENCE);
}

/// A client that sends its head one byte every 200 ms is cut off at the
/// request deadline (2 s here) with 408, though no single read times out
/// (1.5 s each); afterwards the server answers normally. Without a deadline
/// the client would trickle until the test gives up ([`PATIENCE`]).
pub fn trickling_client_is_cut_off(bin: &str) {
    let server = Server::start(bin, &["--read-timeout", "1.5", "--request-timeout", "2"]);
    // Before connecting: the server's deadline cannot start earlier.
    let started = Instant::now();
    let mut stream = server.connect();
    let mut writer = stream.try_clone().expect("clone");
    let stop = AtomicBool::new(false);
    let reply = thread::scope(|scope| {
        scope.spawn(|| {
            let endless = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
                .iter()
                .chain(std::iter::repeat(&b'a'));
            for byte in endless {
                if stop.load(Ordering::SeqCst) || writer.write_all(&[*byte]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(200));
            }
        });
        let reply = read_reply(&mut stream);
        stop.store(true, Ordering::SeqCst);
        reply
    });
    let took = started.elapsed();
    assert_eq!(reply.status, 408);
    assert!(
        took >= Duration::from_secs(2),
        "cut off after {took:?}, before the request deadline"
    );
    assert_eq!(server.get("/index.html").status, 200);
}

/// A client that asks for 32 MiB and never reads is dropped after the write
/// timeout (1 s here), logged as "timed out" (not `os error 11`); the next
/// client is then served.
pub fn client_that_stops_reading_is_cut_off(bin: &str) {
    let site = site_with_big_file(32);
    let server = Server::start(
        bin,
        &["--static-dir", path_arg(&site), "--write-timeout", "1"],
    );
    let mut stuck = server.connect();
    stuck
        .write_all(request("GET", "/big.bin").as_bytes())
        .expect("send");
    let line = server.wait_for_log("cause: I/O error", PATIENCE);
    assert!(
        line.contains("timed out") && !line.contains("os error"),
        "{line}"
    );
    // Served while the stuck client is still connected.
    assert_eq!(server.get("/index.html").status, 200);
    drop(stuck);
}

/// 1,000 connections opened at once: each is answered in full or refused
/// cleanly, the process lives on, and a normal request works afterwards.
/// Where the listen queue or the descriptor limit is smaller (macOS: 128 and
/// 256), as many as fit.
pub fn survives_a_thousand_connections(bin: &str) {
    let wanted = crate::connections_that_fit("survives_a_thousand_connections", 1000);
    let mut server = Server::start(bin, &["--log-level", "info"]);
    let index = static_file("index.html");
    let raw = request("GET", "/index.html");
    let mut streams = Vec::new();
    let mut refused = 0;
    for _ in 0..wanted {
        match TcpStream::connect(server.addr) {
            Ok(mut stream) => {
                stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
                if stream.write_all(raw.as_bytes()).is_ok() {
                    streams.push(stream);
                } else {
                    refused += 1;
                }
            }
            Err(err)
                if matches!(
                    err.kind(),
                    ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
                ) =>
            {
                refused += 1;
            }
            Err(err) => panic!("connect failed unexpectedly: {err}"),
        }
    }
    let mut served = 0;
    for mut stream in streams {
        let mut raw_reply = Vec::new();
        match stream.read_to_end(&mut raw_reply) {
            Ok(_) => {
                let reply = crate::parse_reply(&raw_reply);
                assert_eq!(reply.status, 200);
                assert!(reply.body == index, "a garbled response");
                served += 1;
            }
            Err(err) if err.kind() == ErrorKind::ConnectionReset => refused += 1,
            Err(err) => panic!("no clean answer: {err}"),
        }
    }
    eprintln!("{wanted} connections: {served} served, {refused} refused");
    assert_eq!(served + refused, wanted);
    assert!(served > 0);
    assert!(
        server.wait_exit(Duration::from_millis(10)).is_none(),
        "the server died"
    );
    assert_eq!(server.get("/index.html").status, 200);
}
