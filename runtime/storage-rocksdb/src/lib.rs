//! Weft's embedded storage backend: [`weft_storage::Storage`] on RocksDB.
//!
//! Each declared table is a RocksDB column family; a [`WriteBatch`] becomes one RocksDB
//! write batch written with a synced WAL, so a commit is atomic and durable when it
//! returns, and a crash leaves every batch either whole or absent. Snapshots are RocksDB
//! snapshots, owned so they can outlive the borrow of the store that made them.
//!
//! This is the only crate in the workspace that imports `rocksdb`. It must not depend on
//! the ledger, its types, or anything above `weft-storage`: it moves bytes between the
//! storage interface and the engine. By default it links the system RocksDB library
//! (see `.cargo/config.toml`); the `bundled` feature builds RocksDB from source.

#![warn(missing_docs)]

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType,
    DBRawIteratorWithThreadMode, Options, ReadOptions, SnapshotWithThreadMode, WriteOptions, DB,
};
use weft_storage::{
    Direction, KeyRange, KeyValue, KvIter, ReadView, Storage, StorageError, TableName, WriteBatch,
    WriteOp,
};

/// Shared LRU block cache for all tables of one store.
const BLOCK_CACHE_BYTES: usize = 128 << 20;
/// Bloom filter density: ~1% false positives, so most point lookups of absent keys
/// (common when executing transactions) skip the data block entirely.
const BLOOM_BITS_PER_KEY: f64 = 10.0;
/// Sync SST/WAL writes incrementally so a flush or compaction never stalls on one
/// huge fsync.
const BYTES_PER_SYNC: u64 = 1 << 20;
/// Bounded so a large store does not exhaust the process's file descriptors.
const MAX_OPEN_FILES: i32 = 512;

/// What a store knows beyond the engine handle: shared by the store and its snapshots.
#[derive(Debug)]
struct Meta {
    path: PathBuf,
    tables: BTreeSet<TableName>,
}

impl Meta {
    fn backend_error(&self, what: &str, err: impl fmt::Display) -> StorageError {
        StorageError::Backend(format!("RocksDB at {}: {what}: {err}", self.path.display()))
    }

    /// The column family of a declared table. An undeclared table is an error even when
    /// an earlier open created a column family of that name.
    fn cf<'db>(&self, db: &'db DB, table: TableName) -> Result<&'db ColumnFamily, StorageError> {
        if !self.tables.contains(table) {
            return Err(StorageError::UnknownTable(table.to_owned()));
        }
        db.cf_handle(table)
            .ok_or_else(|| self.backend_error("missing column family", table))
    }
}

/// A [`Storage`] on a RocksDB database, one column family per table.
pub struct RocksStorage {
    db: Arc<DB>,
    meta: Arc<Meta>,
}

impl fmt::Debug for RocksStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RocksStorage")
            .field("path", &self.meta.path)
            .field("tables", &self.meta.tables)
            .finish_non_exhaustive()
    }
}

