//! Who votes, with what weight, who leads, and how long to wait.

use alloy_primitives::B256;
use alloy_rlp::Encodable;
use weft_crypto::{PublicKey, SuiteId};
use weft_types::NodeId;

use crate::error::ConfigError;
use crate::message::MessageLimits;

/// One consensus node and its vote weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealer {
    /// The node's id (its 64-byte public key).
    pub node_id: NodeId,
    /// Its vote weight (at least 1).
    pub weight: u64,
}

/// The sealers in force at one height, in index order, with the weighted quorum rule
/// FISCO uses: `total = Σ weight`, `f = (total − 1) / 3`, `quorum = total − f`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealerSet {
    sealers: Vec<Sealer>,
    leader_period: u64,
    total: u64,
}

impl SealerSet {
    /// A sealer set. Refuses an empty list, a zero weight, a repeated node id and a
    /// `leader_period` of zero.
    pub fn new(sealers: Vec<Sealer>, leader_period: u64) -> Result<Self, ConfigError> {
        if sealers.is_empty() {
            return Err(ConfigError::NoSealers);
        }
        if leader_period == 0 {
            return Err(ConfigError::ZeroLeaderPeriod);
        }
        let mut total: u64 = 0;
        for (index, sealer) in sealers.iter().enumerate() {
            if sealer.weight == 0 {
                return Err(ConfigError::ZeroWeight { index });
            }
            if sealers[..index].iter().any(|s| s.node_id == sealer.node_id) {
                return Err(ConfigError::DuplicateSealer { index });
            }
            total = total
                .checked_add(sealer.weight)
                .ok_or(ConfigError::WeightOverflow)?;
        }
        Ok(SealerSet {
            sealers,
            leader_period,
            total,
        })
    }

    /// Equal weights of 1 for every node id.
    pub fn equal_weights(node_ids: &[NodeId], leader_period: u64) -> Result<Self, ConfigError> {
        Self::new(
            node_ids
                .iter()
                .map(|&node_id| Sealer { node_id, weight: 1 })
                .collect(),
            leader_period,
        )
    }

    /// The sealers, in index order.
    pub fn sealers(&self) -> &[Sealer] {
        &self.sealers
    }

    /// How many sealers there are.
    pub fn len(&self) -> usize {
        self.sealers.len()
    }

    /// Always false: a sealer set is never empty.
    pub fn is_empty(&self) -> bool {
        self.sealers.is_empty()
    }

    /// The most weight that may be faulty: `(total − 1) / 3`.
    pub fn max_faulty(&self) -> u64 {
        (self.total - 1) / 3
    }

    /// The weight a quorum needs: `total − f`.
    pub fn quorum(&self) -> u64 {
        self.total - self.max_faulty()
    }

    /// The weight of `index`, or `None` if it is not a sealer index.
    pub fn weight(&self, index: u64) -> Option<u64> {
        self.get(index).map(|s| s.weight)
    }

    /// The sealer at `index`.
    pub fn get(&self, index: u64) -> Option<&Sealer> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.sealers.get(i))
    }

    /// The public key of the sealer at `index`.
    pub fn public_key(&self, index: u64) -> Option<PublicKey> {
        self.get(index).map(|s| PublicKey(s.node_id.0))
    }

    /// The index of `node_id`, if it is a sealer.
    pub fn index_of(&self, node_id: &NodeId) -> Option<u64> {
        self.sealers
            .iter()
            .position(|s| s.node_id == *node_id)
            .map(|i| i as u64)
    }

    /// The leader of `height` in `view`: `(height / leader_period + view) % n`.
    pub fn leader(&self, height: u64, view: u64) -> u64 {
        let n = self.sealers.len() as u64;
        ((height / self.leader_period) % n + view % n) % n
    }

    /// The summed weight of `indices` (unknown indices count zero; callers deduplicate).
    pub fn weight_of(&self, indices: impl IntoIterator<Item = u64>) -> u64 {
        indices
            .into_iter()
            .filter_map(|i| self.weight(i))
            .fold(0u64, u64::saturating_add)
    }
}

/// Deliberate faults, for tests of the simulator's safety checker only.
///
/// A production node keeps the default (no fault). The only knob replaces the quorum
/// weight, so a test can show that a broken quorum rule is caught as a fork.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultInjection {
    /// Use this quorum weight instead of `total − f` when this node counts votes.
    pub quorum_override: Option<u64>,
}

