//! Checks a server — the reader's own, in Python from the book or in Rust
//! from the guide, or one of this workspace's steps — against what chapters
//! 12 and 13 of the book say it does.
//!
//! The checks are a client only: they talk raw TCP to the URL, stage by
//! stage in the book's order ([`stages`]), and report each stage in a few
//! lines ([`Report`]): ✓ or ✗, what was measured, and for a ✗ the causes
//! that fit the measurement, each with its fix in the server's language
//! ([`Hint`]: the book's Python names, or this workspace's Rust ones), where
//! the book teaches it, and how to reproduce it.
//!
//! A stage names the stages it builds on ([`Stage::needs`]): when one of
//! those failed or was not run, the stage is not run, and the report says
//! which and why. Adding a stage is a [`Stage`] in a module's `stages()`,
//! with its `needs`; adding a step is a row of `steps::STEPS` and a
//! [`Chapter`]. The measuring functions of the threads and pool stages
//! ([`threads`]) are public: the chapters' own tests call them, so the
//! checker and the tests measure the same way.
//!
//! Around the checks, the binary ([`session`]) can start the reader's server
//! itself and stop it with everything it started ([`server`]), check again
//! on every save ([`watch`]), and record the reader's progress per step
//! ([`progress`]). [`procnet`] is the workspace's one reader of
//! `/proc/net/tcp`; [`client::raise_open_files_limit_to`] its one place that
//! raises the limit on open files.

pub mod basics;
pub mod beyond;
pub mod causes;
pub mod cli;
pub mod client;
pub mod many;
pub mod pool;
pub mod procnet;
pub mod progress;
pub mod report;
pub mod server;
pub mod session;
pub mod text;
pub mod threads;
pub mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use client::{FetchError, Reply, Target};
pub use report::Report;
pub use text::{Hint, Lang, ServerLang, Source, Text};

/// The book's address.
pub const DEFAULT_URL: &str = "http://localhost:8080/";
/// `chapter13-threadpool`'s default `--max-workers`.
pub const DEFAULT_MAX_WORKERS: usize = 16;
/// Answered "at once": on the same machine an answer takes milliseconds;
/// waiting for another client takes seconds.
pub const AT_ONCE: Duration = Duration::from_secs(1);

/// This workspace's chapter crates, each a step of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Chapter {
    /// Chapter 12: answer again and again, with the right Content-Type.
    Sequential,
    /// Chapter 13, first half: the same server, refactored.
    Refactor,
    /// Chapter 13, second half: a thread per client.
    Threaded,
    /// Where the column points: a bounded pool of threads.
    Pool,
    /// Beyond the book: a task per client on a few threads (as nginx does).
    Async,
}

impl Chapter {
    /// Every chapter, in the book's order.
    pub const ALL: [Chapter; 5] = [
        Chapter::Sequential,
        Chapter::Refactor,
        Chapter::Threaded,
        Chapter::Pool,
        Chapter::Async,
    ];

    /// The step's row in the table of steps ([`steps::STEPS`]).
    pub fn step(self) -> &'static steps::Step {
        let index = Chapter::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or_default();
        &steps::STEPS[index]
    }

    /// The crate's name, e.g. `chapter13-threaded`.
    pub fn crate_name(self) -> &'static str {
        self.step().krate
    }

    /// A crate name, or one of its short names (`12`, `13-refactor`, `13`,
    /// `pool`, `async`): whatever [`steps::find`] knows.
    pub fn parse(name: &str) -> Option<Chapter> {
        let step = steps::find(name)?;
        Chapter::ALL
            .into_iter()
            .find(|c| c.step().krate == step.krate)
    }

    /// The groups of stages this chapter must pass: its own and the earlier
    /// chapters'.
    pub fn groups(self) -> &'static [Group] {
        match self {
            Chapter::Sequential | Chapter::Refactor => &[Group::Basics],
            Chapter::Threaded => &[Group::Basics, Group::Threads],
            Chapter::Pool => &[Group::Basics, Group::Threads, Group::Pool],
            Chapter::Async => &[Group::Basics, Group::Threads, Group::Async],
        }
    }
}

