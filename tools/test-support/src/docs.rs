//! Checks that keep the guide (`README.md`, `docs/ja/`, `docs/en/`) true: the
//! two languages have the same structure, links resolve, and every console
//! block, response list and options table matches what the binaries do.
//!
//! Markers, written as an HTML comment on the line before a fenced block:
//! - `<!-- console: CRATE SCENARIO -->`: the server's log for SCENARIO
//!   (`files` or `two-clients`, see [`run_scenario`]);
//! - `<!-- responses: CRATE -->`: `STATUS CONTENT-TYPE` for the `files` scenario;
//! - `<!-- help: CRATE -->`: the exact output of `CRATE --help`;
//! - `<!-- lang-specific -->`: a block allowed to differ between languages;
//! - `<!-- lang-specific: two-clients CRATE [OPTIONS] -->`: such a block, the
//!   output of `cargo run -p lesson-demo -- two-clients` against CRATE (see
//!   [`client_block_matches`]).
//!
//! A chapter's tests use [`docs_tests!`]: `test_support::docs_tests!("chapter12-sequential");`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::{Server, request};

/// Defines this chapter's guide tests; `$krate` is the package (and binary) name.
#[macro_export]
macro_rules! docs_tests {
    ($krate:literal) => {
        #[test]
        fn guide_console_blocks_match_a_real_run() {
            $crate::docs::walkthroughs_match(env!(concat!("CARGO_BIN_EXE_", $krate)), $krate);
        }

        #[test]
        fn guide_options_table_matches_help() {
            $crate::docs::options_match_help(env!(concat!("CARGO_BIN_EXE_", $krate)), $krate);
        }
    };
}

/// The workspace's top folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// A fenced code block and the marker comment just before it, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The text of the comment before the fence, e.g. `console: chapter12-sequential files`.
    pub marker: Option<String>,
    /// The fence's info string, e.g. `text`.
    pub info: String,
    /// The lines inside the fence.
    pub lines: Vec<String>,
}

/// What the structure check compares: heading levels in order, and code blocks.
#[derive(Debug, Default)]
pub struct Page {
    /// The level (number of `#`) of each heading, in order.
    pub heading_levels: Vec<usize>,
    /// Every fenced code block, in order.
    pub blocks: Vec<Block>,
}

/// Splits a Markdown page into headings and fenced blocks.
pub fn parse_page(markdown: &str) -> Page {
    let mut page = Page::default();
    let mut last_comment: Option<String> = None;
    let mut open: Option<Block> = None;
    for line in markdown.lines() {
        if let Some(block) = open.as_mut() {
            if line.trim_start().starts_with("```") {
                page.blocks.push(open.take().expect("block is open"));
            } else {
                block.lines.push(line.to_owned());
            }
            continue;
        }
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            open = Some(Block {
                marker: last_comment.take(),
                info: info.trim().to_owned(),
                lines: Vec::new(),
            });
        } else if let Some(comment) = trimmed
            .strip_prefix("<!--")
            .and_then(|rest| rest.strip_suffix("-->"))
        {
            last_comment = Some(comment.trim().to_owned());
        } else if !trimmed.is_empty() {
            last_comment = None;
            let level = line.chars().take_while(|&c| c == '#').count();
            if level > 0 && line[level..].starts_with(' ') {
                page.heading_levels.push(level);
            }
        }
    }
    assert!(open.is_none(), "a code block is never closed");
    page
}

/// The `.md` files directly in `dir`, by name.
fn pages_in(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("read {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let name = path.file_name().expect("file name").to_string_lossy();
            let text = fs::read_to_string(&path).expect("page is UTF-8 text");
            (name.into_owned(), text)
        })
        .collect()
}

/// Every page of the guide in both languages, as (path, text).
fn all_guide_pages() -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let mut pages = vec![(
        root.join("README.md"),
        fs::read_to_string(root.join("README.md")).expect("README.md"),
    )];
    for lang in ["ja", "en"] {
        let dir = root.join("docs").join(lang);
        for (name, text) in pages_in(&dir) {
            pages.push((dir.join(name), text));
        }
    }
    pages
}

/// Every page in `docs/ja/` has a page of the same name in `docs/en/` and the
/// other way round, with the same heading levels in the same order and the
/// same code blocks (markers included), except blocks marked `lang-specific`.
pub fn languages_match() {
    let root = workspace_root();
    let ja = pages_in(&root.join("docs/ja"));
    let en = pages_in(&root.join("docs/en"));
    let ja_names: BTreeSet<_> = ja.keys().collect();
    let en_names: BTreeSet<_> = en.keys().collect();
    assert_eq!(
        ja_names, en_names,
        "docs/ja and docs/en must hold the same pages"
    );
    assert!(!ja.is_empty(), "the guide has no pages");
    let shared = |page: Page| -> (Vec<usize>, Vec<Block>) {
        let blocks = page
            .blocks
            .into_iter()
            .filter(|b| {
                !b.marker
                    .as_deref()
                    .is_some_and(|m| m.starts_with("lang-specific"))
            })
            .collect();
        (page.heading_levels, blocks)
    };
    for (name, ja_text) in &ja {
        let (ja_levels, ja_blocks) = shared(parse_page(ja_text));
        let (en_levels, en_blocks) = shared(parse_page(&en[name]));
        assert_eq!(
            ja_levels, en_levels,
            "{name}: the heading levels differ between docs/ja and docs/en"
        );
        assert_eq!(
            ja_blocks.len(),
            en_blocks.len(),
            "{name}: docs/ja has {} code blocks, docs/en {}",
            ja_blocks.len(),
            en_blocks.len()
        );
        for (i, (j, e)) in ja_blocks.iter().zip(&en_blocks).enumerate() {
            assert_eq!(
                j,
                e,
                "{name}: code block {} differs between the languages",
                i + 1
            );
        }
    }
}

/// Every relative link or image in `README.md` and `docs/` names a file that exists.
pub fn relative_links_resolve() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for (path, text) in all_guide_pages() {
        let dir = path.parent().expect("page has a folder");
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap_or_default();
            checked += 1;
            if !dir.join(file).exists() {
                broken.push(format!("{}: {target}", path.display()));
            }
        }
    }
    assert!(checked > 0, "no relative links found");
    assert!(
        broken.is_empty(),
        "links to missing files:\n{}",
        broken.join("\n")
    );
}

/// The targets of `[text](target)` and `![alt](target)`.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            targets.push(rest[..end].trim().to_owned());
        }
    }
    targets
}

/// Whether a chapter handles each client on a thread (or a task) of its own.
fn is_threaded(krate: &str) -> bool {
    krate.contains("thread") || krate.ends_with("-async")
}

