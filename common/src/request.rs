//! Reading one HTTP/1.x request from a socket, under firm limits.
//!
//! The book reads once with `recv(4096)` and splits the bytes by hand. Here the
//! bytes are appended to a capped buffer and handed to `httparse` after every
//! read, so a request split over many packets, or longer than 4096 bytes, parses.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use log::debug;

use crate::{Config, HttpError};

/// At most this many header lines (more gets 431), as in hyper's default.
pub const MAX_HEADERS: usize = 64;

/// Size limits for one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line plus headers, in bytes (more gets 431).
    pub max_head: usize,
    /// Declared body size (more gets 413).
    pub max_body: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 8 * 1024,
            max_body: 1024 * 1024,
        }
    }
}

/// A parsed request, owned: what the book's `parse_http_request` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target as sent, e.g. `/index.html?x=1`.
    pub path: String,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub http_version: &'static str,
    /// Header names and raw values, in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, exactly `Content-Length` bytes (empty without one).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// True for HEAD, which gets the headers of a GET and no body.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// Reads the next request from `client_socket` with the configured limits and
/// timeouts, and refuses methods other than GET and HEAD (405).
///
/// Each read waits at most `read_timeout`, and the whole request must arrive
/// within `request_timeout`, so a silent or trickling client cannot hold the
/// server. Writes on this socket get `write_timeout` from here on.
pub fn receive_request(client_socket: &TcpStream, config: &Config) -> Result<Request, HttpError> {
    client_socket.set_write_timeout(Some(config.write_timeout))?;
    let mut reader = DeadlineReader {
        stream: client_socket,
        read_timeout: config.read_timeout,
        deadline: Instant::now() + config.request_timeout,
    };
    let request = read_request(&mut reader, &Limits::default())?;
    match request.method.as_str() {
        "GET" | "HEAD" => Ok(request),
        _ => Err(HttpError::MethodNotAllowed(request.method)),
    }
}

/// Reads one request from any byte source: the head, then a body of
/// `Content-Length` bytes. Never reads past `limits`, and never past the body.
pub fn read_request(reader: &mut impl Read, limits: &Limits) -> Result<Request, HttpError> {
    // Most heads fit in 1 KiB; grow by doubling, never past the limit.
    let mut buf = vec![0; limits.max_head.min(1024)];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if buf.len() == limits.max_head {
                return Err(HttpError::HeaderTooLarge);
            }
            buf.resize((buf.len() * 2).min(limits.max_head), 0);
        }
        let n = read_some(reader, &mut buf[filled..], filled == 0)?;
        filled += n;
        // A fresh parser for every attempt: httparse keeps nothing between calls.
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf[..filled]) {
            Ok(httparse::Status::Partial) => continue,
            Ok(httparse::Status::Complete(head_len)) => {
                debug!(
                    "request head:\n{}",
                    String::from_utf8_lossy(&buf[..head_len]).trim_end()
                );
                let mut request = to_owned(&parsed)?;
                let body_len = body_length(&request, limits)?;
                let already = &buf[head_len..filled];
                let take = already.len().min(body_len);
                request.body = already[..take].to_vec();
                read_body(reader, &mut request.body, body_len)?;
                return Ok(request);
            }
            Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeaderTooLarge),
            Err(err) => return Err(HttpError::BadRequest(err.to_string())),
        }
    }
}

/// One `read`, with end-of-stream and timeouts turned into request errors.
fn read_some(
    reader: &mut impl Read,
    buf: &mut [u8],
    nothing_yet: bool,
) -> Result<usize, HttpError> {
    loop {
        return match reader.read(buf) {
            Ok(0) => Err(HttpError::Closed),
            Ok(n) => Ok(n),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) if is_timeout(&err) && nothing_yet => Err(HttpError::Idle),
            Err(err) if is_timeout(&err) => Err(HttpError::Timeout),
            Err(err) => Err(HttpError::Io(err)),
        };
    }
}

fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Copies what the handler needs out of the buffer httparse borrowed from.
fn to_owned(parsed: &httparse::Request<'_, '_>) -> Result<Request, HttpError> {
    // `Complete` guarantees method, path and version; stay defensive anyway.
    let incomplete = || HttpError::BadRequest("incomplete request line".into());
    let request = Request {
        method: parsed.method.ok_or_else(incomplete)?.to_owned(),
        path: parsed.path.ok_or_else(incomplete)?.to_owned(),
        http_version: match parsed.version.ok_or_else(incomplete)? {
            0 => "HTTP/1.0",
            _ => "HTTP/1.1",
        },
        headers: parsed
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_owned()))
            .collect(),
        body: Vec::new(),
    };
    // RFC 9112 3.2: an HTTP/1.1 request without Host must be answered with 400.
    if request.http_version == "HTTP/1.1" && request.header("Host").is_none() {
        return Err(HttpError::BadRequest(
            "HTTP/1.1 request without Host".into(),
        ));
    }
    Ok(request)
}

/// The body size the client announced; chunked bodies are not supported.
fn body_length(request: &Request, limits: &Limits) -> Result<usize, HttpError> {
    if request.header("Transfer-Encoding").is_some() {
        return Err(HttpError::NotImplemented("Transfer-Encoding".into()));
    }
    let mut length: Option<u64> = None;
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("Content-Length") {
            continue;
        }
        let parsed = std::str::from_utf8(value)
            .ok()
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| HttpError::BadRequest("invalid Content-Length".into()))?;
        if length.is_some_and(|l| l != parsed) {
            return Err(HttpError::BadRequest("conflicting Content-Length".into()));
        }
        length = Some(parsed);
    }
    let length = length.unwrap_or(0);
    if length > limits.max_body {
        return Err(HttpError::PayloadTooLarge(length));
    }
    usize::try_from(length).map_err(|_| HttpError::PayloadTooLarge(length))
}

/// Reads the rest of the body, so the connection never closes on unread data.
fn read_body(reader: &mut impl Read, body: &mut Vec<u8>, len: usize) -> Result<(), HttpError> {
    let start = body.len();
    body.resize(len, 0);
    let mut filled = start;
    while filled < len {
        filled += read_some(reader, &mut body[filled..], false)?;
    }
    Ok(())
}

/// Gives every read the socket's read timeout, cut short by an overall deadline.
struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    read_timeout: Duration,
    deadline: Instant,
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream
            .set_read_timeout(Some(left.min(self.read_timeout)))?;
        (&mut &*self.stream).read(buf)
    }
}
