//! `--watch`: which files are the reader's code, and waiting for a save of
//! one of them.
//!
//! The folder watched follows from the command: the exercise crate for
//! `cargo run … -p my-chapter13-threaded` (`exercises/my-chapter13-threaded/`,
//! its `src/` and `Cargo.toml`), the script's folder for `python
//! path/to/webserver.py`, else the current folder. What counts as a save is
//! a change to a `.py`, `.rs` or `.toml` file: the book's code writes
//! `server_recv.txt` on every request, editors write swap and backup files,
//! Python writes `__pycache__`, cargo writes `target/` and `Cargo.lock`, and
//! none of those is the reader's code. And a save is a change of what the
//! file holds: reading a file is an event too (the server's own start reads
//! its script), and an editor may write a file again unchanged.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify_debouncer_mini::notify::{self, RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

/// Events closer than this are one save (an editor writes a file in steps).
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// Folders never watched: build output, version control, caches.
const IGNORED_DIRS: [&str; 6] = [
    "target",
    ".git",
    "__pycache__",
    "node_modules",
    ".venv",
    ".idea",
];
/// The extensions of the reader's code.
const CODE: [&str; 3] = ["py", "rs", "toml"];

/// The folders whose code a `--watch` of `command`, run in `cwd`, waits on.
pub fn roots_for(command: &[String], cwd: &Path) -> Vec<PathBuf> {
    let program = command.first().map(|p| {
        Path::new(p)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    if program.as_deref() == Some("cargo") {
        return cargo_roots(&command[1..], cwd);
    }
    // The first argument that is a file: the script (`python a/webserver.py`).
    let script = command
        .iter()
        .skip(1)
        .map(|w| cwd.join(w))
        .find(|p| p.is_file());
    match script.as_deref().and_then(Path::parent) {
        Some(dir) => vec![dir.to_path_buf()],
        None => vec![cwd.to_path_buf()],
    }
}

/// For `cargo run [--manifest-path M] [-p NAME]`: the package's folder.
fn cargo_roots(args: &[String], cwd: &Path) -> Vec<PathBuf> {
    let mut manifest = None;
    let mut package = None;
    let mut words = args.iter().take_while(|w| *w != "--");
    while let Some(word) = words.next() {
        if let Some(value) = word.strip_prefix("--manifest-path=") {
            manifest = Some(value.to_owned());
        } else if word == "--manifest-path" {
            manifest = words.next().cloned();
        } else if let Some(value) = word.strip_prefix("--package=") {
            package = Some(value.to_owned());
        } else if word == "-p" || word == "--package" {
            package = words.next().cloned();
        } else if let Some(value) = word.strip_prefix("-p").filter(|v| !v.is_empty()) {
            package = Some(value.to_owned());
        }
    }
    let base = match &manifest {
        Some(m) => cwd
            .join(m)
            .parent()
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf),
        None => cwd.to_path_buf(),
    };
    if let Some(name) = package {
        // A workspace's member named like its folder, as the exercises are.
        let folder = base.join(&name);
        if folder.join("Cargo.toml").is_file() {
            return vec![folder];
        }
    }
    vec![base]
}

/// True for a path that is not the reader's code (see the module's text).
pub fn ignored(path: &Path) -> bool {
    let in_ignored_dir = path.components().any(|c| match c {
        Component::Normal(name) => name.to_str().is_some_and(|n| IGNORED_DIRS.contains(&n)),
        _ => false,
    });
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let code = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CODE.contains(&e));
    // Emacs lock and autosave files: `.#main.rs`, `#main.rs#`.
    in_ignored_dir || !code || name.starts_with(".#") || name.starts_with('#')
}

/// What a file holds, in short; `None` when it is gone.
fn fingerprint(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    Some(hasher.finish())
}

/// A watch on the reader's folders.
pub struct Watcher {
    roots: Vec<PathBuf>,
    events: Receiver<DebounceEventResult>,
    /// What each code file seen held the last time it counted.
    seen: RefCell<HashMap<PathBuf, Option<u64>>>,
    // Watching stops when it is dropped.
    _debouncer: Debouncer<RecommendedWatcher>,
}

