//! The checker against small scenario servers written here: one that does
//! everything right, and one for each way a reader's server goes wrong —
//! the mistakes typing chapters 10–13 by hand makes (headers, line endings,
//! bytes and text, paths, exceptions, threads, pools), each reproduced on
//! the wire. Each must fail the right stage, with the hint for its cause in
//! both languages, and for the mistakes a Rust exercise can make, its Rust
//! twin names the Rust cause in `common`'s and std's names. Whole reports
//! are kept as golden files (times and ports normalised);
//! `UPDATE_GOLDEN=1 cargo test -p checker` rewrites them.
//! `cargo test -p checker --test main -- scenarios --nocapture` prints a row
//! per mistake: the stage, the hint's first line, the time.
//!
//! Every scenario's server and checker run at once, in threads of their own,
//! the first time a test asks for a report ([`reports`]): they mostly wait
//! (for read timeouts, a trickling client), so the whole takes about as long
//! as the longest one, not the sum. A server whose loop answers one client
//! at a time gives up on a silent client after [`Loop::read_timeout`]: only
//! that wait is tested, and it is what a silent client costs.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use checker::report::{Verdict, normalise};
use checker::{Chapter, Hint, Lang, Options, Report, ServerLang, run};

/// How a scenario server answers.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Behaviour {
    /// Everything right.
    Good,
    /// `index.css` as `text/html`.
    CssAsHtml,
    /// Accepts, reads, never answers, never closes.
    NeverAnswers,
    /// Sends the head and part of the body, then nothing.
    AnswersThenHangs,
    /// Closes each connection as soon as it is accepted.
    ClosesAtOnce,
    /// `Content-Length` 300 for every 235-byte page.
    WrongLength,
    /// Sends bytes forever, no `Content-Length`.
    AnswersForever,
    /// Answers with bytes that are not HTTP.
    Garbage,
    /// A complete head without `Content-Length`, the body, then the
    /// connection left open.
    NoLengthKeepsOpen,
    /// Part of a head (no empty line), then the connection left open.
    HeadNeverEnds,
    /// Everything right, but the connection left open after each answer.
    KeepsOpen,
    /// A status line, then more header lines than any answer has.
    TooManyHeaders,
    /// The `Content-Type` line left out of the head.
    NoContentType,
    /// `Content-Type: text/html` written once for every file.
    FixedContentType,
    /// The file read as text: the PNG cannot be decoded, the handling
    /// raises, the `except` logs it and the connection is closed unanswered.
    PngReadAsText,
    /// The file read as text with undecodable bytes replaced, then encoded
    /// again: the PNG's bytes changed (and Content-Length with them).
    PngMangled,
    /// The `Content-Length` line left out; the connection closed after the body.
    NoContentLength,
    /// The head sent without the empty line before the body.
    NoEmptyLine,
    /// `Content-Type text/html`: a header line without its colon.
    HeaderWithoutColon,
    /// Every line of the head ends with `\n` alone.
    BareLf,
    /// The path joined to the static folder with its leading `/`: an
    /// absolute path, so every file is "missing".
    LeadingSlashKept,
    /// The request's path not used: `index.html` for every request.
    IgnoresPath,
    /// A missing file raises, nothing catches it, the process ends.
    CrashOnMissing,
    /// Bytes that are not HTTP make the parsing raise, nothing catches it,
    /// the process ends.
    CrashOnGarbage,
}

/// How the accept loop hands out the clients.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Loop {
    /// A new thread per client (`WorkerThread(...).start()`).
    ThreadPerClient,
    /// The loop answers each client itself (chapter 12).
    Sequential,
    /// A worker object whose `run()` is called instead of `start()`.
    RunInsteadOfStart,
    /// `start()`, then at once `join()`.
    JoinAfterStart,
    /// A thread per client, each holding one lock for its whole conversation.
    LockHeld,
    /// A pool of this many workers.
    Pool(usize),
    /// No loop: one client answered, then the function returns.
    AnswersOnceAndEnds,
    /// `accept` before the loop: one client answered, and the loop never
    /// reaches `accept` again (the process lives on).
    AcceptedOnceOutside,
    /// A thread per client, and the loop closes the client's socket right
    /// after starting it.
    ClosesAfterStart,
}

impl Loop {
    /// How long the server waits for a client's request. A loop that
    /// answers one client at a time makes the next client wait this long
    /// behind a silent one, and that is all the threads stages measure of
    /// it: 2.5 s, more than twice the checker's "at once" and well over the
    /// checker's own pause before its request. A loop that can answer
    /// others meanwhile waits longer than the trickling client (3 s), as
    /// the chapters' 5 s do.
    fn read_timeout(self) -> Duration {
        match self {
            Loop::Sequential
            | Loop::RunInsteadOfStart
            | Loop::JoinAfterStart
            | Loop::LockHeld
            | Loop::AcceptedOnceOutside => Duration::from_millis(2500),
            Loop::ThreadPerClient
            | Loop::Pool(_)
            | Loop::AnswersOnceAndEnds
            | Loop::ClosesAfterStart => Duration::from_secs(5),
        }
    }
}

fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static")
}

fn static_file(name: &str) -> Option<Vec<u8>> {
    std::fs::read(static_dir().join(name)).ok()
}

/// A worker as the book's `WorkerThread`: `run()` does the work, `start()`
/// runs it in a new thread.
struct Worker {
    stream: TcpStream,
    behaviour: Behaviour,
    timeout: Duration,
}

impl Worker {
    fn run(self) -> bool {
        handle(self.stream, self.behaviour, self.timeout)
    }

