//! What is particular to the async step: the threaded chapter's log lines
//! (each client's from the runtime thread that ran its task), and clients
//! that no longer wait for each other.

use test_support::chapters;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-async");

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
fn fifty_concurrent_clients_get_exact_bytes() {
    chapters::concurrent_clients_get_exact_bytes(BIN, 50);
}

#[test]
fn the_books_slow_client_no_longer_makes_the_others_wait() {
    chapters::slow_client_scenario(BIN, false);
}
