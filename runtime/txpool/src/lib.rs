//! Weft's transaction pool: the transactions a node has admitted and not yet seen
//! committed, in the order it admitted them.
//!
//! Pure logic: no async runtime, no I/O, no clock. The node drives it — passes the time,
//! asks for a block's worth of transactions, reports commits — and answers its questions
//! about the chain through [`ChainView`].
//!
//! ```text
//!  raw bytes (RPC, P2P)
//!      │ submit / submit_batch
//!      ▼
//!  ┌─ admission ──────────────────────────────────────────────────────────────┐
//!  │ size, decode ─▶ chain id, group id, block_limit ─▶ hash not in pool/chain │  cheap,
//!  │ ─▶ native nonce not pending nor in the window ─▶ pool not full           │  first
//!  │ ─▶ signature (the one expensive step; spread over cores in a batch)       │
//!  │ ─▶ Ethereum nonce == sender's next nonce (no gaps, no replacement)        │
//!  └──────────────────────────────────┬─────────────────────────────────────────┘
//!        submit_verified ─────────────┤ TxRejection (FISCO BCOS code) ─▶ caller
//!                                     ▼
//!  ┌─ pending (FIFO by admission) ──┐ take_for_block  ┌─ sealing ────────────────┐
//!  │ expire: age > expiry,          │ ──────────────▶ │ in a proposed block;     │
//!  │   native block_limit <= height │ ◀────────────── │ not handed out again     │
//!  │ take_for_block drops the stale │ release_sealing └────────────┬─────────────┘
//!  └───────────────┬────────────────┘  (back in front, original order)
//!                  │ remove_committed (hashes of a committed block)│
//!                  ▼                                                ▼
//!          removed: committed, and pending ones that conflict with the block
//!          (a native nonce now in the window, an Ethereum nonce now below the account's)
//! ```
//!
//! Replay protection follows FISCO BCOS. A native transaction is valid while
//! `height < block_limit <= height + window` and carries a random nonce that must not
//! repeat within the window (pending or committed). An Ethereum transaction carries its
//! sender's account nonce; the pool accepts only the sender's next one — the account
//! nonce plus one per pending transaction of that sender (computed as one past the
//! highest pending nonce, or the account nonce if that is higher, so a block committed
//! elsewhere is followed at once) — so pending Ethereum transactions always run in order
//! and never replace one another.
//!
//! Every operation costs O(log n) or O(1) per transaction it touches: the pending queue
//! and the sealing set are `BTreeMap`s keyed by admission sequence, with hash, native
//! nonce, per-sender nonce, admission time and `block_limit` indexes beside them. The one
//! exception is [`TxPool::remove_committed`] for a block holding transactions this pool
//! never saw, which checks every pending native nonce against the window once.
//!
//! All state sits behind one `parking_lot::RwLock`; signatures are checked outside it.

#![warn(missing_docs)]

mod error;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use weft_crypto::CryptoSuite;
use weft_types::{
    Address, DecodeError, DecodeLimits, Transaction, TxError, VerifiedTx, B256, U256,
};

pub use error::TxRejection;

/// What the pool needs to know about the chain. The node implements it over the ledger
/// and the state; tests implement it in memory.
pub trait ChainView: Send + Sync {
    /// The chain id (native and EIP-155).
    fn chain_id(&self) -> u64;
    /// The group this node serves.
    fn group_id(&self) -> &str;
    /// The chain's crypto suite.
    fn suite(&self) -> &'static dyn CryptoSuite;
    /// The latest committed block.
    fn height(&self) -> u64;
    /// The `block_limit` window in force for the next block (system config at
    /// `height + 1`).
    fn block_limit_window(&self) -> u64;
    /// Whether a native nonce was used in the last window of committed blocks.
    fn nonce_in_window(&self, nonce: &U256) -> bool;
    /// Whether a transaction with this hash is committed.
    fn tx_in_chain(&self, hash: &B256) -> bool;
    /// An account's nonce in the latest state (the next Ethereum nonce it may use).
    fn account_nonce(&self, address: &Address) -> u64;
}

/// The pool's bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxPoolConfig {
    /// The most transactions the pool holds (pending and sealing). Default 200,000.
    pub max_txs: usize,
    /// The most encoded bytes the pool holds. Default 256 MiB.
    pub max_bytes: usize,
    /// How long a transaction may wait before [`TxPool::expire`] drops it. Default 600 s.
    pub expiry: Duration,
    /// Limits for decoding raw transactions (the transaction size limit among them).
    pub limits: DecodeLimits,
}

impl Default for TxPoolConfig {
    fn default() -> Self {
        TxPoolConfig {
            max_txs: 200_000,
            max_bytes: 256 << 20,
            expiry: Duration::from_secs(600),
            limits: DecodeLimits::DEFAULT,
        }
    }
}

/// The transaction pool. `Send + Sync` with interior locking: share it in an `Arc`.
pub struct TxPool {
    config: TxPoolConfig,
    inner: RwLock<Inner>,
    admitted: AtomicU64,
}

impl std::fmt::Debug for TxPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner.read();
        f.debug_struct("TxPool")
            .field("config", &self.config)
            .field("pending", &inner.queue.len())
            .field("sealing", &inner.sealing.len())
            .field("bytes", &inner.bytes)
            .field("admitted_total", &self.admitted_total())
            .finish()
    }
}

