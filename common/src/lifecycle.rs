//! Stopping on Ctrl+C, and the threaded chapter's bounded worker threads.
//!
//! Python turns Ctrl+C into `KeyboardInterrupt`, so the book's `finally` prints
//! the stop line. A Rust process killed by SIGINT just ends. Here a handler
//! (the `ctrlc` crate) records the request and wakes the blocked `accept()`
//! with a connection of its own; the chapter's loop sees the flag and leaves,
//! and its stop line prints as in the book.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
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

/// Worker threads for the threaded chapter, bounded and reused: what the
/// book's column leaves to the reader (Python's `ThreadPoolExecutor`).
///
/// Each job (one client) runs on a thread of its own. A new thread is started
/// only when none is idle; a thread that finishes its client waits up to
/// [`IDLE_KEEP`] for the next one instead of exiting, because creating a
/// thread is the slowest part of a short request (see the README's benchmarks).
#[derive(Clone)]
pub struct Workers {
    shared: Arc<Shared>,
}

/// How many times a worker that just finished looks for the next client
/// (yielding the CPU in between) before it goes to sleep.
const SPINS: usize = 50;

/// How long an idle worker thread waits for another client before exiting.
pub const IDLE_KEEP: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

struct Shared {
    state: Mutex<State>,
    /// Signalled when a job is queued.
    job_queued: Condvar,
    /// Signalled when a job finishes.
    job_done: Condvar,
    /// `state.queue.len()`, readable without the lock by spinning threads.
    queued: AtomicUsize,
    max: usize,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// Threads waiting for a job (asleep).
    idle: usize,
    /// Threads that just finished a job and look for the next before sleeping.
    spinning: usize,
    /// Jobs running now.
    busy: usize,
    /// Threads started so far, for their names.
    started: usize,
    /// Callers blocked until a job finishes. Waking nobody still costs a
    /// system call per job, so finishing jobs only notify when this is > 0.
    waiting_for_done: usize,
}

impl Workers {
    /// At most `max` clients handled at once.
    pub fn new(max: usize) -> Workers {
        Workers {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                job_queued: Condvar::new(),
                job_done: Condvar::new(),
                queued: AtomicUsize::new(0),
                max: max.max(1),
            }),
        }
    }

    /// Runs `job` on a worker thread: an idle one if there is one, else a new
    /// thread named `worker-N`. While `max` jobs run, this waits, and new
    /// clients queue in the kernel's listen backlog.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        while state.busy + state.queue.len() >= shared.max {
            state.waiting_for_done += 1;
            state = shared
                .job_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.waiting_for_done -= 1;
        }
        state.queue.push_back(Box::new(job));
        shared.queued.store(state.queue.len(), Ordering::Release);
        if state.spinning >= state.queue.len() {
            return Ok(());
        }
        if state.idle + state.spinning >= state.queue.len() {
            shared.job_queued.notify_one();
            return Ok(());
        }
        state.started += 1;
        let name = format!("worker-{}", state.started);
        drop(state);
        let pool = Arc::clone(shared);
        let started = thread::Builder::new().name(name).spawn(move || pool.work());
        if let Err(err) = started {
            // Nobody will run the job: drop it, which closes its client.
            let mut state = lock(&shared.state);
            state.queue.pop_back();
            shared.queued.store(state.queue.len(), Ordering::Release);
            return Err(err);
        }
        Ok(())
    }

    /// How many jobs run or wait to run now.
    pub fn running(&self) -> usize {
        let state = lock(&self.shared.state);
        state.busy + state.queue.len()
    }

    /// Waits up to `timeout` for every job to finish; true if they all did.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        while state.busy + state.queue.len() > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state.waiting_for_done += 1;
            state = self
                .shared
                .job_done
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            state.waiting_for_done -= 1;
        }
        true
    }
}

impl Shared {
    /// A worker thread: run queued jobs; exit after `IDLE_KEEP` without one.
    fn work(&self) {
        let mut state = lock(&self.state);
        let mut spun = false;
        loop {
            let Some(job) = state.queue.pop_front() else {
                if !spun {
                    // Under load the next client comes within microseconds;
                    // looking for it costs less than sleeping and being woken.
                    spun = true;
                    state.spinning += 1;
                    drop(state);
                    for _ in 0..SPINS {
                        if self.queued.load(Ordering::Acquire) > 0 {
                            break;
                        }
                        thread::yield_now();
                    }
                    state = lock(&self.state);
                    state.spinning -= 1;
                    continue;
                }
                state.idle += 1;
                let (next, waited) = self
                    .job_queued
                    .wait_timeout(state, IDLE_KEEP)
                    .unwrap_or_else(PoisonError::into_inner);
                state = next;
                state.idle -= 1;
                if waited.timed_out() && state.queue.is_empty() {
                    return;
                }
                continue;
            };
            self.queued.store(state.queue.len(), Ordering::Release);
            spun = false;
            state.busy += 1;
            drop(state);
            // A panicking job must not take the thread or the count with it.
            let _ = panic::catch_unwind(AssertUnwindSafe(job));
            state = lock(&self.state);
            state.busy -= 1;
            if state.waiting_for_done > 0 {
                self.job_done.notify_all();
            }
        }
    }
}

/// A panic elsewhere must not make the pool unusable.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
