//! The Ethereum JSON-RPC methods (`eth_*`, `net_*`, `web3_*`), following the Ethereum
//! execution API: minimal hex quantities, hex data, block tags. On a BFT chain a
//! committed block is final, so `safe`, `finalized` and `pending` mean `latest` (except
//! for `eth_getTransactionCount`, where `pending` counts the pool).

use alloy_primitives::{keccak256, TxKind};
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
use serde_json::{json, Value};
use weft_executor::{CallOutcome, CallRequest};
use weft_ledger::keys;
use weft_txpool::TxRejection;
use weft_types::{BlockNumber, TransactionStatus};

use crate::filters::{self, FilterKind, LogQuery};
use crate::json::{self, h256, q, EthBlock, Place, Txs};
use crate::native::Handler;
use crate::params::{
    address, block_ref, boolean, bytes, expected, fault, hash, internal, invalid, number, quantity,
    quantity_u64, server_error, string, BlockRef, Params, RpcResult, EXECUTION_REVERTED,
    SERVER_ERROR,
};
use crate::Ctx;

/// The synchronous Ethereum methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("eth_chainId", chain_id),
    ("net_version", net_version),
    ("net_listening", net_listening),
    ("net_peerCount", net_peer_count),
    ("web3_clientVersion", client_version),
    ("web3_sha3", web3_sha3),
    ("eth_syncing", syncing),
    ("eth_mining", mining),
    ("eth_hashrate", zero),
    ("eth_accounts", accounts),
    ("eth_blockNumber", block_number),
    ("eth_gasPrice", zero),
    ("eth_maxPriorityFeePerGas", zero),
    ("eth_feeHistory", fee_history),
    ("eth_getBalance", get_balance),
    ("eth_getCode", get_code),
    ("eth_getStorageAt", get_storage_at),
    ("eth_getTransactionCount", get_transaction_count),
    ("eth_call", call),
    ("eth_estimateGas", estimate_gas),
    ("eth_sendRawTransaction", send_raw_transaction),
    ("eth_getTransactionByHash", get_transaction_by_hash),
    ("eth_getTransactionReceipt", get_transaction_receipt),
    ("eth_getBlockByNumber", get_block_by_number),
    ("eth_getBlockByHash", get_block_by_hash),
    ("eth_getBlockTransactionCountByNumber", tx_count_by_number),
    ("eth_getBlockTransactionCountByHash", tx_count_by_hash),
    (
        "eth_getTransactionByBlockNumberAndIndex",
        tx_by_number_and_index,
    ),
    (
        "eth_getTransactionByBlockHashAndIndex",
        tx_by_hash_and_index,
    ),
    ("eth_getUncleCountByBlockNumber", uncle_count_by_number),
    ("eth_getUncleCountByBlockHash", uncle_count_by_hash),
    ("eth_getLogs", get_logs),
    ("eth_newFilter", new_filter),
    ("eth_newBlockFilter", new_block_filter),
    (
        "eth_newPendingTransactionFilter",
        new_pending_transaction_filter,
    ),
    ("eth_getFilterChanges", get_filter_changes),
    ("eth_getFilterLogs", get_filter_logs),
    ("eth_uninstallFilter", uninstall_filter),
];

fn none(p: &Params) -> RpcResult<()> {
    p.at_most(0)
}

fn chain_id(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(q(ctx.api.chain_id()))
}

/// `net_version`: the chain id in decimal.
fn net_version(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(ctx.api.chain_id().to_string()))
}

fn net_listening(_: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(true))
}

fn net_peer_count(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(q(ctx.api.status().peers.len() as u64))
}

/// `web3_clientVersion`: `Weft/<version>`.
fn client_version(_: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(concat!("Weft/", env!("CARGO_PKG_VERSION"))))
}

fn web3_sha3(_: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let data = bytes(p.req(0, "hex data")?, "params[0]")?;
    Ok(h256(&keccak256(&data)))
}

fn syncing(_: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(false))
}

fn mining(_: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(false))
}

