//! `cargo xtask exercise CRATE` into temporary folders (never the real
//! `exercises/`, which is the reader's): the right code, the right manifest,
//! no overwriting, the three commands, and crates that compile.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::exercise::{ANSWER_ONCE, EXERCISES_DIR_VAR, Error, STEPS, create, guide_pages, intro};
use xtask::repo_root;

/// A fresh temporary folder, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        let dir = std::env::temp_dir().join(format!("xtask-exercise-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a temporary folder");
        Temp(dir)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("read folder")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                fs::read(&p).expect("read file"),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn each_step_starts_from_the_previous_steps_code_with_its_own_name() {
    let temp = Temp::new("steps");
    let root = repo_root();
    for (step, from) in STEPS {
        let created = create(&root, &temp.0, step).expect("created");
        assert_eq!(created.package, format!("my-{step}"));
        let manifest = fs::read_to_string(created.dir.join("Cargo.toml")).expect("manifest");
        assert!(
            manifest.contains(&format!("name = \"my-{step}\"")),
            "{manifest}"
        );
        assert!(manifest.contains("common.workspace = true"), "{manifest}");
        let chapter =
            fs::read_to_string(root.join(step).join("Cargo.toml")).expect("chapter manifest");
        if chapter.contains("tokio") {
            assert!(
                manifest.contains("tokio.features") && manifest.contains("common.features"),
                "the runtime and common's async half are there: {manifest}"
            );
        }
        if chapter.contains("crossbeam-channel") {
            assert!(
                manifest.contains("crossbeam-channel"),
                "the step's dependencies are there: {manifest}"
            );
        }
        assert!(
            !manifest.contains("test-support"),
            "no dev-dependencies: {manifest}"
        );
        // The previous step's files, its main.rs under a note that says
        // what this step asks and where the guide explains it.
        let src = created.dir.join("src");
        let mut expected = match from {
            Some(from) => files(&root.join(from).join("src")),
            None => vec![("main.rs".to_owned(), ANSWER_ONCE.as_bytes().to_vec())],
        };
        let note = intro(step, from);
        for (name, bytes) in &mut expected {
            if name == "main.rs" {
                bytes.splice(0..0, note.bytes());
            }
        }
        assert_eq!(files(&src), expected, "{step}");
        assert!(
            note.starts_with(&format!("//! Your exercise for step {step}, started from ")),
            "{note}"
        );
        assert!(note.contains("To do: "), "{note}");
        for page in guide_pages(step) {
            assert!(note.contains(&page), "{page} not in {note}");
            assert!(root.join(&page).is_file(), "{page}: no such guide page");
        }
        assert!(note.lines().all(|l| l.starts_with("//!")), "{note}");
    }
}

#[test]
fn short_names_mean_the_same_steps_as_the_checker_says() {
    let temp = Temp::new("short");
    let root = repo_root();
    for (short, step) in [
        ("12", "chapter12-sequential"),
        ("13-refactor", "chapter13-refactor"),
        ("13", "chapter13-threaded"),
        ("13-threadpool", "chapter13-threadpool"),
        ("13-async", "chapter13-async"),
    ] {
        let created = create(&root, &temp.0, short).expect("created");
        assert_eq!(created.step, step);
        assert_eq!(created.dir, temp.0.join(format!("my-{step}")));
    }
    // `13-threaded` names the step that `13` already made.
    assert!(matches!(
        create(&root, &temp.0, "13-threaded"),
        Err(Error::Exists(_))
    ));
}

#[test]
fn the_starting_point_answers_once_and_has_no_loop() {
    assert_eq!(ANSWER_ONCE.matches(".accept()").count(), 1);
    assert!(
        !ANSWER_ONCE.contains("loop"),
        "the loop is chapter 12's lesson"
    );
    assert!(ANSWER_ONCE.contains("=== サーバーを停止します。 ==="));
}

#[test]
fn an_existing_exercise_is_never_overwritten() {
    let temp = Temp::new("exists");
    let root = repo_root();
    let created = create(&root, &temp.0, "chapter13-threaded").expect("created");
    let main = created.dir.join("src/main.rs");
    fs::write(&main, "// the reader's work\n").expect("edit");
    match create(&root, &temp.0, "chapter13-threaded") {
        Err(Error::Exists(dir)) => assert_eq!(dir, created.dir),
        other => panic!("expected Exists, got {other:?}"),
    }
    assert_eq!(
        fs::read_to_string(&main).expect("read"),
        "// the reader's work\n"
    );
}

