//! Log criteria (`eth_getLogs`, `eth_newFilter`, `logs` subscriptions), the log scan
//! over a block range, and the store of polled filters.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, Log, B256};
use parking_lot::Mutex;
use serde_json::Value;
use weft_types::BlockNumber;

use crate::api::ChainApi;
use crate::json::{eth_log, Place};
use crate::params::{self, expected, fault, invalid, server_error, BlockRef, RpcResult};

/// The most filters installed at once.
const MAX_FILTERS: usize = 10_000;

/// Which logs match: addresses (any of; empty = all) and topics by position (any of;
/// empty = wildcard).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LogMatch {
    pub addresses: Vec<Address>,
    pub topics: Vec<Vec<B256>>,
}

impl LogMatch {
    /// Parse `address` and `topics` of a filter object at `path`.
    pub(crate) fn parse(obj: &serde_json::Map<String, Value>, path: &str) -> RpcResult<Self> {
        let addresses = match obj.get("address") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| params::address(v, &format!("{path}.address[{i}]")))
                .collect::<RpcResult<_>>()?,
            Some(v) => vec![params::address(v, &format!("{path}.address"))?],
        };
        let topics = match obj.get("topics") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                if items.len() > 4 {
                    return Err(invalid(format!(
                        "{path}.topics: at most 4 topic positions, got {}",
                        items.len()
                    )));
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| topic_set(v, &format!("{path}.topics[{i}]")))
                    .collect::<RpcResult<_>>()?
            }
            Some(v) => return Err(expected(&format!("{path}.topics"), "an array of topics", v)),
        };
        Ok(LogMatch { addresses, topics })
    }

    /// Whether `log` matches (geth's rule: a filter with more positions than the log
    /// has topics does not match).
    pub(crate) fn matches(&self, log: &Log) -> bool {
        if !self.addresses.is_empty() && !self.addresses.contains(&log.address) {
            return false;
        }
        let topics = log.data.topics();
        if self.topics.len() > topics.len() {
            return false;
        }
        self.topics
            .iter()
            .zip(topics)
            .all(|(set, topic)| set.is_empty() || set.contains(topic))
    }
}

/// One topic position: `null` (any), a hash, or an array of hashes (any of; a `null`
/// inside makes the position a wildcard, as in geth).
fn topic_set(value: &Value, path: &str) -> RpcResult<Vec<B256>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => {
            let mut set = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if item.is_null() {
                    return Ok(Vec::new());
                }
                set.push(params::hash(item, &format!("{path}[{i}]"))?);
            }
            Ok(set)
        }
        v => Ok(vec![params::hash(v, path)?]),
    }
}

/// A log query: a block range or one block by hash, and what matches.
#[derive(Debug, Clone)]
pub(crate) struct LogQuery {
    pub from: BlockRef,
    pub to: BlockRef,
    pub block_hash: Option<B256>,
    pub matcher: LogMatch,
}

impl LogQuery {
    /// Parse a filter object (`eth_getLogs`, `eth_newFilter`).
    pub(crate) fn parse(value: &Value, path: &str) -> RpcResult<Self> {
        let Value::Object(obj) = value else {
            return Err(expected(path, "a filter object", value));
        };
        let matcher = LogMatch::parse(obj, path)?;
        let get = |key: &str| obj.get(key).filter(|v| !v.is_null());
        let block_hash = get("blockHash")
            .map(|v| params::hash(v, &format!("{path}.blockHash")))
            .transpose()?;
        let from = get("fromBlock")
            .map(|v| params::block_ref(v, &format!("{path}.fromBlock"), false))
            .transpose()?;
        let to = get("toBlock")
            .map(|v| params::block_ref(v, &format!("{path}.toBlock"), false))
            .transpose()?;
        if block_hash.is_some() && (from.is_some() || to.is_some()) {
            return Err(invalid(format!(
                "{path}: give blockHash or fromBlock/toBlock, not both"
            )));
        }
        Ok(LogQuery {
            from: from.unwrap_or(BlockRef::Latest),
            to: to.unwrap_or(BlockRef::Latest),
            block_hash,
            matcher,
        })
    }

