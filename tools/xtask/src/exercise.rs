//! `cargo xtask exercise STEP`: a crate of the reader's own, to type the
//! step STEP in, starting from the code of the crate STEP starts from.
//!
//! `exercises/my-STEP/` gets STEP's dependencies and the previous crate's
//! `src/` (for `chapter12-sequential`, `chapter11-answer-once`'s: the book's
//! chapter 11, which answers once). `exercises/` is a workspace of its own,
//! outside the root one (which excludes it), so a half-typed exercise that
//! does not compile cannot break `cargo build` or `cargo test` of the
//! chapters. Its `Cargo.toml`, `Cargo.lock` and `.cargo/config.toml` are
//! written here from the root's each time: the same settings, lints,
//! profiles and versions, built into the root's `target/`, so an exercise
//! reuses the dependencies the chapters compiled. git ignores it all
//! (`exercises/.gitignore`). Only `std::fs` is used, so it works the same on
//! Linux, macOS and Windows.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use steps::Step;

use crate::width::wrap;

/// Where exercises go unless `XTASK_EXERCISES_DIR` says otherwise (tests).
pub const EXERCISES_DIR_VAR: &str = "XTASK_EXERCISES_DIR";

/// The members of the exercises' workspace: the folders this command makes.
pub const MEMBERS: &str = "my-*";

/// The note put at the top of the exercise's `main.rs`: the code below is
/// the previous crate's, with its own notes; this says what to do.
pub fn intro(step: &Step) -> String {
    let from = step.previous;
    let mut note = format!(
        "//! Your exercise for step {}, started from {from}'s code.\n\
         //! The notes after this paragraph describe that code, not your goal.\n",
        step.krate
    );
    for line in wrap(&format!("To do: {}.", step.lesson), 74) {
        note += &format!("//! {}\n", line.trim_end());
    }
    let [en, ja] = guide_pages(step);
    note += &format!("//! Guide: {en} (日本語: {ja}).\n//!\n");
    note
}

/// The guide page of `step`, relative to the repository root, in English
/// and in Japanese.
pub fn guide_pages(step: &Step) -> [String; 2] {
    [
        format!("docs/en/{}", step.page),
        format!("docs/ja/{}", step.page),
    ]
}

/// An exercise just created.
#[derive(Debug)]
pub struct Created {
    /// Its folder.
    pub dir: PathBuf,
    /// Its package name, `my-STEP`.
    pub package: String,
    /// The step it practises.
    pub step: &'static Step,
}

/// Why no exercise was created.
#[derive(Debug)]
pub enum Error {
    /// Not one of the steps.
    UnknownStep(String),
    /// The exercise's folder exists: it is never overwritten.
    Exists(PathBuf),
    /// Reading the chapter or writing the exercise failed.
    Io(PathBuf, io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownStep(name) => write!(
                f,
                "no step named {name:?}; one of (short names in brackets): {}",
                steps::names_for_people()
            ),
            Error::Exists(dir) => write!(
                f,
                "{} already exists; an exercise is never overwritten (delete or rename it to start again)",
                dir.display()
            ),
            Error::Io(path, err) => write!(f, "{}: {err}", path.display()),
        }
    }
}

/// Creates `my-<step>/` in the workspace `exercises` (written or refreshed
/// from the root's), from the crates in `root`. `step` is a crate name or a
/// short name such as `13`.
pub fn create(root: &Path, exercises: &Path, step: &str) -> Result<Created, Error> {
    let step = steps::find(step).ok_or_else(|| Error::UnknownStep(step.to_owned()))?;
    let package = format!("my-{}", step.krate);
    let dir = exercises.join(&package);
    fs::create_dir_all(exercises).map_err(|e| Error::Io(exercises.to_owned(), e))?;
    // `create_dir` fails if the folder exists: nothing of the reader's is touched.
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => return Err(Error::Exists(dir)),
        Err(err) => return Err(Error::Io(dir, err)),
    }
    let filled = write_workspace(root, exercises).and_then(|()| fill(root, &dir, &package, step));
    if let Err(err) = filled {
        // The folder is the one just made: remove it, so that a retry can work.
        let _ = fs::remove_dir_all(&dir);
        return Err(err);
    }
    Ok(Created { dir, package, step })
}

/// Writes the exercises' workspace files into `exercises`: its manifest, the
/// root's lock file (the same versions, so the same compiled dependencies),
/// and a `.cargo/config.toml` that builds into the root's `target/`.
pub fn write_workspace(root: &Path, exercises: &Path) -> Result<(), Error> {
    let read = |name: &str| {
        let path = root.join(name);
        fs::read_to_string(&path).map_err(|e| Error::Io(path, e))
    };
    let up = path_to_root(root, exercises);
    // What an exercise may depend on: what any step does.
    let mut used = Vec::new();
    for step in steps::STEPS {
        used.extend(dependencies(&read(&format!("{}/Cargo.toml", step.krate))?));
    }
    write(
        &exercises.join("Cargo.toml"),
        &workspace_manifest(&read("Cargo.toml")?, &up, &used),
    )?;
    write(&exercises.join("Cargo.lock"), &read("Cargo.lock")?)?;
    let config = exercises.join(".cargo");
    fs::create_dir_all(&config).map_err(|e| Error::Io(config.clone(), e))?;
    write(&config.join("config.toml"), &cargo_config(&up))
}

