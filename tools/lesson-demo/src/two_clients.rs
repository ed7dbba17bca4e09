//! `lesson-demo two-clients`: the book's two-client experiment as one command
//! that is the same on Linux, macOS and Windows.
//!
//! Client A connects and sends nothing for a while (the book's slow request);
//! meanwhile client B asks for the page. A server that answers one client at
//! a time makes B wait for A; a threaded one answers B at once. Each event is
//! printed the moment it happens, so the reader sees B's answer arrive at
//! once or only after A.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use checker::client::{Expect, FetchError, send_and_read};
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

/// What happened, in the order it happened.
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

/// A connects and stays silent for `hold`; B asks for `path` meanwhile.
/// Each event goes to `print` as a line the moment it happens. Both clients
/// read their answers under limits of time and size (the checker's client),
/// so a server that never answers, never closes or answers forever only
/// makes this fail with a plain message.
pub fn experiment(
    target: &Target,
    path: &str,
    hold: Duration,
    ja: bool,
    print: &mut dyn FnMut(String),
) -> Result<Outcome, Failure> {
    let lang = if ja { Lang::Ja } else { Lang::En };
    let request = target.request("GET", path);
    let expect = Expect {
        timeout: hold + ANSWER_SLACK,
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
    let request = &request;
    thread::scope(|scope| {
        // Each event is stamped where it happens; this thread only prints.
        let a_events = events.clone();
        let a_client = scope.spawn(move || -> Result<(), Failure> {
            let _ = a_events.send((Event::AConnected, zero.elapsed()));
            thread::sleep(hold); // the book's slow request: connected, nothing sent yet
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
        // Let A's connection be first in the server's queue.
        thread::sleep(Duration::from_millis(100));
        let b_client = scope.spawn(move || -> Result<(), Failure> {
            let mut b = target.connect().map_err(|e| failed("B", e))?;
            let _ = events.send((Event::BSent, zero.elapsed()));
            // The answer's clock starts after that send, which may wake the
            // printing thread and switch to it: stamped before the send, a
            // busy machine made B's answer look earlier than it was, even
            // earlier than A's request that a sequential server needed first.
            let started = zero.elapsed();
            let reply = send_and_read(&mut b, request, expect).map_err(|e| failed("B", e))?;
            let _ = events.send((Event::BAnswered(reply.status), started + reply.elapsed));
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
fn describe(event: &Event, a_sent: bool, path: &str, hold: Duration, ja: bool) -> String {
    match *event {
        Event::AConnected if ja => {
            format!("A が接続しました。{} 秒間なにも送りません", secs(hold))
        }
        Event::AConnected => format!("A connected; it sends nothing for {} s", secs(hold)),
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
