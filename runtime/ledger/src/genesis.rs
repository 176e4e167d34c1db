//! The genesis file: what a chain is, fixed at block 0.

use std::path::Path;

use alloy_primitives::{Address, Bytes, B256};
use serde::{Deserialize, Serialize};
use weft_crypto::{PublicKey, SuiteId};
use weft_types::{merkle, BlockHeader, NodeId};

use crate::nodes::{ConsensusNode, NodeList};

/// Why a genesis file was refused.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The file could not be read.
    #[error("cannot read genesis file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML/JSON for a genesis, or a required field is missing.
    #[error("genesis file {path}: {message}")]
    Parse {
        /// The file (or `<string>`).
        path: String,
        /// The parser's message, which names the field and line.
        message: String,
    },
    /// The values are well-formed but not usable.
    #[error("invalid genesis: {0}")]
    Invalid(String),
}

/// Chain-wide settings that may change later through the SystemConfig precompile; the
/// genesis gives their first values. Names follow FISCO BCOS's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemConfig {
    /// Most transactions in one block.
    pub tx_count_limit: u64,
    /// The replay window: a native transaction is valid while
    /// `height < block_limit <= height + block_limit_window`.
    pub block_limit_window: u64,
    /// Blocks a leader proposes before the next takes over.
    pub leader_period: u64,
    /// Milliseconds before a view change.
    pub consensus_timeout_ms: u64,
    /// Most gas one transaction may use.
    pub tx_gas_limit: u64,
    /// Most gas one block may use.
    pub block_gas_limit: u64,
    /// Whether the permission plugin is consulted on deploys, calls and table writes.
    pub auth_check: bool,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            tx_count_limit: 1000,
            block_limit_window: 1000,
            leader_period: 1,
            consensus_timeout_ms: 3000,
            tx_gas_limit: 3_000_000_000,
            block_gas_limit: 30_000_000_000,
            auth_check: false,
        }
    }
}

impl SystemConfig {
    /// The `(key, value)` pairs as the ledger stores them.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            (keys::TX_COUNT_LIMIT, self.tx_count_limit.to_string()),
            (
                keys::BLOCK_LIMIT_WINDOW,
                self.block_limit_window.to_string(),
            ),
            (keys::LEADER_PERIOD, self.leader_period.to_string()),
            (
                keys::CONSENSUS_TIMEOUT,
                self.consensus_timeout_ms.to_string(),
            ),
            (keys::TX_GAS_LIMIT, self.tx_gas_limit.to_string()),
            (keys::BLOCK_GAS_LIMIT, self.block_gas_limit.to_string()),
            (keys::AUTH_CHECK, u8::from(self.auth_check).to_string()),
        ]
    }

    fn validate(&self) -> Result<(), GenesisError> {
        let positive = [
            ("tx_count_limit", self.tx_count_limit),
            ("block_limit_window", self.block_limit_window),
            ("leader_period", self.leader_period),
            ("consensus_timeout_ms", self.consensus_timeout_ms),
            ("tx_gas_limit", self.tx_gas_limit),
            ("block_gas_limit", self.block_gas_limit),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(GenesisError::Invalid(format!(
                "config.{name} must be greater than 0"
            )));
        }
        if self.block_limit_window > MAX_BLOCK_LIMIT_WINDOW {
            return Err(GenesisError::Invalid(format!(
                "config.block_limit_window is {}; at most {MAX_BLOCK_LIMIT_WINDOW}",
                self.block_limit_window
            )));
        }
        if self.tx_gas_limit > self.block_gas_limit {
            return Err(GenesisError::Invalid(format!(
                "config.tx_gas_limit ({}) exceeds config.block_gas_limit ({})",
                self.tx_gas_limit, self.block_gas_limit
            )));
        }
        Ok(())
    }
}

/// The largest replay window (FISCO BCOS's bound).
pub const MAX_BLOCK_LIMIT_WINDOW: u64 = 5000;

/// The system config keys.
pub mod keys {
    /// See [`super::SystemConfig::tx_count_limit`].
    pub const TX_COUNT_LIMIT: &str = "tx_count_limit";
    /// See [`super::SystemConfig::block_limit_window`].
    pub const BLOCK_LIMIT_WINDOW: &str = "block_limit";
    /// See [`super::SystemConfig::leader_period`].
    pub const LEADER_PERIOD: &str = "consensus_leader_period";
    /// See [`super::SystemConfig::consensus_timeout_ms`].
    pub const CONSENSUS_TIMEOUT: &str = "consensus_timeout";
    /// See [`super::SystemConfig::tx_gas_limit`].
    pub const TX_GAS_LIMIT: &str = "tx_gas_limit";
    /// See [`super::SystemConfig::block_gas_limit`].
    pub const BLOCK_GAS_LIMIT: &str = "block_gas_limit";
    /// See [`super::SystemConfig::auth_check`].
    pub const AUTH_CHECK: &str = "auth_check_status";
}

/// A sealer as the genesis file names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisSealer {
    /// The node id: 64-byte public key, hex.
    pub node_id: NodeId,
    /// Its voting weight (at least 1).
    #[serde(default = "one")]
    pub weight: u64,
}

fn one() -> u64 {
    1
}

/// A plugin the chain runs, pinned by the SHA-256 of its shared library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginPin {
    /// The plugin's declared name.
    pub name: String,
    /// SHA-256 of the `.so` file.
    pub sha256: B256,
}

