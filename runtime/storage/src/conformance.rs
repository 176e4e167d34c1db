//! The conformance suite: the behaviour every [`Storage`] backend must show.
//!
//! Each case is a public function taking a factory that opens an empty store with the
//! given tables. A backend's integration tests run every case as its own `#[test]` with
//! one line:
//!
//! ```ignore
//! weft_storage::conformance_tests!(|tables| weft_storage::memory::MemoryStorage::new(tables));
//! ```
//!
//! The factory is called once per case. A backend that needs a fresh directory per store
//! should return a value that owns the directory (and removes it when dropped).
//! [`run_all`] runs every case in sequence, for callers that are not test harnesses.
//!
//! Cases assert with `panic!`, as tests do; they are not meant for production code.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::{
    Direction, KeyRange, KeyValue, ReadView, Storage, StorageError, TableName, WriteBatch,
};

/// The first table every case opens.
pub const TABLE_A: TableName = "alpha";
/// The second table every case opens.
pub const TABLE_B: TableName = "beta";
/// A table no case declares.
pub const UNKNOWN_TABLE: TableName = "undeclared";

const TABLES: &[TableName] = &[TABLE_A, TABLE_B];

/// Expands to `$callback! { $args case1 case2 … }`: the one list of cases, shared by
/// [`conformance_tests!`](crate::conformance_tests) and [`run_all`].
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_storage_conformance_cases {
    ($callback:ident $args:tt) => {
        $crate::$callback! { $args
            get_missing_is_none
            put_then_get
            overwrite
            delete
            delete_missing_is_noop
            last_write_in_batch_wins
            tables_are_isolated
            unknown_table_errors
            failed_commit_changes_nothing
            empty_batch_commits
            forward_iteration_in_byte_order
            reverse_iteration
            prefix_iteration
            range_bounds_exhaustive
            inverted_and_empty_ranges
            seek_at_or_before
            snapshot_isolation
            snapshot_iterates_old_state
            snapshot_outlives_store
            large_values
            many_keys_sorted
            randomized_model_check
        }
    };
}

