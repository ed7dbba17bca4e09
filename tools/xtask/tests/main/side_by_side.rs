//! `cargo xtask side-by-side`, run as the real binary: the same changes as the
//! committed unified diffs, every line within the width in display cells,
//! the book's Python paired by name, plain output when piped, and the guide's
//! samples taken from a real run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use steps::workspace_root as repo_root;
use unicode_width::UnicodeWidthStr;
use xtask::columns::{NUMBER_CELLS, Page};
use xtask::{Change, changes};

/// Wide enough that no chapter line wraps, so rows can be read back exactly.
const WIDE: usize = 400;

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("side-by-side")
        .args(args)
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .output()
        .expect("run xtask")
}

fn stdout_of(args: &[&str]) -> String {
    let out = xtask(args);
    assert!(
        out.status.success(),
        "xtask side-by-side {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A numbered line and its text, as printed.
type Line = (usize, String);

/// What one file pair changed: removed and added lines with their numbers.
#[derive(Debug, Default, PartialEq)]
struct Changes {
    removed: Vec<Line>,
    added: Vec<Line>,
}

/// The changes of each `--- OLD` / `+++ NEW` section of a unified diff.
fn parse_unified(diff: &str) -> BTreeMap<(String, String), Changes> {
    let mut found: BTreeMap<(String, String), Changes> = BTreeMap::new();
    let mut lines = diff.lines().peekable();
    let mut key = (String::new(), String::new());
    while let Some(line) = lines.next() {
        if let Some(old) = line.strip_prefix("--- ") {
            let new = lines
                .next()
                .and_then(|l| l.strip_prefix("+++ "))
                .expect("+++ after ---");
            key = (old.to_owned(), new.to_owned());
            found.entry(key.clone()).or_default();
        } else if let Some(ranges) = line.strip_prefix("@@ -") {
            let (old, new) = ranges
                .trim_end_matches(" @@")
                .split_once(" +")
                .expect("hunk ranges");
            let range = |r: &str| -> (usize, usize) {
                let (start, len) = r.split_once(',').unwrap_or((r, "1"));
                (start.parse().expect("start"), len.parse().expect("len"))
            };
            let ((mut o, mut old_left), (mut n, mut new_left)) = (range(old), range(new));
            // An empty range names the line before: the first line is one more.
            if old_left == 0 {
                o += 1;
            }
            if new_left == 0 {
                n += 1;
            }
            let changes = found.get_mut(&key).expect("section before hunk");
            while old_left + new_left > 0 {
                let body = lines.next().expect("hunk line");
                let (sign, text) = body.split_at(1);
                let text = text.trim_end().to_owned();
                match sign {
                    " " => {
                        (o, n, old_left, new_left) = (o + 1, n + 1, old_left - 1, new_left - 1);
                    }
                    "-" => {
                        changes.removed.push((o, text));
                        (o, old_left) = (o + 1, old_left - 1);
                    }
                    "+" => {
                        changes.added.push((n, text));
                        (n, new_left) = (n + 1, new_left - 1);
                    }
                    "\\" => {}
                    _ => panic!("not a hunk line: {body}"),
                }
            }
        }
    }
    found
}

/// One printed row read back: left line, mark, right line.
#[derive(Debug, Clone)]
struct ParsedRow {
    left: Option<Line>,
    mark: char,
    right: Option<Line>,
}

/// Splits a row printed at `width` into its fields, by display cells.
fn parse_row(line: &str, width: usize) -> ParsedRow {
    let cells = Page::column_cells(width);
    let mut chars = line.chars();
    let mut take_cells = |n: usize| {
        let mut taken = String::new();
        let mut used = 0;
        while used < n {
            let Some(c) = chars.next() else { break };
            used += UnicodeWidthStr::width(c.encode_utf8(&mut [0; 4]) as &str);
            taken.push(c);
        }
        taken
    };
    let left_number = take_cells(NUMBER_CELLS);
    take_cells(1);
    let left_text = take_cells(cells);
    let mark_field = take_cells(3);
    let right_number = take_cells(NUMBER_CELLS);
    take_cells(1);
    let right_text: String = chars.collect();
    let side = |number: &str, text: &str| {
        let number = number.trim();
        (!number.is_empty()).then(|| {
            let n = if number == "~" {
                0 // a continuation; the caller joins it to the row above
            } else {
                number
                    .parse()
                    .unwrap_or_else(|_| panic!("line number in {line:?}"))
            };
            (n, text.trim_end().to_owned())
        })
    };
    let mark = mark_field.chars().nth(1).unwrap_or(' ');
    ParsedRow {
        left: side(&left_number, &left_text),
        mark,
        right: side(&right_number, &right_text),
    }
}

/// The sections of side-by-side output: heading, notes, rows.
#[derive(Debug, Default)]
struct Shown {
    notes: Vec<String>,
    rows: Vec<ParsedRow>,
    unchanged: bool,
}

fn parse_side_by_side(out: &str, width: usize) -> BTreeMap<(String, String), Shown> {
    let mut found: BTreeMap<(String, String), Shown> = BTreeMap::new();
    let mut key = None;
    for line in out.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let (pair, unchanged) = match heading.split_once(": unchanged") {
                Some((pair, _)) => (pair, true),
                None => (heading, false),
            };
            let (old, new) = pair.split_once(" -> ").expect("OLD -> NEW heading");
            let k = (old.to_owned(), new.to_owned());
            found.entry(k.clone()).or_default().unchanged = unchanged;
            key = Some(k);
        } else if let Some(note) = line.strip_prefix("# ") {
            if let Some(k) = &key {
                found
                    .get_mut(k)
                    .expect("section")
                    .notes
                    .push(note.to_owned());
            }
        } else if !line.is_empty() {
            let k = key.as_ref().expect("a row before any heading");
            found
                .get_mut(k)
                .expect("section")
                .rows
                .push(parse_row(line, width));
        }
    }
    found
}

