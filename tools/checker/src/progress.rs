//! The reader's progress: every check of a step is recorded, and the whole
//! path is shown at a glance (`--progress`, and after each check) — each
//! step ✓ with the date it first passed, ✗ with the stage that failed last,
//! or not tried yet.
//!
//! The record is a small text file outside git, `exercises/progress.tsv`
//! (git ignores everything in `exercises/` but its `.gitignore`; `cargo
//! clean` does not touch it), one line per step tried:
//! `step <TAB> first passed <TAB> last checked <TAB> last result`, where the
//! result is `passed`, the id of the first stage that failed, or `start`
//! when the server did not start. `CHECKER_PROGRESS=FILE` records elsewhere
//! (the checker's own tests do).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Chapter;
use crate::text::{Lang, Text};

/// The last result when the server did not start (or did not build).
pub const NOT_STARTED: &str = "start";
/// The last result when every stage passed.
const PASSED: &str = "passed";

/// One step's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The step's crate name.
    pub step: String,
    /// The date it first passed, `YYYY-MM-DD`.
    pub first_passed: Option<String>,
    /// The date of its last check.
    pub last_checked: String,
    /// The first stage that failed in the last check ([`NOT_STARTED`] if the
    /// server did not start); `None` when it passed.
    pub last_failed: Option<String>,
}

/// Every step's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The steps tried, in no particular order.
    pub entries: Vec<Entry>,
}

/// Where the progress is kept: `$CHECKER_PROGRESS`, else
/// `exercises/progress.tsv` in this workspace.
pub fn file() -> PathBuf {
    match std::env::var_os("CHECKER_PROGRESS") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => steps::workspace_root()
            .join("exercises")
            .join("progress.tsv"),
    }
}

impl Progress {
    /// Reads `path`; a missing file is no progress yet, a line that cannot
    /// be read is left out.
    pub fn load(path: &Path) -> Progress {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let entries = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                let [step, first, last, result] = fields[..] else {
                    return None;
                };
                Some(Entry {
                    step: step.to_owned(),
                    first_passed: (first != "-").then(|| first.to_owned()),
                    last_checked: last.to_owned(),
                    last_failed: (result != PASSED).then(|| result.to_owned()),
                })
            })
            .collect();
        Progress { entries }
    }

    /// Writes it to `path`, making its folder if needed.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = String::from(
            "# The checker's record of your progress (cargo run -p checker -- --progress shows it).\n# step\tfirst passed\tlast checked\tlast result\n",
        );
        for e in &self.entries {
            let _ = writeln!(
                text,
                "{}\t{}\t{}\t{}",
                e.step,
                e.first_passed.as_deref().unwrap_or("-"),
                e.last_checked,
                e.last_failed.as_deref().unwrap_or(PASSED)
            );
        }
        std::fs::write(path, text)
    }

    /// Records a check of `chapter` on `date`: `failed` is the first stage
    /// that failed (or [`NOT_STARTED`]), `None` when every stage passed.
    pub fn record(&mut self, chapter: Chapter, failed: Option<&str>, date: &str) {
        let step = chapter.crate_name();
        let index = match self.entries.iter().position(|e| e.step == step) {
            Some(index) => index,
            None => {
                self.entries.push(Entry {
                    step: step.to_owned(),
                    first_passed: None,
                    last_checked: String::new(),
                    last_failed: None,
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        entry.last_checked = date.to_owned();
        entry.last_failed = failed.map(str::to_owned);
        if failed.is_none() && entry.first_passed.is_none() {
            entry.first_passed = Some(date.to_owned());
        }
    }

    /// The record of `step`, if it was tried.
    pub fn entry(&self, step: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.step == step)
    }

    /// The whole path: a line per step of the book, in reading order.
    pub fn render(&self, lang: Lang) -> String {
        let passed = steps::STEPS
            .iter()
            .filter(|s| {
                self.entry(s.krate)
                    .is_some_and(|e| e.first_passed.is_some())
            })
            .count();
        let total = steps::STEPS.len();
        let width = steps::STEPS
            .iter()
            .map(|s| s.krate.len())
            .max()
            .unwrap_or(0);
        let mut out = match lang {
            Lang::Ja => format!(
                "進み具合：{total} ステップ中 {passed} ステップが合格（cargo run -p checker -- --progress）\n"
            ),
            Lang::En => format!(
                "Progress: {passed} of {total} steps passed (cargo run -p checker -- --progress)\n"
            ),
        };
        for step in steps::STEPS {
            let (mark, line) = match self.entry(step.krate) {
                None => ("-", Text::new("まだ確かめていません", "not tried yet")),
                Some(e) => match (&e.first_passed, &e.last_failed) {
                    (Some(first), None) => (
                        "✓",
                        Text::new(format!("{first} に合格"), format!("passed on {first}")),
                    ),
                    (Some(first), Some(failed)) => {
                        let failed = failure(failed);
                        (
                            "✓",
                            Text::new(
                                format!(
                                    "{first} に合格（{} の確認：{}）",
                                    e.last_checked, failed.ja
                                ),
                                format!("passed on {first} (on {}, {})", e.last_checked, failed.en),
                            ),
                        )
                    }
                    (None, Some(failed)) => {
                        let failed = failure(failed);
                        (
                            "✗",
                            Text::new(
                                format!("最後の確認（{}）：{}", e.last_checked, failed.ja),
                                format!("last checked on {}: {}", e.last_checked, failed.en),
                            ),
                        )
                    }
                    (None, None) => ("-", Text::new("まだ確かめていません", "not tried yet")),
                },
            };
            let _ = writeln!(out, "  {mark} {:<width$}  {}", step.krate, line.get(lang));
        }
        out
    }
}

/// What failed, as a phrase: `content-type が不合格` / `content-type failed`.
fn failure(stage: &str) -> Text {
    if stage == NOT_STARTED {
        Text::new("サーバーが起動しませんでした", "the server did not start")
    } else {
        Text::new(format!("{stage} が不合格"), format!("{stage} failed"))
    }
}

/// Today's date, `YYYY-MM-DD`, in the local time zone where it is known
/// (Unix: `date +%z`), else in UTC.
pub fn today() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let seconds = i64::try_from(now).unwrap_or(0) + local_offset();
    date(seconds.div_euclid(86_400))
}

/// Today's date in UTC, `YYYY-MM-DD` (for what is read beside other
/// machines' dates, such as a picture's footer).
pub fn utc_today() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date(i64::try_from(now / 86_400).unwrap_or(0))
}