    fn start(self) -> thread::JoinHandle<bool> {
        thread::spawn(move || self.run())
    }
}

/// Starts a server with `how` for its accept loop.
fn start_with(behaviour: Behaviour, how: Loop) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    thread::spawn(move || serve(listener, behaviour, how));
    addr
}

/// The accept loop; returning drops the listener: the server "stopped".
fn serve(listener: TcpListener, behaviour: Behaviour, how: Loop) {
    let lock = Arc::new(Mutex::new(()));
    let mut held = Vec::new();
    let pool = match how {
        Loop::Pool(workers) => Some(start_workers(workers, behaviour)),
        _ => None,
    };
    for stream in listener.incoming().flatten() {
        if behaviour == Behaviour::ClosesAtOnce {
            continue; // dropped: closed at once
        }
        if behaviour == Behaviour::NeverAnswers {
            held.push(stream);
            continue;
        }
        let worker = Worker {
            stream,
            behaviour,
            timeout: how.read_timeout(),
        };
        match how {
            Loop::ThreadPerClient => {
                worker.start();
            }
            Loop::Sequential => {
                if worker.run() {
                    return; // the exception ended the process
                }
            }
            Loop::RunInsteadOfStart => {
                worker.run();
            }
            Loop::JoinAfterStart => {
                let _ = worker.start().join();
            }
            Loop::LockHeld => {
                let lock = Arc::clone(&lock);
                thread::spawn(move || {
                    let _whole_conversation = lock.lock();
                    worker.run()
                });
            }
            Loop::Pool(_) => {
                if let Some(queue) = &pool
                    && queue.send(worker.stream).is_err()
                {
                    return;
                }
            }
            Loop::AnswersOnceAndEnds => {
                worker.run();
                return;
            }
            Loop::AcceptedOnceOutside => {
                worker.run();
                // Looping on, but never back to accept.
                loop {
                    thread::sleep(Duration::from_secs(60));
                }
            }
            Loop::ClosesAfterStart => {
                let Ok(theirs) = worker.stream.try_clone() else {
                    continue;
                };
                thread::spawn(move || {
                    // The thread starts a moment after the loop went on.
                    thread::sleep(Duration::from_millis(50));
                    handle(theirs, behaviour, how.read_timeout())
                });
                let _ = worker.stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// `workers` threads taking clients from one queue, each serving one at a
/// time (a silent client holds a worker for the 5 s read timeout).
fn start_workers(workers: usize, behaviour: Behaviour) -> mpsc::Sender<TcpStream> {
    let (queue, work) = mpsc::channel::<TcpStream>();
    let work = Arc::new(Mutex::new(work));
    for _ in 0..workers {
        let work = Arc::clone(&work);
        thread::spawn(move || {
            loop {
                let next = work.lock().map(|rx| rx.recv());
                match next {
                    Ok(Ok(stream)) => handle(stream, behaviour, Duration::from_secs(5)),
                    _ => return,
                };
            }
        });
    }
    queue
}

/// Answers one client; true when the handling "raised" and nothing caught
/// it (the server then stops).
fn handle(mut stream: TcpStream, behaviour: Behaviour, timeout: Duration) -> bool {
    let _ = stream.set_read_timeout(Some(timeout));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut words = text.split(' ');
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if !matches!(method, "GET" | "HEAD") || !path.starts_with('/') {
        if behaviour == Behaviour::CrashOnGarbage {
            return true;
        }
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return false;
    }
    let file = match behaviour {
        Behaviour::LeadingSlashKept => std::fs::read(static_dir().join(path)).ok(),
        Behaviour::IgnoresPath => static_file("index.html"),
        _ => static_file(path.trim_start_matches('/')).filter(|_| !path.contains("..")),
    };
    let name = path.trim_start_matches('/');
    let ext = name.rsplit('.').next().unwrap_or("");
    let (status, body) = match file {
        Some(bytes) => {
            let body = match behaviour {
                Behaviour::PngReadAsText => match String::from_utf8(bytes) {
                    Ok(text) => text.into_bytes(),
                    // UnicodeDecodeError: logged by the except, connection closed.
                    Err(_) => return false,
                },
                Behaviour::PngMangled => String::from_utf8_lossy(&bytes).into_owned().into_bytes(),
                _ => bytes,
            };
            ("200 OK", body)
        }
        None if behaviour == Behaviour::CrashOnMissing => return true,
        None => ("404 Not Found", b"<html><body>404</body></html>".to_vec()),
    };
    let kind = match (behaviour, ext) {
        (Behaviour::FixedContentType | Behaviour::IgnoresPath, _) => "text/html",
        (_, "html") => "text/html; charset=utf-8",
        (Behaviour::CssAsHtml, "css") => "text/html",
        (_, "css") => "text/css",
        (_, "png") => "image/png",
        _ => "text/html",
    };
    let eol = if behaviour == Behaviour::BareLf {
        "\n"
    } else {
        "\r\n"
    };
    let length = if behaviour == Behaviour::WrongLength {
        300
    } else {
        body.len()
    };
    let mut head = format!("HTTP/1.1 {status}{eol}");
    if behaviour != Behaviour::NoContentLength {
        head.push_str(&format!("Content-Length: {length}{eol}"));
    }
    head.push_str(&format!("Connection: close{eol}"));
    match behaviour {
        Behaviour::NoContentType => {}
        Behaviour::HeaderWithoutColon => head.push_str(&format!("Content-Type {kind}{eol}")),
        _ => head.push_str(&format!("Content-Type: {kind}{eol}")),
    }
    if behaviour != Behaviour::NoEmptyLine {
        head.push_str(eol);
    }
    match behaviour {
        Behaviour::AnswersThenHangs => {
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body[..body.len() / 2]);
            thread::sleep(Duration::from_secs(60));
        }
        Behaviour::AnswersForever => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n");
            let chunk = vec![b'a'; 64 * 1024];
            while stream.write_all(&chunk).is_ok() {}
        }
        Behaviour::Garbage => {
            let _ = stream.write_all(b"hello, this is not HTTP\n");
        }
        Behaviour::NoLengthKeepsOpen => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n");
            let _ = stream.write_all(&body);
            thread::sleep(Duration::from_secs(60));
        }
        Behaviour::HeadNeverEnds => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n");
            thread::sleep(Duration::from_secs(60));
        }
        Behaviour::KeepsOpen => {
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            thread::sleep(Duration::from_secs(60));
        }
        Behaviour::TooManyHeaders => {
            let mut many = String::from("HTTP/1.1 200 OK\r\n");
            for i in 0..200 {
                many.push_str(&format!("X-Line-{i}: {i}\r\n"));
            }
            many.push_str("Content-Length: 0\r\n\r\n");
            let _ = stream.write_all(many.as_bytes());
        }
        _ => {
            let _ = stream.write_all(head.as_bytes());
            if method == "GET" {
                let _ = stream.write_all(&body);
            }
        }
    }
    false
}

