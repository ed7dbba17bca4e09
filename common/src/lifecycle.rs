//! Starting and stopping: the URL line, start-up errors for people, accept
//! errors that must not flood the log, and Ctrl+C.
//!
//! Python turns Ctrl+C into `KeyboardInterrupt`, so the book's `finally` prints
//! the stop line. A Rust process killed by SIGINT just ends. Here a handler
//! (the `ctrlc` crate) records the request and wakes the blocked `accept()`
//! with a connection of its own; the chapter's loop sees the flag and leaves,
//! and its stop line prints as in the book.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use log::{LevelFilter, error, info, warn};

use crate::Config;

/// Set once Ctrl+C (SIGINT) or SIGTERM arrives.
#[derive(Debug, Clone)]
pub struct Shutdown {
    requested: Arc<AtomicBool>,
    /// When the signal came: the grace period for workers counts from here.
    at: Arc<OnceLock<Instant>>,
}

impl Shutdown {
    /// Installs the handler for `server_socket`. A second Ctrl+C exits at once.
    pub fn on_ctrl_c(server_socket: &impl Listener) -> io::Result<Shutdown> {
        let wake = reachable(server_socket.local_addr()?);
        let shutdown = Shutdown {
            requested: Arc::new(AtomicBool::new(false)),
            at: Arc::new(OnceLock::new()),
        };
        let handler = shutdown.clone();
        ctrlc::set_handler(move || {
            if handler.requested.swap(true, Ordering::SeqCst) {
                process::exit(130);
            }
            handler.at.get_or_init(Instant::now);
            // If this fails the next real client wakes the loop instead.
            let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        })
        .map_err(io::Error::other)?;
        Ok(shutdown)
    }

    /// True once the server should stop accepting.
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Lets the workers still answering a client finish, for at most `grace`
    /// after the signal (the chapters pass `--read-timeout`, the longest a
    /// silent client can hold a worker), then logs how many were cut short.
    /// Python waits for its (non-daemon) threads without a limit: a client
    /// that never finishes would keep the process alive.
    pub fn wait_for(&self, mut workers: Vec<JoinHandle<()>>, grace: Duration) {
        let deadline = self.deadline(grace);
        loop {
            // A finished thread's handle is dropped: nothing left to wait for.
            workers.retain(|worker| !worker.is_finished());
            if workers.is_empty() {
                return;
            }
            if Instant::now() >= deadline {
                cut_short(workers.len());
                return;
            }
            thread::sleep(DRAIN_POLL);
        }
    }

    /// When waiting for the workers ends: `grace` after the signal.
    pub(crate) fn deadline(&self, grace: Duration) -> Instant {
        let signalled = *self.at.get_or_init(Instant::now);
        signalled.checked_add(grace).unwrap_or(signalled)
    }
}

/// Says that `left` clients are cut short by the stop.
pub(crate) fn cut_short(left: usize) {
    warn!("stopping now: {left} clients still being answered are cut short");
}

/// How often the drain looks whether the workers are done.
const DRAIN_POLL: Duration = Duration::from_millis(10);

/// A listening socket, whose address the start-up needs: std's
/// `TcpListener`, or tokio's (feature `async`).
pub trait Listener {
    /// The address it listens on.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl Listener for TcpListener {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpListener::local_addr(self)
    }
}

#[cfg(feature = "async")]
impl Listener for tokio::net::TcpListener {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        tokio::net::TcpListener::local_addr(self)
    }
}

/// Where to connect to reach `addr`: a wildcard address is reached over loopback.
fn reachable(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    addr
}

/// Prints the URL to open, at any log level but `off`: with `--port 0` it is
/// the only place that says which port was chosen.
pub fn show_url(server_socket: &impl Listener) -> io::Result<()> {
    let local = server_socket.local_addr()?;
    let url = format!("open http://{}/index.html", reachable(local));
    let note = if local.ip().is_unspecified() {
        format!(" (listening on every address, {local})")
    } else {
        String::new()
    };
    match log::max_level() {
        LevelFilter::Off => {}
        level if level >= LevelFilter::Info => info!("{url}{note}"),
        _ => eprintln!("{url}{note}"),
    }
    Ok(())
}