/// Define one `#[test]` per conformance case, each calling the factory expression for a
/// fresh store: `weft_storage::conformance_tests!(|tables| MyStorage::new(tables));`
///
/// The factory is any expression usable as `impl Fn(&[TableName]) -> S` with
/// `S: Storage`; it is evaluated once per test.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr $(,)?) => {
        $crate::__weft_storage_conformance_cases! { __weft_storage_conformance_emit_tests ($make) }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __weft_storage_conformance_emit_tests {
    (($make:expr) $($case:ident)*) => {
        $(
            #[test]
            // `|tables| Backend::new(tables)` reads better at the call site than a path.
            #[allow(clippy::redundant_closure)]
            fn $case() {
                $crate::conformance::$case($make);
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __weft_storage_conformance_emit_calls {
    (($make:ident) $($case:ident)*) => {
        $( $crate::conformance::$case(&$make); )*
    };
}

/// Run every case in sequence against stores from `make`.
pub fn run_all<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    crate::__weft_storage_conformance_cases! { __weft_storage_conformance_emit_calls (make) }
}

// ---------------------------------------------------------------------------------------
// Helpers

fn commit_one<S: Storage>(store: &S, build: impl FnOnce(&mut WriteBatch)) {
    let mut batch = WriteBatch::new();
    build(&mut batch);
    store.commit(batch).expect("commit of a valid batch");
}

fn put<S: Storage>(store: &S, table: TableName, key: &[u8], value: &[u8]) {
    commit_one(store, |b| b.put(table, key, value));
}

fn get(view: &impl ReadView, table: TableName, key: &[u8]) -> Option<Vec<u8>> {
    view.get(table, key).expect("get on a declared table")
}

fn collect(
    view: &impl ReadView,
    table: TableName,
    range: KeyRange,
    dir: Direction,
) -> Vec<KeyValue> {
    view.iter(table, range, dir)
        .expect("iter on a declared table")
        .collect::<Result<Vec<_>, StorageError>>()
        .expect("iteration without backend error")
}

fn keys(pairs: &[KeyValue]) -> Vec<Vec<u8>> {
    pairs.iter().map(|(k, _)| k.clone()).collect()
}

/// An independent statement of what a range contains, so the suite does not trust
/// `KeyRange::contains`.
fn in_range(key: &[u8], start: &Bound<Vec<u8>>, end: &Bound<Vec<u8>>) -> bool {
    let lower_ok = match start {
        Bound::Included(s) => key >= &s[..],
        Bound::Excluded(s) => key > &s[..],
        Bound::Unbounded => true,
    };
    let upper_ok = match end {
        Bound::Included(e) => key <= &e[..],
        Bound::Excluded(e) => key < &e[..],
        Bound::Unbounded => true,
    };
    lower_ok && upper_ok
}

fn model_range(
    model: &BTreeMap<Vec<u8>, Vec<u8>>,
    range: &KeyRange,
    dir: Direction,
) -> Vec<KeyValue> {
    let mut out: Vec<KeyValue> = model
        .iter()
        .filter(|(k, _)| in_range(k, &range.start, &range.end))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if dir == Direction::Reverse {
        out.reverse();
    }
    out
}

/// Keys chosen to sit on the edges of byte ordering: the empty key, zero bytes, prefix
/// pairs, and runs of `0xff` whose prefix successor does not exist.
fn edge_keys() -> Vec<Vec<u8>> {
    vec![
        vec![],
        vec![0x00],
        vec![0x00, 0x00],
        vec![0x01],
        vec![0x01, 0x00],
        vec![0x01, 0x02],
        vec![0x01, 0xff],
        vec![0x01, 0xff, 0xff],
        vec![0x02],
        vec![0x7f, 0xff],
        vec![0x80],
        vec![0xff],
        vec![0xff, 0x00],
        vec![0xff, 0xff],
        vec![0xff, 0xff, 0x00],
        vec![0xff, 0xff, 0xff],
    ]
}

/// Store every edge key in `TABLE_A` (value = key with a marker byte) and return the model.
fn load_edge_keys<S: Storage>(store: &S) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut model = BTreeMap::new();
    let mut batch = WriteBatch::new();
    for key in edge_keys() {
        let mut value = key.clone();
        value.push(0xaa);
        batch.put(TABLE_A, key.clone(), value.clone());
        model.insert(key, value);
    }
    // A neighbour table with the same keys must never leak into `TABLE_A`'s ranges.
    for key in edge_keys() {
        batch.put(TABLE_B, key, b"other table".to_vec());
    }
    store.commit(batch).expect("load edge keys");
    model
}

/// A tiny deterministic PRNG (xorshift64*), so the randomized check needs no dependency
/// and every failure is reproducible.
struct XorShift(u64);

impl XorShift {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

// ---------------------------------------------------------------------------------------
// Cases

/// Reading a key that was never written gives `None`.
pub fn get_missing_is_none<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    assert_eq!(get(&store, TABLE_A, b"absent"), None);
    assert_eq!(get(&store, TABLE_A, b""), None);
    put(&store, TABLE_A, b"present", b"1");
    assert_eq!(get(&store, TABLE_A, b"absent"), None);
    assert_eq!(
        get(&store, TABLE_A, b"presen"),
        None,
        "a key's prefix is another key"
    );
    assert_eq!(
        get(&store, TABLE_A, b"present\0"),
        None,
        "a key's extension is another key"
    );
}

/// A committed value reads back, including the empty key and the empty value.
pub fn put_then_get<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"key", b"value");
    put(&store, TABLE_A, b"", b"empty key");
    put(&store, TABLE_A, b"empty value", b"");
    put(&store, TABLE_A, &[0xff, 0x00, 0xff], &[0x00, 0x00]);
    assert_eq!(get(&store, TABLE_A, b"key"), Some(b"value".to_vec()));
    assert_eq!(get(&store, TABLE_A, b""), Some(b"empty key".to_vec()));
    assert_eq!(
        get(&store, TABLE_A, b"empty value"),
        Some(Vec::new()),
        "empty value is not absence"
    );
    assert_eq!(
        get(&store, TABLE_A, &[0xff, 0x00, 0xff]),
        Some(vec![0x00, 0x00])
    );
}

/// A second put replaces the first value, whether longer or shorter.
pub fn overwrite<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"k", b"first");
    put(&store, TABLE_A, b"k", b"a much longer second value");
    assert_eq!(
        get(&store, TABLE_A, b"k"),
        Some(b"a much longer second value".to_vec())
    );
    put(&store, TABLE_A, b"k", b"3");
    assert_eq!(get(&store, TABLE_A, b"k"), Some(b"3".to_vec()));
    let all = collect(&store, TABLE_A, KeyRange::all(), Direction::Forward);
    assert_eq!(
        all,
        vec![(b"k".to_vec(), b"3".to_vec())],
        "an overwrite leaves one entry"
    );
}

/// A delete removes the key from reads and from iteration; a later put revives it.
pub fn delete<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"a", b"1");
    put(&store, TABLE_A, b"b", b"2");
    commit_one(&store, |b| b.delete(TABLE_A, b"a".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"a"), None);
    assert_eq!(get(&store, TABLE_A, b"b"), Some(b"2".to_vec()));
    assert_eq!(
        keys(&collect(
            &store,
            TABLE_A,
            KeyRange::all(),
            Direction::Forward
        )),
        vec![b"b".to_vec()]
    );
    assert_eq!(
        keys(&collect(
            &store,
            TABLE_A,
            KeyRange::all(),
            Direction::Reverse
        )),
        vec![b"b".to_vec()]
    );
    put(&store, TABLE_A, b"a", b"again");
    assert_eq!(get(&store, TABLE_A, b"a"), Some(b"again".to_vec()));
}