#[test]
fn the_command_prints_the_three_commands_and_refuses_twice() {
    let temp = Temp::new("command");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .env(EXERCISES_DIR_VAR, &temp.0)
            .output()
            .expect("run xtask")
    };
    let out = run(&["exercise", "chapter13-threaded"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "from chapter13-refactor's code",
        "read about it: docs/en/chapter13-threaded.md (日本語: docs/ja/chapter13-threaded.md)",
        "cargo run -p my-chapter13-threaded",
        "cargo run -p checker -- --chapter chapter13-threaded",
        "git diff --no-index chapter13-threaded/src exercises/my-chapter13-threaded/src",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    let again = run(&["exercise", "13"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let unknown = run(&["exercise", "chapter14"]);
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        said.contains("\"chapter14\"") && said.contains("chapter13-threadpool"),
        "{said}"
    );
    assert_eq!(run(&["exercise"]).status.code(), Some(2));
    for help in ["--help", "-h"] {
        let out = run(&["exercise", help]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let usage = String::from_utf8_lossy(&out.stdout);
        assert!(
            usage.starts_with("usage: cargo xtask exercise CRATE"),
            "{usage}"
        );
        assert!(!temp.0.join("my---help").exists());
    }
}

/// Under the repository, paths print from its root, as the reader types
/// them: `target/...`, never `xtask/..`.
#[test]
fn paths_print_from_the_repository_root() {
    let root = repo_root();
    let folder = format!("xtask-exercise-paths-{}", std::process::id());
    let inside = Temp(root.join("target").join(&folder));
    let _ = fs::remove_dir_all(&inside.0);
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["exercise", "13-threadpool"])
            .env(EXERCISES_DIR_VAR, &inside.0)
            .output()
            .expect("run xtask")
    };
    let out = run();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let shown = Path::new("target")
        .join(&folder)
        .join("my-chapter13-threadpool");
    assert!(
        text.starts_with(&format!("created {} from", shown.display())),
        "{text}"
    );
    let again = String::from_utf8_lossy(&run().stderr).into_owned();
    assert!(
        again.contains(&format!("{} already exists", shown.display())),
        "{again}"
    );
    assert!(!format!("{text}{again}").contains(".."), "{text}{again}");
}

/// The exercises compile as members of a workspace like this one: a
/// temporary workspace in `target/` with the root's shared settings (its
/// paths made relative, `../../common`: plain on every system, where an
/// absolute one would be `\\?\C:\...` on Windows) and `exercises/*`, checked
/// offline in a target folder of its own (the outer `cargo test` holds the
/// main one).
#[test]
fn every_exercise_compiles_as_a_workspace_member() {
    let root = repo_root();
    let folder = format!("xtask-exercise-compile-{}", std::process::id());
    let temp = Temp(root.join("target").join(folder));
    let _ = fs::remove_dir_all(&temp.0);
    fs::create_dir_all(&temp.0).expect("create a folder in target/");
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("root manifest");
    let start = manifest.find("members = [").expect("members");
    let end = start + manifest[start..].find(']').expect("end of members") + 1;
    let manifest = format!(
        "{}members = [\"exercises/*\"]{}",
        &manifest[..start],
        &manifest[end..]
    )
    .replace("path = \"", "path = \"../../");
    for path in manifest.split("path = \"").skip(1) {
        let path = path.split('"').next().unwrap_or_default();
        assert!(
            path.starts_with("../../") && !path.contains([':', '?', '\\']),
            "not a plain relative path: {path:?}"
        );
    }
    fs::write(temp.0.join("Cargo.toml"), manifest).expect("write manifest");
    fs::copy(root.join("Cargo.lock"), temp.0.join("Cargo.lock")).expect("copy the lock file");
    for (step, _) in STEPS {
        create(&root, &temp.0.join("exercises"), step).expect("created");
    }
    // The Windows build of this test, run under Wine on Linux, is told (in
    // CARGO) of Linux's cargo, which Wine starts without waiting for it: the
    // check would race the folder's removal. On Windows CARGO is cargo.exe.
    if cfg!(windows) && under_wine() {
        eprintln!(
            "SKIP every_exercise_compiles_as_a_workspace_member: under Wine, CARGO is \
             Linux's cargo, which a Windows program cannot run and wait for; on Windows \
             cargo.exe runs this"
        );
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(&cargo)
        .args(["check", "--offline", "--workspace", "--quiet"])
        .current_dir(&temp.0)
        // Relative to the folder above: target/exercise-check.
        .env("CARGO_TARGET_DIR", "../exercise-check")
        .output()
        .unwrap_or_else(|err| panic!("run {cargo} check: {err}"));
    assert!(
        out.status.success(),
        "cargo check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether this Windows build runs under Wine, which has the registry key
/// `HKLM\Software\Wine`; asked with Windows' `reg`.
fn under_wine() -> bool {
    Command::new("reg")
        .args(["query", r"HKLM\Software\Wine"])
        .output()
        .is_ok_and(|out| out.status.success())
}
