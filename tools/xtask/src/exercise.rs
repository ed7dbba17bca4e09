//! `cargo xtask exercise CRATE`: a crate of the reader's own, to type the
//! step CRATE in, starting from the previous step's code.
//!
//! `exercises/my-CRATE/` gets CRATE's dependencies and the previous crate's
//! `src/` (for `chapter12-sequential`, a minimal server that answers once,
//! the book's starting point). It is a workspace member (the root's
//! `exercises/*`) that git ignores (`exercises/.gitignore`). Only `std::fs`
//! is used, so it works the same on Linux, macOS and Windows.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::repo_root;

/// Each step and the one before it; `None`: the book's starting point.
pub const STEPS: [(&str, Option<&str>); 5] = [
    ("chapter12-sequential", None),
    ("chapter13-refactor", Some("chapter12-sequential")),
    ("chapter13-threaded", Some("chapter13-refactor")),
    ("chapter13-threadpool", Some("chapter13-threaded")),
    ("chapter13-async", Some("chapter13-threaded")),
];

/// Each step's guide page (under `docs/en/` and `docs/ja/`) and what the
/// reader changes, for the note at the top of the exercise's `main.rs`.
const LESSONS: [(&str, &str, &str); 5] = [
    (
        "chapter12-sequential",
        "chapter12.md",
        "answer request after request in a loop, and send each\n\
         //! file with the Content-Type of its extension, not always text/html.",
    ),
    (
        "chapter13-refactor",
        "chapter13-refactor.md",
        "split serve into the book's functions (create_server_socket,\n\
         //! handle_client, get_static_file_content); what the server does stays the same.",
    ),
    (
        "chapter13-threaded",
        "chapter13-threaded.md",
        "answer each client in a thread of its own (the book's\n\
         //! WorkerThread), so a slow client no longer holds up the others.",
    ),
    (
        "chapter13-threadpool",
        "chapter13-threadpool.md",
        "replace the thread per client with a bounded pool: a fixed\n\
         //! number of worker threads, so a flood of clients cannot start threads without end.",
    ),
    (
        "chapter13-async",
        "chapter13-async.md",
        "replace the thread per client with a task per client (tokio):\n\
         //! async fn and .await where a read or write could wait, tokio::spawn where\n\
         //! thread::Builder::spawn was, common::async_io for the I/O, a runtime in main.",
    ),
];

/// The note put at the top of the exercise's `main.rs`: the code below is
/// the previous step's, with that step's own notes; this says what to do.
pub fn intro(step: &str, from: Option<&str>) -> String {
    let (_, page, todo) = LESSONS
        .iter()
        .find(|(name, _, _)| *name == step)
        .copied()
        .unwrap_or((step, "README.md", "see the guide."));
    let origin = match from {
        Some(from) => format!("{from}'s code"),
        None => "a server that answers once".to_owned(),
    };
    format!(
        "//! Your exercise for step {step}, started from {origin}.\n\
         //! The notes after this paragraph describe that code, not your goal.\n\
         //! To do: {todo}\n\
         //! Guide: docs/en/{page} (日本語: docs/ja/{page}).\n\
         //!\n"
    )
}

/// The guide page of `step`, relative to the repository root, in English
/// and in Japanese.
pub fn guide_pages(step: &str) -> [String; 2] {
    let page = LESSONS
        .iter()
        .find(|(name, _, _)| *name == step)
        .map_or("README.md", |(_, page, _)| page);
    [format!("docs/en/{page}"), format!("docs/ja/{page}")]
}

/// Where exercises go unless `XTASK_EXERCISES_DIR` says otherwise (tests).
pub const EXERCISES_DIR_VAR: &str = "XTASK_EXERCISES_DIR";

/// The book's starting point for chapter 12 (its chapter 11's server,
/// `codes/chapter11-2/webserver.py`): one request answered, then it stops.
pub const ANSWER_ONCE: &str = r#"//! The book's starting point for chapter 12: the server of its chapter 11
//! (Python: `codes/chapter11-2/webserver.py`). It answers one request and
//! stops, so a page that links a stylesheet and an image never shows whole,
//! and it sends every file as `text/html`. Chapter 12's lesson, yours to
//! type: answer again and again, each file with its own Content-Type.

