//! Command-line options shared by every chapter, with `clap`.
//!
//! Each chapter names itself (its package name and description become the
//! usage line and the first sentence of `--help`); the options below are
//! defined once, here. A chapter with an option of its own (the pool's
//! `--max-workers`) adds it to [`Config::command`] and reads it back itself.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Arg, ArgMatches, Command, builder::PossibleValuesParser};
use log::LevelFilter;

/// Where the workspace's `static/` is, found from this crate's location at
/// build time, like the book's `BASE_DIR`: works from any current directory.
pub const DEFAULT_STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../static");

/// The longest timeout accepted: a day. Larger values would overflow the
/// deadlines computed from them.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// The usage line first, then the chapter's sentence, then the options.
const HELP_TEMPLATE: &str = "{usage-heading} {usage}\n\n{about-with-newline}\n{all-args}";

/// Everything a chapter needs to know at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on; 0 lets the system choose.
    pub port: u16,
    /// The book's `STATIC_ROOT`, canonical (absolute, no links).
    pub static_root: PathBuf,
    /// How much to log.
    pub log_level: LevelFilter,
    /// A client that sends nothing for this long is dropped.
    pub read_timeout: Duration,
    /// A whole request (head and body) must arrive within this.
    pub request_timeout: Duration,
    /// A client that stops reading a response is dropped after this.
    pub write_timeout: Duration,
}

impl Config {
    /// Parses this process's arguments. On `--help`, `--version` or a bad
    /// option, prints the answer and exits (0, or 2 for a mistake).
    pub fn from_args(name: &'static str, about: &'static str) -> Config {
        Config::from_matches(&Config::command(name, about).get_matches())
    }

    /// The command line every chapter shares: `name` is the binary, `about`
    /// the sentence that names its book chapter.
    pub fn command(name: &'static str, about: &'static str) -> Command {
        Command::new(name)
            // Not the file name clap would take from argv[0]: on Windows
            // that is `chapter12-sequential.exe`, and the usage line and the
            // guide's console blocks would differ between systems.
            .bin_name(name)
            .version(env!("CARGO_PKG_VERSION"))
            .about(about)
            .help_template(HELP_TEMPLATE)
            .arg(
                Arg::new("host")
                    .long("host")
                    .value_name("ADDR")
                    .help("Address to listen on (0.0.0.0: every address)")
                    .default_value("127.0.0.1")
                    .value_parser(parse_host),
            )
            .arg(
                Arg::new("port")
                    .long("port")
                    .value_name("PORT")
                    .help("Port to listen on; 0 picks a free one (the start-up log shows it)")
                    .default_value("8080")
                    .value_parser(clap::value_parser!(u16)),
            )
            .arg(
                Arg::new("static-dir")
                    .long("static-dir")
                    .value_name("DIR")
                    .help("Directory to serve [default: the workspace's static/]")
                    .value_parser(parse_static_dir),
            )
            .arg(
                Arg::new("log-level")
                    .long("log-level")
                    .value_name("LEVEL")
                    .help("How much to log; debug also logs each request head")
                    .default_value("info")
                    .value_parser(PossibleValuesParser::new([
                        "off", "error", "warn", "info", "debug", "trace",
                    ])),
            )
            .arg(seconds_option(
                "read-timeout",
                "5",
                "Longest wait for one read from a client",
            ))
            .arg(seconds_option(
                "request-timeout",
                "10",
                "Longest wait for a whole request",
            ))
            .arg(seconds_option(
                "write-timeout",
                "10",
                "Longest wait for one write to a client",
            ))
    }

    /// The configuration that `matches` (from [`Config::command`]) describes.
    pub fn from_matches(matches: &ArgMatches) -> Config {
        let static_root = match matches.get_one::<PathBuf>("static-dir") {
            Some(dir) => dir.clone(),
            // The default goes through the same check, so a moved binary
            // says plainly that it cannot find static/.
            None => parse_static_dir(DEFAULT_STATIC_DIR).unwrap_or_else(|why| {
                // Said like clap's own mistakes (status 2), without a usage
                // line: nothing on the command line was wrong.
                eprintln!(
                    "error: the default static directory {}: {why}; pass --static-dir DIR",
                    lexically_normal(Path::new(DEFAULT_STATIC_DIR)).display()
                );
                std::process::exit(2)
            }),
        };
        let level = matches.get_one::<String>("log-level").map(String::as_str);
        Config {
            host: *matches.get_one("host").expect("has a default"),
            port: *matches.get_one("port").expect("has a default"),
            static_root,
            log_level: level
                .and_then(|l| l.parse().ok())
                .unwrap_or(LevelFilter::Info),
            read_timeout: *matches.get_one("read-timeout").expect("has a default"),
            request_timeout: *matches.get_one("request-timeout").expect("has a default"),
            write_timeout: *matches.get_one("write-timeout").expect("has a default"),
        }
    }

    /// Like [`Config::from_args`], for tests: returns clap's error (whose
    /// `kind()` tells help and version from mistakes) instead of exiting.
    pub fn try_parse_from(
        name: &'static str,
        about: &'static str,
        args: &[&str],
    ) -> clap::error::Result<Config> {
        let args = std::iter::once(name).chain(args.iter().copied());
        let matches = Config::command(name, about).try_get_matches_from(args)?;
        Ok(Config::from_matches(&matches))
    }

    /// The address to bind.
    pub fn address(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

fn seconds_option(name: &'static str, default: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name("SECS")
        .help(help)
        .default_value(default)
        .allow_negative_numbers(true)
        .value_parser(parse_seconds)
}

/// A positive number of seconds, fractions allowed, at most a day.
fn parse_seconds(value: &str) -> Result<Duration, String> {
    let secs: f64 = value
        .parse()
        .map_err(|_| "not a number of seconds".to_owned())?;
    if !(secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
        return Err(format!(
            "must be above 0 and at most {MAX_TIMEOUT_SECS} (a day)"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// An IP address, or `localhost` (IPv4 loopback, as the book's `localhost`).
fn parse_host(value: &str) -> Result<IpAddr, String> {
    if value == "localhost" {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    value
        .parse()
        .map_err(|_| "not an IP address (e.g. 127.0.0.1, 0.0.0.0 or ::1)".to_owned())
}

/// `path` with each `dir/..` taken out, without asking the file system
/// (the default static directory may not exist): `…/common/../static` reads
/// `…/static`.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// The static root must exist and be a directory; its canonical form is what
/// lookups compare against.
fn parse_static_dir(value: &str) -> Result<PathBuf, String> {
    match Path::new(value).canonicalize() {
        Ok(path) if path.is_dir() => Ok(path),
        Ok(path) => Err(format!("{} is not a directory", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Err("no such directory".to_owned())
        }
        Err(err) => Err(format!("cannot open it ({err})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_static_directory_is_shown_without_dot_dot() {
        let shown = lexically_normal(Path::new("/work/repo/common/../static"));
        assert_eq!(shown, Path::new("/work/repo/static"));
        assert_eq!(
            lexically_normal(Path::new("../static")),
            Path::new("../static")
        );
    }
}
