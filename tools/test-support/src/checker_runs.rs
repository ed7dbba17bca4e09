//! The checker (`checker/`) against the real chapter binaries: each passes
//! its own chapter's stages and the beyond stages; the sequential chapters
//! fail the threaded chapter's stages, with the hint; the threaded chapter
//! fails the pool's bound; and the guide's sample reports
//! (`docs/*/check-your-server.md`) match a real run.
//!
//! A sample is a fenced block after `<!-- checker: CRATE ARGS... -->` (and
//! `<!-- lang-specific -->`, since the report is in the page's language):
//! CRATE's binary is started, the checker runs with ARGS and its URL, and
//! the block (lines starting with `$ ` left out) must equal the report,
//! times and ports normalised.
//!
//! A step that answers one client at a time is started with a short
//! `--read-timeout` ([`ONE_AT_A_TIME`]) wherever it meets silent clients:
//! the threads stages then wait for that, not for the default 5 s, and only
//! that wait is what they measure of it (it fails them either way).

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use checker::report::{Verdict, normalise};
use checker::{Chapter, Lang, Options, Report};

use crate::docs::workspace_root;
use crate::{Server, static_dir};

/// A copy of `static/` with a 4 MiB file added, so that the large-file
/// stage streams something large and compares it byte for byte.
struct BigStatic(PathBuf);

