//! Weighted tallies of votes: one vote per sender and place, first one wins.

use std::collections::BTreeMap;

use alloy_primitives::{Bytes, B256};
use weft_types::SealerSignature;

use crate::config::SealerSet;

/// What happened to a vote offered to a tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tallied {
    /// A new vote.
    New,
    /// The same vote again.
    Duplicate,
    /// The sender already voted for something else here: equivocation.
    Conflict,
}

/// Votes of one kind at one height, by view and sender.
#[derive(Debug, Default)]
pub(crate) struct VoteTally {
    votes: BTreeMap<u64, BTreeMap<u64, (B256, Bytes)>>,
}

impl VoteTally {
    pub(crate) fn insert(&mut self, view: u64, from: u64, hash: B256, signature: Bytes) -> Tallied {
        let by_sender = self.votes.entry(view).or_default();
        match by_sender.get(&from) {
            Some((h, _)) if *h == hash => Tallied::Duplicate,
            Some(_) => Tallied::Conflict,
            None => {
                by_sender.insert(from, (hash, signature));
                Tallied::New
            }
        }
    }

    /// The hash `from` voted for in `view`.
    #[cfg(test)]
    pub(crate) fn vote_of(&self, view: u64, from: u64) -> Option<B256> {
        self.votes
            .get(&view)
            .and_then(|m| m.get(&from))
            .map(|(h, _)| *h)
    }

    /// Every (view, hash) whose voters reach `quorum` weight.
    pub(crate) fn quorums(&self, sealers: &SealerSet, quorum: u64) -> Vec<(u64, B256)> {
        let mut out = Vec::new();
        for (&view, by_sender) in &self.votes {
            let mut weights: BTreeMap<B256, u64> = BTreeMap::new();
            for (&from, (hash, _)) in by_sender {
                let w = weights.entry(*hash).or_default();
                *w = w.saturating_add(sealers.weight(from).unwrap_or(0));
            }
            out.extend(
                weights
                    .into_iter()
                    .filter(|&(_, w)| w >= quorum)
                    .map(|(h, _)| (view, h)),
            );
        }
        out
    }

    /// The signatures for `hash` in `view`, by sealer index.
    pub(crate) fn signatures(&self, view: u64, hash: B256) -> Vec<SealerSignature> {
        self.votes
            .get(&view)
            .into_iter()
            .flatten()
            .filter(|(_, (h, _))| *h == hash)
            .map(|(&sealer_index, (_, sig))| SealerSignature {
                sealer_index,
                signature: sig.clone(),
            })
            .collect()
    }
}

/// Signed checkpoints at one height, by sender.
#[derive(Debug, Default)]
pub(crate) struct CheckpointTally {
    by_sender: BTreeMap<u64, (B256, Bytes)>,
}

impl CheckpointTally {
    pub(crate) fn insert(&mut self, from: u64, header_hash: B256, signature: Bytes) -> Tallied {
        match self.by_sender.get(&from) {
            Some((h, _)) if *h == header_hash => Tallied::Duplicate,
            Some(_) => Tallied::Conflict,
            None => {
                self.by_sender.insert(from, (header_hash, signature));
                Tallied::New
            }
        }
    }

    /// The header hash signed by a quorum, with its signatures in index order.
    pub(crate) fn quorum(
        &self,
        sealers: &SealerSet,
        quorum: u64,
    ) -> Option<(B256, Vec<SealerSignature>)> {
        let mut weights: BTreeMap<B256, u64> = BTreeMap::new();
        for (&from, (hash, _)) in &self.by_sender {
            let w = weights.entry(*hash).or_default();
            *w = w.saturating_add(sealers.weight(from).unwrap_or(0));
        }
        let (hash, _) = weights.into_iter().find(|&(_, w)| w >= quorum)?;
        let sigs = self
            .by_sender
            .iter()
            .filter(|(_, (h, _))| *h == hash)
            .map(|(&sealer_index, (_, sig))| SealerSignature {
                sealer_index,
                signature: sig.clone(),
            })
            .collect();
        Some((hash, sigs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_types::NodeId;

    fn set(weights: &[u64]) -> SealerSet {
        SealerSet::new(
            weights
                .iter()
                .enumerate()
                .map(|(i, &weight)| crate::Sealer {
                    node_id: NodeId::repeat_byte(i as u8 + 1),
                    weight,
                })
                .collect(),
            1,
        )
        .unwrap()
    }

    #[test]
    fn first_vote_wins_and_conflicts_are_reported() {
        let mut t = VoteTally::default();
        let (a, b) = (B256::repeat_byte(1), B256::repeat_byte(2));
        assert_eq!(t.insert(0, 1, a, Bytes::new()), Tallied::New);
        assert_eq!(t.insert(0, 1, a, Bytes::new()), Tallied::Duplicate);
        assert_eq!(t.insert(0, 1, b, Bytes::new()), Tallied::Conflict);
        assert_eq!(t.insert(1, 1, b, Bytes::new()), Tallied::New);
        assert_eq!(t.vote_of(0, 1), Some(a));
    }

    #[test]
    fn quorum_is_by_weight() {
        let s = set(&[1, 1, 1, 4]); // total 7, quorum 5
        let mut t = VoteTally::default();
        let a = B256::repeat_byte(1);
        for i in 0..3 {
            t.insert(0, i, a, Bytes::new());
        }
        assert!(
            t.quorums(&s, s.quorum()).is_empty(),
            "three light votes are 3 < 5"
        );
        t.insert(0, 3, a, Bytes::new());
        assert_eq!(t.quorums(&s, s.quorum()), vec![(0, a)]);
        assert_eq!(t.signatures(0, a).len(), 4);
    }

    #[test]
    fn checkpoint_quorum_needs_matching_hashes() {
        let s = set(&[1, 1, 1, 1]);
        let mut c = CheckpointTally::default();
        c.insert(0, B256::repeat_byte(1), Bytes::new());
        c.insert(1, B256::repeat_byte(1), Bytes::new());
        c.insert(2, B256::repeat_byte(2), Bytes::new());
        assert!(c.quorum(&s, s.quorum()).is_none());
        c.insert(3, B256::repeat_byte(1), Bytes::new());
        let (h, sigs) = c.quorum(&s, s.quorum()).unwrap();
        assert_eq!(h, B256::repeat_byte(1));
        assert_eq!(
            sigs.iter().map(|s| s.sealer_index).collect::<Vec<_>>(),
            [0, 1, 3]
        );
    }
}
