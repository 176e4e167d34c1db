//! Several nodes in one process, each with its own RocksDB folder and its own QUIC
//! endpoint on loopback, certificates from a chain CA as `weft chain new` makes them:
//! PBFT commits, transaction broadcast and fetch, a stopped node, a restarted node
//! catching up by block sync, a view change when the leader stops, observers, admission,
//! and the live status RPC reports.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{Genesis, GenesisSealer, SystemConfig};
use weft_node::certs::{CertifiedKey, ChainCa};
use weft_node::{Node, NodeConfig, NodeService, P2pConfig};
use weft_rpc::ChainApi;
use weft_txpool::TxPoolConfig;
use weft_types::{NativeTx, NodeId, Transaction};

/// How long any condition may take before a test fails (generous: the machine may be
/// busy building).
const WAIT: Duration = Duration::from_secs(90);

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A chain's files: keys, certificates, genesis and a fixed loopback address per node
/// (so that a restarted node comes back where its peers dial).
struct TestChain {
    dir: tempfile::TempDir,
    genesis: Genesis,
    /// The account genesis allows to change the node list.
    admin: KeyPair,
    keys: Vec<KeyPair>,
    certs: Vec<CertifiedKey>,
    ca_pem: String,
    addrs: Vec<SocketAddr>,
    ca: ChainCa,
}

/// `n` distinct free UDP ports on loopback.
fn free_addrs(n: usize) -> Vec<SocketAddr> {
    let sockets: Vec<UdpSocket> = (0..n)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    sockets.iter().map(|s| s.local_addr().unwrap()).collect()
}

impl TestChain {
    /// `sealers` sealers and `observers` observers (nodes `sealers..`).
    fn new(sealers: usize, observers: usize) -> TestChain {
        Self::with_outsiders(sealers, observers, 0)
    }

    /// Also `outsiders` nodes (the last ones) with keys and certificates from the chain's
    /// CA but not in genesis.
    fn with_outsiders(sealers: usize, observers: usize, outsiders: usize) -> TestChain {
        Self::build(SuiteId::Standard, sealers, observers, outsiders)
    }

    fn build(suite: SuiteId, sealers: usize, observers: usize, outsiders: usize) -> TestChain {
        let n = sealers + observers + outsiders;
        let keys: Vec<KeyPair> = (0..n).map(|_| KeyPair::generate(suite)).collect();
        let admin = KeyPair::generate(suite);
        let ca = ChainCa::generate("weft test chain").unwrap();
        let certs = keys
            .iter()
            .map(|k| ca.issue_node_cert(k.public()).unwrap())
            .collect();
        let genesis = Genesis {
            chain_id: 20,
            group_id: "group0".into(),
            crypto_suite: suite,
            timestamp: 0,
            sealers: keys[..sealers]
                .iter()
                .map(|k| GenesisSealer {
                    node_id: k.public().0.into(),
                    weight: 1,
                })
                .collect(),
            observers: keys[sealers..sealers + observers]
                .iter()
                .map(|k| k.public().0.into())
                .collect(),
            admins: vec![admin.address()],
            config: SystemConfig {
                consensus_timeout_ms: 1500,
                ..SystemConfig::default()
            },
            plugins: vec![],
        };
        TestChain {
            dir: tempfile::tempdir().unwrap(),
            genesis,
            admin,
            keys,
            certs,
            ca_pem: ca.certified_key().cert_pem.clone(),
            addrs: free_addrs(n),
            ca,
        }
    }

