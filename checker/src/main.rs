//! `cargo run -p checker -- --chapter chapter13-threaded http://localhost:8080/`:
//! checks a running server, stage by stage, and prints the report.
//! Exit status: 0 every stage passed, 1 one failed, 2 nothing to check.

use std::io::Write;
use std::process::ExitCode;

use checker::{RunError, cli};

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let lang = options.lang;
    // The header first, then each stage as soon as it is known: a stage may
    // take seconds, and a silent terminal looks like a hang.
    let header = checker::Report::new(&options).header(lang);
    print!("{header}");
    let mut group = None;
    let run = checker::run_with(&options, &mut |stage| {
        if group != Some(stage.group) {
            group = Some(stage.group);
            print!("{}", checker::report::group_heading(stage.group, lang));
        }
        print!("{}", stage.render(lang, options.verbose));
        let _ = std::io::stdout().flush();
    });
    match run {
        Ok(report) => {
            print!("{}", report.footer(lang));
            ExitCode::from(if report.passed() { 0 } else { 1 })
        }
        Err(err) => {
            if matches!(err, RunError::NothingListening { .. }) {
                println!();
            }
            eprintln!("checker: {}", err.describe().get(lang));
            ExitCode::from(2)
        }
    }
}
