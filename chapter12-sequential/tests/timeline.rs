//! The book's first figure, from a live run: one thread serves everyone in turn.

#[test]
fn one_thread_serves_the_fast_requests_after_the_slow_one() {
    test_support::timeline::sequential(env!("CARGO_BIN_EXE_chapter12-sequential"));
}
