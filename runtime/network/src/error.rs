//! The network's errors: one enum for starting, one for sending.

use std::net::SocketAddr;

use weft_types::NodeId;

use crate::frame::Module;
use crate::identity::IdentityError;

/// Why the network could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A PEM text holds no usable certificate or key.
    #[error("cannot read {what}: {detail}; give the PEM files `weft chain new` wrote (conf/ssl.crt, conf/ssl.key, conf/ca.crt)")]
    Pem {
        /// Which input (`node certificate`, `node key`, `CA certificate`).
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// This node's own certificate does not name a node.
    #[error("this node's certificate is not a node certificate: {0}")]
    OwnIdentity(#[from] IdentityError),
    /// rustls refused the certificate, key or settings.
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
    /// The CA certificate cannot be used as a trust anchor.
    #[error("the CA certificate cannot be used to verify peers: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    /// A setting is out of range.
    #[error("invalid network setting: {0}")]
    Config(String),
    /// The UDP socket could not be bound.
    #[error("cannot listen on {addr}: {source}; is another node using that port?")]
    Bind {
        /// The listen address.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
}

/// Why a message was not queued for sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// No connection with that peer.
    #[error("peer {0} is not connected")]
    NotConnected(NodeId),
    /// The peer's queue for this module is full: the peer reads too slowly or the link is
    /// congested. The message was not queued; the caller may drop it or retry later.
    #[error("the outbound queue of {module:?} messages to peer {peer} is full")]
    QueueFull {
        /// The peer.
        peer: NodeId,
        /// The module.
        module: Module,
    },
    /// The frame would exceed `max_frame` (and the peer would disconnect).
    #[error("a message of {size} bytes exceeds max_frame ({max} bytes); split it")]
    FrameTooLarge {
        /// The frame body size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The network has been shut down.
    #[error("the network has been shut down")]
    Shutdown,
}
