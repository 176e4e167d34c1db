//! Off-chain tests of every method on [`MemoryHost`].

use std::collections::BTreeMap;

use weft_plugin_abi::ffi;
use weft_plugin_abi::primitives::Address;
use weft_plugin_abi::sol_types::{Revert, SolCall, SolError};
use weft_plugin_abi::testing::MemoryHost;
use weft_plugin_abi::{CallError, HostError};

use super::KVTable::{getCall, setCall};
use super::Table::{
    count_0Call, count_1Call, insertCall, remove_0Call, remove_1Call, remove_2Call, select_0Call,
    select_1Call, select_2Call, update_0Call, update_1Call, update_2Call,
};
use super::TableManager::{
    appendColumnsCall, createKVTableCall, createTable_0Call, createTable_1Call, descCall,
    descWithKeyOrderCall, openTableCall,
};
use super::*;

const GT: u8 = 0;
const GE: u8 = 1;
const LT: u8 = 2;
const LE: u8 = 3;
const EQ: u8 = 4;
const NE: u8 = 5;
const STARTS_WITH: u8 = 6;
const ENDS_WITH: u8 = 7;
const CONTAINS: u8 = 8;

fn call<C: SolCall>(host: &mut MemoryHost, to: Address, c: C) -> Result<C::Return, CallError> {
    let out = host.call::<Crud>(to, &c.abi_encode())?;
    Ok(C::abi_decode_returns(&out).expect("decode the return"))
}

