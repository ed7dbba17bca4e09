//! `cargo xtask exercise CRATE`: placeholder until it lands.

use std::process::ExitCode;

/// Runs `cargo xtask exercise ARGS...`.
pub fn main(_args: &[String]) -> ExitCode {
    eprintln!("cargo xtask exercise: not written yet");
    ExitCode::from(2)
}
