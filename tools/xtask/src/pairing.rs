//! Which lines of a book function and its Rust partner do the same work.
//!
//! Each code line is reduced to the words that say what it does (`accept`,
//! `send`, `static_root`, ...), with the two languages' names for one thing
//! made alike (`recv`/`read`, `start`/`spawn`, `while True`/`loop`,
//! `except`/`Err`). Two lines score by the words they share; the pairs kept
//! are the best-scoring ones that keep both sides in order ([`best_pairs`]).
//! Lines that print the same log text always pair: the Rust mirrors the
//! book's log lines exactly.
//!
//! Comments, blank lines and docstrings never pair, except a Rust comment's
//! `` `quoted` `` words: "the book's `finally`" faces `finally:`.

use std::collections::{BTreeSet, HashMap};

/// Score of two lines that print the same log text: above any word score.
pub const LOG_SCORE: u32 = 1000;
/// Scores count in this many parts of a point (see [`scores`]).
pub const SCALE: u32 = 1000;
/// The least score at which two lines are shown as doing the same work.
const THRESHOLD: u32 = 3;
/// Score of one shared word that names an operation or a key name: more
/// than a name both use once, so `accept` pairs with `accept`, not with the
/// line that unpacks its result.
const KEY_WORD: u32 = 4;
/// Score of one shared name that each function uses on one line only.
const ONCE: u32 = 3;

/// The key words, each with the names the two languages give it; a shared
/// key word scores [`KEY_WORD`] (see [`scores`]).
const KEY_WORDS: [(&[&str], &str); 20] = [
    (&["socket"], "socket"),
    (&["bind"], "bind"),
    (&["listen"], "listen"),
    (&["accept"], "accept"),
    (&["recv", "read", "read_request", "receive_request"], "read"),
    (&["send", "sendall", "write_all"], "send"),
    (&["close", "drop", "dropped"], "close"),
    (&["start", "spawn"], "spawn"),
    (&["join"], "join"),
    (&["run"], "run"),
    (&["loop"], "loop"),
    (&["try"], "try"),
    (&["except", "Err"], "except"),
    // The book catches OSError where the file is not found: the 404.
    (&["oserror", "notfound", "not_found"], "not_found"),
    (&["finally"], "finally"),
    (&["static_root"], "static_root"),
    (
        &["mime_types", "content_type", "mime_guess"],
        "content_type",
    ),
    (
        &["setsockopt", "set_reuse_address", "so_reuseaddr"],
        "reuseaddr",
    ),
    (&["webserver"], "webserver"),
    (&["static"], "static"),
];

/// Words too common in either language to say anything.
const STOP_WORDS: [&str; 36] = [
    "self", "let", "mut", "pub", "def", "the", "and", "for", "with", "not", "none", "some", "true",
    "false", "else", "elif", "str", "bytes", "string", "into", "from", "new", "clone", "ref",
    "impl", "usize", "config", "common", "print", "info", "error", "debug", "format", "encode",
    "decode", "get",
];

/// Rust's ways of printing a message. Such a line pairs only by its log
/// text: its words (`could not start a thread`) are prose, not work.
const LOG_MACROS: [&str; 7] = [
    "info!(",
    "error!(",
    "warn!(",
    "debug!(",
    "trace!(",
    "eprintln!(",
    "println!(",
];

/// A line's part in the pairing.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Prints this log text (placeholders made alike).
    Log(String),
    /// The words that say what the line does, and how deep it is nested in
    /// its function (the body is 1; 0: not code but a comment).
    Words(BTreeSet<String>, usize),
}

/// The shape of each of a Python unit's lines. Docstrings and comments have
/// no words.
pub fn python_shapes(lines: &[&str], base: usize) -> Vec<Shape> {
    let mut in_docstring = false;
    lines
        .iter()
        .map(|line| {
            let quotes = line.matches("\"\"\"").count() + line.matches("'''").count();
            let docstring = in_docstring || quotes > 0;
            if quotes % 2 == 1 {
                in_docstring = !in_docstring;
            }
            if let Some(key) = log_key(line) {
                return Shape::Log(key);
            }
            let code = line.trim();
            if docstring || code.starts_with('#') || code.starts_with("print(") {
                return Shape::Words(BTreeSet::new(), 0);
            }
            let code = before_comment(code, "#");
            let mut found = words(code);
            found.extend(python_constructors(code));
            if code.starts_with("while True") {
                found.insert("loop".to_owned());
            }
            Shape::Words(found, depth(line, base))
        })
        .collect()
}

