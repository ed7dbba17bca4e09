//! The checker (`cargo run -p checker`) against this chapter's binary.

use test_support::checker_runs;

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threaded");

#[test]
fn passes_its_own_chapters_stages_and_the_beyond_stages() {
    checker_runs::passes_own_chapter(BIN, "chapter13-threaded");
}

#[test]
fn fails_the_pools_bound_stage() {
    checker_runs::fails_pool_bound(BIN);
}

#[test]
fn the_guides_sample_report_matches_a_real_run() {
    checker_runs::guide_samples_match(BIN, "chapter13-threaded");
}