fn step_output(step: Change, width: usize) -> String {
    stdout_of(&[step.old, step.new, "--width", &width.to_string()])
}

#[test]
fn each_step_shows_exactly_the_changes_of_its_unified_diff() {
    let root = repo_root();
    for step in changes() {
        let diff = fs::read_to_string(root.join(step.diff_path())).expect("committed diff");
        let expected = parse_unified(&diff);
        let shown = parse_side_by_side(&step_output(step, WIDE), WIDE);
        for (key, want) in &expected {
            let got = shown
                .get(key)
                .unwrap_or_else(|| panic!("{} -> {}: not shown side by side", key.0, key.1));
            let mut changes = Changes::default();
            for row in &got.rows {
                assert!(
                    row.left.iter().chain(&row.right).all(|(n, _)| *n > 0),
                    "a line wrapped at width {WIDE}: {row:?}"
                );
                match row.mark {
                    ' ' => assert_eq!(
                        row.left.as_ref().map(|l| &l.1),
                        row.right.as_ref().map(|r| &r.1),
                        "an unchanged row whose sides differ"
                    ),
                    '|' | '<' | '>' => {
                        changes.removed.extend(row.left.clone());
                        changes.added.extend(row.right.clone());
                        assert!(row.mark != '<' || row.right.is_none());
                        assert!(row.mark != '>' || row.left.is_none());
                    }
                    other => panic!("unexpected mark {other:?}"),
                }
            }
            assert_eq!(
                &changes,
                want,
                "{} -> {}: side by side differs from {}",
                key.0,
                key.1,
                step.diff_path().display()
            );
        }
        // Whatever the diff leaves out must be shown as unchanged.
        for (key, section) in &shown {
            if !expected.contains_key(key) {
                assert!(section.unchanged, "{key:?} shown but absent from the diff");
            }
        }
        // The diff's notes on moved functions are there too.
        for note in diff.lines().skip(1).filter_map(|l| l.strip_prefix("# ")) {
            assert!(
                shown.values().any(|s| s.notes.iter().any(|n| n == note)),
                "note missing: {note}"
            );
        }
    }
}

