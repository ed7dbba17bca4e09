//! The checker's many-silent stage (chapter13-async's): failed by design.

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

#[test]
fn makes_a_new_client_wait_behind_many_silent_ones() {
    test_support::many_silent::fails(BIN);
}
