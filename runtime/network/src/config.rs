//! The network's configuration and the reconnect back-off.

use std::net::SocketAddr;
use std::time::Duration;

use rand::Rng;

use crate::admission::Admission;

/// The default largest frame a node accepts: 16 MiB (a block of a few thousand
/// transactions, with room to spare).
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// The network's settings. [`NetworkConfig::new`] fills in the defaults.
#[derive(Clone)]
pub struct NetworkConfig {
    /// The UDP address to listen on; dialled connections leave from it too.
    pub listen: SocketAddr,
    /// This node's certificate (PEM, issued by the chain CA, node id in a DNS name).
    pub node_cert_pem: String,
    /// This node's TLS private key (PEM, PKCS#8).
    pub node_key_pem: String,
    /// The chain CA's certificate (PEM): the only trust anchor.
    pub ca_cert_pem: String,
    /// The group this network carries; frames tagged with another group are dropped.
    pub group_id: String,
    /// Addresses to dial (and redial with back-off while disconnected).
    pub peers: Vec<SocketAddr>,
    /// Who may connect; shared, and updatable while the network runs.
    pub admission: Admission,
    /// The largest frame body accepted from a peer, and sent to one.
    pub max_frame: usize,
    /// Messages queued per peer and module before [`crate::SendError::QueueFull`].
    pub outbound_queue: usize,
    /// Capacity of the inbound channel; when it is full, reading stops and QUIC flow
    /// control slows the senders down.
    pub inbound_queue: usize,
    /// How often a quiet connection is pinged.
    pub keep_alive: Duration,
    /// How long a connection may hear nothing before it is dropped.
    pub idle_timeout: Duration,
    /// How long a handshake (and the acceptor's hello) may take.
    pub connect_timeout: Duration,
    /// Inbound handshakes that may run at once; further connection attempts are refused
    /// (the peer redials later), so a flood of handshakes cannot exhaust the node.
    pub max_inbound_handshakes: usize,
    /// Delays between redials.
    pub backoff: BackoffConfig,
    /// Seed for the back-off jitter; `None` draws one from the OS.
    pub jitter_seed: Option<u64>,
}

impl std::fmt::Debug for NetworkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkConfig")
            .field("listen", &self.listen)
            .field("group_id", &self.group_id)
            .field("peers", &self.peers)
            .field("max_frame", &self.max_frame)
            .field("outbound_queue", &self.outbound_queue)
            .field("inbound_queue", &self.inbound_queue)
            .field("keep_alive", &self.keep_alive)
            .field("idle_timeout", &self.idle_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_inbound_handshakes", &self.max_inbound_handshakes)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

/// Default of [`NetworkConfig::max_inbound_handshakes`].
pub const DEFAULT_MAX_INBOUND_HANDSHAKES: usize = 64;

impl NetworkConfig {
    /// A configuration with the defaults: no peers to dial, open admission, 16 MiB
    /// frames, 1024 queued messages per peer and module, keep-alive 5 s, idle timeout
    /// 20 s, connect timeout 5 s, 64 inbound handshakes at once, back-off 200 ms ×2 up
    /// to 10 s.
    pub fn new(
        listen: SocketAddr,
        node_cert_pem: impl Into<String>,
        node_key_pem: impl Into<String>,
        ca_cert_pem: impl Into<String>,
        group_id: impl Into<String>,
    ) -> NetworkConfig {
        NetworkConfig {
            listen,
            node_cert_pem: node_cert_pem.into(),
            node_key_pem: node_key_pem.into(),
            ca_cert_pem: ca_cert_pem.into(),
            group_id: group_id.into(),
            peers: Vec::new(),
            admission: Admission::open(),
            max_frame: DEFAULT_MAX_FRAME,
            outbound_queue: 1024,
            inbound_queue: 4096,
            keep_alive: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            max_inbound_handshakes: DEFAULT_MAX_INBOUND_HANDSHAKES,
            backoff: BackoffConfig::default(),
            jitter_seed: None,
        }
    }
}

/// Exponential back-off between redials of one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    /// The first delay.
    pub initial: Duration,
    /// The largest delay.
    pub max: Duration,
    /// The factor from one delay to the next.
    pub multiplier: u32,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(10),
            multiplier: 2,
        }
    }
}

/// The delays of one dialler: the nominal delay grows by `multiplier` up to `max`, and
/// each actual delay is drawn uniformly from `[nominal / 2, nominal]` so that nodes that
/// lost a peer at the same moment do not redial in lockstep.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    config: BackoffConfig,
    nominal: Duration,
}

impl Backoff {
    pub(crate) fn new(config: BackoffConfig) -> Backoff {
        Backoff {
            config,
            nominal: config.initial,
        }
    }

    /// Back to the initial delay (after a connection was made).
    pub(crate) fn reset(&mut self) {
        self.nominal = self.config.initial;
    }

    /// The next delay to wait.
    pub(crate) fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let nominal = self.nominal.min(self.config.max);
        self.nominal = nominal
            .saturating_mul(self.config.multiplier.max(1))
            .min(self.config.max);
        let half = nominal / 2;
        let spread = u64::try_from((nominal - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(rng.gen_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn delays_double_up_to_the_cap_with_jitter() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut b = Backoff::new(BackoffConfig::default());
        let mut nominal = Duration::from_millis(200);
        for _ in 0..12 {
            let d = b.next_delay(&mut rng);
            assert!(d >= nominal / 2 && d <= nominal, "{d:?} vs {nominal:?}");
            nominal = (nominal * 2).min(Duration::from_secs(10));
        }
        let d = b.next_delay(&mut rng);
        assert!(d >= Duration::from_secs(5) && d <= Duration::from_secs(10));
        b.reset();
        assert!(b.next_delay(&mut rng) <= Duration::from_millis(200));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let run = |seed| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut b = Backoff::new(BackoffConfig::default());
            (0..5).map(|_| b.next_delay(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }
}
