//! The book's test of success, in a real browser: headless Chromium loads the
//! page from a chapter binary; the heading is red (index.css was served as
//! CSS) and the logo has loaded. Then the reloads, with and without a silent
//! connection held open, show chapter 13's lesson.

use std::ffi::OsStr;
use std::net::TcpStream;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::Network;
use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::Server;
use crate::suite::TempDir;

/// The read timeout the servers get here: an idle connection costs a
/// sequential server about this long.
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Every browser wait is bounded by this.
const WAIT: Duration = Duration::from_secs(10);
const RELOADS: usize = 5;

/// How the chapter under test treats an idle connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One client at a time: an idle connection delays one reload.
    Sequential,
    /// A thread per client: an idle connection delays nothing.
    Threaded,
}

/// The browser named by `$CHROME`, else the first Chrome, Chromium or Edge
/// that `headless_chrome` finds (on `PATH`, in macOS's /Applications, in
/// Windows' registry), else where Linux distributions and Windows install
/// them outside `PATH`. On Windows only a `.exe`: under Wine, Linux's
/// `/usr/bin/chromium` is a file too, but no Windows program can run it.
fn find_chromium() -> Option<PathBuf> {
    let named = std::env::var_os("CHROME").map(PathBuf::from);
    let discovered = headless_chrome::browser::default_executable().ok();
    let linux = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
        "/snap/bin/chromium",
    ]
    .map(PathBuf::from)
    .into_iter()
    .filter(|_| cfg!(target_os = "linux"));
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
    .filter_map(|(base, rest)| Some(PathBuf::from(std::env::var_os(base)?).join(rest)));
    named
        .into_iter()
        .chain(discovered)
        .chain(linux)
        .chain(windows)
        .find(|p| p.is_file() && (cfg!(not(windows)) || p.extension() == Some(OsStr::new("exe"))))
}

/// Runs the whole browser check against `bin`, or prints SKIP when no
/// Chromium is installed (a failure when `REQUIRE_BROWSER=1`).
pub fn page_renders_as_the_book_says(bin: &str, kind: Kind) {
    let Some(chromium) = find_chromium() else {
        let message = if crate::under_wine() {
            "under Wine: no Windows browser in the Wine prefix (Windows ships Edge, \
             so on Windows this runs)"
        } else {
            "no Chrome, Chromium or Edge found: install one (on Debian, \
             `apt-get install chromium`), or set CHROME=/path/to/it"
        };
        assert!(
            std::env::var("REQUIRE_BROWSER").as_deref() != Ok("1"),
            "REQUIRE_BROWSER=1 but {message}"
        );
        crate::skip(&format!("page_renders_as_the_book_says ({bin})"), message);
        return;
    };
    let timeout = format!("{}", READ_TIMEOUT.as_secs());
    let server = Server::start(bin, &["--read-timeout", &timeout]);
    let profile = TempDir::new();
    // The Browser kills Chromium when dropped, also when an assertion fails.
    let browser = launch(chromium, profile.path().to_path_buf());
    let tab = browser.new_tab().expect("open a tab");
    tab.set_default_timeout(WAIT);
    tab.call_method(Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })
    .expect("Network.enable");
    tab.call_method(Network::SetCacheDisabled {
        cache_disabled: true,
    })
    .expect("disable the HTTP cache");

    let url = format!("http://{}/index.html", server.addr);
    tab.navigate_to(&url).expect("navigate");
    wait_for_complete_page(&tab);
    assert_page(&tab);

    let plain = reload_times(&tab);
    // Like Chrome's speculative preconnect: a connection that sends nothing.
    let idle = TcpStream::connect(server.addr).expect("idle connection");
    let with_idle = reload_times(&tab);
    drop(idle);
    eprintln!(
        "{bin}: reloads {} ms; with an idle connection {} ms",
        show(&plain),
        show(&with_idle)
    );
    for time in plain.iter().chain(&with_idle) {
        assert!(*time < WAIT, "a reload took {time:?}");
    }
    let slowed = with_idle.iter().filter(|t| **t >= READ_TIMEOUT / 2).count();
    match kind {
        Kind::Threaded => assert_eq!(
            slowed, 0,
            "the idle connection slowed reloads: {with_idle:?}"
        ),
        Kind::Sequential => {
            assert!(slowed <= 1, "more than one reload slowed: {with_idle:?}");
            let total: Duration = with_idle.iter().sum();
            assert!(
                total < READ_TIMEOUT * 3,
                "the server did not recover: {with_idle:?}"
            );
        }
    }
    assert!(
        plain.iter().all(|t| *t < READ_TIMEOUT / 2),
        "slow without an idle connection: {plain:?}"
    );
}