    /// The inclusive block range the query covers now (`None` when it is empty); more
    /// than `max` blocks is refused.
    pub(crate) fn range(
        &self,
        api: &dyn ChainApi,
        max: u64,
    ) -> RpcResult<Option<(BlockNumber, BlockNumber)>> {
        if let Some(hash) = &self.block_hash {
            return match api.block_number_of(hash).map_err(fault)? {
                Some(n) => Ok(Some((n, n))),
                None => Err(server_error(format!("block {hash} not found"))),
            };
        }
        let head = api.block_number();
        let resolve = |r: BlockRef| match r {
            BlockRef::Latest | BlockRef::Pending => head,
            BlockRef::Number(n) => n,
            BlockRef::Hash(_) => head,
        };
        let from = resolve(self.from);
        let to = resolve(self.to).min(head);
        if from > to {
            return Ok(None);
        }
        check_range(from, to, max)?;
        Ok(Some((from, to)))
    }
}

/// Refuse a scan of more than `max` blocks.
pub(crate) fn check_range(from: BlockNumber, to: BlockNumber, max: u64) -> RpcResult<()> {
    let span = to.saturating_sub(from).saturating_add(1);
    if span > max {
        return Err(invalid(format!(
            "block range {from}..={to} spans {span} blocks; a log query may cover at most {max}: narrow fromBlock/toBlock"
        )));
    }
    Ok(())
}

/// The logs matching `matcher` in blocks `from..=to`, as Ethereum log objects.
pub(crate) fn scan_logs(
    api: &dyn ChainApi,
    matcher: &LogMatch,
    from: BlockNumber,
    to: BlockNumber,
) -> RpcResult<Vec<Value>> {
    let mut out = Vec::new();
    for number in from..=to {
        let receipts = api.block_receipts(number).map_err(fault)?;
        if !receipts
            .iter()
            .any(|r| r.logs.iter().any(|l| matcher.matches(l)))
        {
            continue;
        }
        let block_hash = api
            .block_hash(number)
            .map_err(fault)?
            .ok_or_else(|| params::internal(format!("block {number} has receipts but no hash")))?;
        let txs = api.block_transactions(number).map_err(fault)?;
        let mut log_index = 0u64;
        for (i, receipt) in receipts.iter().enumerate() {
            let tx_hash = txs.get(i).map(|t| t.hash()).unwrap_or_default();
            let place = Place {
                block_hash,
                block_number: number,
                index: u32::try_from(i).unwrap_or(u32::MAX),
            };
            for log in &receipt.logs {
                if matcher.matches(log) {
                    out.push(eth_log(log, &place, &tx_hash, log_index));
                }
                log_index += 1;
            }
        }
    }
    Ok(out)
}

/// What a polled filter reports.
#[derive(Debug, Clone)]
pub(crate) enum FilterKind {
    /// Hashes of new blocks.
    Blocks,
    /// New pending transactions: always empty (the pool does not publish arrivals).
    PendingTxs,
    /// Logs matching a query.
    Logs(LogQuery),
}

#[derive(Debug)]
struct Filter {
    kind: FilterKind,
    /// The first block not yet reported.
    next: BlockNumber,
    last_poll: Instant,
}

/// Installed filters, each dropped after `ttl` without a poll.
#[derive(Debug)]
pub(crate) struct FilterStore {
    filters: Mutex<HashMap<String, Filter>>,
    ttl: Duration,
}

