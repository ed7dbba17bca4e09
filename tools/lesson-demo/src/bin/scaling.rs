//! The two sweeps of `tools/scripts/bench.sh scaling`: holds silent clients
//! against a running server and measures it, and turns both sweeps' rows
//! into Markdown tables and `docs/scaling.svg`.
//!
//!     scaling silent ADDR PID SERVER ROUND K,K,... CAP_SECS   # rows to stdout
//!     scaling report BUSY.tsv SILENT.tsv OUT.svg CAP_SECS SUBTITLE
//!
//! PID is the process whose threads and memory count (nginx: its worker).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use lesson_demo::scaling::{self, Probe, SilentClients, SilentRow};

/// How long one silent client may take to connect. A handshake dropped by a
/// full listen queue is retried after 1 s: a server that only fell behind
/// has taken some clients by then; one that takes nobody has not at 3 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The estimates at the end of the report.
const ESTIMATE_AT: [u64; 2] = [10_000, 100_000];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args[..] {
        ["silent", addr, pid, server, round, ks, cap] => silent(addr, pid, server, round, ks, cap),
        ["report", busy, silent, out, cap, subtitle] => report(busy, silent, out, cap, subtitle),
        _ => Err(
            "usage: scaling silent ADDR PID SERVER ROUND K,K,... CAP_SECS\n       \
                  scaling report BUSY.tsv SILENT.tsv OUT.svg CAP_SECS SUBTITLE"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("scaling: {message}");
            ExitCode::FAILURE
        }
    }
}

fn seconds(cap: &str) -> Result<Duration, String> {
    match cap.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 60.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!(
            "CAP_SECS: seconds above 0, at most 60, not {cap:?}"
        )),
    }
}

/// Grows the silent clients through each K and prints one row per K.
fn silent(
    addr: &str,
    pid: &str,
    server: &str,
    round: &str,
    ks: &str,
    cap: &str,
) -> Result<(), String> {
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| format!("ADDR: not HOST:PORT: {addr:?}"))?;
    let pid: u32 = pid
        .parse()
        .map_err(|_| format!("PID: not a number: {pid:?}"))?;
    let round: u32 = round
        .parse()
        .map_err(|_| format!("ROUND: not a number: {round:?}"))?;
    let ks = ks
        .split(',')
        .map(|k| {
            k.parse::<usize>()
                .map_err(|_| format!("K: not a number: {k:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cap = seconds(cap)?;
    let want = ks.iter().max().copied().unwrap_or(0);
    // Each silent client is an open file; bench.sh has raised the limit to
    // the hard one already, and the checker's raise never lowers it.
    match checker::client::raise_open_files_limit() {
        Some(limit) if (limit as usize) < want + 64 => {
            eprintln!(
                "scaling: note: this process may open only {limit} files, fewer than K = {want}"
            )
        }
        _ => {}
    }
    println!("{}", scaling::SILENT_HEADER);
    let mut clients = SilentClients::default();
    let mut stopped: Option<String> = None;
    for k in ks {
        // Once connections fail, more attempts only repeat the failure.
        let note = match &stopped {
            Some(why) => format!("stopped earlier: {why}"),
            None => match clients.grow_to(addr, k, CONNECT_TIMEOUT) {
                Ok(()) => String::new(),
                Err(why) => {
                    stopped = Some(why.clone());
                    why
                }
            },
        };
        let probe: Probe = scaling::probe(addr, pid, cap);
        let row = SilentRow {
            round,
            server: server.to_owned(),
            k: k as u64,
            held: clients.len() as u64,
            probe,
            note,
        };
        let line = row.to_tsv();
        eprintln!("silent {line}");
        println!("{line}");
        if scaling::process_status(pid).is_none() && cfg!(target_os = "linux") {
            eprintln!("scaling: {server} (pid {pid}) is gone; its sweep ends at K = {k}");
            break;
        }
    }
    Ok(())
}

/// Reads both sweeps, prints the tables and the estimates, draws the picture.
fn report(busy: &str, silent: &str, out: &str, cap: &str, subtitle: &str) -> Result<(), String> {
    let cap = seconds(cap)?;
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let busy = scaling::busy_points(&scaling::parse_busy(&read(busy)?)?);
    let silent = scaling::silent_points(&scaling::parse_silent(&read(silent)?)?);
    println!("{}", scaling::busy_tables(&busy));
    println!("{}", scaling::silent_tables(&silent, cap));
    println!(
        "{}",
        scaling::estimates(&scaling::costs(&silent), &ESTIMATE_AT)
    );
    let title = "How the cost grows: busy clients and silent clients";
    let svg = scaling::draw(title, subtitle, &busy, &silent, cap);
    std::fs::write(out, svg).map_err(|e| format!("{out}: {e}"))
}
