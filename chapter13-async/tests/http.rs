//! The HTTP behaviour all chapters share, checked against this chapter's binary.

test_support::http_suite!(env!("CARGO_BIN_EXE_chapter13-async"));
test_support::windows_paths_test!(env!("CARGO_BIN_EXE_chapter13-async"));
