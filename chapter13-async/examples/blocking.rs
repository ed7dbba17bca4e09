//! What one blocking call costs the runtime, measured:
//!
//!     cargo run -p chapter13-async --example blocking
//!
//! A heartbeat task wants to wake every 10 ms and notes how late it wakes.
//! Meanwhile four tasks, twice the runtime's two worker threads, each wait
//! 300 ms, three ways:
//!
//! 1. `tokio::time::sleep(..).await`: the task gives its thread back while
//!    it waits; the heartbeat stays on time.
//! 2. `std::thread::sleep(..)`, a blocking call: each task keeps its worker
//!    thread for the whole 300 ms, and every other task on those threads,
//!    the heartbeat and the other two waiting tasks included, waits for it:
//!    the four take 600 ms instead of 300. In the server a blocking file
//!    read or a `std::sync` lock held too long does the same to every client.
//! 3. The same blocking call inside `tokio::task::spawn_blocking`: it runs on
//!    a thread set aside for blocking work; the heartbeat stays on time.
//!
//! The runtime has two workers here whatever the machine, so that the
//! numbers mean the same everywhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The runtime's worker threads.
const WORKERS: usize = 2;
/// How often the heartbeat wants to wake.
const TICK: Duration = Duration::from_millis(10);
/// How many tasks wait: more than there are workers.
const NAPPERS: usize = 2 * WORKERS;
/// How long each of the waiting tasks waits.
const NAP: Duration = Duration::from_millis(300);

#[derive(Clone, Copy)]
enum Way {
    Await,
    Block,
    SpawnBlocking,
}

fn main() -> std::io::Result<()> {
    // As in main.rs, the runtime `#[tokio::main]` would build, with two workers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()?;
    runtime.block_on(compare());
    Ok(())
}

/// Measures the three ways and prints a line for each.
async fn compare() {
    let ja = std::env::var("LANG").is_ok_and(|lang| lang.starts_with("ja"));
    if ja {
        println!(
            "ワーカースレッド {WORKERS} 個のランタイムで、タスク {NAPPERS} 個がそれぞれ {} ミリ秒待ちます。\
             その間、{} ミリ秒ごとに起きたいタスク（heartbeat）がどれだけ遅れたかを測ります",
            NAP.as_millis(),
            TICK.as_millis()
        );
    } else {
        println!(
            "{NAPPERS} tasks each wait {} ms on a runtime of {WORKERS} worker threads, while a heartbeat \
             task that wants to wake every {} ms notes how late it wakes",
            NAP.as_millis(),
            TICK.as_millis()
        );
    }
    for way in [Way::Await, Way::Block, Way::SpawnBlocking] {
        let (took, late) = measure(way).await;
        let name = match way {
            Way::Await => "tokio::time::sleep(..).await",
            Way::Block => "std::thread::sleep(..)",
            Way::SpawnBlocking => "spawn_blocking(|| std::thread::sleep(..))",
        };
        let (took, late) = (took.as_secs_f64() * 1000.0, late.as_secs_f64() * 1000.0);
        if ja {
            println!(
                "  {name:<42} 全部終わるまで {took:6.1} ms、heartbeat の遅れは最大 {late:6.1} ms"
            );
        } else {
            println!(
                "  {name:<42} all done in {took:6.1} ms, heartbeat late by up to {late:6.1} ms"
            );
        }
    }
}

/// Runs the heartbeat beside [`NAPPERS`] tasks that wait [`NAP`] the given
/// way; returns how long the tasks took and the heartbeat's worst lateness.
async fn measure(way: Way) -> (Duration, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let heart = tokio::spawn(heartbeat(Arc::clone(&stop)));
    // Let the heartbeat get going first.
    tokio::time::sleep(5 * TICK).await;
    let started = Instant::now();
    let naps: Vec<_> = (0..NAPPERS)
        .map(|_| {
            tokio::spawn(async move {
                match way {
                    Way::Await => tokio::time::sleep(NAP).await,
                    Way::Block => std::thread::sleep(NAP),
                    Way::SpawnBlocking => tokio::task::spawn_blocking(|| std::thread::sleep(NAP))
                        .await
                        .expect("the blocking nap does not panic"),
                }
            })
        })
        .collect();
    for nap in naps {
        nap.await.expect("a nap does not panic");
    }
    let took = started.elapsed();
    // A few more ticks, so that a heartbeat stalled until now is measured.
    tokio::time::sleep(5 * TICK).await;
    stop.store(true, Ordering::Relaxed);
    let late = heart.await.expect("the heartbeat does not panic");
    (took, late)
}

/// Sleeps [`TICK`] again and again until `stop`; returns the most it woke
/// late.
async fn heartbeat(stop: Arc<AtomicBool>) -> Duration {
    let mut worst = Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        let before = Instant::now();
        tokio::time::sleep(TICK).await;
        worst = worst.max(before.elapsed().saturating_sub(TICK));
    }
    worst
}
