//! Stopping on Ctrl+C, and bounding the threaded chapter's workers.
//!
//! Python turns Ctrl+C into `KeyboardInterrupt`, so the book's `finally` prints
//! the stop line. A Rust process killed by SIGINT just ends. Here a handler
//! (the `ctrlc` crate) records the request and wakes the blocked `accept()`
//! with a connection of its own; the chapter's loop sees the flag and leaves,
//! and its stop line prints as in the book.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Set once Ctrl+C (SIGINT) or SIGTERM arrives.
#[derive(Debug, Clone)]
pub struct Shutdown {
    requested: Arc<AtomicBool>,
}

impl Shutdown {
    /// Installs the handler for `server_socket`. A second Ctrl+C exits at once.
    pub fn on_ctrl_c(server_socket: &TcpListener) -> io::Result<Shutdown> {
        let mut wake = server_socket.local_addr()?;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        let requested = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&requested);
        ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                process::exit(130);
            }
            // If this fails the next real client wakes the loop instead.
            let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        })
        .map_err(io::Error::other)?;
        Ok(Shutdown { requested })
    }

    /// True once the server should stop accepting.
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}

/// Counts running workers and caps them: the bound the book leaves to the
/// reader (its column names Python's `ThreadPoolExecutor`).
#[derive(Debug, Clone)]
pub struct Workers {
    state: Arc<(Mutex<usize>, Condvar)>,
    max: usize,
}

/// One running worker; dropping it (even by a panic) frees the place.
#[derive(Debug)]
pub struct Permit {
    state: Arc<(Mutex<usize>, Condvar)>,
}

impl Workers {
    /// At most `max` workers at once.
    pub fn new(max: usize) -> Workers {
        Workers {
            state: Arc::new((Mutex::new(0), Condvar::new())),
            max: max.max(1),
        }
    }

    /// Waits until fewer than `max` workers run, then counts one more. While
    /// this waits, new clients queue in the kernel's listen backlog.
    pub fn acquire(&self) -> Permit {
        let (count, changed) = &*self.state;
        let mut running = lock(count);
        while *running >= self.max {
            running = changed
                .wait(running)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *running += 1;
        Permit {
            state: Arc::clone(&self.state),
        }
    }

    /// How many workers run now.
    pub fn running(&self) -> usize {
        *lock(&self.state.0)
    }

    /// Waits up to `timeout` for every worker to finish; true if they all did.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (count, changed) = &*self.state;
        let mut running = lock(count);
        while *running > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            running = changed
                .wait_timeout(running, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let (count, changed) = &*self.state;
        *lock(count) -= 1;
        changed.notify_all();
    }
}

/// A panicking worker must not take the counter with it.
fn lock(count: &Mutex<usize>) -> MutexGuard<'_, usize> {
    count.lock().unwrap_or_else(PoisonError::into_inner)
}