impl TxPool {
    /// An empty pool.
    pub fn new(config: TxPoolConfig) -> Self {
        TxPool {
            config,
            inner: RwLock::new(Inner::default()),
            admitted: AtomicU64::new(0),
        }
    }

    /// The pool's configuration.
    pub fn config(&self) -> &TxPoolConfig {
        &self.config
    }

    /// Decode, verify and admit one raw transaction; returns its hash.
    ///
    /// Checks run cheapest first — size, decoding, chain id, group id, `block_limit`,
    /// duplicates in the pool and the chain, the native nonce, room in the pool — so
    /// garbage and replays never cost a signature check.
    pub fn submit(
        &self,
        raw: &[u8],
        chain: &dyn ChainView,
        now: Instant,
    ) -> Result<B256, TxRejection> {
        let ctx = Ctx::new(chain, &self.config.limits);
        let prepared = self.prepare(Prepared::decode(raw, &ctx)?, &ctx, chain);
        let mut inner = self.inner.write();
        self.admit(&mut inner, prepared, chain, now)
    }

    /// [`TxPool::submit`] for many transactions: decoding and signature checks spread over
    /// all cores, admission in input order. One result per input, the same results as
    /// submitting them one by one in that order.
    pub fn submit_batch(
        &self,
        raws: &[Vec<u8>],
        chain: &dyn ChainView,
        now: Instant,
    ) -> Vec<Result<B256, TxRejection>> {
        let ctx = Ctx::new(chain, &self.config.limits);
        let prepared = par_map(raws, |raw| {
            Prepared::decode(raw, &ctx).map(|p| self.prepare(p, &ctx, chain))
        });
        let mut inner = self.inner.write();
        prepared
            .into_iter()
            .map(|p| p.and_then(|p| self.admit(&mut inner, p, chain, now)))
            .collect()
    }

    /// Admit a transaction this node verified itself (its own paths: a transaction it
    /// built, or one from a block it discarded). Every check but the signature runs;
    /// `encoded_len` counts against the size and byte limits.
    pub fn submit_verified(
        &self,
        tx: VerifiedTx,
        encoded_len: usize,
        chain: &dyn ChainView,
        now: Instant,
    ) -> Result<B256, TxRejection> {
        let ctx = Ctx::new(chain, &self.config.limits);
        let prepared = self.prepare(Prepared::verified(tx, encoded_len, &ctx)?, &ctx, chain);
        let mut inner = self.inner.write();
        self.admit(&mut inner, prepared, chain, now)
    }

    /// Up to `max` pending transactions for the next block, in admission order. They are
    /// marked *sealing*: they stay in the pool (until [`TxPool::remove_committed`]) but a
    /// further call does not return them again, until [`TxPool::release_sealing`].
    ///
    /// On the way it drops what can no longer be committed — native transactions whose
    /// `block_limit` is at or below the current height or whose nonce is now in the
    /// window, Ethereum ones whose nonce is below the account nonce — and leaves pending an
    /// Ethereum transaction whose predecessor from the same sender is neither committed
    /// nor sealing. It asks the chain about each transaction it looks at (under the
    /// pool's lock), once per Ethereum sender.
    pub fn take_for_block(&self, max: usize, chain: &dyn ChainView) -> Vec<VerifiedTx> {
        if max == 0 {
            return Vec::new();
        }
        let height = chain.height();
        let mut inner = self.inner.write();
        let mut take: Vec<(u64, B256)> = Vec::new();
        let mut drop: Vec<B256> = Vec::new();
        let mut account_nonces: HashMap<Address, u64> = HashMap::new();
        let mut taken_eth: HashSet<(Address, u64)> = HashSet::new();
        let mut blocked: HashSet<Address> = HashSet::new();
        for (&seq, hash) in &inner.queue {
            if take.len() >= max {
                break;
            }
            let Some(entry) = inner.entries.get(hash) else {
                continue;
            };
            match entry.key {
                Key::Native { nonce, block_limit } => {
                    if block_limit <= height || chain.nonce_in_window(&nonce) {
                        drop.push(*hash);
                        continue;
                    }
                }
                Key::Eth { sender, nonce } => {
                    let account = *account_nonces
                        .entry(sender)
                        .or_insert_with(|| chain.account_nonce(&sender));
                    if nonce < account {
                        drop.push(*hash);
                        continue;
                    }
                    if blocked.contains(&sender) {
                        continue;
                    }
                    if nonce > account {
                        let previous = nonce - 1;
                        let ready = taken_eth.contains(&(sender, previous))
                            || inner
                                .senders
                                .get(&sender)
                                .and_then(|by_nonce| by_nonce.get(&previous))
                                .and_then(|h| inner.entries.get(h))
                                .is_some_and(|e| e.sealing);
                        if !ready {
                            blocked.insert(sender);
                            continue;
                        }
                    }
                    taken_eth.insert((sender, nonce));
                }
            }
            take.push((seq, *hash));
        }
        for hash in &drop {
            inner.remove(hash);
        }
        let mut out = Vec::with_capacity(take.len());
        for (seq, hash) in take {
            if let Some(tx) = inner.mark_sealing(seq, &hash) {
                out.push(tx);
            }
        }
        out
    }

