//! The checker's side of the wire: raw TCP as a browser or `curl` would
//! send it, every connect, read and write under a timeout, every answer
//! read under a size cap, so that no server can make the checker hang.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::text::Text;

/// Longest wait for a connection to be accepted by the kernel.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest wait for a whole answer to an ordinary request.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for one write; requests are small, so this only trips when
/// the server stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(3);
/// After the body that `Content-Length` announced, how long to wait for the
/// server to close (it was asked to) or to send bytes it should not.
const CLOSE_GRACE: Duration = Duration::from_millis(500);
/// The same wait where the report says whether the server closed: a server
/// that closes does so within milliseconds, one that does not never does,
/// so a margin this wide tells them apart on a busy machine too (it costs
/// time only with a server that keeps the connection open).
pub const CLOSE_VERDICT_GRACE: Duration = Duration::from_secs(3);
/// The most header lines an answer may have.
const MAX_HEADERS: usize = 100;
/// The most bytes of an answer's head: the chapters' heads are a few lines.
pub const HEAD_CAP: usize = 64 * 1024;
/// The most bytes read for one answer, above what is expected: a server that
/// answers forever is cut off here.
pub const RESPONSE_CAP: usize = 32 * 1024 * 1024;

/// Where the server is: the URL's authority and path, and every address its
/// host name resolves to. The first address that accepts is kept.
#[derive(Debug)]
pub struct Target {
    authority: String,
    base: String,
    addrs: Vec<SocketAddr>,
    chosen: Mutex<Option<SocketAddr>>,
}

impl Target {
    /// Parses `http://HOST[:PORT][/PATH]` (the scheme may be left out) and
    /// resolves HOST to all its addresses, IPv4 and IPv6.
    pub fn parse(url: &str) -> Result<Target, Text> {
        let rest = match url.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => {
                return Err(Text::new(
                    format!(
                        "{scheme}:// には対応していません。http:// の URL を指定してください（本のサーバーは TLS を使いません）"
                    ),
                    format!(
                        "{scheme}:// is not supported: give an http:// URL (the book's server does not speak TLS)"
                    ),
                ));
            }
            None => url,
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        // The folder the URL names: stages ask for files in it.
        let base = &path[..path.rfind('/').map_or(0, |at| at + 1)];
        let (host, port) = split_host_port(authority).ok_or_else(|| {
            if let Some(port) = bad_port(authority) {
                return Text::new(
                    format!(
                        "URL {url} のポート {port} は使えません。ポートは 1 から 65535 までです"
                    ),
                    format!(
                        "the port {port} in the URL {url} cannot be used: a port is from 1 to 65535"
                    ),
                );
            }
            Text::new(
                format!("URL {url} のホストとポートが読めません"),
                format!("cannot read a host and port in the URL {url}"),
            )
        })?;
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|err| {
                Text::new(
                    format!("{host} のアドレスが分かりません（{err}）"),
                    format!("cannot resolve {host} ({err})"),
                )
            })?
            .collect();
        if addrs.is_empty() {
            return Err(Text::new(
                format!("{host} にはアドレスがありません"),
                format!("{host} has no address"),
            ));
        }
        Ok(Target {
            authority: authority.to_owned(),
            base: if base.is_empty() {
                "/".to_owned()
            } else {
                base.to_owned()
            },
            addrs,
            chosen: Mutex::new(None),
        })
    }

    /// A target at one known address (tests start servers on port 0).
    pub fn from_addr(addr: SocketAddr) -> Target {
        Target {
            authority: addr.to_string(),
            base: "/".to_owned(),
            addrs: vec![addr],
            chosen: Mutex::new(None),
        }
    }

    /// The addresses tried, in order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// `HOST:PORT` as the URL gave it.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The address that accepted a connection, once one has.
    pub fn chosen(&self) -> Option<SocketAddr> {
        *self.chosen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The request target for `file` in the URL's folder, e.g. `/index.html`.
    pub fn path(&self, file: &str) -> String {
        format!("{}{file}", self.base)
    }

    /// The full URL of `path`, for the `curl` lines.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.authority)
    }

    /// A request as a browser's minimal one, with `Connection: close`.
    pub fn request(&self, method: &str, path: &str) -> Vec<u8> {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: henaserver-checker\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            self.authority
        )
        .into_bytes()
    }

    /// Connects, trying the address that worked before, then every other.
    pub fn connect(&self) -> Result<TcpStream, FetchError> {
        let mut order: Vec<SocketAddr> = self.chosen().into_iter().collect();
        order.extend(self.addrs.iter().filter(|a| Some(**a) != self.chosen()));
        let mut last = None;
        for addr in order {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(stream) => {
                    *self.chosen.lock().unwrap_or_else(|e| e.into_inner()) = Some(addr);
                    stream.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(io)?;
                    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).map_err(io)?;
                    return Ok(stream);
                }
                Err(err) if is_out_of_descriptors(&err) => {
                    return Err(FetchError::OwnLimit(err.to_string()));
                }
                Err(err) => last = Some(err),
            }
        }
        Err(FetchError::Refused(
            last.map_or_else(String::new, |e| e.to_string()),
        ))
    }
}

