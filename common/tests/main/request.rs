//! Reading requests: fragmentation, limits, malformed input, bodies.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::io::{self, Cursor, Read};

use common::{HttpError, Limits, read_request};

/// Yields the input in the given chunk sizes, one chunk per `read`, then `end`.
struct Chunked {
    data: Vec<u8>,
    sizes: Vec<usize>,
    at: usize,
    end: fn() -> io::Result<usize>,
}

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.data.len() {
            return (self.end)();
        }
        let size = self
            .sizes
            .get(self.at % self.sizes.len().max(1))
            .copied()
            .unwrap_or(1);
        let n = size.max(1).min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn chunked(data: &[u8], sizes: &[usize], end: fn() -> io::Result<usize>) -> Chunked {
    Chunked {
        data: data.to_vec(),
        sizes: sizes.to_vec(),
        at: 0,
        end,
    }
}

fn eof() -> io::Result<usize> {
    Ok(0)
}

fn timeout() -> io::Result<usize> {
    Err(io::ErrorKind::WouldBlock.into())
}

fn read(data: &[u8]) -> Result<Option<common::Request>, HttpError> {
    read_request(&mut Cursor::new(data.to_vec()), &Limits::default())
}

/// The request in `data`, which must be a complete and acceptable head.
fn request(data: &[u8]) -> common::Request {
    read(data).unwrap().expect("a request")
}

/// The status `data` gets, when it is refused.
fn refused(data: &[u8]) -> u16 {
    let err = read(data).unwrap_err();
    err.status().unwrap_or_else(|| panic!("{err}: no status")).0
}

const GET: &[u8] = b"GET /index.html?x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: test\r\n\r\n";

#[test]
fn parses_method_path_version_headers() {
    let request = request(GET);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/index.html?x=1");
    assert_eq!(request.http_version, "HTTP/1.1");
    assert_eq!(request.header("host"), Some(&b"example"[..]));
    assert_eq!(request.headers.len(), 2);
    assert!(request.body.is_empty());
}

#[test]
fn any_chunking_parses_the_same() {
    let whole = read(GET).unwrap();
    assert!(whole.is_some());
    for size in 1..=GET.len() {
        let mut reader = chunked(GET, &[size], eof);
        assert_eq!(
            read_request(&mut reader, &Limits::default()).unwrap(),
            whole,
            "chunk size {size}"
        );
    }
    let mut uneven = chunked(GET, &[3, 1, 7, 2, 30], eof);
    assert_eq!(
        read_request(&mut uneven, &Limits::default()).unwrap(),
        whole
    );
}

#[test]
fn head_longer_than_4096_bytes_parses() {
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "c".repeat(7000)
    );
    let mut reader = chunked(raw.as_bytes(), &[1000], eof);
    let request = read_request(&mut reader, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(request.header("Cookie").map(<[u8]>::len), Some(7000));
}

#[test]
fn head_over_the_limit_is_431_and_reads_no_further() {
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "c".repeat(10_000)
    );
    let mut cursor = Cursor::new(raw.into_bytes());
    let err = read_request(&mut cursor, &Limits::default()).unwrap_err();
    assert!(matches!(err, HttpError::HeaderTooLarge), "{err}");
    assert_eq!(cursor.position(), 8 * 1024, "read past the head limit");
}

#[test]
fn too_many_headers_is_431() {
    let headers: String = (0..65).map(|i| format!("X-{i}: v\r\n")).collect();
    let raw = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
    assert!(matches!(
        read(raw.as_bytes()),
        Err(HttpError::HeaderTooLarge)
    ));
    let headers: String = (0..63).map(|i| format!("X-{i}: v\r\n")).collect();
    let raw = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
    assert!(read(raw.as_bytes()).is_ok(), "64 headers are allowed");
}

#[test]
fn garbage_is_400() {
    for garbage in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b"hello world\r\n\r\n",
        b"GET / FTP/1.0\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ] {
        let result = read(garbage);
        assert!(
            matches!(result, Err(HttpError::BadRequest(_))),
            "{:?} gave {result:?}",
            String::from_utf8_lossy(garbage)
        );
    }
}

#[test]
fn http11_needs_host_but_http10_does_not() {
    assert!(matches!(
        read(b"GET / HTTP/1.1\r\n\r\n"),
        Err(HttpError::BadRequest(_))
    ));
    assert_eq!(request(b"GET / HTTP/1.0\r\n\r\n").http_version, "HTTP/1.0");
}

#[test]
fn host_must_be_single_and_valid() {
    for bad in [
        "Host: a\r\nHost: b\r\n",
        "Host: a\r\nhost: a\r\n",
        "Host: exa mple\r\n",
        "Host: example/x\r\n",
        "Host: user@example\r\n",
        "Host: example:80x\r\n",
        "Host: [::1\r\n",
        "Host: []\r\n",
        "Host: [::1]x\r\n",
    ] {
        let raw = format!("GET / HTTP/1.1\r\n{bad}\r\n");
        assert_eq!(refused(raw.as_bytes()), 400, "{bad:?}");
        let raw = format!("GET / HTTP/1.0\r\n{bad}\r\n");
        assert_eq!(refused(raw.as_bytes()), 400, "HTTP/1.0, {bad:?}");
    }
    for good in [
        "example.com",
        "example.com:8080",
        "127.0.0.1:80",
        "[::1]:8080",
        "[::1]",
        "localhost:",
        "xn--r8jz45g.example",
        "",
    ] {
        let raw = format!("GET / HTTP/1.1\r\nHost: {good}\r\n\r\n");
        assert_eq!(request(raw.as_bytes()).method, "GET", "{good:?}");
    }
}