    /// Put every sealing transaction back in front of the pending ones, in its original
    /// order (after a block failed or was abandoned).
    pub fn release_sealing(&self) {
        self.inner.write().release_sealing();
    }

    /// Drop the transactions of a committed block (by hash, pending or sealing) and what
    /// conflicts with it: pending Ethereum transactions of the same senders whose nonce is
    /// now below the account nonce, and — when the block held transactions this pool never
    /// saw — pending native transactions whose nonce is now in the window.
    pub fn remove_committed(&self, hashes: &[B256], chain: &dyn ChainView) {
        let mut inner = self.inner.write();
        let mut senders: Vec<Address> = Vec::new();
        let mut foreign = false;
        for hash in hashes {
            match inner.entries.get(hash).map(|e| e.key) {
                Some(Key::Eth { sender, .. }) => senders.push(sender),
                Some(Key::Native { .. }) => {}
                None => foreign = true,
            }
            inner.remove(hash);
        }
        senders.sort_unstable();
        senders.dedup();
        for sender in senders {
            if inner.senders.contains_key(&sender) {
                let account = chain.account_nonce(&sender);
                inner.remove_eth_below(&sender, account);
            }
        }
        if foreign {
            // Nonces of transactions we never held are unknown: ask the window about ours.
            let stale: Vec<B256> = inner
                .native_nonces
                .iter()
                .filter(|(nonce, _)| chain.nonce_in_window(nonce))
                .map(|(_, hash)| *hash)
                .collect();
            for hash in &stale {
                inner.remove(hash);
            }
        }
    }

    /// Drop pending transactions older than the configured expiry, and native ones whose
    /// `block_limit` is at or below the current height. Dropping an Ethereum transaction
    /// drops the later pending ones of its sender too (they could never run). Sealing
    /// transactions are left to the block they are in. Returns how many were dropped.
    pub fn expire(&self, now: Instant, chain: &dyn ChainView) -> usize {
        let height = chain.height();
        let expiry = self.config.expiry;
        let mut inner = self.inner.write();
        let before = inner.entries.len();
        while let Some(&(admitted, seq)) = inner.by_time.first() {
            if now.saturating_duration_since(admitted) <= expiry {
                break;
            }
            let Some(hash) = inner.queue.get(&seq).copied() else {
                inner.by_time.remove(&(admitted, seq));
                continue;
            };
            inner.remove_cascading(&hash);
            // Removal drops the index entry; make sure of it, so the loop always advances.
            inner.by_time.remove(&(admitted, seq));
        }
        while let Some(&(block_limit, seq)) = inner.by_limit.first() {
            if block_limit > height {
                break;
            }
            let Some(hash) = inner.queue.get(&seq).copied() else {
                inner.by_limit.remove(&(block_limit, seq));
                continue;
            };
            inner.remove(&hash);
            inner.by_limit.remove(&(block_limit, seq));
        }
        before - inner.entries.len()
    }

    /// Transactions in the pool, pending and sealing.
    pub fn len(&self) -> usize {
        self.inner.read().entries.len()
    }

