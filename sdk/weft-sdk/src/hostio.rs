//! The raw imports from the host module `"weft"` (`sdk/HOST_API.md`, version 1).
//!
//! Pointers are offsets into the contract's memory (an `i32` on `wasm32`); addresses are 20
//! bytes, words 32 bytes big-endian. Prefer the safe wrappers ([`crate::msg`],
//! [`crate::storage`], [`crate::call`], …): they are the same API off-chain.
#![allow(unsafe_code)]

#[link(wasm_import_module = "weft")]
extern "C" {
    /// `CALLDATASIZE`: the size of this execution's input.
    pub fn input_size() -> i32;
    /// `CALLDATACOPY`: copies `len` input bytes from `offset` to `dest`.
    pub fn input_copy(dest: *mut u8, offset: i32, len: i32);
    /// Sets the data that a normal return from `deploy`/`call` returns.
    pub fn set_return(ptr: *const u8, len: i32);
    /// `REVERT` with `len` bytes at `ptr`; never returns.
    pub fn revert(ptr: *const u8, len: i32) -> !;
    /// `SLOAD`: reads the 32-byte word at key `key` into `out`.
    pub fn storage_load(key: *const u8, out: *mut u8);
    /// `SSTORE`: writes the 32-byte word at `value` under `key`.
    pub fn storage_store(key: *const u8, value: *const u8);
    /// `LOG0`–`LOG4`: `topic_count` (≤ 4) 32-byte topics at `topics`, then the data.
    pub fn emit_log(topics: *const u8, topic_count: i32, data: *const u8, data_len: i32);
    /// `CALLER` (20 bytes into `out`).
    pub fn caller(out: *mut u8);
    /// `ORIGIN` (20 bytes into `out`).
    pub fn origin(out: *mut u8);
    /// `ADDRESS` (20 bytes into `out`).
    pub fn address(out: *mut u8);
    /// `CALLVALUE` (32 bytes into `out`).
    pub fn call_value(out: *mut u8);
    /// `NUMBER`.
    pub fn block_number() -> i64;
    /// `TIMESTAMP` (seconds).
    pub fn block_timestamp() -> i64;
    /// `CHAINID`.
    pub fn chain_id() -> i64;
    /// `GAS`.
    pub fn gas_left() -> i64;
    /// `CALL` (kind 0), `STATICCALL` (1), `DELEGATECALL` (2); 0 success, 1 revert, 2 other
    /// failure. `gas` 0 forwards all but 1/64.
    pub fn call(
        kind: i32,
        addr: *const u8,
        value: *const u8,
        data: *const u8,
        data_len: i32,
        gas: i64,
    ) -> i32;
    /// `CREATE` (`salt` = -1) or `CREATE2`; 0 success (address written), 1 revert, 2 failure.
    pub fn create(
        code: *const u8,
        code_len: i32,
        value: *const u8,
        salt: *const u8,
        address_out: *mut u8,
    ) -> i32;
    /// `RETURNDATASIZE`.
    pub fn return_data_size() -> i32;
    /// `RETURNDATACOPY`.
    pub fn return_data_copy(dest: *mut u8, offset: i32, len: i32);
    /// `KECCAK256` of `len` bytes at `ptr` into `out`.
    pub fn keccak256(ptr: *const u8, len: i32, out: *mut u8);
    /// The chain suite's hash (Keccak-256 or SM3) of `len` bytes at `ptr` into `out`.
    pub fn chain_hash(ptr: *const u8, len: i32, out: *mut u8);
}
