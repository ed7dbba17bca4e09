//! Command-line options shared by every chapter, parsed by hand.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process;
use std::time::Duration;

use log::LevelFilter;

/// Where the workspace's `static/` is, found from this crate's location at
/// build time, like the book's `BASE_DIR`: works from any current directory.
pub const DEFAULT_STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../static");

const USAGE: &str = "\
Options (every chapter takes the same):
  --host ADDR             address to listen on                 [127.0.0.1]
  --port PORT             port to listen on, 0 = any free port [8080]
  --static-dir DIR        directory to serve                   [the workspace's static/]
  --log-level LEVEL       off, error, warn, info, debug, trace [info]
  --read-timeout SECS     longest wait for one read            [5]
  --request-timeout SECS  longest wait for a whole request     [10]
  --write-timeout SECS    longest wait for one write           [10]
  --max-workers N         threads at once (chapter13-threaded) [256]
  --help                  print this and exit";

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
    /// Most connections the threaded chapter handles at once.
    pub max_workers: usize,
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Start the server.
    Run(Config),
    /// Print the usage and exit.
    Help,
}

impl Config {
    /// Parses this process's arguments; prints a message and exits on `--help`
    /// (status 0) or on a bad argument (status 2).
    pub fn from_args() -> Config {
        match Config::parse(std::env::args().skip(1)) {
            Ok(Command::Run(config)) => config,
            Ok(Command::Help) => {
                println!("{USAGE}");
                process::exit(0);
            }
            Err(message) => {
                eprintln!("error: {message}\n\n{USAGE}");
                process::exit(2);
            }
        }
    }

    /// Parses options given as `--name value` or `--name=value`.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
        let mut config = Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            static_root: PathBuf::from(DEFAULT_STATIC_DIR),
            log_level: LevelFilter::Info,
            read_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_workers: 256,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Ok(Command::Help);
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            if !name.starts_with("--") {
                return Err(format!("unexpected argument '{name}'"));
            }
            let value = inline
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))?;
            let bad = |what: &str| format!("{name}: '{value}' is not {what}");
            match name.as_str() {
                "--host" if value == "localhost" => config.host = IpAddr::V4(Ipv4Addr::LOCALHOST),
                "--host" => config.host = value.parse().map_err(|_| bad("an IP address"))?,
                "--port" => config.port = value.parse().map_err(|_| bad("a port (0-65535)"))?,
                "--static-dir" => config.static_root = PathBuf::from(&value),
                "--log-level" => {
                    config.log_level = value.parse().map_err(|_| bad("a log level"))?
                }
                "--read-timeout" => {
                    config.read_timeout =
                        seconds(&value).ok_or_else(|| bad("a positive number of seconds"))?
                }
                "--request-timeout" => {
                    config.request_timeout =
                        seconds(&value).ok_or_else(|| bad("a positive number of seconds"))?
                }
                "--write-timeout" => {
                    config.write_timeout =
                        seconds(&value).ok_or_else(|| bad("a positive number of seconds"))?
                }
                "--max-workers" => {
                    config.max_workers = value
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| bad("a positive number"))?
                }
                _ => return Err(format!("unknown option '{name}'")),
            }
        }
        config.static_root = canonical_dir(&config.static_root)?;
        Ok(Command::Run(config))
    }

    /// The address to bind.
    pub fn address(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

fn seconds(value: &str) -> Option<Duration> {
    let secs: f64 = value.parse().ok()?;
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
}

/// The static root must exist; its canonical form is what lookups compare against.
fn canonical_dir(dir: &Path) -> Result<PathBuf, String> {
    match dir.canonicalize() {
        Ok(path) if path.is_dir() => Ok(path),
        Ok(path) => Err(format!("{} is not a directory", path.display())),
        Err(err) => Err(format!("static directory {}: {err}", dir.display())),
    }
}
