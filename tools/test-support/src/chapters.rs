//! Checks that differ between chapters: the book's log lines, and how an idle
//! client affects the others (the point of chapter 13). Each is about the
//! order of events (answered before the silent client left, or only after
//! the server gave up on it), never about how long something took, so a
//! busy machine cannot fail them; the server's timeouts are set so that
//! only a server of the wrong kind could get the order wrong.

use std::thread;

use checker::Target;
use checker::threads::{HeldUp, Silence, get_beside_silent_clients};
use lesson_demo::timeline::thread_name;

use crate::{PATIENCE, Server, static_file};

/// The server's words when it gives up on a client that sent nothing.
const GAVE_UP: &str = "the client sent nothing";

/// Timeouts longer than any wait of a test ([`PATIENCE`]): a server that
/// waits for its silent clients holds the test up until it gives up.
const LONG_TIMEOUTS: [&str; 4] = ["--read-timeout", "60", "--request-timeout", "60"];

/// One GET, one garbage request, then Ctrl+C: the `===` lines each thread
/// logged must be exactly the book's, in order. `main_lines` are the
/// accepting thread's; `worker_lines` those of the worker threads (empty for
/// the sequential chapters).
///
/// The book's last line is the stop line, which only Ctrl+C brings, so
/// the test is ignored on Windows, where a test cannot send it.
pub fn logs_like_the_book(bin: &str, main_lines: &[&str], worker_lines: &[&str]) {
    let mut server = Server::start(bin, &[]);
    assert_eq!(server.get("/index.html").status, 200);
    if !worker_lines.is_empty() {
        // The client has its response (the server half-closed) before the
        // worker logs its close line; wait for it, so that the two workers'
        // lines cannot interleave.
        server.wait_for_log("通信を終了します", PATIENCE);
    }
    assert_eq!(server.exchange(b"garbage\r\n\r\n").status, 400);
    server.signal("INT");
    let status = server.wait_exit(PATIENCE).expect("exits after SIGINT");
    assert!(status.success(), "exit status after Ctrl+C: {status}");
    let last = main_lines.last().expect("expected lines");
    server.wait_for_log(last, PATIENCE);
    let log = server.log();
    // The accepting thread is `main`, and the workers' lines are those of
    // every other thread: which one writes a line differs from run to run.
    // In the async step the accept loop is a task too, run by whichever
    // runtime thread is free: there the `Server:` lines are the accepting
    // side's.
    let on_main = |line: &str| thread_name(line).as_deref() == Some("main");
    let tasks = log
        .iter()
        .any(|line| line.contains("=== Server:") && !on_main(line));
    let accepting = |line: &str| {
        if tasks {
            line.contains("=== Server:")
        } else {
            on_main(line)
        }
    };
    assert_eq!(
        book_lines(&log, accepting),
        main_lines,
        "the accepting side's lines; log:\n{}",
        log.join("\n")
    );
    assert_eq!(
        book_lines(&log, |line| thread_name(line).is_some() && !accepting(line)),
        worker_lines,
        "the workers' lines; log:\n{}",
        log.join("\n")
    );
}

/// The `===` messages of the log lines that `keep` accepts (by their thread,
/// `thread_name`, or their role), with peer addresses replaced by `ADDR`.
pub fn book_lines(log: &[String], keep: impl Fn(&str) -> bool) -> Vec<String> {
    log.iter()
        .filter(|line| keep(line))
        .filter_map(|line| line.find("===").map(|at| &line[at..]))
        .map(|message| match message.find("remote_address: ") {
            Some(at) => format!("{}remote_address: ADDR ===", &message[..at]),
            None => message.to_owned(),
        })
        .collect()
}

/// A sequential server: a client that connects and sends nothing holds the
/// next client up until the read timeout (1 s here) ends it, and no longer.
/// In the server's log it gives up on the silent client before it accepts
/// the next one, which is answered while the silent one is still connected
/// (it would stay [`PATIENCE`]). A machine so busy that the next client
/// comes only after the timeout makes the check say less, never fail.
pub fn idle_client_delays_others_by_read_timeout(bin: &str) {
    let server = Server::start(bin, &["--read-timeout", "1"]);
    let held = beside_silent_clients(&server, 1);
    assert_eq!(status(&held), 200);
    assert!(
        held.released_at.is_none(),
        "only answered after the idle client left: {held:?}"
    );
    server.wait_for_log_count("接続が完了しました", 2, PATIENCE);
    let log = server.log();
    let gave_up = position(&log, GAVE_UP, 1);
    let next = position(&log, "接続が完了しました", 2);
    assert!(
        gave_up.is_some_and(|gave_up| Some(gave_up) < next),
        "the second client was accepted before the server gave up on the silent one; log:\n{}",
        log.join("\n")
    );
}