/// The root as `exercises` reaches it, ending in `/`: `../` for the root's
/// own `exercises/` (so the files hold no absolute path and the clone can
/// move), the absolute path for a folder elsewhere (tests), with `/` for
/// `\` (TOML strings take `/` on every system, and no escapes).
pub fn path_to_root(root: &Path, exercises: &Path) -> String {
    match exercises.strip_prefix(root) {
        Ok(inside) => "../".repeat(inside.components().count()),
        Err(_) => format!("{}/", root.display()).replace('\\', "/"),
    }
}

/// `exercises/.cargo/config.toml`, `up` leading from `exercises/` to the root.
pub fn cargo_config(up: &str) -> String {
    format!(
        "# Written by `cargo xtask exercise`, again each time it runs.\n\
         # The exercises build into the root's target/ folder: the dependencies the\n\
         # chapters compiled are not compiled again, and there is one target/ to clean.\n\
         [build]\n\
         target-dir = \"{up}target\"\n"
    )
}

/// The exercises' `Cargo.toml`, made from the root's: its `[workspace]`
/// section lists the exercises (`my-*`) instead of the chapters; every other
/// section (the shared package fields, dependencies, lints and profiles) is
/// the root's, each `path` led there by `up` (see [`path_to_root`]); last,
/// the profile of each root member among the dependencies in `used`.
pub fn workspace_manifest(root_manifest: &str, up: &str, used: &[String]) -> String {
    let mut out = String::from(
        "# Written by `cargo xtask exercise` from the root Cargo.toml, again each\n\
         # time it runs: edit that one. The exercises are a workspace of their own,\n\
         # so one that does not compile yet cannot break the chapters' build.\n",
    );
    let mut in_workspace = false;
    for line in root_manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_workspace = trimmed == "[workspace]";
            if in_workspace {
                let resolver = root_manifest
                    .lines()
                    .find(|l| l.trim_start().starts_with("resolver"))
                    .unwrap_or("resolver = \"3\"");
                out += &format!("[workspace]\n{resolver}\nmembers = [\"{MEMBERS}\"]\n\n");
                continue;
            }
        }
        if !in_workspace {
            out += &line.replace("path = \"", &format!("path = \"{up}"));
            out.push('\n');
        }
    }
    out + &member_profiles(root_manifest, used)
}

/// The root's members that the exercises depend on (`common`) are plain
/// dependencies here, which `[profile.dev.package."*"]` would optimise and
/// strip of line tables: built as the root builds them instead, an
/// exercise's backtrace names common's lines as a chapter's does.
fn member_profiles(root_manifest: &str, used: &[String]) -> String {
    let root_section = |name| section(root_manifest, name);
    let mut settings: Vec<&str> = root_section("[profile.dev]")
        .into_iter()
        .filter(|l| l.trim_start().starts_with("debug") || l.trim_start().starts_with("opt-level"))
        .collect();
    if !settings
        .iter()
        .any(|l| l.trim_start().starts_with("opt-level"))
    {
        settings.insert(0, "opt-level = 0");
    }
    let mut out = String::new();
    for line in root_section("[workspace.dependencies]") {
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if line.contains("path = \"") && used.iter().any(|u| u == name) {
            out += &format!(
                "\n# A member of the root workspace: built as there, not as \"*\" above.\n\
                 [profile.dev.package.{name}]\n{}\n",
                settings.join("\n")
            );
        }
    }
    out
}

/// The lines of a manifest's section `name` (`[dependencies]`), without
/// blank lines and comments.
fn section<'a>(manifest: &'a str, name: &str) -> Vec<&'a str> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != name)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

/// The names of a manifest's `[dependencies]`: `common` for both
/// `common.workspace = true` and `common = { workspace = true, ... }`.
pub fn dependencies(manifest: &str) -> Vec<String> {
    section(manifest, "[dependencies]")
        .into_iter()
        .filter_map(|line| {
            let key = line.split(['=', '.']).next()?.trim();
            (!key.is_empty()).then(|| key.to_owned())
        })
        .collect()
}

/// Writes the manifest and `src/` into the new folder `dir`.
fn fill(root: &Path, dir: &Path, package: &str, step: &Step) -> Result<(), Error> {
    let manifest_path = root.join(step.krate).join("Cargo.toml");
    let chapter_manifest =
        fs::read_to_string(&manifest_path).map_err(|e| Error::Io(manifest_path, e))?;
    write(
        &dir.join("Cargo.toml"),
        &manifest(package, step, &chapter_manifest),
    )?;
    let src = dir.join("src");
    let main_rs = src.join("main.rs");
    copy_dir(&root.join(step.previous).join("src"), &src)?;
    let previous = fs::read_to_string(&main_rs).map_err(|e| Error::Io(main_rs.clone(), e))?;
    write(&main_rs, &(intro(step) + &previous))
}