/// A group of stages, headed by the book's section in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Chapters 11–12: files, the loop, Content-Type, 404, bad requests.
    Basics,
    /// Chapter 13: a thread per client.
    Threads,
    /// Chapter 13's column: a bounded pool.
    Pool,
    /// Past the column: many silent clients held on a few threads.
    Async,
    /// What this workspace does and the book's code does not.
    Beyond,
}

/// What to check, and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The chapter whose stages (and earlier ones) to run.
    pub chapter: Chapter,
    /// The server's URL.
    pub url: String,
    /// Compare bodies byte for byte with the files here.
    pub static_dir: Option<PathBuf>,
    /// The pool's bound being checked; `None`: [`DEFAULT_MAX_WORKERS`].
    pub max_workers: Option<usize>,
    /// Also run the [`Group::Beyond`] stages.
    pub beyond: bool,
    /// The report's language.
    pub lang: Lang,
    /// Show how to replay every request, not only the failed ones.
    pub verbose: bool,
    /// The server's language: which fix each hint names.
    pub server: ServerLang,
}

impl Options {
    /// Checks `chapter`'s stages at `url`, in English, nothing else.
    pub fn new(chapter: Chapter, url: impl Into<String>) -> Options {
        Options {
            chapter,
            url: url.into(),
            static_dir: None,
            max_workers: None,
            beyond: false,
            lang: Lang::En,
            verbose: false,
            server: ServerLang::Unknown,
        }
    }
}

/// Why the checks could not run at all (exit status 2).
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// The URL, or an option, is wrong.
    Usage(Text),
    /// No address of the URL's host accepted a connection.
    NothingListening {
        /// `HOST:PORT` from the URL.
        authority: String,
        /// The addresses tried.
        tried: Vec<SocketAddr>,
    },
}

impl RunError {
    /// The plain sentence to print.
    pub fn describe(&self) -> Text {
        match self {
            RunError::Usage(text) => text.clone(),
            RunError::NothingListening { authority, tried } => {
                let tried: Vec<String> = tried.iter().map(ToString::to_string).collect();
                let tried = tried.join(", ");
                Text::new(
                    format!(
                        "{authority} で待ち受けているサーバーがありません（試したアドレス：{tried}）。先にサーバーを起動してください"
                    ),
                    format!(
                        "nothing is listening at {authority} (tried {tried}) — start your server first"
                    ),
                )
            }
        }
    }
}

/// Everything a stage needs.
pub struct Ctx<'a> {
    /// The chapter checked: which causes are likelier depends on it.
    pub chapter: Chapter,
    /// The server.
    pub target: &'a Target,
    /// The files to compare with, if `--static-dir` was given.
    pub files: &'a StaticFiles,
    /// The pool's bound being checked.
    pub max_workers: usize,
}

/// The expected bytes of the files the stages fetch.
#[derive(Debug, Default)]
pub struct StaticFiles {
    /// `--static-dir`, canonical.
    pub dir: Option<PathBuf>,
    /// `(name, bytes)` of `index.html`, `index.css`, `logo.png`, when given.
    pub known: Vec<(&'static str, Vec<u8>)>,
    /// The largest file under the folder: its URL path (relative, encoded) and bytes.
    pub largest: Option<(String, Vec<u8>)>,
}

impl StaticFiles {
    /// Reads the three files the book serves, and finds the largest file.
    pub fn load(dir: &Path) -> Result<StaticFiles, Text> {
        let dir = dir.canonicalize().map_err(|err| {
            Text::new(
                format!("--static-dir {} が開けません（{err}）", dir.display()),
                format!("cannot open --static-dir {} ({err})", dir.display()),
            )
        })?;
        let mut known = Vec::new();
        for name in ["index.html", "index.css", "logo.png"] {
            let bytes = std::fs::read(dir.join(name)).map_err(|err| {
                Text::new(
                    format!("--static-dir に {name} がありません（{err}）。本の static/ を指定してください"),
                    format!("--static-dir has no {name} ({err}); give the book's static/ folder"),
                )
            })?;
            known.push((name, bytes));
        }
        let largest = beyond::largest_file(&dir);
        Ok(StaticFiles {
            dir: Some(dir),
            known,
            largest,
        })
    }

    /// The expected bytes of `name`, if known.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.known
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_slice())
    }
}