/// Deleting an absent key succeeds and changes nothing.
pub fn delete_missing_is_noop<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"kept", b"1");
    commit_one(&store, |b| b.delete(TABLE_A, b"never written".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"never written"), None);
    assert_eq!(
        collect(&store, TABLE_A, KeyRange::all(), Direction::Forward),
        vec![(b"kept".to_vec(), b"1".to_vec())]
    );
}

/// Within one batch, the last write to a key wins (put/put, put/delete, delete/put).
pub fn last_write_in_batch_wins<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"existing", b"old");
    commit_one(&store, |b| {
        b.put(TABLE_A, b"pp".to_vec(), b"first".to_vec());
        b.put(TABLE_A, b"pp".to_vec(), b"second".to_vec());
        b.put(TABLE_A, b"pd".to_vec(), b"gone".to_vec());
        b.delete(TABLE_A, b"pd".to_vec());
        b.delete(TABLE_A, b"dp".to_vec());
        b.put(TABLE_A, b"dp".to_vec(), b"back".to_vec());
        b.delete(TABLE_A, b"existing".to_vec());
        b.put(TABLE_A, b"existing".to_vec(), b"new".to_vec());
        b.put(TABLE_A, b"existing".to_vec(), b"newer".to_vec());
    });
    assert_eq!(get(&store, TABLE_A, b"pp"), Some(b"second".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"pd"), None);
    assert_eq!(get(&store, TABLE_A, b"dp"), Some(b"back".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"existing"), Some(b"newer".to_vec()));
    assert_eq!(
        keys(&collect(
            &store,
            TABLE_A,
            KeyRange::all(),
            Direction::Forward
        )),
        vec![b"dp".to_vec(), b"existing".to_vec(), b"pp".to_vec()]
    );
}

/// The same key in two tables holds two values; deleting one leaves the other.
pub fn tables_are_isolated<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    commit_one(&store, |b| {
        b.put(TABLE_A, b"shared".to_vec(), b"in a".to_vec());
        b.put(TABLE_B, b"shared".to_vec(), b"in b".to_vec());
        b.put(TABLE_A, b"only a".to_vec(), b"1".to_vec());
    });
    assert_eq!(get(&store, TABLE_A, b"shared"), Some(b"in a".to_vec()));
    assert_eq!(get(&store, TABLE_B, b"shared"), Some(b"in b".to_vec()));
    assert_eq!(get(&store, TABLE_B, b"only a"), None);
    assert_eq!(
        collect(&store, TABLE_B, KeyRange::all(), Direction::Forward),
        vec![(b"shared".to_vec(), b"in b".to_vec())]
    );
    commit_one(&store, |b| b.delete(TABLE_A, b"shared".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"shared"), None);
    assert_eq!(get(&store, TABLE_B, b"shared"), Some(b"in b".to_vec()));
}

fn assert_unknown<T>(result: Result<T, StorageError>, what: &str) {
    match result {
        Err(StorageError::UnknownTable(name)) => assert_eq!(name, UNKNOWN_TABLE, "{what}"),
        Err(other) => panic!("{what}: expected UnknownTable, got {other:?}"),
        Ok(_) => panic!("{what}: expected UnknownTable, got Ok"),
    }
}

/// Reads and writes naming an undeclared table fail with `UnknownTable`, on the store
/// and on its snapshots.
pub fn unknown_table_errors<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    assert_unknown(store.get(UNKNOWN_TABLE, b"k"), "get");
    assert_unknown(
        store.iter(UNKNOWN_TABLE, KeyRange::all(), Direction::Forward),
        "iter forward",
    );
    assert_unknown(
        store.iter(UNKNOWN_TABLE, KeyRange::all(), Direction::Reverse),
        "iter reverse",
    );
    assert_unknown(store.scan_prefix(UNKNOWN_TABLE, b"p"), "scan_prefix");
    assert_unknown(
        store.seek_at_or_before(UNKNOWN_TABLE, b"", b"k"),
        "seek_at_or_before",
    );
    // An empty range must not short-circuit the table check.
    assert_unknown(
        store.iter(
            UNKNOWN_TABLE,
            KeyRange::between(b"b", b"a"),
            Direction::Forward,
        ),
        "iter empty range",
    );
    let mut batch = WriteBatch::new();
    batch.put(UNKNOWN_TABLE, b"k".to_vec(), b"v".to_vec());
    assert_unknown(store.commit(batch), "commit");
    let mut batch = WriteBatch::new();
    batch.delete(UNKNOWN_TABLE, b"k".to_vec());
    assert_unknown(store.commit(batch), "commit of a delete");
    let snapshot = store.snapshot();
    assert_unknown(snapshot.get(UNKNOWN_TABLE, b"k"), "snapshot get");
    assert_unknown(
        snapshot.iter(UNKNOWN_TABLE, KeyRange::all(), Direction::Forward),
        "snapshot iter",
    );
}

