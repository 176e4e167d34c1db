//! The standard suite: Keccak-256 and secp256k1 ECDSA through libsecp256k1.

use alloy_primitives::{keccak256, B256};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId, Signature};
use secp256k1::{Message, SECP256K1};

use crate::{random_bytes, CryptoError, CryptoSuite, PublicKey, SecretKey, SuiteId};

/// Keccak-256 and secp256k1 ECDSA; signatures are `r ‖ s ‖ v` with `v ∈ {0, 1}` and a
/// low `s` (as Ethereum requires since Homestead), so one signature has one encoding.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardSuite;

/// Length of a standard-suite signature.
pub const SIGNATURE_LEN: usize = 65;

impl StandardSuite {
    fn secret(secret: &SecretKey) -> Result<secp256k1::SecretKey, CryptoError> {
        secp256k1::SecretKey::from_byte_array(*secret.as_bytes()).map_err(|_| {
            CryptoError::InvalidSecretKey("zero or not below the secp256k1 order".into())
        })
    }

    fn parse(&self, signature: &[u8]) -> Result<RecoverableSignature, CryptoError> {
        self.check_signature_len(signature)?;
        let recid = RecoveryId::try_from(i32::from(signature[64])).map_err(|_| {
            CryptoError::MalformedSignature(format!("recovery id {} is not 0 or 1", signature[64]))
        })?;
        if signature[64] > 1 {
            return Err(CryptoError::MalformedSignature(format!(
                "recovery id {} is not 0 or 1",
                signature[64]
            )));
        }
        let sig = RecoverableSignature::from_compact(&signature[..64], recid)
            .map_err(|e| CryptoError::MalformedSignature(e.to_string()))?;
        let mut normalized = sig.to_standard();
        normalized.normalize_s();
        if normalized != sig.to_standard() {
            return Err(CryptoError::MalformedSignature(
                "s is in the upper half of the order".into(),
            ));
        }
        Ok(sig)
    }

    fn to_public(pk: &secp256k1::PublicKey) -> PublicKey {
        let full = pk.serialize_uncompressed();
        let mut out = [0u8; 64];
        out.copy_from_slice(&full[1..]);
        PublicKey(out)
    }

    fn from_public(public: &PublicKey) -> Result<secp256k1::PublicKey, CryptoError> {
        let mut full = [0u8; 65];
        full[0] = 0x04;
        full[1..].copy_from_slice(public.as_bytes());
        secp256k1::PublicKey::from_byte_array_uncompressed(full)
            .map_err(|_| CryptoError::InvalidPublicKey("not a point of secp256k1".into()))
    }
}

impl CryptoSuite for StandardSuite {
    fn id(&self) -> SuiteId {
        SuiteId::Standard
    }

    fn hash(&self, data: &[u8]) -> B256 {
        keccak256(data)
    }

    fn hash_parts(&self, parts: &[&[u8]]) -> B256 {
        let mut hasher = alloy_primitives::Keccak256::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize()
    }

    fn signature_len(&self) -> usize {
        SIGNATURE_LEN
    }

    fn generate_secret(&self) -> SecretKey {
        SecretKey::from_bytes(random_bytes())
    }

    fn public_key(&self, secret: &SecretKey) -> Result<PublicKey, CryptoError> {
        let sk = Self::secret(secret)?;
        Ok(Self::to_public(
            &secp256k1::PublicKey::from_secret_key_global(&sk),
        ))
    }

    fn validate_public_key(&self, public: &PublicKey) -> Result<(), CryptoError> {
        Self::from_public(public).map(|_| ())
    }

    fn sign(&self, secret: &SecretKey, hash: &B256) -> Result<Vec<u8>, CryptoError> {
        let sk = Self::secret(secret)?;
        // libsecp256k1 always produces low-s signatures.
        let sig = SECP256K1.sign_ecdsa_recoverable(Message::from_digest(hash.0), &sk);
        let (recid, compact) = sig.serialize_compact();
        let mut out = Vec::with_capacity(SIGNATURE_LEN);
        out.extend_from_slice(&compact);
        out.push(i32::from(recid) as u8);
        Ok(out)
    }

    fn verify(&self, public: &PublicKey, hash: &B256, signature: &[u8]) -> Result<(), CryptoError> {
        let sig: Signature = self.parse(signature)?.to_standard();
        let pk = Self::from_public(public)?;
        SECP256K1
            .verify_ecdsa(Message::from_digest(hash.0), &sig, &pk)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn recover(&self, hash: &B256, signature: &[u8]) -> Result<PublicKey, CryptoError> {
        let sig = self.parse(signature)?;
        let pk = SECP256K1
            .recover_ecdsa(Message::from_digest(hash.0), &sig)
            .map_err(|_| CryptoError::BadSignature)?;
        Ok(Self::to_public(&pk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, hex};

    #[test]
    fn keccak_vectors() {
        let s = StandardSuite;
        assert_eq!(
            s.hash(b""),
            b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        );
        assert_eq!(
            s.hash(b"abc"),
            b256!("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        );
    }

    /// The EIP-155 example: private key 0x4646…46 signs the chain-1 transfer whose
    /// signing hash the EIP publishes; its signature and sender are known.
    #[test]
    fn eip155_example_signature_and_sender() {
        let s = StandardSuite;
        let signing_data = hex!("ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080");
        let hash = s.hash(&signing_data);
        assert_eq!(
            hash,
            b256!("daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
        );
        let secret = SecretKey::from_bytes([0x46; 32]);
        let sig = s.sign(&secret, &hash).expect("sign");
        // v = 37 = 35 + 2·1 + recovery id 0.
        let expected = hex!("28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276 67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83 00");
        assert_eq!(sig, expected.to_vec());
        let public = s.recover(&hash, &sig).expect("recover");
        assert_eq!(
            s.address(&public),
            address!("9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F")
        );
    }

    #[test]
    fn high_s_and_bad_recovery_id_are_malformed() {
        let s = StandardSuite;
        let secret = SecretKey::from_bytes([0x46; 32]);
        let hash = s.hash(b"m");
        let sig = s.sign(&secret, &hash).expect("sign");
        let mut v27 = sig.clone();
        v27[64] = 27;
        assert!(matches!(
            s.recover(&hash, &v27),
            Err(CryptoError::MalformedSignature(_))
        ));
        // s' = n - s is the same signature with a high s.
        let n = alloy_primitives::U256::from_be_bytes(hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        let low_s = alloy_primitives::U256::from_be_slice(&sig[32..64]);
        let mut high = sig.clone();
        high[32..64].copy_from_slice(&(n - low_s).to_be_bytes::<32>());
        high[64] ^= 1;
        assert!(matches!(
            s.recover(&hash, &high),
            Err(CryptoError::MalformedSignature(_))
        ));
    }
}
