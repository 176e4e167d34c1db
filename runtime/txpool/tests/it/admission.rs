//! Every rejection: its variant, its FISCO BCOS code, and a message that says what to do.

use weft_crypto::{CryptoError, KeyPair, SuiteId};
use weft_txpool::TxRejection;
use weft_types::{DecodeError, DecodeLimits, TxError, U256};

use crate::*;

#[test]
fn a_valid_transaction_of_each_form_is_admitted_on_both_suites() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let raw = native(&key, 1);
        let hash = pool.submit(&raw, &chain, now()).unwrap();
        assert_eq!(hash, hash_of(&raw, suite));
        let got = pool.get(&hash).unwrap();
        assert_eq!(got.sender(), key.address());
        let ek = eth_key();
        for raw in [
            eth(&ek, CHAIN_ID, 0),
            eth_legacy(&ek, Some(CHAIN_ID), 1),
            eth_2930(&ek, CHAIN_ID, 2),
        ] {
            let hash = pool.submit(&raw, &chain, now()).unwrap();
            // Ethereum hashes are Keccak-256 of the raw bytes on either suite.
            assert_eq!(hash, SuiteId::Standard.suite().hash(&raw), "{suite}");
            assert_eq!(pool.get(&hash).unwrap().sender(), ek.address());
        }
        assert_eq!(pool.len(), 4);
        assert_eq!(pool.admitted_total(), 4);
    }
}

#[test]
fn malformed_and_oversized_bytes_are_10003() {
    let chain = FakeChain::new(SuiteId::Standard);
    let pool = pool_with(|c| {
        c.limits = DecodeLimits {
            max_tx_bytes: 300,
            ..DecodeLimits::DEFAULT
        }
    });
    let err = pool.submit(&[], &chain, now()).unwrap_err();
    assert_eq!(err.code(), 10003);
    assert_eq!(err.status_name(), "Malform");
    assert!(
        err.to_string()
            .starts_with("malformed transaction: empty input where transaction was expected; send the canonical encoding"),
        "{err}"
    );
    for garbage in [
        &[0x57u8, 1, 2, 3][..],
        &[0x02, 0xc0],
        &[0xf8, 0xff, 0x00],
        &[0x05],
    ] {
        let err = pool.submit(garbage, &chain, now()).unwrap_err();
        assert!(matches!(err, TxRejection::Malformed(_)), "{err}");
        assert_eq!(err.code(), 10003);
    }
    let key = KeyPair::generate(SuiteId::Standard);
    let big = native_with(&key, 1, |tx| tx.input = vec![7u8; 400].into());
    let err = pool.submit(&big, &chain, now()).unwrap_err();
    assert_eq!(
        err,
        TxRejection::Malformed(DecodeError::TooLarge {
            what: "transaction",
            size: big.len(),
            limit: 300
        })
    );
    assert!(err.to_string().contains("over the limit of 300"), "{err}");
    assert!(pool.is_empty());
    assert_eq!(pool.admitted_total(), 0);
}

#[test]
fn another_chain_id_is_10006_for_both_forms() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let raw = native_with(&key, 1, |tx| tx.chain_id = 21);
        let err = pool.submit(&raw, &chain, now()).unwrap_err();
        assert_eq!(
            err,
            TxRejection::InvalidChainId {
                expected: 20,
                got: 21
            }
        );
        assert_eq!(err.code(), 10006);
        assert_eq!(
            err.to_string(),
            "transaction is for chain id 21, but this chain's id is 20; sign it again with chain id 20"
        );
        let ek = eth_key();
        for raw in [eth(&ek, 1, 0), eth_legacy(&ek, Some(1), 0)] {
            let err = pool.submit(&raw, &chain, now()).unwrap_err();
            assert_eq!(
                err,
                TxRejection::InvalidChainId {
                    expected: 20,
                    got: 1
                }
            );
            assert_eq!(err.code(), 10006);
        }
        let err = pool
            .submit(&eth_legacy(&ek, None, 0), &chain, now())
            .unwrap_err();
        assert_eq!(err, TxRejection::MissingChainId { expected: 20 });
        assert_eq!(err.code(), 10006);
        assert!(
            err.to_string().contains("sign it with EIP-155 chain id 20"),
            "{err}"
        );
        assert!(pool.is_empty());
    }
}