fn launch(chromium: PathBuf, profile: PathBuf) -> Browser {
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    // Port 0: the browser picks a free port and prints it, so there is one
    // attempt (headless_chrome otherwise tries up to 11 ports, 30 s each).
    let options = LaunchOptions::default_builder()
        .path(Some(chromium.clone()))
        .port(Some(0))
        .headless(true)
        .sandbox(false)
        .user_data_dir(Some(profile))
        .idle_browser_timeout(Duration::from_secs(60))
        .args(args)
        .build()
        .expect("launch options");
    // A browser that did not come up is killed and waited for by
    // headless_chrome before it returns the error.
    Browser::new(options).unwrap_or_else(|err| {
        panic!(
            "could not start {} as a headless browser: {err:#}; set CHROME to a working \
             Chrome, Chromium or Edge",
            chromium.display()
        )
    })
}

/// Title, heading, its colour from index.css, and the decoded logo.
fn assert_page(tab: &Tab) {
    assert_eq!(eval(tab, "document.title"), "HenaServer");
    assert_eq!(
        eval(tab, "document.querySelector('h1').textContent"),
        "Welcome to HenaServer!"
    );
    assert_eq!(
        eval(tab, "getComputedStyle(document.querySelector('h1')).color"),
        "rgb(255, 0, 0)",
        "the heading is not red: index.css was not applied"
    );
    assert_eq!(
        eval(
            tab,
            "String(document.querySelector('img').complete && document.querySelector('img').naturalWidth > 0)"
        ),
        "true",
        "the logo did not load"
    );
}

/// Reloads the page RELOADS times; returns each load time as the browser's
/// Navigation Timing measures it (navigation start to the load event, which
/// waits for the stylesheet and the image).
fn reload_times(tab: &Tab) -> Vec<Duration> {
    (0..RELOADS)
        .map(|_| {
            // Marks the old document, so the wait below sees only the new one.
            eval(tab, "window.henaOld = true");
            let started = Instant::now();
            tab.reload(true, None).expect("reload");
            wait_for_complete_page(tab);
            let wall = started.elapsed();
            let load_ms: f64 = eval(
                tab,
                "performance.getEntriesByType('navigation')[0].loadEventEnd",
            )
            .parse()
            .expect("a load time");
            let load = Duration::from_secs_f64(load_ms / 1000.0);
            assert!(
                load <= wall + Duration::from_millis(50),
                "load {load:?} longer than {wall:?}"
            );
            assert_page(tab);
            load
        })
        .collect()
}

/// Polls (every 5 ms, at most WAIT) until a new document has loaded fully.
fn wait_for_complete_page(tab: &Tab) {
    let deadline = Instant::now() + WAIT;
    let done = "String(window.henaOld === undefined && document.readyState === 'complete' \
                && document.querySelector('img') !== null && document.querySelector('img').complete)";
    // While the page is replaced, evaluation can fail: that is "not yet".
    while try_eval(tab, done).as_deref() != Some("true") {
        assert!(
            Instant::now() < deadline,
            "the page did not finish loading in {WAIT:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

fn try_eval(tab: &Tab, expression: &str) -> Option<String> {
    let result = tab.evaluate(expression, false).ok()?;
    Some(match result.value {
        Some(serde_json::Value::String(text)) => text,
        Some(other) => other.to_string(),
        None => String::new(),
    })
}

/// Evaluates `expression` in the page and returns its value as text.
fn eval(tab: &Tab, expression: &str) -> String {
    try_eval(tab, expression).unwrap_or_else(|| panic!("could not evaluate {expression}"))
}

fn show(times: &[Duration]) -> String {
    times
        .iter()
        .map(|t| t.as_millis().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
