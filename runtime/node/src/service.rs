//! A node joined to its chain: the QUIC network, the consensus and sync driver, and the
//! transaction broadcast, as tokio tasks around a [`Node`].
//!
//! ```text
//!                      ┌─ router ─┬─ Consensus, BlockSync ─▶ driver (PBFT core + syncer)
//!  Network::start ─────┤          ├─ TxSync Push ─▶ push task ─▶ pool (no re-send)
//!   inbound channel    │          │   (never waits: dropped when the queue is full)
//!                      │          └─ TxSync Request/Response ─▶ fetch task:
//!                      │                Request ─▶ bodies from pool/ledger
//!                      │                Response ─▶ pool + driver
//!  Node::submit (RPC) ─┴─▶ relay task ─▶ Push to the other consensus nodes (batched)
//! ```
//!
//! The router never waits for transaction sync: consensus messages must not queue behind
//! signature checks of pushed transactions (see [`route`]).
//!
//! [`NodeService::start`] starts them on the current tokio runtime;
//! [`NodeService::shutdown`] stops them and the network. Every node runs PBFT, a chain of
//! one node included (the core then decides alone); an observer runs the same tasks and
//! never votes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use weft_ledger::LedgerError;
use weft_network::{Admission, Inbound, Module, Network, NetworkConfig, SendError};
use weft_types::{NodeId, Transaction, VerifiedTx};

use crate::driver::{Driver, DriverConfig, DriverInputs, Event, FetchedTx};
use crate::node::Node;
use crate::txsync::{TxSyncLimits, TxSyncMessage};
use crate::votes::VoteLogError;

/// A response to a transaction fetch carries at most this many bytes (the rest is asked
/// for again).
const FETCH_RESPONSE_BUDGET: usize = 8 << 20;

/// Bytes of pushed transactions waiting for admission; pushes beyond are dropped (see
/// [`route`]). About 20,000 ERC20 transfers: seconds of admission on a small machine.
const PUSH_QUEUE_BYTES: usize = 4 << 20;

/// Pushed messages waiting for admission (the byte bound usually binds first).
const PUSH_QUEUE: usize = 4096;

/// Fetch requests and responses waiting for the fetch task.
const FETCH_QUEUE: usize = 1024;

/// How a node reaches its peers.
#[derive(Clone)]
pub struct P2pConfig {
    /// The UDP address QUIC listens on.
    pub listen: SocketAddr,
    /// The peers' addresses, dialled and redialled while disconnected.
    pub peers: Vec<SocketAddr>,
    /// This node's TLS certificate (PEM), issued by the chain CA for its node id.
    pub node_cert_pem: String,
    /// The certificate's private key (PEM).
    pub node_key_pem: String,
    /// The chain CA's certificate (PEM).
    pub ca_cert_pem: String,
    /// If not empty, only these nodes are admitted (besides the node-list rule).
    pub whitelist: Vec<NodeId>,
    /// These nodes are never admitted.
    pub blacklist: Vec<NodeId>,
    /// Inbound handshakes that may run at once (`[p2p] max_inbound_handshakes`).
    pub max_inbound_handshakes: usize,
}

impl std::fmt::Debug for P2pConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("P2pConfig")
            .field("listen", &self.listen)
            .field("peers", &self.peers)
            .field("whitelist", &self.whitelist.len())
            .field("blacklist", &self.blacklist.len())
            .field("max_inbound_handshakes", &self.max_inbound_handshakes)
            .finish_non_exhaustive()
    }
}

