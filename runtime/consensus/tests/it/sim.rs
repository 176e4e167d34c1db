//! A deterministic, seeded simulation of a cluster of consensus cores.
//!
//! One thread, one simulated clock, one PRNG seeded per run: the same seed replays the
//! same run exactly. The network delays, loses, duplicates and reorders messages and can
//! be partitioned; nodes crash (also in the middle of carrying out one output list) and
//! restart from their persisted votes and committed ledger; a "twin" runs a second
//! instance of a sealer's key (an equivocating Byzantine sealer). The application is a
//! toy state machine: the header hash of block `h` is the hash of block `h − 1`'s header
//! hash and the proposal, so honest nodes' checkpoints agree.
//!
//! Checked in every run: no two honest nodes order (execute) different proposals or
//! commit different headers at one height;
//! every commit carries a valid quorum certificate; no honest node signs two different
//! votes at one place or sends a vote it did not persist first; no honest node is
//! reported for equivocation; no honest node diverges; and, after the network heals,
//! all honest nodes reach a target height within a bound of simulated time.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use alloy_primitives::{Bytes, B256};
use weft_consensus::{
    verify_commit_certificate, ConsensusConfig, Core, DropReason, FaultInjection, Input,
    MessageKind, MessageLimits, Output, SealerSet, SignedMessage, VoteRecord,
};
use weft_crypto::{CryptoSuite, KeyPair, SecretKey, SuiteId};
use weft_types::{NodeId, SealerSignature};

/// SplitMix64: small, fast, and the same everywhere (no dependency on a crate's
/// algorithm staying put between versions).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5eed_0f3e_f7a1_u64)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
}

/// The shape of one simulated run.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Sealers.
    pub sealers: usize,
    /// Their vote weights (empty: 1 each).
    pub weights: Vec<u64>,
    /// Heights per leader before rotation.
    pub leader_period: u64,
    /// Observers.
    pub observers: usize,
    /// A sealer whose key also runs in a second instance.
    pub twin_of: Option<u64>,
    /// Base consensus timeout.
    pub base_timeout_ms: u64,
    /// One-way latency range.
    pub latency_ms: (u64, u64),
    /// Loss probability per message while faults are on.
    pub loss: f64,
    /// Loss probability after the network heals.
    pub loss_after_heal: f64,
    /// Duplication probability per message.
    pub duplicate: f64,
    /// How long faults (partitions, crashes, loss) last.
    pub chaos_ms: u64,
    /// Partition the network at random during the chaos.
    pub partitions: bool,
    /// Twins-style partitions: change every few hundred ms, twins on different sides.
    pub twin_partitions: bool,
    /// Crash and restart nodes at random during the chaos.
    pub crashes: bool,
    /// After healing, the honest nodes must pass the highest honest height by this many.
    pub extra_heights: u64,
    /// ... within this much simulated time.
    pub liveness_bound_ms: u64,
    /// Check liveness at all.
    pub check_liveness: bool,
    /// How often block sync runs.
    pub sync_interval_ms: u64,
    /// A broken quorum rule (to test the checker).
    pub quorum_override: Option<u64>,
    /// Probability that a run gets message filters during the chaos: commits and
    /// committed-proposal relays dropped at a high rate, so that some nodes decide a
    /// height and others change view (FoundationDB's BUGGIFY idea, TiKV's filters).
    pub filter_chance: f64,
    /// Probability that a run's network is slow: latency close to the timeout, so
    /// view changes overlap with late votes.
    pub slow_network_chance: f64,
    /// End the run at the first violation (saves time; off to see what follows).
    pub stop_at_first_violation: bool,
}

