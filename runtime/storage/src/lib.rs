//! Weft's storage interface: named tables of ordered byte keys, snapshots and atomic
//! write batches.
//!
//! ```text
//!   ledger ──reads──▶ Storage::get / iter ─────────┐
//!          ──reads──▶ Storage::snapshot ─▶ ReadView ├─▶ backend (RocksDB | memory | …)
//!          ──writes─▶ Storage::commit(WriteBatch) ─┘    one batch per block, all or nothing
//! ```
//!
//! Every backend implements [`Storage`]; the [`memory`] backend lives here, the RocksDB
//! backend in `weft-storage-rocksdb` (the only crate that imports `rocksdb`). The
//! [`conformance`] module (feature `conformance`) is one test suite every backend runs.
//!
//! This crate must not depend on any backend, nor on the ledger's types: it moves bytes.
//!
//! ## Room for a scale-out tier
//!
//! A [`WriteBatch`] is a plain owned value — the complete set of one block's writes — so a
//! distributed backend (an existing engine such as TiKV, driven the way FISCO BCOS Max
//! drives it) can ship it to several executors and run a prepare/commit round before
//! [`Storage::commit`] returns. Nothing in the interface assumes a local disk.

#![warn(missing_docs)]

pub mod memory;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::ops::Bound;

/// A table's name. Tables are declared when a store is opened; using an undeclared
/// table is an error, never a silent creation.
pub type TableName = &'static str;

/// An owned key–value pair returned by iteration.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// An iterator over key–value pairs in key order (or reverse key order).
pub type KvIter<'a> = Box<dyn Iterator<Item = Result<KeyValue, StorageError>> + 'a>;

/// Errors a storage backend reports. All of them are fatal for the operation that met
/// them: the caller must not assume any part of a failed commit was applied.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The table was not declared when the store was opened.
    #[error("unknown table `{0}`: it was not declared when the store was opened")]
    UnknownTable(String),
    /// The backend failed (I/O error, corruption, …).
    #[error("storage backend error: {0}")]
    Backend(String),
    /// The store could not be opened.
    #[error("cannot open storage at {path}: {reason}")]
    Open {
        /// Where the store was to be opened.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// Which way an iteration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Reverse,
}

/// A key range for iteration. `Bound`s compare keys as byte strings.
#[derive(Debug, Clone)]
pub struct KeyRange {
    /// The lower bound.
    pub start: Bound<Vec<u8>>,
    /// The upper bound.
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key in the table.
    pub fn all() -> Self {
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        let end = match prefix_successor(prefix) {
            Some(next) => Bound::Excluded(next),
            None => Bound::Unbounded,
        };
        KeyRange {
            start: Bound::Included(prefix.to_vec()),
            end,
        }
    }

    /// Keys in `[start, end)`.
    pub fn between(start: &[u8], end: &[u8]) -> Self {
        KeyRange {
            start: Bound::Included(start.to_vec()),
            end: Bound::Excluded(end.to_vec()),
        }
    }

    /// Keys `<= end` (useful with [`Direction::Reverse`] to find the greatest key at or
    /// below a bound).
    pub fn up_to(end: &[u8]) -> Self {
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Included(end.to_vec()),
        }
    }

    /// Whether `key` lies inside the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let above_start = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let below_end = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        above_start && below_end
    }

    /// The range as a half-open interval `[lower, upper)` (a `None` side is unbounded).
    ///
    /// Exact for byte strings: the smallest key greater than `k` is `k ++ [0]`, so an
    /// excluded start `k` becomes the included lower bound `k ++ [0]` and an included end
    /// `k` the excluded upper bound `k ++ [0]`. Backends whose native ranges are half-open
    /// (RocksDB's iterate bounds) use this to honour every [`Bound`] kind.
    pub fn to_half_open(&self) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let lower = match &self.start {
            Bound::Included(s) => Some(s.clone()),
            Bound::Excluded(s) => Some(immediate_successor(s)),
            Bound::Unbounded => None,
        };
        let upper = match &self.end {
            Bound::Included(e) => Some(immediate_successor(e)),
            Bound::Excluded(e) => Some(e.clone()),
            Bound::Unbounded => None,
        };
        (lower, upper)
    }

    /// Whether no key can lie in the range (e.g. its start is above its end).
    pub fn is_empty(&self) -> bool {
        match self.to_half_open() {
            (Some(lower), Some(upper)) => lower >= upper,
            _ => false,
        }
    }
}

