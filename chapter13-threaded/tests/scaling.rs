//! The cost of silent clients, live: one thread each, and a fresh client is
//! still answered.

#[test]
fn every_silent_client_costs_a_thread_and_nobody_waits() {
    test_support::scaling::threaded(env!("CARGO_BIN_EXE_chapter13-threaded"));
}
