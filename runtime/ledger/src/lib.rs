//! Weft's ledger: the chain's blocks, receipts, indexes, world state, system config and
//! consensus node list, over any [`weft_storage::Storage`].
//!
//! ```text
//!  genesis file ──Ledger::open──▶ block 0 (or a check that the data folder holds it)
//!  executor ──BlockCommit { header, signatures, txs, receipts, state, config, nodes }──▶
//!      Ledger::commit_block: check number, parent, roots ─▶ one WriteBatch ─▶ storage
//!  rpc / txpool / sync ◀── blocks, txs, receipts by number or hash; nonce window;
//!                          state, config and node list as of a height
//! ```
//!
//! One block is one atomic batch: after a crash the ledger holds a block whole or not at
//! all, with its indexes, state and head pointer. The ledger checks what it can check
//! cheaply (sequence, parent hash, transaction, receipt and state roots) and trusts its
//! caller for signatures: transactions arrive as [`VerifiedTx`].
//!
//! Depends on `weft-types`, `weft-crypto` and the storage trait; never on a backend.

#![warn(missing_docs)]

mod genesis;
mod nodes;
mod state;

use std::collections::HashSet;

use alloy_primitives::{Address, B256, U256};
use alloy_rlp::{Decodable, Encodable};
use parking_lot::{Mutex, RwLock};
use weft_crypto::CryptoSuite;
use weft_storage::{Storage, StorageError, TableName, WriteBatch};
use weft_types::{
    merkle, Block, BlockHeader, BlockNumber, DecodeLimits, Receipt, SealerSignature, Transaction,
    VerifiedTx,
};

pub use genesis::{
    keys, Genesis, GenesisError, GenesisSealer, PluginPin, SystemConfig, MAX_BLOCK_LIMIT_WINDOW,
};
pub use nodes::{ConsensusNode, NodeList};
pub use state::StateChanges;

/// The header format version this ledger writes.
pub const HEADER_VERSION: u32 = 1;

/// The ledger's tables.
pub mod tables {
    use weft_storage::TableName;

    /// `"head"` → number ‖ hash; `"total_tx"` → count; `"genesis"` → genesis hash.
    pub const META: TableName = "s_meta";
    /// number → rlp([header, signatures]).
    pub const HEADERS: TableName = "s_number_2_header";
    /// block hash → number.
    pub const HASH_TO_NUMBER: TableName = "s_hash_2_number";
    /// number ‖ index → hash ‖ sender ‖ transaction bytes.
    pub const TXS: TableName = "s_number_2_txs";
    /// transaction hash → number ‖ index.
    pub const TX_INDEX: TableName = "s_hash_2_tx";
    /// number ‖ index → receipt bytes.
    pub const RECEIPTS: TableName = "s_number_2_receipts";
    /// number → rlp(native nonces of the block).
    pub const NONCES: TableName = "s_block_number_2_nonces";
    /// key ‖ 0x00 ‖ enable number → value.
    pub const CONFIG: TableName = "s_config";
    /// enable number → rlp(node list).
    pub const CONSENSUS: TableName = "s_consensus";
    /// state key → value (the latest state).
    pub const STATE: TableName = "s_current_state";
    /// len(key) ‖ key ‖ number → 0 (deleted) or 1 ‖ value: the state's history.
    pub const STATE_HISTORY: TableName = "s_state_history";

