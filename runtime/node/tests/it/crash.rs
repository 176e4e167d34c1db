//! Nothing lost on a crash: load runs against `weft dev`, the process is SIGKILLed, and
//! after a restart every transaction whose receipt was returned is still there with the
//! same receipt, the height never went backwards, and new transactions are accepted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use weft_crypto::{load_secret_key, KeyPair, SuiteId};

use crate::{eth_transfer, rpc, DevNode};

fn wait_receipt(node: &DevNode, hash: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let receipt = rpc(
            node.addr,
            "eth_getTransactionReceipt",
            serde_json::json!([hash]),
        )
        .expect("rpc");
        if !receipt.is_null() {
            return receipt;
        }
        assert!(Instant::now() < deadline, "no receipt for {hash}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn receipts_survive_sigkill_and_the_chain_continues() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path());
    let key = KeyPair::from_secret(
        SuiteId::Standard,
        load_secret_key(&dir.path().join("dev.key")).unwrap(),
    )
    .unwrap();
    let to = alloy_primitives::Address::repeat_byte(0x42);
    let mut confirmed: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut nonce = 0u64;
    // Rounds of 20 transactions in flight, each round confirmed before the next.
    for _ in 0..5 {
        let hashes: Vec<String> = (0..20)
            .map(|_| {
                let raw = eth_transfer(&key, nonce, to);
                nonce += 1;
                let hash = rpc(
                    node.addr,
                    "eth_sendRawTransaction",
                    serde_json::json!([format!("0x{}", hex::encode(raw))]),
                )
                .expect("accepted");
                hash.as_str().unwrap().to_string()
            })
            .collect();
        for hash in hashes {
            let receipt = wait_receipt(&node, &hash);
            confirmed.insert(hash, receipt);
        }
    }
    // More in flight when the kill lands: these may or may not survive.
    for _ in 0..20 {
        let raw = eth_transfer(&key, nonce, to);
        nonce += 1;
        let _ = rpc(
            node.addr,
            "eth_sendRawTransaction",
            serde_json::json!([format!("0x{}", hex::encode(raw))]),
        );
    }
    let height_before = u64::from_str_radix(
        rpc(node.addr, "eth_blockNumber", serde_json::json!([]))
            .unwrap()
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    node.kill();

    let node = DevNode::start(dir.path());
    let height_after = u64::from_str_radix(
        rpc(node.addr, "eth_blockNumber", serde_json::json!([]))
            .unwrap()
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    assert!(
        height_after >= height_before,
        "height went back from {height_before} to {height_after}"
    );
    for (hash, receipt) in &confirmed {
        let again = rpc(
            node.addr,
            "eth_getTransactionReceipt",
            serde_json::json!([hash]),
        )
        .unwrap();
        assert_eq!(
            &again, receipt,
            "receipt of {hash} changed across the crash"
        );
    }
    // The chain accepts new work: the next nonce is whatever the chain says.
    let next = rpc(
        node.addr,
        "eth_getTransactionCount",
        serde_json::json!([format!("{}", key.address()), "latest"]),
    )
    .unwrap();
    let next = u64::from_str_radix(next.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(
        next >= 100,
        "at least the confirmed transactions count: {next}"
    );
    let raw = eth_transfer(&key, next, to);
    let hash = rpc(
        node.addr,
        "eth_sendRawTransaction",
        serde_json::json!([format!("0x{}", hex::encode(raw))]),
    )
    .unwrap();
    let receipt = wait_receipt(&node, hash.as_str().unwrap());
    assert_eq!(receipt["status"], "0x1");
}
