//! The checker's `many-silent` stage (`--chapter chapter13-async`) against
//! a chapter's real binary: a task per client and a thread per client pass
//! it, a bounded pool fails it, and the report says what it cost.

use checker::client::raise_open_files_limit;
use checker::many::{Crowd, FRESH_WAIT, MANY, crowd, judge};
use checker::{Outcome, Target};

use crate::Server;

/// Starts `bin`, holds [`MANY`] silent clients (or as many as this process
/// may open) beside a fresh GET, and judges it as the checker does. The
/// limit is raised before the server starts, so that it inherits it.
pub fn run(bin: &str, args: &[&str]) -> (Crowd, Outcome) {
    let limit = raise_open_files_limit();
    let server = Server::start(bin, args);
    let clients = limit.map_or(MANY, |l| MANY.min(l.saturating_sub(64) as usize));
    let seen = crowd(
        &Target::from_addr(server.addr),
        "/index.html",
        clients,
        FRESH_WAIT,
    );
    let outcome = judge(&seen, limit, Vec::new());
    (seen, outcome)
}

/// `bin` holds the silent clients and answers the new one at once (the
/// checker's verdict, which tries a late answer again, as a stalled machine
/// delays one answer and a pool every one). Where the checker can count the
/// server's threads (Linux), a thread per client shows far more than the
/// few a runtime or a pool runs: the checker counts them once connecting has
/// ended, while the server may still be accepting the last ones, so the test
/// asks for more than [`FEW`] threads, not for one per client.
pub fn passes(bin: &str, thread_per_client: bool) {
    let (seen, outcome) = run(bin, &[]);
    assert!(outcome.passed, "{}", outcome.measured.en);
    assert_eq!(seen.held, seen.asked, "{:?}", seen.stopped);
    if !cfg!(target_os = "linux") {
        return;
    }
    let (_, threads) = seen
        .threads
        .expect("the checker sees a local server's threads");
    if thread_per_client {
        assert!(
            threads > FEW,
            "{threads} threads for {} clients",
            seen.asked
        );
    } else {
        assert!(
            threads <= FEW,
            "{threads} threads for {} clients",
            seen.asked
        );
        assert!(!outcome.measured.en.contains("a thread per client"));
    }
}

/// More threads than a runtime (one per core) or a small pool has.
const FEW: u64 = 32;

/// `bin` (a bounded pool) makes the new client wait, and the report says so
/// without calling the server unresponsive.
pub fn fails(bin: &str) {
    let (_, outcome) = run(bin, &[]);
    assert!(!outcome.passed, "{}", outcome.measured.en);
    assert!(!outcome.unresponsive);
    let en = &outcome.measured.en;
    assert!(
        en.contains("no answer in") || en.contains("stopped at client"),
        "{en}"
    );
}
