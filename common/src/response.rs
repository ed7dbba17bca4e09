//! Building and writing a response: status line, the book's five headers, body.

use std::fs::File;
use std::io::{self, Read, Write};
use std::time::SystemTime;

use log::error;
use mime_guess::Mime;

use crate::{Connection, HttpError, StaticFile, closing};

/// The server name the book sends (in a header it wrongly calls `Host`).
const SERVER_NAME: &str = "HenaServer/0.1";

/// Files up to this size go out in the same write as the head; larger ones are
/// streamed in pieces of `STREAM_BUFFER` bytes, so memory stays flat.
const INLINE_FILE_LIMIT: u64 = 64 * 1024;

/// Measured with `tools/scripts/bench.sh` (workload D), a plain read/write loop with
/// this buffer moved an 8 MiB file about 30% faster over loopback than
/// `sendfile`, which is what `std::io::copy` picks for a file and a socket.
pub(crate) const STREAM_BUFFER: usize = 128 * 1024;

/// What a response carries after its head.
#[derive(Debug)]
enum Body {
    /// A file under the static root, streamed, and its `Content-Type`.
    File(StaticFile, String),
    /// A small generated HTML page (404 and the other error pages).
    Page(String),
}

impl Body {
    /// The `Content-Length`.
    fn len(&self) -> u64 {
        match self {
            Body::File(file, _) => file.len,
            Body::Page(page) => page.len() as u64,
        }
    }

    /// The `Content-Type`.
    fn content_type(&self) -> &str {
        match self {
            Body::File(_, content_type) => content_type,
            Body::Page(_) => "text/html; charset=utf-8",
        }
    }
}

/// A status, its body, and the header lines that go with them.
#[derive(Debug)]
pub struct Response {
    status: (u16, &'static str),
    body: Body,
    allow: bool,
    location: Option<String>,
}

impl Response {
    /// 200 with a file, sent as `content_type` (the chapter picks it from the
    /// file's extension, as the book's `MIME_TYPES` does). Text types go out
    /// with `; charset=utf-8`: every text file under `static/` is UTF-8, and
    /// without it a browser guesses the encoding of a stylesheet.
    pub fn file(file: StaticFile, content_type: Mime) -> Self {
        let content_type = if content_type.type_() == mime_guess::mime::TEXT {
            format!("{}; charset=utf-8", content_type.essence_str())
        } else {
            content_type.essence_str().to_owned()
        };
        Response {
            status: (200, "OK"),
            body: Body::File(file, content_type),
            allow: false,
            location: None,
        }
    }

    /// 404 with a small HTML page, as the book answers a missing file.
    pub fn not_found() -> Self {
        Self::page((404, "Not Found"))
    }

    /// 301 to `location`: a directory was named without its trailing slash.
    pub fn redirect(location: String) -> Self {
        let mut response = Self::page((301, "Moved Permanently"));
        response.location = Some(location);
        response
    }

    /// The answer to `err`, or `None` when there is nobody to answer.
    pub fn error(err: &HttpError) -> Option<Self> {
        if let HttpError::MovedPermanently(location) = err {
            return Some(Self::redirect(location.clone()));
        }
        let mut response = Self::page(err.status()?);
        response.allow = matches!(err, HttpError::MethodNotAllowed(_));
        Some(response)
    }

    fn page(status: (u16, &'static str)) -> Self {
        let (code, reason) = status;
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code} {reason}</title></head>\
             <body><h1>{code} {reason}</h1></body></html>\n"
        );
        Response {
            status,
            body: Body::Page(page),
            allow: false,
            location: None,
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status.0
    }

    /// Status line and headers, ending with the empty line. The header set is
    /// the book's: Date, Server, Content-Length, Connection, Content-Type;
    /// then `Allow` on a 405 and `Location` on a redirect.
    pub fn head(&self) -> String {
        let (code, reason) = self.status;
        let mut extra = String::new();
        if self.allow {
            extra.push_str("Allow: GET, HEAD\r\n");
        }
        if let Some(location) = &self.location {
            extra.push_str(&format!("Location: {location}\r\n"));
        }
        format!(
            "HTTP/1.1 {code} {reason}\r\n\
             Date: {date}\r\n\
             Server: {SERVER_NAME}\r\n\
             Content-Length: {len}\r\n\
             Connection: close\r\n\
             Content-Type: {content_type}\r\n\
             {extra}\r\n",
            date = httpdate::fmt_http_date(SystemTime::now()),
            len = self.body.len(),
            content_type = self.body.content_type(),
        )
    }

