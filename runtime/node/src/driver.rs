//! The consensus driver: one task that owns the PBFT core and the block syncer and
//! connects them to the network, the pool, the executor, the ledger and the vote log.
//!
//! ```text
//!  router ─Event::Consensus──▶ ┌──────────────────────── driver task ───────────────────────┐
//!  router ─Event::BlockSync──▶ │ Core::handle(now, input) ─▶ outputs, carried out in order: │
//!  txsync ─Event::Fetched────▶ │   Persist ─▶ VoteLog (fsync)  before any later send        │
//!  network ─PeerEvent────────▶ │   Broadcast/Send ─▶ network (Consensus module)             │
//!  clock (next_timeout, tick) ▶│   ProposalWanted ─▶ leader: pool.take_for_block ─▶ Propose │
//!                              │   ValidateProposal ─▶ resolve hashes (pool, else fetch     │
//!                              │      from the proposer over TxSync) ─▶ replay rules ─▶     │
//!                              │      ProposalChecked                                       │
//!                              │   Execute ─▶ spawn_blocking(build_block) ─▶ Executed       │
//!                              │   CommitBlock ─▶ spawn_blocking(commit) ─▶ Committed       │
//!                              │ Syncer: Status/Request/Response ─▶ apply_ready ─▶ SyncedTo │
//!                              └─────────────── publishes LiveStatus for RPC ───────────────┘
//! ```
//!
//! Everything that changes the ledger happens on this task (consensus commits and sync
//! commits never race), and it awaits the blocking work (execution, commit, sync apply)
//! in place: inputs wait in the channels meanwhile, which the core tolerates (messages
//! may be late; it retransmits on timeouts). Transaction fetches do not block it: a
//! proposal waits in `validations` (or `execution`) until the bodies arrive as
//! [`Event::Fetched`].
//!
//! The core's clock is milliseconds since the driver started (monotonic); block
//! timestamps are wall-clock milliseconds.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use alloy_primitives::{Bytes, B256};
use tokio::sync::{broadcast, mpsc, watch};
use weft_consensus::{ConsensusConfig, Core, DropReason, Input, Output, SealerSet};
use weft_ledger::{keys, BlockCommit, NodeList};
use weft_network::{Module, Network, PeerEvent};
use weft_rpc::CommittedBlock;
use weft_sync::{sealer_set_at, serve, ApplyReport, SyncConfig, SyncMessage, Syncer};
use weft_txpool::ChainView;
use weft_types::{DecodeLimits, NodeId, SealerSignature, Transaction, VerifiedTx};

use crate::node::{now_ms, LiveStatus, Node};
use crate::proposal::{Proposal, PROPOSAL_VERSION};
use crate::service::{member_ids, short, ServiceError};
use crate::txsync::TxSyncMessage;
use crate::votes::VoteLog;

/// How far ahead of this node's clock a proposal's timestamp may be.
const MAX_CLOCK_AHEAD_MS: u64 = 60_000;

/// Something for the driver, from the other tasks.
#[derive(Debug)]
pub(crate) enum Event {
    /// A consensus message from a peer.
    Consensus {
        /// The sender (from its certificate).
        from: NodeId,
        /// The message bytes.
        payload: bytes::Bytes,
    },
    /// A block-sync message from a peer.
    BlockSync {
        /// The sender.
        from: NodeId,
        /// The message bytes.
        payload: bytes::Bytes,
    },
    /// Transactions fetched for a proposal, verified, with the pool's verdict.
    Fetched(Vec<FetchedTx>),
}

/// A transaction a peer sent in answer to a fetch.
#[derive(Debug, Clone)]
pub(crate) struct FetchedTx {
    /// The transaction, signature checked.
    pub tx: VerifiedTx,
    /// Why the pool refused it, if it did (a proposal holding it is invalid).
    pub rejected: Option<String>,
}

/// The driver's timing.
#[derive(Debug, Clone)]
pub(crate) struct DriverConfig {
    /// The leader proposes a block that is not full once the oldest pending transaction
    /// waited this long.
    pub min_seal_time: Duration,
    /// How often this node's head is announced to its peers besides each new block.
    pub status_interval: Duration,
    /// Block sync applies blocks only this long after the last local commit, unless the
    /// node is two or more blocks behind: a node one block behind is usually about to
    /// commit that block by consensus, and need not execute it twice.
    pub sync_grace: Duration,
    /// A fetch of missing transactions is repeated (to every peer) after this long.
    pub fetch_timeout: Duration,
    /// The longest the driver sleeps: how soon it notices the pool changed.
    pub tick: Duration,
}

impl DriverConfig {
    pub(crate) fn new(min_seal_time: Duration) -> Self {
        DriverConfig {
            min_seal_time,
            status_interval: Duration::from_secs(1),
            sync_grace: Duration::from_millis(500),
            fetch_timeout: Duration::from_millis(1000),
            tick: Duration::from_millis(10),
        }
    }
}

/// A proposal waiting for its transactions.
#[derive(Debug)]
struct Pending {
    height: u64,
    view: u64,
    hash: B256,
    proposal: Proposal,
    /// When missing transactions were last asked for.
    asked_at: Option<u64>,
    /// How many times they were asked for.
    rounds: u32,
}