    fn data_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("node{i}"))
    }

    fn open(&self, i: usize) -> Node {
        // A node just shut down may still be releasing its RocksDB lock for a moment.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Node::open(NodeConfig {
                data_dir: self.data_dir(i),
                genesis: self.genesis.clone(),
                node_key: self.keys[i].clone(),
                min_seal_time: Duration::from_millis(20),
                pool: TxPoolConfig::default(),
                plugin_dir: self.data_dir(i).join("plugins"),
            }) {
                Ok(node) => return node,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("node {i} not open yet: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("node {i} does not open: {e}"),
            }
        }
    }

    fn p2p(&self, i: usize, cert: &CertifiedKey) -> P2pConfig {
        P2pConfig {
            listen: self.addrs[i],
            peers: self
                .addrs
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, a)| *a)
                .collect(),
            node_cert_pem: cert.cert_pem.clone(),
            node_key_pem: cert.key_pem.clone(),
            ca_cert_pem: self.ca_pem.clone(),
            whitelist: vec![],
            blacklist: vec![],
            max_inbound_handshakes: weft_network::DEFAULT_MAX_INBOUND_HANDSHAKES,
        }
    }

    async fn start(&self, i: usize) -> NodeService {
        // A node stopped a moment ago may still hold its UDP port while QUIC drains its
        // connections.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match NodeService::start(self.open(i), self.p2p(i, &self.certs[i])).await {
                Ok(service) => return service,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("node {i} not started yet: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("node {i} does not start: {e}"),
            }
        }
    }

    async fn start_all(&self) -> Vec<Option<NodeService>> {
        let mut nodes = Vec::new();
        for i in 0..self.keys.len() {
            nodes.push(Some(self.start(i).await));
        }
        nodes
    }
}

fn node(services: &[Option<NodeService>], i: usize) -> &Node {
    services[i].as_ref().expect("node runs").node()
}