/// Every console and responses block naming `krate` matches a real run, and
/// there is at least one console block for it.
pub fn walkthroughs_match(bin: &str, krate: &str) {
    let mut runs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut consoles = 0;
    // A console block ends with the stop line, which only Ctrl+C brings; the
    // other blocks are still checked where no signal can be sent.
    let signals = !crate::skip_without_signals(&format!("{krate}: the guide's console blocks"));
    for (path, text) in all_guide_pages() {
        for block in parse_page(&text).blocks {
            let Some(marker) = block.marker.as_deref() else {
                continue;
            };
            let words: Vec<&str> = marker.split_whitespace().collect();
            match words[..] {
                ["console:", name, scenario, ref args @ ..] if name == krate => {
                    consoles += 1;
                    if !signals {
                        continue;
                    }
                    let log = runs
                        .entry(words[2..].join(" "))
                        .or_insert_with(|| run_scenario(bin, krate, scenario, args));
                    // In a threaded chapter, the worker's line for B and the
                    // loop's next "waiting" line are written at about the same
                    // moment by two threads (with one worker too): either
                    // order is right.
                    let swap_allowed = is_threaded(krate) || args.contains(&"--max-workers");
                    // A task runs on whichever runtime thread polls it at
                    // that moment (a `worker-N`, now and then a `blocking-N`
                    // under load): which one wrote a line varies, and the
                    // page says so. Compared: that a task wrote it.
                    let (shown, log) = if krate.ends_with("-async") {
                        (any_runtime_thread(&block.lines), any_runtime_thread(log))
                    } else {
                        (block.lines.clone(), log.clone())
                    };
                    compare_logs(&path, scenario, &shown, &log, swap_allowed);
                }
                ["lang-specific:", "two-clients", name, ref args @ ..] if name == krate => {
                    let ja = path.components().any(|c| c.as_os_str() == "ja");
                    client_block_matches(bin, krate, args, ja, &path, &block.lines);
                }
                ["responses:", name] if name == krate => {
                    let real = responses(bin);
                    assert_eq!(
                        block.lines,
                        real,
                        "{}: the responses block differs from a real run",
                        path.display()
                    );
                }
                _ => {}
            }
        }
    }
    assert!(consoles > 0, "the guide has no console block for {krate}");
    // Every log block in the guide is checked by some chapter's test.
    for (path, text) in all_guide_pages() {
        for block in parse_page(&text).blocks {
            let looks_like_log = block.lines.iter().any(|l| l.contains("] (main) "));
            let marked = block
                .marker
                .as_deref()
                .is_some_and(|m| m.starts_with("console: "));
            assert!(
                !looks_like_log || marked,
                "{}: a log block without a `<!-- console: CRATE SCENARIO -->` marker",
                path.display()
            );
        }
    }
}

/// The lines with the name of every runtime thread, `(worker-N)` or
/// `(blocking-N)`, replaced by `(runtime thread)`.
pub fn any_runtime_thread(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            let mut out = line.clone();
            for prefix in ["(worker-", "(blocking-"] {
                let Some((before, after)) = out.split_once(prefix) else {
                    continue;
                };
                if let Some((n, rest)) = after.split_once(')') {
                    if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                        out = format!("{before}(runtime thread){rest}");
                    }
                }
            }
            out
        })
        .collect()
}

/// `STATUS CONTENT-TYPE` for the three files the walkthrough fetches.
fn responses(bin: &str) -> Vec<String> {
    let server = Server::start(bin, &[]);
    ["index.html", "index.css", "logo.png"]
        .iter()
        .map(|file| {
            let reply = server.get(&format!("/{file}"));
            let kind = reply.header("Content-Type").unwrap_or("(none)");
            format!("{} {kind}", reply.status)
        })
        .collect()
}

/// Runs `bin` through a walkthrough scenario, then Ctrl+C; returns its log.
///
/// - `files`: GET `index.html`, `index.css`, `logo.png`, one after another.
/// - `two-clients`: what `cargo run -p lesson-demo -- two-clients` does.
///   Client A connects and sends nothing; client B connects and sends
///   `GET /index.html`; then A sends the same request. A threaded chapter
///   answers B while A is silent; a sequential one reads from A until A has
///   sent, so B is accepted only after A. Each step waits for the server's
///   log, so the order of the lines is the one the guide shows.
///
/// `args` go to the server: `--max-workers 1` makes the pool's only worker
/// busy with A, so that B is accepted but waits for that worker.
pub fn run_scenario(bin: &str, krate: &str, scenario: &str, args: &[&str]) -> Vec<String> {
    let mode = if !is_threaded(krate) {
        Mode::OneAtATime
    } else if args.windows(2).any(|w| w == ["--max-workers", "1"]) {
        Mode::OneWorker
    } else {
        Mode::Parallel
    };
    let mut server = Server::start(bin, &with_patient_timeouts(args));
    let wait = HANG_GUARD;
    match scenario {
        "files" => {
            for file in ["index.html", "index.css", "logo.png"] {
                assert_eq!(server.get(&format!("/{file}")).status, 200, "{file}");
            }
        }
        "two-clients" => two_clients(&server, mode, wait),
        other => panic!("unknown walkthrough scenario {other:?}"),
    }
    server.signal("INT");
    let status = server.wait_exit(wait).expect("exits after Ctrl+C");
    assert!(status.success(), "exit status after Ctrl+C: {status}");
    server.wait_for_log("サーバーを停止します。", HANG_GUARD);
    server.log()
}

/// How long a docs test waits for something the server is sure to do: a
/// guard against a hang, never a measure of speed, so a busy machine only
/// makes the test slower.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// `args` with the read and request timeouts raised to minutes: in the
/// scenarios client A stays silent on purpose, and on a stalled machine its
/// few hundred milliseconds could stretch past the default 5 s, which would
/// add a line the page does not show. No log line shows the timeouts.
fn with_patient_timeouts<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--read-timeout", "600", "--request-timeout", "600"]);
    all
}

/// How a chapter serves the `two-clients` scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// A sequential chapter: B is accepted only after A is answered.
    OneAtATime,
    /// A thread per client, or a pool with room: B is answered while A is silent.
    Parallel,
    /// A pool of one: B is accepted, then waits for the worker A holds.
    OneWorker,
}

/// The `two-clients` scenario; see [`run_scenario`].
fn two_clients(server: &Server, mode: Mode, wait: Duration) {
    let mut a = server.connect();
    let a_addr = a.local_addr().expect("A's address");
    server.wait_for_log(&format!("remote_address: {a_addr} "), wait);
    let mut b = server.connect();
    let b_addr = b.local_addr().expect("B's address");
    match mode {
        Mode::Parallel => {
            b.write_all(request("GET", "/index.html").as_bytes())
                .expect("B sends");
            // B is answered while A is still silent.
            let reply = read_all(&mut b);
            assert!(reply.starts_with(b"HTTP/1.1 200"), "B was not answered");
            server.wait_for_log(&format!("通信を終了します remote_address: {b_addr} "), wait);
            wait_for_count(server, "接続を待ちます", 3, wait);
        }
        Mode::OneAtATime => {
            b.write_all(request("GET", "/index.html").as_bytes())
                .expect("B sends");
            // The server is still reading from A: B has not even been
            // accepted. A pause cannot make this fail on a slow machine; it
            // only gives a wrong (parallel) server time to show itself.
            thread::sleep(Duration::from_millis(200));
            let log = server.log();
            assert!(
                !log.iter().any(|l| l.contains(&b_addr.to_string())),
                "a sequential chapter accepted B while A was silent:\n{}",
                log.join("\n")
            );
        }
        Mode::OneWorker => {
            b.write_all(request("GET", "/index.html").as_bytes())
                .expect("B sends");
            // B is accepted, but the loop then waits in `submit` for the
            // worker A holds: no third "waiting" line, no answer for B.
            server.wait_for_log(&format!("remote_address: {b_addr} "), wait);
            // As above: a pause that only a wrong server can fail.
            thread::sleep(Duration::from_millis(200));
            let log = server.log();
            assert_eq!(
                log.iter().filter(|l| l.contains("接続を待ちます")).count(),
                2,
                "the accept loop went on while the only worker was busy:\n{}",
                log.join("\n")
            );
            assert!(
                !log.iter().any(|l| l.contains("通信を終了します")),
                "a client was answered while the only worker was held by A:\n{}",
                log.join("\n")
            );
        }
    }
    a.write_all(request("GET", "/index.html").as_bytes())
        .expect("A sends");
    let reply = read_all(&mut a);
    assert!(reply.starts_with(b"HTTP/1.1 200"), "A was not answered");
    match mode {
        Mode::Parallel => {
            server.wait_for_log(&format!("通信を終了します remote_address: {a_addr} "), wait);
        }
        Mode::OneAtATime => {
            let reply = read_all(&mut b);
            assert!(reply.starts_with(b"HTTP/1.1 200"), "B was not answered");
            wait_for_count(server, "接続を待ちます", 3, wait);
        }
        Mode::OneWorker => {
            let reply = read_all(&mut b);
            assert!(reply.starts_with(b"HTTP/1.1 200"), "B was not answered");
            server.wait_for_log(&format!("通信を終了します remote_address: {b_addr} "), wait);
            wait_for_count(server, "接続を待ちます", 3, wait);
        }
    }
}

