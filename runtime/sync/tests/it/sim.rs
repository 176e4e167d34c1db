//! A deterministic in-process network: one syncing node, peers that serve a source chain,
//! every message encoded and decoded as on the wire, a virtual clock, no threads, no
//! sleeps.

use std::collections::BTreeMap;

use weft_ledger::Ledger;
use weft_storage::memory::MemoryStorage;
use weft_sync::{serve, Request, SyncConfig, SyncLimits, SyncMessage, Syncer};
use weft_types::Block;

use crate::fixture::{Fresh, Source};

/// A peer's id in the simulation.
pub type PeerId = u8;

/// Rewrites the blocks of a response before it is sent.
pub type TamperFn<'a> = Box<dyn Fn(&mut Vec<Block>) + 'a>;

/// How a peer answers requests.
pub enum Behaviour<'a> {
    /// Serves its ledger.
    Honest,
    /// Never answers.
    Silent,
    /// Serves its ledger, then rewrites the response's blocks.
    Tamper(TamperFn<'a>),
}

pub struct Peer<'a> {
    pub id: PeerId,
    pub ledger: &'a Ledger<MemoryStorage>,
    pub behaviour: Behaviour<'a>,
    /// Limits it serves with (a small byte budget gives partial responses).
    pub limits: SyncLimits,
    /// Every request it received.
    pub requests: Vec<Request>,
}

impl<'a> Peer<'a> {
    pub fn new(id: PeerId, ledger: &'a Ledger<MemoryStorage>, behaviour: Behaviour<'a>) -> Self {
        Peer {
            id,
            ledger,
            behaviour,
            limits: SyncLimits::DEFAULT,
            requests: Vec::new(),
        }
    }

    pub fn honest(id: PeerId, source: &'a Source) -> Self {
        Self::new(id, &source.ledger, Behaviour::Honest)
    }
}

enum Envelope {
    ToPeer(PeerId, Vec<u8>),
    ToNode(PeerId, Vec<u8>),
}

/// What happened during a run.
#[derive(Debug, Default)]
pub struct Record {
    /// Steps until the node reached the target.
    pub steps: u64,
    /// Refused blocks: (peer, height, error message).
    pub rejected: Vec<(PeerId, u64, String)>,
    /// Refused responses: (peer, error message).
    pub bad_responses: Vec<(PeerId, String)>,
    /// The largest queue length seen.
    pub max_queue: usize,
    /// The largest `queue + in-flight` blocks seen.
    pub max_window: u64,
    /// The most shards outstanding to one peer at once.
    pub max_in_flight_per_peer: usize,
    /// The node lists blocks set, by height.
    pub node_changes: Vec<u64>,
    /// Heights committed, in order.
    pub committed: Vec<u64>,
}

pub struct Sim<'a> {
    pub node: Fresh,
    pub syncer: Syncer<PeerId>,
    pub peers: Vec<Peer<'a>>,
    pub now: u64,
    /// Milliseconds a message takes, per peer id (default 20).
    pub latency: BTreeMap<PeerId, u64>,
    wire: BTreeMap<(u64, u64), Envelope>,
    seq: u64,
    limits: SyncLimits,
}

pub const STEP_MS: u64 = 10;

impl<'a> Sim<'a> {
    pub fn new(source: &Source, peers: Vec<Peer<'a>>) -> Self {
        Self::with_config(source, peers, |_| {})
    }

    pub fn with_config(
        source: &Source,
        peers: Vec<Peer<'a>>,
        adjust: impl FnOnce(&mut SyncConfig),
    ) -> Self {
        let node = Fresh::new(&source.genesis);
        let mut config = SyncConfig::new(source.genesis.crypto_suite, source.genesis.hash());
        adjust(&mut config);
        let limits = config.limits;
        let (number, hash) = node.head();
        let mut sim = Sim {
            syncer: Syncer::new(config, number, hash),
            node,
            peers,
            now: 0,
            latency: BTreeMap::new(),
            wire: BTreeMap::new(),
            seq: 0,
            limits,
        };
        // Every peer announces its head.
        for i in 0..sim.peers.len() {
            let peer = &sim.peers[i];
            let status = SyncMessage::Status(weft_sync::Status {
                number: peer.ledger.block_number(),
                head_hash: peer.ledger.head_hash(),
                genesis_hash: peer.ledger.genesis().hash(),
            });
            let id = peer.id;
            sim.send(Envelope::ToNode(id, status.encode()), id);
        }
        sim
    }

