//! The native methods: FISCO BCOS v3's names, positional parameters (group and node name
//! first) and result shapes.

use std::sync::Arc;

use alloy_primitives::{TxKind, B256};
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use weft_crypto::SuiteId;
use weft_executor::CallRequest;
use weft_txpool::TxRejection;

use crate::api::ChainApi;
use crate::json::{self, h256, node_id, NativeTxs, Place};
use crate::params::{
    address, boolean, bytes, expected, fault, hash, internal, invalid, number, server_error,
    string, Params, RpcResult,
};
use crate::Ctx;

/// A handler of a synchronous method.
pub(crate) type Handler = fn(&Ctx, &Params) -> RpcResult<Value>;

/// The synchronous native methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("call", call),
    ("getTransaction", get_transaction),
    ("getTransactionReceipt", get_transaction_receipt),
    ("getBlockByNumber", get_block_by_number),
    ("getBlockByHash", get_block_by_hash),
    ("getBlockHashByNumber", get_block_hash_by_number),
    ("getBlockNumber", get_block_number),
    ("getCode", get_code),
    ("getABI", get_abi),
    ("getSealerList", get_sealer_list),
    ("getObserverList", get_observer_list),
    ("getPbftView", get_pbft_view),
    ("getPendingTxSize", get_pending_tx_size),
    ("getSyncStatus", get_sync_status),
    ("getConsensusStatus", get_consensus_status),
    ("getSystemConfigByKey", get_system_config_by_key),
    ("getTotalTransactionCount", get_total_transaction_count),
    ("getPeers", get_peers),
    ("getGroupList", get_group_list),
    ("getGroupInfo", get_group_info),
];

/// Check `params[0]` (the group) against the node's group, and `params[1]` (the node
/// name, any string: one node serves the RPC) when `with_node`.
fn check_group(ctx: &Ctx, p: &Params, with_node: bool) -> RpcResult<()> {
    let group = string(p.req(0, "the group id, such as \"group0\"")?, "params[0]")?;
    let expected_group = ctx.api.group_id();
    if group != expected_group {
        return Err(invalid(format!(
            "params[0]: group {group:?} is not served here; this node serves group {expected_group:?}"
        )));
    }
    if with_node {
        if let Some(node) = p.opt(1) {
            string(node, "params[1]")?;
        }
    }
    Ok(())
}

/// `[group, node]` and nothing more.
fn group_only(ctx: &Ctx, p: &Params) -> RpcResult<()> {
    p.at_most(2)?;
    check_group(ctx, p, true)
}

fn place_of(api: &dyn ChainApi, number: u64, index: u32) -> RpcResult<Place> {
    let block_hash = api.block_hash(number).map_err(fault)?.ok_or_else(|| {
        internal(format!(
            "block {number} holds a transaction but has no hash"
        ))
    })?;
    Ok(Place {
        block_hash,
        block_number: number,
        index,
    })
}

/// The native receipt of committed transaction `hash`, or `None`.
pub(crate) fn receipt_of(api: &dyn ChainApi, hash: &B256) -> RpcResult<Option<Value>> {
    let Some((receipt, location)) = api.receipt(hash).map_err(fault)? else {
        return Ok(None);
    };
    let (tx, _) = api
        .transaction(hash)
        .map_err(fault)?
        .ok_or_else(|| internal(format!("transaction {hash} has a receipt but no record")))?;
    let place = place_of(api, location.number, location.index)?;
    let receipt_hash = receipt.hash(api.suite().suite());
    Ok(Some(json::native_receipt(
        &tx,
        &receipt,
        &receipt_hash,
        &place,
    )))
}

/// A FISCO-style rejection: the error code is the txpool's status code (10000–10008),
/// `data` its FISCO name (`"AlreadyInTxPool"`, …).
pub(crate) fn rejection(e: &TxRejection) -> ErrorObjectOwned {
    let code = i32::try_from(e.code()).unwrap_or(i32::MAX);
    ErrorObject::owned(code, e.to_string(), Some(e.status_name()))
}

