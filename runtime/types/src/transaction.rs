//! Transactions: Weft's native form and Ethereum's.

use alloy_consensus::{Transaction as _, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use weft_crypto::{CryptoSuite, KeyPair, SuiteId};

use crate::limits::check_size;
use crate::{DecodeError, DecodeLimits, TxError};

/// The EIP-2718 type byte of a native transaction. Ethereum uses 0x00–0x04 and legacy
/// transactions start at 0xc0, so the first byte tells the forms apart; the same byte
/// prefixes the signed message, so a native signature can never pass as an Ethereum one.
pub const NATIVE_TX_TYPE: u8 = 0x57;

/// A native transaction's fields: replay protection by `block_limit` and a random
/// `nonce` (unique within the last `block_limit` window), signed with the chain's suite.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct NativeTx {
    /// The chain it is meant for.
    pub chain_id: u64,
    /// The group it is meant for.
    pub group_id: String,
    /// Valid while `height < block_limit <= height + window`.
    pub block_limit: u64,
    /// A random number the sender chooses; never reused within the window.
    pub nonce: U256,
    /// The contract called, or `Create` to deploy `input` as code.
    pub to: TxKind,
    /// Value transferred (chains may run without a native coin; then 0).
    pub value: U256,
    /// Gas the transaction may use.
    pub gas_limit: u64,
    /// Call data, or deployment code.
    pub input: Bytes,
    /// The contract's ABI (JSON) on deployment, kept so clients can fetch it; empty
    /// otherwise.
    pub abi: String,
}

impl NativeTx {
    /// The hash that is signed, which is also the transaction's hash:
    /// `suite.hash(0x57 ‖ rlp(fields))`.
    pub fn signing_hash(&self, suite: &dyn CryptoSuite) -> B256 {
        let mut body = Vec::with_capacity(self.length());
        self.encode(&mut body);
        suite.hash_parts(&[&[NATIVE_TX_TYPE], &body])
    }

    /// Sign with `key`, in `key`'s suite.
    pub fn sign(self, key: &KeyPair) -> Result<SignedNativeTx, weft_crypto::CryptoError> {
        let hash = self.signing_hash(key.suite().suite());
        let signature = key.sign(&hash)?.into();
        Ok(SignedNativeTx {
            tx: self,
            signature,
        })
    }
}

/// A native transaction with its signature (outside the hash).
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct SignedNativeTx {
    /// The signed fields.
    pub tx: NativeTx,
    /// The suite's signature over [`NativeTx::signing_hash`].
    pub signature: Bytes,
}

/// An Ethereum transaction as `eth_sendRawTransaction` receives it: legacy (EIP-155),
/// EIP-2930 or EIP-1559. Always Keccak-256 and secp256k1, whatever the chain's suite,
/// because that is what Ethereum tools compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthTx(TxEnvelope);

impl EthTx {
    /// The decoded envelope.
    pub fn envelope(&self) -> &TxEnvelope {
        &self.0
    }

    /// The EIP-155 chain id.
    pub fn chain_id(&self) -> Option<u64> {
        self.0.chain_id()
    }

    /// The sender's account nonce.
    pub fn nonce(&self) -> u64 {
        self.0.nonce()
    }

    /// Wrap an envelope, refusing the types Weft does not run.
    pub fn from_envelope(envelope: TxEnvelope) -> Result<Self, DecodeError> {
        match envelope {
            TxEnvelope::Legacy(_) | TxEnvelope::Eip2930(_) | TxEnvelope::Eip1559(_) => {
                Ok(EthTx(envelope))
            }
            other => Err(DecodeError::UnsupportedTxType(other.tx_type() as u8)),
        }
    }
}

/// A transaction in either form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transaction {
    /// Weft's native form.
    Native(SignedNativeTx),
    /// An Ethereum transaction.
    Ethereum(EthTx),
}

