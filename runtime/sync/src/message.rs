//! The block-sync wire format.
//!
//! Every message is one type byte followed by the RLP of its body (the packet types are
//! FISCO BCOS's `BlockStatusPacket`, `BlockRequestPacket`, `BlockResponsePacket`):
//!
//! ```text
//!  0x00 ‖ rlp([number, head_hash, genesis_hash])          Status
//!  0x01 ‖ rlp([first, count])                              Request, 1 ≤ count ≤ 8
//!  0x02 ‖ rlp([block, block, …])                           Response, ≤ 8 blocks
//!         each block is Block::encode(): rlp([header, [signatures], [tx bytes]])
//! ```
//!
//! A response carries what the receiver needs to check a block on its own: the header,
//! the commit signatures and the transactions. Receipts and state are not sent; the
//! receiver re-executes and compares roots.

use alloy_primitives::B256;
use alloy_rlp::{Decodable, Encodable, Header, RlpDecodable, RlpEncodable};
use weft_types::{Block, BlockNumber, DecodeError, DecodeLimits};

/// The most blocks one request may ask for (FISCO's `MAX_REQUEST_BLOCKS_COUNT`).
pub const MAX_REQUEST_BLOCKS: u64 = 8;

/// Type byte of [`Status`].
pub const STATUS_PACKET: u8 = 0;
/// Type byte of [`Request`].
pub const REQUEST_PACKET: u8 = 1;
/// Type byte of [`Response`].
pub const RESPONSE_PACKET: u8 = 2;

/// Bounds for decoding sync messages from peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncLimits {
    /// Bounds for each block of a response.
    pub block: DecodeLimits,
    /// The most blocks one response may carry (and one request may ask for).
    pub max_blocks: u64,
    /// The largest encoded message accepted, and the budget [`crate::serve`] fills.
    pub max_message_bytes: usize,
}

impl SyncLimits {
    /// 8 blocks per message, at most 16 MiB (the network's default `max_frame`).
    pub const DEFAULT: SyncLimits = SyncLimits {
        block: DecodeLimits::DEFAULT,
        max_blocks: MAX_REQUEST_BLOCKS,
        max_message_bytes: 16 << 20,
    };
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A node's announcement of its chain head, sent to every peer on each new block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Status {
    /// The height of its latest committed block.
    pub number: BlockNumber,
    /// That block's hash.
    pub head_hash: B256,
    /// Its block 0's hash: peers of another chain are ignored.
    pub genesis_hash: B256,
}

/// A request for the committed blocks `first ..= first + count − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Request {
    /// The first height asked for.
    pub first: BlockNumber,
    /// How many consecutive blocks (1 to [`MAX_REQUEST_BLOCKS`]).
    pub count: u64,
}

impl Request {
    /// The last height asked for.
    pub fn last(&self) -> BlockNumber {
        self.first.saturating_add(self.count.saturating_sub(1))
    }
}

/// Consecutive committed blocks, with their signature lists and transactions, starting at
/// the requested height. It may hold fewer blocks than asked for (the peer's head, or
/// the size budget), never blocks that were not asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The blocks, in height order.
    pub blocks: Vec<Block>,
}

/// One sync message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMessage {
    /// A head announcement.
    Status(Status),
    /// A block request.
    Request(Request),
    /// Blocks answering a request.
    Response(Response),
}