#[test]
fn moved_helpers_face_themselves_in_worker_rs() {
    let threaded = Change::to("chapter13-threaded").expect("a step");
    let out = step_output(threaded, WIDE);
    let shown = parse_side_by_side(&out, WIDE);
    let worker = &shown[&(
        "chapter13-refactor/src/main.rs".to_owned(),
        "chapter13-threaded/src/worker.rs".to_owned(),
    )];
    for name in ["handle_client", "get_static_file_content"] {
        let row = worker
            .rows
            .iter()
            .find(|r| {
                r.right
                    .as_ref()
                    .is_some_and(|(_, t)| t.starts_with(&format!("fn {name}(")))
            })
            .unwrap_or_else(|| panic!("no row for fn {name}"));
        assert_eq!(row.mark, ' ', "{name} is not shown as unchanged: {row:?}");
        let (old_line, _) = row.left.as_ref().expect("old side");
        assert!(
            *old_line > 60,
            "{name} should keep its line in the old main.rs, got {old_line}"
        );
    }
    // And not again as removed lines in main.rs.
    let main = &shown[&(
        "chapter13-refactor/src/main.rs".to_owned(),
        "chapter13-threaded/src/main.rs".to_owned(),
    )];
    assert!(
        !main.rows.iter().any(|r| r
            .left
            .as_ref()
            .is_some_and(|(_, t)| t.contains("fn handle_client("))),
        "handle_client shows in main.rs too"
    );
}