/// The digits after the last colon, when they are a number but no port
/// (0, or above 65535).
fn bad_port(authority: &str) -> Option<&str> {
    let (_, port) = authority.rsplit_once(':')?;
    let all_digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    (all_digits && !port.parse::<u16>().is_ok_and(|p| p != 0)).then_some(port)
}

/// `host:port`, `[v6]:port`, or `host` (port 80); port 0 is no port.
fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = split_host_port_any(authority)?;
    (port != 0).then_some((host, port))
}

fn split_host_port_any(authority: &str) -> Option<(&str, u16)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().ok()?,
            None if after.is_empty() => 80,
            None => return None,
        };
        return Some((host, port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => Some((host, port.parse().ok()?)),
        Some(_) => None,
        None if !authority.is_empty() => Some((authority, 80)),
        None => None,
    }
}

/// EMFILE or ENFILE (the same numbers on Linux and macOS), or Windows'
/// WSAEMFILE: the checker's own process or system ran out of descriptors.
pub fn is_out_of_descriptors(err: &std::io::Error) -> bool {
    match err.raw_os_error() {
        Some(code) if cfg!(unix) => code == 24 || code == 23,
        Some(code) if cfg!(windows) => code == 10024,
        _ => false,
    }
}

/// The soft limit on open files the checker runs with, once
/// [`raise_open_files_limit`] has run (unix only); 0 before.
static OPEN_FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Raises the checker's soft limit on open files to its hard limit (at most
/// 10 240): the pool stages hold `--max-workers` connections at once, and
/// macOS Terminal starts with 256. Windows has no such limit on sockets
/// (`rlimit` does nothing there). Returns the limit now in force, if known.
pub fn raise_open_files_limit() -> Option<u64> {
    raise_open_files_limit_to(10_240)
}

/// Raises this process's soft limit on open files as far as `at_most` and
/// the hard limit allow (`u64::MAX`: to the hard limit), and returns the
/// limit now in force; `None` where there is no such limit (Windows) or it
/// cannot be read. Processes started afterwards inherit it. The one place
/// in the workspace that touches the limit: the tests and `lesson-demo`
/// call this too.
pub fn raise_open_files_limit_to(at_most: u64) -> Option<u64> {
    if !cfg!(unix) {
        return None;
    }
    let limit = rlimit::increase_nofile_limit(at_most).ok()?;
    OPEN_FILES.store(limit, std::sync::atomic::Ordering::Relaxed);
    Some(limit)
}

fn io(err: std::io::Error) -> FetchError {
    FetchError::Io(err.to_string())
}

/// An answer as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header lines, names as sent.
    pub headers: Vec<(String, String)>,
    /// Everything after the head, as received.
    pub body: Vec<u8>,
    /// From sending the request to the end of the answer: the announced
    /// body complete, or the server closing.
    pub elapsed: Duration,
    /// The server left the connection open after a complete answer,
    /// although the request said `Connection: close`.
    pub kept_open: bool,
    /// The lines of the head (status line included) that end with a bare
    /// `\n` instead of `\r\n`, escaped; curl and browsers accept them.
    pub bare_lf: Vec<String>,
}

impl Reply {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lower case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        let value = self.header("Content-Type")?;
        Some(
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
        )
    }

    /// `Content-Length`, if present and a number.
    pub fn content_length(&self) -> Option<u64> {
        self.header("Content-Length")?.trim().parse().ok()
    }
}

