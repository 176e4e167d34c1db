//! Integration tests of the ledger, run on the in-memory store and on RocksDB.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod commit;
mod genesis;

use alloy_primitives::{Address, Bytes, Log, TxKind, B256, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{BlockCommit, Genesis, GenesisSealer, Ledger, StateChanges, SystemConfig};
use weft_storage::memory::MemoryStorage;
use weft_storage::Storage;
use weft_storage_rocksdb::RocksStorage;
use weft_types::{BlockHeader, NativeTx, Receipt, Transaction, TransactionStatus, VerifiedTx};

/// A genesis with `sealers` fresh sealer keys.
pub fn genesis(suite: SuiteId, sealers: usize) -> Genesis {
    Genesis {
        chain_id: 20,
        group_id: "group0".into(),
        crypto_suite: suite,
        timestamp: 1_700_000_000_000,
        sealers: (0..sealers)
            .map(|_| GenesisSealer {
                node_id: KeyPair::generate(suite).public().0.into(),
                weight: 1,
            })
            .collect(),
        observers: vec![],
        admins: vec![Address::repeat_byte(0xad)],
        config: SystemConfig::default(),
        plugins: vec![],
    }
}

/// A native transaction from `key`, verified.
pub fn tx(key: &KeyPair, nonce: u64) -> VerifiedTx {
    let native = NativeTx {
        chain_id: 20,
        group_id: "group0".into(),
        block_limit: 100,
        nonce: U256::from(nonce),
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::ZERO,
        gas_limit: 100_000,
        input: Bytes::from(nonce.to_be_bytes().to_vec()),
        abi: String::new(),
    };
    Transaction::Native(native.sign(key).expect("sign"))
        .verify(key.suite().suite())
        .expect("verify")
}

/// A successful receipt with one log.
pub fn receipt(i: u64) -> Receipt {
    Receipt {
        status: TransactionStatus::Success,
        gas_used: 21_000 + i,
        output: Bytes::new(),
        logs: vec![Log::new_unchecked(
            Address::repeat_byte(0x42),
            vec![B256::with_last_byte(i as u8)],
            Bytes::new(),
        )],
        contract_address: None,
    }
}

/// The next block on `ledger` with `txs`, `state` and correct roots.
pub fn next_block<S: Storage>(
    ledger: &Ledger<S>,
    txs: Vec<VerifiedTx>,
    state: StateChanges,
) -> BlockCommit {
    let number = ledger.block_number() + 1;
    let receipts = (0..txs.len() as u64).map(receipt).collect();
    let mut commit = BlockCommit {
        header: BlockHeader {
            version: weft_ledger::HEADER_VERSION,
            number,
            parent_hash: ledger.head_hash(),
            timestamp: 1_700_000_000_000 + number,
            gas_used: 21_000,
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

/// A store kind the ledger tests run on.
pub trait Store: Storage + Sized {
    /// A fresh, empty store, and the temp dir that must outlive it.
    fn fresh() -> (Self, Option<tempfile::TempDir>);
}

impl Store for MemoryStorage {
    fn fresh() -> (Self, Option<tempfile::TempDir>) {
        (MemoryStorage::new(weft_ledger::tables::ALL), None)
    }
}

impl Store for RocksStorage {
    fn fresh() -> (Self, Option<tempfile::TempDir>) {
        let dir = tempfile::tempdir().expect("tmp dir");
        let store = RocksStorage::open(dir.path(), weft_ledger::tables::ALL).expect("open rocksdb");
        (store, Some(dir))
    }
}

/// A ledger on a fresh store of kind `S`.
pub fn fresh_ledger<S: Store>(genesis: Genesis) -> (Ledger<S>, Option<tempfile::TempDir>) {
    let (store, dir) = S::fresh();
    (Ledger::open(store, genesis).expect("open ledger"), dir)
}

/// Run each generic test body once per store kind, as separate tests.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $( #[test] fn $name() { super::$name::<weft_storage::memory::MemoryStorage>() } )*
        }
        mod rocksdb {
            $( #[test] fn $name() { super::$name::<weft_storage_rocksdb::RocksStorage>() } )*
        }
    };
}