/// Why a node could not join its chain.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The network did not start (certificates, address).
    #[error("cannot start the P2P network: {0}")]
    Network(#[from] weft_network::StartError),
    /// The TLS certificate is for another node.
    #[error("the TLS certificate names node {cert}, but the node key is {key}; issue the certificate for this node's key (as `weft chain new` does)")]
    CertificateMismatch {
        /// The id in the certificate.
        cert: String,
        /// The node key's id.
        key: String,
    },
    /// The consensus core refused its configuration or its vote records.
    #[error("consensus cannot start: {0}")]
    Consensus(#[from] weft_consensus::ConfigError),
    /// The vote log failed.
    #[error(transparent)]
    Votes(#[from] VoteLogError),
    /// Block sync could not read the node list.
    #[error(transparent)]
    Sync(#[from] weft_sync::SyncError),
}

/// A running node's network, consensus and sync. Stop it with [`NodeService::shutdown`];
/// dropping the handle stops the consensus driver, but the network runs on until the
/// tokio runtime ends.
pub struct NodeService {
    node: Node,
    network: Network,
    stop: watch::Sender<bool>,
    driver: Option<JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for NodeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeService")
            .field("network", &self.network)
            .finish_non_exhaustive()
    }
}

/// The ids of a node list, for admission.
pub(crate) fn member_ids(nodes: &weft_ledger::NodeList) -> Vec<NodeId> {
    nodes
        .sealers
        .iter()
        .map(|s| s.node_id)
        .chain(nodes.observers.iter().copied())
        .collect()
}

impl NodeService {
    /// Start the network with `p2p`, restore consensus from the vote log, and run the
    /// driver, the router, the transaction-sync task and the relay.
    pub async fn start(node: Node, p2p: P2pConfig) -> Result<NodeService, ServiceError> {
        let ledger = node.ledger();
        let nodes = ledger.node_list(ledger.block_number() + 1)?;
        let admission = Admission::open();
        admission.set_node_list(member_ids(&nodes));
        admission.set_whitelist(p2p.whitelist);
        admission.set_blacklist(p2p.blacklist);
        let mut config = NetworkConfig::new(
            p2p.listen,
            p2p.node_cert_pem,
            p2p.node_key_pem,
            p2p.ca_cert_pem,
            ledger.genesis().group_id.clone(),
        );
        config.peers = p2p.peers;
        config.admission = admission;
        config.max_inbound_handshakes = p2p.max_inbound_handshakes;
        let (network, inbound) = Network::start(config).await?;
        if network.local_id() != node.node_id() {
            network.shutdown().await;
            return Err(ServiceError::CertificateMismatch {
                cert: hex::encode(network.local_id()),
                key: hex::encode(node.node_id()),
            });
        }
        let (events_tx, events_rx) = mpsc::channel(4096);
        let (stop_tx, stop_rx) = watch::channel(false);
        let inputs = DriverInputs {
            events: events_rx,
            peer_events: network.subscribe(),
            stop: stop_rx,
        };
        let (driver, initial) = match Driver::new(
            node.clone(),
            network.clone(),
            inputs,
            DriverConfig::new(node.min_seal_time()),
        ) {
            Ok(d) => d,
            Err(e) => {
                network.shutdown().await;
                return Err(e);
            }
        };
        let (push_tx, push_rx) = mpsc::channel(PUSH_QUEUE);
        let push_bytes = Arc::new(AtomicUsize::new(0));
        let (fetch_tx, fetch_rx) = mpsc::channel(FETCH_QUEUE);
        let (relay_tx, relay_rx) = mpsc::channel(1 << 16);
        node.attach(Some(network.clone()), Some(relay_tx));
        let tasks = vec![
            tokio::spawn(route(
                inbound,
                events_tx.clone(),
                PushQueue {
                    tx: push_tx,
                    bytes: push_bytes.clone(),
                },
                fetch_tx,
            )),
            tokio::spawn(tx_push(node.clone(), push_rx, push_bytes)),
            tokio::spawn(tx_fetch(node.clone(), network.clone(), fetch_rx, events_tx)),
            tokio::spawn(relay(node.clone(), network.clone(), relay_rx)),
        ];
        let driver = tokio::spawn(driver.run(initial));
        tracing::info!(
            node = %hex::encode(node.node_id()),
            p2p = %network.local_addr(),
            height = node.ledger().block_number(),
            "node joined its chain"
        );
        Ok(NodeService {
            node,
            network,
            stop: stop_tx,
            driver: Some(driver),
            tasks,
        })
    }

    /// The node.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The address QUIC listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.network.local_addr()
    }

    /// Wait until the consensus driver stops (only a fatal error stops it before
    /// [`NodeService::shutdown`]).
    pub async fn stopped(&mut self) {
        if let Some(driver) = &mut self.driver {
            let _ = driver.await;
            self.driver = None;
        }
    }

    /// Stop the driver, the tasks and the network (peers see "node shutting down"). Votes
    /// are on disk and blocks in the ledger; a new [`NodeService`] on a reopened node
    /// takes up from there.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(driver) = self.driver.take() {
            let _ = driver.await;
        }
        self.node.attach(None, None);
        self.network.shutdown().await;
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
        self.node.publish_live(None);
    }
}

