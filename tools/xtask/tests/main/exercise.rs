//! `cargo xtask exercise STEP` into temporary folders (never the real
//! `exercises/`, which is the reader's): the right code, the right manifest,
//! a workspace of their own, no overwriting, the two commands, and crates
//! that compile.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use steps::{STARTER, STEPS, workspace_root as repo_root};
use xtask::exercise::{
    EXERCISES_DIR_VAR, Error, MEMBERS, cargo_config, create, dependencies, guide_pages, intro,
    path_to_root, workspace_manifest,
};

/// A fresh temporary folder, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        Temp::at(std::env::temp_dir().join(format!("xtask-exercise-{tag}-{}", std::process::id())))
    }

    /// Under the repository's `target/`: paths from there to the root are relative.
    fn in_target(tag: &str) -> Temp {
        let dir = repo_root()
            .join("target")
            .join(format!("xtask-exercise-{tag}-{}", std::process::id()));
        Temp::at(dir)
    }

    fn at(dir: PathBuf) -> Temp {
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

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn each_step_starts_from_the_previous_crates_code_with_its_own_name() {
    let temp = Temp::new("steps");
    let root = repo_root();
    for step in STEPS {
        let created = create(&root, &temp.0, step.krate).expect("created");
        assert_eq!(created.package, format!("my-{}", step.krate));
        let manifest = read(&created.dir.join("Cargo.toml"));
        assert!(
            manifest.contains(&format!("name = \"my-{}\"", step.krate)),
            "{manifest}"
        );
        assert!(manifest.contains("common.workspace = true"), "{manifest}");
        let chapter = read(&root.join(step.krate).join("Cargo.toml"));
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
        // The previous crate's files, its main.rs under a note that says
        // what this step asks and where the guide explains it.
        let mut expected = files(&root.join(step.previous).join("src"));
        let note = intro(step);
        for (name, bytes) in &mut expected {
            if name == "main.rs" {
                bytes.splice(0..0, note.bytes());
            }
        }
        assert_eq!(files(&created.dir.join("src")), expected, "{}", step.krate);
        assert!(
            note.starts_with(&format!(
                "//! Your exercise for step {}, started from {}'s code.\n",
                step.krate, step.previous
            )),
            "{note}"
        );
        assert!(note.contains("To do: "), "{note}");
        for page in guide_pages(step) {
            assert!(note.contains(&page), "{page} not in {note}");
            assert!(root.join(&page).is_file(), "{page}: no such guide page");
        }
        assert!(note.lines().all(|l| l.starts_with("//!")), "{note}");
        assert!(note.lines().all(|l| l.chars().count() <= 100), "{note}");
    }
}

#[test]
fn the_first_exercise_is_the_starter_with_its_todo_lines() {
    let temp = Temp::new("first");
    let root = repo_root();
    let created = create(&root, &temp.0, "12").expect("created");
    let main = read(&created.dir.join("src/main.rs"));
    let starter = read(&root.join(STARTER).join("src/main.rs"));
    assert!(main.ends_with(&starter), "{main}");
    assert_eq!(
        main.matches("// TODO(chapter 12): ").count(),
        2,
        "the loop and the Content-Type: {main}"
    );
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
        assert_eq!(created.step.krate, step);
        assert_eq!(created.dir, temp.0.join(format!("my-{step}")));
    }
    // `13-threaded` names the step that `13` already made.
    assert!(matches!(
        create(&root, &temp.0, "13-threaded"),
        Err(Error::Exists(_))
    ));
    // The starter is where the first step starts, not a step to type.
    assert!(matches!(
        create(&root, &temp.0, "11"),
        Err(Error::UnknownStep(_))
    ));
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
    assert_eq!(read(&main), "// the reader's work\n");
}

