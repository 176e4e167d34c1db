//! TableTest in Rust: the twin of `TableTest` in `contracts/solidity/src/TableTest.sol`
//! (every one of its functions and events, same ABI), using FISCO BCOS's tables through
//! Weft's CRUD plugin — TableManager at `0x1002`, then the table's own address from
//! `openTable` — plus a KV table (`kv_get`/`kv_set`, as `KVTableTest`).
//!
//! The constructor creates the numerical table `t_testV320(id; name, age, status)` and the
//! KV table `t_kv_test(id; item_name)` (a table that exists already is opened as it is).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use weft_sdk::prelude::*;

sol! {
    // FISCO's Table.sol, with its enums as the `uint8`s they are on the wire.
    struct Entry { string key; string[] fields; }
    struct TableInfo { uint8 keyOrder; string keyColumn; string[] valueColumns; }
    struct UpdateField { string columnName; string value; }
    struct Condition { uint8 op; string field; string value; }
    struct Limit { uint32 offset; uint32 count; }

    interface TableManager {
        function createTable(string path, TableInfo tableInfo) external returns (int32);
        function createKVTable(string tableName, string keyField, string valueField) external returns (int32);
        function openTable(string path) external view returns (address);
        function appendColumns(string path, string[] newColumns) external returns (int32);
        function descWithKeyOrder(string tableName) external view returns (TableInfo);
    }

    interface Table {
        function select(string key) external view returns (Entry);
        function select(Condition[] conditions, Limit limit) external view returns (Entry[]);
        function count(Condition[] conditions) external view returns (uint32);
        function insert(Entry entry) external returns (int32);
        function update(string key, UpdateField[] updateFields) external returns (int32);
        function update(Condition[] conditions, Limit limit, UpdateField[] updateFields) external returns (int32);
        function remove(string key) external returns (int32);
        function remove(Condition[] conditions, Limit limit) external returns (int32);
    }

    interface KVTable {
        function get(string key) external view returns (bool, string);
        function set(string key, string value) external returns (int32);
    }

    event CreateResult(int256 count);
    event InsertResult(int256 count);
    event UpdateResult(int256 count);
    event RemoveResult(int256 count);
    event SetEvent(int256 count);
}

/// TableManager's address.
pub const TABLE_MANAGER: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x02,
]);
/// The table the contract works on.
pub const TABLE_NAME: &str = "t_testV320";
/// The KV table the contract works on.
pub const KV_TABLE_NAME: &str = "t_kv_test";

/// `KeyOrder.Numerical`.
const NUMERICAL: u8 = 1;
/// `ConditionOP.GT`.
const GT: u8 = 0;
/// `ConditionOP.LE`.
const LE: u8 = 3;

/// The two tables' addresses.
#[storage]
pub struct TableTest {
    table: StorageValue<Address>,
    kv_table: StorageValue<Address>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| String::from(*s)).collect()
}

/// `GT low AND LE high` on the key, as `TableTest.sol`'s range functions.
fn range(id_low: String, id_high: String) -> Vec<Condition> {
    vec![
        Condition {
            op: GT,
            field: "id".into(),
            value: id_low,
        },
        Condition {
            op: LE,
            field: "id".into(),
            value: id_high,
        },
    ]
}

fn all() -> Limit {
    Limit {
        offset: 0,
        count: 500,
    }
}

#[contract(events(CreateResult, InsertResult, UpdateResult, RemoveResult, SetEvent))]
impl TableTest {
    /// Creates (or finds) both tables and keeps their addresses.
    #[constructor]
    pub fn constructor(&mut self) -> Result<(), Revert> {
        let info = TableInfo {
            keyOrder: NUMERICAL,
            keyColumn: "id".into(),
            valueColumns: strings(&["name", "age", "status"]),
        };
        call(
            TABLE_MANAGER,
            &TableManager::createTableCall {
                path: TABLE_NAME.into(),
                tableInfo: info,
            },
        )?;
        let table = static_call(
            TABLE_MANAGER,
            &TableManager::openTableCall {
                path: TABLE_NAME.into(),
            },
        )?;
        require(table != Address::ZERO, "")?;
        self.table.set(table);

        call(
            TABLE_MANAGER,
            &TableManager::createKVTableCall {
                tableName: KV_TABLE_NAME.into(),
                keyField: "id".into(),
                valueField: "item_name".into(),
            },
        )?;
        let kv = static_call(
            TABLE_MANAGER,
            &TableManager::openTableCall {
                path: KV_TABLE_NAME.into(),
            },
        )?;
        self.kv_table.set(kv);
        Ok(())
    }