    /// Whether the pool holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.inner.read().entries.is_empty()
    }

    /// Transactions pending (not sealing).
    pub fn pending_len(&self) -> usize {
        self.inner.read().queue.len()
    }

    /// Transactions handed out by [`TxPool::take_for_block`] and not yet removed or
    /// released.
    pub fn sealing_len(&self) -> usize {
        self.inner.read().sealing.len()
    }

    /// Encoded bytes of the transactions in the pool.
    pub fn bytes(&self) -> usize {
        self.inner.read().bytes
    }

    /// A transaction in the pool, pending or sealing.
    pub fn get(&self, hash: &B256) -> Option<VerifiedTx> {
        self.inner.read().entries.get(hash).map(|e| e.tx.clone())
    }

    /// Whether a transaction is in the pool, pending or sealing.
    pub fn contains(&self, hash: &B256) -> bool {
        self.inner.read().entries.contains_key(hash)
    }

    /// The next Ethereum nonce of `address` counting its pending transactions (what
    /// `eth_getTransactionCount(address, "pending")` answers).
    pub fn pending_nonce(&self, address: &Address, chain: &dyn ChainView) -> u64 {
        let account = chain.account_nonce(address);
        self.inner.read().next_eth_nonce(address, account)
    }

    /// A counter that grows by one on every admission, for a sealer that waits for work.
    pub fn admitted_total(&self) -> u64 {
        self.admitted.load(Ordering::Relaxed)
    }

    /// When the oldest pending (not sealing) transaction was admitted.
    pub fn oldest_pending(&self) -> Option<Instant> {
        self.inner.read().by_time.first().map(|(t, _)| *t)
    }

    /// Ask the chain, verify the signature (if still needed) and fetch the sender's account
    /// nonce, outside the write lock. Work is skipped once the pool or the chain already
    /// refuses the transaction; [`TxPool::admit`] then decides, with its checks in one
    /// fixed order (doing anything skipped that it needs), so a batch gets the results of
    /// one-by-one submission.
    fn prepare(&self, mut p: Prepared, ctx: &Ctx<'_>, chain: &dyn ChainView) -> Prepared {
        if self.inner.read().entries.contains_key(&p.hash) {
            return p;
        }
        let in_chain = chain.tx_in_chain(&p.hash);
        p.in_chain = Some(in_chain);
        if in_chain {
            return p;
        }
        if let PreKey::Native { nonce, .. } = p.key {
            let in_window = chain.nonce_in_window(&nonce);
            p.in_window = Some(in_window);
            if in_window {
                return p;
            }
        }
        if self.inner.read().refuses(&p, &self.config) {
            return p;
        }
        p.body = match p.body.into_verified(ctx.suite) {
            Ok(tx) => Body::Verified(tx),
            Err(err) => Body::Invalid(err),
        };
        if let (Body::Verified(tx), PreKey::Eth { .. }) = (&p.body, p.key) {
            p.account_nonce = Some(chain.account_nonce(&tx.sender()));
        }
        p
    }

    /// The admission decision, under the write lock. Anything `prepare` skipped is done
    /// here.
    fn admit(
        &self,
        inner: &mut Inner,
        mut p: Prepared,
        chain: &dyn ChainView,
        now: Instant,
    ) -> Result<B256, TxRejection> {
        inner.check(&mut p, chain, &self.config)?;
        let tx = p
            .body
            .into_verified(chain.suite())
            .map_err(TxRejection::InvalidSignature)?;
        let key = match p.key {
            PreKey::Native { nonce, block_limit } => Key::Native { nonce, block_limit },
            PreKey::Eth { nonce } => {
                let sender = tx.sender();
                let account = match p.account_nonce {
                    Some(n) => n,
                    None => chain.account_nonce(&sender),
                };
                let mut expected = inner.next_eth_nonce(&sender, account);
                if nonce > expected && p.account_nonce.is_some() {
                    // The account nonce was read before the lock. A block committed since
                    // then moved it and took the sender's pending transactions out of the
                    // pool, so the stale nonce would refuse the sender's next transaction
                    // as a gap. Read it again, now in step with the pool.
                    expected = inner.next_eth_nonce(&sender, chain.account_nonce(&sender));
                }
                let pending = inner
                    .senders
                    .get(&sender)
                    .is_some_and(|by_nonce| by_nonce.contains_key(&nonce));
                if nonce < expected || pending {
                    return Err(TxRejection::NonceTooLow {
                        expected,
                        got: nonce,
                    });
                }
                // EIP-2681: an account nonce never reaches 2^64 - 1.
                if nonce > expected || nonce == u64::MAX {
                    return Err(TxRejection::NonceTooHigh {
                        expected,
                        got: nonce,
                    });
                }
                Key::Eth { sender, nonce }
            }
        };
        let hash = p.hash;
        inner.insert(tx, p.len, key, now);
        self.admitted.fetch_add(1, Ordering::Relaxed);
        Ok(hash)
    }
}

/// What one admission call reads from the chain once.
struct Ctx<'a> {
    chain_id: u64,
    group_id: &'a str,
    height: u64,
    window: u64,
    suite: &'static dyn CryptoSuite,
    limits: &'a DecodeLimits,
}

impl<'a> Ctx<'a> {
    fn new(chain: &'a dyn ChainView, limits: &'a DecodeLimits) -> Self {
        Ctx {
            chain_id: chain.chain_id(),
            group_id: chain.group_id(),
            height: chain.height(),
            window: chain.block_limit_window(),
            suite: chain.suite(),
            limits,
        }
    }

    /// The checks that need neither the pool nor the signature.
    fn check_stateless(&self, tx: &Transaction) -> Result<PreKey, TxRejection> {
        match tx {
            Transaction::Native(signed) => {
                let tx = &signed.tx;
                if tx.chain_id != self.chain_id {
                    return Err(TxRejection::InvalidChainId {
                        expected: self.chain_id,
                        got: tx.chain_id,
                    });
                }
                if tx.group_id != self.group_id {
                    return Err(TxRejection::InvalidGroupId {
                        expected: self.group_id.to_owned(),
                        got: tx.group_id.clone(),
                    });
                }
                let max_block_limit = self.height.saturating_add(self.window);
                if tx.block_limit <= self.height {
                    return Err(TxRejection::BlockLimitExpired {
                        block_limit: tx.block_limit,
                        height: self.height,
                        max_block_limit,
                    });
                }
                if tx.block_limit > max_block_limit {
                    return Err(TxRejection::BlockLimitTooFar {
                        block_limit: tx.block_limit,
                        height: self.height,
                        max_block_limit,
                    });
                }
                Ok(PreKey::Native {
                    nonce: tx.nonce,
                    block_limit: tx.block_limit,
                })
            }
            Transaction::Ethereum(eth) => match eth.chain_id() {
                None => Err(TxRejection::MissingChainId {
                    expected: self.chain_id,
                }),
                Some(got) if got != self.chain_id => Err(TxRejection::InvalidChainId {
                    expected: self.chain_id,
                    got,
                }),
                Some(_) => Ok(PreKey::Eth { nonce: eth.nonce() }),
            },
        }
    }
}

