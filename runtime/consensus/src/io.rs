//! The core's inputs and outputs, and its status snapshot.

use alloy_primitives::{Bytes, B256};
use weft_types::SealerSignature;

use crate::config::{Sealer, SealerSet};
use crate::error::DropReason;
use crate::record::VoteRecord;

/// Something that happened, given to [`crate::Core::handle`].
#[derive(Debug, Clone)]
pub enum Input {
    /// Bytes of a consensus message from the network.
    Message(Bytes),
    /// The driver's clock reached [`crate::Core::next_timeout`] (early calls are ignored).
    Timeout,
    /// The leader of `height` in `view` is not connected to this node (FISCO's fast view
    /// change): when nothing has been proposed in that view yet, start the view change now
    /// instead of waiting out the timeout. Like an early timeout, it only affects
    /// liveness; stale or irrelevant calls are ignored.
    LeaderUnreachable {
        /// The height.
        height: u64,
        /// The view whose leader is unreachable.
        view: u64,
    },
    /// Whether the transaction pool holds transactions waiting for a block. A node with
    /// waiting transactions expects a block and starts a view change if none commits in
    /// time; an idle chain makes no empty blocks and no view changes.
    PendingTransactions(bool),
    /// The sealer's proposal for `height` in `view`, after [`Output::ProposalWanted`].
    Propose {
        /// The height.
        height: u64,
        /// The view.
        view: u64,
        /// The block with transaction hashes, opaque to consensus.
        proposal: Bytes,
    },
    /// The application's verdict on [`Output::ValidateProposal`].
    ProposalChecked {
        /// The height.
        height: u64,
        /// The view it was asked for.
        view: u64,
        /// The proposal's hash.
        proposal_hash: B256,
        /// Whether the proposal is valid.
        valid: bool,
    },
    /// The application executed [`Output::Execute`].
    Executed {
        /// The height.
        height: u64,
        /// The executed proposal.
        proposal_hash: B256,
        /// The hash of the resulting block header.
        header_hash: B256,
    },
    /// The application committed the block of `height` (after [`Output::CommitBlock`]).
    Committed {
        /// The committed height.
        height: u64,
        /// The sealer list for the next height, if the block changed it.
        next_sealers: Option<SealerSet>,
    },
    /// Block sync committed blocks up to `height`.
    SyncedTo {
        /// The highest committed height.
        height: u64,
        /// The sealer list for the next height, if those blocks changed it.
        next_sealers: Option<SealerSet>,
    },
}

/// Something the driver must do. Outputs come in order and must be acted on in order:
/// a [`Output::Persist`] must be durable before any later `Send` or `Broadcast` of the
/// same list leaves the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Store this vote durably (fsync) before sending anything that follows.
    Persist(VoteRecord),
    /// Send these message bytes to every other consensus node (and observers).
    Broadcast(Bytes),
    /// Send these message bytes to the sealer with index `to`.
    Send {
        /// The sealer index.
        to: u64,
        /// The message bytes.
        message: Bytes,
    },
    /// This node leads `view` at `height`: pass the next proposal with
    /// [`Input::Propose`] when there are transactions (no empty blocks).
    ProposalWanted {
        /// The height.
        height: u64,
        /// The view.
        view: u64,
    },
    /// Check this proposal (transactions known and valid, parent right) and answer
    /// with [`Input::ProposalChecked`].
    ValidateProposal {
        /// The height.
        height: u64,
        /// The view.
        view: u64,
        /// The proposal's hash.
        proposal_hash: B256,
        /// The proposal bytes.
        proposal: Bytes,
    },
    /// The proposal is ordered: execute it on top of the last committed block and
    /// answer with [`Input::Executed`].
    Execute {
        /// The height.
        height: u64,
        /// The proposal's hash.
        proposal_hash: B256,
        /// The proposal bytes.
        proposal: Bytes,
    },
    /// A quorum signed this node's own execution result: commit the executed block
    /// with these signatures, then answer with [`Input::Committed`].
    CommitBlock {
        /// The height.
        height: u64,
        /// The header hash.
        header_hash: B256,
        /// The quorum's signatures over the header hash, by sealer index.
        signatures: Vec<SealerSignature>,
    },
    /// This node's execution result differs from the one a quorum signed (or from the
    /// one it signed itself before a restart). It does not commit; the operator must
    /// investigate (non-determinism, different plugins, corrupted state).
    Diverged {
        /// The height.
        height: u64,
        /// This node's header hash.
        local: B256,
        /// The header hash it should have produced.
        expected: B256,
    },
    /// A message (or local proposal) was refused; the driver logs it.
    Dropped {
        /// The index the message claimed, if it decoded that far.
        from: Option<u64>,
        /// Why.
        reason: DropReason,
    },
    /// Records at or below this height are no longer needed and may be deleted.
    PruneVotes {
        /// The committed height.
        through_height: u64,
    },
    /// The node moved to a new view (for logs and metrics).
    ViewChanged {
        /// The height.
        height: u64,
        /// The new view.
        view: u64,
    },
}

/// Where the current height stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Ordering a proposal (pre-prepare, prepare, commit).
    Ordering,
    /// Waiting for a quorum of view changes or a new view.
    ViewChange,
    /// A proposal is ordered; waiting for the application to execute it.
    Executing,
    /// Executed; collecting checkpoints.
    Checkpointing,
    /// A quorum signed the result; waiting for the application to commit.
    Committing,
    /// The local execution result differs from the quorum's.
    Diverged,
}

/// A snapshot for RPC (`getPbftView`, `getConsensusStatus`) and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsensusStatus {
    /// The height being agreed (committed + 1).
    pub height: u64,
    /// The highest committed height.
    pub committed_height: u64,
    /// The current view.
    pub view: u64,
    /// The leader of the current view.
    pub leader_index: u64,
    /// This node's sealer index (`None`: observer).
    pub node_index: Option<u64>,
    /// The sealers of this height.
    pub sealers: Vec<Sealer>,
    /// The quorum weight.
    pub quorum: u64,
    /// The most faulty weight tolerated.
    pub max_faulty: u64,
    /// Whether a view change is under way.
    pub in_view_change: bool,
    /// The view it is changing to.
    pub view_change_target: Option<u64>,
    /// The phase of the height.
    pub phase: Phase,
    /// The current timeout, in milliseconds.
    pub timeout_ms: u64,
    /// The consecutive view changes behind that timeout.
    pub view_change_cycle: u32,
}
