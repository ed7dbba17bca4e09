//! The scenario of the book's chapter 13, 「現状の問題点」, measured.
//!
//! Ten requests arrive together and the first one is slow: its client
//! connects and takes S seconds to finish its request (to a blocking server
//! that is the same as the book's 30-second database query). A sequential
//! server makes the nine fast requests wait about S seconds; a threaded one
//! answers them in milliseconds.
//!
//!     lesson-demo http://127.0.0.1:8080/index.html [--slow SECS]
//!     lesson-demo --all [--slow SECS]    # starts each chapter (release build) itself

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread;
use std::time::Duration;

use lesson_demo::{FAST, ms, scenario, summary};

const CHAPTERS: [&str; 3] = [
    "chapter12-sequential",
    "chapter13-refactor",
    "chapter13-threaded",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let slow = match args.iter().position(|a| a == "--slow") {
        Some(at) => match args.get(at + 1).and_then(|s| s.parse::<f64>().ok()) {
            Some(secs) if secs > 0.0 && secs < 5.0 => Duration::from_secs_f64(secs),
            _ => {
                return usage(
                    "--slow takes seconds, more than 0 and below the servers' 5 s read timeout",
                );
            }
        },
        None => Duration::from_secs(3),
    };
    let result = match args.first().map(String::as_str) {
        Some("--all") => all_chapters(slow),
        Some(url) if url.starts_with("http://") => one_server(url, slow),
        _ => return usage("give a URL or --all"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "{problem}\nusage: lesson-demo http://HOST:PORT/PATH [--slow SECS]\n       lesson-demo --all [--slow SECS]"
    );
    ExitCode::from(2)
}

/// The scenario against a server that is already running.
fn one_server(url: &str, slow: Duration) -> Result<(), String> {
    let (addr, path) = parse_url(url)?;
    let latencies = scenario(addr, &path, slow)?;
    for (i, latency) in latencies.iter().enumerate() {
        println!("fast request {}: {:>8.1} ms", i + 1, ms(*latency));
    }
    let (median, max) = summary(&latencies);
    println!(
        "slow request took {:.1} s; {FAST} fast requests: median {median:.1} ms, max {max:.1} ms",
        slow.as_secs_f64()
    );
    Ok(())
}

/// Starts each chapter's release binary in turn and prints one table.
fn all_chapters(slow: Duration) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this program")?;
    println!(
        "slow client: {:.1} s; {FAST} fast requests for /index.html arrive together\n",
        slow.as_secs_f64()
    );
    println!("| chapter | median (ms) | max (ms) |");
    println!("|---|---:|---:|");
    for chapter in CHAPTERS {
        let bin = dir.join(chapter);
        if !bin.exists() {
            return Err(format!(
                "{} is missing: run `cargo build --release` first",
                bin.display()
            ));
        }
        let mut server = start(&bin)?;
        let result = server
            .addr
            .ok_or("the server printed no URL".to_owned())
            .and_then(|addr| scenario(addr, "/index.html", slow));
        let _ = server.child.kill();
        let _ = server.child.wait();
        let (median, max) = summary(&result?);
        println!("| {chapter} | {median:.1} | {max:.1} |");
    }
    Ok(())
}

fn parse_url(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host_port, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let addr = host_port
        .to_socket_addrs()
        .map_err(|e| format!("{host_port}: {e}"))?
        .next()
        .ok_or("no address")?;
    Ok((addr, path))
}

struct Running {
    child: Child,
    addr: Option<SocketAddr>,
}

/// Starts a chapter on a free port and reads its address from the start-up log.
fn start(bin: &std::path::Path) -> Result<Running, String> {
    let mut child = Command::new(bin)
        .args(["--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {}: {e}", bin.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let addr = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let url = line.split("open http://").nth(1)?;
        url.split('/').next()?.parse().ok()
    });
    // Keep reading the log so the server never blocks on a full pipe.
    thread::spawn(move || lines.for_each(drop));
    Ok(Running { child, addr })
}