/// The client's side of the two-client experiment, as the guide shows it,
/// against a real run of `lesson_demo::two_clients::experiment` (what
/// `cargo run -p lesson-demo -- two-clients` runs) on `krate`'s server.
///
/// Times differ from run to run, so every time is replaced by `N`; the
/// event lines are compared as a set, since two of them can be stamped in
/// either order; and the last line must give the verdict this chapter earns:
/// one client at a time for the sequential chapters and a pool of one,
/// parallel otherwise.
///
/// A server that serves one client at a time cannot answer B while A is
/// silent, however slow the machine: one run says so. A parallel server
/// answers B at once, but a stalled machine may take longer than A's
/// silence; then the experiment is run again with A silent for longer (the
/// server's timeouts are raised to match), and only a server that never
/// answers B first fails.
pub fn client_block_matches(
    bin: &str,
    krate: &str,
    args: &[&str],
    ja: bool,
    page: &Path,
    shown: &[String],
) {
    let server = Server::start(bin, &with_patient_timeouts(args));
    let one_at_a_time = !is_threaded(krate) || args.windows(2).any(|w| w == ["--max-workers", "1"]);
    let target = checker::Target::from_addr(server.addr);
    let holds = [300, 2_000, 10_000].map(Duration::from_millis);
    let mut real = Vec::new();
    for (round, hold) in holds.iter().enumerate() {
        real.clear();
        let outcome =
            lesson_demo::two_clients::experiment(&target, "/index.html", *hold, ja, &mut |line| {
                real.push(line)
            })
            .unwrap_or_else(|err| panic!("two-clients against {krate}: {err:?}"));
        // Parallel: B answered while A was silent; one at a time: not.
        if outcome.b_answered_while_a_silent != one_at_a_time {
            break;
        }
        // A one-at-a-time server that answered B first, or a parallel one
        // that did not within the longest silence, is wrong.
        assert!(
            !one_at_a_time && round + 1 < holds.len(),
            "two-clients against {krate} {args:?}: B {} while A was silent:\n{}",
            if one_at_a_time {
                "was answered"
            } else {
                "was never answered"
            },
            real.join("\n")
        );
    }
    // Times (`3000.6 ms`, `3.0 秒`) become `N`; status codes stay.
    let numbers_out = |line: &str| -> String {
        let mut out = String::new();
        let mut run = String::new();
        for c in line.chars().chain(['\n']) {
            if c.is_ascii_digit() || (c == '.' && !run.is_empty()) {
                run.push(c);
                continue;
            }
            if run.contains('.') {
                out.push('N');
            } else {
                out.push_str(&run);
            }
            run.clear();
            out.push(c);
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    // The block is: a header line, the event lines, the verdict.
    assert!(
        shown.len() >= 3,
        "{}: the two-clients block is too short",
        page.display()
    );
    let events_shown: BTreeSet<String> = shown[1..shown.len() - 1]
        .iter()
        .map(|l| numbers_out(l))
        .collect();
    let events_real: BTreeSet<String> = real.iter().map(|l| numbers_out(l)).collect();
    assert_eq!(
        events_shown,
        events_real,
        "{}: the two-clients block for {krate} differs from a real run:\n{}",
        page.display(),
        real.join("\n")
    );
    let verdict = &shown[shown.len() - 1];
    let expected = match (ja, one_at_a_time) {
        (true, true) => "クライアントを 1 個ずつ",
        (true, false) => "並列",
        (false, true) => "one at a time",
        (false, false) => "parallel",
    };
    assert!(
        verdict.contains(expected),
        "{}: the two-clients block for {krate} should end with the verdict {expected:?}: {verdict}",
        page.display()
    );
}

/// Everything the server sends until it closes.
fn read_all(stream: &mut TcpStream) -> Vec<u8> {
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("read the reply");
    reply
}

/// Waits until `count` log lines contain `needle`.
fn wait_for_count(server: &Server, needle: &str, count: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let log = server.log();
        if log.iter().filter(|l| l.contains(needle)).count() >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "fewer than {count} lines with {needle:?}; log:\n{}",
            log.join("\n")
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Compares a console block with a real log, both normalised; with
/// `swap_allowed`, the real log may differ by one swap of two adjacent lines
/// written by different threads.
fn compare_logs(
    page: &Path,
    scenario: &str,
    shown: &[String],
    real: &[String],
    swap_allowed: bool,
) {
    let shown = normalise(shown);
    let real_lines = normalise(real);
    if swap_allowed && shown.len() == real_lines.len() {
        let thread = |line: &str| line.split(") ").next().unwrap_or_default().to_owned();
        for i in 1..real_lines.len() {
            let mut swapped = real_lines.clone();
            swapped.swap(i - 1, i);
            if swapped == shown && thread(&shown[i - 1]) != thread(&shown[i]) {
                return;
            }
        }
    }
    assert_eq!(
        shown,
        real_lines,
        "{}: the {scenario} console block differs from a real run.\nreal log:\n{}",
        page.display(),
        real.join("\n")
    );
}

/// Replaces what changes from run to run: the `HH:MM:SS` time becomes `TIME`,
/// each distinct `127.0.0.1:PORT` becomes `ADDR1`, `ADDR2`, ... and each
/// distinct `worker-N` becomes `POOL1`, ... in order of first appearance.
/// Everything else, thread names included, is kept.
pub fn normalise(lines: &[String]) -> Vec<String> {
    let mut addrs: Vec<String> = Vec::new();
    let mut workers: Vec<String> = Vec::new();
    lines
        .iter()
        .map(|line| {
            let line = match line.get(..9) {
                Some(time) if is_time(time) => format!("TIME {}", &line[9..]),
                _ => line.clone(),
            };
            let line = replace_numbered(&line, "127.0.0.1:", "ADDR", &mut addrs);
            replace_numbered(&line, "worker-", "POOL", &mut workers)
        })
        .collect()
}

fn is_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 9
        && bytes[8] == b' '
        && [2, 5].iter().all(|&i| bytes[i] == b':')
        && [0, 1, 3, 4, 6, 7]
            .iter()
            .all(|&i| bytes[i].is_ascii_digit())
}

/// Replaces each `PREFIX<digits>` by `NAME<k>`, `k` numbering distinct values.
fn replace_numbered(line: &str, prefix: &str, name: &str, seen: &mut Vec<String>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            out.push_str(&rest[..at + prefix.len()]);
            rest = after;
            continue;
        }
        let value = &after[..digits];
        let index = match seen.iter().position(|v| v == value) {
            Some(i) => i,
            None => {
                seen.push(value.to_owned());
                seen.len() - 1
            }
        };
        out.push_str(&rest[..at]);
        out.push_str(&format!("{name}{}", index + 1));
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// One row of the guide's options table.
#[derive(Debug, PartialEq)]
pub struct OptionRow {
    /// e.g. `--host`.
    pub name: String,
    /// The default if the table gives it as code (`` `8080` ``); `None` for prose.
    pub default: Option<String>,
    /// The crates the row is limited to (crate names in its last cell); empty = all.
    pub only_in: Vec<String>,
}

/// The rows of the table after `<!-- options table ... -->` in `markdown`.
pub fn options_table(markdown: &str) -> Vec<OptionRow> {
    let mut lines = markdown
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("<!-- options table"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('|'))
        .skip(2); // header and separator
    let mut rows = Vec::new();
    for line in lines.by_ref() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        assert!(cells.len() >= 3, "options row with too few cells: {line}");
        let name = code_spans(cells[0])
            .first()
            .and_then(|c| c.split_whitespace().next())
            .unwrap_or_else(|| panic!("no option name in {line}"))
            .to_owned();
        let default_cell = strip_comments(cells[1]);
        let spans = code_spans(&default_cell);
        let default = match spans.as_slice() {
            [only] if default_cell.trim() == format!("`{only}`") => Some(only.clone()),
            _ => None,
        };
        let only_in = code_spans(cells[2])
            .into_iter()
            .filter(|c| c.starts_with("chapter"))
            .collect();
        rows.push(OptionRow {
            name,
            default,
            only_in,
        });
    }
    rows
}

fn code_spans(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("<!--") {
        out.push_str(&rest[..at]);
        rest = rest[at..].split_once("-->").map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// The long options in clap's `--help` output with their `[default: …]`, if
/// any; `--help` and `--version` left out.
pub fn help_options(help: &str) -> Vec<(String, Option<String>)> {
    let mut options: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') && line.starts_with(' ') {
            let name = trimmed
                .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
                .find(|word| word.starts_with("--"))
                .unwrap_or_default()
                .to_owned();
            options.push((name, trimmed.to_owned()));
        } else if let Some((_, text)) = options.last_mut() {
            // clap wraps long help onto indented continuation lines.
            text.push(' ');
            text.push_str(trimmed);
        }
    }
    options
        .into_iter()
        .filter(|(name, _)| !name.is_empty() && name != "--help" && name != "--version")
        .map(|(name, text)| {
            let default = text
                .split_once("[default: ")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(value, _)| value.to_owned());
            (name, default)
        })
        .collect()
}

