//! The async twins of the blocking reader and writer, for `chapter13-async`
//! (feature `async`, on tokio), under the same names: [`receive_request`],
//! [`open_static_file`], [`send`] (for [`Response::send`]), [`report_error`],
//! [`accept_failed`], [`Shutdown::wait_for_tasks`].
//!
//! Limits, timeouts, errors, statuses and log lines are the blocking ones,
//! because the HTTP work is the same code: [`RequestParser`] reads the head,
//! the response's wire plan says what to write, the lingering rules say when
//! to close. Only the waiting differs. Where the blocking code holds its
//! thread in `read` or `write`, this code `.await`s the socket's readiness,
//! and the runtime's thread runs other tasks meanwhile. Opening and reading a
//! file blocks in every system's API, so that runs on tokio's threads for
//! blocking work (`spawn_blocking`), never on a thread that runs tasks.
//!
//! A silent client costs its task and its socket: no buffer is allocated
//! before its first byte arrives, and nothing large is kept across an `.await`.

use std::collections::BTreeSet;
use std::io;
use std::net::{Shutdown as Direction, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use socket2::SockRef;
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::closing::Linger;
use crate::lifecycle::{DRAIN_POLL, accept_pause};
use crate::request::{log_no_request, next_wait, request_deadline};
use crate::response::{
    STREAM_BUFFER, Wire, check_length, error_answer, explain_write_error, log_send_error,
    read_piece,
};
use crate::{Config, HttpError, Limits, Request, RequestParser, Response, Shutdown, StaticFile};

/// [`crate::receive_request`] for a tokio socket: the next request, read with
/// the configured limits and timeouts; `Ok(None)` when the client sent
/// nothing at all (it closed, or stayed silent for `read_timeout`).
pub async fn receive_request(
    client_socket: &TcpStream,
    config: &Config,
) -> Result<Option<Request>, HttpError> {
    let peer = client_socket.peer_addr().ok();
    answering_head(peer, false);
    WRITE_TIMEOUT.store(nanos(config.write_timeout), Ordering::Relaxed);
    let deadline = request_deadline(config);
    let mut parser = RequestParser::new(Limits::default());
    let mut timed_out = false;
    let result = loop {
        // Wait until bytes have arrived, at most the read timeout (cut short
        // by the request's deadline): the task sleeps, its thread does not.
        let ready = match next_wait(config.read_timeout, deadline) {
            Some(wait) => timeout(wait, client_socket.readable()).await,
            None => Ok(Err(io::ErrorKind::TimedOut.into())),
        };
        match ready {
            Ok(Ok(())) => {}
            Ok(Err(err)) if err.kind() != io::ErrorKind::TimedOut => break Err(HttpError::Io(err)),
            Ok(Err(_)) | Err(_) => {
                timed_out = true;
                break parser.end(HttpError::Timeout);
            }
        }
        // Only now, with bytes waiting, does the parser allocate its buffer.
        let space = match parser.space() {
            Ok(space) => space,
            Err(err) => break Err(err),
        };
        let n = match client_socket.try_read(space) {
            Ok(0) => break parser.end(HttpError::Closed),
            Ok(n) => n,
            Err(err) if retry(&err) => continue,
            Err(err) => break Err(HttpError::Io(err)),
        };
        let parsed = parser.filled(n);
        answering_head(peer, parser.is_head());
        match parsed {
            Ok(None) => continue,
            other => break other,
        }
    };
    log_no_request(result, timed_out)
}

/// [`crate::open_static_file`] off the runtime's threads: looking a file up
/// and opening it are blocking system calls.
pub async fn open_static_file(static_root: &Path, target: &str) -> Result<StaticFile, HttpError> {
    let (root, target) = (static_root.to_owned(), target.to_owned());
    blocking(move || crate::open_static_file(&root, &target))
        .await
        .map_err(HttpError::FileSystem)?
}

/// [`Response::send`] for a tokio socket: the whole `response` (only the
/// head when `head_only`), each write waiting at most the write timeout, then
/// the graceful close (half-close, then read and drop what the client still
/// sends, within [`crate::LINGER_TIME`] and [`crate::LINGER_BYTES`]), in this
/// task. A client that reads nothing for the write timeout gets an error
/// that says "timed out".
pub async fn send(
    response: Response,
    client_socket: &TcpStream,
    head_only: bool,
) -> io::Result<()> {
    answering_head(client_socket.peer_addr().ok(), false);
    write_wire(client_socket, response.into_wire(head_only))
        .await
        .map_err(explain_write_error)?;
    close_gracefully(client_socket).await;
    Ok(())
}

/// [`crate::report_error`] for a tokio socket: logs the cause and answers
/// with the status page, without its body if the request was HEAD.
pub async fn report_error(client_socket: &TcpStream, err: &HttpError) {
    let head = answering_head(client_socket.peer_addr().ok(), false);
    let Some(response) = error_answer(err) else {
        return;
    };
    if let Err(send_err) = send(response, client_socket, head).await {
        log_send_error(&send_err);
    }
}

/// [`crate::accept_failed`] without blocking: logs (at most a line a
/// second) and, when the system is out of resources, sleeps a little as a
/// task, so the clients already connected are served meanwhile.
pub async fn accept_failed(err: &io::Error) {
    if let Some(pause) = accept_pause(err) {
        tokio::time::sleep(pause).await;
    }
}

impl Shutdown {
    /// [`Shutdown::wait_for_workers`] without blocking: lets the tasks still
    /// answering a client finish, for at most `--read-timeout` after the
    /// signal, then logs how many were cut short. Each task holds a clone of
    /// `config` until it is done with its client.
    pub async fn wait_for_tasks(&self, config: &Arc<Config>) {
        while self.workers_left(config).is_some() {
            tokio::time::sleep(DRAIN_POLL).await;
        }
    }
}

/// Names the runtime's threads, for the log and for `ps -T`: `worker-1`,
/// `worker-2`, ... for the threads that run tasks (one per core; the runtime
/// starts them first), then `blocking-N` for the threads that open and read
/// files. Give it to tokio's `Builder::thread_name_fn`.
pub fn thread_name() -> String {
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, Ordering::Relaxed) + 1;
    // How tokio counts its workers: TOKIO_WORKER_THREADS, or one per core.
    let workers = std::env::var("TOKIO_WORKER_THREADS")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    if n <= workers {
        format!("worker-{n}")
    } else {
        format!("blocking-{}", n - workers)
    }
}

