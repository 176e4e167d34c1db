//! The world state as revm sees it: the ledger's state at a height, with the pending
//! writes of the block being executed on top.
//!
//! Key layout in the ledger's state table (the only place it is defined):
//!
//! ```text
//! 'a' ‖ address            → nonce (8, BE) ‖ balance (32) ‖ code hash (32)
//! 'c' ‖ code hash          → code bytes
//! 's' ‖ address ‖ slot (32) → value (32, BE); a zero value is absent
//! 'b' ‖ address            → the contract's ABI (JSON), from its native deployment
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::Mutex;

use alloy_primitives::{Address, B256, U256};
use revm::bytecode::Bytecode;
use revm::database_interface::{DBErrorMarker, Database, DatabaseCommit};
use revm::primitives::{AddressMap, KECCAK_EMPTY};
use revm::state::{Account, AccountInfo};
use weft_ledger::{Ledger, LedgerError, StateChanges};
use weft_storage::Storage;
use weft_types::BlockNumber;

const ACCOUNT: u8 = b'a';
const CODE: u8 = b'c';
const SLOT: u8 = b's';
const ABI: u8 = b'b';

/// The state key of a contract's ABI.
pub fn abi_key(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(21);
    key.push(ABI);
    key.extend_from_slice(address.as_slice());
    key
}

/// The state key of an account.
pub fn account_key(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(21);
    key.push(ACCOUNT);
    key.extend_from_slice(address.as_slice());
    key
}

/// The state key of code by its hash.
pub fn code_key(hash: &B256) -> Vec<u8> {
    let mut key = Vec::with_capacity(33);
    key.push(CODE);
    key.extend_from_slice(hash.as_slice());
    key
}

/// The prefix of every storage slot of `address`.
fn slot_prefix(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(53);
    key.push(SLOT);
    key.extend_from_slice(address.as_slice());
    key
}

/// The state key of a storage slot.
pub fn slot_key(address: &Address, slot: &U256) -> Vec<u8> {
    let mut key = slot_prefix(address);
    key.extend_from_slice(&slot.to_be_bytes::<32>());
    key
}

fn encode_account(info: &AccountInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(72);
    out.extend_from_slice(&info.nonce.to_be_bytes());
    out.extend_from_slice(&info.balance.to_be_bytes::<32>());
    out.extend_from_slice(info.code_hash.as_slice());
    out
}

fn decode_account(raw: &[u8]) -> Result<AccountInfo, StateError> {
    if raw.len() != 72 {
        return Err(StateError::Corrupt(format!(
            "account record of {} bytes; expected 72",
            raw.len()
        )));
    }
    let mut nonce = [0u8; 8];
    nonce.copy_from_slice(&raw[..8]);
    let code_hash = B256::from_slice(&raw[40..]);
    Ok(AccountInfo {
        nonce: u64::from_be_bytes(nonce),
        balance: U256::from_be_slice(&raw[8..40]),
        code_hash,
        // revm fetches code by hash when it needs it.
        code: if code_hash == KECCAK_EMPTY {
            Some(Bytecode::default())
        } else {
            None
        },
        ..Default::default()
    })
}

/// A failure reading the state: fatal for the block.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A state record is malformed.
    #[error("corrupt state: {0}")]
    Corrupt(String),
}

impl DBErrorMarker for StateError {}

/// Which state reads fall through to: the latest, or as of a height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateVersion {
    /// After the latest committed block.
    Latest,
    /// After block `n`.
    At(BlockNumber),
}

/// The ledger's state plus the pending writes of the block under execution.
pub struct BlockState<'l, S: Storage> {
    ledger: &'l Ledger<S>,
    /// Parsed code shared across blocks and calls, if any.
    code_cache: Option<CodeCache>,
    version: StateVersion,
    /// Accounts written by this block (`None`: deleted).
    accounts: HashMap<Address, Option<AccountInfo>>,
    /// Storage written by this block.
    slots: HashMap<Address, HashMap<U256, U256>>,
    /// Accounts whose storage this block wiped (destroyed or created anew): their slots
    /// read as zero unless written since.
    wiped: HashSet<Address>,
    /// Code deployed by this block, and code read so far (parsed once per block).
    codes: HashMap<B256, Bytecode>,
    new_codes: HashSet<B256>,
    /// ABIs of contracts deployed by this block.
    abis: HashMap<Address, String>,
    /// The permission plugin refused the running transaction's origin the right to
    /// deploy: every create inside the transaction fails.
    pub(crate) deploy_denied: bool,
}

