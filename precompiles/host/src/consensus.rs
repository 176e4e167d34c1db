//! Consensus `0x1003`: `addSealer`, `addObserver`, `remove` and `setWeight`, as FISCO
//! BCOS. Changes apply to the node list of the next block: the precompile keeps the next
//! list in its journaled storage, and the executor hands it to the ledger with the block.

use std::str::FromStr;

use alloy_primitives::U256;
use alloy_rlp::{RlpDecodable, RlpEncodable};
use alloy_sol_types::sol;
use weft_crypto::{PublicKey, SuiteId};
use weft_ledger::{ConsensusNode, NodeList};
use weft_plugin_abi::sol_types::SolCall;
use weft_plugin_abi::{CallError, CallResult, HostError, Suite};
use weft_types::NodeId;

use crate::system::PERMISSION_DENIED;
use crate::SystemHost;

sol! {
    /// FISCO BCOS's ConsensusPrecompiled.
    interface Consensus {
        function addSealer(string nodeID, uint256 weight) external returns (int32);
        function addObserver(string nodeID) external returns (int32);
        function remove(string nodeID) external returns (int32);
        function setWeight(string nodeID, uint256 weight) external returns (int32);
    }
}

/// The node id is not a public key of the chain's curve (`CODE_INVALID_NODE_ID`).
pub const CODE_INVALID_NODE_ID: i32 = -51100;
/// The change would leave no sealer (`CODE_LAST_SEALER`).
pub const CODE_LAST_SEALER: i32 = -51101;
/// The weight is 0 or too large (`CODE_INVALID_WEIGHT`).
pub const CODE_INVALID_WEIGHT: i32 = -51102;
/// The node is not in the list (or not a sealer, for `setWeight`) (`CODE_NODE_NOT_EXIST`).
pub const CODE_NODE_NOT_EXIST: i32 = -51103;
/// Only an observer can become a sealer (`CODE_ADD_SEALER_SHOULD_IN_OBSERVER`).
pub const CODE_ADD_SEALER_SHOULD_IN_OBSERVER: i32 = -51104;

/// The storage key of the next block's node list.
pub const PENDING_KEY: &[u8] = b"pending";

/// The largest weight of one sealer (total weights stay far from overflow).
pub const MAX_WEIGHT: u64 = 1 << 32;

#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
struct Pending {
    block: u64,
    nodes: NodeList,
}

/// The node list a block set for the next one, from the value at [`PENDING_KEY`] after the
/// block (`None` if the block changed nothing).
pub fn pending_nodes(raw: &[u8], block: u64) -> Result<Option<NodeList>, alloy_rlp::Error> {
    let pending = <Pending as alloy_rlp::Decodable>::decode(&mut &raw[..])?;
    Ok((pending.block == block).then_some(pending.nodes))
}

fn next_list(host: &mut dyn SystemHost) -> Result<NodeList, CallError> {
    let block = host.env().block_number;
    if let Some(raw) = host.get(PENDING_KEY)? {
        let pending = pending_nodes(&raw, block).map_err(|_| CallError::Host(HostError::Failed))?;
        if let Some(nodes) = pending {
            return Ok(nodes);
        }
    }
    Ok(host.node_list()?)
}

fn node_id(host: &dyn SystemHost, text: &str) -> Option<NodeId> {
    let text = text.trim();
    if text.len() != 128 && !(text.len() == 130 && text.starts_with("0x")) {
        return None;
    }
    let id = NodeId::from_str(text).ok()?;
    let suite = match host.env().suite {
        Suite::Standard => SuiteId::Standard,
        Suite::Sm => SuiteId::Sm,
    };
    suite
        .suite()
        .validate_public_key(&PublicKey(id.0))
        .ok()
        .map(|()| id)
}

fn weight(value: U256) -> Option<u64> {
    u64::try_from(value)
        .ok()
        .filter(|w| *w > 0 && *w <= MAX_WEIGHT)
}

/// Apply one change to `nodes`; `Err` is FISCO's code.
fn apply(nodes: &mut NodeList, call: &Consensus::ConsensusCalls, id: NodeId) -> Result<(), i32> {
    use Consensus::ConsensusCalls as C;
    let sealer = nodes.sealer_index(&id);
    let observer = nodes.observers.iter().position(|o| *o == id);
    match call {
        C::addSealer(c) => {
            let w = weight(c.weight).ok_or(CODE_INVALID_WEIGHT)?;
            let i = observer.ok_or(CODE_ADD_SEALER_SHOULD_IN_OBSERVER)?;
            nodes.observers.remove(i);
            nodes.sealers.push(ConsensusNode {
                node_id: id,
                weight: w,
            });
        }
        C::addObserver(_) => match (sealer, observer) {
            (_, Some(_)) => {}
            (Some(_), None) if nodes.sealers.len() == 1 => return Err(CODE_LAST_SEALER),
            (Some(i), None) => {
                nodes.sealers.remove(i);
                nodes.observers.push(id);
            }
            (None, None) => nodes.observers.push(id),
        },
        C::remove(_) => match (sealer, observer) {
            (Some(_), _) if nodes.sealers.len() == 1 => return Err(CODE_LAST_SEALER),
            (Some(i), _) => {
                nodes.sealers.remove(i);
            }
            (None, Some(i)) => {
                nodes.observers.remove(i);
            }
            (None, None) => return Err(CODE_NODE_NOT_EXIST),
        },
        C::setWeight(c) => {
            let w = weight(c.weight).ok_or(CODE_INVALID_WEIGHT)?;
            let i = sealer.ok_or(CODE_NODE_NOT_EXIST)?;
            nodes.sealers[i].weight = w;
        }
    }
    Ok(())
}

/// Run a call to `0x1003`.
pub fn call(host: &mut dyn SystemHost, input: &[u8]) -> CallResult {
    use weft_plugin_abi::sol_types::SolInterface;
    let call = Consensus::ConsensusCalls::abi_decode(input)?;
    if !host.is_admin(host.env().caller)? {
        return Err(CallError::revert_message(PERMISSION_DENIED));
    }
    let id_text = match &call {
        Consensus::ConsensusCalls::addSealer(c) => &c.nodeID,
        Consensus::ConsensusCalls::addObserver(c) => &c.nodeID,
        Consensus::ConsensusCalls::remove(c) => &c.nodeID,
        Consensus::ConsensusCalls::setWeight(c) => &c.nodeID,
    };
    let code = match node_id(host, id_text) {
        None => CODE_INVALID_NODE_ID,
        Some(id) => {
            let mut nodes = next_list(host)?;
            match apply(&mut nodes, &call, id) {
                Ok(()) => {
                    let pending = Pending {
                        block: host.env().block_number,
                        nodes,
                    };
                    host.set(PENDING_KEY, &alloy_rlp::encode(&pending))?;
                    0
                }
                Err(code) => code,
            }
        }
    };
    // Every method returns one int32.
    Ok(Consensus::addObserverCall::abi_encode_returns(&code))
}