    /// The table's address.
    pub fn table_address(&self) -> Address {
        self.table.get()
    }

    /// `(name, age)` of row `id`; empty strings if there is none.
    pub fn select(&self, id: String) -> Result<(String, String), Revert> {
        let entry = static_call(self.table.get(), &Table::select_0Call { key: id })?;
        let mut fields = entry.fields.into_iter();
        Ok(match (fields.next(), fields.next(), fields.next()) {
            (Some(name), Some(age), Some(_)) => (name, age),
            _ => (String::new(), String::new()),
        })
    }

    /// Row `id` as the table returns it.
    pub fn select_entry(&self, id: String) -> Result<Entry, Revert> {
        Ok(static_call(
            self.table.get(),
            &Table::select_0Call { key: id },
        )?)
    }

    /// Inserts `(id; name, age, "init")`: 1, or FISCO's code.
    pub fn insert(&mut self, id: String, name: String, age: String) -> Result<i32, Revert> {
        let entry = Entry {
            key: id,
            fields: vec![name, age, "init".into()],
        };
        let result = call(self.table.get(), &Table::insertCall { entry })?;
        emit(&InsertResult {
            count: I256::try_from(result).unwrap_or_default(),
        });
        Ok(result)
    }

    /// Inserts, then reverts: the insert must not survive.
    pub fn insert_then_revert(
        &mut self,
        id: String,
        name: String,
        age: String,
    ) -> Result<(), Revert> {
        self.insert(id, name, age)?;
        Err(Revert::reason("undo the insert"))
    }

    /// Sets name and age of row `id`: 1, or FISCO's code.
    pub fn update(&mut self, id: String, name: String, age: String) -> Result<i32, Revert> {
        let update_fields = vec![
            UpdateField {
                columnName: "name".into(),
                value: name,
            },
            UpdateField {
                columnName: "age".into(),
                value: age,
            },
        ];
        let result = call(
            self.table.get(),
            &Table::update_0Call {
                key: id,
                updateFields: update_fields,
            },
        )?;
        emit(&UpdateResult {
            count: I256::try_from(result).unwrap_or_default(),
        });
        Ok(result)
    }

    /// Removes row `id`: 1, or FISCO's code.
    pub fn remove(&mut self, id: String) -> Result<i32, Revert> {
        let result = call(self.table.get(), &Table::remove_0Call { key: id })?;
        emit(&RemoveResult {
            count: I256::try_from(result).unwrap_or_default(),
        });
        Ok(result)
    }

    /// Names of the rows with `id_low < id <= id_high`.
    #[selector(name = "select")]
    pub fn select_range(&self, id_low: String, id_high: String) -> Result<Vec<String>, Revert> {
        let entries = static_call(
            self.table.get(),
            &Table::select_1Call {
                conditions: range(id_low, id_high),
                limit: all(),
            },
        )?;
        Ok(entries
            .into_iter()
            .map(|e| e.fields.into_iter().next().unwrap_or_default())
            .collect())
    }

    /// Keys of the rows where `field op value`, paged by `offset` and `count_`.
    pub fn select_where(
        &self,
        op: u8,
        field: String,
        value: String,
        offset: u32,
        count_: u32,
    ) -> Result<Vec<String>, Revert> {
        let entries = static_call(
            self.table.get(),
            &Table::select_1Call {
                conditions: vec![Condition { op, field, value }],
                limit: Limit {
                    offset,
                    count: count_,
                },
            },
        )?;
        Ok(entries.into_iter().map(|e| e.key).collect())
    }

