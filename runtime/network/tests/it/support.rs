//! Certificates, node start-up and condition waits shared by the tests.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use bytes::Bytes;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use tokio::sync::{broadcast, mpsc};
use weft_network::{
    node_dns_name, BackoffConfig, Direction, Inbound, Module, Network, NetworkConfig, PeerEvent,
    StartError,
};
use weft_types::NodeId;

/// How long any condition may take before a test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// A chain CA, as `weft chain new` makes it (P-256, CA:true, path length 0).
pub struct Ca {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A node's identity: id, certificate and key.
#[derive(Clone)]
pub struct NodeCert {
    pub id: NodeId,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Ca {
    pub fn new(name: &str) -> Result<Ca> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("{name} CA"));
        dn.push(DnType::OrganizationName, "weft");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// A node certificate for a fresh random node id.
    pub fn node(&self) -> Result<NodeCert> {
        let mut bytes = [0u8; 64];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
        let id = NodeId::from(bytes);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec![node_dns_name(&id)])?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "weft-node");
        dn.push(DnType::OrganizationName, "weft");
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(NodeCert {
            id,
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// Log to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A configuration with short timeouts for tests, listening on a free loopback port.
pub fn config(ca: &Ca, node: &NodeCert, peers: &[SocketAddr]) -> NetworkConfig {
    let listen: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut config = NetworkConfig::new(
        listen,
        node.cert_pem.clone(),
        node.key_pem.clone(),
        ca.cert_pem.clone(),
        "group0",
    );
    config.peers = peers.to_vec();
    config.keep_alive = Duration::from_millis(500);
    config.idle_timeout = Duration::from_secs(5);
    config.connect_timeout = Duration::from_secs(1);
    config.backoff = BackoffConfig {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(1),
        multiplier: 2,
    };
    config.jitter_seed = Some(7);
    config
}

/// A started node and its receiving ends.
pub struct TestNode {
    pub net: Network,
    pub rx: mpsc::Receiver<Inbound>,
    pub events: broadcast::Receiver<PeerEvent>,
    pub id: NodeId,
    pub addr: SocketAddr,
}

/// Start a network; a port still held by a node that just shut down is retried.
pub async fn start(config: NetworkConfig) -> Result<TestNode> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match Network::start(config.clone()).await {
            Ok((net, rx)) => {
                let events = net.subscribe();
                return Ok(TestNode {
                    id: net.local_id(),
                    addr: net.local_addr(),
                    net,
                    rx,
                    events,
                });
            }
            Err(StartError::Bind { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Poll `cond` until it holds, failing after [`WAIT`].
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) -> Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Wait until `a` and `b` are connected to each other on one connection (the
/// directions on both ends agree).
pub async fn wait_connected(a: &TestNode, b: &TestNode) -> Result<()> {
    wait_until("two nodes agree on one connection", || {
        let on_a = a.net.peers().into_iter().find(|p| p.node_id == b.id);
        let on_b = b.net.peers().into_iter().find(|p| p.node_id == a.id);
        match (on_a, on_b) {
            (Some(x), Some(y)) => x.direction != y.direction,
            _ => false,
        }
    })
    .await
}

/// The next message, failing after [`WAIT`].
pub async fn recv(node: &mut TestNode) -> Result<Inbound> {
    tokio::time::timeout(WAIT, node.rx.recv())
        .await
        .map_err(|_| anyhow!("no message within {WAIT:?}"))?
        .ok_or_else(|| anyhow!("inbound channel closed"))
}

/// The next event that matches `pred`, failing after [`WAIT`].
pub async fn wait_event(
    node: &mut TestNode,
    mut pred: impl FnMut(&PeerEvent) -> bool,
) -> Result<PeerEvent> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, node.events.recv()).await {
            Err(_) => bail!("no matching peer event within {WAIT:?}"),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(e)) => bail!("event channel: {e}"),
            Ok(Ok(event)) if pred(&event) => return Ok(event),
            Ok(Ok(_)) => continue,
        }
    }
}

/// Whether `event` is a refused handshake in `direction`.
pub fn is_connect_failed(event: &PeerEvent, direction: Direction) -> bool {
    matches!(event, PeerEvent::ConnectFailed { direction: d, .. } if *d == direction)
}

/// Send `payload` from `from` to `to` and check it arrives intact.
pub async fn exchange(
    from: &TestNode,
    to: &mut TestNode,
    module: Module,
    text: &str,
) -> Result<()> {
    from.net.send(to.id, module, Bytes::from(text.to_owned()))?;
    let msg = recv(to).await?;
    assert_eq!(msg.from, from.id);
    assert_eq!(msg.module, module);
    assert_eq!(msg.payload, Bytes::from(text.to_owned()));
    Ok(())
}

/// Nothing waits in the inbound channel.
pub fn assert_no_inbound(node: &mut TestNode) {
    assert!(
        matches!(node.rx.try_recv(), Err(mpsc::error::TryRecvError::Empty)),
        "unexpected inbound message"
    );
}
