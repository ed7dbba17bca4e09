//! `lesson-demo two-clients`: the book's two-client experiment as one command
//! that is the same on Linux, macOS and Windows.
//!
//! Client A connects and sends nothing for a while (the book's slow request);
//! meanwhile client B asks for the page. A server that answers one client at
//! a time makes B wait for A; a threaded one answers B at once. Each event is
//! printed the moment it happens, so the reader sees B's answer arrive at
//! once or only after A.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use checker::client::{Expect, FetchError, read_answer, send_and_read};
use checker::{Lang, Target};

use crate::{ms, url_path};

/// The address the book's server listens on.
const DEFAULT_URL: &str = "http://127.0.0.1:8080/index.html";

/// The servers' default read timeout is 5 s: A must send before it runs out.
const DEFAULT_HOLD: Duration = Duration::from_secs(3);
const MAX_HOLD_SECS: f64 = 5.0;

/// How long either client waits for its answer beyond A's silence: a server
/// that never answers, or never closes, cannot keep this command waiting.
const ANSWER_SLACK: Duration = Duration::from_secs(10);

const USAGE: &str = "usage: lesson-demo two-clients [URL] [--hold SECS] [--lang ja|en]
  URL          default http://127.0.0.1:8080/index.html (start a chapter first)
  --hold SECS  how long client A stays silent: above 0 and below 5 (the
               servers' default read timeout), default 3
  --lang       language of the report; default from LANG (ja when it starts with \"ja\")";

/// Runs the experiment; `args` are what follows `two-clients`.
pub fn main(args: &[String]) -> ExitCode {
    let options = match Options::parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("error: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    url: String,
    target: Target,
    path: String,
    hold: Duration,
    ja: bool,
}

impl Options {
    /// `Ok(None)` for `--help`.
    fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut url = DEFAULT_URL.to_owned();
        let mut hold = DEFAULT_HOLD;
        let mut ja = std::env::var("LANG").is_ok_and(|lang| lang.starts_with("ja"));
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                "--hold" => {
                    let secs = args.next().and_then(|s| s.parse::<f64>().ok());
                    hold = match secs {
                        Some(secs) if secs > 0.0 && secs < MAX_HOLD_SECS => {
                            Duration::from_secs_f64(secs)
                        }
                        _ => {
                            return Err("--hold takes seconds, above 0 and below the servers' \
                                        5 s read timeout"
                                .into());
                        }
                    };
                }
                "--lang" => {
                    ja = match args.next().map(String::as_str) {
                        Some("ja") => true,
                        Some("en") => false,
                        _ => return Err("--lang takes ja or en".into()),
                    }
                }
                other if other.starts_with('-') => {
                    return Err(format!("unexpected option '{other}'"));
                }
                other => other.clone_into(&mut url),
            }
        }
        let lang = if ja { Lang::Ja } else { Lang::En };
        // Every address the host resolves to is tried: on macOS and Windows
        // `localhost` is `::1` first, and the chapters listen on 127.0.0.1.
        let target = Target::parse(&url).map_err(|err| err.get(lang).to_owned())?;
        let path = url_path(&url);
        Ok(Some(Options {
            url,
            target,
            path,
            hold,
            ja,
        }))
    }
}

/// How long client A stays silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// This long, whatever happens: the command's experiment, as the reader
    /// watches it.
    For(Duration),
    /// Until B has its answer (or has failed), at most this long: a test's
    /// experiment, which asks "was B answered while A was silent?" without
    /// a clock that a busy machine could beat. A server that answers one
    /// client at a time keeps A silent the whole time; a threaded one lets
    /// A speak as soon as B is done.
    UntilBAnswered(Duration),
}

impl From<Duration> for Hold {
    fn from(hold: Duration) -> Hold {
        Hold::For(hold)
    }
}

impl Hold {
    /// The longest A can stay silent.
    pub fn longest(self) -> Duration {
        match self {
            Hold::For(d) | Hold::UntilBAnswered(d) => d,
        }
    }
}

/// What happened, in the order it happened.
#[derive(Debug, Clone, Copy)]
enum Event {
    AConnected,
    BSent,
    BAnswered(u16),
    ASent,
    AAnswered(u16),
}

/// What the experiment showed.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// B was answered before A sent its request: the server serves clients
    /// in parallel.
    pub b_answered_while_a_silent: bool,
    /// When B's answer arrived, counted from A's connection.
    pub b_answered_at: Duration,
}

