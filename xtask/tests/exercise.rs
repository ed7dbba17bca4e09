//! `cargo xtask exercise CRATE` into temporary folders (never the real
//! `exercises/`, which is the reader's): the right code, the right manifest,
//! no overwriting, the three commands, and crates that compile.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::exercise::{ANSWER_ONCE, EXERCISES_DIR_VAR, Error, STEPS, create};
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
        let src = created.dir.join("src");
        match from {
            Some(from) => assert_eq!(files(&src), files(&root.join(from).join("src")), "{step}"),
            None => assert_eq!(
                files(&src),
                [("main.rs".to_owned(), ANSWER_ONCE.as_bytes().to_vec())]
            ),
        }
    }
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
        "cargo run -p my-chapter13-threaded",
        "cargo run -p checker -- --chapter chapter13-threaded",
        "git diff --no-index chapter13-threaded/src exercises/my-chapter13-threaded/src",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    let again = run(&["exercise", "chapter13-threaded"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(run(&["exercise", "chapter14"]).status.code(), Some(2));
    assert_eq!(run(&["exercise"]).status.code(), Some(2));
}

/// The exercises compile as members of a workspace like this one: a
/// temporary workspace with the root's shared settings (paths made
/// absolute) and `exercises/*`, checked offline in a target folder of its
/// own (the outer `cargo test` holds the main one).
#[test]
fn every_exercise_compiles_as_a_workspace_member() {
    let temp = Temp::new("compile");
    let root = repo_root().canonicalize().expect("root");
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("root manifest");
    let start = manifest.find("members = [").expect("members");
    let end = start + manifest[start..].find(']').expect("end of members") + 1;
    let absolute = root.to_string_lossy().replace('\\', "/");
    let manifest = format!(
        "{}members = [\"exercises/*\"]{}",
        &manifest[..start],
        &manifest[end..]
    )
    .replace("path = \"", &format!("path = \"{absolute}/"));
    fs::write(temp.0.join("Cargo.toml"), manifest).expect("write manifest");
    fs::copy(root.join("Cargo.lock"), temp.0.join("Cargo.lock")).expect("copy the lock file");
    for (step, _) in STEPS {
        create(&root, &temp.0.join("exercises"), step).expect("created");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["check", "--offline", "--workspace", "--quiet"])
        .current_dir(&temp.0)
        .env(
            "CARGO_TARGET_DIR",
            root.join("target").join("exercise-check"),
        )
        .output()
        .expect("run cargo check");
    assert!(
        out.status.success(),
        "cargo check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
