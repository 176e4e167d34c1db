//! What a plugin sees of the node: the [`Host`] trait and the types it speaks.

use alloy_primitives::{Address, B256};

use crate::ffi;

/// The chain's crypto suite, as a plugin sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// Keccak-256 and secp256k1.
    Standard,
    /// SM3 and SM2.
    Sm,
}

/// The environment of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Env {
    /// `msg.sender`.
    pub caller: Address,
    /// `tx.origin`.
    pub origin: Address,
    /// The address that was called.
    pub address: Address,
    /// The number of the block being executed.
    pub block_number: u64,
    /// The block's timestamp (ms since the Unix epoch).
    pub timestamp_ms: u64,
    /// Gas available to the call.
    pub gas_limit: u64,
    /// A static call: writes fail with [`HostError::StaticWrite`].
    pub is_static: bool,
    /// The chain's crypto suite.
    pub suite: Suite,
}

impl Env {
    /// Convert from the C form.
    pub fn from_ffi(env: &ffi::WeftEnv) -> Self {
        Env {
            caller: Address::from(env.caller),
            origin: Address::from(env.origin),
            address: Address::from(env.address),
            block_number: env.block_number,
            timestamp_ms: env.timestamp_ms,
            gas_limit: env.gas_limit,
            is_static: env.is_static != 0,
            suite: if env.suite == 1 {
                Suite::Sm
            } else {
                Suite::Standard
            },
        }
    }

    /// The C form.
    pub fn to_ffi(&self) -> ffi::WeftEnv {
        ffi::WeftEnv {
            caller: self.caller.into_array(),
            origin: self.origin.into_array(),
            address: self.address.into_array(),
            block_number: self.block_number,
            timestamp_ms: self.timestamp_ms,
            gas_limit: self.gas_limit,
            is_static: u8::from(self.is_static),
            suite: match self.suite {
                Suite::Standard => 0,
                Suite::Sm => 1,
            },
        }
    }
}

/// What a permission question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// Deploying a contract.
    Deploy,
    /// Calling a method of a contract.
    Call,
    /// Creating a table.
    CreateTable,
    /// Inserting, updating or removing rows of a table.
    WriteTable,
    /// A contract was deployed (a notification).
    ContractCreated,
}

impl AuthKind {
    /// The C code.
    pub fn code(self) -> u32 {
        match self {
            AuthKind::Deploy => ffi::AUTH_DEPLOY,
            AuthKind::Call => ffi::AUTH_CALL,
            AuthKind::CreateTable => ffi::AUTH_CREATE_TABLE,
            AuthKind::WriteTable => ffi::AUTH_WRITE_TABLE,
            AuthKind::ContractCreated => ffi::AUTH_CONTRACT_CREATED,
        }
    }

    /// From the C code.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            ffi::AUTH_DEPLOY => AuthKind::Deploy,
            ffi::AUTH_CALL => AuthKind::Call,
            ffi::AUTH_CREATE_TABLE => AuthKind::CreateTable,
            ffi::AUTH_WRITE_TABLE => AuthKind::WriteTable,
            ffi::AUTH_CONTRACT_CREATED => AuthKind::ContractCreated,
            _ => return None,
        })
    }
}

/// A permission question: may `account` do `kind` on `contract` / `table`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// What is asked.
    pub kind: AuthKind,
    /// The account acting (the transaction's origin).
    pub account: Address,
    /// The contract concerned.
    pub contract: Address,
    /// The method's selector ([`AuthKind::Call`]).
    pub selector: [u8; 4],
    /// The table's name ([`AuthKind::CreateTable`], [`AuthKind::WriteTable`]).
    pub table: String,
}

impl AuthRequest {
    /// A request with no selector or table.
    pub fn new(kind: AuthKind, account: Address, contract: Address) -> Self {
        AuthRequest {
            kind,
            account,
            contract,
            selector: [0; 4],
            table: String::new(),
        }
    }
}

/// A permission plugin's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Permission denied.
    Deny,
    /// Denied: the contract is frozen or abolished.
    Frozen,
}

/// Why a host function failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// Not enough gas left; the call ends as out of gas.
    OutOfGas,
    /// A write in a static call.
    StaticWrite,
    /// A key, value or log over the host's limits.
    TooLarge,
    /// The host failed; the call cannot complete.
    Failed,
}

impl HostError {
    /// From a host status code (`None` for success codes).
    pub fn from_code(code: i32) -> Self {
        match code {
            ffi::HOST_OUT_OF_GAS => HostError::OutOfGas,
            ffi::HOST_STATIC_WRITE => HostError::StaticWrite,
            ffi::HOST_TOO_LARGE => HostError::TooLarge,
            _ => HostError::Failed,
        }
    }

    /// The host status code.
    pub fn code(&self) -> i32 {
        match self {
            HostError::OutOfGas => ffi::HOST_OUT_OF_GAS,
            HostError::StaticWrite => ffi::HOST_STATIC_WRITE,
            HostError::TooLarge => ffi::HOST_TOO_LARGE,
            HostError::Failed => ffi::HOST_FAILED,
        }
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostError::OutOfGas => "out of gas",
            HostError::StaticWrite => "write in a static call",
            HostError::TooLarge => "key, value or log over the host's limits",
            HostError::Failed => "the host failed",
        })
    }
}

impl std::error::Error for HostError {}

/// How a call ends other than by returning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Revert with this data (Solidity callers see it as revert data). Writes are undone.
    Revert(Vec<u8>),
    /// Fail with a message: writes are undone and all gas is consumed.
    Fail(String),
    /// A host function failed.
    Host(HostError),
}

impl CallError {
    /// Revert with Solidity's `Error(string)`.
    pub fn revert_message(message: &str) -> Self {
        use alloy_sol_types::SolError;
        CallError::Revert(alloy_sol_types::Revert::from(message).abi_encode())
    }
}

impl From<HostError> for CallError {
    fn from(e: HostError) -> Self {
        CallError::Host(e)
    }
}

impl From<alloy_sol_types::Error> for CallError {
    fn from(e: alloy_sol_types::Error) -> Self {
        CallError::revert_message(&format!("malformed input: {e}"))
    }
}

/// The result of a plugin call: return data, or how it ended.
pub type CallResult = Result<Vec<u8>, CallError>;

/// The node as a plugin sees it. Storage is the plugin's own namespace: keys are bytes
/// ([`MAX_KEY_LEN`](crate::ffi::MAX_KEY_LEN)), values are bytes
/// ([`MAX_VALUE_LEN`](crate::ffi::MAX_VALUE_LEN)), reads and writes are journaled with the
/// VMs' (a revert undoes them) and metered by the host.
pub trait Host {
    /// The call's environment.
    fn env(&self) -> Env;
    /// Read `key`.
    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, HostError>;
    /// Write `value` at `key`.
    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), HostError>;
    /// Remove `key`.
    fn remove(&mut self, key: &[u8]) -> Result<(), HostError>;
    /// Emit a log from the called address.
    fn emit_log(&mut self, topics: &[B256], data: &[u8]) -> Result<(), HostError>;
    /// Charge `amount` gas.
    fn charge_gas(&mut self, amount: u64) -> Result<(), HostError>;
    /// Ask the chain's permission plugin (always `true` when permissions are off).
    fn authorize(&mut self, request: &AuthRequest) -> Result<bool, HostError>;
    /// Is `account` one of the chain's admin accounts (named in genesis)?
    fn is_admin(&mut self, account: Address) -> Result<bool, HostError>;
}
