//! What the binary does with a command line: check a server that runs
//! already, or start the reader's command, check it, stop it; with
//! `--watch`, again after every save, each report led by what changed; and
//! record the result in the progress.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cli::Cli;
use crate::progress::{self, NOT_STARTED, Progress};
use crate::report::{self, Report, Verdict};
use crate::server::{Server, StartError};
use crate::text::{Lang, Text};
use crate::watch::{self, Watcher};
use crate::{RunError, Target};

/// Exit status: every stage passed.
pub const PASSED: u8 = 0;
/// Exit status: a stage failed or was not run, or the server did not start.
pub const FAILED: u8 = 1;
/// Exit status: nothing could be checked (usage, nothing listening).
pub const UNUSABLE: u8 = 2;
/// Exit status after Ctrl+C.
pub const INTERRUPTED: u8 = 130;

/// Where the report goes: a function that prints (and ends the process
/// quietly when the reader went away).
pub type Out<'a> = &'a mut dyn FnMut(&str);

/// The server started last, for Ctrl+C to stop from its own thread.
type Running = Arc<Mutex<Option<Arc<Server>>>>;

/// The outcome of one round: a report, or why the server did not start.
enum Round {
    Checked(Report),
    NotStarted,
}

/// Runs what `cli` asks for; returns the exit status.
pub fn run(cli: &Cli, out: Out) -> u8 {
    let lang = cli.options.lang;
    if cli.progress {
        out(&Progress::load(&progress::file()).render(lang));
        return PASSED;
    }
    // The pool stages hold --max-workers connections at once; a terminal's
    // default soft limit (256 on macOS) is the checker's, not the server's.
    crate::client::raise_open_files_limit();
    let Some(words) = cli.command.clone() else {
        let status = check_running(cli, out);
        return status;
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let running: Running = Arc::new(Mutex::new(None));
    stop_on_ctrl_c(&running, lang);
    if !cli.watch {
        let (round, status) = round(cli, &words, &cwd, &running, None, out);
        stop(&running);
        if status != UNUSABLE {
            finish(cli, &round, out);
        }
        return status;
    }
    watch_loop(cli, &words, &cwd, &running, out)
}

/// Without a command: the server runs already; the stages print as they end.
fn check_running(cli: &Cli, out: Out) -> u8 {
    let options = &cli.options;
    let lang = options.lang;
    out(&Report::new(options).header(lang));
    let mut group = None;
    let result = crate::run_with(options, &mut |stage| {
        if group != Some(stage.group) {
            group = Some(stage.group);
            out(&report::group_heading(stage.group, lang));
        }
        out(&stage.render(lang, options.server, options.verbose));
    });
    match result {
        Ok(report) => {
            out(&report.footer(lang));
            if report.passed() { PASSED } else { FAILED }
        }
        Err(err) => {
            if matches!(err, RunError::NothingListening { .. }) {
                out("\n");
            }
            eprintln!("checker: {}", err.describe().get(lang));
            UNUSABLE
        }
    }
}

/// Starts the command, waits until it listens, checks it; the server is
/// left running. `previous`: the last round's report, to say what changed
/// (the report then prints whole at the end, led by the changes).
fn round(
    cli: &Cli,
    words: &[String],
    cwd: &Path,
    running: &Running,
    previous: Option<&Option<Report>>,
    out: Out,
) -> (Round, u8) {
    let options = &cli.options;
    let lang = options.lang;
    let target = match Target::parse(&options.url) {
        Ok(target) => target,
        Err(why) => {
            eprintln!("checker: {}", why.get(lang));
            return (Round::NotStarted, UNUSABLE);
        }
    };
    stop(running);
    if target.connect().is_ok() {
        let taken = StartError::Taken {
            authority: target.authority().to_owned(),
        };
        print_start_error(&taken, lang, out);
        return (Round::NotStarted, UNUSABLE);
    }
    // Started and registered under the lock: a Ctrl+C meanwhile waits for
    // it, then stops it, instead of leaving it behind.
    let server = {
        let mut slot = running.lock().unwrap_or_else(|e| e.into_inner());
        match Server::start(words, cwd) {
            Ok(server) => {
                let server = Arc::new(server);
                *slot = Some(Arc::clone(&server));
                server
            }
            Err(err) => {
                drop(slot);
                print_start_error(&err, lang, out);
                return (Round::NotStarted, UNUSABLE);
            }
        }
    };
    out(&started_line(&server, &target, lang));
    if let Err(err) = server.wait_until_listening(&target, cli.start_timeout) {
        if let Some(Some(before)) = previous {
            out(&changes_to_not_started(before, lang));
        }
        print_start_error(&err, lang, out);
        return (Round::NotStarted, FAILED);
    }
    // Streamed stage by stage when nothing came before; otherwise a line of
    // marks while the stages run, then the changes and the report, a
    // passed stage on one line.
    let streaming = previous.is_none();
    if streaming {
        out(&Report::new(options).header(lang));
    } else {
        out(match lang {
            Lang::Ja => "確かめています…",
            Lang::En => "checking…",
        });
    }
    let mut group = None;
    let result = crate::run_with(options, &mut |stage| {
        if streaming {
            if group != Some(stage.group) {
                group = Some(stage.group);
                out(&report::group_heading(stage.group, lang));
            }
            out(&stage.render(lang, options.server, options.verbose));
        } else {
            out(match stage.verdict {
                Verdict::Passed => " ✓",
                Verdict::Failed => " ✗",
                Verdict::Skipped => " -",
            });
        }
    });
    let report = match result {
        Ok(report) => report,
        Err(err) => {
            if !streaming {
                out("\n");
            }
            // The server listened a moment ago: it went away since.
            out(&format!("{}\n", err.describe().get(lang)));
            print_ended(&server, lang, out);
            return (Round::NotStarted, FAILED);
        }
    };
    if streaming {
        out(&report.footer(lang));
    } else {
        out("\n");
        if let Some(before) = previous {
            out(&changes(before.as_ref(), &report, lang));
        }
        out(&report.render_brief(lang));
    }
    print_ended(&server, lang, out);
    let status = if report.passed() { PASSED } else { FAILED };
    (Round::Checked(report), status)
}

/// Rounds until Ctrl+C: one now, then one after each save.
fn watch_loop(cli: &Cli, words: &[String], cwd: &Path, running: &Running, out: Out) -> u8 {
    let lang = cli.options.lang;
    let roots = watch::roots_for(words, cwd);
    let watcher = match Watcher::new(&roots) {
        Ok(watcher) => watcher,
        Err(err) => {
            eprintln!(
                "checker: {}",
                Text::new(
                    format!("保存を見張れません（{err}）"),
                    format!("cannot watch for saves ({err})")
                )
                .get(lang)
            );
            return UNUSABLE;
        }
    };
    let mut last: Option<Report> = None;
    let mut first = true;
    loop {
        let previous = (!first).then_some(&last);
        let (result, status) = round(cli, words, cwd, running, previous, out);
        if status == UNUSABLE && first {
            stop(running);
            return status;
        }
        first = false;
        if status != UNUSABLE {
            finish(cli, &result, out);
        }
        // What the next round compares with: this one, checked or not.
        last = match result {
            Round::Checked(report) => Some(report),
            Round::NotStarted => None,
        };
        out(&waiting_line(
            &watcher,
            cwd,
            &cli.options.url,
            running,
            lang,
        ));
        let saved = watcher.wait();
        out(&saved_line(&saved, lang));
    }
}

/// Whether checks of `command` count in the reader's progress: it is not
/// one of this workspace's own steps (`cargo run -p chapter13-threaded`,
/// `target/debug/chapter13-threaded`), which the reader did not write.
pub fn counts_as_progress(command: &[String]) -> bool {
    let is_step = |word: &str| steps::STEPS.iter().any(|s| s.krate == word);
    let program_is_step = command.first().is_some_and(|p| {
        Path::new(p)
            .file_stem()
            .and_then(|n| n.to_str())
            .is_some_and(is_step)
    });
    let package_is_step = command
        .windows(2)
        .any(|w| matches!(w[0].as_str(), "-p" | "--package") && is_step(&w[1]))
        || command.iter().any(|w| {
            w.strip_prefix("--package=")
                .or_else(|| w.strip_prefix("-p").filter(|v| !v.is_empty()))
                .is_some_and(is_step)
        });
    !program_is_step && !package_is_step
}

/// After a round of the reader's own server: the progress is recorded and
/// shown. (A server the checker did not start may be anyone's, a step of
/// this workspace included: its checks are not recorded.)
fn finish(cli: &Cli, round: &Round, out: Out) {
    if !cli.command.as_deref().is_some_and(counts_as_progress) {
        return;
    }
    let failed = match round {
        Round::Checked(report) => report
            .stages
            .iter()
            .find(|s| s.verdict != Verdict::Passed)
            .map(|s| s.id),
        Round::NotStarted => Some(NOT_STARTED),
    };
    let path = progress::file();
    let mut progress = Progress::load(&path);
    progress.record(cli.options.chapter, failed, &progress::today());
    if let Err(err) = progress.save(&path) {
        eprintln!(
            "checker: {}",
            Text::new(
                format!("進み具合を {} に書けません（{err}）", path.display()),
                format!("cannot record the progress in {} ({err})", path.display()),
            )
            .get(cli.options.lang)
        );
    }
    out("\n");
    out(&progress.render(cli.options.lang));
}

/// Stops the server started last, if any.
fn stop(running: &Running) {
    let server = running.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(server) = server {
        server.stop();
    }
}

/// Ctrl+C (and SIGTERM, SIGHUP): the server and its children end with the
/// checker, wherever the checker was (waiting for a save, mid-stage).
fn stop_on_ctrl_c(running: &Running, lang: Lang) {
    let running = Arc::clone(running);
    let _ = ctrlc::set_handler(move || {
        let server = running.lock().unwrap_or_else(|e| e.into_inner()).take();
        let line = match (&server, lang) {
            (Some(s), Lang::Ja) => {
                format!("\nCtrl+C：サーバー（PID {}）を止めて終わります\n", s.pid())
            }
            (Some(s), Lang::En) => format!(
                "\nCtrl+C: stopping the server (pid {}) and ending\n",
                s.pid()
            ),
            (None, Lang::Ja) => "\nCtrl+C：終わります\n".to_owned(),
            (None, Lang::En) => "\nCtrl+C: ending\n".to_owned(),
        };
        print!("{line}");
        if let Some(server) = server {
            server.stop();
        }
        std::process::exit(i32::from(INTERRUPTED));
    });
}

fn started_line(server: &Server, target: &Target, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!(
            "$ {}\n（PID {}。{} で待ち受けるまで待ちます）\n",
            server.command_line(),
            server.pid(),
            target.authority()
        ),
        Lang::En => format!(
            "$ {}\n(pid {}; waiting until it listens at {})\n",
            server.command_line(),
            server.pid(),
            target.authority()
        ),
    }
}

