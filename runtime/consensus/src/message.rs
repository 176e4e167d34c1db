//! Consensus messages and their canonical encoding.
//!
//! On the wire a message is `rlp([kind, from, body, signature, attachment])`:
//!
//! * `kind` — one byte, FISCO's packet numbers ([`MessageKind`]);
//! * `from` — the sender's index in the sealer list of the message's height;
//! * `body` — the signed fields ([`Body`]);
//! * `signature` — the sender's signature with the chain's suite over
//!   [`Body::signing_hash_in`]: the suite hash of `rlp([domain, kind, body])`, where the
//!   domain names the chain and group ([`crate::ConsensusConfig::chain_domain`]), so a
//!   vote signed for one chain or group is no vote on another that shares the sealer's
//!   key (with the zero domain, `rlp([kind, body])`); except for a checkpoint, which
//!   signs the header hash itself so that the signatures can go into the block's
//!   signature list unchanged (the header is bound to its chain through its parents, back
//!   to the genesis block, whose extra data holds the chain and group ids);
//! * `attachment` — a list of zero or one byte strings: the proposal named by the body
//!   (pre-prepare, a view change's prepared certificate, a new view's re-proposal, a
//!   committed proposal). It is not signed; the body names its hash, which the receiver
//!   recomputes.
//!
//! Decoding takes [`MessageLimits`]; every list and the attachment are bounded before
//! anything is allocated for them.

use alloy_primitives::{Bytes, B256};
use alloy_rlp::{BufMut, Encodable, Header, RlpDecodable, RlpEncodable};
use weft_crypto::{CryptoError, CryptoSuite, KeyPair};
use weft_types::SealerSignature;

use crate::error::MessageError;

/// Bounds for decoding consensus messages from the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageLimits {
    /// The largest encoded message accepted.
    pub max_message_bytes: usize,
    /// The largest proposal (block with transaction hashes) accepted.
    pub max_proposal_bytes: usize,
    /// The most signatures in one certificate.
    pub max_signatures: usize,
    /// The most view changes in one new view.
    pub max_view_changes: usize,
    /// The longest signature accepted (65 for secp256k1, 128 for SM2).
    pub max_signature_bytes: usize,
}

impl MessageLimits {
    /// Production limits: proposals up to 8 MiB (a block of 50,000 transaction hashes
    /// is 1.6 MB), up to 1024 sealers.
    pub const DEFAULT: MessageLimits = MessageLimits {
        max_message_bytes: 10 << 20,
        max_proposal_bytes: 8 << 20,
        max_signatures: 1024,
        max_view_changes: 1024,
        max_signature_bytes: 256,
    };
}

impl Default for MessageLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The kind of a message; the numbers are FISCO v3's packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum MessageKind {
    /// The leader's proposal.
    PrePrepare = 0,
    /// A replica accepts a proposal.
    Prepare = 1,
    /// A replica saw a quorum of prepares.
    Commit = 2,
    /// A replica gives up on the current view.
    ViewChange = 3,
    /// The new leader starts a view.
    NewView = 4,
    /// A decided proposal with its quorum of commits, for a node that missed them.
    CommittedProposal = 6,
    /// A signed execution result.
    Checkpoint = 9,
}

impl MessageKind {
    fn from_u8(byte: u8) -> Result<Self, MessageError> {
        Ok(match byte {
            0 => MessageKind::PrePrepare,
            1 => MessageKind::Prepare,
            2 => MessageKind::Commit,
            3 => MessageKind::ViewChange,
            4 => MessageKind::NewView,
            6 => MessageKind::CommittedProposal,
            9 => MessageKind::Checkpoint,
            other => return Err(MessageError::UnknownKind(other)),
        })
    }
}

/// A vote on a proposal: the body of pre-prepare, prepare and commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Vote {
    /// The height.
    pub height: u64,
    /// The view.
    pub view: u64,
    /// The suite hash of the proposal bytes.
    pub proposal_hash: B256,
}

