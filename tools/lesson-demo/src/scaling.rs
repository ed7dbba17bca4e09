//! How a server's cost grows with its clients, for `tools/scripts/bench.sh scaling`.
//!
//! Live ([`probe`](mod@probe)): [`SilentClients`] connect and send nothing (a
//! browser's spare connections), [`probe()`] reads the server's threads and
//! memory and times a fresh request ([`fresh_get`]). Afterwards: the sweeps'
//! rows are read back ([`parse_busy`], [`parse_silent`]), summarised over
//! rounds ([`busy_points`], [`silent_points`]), printed ([`busy_tables`],
//! [`silent_tables`], [`estimates`]) and drawn ([`draw()`]).

pub mod draw;
pub mod probe;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

pub use draw::draw;
pub use probe::{
    Fresh, Probe, ProcessStatus, SilentClients, fresh_get, kernel_stack_kib, listen_queue,
    parse_status, probe, process_status,
};

/// One measurement of the busy sweep: `wrk -cCLIENTS` against a server.
#[derive(Debug, Clone, PartialEq)]
pub struct BusyRow {
    /// Which round of the sweep.
    pub round: u32,
    /// e.g. `chapter13-threaded`, `nginx`.
    pub server: String,
    /// wrk's connections.
    pub clients: u64,
    /// Requests completed.
    pub requests: u64,
    /// How long wrk ran, µs.
    pub duration_us: u64,
    /// 99th percentile latency, µs.
    pub p99_us: u64,
    /// Connect, read, write, status and timeout errors.
    pub errors: u64,
}

/// One measurement of the silent sweep: a server holding K silent clients.
#[derive(Debug, Clone, PartialEq)]
pub struct SilentRow {
    /// Which round of the sweep.
    pub round: u32,
    /// e.g. `chapter13-threaded`, `nginx`.
    pub server: String,
    /// Silent clients asked for.
    pub k: u64,
    /// Silent clients that got connected.
    pub held: u64,
    /// What the probe saw.
    pub probe: Probe,
    /// What went wrong, if anything (`-` in the file when nothing).
    pub note: String,
}

/// The header of the silent sweep's rows.
pub const SILENT_HEADER: &str =
    "# round\tserver\tk\theld\tqueued\tthreads\trss_kib\tkernel_stack_kib\tfresh_ms\tnote";

impl SilentRow {
    /// The row as [`parse_silent`] reads it.
    pub fn to_tsv(&self) -> String {
        let opt = |v: Option<u64>| v.map_or("-".to_owned(), |v| v.to_string());
        let p = &self.probe;
        let fresh = match &p.fresh {
            Fresh::Answered(d) => format!("{:.3}", d.as_secs_f64() * 1000.0),
            Fresh::Waits => "waits".to_owned(),
            Fresh::Failed(why) => format!("failed: {why}"),
        };
        let note = if self.note.is_empty() {
            "-"
        } else {
            &self.note
        };
        [
            self.round.to_string(),
            self.server.clone(),
            self.k.to_string(),
            self.held.to_string(),
            opt(p.queued),
            opt(p.status.map(|s| s.threads)),
            opt(p.status.map(|s| s.rss_kib)),
            opt(p.kernel_stack_kib),
            fresh,
            note.to_owned(),
        ]
        .map(|cell| cell.replace(['\t', '\n'], " "))
        .join("\t")
    }
}

fn cells<const N: usize>(line: &str) -> Result<[&str; N], String> {
    let cells: Vec<&str> = line.split('\t').collect();
    cells
        .try_into()
        .map_err(|_| format!("expected {N} tab-separated cells: {line:?}"))
}

fn number<T: std::str::FromStr>(cell: &str, line: &str) -> Result<T, String> {
    cell.trim()
        .parse()
        .map_err(|_| format!("not a number: {cell:?} in {line:?}"))
}

fn rows(tsv: &str) -> impl Iterator<Item = &str> {
    tsv.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
}

/// Reads `round server clients requests duration_us p99_us errors` lines
/// (tab-separated; `#` lines are comments).
pub fn parse_busy(tsv: &str) -> Result<Vec<BusyRow>, String> {
    rows(tsv)
        .map(|line| {
            let [round, server, clients, requests, duration, p99, errors] = cells(line)?;
            Ok(BusyRow {
                round: number(round, line)?,
                server: server.to_owned(),
                clients: number(clients, line)?,
                requests: number(requests, line)?,
                duration_us: number(duration, line)?,
                p99_us: number(p99, line)?,
                errors: number(errors, line)?,
            })
        })
        .collect()
}