/// One run of the checker against a scenario server.
#[derive(Clone, Copy)]
struct Scenario {
    /// Its name: a test's, a golden file's, a mistake's.
    name: &'static str,
    behaviour: Behaviour,
    how: Loop,
    chapter: Chapter,
    max_workers: Option<usize>,
}

const fn scenario(
    name: &'static str,
    behaviour: Behaviour,
    how: Loop,
    chapter: Chapter,
    max_workers: Option<usize>,
) -> Scenario {
    Scenario {
        name,
        behaviour,
        how,
        chapter,
        max_workers,
    }
}

use Behaviour as B;
use Chapter::{Pool as POOL, Sequential as CH12, Threaded as CH13};
use Loop::ThreadPerClient as TPC;

/// The scenarios beside the mistakes.
const SCENARIOS: &[Scenario] = &[
    scenario("good-threaded", B::Good, TPC, CH13, None),
    scenario("css-as-html-threads", B::CssAsHtml, TPC, CH12, None),
    scenario("never-answers", B::NeverAnswers, TPC, POOL, None),
    scenario("answers-then-hangs", B::AnswersThenHangs, TPC, CH12, None),
    scenario("closes-at-once", B::ClosesAtOnce, TPC, CH13, None),
    scenario("wrong-length-threads", B::WrongLength, TPC, CH13, None),
    scenario("answers-forever", B::AnswersForever, TPC, CH12, None),
    scenario("garbage-answer", B::Garbage, TPC, POOL, None),
    scenario(
        "no-length-keeps-open",
        B::NoLengthKeepsOpen,
        TPC,
        CH12,
        None,
    ),
    scenario("head-never-ends", B::HeadNeverEnds, TPC, CH12, None),
    scenario("too-many-headers", B::TooManyHeaders, TPC, CH12, None),
    scenario("keeps-open", B::KeepsOpen, TPC, CH12, None),
    scenario("pool-4-checked-as-8", B::Good, Loop::Pool(4), POOL, Some(8)),
    scenario("pool-4-checked-as-2", B::Good, Loop::Pool(4), POOL, Some(2)),
    scenario("pool-4-checked-as-4", B::Good, Loop::Pool(4), POOL, Some(4)),
    scenario("threads-checked-as-pool-3", B::Good, TPC, POOL, Some(3)),
];

/// A report, the server's address, and how long the checker took.
struct Ran {
    report: Report,
    addr: SocketAddr,
    took: Duration,
}

/// Every scenario's and every mistake's report, all run at once the first
/// time any test asks.
fn reports() -> &'static HashMap<&'static str, Ran> {
    static REPORTS: OnceLock<HashMap<&'static str, Ran>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let all: Vec<Scenario> = SCENARIOS
            .iter()
            .copied()
            .chain(MISTAKES.iter().map(Mistake::scenario))
            .collect();
        thread::scope(|scope| {
            let runs: Vec<_> = all
                .iter()
                .map(|s| (s.name, scope.spawn(move || run_scenario(s))))
                .collect();
            runs.into_iter()
                .map(|(name, run)| (name, run.join().expect("a scenario's checker ran")))
                .collect()
        })
    })
}

fn run_scenario(s: &Scenario) -> Ran {
    let addr = start_with(s.behaviour, s.how);
    let mut options = Options::new(s.chapter, format!("http://{addr}/"));
    options.max_workers = s.max_workers;
    let started = Instant::now();
    let report = run(&options).expect("the checker runs");
    Ran {
        report,
        addr,
        took: started.elapsed(),
    }
}

/// The report of the scenario (or mistake) `name`.
fn report(name: &str) -> &'static Report {
    &ran(name).report
}

fn ran(name: &str) -> &'static Ran {
    reports()
        .get(name)
        .unwrap_or_else(|| panic!("no scenario named {name}"))
}

/// The report matches `tests/golden/NAME.LANG.txt`, normalised.
fn golden(report: &Report, name: &str) {
    for lang in [Lang::Ja, Lang::En] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(format!("{name}.{}.txt", lang.code()));
        let real = normalise(&report.render(lang, false));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &real).expect("write golden file");
            continue;
        }
        let stored = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}; run with UPDATE_GOLDEN=1", path.display()));
        assert_eq!(real, stored, "{} differs from this run", path.display());
    }
}

