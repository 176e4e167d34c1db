//! A node's identity in its certificate.
//!
//! The chain CA names a node by a DNS subject alternative name that carries the whole
//! 64-byte node id as 128 hex digits in four labels of 32 (a DNS label holds at most 63
//! characters): `<hex 0..32>.<hex 32..64>.<hex 64..96>.<hex 96..128>.node.weft`. This is
//! the form `weft chain new` issues (`weft-node`'s `certs` module).

use rustls::pki_types::CertificateDer;
use weft_types::NodeId;
use x509_parser::extensions::GeneralName;

/// The DNS suffix of node names.
pub const NODE_DNS_SUFFIX: &str = "node.weft";

/// The DNS name that carries `node_id` in its certificate.
pub fn node_dns_name(node_id: &NodeId) -> String {
    let hex = hex::encode(node_id.as_slice());
    format!(
        "{}.{}.{}.{}.{NODE_DNS_SUFFIX}",
        &hex[..32],
        &hex[32..64],
        &hex[64..96],
        &hex[96..]
    )
}

/// The node id a DNS name carries, or `None` if it is not a node name.
pub fn node_id_from_dns_name(name: &str) -> Option<NodeId> {
    let rest = name.strip_suffix(NODE_DNS_SUFFIX)?.strip_suffix('.')?;
    let labels: Vec<&str> = rest.split('.').collect();
    if labels.len() != 4 || labels.iter().any(|l| l.len() != 32) {
        return None;
    }
    let mut bytes = [0u8; 64];
    for (label, chunk) in labels.iter().zip(bytes.chunks_mut(16)) {
        hex::decode_to_slice(label, chunk).ok()?;
    }
    Some(NodeId::from(bytes))
}

/// Why a certificate does not name a node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The DER could not be parsed as an X.509 certificate.
    #[error("the certificate cannot be parsed: {0}")]
    Unparsable(String),
    /// No DNS subject alternative name of the form `<4×32 hex>.node.weft`.
    #[error("the certificate names no node: it has no DNS name `<128 hex digits in 4 labels>.{NODE_DNS_SUFFIX}`; issue it with `weft chain new`")]
    NoNodeName,
    /// Two different node ids in one certificate.
    #[error("the certificate names more than one node")]
    SeveralNodeNames,
}

/// The node id named by a certificate's DNS subject alternative name.
///
/// This only reads the certificate: the caller must have verified its chain to the CA.
pub fn node_id_from_cert(cert: &CertificateDer<'_>) -> Result<NodeId, IdentityError> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|e| IdentityError::Unparsable(e.to_string()))?;
    let san = parsed
        .subject_alternative_name()
        .map_err(|e| IdentityError::Unparsable(e.to_string()))?
        .ok_or(IdentityError::NoNodeName)?;
    let mut found: Option<NodeId> = None;
    for name in &san.value.general_names {
        if let GeneralName::DNSName(dns) = name {
            if let Some(id) = node_id_from_dns_name(dns) {
                match found {
                    Some(prev) if prev != id => return Err(IdentityError::SeveralNodeNames),
                    _ => found = Some(id),
                }
            }
        }
    }
    found.ok_or(IdentityError::NoNodeName)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_round_trip() {
        let id = NodeId::from([0xabu8; 64]);
        let name = node_dns_name(&id);
        let labels: Vec<&str> = name.split('.').collect();
        assert_eq!(labels.len(), 6);
        assert!(labels.iter().all(|l| l.len() <= 63));
        assert_eq!(node_id_from_dns_name(&name), Some(id));
        assert_eq!(node_id_from_dns_name("example.com"), None);
        assert_eq!(
            node_id_from_dns_name(&name.replace(".node.weft", ".node.evil")),
            None
        );
        assert_eq!(node_id_from_dns_name(&name[1..]), None);
    }
}