#[test]
fn another_group_is_10007() {
    let chain = FakeChain::new(SuiteId::Sm);
    let pool = pool();
    let key = KeyPair::generate(SuiteId::Sm);
    let raw = native_with(&key, 1, |tx| tx.group_id = "group1".into());
    let err = pool.submit(&raw, &chain, now()).unwrap_err();
    assert_eq!(
        err,
        TxRejection::InvalidGroupId {
            expected: "group0".into(),
            got: "group1".into()
        }
    );
    assert_eq!(err.code(), 10007);
    assert_eq!(err.status_name(), "InvalidGroupId");
    assert_eq!(
        err.to_string(),
        "transaction is for group \"group1\", but this node serves group \"group0\"; sign it again with group id \"group0\" or send it to a node of group \"group1\""
    );
}

#[test]
fn block_limit_must_be_above_the_height_and_within_the_window() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        chain.set_height(1205);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let at = |nonce, block_limit| native_with(&key, nonce, |tx| tx.block_limit = block_limit);

        let err = pool.submit(&at(1, 1205), &chain, now()).unwrap_err();
        assert_eq!(
            err,
            TxRejection::BlockLimitExpired {
                block_limit: 1205,
                height: 1205,
                max_block_limit: 2205
            }
        );
        assert_eq!(err.code(), 10001);
        assert_eq!(err.status_name(), "BlockLimitCheckFail");
        assert_eq!(
            err.to_string(),
            "transaction expired: block_limit 1205 <= current height 1205; resend with a block_limit up to 2205"
        );
        let err = pool.submit(&at(2, 0), &chain, now()).unwrap_err();
        assert_eq!(err.code(), 10001);

        let err = pool.submit(&at(3, 2206), &chain, now()).unwrap_err();
        assert_eq!(
            err,
            TxRejection::BlockLimitTooFar {
                block_limit: 2206,
                height: 1205,
                max_block_limit: 2205
            }
        );
        assert_eq!(err.code(), 10001);
        assert_eq!(
            err.to_string(),
            "block_limit 2206 is too far ahead: at current height 1205 the largest accepted is 2205 (height + block_limit window); resend with a block_limit in 1206..=2205"
        );
        let err = pool.submit(&at(4, u64::MAX), &chain, now()).unwrap_err();
        assert_eq!(err.code(), 10001);

        // The bounds themselves are accepted.
        pool.submit(&at(5, 1206), &chain, now()).unwrap();
        pool.submit(&at(6, 2205), &chain, now()).unwrap();
        // A smaller window from the chain's config applies at once.
        chain.set_window(10);
        let err = pool.submit(&at(7, 1216), &chain, now()).unwrap_err();
        assert!(
            matches!(
                err,
                TxRejection::BlockLimitTooFar {
                    max_block_limit: 1215,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(pool.len(), 2);
    }
}

#[test]
fn a_native_nonce_pending_or_in_the_window_is_10000() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        pool.submit(&native(&key, 7), &chain, now()).unwrap();
        // Same nonce, other content (and another sender): still a duplicate.
        let other = KeyPair::generate(suite);
        let err = pool
            .submit(
                &native_with(&other, 7, |tx| tx.gas_limit = 1),
                &chain,
                now(),
            )
            .unwrap_err();
        assert_eq!(
            err,
            TxRejection::DuplicateNonce {
                nonce: U256::from(7),
                committed: false
            }
        );
        assert_eq!(err.code(), 10000);
        assert_eq!(err.status_name(), "NonceCheckFail");
        assert_eq!(
            err.to_string(),
            "duplicate nonce 7: already used by a transaction pending in the pool; sign the transaction again with a fresh random nonce"
        );
        chain.add_window_nonce(U256::from(8));
        let err = pool.submit(&native(&key, 8), &chain, now()).unwrap_err();
        assert_eq!(
            err,
            TxRejection::DuplicateNonce {
                nonce: U256::from(8),
                committed: true
            }
        );
        assert!(
            err.to_string()
                .contains("committed within the block_limit window"),
            "{err}"
        );
        assert_eq!(pool.len(), 1);
    }
}

