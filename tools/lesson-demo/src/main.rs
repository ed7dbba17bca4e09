//! The scenario of the book's chapter 13, 「現状の問題点」, measured and drawn.
//!
//! Ten requests arrive together and the first one is slow: its client
//! connects and takes S seconds to finish its request (to a blocking server
//! that is the same as the book's 30-second database query). A sequential
//! server makes the nine fast requests wait about S seconds; a threaded one
//! answers them in milliseconds. With `--all`, each chapter's own log tells
//! which of its threads served each request, and the timeline shows it (for
//! the async step: the runtime thread that ran each client's task).
//!
//!     lesson-demo http://127.0.0.1:8080/index.html [--slow SECS]
//!     lesson-demo --all [--slow SECS] [--svg DIR]   # starts each chapter (release build)
//!     lesson-demo two-clients [URL] [--hold SECS]    # the book's two-client experiment

use std::io::{BufRead, BufReader, IsTerminal};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::Duration;

use lesson_demo::timeline::{self, serving_threads};
use lesson_demo::{FAST, find_server, ms, scenario, summary, svg, term};

/// Options for a step's server beyond `--port 0`. The pool gets fewer
/// workers than there are requests, so the picture shows threads being
/// reused; the async step runs its tasks on one runtime thread per core, so
/// it shows a few threads, each running several clients' tasks.
fn options(krate: &str) -> &'static [&'static str] {
    match krate {
        "chapter13-threadpool" => &["--max-workers", "4"],
        _ => &[],
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("two-clients") => return lesson_demo::two_clients::main(&args[1..]),
        Some("-h" | "--help") => {
            println!("{}", USAGE);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let value = |flag: &str| {
        let at = args.iter().position(|a| a == flag)?;
        Some(args.get(at + 1).cloned().unwrap_or_default())
    };
    let slow = match value("--slow") {
        Some(secs) => match secs.parse::<f64>() {
            Ok(secs) if secs > 0.0 && secs < 5.0 => Duration::from_secs_f64(secs),
            _ => {
                return usage(
                    "--slow takes seconds, more than 0 and below the servers' 5 s read timeout",
                );
            }
        },
        None => Duration::from_secs(3),
    };
    let svg_dir = value("--svg").map(PathBuf::from);
    let result = match args.first().map(String::as_str) {
        Some("--all") => all_chapters(slow, svg_dir.as_deref()),
        Some(url) if url.starts_with("http://") && svg_dir.is_none() => one_server(url, slow),
        _ => return usage("give a URL, or --all (with --svg DIR if you want pictures)"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: lesson-demo http://HOST:PORT/PATH [--slow SECS]
       lesson-demo --all [--slow SECS] [--svg DIR]
       lesson-demo two-clients [URL] [--hold SECS] [--lang ja|en]";

fn usage(problem: &str) -> ExitCode {
    eprintln!("{problem}\n{USAGE}");
    ExitCode::from(2)
}

/// The scenario against a server that is already running (its log is not
/// ours to read, so the serving threads are unknown).
fn one_server(url: &str, slow: Duration) -> Result<(), String> {
    let (addr, path) = find_server(url)?;
    let exchanges = scenario(addr, &path, slow)?;
    let rows = timeline::join(&exchanges, &[]);
    let title = format!("{url}: slow client {:.1} s", slow.as_secs_f64());
    print!(
        "{}",
        term::timeline(&title, &rows, std::io::stdout().is_terminal())
    );
    let (median, max) = summary(&exchanges);
    println!("{FAST} fast requests: median {median:.1} ms, max {max:.1} ms");
    Ok(())
}

/// Starts each chapter's release binary in turn: a timeline per chapter,
/// then one table; with `svg_dir`, also `DIR/<chapter>.svg`.
fn all_chapters(slow: Duration, svg_dir: Option<&Path>) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this program")?;
    let colour = std::io::stdout().is_terminal();
    let subtitle = format!(
        "one slow client ({:.1} s to send its request), then {FAST} fast requests for /index.html \
         together; bar: connect → end of response",
        slow.as_secs_f64()
    );
    println!(
        "one slow client ({:.1} s to send its request), then {FAST} fast requests together\n",
        slow.as_secs_f64()
    );
    let mut table = Vec::new();
    for step in steps::STEPS {
        let (chapter, options) = (step.krate, options(step.krate));
        let bin = dir.join(format!("{chapter}{}", std::env::consts::EXE_SUFFIX));
        if !bin.exists() {
            println!("skipped {chapter}: no release binary (run `cargo build --release` first)\n");
            continue;
        }
        let (exchanges, log) = run_chapter(&bin, options, slow)?;
        let rows = timeline::join(&exchanges, &log);
        println!("{}", term::timeline(chapter, &rows, colour));
        if let Some(dir) = svg_dir {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join(format!("{chapter}.svg"));
            let picture = svg::timeline(chapter, &subtitle, &rows, &footer(dir));
            std::fs::write(&path, picture).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}\n", path.display());
        }
        let (median, max) = summary(&exchanges);
        let slow_ms = ms(exchanges[0].latency());
        let threads = serving_threads(&rows).len();
        table.push(format!(
            "| {chapter} | {median:.1} | {max:.1} | {slow_ms:.0} | {threads} |"
        ));
    }
    if table.is_empty() {
        return Err("no chapter binary found: run `cargo build --release` first".to_owned());
    }
    println!("| chapter | fast median (ms) | fast max (ms) | slow (ms) | serving threads |");
    println!("|---|---:|---:|---:|---:|");
    table.iter().for_each(|row| println!("{row}"));
    Ok(())
}

/// Runs the scenario against a fresh server and returns its whole log.
fn run_chapter(
    bin: &Path,
    options: &[&str],
    slow: Duration,
) -> Result<(Vec<lesson_demo::Exchange>, Vec<String>), String> {
    let mut child = Command::new(bin)
        .args(["--port", "0"])
        .args(options)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {}: {e}", bin.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let addr: Option<SocketAddr> = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let url = line.split("open http://").nth(1)?;
        url.split('/').next()?.parse().ok()
    });
    // Keep reading the log so the server never blocks on a full pipe.
    let log = thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let exchanges = addr
        .ok_or("the server printed no URL".to_owned())
        .and_then(|addr| scenario(addr, "/index.html", slow));
    // Every line about a client was written before its connection closed;
    // after the kill, reading to the end of the pipe collects them all.
    let _ = child.kill();
    let _ = child.wait();
    let log = log.join().map_err(|_| "the log reader panicked")?;
    Ok((exchanges?, log))
}

/// How the picture was made: the command, the date, the machine.
fn footer(dir: &Path) -> String {
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let (cpu, os) = machine();
    format!(
        "cargo run --release -p lesson-demo -- --all --svg {} · {} · {cpu}, {cores} cores, {os}",
        dir.display(),
        checker::progress::utc_today()
    )
}

/// The processor's model and the kernel, for the footer (Linux: from /proc).
#[cfg(target_os = "linux")]
fn machine() -> (String, String) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|r| format!("Linux {}", r.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_owned());
    (cpu, os)
}

/// The processor's architecture and the OS, for the footer (no /proc here).
#[cfg(not(target_os = "linux"))]
fn machine() -> (String, String) {
    let consts = (std::env::consts::ARCH, std::env::consts::OS);
    (consts.0.to_owned(), consts.1.to_owned())
}
