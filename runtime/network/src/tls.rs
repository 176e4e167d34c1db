//! rustls and quinn configuration: mutual TLS 1.3 under the chain CA, on *ring*.
//!
//! Chain validation is rustls' own (`WebPkiServerVerifier` / `WebPkiClientVerifier`
//! with the CA as the only root; `serverAuth` / `clientAuth` key purposes). Around
//! them, [`NodeServerVerifier`] and [`NodeClientVerifier`] read the node id from the
//! verified certificate and apply the admission policy, so a refused peer fails the
//! handshake itself and never becomes a connection on either side.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, RootCertStore,
    SignatureScheme,
};
use weft_types::NodeId;

use crate::admission::{Admission, Refusal};
use crate::error::StartError;
use crate::identity::{node_dns_name, node_id_from_cert, node_id_from_dns_name};

/// The ALPN protocol id; a peer that does not speak it fails the handshake.
pub const ALPN: &[u8] = b"weft/1";

/// Server names under this suffix ask for "any admitted node" rather than a given one;
/// the verifier records which node answered under the full name, so the dialler
/// learns the id behind an address even when it refuses it.
pub(crate) const ANY_NODE_SUFFIX: &str = ".any.weft";

/// What both verifiers check beyond the chain: not ourselves, and admitted.
#[derive(Debug)]
pub(crate) struct PeerPolicy {
    pub local_id: NodeId,
    pub admission: Admission,
    /// Server name of an "any node" dial → the node id its server presented.
    presented: Mutex<HashMap<String, NodeId>>,
}

impl PeerPolicy {
    pub(crate) fn check(&self, peer: &NodeId) -> Result<(), Refusal> {
        if *peer == self.local_id {
            return Err(Refusal::SelfConnection);
        }
        self.admission.check(peer)
    }

    /// [`check`](Self::check) for a verifier: a refusal is logged as `refusing {side}
    /// peer` (`side` is `dialled` or `incoming`) and becomes the handshake's error.
    fn admit(&self, id: &NodeId, side: &'static str) -> Result<(), rustls::Error> {
        self.check(id).map_err(|refusal| {
            tracing::info!(%id, %refusal, "refusing {side} peer");
            cert_error(refusal)
        })
    }

    /// The node that answered the last "any node" dial under `server_name`.
    pub(crate) fn take_presented(&self, server_name: &str) -> Option<NodeId> {
        self.presented.lock().remove(server_name)
    }
}

fn cert_error(e: impl std::error::Error + Send + Sync + 'static) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
}

/// A dialled address answered with another node than the one it had before.
#[derive(thiserror::Error)]
#[error("the peer presented node {presented}, not node {expected} that this address had")]
struct UnexpectedNode {
    presented: NodeId,
    expected: NodeId,
}

// quinn reports a TLS failure with the rustls error's `Debug`; make that the message.
impl std::fmt::Debug for UnexpectedNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Verifies a server (the peer we dialled): chain to the CA, node id, expected id,
/// admission.
#[derive(Debug)]
struct NodeServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    policy: Arc<PeerPolicy>,
}

impl ServerCertVerifier for NodeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let id = node_id_from_cert(end_entity).map_err(cert_error)?;
        // Verify the chain and that the certificate is valid for its own node name;
        // the requested name is compared below, since it may be a wildcard request.
        let own_name = ServerName::try_from(node_dns_name(&id)).map_err(cert_error)?;
        self.inner
            .verify_server_cert(end_entity, intermediates, &own_name, ocsp_response, now)?;
        let requested = match server_name {
            ServerName::DnsName(name) => name.as_ref(),
            _ => return Err(CertificateError::NotValidForName.into()),
        };
        if requested.ends_with(ANY_NODE_SUFFIX) {
            self.policy
                .presented
                .lock()
                .insert(requested.to_owned(), id);
        } else if let Some(expected) = node_id_from_dns_name(requested) {
            if expected != id {
                let e = UnexpectedNode {
                    presented: id,
                    expected,
                };
                tracing::warn!(error = %e, "refusing dialled peer");
                return Err(cert_error(e));
            }
        } else {
            return Err(CertificateError::NotValidForName.into());
        }
        self.policy.admit(&id, "dialled")?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Verifies a client (a peer that dialled us): chain to the CA, node id, admission.
#[derive(Debug)]
struct NodeClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    policy: Arc<PeerPolicy>,
}

impl ClientCertVerifier for NodeClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)?;
        let id = node_id_from_cert(end_entity).map_err(cert_error)?;
        self.policy.admit(&id, "incoming")?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The crypto halves of the endpoint, and this node's id.
pub(crate) struct Tls {
    pub server: Arc<quinn::crypto::rustls::QuicServerConfig>,
    pub client: Arc<quinn::crypto::rustls::QuicClientConfig>,
    pub policy: Arc<PeerPolicy>,
}

fn pem_error(what: &'static str) -> impl Fn(rustls::pki_types::pem::Error) -> StartError {
    move |e| StartError::Pem {
        what,
        detail: e.to_string(),
    }
}

/// Build the TLS configurations from the PEM texts.
pub(crate) fn build(
    node_cert_pem: &str,
    node_key_pem: &str,
    ca_cert_pem: &str,
    admission: Admission,
) -> Result<Tls, StartError> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(node_cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(pem_error("node certificate"))?;
    let first = chain.first().ok_or(StartError::Pem {
        what: "node certificate",
        detail: "no CERTIFICATE block".into(),
    })?;
    let local_id = node_id_from_cert(first)?;
    let key =
        PrivateKeyDer::from_pem_slice(node_key_pem.as_bytes()).map_err(pem_error("node key"))?;
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(ca_cert_pem.as_bytes()) {
        roots.add(ca.map_err(pem_error("CA certificate"))?)?;
    }
    if roots.is_empty() {
        return Err(StartError::Pem {
            what: "CA certificate",
            detail: "no CERTIFICATE block".into(),
        });
    }
    let roots = Arc::new(roots);
    // *ring*, explicitly: never whatever provider the process installed by default.
    let provider: Arc<CryptoProvider> = Arc::new(rustls::crypto::ring::default_provider());
    let policy = Arc::new(PeerPolicy {
        local_id,
        admission,
        presented: Mutex::new(HashMap::new()),
    });

    let client_verifier = NodeClientVerifier {
        inner: WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()?,
        policy: policy.clone(),
    };
    let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(client_verifier))
        .with_single_cert(chain.clone(), key.clone_key())?;
    server.alpn_protocols = vec![ALPN.to_vec()];
    // No 0-RTT (replayable) and no resumption: connections are long-lived, and a
    // resumed session would skip the certificate checks above.
    server.max_early_data_size = 0;
    server.send_tls13_tickets = 0;
    server.session_storage = Arc::new(NoServerSessionStorage {});

    let server_verifier = NodeServerVerifier {
        inner: WebPkiServerVerifier::builder_with_provider(roots, provider.clone()).build()?,
        policy: policy.clone(),
    };
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(server_verifier))
        .with_client_auth_cert(chain, key)?;
    client.alpn_protocols = vec![ALPN.to_vec()];
    client.enable_early_data = false;
    client.resumption = Resumption::disabled();

    let no_initial = |e: quinn::crypto::rustls::NoInitialCipherSuite| {
        StartError::Config(format!("TLS provider unusable for QUIC: {e}"))
    };
    Ok(Tls {
        server: Arc::new(server.try_into().map_err(no_initial)?),
        client: Arc::new(client.try_into().map_err(no_initial)?),
        policy,
    })
}
