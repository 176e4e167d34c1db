//! The host's side of the C interface: a [`WeftHostApi`] whose functions forward to a
//! `&mut dyn Host`.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use alloy_primitives::{Address, B256};
use weft_plugin_abi::ffi::{self, WeftAuthRequest, WeftBytes, WeftHostApi};
use weft_plugin_abi::{AuthKind, AuthRequest, Host, HostError};

/// The context behind [`WeftHostApi::ctx`]: the host a plugin call runs against.
struct Ctx<'a, 'h> {
    host: &'a mut (dyn Host + 'h),
}

/// Run `f` on the host behind `ctx`; a panic in the host becomes [`ffi::HOST_FAILED`]
/// (nothing unwinds into the plugin).
///
/// # Safety
/// `ctx` must be the context of a live [`with_api`] call.
unsafe fn on_host(ctx: *mut c_void, f: impl FnOnce(&mut dyn Host) -> i32) -> i32 {
    if ctx.is_null() {
        return ffi::HOST_FAILED;
    }
    // SAFETY: `ctx` points to the `Ctx` of the enclosing `with_api` call, alive and not
    // otherwise borrowed while the plugin runs.
    let ctx = unsafe { &mut *ctx.cast::<Ctx<'_, '_>>() };
    catch_unwind(AssertUnwindSafe(|| f(&mut *ctx.host))).unwrap_or(ffi::HOST_FAILED)
}

fn code(result: Result<(), HostError>) -> i32 {
    match result {
        Ok(()) => ffi::HOST_OK,
        Err(e) => e.code(),
    }
}

unsafe extern "C" fn storage_get(
    ctx: *mut c_void,
    key: WeftBytes,
    out: *mut u8,
    cap: usize,
    len: *mut usize,
) -> i32 {
    // SAFETY: the plugin passes its key for the duration of the call.
    let key = unsafe { key.as_slice() };
    // SAFETY: `ctx` comes from `with_api`.
    unsafe {
        on_host(ctx, |host| match host.get(key) {
            Ok(None) => ffi::HOST_ABSENT,
            Ok(Some(value)) => {
                if !len.is_null() {
                    // SAFETY: the plugin passes a valid out pointer.
                    *len = value.len();
                }
                if value.len() > cap || (out.is_null() && !value.is_empty()) {
                    return ffi::HOST_BUFFER_TOO_SMALL;
                }
                // SAFETY: `out` has `cap >= value.len()` writable bytes.
                std::ptr::copy_nonoverlapping(value.as_ptr(), out, value.len());
                ffi::HOST_OK
            }
            Err(e) => e.code(),
        })
    }
}

unsafe extern "C" fn storage_set(ctx: *mut c_void, key: WeftBytes, value: WeftBytes) -> i32 {
    // SAFETY: the plugin passes its key and value for the duration of the call.
    let (key, value) = unsafe { (key.as_slice(), value.as_slice()) };
    // SAFETY: `ctx` comes from `with_api`.
    unsafe { on_host(ctx, |host| code(host.set(key, value))) }
}

unsafe extern "C" fn storage_remove(ctx: *mut c_void, key: WeftBytes) -> i32 {
    // SAFETY: the plugin passes its key for the duration of the call.
    let key = unsafe { key.as_slice() };
    // SAFETY: `ctx` comes from `with_api`.
    unsafe { on_host(ctx, |host| code(host.remove(key))) }
}

unsafe extern "C" fn emit_log(
    ctx: *mut c_void,
    topics: *const [u8; 32],
    count: usize,
    data: WeftBytes,
) -> i32 {
    if count > ffi::MAX_LOG_TOPICS || (count > 0 && topics.is_null()) {
        return ffi::HOST_TOO_LARGE;
    }
    let topics: Vec<B256> = if count == 0 {
        Vec::new()
    } else {
        // SAFETY: the plugin passes `count` topics.
        unsafe { std::slice::from_raw_parts(topics, count) }
            .iter()
            .map(|t| B256::from(*t))
            .collect()
    };
    // SAFETY: the plugin passes its data for the duration of the call.
    let data = unsafe { data.as_slice() };
    // SAFETY: `ctx` comes from `with_api`.
    unsafe { on_host(ctx, |host| code(host.emit_log(&topics, data))) }
}

unsafe extern "C" fn charge_gas(ctx: *mut c_void, amount: u64) -> i32 {
    // SAFETY: `ctx` comes from `with_api`.
    unsafe { on_host(ctx, |host| code(host.charge_gas(amount))) }
}

unsafe extern "C" fn authorize(ctx: *mut c_void, request: *const WeftAuthRequest) -> i32 {
    if request.is_null() {
        return ffi::HOST_FAILED;
    }
    // SAFETY: the plugin passes a valid request for the duration of the call.
    let raw = unsafe { &*request };
    let Some(kind) = AuthKind::from_code(raw.kind) else {
        return ffi::HOST_FAILED;
    };
    // SAFETY: as above, the table name lives for the call.
    let table = unsafe { raw.table.as_slice() };
    let Ok(table) = std::str::from_utf8(table) else {
        return ffi::HOST_FAILED;
    };
    let request = AuthRequest {
        kind,
        account: Address::from(raw.account),
        contract: Address::from(raw.contract),
        selector: raw.selector,
        table: table.to_string(),
    };
    // SAFETY: `ctx` comes from `with_api`.
    unsafe {
        on_host(ctx, |host| match host.authorize(&request) {
            Ok(true) => ffi::HOST_OK,
            Ok(false) => ffi::HOST_DENIED,
            Err(e) => e.code(),
        })
    }
}

unsafe extern "C" fn is_admin(ctx: *mut c_void, account: *const [u8; 20]) -> i32 {
    if account.is_null() {
        return ffi::HOST_FAILED;
    }
    // SAFETY: the plugin passes a valid address for the duration of the call.
    let account = Address::from(unsafe { *account });
    // SAFETY: `ctx` comes from `with_api`.
    unsafe {
        on_host(ctx, |host| match host.is_admin(account) {
            Ok(true) => ffi::HOST_OK,
            Ok(false) => ffi::HOST_DENIED,
            Err(e) => e.code(),
        })
    }
}

/// Run `f` with a C function table forwarding to `host`. The table (and the context it
/// points to) lives exactly as long as `f` runs.
pub(crate) fn with_api<R>(host: &mut dyn Host, f: impl FnOnce(&WeftHostApi) -> R) -> R {
    let env = host.env().to_ffi();
    let mut ctx = Ctx { host };
    let api = WeftHostApi {
        struct_size: std::mem::size_of::<WeftHostApi>(),
        ctx: (&mut ctx as *mut Ctx<'_, '_>).cast::<c_void>(),
        env,
        storage_get,
        storage_set,
        storage_remove,
        emit_log,
        charge_gas,
        authorize,
        is_admin,
    };
    f(&api)
}
