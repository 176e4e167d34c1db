//! submit_batch: parallel checks, admission in input order, the results of one-by-one.

use weft_crypto::{KeyPair, SuiteId};
use weft_txpool::{TxPool, TxRejection};
use weft_types::U256;

use crate::*;

/// A mixed list: valid ones of both forms, duplicates within the list, a reused nonce,
/// bad signatures, another chain, garbage, Ethereum nonces in order, with a gap, replayed
/// and replaced, an expired block_limit, one already committed.
fn mixed(suite: SuiteId, chain: &FakeChain) -> Vec<Vec<u8>> {
    let key = KeyPair::generate(suite);
    let ek = eth_key();
    let committed = native(&key, 500);
    chain.add_committed_hash(hash_of(&committed, suite));
    chain.add_window_nonce(U256::from(501));
    vec![
        native(&key, 1),
        eth(&ek, CHAIN_ID, 0),
        native(&key, 1),
        native_with(&key, 1, |tx| tx.gas_limit = 5),
        bad_signature_native(suite, 2),
        native(&key, 3),
        native_with(&key, 4, |tx| tx.chain_id = 7),
        vec![0x57, 0xc0],
        eth(&ek, CHAIN_ID, 1),
        eth(&ek, CHAIN_ID, 3),
        eth(&ek, CHAIN_ID, 2),
        eth(&ek, CHAIN_ID, 1),
        eth_value(&ek, CHAIN_ID, 1, 99),
        eth(&ek, CHAIN_ID, 3),
        native_with(&key, 5, |tx| tx.block_limit = HEIGHT),
        committed,
        native(&key, 501),
        bad_signature_native(suite, 6),
        eth_legacy(&ek, None, 4),
        eth_legacy(&ek, Some(CHAIN_ID), 4),
        native(&key, 7),
    ]
}

fn one_by_one(
    pool: &TxPool,
    raws: &[Vec<u8>],
    chain: &FakeChain,
) -> Vec<Result<weft_types::B256, TxRejection>> {
    raws.iter()
        .map(|raw| pool.submit(raw, chain, now()))
        .collect()
}

#[test]
fn a_batch_gets_the_results_of_one_by_one_submission() {
    for suite in SUITES {
        for max_txs in [usize::MAX, 4] {
            let chain = FakeChain::new(suite);
            let raws = mixed(suite, &chain);
            let batched = pool_with(|c| c.max_txs = max_txs);
            let single = pool_with(|c| c.max_txs = max_txs);
            let got = batched.submit_batch(&raws, &chain, now());
            let want = one_by_one(&single, &raws, &chain);
            assert_eq!(got.len(), raws.len());
            assert_eq!(got, want, "{suite}, max_txs {max_txs}");
            assert_eq!(
                hashes(&batched.take_for_block(100, &chain)),
                hashes(&single.take_for_block(100, &chain))
            );
            assert_eq!(batched.bytes(), single.bytes());
            assert_eq!(batched.admitted_total(), single.admitted_total());
            if max_txs == usize::MAX {
                let codes: Vec<Option<u32>> = got
                    .iter()
                    .map(|r| r.as_ref().err().map(TxRejection::code))
                    .collect();
                assert_eq!(
                    codes,
                    vec![
                        None,
                        None,
                        Some(10004),
                        Some(10000),
                        Some(10008),
                        None,
                        Some(10006),
                        Some(10003),
                        None,
                        Some(10000),
                        None,
                        Some(10004),
                        Some(10000),
                        None,
                        Some(10001),
                        Some(10005),
                        Some(10000),
                        Some(10008),
                        Some(10006),
                        None,
                        None,
                    ]
                );
            } else {
                assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 4);
                assert!(got
                    .iter()
                    .any(|r| matches!(r, Err(TxRejection::TxPoolIsFull { max_txs: 4 }))));
            }
        }
    }
}

#[test]
fn a_bad_signature_in_the_middle_affects_nothing_else() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let mut raws: Vec<Vec<u8>> = (0..9).map(|i| native(&key, i)).collect();
        raws[4] = bad_signature_native(suite, 4);
        let results = pool.submit_batch(&raws, &chain, now());
        for (i, (result, raw)) in results.iter().zip(&raws).enumerate() {
            if i == 4 {
                let err = result.as_ref().unwrap_err();
                assert_eq!(err.code(), 10008, "{err}");
            } else {
                assert_eq!(result.as_ref().unwrap(), &hash_of(raw, suite));
            }
        }
        assert_eq!(pool.len(), 8);
        // The nonce of the refused one was not taken.
        pool.submit(&native(&key, 4), &chain, now()).unwrap();
    }
}

#[test]
fn a_large_batch_keeps_input_order() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let ek = eth_key();
        let raws: Vec<Vec<u8>> = (0..120u64)
            .map(|i| {
                if i % 3 == 0 {
                    eth(&ek, CHAIN_ID, i / 3)
                } else {
                    native(&key, i)
                }
            })
            .collect();
        let results = pool.submit_batch(&raws, &chain, now());
        let admitted: Vec<_> = results.into_iter().map(Result::unwrap).collect();
        let expected: Vec<_> = raws.iter().map(|r| hash_of(r, suite)).collect();
        assert_eq!(admitted, expected);
        assert_eq!(hashes(&pool.take_for_block(1000, &chain)), expected);
        assert_eq!(pool.pending_nonce(&ek.address(), &chain), 40);
    }
}

#[test]
fn an_empty_batch_is_empty() {
    let chain = FakeChain::new(SuiteId::Standard);
    assert!(pool().submit_batch(&[], &chain, now()).is_empty());
}
