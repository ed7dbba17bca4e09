//! The report: a few lines per stage, ✓ or ✗ with what was measured; for
//! each ✗ the causes that fit (the first after `hint:`, the others after
//! `or:`) in the reader's language, the book's section, the guide page, and
//! how to reproduce it by hand; for a stage not run, why.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use crate::text::{Hint, Lang, ServerLang, Source, Text};
use crate::{Chapter, Group, Options, Outcome, Repro, Stage};

/// A stage's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// ✓
    Passed,
    /// ✗
    Failed,
    /// Not run: a stage it builds on failed or was not run, or the server
    /// stopped answering.
    Skipped,
}

/// One stage as reported.
#[derive(Debug, Clone)]
pub struct StageResult {
    /// The stage's stable name.
    pub id: &'static str,
    /// Its group.
    pub group: Group,
    /// ✓, ✗ or skipped.
    pub verdict: Verdict,
    /// What it checks.
    pub title: Text,
    /// What was measured (or why it was skipped).
    pub measured: Text,
    /// The causes that fit and what to change, most likely first, when it
    /// failed; each in both languages of servers, shown for the one checked.
    pub hint: Vec<Hint>,
    /// Where the book and the guide teach it.
    pub source: Source,
    /// How to send its requests by hand.
    pub repro: Vec<Repro>,
    /// How long it took.
    pub elapsed: Duration,
}

impl StageResult {
    /// The result of running `stage`.
    pub fn from_outcome(stage: &Stage, outcome: Outcome, elapsed: Duration) -> StageResult {
        StageResult {
            id: stage.id,
            group: stage.group,
            verdict: if outcome.passed {
                Verdict::Passed
            } else {
                Verdict::Failed
            },
            title: stage.title.clone(),
            measured: outcome.measured,
            hint: if outcome.hint.is_empty() {
                vec![stage.advice.clone()]
            } else {
                outcome.hint
            },
            source: stage.source,
            repro: outcome.repro,
            elapsed,
        }
    }