/// A batch naming an undeclared table is rejected whole: its valid writes (before and
/// after the bad one) are not applied either.
pub fn failed_commit_changes_nothing<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"existing", b"before");
    let mut batch = WriteBatch::new();
    batch.put(TABLE_A, b"new".to_vec(), b"x".to_vec());
    batch.put(TABLE_A, b"existing".to_vec(), b"after".to_vec());
    batch.delete(TABLE_B, b"whatever".to_vec());
    batch.put(UNKNOWN_TABLE, b"k".to_vec(), b"v".to_vec());
    batch.put(TABLE_B, b"late".to_vec(), b"y".to_vec());
    batch.delete(TABLE_A, b"existing".to_vec());
    assert_unknown(store.commit(batch), "mixed batch");
    assert_eq!(get(&store, TABLE_A, b"new"), None);
    assert_eq!(get(&store, TABLE_A, b"existing"), Some(b"before".to_vec()));
    assert_eq!(get(&store, TABLE_B, b"late"), None);
    assert_eq!(
        collect(&store, TABLE_A, KeyRange::all(), Direction::Forward).len(),
        1
    );
    assert!(collect(&store, TABLE_B, KeyRange::all(), Direction::Forward).is_empty());
    // The store still works afterwards.
    put(&store, TABLE_B, b"late", b"y");
    assert_eq!(get(&store, TABLE_B, b"late"), Some(b"y".to_vec()));
}

/// Committing an empty batch succeeds and changes nothing.
pub fn empty_batch_commits<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    store
        .commit(WriteBatch::new())
        .expect("empty batch on an empty store");
    put(&store, TABLE_A, b"k", b"v");
    store.commit(WriteBatch::new()).expect("empty batch");
    assert_eq!(
        collect(&store, TABLE_A, KeyRange::all(), Direction::Forward),
        vec![(b"k".to_vec(), b"v".to_vec())]
    );
}

/// Forward iteration yields keys in unsigned byte order (shorter prefix first), with
/// their values, regardless of insertion order.
pub fn forward_iteration_in_byte_order<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    // Insert in a scrambled order across several batches.
    let mut keys_in = edge_keys();
    keys_in.reverse();
    keys_in.rotate_left(5);
    for chunk in keys_in.chunks(3) {
        commit_one(&store, |b| {
            for k in chunk {
                let mut v = k.clone();
                v.push(0xaa);
                b.put(TABLE_A, k.clone(), v);
            }
        });
    }
    let got = collect(&store, TABLE_A, KeyRange::all(), Direction::Forward);
    assert_eq!(keys(&got), edge_keys(), "byte order");
    for (k, v) in &got {
        let mut expected = k.clone();
        expected.push(0xaa);
        assert_eq!(v, &expected, "value of {k:?}");
    }
    assert!(collect(&store, TABLE_B, KeyRange::all(), Direction::Forward).is_empty());
}

/// Reverse iteration yields exactly the forward sequence backwards, for several ranges.
pub fn reverse_iteration<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    let model = load_edge_keys(&store);
    let ranges = [
        KeyRange::all(),
        KeyRange::prefix(&[0x01]),
        KeyRange::prefix(&[0xff]),
        KeyRange::between(&[0x00], &[0x02]),
        KeyRange::up_to(&[0x01, 0xff]),
        KeyRange {
            start: Bound::Excluded(vec![0x01]),
            end: Bound::Included(vec![0xff]),
        },
    ];
    for range in ranges {
        let fwd = collect(&store, TABLE_A, range.clone(), Direction::Forward);
        let mut rev = collect(&store, TABLE_A, range.clone(), Direction::Reverse);
        assert_eq!(
            rev,
            model_range(&model, &range, Direction::Reverse),
            "{range:?}"
        );
        rev.reverse();
        assert_eq!(rev, fwd, "reverse is forward backwards for {range:?}");
    }
    let rev_all = keys(&collect(
        &store,
        TABLE_A,
        KeyRange::all(),
        Direction::Reverse,
    ));
    assert_eq!(rev_all.first(), Some(&vec![0xff, 0xff, 0xff]));
    assert_eq!(
        rev_all.last(),
        Some(&vec![]),
        "the empty key comes last in reverse"
    );
}