    fn send(&mut self, envelope: Envelope, peer: PeerId) {
        let at = self.now + self.latency.get(&peer).copied().unwrap_or(20);
        self.seq += 1;
        self.wire.insert((at, self.seq), envelope);
    }

    fn peer_mut(&mut self, id: PeerId) -> &mut Peer<'a> {
        self.peers
            .iter_mut()
            .find(|p| p.id == id)
            .expect("known peer")
    }

    /// One tick of the clock: deliver what is due, expire, request, apply.
    pub fn step(&mut self, record: &mut Record) {
        self.now += STEP_MS;
        let due: Vec<(u64, u64)> = self
            .wire
            .range(..(self.now + 1, 0))
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            let envelope = self.wire.remove(&key).expect("due message");
            match envelope {
                Envelope::ToPeer(id, bytes) => self.peer_receives(id, &bytes),
                Envelope::ToNode(id, bytes) => self.node_receives(id, &bytes, record),
            }
        }
        self.syncer.on_timeout(self.now);
        for (peer, request) in self.syncer.poll_requests(self.now) {
            let bytes = SyncMessage::Request(request).encode();
            self.send(Envelope::ToPeer(peer, bytes), peer);
        }
        let status = self.syncer.status();
        record.max_queue = record.max_queue.max(status.queue_len);
        record.max_window = record
            .max_window
            .max(status.queue_len as u64 + status.in_flight_blocks);
        for p in &status.peers {
            record.max_in_flight_per_peer = record.max_in_flight_per_peer.max(p.in_flight);
        }
        let report = self
            .syncer
            .apply_ready(&self.node.ledger, &self.node.executor)
            .expect("no fatal sync error");
        for applied in report.applied {
            record.committed.push(applied.number());
            if applied.next_nodes.is_some() {
                record.node_changes.push(applied.number());
            }
        }
        for r in report.rejected {
            record
                .rejected
                .push((r.peer, r.number, r.error.to_string()));
        }
    }

    fn peer_receives(&mut self, id: PeerId, bytes: &[u8]) {
        let limits = self.limits;
        let peer = self.peer_mut(id);
        let Ok(SyncMessage::Request(request)) = SyncMessage::decode(bytes, &limits) else {
            panic!("peers only receive requests");
        };
        peer.requests.push(request);
        let mut response = match &peer.behaviour {
            Behaviour::Silent => return,
            Behaviour::Honest | Behaviour::Tamper(_) => {
                serve(peer.ledger, &request, &peer.limits).expect("serve")
            }
        };
        if let Behaviour::Tamper(tamper) = &peer.behaviour {
            tamper(&mut response.blocks);
        }
        let bytes = SyncMessage::Response(response).encode();
        self.send(Envelope::ToNode(id, bytes), id);
    }

    fn node_receives(&mut self, id: PeerId, bytes: &[u8], record: &mut Record) {
        let result = match SyncMessage::decode(bytes, &self.limits) {
            Ok(SyncMessage::Status(status)) => self.syncer.on_status(id, status, self.now),
            Ok(SyncMessage::Response(response)) => {
                self.syncer.on_response(id, response, self.now).map(|_| ())
            }
            Ok(SyncMessage::Request(_)) => unreachable!("peers do not ask the fresh node"),
            Err(e) => {
                self.syncer.on_malformed(&id);
                Err(e.into())
            }
        };
        if let Err(e) = result {
            record.bad_responses.push((id, e.to_string()));
        }
    }

    /// Step until the node's head reaches `target` (panics after `max_steps`).
    pub fn run_to(&mut self, target: u64, max_steps: u64) -> Record {
        let mut record = Record::default();
        while self.node.ledger.block_number() < target {
            assert!(
                record.steps < max_steps,
                "stuck at {} of {target} after {max_steps} steps: {:?}\n{record:?}",
                self.node.ledger.block_number(),
                self.syncer.status()
            );
            self.step(&mut record);
            record.steps += 1;
        }
        record
    }

    pub fn requests_of(&self, id: PeerId) -> &[Request] {
        &self
            .peers
            .iter()
            .find(|p| p.id == id)
            .expect("peer")
            .requests
    }
}
