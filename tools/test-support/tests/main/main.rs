//! Every integration test of `test-support`, in one test binary (one link, one run).

mod constructs;
mod docs;
mod portability;
mod terms;
