//! Cross-crate tests of Weft live in `tests/` of this crate; this library is their
//! harness: chains whose precompile plugins are real `.so` files, built with cargo, pinned
//! by SHA-256 in genesis and loaded the way a node loads them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A harness: a panic is a failure report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use alloy_primitives::{Address, Bytes, TxKind, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_executor::{CallOutcome, CallRequest, Executor};
use weft_ledger::{Genesis, Ledger, PluginPin};
use weft_precompiles::{loader, Registry};
use weft_storage::memory::MemoryStorage;
use weft_types::{NativeTx, Receipt, Transaction, VerifiedTx};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Build the plugin crate `package` and return its shared library: the debug profile in
/// tests, the release one in benches. Built once per process; cargo's own lock orders
/// concurrent builds.
pub fn plugin_library(package: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    if let Some(path) = built.lock().unwrap().get(package) {
        return path.clone();
    }
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(root())
        .args(["build", "--quiet", "--message-format=json", "-p", package]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let output = command.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build -p {package} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wanted = package.replace('-', "_");
    let path = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == wanted.as_str())
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .find(|f| matches!(f.extension().and_then(|e| e.to_str()), Some("so" | "dylib")))
        .unwrap_or_else(|| panic!("cargo built no shared library for {package}"));
    built
        .lock()
        .unwrap()
        .insert(package.to_string(), path.clone());
    path
}

/// Copy plugin `package`'s library into `dir` (as an operator drops it into a node's
/// plugin folder); the copy's path.
pub fn install_plugin(package: &str, dir: &Path) -> PathBuf {
    let source = plugin_library(package);
    std::fs::create_dir_all(dir).unwrap();
    let target = dir.join(source.file_name().unwrap());
    std::fs::copy(&source, &target).unwrap();
    target
}

/// The genesis pin of the plugin file `file`: its declared name and SHA-256.
pub fn pin_of(file: &Path) -> PluginPin {
    let sha256 = loader::file_sha256(file).unwrap();
    let plugin = weft_precompiles::LoadedPlugin::load(file, sha256).unwrap();
    PluginPin {
        name: plugin.name().to_string(),
        sha256,
    }
}

/// The genesis pins for every plugin file in `dir`.
pub fn pins_of_dir(dir: &Path) -> Vec<PluginPin> {
    loader::plugin_files(dir)
        .unwrap()
        .iter()
        .map(|f| pin_of(f))
        .collect()
}

