//! The SM suite (国密): SM3 and SM2.

use std::sync::OnceLock;

use alloy_primitives::B256;
use libsm::sm2::signature::{SigCtx, Signature};
use num_bigint::BigUint;
use sm3::{Digest, Sm3};

use crate::{random_bytes, CryptoError, CryptoSuite, PublicKey, SecretKey, SuiteId};

/// SM3 and SM2 with the standard's default user id `1234567812345678`. A signature is
/// `r ‖ s ‖ public key` (32 + 32 + 64 bytes), as FISCO BCOS lays it out.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmSuite;

/// Length of an SM-suite signature.
pub const SIGNATURE_LEN: usize = 128;

/// The SM2 group order n.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x23,
];

/// libsm's context precomputes curve tables; build it once per process.
fn ctx() -> &'static SigCtx {
    static CTX: OnceLock<SigCtx> = OnceLock::new();
    CTX.get_or_init(SigCtx::new)
}

impl SmSuite {
    fn secret(secret: &SecretKey) -> Result<BigUint, CryptoError> {
        let bytes = secret.as_bytes();
        if bytes.iter().all(|b| *b == 0) || bytes[..] >= ORDER[..] {
            return Err(CryptoError::InvalidSecretKey(
                "zero or not below the SM2 order".into(),
            ));
        }
        Ok(BigUint::from_bytes_be(bytes))
    }

    fn point(public: &PublicKey) -> Result<libsm::sm2::ecc::Point, CryptoError> {
        let mut full = [0u8; 65];
        full[0] = 0x04;
        full[1..].copy_from_slice(public.as_bytes());
        ctx()
            .load_pubkey(&full)
            .map_err(|e| CryptoError::InvalidPublicKey(format!("not a point of SM2: {e}")))
    }

    fn public_of(point: &libsm::sm2::ecc::Point) -> Result<PublicKey, CryptoError> {
        let full = ctx()
            .serialize_pubkey(point, false)
            .map_err(|e| CryptoError::InvalidPublicKey(e.to_string()))?;
        PublicKey::from_slice(&full[1..])
    }

    /// Verify `r ‖ s` over the 32-byte message `hash` (hashed again with Z_A, as the
    /// standard prescribes).
    fn verify_rs(public: &PublicKey, hash: &B256, rs: &[u8]) -> Result<(), CryptoError> {
        let point = Self::point(public)?;
        let sig = Signature::new(&rs[..32], &rs[32..64]);
        match ctx().verify(hash.as_slice(), &point, &sig) {
            Ok(true) => Ok(()),
            Ok(false) => Err(CryptoError::BadSignature),
            Err(e) => Err(CryptoError::MalformedSignature(e.to_string())),
        }
    }
}

fn to_32(n: &BigUint) -> Result<[u8; 32], CryptoError> {
    let bytes = n.to_bytes_be();
    if bytes.len() > 32 {
        return Err(CryptoError::MalformedSignature(
            "scalar wider than 32 bytes".into(),
        ));
    }
    let mut out = [0u8; 32];
    out[32 - bytes.len()..].copy_from_slice(&bytes);
    Ok(out)
}

impl CryptoSuite for SmSuite {
    fn id(&self) -> SuiteId {
        SuiteId::Sm
    }

    fn hash(&self, data: &[u8]) -> B256 {
        B256::from_slice(&Sm3::digest(data))
    }

    fn hash_parts(&self, parts: &[&[u8]]) -> B256 {
        let mut hasher = Sm3::new();
        for part in parts {
            hasher.update(part);
        }
        B256::from_slice(&hasher.finalize())
    }

    fn signature_len(&self) -> usize {
        SIGNATURE_LEN
    }

    fn generate_secret(&self) -> SecretKey {
        SecretKey::from_bytes(random_bytes())
    }