/// `sendTransaction [group, node, hexSignedTx, requireProof]`: submit, then wait for the
/// block that commits it and return the receipt, as FISCO BCOS does. Merkle proofs are
/// not provided (`requireProof` is accepted and ignored).
pub(crate) async fn send_transaction(
    raw_params: Option<String>,
    ctx: Arc<Ctx>,
) -> RpcResult<Value> {
    let p = Params::parse(raw_params.as_deref())?;
    p.at_most(4)?;
    check_group(&ctx, &p, true)?;
    let raw = bytes(p.req(2, "the hex of a signed transaction")?, "params[2]")?;
    if let Some(v) = p.opt(3) {
        boolean(v, "params[3]")?;
    }
    // Subscribe before submitting, so the committing block cannot be missed.
    let mut blocks = ctx.api.subscribe_blocks();
    let api = ctx.api.clone();
    let hash = tokio::task::spawn_blocking(move || api.submit_raw(&raw))
        .await
        .map_err(|e| internal(format!("submission task failed: {e}")))?
        .map_err(|e| rejection(&e))?;
    let deadline = tokio::time::Instant::now() + ctx.receipt_timeout;
    loop {
        match tokio::time::timeout_at(deadline, blocks.recv()).await {
            Err(_) => {
                return Err(server_error(format!(
                    "transaction {hash} was accepted but not committed within {} s; poll getTransactionReceipt",
                    ctx.receipt_timeout.as_secs()
                )))
            }
            Ok(Ok(block)) if !block.tx_hashes.contains(&hash) => continue,
            Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) => {}
            Ok(Err(RecvError::Closed)) => {
                return Err(server_error(format!(
                    "transaction {hash} was accepted, but the node stopped publishing blocks; poll getTransactionReceipt"
                )))
            }
        }
        let api = ctx.api.clone();
        let found = tokio::task::spawn_blocking(move || receipt_of(&*api, &hash))
            .await
            .map_err(|e| internal(format!("receipt lookup failed: {e}")))??;
        if let Some(receipt) = found {
            return Ok(receipt);
        }
    }
}

/// `call [group, node, to, data]` (a fifth "signed call" parameter is accepted and
/// ignored): `{blockNumber, output, status}`; a revert is a status, not an error.
fn call(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(5)?;
    check_group(ctx, p, true)?;
    let to = address(p.req(2, "the contract address")?, "params[2]")?;
    let data = bytes(p.req(3, "hex call data")?, "params[3]")?;
    let number = ctx.api.block_number();
    let request = CallRequest {
        to: TxKind::Call(to),
        data,
        ..Default::default()
    };
    let outcome = ctx.api.call(&request, None).map_err(fault)?;
    Ok(json!({
        "blockNumber": number,
        "output": json::data(&outcome.output),
        "status": outcome.status.code(),
    }))
}

fn tx_hash_params(ctx: &Ctx, p: &Params) -> RpcResult<B256> {
    p.at_most(4)?;
    check_group(ctx, p, true)?;
    let h = hash(p.req(2, "a transaction hash")?, "params[2]")?;
    if let Some(v) = p.opt(3) {
        boolean(v, "params[3]")?;
    }
    Ok(h)
}

/// `getTransaction [group, node, hash, requireProof]`: the committed transaction or null.
fn get_transaction(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    let h = tx_hash_params(ctx, p)?;
    Ok(match ctx.api.transaction(&h).map_err(fault)? {
        Some((tx, _)) => json::native_tx(&tx, &ctx.api.group_id()),
        None => Value::Null,
    })
}

/// `getTransactionReceipt [group, node, hash, requireProof]`: the receipt or null.
fn get_transaction_receipt(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    let h = tx_hash_params(ctx, p)?;
    Ok(receipt_of(&*ctx.api, &h)?.unwrap_or(Value::Null))
}

/// The block view flags: `onlyHeader` and `onlyTxHash`, both `true` when omitted.
fn block_flags(p: &Params) -> RpcResult<(bool, bool)> {
    let flag = |i: usize| p.opt(i).map(|v| boolean(v, &Params::path(i))).transpose();
    Ok((flag(3)?.unwrap_or(true), flag(4)?.unwrap_or(true)))
}

