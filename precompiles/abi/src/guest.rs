//! The plugin's side: the [`Plugin`] trait and the glue [`export_plugin!`] generates.

use std::panic::{catch_unwind, AssertUnwindSafe};

use alloy_primitives::{Address, B256};

use crate::ffi::{self, WeftBytes, WeftOutput};
use crate::host::{AuthKind, AuthRequest, CallError, CallResult, Env, Host, HostError, Verdict};

/// What a plugin declares about itself.
#[derive(Debug, Clone, Copy)]
pub struct PluginInfo {
    /// The plugin's name: genesis pins plugins by name and SHA-256.
    pub name: &'static str,
    /// The plugin's own version.
    pub version: &'static str,
    /// The addresses it answers at; the first is its storage namespace.
    pub addresses: &'static [Address],
    /// Further inclusive address ranges it answers at.
    pub ranges: &'static [(Address, Address)],
    /// Gas charged for every call before the plugin runs.
    pub base_gas: u64,
    /// Whether the plugin answers permission questions ([`Plugin::authorize`]).
    pub auth_hook: bool,
}

/// A precompile plugin: write one of these and [`export_plugin!`] it.
pub trait Plugin {
    /// The plugin's declaration.
    const INFO: PluginInfo;

    /// Run a call to `address` (one of [`PluginInfo::addresses`] or `ranges`) with `input`.
    fn call(host: &mut dyn Host, address: Address, input: &[u8]) -> CallResult;

    /// Answer a permission question (only asked of plugins declaring
    /// [`PluginInfo::auth_hook`]).
    fn authorize(host: &mut dyn Host, request: &AuthRequest) -> Result<Verdict, CallError> {
        let _ = (host, request);
        Ok(Verdict::Allow)
    }
}

/// [`Host`] over the C interface the node passed in.
pub struct FfiHost<'a> {
    api: &'a ffi::WeftHostApi,
}

impl<'a> FfiHost<'a> {
    /// Wrap the host's function table.
    pub fn new(api: &'a ffi::WeftHostApi) -> Self {
        FfiHost { api }
    }
}

fn status(code: i32) -> Result<(), HostError> {
    if code == ffi::HOST_OK {
        Ok(())
    } else {
        Err(HostError::from_code(code))
    }
}

impl Host for FfiHost<'_> {
    fn env(&self) -> Env {
        Env::from_ffi(&self.api.env)
    }

    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        let mut buf: Vec<u8> = Vec::with_capacity(256);
        loop {
            let mut len = 0usize;
            // SAFETY: the host's function table is valid for the call; `buf` has
            // `capacity` writable bytes and `len` is a valid out pointer.
            let code = unsafe {
                (self.api.storage_get)(
                    self.api.ctx,
                    WeftBytes::from_slice(key),
                    buf.as_mut_ptr(),
                    buf.capacity(),
                    &mut len,
                )
            };
            match code {
                ffi::HOST_OK if len <= buf.capacity() => {
                    // SAFETY: the host wrote `len` bytes into the buffer.
                    unsafe { buf.set_len(len) };
                    return Ok(Some(buf));
                }
                ffi::HOST_ABSENT => return Ok(None),
                ffi::HOST_BUFFER_TOO_SMALL if len > buf.capacity() => {
                    if len > ffi::MAX_VALUE_LEN {
                        return Err(HostError::TooLarge);
                    }
                    buf.reserve_exact(len);
                }
                ffi::HOST_OK | ffi::HOST_BUFFER_TOO_SMALL => return Err(HostError::Failed),
                other => return Err(HostError::from_code(other)),
            }
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), HostError> {
        // SAFETY: valid function table; the slices outlive the call.
        status(unsafe {
            (self.api.storage_set)(
                self.api.ctx,
                WeftBytes::from_slice(key),
                WeftBytes::from_slice(value),
            )
        })
    }

    fn remove(&mut self, key: &[u8]) -> Result<(), HostError> {
        // SAFETY: valid function table; the slice outlives the call.
        status(unsafe { (self.api.storage_remove)(self.api.ctx, WeftBytes::from_slice(key)) })
    }

    fn emit_log(&mut self, topics: &[B256], data: &[u8]) -> Result<(), HostError> {
        let raw: Vec<[u8; 32]> = topics.iter().map(|t| t.0).collect();
        // SAFETY: valid function table; `raw` and `data` outlive the call.
        status(unsafe {
            (self.api.emit_log)(
                self.api.ctx,
                raw.as_ptr(),
                raw.len(),
                WeftBytes::from_slice(data),
            )
        })
    }

    fn charge_gas(&mut self, amount: u64) -> Result<(), HostError> {
        // SAFETY: valid function table.
        status(unsafe { (self.api.charge_gas)(self.api.ctx, amount) })
    }

    fn authorize(&mut self, request: &AuthRequest) -> Result<bool, HostError> {
        let raw = ffi::WeftAuthRequest {
            kind: request.kind.code(),
            account: request.account.into_array(),
            contract: request.contract.into_array(),
            selector: request.selector,
            table: WeftBytes::from_slice(request.table.as_bytes()),
        };
        // SAFETY: valid function table; `raw` (and the table name it borrows) outlive the
        // call.
        match unsafe { (self.api.authorize)(self.api.ctx, &raw) } {
            ffi::HOST_OK => Ok(true),
            ffi::HOST_DENIED => Ok(false),
            other => Err(HostError::from_code(other)),
        }
    }

    fn is_admin(&mut self, account: Address) -> Result<bool, HostError> {
        let raw = account.into_array();
        // SAFETY: valid function table; `raw` outlives the call.
        match unsafe { (self.api.is_admin)(self.api.ctx, &raw) } {
            ffi::HOST_OK => Ok(true),
            ffi::HOST_DENIED => Ok(false),
            other => Err(HostError::from_code(other)),
        }
    }
}

