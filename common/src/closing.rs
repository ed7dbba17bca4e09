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
//! a sequential chapter would serve nobody meanwhile (measured: 15% fewer
//! requests per second). So the waiting is handed to one background thread,
//! which holds a duplicate of each socket and sweeps them all every few
//! milliseconds, as the kernel itself would for a socket closed normally.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// Longest wait for the client to close its side.
pub const LINGER_TIME: Duration = Duration::from_secs(2);

/// Most bytes read and dropped from one client while waiting.
pub const LINGER_BYTES: usize = 1024 * 1024;

/// Most connections lingering at once; past this the oldest is closed at
/// once, so lingering never holds more than this many file descriptors.
const MAX_LINGERING: usize = 256;

/// How often the background thread looks at the sockets it holds: often
/// while connections arrive (most clients close within a millisecond), less
/// and less often while only silent ones are left.
const SWEEP_EVERY: Duration = Duration::from_millis(2);
const SWEEP_AT_MOST_EVERY: Duration = Duration::from_millis(50);

/// Half-closes `client_socket` (the client sees the end of the response at
/// once), then drains it in the background until the client closes, the
/// deadline passes, or the byte cap is reached. The caller drops its socket
/// right away and must not use it any more (it may have become non-blocking).
pub(crate) fn close_gracefully(client_socket: &TcpStream) {
    if client_socket.shutdown(Shutdown::Write).is_err() {
        return; // The client is gone; nothing to protect.
    }
    let deadline = Instant::now() + LINGER_TIME;
    let handed_over = client_socket.try_clone().ok().and_then(|socket| {
        let lingering = Lingering {
            socket,
            deadline,
            drained: 0,
        };
        lingerer()?.send(lingering).ok()
    });
    if handed_over.is_none() {
        // No descriptor left for a duplicate, or no thread: linger right here.
        drain(client_socket, deadline, &mut 0, true);
    }
}

/// A half-closed connection waiting for the client's end.
struct Lingering {
    socket: TcpStream,
    deadline: Instant,
    drained: usize,
}

/// Reads and drops what has arrived on `socket` (waiting for it when
/// `blocking`); false once the connection can be closed: the client closed,
/// the deadline passed, `drained` reached the cap, or the socket failed.
fn drain(socket: &TcpStream, deadline: Instant, drained: &mut usize, blocking: bool) -> bool {
    let mut scratch = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || *drained >= LINGER_BYTES {
            return false;
        }
        if blocking && socket.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        match (&mut &*socket).read(&mut scratch) {
            Ok(0) => return false,
            Ok(n) => *drained += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock && !blocking => return true,
            Err(_) => return false,
        }
    }
}

/// The channel to the background thread, started on first use.
fn lingerer() -> Option<&'static Sender<Lingering>> {
    static LINGERER: OnceLock<Option<Sender<Lingering>>> = OnceLock::new();
    LINGERER
        .get_or_init(|| {
            let (sender, receiver) = mpsc::channel();
            thread::Builder::new()
                .name("lingering close".into())
                .spawn(move || sweep(&receiver))
                .ok()
                .map(|_| sender)
        })
        .as_ref()
}

/// The background thread: every few milliseconds, take the new connections and
/// drain all of them without blocking; close those that are done.
fn sweep(receiver: &Receiver<Lingering>) {
    let mut held: VecDeque<Lingering> = VecDeque::new();
    let mut pause = SWEEP_EVERY;
    loop {
        let mut arrived: Vec<Lingering> = receiver.try_iter().collect();
        if held.is_empty() && arrived.is_empty() {
            // Nothing to look after: sleep until a connection arrives.
            match receiver.recv() {
                Ok(lingering) => arrived.push(lingering),
                Err(_) => return,
            }
        }
        pause = if arrived.is_empty() {
            (pause * 2).min(SWEEP_AT_MOST_EVERY)
        } else {
            SWEEP_EVERY
        };
        // Non-blocking from here on; the chapter no longer uses its copy.
        held.extend(
            arrived
                .into_iter()
                .filter(|l| l.socket.set_nonblocking(true).is_ok()),
        );
        while held.len() > MAX_LINGERING {
            held.pop_front();
        }
        held.retain_mut(|l| drain(&l.socket, l.deadline, &mut l.drained, false));
        if !held.is_empty() {
            thread::sleep(pause);
        }
    }
}