/// Block `number` and its hash; `None` past the chain's head.
pub(crate) fn block_with_hash(
    api: &dyn ChainApi,
    number: u64,
) -> RpcResult<Option<(weft_types::Block, B256)>> {
    let Some(block) = api.block(number).map_err(fault)? else {
        return Ok(None);
    };
    let hash = api
        .block_hash(number)
        .map_err(fault)?
        .ok_or_else(|| internal(format!("block {number} has no hash")))?;
    Ok(Some((block, hash)))
}

fn native_block_at(
    ctx: &Ctx,
    number: u64,
    only_header: bool,
    only_hashes: bool,
) -> RpcResult<Value> {
    let api = &*ctx.api;
    let Some((block, hash)) = block_with_hash(api, number)? else {
        return Ok(Value::Null);
    };
    let group = api.group_id();
    let full;
    let txs = if only_header {
        NativeTxs::None
    } else if only_hashes {
        let suite = api.suite().suite();
        NativeTxs::Hashes(block.transactions.iter().map(|t| t.hash(suite)).collect())
    } else {
        full = api.block_transactions(number).map_err(fault)?;
        NativeTxs::Full(&full, &group)
    };
    Ok(json::native_block(&block, &hash, txs))
}

/// `getBlockByNumber [group, node, number, onlyHeader?, onlyTxHash?]`.
fn get_block_by_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(5)?;
    check_group(ctx, p, true)?;
    let n = number(p.req(2, "a block number")?, "params[2]")?;
    let (only_header, only_hashes) = block_flags(p)?;
    native_block_at(ctx, n, only_header, only_hashes)
}

/// `getBlockByHash [group, node, hash, onlyHeader?, onlyTxHash?]`.
fn get_block_by_hash(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(5)?;
    check_group(ctx, p, true)?;
    let h = hash(p.req(2, "a block hash")?, "params[2]")?;
    let (only_header, only_hashes) = block_flags(p)?;
    match ctx.api.block_number_of(&h).map_err(fault)? {
        Some(n) => native_block_at(ctx, n, only_header, only_hashes),
        None => Ok(Value::Null),
    }
}

/// `getBlockHashByNumber [group, node, number]`: the hash or null.
fn get_block_hash_by_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    check_group(ctx, p, true)?;
    let n = number(p.req(2, "a block number")?, "params[2]")?;
    Ok(ctx
        .api
        .block_hash(n)
        .map_err(fault)?
        .map(|h| h256(&h))
        .unwrap_or(Value::Null))
}

/// `getBlockNumber [group, node]`.
fn get_block_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    Ok(json!(ctx.api.block_number()))
}

/// `getCode [group, node, address]`: hex code (`0x` for none).
fn get_code(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    check_group(ctx, p, true)?;
    let a = address(p.req(2, "a contract address")?, "params[2]")?;
    let account = ctx.api.account(&a, None).map_err(fault)?;
    Ok(json::data(&account.code))
}

/// `getABI [group, node, address]`: the ABI stored at deployment, or `""`.
fn get_abi(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    check_group(ctx, p, true)?;
    let a = address(p.req(2, "a contract address")?, "params[2]")?;
    Ok(json!(ctx.api.abi(&a).map_err(fault)?.unwrap_or_default()))
}

/// `getSealerList [group, node]`: `[{nodeID, weight}]`, the sealers of the block being
/// agreed (a change made by the latest block applies from the next one).
fn get_sealer_list(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    let nodes = ctx
        .api
        .node_list(ctx.api.block_number() + 1)
        .map_err(fault)?;
    Ok(Value::Array(
        nodes
            .sealers
            .iter()
            .map(|s| json!({ "nodeID": node_id(s.node_id.as_slice()), "weight": s.weight }))
            .collect(),
    ))
}

