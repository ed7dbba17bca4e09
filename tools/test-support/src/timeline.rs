//! The book's figures, checked on real runs: `lesson-demo`'s scenario against
//! the chapter binary, joined with the server's own log, tells which thread
//! served each request and when each response ended.

use std::time::Duration;

use lesson_demo::timeline::{Row, address_mark, join, serving_threads};
use lesson_demo::{FAST, scenario, svg, term};

use crate::Server;

/// How long the slow client takes to send its request.
const SLOW: Duration = Duration::from_millis(1200);
/// Clocks read on different client threads may lag by a scheduling slice.
const SLACK: Duration = Duration::from_millis(50);
/// The pool's bound in [`pool`]: fewer threads than the ten requests.
const MAX_WORKERS: usize = 4;

/// Chapters 12 and 13 (refactor): one thread accepts and serves everyone,
/// so the nine fast requests end only after the slow one.
pub fn sequential(bin: &str) {
    let server = Server::start(bin, &[]);
    let rows = run(&server, "接続が完了しました ");
    let picture = term::timeline(bin, &rows, false);
    let threads = serving_threads(&rows);
    assert_eq!(threads.len(), 1, "one thread serves all:\n{picture}");
    for row in &rows {
        assert_eq!(row.served_by, row.accepted_by, "{picture}");
    }
    let slow_end = rows[0].exchange.ended;
    for row in &rows[1..] {
        assert!(
            row.exchange.ended + SLACK >= slow_end,
            "a fast request ended before the slow one:\n{picture}"
        );
    }
}

/// Chapter 13 (threaded): the accepting thread hands each client to a
/// worker, so the fast requests end long before the slow one.
pub fn threaded(bin: &str) {
    let server = Server::start(bin, &[]);
    let rows = run(&server, "通信を終了します ");
    let picture = term::timeline(bin, &rows, false);
    served_by_workers(&rows, &picture);
    let fast_threads = serving_threads(&rows[1..]);
    assert!(fast_threads.len() >= 2, "one worker for all:\n{picture}");
}

/// The pool (at most [`MAX_WORKERS`] threads): fast requests still end
/// before the slow one, and some worker serves more than one of them.
pub fn pool(bin: &str) {
    let max = MAX_WORKERS.to_string();
    let server = Server::start(bin, &["--max-workers", &max]);
    let rows = run(&server, "通信を終了します ");
    let picture = term::timeline(bin, &rows, false);
    served_by_workers(&rows, &picture);
    let threads = serving_threads(&rows);
    assert!(
        threads.len() <= MAX_WORKERS,
        "more threads than the bound:\n{picture}"
    );
    let reused = threads.iter().any(|thread| {
        let served = rows.iter().filter(|r| r.served_by.as_ref() == Some(thread));
        served.count() > 1
    });
    assert!(reused, "no thread served two requests:\n{picture}");
}

/// The async step: each client is a task, and a few runtime threads (one
/// per core) run them all, the accept loop's task too: the fast requests
/// still end long before the slow one, every request is served by a runtime
/// thread (`worker-N`), and no more threads serve than there are cores.
pub fn tasks(bin: &str) {
    let server = Server::start(bin, &[]);
    let rows = run(&server, "通信を終了します ");
    let picture = term::timeline(bin, &rows, false);
    fast_ones_end_first(&rows, &picture);
    let threads = serving_threads(&rows);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        threads.len() <= cores && threads.iter().all(|t| t.starts_with("worker-")),
        "{cores} runtime threads, yet:\n{picture}"
    );
    if cores < rows.len() {
        let shared = threads.iter().any(|thread| {
            let served = rows.iter().filter(|r| r.served_by.as_ref() == Some(thread));
            served.count() > 1
        });
        assert!(shared, "no thread ran two tasks:\n{picture}");
    }
}

/// Runs the scenario, waits until the log line `last` (e.g. "通信を終了します ")
/// names every client, joins, and checks the SVG drawn from the rows.
fn run(server: &Server, last: &str) -> Vec<Row> {
    let exchanges = scenario(server.addr, "/index.html", SLOW).expect("scenario ran");
    assert_eq!(exchanges.len(), FAST + 1);
    assert!(exchanges[0].slow && exchanges[1..].iter().all(|e| !e.slow));
    for exchange in &exchanges {
        assert_eq!(exchange.status, 200, "{exchange:?}");
        let needle = format!("{last}{}", address_mark(exchange.local));
        server.wait_for_log(&needle, Duration::from_secs(5));
    }
    let rows = join(&exchanges, &server.log());
    svg_has_one_bar_per_request(&rows);
    rows
}

/// A worker, never the accepting thread, served each request, and every
/// fast response ended before the slow one.
fn served_by_workers(rows: &[Row], picture: &str) {
    for row in rows {
        assert_ne!(row.served_by, row.accepted_by, "{picture}");
    }
    fast_ones_end_first(rows, picture);
}

/// Every request has its log line, and every fast response ended before the
/// slow one.
fn fast_ones_end_first(rows: &[Row], picture: &str) {
    for row in rows {
        assert!(row.served_by.is_some(), "no log line for {row:?}");
    }
    let slow_end = rows[0].exchange.ended;
    for row in &rows[1..] {
        assert!(
            row.exchange.ended < slow_end,
            "waited for the slow one:\n{picture}"
        );
    }
}

/// The SVG is well-formed XML with one `bar` per request, one of them `slow`,
/// each naming its serving thread in its tooltip.
fn svg_has_one_bar_per_request(rows: &[Row]) {
    let text = svg::timeline("chapter", "subtitle", rows, "footer");
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let bars: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.split(' ').any(|w| w == "bar"))
        })
        .collect();
    assert_eq!(bars.len(), rows.len(), "one bar per request");
    let slow = bars
        .iter()
        .filter(|b| b.attribute("class") == Some("bar slow"));
    assert_eq!(slow.count(), 1, "the slow client is marked");
    for (bar, row) in bars.iter().zip(rows) {
        let title = bar
            .first_element_child()
            .and_then(|t| t.text())
            .unwrap_or("");
        let thread = row.served_by.as_deref().expect("served");
        assert!(title.contains(&format!("served by {thread};")), "{title}");
    }
}