impl Vote {
    /// What a sealer signs to cast this vote as `kind`, with the zero domain.
    pub fn signing_hash(&self, kind: MessageKind, suite: &dyn CryptoSuite) -> B256 {
        signing_hash_of(kind, self, suite, B256::ZERO)
    }

    /// What a sealer signs to cast this vote as `kind` in `domain`.
    pub fn signing_hash_in(
        &self,
        kind: MessageKind,
        suite: &dyn CryptoSuite,
        domain: B256,
    ) -> B256 {
        signing_hash_of(kind, self, suite, domain)
    }
}

/// A signed execution result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Checkpoint {
    /// The height.
    pub height: u64,
    /// The hash of the executed block header.
    pub header_hash: B256,
}

/// A quorum of prepares for one proposal in one view.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable)]
pub struct PreparedCertificate {
    /// The view of the prepares.
    pub view: u64,
    /// The proposal they prepared.
    pub proposal_hash: B256,
    /// The prepare signatures, by sealer index.
    pub prepares: Vec<SealerSignature>,
}

/// A sealer gives up on its view at a height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewChange {
    /// The height.
    pub height: u64,
    /// The view it wants to move to.
    pub to_view: u64,
    /// Its highest prepared certificate at this height, if any.
    pub prepared: Option<PreparedCertificate>,
}

/// A view change inside a new view: its sender, body and signature.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable)]
pub struct SignedViewChange {
    /// The sender's index.
    pub from: u64,
    /// The view change.
    pub view_change: ViewChange,
    /// The sender's signature over the view change's signing hash.
    pub signature: Bytes,
}

/// The new leader's start of a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewView {
    /// The height.
    pub height: u64,
    /// The view that starts.
    pub view: u64,
    /// A quorum of view changes to `view`.
    pub view_changes: Vec<SignedViewChange>,
    /// The highest prepared proposal of those view changes, which the new view must
    /// re-propose; `None` if none of them prepared anything.
    pub reproposal: Option<B256>,
}

/// A decided proposal with the commits that decided it.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable)]
pub struct CommittedProposal {
    /// The height.
    pub height: u64,
    /// The view of the commits.
    pub view: u64,
    /// The decided proposal.
    pub proposal_hash: B256,
    /// A quorum of commit signatures.
    pub commits: Vec<SealerSignature>,
}

/// The signed part of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The leader's proposal (the bytes travel as the attachment).
    PrePrepare(Vote),
    /// Acceptance of a proposal.
    Prepare(Vote),
    /// A quorum of prepares was seen.
    Commit(Vote),
    /// Give up the current view.
    ViewChange(ViewChange),
    /// Start a view.
    NewView(NewView),
    /// Relay of a decided proposal.
    CommittedProposal(CommittedProposal),
    /// Execution result.
    Checkpoint(Checkpoint),
}

impl Body {
    /// The message kind.
    pub fn kind(&self) -> MessageKind {
        match self {
            Body::PrePrepare(_) => MessageKind::PrePrepare,
            Body::Prepare(_) => MessageKind::Prepare,
            Body::Commit(_) => MessageKind::Commit,
            Body::ViewChange(_) => MessageKind::ViewChange,
            Body::NewView(_) => MessageKind::NewView,
            Body::CommittedProposal(_) => MessageKind::CommittedProposal,
            Body::Checkpoint(_) => MessageKind::Checkpoint,
        }
    }

    /// The height the message is about.
    pub fn height(&self) -> u64 {
        match self {
            Body::PrePrepare(v) | Body::Prepare(v) | Body::Commit(v) => v.height,
            Body::ViewChange(v) => v.height,
            Body::NewView(v) => v.height,
            Body::CommittedProposal(c) => c.height,
            Body::Checkpoint(c) => c.height,
        }
    }