fn message(report: &Report, id: &str) -> String {
    report
        .stage(id)
        .map(|s| s.measured.en.clone())
        .unwrap_or_default()
}

#[test]
fn a_good_threaded_server_passes_the_threaded_chapter() {
    let report = report("good-threaded");
    assert!(report.passed(), "{}", report.render(Lang::En, true));
    assert_eq!(
        report.ids(Verdict::Passed),
        [
            "index",
            "repeat",
            "line-endings",
            "files",
            "content-type",
            "not-found",
            "garbage",
            "silent-client",
            "trickle"
        ]
    );
    golden(report, "good-threaded");
}

#[test]
fn css_as_text_html_fails_the_content_type_stage() {
    let report = report("css-as-html-threads");
    assert_eq!(report.ids(Verdict::Failed), ["content-type"]);
    assert_eq!(
        message(report, "content-type"),
        "/index.css came as text/html (expected text/css)"
    );
    golden(report, "css-as-html");
}

#[test]
fn a_server_that_never_answers_fails_the_first_stage_and_the_rest_is_skipped() {
    let report = report("never-answers");
    assert_eq!(report.ids(Verdict::Failed), ["index"]);
    assert_eq!(report.ids(Verdict::Passed), Vec::<&str>::new());
    // The checker's own wait, as it reports it: bounded by its timeout.
    assert!(
        message(report, "index").starts_with("no answer in 5."),
        "{}",
        message(report, "index")
    );
    assert_eq!(report.ids(Verdict::Skipped).len(), report.stages.len() - 1);
    golden(report, "never-answers");
}

#[test]
fn a_server_that_answers_then_hangs_fails_with_the_bytes_it_sent() {
    let report = report("answers-then-hangs");
    assert_eq!(report.ids(Verdict::Failed), ["index"]);
    let text = message(report, "index");
    assert!(
        text.starts_with(
            "the answer stopped part way: Content-Length announces a 235-byte body, 117 bytes of it arrived in 5."
        ),
        "{text}"
    );
}

#[test]
fn a_server_that_closes_at_once_fails_every_stage() {
    let report = report("closes-at-once");
    assert_eq!(
        message(report, "index"),
        "the server closed the connection without answering"
    );
    assert!(
        report.ids(Verdict::Passed).is_empty(),
        "{}",
        report.render(Lang::En, false)
    );
}

/// Finding: one bad answer at `index` used to cascade into a failure per
/// stage, each with its own unrelated hint.
#[test]
fn a_wrong_content_length_fails_the_first_stage_once_with_the_bytes_hint() {
    let report = report("wrong-length-threads");
    let text = message(report, "index");
    assert!(
        text.starts_with("/index.html: Content-Length says 300, but the body has 235 bytes"),
        "{text}"
    );
    assert!(
        text.contains("Content-Length counts bytes, not characters"),
        "{text}"
    );
    assert!(
        report
            .stage("index")
            .is_some_and(|s| s.measured.ja.contains("文字数ではなくバイト数")),
        "{}",
        report.render(Lang::Ja, false)
    );
    assert_eq!(report.ids(Verdict::Failed), ["index"]);
    assert_eq!(report.ids(Verdict::Skipped).len(), report.stages.len() - 1);
    assert_eq!(
        message(report, "repeat"),
        "not run: it builds on index, which failed"
    );
    golden(report, "wrong-length");
}

#[test]
fn a_server_that_answers_forever_is_cut_off() {
    let report = report("answers-forever");
    assert!(
        message(report, "index")
            .starts_with("the answer does not end: stopped reading after more than 32 MiB"),
        "{}",
        message(report, "index")
    );
}

#[test]
fn an_answer_that_is_not_http_is_named_so_once() {
    let report = report("garbage-answer");
    assert_eq!(
        message(report, "index"),
        "not an HTTP answer: it starts with \"hello, this is not HTTP\\n\""
    );
    assert_eq!(report.ids(Verdict::Failed), ["index"]);
    assert_eq!(report.ids(Verdict::Skipped).len(), report.stages.len() - 1);
    // One hint, not eight.
    let text = report.render(Lang::En, false);
    assert_eq!(text.matches("hint:").count(), 1, "{text}");
}

/// Finding 1: a complete head without Content-Length on a connection left
/// open is not "the head never ended".
#[test]
fn a_complete_head_without_content_length_is_not_an_unended_head() {
    let report = report("no-length-keeps-open");
    let text = message(report, "index");
    assert!(
        text.starts_with("the head arrived complete (empty line and all) but has no Content-Length, and the server keeps the connection open"),
        "{text}"
    );
    assert!(text.contains("235 bytes of body"), "{text}");
    let ja = &report.stage("index").expect("ran").measured.ja;
    assert!(ja.contains("Content-Length がなく"), "{ja}");
    assert!(!ja.contains("まだ来ていません"), "{ja}");

    let report = self::report("head-never-ends");
    let text = message(report, "index");
    assert!(
        text.starts_with("the answer stopped part way: 42 bytes in 5."),
        "{text}"
    );
    assert!(
        text.ends_with("and the head has not ended yet (no empty line)"),
        "{text}"
    );
}

#[test]
fn a_head_with_too_many_lines_is_not_called_not_http() {
    let text = message(report("too-many-headers"), "index");
    assert!(
        text == "the answer's head is not valid HTTP: more than 100 header lines",
        "{text}"
    );
}