/// `getObserverList [group, node]`: node ids, as of the block being agreed.
fn get_observer_list(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    let nodes = ctx
        .api
        .node_list(ctx.api.block_number() + 1)
        .map_err(fault)?;
    Ok(Value::Array(
        nodes
            .observers
            .iter()
            .map(|id| node_id(id.as_slice()))
            .collect(),
    ))
}

/// `getPbftView [group, node]`.
fn get_pbft_view(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    Ok(json!(ctx.api.status().view))
}

/// `getPendingTxSize [group, node]`.
fn get_pending_tx_size(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    Ok(json!(ctx.api.pending_count()))
}

/// `getSyncStatus [group, node]`: a JSON *string*, as FISCO BCOS returns it — this
/// node's head, the highest head a peer announced, each peer's head, and whether the node
/// is catching up.
fn get_sync_status(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    let api = &*ctx.api;
    let status = api.status();
    let number = api.block_number();
    let latest = api.block_hash(number).map_err(fault)?.unwrap_or_default();
    let genesis = api.block_hash(0).map_err(fault)?.unwrap_or_default();
    let sync = status.sync.unwrap_or_default();
    let (highest, highest_hash) = if sync.known_highest_number > number {
        (sync.known_highest_number, sync.known_latest_hash)
    } else {
        (number, latest)
    };
    let body = json!({
        "blockNumber": number,
        "genesisHash": h256(&genesis),
        "isSyncing": status.syncing,
        "knownHighestNumber": highest,
        "knownLatestHash": h256(&highest_hash),
        "latestHash": h256(&latest),
        "nodeID": status.node_id,
        "peers": sync.peers.iter().map(|p| json!({
            "nodeID": p.node_id,
            "blockNumber": p.number,
            "latestHash": h256(&p.head_hash),
            "genesisHash": h256(&genesis),
        })).collect::<Vec<_>>(),
        "txPoolSize": api.pending_count().to_string(),
    });
    Ok(Value::String(body.to_string()))
}

/// `getConsensusStatus [group, node]`: a JSON *string*, as FISCO BCOS returns it — the
/// height and view being agreed, the leader, this node's index, the sealers and quorum,
/// and whether a view change (a timeout) is under way.
fn get_consensus_status(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    let api = &*ctx.api;
    let status = api.status();
    let number = api.block_number();
    let latest = api.block_hash(number).map_err(fault)?.unwrap_or_default();
    let body = match &status.consensus {
        Some(c) => {
            let total: u64 = c.sealers.iter().map(|(_, w)| w).sum();
            json!({
                "blockNumber": number,
                "hash": h256(&latest),
                "consensusHeight": c.height,
                "view": c.view,
                "changeCycle": c.change_cycle,
                "timeout": c.in_view_change,
                "toView": c.view_change_target,
                "phase": c.phase,
                "consensusTimeout": c.timeout_ms,
                "viewChanges": c.view_changes,
                "nodeID": status.node_id,
                "index": c.node_index.map(|i| i as i64).unwrap_or(-1),
                "nodeIndex": c.node_index.map(|i| i as i64).unwrap_or(-1),
                "leaderIndex": c.leader_index,
                "isConsensusNode": c.node_index.is_some(),
                "connectedNodeList": status.peers.len(),
                "consensusNodesNum": c.sealers.len(),
                "totalWeight": total,
                "maxFaultyQuorum": c.max_faulty,
                "minRequiredQuorum": c.quorum,
                "consensusNodeList": c.sealers.iter().enumerate().map(|(i, (id, weight))| json!({
                    "index": i,
                    "nodeID": id,
                    "weight": weight,
                })).collect::<Vec<_>>(),
            })
        }
        None => {
            // No consensus runs (a one-sealer development chain): report the node list.
            let nodes = api.node_list(number + 1).map_err(fault)?;
            let index = nodes.sealers.iter().position(|s| {
                alloy_primitives::hex::encode(s.node_id) == status.node_id.trim_start_matches("0x")
            });
            let total = nodes.total_weight();
            let faulty = total.saturating_sub(1) / 3;
            json!({
                "blockNumber": number,
                "hash": h256(&latest),
                "consensusHeight": number + 1,
                "view": status.view,
                "changeCycle": 0,
                "timeout": false,
                "nodeID": status.node_id,
                "index": index.map(|i| i as i64).unwrap_or(-1),
                "nodeIndex": index.map(|i| i as i64).unwrap_or(-1),
                "leaderIndex": index.unwrap_or(0),
                "isConsensusNode": index.is_some(),
                "connectedNodeList": status.peers.len(),
                "consensusNodesNum": nodes.sealers.len(),
                "totalWeight": total,
                "maxFaultyQuorum": faulty,
                "minRequiredQuorum": total - faulty,
                "consensusNodeList": nodes.sealers.iter().enumerate().map(|(i, s)| json!({
                    "index": i,
                    "nodeID": node_id(s.node_id.as_slice()),
                    "weight": s.weight,
                })).collect::<Vec<_>>(),
            })
        }
    };
    Ok(Value::String(body.to_string()))
}

