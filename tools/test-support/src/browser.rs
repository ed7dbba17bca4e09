//! The book's test of success, in a real browser: headless Chromium (or
//! Chrome, or Edge) opens a page served by a chapter binary and writes down
//! what it shows: the heading is red (index.css was served as CSS), the logo
//! has its real width (logo.png arrived whole), the title is the page's.
//!
//! The browser runs once, as a plain program (`--headless --dump-dom`): it
//! loads [`CHECK_PAGE`] from a copy of `static/`, which shows `index.html`
//! in a frame and, once that has loaded, writes those three facts into its
//! own page; the browser prints the page and exits. Meanwhile the test holds
//! one more connection open and sends nothing (as a browser's speculative
//! preconnect does), and the order of events shows chapter 13's lesson:
//! beside a server with a thread per client the page finishes while that
//! connection is still waiting; a server that answers one client at a time
//! finishes the page only after it has given up on that connection.
//!
//! These tests are `#[ignore = "needs Chromium: cargo test -- --ignored"]`:
//! a plain `cargo test` lists them as ignored, with that reason. Run, they
//! fail when no browser is found, saying how to get one.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::suite::TempDir;
use crate::{PATIENCE, Server, static_dir};

/// How the chapter under test treats an idle connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One client at a time: the page waits until the server gives up on
    /// the idle connection (its read timeout).
    Sequential,
    /// A thread (or a task) per client: the page does not wait for it.
    Threaded,
}

/// The page the browser opens: `index.html` in a frame, and what it shows.
pub const CHECK_PAGE: &str = r#"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>check</title>
<script>
function report(frame) {
  const page = frame.contentDocument;
  const heading = page.querySelector('h1');
  const logo = page.querySelector('img');
  document.getElementById('result').textContent = [
    'title=' + page.title,
    'heading=' + (heading ? heading.textContent : ''),
    'color=' + (heading ? getComputedStyle(heading).color : ''),
    'logo=' + (logo && logo.complete ? logo.naturalWidth : 0),
  ].join('\n');
}
</script>
</head>
<body>
<iframe src="index.html" onload="report(this)"></iframe>
<pre id="result">not loaded</pre>
</body>
</html>
"#;

/// The timeouts a sequential server gets here: the read timeout is how long
/// the idle connection holds the page up.
const SEQUENTIAL_TIMEOUTS: [&str; 2] = ["--read-timeout", "2"];
/// A threaded server's: longer than the test ever waits, so that it cannot
/// give up on the idle connection while the test runs.
const THREADED_TIMEOUTS: [&str; 4] = ["--read-timeout", "120", "--request-timeout", "120"];

/// The browser named by `$CHROME`, else the first Chromium, Chrome or Edge
/// on `PATH`, else where macOS and Windows install them outside `PATH`. On Windows only a `.exe`: under Wine, Linux's
/// `/usr/bin/chromium` is a file too, but no Windows program can run it.
pub fn find_chromium() -> Option<PathBuf> {
    let named = std::env::var_os("CHROME").map(PathBuf::from);
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
        "chrome",
        "microsoft-edge",
        "msedge",
    ];
    let exe = if cfg!(windows) { ".exe" } else { "" };
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .iter()
        .flat_map(|dir| names.map(|name| dir.join(format!("{name}{exe}"))))
        .collect();
    let macos = [
        "/Applications/Chromium.app/Contents/MacOS/Chromium",
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    ]
    .map(PathBuf::from)
    .into_iter()
    .filter(|_| cfg!(target_os = "macos"));
    // Edge ships with Windows; Chrome installed for one user lives in LOCALAPPDATA.
    let windows = [
        ("ProgramFiles", r"Microsoft\Edge\Application\msedge.exe"),
        (
            "ProgramFiles(x86)",
            r"Microsoft\Edge\Application\msedge.exe",
        ),
        ("ProgramFiles", r"Google\Chrome\Application\chrome.exe"),
        ("LOCALAPPDATA", r"Google\Chrome\Application\chrome.exe"),
    ]
    .into_iter()
    .filter(|_| cfg!(windows))
    .filter_map(|(base, rest)| Some(PathBuf::from(std::env::var_os(base)?).join(rest)));
    named
        .into_iter()
        .chain(on_path)
        .chain(macos)
        .chain(windows)
        .find(|p| p.is_file() && (cfg!(not(windows)) || p.extension().is_some_and(|e| e == "exe")))
}

