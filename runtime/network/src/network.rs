//! The running network: endpoint, connection table, dialers, readers and writers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use quinn::{Connection, Endpoint, RecvStream, VarInt};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rustls::pki_types::CertificateDer;
use tokio::sync::{broadcast, mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;
use weft_types::NodeId;

use crate::admission::{Admission, Refusal};
use crate::config::{Backoff, BackoffConfig, NetworkConfig};
use crate::error::{SendError, StartError};
use crate::frame::{self, FrameError, Module, RawFrame, CONTROL, LEN_PREFIX, MAX_GROUP_LEN};
use crate::identity::{node_dns_name, node_id_from_cert};
use crate::tls::{self, PeerPolicy, ANY_NODE_SUFFIX};

/// QUIC application close codes, so that a peer's log says why it was dropped.
mod close_code {
    /// This node is shutting down.
    pub const SHUTDOWN: u32 = 0;
    /// The peer is not (or no longer) admitted.
    pub const NOT_ADMITTED: u32 = 1;
    /// Another connection with the same peer is kept.
    pub const DUPLICATE: u32 = 2;
    /// The peer broke the framing rules (oversized or malformed frame).
    pub const PROTOCOL: u32 = 3;
}

/// The per-stream receive window: enough for a 2 MiB burst per module before the
/// sender waits for the reader (quinn's default is ~1.25 MB).
const STREAM_RECEIVE_WINDOW: u32 = 2 * 1024 * 1024;
/// The per-connection receive window, bounding what one peer can make us buffer.
const CONNECTION_RECEIVE_WINDOW: u32 = 8 * 1024 * 1024;
/// Unidirectional streams a peer may have open at once: one per module, the hello, and
/// room for a module stream that is being replaced.
const MAX_UNI_STREAMS: u32 = 16;
/// How long shutdown waits for connections to drain.
const SHUTDOWN_DRAIN: Duration = Duration::from_millis(500);

/// A message from a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The sender's node id (from its verified certificate).
    pub from: NodeId,
    /// The module it is for.
    pub module: Module,
    /// The module's message, as the sender passed it to `send`/`broadcast`.
    pub payload: Bytes,
}

/// Who opened a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The peer dialled us.
    Inbound,
    /// We dialled the peer.
    Outbound,
}

/// A connected peer, as RPC `getPeers` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's node id.
    pub node_id: NodeId,
    /// The peer's address.
    pub addr: SocketAddr,
    /// When the current connection was established.
    pub connected_since: SystemTime,
    /// Who opened the current connection.
    pub direction: Direction,
}

/// A change in the set of connections, for the modules (sync sends its status to a newly
/// connected peer) and for logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// A connection with `node_id` is now the one in use. Sent again when a newer
    /// connection replaces the previous one (the peer may have restarted).
    Connected {
        /// The peer.
        node_id: NodeId,
        /// Its address.
        addr: SocketAddr,
        /// Who opened the connection.
        direction: Direction,
    },
    /// No connection with `node_id` is left.
    Disconnected {
        /// The peer.
        node_id: NodeId,
        /// Why.
        reason: String,
    },
    /// A handshake with `addr` failed or was refused; no connection was made.
    ConnectFailed {
        /// The remote address.
        addr: SocketAddr,
        /// Who started it.
        direction: Direction,
        /// Why.
        reason: String,
    },
}

/// Counters since start, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Messages delivered to the inbound channel.
    pub messages_received: u64,
    /// Messages queued for sending (a broadcast counts once per peer).
    pub messages_queued: u64,
    /// Messages refused because a peer's queue was full.
    pub queue_full: u64,
    /// Frames dropped because they were tagged with another group.
    pub dropped_other_group: u64,
    /// Frames dropped because their module is unknown.
    pub dropped_unknown_module: u64,
    /// Connections closed because the peer broke the framing rules.
    pub protocol_violations: u64,
    /// Handshakes that failed or were refused, in either direction.
    pub connect_failures: u64,
    /// Inbound connection attempts refused because
    /// [`crate::NetworkConfig::max_inbound_handshakes`] handshakes were running.
    pub handshakes_refused: u64,
    /// Inbound handshakes running now.
    pub handshakes_in_progress: u64,
}