/// The options table in both languages matches `bin --help`: the same option
/// names, the table's literal defaults equal clap's `[default: …]`, options
/// limited to other crates absent; and a `<!-- help: CRATE -->` block, if a
/// page shows one, equals the output exactly.
pub fn options_match_help(bin: &str, krate: &str) {
    let output = Command::new(bin)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(
        output.status.success(),
        "--help exits with {}",
        output.status
    );
    let help = String::from_utf8(output.stdout).expect("--help is UTF-8");
    let real: BTreeMap<String, Option<String>> = help_options(&help).into_iter().collect();
    let root = workspace_root();
    for lang in ["ja", "en"] {
        let page = root.join("docs").join(lang).join("operations.md");
        let text = fs::read_to_string(&page).expect("operations.md");
        let rows = options_table(&text);
        assert!(
            rows.len() >= 5,
            "{}: options table not found",
            page.display()
        );
        for row in &rows {
            let applies = row.only_in.is_empty() || row.only_in.iter().any(|c| c == krate);
            match (applies, real.get(&row.name)) {
                (true, None) => panic!(
                    "{}: {} is in the table but not in {krate} --help:\n{help}",
                    page.display(),
                    row.name
                ),
                (false, Some(_)) => panic!(
                    "{}: {} is only for {:?}, but {krate} --help has it",
                    page.display(),
                    row.name,
                    row.only_in
                ),
                (true, Some(default)) => {
                    if let Some(shown) = &row.default {
                        assert_eq!(
                            Some(shown),
                            default.as_ref(),
                            "{}: the default of {} differs from {krate} --help:\n{help}",
                            page.display(),
                            row.name
                        );
                    }
                }
                (false, None) => {}
            }
        }
        for name in real.keys() {
            assert!(
                rows.iter().any(|row| &row.name == name),
                "{}: {krate} --help has {name}, the table does not",
                page.display()
            );
        }
    }
    for (path, text) in all_guide_pages() {
        for block in parse_page(&text).blocks {
            if block.marker.as_deref() == Some(&format!("help: {krate}")) {
                assert_eq!(
                    block.lines.join("\n"),
                    help.trim_end(),
                    "{}: the --help block differs from the binary's",
                    path.display()
                );
            }
        }
    }
}

/// The chapter pages, in the order a reader follows them.
pub const CHAPTER_PAGES: [&str; 5] = [
    "chapter12.md",
    "chapter13-refactor.md",
    "chapter13-threaded.md",
    "chapter13-threadpool.md",
    "chapter13-async.md",
];

/// The guide's page `name` in `lang` (`ja` or `en`).
fn guide_page(lang: &str, name: &str) -> String {
    let path = workspace_root().join("docs").join(lang).join(name);
    fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

/// The text of a workspace file.
fn workspace_file(path: &str) -> String {
    let full = workspace_root().join(path);
    fs::read_to_string(&full).unwrap_or_else(|err| panic!("read {}: {err}", full.display()))
}

/// The lines of a workspace file, as `wc -l` counts them.
pub fn line_count(path: &str) -> usize {
    workspace_file(path).lines().count()
}

/// Lines added and removed per file in a generated diff, `diffs/STEP.diff`,
/// keyed by the file name after `+++ ` (e.g. `chapter13-threaded/src/worker.rs`).
pub fn diff_counts(step: &str) -> BTreeMap<String, (usize, usize)> {
    let text = workspace_file(&format!("diffs/{step}.diff"));
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut file = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("+++ ") {
            name.clone_into(&mut file);
            counts.entry(file.clone()).or_default();
        } else if line.starts_with("--- ") || line.starts_with('#') {
            continue;
        } else if line.starts_with('+') {
            counts.entry(file.clone()).or_default().0 += 1;
        } else if line.starts_with('-') {
            counts.entry(file.clone()).or_default().1 += 1;
        }
    }
    counts
}

/// A Markdown table: its header cells and its rows, cells trimmed.
#[derive(Debug, PartialEq)]
pub struct Table {
    /// The header row.
    pub header: Vec<String>,
    /// The body rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The cell in the row whose first cell is `row`, under the header `column`.
    pub fn cell(&self, row: &str, column: &str) -> &str {
        let col = self
            .header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column:?} in {:?}", self.header));
        let found = self
            .rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == row))
            .unwrap_or_else(|| panic!("no row {row:?} in the table {:?}", self.header));
        &found[col]
    }
}

