//! Integration tests of the executor: real `solc` output (0.8.11 and the newest 0.8.x)
//! deployed and called through transactions on a ledger.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod contracts;
mod cross_vm;
mod determinism;
mod failures;
mod wasm;

use std::path::PathBuf;

use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_executor::{CallOutcome, CallRequest, Executor};
use weft_ledger::{Genesis, Ledger};
use weft_storage::memory::MemoryStorage;
use weft_storage::Storage;
use weft_types::{NativeTx, Receipt, Transaction, VerifiedTx};

/// The compilers whose artifacts every contract test runs on.
pub const COMPILERS: [&str; 2] = ["0.8.11", "0.8.37"];

/// Creation bytecode of `contract` compiled by `compiler`.
pub fn bytecode(compiler: &str, contract: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/solidity/artifacts")
        .join(compiler)
        .join(format!("{contract}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("artifact JSON");
    let hex = json["bytecode"].as_str().expect("bytecode field");
    alloy_primitives::hex::decode(hex).expect("bytecode hex")
}

/// A genesis for a one-sealer chain.
pub fn genesis(suite: SuiteId) -> Genesis {
    let mut genesis = Genesis::new(
        20,
        "group0",
        suite,
        &[KeyPair::generate(suite).public().0.into()],
    );
    genesis.timestamp = 1_700_000_000_000;
    genesis
}

/// A chain under test: a ledger, an executor, a funded-free user key, and a nonce counter.
pub struct Chain<S: Storage> {
    /// The ledger.
    pub ledger: Ledger<S>,
    /// The executor.
    pub executor: Executor,
    /// The user's key.
    pub key: KeyPair,
    nonce: u64,
}

impl Default for Chain<MemoryStorage> {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain<MemoryStorage> {
    /// A fresh in-memory chain on the standard suite.
    pub fn new() -> Self {
        Self::on(
            MemoryStorage::new(weft_ledger::tables::ALL),
            genesis(SuiteId::Standard),
            KeyPair::generate(SuiteId::Standard),
        )
    }
}

impl<S: Storage> Chain<S> {
    /// A chain on `store`.
    pub fn on(store: S, genesis: Genesis, key: KeyPair) -> Self {
        let executor = Executor::new(genesis.chain_id);
        Chain {
            ledger: Ledger::open(store, genesis).expect("open ledger"),
            executor,
            key,
            nonce: 0,
        }
    }

    /// A signed native transaction from the user.
    pub fn tx(&mut self, to: TxKind, input: Vec<u8>, gas_limit: u64) -> VerifiedTx {
        self.nonce += 1;
        let tx = NativeTx {
            chain_id: 20,
            group_id: "group0".into(),
            block_limit: self.ledger.block_number() + 100,
            nonce: U256::from(self.nonce),
            to,
            value: U256::ZERO,
            gas_limit,
            input: input.into(),
            abi: String::new(),
        };
        let suite = self.ledger.suite();
        Transaction::Native(tx.sign(&self.key).expect("sign"))
            .verify(suite)
            .expect("verify")
    }

    /// Execute `txs` as the next block and commit it; the receipts.
    pub fn block(&mut self, txs: Vec<VerifiedTx>) -> Vec<Receipt> {
        let ctx = self
            .executor
            .next_block_context(
                &self.ledger,
                1_700_000_000_000 + self.ledger.block_number() * 1000,
                Address::ZERO,
            )
            .expect("context");
        let commit = self
            .executor
            .build_block(&self.ledger, &ctx, 0, txs)
            .expect("execute");
        let receipts = commit.receipts.clone();
        self.ledger.commit_block(commit).expect("commit");
        receipts
    }

    /// One transaction in its own block; its receipt.
    pub fn send(&mut self, to: TxKind, input: Vec<u8>) -> Receipt {
        let tx = self.tx(to, input, 5_000_000);
        self.block(vec![tx]).remove(0)
    }

    /// Deploy `code ‖ args`; the new contract's address.
    pub fn deploy(&mut self, code: Vec<u8>, args: &[u8]) -> Address {
        let mut input = code;
        input.extend_from_slice(args);
        let receipt = self.send(TxKind::Create, input);
        assert!(receipt.status.is_success(), "deploy failed: {receipt:?}");
        receipt.contract_address.expect("contract address")
    }

    /// A read-only call from the user at the latest block.
    pub fn call(&self, to: Address, data: Vec<u8>) -> CallOutcome {
        self.call_at(to, data, None)
    }

    /// A read-only call at block `at`.
    pub fn call_at(&self, to: Address, data: Vec<u8>, at: Option<u64>) -> CallOutcome {
        let request = CallRequest {
            from: self.key.address(),
            to: TxKind::Call(to),
            data: Bytes::from(data),
            ..Default::default()
        };
        self.executor
            .call(&self.ledger, &request, at)
            .expect("call")
    }

    /// Every state entry of the latest state.
    pub fn full_state(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.ledger.state_with_prefix(&[]).expect("state")
    }
}

/// An address as a log topic (left-padded to 32 bytes).
pub fn topic(address: Address) -> B256 {
    address.into_word()
}
