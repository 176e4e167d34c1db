//! Why a message, a response or a block was refused, and which failures are fatal.

use alloy_primitives::B256;
use weft_consensus::{CertificateError, ConfigError};
use weft_executor::ExecError;
use weft_ledger::LedgerError;
use weft_types::{BlockNumber, TxError};

use crate::message::MessageError;

/// Errors of block sync.
///
/// [`SyncError::is_peer_fault`] separates what a peer did wrong (drop its data, count a
/// fault against it, fetch from another peer) from what went wrong on this node (the
/// ledger or the executor failed: fatal, stop syncing and alert).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The bytes are not a sync message.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The peer runs another chain.
    #[error("peer runs the chain with genesis {theirs}, this node runs {ours}: the peer is ignored for sync")]
    GenesisMismatch {
        /// This node's genesis hash.
        ours: B256,
        /// The peer's.
        theirs: B256,
    },
    /// A response arrived for no request outstanding to that peer: late (the request
    /// timed out and went to another peer) or unsolicited. Dropped; not a fault.
    #[error("response starting at block {first} answers no request outstanding to this peer (late after a timeout, or unsolicited); dropped")]
    Unsolicited {
        /// The first block's height (0 for an empty response).
        first: BlockNumber,
    },
    /// A response does not answer its request: wrong heights, too many blocks, or blocks
    /// that do not link to each other.
    #[error("bad sync response to the request for blocks {first}..={last}: {reason}; the blocks are fetched from another peer")]
    BadResponse {
        /// The request's first height.
        first: BlockNumber,
        /// The request's last height.
        last: BlockNumber,
        /// What is wrong.
        reason: String,
    },
    /// The block is not the one after the local head (it arrived after the head moved).
    #[error("block {got} does not follow the local head: the next block is {expected}")]
    NotNext {
        /// The next height this node accepts.
        expected: BlockNumber,
        /// The block's height.
        got: BlockNumber,
    },
    /// The block does not extend the local chain.
    #[error("block {number} names parent {parent}, but the local block {} is {head}; the block is dropped and fetched from another peer", number.saturating_sub(1))]
    ParentMismatch {
        /// The block's height.
        number: BlockNumber,
        /// Its parent hash.
        parent: B256,
        /// The local head's hash.
        head: B256,
    },
    /// The header's sealer list or weights are not the node list in force at its height.
    #[error("block {number} lists sealers or weights that differ from the node list in force at height {number}; the block is dropped and fetched from another peer")]
    SealerListMismatch {
        /// The block's height.
        number: BlockNumber,
    },
    /// The header names a proposer outside its sealer list.
    #[error("block {number} names sealer {sealer} but has only {sealers} sealers")]
    SealerOutOfRange {
        /// The block's height.
        number: BlockNumber,
        /// The index it names.
        sealer: u64,
        /// The number of sealers.
        sealers: usize,
    },
    /// The signature list is not a quorum of the sealers in force at the block's height.
    #[error("block {number}'s signature list is not a valid 2f+1 commit certificate of the sealers at height {number}: {source}; the block is dropped and fetched from another peer")]
    Certificate {
        /// The block's height.
        number: BlockNumber,
        /// What is wrong with it.
        source: CertificateError,
    },
    /// A transaction's signature does not verify.
    #[error("transaction {index} of block {number} does not verify: {source}; the block is dropped and fetched from another peer")]
    Transaction {
        /// The block's height.
        number: BlockNumber,
        /// The transaction's position.
        index: usize,
        /// Why.
        source: TxError,
    },
    /// Re-executing the block gave another header than the one received (and signed).
    #[error("block {number} does not match its re-execution: {field} is {received} in the received header but {computed} locally; the block is dropped and fetched from another peer")]
    HeaderMismatch {
        /// The block's height.
        number: BlockNumber,
        /// The first field that differs.
        field: &'static str,
        /// Its received value.
        received: String,
        /// Its locally computed value.
        computed: String,
    },
    /// The node list stored for a height is not a usable sealer set: the local data is
    /// damaged. Fatal.
    #[error("the node list in force at height {number} is not a usable sealer set: {source}")]
    NodeList {
        /// The height.
        number: BlockNumber,
        /// Why.
        source: ConfigError,
    },
    /// The ledger failed. Fatal.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The executor failed (not a contract failure, which is a receipt). Fatal.
    #[error(transparent)]
    Execution(#[from] ExecError),
}

impl SyncError {
    /// Whether the peer that sent the data is to blame: its data is dropped, a fault is
    /// counted against it, and the blocks are fetched from another peer. Everything else
    /// is either harmless ([`SyncError::Unsolicited`], [`SyncError::NotNext`]) or a
    /// failure of this node ([`SyncError::is_fatal`]).
    pub fn is_peer_fault(&self) -> bool {
        matches!(
            self,
            SyncError::Message(_)
                | SyncError::GenesisMismatch { .. }
                | SyncError::BadResponse { .. }
                | SyncError::ParentMismatch { .. }
                | SyncError::SealerListMismatch { .. }
                | SyncError::SealerOutOfRange { .. }
                | SyncError::Certificate { .. }
                | SyncError::Transaction { .. }
                | SyncError::HeaderMismatch { .. }
        )
    }

    /// Whether this node cannot go on: its storage, ledger or executor failed.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SyncError::Ledger(_) | SyncError::Execution(_) | SyncError::NodeList { .. }
        )
    }
}
