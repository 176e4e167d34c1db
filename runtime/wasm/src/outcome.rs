//! What an execution produces.

use std::fmt;

/// Why a frame trapped. A trap consumes all the frame's gas and reverts its changes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    /// Gas (fuel) ran out, in WASM code or when charging a host call.
    OutOfGas,
    /// The `unreachable` instruction (a Rust panic in a contract ends here).
    Unreachable,
    /// A load or store outside the linear memory.
    MemoryOutOfBounds,
    /// The WASM stack limit was hit (deep or unbounded recursion).
    StackOverflow,
    /// A host function got a pointer/length outside the memory, or an argument out of its
    /// range (call kind, topic count, negative gas, return-data range).
    ArgumentOutOfRange,
    /// A state change (`storage_store`, `emit_log`, value transfer, `create`) under a
    /// static call.
    StaticViolation,
    /// The code is not a valid Weft module (found when compiling code that was not in the
    /// cache).
    InvalidModule(String),
    /// Any other WebAssembly trap: integer division by zero or overflow, bad indirect
    /// call, …
    Other(String),
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapKind::OutOfGas => f.write_str("out of gas"),
            TrapKind::Unreachable => f.write_str("unreachable instruction executed"),
            TrapKind::MemoryOutOfBounds => f.write_str("out-of-bounds memory access"),
            TrapKind::StackOverflow => f.write_str("call stack exhausted"),
            TrapKind::ArgumentOutOfRange => {
                f.write_str("host function argument out of range (WasmArgumentOutOfRange)")
            }
            TrapKind::StaticViolation => f.write_str("state change under a static call"),
            TrapKind::InvalidModule(why) => write!(f, "invalid module: {why}"),
            TrapKind::Other(what) => f.write_str(what),
        }
    }
}

/// How an execution ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// `deploy`/`call` returned normally, with the data last passed to `set_return`.
    Return(Vec<u8>),
    /// The contract called `revert` with this data.
    Revert(Vec<u8>),
    /// The contract trapped.
    Trap(TrapKind),
}

/// The result of [`Engine::execute`](crate::Engine::execute).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Gas consumed, at most the gas limit; all of it on a trap.
    pub gas_used: u64,
}

impl Outcome {
    /// Whether the execution succeeded (its state changes stand).
    pub fn is_success(&self) -> bool {
        matches!(self.status, Status::Return(_))
    }
}