#[test]
fn the_same_transaction_twice_is_10004_and_a_committed_one_10005() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let raw = native(&key, 1);
        let hash = pool.submit(&raw, &chain, now()).unwrap();
        let err = pool.submit(&raw, &chain, now()).unwrap_err();
        assert_eq!(err, TxRejection::AlreadyInTxPool { hash });
        assert_eq!(err.code(), 10004);
        assert_eq!(
            err.to_string(),
            format!("transaction {hash} is already in the pool; no need to resend it, wait for its receipt")
        );
        let ek = eth_key();
        let eth_raw = eth(&ek, CHAIN_ID, 0);
        let eth_hash = pool.submit(&eth_raw, &chain, now()).unwrap();
        assert_eq!(
            pool.submit(&eth_raw, &chain, now()).unwrap_err(),
            TxRejection::AlreadyInTxPool { hash: eth_hash }
        );

        // Committed: a replay is 10005 before anything else (its nonce is in the window
        // and its Ethereum nonce below the account's too).
        let committed: Vec<_> = [hash, eth_hash]
            .iter()
            .map(|h| pool.get(h).unwrap())
            .collect();
        chain.commit(&committed);
        pool.remove_committed(&[hash, eth_hash], &chain);
        assert!(pool.is_empty());
        for (raw, hash) in [(raw, hash), (eth_raw, eth_hash)] {
            let err = pool.submit(&raw, &chain, now()).unwrap_err();
            assert_eq!(err, TxRejection::TxAlreadyInChain { hash });
            assert_eq!(err.code(), 10005);
            assert_eq!(
                err.to_string(),
                format!("transaction {hash} is already committed; fetch its receipt instead of resending it")
            );
        }
    }
}

#[test]
fn a_bad_signature_is_10008() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let err = pool
            .submit(&bad_signature_native(suite, 1), &chain, now())
            .unwrap_err();
        assert!(
            matches!(err, TxRejection::InvalidSignature(TxError::Signature(_))),
            "{err}"
        );
        assert_eq!(err.code(), 10008);
        assert_eq!(err.status_name(), "InvalidSignature");
        assert!(
            err.to_string()
                .starts_with("invalid signature: bad transaction signature:"),
            "{err}"
        );
        assert!(
            err.to_string().contains("sign the transaction again"),
            "{err}"
        );

        // Signed in the other suite.
        let other = match suite {
            SuiteId::Standard => SuiteId::Sm,
            SuiteId::Sm => SuiteId::Standard,
        };
        let key = KeyPair::generate(other);
        let err = pool.submit(&native(&key, 2), &chain, now()).unwrap_err();
        assert!(
            matches!(
                err,
                TxRejection::InvalidSignature(TxError::Signature(
                    CryptoError::SignatureLength { .. }
                ))
            ),
            "{err}"
        );
        assert_eq!(err.code(), 10008);

        // An Ethereum signature with r = 0.
        let ek = eth_key();
        let mut raw = eth(&ek, CHAIN_ID, 0);
        let envelope = weft_types::Transaction::decode(&raw, &DecodeLimits::DEFAULT).unwrap();
        let weft_types::Transaction::Ethereum(e) = envelope else {
            unreachable!()
        };
        let alloy_consensus::TxEnvelope::Eip1559(signed) = e.envelope().clone() else {
            unreachable!()
        };
        let sig = alloy_primitives::Signature::new(
            U256::ZERO,
            signed.signature().s(),
            signed.signature().v(),
        );
        let bad = alloy_consensus::Signed::new_unhashed(signed.tx().clone(), sig);
        raw = alloy_eips::eip2718::Encodable2718::encoded_2718(&alloy_consensus::TxEnvelope::from(
            bad,
        ));
        let err = pool.submit(&raw, &chain, now()).unwrap_err();
        assert!(matches!(err, TxRejection::InvalidSignature(_)), "{err}");
        assert_eq!(err.code(), 10008);
        assert!(pool.is_empty());
        assert_eq!(pool.admitted_total(), 0);
    }
}

#[test]
fn cheap_checks_come_before_the_signature() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        // A bad signature on a transaction that fails a cheap check reports the cheap one.
        let bad = |nonce, f: &dyn Fn(&mut weft_types::NativeTx)| {
            let key = KeyPair::generate(suite);
            let mut tx = native_fields(nonce);
            f(&mut tx);
            let mut signed = tx.sign(&key).unwrap();
            let mut sig = signed.signature.to_vec();
            sig[0] ^= 0xff;
            sig[40] ^= 0xff;
            signed.signature = sig.into();
            weft_types::Transaction::Native(signed).encode()
        };
        let err = pool
            .submit(&bad(1, &|tx| tx.chain_id = 9), &chain, now())
            .unwrap_err();
        assert_eq!(err.code(), 10006, "{err}");
        let err = pool
            .submit(&bad(1, &|tx| tx.group_id = "x".into()), &chain, now())
            .unwrap_err();
        assert_eq!(err.code(), 10007, "{err}");
        let err = pool
            .submit(&bad(1, &|tx| tx.block_limit = 1), &chain, now())
            .unwrap_err();
        assert_eq!(err.code(), 10001, "{err}");
        chain.add_window_nonce(U256::from(9));
        let err = pool.submit(&bad(9, &|_| {}), &chain, now()).unwrap_err();
        assert_eq!(err.code(), 10000, "{err}");
        let raw = bad(10, &|_| {});
        chain.add_committed_hash(hash_of(&raw, suite));
        let err = pool.submit(&raw, &chain, now()).unwrap_err();
        assert_eq!(err.code(), 10005, "{err}");
        // And with a full pool.
        let full = pool_with(|c| c.max_txs = 0);
        let err = full.submit(&bad(11, &|_| {}), &chain, now()).unwrap_err();
        assert_eq!(err.code(), 10002, "{err}");
    }
}