use std::io;
use std::net::TcpListener;

use common::{Config, HttpError, Response};
use log::{error, info};

/// The book's `if __name__ == "__main__"`: read the options, start logging, serve.
fn main() {
    let config = Config::from_args(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_DESCRIPTION"));
    common::init_logging(config.log_level);
    if let Err(err) = serve(&config) {
        common::exit_on_start_error(&config, err);
    }
}

/// The book's `WebServer.serve`: accept one client, answer it, stop.
fn serve(config: &Config) -> io::Result<()> {
    info!("=== サーバーを起動します ===");
    let server_socket = TcpListener::bind(config.address())?;
    common::show_url(&server_socket)?;

    info!("=== クライアントからの接続を待ちます ===");
    let (client_socket, address) = server_socket.accept()?;
    info!("=== クライアントとの接続が完了しました remote_address: {address} ===");

    // The book's `try:`. In a closure, `?` sends any failure to the `if let` below.
    let result = (|| -> Result<(), HttpError> {
        let Some(request) = common::receive_request(&client_socket, config)? else {
            return Ok(()); // connected, then left without a request
        };
        let response = match common::open_static_file(&config.static_root, &request.path) {
            Ok(mut file) => {
                // Like the book's chapter 11, every file is sent as HTML: the
                // right Content-Type is the second half of chapter 12.
                file.content_type = "text/html".to_owned();
                Response::file(file)
            }
            Err(HttpError::NotFound) => Response::not_found(),
            Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
            Err(err) => return Err(err),
        };
        response.send(&client_socket, request.is_head())?;
        Ok(())
    })();
    if let Err(err) = result {
        error!("=== リクエストの処理中にエラーが発生しました ===");
        common::report_error(&client_socket, &err);
    }
    info!("=== サーバーを停止します。 ===");
    Ok(())
}
"#;

/// An exercise just created.
#[derive(Debug)]
pub struct Created {
    /// Its folder.
    pub dir: PathBuf,
    /// Its package name, `my-CRATE`.
    pub package: String,
    /// The step it practises.
    pub step: &'static str,
    /// The crate its code came from; `None`: the answer-once server.
    pub from: Option<&'static str>,
}

/// Why no exercise was created.
#[derive(Debug)]
pub enum Error {
    /// Not one of [`STEPS`].
    UnknownCrate(String),
    /// The exercise's folder exists: it is never overwritten.
    Exists(PathBuf),
    /// Reading the chapter or writing the exercise failed.
    Io(PathBuf, io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownCrate(name) => {
                let names: Vec<&str> = STEPS.iter().map(|(step, _)| *step).collect();
                write!(
                    f,
                    "no chapter crate named {name:?}; one of: {} (or 12, 13-refactor, 13, \
                     13-threadpool, 13-async)",
                    names.join(", ")
                )
            }
            Error::Exists(dir) => write!(
                f,
                "{} already exists; an exercise is never overwritten (delete or rename it to start again)",
                dir.display()
            ),
            Error::Io(path, err) => write!(f, "{}: {err}", path.display()),
        }
    }
}

/// Creates `exercises/my-<step>/` under `exercises`, from the chapter crates
/// in `root`. `step` is a crate name or a short name such as `13`.
pub fn create(root: &Path, exercises: &Path, step: &str) -> Result<Created, Error> {
    let &(step, from) = crate::chapter_crate(step)
        .and_then(|krate| STEPS.iter().find(|(name, _)| *name == krate))
        .ok_or_else(|| Error::UnknownCrate(step.to_owned()))?;
    let package = format!("my-{step}");
    let dir = exercises.join(&package);
    fs::create_dir_all(exercises).map_err(|e| Error::Io(exercises.to_owned(), e))?;
    // `create_dir` fails if the folder exists: nothing of the reader's is touched.
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => return Err(Error::Exists(dir)),
        Err(err) => return Err(Error::Io(dir, err)),
    }
    if let Err(err) = fill(root, &dir, &package, step, from) {
        // The folder is the one just made: remove it, so that a retry can work.
        let _ = fs::remove_dir_all(&dir);
        return Err(err);
    }
    Ok(Created {
        dir,
        package,
        step,
        from,
    })
}

