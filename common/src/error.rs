//! One error type for everything that can go wrong while serving a connection.

use std::fmt;
use std::io;

/// Why a request could not be answered normally.
///
/// Each variant knows the status to answer with ([`HttpError::status`]); the
/// ones with no status (the client left, the socket broke) are only logged.
#[derive(Debug)]
pub enum HttpError {
    /// The request head is not valid HTTP/1.x (400).
    BadRequest(String),
    /// The request target cannot name a file under the static root (400).
    BadPath(&'static str),
    /// The target names a directory but lacks the trailing slash, so relative
    /// links in its `index.html` would resolve one level too high: a redirect
    /// to this location, the target with the slash (301).
    MovedPermanently(String),
    /// A symbolic link under the static root points outside it (403).
    Forbidden,
    /// The server may not read the file the target names (403).
    PermissionDenied,
    /// No such file under the static root (404).
    NotFound,
    /// A method HTTP defines, other than GET and HEAD (405, with `Allow: GET, HEAD`).
    MethodNotAllowed(String),
    /// The client started a request but did not finish it in time (408).
    Timeout,
    /// `Content-Length` is over the body limit (413).
    PayloadTooLarge(u64),
    /// The head is over the size limit, or has too many header lines (431).
    HeaderTooLarge,
    /// A method HTTP does not define, or a transfer coding this server does
    /// not implement, such as chunked (501).
    NotImplemented(String),
    /// Looking up or opening the file failed for another reason, e.g. no file
    /// descriptors left (500).
    FileSystem(io::Error),
    /// The client closed the connection before a full request arrived.
    Closed,
    /// The socket or the file system failed; nobody to answer.
    Io(io::Error),
}

impl HttpError {
    /// The status code and reason phrase to answer with, if there is anyone to answer.
    pub fn status(&self) -> Option<(u16, &'static str)> {
        Some(match self {
            HttpError::BadRequest(_) | HttpError::BadPath(_) => (400, "Bad Request"),
            HttpError::MovedPermanently(_) => (301, "Moved Permanently"),
            HttpError::Forbidden | HttpError::PermissionDenied => (403, "Forbidden"),
            HttpError::NotFound => (404, "Not Found"),
            HttpError::MethodNotAllowed(_) => (405, "Method Not Allowed"),
            HttpError::Timeout => (408, "Request Timeout"),
            HttpError::PayloadTooLarge(_) => (413, "Content Too Large"),
            HttpError::HeaderTooLarge => (431, "Request Header Fields Too Large"),
            HttpError::FileSystem(_) => (500, "Internal Server Error"),
            HttpError::NotImplemented(_) => (501, "Not Implemented"),
            HttpError::Closed | HttpError::Io(_) => return None,
        })
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::BadRequest(why) => write!(f, "malformed request: {why}"),
            HttpError::BadPath(why) => write!(f, "rejected request target: {why}"),
            HttpError::MovedPermanently(location) => {
                write!(
                    f,
                    "a directory without its trailing slash: redirect to {location}"
                )
            }
            HttpError::Forbidden => f.write_str("a symbolic link points outside the static root"),
            HttpError::PermissionDenied => {
                f.write_str("permission denied: the server may not read this file")
            }
            HttpError::NotFound => f.write_str("no such file under the static root"),
            HttpError::MethodNotAllowed(method) => write!(f, "method {method} is not allowed"),
            HttpError::Timeout => f.write_str("timed out waiting for the rest of the request"),
            HttpError::PayloadTooLarge(len) => {
                write!(f, "request body of {len} bytes is too large")
            }
            HttpError::HeaderTooLarge => f.write_str("request head too large or too many headers"),
            HttpError::NotImplemented(what) => write!(f, "not implemented: {what}"),
            HttpError::FileSystem(err) => write!(f, "file system error: {err}"),
            HttpError::Closed => f.write_str("the client closed the connection mid-request"),
            HttpError::Io(err) => write!(f, "I/O error: {err}"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Io(err) | HttpError::FileSystem(err) => Some(err),
            _ => None,
        }
    }
}

impl From<io::Error> for HttpError {
    fn from(err: io::Error) -> Self {
        HttpError::Io(err)
    }
}
