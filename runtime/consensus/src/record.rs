//! What a node must remember across a crash so that it never signs two different things
//! at one place: its own signed votes.
//!
//! Every vote the core signs — pre-prepare, prepare, commit, view change, new view,
//! checkpoint — is emitted as [`crate::Output::Persist`] before the output that sends it.
//! A commit record also carries the prepared certificate it was based on: a node that
//! committed must report that certificate in later view changes even after a restart,
//! or a new leader could re-propose something else and fork the chain.

use std::collections::BTreeMap;

use alloy_primitives::Bytes;
use alloy_rlp::{Encodable, Header, RlpEncodable};

use crate::error::MessageError;
use crate::message::{
    decode_option, encode_option, finish, list_payload, option_length, MessageKind, MessageLimits,
    PreparedCertificate, SignedMessage,
};

/// A prepared certificate with the proposal it certifies.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable)]
pub struct Prepared {
    /// The quorum of prepares.
    pub certificate: PreparedCertificate,
    /// The proposal bytes.
    pub proposal: Bytes,
}

/// A message this node signed, as it must be stored before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRecord {
    /// The signed message, exactly as sent.
    pub message: SignedMessage,
    /// For a commit: the prepared certificate behind it.
    pub prepared: Option<Prepared>,
}

impl VoteRecord {
    /// The kind of the recorded message.
    pub fn kind(&self) -> MessageKind {
        self.message.body.kind()
    }

    /// Its height.
    pub fn height(&self) -> u64 {
        self.message.body.height()
    }

    /// Its view (a view change's target view; 0 for a checkpoint).
    pub fn view(&self) -> u64 {
        self.message.body.view()
    }

    /// The canonical bytes: `rlp([message bytes, [[certificate, proposal]] or []])`.
    pub fn encode(&self) -> Vec<u8> {
        let message = self.message.encode();
        let payload_length = message.length() + option_length(&self.prepared);
        let mut out = Vec::with_capacity(payload_length + 9);
        Header {
            list: true,
            payload_length,
        }
        .encode(&mut out);
        message.encode(&mut out);
        encode_option(&self.prepared, &mut out);
        out
    }

    /// Decode a stored record under `limits`.
    pub fn decode(bytes: &[u8], limits: &MessageLimits) -> Result<Self, MessageError> {
        const WHAT: &str = "vote record";
        let record_limit = limits
            .max_message_bytes
            .saturating_add(limits.max_proposal_bytes)
            .saturating_add(1 << 20);
        if bytes.len() > record_limit {
            return Err(MessageError::TooLarge {
                what: WHAT,
                size: bytes.len(),
                limit: record_limit,
            });
        }
        let mut buf = bytes;
        let mut payload = list_payload(&mut buf, WHAT)?;
        finish(buf, WHAT)?;
        let raw =
            Header::decode_bytes(&mut payload, false).map_err(|e| MessageError::rlp(WHAT, e))?;
        let message = SignedMessage::decode(raw, limits)?;
        let prepared = decode_option(&mut payload, WHAT, |b| {
            let mut inner = list_payload(b, "recorded prepared certificate")?;
            let certificate = PreparedCertificate::decode_limited(&mut inner, limits)?;
            let proposal = Header::decode_bytes(&mut inner, false)
                .map_err(|e| MessageError::rlp("recorded proposal", e))?;
            if proposal.len() > limits.max_proposal_bytes {
                return Err(MessageError::TooLarge {
                    what: "recorded proposal",
                    size: proposal.len(),
                    limit: limits.max_proposal_bytes,
                });
            }
            finish(inner, "recorded prepared certificate")?;
            Ok(Prepared {
                certificate,
                proposal: Bytes::copy_from_slice(proposal),
            })
        })?;
        finish(payload, WHAT)?;
        Ok(VoteRecord { message, prepared })
    }
}

/// The place of a vote: one signature per place, ever.
pub(crate) type Place = (u64, MessageKind, u64);

/// This node's signed votes for heights above the committed one.
#[derive(Debug, Default)]
pub(crate) struct RecordBook {
    records: BTreeMap<Place, VoteRecord>,
}

/// Two records at one place with different contents.
#[derive(Debug)]
pub(crate) struct Conflict(pub Place);

impl RecordBook {
    pub(crate) fn place(record: &VoteRecord) -> Place {
        (record.height(), record.kind(), record.view())
    }

    pub(crate) fn get(&self, height: u64, kind: MessageKind, view: u64) -> Option<&VoteRecord> {
        self.records.get(&(height, kind, view))
    }

    /// Add a record; a different body at the same place is a conflict.
    pub(crate) fn insert(&mut self, record: VoteRecord) -> Result<(), Conflict> {
        let place = Self::place(&record);
        if let Some(existing) = self.records.get(&place) {
            if existing.message.body != record.message.body {
                return Err(Conflict(place));
            }
            return Ok(());
        }
        self.records.insert(place, record);
        Ok(())
    }

    /// The records of `height`, in (kind, view) order.
    pub(crate) fn at_height(&self, height: u64) -> impl Iterator<Item = &VoteRecord> {
        self.records
            .range(
                (height, MessageKind::PrePrepare, 0)..=(height, MessageKind::Checkpoint, u64::MAX),
            )
            .map(|(_, r)| r)
    }

    /// Forget records at or below `height`.
    pub(crate) fn prune_through(&mut self, height: u64) {
        self.records =
            self.records
                .split_off(&(height.saturating_add(1), MessageKind::PrePrepare, 0));
        if height == u64::MAX {
            self.records.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Body, Vote};
    use alloy_primitives::B256;
    use weft_crypto::{KeyPair, SecretKey, SuiteId};
    use weft_types::SealerSignature;

    fn key() -> KeyPair {
        KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([3; 32])).unwrap()
    }

    fn commit(height: u64, view: u64, byte: u8) -> VoteRecord {
        let vote = Vote {
            height,
            view,
            proposal_hash: B256::repeat_byte(byte),
        };
        VoteRecord {
            message: SignedMessage::sign(&key(), 1, Body::Commit(vote), None).unwrap(),
            prepared: Some(Prepared {
                certificate: PreparedCertificate {
                    view,
                    proposal_hash: vote.proposal_hash,
                    prepares: vec![SealerSignature {
                        sealer_index: 0,
                        signature: vec![1; 65].into(),
                    }],
                },
                proposal: Bytes::from_static(b"proposal"),
            }),
        }
    }

    #[test]
    fn records_round_trip() {
        let r = commit(4, 2, 1);
        assert_eq!(
            VoteRecord::decode(&r.encode(), &MessageLimits::DEFAULT).unwrap(),
            r
        );
        let plain = VoteRecord {
            prepared: None,
            ..r
        };
        assert_eq!(
            VoteRecord::decode(&plain.encode(), &MessageLimits::DEFAULT).unwrap(),
            plain
        );
        assert!(VoteRecord::decode(&plain.encode()[1..], &MessageLimits::DEFAULT).is_err());
    }

    #[test]
    fn book_refuses_a_second_body_at_one_place_and_prunes() {
        let mut book = RecordBook::default();
        book.insert(commit(4, 2, 1)).unwrap();
        book.insert(commit(4, 2, 1)).unwrap();
        assert!(book.insert(commit(4, 2, 2)).is_err());
        book.insert(commit(5, 0, 2)).unwrap();
        assert_eq!(book.at_height(4).count(), 1);
        book.prune_through(4);
        assert!(book.get(4, MessageKind::Commit, 2).is_none());
        assert!(book.get(5, MessageKind::Commit, 0).is_some());
    }
}
