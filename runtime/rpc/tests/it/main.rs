//! Integration tests of the JSON-RPC server: a fake node (a real ledger and executor over
//! memory storage, a `Vec` for a pool) behind a real server, spoken to over real HTTP and
//! WebSocket.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod errors;
mod eth;
mod native;
mod subscriptions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;
use weft_crypto::{KeyPair, SuiteId};
use weft_executor::{CallOutcome, CallRequest, Executor};
use weft_ledger::{Genesis, GenesisSealer, Ledger, NodeList, SystemConfig, TxLocation};
use weft_rpc::{
    AccountState, ChainApi, CommittedBlock, NodeFault, NodeStatus, RpcConfig, RpcHandle,
};
use weft_storage::memory::MemoryStorage;
use weft_txpool::TxRejection;
use weft_types::{Block, BlockNumber, DecodeLimits, NativeTx, Receipt, Transaction, VerifiedTx};

alloy_sol_types::sol! {
    function get() returns (string);
    function set(string name_);
    function store(uint256 key, bytes32 tag, string note);
    function revertWithReason(string reason);
    event Stored(address indexed who, uint256 indexed key, bytes32 indexed tag, string note);
}

/// The chain id of the test chain.
pub const CHAIN_ID: u64 = 20;
/// The group of the test chain.
pub const GROUP: &str = "group0";

