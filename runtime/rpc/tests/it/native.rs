//! The native (FISCO BCOS) methods.

use std::time::Duration;

use alloy_primitives::TxKind;
use alloy_sol_types::SolCall;
use serde_json::{json, Value};
use weft_rpc::{ChainApi, RpcConfig};

use crate::{abi, artifact, eth_tx, getCall, setCall, to_hex, Node, CHAIN_ID, GROUP};

/// What a response must be: exactly a value, or pass a check.
enum Expect {
    Is(Value),
    Check(Box<dyn Fn(&Value)>),
}

fn check(f: impl Fn(&Value) + 'static) -> Expect {
    Expect::Check(Box::new(f))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_native_method_answers_in_fisco_shapes() {
    let node = Node::start().await;
    let fake = &node.fake;
    let suite = fake.ledger.suite();
    let hash1 = fake.ledger.block_hash(1).unwrap().unwrap();
    let hello = to_hex(node.hello.as_slice());
    let hello_tx = to_hex(node.hello_tx.as_slice());
    let sealer_id = alloy_primitives::hex::encode(fake.sealer.public().0);
    let user = to_hex(node.key.address().as_slice());
    let get = to_hex(&abi(getCall {}));
    let block1 = fake.ledger.block(1).unwrap().unwrap();
    let hello_abi = artifact("HelloWorld", "abi");
    let expected_get = to_hex(&getCall::abi_encode_returns(&"Hello, World!".to_string()));
    let g = GROUP;

    let table: Vec<(&str, Value, Expect)> = vec![
        ("getBlockNumber", json!([g, ""]), Expect::Is(json!(2))),
        (
            "getBlockHashByNumber",
            json!([g, "", 1]),
            Expect::Is(json!(to_hex(hash1.as_slice()))),
        ),
        (
            "getBlockHashByNumber",
            json!([g, "", "0x1"]),
            Expect::Is(json!(to_hex(hash1.as_slice()))),
        ),
        (
            "getBlockHashByNumber",
            json!([g, "", 99]),
            Expect::Is(Value::Null),
        ),
        ("getPbftView", json!([g, ""]), Expect::Is(json!(7))),
        ("getPendingTxSize", json!([g, ""]), Expect::Is(json!(0))),
        ("getObserverList", json!([g, ""]), Expect::Is(json!([]))),
        (
            "getSealerList",
            json!([g, ""]),
            Expect::Is(json!([{ "nodeID": sealer_id, "weight": 1 }])),
        ),
        (
            "getSystemConfigByKey",
            json!([g, "", "tx_gas_limit"]),
            Expect::Is(json!({ "value": "3000000000", "blockNumber": 0 })),
        ),
        (
            "getTotalTransactionCount",
            json!([g, ""]),
            Expect::Is(json!({ "blockNumber": 2, "transactionCount": 2 })),
        ),
        (
            "getGroupList",
            json!([]),
            Expect::Is(json!({ "code": 0, "msg": "success", "groupList": [g] })),
        ),
        (
            "getABI",
            json!([g, "", hello]),
            Expect::Is(json!(hello_abi)),
        ),
        (
            "getABI",
            json!([g, "", to_hex(node.events.as_slice())]),
            Expect::Is(json!("")),
        ),
        (
            "call",
            json!([g, "", hello, get]),
            Expect::Is(json!({ "blockNumber": 2, "output": expected_get, "status": 0 })),
        ),
        (
            "getCode",
            json!([g, "", hello]),
            check(|v| assert!(v.as_str().unwrap().starts_with("0x6080"), "{v}")),
        ),
        (
            "getCode",
            json!([g, "", to_hex(&[9; 20])]),
            Expect::Is(json!("0x")),
        ),
        (
            "getSyncStatus",
            json!([g, ""]),
            check(|v| {
                let inner: Value = serde_json::from_str(v.as_str().unwrap()).unwrap();
                assert_eq!(inner["blockNumber"], json!(2));
                assert_eq!(inner["isSyncing"], json!(false));
                assert_eq!(inner["txPoolSize"], json!("0"));
            }),
        ),
        ("getConsensusStatus", json!([g, ""]), {
            let sealer_id = sealer_id.clone();
            check(move |v| {
                let inner: Value = serde_json::from_str(v.as_str().unwrap()).unwrap();
                assert_eq!(inner["blockNumber"], json!(2));
                assert_eq!(inner["view"], json!(7));
                assert_eq!(inner["nodeIndex"], json!(0));
                assert_eq!(
                    inner["consensusNodeList"],
                    json!([{ "index": 0, "nodeID": sealer_id, "weight": 1 }])
                );
            })
        }),
        ("getPeers", json!([]), {
            let sealer_id = sealer_id.clone();
            check(move |v| {
                assert_eq!(v["p2pNodeID"], json!(sealer_id));
                assert_eq!(v["peers"], json!([]));
            })
        }),
        (
            "getGroupInfo",
            json!([g]),
            check(|v| {
                assert_eq!(v["chainID"], json!(CHAIN_ID.to_string()));
                assert_eq!(v["groupID"], json!(GROUP));
                assert_eq!(v["genesisConfig"]["group_id"], json!(GROUP));
                assert_eq!(v["nodeList"][0]["iniConfig"]["smCryptoType"], json!(false));
                assert_eq!(v["nodeList"][0]["iniConfig"]["isWasm"], json!(false));
            }),
        ),
        ("getTransaction", json!([g, "", hello_tx, false]), {
            let (user, hello_tx, hello_abi) = (user.clone(), hello_tx.clone(), hello_abi.clone());
            check(move |v| {
                assert_eq!(v["hash"], json!(hello_tx));
                assert_eq!(v["from"], json!(user));
                assert_eq!(v["to"], json!(""));
                assert_eq!(v["chainID"], json!("20"));
                assert_eq!(v["groupID"], json!(GROUP));
                assert_eq!(v["nonce"], json!("0x1"));
                assert_eq!(v["blockLimit"], json!(100));
                assert_eq!(v["abi"], json!(hello_abi));
                assert_eq!(v["gasLimit"], json!(5_000_000));
                assert_eq!(v["type"], json!(0));
                assert_eq!(v["signature"].as_str().unwrap().len(), 2 + 130);
            })
        }),
        (
            "getTransaction",
            json!([g, "", to_hex(&[7; 32])]),
            Expect::Is(Value::Null),
        ),
        ("getTransactionReceipt", json!([g, "", hello_tx]), {
            let (hello, hello_tx, hash1) = (hello.clone(), hello_tx.clone(), hash1);
            check(move |v| {
                assert_eq!(v["status"], json!(0));
                assert_eq!(v["message"], json!(""));
                assert_eq!(v["transactionHash"], json!(hello_tx));
                assert_eq!(v["contractAddress"], json!(hello));
                assert_eq!(v["blockNumber"], json!(1));
                assert_eq!(v["blockHash"], json!(to_hex(hash1.as_slice())));
                assert_eq!(v["transactionIndex"], json!(0));
                assert_eq!(v["logEntries"], json!([]));
                assert!(v["gasUsed"].as_str().unwrap().parse::<u64>().unwrap() > 21_000);
                assert!(v["checksumContractAddress"]
                    .as_str()
                    .unwrap()
                    .starts_with("0x"));
            })
        }),
        (
            "getTransactionReceipt",
            json!([g, "", to_hex(&[7; 32]), true]),
            Expect::Is(Value::Null),
        ),
        ("getBlockByNumber", json!([g, "", 1]), {
            let hash1 = to_hex(hash1.as_slice());
            check(move |v| {
                assert_eq!(v["number"], json!(1));
                assert_eq!(v["hash"], json!(hash1));
                assert_eq!(v["sealer"], json!(0));
                assert_eq!(v["timestamp"], json!(1_700_000_001_500u64));
                assert_eq!(v["parentInfo"][0]["blockNumber"], json!(0));
                assert!(
                    v.get("transactions").is_none(),
                    "header only by default: {v}"
                );
            })
        }),
        ("getBlockByNumber", json!([g, "", 1, false, true]), {
            let hello_tx = hello_tx.clone();
            check(move |v| assert_eq!(v["transactions"], json!([hello_tx])))
        }),
        ("getBlockByNumber", json!([g, "", 1, false, false]), {
            let hello_tx = hello_tx.clone();
            check(move |v| assert_eq!(v["transactions"][0]["hash"], json!(hello_tx)))
        }),
        (
            "getBlockByNumber",
            json!([g, "", 50]),
            Expect::Is(Value::Null),
        ),
        (
            "getBlockByHash",
            json!([g, "", to_hex(hash1.as_slice()), false, true]),
            {
                let expected_hash = to_hex(&block1.transactions[0].hash(suite).0);
                check(move |v| {
                    assert_eq!(v["number"], json!(1));
                    assert_eq!(v["transactions"], json!([expected_hash]));
                })
            },
        ),
        (
            "getBlockByHash",
            json!([g, "", to_hex(&[1; 32])]),
            Expect::Is(Value::Null),
        ),
    ];
    for (method, params, expect) in table {
        let result = node.ok(method, params.clone()).await;
        match expect {
            Expect::Is(v) => assert_eq!(result, v, "{method} {params}"),
            Expect::Check(f) => f(&result),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_refuse_another_group_by_name() {
    let node = Node::start().await;
    for (method, params) in [
        ("getBlockNumber", json!(["group9", ""])),
        (
            "call",
            json!(["group9", "", to_hex(node.hello.as_slice()), "0x"]),
        ),
        ("getGroupInfo", json!(["group9"])),
        ("sendTransaction", json!(["group9", "", "0x00", false])),
    ] {
        let e = node.err(method, params).await;
        assert_eq!(e["code"], json!(-32602), "{method}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains("\"group9\"") && message.contains("\"group0\""),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_transaction_waits_for_the_receipt() {
    let node = std::sync::Arc::new(Node::start().await);
    let raw = node.native_tx(
        TxKind::Call(node.hello),
        abi(setCall {
            name_: "native".into(),
        })
        .to_vec(),
        "",
    );
    let sender = {
        let node = node.clone();
        let raw = to_hex(&raw);
        tokio::spawn(async move {
            node.rpc("sendTransaction", json!([GROUP, "", raw, false]))
                .await
        })
    };
    // Seal once the transaction is in the pool.
    for _ in 0..200 {
        if node.fake.pending_count() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(node.fake.pending_count(), 1);
    node.fake.seal();
    let response = sender.await.unwrap();
    let receipt = &response["result"];
    assert_eq!(receipt["status"], json!(0), "{response}");
    assert_eq!(receipt["blockNumber"], json!(3));
    assert_eq!(receipt["to"], json!(to_hex(node.hello.as_slice())));
    let out = node
        .ok(
            "call",
            json!([
                GROUP,
                "",
                to_hex(node.hello.as_slice()),
                to_hex(&abi(getCall {}))
            ]),
        )
        .await;
    assert_eq!(
        out["output"],
        json!(to_hex(&getCall::abi_encode_returns(&"native".to_string())))
    );

    // Resending the committed transaction: FISCO's code, FISCO's name, nothing waits.
    let before = node.chain_state();
    let e = node
        .err("sendTransaction", json!([GROUP, "", to_hex(&raw), false]))
        .await;
    assert_eq!(e["code"], json!(10005), "{e}");
    assert_eq!(e["data"], json!("TxAlreadyInChain"));
    assert!(e["message"].as_str().unwrap().contains("already committed"));
    // An Ethereum transaction for another chain.
    let other = eth_tx(&node.key, CHAIN_ID + 1, 0, TxKind::Call(node.hello), vec![]);
    let e = node
        .err("sendTransaction", json!([GROUP, "", to_hex(&other)]))
        .await;
    assert_eq!(e["code"], json!(10006), "{e}");
    assert_eq!(node.chain_state(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_transaction_times_out_when_nothing_is_sealed() {
    let node = Node::start_with(RpcConfig {
        receipt_timeout: Duration::from_millis(300),
        ..RpcConfig::default()
    })
    .await;
    let raw = node.native_tx(TxKind::Call(node.hello), vec![], "");
    let e = node
        .err("sendTransaction", json!([GROUP, "", to_hex(&raw), false]))
        .await;
    assert_eq!(e["code"], json!(-32000));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("getTransactionReceipt"),
        "{e}"
    );
    // It stays in the pool and is committed later.
    assert_eq!(node.fake.pending_count(), 1);
}
