//! The guide against itself and against the code: the two languages keep the
//! same structure, links resolve, and every number, snippet and signature it
//! quotes is the one the code, the diffs and the tables give.

use test_support::docs;

#[test]
fn japanese_and_english_pages_have_the_same_sections_and_code() {
    docs::languages_match();
}

#[test]
fn relative_links_point_at_existing_files() {
    docs::relative_links_resolve();
}

#[test]
fn quoted_line_counts_and_diff_counts_match_the_code() {
    docs::quoted_numbers_match();
}

#[test]
fn figures_in_the_prose_are_in_the_tables_they_cite() {
    docs::table_figures_match();
}

#[test]
fn snippets_a_reader_copies_are_the_real_code() {
    docs::snippets_occur_in_the_source();
}

#[test]
fn quoted_signatures_are_the_real_ones() {
    docs::quoted_signatures_occur_in_the_source();
}

#[test]
fn chapter_pages_link_each_other_the_index_and_the_rust_book() {
    docs::chapter_pages_are_linked();
}

#[test]
fn main_path_of_each_step_page_is_at_the_books_pace() {
    docs::main_paths_fit_the_books_pace();
}

#[test]
fn columns_are_folded_so_github_renders_them() {
    docs::columns_are_well_formed();
}