/// A chain's genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain id (also the EIP-155 chain id).
    pub chain_id: u64,
    /// The group id.
    pub group_id: String,
    /// The crypto suite, for life.
    pub crypto_suite: SuiteId,
    /// Milliseconds since the Unix epoch written into block 0.
    #[serde(default)]
    pub timestamp: u64,
    /// The consensus nodes.
    pub sealers: Vec<GenesisSealer>,
    /// Nodes that sync and execute but do not vote.
    #[serde(default)]
    pub observers: Vec<NodeId>,
    /// Accounts allowed to change system config and the node list.
    #[serde(default)]
    pub admins: Vec<Address>,
    /// First values of the system config.
    #[serde(default)]
    pub config: SystemConfig,
    /// Plugins every node must load, with their hashes.
    #[serde(default)]
    pub plugins: Vec<PluginPin>,
}

impl Genesis {
    /// A genesis with the given sealers (weight 1 each), no observers, admins or plugins,
    /// the default system config and timestamp 0; adjust the public fields as needed.
    pub fn new(chain_id: u64, group_id: &str, crypto_suite: SuiteId, sealers: &[NodeId]) -> Self {
        Genesis {
            chain_id,
            group_id: group_id.into(),
            crypto_suite,
            timestamp: 0,
            sealers: sealers
                .iter()
                .map(|id| GenesisSealer {
                    node_id: *id,
                    weight: 1,
                })
                .collect(),
            observers: Vec::new(),
            admins: Vec::new(),
            config: SystemConfig::default(),
            plugins: Vec::new(),
        }
    }

    /// Read a genesis file: TOML, or JSON when the name ends in `.json`.
    pub fn load(path: &Path) -> Result<Self, GenesisError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| GenesisError::Io {
            path: shown.clone(),
            source,
        })?;
        if path.extension().is_some_and(|e| e == "json") {
            Self::from_json(&text, &shown)
        } else {
            Self::from_toml(&text, &shown)
        }
    }

    /// Parse TOML; `origin` names the source in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, GenesisError> {
        let genesis: Genesis = toml::from_str(text).map_err(|e| GenesisError::Parse {
            path: origin.into(),
            message: e.to_string(),
        })?;
        genesis.validate()?;
        Ok(genesis)
    }

    /// Parse JSON; `origin` names the source in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, GenesisError> {
        let genesis: Genesis = serde_json::from_str(text).map_err(|e| GenesisError::Parse {
            path: origin.into(),
            message: e.to_string(),
        })?;
        genesis.validate()?;
        Ok(genesis)
    }

    /// The genesis as TOML (what `weft chain new` writes).
    pub fn to_toml(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Check the values: at least one sealer, weights of at least 1, node ids that are
    /// keys of the suite's curve and appear once, positive limits.
    pub fn validate(&self) -> Result<(), GenesisError> {
        if self.group_id.is_empty() {
            return Err(GenesisError::Invalid("group_id is empty".into()));
        }
        if self.sealers.is_empty() {
            return Err(GenesisError::Invalid(
                "sealers is empty: a chain needs at least one sealer".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for sealer in &self.sealers {
            if sealer.weight == 0 {
                return Err(GenesisError::Invalid(format!(
                    "sealer {} has weight 0; weights start at 1",
                    sealer.node_id
                )));
            }
        }
        let ids = self
            .sealers
            .iter()
            .map(|s| s.node_id)
            .chain(self.observers.iter().copied());
        for id in ids {
            if !seen.insert(id) {
                return Err(GenesisError::Invalid(format!("node {id} is listed twice")));
            }
            check_node_id(self.crypto_suite, &id)?;
        }
        self.config.validate()
    }

    /// The canonical bytes the genesis block carries in its `extra_data`.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // serde_json writes struct fields in declaration order, so equal values give
        // equal bytes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The node list in force from block 0.
    pub fn node_list(&self) -> NodeList {
        NodeList {
            sealers: self
                .sealers
                .iter()
                .map(|s| ConsensusNode {
                    node_id: s.node_id,
                    weight: s.weight,
                })
                .collect(),
            observers: self.observers.clone(),
        }
    }

    /// Block 0's header: no transactions, the genesis in `extra_data`, the sealers.
    pub fn header(&self) -> BlockHeader {
        let suite = self.crypto_suite.suite();
        let nodes = self.node_list();
        BlockHeader {
            version: crate::HEADER_VERSION,
            number: 0,
            parent_hash: B256::ZERO,
            timestamp: self.timestamp,
            transactions_root: merkle::root(suite, &[]),
            receipts_root: merkle::root(suite, &[]),
            state_root: B256::ZERO,
            gas_used: 0,
            sealer: 0,
            sealer_list: nodes.sealers.iter().map(|s| s.node_id).collect(),
            consensus_weights: nodes.sealers.iter().map(|s| s.weight).collect(),
            extra_data: Bytes::from(self.canonical_bytes()),
        }
    }

    /// The hash of block 0, which identifies the chain.
    pub fn hash(&self) -> B256 {
        self.header().hash(self.crypto_suite.suite())
    }
}

fn check_node_id(suite: SuiteId, id: &NodeId) -> Result<(), GenesisError> {
    suite
        .suite()
        .validate_public_key(&PublicKey(id.0))
        .map_err(|e| {
            GenesisError::Invalid(format!("node id {id} is not a {suite} public key: {e}"))
        })
}
