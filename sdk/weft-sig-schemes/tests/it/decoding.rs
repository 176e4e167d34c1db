//! Decoding untrusted strings: every malformed input is a typed error, never a panic.

use ark_bls12_381::{Fq, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_serialize::CanonicalDeserialize;
use k256::elliptic_curve::sec1::FromEncodedPoint;
use weft_sig_schemes::bbs04::{self, GroupPublicKey, GroupSignature, PARAM_INFO};
use weft_sig_schemes::lsag::{self, Ring, RingSignature, MAX_RING_SIZE};
use weft_sig_schemes::{group_sig_verify, ring_sig_verify, SchemeError};

use crate::{reframe, rng, tamper, unframe};

struct Fixture {
    gpk: String,
    group_sig: String,
    ring: String,
    ring_sig: String,
}

fn fixture() -> Fixture {
    let mut rng = rng(1);
    let keys = bbs04::keygen(&mut rng);
    let member = bbs04::issue(&keys.public, &keys.issuing, &mut rng);
    let group_sig = bbs04::sign(&keys.public, &member, b"m", &mut rng).encode();
    let pairs: Vec<_> = (0..4).map(|_| lsag::keygen(&mut rng)).collect();
    let ring = Ring::new(pairs.iter().map(|(_, p)| *p).collect()).unwrap();
    let ring_sig = lsag::sign(b"m", &ring, &pairs[2].0, 2, &mut rng)
        .unwrap()
        .encode();
    Fixture {
        gpk: keys.public.encode(),
        group_sig,
        ring: ring.encode(),
        ring_sig,
    }
}

/// A compressed G1 encoding (zcash flags: 0x80 compressed) of x-coordinate `x`.
fn g1_bytes_with_x(x: u64) -> Vec<u8> {
    let mut bytes = Fq::from(x).into_bigint().to_bytes_be();
    bytes[0] |= 0x80;
    bytes
}

/// First small x whose compressed encoding is not on G1's curve, and first on the curve but
/// outside the prime-order subgroup.
fn bad_g1_points() -> (Vec<u8>, Vec<u8>) {
    let mut off_curve = None;
    let mut off_subgroup = None;
    for x in 1u64.. {
        let bytes = g1_bytes_with_x(x);
        match G1Affine::deserialize_compressed_unchecked(&bytes[..]) {
            Err(_) => off_curve = off_curve.or(Some(bytes)),
            Ok(p) if !p.is_in_correct_subgroup_assuming_on_curve() => {
                off_subgroup = off_subgroup.or(Some(bytes))
            }
            Ok(_) => {}
        }
        if let (Some(a), Some(b)) = (&off_curve, &off_subgroup) {
            return (a.clone(), b.clone());
        }
    }
    unreachable!()
}

#[test]
fn truncated_inputs_are_wrong_length() {
    let f = fixture();
    let cut_byte = |text: &str| {
        tamper(text, |p| {
            p.pop();
        })
    };
    assert!(matches!(
        GroupPublicKey::decode(&cut_byte(&f.gpk)),
        Err(SchemeError::WrongLength {
            expected: 384,
            found: 383,
            ..
        })
    ));
    assert!(matches!(
        group_sig_verify(&cut_byte(&f.group_sig), "m", &f.gpk, PARAM_INFO),
        Err(SchemeError::WrongLength {
            expected: 336,
            found: 335,
            ..
        })
    ));
    assert!(matches!(
        Ring::decode(&cut_byte(&f.ring)),
        Err(SchemeError::WrongLength { .. })
    ));
    assert!(matches!(
        ring_sig_verify(&cut_byte(&f.ring_sig), "m", &f.ring),
        Err(SchemeError::WrongLength { .. })
    ));
    // Half a hex digit.
    assert!(matches!(
        GroupPublicKey::decode(&f.gpk[..f.gpk.len() - 1]),
        Err(SchemeError::InvalidHex { .. })
    ));
    // Nothing at all.
    assert!(matches!(
        Ring::decode("lsag-ring:1:"),
        Err(SchemeError::EmptyRing)
    ));
    assert!(matches!(
        RingSignature::decode("lsag-sig:1:"),
        Err(SchemeError::WrongLength { .. })
    ));
    assert!(matches!(
        GroupSignature::decode(""),
        Err(SchemeError::BadFraming { .. })
    ));
}

#[test]
fn oversized_inputs_are_refused_before_decoding() {
    let f = fixture();
    let extended = |text: &str| format!("{text}00");
    assert!(matches!(
        GroupPublicKey::decode(&extended(&f.gpk)),
        Err(SchemeError::TooLong { .. })
    ));
    assert!(matches!(
        GroupSignature::decode(&extended(&f.group_sig)),
        Err(SchemeError::TooLong { .. })
    ));
    // Extra bytes within the size limit contradict the count byte.
    assert!(matches!(
        Ring::decode(&extended(&f.ring)),
        Err(SchemeError::WrongLength { .. })
    ));
    assert!(matches!(
        RingSignature::decode(&extended(&f.ring_sig)),
        Err(SchemeError::WrongLength { .. })
    ));
    // Megabytes of hex, with and without framing.
    let huge = "ab".repeat(1 << 20);
    assert!(matches!(
        Ring::decode(&format!("lsag-ring:1:{huge}")),
        Err(SchemeError::TooLong { .. })
    ));
    assert!(matches!(
        ring_sig_verify(&format!("lsag-sig:1:{huge}"), "m", &f.ring),
        Err(SchemeError::TooLong { .. })
    ));
    assert!(matches!(
        GroupPublicKey::decode(&huge),
        Err(SchemeError::TooLong { .. })
    ));
}

#[test]
fn rings_larger_than_64_are_refused() {
    let mut rng = rng(2);
    let keys: Vec<_> = (0..=MAX_RING_SIZE)
        .map(|_| lsag::keygen(&mut rng).1)
        .collect();
    assert_eq!(
        Ring::new(keys.clone()),
        Err(SchemeError::RingTooLarge { size: 65, max: 64 })
    );
    assert!(Ring::new(keys[..64].to_vec()).is_ok());
    let encode = |count: u8, keys: &[lsag::RingPublicKey]| {
        let mut payload = vec![count];
        for key in keys {
            payload.extend_from_slice(&unframe(&key.encode()).1);
        }
        reframe("lsag-ring:1:", &payload)
    };
    // 65 keys do not fit in the largest payload.
    assert!(matches!(
        Ring::decode(&encode(65, &keys)),
        Err(SchemeError::TooLong { .. })
    ));
    // A count above 64 is refused even when the payload is small.
    assert_eq!(
        Ring::decode(&encode(65, &keys[..2])),
        Err(SchemeError::RingTooLarge { size: 65, max: 64 })
    );
    assert_eq!(Ring::decode(&encode(0, &[])), Err(SchemeError::EmptyRing));
    assert!(Ring::decode(&encode(64, &keys[..64])).is_ok());
    // The same key twice.
    assert_eq!(
        Ring::decode(&encode(3, &[keys[0], keys[1], keys[0]])),
        Err(SchemeError::DuplicateRingMember { index: 2 })
    );
    assert_eq!(Ring::new(vec![]), Err(SchemeError::EmptyRing));
    // A signature declaring 65 responses.
    let sig = reframe("lsag-sig:1:", &[65u8; 1 + 33 + 32]);
    assert_eq!(
        RingSignature::decode(&sig),
        Err(SchemeError::RingTooLarge { size: 65, max: 64 })
    );
}

#[test]
fn wrong_version_or_kind_is_refused() {
    let f = fixture();
    let bump = |text: &str| text.replacen(":1:", ":2:", 1);
    for result in [
        GroupPublicKey::decode(&bump(&f.gpk)).map(drop),
        GroupSignature::decode(&bump(&f.group_sig)).map(drop),
        Ring::decode(&bump(&f.ring)).map(drop),
        RingSignature::decode(&bump(&f.ring_sig)).map(drop),
        bbs04::check_param_info(&bump(PARAM_INFO)),
    ] {
        assert!(
            matches!(
                result,
                Err(SchemeError::UnsupportedVersion { supported: 1, .. })
            ),
            "{result:?}"
        );
    }
    // Arguments swapped: a ring key list where the group key should be, and the reverse.
    assert!(matches!(
        group_sig_verify(&f.group_sig, "m", &f.ring, PARAM_INFO),
        Err(SchemeError::WrongKind { .. })
    ));
    assert!(matches!(
        ring_sig_verify(&f.ring_sig, "m", &f.gpk),
        Err(SchemeError::WrongKind { .. })
    ));
    assert!(matches!(
        ring_sig_verify(&f.ring, "m", &f.ring),
        Err(SchemeError::WrongKind { .. })
    ));
    // Uppercase hex and a 0x prefix are not canonical.
    let (head, payload) = unframe(&f.ring);
    assert!(matches!(
        Ring::decode(&format!("{head}{}", hex::encode_upper(&payload))),
        Err(SchemeError::InvalidHex { .. })
    ));
    assert!(matches!(
        Ring::decode(&f.ring.replacen(":1:", ":1:0x", 1)),
        Err(SchemeError::InvalidHex { .. })
    ));
}

#[test]
fn g1_points_off_the_curve_or_subgroup_are_refused() {
    let f = fixture();
    let (off_curve, off_subgroup) = bad_g1_points();
    for bad in [&off_curve, &off_subgroup] {
        // As the signature's T2.
        let sig = tamper(&f.group_sig, |p| p[48..96].copy_from_slice(bad));
        assert_eq!(
            group_sig_verify(&sig, "m", &f.gpk, PARAM_INFO),
            Err(SchemeError::InvalidPoint {
                what: "group signature T2"
            })
        );
        // As the public key's h (after g1 and g2).
        let gpk = tamper(&f.gpk, |p| p[144..192].copy_from_slice(bad));
        assert_eq!(
            GroupPublicKey::decode(&gpk),
            Err(SchemeError::InvalidPoint {
                what: "group public key h"
            })
        );
    }
    // The identity (compressed + infinity flags) is refused in keys and signatures.
    let mut identity = vec![0u8; 48];
    identity[0] = 0xc0;
    assert!(G1Affine::deserialize_compressed(&identity[..])
        .unwrap()
        .is_zero());
    let gpk = tamper(&f.gpk, |p| p[..48].copy_from_slice(&identity));
    assert_eq!(
        GroupPublicKey::decode(&gpk),
        Err(SchemeError::IdentityPoint {
            what: "group public key g1"
        })
    );
    let sig = tamper(&f.group_sig, |p| p[..48].copy_from_slice(&identity));
    assert_eq!(
        GroupSignature::decode(&sig),
        Err(SchemeError::IdentityPoint {
            what: "group signature T1"
        })
    );
    // A G2 point with a flipped bit (the public key's w).
    let gpk = tamper(&f.gpk, |p| p[383] ^= 1);
    assert_eq!(
        GroupPublicKey::decode(&gpk),
        Err(SchemeError::InvalidPoint {
            what: "group public key w"
        })
    );
}

#[test]
fn non_canonical_scalars_are_refused() {
    let f = fixture();
    // s_x (little-endian) set to 2^256 − 1, above the BLS12-381 scalar order.
    let sig = tamper(&f.group_sig, |p| p[144 + 96..144 + 128].fill(0xff));
    assert_eq!(
        GroupSignature::decode(&sig),
        Err(SchemeError::InvalidScalar {
            what: "group signature s_x"
        })
    );
    // c_0 of the ring signature set to the secp256k1 order n.
    let order =
        hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").unwrap();
    let sig = tamper(&f.ring_sig, |p| p[34..66].copy_from_slice(&order));
    assert!(matches!(
        ring_sig_verify(&sig, "m", &f.ring),
        Err(SchemeError::InvalidScalar { .. })
    ));
}

#[test]
fn secp256k1_points_off_the_curve_are_refused() {
    let f = fixture();
    // Smallest x with no point on y² = x³ + 7.
    let off_curve = (1u8..)
        .map(|x| {
            let mut bytes = [0u8; 33];
            bytes[0] = 2;
            bytes[32] = x;
            bytes
        })
        .find(|b| {
            let encoded = k256::EncodedPoint::from_bytes(b).unwrap();
            bool::from(k256::AffinePoint::from_encoded_point(&encoded).is_none())
        })
        .unwrap();
    let mut x_above_p = [0xffu8; 33];
    x_above_p[0] = 2;
    let mut identity = [0u8; 33];
    identity[0] = 0;
    let mut wrong_prefix = unframe(&f.ring).1[1..34].to_vec();
    wrong_prefix[0] = 4;
    for bad in [
        &off_curve[..],
        &x_above_p[..],
        &identity[..],
        &wrong_prefix[..],
    ] {
        let ring = tamper(&f.ring, |p| p[1..34].copy_from_slice(bad));
        assert_eq!(
            Ring::decode(&ring),
            Err(SchemeError::InvalidPoint {
                what: "ring public key"
            })
        );
        let sig = tamper(&f.ring_sig, |p| p[1..34].copy_from_slice(bad));
        assert_eq!(
            ring_sig_verify(&sig, "m", &f.ring),
            Err(SchemeError::InvalidPoint {
                what: "ring signature key image"
            })
        );
    }
}

#[test]
fn error_codes_are_distinct_and_negative() {
    let errors = [
        SchemeError::TooLong {
            what: "",
            len: 0,
            max: 0,
        },
        SchemeError::BadFraming {
            what: "",
            expected_kind: "",
        },
        SchemeError::WrongKind {
            what: "",
            expected: "",
            found: String::new(),
        },
        SchemeError::UnsupportedVersion {
            what: "",
            found: String::new(),
            supported: 1,
        },
        SchemeError::InvalidHex { what: "" },
        SchemeError::WrongLength {
            what: "",
            expected: 0,
            found: 0,
        },
        SchemeError::InvalidPoint { what: "" },
        SchemeError::IdentityPoint { what: "" },
        SchemeError::InvalidScalar { what: "" },
        SchemeError::EmptyRing,
        SchemeError::RingTooLarge { size: 0, max: 0 },
        SchemeError::DuplicateRingMember { index: 0 },
        SchemeError::SignerIndexOutOfRange {
            index: 0,
            ring_size: 0,
        },
        SchemeError::SignerKeyMismatch { index: 0 },
        SchemeError::UnsupportedParams {
            found: String::new(),
            expected: "",
        },
        SchemeError::MemberKeyMismatch,
        SchemeError::SignatureInvalid,
        SchemeError::HashToCurve,
    ];
    let mut codes: Vec<i32> = errors.iter().map(SchemeError::code).collect();
    assert!(codes.iter().all(|c| *c < 0));
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
}

#[test]
fn arbitrary_text_never_panics() {
    let f = fixture();
    let mut rng = rng(3);
    use rand::Rng;
    let alphabet: Vec<char> = "0123456789abcdefABX:-é\u{0}".chars().collect();
    for _ in 0..300 {
        let len = rng.gen_range(0..200);
        let noise: String = (0..len)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect();
        for text in [
            noise.clone(),
            format!("lsag-ring:1:{noise}"),
            format!("bbs04-gpk:1:{noise}"),
        ] {
            let _ = group_sig_verify(&text, "m", &f.gpk, PARAM_INFO);
            let _ = group_sig_verify(&f.group_sig, "m", &text, PARAM_INFO);
            let _ = group_sig_verify(&f.group_sig, "m", &f.gpk, &text);
            let _ = ring_sig_verify(&text, "m", &f.ring);
            let _ = ring_sig_verify(&f.ring_sig, "m", &text);
        }
    }
}