/// The shape of each of a Rust function's lines. A comment has only the
/// words it quotes in backticks: the book's names it stands for.
pub fn rust_shapes(lines: &[&str], base: usize) -> Vec<Shape> {
    lines
        .iter()
        .map(|line| {
            if let Some(key) = log_key(line) {
                return Shape::Log(key);
            }
            let code = line.trim();
            if LOG_MACROS.iter().any(|m| code.starts_with(m)) {
                return Shape::Words(BTreeSet::new(), 0);
            }
            // A message printed at the end of a line (`Err(err) => error!(..)`)
            // is prose too: only the code before it says what the line does.
            let code = LOG_MACROS
                .iter()
                .filter_map(|m| code.find(m))
                .min()
                .map_or(code, |at| code[..at].trim_end());
            let (code, comment) = match code.strip_prefix("//") {
                Some(comment) => ("", comment),
                None => {
                    let code = before_comment(code, "//");
                    (code, &line.trim()[code.len()..])
                }
            };
            let mut found = words(code);
            found.extend(rust_constructors(code));
            for quoted in comment.split('`').skip(1).step_by(2) {
                found.extend(words(quoted));
            }
            let depth = if code.is_empty() {
                0
            } else {
                depth(line, base)
            };
            Shape::Words(found, depth)
        })
        .collect()
}

/// `new_socket` for each `Socket::new(` in Rust code: what the object made
/// is, so that creation faces creation, not a later use of the object.
fn rust_constructors(code: &str) -> Vec<String> {
    code.match_indices("::new(")
        .filter_map(|(at, _)| {
            let before = &code[..at];
            let start = ident_start(before);
            let name = &before[start..];
            (!name.is_empty()).then(|| format!("new_{}", name.to_ascii_lowercase()))
        })
        .collect()
}

/// `new_socket` for `socket.socket(` (a module's class of the same name) and
/// `new_webserver` for `WebServer(` (a class, by its capital) in Python code.
fn python_constructors(code: &str) -> Vec<String> {
    code.match_indices('(')
        .filter_map(|(at, _)| {
            let before = &code[..at];
            let start = ident_start(before);
            let name = &before[start..];
            let module = before[..start]
                .strip_suffix('.')
                .map(|m| m.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')));
            let same_module = module.and_then(|mut m| m.next()) == Some(name);
            let class = name.starts_with(|c: char| c.is_ascii_uppercase());
            (!name.is_empty() && (class || same_module))
                .then(|| format!("new_{}", name.to_ascii_lowercase()))
        })
        .collect()
}

/// Where the identifier that ends `text` starts.
fn ident_start(text: &str) -> usize {
    text.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1)
}

/// How many levels of four spaces `line` sits right of `base`.
fn depth(line: &str, base: usize) -> usize {
    indent(line).saturating_sub(base) / 4
}

/// Spaces before the text of `line`.
pub fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `line` up to a comment that starts with `marker` outside a string.
fn before_comment<'a>(line: &'a str, marker: &str) -> &'a str {
    let mut quote = None;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match quote {
            Some(q) if !escaped && c == q => quote = None,
            Some(_) => escaped = !escaped && c == '\\',
            None if c == '"' || c == '\'' && marker == "#" => quote = Some(c),
            None if line[at..].starts_with(marker) => return line[..at].trim_end(),
            None => {}
        }
    }
    line
}

/// The words of some code: identifiers and the words in its strings, lower
/// case, `Content-Type` as one word, each language's names for one thing
/// made the same.
fn words(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let chars: Vec<char> = code.chars().collect();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let joins = c == '-'
            && !word.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic());
        if c.is_ascii_alphanumeric() || c == '_' || joins {
            word.push(if joins { '_' } else { c });
        } else {
            add_word(&mut found, &word);
            word.clear();
        }
    }
    add_word(&mut found, &word);
    found
}

fn add_word(found: &mut BTreeSet<String>, word: &str) {
    if word.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return;
    }
    // Whole words only: split, `SocketAddr` would pass for a socket.
    // `Err` is a key word, the variable `err` is not.
    let lower = word.to_ascii_lowercase();
    let word = KEY_WORDS
        .iter()
        .find(|(names, _)| names.contains(&word) || names.contains(&lower.as_str()))
        .map_or(lower, |(_, key)| (*key).to_owned());
    if word.len() >= 3 && !STOP_WORDS.contains(&word.as_str()) {
        found.insert(word);
    }
}

fn is_key_word(word: &str) -> bool {
    KEY_WORDS.iter().any(|(_, key)| *key == word)
}

/// The text of the log line a source line prints, if any: what lies between
/// the book's `===` fences, with `{...}` placeholders made alike.
pub fn log_key(line: &str) -> Option<String> {
    let start = line.find("===")?;
    let end = line.rfind("===")?;
    if end <= start + 3 {
        return None;
    }
    let mut key = String::new();
    let mut depth = 0;
    for c in line[start + 3..end].trim().chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    key.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth == 0 => key.push(c),
            _ => {}
        }
    }
    Some(key)
}

