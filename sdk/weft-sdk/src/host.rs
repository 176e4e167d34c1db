//! One safe surface over the two backends: the `"weft"` imports on `wasm32`, the
//! thread-local [`crate::testing::TestHost`] elsewhere. Everything public is built on it.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::native::*;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

/// Status of a `call`/`create` as the host reports it.
pub(crate) const STATUS_SUCCESS: i32 = 0;
pub(crate) const STATUS_REVERT: i32 = 1;

/// The body of the `call` export: dispatch the input, return or revert.
pub fn entry<C: crate::Contract>() {
    let input = input();
    match C::dispatch(&input) {
        Ok(out) => set_return(&out),
        Err(data) => revert(&data),
    }
}

/// The body of the `deploy` export: run the constructor, return or revert.
pub fn entry_deploy<C: crate::Contract>() {
    let input = input();
    match C::dispatch_deploy(&input) {
        Ok(out) => set_return(&out),
        Err(data) => revert(&data),
    }
}

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod wasm {
    use crate::hostio as sys;
    use alloc::vec::Vec;

    pub(crate) fn input() -> Vec<u8> {
        // SAFETY: the host writes exactly `len` bytes into the buffer we own.
        unsafe {
            let len = sys::input_size() as usize;
            let mut buf = Vec::with_capacity(len);
            sys::input_copy(buf.as_mut_ptr(), 0, len as i32);
            buf.set_len(len);
            buf
        }
    }

    pub(crate) fn set_return(data: &[u8]) {
        // SAFETY: a valid slice.
        unsafe { sys::set_return(data.as_ptr(), data.len() as i32) }
    }

    pub(crate) fn revert(data: &[u8]) -> ! {
        // SAFETY: a valid slice; the host never returns.
        unsafe { sys::revert(data.as_ptr(), data.len() as i32) }
    }

    pub(crate) fn storage_load(key: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: 32-byte buffers.
        unsafe { sys::storage_load(key.as_ptr(), out.as_mut_ptr()) };
        out
    }

    pub(crate) fn storage_store(key: &[u8; 32], value: &[u8; 32]) {
        // SAFETY: 32-byte buffers.
        unsafe { sys::storage_store(key.as_ptr(), value.as_ptr()) }
    }

    pub(crate) fn emit_log(topics: &[[u8; 32]], data: &[u8]) {
        // SAFETY: `[[u8; 32]]` is contiguous, 32 bytes a topic.
        unsafe {
            sys::emit_log(
                topics.as_ptr().cast(),
                topics.len() as i32,
                data.as_ptr(),
                data.len() as i32,
            )
        }
    }

    pub(crate) fn caller() -> [u8; 20] {
        let mut out = [0u8; 20];
        // SAFETY: the host writes 20 bytes.
        unsafe { sys::caller(out.as_mut_ptr()) };
        out
    }

    pub(crate) fn origin() -> [u8; 20] {
        let mut out = [0u8; 20];
        // SAFETY: the host writes 20 bytes.
        unsafe { sys::origin(out.as_mut_ptr()) };
        out
    }

    pub(crate) fn address() -> [u8; 20] {
        let mut out = [0u8; 20];
        // SAFETY: the host writes 20 bytes.
        unsafe { sys::address(out.as_mut_ptr()) };
        out
    }

    pub(crate) fn call_value() -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: the host writes 32 bytes.
        unsafe { sys::call_value(out.as_mut_ptr()) };
        out
    }

    pub(crate) fn block_number() -> u64 {
        // SAFETY: no arguments.
        unsafe { sys::block_number() as u64 }
    }

    pub(crate) fn block_timestamp() -> u64 {
        // SAFETY: no arguments.
        unsafe { sys::block_timestamp() as u64 }
    }

    pub(crate) fn chain_id() -> u64 {
        // SAFETY: no arguments.
        unsafe { sys::chain_id() as u64 }
    }

    pub(crate) fn gas_left() -> u64 {
        // SAFETY: no arguments.
        unsafe { sys::gas_left() as u64 }
    }

    /// Runs a call; returns the status and the return data.
    pub(crate) fn call(
        kind: i32,
        to: &[u8; 20],
        value: &[u8; 32],
        data: &[u8],
        gas: u64,
    ) -> (i32, Vec<u8>) {
        // SAFETY: valid buffers of the sizes the host reads.
        let status = unsafe {
            sys::call(
                kind,
                to.as_ptr(),
                value.as_ptr(),
                data.as_ptr(),
                data.len() as i32,
                gas as i64,
            )
        };
        (status, return_data())
    }

    /// Runs a create; returns the status, the new address and the return data.
    pub(crate) fn create(
        code: &[u8],
        value: &[u8; 32],
        salt: Option<&[u8; 32]>,
    ) -> (i32, [u8; 20], Vec<u8>) {
        let mut out = [0u8; 20];
        let salt_ptr = match salt {
            Some(s) => s.as_ptr(),
            None => usize::MAX as *const u8, // -1 as an i32: CREATE
        };
        // SAFETY: valid buffers; a salt pointer of -1 means "no salt".
        let status = unsafe {
            sys::create(
                code.as_ptr(),
                code.len() as i32,
                value.as_ptr(),
                salt_ptr,
                out.as_mut_ptr(),
            )
        };
        (status, out, return_data())
    }

    pub(crate) fn return_data() -> Vec<u8> {
        // SAFETY: the host writes exactly `len` bytes into the buffer we own.
        unsafe {
            let len = sys::return_data_size() as usize;
            let mut buf = Vec::with_capacity(len);
            if len > 0 {
                sys::return_data_copy(buf.as_mut_ptr(), 0, len as i32);
            }
            buf.set_len(len);
            buf
        }
    }

    pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: a valid slice and a 32-byte buffer.
        unsafe { sys::keccak256(data.as_ptr(), data.len() as i32, out.as_mut_ptr()) };
        out
    }

    pub(crate) fn chain_hash(data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: a valid slice and a 32-byte buffer.
        unsafe { sys::chain_hash(data.as_ptr(), data.len() as i32, out.as_mut_ptr()) };
        out
    }
}