/// The table of `markdown` whose header row starts with `| first |`.
pub fn table(markdown: &str, first: &str) -> Table {
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let mut lines = markdown
        .lines()
        .skip_while(|l| cells(l).first().is_none_or(|c| c != first) || !l.starts_with('|'));
    let header = cells(
        lines
            .next()
            .unwrap_or_else(|| panic!("no table starting with {first:?}")),
    );
    let rows = lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(cells)
        .collect();
    Table { header, rows }
}

/// Where a number quoted in the guide comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// The line count of a workspace file.
    Lines(&'static str),
    /// Lines added to FILE in `diffs/STEP.diff`: (STEP, FILE).
    Added(&'static str, &'static str),
    /// Lines removed from FILE in `diffs/STEP.diff`: (STEP, FILE).
    Removed(&'static str, &'static str),
    /// Lines added plus removed, all files, in `diffs/STEP.diff`.
    Changed(&'static str),
    /// Lines added plus removed in one file of `diffs/STEP.diff`: (STEP, FILE).
    ChangedIn(&'static str, &'static str),
    /// Lines of FILE that `diffs/STEP.diff` shows unchanged (its length less
    /// the lines added): (STEP, FILE), FILE being also its workspace path.
    Kept(&'static str, &'static str),
    /// A cell of a table in a guide page of the same language:
    /// (page, first header cell, row, column).
    Cell(&'static str, &'static str, &'static str, &'static str),
    /// The text between two markers in a workspace file: (path, before, after).
    Code(&'static str, &'static str, &'static str),
}

impl Source {
    /// The value, as the guide writes it.
    pub fn value(self, lang: &str) -> String {
        match self {
            Source::Lines(path) => line_count(path).to_string(),
            Source::Added(step, file) => diff_file(step, file).0.to_string(),
            Source::Removed(step, file) => diff_file(step, file).1.to_string(),
            Source::ChangedIn(step, file) => {
                let (added, removed) = diff_file(step, file);
                (added + removed).to_string()
            }
            Source::Kept(step, file) => (line_count(file) - diff_file(step, file).0).to_string(),
            Source::Changed(step) => diff_counts(step)
                .values()
                .map(|(added, removed)| added + removed)
                .sum::<usize>()
                .to_string(),
            Source::Cell(page, first, row, column) => table(&guide_page(lang, page), first)
                .cell(row, column)
                .to_owned(),
            Source::Code(path, before, after) => {
                let text = workspace_file(path);
                let start = text
                    .find(before)
                    .unwrap_or_else(|| panic!("{path}: {before:?} not found"))
                    + before.len();
                let len = text[start..]
                    .find(after)
                    .unwrap_or_else(|| panic!("{path}: {after:?} not found after {before:?}"));
                text[start..start + len].to_owned()
            }
        }
    }
}

fn diff_file(step: &str, file: &str) -> (usize, usize) {
    *diff_counts(step)
        .get(file)
        .unwrap_or_else(|| panic!("diffs/{step}.diff has no file {file}"))
}

/// A sentence of the guide that quotes numbers: `{}` in `ja` and `en` stands
/// for each value of `sources`, in order.
#[derive(Debug, Clone, Copy)]
pub struct Quote {
    /// The page, in both `docs/ja/` and `docs/en/`.
    pub page: &'static str,
    /// The Japanese words around the numbers.
    pub ja: &'static str,
    /// The English words around the numbers.
    pub en: &'static str,
    /// Where each number comes from.
    pub sources: &'static [Source],
}

const STEP_REFACTOR: &str = "chapter12-sequential..chapter13-refactor";
const STEP_THREADED: &str = "chapter13-refactor..chapter13-threaded";
const STEP_POOL: &str = "chapter13-threaded..chapter13-threadpool";
const STEP_ASYNC: &str = "chapter13-threaded..chapter13-async";
const BENCH: &str = "server";
const DEMO: &str = "chapter";

/// Every number the guide quotes from the code, the diffs or a table.
pub const QUOTES: &[Quote] = &[
    Quote {
        page: "chapter13-refactor.md",
        ja: "変更は {} 行（追加 {}、削除 {}）",
        en: "{} changed lines (+{} −{})",
        sources: &[
            Source::Changed(STEP_REFACTOR),
            Source::Added(STEP_REFACTOR, "chapter13-refactor/src/main.rs"),
            Source::Removed(STEP_REFACTOR, "chapter13-refactor/src/main.rs"),
        ],
    },
    Quote {
        page: "chapter13-threaded.md",
        ja: "変更は {} 行で、`main.rs` が追加 {}・削除 {}、新しい `worker.rs`（{} 行）の追加 {} 行です",
        en: "{} changed lines: `main.rs` +{} −{}, and the new `worker.rs` ({} lines), {} of them added",
        sources: &[
            Source::Changed(STEP_THREADED),
            Source::Added(STEP_THREADED, "chapter13-threaded/src/main.rs"),
            Source::Removed(STEP_THREADED, "chapter13-threaded/src/main.rs"),
            Source::Lines("chapter13-threaded/src/worker.rs"),
            Source::Added(STEP_THREADED, "chapter13-threaded/src/worker.rs"),
        ],
    },
    Quote {
        page: "chapter13-threaded.md",
        ja: "残りの {} 行は",
        en: "its other {} lines",
        sources: &[Source::Kept(
            STEP_THREADED,
            "chapter13-threaded/src/worker.rs",
        )],
    },
    Quote {
        page: "chapter13-threadpool.md",
        ja: "`main.rs` の変更は {} 行（追加 {}・削除 {}）、新しい `pool.rs` は {} 行",
        en: "`main.rs`: {} changed lines, +{} −{}; plus the new `pool.rs`, {} lines",
        sources: &[
            Source::ChangedIn(STEP_POOL, "chapter13-threadpool/src/main.rs"),
            Source::Added(STEP_POOL, "chapter13-threadpool/src/main.rs"),
            Source::Removed(STEP_POOL, "chapter13-threadpool/src/main.rs"),
            Source::Lines("chapter13-threadpool/src/pool.rs"),
        ],
    },
    Quote {
        page: "chapter13-threadpool.md",
        ja: "既定値 {} は計測して決めました",
        en: "The default of `--max-workers`, {}, was chosen by measurement",
        sources: &[Source::Code(
            "chapter13-threadpool/src/main.rs",
            ".default_value(\"",
            "\")",
        )],
    },
    Quote {
        page: "chapter13-async.md",
        ja: "変更は {} 行で、`main.rs` が追加 {}・削除 {}、`worker.rs` が追加 {}・削除 {}",
        en: "{} changed lines: `main.rs` +{} −{}, `worker.rs` +{} −{}",
        sources: &[
            Source::Changed(STEP_ASYNC),
            Source::Added(STEP_ASYNC, "chapter13-async/src/main.rs"),
            Source::Removed(STEP_ASYNC, "chapter13-async/src/main.rs"),
            Source::Added(STEP_ASYNC, "chapter13-async/src/worker.rs"),
            Source::Removed(STEP_ASYNC, "chapter13-async/src/worker.rs"),
        ],
    },
    Quote {
        page: "chapter13-threaded.md",
        ja: "A の 1 秒あたりのリクエスト数は {} で、逐次処理のステップ（{}）の半分にも届きません",
        en: "serves {} requests a second in A, not half of the sequential step's {}",
        sources: &[
            Source::Cell(
                "performance.md",
                BENCH,
                "chapter13-threaded-warn",
                "A req/s",
            ),
            Source::Cell(
                "performance.md",
                BENCH,
                "chapter12-sequential-warn",
                "A req/s",
            ),
        ],
    },
    Quote {
        page: "performance.md",
        ja: "（1 秒あたり {} 倍）",
        en: "for a small file ({}×)",
        sources: &[Source::Cell(
            "performance.md",
            BENCH,
            "chapter12-sequential-warn",
            "A × nginx",
        )],
    },
    Quote {
        page: "performance.md",
        ja: "`chapter13-threaded` の A は nginx の {} 倍",
        en: "`chapter13-threaded` serves {}× nginx's rate in A",
        sources: &[Source::Cell(
            "performance.md",
            BENCH,
            "chapter13-threaded-warn",
            "A × nginx",
        )],
    },
    Quote {
        page: "performance.md",
        ja: "A で nginx の {} 倍、エラーも listen キューのあふれもなく（E）、D のピークメモリは {} MiB",
        en: "reaches {}× nginx in A, with no errors and no listen-queue overflow in E; its peak memory in D is {} MiB",
        sources: &[
            Source::Cell(
                "performance.md",
                BENCH,
                "chapter13-threadpool-warn",
                "A × nginx",
            ),
            Source::Cell(
                "performance.md",
                BENCH,
                "chapter13-threadpool-warn",
                "D peak RSS MiB",
            ),
        ],
    },
    Quote {
        page: "performance.md",
        ja: "プール版を `--max-workers {}`",
        en: "the pool with `--max-workers {}`",
        sources: &[Source::Cell(
            "performance.md",
            DEMO,
            "chapter13-threadpool",
            "serving threads",
        )],
    },
];

/// Whitespace removed: a quote may be wrapped onto several lines.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of `quote` in `lang` with its numbers filled in from their sources.
pub fn expected_quote(quote: &Quote, lang: &str) -> String {
    let pattern = if lang == "ja" { quote.ja } else { quote.en };
    let mut out = String::new();
    let mut parts = pattern.split("{}");
    out.push_str(parts.next().unwrap_or_default());
    let mut sources = quote.sources.iter();
    for part in parts {
        let source = sources
            .next()
            .unwrap_or_else(|| panic!("{pattern:?}: more {{}} than sources"));
        out.push_str(&source.value(lang));
        out.push_str(part);
    }
    assert!(
        sources.next().is_none(),
        "{pattern:?}: more sources than {{}}"
    );
    out
}

/// Each of [`QUOTES`] is on its page, in both languages, with the numbers the
/// code, the diffs and the tables give today.
pub fn quoted_numbers_match() {
    let mut wrong = Vec::new();
    for quote in QUOTES {
        for lang in ["ja", "en"] {
            let expected = expected_quote(quote, lang);
            if !squeeze(&guide_page(lang, quote.page)).contains(&squeeze(&expected)) {
                wrong.push(format!("docs/{lang}/{}: expected {expected:?}", quote.page));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the guide quotes numbers that its sources no longer give (or the sentence changed):\n{}",
        wrong.join("\n")
    );
}

/// Numbers written just before `unit` in `text` (e.g. `0.92` in `0.92 倍`),
/// with the line each comes from.
pub fn numbers_before<'a>(text: &'a str, unit: &str) -> Vec<(String, &'a str)> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find(unit) {
            let before = rest[..at].trim_end();
            let digits: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if digits.chars().any(|c| c.is_ascii_digit()) {
                found.push((digits, line));
            }
            rest = &rest[at + unit.len()..];
        }
    }
    found
}

/// In `performance.md`, every ratio to nginx written in the prose (`0.92 倍`,
/// `0.92×`) is one the throughput table shows; the two languages show the
/// same tables; a time in µs that a chapter page quotes is one performance.md
/// gives; and `chapter13-threaded.md`'s "less than half of the sequential
/// step" holds.
pub fn table_figures_match() {
    let mut wrong = Vec::new();
    let mut tables = Vec::new();
    for (lang, unit) in [("ja", "倍"), ("en", "×")] {
        let text = guide_page(lang, "performance.md");
        let bench = table(&text, BENCH);
        let ratios: BTreeSet<&str> = bench
            .rows
            .iter()
            .flat_map(|row| {
                bench
                    .header
                    .iter()
                    .zip(row)
                    .filter(|(h, _)| h.contains("× nginx"))
                    .map(|(_, c)| c.as_str())
            })
            .filter(|c| !c.is_empty())
            .collect();
        let prose: String = text
            .lines()
            .filter(|l| !l.starts_with('|'))
            .collect::<Vec<_>>()
            .join("\n");
        for (number, line) in numbers_before(&prose, unit) {
            if !ratios.contains(number.as_str()) {
                wrong.push(format!(
                    "docs/{lang}/performance.md: {number}{unit} is not in the table: {line}"
                ));
            }
        }
        for level in ["info", "warn"] {
            let rate = |step: &str| -> f64 {
                bench
                    .cell(&format!("{step}-{level}"), "A req/s")
                    .parse()
                    .expect("a rate is a number")
            };
            let (threaded, sequential) = (rate("chapter13-threaded"), rate("chapter12-sequential"));
            assert!(
                threaded < 0.5 * sequential,
                "docs/{lang}/chapter13-threaded.md says the threaded step serves less than half \
                 the sequential step's rate, but performance.md's table gives {threaded} against \
                 {sequential} ({level})"
            );
        }
        for page in CHAPTER_PAGES {
            for (number, line) in numbers_before(&guide_page(lang, page), " µs") {
                if !numbers_before(&prose, " µs")
                    .iter()
                    .any(|(n, _)| *n == number)
                {
                    wrong.push(format!(
                        "docs/{lang}/{page}: {number} µs is not what performance.md gives: {line}"
                    ));
                }
            }
        }
        tables.push((bench, table(&text, DEMO)));
    }
    assert_eq!(
        tables[0], tables[1],
        "performance.md: the tables differ between docs/ja and docs/en"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every code block marked `<!-- from: PATH -->` occurs in that file, line
/// for line (indentation aside), so that a snippet a reader copies is the
/// real code.
pub fn snippets_occur_in_the_source() {
    let mut checked = 0;
    for (path, text) in all_guide_pages() {
        for block in parse_page(&text).blocks {
            let Some(source) = block
                .marker
                .as_deref()
                .and_then(|m| m.strip_prefix("from: "))
            else {
                continue;
            };
            checked += 1;
            let code: Vec<String> = workspace_file(source)
                .lines()
                .map(|l| l.trim().to_owned())
                .collect();
            let shown: Vec<String> = block.lines.iter().map(|l| l.trim().to_owned()).collect();
            assert!(
                !shown.is_empty() && code.windows(shown.len()).any(|w| w == shown.as_slice()),
                "{}: the snippet marked `from: {source}` is not in that file:\n{}",
                path.display(),
                block.lines.join("\n")
            );
        }
    }
    assert!(checked > 0, "no snippet is marked `<!-- from: PATH -->`");
}

/// Every Rust source file of the chapters and of `common`, as one text per file.
fn chapter_sources() -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let mut sources = Vec::new();
    for krate in [
        "chapter12-sequential",
        "chapter13-refactor",
        "chapter13-threaded",
        "chapter13-threadpool",
        "chapter13-async",
        "common",
    ] {
        let dir = root.join(krate).join("src");
        for entry in fs::read_dir(&dir).expect("src folder") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|ext| ext == "rs") {
                let text = fs::read_to_string(&path).expect("source is UTF-8");
                sources.push((path, text));
            }
        }
    }
    sources
}

