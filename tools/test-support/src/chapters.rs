//! Checks that differ between chapters: the book's log lines, and how an idle
//! client affects the others (the point of chapter 13).

use std::thread;
use std::time::Duration;

use checker::Target;
use checker::threads::{HeldUp, Silence, get_beside_silent_clients};

use crate::{Server, static_file};

/// One GET, one garbage request, then Ctrl+C: the `===` lines each thread
/// logged must be exactly the book's, in order. `main_lines` are the
/// accepting thread's; `worker_lines` those of the worker threads (empty for
/// the sequential chapters).
pub fn logs_like_the_book(bin: &str, main_lines: &[&str], worker_lines: &[&str]) {
    // The book's last line is the stop line, which only Ctrl+C brings.
    if crate::skip_without_signals("logs_like_the_book") {
        return;
    }
    let mut server = Server::start(bin, &[]);
    assert_eq!(server.get("/index.html").status, 200);
    if !worker_lines.is_empty() {
        // The client has its response (the server half-closed) before the
        // worker logs its close line; wait for it, so that the two workers'
        // lines cannot interleave.
        server.wait_for_log("通信を終了します", Duration::from_secs(5));
    }
    assert_eq!(server.exchange(b"garbage\r\n\r\n").status, 400);
    server.signal("INT");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("exits after SIGINT");
    assert!(status.success(), "exit status after Ctrl+C: {status}");
    let last = main_lines.last().expect("expected lines");
    server.wait_for_log(last, Duration::from_secs(5));
    let log = server.log();
    // The async step's accept loop is a task: its `Server:` lines come from
    // any runtime thread, like its `Worker:` lines.
    let (main_thread, worker_threads) = if log
        .iter()
        .any(|l| l.contains("=== Server:") && !l.contains("(main)"))
    {
        ("=== Server:", "=== Worker:")
    } else {
        ("(main)", "(worker")
    };
    assert_eq!(
        book_lines(&log, main_thread),
        main_lines,
        "log:\n{}",
        log.join("\n")
    );
    assert_eq!(
        book_lines(&log, worker_threads),
        worker_lines,
        "log:\n{}",
        log.join("\n")
    );
}

/// The `===` messages of the log lines that contain `marker` (a thread,
/// e.g. `(main)`, or a role, e.g. `=== Server:`), with peer addresses
/// replaced by `ADDR`.
pub fn book_lines(log: &[String], marker: &str) -> Vec<String> {
    log.iter()
        .filter(|line| line.contains(marker))
        .filter_map(|line| line.find("===").map(|at| &line[at..]))
        .map(|message| match message.find("remote_address: ") {
            Some(at) => format!("{}remote_address: ADDR ===", &message[..at]),
            None => message.to_owned(),
        })
        .collect()
}

/// A sequential server: a client that connects and sends nothing holds the
/// next client up for about `--read-timeout` (1 s here), and no longer.
pub fn idle_client_delays_others_by_read_timeout(bin: &str) {
    let server = Server::start(bin, &["--read-timeout", "1"]);
    let held = beside_silent_clients(&server, 1, Duration::from_secs(5));
    assert!(
        held.released_at.is_none(),
        "only answered after the idle client left: {held:?}"
    );
    assert_eq!(status(&held), 200);
    assert!(
        held.waited >= Duration::from_millis(700) && held.waited < Duration::from_secs(3),
        "the idle client should delay this one by about 1 s, not {:?}",
        held.waited
    );
    server.wait_for_log("cause: the client sent nothing", Duration::from_secs(5));
}

/// The threaded server: with an idle client holding one worker (for up to
/// 10 s), another client is answered at once.
pub fn idle_client_does_not_delay_others(bin: &str) {
    let server = Server::start(bin, &["--read-timeout", "10"]);
    let held = beside_silent_clients(&server, 1, Duration::from_secs(5));
    assert_eq!(status(&held), 200);
    assert!(
        held.answered_before_release(),
        "served after {:?}: the idle client held it up",
        held.waited
    );
}

