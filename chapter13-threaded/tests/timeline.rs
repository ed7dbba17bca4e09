//! The book's second figure, from a live run: each client on a worker thread.

#[test]
fn workers_serve_the_fast_requests_before_the_slow_one_ends() {
    test_support::timeline::threaded(env!("CARGO_BIN_EXE_chapter13-threaded"));
}
