//! One client's connection, as a value the chapters create and pass along.

use std::net::TcpStream;
use std::time::Duration;

use crate::{Config, HttpError, Request, RequestParser};

/// The socket of one accepted client, and what answering it must remember
/// between reading its request and writing the answer.
///
/// The book passes the bare `client_socket` around. Two things about a
/// client are needed after its request has been read: how long reads and
/// writes may wait (`--read-timeout`, `--request-timeout`,
/// `--write-timeout`), and whether the request is `HEAD`, whose answer —
/// an error page too — must go without its body (RFC 9110 9.3.2). Both live
/// here, in the value the chapter creates after `accept()` and hands to
/// [`crate::receive_request`], [`crate::Response::send`] and
/// [`crate::report_error`]: nothing about a client is kept anywhere else.
/// Dropping it closes the socket, like the book's `client_socket.close()`.
///
/// `S` is the socket: std's `TcpStream` for the blocking steps, tokio's for
/// the async one (`common::async_io::Connection`).
#[derive(Debug)]
pub struct Connection<S = TcpStream> {
    pub(crate) socket: S,
    pub(crate) timeouts: Timeouts,
    /// Set by `receive_request` from the bytes that arrived.
    pub(crate) head: bool,
    /// Whether the client may still send after the answer, so the close must
    /// wait for it (see `closing.rs`); set by `receive_request`.
    pub(crate) linger: bool,
}

impl<S> Connection<S> {
    /// Wraps a socket just accepted; the timeouts come from `config`.
    pub fn new(socket: S, config: &Config) -> Connection<S> {
        Connection {
            socket,
            timeouts: Timeouts::from(config),
            head: false,
            linger: true,
        }
    }

    /// The socket, for what the wrapper does not do (its addresses, say).
    pub fn socket(&self) -> &S {
        &self.socket
    }

    /// True when the request being answered is `HEAD`: the answer goes
    /// without its body.
    pub fn is_head(&self) -> bool {
        self.head
    }

    /// What answering needs to know of the request read: whether it is
    /// `HEAD` (also when it failed), and whether the client may send more
    /// after it (anything but a complete request that said it sends nothing
    /// more and brought nothing after its head).
    pub(crate) fn remember(
        &mut self,
        parser: &RequestParser,
        result: &Result<Option<Request>, HttpError>,
    ) {
        let done = matches!(result, Ok(Some(request)) if request.sends_nothing_more())
            && parser.after_head() == 0;
        self.head = parser.is_head();
        self.linger = !done;
    }
}

/// How long one client may keep the server waiting, from the options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// One read (`--read-timeout`).
    pub(crate) read: Duration,
    /// The whole request (`--request-timeout`).
    pub(crate) request: Duration,
    /// One write (`--write-timeout`).
    pub(crate) write: Duration,
}

impl From<&Config> for Timeouts {
    fn from(config: &Config) -> Self {
        Timeouts {
            read: config.read_timeout,
            request: config.request_timeout,
            write: config.write_timeout,
        }
    }
}
