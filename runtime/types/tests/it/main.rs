//! Integration tests of weft-types: encodings, verification, limits, Merkle roots.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod block;
mod merkle;
mod transaction;

use weft_crypto::{KeyPair, SuiteId};
use weft_types::{Bytes, NativeTx, TxKind, U256};

/// A native transaction with fixed fields and the given nonce.
pub fn native_tx(nonce: u64) -> NativeTx {
    NativeTx {
        chain_id: 20,
        group_id: "group0".into(),
        block_limit: 500,
        nonce: U256::from(nonce),
        to: TxKind::Call([0x11; 20].into()),
        value: U256::ZERO,
        gas_limit: 3_000_000,
        input: Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb, 1, 2, 3]),
        abi: String::new(),
    }
}

/// A fresh key and a native transaction it signed.
pub fn signed(suite: SuiteId, nonce: u64) -> (KeyPair, weft_types::Transaction) {
    let key = KeyPair::generate(suite);
    let tx = native_tx(nonce).sign(&key).expect("sign");
    (key, weft_types::Transaction::Native(tx))
}
