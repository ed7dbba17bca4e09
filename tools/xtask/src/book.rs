//! `cargo xtask side-by-side --book PATH CRATE`: the book's Python, read from
//! the reader's own clone at run time, beside this workspace's Rust, paired
//! function by function by the book's names.
//!
//! Python is split by indentation (`def`, `class`, `if __name__ ...` lines);
//! that is all a side-by-side view needs, and the book's files are plain.
//! Inside a pair, only lines that correspond share a row: the log lines both
//! print (the Rust mirrors the book's Japanese log text exactly) and lines
//! that do the same work ([`pairing`](crate::pairing)).

use std::fs;
use std::io;
use std::ops::Range;
use std::path::Path;

use crate::columns::{Mark, Page, Row};
use crate::{fn_items, pairing};

/// Where the book's repository lives, for the message when `PATH` is wrong.
const BOOK_REPO: &str = "https://github.com/bigen1925/introduction-to-web-application-with-python";

/// The book's helpers whose work `common` does for every chapter: the book's
/// name, the file and function here, and what to call it in a heading.
const IN_COMMON: [(&str, &str, &str, &str); 2] = [
    (
        "parse_http_request",
        "common/src/request.rs",
        "read_request",
        "common::read_request, which reads with the same code as common::receive_request",
    ),
    (
        "build_response_header",
        "common/src/response.rs",
        "head",
        "common::Response::head, also used for the error pages",
    ),
];

/// Where the work of a function with no partner went, by its name.
const WENT: [(&str, &str); 3] = [
    (
        "__init__",
        "the `move` closure in serve (main.rs) hands client_socket and address to the thread",
    ),
    (
        "handle_client",
        "the book inlines it in WorkerThread.run; here worker::run calls it, moved unchanged from chapter13-refactor",
    ),
    (
        "get_content_type",
        "the Content-Type half of the book's build_response_header, whose header lines are common::Response::head",
    ),
];

/// Why `--book` could not run.
#[derive(Debug)]
pub enum Error {
    /// The reader's input is wrong: print the sentence, exit with status 2.
    Usage(String),
    /// The workspace's own sources could not be read.
    Io(io::Error),
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        Error::Io(err)
    }
}

/// A unit of a Python file: a function, a method, or the `__main__` block.
#[derive(Debug, Clone, PartialEq)]
pub struct PyUnit {
    /// `serve`, `WorkerThread.run`, or `__main__`.
    pub name: String,
    /// Its lines (0-based, end exclusive), decorators included.
    pub lines: Range<usize>,
}

