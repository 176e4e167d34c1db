//! Errors of decoding and verification.

use weft_crypto::CryptoError;

/// Why bytes did not decode into a Weft type. Every variant names what was being decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is larger than the limit for its kind.
    #[error("{what} is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// What was being decoded.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A list holds more items than allowed.
    #[error("{what} has {count} items, over the limit of {limit}")]
    TooMany {
        /// What list.
        what: &'static str,
        /// How many items it has (at least).
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The bytes are not valid canonical RLP for the type.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Bytes were left over after a complete value.
    #[error("{what} has {count} trailing bytes after its encoding")]
    TrailingBytes {
        /// What was decoded.
        what: &'static str,
        /// How many bytes were left.
        count: usize,
    },
    /// The input was empty.
    #[error("empty input where {what} was expected")]
    Empty {
        /// What was expected.
        what: &'static str,
    },
    /// An Ethereum transaction type Weft does not accept.
    #[error("unsupported transaction type 0x{0:02x}: Weft accepts legacy (EIP-155), EIP-2930 (0x01), EIP-1559 (0x02) and native (0x57) transactions")]
    UnsupportedTxType(u8),
    /// A receipt status code that is not defined.
    #[error("unknown transaction status code {0}")]
    UnknownStatus(u32),
}

impl DecodeError {
    pub(crate) fn rlp(what: &'static str, err: alloy_rlp::Error) -> Self {
        DecodeError::Malformed {
            what,
            reason: err.to_string(),
        }
    }
}

/// Why a transaction could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The transaction's bytes are malformed.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The signature is malformed or does not verify.
    #[error("bad transaction signature: {0}")]
    Signature(#[from] CryptoError),
    /// A legacy Ethereum transaction without an EIP-155 chain id could be replayed on any
    /// chain, so it is refused.
    #[error("legacy transaction without an EIP-155 chain id: sign it with the chain id (EIP-155) to prevent replay on other chains")]
    MissingChainId,
}
