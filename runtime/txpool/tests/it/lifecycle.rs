//! Pending → sealing → committed or released; expiry; what take_for_block drops.

use std::time::Duration;

use weft_crypto::{KeyPair, SuiteId};
use weft_types::U256;

use crate::*;

#[test]
fn take_for_block_returns_admission_order_across_forms() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let ek = eth_key();
        let order = vec![
            pool.submit(&native(&key, 30), &chain, now()).unwrap(),
            pool.submit(&eth(&ek, CHAIN_ID, 0), &chain, now()).unwrap(),
            pool.submit(&native(&key, 10), &chain, now()).unwrap(),
            pool.submit(&eth(&ek, CHAIN_ID, 1), &chain, now()).unwrap(),
            pool.submit(&native(&key, 20), &chain, now()).unwrap(),
        ];
        assert_eq!(hashes(&pool.take_for_block(100, &chain)), order);
        // All sealing: nothing more to hand out, but still in the pool.
        assert!(pool.take_for_block(100, &chain).is_empty());
        assert_eq!(pool.len(), 5);
        assert_eq!(pool.pending_len(), 0);
        assert_eq!(pool.sealing_len(), 5);
        assert!(order.iter().all(|h| pool.contains(h)));
        assert!(pool.take_for_block(0, &chain).is_empty());
        // Debug output summarises rather than listing every transaction.
        let debug = format!("{pool:?}");
        assert!(debug.contains("pending: 0, sealing: 5"), "{debug}");
    }
}

#[test]
fn sealing_transactions_are_not_handed_out_twice_and_release_restores_their_order() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool();
    let key = KeyPair::generate(SuiteId::Standard);
    let h: Vec<_> = (0..6)
        .map(|i| pool.submit(&native(&key, i), &chain, now()).unwrap())
        .collect();
    assert_eq!(hashes(&pool.take_for_block(2, &chain)), h[0..2]);
    assert_eq!(hashes(&pool.take_for_block(2, &chain)), h[2..4]);
    let late = pool.submit(&native(&key, 99), &chain, now()).unwrap();
    // The first block failed: everything sealing goes back in front, in order.
    pool.release_sealing();
    assert_eq!(pool.sealing_len(), 0);
    let mut expected = h.clone();
    expected.push(late);
    assert_eq!(hashes(&pool.take_for_block(100, &chain)), expected);
    pool.release_sealing();
    pool.release_sealing(); // twice is harmless
    assert_eq!(hashes(&pool.take_for_block(3, &chain)), expected[..3]);
    assert_eq!(pool.len(), 7);
}

#[test]
fn committed_transactions_leave_the_pool_and_a_failed_block_leaves_them_in() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let h: Vec<_> = (0..4)
            .map(|i| pool.submit(&native(&key, i), &chain, now()).unwrap())
            .collect();
        let bytes = pool.bytes();
        let block = pool.take_for_block(2, &chain);
        chain.commit(&block);
        pool.remove_committed(&hashes(&block), &chain);
        assert_eq!(pool.len(), 2);
        assert!(!pool.contains(&h[0]) && !pool.contains(&h[1]));
        assert!(pool.get(&h[0]).is_none());
        assert!(pool.bytes() < bytes);
        // A block that fails leaves its transactions in the pool.
        let block = pool.take_for_block(10, &chain);
        assert_eq!(hashes(&block), h[2..]);
        pool.release_sealing();
        assert_eq!(hashes(&pool.take_for_block(10, &chain)), h[2..]);
        chain.commit(&block);
        pool.remove_committed(&hashes(&block), &chain);
        assert!(pool.is_empty());
        assert_eq!(pool.bytes(), 0);
        assert_eq!(pool.oldest_pending(), None);
        // Removing again, or unknown hashes, is harmless.
        pool.remove_committed(&h, &chain);
        assert!(pool.is_empty());
    }
}

