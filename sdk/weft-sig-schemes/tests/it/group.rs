//! BBS04 group signatures: sign, verify, open, and rejection of forgeries.

use ark_bls12_381::{Fr, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use ark_serialize::CanonicalSerialize;
use weft_sig_schemes::bbs04::{self, GroupKeys, GroupSignature, MemberKey, PARAM_INFO};
use weft_sig_schemes::{group_sig_verify, SchemeError};

use crate::{rng, tamper};

fn group(seed: u64, members: usize) -> (GroupKeys, Vec<MemberKey>) {
    let mut rng = rng(seed);
    let keys = bbs04::keygen(&mut rng);
    let members = (0..members)
        .map(|_| bbs04::issue(&keys.public, &keys.issuing, &mut rng))
        .collect();
    (keys, members)
}

#[test]
fn valid_signature_verifies_typed_and_encoded() {
    let (keys, members) = group(1, 2);
    let sig = bbs04::sign(
        &keys.public,
        &members[1],
        b"transfer 10 to alice",
        &mut rng(2),
    );
    assert!(bbs04::verify(&keys.public, b"transfer 10 to alice", &sig));
    assert_eq!(
        group_sig_verify(
            &sig.encode(),
            "transfer 10 to alice",
            &keys.public.encode(),
            PARAM_INFO
        ),
        Ok(true)
    );
    // Two signatures by the same member are different (fresh randomness), both valid.
    let again = bbs04::sign(
        &keys.public,
        &members[1],
        b"transfer 10 to alice",
        &mut rng(3),
    );
    assert_ne!(sig, again);
    assert!(bbs04::verify(&keys.public, b"transfer 10 to alice", &again));
}

#[test]
fn empty_and_long_messages_verify() {
    let (keys, members) = group(4, 1);
    let long = vec![0x5a; 100_000];
    for message in [&b""[..], &long[..]] {
        let sig = bbs04::sign(&keys.public, &members[0], message, &mut rng(5));
        assert!(bbs04::verify(&keys.public, message, &sig));
    }
}

#[test]
fn tampered_message_does_not_verify() {
    let (keys, members) = group(6, 1);
    let sig = bbs04::sign(&keys.public, &members[0], b"pay 10", &mut rng(7));
    assert!(!bbs04::verify(&keys.public, b"pay 11", &sig));
    assert_eq!(
        group_sig_verify(&sig.encode(), "pay 11", &keys.public.encode(), PARAM_INFO),
        Ok(false)
    );
}

#[test]
fn tampered_signature_bytes_are_rejected() {
    let (keys, members) = group(8, 1);
    let gpk = keys.public.encode();
    let sig = bbs04::sign(&keys.public, &members[0], b"m", &mut rng(9)).encode();
    // Layout: T1 T2 T3 (48 bytes each), then c s_α s_β s_x s_δ1 s_δ2 (32 bytes each, little-endian).
    for scalar in 0..6 {
        // Flipping the lowest bit keeps the scalar canonical: well formed, so `Ok(false)`.
        let forged = tamper(&sig, |p| p[144 + 32 * scalar] ^= 1);
        assert_eq!(
            group_sig_verify(&forged, "m", &gpk, PARAM_INFO),
            Ok(false),
            "scalar {scalar}"
        );
    }
    for point in 0..3 {
        // Flipping a bit of a point's x coordinate leaves the prime-order subgroup (cofactor ≈ 2^126).
        let forged = tamper(&sig, |p| p[48 * point + 47] ^= 1);
        assert!(
            matches!(
                group_sig_verify(&forged, "m", &gpk, PARAM_INFO),
                Err(SchemeError::InvalidPoint { .. })
            ),
            "point {point}"
        );
    }
    // A valid point swapped in for T1 is well formed: `Ok(false)`.
    let other = bbs04::sign(&keys.public, &members[0], b"m", &mut rng(10)).encode();
    let other_t1 = crate::unframe(&other).1[..48].to_vec();
    let forged = tamper(&sig, |p| p[..48].copy_from_slice(&other_t1));
    assert_eq!(group_sig_verify(&forged, "m", &gpk, PARAM_INFO), Ok(false));
}

#[test]
fn signature_under_another_groups_key_does_not_verify() {
    let (keys_a, members_a) = group(11, 1);
    let (keys_b, _) = group(12, 1);
    let sig = bbs04::sign(&keys_a.public, &members_a[0], b"m", &mut rng(13));
    assert!(!bbs04::verify(&keys_b.public, b"m", &sig));
    assert_eq!(
        group_sig_verify(&sig.encode(), "m", &keys_b.public.encode(), PARAM_INFO),
        Ok(false)
    );
}

/// A member key made up without the issuing key: random `A` and `x`.
fn made_up_member_key(seed: u64) -> MemberKey {
    let mut rng = rng(seed);
    let a = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
    let x = Fr::rand(&mut rng);
    let mut bytes = Vec::new();
    a.serialize_compressed(&mut bytes).unwrap();
    x.serialize_compressed(&mut bytes).unwrap();
    MemberKey::decode(&format!("bbs04-member-key:1:{}", hex::encode(bytes))).unwrap()
}

#[test]
fn non_members_cannot_sign() {
    let (keys, _) = group(14, 1);
    let (other_group, other_members) = group(15, 1);
    let made_up = made_up_member_key(16);
    assert_eq!(
        made_up.check(&keys.public),
        Err(SchemeError::MemberKeyMismatch)
    );
    assert_eq!(
        other_members[0].check(&keys.public),
        Err(SchemeError::MemberKeyMismatch)
    );
    assert_eq!(other_members[0].check(&other_group.public), Ok(()));

    for (name, key) in [
        ("made-up key", &made_up),
        ("other group's member", &other_members[0]),
    ] {
        let sig = bbs04::sign(&keys.public, key, b"m", &mut rng(17));
        assert!(!bbs04::verify(&keys.public, b"m", &sig), "{name}");
        assert_eq!(
            bbs04::open(&keys.public, &keys.opening, b"m", &sig),
            Err(SchemeError::SignatureInvalid),
            "{name}"
        );
    }
}

#[test]
fn open_identifies_the_signer_among_several() {
    let (keys, members) = group(18, 5);
    let registry: Vec<_> = members.iter().map(MemberKey::tag).collect();
    let mut rng = rng(19);
    for (i, member) in members.iter().enumerate() {
        let message = format!("message from member {i}");
        let sig = bbs04::sign(&keys.public, member, message.as_bytes(), &mut rng);
        let tag = bbs04::open(&keys.public, &keys.opening, message.as_bytes(), &sig).unwrap();
        assert_eq!(tag, member.tag());
        assert_eq!(
            bbs04::identify(
                &keys.public,
                &keys.opening,
                message.as_bytes(),
                &sig,
                &registry
            ),
            Ok(Some(i))
        );
        // A registry without the signer: valid signature, unknown signer.
        let others: Vec<_> = registry.iter().copied().filter(|t| *t != tag).collect();
        assert_eq!(
            bbs04::identify(
                &keys.public,
                &keys.opening,
                message.as_bytes(),
                &sig,
                &others
            ),
            Ok(None)
        );
    }
}

#[test]
fn encodings_round_trip() {
    let (keys, members) = group(20, 1);
    let sig = bbs04::sign(&keys.public, &members[0], b"m", &mut rng(21));
    let gpk_text = keys.public.encode();
    assert!(gpk_text.starts_with("bbs04-gpk:1:"));
    assert_eq!(
        gpk_text.len(),
        "bbs04-gpk:1:".len() + 2 * bbs04::PUBLIC_KEY_BYTES
    );
    assert_eq!(
        bbs04::GroupPublicKey::decode(&gpk_text),
        Ok(keys.public.clone())
    );
    let sig_text = sig.encode();
    assert!(sig_text.starts_with("bbs04-sig:1:"));
    assert_eq!(
        sig_text.len(),
        "bbs04-sig:1:".len() + 2 * bbs04::SIGNATURE_BYTES
    );
    assert_eq!(GroupSignature::decode(&sig_text), Ok(sig));
}

#[test]
fn param_info_must_name_this_scheme() {
    let (keys, members) = group(22, 1);
    let sig = bbs04::sign(&keys.public, &members[0], b"m", &mut rng(23)).encode();
    let gpk = keys.public.encode();
    assert_eq!(PARAM_INFO, "bbs04-param:1:bls12-381-sha256");
    assert!(matches!(
        group_sig_verify(&sig, "m", &gpk, "bbs04-param:1:bn254-sha256"),
        Err(SchemeError::UnsupportedParams { .. })
    ));
    assert!(matches!(
        group_sig_verify(&sig, "m", &gpk, "bbs04-param:2:bls12-381-sha256"),
        Err(SchemeError::UnsupportedVersion { .. })
    ));
    // FISCO's PBC parameter text is not accepted.
    assert!(matches!(
        group_sig_verify(
            &sig,
            "m",
            &gpk,
            "type a q 87807107996633125224377819847540498158068831994142"
        ),
        Err(SchemeError::BadFraming { .. })
    ));
}
