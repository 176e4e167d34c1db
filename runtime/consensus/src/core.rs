//! The PBFT state machine: inputs in, outputs out, no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use alloy_primitives::{Bytes, B256};
use weft_crypto::{CryptoSuite, KeyPair};
use weft_types::{NodeId, SealerSignature};

use crate::buffer::{Buffered, FutureBuffer};
use crate::certificate::{highest_prepared, SignatureCache, Verifier};
use crate::config::{ConsensusConfig, SealerSet};
use crate::error::{ConfigError, DropReason};
use crate::io::{ConsensusStatus, Input, Output, Phase};
use crate::message::{
    Body, Checkpoint, CommittedProposal, MessageKind, NewView, PreparedCertificate, SignedMessage,
    SignedViewChange, ViewChange, Vote,
};
use crate::quorum::{CheckpointTally, Tallied, VoteTally};
use crate::record::{Prepared, RecordBook, VoteRecord};
use crate::timer::Timer;
use crate::view_change::{Offered, ViewChangeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Validation {
    Pending,
    Valid,
    Invalid,
}

#[derive(Debug, Clone)]
struct Decided {
    view: u64,
    proposal_hash: B256,
    commits: Vec<SealerSignature>,
}

/// Everything about the current height; replaced when the height advances.
#[derive(Debug, Default)]
struct Round {
    /// Proposal bytes whose hash was checked and which a leader or a quorum vouched for.
    proposals: HashMap<B256, Bytes>,
    /// The proposal of each view: the leader's pre-prepare, or a new view's re-proposal.
    accepted: BTreeMap<u64, B256>,
    /// Views above 0 that a valid new view started (or that this node voted in).
    installed: BTreeSet<u64>,
    /// New views this node made, encoded, to re-send to nodes that missed them.
    own_new_views: BTreeMap<u64, Bytes>,
    validation: HashMap<B256, Validation>,
    prepares: VoteTally,
    commits: VoteTally,
    /// Prepared certificates by view (at most one proposal per view can gather one).
    prepared: BTreeMap<u64, Prepared>,
    decided: Option<Decided>,
    executed: Option<B256>,
    checkpoints: CheckpointTally,
    view_changes: ViewChangeSet,
    committing: bool,
    diverged: bool,
    /// Views for which a proposal was asked.
    wanted: BTreeSet<u64>,
    /// (sender, view) pairs already helped with a new view or committed proposal.
    answered: BTreeSet<(u64, u64)>,
    /// Digests of messages already processed.
    seen: HashSet<B256>,
    /// Whether any message for this height arrived (so a proposal is under way).
    active: bool,
}

impl Round {
    const MAX_SEEN: usize = 1 << 16;
}

/// The PBFT core of one node. See the crate documentation for the protocol and the
/// driver's obligations.
#[derive(Debug)]
pub struct Core {
    config: ConsensusConfig,
    suite: &'static dyn CryptoSuite,
    key: KeyPair,
    node_id: NodeId,
    sealers: SealerSet,
    me: Option<u64>,
    committed: u64,
    view: u64,
    vc_target: Option<u64>,
    round: Round,
    book: RecordBook,
    timer: Timer,
    future: FutureBuffer,
    cache: SignatureCache,
    pending_txs: bool,
    now: u64,
    out: Vec<Output>,
}

impl Core {
    /// A core starting after `committed_height` with no persisted votes.
    pub fn new(
        config: ConsensusConfig,
        key: KeyPair,
        sealers: SealerSet,
        committed_height: u64,
        now_ms: u64,
    ) -> Result<(Self, Vec<Output>), ConfigError> {
        Self::restore(config, key, sealers, committed_height, Vec::new(), now_ms)
    }

    /// A core restarting after `committed_height` (from the ledger) with the vote
    /// records it persisted. It takes up its votes where it left them, re-sends those
    /// of the current height, and never signs anything else at their places.
    pub fn restore(
        config: ConsensusConfig,
        key: KeyPair,
        sealers: SealerSet,
        committed_height: u64,
        records: Vec<VoteRecord>,
        now_ms: u64,
    ) -> Result<(Self, Vec<Output>), ConfigError> {
        if key.suite() != config.suite {
            return Err(ConfigError::WrongSuite {
                key: key.suite(),
                chain: config.suite,
            });
        }
        let suite = config.suite.suite();
        let node_id = NodeId::from(key.public().0);
        let me = sealers.index_of(&node_id);
        let mut core = Core {
            timer: Timer::new(config.base_timeout_ms),
            config,
            suite,
            key,
            node_id,
            sealers,
            me,
            committed: committed_height,
            view: 0,
            vc_target: None,
            round: Round::default(),
            book: RecordBook::default(),
            future: FutureBuffer::default(),
            cache: SignatureCache::default(),
            pending_txs: false,
            now: now_ms,
            out: Vec::new(),
        };
        for record in records {
            if record.height() <= committed_height {
                continue;
            }
            let hash = record
                .message
                .body
                .signing_hash_in(suite, core.config.domain);
            if suite
                .verify(core.key.public(), &hash, &record.message.signature)
                .is_err()
            {
                return Err(ConfigError::ForeignRecord {
                    kind: record.kind(),
                    height: record.height(),
                });
            }
            core.book
                .insert(record)
                .map_err(|c| ConfigError::ConflictingRecords {
                    kind: c.0 .1,
                    height: c.0 .0,
                    view: c.0 .2,
                })?;
        }
        core.resume_from_records();
        core.progress();
        core.arm_timer();
        let out = std::mem::take(&mut core.out);
        Ok((core, out))
    }

    /// Feed one input at time `now_ms` (the driver's monotonic clock, in milliseconds);
    /// returns what the driver must do, in order.
    pub fn handle(&mut self, now_ms: u64, input: Input) -> Vec<Output> {
        self.now = now_ms;
        match input {
            Input::Message(bytes) => self.on_message(bytes),
            Input::Timeout => self.on_timeout(),
            Input::LeaderUnreachable { height, view } => self.on_leader_unreachable(height, view),
            Input::PendingTransactions(pending) => self.pending_txs = pending,
            Input::Propose {
                height,
                view,
                proposal,
            } => self.on_propose(height, view, proposal),
            Input::ProposalChecked {
                height,
                view: _,
                proposal_hash,
                valid,
            } => {
                if height == self.height()
                    && self.round.validation.get(&proposal_hash) == Some(&Validation::Pending)
                {
                    let verdict = if valid {
                        Validation::Valid
                    } else {
                        Validation::Invalid
                    };
                    self.round.validation.insert(proposal_hash, verdict);
                }
            }
            Input::Executed {
                height,
                proposal_hash,
                header_hash,
            } => self.on_executed(height, proposal_hash, header_hash),
            Input::Committed {
                height,
                next_sealers,
            }
            | Input::SyncedTo {
                height,
                next_sealers,
            } => {
                if height >= self.height() {
                    self.advance(height, next_sealers);
                }
            }
        }
        self.progress();
        self.arm_timer();
        std::mem::take(&mut self.out)
    }

    /// When the driver must call back with [`Input::Timeout`], in its clock's
    /// milliseconds; `None` when nothing is waiting.
    pub fn next_timeout(&self) -> Option<u64> {
        self.timer.deadline()
    }

    /// The state for RPC and metrics.
    pub fn status(&self) -> ConsensusStatus {
        let phase = if self.round.diverged {
            Phase::Diverged
        } else if self.round.committing {
            Phase::Committing
        } else if self.round.executed.is_some() {
            Phase::Checkpointing
        } else if self.round.decided.is_some() {
            Phase::Executing
        } else if self.vc_target.is_some() {
            Phase::ViewChange
        } else {
            Phase::Ordering
        };
        ConsensusStatus {
            height: self.height(),
            committed_height: self.committed,
            view: self.view,
            leader_index: self.sealers.leader(self.height(), self.view),
            node_index: self.me,
            sealers: self.sealers.sealers().to_vec(),
            quorum: self.quorum(),
            max_faulty: self.sealers.max_faulty(),
            in_view_change: self.vc_target.is_some(),
            view_change_target: self.vc_target,
            phase,
            timeout_ms: self.timer.duration(),
            view_change_cycle: self.timer.cycle(),
        }
    }

    /// The view-change timeout before back-off, in milliseconds.
    pub fn base_timeout_ms(&self) -> u64 {
        self.config.base_timeout_ms
    }

    /// Change the view-change timeout before back-off (a committed `consensus_timeout`
    /// change). A running timer keeps its deadline; the next one uses the new value.
    /// Zero is taken as 1 ms.
    pub fn set_base_timeout(&mut self, ms: u64) {
        let ms = ms.max(1);
        self.config.base_timeout_ms = ms;
        self.timer.set_base(ms);
    }

    /// The sealers of the height being agreed.
    pub fn sealers(&self) -> &SealerSet {
        &self.sealers
    }

    /// The height being agreed (the committed height + 1), as in [`Core::status`].
    pub fn current_height(&self) -> u64 {
        self.height()
    }

    /// The current view.
    pub fn view(&self) -> u64 {
        self.view
    }

    /// This node's index among the sealers; `None` for an observer.
    pub fn node_index(&self) -> Option<u64> {
        self.me
    }

    /// The index of the leader of the current height and view.
    pub fn leader_index(&self) -> u64 {
        self.sealers.leader(self.height(), self.view)
    }

    /// Whether a view change is under way.
    pub fn in_view_change(&self) -> bool {
        self.vc_target.is_some()
    }

    // ---- small helpers ----

    fn height(&self) -> u64 {
        self.committed.saturating_add(1)
    }

    fn quorum(&self) -> u64 {
        self.config
            .fault_injection
            .quorum_override
            .unwrap_or_else(|| self.sealers.quorum())
    }

    fn drop_msg(&mut self, from: Option<u64>, reason: DropReason) {
        tracing::debug!(?from, %reason, "consensus message dropped");
        self.out.push(Output::Dropped { from, reason });
    }

    fn view_started(&self, view: u64) -> bool {
        view == 0 || self.round.installed.contains(&view)
    }

    /// Sign `body`, record it and broadcast it. Refuses (and returns `None`) if a
    /// different body was already signed at its place.
    fn sign_vote(
        &mut self,
        body: Body,
        proposal: Option<Bytes>,
        prepared: Option<Prepared>,
    ) -> Option<SignedMessage> {
        let me = self.me?;
        let message =
            match SignedMessage::sign_in(&self.key, self.config.domain, me, body, proposal) {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(error = %e, "signing a consensus vote failed");
                    return None;
                }
            };
        let record = VoteRecord {
            message: message.clone(),
            prepared,
        };
        if self.book.insert(record.clone()).is_err() {
            tracing::error!(place = ?RecordBook::place(&record), "refused to sign a second vote at one place");
            return None;
        }
        let bytes = message.encode();
        self.out.push(Output::Persist(record));
        self.out.push(Output::Broadcast(bytes));
        Some(message)
    }

    /// Ask for a proposal if this node leads the current view, the view has started,
    /// no view change is pending and nothing is accepted in it yet.
    fn maybe_want_proposal(&mut self) {
        let view = self.view;
        if self.me.is_some()
            && self.vc_target.is_none()
            && self.me == Some(self.sealers.leader(self.height(), view))
            && !self.round.accepted.contains_key(&view)
            && self.view_started(view)
        {
            self.want_proposal(view);
        }
    }

    fn want_proposal(&mut self, view: u64) {
        if self.round.wanted.insert(view) {
            self.out.push(Output::ProposalWanted {
                height: self.height(),
                view,
            });
        }
    }

    fn arm_timer(&mut self) {
        let r = &self.round;
        if self.me.is_none() || r.committing || r.diverged {
            self.timer.stop();
            return;
        }
        if self.pending_txs || r.active || self.vc_target.is_some() || r.decided.is_some() {
            self.timer.arm(self.now);
        } else {
            // Nothing is waiting any more (typically: the pool emptied after the timer was
            // armed for it, as it is when a block commits while the driver still reports
            // the transactions that block just took). A timer left running would start a
            // view change on an idle chain, and every node that hears of it would join
            // (the round turns active), so an idle chain would change views for ever.
            self.timer.stop();
        }
    }

    // ---- restart ----

    fn resume_from_records(&mut self) {
        let h = self.height();
        let records: Vec<VoteRecord> = self.book.at_height(h).cloned().collect();
        let mut max_vote_view = 0u64;
        let mut max_vc: Option<u64> = None;
        let mut view_change_count = 0u32;
        for record in &records {
            let msg = &record.message;
            match &msg.body {
                Body::PrePrepare(v) => {
                    self.round.accepted.insert(v.view, v.proposal_hash);
                    self.round
                        .validation
                        .insert(v.proposal_hash, Validation::Valid);
                    if let Some(p) = &msg.proposal {
                        self.round.proposals.insert(v.proposal_hash, p.clone());
                    }
                    self.round.installed.insert(v.view);
                    max_vote_view = max_vote_view.max(v.view);
                }
                Body::Prepare(v) | Body::Commit(v) => {
                    let tally = if msg.body.kind() == MessageKind::Prepare {
                        &mut self.round.prepares
                    } else {
                        &mut self.round.commits
                    };
                    tally.insert(v.view, msg.from, v.proposal_hash, msg.signature.clone());
                    self.round.accepted.entry(v.view).or_insert(v.proposal_hash);
                    self.round
                        .validation
                        .insert(v.proposal_hash, Validation::Valid);
                    self.round.installed.insert(v.view);
                    if let Some(p) = &record.prepared {
                        self.round
                            .proposals
                            .insert(p.certificate.proposal_hash, p.proposal.clone());
                        self.round.prepared.insert(p.certificate.view, p.clone());
                    }
                    max_vote_view = max_vote_view.max(v.view);
                }
                Body::ViewChange(vc) => {
                    if let (Some(cert), Some(p)) = (&vc.prepared, &msg.proposal) {
                        self.round.proposals.insert(cert.proposal_hash, p.clone());
                        self.round.prepared.insert(
                            cert.view,
                            Prepared {
                                certificate: cert.clone(),
                                proposal: p.clone(),
                            },
                        );
                    }
                    self.round.view_changes.offer(SignedViewChange {
                        from: msg.from,
                        view_change: vc.clone(),
                        signature: msg.signature.clone(),
                    });
                    max_vc = max_vc.max(Some(vc.to_view));
                    view_change_count += 1;
                }
                Body::NewView(nv) => {
                    self.round.installed.insert(nv.view);
                    self.round.own_new_views.insert(nv.view, msg.encode());
                    if let Some(y) = nv.reproposal {
                        self.round.accepted.insert(nv.view, y);
                        self.round.validation.insert(y, Validation::Valid);
                        if let Some(p) = &msg.proposal {
                            self.round.proposals.insert(y, p.clone());
                        }
                    }
                    max_vote_view = max_vote_view.max(nv.view);
                }
                Body::Checkpoint(_) | Body::CommittedProposal(_) => {}
            }
            // Help the others: what was sent before the crash may not have arrived.
            self.out.push(Output::Broadcast(msg.encode()));
        }
        if !records.is_empty() {
            self.round.active = true;
        }
        self.view = max_vote_view;
        if let Some(t) = max_vc.filter(|&t| t > max_vote_view) {
            self.vc_target = Some(t);
        }
        self.timer.set_cycle(view_change_count);
        self.maybe_want_proposal();
    }

    // ---- inputs ----

    fn on_message(&mut self, bytes: Bytes) {
        let msg = match SignedMessage::decode(&bytes, &self.config.limits) {
            Ok(m) => m,
            Err(e) => return self.drop_msg(None, e.into()),
        };
        let from = msg.from;
        let height = msg.body.height();
        if height <= self.committed {
            return self.drop_msg(
                Some(from),
                DropReason::StaleHeight {
                    height,
                    committed: self.committed,
                },
            );
        }
        if height > self.height() {
            let limit = self.committed.saturating_add(self.config.future_window);
            if height > limit {
                return self.drop_msg(Some(from), DropReason::TooFarAhead { height, limit });
            }
            let digest = self.suite.hash(&bytes);
            // Check against the current sealers now so that forged messages take no
            // room; the check is repeated (from the cache) when the height comes.
            if let Err(reason) = self.verifier().message(&msg) {
                return self.drop_msg(Some(from), reason);
            }
            let entry = Buffered {
                digest,
                size: bytes.len(),
                message: msg,
            };
            if !self.future.insert(height, entry) {
                self.drop_msg(Some(from), DropReason::BufferFull { height });
            }
            return;
        }
        let digest = self.suite.hash(&bytes);
        self.process(msg, digest);
    }

    fn verifier(&mut self) -> Verifier<'_> {
        let quorum = self.quorum();
        Verifier {
            suite: self.suite,
            domain: self.config.domain,
            sealers: &self.sealers,
            quorum,
            cache: &mut self.cache,
        }
    }

    /// Handle a decoded message for the current height.
    fn process(&mut self, msg: SignedMessage, digest: B256) {
        if self.round.seen.contains(&digest) {
            return;
        }
        let from = msg.from;
        if Some(from) == self.me {
            return self.drop_msg(Some(from), DropReason::OwnIndex);
        }
        let view = msg.body.view();
        let kind = msg.body.kind();
        if !matches!(
            kind,
            MessageKind::Checkpoint | MessageKind::CommittedProposal
        ) && view > self.view.saturating_add(self.config.view_window)
        {
            return self.drop_msg(
                Some(from),
                DropReason::ViewTooFarAhead {
                    view,
                    current: self.view,
                },
            );
        }
        if let Err(reason) = self.verifier().message(&msg) {
            return self.drop_msg(Some(from), reason);
        }
        if self.round.seen.len() >= Round::MAX_SEEN {
            self.round.seen.clear();
        }
        self.round.seen.insert(digest);
        self.round.active = true;
        let h = self.height();
        let equivocation = DropReason::Equivocation {
            from,
            kind,
            height: h,
            view,
        };
        let SignedMessage {
            body,
            signature,
            proposal,
            ..
        } = msg;
        match body {
            Body::PrePrepare(v) => self.on_pre_prepare(from, v, proposal),
            Body::Prepare(v) => {
                if self
                    .round
                    .prepares
                    .insert(v.view, from, v.proposal_hash, signature)
                    == Tallied::Conflict
                {
                    self.drop_msg(Some(from), equivocation);
                }
            }
            Body::Commit(v) => {
                if self
                    .round
                    .commits
                    .insert(v.view, from, v.proposal_hash, signature)
                    == Tallied::Conflict
                {
                    self.drop_msg(Some(from), equivocation);
                }
            }
            Body::Checkpoint(c) => {
                if self
                    .round
                    .checkpoints
                    .insert(from, c.header_hash, signature)
                    == Tallied::Conflict
                {
                    self.drop_msg(Some(from), equivocation);
                }
            }
            Body::ViewChange(vc) => self.on_view_change(from, vc, signature, proposal),
            Body::NewView(nv) => self.on_new_view(from, nv, proposal),
            Body::CommittedProposal(c) => {
                if let Some(bytes) = proposal {
                    self.round.proposals.insert(c.proposal_hash, bytes.clone());
                    if self.round.decided.is_none() {
                        self.decide(c.view, c.proposal_hash, bytes, c.commits);
                    }
                }
            }
        }
    }

    fn on_pre_prepare(&mut self, from: u64, v: Vote, proposal: Option<Bytes>) {
        let leader = self.sealers.leader(v.height, v.view);
        if from != leader {
            return self.drop_msg(
                Some(from),
                DropReason::NotLeader {
                    from,
                    view: v.view,
                    leader,
                },
            );
        }
        let Some(bytes) = proposal else { return };
        match self.round.accepted.get(&v.view) {
            Some(&x) if x == v.proposal_hash => {}
            Some(&x) => {
                let reason = if self.round.installed.contains(&v.view) && v.view > 0 {
                    DropReason::ConflictsWithNewView {
                        reproposal: x,
                        found: v.proposal_hash,
                    }
                } else {
                    DropReason::Equivocation {
                        from,
                        kind: MessageKind::PrePrepare,
                        height: v.height,
                        view: v.view,
                    }
                };
                self.drop_msg(Some(from), reason);
            }
            None => {
                self.round.accepted.insert(v.view, v.proposal_hash);
                self.round.proposals.insert(v.proposal_hash, bytes);
            }
        }
    }

    fn on_view_change(
        &mut self,
        from: u64,
        vc: ViewChange,
        signature: Bytes,
        proposal: Option<Bytes>,
    ) {
        if let (Some(cert), Some(bytes)) = (&vc.prepared, proposal) {
            self.round.proposals.insert(cert.proposal_hash, bytes);
        }
        let to_view = vc.to_view;
        if self.round.decided.is_some() {
            // The sender is still ordering a height this node has decided: give it the
            // decision instead of a view change.
            if self.me.is_some() && self.round.answered.insert((from, to_view)) {
                self.send_committed_proposal(Some(from));
            }
            return;
        }
        if to_view <= self.view {
            // It missed the new view of our current view; its leader re-sends it.
            if to_view == self.view && self.vc_target.is_none() {
                if let Some(nv) = self.round.own_new_views.get(&to_view).cloned() {
                    if self.round.answered.insert((from, to_view)) {
                        self.out.push(Output::Send {
                            to: from,
                            message: nv,
                        });
                    }
                }
            }
            return;
        }
        let svc = SignedViewChange {
            from,
            view_change: vc,
            signature,
        };
        match self.round.view_changes.offer(svc) {
            Offered::New => {}
            Offered::Duplicate | Offered::Stale => return,
            Offered::Conflict => {
                return self.drop_msg(
                    Some(from),
                    DropReason::Equivocation {
                        from,
                        kind: MessageKind::ViewChange,
                        height: self.height(),
                        view: to_view,
                    },
                )
            }
        }
        if self.me.is_some() {
            let current = self.vc_target.unwrap_or(self.view);
            if let Some(t) = self.round.view_changes.join_target(current, &self.sealers) {
                self.start_view_change(t);
            }
        }
        self.try_new_view();
    }

    fn on_new_view(&mut self, from: u64, nv: NewView, proposal: Option<Bytes>) {
        let leader = self.sealers.leader(nv.height, nv.view);
        if from != leader {
            return self.drop_msg(
                Some(from),
                DropReason::NotLeader {
                    from,
                    view: nv.view,
                    leader,
                },
            );
        }
        if let (Some(y), Some(bytes)) = (nv.reproposal, proposal) {
            self.round.proposals.insert(y, bytes);
        }
        if self.round.decided.is_some() || nv.view == 0 {
            return;
        }
        let target = self.vc_target.unwrap_or(self.view);
        if nv.view < target || (nv.view == self.view && self.vc_target.is_none()) {
            return;
        }
        self.install_view(nv.view, nv.reproposal);
    }

    fn on_propose(&mut self, height: u64, view: u64, proposal: Bytes) {
        let why = if self.me.is_none() {
            Some("this node is an observer")
        } else if height != self.height() {
            Some("not the height being agreed")
        } else if view != self.view || self.vc_target.is_some() {
            Some("not the current view, or a view change is under way")
        } else if self.me != Some(self.sealers.leader(height, view)) {
            Some("this node does not lead the view")
        } else if self.round.decided.is_some() {
            Some("the height is already decided")
        } else if !self.view_started(view) {
            Some("the view has not started")
        } else if self.round.accepted.contains_key(&view) {
            Some("the view already has a proposal")
        } else if proposal.len() > self.config.limits.max_proposal_bytes {
            Some("larger than the proposal size limit")
        } else {
            None
        };
        if let Some(why) = why {
            return self.drop_msg(self.me, DropReason::UnwantedProposal { height, view, why });
        }
        let hash = self.suite.hash(&proposal);
        let vote = Vote {
            height,
            view,
            proposal_hash: hash,
        };
        if self
            .sign_vote(Body::PrePrepare(vote), Some(proposal.clone()), None)
            .is_some()
        {
            self.round.accepted.insert(view, hash);
            self.round.proposals.insert(hash, proposal);
            self.round.validation.insert(hash, Validation::Valid);
            self.round.active = true;
        }
    }

    fn on_executed(&mut self, height: u64, proposal_hash: B256, header_hash: B256) {
        if height != self.height()
            || self.round.executed.is_some()
            || self
                .round
                .decided
                .as_ref()
                .is_none_or(|d| d.proposal_hash != proposal_hash)
        {
            return;
        }
        self.round.executed = Some(header_hash);
        let Some(me) = self.me else { return };
        let signature = match self.book.get(height, MessageKind::Checkpoint, 0) {
            Some(record) => {
                let signed = match &record.message.body {
                    Body::Checkpoint(c) => c.header_hash,
                    _ => header_hash,
                };
                if signed != header_hash {
                    self.round.diverged = true;
                    self.out.push(Output::Diverged {
                        height,
                        local: header_hash,
                        expected: signed,
                    });
                    return;
                }
                let message = record.message.clone();
                self.out.push(Output::Broadcast(message.encode()));
                message.signature
            }
            None => {
                let body = Body::Checkpoint(Checkpoint {
                    height,
                    header_hash,
                });
                match self.sign_vote(body, None, None) {
                    Some(m) => m.signature,
                    None => return,
                }
            }
        };
        self.round.checkpoints.insert(me, header_hash, signature);
    }

    fn on_timeout(&mut self) {
        if !self.timer.expired(self.now) {
            return;
        }
        if self.me.is_none() || self.round.committing || self.round.diverged {
            self.timer.stop();
            return;
        }
        if self.round.decided.is_some() {
            // Ordering is over; help nodes that missed the decision or checkpoints.
            self.send_committed_proposal(None);
            if let Some(record) = self.book.get(self.height(), MessageKind::Checkpoint, 0) {
                let bytes = record.message.encode();
                self.out.push(Output::Broadcast(bytes));
            }
            self.timer.restart(self.now);
            return;
        }
        self.timer.back_off();
        let target = self.vc_target.unwrap_or(self.view).saturating_add(1);
        self.start_view_change(target);
    }

    /// FISCO's fast view change: the driver reports the view's leader unreachable.
    fn on_leader_unreachable(&mut self, height: u64, view: u64) {
        let Some(me) = self.me else { return };
        if height != self.height()
            || view != self.view
            || self.vc_target.is_some_and(|t| t > view)
            || self.round.committing
            || self.round.diverged
            || self.round.decided.is_some()
            || self.round.accepted.contains_key(&view)
            || self.sealers.leader(height, view) == me
        {
            return;
        }
        self.timer.arm(self.now);
        self.start_view_change(view.saturating_add(1));
    }

    fn advance(&mut self, committed: u64, next_sealers: Option<SealerSet>) {
        self.committed = committed;
        if let Some(sealers) = next_sealers {
            self.me = sealers.index_of(&self.node_id);
            self.sealers = sealers;
        }
        self.view = 0;
        self.vc_target = None;
        self.round = Round::default();
        self.timer.reset();
        self.book.prune_through(committed);
        self.cache.prune_below(committed.saturating_add(1));
        self.out.push(Output::PruneVotes {
            through_height: committed,
        });
        // View 0 of a fresh round: started, nothing accepted, no view change.
        self.maybe_want_proposal();
        let h = self.height();
        for entry in self.future.take(h) {
            self.process(entry.message, entry.digest);
        }
    }

    // ---- view change ----

    fn start_view_change(&mut self, target: u64) {
        let Some(me) = self.me else { return };
        let h = self.height();
        self.vc_target = Some(target);
        let message = match self.book.get(h, MessageKind::ViewChange, target) {
            Some(record) => {
                let m = record.message.clone();
                self.out.push(Output::Broadcast(m.encode()));
                Some(m)
            }
            None => {
                let prepared = self
                    .round
                    .prepared
                    .range(..target)
                    .next_back()
                    .map(|(_, p)| p.clone());
                let body = Body::ViewChange(ViewChange {
                    height: h,
                    to_view: target,
                    prepared: prepared.as_ref().map(|p| p.certificate.clone()),
                });
                self.sign_vote(body, prepared.map(|p| p.proposal), None)
            }
        };
        if let Some(SignedMessage {
            body: Body::ViewChange(vc),
            signature,
            ..
        }) = message
        {
            self.round.view_changes.offer(SignedViewChange {
                from: me,
                view_change: vc,
                signature,
            });
        }
        self.timer.restart(self.now);
        self.try_new_view();
    }

    /// As the leader of the target view, start it once a quorum asks for it.
    fn try_new_view(&mut self) {
        let (Some(t), Some(me)) = (self.vc_target, self.me) else {
            return;
        };
        let h = self.height();
        if self.sealers.leader(h, t) != me || self.round.own_new_views.contains_key(&t) {
            return;
        }
        let quorum = self.quorum();
        let Some(view_changes) = self.round.view_changes.quorum_for(t, &self.sealers, quorum)
        else {
            return;
        };
        let reproposal = match highest_prepared(view_changes.iter().map(|s| &s.view_change)) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "view changes with conflicting certificates; more than f faulty?");
                return;
            }
        };
        let proposal = match reproposal {
            Some(y) => match self.round.proposals.get(&y) {
                Some(p) => Some(p.clone()),
                None => {
                    tracing::warn!(%y, "prepared proposal bytes missing; cannot start the view yet");
                    return;
                }
            },
            None => None,
        };
        let body = Body::NewView(NewView {
            height: h,
            view: t,
            view_changes,
            reproposal,
        });
        if let Some(m) = self.sign_vote(body, proposal, None) {
            self.round.own_new_views.insert(t, m.encode());
            self.install_view(t, reproposal);
        }
    }

    fn install_view(&mut self, view: u64, reproposal: Option<B256>) {
        let h = self.height();
        self.view = view;
        self.vc_target = None;
        self.round.installed.insert(view);
        if let Some(y) = reproposal {
            if let Some(&x) = self.round.accepted.get(&view) {
                if x != y {
                    let leader = self.sealers.leader(h, view);
                    self.drop_msg(
                        Some(leader),
                        DropReason::ConflictsWithNewView {
                            reproposal: y,
                            found: x,
                        },
                    );
                }
            }
            // A quorum prepared it, so enough honest nodes validated it already.
            self.round.accepted.insert(view, y);
            self.round.validation.insert(y, Validation::Valid);
        }
        self.round.view_changes.forget_through(view);
        self.timer.restart(self.now);
        self.out.push(Output::ViewChanged { height: h, view });
        // The view is installed and no view change is pending.
        self.maybe_want_proposal();
    }

    // ---- progress: re-evaluate after every input ----

    /// Take every step the state allows. Idempotent; loops while steps produce outputs
    /// (one's own prepare can complete a quorum that allows a commit, and so on).
    fn progress(&mut self) {
        loop {
            let before = self.out.len();
            self.step();
            if self.out.len() == before {
                break;
            }
        }
    }

    fn step(&mut self) {
        let quorum = self.quorum();
        let h = self.height();
        // Prepared certificates, from any view at this height.
        for (view, hash) in self.round.prepares.quorums(&self.sealers, quorum) {
            if self.round.prepared.contains_key(&view) {
                continue;
            }
            if let Some(bytes) = self.round.proposals.get(&hash) {
                let certificate = PreparedCertificate {
                    view,
                    proposal_hash: hash,
                    prepares: self.round.prepares.signatures(view, hash),
                };
                let proposal = bytes.clone();
                self.round.prepared.insert(
                    view,
                    Prepared {
                        certificate,
                        proposal,
                    },
                );
            }
        }
        // A decision, from commits of any view: a quorum of commits is final whatever
        // view this node is in.
        if self.round.decided.is_none() {
            for (view, hash) in self.round.commits.quorums(&self.sealers, quorum) {
                if let Some(bytes) = self.round.proposals.get(&hash).cloned() {
                    let commits = self.round.commits.signatures(view, hash);
                    self.decide(view, hash, bytes, commits);
                    break;
                }
            }
        }
        // This node's own votes, in its current view only.
        if self.round.decided.is_none()
            && self.vc_target.is_none()
            && self.view_started(self.view)
            && self.me.is_some()
        {
            let view = self.view;
            if let Some(&hash) = self.round.accepted.get(&view) {
                match self.round.validation.get(&hash).copied() {
                    None => {
                        self.round.validation.insert(hash, Validation::Pending);
                        if let Some(bytes) = self.round.proposals.get(&hash).cloned() {
                            self.out.push(Output::ValidateProposal {
                                height: h,
                                view,
                                proposal_hash: hash,
                                proposal: bytes,
                            });
                        }
                    }
                    Some(Validation::Valid) => self.vote_in_view(view, hash),
                    Some(Validation::Pending | Validation::Invalid) => {}
                }
            }
        }
        // Checkpoints.
        if let (Some(_), Some(local)) = (&self.round.decided, self.round.executed) {
            if !self.round.committing && !self.round.diverged {
                if let Some((agreed, signatures)) =
                    self.round.checkpoints.quorum(&self.sealers, quorum)
                {
                    if agreed == local {
                        self.round.committing = true;
                        self.out.push(Output::CommitBlock {
                            height: h,
                            header_hash: agreed,
                            signatures,
                        });
                    } else {
                        self.round.diverged = true;
                        self.out.push(Output::Diverged {
                            height: h,
                            local,
                            expected: agreed,
                        });
                    }
                }
            }
        }
    }

    /// Prepare `hash` in `view`, and commit it once prepared.
    fn vote_in_view(&mut self, view: u64, hash: B256) {
        let (Some(me), h) = (self.me, self.height()) else {
            return;
        };
        let vote = Vote {
            height: h,
            view,
            proposal_hash: hash,
        };
        match self.book.get(h, MessageKind::Prepare, view) {
            None => {
                if let Some(m) = self.sign_vote(Body::Prepare(vote), None, None) {
                    self.round.prepares.insert(view, me, hash, m.signature);
                }
                return;
            }
            // Prepared something else in this view: never commit this one.
            Some(r) if r.message.body != Body::Prepare(vote) => return,
            Some(_) => {}
        }
        if self.book.get(h, MessageKind::Commit, view).is_some() {
            return;
        }
        let Some(prepared) = self
            .round
            .prepared
            .get(&view)
            .filter(|p| p.certificate.proposal_hash == hash)
            .cloned()
        else {
            return;
        };
        if let Some(m) = self.sign_vote(Body::Commit(vote), None, Some(prepared)) {
            self.round.commits.insert(view, me, hash, m.signature);
        }
    }

    fn decide(&mut self, view: u64, hash: B256, proposal: Bytes, commits: Vec<SealerSignature>) {
        self.round.decided = Some(Decided {
            view,
            proposal_hash: hash,
            commits,
        });
        self.vc_target = None;
        self.timer.restart(self.now);
        self.out.push(Output::Execute {
            height: self.height(),
            proposal_hash: hash,
            proposal,
        });
    }

    fn send_committed_proposal(&mut self, to: Option<u64>) {
        let (Some(me), Some(d)) = (self.me, self.round.decided.as_ref()) else {
            return;
        };
        let Some(bytes) = self.round.proposals.get(&d.proposal_hash).cloned() else {
            return;
        };
        let body = Body::CommittedProposal(CommittedProposal {
            height: self.height(),
            view: d.view,
            proposal_hash: d.proposal_hash,
            commits: d.commits.clone(),
        });
        // Not a vote (it only relays others' signatures), so nothing to persist.
        match SignedMessage::sign_in(&self.key, self.config.domain, me, body, Some(bytes)) {
            Ok(m) => {
                let message = m.encode();
                self.out.push(match to {
                    Some(to) => Output::Send { to, message },
                    None => Output::Broadcast(message),
                });
            }
            Err(e) => tracing::error!(error = %e, "signing a committed proposal failed"),
        }
    }
}
