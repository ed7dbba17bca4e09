//! Every test of `chapter13-threadpool`, in one test binary (one link, one run; the tests
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
        page_renders_as_the_book_says(env!("CARGO_BIN_EXE_chapter13-threadpool"), Kind::Threaded);
    }
}

mod chapter {
    //! What is particular to the pool: Server and Worker log lines, clients that
    //! do not wait for each other while a worker is free, and reused threads.

    use test_support::{chapters, timeline};

    const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

    #[test]
    #[cfg_attr(
        windows,
        ignore = "a test cannot send Ctrl+C to another process on Windows; Linux and macOS run this test"
    )]
    fn logs_like_the_book() {
        let server_lines = [
            "=== Server: サーバーを起動します ===",
            "=== Server: クライアントからの接続を待ちます ===",
            "=== Server: クライアントとの接続が完了しました remote_address: ADDR ===",
            "=== Server: クライアントからの接続を待ちます ===",
            "=== Server: クライアントとの接続が完了しました remote_address: ADDR ===",
            "=== Server: クライアントからの接続を待ちます ===",
            "=== Server: サーバーを停止します。 ===",
        ];
        let worker_lines = [
            "=== Worker: クライアントとの通信を終了します remote_address: ADDR ===",
            "=== Worker: リクエストの処理中にエラーが発生しました ===",
            "=== Worker: クライアントとの通信を終了します remote_address: ADDR ===",
        ];
        chapters::logs_like_the_book(BIN, &server_lines, &worker_lines);
    }

    #[test]
    fn idle_client_does_not_delay_others() {
        chapters::idle_client_does_not_delay_others(BIN);
    }

    #[test]
    fn with_a_free_worker_idle_clients_do_not_delay_others() {
        chapters::pool_with_a_free_worker_does_not_delay_others(BIN);
    }

    #[test]
    fn with_every_worker_held_by_an_idle_client_the_next_waits() {
        chapters::pool_full_of_idle_clients_makes_the_next_wait(BIN);
    }

    #[test]
    fn threads_are_reused() {
        chapters::pool_reuses_its_threads(BIN);
    }

    #[test]
    fn fifty_concurrent_clients_get_exact_bytes() {
        chapters::concurrent_clients_get_exact_bytes(BIN, 50);
    }

    /// The book's second figure, from a live run: a few worker threads, reused.
    #[test]
    fn the_books_slow_client_no_longer_makes_the_others_wait() {
        timeline::pool(BIN);
    }
}

mod checker {
    //! The checker (`cargo run -p checker`) against this chapter's binary.

    use test_support::checker_runs;

    const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

    #[test]
    fn passes_its_own_chapters_stages_and_the_beyond_stages() {
        checker_runs::passes_own_chapter(BIN, "chapter13-threadpool");
    }

    #[test]
    fn a_wrong_max_workers_is_named_as_such() {
        checker_runs::a_wrong_max_workers_is_named(BIN);
    }
}

mod docs {
    //! The guide against this chapter: console blocks, responses, options table.

    test_support::docs_tests!("chapter13-threadpool");
}

mod hardening {
    //! Hardening (issue 13), checked against this chapter's binary.

    test_support::hardening_suite!(env!("CARGO_BIN_EXE_chapter13-threadpool"));
}

mod http {
    //! The HTTP behaviour all chapters share, checked against this chapter's binary.

    test_support::http_suite!(env!("CARGO_BIN_EXE_chapter13-threadpool"));
    test_support::windows_paths_test!(env!("CARGO_BIN_EXE_chapter13-threadpool"));
}

mod many_silent {
    //! The checker's many-silent stage (chapter13-async's): failed by design.

    const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

    #[test]
    fn makes_a_new_client_wait_behind_many_silent_ones() {
        test_support::many_silent::fails(BIN);
    }
}

mod robustness {
    //! Ctrl+C and bad actors against this chapter's binary.

    use test_support::robustness;

    const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");
    const STOP: &str = "=== Server: サーバーを停止します。 ===";

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
    #[cfg_attr(
        windows,
        ignore = "a test cannot send Ctrl+C to another process on Windows; Linux and macOS run this test"
    )]
    fn ctrl_c_lets_a_download_in_flight_finish() {
        robustness::download_in_flight_completes_after_ctrl_c(BIN, STOP);
    }

    #[test]
    fn trickling_client_is_cut_off_at_the_request_deadline() {
        robustness::trickling_client_is_cut_off(BIN);
    }

    #[test]
    fn client_that_stops_reading_is_cut_off_by_the_write_timeout() {
        robustness::client_that_stops_reading_is_cut_off(BIN);
    }

    #[test]
    fn survives_a_thousand_connections_at_once() {
        robustness::survives_a_thousand_connections(BIN);
    }
}

mod scaling {
    //! The cost of silent clients, live: they hold every worker, no more threads
    //! start, and a fresh client waits.

    const BIN: &str = env!("CARGO_BIN_EXE_chapter13-threadpool");

    #[test]
    fn a_fresh_client_waits_behind_silent_ones() {
        test_support::scaling::pool_makes_a_fresh_client_wait(BIN);
    }

    #[test]
    #[cfg_attr(
        not(target_os = "linux"),
        ignore = "thread counts are read from /proc, which only Linux has; Linux runs this test"
    )]
    fn silent_clients_hold_the_workers_and_no_more_start() {
        test_support::scaling::pool_threads(BIN);
    }
}

mod startup {
    //! What a newcomer sees before the server runs: help, version, start-up errors.

    test_support::startup_suite!(env!("CARGO_BIN_EXE_chapter13-threadpool"));
}
