//! The book's test of success in headless Chromium: red heading, logo shown,
//! and reloads with and without an idle connection held open.

use test_support::browser::{Kind, page_renders_as_the_book_says};

#[test]
fn page_renders_in_chromium_as_the_book_says() {
    page_renders_as_the_book_says(env!("CARGO_BIN_EXE_chapter13-async"), Kind::Threaded);
}