impl FilterStore {
    /// An empty store whose filters expire after `ttl` idle.
    pub(crate) fn new(ttl: Duration) -> Self {
        FilterStore {
            filters: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    fn sweep(&self, filters: &mut HashMap<String, Filter>) {
        let now = Instant::now();
        filters.retain(|_, f| now.duration_since(f.last_poll) < self.ttl);
    }

    /// Install a filter reporting from the block after `head`; its id.
    pub(crate) fn install(&self, kind: FilterKind, head: BlockNumber) -> RpcResult<String> {
        let mut filters = self.filters.lock();
        self.sweep(&mut filters);
        if filters.len() >= MAX_FILTERS {
            return Err(server_error(format!(
                "too many filters installed ({MAX_FILTERS}); uninstall some or wait for idle ones to expire"
            )));
        }
        let id = new_id();
        filters.insert(
            id.clone(),
            Filter {
                kind,
                next: head.saturating_add(1),
                last_poll: Instant::now(),
            },
        );
        Ok(id)
    }

    /// Remove a filter; whether it existed.
    pub(crate) fn uninstall(&self, id: &str) -> bool {
        let mut filters = self.filters.lock();
        self.sweep(&mut filters);
        filters.remove(id).is_some()
    }

    /// Mark a poll of filter `id` and return its kind and the first unreported block,
    /// advancing that to `head + 1`.
    pub(crate) fn poll(&self, id: &str, head: BlockNumber) -> RpcResult<(FilterKind, BlockNumber)> {
        let mut filters = self.filters.lock();
        self.sweep(&mut filters);
        let filter = filters.get_mut(id).ok_or_else(|| not_found(id))?;
        filter.last_poll = Instant::now();
        let next = filter.next;
        filter.next = filter.next.max(head.saturating_add(1));
        Ok((filter.kind.clone(), next))
    }

    /// Filter `id`'s kind, marking a poll.
    pub(crate) fn kind(&self, id: &str) -> RpcResult<FilterKind> {
        let mut filters = self.filters.lock();
        self.sweep(&mut filters);
        let filter = filters.get_mut(id).ok_or_else(|| not_found(id))?;
        filter.last_poll = Instant::now();
        Ok(filter.kind.clone())
    }
}

fn not_found(id: &str) -> jsonrpsee::types::ErrorObjectOwned {
    server_error(format!(
        "filter {id} not found: it was uninstalled, expired after being idle, or never existed"
    ))
}

/// A fresh random id: `0x` and 32 hex digits, as geth's.
pub(crate) fn new_id() -> String {
    let raw: [u8; 16] = rand::random();
    alloy_primitives::hex::encode_prefixed(raw)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloy_primitives::{Bytes, LogData};
    use serde_json::json;

    fn log(address: Address, topics: Vec<B256>) -> Log {
        Log {
            address,
            data: LogData::new_unchecked(topics, Bytes::new()),
        }
    }

    #[test]
    fn topics_match_by_position_with_wildcards_and_alternatives() {
        let a = Address::repeat_byte(1);
        let (t1, t2, t3) = (
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            B256::repeat_byte(3),
        );
        let parse = |v: Value| LogMatch::parse(v.as_object().unwrap(), "params[0]").unwrap();
        let l = log(a, vec![t1, t2]);
        assert!(parse(json!({})).matches(&l));
        assert!(parse(json!({ "address": a.to_string() })).matches(&l));
        assert!(!parse(json!({ "address": [Address::ZERO.to_string()] })).matches(&l));
        assert!(parse(json!({ "topics": [t1.to_string()] })).matches(&l));
        assert!(parse(json!({ "topics": [null, t2.to_string()] })).matches(&l));
        assert!(parse(json!({ "topics": [[t3.to_string(), t1.to_string()], null] })).matches(&l));
        assert!(!parse(json!({ "topics": [t2.to_string()] })).matches(&l));
        assert!(!parse(json!({ "topics": [null, null, null] })).matches(&l));
        assert!(parse(json!({ "topics": [[t3.to_string(), null]] })).matches(&l));
    }

    #[test]
    fn bad_filters_are_named() {
        let err = LogQuery::parse(&json!({ "topics": ["0x12"] }), "params[0]").unwrap_err();
        assert!(
            err.message()
                .starts_with("params[0].topics[0]: expected a 32-byte hex hash"),
            "{}",
            err.message()
        );
        let err = LogQuery::parse(
            &json!({ "topics": [null, null, null, null, null] }),
            "params[0]",
        )
        .unwrap_err();
        assert!(err.message().contains("at most 4"));
        let h = B256::ZERO.to_string();
        assert!(LogQuery::parse(&json!({ "blockHash": h, "fromBlock": "0x1" }), "p").is_err());
        assert!(check_range(0, 9_999, 10_000).is_ok());
        assert!(check_range(0, 10_000, 10_000).is_err());
    }
}
