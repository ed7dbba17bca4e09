//! Every test of `chapter12-sequential`, in one test binary (one link, one run; the tests
//! run side by side, as many at once as `RUST_TEST_THREADS` in
//! `.cargo/config.toml` says): each module below checks one side of the step
//! against its real binary. A test that cannot run on this system is listed
//! by `cargo test` as ignored, with the reason.

mod browser {
    //! The book's test of success in headless Chromium: red heading, logo
    //! shown, and what a silent connection held open does to the page.

    use test_support::browser::{Kind, page_renders_as_the_book_says};

    #[test]
    #[ignore = "needs Chromium: cargo test -- --ignored"]
    fn page_renders_in_chromium_as_the_book_says() {
        page_renders_as_the_book_says(env!("CARGO_BIN_EXE_chapter12-sequential"), Kind::Sequential);
    }
}

mod chapter {
    //! What is particular to chapter 12: its log lines, one client at a time.

    use test_support::{chapters, timeline};

    const BIN: &str = env!("CARGO_BIN_EXE_chapter12-sequential");

    #[test]
    #[cfg_attr(
        windows,
        ignore = "a test cannot send Ctrl+C to another process on Windows; Linux and macOS run this test"
    )]
    fn logs_like_the_book() {
        let main_lines = [
            "=== サーバーを起動します ===",
            "=== クライアントからの接続を待ちます ===",
            "=== クライアントとの接続が完了しました remote_address: ADDR ===",
            "=== クライアントからの接続を待ちます ===",
            "=== クライアントとの接続が完了しました remote_address: ADDR ===",
            "=== リクエストの処理中にエラーが発生しました ===",
            "=== クライアントからの接続を待ちます ===",
            "=== サーバーを停止します。 ===",
        ];
        chapters::logs_like_the_book(BIN, &main_lines, &[]);
    }

    #[test]
    fn idle_client_delays_others_by_read_timeout() {
        chapters::idle_client_delays_others_by_read_timeout(BIN);
    }

    /// The book's first figure, from a live run: one thread serves everyone
    /// in turn.
    #[test]
    fn the_books_slow_client_makes_the_others_wait() {
        timeline::sequential(BIN);
    }
}

mod checker {
    //! The checker (`cargo run -p checker`) against this chapter's binary.

    use test_support::checker_runs;

    const BIN: &str = env!("CARGO_BIN_EXE_chapter12-sequential");

    #[test]
    fn passes_its_own_chapters_stages_and_the_beyond_stages() {
        checker_runs::passes_own_chapter(BIN, "chapter12-sequential");
    }

    #[test]
    fn fails_the_threaded_chapters_stages_with_the_hint() {
        checker_runs::fails_threads_stages(BIN);
    }

    #[test]
    fn the_guides_sample_report_matches_a_real_run() {
        checker_runs::guide_samples_match(BIN, "chapter12-sequential");
    }
}

mod docs {
    //! The guide against this chapter: console blocks, responses, options table.
    test_support::docs_tests!("chapter12-sequential");
}

mod hardening {
    //! Hardening (issue 13), checked against this chapter's binary.

    test_support::hardening_suite!(env!("CARGO_BIN_EXE_chapter12-sequential"));
}

mod http {
    //! The HTTP behaviour all chapters share, checked against this chapter's binary.

    test_support::http_suite!(env!("CARGO_BIN_EXE_chapter12-sequential"));
    test_support::windows_paths_test!(env!("CARGO_BIN_EXE_chapter12-sequential"));
}

mod robustness {
    //! Ctrl+C and bad actors against this chapter's binary.

    use test_support::robustness;

    const BIN: &str = env!("CARGO_BIN_EXE_chapter12-sequential");
    const STOP: &str = "=== サーバーを停止します。 ===";

    #[test]
    #[cfg_attr(
        windows,
        ignore = "a test cannot send Ctrl+C to another process on Windows; Linux and macOS run this test"
    )]
    fn ctrl_c_with_an_idle_client_stops_with_the_books_line() {
        robustness::stops_on_signal_with_idle_client(BIN, "INT", STOP);
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "a test cannot send Ctrl+C to another process on Windows; Linux and macOS run this test"
    )]
    fn sigterm_stops_with_the_books_line() {
        robustness::stops_on_signal_with_idle_client(BIN, "TERM", STOP);
    }

    #[test]
    fn trickling_client_is_cut_off_at_the_request_deadline() {
        robustness::trickling_client_is_cut_off(BIN);
    }

    #[test]
    fn client_that_stops_reading_is_cut_off_by_the_write_timeout() {
        robustness::client_that_stops_reading_is_cut_off(BIN);
    }
}

mod startup {
    //! What a newcomer sees before the server runs: help, version, start-up errors.

    test_support::startup_suite!(env!("CARGO_BIN_EXE_chapter12-sequential"));
}
