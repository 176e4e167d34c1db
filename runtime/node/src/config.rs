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

    /// The file's text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}
