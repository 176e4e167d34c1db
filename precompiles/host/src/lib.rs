//! Weft's precompile host: the plugin loader and registry, and the built-in system
//! precompiles.
//!
//! - [`loader`] loads every `.so` in a node's plugin folder through the C ABI of
//!   [`weft_plugin_abi`], checks its ABI version and the SHA-256 genesis pins for it, and
//!   never unloads it.
//! - [`Registry`] routes an address to a built-in or a plugin.
//! - The built-ins — SystemConfig `0x1000` ([`system`]), Consensus `0x1003`
//!   ([`consensus`]) and Crypto `0x100a` ([`crypto`]) — speak FISCO BCOS's Solidity
//!   interfaces and run against a [`SystemHost`].
//!
//! Everything here runs against the [`weft_plugin_abi::Host`] trait; the executor
//! implements it over revm's journal, so plugin and built-in writes are undone with the
//! VMs' when a call reverts.

mod bridge;
pub mod consensus;
pub mod crypto;
pub mod loader;
pub mod system;

use std::path::Path;
use std::sync::Arc;

use alloy_primitives::Address;
use weft_ledger::NodeList;
use weft_plugin_abi::{addr, CallResult, Host, HostError};

pub use loader::{LoadedPlugin, Pin, PluginError, PluginOutcome};

/// SystemConfig's address.
pub const SYSTEM_CONFIG: Address = addr(0x1000);
/// Consensus's address.
pub const CONSENSUS: Address = addr(0x1003);
/// Crypto's address.
pub const CRYPTO: Address = addr(0x100a);

/// What the built-in system precompiles need beyond a plugin's [`Host`]: the chain's
/// settings as of the block being executed.
pub trait SystemHost: Host {
    /// The value of system config `key` in force for this block, with the block it took
    /// effect at.
    fn system_config(&mut self, key: &str) -> Result<Option<(String, u64)>, HostError>;
    /// The node list in force for this block.
    fn node_list(&mut self) -> Result<NodeList, HostError>;
}

/// A built-in system precompile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// SystemConfig `0x1000`.
    SystemConfig,
    /// Consensus `0x1003`.
    Consensus,
    /// Crypto `0x100a`.
    Crypto,
}

impl Builtin {
    /// Every built-in.
    pub const ALL: [Builtin; 3] = [Builtin::SystemConfig, Builtin::Consensus, Builtin::Crypto];

    /// Its name, as in failure messages (the variant's name).
    pub fn name(self) -> &'static str {
        match self {
            Builtin::SystemConfig => "SystemConfig",
            Builtin::Consensus => "Consensus",
            Builtin::Crypto => "Crypto",
        }
    }

    /// Its address (also its storage namespace).
    pub fn address(self) -> Address {
        match self {
            Builtin::SystemConfig => SYSTEM_CONFIG,
            Builtin::Consensus => CONSENSUS,
            Builtin::Crypto => CRYPTO,
        }
    }

    /// Gas charged for every call before it runs.
    pub fn base_gas(self) -> u64 {
        match self {
            Builtin::SystemConfig | Builtin::Consensus => 1_000,
            Builtin::Crypto => 60,
        }
    }

    /// Run a call.
    pub fn call(self, host: &mut dyn SystemHost, input: &[u8]) -> CallResult {
        match self {
            Builtin::SystemConfig => system::call(host, input),
            Builtin::Consensus => consensus::call(host, input),
            Builtin::Crypto => crypto::call(host, input),
        }
    }
}

/// What answers at an address.
#[derive(Debug, Clone, Copy)]
pub enum Target<'r> {
    /// A built-in.
    Builtin(Builtin),
    /// A plugin.
    Plugin(&'r LoadedPlugin),
}

/// The precompiles of a chain: the built-ins and the loaded plugins. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    plugins: Arc<Vec<LoadedPlugin>>,
}

impl Registry {
    /// The built-ins only.
    pub fn builtins() -> Self {
        Registry::default()
    }

    /// The built-ins and `plugins`; fails if two claim an address or several plugins
    /// answer permission questions.
    pub fn new(plugins: Vec<LoadedPlugin>) -> Result<Self, PluginError> {
        for (i, plugin) in plugins.iter().enumerate() {
            let clash = |reason: String| PluginError::Clash {
                file: plugin.file().to_path_buf(),
                reason,
            };
            for address in plugin.addresses() {
                if Builtin::ALL.iter().any(|b| b.address() == *address) {
                    return Err(clash(format!(
                        "address {address} belongs to a built-in precompile"
                    )));
                }
                if address.0[..12].iter().all(|b| *b == 0)
                    && u64::from_be_bytes(address.0[12..].try_into().unwrap_or_default()) <= 0x11
                {
                    return Err(clash(format!(
                        "address {address} belongs to an Ethereum precompile"
                    )));
                }
            }
            for other in &plugins[..i] {
                if let Some(a) = plugin.addresses().iter().find(|a| other.answers(a)) {
                    return Err(clash(format!(
                        "address {a} is also claimed by {}",
                        other.file().display()
                    )));
                }
                if let Some(a) = other.addresses().iter().find(|a| plugin.answers(a)) {
                    return Err(clash(format!(
                        "address {a} of {} falls in its ranges",
                        other.file().display()
                    )));
                }
                if other.auth_hook() && plugin.auth_hook() {
                    return Err(clash(format!(
                        "both it and {} answer permission questions; a chain has one permission plugin",
                        other.file().display()
                    )));
                }
            }
        }
        Ok(Registry {
            plugins: Arc::new(plugins),
        })
    }

    /// Load the plugins of `dir` against genesis' `pins` (see [`loader::load_dir`]).
    pub fn load(dir: &Path, pins: &[Pin]) -> Result<Self, PluginError> {
        Registry::new(loader::load_dir(dir, pins)?)
    }

    /// What answers at `address`, if anything.
    pub fn lookup(&self, address: &Address) -> Option<Target<'_>> {
        Builtin::ALL
            .into_iter()
            .find(|b| b.address() == *address)
            .map(Target::Builtin)
            .or_else(|| self.plugin_at(address).map(Target::Plugin))
    }

    fn plugin_at(&self, address: &Address) -> Option<&LoadedPlugin> {
        self.plugins.iter().find(|p| p.answers(address))
    }

    /// The loaded plugins.
    pub fn plugins(&self) -> &[LoadedPlugin] {
        &self.plugins
    }

    /// The plugin that answers permission questions, if one is loaded.
    pub fn auth_plugin(&self) -> Option<&LoadedPlugin> {
        self.plugins.iter().find(|p| p.auth_hook())
    }
}
