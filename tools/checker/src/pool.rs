//! The column's stages: with `--max-workers N`, N − 1 silent clients leave a
//! worker free; N silent clients make the next client wait, and when one
//! leaves, the waiting client is answered promptly.

use std::thread;
use std::time::Duration;

use crate::causes::hint;
use crate::client::dur;
use crate::text::CH13_POOL;
use crate::threads::{
    AFTER_RELEASE, SETTLE, SILENT_HOLD, Silence, get_beside_silent_clients, judge_beside_silent,
    silent_repro,
};
use crate::{AT_ONCE, Ctx, Group, Outcome, Stage, Text};

/// With every worker held, how long the next client must go unanswered.
pub const BOUND_HOLD: Duration = Duration::from_millis(1500);
/// After a silent client leaves, the waiting client is answered within this.
pub const PROMPT: Duration = Duration::from_secs(1);

/// The stages.
pub fn stages() -> Vec<Stage> {
    vec![
        Stage {
            id: "pool-free-worker",
            group: Group::Pool,
            title: Text::new(
                "何も送らないクライアントが N − 1 個でも、空いたワーカーがすぐ応答する",
                "with N − 1 silent clients, a free worker answers at once",
            ),
            source: CH13_POOL,
            advice: hint(
                "スレッドプール（ThreadPoolExecutor(max_workers=N)）に submit します。クライアント N 個までは同時に応答できるはずです",
                "submit each client to a pool (ThreadPoolExecutor(max_workers=N)): up to N clients are served at the same time",
                "クライアントをワーカー N 個のプールに任せます：pool.submit(move || worker::run(client_socket, address, &config))（pool::ThreadPool::new(max_workers)、--max-workers N）。クライアント N 個までは同時に応答できるはずです",
                "hand each client to a pool of N workers, pool.submit(move || worker::run(client_socket, address, &config)) (pool::ThreadPool::new(max_workers), --max-workers N): up to N clients are served at the same time",
            ),
            needs: &["index", "silent-client"],
            run: free_worker,
        },
        Stage {
            id: "pool-bound",
            group: Group::Pool,
            title: Text::new(
                "何も送らないクライアントが N 個だと次は待たされ、1 個閉じればすぐ応答する",
                "N silent clients make the next wait; when one closes, it is answered",
            ),
            source: CH13_POOL,
            advice: hint(
                "スレッドの数に上限を付けます（ThreadPoolExecutor(max_workers=N)）。上限がなければクライアントの数だけスレッドができます",
                "bound the number of threads (ThreadPoolExecutor(max_workers=N)); without a bound, every client gets a thread",
                "スレッドの数に上限を付けます：クライアントごとの thread::Builder::spawn ではなく、ワーカー N 個のプールの pool.submit(...)（--max-workers N）。上限がなければクライアントの数だけスレッドができます",
                "bound the number of threads: a pool of N workers, pool.submit(...) (--max-workers N), instead of a thread::Builder::spawn per client; without a bound, every client gets a thread",
            ),
            needs: &["index", "silent-client"],
            run: bound,
        },
    ]
}

fn free_worker(ctx: &Ctx) -> Outcome {
    let n = ctx.max_workers;
    let path = ctx.target.path("index.html");
    let repro = silent_repro(
        ctx,
        &path,
        Text::new(
            format!(
                "何も送らないクライアント。{} 個をそれぞれ別のターミナルで開き、つないだままにする",
                n - 1
            ),
            format!(
                "a client that sends nothing: open {} of these, each in its own terminal, and leave them open",
                n - 1
            ),
        ),
        Text::new(
            "もう一つ別のターミナルで。すぐ応答が来るはず",
            "in one more terminal: it should be answered at once",
        ),
    );
    let silence = Silence {
        clients: n - 1,
        hold: SILENT_HOLD,
        release: n - 1,
        after: AFTER_RELEASE,
    };
    match get_beside_silent_clients(ctx.target, &path, silence, || thread::sleep(SETTLE)) {
        Ok(held) => judge_beside_silent(&held, n - 1, Some(n), ctx.chapter, repro),
        Err(err) => Outcome::failed_fetch(&err, None, repro),
    }
}