fn running(services: &[Option<NodeService>]) -> impl Iterator<Item = &Node> {
    services.iter().flatten().map(NodeService::node)
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A native transaction from `user` with a fresh random nonce, valid for the next 100
/// blocks after `node`'s head.
fn native_tx(node: &Node, user: &KeyPair) -> Vec<u8> {
    call_tx(
        node,
        user,
        Address::repeat_byte(7),
        Bytes::from_static(b"weft"),
    )
}

fn call_tx(node: &Node, user: &KeyPair, to: Address, input: Bytes) -> Vec<u8> {
    let tx = NativeTx {
        chain_id: 20,
        group_id: "group0".into(),
        block_limit: node.block_number() + 100,
        nonce: U256::from_be_bytes(rand::random::<[u8; 32]>()),
        to: TxKind::Call(to),
        value: U256::ZERO,
        gas_limit: 5_000_000,
        input,
        abi: String::new(),
    };
    Transaction::Native(tx.sign(user).unwrap()).encode()
}

alloy_sol_types::sol! {
    function addSealer(string nodeID, uint256 weight) external returns (int32);
    function addObserver(string nodeID) external returns (int32);
    function setValueByKey(string key, string value) external returns (int32);
}

/// A call of the Consensus precompile `0x1003` by the chain's admin, through `node`.
fn consensus_call(chain: &TestChain, node: &Node, input: Vec<u8>) -> B256 {
    admin_call(chain, node, 0x1003, input)
}

/// A call of the precompile at `address` by the chain's admin, through `node`.
fn admin_call(chain: &TestChain, node: &Node, address: u16, input: Vec<u8>) -> B256 {
    let mut raw = [0u8; 20];
    raw[18..].copy_from_slice(&address.to_be_bytes());
    let tx = call_tx(node, &chain.admin, Address::from(raw), input.into());
    node.submit_raw(&tx).expect("admitted")
}

/// Submit `count` transactions through `node` (as RPC does) and return their hashes.
fn submit(node: &Node, user: &KeyPair, count: usize) -> Vec<B256> {
    (0..count)
        .map(|_| node.submit_raw(&native_tx(node, user)).expect("admitted"))
        .collect()
}

async fn wait_committed(nodes: &[&Node], hashes: &[B256]) {
    wait_for("the transactions to commit on every node", || {
        nodes.iter().all(|n| {
            hashes.iter().all(|h| {
                n.receipt(h)
                    .unwrap()
                    .is_some_and(|(r, _)| r.status.is_success())
            })
        })
    })
    .await;
}

/// Every node has the same blocks up to the lowest head among them.
fn assert_same_chain(nodes: &[&Node]) -> u64 {
    let height = nodes.iter().map(|n| n.block_number()).min().unwrap();
    for number in 0..=height {
        let hashes: Vec<B256> = nodes
            .iter()
            .map(|n| n.block_hash(number).unwrap().unwrap())
            .collect();
        assert!(
            hashes.windows(2).all(|w| w[0] == w[1]),
            "block {number} differs: {hashes:?}"
        );
        if number > 0 {
            let block = nodes[0].block(number).unwrap().unwrap();
            assert!(
                block.signatures.len() >= 3 || block.header.sealer_list.len() < 4,
                "block {number} carries {} signatures",
                block.signatures.len()
            );
        }
    }
    height
}

async fn wait_same_head(nodes: &[&Node]) -> u64 {
    wait_for("every node to reach the same head", || {
        let first = nodes[0].block_number();
        nodes.iter().all(|n| n.block_number() == first)
    })
    .await;
    assert_same_chain(nodes)
}

async fn shutdown_all(services: Vec<Option<NodeService>>) {
    for service in services.into_iter().flatten() {
        service.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_sealers_and_an_observer_commit_the_same_chain() {
    init_tracing();
    let chain = TestChain::new(4, 1);
    let services = chain.start_all().await;
    let all: Vec<&Node> = running(&services).collect();
    wait_for("every node to connect to the others", || {
        all.iter().all(|n| n.peers().len() == 4)
    })
    .await;

    // Transactions enter through different nodes (the observer too) and all commit.
    let mut hashes = Vec::new();
    for (i, n) in all.iter().enumerate() {
        let user = KeyPair::generate(SuiteId::Standard);
        hashes.extend(submit(n, &user, 2 + i));
    }
    wait_committed(&all, &hashes).await;
    let height = wait_same_head(&all).await;
    assert!(height >= 1);
    // Blocks were proposed by more than one sealer (the leader rotates with the height),
    // and only sealers propose.
    let proposers: std::collections::BTreeSet<u64> = (1..=height)
        .map(|h| all[0].block(h).unwrap().unwrap().header.sealer)
        .collect();
    assert!(proposers.iter().all(|&s| s < 4), "{proposers:?}");

    // The live status RPC reports: view, leader, sealers, peers, sync heads.
    wait_for("sync status to show every peer's head", || {
        all.iter().all(|n| {
            let s = n.status();
            s.sync.as_ref().is_some_and(|sync| {
                sync.peers.len() == 4 && sync.peers.iter().all(|p| p.number == height)
            })
        })
    })
    .await;
    for (i, n) in all.iter().enumerate() {
        let status = n.status();
        let consensus = status.consensus.as_ref().expect("consensus status");
        assert_eq!(consensus.sealers.len(), 4);
        assert_eq!(consensus.quorum, 3);
        assert_eq!(consensus.max_faulty, 1);
        assert_eq!(consensus.height, n.block_number() + 1);
        assert_eq!(
            consensus.node_index,
            (i < 4).then_some(i as u64),
            "node {i}'s index"
        );
        assert_eq!(status.peers.len(), 4);
        assert_eq!(status.view, consensus.view);
        assert!(!status.syncing);
        assert_eq!(status.node_id, chain.keys[i].public().to_string());
    }
    let live = all[4].live_status().unwrap();
    assert!(
        live.committed_by_consensus >= 1,
        "the observer follows the votes and commits: {live:?}"
    );

    // The same over JSON-RPC, in FISCO's shapes.
    let server = weft_rpc::start(
        weft_rpc::RpcConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..weft_rpc::RpcConfig::default()
        },
        std::sync::Arc::new(all[1].clone()),
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    let sealer1 = hex::encode(chain.keys[1].public().0);
    let answers = tokio::task::spawn_blocking(move || {
        let call = |method: &str, params| crate::rpc(addr, method, params).unwrap();
        (
            call("getPbftView", serde_json::json!(["group0", ""])),
            call("getConsensusStatus", serde_json::json!(["group0", ""])),
            call("getSyncStatus", serde_json::json!(["group0", ""])),
            call("getPeers", serde_json::json!([])),
            call("getSealerList", serde_json::json!(["group0", ""])),
            call("getObserverList", serde_json::json!(["group0", ""])),
        )
    })
    .await
    .unwrap();
    server.stop();
    let (view, consensus, sync, peers, sealer_list, observers) = answers;
    assert!(view.as_u64().is_some(), "{view}");
    let consensus: serde_json::Value = serde_json::from_str(consensus.as_str().unwrap()).unwrap();
    assert_eq!(consensus["nodeID"], serde_json::json!(sealer1));
    assert_eq!(consensus["index"], serde_json::json!(1));
    assert_eq!(consensus["consensusNodesNum"], serde_json::json!(4));
    assert_eq!(consensus["minRequiredQuorum"], serde_json::json!(3));
    assert_eq!(consensus["timeout"], serde_json::json!(false));
    assert_eq!(consensus["blockNumber"], serde_json::json!(height));
    assert!(consensus["leaderIndex"].as_u64().unwrap() < 4);
    let sync: serde_json::Value = serde_json::from_str(sync.as_str().unwrap()).unwrap();
    assert_eq!(sync["knownHighestNumber"], serde_json::json!(height));
    assert_eq!(sync["isSyncing"], serde_json::json!(false));
    assert_eq!(sync["peers"].as_array().unwrap().len(), 4);
    let peers = peers["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 4);
    assert!(peers
        .iter()
        .all(|p| p["endPoint"].as_str().unwrap().starts_with("127.0.0.1:")));
    assert_eq!(sealer_list.as_array().unwrap().len(), 4);
    assert_eq!(
        observers,
        serde_json::json!([hex::encode(chain.keys[4].public().0)])
    );

    // A transaction only the next leader holds (it never went through the relay): the
    // replicas and the observer fetch it from the proposer.
    let leader = all[0].live_status().unwrap().consensus.leader_index as usize;
    let user = KeyPair::generate(SuiteId::Standard);
    let raw = native_tx(all[leader], &user);
    let hash = all[leader]
        .pool()
        .submit(&raw, &all[leader].chain_view(), Instant::now())
        .unwrap();
    assert!(all
        .iter()
        .enumerate()
        .all(|(i, n)| i == leader || n.pending_transaction(&hash).is_none()));
    wait_committed(&all, &[hash]).await;
    wait_same_head(&all).await;
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_node_is_tolerated_and_catches_up_after_restart() {
    init_tracing();
    let chain = TestChain::new(4, 0);
    let mut services = chain.start_all().await;
    let user = KeyPair::generate(SuiteId::Standard);
    let first = submit(node(&services, 0), &user, 3);
    let all: Vec<&Node> = running(&services).collect();
    wait_committed(&all, &first).await;
    wait_same_head(&all).await;

    // Node 3 stops: three of four sealers are a quorum (f = 1).
    services[3].take().unwrap().shutdown().await;
    let stopped_at = chain.open_height_hint(&services);
    let mut more = Vec::new();
    for round in 0..4 {
        more.extend(submit(node(&services, round % 3), &user, 2));
        let three: Vec<&Node> = running(&services).collect();
        wait_committed(&three, &more).await;
    }
    let three: Vec<&Node> = running(&services).collect();
    let height = wait_same_head(&three).await;
    assert!(height >= stopped_at + 2, "{height} vs {stopped_at}");

    // Node 3 comes back on its address, catches up by block sync and votes again.
    services[3] = Some(chain.start(3).await);
    let all: Vec<&Node> = running(&services).collect();
    wait_for("the restarted node to catch up", || {
        all[3].block_number() >= height
    })
    .await;
    assert_same_chain(&all);
    wait_for(
        "the restarted node to report blocks applied by sync",
        || {
            all[3]
                .live_status()
                .is_some_and(|live| live.committed_by_sync >= 1)
        },
    )
    .await;
    // Transactions sent to it reach the others (relayed, or kept until its peers are
    // connected) and commit everywhere.
    let last = submit(all[3], &user, 2);
    wait_committed(&all, &last).await;
    wait_same_head(&all).await;
    shutdown_all(services).await;
}

impl TestChain {
    /// The common head of the running nodes.
    fn open_height_hint(&self, services: &[Option<NodeService>]) -> u64 {
        running(services).map(|n| n.block_number()).min().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_leader_is_replaced_by_a_view_change() {
    init_tracing();
    let chain = TestChain::new(4, 0);
    let mut services = chain.start_all().await;
    let user = KeyPair::generate(SuiteId::Standard);
    let warm = submit(node(&services, 0), &user, 1);
    let all: Vec<&Node> = running(&services).collect();
    wait_committed(&all, &warm).await;
    let head = wait_same_head(&all).await;

    // The leader of the next height (view 0) stops.
    let next = head + 1;
    let status = all[0].live_status().unwrap().consensus;
    assert_eq!(status.height, next);
    let leader = (next % 4) as usize;
    assert_eq!(status.leader_index, leader as u64);
    services[leader].take().unwrap().shutdown().await;
    let others: Vec<usize> = (0..4).filter(|&i| i != leader).collect();

    // A transaction sent to another node still commits, after a view change.
    let tx = submit(node(&services, others[0]), &user, 1);
    let three: Vec<&Node> = running(&services).collect();
    wait_committed(&three, &tx).await;
    let (_, location) = three[0].receipt(&tx[0]).unwrap().unwrap();
    let block = three[0].block(location.number).unwrap().unwrap();
    assert_ne!(
        block.header.sealer, leader as u64,
        "a live sealer proposed the block"
    );
    assert!(
        three
            .iter()
            .any(|n| n.live_status().unwrap().view_changes >= 1),
        "someone changed view"
    );
    assert_same_chain(&three);
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_outside_the_node_list_is_refused() {
    init_tracing();
    let chain = TestChain::new(1, 0);
    let services = chain.start_all().await;
    // A node certified by the same CA but not in genesis.
    let stranger = KeyPair::generate(SuiteId::Standard);
    let cert = chain.ca.issue_node_cert(stranger.public()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outsider = Node::open(NodeConfig {
        data_dir: dir.path().to_path_buf(),
        genesis: chain.genesis.clone(),
        node_key: stranger,
        min_seal_time: Duration::from_millis(20),
        pool: TxPoolConfig::default(),
        plugin_dir: dir.path().join("plugins"),
    })
    .unwrap();
    let listen = free_addrs(1)[0];
    let p2p = P2pConfig {
        listen,
        peers: vec![chain.addrs[0]],
        ..chain.p2p(0, &cert)
    };
    let outsider = NodeService::start(outsider, p2p).await.unwrap();
    // The sealer runs alone (n = 1) and commits; the outsider never connects.
    let user = KeyPair::generate(SuiteId::Standard);
    let sealer = node(&services, 0);
    let hashes = submit(sealer, &user, 2);
    wait_committed(&[sealer], &hashes).await;
    wait_for("the outsider's handshake to be refused", || {
        outsider.network().stats().connect_failures >= 1
    })
    .await;
    assert!(sealer.peers().is_empty(), "{:?}", sealer.peers());
    assert!(outsider.node().peers().is_empty());
    let id = NodeId::from(outsider.node().key().public().0);
    assert!(!sealer.peers().iter().any(|p| p.node_id == id));
    outsider.shutdown().await;
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_added_through_the_consensus_precompile_joins_then_votes() {
    use alloy_sol_types::SolCall;
    init_tracing();
    // Four sealers, and node 4, certified by the chain's CA but not in genesis: refused.
    let chain = TestChain::with_outsiders(4, 0, 1);
    let mut services = chain.start_all().await;
    let newcomer = hex::encode(chain.keys[4].public().0);
    let user = KeyPair::generate(SuiteId::Standard);
    let warm = submit(node(&services, 0), &user, 1);
    let sealers: Vec<&Node> = services[..4]
        .iter()
        .flatten()
        .map(NodeService::node)
        .collect();
    wait_committed(&sealers, &warm).await;
    assert!(node(&services, 4).peers().is_empty());
    assert_eq!(node(&services, 4).block_number(), 0);

    // The admin makes it an observer: the sealers admit it, it syncs and follows.
    let added = consensus_call(
        &chain,
        node(&services, 1),
        addObserverCall {
            nodeID: newcomer.clone(),
        }
        .abi_encode(),
    );
    wait_committed(&sealers, &[added]).await;
    let all: Vec<&Node> = running(&services).collect();
    wait_for("the new observer to connect and catch up", || {
        all[4].block_number() >= all[0].block_number() && !all[4].peers().is_empty()
    })
    .await;
    assert_eq!(
        all[0]
            .node_list(all[0].block_number() + 1)
            .unwrap()
            .observers
            .len(),
        1
    );
    let status = all[4].live_status().unwrap().consensus;
    assert_eq!(status.node_index, None, "an observer does not vote");

    // Then a sealer: from the next block, five sealers (quorum 4) and it votes.
    let promoted = consensus_call(
        &chain,
        all[2],
        addSealerCall {
            nodeID: newcomer,
            weight: U256::from(1),
        }
        .abi_encode(),
    );
    wait_committed(&all, &[promoted]).await;
    wait_for("the new sealer to see itself in the sealer list", || {
        all[4]
            .live_status()
            .is_some_and(|l| l.consensus.node_index == Some(4) && l.consensus.quorum == 4)
    })
    .await;
    let before = all[0].block_number();
    // With one of the first four stopped, blocks need the newcomer's votes (4 of 5).
    services[0].take().unwrap().shutdown().await;
    let four: Vec<&Node> = running(&services).collect();
    let mut later = Vec::new();
    for n in &four {
        later.extend(submit(n, &user, 1));
    }
    wait_committed(&four, &later).await;
    let head = wait_same_head(&four).await;
    assert!(head > before);
    for h in before + 1..=head {
        let block = four[0].block(h).unwrap().unwrap();
        assert_eq!(block.header.sealer_list.len(), 5, "block {h}");
        assert!(
            block.signatures.iter().any(|s| s.sealer_index == 4),
            "block {h} needed the newcomer's signature: {:?}",
            block.signatures
        );
    }
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_and_forged_messages_are_dropped_and_the_chain_goes_on() {
    use weft_consensus::{Body, SignedMessage, Vote};
    use weft_network::{Module, Network, NetworkConfig};
    init_tracing();
    let chain = TestChain::new(4, 0);
    let mut services = chain.start_all().await;
    // Node 3 stops; something else comes up with its certificate and address (a
    // compromised TLS key, say) and sends junk on every module.
    services[3].take().unwrap().shutdown().await;
    let mut config = NetworkConfig::new(
        chain.addrs[3],
        chain.certs[3].cert_pem.clone(),
        chain.certs[3].key_pem.clone(),
        chain.ca_pem.clone(),
        "group0",
    );
    config.peers = vec![chain.addrs[0]];
    let deadline = Instant::now() + Duration::from_secs(10);
    let (impostor, _inbound) = loop {
        match Network::start(config.clone()).await {
            Ok(started) => break started,
            // Node 3's port may not be free yet.
            Err(e) if Instant::now() < deadline => {
                eprintln!("impostor not started yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    let target = node(&services, 0).node_id();
    wait_for("the impostor to connect", || impostor.is_connected(&target)).await;
    let before = node(&services, 0).live_status().unwrap().dropped_messages;
    let height = node(&services, 0).block_number() + 1;
    // A vote claiming sealer 3 but signed with another key.
    let forged = SignedMessage::sign(
        &KeyPair::generate(SuiteId::Standard),
        3,
        Body::Prepare(Vote {
            height,
            view: 0,
            proposal_hash: B256::repeat_byte(9),
        }),
        None,
    )
    .unwrap()
    .encode();
    for (module, payload) in [
        (Module::Consensus, forged.0),
        (Module::Consensus, bytes::Bytes::from_static(b"\xc3junk")),
        (
            Module::TxSync,
            bytes::Bytes::from_static(b"\x00\xc2\x81\x01"),
        ),
        (Module::TxSync, bytes::Bytes::from_static(b"\x09")),
        (
            Module::BlockSync,
            bytes::Bytes::from_static(b"\x02\xc1\x05"),
        ),
    ] {
        impostor.send(target, module, payload).unwrap();
    }
    wait_for("node 0 to drop the forged and malformed votes", || {
        node(&services, 0).live_status().unwrap().dropped_messages >= before + 2
    })
    .await;
    // The three honest sealers still commit.
    let user = KeyPair::generate(SuiteId::Standard);
    let hashes = submit(node(&services, 1), &user, 2);
    let three: Vec<&Node> = running(&services).collect();
    wait_committed(&three, &hashes).await;
    assert_same_chain(&three);
    impostor.shutdown().await;
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_transactions_fills_blocks_up_to_tx_count_limit() {
    init_tracing();
    let mut chain = TestChain::new(4, 0);
    chain.genesis.config.tx_count_limit = 100;
    let services = chain.start_all().await;
    let all: Vec<&Node> = running(&services).collect();
    wait_for("every node to connect to the others", || {
        all.iter().all(|n| n.peers().len() == 3)
    })
    .await;
    let mut hashes = Vec::new();
    for n in &all {
        let user = KeyPair::generate(SuiteId::Standard);
        hashes.extend(submit(n, &user, 150));
    }
    wait_committed(&all, &hashes).await;
    let head = wait_same_head(&all).await;
    let sizes: Vec<usize> = (1..=head)
        .map(|h| all[0].block(h).unwrap().unwrap().transactions.len())
        .collect();
    assert!(sizes.iter().all(|&n| (1..=100).contains(&n)), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), 600);
    assert!(all.iter().all(|n| n.pending_count() == 0));

    // The admin changes consensus_timeout through SystemConfig: every node's view-change
    // timer takes it up from the next block, without a restart.
    let timeout = |n: &Node| n.live_status().map(|l| l.consensus.timeout_ms);
    assert!(all.iter().all(|n| timeout(n) == Some(1500)));
    let changed = admin_call(&chain, all[1], 0x1000, {
        use alloy_sol_types::SolCall;
        setValueByKeyCall {
            key: "consensus_timeout".into(),
            value: "2500".into(),
        }
        .abi_encode()
    });
    wait_committed(&all, &[changed]).await;
    wait_for("every node to use the new consensus timeout", || {
        all.iter().all(|n| timeout(n) == Some(2500))
    })
    .await;
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_sm_chain_runs_pbft_too() {
    init_tracing();
    let chain = TestChain::build(SuiteId::Sm, 4, 0, 0);
    let services = chain.start_all().await;
    let all: Vec<&Node> = running(&services).collect();
    let user = KeyPair::generate(SuiteId::Sm);
    let mut hashes = Vec::new();
    for n in &all {
        hashes.extend(submit(n, &user, 1));
    }
    wait_committed(&all, &hashes).await;
    let head = wait_same_head(&all).await;
    let block = all[0].block(head).unwrap().unwrap();
    let hash = all[0].block_hash(head).unwrap().unwrap();
    // The commit signatures are SM2 signatures of the header's SM3 hash by the sealers.
    for s in &block.signatures {
        let key = weft_crypto::PublicKey(block.header.sealer_list[s.sealer_index as usize].0);
        SuiteId::Sm
            .suite()
            .verify(&key, &hash, &s.signature)
            .expect("an SM2 commit signature");
    }
    shutdown_all(services).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_configured_with_no_handshake_slots_does_not_start() {
    init_tracing();
    let chain = TestChain::new(4, 0);
    let p2p = P2pConfig {
        max_inbound_handshakes: 0,
        ..chain.p2p(0, &chain.certs[0])
    };
    let err = match NodeService::start(chain.open(0), p2p).await {
        Ok(_) => panic!("a node started that would accept no connection"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("max_inbound_handshakes"), "{err}");
}
