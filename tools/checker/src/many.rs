//! The async step's stage: hundreds of silent clients held open at once,
//! and a new client answered at once beside them.
//!
//! A sequential server and a bounded pool fail it by design (the new client
//! waits behind the silent ones); a thread per client passes at the cost of
//! one thread per silent client, which the report states when it can see
//! the server's threads (Linux, the server on this machine); a task per
//! client passes on a few threads.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::basics::curl;
use crate::client::{Expect, FetchError, Reply, Target, dur, send_and_read};
// Where they were before `procnet` held them.
use crate::causes::hint;
pub use crate::procnet::{listening_inode, server_pid, thread_count};
use crate::text::Source;
use crate::threads::SETTLE;
use crate::{AT_ONCE, Ctx, Group, Hint, Outcome, Stage, Text};

/// How many silent clients the stage holds: far more than a pool's workers,
/// far fewer than any open-files limit a reader meets (macOS starts a
/// terminal at 256, but the checker raises its own limit; see
/// [`crate::client::raise_open_files_limit`]).
pub const MANY: usize = 1000;
/// How long the new client waits for its answer before the stage gives up
/// (the verdict is [`AT_ONCE`]; the rest only says how long it took).
pub const FRESH_WAIT: Duration = Duration::from_secs(3);
/// Descriptors the checker keeps for itself beside the silent clients.
const SPARE_FILES: u64 = 32;
/// New clients tried in all, while each is answered but not [`AT_ONCE`]: a
/// machine that stalls for a second (a shared CI runner, Wine) delays one
/// answer, while a pool delays every one past [`FRESH_WAIT`], so a late
/// answer is tried again and a missing one is not.
pub const FRESH_TRIES: usize = 3;

/// Where the guide teaches the step (the book has no code for it).
pub const CH13_ASYNC: Source = Source {
    book_ja: "本にはありません（本の先：nginx のように、クライアントごとにスレッドではなくタスクを使う）",
    book_en: "not in the book (past chapter 13's column: a task per client instead of a thread, as nginx does)",
    guide: "chapter13-async.md",
};

/// The stage.
pub fn stages() -> Vec<Stage> {
    vec![Stage {
        id: "many-silent",
        group: Group::Async,
        needs: &["index"],
        title: Text::new(
            format!(
                "何も送らないクライアントが {MANY} 個つながっていても、新しいクライアントにすぐ応答する"
            ),
            format!("with {MANY} silent clients connected, a new client is answered at once"),
        ),
        source: CH13_ASYNC,
        advice: hint(
            "クライアントごとにスレッドではなくタスクを作ります（asyncio.start_server と async def のハンドラー）。上限つきのプールでは上限を超えたクライアントが待たされ、クライアントごとのスレッドではクライアントの数だけスレッドが要ります",
            "give each client a task instead of a thread (asyncio.start_server with an async def handler): a bounded pool makes the clients past its bound wait, and a thread per client needs as many threads as clients",
            "クライアントごとにスレッドではなくタスクを作ります：tokio::spawn(async move { worker::run(client_socket, address, &config).await })（chapter13-async）。上限つきのプールでは上限を超えたクライアントが待たされ、クライアントごとのスレッドではクライアントの数だけスレッドが要ります",
            "give each client a task instead of a thread, tokio::spawn(async move { worker::run(client_socket, address, &config).await }) (chapter13-async): a bounded pool makes the clients past its bound wait, and a thread per client needs as many threads as clients",
        ),
        run: many_silent,
    }]
}

/// What the stage saw.
#[derive(Debug)]
pub struct Crowd {
    /// Silent clients asked for.
    pub asked: usize,
    /// Silent clients connected.
    pub held: usize,
    /// Why connecting stopped short of `asked`, if it did.
    pub stopped: Option<FetchError>,
    /// How long connecting them took.
    pub connecting: Duration,
    /// The server's process and its threads while they were held, when the
    /// checker can see them (Linux, a server on this machine).
    pub threads: Option<(u32, u64)>,
    /// The last new client's answer (`elapsed`: from its request to the
    /// answer's end).
    pub fresh: Result<Reply, FetchError>,
    /// How long each new client before it waited for its 200 (each was
    /// answered, but not [`AT_ONCE`]).
    pub late: Vec<Duration>,
}

