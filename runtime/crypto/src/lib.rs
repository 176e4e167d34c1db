//! Weft's crypto suites.
//!
//! A chain picks one suite in its genesis and keeps it for life. The suite decides the
//! hash of transactions, blocks and receipts, transaction and consensus signatures, and
//! how an account address derives from a public key:
//!
//! ```text
//!             hash        signature              signature bytes on the wire
//! Standard    Keccak-256  secp256k1 ECDSA        r ‖ s ‖ v           (65, v ∈ {0,1})
//! Sm (国密)   SM3         SM2 (ID 1234567812345678) r ‖ s ‖ public key (128)
//! ```
//!
//! Both suites use 32-byte secret keys and 64-byte public keys (the uncompressed point
//! without its `0x04` tag, which is also a node's id). An address is the last 20 bytes of
//! the suite's hash of the public key, so a standard-suite address is an Ethereum address.
//!
//! An SM2 signature cannot be recovered to its signer, so it carries the signer's public
//! key; [`CryptoSuite::recover`] verifies it against that key before returning it. Either
//! way a caller gets a public key only from a signature that verified.
//!
//! This crate depends on no other Weft crate. The EVM keeps Keccak-256 in both suites
//! (opcode, selectors); that is the executor's concern, not this crate's.

#![warn(missing_docs)]

mod keyfile;
mod sm;
mod standard;

use std::fmt;

pub use alloy_primitives::{Address, B256};
pub use keyfile::{load_secret_key, save_secret_key, KeyFileError};
pub use sm::SmSuite;
pub use standard::StandardSuite;

/// Errors from key handling, signing and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A signature has the wrong length for the chain's suite.
    #[error("signature is {found} bytes; the {suite} suite expects {expected}")]
    SignatureLength {
        /// The suite in force.
        suite: SuiteId,
        /// What the suite expects.
        expected: usize,
        /// What was given.
        found: usize,
    },
    /// A signature is well-formed in length but not a valid encoding (bad recovery id,
    /// scalar out of range, embedded public key not on the curve).
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    /// The signature does not verify for the message and key.
    #[error("signature does not verify")]
    BadSignature,
    /// A secret key is zero or not below the curve order.
    #[error("invalid secret key: {0}")]
    InvalidSecretKey(String),
    /// A public key is not a point of the suite's curve.
    #[error("invalid public key: {0}")]
    InvalidPublicKey(String),
}

/// Which suite a chain uses. Chosen once, in genesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuiteId {
    /// Keccak-256 and secp256k1 ECDSA.
    Standard,
    /// SM3 and SM2 (国密).
    Sm,
}

impl SuiteId {
    /// The suite's implementation.
    pub fn suite(self) -> &'static dyn CryptoSuite {
        match self {
            SuiteId::Standard => &StandardSuite,
            SuiteId::Sm => &SmSuite,
        }
    }

    /// A stable one-byte tag (used in genesis hashing and key files).
    pub fn tag(self) -> u8 {
        match self {
            SuiteId::Standard => 0,
            SuiteId::Sm => 1,
        }
    }
}

impl fmt::Display for SuiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SuiteId::Standard => "standard",
            SuiteId::Sm => "sm",
        })
    }
}

/// A 32-byte secret key, wiped from memory when dropped. Its `Debug` output hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// Wrap 32 bytes. Whether they are a valid key for a suite is checked by the suite
    /// ([`CryptoSuite::public_key`]).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<hidden>)")
    }
}

/// A 64-byte public key: the curve point's x ‖ y. Also a node's id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey(pub [u8; 64]);

impl PublicKey {
    /// Parse 64 bytes (x ‖ y). Whether the point is on a curve is checked when the key
    /// is used.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 64] = bytes.try_into().map_err(|_| {
            CryptoError::InvalidPublicKey(format!("{} bytes; expected 64 (x ‖ y)", bytes.len()))
        })?;
        Ok(PublicKey(arr))
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(0x{})", hex::encode(self.0))
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(self.0))
    }
}

/// A chain suite: hash, sign, verify, recover, derive addresses.
///
/// Implementations are stateless and shared as `&'static dyn CryptoSuite` through
/// [`SuiteId::suite`].
pub trait CryptoSuite: Send + Sync + fmt::Debug {
    /// Which suite this is.
    fn id(&self) -> SuiteId;

    /// The suite's 32-byte hash of `data`.
    fn hash(&self, data: &[u8]) -> B256;

    /// The hash of the concatenation of `parts`, without concatenating them first.
    fn hash_parts(&self, parts: &[&[u8]]) -> B256;

    /// The length of this suite's signatures on the wire.
    fn signature_len(&self) -> usize;

    /// A fresh random secret key.
    fn generate_secret(&self) -> SecretKey;

    /// The public key of `secret`; fails if `secret` is not a valid key on the curve.
    fn public_key(&self, secret: &SecretKey) -> Result<PublicKey, CryptoError>;

    /// Check that `public` is a point of the suite's curve.
    fn validate_public_key(&self, public: &PublicKey) -> Result<(), CryptoError>;

    /// Sign a 32-byte message hash.
    fn sign(&self, secret: &SecretKey, hash: &B256) -> Result<Vec<u8>, CryptoError>;

    /// Check that `signature` was made over `hash` by `public`.
    fn verify(&self, public: &PublicKey, hash: &B256, signature: &[u8]) -> Result<(), CryptoError>;

