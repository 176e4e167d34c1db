//! Weft's core types and their canonical encoding.
//!
//! ```text
//!  raw bytes ──Transaction::decode(limits)──▶ Transaction ──verify(suite)──▶ VerifiedTx
//!   (RPC, P2P)                                  │ native (type 0x57, chain suite)   hash + sender
//!                                               │ Ethereum (EIP-2718: legacy/2930/1559,
//!                                               │           Keccak + secp256k1 always)
//!  Block = BlockHeader (hashed) + signature list (not hashed) + transactions
//!  Receipt = status, gas used, output, logs, created address
//! ```
//!
//! Everything consensus-critical is RLP (`alloy-rlp`): canonical (no leading zeros, no
//! trailing bytes, one encoding per value) and decoded under [`DecodeLimits`]. Hashes are
//! the chain suite's hash over that encoding. A transaction's sender is never read from
//! the wire: [`Transaction::verify`] recovers it, and [`VerifiedTx`] is the only type that
//! carries one.
//!
//! Depends on `weft-crypto` and the alloy primitives only; nothing here does I/O.

#![warn(missing_docs)]

mod block;
mod error;
mod limits;
pub mod merkle;
mod receipt;
mod transaction;

pub use alloy_primitives::{
    self as primitives, Address, Bytes, Log, LogData, TxKind, B256, B512, U256,
};
pub use block::{Block, BlockHeader, SealerSignature};
pub use error::{DecodeError, TxError};
pub use limits::DecodeLimits;
pub use receipt::{Receipt, TransactionStatus};
pub use transaction::{EthTx, NativeTx, SignedNativeTx, Transaction, VerifiedTx, NATIVE_TX_TYPE};

/// A node's identity: its 64-byte public key (x ‖ y).
pub type NodeId = B512;

/// Block height.
pub type BlockNumber = u64;