/// Connects `silent` clients that send nothing, waits until the server has
/// logged each connection, and times a GET; after `hold` without an answer
/// the idle clients leave. The checker's own measurement
/// ([`checker::threads::get_beside_silent_clients`]), so the two agree.
fn beside_silent_clients(server: &Server, silent: usize, hold: Duration) -> HeldUp {
    let target = Target::from_addr(server.addr);
    let silence = Silence {
        clients: silent,
        hold,
        release: silent,
        after: Duration::from_secs(5),
    };
    get_beside_silent_clients(&target, "/index.html", silence, || {
        if silent > 0 {
            server.wait_for_log_count("接続が完了しました", silent, Duration::from_secs(5));
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

/// The book's scenario, as the checker's `trickle` stage runs it: one
/// client takes 1.5 s to finish its request while nine others arrive. A
/// sequential chapter makes them wait for it; the threaded one answers them
/// at once.
pub fn slow_client_scenario(bin: &str, sequential: bool) {
    let server = Server::start(bin, &[]);
    let target = Target::from_addr(server.addr);
    let slow = Duration::from_millis(1500);
    let run =
        checker::threads::trickle_scenario(&target, "/index.html", slow, checker::threads::FAST)
            .expect("scenario ran");
    assert_eq!(run.fast.len(), checker::threads::FAST);
    assert_eq!(
        run.slow.as_ref().map(|r| r.status).ok(),
        Some(200),
        "{:?}",
        run.slow
    );
    let (median, max) = run
        .fast_median_max()
        .unwrap_or_else(|| panic!("a fast client got no answer: {:?}", run.fast));
    if sequential {
        assert!(
            median >= Duration::from_millis(1000),
            "fast requests did not wait for the slow one: median {median:?}"
        );
    } else {
        assert!(
            max < Duration::from_millis(1000),
            "fast requests waited for the slow one: max {max:?}"
        );
    }
}

/// The pool chapter: while fewer idle clients than `--max-workers` hold
/// workers, another client is answered at once; the threads are reused.
pub fn pool_with_a_free_worker_does_not_delay_others(bin: &str) {
    let waited = wait_behind_idle_clients(bin, &["--max-workers", "3", "--read-timeout", "5"], 2);
    assert!(
        waited < Duration::from_millis(2500),
        "served after {waited:?}: an idle client held it up"
    );
}

/// The pool chapter: with `--max-workers` idle clients, the next client
/// waits until a read timeout frees a worker (1 s here): chapter 12's
/// problem, N clients later.
pub fn pool_full_of_idle_clients_makes_the_next_wait(bin: &str) {
    let waited = wait_behind_idle_clients(bin, &["--max-workers", "2", "--read-timeout", "1"], 2);
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_secs(4),
        "the next client should wait about 1 s for a free worker, not {waited:?}"
    );
}

/// The pool chapter: ten clients one after another are served by at most
/// `--max-workers` threads, so at least one thread served several.
pub fn pool_reuses_its_threads(bin: &str) {
    let server = Server::start(bin, &["--max-workers", "4"]);
    for _ in 0..10 {
        assert_eq!(server.get("/index.css").status, 200);
    }
    server.wait_for_log_count("通信を終了します", 10, Duration::from_secs(5));
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

/// Starts `bin ARGS`, connects `idle` clients that send nothing, and returns
/// how long a GET then takes (the idle clients stay up to 5 s).
fn wait_behind_idle_clients(bin: &str, args: &[&str], idle: usize) -> Duration {
    let server = Server::start(bin, args);
    let held = beside_silent_clients(&server, idle, Duration::from_secs(5));
    assert_eq!(status(&held), 200);
    assert!(
        held.released_at.is_none(),
        "only answered after the idle clients left: {held:?}"
    );
    held.waited
}
