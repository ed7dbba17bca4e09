//! Options shared by every chapter.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use common::{Command, Config, DEFAULT_STATIC_DIR};

fn parse(args: &[&str]) -> Result<Command, String> {
    Config::parse(args.iter().map(|a| a.to_string()))
}

fn config(args: &[&str]) -> Config {
    match parse(args) {
        Ok(Command::Run(config)) => config,
        other => panic!("{args:?}: {other:?}"),
    }
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
    assert_eq!(config.max_workers, 256);
}

#[test]
fn both_option_forms() {
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
        "--max-workers",
        "8",
        "--static-dir",
        "/tmp",
    ]);
    assert_eq!(config.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(config.port, 0);
    assert_eq!(config.log_level, log::LevelFilter::Debug);
    assert_eq!(config.read_timeout, Duration::from_millis(500));
    assert_eq!(config.request_timeout, Duration::from_secs(3));
    assert_eq!(config.write_timeout, Duration::from_secs(2));
    assert_eq!(config.max_workers, 8);
    assert_eq!(
        config.static_root,
        Path::new("/tmp").canonicalize().unwrap()
    );
    assert_eq!(config.address().to_string(), "0.0.0.0:0");
}

#[test]
fn help() {
    assert_eq!(parse(&["--help"]), Ok(Command::Help));
    assert_eq!(parse(&["--port", "1", "-h"]), Ok(Command::Help));
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    for (args, says) in [
        (&["--port", "99999"][..], "--port: '99999'"),
        (&["--port"], "--port needs a value"),
        (&["--host", "example.com"], "not an IP address"),
        (&["--read-timeout", "0"], "positive number of seconds"),
        (&["--read-timeout", "-1"], "positive number of seconds"),
        (&["--write-timeout", "soon"], "positive number of seconds"),
        (&["--max-workers", "0"], "positive number"),
        (&["--log-level", "loud"], "not a log level"),
        (&["--static-dir", "/nonexistent/dir"], "/nonexistent/dir"),
        (&["--static-dir", "/etc/hostname"], "not a directory"),
        (&["--verbose", "1"], "unknown option '--verbose'"),
        (&["8080"], "unexpected argument '8080'"),
    ] {
        let err = parse(args).unwrap_err();
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
