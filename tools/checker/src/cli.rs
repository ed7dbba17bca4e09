//! The command line: `checker [--chapter CRATE] [URL] [--static-dir DIR]
//! [--max-workers N] [--beyond] [--lang ja|en] [--verbose]`.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Command, builder::PossibleValuesParser};

use crate::{Chapter, DEFAULT_URL, Lang, Options};

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
                .value_name("CRATE")
                .help(
                    "The step whose stages to run (with the earlier ones): chapter12-sequential, \
                     chapter13-refactor, chapter13-threaded, chapter13-threadpool, chapter13-async; or 12, 13-refactor, 13, \
                     13-threadpool, 13-async",
                )
                .default_value("chapter13-threaded")
                .value_parser(|s: &str| {
                    Chapter::parse(s).ok_or_else(|| {
                        "not a chapter: give a crate name (chapter12-sequential, chapter13-refactor, \
                         chapter13-threaded, chapter13-threadpool, chapter13-async) or its short form (12, \
                         13-refactor, 13 or 13-threaded, 13-threadpool or pool, 13-async or async)"
                            .to_owned()
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
}

/// Parses `args` (without the program name); clap's error on a mistake,
/// `--help` or `--version`.
pub fn parse<I, T>(args: I) -> clap::error::Result<Options>
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
    Ok(Options {
        chapter: *matches
            .get_one::<Chapter>("chapter")
            .expect("has a default"),
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
        for name in ["chapter13-threadpool", "13-threadpool", "13-refactor", "12"] {
            assert!(err.contains(name), "{name} not in {err}");
        }
    }
}
