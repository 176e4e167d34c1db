//! Weft's peer-to-peer network: QUIC (`quinn`) with mutual TLS under the chain's CA,
//! node admission, and framed messages tagged with module and group.
//!
//! This is the only crate that imports quinn and rustls. It depends on `weft-types`
//! (for [`NodeId`](weft_types::NodeId)) and on nothing of the node, consensus or sync:
//! those depend on it, and see only [`Network`], [`Inbound`] and [`Module`].
//!
//! ```text
//!  consensus / sync / txpool           Network::send / broadcast (never blocks)
//!        │  ▲                                   │
//!        │  └── mpsc::Receiver<Inbound> ◄──┐    ▼
//!        │                                 │   per peer × module: bounded queue
//!        │                                 │        → writer task → one uni stream
//!        │                          reader per stream ◄── QUIC connection (1 per peer)
//!        │                                 ▲
//!   Admission::set_node_list ──► watcher closes peers no longer admitted
//! ```
//!
//! # Identity and handshake
//!
//! Every node has a P-256 TLS key and a certificate from the chain CA (`weft chain new`)
//! that names it by a DNS subject alternative name carrying the whole 64-byte node id:
//! `<hex 0..32>.<hex 32..64>.<hex 64..96>.<hex 96..128>.node.weft`. Both ends verify
//! the other's chain against the CA certificate only (no system roots) with rustls'
//! WebPKI verifiers (`serverAuth` / `clientAuth` purposes), then read the node id from
//! the verified certificate. The server requires a client certificate. TLS 1.3 only,
//! ALPN `weft/1`, *ring* as the crypto provider.
//!
//! A dialled address's node id is learned from the first handshake and required from
//! then on (it is the TLS server name); a peer presenting any other id fails the
//! handshake.
//!
//! # Admission
//!
//! A peer is refused when it is this node itself, is on the blacklist (which always
//! wins), is missing from a non-empty whitelist, or is missing from the group's node
//! list once one is set (see [`Admission`]). The checks run inside the certificate
//! verifiers, so a refused peer fails the TLS handshake and never shows up in
//! [`Network::peers`] on either side; a certificate from another CA fails the same way.
//! [`Admission`] is shared and updatable at run time: when it changes, the connections of
//! peers it no longer admits are closed (QUIC close code 1 with the reason), and their
//! addresses are not redialled until they are admitted again.
//!
//! Because a QUIC client considers the handshake done before the server has checked
//! the client's certificate, the acceptor confirms an accepted connection with a
//! *hello* (a control frame on the first unidirectional stream it opens); the dialler
//! registers the connection only after that.
//!
//! # Wire format
//!
//! Every message is one frame:
//!
//! ```text
//! u32 BE   length      bytes that follow: 2 + group_len + payload length
//! u8       module      0 = control (hello), 1 Consensus, 2 TxSync, 3 BlockSync, 4 Amop
//! u8       group_len
//! [u8]     group       UTF-8 group id
//! [u8]     payload     the module's message
//! ```
//!
//! A receiver checks `length` against its `max_frame` (default 16 MiB) before reading
//! the body; a peer that announces more, or sends a malformed frame, is disconnected
//! (close code 3, the reason logged on both sides). The body buffer grows with the data
//! that actually arrives, so a lying length prefix costs nothing. Frames tagged with
//! another group are dropped and logged (warned once per stream, then counted in
//! [`NetworkStats`]); so are frames of unknown modules.
//!
//! # Stream model
//!
//! One QUIC connection per pair of nodes. Each direction uses one long-lived
//! unidirectional stream per module, opened on the module's first message: frames of
//! one module to one peer are delivered in order (consensus and block sync depend on
//! that), and QUIC's per-stream delivery means a large block-sync transfer or a lost
//! packet on one module never holds back another module's frames. Within one module,
//! frames do wait for each other — the ordering that module needs. A stream per
//! message would remove even that, but would spend stream credits and lose ordering.
//!
//! Each peer and module has a bounded outbound queue ([`NetworkConfig::outbound_queue`],
//! 1024 messages) drained by its own writer task, so a congested module cannot block
//! another at the sender either. [`Network::send`] never waits: when the queue is full it
//! returns [`SendError::QueueFull`] and the newest message is the one not sent (PBFT
//! re-sends on its timeouts; sync re-requests). The inbound side is one bounded channel;
//! when it is full, readers stop and QUIC flow control pushes back on the senders.
//!
//! # Connections
//!
//! Every address in [`NetworkConfig::peers`] is dialled, and redialled while no
//! connection with its node is up, after an exponential back-off (200 ms, ×2, at most
//! 10 s, each delay drawn from [½, 1] of the nominal one from a seeded or OS RNG).
//! When two nodes dial each other at once, both keep the connection initiated by the
//! lower node id. A newer connection from the side that already had one (it restarted,
//! or lost its end) replaces the old one, and so does any new connection once the
//! existing one is older than twice the handshake timeout: a peer that crashed and came
//! back is reconnected without waiting for the idle timeout to expire the dead
//! connection. The same rule runs on both ends, so both keep the same connection.
//!
//! # Lifecycle
//!
//! [`Network::start`] binds the UDP socket and spawns the accept loop, one dialler per
//! configured address and the admission watcher on the current tokio runtime.
//! [`Network::shutdown`] closes every connection with close code 0 ("node shutting
//! down"), which peers see at once, and releases the socket. Messages still queued or in
//! flight at that moment are lost, as they would be in a crash; the modules above
//! recover from both the same way.
//!
//! # QUIC settings
//!
//! | setting | value | why |
//! |---|---|---|
//! | keep-alive | 5 s ([`NetworkConfig::keep_alive`]) | quinn sends none by default, and quiet validator links would be dropped |
//! | idle timeout | 20 s ([`NetworkConfig::idle_timeout`]) | a dead peer is noticed within four missed keep-alives |
//! | handshake timeout | 5 s ([`NetworkConfig::connect_timeout`]) | a dial to a node that is down fails fast instead of waiting for the idle timeout |
//! | address validation | a stateless Retry for every unvalidated source address | a spoofed address can neither hold a handshake slot nor turn the node's certificate flight into an amplifier |
//! | inbound handshakes | 64 at once ([`NetworkConfig::max_inbound_handshakes`]); further attempts are refused and counted | a flood of handshakes cannot exhaust the node; a refused peer redials with back-off |
//! | uni streams | 16 concurrent | one per module, the hello, and spare; stream-per-message is not used |
//! | bidi streams, datagrams | 0, off | unused |
//! | stream / connection receive window | 2 MiB / 8 MiB | bounds what one peer can make us buffer; enough for LAN throughput |
//! | 0-RTT | off (client `enable_early_data = false`, server `max_early_data_size = 0`) | early data can be replayed; votes and transactions must not be |
//! | session resumption | off (no tickets, no client cache) | connections are long-lived, and a resumed session would skip certificate and admission checks |

mod admission;
mod config;
mod error;
mod frame;
mod identity;
mod network;
mod tls;

pub use admission::{Admission, Refusal};
pub use config::{BackoffConfig, NetworkConfig, DEFAULT_MAX_FRAME, DEFAULT_MAX_INBOUND_HANDSHAKES};
pub use error::{SendError, StartError};
pub use frame::{FrameError, Module, MAX_GROUP_LEN};
pub use identity::{
    node_dns_name, node_id_from_cert, node_id_from_dns_name, IdentityError, NODE_DNS_SUFFIX,
};
pub use network::{Direction, Inbound, Network, NetworkStats, PeerEvent, PeerInfo};
pub use tls::ALPN;