#[derive(Debug)]
struct Executed {
    height: u64,
    header_hash: B256,
    commit: BlockCommit,
}

#[derive(Debug)]
struct CommitOrder {
    height: u64,
    header_hash: B256,
    signatures: Vec<SealerSignature>,
}

enum Resolved {
    Ready(Vec<VerifiedTx>),
    Missing(Vec<B256>),
    Invalid(String),
}

#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    view_changes: u64,
    dropped: u64,
    diverged: u64,
    by_consensus: u64,
    by_sync: u64,
}

/// The channels the driver listens to.
pub(crate) struct DriverInputs {
    pub events: mpsc::Receiver<Event>,
    pub peer_events: broadcast::Receiver<PeerEvent>,
    pub stop: watch::Receiver<bool>,
}

/// The consensus and sync driver of one node.
pub(crate) struct Driver {
    node: Node,
    network: Network,
    core: Core,
    /// `None` only while it is lent to a blocking apply.
    syncer: Option<Syncer<NodeId>>,
    votes: VoteLog,
    cfg: DriverConfig,
    epoch: Instant,
    me: NodeId,
    /// The node list of the height being agreed (the network admits these nodes).
    nodes: NodeList,
    inputs: DriverInputs,
    peer_events_open: bool,
    /// Inputs produced while carrying out outputs, fed to the core in order.
    queued: VecDeque<Input>,
    wanted: Option<(u64, u64)>,
    pending_flag: bool,
    validations: Vec<Pending>,
    execution: Option<Pending>,
    executed: Option<Executed>,
    commit: Option<CommitOrder>,
    fetched: HashMap<B256, FetchedTx>,
    fetch_id: u64,
    /// Resolution is retried when the pool admitted something or a fetch answered.
    dirty: bool,
    admitted_seen: u64,
    next_status: u64,
    next_expiry: u64,
    last_progress: u64,
    stats: Stats,
    failed: bool,
    /// Since when each disconnected sealer has been seen disconnected (FISCO's fast view
    /// change): a sealer that went away long ago is skipped at once when it leads.
    unreachable_since: HashMap<NodeId, u64>,
    /// The (height, view) whose unreachable leader the core was last told of.
    leader_reported: Option<(u64, u64)>,
}

/// How long a sealer must stay disconnected before a view it leads is changed without
/// waiting for the timeout (a reconnect after a blip should not cost a view).
const LEADER_AWAY_MS: u64 = 500;

/// The consensus configuration of `node`'s chain at the height after its head.
pub(crate) fn consensus_config(node: &Node) -> Result<ConsensusConfig, ServiceError> {
    let ledger = node.ledger();
    let genesis = ledger.genesis();
    let mut config = ConsensusConfig::new(genesis.crypto_suite);
    config.base_timeout_ms = ledger
        .system_config_u64(keys::CONSENSUS_TIMEOUT, ledger.block_number() + 1)?
        .unwrap_or(3000)
        .max(1);
    config.domain =
        ConsensusConfig::chain_domain(genesis.crypto_suite, genesis.chain_id, &genesis.group_id);
    Ok(config)
}

