//! Placeholder until the scaling checks land.
