//! What the RPC server needs from a node. The node implements [`ChainApi`]; tests can
//! implement it over a bare ledger. Keeping the trait here (rather than depending on the
//! node crate) keeps the dependency direction `node → rpc`.

use alloy_primitives::{Address, Bytes, B256, U256};
use weft_crypto::SuiteId;
use weft_executor::{CallOutcome, CallRequest};
use weft_ledger::{NodeList, TxLocation};
use weft_txpool::TxRejection;
use weft_types::{Block, BlockNumber, Receipt, VerifiedTx};

/// A failure inside the node while answering (storage, execution): reported to the
/// client as an internal error with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NodeFault(pub String);

/// A block committed by the node, as pushed to subscribers.
#[derive(Debug, Clone)]
pub struct CommittedBlock {
    /// The block (header, signatures, transactions).
    pub block: Block,
    /// Its hash.
    pub hash: B256,
    /// The hashes of its transactions, in order.
    pub tx_hashes: Vec<B256>,
    /// Its receipts, in order.
    pub receipts: Vec<Receipt>,
}

/// An account as of some block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountState {
    /// The account nonce.
    pub nonce: u64,
    /// The balance.
    pub balance: U256,
    /// The code (empty for an account without code).
    pub code: Bytes,
}

/// The node's consensus, sync and peer state, for `getPbftView`, `getSyncStatus`,
/// `getConsensusStatus`, `getPeers` and `net_peerCount`. A node without consensus (the
/// solo sealer of a development chain) leaves `consensus` and `sync` empty and reports
/// itself alone in view 0.
#[derive(Debug, Clone, Default)]
pub struct NodeStatus {
    /// This node's id (hex public key).
    pub node_id: String,
    /// The PBFT view.
    pub view: u64,
    /// Whether the node is catching up.
    pub syncing: bool,
    /// Connected peers.
    pub peers: Vec<PeerReport>,
    /// The consensus core's state, if the node runs consensus.
    pub consensus: Option<ConsensusReport>,
    /// Block sync's state, if the node runs it.
    pub sync: Option<SyncReport>,
}

/// A connected peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerReport {
    /// Its node id (hex).
    pub node_id: String,
    /// Its address (`ip:port`).
    pub address: String,
}

/// The PBFT core's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsensusReport {
    /// The height being agreed (the committed height + 1).
    pub height: u64,
    /// The highest committed height.
    pub committed_height: u64,
    /// The current view.
    pub view: u64,
    /// The index of the current view's leader.
    pub leader_index: u64,
    /// This node's sealer index; `None` for an observer.
    pub node_index: Option<u64>,
    /// Where the height stands: `ordering`, `viewChange`, `executing`, `checkpointing`,
    /// `committing` or `diverged`.
    pub phase: String,
    /// The sealers of this height, in index order: node id (hex) and weight.
    pub sealers: Vec<(String, u64)>,
    /// The quorum weight.
    pub quorum: u64,
    /// The faulty weight tolerated.
    pub max_faulty: u64,
    /// Whether a view change is under way.
    pub in_view_change: bool,
    /// The view it is changing to.
    pub view_change_target: Option<u64>,
    /// The current consensus timeout, in milliseconds.
    pub timeout_ms: u64,
    /// Consecutive view changes behind that timeout.
    pub change_cycle: u32,
    /// View changes since the node started.
    pub view_changes: u64,
}

/// Block sync's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The highest height a peer announced (the local height if none is higher).
    pub known_highest_number: u64,
    /// The head hash at that height.
    pub known_latest_hash: B256,
    /// Whether some peer is ahead.
    pub syncing: bool,
    /// Downloaded blocks waiting to be applied.
    pub queue_len: usize,
    /// Every peer of the chain that announced its head.
    pub peers: Vec<SyncPeerReport>,
}

/// A peer's head as it announced it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPeerReport {
    /// Its node id (hex).
    pub node_id: String,
    /// Its height.
    pub number: u64,
    /// Its head hash.
    pub head_hash: B256,
}

/// The node as the RPC server sees it. Heights are `None` for "latest".
pub trait ChainApi: Send + Sync + 'static {
    /// The chain id (also the EIP-155 chain id).
    fn chain_id(&self) -> u64;
    /// The group id.
    fn group_id(&self) -> String;
    /// The crypto suite.
    fn suite(&self) -> SuiteId;
    /// The genesis, as canonical JSON.
    fn genesis_json(&self) -> String;
    /// The latest block number.
    fn block_number(&self) -> BlockNumber;
    /// Block `number`.
    fn block(&self, number: BlockNumber) -> Result<Option<Block>, NodeFault>;
    /// The number of the block with `hash`.
    fn block_number_of(&self, hash: &B256) -> Result<Option<BlockNumber>, NodeFault>;
    /// The hash of block `number`.
    fn block_hash(&self, number: BlockNumber) -> Result<Option<B256>, NodeFault>;
    /// The transactions of block `number`, with hashes and senders.
    fn block_transactions(&self, number: BlockNumber) -> Result<Vec<VerifiedTx>, NodeFault>;
    /// The receipts of block `number`.
    fn block_receipts(&self, number: BlockNumber) -> Result<Vec<Receipt>, NodeFault>;
    /// A committed transaction and its location.
    fn transaction(&self, hash: &B256) -> Result<Option<(VerifiedTx, TxLocation)>, NodeFault>;
    /// A transaction still in the pool.
    fn pending_transaction(&self, hash: &B256) -> Option<VerifiedTx>;
    /// A committed transaction's receipt and location.
    fn receipt(&self, hash: &B256) -> Result<Option<(Receipt, TxLocation)>, NodeFault>;
    /// Admit a raw transaction (native or Ethereum form) to the pool.
    fn submit_raw(&self, raw: &[u8]) -> Result<B256, TxRejection>;
    /// A read-only call.
    fn call(
        &self,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<CallOutcome, NodeFault>;
    /// Gas estimate: `Ok(Ok(gas))`, or the failure the call meets at the largest limit.
    fn estimate_gas(
        &self,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<Result<u64, CallOutcome>, NodeFault>;
    /// An account's nonce, balance and code.
    fn account(
        &self,
        address: &Address,
        at: Option<BlockNumber>,
    ) -> Result<AccountState, NodeFault>;
    /// A storage slot.
    fn storage_at(
        &self,
        address: &Address,
        slot: &U256,
        at: Option<BlockNumber>,
    ) -> Result<U256, NodeFault>;
    /// The ABI stored at deployment (native transactions carry one), if any.
    fn abi(&self, address: &Address) -> Result<Option<String>, NodeFault>;
    /// The next Ethereum nonce of `address`, counting the pool.
    fn pending_nonce(&self, address: &Address) -> u64;
    /// Transactions waiting in the pool.
    fn pending_count(&self) -> usize;
    /// Committed transactions, in total.
    fn total_transaction_count(&self) -> u64;
    /// Sealers and observers as of block `number`.
    fn node_list(&self, number: BlockNumber) -> Result<NodeList, NodeFault>;
    /// A system config value and the block it took effect at.
    fn system_config(&self, key: &str) -> Result<Option<(String, BlockNumber)>, NodeFault>;
    /// Consensus, sync and peer status.
    fn status(&self) -> NodeStatus;
    /// Committed blocks as they happen.
    fn subscribe_blocks(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<CommittedBlock>>;
}