/// One way to send a stage's requests by hand.
#[derive(Debug, Clone, PartialEq)]
pub enum Repro {
    /// A command to type (`curl` …), maybe with a note in parentheses.
    Command(Text),
    /// The raw bytes the checker sent, escaped: what to send, not a command.
    Bytes(String),
}

impl From<Text> for Repro {
    fn from(text: Text) -> Repro {
        Repro::Command(text)
    }
}

/// What one stage found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// ✓ or ✗.
    pub passed: bool,
    /// What was measured, e.g. "answered after 2.8 s while ...".
    pub measured: Text,
    /// The causes that fit what was measured, most likely first, each with
    /// its fix; empty: the stage's own [`Stage::advice`].
    pub hint: Vec<Hint>,
    /// The failure was a connection closed, reset or refused: the checker
    /// then looks whether the server still runs at all. The text is what
    /// the stage was doing (`/logo.png`), if it said.
    pub lost: Option<Option<Text>>,
    /// How to send the same requests by hand (`curl` lines, raw bytes).
    pub repro: Vec<Repro>,
    /// The server stopped answering: the stages after this one would only
    /// wait for the same, so they are skipped.
    pub unresponsive: bool,
}

fn repros(repro: impl IntoIterator<Item = impl Into<Repro>>) -> Vec<Repro> {
    repro.into_iter().map(Into::into).collect()
}

impl Outcome {
    /// A passed stage.
    pub fn pass(measured: Text, repro: impl IntoIterator<Item = impl Into<Repro>>) -> Outcome {
        Outcome {
            passed: true,
            measured,
            hint: Vec::new(),
            repro: repros(repro),
            unresponsive: false,
            lost: None,
        }
    }

    /// A failed stage.
    pub fn fail(measured: Text, repro: impl IntoIterator<Item = impl Into<Repro>>) -> Outcome {
        Outcome {
            passed: false,
            measured,
            hint: Vec::new(),
            repro: repros(repro),
            unresponsive: false,
            lost: None,
        }
    }

    /// The causes that fit, most likely first (see [`Outcome::hint`]).
    pub fn because(mut self, causes: Vec<Hint>) -> Outcome {
        self.hint = causes;
        self
    }

    /// A failed stage after which the server did not answer any more.
    pub fn failed_fetch(
        err: &FetchError,
        context: Option<Text>,
        repro: impl IntoIterator<Item = impl Into<Repro>>,
    ) -> Outcome {
        let measured = match &context {
            Some(context) => context.then(&err.describe()),
            None => err.describe(),
        };
        Outcome {
            passed: false,
            measured,
            hint: causes::of_fetch(err),
            repro: repros(repro),
            unresponsive: err.is_unresponsive(),
            lost: err.is_lost().then_some(context),
        }
    }
}

/// One stage: what it checks, where the book teaches it, how to run it.
pub struct Stage {
    /// A short stable name, e.g. `silent-client`.
    pub id: &'static str,
    /// Its group (the report's heading).
    pub group: Group,
    /// What it checks, in a few words.
    pub title: Text,
    /// Where the book (and the guide) teach it.
    pub source: Source,
    /// What to change when it fails, when the outcome names no cause.
    pub advice: Hint,
    /// The stages whose lesson this one builds on: when one of them failed
    /// or was not run, this one is not run either (a stage of a chapter not
    /// checked is ignored). Everything else runs, whatever failed.
    pub needs: &'static [&'static str],
    /// Runs it.
    pub run: fn(&Ctx) -> Outcome,
}

/// The stages for `chapter`, in the book's order, and the beyond stages if asked.
pub fn stages(chapter: Chapter, beyond: bool) -> Vec<Stage> {
    let mut list = Vec::new();
    for group in chapter.groups() {
        list.extend(group_stages(*group));
    }
    if beyond {
        list.extend(group_stages(Group::Beyond));
    }
    list
}

fn group_stages(group: Group) -> Vec<Stage> {
    match group {
        Group::Basics => basics::stages(),
        Group::Threads => threads::stages(),
        Group::Pool => pool::stages(),
        Group::Async => many::stages(),
        Group::Beyond => beyond::stages(),
    }
}

