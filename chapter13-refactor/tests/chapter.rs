//! What is particular to chapter 13 (refactor): the close line, still one client at a time.

use test_support::chapters;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-refactor");

#[test]
fn logs_like_the_book() {
    let main_lines = [
        "=== サーバーを起動します ===",
        "=== クライアントからの接続を待ちます ===",
        "=== クライアントとの接続が完了しました remote_address: ADDR ===",
        "=== クライアントとの通信を終了します ===",
        "=== クライアントからの接続を待ちます ===",
        "=== クライアントとの接続が完了しました remote_address: ADDR ===",
        "=== リクエストの処理中にエラーが発生しました ===",
        "=== クライアントとの通信を終了します ===",
        "=== クライアントからの接続を待ちます ===",
        "=== サーバーを停止します。 ===",
    ];
    chapters::logs_like_the_book(BIN, &main_lines, &[]);
}

#[test]
fn idle_client_delays_others_by_read_timeout() {
    chapters::idle_client_delays_others_by_read_timeout(BIN);
}

#[test]
fn the_books_slow_client_makes_the_others_wait() {
    chapters::slow_client_scenario(BIN, true);
}
