//! ERC20 transfers through Weft's executor against plain revm, measured in one run.
//!
//! - `weft_memory`: `Executor::execute_block` on 1,000 pre-verified transfers over an
//!   in-memory ledger (execution and the block's state change set, no commit).
//! - `revm_plain`: the same 1,000 transfers through revm alone, `transact_commit` on its
//!   own in-memory `CacheDB`.
//! - `weft_rocksdb_commit`: blocks of 1,000 transfers executed, sealed and committed to a
//!   RocksDB ledger (synced write), one block per iteration.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use std::time::{Duration, Instant};

use alloy_sol_types::{sol, SolCall, SolValue};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};
use weft_benches::{solidity, BenchChain};
use weft_storage::memory::MemoryStorage;
use weft_storage::Storage;
use weft_storage_rocksdb::RocksStorage;
use weft_types::{Address, Bytes, TxKind, VerifiedTx, U256};

const BLOCK: usize = 1000;

sol! {
    function transfer(address to, uint256 amount) returns (bool);
}

fn erc20_creation() -> Vec<u8> {
    let mut code = solidity("ERC20Token");
    code.extend_from_slice(&("Bench".to_string(), "B".to_string(), U256::MAX).abi_encode_params());
    code
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

/// A chain holding the ERC20 token, sending transfers from the token's holder.
struct WeftChain<S: Storage> {
    chain: BenchChain<S>,
    token: Address,
}

impl<S: Storage> WeftChain<S> {
    fn new(store: S) -> Self {
        let mut chain = BenchChain::new(store);
        let token = chain.deploy(erc20_creation());
        WeftChain { chain, token }
    }

    fn transfers(&mut self, start: u64) -> Vec<VerifiedTx> {
        (start..start + BLOCK as u64)
            .map(|i| {
                self.chain
                    .tx(TxKind::Call(self.token), transfer_input(i), 5_000_000)
            })
            .collect()
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
    let chain = &weft.chain;
    let ctx = chain
        .executor
        .next_block_context(&chain.ledger, 0, Address::ZERO)
        .expect("ctx");
    group.bench_function("weft_memory_1000", |b| {
        b.iter(|| {
            let outcome = chain
                .executor
                .execute_block(&chain.ledger, &ctx, &block)
                .expect("execute");
            assert!(outcome.receipts[BLOCK - 1].status.is_success());
            outcome
        })
    });

    // Plain revm on its own in-memory database, same bytecode and calls.
    let sender = weft.chain.key.address();
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
                rocks.chain.commit(txs);
                spent += started.elapsed();
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, erc20);
criterion_main!(benches);