    /// The view the message is about (a view change's target; 0 for a checkpoint,
    /// which does not depend on views).
    pub fn view(&self) -> u64 {
        match self {
            Body::PrePrepare(v) | Body::Prepare(v) | Body::Commit(v) => v.view,
            Body::ViewChange(v) => v.to_view,
            Body::NewView(v) => v.view,
            Body::CommittedProposal(c) => c.view,
            Body::Checkpoint(_) => 0,
        }
    }

    /// The hash of the proposal the attachment must carry, if the body names one.
    pub fn attached_proposal_hash(&self) -> Option<B256> {
        match self {
            Body::PrePrepare(v) => Some(v.proposal_hash),
            Body::ViewChange(v) => v.prepared.as_ref().map(|c| c.proposal_hash),
            Body::NewView(v) => v.reproposal,
            Body::CommittedProposal(c) => Some(c.proposal_hash),
            Body::Prepare(_) | Body::Commit(_) | Body::Checkpoint(_) => None,
        }
    }

    /// What the sender signs with the zero domain: the header hash for a checkpoint,
    /// otherwise the suite hash of `rlp([kind, body])`.
    pub fn signing_hash(&self, suite: &dyn CryptoSuite) -> B256 {
        self.signing_hash_in(suite, B256::ZERO)
    }

    /// What the sender signs in `domain`: the header hash for a checkpoint, otherwise the
    /// suite hash of `rlp([domain, kind, body])` (`rlp([kind, body])` for the zero
    /// domain).
    pub fn signing_hash_in(&self, suite: &dyn CryptoSuite, domain: B256) -> B256 {
        match self {
            Body::Checkpoint(c) => c.header_hash,
            Body::PrePrepare(v) | Body::Prepare(v) | Body::Commit(v) => {
                v.signing_hash_in(self.kind(), suite, domain)
            }
            Body::ViewChange(v) => signing_hash_of(self.kind(), v, suite, domain),
            Body::NewView(v) => signing_hash_of(self.kind(), v, suite, domain),
            Body::CommittedProposal(c) => signing_hash_of(self.kind(), c, suite, domain),
        }
    }

    fn encode_fields(&self, out: &mut dyn BufMut) {
        match self {
            Body::PrePrepare(v) | Body::Prepare(v) | Body::Commit(v) => v.encode(out),
            Body::ViewChange(v) => v.encode(out),
            Body::NewView(v) => v.encode(out),
            Body::CommittedProposal(c) => c.encode(out),
            Body::Checkpoint(c) => c.encode(out),
        }
    }

    fn fields_length(&self) -> usize {
        match self {
            Body::PrePrepare(v) | Body::Prepare(v) | Body::Commit(v) => v.length(),
            Body::ViewChange(v) => v.length(),
            Body::NewView(v) => v.length(),
            Body::CommittedProposal(c) => c.length(),
            Body::Checkpoint(c) => c.length(),
        }
    }

    fn decode_fields(
        kind: MessageKind,
        buf: &mut &[u8],
        limits: &MessageLimits,
    ) -> Result<Self, MessageError> {
        Ok(match kind {
            MessageKind::PrePrepare => Body::PrePrepare(decode_scalar(buf, "vote")?),
            MessageKind::Prepare => Body::Prepare(decode_scalar(buf, "vote")?),
            MessageKind::Commit => Body::Commit(decode_scalar(buf, "vote")?),
            MessageKind::ViewChange => Body::ViewChange(ViewChange::decode(buf, limits)?),
            MessageKind::NewView => Body::NewView(NewView::decode(buf, limits)?),
            MessageKind::CommittedProposal => {
                Body::CommittedProposal(CommittedProposal::decode(buf, limits)?)
            }
            MessageKind::Checkpoint => Body::Checkpoint(decode_scalar(buf, "checkpoint")?),
        })
    }
}

/// A message as it travels: sender, signed body, signature, unsigned proposal bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMessage {
    /// The sender's index in the sealer list of the message's height.
    pub from: u64,
    /// The signed fields.
    pub body: Body,
    /// The sender's signature over [`Body::signing_hash`].
    pub signature: Bytes,
    /// The proposal the body names by hash, if it names one.
    pub proposal: Option<Bytes>,
}

