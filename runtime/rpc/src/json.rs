//! JSON views of blocks, transactions, receipts and logs: the Ethereum shapes (minimal hex
//! quantities, hex data) and FISCO BCOS's shapes (camelCase, numbers as FISCO gives them).

use alloy_consensus::{Transaction as _, TxEnvelope};
use alloy_primitives::{hex, Address, Bloom, Log, B256, U256};
use serde_json::{json, Map, Value};
use weft_crypto::{PublicKey, SuiteId};
use weft_types::{Block, BlockNumber, Receipt, Transaction, TransactionStatus, VerifiedTx};

/// A minimal hex quantity: `0x0`, `0x1a`.
pub(crate) fn q(n: u64) -> Value {
    Value::String(format!("{n:#x}"))
}

/// A minimal hex quantity of a 256-bit number.
pub(crate) fn q256(n: U256) -> Value {
    Value::String(format!("{n:#x}"))
}

/// Hex data with a `0x` prefix.
pub(crate) fn data(bytes: &[u8]) -> Value {
    Value::String(hex::encode_prefixed(bytes))
}

/// A lowercase `0x` address.
pub(crate) fn addr(a: &Address) -> Value {
    data(a.as_slice())
}

/// A `0x` hash.
pub(crate) fn h256(h: &B256) -> Value {
    data(h.as_slice())
}

/// Keccak-256 of the RLP of an empty list: the `sha3Uncles` of a block without uncles.
const EMPTY_UNCLES_HASH: &str =
    "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";

/// The selector of `Error(string)`.
const ERROR_STRING_SELECTOR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];

/// The reason of revert data encoded as `Error(string)`, decoded by hand (selector, then
/// an ABI string: offset, length, bytes). `None` for anything else (custom errors,
/// `Panic(uint256)`, empty or malformed data).
pub(crate) fn revert_reason(output: &[u8]) -> Option<String> {
    let body = output.strip_prefix(ERROR_STRING_SELECTOR.as_slice())?;
    let word = |at: usize| -> Option<usize> {
        let end = at.checked_add(32)?;
        let w = body.get(at..end)?;
        // The high 24 bytes must be zero for a sane offset or length.
        if w[..24].iter().any(|b| *b != 0) {
            return None;
        }
        let mut low = [0u8; 8];
        low.copy_from_slice(&w[24..]);
        usize::try_from(u64::from_be_bytes(low)).ok()
    };
    let offset = word(0)?;
    let len = word(offset)?;
    let start = offset.checked_add(32)?;
    let text = body.get(start..start.checked_add(len)?)?;
    Some(String::from_utf8_lossy(text).into_owned())
}

/// The 2048-bit bloom of `logs`.
pub(crate) fn bloom<'a>(logs: impl IntoIterator<Item = &'a Log>) -> Bloom {
    let mut bloom = Bloom::ZERO;
    for log in logs {
        bloom.accrue_log(log);
    }
    bloom
}

/// The account of a node id (its public key) under `suite`: a block's "miner".
pub(crate) fn node_address(suite: SuiteId, node_id: &[u8; 64]) -> Address {
    suite.suite().address(&PublicKey(*node_id))
}

/// Where a committed transaction sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    /// Its block's hash.
    pub block_hash: B256,
    /// Its block's number.
    pub block_number: BlockNumber,
    /// Its index in the block.
    pub index: u32,
}

/// The signature's `r`, `s` and the recovery parity of a native transaction, when the
/// suite's signature has that shape (standard: `r‖s‖v`; SM: `r‖s‖public key`, parity 0).
fn native_rsv(signature: &[u8]) -> (B256, B256, u8) {
    let part = |range: std::ops::Range<usize>| {
        signature
            .get(range)
            .map(B256::from_slice)
            .unwrap_or_default()
    };
    let parity = if signature.len() == 65 {
        signature[64] & 1
    } else {
        0
    };
    (part(0..32), part(32..64), parity)
}

