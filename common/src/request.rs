//! Reading one HTTP/1.x request from a socket, under firm limits.
//!
//! The book reads once with `recv(4096)` and splits the bytes by hand. Here the
//! bytes are appended to a capped buffer and handed to `httparse` after every
//! read, so a request split over many packets, or longer than 4096 bytes, parses.
//!
//! The HTTP work is done by [`RequestParser`], which does no I/O; the blocking
//! reader here and the async one (`crate::async_io`) only move bytes into it.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use log::{debug, info};

use crate::{Connection, HttpError};

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

    /// True when the client has said it sends nothing after this request:
    /// `Connection: close` (or HTTP/1.0 without `keep-alive`), which forbids
    /// another request on the connection (RFC 9112 9.6), and no body. Then
    /// the connection can be closed at once after the answer: no byte can
    /// arrive after the close and make the kernel reset it.
    pub fn sends_nothing_more(&self) -> bool {
        let has_token = |token: &str| {
            self.headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("Connection"))
                .flat_map(|(_, value)| value.split(|&b| b == b','))
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        };
        let closes =
            has_token("close") || (self.http_version == "HTTP/1.0" && !has_token("keep-alive"));
        let body = self.header("Transfer-Encoding").is_some()
            || self
                .header("Content-Length")
                .is_some_and(|length| length.trim_ascii() != b"0");
        closes && !body
    }
}

/// Reads the next request from `client_socket` with the configured limits and
/// timeouts. `Ok(None)` means the client sent nothing at all: it closed, or
/// stayed silent for `--read-timeout` (a browser's preconnect, a health
/// check). That is not an error, and there is nobody to answer.
///
/// Each read waits at most `--read-timeout`, and the whole request must
/// arrive within `--request-timeout`, so a silent or trickling client cannot
/// hold the server. The connection remembers whether the request is `HEAD`,
/// also when it fails: its error page then goes without a body.
pub fn receive_request(client_socket: &mut Connection) -> Result<Option<Request>, HttpError> {
    let timeouts = client_socket.timeouts;
    let mut reader = DeadlineReader {
        stream: client_socket.socket(),
        read_timeout: timeouts.read,
        deadline: request_deadline(timeouts.request),
        timed_out: false,
    };
    let mut parser = RequestParser::new(Limits::default());
    let result = read_into(&mut reader, &mut parser);
    let timed_out = reader.timed_out;
    client_socket.remember(&parser, &result);
    log_no_request(result, timed_out)
}

/// When the whole request must have arrived, `request_timeout` from now; a
/// deadline too far away to represent is no deadline.
pub(crate) fn request_deadline(request_timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(request_timeout)
}

/// How long the next read may wait: `read_timeout`, cut short by the
/// request's `deadline`; `None` once the deadline has passed.
pub(crate) fn next_wait(read_timeout: Duration, deadline: Option<Instant>) -> Option<Duration> {
    match deadline {
        None => Some(read_timeout),
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            (!left.is_zero()).then(|| read_timeout.min(left))
        }
    }
}

