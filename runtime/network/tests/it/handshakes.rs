//! Inbound handshakes are bounded: a stalled one holds its slot, a further attempt is
//! refused and counted, and the refused node gets in once the slot is free again.

use std::net::SocketAddr;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use weft_network::{Direction, ALPN};

use crate::support::*;

/// A TLS client that stops in the middle of the handshake — when it has the server's
/// certificate — until it is released, then gives up.
#[derive(Debug)]
struct Stall {
    release: Mutex<mpsc::Receiver<()>>,
    reached: Mutex<mpsc::Sender<()>>,
}

impl ServerCertVerifier for Stall {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(reached) = self.reached.lock() {
            let _ = reached.send(());
        }
        if let Ok(release) = self.release.lock() {
            let _ = release.recv_timeout(Duration::from_secs(60));
        }
        Err(rustls::Error::General("the stalled client gives up".into()))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.2 is not offered".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A QUIC client dialling on its own thread (its verifier blocks that thread).
struct StalledClient {
    /// Lets the client go on (and give up).
    release: mpsc::Sender<()>,
    /// Signalled once the client holds the server's certificate.
    reached: mpsc::Receiver<()>,
    /// The dial's result: `Ok` when the handshake failed, as it should.
    thread: std::thread::JoinHandle<Result<(), String>>,
}

/// Start a client that dials `server` and stalls in the middle of the handshake.
fn stalled_client(server: SocketAddr) -> Result<StalledClient> {
    let (release_tx, release_rx) = mpsc::channel();
    let (reached_tx, reached_rx) = mpsc::channel();
    let verifier = Arc::new(Stall {
        release: Mutex::new(release_rx),
        reached: Mutex::new(reached_tx),
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let quic = quinn::crypto::rustls::QuicClientConfig::try_from(tls)
        .map_err(|e| anyhow!("QUIC client config: {e}"))?;
    let config = quinn::ClientConfig::new(Arc::new(quic));
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            let endpoint =
                quinn::Endpoint::client(([127, 0, 0, 1], 0).into()).map_err(|e| e.to_string())?;
            let connecting = endpoint
                .connect_with(config, server, "stalled.test")
                .map_err(|e| e.to_string())?;
            match connecting.await {
                Ok(_) => Err("the stalled client's handshake succeeded".to_string()),
                Err(_) => Ok(()),
            }
        })
    });
    Ok(StalledClient {
        release: release_tx,
        reached: reached_rx,
        thread,
    })
}

#[tokio::test]
async fn a_full_handshake_limit_refuses_then_admits_when_a_slot_frees() -> Result<()> {
    init_tracing();
    let ca = Ca::new("handshakes")?;
    let mut server_config = config(&ca, &ca.node()?, &[]);
    server_config.max_inbound_handshakes = 1;
    // Long enough that the stalled handshake holds its slot for the whole test.
    server_config.connect_timeout = Duration::from_secs(30);
    let b = start(server_config).await?;

    // An unauthenticated client that passes address validation, takes the only slot and
    // stalls once it holds b's certificate.
    let StalledClient {
        release,
        reached,
        thread: client,
    } = stalled_client(b.addr)?;
    tokio::task::spawn_blocking(move || reached.recv_timeout(WAIT))
        .await?
        .map_err(|_| anyhow!("the stalled client never got the server's certificate"))?;
    assert_eq!(b.net.stats().handshakes_in_progress, 1);

    // A legitimate node dialling now is refused, and b counts it.
    let mut a = start(config(&ca, &ca.node()?, &[b.addr])).await?;
    wait_event(&mut a, |e| is_connect_failed(e, Direction::Outbound)).await?;
    assert!(b.net.stats().handshakes_refused >= 1);
    assert!(b.net.peers().is_empty());

    // The stalled client gives up; its slot frees and a's redial gets in.
    release.send(())?;
    let outcome = tokio::task::spawn_blocking(move || client.join())
        .await?
        .map_err(|_| anyhow!("the client thread panicked"))?;
    outcome.map_err(|e| anyhow!(e))?;
    wait_connected(&a, &b).await?;
    wait_until("the slot to be free", || {
        b.net.stats().handshakes_in_progress == 0
    })
    .await?;

    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_zero_handshake_limit_is_a_configuration_error() -> Result<()> {
    let ca = Ca::new("zero")?;
    let mut cfg = config(&ca, &ca.node()?, &[]);
    cfg.max_inbound_handshakes = 0;
    let err = match weft_network::Network::start(cfg).await {
        Ok(_) => return Err(anyhow!("a node started that accepts no handshake")),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("max_inbound_handshakes"), "{err}");
    Ok(())
}