/// The local time zone's offset from UTC, in seconds (0 where unknown).
fn local_offset() -> i64 {
    if !cfg!(unix) {
        return 0;
    }
    let Ok(out) = std::process::Command::new("date").arg("+%z").output() else {
        return 0;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let text = text.trim();
    let (sign, digits) = match text.split_at_checked(1) {
        Some(("+", d)) => (1, d),
        Some(("-", d)) => (-1, d),
        _ => return 0,
    };
    let hours: i64 = digits.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    let minutes: i64 = digits.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
    sign * (hours * 3600 + minutes * 60)
}

/// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_counted_from_1970() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(59), "1970-03-01");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(20_454), "2026-01-01");
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn a_step_keeps_its_first_pass_and_shows_its_last_failure() {
        let mut p = Progress::default();
        p.record(Chapter::Sequential, Some(NOT_STARTED), "2026-05-01");
        p.record(Chapter::Sequential, Some("content-type"), "2026-05-01");
        let ja = p.render(Lang::Ja);
        assert!(ja.contains("✗ chapter12-sequential  "), "{ja}");
        assert!(ja.contains("content-type が不合格"), "{ja}");
        p.record(Chapter::Sequential, None, "2026-05-02");
        p.record(Chapter::Sequential, None, "2026-05-03");
        p.record(Chapter::Threaded, Some("trickle"), "2026-05-03");
        let en = p.render(Lang::En);
        assert!(en.starts_with("Progress: 1 of 5 steps passed"), "{en}");
        assert!(
            en.contains("✓ chapter12-sequential  passed on 2026-05-02\n"),
            "{en}"
        );
        assert!(
            en.contains("✗ chapter13-threaded    last checked on 2026-05-03: trickle failed"),
            "{en}"
        );
        assert!(en.contains("- chapter13-async       not tried yet"), "{en}");
        p.record(Chapter::Sequential, Some("repeat"), "2026-05-04");
        let en = p.render(Lang::En);
        assert!(
            en.contains("passed on 2026-05-02 (on 2026-05-04, repeat failed)"),
            "{en}"
        );
        // Written and read back the same.
        let path =
            std::env::temp_dir().join(format!("checker-progress-{}.tsv", std::process::id()));
        p.save(&path).expect("saved");
        assert_eq!(Progress::load(&path), p);
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            Progress::load(Path::new("/no/such/progress.tsv")),
            Progress::default()
        );
    }
}
