//! The committed chapter diffs match the crates, and the helpers the book
//! moves from `webserver.py` to `workerthread.py` moved unchanged here too.

use std::fs;
use std::process::Command;

use steps::workspace_root as repo_root;
use xtask::{Change, changes, function_text, render, unified};

/// The functions the book moves verbatim from `chapter13/webserver.py` into
/// `workerthread.py`, by their names here. (Its `parse_http_request` and
/// `build_response_header` have no chapter function here: `common` does that.)
const MOVED_HELPERS: [&str; 2] = ["handle_client", "get_static_file_content"];

/// Differences allowed between the two copies of a moved helper: none.
const ALLOWED_DIFFERENCES: [(&str, &str); 0] = [];

#[test]
fn committed_diffs_are_up_to_date() {
    let root = repo_root();
    for step in changes() {
        let path = root.join(step.diff_path());
        let fresh = render(&root, step).expect("read the chapter crates");
        if std::env::var_os("BLESS").is_some() {
            fs::write(&path, &fresh).expect("write the diff");
            continue;
        }
        let committed = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: the chapter sources changed. Regenerate it with \
             `cargo xtask diffs` (or `BLESS=1 cargo test -p xtask`) and commit it.",
            step.diff_path().display()
        );
    }
}

#[test]
fn moved_helpers_are_identical_in_both_chapters() {
    let root = repo_root();
    let refactor =
        fs::read_to_string(root.join("chapter13-refactor/src/main.rs")).expect("refactor main.rs");
    let worker =
        fs::read_to_string(root.join("chapter13-threaded/src/worker.rs")).expect("worker.rs");
    for name in MOVED_HELPERS {
        let before =
            function_text(&refactor, name).unwrap_or_else(|| panic!("refactor has no fn {name}"));
        let after =
            function_text(&worker, name).unwrap_or_else(|| panic!("worker.rs has no fn {name}"));
        let mut after_normalized = after.clone();
        for (from, to) in ALLOWED_DIFFERENCES {
            after_normalized = after_normalized.replace(to, from);
        }
        assert!(
            before == after_normalized,
            "{name} differs between chapter13-refactor/src/main.rs and chapter13-threaded/src/worker.rs:\n{}",
            unified("refactor", "threaded", &before, &after, 0)
        );
    }
}

#[test]
fn moved_helpers_show_as_context_in_the_threaded_diff() {
    let root = repo_root();
    let threaded = Change::to("chapter13-threaded").expect("a step");
    let diff = render(&root, threaded).expect("render");
    let worker_part = diff
        .split("+++ chapter13-threaded/src/worker.rs")
        .nth(1)
        .expect("worker.rs section");
    for name in MOVED_HELPERS {
        assert!(
            worker_part.contains(&format!("\n fn {name}(")),
            "{name} is not unchanged context"
        );
        assert!(
            !worker_part.contains(&format!("\n+fn {name}(")),
            "{name} shows as added"
        );
    }
}

/// The full-file case must be byte-for-byte what GNU `diff -u` prints
/// (after its two header lines, which carry timestamps). GNU diff is
/// Linux's: macOS ships another `diff` whose hunks may differ in details,
/// Windows none at all.
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs GNU diff, the reference, which is Linux's: Linux CI compares them"
)]
fn hunks_match_gnu_diff() {
    let version = Command::new("diff")
        .arg("--version")
        .output()
        .expect("run diff --version (Debian's diffutils)");
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("GNU diffutils"),
        "this diff is not GNU diffutils: {version:?}"
    );
    let root = repo_root();
    let step = Change::to("chapter13-refactor").expect("a step");
    let old_path = format!("{}/src/main.rs", step.old);
    let new_path = format!("{}/src/main.rs", step.new);
    let old = fs::read_to_string(root.join(&old_path)).expect("old");
    let new = fs::read_to_string(root.join(&new_path)).expect("new");
    let ours = unified(&old_path, &new_path, &old, &new, 0);
    let gnu = Command::new("diff")
        .arg("-u")
        .arg(&old_path)
        .arg(&new_path)
        .current_dir(&root)
        .output()
        .expect("run diff");
    let gnu = String::from_utf8(gnu.stdout).expect("UTF-8");
    let skip_headers = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert_eq!(skip_headers(&ours), skip_headers(&gnu));
}

/// The first diff is chapter 12's lesson, from the starter the first
/// exercise copies: its `TODO(chapter 12)` lines go, the loop comes.
#[test]
fn the_first_diff_starts_from_the_starter_and_shows_the_lesson() {
    let first = changes().next().expect("a step");
    assert_eq!(
        first,
        Change {
            old: steps::STARTER,
            new: "chapter12-sequential"
        }
    );
    assert_eq!(
        first.diff_path(),
        std::path::Path::new("diffs/chapter11-answer-once..chapter12-sequential.diff")
    );
    let diff = render(&repo_root(), first).expect("render");
    let removed = |text: &str| diff.lines().any(|l| l.starts_with('-') && l.contains(text));
    let added = |text: &str| diff.lines().any(|l| l.starts_with('+') && l.contains(text));
    assert!(
        removed("// TODO(chapter 12): answer client after client"),
        "{diff}"
    );
    assert!(
        removed("// TODO(chapter 12): send each file with the Content-Type"),
        "{diff}"
    );
    assert!(added("loop {"), "{diff}");
    assert!(!added("TODO"), "{diff}");
}

#[test]
fn no_absolute_paths_or_timestamps() {
    let root = repo_root();
    for step in changes() {
        let diff = render(&root, step).expect("render");
        for line in diff
            .lines()
            .filter(|l| l.starts_with("---") || l.starts_with("+++"))
        {
            let path = &line[4..];
            assert!(
                !path.starts_with('/') || path == "/dev/null",
                "absolute path: {line}"
            );
            assert!(!path.contains('\t'), "timestamp: {line}");
        }
    }
}
