//! The node's configuration file (`weft node start --config FILE`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A node's configuration file. Relative paths are relative to the file's folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Where the node keeps its data.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// The chain's genesis file.
    #[serde(default = "default_genesis")]
    pub genesis: PathBuf,
    /// The node's key file (hex).
    #[serde(default = "default_node_key")]
    pub node_key: PathBuf,
    /// Where JSON-RPC (HTTP and WebSocket) listens.
    #[serde(default = "default_rpc")]
    pub rpc_addr: SocketAddr,
    /// Seal once the oldest pending transaction waited this many milliseconds.
    #[serde(default = "default_min_seal_time")]
    pub min_seal_time_ms: u64,
    /// Most transactions the pool holds.
    #[serde(default = "default_pool_limit")]
    pub txpool_limit: usize,
    /// Seconds a transaction may wait in the pool.
    #[serde(default = "default_expiry")]
    pub txpool_expiry_secs: u64,
    /// The node's TLS certificate (PEM), signed by the chain's CA; it names the node id
    /// (see [`crate::certs`]).
    #[serde(default = "default_tls_cert")]
    pub tls_cert: PathBuf,
    /// The private key of the TLS certificate (PEM).
    #[serde(default = "default_tls_key")]
    pub tls_key: PathBuf,
    /// The chain's CA certificate (PEM): peers must present certificates it signed.
    #[serde(default = "default_ca_cert")]
    pub ca_cert: PathBuf,
    /// The folder of precompile plugins; it must hold exactly the plugins genesis pins.
    #[serde(default = "default_plugin_dir")]
    pub plugin_dir: PathBuf,
    /// How the node reaches its peers (`[p2p]`).
    #[serde(default)]
    pub p2p: P2pSection,
}

/// The `[p2p]` section: where QUIC listens, whom to dial, and who may connect beyond the
/// group's node list (FISCO BCOS's `[p2p]` and `[certificate_whitelist]` /
/// `[certificate_blacklist]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct P2pSection {
    /// The UDP address QUIC listens on.
    #[serde(default = "default_p2p_listen")]
    pub listen: SocketAddr,
    /// Peers to dial (`ip:port`); connections are two-way, so one side suffices.
    #[serde(default)]
    pub peers: Vec<SocketAddr>,
    /// If not empty, only these node ids (hex) are admitted.
    #[serde(default)]
    pub whitelist: Vec<String>,
    /// Node ids (hex) that are never admitted.
    #[serde(default)]
    pub blacklist: Vec<String>,
    /// Inbound QUIC handshakes that may run at once; further attempts are refused and the
    /// peer redials later.
    #[serde(default = "default_max_inbound_handshakes")]
    pub max_inbound_handshakes: usize,
}

fn default_max_inbound_handshakes() -> usize {
    weft_network::DEFAULT_MAX_INBOUND_HANDSHAKES
}

fn default_p2p_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 30300))
}

impl Default for P2pSection {
    fn default() -> Self {
        P2pSection {
            listen: default_p2p_listen(),
            peers: Vec::new(),
            whitelist: Vec::new(),
            blacklist: Vec::new(),
            max_inbound_handshakes: default_max_inbound_handshakes(),
        }
    }
}

/// Parse node ids given in hex (128 digits, `0x` optional) for `what`.
pub fn parse_node_ids(ids: &[String], what: &str) -> anyhow::Result<Vec<weft_types::NodeId>> {
    ids.iter()
        .map(|id| {
            let hex_id = id.trim().trim_start_matches("0x");
            let mut bytes = [0u8; 64];
            hex::decode_to_slice(hex_id, &mut bytes).map_err(|_| {
                anyhow::anyhow!(
                    "{what}: {id:?} is not a node id (128 hex digits, as in a node's node.nodeid file)"
                )
            })?;
            Ok(weft_types::NodeId::from(bytes))
        })
        .collect()
}