/// Gas price, priority fee, hash rate: gas is free on a consortium chain.
fn zero(_: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(q(0))
}

fn accounts(_: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!([]))
}

fn block_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(q(ctx.api.block_number()))
}

fn no_such_block(requested: BlockNumber, latest: BlockNumber) -> ErrorObjectOwned {
    server_error(format!(
        "header not found: block {requested} does not exist; the latest block is {latest}"
    ))
}

/// The state version for a block reference: `None` for the latest state.
fn state_at(ctx: &Ctx, r: BlockRef) -> RpcResult<Option<BlockNumber>> {
    let head = ctx.api.block_number();
    match r {
        BlockRef::Latest | BlockRef::Pending => Ok(None),
        BlockRef::Number(n) if n > head => Err(no_such_block(n, head)),
        BlockRef::Number(n) if n == head => Ok(None),
        BlockRef::Number(n) => Ok(Some(n)),
        BlockRef::Hash(h) => match ctx.api.block_number_of(&h).map_err(fault)? {
            Some(n) if n == head => Ok(None),
            Some(n) => Ok(Some(n)),
            None => Err(server_error(format!(
                "header not found: no block has hash {h}"
            ))),
        },
    }
}

/// The block parameter at `i` (default `latest`) as a state version.
fn state_param(ctx: &Ctx, p: &Params, i: usize) -> RpcResult<Option<BlockNumber>> {
    match p.opt(i) {
        Some(v) => state_at(ctx, block_ref(v, &Params::path(i), true)?),
        None => Ok(None),
    }
}

/// The number of the block a block query names, or `None` when there is none.
fn block_number_of_ref(ctx: &Ctx, r: BlockRef) -> RpcResult<Option<BlockNumber>> {
    let head = ctx.api.block_number();
    Ok(match r {
        BlockRef::Latest | BlockRef::Pending => Some(head),
        BlockRef::Number(n) => (n <= head).then_some(n),
        BlockRef::Hash(h) => ctx.api.block_number_of(&h).map_err(fault)?,
    })
}

fn get_balance(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let a = address(p.req(0, "a 20-byte hex address")?, "params[0]")?;
    let at = state_param(ctx, p, 1)?;
    Ok(json::q256(ctx.api.account(&a, at).map_err(fault)?.balance))
}

fn get_code(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let a = address(p.req(0, "a 20-byte hex address")?, "params[0]")?;
    let at = state_param(ctx, p, 1)?;
    Ok(json::data(&ctx.api.account(&a, at).map_err(fault)?.code))
}

fn get_storage_at(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    let a = address(p.req(0, "a 20-byte hex address")?, "params[0]")?;
    let slot_value = p.req(1, "a storage slot (hex quantity or 32-byte hex)")?;
    let slot = quantity(slot_value, "params[1]").or_else(|_| {
        hash(slot_value, "params[1]")
            .map(|h| alloy_primitives::U256::from_be_bytes(h.0))
            .map_err(|_| {
                expected(
                    "params[1]",
                    "a storage slot (hex quantity or 32-byte hex)",
                    slot_value,
                )
            })
    })?;
    let at = state_param(ctx, p, 2)?;
    let value = ctx.api.storage_at(&a, &slot, at).map_err(fault)?;
    Ok(json::data(&value.to_be_bytes::<32>()))
}

/// `eth_getTransactionCount`: the account nonce; with `pending`, the next nonce counting
/// the pool.
fn get_transaction_count(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let a = address(p.req(0, "a 20-byte hex address")?, "params[0]")?;
    let r = match p.opt(1) {
        Some(v) => block_ref(v, "params[1]", true)?,
        None => BlockRef::Latest,
    };
    if r == BlockRef::Pending {
        return Ok(q(ctx.api.pending_nonce(&a)));
    }
    let at = state_at(ctx, r)?;
    Ok(q(ctx.api.account(&a, at).map_err(fault)?.nonce))
}

