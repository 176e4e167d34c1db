//! The host API's import table: one source of truth for validation and linking.

use std::fmt;

/// A WebAssembly value type used by the host API (the API uses integers only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValKind {
    /// `i32`: pointers, lengths, counts, status codes.
    I32,
    /// `i64`: block numbers, timestamps, chain id, gas.
    I64,
}

impl fmt::Display for ValKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValKind::I32 => "i32",
            ValKind::I64 => "i64",
        })
    }
}

/// One function of the host API: its name in module `"weft"` and its signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostFunction {
    /// The import name (module `"weft"`).
    pub name: &'static str,
    /// Parameter types, in order.
    pub params: &'static [ValKind],
    /// Result types (empty or one value).
    pub results: &'static [ValKind],
}

impl HostFunction {
    /// The signature written as `(i32, i32) -> i64`.
    pub fn signature(&self) -> String {
        signature(self.params.iter(), self.results.iter())
    }
}

/// Formats a signature as `(a, b) -> (c)` / `(a) -> ()`.
pub(crate) fn signature<P: fmt::Display, R: fmt::Display>(
    params: impl Iterator<Item = P>,
    results: impl Iterator<Item = R>,
) -> String {
    let p: Vec<String> = params.map(|t| t.to_string()).collect();
    let r: Vec<String> = results.map(|t| t.to_string()).collect();
    format!("({}) -> ({})", p.join(", "), r.join(", "))
}

/// The module every import must come from.
pub const HOST_MODULE: &str = "weft";

use ValKind::{I32, I64};

const fn f(
    name: &'static str,
    params: &'static [ValKind],
    results: &'static [ValKind],
) -> HostFunction {
    HostFunction {
        name,
        params,
        results,
    }
}

/// Every function of Weft's host API, version 1 (`sdk/HOST_API.md`).
pub const HOST_FUNCTIONS: &[HostFunction] = &[
    f("input_size", &[], &[I32]),
    f("input_copy", &[I32, I32, I32], &[]),
    f("set_return", &[I32, I32], &[]),
    f("revert", &[I32, I32], &[]),
    f("storage_load", &[I32, I32], &[]),
    f("storage_store", &[I32, I32], &[]),
    f("emit_log", &[I32, I32, I32, I32], &[]),
    f("caller", &[I32], &[]),
    f("origin", &[I32], &[]),
    f("address", &[I32], &[]),
    f("call_value", &[I32], &[]),
    f("block_number", &[], &[I64]),
    f("block_timestamp", &[], &[I64]),
    f("chain_id", &[], &[I64]),
    f("gas_left", &[], &[I64]),
    f("call", &[I32, I32, I32, I32, I32, I64], &[I32]),
    f("create", &[I32, I32, I32, I32, I32], &[I32]),
    f("return_data_size", &[], &[I32]),
    f("return_data_copy", &[I32, I32, I32], &[]),
    f("keccak256", &[I32, I32, I32], &[]),
    f("chain_hash", &[I32, I32, I32], &[]),
];

/// Looks up a host function by its import name.
pub fn host_function(name: &str) -> Option<&'static HostFunction> {
    HOST_FUNCTIONS.iter().find(|f| f.name == name)
}