/// An Ethereum transaction object (`eth_getTransactionByHash`). `place` is `None` for a
/// transaction still in the pool.
///
/// A native transaction is shown as a legacy (`type` 0x0) transaction: `nonce` is its
/// random nonce, `gasPrice` 0, `chainId` its chain id, and `r`/`s` the first two words
/// of its signature with `v` = 27 + recovery parity (an SM2 signature has no parity:
/// `v` is 27). Its `blockLimit` is added as an extra field.
pub(crate) fn eth_tx(tx: &VerifiedTx, place: Option<Place>) -> Value {
    let mut o = Map::new();
    o.insert("hash".into(), h256(&tx.hash()));
    o.insert("from".into(), addr(&tx.sender()));
    o.insert(
        "to".into(),
        tx.tx().to().to().map(addr).unwrap_or(Value::Null),
    );
    o.insert("value".into(), q256(tx.tx().value()));
    o.insert("input".into(), data(tx.tx().input()));
    o.insert("gas".into(), q(tx.tx().gas_limit()));
    match tx.tx() {
        Transaction::Native(signed) => {
            let (r, s, parity) = native_rsv(&signed.signature);
            o.insert("type".into(), q(0));
            o.insert("nonce".into(), q256(signed.tx.nonce));
            o.insert("gasPrice".into(), q(0));
            o.insert("chainId".into(), q(signed.tx.chain_id));
            o.insert("v".into(), q(27 + u64::from(parity)));
            o.insert("r".into(), q256(U256::from_be_bytes(r.0)));
            o.insert("s".into(), q256(U256::from_be_bytes(s.0)));
            o.insert("blockLimit".into(), q(signed.tx.block_limit));
        }
        Transaction::Ethereum(eth) => {
            let e = eth.envelope();
            let sig = e.signature();
            let parity = u64::from(sig.v());
            o.insert("type".into(), q(e.tx_type() as u64));
            o.insert("nonce".into(), q(e.nonce()));
            o.insert("r".into(), q256(sig.r()));
            o.insert("s".into(), q256(sig.s()));
            if let Some(chain_id) = e.chain_id() {
                o.insert("chainId".into(), q(chain_id));
            }
            match e {
                TxEnvelope::Legacy(_) => {
                    let v = match e.chain_id() {
                        Some(c) => c.saturating_mul(2).saturating_add(35 + parity),
                        None => 27 + parity,
                    };
                    o.insert("v".into(), q(v));
                    o.insert("gasPrice".into(), q128(e.gas_price().unwrap_or(0)));
                }
                _ => {
                    o.insert("v".into(), q(parity));
                    o.insert("yParity".into(), q(parity));
                    o.insert("accessList".into(), access_list(e));
                    match e.gas_price() {
                        Some(price) => {
                            o.insert("gasPrice".into(), q128(price));
                        }
                        None => {
                            // EIP-1559: the effective price (the base fee is 0, so it is
                            // the priority fee capped by the fee cap).
                            let max = e.max_fee_per_gas();
                            let tip = e.max_priority_fee_per_gas().unwrap_or(0);
                            o.insert("gasPrice".into(), q128(tip.min(max)));
                            o.insert("maxFeePerGas".into(), q128(max));
                            o.insert("maxPriorityFeePerGas".into(), q128(tip));
                        }
                    }
                }
            }
        }
    }
    insert_place(&mut o, place);
    Value::Object(o)
}

fn q128(n: u128) -> Value {
    Value::String(format!("{n:#x}"))
}

