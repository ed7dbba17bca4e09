//! The book's scenario and figures, checked on real runs by the order of
//! events, never by how long something took: one slow client sends its
//! request but the last two bytes, nine fast clients send theirs, and the
//! slow one finishes only once the fast ones have been answered (a server
//! that answers side by side) or have had [`SEQUENTIAL_PATIENCE`] to be (a
//! server that answers one client at a time, which cannot). Joined with the
//! server's own log (`lesson-demo`'s timeline), the run also tells which
//! thread served each request.

use std::io::Write;
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use lesson_demo::timeline::{Row, address_mark, join, serving_threads};
use lesson_demo::{Exchange, FAST, svg, term};

use crate::{PATIENCE, Server, parse_reply};

/// How long the slow client waits for answers it should not get, from a
/// server that answers one client at a time. Only a server of the wrong kind
/// (one that answers side by side) could answer meanwhile, so a busy machine
/// can make this check miss such a server, never fail a right one.
pub const SEQUENTIAL_PATIENCE: Duration = Duration::from_millis(500);
/// The servers' timeouts: longer than any wait of a test, so that only the
/// scenario's own events decide what happens.
const LONG_TIMEOUTS: [&str; 4] = ["--read-timeout", "60", "--request-timeout", "60"];
/// The pool's bound in [`pool`]: fewer threads than the ten requests.
const MAX_WORKERS: usize = 4;

/// One run of the scenario.
#[derive(Debug, Clone)]
pub struct Run {
    /// The slow client's exchange first, then the fast ones'.
    pub exchanges: Vec<Exchange>,
    /// When the slow client sent its last two bytes, on the exchanges' clock.
    pub slow_finished: Duration,
}

impl Run {
    /// The fast exchanges that ended before the slow client finished its
    /// request: all of them (side by side), or none (one at a time).
    pub fn answered_before_the_slow_request_ended(&self) -> usize {
        let fast = &self.exchanges[1..];
        fast.iter()
            .filter(|e| e.ended <= self.slow_finished)
            .count()
    }

    /// Each exchange as `slow`/`fast`, its status and its end, for messages.
    pub fn show(&self) -> String {
        let mut text = format!(
            "the slow client sent its last bytes at {:?}\n",
            self.slow_finished
        );
        for e in &self.exchanges {
            let kind = if e.slow { "slow" } else { "fast" };
            text += &format!("  {kind} {}: {} at {:?}\n", e.local, e.status, e.ended);
        }
        text
    }
}

/// What a fast client tells the slow one.
enum Event {
    Sent,
    Answered,
}

/// Runs the scenario against `server` (`GET /index.html`). The slow client
/// connects first, so even a server that answers one client at a time takes
/// it first. It finishes its request once every fast client has been
/// answered, or `patience` after the last fast request went out.
pub fn book_scenario(server: &Server, patience: Duration) -> Run {
    let request = "GET /index.html HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n";
    let (head, end) = request.split_at(request.len() - 2);
    let zero = Instant::now();
    let mut slow = server.connect();
    slow.set_nodelay(true).expect("nodelay");
    slow.write_all(head.as_bytes()).expect("send the slow head");
    let slow_local = slow.local_addr().expect("local address");
    let (events, heard) = mpsc::channel();
    thread::scope(|scope| {
        let fast: Vec<_> = (0..FAST)
            .map(|i| {
                let events = events.clone();
                scope.spawn(move || {
                    let mut stream = server.connect();
                    let connected = zero.elapsed();
                    let local = stream.local_addr().expect("local address");
                    stream.write_all(request.as_bytes()).expect("send");
                    let _ = events.send(Event::Sent);
                    let status = read_status(&mut stream, &format!("fast client {i}"));
                    let ended = zero.elapsed();
                    let _ = events.send(Event::Answered);
                    Exchange {
                        slow: false,
                        local,
                        connected,
                        ended,
                        status,
                    }
                })
            })
            .collect();
        let (mut sent, mut answered) = (0, 0);
        while sent < FAST {
            match heard.recv_timeout(PATIENCE) {
                Ok(Event::Sent) => sent += 1,
                Ok(Event::Answered) => answered += 1,
                Err(_) => panic!("the fast clients did not send their requests in {PATIENCE:?}"),
            }
        }
        let deadline = Instant::now() + patience;
        while answered < FAST {
            let left = deadline.saturating_duration_since(Instant::now());
            match heard.recv_timeout(left) {
                Ok(_) => answered += 1,
                Err(_) => break,
            }
        }
        let slow_finished = zero.elapsed();
        slow.write_all(end.as_bytes()).expect("send the slow end");
        let status = read_status(&mut slow, "the slow client");
        let mut exchanges = vec![Exchange {
            slow: true,
            local: slow_local,
            connected: Duration::ZERO,
            ended: zero.elapsed(),
            status,
        }];
        exchanges.extend(fast.into_iter().map(|h| h.join().expect("a fast client")));
        Run {
            exchanges,
            slow_finished,
        }
    })
}

