//! Loading plugins: `.so` files from a node's plugin folder, checked against the ABI
//! version and the SHA-256 genesis pins for them. Plugins are never unloaded.

use std::path::{Path, PathBuf};

use alloy_primitives::{Address, B256};
use sha2::{Digest, Sha256};
use weft_plugin_abi::ffi::{self, WeftBytes, WeftOutput};
use weft_plugin_abi::{AuthRequest, Host, Verdict};

use crate::bridge::with_api;

/// Why the node's plugins could not be loaded. Every variant names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The plugin folder or a file in it could not be read.
    #[error("plugin {}: {error}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The file is not a loadable shared library.
    #[error("plugin {}: not a loadable shared library: {reason}", file.display())]
    NotALibrary {
        /// The file.
        file: PathBuf,
        /// The loader's message.
        reason: String,
    },
    /// The library lacks a symbol every Weft plugin exports.
    #[error("plugin {}: missing symbol `{symbol}`: not a Weft plugin (plugins export it with weft_plugin_abi::export_plugin!)", file.display())]
    MissingSymbol {
        /// The file.
        file: PathBuf,
        /// The symbol.
        symbol: &'static str,
    },
    /// The plugin was built for another ABI version.
    #[error("plugin {}: built for plugin ABI version {found}, this node speaks version {expected}; rebuild it against weft-plugin-abi {expected}", file.display())]
    AbiVersion {
        /// The file.
        file: PathBuf,
        /// The node's version.
        expected: u32,
        /// The plugin's.
        found: u32,
    },
    /// The plugin's declaration is unusable.
    #[error("plugin {}: invalid declaration: {reason}", file.display())]
    BadInfo {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file's SHA-256 differs from the one genesis pins for the plugin's name.
    #[error("plugin {} ({name}): SHA-256 mismatch: genesis pins {expected}, the file has {found}; every node must run the same native code", file.display())]
    HashMismatch {
        /// The file.
        file: PathBuf,
        /// The plugin's declared name.
        name: String,
        /// The pinned hash.
        expected: B256,
        /// The file's hash.
        found: B256,
    },
    /// A plugin genesis does not pin.
    #[error("plugin {} ({name}, SHA-256 {found}): not pinned in genesis; remove the file or add it to the chain's genesis `plugins`", file.display())]
    NotPinned {
        /// The file.
        file: PathBuf,
        /// The plugin's declared name.
        name: String,
        /// The file's hash.
        found: B256,
    },
    /// Genesis pins a plugin the folder lacks.
    #[error("genesis pins plugin `{name}` (SHA-256 {expected}) but no file in {} provides it", dir.display())]
    Missing {
        /// The plugin folder.
        dir: PathBuf,
        /// The pinned name.
        name: String,
        /// The pinned hash.
        expected: B256,
    },
    /// Two plugins (or a plugin and a built-in) claim the same address or name.
    #[error("plugin {}: {reason}", file.display())]
    Clash {
        /// The file.
        file: PathBuf,
        /// What clashes.
        reason: String,
    },
}

/// A plugin genesis pins: its declared name and the SHA-256 of its file (genesis'
/// [`PluginPin`](weft_ledger::PluginPin) itself).
pub use weft_ledger::PluginPin as Pin;

/// How a plugin call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginOutcome {
    /// Returned this data.
    Success(Vec<u8>),
    /// Reverted with this data.
    Revert(Vec<u8>),
    /// Failed with this message.
    Fail(String),
    /// Ran out of gas.
    OutOfGas,
    /// Panicked with this message (caught inside the plugin).
    Panic(String),
}