/// Creation bytecode of Solidity contract `name` (solc 0.8.11 artifact).
pub fn solidity(name: &str) -> Vec<u8> {
    let path = root().join(format!("contracts/solidity/artifacts/0.8.11/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    alloy_primitives::hex::decode(json["bytecode"].as_str().unwrap()).unwrap()
}

/// The deployment payload of Rust WASM contract `name` (`contracts/wasm`), built once per
/// test process.
pub fn wasm_contract(name: &str) -> Vec<u8> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let out = root().join("target/weft-wasm-contracts");
        let output = Command::new(root().join("contracts/wasm/build.sh"))
            .arg(&out)
            .output()
            .expect("run contracts/wasm/build.sh");
        assert!(
            output.status.success(),
            "contracts/wasm/build.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        out
    });
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Gas limit of the harness's transactions.
pub const TX_GAS: u64 = 100_000_000;

/// How to build a [`PluginChain`].
#[derive(Debug, Clone)]
pub struct ChainBuilder {
    plugins: Vec<String>,
    auth_check: bool,
    suite: SuiteId,
}

impl ChainBuilder {
    /// Load plugin crate `package`.
    pub fn plugin(mut self, package: &str) -> Self {
        self.plugins.push(package.to_string());
        self
    }

    /// Turn permission checking on or off in genesis.
    pub fn auth_check(mut self, on: bool) -> Self {
        self.auth_check = on;
        self
    }

    /// The crypto suite.
    pub fn suite(mut self, suite: SuiteId) -> Self {
        self.suite = suite;
        self
    }

    /// Build the plugins, install them in a plugin folder, pin them in genesis and load
    /// them as a node does.
    pub fn build(self) -> PluginChain {
        let dir = tempfile::tempdir().unwrap();
        let plugin_dir = dir.path().join("plugins");
        std::fs::create_dir_all(&plugin_dir).unwrap();
        for package in &self.plugins {
            install_plugin(package, &plugin_dir);
        }
        let pins = pins_of_dir(&plugin_dir);
        let registry = Registry::load(&plugin_dir, &pins).unwrap();
        let admin = KeyPair::generate(self.suite);
        let mut genesis = Genesis::new(
            20,
            "group0",
            self.suite,
            &[KeyPair::generate(self.suite).public().0.into()],
        );
        genesis.timestamp = 1_700_000_000_000;
        genesis.admins = vec![admin.address()];
        genesis.config.auth_check = self.auth_check;
        genesis.plugins = pins;
        let ledger = Ledger::open(MemoryStorage::new(weft_ledger::tables::ALL), genesis).unwrap();
        PluginChain {
            ledger,
            executor: Executor::new(20).with_precompiles(registry),
            admin,
            suite: self.suite,
            nonce: 0,
            _dir: dir,
        }
    }
}

/// A one-node chain in memory with plugins loaded from `.so` files.
pub struct PluginChain {
    /// The ledger.
    pub ledger: Ledger<MemoryStorage>,
    /// The executor (with the loaded plugins).
    pub executor: Executor,
    /// The chain's admin account (genesis `admins`).
    pub admin: KeyPair,
    suite: SuiteId,
    nonce: u64,
    _dir: tempfile::TempDir,
}

impl PluginChain {
    /// A builder: no plugins, permissions off, standard suite.
    pub fn builder() -> ChainBuilder {
        ChainBuilder {
            plugins: Vec::new(),
            auth_check: false,
            suite: SuiteId::Standard,
        }
    }

    /// A fresh account key.
    pub fn new_account(&self) -> KeyPair {
        KeyPair::generate(self.suite)
    }

    /// A signed native transaction.
    pub fn tx(&mut self, from: &KeyPair, to: TxKind, input: Vec<u8>) -> VerifiedTx {
        self.nonce += 1;
        let tx = NativeTx {
            chain_id: 20,
            group_id: "group0".into(),
            block_limit: self.ledger.block_number() + 100,
            nonce: U256::from(self.nonce),
            to,
            value: U256::ZERO,
            gas_limit: TX_GAS,
            input: input.into(),
            abi: String::new(),
        };
        Transaction::Native(tx.sign(from).unwrap())
            .verify(self.ledger.suite())
            .unwrap()
    }

    /// Execute `txs` as the next block and commit it; the receipts.
    pub fn block(&mut self, txs: Vec<VerifiedTx>) -> Vec<Receipt> {
        let ctx = self
            .executor
            .next_block_context(
                &self.ledger,
                1_700_000_000_000 + self.ledger.block_number() * 1000,
                Address::ZERO,
            )
            .unwrap();
        let commit = self
            .executor
            .build_block(&self.ledger, &ctx, 0, txs)
            .unwrap();
        let receipts = commit.receipts.clone();
        self.ledger.commit_block(commit).unwrap();
        receipts
    }

    /// One transaction in its own block; its receipt.
    pub fn send(&mut self, from: &KeyPair, to: TxKind, input: Vec<u8>) -> Receipt {
        let tx = self.tx(from, to, input);
        self.block(vec![tx]).remove(0)
    }

    /// Deploy `code ‖ args` from `from`; the new contract's address (panics if it fails).
    pub fn deploy(&mut self, from: &KeyPair, code: Vec<u8>, args: &[u8]) -> Address {
        let mut input = code;
        input.extend_from_slice(args);
        let receipt = self.send(from, TxKind::Create, input);
        assert!(receipt.status.is_success(), "deploy failed: {receipt:?}");
        receipt.contract_address.unwrap()
    }

    /// A read-only call at the latest block.
    pub fn call(&self, from: Address, to: Address, input: Vec<u8>) -> CallOutcome {
        let request = CallRequest {
            from,
            to: TxKind::Call(to),
            data: Bytes::from(input),
            ..Default::default()
        };
        self.executor.call(&self.ledger, &request, None).unwrap()
    }
}
