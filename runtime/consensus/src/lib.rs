//! Weft's PBFT: the consensus core, a state machine without I/O.
//!
//! The core is FISCO BCOS v3's two-phase PBFT, one height at a time. It does no I/O: no
//! sockets, no clock, no threads, no randomness. A driver feeds it [`Input`]s with the
//! current time through [`Core::handle`] and carries out the [`Output`]s it returns;
//! [`Core::next_timeout`] says when to call back with [`Input::Timeout`]. The same core
//! runs in the node and in the deterministic simulation of `tests/it`.
//!
//! ```text
//!  phase A: ordering (per height, in views)            phase B: checkpoint
//!
//!  leader ──PrePrepare(h,v,block)──▶ replicas
//!           ValidateProposal ─▶ app ─▶ ProposalChecked
//!  all    ──Prepare(h,v,hash)──▶ all   quorum ─▶ prepared
//!  all    ──Commit(h,v,hash)───▶ all   quorum ─▶ Execute ─▶ app ─▶ Executed(header)
//!                                      all ──Checkpoint(h,header)──▶ all
//!                                      quorum of equal headers ─▶ CommitBlock(sigs)
//!                                      app commits ─▶ Committed ─▶ height h+1, view 0
//!
//!  timeout ─▶ ViewChange(h, v+1, highest prepared certificate)
//!  quorum of view changes ─▶ new leader: NewView(h, v+1, the view changes,
//!                                                the highest prepared proposal)
//! ```
//!
//! Quorums are by weight: `total = Σ weight`, `f = (total − 1) / 3`,
//! `quorum = total − f`. The leader of height `h` in view `v` is
//! `(h / leader_period + v) % n`. Timeouts back off by 1.5× per consecutive view
//! change, up to 10 times. A node that sees view changes of weight `f + 1` for higher
//! views joins the highest of them at once. A new view must re-propose the proposal of
//! the highest prepared certificate among its view changes, so a proposal committed in
//! one view is the only one that can be committed in any later view.
//!
//! Nothing received is trusted: every message is decoded under [`MessageLimits`], its
//! sender must be a sealer of its height, and every signature (including those inside
//! prepared certificates, new views and committed proposals) and every proposal hash is
//! recomputed. Anything wrong is dropped and reported as [`Output::Dropped`].
//! Observers (nodes whose key is not in the sealer list) run the same core: they follow
//! the votes, execute and commit blocks with a quorum of checkpoint signatures, but
//! never sign. Block sync checks blocks with [`verify_commit_certificate`].
//!
//! # What the driver must do
//!
//! Carry out the outputs of one `handle` call **in order**:
//!
//! * [`Output::Persist`] — write the vote record durably (fsync) *before* sending any
//!   later output of the same list. After a crash, pass the records back to
//!   [`Core::restore`] with the ledger's committed height; the core then re-sends its
//!   votes of the current height and never signs a different vote at the same place
//!   (kind, height, view). Sending before the record is durable can make a restarted
//!   node equivocate.
//! * [`Output::Broadcast`] / [`Output::Send`] — send the bytes to the consensus nodes
//!   (and observers) / to one sealer. Messages may be lost, duplicated or reordered;
//!   the core retransmits on timeouts.
//! * [`Output::ProposalWanted`] — ask the sealer for a block; answer with
//!   [`Input::Propose`] when there are transactions (no empty blocks).
//! * [`Output::ValidateProposal`] → [`Input::ProposalChecked`];
//!   [`Output::Execute`] → [`Input::Executed`];
//!   [`Output::CommitBlock`] → commit the block with those signatures, then
//!   [`Input::Committed`] (with the next height's sealers if they changed).
//! * [`Output::Diverged`] — the local execution differs from the quorum's: alert; the
//!   node does not commit that block.
//! * [`Output::Dropped`], [`Output::ViewChanged`] — log; [`Output::PruneVotes`] — old
//!   records may be deleted.
//!
//! Also: call `handle(now, Input::Timeout)` when `now >= next_timeout()`; pass
//! [`Input::PendingTransactions`] when the pool becomes empty or non-empty, and
//! [`Input::SyncedTo`] when block sync commits blocks.
//!
//! This crate depends on `weft-crypto` and `weft-types` and small encoding crates only:
//! no async runtime, network, storage or VM.

#![warn(missing_docs)]

mod buffer;
mod certificate;
mod config;
mod core;
mod error;
mod io;
mod message;
mod quorum;
mod record;
mod timer;
mod view_change;

pub use crate::certificate::verify_commit_certificate;
pub use crate::config::{ConsensusConfig, FaultInjection, Sealer, SealerSet};
pub use crate::core::Core;
pub use crate::error::{CertificateError, ConfigError, DropReason, MessageError, NewViewError};
pub use crate::io::{ConsensusStatus, Input, Output, Phase};
pub use crate::message::{
    Body, Checkpoint, CommittedProposal, MessageKind, MessageLimits, NewView, PreparedCertificate,
    SignedMessage, SignedViewChange, ViewChange, Vote,
};
pub use crate::record::{Prepared, VoteRecord};
pub use crate::timer::MAX_BACKOFF_CYCLE;
