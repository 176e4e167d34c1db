//! Write Weft WASM contracts in Rust.
//!
//! A contract is a `#[storage]` struct and a `#[contract]` `impl` block:
//!
//! ```
//! # // In a contract crate: `#![cfg_attr(not(test), no_std)]` and `extern crate alloc;`.
//! # extern crate alloc;
//! use alloc::string::String;
//! use weft_sdk::prelude::*;
//!
//! #[storage]
//! pub struct Hello {
//!     name: StorageValue<String>,
//! }
//!
//! #[contract]
//! impl Hello {
//!     #[constructor]
//!     pub fn constructor(&mut self) {
//!         self.name.set(String::from("Hello, World!"));
//!     }
//!     pub fn get(&self) -> String {
//!         self.name.get()
//!     }
//!     pub fn set(&mut self, name: String) {
//!         self.name.set(name);
//!     }
//! }
//!
//! // Off-chain, the same code runs on the test host:
//! let _host = weft_sdk::testing::TestHost::new();
//! let mut hello = Hello::instance();
//! hello.constructor();
//! hello.set("Weft".into());
//! assert_eq!(hello.get(), "Weft");
//! assert!(Hello::ABI_JSON.contains(r#""name":"get""#));
//! ```
//!
//! - [`contract`] generates the `deploy`/`call` exports (on `wasm32`), the dispatch by
//!   4-byte Solidity selector, ABI decoding of arguments and encoding of returns, and the
//!   contract's Solidity ABI JSON ([`Contract::ABI_JSON`], also written to the module's
//!   `weft.abi` custom section, which the build step extracts).
//! - [`storage`] lays fields out Solidity-style: field *i* at slot *i*, mappings at
//!   `keccak256(key ‖ slot)`, dynamic arrays and strings as Solidity stores them.
//! - [`sol!`] declares Solidity events, errors and interfaces (alloy's `sol!`, plus what
//!   the ABI JSON and [`Revert`] need); [`log::emit`] emits events, [`call`] calls other
//!   contracts (Solidity or WASM) with typed calls and surfaced reverts.
//! - A panic reverts with `Error(string)` carrying the panic message.
//! - Off-chain, the same API runs against [`testing::TestHost`], so `cargo test` runs a
//!   contract's methods natively.
//!
//! The host API this binds to is `sdk/HOST_API.md`; the raw imports are [`hostio`] (on
//! `wasm32` only).
#![no_std]

extern crate alloc;
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

pub mod abi;
pub mod call;
pub mod crypto;
pub mod env;
mod host;
#[cfg(target_arch = "wasm32")]
pub mod hostio;
pub mod log;
pub mod storage;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
mod bump;
#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
mod panic;

pub use abi::{require, revert, Revert};
pub use env::{block, contract, msg, tx};

/// The types and traits of `alloy-sol-types` (`SolCall`, `SolEvent`, `SolError`,
/// `SolValue`, `sol_data`, …), re-exported so contracts need no direct dependency.
pub use alloy_sol_types as sol_types;

/// The primitive types of `alloy-primitives` (`Address`, `U256`, `B256`, `Bytes`, …).
pub use alloy_primitives as primitives;
pub use alloy_primitives::{
    address, b256, bytes, hex, Address, Bytes, FixedBytes, B256, I256, U256,
};

/// Marks an `impl` block as the contract's ABI: its `pub fn`s become Solidity functions.
///
/// ```ignore
/// #[contract(events(Transfer, Approval), errors(Unauthorized))]
/// impl Token { … }
/// ```
///
/// - The `impl`'s type is a [`storage`] struct; a method's receiver says what it may do:
///   `&self` is `view`, `&mut self` is `nonpayable`, no receiver is `pure`. `#[payable]`
///   accepts value (others revert when called with value), `#[view]`/`#[pure]` assert the
///   receiver, `#[constructor]` marks the constructor (run by `deploy`).
/// - Solidity names are the Rust names in camelCase (`balance_of` → `balanceOf`);
///   `#[selector(name = "…")]` sets another (e.g. for overloads).
/// - Arguments and returns are any `SolValue` (`u16`…`u128`, `U256`, `i8`…, `bool`,
///   `Address`, `String`, `Bytes`/`Vec<u8>` (`bytes`), `B256`, `Vec<T>`, `[T; N]`, tuples,
///   `sol!` structs), and `u8` (`uint8`, which alloy leaves out). A tuple return is several
///   outputs.
///   `Result<T, E>` (with `E: Into<Revert>`) reverts with `E`'s data on `Err`.
/// - `events(…)` and `errors(…)` name [`sol!`] items to list in the ABI JSON.
///
/// Generates `impl Contract` ([`Contract::ABI_JSON`], dispatch) and, on `wasm32`, the
/// `deploy`/`call` exports and the `weft.abi` custom section.
pub use weft_sdk_macros::contract;

/// Lays a struct's fields out in storage, Solidity-style: each field takes the next slot(s)
/// in declaration order, starting at the struct's base slot (0 for a contract).
///
/// Fields are storage handles: [`storage::StorageValue`], [`storage::StorageMap`],
/// [`storage::StorageVec`] or another `#[storage]` struct. Unlike Solidity, small fields
/// are not packed together: each field takes at least one whole slot.
pub use weft_sdk_macros::storage;

/// Declares Solidity items with alloy's `sol!` (paths pointed at this crate, all derives
/// on), and for each event and error also the ABI JSON entry that `#[contract(events(…),
/// errors(…))]` lists, and for each error `From<Error> for Revert`.
///
/// ```ignore
/// sol! {
///     event Transfer(address indexed from, address indexed to, uint256 value);
///     error Unauthorized(address caller);
///     interface ICounter { function increment() external returns (uint256); }
/// }
/// ```
pub use weft_sdk_macros::sol;

/// A contract: what `#[contract]` implements for its storage struct.
pub trait Contract: storage::StorageLayout {
    /// The contract's Solidity ABI JSON (functions, constructor, listed events and errors).
    const ABI_JSON: &'static str;

    /// Runs the constructor on the ABI-encoded constructor arguments; `Err` is revert data.
    fn dispatch_deploy(input: &[u8]) -> Result<alloc::vec::Vec<u8>, alloc::vec::Vec<u8>>;

    /// Runs the method that `input`'s selector names; `Err` is revert data.
    fn dispatch(input: &[u8]) -> Result<alloc::vec::Vec<u8>, alloc::vec::Vec<u8>>;

    /// The contract's storage at its root (slot 0) in the current execution.
    fn instance() -> Self {
        <Self as storage::StorageLayout>::at_slot(U256::ZERO)
    }
}

/// The names a contract usually needs: `use weft_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::abi::{require, revert, Revert};
    pub use crate::call::{call, static_call, Call, CallError};
    pub use crate::log::emit;
    pub use crate::sol_types::{SolCall, SolError, SolEvent, SolValue};
    pub use crate::storage::{StorageMap, StorageValue, StorageVec};
    pub use crate::{block, contract, msg, sol, storage, tx, Contract};
    pub use crate::{Address, Bytes, FixedBytes, B256, I256, U256};
}

/// What the macros' generated code refers to. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::abi::json::{as_str, concat, concat_len, json, json_len, Seg};
    pub use crate::abi::keccak_const::selector;
    pub use crate::abi::names::NameBuf;
    pub use crate::abi::{decode_args, encode_return, non_payable, selectors_distinct, sol_name};
    pub use crate::abi::{unknown_selector, AbiItem, SolName};
    pub use crate::host::{entry, entry_deploy};
    pub use alloc::vec::Vec;
    pub use core::result::Result::{self, Err, Ok};
}
