//! The `weft` command line: running chains (`weft dev`, `weft chain new`, `weft node
//! start`), keys (`weft account …`), and the client commands a person uses against a
//! running node (`weft height`, `block`, `tx`, `receipt`, `sealers`, `config`, `deploy`,
//! `call`, `send`; see [`crate::console`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use weft_crypto::{load_secret_key, save_secret_key, KeyPair, SuiteId};
use weft_ledger::{Genesis, GenesisSealer, PluginPin, SystemConfig};
use weft_txpool::TxPoolConfig;

use crate::certs::{write_pem, ChainCa};
use crate::client::BlockId;
use crate::config::ConfigFile;
use crate::console::{self, parse_address, parse_hash, ConfigCommand, NodeArgs, SignArgs};
use crate::{Node, NodeConfig};

/// Weft: a consortium blockchain with EVM and WASM contracts.
#[derive(Debug, Parser)]
#[command(
    name = "weft",
    version,
    about = "Weft: a consortium blockchain with EVM and WASM contracts"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a single-node development chain on embedded RocksDB (restarts continue it).
    Dev {
        /// The data folder.
        #[arg(long, default_value = "weft-dev")]
        data: PathBuf,
        /// Where JSON-RPC (HTTP and WebSocket) listens.
        #[arg(long, default_value = "127.0.0.1:8545")]
        rpc: SocketAddr,
        /// Use the SM (国密) crypto suite for a new chain.
        #[arg(long)]
        sm: bool,
        /// Seal once the oldest pending transaction waited this many milliseconds.
        #[arg(long, default_value_t = 100)]
        min_seal_ms: u64,
        /// For a new chain: the folder of precompile plugins to install and pin (default:
        /// the bundled plugins built next to the `weft` binary).
        #[arg(long)]
        plugins: Option<PathBuf>,
    },
    /// Group signatures (BBS04) for precompile 0x5004: keys, signing, opening.
    GroupSig(crate::sigs::GroupSigArgs),
    /// Linkable ring signatures (LSAG) for precompile 0x5005: keys, rings, signing, linking.
    RingSig(crate::sigs::RingSigArgs),
    /// Inspect precompile plugins.
    Plugin {
        /// What to do.
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// Create the files of a new chain.
    Chain {
        /// What to create.
        #[command(subcommand)]
        command: ChainCommand,
    },
    /// Run a node.
    Node {
        /// What to do.
        #[command(subcommand)]
        command: NodeCommand,
    },
    /// Manage account keys.
    Account {
        /// What to do.
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Print the chain's height (the latest block number).
    Height {
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Show a block: by number, by hash, or `latest`.
    Block {
        /// A block number, a 0x… block hash, or `latest`.
        #[arg(value_parser = parse_block_id)]
        block: BlockId,
        /// List the transactions in full (sender, receiver, input), not only their hashes.
        #[arg(long)]
        full: bool,
        /// Print the node's JSON instead.
        #[arg(long)]
        json: bool,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Show a transaction (committed or pending).
    Tx {
        /// The transaction's hash.
        #[arg(value_parser = parse_hash)]
        hash: alloy_primitives::B256,
        /// An ABI to decode the call with (default: the one stored with the contract).
        #[arg(long, value_name = "FILE")]
        abi: Option<PathBuf>,
        /// Print the node's JSON instead.
        #[arg(long)]
        json: bool,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Show a transaction's receipt: status, gas, contract address, logs.
    Receipt {
        /// The transaction's hash.
        #[arg(value_parser = parse_hash)]
        hash: alloy_primitives::B256,
        /// An ABI to decode logs and errors with (default: each contract's stored ABI).
        #[arg(long, value_name = "FILE")]
        abi: Option<PathBuf>,
        /// Print the node's JSON instead.
        #[arg(long)]
        json: bool,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// List the chain's sealers and observers.
    Sealers {
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Read or set system configuration (tx_count_limit, tx_gas_limit, …).
    Config {
        /// What to do.
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Deploy a contract: a Solidity artifact (JSON with abi and bytecode) or a .wasm
    /// payload with --abi; constructor arguments follow the file.
    Deploy {
        /// The artifact (.json) or WASM payload (.wasm).
        artifact: PathBuf,
        /// Constructor arguments, read by the constructor's parameter types.
        #[arg(allow_negative_numbers = true, value_name = "ARGS")]
        args: Vec<String>,
        /// The ABI (JSON); needed for a .wasm with constructor arguments, overrides an
        /// artifact's.
        #[arg(long, value_name = "FILE")]
        abi: Option<PathBuf>,
        /// How to sign.
        #[command(flatten)]
        sign: SignArgs,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Call a contract without a transaction (eth_call) and print the results.
    Call {
        /// The contract's address.
        #[arg(value_parser = parse_address)]
        address: alloy_primitives::Address,
        /// The function: a signature with outputs such as "balanceOf(address)(uint256)",
        /// or a name looked up in the ABI (--abi, else the contract's stored ABI).
        function: String,
        /// The arguments, read by the parameter types.
        #[arg(allow_negative_numbers = true, value_name = "ARGS")]
        args: Vec<String>,
        /// The contract's ABI (JSON, or an artifact with an abi field).
        #[arg(long, value_name = "FILE")]
        abi: Option<PathBuf>,
        /// Call as this account.
        #[arg(long, value_parser = parse_address, value_name = "ADDRESS")]
        from: Option<alloy_primitives::Address>,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Send a transaction calling a contract, wait for its receipt and print it.
    Send {
        /// The contract's address.
        #[arg(value_parser = parse_address)]
        address: alloy_primitives::Address,
        /// The function: a signature such as "transfer(address,uint256)", or a name
        /// looked up in the ABI.
        function: String,
        /// The arguments, read by the parameter types.
        #[arg(allow_negative_numbers = true, value_name = "ARGS")]
        args: Vec<String>,
        /// The contract's ABI (JSON, or an artifact with an abi field).
        #[arg(long, value_name = "FILE")]
        abi: Option<PathBuf>,
        /// How to sign.
        #[command(flatten)]
        sign: SignArgs,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
}

fn parse_block_id(s: &str) -> Result<BlockId, String> {
    s.parse()
}

/// `weft chain …`
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Node keys, genesis, per-node configuration and an admin account for N nodes.
    New {
        /// How many nodes.
        #[arg(long, default_value_t = 4)]
        nodes: usize,
        /// Output folder (must not exist yet).
        #[arg(long)]
        out: PathBuf,
        /// Use the SM (国密) crypto suite.
        #[arg(long)]
        sm: bool,
        /// The chain id.
        #[arg(long, default_value_t = 20)]
        chain_id: u64,
        /// First RPC port; node i listens on port + i.
        #[arg(long, default_value_t = 8545)]
        rpc_port: u16,
        /// First P2P (QUIC, UDP) port; node i listens on 127.0.0.1:port + i and dials the
        /// others.
        #[arg(long, default_value_t = 30300)]
        p2p_port: u16,
        /// A folder of precompile plugins (`.so`): copied into every node's plugin folder
        /// and pinned (name and SHA-256) in genesis.
        #[arg(long)]
        plugins: Option<PathBuf>,
    },
}

/// `weft plugin …`
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Load a plugin file and print its declaration, its SHA-256 and the genesis entry
    /// that pins it.
    Info {
        /// The plugin's shared library.
        file: PathBuf,
    },
}

/// `weft node …`
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Start a node from its configuration file.
    Start {
        /// The node's configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

/// `weft account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a key file and print its address.
    New {
        /// Where to write the key (hex).
        #[arg(long)]
        out: PathBuf,
        /// An SM (国密) key instead of a standard one.
        #[arg(long)]
        sm: bool,
    },
    /// Print the address of a key file.
    Show {
        /// The key file.
        #[arg(long)]
        key: PathBuf,
        /// The key is an SM (国密) key.
        #[arg(long)]
        sm: bool,
    },
    /// Print the address of every *.key file in a folder.
    List {
        /// The folder.
        #[arg(long)]
        dir: PathBuf,
        /// The keys are SM (国密) keys.
        #[arg(long)]
        sm: bool,
    },
}

/// Run the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn suite_of(sm: bool) -> SuiteId {
    if sm {
        SuiteId::Sm
    } else {
        SuiteId::Standard
    }
}

/// Run one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Dev {
            data,
            rpc,
            sm,
            min_seal_ms,
            plugins,
        } => dev(&data, rpc, suite_of(sm), min_seal_ms, plugins.as_deref()),
        Command::Plugin {
            command: PluginCommand::Info { file },
        } => plugin_info(&file),
        Command::GroupSig(args) => args.run(),
        Command::RingSig(args) => args.run(),
        Command::Chain {
            command:
                ChainCommand::New {
                    nodes,
                    out,
                    sm,
                    chain_id,
                    rpc_port,
                    p2p_port,
                    plugins,
                },
        } => chain_new(ChainPlan {
            count: nodes,
            out: &out,
            suite: suite_of(sm),
            chain_id,
            rpc_port,
            p2p_port,
            plugins: plugins.as_deref(),
        }),
        Command::Node {
            command: NodeCommand::Start { config },
        } => {
            let file = ConfigFile::load(&config)?;
            serve(&file, Sealing::Consensus)
        }
        Command::Account {
            command: AccountCommand::New { out, sm },
        } => {
            if out.exists() {
                bail!("{} exists already; choose another path", out.display());
            }
            let key = KeyPair::generate(suite_of(sm));
            save_secret_key(&out, key.secret())?;
            println!("{}", key.address());
            Ok(())
        }
        Command::Account {
            command: AccountCommand::Show { key, sm },
        } => {
            let key = KeyPair::from_secret(suite_of(sm), load_secret_key(&key)?)?;
            println!("{}", key.address());
            Ok(())
        }
        Command::Account {
            command: AccountCommand::List { dir, sm },
        } => console::account_list(&dir, sm),
        Command::Height { node } => console::height(&node),
        Command::Block {
            block,
            full,
            json,
            node,
        } => console::block(&node, block, full, json),
        Command::Tx {
            hash,
            abi,
            json,
            node,
        } => console::tx(&node, hash, abi.as_deref(), json),
        Command::Receipt {
            hash,
            abi,
            json,
            node,
        } => console::receipt(&node, hash, abi.as_deref(), json),
        Command::Sealers { node } => console::sealers(&node),
        Command::Config {
            command: ConfigCommand::Get { name, node },
        } => console::config_get(&node, &name),
        Command::Config {
            command:
                ConfigCommand::Set {
                    name,
                    value,
                    sign,
                    node,
                },
        } => console::config_set(&node, &sign, &name, &value),
        Command::Deploy {
            artifact,
            args,
            abi,
            sign,
            node,
        } => console::deploy(&node, &sign, &artifact, abi.as_deref(), &args),
        Command::Call {
            address,
            function,
            args,
            abi,
            from,
            node,
        } => console::call(&node, address, &function, &args, abi.as_deref(), from),
        Command::Send {
            address,
            function,
            args,
            abi,
            sign,
            node,
        } => console::send(&node, &sign, address, &function, &args, abi.as_deref()),
    }
}

/// A genesis for `sealers`, with `admin` as the chain's admin.
pub fn new_genesis(suite: SuiteId, chain_id: u64, sealers: &[KeyPair], admin: &KeyPair) -> Genesis {
    Genesis {
        chain_id,
        group_id: "group0".into(),
        crypto_suite: suite,
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
        sealers: sealers
            .iter()
            .map(|k| GenesisSealer {
                node_id: k.public().0.into(),
                weight: 1,
            })
            .collect(),
        observers: Vec::new(),
        admins: vec![admin.address()],
        config: SystemConfig::default(),
        plugins: Vec::new(),
    }
}

fn load_or_create_key(path: &Path, suite: SuiteId) -> anyhow::Result<KeyPair> {
    if path.exists() {
        Ok(KeyPair::from_secret(suite, load_secret_key(path)?)
            .with_context(|| format!("key file {} is not a {suite} key", path.display()))?)
    } else {
        let key = KeyPair::generate(suite);
        save_secret_key(path, key.secret())?;
        Ok(key)
    }
}

/// `weft plugin info FILE`.
fn plugin_info(file: &Path) -> anyhow::Result<()> {
    let sha256 = weft_precompiles::loader::file_sha256(file)?;
    let plugin = weft_precompiles::LoadedPlugin::load(file, sha256)?;
    println!(
        "plugin {} {} ({})",
        plugin.name(),
        plugin.version(),
        file.display()
    );
    for address in plugin.addresses() {
        println!("  address:   {address}");
    }
    for (first, last) in plugin.ranges() {
        println!("  addresses: {first} ..= {last}");
    }
    println!("  base gas:  {}", plugin.base_gas());
    if plugin.auth_hook() {
        println!("  answers permission questions");
    }
    println!("  sha256:    {sha256}");
    println!();
    println!("genesis.toml entry:");
    println!();
    println!("[[plugins]]");
    println!("name = {:?}", plugin.name());
    println!("sha256 = \"{sha256}\"");
    Ok(())
}

/// The plugins built next to the `weft` binary (every `libweft_plugin_*` but the template).
fn bundled_plugins() -> anyhow::Result<Vec<PathBuf>> {
    let exe = std::env::current_exe().context("cannot find the weft binary's folder")?;
    let Some(dir) = exe.parent() else {
        return Ok(Vec::new());
    };
    Ok(weft_precompiles::loader::plugin_files(dir)?
        .into_iter()
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libweft_plugin_") && !n.contains("template"))
        })
        .collect())
}

/// Copy `files` into every folder of `targets`; the genesis pins for them. The pin is taken
/// from the first copy (and the others are copied from it), so a source file rewritten
/// meanwhile (a build in progress) cannot make a pin that differs from what was installed.
fn install_plugins(files: &[PathBuf], targets: &[PathBuf]) -> anyhow::Result<Vec<PluginPin>> {
    let mut pins = Vec::new();
    let Some((first, others)) = targets.split_first() else {
        return Ok(pins);
    };
    for target in targets {
        std::fs::create_dir_all(target)
            .with_context(|| format!("cannot create {}", target.display()))?;
    }
    for file in files {
        let name = file.file_name().context("plugin file without a name")?;
        let installed = first.join(name);
        std::fs::copy(file, &installed)
            .with_context(|| format!("cannot copy {} into {}", file.display(), first.display()))?;
        let sha256 = weft_precompiles::loader::file_sha256(&installed)?;
        let plugin = weft_precompiles::LoadedPlugin::load(&installed, sha256)?;
        for target in others {
            std::fs::copy(&installed, target.join(name)).with_context(|| {
                format!(
                    "cannot copy {} into {}",
                    installed.display(),
                    target.display()
                )
            })?;
        }
        pins.push(PluginPin {
            name: plugin.name().to_string(),
            sha256,
        });
    }
    Ok(pins)
}

/// The plugin files of `dir` (or the bundled ones).
fn plugin_sources(dir: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    match dir {
        Some(dir) => Ok(weft_precompiles::loader::plugin_files(dir)
            .with_context(|| format!("cannot list plugins in {}", dir.display()))?),
        None => bundled_plugins(),
    }
}

/// `weft dev`: create the dev chain's files on first use, then serve it.
fn dev(
    data: &Path,
    rpc: SocketAddr,
    suite: SuiteId,
    min_seal_ms: u64,
    plugins: Option<&Path>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data folder {}", data.display()))?;
    let genesis_path = data.join("genesis.toml");
    let suite = if genesis_path.exists() {
        Genesis::load(&genesis_path)?.crypto_suite
    } else {
        suite
    };
    let node_key = load_or_create_key(&data.join("node.key"), suite)?;
    let dev_key = load_or_create_key(&data.join("dev.key"), suite)?;
    let plugin_dir = data.join("plugins");
    if !genesis_path.exists() {
        let mut genesis = new_genesis(suite, 20, std::slice::from_ref(&node_key), &dev_key);
        genesis.plugins =
            install_plugins(&plugin_sources(plugins)?, std::slice::from_ref(&plugin_dir))?;
        std::fs::write(&genesis_path, genesis.to_toml())
            .with_context(|| format!("cannot write {}", genesis_path.display()))?;
    }
    let file = ConfigFile {
        data_dir: data.join("data"),
        genesis: genesis_path,
        node_key: data.join("node.key"),
        rpc_addr: rpc,
        min_seal_time_ms: min_seal_ms,
        plugin_dir,
        ..ConfigFile::default()
    };
    println!("Weft development chain ({suite} suite)");
    println!("  data folder:   {}", data.display());
    println!("  JSON-RPC:      http://{rpc} and ws://{rpc}");
    println!("  dev account:   {}", dev_key.address());
    println!(
        "  dev key:       0x{}  (also in {})",
        hex::encode(dev_key.secret().as_bytes()),
        data.join("dev.key").display()
    );
    println!("  gas price is 0: accounts need no balance to send transactions");
    serve(&file, Sealing::Solo)
}

/// How a served node makes blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sealing {
    /// The solo sealer of a one-sealer development chain, without a network.
    Solo,
    /// PBFT with the chain's other nodes over QUIC, with block sync.
    Consensus,
}

/// Open the node described by `file`, serve JSON-RPC and make blocks until Ctrl-C.
fn serve(file: &ConfigFile, sealing: Sealing) -> anyhow::Result<()> {
    let genesis = Genesis::load(&file.genesis)?;
    let node_key = KeyPair::from_secret(genesis.crypto_suite, load_secret_key(&file.node_key)?)
        .with_context(|| {
            format!(
                "node key {} does not fit the chain's suite",
                file.node_key.display()
            )
        })?;
    let node = Node::open(NodeConfig {
        data_dir: file.data_dir.clone(),
        genesis,
        node_key,
        min_seal_time: Duration::from_millis(file.min_seal_time_ms),
        pool: TxPoolConfig {
            max_txs: file.txpool_limit,
            expiry: Duration::from_secs(file.txpool_expiry_secs),
            ..TxPoolConfig::default()
        },
        plugin_dir: file.plugin_dir.clone(),
    })?;
    for plugin in node.executor().precompiles().plugins() {
        println!(
            "  plugin:        {} {} ({})",
            plugin.name(),
            plugin.version(),
            plugin.file().display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut service = match sealing {
            Sealing::Solo => None,
            Sealing::Consensus => {
                let p2p = file.p2p_config()?;
                let service = crate::NodeService::start(node.clone(), p2p)
                    .await
                    .context("cannot join the chain")?;
                println!(
                    "  P2P:           {} (QUIC), {} peer address(es) to dial",
                    service.local_addr(),
                    file.p2p.peers.len()
                );
                Some(service)
            }
        };
        let rpc = weft_rpc::start(
            weft_rpc::RpcConfig { addr: file.rpc_addr, ..weft_rpc::RpcConfig::default() },
            std::sync::Arc::new(node.clone()),
        )
        .await
        .with_context(|| format!("cannot serve JSON-RPC on {}", file.rpc_addr))?;
        let sealer = match sealing {
            Sealing::Solo => Some(node.spawn_sealer()),
            Sealing::Consensus => None,
        };
        tracing::info!(rpc = %rpc.local_addr(), height = node.ledger().block_number(), "node started");
        println!("ready: JSON-RPC on {}", rpc.local_addr());
        let failed = match &mut service {
            Some(service) => tokio::select! {
                signal = tokio::signal::ctrl_c() => {
                    signal.context("cannot wait for Ctrl-C")?;
                    false
                }
                _ = service.stopped() => true,
            },
            None => {
                tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
                false
            }
        };
        tracing::info!("stopping");
        node.stop();
        rpc.stop();
        if let Some(service) = service {
            service.shutdown().await;
        }
        if let Some(sealer) = sealer {
            tokio::task::spawn_blocking(move || sealer.join()).await.ok();
        }
        if failed {
            bail!("consensus stopped after a fatal error (see the log); the node is down");
        }
        anyhow::Ok(())
    })
}

/// What `weft chain new` makes.
struct ChainPlan<'a> {
    count: usize,
    out: &'a Path,
    suite: SuiteId,
    chain_id: u64,
    rpc_port: u16,
    p2p_port: u16,
    plugins: Option<&'a Path>,
}