/// Why no complete answer came.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// No address accepted a connection.
    Refused(String),
    /// Connected, but not a byte came back in time.
    NoAnswer(Duration),
    /// Part of an answer came, then nothing more in time.
    Stalled {
        /// Bytes of the body received, or of the head if it is incomplete.
        received: usize,
        /// The body length announced, if the head was complete; `None`: the
        /// head itself is incomplete (see [`FetchError::NoLength`] for a
        /// complete head without `Content-Length`).
        expected: Option<u64>,
        /// How long the checker waited.
        waited: Duration,
    },
    /// The head was complete but had no `Content-Length`, and the server
    /// kept the connection open: the end of the body cannot be known.
    NoLength {
        /// Bytes of the body received.
        received: usize,
        /// How long the checker waited.
        waited: Duration,
    },
    /// The checker itself could not open another connection: it ran out of
    /// file descriptors (its own limit, not the server's).
    OwnLimit(String),
    /// The status line is HTTP, but the head is not well formed, or is
    /// longer than any answer here should have.
    BadHead {
        /// What is wrong, in plain words and both languages: the line that
        /// broke the head, and what it lacks.
        why: Text,
        /// The line was the body's first, read as a header: the empty line
        /// between the head and the body is missing.
        no_empty_line: bool,
    },
    /// The server closed without sending a byte.
    Closed,
    /// The server closed in the middle of the head.
    ClosedMidHead(usize),
    /// The connection was reset before a complete answer.
    Reset(usize),
    /// The first bytes are not an HTTP status line.
    NotHttp(String),
    /// More bytes than any answer here should have.
    Unended(usize),
    /// Another socket error.
    Io(String),
}

impl FetchError {
    /// True when the server stopped answering (a timeout, or nothing
    /// listening any more): later stages would only wait for the same.
    pub fn is_unresponsive(&self) -> bool {
        matches!(
            self,
            FetchError::Refused(_) | FetchError::NoAnswer(_) | FetchError::Stalled { .. }
        )
    }

    /// True when the connection was closed, reset or refused without an
    /// answer: the server may have stopped (crashed) on this request.
    pub fn is_lost(&self) -> bool {
        matches!(
            self,
            FetchError::Refused(_)
                | FetchError::Closed
                | FetchError::ClosedMidHead(_)
                | FetchError::Reset(_)
                | FetchError::Io(_)
        )
    }

    /// What happened, in both languages.
    pub fn describe(&self) -> Text {
        match self {
            // The system's reason is English on most systems: the Japanese
            // report leaves it out.
            FetchError::Refused(why) => Text::new(
                "接続できません：サーバーはもう待ち受けていません",
                format!("cannot connect ({why}): the server is not listening any more"),
            ),
            FetchError::OwnLimit(why) => own_limit(
                why,
                Some(OPEN_FILES.load(std::sync::atomic::Ordering::Relaxed)).filter(|n| *n > 0),
            ),
            FetchError::NoAnswer(waited) => Text::new(
                format!("{}待っても応答がありません", secs_ja(*waited)),
                format!("no answer in {}", secs(*waited)),
            ),
            FetchError::Stalled {
                received,
                expected,
                waited,
            } => match expected {
                Some(len) => Text::new(
                    format!(
                        "応答が途中で止まりました：Content-Length は本文 {len} バイトですが、{}待って届いたのは {received} バイトです",
                        secs_ja(*waited)
                    ),
                    format!(
                        "the answer stopped part way: Content-Length announces a {len}-byte body, {received} bytes of it arrived in {}",
                        secs(*waited)
                    ),
                ),
                None => Text::new(
                    format!(
                        "応答が途中で止まりました：{}待って届いたのは {received} バイトで、ヘッダーの終わり（空行）がまだ来ていません",
                        secs_ja(*waited)
                    ),
                    format!(
                        "the answer stopped part way: {received} bytes in {}, and the head has not ended yet (no empty line)",
                        secs(*waited)
                    ),
                ),
            },
            FetchError::NoLength { received, waited } => Text::new(
                format!(
                    "ヘッダーは最後（空行）まで届きましたが Content-Length がなく、サーバーは接続を開いたままです：本文の終わりが分かりません（{}待って本文 {received} バイト）。Content-Length を付けるか、送り終えたら接続を閉じてください",
                    secs_ja(*waited)
                ),
                format!(
                    "the head arrived complete (empty line and all) but has no Content-Length, and the server keeps the connection open: the body's end cannot be known ({received} bytes of body in {}); send Content-Length, or close the connection after the body",
                    secs(*waited)
                ),
            ),
            FetchError::BadHead { why, .. } => Text::new(
                format!("応答のヘッダーが HTTP の形になっていません：{}", why.ja),
                format!("the answer's head is not valid HTTP: {}", why.en),
            ),
            FetchError::Closed => Text::new(
                "何も送らずに接続を閉じました",
                "the server closed the connection without answering",
            ),
            FetchError::ClosedMidHead(n) => Text::new(
                format!("ヘッダーの途中（{n} バイト）で接続を閉じました"),
                format!("the server closed the connection in the middle of the head ({n} bytes)"),
            ),
            FetchError::Reset(n) => Text::new(
                format!("{n} バイト受け取ったところで接続がリセットされました"),
                format!("the connection was reset after {n} bytes"),
            ),
            FetchError::NotHttp(start) => Text::new(
                format!("HTTP の応答ではありません：先頭は {start}"),
                format!("not an HTTP answer: it starts with {start}"),
            ),
            FetchError::Unended(n) => Text::new(
                format!(
                    "応答が終わりません：{} を超えたので読むのをやめました",
                    size_ja(*n)
                ),
                format!(
                    "the answer does not end: stopped reading after more than {}",
                    size(*n)
                ),
            ),
            FetchError::Io(why) => {
                Text::new(format!("通信エラー：{why}"), format!("socket error: {why}"))
            }
        }
    }
}