/// A contract artifact's field.
fn artifact(contract: &str, field: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/solidity/artifacts/0.8.37")
        .join(format!("{contract}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).unwrap();
    match &json[field] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fault(e: impl std::fmt::Display) -> NodeFault {
    NodeFault(e.to_string())
}

/// The fake node: a real ledger and executor, a `Vec` for a pool, and a broadcast of
/// committed blocks.
pub struct Fake {
    /// The ledger.
    pub ledger: Ledger<MemoryStorage>,
    /// The executor.
    pub executor: Executor,
    /// The pool: admitted transactions in order.
    pub pool: Mutex<Vec<VerifiedTx>>,
    /// Where committed blocks are published.
    pub blocks: broadcast::Sender<Arc<CommittedBlock>>,
    /// The only sealer's key.
    pub sealer: KeyPair,
}

impl Fake {
    fn new() -> Self {
        let sealer = KeyPair::generate(SuiteId::Standard);
        let genesis = Genesis {
            chain_id: CHAIN_ID,
            group_id: GROUP.into(),
            crypto_suite: SuiteId::Standard,
            timestamp: 1_700_000_000_000,
            sealers: vec![GenesisSealer {
                node_id: sealer.public().0.into(),
                weight: 1,
            }],
            observers: vec![],
            admins: vec![],
            config: SystemConfig::default(),
            plugins: vec![],
        };
        let (blocks, _) = broadcast::channel(64);
        Fake {
            ledger: Ledger::open(MemoryStorage::new(weft_ledger::tables::ALL), genesis).unwrap(),
            executor: Executor::new(CHAIN_ID),
            pool: Mutex::new(Vec::new()),
            blocks,
            sealer,
        }
    }

    /// Seal the pool into the next block, commit it and publish it; the receipts.
    pub fn seal(&self) -> Vec<Receipt> {
        let txs: Vec<VerifiedTx> = std::mem::take(&mut *self.pool.lock());
        let number = self.ledger.block_number() + 1;
        let ctx = self
            .executor
            .next_block_context(
                &self.ledger,
                1_700_000_000_000 + number * 1500,
                self.sealer.address(),
            )
            .unwrap();
        let commit = self
            .executor
            .build_block(&self.ledger, &ctx, 0, txs)
            .unwrap();
        let suite = self.ledger.suite();
        let committed = CommittedBlock {
            hash: commit.header.hash(suite),
            tx_hashes: commit.transactions.iter().map(VerifiedTx::hash).collect(),
            receipts: commit.receipts.clone(),
            block: Block {
                header: commit.header.clone(),
                signatures: commit.signatures.clone(),
                transactions: commit.transactions.iter().map(|t| t.tx().clone()).collect(),
            },
        };
        self.ledger.commit_block(commit).unwrap();
        let receipts = committed.receipts.clone();
        let _no_subscribers = self.blocks.send(Arc::new(committed));
        receipts
    }
}

impl ChainApi for Fake {
    fn chain_id(&self) -> u64 {
        CHAIN_ID
    }
    fn group_id(&self) -> String {
        GROUP.into()
    }
    fn suite(&self) -> SuiteId {
        self.ledger.genesis().crypto_suite
    }
    fn genesis_json(&self) -> String {
        String::from_utf8(self.ledger.genesis().canonical_bytes()).unwrap()
    }
    fn block_number(&self) -> BlockNumber {
        self.ledger.block_number()
    }
    fn block(&self, number: BlockNumber) -> Result<Option<Block>, NodeFault> {
        self.ledger.block(number).map_err(fault)
    }
    fn block_number_of(&self, hash: &B256) -> Result<Option<BlockNumber>, NodeFault> {
        self.ledger.block_number_of(hash).map_err(fault)
    }
    fn block_hash(&self, number: BlockNumber) -> Result<Option<B256>, NodeFault> {
        self.ledger.block_hash(number).map_err(fault)
    }
    fn block_transactions(&self, number: BlockNumber) -> Result<Vec<VerifiedTx>, NodeFault> {
        self.ledger.block_transactions(number).map_err(fault)
    }
    fn block_receipts(&self, number: BlockNumber) -> Result<Vec<Receipt>, NodeFault> {
        self.ledger.block_receipts(number).map_err(fault)
    }
    fn transaction(&self, hash: &B256) -> Result<Option<(VerifiedTx, TxLocation)>, NodeFault> {
        self.ledger.transaction(hash).map_err(fault)
    }
    fn pending_transaction(&self, hash: &B256) -> Option<VerifiedTx> {
        self.pool.lock().iter().find(|t| t.hash() == *hash).cloned()
    }
    fn receipt(&self, hash: &B256) -> Result<Option<(Receipt, TxLocation)>, NodeFault> {
        self.ledger.receipt(hash).map_err(fault)
    }
    fn submit_raw(&self, raw: &[u8]) -> Result<B256, TxRejection> {
        let tx =
            Transaction::decode(raw, &DecodeLimits::DEFAULT).map_err(TxRejection::Malformed)?;
        match &tx {
            Transaction::Native(signed) => {
                if signed.tx.chain_id != CHAIN_ID {
                    return Err(TxRejection::InvalidChainId {
                        expected: CHAIN_ID,
                        got: signed.tx.chain_id,
                    });
                }
                if signed.tx.group_id != GROUP {
                    return Err(TxRejection::InvalidGroupId {
                        expected: GROUP.into(),
                        got: signed.tx.group_id.clone(),
                    });
                }
            }
            Transaction::Ethereum(eth) => match eth.chain_id() {
                None => return Err(TxRejection::MissingChainId { expected: CHAIN_ID }),
                Some(c) if c != CHAIN_ID => {
                    return Err(TxRejection::InvalidChainId {
                        expected: CHAIN_ID,
                        got: c,
                    })
                }
                Some(_) => {}
            },
        }
        let verified = tx
            .verify(self.ledger.suite())
            .map_err(TxRejection::InvalidSignature)?;
        let hash = verified.hash();
        if self
            .ledger
            .transaction_location(&hash)
            .ok()
            .flatten()
            .is_some()
        {
            return Err(TxRejection::TxAlreadyInChain { hash });
        }
        if let Transaction::Ethereum(eth) = verified.tx() {
            let expected = self.pending_nonce(&verified.sender());
            if self.pool.lock().iter().any(|t| t.hash() == hash) {
                return Err(TxRejection::AlreadyInTxPool { hash });
            }
            if eth.nonce() < expected {
                return Err(TxRejection::NonceTooLow {
                    expected,
                    got: eth.nonce(),
                });
            }
            if eth.nonce() > expected {
                return Err(TxRejection::NonceTooHigh {
                    expected,
                    got: eth.nonce(),
                });
            }
        }
        let mut pool = self.pool.lock();
        if pool.iter().any(|t| t.hash() == hash) {
            return Err(TxRejection::AlreadyInTxPool { hash });
        }
        pool.push(verified);
        Ok(hash)
    }
    fn call(
        &self,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<CallOutcome, NodeFault> {
        self.executor.call(&self.ledger, request, at).map_err(fault)
    }
    fn estimate_gas(
        &self,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<Result<u64, CallOutcome>, NodeFault> {
        self.executor
            .estimate_gas(&self.ledger, request, at)
            .map_err(fault)
    }
    fn account(
        &self,
        address: &Address,
        at: Option<BlockNumber>,
    ) -> Result<AccountState, NodeFault> {
        let a = self
            .executor
            .account(&self.ledger, address, at)
            .map_err(fault)?;
        Ok(AccountState {
            nonce: a.nonce,
            balance: a.balance,
            code: a.code,
        })
    }
    fn storage_at(
        &self,
        address: &Address,
        slot: &U256,
        at: Option<BlockNumber>,
    ) -> Result<U256, NodeFault> {
        self.executor
            .storage_at(&self.ledger, address, slot, at)
            .map_err(fault)
    }
    fn abi(&self, address: &Address) -> Result<Option<String>, NodeFault> {
        self.executor.abi(&self.ledger, address).map_err(fault)
    }
    fn pending_nonce(&self, address: &Address) -> u64 {
        let committed = self.account(address, None).map(|a| a.nonce).unwrap_or(0);
        let pending = self
            .pool
            .lock()
            .iter()
            .filter(|t| t.sender() == *address && matches!(t.tx(), Transaction::Ethereum(_)))
            .count() as u64;
        committed + pending
    }
    fn pending_count(&self) -> usize {
        self.pool.lock().len()
    }
    fn total_transaction_count(&self) -> u64 {
        self.ledger.total_transaction_count()
    }
    fn node_list(&self, number: BlockNumber) -> Result<NodeList, NodeFault> {
        self.ledger.node_list(number).map_err(fault)
    }
    fn system_config(&self, key: &str) -> Result<Option<(String, BlockNumber)>, NodeFault> {
        self.ledger
            .system_config(key, self.ledger.block_number())
            .map_err(fault)
    }
    fn status(&self) -> NodeStatus {
        NodeStatus {
            node_id: alloy_primitives::hex::encode(self.sealer.public().0),
            view: 7,
            ..NodeStatus::default()
        }
    }
    fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<CommittedBlock>> {
        self.blocks.subscribe()
    }
}

/// A test node: the fake chain with two contracts deployed, served on a free port.
pub struct Node {
    /// The fake node.
    pub fake: Arc<Fake>,
    /// The server.
    pub handle: RpcHandle,
    /// A user key (standard suite).
    pub key: KeyPair,
    /// HelloWorld (deployed by a native transaction with its ABI, block 1).
    pub hello: Address,
    /// EventsAndErrors (block 2).
    pub events: Address,
    /// The deployment transaction of HelloWorld.
    pub hello_tx: B256,
    native_nonce: Mutex<u64>,
}

impl Node {
    /// Start with the default configuration.
    pub async fn start() -> Node {
        Self::start_with(RpcConfig::default()).await
    }

    /// Start with `config` (its address is replaced by 127.0.0.1:0).
    pub async fn start_with(mut config: RpcConfig) -> Node {
        let fake = Arc::new(Fake::new());
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let handle = weft_rpc::start(config, fake.clone()).await.unwrap();
        let mut node = Node {
            fake,
            handle,
            key: KeyPair::generate(SuiteId::Standard),
            hello: Address::ZERO,
            events: Address::ZERO,
            hello_tx: B256::ZERO,
            native_nonce: Mutex::new(0),
        };
        let abi = artifact("HelloWorld", "abi");
        let deploy = node.native_tx(
            TxKind::Create,
            hex(&artifact("HelloWorld", "bytecode")),
            &abi,
        );
        node.hello_tx = node.fake.submit_raw(&deploy).unwrap();
        node.hello = node.fake.seal()[0].contract_address.unwrap();
        let deploy = node.native_tx(
            TxKind::Create,
            hex(&artifact("EventsAndErrors", "bytecode")),
            "",
        );
        node.fake.submit_raw(&deploy).unwrap();
        node.events = node.fake.seal()[0].contract_address.unwrap();
        node
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }

    /// A signed native transaction from the user, encoded.
    pub fn native_tx(&self, to: TxKind, input: Vec<u8>, abi: &str) -> Vec<u8> {
        let nonce = {
            let mut n = self.native_nonce.lock();
            *n += 1;
            *n
        };
        let tx = NativeTx {
            chain_id: CHAIN_ID,
            group_id: GROUP.into(),
            block_limit: self.fake.ledger.block_number() + 100,
            nonce: U256::from(nonce),
            to,
            value: U256::ZERO,
            gas_limit: 5_000_000,
            input: input.into(),
            abi: abi.into(),
        };
        Transaction::Native(tx.sign(&self.key).unwrap()).encode()
    }

    /// A JSON-RPC call over HTTP; the whole response object.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let (status, text) = post(self.addr(), &body.to_string()).await;
        assert_eq!(status, 200, "{method}: HTTP {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method}: {e}: {text}"))
    }

    /// The result of a call that must succeed.
    pub async fn ok(&self, method: &str, params: Value) -> Value {
        let response = self.rpc(method, params.clone()).await;
        assert!(
            response.get("error").is_none(),
            "{method} {params}: unexpected error {response}"
        );
        response["result"].clone()
    }

    /// The error object of a call that must fail.
    pub async fn err(&self, method: &str, params: Value) -> Value {
        let response = self.rpc(method, params.clone()).await;
        assert!(
            response.get("result").is_none(),
            "{method} {params}: expected an error, got {response}"
        );
        response["error"].clone()
    }

    /// Block number and pool size: what a bad request must not change.
    pub fn chain_state(&self) -> (u64, usize) {
        (self.fake.ledger.block_number(), self.fake.pool.lock().len())
    }
}

/// An EIP-1559 transaction signed by `key`, encoded (EIP-2718).
pub fn eth_tx(key: &KeyPair, chain_id: u64, nonce: u64, to: TxKind, input: Vec<u8>) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 3_000_000,
        max_fee_per_gas: 0,
        max_priority_fee_per_gas: 0,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        input: input.into(),
    };
    let sig = key.sign(&tx.signature_hash()).unwrap();
    let envelope: TxEnvelope = tx
        .into_signed(Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1))
        .into();
    envelope.encoded_2718()
}

