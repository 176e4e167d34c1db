//! ERC20 transfers through Weft's executor against plain revm, measured in one run.
//!
//! - `weft_memory`: `Executor::execute_block` on 1,000 pre-verified transfers over an
//!   in-memory ledger (execution and the block's state change set, no commit).
//! - `revm_plain`: the same 1,000 transfers through revm alone, `transact_commit` on its
//!   own in-memory `CacheDB`.
//! - `weft_rocksdb_commit`: blocks of 1,000 transfers executed, sealed and committed to a
//!   RocksDB ledger (synced write), one block per iteration.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alloy_sol_types::{sol, SolCall, SolValue};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};
use weft_crypto::{KeyPair, SuiteId};
use weft_executor::Executor;
use weft_ledger::{Genesis, Ledger};
use weft_storage::memory::MemoryStorage;
use weft_storage::Storage;
use weft_storage_rocksdb::RocksStorage;
use weft_types::{Address, Bytes, NativeTx, Transaction, TxKind, VerifiedTx, U256};

const BLOCK: usize = 1000;

sol! {
    function transfer(address to, uint256 amount) returns (bool);
}

fn erc20_creation() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/solidity/artifacts/0.8.37/ERC20Token.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("artifact")).expect("json");
    let mut code =
        alloy_primitives::hex::decode(json["bytecode"].as_str().expect("bytecode")).expect("hex");
    code.extend_from_slice(&("Bench".to_string(), "B".to_string(), U256::MAX).abi_encode_params());
    code
}

fn genesis() -> Genesis {
    Genesis::new(
        20,
        "group0",
        SuiteId::Standard,
        &[KeyPair::generate(SuiteId::Standard).public().0.into()],
    )
}

fn recipient(i: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[12..].copy_from_slice(&(i + 1).to_be_bytes());
    Address::from(bytes)
}

fn transfer_input(i: u64) -> Vec<u8> {
    transferCall {
        to: recipient(i),
        amount: U256::from(1),
    }
    .abi_encode()
}

struct WeftChain<S: Storage> {
    ledger: Ledger<S>,
    executor: Executor,
    key: KeyPair,
    token: Address,
    nonce: u64,
}

impl<S: Storage> WeftChain<S> {
    fn new(store: S) -> Self {
        let ledger = Ledger::open(store, genesis()).expect("ledger");
        let executor = Executor::new(20);
        let key = KeyPair::generate(SuiteId::Standard);
        let mut chain = WeftChain {
            ledger,
            executor,
            key,
            token: Address::ZERO,
            nonce: 0,
        };
        let deploy = chain.tx(TxKind::Create, erc20_creation());
        chain.commit(vec![deploy]);
        chain.token = chain.key.address().create(0);
        chain
    }

    fn tx(&mut self, to: TxKind, input: Vec<u8>) -> VerifiedTx {
        self.nonce += 1;
        let tx = NativeTx {
            chain_id: 20,
            group_id: "group0".into(),
            block_limit: 1000,
            nonce: U256::from(self.nonce),
            to,
            value: U256::ZERO,
            gas_limit: 5_000_000,
            input: input.into(),
            abi: String::new(),
        };
        Transaction::Native(tx.sign(&self.key).expect("sign"))
            .verify(self.ledger.suite())
            .expect("verify")
    }

    fn transfers(&mut self, start: u64) -> Vec<VerifiedTx> {
        (start..start + BLOCK as u64)
            .map(|i| self.tx(TxKind::Call(self.token), transfer_input(i)))
            .collect()
    }

    fn commit(&self, txs: Vec<VerifiedTx>) {
        let ctx = self
            .executor
            .next_block_context(&self.ledger, 0, Address::ZERO)
            .expect("ctx");
        let commit = self
            .executor
            .build_block(&self.ledger, &ctx, 0, txs)
            .expect("execute");
        assert!(commit.receipts.iter().all(|r| r.status.is_success()));
        self.ledger.commit_block(commit).expect("commit");
    }
}

fn erc20(c: &mut Criterion) {
    let mut group = c.benchmark_group("erc20_transfer");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.sample_size(20);

    // Weft, in memory: execution of one block, not committed (so every iteration sees the
    // same state).
    let mut weft = WeftChain::new(MemoryStorage::new(weft_ledger::tables::ALL));
    let block = weft.transfers(0);
    let ctx = weft
        .executor
        .next_block_context(&weft.ledger, 0, Address::ZERO)
        .expect("ctx");
    group.bench_function("weft_memory_1000", |b| {
        b.iter(|| {
            let outcome = weft
                .executor
                .execute_block(&weft.ledger, &ctx, &block)
                .expect("execute");
            assert!(outcome.receipts[BLOCK - 1].status.is_success());
            outcome
        })
    });

    // Plain revm on its own in-memory database, same bytecode and calls.
    let sender = weft.key.address();
    let mut db = CacheDB::new(EmptyDB::default());
    let mut evm = Context::mainnet()
        .with_db(&mut db)
        .modify_cfg_chained(|cfg| {
            cfg.spec = SpecId::OSAKA;
            cfg.chain_id = 20;
            cfg.disable_nonce_check = true;
        })
        .build_mainnet();
    let deploy = TxEnv {
        caller: sender,
        gas_limit: 5_000_000,
        kind: TxKind::Create,
        data: erc20_creation().into(),
        chain_id: Some(20),
        ..Default::default()
    };
    assert!(evm.transact_commit(deploy).expect("deploy").is_success());
    let token = sender.create(0);
    let envs: Vec<TxEnv> = (0..BLOCK as u64)
        .map(|i| TxEnv {
            caller: sender,
            gas_limit: 5_000_000,
            kind: TxKind::Call(token),
            data: Bytes::from(transfer_input(i)),
            chain_id: Some(20),
            nonce: 1,
            ..Default::default()
        })
        .collect();
    group.bench_function("revm_plain_1000", |b| {
        b.iter(|| {
            for env in &envs {
                let result = evm.transact_commit(env.clone()).expect("transfer");
                assert!(result.is_success());
            }
        })
    });
    drop(evm);

    // Weft on RocksDB, execute + seal + commit, a new block each iteration.
    let dir = tempfile::tempdir().expect("tmp");
    let mut rocks =
        WeftChain::new(RocksStorage::open(dir.path(), weft_ledger::tables::ALL).expect("rocksdb"));
    let mut next = 0u64;
    group.bench_function("weft_rocksdb_commit_1000", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let txs = rocks.transfers(next);
                next += BLOCK as u64;
                let started = Instant::now();
                rocks.commit(txs);
                spent += started.elapsed();
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, erc20);
criterion_main!(benches);
