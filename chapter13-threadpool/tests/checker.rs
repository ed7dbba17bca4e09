//! The checker (`cargo run -p checker`) against this chapter's binary.

use test_support::checker_runs;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

#[test]
fn passes_its_own_chapters_stages_and_the_beyond_stages() {
    checker_runs::passes_own_chapter(BIN, "chapter13-threadpool");
}

#[test]
fn a_wrong_max_workers_is_named_as_such() {
    checker_runs::a_wrong_max_workers_is_named(BIN);
}
