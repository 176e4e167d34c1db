//! The chain's certificate authority and the nodes' TLS certificates, as FISCO BCOS's
//! `build_chain.sh` makes them: `ca/ca.crt` + `ca/ca.key`, and per node
//! `conf/ca.crt`, `conf/ssl.crt`, `conf/ssl.key`.
//!
//! Keys are ECDSA P-256 (what rustls and QUIC speak on either suite). A node
//! certificate's subject is `CN=weft-node, O=weft`, and it names the node by a DNS
//! subject alternative name that carries the whole node id (the 128 hex digits of the
//! node's 64-byte suite public key) in four labels of 32 digits:
//!
//! ```text
//! <hex 0..32>.<hex 32..64>.<hex 64..96>.<hex 96..128>.node.weft
//! ```
//!
//! A DNS label holds at most 63 characters, so the id cannot be one label, nor two of
//! 64; four equal labels keep it readable. The id is kept whole, not abbreviated, so a
//! certificate names exactly one node. Because it is an ordinary DNS name, a peer can
//! be authenticated with standard verification: connect with [`node_dns_name`] of the
//! expected node id as the server name and trust only the chain's CA, and the TLS
//! library checks both the chain of trust and the identity; on an accepted connection,
//! [`node_id_from_dns_name`] reads the id back. The certificate carries `serverAuth`
//! and `clientAuth`, so the same one serves both ends of a mutually authenticated
//! connection.
//!
//! The certificate binds the TLS key to the node id by the CA's signature alone; a
//! handshake that also wants proof of the suite key can sign the TLS exporter with the
//! node key.

use std::path::Path;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use weft_crypto::PublicKey;
use weft_types::NodeId;

/// The subject common name of every node certificate.
pub const NODE_COMMON_NAME: &str = "weft-node";

/// The DNS suffix of node names.
pub use weft_network::NODE_DNS_SUFFIX;

/// How long the CA and node certificates are valid.
pub const VALIDITY_YEARS: i32 = 10;

/// Why a certificate could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// rcgen refused the parameters or could not sign.
    #[error("cannot make the certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// A file could not be written or read.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `write` or `read`.
        action: &'static str,
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The DNS name that carries `node_id` in its certificate:
/// `<hex 0..32>.<hex 32..64>.<hex 64..96>.<hex 96..128>.node.weft`.
///
/// The format is `weft-network`'s, which reads it back when it authenticates a peer.
pub fn node_dns_name(node_id: &PublicKey) -> String {
    weft_network::node_dns_name(&NodeId::from(node_id.0))
}

/// The node id a certificate's DNS name carries, or `None` if it is not a node name.
pub fn node_id_from_dns_name(name: &str) -> Option<PublicKey> {
    weft_network::node_id_from_dns_name(name).map(|id| PublicKey(id.0))
}

/// A PEM certificate and its PEM (PKCS#8) private key.
#[derive(Clone)]
pub struct CertifiedKey {
    /// The certificate.
    pub cert_pem: String,
    /// The private key.
    pub key_pem: String,
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// A chain's certificate authority.
pub struct ChainCa {
    cert: CertifiedKey,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for ChainCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainCa").field("cert", &self.cert).finish()
    }
}

fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    // Positive and of full length in DER.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

/// Valid from an hour ago (tolerating clock skew between nodes) for ten years.
fn set_validity(params: &mut CertificateParams) {
    params.not_before = (SystemTime::now() - Duration::from_secs(3600)).into();
    let ten_years = Duration::from_secs(u64::from(VALIDITY_YEARS.unsigned_abs()) * 36525 * 864);
    let start = params.not_before;
    params.not_after = start
        .replace_year(start.year() + VALIDITY_YEARS)
        .unwrap_or(start + ten_years);
}

impl ChainCa {
    /// A new CA: a P-256 key and a self-signed certificate (`CA:true`, path length 0,
    /// key usages `keyCertSign` and `cRLSign`) for `chain_name`.
    pub fn generate(chain_name: &str) -> Result<ChainCa, CertError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("{chain_name} CA"));
        dn.push(DnType::OrganizationName, "weft");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(random_serial());
        set_validity(&mut params);
        let cert = params.self_signed(&key)?;
        let certified = CertifiedKey {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        };
        Ok(ChainCa {
            cert: certified,
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA's certificate and key.
    pub fn certified_key(&self) -> &CertifiedKey {
        &self.cert
    }

    /// A node's TLS key (P-256) and its certificate signed by this CA: subject
    /// `CN=weft-node`, the node id in a DNS name ([`node_dns_name`]), `serverAuth` and
    /// `clientAuth`.
    pub fn issue_node_cert(&self, node_id: &PublicKey) -> Result<CertifiedKey, CertError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec![node_dns_name(node_id)])?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, NODE_COMMON_NAME);
        dn.push(DnType::OrganizationName, "weft");
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial());
        set_validity(&mut params);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(CertifiedKey {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// Write `text` to `path`; private keys (`secret`) only readable by the owner.
pub fn write_pem(path: &Path, text: &str, secret: bool) -> Result<(), CertError> {
    let io = |source| CertError::Io {
        action: "write",
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(io)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_round_trip() {
        let key = weft_crypto::KeyPair::generate(weft_crypto::SuiteId::Standard);
        let name = node_dns_name(key.public());
        let labels: Vec<&str> = name.split('.').collect();
        assert_eq!(labels.len(), 6);
        assert_eq!(labels.concat(), format!("{}nodeweft", key.public()));
        assert!(labels.iter().all(|l| l.len() <= 63));
        assert_eq!(node_id_from_dns_name(&name), Some(*key.public()));
        assert_eq!(node_id_from_dns_name("example.com"), None);
        assert_eq!(
            node_id_from_dns_name(&name.replace(".node.weft", ".node.evil")),
            None
        );
    }

    #[test]
    fn a_ca_issues_node_certificates() {
        let ca = ChainCa::generate("test chain").unwrap();
        assert!(ca
            .certified_key()
            .cert_pem
            .starts_with("-----BEGIN CERTIFICATE-----"));
        let key = weft_crypto::KeyPair::generate(weft_crypto::SuiteId::Sm);
        let node = ca.issue_node_cert(key.public()).unwrap();
        assert!(node.key_pem.contains("PRIVATE KEY"));
        assert_ne!(node.cert_pem, ca.certified_key().cert_pem);
    }
}