/// A start error, and the lines it quotes, indented.
fn print_start_error(err: &StartError, lang: Lang, out: Out) {
    let (text, lines) = err.describe();
    let mut block = format!("\n{}\n", text.get(lang));
    for line in lines {
        let _ = writeln!(block, "  | {line}");
    }
    out(&block);
}

/// When the server ended during the checks: how, and its last lines.
fn print_ended(server: &Server, lang: Lang, out: Out) {
    let Some(status) = server.status() else {
        return;
    };
    // The last lines may still be on their way through the pipes.
    std::thread::sleep(Duration::from_millis(100));
    let status = crate::server::describe_status(status);
    let text = Text::new(
        format!(
            "サーバーは確かめている間に終わりました（{}）。最後に出力した行：",
            status.ja
        ),
        format!(
            "the server ended during the checks ({}); the last lines it printed:",
            status.en
        ),
    );
    let mut block = format!("\n{}\n", text.get(lang));
    for line in server.last_words() {
        let _ = writeln!(block, "  | {line}");
    }
    out(&block);
}

/// What changed since the last report: each stage whose mark changed.
fn changes(before: Option<&Report>, now: &Report, lang: Lang) -> String {
    let Some(before) = before else {
        return match lang {
            Lang::Ja => "前回はサーバーが起動しませんでした。今回は起動しました\n".to_owned(),
            Lang::En => "The server did not start last time; now it does\n".to_owned(),
        };
    };
    let mark = |v: Verdict| match v {
        Verdict::Passed => "✓",
        Verdict::Failed => "✗",
        Verdict::Skipped => "-",
    };
    let changed: Vec<String> = now
        .stages
        .iter()
        .filter_map(|stage| {
            let was = before
                .stage(stage.id)
                .map_or(Verdict::Skipped, |s| s.verdict);
            (was != stage.verdict)
                .then(|| format!("{} → {} {}", mark(was), mark(stage.verdict), stage.id))
        })
        .collect();
    match (changed.is_empty(), lang) {
        (true, Lang::Ja) => "前回から変わった項目はありません\n".to_owned(),
        (true, Lang::En) => "No stage changed since the last check\n".to_owned(),
        (false, Lang::Ja) => format!("前回から変わった項目：{}\n", changed.join("、")),
        (false, Lang::En) => format!("Changed since the last check: {}\n", changed.join(", ")),
    }
}