/// The async step: each line that waits now `.await`s, shown as changed
/// beside its blocking self, and `tokio::spawn` beside the thread's start.
#[test]
fn the_async_step_shows_each_await_beside_the_blocking_line() {
    let step = Change::to("chapter13-async").expect("a step");
    assert_eq!(
        (step.old, step.new),
        ("chapter13-threaded", "chapter13-async")
    );
    let shown = parse_side_by_side(&step_output(step, WIDE), WIDE);
    let pairs = [
        ("main.rs", "fn serve(", "async fn serve("),
        (
            "main.rs",
            "let accepted = server_socket.accept();",
            "let accepted = server_socket.accept().await;",
        ),
        (
            "main.rs",
            "shutdown.wait_for(workers, config.read_timeout);",
            "shutdown.wait_for_tasks(workers, config.read_timeout).await;",
        ),
        ("worker.rs", "pub fn run(", "pub async fn run("),
        ("worker.rs", "fn handle_client(", "async fn handle_client("),
    ];
    for (file, old, new) in pairs {
        let section = &shown[&(
            format!("chapter13-threaded/src/{file}"),
            format!("chapter13-async/src/{file}"),
        )];
        let starts = |side: &Option<(usize, String)>, text: &str| {
            side.as_ref()
                .is_some_and(|(_, t)| t.trim_start().starts_with(text))
        };
        let row = section
            .rows
            .iter()
            .find(|r| starts(&r.left, old))
            .unwrap_or_else(|| panic!("{file}: no row for {old:?}"));
        assert_eq!(
            row.mark, '|',
            "{file}: {old:?} is not shown as changed: {row:?}"
        );
        assert!(
            starts(&row.right, new),
            "{file}: {old:?} faces {:?}",
            row.right
        );
    }
    let main = &shown[&(
        "chapter13-threaded/src/main.rs".to_owned(),
        "chapter13-async/src/main.rs".to_owned(),
    )];
    let spawn = main
        .rows
        .iter()
        .find(|r| {
            r.right
                .as_ref()
                .is_some_and(|(_, t)| t.contains("tokio::spawn(async move"))
        })
        .expect("a row with tokio::spawn");
    assert_ne!(spawn.mark, ' ', "{spawn:?}");
    assert!(
        main.rows.iter().any(|r| r.mark != ' '
            && r.left
                .as_ref()
                .is_some_and(|(_, t)| t.contains("thread::Builder::new()"))),
        "thread::Builder::new() is not shown as removed"
    );
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder under the system's temporary directory.
fn temp_dir(what: &str) -> PathBuf {
    let n = DIRS.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("xtask-sbs-{}-{what}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A small stand-in for the book's chapter 13-2, written here: the book's
/// function names, a class with `run`, a `__main__` block, one stray helper.
fn fake_book() -> PathBuf {
    let root = temp_dir("book");
    let codes = root.join("codes/chapter13-2");
    fs::create_dir_all(&codes).expect("mkdir");
    fs::write(
        codes.join("webserver.py"),
        r#"import socket


class WebServer:
    """サーバー本体"""

    def serve(self):
        print("=== Server: サーバーを起動します ===")
        sock = self.create_server_socket()
        while True:
            print("=== Server: クライアントからの接続を待ちます ===")
            (conn, address) = sock.accept()
            WorkerThread(conn, address).start()

    def create_server_socket(self):
        s = socket.socket()
        s.bind(("localhost", 8080))
        return s


def stray_helper():
	return "タブで字下げした行"


if __name__ == "__main__":
    WebServer().serve()
"#,
    )
    .expect("write webserver.py");
    fs::write(
        codes.join("workerthread.py"),
        r#"from threading import Thread


class WorkerThread(Thread):
    def __init__(self, conn, address):
        super().__init__()
        self.conn = conn

    def run(self):
        try:
            data = self.conn.recv(4096)
            method, path, version, header, body = self.parse_http_request(data)
            content = self.get_static_file_content(path)
            self.conn.send(self.build_response_header(path, content).encode() + content)
        finally:
            print(f"=== Worker: クライアントとの通信を終了します remote_address: {self.address} ===")
            self.conn.close()

    def parse_http_request(self, request):
        line, rest = request.split(b"\r\n", maxsplit=1)
        return line.decode().split(" ") + rest.split(b"\r\n\r\n", maxsplit=1)

    def get_static_file_content(self, path):
        with open(path.lstrip("/"), "rb") as f:
            return f.read()

    def build_response_header(self, path, body):
        return f"Content-Length: {len(body)}\r\n"
"#,
    )
    .expect("write workerthread.py");
    root
}

#[test]
fn book_functions_pair_by_the_books_names() {
    let book = fake_book();
    let book_arg = book.to_str().expect("UTF-8 temp path");
    let out = stdout_of(&["--book", book_arg, "chapter13-threaded", "--width", "200"]);
    let headings: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    let web = "codes/chapter13-2/webserver.py";
    let worker = "codes/chapter13-2/workerthread.py";
    assert_eq!(
        headings,
        [
            format!("WebServer.serve ({web}) <-> serve (chapter13-threaded/src/main.rs)"),
            format!(
                "WebServer.create_server_socket ({web}) <-> create_server_socket (chapter13-threaded/src/main.rs)"
            ),
            format!("__main__ ({web}) <-> main (chapter13-threaded/src/main.rs)"),
            format!(
                "WorkerThread.run ({worker}) <-> worker::run (chapter13-threaded/src/worker.rs)"
            ),
            format!(
                "WorkerThread.parse_http_request ({worker}) <-> common::read_request, which reads \
                 with the same code as common::receive_request (common/src/request.rs)"
            ),
            format!(
                "WorkerThread.get_static_file_content ({worker}) <-> worker::get_static_file_content \
                 (chapter13-threaded/src/worker.rs)"
            ),
            format!(
                "WorkerThread.build_response_header ({worker}) <-> common::Response::head, also used \
                 for the error pages (common/src/response.rs)"
            ),
            "Without a partner".to_owned(),
        ]
    );
    let unpaired: Vec<&str> = out
        .split("## Without a partner\n")
        .nth(1)
        .expect("closing section")
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .collect();
    assert_eq!(unpaired.len(), 4, "{unpaired:#?}");
    assert!(unpaired[0].starts_with(&format!("{web}: stray_helper: no function of this name")));
    assert!(unpaired[1].starts_with(&format!(
        "{worker}: WorkerThread.__init__: the `move` closure"
    )));
    assert!(unpaired[2].starts_with(
        "chapter13-threaded/src/worker.rs: worker::handle_client: the book inlines it"
    ));
    assert!(unpaired[3].starts_with(
        "chapter13-threaded/src/worker.rs: worker::get_content_type: the Content-Type half"
    ));

    // Rows: Python line numbers as in the file; the same log line faces itself.
    let serve: Vec<ParsedRow> = section_rows(&out, "WebServer.serve", 200);
    let def = serve
        .iter()
        .find(|r| {
            r.left
                .as_ref()
                .is_some_and(|(_, t)| t.trim() == "def serve(self):")
        })
        .expect("def serve row");
    assert_eq!(def.left.as_ref().map(|l| l.0), Some(7));
    assert!(
        def.right
            .as_ref()
            .is_some_and(|(_, t)| t.starts_with("fn serve(")),
        "{def:?}"
    );
    for text in ["サーバーを起動します", "クライアントからの接続を待ちます"]
    {
        let row = serve
            .iter()
            .find(|r| r.left.as_ref().is_some_and(|(_, t)| t.contains(text)))
            .unwrap_or_else(|| panic!("no row for {text}"));
        assert_eq!(row.mark, '=', "{row:?}");
        assert!(
            row.right
                .as_ref()
                .is_some_and(|(_, t)| t.contains("info!") && t.contains(text))
        );
    }
    let run = section_rows(&out, "WorkerThread.run", 200);
    assert!(
        run.iter().any(|r| r.mark == '='
            && r.right
                .as_ref()
                .is_some_and(|(_, t)| t.contains("クライアントとの通信を終了します"))),
        "the worker's closing log line is not aligned"
    );
    let _ = fs::remove_dir_all(&book);
}

/// The Python line's row, in the rows of a section.
fn row_of<'a>(rows: &'a [ParsedRow], python: &str) -> &'a ParsedRow {
    rows.iter()
        .find(|r| r.left.as_ref().is_some_and(|(_, t)| t.trim() == python))
        .unwrap_or_else(|| panic!("no row for {python:?}: {rows:#?}"))
}

#[test]
fn book_rows_pair_only_lines_that_correspond() {
    let book = fake_book();
    let book_arg = book.to_str().expect("UTF-8 temp path");
    let out = stdout_of(&["--book", book_arg, "chapter13-threaded", "--width", "200"]);
    let header: String = out
        .lines()
        .take_while(|l| l.starts_with("# "))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        header.contains("= the same log line") && header.contains("* the same work"),
        "{header}"
    );
    // A row with both sides is a pairing, and says which kind.
    let mut paired = 0;
    for line in out.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let row = parse_row(line, 200);
        let numbered = |side: &Option<Line>| side.as_ref().is_some_and(|(n, _)| *n > 0);
        if !numbered(&row.left) && !numbered(&row.right) {
            continue; // a wrapped line going on, under its row's mark
        }
        match (&row.left, &row.right) {
            (Some(_), Some(_)) => {
                assert!(matches!(row.mark, '=' | '*'), "an unmarked pair: {line}");
                paired += 1;
            }
            _ => assert_eq!(row.mark, ' ', "a mark on a one-sided row: {line}"),
        }
    }
    assert!(paired >= 10, "only {paired} pairs:\n{out}");
    // Lines that do the same work face each other...
    let serve = section_rows(&out, "WebServer.serve", 200);
    for (python, rust) in [
        ("while True:", "loop {"),
        (
            "(conn, address) = sock.accept()",
            "let accepted = server_socket.accept();",
        ),
        (
            "WorkerThread(conn, address).start()",
            ".spawn(move || worker::run(",
        ),
    ] {
        let row = row_of(&serve, python);
        assert_eq!(row.mark, '*', "{row:?}");
        assert!(
            row.right
                .as_ref()
                .is_some_and(|(_, t)| t.trim().starts_with(rust)),
            "{python:?} should face {rust:?}: {row:?}"
        );
    }
    let socket = section_rows(&out, "WebServer.create_server_socket", 200);
    for (python, rust) in [
        ("s = socket.socket()", "let socket = Socket::new("),
        ("s.bind((\"localhost\", 8080))", "socket.bind("),
    ] {
        let row = row_of(&socket, python);
        assert!(
            row.right
                .as_ref()
                .is_some_and(|(_, t)| t.trim().starts_with(rust)),
            "{python:?} should face {rust:?}: {row:?}"
        );
    }
    // ...and a line with no partner faces nothing, not the next line down.
    let run = section_rows(&out, "WorkerThread.run", 200);
    for alone in ["finally:", "try:", "data = self.conn.recv(4096)"] {
        let row = row_of(&run, alone);
        assert!(row.right.is_none(), "{alone:?} has a partner: {row:?}");
    }
    assert!(
        row_of(&socket, "return s").right.is_none(),
        "`return s` faces a line"
    );
    // Nothing is lost or repeated: each side's numbers in order, each once.
    for (name, first, last) in [("WorkerThread.run", 9, 17), ("WebServer.serve", 7, 13)] {
        let rows = section_rows(&out, name, 200);
        let numbers: Vec<usize> = rows
            .iter()
            .filter_map(|r| r.left.as_ref().map(|(n, _)| *n))
            .filter(|&n| n > 0)
            .collect();
        assert_eq!(numbers, (first..=last).collect::<Vec<_>>(), "{name}");
    }
    let _ = fs::remove_dir_all(&book);
}