fn run(options: &Options) -> Result<(), String> {
    println!("{}", header(options));
    let (path, hold, ja) = (&options.path, options.hold, options.ja);
    let outcome = experiment(&options.target, path, hold, ja, &mut |line| {
        println!("{line}")
    })
    .map_err(|err| match err {
        Failure::NotListening(why) => nothing_listening(why, options),
        Failure::Client(message) => message,
    })?;
    println!("{}", verdict(outcome, ja));
    Ok(())
}

/// Why the experiment could not finish.
#[derive(Debug)]
pub enum Failure {
    /// Client A could not connect: no server is running there.
    NotListening(String),
    /// A client got no proper answer; the message says what it saw.
    Client(String),
}

/// A connects and stays silent (see [`Hold`]); B asks for `path` meanwhile.
/// Each event goes to `print` as a line the moment it happens. Both clients
/// read their answers under limits of time and size (the checker's client),
/// so a server that never answers, never closes or answers forever only
/// makes this fail with a plain message.
///
/// The verdict compares two stamps on one clock: A's before its request
/// leaves, and B's when B has read its whole answer. A server that answers
/// one client at a time cannot answer B before A's request, so there B's
/// stamp always comes later, however busy the machine.
pub fn experiment(
    target: &Target,
    path: &str,
    hold: impl Into<Hold>,
    ja: bool,
    print: &mut dyn FnMut(String),
) -> Result<Outcome, Failure> {
    let hold = hold.into();
    let lang = if ja { Lang::Ja } else { Lang::En };
    let request = target.request("GET", path);
    let expect = Expect {
        timeout: hold.longest() + ANSWER_SLACK,
        ..Expect::default()
    };
    let failed = move |client: &str, err: FetchError| {
        Failure::Client(format!("{client}: {}", err.describe().get(lang)))
    };
    let mut a = target
        .connect()
        .map_err(|err| Failure::NotListening(err.describe().get(lang).to_owned()))?;
    let zero = Instant::now();
    let (events, arrived) = mpsc::channel();
    // Sent here, before either client starts, so it is always the first line.
    let _ = events.send((Event::AConnected, Duration::ZERO));
    // B drops its end when it is done, answered or not: A's hold may end then.
    let (b_done, b_finished) = mpsc::channel::<()>();
    let request = &request;
    thread::scope(|scope| {
        // Each event is stamped where it happens; this thread only prints.
        let a_events = events.clone();
        let a_client = scope.spawn(move || -> Result<(), Failure> {
            match hold {
                // The book's slow request: connected, nothing sent yet.
                Hold::For(hold) => thread::sleep(hold),
                Hold::UntilBAnswered(at_most) => {
                    let _ = b_finished.recv_timeout(at_most);
                }
            }
            // Stamp the send before writing: once the bytes are out, the
            // server may answer B before this thread runs again.
            let sent = zero.elapsed();
            let _ = a_events.send((Event::ASent, sent));
            let reply = send_and_read(&mut a, request, expect).map_err(|e| failed("A", e))?;
            // When the answer was complete, not when reading gave up waiting
            // for a close that a reader's server may forget.
            let _ = a_events.send((Event::AAnswered(reply.status), sent + reply.elapsed));
            Ok(())
        });
        // B comes a moment after A, as a second visitor would. (A is first in
        // the server's queue either way: it connected before the clock started.)
        thread::sleep(Duration::from_millis(100));
        let b_client = scope.spawn(move || -> Result<(), Failure> {
            let _b_done = b_done;
            let mut b = target.connect().map_err(|e| failed("B", e))?;
            // One instant starts B's clock and its stamp: the answer's stamp
            // is then when B had read it all, never earlier.
            let started = Instant::now();
            let _ = events.send((Event::BSent, started - zero));
            // A server may close before reading all of it; what it answered
            // still counts, and a failure shows in the reading.
            let _ = b.write_all(request);
            let reply = read_answer(&mut b, started, expect).map_err(|e| failed("B", e))?;
            let at = (started - zero) + reply.elapsed;
            let _ = events.send((Event::BAnswered(reply.status), at));
            Ok(())
        });

        // Whether A had sent its request yet: a server that answers B
        // before that serves clients in parallel; one that answers one
        // client at a time cannot answer B until it has finished with A.
        let mut a_sent_at = None;
        let mut b_answered = None;
        // The loop ends when both clients have finished (or failed) and
        // dropped their senders.
        for (event, at) in arrived {
            // A's send is stamped before its bytes go out, so it arrives
            // here before any answer that could depend on it.
            let a_sent = a_sent_at.is_some_and(|sent| sent <= at);
            match event {
                Event::ASent => a_sent_at = Some(at),
                Event::BAnswered(_) => b_answered = Some((a_sent, at)),
                _ => {}
            }
            let line = describe(&event, a_sent, path, hold, ja);
            print(format!("{:>9.1} ms  {line}", ms(at)));
        }
        let panicked = |client: &str| Failure::Client(format!("client {client} panicked"));
        let a_result = a_client.join().map_err(|_| panicked("A"))?;
        let b_result = b_client.join().map_err(|_| panicked("B"))?;
        a_result.and(b_result)?;
        let (a_sent_first, at) =
            b_answered.ok_or_else(|| Failure::Client("B got no answer".into()))?;
        Ok(Outcome {
            b_answered_while_a_silent: !a_sent_first,
            b_answered_at: at,
        })
    })
}

