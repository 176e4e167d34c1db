//! Integration tests of `weft-wasm`: validation, host functions, gas, hostile contracts,
//! the module cache and determinism, with WAT contracts and an in-memory fake host.

mod cache;
mod common;
#[cfg(feature = "wasmer")]
mod engines;
mod gas;
mod host_functions;
mod hostile;
mod nested;
mod validation;
