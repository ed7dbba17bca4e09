//! Repository chores: the chapter diffs in `diffs/`, generated from the
//! chapter crates so they can never be edited by hand or drift, and the same
//! changes side by side ([`side_by_side`]), or the book's Python beside the
//! Rust ([`book`]); and a reader's own crate for a step ([`exercise`]).
//! Which crates there are, and which starts from which, is the table in
//! `tools/steps`.
//!
//! Modules import downwards only: `side_by_side` and `book` draw on a
//! [`columns::Page`] and pair lines with [`pairing`]; `columns` measures
//! with [`width`]; `pairing` and `width` import none of the others.
//!
//! A file that a step adds (the threaded chapter's `worker.rs`) is compared
//! with the part of the previous `main.rs` that its functions came from, so a
//! moved function reads as unchanged context, not as deleted and re-added.

pub mod book;
pub mod columns;
pub mod exercise;
pub mod pairing;
pub mod side_by_side;
pub mod width;

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use similar::{ChangeTag, TextDiff};

/// What one step changes: the crate it starts from and its own, as
/// `diffs/OLD..NEW.diff` and the side-by-side view show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The earlier crate.
    pub old: &'static str,
    /// The later crate.
    pub new: &'static str,
}

/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;

impl Change {
    /// What `step` changes: from the crate it starts from to its own.
    pub fn of(step: &steps::Step) -> Change {
        Change {
            old: step.previous,
            new: step.krate,
        }
    }

    /// The change that makes `krate` (a step's crate), if it is one.
    pub fn to(krate: &str) -> Option<Change> {
        steps::STEPS
            .iter()
            .find(|step| step.krate == krate)
            .map(Change::of)
    }

    /// `diffs/<old>..<new>.diff`, relative to the repository root.
    pub fn diff_path(&self) -> PathBuf {
        Path::new("diffs").join(format!("{}..{}.diff", self.old, self.new))
    }
}

/// Every step's change, in the order of [`steps::STEPS`]: the first one
/// from the starter (`chapter11-answer-once`) to chapter 12.
pub fn changes() -> impl Iterator<Item = Change> {
    steps::STEPS.iter().map(Change::of)
}

/// The exit status of a command whose output may go to a closed pipe
/// (`| head`): a broken pipe is a normal end, status 0, with nothing said;
/// any other failure to write is reported on stderr, if it can be.
pub fn exit(result: io::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr().lock(), "xtask: cannot write the output: {err}");
            ExitCode::FAILURE
        }
    }
}

/// One file pair of a step, as both renderings show it: the old text (a whole
/// file, or the part of one that a new file's functions came from), the new
/// text, and notes on functions that moved between files.
#[derive(Debug, Clone)]
pub struct Section {
    /// Lines that explain a move, printed before the comparison.
    pub notes: Vec<String>,
    /// The old file's path relative to the root, or `/dev/null`.
    pub old_label: String,
    /// The new file's path relative to the root, or `/dev/null`.
    pub new_label: String,
    /// The old text compared (empty for an added file).
    pub old: String,
    /// The new text compared (empty for a removed file).
    pub new: String,
    /// Line number (0-based) in the old file where `old` starts.
    pub old_offset: usize,
    /// Show every line as context: the reader should see each moved line.
    pub whole: bool,
}

