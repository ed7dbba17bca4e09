//! `cargo run -p checker -- --chapter chapter13-threaded`: checks a running
//! server, stage by stage, and prints the report; `… -- python webserver.py`
//! starts the server itself, and `--watch` checks again after every save.
//! Exit status: 0 every stage passed, 1 one failed (or the server did not
//! start), 2 nothing to check, 130 after Ctrl+C.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use checker::{cli, session};

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
    let cli = match cli::parse_all(std::env::args_os().skip(1)) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    ExitCode::from(session::run(&cli, &mut out))
}