impl Watcher {
    /// Watches `roots`: each root itself, and each folder in it except the
    /// ignored ones (`target/` holds thousands of folders: never watched).
    pub fn new(roots: &[PathBuf]) -> notify::Result<Watcher> {
        // As the system names them (macOS reports /private/tmp for /tmp),
        // without Windows' \\?\ prefix: the events' paths start with them.
        let roots: Vec<PathBuf> = roots
            .iter()
            .map(|r| dunce::canonicalize(r).unwrap_or_else(|_| r.clone()))
            .collect();
        let roots = roots.as_slice();
        let (sender, events) = channel();
        let mut debouncer = new_debouncer(DEBOUNCE, sender)?;
        for root in roots {
            debouncer
                .watcher()
                .watch(root, RecursiveMode::NonRecursive)?;
            let Ok(entries) = std::fs::read_dir(root) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name();
                let skip = name
                    .to_str()
                    .is_some_and(|n| IGNORED_DIRS.contains(&n) || n.starts_with('.'));
                if path.is_dir() && !skip {
                    debouncer.watcher().watch(&path, RecursiveMode::Recursive)?;
                }
            }
        }
        let mut seen = HashMap::new();
        for root in roots {
            remember(root, &mut seen, 0);
        }
        Ok(Watcher {
            roots: roots.to_vec(),
            events,
            seen: RefCell::new(seen),
            _debouncer: debouncer,
        })
    }

    /// The folders watched.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Waits for a save of the reader's code; returns the files saved,
    /// relative to the folder watched where they are in one.
    pub fn wait(&self) -> Vec<PathBuf> {
        loop {
            if let Some(saved) = self.wait_for(Duration::from_secs(3600)) {
                return saved;
            }
        }
    }

    /// [`Watcher::wait`], at most `timeout`; `None` when nothing was saved.
    pub fn wait_for(&self, timeout: Duration) -> Option<Vec<PathBuf>> {
        match self.events.recv_timeout(timeout) {
            Ok(Ok(events)) => {
                let mut seen = self.seen.borrow_mut();
                let mut saved: Vec<PathBuf> = events
                    .into_iter()
                    .map(|e| e.path)
                    .filter(|p| !ignored(p))
                    .filter(|p| {
                        let now = fingerprint(p);
                        let before = seen.insert(p.clone(), now);
                        before.flatten() != now
                    })
                    .map(|p| self.relative(&p))
                    .collect();
                saved.sort();
                saved.dedup();
                (!saved.is_empty()).then_some(saved)
            }
            // A watcher's error (a folder removed, say): nothing saved.
            Ok(Err(_)) | Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(timeout);
                None
            }
        }
    }

    fn relative(&self, path: &Path) -> PathBuf {
        self.roots
            .iter()
            .find_map(|root| path.strip_prefix(root).ok())
            .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
    }
}

/// Records what each code file under `dir` holds (a few levels deep, not
/// in ignored folders), so that a later event is compared with it.
fn remember(dir: &Path, seen: &mut HashMap<PathBuf, Option<u64>>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let name = entry.file_name();
            let skip = name
                .to_str()
                .is_none_or(|n| IGNORED_DIRS.contains(&n) || n.starts_with('.'));
            if !skip && depth < 8 {
                remember(&path, seen, depth + 1);
            }
        } else if !ignored(&path) {
            seen.insert(path.clone(), fingerprint(&path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn only_the_readers_code_counts() {
        for path in [
            "webserver.py",
            "src/main.rs",
            "Cargo.toml",
            "my-chapter13-threaded/src/worker.rs",
        ] {
            assert!(!ignored(Path::new(path)), "{path}");
        }
        for path in [
            "server_recv.txt",
            "__pycache__/workerthread.cpython-311.pyc",
            "target/debug/build/x/out/a.rs",
            ".git/index",
            "src/.main.rs.swp",
            "src/main.rs~",
            "src/.#main.rs",
            "4913",
            "Cargo.lock",
        ] {
            assert!(ignored(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn the_folder_watched_follows_from_the_command() {
        let root = std::env::temp_dir().join(format!("checker-roots-{}", std::process::id()));
        let exercise = root.join("exercises/my-chapter13-threaded");
        std::fs::create_dir_all(exercise.join("src")).expect("folders");
        std::fs::write(exercise.join("Cargo.toml"), "[package]\n").expect("manifest");
        std::fs::create_dir_all(root.join("book")).expect("folder");
        std::fs::write(root.join("book/webserver.py"), "").expect("script");
        let cases = [
            (
                "cargo run --manifest-path exercises/Cargo.toml -p my-chapter13-threaded",
                exercise.clone(),
            ),
            (
                "cargo run --manifest-path=exercises/Cargo.toml --package=my-chapter13-threaded -- --port 8080",
                exercise.clone(),
            ),
            ("python3 book/webserver.py", root.join("book")),
            ("python3 -u book/webserver.py", root.join("book")),
            ("python3 missing.py", root.clone()),
        ];
        for (command, expected) in cases {
            assert_eq!(roots_for(&words(command), &root), [expected], "{command}");
        }
        // From inside exercises/.
        assert_eq!(
            roots_for(
                &words("cargo run -p my-chapter13-threaded"),
                &root.join("exercises")
            ),
            [exercise]
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
