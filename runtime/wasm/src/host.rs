//! What the executor provides to one WASM execution frame.

use crate::outcome::TrapKind;

/// A 20-byte account address.
pub type Address = [u8; 20];
/// A 32-byte big-endian word: storage keys and values, call values, hashes.
pub type Word = [u8; 32];

/// Why a host operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// A node fault (database error, broken invariant): the execution stops and
    /// [`Engine::execute`](crate::Engine::execute) returns
    /// [`EngineError::Host`](crate::EngineError::Host); the executor aborts the block.
    #[error("node fault in the host: {0}")]
    Fatal(String),
    /// A failure the contract sees: the frame traps with this kind (e.g.
    /// [`TrapKind::StaticViolation`]) and the executor reverts the frame.
    #[error("contract trap raised by the host: {0}")]
    Trap(TrapKind),
}

/// The kind of an outgoing call (`call`'s `kind` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// `CALL` (kind 0).
    Call,
    /// `STATICCALL` (kind 1).
    StaticCall,
    /// `DELEGATECALL` (kind 2).
    DelegateCall,
}

impl CallKind {
    /// Decodes the host API's `kind` argument.
    pub fn from_i32(kind: i32) -> Option<CallKind> {
        match kind {
            0 => Some(CallKind::Call),
            1 => Some(CallKind::StaticCall),
            2 => Some(CallKind::DelegateCall),
            _ => None,
        }
    }
}

/// How an outgoing call or create ended (the host API's return code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallStatus {
    /// Success (returns 0 to the contract).
    Success,
    /// The callee reverted (returns 1).
    Revert,
    /// Any other failure: halt, out of gas, depth, balance (returns 2).
    Failure,
}

impl CallStatus {
    /// The code the contract sees: 0 success, 1 revert, 2 other failure.
    pub fn code(self) -> i32 {
        match self {
            CallStatus::Success => 0,
            CallStatus::Revert => 1,
            CallStatus::Failure => 2,
        }
    }
}

/// The result of [`Host::call`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallResult {
    /// How the call ended.
    pub status: CallStatus,
    /// Gas the call consumed out of the `gas` it was given (at most that; a call that
    /// halted consumes all of it). The engine charges it to the caller.
    pub gas_used: u64,
    /// The callee's return or revert data (what `return_data_copy` reads next).
    pub return_data: Vec<u8>,
}

/// The result of [`Host::create`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateResult {
    /// How the creation ended.
    pub status: CallStatus,
    /// The new contract's address (meaningful on success only).
    pub address: Address,
    /// Gas consumed out of the `gas` given (at most that).
    pub gas_used: u64,
    /// Revert data on revert, empty otherwise (as the EVM's `RETURNDATA` after `CREATE`).
    pub return_data: Vec<u8>,
}

/// The executor's side of one execution frame: the state and environment a contract sees.
///
/// The engine does bounds checks, static-context checks, fixed gas costs
/// ([`GasSchedule`](crate::GasSchedule)) and the 63/64 rule; the host does state access
/// and the state-dependent costs (warm/cold storage and accounts, value transfer, account
/// creation), returning them as gas so the engine charges them. Whatever the frame did
/// through the host must be undone by the executor when the outcome is not
/// [`Status::Return`](crate::Status::Return).
pub trait Host {
    /// The frame's input: call data, or the constructor's arguments on deploy.
    fn input(&self) -> &[u8];

    /// `SLOAD`: the value at `key` (zero when absent) and the gas it costs (e.g. 2100
    /// cold / 100 warm under EIP-2929).
    fn storage_load(&mut self, key: [u8; 32]) -> Result<([u8; 32], u64), HostError>;

    /// `SSTORE`: writes `value` at `key` and returns the gas it costs (EIP-2200/2929/3529
    /// pricing; refunds are the host's). Never called in a static context: the engine
    /// traps first.
    fn storage_store(&mut self, key: [u8; 32], value: [u8; 32]) -> Result<u64, HostError>;

    /// `LOG0`–`LOG4`: records a log of the frame's address (`topics.len() <= 4`). Its gas
    /// is charged by the engine; never called in a static context.
    fn emit_log(&mut self, topics: &[[u8; 32]], data: &[u8]) -> Result<(), HostError>;

    /// `CALLER`.
    fn caller(&self) -> Address;
    /// `ORIGIN`.
    fn origin(&self) -> Address;
    /// `ADDRESS`: the executing contract.
    fn address(&self) -> Address;
    /// `CALLVALUE`, big-endian.
    fn call_value(&self) -> Word;
    /// `NUMBER`.
    fn block_number(&self) -> u64;
    /// `TIMESTAMP`, in seconds.
    fn block_timestamp(&self) -> u64;
    /// `CHAINID`.
    fn chain_id(&self) -> u64;
    /// Whether the frame runs under `STATICCALL` (no state changes allowed).
    fn is_static(&self) -> bool;

    /// The gas an outgoing call costs before any gas is forwarded: account access
    /// (warm/cold), value transfer, new-account creation — `CALL`'s dynamic cost without
    /// the forwarded gas. The engine charges it, then applies the 63/64 rule to what is
    /// left. May mark `to` warm.
    fn call_cost(&mut self, kind: CallKind, to: Address, value: Word) -> Result<u64, HostError>;

    /// Runs an outgoing call with `gas` forwarded (already capped at 63/64 of what the
    /// caller has left; the host adds the value stipend itself when it applies). `value` is
    /// zero for `StaticCall` and `DelegateCall`.
    fn call(
        &mut self,
        kind: CallKind,
        to: Address,
        value: Word,
        data: &[u8],
        gas: u64,
    ) -> Result<CallResult, HostError>;

    /// `CREATE` (`salt` `None`) or `CREATE2`, with `gas` forwarded (all but 1/64 of what
    /// is left after the engine charged the fixed creation cost). `code` is an EVM init
    /// code or a WASM deployment payload.
    fn create(
        &mut self,
        code: &[u8],
        value: Word,
        salt: Option<[u8; 32]>,
        gas: u64,
    ) -> Result<CreateResult, HostError>;

    /// Keccak-256 of `data`.
    fn keccak256(&self, data: &[u8]) -> [u8; 32];

    /// The chain suite's hash of `data` (Keccak-256 or SM3).
    fn chain_hash(&self, data: &[u8]) -> [u8; 32];
}