/// Why bytes from a peer are not a sync message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The message is larger than the limit.
    #[error("sync message is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The message is empty.
    #[error("empty sync message")]
    Empty,
    /// The type byte is not a sync packet type.
    #[error(
        "unknown sync packet type 0x{0:02x}: expected 0 (status), 1 (request) or 2 (response)"
    )]
    UnknownType(u8),
    /// The body is not canonical RLP of its type.
    #[error("malformed sync {what}: {reason}")]
    Malformed {
        /// Which message.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A request asks for no blocks or for more than the limit.
    #[error("sync request for {count} blocks from {first}: a request asks for 1 to {max} blocks")]
    BadCount {
        /// The first height.
        first: BlockNumber,
        /// The count asked for.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// A response holds more blocks than the limit.
    #[error("sync response holds more than {max} blocks")]
    TooManyBlocks {
        /// The limit.
        max: u64,
    },
    /// A block of a response did not decode.
    #[error("block {index} of a sync response: {source}")]
    Block {
        /// Its position in the response.
        index: usize,
        /// Why it did not decode.
        source: DecodeError,
    },
}

fn malformed(what: &'static str, err: impl ToString) -> MessageError {
    MessageError::Malformed {
        what,
        reason: err.to_string(),
    }
}

impl SyncMessage {
    /// The canonical bytes: the packet type, then the body's RLP.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            SyncMessage::Status(s) => typed(STATUS_PACKET, s),
            SyncMessage::Request(r) => typed(REQUEST_PACKET, r),
            SyncMessage::Response(r) => {
                let blocks: Vec<Vec<u8>> = r.blocks.iter().map(Block::encode).collect();
                let payload_length: usize = blocks.iter().map(Vec::len).sum();
                let mut out = Vec::with_capacity(1 + payload_length + 9);
                out.push(RESPONSE_PACKET);
                Header {
                    list: true,
                    payload_length,
                }
                .encode(&mut out);
                for block in &blocks {
                    out.extend_from_slice(block);
                }
                out
            }
        }
    }

    /// Decode bytes from a peer under `limits`: size first, then the type, then the body,
    /// refusing trailing bytes, non-canonical RLP, requests for 0 or more than
    /// `limits.max_blocks` blocks and responses with more blocks than that.
    pub fn decode(bytes: &[u8], limits: &SyncLimits) -> Result<Self, MessageError> {
        if bytes.len() > limits.max_message_bytes {
            return Err(MessageError::TooLarge {
                size: bytes.len(),
                limit: limits.max_message_bytes,
            });
        }
        let (&kind, body) = bytes.split_first().ok_or(MessageError::Empty)?;
        match kind {
            STATUS_PACKET => Ok(SyncMessage::Status(exact(body, "status")?)),
            REQUEST_PACKET => {
                let request: Request = exact(body, "request")?;
                if request.count == 0 || request.count > limits.max_blocks {
                    return Err(MessageError::BadCount {
                        first: request.first,
                        count: request.count,
                        max: limits.max_blocks,
                    });
                }
                Ok(SyncMessage::Request(request))
            }
            RESPONSE_PACKET => decode_response(body, limits).map(SyncMessage::Response),
            other => Err(MessageError::UnknownType(other)),
        }
    }
}

fn typed(kind: u8, body: &impl Encodable) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + body.length());
    out.push(kind);
    body.encode(&mut out);
    out
}

/// Decode one RLP value that must use every byte.
fn exact<T: Decodable>(body: &[u8], what: &'static str) -> Result<T, MessageError> {
    let mut buf = body;
    let value = T::decode(&mut buf).map_err(|e| malformed(what, e))?;
    if !buf.is_empty() {
        return Err(malformed(
            what,
            format!("{} trailing bytes after its encoding", buf.len()),
        ));
    }
    Ok(value)
}