/// `eth_feeHistory [blockCount, newestBlock, rewardPercentiles?]`: gas is free, so every
/// fee is zero; the shape is the one clients expect.
fn fee_history(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    let count = number(p.req(0, "a block count")?, "params[0]")?.min(1024);
    let head = ctx.api.block_number();
    let newest = match block_ref(p.req(1, "the newest block")?, "params[1]", false)? {
        BlockRef::Number(n) if n > head => return Err(no_such_block(n, head)),
        BlockRef::Number(n) => n,
        _ => head,
    };
    let percentiles = match p.opt(2) {
        None => None,
        Some(Value::Array(items)) => {
            if items.len() > 100 {
                return Err(invalid("params[2]: at most 100 reward percentiles"));
            }
            let mut last = 0.0f64;
            for (i, item) in items.iter().enumerate() {
                let path = format!("params[2][{i}]");
                let x = item
                    .as_f64()
                    .filter(|x| (0.0..=100.0).contains(x) && *x >= last)
                    .ok_or_else(|| {
                        expected(
                            &path,
                            "a percentile from 0 to 100, not below the previous one",
                            item,
                        )
                    })?;
                last = x;
            }
            Some(items.len())
        }
        Some(other) => return Err(expected("params[2]", "an array of percentiles", other)),
    };
    let count = count.min(newest + 1);
    let oldest = if count == 0 { 0 } else { newest + 1 - count };
    let n = usize::try_from(count).unwrap_or(0);
    let mut out = json!({
        "oldestBlock": q(oldest),
        "baseFeePerGas": vec![q(0); if n == 0 { 0 } else { n + 1 }],
        "gasUsedRatio": vec![json!(0.0); n],
    });
    if let (Some(k), Some(obj)) = (percentiles, out.as_object_mut()) {
        obj.insert("reward".into(), json!(vec![vec![q(0); k]; n]));
    }
    Ok(out)
}

/// A call object (`eth_call`, `eth_estimateGas`).
fn call_request(value: &Value, path: &str) -> RpcResult<CallRequest> {
    let Value::Object(obj) = value else {
        return Err(expected(path, "a transaction call object", value));
    };
    let get = |key: &str| obj.get(key).filter(|v| !v.is_null());
    let field = |key: &str| format!("{path}.{key}");
    let from = get("from")
        .map(|v| address(v, &field("from")))
        .transpose()?
        .unwrap_or_default();
    let to = match get("to") {
        Some(v) => TxKind::Call(address(v, &field("to"))?),
        None => TxKind::Create,
    };
    let input = get("input")
        .map(|v| bytes(v, &field("input")))
        .transpose()?;
    let data = get("data").map(|v| bytes(v, &field("data"))).transpose()?;
    let data = match (input, data) {
        (Some(i), Some(d)) if i != d => {
            return Err(invalid(format!(
                "{path}: both input and data are set and they differ; give one"
            )))
        }
        (Some(i), _) => i,
        (None, Some(d)) => d,
        (None, None) => Default::default(),
    };
    let gas = get("gas")
        .map(|v| quantity_u64(v, &field("gas")))
        .transpose()?;
    let value = get("value")
        .map(|v| quantity(v, &field("value")))
        .transpose()?
        .unwrap_or_default();
    for key in ["gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce"] {
        if let Some(v) = get(key) {
            quantity(v, &field(key))?;
        }
    }
    Ok(CallRequest {
        from,
        to,
        data,
        value,
        gas,
    })
}

/// The error of a failed call, as geth gives it: a revert is code 3 with the revert data
/// in `data` and the decoded `Error(string)` reason in the message; other failures are
/// -32000 with the status.
fn call_failure(outcome: &CallOutcome) -> ErrorObjectOwned {
    if outcome.status == TransactionStatus::RevertInstruction {
        let message = match json::revert_reason(&outcome.output) {
            Some(reason) => format!("execution reverted: {reason}"),
            None => "execution reverted".to_string(),
        };
        return ErrorObject::owned(
            EXECUTION_REVERTED,
            message,
            Some(json::data(&outcome.output)),
        );
    }
    let detail = std::str::from_utf8(&outcome.output)
        .ok()
        .filter(|s| !s.is_empty() && s.chars().all(|c| !c.is_control()))
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    let status = outcome.status;
    let message = match status {
        TransactionStatus::OutOfGas => format!("out of gas{detail}"),
        _ => format!(
            "execution failed with status {} ({status:?}){detail}",
            status.code()
        ),
    };
    ErrorObject::owned(SERVER_ERROR, message, None::<()>)
}

