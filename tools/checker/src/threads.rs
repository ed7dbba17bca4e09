//! Chapter 13's stages: while one client is connected and silent, or
//! trickles its request, the others are answered at once.
//!
//! The measuring functions are public: the chapters' tests call them too
//! (`test-support`'s `chapters.rs`), with their own server options.

use std::net::TcpStream;
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::basics::{CURL, curl};
use crate::causes::{self, hint};
use crate::client::{Expect, FetchError, Reply, Target, dur, send_and_read};
use crate::text::CH13_THREADS;
use crate::{AT_ONCE, Chapter, Ctx, Group, Outcome, Stage, Text};

/// How long the silent client stays before the checker closes it: longer
/// than the chapters' default read timeout (5 s), so that a sequential
/// server shows what its timeout costs.
pub const SILENT_HOLD: Duration = Duration::from_secs(7);
/// After closing silent clients, how long to wait for the held-up answer.
pub const AFTER_RELEASE: Duration = Duration::from_secs(2);
/// How long the slow client takes before it sends its request.
pub const TRICKLE: Duration = Duration::from_secs(3);
/// How many clients arrive while one trickles (the book's ten requests).
pub const FAST: usize = 9;
/// Let silent clients be accepted before the measured client comes.
pub const SETTLE: Duration = Duration::from_millis(300);

/// The stages.
pub fn stages() -> Vec<Stage> {
    let advice = hint(
        "accept したクライアントの処理を新しいスレッドに任せ、すぐ次の accept に戻ります（本の WorkerThread(...).start()）",
        "hand each accepted client to a new thread and go straight back to accept (the book's WorkerThread(...).start())",
        "accept したクライアントの処理を新しいスレッドに任せ、すぐ次の accept に戻ります：thread::Builder::new().spawn(move || worker::run(client_socket, address, &config))",
        "hand each accepted client to a new thread and go straight back to accept: thread::Builder::new().spawn(move || worker::run(client_socket, address, &config))",
    );
    vec![
        Stage {
            id: "silent-client",
            group: Group::Threads,
            title: Text::new(
                "何も送らないクライアントがいても、ほかのクライアントにすぐ応答する",
                "a silent client does not hold up another",
            ),
            source: CH13_THREADS,
            advice: advice.clone(),
            needs: &["index"],
            run: silent_client,
        },
        Stage {
            id: "trickle",
            group: Group::Threads,
            title: Text::new(
                "クライアント 1 個がリクエストを送るのに 3 秒かかる間も、ほかのクライアント 9 個にすぐ応答する",
                "one client takes 3 s to send its request, nine others are answered at once",
            ),
            source: CH13_THREADS,
            advice,
            needs: &["index"],
            run: trickle,
        },
    ]
}

/// Silent clients beside a measured GET.
#[derive(Debug, Clone, Copy)]
pub struct Silence {
    /// How many clients connect and send nothing.
    pub clients: usize,
    /// How long they stay, at most, while the GET waits.
    pub hold: Duration,
    /// How many the checker then closes (the first ones connected).
    pub release: usize,
    /// How long the GET may still take after that.
    pub after: Duration,
}

/// What the measured GET saw.
#[derive(Debug, Clone)]
pub struct HeldUp {
    /// From sending the GET to the end of its answer, or to giving up.
    pub waited: Duration,
    /// When the checker closed silent clients, from sending the GET; `None`
    /// if the answer came before.
    pub released_at: Option<Duration>,
    /// The answer.
    pub reply: Result<Reply, FetchError>,
}

impl HeldUp {
    /// Answered, with any status, while every silent client was connected.
    pub fn answered_before_release(&self) -> bool {
        self.released_at.is_none() && self.reply.is_ok()
    }

    /// From the release to the answer, if both happened.
    pub fn after_release(&self) -> Option<Duration> {
        let released = self.released_at?;
        self.reply.as_ref().ok()?;
        Some(self.waited.saturating_sub(released))
    }
}