/// The message for running out of descriptors: the checker's own limit.
pub fn own_limit(why: &str, limit: Option<u64>) -> Text {
    let (limit_ja, limit_en) = match limit {
        Some(n) => (format!("（いまの上限は {n}）"), format!(" (now {n})")),
        None => (String::new(), String::new()),
    };
    let (raise_ja, raise_en) = if cfg!(unix) {
        (
            "このターミナルで ulimit -n 4096 として上限を上げるか、--max-workers を小さくしてください",
            "raise it in this terminal with `ulimit -n 4096`, or give a smaller --max-workers",
        )
    } else {
        (
            "--max-workers を小さくしてください",
            "give a smaller --max-workers",
        )
    };
    Text::new(
        format!(
            "チェッカー自身が開けるファイル数の上限{limit_ja}に達し、これ以上接続を開けません（{why}）。サーバーの問題ではありません。{raise_ja}"
        ),
        format!(
            "the checker reached its own limit of open files{limit_en} and cannot open another connection ({why}): this is the checker's limit, not your server's; {raise_en}"
        ),
    )
}

/// A duration in both languages: `3 ミリ秒` / `3 ms`, `2.8 秒` / `2.8 s`.
pub fn dur(d: Duration) -> Text {
    Text::new(secs_ja(d), secs(d))
}

/// A duration as the Japanese report shows it: `3 ミリ秒`, `2.8 秒`.
pub fn secs_ja(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ミリ秒", d.as_millis())
    } else {
        format!("{:.1} 秒", d.as_secs_f64())
    }
}

/// A duration as the report shows it: `3 ms`, `2.8 s`.
pub fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A byte count as the report shows it: `235 bytes`, `32 MiB`.
pub fn size(n: usize) -> String {
    if n >= 1024 * 1024 && n % (1024 * 1024) == 0 {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

/// A byte count as the Japanese report shows it: `235 バイト`, `32 MiB`.
pub fn size_ja(n: usize) -> String {
    if n >= 1024 * 1024 && n % (1024 * 1024) == 0 {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} バイト")
    }
}

/// How to read one answer.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    /// The answer to a HEAD has no body, whatever `Content-Length` says.
    pub head_only: bool,
    /// Give up after this long.
    pub timeout: Duration,
    /// Stop reading beyond this many bytes.
    pub cap: usize,
    /// After a complete answer, how long to wait for the server to close
    /// before counting the connection as kept open.
    pub close_grace: Duration,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            head_only: false,
            timeout: ANSWER_TIMEOUT,
            cap: RESPONSE_CAP,
            close_grace: CLOSE_GRACE,
        }
    }
}

/// Connects, sends `request`, and reads the answer.
pub fn fetch(target: &Target, request: &[u8], expect: Expect) -> Result<Reply, FetchError> {
    let mut stream = target.connect()?;
    send_and_read(&mut stream, request, expect)
}