impl SignedMessage {
    /// Sign `body` as sealer `from` with `key`, in the zero domain.
    pub fn sign(
        key: &KeyPair,
        from: u64,
        body: Body,
        proposal: Option<Bytes>,
    ) -> Result<Self, CryptoError> {
        Self::sign_in(key, B256::ZERO, from, body, proposal)
    }

    /// Sign `body` as sealer `from` with `key`, in `domain`
    /// ([`crate::ConsensusConfig::domain`]).
    pub fn sign_in(
        key: &KeyPair,
        domain: B256,
        from: u64,
        body: Body,
        proposal: Option<Bytes>,
    ) -> Result<Self, CryptoError> {
        let hash = body.signing_hash_in(key.suite().suite(), domain);
        let signature = key.sign(&hash)?.into();
        Ok(SignedMessage {
            from,
            body,
            signature,
            proposal,
        })
    }

    /// The canonical bytes.
    pub fn encode(&self) -> Bytes {
        let payload_length = (self.body.kind() as u8).length()
            + self.from.length()
            + self.body.fields_length()
            + self.signature.length()
            + option_length(&self.proposal);
        let mut out = Vec::with_capacity(payload_length + 9);
        Header {
            list: true,
            payload_length,
        }
        .encode(&mut out);
        (self.body.kind() as u8).encode(&mut out);
        self.from.encode(&mut out);
        self.body.encode_fields(&mut out);
        self.signature.encode(&mut out);
        encode_option(&self.proposal, &mut out);
        out.into()
    }

    /// Decode bytes from the network under `limits`. Checks the shape only: the
    /// signatures and hashes are checked by the core against the sealer list.
    pub fn decode(bytes: &[u8], limits: &MessageLimits) -> Result<Self, MessageError> {
        const WHAT: &str = "consensus message";
        if bytes.len() > limits.max_message_bytes {
            return Err(MessageError::TooLarge {
                what: WHAT,
                size: bytes.len(),
                limit: limits.max_message_bytes,
            });
        }
        let mut buf = bytes;
        let mut payload = list_payload(&mut buf, WHAT)?;
        finish(buf, WHAT)?;
        let kind = MessageKind::from_u8(decode_scalar::<u8>(&mut payload, "message kind")?)?;
        let from = decode_scalar::<u64>(&mut payload, "message sender")?;
        let body = Body::decode_fields(kind, &mut payload, limits)?;
        let signature = decode_signature(&mut payload, limits)?;
        let proposal = decode_option(&mut payload, "proposal attachment", |b| {
            let raw = Header::decode_bytes(b, false)
                .map_err(|e| MessageError::rlp("proposal attachment", e))?;
            if raw.len() > limits.max_proposal_bytes {
                return Err(MessageError::TooLarge {
                    what: "proposal",
                    size: raw.len(),
                    limit: limits.max_proposal_bytes,
                });
            }
            Ok(Bytes::copy_from_slice(raw))
        })?;
        finish(payload, WHAT)?;
        match (body.attached_proposal_hash(), &proposal) {
            (Some(_), None) => Err(MessageError::Attachment {
                kind,
                problem: "names a proposal but carries none",
            }),
            (None, Some(_)) => Err(MessageError::Attachment {
                kind,
                problem: "carries a proposal it does not name",
            }),
            _ => Ok(SignedMessage {
                from,
                body,
                signature,
                proposal,
            }),
        }
    }
}

fn signing_hash_of<T: Encodable>(
    kind: MessageKind,
    body: &T,
    suite: &dyn CryptoSuite,
    domain: B256,
) -> B256 {
    let kind = kind as u8;
    // The zero domain adds nothing, so that messages signed without a domain keep the
    // hash they always had.
    let domain = (!domain.is_zero()).then_some(domain);
    let payload_length =
        domain.as_ref().map_or(0, Encodable::length) + kind.length() + body.length();
    let mut out = Vec::with_capacity(payload_length + 9);
    Header {
        list: true,
        payload_length,
    }
    .encode(&mut out);
    if let Some(domain) = &domain {
        domain.encode(&mut out);
    }
    kind.encode(&mut out);
    body.encode(&mut out);
    suite.hash(&out)
}

