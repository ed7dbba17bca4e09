//! The Japanese guide says each thing with one word: every page of `docs/ja/`
//! (whoever writes it) is searched for the spellings the terms table in
//! `docs/ja/README.md` replaced, and for patterns that read as translated.
//!
//! Only prose is searched: fenced blocks and inline code are program output,
//! commands and code, which other tests check against the real programs.

use std::fs;
use std::path::Path;

/// `(variant, use instead)`. THE list: extend it here. In a variant, `#`
/// stands for a number (`1`, `10,000`, `N`), with or without spaces around.
const VARIANTS: &[(&str, &str)] = &[
    ("読み取りタイムアウト", "読み込みタイムアウト"),
    ("ディレクトリ", "フォルダー"),
    ("終了コード", "終了ステータス"),
    ("練習用", "演習（演習用のクレート）"),
    ("段階", "項目（チェッカーが確かめる 1 つ 1 つ）"),
    ("受け付け用のスレッド", "受け付け側のスレッド"),
    ("受付スレッド", "受け付け側のスレッド"),
    ("受け付けスレッド", "受け付け側のスレッド"),
    ("ワーカーのスレッド", "ワーカースレッド"),
    ("クライアント#本", "クライアント N 個"),
    ("クライアント#つ", "クライアント N 個"),
    ("#本のクライアント", "クライアント N 個"),
    ("#つのクライアント", "クライアント N 個"),
    ("#個のクライアント", "クライアント N 個"),
    ("接続#個", "接続 N 本"),
    ("接続#つ", "接続 N 本"),
    ("#個の接続", "接続 N 本"),
    ("#つの接続", "接続 N 本"),
    ("クライアントが#つ", "クライアントが N 個"),
    ("クライアントを#つ", "クライアントを N 個"),
    ("クライアントが#本", "クライアントが N 個"),
    ("クライアントを#本", "クライアントを N 個"),
    ("接続が#個", "接続が N 本"),
    ("接続を#個", "接続を N 本"),
    ("接続が#つ", "接続が N 本"),
    ("接続を#つ", "接続を N 本"),
    ("件目のクライアント", "番目のクライアント"),
    ("#件のクライアント", "クライアント N 個"),
    ("黙っているクライアント", "何も送らないクライアント"),
    ("コラムが示す先", "コラムの続き（`chapter13-threadpool`）"),
    (
        "コラムの先",
        "コラムの続き（`chapter13-threadpool`）か本の先（`chapter13-async`）",
    ),
    // Patterns the review found translated from English.
    ("向かい合", "並ぶ（2 列の同じ行に並ぶ）"),
    ("あなたが", "自分で（主語は書かない）"),
    ("あなたの", "自分の（主語は書かない）"),
    ("つ目の形", "つ目のコマンド"),
    ("どちらの形", "どちらの書き方"),
];

/// Where `pattern` occurs in `text`, as byte offsets; `#` matches a number.
fn find(text: &str, pattern: &str) -> Vec<usize> {
    let Some((before, after)) = pattern.split_once('#') else {
        return text.match_indices(pattern).map(|(i, _)| i).collect();
    };
    let mut found = Vec::new();
    let starts: Vec<usize> = if before.is_empty() {
        text.char_indices().map(|(i, _)| i).collect()
    } else {
        text.match_indices(before).map(|(i, _)| i).collect()
    };
    for start in starts {
        let rest = &text[start + before.len()..];
        // With nothing before `#`, the match starts at the number itself.
        let trimmed = if before.is_empty() {
            rest
        } else {
            rest.trim_start_matches(' ')
        };
        let number_len = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == 'N'))
            .unwrap_or(trimmed.len());
        if number_len == 0 {
            continue;
        }
        // A whole number only: not the tail of a longer one.
        let prev = text[..start].chars().next_back();
        if before.is_empty() && prev.is_some_and(|c| c.is_ascii_digit() || c == ',') {
            continue;
        }
        let tail = trimmed[number_len..].trim_start_matches(' ');
        if tail.starts_with(after) {
            found.push(start);
        }
    }
    found
}

/// A page's prose: fenced blocks and inline code blanked, line by line, and
/// the terms table's last column (the variants it names) too.
fn prose_lines(markdown: &str) -> Vec<String> {
    let mut in_block = false;
    let mut in_terms = false;
    markdown
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                in_block = !in_block;
                return String::new();
            }
            if in_block {
                return String::new();
            }
            if line.starts_with("<!-- terms table") {
                in_terms = true;
            } else if in_terms && !line.starts_with('|') {
                in_terms = false;
            }
            let line = match line.trim_end().strip_suffix('|') {
                Some(row) if in_terms => row.rsplit_once('|').map_or(line, |(kept, _)| kept),
                _ => line,
            };
            line.split('`')
                .enumerate()
                .map(|(i, part)| if i % 2 == 0 { part } else { " " })
                .collect()
        })
        .collect()
}

