//! A source chain built the way a consortium builds it: blocks executed by the real
//! executor and signed by a quorum of sealer keys (checkpoint signatures over the header
//! hash, indexed by the sealer list in force at each height).

use std::path::PathBuf;

use alloy_primitives::{Address, TxKind, B256, U256};
use alloy_sol_types::{sol, SolCall};
use weft_consensus::SealerSet;
use weft_crypto::{KeyPair, SecretKey, SuiteId};
use weft_executor::Executor;
use weft_ledger::{Genesis, GenesisSealer, Ledger};
use weft_storage::memory::MemoryStorage;
use weft_sync::sealer_set_at;
use weft_types::{Block, BlockHeader, NativeTx, SealerSignature, Transaction, VerifiedTx};

sol! {
    function set(string name_);
    function addSealer(string nodeID, uint256 weight) external returns (int32);
    function addObserver(string nodeID) external returns (int32);
    function remove(string nodeID) external returns (int32);
    function setWeight(string nodeID, uint256 weight) external returns (int32);
}

pub const CHAIN_ID: u64 = 20;
pub const GROUP: &str = "group0";
pub const GENESIS_TIME: u64 = 1_700_000_000_000;

/// The Consensus precompile `0x1003`.
pub fn consensus_address() -> Address {
    let mut raw = [0u8; 20];
    raw[18] = 0x10;
    raw[19] = 0x03;
    Address::from(raw)
}

pub fn suite() -> &'static dyn weft_crypto::CryptoSuite {
    SuiteId::Standard.suite()
}

/// Node key `i` (sealers, observers, the syncing node), deterministic.
pub fn node_key(i: usize) -> KeyPair {
    KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([i as u8 + 1; 32])).expect("key")
}

fn account_key(tag: u8) -> KeyPair {
    KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([0xa0 + tag; 32])).expect("key")
}

pub fn node_id_hex(key: &KeyPair) -> String {
    alloy_primitives::hex::encode(key.public().0)
}

/// A genesis with sealers `0..weights.len()` (node keys) of those weights, node key 9 as
/// an observer, and the admin account allowed to change the node list.
pub fn genesis(weights: &[u64]) -> Genesis {
    let ids: Vec<_> = (0..weights.len())
        .map(|i| node_key(i).public().0.into())
        .collect();
    let mut genesis = Genesis::new(CHAIN_ID, GROUP, SuiteId::Standard, &ids);
    genesis.sealers = ids
        .iter()
        .zip(weights)
        .map(|(&node_id, &weight)| GenesisSealer { node_id, weight })
        .collect();
    genesis.observers = vec![node_key(9).public().0.into()];
    genesis.admins = vec![account_key(0).address()];
    genesis.timestamp = GENESIS_TIME;
    genesis
}

pub fn ledger(genesis: &Genesis) -> Ledger<MemoryStorage> {
    Ledger::open(
        MemoryStorage::new(weft_ledger::tables::ALL),
        genesis.clone(),
    )
    .expect("ledger")
}

