//! The crate's one error type.

use thiserror::Error;

/// Why an input could not be decoded or a key operation could not be carried out.
///
/// Every string that reaches a precompile is untrusted: a malformed one yields one of these
/// variants (the precompile reports it as an error code), never a panic. A well-formed
/// signature that simply does not verify is *not* an error: the verify functions return
/// `Ok(false)` for it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SchemeError {
    /// The input string is longer than any valid encoding of its kind.
    #[error("{what} is {len} bytes long, more than the {max} bytes any valid one can take; check that the right value was passed")]
    TooLong {
        /// Which value was being decoded.
        what: &'static str,
        /// Length of the input, in bytes.
        len: usize,
        /// Largest length accepted.
        max: usize,
    },

    /// The string is not of the form `<kind>:<version>:<payload>`.
    #[error("{what} is not of the form `{expected_kind}:<version>:<payload>`")]
    BadFraming {
        /// Which value was being decoded.
        what: &'static str,
        /// The kind tag the string should begin with.
        expected_kind: &'static str,
    },

    /// The string carries a different kind tag (for example a ring key list passed as a group key).
    #[error("{what} must start with `{expected}:`, found `{found}:`; was another kind of value passed in its place?")]
    WrongKind {
        /// Which value was being decoded.
        what: &'static str,
        /// The kind tag expected.
        expected: &'static str,
        /// The kind tag found (at most 32 characters of it).
        found: String,
    },

    /// The encoding version is not one this build understands.
    #[error("{what} has encoding version `{found}`, this build understands version {supported} only; upgrade the node or re-encode the value")]
    UnsupportedVersion {
        /// Which value was being decoded.
        what: &'static str,
        /// The version field found (at most 32 characters of it).
        found: String,
        /// The version this build supports.
        supported: u8,
    },

    /// The payload is not lowercase hexadecimal of even length.
    #[error("{what} payload is not lowercase hexadecimal with an even number of digits")]
    InvalidHex {
        /// Which value was being decoded.
        what: &'static str,
    },

    /// The payload has the wrong number of bytes (truncated or padded).
    #[error("{what} payload is {found} bytes, expected {expected}")]
    WrongLength {
        /// Which value was being decoded.
        what: &'static str,
        /// Expected payload length in bytes.
        expected: usize,
        /// Payload length found, in bytes.
        found: usize,
    },

    /// A curve point is not on the curve, not in the prime-order subgroup, or not canonically encoded.
    #[error("{what} is not a valid compressed point of the prime-order group")]
    InvalidPoint {
        /// Which point was being decoded.
        what: &'static str,
    },

    /// A curve point is the identity, which no honest key or signature contains.
    #[error("{what} is the identity point, which no valid key or signature contains")]
    IdentityPoint {
        /// Which point was being decoded.
        what: &'static str,
    },

    /// A scalar is not the canonical encoding of a field element (it is not below the group order).
    #[error("{what} is not a canonical scalar (it must be below the group order)")]
    InvalidScalar {
        /// Which scalar was being decoded.
        what: &'static str,
    },

    /// A ring has no members.
    #[error("the ring is empty; a ring needs at least one public key")]
    EmptyRing,

    /// A ring has more members than allowed.
    #[error("the ring has {size} public keys, at most {max} are allowed")]
    RingTooLarge {
        /// Number of members requested or declared.
        size: usize,
        /// Largest ring size accepted.
        max: usize,
    },

    /// A public key appears twice in a ring.
    #[error("public key #{index} of the ring repeats an earlier key; list each key once")]
    DuplicateRingMember {
        /// Index of the second occurrence.
        index: usize,
    },

    /// The signer index does not point into the ring.
    #[error("signer index {index} is outside the ring of {ring_size} keys")]
    SignerIndexOutOfRange {
        /// Index given.
        index: usize,
        /// Size of the ring.
        ring_size: usize,
    },

    /// The secret key does not belong to the ring member at the signer index.
    #[error("the secret key does not match public key #{index} of the ring; pass the index of your own key")]
    SignerKeyMismatch {
        /// Index given.
        index: usize,
    },

    /// The parameter descriptor names a scheme, curve or hash this build does not implement.
    #[error("unsupported parameters `{found}`, expected `{expected}`")]
    UnsupportedParams {
        /// The descriptor found (at most 64 characters of it).
        found: String,
        /// The descriptor supported.
        expected: &'static str,
    },

    /// A member key does not satisfy `e(A, w·g2^x) = e(g1, g2)` for this group public key.
    #[error("the member key was not issued under this group public key")]
    MemberKeyMismatch,

    /// The group signature does not verify, so it cannot be opened.
    #[error("the group signature does not verify under this group public key and message; it cannot be opened")]
    SignatureInvalid,

    /// RFC 9380 hashing (to the curve or to a scalar) failed. It fails only for an invalid
    /// domain separation tag, and this crate's tags are valid constants, so it is not reachable.
    #[error("RFC 9380 hash to curve or to scalar failed (invalid domain separation tag)")]
    HashToCurve,
}

impl SchemeError {
    /// A stable, negative code for this error, for precompiles that return an `int32` status.
    ///
    /// `0` is success and is never returned here. Codes are part of the on-chain interface:
    /// new variants get new codes, existing codes never change.
    pub fn code(&self) -> i32 {
        match self {
            Self::TooLong { .. } => -1,
            Self::BadFraming { .. } => -2,
            Self::WrongKind { .. } => -3,
            Self::UnsupportedVersion { .. } => -4,
            Self::InvalidHex { .. } => -5,
            Self::WrongLength { .. } => -6,
            Self::InvalidPoint { .. } => -7,
            Self::IdentityPoint { .. } => -8,
            Self::InvalidScalar { .. } => -9,
            Self::EmptyRing => -10,
            Self::RingTooLarge { .. } => -11,
            Self::DuplicateRingMember { .. } => -12,
            Self::SignerIndexOutOfRange { .. } => -13,
            Self::SignerKeyMismatch { .. } => -14,
            Self::UnsupportedParams { .. } => -15,
            Self::MemberKeyMismatch => -16,
            Self::SignatureInvalid => -17,
            Self::HashToCurve => -18,
        }
    }
}
