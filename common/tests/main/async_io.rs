//! The async twins (feature `async`) against the blocking originals, over
//! real sockets: the same bytes in get the same request or the same refusal,
//! and the same response goes out. Run with `--features async` (the
//! workspace's tests enable it through chapter13-async).
#![cfg(feature = "async")]
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use common::{Config, HttpError, Response, async_io};

fn config() -> Config {
    let mut config = Config::try_parse_from("test", "test", &[]).unwrap();
    config.read_timeout = Duration::from_millis(300);
    config.request_timeout = Duration::from_secs(2);
    config
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A client that sends `raw` in `pieces`, then waits for the answer (or the
/// close) and returns every byte the server sent.
fn client(addr: std::net::SocketAddr, raw: Vec<u8>, pieces: usize) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let size = raw.len().div_ceil(pieces.max(1)).max(1);
        for piece in raw.chunks(size) {
            stream.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(5));
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answer
    })
}

/// What a reader made of a request, comparable across the two.
fn outcome(result: &Result<Option<common::Request>, HttpError>) -> String {
    match result {
        Ok(Some(request)) => format!("{request:?}"),
        Ok(None) => "none".to_owned(),
        Err(err) => format!("{:?}", err.status()),
    }
}

/// Reads with the blocking reader, answers with `report_error` or a 404, and
/// returns the outcome and the bytes the client got (Date removed).
fn blocking_run(raw: &[u8], pieces: usize) -> (String, Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = client(listener.local_addr().unwrap(), raw.to_vec(), pieces);
    let (socket, _) = listener.accept().unwrap();
    let mut socket = common::Connection::new(socket, &config());
    let result = common::receive_request(&mut socket);
    let seen = outcome(&result);
    match result {
        Ok(Some(_)) => Response::not_found().send(&socket).unwrap(),
        Ok(None) => {}
        Err(err) => common::report_error(&socket, &err),
    }
    drop(socket);
    (seen, undated(client.join().unwrap()))
}

/// The same with the async twins.
fn async_run(raw: &[u8], pieces: usize) -> (String, Vec<u8>) {
    runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = client(listener.local_addr().unwrap(), raw.to_vec(), pieces);
        let (socket, _) = listener.accept().await.unwrap();
        let mut socket = async_io::Connection::new(socket, &config());
        let result = async_io::receive_request(&mut socket).await;
        let seen = outcome(&result);
        match result {
            Ok(Some(_)) => async_io::send(Response::not_found(), &socket)
                .await
                .unwrap(),
            Ok(None) => {}
            Err(err) => async_io::report_error(&socket, &err).await,
        }
        drop(socket);
        (seen, undated(client.join().unwrap()))
    })
}

/// `bytes` without its `Date:` line, which differs by the second.
fn undated(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&bytes).into_owned();
    text.split("\r\n")
        .filter(|line| !line.starts_with("Date: "))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes()
}

#[test]
fn both_readers_decide_alike_and_answer_alike() {
    let cookie = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "a".repeat(6000)
    );
    let too_big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "a".repeat(9000)
    );
    let cases: Vec<(Vec<u8>, usize)> = vec![
        (b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 1),
        (b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 7),
        (b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 3),
        (cookie.into_bytes(), 4),
        (too_big.into_bytes(), 2),
        (b"garbage\r\n\r\n".to_vec(), 1),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n".to_vec(),
            1,
        ),
        (b"HEAD / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".to_vec(), 2),
        (b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 1),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
            1,
        ),
        // Half a head, then silence: 408 at the read timeout, in both.
        (b"GET / HTTP/1.1\r\nHo".to_vec(), 1),
        // Nothing at all: no request, nobody to answer.
        (Vec::new(), 1),
    ];
    for (raw, pieces) in cases {
        let blocking = blocking_run(&raw, pieces);
        let asynchronous = async_run(&raw, pieces);
        let shown = String::from_utf8_lossy(&raw[..raw.len().min(40)]).into_owned();
        assert_eq!(
            blocking.0, asynchronous.0,
            "{shown:?}: the readers disagree"
        );
        assert_eq!(
            String::from_utf8_lossy(&blocking.1),
            String::from_utf8_lossy(&asynchronous.1),
            "{shown:?}: the answers differ"
        );
    }
}

#[test]
fn a_file_large_enough_to_stream_arrives_whole() {
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let path: PathBuf =
        std::env::temp_dir().join(format!("henaserver-async-{}", std::process::id()));
    std::fs::write(&path, &content).unwrap();
    let dir = path.parent().unwrap().to_owned();
    let name = format!("/{}", path.file_name().unwrap().to_string_lossy());
    let got = runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let request = format!("GET {name} HTTP/1.1\r\nHost: x\r\n\r\n");
        let client = client(listener.local_addr().unwrap(), request.into_bytes(), 1);
        let (socket, _) = listener.accept().await.unwrap();
        let mut socket = async_io::Connection::new(socket, &config());
        let request = async_io::receive_request(&mut socket)
            .await
            .unwrap()
            .unwrap();
        let root = dir.canonicalize().unwrap();
        let file = async_io::open_static_file(&root, &request.path)
            .await
            .unwrap();
        let content_type = mime_guess::mime::APPLICATION_OCTET_STREAM;
        async_io::send(Response::file(file, content_type), &socket)
            .await
            .unwrap();
        drop(socket);
        client.join().unwrap()
    });
    std::fs::remove_file(&path).unwrap();
    let end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(got[..end].starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(
        got[end..] == content[..],
        "{} bytes of {}",
        got.len() - end,
        content.len()
    );
}
