//! The column's stages: with `--max-workers N`, N − 1 silent clients leave a
//! worker free; N silent clients make the next client wait, and when one
//! leaves, the waiting client is answered promptly.

use std::thread;
use std::time::Duration;

use crate::client::secs;
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
                "N − 1 人が黙っていても、空いたワーカーがすぐ応答する",
                "with N − 1 silent clients, a free worker answers at once",
            ),
            source: CH13_POOL,
            advice: Text::new(
                "スレッドプール（ThreadPoolExecutor(max_workers=N)）に submit します。N 人までは同時に応答できるはずです",
                "submit each client to a pool (ThreadPoolExecutor(max_workers=N)): up to N clients are served at the same time",
            ),
            run: free_worker,
        },
        Stage {
            id: "pool-bound",
            group: Group::Pool,
            title: Text::new(
                "N 人が黙っていると次は待たされ、1 人去ればすぐ応答する",
                "N silent clients make the next wait; when one leaves, it is answered",
            ),
            source: CH13_POOL,
            advice: Text::new(
                "スレッドの数に上限を付けます（ThreadPoolExecutor(max_workers=N)）。上限がなければクライアントの数だけスレッドができます",
                "bound the number of threads (ThreadPoolExecutor(max_workers=N)); without a bound, every client gets a thread",
            ),
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
            format!("何も送らないクライアント。{} 個開く", n - 1),
            format!("a client that sends nothing; open {}", n - 1),
        ),
    );
    let silence = Silence {
        clients: n - 1,
        hold: SILENT_HOLD,
        release: n - 1,
        after: AFTER_RELEASE,
    };
    match get_beside_silent_clients(ctx.target, &path, silence, || thread::sleep(SETTLE)) {
        Ok(held) => judge_beside_silent(&held, n - 1, repro),
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
            format!("何も送らないクライアント。{n} 個開き、待たされたら 1 つ閉じる"),
            format!("a client that sends nothing; open {n}, and close one while the next waits"),
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
    if held.answered_before_release() && held.waited < AT_ONCE {
        return Outcome::fail(
            Text::new(
                format!(
                    "黙っているクライアント {n} 人がいるのに、次のクライアントに {} で応答しました：ワーカーの数に {n} の上限がありません",
                    secs(held.waited)
                ),
                format!(
                    "answered in {} although {n} silent clients were connected: nothing bounds the workers at {n}",
                    secs(held.waited)
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
                    "黙っているクライアント {n} 人の間、次のクライアントは {} 待ち、サーバーの読み取りタイムアウトで空いたワーカーが応答しました",
                    secs(held.waited)
                ),
                format!(
                    "with {n} silent clients the next client waited {}, until the server's read timeout freed a worker",
                    secs(held.waited)
                ),
            ),
            repro,
        );
    }
    match held.after_release() {
        Some(after) if after < PROMPT => Outcome::pass(
            Text::new(
                format!(
                    "黙っているクライアント {n} 人の間、次のクライアントは {} 以上待ち、1 人が去ってから {} で応答されました",
                    secs(BOUND_HOLD),
                    secs(after)
                ),
                format!(
                    "with {n} silent clients the next client waited over {}; {} after one left, it was answered",
                    secs(BOUND_HOLD),
                    secs(after)
                ),
            ),
            repro,
        ),
        Some(after) => Outcome::fail(
            Text::new(
                format!(
                    "黙っているクライアントが 1 人去ってから、応答まで {} かかりました",
                    secs(after)
                ),
                format!("answered only {} after a silent client left", secs(after)),
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
                    "黙っているクライアントが 1 人去ったあと",
                    "after a silent client left",
                )),
                repro,
            );
            outcome.unresponsive = false; // a sequential server is busy with the next silent one
            outcome
        }
    }
}
