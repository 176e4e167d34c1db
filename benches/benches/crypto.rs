//! Crypto-suite and transaction-encoding benches.
//!
//! Per suite: sign, verify, recover (the SM suite's `recover` is a verify against the key
//! carried in the signature), the hash of a 200-byte message, and encode + hash of a
//! native transaction of about 200 bytes.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use weft_crypto::{KeyPair, SuiteId};
use weft_types::{Bytes, NativeTx, Transaction, TxKind, U256};

fn transaction(key: &KeyPair) -> Transaction {
    let tx = NativeTx {
        chain_id: 20,
        group_id: "group0".into(),
        block_limit: 1000,
        nonce: U256::from(0x1234_5678_9abc_def0u64),
        to: TxKind::Call([0x42; 20].into()),
        value: U256::ZERO,
        gas_limit: 100_000,
        // An ERC20 transfer's call data: selector, address, amount.
        input: Bytes::from(vec![0xab; 68]),
        abi: String::new(),
    };
    Transaction::Native(tx.sign(key).expect("sign"))
}

fn suites(c: &mut Criterion) {
    for id in [SuiteId::Standard, SuiteId::Sm] {
        let suite = id.suite();
        let key = KeyPair::generate(id);
        let hash = suite.hash(b"weft bench message");
        let sig = key.sign(&hash).expect("sign");
        let mut group = c.benchmark_group(format!("{id}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("sign", |b| {
            b.iter(|| key.sign(black_box(&hash)).expect("sign"))
        });
        group.bench_function("verify", |b| {
            b.iter(|| {
                suite
                    .verify(key.public(), black_box(&hash), black_box(&sig))
                    .expect("verify")
            })
        });
        group.bench_function("recover", |b| {
            b.iter(|| {
                suite
                    .recover(black_box(&hash), black_box(&sig))
                    .expect("recover")
            })
        });
        let message = [0x5au8; 200];
        group.bench_function("hash_200_bytes", |b| {
            b.iter(|| suite.hash(black_box(&message)))
        });
        let tx = transaction(&key);
        let encoded_len = tx.encode().len();
        group.bench_function(format!("encode_and_hash_tx_{encoded_len}_bytes"), |b| {
            b.iter(|| {
                let bytes = black_box(&tx).encode();
                (bytes.len(), black_box(&tx).hash(suite))
            })
        });
        group.bench_function("decode_and_verify_tx", |b| {
            let bytes = tx.encode();
            b.iter(|| {
                Transaction::decode(black_box(&bytes), &weft_types::DecodeLimits::DEFAULT)
                    .expect("decode")
                    .verify(suite)
                    .expect("verify")
            })
        });
        group.finish();
    }
}

criterion_group!(benches, suites);
criterion_main!(benches);