impl SimConfig {
    pub fn faulty(sealers: usize) -> Self {
        SimConfig {
            sealers,
            weights: Vec::new(),
            leader_period: 1,
            observers: 0,
            twin_of: None,
            base_timeout_ms: 400,
            latency_ms: (2, 40),
            loss: 0.05,
            loss_after_heal: 0.01,
            duplicate: 0.03,
            chaos_ms: 2_500,
            partitions: true,
            twin_partitions: false,
            crashes: true,
            extra_heights: 2,
            liveness_bound_ms: 30_000,
            check_liveness: true,
            sync_interval_ms: 400,
            quorum_override: None,
            filter_chance: 0.5,
            slow_network_chance: 0.3,
            stop_at_first_violation: true,
        }
    }
}

/// Something that must never happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// Two honest nodes committed different headers at one height.
    ConflictingCommit {
        height: u64,
        first: (usize, B256),
        second: (usize, B256),
    },
    /// Two honest nodes ordered (executed) different proposals at one height: phase A
    /// broke, even if the checkpoint phase then kept the forks out of the ledgers.
    ConflictingOrder {
        height: u64,
        first: (usize, B256),
        second: (usize, B256),
    },
    /// A commit's signatures are not a quorum certificate.
    WeakCertificate {
        node: usize,
        height: u64,
        error: String,
    },
    /// An honest node's execution differed from the quorum's.
    Diverged { node: usize, height: u64 },
    /// An honest node signed two different votes at one place (across restarts too).
    DoubleSign {
        node: usize,
        kind: MessageKind,
        height: u64,
        view: u64,
    },
    /// An honest node sent a vote it had not persisted.
    SendBeforePersist {
        node: usize,
        kind: MessageKind,
        height: u64,
    },
    /// An honest node reported another honest node for equivocation.
    HonestBlamed {
        reporter: usize,
        accused: u64,
        reason: String,
    },
    /// A synced block's header does not follow from the node's own chain.
    SyncMismatch { node: usize, height: u64 },
    /// Honest nodes did not reach the target height in time after healing.
    NotLive {
        target: u64,
        heights: Vec<(usize, u64)>,
    },
    /// A core refused to restart.
    RestoreFailed { node: usize, error: String },
}

/// The outcome of one run.
#[derive(Debug, Clone, Default)]
pub struct SimReport {
    pub seed: u64,
    pub violations: Vec<Violation>,
    /// Each node's committed height at the end.
    pub heights: Vec<u64>,
    pub messages_sent: u64,
    pub dropped_reports: u64,
    pub view_changes: u64,
    /// New views that re-proposed a prepared proposal (sent by honest leaders).
    pub reproposals: u64,
    pub crashes: u64,
    pub sim_time_ms: u64,
}

impl fmt::Display for SimReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} (replay with WEFT_SIM_SEED={}): heights {:?}, {} messages, {} drops, {} view changes, {} re-proposals, {} crashes, {} ms simulated; violations: {:?}",
            self.seed,
            self.seed,
            self.heights,
            self.messages_sent,
            self.dropped_reports,
            self.view_changes,
            self.reproposals,
            self.crashes,
            self.sim_time_ms,
            self.violations
        )
    }
}

#[derive(Debug, Clone)]
struct SimBlock {
    header_hash: B256,
    proposal: Bytes,
    signatures: Vec<SealerSignature>,
}

struct Endpoint {
    /// Sealer index; `None` for an observer.
    index: Option<u64>,
    key: KeyPair,
    /// Honest: not one of a pair of twins.
    honest: bool,
    /// The other instance of this key, for twins.
    twin: Option<usize>,
    core: Option<Core>,
    incarnation: u64,
    /// Durable vote records (height, encoded).
    store: Vec<(u64, Vec<u8>)>,
    /// Durable committed chain; `ledger[h - 1]` is block `h`.
    ledger: Vec<SimBlock>,
    /// Partition group.
    group: u32,
}

#[derive(Debug)]
enum Event {
    Deliver {
        to: usize,
        bytes: Bytes,
    },
    App {
        to: usize,
        incarnation: u64,
        input: Input,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
    Partition,
    Heal,
    Sync,
}

/// Deterministic keys: sealer `i` always has the same key.
pub fn sealer_key(i: usize) -> KeyPair {
    let mut secret = [0u8; 32];
    secret[0] = 0x11;
    secret[31] = i as u8 + 1;
    KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes(secret)).expect("valid key")
}

