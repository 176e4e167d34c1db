//! The CRUD plugin through real transactions: FISCO BCOS's TableTest and KVTableTest
//! samples in Solidity, their Rust twin in WASM (`contracts/wasm/crud`, same ABI), and
//! TableManager and tables called directly from an account.

use alloy_primitives::{Address, TxKind, I256};
use alloy_sol_types::{sol, Revert, SolCall, SolError, SolEvent};
use weft_crypto::KeyPair;
use weft_plugin_abi::addr;
use weft_tests::{solidity, wasm_contract, PluginChain};
use weft_types::TransactionStatus;

sol! {
    #![sol(all_derives)]

    struct Entry { string key; string[] fields; }
    struct TableInfo { uint8 keyOrder; string keyColumn; string[] valueColumns; }
    struct UpdateField { string columnName; string value; }
    struct Condition { uint8 op; string field; string value; }
    struct Limit { uint32 offset; uint32 count; }

    /// `contracts/solidity/src/TableTest.sol`; the WASM twin adds the `kv…` functions.
    interface TableTest {
        function tableAddress() external view returns (address);
        function select(string id) external view returns (string, string);
        function selectEntry(string id) external view returns (Entry);
        function insert(string id, string name, string age) external returns (int32);
        function insertThenRevert(string id, string name, string age) external;
        function update(string id, string name, string age) external returns (int32);
        function remove(string id) external returns (int32);
        function select(string idLow, string idHigh) external view returns (string[]);
        function selectWhere(uint8 op, string field, string value, uint32 offset, uint32 count_) external view returns (string[]);
        function count(string idLow, string idHigh) external view returns (uint32);
        function update(string idLow, string idHigh) external returns (int32);
        function remove(string idLow, string idHigh) external returns (int32);
        function createTable(string tableName, uint8 keyOrder, string key, string[] fields) external returns (int256);
        function appendColumns(string[] newColumns) external returns (int32);
        function desc() external view returns (string, string[]);
        function tableKeyOrder() external view returns (uint8);
        function kvTableAddress() external view returns (address);
        function kvGet(string id) external view returns (bool, string);
        function kvSet(string id, string itemName) external returns (int32);
        event InsertResult(int256 count);
    }

    /// `KVTableTest` in `contracts/solidity/src/TableTest.sol`.
    interface KVTableTest {
        function tableAddress() external view returns (address);
        function desc() external view returns (string, string);
        function get(string id) external view returns (bool, string);
        function set(string id, string item_name) external returns (int32);
        function createKVTableTest(string _tableName, string keyName, string fieldName) external returns (int32);
    }

    interface TableManager {
        function createTable(string path, TableInfo tableInfo) external returns (int32);
        function createKVTable(string tableName, string keyField, string valueField) external returns (int32);
        function openTable(string path) external view returns (address);
        function descWithKeyOrder(string tableName) external view returns (TableInfo);
    }

    interface Table {
        function select(string key) external view returns (Entry);
        function select(Condition[] conditions, Limit limit) external view returns (Entry[]);
        function insert(Entry entry) external returns (int32);
        function remove(string key) external returns (int32);
    }

    interface KVTable {
        function get(string key) external view returns (bool, string);
        function set(string key, string value) external returns (int32);
    }
}

const TABLE_MANAGER: Address = addr(0x1002);
const GE: u8 = 1;
const EQ: u8 = 4;
const STARTS_WITH: u8 = 6;

/// The address of the `id`-th table created on a chain.
fn table_address(id: u64) -> Address {
    addr(0x1_0000_0000 + id)
}

fn crud_chain() -> PluginChain {
    PluginChain::builder()
        .plugin("weft-plugin-crud")
        .auth_check(false)
        .build()
}

/// Send `call` to `to` in a transaction; its return value (panics unless it succeeded).
fn send<C: SolCall>(chain: &mut PluginChain, from: &KeyPair, to: Address, call: C) -> C::Return {
    let receipt = chain.send(from, TxKind::Call(to), call.abi_encode());
    assert_eq!(
        receipt.status,
        TransactionStatus::Success,
        "{}: {receipt:?}",
        C::SIGNATURE
    );
    C::abi_decode_returns(&receipt.output).unwrap()
}