#[derive(Debug, Default)]
struct Counters {
    messages_received: AtomicU64,
    messages_queued: AtomicU64,
    queue_full: AtomicU64,
    dropped_other_group: AtomicU64,
    dropped_unknown_module: AtomicU64,
    protocol_violations: AtomicU64,
    connect_failures: AtomicU64,
    handshakes_refused: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// A frame ready for a writer: header and payload, written back to back.
#[derive(Debug, Clone)]
struct Outbound {
    header: Bytes,
    payload: Bytes,
}

/// The connection in use with one peer.
struct PeerConn {
    conn: Connection,
    direction: Direction,
    since: SystemTime,
    established: Instant,
    /// One queue (and writer task, and QUIC stream) per module, by `Module::index`.
    queues: Vec<mpsc::Sender<Outbound>>,
}

/// Whether a new connection with a peer replaces the existing one.
///
/// Both ends apply the same rule, so they keep the same connection:
/// - the same initiator twice means that side lost the first one (it restarted, or its
///   end timed out), so the newer one wins;
/// - an existing connection older than `grace` cannot be half of a simultaneous dial
///   (that is over within a handshake), so the peer dialled because it lost it: the
///   newer one wins;
/// - otherwise both nodes dialled each other at once, and the connection initiated by
///   the lower node id is kept.
fn keep_new(
    local: &NodeId,
    peer: &NodeId,
    existing: Direction,
    existing_age: Duration,
    new: Direction,
    grace: Duration,
) -> bool {
    if existing == new || existing_age >= grace {
        return true;
    }
    let preferred = if local < peer {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    new == preferred
}

struct Inner {
    local_id: NodeId,
    local_addr: SocketAddr,
    group: String,
    max_frame: usize,
    outbound_queue: usize,
    connect_timeout: Duration,
    /// One permit per inbound handshake in progress.
    handshakes: Arc<Semaphore>,
    max_inbound_handshakes: usize,
    backoff: BackoffConfig,
    jitter_seed: Option<u64>,
    endpoint: Mutex<Option<Endpoint>>,
    client_config: quinn::ClientConfig,
    policy: Arc<PeerPolicy>,
    peers: Mutex<HashMap<NodeId, PeerConn>>,
    peers_changed: watch::Sender<u64>,
    events: broadcast::Sender<PeerEvent>,
    inbound: Mutex<Option<mpsc::Sender<Inbound>>>,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    counters: Counters,
    /// Every task runs in this span, so logs of several nodes in one process say whose
    /// they are.
    span: tracing::Span,
}

/// The peer-to-peer network of one group on one node. Cheap to clone: every clone is a
/// handle on the same network.
///
/// Its tasks hold it alive: dropping the handles does not stop it, [`Network::shutdown`]
/// does (the node calls it on exit; tests call it to restart a node on the same port).
#[derive(Clone)]
pub struct Network {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("local_id", &self.inner.local_id)
            .field("local_addr", &self.inner.local_addr)
            .field("group", &self.inner.group)
            .finish_non_exhaustive()
    }
}

fn transport_config(config: &NetworkConfig) -> Result<quinn::TransportConfig, StartError> {
    let mut transport = quinn::TransportConfig::default();
    let idle = quinn::IdleTimeout::try_from(config.idle_timeout)
        .map_err(|_| StartError::Config("idle_timeout is too large".into()))?;
    transport
        .max_idle_timeout(Some(idle))
        .keep_alive_interval(Some(config.keep_alive))
        .max_concurrent_bidi_streams(VarInt::from_u32(0))
        .max_concurrent_uni_streams(VarInt::from_u32(MAX_UNI_STREAMS))
        .stream_receive_window(VarInt::from_u32(STREAM_RECEIVE_WINDOW))
        .receive_window(VarInt::from_u32(CONNECTION_RECEIVE_WINDOW))
        .send_window(u64::from(CONNECTION_RECEIVE_WINDOW))
        .datagram_receive_buffer_size(None);
    Ok(transport)
}

fn validate(config: &NetworkConfig) -> Result<(), StartError> {
    let bad = |s: String| Err(StartError::Config(s));
    if config.group_id.is_empty() || config.group_id.len() > MAX_GROUP_LEN {
        return bad(format!(
            "group_id must be 1 to {MAX_GROUP_LEN} bytes, not {}",
            config.group_id.len()
        ));
    }
    if config.max_frame < 2 + config.group_id.len() || config.max_frame > u32::MAX as usize {
        return bad(format!(
            "max_frame {} is out of range (group id length + 2 to {})",
            config.max_frame,
            u32::MAX
        ));
    }
    if config.max_inbound_handshakes == 0 || config.max_inbound_handshakes > Semaphore::MAX_PERMITS
    {
        return bad(format!(
            "max_inbound_handshakes must be 1 to {}, not {}",
            Semaphore::MAX_PERMITS,
            config.max_inbound_handshakes
        ));
    }
    if config.outbound_queue == 0 || config.inbound_queue == 0 {
        return bad("outbound_queue and inbound_queue must be at least 1".into());
    }
    if config.keep_alive.is_zero() || config.keep_alive >= config.idle_timeout {
        return bad(format!(
            "keep_alive ({:?}) must be positive and shorter than idle_timeout ({:?})",
            config.keep_alive, config.idle_timeout
        ));
    }
    if config.connect_timeout.is_zero() || config.backoff.initial.is_zero() {
        return bad("connect_timeout and backoff.initial must be positive".into());
    }
    Ok(())
}

impl Network {
    /// Bind the endpoint, start accepting and dialling, and return the network with the
    /// channel of messages from peers.
    pub async fn start(
        config: NetworkConfig,
    ) -> Result<(Network, mpsc::Receiver<Inbound>), StartError> {
        validate(&config)?;
        let tls = tls::build(
            &config.node_cert_pem,
            &config.node_key_pem,
            &config.ca_cert_pem,
            config.admission.clone(),
        )?;
        let transport = Arc::new(transport_config(&config)?);
        let mut server_config = quinn::ServerConfig::with_crypto(tls.server);
        server_config.transport_config(transport.clone());
        let mut client_config = quinn::ClientConfig::new(tls.client);
        client_config.transport_config(transport);
        let endpoint =
            Endpoint::server(server_config, config.listen).map_err(|source| StartError::Bind {
                addr: config.listen,
                source,
            })?;
        let local_addr = endpoint.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let (inbound_tx, inbound_rx) = mpsc::channel(config.inbound_queue);
        let span = tracing::info_span!("p2p", node = %short_id(&tls.policy.local_id));
        let inner = Arc::new(Inner {
            local_id: tls.policy.local_id,
            local_addr,
            group: config.group_id.clone(),
            max_frame: config.max_frame,
            outbound_queue: config.outbound_queue,
            connect_timeout: config.connect_timeout,
            handshakes: Arc::new(Semaphore::new(config.max_inbound_handshakes)),
            max_inbound_handshakes: config.max_inbound_handshakes,
            backoff: config.backoff,
            jitter_seed: config.jitter_seed,
            endpoint: Mutex::new(Some(endpoint.clone())),
            client_config,
            policy: tls.policy,
            peers: Mutex::new(HashMap::new()),
            peers_changed: watch::channel(0).0,
            events: broadcast::channel(1024).0,
            inbound: Mutex::new(Some(inbound_tx)),
            shutdown: watch::channel(false).0,
            tasks: Mutex::new(Vec::new()),
            counters: Counters::default(),
            span,
        });
        tracing::info!(
            node = %inner.local_id,
            addr = %local_addr,
            group = %inner.group,
            peers = config.peers.len(),
            "network started"
        );
        let mut tasks = vec![
            spawn(&inner, accept_loop(inner.clone(), endpoint)),
            spawn(
                &inner,
                watch_admission(inner.clone(), config.admission.subscribe()),
            ),
        ];
        for (index, addr) in config.peers.iter().copied().enumerate() {
            tasks.push(spawn(&inner, dial_loop(inner.clone(), index, addr)));
        }
        *inner.tasks.lock() = tasks;
        Ok((Network { inner }, inbound_rx))
    }

