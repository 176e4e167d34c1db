//! The transaction-sync wire format (the network's `TxSync` module).
//!
//! ```text
//!  0x00 ‖ rlp([tx bytes…])              Push: transactions admitted through RPC, sent to
//!                                        the consensus nodes (never forwarded again)
//!  0x01 ‖ rlp([id, [hash…]])            Request: the bodies of these transactions
//!  0x02 ‖ rlp([id, [tx bytes…]])        Response to request `id`: the ones found
//! ```
//!
//! Requests come from replicas that lack transactions of a proposal (FISCO BCOS v3 fetches
//! them from the proposer, §4.4). A response may hold fewer transactions than asked for
//! (unknown ones, or a size budget); the requester asks again for the rest.

use alloy_primitives::{Bytes, B256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

const PUSH: u8 = 0;
const REQUEST: u8 = 1;
const RESPONSE: u8 = 2;

/// Bounds for decoding transaction-sync messages from peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxSyncLimits {
    /// The largest message accepted (the network's frame limit bounds it too).
    pub max_message_bytes: usize,
    /// The most transactions (or hashes) one message may carry.
    pub max_items: usize,
}

impl TxSyncLimits {
    /// 16 MiB and 50,000 items (a full block's worth).
    pub const DEFAULT: TxSyncLimits = TxSyncLimits {
        max_message_bytes: 16 << 20,
        max_items: 50_000,
    };
}

impl Default for TxSyncLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(RlpEncodable, RlpDecodable)]
struct Hashes {
    id: u64,
    hashes: Vec<B256>,
}

#[derive(RlpEncodable, RlpDecodable)]
struct Bodies {
    id: u64,
    txs: Vec<Bytes>,
}

/// One transaction-sync message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxSyncMessage {
    /// Transactions to admit.
    Push(Vec<Bytes>),
    /// A request for transaction bodies by hash.
    Request {
        /// Chosen by the requester, echoed in the response.
        id: u64,
        /// The transactions wanted.
        hashes: Vec<B256>,
    },
    /// The bodies found for request `id`.
    Response {
        /// The request's id.
        id: u64,
        /// Raw transactions.
        txs: Vec<Bytes>,
    },
}

/// Why bytes from a peer are not a transaction-sync message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxSyncError {
    /// Larger than the limit.
    #[error("transaction-sync message of {size} bytes is over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More items than the limit.
    #[error("transaction-sync message carries {count} items; at most {limit} are accepted")]
    TooMany {
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An unknown type byte, or a body that is not canonical RLP.
    #[error("malformed transaction-sync message: {0}")]
    Malformed(String),
}

impl TxSyncMessage {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            TxSyncMessage::Push(txs) => {
                out.push(PUSH);
                txs.encode(&mut out);
            }
            TxSyncMessage::Request { id, hashes } => {
                out.push(REQUEST);
                Hashes {
                    id: *id,
                    hashes: hashes.clone(),
                }
                .encode(&mut out);
            }
            TxSyncMessage::Response { id, txs } => {
                out.push(RESPONSE);
                Bodies {
                    id: *id,
                    txs: txs.clone(),
                }
                .encode(&mut out);
            }
        }
        out
    }

    /// Whether `bytes` are a push (by the type byte alone, before decoding), so that a
    /// router can queue pushes apart from fetches.
    pub fn is_push(bytes: &[u8]) -> bool {
        bytes.first() == Some(&PUSH)
    }

    /// Decode bytes from a peer under `limits`. The transactions themselves are decoded
    /// (with the pool's limits) when they are admitted.
    pub fn decode(bytes: &[u8], limits: &TxSyncLimits) -> Result<Self, TxSyncError> {
        if bytes.len() > limits.max_message_bytes {
            return Err(TxSyncError::TooLarge {
                size: bytes.len(),
                limit: limits.max_message_bytes,
            });
        }
        let (&kind, body) = bytes
            .split_first()
            .ok_or_else(|| TxSyncError::Malformed("empty".into()))?;
        let message = match kind {
            PUSH => TxSyncMessage::Push(exact(body)?),
            REQUEST => {
                let Hashes { id, hashes } = exact(body)?;
                TxSyncMessage::Request { id, hashes }
            }
            RESPONSE => {
                let Bodies { id, txs } = exact(body)?;
                TxSyncMessage::Response { id, txs }
            }
            other => return Err(TxSyncError::Malformed(format!("unknown type {other}"))),
        };
        let count = match &message {
            TxSyncMessage::Push(txs) | TxSyncMessage::Response { txs, .. } => txs.len(),
            TxSyncMessage::Request { hashes, .. } => hashes.len(),
        };
        if count > limits.max_items {
            return Err(TxSyncError::TooMany {
                count,
                limit: limits.max_items,
            });
        }
        Ok(message)
    }
}

/// One RLP value that uses every byte. The input is size-checked first, so what it
/// allocates is bounded by the message.
fn exact<T: Decodable>(body: &[u8]) -> Result<T, TxSyncError> {
    let mut buf = body;
    let value = T::decode(&mut buf).map_err(|e| TxSyncError::Malformed(e.to_string()))?;
    if !buf.is_empty() {
        return Err(TxSyncError::Malformed(format!(
            "{} trailing bytes",
            buf.len()
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_limits_hold() {
        let limits = TxSyncLimits::DEFAULT;
        for m in [
            TxSyncMessage::Push(vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")]),
            TxSyncMessage::Request {
                id: 9,
                hashes: vec![B256::repeat_byte(1)],
            },
            TxSyncMessage::Response { id: 9, txs: vec![] },
        ] {
            assert_eq!(TxSyncMessage::decode(&m.encode(), &limits).unwrap(), m);
        }
        let many = TxSyncMessage::Push(vec![Bytes::from_static(b"x"); 3]).encode();
        let tight = TxSyncLimits {
            max_items: 2,
            ..limits
        };
        assert!(matches!(
            TxSyncMessage::decode(&many, &tight),
            Err(TxSyncError::TooMany { count: 3, .. })
        ));
        let small = TxSyncLimits {
            max_message_bytes: 3,
            ..limits
        };
        assert!(matches!(
            TxSyncMessage::decode(&many, &small),
            Err(TxSyncError::TooLarge { .. })
        ));
        assert!(TxSyncMessage::decode(&[7], &limits).is_err());
        assert!(TxSyncMessage::decode(&[], &limits).is_err());
        let mut trailing = many.clone();
        trailing.push(0);
        assert!(TxSyncMessage::decode(&trailing, &limits).is_err());
    }
}