/// Hand `bytes` to the host as a plugin-allocated output.
fn output(bytes: Vec<u8>) -> WeftOutput {
    let mut bytes = std::mem::ManuallyDrop::new(bytes);
    WeftOutput {
        ptr: bytes.as_mut_ptr(),
        len: bytes.len(),
        cap: bytes.capacity(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "the plugin panicked".to_string()
    }
}

fn end(result: CallResult, out: &mut WeftOutput) -> i32 {
    match result {
        Ok(data) => {
            *out = output(data);
            ffi::CALL_SUCCESS
        }
        Err(CallError::Revert(data)) => {
            *out = output(data);
            ffi::CALL_REVERT
        }
        Err(CallError::Fail(message)) => {
            *out = output(message.into_bytes());
            ffi::CALL_FAIL
        }
        Err(CallError::Host(HostError::OutOfGas)) => ffi::CALL_OUT_OF_GAS,
        Err(CallError::Host(e)) => {
            *out = output(e.to_string().into_bytes());
            ffi::CALL_FAIL
        }
    }
}

/// The body of `weft_plugin_call`.
///
/// # Safety
/// `host`, `address` and `out` must be valid pointers and `input` valid bytes, for the
/// duration of the call (the host guarantees it).
#[doc(hidden)]
pub unsafe fn export_call<P: Plugin>(
    host: *const ffi::WeftHostApi,
    address: *const [u8; 20],
    input: WeftBytes,
    out: *mut WeftOutput,
) -> i32 {
    if host.is_null() || address.is_null() || out.is_null() {
        return ffi::CALL_FAIL;
    }
    // SAFETY: checked non-null; the host guarantees validity for the call.
    let (api, address, out) = unsafe { (&*host, Address::from(*address), &mut *out) };
    *out = WeftOutput::EMPTY;
    // SAFETY: the host guarantees `input` is valid for the call.
    let input = unsafe { input.as_slice() };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut host = FfiHost::new(api);
        P::call(&mut host, address, input)
    }));
    match result {
        Ok(result) => end(result, out),
        Err(payload) => {
            *out = output(panic_message(payload.as_ref()).into_bytes());
            ffi::CALL_PANIC
        }
    }
}