#[test]
fn a_server_that_keeps_the_connection_open_is_timed_to_its_answer_and_noted() {
    let ran = ran("keeps-open");
    let report = &ran.report;
    assert!(report.passed(), "{}", report.render(Lang::En, false));
    let text = message(report, "index");
    assert!(
        text.ends_with("; but the server did not close the connection after the answer: the request said Connection: close, so a client that reads until the close waits until the server closes it (the checker stopped at Content-Length); the book closes it after every answer, in finally: client_socket.close()"),
        "{text}"
    );
    // The time is to the complete answer, not to the end of the checker's
    // half-second wait for a close that never comes.
    let target = checker::Target::from_addr(ran.addr);
    let started = Instant::now();
    let reply = checker::client::fetch(
        &target,
        &target.request("GET", "/index.html"),
        checker::client::Expect::default(),
    )
    .expect("answered");
    let whole = started.elapsed();
    assert!(reply.kept_open);
    assert!(
        whole.saturating_sub(reply.elapsed) >= Duration::from_millis(450),
        "the reported {:?} includes the wait for a close ({whole:?} in all)",
        reply.elapsed
    );
}

/// Finding 2: --max-workers larger than the pool is not "one client at a time".
#[test]
fn a_pool_smaller_than_max_workers_is_said_to_be_smaller() {
    let report = report("pool-4-checked-as-8");
    // The earlier stages pass; pool-bound may fail too (no worker frees up
    // when one of 8 silent clients closes), but says nothing false either.
    assert_eq!(
        report.ids(Verdict::Failed).first(),
        Some(&"pool-free-worker"),
        "{}",
        report.render(Lang::En, false)
    );
    let en = report.render(Lang::En, false);
    assert!(!en.contains("one client at a time"), "{en}");
    assert!(!en.contains("nothing bounds"), "{en}");
    let text = message(report, "pool-free-worker");
    assert!(
        text.ends_with("this server answers at most 7 clients at a time, fewer than 8: if your pool's limit is not 8, give the real one with --max-workers"),
        "{text}"
    );
    assert!(!text.contains("one client at a time"), "{text}");
    let ja = &report.stage("pool-free-worker").expect("ran").measured.ja;
    assert!(ja.contains("クライアント 7 個"), "{ja}");
}

/// Finding 2: --max-workers smaller than the pool is not "no bound".
#[test]
fn a_pool_larger_than_max_workers_is_said_to_be_larger() {
    let report = report("pool-4-checked-as-2");
    assert_eq!(
        report.ids(Verdict::Failed),
        ["pool-bound"],
        "{}",
        report.render(Lang::En, false)
    );
    let text = message(report, "pool-bound");
    assert!(
        text.ends_with("this server answers more than 2 clients at a time, with no bound or a bound above 2 (if your pool's limit is not 2, give it with --max-workers)"),
        "{text}"
    );
    // The right N passes both.
    let report = self::report("pool-4-checked-as-4");
    assert!(report.passed(), "{}", report.render(Lang::En, false));
}

#[test]
fn a_good_server_without_a_bound_fails_the_pool_bound_only() {
    let report = report("threads-checked-as-pool-3");
    assert_eq!(report.ids(Verdict::Failed), ["pool-bound"]);
    assert!(
        message(report, "pool-bound")
            .ends_with("this server answers more than 3 clients at a time, with no bound or a bound above 3 (if your pool's limit is not 3, give it with --max-workers)"),
        "{}",
        message(report, "pool-bound")
    );
}

/// One mistake a reader makes, as a scenario server, and what the checker
/// must say about it.
struct Mistake {
    /// A short name (the golden files' and the guide sample's).
    name: &'static str,
    behaviour: Behaviour,
    how: Loop,
    chapter: Chapter,
    max_workers: Option<usize>,
    /// The first stage that fails.
    stage: &'static str,
    /// Found in one cause of that stage's hint, in English and in Japanese,
    /// in the book's Python: the cause of this mistake.
    en: &'static str,
    ja: &'static str,
    /// The same in Rust, for a mistake a Rust exercise can make (its twin).
    rust: Option<(&'static str, &'static str)>,
}

impl Mistake {
    const fn scenario(&self) -> Scenario {
        scenario(
            self.name,
            self.behaviour,
            self.how,
            self.chapter,
            self.max_workers,
        )
    }

    /// With a Rust twin: the Rust cause, in English and in Japanese.
    const fn rust(self, en: &'static str, ja: &'static str) -> Mistake {
        Mistake {
            rust: Some((en, ja)),
            ..self
        }
    }
}

const fn mistake(
    name: &'static str,
    behaviour: Behaviour,
    how: Loop,
    chapter: Chapter,
    stage: &'static str,
    en: &'static str,
    ja: &'static str,
) -> Mistake {
    Mistake {
        name,
        behaviour,
        how,
        chapter,
        max_workers: None,
        stage,
        en,
        ja,
        rust: None,
    }
}

