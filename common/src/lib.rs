//! What chapters 12 and 13 of the book never change, written once and tested here.
//!
//! The chapter crates keep the book's lesson (the loop, the functions, the
//! threads, the log lines); this crate keeps everything under them: reading a
//! request under limits ([`receive_request`]), finding a file under `static/`
//! without leaving it ([`open_static_file`]), writing a response
//! ([`Response`]), what one client's answer must remember ([`Connection`]),
//! options ([`Config`]), logging ([`init_logging`]), start-up and stopping on
//! Ctrl+C ([`Shutdown`]). It never starts a thread: threads are what chapter
//! 13 teaches, so they live in the chapter crates.
//!
//! The HTTP work does no I/O itself ([`RequestParser`], and the plans behind
//! [`Response::send`] and the graceful close), so one copy of it serves the
//! blocking chapters and, with the feature `async`, the async step
//! (`async_io`, on tokio).

#[cfg(feature = "async")]
pub mod async_io;
mod closing;
mod config;
mod connection;
mod error;
#[cfg(doctest)]
mod guide;
mod lifecycle;
mod logging;
mod request;
mod response;
mod static_files;

pub use config::{Config, DEFAULT_STATIC_DIR};
pub use connection::Connection;
pub use error::HttpError;
pub use lifecycle::{Listener, Shutdown, accept_failed, exit_on_start_error, show_url};
pub use logging::init_logging;
pub use request::{Limits, MAX_HEADERS, Request, RequestParser, read_request, receive_request};
pub use response::{Response, report_error};
pub use static_files::{StaticFile, open_static_file, resolve};

/// How many connections wait in the kernel's queue while the server is busy.
/// The book uses `listen(10)`; a burst of a few hundred clients would overflow
/// that and see dropped connections.
pub const LISTEN_BACKLOG: i32 = 1024;
