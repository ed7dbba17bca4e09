//! Every integration test of `checker`, in one test binary (one link, one run).

mod cli;
mod scenarios;
mod session;