    /// Every table, to declare when opening a store.
    pub const ALL: &[TableName] = &[
        META,
        HEADERS,
        HASH_TO_NUMBER,
        TXS,
        TX_INDEX,
        RECEIPTS,
        NONCES,
        CONFIG,
        CONSENSUS,
        STATE,
        STATE_HISTORY,
    ];
}

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The storage failed; fatal for the node.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The genesis file is unusable.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// The data folder holds another chain.
    #[error("the data holds a chain whose genesis block is {stored}, but the genesis file gives {given}: start with the genesis file the data was created with, or with an empty data folder")]
    GenesisMismatch {
        /// Block 0's hash in the data.
        stored: B256,
        /// Block 0's hash from the genesis file.
        given: B256,
    },
    /// A block was committed out of sequence.
    #[error("block {got} cannot be committed: the next block is {expected}")]
    NotNext {
        /// The next number the ledger accepts.
        expected: BlockNumber,
        /// The number given.
        got: BlockNumber,
    },
    /// A block's parent hash is not the head's hash.
    #[error("block {number} names parent {given}, but block {} is {head}", number - 1)]
    ParentMismatch {
        /// The block's number.
        number: BlockNumber,
        /// Its parent hash.
        given: B256,
        /// The head's hash.
        head: B256,
    },
    /// A root in the header does not match the block's content.
    #[error("block {number}: header {which} root {header} does not match the computed {computed}")]
    RootMismatch {
        /// The block's number.
        number: BlockNumber,
        /// Which root.
        which: &'static str,
        /// The header's value.
        header: B256,
        /// The value computed from the content.
        computed: B256,
    },
    /// Transactions and receipts do not pair up.
    #[error("block {number} has {txs} transactions but {receipts} receipts")]
    ReceiptCount {
        /// The block's number.
        number: BlockNumber,
        /// Transactions.
        txs: usize,
        /// Receipts.
        receipts: usize,
    },
    /// A stored record did not decode: the data is damaged or from an incompatible
    /// version. Fatal.
    #[error("ledger data is corrupt: {what}: {reason}")]
    Corrupt {
        /// Which record.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn corrupt(what: impl Into<String>, reason: impl ToString) -> LedgerError {
    LedgerError::Corrupt {
        what: what.into(),
        reason: reason.to_string(),
    }
}

/// Where a transaction sits in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLocation {
    /// The block number.
    pub number: BlockNumber,
    /// The index within the block.
    pub index: u32,
}

/// Everything one block writes, committed in one batch.
#[derive(Debug, Clone)]
pub struct BlockCommit {
    /// The header (its roots are checked against the content).
    pub header: BlockHeader,
    /// The consensus signatures.
    pub signatures: Vec<SealerSignature>,
    /// The transactions, in order.
    pub transactions: Vec<VerifiedTx>,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
    /// The state writes.
    pub state: StateChanges,
    /// System config changes, effective from the next block.
    pub config: Vec<(String, String)>,
    /// A new node list, effective from the next block.
    pub nodes: Option<NodeList>,
}

impl BlockCommit {
    /// Fill in `header`'s transaction, receipt and state roots from the content, given
    /// the parent's state root. The executor calls it when it builds a block.
    pub fn seal_roots(&mut self, suite: &dyn CryptoSuite, parent_state_root: &B256) {
        let (txs, receipts) = self.roots(suite);
        self.header.transactions_root = txs;
        self.header.receipts_root = receipts;
        self.header.state_root = self.state.root(suite, parent_state_root);
    }

