//! The steps of the book that this workspace follows, in one table.
//!
//! Every tool reads the steps from here: `cargo xtask` (the diffs, the
//! side-by-side view, the exercises), `lesson-demo`, the checker's
//! `--chapter` names and the tests of the guide. Adding a step is one row
//! below, plus its crate (and its checker stages, if it has any).

use std::path::{Path, PathBuf};

/// One step: a crate at the top of the workspace, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The crate, its folder and its binary: `chapter13-threaded`.
    pub krate: &'static str,
    /// Other names the tools accept for it, the first one shortest: `13`.
    pub short_names: &'static [&'static str],
    /// The step whose code this one starts from; `diffs/PREVIOUS..KRATE.diff`
    /// shows the lesson. The first step starts from [`STARTER`], which
    /// starts from nothing (empty).
    pub previous: &'static str,
    /// The book's chapter and section, as the book titles them.
    pub book: &'static str,
    /// The book's Python files (in its repository); empty beyond the book.
    pub python: &'static [&'static str],
    /// The guide page, the same name under `docs/ja/` and `docs/en/`; for
    /// [`START`], the first step's, whose exercise starts from its code.
    pub page: &'static str,
    /// What the step changes, in one line.
    pub lesson: &'static str,
}

/// The book's starting point for chapter 12 (its chapter 11's server): the
/// crate the first exercise starts from. Not a step of its own: it has no
/// page, and `cargo run` serves one request with it.
pub const STARTER: &str = "chapter11-answer-once";

/// The starter as a row like the steps': diffed, shown side by side and
/// copied like one, but outside [`STEPS`] (no page, no checker stages).
pub const START: Step = Step {
    krate: STARTER,
    short_names: &["11", "answer-once"],
    previous: "",
    book: "第11章「HTMLファイルを配信できるようにする」",
    python: &["codes/chapter11-2/webserver.py"],
    page: "chapter12.md",
    lesson: "answer one request with the file it names, then stop",
};

/// The steps in reading order: the book's, then the two beyond its code.
pub const STEPS: &[Step] = &[
    Step {
        krate: "chapter12-sequential",
        short_names: &["12", "12-sequential", "sequential"],
        previous: STARTER,
        book: "第12章「複数回のHTTPリクエストに繰り返し応答できるようにする」",
        python: &["codes/chapter12-2/webserver.py"],
        page: "chapter12.md",
        lesson: "answer request after request in a loop, each file with the Content-Type of its extension",
    },
    Step {
        krate: "chapter13-refactor",
        short_names: &["13-refactor", "13r", "refactor"],
        previous: "chapter12-sequential",
        book: "第13章「リクエストを並列処理する」の「いったんリファクタリングする」",
        python: &["codes/chapter13/webserver.py"],
        page: "chapter13-refactor.md",
        lesson: "split serve into the book's functions (create_server_socket, handle_client, get_static_file_content); the server does the same",
    },
    Step {
        krate: "chapter13-threaded",
        short_names: &["13", "13-threaded", "13t", "threaded"],
        previous: "chapter13-refactor",
        book: "第13章「リクエストを並列処理する」の「複数のリクエストを「並列処理」する」",
        python: &[
            "codes/chapter13-2/webserver.py",
            "codes/chapter13-2/workerthread.py",
        ],
        page: "chapter13-threaded.md",
        lesson: "answer each client in a thread of its own (the book's WorkerThread), so a slow client no longer holds up the others",
    },
    Step {
        krate: "chapter13-threadpool",
        short_names: &["13-threadpool", "13p", "threadpool", "pool"],
        previous: "chapter13-threaded",
        book: "第13章のコラム「スレッドを扱う際の注意点」が示す方向（上限つきのスレッドプール）",
        python: &[],
        page: "chapter13-threadpool.md",
        lesson: "take the threads from a bounded pool, so a flood of clients cannot start threads without end",
    },
    Step {
        krate: "chapter13-async",
        short_names: &["13-async", "13a", "async"],
        previous: "chapter13-threaded",
        book: "本の先：スレッドの代わりにクライアントごとのタスク（tokio）",
        python: &[],
        page: "chapter13-async.md",
        lesson: "answer each client in a task of its own (tokio), so a silent client costs no thread",
    },
];