impl<'l, S: Storage> BlockState<'l, S> {
    /// A view of `ledger`'s state at `version` with no pending writes.
    pub fn new(ledger: &'l Ledger<S>, version: StateVersion) -> Self {
        BlockState {
            ledger,
            code_cache: None,
            version,
            accounts: HashMap::new(),
            slots: HashMap::new(),
            wiped: HashSet::new(),
            codes: HashMap::new(),
            new_codes: HashSet::new(),
            abis: HashMap::new(),
            deploy_denied: false,
        }
    }

    /// The same view, reading code through `cache` (shared with other views).
    pub fn with_code_cache(mut self, cache: CodeCache) -> Self {
        self.code_cache = Some(cache);
        self
    }

    /// Record the ABI a native deployment carried for the contract it created.
    pub fn set_abi(&mut self, address: Address, abi: String) {
        self.abis.insert(address, abi);
    }

    /// The ledger this view reads.
    pub(crate) fn ledger(&self) -> &'l Ledger<S> {
        self.ledger
    }

    /// Write a storage slot directly (between transactions: not journaled).
    pub(crate) fn write_slot(&mut self, address: Address, slot: U256, value: U256) {
        self.slots.entry(address).or_default().insert(slot, value);
    }

    /// Give `address` a nonce if it has none, so the account (and its storage) survives as
    /// non-empty (between transactions: not journaled).
    pub(crate) fn keep_account(&mut self, address: Address) -> Result<(), StateError> {
        let mut info = self.basic(address)?.unwrap_or_default();
        if info.nonce == 0 {
            info.nonce = 1;
            info.code = None;
            self.accounts.insert(address, Some(info));
        }
        Ok(())
    }

    /// Read raw state (pending writes are not consulted: for keys the EVM never writes).
    pub(crate) fn read_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        self.read(key)
    }

    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(match self.version {
            StateVersion::Latest => self.ledger.state(key)?,
            StateVersion::At(n) => self.ledger.state_at(key, n)?,
        })
    }

    /// The pending writes as ledger state changes (sorted, so deterministic).
    pub fn into_changes(self) -> Result<StateChanges, StateError> {
        let mut changes = StateChanges::new();
        for address in &self.wiped {
            // Only the latest state can hold slots to wipe: a block always executes on it.
            for (key, _) in self.ledger.state_with_prefix(&slot_prefix(address))? {
                changes.delete(key);
            }
        }
        for (address, info) in &self.accounts {
            match info {
                Some(info) => changes.set(account_key(address), encode_account(info)),
                None => changes.delete(account_key(address)),
            }
        }
        for (address, slots) in &self.slots {
            for (slot, value) in slots {
                if value.is_zero() {
                    changes.delete(slot_key(address, slot));
                } else {
                    changes.set(slot_key(address, slot), value.to_be_bytes::<32>().to_vec());
                }
            }
        }
        for (address, abi) in &self.abis {
            changes.set(abi_key(address), abi.as_bytes().to_vec());
        }
        for hash in &self.new_codes {
            if let Some(code) = self.codes.get(hash) {
                changes.set(code_key(hash), code.original_byte_slice().to_vec());
            }
        }
        Ok(changes)
    }

    fn commit_account(&mut self, address: Address, account: Account) {
        if !account.is_touched() {
            return;
        }
        if account.is_selfdestructed() {
            self.accounts.insert(address, None);
            self.slots.remove(&address);
            self.wiped.insert(address);
            return;
        }
        if account.is_empty() {
            // EIP-161: a touched empty account is removed.
            self.accounts.insert(address, None);
            return;
        }
        if account.is_created() {
            self.slots.remove(&address);
            self.wiped.insert(address);
        }
        let mut info = account.info;
        if let Some(code) = info.code.take() {
            if info.code_hash != KECCAK_EMPTY && !self.codes.contains_key(&info.code_hash) {
                self.new_codes.insert(info.code_hash);
                self.codes.insert(info.code_hash, code);
            }
        }
        let slots = self.slots.entry(address).or_default();
        for (slot, value) in account.storage {
            if value.is_changed() {
                slots.insert(slot, value.present_value);
            }
        }
        info.account_id = None;
        self.accounts.insert(address, Some(info));
    }
}