/// Connects up to `clients` clients that send nothing (stopping at the
/// first that fails), waits [`SETTLE`] or as long as connecting took, counts
/// the server's threads if it can, then GETs `path` on a new connection,
/// waiting at most `wait` (again on another, up to [`FRESH_TRIES`] in all,
/// while the 200 comes but late).
pub fn crowd(target: &Target, path: &str, clients: usize, wait: Duration) -> Crowd {
    let started = Instant::now();
    let mut silent: Vec<TcpStream> = Vec::with_capacity(clients);
    let mut stopped = None;
    while silent.len() < clients {
        match target.connect() {
            Ok(stream) => silent.push(stream),
            Err(err) => {
                stopped = Some(err);
                break;
            }
        }
    }
    let connecting = started.elapsed();
    // A server accepts about as fast as clients connect, so it may still be
    // catching up with the crowd (under Wine, a thread per client took 1.2 s
    // to connect 1000): the new client should meet a server that has taken
    // them all, not queue behind them. A pool's workers stay held either way.
    std::thread::sleep(SETTLE.max(connecting));
    let threads = target.chosen().and_then(|addr| {
        let pid = server_pid(addr.ip(), addr.port())?;
        Some((pid, thread_count(pid)?))
    });
    let request = target.request("GET", path);
    let expect = Expect {
        timeout: wait,
        ..Expect::default()
    };
    let mut late = Vec::new();
    let fresh = loop {
        let fresh = target
            .connect()
            .and_then(|mut stream| send_and_read(&mut stream, &request, expect));
        match &fresh {
            Ok(reply)
                if reply.status == 200
                    && reply.elapsed >= AT_ONCE
                    && late.len() + 1 < FRESH_TRIES =>
            {
                late.push(reply.elapsed);
            }
            _ => break fresh,
        }
    };
    let held = silent.len();
    drop(silent);
    Crowd {
        asked: clients,
        held,
        stopped,
        connecting,
        threads,
        fresh,
        late,
    }
}

fn many_silent(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    // The checker's own descriptors bound how many it can hold.
    let own = crate::client::raise_open_files_limit();
    let clients = match own {
        Some(limit) if limit < MANY as u64 + SPARE_FILES => {
            limit.saturating_sub(SPARE_FILES).max(1) as usize
        }
        _ => MANY,
    };
    let repro = vec![
        hold_silent(ctx.target.authority(), clients),
        curl(ctx, &path).join(
            "   ",
            &Text::new(
                "（もう一つ別のターミナルで。すぐ応答が来るはず）",
                "(in another terminal: it should be answered at once)",
            ),
        ),
    ];
    let seen = crowd(ctx.target, &path, clients, FRESH_WAIT);
    judge(&seen, own, repro)
}

