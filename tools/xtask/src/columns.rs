//! Two columns of numbered lines that fit a width in terminal cells: the
//! page that both `side-by-side` views (two chapters, or the book beside
//! one) draw on. Long lines wrap onto rows marked `~`.

use std::fmt::Write as _;

use crate::width::{clean, wrap};

/// Cells for a line number: files here stay under 10 000 lines.
pub const NUMBER_CELLS: usize = 4;
/// What stands in for the line number on a wrapped line's further rows.
const CONTINUED: &str = "~";

/// How a row compares its two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Both sides the same; for the book, a line with no partner.
    Same,
    /// The left line was replaced by the right one.
    Changed,
    /// Only on the left: removed.
    Removed,
    /// Only on the right: added.
    Added,
    /// The book's log line and the Rust one that prints the same text.
    Anchor,
    /// A book line and a Rust line that do the same work: the function's
    /// name, or shared names such as `accept`, `send`, `static_root`.
    Alike,
}

impl Mark {
    fn symbol(self) -> char {
        match self {
            Mark::Same => ' ',
            Mark::Changed => '|',
            Mark::Removed => '<',
            Mark::Added => '>',
            Mark::Anchor => '=',
            Mark::Alike => '*',
        }
    }
}

/// One row: a numbered line (1-based) on either side, or nothing.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Left line number and text.
    pub left: Option<(usize, &'a str)>,
    /// How the two sides compare.
    pub mark: Mark,
    /// Right line number and text.
    pub right: Option<(usize, &'a str)>,
}

/// Output being built: the width every line must fit, and whether to colour.
pub struct Page {
    width: usize,
    color: bool,
    out: String,
}

impl Page {
    /// An empty page `width` cells wide.
    pub fn new(width: usize, color: bool) -> Page {
        Page {
            width,
            color,
            out: String::new(),
        }
    }

    /// Cells of text in each column at `width`.
    pub fn column_cells(width: usize) -> usize {
        // number, space, text, space, mark, space, number, space, text
        width.saturating_sub(3 + 2 * (NUMBER_CELLS + 1)) / 2
    }

    /// A heading line (`## ...`), wrapped to the width.
    pub fn heading(&mut self, text: &str) {
        self.prose("## ", text, "1");
    }

    /// A note line (`# ...`), wrapped to the width.
    pub fn note(&mut self, text: &str) {
        self.prose("# ", text, "36");
    }

    /// An empty line.
    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    fn prose(&mut self, prefix: &str, text: &str, sgr: &str) {
        // Later pieces keep the prefix, indented, so every line that is not
        // a row starts with `#`: rows never do (they start with a number).
        let indent = format!("{prefix}  ");
        let cells = self.width.saturating_sub(indent.len());
        for (i, piece) in wrap(&clean(text), cells).iter().enumerate() {
            let lead = if i == 0 { prefix } else { &indent };
            // The indent already sets later pieces apart; no extra spaces.
            let piece = if i == 0 {
                piece.trim_end()
            } else {
                piece.trim()
            };
            let line = format!("{lead}{piece}");
            self.push_styled(&line, sgr);
            self.out.push('\n');
        }
    }

    /// One row, wrapped onto as many printed rows as the longer side needs.
    pub fn row(&mut self, row: &Row<'_>) {
        let cells = Page::column_cells(self.width);
        let side = |line: Option<(usize, &str)>| match line {
            Some((number, text)) => (number.to_string(), wrap(&clean(text), cells)),
            None => (String::new(), Vec::new()),
        };
        let (left_number, left) = side(row.left);
        let (right_number, right) = side(row.right);
        let blank = " ".repeat(cells);
        let (left_sgr, right_sgr) = match row.mark {
            Mark::Same => ("", ""),
            Mark::Changed => ("31", "32"),
            Mark::Removed => ("31", ""),
            Mark::Added => ("", "32"),
            Mark::Anchor => ("1", "1"),
            Mark::Alike => ("36", "36"),
        };
        for i in 0..left.len().max(right.len()).max(1) {
            let number = |n: &String, pieces: &Vec<String>| match i {
                0 => n.clone(),
                _ if i < pieces.len() => CONTINUED.to_owned(),
                _ => String::new(),
            };
            let mut line = String::new();
            let left_text = left.get(i).unwrap_or(&blank);
            let right_text = right.get(i).map_or("", |t| t.trim_end());
            self.numbered(&mut line, &number(&left_number, &left), left_text, left_sgr);
            write!(line, " {} ", row.mark.symbol()).ok();
            self.numbered(
                &mut line,
                &number(&right_number, &right),
                right_text,
                right_sgr,
            );
            let line = line.trim_end();
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    fn numbered(&self, line: &mut String, number: &str, text: &str, sgr: &str) {
        let number = format!("{number:>NUMBER_CELLS$}");
        if self.color {
            write!(line, "\x1b[2m{number}\x1b[0m ").ok();
        } else {
            write!(line, "{number} ").ok();
        }
        if self.color && !sgr.is_empty() && !text.trim().is_empty() {
            // Colour the text only, not the padding, so the row stays quiet.
            let shown = text.trim_end();
            let padding = &text[shown.len()..];
            write!(line, "\x1b[{sgr}m{shown}\x1b[0m{padding}").ok();
        } else {
            line.push_str(text);
        }
    }

    fn push_styled(&mut self, text: &str, sgr: &str) {
        if self.color {
            write!(self.out, "\x1b[{sgr}m{text}\x1b[0m").ok();
        } else {
            self.out.push_str(text);
        }
    }

    /// Everything printed so far.
    pub fn finish(self) -> String {
        self.out
    }
}