/// A transaction on its way in, with what is known about it so far.
struct Prepared {
    body: Body,
    hash: B256,
    len: usize,
    key: PreKey,
    in_chain: Option<bool>,
    in_window: Option<bool>,
    account_nonce: Option<u64>,
}

enum Body {
    Unverified(Transaction),
    Verified(VerifiedTx),
    Invalid(TxError),
}

#[derive(Clone, Copy)]
enum PreKey {
    Native { nonce: U256, block_limit: u64 },
    Eth { nonce: u64 },
}

impl Prepared {
    fn decode(raw: &[u8], ctx: &Ctx<'_>) -> Result<Self, TxRejection> {
        let tx = Transaction::decode(raw, ctx.limits).map_err(TxRejection::Malformed)?;
        let key = ctx.check_stateless(&tx)?;
        Ok(Prepared {
            hash: tx.hash(ctx.suite),
            body: Body::Unverified(tx),
            len: raw.len(),
            key,
            in_chain: None,
            in_window: None,
            account_nonce: None,
        })
    }

    fn verified(tx: VerifiedTx, len: usize, ctx: &Ctx<'_>) -> Result<Self, TxRejection> {
        if len > ctx.limits.max_tx_bytes {
            return Err(TxRejection::Malformed(DecodeError::TooLarge {
                what: "transaction",
                size: len,
                limit: ctx.limits.max_tx_bytes,
            }));
        }
        let key = ctx.check_stateless(tx.tx())?;
        Ok(Prepared {
            hash: tx.hash(),
            body: Body::Verified(tx),
            len,
            key,
            in_chain: None,
            in_window: None,
            account_nonce: None,
        })
    }
}

impl Body {
    /// The verified transaction, checking the signature if that is not done yet.
    fn into_verified(self, suite: &dyn CryptoSuite) -> Result<VerifiedTx, TxError> {
        match self {
            Body::Unverified(tx) => tx.verify(suite),
            Body::Verified(tx) => Ok(tx),
            Body::Invalid(err) => Err(err),
        }
    }
}

/// How a pooled transaction is indexed.
#[derive(Debug, Clone, Copy)]
enum Key {
    Native { nonce: U256, block_limit: u64 },
    Eth { sender: Address, nonce: u64 },
}

struct Entry {
    tx: VerifiedTx,
    len: usize,
    admitted: Instant,
    seq: u64,
    sealing: bool,
    key: Key,
}

/// The pool's state. `queue` holds pending transactions, `sealing` the ones handed out;
/// `by_time` and `by_limit` index the pending ones only.
#[derive(Default)]
struct Inner {
    next_seq: u64,
    entries: HashMap<B256, Entry>,
    queue: BTreeMap<u64, B256>,
    sealing: BTreeMap<u64, B256>,
    by_time: BTreeSet<(Instant, u64)>,
    by_limit: BTreeSet<(u64, u64)>,
    native_nonces: HashMap<U256, B256>,
    senders: HashMap<Address, BTreeMap<u64, B256>>,
    bytes: usize,
}

impl Inner {
    /// The pool-side checks, in their fixed order; chain answers are asked once and kept.
    fn check(
        &self,
        p: &mut Prepared,
        chain: &dyn ChainView,
        config: &TxPoolConfig,
    ) -> Result<(), TxRejection> {
        if self.entries.contains_key(&p.hash) {
            return Err(TxRejection::AlreadyInTxPool { hash: p.hash });
        }
        if *p.in_chain.get_or_insert_with(|| chain.tx_in_chain(&p.hash)) {
            return Err(TxRejection::TxAlreadyInChain { hash: p.hash });
        }
        if let PreKey::Native { nonce, .. } = p.key {
            if self.native_nonces.contains_key(&nonce) {
                return Err(TxRejection::DuplicateNonce {
                    nonce,
                    committed: false,
                });
            }
            if *p
                .in_window
                .get_or_insert_with(|| chain.nonce_in_window(&nonce))
            {
                return Err(TxRejection::DuplicateNonce {
                    nonce,
                    committed: true,
                });
            }
        }
        if self.entries.len() >= config.max_txs {
            return Err(TxRejection::TxPoolIsFull {
                max_txs: config.max_txs,
            });
        }
        if self.bytes.saturating_add(p.len) > config.max_bytes {
            return Err(TxRejection::TxPoolBytesFull {
                tx_bytes: p.len,
                pool_bytes: self.bytes,
                max_bytes: config.max_bytes,
            });
        }
        Ok(())
    }

    /// Whether the pool alone (no chain lookups) already refuses `p`.
    fn refuses(&self, p: &Prepared, config: &TxPoolConfig) -> bool {
        self.entries.contains_key(&p.hash)
            || matches!(p.key, PreKey::Native { nonce, .. } if self.native_nonces.contains_key(&nonce))
            || self.entries.len() >= config.max_txs
            || self.bytes.saturating_add(p.len) > config.max_bytes
    }

    /// The next Ethereum nonce `sender` may use, given its account nonce.
    fn next_eth_nonce(&self, sender: &Address, account: u64) -> u64 {
        match self
            .senders
            .get(sender)
            .and_then(|by_nonce| by_nonce.last_key_value())
        {
            Some((last, _)) => account.max(last.saturating_add(1)),
            None => account,
        }
    }

