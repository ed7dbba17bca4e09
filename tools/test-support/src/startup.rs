//! What a newcomer sees before the server runs: `--help`, `--version`, and a
//! plain, actionable message for every way start-up can fail.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::Server;
use crate::suite::TempDir;

/// Defines one `#[test]` per start-up check, run against the binary `$bin`.
#[macro_export]
macro_rules! startup_suite {
    ($bin:expr) => {
        $crate::startup_suite!(@each $bin;
            help_starts_with_usage_and_names_the_chapter, version_answers,
            port_in_use_says_what_to_do, address_not_on_this_machine_says_so,
            #[cfg_attr(not(target_os = "linux"), ignore = "this system lets anyone listen on port 80; Linux runs this test")]
            low_port_without_rights_says_so,
            missing_static_dir_says_so, bad_option_values_are_refused_plainly);
    };
    (@each $bin:expr; $($(#[$attr:meta])* $name:ident),*) => {
        $( #[test] $(#[$attr])* fn $name() { $crate::startup::$name($bin) } )*
    };
}

/// What a finished run printed.
pub struct Run {
    /// How it ended.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `bin ARGS...` to completion ([`crate::PATIENCE`] at most, then the test fails).
pub fn run(bin: &str, args: &[&str]) -> Run {
    run_command(Command::new(bin).args(args))
}

fn run_command(command: &mut Command) -> Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let stdout = thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let stderr = thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + crate::PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} did not exit within {:?}", crate::PATIENCE);
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// The binary's name, as its usage line shows it: the file name without
/// Windows' `.exe`.
fn name(bin: &str) -> &str {
    Path::new(bin)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or(bin)
}

/// A start-up failure: status 1 (could not listen) or 2 (a bad option, in
/// clap's usual form), an `error: ` line that says what to do, never a Rust
/// debug dump. The only log line allowed before it is the book's start line,
/// which the book also prints before it creates the socket.
fn assert_plain_failure(run: &Run, expected_code: i32, says: &[&str]) {
    assert_eq!(
        run.status.code(),
        Some(expected_code),
        "stderr: {}",
        run.stderr
    );
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.is_empty() && !l.contains("サーバーを起動します"))
        .collect();
    assert!(!lines.is_empty(), "nothing on stderr");
    assert!(lines[0].starts_with("error: "), "{}", run.stderr);
    let most = if expected_code == 1 { 2 } else { 5 };
    assert!(
        lines.len() <= most,
        "at most {most} lines, got:\n{}",
        run.stderr
    );
    for needle in says {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} not in:\n{}",
            run.stderr
        );
    }
    for debug in ["Os {", "kind:", "Error {", "panicked", "==="] {
        let shown = lines.iter().any(|l| l.contains(debug));
        assert!(!shown, "{debug:?} in:\n{}", run.stderr);
    }
}

/// `--help`: the usage line first, then one sentence naming the book chapter.
pub fn help_starts_with_usage_and_names_the_chapter(bin: &str) {
    let run = run(bin, &["--help"]);
    assert!(run.status.success());
    let mut lines = run.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("Usage: {} [OPTIONS]", name(bin)).as_str())
    );
    assert_eq!(lines.next(), Some(""));
    let about = lines.next().expect("a sentence after the usage line");
    assert!(
        about.starts_with("Book chapter 12") || about.starts_with("Book chapter 13"),
        "{about}"
    );
    for option in ["--port <PORT>", "--read-timeout <SECS>", "--version"] {
        assert!(run.stdout.contains(option), "{option}:\n{}", run.stdout);
    }
    let has_workers = run.stdout.contains("--max-workers");
    assert_eq!(
        has_workers,
        name(bin) == "chapter13-threadpool",
        "--max-workers belongs to the pool chapter only"
    );
}

/// `--version` and `-V` print the name and version.
pub fn version_answers(bin: &str) {
    for flag in ["--version", "-V"] {
        let run = run(bin, &[flag]);
        assert!(run.status.success(), "{flag}");
        assert_eq!(
            run.stdout.trim(),
            format!("{} {}", name(bin), env!("CARGO_PKG_VERSION"))
        );
    }
}

/// The most common slip: the previous chapter still holds the port.
pub fn port_in_use_says_what_to_do(bin: &str) {
    let first = Server::start(bin, &[]);
    let port = first.addr.port().to_string();
    let second = run(bin, &["--port", &port]);
    assert_plain_failure(
        &second,
        1,
        &[
            &format!("error: cannot listen on 127.0.0.1:{port}: address already in use"),
            "--port 0",
        ],
    );
    assert_eq!(
        first.get("/index.html").status,
        200,
        "the first one lives on"
    );
}

