//! Real `weft node start` processes on loopback: chains made by `weft chain new`, four
//! sealers talking PBFT over QUIC, a steady load of signed native transactions (calls of
//! a deployed `Counter`) spread over the nodes through the client library, and faults
//! made with SIGKILL: the leader killed under load, a node killed and restarted, and a
//! node of another chain (another CA) dialling in.
//!
//! Each test picks its own free port ranges, so the tests run in parallel under nextest.
//! Every child process is owned by a guard that kills it on drop, a panic included; when
//! a test fails, the tail of every node's log is printed.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use serde_json::{json, Value};
use weft_crypto::{KeyPair, SuiteId};
use weft_node::client::{Deployable, Function, RpcClient, Sender, TxOptions};
use weft_types::{NativeTx, Transaction};

/// How long any condition may take before a test fails (generous: debug binaries on a
/// small machine, perhaps next to a build).
const WAIT: Duration = Duration::from_secs(60);

/// The gap between two transactions of the load (about 60 per second in all).
const LOAD_INTERVAL: Duration = Duration::from_millis(16);

/// Lines of each log printed when a test fails.
const LOG_TAIL_LINES: usize = 150;

/// Poll `condition` every 100 ms until it holds; fail naming `what` after [`WAIT`].
fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A hex node id without `0x`, lower case, for comparisons.
fn normal_id(id: &str) -> String {
    id.trim().trim_start_matches("0x").to_ascii_lowercase()
}

/// A base port `b` with `b .. b + count` free on loopback for both TCP (JSON-RPC) and
/// UDP (QUIC). Bases are drawn below the ephemeral range (32768+), so outgoing client
/// connections never take them, and at random, so parallel tests do not collide.
fn free_port_range(count: u16) -> u16 {
    for _ in 0..200 {
        let base = 12_000 + (rand::random::<u16>() % 20_000);
        let free = (base..base + count).all(|port| {
            TcpListener::bind(("127.0.0.1", port)).is_ok()
                && UdpSocket::bind(("127.0.0.1", port)).is_ok()
        });
        if free {
            return base;
        }
    }
    panic!("no range of {count} free ports found");
}