/// The threaded server: with an idle client holding one worker, another
/// client is answered while the idle one is connected and before the server
/// gives up on it (its timeouts are 60 s, longer than the test waits).
pub fn idle_client_does_not_delay_others(bin: &str) {
    let server = Server::start(bin, &LONG_TIMEOUTS);
    let held = beside_silent_clients(&server, 1);
    assert_eq!(status(&held), 200);
    assert!(
        held.answered_before_release(),
        "served only after the idle client left: {held:?}"
    );
    assert!(
        position(&server.log(), GAVE_UP, 1).is_none(),
        "the server gave up on the idle client: it was held up"
    );
}

/// The index of the `nth` (from 1) log line containing `needle`.
fn position(log: &[String], needle: &str, nth: usize) -> Option<usize> {
    log.iter()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .nth(nth - 1)
        .map(|(i, _)| i)
}

/// Connects `silent` clients that send nothing, waits until the server has
/// logged each connection, and sends a GET; the silent clients stay until
/// it is answered, or [`PATIENCE`], then leave. The checker's own
/// measurement ([`checker::threads::get_beside_silent_clients`]), so the
/// two agree.
fn beside_silent_clients(server: &Server, silent: usize) -> HeldUp {
    let target = Target::from_addr(server.addr);
    let silence = Silence {
        clients: silent,
        hold: PATIENCE,
        release: silent,
        after: PATIENCE,
    };
    get_beside_silent_clients(&target, "/index.html", silence, || {
        if silent > 0 {
            server.wait_for_log_count("接続が完了しました", silent, PATIENCE);
        }
    })
    .expect("the idle clients and the GET connect")
}

fn status(held: &HeldUp) -> u16 {
    match &held.reply {
        Ok(reply) => reply.status,
        Err(err) => panic!("no answer: {err:?}"),
    }
}

/// Many clients at once each get the exact bytes.
pub fn concurrent_clients_get_exact_bytes(bin: &str, clients: usize) {
    let server = Server::start(bin, &[]);
    let logo = static_file("logo.png");
    let index = static_file("index.html");
    thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|i| {
                let (server, logo, index) = (&server, &logo, &index);
                scope.spawn(move || {
                    let (path, expected) = if i % 2 == 0 {
                        ("/logo.png", logo)
                    } else {
                        ("/index.html", index)
                    };
                    let reply = server.get(path);
                    assert_eq!(reply.status, 200, "client {i}");
                    assert!(&reply.body == expected, "client {i}: {path} differs");
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("client thread");
        }
    });
}

/// The pool chapter: while fewer idle clients than `--max-workers` hold
/// workers, another client is answered while they are connected and before
/// the server gives up on any of them (60 s).
pub fn pool_with_a_free_worker_does_not_delay_others(bin: &str) {
    let mut args = LONG_TIMEOUTS.to_vec();
    args.extend(["--max-workers", "3"]);
    let server = Server::start(bin, &args);
    let held = beside_silent_clients(&server, 2);
    assert_eq!(status(&held), 200);
    assert!(
        held.answered_before_release(),
        "served only after the idle clients left: {held:?}"
    );
    assert!(
        position(&server.log(), GAVE_UP, 1).is_none(),
        "the server gave up on an idle client: the new one was held up"
    );
}

/// The pool chapter: with `--max-workers` idle clients, the next client
/// waits until a read timeout (1 s here) frees a worker: chapter 12's
/// problem, N clients later. It is answered while the idle clients are
/// still connected, and no worker finishes a client before the server has
/// given up on an idle one.
pub fn pool_full_of_idle_clients_makes_the_next_wait(bin: &str) {
    let server = Server::start(bin, &["--max-workers", "2", "--read-timeout", "1"]);
    let held = beside_silent_clients(&server, 2);
    assert_eq!(status(&held), 200);
    assert!(
        held.released_at.is_none(),
        "only answered after the idle clients left: {held:?}"
    );
    server.wait_for_log_count("通信を終了します", 3, PATIENCE);
    let log = server.log();
    let gave_up = position(&log, GAVE_UP, 1);
    let first_done = position(&log, "通信を終了します", 1);
    assert!(
        gave_up.is_some_and(|gave_up| Some(gave_up) < first_done),
        "a worker finished a client before the server gave up on an idle one; log:\n{}",
        log.join("\n")
    );
}

/// The pool chapter: ten clients one after another are served by at most
/// `--max-workers` threads, so at least one thread served several.
pub fn pool_reuses_its_threads(bin: &str) {
    let server = Server::start(bin, &["--max-workers", "4"]);
    for _ in 0..10 {
        assert_eq!(server.get("/index.css").status, 200);
    }
    server.wait_for_log_count("通信を終了します", 10, PATIENCE);
    let log = server.log();
    let threads: Vec<&str> = log
        .iter()
        .filter(|line| line.contains("通信を終了します"))
        .filter_map(|line| line.split_once("(worker-")?.1.split_once(')'))
        .map(|(number, _)| number)
        .collect();
    assert_eq!(threads.len(), 10, "log:\n{}", log.join("\n"));
    let mut distinct = threads.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() <= 4,
        "more threads than --max-workers: {threads:?}"
    );
}
