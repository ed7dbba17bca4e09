//! The async twins of the blocking reader and writer, for `chapter13-async`
//! (feature `async`, on tokio), under the same names: [`receive_request`],
//! [`Connection`], [`send`] (for [`Response::send`]),
//! [`report_error`], [`accept_failed`], [`Shutdown::wait_for_tasks`].
//!
//! Limits, timeouts, errors, statuses and log lines are the blocking ones,
//! because the HTTP work is the same code: [`RequestParser`] reads the head,
//! the response's wire plan says what to write, the lingering rules say when
//! to close. Only the waiting differs. Where the blocking code holds its
//! thread in `read` or `write`, this code first tries the socket and, if it
//! is not ready, `.await`s its readiness; the runtime's thread runs other
//! tasks meanwhile.
//!
//! Files are opened and read right on the runtime's thread (the step calls
//! the blocking `common::open_static_file`), as nginx does by default. tokio
//! advises moving blocking calls to its blocking threads (`spawn_blocking`),
//! and a call that *waits* (a database query, a sleep, a slow disk) belongs
//! there. A file under `static/` comes from the page cache: opening and
//! reading `index.html` takes microseconds, less than handing the work to a
//! blocking thread and back, which this step did twice per request until it
//! was measured to halve the requests per second with one client. The price:
//! a file that must come from a slow disk holds the thread, and the tasks
//! waiting for it, until the disk answers.
//!
//! A silent client costs its task and its socket: no buffer is allocated
//! before its first byte arrives, and nothing large is kept across an `.await`.

use std::io::{self, Read};
use std::net::Shutdown as Direction;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use socket2::SockRef;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::closing::Linger;

use crate::lifecycle::{accept_pause, cut_short};
use crate::request::{log_no_request, next_wait, request_deadline};
use crate::response::{
    STREAM_BUFFER, Wire, check_length, error_answer, explain_write_error, log_send_error,
    read_piece,
};
use crate::{HttpError, Limits, Request, RequestParser, Response, Shutdown};

/// [`crate::Connection`] with a tokio socket: one accepted client, its
/// timeouts, and whether the request being answered is `HEAD`. The chapter
/// creates it after `accept()` and hands it to [`receive_request`],
/// [`send`] and [`report_error`]; dropping it closes the socket.
pub type Connection = crate::Connection<TcpStream>;

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
        // What has arrived, without waiting: usually the whole request came
        // with the connection. The bytes go through a buffer on the stack,
        // gone before the `.await` below, so a client that sends nothing
        // holds no buffer while it waits.
        let arrived = {
            let mut scratch = [0; 2048];
            match socket.try_read(&mut scratch) {
                Ok(0) => Some(parser.end(HttpError::Closed)),
                Ok(n) => match parser.feed(&scratch[..n]) {
                    Ok(None) => continue,
                    done => Some(done),
                },
                Err(err) if retry(&err) => None,
                Err(err) => Some(Err(HttpError::Io(err))),
            }
        };
        if let Some(result) = arrived {
            break result;
        }
        // Nothing there: wait until bytes arrive, at most the read timeout
        // (cut short by the request's deadline). The task sleeps, its thread
        // does not.
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
    };
    client_socket.remember(&parser, &result);
    log_no_request(result, timed_out)
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
    if client_socket.linger {
        close_gracefully(socket).await;
    }
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

/// Names the runtime's threads `worker-1`, `worker-2`, ... (one per core),
/// for the log and for `ps -T`. Give it to tokio's `Builder::thread_name_fn`.
pub fn thread_name() -> String {
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    format!("worker-{}", STARTED.fetch_add(1, Ordering::Relaxed) + 1)
}

/// Writes what `wire` says.
async fn write_wire(socket: &TcpStream, wire: Wire, wait: Duration) -> io::Result<()> {
    match wire {
        Wire::Bytes(bytes) => write_all(socket, &bytes, wait).await,
        Wire::Inline(mut inline) => {
            inline.read()?;
            write_all(socket, &inline.bytes, wait).await
        }
        Wire::Stream { head, file, len } => {
            write_all(socket, &head, wait).await?;
            let mut file = file.take(len);
            let mut buffer = vec![0; STREAM_BUFFER];
            let mut sent = 0;
            loop {
                let n = read_piece(&mut file, &mut buffer)?;
                if n == 0 {
                    return check_length(sent, len);
                }
                write_all(socket, &buffer[..n], wait).await?;
                sent += n as u64;
            }
        }
    }
}

/// All of `bytes`, each wait for room in the socket's buffer at most `wait`
/// (`--write-timeout`).
async fn write_all(socket: &TcpStream, mut bytes: &[u8], wait: Duration) -> io::Result<()> {
    while !bytes.is_empty() {
        // Write what fits now; wait for room only when there is none.
        match socket.try_write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(err) if retry(&err) => match timeout(wait, socket.writable()).await {
                Ok(ready) => ready?,
                Err(_) => return Err(io::ErrorKind::TimedOut.into()),
            },
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
    while let Some(left) = linger.wait() {
        // Often the client has closed by now: then there is nothing to wait for.
        let read = socket.try_read(&mut [0; 4096]);
        match read {
            Ok(n) if !linger.read(n) => return,
            Ok(_) => continue,
            Err(err) if retry(&err) => {}
            Err(_) => return,
        }
        if !matches!(timeout(left, socket.readable()).await, Ok(Ok(()))) {
            return;
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
