//! What survives closing and reopening the database.

use weft_storage::{Direction, KeyRange, ReadView, Storage, StorageError, WriteBatch};
use weft_storage_rocksdb::RocksStorage;

fn open(path: &std::path::Path, tables: &[&'static str]) -> RocksStorage {
    RocksStorage::open(path, tables).expect("open")
}

fn all(store: &impl ReadView, table: &'static str) -> Vec<(Vec<u8>, Vec<u8>)> {
    store
        .iter(table, KeyRange::all(), Direction::Forward)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("no backend error")
}

#[test]
fn committed_data_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path(), &["a", "b"]);
        let mut batch = WriteBatch::new();
        for i in 0u32..1000 {
            batch.put("a", i.to_be_bytes(), vec![i as u8; 100]);
        }
        batch.put("b", b"k".to_vec(), b"v".to_vec());
        store.commit(batch).expect("commit");
        let mut batch = WriteBatch::new();
        batch.delete("a", 7u32.to_be_bytes());
        store.commit(batch).expect("commit delete");
    }
    let store = open(dir.path(), &["a", "b"]);
    assert_eq!(
        store.get("a", &5u32.to_be_bytes()).expect("get"),
        Some(vec![5; 100])
    );
    assert_eq!(
        store.get("a", &7u32.to_be_bytes()).expect("get"),
        None,
        "the delete persisted too"
    );
    assert_eq!(all(&store, "a").len(), 999);
    assert_eq!(store.get("b", b"k").expect("get"), Some(b"v".to_vec()));
}

#[test]
fn reopening_with_an_extra_table_adds_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path(), &["a"]);
        let mut batch = WriteBatch::new();
        batch.put("a", b"k".to_vec(), b"v".to_vec());
        store.commit(batch).expect("commit");
        assert!(matches!(
            store.get("new", b"k"),
            Err(StorageError::UnknownTable(_))
        ));
    }
    {
        let store = open(dir.path(), &["a", "new"]);
        assert_eq!(store.get("a", b"k").expect("get"), Some(b"v".to_vec()));
        assert!(all(&store, "new").is_empty());
        let mut batch = WriteBatch::new();
        batch.put("new", b"k".to_vec(), b"in new".to_vec());
        store.commit(batch).expect("commit to the new table");
    }
    let store = open(dir.path(), &["a", "new"]);
    assert_eq!(
        store.get("new", b"k").expect("get"),
        Some(b"in new".to_vec())
    );
    assert_eq!(store.get("a", b"k").expect("get"), Some(b"v".to_vec()));
}

#[test]
fn reopening_with_fewer_tables_hides_but_keeps_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path(), &["a", "b"]);
        let mut batch = WriteBatch::new();
        batch.put("b", b"k".to_vec(), b"kept".to_vec());
        store.commit(batch).expect("commit");
    }
    {
        let store = open(dir.path(), &["a"]);
        assert!(matches!(store.get("b", b"k"), Err(StorageError::UnknownTable(t)) if t == "b"));
        let mut batch = WriteBatch::new();
        batch.put("b", b"k".to_vec(), b"overwritten".to_vec());
        assert!(matches!(
            store.commit(batch),
            Err(StorageError::UnknownTable(_))
        ));
    }
    let store = open(dir.path(), &["a", "b"]);
    assert_eq!(store.get("b", b"k").expect("get"), Some(b"kept".to_vec()));
}

#[test]
fn open_errors_name_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _first = open(dir.path(), &["a"]);
    // RocksDB's LOCK file admits one open per database.
    match RocksStorage::open(dir.path(), &["a"]) {
        Err(StorageError::Open { path, reason }) => {
            assert_eq!(path, dir.path().display().to_string());
            assert!(!reason.is_empty());
        }
        other => panic!("second open of a locked database: expected Open error, got {other:?}"),
    }
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"x").expect("write file");
    let err = RocksStorage::open(&file, &["a"]).expect_err("a file is not a database");
    assert!(err.to_string().contains("not-a-directory"), "{err}");
    let err = RocksStorage::open(&dir.path().join("nul"), &["bad\0name"])
        .expect_err("NUL in a table name");
    assert!(matches!(err, StorageError::Open { .. }), "{err:?}");
}

#[test]
fn snapshot_keeps_the_database_readable_after_the_store_is_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), &["a"]);
    let mut batch = WriteBatch::new();
    batch.put("a", b"k".to_vec(), b"v".to_vec());
    store.commit(batch).expect("commit");
    let snapshot = store.snapshot();
    drop(store);
    assert_eq!(snapshot.get("a", b"k").expect("get"), Some(b"v".to_vec()));
    // The database is closed only when the last snapshot goes.
    assert!(
        RocksStorage::open(dir.path(), &["a"]).is_err(),
        "still locked by the snapshot"
    );
    drop(snapshot);
    let store = open(dir.path(), &["a"]);
    assert_eq!(store.get("a", b"k").expect("get"), Some(b"v".to_vec()));
}
