//! Receipts.

use alloy_primitives::{Address, Bytes, Log, B256};
use alloy_rlp::{Decodable, Encodable, Header};
use weft_crypto::CryptoSuite;

use crate::block::{decode_list, list_header};
use crate::limits::check_size;
use crate::{DecodeError, DecodeLimits};

/// How a transaction ended. The codes are FISCO BCOS v3's, so clients written for FISCO
/// read them unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum TransactionStatus {
    /// Succeeded.
    Success = 0,
    /// Failed for a reason with no code of its own.
    Unknown = 1,
    /// The gas limit was below the intrinsic cost, or above the block's limit.
    OutOfGasLimit = 2,
    /// The sender could not pay the value.
    NotEnoughCash = 7,
    /// An invalid instruction.
    BadInstruction = 10,
    /// A jump to an invalid destination.
    BadJumpDestination = 11,
    /// Ran out of gas.
    OutOfGas = 12,
    /// Stack overflow or call depth exceeded.
    OutOfStack = 13,
    /// Stack underflow.
    StackUnderflow = 14,
    /// A precompiled contract failed.
    PrecompiledError = 15,
    /// The contract reverted (the output holds the revert data).
    RevertInstruction = 16,
    /// CREATE/CREATE2 hit an address that already has code.
    ContractAddressAlreadyUsed = 17,
    /// The permission plugin denied the transaction.
    PermissionDenied = 18,
    /// Called an address with no code where code was required.
    CallAddressError = 19,
    /// Gas arithmetic overflowed.
    GasOverflow = 20,
    /// The contract is frozen.
    ContractFrozen = 21,
    /// The account is frozen.
    AccountFrozen = 22,
    /// A WASM module failed validation.
    WasmValidationFailure = 32,
    /// A WASM host call got an argument out of range.
    WasmArgumentOutOfRange = 33,
    /// A WASM module reached `unreachable`.
    WasmUnreachableInstruction = 34,
    /// A WASM module trapped.
    WasmTrap = 35,
    /// An Ethereum transaction's account nonce did not match.
    NonceCheckFail = 10000,
    /// The transaction names another chain.
    InvalidChainId = 10006,
}

impl TransactionStatus {
    /// Every status, for code lookup.
    const ALL: [TransactionStatus; 23] = [
        Self::Success,
        Self::Unknown,
        Self::OutOfGasLimit,
        Self::NotEnoughCash,
        Self::BadInstruction,
        Self::BadJumpDestination,
        Self::OutOfGas,
        Self::OutOfStack,
        Self::StackUnderflow,
        Self::PrecompiledError,
        Self::RevertInstruction,
        Self::ContractAddressAlreadyUsed,
        Self::PermissionDenied,
        Self::CallAddressError,
        Self::GasOverflow,
        Self::ContractFrozen,
        Self::AccountFrozen,
        Self::WasmValidationFailure,
        Self::WasmArgumentOutOfRange,
        Self::WasmUnreachableInstruction,
        Self::WasmTrap,
        Self::NonceCheckFail,
        Self::InvalidChainId,
    ];

    /// The numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The status of a code.
    pub fn from_code(code: u32) -> Result<Self, DecodeError> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.code() == code)
            .ok_or(DecodeError::UnknownStatus(code))
    }

    /// Whether the transaction succeeded.
    pub fn is_success(self) -> bool {
        self == Self::Success
    }
}

/// The outcome of one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// How it ended.
    pub status: TransactionStatus,
    /// Gas it used.
    pub gas_used: u64,
    /// Return data, or revert data when it reverted.
    pub output: Bytes,
    /// Logs it emitted (none when it failed).
    pub logs: Vec<Log>,
    /// The contract it created, if it was a successful deployment.
    pub contract_address: Option<Address>,
}

impl Receipt {
    fn payload_length(&self) -> usize {
        self.status.code().length()
            + self.gas_used.length()
            + self.output.length()
            + self.logs.length()
            + optional_address_length(&self.contract_address)
    }

    /// The canonical bytes: `rlp([status, gas_used, output, [logs…], address or ""])`.
    pub fn encode(&self) -> Vec<u8> {
        let payload_length = self.payload_length();
        let mut out = Vec::with_capacity(payload_length + 5);
        Header {
            list: true,
            payload_length,
        }
        .encode(&mut out);
        self.status.code().encode(&mut out);
        self.gas_used.encode(&mut out);
        self.output.encode(&mut out);
        self.logs.encode(&mut out);
        match &self.contract_address {
            Some(address) => address.encode(&mut out),
            None => Bytes::new().encode(&mut out),
        }
        out
    }

    /// Decode canonical bytes under `limits`. A log may carry at most 4 topics, as in
    /// the EVM.
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Self, DecodeError> {
        const WHAT: &str = "receipt";
        check_size(WHAT, bytes.len(), limits.max_receipt_bytes)?;
        let mut buf = bytes;
        let len = list_header(&mut buf, WHAT)?;
        if len != buf.len() {
            return Err(DecodeError::TrailingBytes {
                what: WHAT,
                count: buf.len().saturating_sub(len),
            });
        }
        let rlp = |e| DecodeError::rlp(WHAT, e);
        let status = TransactionStatus::from_code(u32::decode(&mut buf).map_err(rlp)?)?;
        let gas_used = u64::decode(&mut buf).map_err(rlp)?;
        let output = Bytes::decode(&mut buf).map_err(rlp)?;
        let logs = decode_list(&mut buf, "receipt log list", limits.max_receipt_logs, |b| {
            let log = Log::decode(b).map_err(|e| DecodeError::rlp("receipt log", e))?;
            if log.data.topics().len() > 4 {
                return Err(DecodeError::TooMany {
                    what: "log topics",
                    count: log.data.topics().len(),
                    limit: 4,
                });
            }
            Ok(log)
        })?;
        let address = Bytes::decode(&mut buf).map_err(rlp)?;
        let contract_address = match address.len() {
            0 => None,
            20 => Some(Address::from_slice(&address)),
            n => {
                return Err(DecodeError::Malformed {
                    what: WHAT,
                    reason: format!("contract address is {n} bytes; expected 0 or 20"),
                })
            }
        };
        if !buf.is_empty() {
            return Err(DecodeError::TrailingBytes {
                what: WHAT,
                count: buf.len(),
            });
        }
        Ok(Receipt {
            status,
            gas_used,
            output,
            logs,
            contract_address,
        })
    }

    /// The receipt's hash: the suite's hash of its canonical bytes.
    pub fn hash(&self, suite: &dyn CryptoSuite) -> B256 {
        suite.hash(&self.encode())
    }
}

fn optional_address_length(address: &Option<Address>) -> usize {
    match address {
        Some(a) => a.length(),
        None => Bytes::new().length(),
    }
}
