//! The checker against small scenario servers written here: one that does
//! everything right, and one for each way a reader's server goes wrong.
//! Each must fail the right stage, with the right message, in bounded time.
//! Whole reports are kept as golden files (times and ports normalised);
//! `UPDATE_GOLDEN=1 cargo test -p checker` rewrites them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use checker::report::{Verdict, normalise};
use checker::{Chapter, Lang, Options, Report, run};

/// How a scenario server answers.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// Everything right, a thread per client.
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
}

fn static_file(name: &str) -> Option<Vec<u8>> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../static")
            .join(name),
    )
    .ok()
}

/// Starts a server on a free port; it lives until the test process ends.
fn start(behaviour: Behaviour) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            if behaviour == Behaviour::ClosesAtOnce {
                continue; // dropped: closed at once
            }
            if behaviour == Behaviour::NeverAnswers {
                held.push(stream);
                continue;
            }
            thread::spawn(move || handle(stream, behaviour));
        }
    });
    addr
}

fn handle(mut stream: TcpStream, behaviour: Behaviour) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut words = text.split(' ');
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if !matches!(method, "GET" | "HEAD") || !path.starts_with('/') {
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let name = path.trim_start_matches('/');
    let (status, kind, body) = match static_file(name).filter(|_| !name.contains("..")) {
        Some(body) => {
            let kind = match name.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("css") if behaviour == Behaviour::CssAsHtml => "text/html",
                Some("css") => "text/css",
                Some("png") => "image/png",
                _ => "application/octet-stream",
            };
            ("200 OK", kind, body)
        }
        None => (
            "404 Not Found",
            "text/html",
            b"<html><body>404</body></html>".to_vec(),
        ),
    };
    let length = if behaviour == Behaviour::WrongLength {
        300
    } else {
        body.len()
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
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
}