impl BigStatic {
    fn new(tag: &str) -> BigStatic {
        let dir =
            std::env::temp_dir().join(format!("henaserver-checker-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the temporary static folder");
        for name in ["index.html", "index.css", "logo.png"] {
            fs::copy(static_dir().join(name), dir.join(name)).expect("copy a static file");
        }
        // Bytes that are not all alike, so a reordered or repeated chunk shows.
        let big: Vec<u8> = (0..4u32 * 1024 * 1024)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        fs::write(dir.join("big.bin"), big).expect("write the large file");
        BigStatic(dir)
    }
}

impl Drop for BigStatic {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The read timeout of a step that answers one client at a time, where the
/// checker's silent clients make the next client wait for it: twice the
/// checker's "at once", so that it still fails the threads stages by a
/// margin, and shorter than the 3 s a trickling client takes, as the
/// default 5 s is not (the report says why either way).
const ONE_AT_A_TIME: [&str; 2] = ["--read-timeout", "2"];

fn check(server: &Server, mut options: Options) -> Report {
    options.url = format!("http://localhost:{}/", server.addr.port());
    checker::run(&options).unwrap_or_else(|err| panic!("the checker could not run: {err:?}"))
}

/// `bin` (the crate `krate`) passes every stage of its own chapter and
/// every beyond stage, with bodies compared byte for byte, a 4 MiB file
/// included.
pub fn passes_own_chapter(bin: &str, krate: &str) {
    let chapter = Chapter::parse(krate).expect("a chapter crate");
    let files = BigStatic::new(krate);
    let dir = files.0.to_str().expect("a UTF-8 temporary path");
    let mut args = vec!["--static-dir", dir];
    if chapter == Chapter::Pool {
        args.extend(["--max-workers", "4"]);
    }
    let server = Server::start(bin, &args);
    let mut options = Options::new(chapter, "");
    options.beyond = true;
    options.static_dir = Some(files.0.clone());
    options.max_workers = (chapter == Chapter::Pool).then_some(4);
    let report = check(&server, options);
    assert!(report.passed(), "{}", report.render(Lang::En, true));
    if chapter == Chapter::Refactor {
        let text = report.render(Lang::En, false);
        assert!(
            text.contains("A refactoring changes no behaviour: these are chapter 12's stages"),
            "{text}"
        );
    }
    let large = report
        .stage("large-file")
        .expect("the large-file stage ran");
    assert!(
        large
            .measured
            .en
            .contains("(4194304 bytes) is byte for byte"),
        "{}",
        large.measured.en
    );
}

/// A sequential `bin` fails the two stages of the threaded chapter, and the
/// report says why and where to read, in both languages.
pub fn fails_threads_stages(bin: &str) {
    let server = Server::start(bin, &ONE_AT_A_TIME);
    let report = check(&server, Options::new(Chapter::Threaded, ""));
    assert_eq!(
        report.ids(Verdict::Failed),
        ["silent-client", "trickle"],
        "{}",
        report.render(Lang::En, false)
    );
    let en = report.render(Lang::En, false);
    let ja = report.render(Lang::Ja, false);
    for (text, needles) in [
        (
            &en,
            [
                "this server answers one client at a time",
                "hint: no thread per client",
                "or: thread.run() instead of thread.start()",
                "in Rust: no thread per client: the loop answers each client itself before the next accept; hand the client to a thread, thread::Builder::new().spawn(move || worker::run(client_socket, address, &config))",
                "in Rust: a .join() right after the spawn",
                "guide: docs/en/chapter13-threaded.md",
                "「複数のリクエストを「並列処理」する」",
            ],
        ),
        (
            &ja,
            [
                "このサーバーは一度にクライアント 1 個にしか応答しません",
                "ガイド：docs/ja/chapter13-threaded.md",
                "ヒント：クライアントごとのスレッドがない",
                "または：thread.start() ではなく thread.run()",
                "Rust なら：spawn のすぐあとに .join() がある",
                "Rust なら：クライアントごとのスレッドがない：ループが自分で応答してから次の accept に進んでいます。accept したら thread::Builder::new().spawn(move || worker::run(client_socket, address, &config)) でスレッドに任せ",
                "本：第13章「現状の問題点」",
            ],
        ),
    ] {
        for needle in needles {
            assert!(text.contains(needle), "{needle:?} not in:\n{text}");
        }
    }
}

/// The threaded `bin` has no bound: it fails the pool's bound stage, only that.
pub fn fails_pool_bound(bin: &str) {
    let server = Server::start(bin, &[]);
    let mut options = Options::new(Chapter::Pool, "");
    options.max_workers = Some(4);
    let report = check(&server, options);
    assert_eq!(
        report.ids(Verdict::Failed),
        ["pool-bound"],
        "{}",
        report.render(Lang::En, false)
    );
    let message = &report.stage("pool-bound").expect("ran").measured.en;
    assert!(
        message.ends_with(
            "this server answers more than 4 clients at a time, with no bound or a bound above 4 (if your pool's limit is not 4, give it with --max-workers)"
        ),
        "{message}"
    );
}

/// The pool `bin`, started with `--max-workers 4`, checked with a different
/// N: the report says the limit differs from N, never that the server
/// answers one client at a time (N = 8) or has no bound at all (N = 2).
/// The two run at once, each against a server of its own: they mostly wait.
pub fn a_wrong_max_workers_is_named(bin: &str) {
    let cases = [
        (
            8,
            "pool-free-worker",
            "this server answers at most 7 clients at a time, fewer than 8: if your pool's limit is not 8, give the real one with --max-workers",
        ),
        (
            2,
            "pool-bound",
            "this server answers more than 2 clients at a time, with no bound or a bound above 2 (if your pool's limit is not 2, give it with --max-workers)",
        ),
    ];
    let reports: Vec<Report> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|(given, _, _)| {
                scope.spawn(move || {
                    let server = Server::start(bin, &["--max-workers", "4"]);
                    let mut options = Options::new(Chapter::Pool, "");
                    options.max_workers = Some(*given);
                    check(&server, options)
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a check ran"))
            .collect()
    });
    for ((_, failing, needle), report) in cases.iter().zip(&reports) {
        let text = report.render(Lang::En, false);
        assert!(report.ids(Verdict::Failed).contains(failing), "{text}");
        let message = &report.stage(failing).expect("ran").measured.en;
        assert!(message.ends_with(needle), "{message}");
        assert!(!text.contains("one client at a time"), "{text}");
    }
}

/// One sample of the guide: its page's language, the checker's arguments,
/// and the lines shown.
struct Sample {
    page: PathBuf,
    lang: Lang,
    args: Vec<String>,
    lines: Vec<String>,
}

/// The samples for `krate` on `docs/*/check-your-server.md`.
fn samples(krate: &str) -> Vec<Sample> {
    let mut found = Vec::new();
    for lang in [Lang::Ja, Lang::En] {
        let page = workspace_root()
            .join("docs")
            .join(lang.code())
            .join("check-your-server.md");
        let text =
            fs::read_to_string(&page).unwrap_or_else(|err| panic!("{}: {err}", page.display()));
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(marker) = line
                .trim()
                .strip_prefix("<!-- checker:")
                .and_then(|m| m.strip_suffix("-->"))
            else {
                continue;
            };
            let mut words = marker.split_whitespace().map(str::to_owned);
            if words.next().as_deref() != Some(krate) {
                continue;
            }
            let args: Vec<String> = words.collect();
            let fence = lines
                .by_ref()
                .find(|l| l.trim_start().starts_with("```"))
                .expect("a code block after the checker marker");
            assert!(!fence.is_empty());
            let block: Vec<String> = lines
                .by_ref()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .filter(|l| !l.starts_with("$ "))
                .map(str::to_owned)
                .collect();
            found.push(Sample {
                page: page.clone(),
                lang,
                args,
                lines: block,
            });
        }
    }
    found
}

/// Every sample report of `krate` in the guide matches a real run (one run
/// per distinct set of arguments, rendered in each page's language).
pub fn guide_samples_match(bin: &str, krate: &str) {
    let samples = samples(krate);
    assert!(
        !samples.is_empty(),
        "the guide has no checker sample for {krate}"
    );
    let mut runs: BTreeMap<Vec<String>, Report> = BTreeMap::new();
    for sample in samples {
        let one_at_a_time = Chapter::parse(krate).is_some_and(|c| c < Chapter::Threaded);
        let report = runs.entry(sample.args.clone()).or_insert_with(|| {
            let server = Server::start(bin, if one_at_a_time { &ONE_AT_A_TIME } else { &[] });
            let url = format!("http://localhost:{}/", server.addr.port());
            let options =
                checker::cli::parse(sample.args.iter().map(String::as_str).chain([url.as_str()]))
                    .unwrap_or_else(|err| panic!("checker arguments {:?}: {err}", sample.args));
            checker::run(&options)
                .unwrap_or_else(|err| panic!("the checker could not run: {err:?}"))
        });
        let real = report.render(sample.lang, false);
        assert_eq!(
            normalise(&sample.lines.join("\n")).trim_end(),
            normalise(&real).trim_end(),
            "{}: the sample report for {krate} {:?} differs from a real run:\n{real}",
            sample.page.display(),
            sample.args
        );
    }
}