fn default_data_dir() -> PathBuf {
    "data".into()
}
fn default_genesis() -> PathBuf {
    "genesis.toml".into()
}
fn default_node_key() -> PathBuf {
    "node.key".into()
}
fn default_rpc() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8545))
}
fn default_min_seal_time() -> u64 {
    100
}
fn default_pool_limit() -> usize {
    200_000
}
fn default_expiry() -> u64 {
    600
}
fn default_tls_cert() -> PathBuf {
    "conf/ssl.crt".into()
}
fn default_tls_key() -> PathBuf {
    "conf/ssl.key".into()
}
fn default_ca_cert() -> PathBuf {
    "conf/ca.crt".into()
}
fn default_plugin_dir() -> PathBuf {
    "plugins".into()
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            data_dir: default_data_dir(),
            genesis: default_genesis(),
            node_key: default_node_key(),
            rpc_addr: default_rpc(),
            min_seal_time_ms: default_min_seal_time(),
            txpool_limit: default_pool_limit(),
            txpool_expiry_secs: default_expiry(),
            tls_cert: default_tls_cert(),
            tls_key: default_tls_key(),
            ca_cert: default_ca_cert(),
            plugin_dir: default_plugin_dir(),
            p2p: P2pSection::default(),
        }
    }
}

impl ConfigFile {
    /// Read and parse a configuration file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("cannot read node configuration {}: {e}", path.display())
        })?;
        let mut config: ConfigFile = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("node configuration {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        for p in [
            &mut config.data_dir,
            &mut config.genesis,
            &mut config.node_key,
            &mut config.tls_cert,
            &mut config.tls_key,
            &mut config.ca_cert,
            &mut config.plugin_dir,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// The network settings for [`crate::NodeService::start`]: the addresses of `[p2p]`,
    /// the certificates read from their files, the white- and blacklist parsed.
    pub fn p2p_config(&self) -> anyhow::Result<crate::P2pConfig> {
        let read = |path: &Path, what: &str| {
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the {what} {}: {e}", path.display()))
        };
        Ok(crate::P2pConfig {
            listen: self.p2p.listen,
            peers: self.p2p.peers.clone(),
            node_cert_pem: read(&self.tls_cert, "TLS certificate (tls_cert)")?,
            node_key_pem: read(&self.tls_key, "TLS key (tls_key)")?,
            ca_cert_pem: read(&self.ca_cert, "CA certificate (ca_cert)")?,
            whitelist: parse_node_ids(&self.p2p.whitelist, "p2p.whitelist")?,
            blacklist: parse_node_ids(&self.p2p.blacklist, "p2p.blacklist")?,
            max_inbound_handshakes: self.p2p.max_inbound_handshakes,
        })
    }

    /// The file's text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p2p_section_is_optional_and_round_trips() {
        let old: ConfigFile = toml::from_str("rpc_addr = \"127.0.0.1:9000\"\n").unwrap();
        assert_eq!(old.p2p, P2pSection::default());
        let config = ConfigFile {
            p2p: P2pSection {
                listen: "127.0.0.1:30301".parse().unwrap(),
                peers: vec!["127.0.0.1:30300".parse().unwrap()],
                whitelist: vec![],
                blacklist: vec![format!("0x{}", "ab".repeat(64))],
                max_inbound_handshakes: 8,
            },
            ..ConfigFile::default()
        };
        let text = config.to_toml();
        assert!(text.contains("[p2p]"), "{text}");
        assert!(text.contains("max_inbound_handshakes = 8"), "{text}");
        let defaulted: ConfigFile = toml::from_str("[p2p]\npeers = []\n").unwrap();
        assert_eq!(
            defaulted.p2p.max_inbound_handshakes,
            weft_network::DEFAULT_MAX_INBOUND_HANDSHAKES
        );
        assert_eq!(toml::from_str::<ConfigFile>(&text).unwrap(), config);
        let ids = parse_node_ids(&config.p2p.blacklist, "p2p.blacklist").unwrap();
        assert_eq!(ids, vec![weft_types::NodeId::repeat_byte(0xab)]);
        let err = parse_node_ids(&["abc".into()], "p2p.whitelist").unwrap_err();
        assert!(err.to_string().contains("p2p.whitelist"), "{err}");
        assert!(toml::from_str::<ConfigFile>("[p2p]\nlisten = \"nope\"\n").is_err());
    }
}
