//! What is particular to the pool chapter: the threaded chapter's log lines,
//! clients that do not wait for each other while a worker is free, and the
//! bound's price when none is.

use test_support::chapters;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

#[test]
fn logs_like_the_book() {
    let server_lines = [
        "=== Server: サーバーを起動します ===",
        "=== Server: クライアントからの接続を待ちます ===",
        "=== Server: クライアントとの接続が完了しました remote_address: ADDR ===",
        "=== Server: クライアントからの接続を待ちます ===",
        "=== Server: クライアントとの接続が完了しました remote_address: ADDR ===",
        "=== Server: クライアントからの接続を待ちます ===",
        "=== Server: サーバーを停止します。 ===",
    ];
    let worker_lines = [
        "=== Worker: クライアントとの通信を終了します remote_address: ADDR ===",
        "=== Worker: リクエストの処理中にエラーが発生しました ===",
        "=== Worker: クライアントとの通信を終了します remote_address: ADDR ===",
    ];
    chapters::logs_like_the_book(BIN, &server_lines, &worker_lines);
}

#[test]
fn idle_client_does_not_delay_others() {
    chapters::idle_client_does_not_delay_others(BIN);
}

#[test]
fn with_a_free_worker_idle_clients_do_not_delay_others() {
    chapters::pool_with_a_free_worker_does_not_delay_others(BIN);
}

#[test]
fn with_every_worker_held_by_an_idle_client_the_next_waits() {
    chapters::pool_full_of_idle_clients_makes_the_next_wait(BIN);
}

#[test]
fn threads_are_reused() {
    chapters::pool_reuses_its_threads(BIN);
}

#[test]
fn fifty_concurrent_clients_get_exact_bytes() {
    chapters::concurrent_clients_get_exact_bytes(BIN, 50);
}

#[test]
fn the_books_slow_client_no_longer_makes_the_others_wait() {
    chapters::slow_client_scenario(BIN, false);
}