/// One event as the reader sees it.
fn describe(event: &Event, a_sent: bool, path: &str, hold: Hold, ja: bool) -> String {
    match *event {
        Event::AConnected => a_connected(hold, ja),
        Event::BSent if ja => format!("B が接続して GET {path} を送りました"),
        Event::BSent => format!("B connected and sent GET {path}"),
        Event::BAnswered(status) => match (ja, a_sent) {
            (true, false) => format!("B に {status} が返りました（A はまだ何も送っていません）"),
            (true, true) => format!("B に {status} が返りました（A がリクエストを送ったあと）"),
            (false, false) => format!("B got {status}, while A had still sent nothing"),
            (false, true) => format!("B got {status}, only after A sent its request"),
        },
        Event::ASent if ja => format!("A が GET {path} を送りました"),
        Event::ASent => format!("A sent GET {path}"),
        Event::AAnswered(status) if ja => format!("A に {status} が返りました"),
        Event::AAnswered(status) => format!("A got {status}"),
    }
}

/// A's first line: how long it will stay silent.
fn a_connected(hold: Hold, ja: bool) -> String {
    match (hold, ja) {
        (Hold::For(hold), true) => {
            format!("A が接続しました。{} 秒間なにも送りません", secs(hold))
        }
        (Hold::For(hold), false) => format!("A connected; it sends nothing for {} s", secs(hold)),
        (Hold::UntilBAnswered(at_most), true) => format!(
            "A が接続しました。B に応答が返るまで（長くて {} 秒）なにも送りません",
            secs(at_most)
        ),
        (Hold::UntilBAnswered(at_most), false) => format!(
            "A connected; it sends nothing until B is answered (at most {} s)",
            secs(at_most)
        ),
    }
}

fn header(options: &Options) -> String {
    let hold = secs(options.hold);
    if options.ja {
        format!(
            "クライアント 2 個で {} を取得します（A は {hold} 秒間リクエストを送りません）",
            options.url
        )
    } else {
        format!(
            "two clients for {} (A holds its request for {hold} s)",
            options.url
        )
    }
}

/// The lesson in one line: was B answered while A was still silent?
fn verdict(outcome: Outcome, ja: bool) -> String {
    let at = outcome.b_answered_at;
    match (outcome.b_answered_while_a_silent, ja) {
        (true, true) => {
            "→ 並列に処理しています：A が黙っている間に B は応答を受け取りました。".to_owned()
        }
        (true, false) => "→ parallel: B was answered while A was still silent.".to_owned(),
        (false, true) => format!(
            "→ クライアントを 1 個ずつ処理しています：B の応答は A のあと、{} 秒後でした。",
            secs(at)
        ),
        (false, false) => format!(
            "→ one at a time: B was answered only after A, {} s in.",
            secs(at)
        ),
    }
}

fn nothing_listening(err: String, options: &Options) -> String {
    if options.ja {
        format!(
            "{err} — サーバーが起動していません。先に `cargo run -p chapter13-threaded` などで起動してください"
        )
    } else {
        format!(
            "{err} — is the server running? Start a chapter first, e.g. `cargo run -p chapter13-threaded`"
        )
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}