/// The verdict: ✓ when all the silent clients were held and the new client
/// got 200 within [`AT_ONCE`]; the measurement says how many threads the
/// server used for that, when the checker could see them.
pub fn judge(seen: &Crowd, own_limit: Option<u64>, repro: Vec<Text>) -> Outcome {
    let k = seen.asked;
    let fewer = if k < MANY {
        Text::new(
            format!(
                "（このチェッカーが開けるファイルは {} 個までなので、{MANY} 個ではなく {k} 個）",
                own_limit.unwrap_or(0)
            ),
            format!(
                " (not {MANY}: this checker may open only {} files)",
                own_limit.unwrap_or(0)
            ),
        )
    } else {
        Text::default()
    };
    if let Some(err) = &seen.stopped {
        if matches!(err, FetchError::OwnLimit(_)) {
            return Outcome::failed_fetch(err, None, repro);
        }
        let mut outcome = Outcome::fail(
            Text::new(
                format!(
                    "何も送らないクライアントを {k} 個つなごうとしましたが、{} 個目で止まりました（{}）：サーバーが受け付けないので、接続は listen キューにたまり、キューがいっぱいになると新しい接続は待たされます",
                    seen.held + 1,
                    err.describe().ja
                ),
                format!(
                    "connecting {k} silent clients stopped at client {} ({}): the server does not accept them, so they pile up in its listen queue, and once it is full, new connections wait",
                    seen.held + 1,
                    err.describe().en
                ),
            ),
            repro,
        );
        outcome.unresponsive = false; // the silent clients are gone now
        return outcome.because(waiting_causes(seen.threads, k));
    }
    let threads = match seen.threads {
        Some((pid, threads)) if threads as usize >= k => Text::new(
            format!(
                "。その間サーバー（PID {pid}）のスレッドは {threads} 個でした：クライアント 1 個につきスレッド 1 個です"
            ),
            format!(
                "; meanwhile the server (pid {pid}) ran {threads} threads: a thread per client"
            ),
        ),
        Some((pid, threads)) => Text::new(
            format!("。その間サーバー（PID {pid}）のスレッドは {threads} 個でした"),
            format!("; meanwhile the server (pid {pid}) ran {threads} threads"),
        ),
        None => Text::new(
            format!(
                "（{k} 個をつなぐのに {}。サーバーのスレッド数は、Linux で同じマシンのサーバーのときだけ数えます）",
                dur(seen.connecting).ja
            ),
            format!(
                " (connecting the {k} took {}; the server's threads are counted only on Linux, for a server on this machine)",
                dur(seen.connecting).en
            ),
        ),
    };
    let who = Text::new(
        format!("何も送らないクライアント {k} 個{}", fewer.ja),
        format!("{k} silent clients{}", fewer.en),
    );
    let before = late_before(&seen.late);
    match &seen.fresh {
        Ok(reply) if reply.status != 200 => Outcome::fail(
            Text::new(
                format!("{} が返りました（200 のはず）", reply.status),
                format!("got {} instead of 200", reply.status),
            ),
            repro,
        ),
        Ok(reply) if reply.elapsed < AT_ONCE => Outcome::pass(
            Text::new(
                format!(
                    "{}が接続している間に、新しいクライアントに {}で 200{}{}",
                    who.ja,
                    dur(reply.elapsed).ja,
                    before.ja,
                    threads.ja
                ),
                format!(
                    "a new client got 200 in {} while {} were connected{}{}",
                    dur(reply.elapsed).en,
                    who.en,
                    before.en,
                    threads.en
                ),
            ),
            repro,
        ),
        Ok(reply) => Outcome::fail(
            Text::new(
                format!(
                    "{}が接続している間、新しいクライアントへの応答に {}かかりました{}：上限つきのプールなら、ワーカーが何も送らないクライアントにつかまり、読み込みタイムアウトで空くまで待たされます{}",
                    who.ja,
                    dur(reply.elapsed).ja,
                    before.ja,
                    threads.ja
                ),
                format!(
                    "while {} were connected, a new client waited {} for its answer{}: in a bounded pool, the workers are held by silent clients until a read timeout frees one{}",
                    who.en,
                    dur(reply.elapsed).en,
                    before.en,
                    threads.en
                ),
            ),
            repro,
        )
        .because(waiting_causes(seen.threads, k)),
        Err(err) => {
            let mut outcome = Outcome::failed_fetch(
                err,
                Some(Text::new(
                    format!("{}が接続している間の新しいクライアント", who.ja),
                    format!("a new client while {} were connected", who.en),
                )),
                repro,
            );
            // Waiting behind silent clients is this stage's failure, not a
            // server that stopped answering: they are closed now.
            outcome.unresponsive = false;
            outcome.measured = outcome.measured.join("", &before).join("", &threads);
            // index was answered before the crowd came: no answer now is
            // waiting behind the silent clients, not a missing send.
            if outcome.hint.is_empty() || matches!(err, FetchError::NoAnswer(_)) {
                outcome = outcome.because(waiting_causes(seen.threads, k));
            }
            outcome
        }
    }
}

/// The new clients tried before the last, each answered late: empty when
/// there were none.
fn late_before(late: &[Duration]) -> Text {
    if late.is_empty() {
        return Text::default();
    }
    let ja: Vec<String> = late.iter().map(|d| dur(*d).ja).collect();
    let en: Vec<String> = late.iter().map(|d| dur(*d).en).collect();
    let (ja, en) = (ja.join("、"), en.join(", "));
    if late.len() == 1 {
        Text::new(
            format!("（その前の新しいクライアントは {ja}待ちました）"),
            format!(" (the new client before it waited {en})"),
        )
    } else {
        Text::new(
            format!(
                "（その前の新しいクライアント {} 個は、それぞれ {ja}待ちました）",
                late.len()
            ),
            format!(" (the {} new clients before it waited {en})", late.len()),
        )
    }
}