// ---- encodings that need more than the derive: options and bounded lists ----

pub(crate) fn option_length<T: Encodable>(value: &Option<T>) -> usize {
    let payload_length = value.as_ref().map_or(0, |v| v.length());
    Header {
        list: true,
        payload_length,
    }
    .length_with_payload()
}

pub(crate) fn encode_option<T: Encodable>(value: &Option<T>, out: &mut dyn BufMut) {
    let payload_length = value.as_ref().map_or(0, |v| v.length());
    Header {
        list: true,
        payload_length,
    }
    .encode(out);
    if let Some(v) = value {
        v.encode(out);
    }
}

fn list_length(items_length: usize) -> usize {
    Header {
        list: true,
        payload_length: items_length,
    }
    .length_with_payload()
}

impl PreparedCertificate {
    pub(crate) fn decode_limited(
        buf: &mut &[u8],
        limits: &MessageLimits,
    ) -> Result<Self, MessageError> {
        const WHAT: &str = "prepared certificate";
        let mut payload = list_payload(buf, WHAT)?;
        let view = decode_scalar(&mut payload, WHAT)?;
        let proposal_hash = decode_scalar(&mut payload, WHAT)?;
        let prepares = decode_signatures(&mut payload, "prepared certificate signatures", limits)?;
        finish(payload, WHAT)?;
        Ok(PreparedCertificate {
            view,
            proposal_hash,
            prepares,
        })
    }
}

impl Encodable for ViewChange {
    fn encode(&self, out: &mut dyn BufMut) {
        Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        self.height.encode(out);
        self.to_view.encode(out);
        encode_option(&self.prepared, out);
    }
    fn length(&self) -> usize {
        list_length(self.payload_length())
    }
}

impl ViewChange {
    fn payload_length(&self) -> usize {
        self.height.length() + self.to_view.length() + option_length(&self.prepared)
    }

    fn decode(buf: &mut &[u8], limits: &MessageLimits) -> Result<Self, MessageError> {
        const WHAT: &str = "view change";
        let mut payload = list_payload(buf, WHAT)?;
        let height = decode_scalar(&mut payload, WHAT)?;
        let to_view = decode_scalar(&mut payload, WHAT)?;
        let prepared = decode_option(&mut payload, WHAT, |b| {
            PreparedCertificate::decode_limited(b, limits)
        })?;
        finish(payload, WHAT)?;
        Ok(ViewChange {
            height,
            to_view,
            prepared,
        })
    }

    /// What its sender signs, in the zero domain.
    pub fn signing_hash(&self, suite: &dyn CryptoSuite) -> B256 {
        signing_hash_of(MessageKind::ViewChange, self, suite, B256::ZERO)
    }

    /// What its sender signs in `domain`.
    pub fn signing_hash_in(&self, suite: &dyn CryptoSuite, domain: B256) -> B256 {
        signing_hash_of(MessageKind::ViewChange, self, suite, domain)
    }
}

impl SignedViewChange {
    fn decode(buf: &mut &[u8], limits: &MessageLimits) -> Result<Self, MessageError> {
        const WHAT: &str = "signed view change";
        let mut payload = list_payload(buf, WHAT)?;
        let from = decode_scalar(&mut payload, WHAT)?;
        let view_change = ViewChange::decode(&mut payload, limits)?;
        let signature = decode_signature(&mut payload, limits)?;
        finish(payload, WHAT)?;
        Ok(SignedViewChange {
            from,
            view_change,
            signature,
        })
    }
}

