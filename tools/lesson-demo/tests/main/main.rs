//! Every integration test of `lesson-demo`, in one test binary (one link, one run).

mod two_clients;