/// Each variant found on a page, as `page:line: … (use …)`. Prose lines are
/// joined first (a Japanese sentence wraps anywhere, even inside a word).
fn variants_in(page: &str, markdown: &str) -> Vec<String> {
    let mut text = String::new();
    // (byte offset in `text` where a line starts, its line number)
    let mut starts = Vec::new();
    for (i, line) in prose_lines(markdown).iter().enumerate() {
        starts.push((text.len(), i + 1));
        // A blank line ends a paragraph: nothing matches across it.
        if line.trim().is_empty() {
            text.push('\n');
        }
        text.push_str(line.trim());
    }
    let line_of = |at: usize| {
        starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= at)
            .map_or(1, |(_, line)| *line)
    };
    let mut wrong = Vec::new();
    for (variant, instead) in VARIANTS {
        for at in find(&text, variant) {
            let shown: String = text[at..].chars().take(24).collect();
            wrong.push((
                line_of(at),
                format!("`{variant}` in \"{shown}…\": use {instead}"),
            ));
        }
    }
    wrong.sort();
    wrong
        .into_iter()
        .map(|(line, what)| format!("{page}:{line}: {what}"))
        .collect()
}

#[test]
fn japanese_pages_use_one_term_for_each_thing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ja");
    let mut pages: Vec<_> = fs::read_dir(&dir)
        .expect("docs/ja")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "only {} pages in docs/ja", pages.len());
    let mut wrong = Vec::new();
    for path in &pages {
        let text = fs::read_to_string(path).expect("a page is UTF-8");
        let name = path.file_name().expect("a file").to_string_lossy();
        wrong.extend(variants_in(&format!("docs/ja/{name}"), &text));
    }
    assert!(
        wrong.is_empty(),
        "{} variant spelling(s); the terms are in docs/ja/README.md:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_terms_table_lists_each_term_chosen() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ja/README.md"))
            .expect("docs/ja/README.md");
    for term in [
        "読み込みタイムアウト",
        "フォルダー",
        "終了ステータス",
        "演習",
        "項目",
        "受け付け側のスレッド",
        "ワーカースレッド",
        "クライアント N 個",
        "接続 N 本",
        "何も送らないクライアント",
        "コラムの続き",
        "本の先",
        "コラム",
    ] {
        assert!(
            readme
                .lines()
                .any(|l| l.starts_with('|') && l.contains(term)),
            "docs/ja/README.md's terms table has no row for {term}"
        );
    }
}

#[test]
fn variants_are_found_in_prose_only_and_numbers_match_whole() {
    let page = "クライアント 10,000 本と 2 つのクライアント。\n<!-- terms table -->\n| 接続 N 本 | 数え方 | 接続 N 個 |\n`読み取りタイムアウト`\n```\nディレクトリ\n```\n接続 1 本、クライアント 3 個。\n";
    let wrong = variants_in("p.md", page);
    assert_eq!(wrong.len(), 2, "{wrong:#?}");
    for variant in ["`クライアント#本`", "`#つのクライアント`"] {
        let wanted = format!("p.md:1: {variant}");
        assert!(wrong.iter().any(|w| w.starts_with(&wanted)), "{wrong:#?}");
    }
    let wrapped = variants_in(
        "w.md",
        "受け付ける 2 つの\n  クライアント\n\n2 つ\n\nのクライアント",
    );
    assert_eq!(wrapped.len(), 1, "{wrapped:#?}");
    assert!(
        wrapped[0].starts_with("w.md:1: `#つのクライアント`"),
        "{}",
        wrapped[0]
    );
    assert_eq!(find("第12つの接続", "#つの接続").len(), 1);
    assert_eq!(find("そのつの接続", "#つの接続").len(), 0);
}

/// Whether `c` is a Japanese letter: kana or a kanji. Punctuation and
/// full-width symbols are not: a space may follow `？`.
fn japanese_letter(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}')
}

/// Spaces between two Japanese letters in a page's paragraphs, as
/// `line: text`: Japanese puts none there (`同じ クライアント`). Headings and
/// link texts are left out (a title may set its parts apart with a space),
/// and inline code counts as a letter that is not Japanese.
fn stray_spaces(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_block = false;
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block || line.starts_with('#') {
            continue;
        }
        // Inline code becomes `x`, link texts are dropped.
        let mut text = String::new();
        let mut in_code = false;
        let mut in_link = 0;
        for c in line.chars() {
            match c {
                '`' => {
                    in_code = !in_code;
                    if in_code {
                        text.push('x');
                    }
                }
                _ if in_code => {}
                '[' => in_link += 1,
                ']' if in_link > 0 => in_link -= 1,
                _ if in_link > 0 => {}
                _ => text.push(c),
            }
        }
        let chars: Vec<char> = text.chars().collect();
        for w in chars.windows(3) {
            if japanese_letter(w[0]) && w[1] == ' ' && japanese_letter(w[2]) {
                let shown: String = w.iter().collect();
                found.push(format!("{}: `{shown}` in {}", i + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn japanese_prose_has_no_space_between_two_japanese_letters() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ja");
    let mut wrong = Vec::new();
    for entry in fs::read_dir(&dir).expect("docs/ja") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = fs::read_to_string(&path).expect("a page is UTF-8");
        let name = path.file_name().expect("a file").to_string_lossy();
        for place in stray_spaces(&text) {
            wrong.push(format!("docs/ja/{name}:{place}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "a space between Japanese letters:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn stray_spaces_are_found_in_paragraphs_only() {
    let page = "# 第12章 何度でも\n[次：第13章 前半](a.md) と同じ クライアント\n`a` クライアント 2 個、いい？ はい\n```\nあ い\n```\n";
    let found = stray_spaces(page);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("2: `じ ク`"), "{}", found[0]);
}
