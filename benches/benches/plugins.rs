//! Precompile plugins: the cost of the C boundary against a built-in doing the same work,
//! and the group and ring signature schemes the signature plugins run.
//!
//! `cargo bench -p weft-benches --bench plugins` (plugins are built with `--release`).

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use alloy_primitives::Address;
use alloy_sol_types::{sol, SolCall};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use weft_tests::PluginChain;
use weft_types::TransactionStatus;

sol! {
    function hash(bytes data) external pure returns (bytes32);
    function keccak256Hash(bytes data) external view returns (bytes32);

    struct Entry { string key; string[] fields; }
    struct TableInfo { uint8 keyOrder; string keyColumn; string[] valueColumns; }
    interface TableManager {
        function createTable(string path, TableInfo tableInfo) external returns (int32);
        function openTable(string path) external view returns (address);
    }
    interface Table {
        function select(string key) external view returns (Entry);
        function insert(Entry entry) external returns (int32);
    }
}

/// Rows inserted per block in the CRUD bench.
const ROWS_PER_BLOCK: usize = 500;

/// CRUD: blocks of `insert` transactions sent straight to a table (one row each, every
/// transaction signed and executed, the block committed to an in-memory ledger), and
/// `select(key)` calls.
fn crud(c: &mut Criterion) {
    use alloy_primitives::TxKind;
    let mut chain = PluginChain::builder().plugin("weft-plugin-crud").build();
    let user = chain.new_account();
    let manager = weft_plugin_abi::addr(0x1002);
    let create = TableManager::createTableCall {
        path: "t_bench".into(),
        tableInfo: TableInfo {
            keyOrder: 0,
            keyColumn: "id".into(),
            valueColumns: vec!["name".into(), "age".into()],
        },
    };
    let receipt = chain.send(&user, TxKind::Call(manager), create.abi_encode());
    assert!(receipt.status.is_success(), "{receipt:?}");
    let out = chain.call(
        Address::ZERO,
        manager,
        TableManager::openTableCall {
            path: "t_bench".into(),
        }
        .abi_encode(),
    );
    let table = TableManager::openTableCall::abi_decode_returns(&out.output).expect("address");
    let mut next = 0u64;
    let chain = std::cell::RefCell::new(chain);
    let mut group = c.benchmark_group("crud");
    group.throughput(criterion::Throughput::Elements(ROWS_PER_BLOCK as u64));
    group.sample_size(10);
    group.bench_function("insert_block_500", |b| {
        b.iter_batched(
            || {
                (0..ROWS_PER_BLOCK)
                    .map(|_| {
                        next += 1;
                        let insert = Table::insertCall {
                            entry: Entry {
                                key: format!("k{next:08}"),
                                fields: vec![format!("name {next}"), (next % 100).to_string()],
                            },
                        };
                        chain
                            .borrow_mut()
                            .tx(&user, TxKind::Call(table), insert.abi_encode())
                    })
                    .collect::<Vec<_>>()
            },
            |txs| {
                let receipts = chain.borrow_mut().block(txs);
                assert!(receipts.iter().all(|r| r.status.is_success()));
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
    let chain = chain.into_inner();
    let select = Table::selectCall {
        key: "k00000042".into(),
    }
    .abi_encode();
    let out = chain.call(Address::ZERO, table, select.clone());
    let entry = Table::selectCall::abi_decode_returns(&out.output).expect("entry");
    assert_eq!(entry.fields[0], "name 42");
    let mut group = c.benchmark_group("crud");
    group.throughput(criterion::Throughput::Elements(1));
    group.bench_function("select_by_key", |b| {
        b.iter(|| chain.call(Address::ZERO, table, select.clone()))
    });
    group.finish();
}

/// A call to the template plugin's `hash` against the built-in Crypto `keccak256Hash`: the
/// same Keccak-256 of 32 bytes, one through the plugin ABI, one compiled in.
fn plugin_vs_builtin(c: &mut Criterion) {
    let chain = PluginChain::builder()
        .plugin("weft-plugin-template")
        .build();
    let data = vec![7u8; 32];
    let plugin_input = hashCall {
        data: data.clone().into(),
    }
    .abi_encode();
    let builtin_input = keccak256HashCall { data: data.into() }.abi_encode();
    let plugin = weft_plugin_abi::addr(0x5200);
    let first = chain.call(Address::ZERO, plugin, plugin_input.clone());
    let second = chain.call(
        Address::ZERO,
        weft_precompiles::CRYPTO,
        builtin_input.clone(),
    );
    assert_eq!(first.status, TransactionStatus::Success);
    assert_eq!(first.output, second.output, "both compute the same hash");
    let mut group = c.benchmark_group("precompile_call");
    group.bench_function("plugin_keccak32", |b| {
        b.iter(|| chain.call(Address::ZERO, plugin, plugin_input.clone()))
    });
    group.bench_function("builtin_keccak32", |b| {
        b.iter(|| {
            chain.call(
                Address::ZERO,
                weft_precompiles::CRYPTO,
                builtin_input.clone(),
            )
        })
    });
    group.finish();
}

fn signatures(c: &mut Criterion) {
    use weft_sig_schemes::{bbs04, lsag};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let group = bbs04::keygen(&mut rng);
    let member = bbs04::issue(&group.public, &group.issuing, &mut rng);
    let message = b"a message to the chain";
    let sig = bbs04::sign(&group.public, &member, message, &mut rng);
    let (sig_text, gpk_text) = (sig.encode(), group.public.encode());
    assert_eq!(
        weft_sig_schemes::group_sig_verify(&sig_text, message, &gpk_text, bbs04::PARAM_INFO),
        Ok(true)
    );
    let keys: Vec<_> = (0..16).map(|_| lsag::keygen(&mut rng)).collect();
    let ring = lsag::Ring::new(keys.iter().map(|(_, p)| *p).collect()).expect("ring");
    let ring_sig = lsag::sign(message, &ring, &keys[5].0, 5, &mut rng).expect("sign");
    let (ring_sig_text, ring_text) = (ring_sig.encode(), ring.encode());
    assert_eq!(
        weft_sig_schemes::ring_sig_verify(&ring_sig_text, message, &ring_text),
        Ok(true)
    );
    let mut g = c.benchmark_group("signatures");
    g.bench_function("group_sig_verify", |b| {
        b.iter(|| {
            weft_sig_schemes::group_sig_verify(&sig_text, message, &gpk_text, bbs04::PARAM_INFO)
        })
    });
    g.bench_function("ring_sig_verify_16", |b| {
        b.iter(|| weft_sig_schemes::ring_sig_verify(&ring_sig_text, message, &ring_text))
    });
    g.finish();
}

criterion_group!(benches, plugin_vs_builtin, crud, signatures);
criterion_main!(benches);
