//! The C interface between a node and a plugin, version [`ABI_VERSION`].
//!
//! Everything that crosses the boundary is `#[repr(C)]`: plain integers, fixed-size byte
//! arrays and `(pointer, length)` pairs. No Rust type with a layout of its own, no trait
//! object and no allocation crosses it; each side frees only what it allocated:
//!
//! - bytes the host hands the plugin (input, environment, storage values) live in host
//!   memory for the duration of the call that hands them over; a storage read copies into
//!   a buffer the *plugin* owns;
//! - the output of [`CallFn`] is allocated by the plugin and handed back to it with
//!   [`FreeFn`] once the host has copied it.
//!
//! A plugin exports these symbols (the [`export_plugin!`](crate::export_plugin) macro writes
//! them):
//!
//! | symbol | type |
//! |---|---|
//! | `weft_plugin_abi_version` | [`AbiVersionFn`] — stable across every ABI version |
//! | `weft_plugin_info` | [`InfoFn`] |
//! | `weft_plugin_call` | [`CallFn`] |
//! | `weft_plugin_hook` | [`HookFn`] |
//! | `weft_plugin_free` | [`FreeFn`] |
//!
//! Panics never unwind across the boundary: the exported functions catch them and report
//! [`CALL_PANIC`] with the panic message.

use std::ffi::c_void;

/// The ABI version this crate speaks. A host refuses plugins of any other version.
pub const ABI_VERSION: u32 = 1;

