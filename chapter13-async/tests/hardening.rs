//! Hardening (issue 13), checked against this chapter's binary.

test_support::hardening_suite!(env!("CARGO_BIN_EXE_chapter13-async"));
