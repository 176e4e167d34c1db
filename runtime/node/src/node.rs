//! A running node: ledger, executor, pool, and the two ways blocks get made — the solo
//! sealer of a one-sealer development chain ([`Node::spawn_sealer`]), and the PBFT
//! driver of a multi-node chain ([`crate::NodeService`]), which calls the commit helpers
//! here.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::{Address, Bytes, B256, U256};
use parking_lot::RwLock;
use tokio::sync::{broadcast, mpsc};
use weft_consensus::{ConsensusStatus, Phase};
use weft_crypto::{KeyPair, PublicKey, SuiteId};
use weft_executor::{CallOutcome, CallRequest, ExecError, Executor};
use weft_ledger::{keys, BlockCommit, Genesis, Ledger, LedgerError, NodeList, TxLocation};
use weft_network::{Network, PeerInfo};
use weft_rpc::{
    AccountState, ChainApi, CommittedBlock, ConsensusReport, NodeFault, NodeStatus, PeerReport,
    SyncPeerReport, SyncReport,
};
use weft_storage_rocksdb::RocksStorage;
use weft_sync::SyncStatus;
use weft_txpool::{TxPool, TxPoolConfig, TxRejection};
use weft_types::{Block, BlockNumber, NodeId, Receipt, SealerSignature, VerifiedTx};

use crate::proposal::Proposal;
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
    /// The solo sealer runs on a node that is not the chain's sealer.
    #[error("this node ({node_id}) is not a sealer of the chain; the solo sealer seals only if genesis lists its node id")]
    NotASealer {
        /// The node's id.
        node_id: String,
    },
    /// The solo sealer was asked to seal for a chain with several sealers, which needs
    /// consensus.
    #[error("the chain has {count} sealers: blocks need PBFT consensus between them, which `weft node start` (NodeService) runs; the solo sealer only runs chains with one sealer")]
    MultipleSealers {
        /// How many sealers the chain has.
        count: usize,
    },
    /// A proposal does not extend this node's ledger (it moved on meanwhile).
    #[error("proposal for block {number} does not extend the head (block {head})")]
    StaleProposal {
        /// The proposal's number.
        number: BlockNumber,
        /// The ledger's head.
        head: BlockNumber,
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
    data_dir: PathBuf,
    blocks: broadcast::Sender<Arc<CommittedBlock>>,
    stop: AtomicBool,
    /// Serialises sealing: one block at a time.
    seal_lock: parking_lot::Mutex<()>,
    /// What the consensus driver last published (`None` without one).
    live: RwLock<Option<LiveStatus>>,
    /// The network, while a [`crate::NodeService`] runs.
    network: RwLock<Option<Network>>,
    /// Transactions admitted through RPC, for the relay to send to the consensus nodes.
    relay: RwLock<Option<mpsc::Sender<Bytes>>>,
}

/// The live state of consensus and block sync, as the driver last published it (for RPC,
/// metrics and tests).
#[derive(Debug, Clone)]
pub struct LiveStatus {
    /// The PBFT core's status.
    pub consensus: ConsensusStatus,
    /// Block sync's status (peers by node id).
    pub sync: SyncStatus<NodeId>,
    /// View changes this node went through since it started.
    pub view_changes: u64,
    /// Consensus messages it dropped (malformed, forged, stale...).
    pub dropped_messages: u64,
    /// Blocks whose local execution differed from the quorum's.
    pub diverged: u64,
    /// Blocks committed by consensus since start.
    pub committed_by_consensus: u64,
    /// Blocks committed by block sync since start.
    pub committed_by_sync: u64,
}