    fn roots(&self, suite: &dyn CryptoSuite) -> (B256, B256) {
        let tx_hashes: Vec<B256> = self.transactions.iter().map(VerifiedTx::hash).collect();
        let receipt_hashes: Vec<B256> = self.receipts.iter().map(|r| r.hash(suite)).collect();
        (
            merkle::root(suite, &tx_hashes),
            merkle::root(suite, &receipt_hashes),
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Head {
    number: BlockNumber,
    hash: B256,
    state_root: B256,
    total_tx: u64,
}

/// The ledger over a store `S`.
pub struct Ledger<S: Storage> {
    storage: S,
    genesis: Genesis,
    suite: &'static dyn CryptoSuite,
    limits: DecodeLimits,
    head: RwLock<Head>,
    commit_lock: Mutex<()>,
}

const META_HEAD: &[u8] = b"head";
const META_TOTAL_TX: &[u8] = b"total_tx";
const META_GENESIS: &[u8] = b"genesis";

impl<S: Storage> Ledger<S> {
    /// Open the ledger in `storage`: write block 0 from `genesis` if the store is empty,
    /// otherwise check that it holds the chain `genesis` describes.
    pub fn open(storage: S, genesis: Genesis) -> Result<Self, LedgerError> {
        genesis.validate()?;
        let suite = genesis.crypto_suite.suite();
        let given = genesis.hash();
        match storage.get(tables::META, META_GENESIS)? {
            Some(stored) => {
                let stored = b256(&stored, "genesis hash")?;
                if stored != given {
                    return Err(LedgerError::GenesisMismatch { stored, given });
                }
            }
            None => Self::write_genesis(&storage, &genesis, given)?,
        }
        let head = Self::read_head(&storage)?;
        tracing::info!(number = head.number, hash = %head.hash, "ledger opened");
        Ok(Ledger {
            storage,
            genesis,
            suite,
            limits: DecodeLimits::DEFAULT,
            head: RwLock::new(head),
            commit_lock: Mutex::new(()),
        })
    }

    fn write_genesis(storage: &S, genesis: &Genesis, hash: B256) -> Result<(), LedgerError> {
        let header = genesis.header();
        let mut batch = WriteBatch::new();
        batch.put(tables::HEADERS, num(0), encode_header_record(&header, &[]));
        batch.put(tables::HASH_TO_NUMBER, hash.as_slice(), num(0));
        for (key, value) in genesis.config.entries() {
            batch.put(tables::CONFIG, config_key(key, 0), value);
        }
        batch.put(
            tables::CONSENSUS,
            num(0),
            alloy_rlp::encode(genesis.node_list()),
        );
        batch.put(
            tables::META,
            META_HEAD,
            head_record(0, &hash, &header.state_root),
        );
        batch.put(tables::META, META_TOTAL_TX, 0u64.to_be_bytes());
        // Written last in the same batch: its presence means block 0 is complete.
        batch.put(tables::META, META_GENESIS, hash.as_slice());
        storage.commit(batch)?;
        Ok(())
    }

    fn read_head(storage: &S) -> Result<Head, LedgerError> {
        let raw = storage
            .get(tables::META, META_HEAD)?
            .ok_or_else(|| corrupt("head", "missing"))?;
        if raw.len() != 8 + 32 + 32 {
            return Err(corrupt("head", format!("{} bytes", raw.len())));
        }
        let total = storage
            .get(tables::META, META_TOTAL_TX)?
            .ok_or_else(|| corrupt("total_tx", "missing"))?;
        Ok(Head {
            number: be_u64(&raw[..8], "head")?,
            hash: B256::from_slice(&raw[8..40]),
            state_root: B256::from_slice(&raw[40..]),
            total_tx: be_u64(&total, "total_tx")?,
        })
    }

    /// The genesis the ledger was opened with.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The chain's crypto suite.
    pub fn suite(&self) -> &'static dyn CryptoSuite {
        self.suite
    }

    /// The store underneath.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The latest committed block's number.
    pub fn block_number(&self) -> BlockNumber {
        self.head.read().number
    }

    /// The latest committed block's hash.
    pub fn head_hash(&self) -> B256 {
        self.head.read().hash
    }

    /// The state root after the latest block.
    pub fn state_root(&self) -> B256 {
        self.head.read().state_root
    }

    /// How many transactions the chain holds.
    pub fn total_transaction_count(&self) -> u64 {
        self.head.read().total_tx
    }

    /// Commit one block with everything it writes, atomically. Checks that it follows
    /// the head and that its roots match its content.
    pub fn commit_block(&self, commit: BlockCommit) -> Result<(), LedgerError> {
        let _serial = self.commit_lock.lock();
        let head = *self.head.read();
        let header = &commit.header;
        let number = header.number;
        if number != head.number + 1 {
            return Err(LedgerError::NotNext {
                expected: head.number + 1,
                got: number,
            });
        }
        if header.parent_hash != head.hash {
            return Err(LedgerError::ParentMismatch {
                number,
                given: header.parent_hash,
                head: head.hash,
            });
        }
        if commit.transactions.len() != commit.receipts.len() {
            return Err(LedgerError::ReceiptCount {
                number,
                txs: commit.transactions.len(),
                receipts: commit.receipts.len(),
            });
        }
        let (tx_root, receipt_root) = commit.roots(self.suite);
        let state_root = commit.state.root(self.suite, &head.state_root);
        for (which, in_header, computed) in [
            ("transactions", header.transactions_root, tx_root),
            ("receipts", header.receipts_root, receipt_root),
            ("state", header.state_root, state_root),
        ] {
            if in_header != computed {
                return Err(LedgerError::RootMismatch {
                    number,
                    which,
                    header: in_header,
                    computed,
                });
            }
        }

        let hash = header.hash(self.suite);
        let mut batch = WriteBatch::new();
        batch.put(
            tables::HEADERS,
            num(number),
            encode_header_record(header, &commit.signatures),
        );
        batch.put(tables::HASH_TO_NUMBER, hash.as_slice(), num(number));
        let mut nonces = Vec::new();
        for (index, (tx, receipt)) in commit.transactions.iter().zip(&commit.receipts).enumerate() {
            let index = index as u32;
            let location = tx_key(number, index);
            let mut record = Vec::with_capacity(52 + 200);
            record.extend_from_slice(tx.hash().as_slice());
            record.extend_from_slice(tx.sender().as_slice());
            record.extend_from_slice(&tx.tx().encode());
            batch.put(tables::TXS, location.clone(), record);
            batch.put(tables::TX_INDEX, tx.hash().as_slice(), location.clone());
            batch.put(tables::RECEIPTS, location, receipt.encode());
            nonces.extend(tx.tx().native_nonce());
        }
        batch.put(tables::NONCES, num(number), alloy_rlp::encode(&nonces));
        for (key, value) in commit.state.iter() {
            match value {
                Some(v) => {
                    batch.put(tables::STATE, key, v);
                    let mut record = Vec::with_capacity(1 + v.len());
                    record.push(1);
                    record.extend_from_slice(v);
                    batch.put(tables::STATE_HISTORY, history_key(key, number), record);
                }
                None => {
                    batch.delete(tables::STATE, key);
                    batch.put(tables::STATE_HISTORY, history_key(key, number), [0u8]);
                }
            }
        }
        for (key, value) in &commit.config {
            batch.put(
                tables::CONFIG,
                config_key(key, number + 1),
                value.as_bytes(),
            );
        }
        if let Some(nodes) = &commit.nodes {
            batch.put(tables::CONSENSUS, num(number + 1), alloy_rlp::encode(nodes));
        }
        let total_tx = head.total_tx + commit.transactions.len() as u64;
        batch.put(
            tables::META,
            META_HEAD,
            head_record(number, &hash, &state_root),
        );
        batch.put(tables::META, META_TOTAL_TX, total_tx.to_be_bytes());
        self.storage.commit(batch)?;
        *self.head.write() = Head {
            number,
            hash,
            state_root,
            total_tx,
        };
        Ok(())
    }

    /// The header and signatures of block `number`.
    pub fn header(
        &self,
        number: BlockNumber,
    ) -> Result<Option<(BlockHeader, Vec<SealerSignature>)>, LedgerError> {
        let Some(raw) = self.storage.get(tables::HEADERS, &num(number))? else {
            return Ok(None);
        };
        decode_header_record(&raw, &self.limits)
            .map(Some)
            .map_err(|e| corrupt(format!("header {number}"), e))
    }

    /// The hash of block `number`.
    pub fn block_hash(&self, number: BlockNumber) -> Result<Option<B256>, LedgerError> {
        Ok(self.header(number)?.map(|(h, _)| h.hash(self.suite)))
    }

    /// The number of the block with `hash`.
    pub fn block_number_of(&self, hash: &B256) -> Result<Option<BlockNumber>, LedgerError> {
        match self.storage.get(tables::HASH_TO_NUMBER, hash.as_slice())? {
            Some(raw) => Ok(Some(be_u64(&raw, "block index")?)),
            None => Ok(None),
        }
    }

    /// Block `number` with its transactions.
    pub fn block(&self, number: BlockNumber) -> Result<Option<Block>, LedgerError> {
        let Some((header, signatures)) = self.header(number)? else {
            return Ok(None);
        };
        let transactions = self
            .block_transactions(number)?
            .into_iter()
            .map(VerifiedTx::into_tx)
            .collect();
        Ok(Some(Block {
            header,
            signatures,
            transactions,
        }))
    }

    /// The block with `hash`.
    pub fn block_by_hash(&self, hash: &B256) -> Result<Option<Block>, LedgerError> {
        match self.block_number_of(hash)? {
            Some(number) => self.block(number),
            None => Ok(None),
        }
    }

    /// The transactions of block `number`, with their hashes and senders.
    pub fn block_transactions(&self, number: BlockNumber) -> Result<Vec<VerifiedTx>, LedgerError> {
        let mut out = Vec::new();
        for item in self.storage.scan_prefix(tables::TXS, &num(number))? {
            let (key, value) = item?;
            out.push(self.decode_tx_record(&key, &value)?);
        }
        Ok(out)
    }

    /// The receipts of block `number`.
    pub fn block_receipts(&self, number: BlockNumber) -> Result<Vec<Receipt>, LedgerError> {
        let mut out = Vec::new();
        for item in self.storage.scan_prefix(tables::RECEIPTS, &num(number))? {
            let (key, value) = item?;
            out.push(
                Receipt::decode(&value, &self.limits)
                    .map_err(|e| corrupt(format!("receipt {}", hex::encode(key)), e))?,
            );
        }
        Ok(out)
    }

    /// Where the transaction with `hash` was committed.
    pub fn transaction_location(&self, hash: &B256) -> Result<Option<TxLocation>, LedgerError> {
        let Some(raw) = self.storage.get(tables::TX_INDEX, hash.as_slice())? else {
            return Ok(None);
        };
        if raw.len() != 12 {
            return Err(corrupt(
                format!("transaction index {hash}"),
                format!("{} bytes", raw.len()),
            ));
        }
        Ok(Some(TxLocation {
            number: be_u64(&raw[..8], "tx index")?,
            index: be_u32(&raw[8..])?,
        }))
    }

    /// The transaction with `hash` and where it is.
    pub fn transaction(
        &self,
        hash: &B256,
    ) -> Result<Option<(VerifiedTx, TxLocation)>, LedgerError> {
        let Some(location) = self.transaction_location(hash)? else {
            return Ok(None);
        };
        let key = tx_key(location.number, location.index);
        let raw = self
            .storage
            .get(tables::TXS, &key)?
            .ok_or_else(|| corrupt(format!("transaction {hash}"), "indexed but missing"))?;
        Ok(Some((self.decode_tx_record(&key, &raw)?, location)))
    }

    /// The receipt of the transaction with `hash` and where it is.
    pub fn receipt(&self, hash: &B256) -> Result<Option<(Receipt, TxLocation)>, LedgerError> {
        let Some(location) = self.transaction_location(hash)? else {
            return Ok(None);
        };
        let raw = self
            .storage
            .get(tables::RECEIPTS, &tx_key(location.number, location.index))?
            .ok_or_else(|| corrupt(format!("receipt of {hash}"), "indexed but missing"))?;
        let receipt = Receipt::decode(&raw, &self.limits)
            .map_err(|e| corrupt(format!("receipt of {hash}"), e))?;
        Ok(Some((receipt, location)))
    }

    /// The native nonces of block `number`.
    pub fn block_nonces(&self, number: BlockNumber) -> Result<Vec<U256>, LedgerError> {
        let Some(raw) = self.storage.get(tables::NONCES, &num(number))? else {
            return Ok(Vec::new());
        };
        Vec::<U256>::decode(&mut raw.as_slice())
            .map_err(|e| corrupt(format!("nonces of block {number}"), e))
    }

    /// The native nonces used in the last `window` blocks (the ones a new transaction's
    /// nonce must not repeat).
    pub fn recent_nonces(&self, window: u64) -> Result<HashSet<U256>, LedgerError> {
        let head = self.block_number();
        let first = head.saturating_sub(window.saturating_sub(1)).max(1);
        let mut set = HashSet::new();
        if head == 0 {
            return Ok(set);
        }
        for item in self.storage.iter(
            tables::NONCES,
            weft_storage::KeyRange::between(&num(first), &num(head + 1)),
            weft_storage::Direction::Forward,
        )? {
            let (key, raw) = item?;
            let nonces = Vec::<U256>::decode(&mut raw.as_slice())
                .map_err(|e| corrupt(format!("nonces of block {}", hex::encode(key)), e))?;
            set.extend(nonces);
        }
        Ok(set)
    }

    /// The value of system config `key` in force at block `number`, with the block it
    /// took effect at.
    pub fn system_config(
        &self,
        key: &str,
        number: BlockNumber,
    ) -> Result<Option<(String, BlockNumber)>, LedgerError> {
        let mut prefix = key.as_bytes().to_vec();
        prefix.push(0);
        let Some((k, v)) =
            self.storage
                .seek_at_or_before(tables::CONFIG, &prefix, &config_key(key, number))?
        else {
            return Ok(None);
        };
        let enabled = be_u64(&k[prefix.len()..], "config key")?;
        let value = String::from_utf8(v).map_err(|e| corrupt(format!("config {key}"), e))?;
        Ok(Some((value, enabled)))
    }

    /// A numeric system config value in force at block `number`.
    pub fn system_config_u64(
        &self,
        key: &str,
        number: BlockNumber,
    ) -> Result<Option<u64>, LedgerError> {
        match self.system_config(key, number)? {
            Some((value, _)) => value
                .parse()
                .map(Some)
                .map_err(|e| corrupt(format!("config {key}"), e)),
            None => Ok(None),
        }
    }

    /// The node list in force at block `number`.
    pub fn node_list(&self, number: BlockNumber) -> Result<NodeList, LedgerError> {
        let Some((_, raw)) =
            self.storage
                .seek_at_or_before(tables::CONSENSUS, &[], &num(number))?
        else {
            return Err(corrupt("node list", "none recorded"));
        };
        NodeList::decode(&mut raw.as_slice()).map_err(|e| corrupt("node list", e))
    }

    /// The latest value of state `key`.
    pub fn state(&self, key: &[u8]) -> Result<Option<Vec<u8>>, LedgerError> {
        Ok(self.storage.get(tables::STATE, key)?)
    }

    /// Every latest state entry whose key starts with `prefix`, in key order.
    pub fn state_with_prefix(
        &self,
        prefix: &[u8],
    ) -> Result<Vec<weft_storage::KeyValue>, LedgerError> {
        let mut out = Vec::new();
        for item in self.storage.scan_prefix(tables::STATE, prefix)? {
            out.push(item?);
        }
        Ok(out)
    }

    /// The value of state `key` after block `number`.
    pub fn state_at(
        &self,
        key: &[u8],
        number: BlockNumber,
    ) -> Result<Option<Vec<u8>>, LedgerError> {
        let prefix = history_prefix(key);
        let Some((_, record)) = self.storage.seek_at_or_before(
            tables::STATE_HISTORY,
            &prefix,
            &history_key(key, number),
        )?
        else {
            return Ok(None);
        };
        match record.split_first() {
            Some((1, value)) => Ok(Some(value.to_vec())),
            Some((0, [])) => Ok(None),
            _ => Err(corrupt(
                format!("state history of {}", hex::encode(key)),
                "bad record tag",
            )),
        }
    }

    fn decode_tx_record(&self, key: &[u8], raw: &[u8]) -> Result<VerifiedTx, LedgerError> {
        let what = || format!("transaction record {}", hex::encode(key));
        if raw.len() < 52 {
            return Err(corrupt(what(), "shorter than hash and sender"));
        }
        let tx = Transaction::decode(&raw[52..], &self.limits).map_err(|e| corrupt(what(), e))?;
        Ok(VerifiedTx::from_committed(
            tx,
            B256::from_slice(&raw[..32]),
            Address::from_slice(&raw[32..52]),
        ))
    }
}

fn num(number: BlockNumber) -> [u8; 8] {
    number.to_be_bytes()
}

fn tx_key(number: BlockNumber, index: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(12);
    key.extend_from_slice(&number.to_be_bytes());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

fn config_key(key: &str, enable: BlockNumber) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 9);
    out.extend_from_slice(key.as_bytes());
    out.push(0);
    out.extend_from_slice(&enable.to_be_bytes());
    out
}

/// The length prefix keeps keys that are prefixes of each other apart.
fn history_prefix(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + key.len() + 8);
    out.extend_from_slice(&(key.len() as u32).to_be_bytes());
    out.extend_from_slice(key);
    out
}

