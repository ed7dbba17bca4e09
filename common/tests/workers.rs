//! The threaded chapter's worker threads: bounded, reused, and waited for.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use common::Workers;

#[test]
fn never_more_than_max_at_once() {
    let workers = Workers::new(3);
    let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    for _ in 0..30 {
        let (now, peak) = (Arc::clone(&now), Arc::clone(&peak));
        workers
            .spawn(move || {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(running, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
            })
            .unwrap();
    }
    assert!(workers.wait_idle(Duration::from_secs(10)));
    assert_eq!(peak.load(Ordering::SeqCst), 3);
}

#[test]
fn each_job_runs_once_on_a_named_worker_thread_and_threads_are_reused() {
    let workers = Workers::new(8);
    let names = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..200 {
        let names = Arc::clone(&names);
        workers
            .spawn(move || {
                let name = thread::current().name().unwrap_or_default().to_owned();
                names.lock().unwrap().push(name);
            })
            .unwrap();
        // One client at a time: a finished thread should take the next one.
        assert!(workers.wait_idle(Duration::from_secs(5)));
    }
    let names = names.lock().unwrap();
    assert_eq!(names.len(), 200, "every job ran once");
    assert!(names.iter().all(|n| n.starts_with("worker-")), "{names:?}");
    let distinct: HashSet<_> = names.iter().collect();
    assert!(distinct.len() <= 2, "threads were not reused: {distinct:?}");
}

#[test]
fn spawn_waits_for_a_free_place() {
    let workers = Workers::new(1);
    let (release, blocked) = mpsc::channel::<()>();
    workers.spawn(move || blocked.recv().unwrap()).unwrap();
    let (tx, rx) = mpsc::channel();
    let waiting = workers.clone();
    let handle = thread::spawn(move || {
        waiting.spawn(|| {}).unwrap();
        tx.send(()).unwrap();
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "a second job got in"
    );
    release.send(()).unwrap();
    assert!(
        rx.recv_timeout(Duration::from_secs(5)).is_ok(),
        "never got the freed place"
    );
    handle.join().unwrap();
}

#[test]
fn a_panicking_job_frees_its_place_and_the_thread_goes_on() {
    let workers = Workers::new(1);
    workers.spawn(|| panic!("worker failed")).unwrap();
    assert!(workers.wait_idle(Duration::from_secs(5)));
    let (tx, rx) = mpsc::channel();
    workers.spawn(move || tx.send(7).unwrap()).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(7));
}

#[test]
fn wait_idle_is_bounded() {
    let workers = Workers::new(4);
    assert!(
        workers.wait_idle(Duration::from_millis(10)),
        "nothing running: idle at once"
    );
    let (release, blocked) = mpsc::channel::<()>();
    workers.spawn(move || blocked.recv().unwrap()).unwrap();
    assert_eq!(workers.running(), 1);
    assert!(
        !workers.wait_idle(Duration::from_millis(50)),
        "a job is still running"
    );
    release.send(()).unwrap();
    assert!(workers.wait_idle(Duration::from_secs(5)));
    assert_eq!(workers.running(), 0);
}
