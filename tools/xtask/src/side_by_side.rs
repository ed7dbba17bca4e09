//! `cargo xtask side-by-side`: two chapters in two columns, drawn from the
//! same [`sections`](crate::sections) as `diffs/`, so a function that moved
//! between files shows where it went here too.
//!
//! Every printed line fits the width in terminal cells (see [`crate::width`]);
//! long lines wrap onto rows marked `~`.

use std::io::{self, IsTerminal, Write as _};
use std::path::Path;
use std::process::ExitCode;

use similar::{DiffTag, TextDiff};

use crate::columns::{Mark, Page, Row};
use crate::pairing::best_pairs;
use crate::{Change, Section, book, changes, sections};

/// Width when neither `--width`, `COLUMNS` nor the terminal says (piped output).
const DEFAULT_WIDTH: usize = 100;
/// Narrower than this leaves fewer than eight cells per column.
const MIN_WIDTH: usize = 30;

const USAGE: &str = "\
usage: cargo xtask side-by-side [FROM TO] [--width N]
       cargo xtask side-by-side --book PATH CRATE [--width N]

FROM TO: two chapter crates, e.g. chapter13-refactor chapter13-threaded (or
short names: 11, 12, 13-refactor, 13, 13-threadpool, 13-async); with neither,
every step in order, from chapter11-answer-once (the book's chapter 11, where
chapter 12 starts) on. --book PATH: your clone of
https://github.com/bigen1925/introduction-to-web-application-with-python,
its Python on the left, CRATE's Rust on the right, function by function.
Width: --width N, else $COLUMNS, else the terminal's, else 100. Colour on a
terminal unless NO_COLOR is set; piped output marks rows with | (changed),
< (left only), > (right only), and ~ (a wrapped line goes on). With --book, a
row with both sides means they correspond: = (the same log line) or * (the
same work: the def and fn lines, or shared names such as accept, send,
static_root); a line with no partner has a row of its own.";

/// The rows of `old` against `new`: unchanged lines on one row, a changed
/// line facing its replacement. `old_offset` shifts the left line numbers.
pub fn align<'a>(old: &'a str, new: &'a str, old_offset: usize) -> Vec<Row<'a>> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = TextDiff::from_lines(old, new);
    // Merge a deletion followed by an insertion into one replacement, so the
    // two face each other whatever the diff algorithm reported.
    let mut ops: Vec<(DiffTag, std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        match ops.last_mut() {
            Some((last @ DiffTag::Delete, _, ln)) if tag == DiffTag::Insert => {
                *last = DiffTag::Replace;
                *ln = ln.start..n.end;
            }
            _ => ops.push((tag, o, n)),
        }
    }
    let left = |i: usize| Some((old_offset + i + 1, old_lines[i]));
    let right = |i: usize| Some((i + 1, new_lines[i]));
    let mut rows = Vec::new();
    for (tag, o, n) in ops {
        let pairs: Vec<(Option<usize>, Option<usize>)> = match tag {
            DiffTag::Replace => facing(&old_lines[o.clone()], &new_lines[n.clone()])
                .into_iter()
                .map(|(l, r)| (l.map(|l| o.start + l), r.map(|r| n.start + r)))
                .collect(),
            _ => top_down(o.len(), n.len())
                .map(|(l, r)| (l.map(|l| o.start + l), r.map(|r| n.start + r)))
                .collect(),
        };
        for (l, r) in pairs {
            let mark = match (tag, l, r) {
                (DiffTag::Equal, _, _) => Mark::Same,
                (_, Some(_), Some(_)) => Mark::Changed,
                (_, Some(_), None) => Mark::Removed,
                (_, None, _) => Mark::Added,
            };
            rows.push(Row {
                left: l.and_then(left),
                mark,
                right: r.and_then(right),
            });
        }
    }
    rows
}

/// Pairs `0..old` with `0..new` row by row; the longer side runs on alone.
fn top_down(old: usize, new: usize) -> impl Iterator<Item = (Option<usize>, Option<usize>)> {
    (0..old.max(new)).map(move |k| ((k < old).then_some(k), (k < new).then_some(k)))
}

/// Similarity (per mille) from which a changed line faces its old version.
const FACING: u32 = 500;
/// Beyond this many line pairs a replaced block is simply paired top-down.
const MAX_PAIRS: usize = 10_000;

/// Which lines of a replaced block face each other: each edited line faces
/// the old line it most resembles (in order, most similarity in total), and
/// the lines between such pairs face each other top-down, as in `diff -y`.
fn facing(old: &[&str], new: &[&str]) -> Vec<(Option<usize>, Option<usize>)> {
    let (m, n) = (old.len(), new.len());
    if m * n > MAX_PAIRS {
        return top_down(m, n).collect();
    }
    let similarity: Vec<Vec<u32>> = old
        .iter()
        .map(|a| {
            new.iter()
                .map(|b| (TextDiff::from_chars(a.trim(), b.trim()).ratio() * 1000.0) as u32)
                .collect()
        })
        .collect();
    let mut anchors = best_pairs(&similarity, FACING);
    anchors.push((m, n));
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (ai, aj) in anchors {
        pairs.extend(top_down(ai - i, aj - j).map(|(l, r)| (l.map(|l| i + l), r.map(|r| j + r))));
        if ai < m {
            pairs.push((Some(ai), Some(aj)));
        }
        (i, j) = (ai + 1, aj + 1);
    }
    pairs
}

/// One change in two columns: each file pair, moved functions where they went.
pub fn render_change(root: &Path, change: Change, page: &mut Page) -> io::Result<()> {
    page.note(&format!(
        "{} (left) -> {} (right): | changed, < removed, > added, ~ wrapped line",
        change.old, change.new
    ));
    for section in sections(root, change)? {
        render_section(&section, page);
    }
    Ok(())
}

