//! The proposal consensus orders: the header fields a leader chooses and the hashes of the
//! transactions, not their bodies (FISCO BCOS v3's `transactionsMetaData`). Replicas find
//! the bodies in their own pool and fetch what they lack from the proposer over the
//! network's `TxSync` module.
//!
//! ```text
//!  rlp([version = 1, chain_id, group_id, number, parent_hash, timestamp, sealer, [tx hash…]])
//! ```
//!
//! The chain and group ids are inside the bytes whose hash the pre-prepare, prepare and
//! commit votes sign, so a vote for one chain's proposal is no vote on another chain.

use alloy_primitives::B256;
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

/// The proposal format this node writes and reads.
pub const PROPOSAL_VERSION: u8 = 1;

/// The longest group id a proposal may name.
const MAX_GROUP_ID: usize = 64;

/// A leader's proposal for the next block.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Proposal {
    /// [`PROPOSAL_VERSION`].
    pub version: u8,
    /// The chain it is for.
    pub chain_id: u64,
    /// The group it is for.
    pub group_id: String,
    /// The block number.
    pub number: u64,
    /// The hash of the block it extends.
    pub parent_hash: B256,
    /// The block's timestamp (ms since the Unix epoch), chosen by the leader.
    pub timestamp: u64,
    /// The leader's index in the sealer list of `number`.
    pub sealer: u64,
    /// The transactions, in execution order, by hash.
    pub tx_hashes: Vec<B256>,
}

/// Why proposal bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    /// Not the canonical encoding.
    #[error("malformed proposal: {0}")]
    Malformed(String),
    /// An unknown format version.
    #[error("proposal version {0} is not understood (this node reads version {PROPOSAL_VERSION})")]
    Version(u8),
    /// More transactions than the limit.
    #[error("proposal lists {count} transactions; at most {limit} are accepted")]
    TooManyTxs {
        /// How many it lists.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A group id longer than any group's.
    #[error("proposal names a group id of {0} bytes")]
    GroupId(usize),
}

impl Proposal {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.length());
        Encodable::encode(self, &mut out);
        out
    }

    /// Decode bytes from a peer. The consensus core has already bounded their size (its
    /// `max_proposal_bytes`), so the list cannot be larger than the bytes allow; the
    /// transaction count is checked against `max_txs` as well.
    pub fn decode(bytes: &[u8], max_txs: usize) -> Result<Self, ProposalError> {
        let mut buf = bytes;
        let proposal = <Proposal as Decodable>::decode(&mut buf)
            .map_err(|e| ProposalError::Malformed(e.to_string()))?;
        if !buf.is_empty() {
            return Err(ProposalError::Malformed(format!(
                "{} trailing bytes",
                buf.len()
            )));
        }
        if proposal.version != PROPOSAL_VERSION {
            return Err(ProposalError::Version(proposal.version));
        }
        if proposal.group_id.len() > MAX_GROUP_ID {
            return Err(ProposalError::GroupId(proposal.group_id.len()));
        }
        if proposal.tx_hashes.len() > max_txs {
            return Err(ProposalError::TooManyTxs {
                count: proposal.tx_hashes.len(),
                limit: max_txs,
            });
        }
        Ok(proposal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal() -> Proposal {
        Proposal {
            version: PROPOSAL_VERSION,
            chain_id: 20,
            group_id: "group0".into(),
            number: 7,
            parent_hash: B256::repeat_byte(1),
            timestamp: 1_700_000_000_000,
            sealer: 2,
            tx_hashes: vec![B256::repeat_byte(3), B256::repeat_byte(4)],
        }
    }

    #[test]
    fn proposals_round_trip_and_bad_bytes_are_refused() {
        let p = proposal();
        let bytes = p.encode();
        assert_eq!(Proposal::decode(&bytes, 10).unwrap(), p);
        assert!(matches!(
            Proposal::decode(&bytes, 1),
            Err(ProposalError::TooManyTxs { count: 2, limit: 1 })
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            Proposal::decode(&trailing, 10),
            Err(ProposalError::Malformed(_))
        ));
        assert!(Proposal::decode(&bytes[..bytes.len() - 1], 10).is_err());
        let future = Proposal {
            version: 9,
            ..proposal()
        };
        assert_eq!(
            Proposal::decode(&future.encode(), 10),
            Err(ProposalError::Version(9))
        );
    }
}
