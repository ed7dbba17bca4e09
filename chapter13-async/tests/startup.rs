//! What a newcomer sees before the server runs: help, version, start-up errors.

test_support::startup_suite!(env!("CARGO_BIN_EXE_chapter13-async"));
