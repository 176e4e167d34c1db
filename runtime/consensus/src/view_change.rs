//! View changes received at the current height: the latest one of each sender, the
//! f+1 rule that pulls a lagging node into a higher view, and the quorum a new leader
//! needs for its new view.

use std::collections::BTreeMap;

use crate::config::SealerSet;
use crate::message::SignedViewChange;

/// What happened to a view change offered to the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offered {
    /// It is the sender's newest.
    New,
    /// The same view change again.
    Duplicate,
    /// The sender already asked for a higher view.
    Stale,
    /// The sender signed a different view change for the same view.
    Conflict,
}

/// The latest view change of each sender at one height. Only the latest counts: a
/// sealer that asks for view `t + 1` has given up on `t`.
#[derive(Debug, Default)]
pub(crate) struct ViewChangeSet {
    latest: BTreeMap<u64, SignedViewChange>,
}

impl ViewChangeSet {
    pub(crate) fn offer(&mut self, svc: SignedViewChange) -> Offered {
        match self.latest.get(&svc.from) {
            Some(old) if old.view_change.to_view > svc.view_change.to_view => Offered::Stale,
            Some(old) if old.view_change.to_view == svc.view_change.to_view => {
                if old.view_change == svc.view_change {
                    Offered::Duplicate
                } else {
                    Offered::Conflict
                }
            }
            _ => {
                self.latest.insert(svc.from, svc);
                Offered::New
            }
        }
    }

    /// The view to join by the f+1 rule: the highest view `t > above` such that senders
    /// of weight at least `f + 1` ask for `t` or more. Some honest node among them
    /// timed out, so waiting for our own timeout only delays the change.
    pub(crate) fn join_target(&self, above: u64, sealers: &SealerSet) -> Option<u64> {
        let mut wanted: Vec<(u64, u64)> = self
            .latest
            .iter()
            .filter(|(_, s)| s.view_change.to_view > above)
            .map(|(&from, s)| (s.view_change.to_view, sealers.weight(from).unwrap_or(0)))
            .collect();
        wanted.sort_unstable_by_key(|w| std::cmp::Reverse(w.0));
        let needed = sealers.max_faulty() + 1;
        let mut weight = 0u64;
        for (view, w) in wanted {
            weight = weight.saturating_add(w);
            if weight >= needed {
                return Some(view);
            }
        }
        None
    }

    /// The view changes to exactly `view`, in sender order, if their weight reaches
    /// `quorum`.
    pub(crate) fn quorum_for(
        &self,
        view: u64,
        sealers: &SealerSet,
        quorum: u64,
    ) -> Option<Vec<SignedViewChange>> {
        let to_view = || {
            self.latest
                .values()
                .filter(move |s| s.view_change.to_view == view)
        };
        let weight = sealers.weight_of(to_view().map(|s| s.from));
        (weight >= quorum).then(|| to_view().cloned().collect())
    }

    /// Forget view changes to `view` or below (the node is in `view` now).
    pub(crate) fn forget_through(&mut self, view: u64) {
        self.latest.retain(|_, s| s.view_change.to_view > view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::ViewChange;
    use weft_types::NodeId;

    fn vc(from: u64, to_view: u64) -> SignedViewChange {
        SignedViewChange {
            from,
            view_change: ViewChange {
                height: 1,
                to_view,
                prepared: None,
            },
            signature: Default::default(),
        }
    }

    fn four() -> SealerSet {
        let ids: Vec<NodeId> = (1..=4).map(NodeId::repeat_byte).collect();
        SealerSet::equal_weights(&ids, 1).unwrap()
    }

    #[test]
    fn latest_per_sender_wins() {
        let mut set = ViewChangeSet::default();
        assert_eq!(set.offer(vc(0, 2)), Offered::New);
        assert_eq!(set.offer(vc(0, 2)), Offered::Duplicate);
        assert_eq!(set.offer(vc(0, 1)), Offered::Stale);
        assert_eq!(set.offer(vc(0, 3)), Offered::New);
        let mut other = vc(0, 3);
        other.view_change.prepared = Some(crate::message::PreparedCertificate {
            view: 0,
            proposal_hash: Default::default(),
            prepares: vec![],
        });
        assert_eq!(set.offer(other), Offered::Conflict);
    }

    #[test]
    fn f_plus_one_rule_and_quorum() {
        let s = four();
        let mut set = ViewChangeSet::default();
        set.offer(vc(1, 5));
        assert_eq!(set.join_target(0, &s), None, "one sender is only f");
        set.offer(vc(2, 3));
        // Two senders ask for at least 3: join 3.
        assert_eq!(set.join_target(0, &s), Some(3));
        assert_eq!(set.join_target(3, &s), None);
        assert!(set.quorum_for(3, &s, s.quorum()).is_none());
        set.offer(vc(3, 3));
        set.offer(vc(0, 3));
        assert_eq!(set.quorum_for(3, &s, s.quorum()).map(|v| v.len()), Some(3));
        set.forget_through(3);
        assert!(set.quorum_for(3, &s, s.quorum()).is_none());
        assert_eq!(set.join_target(0, &s), None);
    }
}