/// Decode hex (with or without `0x`).
pub fn hex(text: &str) -> Vec<u8> {
    alloy_primitives::hex::decode(text.trim_start_matches("0x")).unwrap()
}

/// `0x`-prefixed hex.
pub fn to_hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

/// ABI-encode a call.
pub fn abi<C: alloy_sol_types::SolCall>(call: C) -> Bytes {
    call.abi_encode().into()
}

/// A raw HTTP/1.1 POST of `body` to `/`; the status and the body.
pub async fn post(addr: SocketAddr, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
}

/// A WebSocket client of the node.
pub async fn ws_client(addr: SocketAddr) -> jsonrpsee::core::client::Client {
    use jsonrpsee::client_transport::ws::{Url, WsTransportClientBuilder};
    let url = Url::parse(&format!("ws://{addr}")).unwrap();
    let (sender, receiver) = WsTransportClientBuilder::default()
        .build(url)
        .await
        .unwrap();
    jsonrpsee::core::client::ClientBuilder::default().build_with_tokio(sender, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stops_on_request() {
    let node = Node::start().await;
    assert_eq!(node.ok("eth_blockNumber", json!([])).await, json!("0x2"));
    let addr = node.addr();
    node.handle.stop();
    node.handle.stop(); // again: nothing happens
    node.handle.clone().stopped().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err() || {
            // The listener may linger for a moment; a request must not be answered.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            tokio::net::TcpStream::connect(addr).await.is_err()
        }
    );
}
