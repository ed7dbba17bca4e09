//! The command line: `checker [--chapter STEP] [URL] [--static-dir DIR]
//! [--max-workers N] [--beyond] [--lang ja|en] [--verbose] [--server
//! python|rust] [--watch] [--progress] [-- COMMAND...]`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg, ArgAction, Command, builder::PossibleValuesParser};

use crate::{Chapter, DEFAULT_URL, Lang, Options, ServerLang};

/// The step checked when `--chapter` is not given: the end of chapter 13.
pub const DEFAULT_CHAPTER: Chapter = Chapter::Threaded;

/// Everything the command line says.
#[derive(Debug, Clone)]
pub struct Cli {
    /// What to check, and how to report it.
    pub options: Options,
    /// The reader's command after `--`, which starts the server.
    pub command: Option<Vec<String>>,
    /// Check again on every save.
    pub watch: bool,
    /// Show the progress and do nothing else.
    pub progress: bool,
    /// How long the command may print nothing while not listening.
    pub start_timeout: Duration,
}

/// `chapter12-sequential (12), …`, from the table of steps.
fn step_names() -> String {
    steps::names_for_people()
}

/// Every name a step goes by: `chapter13-threaded, 13, 13-threaded, …`.
fn all_names() -> String {
    steps::STEPS
        .iter()
        .map(|s| {
            let mut names = vec![s.krate];
            names.extend(s.short_names);
            names.join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The usage line first, then the sentence, then the options (as the chapters).
const HELP_TEMPLATE: &str = "{usage-heading} {usage}\n\n{about-with-newline}\n{all-args}";

/// The command line definition.
pub fn command() -> Command {
    Command::new("checker")
        .version(env!("CARGO_PKG_VERSION"))
        .about(env!("CARGO_PKG_DESCRIPTION"))
        .help_template(HELP_TEMPLATE)
        .arg(
            Arg::new("url")
                .value_name("URL")
                .help("The server to check")
                .default_value(DEFAULT_URL),
        )
        .arg(
            Arg::new("chapter")
                .long("chapter")
                .value_name("STEP")
                .help(format!(
                    "The step whose stages to run, with the earlier steps': {} [default: {} ({})]",
                    step_names(),
                    DEFAULT_CHAPTER.crate_name(),
                    DEFAULT_CHAPTER.step().short_names[0],
                ))
                .value_parser(|s: &str| {
                    Chapter::parse(s).ok_or_else(|| {
                        format!(
                            "not a step: give its crate name or a short name ({})",
                            all_names()
                        )
                    })
                }),
        )
        .arg(
            Arg::new("static-dir")
                .long("static-dir")
                .value_name("DIR")
                .help("Compare bodies byte for byte with the files here (the folder your server serves)")
                .value_parser(clap::value_parser!(PathBuf)),
        )
        .arg(
            Arg::new("max-workers")
                .long("max-workers")
                .value_name("N")
                .help("The pool's bound to check, for chapter13-threadpool [default: 16]")
                .value_parser(clap::value_parser!(u16).range(1..=1000)),
        )
        .arg(
            Arg::new("beyond")
                .long("beyond")
                .help("Also run the checks this workspace passes and the book's code does not")
                .action(ArgAction::SetTrue),
        )
        .arg(
            Arg::new("lang")
                .long("lang")
                .value_name("LANG")
                .help(
                    "The report's language: --lang ja for Japanese [default: ja if $LANG starts with ja, \
                     else en; Windows usually sets no LANG, so give --lang ja there]",
                )
                .value_parser(PossibleValuesParser::new(["ja", "en"])),
        )
        .arg(
            Arg::new("verbose")
                .long("verbose")
                .short('v')
                .help("Show how to send every request by hand, not only the failed ones")
                .action(ArgAction::SetTrue),
        )
        .arg(
            Arg::new("server")
                .long("server")
                .value_name("LANG")
                .help(
                    "Your server's language, for the hints' fixes: python or rust [default: from the \
                     command after --, else both]",
                )
                .value_parser(PossibleValuesParser::new(["python", "rust"])),
        )
        .arg(
            Arg::new("watch")
                .long("watch")
                .short('w')
                .help(
                    "After the report, wait for a save of your code (.py, .rs, .toml), then restart the \
                     command after -- and check again, until Ctrl+C",
                )
                .requires("command")
                .action(ArgAction::SetTrue),
        )
        .arg(
            Arg::new("progress")
                .long("progress")
                .help("Show your progress through the steps, and nothing else")
                .action(ArgAction::SetTrue),
        )
        .arg(
            Arg::new("start-timeout")
                .long("start-timeout")
                .value_name("SECS")
                .help(
                    "How long the command may print nothing while it does not listen yet \
                     [default: 20; while cargo builds, 600]",
                )
                .value_parser(clap::value_parser!(u64).range(1..=3600)),
        )
        .arg(
            Arg::new("command")
                .value_name("COMMAND")
                .help(
                    "Your server's command, after --: the checker starts it in the current folder, \
                     waits until it listens at the URL, checks it, and stops it \
                     (cargo run -p checker -- --chapter 12 -- python webserver.py)",
                )
                .num_args(1..)
                .last(true)
                .allow_hyphen_values(true),
        )
}

/// Parses `args` (without the program name): what to check; clap's error
/// on a mistake, `--help` or `--version`.
pub fn parse<I, T>(args: I) -> clap::error::Result<Options>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    parse_all(args).map(|cli| cli.options)
}

/// Parses `args` (without the program name): everything.
pub fn parse_all<I, T>(args: I) -> clap::error::Result<Cli>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args = std::iter::once(std::ffi::OsString::from("checker"))
        .chain(args.into_iter().map(Into::into));
    let matches = command().try_get_matches_from(args)?;
    let lang = match matches.get_one::<String>("lang").map(String::as_str) {
        Some("ja") => Lang::Ja,
        Some(_) => Lang::En,
        None => Lang::from_env(),
    };
    let command: Option<Vec<String>> = matches
        .get_many::<String>("command")
        .map(|words| words.cloned().collect());
    let server = match matches.get_one::<String>("server") {
        Some(name) => ServerLang::parse(name).unwrap_or_default(),
        None => command
            .as_deref()
            .map(ServerLang::of_command)
            .unwrap_or_default(),
    };
    let options = Options {
        chapter: matches
            .get_one::<Chapter>("chapter")
            .copied()
            .unwrap_or(DEFAULT_CHAPTER),
        url: matches
            .get_one::<String>("url")
            .expect("has a default")
            .clone(),
        static_dir: matches.get_one::<PathBuf>("static-dir").cloned(),
        max_workers: matches
            .get_one::<u16>("max-workers")
            .map(|n| usize::from(*n)),
        beyond: matches.get_flag("beyond"),
        lang,
        verbose: matches.get_flag("verbose"),
        server,
    };
    Ok(Cli {
        options,
        command,
        watch: matches.get_flag("watch"),
        progress: matches.get_flag("progress"),
        start_timeout: matches
            .get_one::<u64>("start-timeout")
            .map_or(crate::server::START_TIMEOUT, |s| Duration::from_secs(*s)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_defaults() {
        let o = parse(["--chapter", "12", "--lang", "ja"]).expect("parses");
        assert_eq!(o.chapter, Chapter::Sequential);
        assert_eq!(o.url, DEFAULT_URL);
        assert_eq!(o.lang, Lang::Ja);
        let o = parse([
            "--chapter",
            "13-threadpool",
            "--max-workers",
            "4",
            "--beyond",
            "http://127.0.0.1:9/",
        ])
        .expect("parses");
        assert_eq!(
            (o.chapter, o.max_workers, o.beyond),
            (Chapter::Pool, Some(4), true)
        );
        assert_eq!(o.url, "http://127.0.0.1:9/");
        let o = parse(["--chapter", "13-async"]).expect("parses");
        assert_eq!(o.chapter, Chapter::Async);
        assert!(parse(["--chapter", "14"]).is_err());
        assert!(parse(["--max-workers", "0"]).is_err());
        assert!(parse(["--lang", "fr"]).is_err());
        let err = parse(["--chapter", "13-pool"]).expect_err("no such chapter");
        let err = err.to_string();
        for step in steps::STEPS {
            assert!(err.contains(step.krate), "{} not in {err}", step.krate);
            for name in step.short_names {
                assert!(err.contains(name), "{name} not in {err}");
            }
        }
        assert_eq!(
            parse(Vec::<&str>::new()).expect("parses").chapter,
            DEFAULT_CHAPTER
        );
    }

    #[test]
    fn every_step_has_a_chapter_and_the_same_names() {
        assert_eq!(
            Chapter::ALL.len(),
            steps::STEPS.len(),
            "a new step needs its Chapter"
        );
        for step in steps::STEPS {
            let chapter = Chapter::parse(step.krate).expect("a chapter");
            assert_eq!(chapter.crate_name(), step.krate);
            for name in step.short_names {
                assert_eq!(Chapter::parse(name), Some(chapter), "{name}");
            }
        }
    }

    #[test]
    fn the_command_after_two_dashes_and_its_language() {
        let cli = parse_all([
            "--chapter",
            "12",
            "--watch",
            "--",
            "python",
            "webserver.py",
            "--port",
            "9",
        ])
        .expect("parses");
        assert_eq!(
            cli.command.as_deref(),
            Some(
                &[
                    "python".to_owned(),
                    "webserver.py".to_owned(),
                    "--port".to_owned(),
                    "9".to_owned()
                ][..]
            )
        );
        assert!(cli.watch);
        assert_eq!(cli.options.server, ServerLang::Python);
        let cli = parse_all(["--", "cargo", "run", "-p", "my-chapter13-threaded"]).expect("parses");
        assert_eq!(cli.options.server, ServerLang::Rust);
        let cli = parse_all(["--server", "rust"]).expect("parses");
        assert_eq!((cli.options.server, cli.command), (ServerLang::Rust, None));
        assert_eq!(
            parse_all(Vec::<&str>::new())
                .expect("parses")
                .options
                .server,
            ServerLang::Unknown
        );
        assert!(parse_all(["--watch"]).is_err(), "--watch needs a command");
        assert!(parse_all(["--server", "go"]).is_err());
        for (words, lang) in [
            (&["python3", "webserver.py"][..], ServerLang::Python),
            (&["py", "-3", "webserver.py"], ServerLang::Python),
            (
                &["/usr/bin/env", "python3", "webserver.py"],
                ServerLang::Python,
            ),
            (&["target/debug/chapter13-threaded"], ServerLang::Rust),
            (&["cargo.exe", "run"], ServerLang::Rust),
            (&["./server"], ServerLang::Unknown),
        ] {
            let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
            assert_eq!(ServerLang::of_command(&words), lang, "{words:?}");
        }
    }
}