/// Hand each message to the task of its module.
///
/// Consensus and block-sync messages wait for room in the driver's channel: that is the
/// back-pressure of the modules that make the chain progress. Transaction-sync messages
/// never make the router wait: a router blocked behind transaction admission (signature
/// checks, the one expensive step) would hold every consensus message behind it, and a
/// loaded chain would slow down block after block until its view changes could no longer
/// get through. A push that finds its queue full is dropped (its transactions stay in the
/// pool of the node that relayed them, and a replica fetches what a proposal needs); a
/// fetch request or response that finds its queue full is dropped too (the requester asks
/// again after its fetch timeout).
async fn route(
    mut inbound: mpsc::Receiver<Inbound>,
    events: mpsc::Sender<Event>,
    pushes: PushQueue,
    fetches: mpsc::Sender<(NodeId, bytes::Bytes)>,
) {
    let mut dropped_pushes = 0u64;
    while let Some(message) = inbound.recv().await {
        let delivered = match message.module {
            Module::Consensus => events
                .send(Event::Consensus {
                    from: message.from,
                    payload: message.payload,
                })
                .await
                .is_ok(),
            Module::BlockSync => events
                .send(Event::BlockSync {
                    from: message.from,
                    payload: message.payload,
                })
                .await
                .is_ok(),
            Module::TxSync if TxSyncMessage::is_push(&message.payload) => {
                match pushes.offer(message.from, message.payload) {
                    Offer::Queued => true,
                    Offer::Full => {
                        dropped_pushes += 1;
                        if dropped_pushes.is_power_of_two() {
                            tracing::info!(
                                dropped = dropped_pushes,
                                "transaction admission is behind; pushes from peers dropped (their transactions are fetched if a proposal needs them)"
                            );
                        }
                        true
                    }
                    Offer::Closed => false,
                }
            }
            Module::TxSync => match fetches.try_send((message.from, message.payload)) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full((from, _))) => {
                    tracing::debug!(peer = %short(&from), "transaction fetch traffic dropped; queue full");
                    true
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            },
            other => {
                tracing::debug!(module = ?other, "no handler for the module; message dropped");
                true
            }
        };
        if !delivered {
            break;
        }
    }
}

/// The first 4 bytes of a node id in hex, for logs.
pub(crate) fn short(id: &NodeId) -> String {
    hex::encode(&id[..4])
}

/// The router's side of the push queue: bounded by bytes as well as by messages, since a
/// push may carry one transaction or thousands.
struct PushQueue {
    tx: mpsc::Sender<(NodeId, bytes::Bytes)>,
    /// Bytes queued and not yet taken by [`tx_push`].
    bytes: Arc<AtomicUsize>,
}

enum Offer {
    Queued,
    Full,
    Closed,
}

impl PushQueue {
    fn offer(&self, from: NodeId, payload: bytes::Bytes) -> Offer {
        let len = payload.len();
        let queued = self.bytes.load(Ordering::Relaxed);
        // An empty queue takes any push, so that one larger than the bound still passes.
        if queued > 0 && queued + len > PUSH_QUEUE_BYTES {
            return Offer::Full;
        }
        match self.tx.try_send((from, payload)) {
            Ok(()) => {
                self.bytes.fetch_add(len, Ordering::Relaxed);
                Offer::Queued
            }
            Err(mpsc::error::TrySendError::Full(_)) => Offer::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Offer::Closed,
        }
    }
}

/// Transactions pushed by peers (admitted through their RPC): admitted here, never sent
/// on.
async fn tx_push(
    node: Node,
    mut messages: mpsc::Receiver<(NodeId, bytes::Bytes)>,
    queued_bytes: Arc<AtomicUsize>,
) {
    let limits = TxSyncLimits::DEFAULT;
    while let Some((from, payload)) = messages.recv().await {
        queued_bytes.fetch_sub(payload.len(), Ordering::Relaxed);
        let txs = match TxSyncMessage::decode(&payload, &limits) {
            Ok(TxSyncMessage::Push(txs)) => txs,
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!(peer = %short(&from), error = %e, "malformed transaction-sync message dropped");
                continue;
            }
        };
        let node = node.clone();
        let raws: Vec<Vec<u8>> = txs.into_iter().map(|t| t.to_vec()).collect();
        let Ok(results) = tokio::task::spawn_blocking(move || node.admit_from_peer(&raws)).await
        else {
            continue;
        };
        let mut admitted = 0usize;
        for result in results {
            match result {
                Ok(_) => admitted += 1,
                // A peer forwards what RPC admitted; a bad signature or bytes that do not
                // decode are its fault.
                Err(
                    e @ (weft_txpool::TxRejection::Malformed(_)
                    | weft_txpool::TxRejection::InvalidSignature(_)),
                ) => {
                    tracing::warn!(peer = %short(&from), error = %e, "invalid transaction from peer dropped")
                }
                Err(e) => {
                    tracing::debug!(peer = %short(&from), error = %e, "transaction from peer not admitted")
                }
            }
        }
        tracing::trace!(peer = %short(&from), admitted, "transactions from peer");
    }
}