/// In the chapter pages and `compiler-errors.md`, every inline code span that
/// starts with `let `, or with `fn NAME(` for a function the code has, and
/// elides nothing (`...`, `…`) is a fragment of the chapters' or `common`'s
/// source: the guide cannot give a signature the code does not have.
pub fn quoted_signatures_occur_in_the_source() {
    let sources: Vec<String> = chapter_sources()
        .into_iter()
        .map(|(_, text)| squeeze(&text))
        .collect();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for lang in ["ja", "en"] {
        for name in CHAPTER_PAGES.iter().chain(&["compiler-errors.md"]) {
            let text = guide_page(lang, name);
            let mut in_block = false;
            for line in text.lines() {
                if line.trim_start().starts_with("```") {
                    in_block = !in_block;
                }
                if in_block {
                    continue;
                }
                for span in code_spans(line) {
                    // A generic form (`fn name(arg: Type)`) names no real function.
                    let real_fn = span.strip_prefix("fn ").is_some_and(|rest| {
                        let name = rest.split('(').next().unwrap_or_default();
                        sources.iter().any(|s| s.contains(&format!("fn{name}(")))
                    });
                    let quoted = real_fn || span.starts_with("let ");
                    if !quoted || span.contains("...") || span.contains('…') {
                        continue;
                    }
                    checked += 1;
                    if !sources.iter().any(|s| s.contains(&squeeze(&span))) {
                        wrong.push(format!("docs/{lang}/{name}: `{span}`"));
                    }
                }
            }
        }
    }
    assert!(checked > 0, "no signature quoted");
    assert!(
        wrong.is_empty(),
        "code quoted in the guide that the chapters' source does not have:\n{}",
        wrong.join("\n")
    );
}