pub fn sealer_set(n: usize) -> SealerSet {
    let ids: Vec<NodeId> = (0..n)
        .map(|i| NodeId::from(sealer_key(i).public().0))
        .collect();
    SealerSet::equal_weights(&ids, 1).expect("sealer set")
}

pub fn consensus_config(base_timeout_ms: u64, quorum_override: Option<u64>) -> ConsensusConfig {
    ConsensusConfig {
        base_timeout_ms,
        fault_injection: FaultInjection { quorum_override },
        ..ConsensusConfig::new(SuiteId::Standard)
    }
}

pub fn weighted_sealer_set(n: usize, weights: &[u64], leader_period: u64) -> SealerSet {
    SealerSet::new(
        (0..n)
            .map(|i| weft_consensus::Sealer {
                node_id: NodeId::from(sealer_key(i).public().0),
                weight: weights.get(i).copied().unwrap_or(1),
            })
            .collect(),
        leader_period,
    )
    .expect("sealer set")
}

/// The toy state machine: header hash of a block.
pub fn toy_header(suite: &dyn CryptoSuite, parent: B256, proposal: &[u8]) -> B256 {
    suite.hash_parts(&[parent.as_slice(), proposal])
}

pub struct Sim {
    cfg: SimConfig,
    rng: Rng,
    now: u64,
    seq: u64,
    events: BTreeMap<(u64, u64), Event>,
    nodes: Vec<Endpoint>,
    sealers: SealerSet,
    consensus: ConsensusConfig,
    suite: &'static dyn CryptoSuite,
    chaos: bool,
    heal_at: u64,
    /// This run's latency range.
    latency: (u64, u64),
    /// Extra loss by message kind while the chaos lasts.
    filters: Vec<(MessageKind, f64)>,
    /// Honest commits by height.
    committed: BTreeMap<u64, (usize, B256)>,
    /// Proposals honest nodes ordered, by height.
    ordered: BTreeMap<u64, (usize, B256)>,
    /// What each honest identity signed at each place.
    signed: HashMap<(u64, MessageKind, u64, u64), B256>,
    /// Proposals executed and not yet committed, by (node, height).
    pending: HashMap<(usize, u64), Bytes>,
    report: SimReport,
}

impl Sim {
    pub fn new(seed: u64, cfg: SimConfig) -> Self {
        let mut nodes = Vec::new();
        for i in 0..cfg.sealers {
            nodes.push(Endpoint {
                index: Some(i as u64),
                key: sealer_key(i),
                honest: Some(i as u64) != cfg.twin_of,
                twin: None,
                core: None,
                incarnation: 0,
                store: Vec::new(),
                ledger: Vec::new(),
                group: 0,
            });
        }
        if let Some(t) = cfg.twin_of {
            let twin = nodes.len();
            nodes[t as usize].twin = Some(twin);
            nodes.push(Endpoint {
                index: Some(t),
                key: sealer_key(t as usize),
                honest: false,
                twin: Some(t as usize),
                core: None,
                incarnation: 0,
                store: Vec::new(),
                ledger: Vec::new(),
                group: 0,
            });
        }
        for o in 0..cfg.observers {
            nodes.push(Endpoint {
                index: None,
                key: sealer_key(100 + o),
                honest: true,
                twin: None,
                core: None,
                incarnation: 0,
                store: Vec::new(),
                ledger: Vec::new(),
                group: 0,
            });
        }
        let consensus = consensus_config(cfg.base_timeout_ms, cfg.quorum_override);
        Sim {
            sealers: weighted_sealer_set(cfg.sealers, &cfg.weights, cfg.leader_period),
            suite: SuiteId::Standard.suite(),
            rng: Rng::new(seed),
            now: 0,
            seq: 0,
            events: BTreeMap::new(),
            nodes,
            consensus,
            chaos: true,
            heal_at: cfg.chaos_ms,
            filters: Vec::new(),
            latency: cfg.latency_ms,
            committed: BTreeMap::new(),
            ordered: BTreeMap::new(),
            signed: HashMap::new(),
            pending: HashMap::new(),
            report: SimReport {
                seed,
                ..SimReport::default()
            },
            cfg,
        }
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.events.insert((at, self.seq), event);
    }