fn history_key(key: &[u8], number: BlockNumber) -> Vec<u8> {
    let mut out = history_prefix(key);
    out.extend_from_slice(&number.to_be_bytes());
    out
}

fn head_record(number: BlockNumber, hash: &B256, state_root: &B256) -> Vec<u8> {
    let mut out = Vec::with_capacity(72);
    out.extend_from_slice(&number.to_be_bytes());
    out.extend_from_slice(hash.as_slice());
    out.extend_from_slice(state_root.as_slice());
    out
}

fn encode_header_record(header: &BlockHeader, signatures: &[SealerSignature]) -> Vec<u8> {
    let payload_length = header.length() + alloy_rlp::list_length(signatures);
    let mut out = Vec::with_capacity(payload_length + 9);
    alloy_rlp::Header {
        list: true,
        payload_length,
    }
    .encode(&mut out);
    header.encode(&mut out);
    alloy_rlp::encode_list(signatures, &mut out);
    out
}

fn decode_header_record(
    raw: &[u8],
    limits: &DecodeLimits,
) -> Result<(BlockHeader, Vec<SealerSignature>), String> {
    let mut buf = raw;
    let outer = alloy_rlp::Header::decode(&mut buf).map_err(|e| e.to_string())?;
    if !outer.list || outer.payload_length != buf.len() {
        return Err("not a [header, signatures] list".into());
    }
    let header = BlockHeader::decode(&mut buf).map_err(|e| e.to_string())?;
    let signatures = Vec::<SealerSignature>::decode(&mut buf).map_err(|e| e.to_string())?;
    if signatures.len() > limits.max_block_signatures || !buf.is_empty() {
        return Err("too many signatures or trailing bytes".into());
    }
    Ok((header, signatures))
}

fn b256(raw: &[u8], what: &str) -> Result<B256, LedgerError> {
    if raw.len() != 32 {
        return Err(corrupt(what, format!("{} bytes; expected 32", raw.len())));
    }
    Ok(B256::from_slice(raw))
}

fn be_u64(raw: &[u8], what: &str) -> Result<u64, LedgerError> {
    let arr: [u8; 8] = raw
        .try_into()
        .map_err(|_| corrupt(what, format!("{} bytes; expected 8", raw.len())))?;
    Ok(u64::from_be_bytes(arr))
}

fn be_u32(raw: &[u8]) -> Result<u32, LedgerError> {
    let arr: [u8; 4] = raw
        .try_into()
        .map_err(|_| corrupt("tx index", "bad index"))?;
    Ok(u32::from_be_bytes(arr))
}

/// The tables a store must declare for the ledger.
pub fn required_tables() -> &'static [TableName] {
    tables::ALL
}