impl Encodable for NewView {
    fn encode(&self, out: &mut dyn BufMut) {
        Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        self.height.encode(out);
        self.view.encode(out);
        self.view_changes.encode(out);
        encode_option(&self.reproposal, out);
    }
    fn length(&self) -> usize {
        list_length(self.payload_length())
    }
}

impl NewView {
    fn payload_length(&self) -> usize {
        self.height.length()
            + self.view.length()
            + self.view_changes.length()
            + option_length(&self.reproposal)
    }

    fn decode(buf: &mut &[u8], limits: &MessageLimits) -> Result<Self, MessageError> {
        const WHAT: &str = "new view";
        let mut payload = list_payload(buf, WHAT)?;
        let height = decode_scalar(&mut payload, WHAT)?;
        let view = decode_scalar(&mut payload, WHAT)?;
        let view_changes = decode_bounded_list(
            &mut payload,
            "new view's view changes",
            limits.max_view_changes,
            |b| SignedViewChange::decode(b, limits),
        )?;
        let reproposal = decode_option(&mut payload, WHAT, |b| decode_scalar(b, WHAT))?;
        finish(payload, WHAT)?;
        Ok(NewView {
            height,
            view,
            view_changes,
            reproposal,
        })
    }
}

impl CommittedProposal {
    fn decode(buf: &mut &[u8], limits: &MessageLimits) -> Result<Self, MessageError> {
        const WHAT: &str = "committed proposal";
        let mut payload = list_payload(buf, WHAT)?;
        let height = decode_scalar(&mut payload, WHAT)?;
        let view = decode_scalar(&mut payload, WHAT)?;
        let proposal_hash = decode_scalar(&mut payload, WHAT)?;
        let commits = decode_signatures(&mut payload, "committed proposal signatures", limits)?;
        finish(payload, WHAT)?;
        Ok(CommittedProposal {
            height,
            view,
            proposal_hash,
            commits,
        })
    }
}

// ---- decoding helpers ----

/// Read a list header and return its payload, advancing `buf` past the list.
pub(crate) fn list_payload<'a>(
    buf: &mut &'a [u8],
    what: &'static str,
) -> Result<&'a [u8], MessageError> {
    let header = Header::decode(buf).map_err(|e| MessageError::rlp(what, e))?;
    if !header.list {
        return Err(MessageError::Malformed {
            what,
            reason: "expected a list".into(),
        });
    }
    if header.payload_length > buf.len() {
        return Err(MessageError::rlp(what, alloy_rlp::Error::InputTooShort));
    }
    let (payload, rest) = buf.split_at(header.payload_length);
    *buf = rest;
    Ok(payload)
}

/// Refuse bytes left after a complete value.
pub(crate) fn finish(rest: &[u8], what: &'static str) -> Result<(), MessageError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(MessageError::TrailingBytes {
            what,
            count: rest.len(),
        })
    }
}

pub(crate) fn decode_scalar<T: alloy_rlp::Decodable>(
    buf: &mut &[u8],
    what: &'static str,
) -> Result<T, MessageError> {
    T::decode(buf).map_err(|e| MessageError::rlp(what, e))
}

pub(crate) fn decode_signature(
    buf: &mut &[u8],
    limits: &MessageLimits,
) -> Result<Bytes, MessageError> {
    let raw = Header::decode_bytes(buf, false).map_err(|e| MessageError::rlp("signature", e))?;
    if raw.len() > limits.max_signature_bytes {
        return Err(MessageError::TooLarge {
            what: "signature",
            size: raw.len(),
            limit: limits.max_signature_bytes,
        });
    }
    Ok(Bytes::copy_from_slice(raw))
}

fn decode_signatures(
    buf: &mut &[u8],
    what: &'static str,
    limits: &MessageLimits,
) -> Result<Vec<SealerSignature>, MessageError> {
    decode_bounded_list(buf, what, limits.max_signatures, |b| {
        let mut payload = list_payload(b, "sealer signature")?;
        let sealer_index = decode_scalar(&mut payload, "sealer signature")?;
        let signature = decode_signature(&mut payload, limits)?;
        finish(payload, "sealer signature")?;
        Ok(SealerSignature {
            sealer_index,
            signature,
        })
    })
}