/// What `step` changes: its file pairs in file-name order, with moved
/// functions compared where they went. Both `render` and the side-by-side
/// view are drawn from this.
pub fn sections(root: &Path, step: Change) -> io::Result<Vec<Section>> {
    let old_main_path = format!("{}/src/main.rs", step.old);
    let old_main = fs::read_to_string(root.join(&old_main_path))?;
    let mut found = Vec::new();
    for name in source_files(root, step)? {
        let old_path = format!("{}/src/{name}", step.old);
        let new_path = format!("{}/src/{name}", step.new);
        let old = read_if_exists(&root.join(&old_path))?;
        let new = read_if_exists(&root.join(&new_path))?;
        let section = |notes, old_label: &str, new_label: &str, old, new| Section {
            notes,
            old_label: old_label.to_owned(),
            new_label: new_label.to_owned(),
            old,
            new,
            old_offset: 0,
            whole: false,
        };
        match (old, new) {
            (Some(old), Some(new)) => {
                let mut old = old;
                let mut notes = Vec::new();
                for (file, names) in moved_away(&old, &new, root, step)? {
                    // Functions that move to a new file at the end of this one
                    // are shown once, as context in that file, not also here as
                    // deleted lines. Anywhere else they stay deletions, so the
                    // line numbers of this diff remain true.
                    let trailing = region(&old, &names)
                        .filter(|lines| old.lines().skip(lines.end).all(|l| l.trim().is_empty()));
                    let shown = match trailing {
                        Some(lines) => {
                            old = old
                                .split_inclusive('\n')
                                .take(lines.start)
                                .collect::<String>()
                                .trim_end()
                                .to_owned()
                                + "\n";
                            format!(
                                "; its lines {}-{} are shown there as context, not repeated here",
                                lines.start + 1,
                                lines.end
                            )
                        }
                        None => " (below)".to_owned(),
                    };
                    notes.push(format!(
                        "{old_path}: {} move unchanged to {file}{shown}.",
                        names.join(", ")
                    ));
                }
                found.push(section(notes, &old_path, &new_path, old, new));
            }
            (None, Some(new)) => {
                let names = shared_functions(&old_main, &new);
                match region(&old_main, &names) {
                    Some(lines) => {
                        let notes = vec![
                            format!(
                                "{new_path} is new; {} come from {old_main_path} lines {}-{} unchanged,",
                                names.join(", "),
                                lines.start + 1,
                                lines.end
                            ),
                            "so it is compared with those lines and they show as context."
                                .to_owned(),
                        ];
                        let part: String = old_main
                            .split_inclusive('\n')
                            .skip(lines.start)
                            .take(lines.len())
                            .collect();
                        found.push(Section {
                            old_offset: lines.start,
                            whole: true,
                            ..section(notes, &old_main_path, &new_path, part, new)
                        });
                    }
                    None => found.push(section(
                        Vec::new(),
                        "/dev/null",
                        &new_path,
                        String::new(),
                        new,
                    )),
                }
            }
            (Some(old), None) => {
                found.push(section(
                    Vec::new(),
                    &old_path,
                    "/dev/null",
                    old,
                    String::new(),
                ));
            }
            (None, None) => {}
        }
    }
    Ok(found)
}

/// The unified diff of `step`, read from the crates under `root`.
pub fn render(root: &Path, step: Change) -> io::Result<String> {
    let mut out = format!(
        "# {} -> {}: generated from the crates by `cargo xtask diffs`; do not edit.\n",
        step.old, step.new
    );
    for section in sections(root, step)? {
        for note in &section.notes {
            writeln!(out, "# {note}").ok();
        }
        // Whole-file context: the reader sees every moved line.
        let context = if section.whole {
            section.new.lines().count() + section.old.lines().count()
        } else {
            CONTEXT
        };
        out += &unified_with_context(
            &section.old_label,
            &section.new_label,
            &section.old,
            &section.new,
            section.old_offset,
            context,
        );
    }
    Ok(out)
}

/// Counts `+` and `-` lines of a rendered diff (file headers excluded).
pub fn changed_lines(diff: &str) -> (usize, usize) {
    let lines = || {
        diff.lines()
            .filter(|l| !l.starts_with("+++") && !l.starts_with("---"))
    };
    let added = lines().filter(|l| l.starts_with('+')).count();
    let removed = lines().filter(|l| l.starts_with('-')).count();
    (added, removed)
}

/// The top-level functions of a Rust file, each with its doc comment, as line ranges.
pub fn functions(source: &str) -> Vec<(String, Range<usize>)> {
    fn_items(source)
        .into_iter()
        .filter(|item| item.indent == 0)
        .map(|item| (item.name, item.lines))
        .collect()
}

/// A Rust function found by its layout (rustfmt's): top level or in an `impl`.
#[derive(Debug, Clone, PartialEq)]
pub struct FnItem {
    /// The function's name.
    pub name: String,
    /// Spaces before `fn`: 0 at the top level, 4 in an `impl` block.
    pub indent: usize,
    /// Its lines (0-based, end exclusive), doc comment and attributes included.
    pub lines: Range<usize>,
}