/// The mistakes, as typing chapters 10–13 by hand makes them. Those a Rust
/// exercise can make have a Rust twin; the others cannot happen there:
/// `common`'s `Response` writes the head (its lines, their `\r\n`, the
/// empty line, `Content-Length`, and, with the coming `Response::file(file,
/// content_type)`, a `Content-Type`), `common::open_static_file` joins the
/// path, and the borrow checker stops the loop from closing a socket it
/// moved into a thread.
const MISTAKES: &[Mistake] = &[
    mistake(
        "no-content-type",
        B::NoContentType,
        Loop::Sequential,
        CH12,
        "content-type",
        "there is no Content-Type header",
        "Content-Type ヘッダーがありません",
    ),
    mistake(
        "fixed-content-type",
        B::FixedContentType,
        Loop::Sequential,
        CH12,
        "content-type",
        "every file comes with the same Content-Type",
        "どのファイルにも同じ Content-Type",
    )
    .rust(
        "instead of one fixed type (mime::TEXT_HTML, \"text/html\"), pick it from each file's extension, mime_guess::from_path(&file.path)",
        "決め打ちの型（mime::TEXT_HTML や \"text/html\" など）ではなく",
    ),
    mistake(
        "css-as-html",
        B::CssAsHtml,
        Loop::Sequential,
        CH12,
        "content-type",
        "make MIME_TYPES map \"css\" to \"text/css\"",
        "MIME_TYPES の \"css\" を \"text/css\" に",
    )
    .rust(
        "make get_content_type give text/css for .css",
        "get_content_type が .css に text/css を返すように",
    ),
    mistake(
        "png-read-as-text",
        B::PngReadAsText,
        Loop::Sequential,
        CH12,
        "files",
        "the file is read as text",
        "ファイルをテキストとして読んでいます",
    )
    .rust(
        "fs::read_to_string cannot read the PNG's bytes",
        "fs::read_to_string は PNG のバイト列を読めず",
    ),
    mistake(
        "png-bytes-changed",
        B::PngMangled,
        Loop::Sequential,
        CH12,
        "files",
        "the file is read as text",
        "ファイルをテキストとして読んでいます",
    )
    .rust(
        "String::from_utf8_lossy changes them",
        "String::from_utf8_lossy は別のバイト列に変えてしまいます",
    ),
    mistake(
        "wrong-length",
        B::WrongLength,
        Loop::Sequential,
        CH12,
        "index",
        "Content-Length is the byte count of the body sent",
        "Content-Length には送る本文のバイト数",
    ),
    mistake(
        "no-content-length",
        B::NoContentLength,
        Loop::Sequential,
        CH12,
        "index",
        "Content-Length is the byte count of the body sent",
        "Content-Length には送る本文のバイト数",
    ),
    mistake(
        "no-empty-line",
        B::NoEmptyLine,
        Loop::Sequential,
        CH12,
        "index",
        "send an empty line (\\r\\n) after the headers",
        "ヘッダーのあとに空行（\\r\\n）を送って",
    ),
    mistake(
        "header-without-colon",
        B::HeaderWithoutColon,
        Loop::Sequential,
        CH12,
        "index",
        "each header as one line `Name: value\\r\\n`",
        "ヘッダーは 1 行ずつ「名前: 値\\r\\n」",
    ),
    mistake(
        "bare-lf",
        B::BareLf,
        Loop::Sequential,
        CH12,
        "line-endings",
        "end the status line and every header line with \\r\\n",
        "ステータスラインとヘッダーの各行を、本のとおり \\r\\n で終えます",
    ),
    mistake(
        "leading-slash-kept",
        B::LeadingSlashKept,
        Loop::Sequential,
        CH12,
        "index",
        "path.lstrip(\"/\")",
        "path.lstrip(\"/\")",
    ),
    mistake(
        "ignores-path",
        B::IgnoresPath,
        Loop::Sequential,
        CH12,
        "files",
        "the request's path is not used",
        "リクエストのパスを使わず",
    )
    .rust(
        "open the file request.path names, common::open_static_file(&config.static_root, &request.path)",
        "request.path のファイルを開きます",
    ),
    mistake(
        "no-loop",
        B::Good,
        Loop::AnswersOnceAndEnds,
        CH12,
        "repeat",
        "accept to send is not inside a while True: loop",
        "while True: のループに入っていない",
    )
    .rust(
        "accept to send is not inside loop { … }",
        "loop { … } に入っていない",
    ),
    mistake(
        "accept-outside-loop",
        B::Good,
        Loop::AcceptedOnceOutside,
        CH12,
        "repeat",
        "the loop does not reach server_socket.accept() again",
        "ループが次の server_socket.accept() に戻っていません",
    )
    .rust(
        "check that accept is inside the loop { … }",
        "accept が loop { … } の中にあるか",
    ),
    mistake(
        "crash-on-missing-file",
        B::CrashOnMissing,
        Loop::Sequential,
        CH12,
        "not-found",
        "open() raises FileNotFoundError",
        "FileNotFoundError",
    )
    .rust(
        "instead of a panicking unwrap() or expect(), match it, Err(HttpError::NotFound) => Response::not_found()",
        "match で Err(HttpError::NotFound) => Response::not_found() と受けて",
    ),
    mistake(
        "crash-on-garbage",
        B::CrashOnGarbage,
        Loop::Sequential,
        CH12,
        "garbage",
        "wrap one client's handling in try / except Exception",
        "1 回分の処理を try / except Exception で囲み",
    )
    .rust(
        "common::receive_request(&mut client_socket) returns Err: instead of a panicking unwrap()",
        "common::receive_request(&mut client_socket) が Err を返します",
    ),
    mistake(
        "no-thread",
        B::Good,
        Loop::Sequential,
        CH13,
        "silent-client",
        "no thread per client",
        "クライアントごとのスレッドがない",
    )
    .rust(
        "hand the client to a thread, thread::Builder::new().spawn(move || worker::run(client_socket, address, &config))",
        "thread::Builder::new().spawn(move || worker::run(client_socket, address, &config)) でスレッドに任せ",
    ),
    mistake(
        "run-instead-of-start",
        B::Good,
        Loop::RunInsteadOfStart,
        CH13,
        "silent-client",
        "thread.run() instead of thread.start()",
        "thread.start() ではなく thread.run()",
    )
    .rust(
        "worker::run(client_socket, address, &config) called in the loop itself",
        "worker::run(client_socket, address, &config) をループの中でそのまま呼んでいる",
    ),
    mistake(
        "join-after-start",
        B::Good,
        Loop::JoinAfterStart,
        CH13,
        "silent-client",
        "a thread.join() right after thread.start()",
        "thread.start() のすぐあとに thread.join()",
    )
    .rust(
        "a .join() right after the spawn: the loop waits for the thread to end before the next accept; keep the JoinHandle in the workers Vec",
        "spawn のすぐあとに .join() がある",
    ),
    mistake(
        "lock-held",
        B::Good,
        Loop::LockHeld,
        CH13,
        "silent-client",
        "a lock held around the whole conversation",
        "会話全体（recv から close まで）をロックで囲んでいる",
    )
    .rust(
        "a Mutex locked around the whole conversation",
        "Mutex のロックを持っている",
    ),
    Mistake {
        max_workers: Some(4),
        ..mistake(
            "pool-of-one",
            B::Good,
            Loop::Pool(1),
            Chapter::Pool,
            "silent-client",
            "a pool of one worker",
            "ワーカー 1 個のプール",
        )
        .rust(
            "a pool of one worker (--max-workers 1",
            "ワーカー 1 個のプール（--max-workers 1",
        )
    },
    mistake(
        "closes-after-start",
        B::Good,
        Loop::ClosesAfterStart,
        CH13,
        "index",
        "the accept loop calling client_socket.close() right after thread.start()",
        "thread.start() のすぐあとで client_socket.close()",
    ),
];

