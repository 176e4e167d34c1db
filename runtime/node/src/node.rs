//! A running node: ledger, executor, pool and the sealer that turns pending
//! transactions into committed blocks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::{Address, B256, U256};
use tokio::sync::broadcast;
use weft_crypto::{KeyPair, SuiteId};
use weft_executor::{CallOutcome, CallRequest, ExecError, Executor};
use weft_ledger::{keys, Genesis, Ledger, LedgerError, NodeList, TxLocation};
use weft_rpc::{AccountState, ChainApi, CommittedBlock, NodeFault, NodeStatus};
use weft_storage_rocksdb::RocksStorage;
use weft_txpool::{TxPool, TxPoolConfig, TxRejection};
use weft_types::{Block, BlockNumber, Receipt, SealerSignature, VerifiedTx};

use crate::view::{block_limit_window, LedgerView, NonceCache};

/// Why a node could not start or went down.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The storage could not be opened.
    #[error(transparent)]
    Storage(#[from] weft_storage::StorageError),
    /// The ledger refused the data or failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Executing a block failed on this node.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The node's key is not one of the chain's sealers.
    #[error("this node ({node_id}) is not a sealer of the chain; a single node seals only if genesis lists its node id")]
    NotASealer {
        /// The node's id.
        node_id: String,
    },
    /// Several sealers need consensus, which this node does not run yet.
    #[error("the chain has {count} sealers; consensus between several sealers is not built yet, so this node only runs chains with one sealer")]
    MultipleSealers {
        /// How many sealers the chain has.
        count: usize,
    },
    /// The plugin folder does not match what genesis pins (or a plugin is unusable).
    #[error(transparent)]
    Plugin(#[from] weft_precompiles::PluginError),
    /// The node key is for another crypto suite.
    #[error("the node key is a {key} key but the chain uses the {chain} suite")]
    WrongSuite {
        /// The key's suite.
        key: SuiteId,
        /// The chain's suite.
        chain: SuiteId,
    },
}

/// What a node needs to start.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where the ledger's RocksDB lives.
    pub data_dir: PathBuf,
    /// The chain's genesis.
    pub genesis: Genesis,
    /// The node's key (its id is the public key).
    pub node_key: KeyPair,
    /// Seal a block once the oldest pending transaction has waited this long, even if
    /// fewer than `tx_count_limit` are pending.
    pub min_seal_time: Duration,
    /// Pool limits.
    pub pool: TxPoolConfig,
    /// The folder of precompile plugins (`.so` files) genesis pins.
    pub plugin_dir: PathBuf,
}

/// A running node. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