/// `getSystemConfigByKey [group, node, key]`: `{value, blockNumber}`.
fn get_system_config_by_key(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    check_group(ctx, p, true)?;
    let key = string(p.req(2, "a system config key")?, "params[2]")?;
    match ctx.api.system_config(key).map_err(fault)? {
        Some((value, block_number)) => Ok(json!({ "value": value, "blockNumber": block_number })),
        None => Err(expected(
            "params[2]",
            "a system config key such as \"tx_gas_limit\"",
            &json!(key),
        )),
    }
}

/// `getTotalTransactionCount [group, node]`: `{blockNumber, transactionCount}`
/// (`failedTransactionCount` is not kept, so it is omitted).
fn get_total_transaction_count(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    group_only(ctx, p)?;
    Ok(json!({
        "blockNumber": ctx.api.block_number(),
        "transactionCount": ctx.api.total_transaction_count(),
    }))
}

/// `getPeers []`: this node and its connected peers, with their addresses (the group
/// parameters some SDKs send are ignored).
fn get_peers(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let status = ctx.api.status();
    let group = ctx.api.group_id();
    let mut members = vec![status.node_id.clone()];
    members.extend(status.peers.iter().map(|p| p.node_id.clone()));
    Ok(json!({
        "p2pNodeID": status.node_id,
        "groupNodeIDInfo": [{ "group": group, "nodeIDList": members }],
        "peers": status.peers.iter().map(|p| json!({
            "p2pNodeID": p.node_id,
            "endPoint": p.address,
            "groupNodeIDInfo": [{ "group": group, "nodeIDList": [p.node_id] }],
        })).collect::<Vec<_>>(),
    }))
}

/// `getGroupList []`.
fn get_group_list(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(0)?;
    Ok(json!({ "code": 0, "msg": "success", "groupList": [ctx.api.group_id()] }))
}

/// `getGroupInfo [group]`: chain and group ids, the genesis, and this node with the
/// `iniConfig` fields FISCO SDKs read to pick their crypto (`smCryptoType`, `isWasm`).
fn get_group_info(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    check_group(ctx, p, false)?;
    let api = &*ctx.api;
    let status = api.status();
    let genesis: Value = serde_json::from_str(&api.genesis_json()).unwrap_or(Value::Null);
    let auth = api
        .system_config(weft_ledger::keys::AUTH_CHECK)
        .map_err(fault)?
        .map(|(v, _)| v != "0")
        .unwrap_or(false);
    let chain_id = api.chain_id().to_string();
    let group = api.group_id();
    Ok(json!({
        "chainID": chain_id,
        "groupID": group,
        "genesisConfig": genesis,
        "nodeList": [{
            "name": status.node_id,
            "nodeID": status.node_id,
            "iniConfig": {
                "chainID": chain_id,
                "groupID": group,
                "nodeID": status.node_id,
                "smCryptoType": api.suite() == SuiteId::Sm,
                "isWasm": false,
                "isAuthCheck": auth,
                "isSerialExecute": true,
            },
            "serviceInfo": [],
        }],
    }))
}