/// A loaded plugin.
pub struct LoadedPlugin {
    name: String,
    version: String,
    file: PathBuf,
    sha256: B256,
    addresses: Vec<Address>,
    ranges: Vec<(Address, Address)>,
    base_gas: u64,
    auth_hook: bool,
    call: ffi::CallFn,
    hook: ffi::HookFn,
    free: ffi::FreeFn,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("file", &self.file)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a file.
pub fn file_sha256(path: &Path) -> Result<B256, PluginError> {
    let bytes = std::fs::read(path).map_err(|error| PluginError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(B256::from(<[u8; 32]>::from(Sha256::digest(&bytes))))
}

/// Borrowed UTF-8 from a plugin's declaration.
///
/// # Safety
/// `bytes` must be valid for the plugin's lifetime (it is static data of the library).
unsafe fn text(bytes: WeftBytes, what: &str, file: &Path) -> Result<String, PluginError> {
    // SAFETY: the caller guarantees validity.
    let raw = unsafe { bytes.as_slice() };
    let s = std::str::from_utf8(raw).map_err(|_| PluginError::BadInfo {
        file: file.to_path_buf(),
        reason: format!("{what} is not UTF-8"),
    })?;
    if s.is_empty() || s.len() > 64 {
        return Err(PluginError::BadInfo {
            file: file.to_path_buf(),
            reason: format!("{what} must be 1 to 64 bytes"),
        });
    }
    Ok(s.to_string())
}

impl LoadedPlugin {
    /// Load the library at `file` (never unloaded) and read its declaration; `sha256` is
    /// the file's hash, already checked or to be checked by the caller.
    pub fn load(file: &Path, sha256: B256) -> Result<Self, PluginError> {
        let file_buf = file.to_path_buf();
        // SAFETY: loading a library runs its initialisers. Only files in the node's own
        // plugin folder are loaded, at start-up, and a plugin whose hash genesis does not
        // pin is refused before it is ever called.
        let library =
            unsafe { libloading::Library::new(file) }.map_err(|e| PluginError::NotALibrary {
                file: file_buf.clone(),
                reason: e.to_string(),
            })?;
        // Never unloaded: function pointers into it live as long as the process.
        let library: &'static libloading::Library = Box::leak(Box::new(library));
        fn symbol<T: Copy>(
            library: &'static libloading::Library,
            name: &'static str,
            file: &Path,
        ) -> Result<T, PluginError> {
            // SAFETY: the symbol's type is the one the ABI fixes for this name.
            unsafe { library.get::<T>(name.as_bytes()) }
                .map(|s| *s)
                .map_err(|_| PluginError::MissingSymbol {
                    file: file.to_path_buf(),
                    symbol: name,
                })
        }
        let abi_version: ffi::AbiVersionFn = symbol(library, "weft_plugin_abi_version", file)?;
        // SAFETY: a plain function returning an integer; stable across ABI versions.
        let found = unsafe { abi_version() };
        if found != ffi::ABI_VERSION {
            return Err(PluginError::AbiVersion {
                file: file_buf,
                expected: ffi::ABI_VERSION,
                found,
            });
        }
        let info: ffi::InfoFn = symbol(library, "weft_plugin_info", file)?;
        let call: ffi::CallFn = symbol(library, "weft_plugin_call", file)?;
        let hook: ffi::HookFn = symbol(library, "weft_plugin_hook", file)?;
        let free: ffi::FreeFn = symbol(library, "weft_plugin_free", file)?;
        let bad = |reason: &str| PluginError::BadInfo {
            file: file_buf.clone(),
            reason: reason.to_string(),
        };
        // SAFETY: the ABI's info function returns static data of the library.
        let info =
            unsafe { info().as_ref() }.ok_or_else(|| bad("weft_plugin_info returned null"))?;
        if info.abi_version != ffi::ABI_VERSION {
            return Err(PluginError::AbiVersion {
                file: file_buf,
                expected: ffi::ABI_VERSION,
                found: info.abi_version,
            });
        }
        // SAFETY: static data of the library.
        let name = unsafe { text(info.name, "name", file)? };
        // SAFETY: static data of the library.
        let version = unsafe { text(info.version, "version", file)? };
        if info.address_count == 0 || info.addresses.is_null() || info.address_count > 64 {
            return Err(bad("a plugin declares 1 to 64 addresses"));
        }
        if info.range_count > 16 || (info.range_count > 0 && info.ranges.is_null()) {
            return Err(bad("a plugin declares at most 16 address ranges"));
        }
        // SAFETY: the declaration holds `address_count` addresses.
        let addresses: Vec<Address> =
            unsafe { std::slice::from_raw_parts(info.addresses, info.address_count) }
                .iter()
                .map(|a| Address::from(*a))
                .collect();
        let ranges: Vec<(Address, Address)> = if info.range_count == 0 {
            Vec::new()
        } else {
            // SAFETY: the declaration holds `range_count` ranges.
            unsafe { std::slice::from_raw_parts(info.ranges, info.range_count) }
                .iter()
                .map(|r| (Address::from(r.first), Address::from(r.last)))
                .collect()
        };
        if ranges.iter().any(|(first, last)| first > last) {
            return Err(bad("an address range ends before it starts"));
        }
        Ok(LoadedPlugin {
            name,
            version,
            file: file_buf,
            sha256,
            addresses,
            ranges,
            base_gas: info.base_gas,
            auth_hook: info.flags & ffi::FLAG_AUTH_HOOK != 0,
            call,
            hook,
            free,
        })
    }

    /// The declared name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// SHA-256 of the file.
    pub fn sha256(&self) -> B256 {
        self.sha256
    }

    /// The declared addresses (the first is the storage namespace).
    pub fn addresses(&self) -> &[Address] {
        &self.addresses
    }

    /// The declared address ranges.
    pub fn ranges(&self) -> &[(Address, Address)] {
        &self.ranges
    }

    /// The storage namespace: the first declared address.
    pub fn namespace(&self) -> Address {
        self.addresses[0]
    }

    /// Gas charged per call before the plugin runs.
    pub fn base_gas(&self) -> u64 {
        self.base_gas
    }

    /// Whether the plugin answers permission questions.
    pub fn auth_hook(&self) -> bool {
        self.auth_hook
    }

    /// Does the plugin answer at `address`?
    pub fn answers(&self, address: &Address) -> bool {
        self.addresses.contains(address)
            || self
                .ranges
                .iter()
                .any(|(first, last)| first <= address && address <= last)
    }

    /// Copy a plugin output and give it back to the plugin.
    fn take(&self, out: WeftOutput) -> Vec<u8> {
        if out.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the plugin handed over `len` initialised bytes at `ptr`.
        let bytes = unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec();
        // SAFETY: given back once, to the plugin that allocated it.
        unsafe { (self.free)(out) };
        bytes
    }

    /// Call the plugin at `address` with `input` against `host` (the base gas is the
    /// caller's to charge).
    pub fn call(&self, host: &mut dyn Host, address: Address, input: &[u8]) -> PluginOutcome {
        let raw_address = address.into_array();
        let (status, out) = with_api(host, |api| {
            let mut out = WeftOutput::EMPTY;
            // SAFETY: the ABI's contract: valid pointers for the duration of the call.
            let status =
                unsafe { (self.call)(api, &raw_address, WeftBytes::from_slice(input), &mut out) };
            (status, out)
        });
        let data = self.take(out);
        match status {
            ffi::CALL_SUCCESS => PluginOutcome::Success(data),
            ffi::CALL_REVERT => PluginOutcome::Revert(data),
            ffi::CALL_OUT_OF_GAS => PluginOutcome::OutOfGas,
            ffi::CALL_PANIC => PluginOutcome::Panic(String::from_utf8_lossy(&data).into_owned()),
            ffi::CALL_FAIL => PluginOutcome::Fail(String::from_utf8_lossy(&data).into_owned()),
            other => PluginOutcome::Fail(format!("plugin returned unknown status {other}")),
        }
    }

    /// Ask the plugin a permission question; `Err` carries the plugin's failure.
    pub fn authorize(
        &self,
        host: &mut dyn Host,
        request: &AuthRequest,
    ) -> Result<Verdict, PluginOutcome> {
        let raw = ffi::WeftAuthRequest {
            kind: request.kind.code(),
            account: request.account.into_array(),
            contract: request.contract.into_array(),
            selector: request.selector,
            table: WeftBytes::from_slice(request.table.as_bytes()),
        };
        let (status, out) = with_api(host, |api| {
            let mut out = WeftOutput::EMPTY;
            // SAFETY: the ABI's contract: valid pointers for the duration of the call.
            let status = unsafe { (self.hook)(api, &raw, &mut out) };
            (status, out)
        });
        let data = self.take(out);
        match status {
            ffi::CALL_SUCCESS => Ok(Verdict::Allow),
            ffi::CALL_DENIED => Ok(Verdict::Deny),
            ffi::CALL_FROZEN => Ok(Verdict::Frozen),
            ffi::CALL_OUT_OF_GAS => Err(PluginOutcome::OutOfGas),
            ffi::CALL_PANIC => Err(PluginOutcome::Panic(
                String::from_utf8_lossy(&data).into_owned(),
            )),
            _ => Err(PluginOutcome::Fail(
                String::from_utf8_lossy(&data).into_owned(),
            )),
        }
    }
}

/// The plugin files of `dir`: every `*.so` (`*.dylib` on macOS), sorted by name.
pub fn plugin_files(dir: &Path) -> Result<Vec<PathBuf>, PluginError> {
    let io = |error| PluginError::Io {
        path: dir.to_path_buf(),
        error,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let ext = path.extension().and_then(|e| e.to_str());
        if matches!(ext, Some("so") | Some("dylib")) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Load every plugin file of `dir` and check it against `pins`: every file must be a Weft
/// plugin of this ABI version whose name and SHA-256 genesis pins, and every pin must be
/// provided by a file. A folder that does not exist holds no plugins.
pub fn load_dir(dir: &Path, pins: &[Pin]) -> Result<Vec<LoadedPlugin>, PluginError> {
    let files = if dir.exists() {
        plugin_files(dir)?
    } else {
        Vec::new()
    };
    let mut loaded = Vec::new();
    for file in files {
        let sha = file_sha256(&file)?;
        let plugin = LoadedPlugin::load(&file, sha)?;
        match pins.iter().find(|p| p.name == plugin.name) {
            Some(pin) if pin.sha256 == sha => {}
            Some(pin) => {
                return Err(PluginError::HashMismatch {
                    file,
                    name: plugin.name,
                    expected: pin.sha256,
                    found: sha,
                })
            }
            None => {
                return Err(PluginError::NotPinned {
                    file,
                    name: plugin.name,
                    found: sha,
                })
            }
        }
        if let Some(other) = loaded
            .iter()
            .find(|p: &&LoadedPlugin| p.name == plugin.name)
        {
            return Err(PluginError::Clash {
                file,
                reason: format!(
                    "plugin name `{}` is also declared by {}",
                    plugin.name,
                    other.file.display()
                ),
            });
        }
        tracing::info!(name = %plugin.name, version = %plugin.version, file = %plugin.file.display(), sha256 = %sha, "plugin loaded");
        loaded.push(plugin);
    }
    for pin in pins {
        if !loaded.iter().any(|p| p.name == pin.name) {
            return Err(PluginError::Missing {
                dir: dir.to_path_buf(),
                name: pin.name.clone(),
                expected: pin.sha256,
            });
        }
    }
    Ok(loaded)
}