/// Sends `request` on `stream` and reads the answer.
pub fn send_and_read(
    stream: &mut TcpStream,
    request: &[u8],
    expect: Expect,
) -> Result<Reply, FetchError> {
    let started = Instant::now();
    if let Err(err) = stream.write_all(request) {
        // A server may close before reading everything (the book's reads
        // 4096 bytes once); whatever it answered is still worth reading.
        if !matches!(
            err.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
        ) {
            return Err(io(err));
        }
    }
    read_answer(stream, started, expect)
}

/// Reads one answer that started at `started`: until the server closes,
/// or, once the announced body is complete, until a short grace passes.
pub fn read_answer(
    stream: &mut TcpStream,
    started: Instant,
    expect: Expect,
) -> Result<Reply, FetchError> {
    let deadline = started + expect.timeout;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut head: Option<(usize, Reply)> = None;
    let mut grace_until: Option<Instant> = None;
    // When the announced body was complete; the grace after it is not the
    // server's time.
    let mut complete_after: Option<Duration> = None;
    let mut kept_open = false;
    loop {
        let until = grace_until.map_or(deadline, |g| g.min(deadline));
        let left = until.saturating_duration_since(Instant::now());
        let timed_out = left.is_zero()
            || stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .is_err();
        let read = if timed_out {
            Err(ErrorKind::TimedOut.into())
        } else {
            stream.read(&mut chunk)
        };
        match read {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > expect.cap {
                    return Err(FetchError::Unended(expect.cap));
                }
                if head.is_none() {
                    head = parse_head(&buf)?;
                }
                if let Some((head_len, reply)) = &head {
                    let body = (buf.len() - head_len) as u64;
                    let wanted = if expect.head_only {
                        Some(0)
                    } else {
                        reply.content_length()
                    };
                    if grace_until.is_none() && wanted.is_some_and(|w| body >= w) {
                        grace_until = Some(Instant::now() + expect.close_grace);
                        complete_after = Some(started.elapsed());
                    }
                } else if buf.len() > HEAD_CAP {
                    return Err(FetchError::BadHead {
                        why: Text::new(
                            format!(
                                "{} を超えてもヘッダーの終わり（空行）が来ません",
                                size_ja(HEAD_CAP)
                            ),
                            format!(
                                "no end of the head (an empty line) after more than {}",
                                size(HEAD_CAP)
                            ),
                        ),
                        no_empty_line: false,
                    });
                }
            }
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if grace_until.is_some_and(|g| Instant::now() >= g) {
                    kept_open = true;
                    break; // complete; the server merely kept the connection open
                }
                let waited = started.elapsed();
                if buf.is_empty() {
                    return Err(FetchError::NoAnswer(waited));
                }
                if let Some((len, reply)) = &head
                    && reply.content_length().is_none()
                {
                    return Err(FetchError::NoLength {
                        received: buf.len() - len,
                        waited,
                    });
                }
                return Err(FetchError::Stalled {
                    // The body's bytes once the head is complete, else all.
                    received: buf.len() - head.as_ref().map_or(0, |(len, _)| *len),
                    expected: head.as_ref().and_then(|(_, r)| r.content_length()),
                    waited,
                });
            }
            Err(err)
                if matches!(
                    err.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) =>
            {
                // A reset after a complete answer is the server closing with
                // our unread bytes in its buffer: the answer still counts.
                if grace_until.is_some() {
                    break;
                }
                if buf.is_empty() {
                    return Err(FetchError::Closed);
                }
                return Err(FetchError::Reset(buf.len()));
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(io(err)),
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    match head {
        Some((head_len, mut reply)) => {
            reply.body = buf.split_off(head_len);
            reply.elapsed = complete_after.unwrap_or_else(|| started.elapsed());
            reply.kept_open = kept_open;
            Ok(reply)
        }
        None if buf.is_empty() => Err(FetchError::Closed),
        None => Err(FetchError::ClosedMidHead(buf.len())),
    }
}

/// A whole answer as received, `raw` (read until the server closed): its
/// head parsed as the stages parse it, the rest its body; `Closed` when
/// empty, `ClosedMidHead` when the head never ended, and the head's own
/// errors. For the tests of the chapters, which read answers themselves.
pub fn parse_reply(raw: &[u8]) -> Result<Reply, FetchError> {
    match parse_head(raw)? {
        Some((head_len, mut reply)) => {
            reply.body = raw[head_len..].to_vec();
            Ok(reply)
        }
        None if raw.is_empty() => Err(FetchError::Closed),
        None => Err(FetchError::ClosedMidHead(raw.len())),
    }
}

/// The head, once complete; an error as soon as the bytes cannot be HTTP.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, Reply)>, FetchError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(buf) {
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(len)) => {
            let headers = response
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_owned(),
                        String::from_utf8_lossy(h.value).trim().to_owned(),
                    )
                })
                .collect();
            Ok(Some((
                len,
                Reply {
                    status: response.code.unwrap_or(0),
                    headers,
                    body: Vec::new(),
                    elapsed: Duration::ZERO,
                    kept_open: false,
                    bare_lf: bare_lf_lines(&buf[..len]),
                },
            )))
        }
        Err(httparse::Error::TooManyHeaders) => Err(FetchError::BadHead {
            why: Text::new(
                format!("ヘッダー行が {MAX_HEADERS} 行を超えています"),
                format!("more than {MAX_HEADERS} header lines"),
            ),
            no_empty_line: false,
        }),
        Err(_) if buf.starts_with(b"HTTP/") => {
            let (why, no_empty_line) = broken_line(buf);
            Err(FetchError::BadHead { why, no_empty_line })
        }
        Err(_) => Err(FetchError::NotHttp(escape(&buf[..buf.len().min(40)]))),
    }
}