/// Why a new client waits behind `k` silent ones, most likely first, from
/// the server's thread count when the checker could see it: a few threads
/// that stay put point at a bounded pool, one or two at no thread per
/// client; unseen, both fit.
pub fn waiting_causes(threads: Option<(u32, u64)>, k: usize) -> Vec<Hint> {
    let pool = hint(
        "上限つきのプール（ThreadPoolExecutor(max_workers=N)）：ワーカー N 個が何も送らないクライアントにつかまり、N+1 個目からは待たされます。上限は守ったまま待たせないには、クライアントごとにスレッドではなくタスクを作ります（asyncio.start_server と async def のハンドラー）",
        "a bounded pool (ThreadPoolExecutor(max_workers=N)): its N workers are held by silent clients and client N+1 waits; to keep a bound and not wait, give each client a task instead of a thread (asyncio.start_server with an async def handler)",
        "上限つきのプール（--max-workers N）：ワーカー N 個が何も送らないクライアントにつかまり、N+1 個目からは待たされます。上限は守ったまま待たせないには、クライアントごとにスレッドではなくタスクを作ります（chapter13-async の tokio::spawn）",
        "a bounded pool (--max-workers N): its N workers are held by silent clients and client N+1 waits; to keep a bound and not wait, give each client a task instead of a thread (chapter13-async's tokio::spawn)",
    );
    let sequential = hint(
        "クライアントごとのスレッドもタスクもない：accept したクライアントを serve() のループ自身が処理するので、何も送らないクライアント 1 個で次の accept が止まります（第13章の WorkerThread(...).start()）",
        "no thread or task per client: serve()'s loop handles each accepted client itself, so one silent client stops the next accept (chapter 13's WorkerThread(...).start())",
        "クライアントごとのスレッドもタスクもない：accept したクライアントを serve のループ自身が処理するので、何も送らないクライアント 1 個で次の accept が止まります（第13章の thread::Builder::spawn か、tokio::spawn）",
        "no thread or task per client: serve's loop handles each accepted client itself, so one silent client stops the next accept (chapter 13's thread::Builder::spawn, or tokio::spawn)",
    );
    match threads {
        // The main thread and perhaps one more: nothing runs beside the loop.
        Some((_, n)) if n <= 2 => vec![sequential, pool],
        // Fewer threads than clients: a fixed set of workers.
        Some((_, n)) if (n as usize) < k => vec![pool, sequential],
        _ => vec![pool, sequential],
    }
}