struct Inner {
    ledger: Ledger<RocksStorage>,
    executor: Executor,
    pool: TxPool,
    nonces: NonceCache,
    key: KeyPair,
    min_seal_time: Duration,
    blocks: broadcast::Sender<Arc<CommittedBlock>>,
    stop: AtomicBool,
    /// Serialises sealing: one block at a time.
    seal_lock: parking_lot::Mutex<()>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Node {
    /// Open the ledger in `config.data_dir` (creating it from the genesis if empty) and
    /// prepare the pool. Sealing starts with [`Node::spawn_sealer`].
    pub fn open(config: NodeConfig) -> Result<Self, NodeError> {
        if config.node_key.suite() != config.genesis.crypto_suite {
            return Err(NodeError::WrongSuite {
                key: config.node_key.suite(),
                chain: config.genesis.crypto_suite,
            });
        }
        // Plugins first: a node whose native code differs from the chain's must not touch
        // its ledger.
        let pins: Vec<weft_precompiles::Pin> = config
            .genesis
            .plugins
            .iter()
            .map(|p| weft_precompiles::Pin {
                name: p.name.clone(),
                sha256: p.sha256,
            })
            .collect();
        let registry = weft_precompiles::Registry::load(&config.plugin_dir, &pins)?;
        let store = RocksStorage::open(&config.data_dir.join("ledger"), weft_ledger::tables::ALL)?;
        let ledger = Ledger::open(store, config.genesis.clone())?;
        let sealers = ledger.node_list(ledger.block_number() + 1)?.sealers.len();
        if sealers > 1 {
            return Err(NodeError::MultipleSealers { count: sealers });
        }
        let nonces = NonceCache::load(&ledger)?;
        let (blocks, _) = broadcast::channel(256);
        let inner = Inner {
            executor: Executor::new(config.genesis.chain_id).with_precompiles(registry),
            pool: TxPool::new(config.pool.clone()),
            ledger,
            nonces,
            key: config.node_key,
            min_seal_time: config.min_seal_time,
            blocks,
            stop: AtomicBool::new(false),
            seal_lock: parking_lot::Mutex::new(()),
        };
        let node = Node {
            inner: Arc::new(inner),
        };
        node.sealer_index()?;
        Ok(node)
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger<RocksStorage> {
        &self.inner.ledger
    }

    /// The executor (with the chain's precompiles).
    pub fn executor(&self) -> &Executor {
        &self.inner.executor
    }

    /// The pool.
    pub fn pool(&self) -> &TxPool {
        &self.inner.pool
    }

    /// This node's index among the sealers of the next block.
    fn sealer_index(&self) -> Result<u64, NodeError> {
        let inner = &self.inner;
        let nodes = inner.ledger.node_list(inner.ledger.block_number() + 1)?;
        let id = inner.key.public().0.into();
        nodes
            .sealer_index(&id)
            .map(|i| i as u64)
            .ok_or_else(|| NodeError::NotASealer {
                node_id: inner.key.public().to_string(),
            })
    }

    fn view(&self) -> LedgerView<'_, RocksStorage> {
        LedgerView::new(&self.inner.ledger, &self.inner.executor, &self.inner.nonces)
    }

    /// Admit a raw transaction.
    pub fn submit(&self, raw: &[u8]) -> Result<B256, TxRejection> {
        self.inner.pool.submit(raw, &self.view(), Instant::now())
    }

    /// Seal, execute and commit one block from the pool, if anything is pending. Returns
    /// the new block's number.
    pub fn seal_once(&self) -> Result<Option<BlockNumber>, NodeError> {
        let inner = &self.inner;
        let _one_at_a_time = inner.seal_lock.lock();
        let view = self.view();
        let next = inner.ledger.block_number() + 1;
        let limit = inner
            .ledger
            .system_config_u64(keys::TX_COUNT_LIMIT, next)?
            .unwrap_or(1000) as usize;
        let txs = inner.pool.take_for_block(limit, &view);
        if txs.is_empty() {
            return Ok(None);
        }
        match self.commit_block(txs) {
            Ok(number) => Ok(Some(number)),
            Err(e) => {
                // Nothing was committed: the transactions go back to the front of the pool.
                inner.pool.release_sealing();
                Err(e)
            }
        }
    }

    fn commit_block(&self, txs: Vec<VerifiedTx>) -> Result<BlockNumber, NodeError> {
        let inner = &self.inner;
        let ledger = &inner.ledger;
        let parent_ts = ledger
            .header(ledger.block_number())?
            .map(|(h, _)| h.timestamp)
            .unwrap_or(0);
        let ctx = inner.executor.next_block_context(
            ledger,
            now_ms().max(parent_ts),
            inner.key.address(),
        )?;
        let index = self.sealer_index()?;
        let started = Instant::now();
        let mut commit = inner.executor.build_block(ledger, &ctx, index, txs)?;
        let executed = started.elapsed();
        let hash = commit.header.hash(ledger.suite());
        let signature = inner.key.sign(&hash).map_err(|e| LedgerError::Corrupt {
            what: "node key".into(),
            reason: e.to_string(),
        })?;
        commit.signatures = vec![SealerSignature {
            sealer_index: index,
            signature: signature.into(),
        }];
        let number = commit.header.number;
        let tx_hashes: Vec<B256> = commit.transactions.iter().map(VerifiedTx::hash).collect();
        let nonces: Vec<U256> = commit
            .transactions
            .iter()
            .filter_map(|t| t.tx().native_nonce())
            .collect();
        let event = CommittedBlock {
            block: Block {
                header: commit.header.clone(),
                signatures: commit.signatures.clone(),
                transactions: commit.transactions.iter().map(|t| t.tx().clone()).collect(),
            },
            hash,
            tx_hashes: tx_hashes.clone(),
            receipts: commit.receipts.clone(),
        };
        let committing = Instant::now();
        ledger.commit_block(commit)?;
        let committed = committing.elapsed();
        inner
            .nonces
            .on_commit(number, nonces, block_limit_window(ledger)?);
        inner.pool.remove_committed(&tx_hashes, &self.view());
        tracing::info!(
            number,
            txs = tx_hashes.len(),
            execute_us = executed.as_micros() as u64,
            commit_us = committed.as_micros() as u64,
            %hash,
            "block committed"
        );
        // No subscriber is not an error.
        let _ = inner.blocks.send(Arc::new(event));
        Ok(number)
    }

    /// Run the sealer on its own thread until [`Node::stop`]: a block is sealed when
    /// `tx_count_limit` transactions are pending, or when the oldest pending transaction
    /// has waited `min_seal_time`. No empty blocks.
    pub fn spawn_sealer(&self) -> std::thread::JoinHandle<()> {
        let node = self.clone();
        std::thread::Builder::new()
            .name("weft-sealer".into())
            .spawn(move || node.seal_loop())
            .unwrap_or_else(|e| panic!("cannot start the sealer thread: {e}"))
    }

    fn seal_loop(&self) {
        let inner = &self.inner;
        let mut last_expiry = Instant::now();
        while !inner.stop.load(Ordering::Relaxed) {
            let next = inner.ledger.block_number() + 1;
            let limit = inner
                .ledger
                .system_config_u64(keys::TX_COUNT_LIMIT, next)
                .ok()
                .flatten()
                .unwrap_or(1000) as usize;
            let due = match inner.pool.oldest_pending() {
                Some(oldest) => {
                    inner.pool.len() >= limit || oldest.elapsed() >= inner.min_seal_time
                }
                None => false,
            };
            if due {
                if let Err(e) = self.seal_once() {
                    tracing::error!(error = %e, "sealing failed; the transactions stay in the pool");
                    std::thread::sleep(Duration::from_millis(200));
                }
                continue;
            }
            if last_expiry.elapsed() >= Duration::from_secs(1) {
                let dropped = inner.pool.expire(Instant::now(), &self.view());
                if dropped > 0 {
                    tracing::info!(dropped, "expired transactions dropped from the pool");
                }
                last_expiry = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Ask the sealer to stop after the block it is on.
    pub fn stop(&self) {
        self.inner.stop.store(true, Ordering::Relaxed);
    }

    /// The data folder's ledger path for `data_dir`.
    pub fn ledger_path(data_dir: &Path) -> PathBuf {
        data_dir.join("ledger")
    }
}

fn fault(e: impl std::fmt::Display) -> NodeFault {
    NodeFault(e.to_string())
}

impl ChainApi for Node {
    fn chain_id(&self) -> u64 {
        self.inner.ledger.genesis().chain_id
    }

    fn group_id(&self) -> String {
        self.inner.ledger.genesis().group_id.clone()
    }

    fn suite(&self) -> SuiteId {
        self.inner.ledger.genesis().crypto_suite
    }

    fn genesis_json(&self) -> String {
        String::from_utf8_lossy(&self.inner.ledger.genesis().canonical_bytes()).into_owned()
    }

    fn block_number(&self) -> BlockNumber {
        self.inner.ledger.block_number()
    }

    fn block(&self, number: BlockNumber) -> Result<Option<Block>, NodeFault> {
        self.inner.ledger.block(number).map_err(fault)
    }

    fn block_number_of(&self, hash: &B256) -> Result<Option<BlockNumber>, NodeFault> {
        self.inner.ledger.block_number_of(hash).map_err(fault)
    }

    fn block_hash(&self, number: BlockNumber) -> Result<Option<B256>, NodeFault> {
        self.inner.ledger.block_hash(number).map_err(fault)
    }

    fn block_transactions(&self, number: BlockNumber) -> Result<Vec<VerifiedTx>, NodeFault> {
        self.inner.ledger.block_transactions(number).map_err(fault)
    }

    fn block_receipts(&self, number: BlockNumber) -> Result<Vec<Receipt>, NodeFault> {
        self.inner.ledger.block_receipts(number).map_err(fault)
    }

    fn transaction(&self, hash: &B256) -> Result<Option<(VerifiedTx, TxLocation)>, NodeFault> {
        self.inner.ledger.transaction(hash).map_err(fault)
    }

    fn pending_transaction(&self, hash: &B256) -> Option<VerifiedTx> {
        self.inner.pool.get(hash)
    }

    fn receipt(&self, hash: &B256) -> Result<Option<(Receipt, TxLocation)>, NodeFault> {
        self.inner.ledger.receipt(hash).map_err(fault)
    }

    fn submit_raw(&self, raw: &[u8]) -> Result<B256, TxRejection> {
        self.submit(raw)
    }

    fn call(
        &self,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<CallOutcome, NodeFault> {
        self.inner
            .executor
            .call(&self.inner.ledger, request, at)
            .map_err(fault)
    }

    fn estimate_gas(
        &self,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<Result<u64, CallOutcome>, NodeFault> {
        self.inner
            .executor
            .estimate_gas(&self.inner.ledger, request, at)
            .map_err(fault)
    }

    fn account(
        &self,
        address: &Address,
        at: Option<BlockNumber>,
    ) -> Result<AccountState, NodeFault> {
        let a = self
            .inner
            .executor
            .account(&self.inner.ledger, address, at)
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
        self.inner
            .executor
            .storage_at(&self.inner.ledger, address, slot, at)
            .map_err(fault)
    }

    fn abi(&self, address: &Address) -> Result<Option<String>, NodeFault> {
        self.inner
            .executor
            .abi(&self.inner.ledger, address)
            .map_err(fault)
    }

    fn pending_nonce(&self, address: &Address) -> u64 {
        self.inner.pool.pending_nonce(address, &self.view())
    }

    fn pending_count(&self) -> usize {
        self.inner.pool.len()
    }

    fn total_transaction_count(&self) -> u64 {
        self.inner.ledger.total_transaction_count()
    }

    fn node_list(&self, number: BlockNumber) -> Result<NodeList, NodeFault> {
        self.inner.ledger.node_list(number).map_err(fault)
    }

    fn system_config(&self, key: &str) -> Result<Option<(String, BlockNumber)>, NodeFault> {
        let ledger = &self.inner.ledger;
        ledger
            .system_config(key, ledger.block_number() + 1)
            .map_err(fault)
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            node_id: self.inner.key.public().to_string(),
            view: 0,
            syncing: false,
            peers: Vec::new(),
        }
    }

    fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<CommittedBlock>> {
        self.inner.blocks.subscribe()
    }
}