/// Reads the lines [`SilentRow::to_tsv`] writes (columns: [`SILENT_HEADER`]).
pub fn parse_silent(tsv: &str) -> Result<Vec<SilentRow>, String> {
    rows(tsv)
        .map(|line| {
            let [
                round,
                server,
                k,
                held,
                queued,
                threads,
                rss,
                kstack,
                fresh,
                note,
            ] = cells(line)?;
            let opt = |cell: &str| match cell {
                "-" => Ok(None),
                cell => number(cell, line).map(Some),
            };
            let status = match (opt(threads)?, opt(rss)?) {
                (Some(threads), Some(rss_kib)) => Some(ProcessStatus { threads, rss_kib }),
                _ => None,
            };
            let fresh = match fresh {
                "waits" => Fresh::Waits,
                f => match f.strip_prefix("failed: ") {
                    Some(why) => Fresh::Failed(why.to_owned()),
                    None => {
                        Fresh::Answered(Duration::from_secs_f64(number::<f64>(f, line)? / 1000.0))
                    }
                },
            };
            Ok(SilentRow {
                round: number(round, line)?,
                server: server.to_owned(),
                k: number(k, line)?,
                held: number(held, line)?,
                probe: Probe {
                    queued: opt(queued)?,
                    status,
                    kernel_stack_kib: opt(kstack)?,
                    fresh,
                },
                note: if note == "-" {
                    String::new()
                } else {
                    note.to_owned()
                },
            })
        })
        .collect()
}

/// The median and the range of one quantity over the rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median.
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }

    /// Half the range as a percentage of the median.
    pub fn plus_minus_percent(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / 2.0 / self.median * 100.0
        }
    }
}

/// One server at one number of busy clients, over the rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct BusyPoint {
    /// The server.
    pub server: String,
    /// wrk's connections.
    pub clients: u64,
    /// Requests per second.
    pub rps: Spread,
    /// 99th percentile latency, ms.
    pub p99_ms: Spread,
    /// Errors, summed over the rounds.
    pub errors: u64,
    /// How many rounds.
    pub rounds: usize,
}

/// One server at one number of silent clients, over the rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct SilentPoint {
    /// The server.
    pub server: String,
    /// Silent clients asked for.
    pub k: u64,
    /// The fewest silent clients held in any round.
    pub held: u64,
    /// Connections in the listen queue, median.
    pub queued: Option<f64>,
    /// Thread count.
    pub threads: Option<Spread>,
    /// Resident memory, KiB.
    pub rss_kib: Option<Spread>,
    /// The machine's kernel stacks, KiB, minus those at K = 0 in the same round.
    pub kernel_stack_growth_kib: Option<Spread>,
    /// The fresh GET's time (ms) in the rounds where it was answered.
    pub fresh_ms: Option<Spread>,
    /// Rounds in which the fresh GET waited past the cap.
    pub waits: usize,
    /// Rounds in which it failed.
    pub failed: usize,
    /// How many rounds.
    pub rounds: usize,
    /// The distinct notes and failures.
    pub notes: Vec<String>,
}

impl SilentPoint {
    /// Whether the fresh GET waited in most rounds.
    pub fn mostly_waits(&self) -> bool {
        self.waits * 2 > self.rounds
    }
}

/// The servers in order of first appearance.
pub fn servers<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for name in names {
        if !seen.iter().any(|s| s == name) {
            seen.push(name.to_owned());
        }
    }
    seen
}

/// Medians over the rounds, per server (in order of appearance) and clients.
pub fn busy_points(rows: &[BusyRow]) -> Vec<BusyPoint> {
    let mut points = Vec::new();
    for server in servers(rows.iter().map(|r| r.server.as_str())) {
        let of_server: Vec<&BusyRow> = rows.iter().filter(|r| r.server == server).collect();
        let clients: BTreeSet<u64> = of_server.iter().map(|r| r.clients).collect();
        for c in clients {
            let at: Vec<&&BusyRow> = of_server.iter().filter(|r| r.clients == c).collect();
            let rps = at
                .iter()
                .map(|r| r.requests as f64 / (r.duration_us.max(1) as f64 / 1e6));
            let p99 = at.iter().map(|r| r.p99_us as f64 / 1000.0);
            if let (Some(rps), Some(p99_ms)) = (Spread::of(rps), Spread::of(p99)) {
                points.push(BusyPoint {
                    server: server.clone(),
                    clients: c,
                    rps,
                    p99_ms,
                    errors: at.iter().map(|r| r.errors).sum(),
                    rounds: at.len(),
                });
            }
        }
    }
    points
}

