//! Placeholder until the checker lands.