fn decode_response(body: &[u8], limits: &SyncLimits) -> Result<Response, MessageError> {
    const WHAT: &str = "response";
    let mut buf = body;
    let outer = Header::decode(&mut buf).map_err(|e| malformed(WHAT, e))?;
    if !outer.list {
        return Err(malformed(WHAT, "expected a list of blocks"));
    }
    if outer.payload_length != buf.len() {
        return Err(malformed(
            WHAT,
            format!(
                "the block list claims {} bytes but {} follow",
                outer.payload_length,
                buf.len()
            ),
        ));
    }
    let mut blocks = Vec::new();
    while !buf.is_empty() {
        if blocks.len() as u64 >= limits.max_blocks {
            return Err(MessageError::TooManyBlocks {
                max: limits.max_blocks,
            });
        }
        // Each block is a complete RLP list; find its end, then let the block decoder
        // check it under the block limits.
        let mut peek = buf;
        let header = Header::decode(&mut peek).map_err(|e| malformed(WHAT, e))?;
        if !header.list {
            return Err(malformed(
                WHAT,
                format!("block {} is not a list", blocks.len()),
            ));
        }
        let item_len = (buf.len() - peek.len())
            .checked_add(header.payload_length)
            .filter(|&len| len <= buf.len())
            .ok_or_else(|| malformed(WHAT, format!("block {} is cut short", blocks.len())))?;
        let (item, rest) = buf.split_at(item_len);
        let block = Block::decode(item, &limits.block).map_err(|source| MessageError::Block {
            index: blocks.len(),
            source,
        })?;
        blocks.push(block);
        buf = rest;
    }
    Ok(Response { blocks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_types::{BlockHeader, SealerSignature};

    fn block(number: u64) -> Block {
        Block {
            header: BlockHeader {
                number,
                parent_hash: B256::repeat_byte(number as u8),
                ..Default::default()
            },
            signatures: vec![SealerSignature {
                sealer_index: 1,
                signature: vec![7u8; 65].into(),
            }],
            transactions: Vec::new(),
        }
    }

    fn round_trip(msg: SyncMessage) {
        let bytes = msg.encode();
        assert_eq!(SyncMessage::decode(&bytes, &SyncLimits::DEFAULT), Ok(msg));
    }

    #[test]
    fn every_message_round_trips() {
        round_trip(SyncMessage::Status(Status {
            number: 42,
            head_hash: B256::repeat_byte(1),
            genesis_hash: B256::repeat_byte(2),
        }));
        round_trip(SyncMessage::Request(Request { first: 9, count: 8 }));
        round_trip(SyncMessage::Response(Response::default()));
        round_trip(SyncMessage::Response(Response {
            blocks: (1..=8).map(block).collect(),
        }));
    }

    #[test]
    fn bad_bytes_are_typed_errors() {
        let limits = SyncLimits::DEFAULT;
        assert_eq!(SyncMessage::decode(&[], &limits), Err(MessageError::Empty));
        assert_eq!(
            SyncMessage::decode(&[9, 0xc0], &limits),
            Err(MessageError::UnknownType(9))
        );
        let mut request = SyncMessage::Request(Request { first: 1, count: 2 }).encode();
        request.push(0);
        assert!(matches!(
            SyncMessage::decode(&request, &limits),
            Err(MessageError::Malformed {
                what: "request",
                ..
            })
        ));
        for count in [0, 9] {
            let bytes = SyncMessage::Request(Request { first: 3, count }).encode();
            assert_eq!(
                SyncMessage::decode(&bytes, &limits),
                Err(MessageError::BadCount {
                    first: 3,
                    count,
                    max: 8
                })
            );
        }
        // A leading zero in `first` is not canonical.
        let bytes = [REQUEST_PACKET, 0xc4, 0x82, 0x00, 0x05, 0x01];
        assert!(matches!(
            SyncMessage::decode(&bytes, &limits),
            Err(MessageError::Malformed { .. })
        ));
        let nine = SyncMessage::Response(Response {
            blocks: (1..=9).map(block).collect(),
        })
        .encode();
        assert_eq!(
            SyncMessage::decode(&nine, &limits),
            Err(MessageError::TooManyBlocks { max: 8 })
        );
        let small = SyncLimits {
            max_message_bytes: 10,
            ..limits
        };
        assert!(matches!(
            SyncMessage::decode(&nine, &small),
            Err(MessageError::TooLarge { limit: 10, .. })
        ));
        let tight = SyncLimits {
            block: DecodeLimits {
                max_block_signatures: 0,
                ..DecodeLimits::DEFAULT
            },
            ..limits
        };
        let one = SyncMessage::Response(Response {
            blocks: vec![block(1)],
        })
        .encode();
        assert!(matches!(
            SyncMessage::decode(&one, &tight),
            Err(MessageError::Block { index: 0, .. })
        ));
        // Truncated anywhere: an error, never a panic.
        for cut in 0..one.len() {
            assert!(
                SyncMessage::decode(&one[..cut], &limits).is_err(),
                "cut {cut}"
            );
        }
    }
}
