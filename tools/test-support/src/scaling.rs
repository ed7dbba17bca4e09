//! The silent sweep of `tools/scripts/bench.sh scaling`, short and live:
//! [`SILENT`] clients that connect and send nothing. A thread per client
//! pays one thread per silent client and still answers a fresh request; a
//! pool of [`MAX_WORKERS`] stays at that many workers and makes the fresh
//! request wait; tasks cost no thread at all.
//!
//! Two tests per step: what a fresh request gets (every system), and what the
//! silent clients cost in threads (read from `/proc`, so Linux only: the
//! chapters' test files ignore those elsewhere, with the reason).

use lesson_demo::scaling::{Fresh, SilentClients, fresh_get};

use crate::{PATIENCE, Server};

/// The silent clients held open.
pub const SILENT: usize = 20;
/// The pool's bound: fewer workers than silent clients.
pub const MAX_WORKERS: u64 = 4;
/// How long a fresh request that must wait is given to be answered anyway.
/// The silent clients hold the pool's workers for the read timeout (60 s,
/// longer than any test waits), so only a server of the wrong kind answers
/// meanwhile: a busy machine cannot fail this check.
const WAITS: std::time::Duration = std::time::Duration::from_millis(500);

/// The silent clients stay through the test: the servers wait longer for them.
const TIMEOUTS: [&str; 4] = ["--read-timeout", "60", "--request-timeout", "60"];

/// A thread per client (`chapter13-threaded`) or a task per client
/// (`chapter13-async`): a fresh GET is answered with no silent client and
/// with [`SILENT`] of them connected.
pub fn fresh_client_is_answered_beside_silent_ones(bin: &str) {
    let server = Server::start(bin, &TIMEOUTS);
    assert_answered(fresh_get(server.addr, PATIENCE), 0);
    let _clients = silent_clients(&server);
    assert_answered(fresh_get(server.addr, PATIENCE), SILENT);
}

/// `chapter13-threadpool --max-workers 4`: a fresh GET is answered with no
/// silent client; with [`SILENT`] of them every worker is held, and a fresh
/// GET waits.
pub fn pool_makes_a_fresh_client_wait(bin: &str) {
    let args = pool_args();
    let server = Server::start(bin, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_answered(fresh_get(server.addr, PATIENCE), 0);
    let _clients = silent_clients(&server);
    let fresh = fresh_get(server.addr, WAITS);
    assert_eq!(
        fresh,
        Fresh::Waits,
        "with {SILENT} silent clients and {MAX_WORKERS} workers, a fresh GET should wait"
    );
}

/// `chapter13-threaded`: a worker thread per silent client. The workers
/// are counted by name (`worker ADDRESS`), once the fresh client's has ended.
#[cfg(target_os = "linux")]
pub fn threaded_threads(bin: &str) {
    let server = Server::start(bin, &TIMEOUTS);
    assert_answered(fresh_get(server.addr, PATIENCE), 0);
    let _clients = silent_clients(&server);
    let counts = wait_for_workers(&server, SILENT);
    assert_eq!(
        counts.last(),
        Some(&SILENT),
        "worker threads while {SILENT} silent clients are connected: {counts:?}"
    );
}

/// `chapter13-threadpool --max-workers 4`: with [`SILENT`] silent clients
/// it starts its 4 workers (`worker-N`) and never more.
#[cfg(target_os = "linux")]
pub fn pool_threads(bin: &str) {
    let args = pool_args();
    let server = Server::start(bin, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_answered(fresh_get(server.addr, PATIENCE), 0);
    let _clients = silent_clients(&server);
    let bound = MAX_WORKERS as usize;
    let counts = wait_for_workers(&server, bound);
    assert!(
        counts.last() == Some(&bound) && counts.iter().all(|n| *n <= bound),
        "worker threads while {SILENT} silent clients are connected: {counts:?}"
    );
}

/// `chapter13-async`: a silent client is a task, not a thread: with
/// [`SILENT`] of them (each accepted: the log says so) the thread count
/// stays where it was once a request had been answered.
#[cfg(target_os = "linux")]
pub fn tasks_threads(bin: &str) {
    let server = Server::start(bin, &TIMEOUTS);
    assert_answered(fresh_get(server.addr, PATIENCE), 0);
    // After an answer: the Ctrl+C thread and a thread for file reads exist.
    let before = threads(&server);
    let _clients = silent_clients(&server);
    server.wait_for_log_count("接続が完了しました", SILENT + 1, PATIENCE);
    let after = threads(&server);
    assert!(
        after <= before,
        "{before} threads before {SILENT} silent clients, {after} with them"
    );
}

/// Ignored outside Linux; run anyway, these fail, saying why.
#[cfg(not(target_os = "linux"))]
pub fn threaded_threads(_bin: &str) {
    panic!("{}", NO_PROC);
}

/// See [`threaded_threads`].
#[cfg(not(target_os = "linux"))]
pub fn pool_threads(_bin: &str) {
    panic!("{}", NO_PROC);
}

/// See [`threaded_threads`].
#[cfg(not(target_os = "linux"))]
pub fn tasks_threads(_bin: &str) {
    panic!("{}", NO_PROC);
}

#[cfg(not(target_os = "linux"))]
const NO_PROC: &str =
    "thread counts are read from /proc, which only Linux has; Linux runs this test";

fn pool_args() -> Vec<String> {
    let mut args: Vec<String> = TIMEOUTS.iter().map(|s| (*s).to_owned()).collect();
    args.extend(["--max-workers".to_owned(), MAX_WORKERS.to_string()]);
    args
}

/// [`SILENT`] connections that send nothing, held until dropped.
fn silent_clients(server: &Server) -> SilentClients {
    let mut clients = SilentClients::default();
    clients
        .grow_to(server.addr, SILENT, PATIENCE)
        .unwrap_or_else(|e| panic!("silent clients: {e}"));
    clients
}

fn assert_answered(fresh: Fresh, k: usize) {
    assert!(
        matches!(fresh, Fresh::Answered(_)),
        "with {k} silent clients a fresh GET should be answered: {fresh:?}"
    );
}

/// The server's thread count, from `/proc/PID/status`.
#[cfg(target_os = "linux")]
fn threads(server: &Server) -> u64 {
    let status = lesson_demo::scaling::process_status(server.pid());
    status.expect("/proc/PID/status of the server").threads
}

/// How many of the server's threads are named `worker...`, from
/// `/proc/PID/task/*/comm`.
#[cfg(target_os = "linux")]
fn workers(server: &Server) -> usize {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).expect("/proc/PID/task");
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
        .filter(|name| name.starts_with("worker"))
        .count()
}

/// Counts the server's workers every 20 ms until there are `want` (or
/// [`PATIENCE`] has passed), then once more 200 ms later for stragglers;
/// returns every count seen.
#[cfg(target_os = "linux")]
fn wait_for_workers(server: &Server, want: usize) -> Vec<usize> {
    let deadline = std::time::Instant::now() + PATIENCE;
    let mut counts = Vec::new();
    loop {
        let n = workers(server);
        if counts.last() != Some(&n) {
            counts.push(n);
        }
        if n == want || std::time::Instant::now() > deadline {
            std::thread::sleep(std::time::Duration::from_millis(200));
            counts.push(workers(server));
            return counts;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
