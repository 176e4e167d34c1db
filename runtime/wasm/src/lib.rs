//! Weft's WASM contract engine: validation, deterministic metered execution, module cache.
//!
//! This is the only crate that imports `wasmtime`, `wasmer` (a second engine, cargo feature
//! `wasmer`, selected by [`Backend`]) and `wasmparser`. It knows nothing of
//! revm or storage: the executor plugs it in through the [`Host`] trait, one
//! implementation per execution frame. The contract-facing API is `sdk/HOST_API.md`.
//!
//! ```text
//!  deployment payload ──split_deployment──▶ module ‖ weft.end   +   constructor input
//!                                             │
//!                                   validate (imports, exports, features, limits)
//!                                             │
//!  executor ──execute(code_hash, module, Deploy|Call, &mut dyn Host, gas)──▶ Engine
//!                                                                        │
//!        ┌────────────── cache: (code_hash, ENGINE_VERSION) ─▶ InstancePre ◀── compile on miss
//!        ▼
//!   (compile = validate → instrument (gas meter, memory maximum) → wasmtime)
//!   Store<HostState> (fuel = gas × 10 in the module's own counter, memory ≤ 256 pages)
//!        │  instantiate, call export `deploy` / `call`
//!        ▼
//!   contract ──import "weft".*──▶ host functions ──▶ bounds checks, gas, static checks
//!                                                     │
//!                                                     ▼
//!                                                 &mut dyn Host (storage, logs, calls)
//!        │
//!        ▼
//!   Outcome { Return(data) | Revert(data) | Trap(kind), gas_used }   (Err = node fault)
//! ```
//!
//! Determinism: gas metered by instrumentation ([`instrument`]: the same on any engine; no
//! epochs, no engine fuel), NaN canonicalisation, no threads, SIMD or
//! reference types, floating point refused at validation, memory growth capped by a
//! `ResourceLimiter`, and trap messages fixed by this crate rather than by wasmtime.
//!
//! Native stack: WASM recursion is bounded by [`EngineConfig::max_wasm_stack`] on wasmtime
//! and by wasmer's coroutine stack on wasmer (the depth at which a stack overflow traps is
//! engine-dependent; the outcome, a trap spending all gas, is not); nested frames
//! (WASM → host → EVM → WASM …) each add their own stack, so the executor caps nesting
//! and moves to a fresh stack segment when it runs low.

mod engine;
mod frame;
mod gas;
mod host;
mod host_api;
mod imports;
pub mod instrument;
mod outcome;
mod validate;
#[cfg(feature = "wasmer")]
mod wasmer_engine;

pub use engine::{
    Backend, Engine, EngineConfig, EngineError, Entry, ExecutionPermit, ENGINE_VERSION,
};
pub use gas::{GasSchedule, FUEL_PER_GAS};
pub use host::{Address, CallKind, CallResult, CallStatus, CreateResult, Host, HostError, Word};
pub use host_api::{host_function, HostFunction, ValKind, HOST_FUNCTIONS, HOST_MODULE};
pub use instrument::MEMORY_GROW_FUEL_PER_PAGE;
pub use outcome::{Outcome, Status, TrapKind};
pub use validate::{
    split_deployment, validate, with_end_marker, Limits, ValidatedModule, ValidationError,
    END_MARKER, MAX_BR_TABLE_TARGETS, PAGE_SIZE,
};
