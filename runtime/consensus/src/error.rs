//! Errors: bad configuration, undecodable bytes, invalid certificates, and the reasons
//! a received message is dropped.

use alloy_primitives::B256;

use crate::message::MessageKind;

/// A sealer set or a restore that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The sealer list is empty.
    #[error("the sealer list is empty; a chain needs at least one sealer")]
    NoSealers,
    /// `leader_period` is zero.
    #[error("leader_period is 0; it must be at least 1 (FISCO's default is 1)")]
    ZeroLeaderPeriod,
    /// A sealer has weight zero.
    #[error("sealer {index} has weight 0; every sealer needs a weight of at least 1")]
    ZeroWeight {
        /// The sealer's index.
        index: usize,
    },
    /// A node id appears twice.
    #[error("sealer {index} repeats an earlier node id; each sealer must be listed once")]
    DuplicateSealer {
        /// The later index.
        index: usize,
    },
    /// The weights do not fit in 64 bits.
    #[error("the sealer weights add up to more than 2^64 - 1")]
    WeightOverflow,
    /// The node's key does not belong to the chain's suite.
    #[error("the node key is for the {key} suite but the chain uses {chain}")]
    WrongSuite {
        /// The key's suite.
        key: weft_crypto::SuiteId,
        /// The chain's suite.
        chain: weft_crypto::SuiteId,
    },
    /// Two persisted records sign different things at the same place: the store was
    /// tampered with or the node already equivocated. Starting would make it worse.
    #[error("persisted votes conflict: two different {kind:?} records at height {height}, view {view}; refusing to start (inspect the vote store)")]
    ConflictingRecords {
        /// Kind of the records.
        kind: MessageKind,
        /// Their height.
        height: u64,
        /// Their view.
        view: u64,
    },
    /// A persisted record was not signed by this node.
    #[error("a persisted {kind:?} record at height {height} was not signed by this node's key; refusing to start (was the key or the data directory swapped?)")]
    ForeignRecord {
        /// Kind of the record.
        kind: MessageKind,
        /// Its height.
        height: u64,
    },
}

/// Why bytes did not decode into a consensus message or vote record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The input is larger than allowed.
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
    #[error("{what} has more than {limit} entries")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The bytes are not the canonical RLP of the expected shape.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Bytes were left after a complete value.
    #[error("{what} has {count} trailing bytes")]
    TrailingBytes {
        /// What was decoded.
        what: &'static str,
        /// How many bytes were left.
        count: usize,
    },
    /// The message kind byte is not one Weft defines.
    #[error("unknown consensus message kind {0}")]
    UnknownKind(u8),
    /// The proposal attachment is missing where the body names a proposal, or present
    /// where it names none.
    #[error("{kind:?} message {problem}")]
    Attachment {
        /// The message kind.
        kind: MessageKind,
        /// What is wrong with the attachment.
        problem: &'static str,
    },
}

impl MessageError {
    pub(crate) fn rlp(what: &'static str, err: alloy_rlp::Error) -> Self {
        MessageError::Malformed {
            what,
            reason: err.to_string(),
        }
    }
}

/// Why a set of signatures does not certify what it claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// A signer index is not in the sealer list.
    #[error("signer {index} is not a sealer (there are {sealers})")]
    UnknownSigner {
        /// The index.
        index: u64,
        /// How many sealers there are.
        sealers: usize,
    },
    /// A signer appears twice.
    #[error("signer {index} appears twice")]
    DuplicateSigner {
        /// The index.
        index: u64,
    },
    /// A signature does not verify against its signer's key.
    #[error("the signature of sealer {index} does not verify")]
    BadSignature {
        /// The index.
        index: u64,
    },
    /// The signers' weights do not reach a quorum.
    #[error("signers carry weight {weight}, short of the quorum {quorum}")]
    InsufficientWeight {
        /// Their weight.
        weight: u64,
        /// The quorum.
        quorum: u64,
    },
}