/// The call's `Error(string)` reason; panics on success or another failure.
fn reason<T: std::fmt::Debug>(result: Result<T, CallError>) -> String {
    match result {
        Err(CallError::Revert(data)) => Revert::abi_decode(&data).expect("Error(string)").reason,
        other => panic!("expected a revert, got {other:?}"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn create(
    host: &mut MemoryHost,
    name: &str,
    order: u8,
    key: &str,
    values: &[&str],
) -> Result<i32, CallError> {
    call(
        host,
        TABLE_MANAGER,
        createTable_0Call {
            path: name.into(),
            tableInfo: TableInfo {
                keyOrder: order,
                keyColumn: key.into(),
                valueColumns: strings(values),
            },
        },
    )
}

fn open(host: &mut MemoryHost, name: &str) -> Address {
    call(host, TABLE_MANAGER, openTableCall { path: name.into() }).expect("openTable")
}

fn insert(
    host: &mut MemoryHost,
    table: Address,
    key: &str,
    fields: &[&str],
) -> Result<i32, CallError> {
    call(
        host,
        table,
        insertCall {
            entry: Entry {
                key: key.into(),
                fields: strings(fields),
            },
        },
    )
}

fn cond(op: u8, field: &str, value: &str) -> Condition {
    Condition {
        op,
        field: field.into(),
        value: value.into(),
    }
}

fn limit(offset: u32, count: u32) -> Limit {
    Limit { offset, count }
}

fn select(
    host: &mut MemoryHost,
    table: Address,
    conditions: Vec<Condition>,
    l: Limit,
) -> Result<Vec<Entry>, CallError> {
    call(
        host,
        table,
        select_1Call {
            conditions,
            limit: l,
        },
    )
}

fn keys(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.key.as_str()).collect()
}

fn count(
    host: &mut MemoryHost,
    table: Address,
    conditions: Vec<Condition>,
) -> Result<u32, CallError> {
    call(host, table, count_0Call { conditions })
}

/// A lexicographic table `t_test(id; name, age)` holding `rows`.
fn people(host: &mut MemoryHost, rows: &[(&str, &str, &str)]) -> Address {
    assert_eq!(create(host, "t_test", 0, "id", &["name", "age"]), Ok(0));
    let table = open(host, "t_test");
    for (id, name, age) in rows {
        assert_eq!(insert(host, table, id, &[name, age]), Ok(1));
    }
    table
}

#[test]
fn creates_opens_and_describes_tables() {
    let mut host = MemoryHost::new();
    assert_eq!(
        create(&mut host, "t_test", 1, "id", &["name", "age"]),
        Ok(0)
    );
    // Taken, under any spelling of the path.
    for name in ["t_test", "/t_test", "/tables/t_test"] {
        assert_eq!(
            create(&mut host, name, 0, "k", &["v"]),
            Ok(CODE_TABLE_NAME_ALREADY_EXIST)
        );
        assert_eq!(open(&mut host, name), table_address(1));
    }
    assert_eq!(table_address(1), addr(0x1_0000_0001));
    assert_eq!(open(&mut host, "missing"), Address::ZERO);

    let info = call(
        &mut host,
        TABLE_MANAGER,
        descWithKeyOrderCall {
            tableName: "t_test".into(),
        },
    )
    .expect("desc");
    assert_eq!(
        info,
        TableInfo {
            keyOrder: 1,
            keyColumn: "id".into(),
            valueColumns: strings(&["name", "age"]),
        }
    );
    let info = call(
        &mut host,
        TABLE_MANAGER,
        descCall {
            tableName: "/tables/t_test".into(),
        },
    )
    .expect("desc");
    assert_eq!(
        (info.keyColumn.as_str(), info.valueColumns.len()),
        ("id", 2)
    );
    let none = call(
        &mut host,
        TABLE_MANAGER,
        descWithKeyOrderCall {
            tableName: "nope".into(),
        },
    )
    .expect("desc");
    assert_eq!(none, TableInfo::default());

    // The v3.0 layout makes a lexicographic table; ids, and so addresses, go up by one.
    let old = createTable_1Call {
        path: "old".into(),
        tableInfo: TableInfoV30 {
            keyColumn: "k".into(),
            valueColumns: strings(&["v"]),
        },
    };
    assert_eq!(call(&mut host, TABLE_MANAGER, old), Ok(0));
    assert_eq!(open(&mut host, "old"), table_address(2));
    let info = call(
        &mut host,
        TABLE_MANAGER,
        descWithKeyOrderCall {
            tableName: "old".into(),
        },
    )
    .expect("desc");
    assert_eq!(info.keyOrder, 0);
    // No logs, as in FISCO.
    assert!(host.logs.is_empty());
}

#[test]
fn create_checks_names_and_limits_as_fisco() {
    let mut host = MemoryHost::new();
    let long_field = "f".repeat(65);
    let many: Vec<String> = (0..40).map(|i| format!("{i:0>30}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let cases: Vec<(String, u8, String, Vec<&str>, &str)> = vec![
        ("t".repeat(43), 0, "id".into(), vec![], "-50002"),
        ("t".into(), 0, long_field.clone(), vec![], "-50003"),
        (
            "t".into(),
            0,
            "id".into(),
            vec![long_field.as_str()],
            "-50003",
        ),
        ("t".into(), 0, "id".into(), many, "-50004"),
        ("t".into(), 0, "id".into(), vec!["a", "a"], "-50007"),
        ("t".into(), 0, "id".into(), vec!["id"], "-50007"),
        ("t-1".into(), 0, "id".into(), vec![], "-50008"),
        ("t".into(), 0, "_id".into(), vec![], "-50008"),
        ("t".into(), 0, "id".into(), vec!["a,b"], "-50008"),
        ("t".into(), 0, "id".into(), vec![""], "-50008"),
        ("".into(), 0, "id".into(), vec![], "-50008"),
        ("t".into(), 2, "id".into(), vec![], "2 KeyOrder not exist!"),
    ];
    for (name, order, key, values, expected) in cases {
        let why = reason(create(&mut host, &name, order, &key, &values));
        assert!(why.contains(expected), "{name:?} {key:?} {values:?}: {why}");
    }
    assert!(host.storage.is_empty());
    // Exactly at the limits.
    assert_eq!(
        create(&mut host, &"t".repeat(42), 0, &"k".repeat(64), &["$v@1"]),
        Ok(0)
    );
    assert_eq!(create(&mut host, "/tables/a/b", 0, "k", &[]), Ok(0));
    assert_eq!(open(&mut host, "a/b"), table_address(2));
}

#[test]
fn insert_select_update_remove_by_key() {
    let mut host = MemoryHost::new();
    let t = people(&mut host, &[("1", "alice", "30")]);
    assert_eq!(
        insert(&mut host, t, "1", &["again", "1"]),
        Ok(CODE_INSERT_KEY_EXIST)
    );
    let why = reason(insert(&mut host, t, "2", &["only one"]));
    assert!(why.contains("fields number mismatch"), "{why}");
    let why = reason(insert(&mut host, t, &"k".repeat(256), &["a", "b"]));
    assert!(why.contains("-50005"), "{why}");
    assert_eq!(insert(&mut host, t, &"k".repeat(255), &["a", "b"]), Ok(1));

    let got = call(&mut host, t, select_0Call { key: "1".into() }).expect("select");
    assert_eq!(
        got,
        Entry {
            key: "1".into(),
            fields: strings(&["alice", "30"])
        }
    );
    let missing = call(&mut host, t, select_0Call { key: "9".into() }).expect("select");
    assert_eq!(missing, Entry::default());

    let set_age = |age: &str| {
        vec![UpdateField {
            columnName: "age".into(),
            value: age.into(),
        }]
    };
    assert_eq!(
        call(
            &mut host,
            t,
            update_0Call {
                key: "1".into(),
                updateFields: set_age("31")
            }
        ),
        Ok(1)
    );
    assert_eq!(
        call(
            &mut host,
            t,
            update_0Call {
                key: "9".into(),
                updateFields: set_age("1")
            }
        ),
        Ok(CODE_UPDATE_KEY_NOT_EXIST)
    );
    // FISCO checks the key before the fields: a missing key with a bad field is -51507.
    let bad = vec![UpdateField {
        columnName: "nope".into(),
        value: "x".into(),
    }];
    assert_eq!(
        call(
            &mut host,
            t,
            update_0Call {
                key: "9".into(),
                updateFields: bad.clone()
            }
        ),
        Ok(CODE_UPDATE_KEY_NOT_EXIST)
    );
    let why = reason(call(
        &mut host,
        t,
        update_0Call {
            key: "1".into(),
            updateFields: bad,
        },
    ));
    assert!(why.contains("Table update fields not found"), "{why}");
    let key_field = vec![UpdateField {
        columnName: "id".into(),
        value: "2".into(),
    }];
    let why = reason(call(
        &mut host,
        t,
        update_0Call {
            key: "1".into(),
            updateFields: key_field,
        },
    ));
    assert!(why.contains("cannot contains key field"), "{why}");
    let got = call(&mut host, t, select_0Call { key: "1".into() }).expect("select");
    assert_eq!(got.fields, strings(&["alice", "31"]));

    assert_eq!(call(&mut host, t, remove_0Call { key: "1".into() }), Ok(1));
    assert_eq!(
        call(&mut host, t, remove_0Call { key: "1".into() }),
        Ok(CODE_REMOVE_KEY_NOT_EXIST)
    );
    assert_eq!(
        call(&mut host, t, select_0Call { key: "1".into() }),
        Ok(Entry::default())
    );
    assert_eq!(count(&mut host, t, vec![cond(GE, "id", "")]), Ok(1));
}

#[test]
fn kv_tables_get_and_set() {
    let mut host = MemoryHost::new();
    let create_kv = |host: &mut MemoryHost, name: &str| {
        call(
            host,
            TABLE_MANAGER,
            createKVTableCall {
                tableName: name.into(),
                keyField: "id".into(),
                valueField: "item_name".into(),
            },
        )
    };
    assert_eq!(create_kv(&mut host, "t_kv_test"), Ok(0));
    assert_eq!(
        create_kv(&mut host, "t_kv_test"),
        Ok(CODE_TABLE_NAME_ALREADY_EXIST)
    );
    let kv = open(&mut host, "t_kv_test");
    assert_eq!(kv, table_address(1));
    let get = |host: &mut MemoryHost, key: &str| {
        let r = call(host, kv, getCall { key: key.into() }).expect("get");
        (r._0, r._1)
    };
    assert_eq!(get(&mut host, "a"), (false, String::new()));
    assert_eq!(
        call(
            &mut host,
            kv,
            setCall {
                key: "a".into(),
                value: "1".into()
            }
        ),
        Ok(1)
    );
    assert_eq!(
        call(
            &mut host,
            kv,
            setCall {
                key: "a".into(),
                value: "2".into()
            }
        ),
        Ok(1)
    );
    assert_eq!(
        call(
            &mut host,
            kv,
            setCall {
                key: "".into(),
                value: "".into()
            }
        ),
        Ok(1)
    );
    assert_eq!(get(&mut host, "a"), (true, "2".into()));
    assert_eq!(get(&mut host, ""), (true, String::new()));
    let why = reason(call(
        &mut host,
        kv,
        setCall {
            key: "k".repeat(256),
            value: "v".into(),
        },
    ));
    assert!(why.contains("-50005"), "{why}");
    let info = call(
        &mut host,
        TABLE_MANAGER,
        descWithKeyOrderCall {
            tableName: "t_kv_test".into(),
        },
    )
    .expect("desc");
    assert_eq!(info.valueColumns, strings(&["item_name"]));
    // A KV table does not speak Table, nor a table KVTable.
    assert!(call(&mut host, kv, select_0Call { key: "a".into() }).is_err());
    let t = people(&mut host, &[]);
    assert!(call(&mut host, t, getCall { key: "a".into() }).is_err());
}

#[test]
fn values_over_16_mib_are_refused() {
    let mut host = MemoryHost::new();
    host.env.gas_limit = u64::MAX / 2;
    let t = people(&mut host, &[("1", "a", "b")]);
    let huge = "x".repeat(MAX_VALUE_LEN + 1);
    let why = reason(insert(&mut host, t, "2", &[&huge, ""]));
    assert!(why.contains("-50006"), "{why}");
    let why = reason(call(
        &mut host,
        t,
        update_0Call {
            key: "1".into(),
            updateFields: vec![UpdateField {
                columnName: "name".into(),
                value: huge,
            }],
        },
    ));
    assert!(why.contains("-50006"), "{why}");
}

#[test]
fn lexicographic_conditions() {
    let mut host = MemoryHost::new();
    let rows = [
        ("apple", "a", "3"),
        ("apricot", "b", "10"),
        ("banana", "c", "2"),
        ("blueberry", "d", "7"),
        ("cherry", "e", "10"),
        ("10", "f", "1"),
        ("9", "g", "1"),
    ];
    let t = people(&mut host, &rows);
    let all = limit(0, 500);
    let cases: Vec<(Vec<Condition>, Vec<&str>)> = vec![
        (
            vec![cond(GE, "id", "")],
            vec![
                "10",
                "9",
                "apple",
                "apricot",
                "banana",
                "blueberry",
                "cherry",
            ],
        ),
        (
            vec![cond(GT, "id", "apricot")],
            vec!["banana", "blueberry", "cherry"],
        ),
        (
            vec![cond(GE, "id", "apricot")],
            vec!["apricot", "banana", "blueberry", "cherry"],
        ),
        (vec![cond(LT, "id", "apple")], vec!["10", "9"]),
        (vec![cond(LE, "id", "apple")], vec!["10", "9", "apple"]),
        (
            vec![cond(GT, "id", "a"), cond(LT, "id", "c")],
            vec!["apple", "apricot", "banana", "blueberry"],
        ),
        (vec![cond(EQ, "id", "banana")], vec!["banana"]),
        (vec![cond(EQ, "id", "nope")], vec![]),
        (
            vec![cond(NE, "id", "banana"), cond(GE, "id", "b")],
            vec!["blueberry", "cherry"],
        ),
        (
            vec![cond(STARTS_WITH, "id", "ap")],
            vec!["apple", "apricot"],
        ),
        (
            vec![cond(ENDS_WITH, "id", "rry")],
            vec!["blueberry", "cherry"],
        ),
        (vec![cond(CONTAINS, "id", "an")], vec!["banana"]),
        (vec![cond(GT, "id", "z"), cond(LT, "id", "a")], vec![]),
        (vec![cond(GE, "id", "b"), cond(LT, "id", "b")], vec![]),
        // Value fields compare as strings, byte-wise.
        (vec![cond(EQ, "age", "10")], vec!["apricot", "cherry"]),
        (vec![cond(GT, "age", "2")], vec!["apple", "blueberry"]),
        (
            vec![cond(STARTS_WITH, "id", "b"), cond(NE, "name", "c")],
            vec!["blueberry"],
        ),
    ];
    for (conditions, expected) in cases {
        let n = count(&mut host, t, conditions.clone()).expect("count");
        let got = select(&mut host, t, conditions.clone(), all.clone()).expect("select");
        assert_eq!(keys(&got), expected, "{conditions:?}");
        assert_eq!(n as usize, expected.len(), "{conditions:?}");
    }
    let got = select(&mut host, t, vec![cond(EQ, "id", "cherry")], all).expect("select");
    assert_eq!(got[0].fields, strings(&["e", "10"]));
}

#[test]
fn numerical_conditions() {
    let mut host = MemoryHost::new();
    assert_eq!(create(&mut host, "nums", 1, "id", &["v"]), Ok(0));
    let t = open(&mut host, "nums");
    for k in [5i64, -3, 100, 0, 42, -100, 9, 10, i64::MIN, i64::MAX] {
        assert_eq!(
            insert(&mut host, t, &k.to_string(), &[&format!("v{k}")]),
            Ok(1)
        );
    }
    let all = limit(0, 500);
    let cases: Vec<(Vec<Condition>, Vec<&str>)> = vec![
        (
            vec![cond(GE, "id", &i64::MIN.to_string())],
            vec![
                "-9223372036854775808",
                "-100",
                "-3",
                "0",
                "5",
                "9",
                "10",
                "42",
                "100",
                "9223372036854775807",
            ],
        ),
        (
            vec![cond(GT, "id", "5"), cond(LE, "id", "42")],
            vec!["9", "10", "42"],
        ),
        (
            vec![cond(LT, "id", "0"), cond(GT, "id", "-100")],
            vec!["-3"],
        ),
        (vec![cond(EQ, "id", "10")], vec!["10"]),
        (
            vec![
                cond(NE, "id", "10"),
                cond(GE, "id", "9"),
                cond(LT, "id", "42"),
            ],
            vec!["9"],
        ),
        // Text ops see the key as written.
        (vec![cond(STARTS_WITH, "id", "1")], vec!["10", "100"]),
        (
            vec![cond(ENDS_WITH, "id", "0"), cond(GT, "id", "-1000")],
            vec!["-100", "0", "10", "100"],
        ),
        (
            vec![cond(CONTAINS, "id", "-")],
            vec!["-9223372036854775808", "-100", "-3"],
        ),
        (vec![cond(EQ, "v", "v42")], vec!["42"]),
    ];
    for (conditions, expected) in cases {
        let got = select(&mut host, t, conditions.clone(), all.clone()).expect("select");
        assert_eq!(keys(&got), expected, "{conditions:?}");
        assert_eq!(
            count(&mut host, t, conditions.clone()),
            Ok(expected.len() as u32)
        );
    }
    // Keys and key conditions must be canonical int64s.
    for bad in ["+1", "01", "1.5", "x", "9223372036854775808"] {
        assert!(
            reason(insert(&mut host, t, bad, &["v"])).contains("int64"),
            "{bad}"
        );
        assert!(reason(call(&mut host, t, select_0Call { key: bad.into() })).contains("int64"));
        assert!(
            reason(select(&mut host, t, vec![cond(GT, "id", bad)], all.clone())).contains("int64")
        );
    }
    assert_eq!(
        call(&mut host, t, select_0Call { key: "-3".into() }),
        Ok(Entry {
            key: "-3".into(),
            fields: strings(&["v-3"])
        })
    );
    assert_eq!(call(&mut host, t, remove_0Call { key: "-3".into() }), Ok(1));
    assert_eq!(count(&mut host, t, vec![cond(LT, "id", "0")]), Ok(2));
}

#[test]
fn limits_offsets_and_condition_errors() {
    let mut host = MemoryHost::new();
    let rows: Vec<(String, String, String)> = (0..20)
        .map(|i| (format!("k{i:02}"), format!("n{i}"), (i % 3).to_string()))
        .collect();
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let t = people(&mut host, &rows);
    let every = || vec![cond(GE, "id", "")];
    let got = select(&mut host, t, every(), limit(5, 3)).expect("select");
    assert_eq!(keys(&got), ["k05", "k06", "k07"]);
    let got = select(&mut host, t, every(), limit(18, 10)).expect("select");
    assert_eq!(keys(&got), ["k18", "k19"]);
    assert_eq!(select(&mut host, t, every(), limit(30, 10)), Ok(vec![]));
    assert_eq!(select(&mut host, t, every(), limit(0, 0)), Ok(vec![]));
    // Offset and count apply to the rows matching every condition.
    let got = select(&mut host, t, vec![cond(EQ, "age", "0")], limit(2, 2)).expect("select");
    assert_eq!(keys(&got), ["k06", "k09"]);

    assert!(reason(select(&mut host, t, every(), limit(0, 501))).contains("Limit overflow"));
    assert!(reason(select(&mut host, t, every(), limit(u32::MAX, 1))).contains("Limit overflow"));
    assert!(reason(select(&mut host, t, vec![], limit(0, 1))).contains("Condition is empty"));
    assert!(reason(count(&mut host, t, vec![])).contains("Condition is empty"));
    assert!(reason(select(
        &mut host,
        t,
        vec![cond(GE, "nope", "")],
        limit(0, 1)
    ))
    .contains("fields not found"));
    assert!(
        reason(select(&mut host, t, vec![cond(9, "id", "")], limit(0, 1)))
            .contains("9 ConditionOP not exist!")
    );
}

#[test]
fn update_and_remove_by_condition() {
    let mut host = MemoryHost::new();
    let rows: Vec<(String, String, String)> = (0..10)
        .map(|i| (format!("{i}"), format!("n{i}"), "x".into()))
        .collect();
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let t = people(&mut host, &rows);
    let status = vec![UpdateField {
        columnName: "age".into(),
        value: "updated".into(),
    }];
    let updated = call(
        &mut host,
        t,
        update_1Call {
            conditions: vec![cond(GT, "id", "2"), cond(LE, "id", "6")],
            limit: limit(1, 2),
            updateFields: status.clone(),
        },
    );
    assert_eq!(updated, Ok(2));
    assert_eq!(count(&mut host, t, vec![cond(EQ, "age", "updated")]), Ok(2));
    let got = select(&mut host, t, vec![cond(EQ, "age", "updated")], limit(0, 10)).expect("select");
    assert_eq!(keys(&got), ["4", "5"]);
    let bad = vec![UpdateField {
        columnName: "id".into(),
        value: "1".into(),
    }];
    let why = reason(call(
        &mut host,
        t,
        update_1Call {
            conditions: vec![cond(GE, "id", "")],
            limit: limit(0, 10),
            updateFields: bad,
        },
    ));
    assert!(why.contains("key field"), "{why}");

    let removed = call(
        &mut host,
        t,
        remove_1Call {
            conditions: vec![cond(NE, "age", "updated")],
            limit: limit(0, 500),
        },
    );
    assert_eq!(removed, Ok(8));
    assert_eq!(count(&mut host, t, vec![cond(GE, "id", "")]), Ok(2));
    let removed = call(
        &mut host,
        t,
        remove_1Call {
            conditions: vec![cond(GE, "id", "")],
            limit: limit(0, 0),
        },
    );
    assert_eq!(removed, Ok(0));
    let removed = call(
        &mut host,
        t,
        remove_1Call {
            conditions: vec![cond(GE, "id", "")],
            limit: limit(0, 500),
        },
    );
    assert_eq!(removed, Ok(2));
    // Emptied: only the table's description, id counter and path remain.
    assert_eq!(
        host.storage.len(),
        3,
        "{:?}",
        host.storage.keys().collect::<Vec<_>>()
    );
}

#[test]
fn v30_condition_layout() {
    let mut host = MemoryHost::new();
    let t = people(
        &mut host,
        &[("a", "1", "1"), ("b", "2", "2"), ("c", "3", "3")],
    );
    let key = |op: u8, value: &str| ConditionV30 {
        op,
        value: value.into(),
    };
    let got = call(
        &mut host,
        t,
        select_2Call {
            conditions: vec![key(GT, "a"), key(LE, "c")],
            limit: limit(0, 10),
        },
    );
    assert_eq!(keys(&got.expect("select")), ["b", "c"]);
    assert_eq!(
        call(
            &mut host,
            t,
            count_1Call {
                conditions: vec![key(GE, "b")]
            }
        ),
        Ok(2)
    );
    let fields = vec![UpdateField {
        columnName: "name".into(),
        value: "z".into(),
    }];
    assert_eq!(
        call(
            &mut host,
            t,
            update_2Call {
                conditions: vec![key(LT, "b")],
                limit: limit(0, 10),
                updateFields: fields
            }
        ),
        Ok(1)
    );
    assert_eq!(
        call(
            &mut host,
            t,
            remove_2Call {
                conditions: vec![key(GE, "c")],
                limit: limit(0, 10)
            }
        ),
        Ok(1)
    );
    // v3.0 had GT..LE only.
    let why = reason(call(
        &mut host,
        t,
        count_1Call {
            conditions: vec![key(EQ, "b")],
        },
    ));
    assert_eq!(why, "4 ConditionOP not exist!");
    let got = call(&mut host, t, select_0Call { key: "a".into() }).expect("select");
    assert_eq!(got.fields, strings(&["z", "1"]));
}

#[test]
fn append_columns() {
    let mut host = MemoryHost::new();
    let t = people(&mut host, &[("1", "alice", "30")]);
    let append = |host: &mut MemoryHost, name: &str, cols: &[&str]| {
        call(
            host,
            TABLE_MANAGER,
            appendColumnsCall {
                path: name.into(),
                newColumns: strings(cols),
            },
        )
    };
    assert_eq!(append(&mut host, "t_test", &["email", "phone"]), Ok(0));
    // Rows written before read the new columns as empty.
    let got = call(&mut host, t, select_0Call { key: "1".into() }).expect("select");
    assert_eq!(got.fields, strings(&["alice", "30", "", ""]));
    assert!(reason(insert(&mut host, t, "2", &["bob", "20"])).contains("mismatch"));
    assert_eq!(insert(&mut host, t, "2", &["bob", "20", "b@x", "1"]), Ok(1));
    let fields = vec![UpdateField {
        columnName: "email".into(),
        value: "a@x".into(),
    }];
    assert_eq!(
        call(
            &mut host,
            t,
            update_0Call {
                key: "1".into(),
                updateFields: fields
            }
        ),
        Ok(1)
    );
    assert_eq!(
        count(&mut host, t, vec![cond(CONTAINS, "email", "@")]),
        Ok(2)
    );

    assert_eq!(
        append(&mut host, "t_test", &["email"]),
        Ok(CODE_TABLE_DUPLICATE_FIELD)
    );
    assert_eq!(
        append(&mut host, "t_test", &["id"]),
        Ok(CODE_TABLE_DUPLICATE_FIELD)
    );
    assert_eq!(
        append(&mut host, "t_test", &["x", "x"]),
        Ok(CODE_TABLE_DUPLICATE_FIELD)
    );
    assert_eq!(append(&mut host, "nope", &["x"]), Ok(CODE_TABLE_NOT_EXIST));
    assert!(reason(append(&mut host, "t_test", &[&"c".repeat(65)])).contains("-50003"));
    assert!(reason(append(&mut host, "t_test", &["a,b"])).contains("-50008"));
    let info = call(
        &mut host,
        TABLE_MANAGER,
        descWithKeyOrderCall {
            tableName: "t_test".into(),
        },
    )
    .expect("desc");
    assert_eq!(
        info.valueColumns,
        strings(&["name", "age", "email", "phone"])
    );
}

#[test]
fn permission_denied_reverts_writes_only() {
    let mut host = MemoryHost::new();
    let t = people(&mut host, &[("1", "a", "b")]);
    let account = host.env.origin;
    host.denied.insert((ffi::AUTH_CREATE_TABLE, account));
    assert_eq!(
        reason(create(&mut host, "other", 0, "k", &[])),
        "permission denied"
    );
    // An existing name still answers -50001, as FISCO checks it before creating.
    assert_eq!(
        create(&mut host, "t_test", 0, "k", &[]),
        Ok(CODE_TABLE_NAME_ALREADY_EXIST)
    );
    assert_eq!(
        reason(call(
            &mut host,
            TABLE_MANAGER,
            createKVTableCall {
                tableName: "kv".into(),
                keyField: "k".into(),
                valueField: "v".into()
            }
        )),
        "permission denied"
    );

    host.denied.clear();
    assert_eq!(
        call(
            &mut host,
            TABLE_MANAGER,
            createKVTableCall {
                tableName: "kv".into(),
                keyField: "k".into(),
                valueField: "v".into()
            }
        ),
        Ok(0)
    );
    let kv = open(&mut host, "kv");
    host.denied.insert((ffi::AUTH_WRITE_TABLE, account));
    let before = host.storage.clone();
    let fields = || {
        vec![UpdateField {
            columnName: "name".into(),
            value: "z".into(),
        }]
    };
    let denied = [
        reason(insert(&mut host, t, "2", &["a", "b"])),
        reason(call(
            &mut host,
            t,
            update_0Call {
                key: "1".into(),
                updateFields: fields(),
            },
        )),
        reason(call(
            &mut host,
            t,
            update_1Call {
                conditions: vec![cond(GE, "id", "")],
                limit: limit(0, 1),
                updateFields: fields(),
            },
        )),
        reason(call(&mut host, t, remove_0Call { key: "1".into() })),
        reason(call(
            &mut host,
            t,
            remove_1Call {
                conditions: vec![cond(GE, "id", "")],
                limit: limit(0, 1),
            },
        )),
        reason(call(
            &mut host,
            kv,
            setCall {
                key: "k".into(),
                value: "v".into(),
            },
        )),
        reason(call(
            &mut host,
            TABLE_MANAGER,
            appendColumnsCall {
                path: "t_test".into(),
                newColumns: strings(&["c"]),
            },
        )),
    ];
    assert!(
        denied.iter().all(|r| r == "permission denied"),
        "{denied:?}"
    );
    assert_eq!(host.storage, before);
    // Reads need no permission.
    assert_eq!(
        call(&mut host, t, select_0Call { key: "1".into() })
            .expect("select")
            .key,
        "1"
    );
    assert_eq!(count(&mut host, t, vec![cond(GE, "id", "")]), Ok(1));
    assert!(
        !call(&mut host, kv, getCall { key: "k".into() })
            .expect("get")
            ._0
    );
}

#[test]
fn static_calls_read_but_cannot_write() {
    let mut host = MemoryHost::new();
    let t = people(&mut host, &[("1", "a", "b")]);
    host.env.is_static = true;
    let before = host.storage.clone();
    assert_eq!(
        insert(&mut host, t, "2", &["a", "b"]),
        Err(CallError::Host(HostError::StaticWrite))
    );
    assert_eq!(
        create(&mut host, "other", 0, "k", &[]),
        Err(CallError::Host(HostError::StaticWrite))
    );
    assert_eq!(
        call(&mut host, t, remove_0Call { key: "1".into() }),
        Err(CallError::Host(HostError::StaticWrite))
    );
    assert_eq!(host.storage, before);
    assert_eq!(
        call(&mut host, t, select_0Call { key: "1".into() })
            .expect("select")
            .fields,
        strings(&["a", "b"])
    );
    assert_eq!(open(&mut host, "t_test"), t);
}

#[test]
fn a_call_that_fails_midway_leaves_storage_unchanged() {
    let mut host = MemoryHost::new();
    let rows: Vec<String> = (0..200).map(|i| format!("k{i:03}")).collect();
    let t = people(&mut host, &[]);
    for k in &rows {
        assert_eq!(insert(&mut host, t, k, &["n", "a"]), Ok(1));
    }
    let before = host.storage.clone();
    // Enough gas to remove some rows, not all 200: out of gas halfway through.
    host.env.gas_limit = 300_000;
    let result = call(
        &mut host,
        t,
        remove_1Call {
            conditions: vec![cond(GE, "id", "")],
            limit: limit(0, 500),
        },
    );
    assert_eq!(result, Err(CallError::Host(HostError::OutOfGas)));
    assert_eq!(host.storage, before);
    host.env.gas_limit = 30_000_000;
    assert_eq!(count(&mut host, t, vec![cond(GE, "id", "")]), Ok(200));
}

#[test]
fn table_code_addresses_and_unknown_tables_revert() {
    let mut host = MemoryHost::new();
    for address in [TABLE_CODE, KV_TABLE_CODE, table_address(7)] {
        let why = reason(call(&mut host, address, select_0Call { key: "a".into() }));
        assert!(why.contains("openTable"), "{why}");
    }
    assert!(matches!(
        host.call::<Crud>(TABLE_MANAGER, &[1, 2, 3, 4]),
        Err(CallError::Revert(_))
    ));
    assert_eq!(table_id(table_address(1)), Some(1));
    assert_eq!(table_id(table_address(u32::MAX)), Some(u32::MAX));
    assert_eq!(table_id(addr(TABLE_BASE)), None);
    assert_eq!(table_id(TABLE_MANAGER), None);
    assert_eq!(table_id(addr(TABLE_BASE + (1 << 32))), None);
}

/// Many rows in random order against a sorted map: selects, counts and removals by
/// condition over a multi-level index.
#[test]
fn many_rows_match_a_model() {
    let mut host = MemoryHost::new();
    assert_eq!(create(&mut host, "big", 1, "id", &["v"]), Ok(0));
    let t = open(&mut host, "big");
    let mut model = BTreeMap::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as i64
    };
    for _ in 0..1_500 {
        let k = next() % 5_000 - 2_500;
        let v = format!("v{}", k.rem_euclid(7));
        let result = insert(&mut host, t, &k.to_string(), &[&v]);
        if model.insert(k, v).is_some() {
            assert_eq!(result, Ok(CODE_INSERT_KEY_EXIST));
            continue;
        }
        assert_eq!(result, Ok(1));
    }
    for _ in 0..40 {
        let (a, b) = (next() % 6_000 - 3_000, next() % 6_000 - 3_000);
        let (lo, hi) = (a.min(b), a.max(b));
        let offset = (next() % 20) as u32;
        let conditions = vec![
            cond(GE, "id", &lo.to_string()),
            cond(LT, "id", &hi.to_string()),
            cond(NE, "v", "v3"),
        ];
        let expected: Vec<String> = model
            .range(lo..hi)
            .filter(|(_, v)| v.as_str() != "v3")
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(
            count(&mut host, t, conditions.clone()),
            Ok(expected.len() as u32)
        );
        let got = select(&mut host, t, conditions, limit(offset, 50)).expect("select");
        let want: Vec<&str> = expected
            .iter()
            .skip(offset as usize)
            .take(50)
            .map(String::as_str)
            .collect();
        assert_eq!(keys(&got), want);
    }
    // Remove a band, then everything, a page of 500 at a time.
    let removed = call(
        &mut host,
        t,
        remove_1Call {
            conditions: vec![cond(GE, "id", "-1000"), cond(LT, "id", "1000")],
            limit: limit(0, 500),
        },
    )
    .expect("remove");
    let band = model.range(-1000..1000).count().min(500);
    assert_eq!(removed as usize, band);
    let mut left = model.len() - band;
    while left > 0 {
        let removed = call(
            &mut host,
            t,
            remove_1Call {
                conditions: vec![cond(GE, "id", &i64::MIN.to_string())],
                limit: limit(0, 500),
            },
        )
        .expect("remove");
        assert_eq!(removed as usize, left.min(500));
        left -= removed as usize;
    }
    assert_eq!(
        count(&mut host, t, vec![cond(GE, "id", &i64::MIN.to_string())]),
        Ok(0)
    );
    // Nothing of the table's rows or index is left but its description.
    assert!(
        host.storage
            .keys()
            .all(|k| matches!(k[0], b'C' | b'N' | b'M')),
        "{}",
        host.storage.len()
    );
}

#[test]
fn scans_charge_gas_per_key() {
    let mut host = MemoryHost::new();
    let rows: Vec<String> = (0..50).map(|i| format!("k{i:02}")).collect();
    let t = people(&mut host, &[]);
    for k in &rows {
        insert(&mut host, t, k, &["n", "a"]).expect("insert");
    }
    count(&mut host, t, vec![cond(EQ, "id", "k10")]).expect("count");
    let narrow = host.gas_used;
    count(&mut host, t, vec![cond(CONTAINS, "id", "k10")]).expect("count");
    let wide = host.gas_used;
    // The equality reads 2 keys (the match and the one past it), the text filter all 50.
    assert_eq!(
        wide - narrow,
        48 * query::GAS_PER_KEY_SCANNED,
        "{narrow} {wide}"
    );
}