/// Prefix ranges hold exactly the keys starting with the prefix, including the empty
/// prefix (everything) and all-`0xff` prefixes (no successor exists).
pub fn prefix_iteration<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    load_edge_keys(&store);
    let expect = |prefix: &[u8]| -> Vec<Vec<u8>> {
        edge_keys()
            .into_iter()
            .filter(|k| k.starts_with(prefix))
            .collect()
    };
    let prefixes: [&[u8]; 9] = [
        &[],
        &[0x00],
        &[0x01],
        &[0x01, 0xff],
        &[0x02],
        &[0x7f],
        &[0xff],
        &[0xff, 0xff],
        &[0xff, 0xff, 0xff, 0xff],
    ];
    for prefix in prefixes {
        let fwd = keys(&collect(
            &store,
            TABLE_A,
            KeyRange::prefix(prefix),
            Direction::Forward,
        ));
        assert_eq!(fwd, expect(prefix), "prefix {prefix:?} forward");
        let mut rev = keys(&collect(
            &store,
            TABLE_A,
            KeyRange::prefix(prefix),
            Direction::Reverse,
        ));
        rev.reverse();
        assert_eq!(rev, expect(prefix), "prefix {prefix:?} reverse");
        let scanned = store
            .scan_prefix(TABLE_A, prefix)
            .expect("scan_prefix")
            .collect::<Result<Vec<_>, _>>()
            .expect("scan without error");
        assert_eq!(keys(&scanned), expect(prefix), "scan_prefix {prefix:?}");
    }
    assert_eq!(
        keys(&collect(
            &store,
            TABLE_A,
            KeyRange::prefix(&[0xff, 0xff]),
            Direction::Forward
        )),
        vec![
            vec![0xff, 0xff],
            vec![0xff, 0xff, 0x00],
            vec![0xff, 0xff, 0xff]
        ]
    );
}

/// Every combination of Included/Excluded/Unbounded start and end, over bound keys that
/// are present, absent, empty and `0xff`-runs, in both directions, matches the model.
pub fn range_bounds_exhaustive<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    let model = load_edge_keys(&store);
    let mut bound_keys = edge_keys();
    // Keys that are not stored, between and beyond the stored ones.
    bound_keys.extend([
        vec![0x00, 0x01],
        vec![0x01, 0x80],
        vec![0x03],
        vec![0xff, 0xfe],
        vec![0xff; 4],
    ]);
    let mut bounds = vec![Bound::Unbounded];
    for k in &bound_keys {
        bounds.push(Bound::Included(k.clone()));
        bounds.push(Bound::Excluded(k.clone()));
    }
    // Named constructors first, as callers use them.
    let named = [
        KeyRange::between(&[0x01], &[0x02]),
        KeyRange::between(&[], &[0x01, 0xff]),
        KeyRange::between(&[0x01, 0xff], &[0xff, 0xff]),
        KeyRange::up_to(&[0x01, 0xff]),
        KeyRange::up_to(&[]),
        KeyRange::up_to(&[0xff, 0xff, 0xff]),
        KeyRange::up_to(&[0x03]),
    ];
    let combos = bounds.iter().flat_map(|s| {
        bounds.iter().map(move |e| KeyRange {
            start: s.clone(),
            end: e.clone(),
        })
    });
    for range in named.into_iter().chain(combos) {
        for dir in [Direction::Forward, Direction::Reverse] {
            let got = collect(&store, TABLE_A, range.clone(), dir);
            assert_eq!(got, model_range(&model, &range, dir), "{range:?} {dir:?}");
        }
    }
}

/// Ranges with start above end, or equal excluded ends, are empty (not an error, not a
/// panic), in both directions.
pub fn inverted_and_empty_ranges<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    load_edge_keys(&store);
    let k1 = vec![0x01];
    let k2 = vec![0x02];
    let empties = [
        KeyRange::between(&k2, &k1),
        KeyRange::between(&k1, &k1),
        KeyRange {
            start: Bound::Excluded(k1.clone()),
            end: Bound::Excluded(k1.clone()),
        },
        KeyRange {
            start: Bound::Excluded(k1.clone()),
            end: Bound::Included(k1.clone()),
        },
        KeyRange {
            start: Bound::Included(k2.clone()),
            end: Bound::Included(k1.clone()),
        },
        // Nothing lies strictly between a key and its immediate successor.
        KeyRange {
            start: Bound::Excluded(k1.clone()),
            end: Bound::Excluded(vec![0x01, 0x00]),
        },
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Excluded(vec![]),
        },
        KeyRange {
            start: Bound::Excluded(vec![0xff; 3]),
            end: Bound::Unbounded,
        },
    ];
    for range in empties {
        for dir in [Direction::Forward, Direction::Reverse] {
            assert!(
                collect(&store, TABLE_A, range.clone(), dir).is_empty(),
                "{range:?} {dir:?}"
            );
        }
    }
    let single = KeyRange {
        start: Bound::Included(k1.clone()),
        end: Bound::Included(k1.clone()),
    };
    for dir in [Direction::Forward, Direction::Reverse] {
        assert_eq!(
            keys(&collect(&store, TABLE_A, single.clone(), dir)),
            vec![k1.clone()],
            "{dir:?}"
        );
    }
}

