//! The guide against this chapter: console blocks, responses, options table.
test_support::docs_tests!("chapter13-async");
