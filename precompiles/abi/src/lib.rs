//! Weft's precompile plugin ABI.
//!
//! A plugin is a `cdylib` that depends on this crate only. It implements [`Plugin`] — a
//! declaration ([`PluginInfo`]: name, version, addresses, gas per call) and a `call`
//! function — and exports it with [`export_plugin!`]. A node loads the library from its
//! plugin folder, checks [`ffi::ABI_VERSION`] and the SHA-256 genesis pins for it, and
//! routes calls to the plugin's addresses through the C interface in [`ffi`].
//!
//! What the plugin sees of the node is the [`Host`] trait: storage in the plugin's own
//! namespace (journaled with the VMs: a revert undoes plugin writes), the caller, origin,
//! block number and timestamp, logs, gas, and permission questions. [`dispatch!`] maps the
//! methods of a Solidity interface (written with [`sol_types::sol!`]) to one ordinary Rust
//! function each. [`testing::MemoryHost`] runs a plugin off-chain in unit tests.
//!
//! Method selectors are Keccak-256 ones on every chain: Weft keeps the EVM's semantics on
//! SM chains too, so standard `solc` output calls plugins unchanged.

pub mod ffi;
pub mod guest;
mod host;
pub mod testing;
pub mod verifier;

pub use alloy_primitives as primitives;
pub use alloy_sol_types as sol_types;
pub use guest::{emit, FfiHost, Plugin, PluginInfo};
pub use host::{
    AuthKind, AuthRequest, CallError, CallResult, Env, Host, HostError, Suite, Verdict,
};

/// An address from its low 8 bytes: `addr(0x1002)` is `0x0000…1002`.
pub const fn addr(low: u64) -> primitives::Address {
    let b = low.to_be_bytes();
    primitives::Address::new([
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
    ])
}
