//! The checker (`cargo run -p checker`) against this chapter's binary: it
//! behaves as the threaded chapter does, so it passes that chapter's stages.

use test_support::checker_runs;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-async");

#[test]
fn passes_the_threaded_chapters_stages_and_the_beyond_stages() {
    checker_runs::passes_own_chapter(BIN, "chapter13-threaded");
}

#[test]
fn fails_the_pools_bound_stage() {
    checker_runs::fails_pool_bound(BIN);
}