/// The lines of `head` that end with `\n` alone, escaped with their ending.
fn bare_lf_lines(head: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' {
            if i == 0 || head[i - 1] != b'\r' {
                lines.push(escape(&head[start..=i]));
            }
            start = i + 1;
        }
    }
    lines
}

/// The line that broke a head the parser refused, and what is wrong with
/// it, in words a reader knows (never the parser's own message); true when
/// the line is the body's first, read as a header line.
fn broken_line(buf: &[u8]) -> (Text, bool) {
    let mut lines = buf
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status = lines.next().unwrap_or_default();
    let status_ok = {
        let text = String::from_utf8_lossy(status);
        let mut words = text.splitn(3, ' ');
        let version = words.next().unwrap_or("");
        let code = words.next().unwrap_or("");
        matches!(version, "HTTP/1.1" | "HTTP/1.0")
            && code.len() == 3
            && code.bytes().all(|b| b.is_ascii_digit())
    };
    if !status_ok {
        let line = escape(&status[..status.len().min(60)]);
        return (
            Text::new(
                format!(
                    "1 行目（ステータスライン）{line} が「HTTP/1.1 200 OK」の形（バージョン、空白、3 桁の数字、空白、理由）になっていません"
                ),
                format!(
                    "the first line (the status line) {line} is not of the form `HTTP/1.1 200 OK` (version, space, three digits, space, reason)"
                ),
            ),
            false,
        );
    }
    for (n, line) in lines.enumerate() {
        if line.is_empty() {
            break;
        }
        let shown = escape(&line[..line.len().min(60)]);
        let number = n + 2;
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            if line.starts_with(b"<") || line.starts_with(b"{") {
                return (
                    Text::new(
                        format!(
                            "{number} 行目の {shown} がヘッダー行として読まれました。ヘッダーの終わりを示す空行（\\r\\n だけの行）がなく、本文がヘッダーの続きになっています"
                        ),
                        format!(
                            "line {number}, {shown}, was read as a header line: the empty line (\\r\\n alone) that ends the head and comes before the body is missing"
                        ),
                    ),
                    true,
                );
            }
            return (
                Text::new(
                    format!(
                        "{number} 行目のヘッダー行 {shown} に「:」がありません。ヘッダー行は「名前: 値」の形です"
                    ),
                    format!(
                        "the header line {number}, {shown}, has no `:`: a header line is `Name: value`"
                    ),
                ),
                false,
            );
        };
        let name = &line[..colon];
        let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
        if name.is_empty() || !name.iter().all(token) {
            return (
                Text::new(
                    format!(
                        "{number} 行目のヘッダー行 {shown} の名前に、空白など名前に使えない文字があります（「:」の前は Content-Type のような名前だけです）"
                    ),
                    format!(
                        "the header line {number}, {shown}, has a space or another character a header name cannot have before its `:` (only a name such as Content-Type goes there)"
                    ),
                ),
                false,
            );
        }
    }
    (
        Text::new(
            format!(
                "ヘッダーのどこかに、ヘッダー行に使えない文字（制御文字など）があります：先頭は {}",
                escape(&buf[..buf.len().min(40)])
            ),
            format!(
                "a header line holds a character no header may have (a control character, say): it starts with {}",
                escape(&buf[..buf.len().min(40)])
            ),
        ),
        false,
    )
}

