//! The consensus node list.

use alloy_rlp::{RlpDecodable, RlpEncodable};
use weft_types::NodeId;

/// A voting node and its weight.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct ConsensusNode {
    /// The node's id (public key).
    pub node_id: NodeId,
    /// Its voting weight.
    pub weight: u64,
}

/// Who votes (sealers, with weights) and who only follows (observers), as of a height.
#[derive(Debug, Clone, PartialEq, Eq, Default, RlpEncodable, RlpDecodable)]
pub struct NodeList {
    /// Voting nodes, in the order their indexes refer to.
    pub sealers: Vec<ConsensusNode>,
    /// Non-voting nodes.
    pub observers: Vec<NodeId>,
}

impl NodeList {
    /// The sum of the sealers' weights.
    pub fn total_weight(&self) -> u64 {
        self.sealers.iter().map(|s| s.weight).sum()
    }

    /// The index of `node` among the sealers.
    pub fn sealer_index(&self, node: &NodeId) -> Option<usize> {
        self.sealers.iter().position(|s| &s.node_id == node)
    }
}