    /// This node's id (from its own certificate).
    pub fn local_id(&self) -> NodeId {
        self.inner.local_id
    }

    /// The address the endpoint is bound to (useful after listening on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// The admission policy in force; changes to it apply at once.
    pub fn admission(&self) -> &Admission {
        &self.inner.policy.admission
    }

    /// The connected peers, by node id.
    pub fn peers(&self) -> Vec<PeerInfo> {
        let mut peers: Vec<PeerInfo> = self
            .inner
            .peers
            .lock()
            .iter()
            .map(|(id, p)| PeerInfo {
                node_id: *id,
                addr: p.conn.remote_address(),
                connected_since: p.since,
                direction: p.direction,
            })
            .collect();
        peers.sort_by_key(|p| p.node_id);
        peers
    }

    /// Whether `peer` is connected.
    pub fn is_connected(&self, peer: &NodeId) -> bool {
        self.inner.peers.lock().contains_key(peer)
    }

    /// Peer events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PeerEvent> {
        self.inner.events.subscribe()
    }

    /// The counters.
    pub fn stats(&self) -> NetworkStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        NetworkStats {
            messages_received: get(&c.messages_received),
            messages_queued: get(&c.messages_queued),
            queue_full: get(&c.queue_full),
            dropped_other_group: get(&c.dropped_other_group),
            dropped_unknown_module: get(&c.dropped_unknown_module),
            protocol_violations: get(&c.protocol_violations),
            connect_failures: get(&c.connect_failures),
            handshakes_refused: get(&c.handshakes_refused),
            handshakes_in_progress: (self.inner.max_inbound_handshakes
                - self.inner.handshakes.available_permits())
                as u64,
        }
    }

    fn outbound(&self, module: Module, payload: Bytes) -> Result<Outbound, SendError> {
        if self.inner.is_shutting_down() {
            return Err(SendError::Shutdown);
        }
        let size = frame::body_len(&self.inner.group, payload.len());
        if size > self.inner.max_frame {
            return Err(SendError::FrameTooLarge {
                size,
                max: self.inner.max_frame,
            });
        }
        Ok(Outbound {
            header: frame::encode_header(module.as_u8(), &self.inner.group, payload.len()),
            payload,
        })
    }

    /// Queue `payload` for `to` on `module`'s stream. Never waits: when the peer's queue
    /// for that module is full the message is refused with [`SendError::QueueFull`]
    /// (the newest message is the one dropped; consensus re-sends on its timeouts).
    /// Messages to one peer on one module arrive in the order they were queued, unless
    /// the connection is lost in between.
    pub fn send(&self, to: NodeId, module: Module, payload: Bytes) -> Result<(), SendError> {
        let msg = self.outbound(module, payload)?;
        let peers = self.inner.peers.lock();
        let peer = peers.get(&to).ok_or(SendError::NotConnected(to))?;
        match peer.queues[module.index()].try_send(msg) {
            Ok(()) => {
                bump(&self.inner.counters.messages_queued);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                bump(&self.inner.counters.queue_full);
                Err(SendError::QueueFull { peer: to, module })
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(SendError::NotConnected(to)),
        }
    }

    /// Queue `payload` for every connected peer on `module`'s stream, sharing one buffer.
    /// Returns how many peers it was queued for; peers whose queue is full are skipped
    /// (and counted in [`NetworkStats::queue_full`]).
    pub fn broadcast(&self, module: Module, payload: Bytes) -> Result<usize, SendError> {
        let msg = self.outbound(module, payload)?;
        let peers = self.inner.peers.lock();
        let mut queued = 0;
        for (id, peer) in peers.iter() {
            match peer.queues[module.index()].try_send(msg.clone()) {
                Ok(()) => {
                    queued += 1;
                    bump(&self.inner.counters.messages_queued);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    bump(&self.inner.counters.queue_full);
                    tracing::debug!(peer = %id, ?module, "outbound queue full; broadcast skips the peer");
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        Ok(queued)
    }

    /// Stop: stop dialling and accepting, close every connection (peers see "node
    /// shutting down"), wait briefly for them to drain, and release the UDP socket. The
    /// inbound channel ends once the last reader has stopped.
    pub async fn shutdown(&self) {
        if self.inner.shutdown.send_replace(true) {
            return;
        }
        let tasks = std::mem::take(&mut *self.inner.tasks.lock());
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            // Aborted tasks report a cancellation; all that matters is that they are gone
            // (and with them their handles on the endpoint).
            let _ = task.await;
        }
        let dropped: Vec<(NodeId, PeerConn)> = self.inner.peers.lock().drain().collect();
        for (id, peer) in dropped {
            peer.conn.close(
                VarInt::from_u32(close_code::SHUTDOWN),
                b"node shutting down",
            );
            let _ = self.inner.events.send(PeerEvent::Disconnected {
                node_id: id,
                reason: "this node is shutting down".into(),
            });
        }
        self.inner.peers_changed.send_modify(|v| *v += 1);
        self.inner.inbound.lock().take();
        let endpoint = self.inner.endpoint.lock().take();
        if let Some(endpoint) = endpoint {
            endpoint.close(
                VarInt::from_u32(close_code::SHUTDOWN),
                b"node shutting down",
            );
            let _ = tokio::time::timeout(SHUTDOWN_DRAIN, endpoint.wait_idle()).await;
        }
        tracing::info!(node = %self.inner.local_id, "network stopped");
    }
}

/// Spawn `task` in the network's span.
fn spawn<F>(inner: &Inner, task: F) -> JoinHandle<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(task.instrument(inner.span.clone()))
}

/// The first 8 hex digits of a node id, for logs.
fn short_id(id: &NodeId) -> String {
    hex::encode(&id[..4])
}

/// The node id of a connection's peer, from its (already verified) certificate.
fn peer_id(conn: &Connection) -> Result<NodeId, String> {
    let certs = conn
        .peer_identity()
        .and_then(|any| any.downcast::<Vec<CertificateDer<'static>>>().ok())
        .ok_or("the peer presented no certificate")?;
    let first = certs.first().ok_or("the peer presented no certificate")?;
    node_id_from_cert(first).map_err(|e| e.to_string())
}

impl Inner {
    fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    fn connect_failed(&self, addr: SocketAddr, direction: Direction, reason: String) {
        bump(&self.counters.connect_failures);
        tracing::info!(%addr, ?direction, %reason, "connection not made");
        let _ = self.events.send(PeerEvent::ConnectFailed {
            addr,
            direction,
            reason,
        });
    }

    fn grace(&self) -> Duration {
        self.connect_timeout * 2
    }

    /// Whether a new connection with `id` in `direction` would be kept.
    fn would_keep(&self, id: &NodeId, direction: Direction) -> bool {
        self.keeps_over(self.peers.lock().get(id), id, direction)
    }

    /// Whether a new connection with `id` in `direction` is kept rather than
    /// `existing`, the one registered with `id`: always if there is none or it is
    /// closed, otherwise as [`keep_new`] decides.
    fn keeps_over(&self, existing: Option<&PeerConn>, id: &NodeId, direction: Direction) -> bool {
        match existing {
            Some(existing) if existing.conn.close_reason().is_none() => keep_new(
                &self.local_id,
                id,
                existing.direction,
                existing.established.elapsed(),
                direction,
                self.grace(),
            ),
            _ => true,
        }
    }

    /// Make `conn` the connection in use with `id`, unless the dedupe rule or the
    /// admission policy says otherwise (then it is closed). Starts its writers and reader.
    fn register(self: &Arc<Self>, id: NodeId, conn: Connection, direction: Direction) -> bool {
        let inbound = self.inbound.lock().clone();
        let mut peers = self.peers.lock();
        let Some(inbound) = inbound.filter(|_| !self.is_shutting_down()) else {
            conn.close(
                VarInt::from_u32(close_code::SHUTDOWN),
                b"node shutting down",
            );
            return false;
        };
        // Checked again under the table lock: the policy may have changed since the
        // handshake, and the admission watcher only sees registered connections.
        if let Err(refusal) = self.policy.check(&id) {
            conn.close(
                VarInt::from_u32(close_code::NOT_ADMITTED),
                refusal.to_string().as_bytes(),
            );
            return false;
        }
        if !self.keeps_over(peers.get(&id), &id, direction) {
            tracing::debug!(peer = %id, ?direction, "duplicate connection closed");
            conn.close(
                VarInt::from_u32(close_code::DUPLICATE),
                b"duplicate connection; another one with this node is kept",
            );
            return false;
        }
        if let Some(old) = peers.remove(&id) {
            tracing::debug!(peer = %id, ?direction, "connection replaced by a newer one");
            old.conn.close(
                VarInt::from_u32(close_code::DUPLICATE),
                b"replaced by a newer connection with this node",
            );
        }
        let queues = Module::ALL
            .iter()
            .map(|module| {
                let (tx, rx) = mpsc::channel(self.outbound_queue);
                spawn(self, write_module(conn.clone(), id, *module, rx));
                tx
            })
            .collect();
        let addr = conn.remote_address();
        peers.insert(
            id,
            PeerConn {
                conn: conn.clone(),
                direction,
                since: SystemTime::now(),
                established: Instant::now(),
                queues,
            },
        );
        spawn(self, drive_connection(self.clone(), id, conn, inbound));
        drop(peers);
        self.peers_changed.send_modify(|v| *v += 1);
        tracing::info!(peer = %id, %addr, ?direction, "peer connected");
        let _ = self.events.send(PeerEvent::Connected {
            node_id: id,
            addr,
            direction,
        });
        true
    }

    /// Remove `id` from the table if `conn` is still its connection, and announce it.
    fn unregister(&self, id: &NodeId, conn: &Connection, reason: String) {
        let removed = {
            let mut peers = self.peers.lock();
            let same = peers
                .get(id)
                .is_some_and(|p| p.conn.stable_id() == conn.stable_id());
            same && peers.remove(id).is_some()
        };
        if removed {
            self.peers_changed.send_modify(|v| *v += 1);
            tracing::info!(peer = %id, %reason, "peer disconnected");
            let _ = self.events.send(PeerEvent::Disconnected {
                node_id: *id,
                reason,
            });
        }
    }

    /// Close `conn` with `code` and announce why.
    fn drop_connection(&self, id: &NodeId, conn: &Connection, code: u32, reason: String) {
        conn.close(VarInt::from_u32(code), reason.as_bytes());
        self.unregister(id, conn, reason);
    }

    /// Handshake with an inbound connection; `slot` is held until the handshake ends.
    async fn handle_incoming(
        self: Arc<Self>,
        incoming: quinn::Incoming,
        slot: OwnedSemaphorePermit,
    ) {
        let addr = incoming.remote_address();
        let connecting = match incoming.accept() {
            Ok(c) => c,
            Err(e) => return self.connect_failed(addr, Direction::Inbound, e.to_string()),
        };
        let handshake = tokio::time::timeout(self.connect_timeout, connecting).await;
        drop(slot);
        let conn = match handshake {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return self.connect_failed(addr, Direction::Inbound, e.to_string()),
            Err(_) => {
                return self.connect_failed(addr, Direction::Inbound, "handshake timed out".into())
            }
        };
        // The client verifier has checked the chain, the node id and admission.
        let id = match peer_id(&conn) {
            Ok(id) => id,
            Err(e) => {
                conn.close(VarInt::from_u32(close_code::NOT_ADMITTED), e.as_bytes());
                return self.connect_failed(addr, Direction::Inbound, e);
            }
        };
        if !self.would_keep(&id, Direction::Inbound) {
            conn.close(
                VarInt::from_u32(close_code::DUPLICATE),
                b"duplicate connection; another one with this node is kept",
            );
            return;
        }
        // The hello is the first stream the acceptor opens: the dialler registers the
        // connection only when it arrives, i.e. once we have accepted it.
        if let Err(e) = send_hello(&conn, &self.group).await {
            return self.connect_failed(addr, Direction::Inbound, format!("hello not sent: {e}"));
        }
        self.register(id, conn, Direction::Inbound);
    }

    /// One dial of `addr`; returns the node that answered (if it got that far) and
    /// whether the connection is now in use.
    async fn dial(
        self: &Arc<Self>,
        addr: SocketAddr,
        server_name: &str,
    ) -> Result<NodeId, DialFailure> {
        let endpoint = self
            .endpoint
            .lock()
            .clone()
            .ok_or_else(|| DialFailure::new(None, "shutting down"))?;
        let connecting = endpoint
            .connect_with(self.client_config.clone(), addr, server_name)
            .map_err(|e| DialFailure::new(None, e))?;
        drop(endpoint);
        let conn = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(DialFailure::new(None, e)),
            Err(_) => return Err(DialFailure::new(None, "handshake timed out")),
        };
        let id = peer_id(&conn).map_err(|e| DialFailure::new(None, e))?;
        let hello = tokio::time::timeout(self.connect_timeout, read_hello(&conn)).await;
        match hello {
            Ok(Ok(group)) => {
                if group != self.group.as_bytes() {
                    tracing::warn!(
                        peer = %id,
                        group = %String::from_utf8_lossy(&group),
                        ours = %self.group,
                        "peer carries another group; its messages will be dropped"
                    );
                }
            }
            Ok(Err(e)) => {
                // The acceptor keeping another connection with us is no failure.
                let duplicate = matches!(
                    conn.close_reason(),
                    Some(quinn::ConnectionError::ApplicationClosed(close))
                        if close.error_code == VarInt::from_u32(close_code::DUPLICATE)
                );
                if duplicate {
                    return Err(DialFailure {
                        learned: Some(id),
                        reason: None,
                    });
                }
                return Err(DialFailure::new(
                    Some(id),
                    format!("peer did not accept the connection: {e}"),
                ));
            }
            Err(_) => {
                conn.close(VarInt::from_u32(close_code::PROTOCOL), b"no hello");
                return Err(DialFailure::new(Some(id), "peer sent no hello"));
            }
        }
        if self.register(id, conn, Direction::Outbound) {
            Ok(id)
        } else {
            Err(DialFailure {
                learned: Some(id),
                reason: None,
            })
        }
    }
}

/// Why a dial did not give a connection in use.
struct DialFailure {
    /// The node that answered, if the handshake got that far.
    learned: Option<NodeId>,
    /// What went wrong; `None` when the connection was fine but another one with the
    /// same node is kept.
    reason: Option<String>,
}

impl DialFailure {
    fn new(learned: Option<NodeId>, reason: impl ToString) -> DialFailure {
        DialFailure {
            learned,
            reason: Some(reason.to_string()),
        }
    }
}

async fn send_hello(conn: &Connection, group: &str) -> Result<(), String> {
    let mut stream = conn.open_uni().await.map_err(|e| e.to_string())?;
    stream
        .write_all_chunks(&mut [frame::encode_header(CONTROL, group, 0)])
        .await
        .map_err(|e| e.to_string())?;
    stream.finish().map_err(|e| e.to_string())
}

/// Wait for the acceptor's hello; returns the group it carries.
async fn read_hello(conn: &Connection) -> Result<Bytes, String> {
    let mut stream = conn.accept_uni().await.map_err(|e| e.to_string())?;
    match read_frame(&mut stream, LEN_PREFIX + 2 + MAX_GROUP_LEN).await {
        Ok(Some(f)) if f.module == CONTROL => Ok(f.group),
        Ok(_) => Err("the first stream is not a hello".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Debug, thiserror::Error)]
enum ReadFailure {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Stream(#[from] quinn::ReadError),
}

/// Read one frame; `None` at a clean end of the stream.
async fn read_frame(
    stream: &mut RecvStream,
    max_frame: usize,
) -> Result<Option<RawFrame>, ReadFailure> {
    let mut prefix = [0u8; LEN_PREFIX];
    match stream.read_exact(&mut prefix).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(quinn::ReadExactError::FinishedEarly(_)) => {
            return Err(FrameError::Malformed("the stream ended inside a length prefix").into())
        }
        Err(quinn::ReadExactError::ReadError(e)) => return Err(e.into()),
    }
    let len = frame::check_len(prefix, max_frame)?;
    // Grow the buffer with the data that arrives rather than trusting the prefix with
    // an allocation: flow control bounds what a peer can make us hold.
    let mut body = BytesMut::new();
    let mut whole: Option<Bytes> = None;
    while body.len() < len && whole.is_none() {
        match stream.read_chunk(len - body.len(), true).await? {
            Some(chunk) if body.is_empty() && chunk.bytes.len() == len => whole = Some(chunk.bytes),
            Some(chunk) => body.extend_from_slice(&chunk.bytes),
            None => return Err(FrameError::Malformed("the stream ended inside a frame").into()),
        }
    }
    let body = whole.unwrap_or_else(|| body.freeze());
    Ok(Some(frame::decode_body(body)?))
}

/// Accept streams on a registered connection until it closes, then unregister it.
async fn drive_connection(
    inner: Arc<Inner>,
    id: NodeId,
    conn: Connection,
    inbound: mpsc::Sender<Inbound>,
) {
    loop {
        match conn.accept_uni().await {
            Ok(stream) => {
                spawn(
                    &inner,
                    read_stream(inner.clone(), id, conn.clone(), stream, inbound.clone()),
                );
            }
            Err(e) => {
                inner.unregister(&id, &conn, e.to_string());
                return;
            }
        }
    }
}

/// Deliver the frames of one stream, in order.
async fn read_stream(
    inner: Arc<Inner>,
    id: NodeId,
    conn: Connection,
    mut stream: RecvStream,
    inbound: mpsc::Sender<Inbound>,
) {
    let mut warned_group = false;
    loop {
        let raw = match read_frame(&mut stream, inner.max_frame).await {
            Ok(Some(raw)) => raw,
            Ok(None) => return,
            Err(ReadFailure::Frame(e)) => {
                bump(&inner.counters.protocol_violations);
                tracing::warn!(peer = %id, error = %e, "peer broke the framing rules; disconnecting");
                inner.drop_connection(&id, &conn, close_code::PROTOCOL, e.to_string());
                return;
            }
            // Reset by the peer or the connection is gone; the driver reports the latter.
            Err(ReadFailure::Stream(_)) => return,
        };
        if raw.group != inner.group.as_bytes() {
            bump(&inner.counters.dropped_other_group);
            if !warned_group {
                warned_group = true;
                tracing::warn!(
                    peer = %id,
                    group = %String::from_utf8_lossy(&raw.group),
                    ours = %inner.group,
                    "dropping messages for another group"
                );
            }
            continue;
        }
        let Some(module) = Module::from_u8(raw.module) else {
            bump(&inner.counters.dropped_unknown_module);
            tracing::debug!(peer = %id, module = raw.module, "dropping a frame of an unknown module");
            continue;
        };
        let msg = Inbound {
            from: id,
            module,
            payload: raw.payload,
        };
        // Waiting here when the channel is full stops reading this stream, and QUIC
        // flow control then slows the sender down.
        tokio::select! {
            biased;
            sent = inbound.send(msg) => if sent.is_err() { return },
            // Do not hold the channel open for a connection that is gone.
            _ = conn.closed() => return,
        }
        bump(&inner.counters.messages_received);
    }
}

/// Write one module's queued frames to one long-lived stream, opened on first use.
async fn write_module(
    conn: Connection,
    peer: NodeId,
    module: Module,
    mut queue: mpsc::Receiver<Outbound>,
) {
    let mut stream: Option<quinn::SendStream> = None;
    while let Some(msg) = queue.recv().await {
        let s = match &mut stream {
            Some(s) => s,
            None => match conn.open_uni().await {
                Ok(s) => stream.insert(s),
                Err(e) => {
                    tracing::debug!(%peer, ?module, error = %e, "cannot open a stream");
                    return;
                }
            },
        };
        if let Err(e) = s.write_all_chunks(&mut [msg.header, msg.payload]).await {
            tracing::debug!(%peer, ?module, error = %e, "write failed");
            return;
        }
    }
    if let Some(mut s) = stream {
        let _ = s.finish();
    }
}

async fn accept_loop(inner: Arc<Inner>, endpoint: Endpoint) {
    while let Some(incoming) = endpoint.accept().await {
        // Address validation first: an unproven source address gets a stateless Retry, so
        // a spoofed address can neither take a handshake slot nor make this node send its
        // certificate chain to a victim.
        if !incoming.remote_address_validated() && incoming.may_retry() {
            let addr = incoming.remote_address();
            if let Err(e) = incoming.retry() {
                tracing::debug!(%addr, error = %e, "retry not sent");
            }
            continue;
        }
        match inner.handshakes.clone().try_acquire_owned() {
            Ok(permit) => {
                spawn(&inner, inner.clone().handle_incoming(incoming, permit));
            }
            Err(_) => {
                bump(&inner.counters.handshakes_refused);
                tracing::warn!(
                    addr = %incoming.remote_address(),
                    "too many handshakes in progress; connection refused"
                );
                incoming.refuse();
            }
        }
    }
}

/// Close the connections of peers the policy no longer admits.
async fn watch_admission(inner: Arc<Inner>, mut changes: watch::Receiver<u64>) {
    while changes.changed().await.is_ok() {
        let refused: Vec<(NodeId, Connection, Refusal)> = inner
            .peers
            .lock()
            .iter()
            .filter_map(|(id, p)| {
                inner
                    .policy
                    .check(id)
                    .err()
                    .map(|r| (*id, p.conn.clone(), r))
            })
            .collect();
        for (id, conn, refusal) in refused {
            tracing::info!(peer = %id, %refusal, "dropping a peer that is no longer admitted");
            inner.drop_connection(&id, &conn, close_code::NOT_ADMITTED, refusal.to_string());
        }
    }
}

/// Keep `addr` connected: dial, and redial with back-off whenever no connection with the
/// node behind it is up. The node id behind the address is learned from the first
/// handshake and required from then on.
async fn dial_loop(inner: Arc<Inner>, index: usize, addr: SocketAddr) {
    let probe_name = format!("dial{index}{ANY_NODE_SUFFIX}");
    let mut rng = match inner.jitter_seed {
        Some(seed) => StdRng::seed_from_u64(seed.wrapping_add(index as u64)),
        None => StdRng::from_entropy(),
    };
    let mut backoff = Backoff::new(inner.backoff);
    let mut expected: Option<NodeId> = None;
    let mut peers_changed = inner.peers_changed.subscribe();
    let mut admission_changed = inner.policy.admission.subscribe();
    loop {
        if inner.is_shutting_down() {
            return;
        }
        // Already connected to the node at this address (perhaps it dialled us first)?
        if expected.is_none() {
            expected = inner
                .peers
                .lock()
                .iter()
                .find(|(_, p)| p.conn.remote_address() == addr)
                .map(|(id, _)| *id);
        }
        if let Some(id) = expected {
            if id == inner.local_id {
                tracing::info!(%addr, "the peer address is this node; not dialling it");
                return;
            }
            if inner.peers.lock().contains_key(&id) {
                peers_changed.borrow_and_update();
                if inner.peers.lock().contains_key(&id) {
                    let _ = peers_changed.changed().await;
                }
                backoff.reset();
                continue;
            }
            if let Err(refusal) = inner.policy.admission.check(&id) {
                tracing::debug!(%addr, peer = %id, %refusal, "not dialling a peer that is not admitted");
                admission_changed.borrow_and_update();
                if !inner.policy.admission.admits(&id) {
                    let _ = admission_changed.changed().await;
                }
                continue;
            }
        }
        let server_name = expected.map_or_else(|| probe_name.clone(), |id| node_dns_name(&id));
        let result = inner.dial(addr, &server_name).await;
        let presented = inner.policy.take_presented(&probe_name);
        match result {
            Ok(id) => {
                expected = Some(id);
                backoff.reset();
                continue;
            }
            Err(failure) => {
                if expected.is_none() {
                    expected = failure.learned.or(presented);
                }
                if let Some(reason) = failure.reason {
                    inner.connect_failed(addr, Direction::Outbound, reason);
                }
            }
        }
        let delay = backoff.next_delay(&mut rng);
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_keeps_the_same_connection_on_both_ends() {
        let low = NodeId::from([1u8; 64]);
        let high = NodeId::from([2u8; 64]);
        let grace = Duration::from_secs(10);
        let young = Duration::from_millis(5);
        // Simultaneous dial: the low node's outbound connection is kept by both.
        // At the low node: existing = its inbound (from high), new = its outbound.
        assert!(keep_new(
            &low,
            &high,
            Direction::Inbound,
            young,
            Direction::Outbound,
            grace
        ));
        assert!(!keep_new(
            &low,
            &high,
            Direction::Outbound,
            young,
            Direction::Inbound,
            grace
        ));
        // At the high node: the low node's connection is its inbound one.
        assert!(keep_new(
            &high,
            &low,
            Direction::Outbound,
            young,
            Direction::Inbound,
            grace
        ));
        assert!(!keep_new(
            &high,
            &low,
            Direction::Inbound,
            young,
            Direction::Outbound,
            grace
        ));
        // A redial by the same side, or after the grace, replaces the old connection.
        assert!(keep_new(
            &low,
            &high,
            Direction::Inbound,
            young,
            Direction::Inbound,
            grace
        ));
        assert!(keep_new(
            &low,
            &high,
            Direction::Outbound,
            grace,
            Direction::Inbound,
            grace
        ));
    }
}