/// Connects `silence.clients` clients that send nothing, calls `settled`
/// (the checker waits [`SETTLE`]; a test can wait for the server's log),
/// then GETs `path` on a new connection and times it. If no answer comes
/// within `silence.hold`, closes `silence.release` silent clients and waits
/// up to `silence.after` more.
pub fn get_beside_silent_clients(
    target: &Target,
    path: &str,
    silence: Silence,
    settled: impl FnOnce(),
) -> Result<HeldUp, FetchError> {
    let mut silent: Vec<TcpStream> = (0..silence.clients)
        .map(|_| target.connect())
        .collect::<Result<_, _>>()?;
    settled();
    let request = target.request("GET", path);
    let mut stream = target.connect()?;
    let (done, answer) = mpsc::channel();
    let started = Instant::now();
    let expect = Expect {
        timeout: silence.hold + silence.after,
        ..Expect::default()
    };
    thread::scope(|scope| {
        scope.spawn(move || {
            let reply = send_and_read(&mut stream, &request, expect);
            // To the complete answer, not to the end of a wait for a close
            // that a server keeping the connection open never sends.
            let waited = match &reply {
                Ok(reply) => started.elapsed().min(reply.elapsed),
                Err(_) => started.elapsed(),
            };
            let _ = done.send((reply, waited));
        });
        let (reply, waited, released_at) = match answer.recv_timeout(silence.hold) {
            Ok((reply, waited)) => (reply, waited, None),
            Err(_) => {
                silent.drain(..silence.release.min(silent.len()));
                let released = started.elapsed();
                // The reader's own deadline ends the wait.
                let (reply, waited) = answer.recv().unwrap_or((
                    Err(FetchError::Io("the reading thread died".to_owned())),
                    started.elapsed(),
                ));
                (reply, waited, Some(released))
            }
        };
        Ok(HeldUp {
            waited,
            released_at,
            reply,
        })
    })
}

/// The book's scenario, timed: one client sends its request slowly.
#[derive(Debug, Clone)]
pub struct Trickle {
    /// The trickling client's answer (its `elapsed` counts from its first byte).
    pub slow: Result<Reply, FetchError>,
    /// Each other client's answer (`elapsed`: from its request to the answer's end).
    pub fast: Vec<Result<Reply, FetchError>>,
}

impl Trickle {
    /// The other clients' median and longest wait, when all were answered.
    pub fn fast_median_max(&self) -> Option<(Duration, Duration)> {
        let mut times: Vec<Duration> = self
            .fast
            .iter()
            .map(|r| r.as_ref().ok().map(|r| r.elapsed))
            .collect::<Option<_>>()?;
        times.sort();
        Some((*times.get(times.len() / 2)?, *times.last()?))
    }
}

/// One client connects and sends its GET of `path` only after `trickle`
/// (the book's slow request); 200 ms later `fast` clients send theirs at
/// the same moment.
pub fn trickle_scenario(
    target: &Target,
    path: &str,
    trickle: Duration,
    fast: usize,
) -> Result<Trickle, FetchError> {
    let request = target.request("GET", path);
    let mut slow_stream = target.connect()?;
    let _ = slow_stream.set_nodelay(true);
    let fast_request = target.request("GET", path);
    let barrier = Barrier::new(fast);
    let expect = Expect {
        timeout: trickle + Duration::from_secs(4),
        ..Expect::default()
    };
    Ok(thread::scope(|scope| {
        let slow = scope.spawn(move || {
            use std::io::Write;
            let started = Instant::now();
            // Silent, then the whole request at once: the book's code reads
            // once, so a request in pieces would test that instead (--beyond).
            thread::sleep(trickle);
            let sent = slow_stream.write_all(&request);
            if let Err(err) = sent {
                return Err(FetchError::Io(err.to_string()));
            }
            crate::client::read_answer(
                &mut slow_stream,
                started,
                Expect {
                    timeout: trickle + Duration::from_secs(4),
                    ..Expect::default()
                },
            )
        });
        thread::sleep(Duration::from_millis(200)); // the slow client is first in line
        let handles: Vec<_> = (0..fast)
            .map(|_| {
                let (barrier, request) = (&barrier, &fast_request);
                scope.spawn(move || {
                    barrier.wait();
                    let mut stream = target.connect()?;
                    send_and_read(&mut stream, request, expect)
                })
            })
            .collect();
        let fast = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(FetchError::Io("a client thread panicked".to_owned())))
            })
            .collect();
        let slow = slow
            .join()
            .unwrap_or_else(|_| Err(FetchError::Io("the slow client panicked".to_owned())));
        Trickle { slow, fast }
    }))
}

