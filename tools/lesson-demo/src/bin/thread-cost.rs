//! What creating a thread costs on this machine: a named thread that does
//! nothing is spawned and joined, many times; prints the median in µs.
//! `chapter13-threaded` pays this once per client; a pool pays it once per
//! worker. `tools/scripts/bench.sh` runs it beside the benchmark.
//!
//!     thread-cost [COUNT]    # default 2000

use std::thread;
use std::time::Instant;

fn main() {
    let count = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000usize)
        .max(1);
    let spawn_join = || {
        let started = Instant::now();
        thread::Builder::new()
            .name("worker-1".to_owned())
            .spawn(|| {})
            .expect("the system can start one thread")
            .join()
            .expect("an empty thread does not panic");
        started.elapsed().as_secs_f64() * 1e6
    };
    // The first threads also pay for mapping stacks the allocator keeps later.
    (0..100).for_each(|_| {
        spawn_join();
    });
    let mut micros: Vec<f64> = (0..count).map(|_| spawn_join()).collect();
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    println!(
        "thread-cost: {:.1} µs per thread (median of {count} spawn + join of an empty thread; p10 {:.1}, p90 {:.1})",
        at(0.5),
        at(0.1),
        at(0.9)
    );
}