/// The rows under the heading that starts with `name`.
fn section_rows(out: &str, name: &str, width: usize) -> Vec<ParsedRow> {
    out.lines()
        .skip_while(|l| !l.starts_with(&format!("## {name} ")))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with('#'))
        .map(|l| parse_row(l, width))
        .collect()
}

#[test]
fn a_missing_or_wrong_book_path_says_what_to_clone() {
    let empty = temp_dir("not-a-clone");
    let missing = empty.join("nowhere");
    for path in [&empty, &missing] {
        let out = xtask(&[
            "--book",
            path.to_str().expect("UTF-8"),
            "chapter13-threaded",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(out.stdout.is_empty(), "printed something before failing");
        assert!(
            stderr.contains("codes/chapter13-2/webserver.py"),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "git clone https://github.com/bigen1925/introduction-to-web-application-with-python"
            ),
            "{stderr}"
        );
    }
    let _ = fs::remove_dir_all(&empty);
}

/// Every way the tool prints, for the width and escape-code checks.
fn all_outputs(width: usize, book: &Path) -> Vec<(String, String)> {
    let w = width.to_string();
    let book = book.to_str().expect("UTF-8");
    let mut runs: Vec<Vec<&str>> = vec![vec!["--width", &w]];
    runs.push(vec!["--book", book, "chapter13-threaded", "--width", &w]);
    runs.into_iter()
        .map(|args| (args.join(" "), stdout_of(&args)))
        .collect()
}

#[test]
fn every_line_fits_the_width_in_display_cells() {
    let book = fake_book();
    for width in [40, 80, 120, 200] {
        let mut widest = (0, String::new());
        for (args, out) in all_outputs(width, &book) {
            assert!(
                out.lines().any(|l| l.width() > l.chars().count()),
                "{args}: no line with wide characters, so this checks too little"
            );
            for line in out.lines() {
                let cells = line.width();
                assert!(cells <= width, "{args}: {cells} cells > {width}: {line:?}");
                assert!(!line.contains('\t'), "{args}: a tab survived: {line:?}");
                if cells > widest.0 {
                    widest = (cells, line.to_owned());
                }
            }
        }
        eprintln!(
            "--width {width}: widest line {} cells: {:?}",
            widest.0, widest.1
        );
    }
    let _ = fs::remove_dir_all(&book);
}

#[test]
fn wrapping_loses_nothing() {
    // Read each numbered line back from a narrow run by joining its `~`
    // rows, and compare with a wide run, ignoring only the spaces.
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let lines_of = |width: usize| {
        let out = stdout_of(&["--width", &width.to_string()]);
        let mut sides: Vec<Vec<Line>> = vec![Vec::new(), Vec::new()];
        let mut continued = 0;
        for line in out.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let row = parse_row(line, width);
            for (side, cell) in sides.iter_mut().zip([row.left, row.right]) {
                match cell {
                    Some((0, text)) => {
                        continued += 1;
                        side.last_mut().expect("a continuation starts a side").1 += &text;
                    }
                    Some(numbered) => side.push(numbered),
                    None => {}
                }
            }
        }
        (sides, continued)
    };
    let (wide, none) = lines_of(WIDE);
    assert_eq!(none, 0, "wrapped at {WIDE}");
    for width in [40, 80] {
        let (narrow, continued) = lines_of(width);
        assert!(
            continued > 0,
            "nothing wrapped at {width}, so this checks too little"
        );
        for (w, n) in wide.iter().zip(&narrow) {
            assert_eq!(
                w.len(),
                n.len(),
                "width {width}: a different number of lines"
            );
            for (a, b) in w.iter().zip(n) {
                assert_eq!(
                    (a.0, squeeze(&a.1)),
                    (b.0, squeeze(&b.1)),
                    "width {width} lost or changed text"
                );
            }
        }
    }
}

