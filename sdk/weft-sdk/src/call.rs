//! Calls to other contracts (Solidity or WASM: both speak the Solidity ABI) and creates.
//!
//! ```ignore
//! sol! { interface ICounter { function increment() external returns (uint256); } }
//! let n: U256 = call(counter, &ICounter::incrementCall {})?;   // reverts bubble with `?`
//! let n = Call::new(counter).value(v).gas(50_000).invoke(&ICounter::incrementCall {});
//! match n { Err(e) => e.reason(), … }                           // or inspect the failure
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolError};

use crate::abi::Revert;
use crate::host;

/// How a call runs: `CALL`, `STATICCALL` or `DELEGATECALL`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallKind {
    /// `CALL`: the callee runs in its own storage and may change it.
    Call = 0,
    /// `STATICCALL`: no state changes (storage writes and logs trap).
    Static = 1,
    /// `DELEGATECALL`: the callee's code on this contract's storage, sender and value.
    Delegate = 2,
}

/// Why a call or create failed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CallError {
    /// The callee reverted with this data.
    Reverted(Vec<u8>),
    /// The callee failed otherwise (trap, out of gas, …), with whatever data it left.
    Failed(Vec<u8>),
    /// The call succeeded but its return data did not decode as the declared returns.
    Decode(Vec<u8>),
}

impl CallError {
    /// The return data of the failed call.
    pub fn data(&self) -> &[u8] {
        match self {
            CallError::Reverted(d) | CallError::Failed(d) | CallError::Decode(d) => d,
        }
    }

    /// Whether the callee reverted (rather than failing otherwise).
    pub fn is_revert(&self) -> bool {
        matches!(self, CallError::Reverted(_))
    }

    /// The reason if the callee reverted with `Error(string)`.
    pub fn reason(&self) -> Option<String> {
        match self {
            CallError::Reverted(d) => crate::abi::decode_reason(d),
            _ => None,
        }
    }

    /// The custom error `E` if the callee reverted with it.
    pub fn decode<E: SolError>(&self) -> Option<E> {
        match self {
            CallError::Reverted(d) => E::abi_decode(d).ok(),
            _ => None,
        }
    }
}

/// A failed call becomes this contract's revert: revert data is passed on as is (as
/// Solidity bubbles it); other failures become `Error("Weft: call failed")`.
impl From<CallError> for Revert {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Reverted(d) => Revert::raw(d),
            CallError::Failed(_) => Revert::reason("Weft: call failed"),
            CallError::Decode(_) => Revert::reason("Weft: call returned undecodable data"),
        }
    }
}

/// A call being set up: target, kind, value, gas.
#[derive(Clone, Copy, Debug)]
#[must_use = "a Call does nothing until invoked"]
pub struct Call {
    to: Address,
    kind: CallKind,
    value: U256,
    gas: u64,
}

impl Call {
    /// A `CALL` to `to` with no value and all gas but 1/64.
    pub fn new(to: Address) -> Self {
        Call {
            to,
            kind: CallKind::Call,
            value: U256::ZERO,
            gas: 0,
        }
    }

    /// A `STATICCALL` to `to`.
    pub fn new_static(to: Address) -> Self {
        Call {
            kind: CallKind::Static,
            ..Call::new(to)
        }
    }

    /// A `DELEGATECALL` to `to`.
    pub fn new_delegate(to: Address) -> Self {
        Call {
            kind: CallKind::Delegate,
            ..Call::new(to)
        }
    }

    /// Sends `value` with the call (`CALL` only).
    pub fn value(self, value: U256) -> Self {
        Call { value, ..self }
    }

    /// Gives the callee at most `gas` (0: all but 1/64, the default).
    pub fn gas(self, gas: u64) -> Self {
        Call { gas, ..self }
    }

    /// Calls with raw call data; returns the raw return data.
    pub fn invoke_raw(&self, data: &[u8]) -> Result<Vec<u8>, CallError> {
        let (status, ret) = host::call(
            self.kind as i32,
            &self.to.0 .0,
            &self.value.to_be_bytes::<32>(),
            data,
            self.gas,
        );
        match status {
            host::STATUS_SUCCESS => Ok(ret),
            host::STATUS_REVERT => Err(CallError::Reverted(ret)),
            _ => Err(CallError::Failed(ret)),
        }
    }

    /// Calls a function of a [`sol!`](crate::sol) interface; decodes its returns.
    pub fn invoke<C: SolCall>(&self, call: &C) -> Result<C::Return, CallError> {
        let ret = self.invoke_raw(&call.abi_encode())?;
        C::abi_decode_returns(&ret).map_err(|_| CallError::Decode(ret))
    }
}

/// Calls a function of a [`sol!`](crate::sol) interface at `to` (`CALL`, no value).
pub fn call<C: SolCall>(to: Address, call: &C) -> Result<C::Return, CallError> {
    Call::new(to).invoke(call)
}

/// Calls a view function of a [`sol!`](crate::sol) interface at `to` (`STATICCALL`).
pub fn static_call<C: SolCall>(to: Address, call: &C) -> Result<C::Return, CallError> {
    Call::new_static(to).invoke(call)
}

/// Sends `value` to `to` with empty call data.
pub fn transfer(to: Address, value: U256) -> Result<(), CallError> {
    Call::new(to).value(value).invoke_raw(&[]).map(|_| ())
}

fn created(status: i32, address: [u8; 20], ret: Vec<u8>) -> Result<Address, CallError> {
    match status {
        host::STATUS_SUCCESS => Ok(Address::new(address)),
        host::STATUS_REVERT => Err(CallError::Reverted(ret)),
        _ => Err(CallError::Failed(ret)),
    }
}

/// `CREATE`: deploys `init_code` (EVM init code, or a WASM module ending in `weft.end`
/// followed by ABI-encoded constructor arguments) with `value`.
pub fn create(init_code: &[u8], value: U256) -> Result<Address, CallError> {
    let (status, address, ret) = host::create(init_code, &value.to_be_bytes::<32>(), None);
    created(status, address, ret)
}

/// `CREATE2`: as [`create`], at the address that `salt` and the init code determine.
pub fn create2(init_code: &[u8], value: U256, salt: B256) -> Result<Address, CallError> {
    let (status, address, ret) = host::create(init_code, &value.to_be_bytes::<32>(), Some(&salt.0));
    created(status, address, ret)
}
