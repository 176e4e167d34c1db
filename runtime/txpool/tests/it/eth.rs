//! Ethereum transactions: per-sender sequential nonces, no gaps, no replacement.

use weft_txpool::TxRejection;

use crate::*;

#[test]
fn nonces_run_in_sequence_without_gaps_or_replacement() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let ek = eth_key();
        let me = ek.address();
        assert_eq!(pool.pending_nonce(&me, &chain), 0);
        let h: Vec<_> = (0..3)
            .map(|n| pool.submit(&eth(&ek, CHAIN_ID, n), &chain, now()).unwrap())
            .collect();
        assert_eq!(pool.pending_nonce(&me, &chain), 3);

        let err = pool
            .submit(&eth(&ek, CHAIN_ID, 4), &chain, now())
            .unwrap_err();
        assert_eq!(
            err,
            TxRejection::NonceTooHigh {
                expected: 3,
                got: 4
            }
        );
        assert_eq!(err.code(), 10000);
        assert_eq!(
            err.to_string(),
            "nonce too high: got 4, but the sender's next nonce is 3; the pool keeps no gaps, so send the transaction with nonce 3 first and the following nonces in order"
        );
        // A replacement for a pending nonce is refused.
        let err = pool
            .submit(&eth_value(&ek, CHAIN_ID, 1, 77), &chain, now())
            .unwrap_err();
        assert_eq!(
            err,
            TxRejection::NonceTooLow {
                expected: 3,
                got: 1
            }
        );
        assert_eq!(err.code(), 10000);
        assert!(
            err.to_string()
                .starts_with("nonce too low: got 1, but the sender's next nonce is 3"),
            "{err}"
        );
        // The very same transaction again is a duplicate.
        assert_eq!(
            pool.submit(&eth(&ek, CHAIN_ID, 1), &chain, now())
                .unwrap_err()
                .code(),
            10004
        );

        // Commit 0 and 1.
        let block = pool.take_for_block(2, &chain);
        assert_eq!(hashes(&block), h[..2]);
        chain.commit(&block);
        pool.remove_committed(&hashes(&block), &chain);
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.pending_nonce(&me, &chain), 3);
        // A replay of a committed one is 10005; a new one with a committed nonce too low.
        assert_eq!(
            pool.submit(&eth(&ek, CHAIN_ID, 0), &chain, now())
                .unwrap_err()
                .code(),
            10005
        );
        assert_eq!(
            pool.submit(&eth_value(&ek, CHAIN_ID, 0, 1), &chain, now())
                .unwrap_err(),
            TxRejection::NonceTooLow {
                expected: 3,
                got: 0
            }
        );
        pool.submit(&eth(&ek, CHAIN_ID, 3), &chain, now()).unwrap();
        assert_eq!(pool.pending_nonce(&me, &chain), 4);

        let block = pool.take_for_block(10, &chain);
        chain.commit(&block);
        pool.remove_committed(&hashes(&block), &chain);
        assert!(pool.is_empty());
        assert_eq!(pool.pending_nonce(&me, &chain), 4);
        // Another sender is independent.
        assert_eq!(pool.pending_nonce(&eth_key().address(), &chain), 0);
    }
}

#[test]
fn the_account_nonce_comes_from_the_chain() {
    let chain = FakeChain::new(weft_crypto::SuiteId::Sm);
    let pool = pool();
    let ek = eth_key();
    chain.set_account_nonce(ek.address(), 5);
    assert_eq!(
        pool.submit(&eth(&ek, CHAIN_ID, 0), &chain, now())
            .unwrap_err(),
        TxRejection::NonceTooLow {
            expected: 5,
            got: 0
        }
    );
    assert_eq!(
        pool.submit(&eth(&ek, CHAIN_ID, 6), &chain, now())
            .unwrap_err(),
        TxRejection::NonceTooHigh {
            expected: 5,
            got: 6
        }
    );
    pool.submit(&eth_legacy(&ek, Some(CHAIN_ID), 5), &chain, now())
        .unwrap();
    pool.submit(&eth_2930(&ek, CHAIN_ID, 6), &chain, now())
        .unwrap();
    assert_eq!(pool.pending_nonce(&ek.address(), &chain), 7);
    // The chain moved past the pool (a block from another node): the next nonce follows
    // the chain, not the stale pending count.
    chain.set_account_nonce(ek.address(), 9);
    assert_eq!(pool.pending_nonce(&ek.address(), &chain), 9);
    pool.submit(&eth(&ek, CHAIN_ID, 9), &chain, now()).unwrap();
    // And the stale ones are dropped when a block is taken.
    assert_eq!(pool.take_for_block(10, &chain).len(), 1);
    assert_eq!(pool.len(), 1);
}

#[test]
fn a_nonce_of_u64_max_is_never_admitted() {
    let chain = FakeChain::new(weft_crypto::SuiteId::Standard);
    let pool = pool();
    let ek = eth_key();
    chain.set_account_nonce(ek.address(), u64::MAX);
    let err = pool
        .submit(&eth(&ek, CHAIN_ID, u64::MAX), &chain, now())
        .unwrap_err();
    assert_eq!(err.code(), 10000, "{err}");
    assert!(pool.is_empty());
}