    /// Sends the response to the client (only its head if the request was
    /// `HEAD`), then closes the connection gracefully: dropping a socket the
    /// client still writes to makes the kernel reset it and destroy the end of
    /// the response, so our side is closed first and what the client still
    /// sends is read and dropped, for a short, bounded time.
    /// Each write waits at most `--write-timeout`: a client that reads nothing
    /// for that long gets an error that says "timed out".
    pub fn send(self, client_socket: &Connection) -> io::Result<()> {
        let socket = client_socket.socket();
        socket.set_write_timeout(Some(client_socket.timeouts.write))?;
        self.write_to(socket, client_socket.is_head())
            .map_err(explain_write_error)?;
        if client_socket.linger {
            closing::close_gracefully(socket);
        }
        Ok(())
    }

    /// Writes the whole response to `out` (only the head when `head_only`).
    /// Uses `write_all`: the book's single `send()` may write only part of it.
    pub fn write_to(self, mut out: impl Write, head_only: bool) -> io::Result<()> {
        match self.into_wire(head_only) {
            Wire::Bytes(bytes) => out.write_all(&bytes),
            Wire::Inline(mut inline) => {
                inline.read()?;
                out.write_all(&inline.bytes)
            }
            Wire::Stream { head, file, len } => {
                out.write_all(&head)?;
                let sent = stream(file.take(len), &mut out)?;
                check_length(sent, len)
            }
        }
    }

    /// What goes on the wire, decided once for the blocking and the async
    /// writers; they only do the I/O.
    pub(crate) fn into_wire(self, head_only: bool) -> Wire {
        let mut bytes = self.head().into_bytes();
        match self.body {
            _ if head_only => Wire::Bytes(bytes),
            Body::Page(page) => {
                bytes.extend_from_slice(page.as_bytes());
                Wire::Bytes(bytes)
            }
            Body::File(file, _) if file.len <= INLINE_FILE_LIMIT => Wire::Inline(Inline {
                head_len: bytes.len(),
                bytes,
                file: file.file,
                len: file.len as usize,
            }),
            Body::File(file, _) => Wire::Stream {
                head: bytes,
                file: file.file,
                len: file.len,
            },
        }
    }
}

/// A response as bytes to write, with the file reads it still needs.
#[derive(Debug)]
pub(crate) enum Wire {
    /// Everything, in one write.
    Bytes(Vec<u8>),
    /// A small file that goes out in the same write as the head, once read.
    Inline(Inline),
    /// The head, then `len` bytes of `file` in pieces of [`STREAM_BUFFER`].
    Stream { head: Vec<u8>, file: File, len: u64 },
}

/// The head, and a small file to read in after it.
#[derive(Debug)]
pub(crate) struct Inline {
    pub(crate) bytes: Vec<u8>,
    head_len: usize,
    file: File,
    len: usize,
}

impl Inline {
    /// Reads the file in after the head: one read of exactly the promised
    /// size; a file that shrank is an error. (A file read blocks: the async
    /// writer calls this on tokio's blocking threads.)
    pub(crate) fn read(&mut self) -> io::Result<()> {
        self.bytes.resize(self.head_len + self.len, 0);
        self.file.read_exact(&mut self.bytes[self.head_len..])
    }
}

/// A write that failed for the write timeout says so in words, not as
/// `os error 11`.
pub(crate) fn explain_write_error(err: io::Error) -> io::Error {
    if matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ) {
        io::Error::new(
            io::ErrorKind::TimedOut,
            "timed out sending the response: the client stopped reading (write timeout)",
        )
    } else {
        err
    }
}

/// Copies `from` to `out` through one heap buffer; returns the bytes copied.
fn stream(mut from: impl Read, out: &mut impl Write) -> io::Result<u64> {
    let mut buffer = vec![0; STREAM_BUFFER];
    let mut sent = 0;
    loop {
        let n = read_piece(&mut from, &mut buffer)?;
        if n == 0 {
            return Ok(sent);
        }
        out.write_all(&buffer[..n])?;
        sent += n as u64;
    }
}

/// One `read` of a file being streamed, retried when interrupted; 0 at its end.
pub(crate) fn read_piece(from: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match from.read(buffer) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// A file that shrank while it was sent would break `Content-Length`.
pub(crate) fn check_length(sent: u64, promised: u64) -> io::Result<()> {
    if sent == promised {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("file changed while sending: {sent} of {promised} bytes"),
        ))
    }
}

/// Logs why a request failed and, when someone is there to hear it, answers
/// with the matching status page (without its body if the request was HEAD).
/// The chapters call this after their own "error" line, so the book's log
/// lines stay in the chapter.
pub fn report_error(client_socket: &Connection, err: &HttpError) {
    let Some(response) = error_answer(err) else {
        return;
    };
    if let Err(send_err) = response.send(client_socket) {
        log_send_error(&send_err);
    }
}

/// Logs the cause of `err`; the page to answer it with, if anyone is there.
pub(crate) fn error_answer(err: &HttpError) -> Option<Response> {
    error!("cause: {err}");
    Response::error(err)
}

/// The error page could not be sent either.
pub(crate) fn log_send_error(err: &io::Error) {
    error!("could not send the error page: {err}");
}
