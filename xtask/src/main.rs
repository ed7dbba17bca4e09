//! `cargo xtask diffs` writes `diffs/`; `cargo xtask diffs --check` only compares.
//! `cargo xtask side-by-side ...` shows chapters, or the book, in two columns.

use std::fs;
use std::process::ExitCode;

use xtask::{STEPS, changed_lines, render, repo_root};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("exercise") {
        return xtask::exercise::main(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("side-by-side") {
        return xtask::side_by_side::main(&args[1..]);
    }
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["diffs"] => false,
        ["diffs", "--check"] => true,
        _ => {
            eprintln!("usage: cargo xtask diffs [--check] | cargo xtask side-by-side --help");
            return ExitCode::from(2);
        }
    };
    let root = repo_root();
    let mut stale = false;
    for step in STEPS {
        let path = root.join(step.diff_path());
        let diff = match render(&root, step) {
            Ok(diff) => diff,
            Err(err) => {
                eprintln!(
                    "cannot read the crates of {} -> {}: {err}",
                    step.old, step.new
                );
                return ExitCode::FAILURE;
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
            println!(
                "{}: {state} (+{added} -{removed})",
                step.diff_path().display()
            );
        } else {
            let written =
                fs::create_dir_all(root.join("diffs")).and_then(|()| fs::write(&path, &diff));
            if let Err(err) = written {
                eprintln!("cannot write {}: {err}", path.display());
                return ExitCode::FAILURE;
            }
            println!("wrote {} (+{added} -{removed})", step.diff_path().display());
        }
    }
    if stale {
        eprintln!("run `cargo xtask diffs` to regenerate");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
