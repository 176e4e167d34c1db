//! The in-memory backend: for tests, tools and light nodes that rebuild their state.
//!
//! Every table is an `Arc<BTreeMap>`; the set of tables is itself behind one `Arc`, so
//! a snapshot is a single reference-count increment. A commit copies on write
//! (`Arc::make_mut`): when no snapshot or iterator shares a table, it is updated in
//! place; when one does, the commit pays for a copy of each table it touches and the
//! snapshot keeps the old one. Nothing is ever durable.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::{
    Direction, KeyRange, KeyValue, KvIter, ReadView, Storage, StorageError, TableName, WriteBatch,
    WriteOp,
};

type Table = Arc<BTreeMap<Vec<u8>, Vec<u8>>>;
type Tables = HashMap<TableName, Table>;

/// An in-memory [`Storage`]: ordered maps behind a lock, with copy-on-write snapshots.
#[derive(Debug)]
pub struct MemoryStorage {
    tables: RwLock<Arc<Tables>>,
}

/// A frozen view of a [`MemoryStorage`], returned by [`Storage::snapshot`].
#[derive(Debug, Clone)]
pub struct MemorySnapshot {
    tables: Arc<Tables>,
}

impl MemoryStorage {
    /// An empty store with the given tables. Naming a table twice is harmless.
    pub fn new(tables: &[TableName]) -> Self {
        let tables = tables
            .iter()
            .map(|&name| (name, Table::default()))
            .collect();
        MemoryStorage {
            tables: RwLock::new(Arc::new(tables)),
        }
    }

    /// Clone one table's `Arc` so it can be read without holding the lock.
    fn table(&self, table: TableName) -> Result<Table, StorageError> {
        lookup(&self.tables.read(), table).cloned()
    }
}

impl ReadView for MemoryStorage {
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let tables = self.tables.read();
        Ok(lookup(&tables, table)?.get(key).cloned())
    }

    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError> {
        // The iterator owns its table's `Arc` rather than a lock guard, so a long scan
        // never blocks commits; it sees the table as it was when the scan began.
        let map = self.table(table)?;
        if range.is_empty() {
            return Ok(Box::new(std::iter::empty()));
        }
        Ok(Box::new(OwnedRangeIter {
            map,
            range,
            direction,
            last: None,
            done: false,
        }))
    }
}

impl Storage for MemoryStorage {
    type Snapshot = MemorySnapshot;

    fn snapshot(&self) -> MemorySnapshot {
        MemorySnapshot {
            tables: Arc::clone(&self.tables.read()),
        }
    }

    fn commit(&self, batch: WriteBatch) -> Result<(), StorageError> {
        let mut guard = self.tables.write();
        // Validate first so a bad batch changes nothing.
        for &(table, _) in batch.ops() {
            lookup(&guard, table)?;
        }
        if batch.is_empty() {
            return Ok(());
        }
        // The whole batch is applied under the write lock: readers see all of it or none.
        let tables = Arc::make_mut(&mut guard);
        for (table, op) in batch.ops {
            let Some(map) = tables.get_mut(table) else {
                // Unreachable after validation; kept as an error rather than a panic.
                return Err(StorageError::UnknownTable(table.to_owned()));
            };
            let map = Arc::make_mut(map);
            match op {
                WriteOp::Put { key, value } => {
                    map.insert(key, value);
                }
                WriteOp::Delete { key } => {
                    map.remove(&key);
                }
            }
        }
        Ok(())
    }
}

impl ReadView for MemorySnapshot {
    fn get(&self, table: TableName, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(lookup(&self.tables, table)?.get(key).cloned())
    }

    fn iter(
        &self,
        table: TableName,
        range: KeyRange,
        direction: Direction,
    ) -> Result<KvIter<'_>, StorageError> {
        let map = lookup(&self.tables, table)?;
        if range.is_empty() {
            return Ok(Box::new(std::iter::empty()));
        }
        // The snapshot outlives the iterator, so it can borrow the map directly.
        let entries = map
            .range::<[u8], _>((as_slice_bound(&range.start), as_slice_bound(&range.end)))
            .map(|(k, v)| Ok((k.clone(), v.clone())));
        Ok(match direction {
            Direction::Forward => Box::new(entries),
            Direction::Reverse => Box::new(entries.rev()),
        })
    }
}

fn lookup(tables: &Tables, table: TableName) -> Result<&Table, StorageError> {
    tables
        .get(table)
        .ok_or_else(|| StorageError::UnknownTable(table.to_owned()))
}

fn as_slice_bound(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// An iterator that owns the map it walks. A `btree_map::Range` would borrow the map, so
/// instead each step re-enters the tree just past the last key returned (O(log n)).
struct OwnedRangeIter {
    map: Table,
    range: KeyRange,
    direction: Direction,
    last: Option<Vec<u8>>,
    done: bool,
}

impl Iterator for OwnedRangeIter {
    type Item = Result<KeyValue, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        // Narrow the original range to what lies beyond the last key returned. The
        // narrowed range is never inverted: `last` lies inside the original range.
        let (start, end) = match (&self.last, self.direction) {
            (None, _) => (
                as_slice_bound(&self.range.start),
                as_slice_bound(&self.range.end),
            ),
            (Some(last), Direction::Forward) => (
                Bound::Excluded(last.as_slice()),
                as_slice_bound(&self.range.end),
            ),
            (Some(last), Direction::Reverse) => (
                as_slice_bound(&self.range.start),
                Bound::Excluded(last.as_slice()),
            ),
        };
        if let (Bound::Excluded(s), Bound::Excluded(e)) = (start, end) {
            // `BTreeMap::range` panics on an empty range with both ends excluded.
            if s >= e {
                self.done = true;
                return None;
            }
        }
        let mut entries = self.map.range::<[u8], _>((start, end));
        let found = match self.direction {
            Direction::Forward => entries.next(),
            Direction::Reverse => entries.next_back(),
        };
        match found {
            Some((k, v)) => {
                let item = (k.clone(), v.clone());
                self.last = Some(k.clone());
                Some(Ok(item))
            }
            None => {
                self.done = true;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_shares_until_written() {
        let store = MemoryStorage::new(&["t"]);
        let mut batch = WriteBatch::new();
        batch.put("t", b"k".to_vec(), b"v".to_vec());
        store.commit(batch).expect("commit");
        let snap = store.snapshot();
        assert!(Arc::ptr_eq(&snap.tables, &store.tables.read()));
        let mut batch = WriteBatch::new();
        batch.put("t", b"k".to_vec(), b"w".to_vec());
        store.commit(batch).expect("commit");
        assert!(!Arc::ptr_eq(&snap.tables, &store.tables.read()));
        assert_eq!(snap.get("t", b"k").expect("get"), Some(b"v".to_vec()));
    }

    #[test]
    fn live_iterator_survives_concurrent_commit() {
        let store = MemoryStorage::new(&["t"]);
        let mut batch = WriteBatch::new();
        for i in 0u8..10 {
            batch.put("t", vec![i], vec![i]);
        }
        store.commit(batch).expect("commit");
        let mut iter = store
            .iter("t", KeyRange::all(), Direction::Forward)
            .expect("iter");
        assert_eq!(iter.next().expect("first").expect("ok").0, vec![0]);
        let mut batch = WriteBatch::new();
        batch.delete("t", vec![5]);
        store.commit(batch).expect("commit while iterating");
        assert_eq!(
            iter.count(),
            9,
            "the iterator keeps the state it started from"
        );
    }
}