/// Each chapter page links to the pages before and after it and to the index,
/// has its "Rust you meet here" section, and links the official Rust book in
/// its own language (the Japanese translation from `docs/ja`).
pub fn chapter_pages_are_linked() {
    for lang in ["ja", "en"] {
        let (box_title, book, other_book) = if lang == "ja" {
            (
                "## このステップで初めて出る Rust",
                "https://doc.rust-jp.rs/book-ja/",
                "https://doc.rust-lang.org/book/",
            )
        } else {
            (
                "## Rust you meet here",
                "https://doc.rust-lang.org/book/",
                "https://doc.rust-jp.rs/book-ja/",
            )
        };
        for (i, name) in CHAPTER_PAGES.iter().enumerate() {
            let text = guide_page(lang, name);
            let targets = link_targets(&text);
            let mut wanted = vec!["README.md", "python-to-rust.md"];
            if i > 0 {
                wanted.push(CHAPTER_PAGES[i - 1]);
            }
            if let Some(next) = CHAPTER_PAGES.get(i + 1) {
                wanted.push(next);
            }
            for target in wanted {
                assert!(
                    targets.iter().any(|t| t == target),
                    "docs/{lang}/{name} does not link to {target}"
                );
            }
            assert!(
                text.lines().any(|l| l == box_title),
                "docs/{lang}/{name} has no {box_title:?} section"
            );
            assert!(
                targets.iter().any(|t| t.starts_with(book)),
                "docs/{lang}/{name} does not link the Rust book at {book}"
            );
        }
        for (_, text) in pages_in(&workspace_root().join("docs").join(lang)) {
            assert!(
                !text.contains(other_book),
                "docs/{lang} links the Rust book in the other language ({other_book})"
            );
        }
    }
}

/// The most characters each step page's main path may have in `docs/ja`:
/// 1.5 times the book's matching section (chapter 12 about 6,400, the
/// refactor section 1,500, the threading section with 「動かしてみる」 2,900),
/// and 6,000 for the two steps the book has no section for.
pub const MAIN_PATH_LIMITS: [(&str, usize); 5] = [
    ("chapter12.md", 9_600),
    ("chapter13-refactor.md", 3_000),
    ("chapter13-threaded.md", 4_500),
    ("chapter13-threadpool.md", 6_000),
    ("chapter13-async.md", 6_000),
];

/// How a column's summary starts, by language: the book's `:::details
/// コラム: …`.
pub fn column_prefix(lang: &str) -> &'static str {
    if lang == "ja" {
        "コラム: "
    } else {
        "Column: "
    }
}

/// One folded block of a page: `<details><summary>コラム: TITLE</summary>`,
/// a blank line, its Markdown, a blank line, `</details>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The line of `<details>`, counted from 1.
    pub line: usize,
    /// The summary, the prefix included.
    pub title: String,
}

/// The columns of a page, in order, or what is wrong with one: a summary
/// not on the `<details>` line or without `prefix`, Markdown code in the
/// summary (GitHub renders HTML there, not Markdown), no blank line after it
/// or before `</details>` (GitHub then shows the Markdown inside as text),
/// a column inside a column, or one never closed.
pub fn columns(markdown: &str, prefix: &str) -> Result<Vec<Column>, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut found = Vec::new();
    let mut open: Option<usize> = None;
    let mut in_block = false;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let n = i + 1;
        if trimmed.starts_with("<details") {
            if let Some(at) = open {
                return Err(format!("line {n}: a column inside the column of line {at}"));
            }
            let title = trimmed
                .strip_prefix("<details><summary>")
                .and_then(|rest| rest.strip_suffix("</summary>"))
                .ok_or_else(|| {
                    format!("line {n}: write `<details><summary>{prefix}…</summary>` on one line")
                })?;
            if !title.starts_with(prefix) || title.len() == prefix.len() {
                return Err(format!("line {n}: the summary must read `{prefix}TITLE`"));
            }
            if title.contains('`') {
                return Err(format!(
                    "line {n}: GitHub shows a summary's Markdown as it is: write <code>…</code>"
                ));
            }
            if lines.get(i + 1).is_none_or(|next| !next.trim().is_empty()) {
                return Err(format!("line {n}: leave a blank line after </summary>"));
            }
            open = Some(n);
            found.push(Column {
                line: n,
                title: title.to_owned(),
            });
        } else if trimmed.starts_with("</details>") {
            if open.take().is_none() {
                return Err(format!("line {n}: </details> without <details>"));
            }
            if trimmed != "</details>" {
                return Err(format!("line {n}: put </details> on a line of its own"));
            }
            if i == 0 || !lines[i - 1].trim().is_empty() {
                return Err(format!("line {n}: leave a blank line before </details>"));
            }
        }
    }
    match open {
        Some(at) => Err(format!("line {at}: the column is never closed")),
        None => Ok(found),
    }
}

/// The main path of a page: what a reader reads without opening anything,
/// that is, the page less its fenced code blocks and its columns.
pub fn main_path(markdown: &str) -> String {
    let mut kept = Vec::new();
    let mut in_block = false;
    let mut in_column = false;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        if trimmed.starts_with("<details") {
            in_column = true;
        } else if trimmed.starts_with("</details>") {
            in_column = false;
        } else if !in_column {
            kept.push(line);
        }
    }
    kept.join("\n")
}