fn artifact(contract: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/solidity/artifacts/0.8.37")
        .join(format!("{contract}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("artifact JSON");
    alloy_primitives::hex::decode(json["bytecode"].as_str().expect("bytecode")).expect("hex")
}

/// The chain peers serve: its ledger, and the keys that sign it.
pub struct Source {
    pub genesis: Genesis,
    pub ledger: Ledger<MemoryStorage>,
    pub executor: Executor,
    user: KeyPair,
    admin: KeyPair,
    nonce: u64,
    hello: Option<Address>,
}

impl Source {
    pub fn new(weights: &[u64]) -> Self {
        let genesis = genesis(weights);
        Source {
            ledger: ledger(&genesis),
            executor: Executor::new(CHAIN_ID),
            genesis,
            user: account_key(1),
            admin: account_key(0),
            nonce: 0,
            hello: None,
        }
    }

    /// A chain of `blocks` blocks: block 1 deploys HelloWorld, every later block sets
    /// its string twice.
    pub fn with_blocks(weights: &[u64], blocks: u64) -> Self {
        let mut source = Source::new(weights);
        source.extend_to(blocks);
        source
    }

    pub fn height(&self) -> u64 {
        self.ledger.block_number()
    }

    pub fn extend_to(&mut self, height: u64) {
        while self.height() < height {
            let txs = self.ordinary_txs();
            self.produce(txs);
        }
    }

    /// The transactions of an ordinary block: the deployment first, then two `set`s.
    pub fn ordinary_txs(&mut self) -> Vec<VerifiedTx> {
        match self.hello {
            None => vec![self.tx(&self.user.clone(), TxKind::Create, artifact("HelloWorld"))],
            Some(hello) => {
                let number = self.height() + 1;
                (0..2)
                    .map(|i| {
                        let input = setCall {
                            name_: format!("block {number}, call {i}"),
                        }
                        .abi_encode();
                        self.tx(&self.user.clone(), TxKind::Call(hello), input)
                    })
                    .collect()
            }
        }
    }

    /// A call of the Consensus precompile by the admin.
    pub fn consensus_tx(&mut self, input: Vec<u8>) -> VerifiedTx {
        self.tx(
            &self.admin.clone(),
            TxKind::Call(consensus_address()),
            input,
        )
    }

    fn tx(&mut self, key: &KeyPair, to: TxKind, input: Vec<u8>) -> VerifiedTx {
        self.nonce += 1;
        let tx = NativeTx {
            chain_id: CHAIN_ID,
            group_id: GROUP.into(),
            block_limit: self.height() + 500,
            nonce: U256::from(self.nonce),
            to,
            value: U256::ZERO,
            gas_limit: 5_000_000,
            input: input.into(),
            abi: String::new(),
        };
        Transaction::Native(tx.sign(key).expect("sign"))
            .verify(suite())
            .expect("verify")
    }

    /// Execute `txs` as the next block, proposed by the height's leader and signed by a
    /// quorum of the sealers in force at that height; commit it.
    pub fn produce(&mut self, txs: Vec<VerifiedTx>) -> Block {
        let number = self.height() + 1;
        let (_, sealers) = sealer_set_at(&self.ledger, number).expect("sealers");
        let leader = sealers.leader(number, 0);
        let leader_key = key_of(&sealers, leader);
        let ctx = self
            .executor
            .next_block_context(
                &self.ledger,
                GENESIS_TIME + number * 1000,
                leader_key.address(),
            )
            .expect("context");
        let mut commit = self
            .executor
            .build_block(&self.ledger, &ctx, leader, txs)
            .expect("execute");
        for receipt in &commit.receipts {
            assert!(receipt.status.is_success(), "block {number}: {receipt:?}");
            if let Some(address) = receipt.contract_address {
                self.hello = Some(address);
            }
        }
        commit.signatures = quorum_signatures(&sealers, &commit.header, number);
        let block = Block {
            header: commit.header.clone(),
            signatures: commit.signatures.clone(),
            transactions: commit.transactions.iter().map(|t| t.tx().clone()).collect(),
        };
        self.ledger.commit_block(commit).expect("commit");
        block
    }
}

/// The node key of sealer `index` in `sealers`.
pub fn key_of(sealers: &SealerSet, index: u64) -> KeyPair {
    let id = sealers.get(index).expect("sealer index").node_id;
    (0..16)
        .map(node_key)
        .find(|k| k.public().0 == id.0)
        .expect("a known node key")
}

/// Signatures of sealers `indices` over `header`'s hash, each by its own key.
pub fn signatures_by(
    sealers: &SealerSet,
    header: &BlockHeader,
    indices: &[u64],
) -> Vec<SealerSignature> {
    let hash = header.hash(suite());
    indices
        .iter()
        .map(|&i| SealerSignature {
            sealer_index: i,
            signature: key_of(sealers, i).sign(&hash).expect("sign").into(),
        })
        .collect()
}

/// Every sealer but one (a different one each height) when the others still reach the
/// quorum, as a real commit certificate usually is; otherwise every sealer.
pub fn quorum_signatures(
    sealers: &SealerSet,
    header: &BlockHeader,
    number: u64,
) -> Vec<SealerSignature> {
    let n = sealers.len() as u64;
    let absent = number % n;
    let rest: Vec<u64> = (0..n).filter(|&i| i != absent).collect();
    let indices = if sealers.weight_of(rest.iter().copied()) >= sealers.quorum() {
        rest
    } else {
        (0..n).collect()
    };
    signatures_by(sealers, header, &indices)
}

/// Re-sign a (tampered) block with every sealer of its height: what a Byzantine quorum
/// could produce.
pub fn resign_all(source: &Source, block: &mut Block) {
    let (_, sealers) = sealer_set_at(&source.ledger, block.header.number).expect("sealers");
    let all: Vec<u64> = (0..sealers.len() as u64).collect();
    block.signatures = signatures_by(&sealers, &block.header, &all);
}

/// A node that starts from block 0 of `genesis`.
pub struct Fresh {
    pub ledger: Ledger<MemoryStorage>,
    pub executor: Executor,
}

impl Fresh {
    pub fn new(genesis: &Genesis) -> Self {
        Fresh {
            ledger: ledger(genesis),
            executor: Executor::new(CHAIN_ID),
        }
    }

    pub fn head(&self) -> (u64, B256) {
        (self.ledger.block_number(), self.ledger.head_hash())
    }
}

/// The node has exactly the source's chain: head, state root, every state entry, and the
/// stored blocks (headers, signatures, transactions).
pub fn assert_same_chain(node: &Ledger<MemoryStorage>, source: &Ledger<MemoryStorage>) {
    assert_eq!(node.block_number(), source.block_number(), "height");
    assert_eq!(node.head_hash(), source.head_hash(), "head hash");
    assert_eq!(node.state_root(), source.state_root(), "state root");
    assert_eq!(
        node.state_with_prefix(&[]).expect("state"),
        source.state_with_prefix(&[]).expect("state"),
        "state entries"
    );
    for number in 1..=source.block_number() {
        assert_eq!(
            node.block(number).expect("block"),
            source.block(number).expect("block"),
            "block {number}"
        );
        assert_eq!(
            node.block_receipts(number).expect("receipts"),
            source.block_receipts(number).expect("receipts"),
            "receipts of block {number}"
        );
    }
}