#[test]
fn methods_other_than_get_and_head_are_refused_from_the_head() {
    for method in [
        "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "CONNECT",
    ] {
        let raw = format!("{method} / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
        // The reader stops at the end of the head: it never waits for the body.
        let mut reader = chunked(raw.as_bytes(), &[1], timeout);
        let err = read_request(&mut reader, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, HttpError::MethodNotAllowed(_)),
            "{method}: {err}"
        );
    }
    for method in ["FOO", "BREW", "get", "PROPFIND"] {
        let raw = format!("{method} / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(refused(raw.as_bytes()), 501, "{method}");
    }
    assert!(request(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").is_head());
}

#[test]
fn end_of_stream_and_timeouts() {
    let mut closed = chunked(b"GET / HT", &[4], eof);
    assert!(matches!(
        read_request(&mut closed, &Limits::default()),
        Err(HttpError::Closed)
    ));
    // Nothing at all is no request, and no error: a preconnect, a health check.
    let mut silent = chunked(b"", &[1], timeout);
    assert!(matches!(
        read_request(&mut silent, &Limits::default()),
        Ok(None)
    ));
    let mut gone = chunked(b"", &[1], eof);
    assert!(matches!(
        read_request(&mut gone, &Limits::default()),
        Ok(None)
    ));
    let mut trickle = chunked(b"GET / HT", &[1], timeout);
    assert!(matches!(
        read_request(&mut trickle, &Limits::default()),
        Err(HttpError::Timeout)
    ));
}

#[test]
fn a_body_is_neither_awaited_nor_kept() {
    let raw = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloNEXT REQUEST";
    let head_len = raw.len() - "helloNEXT REQUEST".len();
    // One byte per read: the reader stops at the end of the head.
    let mut reader = chunked(raw, &[1], eof);
    let request = read_request(&mut reader, &Limits::default())
        .unwrap()
        .unwrap();
    assert!(request.body.is_empty());
    assert_eq!(reader.at, head_len, "read past the head");
    // A body announced but never sent does not hold the answer up.
    let mut short = chunked(
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\nabc",
        &[50],
        timeout,
    );
    let request = read_request(&mut short, &Limits::default()).unwrap();
    assert!(request.is_some_and(|r| r.body.is_empty()));
}

#[test]
fn body_limits_and_bad_lengths() {
    let limits = Limits {
        max_head: 8192,
        max_body: 10,
    };
    let big = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n";
    let err = read_request(&mut Cursor::new(big.to_vec()), &limits).unwrap_err();
    assert!(matches!(err, HttpError::PayloadTooLarge(11)));
    assert_eq!(err.status(), Some((413, "Content Too Large")));
    for bad in ["-1", "1x", "", "+5", "99999999999999999999999"] {
        let raw = format!("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: {bad}\r\n\r\n");
        assert!(
            matches!(read(raw.as_bytes()), Err(HttpError::BadRequest(_))),
            "{bad:?}"
        );
    }
    let twice = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
    assert!(matches!(read(twice), Err(HttpError::BadRequest(_))));
    let chunked_body = b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(
        read(chunked_body).unwrap_err().status(),
        Some((501, "Not Implemented"))
    );
}

#[test]
fn statuses_of_every_error() {
    let expect = [
        (HttpError::BadRequest(String::new()), Some(400)),
        (HttpError::BadPath(""), Some(400)),
        (HttpError::MovedPermanently("/a/".into()), Some(301)),
        (HttpError::Forbidden, Some(403)),
        (HttpError::PermissionDenied, Some(403)),
        (HttpError::NotFound, Some(404)),
        (HttpError::MethodNotAllowed("PUT".into()), Some(405)),
        (HttpError::Timeout, Some(408)),
        (HttpError::PayloadTooLarge(1), Some(413)),
        (HttpError::HeaderTooLarge, Some(431)),
        (HttpError::NotImplemented(String::new()), Some(501)),
        (
            HttpError::FileSystem(io::Error::from_raw_os_error(24)),
            Some(500),
        ),
        (HttpError::Closed, None),
        (HttpError::Io(io::ErrorKind::BrokenPipe.into()), None),
    ];
    for (err, status) in expect {
        assert_eq!(err.status().map(|s| s.0), status, "{err}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn a_client_that_says_close_and_sends_no_body_sends_nothing_more() {
    let says = |head: &str| request(head.as_bytes()).sends_nothing_more();
    assert!(says(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ));
    assert!(says(
        "GET / HTTP/1.1\r\nHost: x\r\nconnection: Upgrade, CLOSE\r\n\r\n"
    ));
    assert!(says("GET / HTTP/1.0\r\n\r\n"));
    assert!(says(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    ));
    // Keeping the connection: another request may follow (pipelining).
    assert!(!says("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert!(!says("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    assert!(!says(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n"
    ));
    // A body may still be on its way.
    assert!(!says(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\n"
    ));
}
