//! One client's connection, as a value the chapters create and pass along.

use std::net::TcpStream;
use std::time::Duration;

use crate::Config;

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
#[derive(Debug)]
pub struct Connection {
    socket: TcpStream,
    timeouts: Timeouts,
    /// Set by [`crate::receive_request`] from the bytes that arrived.
    head: bool,
}

impl Connection {
    /// Wraps a socket just accepted; the timeouts come from `config`.
    pub fn new(socket: TcpStream, config: &Config) -> Connection {
        Connection {
            socket,
            timeouts: Timeouts::from(config),
            head: false,
        }
    }

    /// The socket, for what the wrapper does not do (its addresses, say).
    pub fn socket(&self) -> &TcpStream {
        &self.socket
    }

    /// True when the request being answered is `HEAD`: the answer goes
    /// without its body.
    pub fn is_head(&self) -> bool {
        self.head
    }

    pub(crate) fn set_head(&mut self, head: bool) {
        self.head = head;
    }

    pub(crate) fn timeouts(&self) -> Timeouts {
        self.timeouts
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
