//! Why the pool refused a transaction.

use weft_types::{DecodeError, TxError, B256, U256};

/// Why a transaction was not admitted. Each variant maps to a FISCO BCOS v3 status code
/// ([`TxRejection::code`]), so clients written for FISCO read them unchanged; each message
/// says what was wrong and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxRejection {
    /// A native transaction's nonce is already used by a pending transaction, or by one
    /// committed within the last `block_limit` window.
    #[error(
        "duplicate nonce {nonce}: already used by {}; sign the transaction again with a fresh random nonce",
        if *.committed { "a transaction committed within the block_limit window" } else { "a transaction pending in the pool" }
    )]
    DuplicateNonce {
        /// The nonce.
        nonce: U256,
        /// `true` if a committed transaction used it, `false` if a pending one does.
        committed: bool,
    },
    /// An Ethereum transaction's nonce is below the sender's next nonce: it is committed
    /// already, or a pending transaction holds it (the pool never replaces one).
    #[error(
        "nonce too low: got {got}, but the sender's next nonce is {expected} (lower nonces are committed or pending, and the pool does not replace pending transactions); resend with nonce {expected}"
    )]
    NonceTooLow {
        /// The next nonce the pool accepts from the sender.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// An Ethereum transaction's nonce leaves a gap after the sender's next nonce.
    #[error(
        "nonce too high: got {got}, but the sender's next nonce is {expected}; the pool keeps no gaps, so send the transaction with nonce {expected} first and the following nonces in order"
    )]
    NonceTooHigh {
        /// The next nonce the pool accepts from the sender.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// A native transaction's `block_limit` is not above the current height.
    #[error(
        "transaction expired: block_limit {block_limit} <= current height {height}; resend with a block_limit up to {max_block_limit}"
    )]
    BlockLimitExpired {
        /// The transaction's `block_limit`.
        block_limit: u64,
        /// The latest committed block.
        height: u64,
        /// The largest `block_limit` accepted now (height + window).
        max_block_limit: u64,
    },
    /// A native transaction's `block_limit` is further ahead than the chain's window.
    #[error(
        "block_limit {block_limit} is too far ahead: at current height {height} the largest accepted is {max_block_limit} (height + block_limit window); resend with a block_limit in {}..={max_block_limit}",
        .height.saturating_add(1)
    )]
    BlockLimitTooFar {
        /// The transaction's `block_limit`.
        block_limit: u64,
        /// The latest committed block.
        height: u64,
        /// The largest `block_limit` accepted now (height + window).
        max_block_limit: u64,
    },
    /// The pool holds its maximum number of transactions. Nothing is evicted to make room.
    #[error(
        "transaction pool is full: it holds its limit of {max_txs} transactions; retry after the next block is committed"
    )]
    TxPoolIsFull {
        /// The pool's transaction limit.
        max_txs: usize,
    },
    /// The transaction's bytes would take the pool over its byte limit. Nothing is evicted
    /// to make room.
    #[error(
        "transaction pool is full: {pool_bytes} bytes pending plus this transaction's {tx_bytes} would exceed the limit of {max_bytes} bytes; retry after the next block is committed"
    )]
    TxPoolBytesFull {
        /// The transaction's encoded size.
        tx_bytes: usize,
        /// Bytes the pool holds now.
        pool_bytes: usize,
        /// The pool's byte limit.
        max_bytes: usize,
    },
    /// The bytes are not a transaction Weft accepts (including one over the size limit).
    #[error(
        "malformed transaction: {0}; send the canonical encoding (native: 0x57 ‖ rlp(signed transaction); Ethereum: EIP-2718 legacy, EIP-2930 or EIP-1559) within the size limit"
    )]
    Malformed(DecodeError),
    /// The same transaction (by hash) is already pending.
    #[error(
        "transaction {hash} is already in the pool; no need to resend it, wait for its receipt"
    )]
    AlreadyInTxPool {
        /// Its hash.
        hash: B256,
    },
    /// The same transaction (by hash) is already committed.
    #[error("transaction {hash} is already committed; fetch its receipt instead of resending it")]
    TxAlreadyInChain {
        /// Its hash.
        hash: B256,
    },
    /// The transaction names another chain (native chain id, or an Ethereum
    /// transaction's EIP-155 chain id).
    #[error(
        "transaction is for chain id {got}, but this chain's id is {expected}; sign it again with chain id {expected}"
    )]
    InvalidChainId {
        /// This chain's id.
        expected: u64,
        /// The transaction's chain id.
        got: u64,
    },
    /// A legacy Ethereum transaction without an EIP-155 chain id, which could be replayed
    /// on any chain.
    #[error(
        "legacy Ethereum transaction without an EIP-155 chain id could be replayed on any chain; sign it with EIP-155 chain id {expected}"
    )]
    MissingChainId {
        /// This chain's id.
        expected: u64,
    },
    /// A native transaction names another group.
    #[error(
        "transaction is for group \"{got}\", but this node serves group \"{expected}\"; sign it again with group id \"{expected}\" or send it to a node of group \"{got}\""
    )]
    InvalidGroupId {
        /// This node's group.
        expected: String,
        /// The transaction's group.
        got: String,
    },
    /// The signature is malformed or does not verify.
    #[error(
        "invalid signature: {0}; sign the transaction again (native: with the chain's crypto suite over its signing hash; Ethereum: secp256k1 over the EIP-155/EIP-2718 signing hash)"
    )]
    InvalidSignature(TxError),
}

impl TxRejection {
    /// The FISCO BCOS v3 status code: 10000 NonceCheckFail, 10001 BlockLimitCheckFail,
    /// 10002 TxPoolIsFull, 10003 Malform, 10004 AlreadyInTxPool, 10005 TxAlreadyInChain,
    /// 10006 InvalidChainId, 10007 InvalidGroupId, 10008 InvalidSignature.
    pub fn code(&self) -> u32 {
        match self {
            TxRejection::DuplicateNonce { .. }
            | TxRejection::NonceTooLow { .. }
            | TxRejection::NonceTooHigh { .. } => 10000,
            TxRejection::BlockLimitExpired { .. } | TxRejection::BlockLimitTooFar { .. } => 10001,
            TxRejection::TxPoolIsFull { .. } | TxRejection::TxPoolBytesFull { .. } => 10002,
            TxRejection::Malformed(_) => 10003,
            TxRejection::AlreadyInTxPool { .. } => 10004,
            TxRejection::TxAlreadyInChain { .. } => 10005,
            TxRejection::InvalidChainId { .. } | TxRejection::MissingChainId { .. } => 10006,
            TxRejection::InvalidGroupId { .. } => 10007,
            TxRejection::InvalidSignature(_) => 10008,
        }
    }

    /// FISCO BCOS's name for [`TxRejection::code`] (`"NonceCheckFail"`, `"TxPoolIsFull"`, …),
    /// for logs and RPC error data.
    pub fn status_name(&self) -> &'static str {
        match self.code() {
            10000 => "NonceCheckFail",
            10001 => "BlockLimitCheckFail",
            10002 => "TxPoolIsFull",
            10003 => "Malform",
            10004 => "AlreadyInTxPool",
            10005 => "TxAlreadyInChain",
            10006 => "InvalidChainId",
            10007 => "InvalidGroupId",
            _ => "InvalidSignature",
        }
    }
}
