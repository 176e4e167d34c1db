//! `eth_subscribe` over WebSocket.

use std::time::Duration;

use alloy_primitives::{TxKind, B256, U256};
use alloy_sol_types::SolEvent;
use jsonrpsee::core::client::{ClientT, Subscription, SubscriptionClientT};
use jsonrpsee::core::params::ArrayParams;
use serde_json::{json, Value};

use weft_rpc::ChainApi;

use crate::{abi, storeCall, to_hex, ws_client, Node, Stored};

fn params(values: &[Value]) -> ArrayParams {
    let mut p = ArrayParams::new();
    for v in values {
        p.insert(v).unwrap();
    }
    p
}

async fn next(sub: &mut Subscription<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .expect("a notification within 10 s")
        .expect("the subscription is open")
        .expect("a JSON notification")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_heads_and_logs_are_pushed_after_a_block() {
    let node = Node::start().await;
    let client = ws_client(node.addr()).await;
    // Plain calls work over WebSocket too.
    let number: Value = client
        .request("eth_blockNumber", params(&[]))
        .await
        .unwrap();
    assert_eq!(number, json!("0x2"));

    let mut heads: Subscription<Value> = client
        .subscribe(
            "eth_subscribe",
            params(&[json!("newHeads")]),
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let mut logs: Subscription<Value> = client
        .subscribe(
            "eth_subscribe",
            params(&[
                json!("logs"),
                json!({ "address": to_hex(node.events.as_slice()), "topics": [to_hex(Stored::SIGNATURE_HASH.as_slice())] }),
            ]),
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let mut other_logs: Subscription<Value> = client
        .subscribe(
            "eth_subscribe",
            params(&[
                json!("logs"),
                json!({ "address": to_hex(node.hello.as_slice()) }),
            ]),
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    match heads.kind() {
        jsonrpsee::core::client::SubscriptionKind::Subscription(id) => {
            let id = format!("{id:?}");
            assert!(id.contains("0x"), "hex subscription id: {id}");
        }
        other => panic!("{other:?}"),
    }

    let input = abi(storeCall {
        key: U256::from(9),
        tag: B256::repeat_byte(9),
        note: "ws".into(),
    });
    node.fake
        .submit_raw(&node.native_tx(TxKind::Call(node.events), input.to_vec(), ""))
        .unwrap();
    node.fake.seal();

    let head = next(&mut heads).await;
    assert_eq!(head["number"], json!("0x3"));
    assert_eq!(
        head["hash"],
        json!(to_hex(node.fake.ledger.head_hash().as_slice()))
    );
    assert!(head.get("transactions").is_none());
    let log = next(&mut logs).await;
    assert_eq!(log["address"], json!(to_hex(node.events.as_slice())));
    assert_eq!(
        log["topics"][2],
        json!(to_hex(B256::from(U256::from(9)).as_slice()))
    );
    assert_eq!(log["blockNumber"], json!("0x3"));
    assert_eq!(log["logIndex"], json!("0x0"));

    // The next block: one more head, and nothing for the filter that matches nothing.
    node.fake.seal();
    assert_eq!(next(&mut heads).await["number"], json!("0x4"));
    assert!(
        tokio::time::timeout(Duration::from_millis(300), other_logs.next())
            .await
            .is_err(),
        "no log matches the HelloWorld filter"
    );

    heads.unsubscribe().await.unwrap();
    logs.unsubscribe().await.unwrap();
    // Unknown subscriptions are refused with the ones offered.
    let e = client
        .subscribe::<Value, _>(
            "eth_subscribe",
            params(&[json!("syncing")]),
            "eth_unsubscribe",
        )
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("newHeads") && text.contains("logs"), "{text}");
    let unsubscribed: bool = client
        .request("eth_unsubscribe", params(&[json!("0x1234")]))
        .await
        .unwrap();
    assert!(!unsubscribed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_over_http_is_refused() {
    let node = Node::start().await;
    let response = node.rpc("eth_subscribe", json!(["newHeads"])).await;
    assert!(response.get("error").is_some(), "{response}");
}