impl Driver {
    /// Restore the core from the vote log and the ledger; the outputs it gives back
    /// (re-sent votes) are carried out when the driver runs.
    pub(crate) fn new(
        node: Node,
        network: Network,
        inputs: DriverInputs,
        cfg: DriverConfig,
    ) -> Result<(Driver, Vec<Output>), ServiceError> {
        let ledger = node.ledger();
        let head = ledger.block_number();
        let (nodes, sealers) = sealer_set_at(ledger, head + 1)?;
        let config = consensus_config(&node)?;
        let suite = ledger.suite();
        let (votes, records) =
            VoteLog::open(&node.data_dir().join("consensus"), suite, &config.limits)?;
        let restored = records.len();
        let (core, initial) = Core::restore(config, node.key().clone(), sealers, head, records, 0)?;
        let genesis_hash = ledger.block_hash(0)?.unwrap_or_default();
        let syncer = Syncer::new(
            SyncConfig::new(ledger.genesis().crypto_suite, genesis_hash),
            head,
            ledger.head_hash(),
        );
        let status = core.status();
        tracing::info!(
            height = head,
            node_index = ?status.node_index,
            sealers = status.sealers.len(),
            restored_votes = restored,
            "consensus driver starting"
        );
        let me = node.node_id();
        Ok((
            Driver {
                node,
                network,
                core,
                syncer: Some(syncer),
                votes,
                cfg,
                epoch: Instant::now(),
                me,
                nodes,
                inputs,
                peer_events_open: true,
                queued: VecDeque::new(),
                wanted: None,
                pending_flag: false,
                validations: Vec::new(),
                execution: None,
                executed: None,
                commit: None,
                fetched: HashMap::new(),
                fetch_id: 0,
                dirty: true,
                admitted_seen: 0,
                next_status: 0,
                next_expiry: 0,
                last_progress: 0,
                stats: Stats::default(),
                failed: false,
                unreachable_since: HashMap::new(),
                leader_reported: None,
            },
            initial,
        ))
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Run until stopped (or until this node cannot go on: a vote it cannot persist, a
    /// ledger that refuses a commit).
    pub(crate) async fn run(mut self, initial: Vec<Output>) {
        self.apply(initial, None);
        self.settle().await;
        loop {
            self.tick().await;
            self.publish();
            if self.failed {
                tracing::error!("consensus driver stopped after a fatal error");
                break;
            }
            let wake = self.next_wake();
            tokio::select! {
                biased;
                changed = self.inputs.stop.changed() => {
                    if changed.is_err() || *self.inputs.stop.borrow() {
                        break;
                    }
                }
                event = self.inputs.events.recv() => match event {
                    Some(event) => self.on_event(event),
                    None => break,
                },
                event = self.inputs.peer_events.recv(), if self.peer_events_open => {
                    self.on_peer_event(event);
                }
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
        tracing::info!("consensus driver stopped");
    }

    fn next_wake(&self) -> tokio::time::Instant {
        let now = self.now();
        let mut at = now + self.cfg.tick.as_millis() as u64;
        if let Some(t) = self.core.next_timeout() {
            at = at.min(t);
        }
        if let Some(t) = self.syncer.as_ref().and_then(Syncer::next_timeout) {
            at = at.min(t);
        }
        at = at.min(self.next_status).max(now);
        tokio::time::Instant::from_std(self.epoch + Duration::from_millis(at))
    }

    fn publish(&self) {
        let Some(syncer) = &self.syncer else { return };
        self.node.publish_live(Some(LiveStatus {
            consensus: self.core.status(),
            sync: syncer.status(),
            view_changes: self.stats.view_changes,
            dropped_messages: self.stats.dropped,
            diverged: self.stats.diverged,
            committed_by_consensus: self.stats.by_consensus,
            committed_by_sync: self.stats.by_sync,
        }));
    }

    // ---- inputs ----

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Consensus { from, payload } => {
                let out = self
                    .core
                    .handle(self.now(), Input::Message(Bytes::from(payload)));
                self.apply(out, Some(from));
            }
            Event::BlockSync { from, payload } => self.on_block_sync(from, &payload),
            Event::Fetched(txs) => {
                for f in txs {
                    self.fetched.insert(f.tx.hash(), f);
                }
                self.dirty = true;
            }
        }
    }

    fn on_peer_event(&mut self, event: Result<PeerEvent, broadcast::error::RecvError>) {
        match event {
            Ok(PeerEvent::Connected { node_id, .. }) => {
                // A new (or restarted) peer learns our head at once.
                if let Some(syncer) = &self.syncer {
                    let status = SyncMessage::Status(syncer.local_status()).encode();
                    let _ = self.network.send(node_id, Module::BlockSync, status.into());
                }
            }
            Ok(PeerEvent::Disconnected { node_id, .. }) => {
                if let Some(syncer) = &mut self.syncer {
                    syncer.on_peer_disconnected(&node_id);
                }
            }
            Ok(PeerEvent::ConnectFailed { .. }) => {}
            // Missed events are repaired by the periodic status.
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => self.peer_events_open = false,
        }
    }

    /// FISCO's fast view change: with work waiting, a leader that has been disconnected
    /// for [`LEADER_AWAY_MS`] is reported to the core, which changes view at once instead
    /// of waiting out the consensus timeout (a dead sealer would otherwise cost a timeout
    /// at every height it leads). The time counts from the disconnection, not from the
    /// start of the view: a sealer that has been down for a while costs no wait at all.
    fn watch_leader(&mut self, now: u64) {
        let sealers = self.core.sealers().sealers();
        let node_index = self.core.node_index();
        let leader_index = self.core.leader_index();
        let network = &self.network;
        self.unreachable_since
            .retain(|id, _| sealers.iter().any(|s| s.node_id == *id));
        for (index, sealer) in sealers.iter().enumerate() {
            if Some(index as u64) == node_index || network.is_connected(&sealer.node_id) {
                self.unreachable_since.remove(&sealer.node_id);
            } else {
                self.unreachable_since.entry(sealer.node_id).or_insert(now);
            }
        }
        let since = sealers
            .get(leader_index as usize)
            .and_then(|s| self.unreachable_since.get(&s.node_id))
            .copied();
        let Some(since) = since else {
            return;
        };
        let (height, view) = (self.core.current_height(), self.core.view());
        let here = (height, view);
        if self.pending_flag
            && node_index.is_some()
            && !self.core.in_view_change()
            && self.leader_reported != Some(here)
            && now.saturating_sub(since) >= LEADER_AWAY_MS
        {
            self.leader_reported = Some(here);
            tracing::info!(
                height,
                view,
                leader = leader_index,
                away_ms = now.saturating_sub(since),
                "leader unreachable: changing view"
            );
            let out = self
                .core
                .handle(now, Input::LeaderUnreachable { height, view });
            self.apply(out, None);
        }
    }

    /// The periodic work, after every wake-up: timeouts, the pool, proposing, the
    /// queued work, status announcements and block sync.
    async fn tick(&mut self) {
        let now = self.now();
        if self.core.next_timeout().is_some_and(|t| now >= t) {
            let out = self.core.handle(now, Input::Timeout);
            self.apply(out, None);
        }
        let node = self.node.clone();
        let pool = node.pool();
        if now >= self.next_expiry {
            // Expired transactions would keep the node expecting a block that never comes
            // (and changing views for nothing).
            let dropped = pool.expire(Instant::now(), &node.view());
            if dropped > 0 {
                tracing::info!(dropped, "expired transactions dropped from the pool");
            }
            self.next_expiry = now + 1000;
        }
        let pending = !pool.is_empty();
        if pending != self.pending_flag {
            self.pending_flag = pending;
            let out = self.core.handle(now, Input::PendingTransactions(pending));
            self.apply(out, None);
        }
        self.watch_leader(now);
        let admitted = pool.admitted_total();
        if admitted != self.admitted_seen {
            self.admitted_seen = admitted;
            self.dirty = true;
        }
        self.try_propose();
        self.settle().await;
        if now >= self.next_status {
            self.broadcast_status();
            self.next_status = now + self.cfg.status_interval.as_millis() as u64;
        }
        self.drive_sync().await;
        self.settle().await;
    }

    // ---- outputs ----

    /// Carry out the core's outputs in order. Work that needs more than a send (proposal
    /// checks, execution, commits) is queued here and done by [`Driver::settle`].
    fn apply(&mut self, outputs: Vec<Output>, peer: Option<NodeId>) {
        for output in outputs {
            if self.failed {
                return;
            }
            match output {
                Output::Persist(record) => {
                    if let Err(e) = self.votes.append(&record) {
                        tracing::error!(error = %e, "cannot persist a consensus vote; this node stops voting rather than risk signing twice");
                        self.failed = true;
                        return;
                    }
                }
                Output::Broadcast(bytes) => {
                    let _ = self.network.broadcast(Module::Consensus, bytes.0);
                }
                Output::Send { to, message } => match self.core.sealers().get(to) {
                    Some(sealer) if sealer.node_id != self.me => {
                        if let Err(e) =
                            self.network
                                .send(sealer.node_id, Module::Consensus, message.0)
                        {
                            tracing::debug!(to, error = %e, "consensus message not sent");
                        }
                    }
                    _ => {}
                },
                Output::ProposalWanted { height, view } => self.wanted = Some((height, view)),
                Output::ValidateProposal {
                    height,
                    view,
                    proposal_hash,
                    proposal,
                } => match self.decode_proposal(&proposal) {
                    Some(p) => {
                        self.validations.push(Pending {
                            height,
                            view,
                            hash: proposal_hash,
                            proposal: p,
                            asked_at: None,
                            rounds: 0,
                        });
                        self.dirty = true;
                    }
                    None => self.queued.push_back(Input::ProposalChecked {
                        height,
                        view,
                        proposal_hash,
                        valid: false,
                    }),
                },
                Output::Execute {
                    height,
                    proposal_hash,
                    proposal,
                } => match self.decode_proposal(&proposal) {
                    Some(p) => {
                        self.execution = Some(Pending {
                            height,
                            view: 0,
                            hash: proposal_hash,
                            proposal: p,
                            asked_at: None,
                            rounds: 0,
                        });
                        self.dirty = true;
                    }
                    None => tracing::error!(
                        height,
                        %proposal_hash,
                        "a quorum decided a proposal this node cannot read; more than f sealers are faulty, or this node is outdated"
                    ),
                },
                Output::CommitBlock {
                    height,
                    header_hash,
                    signatures,
                } => {
                    self.commit = Some(CommitOrder {
                        height,
                        header_hash,
                        signatures,
                    })
                }
                Output::Diverged {
                    height,
                    local,
                    expected,
                } => {
                    self.stats.diverged += 1;
                    tracing::error!(
                        height,
                        %local,
                        %expected,
                        "this node's execution result differs from the one the quorum signed; it does not commit the block (non-determinism, different plugins or corrupted state?)"
                    );
                }
                Output::Dropped { from, reason } => self.log_drop(peer, from, &reason),
                Output::PruneVotes { through_height } => {
                    if let Err(e) = self.votes.prune_through(through_height) {
                        tracing::warn!(error = %e, "old consensus votes not pruned");
                    }
                }
                Output::ViewChanged { height, view } => {
                    self.stats.view_changes += 1;
                    tracing::info!(
                        height,
                        view,
                        leader = self.core.sealers().leader(height, view),
                        "view changed"
                    );
                    // A proposal this node made in an earlier view is abandoned (or
                    // re-proposed from its bytes): its transactions may be proposed again.
                    self.node.pool().release_sealing();
                }
            }
        }
    }

    fn decode_proposal(&self, bytes: &Bytes) -> Option<Proposal> {
        match Proposal::decode(bytes, DecodeLimits::DEFAULT.max_block_txs) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "proposal refused");
                None
            }
        }
    }

    fn log_drop(&mut self, peer: Option<NodeId>, from: Option<u64>, reason: &DropReason) {
        self.stats.dropped += 1;
        let peer = peer.as_ref().map(short);
        match reason {
            // Late, early or surplus messages: normal in a running chain.
            DropReason::StaleHeight { .. }
            | DropReason::TooFarAhead { .. }
            | DropReason::BufferFull { .. }
            | DropReason::ViewTooFarAhead { .. } => {
                tracing::debug!(?peer, ?from, %reason, "consensus message dropped");
            }
            DropReason::UnwantedProposal { .. } => {
                tracing::info!(%reason, "own proposal not used");
            }
            _ => tracing::warn!(?peer, ?from, %reason, "consensus message dropped"),
        }
    }

    /// Feed queued inputs and do the queued work until nothing more can move.
    async fn settle(&mut self) {
        loop {
            if self.failed {
                return;
            }
            if let Some(input) = self.queued.pop_front() {
                let out = self.core.handle(self.now(), input);
                self.apply(out, None);
                continue;
            }
            if self.progress_validations() {
                continue;
            }
            if self.run_commit().await {
                continue;
            }
            if self.run_execution().await {
                continue;
            }
            self.dirty = false;
            return;
        }
    }

    // ---- proposing ----

    fn try_propose(&mut self) {
        let Some((height, view)) = self.wanted else {
            return;
        };
        let core = &self.core;
        if core.current_height() != height || core.view() != view || core.in_view_change() {
            self.wanted = None;
            return;
        }
        let Some(index) = core.node_index() else {
            self.wanted = None;
            return;
        };
        let ledger = self.node.ledger();
        let head = ledger.block_number();
        if head + 1 != height {
            return;
        }
        let pool = self.node.pool();
        let pending = pool.pending_len();
        if pending == 0 {
            // Nothing to propose (with a zero tx_count_limit, the block would be empty).
            return;
        }
        let limit = ledger
            .system_config_u64(keys::TX_COUNT_LIMIT, height)
            .ok()
            .flatten()
            .unwrap_or(1000) as usize;
        let due = pending >= limit
            || (pending > 0
                && pool
                    .oldest_pending()
                    .is_some_and(|t| t.elapsed() >= self.cfg.min_seal_time));
        if !due {
            return;
        }
        let txs = pool.take_for_block(limit, &self.node.view());
        if txs.is_empty() {
            return;
        }
        let parent_ts = ledger
            .header(head)
            .ok()
            .flatten()
            .map(|(h, _)| h.timestamp)
            .unwrap_or(0);
        let genesis = ledger.genesis();
        let proposal = Proposal {
            version: PROPOSAL_VERSION,
            chain_id: genesis.chain_id,
            group_id: genesis.group_id.clone(),
            number: height,
            parent_hash: ledger.head_hash(),
            timestamp: now_ms().max(parent_ts),
            sealer: index,
            tx_hashes: txs.iter().map(VerifiedTx::hash).collect(),
        };
        tracing::debug!(height, view, txs = txs.len(), "proposing");
        self.wanted = None;
        let out = self.core.handle(
            self.now(),
            Input::Propose {
                height,
                view,
                proposal: proposal.encode().into(),
            },
        );
        if out.iter().any(|o| {
            matches!(
                o,
                Output::Dropped {
                    reason: DropReason::UnwantedProposal { .. },
                    ..
                }
            )
        }) {
            pool.release_sealing();
        }
        self.apply(out, None);
    }

    // ---- transactions of proposals ----

    /// The proposal's transactions from the pool or the fetched ones. `strict`: a fetched
    /// transaction the pool refused makes the proposal invalid (for validation; an
    /// ordered proposal is executed whatever this node's pool thinks).
    fn resolve(&self, proposal: &Proposal, strict: bool) -> Resolved {
        let pool = self.node.pool();
        let mut txs = Vec::with_capacity(proposal.tx_hashes.len());
        let mut missing = Vec::new();
        for hash in &proposal.tx_hashes {
            if let Some(tx) = pool.get(hash) {
                txs.push(tx);
                continue;
            }
            match self.fetched.get(hash) {
                Some(f) => {
                    if let (true, Some(why)) = (strict, &f.rejected) {
                        return Resolved::Invalid(format!("transaction {hash}: {why}"));
                    }
                    txs.push(f.tx.clone());
                }
                None => missing.push(*hash),
            }
        }
        if missing.is_empty() {
            Resolved::Ready(txs)
        } else {
            Resolved::Missing(missing)
        }
    }

    /// Ask for `missing` transactions: the proposer first, then every peer.
    fn fetch(&mut self, pending: &mut Pending, missing: Vec<B256>, now: u64) {
        let proposer = self
            .core
            .sealers()
            .get(pending.proposal.sealer)
            .map(|s| s.node_id)
            .filter(|id| *id != self.me);
        let targets: Vec<NodeId> = match (pending.rounds, proposer) {
            (0, Some(p)) => vec![p],
            _ => self
                .network
                .peers()
                .into_iter()
                .map(|p| p.node_id)
                .collect(),
        };
        self.fetch_id += 1;
        tracing::debug!(
            height = pending.height,
            missing = missing.len(),
            round = pending.rounds,
            peers = targets.len(),
            "fetching the transactions of a proposal"
        );
        let message: bytes::Bytes = TxSyncMessage::Request {
            id: self.fetch_id,
            hashes: missing,
        }
        .encode()
        .into();
        for peer in targets {
            let _ = self.network.send(peer, Module::TxSync, message.clone());
        }
        pending.asked_at = Some(now);
        pending.rounds += 1;
    }

    fn fetch_due(&self, pending: &Pending, now: u64) -> bool {
        pending
            .asked_at
            .is_none_or(|t| now >= t + self.cfg.fetch_timeout.as_millis() as u64)
    }

    /// Check the proposals waiting for validation whose transactions are all here.
    /// Returns whether any was answered.
    fn progress_validations(&mut self) -> bool {
        if self.validations.is_empty() {
            return false;
        }
        let now = self.now();
        let (height, view) = (self.core.current_height(), self.core.view());
        let mut progressed = false;
        let mut waiting = Vec::new();
        for mut v in std::mem::take(&mut self.validations) {
            // A proposal of a view this node has left is no longer voted on (a new view
            // re-proposes from bytes the core vouches for itself).
            if v.height != height || v.view < view {
                continue;
            }
            if !self.dirty && !self.fetch_due(&v, now) {
                waiting.push(v);
                continue;
            }
            let verdict = match self.resolve(&v.proposal, true) {
                Resolved::Ready(txs) => self.check_proposal(&v, &txs),
                Resolved::Invalid(why) => Err(why),
                Resolved::Missing(missing) => {
                    if self.fetch_due(&v, now) {
                        self.fetch(&mut v, missing, now);
                    }
                    waiting.push(v);
                    continue;
                }
            };
            if let Err(why) = &verdict {
                tracing::warn!(
                    height = v.height,
                    view = v.view,
                    proposer = v.proposal.sealer,
                    reason = %why,
                    "proposal is invalid; not voting for it"
                );
            }
            self.queued.push_back(Input::ProposalChecked {
                height: v.height,
                view: v.view,
                proposal_hash: v.hash,
                valid: verdict.is_ok(),
            });
            progressed = true;
        }
        self.validations = waiting;
        progressed
    }

    /// FISCO's checks of a proposal (seed §3.2.3): it extends this node's head, its
    /// leader leads the view, its timestamp is sane, and every transaction may go into
    /// the block at this height — signature and chain/group ids (checked when the pool
    /// admitted it), `block_limit` window, native nonce unused in the window and in the
    /// block, not committed already. The executor does not re-check these.
    fn check_proposal(&self, v: &Pending, txs: &[VerifiedTx]) -> Result<(), String> {
        let p = &v.proposal;
        let ledger = self.node.ledger();
        let genesis = ledger.genesis();
        if p.chain_id != genesis.chain_id || p.group_id != genesis.group_id {
            return Err(format!(
                "proposal for chain {} group {:?}; this chain is {} group {:?}",
                p.chain_id, p.group_id, genesis.chain_id, genesis.group_id
            ));
        }
        let head = ledger.block_number();
        if p.number != v.height || head + 1 != v.height {
            return Err(format!(
                "proposal numbered {} for height {} on a head at {head}",
                p.number, v.height
            ));
        }
        if p.parent_hash != ledger.head_hash() {
            return Err(format!(
                "parent {} is not the head {}",
                p.parent_hash,
                ledger.head_hash()
            ));
        }
        let leader = self.core.sealers().leader(v.height, v.view);
        if p.sealer != leader {
            return Err(format!(
                "names sealer {} as proposer; sealer {leader} leads view {}",
                p.sealer, v.view
            ));
        }
        let parent_ts = ledger
            .header(head)
            .map_err(|e| e.to_string())?
            .map(|(h, _)| h.timestamp)
            .unwrap_or(0);
        if p.timestamp < parent_ts {
            return Err(format!(
                "timestamp {} is before the parent's {parent_ts}",
                p.timestamp
            ));
        }
        let now = now_ms();
        if p.timestamp > now + MAX_CLOCK_AHEAD_MS {
            return Err(format!(
                "timestamp {} is more than {MAX_CLOCK_AHEAD_MS} ms ahead of this node's clock ({now})",
                p.timestamp
            ));
        }
        if txs.is_empty() {
            return Err("no transactions (no empty blocks)".into());
        }
        let limit = ledger
            .system_config_u64(keys::TX_COUNT_LIMIT, v.height)
            .map_err(|e| e.to_string())?
            .unwrap_or(1000);
        if txs.len() as u64 > limit {
            return Err(format!(
                "{} transactions; tx_count_limit is {limit}",
                txs.len()
            ));
        }
        let view = self.node.view();
        let window = view.block_limit_window();
        let mut hashes = HashSet::with_capacity(txs.len());
        let mut nonces = HashSet::new();
        for tx in txs {
            let hash = tx.hash();
            if !hashes.insert(hash) {
                return Err(format!("transaction {hash} appears twice"));
            }
            if view.tx_in_chain(&hash) {
                return Err(format!("transaction {hash} is committed already"));
            }
            match tx.tx() {
                Transaction::Native(signed) => {
                    let t = &signed.tx;
                    if t.chain_id != genesis.chain_id || t.group_id != genesis.group_id {
                        return Err(format!("transaction {hash} is for another chain or group"));
                    }
                    if t.block_limit <= head || t.block_limit > head + window {
                        return Err(format!(
                            "transaction {hash}: block_limit {} is outside {}..={}",
                            t.block_limit,
                            head + 1,
                            head + window
                        ));
                    }
                    if view.nonce_in_window(&t.nonce) || !nonces.insert(t.nonce) {
                        return Err(format!(
                            "transaction {hash}: nonce {} is used already",
                            t.nonce
                        ));
                    }
                }
                Transaction::Ethereum(eth) => {
                    if eth.chain_id() != Some(genesis.chain_id) {
                        return Err(format!(
                            "transaction {hash} is for chain {:?}",
                            eth.chain_id()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    // ---- execution and commit ----

    /// Execute the decided proposal once its transactions are here. Returns whether
    /// anything changed.
    async fn run_execution(&mut self) -> bool {
        let Some(mut pending) = self.execution.take() else {
            return false;
        };
        if pending.height != self.node.ledger().block_number() + 1 {
            return true;
        }
        let now = self.now();
        if !self.dirty && !self.fetch_due(&pending, now) {
            self.execution = Some(pending);
            return false;
        }
        let txs = match self.resolve(&pending.proposal, false) {
            Resolved::Ready(txs) => txs,
            Resolved::Missing(missing) => {
                if self.fetch_due(&pending, now) {
                    self.fetch(&mut pending, missing, now);
                }
                self.execution = Some(pending);
                return false;
            }
            Resolved::Invalid(_) => unreachable!("resolution is not strict"),
        };
        let node = self.node.clone();
        let proposal = pending.proposal.clone();
        let started = Instant::now();
        let result =
            tokio::task::spawn_blocking(move || node.execute_proposal(&proposal, txs)).await;
        match result {
            Ok(Ok(commit)) => {
                let header_hash = commit.header.hash(self.node.ledger().suite());
                tracing::debug!(
                    height = pending.height,
                    txs = commit.transactions.len(),
                    ms = started.elapsed().as_millis() as u64,
                    %header_hash,
                    "block executed"
                );
                self.executed = Some(Executed {
                    height: pending.height,
                    header_hash,
                    commit,
                });
                self.queued.push_back(Input::Executed {
                    height: pending.height,
                    proposal_hash: pending.hash,
                    header_hash,
                });
            }
            Ok(Err(e)) => tracing::error!(
                height = pending.height,
                error = %e,
                "executing the ordered block failed on this node; it will catch up by block sync"
            ),
            Err(e) => tracing::error!(height = pending.height, error = %e, "the executor panicked"),
        }
        true
    }

    /// Commit the executed block the quorum signed. Returns whether anything changed.
    async fn run_commit(&mut self) -> bool {
        let Some(order) = self.commit.take() else {
            return false;
        };
        if order.height <= self.node.ledger().block_number() {
            // Block sync committed it first; the core hears of it as SyncedTo.
            return true;
        }
        let Some(mut executed) = self
            .executed
            .take()
            .filter(|e| e.height == order.height && e.header_hash == order.header_hash)
        else {
            tracing::error!(
                height = order.height,
                header = %order.header_hash,
                "asked to commit a block this node did not execute"
            );
            return true;
        };
        executed.commit.signatures = order.signatures;
        let node = self.node.clone();
        let result =
            tokio::task::spawn_blocking(move || node.commit_executed(executed.commit)).await;
        match result {
            Ok(Ok(hash)) => {
                self.stats.by_consensus += 1;
                self.on_new_head(order.height, hash, false);
            }
            Ok(Err(e)) => {
                tracing::error!(height = order.height, error = %e, "committing the block failed");
                self.failed = true;
            }
            Err(e) => {
                tracing::error!(height = order.height, error = %e, "the commit panicked");
                self.failed = true;
            }
        }
        true
    }

    /// The ledger reached `height` (by consensus or by sync): tell everyone.
    fn on_new_head(&mut self, height: u64, hash: B256, by_sync: bool) {
        self.last_progress = self.now();
        if let Some(syncer) = &mut self.syncer {
            syncer.on_local_head(height, hash);
        }
        // Transactions of abandoned proposals go back to pending; the committed ones are
        // gone already.
        self.node.pool().release_sealing();
        self.validations.retain(|v| v.height > height);
        if self.execution.as_ref().is_some_and(|e| e.height <= height) {
            self.execution = None;
        }
        if self.executed.as_ref().is_some_and(|e| e.height <= height) {
            self.executed = None;
        }
        if self.commit.as_ref().is_some_and(|c| c.height <= height) {
            self.commit = None;
        }
        self.fetched.clear();
        self.wanted = None;
        self.broadcast_status();
        let next_sealers = self.next_sealers(height);
        self.follow_consensus_timeout(height);
        self.queued.push_back(if by_sync {
            Input::SyncedTo {
                height,
                next_sealers,
            }
        } else {
            Input::Committed {
                height,
                next_sealers,
            }
        });
    }

    /// Take up `consensus_timeout` as set for `height + 1`: a SystemConfig change takes
    /// effect at the next block, on every node at the same height.
    fn follow_consensus_timeout(&mut self, height: u64) {
        let ledger = self.node.ledger();
        match ledger.system_config_u64(keys::CONSENSUS_TIMEOUT, height + 1) {
            Ok(Some(ms)) if ms.max(1) != self.core.base_timeout_ms() => {
                tracing::info!(
                    height = height + 1,
                    from_ms = self.core.base_timeout_ms(),
                    to_ms = ms,
                    "the consensus timeout changed"
                );
                self.core.set_base_timeout(ms);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(
                height = height + 1,
                error = %e,
                "cannot read the consensus timeout"
            ),
        }
    }

    /// The sealers of `height + 1` if they differ from the core's; the network's
    /// admission follows the node list.
    fn next_sealers(&mut self, height: u64) -> Option<SealerSet> {
        match sealer_set_at(self.node.ledger(), height + 1) {
            Ok((nodes, set)) => {
                if nodes != self.nodes {
                    tracing::info!(
                        height = height + 1,
                        sealers = nodes.sealers.len(),
                        observers = nodes.observers.len(),
                        "the node list changed"
                    );
                    self.network.admission().set_node_list(member_ids(&nodes));
                    self.nodes = nodes;
                }
                (set != *self.core.sealers()).then_some(set)
            }
            Err(e) => {
                tracing::error!(height = height + 1, error = %e, "cannot read the next node list");
                None
            }
        }
    }

    // ---- block sync ----

    fn broadcast_status(&mut self) {
        if let Some(syncer) = &self.syncer {
            let status = SyncMessage::Status(syncer.local_status()).encode();
            let _ = self.network.broadcast(Module::BlockSync, status.into());
        }
    }

    fn on_block_sync(&mut self, from: NodeId, payload: &[u8]) {
        let now = self.now();
        let Some(syncer) = &mut self.syncer else {
            return;
        };
        let limits = syncer.config().limits;
        match SyncMessage::decode(payload, &limits) {
            Err(e) => {
                tracing::warn!(peer = %short(&from), error = %e, "malformed block-sync message dropped");
                syncer.on_malformed(&from);
            }
            Ok(SyncMessage::Status(status)) => {
                if let Err(e) = syncer.on_status(from, status, now) {
                    tracing::warn!(peer = %short(&from), error = %e, "peer status refused");
                }
            }
            Ok(SyncMessage::Request(request)) => {
                match serve(self.node.ledger(), &request, &limits) {
                    Ok(response) => {
                        let bytes = SyncMessage::Response(response).encode();
                        if let Err(e) = self.network.send(from, Module::BlockSync, bytes.into()) {
                            tracing::debug!(peer = %short(&from), error = %e, "blocks not sent");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot read blocks to serve"),
                }
            }
            Ok(SyncMessage::Response(response)) => match syncer.on_response(from, response, now) {
                Ok(n) => tracing::debug!(peer = %short(&from), blocks = n, "blocks downloaded"),
                Err(e) if e.is_peer_fault() => {
                    tracing::warn!(peer = %short(&from), error = %e, "block-sync response refused")
                }
                Err(e) => {
                    tracing::debug!(peer = %short(&from), error = %e, "block-sync response ignored")
                }
            },
        }
    }

    /// Ask for and apply blocks when this node is behind: at once when two or more
    /// blocks behind, after [`DriverConfig::sync_grace`] without progress when one.
    async fn drive_sync(&mut self) {
        let now = self.now();
        let Some(syncer) = &mut self.syncer else {
            return;
        };
        if syncer.next_timeout().is_some_and(|t| now >= t) {
            syncer.on_timeout(now);
        }
        // As `SyncStatus::highest_peer_number`: never below the syncer's head.
        let highest = syncer
            .highest_peer_number()
            .max(syncer.local_status().number);
        let local = self.node.ledger().block_number();
        let far_behind = highest >= local + 2;
        let stalled = highest > local
            && now.saturating_sub(self.last_progress) >= self.cfg.sync_grace.as_millis() as u64;
        if !far_behind && !stalled {
            return;
        }
        for (peer, request) in syncer.poll_requests(now) {
            let bytes = SyncMessage::Request(request).encode();
            if let Err(e) = self.network.send(peer, Module::BlockSync, bytes.into()) {
                tracing::debug!(peer = %short(&peer), error = %e, "block request not sent");
            }
        }
        if syncer.queue_len() == 0 {
            return;
        }
        let Some(mut syncer) = self.syncer.take() else {
            return;
        };
        let node = self.node.clone();
        let result = tokio::task::spawn_blocking(move || {
            let report = syncer.apply_ready(node.ledger(), node.executor());
            (syncer, report)
        })
        .await;
        match result {
            Ok((syncer, report)) => {
                self.syncer = Some(syncer);
                match report {
                    Ok(report) => self.on_applied(report),
                    Err(e) => {
                        tracing::error!(error = %e, "block sync failed on this node");
                        self.failed = e.is_fatal();
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "block sync panicked");
                self.failed = true;
            }
        }
    }

    fn on_applied(&mut self, report: ApplyReport<NodeId>) {
        for rejection in &report.rejected {
            tracing::warn!(
                peer = %short(&rejection.peer),
                number = rejection.number,
                error = %rejection.error,
                "block from peer refused"
            );
        }
        let mut head = None;
        for applied in report.applied {
            let number = applied.number();
            let hash = applied.hash;
            let event = CommittedBlock {
                block: applied.block,
                hash,
                tx_hashes: applied.tx_hashes,
                receipts: applied.receipts,
            };
            if let Err(e) = self.node.after_commit(event) {
                tracing::error!(number, error = %e, "bookkeeping after a synced block failed");
            }
            self.stats.by_sync += 1;
            head = Some((number, hash));
        }
        if let Some((number, hash)) = head {
            self.on_new_head(number, hash, true);
        }
    }
}