    fn public_key(&self, secret: &SecretKey) -> Result<PublicKey, CryptoError> {
        let sk = Self::secret(secret)?;
        let point = ctx()
            .pk_from_sk(&sk)
            .map_err(|e| CryptoError::InvalidSecretKey(e.to_string()))?;
        Self::public_of(&point)
    }

    fn validate_public_key(&self, public: &PublicKey) -> Result<(), CryptoError> {
        Self::point(public).map(|_| ())
    }

    fn sign(&self, secret: &SecretKey, hash: &B256) -> Result<Vec<u8>, CryptoError> {
        let sk = Self::secret(secret)?;
        let point = ctx()
            .pk_from_sk(&sk)
            .map_err(|e| CryptoError::InvalidSecretKey(e.to_string()))?;
        let sig = ctx()
            .sign(hash.as_slice(), &sk, &point)
            .map_err(|e| CryptoError::InvalidSecretKey(format!("SM2 signing failed: {e}")))?;
        let mut out = Vec::with_capacity(SIGNATURE_LEN);
        out.extend_from_slice(&to_32(sig.get_r())?);
        out.extend_from_slice(&to_32(sig.get_s())?);
        out.extend_from_slice(Self::public_of(&point)?.as_bytes());
        Ok(out)
    }

    fn verify(&self, public: &PublicKey, hash: &B256, signature: &[u8]) -> Result<(), CryptoError> {
        self.check_signature_len(signature)?;
        // The key carried in the signature must be the key the caller expects.
        if signature[64..] != public.as_bytes()[..] {
            return Err(CryptoError::BadSignature);
        }
        Self::verify_rs(public, hash, &signature[..64])
    }

    fn recover(&self, hash: &B256, signature: &[u8]) -> Result<PublicKey, CryptoError> {
        self.check_signature_len(signature)?;
        let public = PublicKey::from_slice(&signature[64..])?;
        Self::verify_rs(&public, hash, &signature[..64])?;
        Ok(public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{b256, hex};

    #[test]
    fn sm3_vectors() {
        let s = SmSuite;
        // GB/T 32905-2016, examples A.1 and A.2.
        assert_eq!(
            s.hash(b"abc"),
            b256!("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        );
        assert_eq!(
            s.hash(&b"abcd".repeat(16)),
            b256!("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        );
    }

    /// GB/T 32918.5-2017 (GM/T 0003.5-2012) annex A.2: the signature example on the
    /// recommended curve, message "message digest", user id 1234567812345678.
    #[test]
    fn sm2_standard_signature_example() {
        let secret = SecretKey::from_bytes(hex!(
            "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
        ));
        let public = SmSuite.public_key(&secret).expect("valid key");
        assert_eq!(
            public.0,
            hex!(
                "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
            )
        );
        let point = SmSuite::point(&public).expect("on curve");
        // e = SM3(Z_A ‖ M), published in the standard.
        let e = ctx()
            .hash("1234567812345678", &point, b"message digest")
            .expect("hash");
        assert_eq!(
            e,
            hex!("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
        );
        let rs = hex!(
            "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
            "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
        );
        let sig = Signature::new(&rs[..32], &rs[32..]);
        assert_eq!(ctx().verify(b"message digest", &point, &sig), Ok(true));
        assert_eq!(ctx().verify(b"message digesT", &point, &sig), Ok(false));
    }

    #[test]
    fn embedded_key_must_match_and_be_on_the_curve() {
        let s = SmSuite;
        let pair = crate::KeyPair::generate(SuiteId::Sm);
        let hash = s.hash(b"tx");
        let sig = pair.sign(&hash).expect("sign");
        let other = crate::KeyPair::generate(SuiteId::Sm);
        assert_eq!(
            s.verify(other.public(), &hash, &sig),
            Err(CryptoError::BadSignature)
        );
        let mut off_curve = sig.clone();
        off_curve[64..].copy_from_slice(&[1u8; 64]);
        assert!(matches!(
            s.recover(&hash, &off_curve),
            Err(CryptoError::InvalidPublicKey(_))
        ));
    }
}
