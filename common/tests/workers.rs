//! The bound on worker threads, and waiting for them at shutdown.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::Workers;

#[test]
fn never_more_than_max_at_once() {
    let workers = Workers::new(3);
    let peak = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..20 {
            let permit = workers.acquire();
            let (workers, peak) = (&workers, &peak);
            scope.spawn(move || {
                peak.fetch_max(workers.running(), Ordering::SeqCst);
                thread::sleep(Duration::from_millis(5));
                drop(permit);
            });
        }
    });
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    assert_eq!(workers.running(), 0);
}

#[test]
fn acquire_waits_for_a_free_place() {
    let workers = Workers::new(1);
    let first = workers.acquire();
    let (tx, rx) = mpsc::channel();
    let waiting = workers.clone();
    let handle = thread::spawn(move || {
        let _second = waiting.acquire();
        tx.send(()).unwrap();
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "got a second place"
    );
    drop(first);
    assert!(
        rx.recv_timeout(Duration::from_secs(5)).is_ok(),
        "never got the freed place"
    );
    handle.join().unwrap();
}

#[test]
fn a_panicking_worker_frees_its_place() {
    let workers = Workers::new(1);
    let permit = workers.acquire();
    let result = thread::spawn(move || {
        let _permit = permit;
        panic!("worker failed");
    })
    .join();
    assert!(result.is_err());
    assert_eq!(workers.running(), 0);
}

#[test]
fn wait_idle_is_bounded() {
    let workers = Workers::new(4);
    assert!(
        workers.wait_idle(Duration::from_millis(10)),
        "no workers: idle at once"
    );
    let permit = workers.acquire();
    assert!(
        !workers.wait_idle(Duration::from_millis(50)),
        "a worker is still running"
    );
    let release = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        drop(permit);
    });
    assert!(workers.wait_idle(Duration::from_secs(5)));
    release.join().unwrap();
}