/// Fetches of proposals' transactions: requests answered from the pool or the ledger,
/// responses admitted and handed to the driver. Separate from [`tx_push`] so that a
/// proposal's missing transactions never wait behind the admission of pushed ones.
async fn tx_fetch(
    node: Node,
    network: Network,
    mut messages: mpsc::Receiver<(NodeId, bytes::Bytes)>,
    events: mpsc::Sender<Event>,
) {
    let limits = TxSyncLimits::DEFAULT;
    while let Some((from, payload)) = messages.recv().await {
        match TxSyncMessage::decode(&payload, &limits) {
            Err(e) => {
                tracing::warn!(peer = %short(&from), error = %e, "malformed transaction-sync message dropped")
            }
            Ok(TxSyncMessage::Push(_)) => {}
            Ok(TxSyncMessage::Request { id, hashes }) => {
                let mut txs = Vec::new();
                let mut size = 0usize;
                for hash in &hashes {
                    let raw = match node.pool().get(hash) {
                        Some(tx) => Some(tx.tx().encode()),
                        None => node
                            .ledger()
                            .transaction(hash)
                            .ok()
                            .flatten()
                            .map(|(tx, _)| tx.tx().encode()),
                    };
                    let Some(raw) = raw else { continue };
                    if size + raw.len() > FETCH_RESPONSE_BUDGET && !txs.is_empty() {
                        break;
                    }
                    size += raw.len();
                    txs.push(raw.into());
                }
                tracing::debug!(peer = %short(&from), asked = hashes.len(), found = txs.len(), "serving transactions");
                let bytes = TxSyncMessage::Response { id, txs }.encode();
                if let Err(e) = network.send(from, Module::TxSync, bytes.into()) {
                    tracing::debug!(peer = %short(&from), error = %e, "transactions not sent");
                }
            }
            Ok(TxSyncMessage::Response { txs, .. }) => {
                let node = node.clone();
                let raws: Vec<Vec<u8>> = txs.into_iter().map(|t| t.to_vec()).collect();
                let Ok(fetched) =
                    tokio::task::spawn_blocking(move || admit_fetched(&node, &raws, &from)).await
                else {
                    continue;
                };
                if events.send(Event::Fetched(fetched)).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Admit fetched transactions through the pool's checks; each comes back verified with
/// the pool's verdict (already pooled counts as admitted).
fn admit_fetched(node: &Node, raws: &[Vec<u8>], from: &NodeId) -> Vec<FetchedTx> {
    let results = node.admit_from_peer(raws);
    let pool = node.pool();
    let suite = node.ledger().suite();
    let mut out = Vec::with_capacity(raws.len());
    for (raw, result) in raws.iter().zip(results) {
        if let Some(tx) = result.as_ref().ok().and_then(|hash| pool.get(hash)) {
            out.push(FetchedTx { tx, rejected: None });
            continue;
        }
        let verified: Result<VerifiedTx, String> = Transaction::decode(raw, &pool.config().limits)
            .map_err(|e| e.to_string())
            .and_then(|tx| tx.verify(suite).map_err(|e| e.to_string()));
        match verified {
            Ok(tx) => {
                let rejected = if pool.contains(&tx.hash()) {
                    None
                } else {
                    result.err().map(|e| e.to_string())
                };
                out.push(FetchedTx { tx, rejected });
            }
            Err(e) => {
                tracing::warn!(peer = %short(from), error = %e, "invalid fetched transaction dropped")
            }
        }
    }
    out
}

/// Send transactions admitted through RPC to the other consensus nodes, batched. A batch
/// a sealer could not take (not connected yet, queue full) is kept for it, a bounded
/// while, and sent again when the next batch goes out or on the retry tick: a transaction
/// held by one node only is proposed only when that node leads, and a chain whose other
/// nodes see nothing pending does not rotate its leader.
async fn relay(node: Node, network: Network, mut txs: mpsc::Receiver<alloy_primitives::Bytes>) {
    const MAX_BATCH: usize = 1024;
    const MAX_BATCH_BYTES: usize = 4 << 20;
    const MAX_HELD_BATCHES: usize = 64;
    const HOLD_FOR: std::time::Duration = std::time::Duration::from_secs(60);
    // A batch waits this long for more transactions: each push costs every peer a message,
    // a queue slot and a trip to the blocking pool, whatever its size, and under load RPC
    // admits transactions a few at a time.
    const LINGER: std::time::Duration = std::time::Duration::from_millis(5);
    let me = node.node_id();
    let mut held: std::collections::HashMap<
        NodeId,
        std::collections::VecDeque<(std::time::Instant, bytes::Bytes)>,
    > = std::collections::HashMap::new();
    let mut retry = tokio::time::interval(std::time::Duration::from_millis(500));
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let batch = tokio::select! {
            first = txs.recv() => match first {
                Some(first) => {
                    let mut size = first.len();
                    let mut batch = vec![first];
                    let until = tokio::time::Instant::now() + LINGER;
                    while batch.len() < MAX_BATCH && size < MAX_BATCH_BYTES {
                        let tx = match txs.try_recv() {
                            Ok(tx) => tx,
                            Err(_) => match tokio::time::timeout_at(until, txs.recv()).await {
                                Ok(Some(tx)) => tx,
                                _ => break,
                            },
                        };
                        size += tx.len();
                        batch.push(tx);
                    }
                    Some(batch)
                }
                None => return,
            },
            _ = retry.tick(), if !held.is_empty() => None,
        };
        let ledger = node.ledger();
        let sealers = match ledger.node_list(ledger.block_number() + 1) {
            Ok(nodes) => nodes.sealers,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the node list; transactions not relayed");
                continue;
            }
        };
        let message: Option<bytes::Bytes> =
            batch.map(|batch| TxSyncMessage::Push(batch).encode().into());
        let now = std::time::Instant::now();
        held.retain(|id, _| sealers.iter().any(|s| s.node_id == *id));
        for sealer in sealers.iter().filter(|s| s.node_id != me) {
            let queue = held.entry(sealer.node_id).or_default();
            queue.retain(|(at, _)| now.duration_since(*at) < HOLD_FOR);
            if let Some(message) = &message {
                if queue.len() == MAX_HELD_BATCHES {
                    queue.pop_front();
                }
                queue.push_back((now, message.clone()));
            }
            while let Some((_, next)) = queue.front() {
                match network.send(sealer.node_id, Module::TxSync, next.clone()) {
                    Ok(()) => {
                        queue.pop_front();
                    }
                    Err(SendError::NotConnected(_) | SendError::QueueFull { .. }) => break,
                    Err(e) => {
                        tracing::debug!(peer = %short(&sealer.node_id), error = %e, "transactions not relayed");
                        queue.pop_front();
                    }
                }
            }
        }
        held.retain(|_, queue| !queue.is_empty());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn inbound(module: Module, payload: Vec<u8>) -> Inbound {
        Inbound {
            from: NodeId::repeat_byte(1),
            module,
            payload: payload.into(),
        }
    }

    /// The stall of a loaded four-node chain: transaction admission fell behind, the
    /// router waited for room in the transaction-sync queue, and the consensus messages
    /// behind it (prepares, commits, view changes) waited with it. Now pushes that find no
    /// room are dropped and consensus messages pass.
    #[tokio::test]
    async fn consensus_messages_pass_while_transaction_admission_is_stuck() {
        let (inbound_tx, inbound_rx) = mpsc::channel(16);
        let (events_tx, mut events_rx) = mpsc::channel(16);
        // Nobody admits pushes or serves fetches: both queues stay full.
        let (push_tx, _push_rx) = mpsc::channel(2);
        let (fetch_tx, _fetch_rx) = mpsc::channel(2);
        let pushes = PushQueue {
            tx: push_tx,
            bytes: Arc::new(AtomicUsize::new(0)),
        };
        let router = tokio::spawn(route(inbound_rx, events_tx, pushes, fetch_tx));
        let push = TxSyncMessage::Push(vec![alloy_primitives::Bytes::from_static(b"tx")]).encode();
        let request = TxSyncMessage::Request {
            id: 1,
            hashes: vec![alloy_primitives::B256::ZERO],
        }
        .encode();
        for _ in 0..100 {
            inbound_tx
                .send(inbound(Module::TxSync, push.clone()))
                .await
                .unwrap();
            inbound_tx
                .send(inbound(Module::TxSync, request.clone()))
                .await
                .unwrap();
        }
        inbound_tx
            .send(inbound(Module::Consensus, b"vote".to_vec()))
            .await
            .unwrap();
        let event = tokio::time::timeout(Duration::from_secs(10), events_rx.recv())
            .await
            .expect("the consensus message is not held behind transaction sync")
            .unwrap();
        assert!(matches!(event, Event::Consensus { payload, .. } if &payload[..] == b"vote"));
        drop(inbound_tx);
        router.await.unwrap();
    }
}
