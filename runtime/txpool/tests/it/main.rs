//! Integration tests of weft-txpool: admission rules and their codes, ordering, sealing,
//! commits, expiry, bounds, batches, Ethereum nonces, and random input.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod admission;
mod batch;
mod eth;
mod fuzz;
mod lifecycle;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use alloy_consensus::{SignableTransaction, Signed, TxEip1559, TxEip2930, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::Signature;
use parking_lot::Mutex;
use weft_crypto::{CryptoSuite, KeyPair, SuiteId};
use weft_txpool::{ChainView, TxPool, TxPoolConfig};
use weft_types::{
    Address, Bytes, DecodeLimits, NativeTx, Transaction, TxKind, VerifiedTx, B256, U256,
};

/// The fake chain's id.
pub const CHAIN_ID: u64 = 20;
/// The fake chain's group.
pub const GROUP: &str = "group0";
/// The fake chain's height at the start of each test.
pub const HEIGHT: u64 = 100;
/// The fake chain's block_limit window at the start of each test.
pub const WINDOW: u64 = 1000;

/// Both crypto suites.
pub const SUITES: [SuiteId; 2] = [SuiteId::Standard, SuiteId::Sm];

/// An in-memory chain: settable height, window, committed hashes and nonces, account
/// nonces.
pub struct FakeChain {
    suite: SuiteId,
    state: Mutex<ChainState>,
}

#[derive(Default)]
struct ChainState {
    height: u64,
    window: u64,
    nonces: HashSet<U256>,
    hashes: HashSet<B256>,
    accounts: HashMap<Address, u64>,
}

impl FakeChain {
    /// A chain at `HEIGHT` with window `WINDOW` and nothing committed.
    pub fn new(suite: SuiteId) -> Self {
        FakeChain {
            suite,
            state: Mutex::new(ChainState {
                height: HEIGHT,
                window: WINDOW,
                ..ChainState::default()
            }),
        }
    }

    /// Move the latest committed block.
    pub fn set_height(&self, height: u64) {
        self.state.lock().height = height;
    }

    /// Change the block_limit window.
    pub fn set_window(&self, window: u64) {
        self.state.lock().window = window;
    }

    /// Set an account's nonce in the latest state.
    pub fn set_account_nonce(&self, address: Address, nonce: u64) {
        self.state.lock().accounts.insert(address, nonce);
    }

    /// A native nonce used by a committed transaction this pool never saw.
    pub fn add_window_nonce(&self, nonce: U256) {
        self.state.lock().nonces.insert(nonce);
    }

    /// A committed transaction this pool never saw.
    pub fn add_committed_hash(&self, hash: B256) {
        self.state.lock().hashes.insert(hash);
    }

    /// Commit a block of `txs`: height + 1, their hashes and native nonces recorded,
    /// Ethereum senders' account nonces advanced.
    pub fn commit(&self, txs: &[VerifiedTx]) {
        let mut state = self.state.lock();
        state.height += 1;
        for tx in txs {
            state.hashes.insert(tx.hash());
            match tx.tx() {
                Transaction::Native(signed) => {
                    state.nonces.insert(signed.tx.nonce);
                }
                Transaction::Ethereum(eth) => {
                    let next = eth.nonce() + 1;
                    let account = state.accounts.entry(tx.sender()).or_default();
                    *account = (*account).max(next);
                }
            }
        }
    }
}

impl ChainView for FakeChain {
    fn chain_id(&self) -> u64 {
        CHAIN_ID
    }
    fn group_id(&self) -> &str {
        GROUP
    }
    fn suite(&self) -> &'static dyn CryptoSuite {
        self.suite.suite()
    }
    fn height(&self) -> u64 {
        self.state.lock().height
    }
    fn block_limit_window(&self) -> u64 {
        self.state.lock().window
    }
    fn nonce_in_window(&self, nonce: &U256) -> bool {
        self.state.lock().nonces.contains(nonce)
    }
    fn tx_in_chain(&self, hash: &B256) -> bool {
        self.state.lock().hashes.contains(hash)
    }
    fn account_nonce(&self, address: &Address) -> u64 {
        self.state
            .lock()
            .accounts
            .get(address)
            .copied()
            .unwrap_or(0)
    }
}

/// A pool with the default configuration.
pub fn pool() -> TxPool {
    TxPool::new(TxPoolConfig::default())
}

/// A pool with a changed configuration.
pub fn pool_with(f: impl FnOnce(&mut TxPoolConfig)) -> TxPool {
    let mut config = TxPoolConfig::default();
    f(&mut config);
    TxPool::new(config)
}

/// The current instant.
pub fn now() -> Instant {
    Instant::now()
}