/// What is wrong with a `NewView`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewViewError {
    /// A view change in the set is for another height or view.
    #[error("view change from {from} is for height {height}, view {to_view}, not this new view's")]
    WrongViewChange {
        /// Its sender.
        from: u64,
        /// Its height.
        height: u64,
        /// Its target view.
        to_view: u64,
    },
    /// Two view changes in the set come from one sender.
    #[error("two view changes from sealer {from}")]
    DuplicateSender {
        /// The sender.
        from: u64,
    },
    /// A view change's signature does not verify.
    #[error("the view change of sealer {from} is not signed by its key")]
    BadViewChangeSignature {
        /// The claimed sender.
        from: u64,
    },
    /// A view change's sender is not a sealer.
    #[error("view change from {from}, which is not a sealer")]
    UnknownSender {
        /// The claimed sender.
        from: u64,
    },
    /// A prepared certificate inside a view change is invalid.
    #[error("the prepared certificate of sealer {from}'s view change is invalid: {error}")]
    BadCertificate {
        /// The view change's sender.
        from: u64,
        /// What is wrong.
        error: CertificateError,
    },
    /// A prepared certificate claims a view not below the new one.
    #[error(
        "sealer {from}'s prepared certificate is for view {view}, not below the new view {to_view}"
    )]
    CertificateViewTooHigh {
        /// The view change's sender.
        from: u64,
        /// The certificate's view.
        view: u64,
        /// The new view.
        to_view: u64,
    },
    /// The view changes do not reach a quorum.
    #[error("view changes carry weight {weight}, short of the quorum {quorum}")]
    NoQuorum {
        /// Their weight.
        weight: u64,
        /// The quorum.
        quorum: u64,
    },
    /// Two certificates of the same highest view certify different proposals, which
    /// a quorum of honest nodes can never produce.
    #[error("two prepared certificates at view {view} certify different proposals")]
    ConflictingCertificates {
        /// The view.
        view: u64,
    },
    /// The re-proposal is not the highest prepared proposal of the set.
    #[error("the re-proposal {found:?} is not the highest prepared proposal {expected:?}")]
    WrongReproposal {
        /// What the view changes require (`None`: no prepared proposal).
        expected: Option<B256>,
        /// What the new view carries.
        found: Option<B256>,
    },
}

/// Why the core dropped a received message (or a local proposal). The driver logs it;
/// repeated drops from one peer are a sign of a faulty or malicious node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// The bytes do not decode.
    #[error("undecodable: {0}")]
    Decode(#[from] MessageError),
    /// The message is for a height already committed.
    #[error("height {height} is already committed (committed height {committed})")]
    StaleHeight {
        /// The message's height.
        height: u64,
        /// This node's committed height.
        committed: u64,
    },
    /// The message is too far ahead to buffer.
    #[error("height {height} is beyond the buffering window (up to {limit})")]
    TooFarAhead {
        /// The message's height.
        height: u64,
        /// The highest height buffered.
        limit: u64,
    },
    /// The buffer for a future height has no room for this sender.
    #[error("the buffer for height {height} is full for this sender")]
    BufferFull {
        /// The message's height.
        height: u64,
    },
    /// The view is too far past the current one.
    #[error("view {view} is too far ahead of the current view {current}")]
    ViewTooFarAhead {
        /// The message's view.
        view: u64,
        /// This node's view.
        current: u64,
    },
    /// The sender index is not a sealer at the message's height.
    #[error("sender {index} is not a sealer at this height ({sealers} sealers)")]
    UnknownSender {
        /// The claimed index.
        index: u64,
        /// How many sealers there are.
        sealers: usize,
    },
    /// The message claims this node's own index: a replay or a node running twice.
    #[error("message claims this node's own index")]
    OwnIndex,
    /// The signature is not the sender's.
    #[error("{kind:?} signature does not verify against sender {from}'s key")]
    BadSignature {
        /// The message kind.
        kind: MessageKind,
        /// The claimed sender.
        from: u64,
    },
    /// The attached proposal does not hash to the hash the message names.
    #[error("proposal hashes to {actual}, the message names {claimed}")]
    ProposalHashMismatch {
        /// The hash in the message.
        claimed: B256,
        /// The hash of the attached bytes.
        actual: B256,
    },
    /// A proposal or new view from a node that does not lead that view.
    #[error("sealer {from} does not lead view {view} (sealer {leader} does)")]
    NotLeader {
        /// The sender.
        from: u64,
        /// The view.
        view: u64,
        /// The actual leader.
        leader: u64,
    },
    /// The sender already signed something different at this place: equivocation.
    #[error("equivocation: sealer {from} signed two different {kind:?} messages at height {height}, view {view}")]
    Equivocation {
        /// The sender.
        from: u64,
        /// The message kind.
        kind: MessageKind,
        /// The height.
        height: u64,
        /// The view.
        view: u64,
    },
    /// A certificate (prepared or committed) is invalid.
    #[error("invalid certificate: {0}")]
    BadCertificate(#[from] CertificateError),
    /// A prepared certificate is not below the view change's target.
    #[error("prepared certificate view {view} is not below the target view {to_view}")]
    CertificateViewTooHigh {
        /// The certificate's view.
        view: u64,
        /// The target view.
        to_view: u64,
    },
    /// A new view is invalid.
    #[error("invalid new view: {0}")]
    BadNewView(#[from] NewViewError),
    /// A pre-prepare for a view whose new view re-proposed something else.
    #[error("pre-prepare {found} contradicts the re-proposal {reproposal} of the new view")]
    ConflictsWithNewView {
        /// The re-proposal.
        reproposal: B256,
        /// The pre-prepare's proposal.
        found: B256,
    },
    /// A local proposal that the core cannot use now.
    #[error("proposal for height {height}, view {view} not wanted: {why}")]
    UnwantedProposal {
        /// Its height.
        height: u64,
        /// Its view.
        view: u64,
        /// Why not.
        why: &'static str,
    },
}