/// Every function of a Rust file formatted by rustfmt. Reading the layout
/// rather than parsing keeps this small; the chapters are all rustfmt'ed.
pub fn fn_items(source: &str) -> Vec<FnItem> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let Some(rest) = ["pub fn ", "pub(crate) fn ", "fn "]
            .iter()
            .find_map(|prefix| body.strip_prefix(prefix))
        else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let pad = &line[..indent];
        let mut start = i;
        while start > 0 && {
            let above = lines[start - 1].strip_prefix(pad).unwrap_or("");
            above.starts_with("///") || above.starts_with("#[")
        } {
            start -= 1;
        }
        let Some(end) = lines[i..]
            .iter()
            .position(|l| l.strip_prefix(pad) == Some("}"))
            .map(|at| i + at + 1)
        else {
            continue;
        };
        found.push(FnItem {
            name,
            indent,
            lines: start..end,
        });
    }
    found
}

/// The text of function `name` (with its doc comment), if `source` has it.
pub fn function_text(source: &str, name: &str) -> Option<String> {
    let (_, lines) = functions(source).into_iter().find(|(n, _)| n == name)?;
    Some(
        source
            .lines()
            .skip(lines.start)
            .take(lines.len())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Functions of `new` that `old` also defines: the ones that moved into `new`.
fn shared_functions(old: &str, new: &str) -> Vec<String> {
    let old_names: Vec<String> = functions(old).into_iter().map(|(n, _)| n).collect();
    functions(new)
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| old_names.contains(n))
        .collect()
}

/// Functions that leave `old` (a file the step keeps) for a file the step
/// adds, grouped by the file they go to.
fn moved_away(
    old: &str,
    new: &str,
    root: &Path,
    step: Change,
) -> io::Result<Vec<(String, Vec<String>)>> {
    let kept: Vec<String> = functions(new).into_iter().map(|(n, _)| n).collect();
    let mut moved = Vec::new();
    for name in source_files(root, step)? {
        if root.join(step.old).join("src").join(&name).exists() {
            continue;
        }
        let added = fs::read_to_string(root.join(step.new).join("src").join(&name))?;
        let names: Vec<String> = shared_functions(old, &added)
            .into_iter()
            .filter(|n| !kept.contains(n))
            .collect();
        if !names.is_empty() {
            moved.push((format!("{}/src/{name}", step.new), names));
        }
    }
    Ok(moved)
}

/// The smallest line range of `source` that holds all the named functions.
fn region(source: &str, names: &[String]) -> Option<Range<usize>> {
    let ranges: Vec<Range<usize>> = functions(source)
        .into_iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(_, r)| r)
        .collect();
    let start = ranges.iter().map(|r| r.start).min()?;
    let end = ranges.iter().map(|r| r.end).max()?;
    Some(start..end)
}

/// `.rs` file names under either crate's `src/`, sorted, each once.
fn source_files(root: &Path, step: Change) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for krate in [step.old, step.new] {
        for entry in fs::read_dir(root.join(krate).join("src"))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.sort();
    Ok(names)
}

fn read_if_exists(path: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// A `diff -u` style section without timestamps. `old_offset` shifts the old
/// side's line numbers when `old` is a part of a larger file.
pub fn unified(
    old_label: &str,
    new_label: &str,
    old: &str,
    new: &str,
    old_offset: usize,
) -> String {
    unified_with_context(old_label, new_label, old, new, old_offset, CONTEXT)
}

fn unified_with_context(
    old_label: &str,
    new_label: &str,
    old: &str,
    new: &str,
    old_offset: usize,
    context: usize,
) -> String {
    let diff = TextDiff::from_lines(old, new);
    let groups = diff.grouped_ops(context);
    if groups.is_empty() {
        return String::new();
    }
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    for group in groups {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_lines = first.old_range().start..last.old_range().end;
        let new_lines = first.new_range().start..last.new_range().end;
        writeln!(
            out,
            "@@ -{} +{} @@",
            hunk_range(old_lines.start + old_offset, old_lines.len()),
            hunk_range(new_lines.start, new_lines.len())
        )
        .ok();
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                out.push(sign);
                out.push_str(change.value());
                if change.missing_newline() {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// `start,len` as `diff -u` prints it: 1-based, and an empty range names the line before.
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}
