//! `eth_subscribe` / `eth_unsubscribe` over WebSocket: `newHeads` and `logs`, driven by
//! the node's stream of committed blocks.

use std::sync::Arc;

use jsonrpsee::core::traits::IdProvider;
use jsonrpsee::types::SubscriptionId;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use weft_types::BlockNumber;

use crate::api::{ChainApi, CommittedBlock};
use crate::filters::{new_id, LogMatch};
use crate::json::{self, EthBlock, Place, Txs};
use crate::params::{expected, fault, invalid, string, Params, RpcResult};
use crate::Ctx;

/// The most blocks replayed from the ledger when a subscriber fell behind the stream.
const MAX_BACKFILL: u64 = 1_000;

/// Subscription ids as geth makes them: `0x` and 32 random hex digits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HexIds;

impl IdProvider for HexIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Str(new_id().into())
    }
}

/// What a subscription reports.
#[derive(Debug, Clone)]
enum Kind {
    NewHeads,
    Logs(LogMatch),
}

fn parse(raw: Option<&str>) -> RpcResult<Kind> {
    let p = Params::parse(raw)?;
    p.at_most(2)?;
    let name = string(
        p.req(0, "a subscription name (\"newHeads\" or \"logs\")")?,
        "params[0]",
    )?;
    match name {
        "newHeads" => {
            p.at_most(1)?;
            Ok(Kind::NewHeads)
        }
        "logs" => match p.opt(1) {
            None => Ok(Kind::Logs(LogMatch::default())),
            Some(Value::Object(obj)) => Ok(Kind::Logs(LogMatch::parse(obj, "params[1]")?)),
            Some(other) => Err(expected("params[1]", "a filter object {address, topics}", other)),
        },
        other => Err(invalid(format!(
            "params[0]: unsupported subscription {other:?}; this node offers \"newHeads\" and \"logs\""
        ))),
    }
}

/// Serve one `eth_subscribe` call until the client unsubscribes or disconnects.
pub(crate) async fn subscribe(
    raw_params: Option<String>,
    pending: PendingSubscriptionSink,
    ctx: Arc<Ctx>,
) {
    let kind = match parse(raw_params.as_deref()) {
        Ok(kind) => kind,
        Err(e) => {
            pending.reject(e).await;
            return;
        }
    };
    // Subscribe before accepting, so no block committed after the reply is missed.
    let mut blocks = ctx.api.subscribe_blocks();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let mut last: Option<BlockNumber> = None;
    loop {
        let received = tokio::select! {
            _ = sink.closed() => return,
            received = blocks.recv() => received,
        };
        let block = match received {
            Ok(block) => block,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let number = block.block.header.number;
        // After a lag, replay the missed blocks from the ledger.
        if let Some(last) = last {
            let from = (last + 1).max(number.saturating_sub(MAX_BACKFILL));
            for missed in from..number {
                let api = ctx.api.clone();
                let fetched = tokio::task::spawn_blocking(move || committed(&*api, missed)).await;
                if let Ok(Ok(Some(missed))) = fetched {
                    if notify(&sink, &ctx, &kind, &missed).await.is_err() {
                        return;
                    }
                }
            }
        }
        if last.is_some_and(|l| number <= l) {
            continue;
        }
        last = Some(number);
        if notify(&sink, &ctx, &kind, &block).await.is_err() {
            return;
        }
    }
}

/// Block `number` as the stream would have carried it.
fn committed(api: &dyn ChainApi, number: BlockNumber) -> RpcResult<Option<CommittedBlock>> {
    let Some(block) = api.block(number).map_err(fault)? else {
        return Ok(None);
    };
    let Some(hash) = api.block_hash(number).map_err(fault)? else {
        return Ok(None);
    };
    let tx_hashes = api
        .block_transactions(number)
        .map_err(fault)?
        .iter()
        .map(|t| t.hash())
        .collect();
    let receipts = api.block_receipts(number).map_err(fault)?;
    Ok(Some(CommittedBlock {
        block,
        hash,
        tx_hashes,
        receipts,
    }))
}

/// Send what `block` means for a subscription of `kind`; `Err` when the client is gone.
async fn notify(
    sink: &SubscriptionSink,
    ctx: &Ctx,
    kind: &Kind,
    block: &CommittedBlock,
) -> Result<(), ()> {
    let messages: Vec<Value> = match kind {
        Kind::NewHeads => {
            let gas_limit = crate::eth::block_gas_limit(ctx).unwrap_or(0);
            let view = EthBlock {
                block: &block.block,
                hash: block.hash,
                receipts: &block.receipts,
                gas_limit,
                suite: ctx.api.suite(),
            };
            vec![json::eth_block(&view, Txs::None)]
        }
        Kind::Logs(matcher) => {
            let mut out = Vec::new();
            let mut log_index = 0u64;
            for (i, receipt) in block.receipts.iter().enumerate() {
                let place = Place {
                    block_hash: block.hash,
                    block_number: block.block.header.number,
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                };
                let tx_hash = block.tx_hashes.get(i).copied().unwrap_or_default();
                for log in &receipt.logs {
                    if matcher.matches(log) {
                        out.push(json::eth_log(log, &place, &tx_hash, log_index));
                    }
                    log_index += 1;
                }
            }
            out
        }
    };
    for message in messages {
        let Ok(raw) = serde_json::value::to_raw_value(&message) else {
            continue;
        };
        sink.send(raw).await.map_err(|_| ())?;
    }
    Ok(())
}