/// The body of `weft_plugin_hook`.
///
/// # Safety
/// As [`export_call`].
#[doc(hidden)]
pub unsafe fn export_hook<P: Plugin>(
    host: *const ffi::WeftHostApi,
    request: *const ffi::WeftAuthRequest,
    out: *mut WeftOutput,
) -> i32 {
    if host.is_null() || request.is_null() || out.is_null() {
        return ffi::CALL_FAIL;
    }
    // SAFETY: checked non-null; the host guarantees validity for the call.
    let (api, raw, out) = unsafe { (&*host, &*request, &mut *out) };
    *out = WeftOutput::EMPTY;
    let Some(kind) = AuthKind::from_code(raw.kind) else {
        *out = output(b"unknown permission question".to_vec());
        return ffi::CALL_FAIL;
    };
    // SAFETY: the host guarantees the table bytes are valid for the call.
    let table = String::from_utf8_lossy(unsafe { raw.table.as_slice() }).into_owned();
    let request = AuthRequest {
        kind,
        account: Address::from(raw.account),
        contract: Address::from(raw.contract),
        selector: raw.selector,
        table,
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut host = FfiHost::new(api);
        P::authorize(&mut host, &request)
    }));
    match result {
        Ok(Ok(Verdict::Allow)) => ffi::CALL_SUCCESS,
        Ok(Ok(Verdict::Deny)) => ffi::CALL_DENIED,
        Ok(Ok(Verdict::Frozen)) => ffi::CALL_FROZEN,
        Ok(Err(e)) => end(Err(e), out),
        Err(payload) => {
            *out = output(panic_message(payload.as_ref()).into_bytes());
            ffi::CALL_PANIC
        }
    }
}

/// The body of `weft_plugin_free`.
///
/// # Safety
/// `out` must come from [`export_call`] or [`export_hook`] of this plugin, given back once.
#[doc(hidden)]
pub unsafe fn export_free(out: WeftOutput) {
    if !out.ptr.is_null() {
        // SAFETY: `out` was made from a `Vec<u8>` by `output` and is given back once.
        drop(unsafe { Vec::from_raw_parts(out.ptr, out.len, out.cap) });
    }
}

/// The C declaration of a plugin, built once from its [`PluginInfo`].
#[doc(hidden)]
pub struct StaticInfo {
    info: ffi::WeftPluginInfo,
    _addresses: Vec<[u8; 20]>,
    _ranges: Vec<ffi::WeftAddressRange>,
}

// SAFETY: the pointers in `info` point into the owned vectors and static strings, never
// written after construction.
unsafe impl Send for StaticInfo {}
// SAFETY: as above; the data is immutable.
unsafe impl Sync for StaticInfo {}

impl StaticInfo {
    /// Build the C declaration.
    pub fn new(info: &PluginInfo) -> Self {
        let addresses: Vec<[u8; 20]> = info.addresses.iter().map(|a| a.into_array()).collect();
        let ranges: Vec<ffi::WeftAddressRange> = info
            .ranges
            .iter()
            .map(|(first, last)| ffi::WeftAddressRange {
                first: first.into_array(),
                last: last.into_array(),
            })
            .collect();
        StaticInfo {
            info: ffi::WeftPluginInfo {
                abi_version: ffi::ABI_VERSION,
                name: WeftBytes::from_slice(info.name.as_bytes()),
                version: WeftBytes::from_slice(info.version.as_bytes()),
                addresses: addresses.as_ptr(),
                address_count: addresses.len(),
                ranges: ranges.as_ptr(),
                range_count: ranges.len(),
                base_gas: info.base_gas,
                flags: if info.auth_hook {
                    ffi::FLAG_AUTH_HOOK
                } else {
                    0
                },
            },
            _addresses: addresses,
            _ranges: ranges,
        }
    }

    /// The C declaration.
    pub fn get(&self) -> *const ffi::WeftPluginInfo {
        &self.info
    }
}