    /// How many rows have `id_low < id <= id_high`.
    pub fn count(&self, id_low: String, id_high: String) -> Result<u32, Revert> {
        Ok(static_call(
            self.table.get(),
            &Table::countCall {
                conditions: range(id_low, id_high),
            },
        )?)
    }

    /// Sets status "updated" on the rows with `id_low < id <= id_high`: how many.
    #[selector(name = "update")]
    pub fn update_range(&mut self, id_low: String, id_high: String) -> Result<i32, Revert> {
        let result = call(
            self.table.get(),
            &Table::update_1Call {
                conditions: range(id_low, id_high),
                limit: all(),
                updateFields: vec![UpdateField {
                    columnName: "status".into(),
                    value: "updated".into(),
                }],
            },
        )?;
        emit(&UpdateResult {
            count: I256::try_from(result).unwrap_or_default(),
        });
        Ok(result)
    }

    /// Removes the rows with `id_low < id <= id_high`: how many.
    #[selector(name = "remove")]
    pub fn remove_range(&mut self, id_low: String, id_high: String) -> Result<i32, Revert> {
        let result = call(
            self.table.get(),
            &Table::remove_1Call {
                conditions: range(id_low, id_high),
                limit: all(),
            },
        )?;
        emit(&RemoveResult {
            count: I256::try_from(result).unwrap_or_default(),
        });
        Ok(result)
    }

    /// Creates another table: 0, or FISCO's code.
    pub fn create_table(
        &mut self,
        table_name: String,
        key_order: u8,
        key: String,
        fields: Vec<String>,
    ) -> Result<I256, Revert> {
        require(key_order == 0 || key_order == 1, "")?;
        let result = call(
            TABLE_MANAGER,
            &TableManager::createTableCall {
                path: table_name,
                tableInfo: TableInfo {
                    keyOrder: key_order,
                    keyColumn: key,
                    valueColumns: fields,
                },
            },
        )?;
        let result = I256::try_from(result).unwrap_or_default();
        emit(&CreateResult { count: result });
        Ok(result)
    }

    /// Adds columns to the table: 0, or FISCO's code.
    pub fn append_columns(&mut self, new_columns: Vec<String>) -> Result<i32, Revert> {
        Ok(call(
            TABLE_MANAGER,
            &TableManager::appendColumnsCall {
                path: TABLE_NAME.into(),
                newColumns: new_columns,
            },
        )?)
    }

    /// The table's key field and value fields.
    pub fn desc(&self) -> Result<(String, Vec<String>), Revert> {
        let info = static_call(
            TABLE_MANAGER,
            &TableManager::descWithKeyOrderCall {
                tableName: TABLE_NAME.into(),
            },
        )?;
        Ok((info.keyColumn, info.valueColumns))
    }

    /// The table's `KeyOrder`.
    pub fn table_key_order(&self) -> Result<u8, Revert> {
        let info = static_call(
            TABLE_MANAGER,
            &TableManager::descWithKeyOrderCall {
                tableName: TABLE_NAME.into(),
            },
        )?;
        Ok(info.keyOrder)
    }

    /// The KV table's address.
    pub fn kv_table_address(&self) -> Address {
        self.kv_table.get()
    }

    /// `(found, value)` of `id` in the KV table.
    pub fn kv_get(&self, id: String) -> Result<(bool, String), Revert> {
        let got = static_call(self.kv_table.get(), &KVTable::getCall { key: id })?;
        Ok((got._0, got._1))
    }

