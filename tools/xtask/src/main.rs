//! `cargo xtask COMMAND`: `diffs` writes `diffs/` (`--check` only compares),
//! `side-by-side` shows chapters, or the book, in two columns, `exercise`
//! starts a reader's own crate for a step. Run with no command for a list.

use std::fs;
use std::io::{self, Write as _};
use std::process::ExitCode;

use xtask::{changed_lines, changes, render};

const USAGE: &str = "\
usage: cargo xtask COMMAND

  diffs [--check]          regenerate diffs/ from the chapter crates (--check: only compare)
  side-by-side [FROM TO]   two chapters, or the book beside one (--book), in two columns
  exercise STEP            start your own crate for STEP in exercises/, its own workspace

`cargo xtask COMMAND --help` says more about each.";

const DIFFS_USAGE: &str = "\
usage: cargo xtask diffs [--check]

Writes diffs/<old>..<new>.diff for each step, from the crate it starts from
to its own (the first from chapter11-answer-once, the book's chapter 11),
generated from the crates. --check only compares and fails if one is stale.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    xtask::exit(run(&args))
}

fn run(args: &[String]) -> io::Result<ExitCode> {
    let Some((command, rest)) = args.split_first() else {
        writeln!(io::stderr().lock(), "{USAGE}")?;
        return Ok(ExitCode::from(2));
    };
    match command.as_str() {
        "diffs" => diffs(rest),
        "side-by-side" => xtask::side_by_side::main(rest),
        "exercise" => xtask::exercise::main(rest),
        "-h" | "--help" | "help" => {
            writeln!(io::stdout().lock(), "{USAGE}")?;
            Ok(ExitCode::SUCCESS)
        }
        other => {
            writeln!(io::stderr().lock(), "unknown command {other:?}\n\n{USAGE}")?;
            Ok(ExitCode::from(2))
        }
    }
}

/// `cargo xtask diffs [--check]`.
fn diffs(args: &[String]) -> io::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut err = io::stderr().lock();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--check"] => true,
        ["-h" | "--help"] => {
            writeln!(out, "{DIFFS_USAGE}")?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {
            writeln!(err, "{DIFFS_USAGE}")?;
            return Ok(ExitCode::from(2));
        }
    };
    let root = steps::workspace_root();
    let mut stale = false;
    for step in changes() {
        let path = root.join(step.diff_path());
        let diff = match render(&root, step) {
            Ok(diff) => diff,
            Err(e) => {
                writeln!(
                    err,
                    "cannot read the crates of {} -> {}: {e}",
                    step.old, step.new
                )?;
                return Ok(ExitCode::FAILURE);
            }
        };
        let (added, removed) = changed_lines(&diff);
        let current = fs::read_to_string(&path).unwrap_or_default();
        if check {
            let state = if current == diff {
                "up to date"
            } else {
                "STALE"
            };
            stale |= current != diff;
            writeln!(
                out,
                "{}: {state} (+{added} -{removed})",
                step.diff_path().display()
            )?;
        } else {
            let written =
                fs::create_dir_all(root.join("diffs")).and_then(|()| fs::write(&path, &diff));
            if let Err(e) = written {
                writeln!(err, "cannot write {}: {e}", path.display())?;
                return Ok(ExitCode::FAILURE);
            }
            writeln!(
                out,
                "wrote {} (+{added} -{removed})",
                step.diff_path().display()
            )?;
        }
    }
    if stale {
        writeln!(err, "run `cargo xtask diffs` to regenerate")?;
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