/// `weft chain new`: keys, genesis and configuration for `count` nodes in `out`, each
/// listening for P2P on loopback and dialling the others.
fn chain_new(plan: ChainPlan<'_>) -> anyhow::Result<()> {
    let ChainPlan {
        count,
        out,
        suite,
        chain_id,
        rpc_port,
        p2p_port,
        plugins,
    } = plan;
    if count == 0 {
        bail!("--nodes must be at least 1");
    }
    if out.exists() {
        bail!(
            "{} exists already; choose a new output folder",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // A random tag tells apart the CAs of chains that share an id, so a node certified by
    // another chain's CA is refused as "unknown issuer", not as a bad signature.
    let tag: u32 = rand::random();
    let ca = ChainCa::generate(&format!("weft chain {chain_id} ({tag:08x})"))?;
    write_pem(&out.join("ca/ca.crt"), &ca.certified_key().cert_pem, false)?;
    write_pem(&out.join("ca/ca.key"), &ca.certified_key().key_pem, true)?;
    let keys: Vec<KeyPair> = (0..count).map(|_| KeyPair::generate(suite)).collect();
    let admin = KeyPair::generate(suite);
    save_secret_key(&out.join("admin.key"), admin.secret())?;
    let mut genesis = new_genesis(suite, chain_id, &keys, &admin);
    if let Some(dir) = plugins {
        let targets: Vec<PathBuf> = (0..count)
            .map(|i| out.join(format!("node{i}/plugins")))
            .collect();
        genesis.plugins = install_plugins(&plugin_sources(Some(dir))?, &targets)?;
    }
    std::fs::write(out.join("genesis.toml"), genesis.to_toml())?;
    let p2p_addrs: Vec<SocketAddr> = (0..count)
        .map(|i| {
            let port = u16::try_from(i)
                .ok()
                .and_then(|i| p2p_port.checked_add(i))
                .context("P2P port out of range")?;
            anyhow::Ok(SocketAddr::from(([127, 0, 0, 1], port)))
        })
        .collect::<anyhow::Result<_>>()?;
    for (i, key) in keys.iter().enumerate() {
        let dir = out.join(format!("node{i}"));
        std::fs::create_dir_all(&dir)?;
        save_secret_key(&dir.join("node.key"), key.secret())?;
        std::fs::write(dir.join("genesis.toml"), genesis.to_toml())?;
        std::fs::write(dir.join("node.nodeid"), format!("{}\n", key.public()))?;
        let tls = ca.issue_node_cert(key.public())?;
        write_pem(
            &dir.join("conf/ca.crt"),
            &ca.certified_key().cert_pem,
            false,
        )?;
        write_pem(&dir.join("conf/ssl.crt"), &tls.cert_pem, false)?;
        write_pem(&dir.join("conf/ssl.key"), &tls.key_pem, true)?;
        let port = rpc_port
            .checked_add(i as u16)
            .context("RPC port out of range")?;
        let config = ConfigFile {
            rpc_addr: SocketAddr::from(([127, 0, 0, 1], port)),
            p2p: crate::config::P2pSection {
                listen: p2p_addrs[i],
                peers: p2p_addrs
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, a)| *a)
                    .collect(),
                ..Default::default()
            },
            ..ConfigFile::default()
        };
        std::fs::write(dir.join("config.toml"), config.to_toml())?;
    }
    println!(
        "chain {chain_id} ({suite} suite) with {count} node(s) in {}",
        out.display()
    );
    println!("  admin account: {}  (key in admin.key)", admin.address());
    println!(
        "  chain CA:      {}  (keep ca.key safe: it admits nodes)",
        out.join("ca/ca.crt").display()
    );
    for (i, p2p) in p2p_addrs.iter().enumerate() {
        println!(
            "  start node {i}: weft node start --config {}  (JSON-RPC 127.0.0.1:{}, P2P {p2p})",
            out.join(format!("node{i}/config.toml")).display(),
            u32::from(rpc_port) + i as u32,
        );
    }
    Ok(())
}