fn call(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    let request = call_request(p.req(0, "a transaction call object")?, "params[0]")?;
    let at = state_param(ctx, p, 1)?;
    if p.opt(2).is_some() {
        return Err(invalid("params[2]: state overrides are not supported"));
    }
    let outcome = ctx.api.call(&request, at).map_err(fault)?;
    if outcome.status.is_success() {
        Ok(json::data(&outcome.output))
    } else {
        Err(call_failure(&outcome))
    }
}

fn estimate_gas(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(3)?;
    let request = call_request(p.req(0, "a transaction call object")?, "params[0]")?;
    let at = state_param(ctx, p, 1)?;
    if p.opt(2).is_some() {
        return Err(invalid("params[2]: state overrides are not supported"));
    }
    match ctx.api.estimate_gas(&request, at).map_err(fault)? {
        Ok(gas) => Ok(q(gas)),
        Err(outcome) => Err(call_failure(&outcome)),
    }
}

/// A refused transaction: -32000 with the pool's message, and FISCO BCOS's txpool status
/// code (10000–10008) as `data`.
fn rejection(e: &TxRejection) -> ErrorObjectOwned {
    ErrorObject::owned(SERVER_ERROR, e.to_string(), Some(e.code()))
}

fn send_raw_transaction(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let raw = bytes(p.req(0, "the hex of a signed transaction")?, "params[0]")?;
    match ctx.api.submit_raw(&raw) {
        Ok(h) => Ok(h256(&h)),
        Err(e) => Err(rejection(&e)),
    }
}

fn place(ctx: &Ctx, number: BlockNumber, index: u32) -> RpcResult<Place> {
    let block_hash =
        ctx.api.block_hash(number).map_err(fault)?.ok_or_else(|| {
            internal(format!("block {number} holds transactions but has no hash"))
        })?;
    Ok(Place {
        block_hash,
        block_number: number,
        index,
    })
}

fn get_transaction_by_hash(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let h = hash(p.req(0, "a 32-byte transaction hash")?, "params[0]")?;
    if let Some((tx, location)) = ctx.api.transaction(&h).map_err(fault)? {
        let place = place(ctx, location.number, location.index)?;
        return Ok(json::eth_tx(&tx, Some(place)));
    }
    Ok(ctx
        .api
        .pending_transaction(&h)
        .map(|tx| json::eth_tx(&tx, None))
        .unwrap_or(Value::Null))
}

fn get_transaction_receipt(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let h = hash(p.req(0, "a 32-byte transaction hash")?, "params[0]")?;
    let Some((receipt, location)) = ctx.api.receipt(&h).map_err(fault)? else {
        return Ok(Value::Null);
    };
    let (tx, _) = ctx
        .api
        .transaction(&h)
        .map_err(fault)?
        .ok_or_else(|| internal(format!("transaction {h} has a receipt but no record")))?;
    let receipts = ctx.api.block_receipts(location.number).map_err(fault)?;
    let index = usize::try_from(location.index).unwrap_or(usize::MAX);
    let before = receipts.get(..index).unwrap_or(&receipts[..]);
    let cumulative = before.iter().map(|r| r.gas_used).sum::<u64>() + receipt.gas_used;
    let first_log = before.iter().map(|r| r.logs.len() as u64).sum::<u64>();
    let place = place(ctx, location.number, location.index)?;
    Ok(json::eth_receipt(
        &tx, &receipt, &place, cumulative, first_log,
    ))
}