/// Logs an `accept()` failure and, when the system is out of resources, waits
/// a little before the next try.
///
/// With descriptors exhausted (EMFILE), `accept` fails at once, every time,
/// until a client leaves: retrying straight away would burn a core and fill
/// the log. So: sleep briefly, and log at most one line per second.
pub fn accept_failed(err: &io::Error) {
    if let Some(pause) = accept_pause(err) {
        thread::sleep(pause);
    }
}

/// The logging half of [`accept_failed`], and how long to pause before the
/// next `accept` (`None`: try again at once), for the blocking and the async
/// servers alike.
pub(crate) fn accept_pause(err: &io::Error) -> Option<Duration> {
    static LAST_LOGGED: Mutex<Option<Instant>> = Mutex::new(None);
    const QUIET: Duration = Duration::from_secs(1);
    const PAUSE: Duration = Duration::from_millis(50);
    {
        let mut last = LAST_LOGGED.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= QUIET) {
            *last = Some(Instant::now());
            error!("accept failed: {err} (retrying; at most one such line per second)");
        }
    }
    // A client that gave up while queued is its own problem; anything else
    // (EMFILE, ENFILE, ENOBUFS, ENOMEM) does not improve until a client leaves.
    let transient = matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    );
    (!transient).then_some(PAUSE)
}

/// Explains why the server could not start, in words and with what to do,
/// then exits with status 1. Errors here come from creating the listening
/// socket (or installing the Ctrl+C handler), never from a client.
pub fn exit_on_start_error(config: &Config, err: io::Error) -> ! {
    eprintln!(
        "error: {}",
        start_error_hint(config.address(), &err, cfg!(windows))
    );
    process::exit(1);
}

/// The sentence [`exit_on_start_error`] prints, for this system (`windows`)
/// or, in tests, for the other.
fn start_error_hint(address: SocketAddr, err: &io::Error, windows: bool) -> String {
    match err.kind() {
        io::ErrorKind::AddrInUse => format!(
            "cannot listen on {address}: address already in use — is another chapter still \
             running? Stop it (Ctrl+C), or pass --port 0 to pick a free port"
        ),
        // Windows lets anyone use low ports, but reserves ranges of high ones
        // (Hyper-V, WSL, Docker) and refuses them with "access denied".
        io::ErrorKind::PermissionDenied if windows => format!(
            "cannot listen on {address}: permission denied — Windows reserves some port \
             ranges (Hyper-V, WSL); list them with `netsh interface ipv4 show \
             excludedportrange protocol=tcp` and pick a port outside them, or pass --port 0"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {address}: permission denied — ports below 1024 need special \
             rights; use a higher port, e.g. --port 8080"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "cannot listen on {address}: this machine has no such address — use 127.0.0.1 \
             (the default), or 0.0.0.0 for every address"
        ),
        _ => format!("cannot start the server on {address}: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_says_what_each_system_means_by_it() {
        let address = SocketAddr::from(([127, 0, 0, 1], 8080));
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let unix = start_error_hint(address, &denied, false);
        assert!(unix.contains("ports below 1024"), "{unix}");
        let windows = start_error_hint(address, &denied, true);
        assert!(windows.starts_with("cannot listen on 127.0.0.1:8080: permission denied"));
        assert!(
            windows.contains("netsh interface ipv4 show excludedportrange protocol=tcp")
                && windows.contains("--port 0"),
            "{windows}"
        );
        let in_use = io::Error::from(io::ErrorKind::AddrInUse);
        assert_eq!(
            start_error_hint(address, &in_use, true),
            start_error_hint(address, &in_use, false)
        );
    }
}
