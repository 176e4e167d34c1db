//! The panic handler on `wasm32`: a panic reverts with `Error(string)` carrying the panic
//! message and where it happened, so callers (and `eth_call`) see why, rather than an
//! opaque trap.

use alloc::string::String;
use core::fmt::Write;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut msg = String::new();
    let message = info.message();
    match message.as_str() {
        Some(s) => msg.push_str(s),
        None => {
            let _ = write!(msg, "{message}");
        }
    }
    if let Some(loc) = info.location() {
        let _ = write!(msg, " ({}:{})", loc.file(), loc.line());
    }
    crate::abi::revert(msg)
}