impl RocksStorage {
    /// Open the database at `path` with the given tables, creating the database and any
    /// missing table. Column families left by an earlier open that are not in `tables`
    /// are opened too (RocksDB requires it) but stay inaccessible.
    pub fn open(path: &Path, tables: &[TableName]) -> Result<Self, StorageError> {
        let open_error = |reason: String| StorageError::Open {
            path: path.display().to_string(),
            reason,
        };
        if let Some(bad) = tables.iter().find(|t| t.contains('\0')) {
            // The rocksdb crate panics on a column family name with an interior NUL.
            return Err(open_error(format!(
                "table name {bad:?} contains a NUL byte"
            )));
        }
        let declared: BTreeSet<TableName> = tables.iter().copied().collect();
        let existing = existing_column_families(path).map_err(open_error)?;

        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        let open_with = |compression: Option<DBCompressionType>| {
            let cf_opts = table_options(&cache, compression);
            let mut names: BTreeSet<String> = existing.iter().cloned().collect();
            names.extend(declared.iter().map(|t| (*t).to_owned()));
            // RocksDB always has a `default` family; name it so it gets our options
            // rather than the rocksdb crate's stock ones.
            names.insert(rocksdb::DEFAULT_COLUMN_FAMILY_NAME.to_owned());
            let descriptors = names
                .into_iter()
                .map(|name| ColumnFamilyDescriptor::new(name, cf_opts.clone()));
            DB::open_cf_descriptors(&db_options(compression), path, descriptors)
        };
        let db = match open_with(Some(DBCompressionType::Lz4)) {
            Ok(db) => db,
            // A RocksDB built without LZ4 refuses the option; uncompressed is still correct.
            Err(e) if e.as_ref().contains("not linked with the binary") => {
                open_with(None).map_err(|e| open_error(e.into_string()))?
            }
            Err(e) => return Err(open_error(e.into_string())),
        };
        Ok(RocksStorage {
            db: Arc::new(db),
            meta: Arc::new(Meta {
                path: path.to_owned(),
                tables: declared,
            }),
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.meta.path
    }
}

/// The column families already in the database at `path`; none when there is no
/// database yet.
fn existing_column_families(path: &Path) -> Result<Vec<String>, String> {
    match DB::list_cf(&Options::default(), path) {
        Ok(names) => Ok(names),
        // No CURRENT file means no database: `open` will create it.
        Err(_) if !path.join("CURRENT").exists() => Ok(Vec::new()),
        Err(e) => Err(format!("cannot list column families: {e}")),
    }
}

fn db_options(compression: Option<DBCompressionType>) -> Options {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    opts.set_bytes_per_sync(BYTES_PER_SYNC);
    opts.set_max_open_files(MAX_OPEN_FILES);
    if let Some(c) = compression {
        opts.set_compression_type(c);
    }
    opts
}

fn table_options(cache: &Cache, compression: Option<DBCompressionType>) -> Options {
    let mut block = BlockBasedOptions::default();
    block.set_block_cache(cache);
    block.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
    // Keep filters and indexes under the cache's budget, but never evict L0's, which
    // every read consults.
    block.set_cache_index_and_filter_blocks(true);
    block.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let mut opts = Options::default();
    opts.set_block_based_table_factory(&block);
    opts.set_level_compaction_dynamic_level_bytes(true);
    // A whole-key bloom filter in the memtable as well: most point reads under load are
    // for keys that do not exist (is this new transaction committed already?), and a
    // memtable skip-list search for an absent key costs more than the filter.
    opts.set_memtable_prefix_bloom_ratio(0.05);
    opts.set_memtable_whole_key_filtering(true);
    if let Some(c) = compression {
        opts.set_compression_type(c);
    }
    opts
}

impl ReadView for RocksStorage {
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let cf = self.meta.cf(&self.db, table)?;
        self.db
            .get_pinned_cf(cf, key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| self.meta.backend_error("get", e))
    }

    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError> {
        let cf = self.meta.cf(&self.db, table)?;
        // A live iterator reads from RocksDB's implicit snapshot taken at creation, so a
        // scan never mixes states from before and after a concurrent commit.
        Ok(range_iter(&self.meta, range, direction, |opts| {
            self.db.raw_iterator_cf_opt(cf, opts)
        }))
    }
}

impl Storage for RocksStorage {
    type Snapshot = RocksSnapshot;

    fn snapshot(&self) -> RocksSnapshot {
        let db = Arc::clone(&self.db);
        // SAFETY: the reference points into the `Arc`'s allocation, which neither moves
        // nor is freed while a clone of the `Arc` lives. `RocksSnapshot` keeps the clone
        // `db` in a field declared *after* `snapshot`, so the snapshot (whose drop
        // releases it through this reference) is dropped while the DB is still alive.
        // The `'static` is never observable: `snapshot` is private, and the only methods
        // used on it (`get_cf_opt`, `raw_iterator_cf_opt`) return values that borrow the
        // `RocksSnapshot` itself, so nothing derived from the reference outlives it.
        let db_ref: &'static DB = unsafe { &*Arc::as_ptr(&db) };
        RocksSnapshot {
            snapshot: db_ref.snapshot(),
            db,
            meta: Arc::clone(&self.meta),
        }
    }

