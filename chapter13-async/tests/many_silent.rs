//! The checker's many-silent stage (chapter13-async's): passed on a few threads.

const BIN: &str = env!("CARGO_BIN_EXE_chapter13-async");

#[test]
fn holds_many_silent_clients_and_answers_a_new_one_at_once() {
    test_support::many_silent::passes(BIN, false);
}
