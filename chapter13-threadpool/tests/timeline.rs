//! Where the column points, from a live run: a few worker threads, reused.

#[test]
fn the_pool_reuses_its_worker_threads() {
    test_support::timeline::pool(env!("CARGO_BIN_EXE_chapter13-threadpool"));
}
