//! Closing a connection without destroying the end of the response.
//!
//! If a socket is closed while bytes the client sent are unread, or arrive
//! after the close (a pipelined request, a stray CRLF, a body the server did
//! not want), the kernel answers with a reset and throws away whatever of the
//! response it has not delivered yet. So, as nginx's "lingering close" does:
//! say we are done writing, then read and drop what the client still sends
//! until it closes its side, for a short time and a bounded number of bytes.
//!
//! Waiting for the client to close takes a round trip through the client, and
//! a sequential chapter would serve nobody meanwhile (measured: 70% fewer
//! requests per second). So a half-closed socket is kept, non-blocking, in a
//! short list, and every later response sweeps that list: it reads what has
//! arrived on each socket (at most every few milliseconds) and closes those
//! whose client has closed, whose deadline has passed, or that sent too much. No thread is started for this
//! (threads are the chapters' business); the price is that a socket whose
//! deadline has passed is closed at the next response, not at once.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Longest wait for the client to close its side.
pub(crate) const LINGER_TIME: Duration = Duration::from_secs(2);

/// Most bytes read and dropped from one client while waiting.
pub(crate) const LINGER_BYTES: usize = 1024 * 1024;

/// Most connections lingering at once; past this the oldest is closed at
/// once, so lingering never holds more than this many file descriptors.
const MAX_LINGERING: usize = 256;

/// Half-closes `client_socket` (the client sees the end of the response at
/// once), then keeps a duplicate of it until the client closes, the deadline
/// passes, or the byte cap is reached. The caller drops its socket right away
/// and must not use it any more (it has become non-blocking).
pub(crate) fn close_gracefully(client_socket: &TcpStream) {
    if client_socket.shutdown(Shutdown::Write).is_err() {
        return; // The client is gone; nothing to protect.
    }
    let mut linger = Linger::start();
    let duplicate = client_socket
        .try_clone()
        .and_then(|socket| socket.set_nonblocking(true).map(|()| socket));
    let Ok(socket) = duplicate else {
        // No descriptor left for a duplicate: linger right here.
        drain(client_socket, &mut linger, true);
        return;
    };
    let batch = {
        let mut lingering = LINGERING.lock().unwrap_or_else(PoisonError::into_inner);
        lingering.held.push_back(Lingering { socket, linger });
        lingering.cap();
        // Most clients close within a millisecond: sweeping after every
        // response would read every held socket again and again for nothing.
        if lingering.swept.is_some_and(|at| at.elapsed() < SWEEP_EVERY) {
            return;
        }
        lingering.swept = Some(Instant::now());
        std::mem::take(&mut lingering.held)
    };
    // Drained outside the lock, so other threads answering meanwhile only wait
    // to add their own socket.
    let mut kept: VecDeque<Lingering> = batch
        .into_iter()
        .filter_map(|mut l| drain(&l.socket, &mut l.linger, false).then_some(l))
        .collect();
    let mut lingering = LINGERING.lock().unwrap_or_else(PoisonError::into_inner);
    kept.append(&mut lingering.held);
    lingering.held = kept;
    lingering.cap();
}

/// How often the held sockets are read, at most.
const SWEEP_EVERY: Duration = Duration::from_millis(5);

/// The half-closed connections not yet closed, oldest first, and when they
/// were last read.
struct Lingerers {
    held: VecDeque<Lingering>,
    swept: Option<Instant>,
}

impl Lingerers {
    /// Past the cap, the oldest are closed at once.
    fn cap(&mut self) {
        while self.held.len() > MAX_LINGERING {
            self.held.pop_front();
        }
    }
}

static LINGERING: Mutex<Lingerers> = Mutex::new(Lingerers {
    held: VecDeque::new(),
    swept: None,
});

/// A half-closed connection waiting for the client's end.
struct Lingering {
    socket: TcpStream,
    linger: Linger,
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

/// Reads and drops what has arrived on `socket` (waiting for it when
/// `blocking`); false once the connection can be closed: the client closed,
/// the deadline passed, the byte cap was reached, or the socket failed.
fn drain(socket: &TcpStream, linger: &mut Linger, blocking: bool) -> bool {
    let mut scratch = [0; 4096];
    loop {
        let Some(left) = linger.wait() else {
            return false;
        };
        if blocking && socket.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        match (&mut &*socket).read(&mut scratch) {
            Ok(n) if !linger.read(n) => return false,
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock && !blocking => return true,
            Err(_) => return false,
        }
    }
}
