//! Checks that keep the guide (`README.md`, `docs/ja/`, `docs/en/`) true: the
//! two languages have the same structure, links resolve, and every console
//! block, response list and options table matches what the binaries do.
//!
//! Markers, written as an HTML comment on the line before a fenced block:
//! - `<!-- console: CRATE SCENARIO -->`: the server's log for SCENARIO
//!   (`files` or `two-clients`, see [`run_scenario`]);
//! - `<!-- responses: CRATE -->`: `STATUS CONTENT-TYPE` for the `files` scenario;
//! - `<!-- help: CRATE -->`: the exact output of `CRATE --help`;
//! - `<!-- lang-specific -->`: a block allowed to differ between languages.
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
        .join("..")
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
            .filter(|b| b.marker.as_deref() != Some("lang-specific"))
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

/// Whether a chapter handles each client on a thread of its own.
fn is_threaded(krate: &str) -> bool {
    krate.contains("thread")
}

/// Every console and responses block naming `krate` matches a real run, and
/// there is at least one console block for it.
pub fn walkthroughs_match(bin: &str, krate: &str) {
    let mut runs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut consoles = 0;
    for (path, text) in all_guide_pages() {
        for block in parse_page(&text).blocks {
            let Some(marker) = block.marker.as_deref() else {
                continue;
            };
            let words: Vec<&str> = marker.split_whitespace().collect();
            match words[..] {
                ["console:", name, scenario] if name == krate => {
                    consoles += 1;
                    let log = runs
                        .entry(scenario.to_owned())
                        .or_insert_with(|| run_scenario(bin, krate, scenario));
                    compare_logs(&path, scenario, &block.lines, log);
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
/// - `two-clients`: client A connects and sends nothing; client B gets
///   `index.css`; then A sends its request. Each step waits for the server's
///   log, so that the order of the lines is the one the guide shows (a
///   sequential chapter gets `--read-timeout 1`, so that A is dropped soon).
pub fn run_scenario(bin: &str, krate: &str, scenario: &str) -> Vec<String> {
    let threaded = is_threaded(krate);
    let read_timeout = if threaded { "5" } else { "1" };
    let mut server = Server::start(bin, &["--read-timeout", read_timeout]);
    let wait = Duration::from_secs(10);
    match scenario {
        "files" => {
            for file in ["index.html", "index.css", "logo.png"] {
                assert_eq!(server.get(&format!("/{file}")).status, 200, "{file}");
            }
        }
        "two-clients" => {
            let mut a = TcpStream::connect(server.addr).expect("client A connects");
            let a_addr = a.local_addr().expect("A's address");
            server.wait_for_log(&format!("remote_address: {a_addr} "), wait);
            if threaded {
                wait_for_count(&server, "接続を待ちます", 2, wait);
            }
            let mut b = TcpStream::connect(server.addr).expect("client B connects");
            let b_addr = b.local_addr().expect("B's address");
            if threaded {
                server.wait_for_log(&format!("remote_address: {b_addr} "), wait);
                wait_for_count(&server, "接続を待ちます", 3, wait);
            }
            b.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            b.write_all(request("GET", "/index.css").as_bytes())
                .expect("B sends");
            let mut reply = Vec::new();
            b.read_to_end(&mut reply).expect("B reads");
            assert!(reply.starts_with(b"HTTP/1.1 200"), "B was not answered");
            if threaded {
                server.wait_for_log(&format!("通信を終了します remote_address: {b_addr} "), wait);
            }
            // A sequential server has dropped A by now: its request goes nowhere.
            a.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            let _ = a.write_all(request("GET", "/index.html").as_bytes());
            let _ = a.read_to_end(&mut Vec::new());
            if threaded {
                server.wait_for_log(&format!("通信を終了します remote_address: {a_addr} "), wait);
            }
        }
        other => panic!("unknown walkthrough scenario {other:?}"),
    }
    server.signal("INT");
    let status = server.wait_exit(wait).expect("exits after Ctrl+C");
    assert!(status.success(), "exit status after Ctrl+C: {status}");
    server.wait_for_log("サーバーを停止します。", Duration::from_secs(5));
    server.log()
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

fn compare_logs(page: &Path, scenario: &str, shown: &[String], real: &[String]) {
    assert_eq!(
        normalise(shown),
        normalise(real),
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