    fn insert(&mut self, tx: VerifiedTx, len: usize, key: Key, now: Instant) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let hash = tx.hash();
        self.queue.insert(seq, hash);
        self.by_time.insert((now, seq));
        match key {
            Key::Native { nonce, block_limit } => {
                self.by_limit.insert((block_limit, seq));
                self.native_nonces.insert(nonce, hash);
            }
            Key::Eth { sender, nonce } => {
                self.senders.entry(sender).or_default().insert(nonce, hash);
            }
        }
        self.bytes += len;
        self.entries.insert(
            hash,
            Entry {
                tx,
                len,
                admitted: now,
                seq,
                sealing: false,
                key,
            },
        );
    }

    /// Remove one transaction from every index. Returns whether it was there.
    fn remove(&mut self, hash: &B256) -> bool {
        let Some(entry) = self.entries.remove(hash) else {
            return false;
        };
        if entry.sealing {
            self.sealing.remove(&entry.seq);
        } else {
            self.queue.remove(&entry.seq);
            self.by_time.remove(&(entry.admitted, entry.seq));
        }
        match entry.key {
            Key::Native { nonce, block_limit } => {
                self.by_limit.remove(&(block_limit, entry.seq));
                if self.native_nonces.get(&nonce) == Some(hash) {
                    self.native_nonces.remove(&nonce);
                }
            }
            Key::Eth { sender, nonce } => {
                if let Some(by_nonce) = self.senders.get_mut(&sender) {
                    if by_nonce.get(&nonce) == Some(hash) {
                        by_nonce.remove(&nonce);
                    }
                    if by_nonce.is_empty() {
                        self.senders.remove(&sender);
                    }
                }
            }
        }
        self.bytes -= entry.len;
        true
    }

    /// Remove a transaction and, for an Ethereum one, the later ones of its sender.
    fn remove_cascading(&mut self, hash: &B256) {
        let key = self.entries.get(hash).map(|e| e.key);
        self.remove(hash);
        if let Some(Key::Eth { sender, nonce }) = key {
            let later: Vec<B256> = self
                .senders
                .get(&sender)
                .map(|by_nonce| by_nonce.range(nonce..).map(|(_, h)| *h).collect())
                .unwrap_or_default();
            for hash in &later {
                self.remove(hash);
            }
        }
    }

    /// Remove `sender`'s transactions with nonces below `account`.
    fn remove_eth_below(&mut self, sender: &Address, account: u64) {
        let stale: Vec<B256> = self
            .senders
            .get(sender)
            .map(|by_nonce| by_nonce.range(..account).map(|(_, h)| *h).collect())
            .unwrap_or_default();
        for hash in &stale {
            self.remove(hash);
        }
    }

    /// Move a pending transaction to the sealing set; returns a copy of it.
    fn mark_sealing(&mut self, seq: u64, hash: &B256) -> Option<VerifiedTx> {
        let entry = self.entries.get_mut(hash)?;
        if entry.sealing {
            return None;
        }
        entry.sealing = true;
        self.queue.remove(&seq);
        self.by_time.remove(&(entry.admitted, seq));
        if let Key::Native { block_limit, .. } = entry.key {
            self.by_limit.remove(&(block_limit, seq));
        }
        self.sealing.insert(seq, *hash);
        Some(entry.tx.clone())
    }

    fn release_sealing(&mut self) {
        let sealing = std::mem::take(&mut self.sealing);
        for (seq, hash) in sealing {
            let Some(entry) = self.entries.get_mut(&hash) else {
                continue;
            };
            entry.sealing = false;
            self.queue.insert(seq, hash);
            self.by_time.insert((entry.admitted, seq));
            if let Key::Native { block_limit, .. } = entry.key {
                self.by_limit.insert((block_limit, seq));
            }
        }
    }
}

