//! The book's second figure, from a live run: each client a task, all of
//! them run by a few runtime threads.

#[test]
fn a_few_threads_serve_the_fast_requests_before_the_slow_one_ends() {
    test_support::timeline::tasks(env!("CARGO_BIN_EXE_chapter13-async"));
}