/// `seek_at_or_before` finds the greatest key `<= key` within the prefix: an exact hit, a
/// key between two, nothing below, and never a key outside the prefix on either side.
pub fn seek_at_or_before<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    commit_one(&store, |b| {
        for (k, v) in [
            (&b"a/9"[..], &b"before prefix"[..]),
            (b"acct/", b"bare prefix"),
            (b"acct/0010", b"10"),
            (b"acct/0020", b"20"),
            (b"acct/0030", b"30"),
            (b"b", b"after prefix"),
        ] {
            b.put(TABLE_A, k.to_vec(), v.to_vec());
        }
        b.put(TABLE_B, b"acct/0015".to_vec(), b"other table".to_vec());
    });
    let seek = |prefix: &[u8], key: &[u8]| {
        store
            .seek_at_or_before(TABLE_A, prefix, key)
            .expect("seek_at_or_before")
    };
    let hit = |k: &[u8], v: &[u8]| Some((k.to_vec(), v.to_vec()));
    assert_eq!(
        seek(b"acct/", b"acct/0020"),
        hit(b"acct/0020", b"20"),
        "exact hit"
    );
    assert_eq!(
        seek(b"acct/", b"acct/0025"),
        hit(b"acct/0020", b"20"),
        "between keys"
    );
    assert_eq!(
        seek(b"acct/", b"acct/0015"),
        hit(b"acct/0010", b"10"),
        "other table ignored"
    );
    assert_eq!(
        seek(b"acct/", b"acct/9999"),
        hit(b"acct/0030", b"30"),
        "above all in prefix"
    );
    assert_eq!(
        seek(b"acct/", b"acct/0009"),
        hit(b"acct/", b"bare prefix"),
        "the prefix itself is a key"
    );
    assert_eq!(
        seek(b"acct/0", b"acct/0009"),
        None,
        "below everything in the prefix"
    );
    assert_eq!(seek(b"acct/", b"acct"), None, "key below the prefix");
    assert_eq!(
        seek(b"acct/", b"a/9"),
        None,
        "a key before the prefix is not returned"
    );
    assert_eq!(
        seek(b"acct/", b"b"),
        hit(b"acct/0030", b"30"),
        "key beyond the prefix: stay inside it"
    );
    assert_eq!(
        seek(b"acct/", b"zzz"),
        hit(b"acct/0030", b"30"),
        "key far beyond the prefix"
    );
    assert_eq!(
        seek(b"", b"b"),
        hit(b"b", b"after prefix"),
        "empty prefix is the whole table"
    );
    assert_eq!(seek(b"", b"a"), None, "below every key");
    assert_eq!(seek(b"zz", b"zz\xff"), None, "empty prefix range");
    // All-0xff prefix: there is no successor to cap the range with.
    commit_one(&store, |b| {
        b.put(TABLE_A, vec![0xff, 0xff], b"ff".to_vec());
        b.put(TABLE_A, vec![0xff, 0xff, 0x10], b"ff10".to_vec());
    });
    assert_eq!(
        seek(&[0xff, 0xff], &[0xff, 0xff, 0x20]),
        hit(&[0xff, 0xff, 0x10], b"ff10")
    );
    assert_eq!(
        seek(&[0xff, 0xff], &[0xff, 0xff, 0x05]),
        hit(&[0xff, 0xff], b"ff")
    );
    assert_eq!(seek(&[0xff, 0xff], &[0xff, 0xfe]), None);
}

/// Puts, overwrites and deletes after a snapshot are invisible through it; the store
/// itself sees them.
pub fn snapshot_isolation<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    commit_one(&store, |b| {
        b.put(TABLE_A, b"kept".to_vec(), b"1".to_vec());
        b.put(TABLE_A, b"changed".to_vec(), b"old".to_vec());
        b.put(TABLE_A, b"deleted".to_vec(), b"here".to_vec());
        b.put(TABLE_B, b"b".to_vec(), b"b-old".to_vec());
    });
    let snapshot = store.snapshot();
    commit_one(&store, |b| {
        b.put(TABLE_A, b"changed".to_vec(), b"new".to_vec());
        b.delete(TABLE_A, b"deleted".to_vec());
        b.put(TABLE_A, b"added".to_vec(), b"x".to_vec());
        b.delete(TABLE_B, b"b".to_vec());
    });
    assert_eq!(get(&snapshot, TABLE_A, b"kept"), Some(b"1".to_vec()));
    assert_eq!(get(&snapshot, TABLE_A, b"changed"), Some(b"old".to_vec()));
    assert_eq!(get(&snapshot, TABLE_A, b"deleted"), Some(b"here".to_vec()));
    assert_eq!(get(&snapshot, TABLE_A, b"added"), None);
    assert_eq!(get(&snapshot, TABLE_B, b"b"), Some(b"b-old".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"changed"), Some(b"new".to_vec()));
    assert_eq!(get(&store, TABLE_A, b"deleted"), None);
    assert_eq!(get(&store, TABLE_A, b"added"), Some(b"x".to_vec()));
    assert_eq!(get(&store, TABLE_B, b"b"), None);
    // A second snapshot sees the new state, and the first is still unchanged.
    let later = store.snapshot();
    assert_eq!(get(&later, TABLE_A, b"changed"), Some(b"new".to_vec()));
    assert_eq!(get(&snapshot, TABLE_A, b"changed"), Some(b"old".to_vec()));
}