/// The write timeout of the last request read: every client of a server has
/// the same configuration. A blocking socket keeps it itself (`SO_SNDTIMEO`).
static WRITE_TIMEOUT: AtomicU64 = AtomicU64::new(10_000_000_000);

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The clients (by address) whose request being answered is HEAD: what the
/// blocking chapters keep per thread, kept per connection here, since a task
/// moves between threads. Sets whether `peer`'s is, and returns whether it was.
fn answering_head(peer: Option<SocketAddr>, head: bool) -> bool {
    static HEAD: Mutex<BTreeSet<SocketAddr>> = Mutex::new(BTreeSet::new());
    let Some(peer) = peer else {
        return false;
    };
    let mut answering = HEAD.lock().unwrap_or_else(PoisonError::into_inner);
    if head {
        !answering.insert(peer)
    } else {
        answering.remove(&peer)
    }
}

/// Writes what `wire` says; file reads go to the blocking threads.
async fn write_wire(socket: &TcpStream, wire: Wire) -> io::Result<()> {
    match wire {
        Wire::Bytes(bytes) => write_all(socket, &bytes).await,
        Wire::Inline(mut inline) => {
            let inline = blocking(move || inline.read().map(|()| inline)).await??;
            write_all(socket, &inline.bytes).await
        }
        Wire::Stream { head, file, len } => {
            write_all(socket, &head).await?;
            // The file and the buffer go to a blocking thread for each read
            // and come back with the piece.
            let mut piece = (io::Read::take(file, len), vec![0; STREAM_BUFFER]);
            let mut sent = 0;
            loop {
                let (read, back) = blocking(move || {
                    let (mut file, mut buffer) = piece;
                    let read = read_piece(&mut file, &mut buffer);
                    (read, (file, buffer))
                })
                .await?;
                piece = back;
                let n = read?;
                if n == 0 {
                    return check_length(sent, len);
                }
                write_all(socket, &piece.1[..n]).await?;
                sent += n as u64;
            }
        }
    }
}

/// All of `bytes`, each wait for room in the socket's buffer at most the
/// write timeout.
async fn write_all(socket: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    let wait = Duration::from_nanos(WRITE_TIMEOUT.load(Ordering::Relaxed));
    while !bytes.is_empty() {
        match timeout(wait, socket.writable()).await {
            Ok(ready) => ready?,
            Err(_) => return Err(io::ErrorKind::TimedOut.into()),
        }
        match socket.try_write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(err) if retry(&err) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// The graceful close ([`crate::Response::send`] says why), in the task:
/// half-close, then read and drop until the client closes, the lingering
/// deadline passes or the byte cap is reached.
async fn close_gracefully(socket: &TcpStream) {
    if SockRef::from(socket).shutdown(Direction::Write).is_err() {
        return; // The client is gone; nothing to protect.
    }
    let mut linger = Linger::start();
    // Allocated only if the client sends more.
    let mut scratch = Vec::new();
    while let Some(left) = linger.wait() {
        if !matches!(timeout(left, socket.readable()).await, Ok(Ok(()))) {
            return;
        }
        scratch.resize(4096, 0);
        match socket.try_read(&mut scratch) {
            Ok(n) if !linger.read(n) => return,
            Ok(_) => {}
            Err(err) if retry(&err) => {}
            Err(_) => return,
        }
    }
}

/// A readiness that was not real (another wake-up took the bytes), or a
/// signal: try again.
fn retry(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// Runs `work` on tokio's threads for blocking work and waits for it as a
/// task; a panic there becomes an error.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| io::Error::other(format!("a file operation failed: {err}")))
}
