//! The cost of silent clients, live: the pool stays at its bound, and once
//! silent clients hold every worker a fresh client waits.

#[test]
fn silent_clients_hold_the_workers_and_a_fresh_client_waits() {
    test_support::scaling::pool(env!("CARGO_BIN_EXE_chapter13-threadpool"));
}
