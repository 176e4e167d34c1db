//! The pool's view of the chain: the ledger plus a cache of the nonce window.

use std::collections::{HashMap, VecDeque};

use alloy_primitives::{Address, B256, U256};
use parking_lot::RwLock;
use weft_crypto::CryptoSuite;
use weft_executor::Executor;
use weft_ledger::{keys, Ledger, LedgerError};
use weft_storage::Storage;
use weft_txpool::ChainView;
use weft_types::BlockNumber;

/// The native nonces of the last `window` blocks, counted so that a nonce used twice in
/// the window stays known until both blocks leave it.
#[derive(Default)]
struct NonceWindow {
    blocks: VecDeque<(BlockNumber, Vec<U256>)>,
    counts: HashMap<U256, u32>,
}

impl NonceWindow {
    fn push(&mut self, number: BlockNumber, nonces: Vec<U256>) {
        for nonce in &nonces {
            *self.counts.entry(*nonce).or_default() += 1;
        }
        self.blocks.push_back((number, nonces));
    }

    /// Forget blocks at or below `oldest_excluded`.
    fn evict_through(&mut self, oldest_excluded: BlockNumber) {
        while self
            .blocks
            .front()
            .is_some_and(|(n, _)| *n <= oldest_excluded)
        {
            let Some((_, nonces)) = self.blocks.pop_front() else {
                break;
            };
            for nonce in nonces {
                if let Some(count) = self.counts.get_mut(&nonce) {
                    *count -= 1;
                    if *count == 0 {
                        self.counts.remove(&nonce);
                    }
                }
            }
        }
    }
}

/// The ledger as the transaction pool sees it.
pub struct LedgerView<'a, S: Storage> {
    ledger: &'a Ledger<S>,
    executor: &'a Executor,
    window: &'a NonceCache,
}

/// The nonce window, kept across blocks.
#[derive(Default)]
pub struct NonceCache {
    inner: RwLock<NonceWindow>,
}

impl NonceCache {
    /// Load the window ending at the ledger's head.
    pub fn load<S: Storage>(ledger: &Ledger<S>) -> Result<Self, LedgerError> {
        let head = ledger.block_number();
        let window = block_limit_window(ledger)?;
        let mut inner = NonceWindow::default();
        let first = head.saturating_sub(window.saturating_sub(1)).max(1);
        for number in first..=head {
            inner.push(number, ledger.block_nonces(number)?);
        }
        Ok(NonceCache {
            inner: RwLock::new(inner),
        })
    }

    /// Record block `number`'s nonces and drop blocks that left the window.
    pub fn on_commit(&self, number: BlockNumber, nonces: Vec<U256>, window: u64) {
        let mut inner = self.inner.write();
        inner.push(number, nonces);
        inner.evict_through(number.saturating_sub(window));
    }

    fn contains(&self, nonce: &U256) -> bool {
        self.inner.read().counts.contains_key(nonce)
    }
}

/// The replay window in force for the next block.
pub fn block_limit_window<S: Storage>(ledger: &Ledger<S>) -> Result<u64, LedgerError> {
    Ok(ledger
        .system_config_u64(keys::BLOCK_LIMIT_WINDOW, ledger.block_number() + 1)?
        .unwrap_or(1000))
}

impl<'a, S: Storage> LedgerView<'a, S> {
    /// A view over `ledger`.
    pub fn new(ledger: &'a Ledger<S>, executor: &'a Executor, window: &'a NonceCache) -> Self {
        LedgerView {
            ledger,
            executor,
            window,
        }
    }
}

impl<S: Storage> ChainView for LedgerView<'_, S> {
    fn chain_id(&self) -> u64 {
        self.ledger.genesis().chain_id
    }

    fn group_id(&self) -> &str {
        &self.ledger.genesis().group_id
    }

    fn suite(&self) -> &'static dyn CryptoSuite {
        self.ledger.suite()
    }

    fn height(&self) -> u64 {
        self.ledger.block_number()
    }

    fn block_limit_window(&self) -> u64 {
        block_limit_window(self.ledger).unwrap_or(1000)
    }

    fn nonce_in_window(&self, nonce: &U256) -> bool {
        self.window.contains(nonce)
    }

    fn tx_in_chain(&self, hash: &B256) -> bool {
        // A read failure must not admit a duplicate: treat it as present.
        self.ledger
            .transaction_location(hash)
            .map(|l| l.is_some())
            .unwrap_or(true)
    }

    fn account_nonce(&self, address: &Address) -> u64 {
        self.executor
            .account(self.ledger, address, None)
            .map(|a| a.nonce)
            .unwrap_or(u64::MAX)
    }
}
