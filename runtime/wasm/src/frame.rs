//! The per-execution state inside a wasmtime `Store`, and the one place where the
//! executor's non-`'static` `&mut dyn Host` is made reachable from it.

use std::fmt;
use std::ptr::NonNull;

use wasmtime::{Global, Memory, Store, StoreLimits};

use crate::host::Host;
use crate::outcome::TrapKind;

/// How a host function ends the execution early: carried through wasmtime as the error
/// of the host call and recognised again by [`Engine::execute`](crate::Engine::execute).
#[derive(Clone, Debug)]
pub(crate) enum Exit {
    /// `revert(ptr, len)`.
    Revert(Vec<u8>),
    /// A contract-visible failure.
    Trap(TrapKind),
    /// A node fault reported by the host.
    Fatal(String),
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Revert(data) => write!(f, "revert with {} bytes", data.len()),
            Exit::Trap(kind) => write!(f, "trap: {kind}"),
            Exit::Fatal(why) => write!(f, "node fault: {why}"),
        }
    }
}

impl std::error::Error for Exit {}

/// What every host function works on, whatever the engine: the executor's host and the
/// frame's output and return data.
pub(crate) struct FrameData {
    /// The executor's host, with its lifetime erased; see [`with_store`].
    host: NonNull<dyn Host + 'static>,
    /// The data last passed to `set_return`.
    pub(crate) output: Vec<u8>,
    /// The return data of the last `call` / `create`.
    pub(crate) return_data: Vec<u8>,
}

impl FrameData {
    /// The executor's host for this frame.
    pub(crate) fn host(&mut self) -> &mut dyn Host {
        // SAFETY: `host` was made from a `&mut dyn Host` in `with_store`, whose borrow
        // outlives the store holding this data (the store is dropped before `with_store`
        // returns). Nothing else uses that borrow meanwhile: `with_store` holds it
        // exclusively, and this `&mut self` makes the returned reference unique.
        unsafe { self.host.as_mut() }
    }
}

/// The data of a frame's wasmtime `Store`.
pub(crate) struct HostState {
    /// Host, output and return data.
    pub(crate) frame: FrameData,
    /// The instance's exported memory, set right after instantiation.
    pub(crate) memory: Option<Memory>,
    /// The instrumented module's fuel counter (`i64`, fuel left), set with `memory`.
    pub(crate) fuel: Option<Global>,
    /// The instrumented module's out-of-fuel flag (`i32`).
    pub(crate) oog: Option<Global>,
    /// Memory and table growth limits (the store's `ResourceLimiter`).
    pub(crate) limits: StoreLimits,
}

/// Runs `f` with frame data that reaches `host`; the data never outlives this call. `f`
/// must not move the data (or a store holding it) out: it is crate-internal and only runs
/// one frame.
pub(crate) fn with_frame<R>(host: &mut dyn Host, f: impl FnOnce(FrameData) -> R) -> R {
    let host: NonNull<dyn Host + '_> = NonNull::from(host);
    // SAFETY: engines require their store data to be `'static`, and the executor's host
    // borrows its EVM context, so the trait object's lifetime is erased here. This is sound
    // because the pointer lives only inside the `FrameData` given to `f`, which drops it
    // (with the store it put it in) before returning, while the `&mut dyn Host` borrow it
    // came from is held for the whole call: the pointer never outlives the data it points
    // to and is never used concurrently with the borrow.
    let host: NonNull<dyn Host + 'static> = unsafe { std::mem::transmute(host) };
    f(FrameData {
        host,
        output: Vec::new(),
        return_data: Vec::new(),
    })
}

/// Runs `f` with a fresh wasmtime `Store` whose data reaches `host` (see [`with_frame`]).
pub(crate) fn with_store<R>(
    engine: &wasmtime::Engine,
    host: &mut dyn Host,
    limits: StoreLimits,
    f: impl FnOnce(&mut Store<HostState>) -> R,
) -> R {
    with_frame(host, |frame| {
        let mut store = Store::new(
            engine,
            HostState {
                frame,
                memory: None,
                fuel: None,
                oog: None,
                limits,
            },
        );
        let result = f(&mut store);
        drop(store);
        result
    })
}