/// Export a [`Plugin`] as a Weft plugin: writes the C symbols a node loads. Use once, in
/// a `cdylib` crate.
///
/// ```ignore
/// struct Hello;
/// impl weft_plugin_abi::Plugin for Hello { /* … */ }
/// weft_plugin_abi::export_plugin!(Hello);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[no_mangle]
        pub extern "C" fn weft_plugin_abi_version() -> u32 {
            $crate::ffi::ABI_VERSION
        }

        #[doc(hidden)]
        #[no_mangle]
        pub extern "C" fn weft_plugin_info() -> *const $crate::ffi::WeftPluginInfo {
            static INFO: ::std::sync::OnceLock<$crate::guest::StaticInfo> =
                ::std::sync::OnceLock::new();
            INFO.get_or_init(|| $crate::guest::StaticInfo::new(&<$plugin as $crate::Plugin>::INFO))
                .get()
        }

        #[doc(hidden)]
        #[no_mangle]
        pub unsafe extern "C" fn weft_plugin_call(
            host: *const $crate::ffi::WeftHostApi,
            address: *const [u8; 20],
            input: $crate::ffi::WeftBytes,
            out: *mut $crate::ffi::WeftOutput,
        ) -> i32 {
            // SAFETY: the host upholds the ABI's contract for these pointers.
            unsafe { $crate::guest::export_call::<$plugin>(host, address, input, out) }
        }

        #[doc(hidden)]
        #[no_mangle]
        pub unsafe extern "C" fn weft_plugin_hook(
            host: *const $crate::ffi::WeftHostApi,
            request: *const $crate::ffi::WeftAuthRequest,
            out: *mut $crate::ffi::WeftOutput,
        ) -> i32 {
            // SAFETY: the host upholds the ABI's contract for these pointers.
            unsafe { $crate::guest::export_hook::<$plugin>(host, request, out) }
        }

        #[doc(hidden)]
        #[no_mangle]
        pub unsafe extern "C" fn weft_plugin_free(out: $crate::ffi::WeftOutput) {
            // SAFETY: the host gives back each output once.
            unsafe { $crate::guest::export_free(out) }
        }
    };
}

/// Emit a `sol!` event from the called address.
pub fn emit<E: alloy_sol_types::SolEvent>(host: &mut dyn Host, event: &E) -> Result<(), HostError> {
    let topics: Vec<B256> = event
        .encode_topics()
        .into_iter()
        .map(|t| B256::from(t.0))
        .collect();
    host.emit_log(&topics, &event.encode_data())
}

/// Run one method: call `method` with the decoded call and ABI-encode what it returns.
#[doc(hidden)]
pub fn run_method<C: alloy_sol_types::SolCall>(
    host: &mut dyn Host,
    call: C,
    method: impl FnOnce(&mut dyn Host, C) -> Result<C::Return, CallError>,
) -> CallResult {
    let returned = method(host, call)?;
    Ok(C::abi_encode_returns(&returned))
}

/// Dispatch a call to one ordinary Rust function per method of a `sol!` interface.
///
/// Each function takes the host and the decoded call struct and returns the method's
/// return value (`Result<_, CallError>`); the macro decodes the input, picks the function
/// by selector and ABI-encodes what it returns. An unknown selector or malformed input
/// reverts with a message.
///
/// ```ignore
/// sol! { interface Greeter { function greet(string name) external returns (string); } }
/// fn greet(_host: &mut dyn Host, call: Greeter::greetCall) -> Result<String, CallError> {
///     Ok(format!("hello, {}", call.name))
/// }
/// // inside Plugin::call:
/// weft_plugin_abi::dispatch!(host, input, Greeter::GreeterCalls { greet => greet })
/// ```
#[macro_export]
macro_rules! dispatch {
    ($host:expr, $input:expr, $iface:ident :: $calls:ident { $($variant:ident => $func:path),* $(,)? }) => {{
        match <$iface::$calls as $crate::sol_types::SolInterface>::abi_decode($input) {
            $(
                Ok($iface::$calls::$variant(call)) => $crate::guest::run_method($host, call, $func),
            )*
            #[allow(unreachable_patterns)]
            Ok(_) => Err($crate::CallError::revert_message("method not implemented")),
            Err(e) => Err($crate::CallError::from(e)),
        }
    }};
}
