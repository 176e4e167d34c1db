//! Which peers may stay connected: the group's node list, the CA whitelist and the CA
//! blacklist (FISCO BCOS's `[certificate_whitelist]` / `[certificate_blacklist]`).

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::RwLock;
use tokio::sync::watch;
use weft_types::NodeId;

/// Why a peer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The peer is this node (a configured peer address that points back to us).
    #[error("the peer is this node itself")]
    SelfConnection,
    /// The peer is on the CA blacklist (which wins over the whitelist).
    #[error("the peer is on the certificate blacklist")]
    Blacklisted,
    /// The whitelist is not empty and does not name the peer.
    #[error("the peer is not on the certificate whitelist")]
    NotWhitelisted,
    /// The group's node list is set and does not name the peer.
    #[error("the peer is not in the group's node list")]
    NotInNodeList,
}

#[derive(Debug, Default)]
struct Lists {
    node_list: Option<HashSet<NodeId>>,
    whitelist: HashSet<NodeId>,
    blacklist: HashSet<NodeId>,
}

#[derive(Debug)]
struct Shared {
    lists: RwLock<Lists>,
    version: watch::Sender<u64>,
}

/// The admission policy, shared between the node (which updates it when the node list
/// or the CA lists change) and the network (which refuses and drops peers by it).
///
/// A peer is admitted when all of these hold:
///
/// 1. it is not on the blacklist (the blacklist always wins);
/// 2. the whitelist is empty, or names it;
/// 3. the node list is unset (`None`: any node the chain CA certified), or names it.
///
/// Cloning gives another handle on the same policy. Every change wakes the network,
/// which closes the connections of peers that are no longer admitted.
#[derive(Debug, Clone)]
pub struct Admission {
    shared: Arc<Shared>,
}

impl Default for Admission {
    fn default() -> Self {
        Admission::open()
    }
}

impl Admission {
    /// A policy that admits every node certified by the chain CA: no node list, empty
    /// whitelist and blacklist.
    pub fn open() -> Admission {
        Admission {
            shared: Arc::new(Shared {
                lists: RwLock::new(Lists::default()),
                version: watch::channel(0).0,
            }),
        }
    }

    fn update(&self, change: impl FnOnce(&mut Lists)) {
        change(&mut self.shared.lists.write());
        self.shared.version.send_modify(|v| *v += 1);
    }

    /// Set the group's node list (sealers and observers): only these are admitted.
    pub fn set_node_list(&self, ids: impl IntoIterator<Item = NodeId>) {
        let ids = ids.into_iter().collect();
        self.update(|l| l.node_list = Some(ids));
    }

    /// Forget the node list: any node certified by the CA passes this rule.
    pub fn clear_node_list(&self) {
        self.update(|l| l.node_list = None);
    }

    /// Set the whitelist; when it is not empty, only the nodes it names are admitted.
    pub fn set_whitelist(&self, ids: impl IntoIterator<Item = NodeId>) {
        let ids = ids.into_iter().collect();
        self.update(|l| l.whitelist = ids);
    }

    /// Set the blacklist; the nodes it names are always refused.
    pub fn set_blacklist(&self, ids: impl IntoIterator<Item = NodeId>) {
        let ids = ids.into_iter().collect();
        self.update(|l| l.blacklist = ids);
    }

    /// Whether `peer` is admitted, and if not, why.
    pub fn check(&self, peer: &NodeId) -> Result<(), Refusal> {
        let lists = self.shared.lists.read();
        if lists.blacklist.contains(peer) {
            return Err(Refusal::Blacklisted);
        }
        if !lists.whitelist.is_empty() && !lists.whitelist.contains(peer) {
            return Err(Refusal::NotWhitelisted);
        }
        match &lists.node_list {
            Some(list) if !list.contains(peer) => Err(Refusal::NotInNodeList),
            _ => Ok(()),
        }
    }

    /// Whether `peer` is admitted.
    pub fn admits(&self, peer: &NodeId) -> bool {
        self.check(peer).is_ok()
    }

    /// A receiver that sees every change of the policy.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.version.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(b: u8) -> NodeId {
        NodeId::from([b; 64])
    }

    #[test]
    fn rules_combine_and_the_blacklist_wins() {
        let a = Admission::open();
        assert!(a.admits(&id(1)));
        a.set_node_list([id(1), id(2)]);
        assert_eq!(a.check(&id(3)), Err(Refusal::NotInNodeList));
        assert!(a.admits(&id(2)));
        a.set_whitelist([id(1)]);
        assert_eq!(a.check(&id(2)), Err(Refusal::NotWhitelisted));
        a.set_blacklist([id(1)]);
        assert_eq!(a.check(&id(1)), Err(Refusal::Blacklisted));
        a.set_blacklist([]);
        a.set_whitelist([]);
        a.clear_node_list();
        assert!(a.admits(&id(3)));
    }

    #[test]
    fn changes_are_announced() {
        let a = Admission::open();
        let mut rx = a.subscribe();
        let b = a.clone();
        b.set_blacklist([id(9)]);
        assert!(rx.has_changed().unwrap_or(false));
        rx.mark_unchanged();
        assert!(!a.admits(&id(9)));
    }
}