/// A snapshot iterates the state it was taken at, forward and reverse, while the store
/// iterates the new one.
pub fn snapshot_iterates_old_state<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    let model = load_edge_keys(&store);
    let snapshot = store.snapshot();
    let mut new_model = model.clone();
    commit_one(&store, |b| {
        for (i, k) in edge_keys().into_iter().enumerate() {
            if i % 2 == 0 {
                b.delete(TABLE_A, k.clone());
                new_model.remove(&k);
            } else {
                b.put(TABLE_A, k.clone(), b"rewritten".to_vec());
                new_model.insert(k, b"rewritten".to_vec());
            }
        }
        b.put(TABLE_A, vec![0x01, 0x01], b"inserted".to_vec());
        new_model.insert(vec![0x01, 0x01], b"inserted".to_vec());
    });
    for range in [
        KeyRange::all(),
        KeyRange::prefix(&[0x01]),
        KeyRange::up_to(&[0xff]),
    ] {
        for dir in [Direction::Forward, Direction::Reverse] {
            assert_eq!(
                collect(&snapshot, TABLE_A, range.clone(), dir),
                model_range(&model, &range, dir)
            );
            assert_eq!(
                collect(&store, TABLE_A, range.clone(), dir),
                model_range(&new_model, &range, dir)
            );
        }
    }
    assert_eq!(
        snapshot
            .seek_at_or_before(TABLE_A, &[0x01], &[0x01, 0x01])
            .expect("seek"),
        Some((vec![0x01, 0x00], vec![0x01, 0x00, 0xaa]))
    );
}

/// A snapshot stays readable after the store handle that made it is dropped.
pub fn snapshot_outlives_store<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    put(&store, TABLE_A, b"k", b"v");
    let snapshot = store.snapshot();
    drop(store);
    assert_eq!(get(&snapshot, TABLE_A, b"k"), Some(b"v".to_vec()));
    assert_eq!(
        collect(&snapshot, TABLE_A, KeyRange::all(), Direction::Reverse).len(),
        1
    );
}

/// 1 MiB values (and a 64 KiB key) round-trip intact through get and iteration.
pub fn large_values<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    let store = make(TABLES);
    let big = |seed: u8| -> Vec<u8> {
        (0..1 << 20)
            .map(|i: u32| (i.wrapping_mul(31) as u8) ^ seed ^ ((i >> 11) as u8))
            .collect()
    };
    let long_key: Vec<u8> = (0..1 << 16).map(|i: u32| (i % 251) as u8).collect();
    commit_one(&store, |b| {
        b.put(TABLE_A, b"big1".to_vec(), big(1));
        b.put(TABLE_A, b"big2".to_vec(), big(2));
        b.put(TABLE_A, long_key.clone(), b"long key".to_vec());
    });
    assert_eq!(get(&store, TABLE_A, b"big1"), Some(big(1)));
    assert_eq!(get(&store, TABLE_A, b"big2"), Some(big(2)));
    assert_eq!(get(&store, TABLE_A, &long_key), Some(b"long key".to_vec()));
    let all = collect(
        &store,
        TABLE_A,
        KeyRange::prefix(b"big"),
        Direction::Reverse,
    );
    assert_eq!(
        all,
        vec![(b"big2".to_vec(), big(2)), (b"big1".to_vec(), big(1))]
    );
    put(&store, TABLE_A, b"big1", &big(3));
    assert_eq!(get(&store, TABLE_A, b"big1"), Some(big(3)));
}

