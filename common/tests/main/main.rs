//! Every integration test of `common`, in one test binary (one link, one run).

mod async_io;
mod compiler_errors;
mod config;
mod properties;
mod request;
mod response;
mod static_files;