/// The parts of the configuration that do not change with the sealer list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsensusConfig {
    /// The chain's crypto suite (hashes and signatures of every message).
    pub suite: SuiteId,
    /// The view-change timeout before any back-off, in milliseconds (FISCO's
    /// `consensus_timeout`, default 3000).
    pub base_timeout_ms: u64,
    /// Messages for heights up to `committed + future_window` are kept until the node
    /// gets there; anything further ahead is dropped.
    pub future_window: u64,
    /// Messages for views more than this far past the current view are dropped.
    pub view_window: u64,
    /// Bounds for decoding messages from the network.
    pub limits: MessageLimits,
    /// Test-only faults; keep the default in production.
    pub fault_injection: FaultInjection,
    /// What every vote (but the checkpoint, which signs the header) signs besides its
    /// body: the chain and group, from [`ConsensusConfig::chain_domain`], so that a vote
    /// for one chain or group is never valid on another where the sealer runs with the
    /// same key. The zero domain (the default) signs the body alone.
    pub domain: B256,
}

impl ConsensusConfig {
    /// FISCO's defaults: 3000 ms base timeout, a window of 10 heights and 64 views.
    pub fn new(suite: SuiteId) -> Self {
        ConsensusConfig {
            suite,
            base_timeout_ms: 3000,
            future_window: 10,
            view_window: 64,
            limits: MessageLimits::default(),
            fault_injection: FaultInjection::default(),
            domain: B256::ZERO,
        }
    }

    /// The signing domain of a chain's group: the suite hash of
    /// `rlp(["weft-consensus", chain_id, group_id])`.
    pub fn chain_domain(suite: SuiteId, chain_id: u64, group_id: &str) -> B256 {
        let tag: &[u8] = b"weft-consensus";
        let payload_length = tag.length() + chain_id.length() + group_id.length();
        let mut out = Vec::with_capacity(payload_length + 9);
        alloy_rlp::Header {
            list: true,
            payload_length,
        }
        .encode(&mut out);
        tag.encode(&mut out);
        chain_id.encode(&mut out);
        group_id.encode(&mut out);
        suite.suite().hash(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<NodeId> {
        (0..n).map(|i| NodeId::repeat_byte(i as u8 + 1)).collect()
    }

    #[test]
    fn quorum_follows_fisco_weighted_rule() {
        for (n, f, q) in [(1, 0, 1), (4, 1, 3), (5, 1, 4), (7, 2, 5), (10, 3, 7)] {
            let set = SealerSet::equal_weights(&ids(n), 1).unwrap();
            assert_eq!((set.max_faulty(), set.quorum()), (f, q), "n = {n}");
        }
        let weighted = SealerSet::new(
            ids(3)
                .into_iter()
                .zip([1u64, 2, 4])
                .map(|(node_id, weight)| Sealer { node_id, weight })
                .collect(),
            1,
        )
        .unwrap();
        // total 7: f = 2, quorum 5; the weight-4 node plus either other reaches it.
        assert_eq!(weighted.quorum(), 5);
        assert_eq!(weighted.weight_of([2, 0]), 5);
    }

    #[test]
    fn leader_rotates_by_height_period_and_view() {
        let set = SealerSet::equal_weights(&ids(4), 2).unwrap();
        let leaders: Vec<u64> = (0..8).map(|h| set.leader(h, 0)).collect();
        assert_eq!(leaders, [0, 0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(set.leader(5, 1), 3);
        assert_eq!(set.leader(5, 2), 0);
        assert_eq!(
            set.leader(u64::MAX, u64::MAX),
            set.leader(u64::MAX, u64::MAX)
        );
    }

    #[test]
    fn bad_sealer_sets_are_refused() {
        assert_eq!(SealerSet::new(vec![], 1), Err(ConfigError::NoSealers));
        assert_eq!(
            SealerSet::equal_weights(&ids(2), 0),
            Err(ConfigError::ZeroLeaderPeriod)
        );
        let mut twice = ids(3);
        twice[2] = twice[0];
        assert_eq!(
            SealerSet::equal_weights(&twice, 1),
            Err(ConfigError::DuplicateSealer { index: 2 })
        );
        let zero = vec![Sealer {
            node_id: ids(1)[0],
            weight: 0,
        }];
        assert_eq!(
            SealerSet::new(zero, 1),
            Err(ConfigError::ZeroWeight { index: 0 })
        );
    }
}