/// 10,000 keys written in scrambled order over a few batches come back sorted and whole.
pub fn many_keys_sorted<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    const N: u32 = 10_000;
    let store = make(TABLES);
    // Minimal little-endian encodings: distinct, of varying length (0 is the empty key),
    // and in a byte order unrelated to numeric order.
    let key_of = |i: u32| -> Vec<u8> {
        let len = (32 - i.leading_zeros()).div_ceil(8) as usize;
        i.to_le_bytes()[..len].to_vec()
    };
    // A permutation of 0..N (7919 is prime, so coprime with N).
    let order: Vec<u32> = (0..N).map(|i| (i * 7919) % N).collect();
    for chunk in order.chunks(2_500) {
        commit_one(&store, |b| {
            for &i in chunk {
                b.put(TABLE_A, key_of(i), i.to_be_bytes().to_vec());
            }
        });
    }
    let model: BTreeMap<Vec<u8>, Vec<u8>> = (0..N)
        .map(|i| (key_of(i), i.to_be_bytes().to_vec()))
        .collect();
    assert_eq!(model.len(), N as usize, "keys are distinct");
    let fwd = collect(&store, TABLE_A, KeyRange::all(), Direction::Forward);
    assert_eq!(fwd.len(), model.len());
    assert!(
        fwd.windows(2).all(|w| w[0].0 < w[1].0),
        "strictly ascending"
    );
    assert_eq!(
        fwd,
        model_range(&model, &KeyRange::all(), Direction::Forward)
    );
    let rev = collect(&store, TABLE_A, KeyRange::all(), Direction::Reverse);
    assert_eq!(
        rev,
        model_range(&model, &KeyRange::all(), Direction::Reverse)
    );
    let sub = KeyRange::between(&[0x10], &[0x20, 0x05]);
    assert_eq!(
        collect(&store, TABLE_A, sub.clone(), Direction::Forward),
        model_range(&model, &sub, Direction::Forward)
    );
}

/// Random batches of puts and deletes over a small key space, applied to the store and
/// to a `BTreeMap` model; full iterations, random ranges, random gets and old snapshots
/// must agree with the model throughout. Deterministic (fixed seed).
pub fn randomized_model_check<S: Storage>(make: impl Fn(&[TableName]) -> S) {
    const SEED: u64 = 0x5eed_0f3e_f757_0e01;
    const BATCHES: usize = 250;
    let store = make(TABLES);
    let mut rng = XorShift(SEED);
    let alphabet = [0x00u8, 0x01, 0x7f, 0xff];
    let random_key = |rng: &mut XorShift| -> Vec<u8> {
        let len = rng.below(4) as usize;
        (0..len).map(|_| alphabet[rng.below(4) as usize]).collect()
    };
    let random_bound = |rng: &mut XorShift| -> Bound<Vec<u8>> {
        match rng.below(3) {
            0 => Bound::Unbounded,
            1 => Bound::Included(random_key(rng)),
            _ => Bound::Excluded(random_key(rng)),
        }
    };
    let mut models = [BTreeMap::new(), BTreeMap::new()];
    let mut snapshots = Vec::new();
    for step in 0..BATCHES {
        let mut batch = WriteBatch::new();
        for _ in 0..1 + rng.below(12) {
            let t = rng.below(2) as usize;
            let table = TABLES[t];
            let key = random_key(&mut rng);
            if rng.below(10) < 7 {
                let len = rng.below(40) as usize;
                let value: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                batch.put(table, key.clone(), value.clone());
                models[t].insert(key, value);
            } else {
                batch.delete(table, key.clone());
                models[t].remove(&key);
            }
        }
        store.commit(batch).expect("random batch");
        let ctx = format!("seed {SEED:#x}, after batch {step}");
        for _ in 0..4 {
            let t = rng.below(2) as usize;
            let key = random_key(&mut rng);
            assert_eq!(
                get(&store, TABLES[t], &key),
                models[t].get(&key).cloned(),
                "get {key:?}, {ctx}"
            );
        }
        let range = KeyRange {
            start: random_bound(&mut rng),
            end: random_bound(&mut rng),
        };
        let dir = if rng.below(2) == 0 {
            Direction::Forward
        } else {
            Direction::Reverse
        };
        assert_eq!(
            collect(&store, TABLE_A, range.clone(), dir),
            model_range(&models[0], &range, dir),
            "{range:?} {dir:?}, {ctx}"
        );
        if step % 25 == 0 || step == BATCHES - 1 {
            for (t, model) in models.iter().enumerate() {
                for dir in [Direction::Forward, Direction::Reverse] {
                    assert_eq!(
                        collect(&store, TABLES[t], KeyRange::all(), dir),
                        model_range(model, &KeyRange::all(), dir),
                        "full {dir:?} scan of {}, {ctx}",
                        TABLES[t]
                    );
                }
            }
        }
        if step % 60 == 0 {
            snapshots.push((step, store.snapshot(), models.clone()));
        }
    }
    for (step, snapshot, old) in &snapshots {
        for (t, model) in old.iter().enumerate() {
            assert_eq!(
                collect(snapshot, TABLES[t], KeyRange::all(), Direction::Forward),
                model_range(model, &KeyRange::all(), Direction::Forward),
                "snapshot from batch {step}, table {}",
                TABLES[t]
            );
        }
    }
}