/// Says why there is no request when there is none (`timed_out`: the last
/// read timed out), in every chapter's words.
pub(crate) fn log_no_request(
    result: Result<Option<Request>, HttpError>,
    timed_out: bool,
) -> Result<Option<Request>, HttpError> {
    match result {
        Ok(None) if timed_out => {
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
///
/// The blocking reader over [`RequestParser`], which does the HTTP work.
pub fn read_request(reader: &mut impl Read, limits: &Limits) -> Result<Option<Request>, HttpError> {
    read_into(reader, &mut RequestParser::new(*limits))
}

/// [`read_request`] with the caller's parser, which can say afterwards what
/// had arrived (whether it was `HEAD`).
fn read_into(
    reader: &mut impl Read,
    parser: &mut RequestParser,
) -> Result<Option<Request>, HttpError> {
    loop {
        let n = match read_some(reader, parser.space()?) {
            Ok(n) => n,
            Err(err @ (HttpError::Closed | HttpError::Timeout)) => return parser.end(err),
            Err(err) => return Err(err),
        };
        if let Some(request) = parser.filled(n)? {
            return Ok(Some(request));
        }
    }
}

/// The HTTP half of reading a request, without any I/O (the "sans-I/O"
/// design of Python's h11 and of httparse itself): it is handed the bytes
/// that arrived and says whether a request is complete, more is needed, or
/// the bytes are refused. The blocking reader ([`read_request`]) and the
/// async one (`common::async_io`, feature `async`) drive it the same way:
///
/// 1. read into [`RequestParser::space`] (it grows, never past the limit);
/// 2. hand the count to [`RequestParser::filled`]: `Ok(Some(request))`,
///    `Ok(None)` (read more), or the error to answer with;
/// 3. on end of stream or a timeout, [`RequestParser::end`] tells "no request
///    at all" from a request cut short.
///
/// [`RequestParser::feed`] does all three for bytes already in memory: the
/// entry point for property tests and fuzzers.
#[derive(Debug)]
pub struct RequestParser {
    limits: Limits,
    /// Allocated at the first [`RequestParser::space`]: a connection that
    /// sends nothing holds no buffer.
    buf: Vec<u8>,
    filled: usize,
    /// Bytes that arrived after the complete head (a body, or a pipelined
    /// request).
    after_head: usize,
}

impl RequestParser {
    /// A parser for one request under `limits`. Allocates nothing.
    pub fn new(limits: Limits) -> RequestParser {
        RequestParser {
            limits,
            buf: Vec::new(),
            filled: 0,
            after_head: 0,
        }
    }

    /// Where the next read should put its bytes: never empty. Most heads fit
    /// in 1 KiB, so the buffer starts there and doubles, never past the
    /// head's limit: a full buffer at the limit is a head too large (431).
    pub fn space(&mut self) -> Result<&mut [u8], HttpError> {
        if self.filled == self.buf.len() {
            if self.buf.len() >= self.limits.max_head {
                return Err(HttpError::HeaderTooLarge);
            }
            let grown = if self.buf.is_empty() {
                1024
            } else {
                self.buf.len() * 2
            };
            self.buf.resize(grown.min(self.limits.max_head), 0);
        }
        Ok(&mut self.buf[self.filled..])
    }

    /// `n` more bytes are in [`RequestParser::space`]: parses what has
    /// arrived. `Ok(None)`: the head is not complete yet.
    pub fn filled(&mut self, n: usize) -> Result<Option<Request>, HttpError> {
        self.filled = (self.filled + n).min(self.buf.len());
        // A fresh parser for every attempt: httparse keeps nothing between calls.
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&self.buf[..self.filled]) {
            Ok(httparse::Status::Partial) => Ok(None),
            Ok(httparse::Status::Complete(head_len)) => {
                debug!(
                    "request head:\n{}",
                    String::from_utf8_lossy(&self.buf[..head_len]).trim_end()
                );
                self.after_head = self.filled - head_len;
                let request = to_owned(&parsed)?;
                check_host(&request)?;
                check_method(&request.method)?;
                check_body_framing(&request, &self.limits)?;
                Ok(Some(request))
            }
            Err(httparse::Error::TooManyHeaders) => Err(HttpError::HeaderTooLarge),
            Err(err) => Err(HttpError::BadRequest(err.to_string())),
        }
    }

    /// The byte source ended (`why` is [`HttpError::Closed`]) or timed out
    /// ([`HttpError::Timeout`]): `Ok(None)` if not a byte had arrived (nobody
    /// to answer), otherwise `why`, the error a request cut short gets.
    pub fn end(&self, why: HttpError) -> Result<Option<Request>, HttpError> {
        if self.filled == 0 { Ok(None) } else { Err(why) }
    }

    /// True when what has arrived starts a HEAD request: an error page
    /// answering it must go without its body (RFC 9110 9.3.2).
    pub fn is_head(&self) -> bool {
        self.buf[..self.filled].starts_with(b"HEAD ")
    }

    /// How many bytes arrived after the complete head.
    pub fn after_head(&self) -> usize {
        self.after_head
    }

    /// Hands `bytes` to the parser as if they had been read, in as many
    /// pieces as [`RequestParser::space`] takes; then, if no request is
    /// complete, `Ok(None)`. Never looks past the head's limit.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<Option<Request>, HttpError> {
        while !bytes.is_empty() {
            let space = self.space()?;
            let n = space.len().min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if let Some(request) = self.filled(n)? {
                self.after_head += bytes.len();
                return Ok(Some(request));
            }
        }
        Ok(None)
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

pub(crate) fn is_timeout(err: &io::Error) -> bool {
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
        let Some(wait) = next_wait(self.read_timeout, self.deadline) else {
            self.timed_out = true;
            return Err(io::ErrorKind::TimedOut.into());
        };
        self.stream.set_read_timeout(Some(wait))?;
        let result = (&mut &*self.stream).read(buf);
        self.timed_out = result.as_ref().is_err_and(is_timeout);
        result
    }
}