/// One `weft node start` process; killed (SIGKILL) when dropped.
struct NodeProcess {
    child: Child,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chain made by `weft chain new`, and its running nodes.
struct Chain {
    name: String,
    root: PathBuf,
    /// Each node's id (hex, no `0x`), in sealer-index order.
    node_ids: Vec<String>,
    p2p_base: u16,
    clients: Vec<RpcClient>,
    nodes: Vec<Option<NodeProcess>>,
}

impl Chain {
    /// `weft chain new --nodes n` into `parent/name`, on free ports.
    fn create(parent: &Path, name: &str, n: usize) -> Chain {
        let count = u16::try_from(n).unwrap();
        // One range for both: RPC ports first, then the P2P ports.
        let base = free_port_range(2 * count);
        let (rpc_base, p2p_base) = (base, base + count);
        let root = parent.join(name);
        let run = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(["chain", "new", "--nodes", &n.to_string(), "--out"])
            .arg(&root)
            .args(["--rpc-port", &rpc_base.to_string()])
            .args(["--p2p-port", &p2p_base.to_string()])
            .output()
            .expect("run weft chain new");
        assert!(
            run.status.success(),
            "weft chain new failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let node_ids = (0..n)
            .map(|i| {
                normal_id(
                    &std::fs::read_to_string(root.join(format!("node{i}/node.nodeid"))).unwrap(),
                )
            })
            .collect();
        let clients = (0..n)
            .map(|i| RpcClient::new(&format!("http://127.0.0.1:{}", rpc_base + i as u16)).unwrap())
            .collect();
        Chain {
            name: name.to_string(),
            root,
            node_ids,
            p2p_base,
            clients,
            nodes: (0..n).map(|_| None).collect(),
        }
    }

    fn config_path(&self, i: usize) -> PathBuf {
        self.root.join(format!("node{i}/config.toml"))
    }

    fn log_path(&self, i: usize) -> PathBuf {
        self.root.join(format!("node{i}.log"))
    }

    fn p2p_addr(&self, i: usize) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.p2p_base + i as u16))
    }

    /// Rewrite node `i`'s configuration file with `edit`.
    fn edit_config(&self, i: usize, edit: impl FnOnce(&mut weft_node::config::ConfigFile)) {
        let path = self.config_path(i);
        // `load` makes the relative paths absolute, which the file may hold as well.
        let mut config = weft_node::config::ConfigFile::load(&path).unwrap();
        edit(&mut config);
        std::fs::write(&path, config.to_toml()).unwrap();
    }

    fn client(&self, i: usize) -> &RpcClient {
        &self.clients[i]
    }

    /// Spawn node `i`, its stdout and stderr appended to its log.
    fn spawn(&self, i: usize) -> NodeProcess {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path(i))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(["node", "start", "--config"])
            .arg(self.config_path(i))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn weft node start");
        NodeProcess { child }
    }

    /// Start the nodes `which` and wait until each serves JSON-RPC. A node that exits
    /// early is started again for a while: a port of a node killed a moment ago may not
    /// be free yet.
    fn start(&mut self, which: &[usize]) {
        for &i in which {
            assert!(self.nodes[i].is_none(), "node {i} runs already");
            self.nodes[i] = Some(self.spawn(i));
        }
        let deadline = Instant::now() + WAIT;
        for &i in which {
            loop {
                if self.clients[i].block_number().is_ok() {
                    break;
                }
                let process = self.nodes[i].as_mut().unwrap();
                if let Some(status) = process.child.try_wait().unwrap() {
                    assert!(
                        Instant::now() < deadline,
                        "{} node {i} keeps exiting ({status})",
                        self.name
                    );
                    eprintln!(
                        "{} node {i} exited ({status}); starting it again",
                        self.name
                    );
                    std::thread::sleep(Duration::from_millis(250));
                    self.nodes[i] = Some(self.spawn(i));
                    continue;
                }
                assert!(
                    Instant::now() < deadline,
                    "{} node {i} does not serve JSON-RPC",
                    self.name
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn start_all(&mut self) {
        let all: Vec<usize> = (0..self.nodes.len()).collect();
        self.start(&all);
    }

    /// SIGKILL node `i` and wait until it is gone.
    fn kill(&mut self, i: usize) {
        drop(self.nodes[i].take().expect("node runs"));
    }

    fn height(&self, i: usize) -> u64 {
        self.client(i).block_number().unwrap()
    }

    /// A native method whose result is a JSON document in a string
    /// (`getConsensusStatus`, `getSyncStatus`), parsed.
    fn native_json(&self, i: usize, method: &str) -> Value {
        let text = self.client(i).call_native(method, vec![]).unwrap();
        serde_json::from_str(text.as_str().expect("a JSON string")).unwrap()
    }

    /// The node ids node `i` reports connected (`getPeers`).
    fn peers(&self, i: usize) -> BTreeSet<String> {
        let peers = self.client(i).call("getPeers", json!([])).unwrap();
        peers["peers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| normal_id(p["p2pNodeID"].as_str().unwrap()))
            .collect()
    }

    /// Every node of `nodes` is connected to exactly the others.
    fn wait_connected(&self, nodes: &[usize]) {
        wait_for("the nodes to connect to each other", || {
            nodes.iter().all(|&i| {
                let others: BTreeSet<String> = nodes
                    .iter()
                    .filter(|&&j| j != i)
                    .map(|&j| self.node_ids[j].clone())
                    .collect();
                self.peers(i) == others
            })
        });
    }

    /// The hash of block `number` on node `i`.
    fn block_hash(&self, i: usize, number: u64) -> Option<B256> {
        let v = self
            .client(i)
            .call_native("getBlockHashByNumber", vec![json!(number)])
            .unwrap();
        v.as_str().map(|s| s.parse().unwrap())
    }

    /// Wait until `nodes` are at one height (nothing may be sent meanwhile), then check
    /// that they hold the same block at every height; the height.
    fn wait_same_chain(&self, nodes: &[usize]) -> u64 {
        wait_for("the nodes to reach the same height", || {
            let heights: BTreeSet<u64> = nodes.iter().map(|&i| self.height(i)).collect();
            heights.len() == 1
        });
        let height = self.height(nodes[0]);
        self.assert_same_blocks(nodes, height);
        height
    }

    /// Wait until no node of `nodes` holds a pending transaction: everything admitted
    /// was committed (or, for a transaction refused by every block, expired).
    fn wait_pools_empty(&self, nodes: &[usize]) {
        wait_for("the pools to empty", || {
            let sizes: Vec<Value> = nodes
                .iter()
                .map(|&i| {
                    self.client(i)
                        .call_native("getPendingTxSize", vec![])
                        .unwrap()
                })
                .collect();
            let empty = sizes.iter().all(|s| s.as_u64() == Some(0));
            if !empty {
                eprintln!("pending transactions on nodes {nodes:?}: {sizes:?}");
            }
            empty
        });
    }

    /// `nodes` hold the same block at each height up to `height`, each signed by a
    /// quorum of the four sealers.
    fn assert_same_blocks(&self, nodes: &[usize], height: u64) {
        for number in 0..=height {
            let hashes: Vec<Option<B256>> =
                nodes.iter().map(|&i| self.block_hash(i, number)).collect();
            assert!(
                hashes[0].is_some() && hashes.windows(2).all(|w| w[0] == w[1]),
                "block {number} differs across nodes {nodes:?}: {hashes:?}"
            );
            if number > 0 {
                let signers: BTreeSet<u64> = self.block(nodes[0], number)["signatureList"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["sealerIndex"].as_u64().unwrap())
                    .collect();
                assert!(signers.len() >= 3, "block {number} signed by {signers:?}");
            }
        }
    }

    /// A block in FISCO's shape (header, sealer, signatures), from node `i`.
    fn block(&self, i: usize, number: u64) -> Value {
        self.client(i)
            .call_native(
                "getBlockByNumber",
                vec![json!(number), json!(true), json!(true)],
            )
            .unwrap()
    }

    /// Node `i`'s count of committed transactions.
    fn transaction_count(&self, i: usize) -> u64 {
        let v = self
            .client(i)
            .call_native("getTotalTransactionCount", vec![])
            .unwrap();
        let count = &v["transactionCount"];
        count
            .as_u64()
            .or_else(|| {
                count
                    .as_str()
                    .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            })
            .unwrap_or_else(|| panic!("no transactionCount in {v}"))
    }

    /// Print the tail of every node's log.
    fn print_logs(&self) {
        for i in 0..self.nodes.len() {
            let text = std::fs::read_to_string(self.log_path(i)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            eprintln!(
                "===== {} node {i}: last {} of {} log lines =====",
                self.name,
                tail.len(),
                lines.len()
            );
            for line in tail {
                eprintln!("{line}");
            }
        }
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        for node in self.nodes.iter_mut() {
            node.take();
        }
        if std::thread::panicking() {
            self.print_logs();
        }
    }
}

/// The `Counter` contract (`increment()`, `count()`), deployed on a chain.
#[derive(Clone)]
struct Counter {
    address: Address,
    /// Its deployer, and the sender of the load.
    user: KeyPair,
    chain_id: u64,
    group: String,
}

fn selector(signature: &str) -> [u8; 4] {
    Function::parse(signature).unwrap().selector()
}

impl Counter {
    /// Deploy `Counter` through node `i` with the client library's sender.
    fn deploy(chain: &Chain, i: usize) -> Counter {
        let artifact = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../contracts/solidity/artifacts/0.8.37/Counter.json");
        let code = Deployable::load(&artifact, None).unwrap();
        let user = KeyPair::generate(SuiteId::Standard);
        let client = chain.client(i);
        let sender = Sender::new(client, user.clone(), TxOptions::default()).unwrap();
        let (_, receipt) = sender
            .transact(
                TxKind::Create,
                code.deploy_input(&[]).unwrap(),
                String::new(),
                &mut |_| {},
            )
            .unwrap();
        assert!(receipt.is_success(), "{receipt:?}");
        let counter = Counter {
            address: receipt.contract_address.expect("a contract address"),
            user,
            chain_id: client.chain_id().unwrap(),
            group: client.group().unwrap(),
        };
        assert_eq!(counter.count(chain, i), 0);
        counter
    }

    /// A signed call of `increment()` valid until `block_limit`; its hash and bytes.
    fn increment_tx(&self, block_limit: u64) -> (B256, Vec<u8>) {
        let tx = NativeTx {
            chain_id: self.chain_id,
            group_id: self.group.clone(),
            block_limit,
            nonce: U256::from_be_bytes(rand::random::<[u8; 32]>()),
            to: TxKind::Call(self.address),
            value: U256::ZERO,
            gas_limit: 200_000,
            input: Bytes::copy_from_slice(&selector("increment()")),
            abi: String::new(),
        };
        let hash = tx.signing_hash(self.user.suite().suite());
        (
            hash,
            Transaction::Native(tx.sign(&self.user).unwrap()).encode(),
        )
    }

    /// `count()` as node `i` reads it.
    fn count(&self, chain: &Chain, i: usize) -> u64 {
        let out = chain
            .client(i)
            .eth_call(None, self.address, &selector("count()"))
            .unwrap();
        assert_eq!(out.len(), 32, "{out}");
        U256::from_be_slice(&out).to::<u64>()
    }
}

/// A transaction the load sent and a node accepted.
#[derive(Debug, Clone)]
struct Sent {
    hash: B256,
    /// The node it was sent to.
    node: usize,
}

#[derive(Default)]
struct LoadState {
    sent: Vec<Sent>,
    /// Sends a node refused or that failed: node and error.
    errors: Vec<(usize, String)>,
}

/// A thread sending `increment()` calls, one every [`LOAD_INTERVAL`], round-robin over
/// the target nodes. The targets are locked across each send, so once
/// [`Load::set_targets`] returns, no send to a removed node is under way.
struct Load {
    stop: Arc<AtomicBool>,
    targets: Arc<Mutex<Vec<usize>>>,
    state: Arc<Mutex<LoadState>>,
    thread: Option<JoinHandle<()>>,
}

impl Load {
    fn start(chain: &Chain, counter: &Counter, targets: &[usize]) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let targets = Arc::new(Mutex::new(targets.to_vec()));
        let state = Arc::new(Mutex::new(LoadState::default()));
        let urls: Vec<String> = chain.clients.iter().map(|c| c.url().to_string()).collect();
        let counter = counter.clone();
        let thread = {
            let (stop, targets, state) = (stop.clone(), targets.clone(), state.clone());
            std::thread::spawn(move || {
                let clients: Vec<RpcClient> = urls
                    .iter()
                    .map(|u| {
                        RpcClient::new(u)
                            .unwrap()
                            .with_group(Some(counter.group.clone()))
                    })
                    .collect();
                // Each node's height as last read, for block limits; refreshed now and then.
                let mut heights: Vec<Option<(u64, Instant)>> = vec![None; clients.len()];
                let mut next = Instant::now();
                let mut turn = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    }
                    next = Instant::now().max(next) + LOAD_INTERVAL;
                    let targets = targets.lock().unwrap();
                    if targets.is_empty() {
                        continue;
                    }
                    let node = targets[turn % targets.len()];
                    turn += 1;
                    let client = &clients[node];
                    let height = match heights[node] {
                        Some((h, at)) if at.elapsed() < Duration::from_secs(1) => Ok(h),
                        _ => client.block_number().inspect(|&h| {
                            heights[node] = Some((h, Instant::now()));
                        }),
                    };
                    let result = height.and_then(|h| {
                        let (hash, raw) = counter.increment_tx(h + 500);
                        client.send_raw(&raw).map(|got| (hash, got))
                    });
                    let mut state = state.lock().unwrap();
                    match result {
                        Ok((hash, got)) => {
                            assert_eq!(hash, got, "the node's hash of the transaction");
                            state.sent.push(Sent { hash, node });
                        }
                        Err(e) => state.errors.push((node, e.to_string())),
                    }
                }
            })
        };
        Load {
            stop,
            targets,
            state,
            thread: Some(thread),
        }
    }

    fn set_targets(&self, targets: &[usize]) {
        *self.targets.lock().unwrap() = targets.to_vec();
    }

    fn sent(&self) -> Vec<Sent> {
        self.state.lock().unwrap().sent.clone()
    }

    /// Stop the thread; what it sent and the errors.
    fn stop(mut self) -> (Vec<Sent>, Vec<(usize, String)>) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the load thread panicked");
        }
        let state = std::mem::take(&mut *self.state.lock().unwrap());
        (state.sent, state.errors)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Wait until every transaction of `txs` has a successful receipt on the node it was
/// sent to.
fn wait_receipts(chain: &Chain, txs: &[Sent]) {
    let mut missing: Vec<&Sent> = txs.iter().collect();
    let deadline = Instant::now() + WAIT;
    while !missing.is_empty() {
        let mut still = Vec::new();
        for tx in missing {
            match chain.client(tx.node).eth_receipt(&tx.hash).unwrap() {
                Some(receipt) => assert_eq!(receipt["status"], "0x1", "{tx:?}: {receipt}"),
                None => still.push(tx),
            }
        }
        missing = still;
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} transactions have no receipt after {WAIT:?}, such as {:?}",
            missing.len(),
            txs.len(),
            &missing[..missing.len().min(5)]
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The chain's `Counter` was incremented once by every transaction after its
/// deployment, as node `i` sees it: contract state and ledger agree.
fn assert_counter_matches_ledger(chain: &Chain, counter: &Counter, i: usize) -> u64 {
    let count = counter.count(chain, i);
    let txs = chain.transaction_count(i);
    assert_eq!(
        count + 1,
        txs,
        "node {i}: Counter counts {count} increments, the ledger {txs} transactions"
    );
    count
}

/// The leader is SIGKILLed while transactions pour in: the other three change view and
/// go on; every transaction they accepted commits, and they hold the same blocks.
#[test]
fn a_killed_leader_under_load_is_replaced_and_the_chain_goes_on() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::create(dir.path(), "chain", 4);
    chain.start_all();
    chain.wait_connected(&[0, 1, 2, 3]);
    let counter = Counter::deploy(&chain, 0);

    let load = Load::start(&chain, &counter, &[0, 1, 2, 3]);
    let h0 = chain.height(0);
    wait_for("blocks under load", || chain.height(0) >= h0 + 4);

    // The leader of the height being agreed, as node 0 sees it.
    let status = chain.native_json(0, "getConsensusStatus");
    let leader_index = status["leaderIndex"].as_u64().unwrap() as usize;
    let leader_id = normal_id(
        status["consensusNodeList"][leader_index]["nodeID"]
            .as_str()
            .unwrap(),
    );
    let leader = chain
        .node_ids
        .iter()
        .position(|id| *id == leader_id)
        .expect("the leader is one of the chain's nodes");
    assert_eq!(
        leader, leader_index,
        "sealer indices follow the node folders"
    );
    let live: Vec<usize> = (0..4).filter(|&i| i != leader).collect();
    load.set_targets(&live);
    chain.kill(leader);
    let killed_at = live.iter().map(|&i| chain.height(i)).max().unwrap();
    eprintln!(
        "killed leader node {leader} at height {killed_at} after {:?}",
        started.elapsed()
    );

    // Its turn comes round again every four heights: the others time out and change view
    // each time, and still commit.
    wait_for("the live nodes to go on past the killed leader", || {
        live.iter().all(|&i| chain.height(i) >= killed_at + 8)
    });
    let view_changes: u64 = live
        .iter()
        .map(|&i| {
            chain.native_json(i, "getConsensusStatus")["viewChanges"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert!(view_changes >= 1, "no live node changed view");

    let (sent, errors) = load.stop();
    assert!(
        errors.is_empty(),
        "the live nodes refused transactions: {errors:?}"
    );
    let to_live: Vec<Sent> = sent.into_iter().filter(|t| t.node != leader).collect();
    assert!(
        to_live.len() >= 200,
        "only {} transactions sent",
        to_live.len()
    );
    wait_receipts(&chain, &to_live);
    chain.wait_pools_empty(&live);
    let height = chain.wait_same_chain(&live);

    // Blocks after the kill are proposed and signed by live sealers, each by a quorum.
    for number in killed_at + 3..=height {
        let block = chain.block(live[0], number);
        assert_ne!(
            block["sealer"].as_u64().unwrap() as usize,
            leader,
            "block {number}"
        );
        let signers: Vec<u64> = block["signatureList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["sealerIndex"].as_u64().unwrap())
            .collect();
        assert!(signers.len() >= 3, "block {number} signed by {signers:?}");
        assert!(
            !signers.contains(&(leader as u64)),
            "block {number} signed by {signers:?}"
        );
    }
    for &i in &live {
        let count = assert_counter_matches_ledger(&chain, &counter, i);
        assert!(count >= to_live.len() as u64);
    }
    eprintln!(
        "{} transactions to live nodes committed, height {height}, {view_changes} view change(s), in {:?}",
        to_live.len(),
        started.elapsed()
    );
}

/// Node 2 is SIGKILLed and stays down while the chain grows; restarted with the same
/// configuration, it catches up to the same blocks and then takes transactions again.
#[test]
fn a_node_killed_for_a_while_catches_up_after_restart() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::create(dir.path(), "chain", 4);
    chain.start_all();
    chain.wait_connected(&[0, 1, 2, 3]);
    let counter = Counter::deploy(&chain, 1);

    let load = Load::start(&chain, &counter, &[0, 1, 2, 3]);
    let h0 = chain.height(0);
    wait_for("blocks under load", || chain.height(0) >= h0 + 4);

    let others = [0, 1, 3];
    load.set_targets(&others);
    chain.kill(2);
    let killed_at = others.iter().map(|&i| chain.height(i)).max().unwrap();
    let before_kill = load.sent().len();
    eprintln!(
        "killed node 2 at height {killed_at} after {:?}",
        started.elapsed()
    );
    wait_for("the chain to grow without node 2", || {
        others.iter().all(|&i| chain.height(i) >= killed_at + 8)
    });

    chain.start(&[2]);
    let (target, ahead) = others.iter().map(|&i| (chain.height(i), i)).max().unwrap();
    eprintln!(
        "restarted node 2 at height {}; the others are up to {target}, after {:?}",
        chain.height(2),
        started.elapsed()
    );
    wait_for("node 2 to catch up", || chain.height(2) >= target);
    chain.assert_same_blocks(&[ahead, 2], target);
    chain.wait_connected(&[0, 1, 2, 3]);

    // Transactions sent to node 2 commit.
    load.set_targets(&[0, 1, 2, 3]);
    let resumed = load.sent().len();
    wait_for("transactions sent to node 2", || {
        load.sent()[resumed..]
            .iter()
            .filter(|t| t.node == 2)
            .count()
            >= 25
    });
    let (sent, errors) = load.stop();
    assert!(
        errors.is_empty(),
        "the nodes refused transactions: {errors:?}"
    );
    let to_restarted: Vec<Sent> = sent[resumed..]
        .iter()
        .filter(|t| t.node == 2)
        .cloned()
        .collect();
    wait_receipts(&chain, &to_restarted);
    // Everything else too, but what node 2 took before it was killed: the last of
    // that may have died with it.
    let (before, after) = sent.split_at(before_kill);
    let required: Vec<Sent> = before
        .iter()
        .filter(|t| t.node != 2)
        .chain(after)
        .cloned()
        .collect();
    wait_receipts(&chain, &required);
    chain.wait_pools_empty(&[0, 1, 2, 3]);
    let height = chain.wait_same_chain(&[0, 1, 2, 3]);
    for i in 0..4 {
        assert_counter_matches_ledger(&chain, &counter, i);
    }
    let to_killed: Vec<&Sent> = before.iter().filter(|t| t.node == 2).collect();
    let survived = to_killed
        .iter()
        .filter(|t| chain.client(0).eth_receipt(&t.hash).unwrap().is_some())
        .count();
    eprintln!(
        "{} transactions sent ({} to the restarted node; {survived} of the {} sent to node 2 before the kill committed), height {height}, in {:?}",
        sent.len(),
        to_restarted.len(),
        to_killed.len(),
        started.elapsed()
    );
}

/// A node of another chain (another CA) dials the first chain, and a node of the first
/// chain dials it: the TLS handshakes fail both ways, it never shows among the first
/// chain's peers, and the first chain keeps working and reports a sound live state.
#[test]
fn a_node_of_another_ca_is_refused_and_the_live_state_is_sound() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::create(dir.path(), "chain", 4);
    // Same chain id and group, so its CA even has the same name ("weft chain 20"): only
    // the CA's key differs (rustls then reports `BadSignature` rather than
    // `UnknownIssuer`), and its node is not in the first chain's genesis.
    let mut foreign = Chain::create(dir.path(), "foreign", 1);
    let foreign_id = foreign.node_ids[0].clone();
    let first_chain_addrs: Vec<_> = (0..4).map(|i| chain.p2p_addr(i)).collect();
    foreign.edit_config(0, |c| c.p2p.peers = first_chain_addrs);
    let foreign_addr = foreign.p2p_addr(0);
    chain.edit_config(0, |c| c.p2p.peers.push(foreign_addr));
    chain.start_all();
    foreign.start_all();
    chain.wait_connected(&[0, 1, 2, 3]);
    let counter = Counter::deploy(&chain, 3);

    // Sample the first chain's peers while the foreign node keeps dialling and load runs.
    let load = Load::start(&chain, &counter, &[0, 1, 2, 3]);
    let no_foreigner = |chain: &Chain| {
        for i in 0..4 {
            let peers = chain.peers(i);
            assert!(
                !peers.contains(&foreign_id),
                "node {i} connected the foreign node: {peers:?}"
            );
        }
    };
    let h0 = chain.height(0);
    let log = |c: &Chain, i: usize| std::fs::read_to_string(c.log_path(i)).unwrap_or_default();
    // The foreign node's dials of the first chain fail on the certificate (another CA),
    // and so does node 0's dial of it.
    let refused = |text: &str, addr: std::net::SocketAddr| {
        text.lines().any(|l| {
            l.contains("connection not made")
                && l.contains(&addr.to_string())
                && l.contains("Outbound")
                && l.contains("invalid peer certificate")
        })
    };
    wait_for("refused handshakes and blocks under load", || {
        no_foreigner(&chain);
        let foreign_log = log(&foreign, 0);
        let chain_log = log(&chain, 0);
        chain.height(0) >= h0 + 5
            && load.sent().len() >= 150
            && (0..4).all(|i| refused(&foreign_log, chain.p2p_addr(i)))
            && refused(&chain_log, foreign_addr)
    });
    let (sent, errors) = load.stop();
    assert!(
        errors.is_empty(),
        "the nodes refused transactions: {errors:?}"
    );
    wait_receipts(&chain, &sent);
    chain.wait_pools_empty(&[0, 1, 2, 3]);
    let height = chain.wait_same_chain(&[0, 1, 2, 3]);
    no_foreigner(&chain);
    assert!(foreign.peers(0).is_empty(), "{:?}", foreign.peers(0));
    // The foreign chain runs on alone (one sealer) and never took the first one's blocks.
    assert_ne!(foreign.block_hash(0, 0), chain.block_hash(0, 0));
    assert_eq!(foreign.height(0), 0);

    // The live state, as every node of the first chain reports it.
    wait_for("every node to report every peer at the head", || {
        (0..4).all(|i| {
            let sync = chain.native_json(i, "getSyncStatus");
            sync["peers"].as_array().is_some_and(|peers| {
                peers.len() == 3 && peers.iter().all(|p| p["blockNumber"] == json!(height))
            })
        })
    });
    for i in 0..4 {
        let others: BTreeSet<String> = (0..4)
            .filter(|&j| j != i)
            .map(|j| chain.node_ids[j].clone())
            .collect();
        assert_eq!(chain.peers(i), others, "node {i}'s peers");
        let peers = chain.client(i).call("getPeers", json!([])).unwrap();
        assert_eq!(
            normal_id(peers["p2pNodeID"].as_str().unwrap()),
            chain.node_ids[i]
        );
        for p in peers["peers"].as_array().unwrap() {
            assert!(
                p["endPoint"].as_str().unwrap().starts_with("127.0.0.1:"),
                "{p}"
            );
        }

        let sync = chain.native_json(i, "getSyncStatus");
        assert_eq!(sync["blockNumber"], json!(height), "node {i}: {sync}");
        assert_eq!(
            sync["knownHighestNumber"],
            json!(height),
            "node {i}: {sync}"
        );
        assert_eq!(sync["isSyncing"], json!(false), "node {i}: {sync}");
        assert_eq!(
            normal_id(sync["nodeID"].as_str().unwrap()),
            chain.node_ids[i]
        );
        let head = chain.block_hash(i, height).unwrap();
        assert_eq!(
            sync["latestHash"]
                .as_str()
                .unwrap()
                .parse::<B256>()
                .unwrap(),
            head
        );
        let sync_peers: BTreeSet<String> = sync["peers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| normal_id(p["nodeID"].as_str().unwrap()))
            .collect();
        assert_eq!(sync_peers, others, "node {i}: {sync}");

        let view = chain.client(i).call_native("getPbftView", vec![]).unwrap();
        assert!(view.as_u64().is_some(), "node {i}'s view {view}");

        let consensus = chain.native_json(i, "getConsensusStatus");
        assert!(
            consensus["view"].as_u64().is_some(),
            "node {i}: {consensus}"
        );
        assert_eq!(
            consensus["blockNumber"],
            json!(height),
            "node {i}: {consensus}"
        );
        assert_eq!(
            consensus["consensusHeight"],
            json!(height + 1),
            "node {i}: {consensus}"
        );
        assert_eq!(consensus["index"], json!(i), "node {i}: {consensus}");
        assert_eq!(
            consensus["isConsensusNode"],
            json!(true),
            "node {i}: {consensus}"
        );
        assert_eq!(
            consensus["consensusNodesNum"],
            json!(4),
            "node {i}: {consensus}"
        );
        assert_eq!(
            consensus["connectedNodeList"],
            json!(3),
            "node {i}: {consensus}"
        );
        assert_eq!(
            consensus["minRequiredQuorum"],
            json!(3),
            "node {i}: {consensus}"
        );
        assert_eq!(
            consensus["maxFaultyQuorum"],
            json!(1),
            "node {i}: {consensus}"
        );
        assert!(
            consensus["leaderIndex"].as_u64().is_some_and(|l| l < 4),
            "node {i}: {consensus}"
        );
        assert_eq!(
            normal_id(consensus["nodeID"].as_str().unwrap()),
            chain.node_ids[i]
        );

        let sealers = chain
            .client(i)
            .call_native("getSealerList", vec![])
            .unwrap();
        let sealer_ids: Vec<String> = sealers
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert_eq!(s["weight"], json!(1), "{s}");
                normal_id(s["nodeID"].as_str().unwrap())
            })
            .collect();
        assert_eq!(sealer_ids, chain.node_ids, "node {i}'s sealer list");
    }
    // The nodes agree on the view.
    let views: BTreeSet<u64> = (0..4)
        .map(|i| {
            chain
                .client(i)
                .call_native("getPbftView", vec![])
                .unwrap()
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(views.len(), 1, "views {views:?}");
    assert_counter_matches_ledger(&chain, &counter, 0);
    eprintln!(
        "{} transactions, height {height}, in {:?}",
        sent.len(),
        started.elapsed()
    );
}
