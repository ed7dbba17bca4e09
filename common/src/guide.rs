//! The guide's pages whose code must compile, or must fail to, exactly as shown.
//! Compiled only by `cargo test --doc`, so the published API is unchanged.

/// `docs/en/compiler-errors.md`: chapter 13's mistakes as rustc errors.
#[doc = include_str!("../../docs/en/compiler-errors.md")]
pub struct CompilerErrorsEn;

/// `docs/ja/compiler-errors.md`: the same page in Japanese.
#[doc = include_str!("../../docs/ja/compiler-errors.md")]
pub struct CompilerErrorsJa;
