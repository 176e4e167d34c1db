//! Hashes computed by the host (charged as the EVM charges `KECCAK256`).

use alloy_primitives::B256;

/// Keccak-256, as Solidity's `keccak256`.
pub fn keccak256(data: impl AsRef<[u8]>) -> B256 {
    B256::new(crate::host::keccak256(data.as_ref()))
}

/// The chain suite's hash: Keccak-256 on a standard chain, SM3 on an SM chain.
pub fn chain_hash(data: impl AsRef<[u8]>) -> B256 {
    B256::new(crate::host::chain_hash(data.as_ref()))
}