/// Runs the checker for `chapter` against a fresh `behaviour` server.
fn check(behaviour: Behaviour, chapter: Chapter) -> (Report, Duration) {
    let addr = start(behaviour);
    let started = Instant::now();
    let report = run(&Options::new(chapter, format!("http://{addr}/"))).expect("the checker runs");
    let took = started.elapsed();
    // For the record (`--nocapture`): each failed stage's message, and the time.
    for stage in report
        .stages
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
    {
        eprintln!(
            "{:.1} s  {}: {}",
            took.as_secs_f64(),
            stage.id,
            stage.measured.en
        );
    }
    (report, took)
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
    let (report, took) = check(Behaviour::Good, Chapter::Threaded);
    assert!(report.passed(), "{}", report.render(Lang::En, true));
    assert_eq!(
        report.ids(Verdict::Passed),
        [
            "index",
            "repeat",
            "content-type",
            "not-found",
            "garbage",
            "silent-client",
            "trickle"
        ]
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    golden(&report, "good-threaded");
}

#[test]
fn css_as_text_html_fails_the_content_type_stage() {
    let (report, took) = check(Behaviour::CssAsHtml, Chapter::Sequential);
    assert_eq!(report.ids(Verdict::Failed), ["content-type"]);
    assert_eq!(
        message(&report, "content-type"),
        "/index.css came as text/html (expected text/css)"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    golden(&report, "css-as-html");
}

#[test]
fn a_server_that_never_answers_fails_the_first_stage_and_the_rest_is_skipped() {
    let (report, took) = check(Behaviour::NeverAnswers, Chapter::Pool);
    assert_eq!(report.ids(Verdict::Failed), ["index"]);
    assert_eq!(report.ids(Verdict::Passed), Vec::<&str>::new());
    assert!(
        message(&report, "index").starts_with("no answer in 5."),
        "{}",
        message(&report, "index")
    );
    assert_eq!(report.ids(Verdict::Skipped).len(), report.stages.len() - 1);
    assert!(took < Duration::from_secs(8), "took {took:?}");
    golden(&report, "never-answers");
}

#[test]
fn a_server_that_answers_then_hangs_fails_with_the_bytes_it_sent() {
    let (report, took) = check(Behaviour::AnswersThenHangs, Chapter::Sequential);
    assert_eq!(report.ids(Verdict::Failed), ["index"]);
    let text = message(&report, "index");
    assert!(
        text.starts_with(
            "the answer stopped part way: Content-Length announces a 235-byte body, 117 bytes of it arrived in 5."
        ),
        "{text}"
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn a_server_that_closes_at_once_fails_every_stage_quickly() {
    let (report, took) = check(Behaviour::ClosesAtOnce, Chapter::Threaded);
    assert_eq!(
        message(&report, "index"),
        "the server closed the connection without answering"
    );
    assert!(
        report.ids(Verdict::Passed).is_empty(),
        "{}",
        report.render(Lang::En, false)
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// Finding: one bad answer at `index` used to cascade into a failure per
/// stage, each with its own unrelated hint.
#[test]
fn a_wrong_content_length_fails_the_first_stage_once_with_the_bytes_hint() {
    let (report, took) = check(Behaviour::WrongLength, Chapter::Threaded);
    let text = message(&report, "index");
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
    assert!(
        message(&report, "repeat")
            .starts_with("not run: every later check reads answers like index's"),
        "{}",
        message(&report, "repeat")
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    golden(&report, "wrong-length");
}

#[test]
fn a_server_that_answers_forever_is_cut_off() {
    let (report, took) = check(Behaviour::AnswersForever, Chapter::Sequential);
    assert!(
        message(&report, "index")
            .starts_with("the answer does not end: stopped reading after more than 32 MiB"),
        "{}",
        message(&report, "index")
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn an_answer_that_is_not_http_is_named_so_once() {
    let (report, _) = check(Behaviour::Garbage, Chapter::Pool);
    assert_eq!(
        message(&report, "index"),
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
    let (report, took) = check(Behaviour::NoLengthKeepsOpen, Chapter::Sequential);
    let text = message(&report, "index");
    assert!(
        text.starts_with("the head arrived complete (empty line and all) but has no Content-Length, and the server keeps the connection open"),
        "{text}"
    );
    assert!(text.contains("235 bytes of body"), "{text}");
    let ja = &report.stage("index").expect("ran").measured.ja;
    assert!(ja.contains("Content-Length がなく"), "{ja}");
    assert!(!ja.contains("まだ来ていません"), "{ja}");
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let (report, _) = check(Behaviour::HeadNeverEnds, Chapter::Sequential);
    let text = message(&report, "index");
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
    let (report, _) = check(Behaviour::TooManyHeaders, Chapter::Sequential);
    let text = message(&report, "index");
    assert!(
        text.starts_with("the answer's head is not valid HTTP (more than 100 header lines): it starts with \"HTTP/1.1 200 OK"),
        "{text}"
    );
}

#[test]
fn a_server_that_keeps_the_connection_open_is_timed_to_its_answer_and_noted() {
    let (report, _) = check(Behaviour::KeepsOpen, Chapter::Threaded);
    assert!(report.passed(), "{}", report.render(Lang::En, false));
    let text = message(&report, "index");
    assert!(
        text.ends_with("; the server kept the connection open after the answer (the request said Connection: close; the book's server closes it after each answer)"),
        "{text}"
    );
    // The time is to the complete answer, not to the end of the checker's
    // half-second wait for a close that never comes.
    let target = checker::Target::parse(&report.url).expect("the URL parses");
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

/// A server with a real pool of `workers` threads, each serving one client
/// at a time (a silent client holds a worker for the 5 s read timeout).
fn start_pool(workers: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let (queue, work) = std::sync::mpsc::channel::<TcpStream>();
    let work = std::sync::Arc::new(std::sync::Mutex::new(work));
    for _ in 0..workers {
        let work = std::sync::Arc::clone(&work);
        thread::spawn(move || {
            loop {
                let next = work.lock().map(|rx| rx.recv());
                match next {
                    Ok(Ok(stream)) => handle(stream, Behaviour::Good),
                    _ => return,
                }
            }
        });
    }
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if queue.send(stream).is_err() {
                return;
            }
        }
    });
    addr
}

fn check_pool(addr: SocketAddr, max_workers: usize) -> Report {
    let mut options = Options::new(Chapter::Pool, format!("http://{addr}/"));
    options.max_workers = Some(max_workers);
    run(&options).expect("runs")
}

/// Finding 2: --max-workers larger than the pool is not "one client at a time".
#[test]
fn a_pool_smaller_than_max_workers_is_said_to_be_smaller() {
    let report = check_pool(start_pool(4), 8);
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
    let text = message(&report, "pool-free-worker");
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
    let report = check_pool(start_pool(4), 2);
    assert_eq!(
        report.ids(Verdict::Failed),
        ["pool-bound"],
        "{}",
        report.render(Lang::En, false)
    );
    let text = message(&report, "pool-bound");
    assert!(
        text.ends_with("this server answers more than 2 clients at a time, with no bound or a bound above 2 (if your pool's limit is not 2, give it with --max-workers)"),
        "{text}"
    );
    // The right N passes both.
    let report = check_pool(start_pool(4), 4);
    assert!(report.passed(), "{}", report.render(Lang::En, false));
}

#[test]
fn a_good_server_without_a_bound_fails_the_pool_bound_only() {
    let addr = start(Behaviour::Good);
    let mut options = Options::new(Chapter::Pool, format!("http://{addr}/"));
    options.max_workers = Some(3);
    let report = run(&options).expect("runs");
    assert_eq!(report.ids(Verdict::Failed), ["pool-bound"]);
    assert!(
        message(&report, "pool-bound")
            .ends_with("this server answers more than 3 clients at a time, with no bound or a bound above 3 (if your pool's limit is not 3, give it with --max-workers)"),
        "{}",
        message(&report, "pool-bound")
    );
}