/// An address this machine does not have (TEST-NET-1, RFC 5737).
pub fn address_not_on_this_machine_says_so(bin: &str) {
    let run = run(bin, &["--host", "192.0.2.1", "--port", "0"]);
    assert_plain_failure(&run, 1, &["192.0.2.1", "no such address", "127.0.0.1"]);
}

/// A port below 1024. Where the system keeps such ports for the
/// administrator (Linux's default: `ip_unprivileged_port_start` is 1024), an
/// ordinary user gets a plain message with the way out (`--port 8080`). As
/// root (CI, a container) the server runs as `nobody` through `setpriv`, from
/// a copy that `nobody` may run, whatever folder the workspace is in. Where
/// the system lets anyone listen there (Docker sets the sysctl to 0), the
/// server listens on port 80 like on any other, or, when something else
/// holds it, says so plainly. macOS and Windows let anyone listen on port 80,
/// so there the test is ignored.
#[cfg(target_os = "linux")]
pub fn low_port_without_rights_says_so(bin: &str) {
    let unprivileged_start =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
            .unwrap_or(1024);
    let nobody = crate::running_as_root().then(|| crate::AsNobody::new(bin));
    let command = |args: &[&str]| match &nobody {
        Some(nobody) => {
            let site = nobody.site();
            let site = site.to_str().expect("UTF-8 temp path").to_owned();
            let mut all = vec!["--static-dir", &site];
            all.extend(args);
            nobody.command(&all)
        }
        None => {
            let mut command = Command::new(bin);
            command.args(args);
            command
        }
    };
    if unprivileged_start > 80 {
        let run = run_command(&mut command(&["--port", "80"]));
        assert_plain_failure(
            &run,
            1,
            &["127.0.0.1:80", "permission denied", "--port 8080"],
        );
        return;
    }
    // Anyone may listen on port 80 here: the server does, unless it is taken.
    let mut server = Server::spawn(command(&["--port", "80"]));
    let deadline = Instant::now() + crate::PATIENCE;
    let status = loop {
        if let Some(addr) = server.find_url(Duration::from_millis(20)) {
            assert_eq!(addr.port(), 80, "{:?}", server.log());
            return;
        }
        if let Some(status) = server.wait_exit(Duration::from_millis(20)) {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "neither a URL line nor an exit in {:?}; log:\n{}",
            crate::PATIENCE,
            server.log().join("\n")
        );
    };
    // Something else holds port 80: the plain message for that.
    server.find_log("error: ", crate::PATIENCE);
    let log = server.log().join("\n");
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("127.0.0.1:80: address already in use"),
        "{log}"
    );
}

/// Ignored outside Linux (macOS and Windows let anyone listen on port 80);
/// run anyway, it fails, saying why.
#[cfg(not(target_os = "linux"))]
pub fn low_port_without_rights_says_so(_bin: &str) {
    panic!(
        "this system lets anyone listen on port 80: there are no rights to lack; Linux runs this test"
    );
}

/// `--static-dir` must name an existing directory.
pub fn missing_static_dir_says_so(bin: &str) {
    let dir = TempDir::new();
    let missing = dir.path().join("nope");
    let missing = missing.to_str().expect("UTF-8 temp path");
    let run_missing = run(bin, &["--static-dir", missing, "--port", "0"]);
    assert_plain_failure(&run_missing, 2, &["--static-dir", "no such directory"]);
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "x").expect("write a file");
    let file = file.to_str().expect("UTF-8 temp path");
    let run_file = run(bin, &["--static-dir", file, "--port", "0"]);
    assert_plain_failure(&run_file, 2, &["not a directory"]);
}

/// Values out of range are refused before anything starts.
pub fn bad_option_values_are_refused_plainly(bin: &str) {
    for (args, says) in [
        (&["--port", "65536"][..], "--port"),
        (&["--port", "http"][..], "--port"),
        (&["--host", "my-laptop"], "not an IP address"),
        (&["--read-timeout", "0"], "must be above 0"),
        (&["--request-timeout", "1e19"], "at most 86400"),
        (&["--write-timeout", "-3"], "must be above 0"),
        (&["--log-level", "verbose"], "--log-level"),
        (&["--prot", "8080"], "unexpected argument '--prot'"),
    ] {
        let run = run(bin, args);
        assert_plain_failure(&run, 2, &[says]);
    }
}