/// The chain's block gas limit (the current value).
pub(crate) fn block_gas_limit(ctx: &Ctx) -> RpcResult<u64> {
    Ok(ctx
        .api
        .system_config(keys::BLOCK_GAS_LIMIT)
        .map_err(fault)?
        .and_then(|(v, _)| v.parse().ok())
        .unwrap_or(0))
}

/// Block `number` as an Ethereum block object, or null.
fn eth_block_at(ctx: &Ctx, number: BlockNumber, full: bool) -> RpcResult<Value> {
    let api = &*ctx.api;
    let Some((block, hash)) = crate::native::block_with_hash(api, number)? else {
        return Ok(Value::Null);
    };
    let receipts = api.block_receipts(number).map_err(fault)?;
    let view = EthBlock {
        block: &block,
        hash,
        receipts: &receipts,
        gas_limit: block_gas_limit(ctx)?,
        suite: api.suite(),
    };
    if full {
        let txs = api.block_transactions(number).map_err(fault)?;
        Ok(json::eth_block(&view, Txs::Full(&txs)))
    } else {
        let suite = api.suite().suite();
        let hashes: Vec<_> = block.transactions.iter().map(|t| t.hash(suite)).collect();
        Ok(json::eth_block(&view, Txs::Hashes(&hashes)))
    }
}

fn full_flag(p: &Params) -> RpcResult<bool> {
    Ok(p.opt(1)
        .map(|v| boolean(v, "params[1]"))
        .transpose()?
        .unwrap_or(false))
}

fn get_block_by_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let r = block_ref(p.req(0, "a block number or tag")?, "params[0]", false)?;
    let full = full_flag(p)?;
    match block_number_of_ref(ctx, r)? {
        Some(n) => eth_block_at(ctx, n, full),
        None => Ok(Value::Null),
    }
}

fn get_block_by_hash(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let h = hash(p.req(0, "a 32-byte block hash")?, "params[0]")?;
    let full = full_flag(p)?;
    match ctx.api.block_number_of(&h).map_err(fault)? {
        Some(n) => eth_block_at(ctx, n, full),
        None => Ok(Value::Null),
    }
}

fn tx_count_at(ctx: &Ctx, number: Option<BlockNumber>) -> RpcResult<Value> {
    let Some(n) = number else {
        return Ok(Value::Null);
    };
    Ok(match ctx.api.block(n).map_err(fault)? {
        Some(block) => q(block.transactions.len() as u64),
        None => Value::Null,
    })
}

fn tx_count_by_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let r = block_ref(p.req(0, "a block number or tag")?, "params[0]", false)?;
    let n = block_number_of_ref(ctx, r)?;
    tx_count_at(ctx, n)
}

fn tx_count_by_hash(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let h = hash(p.req(0, "a 32-byte block hash")?, "params[0]")?;
    let n = ctx.api.block_number_of(&h).map_err(fault)?;
    tx_count_at(ctx, n)
}

fn tx_at(ctx: &Ctx, number: Option<BlockNumber>, p: &Params) -> RpcResult<Value> {
    let index = quantity_u64(p.req(1, "a hex transaction index")?, "params[1]")?;
    let Some(n) = number else {
        return Ok(Value::Null);
    };
    let Ok(index) = u32::try_from(index) else {
        return Ok(Value::Null);
    };
    let txs = ctx.api.block_transactions(n).map_err(fault)?;
    match txs.get(index as usize) {
        Some(tx) => Ok(json::eth_tx(tx, Some(place(ctx, n, index)?))),
        None => Ok(Value::Null),
    }
}

fn tx_by_number_and_index(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let r = block_ref(p.req(0, "a block number or tag")?, "params[0]", false)?;
    let n = block_number_of_ref(ctx, r)?;
    tx_at(ctx, n, p)
}

fn tx_by_hash_and_index(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(2)?;
    let h = hash(p.req(0, "a 32-byte block hash")?, "params[0]")?;
    let n = ctx.api.block_number_of(&h).map_err(fault)?;
    tx_at(ctx, n, p)
}

