//! LSAG linkable ring signatures: sign, verify, link, and rejection of forgeries.

use weft_sig_schemes::lsag::{self, Ring, RingPublicKey, RingSecretKey};
use weft_sig_schemes::{ring_sig_verify, SchemeError};

use crate::{rng, tamper};

fn keys(seed: u64, n: usize) -> Vec<(RingSecretKey, RingPublicKey)> {
    let mut rng = rng(seed);
    (0..n).map(|_| lsag::keygen(&mut rng)).collect()
}

fn ring_of(keys: &[(RingSecretKey, RingPublicKey)]) -> Ring {
    Ring::new(keys.iter().map(|(_, p)| *p).collect()).unwrap()
}

#[test]
fn valid_signatures_verify_for_ring_sizes_1_2_16() {
    for (seed, n) in [(1, 1), (2, 2), (3, 16)] {
        let keys = keys(seed, n);
        let ring = ring_of(&keys);
        let param_info = ring.encode();
        for signer in [0, n / 2, n - 1] {
            let sig = lsag::sign(
                b"vote: yes",
                &ring,
                &keys[signer].0,
                signer,
                &mut rng(seed + 100),
            )
            .unwrap();
            assert_eq!(sig.ring_size(), n);
            assert!(
                lsag::verify(b"vote: yes", &ring, &sig),
                "n={n} signer={signer}"
            );
            assert_eq!(
                ring_sig_verify(&sig.encode(), "vote: yes", &param_info),
                Ok(true),
                "n={n} signer={signer}"
            );
        }
    }
}

#[test]
fn tampered_message_does_not_verify() {
    for (seed, n) in [(4, 1), (5, 2), (6, 16)] {
        let keys = keys(seed, n);
        let ring = ring_of(&keys);
        let sig = lsag::sign(b"vote: yes", &ring, &keys[0].0, 0, &mut rng(seed)).unwrap();
        assert!(!lsag::verify(b"vote: no", &ring, &sig), "n={n}");
        assert_eq!(
            ring_sig_verify(&sig.encode(), "vote: no", &ring.encode()),
            Ok(false),
            "n={n}"
        );
    }
}

#[test]
fn tampered_signature_does_not_verify() {
    for (seed, n) in [(7, 1), (8, 2), (9, 16)] {
        let keys = keys(seed, n);
        let ring = ring_of(&keys).encode();
        let sig = lsag::sign(b"m", &ring_of(&keys), &keys[n - 1].0, n - 1, &mut rng(seed))
            .unwrap()
            .encode();
        // Layout: n (1 byte), I (33), c_0 (32), s_0..s_{n-1} (32 each), scalars big-endian.
        // Flipping the lowest bit of a scalar keeps it canonical: well formed, so `Ok(false)`.
        let c0_last = 1 + 33 + 31;
        for scalar in 0..=n {
            let forged = tamper(&sig, |p| p[c0_last + 32 * scalar] ^= 1);
            assert_eq!(
                ring_sig_verify(&forged, "m", &ring),
                Ok(false),
                "n={n} scalar={scalar}"
            );
        }
        // Another key's image is a valid point, but not this signer's.
        let other = lsag::sign(b"m", &ring_of(&keys), &keys[0].0, 0, &mut rng(seed))
            .unwrap()
            .encode();
        let other_image = crate::unframe(&other).1[1..34].to_vec();
        if n > 1 {
            let forged = tamper(&sig, |p| p[1..34].copy_from_slice(&other_image));
            assert_eq!(ring_sig_verify(&forged, "m", &ring), Ok(false), "n={n}");
        }
    }
}

