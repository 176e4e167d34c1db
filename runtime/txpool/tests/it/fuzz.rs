//! Random and mutated bytes never panic the pool, and never get in without a signature.

use proptest::prelude::*;
use weft_crypto::{KeyPair, SecretKey, SuiteId};

use crate::*;

fn suite_of(sm: bool) -> SuiteId {
    if sm {
        SuiteId::Sm
    } else {
        SuiteId::Standard
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_submit(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        prefix in prop::sample::select(vec![None, Some(0x57u8), Some(0x01), Some(0x02), Some(0xf8)]),
        sm in any::<bool>(),
    ) {
        let chain = FakeChain::new(suite_of(sm));
        let pool = pool();
        let mut raw: Vec<u8> = prefix.into_iter().collect();
        raw.extend_from_slice(&bytes);
        let _ = pool.submit(&raw, &chain, now());
        let _ = pool.submit_batch(&[raw.clone(), bytes], &chain, now());
        prop_assert!(pool.len() <= 3);
    }

    #[test]
    fn mutated_transactions_never_panic_and_keep_the_pool_consistent(
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        cut in any::<prop::sample::Index>(),
        sm in any::<bool>(),
        ethereum in any::<bool>(),
    ) {
        let suite = suite_of(sm);
        let chain = FakeChain::new(suite);
        let pool = pool();
        let raw = if ethereum {
            let key = KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([9; 32])).unwrap();
            eth(&key, CHAIN_ID, 0)
        } else {
            let key = KeyPair::from_secret(suite, SecretKey::from_bytes([9; 32])).unwrap();
            native(&key, 1)
        };
        let mut flipped = raw.clone();
        let i = pos.index(flipped.len());
        flipped[i] ^= xor;
        let truncated = raw[..cut.index(raw.len())].to_vec();
        for bytes in [&flipped, &truncated] {
            if let Ok(hash) = pool.submit(bytes, &chain, now()) {
                // Whatever got in has a verified sender and is indexed by its hash.
                prop_assert!(pool.contains(&hash));
            }
        }
        prop_assert_eq!(pool.bytes(), pool.take_for_block(10, &chain).len() * raw.len());
    }
}