/// `key ++ [0]`: the smallest byte string greater than `key`.
fn immediate_successor(key: &[u8]) -> Vec<u8> {
    let mut next = Vec::with_capacity(key.len() + 1);
    next.extend_from_slice(key);
    next.push(0);
    next
}

/// The smallest byte string greater than every string that starts with `prefix`, or
/// `None` when there is none (the prefix is empty or all `0xff`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < 0xff {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

/// One write inside a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Set `key` to `value`.
    Put {
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Vec<u8>,
    },
    /// Remove `key` (a no-op when it is absent).
    Delete {
        /// The key.
        key: Vec<u8>,
    },
}

/// A set of writes applied atomically by [`Storage::commit`]: after a crash either all of
/// them are present or none is. Later writes to the same key win.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<(TableName, WriteOp)>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set `key` to `value` in `table`.
    pub fn put(&mut self, table: TableName, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push((
            table,
            WriteOp::Put {
                key: key.into(),
                value: value.into(),
            },
        ));
    }

    /// Remove `key` from `table`.
    pub fn delete(&mut self, table: TableName, key: impl Into<Vec<u8>>) {
        self.ops.push((table, WriteOp::Delete { key: key.into() }));
    }

    /// The writes, in the order they were added.
    pub fn ops(&self) -> &[(TableName, WriteOp)] {
        &self.ops
    }

    /// How many writes the batch holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the batch holds no write.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Append every write of `other` after this batch's own.
    pub fn extend(&mut self, other: WriteBatch) {
        self.ops.extend(other.ops);
    }
}

/// Read access to a consistent view of the store.
pub trait ReadView: Send + Sync {
    /// The value of `key` in `table`, if any.
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// The pairs of `table` whose keys lie in `range`, in `direction` order.
    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError>;

    /// The pairs whose keys start with `prefix`, in ascending order.
    fn scan_prefix(&self, table: TableName, prefix: &[u8]) -> Result<KvIter<'_>, StorageError> {
        self.iter(table, KeyRange::prefix(prefix), Direction::Forward)
    }

    /// The pair with the greatest key `<= key` that still starts with `prefix`.
    fn seek_at_or_before(
        &self,
        table: TableName,
        prefix: &[u8],
        key: &[u8],
    ) -> Result<Option<KeyValue>, StorageError> {
        // Capping the end at the prefix's successor keeps a `key` beyond the prefix from
        // landing on a neighbouring key that merely sorts below it.
        let end = match prefix_successor(prefix) {
            Some(next) if key >= next.as_slice() => Bound::Excluded(next),
            _ => Bound::Included(key.to_vec()),
        };
        let range = KeyRange {
            start: Bound::Included(prefix.to_vec()),
            end,
        };
        self.iter(table, range, Direction::Reverse)?
            .next()
            .transpose()
    }
}

/// A key–value store of named tables with snapshots and atomic, durable batches.
pub trait Storage: ReadView + 'static {
    /// A frozen view of the store as it was when [`Storage::snapshot`] was called; later
    /// commits do not show through it.
    type Snapshot: ReadView + 'static;

    /// Take a snapshot of the current state.
    fn snapshot(&self) -> Self::Snapshot;

    /// Apply `batch` atomically. For a durable backend the batch is on disk (its log
    /// synced) when this returns `Ok`.
    fn commit(&self, batch: WriteBatch) -> Result<(), StorageError>;
}
