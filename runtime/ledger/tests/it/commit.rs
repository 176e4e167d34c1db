use alloy_primitives::{B256, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{keys, ConsensusNode, LedgerError, NodeList, StateChanges};

use crate::{fresh_ledger, genesis, next_block, on_every_store, tx, Store};

on_every_store!(
    genesis_block_is_written_once,
    blocks_commit_and_read_back,
    state_config_and_nodes_are_versioned_by_height,
    nonce_window_covers_the_last_blocks,
    bad_commits_are_refused_and_change_nothing,
);

fn genesis_block_is_written_once<S: Store>() {
    for suite in [SuiteId::Standard, SuiteId::Sm] {
        let g = genesis(suite, 4);
        let (ledger, _dir) = fresh_ledger::<S>(g.clone());
        assert_eq!(ledger.block_number(), 0);
        assert_eq!(ledger.head_hash(), g.hash());
        let block = ledger.block(0).expect("read").expect("block 0");
        assert_eq!(block.header.hash(suite.suite()), g.hash());
        assert_eq!(
            block.header.extra_data.as_ref(),
            g.canonical_bytes().as_slice()
        );
        assert_eq!(block.header.sealer_list.len(), 4);
        assert_eq!(ledger.node_list(0).expect("nodes"), g.node_list());
        assert_eq!(
            ledger.system_config(keys::TX_COUNT_LIMIT, 0).expect("cfg"),
            Some(("1000".into(), 0))
        );
        assert_eq!(ledger.block_number_of(&g.hash()).expect("index"), Some(0));
        assert_eq!(ledger.total_transaction_count(), 0);
    }
}

fn blocks_commit_and_read_back<S: Store>() {
    let (ledger, _dir) = fresh_ledger::<S>(genesis(SuiteId::Standard, 1));
    let key = KeyPair::generate(SuiteId::Standard);
    let mut all = Vec::new();
    for b in 0..3u64 {
        let txs: Vec<_> = (0..4).map(|i| tx(&key, b * 10 + i)).collect();
        all.push(txs.clone());
        let commit = next_block(&ledger, txs, StateChanges::new());
        let header = commit.header.clone();
        ledger.commit_block(commit).expect("commit");
        assert_eq!(ledger.block_number(), b + 1);
        assert_eq!(ledger.head_hash(), header.hash(ledger.suite()));
    }
    assert_eq!(ledger.total_transaction_count(), 12);
    for (b, txs) in all.iter().enumerate() {
        let number = b as u64 + 1;
        let block = ledger.block(number).expect("read").expect("present");
        assert_eq!(block.transactions.len(), 4);
        let hash = block.header.hash(ledger.suite());
        assert_eq!(
            ledger.block_by_hash(&hash).expect("read"),
            Some(block.clone())
        );
        assert_eq!(ledger.block_hash(number).expect("read"), Some(hash));
        assert_eq!(ledger.block_receipts(number).expect("receipts").len(), 4);
        for (i, t) in txs.iter().enumerate() {
            let (found, location) = ledger
                .transaction(&t.hash())
                .expect("read")
                .expect("present");
            assert_eq!(&found, t);
            assert_eq!(found.sender(), key.address());
            assert_eq!((location.number, location.index), (number, i as u32));
            let (receipt, _) = ledger.receipt(&t.hash()).expect("read").expect("present");
            assert_eq!(receipt, crate::receipt(i as u64));
        }
    }
    assert_eq!(ledger.block(4).expect("read"), None);
    assert_eq!(
        ledger.transaction(&B256::repeat_byte(9)).expect("read"),
        None
    );
}

fn state_config_and_nodes_are_versioned_by_height<S: Store>() {
    let g = genesis(SuiteId::Standard, 2);
    let (ledger, _dir) = fresh_ledger::<S>(g.clone());
    let key = KeyPair::generate(SuiteId::Standard);
    // Block 1: set a and ab (ab has a as a prefix), change tx_count_limit and the nodes.
    let mut state = StateChanges::new();
    state.set(b"a".to_vec(), b"1".to_vec());
    state.set(b"ab".to_vec(), b"x".to_vec());
    let mut commit = next_block(&ledger, vec![tx(&key, 1)], state);
    commit.config = vec![(keys::TX_COUNT_LIMIT.into(), "50".into())];
    let mut nodes = g.node_list();
    nodes.sealers.push(ConsensusNode {
        node_id: KeyPair::generate(SuiteId::Standard).public().0.into(),
        weight: 2,
    });
    commit.nodes = Some(nodes.clone());
    ledger.commit_block(commit).expect("block 1");
    // Block 2: change a, delete ab.
    let mut state = StateChanges::new();
    state.set(b"a".to_vec(), b"2".to_vec());
    state.delete(b"ab".to_vec());
    ledger
        .commit_block(next_block(&ledger, vec![tx(&key, 2)], state))
        .expect("block 2");
    // Block 3: no state change.
    ledger
        .commit_block(next_block(&ledger, vec![tx(&key, 3)], StateChanges::new()))
        .expect("block 3");

    assert_eq!(ledger.state(b"a").expect("read"), Some(b"2".to_vec()));
    assert_eq!(ledger.state(b"ab").expect("read"), None);
    assert_eq!(ledger.state_at(b"a", 0).expect("read"), None);
    assert_eq!(ledger.state_at(b"a", 1).expect("read"), Some(b"1".to_vec()));
    assert_eq!(ledger.state_at(b"a", 2).expect("read"), Some(b"2".to_vec()));
    assert_eq!(ledger.state_at(b"a", 3).expect("read"), Some(b"2".to_vec()));
    assert_eq!(
        ledger.state_at(b"ab", 1).expect("read"),
        Some(b"x".to_vec())
    );
    assert_eq!(ledger.state_at(b"ab", 2).expect("read"), None);
    assert_eq!(ledger.state_at(b"abc", 3).expect("read"), None);

    // Changes made in block 1 take effect from block 2.
    assert_eq!(
        ledger
            .system_config_u64(keys::TX_COUNT_LIMIT, 1)
            .expect("cfg"),
        Some(1000)
    );
    assert_eq!(
        ledger.system_config(keys::TX_COUNT_LIMIT, 2).expect("cfg"),
        Some(("50".into(), 2))
    );
    assert_eq!(
        ledger
            .system_config_u64(keys::TX_COUNT_LIMIT, 3)
            .expect("cfg"),
        Some(50)
    );
    assert_eq!(
        ledger
            .system_config(keys::TX_GAS_LIMIT, 3)
            .expect("cfg")
            .map(|v| v.1),
        Some(0)
    );
    assert_eq!(ledger.system_config("no_such_key", 3).expect("cfg"), None);
    assert_eq!(ledger.node_list(1).expect("nodes"), g.node_list());
    assert_eq!(ledger.node_list(2).expect("nodes"), nodes);
    assert_eq!(ledger.node_list(3).expect("nodes").total_weight(), 4);
}

fn nonce_window_covers_the_last_blocks<S: Store>() {
    let (ledger, _dir) = fresh_ledger::<S>(genesis(SuiteId::Standard, 1));
    let key = KeyPair::generate(SuiteId::Standard);
    assert!(ledger.recent_nonces(10).expect("nonces").is_empty());
    for b in 1..=5u64 {
        let txs = vec![tx(&key, b * 100), tx(&key, b * 100 + 1)];
        ledger
            .commit_block(next_block(&ledger, txs, StateChanges::new()))
            .expect("commit");
    }
    assert_eq!(
        ledger.block_nonces(3).expect("nonces"),
        vec![U256::from(300), U256::from(301)]
    );
    let window = ledger.recent_nonces(2).expect("nonces");
    let expected: std::collections::HashSet<U256> = [400u64, 401, 500, 501]
        .into_iter()
        .map(U256::from)
        .collect();
    assert_eq!(window, expected);
    assert_eq!(ledger.recent_nonces(1000).expect("nonces").len(), 10);
}

fn bad_commits_are_refused_and_change_nothing<S: Store>() {
    let (ledger, _dir) = fresh_ledger::<S>(genesis(SuiteId::Standard, 1));
    let key = KeyPair::generate(SuiteId::Standard);
    let good = next_block(&ledger, vec![tx(&key, 1)], StateChanges::new());

    let mut skip = good.clone();
    skip.header.number = 2;
    assert!(matches!(
        ledger.commit_block(skip),
        Err(LedgerError::NotNext {
            expected: 1,
            got: 2
        })
    ));

    let mut orphan = good.clone();
    orphan.header.parent_hash = B256::repeat_byte(7);
    let err = ledger.commit_block(orphan).unwrap_err();
    assert!(matches!(err, LedgerError::ParentMismatch { .. }), "{err}");

    let mut extra_tx = good.clone();
    extra_tx.transactions.push(tx(&key, 2));
    assert!(matches!(
        ledger.commit_block(extra_tx),
        Err(LedgerError::ReceiptCount {
            txs: 2,
            receipts: 1,
            ..
        })
    ));

    let mut forged_receipt = good.clone();
    forged_receipt.receipts[0].gas_used += 1;
    assert!(matches!(
        ledger.commit_block(forged_receipt),
        Err(LedgerError::RootMismatch {
            which: "receipts",
            ..
        })
    ));

    let mut swapped_tx = good.clone();
    swapped_tx.transactions[0] = tx(&key, 99);
    assert!(matches!(
        ledger.commit_block(swapped_tx),
        Err(LedgerError::RootMismatch {
            which: "transactions",
            ..
        })
    ));

    let mut extra_state = good.clone();
    extra_state.state.set(b"k".to_vec(), b"v".to_vec());
    let err = ledger.commit_block(extra_state).unwrap_err();
    assert!(matches!(
        err,
        LedgerError::RootMismatch { which: "state", .. }
    ));
    assert!(err.to_string().contains("state root"), "{err}");

    assert_eq!(ledger.block_number(), 0);
    assert_eq!(ledger.total_transaction_count(), 0);
    assert_eq!(ledger.state(b"k").expect("read"), None);
    ledger
        .commit_block(good)
        .expect("the good block still commits");
    assert_eq!(ledger.block_number(), 1);
}

#[test]
fn rocksdb_ledger_survives_reopen_and_refuses_another_genesis() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = genesis(SuiteId::Sm, 4);
    let key = KeyPair::generate(SuiteId::Sm);
    let open = |g| {
        let store = weft_storage_rocksdb::RocksStorage::open(dir.path(), weft_ledger::tables::ALL)
            .expect("rocks");
        weft_ledger::Ledger::open(store, g)
    };
    let (hash, tx_hash) = {
        let ledger = open(g.clone()).expect("open");
        let t = tx(&key, 1);
        let mut state = StateChanges::new();
        state.set(b"k".to_vec(), b"v".to_vec());
        ledger
            .commit_block(next_block(&ledger, vec![t.clone()], state))
            .expect("commit");
        (ledger.head_hash(), t.hash())
    };
    let ledger = open(g.clone()).expect("reopen");
    assert_eq!(ledger.block_number(), 1);
    assert_eq!(ledger.head_hash(), hash);
    assert_eq!(ledger.total_transaction_count(), 1);
    assert_eq!(
        ledger
            .transaction(&tx_hash)
            .expect("read")
            .map(|(t, _)| t.sender()),
        Some(key.address())
    );
    assert_eq!(ledger.state(b"k").expect("read"), Some(b"v".to_vec()));
    drop(ledger);

    let mut other = g;
    other.chain_id += 1;
    let err = open(other).err().expect("another genesis must be refused");
    assert!(matches!(err, LedgerError::GenesisMismatch { .. }), "{err}");
    assert!(err.to_string().contains("genesis file"), "{err}");
}

#[test]
fn node_list_reports_sealer_indexes() {
    let g = genesis(SuiteId::Standard, 3);
    let nodes: NodeList = g.node_list();
    assert_eq!(nodes.sealer_index(&g.sealers[2].node_id), Some(2));
    assert_eq!(nodes.total_weight(), 3);
}
