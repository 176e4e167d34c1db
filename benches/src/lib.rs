//! Criterion benches of Weft live in `benches/` of this crate; this library holds what
//! they share: a chain driven through the executor, and the contracts they run.

use std::path::PathBuf;

use weft_crypto::{KeyPair, SuiteId};
use weft_executor::Executor;
use weft_ledger::{Genesis, Ledger};
use weft_storage::Storage;
use weft_types::{Address, NativeTx, Transaction, TxKind, VerifiedTx, U256};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The creation code of a Solidity contract compiled by solc 0.8.37
/// (`contracts/solidity/artifacts`).
pub fn solidity(name: &str) -> Vec<u8> {
    let path = root().join(format!("contracts/solidity/artifacts/0.8.37/{name}.json"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("artifact")).expect("json");
    alloy_primitives::hex::decode(json["bytecode"].as_str().expect("bytecode")).expect("hex")
}

/// A genesis for chain 20 on the standard suite with one (throw-away) sealer.
pub fn genesis() -> Genesis {
    Genesis::new(
        20,
        "group0",
        SuiteId::Standard,
        &[KeyPair::generate(SuiteId::Standard).public().0.into()],
    )
}

/// A chain driven directly through the executor and the ledger, with one signing key.
pub struct BenchChain<S: Storage> {
    /// The ledger.
    pub ledger: Ledger<S>,
    /// The executor.
    pub executor: Executor,
    /// The key every transaction is signed with.
    pub key: KeyPair,
    nonce: u64,
}

impl<S: Storage> BenchChain<S> {
    /// A chain on `store` from [`genesis`].
    pub fn new(store: S) -> Self {
        BenchChain {
            ledger: Ledger::open(store, genesis()).expect("ledger"),
            executor: Executor::new(20),
            key: KeyPair::generate(SuiteId::Standard),
            nonce: 0,
        }
    }

    /// A signed, verified native transaction.
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
        Transaction::Native(tx.sign(&self.key).expect("sign"))
            .verify(self.ledger.suite())
            .expect("verify")
    }

    /// Executes `txs` as the next block, seals and commits it; every one must succeed.
    pub fn commit(&mut self, txs: Vec<VerifiedTx>) {
        let ctx = self
            .executor
            .next_block_context(&self.ledger, 0, Address::ZERO)
            .expect("ctx");
        let commit = self
            .executor
            .build_block(&self.ledger, &ctx, 0, txs)
            .expect("execute");
        assert!(
            commit.receipts.iter().all(|r| r.status.is_success()),
            "{:?}",
            commit.receipts
        );
        self.ledger.commit_block(commit).expect("commit");
    }

    /// Deploys `code` (init code or a WASM payload) in a block of its own; its address.
    pub fn deploy(&mut self, code: Vec<u8>) -> Address {
        // Native transactions bump the account nonce only when they create.
        let nonce = self
            .executor
            .account(&self.ledger, &self.key.address(), None)
            .expect("account")
            .nonce;
        let tx = self.tx(TxKind::Create, code, 50_000_000);
        self.commit(vec![tx]);
        self.key.address().create(nonce)
    }
}