    /// Sets `id` in the KV table: 1.
    pub fn kv_set(&mut self, id: String, item_name: String) -> Result<i32, Revert> {
        let result = call(
            self.kv_table.get(),
            &KVTable::setCall {
                key: id,
                value: item_name,
            },
        )?;
        emit(&SetEvent {
            count: I256::try_from(result).unwrap_or_default(),
        });
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::address;
    use weft_sdk::testing::TestHost;

    const TABLE: Address = address!("0000000000000000000000000000000100000001");
    const KV: Address = address!("0000000000000000000000000000000100000002");

    fn deployed() -> (TestHost, TableTest) {
        let host = TestHost::new();
        host.mock_sol::<TableManager::createTableCall>(TABLE_MANAGER, &0);
        host.mock_sol::<TableManager::createKVTableCall>(TABLE_MANAGER, &0);
        host.mock_call(
            TABLE_MANAGER,
            &TableManager::openTableCall {
                path: TABLE_NAME.into(),
            }
            .abi_encode(),
            weft_sdk::testing::MockResult::Return(TABLE.abi_encode()),
        );
        host.mock_call(
            TABLE_MANAGER,
            &TableManager::openTableCall {
                path: KV_TABLE_NAME.into(),
            }
            .abi_encode(),
            weft_sdk::testing::MockResult::Return(KV.abi_encode()),
        );
        let mut contract = TableTest::instance();
        contract.constructor().unwrap();
        (host, contract)
    }

    #[test]
    fn the_constructor_creates_and_opens_both_tables() {
        let (host, contract) = deployed();
        assert_eq!(contract.table_address(), TABLE);
        assert_eq!(contract.kv_table_address(), KV);
        let calls = host.calls();
        let create = TableManager::createTableCall::abi_decode(&calls[0].data).unwrap();
        assert_eq!(create.path, TABLE_NAME);
        assert_eq!(create.tableInfo.keyOrder, NUMERICAL);
        assert_eq!(create.tableInfo.valueColumns, ["name", "age", "status"]);
    }

    #[test]
    fn operations_call_the_table_with_fiscos_abi() {
        let (host, mut contract) = deployed();
        host.mock_sol::<Table::insertCall>(TABLE, &1);
        assert_eq!(
            contract
                .insert("7".into(), "bob".into(), "20".into())
                .unwrap(),
            1
        );
        let sent = Table::insertCall::abi_decode(&host.calls().last().unwrap().data).unwrap();
        assert_eq!(sent.entry.key, "7");
        assert_eq!(sent.entry.fields, ["bob", "20", "init"]);
        assert_eq!(
            host.events::<InsertResult>(),
            [InsertResult {
                count: I256::try_from(1).unwrap()
            }]
        );

        host.mock_sol::<Table::select_0Call>(
            TABLE,
            &Entry {
                key: "7".into(),
                fields: strings(&["bob", "20", "init"]),
            },
        );
        assert_eq!(
            contract.select("7".into()).unwrap(),
            ("bob".into(), "20".into())
        );

        host.mock_sol::<Table::countCall>(TABLE, &2);
        assert_eq!(contract.count("1".into(), "9".into()).unwrap(), 2);
        let sent = Table::countCall::abi_decode(&host.calls().last().unwrap().data).unwrap();
        assert_eq!(sent.conditions, range("1".into(), "9".into()));

        host.mock_sol::<KVTable::setCall>(KV, &1);
        assert_eq!(contract.kv_set("k".into(), "v".into()).unwrap(), 1);
    }

    #[test]
    fn abi_is_table_tests_plus_the_kv_functions() {
        use weft_contract_builder::abi::{artifact_abi, normalize};
        let ours = normalize(TableTest::ABI_JSON).unwrap();
        let solidity = normalize(&artifact_abi("TableTest").unwrap()).unwrap();
        let missing: Vec<&String> = solidity.iter().filter(|e| !ours.contains(e)).collect();
        assert!(missing.is_empty(), "not in the WASM twin: {missing:#?}");
        let extra: Vec<&str> = ours
            .iter()
            .filter(|e| !solidity.contains(e))
            .map(String::as_str)
            .collect();
        assert_eq!(
            extra,
            [
                "event SetEvent(int256 count)",
                "function kvGet(string id) returns (bool,string) view",
                "function kvSet(string id,string itemName) returns (int32) nonpayable",
                "function kvTableAddress() returns (address) view",
            ]
        );
    }
}
