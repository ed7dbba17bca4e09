//! The async twins of the blocking reader and writer, for `chapter13-async`
//! (feature `async`, on tokio), under the same names: [`receive_request`],
//! [`Connection`], [`open_static_file`], [`send`] (for [`Response::send`]),
//! [`report_error`], [`accept_failed`], [`Shutdown::wait_for_tasks`].
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

use std::io;
use std::net::Shutdown as Direction;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use socket2::SockRef;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::closing::Linger;
use crate::connection::Timeouts;
use crate::lifecycle::{accept_pause, cut_short};
use crate::request::{log_no_request, next_wait, request_deadline};
use crate::response::{
    STREAM_BUFFER, Wire, check_length, error_answer, explain_write_error, log_send_error,
    read_piece,
};
use crate::{Config, HttpError, Limits, Request, RequestParser, Response, Shutdown, StaticFile};

/// [`crate::Connection`] for a tokio socket: one accepted client, its
/// timeouts, and whether the request being answered is `HEAD`. The chapter
/// creates it after `accept()` and hands it to [`receive_request`],
/// [`send`] and [`report_error`]; dropping it closes the socket.
#[derive(Debug)]
pub struct Connection {
    socket: TcpStream,
    timeouts: Timeouts,
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

    /// True when the request being answered is `HEAD`.
    pub fn is_head(&self) -> bool {
        self.head
    }
}

/// [`crate::receive_request`] for a tokio socket: the next request, read with
/// the configured limits and timeouts; `Ok(None)` when the client sent
/// nothing at all (it closed, or stayed silent for `--read-timeout`).
pub async fn receive_request(client_socket: &mut Connection) -> Result<Option<Request>, HttpError> {
    let timeouts = client_socket.timeouts;
    let socket = &client_socket.socket;
    let deadline = request_deadline(timeouts.request);
    let mut parser = RequestParser::new(Limits::default());
    let mut timed_out = false;
    let result = loop {
        // Wait until bytes have arrived, at most the read timeout (cut short
        // by the request's deadline): the task sleeps, its thread does not.
        let ready = match next_wait(timeouts.read, deadline) {
            Some(wait) => timeout(wait, socket.readable()).await,
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
        let n = match socket.try_read(space) {
            Ok(0) => break parser.end(HttpError::Closed),
            Ok(n) => n,
            Err(err) if retry(&err) => continue,
            Err(err) => break Err(HttpError::Io(err)),
        };
        match parser.filled(n) {
            Ok(None) => continue,
            other => break other,
        }
    };
    client_socket.head = parser.is_head();
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
/// sends, within a short time and a bounded number of bytes), in this
/// task. A client that reads nothing for the write timeout gets an error
/// that says "timed out".
pub async fn send(response: Response, client_socket: &Connection) -> io::Result<()> {
    let socket = &client_socket.socket;
    let wire = response.into_wire(client_socket.head);
    write_wire(socket, wire, client_socket.timeouts.write)
        .await
        .map_err(explain_write_error)?;
    close_gracefully(socket).await;
    Ok(())
}

/// [`crate::report_error`] for a tokio socket: logs the cause and answers
/// with the status page, without its body if the request was HEAD.
pub async fn report_error(client_socket: &Connection, err: &HttpError) {
    let Some(response) = error_answer(err) else {
        return;
    };
    if let Err(send_err) = send(response, client_socket).await {
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
    /// [`Shutdown::wait_for`] for tasks: lets the tasks still answering a
    /// client finish, for at most `grace` after the signal, then logs how many
    /// were cut short (dropping the set then stops them).
    pub async fn wait_for_tasks(&self, mut workers: JoinSet<()>, grace: Duration) {
        let deadline = tokio::time::Instant::from_std(self.deadline(grace));
        let all_done = async { while workers.join_next().await.is_some() {} };
        if tokio::time::timeout_at(deadline, all_done).await.is_err() {
            cut_short(workers.len());
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

/// Writes what `wire` says; file reads go to the blocking threads.
async fn write_wire(socket: &TcpStream, wire: Wire, wait: Duration) -> io::Result<()> {
    match wire {
        Wire::Bytes(bytes) => write_all(socket, &bytes, wait).await,
        Wire::Inline(mut inline) => {
            let inline = blocking(move || inline.read().map(|()| inline)).await??;
            write_all(socket, &inline.bytes, wait).await
        }
        Wire::Stream { head, file, len } => {
            write_all(socket, &head, wait).await?;
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
                write_all(socket, &piece.1[..n], wait).await?;
                sent += n as u64;
            }
        }
    }
}

/// All of `bytes`, each wait for room in the socket's buffer at most `wait`
/// (`--write-timeout`).
async fn write_all(socket: &TcpStream, mut bytes: &[u8], wait: Duration) -> io::Result<()> {
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