/// Runs the whole browser check against `bin`; fails, saying how to get a
/// browser, when none is found (the chapters' tests are
/// `#[ignore = "needs Chromium: cargo test -- --ignored"]`, so this runs
/// only when asked for).
pub fn page_renders_as_the_book_says(bin: &str, kind: Kind) {
    let chromium = find_chromium().unwrap_or_else(|| {
        panic!(
            "this test needs Chromium, Chrome or Edge, and none was found on PATH: install one \
             (on Debian, `apt-get install chromium`), or set CHROME=/path/to/it"
        )
    });
    let site = TempDir::new();
    for file in ["index.html", "index.css", "logo.png"] {
        std::fs::copy(static_dir().join(file), site.path().join(file)).expect("copy a static file");
    }
    std::fs::write(site.path().join("check.html"), CHECK_PAGE).expect("write check.html");
    let timeouts: &[&str] = match kind {
        Kind::Sequential => &SEQUENTIAL_TIMEOUTS,
        Kind::Threaded => &THREADED_TIMEOUTS,
    };
    let site_arg = site.path().to_str().expect("UTF-8 temp path");
    let server = Server::start(bin, &[&["--static-dir", site_arg], timeouts].concat());

    // Like a browser's preconnect: a connection that sends nothing. A
    // thread says when the server closes it.
    let idle = TcpStream::connect(server.addr).expect("idle connection");
    server.wait_for_log("接続が完了しました", PATIENCE);
    let (closed_tx, closed) = mpsc::channel();
    let mut watch = idle.try_clone().expect("clone the idle connection");
    thread::spawn(move || {
        let _ = watch.read(&mut [0; 1]);
        let _ = closed_tx.send(());
    });

    let result = visit(&chromium, &format!("http://{}/check.html", server.addr));
    assert_page(&result, &server);
    match kind {
        Kind::Threaded => assert!(
            closed.try_recv().is_err(),
            "the server closed the idle connection before the page was done: the page waited for it"
        ),
        Kind::Sequential => {
            // The server's own log, written by its one thread, gives the
            // order: it gave up on the idle connection, then accepted the
            // browser's first one.
            let log = server.log();
            let gave_up = nth_line(&log, "the client sent nothing", 1);
            let browser = nth_line(&log, "接続が完了しました", 2);
            assert!(
                gave_up.is_some_and(|gave_up| Some(gave_up) < browser),
                "the browser was served before the server gave up on the idle connection; log:\n{}",
                log.join("\n")
            );
        }
    }
    drop(idle);
}

/// The index of the `nth` (from 1) log line containing `needle`.
fn nth_line(log: &[String], needle: &str, nth: usize) -> Option<usize> {
    log.iter()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .nth(nth - 1)
        .map(|(i, _)| i)
}

/// Title, heading, its colour from index.css, and the logo's real width.
fn assert_page(result: &[String], server: &Server) {
    let width = png_width(&static_dir().join("logo.png"));
    let expected = [
        "title=HenaServer".to_owned(),
        "heading=Welcome to HenaServer!".to_owned(),
        // Red: index.css was served as CSS and applied.
        "color=rgb(255, 0, 0)".to_owned(),
        // The logo was decoded: logo.png arrived whole.
        format!("logo={width}"),
    ];
    assert_eq!(
        result,
        expected,
        "what the browser showed; server log:\n{}",
        server.log().join("\n")
    );
}

/// The width in a PNG's header (the IHDR chunk's first field).
fn png_width(path: &Path) -> u32 {
    let bytes = std::fs::read(path).expect("read the PNG");
    let field: [u8; 4] = bytes[16..20].try_into().expect("a PNG header");
    u32::from_be_bytes(field)
}

/// Opens `url` in a headless browser with a profile of its own, and returns
/// the `key=value` lines the check page wrote, once the browser has printed
/// the page and exited.
fn visit(chromium: &Path, url: &str) -> Vec<String> {
    let profile = TempDir::new();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--dump-dom",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-sandbox",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start {}: {err}", chromium.display()));
    // Read both pipes on threads: the browser's helpers may keep them open.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the browser") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} did not finish {url} in {PATIENCE:?}",
                chromium.display()
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    let page = out.join().expect("stdout reader");
    let messages = err.join().expect("stderr reader");
    let result = page
        .split_once("<pre id=\"result\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(text, _)| text.lines().map(unescape).collect());
    let tail: Vec<&str> = messages.lines().rev().take(10).collect();
    result.unwrap_or_else(|| {
        panic!(
            "{} ({status}) printed no result for {url}:\n{page}\nits last messages:\n{}",
            chromium.display(),
            tail.join("\n")
        )
    })
}

/// Text as the browser prints it inside an element, back to plain text.
fn unescape(line: &str) -> String {
    line.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}
