//! Block headers and blocks.

use alloy_primitives::{Bytes, B256};
use alloy_rlp::{Decodable, Encodable, Header, RlpDecodable, RlpEncodable};
use weft_crypto::CryptoSuite;

use crate::limits::check_size;
use crate::{BlockNumber, DecodeError, DecodeLimits, NodeId, Transaction};

/// A block header. Its hash is the chain suite's hash of its RLP encoding; the
/// consensus signatures live beside it, outside the hash.
#[derive(Debug, Clone, PartialEq, Eq, Default, RlpEncodable, RlpDecodable)]
pub struct BlockHeader {
    /// Format version of the header.
    pub version: u32,
    /// Height; the genesis block is 0.
    pub number: BlockNumber,
    /// Hash of the parent header (zero for genesis).
    pub parent_hash: B256,
    /// Milliseconds since the Unix epoch, as proposed by the sealer.
    pub timestamp: u64,
    /// Merkle root of the transaction hashes ([`crate::merkle::root`]).
    pub transactions_root: B256,
    /// Merkle root of the receipt hashes.
    pub receipts_root: B256,
    /// Commitment to the state after this block.
    pub state_root: B256,
    /// Gas used by all transactions.
    pub gas_used: u64,
    /// Index in `sealer_list` of the node that proposed the block.
    pub sealer: u64,
    /// The consensus nodes in force for this block.
    pub sealer_list: Vec<NodeId>,
    /// The weight of each node of `sealer_list`, in the same order.
    pub consensus_weights: Vec<u64>,
    /// Free-form data; the genesis block carries its configuration's hash here.
    pub extra_data: Bytes,
}

impl BlockHeader {
    /// The header's hash.
    pub fn hash(&self, suite: &dyn CryptoSuite) -> B256 {
        let mut out = Vec::with_capacity(self.length());
        self.encode(&mut out);
        suite.hash(&out)
    }
}

/// One consensus node's signature over a block's header hash.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct SealerSignature {
    /// The signer's index in the header's `sealer_list`.
    pub sealer_index: u64,
    /// The suite's signature over the header hash.
    pub signature: Bytes,
}

/// A block: header, the consensus signatures (not hashed), and the transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The 2f+1 commit signatures.
    pub signatures: Vec<SealerSignature>,
    /// The transactions, in execution order.
    pub transactions: Vec<Transaction>,
}

impl Block {
    /// The canonical bytes: `rlp([header, [signatures…], [tx bytes…]])`, each
    /// transaction as an RLP string of its own canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let txs: Vec<Bytes> = self
            .transactions
            .iter()
            .map(|tx| tx.encode().into())
            .collect();
        let payload_length = self.header.length() + self.signatures.length() + txs.length();
        let mut out = Vec::with_capacity(payload_length + 9);
        Header {
            list: true,
            payload_length,
        }
        .encode(&mut out);
        self.header.encode(&mut out);
        self.signatures.encode(&mut out);
        txs.encode(&mut out);
        out
    }

    /// Decode canonical bytes under `limits`.
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Self, DecodeError> {
        const WHAT: &str = "block";
        check_size(WHAT, bytes.len(), limits.max_block_bytes)?;
        let mut buf = bytes;
        let outer = list_header(&mut buf, WHAT)?;
        if outer != buf.len() {
            return Err(DecodeError::TrailingBytes {
                what: WHAT,
                count: buf.len().saturating_sub(outer),
            });
        }
        let header =
            BlockHeader::decode(&mut buf).map_err(|e| DecodeError::rlp("block header", e))?;
        if header.sealer_list.len() > limits.max_sealers {
            return Err(DecodeError::TooMany {
                what: "block header sealer list",
                count: header.sealer_list.len(),
                limit: limits.max_sealers,
            });
        }
        let signatures = decode_list(
            &mut buf,
            "block signature list",
            limits.max_block_signatures,
            |b| SealerSignature::decode(b).map_err(|e| DecodeError::rlp("block signature", e)),
        )?;
        let transactions = decode_list(
            &mut buf,
            "block transaction list",
            limits.max_block_txs,
            |b| {
                let raw = Header::decode_bytes(b, false)
                    .map_err(|e| DecodeError::rlp("block transaction", e))?;
                Transaction::decode(raw, limits)
            },
        )?;
        if !buf.is_empty() {
            return Err(DecodeError::TrailingBytes {
                what: WHAT,
                count: buf.len(),
            });
        }
        Ok(Block {
            header,
            signatures,
            transactions,
        })
    }
}

/// Read a list header and return its payload length.
pub(crate) fn list_header(buf: &mut &[u8], what: &'static str) -> Result<usize, DecodeError> {
    let header = Header::decode(buf).map_err(|e| DecodeError::rlp(what, e))?;
    if !header.list {
        return Err(DecodeError::Malformed {
            what,
            reason: "expected a list".into(),
        });
    }
    if header.payload_length > buf.len() {
        return Err(DecodeError::rlp(what, alloy_rlp::Error::InputTooShort));
    }
    Ok(header.payload_length)
}

/// Decode an RLP list item by item, refusing more than `limit` items before decoding
/// the one past the limit.
pub(crate) fn decode_list<T>(
    buf: &mut &[u8],
    what: &'static str,
    limit: usize,
    mut item: impl FnMut(&mut &[u8]) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let len = list_header(buf, what)?;
    let (mut payload, rest) = buf.split_at(len);
    let mut items = Vec::new();
    while !payload.is_empty() {
        if items.len() == limit {
            return Err(DecodeError::TooMany {
                what,
                count: limit + 1,
                limit,
            });
        }
        items.push(item(&mut payload)?);
    }
    *buf = rest;
    Ok(items)
}