/// `f` over `items` on all cores (scoped threads, contiguous chunks), results in order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    // Below this many items per thread, starting threads costs more than it saves (a
    // signature check is tens of microseconds; spawning and joining a thread is similar).
    const MIN_PER_THREAD: usize = 32;
    // `available_parallelism` reads cgroup files on every call: ask once.
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let threads = cores.min(items.len() / MIN_PER_THREAD);
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let mut chunks = items.chunks(chunk);
        let first = chunks.next();
        let handles: Vec<_> = chunks
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = first
            .map(|part| part.iter().map(f).collect())
            .unwrap_or_default();
        out.reserve(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use alloy_consensus::{Signed, TxEip1559, TxEnvelope};
    use proptest::prelude::*;
    use weft_crypto::SuiteId;
    use weft_types::{Bytes, EthTx, NativeTx, SignedNativeTx, TxKind};

    use super::*;

    impl Inner {
        /// Every index agrees with `entries`.
        fn check_invariants(&self) {
            assert_eq!(self.entries.len(), self.queue.len() + self.sealing.len());
            assert_eq!(self.by_time.len(), self.queue.len());
            let mut natives_pending = 0;
            let mut natives = 0;
            let mut eths = 0;
            let mut bytes = 0;
            for (hash, e) in &self.entries {
                bytes += e.len;
                if e.sealing {
                    assert_eq!(self.sealing.get(&e.seq), Some(hash));
                } else {
                    assert_eq!(self.queue.get(&e.seq), Some(hash));
                    assert!(self.by_time.contains(&(e.admitted, e.seq)));
                }
                match e.key {
                    Key::Native { nonce, block_limit } => {
                        natives += 1;
                        assert_eq!(self.native_nonces.get(&nonce), Some(hash));
                        assert_eq!(self.by_limit.contains(&(block_limit, e.seq)), !e.sealing);
                        natives_pending += usize::from(!e.sealing);
                    }
                    Key::Eth { sender, nonce } => {
                        eths += 1;
                        assert_eq!(self.senders[&sender].get(&nonce), Some(hash));
                    }
                }
            }
            assert_eq!(self.bytes, bytes);
            assert_eq!(self.native_nonces.len(), natives);
            assert_eq!(self.by_limit.len(), natives_pending);
            assert_eq!(
                self.senders.values().map(BTreeMap::len).sum::<usize>(),
                eths
            );
            assert!(self.senders.values().all(|m| !m.is_empty()));
        }
    }

    #[derive(Default)]
    struct State {
        height: u64,
        nonces: HashSet<U256>,
        hashes: HashSet<B256>,
        accounts: HashMap<Address, u64>,
    }

    struct Chain(Mutex<State>);

    impl ChainView for Chain {
        fn chain_id(&self) -> u64 {
            1
        }
        fn group_id(&self) -> &str {
            "g"
        }
        fn suite(&self) -> &'static dyn CryptoSuite {
            SuiteId::Standard.suite()
        }
        fn height(&self) -> u64 {
            self.0.lock().unwrap().height
        }
        fn block_limit_window(&self) -> u64 {
            10
        }
        fn nonce_in_window(&self, nonce: &U256) -> bool {
            self.0.lock().unwrap().nonces.contains(nonce)
        }
        fn tx_in_chain(&self, hash: &B256) -> bool {
            self.0.lock().unwrap().hashes.contains(hash)
        }
        fn account_nonce(&self, address: &Address) -> u64 {
            self.0
                .lock()
                .unwrap()
                .accounts
                .get(address)
                .copied()
                .unwrap_or(0)
        }
    }

    /// A chain whose first answer about an account nonce is from before a block that
    /// commits while the pool admits a transaction (between its unlocked read and its
    /// decision).
    struct CommitsMidway {
        chain: Chain,
        stale: std::sync::atomic::AtomicBool,
    }

    impl ChainView for CommitsMidway {
        fn chain_id(&self) -> u64 {
            self.chain.chain_id()
        }
        fn group_id(&self) -> &str {
            self.chain.group_id()
        }
        fn suite(&self) -> &'static dyn CryptoSuite {
            self.chain.suite()
        }
        fn height(&self) -> u64 {
            self.chain.height()
        }
        fn block_limit_window(&self) -> u64 {
            self.chain.block_limit_window()
        }
        fn nonce_in_window(&self, nonce: &U256) -> bool {
            self.chain.nonce_in_window(nonce)
        }
        fn tx_in_chain(&self, hash: &B256) -> bool {
            self.chain.tx_in_chain(hash)
        }
        fn account_nonce(&self, address: &Address) -> u64 {
            let now = self.chain.account_nonce(address);
            if self.stale.swap(false, Ordering::SeqCst) {
                now - 1
            } else {
                now
            }
        }
    }

    #[test]
    fn a_block_committed_during_admission_does_not_refuse_the_next_nonce() {
        let chain = Chain(Mutex::new(State::default()));
        let pool = TxPool::new(TxPoolConfig::default());
        let now = Instant::now();
        let first = eth(0, 0, 0);
        let sender = first.sender();
        pool.submit_verified(first.clone(), 150, &chain, now)
            .unwrap();
        // The block with nonce 0 commits: the account moves to 1, the pool empties.
        chain.0.lock().unwrap().accounts.insert(sender, 1);
        pool.remove_committed(&[first.hash()], &chain);
        // Nonce 1 was being admitted meanwhile, with the account nonce read before.
        let midway = CommitsMidway {
            chain,
            stale: std::sync::atomic::AtomicBool::new(true),
        };
        let second = eth(0, 1, 0);
        assert_eq!(
            pool.submit_verified(second.clone(), 150, &midway, now),
            Ok(second.hash())
        );
    }

    /// An unsigned native transaction, "verified" for the test.
    fn native(nonce: u8, block_limit: u64, salt: u64) -> VerifiedTx {
        let tx = Transaction::Native(SignedNativeTx {
            tx: NativeTx {
                chain_id: 1,
                group_id: "g".into(),
                block_limit,
                nonce: U256::from(nonce),
                to: TxKind::Create,
                value: U256::ZERO,
                gas_limit: salt,
                input: Bytes::new(),
                abi: String::new(),
            },
            signature: Bytes::new(),
        });
        let hash = tx.hash(SuiteId::Standard.suite());
        VerifiedTx::from_committed(tx, hash, Address::ZERO)
    }

    /// An Ethereum transaction with a dummy signature, "verified" for the test.
    fn eth(sender: u8, nonce: u64, salt: u64) -> VerifiedTx {
        let body = TxEip1559 {
            chain_id: 1,
            nonce,
            gas_limit: salt,
            ..TxEip1559::default()
        };
        let sig = alloy_primitives::Signature::new(U256::from(1), U256::from(1), false);
        let envelope = TxEnvelope::from(Signed::new_unhashed(body, sig));
        let tx = Transaction::Ethereum(EthTx::from_envelope(envelope).unwrap());
        let hash = tx.hash(SuiteId::Standard.suite());
        VerifiedTx::from_committed(tx, hash, Address::repeat_byte(sender + 1))
    }

    #[derive(Debug, Clone)]
    enum Op {
        Native { nonce: u8, ahead: u64, salt: u64 },
        Eth { sender: u8, nonce: u64, salt: u64 },
        Take(usize),
        Release,
        Commit,
        ForeignNative(u8),
        ForeignEth(u8),
        Expire { secs: u64, blocks: u64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..20, 0u64..12, 0u64..3).prop_map(|(nonce, ahead, salt)| Op::Native { nonce, ahead, salt }),
            4 => (0u8..3, 0u64..6, 0u64..2).prop_map(|(sender, nonce, salt)| Op::Eth { sender, nonce, salt }),
            2 => (0usize..5).prop_map(Op::Take),
            1 => Just(Op::Release),
            2 => Just(Op::Commit),
            1 => (0u8..20).prop_map(Op::ForeignNative),
            1 => (0u8..3).prop_map(Op::ForeignEth),
            1 => (0u64..4, 0u64..3).prop_map(|(secs, blocks)| Op::Expire { secs, blocks }),
        ]
    }

    proptest! {
        #[test]
        fn indexes_stay_consistent_under_any_sequence(ops in proptest::collection::vec(op(), 1..60)) {
            let chain = Chain(Mutex::new(State { height: 5, ..State::default() }));
            let pool = TxPool::new(TxPoolConfig {
                max_txs: 12,
                max_bytes: 12 * 200,
                expiry: Duration::from_secs(5),
                limits: DecodeLimits::DEFAULT,
            });
            let t0 = Instant::now();
            let mut clock = 0u64;
            for op in ops {
                let now = t0 + Duration::from_secs(clock);
                match op {
                    Op::Native { nonce, ahead, salt } => {
                        let height = chain.height();
                        let _ = pool.submit_verified(native(nonce, height + ahead, salt), 150, &chain, now);
                    }
                    Op::Eth { sender, nonce, salt } => {
                        let _ = pool.submit_verified(eth(sender, nonce, salt), 150, &chain, now);
                    }
                    Op::Take(max) => {
                        let taken = pool.take_for_block(max, &chain);
                        prop_assert!(taken.len() <= max);
                    }
                    Op::Release => pool.release_sealing(),
                    Op::Commit => {
                        let sealing: Vec<VerifiedTx> = {
                            let inner = pool.inner.read();
                            inner.sealing.values().map(|h| inner.entries[h].tx.clone()).collect()
                        };
                        {
                            let mut state = chain.0.lock().unwrap();
                            state.height += 1;
                            for tx in &sealing {
                                state.hashes.insert(tx.hash());
                                match tx.tx() {
                                    Transaction::Native(s) => { state.nonces.insert(s.tx.nonce); }
                                    Transaction::Ethereum(e) => {
                                        let a = state.accounts.entry(tx.sender()).or_default();
                                        *a = (*a).max(e.nonce() + 1);
                                    }
                                }
                            }
                        }
                        let hashes: Vec<B256> = sealing.iter().map(VerifiedTx::hash).collect();
                        pool.remove_committed(&hashes, &chain);
                        for h in &hashes {
                            prop_assert!(!pool.contains(h));
                        }
                        prop_assert_eq!(pool.sealing_len(), 0);
                    }
                    Op::ForeignNative(nonce) => {
                        let mut state = chain.0.lock().unwrap();
                        state.nonces.insert(U256::from(nonce));
                        state.height += 1;
                    }
                    Op::ForeignEth(sender) => {
                        let mut state = chain.0.lock().unwrap();
                        *state.accounts.entry(Address::repeat_byte(sender + 1)).or_default() += 1;
                    }
                    Op::Expire { secs, blocks } => {
                        clock += secs;
                        chain.0.lock().unwrap().height += blocks;
                        let before = pool.len();
                        let dropped = pool.expire(t0 + Duration::from_secs(clock), &chain);
                        prop_assert_eq!(pool.len(), before - dropped);
                    }
                }
                pool.inner.read().check_invariants();
                prop_assert!(pool.len() <= 12);
                // No two pending native transactions share a nonce; pending Ethereum
                // nonces of a sender are distinct by construction of the map.
                let inner = pool.inner.read();
                for (sender, by_nonce) in &inner.senders {
                    let account = chain.account_nonce(sender);
                    prop_assert_eq!(inner.next_eth_nonce(sender, account), pool_next(by_nonce, account));
                }
            }
        }
    }

    fn pool_next(by_nonce: &BTreeMap<u64, B256>, account: u64) -> u64 {
        by_nonce
            .keys()
            .map(|n| n + 1)
            .max()
            .unwrap_or(0)
            .max(account)
    }
}