/// A native transaction for the fake chain with the given nonce, valid at `HEIGHT`.
pub fn native_fields(nonce: u64) -> NativeTx {
    NativeTx {
        chain_id: CHAIN_ID,
        group_id: GROUP.into(),
        block_limit: HEIGHT + 500,
        nonce: U256::from(nonce),
        to: TxKind::Call([0x11; 20].into()),
        value: U256::ZERO,
        gas_limit: 3_000_000,
        input: Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb, 1, 2, 3]),
        abi: String::new(),
    }
}

/// Encode a signed native transaction.
pub fn encode_native(tx: NativeTx, key: &KeyPair) -> Vec<u8> {
    Transaction::Native(tx.sign(key).unwrap()).encode()
}

/// A signed native transaction's bytes.
pub fn native(key: &KeyPair, nonce: u64) -> Vec<u8> {
    encode_native(native_fields(nonce), key)
}

/// A signed native transaction's bytes with changed fields.
pub fn native_with(key: &KeyPair, nonce: u64, f: impl FnOnce(&mut NativeTx)) -> Vec<u8> {
    let mut tx = native_fields(nonce);
    f(&mut tx);
    encode_native(tx, key)
}

/// A native transaction whose signature does not verify in `suite`.
pub fn bad_signature_native(suite: SuiteId, nonce: u64) -> Vec<u8> {
    let key = KeyPair::generate(suite);
    let mut signed = native_fields(nonce).sign(&key).unwrap();
    let mut sig = signed.signature.to_vec();
    match suite {
        // An invalid recovery id.
        SuiteId::Standard => sig[64] = 7,
        // r changed: SM2 verification against the carried key fails.
        SuiteId::Sm => sig[5] ^= 1,
    }
    signed.signature = sig.into();
    Transaction::Native(signed).encode()
}

fn sign_eth<T: SignableTransaction<Signature>>(tx: T, key: &KeyPair) -> Signed<T> {
    let hash = tx.signature_hash();
    let raw = key.sign(&hash).unwrap();
    let sig = Signature::from_bytes_and_parity(&raw[..64], raw[64] == 1);
    tx.into_signed(sig)
}

/// An Ethereum key (secp256k1 whatever the chain's suite).
pub fn eth_key() -> KeyPair {
    KeyPair::generate(SuiteId::Standard)
}

/// A signed EIP-1559 transaction's bytes.
pub fn eth(key: &KeyPair, chain_id: u64, nonce: u64) -> Vec<u8> {
    eth_value(key, chain_id, nonce, 5)
}

/// A signed EIP-1559 transaction's bytes with a chosen value (to vary the hash).
pub fn eth_value(key: &KeyPair, chain_id: u64, nonce: u64, value: u64) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 50_000,
        max_fee_per_gas: 0,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call([0xaa; 20].into()),
        value: U256::from(value),
        access_list: Default::default(),
        input: vec![1, 2, 3].into(),
    };
    TxEnvelope::from(sign_eth(tx, key)).encoded_2718()
}

/// A signed legacy transaction's bytes, with or without an EIP-155 chain id.
pub fn eth_legacy(key: &KeyPair, chain_id: Option<u64>, nonce: u64) -> Vec<u8> {
    let tx = TxLegacy {
        chain_id,
        nonce,
        gas_price: 0,
        gas_limit: 21_000,
        to: TxKind::Call([0xbb; 20].into()),
        value: U256::from(1),
        input: Default::default(),
    };
    TxEnvelope::from(sign_eth(tx, key)).encoded_2718()
}

/// A signed EIP-2930 transaction's bytes.
pub fn eth_2930(key: &KeyPair, chain_id: u64, nonce: u64) -> Vec<u8> {
    let tx = TxEip2930 {
        chain_id,
        nonce,
        gas_price: 0,
        gas_limit: 60_000,
        to: TxKind::Create,
        value: U256::ZERO,
        access_list: Default::default(),
        input: vec![0x60, 0x00].into(),
    };
    TxEnvelope::from(sign_eth(tx, key)).encoded_2718()
}

/// A transaction's hash on the chain (decoding with default limits).
pub fn hash_of(raw: &[u8], suite: SuiteId) -> B256 {
    Transaction::decode(raw, &DecodeLimits::DEFAULT)
        .unwrap()
        .hash(suite.suite())
}

/// The hashes of a list of transactions.
pub fn hashes(txs: &[VerifiedTx]) -> Vec<B256> {
    txs.iter().map(VerifiedTx::hash).collect()
}

#[test]
fn the_pool_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TxPool>();
    check::<weft_txpool::TxRejection>();
}
