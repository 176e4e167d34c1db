//! Decoding limits.

/// Bounds applied while decoding bytes from outside the process (RPC, P2P, storage of
/// another version). Every decoder of untrusted bytes takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The largest encoded transaction accepted.
    pub max_tx_bytes: usize,
    /// The largest encoded block accepted.
    pub max_block_bytes: usize,
    /// The most transactions one block may hold.
    pub max_block_txs: usize,
    /// The most signatures one block's signature list may hold.
    pub max_block_signatures: usize,
    /// The most sealers a header's sealer list may hold.
    pub max_sealers: usize,
    /// The largest encoded receipt accepted.
    pub max_receipt_bytes: usize,
    /// The most logs one receipt may hold.
    pub max_receipt_logs: usize,
}

impl DecodeLimits {
    /// Limits for a production node: a 1 MiB transaction fits a large WASM contract's
    /// deployment; a 64 MiB block fits 50,000 ordinary transactions.
    pub const DEFAULT: DecodeLimits = DecodeLimits {
        max_tx_bytes: 1 << 20,
        max_block_bytes: 64 << 20,
        max_block_txs: 50_000,
        max_block_signatures: 1024,
        max_sealers: 1024,
        max_receipt_bytes: 4 << 20,
        max_receipt_logs: 1024,
    };
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Refuse input longer than `limit` before looking into it.
pub(crate) fn check_size(
    what: &'static str,
    size: usize,
    limit: usize,
) -> Result<(), crate::DecodeError> {
    if size > limit {
        Err(crate::DecodeError::TooLarge { what, size, limit })
    } else {
        Ok(())
    }
}
