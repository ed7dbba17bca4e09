//! Options shared by every chapter.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use clap::error::ErrorKind;
use common::{Config, DEFAULT_STATIC_DIR};

const ABOUT: &str = "Book chapter 99: a test.";

fn parse(args: &[&str]) -> clap::error::Result<Config> {
    Config::try_parse_from("chapter-test", ABOUT, args)
}

fn config(args: &[&str]) -> Config {
    parse(args).unwrap_or_else(|err| panic!("{args:?}: {err}"))
}

#[test]
fn defaults_match_the_book() {
    let config = config(&[]);
    assert_eq!(config.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(config.port, 8080);
    assert_eq!(
        config.static_root,
        Path::new(DEFAULT_STATIC_DIR).canonicalize().unwrap()
    );
    assert!(config.static_root.join("index.html").is_file());
    assert_eq!(config.log_level, log::LevelFilter::Info);
    assert_eq!(config.read_timeout, Duration::from_secs(5));
    assert_eq!(config.request_timeout, Duration::from_secs(10));
    assert_eq!(config.write_timeout, Duration::from_secs(10));
}

#[test]
fn both_option_forms() {
    let temp = std::env::temp_dir();
    let temp_arg = temp.to_str().expect("a UTF-8 temp dir");
    let config = config(&[
        "--host",
        "0.0.0.0",
        "--port=0",
        "--log-level",
        "debug",
        "--read-timeout=0.5",
        "--request-timeout",
        "3",
        "--write-timeout",
        "2",
        "--static-dir",
        temp_arg,
    ]);
    assert_eq!(config.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(config.port, 0);
    assert_eq!(config.log_level, log::LevelFilter::Debug);
    assert_eq!(config.read_timeout, Duration::from_millis(500));
    assert_eq!(config.request_timeout, Duration::from_secs(3));
    assert_eq!(config.write_timeout, Duration::from_secs(2));
    assert_eq!(config.static_root, temp.canonicalize().unwrap());
    assert_eq!(config.address().to_string(), "0.0.0.0:0");
    let localhost = parse(&["--host", "localhost"]).unwrap();
    assert_eq!(localhost.host, Ipv4Addr::LOCALHOST);
}

#[test]
fn help_starts_with_usage_then_names_the_chapter() {
    let err = parse(&["--port", "1", "--help"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DisplayHelp);
    let help = err.render().to_string();
    let mut lines = help.lines();
    assert_eq!(lines.next(), Some("Usage: chapter-test [OPTIONS]"));
    assert_eq!(lines.next(), Some(""));
    assert_eq!(lines.next(), Some(ABOUT));
    for option in [
        "--host <ADDR>",
        "--port <PORT>",
        "--static-dir <DIR>",
        "--log-level <LEVEL>",
        "--read-timeout <SECS>",
        "--request-timeout <SECS>",
        "--write-timeout <SECS>",
        "--version",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(!help.contains("--max-workers"), "a chapter-only option");
}

#[test]
fn version() {
    for flag in ["--version", "-V"] {
        let err = parse(&[flag]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DisplayVersion);
        assert_eq!(
            err.render().to_string().trim(),
            format!("chapter-test {}", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    let file = std::env::temp_dir().join(format!("henaserver-config-{}", std::process::id()));
    std::fs::write(&file, "not a directory").unwrap();
    let file_arg = file.to_str().expect("a UTF-8 temp dir");
    for (args, says) in [
        (&["--port", "99999"][..], "'99999' for '--port <PORT>'"),
        (&["--port"], "a value is required for '--port <PORT>'"),
        (&["--host", "example.com"], "not an IP address"),
        (&["--read-timeout", "0"], "must be above 0"),
        (&["--read-timeout", "-1"], "must be above 0"),
        (&["--request-timeout", "1e19"], "at most 86400"),
        (&["--read-timeout", "inf"], "at most 86400"),
        (&["--read-timeout", "NaN"], "must be above 0"),
        (&["--write-timeout", "soon"], "not a number of seconds"),
        (&["--log-level", "loud"], "'loud' for '--log-level <LEVEL>'"),
        (&["--static-dir", "/nonexistent/dir"], "no such directory"),
        (&["--static-dir", file_arg], "not a directory"),
        (&["--verbose"], "unexpected argument '--verbose'"),
        (
            &["--max-workers", "8"],
            "unexpected argument '--max-workers'",
        ),
        (&["8080"], "unexpected argument '8080'"),
    ] {
        let err = parse(args).unwrap_err();
        let text = err.render().to_string();
        assert!(text.contains(says), "{args:?}: {text}");
        assert!(text.starts_with("error: "), "{args:?}: {text}");
        assert_eq!(err.exit_code(), 2, "{args:?}");
    }
    std::fs::remove_file(&file).unwrap();
}
