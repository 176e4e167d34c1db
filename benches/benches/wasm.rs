//! WASM against the EVM, measured side by side in one run (issue: Execution II).
//!
//! - `compute/*`: the Rust `compute` contract and its Solidity twin `Compute.sol` on the
//!   same work (sort 10,000 integers; 100,000 LCG steps; 1,000 chained Keccak hashes),
//!   through `Executor::call` (the `eth_call` path: a fresh overlay, no commit).
//! - `trivial_call/*`: `count()` of the Rust counter (`callee`) and of Solidity's `Counter`
//!   — one storage read — through `Executor::call`.
//! - `instantiate_cached`: `Engine::execute` of a cached module whose `call` does nothing,
//!   with a host that does nothing: instantiation + entry + exit.
//! - `erc20_transfer/*`: `Executor::execute_block` of 1,000 transfers on the Rust ERC20 and
//!   on the Solidity ERC20 (same ABI), in memory, not committed.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use alloy_sol_types::{sol, SolCall, SolValue};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use weft_benches::{solidity, BenchChain};
use weft_executor::CallRequest;
use weft_storage::memory::MemoryStorage;
use weft_types::{Address, Bytes, TxKind, VerifiedTx, U256};
use weft_wasm::{
    CallKind, CallResult, CreateResult, Engine, EngineConfig, Entry, Host, HostError, Status,
};

const BLOCK: usize = 1000;

sol! {
    function sortDescending(uint256 n) returns (uint256);
    function keccakChain(uint256 n) returns (bytes32);
    function lcg(uint256 n, uint64 seed) returns (uint64);
    function count() returns (uint256);
    function increment() returns (uint256);
    function transfer(address to, uint256 amount) returns (bool);
}

/// The Rust contracts, built once by `contracts/wasm/build.sh`.
fn wasm(name: &str) -> Vec<u8> {
    weft_tests::wasm_contract(name)
}

type Chain = BenchChain<MemoryStorage>;

fn chain() -> Chain {
    BenchChain::new(MemoryStorage::new(weft_ledger::tables::ALL))
}

/// An `eth_call` of `data` to `to`, with ample gas.
fn request(chain: &Chain, to: Address, data: &[u8]) -> CallRequest {
    CallRequest {
        from: chain.key.address(),
        to: TxKind::Call(to),
        data: Bytes::copy_from_slice(data),
        gas: Some(1_000_000_000),
        ..Default::default()
    }
}

/// Runs `request`; its output and gas (it must succeed).
fn call(chain: &Chain, request: &CallRequest) -> (Bytes, u64) {
    let out = chain
        .executor
        .call(&chain.ledger, request, None)
        .expect("call");
    assert!(out.status.is_success(), "{out:?}");
    (out.output, out.gas_used)
}

fn compute(c: &mut Criterion) {
    let mut chain = chain();
    let rust = chain.deploy(wasm("compute"));
    let sol = chain.deploy(solidity("Compute"));
    let work: [(&str, Vec<u8>); 3] = [
        (
            "sort_10000",
            sortDescendingCall {
                n: U256::from(10_000),
            }
            .abi_encode(),
        ),
        (
            "lcg_100000",
            lcgCall {
                n: U256::from(100_000),
                seed: 7,
            }
            .abi_encode(),
        ),
        (
            "keccak_1000",
            keccakChainCall {
                n: U256::from(1_000),
            }
            .abi_encode(),
        ),
    ];
    let mut group = c.benchmark_group("compute");
    group.sample_size(10);
    for (name, data) in work {
        let (rust_req, sol_req) = (request(&chain, rust, &data), request(&chain, sol, &data));
        let (rust_out, rust_gas) = call(&chain, &rust_req);
        let (sol_out, sol_gas) = call(&chain, &sol_req);
        assert_eq!(rust_out, sol_out, "{name}: the twins disagree");
        eprintln!("gas {name}: wasm {rust_gas}, evm {sol_gas}");
        group.bench_function(format!("{name}/wasm"), |b| {
            b.iter(|| call(&chain, &rust_req))
        });
        group.bench_function(format!("{name}/evm"), |b| b.iter(|| call(&chain, &sol_req)));
    }
    group.finish();
}