/// The two lines to replay a silent-clients stage: `silent` describes the
/// silent clients to open, `next` what the GET in another terminal sees.
pub(crate) fn silent_repro(ctx: &Ctx, path: &str, silent: Text, next: Text) -> Vec<Text> {
    let telnet = format!("{CURL} telnet://{}", ctx.target.authority());
    vec![
        Text::new(
            format!("{telnet}   （{}）", silent.ja),
            format!("{telnet}   ({})", silent.en),
        ),
        curl(ctx, path).join(
            "   ",
            &Text::new(format!("（{}）", next.ja), format!("({})", next.en)),
        ),
    ]
}

fn silent_client(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let repro = silent_repro(
        ctx,
        &path,
        Text::new(
            "何も送らないクライアント。つないだままにする",
            "a client that sends nothing; leave it open",
        ),
        Text::new("別のターミナルで", "in another terminal"),
    );
    let silence = Silence {
        clients: 1,
        hold: SILENT_HOLD,
        release: 1,
        after: AFTER_RELEASE,
    };
    let held = match get_beside_silent_clients(ctx.target, &path, silence, || thread::sleep(SETTLE))
    {
        Ok(held) => held,
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    judge_beside_silent(&held, 1, None, ctx.chapter, repro)
}

/// ✓ when the GET was answered with 200 within [`AT_ONCE`] while the
/// silent clients were connected. `pool`: the `--max-workers` being checked,
/// when `clients` is one fewer (a worker should have been free).
pub(crate) fn judge_beside_silent(
    held: &HeldUp,
    clients: usize,
    pool: Option<usize>,
    chapter: Chapter,
    repro: Vec<Text>,
) -> Outcome {
    // One client at a time fits several mistakes, all named; a pool
    // smaller than N is the stage's own advice.
    let causes = if pool.is_none() {
        causes::one_at_a_time(chapter)
    } else {
        Vec::new()
    };
    let why = match pool {
        None => Text::new(
            "このサーバーは一度にクライアント 1 個にしか応答しません",
            "this server answers one client at a time",
        ),
        Some(n) => Text::new(
            format!(
                "このサーバーが同時に応答できるクライアントは {clients} 個まで、つまり {n} 個より少ないようです。プールの上限が {n} でなければ、実際の上限を --max-workers で指定してください"
            ),
            format!(
                "this server answers at most {clients} clients at a time, fewer than {n}: if your pool's limit is not {n}, give the real one with --max-workers"
            ),
        ),
    };
    let (who, was) = if clients == 1 {
        (
            Text::new("何も送らないクライアント", "a silent client"),
            "was",
        )
    } else {
        (
            Text::new(
                format!("何も送らないクライアント {clients} 個"),
                format!("{clients} silent clients"),
            ),
            "were",
        )
    };
    match (&held.reply, held.released_at) {
        (Ok(reply), _) if reply.status != 200 => Outcome::fail(
            Text::new(
                format!("{} が返りました（200 のはず）", reply.status),
                format!("got {} instead of 200", reply.status),
            ),
            repro,
        ),
        (Ok(_), None) if held.waited < AT_ONCE => Outcome::pass(
            Text::new(
                format!(
                    "{}が接続している間に、{}で 200",
                    who.ja,
                    dur(held.waited).ja
                ),
                format!(
                    "answered 200 in {} while {} {was} connected",
                    dur(held.waited).en,
                    who.en,
                ),
            ),
            repro,
        ),
        (Ok(_), None) => Outcome::fail(
            Text::new(
                format!(
                    "{}が接続している間、応答に {}かかりました：{}",
                    who.ja,
                    dur(held.waited).ja,
                    why.ja
                ),
                format!(
                    "answered after {} while {} {was} connected: {}",
                    dur(held.waited).en,
                    who.en,
                    why.en
                ),
            ),
            repro,
        )
        .because(causes),
        (Ok(_), Some(released)) => {
            let after = dur(held.waited.saturating_sub(released));
            Outcome::fail(
                Text::new(
                    format!(
                        "{}が接続している {}の間は応答がなく、チェッカーが閉じてから {}後に応答しました：{}",
                        who.ja,
                        dur(released).ja,
                        after.ja,
                        why.ja
                    ),
                    format!(
                        "no answer in the {} {} stayed connected; answered {} after the checker closed {}: {}",
                        dur(released).en,
                        who.en,
                        after.en,
                        if clients == 1 { "it" } else { "them" },
                        why.en
                    ),
                ),
                repro,
            )
            .because(causes)
        }
        (Err(err), _) => {
            let context = Text::new(
                format!("{}が接続している間のリクエスト", who.ja),
                format!("the request while {} {was} connected", who.en),
            );
            let mut outcome = Outcome::failed_fetch(err, Some(context), repro);
            // Not answered even after the silent clients left: the server is stuck.
            outcome.unresponsive = held.released_at.is_some() && outcome.unresponsive;
            outcome
        }
    }
}

fn trickle(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let repro = vec![
        Text::new(
            format!(
                "{CURL} telnet://{}   （3 秒待ってから GET のリクエストを打つ）",
                ctx.target.authority()
            ),
            format!(
                "{CURL} telnet://{}   (wait 3 s, then type a GET request)",
                ctx.target.authority()
            ),
        ),
        curl(ctx, &path).join(
            "   ",
            &Text::new("（別のターミナルで）", "(in another terminal)"),
        ),
    ];
    let run = match trickle_scenario(ctx.target, &path, TRICKLE, FAST) {
        Ok(run) => run,
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    for (i, reply) in run.fast.iter().enumerate() {
        let context = Text::new(
            format!("{} 番目のクライアント", i + 1),
            format!("client {}", i + 1),
        );
        match reply {
            Err(err) => return Outcome::failed_fetch(err, Some(context), repro),
            Ok(reply) if reply.status != 200 => {
                return Outcome::fail(
                    context.then(&Text::new(
                        format!("{} が返りました", reply.status),
                        format!("got {}", reply.status),
                    )),
                    repro,
                );
            }
            Ok(_) => {}
        }
    }
    let Some((median, max)) = run.fast_median_max() else {
        return Outcome::fail(Text::new("応答がありません", "no answers"), repro);
    };
    let (trickle, median, max_text) = (dur(TRICKLE), dur(median), dur(max));
    // The others' wait is the lesson: judged first, whatever became of the
    // slow client (a server that answers one at a time may give up on it).
    if max >= AT_ONCE {
        return Outcome::fail(
            Text::new(
                format!(
                    "クライアント 1 個が {}かけて送る間、ほかのクライアント {FAST} 個への応答は中央値 {}、最大 {}待たされました：このサーバーは一度にクライアント 1 個にしか応答しません",
                    trickle.ja, median.ja, max_text.ja
                ),
                format!(
                    "while one client took {} to send its request, {FAST} others waited {} (median; slowest {}): this server answers one client at a time",
                    trickle.en, median.en, max_text.en
                ),
            ),
            repro,
        )
        .because(causes::one_at_a_time(ctx.chapter));
    }
    let slow = match &run.slow {
        Ok(reply) if reply.status == 200 => reply.elapsed,
        Ok(reply) => {
            return Outcome::fail(
                Text::new(
                    format!(
                        "遅いクライアントに {} が返りました（200 のはず）",
                        reply.status
                    ),
                    format!("the slow client got {} instead of 200", reply.status),
                ),
                repro,
            );
        }
        Err(err) => {
            return Outcome::failed_fetch(
                err,
                Some(Text::new("遅いクライアント", "the slow client")),
                repro,
            );
        }
    };
    let slow = dur(slow);
    Outcome::pass(
        Text::new(
            format!(
                "クライアント 1 個が {}かけて送る間に、ほかのクライアント {FAST} 個に 200（中央値 {}、最大 {}）。遅いクライアントにも {}で 200",
                trickle.ja, median.ja, max_text.ja, slow.ja
            ),
            format!(
                "while one client took {} to send its request, {FAST} others got 200 (median {}, slowest {}); the slow one got 200 after {}",
                trickle.en, median.en, max_text.en, slow.en
            ),
        ),
        repro,
    )
}