fn render_section(section: &Section, page: &mut Page) {
    page.blank();
    if section.old == section.new {
        page.heading(&format!(
            "{} -> {}: unchanged ({} lines)",
            section.old_label,
            section.new_label,
            section.new.lines().count()
        ));
        return;
    }
    page.heading(&format!("{} -> {}", section.old_label, section.new_label));
    for note in &section.notes {
        page.note(note);
    }
    for row in align(&section.old, &section.new, section.old_offset) {
        page.row(&row);
    }
}

/// Runs `cargo xtask side-by-side ARGS...`; `Err` only when the output
/// cannot be written (see [`crate::exit`]).
pub fn main(args: &[String]) -> io::Result<ExitCode> {
    let mut width = None;
    let mut book_path = None;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--width" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if n >= MIN_WIDTH => width = Some(n),
                _ => {
                    return usage(&format!(
                        "--width takes a number of cells, at least {MIN_WIDTH}"
                    ));
                }
            },
            "--book" => match args.next() {
                Some(path) => book_path = Some(path.clone()),
                None => return usage("--book takes the path of your clone of the book"),
            },
            "-h" | "--help" => {
                writeln!(io::stdout().lock(), "{USAGE}")?;
                return Ok(ExitCode::SUCCESS);
            }
            name if name.starts_with('-') => return usage(&format!("unknown option {name}")),
            name => names.push(name.to_owned()),
        }
    }
    let width = width.unwrap_or_else(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse().ok())
            // Shells seldom export COLUMNS: ask the terminal itself.
            .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
            .filter(|&c| c >= MIN_WIDTH)
            .unwrap_or(DEFAULT_WIDTH)
    });
    // NO_COLOR counts when set to anything but the empty string (no-color.org).
    let color =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut page = Page::new(width, color);
    let root = steps::workspace_root();
    let result = match (book_path, &names[..]) {
        (Some(path), [krate]) => {
            let krate = crate_named(krate).unwrap_or(krate);
            match book::render(Path::new(&path), &root, krate, &mut page) {
                Ok(()) => Ok(()),
                Err(book::Error::Usage(message)) => {
                    writeln!(io::stderr().lock(), "{message}")?;
                    return Ok(ExitCode::from(2));
                }
                Err(book::Error::Io(err)) => Err(err),
            }
        }
        (Some(_), _) => return usage("--book takes one chapter crate"),
        (None, []) => changes().enumerate().try_for_each(|(i, change)| {
            if i > 0 {
                page.blank();
            }
            render_change(&root, change, &mut page)
        }),
        (None, [from, to]) => match (crate_named(from), crate_named(to)) {
            (Some(old), Some(new)) if old != new => {
                render_change(&root, Change { old, new }, &mut page)
            }
            (Some(_), Some(_)) => return usage(&format!("{from} and {to} are the same crate")),
            (None, _) => return usage(&not_a_chapter(from)),
            (_, None) => return usage(&not_a_chapter(to)),
        },
        (None, _) => return usage("give two chapter crates, or none for every step"),
    };
    if let Err(err) = result {
        writeln!(
            io::stderr().lock(),
            "cannot read the chapter sources: {err}"
        )?;
        return Ok(ExitCode::FAILURE);
    }
    io::stdout().lock().write_all(page.finish().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The crate `name` means: a step's, or the starter's (crate or short name).
fn crate_named(name: &str) -> Option<&'static str> {
    steps::find_with_start(name).map(|step| step.krate)
}

fn not_a_chapter(name: &str) -> String {
    let names: Vec<String> = steps::with_start()
        .map(|step| format!("{} ({})", step.krate, step.short_names[0]))
        .collect();
    format!(
        "{name:?} is not a chapter crate; the chapter crates are (short names in brackets): {}",
        names.join(", ")
    )
}

fn usage(problem: &str) -> io::Result<ExitCode> {
    writeln!(io::stderr().lock(), "{problem}\n\n{USAGE}")?;
    Ok(ExitCode::from(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::width::width;

    /// `text` without its SGR escape codes.
    fn plain(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|&c| c == 'm');
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn an_edited_line_faces_its_old_version_not_the_inserted_one() {
        let old = [r#"    info!("=== サーバーを停止します。 ===");"#];
        let new = [
            "    shutdown.wait_for_workers(config);",
            r#"    info!("=== Server: サーバーを停止します。 ===");"#,
        ];
        assert_eq!(facing(&old, &new), [(None, Some(0)), (Some(0), Some(1))]);
        // Nothing alike: top-down, as `diff -y`.
        assert_eq!(
            facing(&["a"], &["xyz", "q"]),
            [(Some(0), Some(0)), (None, Some(1))]
        );
    }

    #[test]
    fn colour_adds_escapes_but_no_width() {
        let old = "fn serve() {\n    info!(\"=== サーバーを起動します ===\");\n}\n";
        let new = "fn serve() {\n    info!(\"=== Server: サーバーを起動します ===\");\n}\n";
        let draw = |color| {
            let mut page = Page::new(40, color);
            page.heading("a -> b");
            for row in align(old, new, 0) {
                page.row(&row);
            }
            page.finish()
        };
        let (colored, bare) = (draw(true), draw(false));
        assert!(colored.contains("\u{1b}[31m") && colored.contains("\u{1b}[32m"));
        assert!(!bare.contains('\u{1b}'));
        assert_eq!(plain(&colored), bare);
        assert!(bare.lines().all(|l| width(l) <= 40), "{bare}");
        assert!(
            bare.contains(" | "),
            "the changed line is not marked: {bare}"
        );
    }
}