    fn honest_nodes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].honest)
    }

    /// Run to the end and report.
    pub fn run(mut self) -> SimReport {
        for i in 0..self.nodes.len() {
            self.start(i);
        }
        self.plan_faults();
        self.schedule(self.heal_at, Event::Heal);
        self.schedule(self.cfg.sync_interval_ms, Event::Sync);
        let mut target: Option<u64> = None;
        let deadline = self.heal_at + self.cfg.liveness_bound_ms;
        loop {
            let next_event = self.events.keys().next().map(|&(t, _)| t);
            let next_timer = (0..self.nodes.len())
                .filter_map(|i| {
                    self.nodes[i]
                        .core
                        .as_ref()
                        .and_then(|c| c.next_timeout())
                        .map(|t| (t, i))
                })
                .min();
            let at = match (next_event, next_timer) {
                (None, None) => break,
                (Some(e), None) => e,
                (None, Some((t, _))) => t,
                (Some(e), Some((t, _))) => e.min(t),
            };
            if at > deadline {
                self.now = deadline;
                break;
            }
            self.now = self.now.max(at);
            match next_timer {
                Some((t, i)) if t <= at => self.feed(i, Input::Timeout),
                _ => {
                    let key = *self.events.keys().next().expect("an event is due");
                    let event = self.events.remove(&key).expect("present");
                    self.dispatch(event);
                }
            }
            if self.cfg.stop_at_first_violation && !self.report.violations.is_empty() {
                break;
            }
            if !self.chaos {
                let t = *target.get_or_insert_with(|| {
                    let top = self
                        .honest_nodes()
                        .map(|i| self.nodes[i].ledger.len() as u64)
                        .max()
                        .unwrap_or(0);
                    top + self.cfg.extra_heights
                });
                if self
                    .honest_nodes()
                    .all(|i| self.nodes[i].ledger.len() as u64 >= t)
                {
                    break;
                }
            }
        }
        if self.cfg.check_liveness {
            let t = target.unwrap_or(u64::MAX);
            let heights: Vec<(usize, u64)> = self
                .honest_nodes()
                .map(|i| (i, self.nodes[i].ledger.len() as u64))
                .collect();
            if heights.iter().any(|&(_, h)| h < t) {
                self.report
                    .violations
                    .push(Violation::NotLive { target: t, heights });
            }
        }
        self.report.heights = self.nodes.iter().map(|n| n.ledger.len() as u64).collect();
        self.report.sim_time_ms = self.now;
        self.report
    }

    fn plan_faults(&mut self) {
        let chaos = self.cfg.chaos_ms;
        if self.rng.chance(self.cfg.slow_network_chance) {
            let (lo, hi) = self.latency;
            self.latency = (lo * 5, hi * 8);
        }
        if self.rng.chance(self.cfg.filter_chance) {
            let commit = self.rng.range(20, 70) as f64 / 100.0;
            let relay = self.rng.range(20, 90) as f64 / 100.0;
            self.filters = vec![
                (MessageKind::Commit, commit),
                (MessageKind::CommittedProposal, relay),
            ];
            if self.rng.chance(0.5) {
                let new_view = self.rng.range(10, 50) as f64 / 100.0;
                self.filters.push((MessageKind::NewView, new_view));
            }
        }
        if self.cfg.partitions {
            let mut t = self.rng.range(0, chaos / 3);
            while t < chaos {
                self.schedule(t, Event::Partition);
                t += self.rng.range(300, 1_500);
            }
        }
        if self.cfg.twin_partitions {
            let mut t = self.rng.range(0, 200);
            while t < chaos {
                self.schedule(t, Event::Partition);
                t += self.rng.range(150, 900);
            }
        }
        if self.cfg.crashes {
            let crashes = self.rng.range(1, 3);
            for _ in 0..crashes {
                let node = self.rng.below(self.nodes.len() as u64) as usize;
                let at = self.rng.range(0, chaos.saturating_sub(200));
                self.schedule(at, Event::Crash { node });
            }
        }
    }

    fn start(&mut self, i: usize) {
        let node = &self.nodes[i];
        let committed = node.ledger.len() as u64;
        let records: Vec<VoteRecord> = node
            .store
            .iter()
            .map(|(_, bytes)| {
                VoteRecord::decode(bytes, &MessageLimits::DEFAULT).expect("own records decode")
            })
            .collect();
        match Core::restore(
            self.consensus.clone(),
            node.key.clone(),
            self.sealers.clone(),
            committed,
            records,
            self.now,
        ) {
            Ok((core, outputs)) => {
                self.nodes[i].core = Some(core);
                self.apply(i, outputs);
                self.feed(i, Input::PendingTransactions(true));
            }
            Err(e) => self.report.violations.push(Violation::RestoreFailed {
                node: i,
                error: e.to_string(),
            }),
        }
    }

    fn feed(&mut self, i: usize, input: Input) {
        let now = self.now;
        let Some(core) = self.nodes[i].core.as_mut() else {
            return;
        };
        let outputs = core.handle(now, input);
        self.apply(i, outputs);
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Deliver { to, bytes } => self.feed(to, Input::Message(bytes)),
            Event::App {
                to,
                incarnation,
                input,
            } => {
                if self.nodes[to].incarnation == incarnation {
                    self.feed(to, input);
                }
            }
            Event::Crash { node } => {
                if self.chaos && self.nodes[node].core.is_some() {
                    self.crash(node);
                }
            }
            Event::Restart { node } => {
                if self.nodes[node].core.is_none() {
                    self.start(node);
                }
            }
            Event::Partition => {
                if self.chaos {
                    self.partition();
                }
            }
            Event::Heal => {
                self.chaos = false;
                for n in &mut self.nodes {
                    n.group = 0;
                }
                for i in 0..self.nodes.len() {
                    if self.nodes[i].core.is_none() {
                        self.start(i);
                    }
                }
            }
            Event::Sync => {
                self.sync();
                self.schedule(self.now + self.cfg.sync_interval_ms, Event::Sync);
            }
        }
    }

    fn partition(&mut self) {
        let n = self.nodes.len();
        if self.cfg.twin_partitions {
            // Twins apart, everyone else on a random side.
            for i in 0..n {
                self.nodes[i].group = self.rng.below(2) as u32;
            }
            for i in 0..n {
                if let Some(t) = self.nodes[i].twin.filter(|&t| t > i) {
                    self.nodes[t].group = 1 - self.nodes[i].group;
                }
            }
        } else if self.rng.chance(0.3) {
            for node in &mut self.nodes {
                node.group = 0;
            }
        } else {
            let groups = self.rng.range(2, 3);
            for i in 0..n {
                self.nodes[i].group = self.rng.below(groups) as u32;
            }
        }
    }

    fn crash(&mut self, i: usize) {
        self.nodes[i].core = None;
        self.nodes[i].incarnation += 1;
        self.report.crashes += 1;
        let back = self.now + self.rng.range(50, 1_500);
        if back < self.heal_at {
            self.schedule(back, Event::Restart { node: i });
        }
    }

    fn latency(&mut self) -> u64 {
        let (lo, hi) = self.latency;
        // One message in fifty is slow: reordering beyond the jitter.
        if self.rng.chance(0.02) {
            self.rng.range(hi, hi * 5)
        } else {
            self.rng.range(lo, hi)
        }
    }

    fn transmit(&mut self, from: usize, to: usize, bytes: &Bytes) {
        if to == from || self.nodes[from].twin == Some(to) {
            return;
        }
        if self.nodes[from].group != self.nodes[to].group {
            return;
        }
        let loss = if self.chaos {
            self.cfg.loss
        } else {
            self.cfg.loss_after_heal
        };
        if self.rng.chance(loss) {
            return;
        }
        if self.chaos && !self.filters.is_empty() {
            if let Ok(msg) = SignedMessage::decode(bytes, &MessageLimits::DEFAULT) {
                let kind = msg.body.kind();
                let p = self
                    .filters
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or(0.0, |(_, p)| *p);
                if self.rng.chance(p) {
                    return;
                }
            }
        }
        self.report.messages_sent += 1;
        let copies = if self.rng.chance(self.cfg.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = self.now + self.latency();
            self.schedule(
                at,
                Event::Deliver {
                    to,
                    bytes: bytes.clone(),
                },
            );
        }
    }

    fn app_reply(&mut self, to: usize, delay: (u64, u64), input: Input) {
        let at = self.now + self.rng.range(delay.0, delay.1);
        let incarnation = self.nodes[to].incarnation;
        self.schedule(
            at,
            Event::App {
                to,
                incarnation,
                input,
            },
        );
    }

    /// Check a vote that node `i` is about to send: persisted, and never a second
    /// different one at its place.
    fn check_outgoing(&mut self, i: usize, bytes: &Bytes) {
        let node = &self.nodes[i];
        if !node.honest {
            return;
        }
        let Ok(msg) = SignedMessage::decode(bytes, &MessageLimits::DEFAULT) else {
            return;
        };
        let kind = msg.body.kind();
        if kind == MessageKind::CommittedProposal || Some(msg.from) != node.index {
            return;
        }
        if let weft_consensus::Body::NewView(nv) = &msg.body {
            if nv.reproposal.is_some() {
                self.report.reproposals += 1;
            }
        }
        let height = msg.body.height();
        let persisted = node.store.iter().any(|(h, rec)| {
            *h == height
                && VoteRecord::decode(rec, &MessageLimits::DEFAULT)
                    .map(|r| r.message.encode() == *bytes)
                    .unwrap_or(false)
        });
        if !persisted {
            self.report.violations.push(Violation::SendBeforePersist {
                node: i,
                kind,
                height,
            });
        }
        let place = (msg.from, kind, height, msg.body.view());
        let hash = msg.body.signing_hash(self.suite);
        if let Some(&prev) = self.signed.get(&place) {
            if prev != hash {
                self.report.violations.push(Violation::DoubleSign {
                    node: i,
                    kind,
                    height,
                    view: msg.body.view(),
                });
            }
        } else {
            self.signed.insert(place, hash);
        }
    }

    fn apply(&mut self, i: usize, outputs: Vec<Output>) {
        // Now and then a node crashes half-way through carrying out its outputs.
        let torn = if self.chaos && self.cfg.crashes && self.rng.chance(0.002) {
            Some(self.rng.below(outputs.len() as u64 + 1) as usize)
        } else {
            None
        };
        for (k, output) in outputs.into_iter().enumerate() {
            if torn == Some(k) {
                self.crash(i);
                return;
            }
            self.apply_one(i, output);
            if self.nodes[i].core.is_none() {
                return;
            }
        }
    }

    fn apply_one(&mut self, i: usize, output: Output) {
        match output {
            Output::Persist(record) => {
                let h = record.height();
                self.nodes[i].store.push((h, record.encode()));
            }
            Output::Broadcast(bytes) => {
                self.check_outgoing(i, &bytes);
                for to in 0..self.nodes.len() {
                    self.transmit(i, to, &bytes);
                }
            }
            Output::Send { to, message } => {
                self.check_outgoing(i, &message);
                for j in 0..self.nodes.len() {
                    if self.nodes[j].index == Some(to) {
                        self.transmit(i, j, &message);
                    }
                }
            }
            Output::ProposalWanted { height, view } => {
                let mut proposal = height.to_be_bytes().to_vec();
                proposal.extend_from_slice(&view.to_be_bytes());
                proposal.extend_from_slice(&(i as u64).to_be_bytes());
                // Four fake transaction hashes, different per proposer and run.
                for _ in 0..16 {
                    proposal.extend_from_slice(&self.rng.next_u64().to_be_bytes());
                }
                self.app_reply(
                    i,
                    (1, 30),
                    Input::Propose {
                        height,
                        view,
                        proposal: proposal.into(),
                    },
                );
            }
            Output::ValidateProposal {
                height,
                view,
                proposal_hash,
                proposal,
            } => {
                let valid = proposal.len() >= 8 && proposal[..8] == height.to_be_bytes();
                self.app_reply(
                    i,
                    (1, 5),
                    Input::ProposalChecked {
                        height,
                        view,
                        proposal_hash,
                        valid,
                    },
                );
            }
            Output::Execute {
                height,
                proposal_hash,
                proposal,
            } => {
                if self.nodes[i].honest {
                    match self.ordered.get(&height) {
                        Some(&(first, hash)) if hash != proposal_hash => {
                            self.report.violations.push(Violation::ConflictingOrder {
                                height,
                                first: (first, hash),
                                second: (i, proposal_hash),
                            });
                        }
                        Some(_) => {}
                        None => {
                            self.ordered.insert(height, (i, proposal_hash));
                        }
                    }
                }
                let node = &self.nodes[i];
                if node.ledger.len() as u64 + 1 != height {
                    return;
                }
                let parent = node.ledger.last().map_or(B256::ZERO, |b| b.header_hash);
                let header_hash = toy_header(self.suite, parent, &proposal);
                self.app_reply(
                    i,
                    (1, 10),
                    Input::Executed {
                        height,
                        proposal_hash,
                        header_hash,
                    },
                );
                // The executor keeps the proposal until the commit.
                self.pending.insert((i, height), proposal);
            }
            Output::CommitBlock {
                height,
                header_hash,
                signatures,
            } => {
                // (With a deliberately broken quorum rule the certificates are weak by
                // design; that test looks for the forks instead.)
                let checked = if self.cfg.quorum_override.is_none() {
                    verify_commit_certificate(
                        self.suite,
                        height,
                        header_hash,
                        &signatures,
                        &self.sealers,
                    )
                } else {
                    Ok(())
                };
                if let Err(e) = checked {
                    self.report.violations.push(Violation::WeakCertificate {
                        node: i,
                        height,
                        error: e.to_string(),
                    });
                }
                let proposal = self.pending.remove(&(i, height)).unwrap_or_default();
                if self.nodes[i].ledger.len() as u64 + 1 == height {
                    self.append(
                        i,
                        SimBlock {
                            header_hash,
                            proposal,
                            signatures,
                        },
                    );
                    self.app_reply(
                        i,
                        (1, 5),
                        Input::Committed {
                            height,
                            next_sealers: None,
                        },
                    );
                }
            }
            Output::Diverged { height, .. } => {
                if self.nodes[i].honest {
                    self.report
                        .violations
                        .push(Violation::Diverged { node: i, height });
                }
            }
            Output::Dropped { from, reason } => {
                self.report.dropped_reports += 1;
                let blames = matches!(
                    reason,
                    DropReason::Equivocation { .. } | DropReason::ConflictsWithNewView { .. }
                );
                if blames && self.nodes[i].honest {
                    if let Some(accused) = from {
                        let accused_honest = self
                            .nodes
                            .iter()
                            .any(|n| n.index == Some(accused) && n.honest);
                        if accused_honest {
                            self.report.violations.push(Violation::HonestBlamed {
                                reporter: i,
                                accused,
                                reason: reason.to_string(),
                            });
                        }
                    }
                }
            }
            Output::PruneVotes { through_height } => {
                self.nodes[i].store.retain(|(h, _)| *h > through_height);
            }
            Output::ViewChanged { .. } => self.report.view_changes += 1,
        }
    }

    /// Append a block to node `i`'s ledger and check it against every honest commit.
    fn append(&mut self, i: usize, block: SimBlock) {
        let height = self.nodes[i].ledger.len() as u64 + 1;
        if self.nodes[i].honest {
            match self.committed.get(&height) {
                Some(&(first, hash)) if hash != block.header_hash => {
                    self.report.violations.push(Violation::ConflictingCommit {
                        height,
                        first: (first, hash),
                        second: (i, block.header_hash),
                    });
                }
                Some(_) => {}
                None => {
                    self.committed.insert(height, (i, block.header_hash));
                }
            }
        }
        self.nodes[i].ledger.push(block);
    }

    /// Block sync: each running node fetches missing blocks from the most advanced
    /// running peer it can reach, checks the commit certificate and re-executes.
    fn sync(&mut self) {
        for i in 0..self.nodes.len() {
            if self.nodes[i].core.is_none() {
                continue;
            }
            let mine = self.nodes[i].ledger.len();
            let best = (0..self.nodes.len())
                .filter(|&j| {
                    j != i
                        && self.nodes[j].core.is_some()
                        && self.nodes[j].group == self.nodes[i].group
                })
                .max_by_key(|&j| (self.nodes[j].ledger.len(), std::cmp::Reverse(j)));
            let Some(j) = best else { continue };
            if self.nodes[j].ledger.len() <= mine {
                continue;
            }
            let blocks: Vec<SimBlock> = self.nodes[j].ledger[mine..].to_vec();
            let mut synced = mine as u64;
            for block in blocks {
                let height = synced + 1;
                if verify_commit_certificate(
                    self.suite,
                    height,
                    block.header_hash,
                    &block.signatures,
                    &self.sealers,
                )
                .is_err()
                {
                    break;
                }
                let parent = self.nodes[i]
                    .ledger
                    .last()
                    .map_or(B256::ZERO, |b| b.header_hash);
                if toy_header(self.suite, parent, &block.proposal) != block.header_hash {
                    if self.nodes[i].honest {
                        self.report
                            .violations
                            .push(Violation::SyncMismatch { node: i, height });
                    }
                    break;
                }
                self.append(i, block);
                synced = height;
            }
            if synced > mine as u64 {
                self.feed(
                    i,
                    Input::SyncedTo {
                        height: synced,
                        next_sealers: None,
                    },
                );
            }
        }
    }
}