/// Decode a list item by item, failing before decoding the item past `limit`.
pub(crate) fn decode_bounded_list<T>(
    buf: &mut &[u8],
    what: &'static str,
    limit: usize,
    mut item: impl FnMut(&mut &[u8]) -> Result<T, MessageError>,
) -> Result<Vec<T>, MessageError> {
    let mut payload = list_payload(buf, what)?;
    let mut items = Vec::new();
    while !payload.is_empty() {
        if items.len() == limit {
            return Err(MessageError::TooMany { what, limit });
        }
        items.push(item(&mut payload)?);
    }
    Ok(items)
}

/// Decode a list of zero or one items.
pub(crate) fn decode_option<T>(
    buf: &mut &[u8],
    what: &'static str,
    item: impl FnOnce(&mut &[u8]) -> Result<T, MessageError>,
) -> Result<Option<T>, MessageError> {
    let mut payload = list_payload(buf, what)?;
    if payload.is_empty() {
        return Ok(None);
    }
    let value = item(&mut payload)?;
    finish(payload, what)?;
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_crypto::{SecretKey, SuiteId};

    fn key() -> KeyPair {
        KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([7; 32])).unwrap()
    }

    fn sig(i: u64) -> SealerSignature {
        SealerSignature {
            sealer_index: i,
            signature: vec![i as u8; 65].into(),
        }
    }

    fn samples() -> Vec<SignedMessage> {
        let k = key();
        let h = B256::repeat_byte(3);
        let vote = Vote {
            height: 9,
            view: 2,
            proposal_hash: h,
        };
        let cert = PreparedCertificate {
            view: 1,
            proposal_hash: h,
            prepares: vec![sig(0), sig(1), sig(3)],
        };
        let vc = ViewChange {
            height: 9,
            to_view: 2,
            prepared: Some(cert.clone()),
        };
        let bodies = vec![
            (Body::PrePrepare(vote), Some(Bytes::from_static(b"block"))),
            (Body::Prepare(vote), None),
            (Body::Commit(vote), None),
            (
                Body::ViewChange(vc.clone()),
                Some(Bytes::from_static(b"block")),
            ),
            (
                Body::ViewChange(ViewChange {
                    prepared: None,
                    ..vc.clone()
                }),
                None,
            ),
            (
                Body::NewView(NewView {
                    height: 9,
                    view: 2,
                    view_changes: vec![SignedViewChange {
                        from: 1,
                        view_change: vc,
                        signature: vec![1; 65].into(),
                    }],
                    reproposal: Some(h),
                }),
                Some(Bytes::from_static(b"block")),
            ),
            (
                Body::CommittedProposal(CommittedProposal {
                    height: 9,
                    view: 2,
                    proposal_hash: h,
                    commits: vec![sig(2)],
                }),
                Some(Bytes::from_static(b"block")),
            ),
            (
                Body::Checkpoint(Checkpoint {
                    height: 9,
                    header_hash: h,
                }),
                None,
            ),
        ];
        bodies
            .into_iter()
            .map(|(body, p)| SignedMessage::sign(&k, 2, body, p).unwrap())
            .collect()
    }

    #[test]
    fn every_kind_round_trips() {
        for msg in samples() {
            let bytes = msg.encode();
            let back = SignedMessage::decode(&bytes, &MessageLimits::DEFAULT).unwrap();
            assert_eq!(back, msg);
            // And the encoding is canonical: re-encoding gives the same bytes.
            assert_eq!(back.encode(), bytes);
        }
    }

    #[test]
    fn truncated_or_extended_bytes_are_typed_errors() {
        for msg in samples() {
            let bytes = msg.encode();
            for cut in [1, bytes.len() / 2, bytes.len() - 1] {
                assert!(SignedMessage::decode(&bytes[..cut], &MessageLimits::DEFAULT).is_err());
            }
            let mut longer = bytes.to_vec();
            longer.push(0x80);
            assert!(matches!(
                SignedMessage::decode(&longer, &MessageLimits::DEFAULT),
                Err(MessageError::TrailingBytes { .. })
            ));
        }
    }

    #[test]
    fn limits_are_enforced() {
        let msgs = samples();
        let tight = MessageLimits {
            max_signatures: 2,
            ..MessageLimits::DEFAULT
        };
        // The view change carries a 3-signature certificate.
        assert!(matches!(
            SignedMessage::decode(&msgs[3].encode(), &tight),
            Err(MessageError::TooMany { limit: 2, .. })
        ));
        let tiny = MessageLimits {
            max_proposal_bytes: 4,
            ..MessageLimits::DEFAULT
        };
        assert!(matches!(
            SignedMessage::decode(&msgs[0].encode(), &tiny),
            Err(MessageError::TooLarge {
                what: "proposal",
                ..
            })
        ));
        let small = MessageLimits {
            max_message_bytes: 10,
            ..MessageLimits::DEFAULT
        };
        assert!(matches!(
            SignedMessage::decode(&msgs[1].encode(), &small),
            Err(MessageError::TooLarge { .. })
        ));
    }

    #[test]
    fn attachment_must_match_the_body() {
        let mut msg = samples().remove(1); // a prepare
        msg.proposal = Some(Bytes::from_static(b"x"));
        assert!(matches!(
            SignedMessage::decode(&msg.encode(), &MessageLimits::DEFAULT),
            Err(MessageError::Attachment { .. })
        ));
        let mut msg = samples().remove(0); // a pre-prepare
        msg.proposal = None;
        assert!(matches!(
            SignedMessage::decode(&msg.encode(), &MessageLimits::DEFAULT),
            Err(MessageError::Attachment { .. })
        ));
    }

    #[test]
    fn unknown_kind_is_refused() {
        let mut bytes = samples()[1].encode().to_vec();
        // The kind is the first payload byte after the list header.
        let header_len = Header::decode(&mut &bytes[..]).unwrap().length();
        bytes[header_len] = 5;
        assert_eq!(
            SignedMessage::decode(&bytes, &MessageLimits::DEFAULT),
            Err(MessageError::UnknownKind(5))
        );
    }

    #[test]
    fn signing_hash_separates_chains_and_groups() {
        use crate::ConsensusConfig;
        use weft_crypto::SuiteId;
        let s = key().suite().suite();
        let v = Vote {
            height: 1,
            view: 0,
            proposal_hash: B256::ZERO,
        };
        let a = ConsensusConfig::chain_domain(SuiteId::Standard, 20, "group0");
        let b = ConsensusConfig::chain_domain(SuiteId::Standard, 20, "group1");
        let c = ConsensusConfig::chain_domain(SuiteId::Standard, 21, "group0");
        let hashes = [a, b, c, B256::ZERO].map(|d| v.signing_hash_in(MessageKind::Prepare, s, d));
        for (i, x) in hashes.iter().enumerate() {
            for y in &hashes[i + 1..] {
                assert_ne!(x, y);
            }
        }
        // The zero domain is the undomained hash, and a checkpoint always signs its header.
        assert_eq!(hashes[3], v.signing_hash(MessageKind::Prepare, s));
        let checkpoint = Body::Checkpoint(Checkpoint {
            height: 1,
            header_hash: B256::repeat_byte(7),
        });
        assert_eq!(checkpoint.signing_hash_in(s, a), B256::repeat_byte(7));
    }

    #[test]
    fn signing_hash_separates_kinds() {
        let k = key();
        let s = k.suite().suite();
        let v = Vote {
            height: 1,
            view: 0,
            proposal_hash: B256::ZERO,
        };
        assert_ne!(
            v.signing_hash(MessageKind::Prepare, s),
            v.signing_hash(MessageKind::Commit, s)
        );
    }
}