/// Borrowed bytes: valid for the duration of the call they are passed to.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WeftBytes {
    /// First byte (may be dangling when `len` is 0).
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl WeftBytes {
    /// Borrow a slice.
    pub fn from_slice(bytes: &[u8]) -> Self {
        WeftBytes {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }

    /// The bytes as a slice.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that outlive the returned slice (or `len`
    /// must be 0).
    pub unsafe fn as_slice<'a>(&self) -> &'a [u8] {
        if self.len == 0 || self.ptr.is_null() {
            &[]
        } else {
            // SAFETY: the caller guarantees `ptr` points to `len` live bytes.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

/// Bytes a plugin allocated and hands to the host; the host gives them back through
/// [`FreeFn`] when done.
#[repr(C)]
#[derive(Debug)]
pub struct WeftOutput {
    /// First byte (null when empty).
    pub ptr: *mut u8,
    /// Number of bytes.
    pub len: usize,
    /// Allocated capacity (the plugin's business).
    pub cap: usize,
}

impl WeftOutput {
    /// An empty output (nothing to free).
    pub const EMPTY: WeftOutput = WeftOutput {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    };
}

/// An inclusive range of addresses a plugin answers at (for instance, one address per
/// table a CRUD plugin opened).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeftAddressRange {
    /// First address of the range.
    pub first: [u8; 20],
    /// Last address of the range.
    pub last: [u8; 20],
}

/// What a plugin declares about itself.
#[repr(C)]
#[derive(Debug)]
pub struct WeftPluginInfo {
    /// [`ABI_VERSION`] of the crate the plugin was built with.
    pub abi_version: u32,
    /// The plugin's name (UTF-8); genesis pins plugins by name and hash.
    pub name: WeftBytes,
    /// The plugin's own version (UTF-8).
    pub version: WeftBytes,
    /// Addresses the plugin answers at; the first one is its storage namespace.
    pub addresses: *const [u8; 20],
    /// Number of `addresses` (at least 1).
    pub address_count: usize,
    /// Further address ranges the plugin answers at.
    pub ranges: *const WeftAddressRange,
    /// Number of `ranges`.
    pub range_count: usize,
    /// Gas charged for every call before the plugin runs.
    pub base_gas: u64,
    /// [`FLAG_AUTH_HOOK`] if the plugin answers permission questions through
    /// `weft_plugin_hook`.
    pub flags: u32,
}

/// [`WeftPluginInfo::flags`]: the plugin decides [`WeftAuthRequest`]s (at most one plugin
/// of a chain may).
pub const FLAG_AUTH_HOOK: u32 = 1;

/// What the host tells a plugin about the call it runs.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WeftEnv {
    /// The account that called the plugin (`msg.sender`).
    pub caller: [u8; 20],
    /// The account that signed the transaction (`tx.origin`).
    pub origin: [u8; 20],
    /// The address that was called (one of the plugin's addresses).
    pub address: [u8; 20],
    /// The number of the block being executed.
    pub block_number: u64,
    /// The block's timestamp, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Gas available to the call (before the base charge).
    pub gas_limit: u64,
    /// 1 when the call may not write (a static call), else 0.
    pub is_static: u8,
    /// The chain's crypto suite: 0 standard (Keccak-256, secp256k1), 1 SM (SM3, SM2).
    pub suite: u8,
}

/// A permission question: may `account` do `kind` on `contract` (and `table`)?
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WeftAuthRequest {
    /// One of the `AUTH_*` constants.
    pub kind: u32,
    /// The account acting (the transaction's origin).
    pub account: [u8; 20],
    /// The contract concerned (the callee, or the new contract).
    pub contract: [u8; 20],
    /// The selector of the method called ([`AUTH_CALL`]).
    pub selector: [u8; 4],
    /// The table concerned ([`AUTH_CREATE_TABLE`], [`AUTH_WRITE_TABLE`]), UTF-8.
    pub table: WeftBytes,
}

/// May `account` deploy a contract?
pub const AUTH_DEPLOY: u32 = 1;
/// May `account` call `selector` of `contract`?
pub const AUTH_CALL: u32 = 2;
/// May `account` create `table`?
pub const AUTH_CREATE_TABLE: u32 = 3;
/// May `account` insert, update or remove rows of `table`?
pub const AUTH_WRITE_TABLE: u32 = 4;
/// `account` has deployed `contract` (a notification: the answer is ignored).
pub const AUTH_CONTRACT_CREATED: u32 = 5;

/// Status of a host function: done.
pub const HOST_OK: i32 = 0;
/// [`WeftHostApi::storage_get`]: the key holds no value.
pub const HOST_ABSENT: i32 = 1;
/// [`WeftHostApi::storage_get`]: the buffer is too small; the needed size was written.
pub const HOST_BUFFER_TOO_SMALL: i32 = 2;
/// [`WeftHostApi::authorize`]: denied.
pub const HOST_DENIED: i32 = 3;
/// The call ran out of gas; the plugin should return at once.
pub const HOST_OUT_OF_GAS: i32 = -1;
/// A write was attempted in a static call.
pub const HOST_STATIC_WRITE: i32 = -2;
/// A key, value, topic count or log exceeded the host's limits.
pub const HOST_TOO_LARGE: i32 = -3;
/// The host failed (storage error); the transaction cannot complete.
pub const HOST_FAILED: i32 = -4;

/// Largest storage key, in bytes.
pub const MAX_KEY_LEN: usize = 1024;
/// Largest storage value, in bytes (16 MiB, FISCO's CRUD value limit).
pub const MAX_VALUE_LEN: usize = 16 * 1024 * 1024;
/// Most topics of one log.
pub const MAX_LOG_TOPICS: usize = 4;

/// The host's gas schedule for storage and logs (on top of a plugin's base gas and what it
/// charges itself).
pub mod gas {
    /// A storage read.
    pub const STORAGE_READ: u64 = 800;
    /// Per 32-byte word of a value read.
    pub const STORAGE_READ_WORD: u64 = 100;
    /// A storage write or removal.
    pub const STORAGE_WRITE: u64 = 5_000;
    /// Per 32-byte word of a value written.
    pub const STORAGE_WRITE_WORD: u64 = 1_000;
    /// A log.
    pub const LOG: u64 = 375;
    /// Per log topic.
    pub const LOG_TOPIC: u64 = 375;
    /// Per byte of log data.
    pub const LOG_BYTE: u64 = 8;
}

/// The host's side: a context pointer and the functions a plugin may call with it.
#[repr(C)]
#[derive(Debug)]
pub struct WeftHostApi {
    /// `size_of::<WeftHostApi>()` as the host built it (lets later versions add fields).
    pub struct_size: usize,
    /// The host's context; passed back to every function.
    pub ctx: *mut c_void,
    /// The call's environment.
    pub env: WeftEnv,
    /// Read `key` of the plugin's namespace into `out` (capacity `cap`); writes the
    /// value's length to `len`. Returns [`HOST_OK`], [`HOST_ABSENT`],
    /// [`HOST_BUFFER_TOO_SMALL`] (call again with a larger buffer) or an error.
    pub storage_get: unsafe extern "C" fn(
        ctx: *mut c_void,
        key: WeftBytes,
        out: *mut u8,
        cap: usize,
        len: *mut usize,
    ) -> i32,
    /// Write `value` at `key` of the plugin's namespace.
    pub storage_set:
        unsafe extern "C" fn(ctx: *mut c_void, key: WeftBytes, value: WeftBytes) -> i32,
    /// Remove `key` from the plugin's namespace.
    pub storage_remove: unsafe extern "C" fn(ctx: *mut c_void, key: WeftBytes) -> i32,
    /// Emit a log from the called address with `count` topics.
    pub emit_log: unsafe extern "C" fn(
        ctx: *mut c_void,
        topics: *const [u8; 32],
        count: usize,
        data: WeftBytes,
    ) -> i32,
    /// Charge gas; [`HOST_OUT_OF_GAS`] when not enough is left.
    pub charge_gas: unsafe extern "C" fn(ctx: *mut c_void, amount: u64) -> i32,
    /// Ask the chain's permission plugin; [`HOST_OK`] allowed, [`HOST_DENIED`] denied
    /// (always allowed when the chain does not check permissions).
    pub authorize: unsafe extern "C" fn(ctx: *mut c_void, request: *const WeftAuthRequest) -> i32,
    /// Is `account` one of the chain's admin accounts (named in genesis)? [`HOST_OK`] yes,
    /// [`HOST_DENIED`] no.
    pub is_admin: unsafe extern "C" fn(ctx: *mut c_void, account: *const [u8; 20]) -> i32,
}

/// `weft_plugin_call` / `weft_plugin_hook` result: success; output is the return data.
pub const CALL_SUCCESS: i32 = 0;
/// The call reverted; output is the revert data. Writes are undone.
pub const CALL_REVERT: i32 = 1;
/// The call failed; output is a UTF-8 message. Writes are undone, all gas is consumed.
pub const CALL_FAIL: i32 = 2;
/// The call ran out of gas.
pub const CALL_OUT_OF_GAS: i32 = 3;
/// The plugin panicked; output is the panic message (UTF-8).
pub const CALL_PANIC: i32 = 4;
/// `weft_plugin_hook`: denied (success means allowed).
pub const CALL_DENIED: i32 = 5;
/// `weft_plugin_hook`: denied because the contract is frozen (or abolished).
pub const CALL_FROZEN: i32 = 6;

/// `weft_plugin_abi_version`.
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;
/// `weft_plugin_info`: a pointer to static data, valid as long as the plugin is loaded.
pub type InfoFn = unsafe extern "C" fn() -> *const WeftPluginInfo;
/// `weft_plugin_call`: run a call to `address` with `input`; writes the output to `out`.
pub type CallFn = unsafe extern "C" fn(
    host: *const WeftHostApi,
    address: *const [u8; 20],
    input: WeftBytes,
    out: *mut WeftOutput,
) -> i32;
/// `weft_plugin_hook`: answer a permission question ([`CALL_SUCCESS`] allowed,
/// [`CALL_DENIED`] denied, [`CALL_FROZEN`] denied as the contract is frozen, anything else
/// an error with a message in `out`).
pub type HookFn = unsafe extern "C" fn(
    host: *const WeftHostApi,
    request: *const WeftAuthRequest,
    out: *mut WeftOutput,
) -> i32;
/// `weft_plugin_free`: give back an output the plugin allocated.
pub type FreeFn = unsafe extern "C" fn(out: WeftOutput);
