//! The guide's compiler-error examples (`docs/*/compiler-errors.md`) fail with
//! the error code each one states, and its correct counterparts compile.
//!
//! `cargo test --doc` already runs these blocks, but stable rustdoc only checks
//! that a `compile_fail,E0373` block fails: it compares the code on nightly
//! only. So this test compiles each block itself, against this build's
//! `common`, and compares the codes rustc reports. Only the codes: message
//! wording changes between compiler versions, the codes do not.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LANGUAGES: [&str; 2] = ["en", "ja"];

/// One fenced code block that rustdoc would compile.
#[derive(Debug, PartialEq)]
struct Block {
    /// 1-based line of the opening fence, for messages.
    line: usize,
    /// The error code after `compile_fail`, if any; `None` for a block that must compile.
    compile_fail: Option<Option<String>>,
    code: String,
}

fn guide(language: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(language)
        .join("compiler-errors.md");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    (path, text)
}

/// The blocks rustdoc treats as Rust: no language, `rust`, or only rustdoc's own attributes.
fn rust_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut code = String::new();
        for (_, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            code.push_str(line);
            code.push('\n');
        }
        let tokens: Vec<&str> = info
            .split([',', ' '])
            .filter(|token| !token.is_empty())
            .collect();
        let is_rust = tokens.iter().all(|token| {
            matches!(*token, "rust" | "compile_fail" | "no_run" | "should_panic")
                || is_error_code(token)
        });
        if !is_rust {
            continue;
        }
        let compile_fail = tokens.contains(&"compile_fail").then(|| {
            tokens
                .iter()
                .find(|token| is_error_code(token))
                .map(|token| token.to_string())
        });
        blocks.push(Block {
            line: number + 1,
            compile_fail,
            code,
        });
    }
    blocks
}

fn is_error_code(token: &str) -> bool {
    token.len() == 5
        && token.starts_with('E')
        && token[1..].bytes().all(|byte| byte.is_ascii_digit())
}

/// The crate rustdoc would build: hidden `# ` lines shown, wrapped in `main`
/// unless the block has its own.
fn doctest_source(code: &str) -> String {
    let body: String = code
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(hidden) => hidden,
            None if line == "#" => "",
            None => line,
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    if body.contains("fn main") {
        body
    } else {
        format!("fn main() {{\n{body}}}\n")
    }
}

/// Where cargo put this build's `common`: the test binary sits in the same `deps/`.
fn common_rlib() -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let deps = exe
        .parent()
        .expect("the test binary is in deps/")
        .to_owned();
    let newest = fs::read_dir(&deps)
        .expect("deps/ is readable")
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libcommon-") && name.ends_with(".rlib")
        })
        .max_by_key(|entry| entry.metadata().and_then(|meta| meta.modified()).ok())
        .unwrap_or_else(|| panic!("no libcommon-*.rlib in {}", deps.display()));
    (newest.path(), deps)
}

/// The rustc to run: `$RUSTC`, else `rustc` on `PATH`; a missing one fails
/// the test and says what to do. (The Windows build of these tests, run
/// under Wine on Linux, sees only Linux's toolchain, which a Windows program
/// cannot start: on Windows the tests that need rustc are ignored.)
fn rustc() -> OsString {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match Command::new(&rustc).arg("--version").output() {
        Ok(out) if out.status.success() => rustc,
        Ok(out) => panic!("{rustc:?} --version failed: {out:?}"),
        Err(err) => panic!(
            "{rustc:?} does not start ({err}): these tests compile the guide's examples with \
             rustc; put rustup's rustc on PATH, or set RUSTC"
        ),
    }
}