/// The status of the whole answer on `stream` (the server closes it).
fn read_status(stream: &mut TcpStream, who: &str) -> u16 {
    let mut raw = Vec::new();
    std::io::Read::read_to_end(stream, &mut raw)
        .unwrap_or_else(|err| panic!("{who}: {err} after {} bytes", raw.len()));
    parse_reply(&raw).status
}

/// Chapters 12 and 13 (refactor): the fast requests wait for the slow one.
/// None is answered while the slow request is unfinished, and one thread
/// serves everyone.
pub fn sequential(bin: &str) {
    let server = Server::start(bin, &LONG_TIMEOUTS);
    let (run, rows, picture) = run(bin, &server, "接続が完了しました ", SEQUENTIAL_PATIENCE);
    assert_eq!(
        run.answered_before_the_slow_request_ended(),
        0,
        "a fast request was answered while the slow one was unfinished:\n{}{picture}",
        run.show()
    );
    let threads = serving_threads(&rows);
    assert_eq!(threads.len(), 1, "one thread serves all:\n{picture}");
    for row in &rows {
        assert_eq!(row.served_by, row.accepted_by, "{picture}");
    }
}

/// Chapter 13 (threaded): the accepting thread hands each client to a
/// worker, so every fast request is answered while the slow one is still
/// unfinished, each by a worker of its own.
pub fn threaded(bin: &str) {
    let server = Server::start(bin, &LONG_TIMEOUTS);
    let (run, rows, picture) = run(bin, &server, "通信を終了します ", PATIENCE);
    all_answered_beside_the_slow_one(&run, &picture);
    served_by_workers(&rows, &picture);
    let fast_threads = serving_threads(&rows[1..]);
    assert_eq!(fast_threads.len(), FAST, "a thread per client:\n{picture}");
}

/// The pool (at most [`MAX_WORKERS`] threads): the fast requests are still
/// answered while the slow one is unfinished, and the workers are reused.
pub fn pool(bin: &str) {
    let max = MAX_WORKERS.to_string();
    let server = Server::start(
        bin,
        &[&LONG_TIMEOUTS[..], &["--max-workers", &max]].concat(),
    );
    let (run, rows, picture) = run(bin, &server, "通信を終了します ", PATIENCE);
    all_answered_beside_the_slow_one(&run, &picture);
    served_by_workers(&rows, &picture);
    let threads = serving_threads(&rows);
    assert!(
        threads.len() <= MAX_WORKERS,
        "more threads than the bound:\n{picture}"
    );
    // Ten requests, at most four threads: some thread served several.
    let reused = threads.iter().any(|thread| {
        let served = rows.iter().filter(|r| r.served_by.as_ref() == Some(thread));
        served.count() > 1
    });
    assert!(reused, "no thread served two requests:\n{picture}");
}

/// The async step: each client is a task, and a few runtime threads (one
/// per core) run them all, the accept loop's task too: the fast requests are
/// still answered while the slow one is unfinished, and no more threads serve
/// than there are cores. (Which runtime thread runs a task differs from run
/// to run, and may be the one that accepted it, so only their number is
/// checked.)
pub fn tasks(bin: &str) {
    let server = Server::start(bin, &LONG_TIMEOUTS);
    let (run, rows, picture) = run(bin, &server, "通信を終了します ", PATIENCE);
    all_answered_beside_the_slow_one(&run, &picture);
    for row in &rows {
        assert!(row.served_by.is_some(), "no log line for {row:?}");
    }
    let threads = serving_threads(&rows);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        threads.len() <= cores,
        "{cores} runtime threads, yet:\n{picture}"
    );
}

/// Runs the scenario, waits until the log line `last` (e.g. "通信を終了します ")
/// names every client, joins, checks the SVG drawn from the rows, and
/// returns the run, the rows and the terminal picture of them.
fn run(bin: &str, server: &Server, last: &str, patience: Duration) -> (Run, Vec<Row>, String) {
    let run = book_scenario(server, patience);
    assert_eq!(run.exchanges.len(), FAST + 1);
    for exchange in &run.exchanges {
        assert_eq!(exchange.status, 200, "{exchange:?}");
        let needle = format!("{last}{}", address_mark(exchange.local));
        server.wait_for_log(&needle, PATIENCE);
    }
    let rows = join(&run.exchanges, &server.log());
    svg_has_one_bar_per_request(&rows);
    let picture = term::timeline(bin, &rows, false);
    (run, rows, picture)
}

fn all_answered_beside_the_slow_one(run: &Run, picture: &str) {
    assert_eq!(
        run.answered_before_the_slow_request_ended(),
        FAST,
        "fast requests waited for the slow one:\n{}{picture}",
        run.show()
    );
}

/// A worker, never the accepting thread, served each request.
fn served_by_workers(rows: &[Row], picture: &str) {
    for row in rows {
        assert!(row.served_by.is_some(), "no log line for {row:?}");
        assert_ne!(row.served_by, row.accepted_by, "{picture}");
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
