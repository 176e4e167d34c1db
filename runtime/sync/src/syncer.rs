//! The download state machine: who has what, which shards are asked of whom, and the
//! queue of downloaded blocks waiting for their turn.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use alloy_primitives::B256;
use weft_crypto::{CryptoSuite, SuiteId};
use weft_executor::Executor;
use weft_ledger::Ledger;
use weft_storage::Storage;
use weft_types::{Block, BlockNumber};

use crate::apply::{apply_block, AppliedBlock};
use crate::error::SyncError;
use crate::message::{Request, Response, Status, SyncLimits, MAX_REQUEST_BLOCKS};

/// How the syncer schedules downloads. The defaults are FISCO BCOS's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// The chain's crypto suite (to link downloaded headers to each other).
    pub suite: SuiteId,
    /// This chain's block 0 hash; peers announcing another are ignored.
    pub genesis_hash: B256,
    /// Blocks per shard, i.e. per request (`MAX_REQUEST_BLOCKS_COUNT` = 8).
    pub shard_size: u64,
    /// Shards outstanding to one peer at once (2).
    pub max_shards_per_peer: usize,
    /// Milliseconds before an unanswered shard is asked of another peer (200 ms × 8).
    pub request_timeout_ms: u64,
    /// The most blocks ahead of the local head that are downloaded or being downloaded
    /// (`MAX_DOWNLOAD_BLOCK_QUEUE_SIZE` = 256).
    pub max_queue_blocks: u64,
    /// Bounds of the messages.
    pub limits: SyncLimits,
}

impl SyncConfig {
    /// FISCO's defaults for the chain with `genesis_hash` on `suite`.
    pub fn new(suite: SuiteId, genesis_hash: B256) -> Self {
        SyncConfig {
            suite,
            genesis_hash,
            shard_size: MAX_REQUEST_BLOCKS,
            max_shards_per_peer: 2,
            request_timeout_ms: 1_600,
            max_queue_blocks: 256,
            limits: SyncLimits::DEFAULT,
        }
    }
}

/// What the syncer knows of one peer, for `getSyncStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus<P> {
    /// The peer.
    pub peer: P,
    /// The height it announced last.
    pub number: BlockNumber,
    /// The head hash it announced last.
    pub head_hash: B256,
    /// Shards asked of it and not yet answered.
    pub in_flight: usize,
    /// Bad responses and blocks it sent that failed the checks.
    pub faults: u64,
    /// Requests it left unanswered past the timeout.
    pub timeouts: u64,
    /// Blocks it delivered into the queue.
    pub blocks_received: u64,
    /// When its last status arrived (the driver's clock, ms).
    pub last_status_ms: u64,
    /// When its last response arrived (0 if none has).
    pub last_response_ms: u64,
}

/// The sync state for RPC `getSyncStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus<P> {
    /// The local head's height.
    pub local_number: BlockNumber,
    /// The local head's hash.
    pub local_hash: B256,
    /// The highest height a peer announced (the local height if none is higher).
    pub highest_peer_number: BlockNumber,
    /// Whether some peer is ahead of this node.
    pub syncing: bool,
    /// Downloaded blocks waiting to be checked and committed.
    pub queue_len: usize,
    /// Blocks asked for and not yet received.
    pub in_flight_blocks: u64,
    /// Every peer of this chain, in peer order.
    pub peers: Vec<PeerStatus<P>>,
}

/// A downloaded block that was refused, and the peer that sent it.
#[derive(Debug)]
pub struct Rejection<P> {
    /// The peer blamed.
    pub peer: P,
    /// The block's height.
    pub number: BlockNumber,
    /// Why.
    pub error: SyncError,
}

/// What [`Syncer::apply_ready`] did.
#[derive(Debug)]
pub struct ApplyReport<P> {
    /// Blocks checked and committed, in height order.
    pub applied: Vec<AppliedBlock>,
    /// Blocks refused; their heights are asked of other peers.
    pub rejected: Vec<Rejection<P>>,
}