pub(crate) fn now_ms() -> u64 {
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
        let registry =
            weft_precompiles::Registry::load(&config.plugin_dir, &config.genesis.plugins)?;
        let store = RocksStorage::open(&config.data_dir.join("ledger"), weft_ledger::tables::ALL)?;
        let ledger = Ledger::open(store, config.genesis.clone())?;
        let nonces = NonceCache::load(&ledger)?;
        let (blocks, _) = broadcast::channel(256);
        let inner = Inner {
            executor: Executor::new(config.genesis.chain_id).with_precompiles(registry),
            pool: TxPool::new(config.pool.clone()),
            ledger,
            nonces,
            key: config.node_key,
            min_seal_time: config.min_seal_time,
            data_dir: config.data_dir,
            blocks,
            stop: AtomicBool::new(false),
            seal_lock: parking_lot::Mutex::new(()),
            live: RwLock::new(None),
            network: RwLock::new(None),
            relay: RwLock::new(None),
        };
        Ok(Node {
            inner: Arc::new(inner),
        })
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

    /// The node's key.
    pub fn key(&self) -> &KeyPair {
        &self.inner.key
    }

    /// The node's id (its public key).
    pub fn node_id(&self) -> NodeId {
        NodeId::from(self.inner.key.public().0)
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// How long the leader lets the oldest pending transaction wait before it proposes a
    /// block that is not full.
    pub fn min_seal_time(&self) -> Duration {
        self.inner.min_seal_time
    }

    /// This node's index as the solo sealer: the chain must have exactly one sealer, and
    /// it must be this node.
    fn solo_sealer_index(&self) -> Result<u64, NodeError> {
        let inner = &self.inner;
        let nodes = inner.ledger.node_list(inner.ledger.block_number() + 1)?;
        if nodes.sealers.len() > 1 {
            return Err(NodeError::MultipleSealers {
                count: nodes.sealers.len(),
            });
        }
        nodes
            .sealer_index(&self.node_id())
            .map(|i| i as u64)
            .ok_or_else(|| NodeError::NotASealer {
                node_id: inner.key.public().to_string(),
            })
    }

    /// The chain as the pool sees it (height, replay window, committed transactions,
    /// account nonces), for calling [`TxPool`] directly.
    pub fn chain_view(&self) -> impl weft_txpool::ChainView + '_ {
        self.view()
    }

    pub(crate) fn view(&self) -> LedgerView<'_, RocksStorage> {
        LedgerView::new(&self.inner.ledger, &self.inner.executor, &self.inner.nonces)
    }

    /// Admit a raw transaction (RPC's path). With a [`crate::NodeService`] running, an
    /// admitted transaction is also sent to the chain's consensus nodes.
    pub fn submit(&self, raw: &[u8]) -> Result<B256, TxRejection> {
        let hash = self.inner.pool.submit(raw, &self.view(), Instant::now())?;
        if let Some(relay) = &*self.inner.relay.read() {
            if let Err(e) = relay.try_send(Bytes::copy_from_slice(raw)) {
                // The transaction stays in this pool: this node proposes it when it leads.
                tracing::debug!(%hash, error = %e, "transaction relay is busy; the transaction is not sent to peers now");
            }
        }
        Ok(hash)
    }

    /// Admit transactions from a peer: decoded under the pool's limits and checked like
    /// RPC's, but never relayed again.
    pub(crate) fn admit_from_peer(&self, raws: &[Vec<u8>]) -> Vec<Result<B256, TxRejection>> {
        self.inner
            .pool
            .submit_batch(raws, &self.view(), Instant::now())
    }

    /// The live consensus and sync state, while a [`crate::NodeService`] runs.
    pub fn live_status(&self) -> Option<LiveStatus> {
        self.inner.live.read().clone()
    }

    pub(crate) fn publish_live(&self, live: Option<LiveStatus>) {
        *self.inner.live.write() = live;
    }

    /// The connected peers, while a [`crate::NodeService`] runs.
    pub fn peers(&self) -> Vec<PeerInfo> {
        self.inner
            .network
            .read()
            .as_ref()
            .map(Network::peers)
            .unwrap_or_default()
    }

    pub(crate) fn attach(&self, network: Option<Network>, relay: Option<mpsc::Sender<Bytes>>) {
        *self.inner.network.write() = network;
        *self.inner.relay.write() = relay;
    }

    /// Execute a decided proposal on top of the ledger's head: its transactions, its
    /// timestamp, its proposer as the block's sealer (whose address is the EVM's
    /// `COINBASE`, as block sync computes it). The result is ready to commit once signed.
    pub(crate) fn execute_proposal(
        &self,
        proposal: &Proposal,
        txs: Vec<VerifiedTx>,
    ) -> Result<BlockCommit, NodeError> {
        let ledger = &self.inner.ledger;
        let head = ledger.block_number();
        if proposal.number != head + 1 || proposal.parent_hash != ledger.head_hash() {
            return Err(NodeError::StaleProposal {
                number: proposal.number,
                head,
            });
        }
        let nodes = ledger.node_list(proposal.number)?;
        let proposer = usize::try_from(proposal.sealer)
            .ok()
            .and_then(|i| nodes.sealers.get(i))
            .ok_or_else(|| LedgerError::Corrupt {
                what: format!("proposal {}", proposal.number),
                reason: format!("sealer index {} out of range", proposal.sealer),
            })?;
        let beneficiary = ledger.suite().address(&PublicKey(proposer.node_id.0));
        let ctx =
            self.inner
                .executor
                .next_block_context(ledger, proposal.timestamp, beneficiary)?;
        Ok(self
            .inner
            .executor
            .build_block(ledger, &ctx, proposal.sealer, txs)?)
    }

    /// Commit a block this node executed, with the quorum's signatures in it; the pool,
    /// the nonce window and subscribers follow. Returns the block's hash.
    pub(crate) fn commit_executed(&self, commit: BlockCommit) -> Result<B256, NodeError> {
        let ledger = &self.inner.ledger;
        let hash = commit.header.hash(ledger.suite());
        let event = CommittedBlock {
            block: Block {
                header: commit.header.clone(),
                signatures: commit.signatures.clone(),
                transactions: commit.transactions.iter().map(|t| t.tx().clone()).collect(),
            },
            hash,
            tx_hashes: commit.transactions.iter().map(VerifiedTx::hash).collect(),
            receipts: commit.receipts.clone(),
        };
        ledger.commit_block(commit)?;
        self.after_commit(event)?;
        Ok(hash)
    }

    /// What follows a commit by any path (solo sealer, consensus, block sync): the nonce
    /// window moves, the pool drops the block's transactions and what conflicts with
    /// them, and subscribers hear of the block.
    pub(crate) fn after_commit(&self, event: CommittedBlock) -> Result<(), NodeError> {
        let inner = &self.inner;
        let number = event.block.header.number;
        let nonces: Vec<U256> = event
            .block
            .transactions
            .iter()
            .filter_map(|t| t.native_nonce())
            .collect();
        inner
            .nonces
            .on_commit(number, nonces, block_limit_window(&inner.ledger)?);
        inner.pool.remove_committed(&event.tx_hashes, &self.view());
        tracing::info!(
            number,
            txs = event.tx_hashes.len(),
            hash = %event.hash,
            "block committed"
        );
        // No subscriber is not an error.
        let _ = inner.blocks.send(Arc::new(event));
        Ok(())
    }

    /// Seal, execute and commit one block from the pool, if anything is pending. Returns
    /// the new block's number.
    pub fn seal_once(&self) -> Result<Option<BlockNumber>, NodeError> {
        let inner = &self.inner;
        let _one_at_a_time = inner.seal_lock.lock();
        self.solo_sealer_index()?;
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
        let index = self.solo_sealer_index()?;
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
        let committing = Instant::now();
        self.commit_executed(commit)?;
        tracing::debug!(
            number,
            execute_us = executed.as_micros() as u64,
            commit_us = committing.elapsed().as_micros() as u64,
            "solo sealer timings"
        );
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

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Ordering => "ordering",
        Phase::ViewChange => "viewChange",
        Phase::Executing => "executing",
        Phase::Checkpointing => "checkpointing",
        Phase::Committing => "committing",
        Phase::Diverged => "diverged",
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
        let node_id = self.inner.key.public().to_string();
        let peers: Vec<PeerReport> = self
            .peers()
            .into_iter()
            .map(|p| PeerReport {
                node_id: hex::encode(p.node_id),
                address: p.addr.to_string(),
            })
            .collect();
        let Some(live) = self.live_status() else {
            // The solo sealer: this node alone, always in view 0.
            return NodeStatus {
                node_id,
                peers,
                ..NodeStatus::default()
            };
        };
        let c = &live.consensus;
        let consensus = ConsensusReport {
            height: c.height,
            committed_height: c.committed_height,
            view: c.view,
            leader_index: c.leader_index,
            node_index: c.node_index,
            phase: phase_name(c.phase).into(),
            sealers: c
                .sealers
                .iter()
                .map(|s| (hex::encode(s.node_id), s.weight))
                .collect(),
            quorum: c.quorum,
            max_faulty: c.max_faulty,
            in_view_change: c.in_view_change,
            view_change_target: c.view_change_target,
            timeout_ms: c.timeout_ms,
            change_cycle: c.view_change_cycle,
            view_changes: live.view_changes,
        };
        let s = &live.sync;
        let sync = SyncReport {
            known_highest_number: s.highest_peer_number,
            known_latest_hash: s
                .peers
                .iter()
                .filter(|p| p.number == s.highest_peer_number)
                .map(|p| p.head_hash)
                .next()
                .unwrap_or(s.local_hash),
            syncing: s.syncing,
            queue_len: s.queue_len,
            peers: s
                .peers
                .iter()
                .map(|p| SyncPeerReport {
                    node_id: hex::encode(p.peer),
                    number: p.number,
                    head_hash: p.head_hash,
                })
                .collect(),
        };
        NodeStatus {
            node_id,
            view: c.view,
            syncing: s.syncing,
            peers,
            consensus: Some(consensus),
            sync: Some(sync),
        }
    }

    fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<CommittedBlock>> {
        self.inner.blocks.subscribe()
    }
}