/// Medians over the rounds, per server (in order of appearance) and K.
pub fn silent_points(rows: &[SilentRow]) -> Vec<SilentPoint> {
    let mut points = Vec::new();
    for server in servers(rows.iter().map(|r| r.server.as_str())) {
        let of_server: Vec<&SilentRow> = rows.iter().filter(|r| r.server == server).collect();
        let ks: BTreeSet<u64> = of_server.iter().map(|r| r.k).collect();
        for k in ks {
            let at: Vec<&SilentRow> = of_server.iter().copied().filter(|r| r.k == k).collect();
            let base = |round: u32| {
                of_server
                    .iter()
                    .find(|r| r.round == round && r.k == 0)
                    .and_then(|r| r.probe.kernel_stack_kib)
            };
            let growth = at
                .iter()
                .filter_map(|r| Some(r.probe.kernel_stack_kib? as f64 - base(r.round)? as f64));
            let mut notes: Vec<String> = Vec::new();
            for r in &at {
                let failed = match &r.probe.fresh {
                    Fresh::Failed(why) => Some(format!("fresh GET failed: {why}")),
                    _ => None,
                };
                for note in [Some(r.note.clone()), failed].into_iter().flatten() {
                    if !note.is_empty() && !notes.contains(&note) {
                        notes.push(note);
                    }
                }
            }
            let count =
                |want: fn(&Fresh) -> bool| at.iter().filter(|r| want(&r.probe.fresh)).count();
            points.push(SilentPoint {
                server: server.clone(),
                k,
                held: at.iter().map(|r| r.held).min().unwrap_or(0),
                queued: Spread::of(at.iter().filter_map(|r| r.probe.queued.map(|q| q as f64)))
                    .map(|s| s.median),
                threads: Spread::of(
                    at.iter()
                        .filter_map(|r| Some(r.probe.status?.threads as f64)),
                ),
                rss_kib: Spread::of(
                    at.iter()
                        .filter_map(|r| Some(r.probe.status?.rss_kib as f64)),
                ),
                kernel_stack_growth_kib: Spread::of(growth),
                fresh_ms: Spread::of(at.iter().filter_map(|r| match r.probe.fresh {
                    Fresh::Answered(d) => Some(d.as_secs_f64() * 1000.0),
                    _ => None,
                })),
                waits: count(|f| *f == Fresh::Waits),
                failed: count(|f| matches!(f, Fresh::Failed(_))),
                rounds: at.len(),
                notes,
            });
        }
    }
    points
}

/// A point of a sweep: which server, at how many clients.
trait Keyed {
    fn key(&self) -> (&str, u64);
}

impl Keyed for BusyPoint {
    fn key(&self) -> (&str, u64) {
        (&self.server, self.clients)
    }
}

impl Keyed for SilentPoint {
    fn key(&self) -> (&str, u64) {
        (&self.server, self.k)
    }
}