/// Runs every stage of `options.chapter` against `options.url`; `each` sees
/// each stage's result as soon as it is known (the binary prints it).
pub fn run_with(
    options: &Options,
    each: &mut dyn FnMut(&report::StageResult),
) -> Result<Report, RunError> {
    let target = Target::parse(&options.url).map_err(RunError::Usage)?;
    let files = match &options.static_dir {
        Some(dir) => StaticFiles::load(dir).map_err(RunError::Usage)?,
        None => StaticFiles::default(),
    };
    let max_workers = options.max_workers.unwrap_or(DEFAULT_MAX_WORKERS);
    if max_workers == 0 || max_workers > 1000 {
        return Err(RunError::Usage(Text::new(
            "--max-workers は 1 から 1000 までです",
            "--max-workers must be from 1 to 1000",
        )));
    }
    let ctx = Ctx {
        chapter: options.chapter,
        target: &target,
        files: &files,
        max_workers,
    };
    let started = Instant::now();
    let mut report = Report::new(options);
    // Set once the server is gone or stuck: every later stage would only wait.
    let mut stopped: Option<Text> = None;
    for stage in stages(options.chapter, options.beyond) {
        let began = Instant::now();
        let unmet = unmet_need(&stage, &report);
        let result = match stopped.clone().or(unmet) {
            Some(why) => report::StageResult::skipped(&stage, why),
            None => {
                let mut outcome = (stage.run)(&ctx);
                if target.chosen().is_none() {
                    return Err(RunError::NothingListening {
                        authority: target.authority().to_owned(),
                        tried: target.addrs().to_vec(),
                    });
                }
                if let Some(context) = outcome.lost.take()
                    && !outcome.passed
                    && !still_listening(&target)
                {
                    let gone = causes::stopped(target.authority());
                    outcome.measured = match context {
                        Some(context) => context.then(&gone),
                        None => gone,
                    };
                    stopped = Some(Text::new(
                        format!(
                            "実行していません：サーバーが {} で止まり、接続を受け付けなくなりました",
                            stage.id
                        ),
                        format!(
                            "not run: the server stopped at {} and accepts no connection since",
                            stage.id
                        ),
                    ));
                } else if outcome.unresponsive {
                    let answered_before = report
                        .stages
                        .iter()
                        .any(|s| s.verdict == report::Verdict::Passed);
                    stopped = Some(stopped_answering(stage.id, answered_before));
                }
                report::StageResult::from_outcome(&stage, outcome, began.elapsed())
            }
        };
        each(&result);
        report.stages.push(result);
    }
    report.address = target.chosen();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Why `stage` cannot run: the first stage it needs that failed or was not run.
fn unmet_need(stage: &Stage, report: &Report) -> Option<Text> {
    stage.needs.iter().find_map(|need| {
        let earlier = report.stage(need)?;
        match earlier.verdict {
            report::Verdict::Passed => None,
            report::Verdict::Failed => Some(Text::new(
                format!("実行していません：{need} の合格が前提の項目で、{need} が不合格でした"),
                format!("not run: it builds on {need}, which failed"),
            )),
            report::Verdict::Skipped => Some(Text::new(
                format!("実行していません：{need} の合格が前提の項目で、{need} も実行していません"),
                format!("not run: it builds on {need}, which was not run either"),
            )),
        }
    })
}

/// After a connection was lost: does the server still accept and answer a
/// plain request (briefly)? Only a refused connection says it is gone.
fn still_listening(target: &Target) -> bool {
    let request = target.request("GET", &target.path("index.html"));
    let expect = client::Expect {
        timeout: Duration::from_secs(2),
        ..client::Expect::default()
    };
    !matches!(
        client::fetch(target, &request, expect),
        Err(FetchError::Refused(_))
    )
}

/// Why the stages after `id` are not run, when the server stopped answering
/// there; `answered_before`: some earlier stage passed.
fn stopped_answering(id: &str, answered_before: bool) -> Text {
    if answered_before {
        Text::new(
            format!("実行していません：{id} でサーバーが応答しなくなりました"),
            format!("not run: the server stopped answering at {id}"),
        )
    } else {
        Text::new(
            format!(
                "実行していません：{id} でサーバーから完全な応答が得られず、以降の項目も同じように待つだけになるためです"
            ),
            format!(
                "not run: the server gave no complete answer at {id}, and every later check would only wait the same way"
            ),
        )
    }
}

/// [`run_with`], without watching the stages go by.
pub fn run(options: &Options) -> Result<Report, RunError> {
    run_with(options, &mut |_| {})
}