    fn commit(&self, batch: WriteBatch) -> Result<(), StorageError> {
        // Resolve every table before building anything, so a bad batch writes nothing.
        let cfs = batch
            .ops()
            .iter()
            .map(|&(table, _)| self.meta.cf(&self.db, table))
            .collect::<Result<Vec<_>, _>>()?;
        if batch.is_empty() {
            return Ok(());
        }
        let mut rocks_batch = rocksdb::WriteBatch::default();
        for (cf, (_, op)) in cfs.into_iter().zip(batch.ops()) {
            match op {
                WriteOp::Put { key, value } => rocks_batch.put_cf(cf, key, value),
                WriteOp::Delete { key } => rocks_batch.delete_cf(cf, key),
            }
        }
        let mut opts = WriteOptions::default();
        // The WAL is fsynced before `write_opt` returns: `commit` promises durability.
        opts.set_sync(true);
        self.db
            .write_opt(rocks_batch, &opts)
            .map_err(|e| self.meta.backend_error("commit", e))
    }
}

/// A frozen view of a [`RocksStorage`], returned by [`Storage::snapshot`]. It keeps the
/// database open while it lives, even after the store handle is dropped.
pub struct RocksSnapshot {
    // Field order matters: fields drop in declaration order, and `snapshot` refers to
    // the DB owned by `db` (see the SAFETY comment in `RocksStorage::snapshot`).
    snapshot: SnapshotWithThreadMode<'static, DB>,
    db: Arc<DB>,
    meta: Arc<Meta>,
}

impl fmt::Debug for RocksSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RocksSnapshot")
            .field("path", &self.meta.path)
            .finish_non_exhaustive()
    }
}

impl ReadView for RocksSnapshot {
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let cf = self.meta.cf(&self.db, table)?;
        self.snapshot
            .get_cf_opt(cf, key, ReadOptions::default())
            .map_err(|e| self.meta.backend_error("snapshot get", e))
    }

    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError> {
        let cf = self.meta.cf(&self.db, table)?;
        Ok(range_iter(&self.meta, range, direction, |opts| {
            self.snapshot.raw_iterator_cf_opt(cf, opts)
        }))
    }
}

/// Iterate `range` in `direction` with a raw iterator made by `make` from read options
/// carrying the range's bounds.
fn range_iter<'a>(
    meta: &Arc<Meta>,
    range: KeyRange,
    direction: Direction,
    make: impl FnOnce(ReadOptions) -> DBRawIteratorWithThreadMode<'a, DB>,
) -> KvIter<'a> {
    if range.is_empty() {
        return Box::new(std::iter::empty());
    }
    // RocksDB bounds are half-open `[lower, upper)`; `to_half_open` turns every
    // Included/Excluded combination into that form exactly.
    let (lower, upper) = range.to_half_open();
    let mut opts = ReadOptions::default();
    if let Some(lower) = lower {
        opts.set_iterate_lower_bound(lower);
    }
    if let Some(upper) = upper {
        opts.set_iterate_upper_bound(upper);
    }
    let mut raw = make(opts);
    // With bounds set, seek_to_first lands on the lower bound and seek_to_last on the
    // greatest key below the upper bound.
    match direction {
        Direction::Forward => raw.seek_to_first(),
        Direction::Reverse => raw.seek_to_last(),
    }
    Box::new(RocksIter {
        raw,
        direction,
        meta: Arc::clone(meta),
        done: false,
    })
}

struct RocksIter<'a> {
    raw: DBRawIteratorWithThreadMode<'a, DB>,
    direction: Direction,
    meta: Arc<Meta>,
    done: bool,
}

impl Iterator for RocksIter<'_> {
    type Item = Result<KeyValue, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some((key, value)) = self.raw.item() {
            let pair = (key.to_vec(), value.to_vec());
            match self.direction {
                Direction::Forward => self.raw.next(),
                Direction::Reverse => self.raw.prev(),
            }
            return Some(Ok(pair));
        }
        // An invalid iterator is either exhausted or failed; only `status` tells which.
        self.done = true;
        match self.raw.status() {
            Ok(()) => None,
            Err(e) => Some(Err(self.meta.backend_error("iteration", e))),
        }
    }
}