/// Type-checks `source` as a crate using `common` (no code generation needed:
/// every error shown in the guide is found before it).
fn compile(rustc: &OsString, name: &str, source: &str) -> Output {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiler-errors");
    fs::create_dir_all(&dir).expect("the target's tmp dir is writable");
    let file = dir.join(format!("{name}.rs"));
    fs::write(&file, source).expect("the target's tmp dir is writable");
    let (rlib, deps) = common_rlib();
    Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "bin",
            "--emit=metadata",
        ])
        .args(["--error-format=short", "--cap-lints=allow", "-o"])
        .arg(dir.join(format!("{name}.rmeta")))
        .arg("--extern")
        .arg(format!("common={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg(&file)
        .output()
        .expect("rustc runs")
}

/// The codes of the errors in rustc's short output, and the errors that have none.
fn reported(stderr: &str) -> (BTreeSet<String>, Vec<&str>) {
    let mut codes = BTreeSet::new();
    let mut uncoded = Vec::new();
    for line in stderr.lines() {
        if let Some(start) = line.find("error[E") {
            let code = &line[start + "error[".len()..];
            if let Some(end) = code.find(']') {
                codes.insert(code[..end].to_string());
            }
        } else if line.contains(": error: ") {
            uncoded.push(line);
        }
    }
    (codes, uncoded)
}

#[test]
fn both_languages_show_the_same_examples() {
    let (en_path, en) = guide("en");
    let (ja_path, ja) = guide("ja");
    let (en, ja) = (rust_blocks(&en), rust_blocks(&ja));
    let mistakes = en
        .iter()
        .filter(|block| block.compile_fail.is_some())
        .count();
    assert!(
        mistakes >= 6,
        "the guide shows at least six mistakes, found {mistakes}"
    );
    assert!(
        en.iter().any(|block| block.compile_fail.is_none()),
        "and their correct counterparts"
    );
    for (en, ja) in en.iter().zip(&ja) {
        assert!(
            (&en.compile_fail, &en.code) == (&ja.compile_fail, &ja.code),
            "{}:{} and {}:{} differ:\n{en:#?}\n{ja:#?}",
            en_path.display(),
            en.line,
            ja_path.display(),
            ja.line
        );
    }
    assert_eq!(
        en.len(),
        ja.len(),
        "en and ja show different numbers of Rust blocks"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs a Windows rustc on PATH (under Wine there is none): cargo test -- --ignored"
)]
fn every_mistake_fails_with_the_code_it_states() {
    let rustc = rustc();
    let mut checked = 0;
    let mut failures = Vec::new();
    for language in LANGUAGES {
        let (path, text) = guide(language);
        for block in rust_blocks(&text) {
            let Some(stated) = block.compile_fail else {
                continue;
            };
            let at = format!("{}:{}", path.display(), block.line);
            let Some(stated) = stated else {
                failures.push(format!("{at}: `compile_fail` without an error code"));
                continue;
            };
            let output = compile(
                &rustc,
                &format!("{language}_{}", block.line),
                &doctest_source(&block.code),
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            let (codes, uncoded) = reported(&stderr);
            checked += 1;
            if output.status.success() {
                failures.push(format!("{at}: compiles, but should fail with {stated}"));
            } else if codes != BTreeSet::from([stated.clone()]) || !uncoded.is_empty() {
                failures.push(format!(
                    "{at}: states {stated}, rustc reports {codes:?} {uncoded:?}\n{stderr}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 12, "only {checked} mistakes found in the guides");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs a Windows rustc on PATH (under Wine there is none): cargo test -- --ignored"
)]
fn every_counterpart_compiles() {
    let rustc = rustc();
    let mut checked = 0;
    for language in LANGUAGES {
        let (path, text) = guide(language);
        for block in rust_blocks(&text) {
            if block.compile_fail.is_some() {
                continue;
            }
            let output = compile(
                &rustc,
                &format!("{language}_{}", block.line),
                &doctest_source(&block.code),
            );
            assert!(
                output.status.success(),
                "{}:{} does not compile:\n{}",
                path.display(),
                block.line,
                String::from_utf8_lossy(&output.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} correct examples found");
}

/// The `text` block that follows each mistake: rustc's messages as the page shows them.
fn shown_messages(markdown: &str) -> Vec<(usize, String, Vec<String>)> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with("```compile_fail") {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut code = String::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with("```") {
            code.push_str(lines[i]);
            code.push('\n');
            i += 1;
        }
        while i < lines.len() && !lines[i].starts_with("```text") {
            i += 1;
        }
        i += 1;
        let mut shown = Vec::new();
        while i < lines.len() && !lines[i].starts_with("```") {
            shown.push(lines[i].to_owned());
            i += 1;
        }
        found.push((start, code, shown));
    }
    found
}

/// The `rustc --version` line the page says its messages come from.
fn stated_version(markdown: &str) -> String {
    markdown
        .split('`')
        .find(|span| span.starts_with("rustc 1."))
        .expect("the page names the rustc version of its messages")
        .to_owned()
}

/// Compiles `code` as `src/main.rs` (the name the shown messages use), its
/// hidden lines included and nothing wrapped around it, so that the line
/// numbers are the page's; returns rustc's human-readable messages.
fn human_messages(rustc: &OsString, name: &str, code: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("compiler-errors-human")
        .join(name);
    fs::create_dir_all(dir.join("src")).expect("the target's tmp dir is writable");
    let mut source: String = code
        .lines()
        .map(|line| line.strip_prefix("# ").unwrap_or(line))
        .flat_map(|line| [line, "\n"])
        .collect();
    source.push_str("fn main() {}\n");
    fs::write(dir.join("src/main.rs"), source).expect("the target's tmp dir is writable");
    let (rlib, deps) = common_rlib();
    let output = Command::new(rustc)
        .current_dir(&dir)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "bin",
            "--emit=metadata",
        ])
        .args(["--cap-lints=allow", "-o", "main.rmeta", "--extern"])
        .arg(format!("common={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("src/main.rs")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
#[ignore = "compares rustc's wording with the pages, written with the rustc they name (1.95.0): with that version, cargo test -- --ignored"]
fn shown_messages_are_what_the_stated_rustc_prints() {
    let rustc = rustc();
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .expect("rustc --version runs");
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let mut failures = Vec::new();
    let mut checked = 0;
    for language in LANGUAGES {
        let (path, text) = guide(language);
        let stated = stated_version(&text);
        assert_eq!(
            version,
            stated,
            "{}: its messages come from {stated}; this test needs that rustc (wording differs \
             between versions)",
            path.display()
        );
        for (line, code, shown) in shown_messages(&text) {
            let real = human_messages(&rustc, &format!("{language}_{line}"), &code);
            let real: Vec<&str> = real.lines().map(str::trim_end).collect();
            checked += 1;
            // The page keeps some of rustc's lines (and writes `...` for a
            // cut); each line it keeps must be one rustc printed.
            for kept in shown.iter().map(|l| l.trim_end()) {
                if !kept.is_empty() && kept != "..." && !real.contains(&kept) {
                    failures.push(format!(
                        "{}:{line}: rustc does not print {kept:?}; it prints:\n{}",
                        path.display(),
                        real.join("\n")
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if checked > 0 {
        assert!(checked >= 12, "only {checked} messages found in the guides");
    }
}