#[test]
fn remove_committed_drops_conflicting_pending_transactions() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let keep = pool.submit(&native(&key, 1), &chain, now()).unwrap();
        let conflicting = pool.submit(&native(&key, 2), &chain, now()).unwrap();
        // Another node committed a transaction we never saw, with nonce 2.
        let foreign = KeyPair::generate(suite);
        let foreign_raw = native_with(&foreign, 2, |tx| tx.gas_limit = 9);
        let foreign_hash = hash_of(&foreign_raw, suite);
        chain.add_committed_hash(foreign_hash);
        chain.add_window_nonce(U256::from(2));
        chain.set_height(HEIGHT + 1);
        pool.remove_committed(&[foreign_hash], &chain);
        assert!(pool.contains(&keep));
        assert!(!pool.contains(&conflicting));
        assert_eq!(pool.len(), 1);

        // Ethereum: committing nonces 0 and 1 drops the pending 1 even when only 0's
        // hash is reported, and keeps 2.
        let ek = eth_key();
        let e: Vec<_> = (0..3)
            .map(|n| pool.submit(&eth(&ek, CHAIN_ID, n), &chain, now()).unwrap())
            .collect();
        assert_eq!(pool.pending_nonce(&ek.address(), &chain), 3);
        let committed = [pool.get(&e[0]).unwrap(), pool.get(&e[1]).unwrap()];
        chain.commit(&committed);
        pool.remove_committed(&[e[0]], &chain);
        assert!(!pool.contains(&e[1]));
        assert!(pool.contains(&e[2]));
        assert_eq!(pool.pending_nonce(&ek.address(), &chain), 3);
        assert_eq!(pool.len(), 2);
    }
}

#[test]
fn take_for_block_drops_what_can_no_longer_be_committed() {
    let suite = SuiteId::Sm;
    let chain = FakeChain::new(suite);
    let pool = pool();
    let key = KeyPair::generate(suite);
    let soon = pool
        .submit(
            &native_with(&key, 1, |tx| tx.block_limit = HEIGHT + 1),
            &chain,
            now(),
        )
        .unwrap();
    let reused = pool.submit(&native(&key, 2), &chain, now()).unwrap();
    let ek = eth_key();
    let stale = pool.submit(&eth(&ek, CHAIN_ID, 0), &chain, now()).unwrap();
    let fine = pool.submit(&native(&key, 3), &chain, now()).unwrap();
    let next = pool.submit(&eth(&ek, CHAIN_ID, 1), &chain, now()).unwrap();
    // Meanwhile another node's block (not reported to this pool yet) moved the chain:
    // height past `soon`'s block_limit, nonce 2 used, the Ethereum sender's nonce 0 used.
    chain.set_height(HEIGHT + 1);
    chain.add_window_nonce(U256::from(2));
    chain.set_account_nonce(ek.address(), 1);
    assert_eq!(hashes(&pool.take_for_block(10, &chain)), vec![fine, next]);
    for dropped in [soon, reused, stale] {
        assert!(!pool.contains(&dropped));
    }
    assert_eq!(pool.len(), 2);
}

#[test]
fn an_ethereum_transaction_follows_its_sealing_predecessor() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool();
    let ek = eth_key();
    let e: Vec<_> = (0..3)
        .map(|n| pool.submit(&eth(&ek, CHAIN_ID, n), &chain, now()).unwrap())
        .collect();
    // Block N holds nonce 0 and is not committed yet; block N+1 may carry nonce 1.
    assert_eq!(hashes(&pool.take_for_block(1, &chain)), e[..1]);
    assert_eq!(hashes(&pool.take_for_block(1, &chain)), e[1..2]);
    pool.release_sealing();
    assert_eq!(hashes(&pool.take_for_block(10, &chain)), e);
}

#[test]
fn expiry_by_age_drops_the_old_pending_ones() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool_with(|c| c.expiry = Duration::from_secs(10));
    let key = KeyPair::generate(SuiteId::Standard);
    let t0 = now();
    let a = pool.submit(&native(&key, 1), &chain, t0).unwrap();
    let b = pool
        .submit(&native(&key, 2), &chain, t0 + Duration::from_secs(5))
        .unwrap();
    assert_eq!(pool.oldest_pending(), Some(t0));
    assert_eq!(pool.expire(t0 + Duration::from_secs(10), &chain), 0);
    assert_eq!(pool.expire(t0 + Duration::from_secs(11), &chain), 1);
    assert!(!pool.contains(&a) && pool.contains(&b));
    assert_eq!(pool.oldest_pending(), Some(t0 + Duration::from_secs(5)));
    // A clock before admission expires nothing.
    assert_eq!(pool.expire(t0, &chain), 0);
    assert_eq!(pool.expire(t0 + Duration::from_secs(16), &chain), 1);
    assert!(pool.is_empty());
    assert_eq!(pool.bytes(), 0);
    // The nonce is free again.
    pool.submit(&native(&key, 1), &chain, t0).unwrap();
}