/// The step that `name` means: its crate name, or one of its short names,
/// in any case (`13`, `Chapter13-Threaded`, `pool`).
pub fn find(name: &str) -> Option<&'static Step> {
    let name = name.trim().to_ascii_lowercase();
    let short = name.strip_prefix("chapter").unwrap_or(&name);
    STEPS
        .iter()
        .find(|step| step.krate == name || step.short_names.contains(&short))
}

/// Like [`find`], and the starter too (`11`, `chapter11-answer-once`): for
/// the tools that diff, show or copy it like a step.
pub fn find_with_start(name: &str) -> Option<&'static Step> {
    let name = name.trim().to_ascii_lowercase();
    let short = name.strip_prefix("chapter").unwrap_or(&name);
    if START.krate == name || START.short_names.contains(&short) {
        return Some(&START);
    }
    find(&name)
}

/// The starter, then every step, in reading order.
pub fn with_start() -> impl Iterator<Item = &'static Step> {
    std::iter::once(&START).chain(STEPS)
}

/// The step `step` starts from: [`START`] for the first one, `None` for
/// the starter itself.
pub fn previous(step: &Step) -> Option<&'static Step> {
    with_start().find(|s| s.krate == step.previous)
}

/// Every step's crate name, in reading order.
pub fn crates() -> impl Iterator<Item = &'static str> {
    STEPS.iter().map(|step| step.krate)
}

/// The names a reader may give, for messages: `chapter12-sequential (12), …`.
pub fn names_for_people() -> String {
    STEPS
        .iter()
        .map(|step| format!("{} ({})", step.krate, step.short_names[0]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The workspace's top folder, from this crate's place in it
/// (`tools/steps`), without `..` in it, so paths printed from it read
/// `docs/ja/...`, not `tools/steps/../../docs/ja/...`.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.join("../.."), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_starts_from_an_earlier_one() {
        for (i, step) in STEPS.iter().enumerate() {
            let earlier = STEPS[..i].iter().any(|s| s.krate == step.previous);
            assert!(
                earlier || (i == 0 && step.previous == STARTER),
                "{} starts from {}",
                step.krate,
                step.previous
            );
        }
    }

    #[test]
    fn names_are_unique_and_found() {
        for step in STEPS {
            assert_eq!(find(step.krate), Some(step));
            assert_eq!(find(&step.krate.to_uppercase()), Some(step));
            for short in step.short_names {
                assert_eq!(find(short), Some(step), "{short}");
            }
        }
        assert_eq!(find("chapter13"), find("13"));
        assert_eq!(find("14"), None);
        // The starter is found only where a tool asks for it too.
        assert_eq!(find("11"), None);
        assert_eq!(find(STARTER), None);
        for name in [STARTER, "11", "Chapter11", "answer-once"] {
            assert_eq!(find_with_start(name), Some(&START), "{name}");
        }
        assert_eq!(find_with_start("13"), find("13"));
        let all: Vec<&str> = with_start()
            .flat_map(|s| s.short_names.iter().copied().chain([s.krate]))
            .collect();
        let unique: std::collections::BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a name means two crates: {all:?}");
    }

    #[test]
    fn each_step_knows_the_one_before() {
        assert_eq!(previous(&START), None);
        assert_eq!(previous(&STEPS[0]), Some(&START));
        for step in &STEPS[1..] {
            assert_eq!(previous(step).map(|s| s.krate), Some(step.previous));
        }
    }

    #[test]
    fn every_step_is_a_folder_with_its_page() {
        let root = workspace_root();
        for step in with_start() {
            assert!(
                root.join(step.krate).join("Cargo.toml").is_file(),
                "{}",
                step.krate
            );
            for lang in ["ja", "en"] {
                let page = root.join("docs").join(lang).join(step.page);
                assert!(page.is_file(), "{}", page.display());
            }
        }
    }
}
