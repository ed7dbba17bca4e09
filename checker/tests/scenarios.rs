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

#[test]
fn a_wrong_content_length_fails_the_first_stage() {
    let (report, took) = check(Behaviour::WrongLength, Chapter::Sequential);
    assert_eq!(
        message(&report, "index"),
        "/index.html: Content-Length says 300, but the body has 235 bytes"
    );
    assert!(report.ids(Verdict::Failed).contains(&"index"));
    assert!(took < Duration::from_secs(10), "took {took:?}");
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
fn an_answer_that_is_not_http_is_named_so() {
    let (report, _) = check(Behaviour::Garbage, Chapter::Sequential);
    assert_eq!(
        message(&report, "index"),
        "not an HTTP answer: it starts with \"hello, this is not HTTP\\n\""
    );
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
            .ends_with("although 3 silent clients were connected: nothing bounds the workers at 3"),
        "{}",
        message(&report, "pool-bound")
    );
}
