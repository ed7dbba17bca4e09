//! The silent sweep of `tools/scripts/bench.sh scaling`, short and live: K = 0 and
//! [`SILENT`] clients that connect and send nothing. A thread per client pays
//! one thread per silent client and still answers a fresh request; a pool of
//! [`MAX_WORKERS`] stays at that many workers and makes the fresh request wait.

use std::time::{Duration, Instant};

use lesson_demo::scaling::{Fresh, SilentClients, fresh_get};

use crate::Server;

/// The silent clients held open.
pub const SILENT: usize = 20;
/// The pool's bound: fewer workers than silent clients.
pub const MAX_WORKERS: u64 = 4;
/// How long the fresh GET may take before it counts as waiting. An answer
/// takes milliseconds; a waiting client waits for the silent ones' read
/// timeout (30 s here).
const CAP: Duration = Duration::from_secs(3);

/// Long enough for the silent clients to stay through the test.
const TIMEOUTS: [&str; 4] = ["--read-timeout", "30", "--request-timeout", "30"];

/// `chapter13-threaded`: one more thread per silent client; a fresh GET is
/// answered at K = 0 and at K = [`SILENT`].
pub fn threaded(bin: &str) {
    let server = Server::start(bin, &TIMEOUTS);
    let before = threads(&server);
    assert_answered(fresh_get(server.addr, CAP), 0);
    let mut clients = SilentClients::default();
    clients
        .grow_to(server.addr, SILENT, CAP)
        .unwrap_or_else(|e| panic!("silent clients: {e}"));
    if let Some(before) = before {
        let want = before + SILENT as u64;
        let after = wait_for_threads(&server, |n| n >= want);
        // About one each: a thread of an earlier client may still be ending.
        assert!(
            (want..=want + 2).contains(&after),
            "{before} threads with no client, {after} with {SILENT} silent ones"
        );
    }
    assert_answered(fresh_get(server.addr, CAP), SILENT);
}

/// `chapter13-threadpool --max-workers 4`: at most 4 workers beside the
/// threads it has with no client; with [`SILENT`] silent clients every worker
/// is held and a fresh GET waits past the cap.
pub fn pool(bin: &str) {
    let max = MAX_WORKERS.to_string();
    let mut args = TIMEOUTS.to_vec();
    args.extend(["--max-workers", &max]);
    let server = Server::start(bin, &args);
    assert_answered(fresh_get(server.addr, CAP), 0);
    // Counted once a request has been answered: by then the Ctrl+C handler's
    // thread has surely started (it starts just after the URL line, so a
    // count taken at once may miss it), and the pool has started its first
    // worker, which it keeps.
    let before = threads(&server);
    let mut clients = SilentClients::default();
    clients
        .grow_to(server.addr, SILENT, CAP)
        .unwrap_or_else(|e| panic!("silent clients: {e}"));
    if let Some(before) = before {
        let full = wait_for_threads(&server, |n| n >= before + MAX_WORKERS - 1);
        assert_eq!(
            full,
            before + MAX_WORKERS - 1,
            "{before} threads with one worker started, {full} with {SILENT} silent ones"
        );
    }
    let fresh = fresh_get(server.addr, CAP);
    assert_eq!(
        fresh,
        Fresh::Waits,
        "with {SILENT} silent clients and {MAX_WORKERS} workers, a fresh GET should wait"
    );
    if let Some(before) = before {
        let now = threads(&server).unwrap_or(0);
        assert!(now < before + MAX_WORKERS, "{now} threads: the pool grew");
    }
}

/// `chapter13-async`: a silent client is a task, not a thread: with
/// [`SILENT`] of them the thread count stays where it was once a request had
/// been answered, and a fresh GET is still answered at once.
pub fn tasks(bin: &str) {
    let server = Server::start(bin, &TIMEOUTS);
    assert_answered(fresh_get(server.addr, CAP), 0);
    // After an answer: the Ctrl+C thread and a thread for file reads exist.
    let before = threads(&server);
    let mut clients = SilentClients::default();
    clients
        .grow_to(server.addr, SILENT, CAP)
        .unwrap_or_else(|e| panic!("silent clients: {e}"));
    server.wait_for_log_count("接続が完了しました", SILENT + 1, Duration::from_secs(10));
    if let Some(before) = before {
        let after = threads(&server).unwrap_or(0);
        assert!(
            after <= before,
            "{before} threads before {SILENT} silent clients, {after} with them"
        );
    }
    assert_answered(fresh_get(server.addr, CAP), SILENT);
}

fn assert_answered(fresh: Fresh, k: usize) {
    assert!(
        matches!(fresh, Fresh::Answered(_)),
        "with {k} silent clients a fresh GET should be answered within {CAP:?}: {fresh:?}"
    );
}

/// The server's thread count: `/proc` on Linux; elsewhere `None`, after
/// saying that this part of the check is skipped.
fn threads(server: &Server) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let status = lesson_demo::scaling::process_status(server.pid());
        Some(status.expect("/proc/PID/status of the server").threads)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = server;
        eprintln!("SKIP thread counts: they are read from /proc, which only Linux has");
        None
    }
}

/// Waits (10 s at most) until the thread count satisfies `done`, then
/// 200 ms more for stragglers, and returns it.
fn wait_for_threads(server: &Server, done: impl Fn(u64) -> bool) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = threads(server).unwrap_or(0);
        if done(n) || Instant::now() > deadline {
            std::thread::sleep(Duration::from_millis(200));
            return threads(server).unwrap_or(0);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
