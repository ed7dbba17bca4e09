//! The guide's two languages keep the same structure, and its links resolve.

use test_support::docs;

#[test]
fn japanese_and_english_pages_have_the_same_sections_and_code() {
    docs::languages_match();
}

#[test]
fn relative_links_point_at_existing_files() {
    docs::relative_links_resolve();
}