impl<P> Default for ApplyReport<P> {
    fn default() -> Self {
        ApplyReport {
            applied: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
struct PeerState {
    number: BlockNumber,
    head_hash: B256,
    in_flight: usize,
    faults: u64,
    timeouts: u64,
    blocks_received: u64,
    last_status_ms: u64,
    last_response_ms: u64,
}

#[derive(Debug, Clone)]
struct Shard<P> {
    count: u64,
    peer: P,
    deadline: u64,
}

#[derive(Debug, Clone)]
struct Queued<P> {
    block: Block,
    from: P,
}

/// Block sync's state machine, without I/O: the driver feeds it peers' statuses and
/// responses with the current time, sends the requests it asks for, and applies the
/// blocks it hands out.
///
/// ```text
///  on_status ─▶ peers' heights ──poll_requests──▶ shards of ≤ 8 blocks, ≤ 2 per peer,
///                                                  interleaved over peers, ≤ 256 ahead
///  on_response ─▶ answers its shard? consecutive? linked? ─▶ download queue (by height)
///  on_timeout ──▶ expired shards are asked of another peer
///  next_ready(head) ─▶ the queued block at head + 1 if it names head as parent
///      └▶ apply_block (certificate, execution, commit) ─ refused ─▶ on_block_rejected
/// ```
///
/// `P` identifies a peer (the node id in the node, a small integer in tests).
#[derive(Debug)]
pub struct Syncer<P> {
    config: SyncConfig,
    suite: &'static dyn CryptoSuite,
    local_number: BlockNumber,
    local_hash: B256,
    peers: BTreeMap<P, PeerState>,
    /// Outstanding shards by first height.
    in_flight: BTreeMap<BlockNumber, Shard<P>>,
    /// Downloaded blocks by height, all above the local head and within the window.
    queue: BTreeMap<BlockNumber, Queued<P>>,
    /// The block [`Syncer::next_ready`] handed out last, and its sender.
    handed_out: Option<(BlockNumber, P)>,
    /// Peers that failed a height (timeout, bad response, refused block): that height is
    /// asked of other peers first.
    avoid: BTreeMap<BlockNumber, BTreeSet<P>>,
    /// Refusals found outside `apply_ready` (in `next_ready`), reported by it.
    rejected: Vec<Rejection<P>>,
}

impl<P: Ord + Clone + Debug> Syncer<P> {
    /// A syncer for a node whose head is `local_number` with hash `local_hash`.
    pub fn new(config: SyncConfig, local_number: BlockNumber, local_hash: B256) -> Self {
        Syncer {
            suite: config.suite.suite(),
            config,
            local_number,
            local_hash,
            peers: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            queue: BTreeMap::new(),
            handed_out: None,
            avoid: BTreeMap::new(),
            rejected: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// The status this node broadcasts: its head and its genesis.
    pub fn local_status(&self) -> Status {
        Status {
            number: self.local_number,
            head_hash: self.local_hash,
            genesis_hash: self.config.genesis_hash,
        }
    }

    /// The local head moved (a block committed by consensus, or by sync).
    pub fn on_local_head(&mut self, number: BlockNumber, hash: B256) {
        self.local_number = number;
        self.local_hash = hash;
        self.queue = self.queue.split_off(&(number + 1));
        self.avoid = self.avoid.split_off(&(number + 1));
        let done: Vec<BlockNumber> = self
            .in_flight
            .iter()
            .filter(|(&first, shard)| first + shard.count <= number + 1)
            .map(|(&first, _)| first)
            .collect();
        for first in done {
            // Everything it asks for is committed; a late answer is `Unsolicited`.
            self.remove_shard(first);
        }
        if self
            .handed_out
            .as_ref()
            .is_some_and(|(handed, _)| *handed <= number)
        {
            self.handed_out = None;
        }
    }

    /// A peer announced its head. A peer of another chain is forgotten and refused.
    pub fn on_status(&mut self, peer: P, status: Status, now: u64) -> Result<(), SyncError> {
        if status.genesis_hash != self.config.genesis_hash {
            self.on_peer_disconnected(&peer);
            return Err(SyncError::GenesisMismatch {
                ours: self.config.genesis_hash,
                theirs: status.genesis_hash,
            });
        }
        let state = self.peers.entry(peer).or_insert(PeerState {
            number: 0,
            head_hash: B256::ZERO,
            in_flight: 0,
            faults: 0,
            timeouts: 0,
            blocks_received: 0,
            last_status_ms: now,
            last_response_ms: 0,
        });
        state.number = status.number;
        state.head_hash = status.head_hash;
        state.last_status_ms = now;
        Ok(())
    }

    /// A peer went away: its shards are asked of others, its queued blocks stay (they
    /// are checked like any other).
    pub fn on_peer_disconnected(&mut self, peer: &P) {
        let shards: Vec<BlockNumber> = self
            .in_flight
            .iter()
            .filter(|(_, s)| s.peer == *peer)
            .map(|(&first, _)| first)
            .collect();
        for first in shards {
            self.remove_shard(first);
        }
        self.peers.remove(peer);
    }

    /// A message from `peer` did not decode. Its outstanding shards are asked of other
    /// peers, since which one it answered cannot be known.
    pub fn on_malformed(&mut self, peer: &P) {
        let shards = self.shards_of(peer);
        for &first in &shards {
            self.fail_shard(first);
        }
        if let Some(state) = self.peers.get_mut(peer) {
            state.faults += 1;
        }
    }

    /// Blocks from `peer`. They must answer a shard outstanding to that peer: start at
    /// its first height, be consecutive, at most as many as asked, and each name the
    /// previous one's hash as parent. Returns how many blocks joined the queue; fewer than
    /// asked leaves the rest to be asked again.
    pub fn on_response(
        &mut self,
        peer: P,
        response: Response,
        now: u64,
    ) -> Result<usize, SyncError> {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.last_response_ms = now;
        }
        let Some(first_block) = response.blocks.first() else {
            return self.empty_response(&peer);
        };
        let first = first_block.header.number;
        let Some(shard) = self.in_flight.get(&first).filter(|s| s.peer == peer) else {
            return Err(SyncError::Unsolicited { first });
        };
        let last = first + shard.count - 1;
        self.remove_shard(first);
        if let Err(reason) = self.check_response(first, last, &response.blocks) {
            self.blame(&peer, first, last);
            return Err(SyncError::BadResponse {
                first,
                last,
                reason,
            });
        }
        let window_end = self.local_number + self.config.max_queue_blocks;
        let mut accepted = 0;
        for block in response.blocks {
            let number = block.header.number;
            if number <= self.local_number
                || number > window_end
                || self.queue.contains_key(&number)
                || self.handed_out.as_ref().is_some_and(|(h, _)| *h == number)
            {
                continue;
            }
            self.queue.insert(
                number,
                Queued {
                    block,
                    from: peer.clone(),
                },
            );
            accepted += 1;
        }
        if let Some(state) = self.peers.get_mut(&peer) {
            state.blocks_received += accepted as u64;
        }
        tracing::trace!(?peer, first, accepted, "sync response queued");
        Ok(accepted)
    }

    /// An empty response: the peer has none of the blocks of one of its shards, though
    /// it announced them. Which shard it answered cannot be known, so all of them are
    /// asked of others, and its height is taken to be below the last one.
    fn empty_response(&mut self, peer: &P) -> Result<usize, SyncError> {
        let shards = self.shards_of(peer);
        let (Some(&first), Some(&last_first)) = (shards.first(), shards.last()) else {
            return Err(SyncError::Unsolicited { first: 0 });
        };
        let last = last_first + self.in_flight[&last_first].count - 1;
        for &shard in &shards {
            self.fail_shard(shard);
        }
        let Some(state) = self.peers.get_mut(peer) else {
            return Err(SyncError::Unsolicited { first });
        };
        let announced = state.number;
        state.faults += 1;
        state.number = state.number.min(last_first - 1);
        Err(SyncError::BadResponse {
            first,
            last,
            reason: format!("empty response, although the peer announced height {announced}"),
        })
    }

    fn check_response(
        &self,
        first: BlockNumber,
        last: BlockNumber,
        blocks: &[Block],
    ) -> Result<(), String> {
        let asked = last - first + 1;
        if blocks.len() as u64 > asked {
            return Err(format!("{} blocks for a request of {asked}", blocks.len()));
        }
        for (i, block) in blocks.iter().enumerate() {
            let expected = first + i as u64;
            if block.header.number != expected {
                return Err(format!(
                    "block at position {i} has height {}, expected {expected}",
                    block.header.number
                ));
            }
        }
        for pair in blocks.windows(2) {
            let hash = pair[0].header.hash(self.suite);
            if pair[1].header.parent_hash != hash {
                return Err(format!(
                    "block {} names parent {}, but block {} hashes to {hash}",
                    pair[1].header.number, pair[1].header.parent_hash, pair[0].header.number
                ));
            }
        }
        Ok(())
    }

    /// Expire the shards whose deadline passed: their peers are noted as slow for those
    /// heights, and the next [`Syncer::poll_requests`] asks other peers. Returns the
    /// expired requests.
    pub fn on_timeout(&mut self, now: u64) -> Vec<(P, Request)> {
        let expired: Vec<BlockNumber> = self
            .in_flight
            .iter()
            .filter(|(_, s)| s.deadline <= now)
            .map(|(&first, _)| first)
            .collect();
        let mut out = Vec::with_capacity(expired.len());
        for first in expired {
            if let Some(shard) = self.remove_shard(first) {
                tracing::debug!(peer = ?shard.peer, first, count = shard.count, "sync request timed out");
                if let Some(state) = self.peers.get_mut(&shard.peer) {
                    state.timeouts += 1;
                }
                self.avoid_range(&shard.peer, first, first + shard.count - 1);
                out.push((
                    shard.peer,
                    Request {
                        first,
                        count: shard.count,
                    },
                ));
            }
        }
        out
    }

    /// When [`Syncer::on_timeout`] has something to do: the earliest deadline.
    pub fn next_timeout(&self) -> Option<u64> {
        self.in_flight.values().map(|s| s.deadline).min()
    }

    /// The requests to send now: every height between the local head and the highest
    /// announced one (at most `max_queue_blocks` ahead) that is neither queued nor asked
    /// for, cut into shards of at most `shard_size` blocks, each given to the least busy
    /// peer that has it (at most `max_shards_per_peer` each, so consecutive shards go to
    /// different peers), preferring peers that have not failed those heights.
    pub fn poll_requests(&mut self, now: u64) -> Vec<(P, Request)> {
        let mut out = Vec::new();
        let target = self.highest_peer_number();
        if target <= self.local_number {
            return out;
        }
        let end = target.min(self.local_number + self.config.max_queue_blocks);
        let mut height = self.local_number + 1;
        while height <= end {
            if self.covered(height) {
                height += 1;
                continue;
            }
            let start = height;
            while height <= end
                && height - start < self.config.shard_size.max(1)
                && !self.covered(height)
            {
                height += 1;
            }
            let wanted = height - start;
            match self.pick_peer(start, wanted) {
                Pick::Peer(peer, count) => {
                    self.in_flight.insert(
                        start,
                        Shard {
                            count,
                            peer: peer.clone(),
                            deadline: now + self.config.request_timeout_ms,
                        },
                    );
                    if let Some(state) = self.peers.get_mut(&peer) {
                        state.in_flight += 1;
                    }
                    out.push((
                        peer,
                        Request {
                            first: start,
                            count,
                        },
                    ));
                    // A peer with fewer blocks got a shorter shard; the rest is
                    // planned next.
                    height = start + count;
                }
                Pick::OnlyAvoided => {
                    // Every peer that has these heights failed them once; forget that,
                    // so the next poll tries them again rather than stall.
                    self.avoid.retain(|&h, _| h < start || h >= start + wanted);
                }
                // Later heights may still suit a peer that is free.
                Pick::Busy => {}
                // Peers announced lower heights than this.
                Pick::NobodyHasIt => break,
            }
        }
        out
    }

    fn pick_peer(&self, start: BlockNumber, wanted: u64) -> Pick<P> {
        let last = start + wanted - 1;
        let mut waiting = false;
        let mut only_avoided = false;
        let mut best: Option<(&P, &PeerState)> = None;
        for (peer, state) in &self.peers {
            if state.number < start {
                continue;
            }
            if self.avoided(peer, start, last) {
                only_avoided = true;
                continue;
            }
            if state.in_flight >= self.config.max_shards_per_peer {
                waiting = true;
                continue;
            }
            let key = |s: &PeerState| (s.in_flight, s.faults + s.timeouts);
            if best.is_none_or(|(_, b)| key(state) < key(b)) {
                best = Some((peer, state));
            }
        }
        match best {
            Some((peer, state)) => {
                let count = wanted.min(state.number - start + 1);
                Pick::Peer(peer.clone(), count)
            }
            None if waiting => Pick::Busy,
            None if only_avoided => Pick::OnlyAvoided,
            None => Pick::NobodyHasIt,
        }
    }

    /// Hand out the block after the local head (`local_number`, `local_hash`), if it is
    /// downloaded and names that head as parent; the driver then checks and commits it
    /// ([`crate::apply_block`]) and reports a refusal with
    /// [`Syncer::on_block_rejected`]. A queued block that does not extend the head is
    /// dropped and its sender blamed.
    pub fn next_ready(&mut self, local_number: BlockNumber, local_hash: B256) -> Option<Block> {
        self.on_local_head(local_number, local_hash);
        self.handed_out = None;
        let number = local_number + 1;
        let queued = self.queue.remove(&number)?;
        if queued.block.header.parent_hash != local_hash {
            let error = SyncError::ParentMismatch {
                number,
                parent: queued.block.header.parent_hash,
                head: local_hash,
            };
            self.punish(&queued.from, number, error);
            return None;
        }
        self.handed_out = Some((number, queued.from));
        Some(queued.block)
    }

    /// The block of height `number` handed out by [`Syncer::next_ready`] was refused
    /// for `error`. If the error is the peer's fault, the peer is blamed, every block
    /// queued from it is dropped, and the heights are asked of other peers. Returns the
    /// blamed peer.
    pub fn on_block_rejected(&mut self, number: BlockNumber, error: SyncError) -> Option<P> {
        let (handed, peer) = self.handed_out.take()?;
        if handed != number {
            self.handed_out = Some((handed, peer));
            return None;
        }
        if !error.is_peer_fault() {
            return None;
        }
        self.punish(&peer, number, error);
        Some(peer)
    }

    fn punish(&mut self, peer: &P, number: BlockNumber, error: SyncError) {
        tracing::warn!(?peer, number, %error, "block from peer refused");
        self.blame(peer, number, number);
        // A peer that sent one bad block is not trusted for the others it sent.
        self.queue.retain(|_, q| q.from != *peer);
        self.rejected.push(Rejection {
            peer: peer.clone(),
            number,
            error,
        });
    }

    /// Check and commit every downloaded block that is ready, in order, on `ledger`
    /// with `executor`; refused blocks are asked of other peers. Stops at the first gap.
    /// A fatal error (ledger, executor) is returned as such; the driver must stop.
    pub fn apply_ready<S: Storage>(
        &mut self,
        ledger: &Ledger<S>,
        executor: &Executor,
    ) -> Result<ApplyReport<P>, SyncError> {
        let mut report = ApplyReport::default();
        while let Some(block) = self.next_ready(ledger.block_number(), ledger.head_hash()) {
            let number = block.header.number;
            match apply_block(ledger, executor, block) {
                Ok(applied) => report.applied.push(applied),
                Err(e) if e.is_peer_fault() => {
                    self.on_block_rejected(number, e);
                }
                // The head moved under us (consensus committed); `next_ready` follows.
                Err(SyncError::NotNext { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.on_local_head(ledger.block_number(), ledger.head_hash());
        report.rejected = std::mem::take(&mut self.rejected);
        Ok(report)
    }

    /// The state for `getSyncStatus`.
    pub fn status(&self) -> SyncStatus<P> {
        let highest = self.highest_peer_number().max(self.local_number);
        SyncStatus {
            local_number: self.local_number,
            local_hash: self.local_hash,
            highest_peer_number: highest,
            syncing: highest > self.local_number,
            queue_len: self.queue.len(),
            in_flight_blocks: self.in_flight.values().map(|s| s.count).sum(),
            peers: self
                .peers
                .iter()
                .map(|(peer, s)| PeerStatus {
                    peer: peer.clone(),
                    number: s.number,
                    head_hash: s.head_hash,
                    in_flight: s.in_flight,
                    faults: s.faults,
                    timeouts: s.timeouts,
                    blocks_received: s.blocks_received,
                    last_status_ms: s.last_status_ms,
                    last_response_ms: s.last_response_ms,
                })
                .collect(),
        }
    }

    /// Refusals noted by [`Syncer::next_ready`] (blocks that did not extend the head)
    /// since the last call; [`Syncer::apply_ready`] returns them in its report.
    pub fn take_rejections(&mut self) -> Vec<Rejection<P>> {
        std::mem::take(&mut self.rejected)
    }

    /// The highest head a peer announced (0 without peers); unlike
    /// [`SyncStatus::highest_peer_number`], not raised to the local head.
    pub fn highest_peer_number(&self) -> BlockNumber {
        self.peers.values().map(|p| p.number).max().unwrap_or(0)
    }

    /// How many downloaded blocks wait in the queue.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Whether `height` is queued, asked for, or being applied.
    fn covered(&self, height: BlockNumber) -> bool {
        self.queue.contains_key(&height)
            || self.handed_out.as_ref().is_some_and(|(h, _)| *h == height)
            || self
                .in_flight
                .range(..=height)
                .next_back()
                .is_some_and(|(&first, s)| height < first + s.count)
    }

    fn shards_of(&self, peer: &P) -> Vec<BlockNumber> {
        self.in_flight
            .iter()
            .filter(|(_, s)| s.peer == *peer)
            .map(|(&first, _)| first)
            .collect()
    }

    fn remove_shard(&mut self, first: BlockNumber) -> Option<Shard<P>> {
        let shard = self.in_flight.remove(&first)?;
        if let Some(state) = self.peers.get_mut(&shard.peer) {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        Some(shard)
    }

    fn fail_shard(&mut self, first: BlockNumber) {
        if let Some(shard) = self.remove_shard(first) {
            self.avoid_range(&shard.peer, first, first + shard.count - 1);
        }
    }

    /// Count a fault against `peer` and avoid it for `first..=last`.
    fn blame(&mut self, peer: &P, first: BlockNumber, last: BlockNumber) {
        if let Some(state) = self.peers.get_mut(peer) {
            state.faults += 1;
        }
        self.avoid_range(peer, first, last);
    }

    fn avoid_range(&mut self, peer: &P, first: BlockNumber, last: BlockNumber) {
        for height in first.max(self.local_number + 1)..=last {
            self.avoid.entry(height).or_default().insert(peer.clone());
        }
    }

    fn avoided(&self, peer: &P, first: BlockNumber, last: BlockNumber) -> bool {
        self.avoid
            .range(first..=last)
            .any(|(_, peers)| peers.contains(peer))
    }
}

enum Pick<P> {
    /// Ask this peer for this many blocks.
    Peer(P, u64),
    /// Every peer that has the heights failed them before.
    OnlyAvoided,
    /// The peers that have the heights and did not fail them have their shards out.
    Busy,
    /// No peer announced these heights.
    NobodyHasIt,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_types::BlockHeader;

    const A: u8 = 1;
    const B: u8 = 2;
    const C: u8 = 3;

    fn suite() -> &'static dyn CryptoSuite {
        SuiteId::Standard.suite()
    }

    /// Blocks 0..=n whose headers link by hash (no signatures: the syncer does not check
    /// them, `apply_block` does).
    fn chain(n: u64) -> Vec<Block> {
        let mut blocks: Vec<Block> = Vec::new();
        for number in 0..=n {
            let parent_hash = blocks.last().map_or(B256::ZERO, |b| b.header.hash(suite()));
            blocks.push(Block {
                header: BlockHeader {
                    number,
                    parent_hash,
                    ..Default::default()
                },
                ..Default::default()
            });
        }
        blocks
    }

    fn genesis_hash(blocks: &[Block]) -> B256 {
        blocks[0].header.hash(suite())
    }

    fn syncer(blocks: &[Block]) -> Syncer<u8> {
        let genesis = genesis_hash(blocks);
        Syncer::new(SyncConfig::new(SuiteId::Standard, genesis), 0, genesis)
    }

    fn status(blocks: &[Block], number: u64) -> Status {
        Status {
            number,
            head_hash: blocks[number as usize].header.hash(suite()),
            genesis_hash: genesis_hash(blocks),
        }
    }

    fn answer(blocks: &[Block], r: &Request) -> Response {
        Response {
            blocks: blocks[r.first as usize..=r.last() as usize].to_vec(),
        }
    }

    #[test]
    fn gap_is_cut_into_interleaved_shards_of_eight_at_most_two_per_peer() {
        let blocks = chain(100);
        let mut s = syncer(&blocks);
        for p in [A, B, C] {
            s.on_status(p, status(&blocks, 100), 0).unwrap();
        }
        let requests = s.poll_requests(0);
        let expected: Vec<(u8, Request)> = [A, B, C, A, B, C]
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p,
                    Request {
                        first: 1 + 8 * i as u64,
                        count: 8,
                    },
                )
            })
            .collect();
        assert_eq!(requests, expected);
        // Everyone has two shards out: nothing more until something comes back.
        assert!(s.poll_requests(1).is_empty());
        assert_eq!(s.status().in_flight_blocks, 48);
        assert_eq!(s.next_timeout(), Some(1_600));
        // B answers its first shard; B gets the next one.
        assert_eq!(
            s.on_response(B, answer(&blocks, &requests[1].1), 5)
                .unwrap(),
            8
        );
        assert_eq!(
            s.poll_requests(5),
            vec![(
                B,
                Request {
                    first: 49,
                    count: 8
                }
            )]
        );
    }

    #[test]
    fn a_peer_with_fewer_blocks_gets_a_shorter_shard() {
        let blocks = chain(20);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 3), 0).unwrap();
        assert_eq!(
            s.poll_requests(0),
            vec![(A, Request { first: 1, count: 3 })]
        );
        s.on_status(B, status(&blocks, 20), 0).unwrap();
        assert_eq!(
            s.poll_requests(0),
            vec![
                (B, Request { first: 4, count: 8 }),
                (
                    B,
                    Request {
                        first: 12,
                        count: 8
                    }
                ),
            ]
        );
    }

    #[test]
    fn peers_of_another_chain_are_ignored() {
        let blocks = chain(10);
        let mut s = syncer(&blocks);
        let mut other = status(&blocks, 10);
        other.genesis_hash = B256::repeat_byte(7);
        let err = s.on_status(A, other, 0).unwrap_err();
        assert!(matches!(err, SyncError::GenesisMismatch { .. }), "{err}");
        assert!(err.is_peer_fault());
        assert!(s.poll_requests(0).is_empty());
        assert!(s.status().peers.is_empty());
        assert!(!s.status().syncing);
    }

    #[test]
    fn timed_out_shards_go_to_another_peer() {
        let blocks = chain(16);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 16), 0).unwrap();
        s.on_status(B, status(&blocks, 16), 0).unwrap();
        let first = s.poll_requests(0);
        assert_eq!(
            first,
            vec![
                (A, Request { first: 1, count: 8 }),
                (B, Request { first: 9, count: 8 }),
            ]
        );
        assert!(s.on_timeout(1_599).is_empty());
        // B answers; A stays silent.
        s.on_response(B, answer(&blocks, &first[1].1), 100).unwrap();
        assert_eq!(
            s.on_timeout(1_600),
            vec![(A, Request { first: 1, count: 8 })]
        );
        assert_eq!(
            s.poll_requests(1_600),
            vec![(B, Request { first: 1, count: 8 })]
        );
        // A's late answer is dropped, not counted as a fault.
        let late = s.on_response(A, answer(&blocks, &first[0].1), 1_700);
        assert!(matches!(late, Err(SyncError::Unsolicited { first: 1 })));
        let a = &s.status().peers[0];
        assert_eq!((a.timeouts, a.faults), (1, 0));
    }

    #[test]
    fn bad_responses_are_blamed_and_asked_elsewhere() {
        let blocks = chain(8);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 8), 0).unwrap();
        s.on_status(B, status(&blocks, 8), 0).unwrap();
        let request = s.poll_requests(0);
        assert_eq!(request, vec![(A, Request { first: 1, count: 8 })]);
        // A skips block 4.
        let mut gap = answer(&blocks, &request[0].1);
        gap.blocks.remove(3);
        let err = s.on_response(A, gap, 1).unwrap_err();
        assert!(
            err.to_string()
                .contains("block at position 3 has height 5, expected 4"),
            "{err}"
        );
        assert_eq!(
            s.poll_requests(1),
            vec![(B, Request { first: 1, count: 8 })]
        );
        // B sends a block whose parent is not the previous one.
        let mut unlinked = answer(&blocks, &Request { first: 1, count: 8 });
        unlinked.blocks[5].header.parent_hash = B256::repeat_byte(1);
        let err = s.on_response(B, unlinked, 2).unwrap_err();
        assert!(err.to_string().contains("block 6 names parent"), "{err}");
        // Both failed those heights: rather than stall, they are tried again.
        assert!(s.poll_requests(2).is_empty());
        assert_eq!(
            s.poll_requests(3),
            vec![(A, Request { first: 1, count: 8 })]
        );
        // An empty answer from a peer that announced the blocks is a fault too.
        let err = s.on_response(A, Response::default(), 5).unwrap_err();
        assert!(
            err.to_string()
                .contains("empty response, although the peer announced height 8"),
            "{err}"
        );
        let faults: Vec<u64> = s.status().peers.iter().map(|p| p.faults).collect();
        assert_eq!(faults, [2, 1]);
    }

    #[test]
    fn queue_stays_within_its_bound_and_hands_out_in_order() {
        let blocks = chain(400);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 400), 0).unwrap();
        s.on_status(B, status(&blocks, 400), 0).unwrap();
        // Nothing is applied: the queue fills up to 256 blocks and stops there.
        for step in 0..100 {
            let requests = s.poll_requests(step);
            for (peer, r) in &requests {
                assert!(r.last() <= 256, "request past the window: {r:?}");
                s.on_response(*peer, answer(&blocks, r), step).unwrap();
            }
            let st = s.status();
            assert!(st.queue_len as u64 + st.in_flight_blocks <= 256);
            if requests.is_empty() {
                break;
            }
        }
        assert_eq!(s.status().queue_len, 256);
        assert!(s.poll_requests(1_000).is_empty());
        // Taking blocks off the front opens the window again.
        let mut head = (0u64, genesis_hash(&blocks));
        for expected in 1..=10 {
            let block = s.next_ready(head.0, head.1).unwrap();
            assert_eq!(block.header.number, expected);
            head = (expected, block.header.hash(suite()));
        }
        s.on_local_head(head.0, head.1);
        assert_eq!(s.status().queue_len, 246);
        let more = s.poll_requests(1_001);
        assert_eq!(
            more,
            vec![
                (
                    A,
                    Request {
                        first: 257,
                        count: 8
                    }
                ),
                (
                    B,
                    Request {
                        first: 265,
                        count: 2
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_block_that_does_not_extend_the_head_is_dropped_and_refetched() {
        let blocks = chain(8);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 8), 0).unwrap();
        s.on_status(B, status(&blocks, 8), 0).unwrap();
        let r = s.poll_requests(0);
        s.on_response(A, answer(&blocks, &r[0].1), 1).unwrap();
        // The local head is another block 0 than the one the peer's block 1 names.
        assert!(s.next_ready(0, B256::repeat_byte(9)).is_none());
        let rejected = s.take_rejections();
        assert_eq!(rejected.len(), 1);
        assert_eq!((rejected[0].peer, rejected[0].number), (A, 1));
        assert!(matches!(
            rejected[0].error,
            SyncError::ParentMismatch { .. }
        ));
        // A's other blocks are dropped with it; B is asked.
        assert_eq!(s.status().queue_len, 0);
        assert_eq!(
            s.poll_requests(2),
            vec![(B, Request { first: 1, count: 8 })]
        );
    }

    #[test]
    fn a_refused_block_blames_its_sender_only_for_peer_faults() {
        let blocks = chain(8);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 8), 0).unwrap();
        let r = s.poll_requests(0);
        s.on_response(A, answer(&blocks, &r[0].1), 1).unwrap();
        let genesis = genesis_hash(&blocks);
        let block = s.next_ready(0, genesis).unwrap();
        let not_fault = SyncError::NotNext {
            expected: 2,
            got: 1,
        };
        assert_eq!(s.on_block_rejected(block.header.number, not_fault), None);
        let block = s.next_ready(1, block.header.hash(suite())).unwrap();
        assert_eq!(block.header.number, 2);
        let fault = SyncError::SealerListMismatch { number: 2 };
        assert_eq!(s.on_block_rejected(2, fault), Some(A));
        assert_eq!(s.status().peers[0].faults, 1);
        assert_eq!(s.status().queue_len, 0);
    }

    #[test]
    fn malformed_messages_and_empty_answers_release_the_peers_shards() {
        let blocks = chain(16);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 16), 0).unwrap();
        s.on_status(B, status(&blocks, 16), 0).unwrap();
        assert_eq!(s.poll_requests(0).len(), 2);
        s.on_malformed(&A);
        assert_eq!(s.status().peers[0].faults, 1);
        assert_eq!(
            s.poll_requests(1),
            vec![(B, Request { first: 1, count: 8 })]
        );
        // B answers nothing: it evidently has less than it announced.
        assert!(s.on_response(B, Response::default(), 2).is_err());
        let b = &s.status().peers[1];
        assert_eq!((b.faults, b.number), (1, 8));
        // A takes blocks 9..=16 at once; both peers failed 1..=8, so that shard waits a
        // poll (the avoidance is forgotten rather than stall) and then goes to the less
        // busy one (B may have answered its other shard empty).
        assert_eq!(
            s.poll_requests(3),
            vec![(A, Request { first: 9, count: 8 })]
        );
        assert_eq!(
            s.poll_requests(4),
            vec![(B, Request { first: 1, count: 8 })]
        );
    }

    #[test]
    fn a_disconnected_peer_releases_its_shards() {
        let blocks = chain(16);
        let mut s = syncer(&blocks);
        s.on_status(A, status(&blocks, 16), 0).unwrap();
        assert_eq!(s.poll_requests(0).len(), 2);
        s.on_peer_disconnected(&A);
        s.on_status(B, status(&blocks, 16), 0).unwrap();
        assert_eq!(s.poll_requests(0).len(), 2);
        assert_eq!(s.status().peers.len(), 1);
    }
}