/// Code in the hints of either language that the other language's
/// reader would not type: never in the other's hint.
const PYTHON_ONLY: &[&str] = &[
    "MIME_TYPES",
    "open(static_file_path",
    "ThreadPoolExecutor",
    "traceback.print_exc",
    "response_header +=",
    "settimeout",
    "path.lstrip",
    "os.path.join",
    "except OSError",
    "len(response_body)",
    "asyncio",
];
const RUST_ONLY: &[&str] = &[
    "thread::",
    "Response::",
    "common::",
    "mime_guess",
    "tokio::",
    "unwrap()",
    "Connection::new",
    "JoinHandle",
];

/// Japanese text with English left in it: two English words in a row,
/// outside code (a word with `_ . ( ) " = / :` in it, or a known name).
fn english_in(ja: &str) -> Option<String> {
    const CODE: &[&str] = &[
        "except Exception",
        "except OSError",
        "while True",
        "try / except",
        "method, path, http_version",
        "if let Err(err)",
        "async move",
        "panicked at",
    ];
    let mut text = ja.to_owned();
    for code in CODE {
        text = text.replace(code, " ");
    }
    let english = |w: &str| {
        w.chars().any(|c| c.is_ascii_alphabetic())
            && w.chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == ',' || c == ';')
            && !w.starts_with('-')
    };
    // Words are neighbours only within a run of ASCII: Japanese between
    // two names (`200 OK と Content-Length`) is Japanese.
    text.split(|c: char| !c.is_ascii()).find_map(|run| {
        let words: Vec<&str> = run.split_whitespace().collect();
        words.windows(2).find_map(|pair| {
            (english(pair[0]) && english(pair[1])).then(|| format!("{} {}", pair[0], pair[1]))
        })
    })
}

/// What is wrong with how the checker named mistake `m`: it fails its
/// stage first, with its cause in the hint in both languages (and in Rust,
/// for a twin, the Rust cause: each hint's Rust version names only Rust),
/// no English left in the Japanese report, and a command to reproduce each
/// ✗. Empty when nothing is.
fn mistake_problems(m: &Mistake, report: &Report) -> Vec<String> {
    let mut problems = Vec::new();
    let en = report.render(Lang::En, false);
    if report.ids(Verdict::Failed).first() != Some(&m.stage) {
        problems.push(format!("the wrong stage failed first:\n{en}"));
        return problems;
    }
    let Some(stage) = report.stage(m.stage) else {
        return vec![format!("{} did not run", m.stage)];
    };
    let hints = |pick: fn(&Hint) -> &str| stage.hint.iter().map(pick).collect::<Vec<_>>();
    let py_en = hints(|h| &h.python.en);
    let py_ja = hints(|h| &h.python.ja);
    if !py_en.iter().any(|h| h.contains(m.en)) {
        problems.push(format!("{:?} not in the Python hint:\n{en}", m.en));
    }
    if !py_ja.iter().any(|h| h.contains(m.ja)) {
        problems.push(format!(
            "{:?} not in the Python hint (ja): {py_ja:#?}",
            m.ja
        ));
    }
    if let Some((rust_en, rust_ja)) = m.rust {
        if !hints(|h| &h.rust.en).iter().any(|h| h.contains(rust_en)) {
            let rust = report.clone().with_server(ServerLang::Rust);
            problems.push(format!(
                "{rust_en:?} not in the Rust hint:\n{}",
                rust.render(Lang::En, false)
            ));
        }
        if !hints(|h| &h.rust.ja).iter().any(|h| h.contains(rust_ja)) {
            problems.push(format!("{rust_ja:?} not in the Rust hint (ja)"));
        }
        // The Rust report's first hint is the Rust cause.
        let rust = report.clone().with_server(ServerLang::Rust);
        let text = rust.render(Lang::En, false);
        let first = format!("hint: {}", stage.hint[0].rust.en);
        if !text.contains(&first) {
            problems.push(format!(
                "the Rust report does not begin its hint with Rust:\n{text}"
            ));
        }
    }
    for s in &report.stages {
        for hint in &s.hint {
            for (lang, text) in [("Python", &hint.python), ("Rust", &hint.rust)] {
                let foreign = if lang == "Python" {
                    RUST_ONLY
                } else {
                    PYTHON_ONLY
                };
                for word in foreign {
                    if text.en.contains(word) || text.ja.contains(word) {
                        problems.push(format!(
                            "{word:?} in the {lang} hint of {}: {}",
                            s.id, text.en
                        ));
                    }
                }
                if let Some(words) = english_in(&text.ja) {
                    problems.push(format!(
                        "English {words:?} in the Japanese {lang} hint of {}: {}",
                        s.id, text.ja
                    ));
                }
            }
        }
        if let Some(words) = english_in(&s.measured.ja) {
            problems.push(format!(
                "English {words:?} in the Japanese report: {}",
                s.measured.ja
            ));
        }
    }
    let ja = report.render(Lang::Ja, false);
    // No parser's message, and never the "(no Content-Type)" placeholder.
    for needle in [
        "invalid header",
        "invalid token",
        "(no Content-Type)",
        "HeaderName",
    ] {
        if en.contains(needle) || ja.contains(needle) {
            problems.push(format!("{needle}:\n{en}"));
        }
    }
    // Every ✗ has a command to reproduce it (`try:` after the stage).
    for s in report
        .stages
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
    {
        if !s
            .repro
            .iter()
            .any(|r| matches!(r, checker::Repro::Command(_)))
        {
            problems.push(format!("{} has no command to reproduce it", s.id));
        }
    }
    problems
}