/// How alike each left line is to each right line. A key word counts
/// [`KEY_WORD`]; any other word [`ONCE`] when it is on one line of each side
/// (a name both functions use once, like `relative_path`), else 1.
/// Below [`THRESHOLD`] a pair scores 0; a comment scores just the threshold;
/// two code lines score 1 more, and 1 more again when equally deep. Scores
/// are in [`SCALE`]ths of a point, the fraction breaking ties.
pub fn scores(left: &[Shape], right: &[Shape]) -> Vec<Vec<u32>> {
    fn lines_with(shapes: &[Shape]) -> HashMap<&str, usize> {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for shape in shapes {
            if let Shape::Words(words, _) = shape {
                for w in words {
                    *count.entry(w).or_default() += 1;
                }
            }
        }
        count
    }
    let (left_count, right_count) = (lines_with(left), lines_with(right));
    let weight = |w: &str| {
        let once = left_count.get(w) == Some(&1) && right_count.get(w) == Some(&1);
        if is_key_word(w) {
            KEY_WORD
        } else if once {
            ONCE
        } else {
            1
        }
    };
    let (m, n) = (left.len().max(1) as f64, right.len().max(1) as f64);
    let mut scores = vec![vec![0; right.len()]; left.len()];
    for (i, l) in left.iter().enumerate() {
        for (j, r) in right.iter().enumerate() {
            let (base, overlap) = match (l, r) {
                (Shape::Log(a), Shape::Log(b)) if a == b => (LOG_SCORE, 1.0),
                (Shape::Words(a, da), Shape::Words(b, db)) => {
                    let shared: u32 = a.intersection(b).map(|w| weight(w)).sum();
                    let overlap =
                        a.intersection(b).count() as f64 / a.union(b).count().max(1) as f64;
                    // Code wins over a comment that names it (which scores
                    // just enough), then equal depth: `except Exception:`
                    // in the function's body faces the body's `if let Err`.
                    let base = match shared {
                        s if s < THRESHOLD => 0,
                        _ if *da == 0 || *db == 0 => THRESHOLD,
                        s => s + 1 + u32::from(da == db),
                    };
                    (base, overlap)
                }
                _ => (0, 0.0),
            };
            // Ties, below one point: the line with fewer other words
            // (`Socket::new` over `Shutdown::on_ctrl_c(&socket)`), and lines
            // as far into their functions (both ending with `finally`).
            let near = 1.0 - (i as f64 / m - j as f64 / n).abs().min(1.0);
            let fraction = ((2.0 * overlap + near) / 3.0 * f64::from(SCALE - 1)) as u32;
            scores[i][j] = match base {
                0 => 0,
                _ => base * SCALE + fraction,
            };
        }
    }
    scores
}

/// The lines of a Python unit and of its Rust partner that correspond, in
/// order on both sides, each unit's lines given from its `def` or `fn` line
/// on, which face each other first. `true` marks lines that print the same
/// log text.
pub fn corresponding(left: &[&str], right: &[&str]) -> Vec<(usize, usize, bool)> {
    let (Some(left_head), Some(right_head)) = (left.first(), right.first()) else {
        return Vec::new();
    };
    let scores = scores(
        &python_shapes(&left[1..], indent(left_head)),
        &rust_shapes(&right[1..], indent(right_head)),
    );
    let mut pairs = vec![(0, 0, false)];
    for (l, r) in best_pairs(&scores, THRESHOLD * SCALE) {
        pairs.push((l + 1, r + 1, scores[l][r] >= LOG_SCORE * SCALE));
    }
    pairs
}

