//! Integration tests of the RocksDB backend: the conformance suite (each case in its own
//! temporary directory), persistence across reopen, and a kill -9 crash test.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod crash;
mod persistence;

use std::sync::Arc;

use tempfile::TempDir;
use weft_storage::{
    Direction, KeyRange, KvIter, ReadView, Storage, StorageError, TableName, WriteBatch,
};
use weft_storage_rocksdb::{RocksSnapshot, RocksStorage};

/// A store in a temporary directory that is removed once the store and every snapshot
/// of it are gone (the conformance cases drop the store before its snapshot).
struct TempRocks {
    store: RocksStorage,
    dir: Arc<TempDir>,
}

struct TempSnapshot {
    snapshot: RocksSnapshot,
    _dir: Arc<TempDir>,
}

impl TempRocks {
    fn new(tables: &[TableName]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store =
            RocksStorage::open(dir.path(), tables).expect("open RocksDB in a fresh directory");
        TempRocks {
            store,
            dir: Arc::new(dir),
        }
    }
}

impl ReadView for TempRocks {
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.store.get(table, key)
    }

    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError> {
        self.store.iter(table, range, direction)
    }
}

impl Storage for TempRocks {
    type Snapshot = TempSnapshot;

    fn snapshot(&self) -> TempSnapshot {
        TempSnapshot {
            snapshot: self.store.snapshot(),
            _dir: Arc::clone(&self.dir),
        }
    }

    fn commit(&self, batch: WriteBatch) -> Result<(), StorageError> {
        self.store.commit(batch)
    }
}

impl ReadView for TempSnapshot {
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.snapshot.get(table, key)
    }

    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError> {
        self.snapshot.iter(table, range, direction)
    }
}

mod conformance {
    use super::TempRocks;

    weft_storage::conformance_tests!(|tables| TempRocks::new(tables));
}