/// A Markdown table with servers as rows and `columns` as columns.
fn wide_table<P: Keyed>(points: &[P], columns: &[u64], cell: impl Fn(&P) -> String) -> String {
    let corner = "server";
    let mut out = format!("| {corner} |");
    for c in columns {
        let _ = write!(out, " {c} |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(columns.len()));
    out.push('\n');
    for server in servers(points.iter().map(|p| p.key().0)) {
        let _ = write!(out, "| {server} |");
        for &c in columns {
            let found = points.iter().find(|p| p.key() == (server.as_str(), c));
            let _ = write!(out, " {} |", found.map_or(String::new(), &cell));
        }
        out.push('\n');
    }
    out
}

/// The busy sweep as Markdown: requests per second (± half the range over
/// the rounds), p99 latency, errors.
pub fn busy_tables(points: &[BusyPoint]) -> String {
    let columns: Vec<u64> = points
        .iter()
        .map(|p| p.clients)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rounds = points.iter().map(|p| p.rounds).max().unwrap_or(0);
    format!(
        "Requests per second, median of {rounds} round(s) ± half the range, by busy clients:\n\n{}\n\
         p99 latency (ms), median:\n\n{}\nErrors (wrk's connect, read, write, status, timeout), summed over the rounds:\n\n{}",
        wide_table(points, &columns, |p| {
            format!("{:.0} ±{:.0}%", p.rps.median, p.rps.plus_minus_percent())
        }),
        wide_table(points, &columns, |p| format!("{:.2}", p.p99_ms.median)),
        wide_table(points, &columns, |p| p.errors.to_string()),
    )
}

/// How the fresh GET's cell reads: its median time, or "waits".
pub fn fresh_cell(p: &SilentPoint) -> String {
    let partly = |n: usize| match n == p.rounds {
        true => String::new(),
        false => format!(" ({n}/{})", p.rounds),
    };
    if p.mostly_waits() {
        format!("waits{}", partly(p.waits))
    } else if let Some(ms) = p.fresh_ms {
        let waits = if p.waits > 0 {
            format!(", waits {}/{}", p.waits, p.rounds)
        } else {
            String::new()
        };
        format!("{:.2}{waits}", ms.median)
    } else {
        format!("failed{}", partly(p.failed))
    }
}

/// A server's resident memory at `p` less its memory at K = 0, per silent
/// client held; `None` at K = 0 or without both measurements.
pub fn per_client_kib(points: &[SilentPoint], p: &SilentPoint) -> Option<f64> {
    let zero = points.iter().find(|z| z.server == p.server && z.k == 0)?;
    (p.held > 0).then_some((p.rss_kib?.median - zero.rss_kib?.median) / p.held as f64)
}

/// The silent sweep as Markdown: threads, memory, the fresh GET, what the
/// server took in, and the notes.
pub fn silent_tables(points: &[SilentPoint], cap: Duration) -> String {
    let columns: Vec<u64> = points
        .iter()
        .map(|p| p.k)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rounds = points.iter().map(|p| p.rounds).max().unwrap_or(0);
    let opt = |s: Option<Spread>, f: fn(f64) -> String| s.map_or("–".to_owned(), |s| f(s.median));
    let mut out = format!(
        "Medians of {rounds} round(s), by silent clients (K).\n\nThreads:\n\n{}\nResident memory (VmRSS, MiB):\n\n{}\n\
         Resident memory per silent client (KiB: the growth since K = 0 divided by the clients held):\n\n{}\n\
         One fresh GET /index.html (ms from its request to the end of the answer, median of 7; \"waits\": no answer within {:.0} s):\n\n{}\n\
         Silent clients held open / waiting in the listen queue (not accepted):\n\n{}",
        wide_table(points, &columns, |p| opt(p.threads, |t| format!("{t:.0}"))),
        wide_table(points, &columns, |p| {
            opt(p.rss_kib, |kib| format!("{:.1}", kib / 1024.0))
        }),
        wide_table(points, &columns, |p| per_client_kib(points, p)
            .map_or("–".to_owned(), |kib| format!("{kib:.1}"))),
        cap.as_secs_f64(),
        wide_table(points, &columns, fresh_cell),
        wide_table(points, &columns, |p| {
            let queued = p.queued.map_or("–".to_owned(), |q| format!("{q:.0}"));
            format!("{} / {queued}", p.held)
        }),
    );
    let notes: Vec<String> = points
        .iter()
        .flat_map(|p| {
            p.notes
                .iter()
                .map(move |n| format!("- {} at K = {}: {n}", p.server, p.k))
        })
        .collect();
    if !notes.is_empty() {
        let _ = write!(out, "\nWhat happened:\n\n{}\n", notes.join("\n"));
    }
    out
}

/// What one more silent client costs a server: the growth between the two
/// largest K it held in full, divided by their difference (the marginal
/// cost, free of start-up effects such as the pool's first workers).
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// The server.
    pub server: String,
    /// The two K measured between.
    pub from_k: u64,
    /// The larger K, where the estimates start.
    pub to_k: u64,
    /// Threads per silent client.
    pub threads: f64,
    /// Resident memory per silent client, KiB.
    pub rss_kib: f64,
    /// Kernel stacks per silent client, KiB: the machine's growth, counted
    /// only for a server that added a thread per client (otherwise it is
    /// other processes' noise).
    pub kernel_stack_kib: f64,
    /// Threads at `to_k`.
    pub top_threads: f64,
    /// Resident memory at `to_k`, KiB.
    pub top_rss_kib: f64,
    /// The kernel stacks it had added by `to_k` (counted as above), KiB.
    pub top_kernel_stack_kib: f64,
    /// The most silent clients it held at the largest K asked for, if fewer.
    pub held_short: Option<(u64, u64)>,
    /// Whether the process was gone at the largest K (it aborted).
    pub ended: bool,
}

/// Each server's marginal cost per silent client (medians).
pub fn costs(points: &[SilentPoint]) -> Vec<Cost> {
    servers(points.iter().map(|p| p.server.as_str()))
        .into_iter()
        .filter_map(|server| {
            let of: Vec<&SilentPoint> = points.iter().filter(|p| p.server == server).collect();
            let full: Vec<&&SilentPoint> = of.iter().filter(|p| p.held == p.k).collect();
            let [.., from, to] = full[..] else {
                return None;
            };
            let dk = (to.k - from.k).max(1) as f64;
            let per = |a: Option<Spread>, b: Option<Spread>| Some((a?.median - b?.median) / dk);
            // Threads that left (idle helpers) are not a saving per client.
            let threads = per(to.threads, from.threads)?.max(0.0);
            let stacks = per(to.kernel_stack_growth_kib, from.kernel_stack_growth_kib);
            let last = of.iter().max_by_key(|p| p.k)?;
            let own_stacks = threads >= 0.5;
            Some(Cost {
                server: server.clone(),
                from_k: from.k,
                to_k: to.k,
                threads,
                rss_kib: per(to.rss_kib, from.rss_kib)?,
                kernel_stack_kib: if own_stacks {
                    stacks.unwrap_or(0.0)
                } else {
                    0.0
                },
                top_threads: to.threads?.median,
                top_rss_kib: to.rss_kib?.median,
                top_kernel_stack_kib: match (own_stacks, to.kernel_stack_growth_kib) {
                    (true, Some(growth)) => growth.median,
                    _ => 0.0,
                },
                held_short: (last.held < last.k).then_some((last.held, last.k)),
                ended: last.rss_kib.is_none() && last.failed > 0,
            })
        })
        .collect()
}

/// The costs, and an estimate of threads and memory at each of `at` silent
/// clients (a straight line through the measured growth), as Markdown.
pub fn estimates(costs: &[Cost], at: &[u64]) -> String {
    let mut out = String::from(
        "Per silent client (the growth between the two largest K held in full, medians):\n\n\
         | server | K | threads | RSS KiB | kernel stacks KiB |\n|---|---:|---:|---:|---:|\n",
    );
    for c in costs {
        let _ = writeln!(
            out,
            "| {} | {}→{} | {:.3} | {:.1} | {:.1} |",
            c.server, c.from_k, c.to_k, c.threads, c.rss_kib, c.kernel_stack_kib
        );
    }
    out.push_str("\nEstimate (a straight line through those costs, not measured):\n\n| server |");
    for k in at {
        let _ = write!(out, " threads at {k} | MiB at {k} |");
    }
    out.push_str(" note |\n|---|");
    out.push_str(&"---:|---:|".repeat(at.len()));
    out.push_str("---|\n");
    for c in costs {
        let _ = write!(out, "| {} |", c.server);
        for &k in at {
            // Along the line in both directions: a K below the largest one
            // measured is read off the same line, not given that K's values.
            let more = k as f64 - c.to_k as f64;
            let threads = (c.top_threads + c.threads * more).max(0.0);
            let now = c.top_rss_kib + c.top_kernel_stack_kib;
            let mib = ((now + (c.rss_kib + c.kernel_stack_kib) * more) / 1024.0).max(0.0);
            let _ = write!(out, " {threads:.0} | {mib:.0} |");
        }
        let note = match c.held_short {
            Some((held, k)) if c.ended => {
                format!("held only {held} of {k}: the process ended (see the notes)")
            }
            Some((held, k)) => format!("held only {held} of {k}: its listen queue was full"),
            None => String::new(),
        };
        let _ = writeln!(out, " {note} |");
    }
    out.push_str("\nMiB: resident memory plus the kernel stacks of its threads.\n");
    out
}

/// Rows recorded by `QUICK=1 tools/scripts/bench.sh scaling` (2026-11-27, 2 cores,
/// fresh GET capped at 2 s), for the tests of the tables and the picture.
#[cfg(test)]
pub(crate) mod recorded {
    /// The busy sweep's rows.
    pub const BUSY: &str = "\
        # round\tserver\tclients\trequests\tduration_us\tp99_us\terrors\n\
        1\tchapter12-sequential\t1\t9132\t1099453\t3310\t0\n\
        1\tchapter13-refactor\t1\t11173\t1099509\t266\t0\n\
        1\tchapter13-threaded\t1\t5019\t1000278\t3588\t0\n\
        1\tchapter13-threadpool\t1\t10494\t1100052\t278\t0\n\
        1\tnginx\t1\t12573\t1100191\t147\t0\n\
        1\tchapter12-sequential\t10\t13706\t1000518\t954\t0\n\
        1\tchapter13-refactor\t10\t14890\t1100359\t1536\t0\n\
        1\tchapter13-threaded\t10\t7960\t1001913\t4640\t0\n\
        1\tchapter13-threadpool\t10\t11839\t1000621\t5244\t0\n\
        1\tnginx\t10\t13731\t1099940\t2238\t0\n\
        1\tchapter12-sequential\t50\t13621\t1006723\t4797\t0\n\
        1\tchapter13-refactor\t50\t12561\t1012709\t4727\t0\n\
        1\tchapter13-threaded\t50\t5865\t1024391\t12147\t0\n\
        1\tchapter13-threadpool\t50\t10762\t1016203\t6927\t0\n\
        1\tnginx\t50\t11389\t1023532\t6347\t0\n\
        1\tchapter12-sequential\t200\t9910\t1042762\t24171\t0\n\
        1\tchapter13-refactor\t200\t10828\t1038425\t20477\t0\n\
        1\tchapter13-threaded\t200\t6478\t1067068\t40272\t0\n\
        1\tchapter13-threadpool\t200\t8369\t1061919\t43339\t0\n\
        1\tnginx\t200\t12065\t1042327\t22085\t0\n\
        1\tchapter12-sequential\t1000\t11396\t1075595\t94606\t0\n\
        1\tchapter13-refactor\t1000\t9618\t1002795\t105915\t0\n\
        1\tchapter13-threaded\t1000\t4000\t1016728\t134809\t0\n\
        1\tchapter13-threadpool\t1000\t9786\t1012223\t114299\t0\n\
        1\tnginx\t1000\t10429\t1030874\t72065\t0\n\
";
    /// The silent sweep's rows.
    pub const SILENT: &str = "\
        # round\tserver\tk\theld\tqueued\tthreads\trss_kib\tkernel_stack_kib\tfresh_ms\tnote\n\
        1\tchapter12-sequential\t0\t0\t0\t2\t2920\t1900\t0.356\t-\n\
        1\tchapter12-sequential\t10\t10\t9\t2\t2920\t1904\twaits\t-\n\
        1\tchapter12-sequential\t100\t100\t100\t2\t2920\t1888\twaits\t-\n\
        1\tchapter12-sequential\t1000\t1000\t1001\t2\t2920\t1904\twaits\t-\n\
        1\tchapter12-sequential\t5000\t1023\t1025\t2\t2920\t1904\twaits\tconnection 1024 of 5000: connection timed out\n\
        1\tchapter13-refactor\t0\t0\t0\t2\t2992\t2052\t0.343\t-\n\
        1\tchapter13-refactor\t10\t10\t9\t2\t2992\t2080\twaits\t-\n\
        1\tchapter13-refactor\t100\t100\t100\t2\t2992\t2096\twaits\t-\n\
        1\tchapter13-refactor\t1000\t1000\t1001\t2\t2992\t1904\twaits\t-\n\
        1\tchapter13-refactor\t5000\t1023\t1025\t2\t2992\t1904\twaits\tconnection 1024 of 5000: connection timed out\n\
        1\tchapter13-threaded\t0\t0\t0\t2\t3136\t1888\t3.666\t-\n\
        1\tchapter13-threaded\t10\t10\t0\t12\t3320\t2064\t3.611\t-\n\
        1\tchapter13-threaded\t100\t100\t0\t102\t4640\t3504\t0.380\t-\n\
        1\tchapter13-threaded\t1000\t1000\t0\t1002\t17820\t17888\t3.321\t-\n\
        1\tchapter13-threaded\t5000\t5000\t0\t5002\t76356\t81888\t0.487\t-\n\
        1\tchapter13-threadpool\t0\t0\t0\t3\t3012\t1928\t0.447\t-\n\
        1\tchapter13-threadpool\t10\t10\t0\t12\t3200\t2048\t2.412\t-\n\
        1\tchapter13-threadpool\t100\t100\t83\t18\t3308\t2144\twaits\t-\n\
        1\tchapter13-threadpool\t1000\t1000\t984\t18\t3308\t2144\twaits\t-\n\
        1\tchapter13-threadpool\t5000\t1040\t1025\t18\t3308\t2144\twaits\tconnection 1041 of 5000: connection timed out\n\
        1\tnginx\t0\t0\t0\t1\t10792\t1888\t0.357\t-\n\
        1\tnginx\t10\t10\t0\t1\t10972\t1888\t1.829\t-\n\
        1\tnginx\t100\t100\t0\t1\t10996\t1888\t0.262\t-\n\
        1\tnginx\t1000\t1000\t0\t1\t11460\t1888\t0.315\t-\n\
        1\tnginx\t5000\t5000\t0\t1\t13524\t1888\t3.564\t-\n\
";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn silent() -> Vec<SilentPoint> {
        silent_points(&parse_silent(recorded::SILENT).expect("parses"))
    }

    #[test]
    fn recorded_rows_parse() {
        let busy = parse_busy(recorded::BUSY).expect("parses");
        assert_eq!(busy.len(), 25);
        assert_eq!(busy[0].server, "chapter12-sequential");
        assert_eq!(
            (busy[0].clients, busy[0].requests, busy[0].p99_us),
            (1, 9132, 3310)
        );
        let rows = parse_silent(recorded::SILENT).expect("parses");
        assert_eq!(rows.len(), 25);
        let threaded = rows
            .iter()
            .find(|r| r.server == "chapter13-threaded" && r.k == 5000)
            .expect("recorded");
        let status = threaded.probe.status.expect("recorded");
        assert_eq!((status.threads, status.rss_kib), (5002, 76356));
        let seq = &rows[4];
        assert_eq!(
            (seq.k, seq.held, seq.probe.fresh.clone()),
            (5000, 1023, Fresh::Waits)
        );
        assert!(seq.note.contains("timed out"), "{}", seq.note);
    }

    #[test]
    fn rows_survive_the_round_trip() {
        for row in parse_silent(recorded::SILENT).expect("parses") {
            assert_eq!(parse_silent(&row.to_tsv()).expect("parses"), [row]);
        }
        let failed = SilentRow {
            round: 2,
            server: "x".to_owned(),
            k: 10,
            held: 3,
            probe: Probe {
                queued: None,
                status: None,
                kernel_stack_kib: None,
                fresh: Fresh::Failed("connect: refused\there".to_owned()),
            },
            note: String::new(),
        };
        let back = parse_silent(&failed.to_tsv()).expect("parses");
        assert_eq!(
            back[0].probe.fresh,
            Fresh::Failed("connect: refused here".to_owned())
        );
        assert_eq!(back[0].note, "");
    }

    #[test]
    fn malformed_rows_are_errors() {
        assert!(parse_busy("1\tnginx\t10").is_err());
        assert!(parse_busy("1\tnginx\tten\t1\t1\t1\t0").is_err());
        assert!(parse_silent("1\tnginx\t10\t10\t-\t1\t1\t1\tsoon\t-").is_err());
    }

    #[test]
    fn medians_and_spread_over_rounds() {
        let busy = parse_busy(
            "1\ts\t10\t1000\t1000000\t2000\t0\n2\ts\t10\t3000\t1000000\t4000\t1\n\
             3\ts\t10\t2000\t1000000\t3000\t2\n",
        )
        .expect("parses");
        let [point] = &busy_points(&busy)[..] else {
            panic!("one server at one load");
        };
        assert_eq!(
            (point.rps.median, point.rps.min, point.rps.max),
            (2000.0, 1000.0, 3000.0)
        );
        assert_eq!(point.rps.plus_minus_percent(), 50.0);
        assert_eq!(
            (point.p99_ms.median, point.errors, point.rounds),
            (3.0, 3, 3)
        );
        let even = Spread::of([4.0, 1.0, 2.0, 3.0]).expect("values");
        assert_eq!(even.median, 2.5);
        assert_eq!(Spread::of([]), None);
    }

    #[test]
    fn a_fresh_get_that_mostly_waits_reads_waits() {
        let rows = parse_silent(
            "1\ts\t10\t10\t-\t2\t100\t-\twaits\t-\n2\ts\t10\t10\t-\t2\t100\t-\t1.5\t-\n\
             3\ts\t10\t10\t-\t2\t100\t-\twaits\t-\n",
        )
        .expect("parses");
        let point = &silent_points(&rows)[0];
        assert!(point.mostly_waits());
        assert_eq!(fresh_cell(point), "waits (2/3)");
        let answered = &silent()[0];
        assert_eq!(fresh_cell(answered), "0.36");
    }

    #[test]
    fn tables_have_a_row_per_server_and_a_column_per_load() {
        let busy = busy_tables(&busy_points(&parse_busy(recorded::BUSY).expect("parses")));
        assert!(
            busy.contains("| server | 1 | 10 | 50 | 200 | 1000 |"),
            "{busy}"
        );
        assert!(busy.contains("| nginx | 11428 ±0% |"), "{busy}");
        let silent = silent_tables(&silent(), Duration::from_secs(2));
        assert!(
            silent.contains("| chapter13-threaded | 2 | 12 | 102 | 1002 | 5002 |"),
            "{silent}"
        );
        assert!(silent.contains("| chapter12-sequential | 0.36 | waits | waits | waits | waits |"));
        assert!(silent.contains(
            "| chapter13-threadpool | 0 / 0 | 10 / 0 | 100 / 83 | 1000 / 984 | 1040 / 1025 |"
        ));
        assert!(silent.contains("chapter13-refactor at K = 5000: connection 1024 of 5000"));
    }

    #[test]
    fn memory_per_silent_client_is_the_growth_since_k_0() {
        let points = silent();
        let at = |server: &str, k: u64| {
            let p = points
                .iter()
                .find(|p| p.server == server && p.k == k)
                .expect("recorded");
            per_client_kib(&points, p)
        };
        // (76356 - 3136) KiB / 5000 clients.
        let threaded = at("chapter13-threaded", 5000).expect("measured");
        assert!((threaded - 14.644).abs() < 0.001, "{threaded}");
        assert_eq!(at("nginx", 0), None);
        // The pool held 1040 of 5000: divided by those it held.
        let pool = at("chapter13-threadpool", 5000).expect("measured");
        assert!((pool - (3308.0 - 3012.0) / 1040.0).abs() < 0.001, "{pool}");
        let table = silent_tables(&points, Duration::from_secs(2));
        assert!(
            table.contains("| chapter13-threaded | – | 18.4 | 15.0 | 14.7 | 14.6 |"),
            "{table}"
        );
    }

    #[test]
    fn the_threaded_chapter_pays_a_thread_and_its_stacks_per_silent_client() {
        let costs = costs(&silent());
        let threaded = costs
            .iter()
            .find(|c| c.server == "chapter13-threaded")
            .expect("held all");
        assert_eq!(
            (threaded.from_k, threaded.to_k, threaded.threads),
            (1000, 5000, 1.0)
        );
        // (76356 - 17820) KiB / 4000 clients; kernel stacks (81888 - 17888) / 4000.
        assert!(
            (threaded.rss_kib - 14.634).abs() < 0.001,
            "{}",
            threaded.rss_kib
        );
        assert!((threaded.kernel_stack_kib - 16.0).abs() < 0.001);
        let pool = costs
            .iter()
            .find(|c| c.server == "chapter13-threadpool")
            .expect("measured");
        assert_eq!(
            (pool.threads, pool.kernel_stack_kib, pool.held_short),
            (0.0, 0.0, Some((1040, 5000)))
        );
        let table = estimates(&costs, &[10_000, 100_000]);
        // 5002 + 1.0 × 5000 threads; RSS, the stacks of the first 5000 and
        // 30.634 KiB for each further client: (76356 + 80000 + 30.634 × 5000) / 1024 MiB.
        assert!(
            table.contains("| chapter13-threaded | 10002 | 302 | 100002 | 2995 |  |"),
            "{table}"
        );
        assert!(table.contains("| nginx | 1 |"), "{table}");
        assert!(table.contains("held only 1040 of 5000"), "{table}");
        // Below the largest K measured, the same line: 5002 − 1.0 × 4000
        // threads at 1000, not the 5002 measured at 5000.
        let below = estimates(&costs, &[1_000]);
        assert!(below.contains("| chapter13-threaded | 1002 |"), "{below}");
    }
}
