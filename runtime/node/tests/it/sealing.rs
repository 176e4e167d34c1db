//! The single-node commit path: pool → sealer → executor → ledger → pool cleared.

use std::time::Duration;

use alloy_primitives::{Address, Bytes, TxKind, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{Genesis, GenesisSealer, SystemConfig};
use weft_node::{Node, NodeConfig, NodeError};
use weft_rpc::ChainApi;
use weft_txpool::TxPoolConfig;
use weft_types::{NativeTx, Transaction};

use crate::eth_transfer;

fn genesis(sealers: &[&KeyPair]) -> Genesis {
    Genesis {
        chain_id: 20,
        group_id: "group0".into(),
        crypto_suite: sealers[0].suite(),
        timestamp: 0,
        sealers: sealers
            .iter()
            .map(|k| GenesisSealer {
                node_id: k.public().0.into(),
                weight: 1,
            })
            .collect(),
        observers: vec![],
        admins: vec![],
        config: SystemConfig::default(),
        plugins: vec![],
    }
}

fn open(dir: &std::path::Path, genesis: Genesis, key: KeyPair) -> Result<Node, NodeError> {
    Node::open(NodeConfig {
        data_dir: dir.to_path_buf(),
        genesis,
        node_key: key,
        min_seal_time: Duration::from_millis(10),
        pool: TxPoolConfig::default(),
        plugin_dir: dir.join("plugins"),
    })
}

fn native(key: &KeyPair, nonce: u64, block_limit: u64) -> Vec<u8> {
    let tx = NativeTx {
        chain_id: 20,
        group_id: "group0".into(),
        block_limit,
        nonce: U256::from(nonce),
        to: TxKind::Call(Address::repeat_byte(7)),
        value: U256::ZERO,
        gas_limit: 100_000,
        input: Bytes::new(),
        abi: String::new(),
    };
    Transaction::Native(tx.sign(key).unwrap()).encode()
}

#[test]
fn pending_transactions_become_a_block_and_leave_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let node_key = KeyPair::generate(SuiteId::Standard);
    let node = open(dir.path(), genesis(&[&node_key]), node_key).unwrap();
    let mut blocks = node.subscribe_blocks();
    assert_eq!(node.seal_once().unwrap(), None, "no empty blocks");

    let user = KeyPair::generate(SuiteId::Standard);
    let hashes = vec![
        node.submit(&native(&user, 1, 100)).unwrap(),
        node.submit(&eth_transfer(&user, 0, Address::repeat_byte(1)))
            .unwrap(),
        node.submit(&eth_transfer(&user, 1, Address::repeat_byte(1)))
            .unwrap(),
    ];
    assert_eq!(node.pending_count(), 3);
    assert_eq!(node.seal_once().unwrap(), Some(1));
    assert_eq!(node.pending_count(), 0);
    let block = node.block(1).unwrap().unwrap();
    assert_eq!(block.transactions.len(), 3);
    assert_eq!(block.signatures.len(), 1, "the sealer signed the block");
    for hash in &hashes {
        let (receipt, _) = node.receipt(hash).unwrap().unwrap();
        assert!(receipt.status.is_success(), "{receipt:?}");
    }
    let event = blocks.try_recv().expect("a committed-block event");
    assert_eq!(event.tx_hashes, hashes);
    assert_eq!(node.pending_nonce(&user.address()), 2);
}

#[test]
fn a_restarted_node_remembers_committed_transactions_and_nonces() {
    let dir = tempfile::tempdir().unwrap();
    let node_key = KeyPair::generate(SuiteId::Sm);
    let g = genesis(&[&node_key]);
    let user = KeyPair::generate(SuiteId::Sm);
    let committed = native(&user, 42, 100);
    {
        let node = open(dir.path(), g.clone(), node_key.clone()).unwrap();
        node.submit(&committed).unwrap();
        assert_eq!(node.seal_once().unwrap(), Some(1));
    }
    let node = open(dir.path(), g, node_key).unwrap();
    assert_eq!(node.block_number(), 1);
    let replay = node.submit(&committed).unwrap_err();
    assert_eq!(replay.code(), 10005, "{replay}");
    // Same nonce, other content: caught by the nonce window loaded from the ledger.
    let same_nonce = native(&user, 42, 99);
    let err = node.submit(&same_nonce).unwrap_err();
    assert_eq!(err.code(), 10000, "{err}");
    node.submit(&native(&user, 43, 100)).unwrap();
    assert_eq!(node.seal_once().unwrap(), Some(2));
}

#[test]
fn the_sealer_thread_seals_after_min_seal_time() {
    let dir = tempfile::tempdir().unwrap();
    let node_key = KeyPair::generate(SuiteId::Standard);
    let node = open(dir.path(), genesis(&[&node_key]), node_key).unwrap();
    let sealer = node.spawn_sealer();
    let user = KeyPair::generate(SuiteId::Standard);
    let hash = node.submit(&native(&user, 1, 100)).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while node.receipt(&hash).unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "not sealed");
        std::thread::sleep(Duration::from_millis(5));
    }
    node.stop();
    sealer.join().unwrap();
}

#[test]
fn nodes_that_cannot_seal_alone_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let a = KeyPair::generate(SuiteId::Standard);
    let b = KeyPair::generate(SuiteId::Standard);
    // A chain of two sealers opens (PBFT makes its blocks), but the solo sealer refuses it.
    let node = open(dir.path(), genesis(&[&a, &b]), a.clone()).unwrap();
    let err = node.seal_once().err().unwrap();
    assert!(
        matches!(err, NodeError::MultipleSealers { count: 2 }),
        "{err}"
    );
    // A node that is not the sealer opens (as an observer does) but does not seal.
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path(), genesis(&[&a]), b).unwrap();
    let err = node.seal_once().err().unwrap();
    assert!(matches!(err, NodeError::NotASealer { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = open(dir.path(), genesis(&[&a]), KeyPair::generate(SuiteId::Sm))
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("sm key but the chain uses the standard suite"),
        "{err}"
    );
}