#[test]
fn a_full_pool_refuses_by_count_and_by_bytes_and_evicts_nothing() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let key = KeyPair::generate(suite);
        let pool = pool_with(|c| c.max_txs = 2);
        let a = pool.submit(&native(&key, 1), &chain, now()).unwrap();
        let b = pool.submit(&native(&key, 2), &chain, now()).unwrap();
        let err = pool.submit(&native(&key, 3), &chain, now()).unwrap_err();
        assert_eq!(err, TxRejection::TxPoolIsFull { max_txs: 2 });
        assert_eq!(err.code(), 10002);
        assert_eq!(err.status_name(), "TxPoolIsFull");
        assert_eq!(
            err.to_string(),
            "transaction pool is full: it holds its limit of 2 transactions; retry after the next block is committed"
        );
        let err = pool
            .submit(&eth(&eth_key(), CHAIN_ID, 0), &chain, now())
            .unwrap_err();
        assert_eq!(err.code(), 10002);
        assert!(pool.contains(&a) && pool.contains(&b));
        assert_eq!(pool.len(), 2);
        // Room again once a block commits.
        let taken = pool.take_for_block(1, &chain);
        chain.commit(&taken);
        pool.remove_committed(&hashes(&taken), &chain);
        pool.submit(&native(&key, 3), &chain, now()).unwrap();

        let raw1 = native(&key, 11);
        let raw2 = native(&key, 12);
        let raw3 = native(&key, 13);
        let limit = raw1.len() + raw2.len() + raw3.len() / 2;
        let pool = pool_with(|c| c.max_bytes = limit);
        pool.submit(&raw1, &chain, now()).unwrap();
        pool.submit(&raw2, &chain, now()).unwrap();
        assert_eq!(pool.bytes(), raw1.len() + raw2.len());
        let err = pool.submit(&raw3, &chain, now()).unwrap_err();
        assert_eq!(
            err,
            TxRejection::TxPoolBytesFull {
                tx_bytes: raw3.len(),
                pool_bytes: raw1.len() + raw2.len(),
                max_bytes: limit
            }
        );
        assert_eq!(err.code(), 10002);
        assert!(
            err.to_string().starts_with("transaction pool is full: "),
            "{err}"
        );
        assert_eq!(pool.len(), 2);
    }
}

#[test]
fn submit_verified_runs_every_check_but_the_signature() {
    for suite in SUITES {
        let chain = FakeChain::new(suite);
        let pool = pool();
        let key = KeyPair::generate(suite);
        let raw = native(&key, 1);
        let verified = weft_types::Transaction::decode(&raw, &DecodeLimits::DEFAULT)
            .unwrap()
            .verify(suite.suite())
            .unwrap();
        let hash = pool
            .submit_verified(verified.clone(), raw.len(), &chain, now())
            .unwrap();
        assert_eq!(hash, verified.hash());
        assert_eq!(pool.bytes(), raw.len());
        assert_eq!(
            pool.submit_verified(verified.clone(), raw.len(), &chain, now()),
            Err(TxRejection::AlreadyInTxPool { hash })
        );
        // The raw form of the same transaction is a duplicate too.
        assert_eq!(pool.submit(&raw, &chain, now()).unwrap_err().code(), 10004);
        let too_big = DecodeLimits::DEFAULT.max_tx_bytes + 1;
        assert_eq!(
            pool.submit_verified(verified, too_big, &chain, now())
                .unwrap_err()
                .code(),
            10003
        );
        let expired = weft_types::Transaction::decode(
            &native_with(&key, 2, |tx| tx.block_limit = HEIGHT),
            &DecodeLimits::DEFAULT,
        )
        .unwrap()
        .verify(suite.suite())
        .unwrap();
        assert_eq!(
            pool.submit_verified(expired, 200, &chain, now())
                .unwrap_err()
                .code(),
            10001
        );
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.admitted_total(), 1);
    }
}