/// A line that holds `clients` silent clients open for a minute, in the
/// Python the reader has (too many to open one terminal each).
fn hold_silent(authority: &str, clients: usize) -> Text {
    let (host, port) = authority.rsplit_once(':').unwrap_or((authority, "80"));
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let python = if cfg!(windows) { "python" } else { "python3" };
    let line = format!(
        "{python} -c \"import socket, time; held = [socket.create_connection(('{host}', {port})) for _ in range({clients})]; time.sleep(60)\""
    );
    Text::new(
        format!(
            "{line}   （何も送らないクライアント {clients} 個を 60 秒つないだままにする。macOS では先に ulimit -n 4096）"
        ),
        format!(
            "{line}   ({clients} clients that send nothing, held for 60 s; on macOS run ulimit -n 4096 first)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;
    use std::thread;

    use super::*;

    /// Reads one request head and answers it with a small 200.
    fn answer(mut stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
        let mut head = Vec::new();
        let mut buf = [0; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        );
    }

    /// A server on port 0 whose accept loop runs on `loops` threads, each
    /// handing every client to a new thread (`per_client`) or serving it
    /// itself (a pool of `loops` workers).
    fn server(loops: usize, per_client: bool) -> Target {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").expect("bind"));
        let addr = listener.local_addr().expect("address");
        for _ in 0..loops {
            let listener = Arc::clone(&listener);
            thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    if per_client {
                        thread::spawn(move || answer(stream));
                    } else {
                        answer(stream);
                    }
                }
            });
        }
        Target::from_addr(addr)
    }

    /// A thread per client that answers its first `late` requests only
    /// after [`AT_ONCE`] and a little more (a stalled machine, or a
    /// server that is always slow when `late` is large).
    fn server_late(late: usize) -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let left = Arc::new(std::sync::atomic::AtomicUsize::new(late));
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let left = Arc::clone(&left);
                thread::spawn(move || {
                    // Silent clients send nothing: only a request is delayed.
                    let mut first = [0; 1];
                    if stream.peek(&mut first).unwrap_or(0) == 0 {
                        return;
                    }
                    let was = left.fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1));
                    if was.is_ok() {
                        thread::sleep(AT_ONCE + Duration::from_millis(200));
                    }
                    answer(stream);
                });
            }
        });
        Target::from_addr(addr)
    }

    #[test]
    fn a_late_answer_is_tried_again_and_the_report_says_so() {
        let seen = crowd(&server_late(1), "/index.html", 20, FRESH_WAIT);
        assert_eq!(seen.late.len(), 1, "{:?}", seen.late);
        assert!(seen.late[0] >= AT_ONCE, "{:?}", seen.late);
        let outcome = judge(&seen, None, Vec::new());
        assert!(outcome.passed, "{}", outcome.measured.en);
        let (en, ja) = (&outcome.measured.en, &outcome.measured.ja);
        assert!(en.contains("(the new client before it waited 1."), "{en}");
        assert!(ja.contains("（その前の新しいクライアントは 1."), "{ja}");
    }

    #[test]
    fn answers_that_are_always_late_fail_after_three_new_clients() {
        let seen = crowd(&server_late(usize::MAX), "/index.html", 20, FRESH_WAIT);
        assert_eq!(seen.late.len(), FRESH_TRIES - 1, "{:?}", seen.late);
        let outcome = judge(&seen, None, Vec::new());
        assert!(!outcome.passed, "{}", outcome.measured.en);
        let en = &outcome.measured.en;
        assert!(en.contains("a new client waited 1."), "{en}");
        assert!(
            en.contains("(the 2 new clients before it waited 1."),
            "{en}"
        );
        let ja = &outcome.measured.ja;
        assert!(
            ja.contains("その前の新しいクライアント 2 個は、それぞれ 1."),
            "{ja}"
        );
    }

    /// Silent clients for the tests below: a few hundred show a thread per
    /// client as well as the stage's thousand (the stage itself meets its
    /// thousand in the async step's tests), and connect in a blink where a
    /// thousand, each with a new thread of this process, take seconds
    /// (that the crowd then waits out again); fewer where this process
    /// cannot hold them and the server's side of each.
    fn clients() -> usize {
        const FEW: usize = 200;
        match crate::client::raise_open_files_limit() {
            Some(limit) => FEW.min((limit.saturating_sub(2 * SPARE_FILES) / 2) as usize),
            None => FEW,
        }
    }

    #[test]
    fn a_thread_per_client_passes_and_the_report_counts_its_threads() {
        let target = server(1, true);
        let k = clients();
        let seen = crowd(&target, "/index.html", k, FRESH_WAIT);
        assert_eq!((seen.asked, seen.held), (k, k), "{:?}", seen.stopped);
        let outcome = judge(&seen, None, Vec::new());
        assert!(outcome.passed, "{}", outcome.measured.en);
        if cfg!(target_os = "linux") {
            // This test process is the server: one thread per silent client.
            let (pid, threads) = seen.threads.expect("threads seen on Linux");
            assert_eq!(pid, std::process::id());
            assert!(threads as usize >= k, "{threads} threads for {k} clients");
            assert!(
                outcome.measured.en.contains("a thread per client"),
                "{}",
                outcome.measured.en
            );
            assert!(outcome.measured.ja.contains("スレッド 1 個"));
        } else {
            assert!(outcome.measured.en.contains("connecting the"));
        }
    }

    #[test]
    fn a_pool_of_four_fails_and_says_the_new_client_waited() {
        let target = server(4, false);
        // Ten times the workers: four held, the rest queued behind them.
        let seen = crowd(&target, "/index.html", 40, Duration::from_millis(1500));
        let outcome = judge(&seen, None, Vec::new());
        assert!(!outcome.passed, "{}", outcome.measured.en);
        assert!(!outcome.unresponsive, "the later stages still run");
        // Either the listen queue filled while connecting, or the new client
        // waited behind the four held workers.
        let en = &outcome.measured.en;
        assert!(
            en.contains("stopped at client") || en.contains("no answer in 1."),
            "{en}"
        );
        // The hint names the bounded pool first, in both languages.
        let first = outcome.hint.first().expect("a hint from the measurement");
        assert!(first.python.en.starts_with("a bounded pool"), "{:?}", first);
        assert!(
            first.python.ja.starts_with("上限つきのプール"),
            "{:?}",
            first
        );
        assert!(first.rust.en.contains("--max-workers N"), "{:?}", first);
    }

    #[test]
    fn the_thread_count_orders_the_causes() {
        let first = |threads| waiting_causes(threads, 1000)[0].python.en.clone();
        // One or two threads: nothing runs beside the accept loop.
        assert!(first(Some((1, 1))).starts_with("no thread or task per client"));
        assert!(first(Some((1, 2))).starts_with("no thread or task per client"));
        // A fixed handful: a pool's workers.
        assert!(first(Some((1, 18))).starts_with("a bounded pool"));
        // Unseen (not Linux, or a remote server): both, the pool first.
        let unseen = waiting_causes(None, 1000);
        assert_eq!(unseen.len(), 2);
        assert!(unseen[0].python.en.starts_with("a bounded pool"));
    }

    #[test]
    fn the_python_line_holds_the_silent_clients() {
        let line = hold_silent("[::1]:8080", 1000);
        assert!(
            line.en
                .contains("socket.create_connection(('::1', 8080)) for _ in range(1000)"),
            "{}",
            line.en
        );
    }
}