/// The exercise's manifest: its own name, the chapter's dependencies.
fn manifest(package: &str, step: &Step, chapter_manifest: &str) -> String {
    let dependencies = section(chapter_manifest, "[dependencies]");
    format!(
        "[package]\n\
         name = \"{package}\"\n\
         description = \"Your own {}, started from {}.\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         publish.workspace = true\n\
         \n\
         [dependencies]\n\
         {}\n\
         \n\
         [lints]\n\
         workspace = true\n",
        step.krate,
        step.previous,
        dependencies.join("\n")
    )
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    fs::write(path, text).map_err(|e| Error::Io(path.to_owned(), e))
}

/// Copies the files under `from` into a new folder `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    fs::create_dir(to).map_err(|e| Error::Io(to.to_owned(), e))?;
    let entries = fs::read_dir(from).map_err(|e| Error::Io(from.to_owned(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::Io(from.to_owned(), e))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|e| Error::Io(path.clone(), e))?;
        }
    }
    Ok(())
}

/// The two commands the reader needs next, run from the repository root:
/// how to run the exercise (the `exercises/` workspace's manifest, named
/// with `/`, which every shell on every system takes), and how to have the
/// checker run it and check it again on every save.
pub fn next_commands(created: &Created) -> [String; 2] {
    let run = format!(
        "cargo run --manifest-path exercises/Cargo.toml -p {}",
        created.package
    );
    let check = format!(
        "cargo run -p checker -- --chapter {} --watch -- {run}",
        created.step.krate
    );
    [run, check]
}

const USAGE: &str = "\
usage: cargo xtask exercise STEP

Makes exercises/my-STEP, your own crate to type step STEP in, from the code of
the crate STEP starts from (for chapter12-sequential: chapter11-answer-once,
the book's chapter 11, which answers once), and prints how to run it and how
to check it:

  cargo run --manifest-path exercises/Cargo.toml -p my-STEP
      (or, inside exercises/: cargo run -p my-STEP)
  cargo run -p checker -- --chapter STEP --watch -- cargo run --manifest-path exercises/Cargo.toml -p my-STEP
      (the checker runs it, and checks it again whenever you save;
      cargo run -p checker -- --progress shows the steps you have passed)

exercises/ is a workspace of its own that git ignores: while your crate does
not compile yet, cargo build and cargo test of the chapters still work. It
builds into the root's target/, so the dependencies the chapters compiled are
not compiled again. STEP: one of chapter12-sequential, chapter13-refactor,
chapter13-threaded, chapter13-threadpool, chapter13-async, or a short name
(12, 13-refactor, 13, 13-threadpool, 13-async). An existing exercise is never
overwritten.";

/// Runs `cargo xtask exercise ARGS...`; `Err` only when the output cannot
/// be written (see [`crate::exit`]).
pub fn main(args: &[String]) -> io::Result<ExitCode> {
    let mut err = io::stderr().lock();
    let step = match args {
        [flag] if flag == "-h" || flag == "--help" => {
            writeln!(io::stdout().lock(), "{USAGE}")?;
            return Ok(ExitCode::SUCCESS);
        }
        [step] => step,
        _ => {
            writeln!(err, "{USAGE}")?;
            return Ok(ExitCode::from(2));
        }
    };
    let root = steps::workspace_root();
    let exercises =
        std::env::var_os(EXERCISES_DIR_VAR).map_or_else(|| root.join("exercises"), PathBuf::from);
    // Paths as the reader types them, from the repository root.
    let shown = |path: &Path| {
        path.strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    match create(&root, &exercises, step) {
        Ok(created) => {
            let mut out = io::stdout().lock();
            writeln!(
                out,
                "created {} from {}'s code",
                shown(&created.dir),
                created.step.previous
            )?;
            let [en, ja] = guide_pages(created.step);
            writeln!(out, "read about it: {en} (日本語: {ja})")?;
            writeln!(out, "change it into {}, then:", created.step.krate)?;
            let [run, check] = next_commands(&created);
            writeln!(out, "  run it:   {run}")?;
            writeln!(out, "  check it on every save: {check}")?;
            writeln!(
                out,
                "(the steps you have passed: cargo run -p checker -- --progress)"
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Exists(dir)) => {
            writeln!(
                err,
                "cargo xtask exercise: {}",
                Error::Exists(shown(&dir).into())
            )?;
            Ok(ExitCode::FAILURE)
        }
        Err(e @ Error::UnknownStep(_)) => {
            writeln!(err, "cargo xtask exercise: {e}\n\n{USAGE}")?;
            Ok(ExitCode::from(2))
        }
        Err(Error::Io(path, e)) => {
            writeln!(err, "cargo xtask exercise: {}: {e}", shown(&path))?;
            Ok(ExitCode::FAILURE)
        }
    }
}