#[test]
fn piped_output_has_no_escape_codes() {
    let book = fake_book();
    for (args, out) in all_outputs(100, &book) {
        assert!(
            !out.contains('\u{1b}'),
            "{args}: an escape code in piped output"
        );
        assert!(
            out.contains(" | ") || out.contains(" = "),
            "{args}: no plain markers"
        );
    }
    let _ = fs::remove_dir_all(&book);
}

/// Checks every `<!-- side-by-side: ARGS -->` block of the guide pages in
/// `dirs` against a real run: its lines must appear in the output, in order
/// and contiguous. Returns how many blocks it checked.
fn check_guide_samples(dirs: &[PathBuf]) -> Result<usize, String> {
    let mut checked = 0;
    for dir in dirs {
        let mut pages: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|err| format!("{}: {err}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        pages.sort();
        for page in pages {
            let text =
                fs::read_to_string(&page).map_err(|err| format!("{}: {err}", page.display()))?;
            for (args, block) in marked_blocks(&text) {
                let where_ = format!("{}: <!-- side-by-side: {args} -->", page.display());
                if args.split_whitespace().any(|a| a == "--book") {
                    return Err(format!(
                        "{where_}: the book is not in this repository; no --book samples"
                    ));
                }
                if block.is_empty() {
                    return Err(format!("{where_}: empty sample"));
                }
                let argv: Vec<&str> = args.split_whitespace().collect();
                let out = xtask(&argv);
                if !out.status.success() {
                    return Err(format!(
                        "{where_}: the command fails: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                let real = String::from_utf8_lossy(&out.stdout).into_owned();
                let real: Vec<&str> = real.lines().collect();
                let found = real.windows(block.len()).any(|w| {
                    w.iter()
                        .zip(&block)
                        .all(|(r, b)| r.trim_end() == b.trim_end())
                });
                if !found {
                    return Err(format!(
                        "{where_}: the sample is not a contiguous part of the real output. Real output:\n{}",
                        real.join("\n")
                    ));
                }
                checked += 1;
            }
        }
    }
    Ok(checked)
}

/// `(ARGS, lines)` of each fenced block right after a side-by-side marker.
fn marked_blocks(markdown: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut marker: Option<String> = None;
    let mut open: Option<(String, Vec<String>)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some((_, lines)) = open.as_mut() {
            if trimmed.starts_with("```") {
                blocks.extend(open.take());
            } else {
                lines.push(line.to_owned());
            }
        } else if trimmed.starts_with("```") {
            if let Some(args) = marker.take() {
                open = Some((args, Vec::new()));
            } else {
                // An unmarked block: skip to its end.
                open = None;
                marker = None;
            }
        } else if let Some(args) = trimmed
            .strip_prefix("<!-- side-by-side:")
            .and_then(|r| r.strip_suffix("-->"))
        {
            marker = Some(args.trim().to_owned());
        } else if !trimmed.is_empty() {
            marker = None;
        }
    }
    blocks
}

#[test]
fn guide_samples_match_a_real_run() {
    let docs = repo_root().join("docs");
    let checked =
        check_guide_samples(&[docs.join("ja"), docs.join("en")]).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("checked {checked} side-by-side sample(s) in the guide");
}

#[test]
fn the_guide_check_catches_a_wrong_sample() {
    let dir = temp_dir("guide");
    let args = "chapter13-refactor chapter13-threaded --width 100";
    let real = stdout_of(&args.split_whitespace().collect::<Vec<_>>());
    let sample: Vec<&str> = real.lines().skip(5).take(4).collect();
    let page =
        |body: &str| format!("# Page\n\n<!-- side-by-side: {args} -->\n```text\n{body}\n```\n");
    fs::write(dir.join("good.md"), page(&sample.join("\n"))).expect("write");
    assert_eq!(check_guide_samples(std::slice::from_ref(&dir)), Ok(1));
    // One changed character, then two right lines out of order: both fail.
    let mut edited: Vec<String> = sample.iter().map(|l| (*l).to_owned()).collect();
    edited[1].push('x');
    let swapped = vec![sample[1].to_owned(), sample[0].to_owned()];
    for wrong in [edited, swapped] {
        fs::write(dir.join("good.md"), page(&wrong.join("\n"))).expect("write");
        let err =
            check_guide_samples(std::slice::from_ref(&dir)).expect_err("a wrong sample passed");
        eprintln!("{}", err.lines().next().unwrap_or_default());
    }
    let _ = fs::remove_dir_all(&dir);
}