/// The pairs `(i, j)` of `scores[i][j]` that keep both sides in order, each
/// scoring at least `threshold`, with the most score in total: a longest
/// common subsequence where a pair counts by its score. Ties go to the
/// earlier pair.
pub fn best_pairs(scores: &[Vec<u32>], threshold: u32) -> Vec<(usize, usize)> {
    let m = scores.len();
    let n = scores.first().map_or(0, Vec::len);
    // best[i][j]: the most total score that scores[i..][j..] can reach.
    let mut best = vec![vec![0u32; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            let pair = match scores[i][j] {
                s if s >= threshold => s + best[i + 1][j + 1],
                _ => 0,
            };
            best[i][j] = pair.max(best[i + 1][j]).max(best[i][j + 1]);
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < m && j < n {
        let s = scores[i][j];
        if s >= threshold && best[i][j] == s + best[i + 1][j + 1] {
            pairs.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if best[i][j] == best[i + 1][j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(shape: &Shape) -> Vec<&str> {
        match shape {
            Shape::Words(words, _) => words.iter().map(String::as_str).collect(),
            Shape::Log(key) => vec![key.as_str()],
        }
    }

    #[test]
    fn the_two_languages_names_are_made_alike() {
        let py = python_shapes(
            &[
                "        while True:",
                "            data = self.client_socket.recv(4096)  # read it",
                "            WorkerThread(conn).start()",
                "        \"\"\"docstring: accept\"\"\"",
                "        # socketを生成",
                "        h += f\"Content-Type: {content_type}\\r\\n\"",
                "        print(\"accept failed\")",
            ],
            4,
        );
        let py: Vec<Vec<&str>> = py.iter().map(words_of).collect();
        assert_eq!(py[0], ["loop", "while"]);
        assert_eq!(py[1], ["client_socket", "data", "read"]);
        assert_eq!(py[2], ["conn", "new_workerthread", "spawn", "workerthread"]);
        for silent in &py[3..5] {
            assert!(silent.is_empty(), "{py:?}");
        }
        assert_eq!(py[5], ["content_type"]);
        assert!(py[6].is_empty(), "a message is prose: {py:?}");
        let rs = rust_shapes(
            &[
                "    loop {",
                "        // dropped here, which closes it: the book's `finally`.",
                "        let n = read_some(reader, &mut buf)?; // a `comment`",
                "        let url = \"http://x\"; // a note",
                "        error!(\"could not start a thread\");",
            ],
            0,
        );
        let rs: Vec<Vec<&str>> = rs.iter().map(words_of).collect();
        assert_eq!(rs[0], ["loop"]);
        assert_eq!(rs[1], ["finally"]);
        assert_eq!(rs[2], ["buf", "comment", "read_some", "reader"]);
        assert_eq!(rs[3], ["http", "url"]);
        assert!(rs[4].is_empty(), "a message is prose: {rs:?}");
    }

    #[test]
    fn creation_is_a_word_in_both_languages() {
        assert_eq!(
            python_constructors("s = socket.socket(socket.AF_INET)"),
            ["new_socket"]
        );
        assert_eq!(
            python_constructors("WebServer().serve()"),
            ["new_webserver"]
        );
        assert!(python_constructors("self.conn.recv(4096)").is_empty());
        assert_eq!(
            rust_constructors("let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;"),
            ["new_socket"]
        );
        assert!(rust_constructors("let s = socket.into();").is_empty());
        // Creation faces creation, not a later call on the socket.
        let pairs = corresponding(
            &["    def make(self):", "        s = socket.socket()"],
            &[
                "fn make() {",
                "    let address = config.address();",
                "    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;",
                "    socket.set_reuse_address(true)?;",
            ],
        );
        assert_eq!(pairs, [(0, 0, false), (1, 2, false)]);
    }

    #[test]
    fn key_words_and_names_used_once_pair_lines_in_order() {
        let left = [
            "    def serve(self):",
            "        finally:",
            "        s = socket.socket()",
            "        s.listen(10)",
            "        relative_path = path.lstrip(\"/\")",
            "        path = path",
            "        print(\"=== 停止します ===\")",
        ];
        let right = [
            "fn serve() {",
            "    let socket = Socket::new()?;",
            "    Shutdown::on_ctrl_c(&socket)?;",
            "    socket.listen(128)?;",
            "    let relative_path = path.trim_start_matches('/');",
            "    let path = path;",
            "    info!(\"=== 停止します ===\");",
        ];
        // `finally` has no partner; the socket line pairs with its creation,
        // not with the Ctrl+C line that only uses it; `path` is too common.
        assert_eq!(
            corresponding(&left, &right),
            [
                (0, 0, false),
                (2, 1, false),
                (3, 3, false),
                (4, 4, false),
                (6, 6, true)
            ]
        );
    }

    #[test]
    fn equal_depth_breaks_a_tie() {
        let left = [
            "    def run(self):",
            "        try:",
            "            try:",
            "                body = read()",
            "            except OSError:",
            "                body = None",
            "        except Exception:",
            "            pass",
        ];
        let right = [
            "pub fn run() {",
            "    if let Err(err) = handle_client() {",
            "        report(err);",
            "    }",
            "}",
        ];
        let pairs = corresponding(&left, &right);
        assert!(pairs.contains(&(6, 1, false)), "{pairs:?}");
    }

    #[test]
    fn log_keys_match_across_languages() {
        let py = r#"print(f"=== Server: 接続が完了しました remote_address: {address} ===")"#;
        let rs = r#"info!("=== Server: 接続が完了しました remote_address: {address} ===");"#;
        assert_eq!(log_key(py), log_key(rs));
        assert!(log_key(py).is_some());
        assert_eq!(log_key("let x = 1;"), None);
        let both = scores(&python_shapes(&[py], 0), &rust_shapes(&[rs], 0));
        assert!(both[0][0] >= LOG_SCORE * SCALE, "{both:?}");
    }
}
