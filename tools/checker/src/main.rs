//! `cargo run -p checker -- --chapter chapter13-threaded http://localhost:8080/`:
//! checks a running server, stage by stage, and prints the report.
//! Exit status: 0 every stage passed, 1 one failed, 2 nothing to check.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use checker::{RunError, cli};

/// Writes to stdout; when the reader has gone (`checker … | head -2`),
/// ends quietly with status 0, as `cat` and `grep` do, instead of panicking.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let written = write!(stdout, "{text}").and_then(|()| stdout.flush());
    if let Err(err) = written {
        if err.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(std::io::stderr(), "checker: cannot write the report: {err}");
        std::process::exit(2);
    }
}

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    // The pool stages hold --max-workers connections at once; a terminal's
    // default soft limit (256 on macOS) is the checker's, not the server's.
    checker::client::raise_open_files_limit();
    let lang = options.lang;
    // The header first, then each stage as soon as it is known: a stage may
    // take seconds, and a silent terminal looks like a hang.
    out(&checker::Report::new(&options).header(lang));
    let mut group = None;
    let run = checker::run_with(&options, &mut |stage| {
        if group != Some(stage.group) {
            group = Some(stage.group);
            out(&checker::report::group_heading(stage.group, lang));
        }
        out(&stage.render(lang, options.verbose));
    });
    match run {
        Ok(report) => {
            out(&report.footer(lang));
            ExitCode::from(if report.passed() { 0 } else { 1 })
        }
        Err(err) => {
            if matches!(err, RunError::NothingListening { .. }) {
                out("\n");
            }
            let _ = writeln!(std::io::stderr(), "checker: {}", err.describe().get(lang));
            ExitCode::from(2)
        }
    }
}