fn bound(ctx: &Ctx) -> Outcome {
    let n = ctx.max_workers;
    let path = ctx.target.path("index.html");
    let repro = silent_repro(
        ctx,
        &path,
        Text::new(
            format!(
                "何も送らないクライアント。{n} 個をそれぞれ別のターミナルで開き、つないだままにする"
            ),
            format!(
                "a client that sends nothing: open {n} of these, each in its own terminal, and leave them open"
            ),
        ),
        Text::new(
            "もう一つ別のターミナルで。待たされるので、何も送らないクライアントを 1 個 Ctrl+C で閉じると応答が来る",
            "in one more terminal: it waits; close one silent client with Ctrl+C, and it is answered",
        ),
    );
    let silence = Silence {
        clients: n,
        hold: BOUND_HOLD,
        release: 1,
        after: AFTER_RELEASE,
    };
    let held = match get_beside_silent_clients(ctx.target, &path, silence, || thread::sleep(SETTLE))
    {
        Ok(held) => held,
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    let status = held.reply.as_ref().map(|r| r.status);
    if let Ok(status) = status
        && status != 200
    {
        return Outcome::fail(
            Text::new(
                format!("{status} が返りました（200 のはず）"),
                format!("got {status} instead of 200"),
            ),
            repro,
        );
    }
    let waited = dur(held.waited);
    if held.answered_before_release() && held.waited < AT_ONCE {
        return Outcome::fail(
            Text::new(
                format!(
                    "何も送らないクライアント {n} 個が接続しているのに、次のクライアントに {}で応答しました：このサーバーは同時に {n} 個より多くのクライアントに応答します。上限がないか、{n} より大きい上限です（プールの上限が {n} でなければ --max-workers で指定してください）",
                    waited.ja
                ),
                format!(
                    "answered in {} although {n} silent clients were connected: this server answers more than {n} clients at a time, with no bound or a bound above {n} (if your pool's limit is not {n}, give it with --max-workers)",
                    waited.en
                ),
            ),
            repro,
        );
    }
    if held.answered_before_release() {
        // Waited, then a read timeout of the server freed a worker.
        return Outcome::pass(
            Text::new(
                format!(
                    "何も送らないクライアント {n} 個の間、次のクライアントは {} 待ち、サーバーの読み込みタイムアウトで空いたワーカーが応答しました",
                    waited.ja
                ),
                format!(
                    "with {n} silent clients the next client waited {}, until the server's read timeout freed a worker",
                    waited.en
                ),
            ),
            repro,
        );
    }
    let hold = dur(BOUND_HOLD);
    match held.after_release() {
        Some(after) if after < PROMPT => Outcome::pass(
            Text::new(
                format!(
                    "何も送らないクライアント {n} 個の間、次のクライアントは {}以上待ち、1 個閉じてから {}で応答されました",
                    hold.ja,
                    dur(after).ja
                ),
                format!(
                    "with {n} silent clients the next client waited over {}; {} after one closed, it was answered",
                    hold.en,
                    dur(after).en
                ),
            ),
            repro,
        ),
        Some(after) => Outcome::fail(
            Text::new(
                format!(
                    "何も送らないクライアントを 1 個閉じてから、応答まで {}かかりました",
                    dur(after).ja
                ),
                format!(
                    "answered only {} after a silent client closed",
                    dur(after).en
                ),
            ),
            repro,
        ),
        None => {
            let err = held
                .reply
                .as_ref()
                .err()
                .cloned()
                .unwrap_or(crate::FetchError::Closed);
            let mut outcome = Outcome::failed_fetch(
                &err,
                Some(Text::new(
                    "何も送らないクライアントを 1 個閉じたあと",
                    "after a silent client closed",
                )),
                repro,
            );
            outcome.unresponsive = false; // a sequential server is busy with the next silent one
            outcome.measured = outcome.measured.join(
                "",
                &Text::new(
                    format!("。プールの上限が {n} より小さければ、1 個閉じても空くワーカーはありません。上限が {n} でなければ --max-workers で指定してください"),
                    format!(" (a pool whose limit is below {n} has no worker free even then: if yours is not {n}, give it with --max-workers)"),
                ),
            );
            outcome
        }
    }
}
