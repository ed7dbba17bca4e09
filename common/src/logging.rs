//! Terminal logging: the time, the thread, and the book's message.

use std::io::IsTerminal;

use log::LevelFilter;
use simplelog::{ColorChoice, ConfigBuilder, TermLogger, TerminalMode, ThreadLogMode};

/// Sends log lines to standard error as `12:34:56 [INFO] (main) message` (UTC).
///
/// The thread name tells the threaded chapter's `Server` and `Worker` lines
/// apart. At `debug`, every request head is logged too: that replaces the
/// book's `server_recv.txt`, which every request (and thread) overwrote.
pub fn init_logging(level: LevelFilter) {
    let config = ConfigBuilder::new()
        .set_thread_level(LevelFilter::Error)
        .set_thread_mode(ThreadLogMode::Names)
        .set_target_level(LevelFilter::Off)
        .set_location_level(LevelFilter::Off)
        .build();
    let color = if std::io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    // Fails only if a logger is already set, which then stays in charge.
    let _ = TermLogger::init(level, config, TerminalMode::Stderr, color);
}
