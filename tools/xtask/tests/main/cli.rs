//! `cargo xtask` as a reader meets it: the list of commands, `--help` for
//! each, names that are not chapters, and output cut short by `| head`.

use std::io::Read;
use std::process::{Command, Output, Stdio};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("COLUMNS")
        .output()
        .expect("run xtask")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_usage_lists_all_three_commands() {
    for args in [&[][..], &["frobnicate"]] {
        let out = xtask(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let usage = text(&out.stderr);
        for command in ["diffs", "side-by-side", "exercise"] {
            assert!(
                usage.lines().any(|l| l.trim_start().starts_with(command)),
                "{args:?}: no line for {command}:\n{usage}"
            );
        }
    }
    assert!(text(&xtask(&["frobnicate"]).stderr).contains("unknown command \"frobnicate\""));
    let help = xtask(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("exercise STEP"));
}

#[test]
fn each_command_has_its_own_help() {
    for (command, first) in [
        ("diffs", "usage: cargo xtask diffs"),
        ("side-by-side", "usage: cargo xtask side-by-side"),
        ("exercise", "usage: cargo xtask exercise STEP"),
    ] {
        let out = xtask(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command} --help: {out:?}");
        assert!(text(&out.stdout).starts_with(first), "{command} --help");
        assert!(out.stderr.is_empty(), "{command} --help wrote to stderr");
    }
    let help = text(&xtask(&["side-by-side", "--help"]).stdout);
    assert!(
        help.contains("= (the same log line)") && help.contains("* (the"),
        "the --book marks are not explained:\n{help}"
    );
}

#[test]
fn a_name_that_is_not_a_chapter_is_named_and_the_chapters_listed() {
    let out = xtask(&["side-by-side", "foo", "bar"]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(said.starts_with("\"foo\" is not a chapter crate"), "{said}");
    for step in steps::with_start() {
        let named = format!("{} ({})", step.krate, step.short_names[0]);
        assert!(said.contains(&named), "{named} not listed: {said}");
    }
    let second = text(&xtask(&["side-by-side", "chapter13-refactor", "bar"]).stderr);
    assert!(
        second.starts_with("\"bar\" is not a chapter crate"),
        "{second}"
    );
    let same = text(&xtask(&["side-by-side", "13", "chapter13-threaded"]).stderr);
    assert!(same.contains("the same crate"), "{same}");
    // Short names work as in the checker.
    let short = xtask(&["side-by-side", "13-refactor", "13", "--width", "100"]);
    assert!(short.status.success(), "{short:?}");
    assert!(
        text(&short.stdout).contains("chapter13-refactor (left) -> chapter13-threaded (right)")
    );
}

/// Reads a little of `args`' stdout, then closes the pipe while it writes.
fn cut_short(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("COLUMNS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start xtask");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut some = [0u8; 16];
    // A read may find the output already written and the pipe closed.
    let _ = stdout.read(&mut some);
    drop(stdout);
    let out = child.wait_with_output().expect("wait for xtask");
    (out.status.code(), text(&out.stderr))
}

#[test]
fn output_cut_short_by_head_is_a_quiet_normal_end() {
    // All steps at width 400 print well over a pipe's 64 KiB buffer, so the
    // writer is still writing when the pipe closes.
    let (code, stderr) = cut_short(&["side-by-side", "--width", "400"]);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.is_empty(),
        "a closed pipe is not worth a message: {stderr}"
    );
    // Short outputs may be written before the pipe closes; either way, no panic.
    for args in [
        &["diffs", "--check"][..],
        &["--help"],
        &["side-by-side", "--help"],
        &["exercise", "--help"],
    ] {
        let (code, stderr) = cut_short(args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(code, Some(101), "{args:?}: {stderr}");
    }
}

#[test]
fn a_usage_message_to_a_closed_pipe_does_not_panic() {
    // `cargo xtask side-by-side --width 10 2>&1 | head -2`: the message goes
    // to stderr, which is the closed pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["side-by-side", "--width", "10"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start xtask");
    drop(child.stderr.take());
    let status = child.wait().expect("wait for xtask");
    // 2 if the message was written before the pipe closed, 0 if not; a
    // panic would be 101.
    assert!(matches!(status.code(), Some(0 | 2)), "{status:?}");
}