fn trivial_call(c: &mut Criterion) {
    let mut chain = chain();
    let rust = chain.deploy(wasm("callee"));
    let sol = chain.deploy(solidity("Counter"));
    let data = countCall {}.abi_encode();
    let (rust_req, sol_req) = (request(&chain, rust, &data), request(&chain, sol, &data));
    let mut group = c.benchmark_group("trivial_call");
    group.bench_function("wasm", |b| b.iter(|| call(&chain, &rust_req)));
    group.bench_function("evm", |b| b.iter(|| call(&chain, &sol_req)));
    group.finish();
}

/// A host that answers nothing: the module under test calls no host function.
struct NullHost;

impl Host for NullHost {
    fn input(&self) -> &[u8] {
        &[]
    }
    fn storage_load(&mut self, _: [u8; 32]) -> Result<([u8; 32], u64), HostError> {
        Ok(([0; 32], 0))
    }
    fn storage_store(&mut self, _: [u8; 32], _: [u8; 32]) -> Result<u64, HostError> {
        Ok(0)
    }
    fn emit_log(&mut self, _: &[[u8; 32]], _: &[u8]) -> Result<(), HostError> {
        Ok(())
    }
    fn caller(&self) -> [u8; 20] {
        [0; 20]
    }
    fn origin(&self) -> [u8; 20] {
        [0; 20]
    }
    fn address(&self) -> [u8; 20] {
        [0; 20]
    }
    fn call_value(&self) -> [u8; 32] {
        [0; 32]
    }
    fn block_number(&self) -> u64 {
        0
    }
    fn block_timestamp(&self) -> u64 {
        0
    }
    fn chain_id(&self) -> u64 {
        0
    }
    fn is_static(&self) -> bool {
        false
    }
    fn call_cost(&mut self, _: CallKind, _: [u8; 20], _: [u8; 32]) -> Result<u64, HostError> {
        Ok(0)
    }
    fn call(
        &mut self,
        _: CallKind,
        _: [u8; 20],
        _: [u8; 32],
        _: &[u8],
        _: u64,
    ) -> Result<CallResult, HostError> {
        Err(HostError::Fatal("no calls".into()))
    }
    fn create(
        &mut self,
        _: &[u8],
        _: [u8; 32],
        _: Option<[u8; 32]>,
        _: u64,
    ) -> Result<CreateResult, HostError> {
        Err(HostError::Fatal("no creates".into()))
    }
    fn keccak256(&self, _: &[u8]) -> [u8; 32] {
        [0; 32]
    }
    fn chain_hash(&self, _: &[u8]) -> [u8; 32] {
        [0; 32]
    }
}

fn instantiate_cached(c: &mut Criterion) {
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    let module = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call")))"#,
    )
    .expect("wat");
    let hash = *alloy_primitives::keccak256(&module);
    let run = || {
        let outcome = engine
            .execute(hash, &module, Entry::Call, &mut NullHost, 1_000_000)
            .expect("execute");
        assert!(matches!(outcome.status, Status::Return(_)));
    };
    run();
    let compiled = engine.compilations();
    c.bench_function("instantiate_cached", |b| b.iter(run));
    assert_eq!(
        engine.compilations(),
        compiled,
        "a cached module compiled again"
    );
}

fn erc20(c: &mut Criterion) {
    let mut group = c.benchmark_group("erc20_transfer");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.sample_size(10);
    let args = ("Bench".to_string(), "B".to_string(), U256::MAX).abi_encode_params();
    for (name, mut code) in [
        ("wasm", wasm("erc20")),
        ("solidity", solidity("ERC20Token")),
    ] {
        let mut chain = chain();
        code.extend_from_slice(&args);
        let token = chain.deploy(code);
        let block: Vec<VerifiedTx> = (0..BLOCK as u64)
            .map(|i| {
                let mut to = [0u8; 20];
                to[12..].copy_from_slice(&(i + 1).to_be_bytes());
                let data = transferCall {
                    to: Address::from(to),
                    amount: U256::from(1),
                }
                .abi_encode();
                chain.tx(TxKind::Call(token), data, 5_000_000)
            })
            .collect();
        let ctx = chain
            .executor
            .next_block_context(&chain.ledger, 0, Address::ZERO)
            .expect("ctx");
        group.bench_function(format!("{name}_1000"), |b| {
            b.iter(|| {
                let outcome = chain
                    .executor
                    .execute_block(&chain.ledger, &ctx, &block)
                    .expect("execute");
                assert!(outcome.receipts[BLOCK - 1].status.is_success());
                outcome
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compute, trivial_call, instantiate_cached, erc20);
criterion_main!(benches);