/// The characters of a page's main path, whitespace left out: how the
/// issue counted, so Japanese (no spaces) and English compare with the book.
/// Marker comments count too.
pub fn main_path_chars(markdown: &str) -> usize {
    main_path(markdown)
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// Each step page's main path fits [`MAIN_PATH_LIMITS`] in `docs/ja`; the
/// table of both languages is printed, the counting command being
/// `cargo test -p test-support --test main -- main_path --nocapture`.
pub fn main_paths_fit_the_books_pace() {
    let mut wrong = Vec::new();
    println!("| page | limit (ja) | ja | en |\n|---|---:|---:|---:|");
    for (page, limit) in MAIN_PATH_LIMITS {
        let ja = main_path_chars(&guide_page("ja", page));
        let en = main_path_chars(&guide_page("en", page));
        println!("| {page} | {limit} | {ja} | {en} |");
        if ja > limit {
            wrong.push(format!(
                "docs/ja/{page}: {ja} characters outside code blocks and columns, {limit} at most"
            ));
        }
    }
    assert_eq!(
        MAIN_PATH_LIMITS.map(|(page, _)| page),
        CHAPTER_PAGES,
        "every step page has a limit"
    );
    assert!(
        wrong.is_empty(),
        "fold what is not the main line into columns:\n{}",
        wrong.join("\n")
    );
}

/// Every page's columns are well formed ([`columns`]), and each page has as
/// many in `docs/ja` as in `docs/en`: a column is translated, not dropped.
pub fn columns_are_well_formed() {
    let root = workspace_root();
    let mut wrong = Vec::new();
    let mut per_lang: Vec<BTreeMap<String, usize>> = Vec::new();
    let mut total = 0;
    for lang in ["ja", "en"] {
        let mut counts = BTreeMap::new();
        for (name, text) in pages_in(&root.join("docs").join(lang)) {
            match columns(&text, column_prefix(lang)) {
                Ok(found) => {
                    total += found.len();
                    counts.insert(name, found.len());
                }
                Err(why) => wrong.push(format!("docs/{lang}/{name}: {why}")),
            }
        }
        per_lang.push(counts);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(total > 0, "the guide has no column");
    assert_eq!(
        per_lang[0], per_lang[1],
        "columns per page, docs/ja (left) and docs/en (right)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_numbers_ports_and_pool_workers_by_first_appearance() {
        let lines = [
            "00:12:30 [INFO] (worker 127.0.0.1:56250) x 127.0.0.1:56250".to_owned(),
            "23:59:59 [INFO] (worker-2) y 127.0.0.1:8080 127.0.0.1:56250".to_owned(),
        ];
        assert_eq!(
            normalise(&lines),
            [
                "TIME [INFO] (worker ADDR1) x ADDR1",
                "TIME [INFO] (POOL1) y ADDR2 ADDR1"
            ]
        );
    }

    #[test]
    fn the_main_path_leaves_out_code_and_columns() {
        let page = "# T\n\nあい う\n\n```sh\nえお\n```\n\n<details><summary>コラム: か</summary>\n\nきく\n\n</details>\n\nけ\n";
        assert_eq!(main_path_chars(page), "#Tあいうけ".chars().count());
        let found = columns(page, "コラム: ").expect("well formed");
        assert_eq!(
            found,
            [Column {
                line: 9,
                title: "コラム: か".to_owned()
            }]
        );
    }

    #[test]
    fn a_column_github_would_not_render_is_refused() {
        let cases = [
            (
                "<details><summary>コラム: a</summary>\nb\n\n</details>\n",
                "blank line after",
            ),
            (
                "<details><summary>コラム: a</summary>\n\nb\n</details>\n",
                "blank line before",
            ),
            (
                "<details>\n<summary>コラム: a</summary>\n\nb\n\n</details>\n",
                "one line",
            ),
            (
                "<details><summary>a</summary>\n\nb\n\n</details>\n",
                "must read",
            ),
            (
                "<details><summary>コラム: `a`</summary>\n\nb\n\n</details>\n",
                "<code>",
            ),
            (
                "<details><summary>コラム: a</summary>\n\nb\n",
                "never closed",
            ),
            (
                "<details><summary>コラム: a</summary>\n\n<details><summary>コラム: b</summary>\n\n</details>\n",
                "inside",
            ),
        ];
        for (page, why) in cases {
            let err = columns(page, "コラム: ").expect_err(page);
            assert!(err.contains(why), "{page:?}: {err}");
        }
        // A column shown in a code block is an example, not a column.
        assert_eq!(columns("```md\n<details>\n```\n", "コラム: "), Ok(vec![]));
    }

    #[test]
    fn any_runtime_thread_hides_which_runtime_thread_wrote() {
        let lines = [
            "T [INFO] (worker-2) === Worker: x ===".to_owned(),
            "T [INFO] (blocking-1) === Worker: x ===".to_owned(),
            "T [INFO] (main) === Server: y ===".to_owned(),
            "T [INFO] (worker 127.0.0.1:5) z".to_owned(),
        ];
        assert_eq!(
            any_runtime_thread(&lines),
            [
                "T [INFO] (runtime thread) === Worker: x ===",
                "T [INFO] (runtime thread) === Worker: x ===",
                "T [INFO] (main) === Server: y ===",
                "T [INFO] (worker 127.0.0.1:5) z",
            ]
        );
    }

    #[test]
    fn table_finds_a_cell_by_row_and_column() {
        let md = "text\n\n| server | A × nginx | E errors |\n|---|---:|---:|\n\
                  | chapter13-threadpool-warn | 0.92 | 0 |\n| nginx | 1.00 | 0 |\n\nafter";
        let bench = table(md, "server");
        assert_eq!(bench.cell("chapter13-threadpool-warn", "A × nginx"), "0.92");
        assert_eq!(bench.cell("nginx", "E errors"), "0");
        assert_eq!(bench.rows.len(), 2);
    }

    #[test]
    fn numbers_before_a_unit_are_found_with_or_without_a_space() {
        let text = "A で 0.92 倍、E で 0.99倍\n(1.26×) and 11.8 µs, 倍 alone";
        let found: Vec<String> = numbers_before(text, "倍")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, ["0.92", "0.99"]);
        let found: Vec<String> = numbers_before(text, "×")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, ["1.26"]);
        let found: Vec<String> = numbers_before(text, " µs")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, ["11.8"]);
    }

    #[test]
    fn options_table_reads_names_defaults_and_crates() {
        let md = "<!-- options table -->\n| a | b | c |\n|---|---|---|\n\
                  | `--port PORT` | `8080` | port |\n\
                  | `--static-dir DIR` | the `static/` | dir |\n\
                  | `--max-workers N` | `4` <!-- x --> | only `chapter13-threadpool` |\n\nafter";
        let rows = options_table(md);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].default.as_deref(), Some("8080"));
        assert_eq!(rows[1].default, None);
        assert_eq!(rows[2].default.as_deref(), Some("4"));
        assert_eq!(rows[2].only_in, ["chapter13-threadpool"]);
    }

    #[test]
    fn help_options_reads_clap_output() {
        let help = "Usage: x [OPTIONS]\n\nAbout.\n\nOptions:\n      --host <ADDR>\n          \
                    Address to listen on\n          [default: 127.0.0.1]\n      --port <PORT>  \
                    Port [default: 8080]\n  -h, --help  Print help\n  -V, --version  Print version\n";
        assert_eq!(
            help_options(help),
            [
                ("--host".to_owned(), Some("127.0.0.1".to_owned())),
                ("--port".to_owned(), Some("8080".to_owned()))
            ]
        );
    }
}