    /// A stage not run, and why.
    pub fn skipped(stage: &Stage, why: Text) -> StageResult {
        StageResult {
            id: stage.id,
            group: stage.group,
            verdict: Verdict::Skipped,
            title: stage.title.clone(),
            measured: why,
            hint: Vec::new(),
            source: stage.source,
            repro: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// The stage's lines of the report, the hints for a `server` in that
    /// language.
    pub fn render(&self, lang: Lang, server: ServerLang, verbose: bool) -> String {
        let mark = match self.verdict {
            Verdict::Passed => "✓",
            Verdict::Failed => "✗",
            Verdict::Skipped => "-",
        };
        let mut out = format!(
            "  {mark} {:<17} {}\n      {}\n",
            self.id,
            self.title.get(lang),
            self.measured.get(lang)
        );
        if self.verdict == Verdict::Failed {
            let (hint, or, book, guide) = match lang {
                Lang::Ja => ("ヒント：", "または：", "本：", "ガイド："),
                Lang::En => ("hint: ", "or: ", "book: ", "guide: "),
            };
            let source = match lang {
                Lang::Ja => self.source.book_ja,
                Lang::En => self.source.book_en,
            };
            let lines = self.hint.iter().flat_map(|h| h.lines(server));
            for (i, cause) in lines.enumerate() {
                // A Rust line right after its Python twin continues it.
                let label = if i == 0 {
                    hint
                } else if cause.en.starts_with("in Rust: ") {
                    "  "
                } else {
                    or
                };
                let _ = writeln!(out, "      {label}{}", cause.get(lang));
            }
            let _ = writeln!(out, "      {book}{source}");
            let _ = writeln!(
                out,
                "      {guide}docs/{}/{}",
                lang.code(),
                self.source.guide
            );
            for line in &self.repro {
                let _ = writeln!(out, "      {}", repro_line(line, lang, false));
            }
        } else if verbose {
            for line in &self.repro {
                let _ = writeln!(out, "      {}", repro_line(line, lang, true));
            }
        }
        out
    }
}

/// One repro line: a command after `試す：` / `try:` (or `$ ` when
/// verbose), raw bytes after a label of their own, never as a command.
fn repro_line(line: &Repro, lang: Lang, verbose: bool) -> String {
    match (line, lang) {
        (Repro::Command(text), _) if verbose => format!("$ {}", text.get(lang)),
        (Repro::Command(text), Lang::Ja) => format!("試す：{}", text.ja),
        (Repro::Command(text), Lang::En) => format!("try: {}", text.en),
        (Repro::Bytes(bytes), Lang::Ja) => {
            format!("チェッカーが送ったバイト列（\\r\\n などはエスケープ表記）：{bytes}")
        }
        (Repro::Bytes(bytes), Lang::En) => {
            format!("bytes the checker sent (\\r\\n and the like escaped): {bytes}")
        }
    }
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct Report {
    /// The chapter checked.
    pub chapter: Chapter,
    /// The URL checked.
    pub url: String,
    /// The address that answered.
    pub address: Option<SocketAddr>,
    /// The pool's bound checked, for the pool chapter.
    pub max_workers: Option<usize>,
    /// Whether `--max-workers` was given.
    pub max_workers_given: bool,
    /// Whether the beyond stages ran.
    pub beyond: bool,
    /// The server's language, for the hints.
    pub server: ServerLang,
    /// Every stage, in order.
    pub stages: Vec<StageResult>,
    /// The whole run.
    pub elapsed: Duration,
}

impl Report {
    /// An empty report for `options`.
    pub fn new(options: &Options) -> Report {
        Report {
            chapter: options.chapter,
            url: options.url.clone(),
            address: None,
            max_workers: (options.chapter == Chapter::Pool)
                .then(|| options.max_workers.unwrap_or(crate::DEFAULT_MAX_WORKERS)),
            max_workers_given: options.max_workers.is_some(),
            beyond: options.beyond,
            server: options.server,
            stages: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// The same report, its hints for a `server` in that language.
    pub fn with_server(mut self, server: ServerLang) -> Report {
        self.server = server;
        self
    }

    /// True when no stage failed or was skipped.
    pub fn passed(&self) -> bool {
        self.stages.iter().all(|s| s.verdict == Verdict::Passed)
    }

    /// The ids of the stages with `verdict`.
    pub fn ids(&self, verdict: Verdict) -> Vec<&'static str> {
        self.stages
            .iter()
            .filter(|s| s.verdict == verdict)
            .map(|s| s.id)
            .collect()
    }

    /// The stage named `id`.
    pub fn stage(&self, id: &str) -> Option<&StageResult> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The whole report as the binary prints it.
    pub fn render(&self, lang: Lang, verbose: bool) -> String {
        let mut out = self.header(lang);
        let mut group = None;
        for stage in &self.stages {
            if group != Some(stage.group) {
                group = Some(stage.group);
                out.push_str(&group_heading(stage.group, lang));
            }
            out.push_str(&stage.render(lang, self.server, verbose));
        }
        out.push_str(&self.footer(lang));
        out
    }

    /// The report as a re-check prints it: a passed stage on one line (its
    /// mark, name and title), the others whole.
    pub fn render_brief(&self, lang: Lang) -> String {
        let mut out = self.header(lang);
        let mut group = None;
        for stage in &self.stages {
            if group != Some(stage.group) {
                group = Some(stage.group);
                out.push_str(&group_heading(stage.group, lang));
            }
            if stage.verdict == Verdict::Passed {
                let _ = writeln!(out, "  ✓ {:<17} {}", stage.id, stage.title.get(lang));
            } else {
                out.push_str(&stage.render(lang, self.server, false));
            }
        }
        out.push_str(&self.footer(lang));
        out
    }

    /// The lines before the stages.
    pub fn header(&self, lang: Lang) -> String {
        let krate = self.chapter.crate_name();
        let mut out = match lang {
            Lang::Ja => format!("{krate} の項目を {} で確かめます\n", self.url),
            Lang::En => format!("Checking {krate}'s stages at {}\n", self.url),
        };
        if self.chapter == Chapter::Refactor {
            out.push_str(match lang {
                Lang::Ja => "リファクタリングは振る舞いを変えないので、第12章と同じ項目です\n",
                Lang::En => "A refactoring changes no behaviour: these are chapter 12's stages\n",
            });
        }
        if let Some(n) = self.max_workers {
            let line = match (lang, self.max_workers_given) {
                (Lang::Ja, true) => format!("プールの上限：--max-workers {n}\n"),
                (Lang::En, true) => format!("The pool's bound: --max-workers {n}\n"),
                (Lang::Ja, false) => format!(
                    "プールの上限：{n}（chapter13-threadpool の既定値。自分のサーバーの上限は --max-workers N で）\n"
                ),
                (Lang::En, false) => format!(
                    "The pool's bound: {n} (chapter13-threadpool's default; give yours with --max-workers N)\n"
                ),
            };
            out.push_str(&line);
        }
        out
    }

    /// The summary after the stages.
    pub fn footer(&self, lang: Lang) -> String {
        let count = |v| self.stages.iter().filter(|s| s.verdict == v).count();
        let (passed, failed, skipped) = (
            count(Verdict::Passed),
            count(Verdict::Failed),
            count(Verdict::Skipped),
        );
        let total = self.stages.len();
        let addr = self
            .address
            .map_or_else(|| "-".to_owned(), |a| a.to_string());
        let elapsed = crate::client::dur(self.elapsed);
        match lang {
            Lang::Ja => {
                let mut line = format!("\n{total} 項目中 {passed} 項目が合格");
                if failed > 0 {
                    let _ = write!(line, "、{failed} 項目が不合格");
                }
                if skipped > 0 {
                    let _ = write!(line, "、{skipped} 項目は未実行");
                }
                let _ = writeln!(line, "（接続先 {addr}、{}）", elapsed.ja);
                if failed + skipped == 0 {
                    let _ = writeln!(line, "{} の項目はすべて合格です", self.chapter.crate_name());
                } else {
                    if failed > 0 && self.server == ServerLang::Unknown {
                        line.push_str("ヒントは Python と Rust の両方で示しました。片方だけにするには --server python か --server rust を付けます\n");
                    }
                    line.push_str("使い方：docs/ja/check-your-server.md\n");
                }
                line
            }
            Lang::En => {
                let mut line = format!("\n{passed} of {total} stages passed");
                if failed > 0 {
                    let _ = write!(line, ", {failed} failed");
                }
                if skipped > 0 {
                    let _ = write!(line, ", {skipped} not run");
                }
                let _ = writeln!(line, " (connected to {addr}, {})", elapsed.en);
                if failed + skipped == 0 {
                    let _ = writeln!(line, "Every stage of {} passed", self.chapter.crate_name());
                } else {
                    if failed > 0 && self.server == ServerLang::Unknown {
                        line.push_str("The hints name the fix in Python and in Rust; --server python or --server rust shows one\n");
                    }
                    line.push_str("How to use the checker: docs/en/check-your-server.md\n");
                }
                line
            }
        }
    }
}

/// The heading a group's stages are printed under.
pub fn group_heading(group: Group, lang: Lang) -> String {
    let text = match (group, lang) {
        (Group::Basics, Lang::Ja) => {
            "第12章「複数回のHTTPリクエストに繰り返し応答できるようにする」"
        }
        (Group::Basics, Lang::En) => {
            "Chapter 12, 「複数回のHTTPリクエストに繰り返し応答できるようにする」 (answer request after request)"
        }
        (Group::Threads, Lang::Ja) => "第13章「リクエストを並列処理する」",
        (Group::Threads, Lang::En) => {
            "Chapter 13, 「リクエストを並列処理する」 (handle requests in parallel)"
        }
        (Group::Pool, Lang::Ja) => "第13章のコラム「スレッドを扱う際の注意点」：上限つきのプール",
        (Group::Pool, Lang::En) => {
            "Chapter 13's column 「スレッドを扱う際の注意点」: a bounded pool"
        }
        (Group::Async, Lang::Ja) => "本の先：クライアントごとにタスク（chapter13-async）",
        (Group::Async, Lang::En) => "Beyond the book: a task per client (chapter13-async)",
        (Group::Beyond, Lang::Ja) => {
            "本番に向けて（--beyond）：本のコードは通らない前提です。実際のネットワークに出すサーバーには必要なことです"
        }
        (Group::Beyond, Lang::En) => {
            "Toward production (--beyond): the book's code is not expected to pass these; a server on a real network needs them"
        }
    };
    format!("\n{text}\n")
}

/// Replaces what changes from run to run — durations and port numbers — so
/// that a report can be compared with a stored one (the golden files, the
/// guide's samples): `2.8 s` and `3 ms` become `T s` (`2.8 秒` and
/// `3 ミリ秒`: `T 秒`), `host:8080` becomes `host:PORT`, `curl.exe` `curl`.
pub fn normalise(report: &str) -> String {
    let mut out = String::with_capacity(report.len());
    let chars: Vec<char> = report.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_number_start = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.');
        if c.is_ascii_digit() && after_number_start {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            let rest: String = chars[j..chars.len().min(j + 4)].iter().collect();
            // Japanese: `3 ミリ秒` and `2.8 秒` both read `T 秒`.
            let tail: String = chars[j..chars.len().min(j + 5)].iter().collect();
            if let Some(unit) = [" ミリ秒", " 秒"].into_iter().find(|u| tail.starts_with(u)) {
                out.push_str("T 秒");
                i = j + unit.chars().count();
                continue;
            }
            if rest.starts_with(" ms")
                || (rest.starts_with(" s") && !rest[2..].starts_with(|c: char| c.is_alphanumeric()))
            {
                out.push('T');
                i = j + if rest.starts_with(" ms") { 3 } else { 2 };
                out.push_str(if rest.starts_with(" ms") { " ms" } else { " s" });
                // `T ms` and `T s` both read `T s`: which unit depends on the run.
                if out.ends_with("T ms") {
                    out.truncate(out.len() - 3);
                    out.push_str(" s");
                }
                continue;
            }
            if i > 0 && chars[i - 1] == ':' {
                out.push_str("PORT");
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    // Windows prints `curl.exe` where the stored reports say `curl`.
    out.replace("curl.exe ", "curl ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_hides_times_and_ports_only() {
        assert_eq!(
            normalise(
                "at http://localhost:8080/ (127.0.0.1:40123, 12.3 s)\n200, 235 bytes (3 ms) slowest 1.0 s, 9 others, 5 stages"
            ),
            "at http://localhost:PORT/ (127.0.0.1:PORT, T s)\n200, 235 bytes (T s) slowest T s, 9 others, 5 stages"
        );
        assert_eq!(
            normalise("（3 ミリ秒）、最大 2.8 秒、クライアント 9 個"),
            "（T 秒）、最大 T 秒、クライアント 9 個"
        );
        assert_eq!(
            normalise("try: curl.exe -v http://x/"),
            "try: curl -v http://x/"
        );
    }
}