/// Bytes as a quoted string: printable ASCII as is, the rest escaped.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_and_without_scheme_port_and_path() {
        let t = Target::parse("http://127.0.0.1:8080/").expect("parses");
        assert_eq!(t.authority(), "127.0.0.1:8080");
        assert_eq!(t.path("index.html"), "/index.html");
        let t = Target::parse("127.0.0.1:9/site/index.html").expect("parses");
        assert_eq!(t.path("index.css"), "/site/index.css");
        assert_eq!(t.url("/x"), "http://127.0.0.1:9/x");
        let t = Target::parse("http://[::1]:8080").expect("parses");
        assert_eq!(t.addrs(), ["[::1]:8080".parse().expect("addr")]);
        assert!(Target::parse("https://localhost:8443/").is_err());
        assert!(Target::parse("http://localhost:notaport/").is_err());
        for url in ["http://localhost:99999/", "http://127.0.0.1:0/"] {
            let err = Target::parse(url).expect_err("no such port");
            assert!(err.en.ends_with("a port is from 1 to 65535"), "{}", err.en);
        }
        let err = Target::parse("https://localhost:8443/").expect_err("no TLS");
        assert!(
            err.ja.starts_with("https:// には対応していません"),
            "{}",
            err.ja
        );
    }

    #[test]
    fn localhost_resolves_to_every_address() {
        let t = Target::parse("http://localhost:8080/").expect("parses");
        assert!(!t.addrs().is_empty());
        assert!(
            t.addrs()
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 8080)
        );
    }

    #[test]
    fn connect_skips_addresses_that_refuse() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let good = listener.local_addr().expect("addr");
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port that then closes");
        let target = Target {
            authority: "localhost".to_owned(),
            base: "/".to_owned(),
            addrs: vec![closed, good],
            chosen: Mutex::new(None),
        };
        target.connect().expect("the second address accepts");
        assert_eq!(target.chosen(), Some(good));
    }

    #[test]
    fn a_broken_head_is_shown_as_its_line_in_plain_words() {
        let (why, no_empty) = broken_line(b"HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n");
        assert!(!no_empty);
        assert!(
            why.en
                .starts_with("the first line (the status line) \"HTTP/1.1 OK\""),
            "{}",
            why.en
        );
        let (why, _) = broken_line(b"HTTP/1.1 200 OK\r\nContent Type: text/html\r\n\r\n");
        assert!(
            why.en.contains("\"Content Type: text/html\", has a space"),
            "{}",
            why.en
        );
        assert!(why.ja.contains("名前に使えない文字"), "{}", why.ja);
        let (why, no_empty) = broken_line(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n<p>\n");
        assert!(no_empty);
        assert!(
            why.en
                .starts_with("line 3, \"<p>\", was read as a header line"),
            "{}",
            why.en
        );
        assert_eq!(
            bare_lf_lines(b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\n"),
            [r#""HTTP/1.1 200 OK\n""#, r#""\n""#]
        );
    }

    #[test]
    fn a_whole_answer_parses_into_a_reply() {
        let reply = parse_reply(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 4\r\n\r\n<p/>",
        )
        .expect("an answer");
        assert_eq!(reply.status, 404);
        assert_eq!(reply.media_type().as_deref(), Some("text/html"));
        assert_eq!(reply.content_length(), Some(4));
        assert_eq!(reply.body, b"<p/>");
        assert_eq!(parse_reply(b""), Err(FetchError::Closed));
        assert_eq!(
            parse_reply(b"HTTP/1.1 200 OK\r\n"),
            Err(FetchError::ClosedMidHead(17))
        );
        assert!(matches!(parse_reply(b"hello"), Err(FetchError::NotHttp(_))));
    }

    #[test]
    fn escape_shows_control_bytes() {
        assert_eq!(escape(b"GET \x16\r\n\"x\""), r#""GET \x16\r\n\"x\"""#);
    }
}