impl PyUnit {
    /// The name without its class: what a Rust function would be called.
    fn short(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

/// The functions, methods and `__main__` block of a Python file.
pub fn python_units(source: &str) -> Vec<PyUnit> {
    let lines: Vec<&str> = source.lines().collect();
    let in_string = inside_strings(&lines);
    // A line that counts for the layout: code, not blank, not inside a string.
    let code = |i: usize| !in_string[i] && !lines[i].trim().is_empty();
    let indent = |i: usize| lines[i].len() - lines[i].trim_start().len();
    let mut units = Vec::new();
    // The class being read, and the indentation of its body once seen.
    let mut class: Option<(String, Option<usize>)> = None;
    for i in (0..lines.len()).filter(|&i| code(i)) {
        let text = lines[i].trim_start();
        let depth = indent(i);
        match &mut class {
            Some(_) if depth == 0 => class = None,
            Some((_, body @ None)) => *body = Some(depth),
            _ => {}
        }
        let name = if let Some(rest) = text.strip_prefix("class ").filter(|_| depth == 0) {
            class = Some((identifier(rest), None));
            continue;
        } else if let Some(rest) = text
            .strip_prefix("def ")
            .or(text.strip_prefix("async def "))
        {
            match &class {
                None if depth == 0 => identifier(rest),
                Some((name, body)) if *body == Some(depth) => {
                    format!("{name}.{}", identifier(rest))
                }
                _ => continue,
            }
        } else if depth == 0 && is_main_guard(text) {
            "__main__".to_owned()
        } else {
            continue;
        };
        let mut start = i;
        while start > 0 && lines[start - 1].trim_start().starts_with('@') {
            start -= 1;
        }
        // The unit runs until a code line as far left as its header; a line
        // that only closes a bracket (a long signature) does not end it.
        let mut end = (i + 1..lines.len())
            .find(|&j| {
                code(j) && indent(j) <= depth && !lines[j].trim_start().starts_with([')', ']', '}'])
            })
            .unwrap_or(lines.len());
        while end > i + 1 && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        units.push(PyUnit {
            name,
            lines: start..end,
        });
    }
    units
}

/// For each line, whether it starts inside a triple-quoted string (a
/// docstring's lines may sit further left than the code around them).
fn inside_strings(lines: &[&str]) -> Vec<bool> {
    let mut open: Option<&str> = None;
    let mut inside = Vec::with_capacity(lines.len());
    for line in lines {
        inside.push(open.is_some());
        let mut rest = *line;
        loop {
            let next = ["\"\"\"", "'''"]
                .iter()
                .filter_map(|q| rest.find(q).map(|at| (at, *q)))
                .min();
            let Some((at, quote)) = next else { break };
            match open {
                None => open = Some(quote),
                Some(o) if o == quote => open = None,
                Some(_) => {}
            }
            rest = &rest[at + 3..];
        }
    }
    inside
}

fn is_main_guard(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact == "if__name__==\"__main__\":" || compact == "if__name__=='__main__':"
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A Rust function that can stand beside a Python one.
struct RustFn {
    /// The book's name for the work it does: usually its own name.
    book_name: String,
    /// Its name in a heading: `serve`, `worker::run`, `common::Response::head`.
    shown: String,
    /// Index of its file in the list of Rust sources.
    source: usize,
    lines: Range<usize>,
    /// A chapter function (listed if it has no partner), not one of `common`'s.
    in_chapter: bool,
}

/// The `.rs` files of `krate`, sorted, then the `common` files named in
/// [`IN_COMMON`]: each path relative to the root, with its text.
fn rust_sources(root: &Path, krate: &str) -> io::Result<Vec<(String, String)>> {
    let mut names: Vec<String> = fs::read_dir(root.join(krate).join("src"))?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<_>>()?;
    names.retain(|n| n.ends_with(".rs"));
    names.sort();
    let files = names
        .into_iter()
        .map(|name| format!("{krate}/src/{name}"))
        .chain(IN_COMMON.iter().map(|(_, file, _, _)| (*file).to_owned()));
    files
        .map(|file| {
            let text = fs::read_to_string(root.join(&file))?;
            Ok((file, text))
        })
        .collect()
}

/// The chapter's functions by their own names, and `common`'s by the book's
/// names for them.
fn rust_functions(sources: &[(String, String)]) -> Vec<RustFn> {
    let mut found = Vec::new();
    for (source, (file, text)) in sources.iter().enumerate() {
        let in_chapter = !file.starts_with("common/");
        let module = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|m| m != "main");
        for item in fn_items(text) {
            let (book_name, shown) = if in_chapter {
                if item.indent > 0 {
                    continue;
                }
                let shown = match &module {
                    Some(m) => format!("{m}::{}", item.name),
                    None => item.name.clone(),
                };
                (item.name, shown)
            } else {
                let Some((book_name, _, _, shown)) = IN_COMMON
                    .iter()
                    .find(|(_, f, name, _)| f == file && *name == item.name)
                else {
                    continue;
                };
                ((*book_name).to_owned(), (*shown).to_owned())
            };
            found.push(RustFn {
                book_name,
                shown,
                source,
                lines: item.lines,
                in_chapter,
            });
        }
    }
    found
}

/// The book's chapter beside `krate`, pair by pair, then what has no partner.
pub fn render(book: &Path, root: &Path, krate: &str, page: &mut Page) -> Result<(), Error> {
    let python = read_book(book, krate)?;
    let sources = rust_sources(root, krate)?;
    let rust = rust_functions(&sources);
    page.note(&format!(
        "The book's Python (left, from {}) beside {krate} (right), function by function. \
         A row with both sides means they correspond: = the same log line, * the same work \
         (the def and fn lines, or shared names such as accept, send, static_root). A line \
         with no partner has a row of its own; ~ a wrapped line goes on.",
        book.display()
    ));
    let mut used = vec![false; rust.len()];
    let mut unpaired = Vec::new();
    for (file, text) in &python {
        let py_lines: Vec<&str> = text.lines().collect();
        for unit in python_units(text) {
            let wanted = if unit.name == "__main__" {
                "main"
            } else {
                unit.short()
            };
            let Some(at) = rust.iter().position(|f| f.book_name == wanted) else {
                let went = WENT.iter().find(|(n, _)| *n == unit.short()).map_or_else(
                    || format!("no function of this name in {krate} or common"),
                    |(_, w)| (*w).to_owned(),
                );
                unpaired.push(format!("{file}: {}: {went}", unit.name));
                continue;
            };
            used[at] = true;
            let partner = &rust[at];
            let (rust_file, rust_text) = &sources[partner.source];
            let rs_lines: Vec<&str> = rust_text.lines().collect();
            let left: Vec<(usize, &str)> = unit.lines.map(|i| (i + 1, py_lines[i])).collect();
            let right: Vec<(usize, &str)> = partner
                .lines
                .clone()
                .map(|i| (i + 1, rs_lines[i]))
                .collect();
            page.blank();
            page.heading(&format!(
                "{} ({file}) <-> {} ({rust_file})",
                unit.name, partner.shown
            ));
            for row in pair_rows(&left, &right) {
                page.row(&row);
            }
        }
    }
    for (f, _) in rust
        .iter()
        .zip(&used)
        .filter(|(f, used)| f.in_chapter && !**used)
    {
        let went = WENT.iter().find(|(n, _)| *n == f.book_name).map_or(
            "not in the book's code: this edition's addition",
            |(_, w)| w,
        );
        unpaired.push(format!("{}: {}: {went}", sources[f.source].0, f.shown));
    }
    page.blank();
    page.heading("Without a partner");
    if unpaired.is_empty() {
        page.note("none: every function has its partner above");
    }
    for line in &unpaired {
        page.note(line);
    }
    Ok(())
}

/// The book's Python files for `krate`, read from the reader's clone.
fn read_book(book: &Path, krate: &str) -> Result<Vec<(&'static str, String)>, Error> {
    let Some(step) = steps::find_with_start(krate) else {
        let known: Vec<&str> = steps::with_start()
            .filter(|step| !step.python.is_empty())
            .map(|step| step.krate)
            .collect();
        return Err(Error::Usage(format!(
            "The book has no Python for {krate}. --book takes one of: {}.",
            known.join(", ")
        )));
    };
    if step.python.is_empty() {
        return Err(Error::Usage(format!(
            "The book has no Python for {krate}, which goes beyond its code: {} ({}). \
             Compare it with the step it starts from instead: \
             cargo xtask side-by-side {} {krate}",
            step.book, step.lesson, step.previous
        )));
    }
    let mut python = Vec::new();
    for file in step.python {
        match fs::read(book.join(file)) {
            Ok(bytes) => python.push((*file, String::from_utf8_lossy(&bytes).into_owned())),
            Err(err) => {
                return Err(Error::Usage(format!(
                    "Expected the book's {file} under {} ({err}). --book PATH takes your clone \
                     of the book's repository; make one with\n    git clone {BOOK_REPO}\n\
                     and pass the folder it creates.",
                    book.display()
                )));
            }
        }
    }
    Ok(python)
}

/// Rows for a Python unit and its Rust partner: the `def` line faces the
/// `fn` line (decorators and doc comments above them), then the lines that
/// correspond ([`pairing`]) face each other. Between two such rows, the
/// lines with no partner get rows of their own, the book's first: a row
/// with both sides always means "these do the same".
pub fn pair_rows<'a>(left: &[(usize, &'a str)], right: &[(usize, &'a str)]) -> Vec<Row<'a>> {
    let header = |lines: &[(usize, &str)], above: &[&str]| {
        lines
            .iter()
            .position(|(_, l)| !above.iter().any(|a| l.trim_start().starts_with(a)))
            .unwrap_or(0)
    };
    let (lh, rh) = (header(left, &["@"]), header(right, &["///", "#["]));
    let text = |lines: &[(usize, &'a str)], from: usize| -> Vec<&'a str> {
        lines.iter().skip(from).map(|(_, t)| *t).collect()
    };
    let mut anchors: Vec<(usize, usize, Mark)> =
        pairing::corresponding(&text(left, lh), &text(right, rh))
            .into_iter()
            .map(|(l, r, log)| {
                let mark = if log { Mark::Anchor } else { Mark::Alike };
                (lh + l, rh + r, mark)
            })
            .collect();
    anchors.push((left.len(), right.len(), Mark::Same));
    let mut rows = Vec::new();
    let (mut l, mut r) = (0, 0);
    for (al, ar, mark) in anchors {
        let alone = |line: (usize, &'a str), on_left: bool| Row {
            left: on_left.then_some(line),
            mark: Mark::Same,
            right: (!on_left).then_some(line),
        };
        rows.extend(left[l..al].iter().map(|&line| alone(line, true)));
        rows.extend(right[r..ar].iter().map(|&line| alone(line, false)));
        if al < left.len() && ar < right.len() {
            rows.push(Row {
                left: Some(left[al]),
                mark,
                right: Some(right[ar]),
            });
        }
        (l, r) = (al + 1, ar + 1);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_by_indentation() {
        let source = "import os\n\nclass Server:\n    \"\"\"\ndoc at column 0\n    \"\"\"\n    LIMIT = 1\n\n    @staticmethod\n    def serve(self,\n    ):\n        def inner():\n            pass\n        return 1\n\n    def stop(self):\n        pass\n\n\ndef helper():\n    pass\n\nif __name__ == '__main__':\n    Server().serve()\n";
        let units = python_units(source);
        let got: Vec<(&str, Range<usize>)> = units
            .iter()
            .map(|u| (u.name.as_str(), u.lines.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("Server.serve", 8..14),
                ("Server.stop", 15..17),
                ("helper", 19..21),
                ("__main__", 22..24),
            ]
        );
    }
}