impl<S: Storage> Database for BlockState<'_, S> {
    type Error = StateError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, StateError> {
        if let Some(pending) = self.accounts.get(&address) {
            let mut info = pending.clone();
            if let Some(info) = info.as_mut() {
                info.code = if info.code_hash == KECCAK_EMPTY {
                    Some(Bytecode::default())
                } else {
                    None
                };
            }
            return Ok(info);
        }
        self.read(&account_key(&address))?
            .map(|raw| decode_account(&raw))
            .transpose()
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, StateError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        if let Some(code) = self.codes.get(&code_hash) {
            return Ok(code.clone());
        }
        if let Some(code) = self.code_cache.as_ref().and_then(|c| c.get(&code_hash)) {
            self.codes.insert(code_hash, code.clone());
            return Ok(code);
        }
        let raw = self.read(&code_key(&code_hash))?.ok_or_else(|| {
            StateError::Corrupt(format!("code {code_hash} is referenced but missing"))
        })?;
        let code = Bytecode::new_raw_checked(raw.into())
            .map_err(|e| StateError::Corrupt(format!("code {code_hash}: {e}")))?;
        if let Some(cache) = &self.code_cache {
            cache.insert(code_hash, code.clone());
        }
        self.codes.insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, StateError> {
        if let Some(value) = self.slots.get(&address).and_then(|s| s.get(&index)) {
            return Ok(*value);
        }
        if self.wiped.contains(&address) {
            return Ok(U256::ZERO);
        }
        match self.read(&slot_key(&address, &index))? {
            Some(raw) if raw.len() == 32 => Ok(U256::from_be_slice(&raw)),
            Some(raw) => Err(StateError::Corrupt(format!(
                "storage slot of {} bytes",
                raw.len()
            ))),
            None => Ok(U256::ZERO),
        }
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, StateError> {
        Ok(self.ledger.block_hash(number)?.unwrap_or_default())
    }
}

impl<S: Storage> DatabaseCommit for BlockState<'_, S> {
    fn commit(&mut self, changes: AddressMap<Account>) {
        for (address, account) in changes {
            self.commit_account(address, account);
        }
    }
}

/// Parsed contract code by code hash, shared by every view an [`Executor`](crate::Executor)
/// makes: code is content-addressed, so an entry never goes stale, and a contract's jump
/// analysis (and its copy out of storage) happens once, not once per call or block.
/// Bounded by the bytes it holds; when full it starts over.
#[derive(Clone, Debug, Default)]
pub struct CodeCache {
    inner: Arc<Mutex<CodeCacheInner>>,
}

#[derive(Debug, Default)]
struct CodeCacheInner {
    codes: HashMap<B256, Bytecode>,
    bytes: usize,
}

impl CodeCache {
    /// Most bytes of code held at once.
    pub const MAX_BYTES: usize = 64 * 1024 * 1024;

    /// The parsed code with `hash`, if cached.
    pub fn get(&self, hash: &B256) -> Option<Bytecode> {
        self.inner.lock().codes.get(hash).cloned()
    }

    /// Caches `code` under `hash` (its Keccak-256).
    pub fn insert(&self, hash: B256, code: Bytecode) {
        let mut inner = self.inner.lock();
        let len = code.original_byte_slice().len();
        if inner.bytes + len > Self::MAX_BYTES {
            inner.codes.clear();
            inner.bytes = 0;
        }
        if inner.codes.insert(hash, code).is_none() {
            inner.bytes += len;
        }
    }
}