/// Each mistake fails its stage with its cause named, in Python and, for
/// the twins, in Rust (see [`mistake_problems`]); all are checked, and every
/// problem of every mistake is reported.
#[test]
fn every_mistake_is_named_in_python_and_its_rust_twin_in_rust() {
    let mut problems = Vec::new();
    for m in MISTAKES {
        let ran = ran(m.name);
        for problem in mistake_problems(m, &ran.report) {
            problems.push(format!("{}: {problem}", m.name));
        }
        let stage = ran.report.stage(m.stage);
        let first = |server: ServerLang, lang: Lang| {
            stage
                .and_then(|s| s.hint.first())
                .map(|h| h.get(server).get(lang).to_owned())
                .unwrap_or_default()
        };
        eprintln!(
            "ROW| `{}` | `{}` | {} | {} | {} | {:.3} s |",
            m.name,
            m.stage,
            first(ServerLang::Python, Lang::En),
            first(ServerLang::Python, Lang::Ja),
            if m.rust.is_some() {
                first(ServerLang::Rust, Lang::En)
            } else {
                "(no twin)".to_owned()
            },
            ran.took.as_secs_f64()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(MISTAKES.len() >= 22);
    let twins = MISTAKES.iter().filter(|m| m.rust.is_some()).count();
    assert!(twins >= 14, "{twins} Rust twins");
}

/// The whole reports of a few mistakes, as stored, in both languages; the
/// Rust twin of one of them too.
#[test]
fn the_mistakes_reports_match_their_golden_files() {
    for name in [
        "no-content-type",
        "no-empty-line",
        "crash-on-missing-file",
        "lock-held",
    ] {
        golden(report(name), name);
    }
    golden(
        &report("join-after-start")
            .clone()
            .with_server(ServerLang::Rust),
        "join-after-start.rust",
    );
}

/// The guide's sample reports of a mistake — a fenced block after
/// `<!-- checker-scenario: NAME ARGS... -->` on `docs/*/check-your-server.md`
/// — match a real run of the checker with ARGS against that mistake's
/// server, in the page's language (lines starting with `$ ` left out;
/// times and ports normalised).
#[test]
fn the_guides_mistake_samples_match_a_real_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for lang in [Lang::Ja, Lang::En] {
        let page = root
            .join("docs")
            .join(lang.code())
            .join("check-your-server.md");
        let text = std::fs::read_to_string(&page)
            .unwrap_or_else(|err| panic!("{}: {err}", page.display()));
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(marker) = line
                .trim()
                .strip_prefix("<!-- checker-scenario:")
                .and_then(|m| m.strip_suffix("-->"))
            else {
                continue;
            };
            let mut words = marker.split_whitespace();
            let name = words.next().expect("a mistake's name");
            let m = MISTAKES
                .iter()
                .find(|m| m.name == name)
                .unwrap_or_else(|| panic!("no mistake named {name}"));
            let args: Vec<&str> = words.collect();
            lines
                .by_ref()
                .find(|l| l.trim_start().starts_with("```"))
                .expect("a code block after the marker");
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .filter(|l| !l.starts_with("$ "))
                .collect();
            let addr = start_with(m.behaviour, m.how);
            let url = format!("http://localhost:{}/", addr.port());
            let options = checker::cli::parse(args.iter().copied().chain([url.as_str()]))
                .unwrap_or_else(|err| panic!("checker arguments {args:?}: {err}"));
            let real = run(&options).expect("the checker runs").render(lang, false);
            assert_eq!(
                normalise(&block.join("\n")).trim_end(),
                normalise(&real).trim_end(),
                "{}: the sample report of {} differs from a real run:\n{real}",
                page.display(),
                m.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "no mistake sample in each language");
}
