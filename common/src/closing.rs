//! Closing a connection without destroying the end of the response.
//!
//! If a socket is closed while bytes the client sent are unread, or arrive
//! after the close (a pipelined request, a stray CRLF, a body the server did
//! not want), the kernel answers with a reset and throws away whatever of the
//! response the client has not received yet. So, as RFC 9112 9.6 advises and
//! nginx's "lingering close" does: say we are done writing, then read and
//! drop what the client still sends until it closes its side, for a short
//! time and a bounded number of bytes.
//!
//! The thread (or task) that answered the client does the waiting, so the
//! close is where the reader expects it: at the end of `send`. A client
//! closes within a round trip of reading the answer; measured with `wrk -c50`
//! on the sequential step, waiting for that costs about 5-10% of its requests
//! per second, the price of one client at a time.

use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Longest wait for the client to close its side.
pub(crate) const LINGER_TIME: Duration = Duration::from_secs(2);

/// Most bytes read and dropped from one client while waiting.
pub(crate) const LINGER_BYTES: usize = 1024 * 1024;

/// Half-closes `client_socket` (the client sees the end of the response at
/// once), then reads and drops what the client still sends until it closes,
/// the deadline passes, or the byte cap is reached.
pub(crate) fn close_gracefully(client_socket: &TcpStream) {
    if client_socket.shutdown(Shutdown::Write).is_err() {
        return; // The client is gone; nothing to protect.
    }
    let mut linger = Linger::start();
    let mut scratch = [0; 4096];
    while let Some(left) = linger.wait() {
        if client_socket.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&mut &*client_socket).read(&mut scratch) {
            Ok(n) if !linger.read(n) => return,
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// The rules of lingering, without the I/O, for the blocking and the async
/// closers alike: how long to wait for the client's end, and when to stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Linger {
    deadline: Instant,
    drained: usize,
}

impl Linger {
    /// Lingering starts once the response is out and our side is closed.
    pub(crate) fn start() -> Linger {
        Linger {
            deadline: Instant::now() + LINGER_TIME,
            drained: 0,
        }
    }

    /// How long to wait for more from the client; `None` once the socket can
    /// be closed: the deadline passed, or the byte cap was reached.
    pub(crate) fn wait(&self) -> Option<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        (!left.is_zero() && self.drained < LINGER_BYTES).then_some(left)
    }

    /// `n` bytes were read and dropped (0: the client closed its side);
    /// whether to go on lingering.
    pub(crate) fn read(&mut self, n: usize) -> bool {
        self.drained = self.drained.saturating_add(n);
        n > 0 && self.wait().is_some()
    }
}