impl Transaction {
    /// The canonical bytes: `0x57 ‖ rlp(signed native)` or the EIP-2718 encoding.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Transaction::Native(signed) => {
                let mut out = Vec::with_capacity(1 + signed.length());
                out.push(NATIVE_TX_TYPE);
                signed.encode(&mut out);
                out
            }
            Transaction::Ethereum(eth) => eth.0.encoded_2718(),
        }
    }

    /// Decode canonical bytes, refusing anything over `limits.max_tx_bytes`, trailing
    /// bytes, and Ethereum types Weft does not run (blob and EIP-7702 transactions).
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Self, DecodeError> {
        const WHAT: &str = "transaction";
        check_size(WHAT, bytes.len(), limits.max_tx_bytes)?;
        let first = *bytes.first().ok_or(DecodeError::Empty { what: WHAT })?;
        if first == NATIVE_TX_TYPE {
            let mut buf = &bytes[1..];
            let signed = SignedNativeTx::decode(&mut buf).map_err(|e| DecodeError::rlp(WHAT, e))?;
            if !buf.is_empty() {
                return Err(DecodeError::TrailingBytes {
                    what: WHAT,
                    count: buf.len(),
                });
            }
            return Ok(Transaction::Native(signed));
        }
        if first < 0xc0 && !matches!(first, 0x01 | 0x02) {
            return Err(DecodeError::UnsupportedTxType(first));
        }
        let envelope =
            TxEnvelope::decode_2718_exact(bytes).map_err(|e| DecodeError::Malformed {
                what: WHAT,
                reason: e.to_string(),
            })?;
        Ok(Transaction::Ethereum(EthTx::from_envelope(envelope)?))
    }

    /// The transaction's hash: the chain suite's signing hash for a native transaction,
    /// Keccak-256 of the EIP-2718 bytes for an Ethereum one (what Ethereum tools expect).
    pub fn hash(&self, suite: &dyn CryptoSuite) -> B256 {
        match self {
            Transaction::Native(signed) => signed.tx.signing_hash(suite),
            Transaction::Ethereum(eth) => *eth.0.tx_hash(),
        }
    }

    /// Check the signature and recover the sender. This is the only way to learn who
    /// sent a transaction.
    pub fn verify(self, suite: &dyn CryptoSuite) -> Result<VerifiedTx, TxError> {
        let (hash, sender) = match &self {
            Transaction::Native(signed) => {
                let hash = signed.tx.signing_hash(suite);
                let public = suite.recover(&hash, &signed.signature)?;
                (hash, suite.address(&public))
            }
            Transaction::Ethereum(eth) => {
                if eth.chain_id().is_none() {
                    return Err(TxError::MissingChainId);
                }
                let standard = SuiteId::Standard.suite();
                let sig = eth.0.signature();
                let mut raw = [0u8; 65];
                raw[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
                raw[32..64].copy_from_slice(&sig.s().to_be_bytes::<32>());
                raw[64] = u8::from(sig.v());
                let public = standard.recover(&eth.0.signature_hash(), &raw)?;
                (*eth.0.tx_hash(), standard.address(&public))
            }
        };
        Ok(VerifiedTx {
            tx: self,
            hash,
            sender,
        })
    }

    /// The call target, or `Create`.
    pub fn to(&self) -> TxKind {
        match self {
            Transaction::Native(signed) => signed.tx.to,
            Transaction::Ethereum(eth) => eth.0.kind(),
        }
    }

    /// Call data or deployment code.
    pub fn input(&self) -> &Bytes {
        match self {
            Transaction::Native(signed) => &signed.tx.input,
            Transaction::Ethereum(eth) => eth.0.input(),
        }
    }

    /// Value transferred.
    pub fn value(&self) -> U256 {
        match self {
            Transaction::Native(signed) => signed.tx.value,
            Transaction::Ethereum(eth) => eth.0.value(),
        }
    }

    /// The gas limit.
    pub fn gas_limit(&self) -> u64 {
        match self {
            Transaction::Native(signed) => signed.tx.gas_limit,
            Transaction::Ethereum(eth) => eth.0.gas_limit(),
        }
    }

    /// The native nonce, for the ledger's replay window; `None` for Ethereum
    /// transactions, whose account nonces live in the state.
    pub fn native_nonce(&self) -> Option<U256> {
        match self {
            Transaction::Native(signed) => Some(signed.tx.nonce),
            Transaction::Ethereum(_) => None,
        }
    }
}

/// A transaction whose signature verified, with its hash and recovered sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTx {
    tx: Transaction,
    hash: B256,
    sender: Address,
}

impl VerifiedTx {
    /// Rebuild a verified transaction from parts this node verified itself before it
    /// committed them (the ledger's own records). Never call it on data from outside.
    pub fn from_committed(tx: Transaction, hash: B256, sender: Address) -> Self {
        VerifiedTx { tx, hash, sender }
    }

    /// The transaction.
    pub fn tx(&self) -> &Transaction {
        &self.tx
    }

    /// Its hash.
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// Its sender, recovered from the signature.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// Give back the transaction.
    pub fn into_tx(self) -> Transaction {
        self.tx
    }
}