#[test]
fn expiry_leaves_sealing_transactions_to_their_block() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool_with(|c| c.expiry = Duration::from_secs(10));
    let key = KeyPair::generate(SuiteId::Standard);
    let t0 = now();
    let a = pool.submit(&native(&key, 1), &chain, t0).unwrap();
    let b = pool
        .submit(&native(&key, 2), &chain, t0 + Duration::from_secs(3))
        .unwrap();
    assert_eq!(hashes(&pool.take_for_block(1, &chain)), vec![a]);
    // The oldest *pending* transaction is b.
    assert_eq!(pool.oldest_pending(), Some(t0 + Duration::from_secs(3)));
    let late = t0 + Duration::from_secs(60);
    assert_eq!(pool.expire(late, &chain), 1);
    assert!(pool.contains(&a) && !pool.contains(&b));
    assert_eq!(pool.oldest_pending(), None);
    pool.release_sealing();
    assert_eq!(pool.oldest_pending(), Some(t0));
    assert_eq!(pool.expire(late, &chain), 1);
    assert!(pool.is_empty());
}

#[test]
fn expiry_by_block_limit_drops_native_transactions_at_or_below_the_height() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let at = |nonce, limit| native_with(&key, nonce, |tx| tx.block_limit = limit);
        let a = pool.submit(&at(1, HEIGHT + 5), &chain, now()).unwrap();
        let b = pool.submit(&at(2, HEIGHT + 3), &chain, now()).unwrap();
        let c = pool.submit(&at(3, HEIGHT + 10), &chain, now()).unwrap();
        let e = pool
            .submit(&eth(&eth_key(), CHAIN_ID, 0), &chain, now())
            .unwrap();
        chain.set_height(HEIGHT + 4);
        assert_eq!(pool.expire(now(), &chain), 1);
        assert!(!pool.contains(&b));
        chain.set_height(HEIGHT + 5);
        assert_eq!(pool.expire(now(), &chain), 1);
        assert!(!pool.contains(&a));
        assert!(pool.contains(&c) && pool.contains(&e));
        chain.set_height(HEIGHT + 1000);
        // Ethereum transactions have no block_limit.
        assert_eq!(pool.expire(now(), &chain), 1);
        assert_eq!(pool.len(), 1);
        assert!(pool.contains(&e));
    }
}

#[test]
fn an_expired_ethereum_transaction_takes_its_successors_with_it() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool_with(|c| c.expiry = Duration::from_secs(10));
    let ek = eth_key();
    let other = eth_key();
    let t0 = now();
    pool.submit(&eth(&ek, CHAIN_ID, 0), &chain, t0).unwrap();
    let keep = pool
        .submit(
            &eth(&other, CHAIN_ID, 0),
            &chain,
            t0 + Duration::from_secs(5),
        )
        .unwrap();
    pool.submit(&eth(&ek, CHAIN_ID, 1), &chain, t0 + Duration::from_secs(5))
        .unwrap();
    pool.submit(&eth(&ek, CHAIN_ID, 2), &chain, t0 + Duration::from_secs(6))
        .unwrap();
    assert_eq!(pool.pending_nonce(&ek.address(), &chain), 3);
    // Only nonce 0 is old enough, but 1 and 2 could never run without it.
    assert_eq!(pool.expire(t0 + Duration::from_secs(11), &chain), 3);
    assert_eq!(pool.len(), 1);
    assert!(pool.contains(&keep));
    assert_eq!(pool.pending_nonce(&ek.address(), &chain), 0);
    pool.submit(&eth(&ek, CHAIN_ID, 0), &chain, t0).unwrap();
}

#[test]
fn admitted_total_counts_admissions_only() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool();
    let key = KeyPair::generate(SuiteId::Standard);
    assert_eq!(pool.admitted_total(), 0);
    pool.submit(&native(&key, 1), &chain, now()).unwrap();
    pool.submit(&native(&key, 1), &chain, now()).unwrap_err();
    pool.submit(&[1, 2, 3], &chain, now()).unwrap_err();
    let results = pool.submit_batch(&[native(&key, 2), native(&key, 3), vec![]], &chain, now());
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
    assert_eq!(pool.admitted_total(), 3);
    let block = pool.take_for_block(10, &chain);
    chain.commit(&block);
    pool.remove_committed(&hashes(&block), &chain);
    assert_eq!(pool.admitted_total(), 3, "a counter, not a size");
}

#[test]
fn concurrent_submitters_share_one_pool() {
    let chain = std::sync::Arc::new(FakeChain::new(SuiteId::Standard));
    let pool = std::sync::Arc::new(pool());
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (chain, pool) = (chain.clone(), pool.clone());
            std::thread::spawn(move || {
                let key = KeyPair::generate(SuiteId::Standard);
                let ek = eth_key();
                for i in 0..25u64 {
                    pool.submit(&native(&key, t * 1000 + i), &*chain, now())
                        .unwrap();
                    pool.submit(&eth(&ek, CHAIN_ID, i), &*chain, now()).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(pool.len(), 200);
    assert_eq!(pool.admitted_total(), 200);
    assert_eq!(pool.take_for_block(1000, &*chain).len(), 200);
}
