//! Ctrl+C and bad actors against the async chapter.

use test_support::robustness;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-async");
const STOP: &str = "=== Server: サーバーを停止します。 ===";

#[test]
fn ctrl_c_with_an_idle_client_stops_with_the_books_line() {
    robustness::stops_on_signal_with_idle_client(BIN, "INT", STOP);
}

#[test]
fn sigterm_stops_with_the_books_line() {
    robustness::stops_on_signal_with_idle_client(BIN, "TERM", STOP);
}

#[test]
fn ctrl_c_lets_a_download_in_flight_finish() {
    robustness::download_in_flight_completes_after_ctrl_c(BIN, STOP);
}

#[test]
fn trickling_client_is_cut_off_at_the_request_deadline() {
    robustness::trickling_client_is_cut_off(BIN);
}

#[test]
fn client_that_stops_reading_is_cut_off_by_the_write_timeout() {
    robustness::client_that_stops_reading_is_cut_off(BIN);
}

#[test]
fn survives_a_thousand_connections_at_once() {
    robustness::survives_a_thousand_connections(BIN);
}
