//! Bad requests: each gets the right error and leaves the chain as it was.

use alloy_primitives::TxKind;
use serde_json::{json, Value};
use weft_crypto::{KeyPair, SuiteId};
use weft_rpc::RpcConfig;

use crate::{eth_tx, post, to_hex, Node, CHAIN_ID, GROUP};

/// Every method the server offers, for the no-panic sweep.
const METHODS: &[&str] = &[
    "call",
    "sendTransaction",
    "getTransaction",
    "getTransactionReceipt",
    "getBlockByNumber",
    "getBlockByHash",
    "getBlockHashByNumber",
    "getBlockNumber",
    "getCode",
    "getABI",
    "getSealerList",
    "getObserverList",
    "getPbftView",
    "getPendingTxSize",
    "getSyncStatus",
    "getConsensusStatus",
    "getSystemConfigByKey",
    "getTotalTransactionCount",
    "getPeers",
    "getGroupList",
    "getGroupInfo",
    "eth_chainId",
    "net_version",
    "net_listening",
    "net_peerCount",
    "web3_clientVersion",
    "web3_sha3",
    "eth_syncing",
    "eth_mining",
    "eth_hashrate",
    "eth_accounts",
    "eth_blockNumber",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_getBalance",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getTransactionCount",
    "eth_call",
    "eth_estimateGas",
    "eth_sendRawTransaction",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getUncleCountByBlockNumber",
    "eth_getUncleCountByBlockHash",
    "eth_getLogs",
    "eth_newFilter",
    "eth_newBlockFilter",
    "eth_newPendingTransactionFilter",
    "eth_getFilterChanges",
    "eth_getFilterLogs",
    "eth_uninstallFilter",
    "eth_subscribe",
    "eth_unsubscribe",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_and_unknown_methods() {
    let node = Node::start().await;
    let before = node.chain_state();
    for body in [
        "{",
        "not json",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":",
        "\u{0}",
    ] {
        let (status, text) = post(node.addr(), body).await;
        let response: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{body:?}: HTTP {status}: {e}: {text}"));
        assert_eq!(response["error"]["code"], json!(-32700), "{body:?}: {text}");
    }
    let e = node.err("eth_noSuchMethod", json!([])).await;
    assert_eq!(e["code"], json!(-32601));
    let e = node.err("getNodeListByType", json!([GROUP, ""])).await;
    assert_eq!(e["code"], json!(-32601));
    assert_eq!(node.chain_state(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_params_name_the_parameter() {
    let node = Node::start().await;
    let before = node.chain_state();
    let hello = to_hex(node.hello.as_slice());
    let table: Vec<(&str, Value, &str)> = vec![
        (
            "eth_getBalance",
            json!(["0x12"]),
            "params[0]: expected a 20-byte hex address, got \"0x12\"",
        ),
        (
            "eth_getBalance",
            json!([]),
            "params[0]: missing; expected a 20-byte hex address",
        ),
        (
            "eth_getBalance",
            json!([hello, "newest"]),
            "params[1]: expected a block number, \"latest\"",
        ),
        (
            "eth_getBalance",
            json!([hello, "latest", 3]),
            "too many params: this method takes at most 2, got 3",
        ),
        (
            "eth_getBalance",
            json!({ "address": hello }),
            "params: expected a positional array",
        ),
        (
            "eth_getBlockByNumber",
            json!(["0x1", "yes"]),
            "params[1]: expected true or false, got \"yes\"",
        ),
        (
            "eth_getBlockByNumber",
            json!([17]),
            "params[0]: expected a block number",
        ),
        (
            "eth_getBlockByHash",
            json!(["0x1234", false]),
            "params[0]: expected a 32-byte hex hash, got \"0x1234\"",
        ),
        (
            "eth_call",
            json!([{ "to": 5 }]),
            "params[0].to: expected a 20-byte hex address, got 5",
        ),
        (
            "eth_call",
            json!([{ "to": hello, "gas": "lots" }]),
            "params[0].gas: expected a hex quantity",
        ),
        (
            "eth_call",
            json!([{ "to": hello, "data": "0x01", "input": "0x02" }]),
            "both input and data are set",
        ),
        (
            "eth_call",
            json!(["0x00"]),
            "params[0]: expected a transaction call object",
        ),
        (
            "eth_call",
            json!([{ "to": hello }, "latest", {}]),
            "state overrides are not supported",
        ),
        (
            "eth_getStorageAt",
            json!([hello, "slot"]),
            "params[1]: expected a storage slot",
        ),
        (
            "eth_sendRawTransaction",
            json!(["0xzz"]),
            "params[0]: expected hex data, got \"0xzz\"",
        ),
        (
            "eth_getLogs",
            json!([{ "topics": ["0x12"] }]),
            "params[0].topics[0]: expected a 32-byte hex hash",
        ),
        (
            "eth_getLogs",
            json!([{ "address": ["0x12"] }]),
            "params[0].address[0]: expected a 20-byte hex address",
        ),
        (
            "eth_getLogs",
            json!([{ "blockHash": to_hex(&[0; 32]), "fromBlock": "0x1" }]),
            "not both",
        ),
        (
            "eth_getLogs",
            json!(["latest"]),
            "params[0]: expected a filter object",
        ),
        (
            "eth_newFilter",
            json!([{ "topics": [[1]] }]),
            "params[0].topics[0][0]: expected a 32-byte hex hash",
        ),
        (
            "eth_getFilterChanges",
            json!([7]),
            "params[0]: expected a string, got 7",
        ),
        (
            "eth_feeHistory",
            json!(["0x2", "latest", [50, 10]]),
            "params[2][1]: expected a percentile",
        ),
        (
            "eth_getTransactionByBlockNumberAndIndex",
            json!(["0x1", 1]),
            "params[1]: expected a hex quantity",
        ),
        (
            "getBlockByNumber",
            json!([GROUP, "", "one"]),
            "params[2]: expected a block number",
        ),
        (
            "getBlockByNumber",
            json!([GROUP, "", 1, "yes"]),
            "params[3]: expected true or false",
        ),
        (
            "getBlockNumber",
            json!([]),
            "params[0]: missing; expected the group id",
        ),
        (
            "getBlockNumber",
            json!([5, ""]),
            "params[0]: expected a string, got 5",
        ),
        (
            "getCode",
            json!([GROUP, "", "0x12"]),
            "params[2]: expected a 20-byte hex address",
        ),
        (
            "getSystemConfigByKey",
            json!([GROUP, "", "no_such_key"]),
            "params[2]: expected a system config key",
        ),
        (
            "call",
            json!([GROUP, "", hello]),
            "params[3]: missing; expected hex call data",
        ),
        (
            "sendTransaction",
            json!([GROUP, "", "0xzz", false]),
            "params[2]: expected hex data",
        ),
        (
            "sendTransaction",
            json!([GROUP, "", "0x00", "yes"]),
            "params[3]: expected true or false",
        ),
    ];
    for (method, params, message) in table {
        let e = node.err(method, params.clone()).await;
        assert_eq!(e["code"], json!(-32602), "{method} {params}: {e}");
        let text = e["message"].as_str().unwrap();
        assert!(
            text.starts_with(message) || text.contains(message),
            "{method} {params}: {text}"
        );
        assert_eq!(node.chain_state(), before, "{method} changed the chain");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_transactions_are_rejected_with_fisco_codes() {
    let node = Node::start().await;
    // A key whose signature's `s` takes all 32 bytes (RLP `0xa0` prefix): one with a leading
    // zero byte is encoded shorter, and overwriting its last 32 bytes would break the RLP
    // instead of the signature (1 run in 256).
    let (key, good) = loop {
        let key = KeyPair::generate(SuiteId::Standard);
        let good = eth_tx(&key, CHAIN_ID, 0, TxKind::Call(node.hello), vec![]);
        if good[good.len() - 33] == 0xa0 {
            break (key, good);
        }
    };
    // s = 2^256 - 1: above the curve order, so no key can be recovered.
    let mut bad_signature = good.clone();
    let len = bad_signature.len();
    bad_signature[len - 32..].fill(0xff);
    let table: Vec<(Vec<u8>, u32, &str)> = vec![
        (vec![], 10003, "malformed transaction"),
        (
            vec![0x05, 1, 2, 3],
            10003,
            "unsupported transaction type 0x05",
        ),
        (vec![0x57, 0xc0], 10003, "malformed transaction"),
        (
            eth_tx(&key, CHAIN_ID + 1, 0, TxKind::Call(node.hello), vec![]),
            10006,
            "chain id 21",
        ),
        (
            eth_tx(&key, CHAIN_ID, 4, TxKind::Call(node.hello), vec![]),
            10000,
            "nonce too high",
        ),
        (bad_signature, 10008, "invalid signature"),
    ];
    let before = node.chain_state();
    for (raw, code, message) in table {
        let e = node
            .err("eth_sendRawTransaction", json!([to_hex(&raw)]))
            .await;
        assert_eq!(e["code"], json!(-32000), "{e}");
        assert_eq!(e["data"], json!(code), "{e}");
        assert!(e["message"].as_str().unwrap().contains(message), "{e}");
        assert_eq!(node.chain_state(), before);
    }
    // The same transaction twice: the second is a duplicate.
    node.ok("eth_sendRawTransaction", json!([to_hex(&good)]))
        .await;
    let after_one = node.chain_state();
    let e = node
        .err("eth_sendRawTransaction", json!([to_hex(&good)]))
        .await;
    assert_eq!(e["data"], json!(10004), "{e}");
    assert_eq!(node.chain_state(), after_one);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_served_up_to_the_limit() {
    let node = Node::start().await;
    let call = |id: usize| json!({ "jsonrpc": "2.0", "id": id, "method": "eth_blockNumber", "params": [] });
    let batch: Vec<Value> = (0..3).map(call).collect();
    let (_, text) = post(node.addr(), &json!(batch).to_string()).await;
    let responses: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(responses.as_array().unwrap().len(), 3);
    assert!(responses
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["result"] == json!("0x2")));

    let before = node.chain_state();
    let oversized: Vec<Value> = (0..101).map(call).collect();
    let (_, text) = post(node.addr(), &json!(oversized).to_string()).await;
    let response: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(response["error"]["code"], json!(-32010), "{text}");
    assert_eq!(node.chain_state(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused() {
    let node = Node::start_with(RpcConfig {
        max_request_bytes: 2_000,
        ..RpcConfig::default()
    })
    .await;
    let before = node.chain_state();
    let big = format!("0x{}", "ab".repeat(2_000));
    let body =
        json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [big] });
    let (status, text) = post(node.addr(), &body.to_string()).await;
    assert!(
        status == 413 || text.contains("-32007"),
        "HTTP {status}: {text}"
    );
    assert_eq!(node.chain_state(), before);
    assert_eq!(node.ok("eth_blockNumber", json!([])).await, json!("0x2"));
}

/// Odd parameters to every method: each gets a JSON-RPC answer (a result or an error
/// with a standard code), nothing panics, and the chain does not change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_breaks_any_method() {
    let node = Node::start().await;
    let before = node.chain_state();
    let long = "f".repeat(10_000);
    let odd: Vec<Value> = vec![
        Value::Null,
        json!([]),
        json!([null]),
        json!([null, null, null, null, null, null]),
        json!({}),
        json!([1, 2, 3]),
        json!([-1]),
        json!([1e300]),
        json!(["0x"]),
        json!(["0x0"]),
        json!([format!("0x{long}")]),
        json!([long]),
        json!([[], {}, true]),
        json!([{ "to": [], "data": {}, "fromBlock": -5, "topics": [[[]]] }]),
        json!([GROUP, "", null, null, null]),
        json!([GROUP, "", "0x", "0x", true]),
        json!([GROUP, "", u64::MAX, true, true]),
        json!(["0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"]),
        json!(["0xffffffffffffffff", "0xffffffffffffffff"]),
        json!([{ "blockHash": "0x00" }]),
        json!(["logs", { "address": 5 }]),
    ];
    let allowed = [-32700, -32600, -32601, -32602, -32603, -32000, 3];
    for method in METHODS {
        for params in &odd {
            let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
            let (status, text) = post(node.addr(), &body.to_string()).await;
            let response: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {params}: HTTP {status}: {e}: {text}"));
            if let Some(e) = response.get("error") {
                let code = e["code"].as_i64().unwrap();
                assert!(
                    allowed.contains(&code) || (10000..=10008).contains(&code),
                    "{method} {params}: {e}"
                );
                assert!(!e["message"].as_str().unwrap().is_empty());
            } else {
                assert!(
                    response.get("result").is_some(),
                    "{method} {params}: {text}"
                );
            }
        }
    }
    assert_eq!(node.chain_state().0, before.0);
    // Filters may have been installed; the pool is untouched.
    assert_eq!(node.chain_state().1, before.1);
    assert_eq!(node.ok("eth_blockNumber", json!([])).await, json!("0x2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_queries_over_too_many_blocks_are_refused() {
    let node = Node::start_with(RpcConfig {
        max_log_blocks: 2,
        ..RpcConfig::default()
    })
    .await;
    let ok = node
        .ok(
            "eth_getLogs",
            json!([{ "fromBlock": "0x1", "toBlock": "latest" }]),
        )
        .await;
    assert_eq!(ok, json!([]));
    for filter in [
        json!({ "fromBlock": "earliest" }),
        json!({ "fromBlock": "0x0", "toBlock": "0x2" }),
    ] {
        let e = node.err("eth_getLogs", json!([filter])).await;
        assert_eq!(e["code"], json!(-32602));
        assert_eq!(
            e["message"],
            json!("block range 0..=2 spans 3 blocks; a log query may cover at most 2: narrow fromBlock/toBlock")
        );
    }
    let id = node
        .ok("eth_newFilter", json!([{ "fromBlock": "earliest" }]))
        .await;
    let e = node.err("eth_getFilterLogs", json!([id])).await;
    assert!(e["message"].as_str().unwrap().contains("at most 2"), "{e}");
}