/// Writes the manifest and `src/` into the new folder `dir`.
fn fill(
    root: &Path,
    dir: &Path,
    package: &str,
    step: &str,
    from: Option<&str>,
) -> Result<(), Error> {
    let manifest_path = root.join(step).join("Cargo.toml");
    let chapter_manifest =
        fs::read_to_string(&manifest_path).map_err(|e| Error::Io(manifest_path, e))?;
    let origin = from.unwrap_or("a server that answers once (the book's starting point)");
    write(
        &dir.join("Cargo.toml"),
        &manifest(package, step, origin, &chapter_manifest),
    )?;
    let src = dir.join("src");
    let main_rs = src.join("main.rs");
    let previous = match from {
        Some(from) => {
            copy_dir(&root.join(from).join("src"), &src)?;
            fs::read_to_string(&main_rs).map_err(|e| Error::Io(main_rs.clone(), e))?
        }
        None => {
            fs::create_dir(&src).map_err(|e| Error::Io(src.clone(), e))?;
            ANSWER_ONCE.to_owned()
        }
    };
    write(&main_rs, &(intro(step, from) + &previous))
}

/// The exercise's manifest: its own name, the chapter's dependencies.
fn manifest(package: &str, step: &str, origin: &str, chapter_manifest: &str) -> String {
    let dependencies: Vec<&str> = chapter_manifest
        .lines()
        .skip_while(|line| line.trim() != "[dependencies]")
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .filter(|line| !line.trim().is_empty())
        .collect();
    format!(
        "[package]\n\
         name = \"{package}\"\n\
         description = \"Your own {step}, started from {origin}.\"\n\
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

/// The three commands to print after creating `created`.
pub fn next_commands(created: &Created) -> [String; 3] {
    let step = created.step;
    let package = &created.package;
    [
        format!("cargo run -p {package}"),
        format!("cargo run -p checker -- --chapter {step}"),
        format!("git diff --no-index {step}/src exercises/{package}/src"),
    ]
}

const USAGE: &str = "\
usage: cargo xtask exercise CRATE

Makes exercises/my-CRATE, your own crate for step CRATE, from the previous
step's code (for chapter12-sequential, a server that answers once), and says
how to run it, check it, and compare it with the chapter. CRATE: one of
chapter12-sequential, chapter13-refactor, chapter13-threaded,
chapter13-threadpool, chapter13-async, or a short name: 12, 13-refactor, 13
(or 13-threaded), 13-threadpool, 13-async. An existing exercise is never
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
    let root = repo_root();
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
            let origin = created.from.map_or_else(
                || "a server that answers once, the book's starting point".to_owned(),
                |from| format!("{from}'s code"),
            );
            let mut out = io::stdout().lock();
            writeln!(out, "created {} from {origin}", shown(&created.dir))?;
            let [en, ja] = guide_pages(created.step);
            writeln!(out, "read about it: {en} (日本語: {ja})")?;
            writeln!(out, "change it into {}, then:", created.step)?;
            for (what, command) in ["run it:    ", "check it:  ", "compare it:"]
                .iter()
                .zip(next_commands(&created))
            {
                writeln!(out, "  {what} {command}")?;
            }
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
        Err(e @ Error::UnknownCrate(_)) => {
            writeln!(err, "cargo xtask exercise: {e}\n\n{USAGE}")?;
            Ok(ExitCode::from(2))
        }
        Err(Error::Io(path, e)) => {
            writeln!(err, "cargo xtask exercise: {}: {e}", shown(&path))?;
            Ok(ExitCode::FAILURE)
        }
    }
}
