//! Every integration test of `xtask`, in one test binary (one link, one run).

mod cli;
mod diffs;
mod exercise;
mod side_by_side;