fn uncle_count_by_number(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let r = block_ref(p.req(0, "a block number or tag")?, "params[0]", false)?;
    Ok(block_number_of_ref(ctx, r)?
        .map(|_| q(0))
        .unwrap_or(Value::Null))
}

fn uncle_count_by_hash(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let h = hash(p.req(0, "a 32-byte block hash")?, "params[0]")?;
    Ok(ctx
        .api
        .block_number_of(&h)
        .map_err(fault)?
        .map(|_| q(0))
        .unwrap_or(Value::Null))
}

fn get_logs(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let query = LogQuery::parse(p.req(0, "a filter object")?, "params[0]")?;
    logs_of(ctx, &query)
}

/// The logs `query` matches, in its block range (empty if the range is empty).
fn logs_of(ctx: &Ctx, query: &LogQuery) -> RpcResult<Value> {
    match query.range(&*ctx.api, ctx.max_log_blocks)? {
        Some((from, to)) => Ok(Value::Array(filters::scan_logs(
            &*ctx.api,
            &query.matcher,
            from,
            to,
        )?)),
        None => Ok(json!([])),
    }
}

fn new_filter(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    p.at_most(1)?;
    let query = LogQuery::parse(p.req(0, "a filter object")?, "params[0]")?;
    if query.block_hash.is_some() {
        return Err(invalid(
            "params[0].blockHash: a polled filter follows new blocks; use eth_getLogs for one block",
        ));
    }
    let id = ctx
        .filters
        .install(FilterKind::Logs(query), ctx.api.block_number())?;
    Ok(json!(id))
}

fn new_block_filter(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(ctx
        .filters
        .install(FilterKind::Blocks, ctx.api.block_number())?))
}

/// A pending-transaction filter: installed, but its changes are always empty (the pool
/// does not publish arrivals to the RPC server).
fn new_pending_transaction_filter(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    none(p)?;
    Ok(json!(ctx
        .filters
        .install(FilterKind::PendingTxs, ctx.api.block_number())?))
}

fn filter_id(p: &Params) -> RpcResult<&str> {
    p.at_most(1)?;
    let v = p.req(0, "a filter id")?;
    let id = string(v, "params[0]")?;
    if id.len() > 100 {
        return Err(expected("params[0]", "a filter id", v));
    }
    Ok(id)
}

fn resolve(r: BlockRef, head: BlockNumber) -> BlockNumber {
    match r {
        BlockRef::Number(n) => n,
        _ => head,
    }
}

fn get_filter_changes(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    let id = filter_id(p)?;
    let head = ctx.api.block_number();
    let (kind, next) = ctx.filters.poll(id, head)?;
    // Report at most the last `max_log_blocks` blocks of a long gap.
    let first = next.max(head.saturating_add(1).saturating_sub(ctx.max_log_blocks));
    match kind {
        FilterKind::PendingTxs => Ok(json!([])),
        FilterKind::Blocks => {
            let mut hashes = Vec::new();
            for n in first..=head {
                if let Some(h) = ctx.api.block_hash(n).map_err(fault)? {
                    hashes.push(h256(&h));
                }
            }
            Ok(Value::Array(hashes))
        }
        FilterKind::Logs(query) => {
            let from = first.max(resolve(query.from, 0));
            let to = head.min(match query.to {
                BlockRef::Number(n) => n,
                _ => head,
            });
            if from > to {
                return Ok(json!([]));
            }
            Ok(Value::Array(filters::scan_logs(
                &*ctx.api,
                &query.matcher,
                from,
                to,
            )?))
        }
    }
}

fn get_filter_logs(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    let id = filter_id(p)?;
    match ctx.filters.kind(id)? {
        FilterKind::Logs(query) => logs_of(ctx, &query),
        _ => Err(invalid(format!(
            "params[0]: filter {id} is not a log filter; use eth_getFilterChanges"
        ))),
    }
}

fn uninstall_filter(ctx: &Ctx, p: &Params) -> RpcResult<Value> {
    let id = filter_id(p)?;
    Ok(json!(ctx.filters.uninstall(id)))
}