    /// The public key that made `signature` over `hash`, or an error if the signature does
    /// not verify. For SM2 the key travels inside the signature and is verified here.
    fn recover(&self, hash: &B256, signature: &[u8]) -> Result<PublicKey, CryptoError>;

    /// The account address of `public`: the last 20 bytes of its hash.
    fn address(&self, public: &PublicKey) -> Address {
        Address::from_slice(&self.hash(public.as_bytes())[12..])
    }

    /// Check a signature's length against this suite.
    fn check_signature_len(&self, signature: &[u8]) -> Result<(), CryptoError> {
        if signature.len() == self.signature_len() {
            Ok(())
        } else {
            Err(CryptoError::SignatureLength {
                suite: self.id(),
                expected: self.signature_len(),
                found: signature.len(),
            })
        }
    }
}

/// A secret key with its public key and address, for one suite.
#[derive(Clone)]
pub struct KeyPair {
    suite: SuiteId,
    secret: SecretKey,
    public: PublicKey,
    address: Address,
}

impl KeyPair {
    /// A fresh random key pair.
    pub fn generate(suite: SuiteId) -> Self {
        let s = suite.suite();
        loop {
            // A random 32-byte string is a valid key except with negligible probability
            // (zero, or at least the curve order); draw again in that case.
            if let Ok(pair) = Self::from_secret(suite, s.generate_secret()) {
                return pair;
            }
        }
    }

    /// The key pair of `secret`.
    pub fn from_secret(suite: SuiteId, secret: SecretKey) -> Result<Self, CryptoError> {
        let s = suite.suite();
        let public = s.public_key(&secret)?;
        let address = s.address(&public);
        Ok(KeyPair {
            suite,
            secret,
            public,
            address,
        })
    }

    /// The suite the pair belongs to.
    pub fn suite(&self) -> SuiteId {
        self.suite
    }

    /// The secret key.
    pub fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The public key (the node id, for a node key).
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The account address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Sign a 32-byte hash.
    pub fn sign(&self, hash: &B256) -> Result<Vec<u8>, CryptoError> {
        self.suite.suite().sign(&self.secret, hash)
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("suite", &self.suite)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Random bytes from the operating system's generator.
fn random_bytes() -> [u8; 32] {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suites() -> [SuiteId; 2] {
        [SuiteId::Standard, SuiteId::Sm]
    }

    #[test]
    fn sign_verify_recover_round_trip_in_both_suites() {
        for id in suites() {
            let suite = id.suite();
            let pair = KeyPair::generate(id);
            let hash = suite.hash(b"weft round trip");
            let sig = pair.sign(&hash).expect("sign");
            assert_eq!(sig.len(), suite.signature_len());
            suite.verify(pair.public(), &hash, &sig).expect("verify");
            assert_eq!(suite.recover(&hash, &sig).expect("recover"), *pair.public());
            assert_eq!(suite.address(pair.public()), pair.address());
        }
    }

    #[test]
    fn tampered_hash_or_signature_is_rejected() {
        for id in suites() {
            let suite = id.suite();
            let pair = KeyPair::generate(id);
            let hash = suite.hash(b"message");
            let sig = pair.sign(&hash).expect("sign");
            let other = suite.hash(b"other message");
            assert!(
                suite.verify(pair.public(), &other, &sig).is_err(),
                "{id}: other hash"
            );
            if let Ok(pk) = suite.recover(&other, &sig) {
                assert_ne!(
                    pk,
                    *pair.public(),
                    "{id}: recovered the signer for another hash"
                );
            }
            let mut bad = sig.clone();
            bad[5] ^= 1;
            assert!(
                suite.verify(pair.public(), &hash, &bad).is_err(),
                "{id}: flipped r"
            );
            let stranger = KeyPair::generate(id);
            assert!(
                suite.verify(stranger.public(), &hash, &sig).is_err(),
                "{id}: wrong key"
            );
        }
    }

    #[test]
    fn wrong_signature_length_is_a_typed_error() {
        for id in suites() {
            let suite = id.suite();
            let hash = suite.hash(b"x");
            for len in [0usize, 64, 66, 127, 129] {
                if len == suite.signature_len() {
                    continue;
                }
                let err = suite
                    .recover(&hash, &vec![1u8; len])
                    .expect_err("wrong length");
                assert!(
                    matches!(err, CryptoError::SignatureLength { found, .. } if found == len),
                    "{id} len {len}: {err}"
                );
                let pk = KeyPair::generate(id).public;
                assert!(matches!(
                    suite.verify(&pk, &hash, &vec![1u8; len]),
                    Err(CryptoError::SignatureLength { .. })
                ));
            }
        }
    }

    #[test]
    fn invalid_secret_keys_are_refused() {
        for id in suites() {
            let zero = SecretKey::from_bytes([0; 32]);
            assert!(matches!(
                id.suite().public_key(&zero),
                Err(CryptoError::InvalidSecretKey(_))
            ));
            let max = SecretKey::from_bytes([0xff; 32]);
            assert!(matches!(
                id.suite().public_key(&max),
                Err(CryptoError::InvalidSecretKey(_))
            ));
        }
    }

    #[test]
    fn hash_parts_equals_hash_of_concatenation() {
        for id in suites() {
            let suite = id.suite();
            assert_eq!(
                suite.hash_parts(&[b"ab", b"", b"cde"]),
                suite.hash(b"abcde")
            );
        }
    }

    #[test]
    fn secret_key_debug_hides_the_key() {
        let key = SecretKey::from_bytes([7; 32]);
        assert!(!format!("{key:?}").contains('7'));
    }
}
