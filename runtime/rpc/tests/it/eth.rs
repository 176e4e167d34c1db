//! The Ethereum methods.

use alloy_primitives::{keccak256, Address, Bloom, Log, TxKind, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use serde_json::{json, Value};
use weft_crypto::SuiteId;
use weft_rpc::ChainApi;

use crate::{
    abi, eth_tx, getCall, hex, revertWithReasonCall, setCall, storeCall, to_hex, Node, Stored,
    CHAIN_ID,
};

fn q(n: u64) -> Value {
    json!(format!("{n:#x}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_methods_follow_the_ethereum_spec() {
    let node = Node::start().await;
    let user = to_hex(node.key.address().as_slice());
    let hello = to_hex(node.hello.as_slice());
    let code = node.fake.account(&node.hello, None).unwrap().code;
    let nonce = node.fake.account(&node.key.address(), None).unwrap().nonce;
    // "Hello, World!" is a short string: stored in slot 0, left-aligned, length * 2 last.
    let mut slot0 = [0u8; 32];
    slot0[..13].copy_from_slice(b"Hello, World!");
    slot0[31] = 26;
    let table: Vec<(&str, Value, Value)> = vec![
        ("eth_chainId", json!([]), q(CHAIN_ID)),
        ("net_version", json!([]), json!("20")),
        ("net_listening", json!([]), json!(true)),
        ("net_peerCount", json!([]), q(0)),
        (
            "web3_clientVersion",
            json!([]),
            json!(format!("Weft/{}", env!("CARGO_PKG_VERSION"))),
        ),
        (
            "web3_sha3",
            json!(["0x68656c6c6f"]),
            json!(to_hex(keccak256(b"hello").as_slice())),
        ),
        ("eth_blockNumber", json!([]), q(2)),
        ("eth_gasPrice", json!([]), q(0)),
        ("eth_maxPriorityFeePerGas", json!([]), q(0)),
        ("eth_syncing", json!([]), json!(false)),
        ("eth_accounts", json!([]), json!([])),
        ("eth_getBalance", json!([user, "latest"]), q(0)),
        ("eth_getBalance", json!([user]), q(0)),
        (
            "eth_getCode",
            json!([hello, "latest"]),
            json!(to_hex(&code)),
        ),
        ("eth_getCode", json!([hello, "0x2"]), json!(to_hex(&code))),
        ("eth_getCode", json!([hello, "earliest"]), json!("0x")),
        ("eth_getCode", json!([hello, "0x1"]), json!(to_hex(&code))),
        (
            "eth_getCode",
            json!([hello, { "blockNumber": "0x0" }]),
            json!("0x"),
        ),
        (
            "eth_getStorageAt",
            json!([hello, "0x0", "latest"]),
            json!(to_hex(&slot0)),
        ),
        (
            "eth_getStorageAt",
            json!([hello, to_hex(&[0; 32]), "safe"]),
            json!(to_hex(&slot0)),
        ),
        (
            "eth_getStorageAt",
            json!([hello, "0x0", "earliest"]),
            json!(to_hex(&[0; 32])),
        ),
        ("eth_getTransactionCount", json!([user, "latest"]), q(nonce)),
        (
            "eth_getTransactionCount",
            json!([user, "pending"]),
            q(nonce),
        ),
        ("eth_getTransactionCount", json!([user, "earliest"]), q(0)),
        ("eth_getBlockTransactionCountByNumber", json!(["0x1"]), q(1)),
        ("eth_getBlockTransactionCountByNumber", json!(["0x0"]), q(0)),
        (
            "eth_getBlockTransactionCountByNumber",
            json!(["0x9"]),
            Value::Null,
        ),
        ("eth_getUncleCountByBlockNumber", json!(["latest"]), q(0)),
        (
            "eth_feeHistory",
            json!(["0x2", "latest", [25, 75]]),
            json!({
                "oldestBlock": "0x1",
                "baseFeePerGas": ["0x0", "0x0", "0x0"],
                "gasUsedRatio": [0.0, 0.0],
                "reward": [["0x0", "0x0"], ["0x0", "0x0"]],
            }),
        ),
        (
            "eth_feeHistory",
            json!([10, "0x1"]),
            json!({
                "oldestBlock": "0x0",
                "baseFeePerGas": ["0x0", "0x0", "0x0"],
                "gasUsedRatio": [0.0, 0.0],
            }),
        ),
    ];
    for (method, params, expected) in table {
        assert_eq!(
            node.ok(method, params.clone()).await,
            expected,
            "{method} {params}"
        );
    }
    // A block that does not exist yet is an error for state queries.
    let e = node.err("eth_getBalance", json!([user, "0x63"])).await;
    assert_eq!(e["code"], json!(-32000));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("block 99 does not exist"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eth_call_returns_data_and_reverts_like_geth() {
    let node = Node::start().await;
    let hello = to_hex(node.hello.as_slice());
    let events = to_hex(node.events.as_slice());
    let result = node
        .ok(
            "eth_call",
            json!([{ "to": hello, "data": to_hex(&abi(getCall {})) }, "latest"]),
        )
        .await;
    assert_eq!(
        result,
        json!(to_hex(&getCall::abi_encode_returns(
            &"Hello, World!".to_string()
        )))
    );
    // `input` is accepted as well as `data`; the old state is reachable by number.
    let at_genesis = node
        .ok(
            "eth_call",
            json!([{ "to": hello, "input": to_hex(&abi(getCall {})) }, "0x0"]),
        )
        .await;
    assert_eq!(at_genesis, json!("0x"));

    let revert = abi(revertWithReasonCall {
        reason: "boom".into(),
    });
    let e = node
        .err(
            "eth_call",
            json!([{ "to": events, "data": to_hex(&revert) }]),
        )
        .await;
    assert_eq!(e["code"], json!(3));
    assert_eq!(e["message"], json!("execution reverted: boom"));
    let data = hex(e["data"].as_str().unwrap());
    assert_eq!(&data[..4], &[0x08, 0xc3, 0x79, 0xa0]);

    let gas = node
        .ok("eth_estimateGas", json!([{ "from": to_hex(node.key.address().as_slice()), "to": hello, "data": to_hex(&abi(setCall { name_: "x".into() })) }]))
        .await;
    let gas = u64::from_str_radix(gas.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(gas > 21_000 && gas < 200_000, "{gas}");
    let e = node
        .err(
            "eth_estimateGas",
            json!([{ "to": events, "data": to_hex(&revert) }]),
        )
        .await;
    assert_eq!(e["code"], json!(3));
    assert_eq!(e["message"], json!("execution reverted: boom"));
    assert_eq!(e["data"], json!(to_hex(&data)));
}

/// Sends one Ethereum transaction; checks the pending and committed views of it, its
/// receipt, its block, and the logs of a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_transactions_are_served_pending_and_committed() {
    let node = Node::start().await;
    let key = weft_crypto::KeyPair::generate(SuiteId::Standard);
    let from = to_hex(key.address().as_slice());
    let input = abi(setCall {
        name_: "from ethers".into(),
    })
    .to_vec();
    let raw = eth_tx(&key, CHAIN_ID, 0, TxKind::Call(node.hello), input.clone());
    let hash = node
        .ok("eth_sendRawTransaction", json!([to_hex(&raw)]))
        .await;
    let hash_text = hash.as_str().unwrap().to_string();
    assert_eq!(hash_text, to_hex(keccak256(&raw).as_slice()));

    let pending = node.ok("eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(pending["blockHash"], Value::Null);
    assert_eq!(pending["blockNumber"], Value::Null);
    assert_eq!(pending["from"], json!(from));
    assert_eq!(
        node.ok("eth_getTransactionReceipt", json!([hash])).await,
        Value::Null
    );
    assert_eq!(
        node.ok("eth_getTransactionCount", json!([from, "pending"]))
            .await,
        q(1)
    );
    assert_eq!(
        node.ok("eth_getTransactionCount", json!([from, "latest"]))
            .await,
        q(0)
    );

    node.fake.seal();
    let block_hash = to_hex(node.fake.ledger.head_hash().as_slice());
    let tx = node.ok("eth_getTransactionByHash", json!([hash])).await;
    for (field, value) in [
        ("hash", json!(hash_text)),
        ("type", q(2)),
        ("nonce", q(0)),
        ("chainId", q(CHAIN_ID)),
        ("from", json!(from)),
        ("to", json!(to_hex(node.hello.as_slice()))),
        ("input", json!(to_hex(&input))),
        ("value", q(0)),
        ("gas", q(3_000_000)),
        ("maxFeePerGas", q(0)),
        ("maxPriorityFeePerGas", q(0)),
        ("gasPrice", q(0)),
        ("accessList", json!([])),
        ("blockNumber", q(3)),
        ("blockHash", json!(block_hash)),
        ("transactionIndex", q(0)),
    ] {
        assert_eq!(tx[field], value, "{field} of {tx}");
    }
    assert!(tx["yParity"] == q(0) || tx["yParity"] == q(1));
    assert_eq!(tx["v"], tx["yParity"]);
    assert!(tx["r"].as_str().unwrap().starts_with("0x"));

    let receipt = node.ok("eth_getTransactionReceipt", json!([hash])).await;
    for (field, value) in [
        ("transactionHash", json!(hash_text)),
        ("status", q(1)),
        ("type", q(2)),
        ("blockNumber", q(3)),
        ("blockHash", json!(block_hash)),
        ("transactionIndex", q(0)),
        ("from", json!(from)),
        ("to", json!(to_hex(node.hello.as_slice()))),
        ("contractAddress", Value::Null),
        ("effectiveGasPrice", q(0)),
        ("logs", json!([])),
        ("logsBloom", json!(to_hex(&[0; 256]))),
    ] {
        assert_eq!(receipt[field], value, "{field} of {receipt}");
    }
    assert_eq!(receipt["cumulativeGasUsed"], receipt["gasUsed"]);
    assert_eq!(
        node.ok("eth_getTransactionCount", json!([from, "latest"]))
            .await,
        q(1)
    );

    // A block with a native transaction, then the Ethereum one that emits a log.
    let native = node.native_tx(
        TxKind::Call(node.hello),
        abi(setCall { name_: "n".into() }).to_vec(),
        "",
    );
    node.fake.submit_raw(&native).unwrap();
    let store = abi(storeCall {
        key: U256::from(5),
        tag: B256::repeat_byte(0xab),
        note: "hi".into(),
    });
    let raw = eth_tx(&key, CHAIN_ID, 1, TxKind::Call(node.events), store.to_vec());
    let hash2 = node
        .ok("eth_sendRawTransaction", json!([to_hex(&raw)]))
        .await;
    node.fake.seal();
    let receipt = node.ok("eth_getTransactionReceipt", json!([hash2])).await;
    assert_eq!(receipt["status"], q(1));
    assert_eq!(receipt["transactionIndex"], q(1));
    let log = &receipt["logs"][0];
    assert_eq!(log["address"], json!(to_hex(node.events.as_slice())));
    assert_eq!(
        log["topics"][0],
        json!(to_hex(Stored::SIGNATURE_HASH.as_slice()))
    );
    assert_eq!(
        log["topics"][1],
        json!(to_hex(key.address().into_word().as_slice()))
    );
    assert_eq!(log["logIndex"], q(0));
    assert_eq!(log["transactionIndex"], q(1));
    assert_eq!(log["removed"], json!(false));
    let gas0 = node.fake.ledger.block_receipts(4).unwrap()[0].gas_used;
    let gas1 = node.fake.ledger.block_receipts(4).unwrap()[1].gas_used;
    assert_eq!(receipt["cumulativeGasUsed"], q(gas0 + gas1));
    // The bloom is Ethereum's: it holds the log's address and topics.
    let bloom_bytes = hex(receipt["logsBloom"].as_str().unwrap());
    let bloom = Bloom::from_slice(&bloom_bytes);
    let logged: Log = node.fake.ledger.block_receipts(4).unwrap()[1].logs[0].clone();
    assert!(bloom.contains_log(&logged));
    assert!(!bloom.contains_raw_log(Address::repeat_byte(0x42), &[]));

    // The block, by number and by hash, with hashes and with full transactions.
    let header = node.fake.ledger.header(4).unwrap().unwrap().0;
    let by_number = node.ok("eth_getBlockByNumber", json!(["0x4", false])).await;
    let native_hash = to_hex(
        node.fake.ledger.block_transactions(4).unwrap()[0]
            .hash()
            .as_slice(),
    );
    assert_eq!(by_number["transactions"], json!([native_hash, hash2]));
    assert_eq!(by_number["number"], q(4));
    assert_eq!(by_number["timestamp"], q(header.timestamp / 1000));
    assert_eq!(by_number["gasLimit"], q(30_000_000_000));
    assert_eq!(by_number["gasUsed"], q(gas0 + gas1));
    assert_eq!(
        by_number["parentHash"],
        json!(to_hex(header.parent_hash.as_slice()))
    );
    assert_eq!(
        by_number["miner"],
        json!(to_hex(node.fake.sealer.address().as_slice()))
    );
    assert_eq!(by_number["logsBloom"], receipt["logsBloom"]);
    assert_eq!(by_number["baseFeePerGas"], q(0));
    assert_eq!(by_number["uncles"], json!([]));
    assert_eq!(by_number["nonce"], json!("0x0000000000000000"));
    assert_eq!(
        by_number["sha3Uncles"],
        json!("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
    );
    let block_hash = by_number["hash"].clone();
    let by_hash = node
        .ok("eth_getBlockByHash", json!([block_hash, false]))
        .await;
    assert_eq!(by_hash, by_number);
    assert_eq!(
        node.ok("eth_getBlockByNumber", json!(["latest", false]))
            .await,
        by_number
    );
    assert_eq!(
        node.ok("eth_getBlockByNumber", json!(["finalized"])).await,
        by_number
    );
    let full = node.ok("eth_getBlockByNumber", json!(["0x4", true])).await;
    assert_eq!(full["transactions"][1]["hash"], hash2);
    assert_eq!(full["transactions"][1]["blockHash"], block_hash);
    // A native transaction's Ethereum view: legacy type, its random nonce.
    let native_view = &full["transactions"][0];
    assert_eq!(native_view["type"], q(0));
    assert_eq!(native_view["gasPrice"], q(0));
    assert_eq!(native_view["chainId"], q(CHAIN_ID));
    assert_eq!(
        native_view["from"],
        json!(to_hex(node.key.address().as_slice()))
    );
    assert_eq!(
        node.ok(
            "eth_getTransactionByBlockNumberAndIndex",
            json!(["0x4", "0x1"])
        )
        .await,
        full["transactions"][1]
    );
    assert_eq!(
        node.ok(
            "eth_getTransactionByBlockHashAndIndex",
            json!([block_hash, "0x0"])
        )
        .await,
        full["transactions"][0]
    );
    assert_eq!(
        node.ok(
            "eth_getTransactionByBlockNumberAndIndex",
            json!(["0x4", "0x2"])
        )
        .await,
        Value::Null
    );
    assert_eq!(
        node.ok("eth_getBlockTransactionCountByHash", json!([block_hash]))
            .await,
        q(2)
    );
    assert_eq!(
        node.ok("eth_getBlockByNumber", json!(["0x64", false]))
            .await,
        Value::Null
    );
    assert_eq!(
        node.ok("eth_getBlockByHash", json!([to_hex(&[3; 32]), false]))
            .await,
        Value::Null
    );
}

/// Emit `Stored` logs: keys 1 and 2 in one block (5), key 3 in the next (6).
async fn emit_logs(node: &Node) -> Vec<B256> {
    let mut keys = Vec::new();
    for (key, tag) in [(1u64, 0x11u8), (2, 0x22)] {
        let input = abi(storeCall {
            key: U256::from(key),
            tag: B256::repeat_byte(tag),
            note: format!("n{key}"),
        });
        node.fake
            .submit_raw(&node.native_tx(TxKind::Call(node.events), input.to_vec(), ""))
            .unwrap();
        keys.push(B256::from(U256::from(key)));
    }
    node.fake.seal();
    let input = abi(storeCall {
        key: U256::from(3),
        tag: B256::repeat_byte(0x33),
        note: "n3".into(),
    });
    node.fake
        .submit_raw(&node.native_tx(TxKind::Call(node.events), input.to_vec(), ""))
        .unwrap();
    node.fake.seal();
    keys.push(B256::from(U256::from(3)));
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_logs_filters_by_range_address_and_topics() {
    let node = Node::start().await;
    let keys = emit_logs(&node).await;
    let (k1, k2, k3) = (
        to_hex(keys[0].as_slice()),
        to_hex(keys[1].as_slice()),
        to_hex(keys[2].as_slice()),
    );
    let sig = to_hex(Stored::SIGNATURE_HASH.as_slice());
    let events = to_hex(node.events.as_slice());
    let hello = to_hex(node.hello.as_slice());
    let block3 = to_hex(node.fake.ledger.block_hash(3).unwrap().unwrap().as_slice());
    let user_topic = to_hex(node.key.address().into_word().as_slice());
    // (filter, the keys of the logs expected, in order)
    let table: Vec<(Value, Vec<&String>)> = vec![
        (json!({ "fromBlock": "earliest" }), vec![&k1, &k2, &k3]),
        (
            json!({ "fromBlock": "0x0", "toBlock": "latest", "address": events }),
            vec![&k1, &k2, &k3],
        ),
        (json!({ "fromBlock": "0x0", "address": [hello] }), vec![]),
        (
            json!({ "fromBlock": "0x0", "address": [hello, events] }),
            vec![&k1, &k2, &k3],
        ),
        (json!({}), vec![&k3]),
        (
            json!({ "fromBlock": "0x3", "toBlock": "0x3" }),
            vec![&k1, &k2],
        ),
        (json!({ "blockHash": block3 }), vec![&k1, &k2]),
        (
            json!({ "fromBlock": "0x0", "topics": [sig] }),
            vec![&k1, &k2, &k3],
        ),
        (
            json!({ "fromBlock": "0x0", "topics": [sig, user_topic, k2] }),
            vec![&k2],
        ),
        (
            json!({ "fromBlock": "0x0", "topics": [null, null, [k3, k1]] }),
            vec![&k1, &k3],
        ),
        (
            json!({ "fromBlock": "0x0", "topics": [null, null, [k3, null]] }),
            vec![&k1, &k2, &k3],
        ),
        (
            json!({ "fromBlock": "0x0", "topics": [to_hex(&[0; 32])] }),
            vec![],
        ),
        (
            json!({ "fromBlock": "0x0", "topics": [null, null, null, null] }),
            vec![&k1, &k2, &k3],
        ),
        (json!({ "fromBlock": "0x9", "toBlock": "0x3" }), vec![]),
    ];
    for (filter, expected) in table {
        let logs = node.ok("eth_getLogs", json!([filter.clone()])).await;
        let got: Vec<&Value> = logs
            .as_array()
            .unwrap()
            .iter()
            .map(|l| &l["topics"][2])
            .collect();
        let expected: Vec<Value> = expected.iter().map(|k| json!(k)).collect();
        assert_eq!(got, expected.iter().collect::<Vec<_>>(), "{filter}");
    }
    // Block-wide log indexes and positions.
    let logs = node
        .ok(
            "eth_getLogs",
            json!([{ "fromBlock": "0x3", "toBlock": "0x4" }]),
        )
        .await;
    let indexes: Vec<_> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["blockNumber"].clone(),
                l["logIndex"].clone(),
                l["transactionIndex"].clone(),
            )
        })
        .collect();
    assert_eq!(
        indexes,
        vec![(q(3), q(0), q(0)), (q(3), q(1), q(1)), (q(4), q(0), q(0))]
    );
    let decoded = Stored::decode_raw_log(
        logs[0]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| B256::from_slice(&hex(t.as_str().unwrap())))
            .collect::<Vec<_>>(),
        &hex(logs[0]["data"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(decoded.note, "n1");
    // A range past the head is cut at the head.
    let logs = node
        .ok(
            "eth_getLogs",
            json!([{ "fromBlock": "0x4", "toBlock": "0x2710" }]),
        )
        .await;
    assert_eq!(logs.as_array().unwrap().len(), 1);
    let e = node
        .err("eth_getLogs", json!([{ "blockHash": to_hex(&[5; 32]) }]))
        .await;
    assert!(e["message"].as_str().unwrap().contains("not found"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_report_changes_once_and_can_be_removed() {
    let node = Node::start().await;
    let sig = to_hex(Stored::SIGNATURE_HASH.as_slice());
    let blocks = node.ok("eth_newBlockFilter", json!([])).await;
    let logs = node.ok("eth_newFilter", json!([{ "topics": [sig] }])).await;
    let hello_logs = node
        .ok(
            "eth_newFilter",
            json!([{ "address": to_hex(node.hello.as_slice()) }]),
        )
        .await;
    let pending = node.ok("eth_newPendingTransactionFilter", json!([])).await;
    assert!(blocks.as_str().unwrap().starts_with("0x"));
    assert_ne!(blocks, logs);
    for id in [&blocks, &logs, &hello_logs, &pending] {
        assert_eq!(
            node.ok("eth_getFilterChanges", json!([id])).await,
            json!([])
        );
    }
    emit_logs(&node).await;
    let hashes = node.ok("eth_getFilterChanges", json!([blocks])).await;
    let expected: Vec<Value> = [3, 4]
        .iter()
        .map(|n| {
            json!(to_hex(
                node.fake.ledger.block_hash(*n).unwrap().unwrap().as_slice()
            ))
        })
        .collect();
    assert_eq!(hashes, json!(expected));
    let changes = node.ok("eth_getFilterChanges", json!([logs])).await;
    assert_eq!(changes.as_array().unwrap().len(), 3);
    assert_eq!(
        node.ok("eth_getFilterChanges", json!([hello_logs])).await,
        json!([])
    );
    assert_eq!(
        node.ok("eth_getFilterChanges", json!([pending])).await,
        json!([])
    );
    // Reported once.
    assert_eq!(
        node.ok("eth_getFilterChanges", json!([blocks])).await,
        json!([])
    );
    assert_eq!(
        node.ok("eth_getFilterChanges", json!([logs])).await,
        json!([])
    );
    // getFilterLogs re-runs the query (fromBlock/toBlock default to latest: block 4).
    let all = node.ok("eth_getFilterLogs", json!([logs])).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let e = node.err("eth_getFilterLogs", json!([blocks])).await;
    assert!(
        e["message"].as_str().unwrap().contains("not a log filter"),
        "{e}"
    );
    // Removal.
    assert_eq!(
        node.ok("eth_uninstallFilter", json!([logs])).await,
        json!(true)
    );
    assert_eq!(
        node.ok("eth_uninstallFilter", json!([logs])).await,
        json!(false)
    );
    let e = node.err("eth_getFilterChanges", json!([logs])).await;
    assert_eq!(e["code"], json!(-32000));
    assert!(e["message"].as_str().unwrap().contains("not found"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_filters_expire() {
    let node = Node::start_with(weft_rpc::RpcConfig {
        filter_ttl: std::time::Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let id = node.ok("eth_newBlockFilter", json!([])).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    // A poll keeps it alive.
    assert_eq!(
        node.ok("eth_getFilterChanges", json!([id])).await,
        json!([])
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        node.ok("eth_getFilterChanges", json!([id])).await,
        json!([])
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let e = node.err("eth_getFilterChanges", json!([id])).await;
    assert!(e["message"].as_str().unwrap().contains("not found"), "{e}");
}

/// Sign `tx` with `key` and encode it (EIP-2718).
fn sign<T>(key: &weft_crypto::KeyPair, tx: T) -> Vec<u8>
where
    T: alloy_consensus::SignableTransaction<alloy_primitives::Signature>,
    alloy_consensus::Signed<T>: Into<alloy_consensus::TxEnvelope>,
{
    use alloy_eips::eip2718::Encodable2718;
    let sig = key.sign(&tx.signature_hash()).unwrap();
    let signature = alloy_primitives::Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1);
    let envelope: alloy_consensus::TxEnvelope = tx.into_signed(signature).into();
    envelope.encoded_2718()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_and_access_list_transactions_have_their_fields() {
    let node = Node::start().await;
    let key = weft_crypto::KeyPair::generate(SuiteId::Standard);
    let input = abi(setCall {
        name_: "legacy".into(),
    });
    let legacy = sign(
        &key,
        alloy_consensus::TxLegacy {
            chain_id: Some(CHAIN_ID),
            nonce: 0,
            gas_price: 7,
            gas_limit: 200_000,
            to: TxKind::Call(node.hello),
            value: U256::ZERO,
            input: input.clone(),
        },
    );
    let slot = B256::repeat_byte(1);
    // Another sender: the legacy transaction fails (it offers a gas price with no
    // balance to pay it), so its nonce stays unused.
    let key2 = weft_crypto::KeyPair::generate(SuiteId::Standard);
    let access_listed = sign(
        &key2,
        alloy_consensus::TxEip2930 {
            chain_id: CHAIN_ID,
            nonce: 0,
            gas_price: 0,
            gas_limit: 200_000,
            to: TxKind::Call(node.hello),
            value: U256::ZERO,
            access_list: alloy_eips::eip2930::AccessList(vec![
                alloy_eips::eip2930::AccessListItem {
                    address: node.hello,
                    storage_keys: vec![slot],
                },
            ]),
            input: input.clone(),
        },
    );
    let h1 = node
        .ok("eth_sendRawTransaction", json!([to_hex(&legacy)]))
        .await;
    let h2 = node
        .ok("eth_sendRawTransaction", json!([to_hex(&access_listed)]))
        .await;
    node.fake.seal();
    let t1 = node.ok("eth_getTransactionByHash", json!([h1])).await;
    assert_eq!(t1["type"], q(0));
    assert_eq!(t1["gasPrice"], q(7));
    assert_eq!(t1["chainId"], q(CHAIN_ID));
    let v = u64::from_str_radix(t1["v"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(
        v == CHAIN_ID * 2 + 35 || v == CHAIN_ID * 2 + 36,
        "EIP-155 v: {v}"
    );
    assert!(
        t1.get("yParity").is_none()
            && t1.get("accessList").is_none()
            && t1.get("maxFeePerGas").is_none()
    );
    let t2 = node.ok("eth_getTransactionByHash", json!([h2])).await;
    assert_eq!(t2["type"], q(1));
    assert_eq!(t2["nonce"], q(0));
    assert_eq!(t2["gasPrice"], q(0));
    assert_eq!(
        t2["accessList"],
        json!([{ "address": to_hex(node.hello.as_slice()), "storageKeys": [to_hex(slot.as_slice())] }])
    );
    assert!(t2.get("maxFeePerGas").is_none());
    let r1 = node.ok("eth_getTransactionReceipt", json!([h1])).await;
    let r2 = node.ok("eth_getTransactionReceipt", json!([h2])).await;
    assert_eq!((r1["type"].clone(), r2["type"].clone()), (q(0), q(1)));
    assert_eq!(
        (r1["status"].clone(), r2["status"].clone()),
        (q(0), q(1)),
        "{r1} {r2}"
    );
    let failed = node
        .ok("getTransactionReceipt", json!([crate::GROUP, "", h1]))
        .await;
    assert_eq!(failed["status"], json!(7), "NotEnoughCash: {failed}");
    assert_eq!(failed["message"], json!("NotEnoughCash"));
    // The native view of an Ethereum transaction: FISCO's Web3 type 1.
    let native = node
        .ok("getTransaction", json!([crate::GROUP, "", h1]))
        .await;
    assert_eq!(native["type"], json!(1));
    assert_eq!(native["nonce"], json!("0x0"));
    assert_eq!(native["from"], json!(to_hex(key.address().as_slice())));
}
