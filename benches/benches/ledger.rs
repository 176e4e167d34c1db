//! Ledger commit bench: one block of 1,000 native transactions with receipts, indexes
//! and 2,000 state writes, committed to RocksDB in one synced batch.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use weft_benches::genesis;
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{BlockCommit, Ledger, StateChanges};
use weft_storage_rocksdb::RocksStorage;
use weft_types::{
    Address, BlockHeader, Bytes, Log, NativeTx, Receipt, Transaction, TransactionStatus, TxKind,
    VerifiedTx, B256, U256,
};

const TXS: usize = 1000;

fn transactions(key: &KeyPair, start: u64) -> Vec<VerifiedTx> {
    (0..TXS as u64)
        .map(|i| {
            let tx = NativeTx {
                chain_id: 20,
                group_id: "group0".into(),
                block_limit: 1000,
                nonce: U256::from(start + i),
                to: TxKind::Call([0x42; 20].into()),
                value: U256::ZERO,
                gas_limit: 100_000,
                input: Bytes::from(vec![0xab; 68]),
                abi: String::new(),
            };
            Transaction::Native(tx.sign(key).expect("sign"))
                .verify(key.suite().suite())
                .expect("verify")
        })
        .collect()
}

/// An ERC20 transfer's outcome: one Transfer log, two balance slots written.
fn block(ledger: &Ledger<RocksStorage>, txs: Vec<VerifiedTx>) -> BlockCommit {
    let receipts = txs
        .iter()
        .map(|_| Receipt {
            status: TransactionStatus::Success,
            gas_used: 51_000,
            output: Bytes::from(vec![0; 32]),
            logs: vec![Log::new_unchecked(
                Address::repeat_byte(0x42),
                vec![B256::repeat_byte(1); 3],
                Bytes::from(vec![0; 32]),
            )],
            contract_address: None,
        })
        .collect();
    let mut state = StateChanges::new();
    for tx in &txs {
        let mut from = tx.sender().to_vec();
        from.extend_from_slice(tx.hash().as_slice());
        state.set(from, vec![1u8; 32]);
        let mut to = b"to".to_vec();
        to.extend_from_slice(tx.hash().as_slice());
        state.set(to, vec![2u8; 32]);
    }
    let number = ledger.block_number() + 1;
    let mut commit = BlockCommit {
        header: BlockHeader {
            number,
            parent_hash: ledger.head_hash(),
            version: weft_ledger::HEADER_VERSION,
            ..Default::default()
        },
        signatures: vec![],
        transactions: txs,
        receipts,
        state,
        config: vec![],
        nodes: None,
    };
    commit.seal_roots(ledger.suite(), &ledger.state_root());
    commit
}

fn commit(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = RocksStorage::open(dir.path(), weft_ledger::tables::ALL).expect("rocksdb");
    let ledger = Ledger::open(store, genesis()).expect("ledger");
    let key = KeyPair::generate(SuiteId::Standard);
    let mut nonce = 0u64;
    let mut group = c.benchmark_group("rocksdb");
    group.throughput(Throughput::Elements(TXS as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("commit_block_1000_txs", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let txs = transactions(&key, nonce);
                nonce += TXS as u64;
                let commit = block(&ledger, txs);
                let started = Instant::now();
                ledger.commit_block(commit).expect("commit");
                spent += started.elapsed();
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, commit);
criterion_main!(benches);