#[test]
fn signer_outside_the_ring_cannot_produce_a_valid_signature() {
    let members = keys(10, 16);
    let ring = ring_of(&members);
    let (outsider, outsider_pk) = lsag::keygen(&mut rng(11));
    // The API refuses outright.
    assert_eq!(
        lsag::sign(b"m", &ring, &outsider, 3, &mut rng(12)),
        Err(SchemeError::SignerKeyMismatch { index: 3 })
    );
    assert!(matches!(
        lsag::sign(b"m", &ring, &members[0].0, 16, &mut rng(12)),
        Err(SchemeError::SignerIndexOutOfRange {
            index: 16,
            ring_size: 16
        })
    ));
    // Signing for a ring where the outsider replaced member 3, then presenting it for the real ring.
    let mut keys_with_outsider: Vec<_> = ring.keys().to_vec();
    keys_with_outsider[3] = outsider_pk;
    let fake_ring = Ring::new(keys_with_outsider).unwrap();
    let sig = lsag::sign(b"m", &fake_ring, &outsider, 3, &mut rng(13)).unwrap();
    assert!(lsag::verify(b"m", &fake_ring, &sig));
    assert!(!lsag::verify(b"m", &ring, &sig));
    assert_eq!(
        ring_sig_verify(&sig.encode(), "m", &ring.encode()),
        Ok(false)
    );
}

#[test]
fn ring_order_and_size_matter() {
    let members = keys(14, 4);
    let ring = ring_of(&members);
    let sig = lsag::sign(b"m", &ring, &members[1].0, 1, &mut rng(15)).unwrap();
    let mut reversed = ring.keys().to_vec();
    reversed.reverse();
    assert!(!lsag::verify(b"m", &Ring::new(reversed).unwrap(), &sig));
    // A well-formed signature for a ring of another size: `Ok(false)`, not an error.
    let smaller = Ring::new(ring.keys()[..3].to_vec()).unwrap();
    assert_eq!(
        ring_sig_verify(&sig.encode(), "m", &smaller.encode()),
        Ok(false)
    );
}

#[test]
fn same_key_links_across_messages_and_rings() {
    let everyone = keys(16, 20);
    let signer = &everyone[7];
    // Two different rings containing the signer, at different positions.
    let ring_a = ring_of(&everyone[0..16]);
    let ring_b = ring_of(&everyone[4..8]);
    let index_a = ring_a.position(&signer.1).unwrap();
    let index_b = ring_b.position(&signer.1).unwrap();
    assert_ne!(index_a, index_b);
    let sig_a = lsag::sign(b"first", &ring_a, &signer.0, index_a, &mut rng(17)).unwrap();
    let sig_b = lsag::sign(b"second", &ring_b, &signer.0, index_b, &mut rng(18)).unwrap();
    assert!(lsag::verify(b"first", &ring_a, &sig_a));
    assert!(lsag::verify(b"second", &ring_b, &sig_b));
    assert!(lsag::linked(&sig_a, &sig_b));
    assert_eq!(sig_a.key_image(), sig_b.key_image());

    // A different member of the same ring, same message: not linked.
    let other = &everyone[5];
    let sig_c = lsag::sign(b"first", &ring_a, &other.0, 5, &mut rng(19)).unwrap();
    assert!(lsag::verify(b"first", &ring_a, &sig_c));
    assert!(!lsag::linked(&sig_a, &sig_c));
    assert!(!lsag::linked(&sig_b, &sig_c));
}

#[test]
fn encodings_round_trip() {
    let members = keys(20, 16);
    let ring = ring_of(&members);
    let text = ring.encode();
    assert!(text.starts_with("lsag-ring:1:10"));
    assert_eq!(text.len(), "lsag-ring:1:".len() + 2 * (1 + 16 * 33));
    assert_eq!(Ring::decode(&text), Ok(ring.clone()));
    let sig = lsag::sign(b"m", &ring, &members[0].0, 0, &mut rng(21)).unwrap();
    let sig_text = sig.encode();
    assert!(sig_text.starts_with("lsag-sig:1:10"));
    assert_eq!(sig_text.len(), "lsag-sig:1:".len() + 2 * (1 + 33 + 17 * 32));
    assert_eq!(lsag::RingSignature::decode(&sig_text), Ok(sig));
}