/// The change when the server no longer starts.
fn changes_to_not_started(before: &Report, lang: Lang) -> String {
    let passed = before.ids(Verdict::Passed).len();
    let total = before.stages.len();
    match lang {
        Lang::Ja => format!(
            "前回は {total} 項目中 {passed} 項目が合格でした。今回はサーバーが起動しません\n"
        ),
        Lang::En => {
            format!("Last time {passed} of {total} stages passed; now the server does not start\n")
        }
    }
}

/// `このフォルダー` / `this folder` for the current folder, else the
/// folder's path, relative to the current folder where it is inside.
fn folder_name(root: &Path, cwd: &Path, lang: Lang) -> String {
    let cwd = dunce::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    match root.strip_prefix(&cwd) {
        Ok(inside) if inside.as_os_str().is_empty() => match lang {
            Lang::Ja => "このフォルダー".to_owned(),
            Lang::En => "this folder".to_owned(),
        },
        Ok(inside) => inside.display().to_string(),
        Err(_) => root.display().to_string(),
    }
}

fn waiting_line(watcher: &Watcher, cwd: &Path, url: &str, running: &Running, lang: Lang) -> String {
    let roots: Vec<String> = watcher
        .roots()
        .iter()
        .map(|root| folder_name(root, cwd, lang))
        .collect();
    let alive = running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .is_some_and(|s| s.status().is_none());
    match lang {
        Lang::Ja => {
            // 「このフォルダーのコード」, 「exercises/my-x のコード」.
            let mut place = roots.join("、");
            if !place.ends_with("フォルダー") {
                place.push(' ');
            }
            let mut line = format!("\n{place}のコードの保存を待っています（Ctrl+C で終わります）");
            if alive {
                let _ = write!(line, "。サーバーは {url} で動いたままです");
            }
            line.push('\n');
            line
        }
        Lang::En => {
            let mut line = format!(
                "\nWaiting for a save of the code in {} (Ctrl+C ends)",
                roots.join(", ")
            );
            if alive {
                let _ = write!(line, ". The server still runs at {url}");
            }
            line.push('\n');
            line
        }
    }
}

fn saved_line(saved: &[PathBuf], lang: Lang) -> String {
    let files: Vec<String> = saved.iter().map(|p| p.display().to_string()).collect();
    let files = files.join(", ");
    match lang {
        Lang::Ja => format!("\n── {files} が保存されました。起動し直して確かめます ──\n"),
        Lang::En => format!("\n── {files} saved: restarting and checking again ──\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn only_the_readers_own_server_counts_as_progress() {
        for own in [
            "python webserver.py",
            "cargo run --manifest-path exercises/Cargo.toml -p my-chapter13-threaded",
            "cargo run -p my-chapter12-sequential -- --port 8080",
        ] {
            assert!(counts_as_progress(&words(own)), "{own}");
        }
        for step in [
            "cargo run -p chapter13-threaded",
            "cargo run --package=chapter12-sequential",
            "cargo run -pchapter13-async",
            "target/debug/chapter13-threadpool --max-workers 4",
        ] {
            assert!(!counts_as_progress(&words(step)), "{step}");
        }
    }
}