fn access_list(e: &TxEnvelope) -> Value {
    let Some(list) = e.access_list() else {
        return json!([]);
    };
    Value::Array(
        list.0
            .iter()
            .map(|item| {
                json!({
                    "address": addr(&item.address),
                    "storageKeys": item.storage_keys.iter().map(h256).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn insert_place(o: &mut Map<String, Value>, place: Option<Place>) {
    let (hash, number, index) = match place {
        Some(p) => (
            h256(&p.block_hash),
            q(p.block_number),
            q(u64::from(p.index)),
        ),
        None => (Value::Null, Value::Null, Value::Null),
    };
    o.insert("blockHash".into(), hash);
    o.insert("blockNumber".into(), number);
    o.insert("transactionIndex".into(), index);
}

/// The EIP-2718 type of a transaction for receipts: native transactions are `0x0`.
fn eth_type(tx: &Transaction) -> u64 {
    match tx {
        Transaction::Native(_) => 0,
        Transaction::Ethereum(eth) => eth.envelope().tx_type() as u64,
    }
}

/// An Ethereum log object.
pub(crate) fn eth_log(log: &Log, place: &Place, tx_hash: &B256, log_index: u64) -> Value {
    json!({
        "address": addr(&log.address),
        "topics": log.data.topics().iter().map(h256).collect::<Vec<_>>(),
        "data": data(&log.data.data),
        "blockHash": h256(&place.block_hash),
        "blockNumber": q(place.block_number),
        "transactionHash": h256(tx_hash),
        "transactionIndex": q(u64::from(place.index)),
        "logIndex": q(log_index),
        "removed": false,
    })
}

/// An Ethereum receipt object. `cumulative_gas` includes this transaction;
/// `first_log_index` is the block-wide index of its first log.
pub(crate) fn eth_receipt(
    tx: &VerifiedTx,
    receipt: &Receipt,
    place: &Place,
    cumulative_gas: u64,
    first_log_index: u64,
) -> Value {
    let logs: Vec<Value> = receipt
        .logs
        .iter()
        .zip(first_log_index..)
        .map(|(log, i)| eth_log(log, place, &tx.hash(), i))
        .collect();
    json!({
        "transactionHash": h256(&tx.hash()),
        "transactionIndex": q(u64::from(place.index)),
        "blockHash": h256(&place.block_hash),
        "blockNumber": q(place.block_number),
        "from": addr(&tx.sender()),
        "to": tx.tx().to().to().map(addr).unwrap_or(Value::Null),
        "cumulativeGasUsed": q(cumulative_gas),
        "gasUsed": q(receipt.gas_used),
        "effectiveGasPrice": q(0),
        "contractAddress": receipt.contract_address.as_ref().map(addr).unwrap_or(Value::Null),
        "logs": logs,
        "logsBloom": data(bloom(&receipt.logs).as_slice()),
        "status": q(u64::from(receipt.status.is_success())),
        "type": q(eth_type(tx.tx())),
    })
}

/// How a block's transactions are shown.
pub(crate) enum Txs<'a> {
    /// Not at all (a `newHeads` notification).
    None,
    /// As hashes.
    Hashes(&'a [B256]),
    /// As full objects.
    Full(&'a [VerifiedTx]),
}

/// What an Ethereum block object is built from.
pub(crate) struct EthBlock<'a> {
    /// The block.
    pub block: &'a Block,
    /// Its hash.
    pub hash: B256,
    /// Its receipts (for the bloom).
    pub receipts: &'a [Receipt],
    /// The block gas limit.
    pub gas_limit: u64,
    /// The chain's suite (for the miner's address).
    pub suite: SuiteId,
}

/// An Ethereum block object. `timestamp` is in seconds (headers keep milliseconds); the
/// miner is the proposing sealer's account; difficulty, nonce, mix hash and base fee are
/// zero, as on other BFT chains.
pub(crate) fn eth_block(b: &EthBlock<'_>, txs: Txs<'_>) -> Value {
    let header = &b.block.header;
    let miner = usize::try_from(header.sealer)
        .ok()
        .and_then(|i| header.sealer_list.get(i))
        .map(|id| node_address(b.suite, &id.0))
        .unwrap_or(Address::ZERO);
    let logs_bloom = bloom(b.receipts.iter().flat_map(|r| r.logs.iter()));
    let mut o = Map::new();
    o.insert("number".into(), q(header.number));
    o.insert("hash".into(), h256(&b.hash));
    o.insert("parentHash".into(), h256(&header.parent_hash));
    o.insert("nonce".into(), json!("0x0000000000000000"));
    o.insert("sha3Uncles".into(), json!(EMPTY_UNCLES_HASH));
    o.insert("logsBloom".into(), data(logs_bloom.as_slice()));
    o.insert("transactionsRoot".into(), h256(&header.transactions_root));
    o.insert("stateRoot".into(), h256(&header.state_root));
    o.insert("receiptsRoot".into(), h256(&header.receipts_root));
    o.insert("miner".into(), addr(&miner));
    o.insert("difficulty".into(), q(0));
    o.insert("totalDifficulty".into(), q(0));
    o.insert("extraData".into(), data(&header.extra_data));
    o.insert("gasLimit".into(), q(b.gas_limit));
    o.insert("gasUsed".into(), q(header.gas_used));
    o.insert("timestamp".into(), q(header.timestamp / 1000));
    o.insert("baseFeePerGas".into(), q(0));
    o.insert("mixHash".into(), h256(&B256::ZERO));
    match txs {
        Txs::None => {}
        Txs::Hashes(hashes) => {
            o.insert("size".into(), q(b.block.encode().len() as u64));
            o.insert("uncles".into(), json!([]));
            o.insert(
                "transactions".into(),
                Value::Array(hashes.iter().map(h256).collect()),
            );
        }
        Txs::Full(full) => {
            o.insert("size".into(), q(b.block.encode().len() as u64));
            o.insert("uncles".into(), json!([]));
            let list = full
                .iter()
                .enumerate()
                .map(|(i, tx)| {
                    eth_tx(
                        tx,
                        Some(Place {
                            block_hash: b.hash,
                            block_number: header.number,
                            index: u32::try_from(i).unwrap_or(u32::MAX),
                        }),
                    )
                })
                .collect();
            o.insert("transactions".into(), Value::Array(list));
        }
    }
    Value::Object(o)
}

/// A node id as FISCO BCOS writes it: 128 hex digits, no prefix.
pub(crate) fn node_id(id: &[u8]) -> Value {
    Value::String(hex::encode(id))
}

/// A native (FISCO BCOS) transaction object. Numbers FISCO keeps as strings (`value`,
/// `gasPrice`, fee caps) are hex strings; `nonce` is the random nonce in hex; an
/// Ethereum transaction is shown with `type` 1 (FISCO's `Web3Transaction`) and its
/// account nonce.
pub(crate) fn native_tx(tx: &VerifiedTx, group: &str) -> Value {
    let t = tx.tx();
    let mut o = Map::new();
    o.insert("version".into(), json!(0));
    o.insert("hash".into(), h256(&tx.hash()));
    o.insert("from".into(), addr(&tx.sender()));
    o.insert("to".into(), to_or_empty(t));
    o.insert("input".into(), data(t.input()));
    o.insert("value".into(), q256(t.value()));
    o.insert("gasLimit".into(), json!(t.gas_limit()));
    o.insert("groupID".into(), json!(group));
    o.insert("importTime".into(), json!(0));
    o.insert("extraData".into(), json!(""));
    match t {
        Transaction::Native(signed) => {
            o.insert("type".into(), json!(0));
            o.insert("chainID".into(), json!(signed.tx.chain_id.to_string()));
            o.insert("groupID".into(), json!(signed.tx.group_id));
            o.insert("blockLimit".into(), json!(signed.tx.block_limit));
            o.insert("nonce".into(), q256(signed.tx.nonce));
            o.insert("abi".into(), json!(signed.tx.abi));
            o.insert("gasPrice".into(), q(0));
            o.insert("maxFeePerGas".into(), q(0));
            o.insert("maxPriorityFeePerGas".into(), q(0));
            o.insert("signature".into(), data(&signed.signature));
        }
        Transaction::Ethereum(eth) => {
            let e = eth.envelope();
            let sig = e.signature();
            let mut raw = Vec::with_capacity(65);
            raw.extend_from_slice(&sig.r().to_be_bytes::<32>());
            raw.extend_from_slice(&sig.s().to_be_bytes::<32>());
            raw.push(u8::from(sig.v()));
            o.insert("type".into(), json!(1));
            o.insert(
                "chainID".into(),
                json!(e.chain_id().map(|c| c.to_string()).unwrap_or_default()),
            );
            o.insert("blockLimit".into(), json!(0));
            o.insert("nonce".into(), q(e.nonce()));
            o.insert("abi".into(), json!(""));
            o.insert("gasPrice".into(), q128(e.gas_price().unwrap_or(0)));
            o.insert("maxFeePerGas".into(), q128(e.max_fee_per_gas()));
            o.insert(
                "maxPriorityFeePerGas".into(),
                q128(e.max_priority_fee_per_gas().unwrap_or(0)),
            );
            o.insert("signature".into(), data(&raw));
        }
    }
    Value::Object(o)
}

fn to_or_empty(t: &Transaction) -> Value {
    t.to().to().map(addr).unwrap_or_else(|| json!(""))
}

/// The message FISCO puts beside a status: empty on success, the decoded reason of a
/// revert with `Error(string)`, the status name otherwise.
pub(crate) fn status_message(status: TransactionStatus, output: &[u8]) -> String {
    match status {
        TransactionStatus::Success => String::new(),
        TransactionStatus::RevertInstruction => revert_reason(output).unwrap_or_default(),
        other => format!("{other:?}"),
    }
}

/// A native (FISCO BCOS) receipt object. `gasUsed` is a decimal string as in FISCO;
/// `hash` is the receipt's hash; Merkle proofs are not provided.
pub(crate) fn native_receipt(
    tx: &VerifiedTx,
    receipt: &Receipt,
    receipt_hash: &B256,
    place: &Place,
) -> Value {
    let logs: Vec<Value> = receipt
        .logs
        .iter()
        .map(|log| {
            json!({
                "address": addr(&log.address),
                "topics": log.data.topics().iter().map(h256).collect::<Vec<_>>(),
                "data": data(&log.data.data),
            })
        })
        .collect();
    let (contract, checksum) = match &receipt.contract_address {
        Some(a) => (addr(a), json!(a.to_checksum(None))),
        None => (json!(""), json!("")),
    };
    json!({
        "version": 0,
        "hash": h256(receipt_hash),
        "transactionHash": h256(&tx.hash()),
        "blockNumber": place.block_number,
        "blockHash": h256(&place.block_hash),
        "transactionIndex": place.index,
        "from": addr(&tx.sender()),
        "to": to_or_empty(tx.tx()),
        "input": data(tx.tx().input()),
        "contractAddress": contract,
        "checksumContractAddress": checksum,
        "gasUsed": receipt.gas_used.to_string(),
        "effectiveGasPrice": "0",
        "status": receipt.status.code(),
        "message": status_message(receipt.status, &receipt.output),
        "output": data(&receipt.output),
        "logEntries": logs,
        "extraData": "",
    })
}

/// How a native block's transactions are shown.
pub(crate) enum NativeTxs<'a> {
    /// Header only.
    None,
    /// Hashes.
    Hashes(Vec<B256>),
    /// Full objects.
    Full(&'a [VerifiedTx], &'a str),
}

/// A native (FISCO BCOS) block object: the header's fields, then `transactions`
/// unless only the header was asked for.
pub(crate) fn native_block(block: &Block, hash: &B256, txs: NativeTxs<'_>) -> Value {
    let h = &block.header;
    let parent_info = if h.number == 0 {
        json!([])
    } else {
        json!([{ "blockNumber": h.number - 1, "blockHash": h256(&h.parent_hash) }])
    };
    let mut o = Map::new();
    o.insert("version".into(), json!(h.version));
    o.insert("number".into(), json!(h.number));
    o.insert("hash".into(), h256(hash));
    o.insert("parentInfo".into(), parent_info);
    o.insert("txsRoot".into(), h256(&h.transactions_root));
    o.insert("receiptsRoot".into(), h256(&h.receipts_root));
    o.insert("stateRoot".into(), h256(&h.state_root));
    o.insert("sealer".into(), json!(h.sealer));
    o.insert(
        "sealerList".into(),
        Value::Array(
            h.sealer_list
                .iter()
                .map(|id| node_id(id.as_slice()))
                .collect(),
        ),
    );
    o.insert(
        "signatureList".into(),
        Value::Array(
            block
                .signatures
                .iter()
                .map(|s| json!({ "sealerIndex": s.sealer_index, "signature": data(&s.signature) }))
                .collect(),
        ),
    );
    o.insert("consensusWeights".into(), json!(h.consensus_weights));
    o.insert("gasUsed".into(), json!(h.gas_used.to_string()));
    o.insert("timestamp".into(), json!(h.timestamp));
    o.insert("extraData".into(), data(&h.extra_data));
    match txs {
        NativeTxs::None => {}
        NativeTxs::Hashes(hashes) => {
            o.insert(
                "transactions".into(),
                Value::Array(hashes.iter().map(h256).collect()),
            );
        }
        NativeTxs::Full(full, group) => {
            o.insert(
                "transactions".into(),
                Value::Array(full.iter().map(|tx| native_tx(tx, group)).collect()),
            );
        }
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_string(reason: &str) -> Vec<u8> {
        let mut out = ERROR_STRING_SELECTOR.to_vec();
        out.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
        out.extend_from_slice(&U256::from(reason.len()).to_be_bytes::<32>());
        let mut padded = reason.as_bytes().to_vec();
        padded.resize(reason.len().div_ceil(32) * 32, 0);
        out.extend_from_slice(&padded);
        out
    }

    #[test]
    fn revert_reasons_decode_and_garbage_does_not() {
        assert_eq!(
            revert_reason(&error_string("nope")).as_deref(),
            Some("nope")
        );
        assert_eq!(revert_reason(&error_string("")).as_deref(), Some(""));
        let long = "x".repeat(100);
        assert_eq!(revert_reason(&error_string(&long)), Some(long));
        // Panic(uint256), truncated data, huge offsets and lengths.
        assert_eq!(revert_reason(&[0x4e, 0x48, 0x7b, 0x71]), None);
        let mut truncated = error_string("hello");
        truncated.truncate(4 + 64 + 2);
        assert_eq!(revert_reason(&truncated), None);
        let mut huge = error_string("hello");
        huge[4 + 31] = 0xff;
        huge[4 + 30] = 0xff;
        assert_eq!(revert_reason(&huge), None);
        let mut huge_len = error_string("hello");
        huge_len[4 + 32 + 5] = 1;
        assert_eq!(revert_reason(&huge_len), None);
        assert_eq!(revert_reason(&[]), None);
    }

    #[test]
    fn quantities_are_minimal_hex() {
        assert_eq!(q(0), json!("0x0"));
        assert_eq!(q(26), json!("0x1a"));
        assert_eq!(q256(U256::ZERO), json!("0x0"));
        assert_eq!(q256(U256::from(4096)), json!("0x1000"));
        assert_eq!(q128(255), json!("0xff"));
    }
}