/// Send `call` to `to`, expecting a revert; its `Error(string)` reason.
fn send_reverting<C: SolCall>(
    chain: &mut PluginChain,
    from: &KeyPair,
    to: Address,
    call: C,
) -> String {
    let receipt = chain.send(from, TxKind::Call(to), call.abi_encode());
    assert_eq!(
        receipt.status,
        TransactionStatus::RevertInstruction,
        "{}: {receipt:?}",
        C::SIGNATURE
    );
    Revert::abi_decode(&receipt.output).unwrap().reason
}

/// `call` to `to` read-only, at the latest block.
pub(crate) fn view<C: SolCall>(chain: &PluginChain, to: Address, call: C) -> C::Return {
    let out = chain.call(Address::ZERO, to, call.abi_encode());
    assert_eq!(
        out.status,
        TransactionStatus::Success,
        "{}: {out:?}",
        C::SIGNATURE
    );
    C::abi_decode_returns(&out.output).unwrap()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Every operation of `TableTest` (Solidity or its WASM twin) deployed at `contract` on a
/// fresh chain: its table is the chain's first.
fn exercise_table_test(chain: &mut PluginChain, user: &KeyPair, contract: Address) {
    use TableTest::*;
    let table = view(chain, contract, tableAddressCall {});
    assert_eq!(table, table_address(1));
    let opened = view(
        chain,
        TABLE_MANAGER,
        TableManager::openTableCall {
            path: "t_testV320".into(),
        },
    );
    assert_eq!(opened, table);
    let (key, columns) = {
        let d = view(chain, contract, descCall {});
        (d._0, d._1)
    };
    assert_eq!(
        (key.as_str(), columns),
        ("id", strings(&["name", "age", "status"]))
    );
    assert_eq!(view(chain, contract, tableKeyOrderCall {}), 1, "numerical");

    // insert: 1, then FISCO's -51506 for a key already there.
    for (id, name, age) in [
        ("1", "alice", "30"),
        ("2", "bob", "20"),
        ("3", "carol", "40"),
        ("10", "dave", "50"),
        ("-5", "erin", "60"),
    ] {
        let insert = insertCall {
            id: id.into(),
            name: name.into(),
            age: age.into(),
        };
        let receipt = chain.send(user, TxKind::Call(contract), insert.abi_encode());
        assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
        assert_eq!(insertCall::abi_decode_returns(&receipt.output).unwrap(), 1);
        // The contract's event; the plugin itself logs nothing, as in FISCO.
        assert_eq!(receipt.logs.len(), 1, "{receipt:?}");
        assert_eq!(receipt.logs[0].address, contract);
        assert_eq!(receipt.logs[0].topics()[0], InsertResult::SIGNATURE_HASH);
    }
    let again = insertCall {
        id: "1".into(),
        name: "x".into(),
        age: "0".into(),
    };
    assert_eq!(send(chain, user, contract, again), -51506);

    // select by key.
    let got = view(chain, contract, select_0Call { id: "1".into() });
    assert_eq!((got._0.as_str(), got._1.as_str()), ("alice", "30"));
    let got = view(chain, contract, select_0Call { id: "99".into() });
    assert_eq!((got._0.as_str(), got._1.as_str()), ("", ""));
    let entry = view(chain, contract, selectEntryCall { id: "10".into() });
    assert_eq!(
        entry,
        Entry {
            key: "10".into(),
            fields: strings(&["dave", "50", "init"])
        }
    );

    // Conditions compare the numerical table's keys as numbers: 2 < 3 < 10.
    let names = view(
        chain,
        contract,
        select_1Call {
            idLow: "1".into(),
            idHigh: "10".into(),
        },
    );
    assert_eq!(names, strings(&["bob", "carol", "dave"]));
    assert_eq!(
        view(
            chain,
            contract,
            countCall {
                idLow: "-10".into(),
                idHigh: "3".into()
            }
        ),
        4
    );
    let where_ =
        |chain: &PluginChain, op: u8, field: &str, value: &str, offset: u32, count: u32| {
            view(
                chain,
                contract,
                selectWhereCall {
                    op,
                    field: field.into(),
                    value: value.into(),
                    offset,
                    count_: count,
                },
            )
        };
    assert_eq!(
        where_(chain, STARTS_WITH, "id", "1", 0, 10),
        strings(&["1", "10"])
    );
    assert_eq!(where_(chain, EQ, "name", "carol", 0, 10), strings(&["3"]));
    assert_eq!(where_(chain, GE, "id", "-100", 1, 2), strings(&["1", "2"]));

    // update by key, and FISCO's -51507 for a missing key.
    let update = update_0Call {
        id: "2".into(),
        name: "bob2".into(),
        age: "21".into(),
    };
    assert_eq!(send(chain, user, contract, update), 1);
    let got = view(chain, contract, select_0Call { id: "2".into() });
    assert_eq!((got._0.as_str(), got._1.as_str()), ("bob2", "21"));
    let missing = update_0Call {
        id: "99".into(),
        name: "x".into(),
        age: "0".into(),
    };
    assert_eq!(send(chain, user, contract, missing), -51507);

    // update by condition: ids 2 and 3.
    assert_eq!(
        send(
            chain,
            user,
            contract,
            update_1Call {
                idLow: "1".into(),
                idHigh: "3".into()
            }
        ),
        2
    );
    let entry = view(chain, contract, selectEntryCall { id: "3".into() });
    assert_eq!(entry.fields[2], "updated");
    let entry = view(chain, contract, selectEntryCall { id: "1".into() });
    assert_eq!(entry.fields[2], "init");

    // remove by key, and FISCO's -51508 for a missing key.
    assert_eq!(
        send(chain, user, contract, remove_0Call { id: "3".into() }),
        1
    );
    assert_eq!(
        send(chain, user, contract, remove_0Call { id: "3".into() }),
        -51508
    );
    // remove by condition: ids -5 and 1.
    assert_eq!(
        send(
            chain,
            user,
            contract,
            remove_1Call {
                idLow: "-10".into(),
                idHigh: "1".into()
            }
        ),
        2
    );
    let left = view(
        chain,
        contract,
        select_1Call {
            idLow: "-100".into(),
            idHigh: "100".into(),
        },
    );
    assert_eq!(left, strings(&["bob2", "dave"]));

    // A revert after a table write undoes the write.
    let state = chain.ledger.state_with_prefix(&[]).unwrap();
    let reason = send_reverting(
        chain,
        user,
        contract,
        insertThenRevertCall {
            id: "50".into(),
            name: "x".into(),
            age: "0".into(),
        },
    );
    assert_eq!(reason, "undo the insert");
    let got = view(chain, contract, select_0Call { id: "50".into() });
    assert_eq!((got._0.as_str(), got._1.as_str()), ("", ""));
    assert_eq!(
        chain.ledger.state_with_prefix(&[]).unwrap(),
        state,
        "nothing of the insert stays"
    );

    // A numerical table refuses keys that are not int64s; the reason bubbles up.
    let bad = insertCall {
        id: "x1".into(),
        name: "x".into(),
        age: "0".into(),
    };
    assert!(send_reverting(chain, user, contract, bad).contains("int64"));

    // appendColumns: old rows read the new column as empty; the contract's 3-field insert
    // no longer fits.
    assert_eq!(
        send(
            chain,
            user,
            contract,
            appendColumnsCall {
                newColumns: strings(&["email"])
            }
        ),
        0
    );
    assert_eq!(
        send(
            chain,
            user,
            contract,
            appendColumnsCall {
                newColumns: strings(&["email"])
            }
        ),
        -50007
    );
    let entry = view(chain, contract, selectEntryCall { id: "2".into() });
    assert_eq!(entry.fields, strings(&["bob2", "21", "updated", ""]));
    let insert = insertCall {
        id: "7".into(),
        name: "x".into(),
        age: "0".into(),
    };
    assert!(send_reverting(chain, user, contract, insert).contains("fields number mismatch"));

    // createTable: 0, then -50001; a bad name reverts.
    let create = |name: &str| createTableCall {
        tableName: name.into(),
        keyOrder: 0,
        key: "k".into(),
        fields: strings(&["v"]),
    };
    assert_eq!(send(chain, user, contract, create("t_other")), I256::ZERO);
    assert_eq!(
        send(chain, user, contract, create("t_other")),
        I256::try_from(-50001).unwrap()
    );
    assert!(send_reverting(chain, user, contract, create("bad-name")).contains("-50008"));
    assert_ne!(
        view(
            chain,
            TABLE_MANAGER,
            TableManager::openTableCall {
                path: "/tables/t_other".into()
            }
        ),
        Address::ZERO
    );
}

#[test]
fn fiscos_table_test_runs_unchanged_in_solidity() {
    let mut chain = crud_chain();
    let user = chain.new_account();
    let contract = chain.deploy(&user, solidity("TableTest"), &[]);
    exercise_table_test(&mut chain, &user, contract);
}

#[test]
fn the_wasm_twin_of_table_test_does_the_same() {
    let mut chain = crud_chain();
    let user = chain.new_account();
    let contract = chain.deploy(&user, wasm_contract("crud"), &[]);
    exercise_table_test(&mut chain, &user, contract);

    // And its KV table, the chain's second table.
    use TableTest::*;
    let kv = view(&chain, contract, kvTableAddressCall {});
    assert_eq!(kv, table_address(2));
    let got = view(&chain, contract, kvGetCall { id: "k".into() });
    assert_eq!((got._0, got._1.as_str()), (false, ""));
    assert_eq!(
        send(
            &mut chain,
            &user,
            contract,
            kvSetCall {
                id: "k".into(),
                itemName: "v1".into()
            }
        ),
        1
    );
    assert_eq!(
        send(
            &mut chain,
            &user,
            contract,
            kvSetCall {
                id: "k".into(),
                itemName: "v2".into()
            }
        ),
        1
    );
    let got = view(&chain, contract, kvGetCall { id: "k".into() });
    assert_eq!((got._0, got._1.as_str()), (true, "v2"));
    let got = view(&chain, kv, KVTable::getCall { key: "k".into() });
    assert_eq!(
        (got._0, got._1.as_str()),
        (true, "v2"),
        "the same row, read directly"
    );
}

#[test]
fn fiscos_kv_table_test_runs_unchanged_in_solidity() {
    use KVTableTest::*;
    let mut chain = crud_chain();
    let user = chain.new_account();
    let contract = chain.deploy(&user, solidity("KVTableTest"), &[]);
    let table = view(&chain, contract, tableAddressCall {});
    assert_eq!(table, table_address(1));
    let d = view(&chain, contract, descCall {});
    assert_eq!((d._0.as_str(), d._1.as_str()), ("id", "item_name"));
    let got = view(&chain, contract, getCall { id: "apple".into() });
    assert_eq!((got._0, got._1.as_str()), (false, ""));
    assert_eq!(
        send(
            &mut chain,
            &user,
            contract,
            setCall {
                id: "apple".into(),
                item_name: "red".into()
            }
        ),
        1
    );
    assert_eq!(
        send(
            &mut chain,
            &user,
            contract,
            setCall {
                id: "apple".into(),
                item_name: "green".into()
            }
        ),
        1
    );
    let got = view(&chain, contract, getCall { id: "apple".into() });
    assert_eq!((got._0, got._1.as_str()), (true, "green"));
    let create = |name: &str| createKVTableTestCall {
        _tableName: name.into(),
        keyName: "k".into(),
        fieldName: "v".into(),
    };
    assert_eq!(send(&mut chain, &user, contract, create("t_kv_2")), 0);
    assert_eq!(send(&mut chain, &user, contract, create("t_kv_2")), -50001);
    // A second deployment opens the existing table (its createKVTable answers -50001).
    let second = chain.deploy(&user, solidity("KVTableTest"), &[]);
    let got = view(&chain, second, getCall { id: "apple".into() });
    assert_eq!((got._0, got._1.as_str()), (true, "green"));
}

#[test]
fn accounts_call_table_manager_and_tables_directly() {
    let mut chain = crud_chain();
    let user = chain.new_account();
    let info = TableInfo {
        keyOrder: 0,
        keyColumn: "name".into(),
        valueColumns: strings(&["tel"]),
    };
    let create = TableManager::createTableCall {
        path: "/tables/phone_book".into(),
        tableInfo: info,
    };
    assert_eq!(send(&mut chain, &user, TABLE_MANAGER, create.clone()), 0);
    assert_eq!(send(&mut chain, &user, TABLE_MANAGER, create), -50001);
    let table = view(
        &chain,
        TABLE_MANAGER,
        TableManager::openTableCall {
            path: "phone_book".into(),
        },
    );
    assert_eq!(table, table_address(1));
    let described = view(
        &chain,
        TABLE_MANAGER,
        TableManager::descWithKeyOrderCall {
            tableName: "phone_book".into(),
        },
    );
    assert_eq!(described.valueColumns, strings(&["tel"]));

    for (name, tel) in [("bob", "2"), ("alice", "1"), ("carol", "3")] {
        let insert = Table::insertCall {
            entry: Entry {
                key: name.into(),
                fields: strings(&[tel]),
            },
        };
        assert_eq!(send(&mut chain, &user, table, insert), 1);
    }
    let rows = view(
        &chain,
        table,
        Table::select_1Call {
            conditions: vec![Condition {
                op: GE,
                field: "name".into(),
                value: "b".into(),
            }],
            limit: Limit {
                offset: 0,
                count: 10,
            },
        },
    );
    let names: Vec<&str> = rows.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(names, ["bob", "carol"], "lexicographic");
    // Limits and bad conditions revert with FISCO's messages.
    let too_many = Table::select_1Call {
        conditions: vec![Condition {
            op: GE,
            field: "name".into(),
            value: "".into(),
        }],
        limit: Limit {
            offset: 0,
            count: 501,
        },
    };
    let out = chain.call(Address::ZERO, table, too_many.abi_encode());
    assert_eq!(out.status, TransactionStatus::RevertInstruction);
    assert!(Revert::abi_decode(&out.output)
        .unwrap()
        .reason
        .contains("Limit overflow"));
    assert_eq!(
        send(
            &mut chain,
            &user,
            table,
            Table::removeCall {
                key: "alice".into()
            }
        ),
        1
    );
    let gone = view(
        &chain,
        table,
        Table::select_0Call {
            key: "alice".into(),
        },
    );
    assert_eq!(gone, Entry::default());

    // A KV table through TableManager, then get/set directly.
    let create = TableManager::createKVTableCall {
        tableName: "settings".into(),
        keyField: "k".into(),
        valueField: "v".into(),
    };
    assert_eq!(send(&mut chain, &user, TABLE_MANAGER, create), 0);
    let kv = view(
        &chain,
        TABLE_MANAGER,
        TableManager::openTableCall {
            path: "settings".into(),
        },
    );
    assert_eq!(kv, table_address(2));
    assert_eq!(
        send(
            &mut chain,
            &user,
            kv,
            KVTable::setCall {
                key: "mode".into(),
                value: "fast".into()
            }
        ),
        1
    );
    let got = view(&chain, kv, KVTable::getCall { key: "mode".into() });
    assert_eq!((got._0, got._1.as_str()), (true, "fast"));

    // Unknown tables, and FISCO's table code addresses, revert.
    for address in [table_address(3), addr(0x1001), addr(0x1009)] {
        let out = chain.call(
            Address::ZERO,
            address,
            Table::select_0Call { key: "a".into() }.abi_encode(),
        );
        assert_eq!(
            out.status,
            TransactionStatus::RevertInstruction,
            "{address}"
        );
    }
}
