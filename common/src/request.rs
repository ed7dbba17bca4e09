//! Reading one HTTP/1.x request from a socket, under firm limits.
//!
//! The book reads once with `recv(4096)` and splits the bytes by hand. Here the
//! bytes are appended to a capped buffer and handed to `httparse` after every
//! read, so a request split over many packets, or longer than 4096 bytes, parses.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use log::{debug, info};

use crate::{Config, HttpError, response};

/// At most this many header lines (more gets 431), as in hyper's default.
pub const MAX_HEADERS: usize = 64;

/// Size limits for one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line plus headers, in bytes (more gets 431).
    pub max_head: usize,
    /// Declared body size (more gets 413). Bodies are never read, but a
    /// client announcing more than this is told at once.
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
    /// `GET` or `HEAD`: any other method is refused from the head (405 or 501).
    pub method: String,
    /// The request target as sent, e.g. `/index.html?x=1`.
    pub path: String,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub http_version: &'static str,
    /// Header names and raw values, in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Always empty. This server answers only GET and HEAD, whose bodies carry
    /// no meaning (RFC 9110 9.3.1), so a body is never awaited nor kept in
    /// memory: the answer goes out at once, and whatever the client still
    /// sends is drained, within bounds, when the connection closes.
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
/// timeouts. `Ok(None)` means the client sent nothing at all: it closed, or
/// stayed silent for `read_timeout` (a browser's preconnect, a health check).
/// That is not an error, and there is nobody to answer.
///
/// Each read waits at most `read_timeout`, and the whole request must arrive
/// within `request_timeout`, so a silent or trickling client cannot hold the
/// server. Writes on this socket get `write_timeout` from here on.
pub fn receive_request(
    client_socket: &TcpStream,
    config: &Config,
) -> Result<Option<Request>, HttpError> {
    response::answering_head(false);
    client_socket.set_write_timeout(Some(config.write_timeout))?;
    let mut reader = DeadlineReader {
        stream: client_socket,
        read_timeout: config.read_timeout,
        // A deadline too far away to represent is no deadline.
        deadline: Instant::now().checked_add(config.request_timeout),
        timed_out: false,
    };
    match read_request(&mut reader, &Limits::default()) {
        Ok(None) if reader.timed_out => {
            info!("no request (cause: the client sent nothing before the read timeout)");
            Ok(None)
        }
        Ok(None) => {
            info!("no request: the client closed the connection without sending one");
            Ok(None)
        }
        other => other,
    }
}

/// Reads one request head from any byte source and checks it: `Host`
/// (RFC 9112 3.2), the method (405 or 501), and the body's framing (400, 413,
/// 501). Never reads past the head's limit; never reads a body.
/// `Ok(None)`: the source ended or timed out before its first byte.
pub fn read_request(reader: &mut impl Read, limits: &Limits) -> Result<Option<Request>, HttpError> {
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
        let n = match read_some(reader, &mut buf[filled..]) {
            Ok(n) => n,
            Err(HttpError::Closed | HttpError::Timeout) if filled == 0 => return Ok(None),
            Err(err) => return Err(err),
        };
        filled += n;
        response::answering_head(buf[..filled].starts_with(b"HEAD "));
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
                let request = to_owned(&parsed)?;
                check_host(&request)?;
                check_method(&request.method)?;
                check_body_framing(&request, limits)?;
                return Ok(Some(request));
            }
            Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeaderTooLarge),
            Err(err) => return Err(HttpError::BadRequest(err.to_string())),
        }
    }
}

/// One `read`, with end-of-stream and timeouts turned into request errors.
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, HttpError> {
    loop {
        return match reader.read(buf) {
            Ok(0) => Err(HttpError::Closed),
            Ok(n) => Ok(n),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
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
    Ok(request)
}

/// RFC 9112 3.2: 400 for an HTTP/1.1 request without `Host`, and for any
/// request with more than one `Host` or an invalid one.
fn check_host(request: &Request) -> Result<(), HttpError> {
    let mut hosts = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Host"));
    let bad = |why: &str| Err(HttpError::BadRequest(why.into()));
    match (hosts.next(), hosts.next()) {
        (_, Some(_)) => bad("more than one Host header"),
        (None, None) if request.http_version == "HTTP/1.1" => bad("HTTP/1.1 request without Host"),
        (None, None) => Ok(()),
        (Some((_, value)), None) if valid_host(value.trim_ascii()) => Ok(()),
        (Some(_), None) => bad("invalid Host header"),
    }
}

/// `uri-host [ ":" port ]` (RFC 3986 3.2.2); empty is allowed (RFC 9112 3.2).
fn valid_host(value: &[u8]) -> bool {
    let port = match value.strip_prefix(b"[") {
        // An IP literal such as `[::1]`.
        Some(rest) => match rest.iter().position(|&b| b == b']') {
            Some(end)
                if end > 0
                    && rest[..end]
                        .iter()
                        .all(|&b| b.is_ascii_hexdigit() || b".:".contains(&b)) =>
            {
                &rest[end + 1..]
            }
            _ => return false,
        },
        // A name or an IPv4 address: unreserved, sub-delims and `%`.
        None => {
            let end = value.iter().position(|&b| b == b':').unwrap_or(value.len());
            let (name, port) = value.split_at(end);
            if !name
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b))
            {
                return false;
            }
            port
        }
    };
    match port {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Only GET and HEAD are served. Other methods HTTP defines get 405 (with
/// `Allow`), methods it does not define 501 (RFC 9110 9.1), both from the head.
fn check_method(method: &str) -> Result<(), HttpError> {
    const DEFINED: [&str; 7] = [
        "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    match method {
        "GET" | "HEAD" => Ok(()),
        _ if DEFINED.contains(&method) => Err(HttpError::MethodNotAllowed(method.to_owned())),
        _ => Err(HttpError::NotImplemented(format!("method {method}"))),
    }
}

/// Checks what the head says about a body: chunked bodies are not supported
/// (501), a `Content-Length` must be valid and single (400) and within the
/// limit (413). The body itself is never read (see [`Request::body`]).
fn check_body_framing(request: &Request, limits: &Limits) -> Result<(), HttpError> {
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
    match length {
        Some(length) if length > limits.max_body => Err(HttpError::PayloadTooLarge(length)),
        _ => Ok(()),
    }
}

/// Gives every read the socket's read timeout, cut short by an overall deadline.
struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    read_timeout: Duration,
    deadline: Option<Instant>,
    /// Whether the last read failed by timing out, to tell an idle client
    /// from one that closed.
    timed_out: bool,
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut wait = self.read_timeout;
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.timed_out = true;
                return Err(io::ErrorKind::TimedOut.into());
            }
            wait = wait.min(left);
        }
        self.stream.set_read_timeout(Some(wait))?;
        let result = (&mut &*self.stream).read(buf);
        self.timed_out = result.as_ref().is_err_and(is_timeout);
        result
    }
}
