//! The cost of silent clients, live: a task each, no thread, and a fresh
//! client is still answered.

#[test]
fn silent_clients_cost_no_thread_and_nobody_waits() {
    test_support::scaling::tasks(env!("CARGO_BIN_EXE_chapter13-async"));
}