/// Which seeds to run: `WEFT_SIM_SEED=<n>` replays one; `WEFT_SIM_SEEDS=<count>`
/// overrides the default count.
pub fn seeds(default_count: u64, salt: u64) -> Vec<u64> {
    if let Ok(s) = std::env::var("WEFT_SIM_SEED") {
        return vec![s.trim().parse().expect("WEFT_SIM_SEED must be a number")];
    }
    let count = std::env::var("WEFT_SIM_SEEDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default_count);
    (0..count).map(|i| salt * 1_000_000 + i).collect()
}

/// Run `cfg` for every seed; fail with every failing seed's report.
pub fn run_seeds(name: &str, cfg: &SimConfig, seeds: &[u64]) -> Vec<SimReport> {
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for &seed in seeds {
        let report = Sim::new(seed, cfg.clone()).run();
        if std::env::var_os("WEFT_SIM_VERBOSE").is_some() {
            eprintln!("{name}: {report}");
        }
        if !report.violations.is_empty() {
            eprintln!("{name}: FAILED {report}");
            failures.push(seed);
        }
        reports.push(report);
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} seeds failed: {:?} (replay one with WEFT_SIM_SEED=<seed> cargo test -p weft-consensus --test it {name})",
        failures.len(),
        seeds.len(),
        failures
    );
    reports
}