/// The root workspace leaves `exercises/` out, so nothing in it can break
/// the chapters' build; the exercises are a workspace of their own with the
/// root's settings, its lock file, and the root's `target/`.
#[test]
fn the_exercises_are_a_workspace_of_their_own_with_the_roots_settings() {
    let root = repo_root();
    let root_manifest = read(&root.join("Cargo.toml"));
    let members = root_manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("the root's members");
    assert!(!members.contains("exercises"), "{members}");
    assert!(
        root_manifest
            .lines()
            .any(|l| l.trim() == "exclude = [\"exercises\"]"),
        "{root_manifest}"
    );

    let temp = Temp::in_target("workspace");
    let exercises = temp.0.join("exercises");
    create(&root, &exercises, "13").expect("created");
    let manifest = read(&exercises.join("Cargo.toml"));
    let used: Vec<String> = STEPS
        .iter()
        .flat_map(|step| dependencies(&read(&root.join(step.krate).join("Cargo.toml"))))
        .collect();
    assert!(used.iter().any(|d| d == "common"), "{used:?}");
    assert_eq!(
        manifest,
        workspace_manifest(&root_manifest, "../../../", &used)
    );
    assert!(
        manifest.contains(&format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\"{MEMBERS}\"]\n"
        )),
        "{manifest}"
    );
    // Every section but [workspace] is the root's, word for word but the
    // paths; then common, a dependency here, gets the profile it has there
    // as a member, not the optimised one of every other dependency.
    let (manifest_main, members) = manifest
        .split_once("\n# A member of the root workspace")
        .expect("common's profile");
    assert_eq!(
        format!("# A member of the root workspace{members}"),
        "# A member of the root workspace: built as there, not as \"*\" above.\n\
         [profile.dev.package.common]\nopt-level = 0\ndebug = \"line-tables-only\"\n"
    );
    assert!(
        root_manifest.contains("[profile.dev]\ndebug = \"line-tables-only\"\n"),
        "the root's dev profile changed: {root_manifest}"
    );
    let sections = |text: &str| -> Vec<String> {
        text.split("\n[")
            .skip(1)
            .filter(|s| !s.starts_with("workspace]"))
            .map(|s| s.replace("path = \"../../../", "path = \""))
            .collect()
    };
    assert_eq!(sections(manifest_main), sections(&root_manifest));
    for section in [
        "[workspace.package]",
        "[workspace.dependencies]",
        "[workspace.lints.rust]",
        "[workspace.lints.clippy]",
        "[profile.dev]",
        "[profile.dev.package.\"*\"]",
    ] {
        assert!(manifest.contains(section), "no {section}: {manifest}");
    }
    assert!(
        manifest.contains("common = { path = \"../../../common\" }"),
        "{manifest}"
    );
    assert_eq!(
        read(&exercises.join("Cargo.lock")),
        read(&root.join("Cargo.lock"))
    );
    let config = read(&exercises.join(".cargo/config.toml"));
    assert_eq!(config, cargo_config("../../../"));
    assert!(
        config.contains("target-dir = \"../../../target\""),
        "{config}"
    );
    // The real exercises/ is one level down: `../`, no absolute path.
    assert_eq!(path_to_root(&root, &root.join("exercises")), "../");
    let elsewhere = path_to_root(&root, Path::new("/elsewhere/exercises"));
    assert!(
        elsewhere.ends_with('/') && !elsewhere.contains('\\'),
        "{elsewhere}"
    );
}

#[test]
fn the_command_prints_the_two_commands_and_refuses_twice() {
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
        "  run it:   cargo run --manifest-path exercises/Cargo.toml -p my-chapter13-threaded\n",
        "  check it on every save: cargo run -p checker -- --chapter chapter13-threaded --watch -- \
         cargo run --manifest-path exercises/Cargo.toml -p my-chapter13-threaded\n",
        "cargo run -p checker -- --progress",
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
        said.contains("\"chapter14\"") && said.contains("chapter13-threadpool (13-threadpool)"),
        "{said}"
    );
    assert_eq!(run(&["exercise"]).status.code(), Some(2));
    for help in ["--help", "-h"] {
        let out = run(&["exercise", help]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let usage = String::from_utf8_lossy(&out.stdout);
        assert!(
            usage.starts_with("usage: cargo xtask exercise STEP"),
            "{usage}"
        );
        // The help names the same two commands the command prints.
        for command in [
            "cargo run --manifest-path exercises/Cargo.toml -p my-STEP",
            "cargo run -p checker -- --chapter STEP",
        ] {
            assert!(usage.contains(command), "{command:?} not in:\n{usage}");
        }
        assert!(!temp.0.join("my---help").exists());
    }
}

/// Under the repository, paths print from its root, as the reader types
/// them: `target/...`, never `tools/xtask/..`.
#[test]
fn paths_print_from_the_repository_root() {
    let inside = Temp::in_target("paths");
    let folder = inside.0.file_name().expect("a name").to_owned();
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

/// Every step's exercise, just created, compiles in the exercises'
/// workspace as `cargo xtask exercise` writes it (in `target/`, so its
/// paths to the root are relative: plain on every system, where an absolute
/// one would be `\\?\C:\...` on Windows). Checked offline in a target
/// folder of its own: the outer `cargo test` holds the main one.
#[test]
#[cfg_attr(
    windows,
    ignore = "starts cargo and waits for it: under Wine, CARGO is Linux's cargo, which a Windows \
              program cannot run; on Windows: cargo test -p xtask -- --ignored"
)]
fn every_exercise_compiles_in_the_exercises_workspace() {
    let root = repo_root();
    let temp = Temp::in_target("compile");
    let exercises = temp.0.join("exercises");
    for step in STEPS {
        create(&root, &exercises, step.krate).expect("created");
    }
    let manifest = read(&exercises.join("Cargo.toml"));
    for path in manifest.split("path = \"").skip(1) {
        let path = path.split('"').next().unwrap_or_default();
        assert!(
            path.starts_with("../../../") && !path.contains([':', '?', '\\']),
            "not a plain relative path: {path:?}"
        );
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(&cargo)
        .args(["check", "--offline", "--workspace", "--quiet"])
        .current_dir(&exercises)
        // Relative to the folder above the workspace: target/exercise-check.
        .env("CARGO_TARGET_DIR", "../../exercise-check")
        .output()
        .unwrap_or_else(|err| panic!("run {cargo} check: {err}"));
    assert!(
        out.status.success(),
        "cargo check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
