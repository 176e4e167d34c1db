//! Weft's CRUD precompile plugin: FISCO BCOS v3's tables, with FISCO's Solidity
//! interfaces, so contracts written against FISCO's `Table.sol` run unchanged.
//!
//! ```text
//!   TableManager 0x1002 ── createTable / createKVTable ──▶ table id n, path /tables/<name>
//!        │                                                     │
//!        └── openTable("<name>") ──▶ 0x…0001_0000_0000 + n ◀────┘  (one address per table)
//!                                          │
//!                  Table (select/count/insert/update/remove) or KVTable (get/set)
//!                                          │
//!                    rows R‖n‖key and the key index X‖n‖node, in 0x1002's storage
//! ```
//!
//! - **TableManager `0x1002`**: `createTable` (v3.2 `(uint8,string,string[])` and v3.0
//!   `(string,string[])` layouts), `createKVTable`, `openTable`, `appendColumns`,
//!   `descWithKeyOrder`, `desc`.
//! - **Tables** answer at `0x0000…0001_0000_0000 + id` ([`table_address`]), ids handed out
//!   from 1 in creation order, so addresses are the same on every node. A table speaks
//!   FISCO's `Table` (both the v3.2 condition layout `(uint8,string,string)` and the v3.0
//!   one `(uint8,string)`), a KV table FISCO's `KVTable`.
//! - `0x1001` and `0x1009`, the addresses FISCO's tables are code of, are claimed so that
//!   nothing else takes them, and revert pointing at `openTable`.
//!
//! Results follow FISCO's `TableManagerPrecompiled`, `TablePrecompiled` and
//! `KVTablePrecompiled` (v3.2+): where FISCO returns an `int32` code, so does this plugin
//! (`-50001` table exists, `-50007` duplicate column in `appendColumns`, `-50100` no such
//! table, `-51506` insert of an existing key, `-51507`/`-51508` update/remove of a missing
//! key, otherwise the rows affected); where FISCO throws, the call reverts with an
//! `Error(string)` that names FISCO's code when it has one. Writes ask the chain's
//! permission plugin first (`AuthKind::CreateTable` / `AuthKind::WriteTable`) and revert
//! with "permission denied". No logs, as in FISCO.
//!
//! Storage layout: [`store`]; the ordered key index: [`index`]; conditions: [`query`].
//! The plugin depends on the plugin ABI crate only.

mod index;
mod names;
mod query;
mod store;

use weft_plugin_abi::primitives::Address;
use weft_plugin_abi::sol_types::{sol, SolCall, SolInterface};
use weft_plugin_abi::{
    addr, AuthKind, AuthRequest, CallError, CallResult, Host, Plugin, PluginInfo,
};

use crate::query::{check_limit, Query};
use crate::store::{KeyOrder, Kind, TableMeta};

sol! {
    #![sol(alloy_sol_types = weft_plugin_abi::sol_types, all_derives)]

    // FISCO's structs (`Table.sol`, `EntryWrapper.sol`). Its enums `KeyOrder` and
    // `ConditionOP` are `uint8` on the wire; they are `uint8` here so that an
    // out-of-range value gets FISCO's message rather than a decoding error.

    /// A row: its key and value fields (`Entry`).
    struct Entry { string key; string[] fields; }
    /// A table's description, v3.2 (`TableInfo`, with `KeyOrder keyOrder`).
    struct TableInfo { uint8 keyOrder; string keyColumn; string[] valueColumns; }
    /// A table's description, v3.0/v3.1 (`TableInfo` before `KeyOrder`).
    struct TableInfoV30 { string keyColumn; string[] valueColumns; }
    /// One field to set (`UpdateField`).
    struct UpdateField { string columnName; string value; }
    /// A condition, v3.2 (`Condition`, with `ConditionOP op`).
    struct Condition { uint8 op; string field; string value; }
    /// A condition on the key, v3.0/v3.1 (`Condition` before `field`; `GT`…`LE` only).
    struct ConditionV30 { uint8 op; string value; }
    /// Rows to skip and rows to take (`Limit`).
    struct Limit { uint32 offset; uint32 count; }

    /// FISCO's `TableManager` at `0x1002`.
    interface TableManager {
        function createTable(string path, TableInfo tableInfo) external returns (int32);
        function createTable(string path, TableInfoV30 tableInfo) external returns (int32);
        function createKVTable(string tableName, string keyField, string valueField) external returns (int32);
        function openTable(string path) external view returns (address);
        function appendColumns(string path, string[] newColumns) external returns (int32);
        function descWithKeyOrder(string tableName) external view returns (TableInfo);
        function desc(string tableName) external view returns (TableInfoV30);
    }

    /// FISCO's `Table`, at each table's address.
    interface Table {
        function select(string key) external view returns (Entry);
        function select(Condition[] conditions, Limit limit) external view returns (Entry[]);
        function select(ConditionV30[] conditions, Limit limit) external view returns (Entry[]);
        function count(Condition[] conditions) external view returns (uint32);
        function count(ConditionV30[] conditions) external view returns (uint32);
        function insert(Entry entry) external returns (int32);
        function update(string key, UpdateField[] updateFields) external returns (int32);
        function update(Condition[] conditions, Limit limit, UpdateField[] updateFields) external returns (int32);
        function update(ConditionV30[] conditions, Limit limit, UpdateField[] updateFields) external returns (int32);
        function remove(string key) external returns (int32);
        function remove(Condition[] conditions, Limit limit) external returns (int32);
        function remove(ConditionV30[] conditions, Limit limit) external returns (int32);
    }

    /// FISCO's `KVTable`, at each KV table's address.
    interface KVTable {
        function get(string key) external view returns (bool, string);
        function set(string key, string value) external returns (int32);
    }
}

/// TableManager: the plugin's storage namespace.
pub const TABLE_MANAGER: Address = addr(0x1002);
/// FISCO's Table code address: claimed, reverts.
pub const TABLE_CODE: Address = addr(0x1001);
/// FISCO's KVTable code address: claimed, reverts.
pub const KV_TABLE_CODE: Address = addr(0x1009);
/// Table `id` answers at `TABLE_BASE + id`.
pub const TABLE_BASE: u64 = 0x1_0000_0000;

/// The address of the table with id `id` (ids start at 1).
pub const fn table_address(id: u32) -> Address {
    addr(TABLE_BASE + id as u64)
}

/// The id of the table answering at `address`, if it is a table address.
pub fn table_id(address: Address) -> Option<u32> {
    let (high, low) = address.0.split_at(12);
    if high.iter().any(|b| *b != 0) {
        return None;
    }
    let low = u64::from_be_bytes(low.try_into().ok()?);
    let id = u32::try_from(low.checked_sub(TABLE_BASE)?).ok()?;
    (id != 0).then_some(id)
}

/// `createTable`/`createKVTable` of a name taken (`CODE_TABLE_NAME_ALREADY_EXIST`).
pub const CODE_TABLE_NAME_ALREADY_EXIST: i32 = -50001;
/// `appendColumns` of a column the table has (`CODE_TABLE_DUPLICATE_FIELD`).
pub const CODE_TABLE_DUPLICATE_FIELD: i32 = names::CODE_TABLE_DUPLICATE_FIELD;
/// `appendColumns` on a table that does not exist (`CODE_TABLE_NOT_EXIST`).
pub const CODE_TABLE_NOT_EXIST: i32 = -50100;
/// `insert` of a key the table has (`CODE_INSERT_KEY_EXIST`).
pub const CODE_INSERT_KEY_EXIST: i32 = -51506;
/// `update` by key of a key the table lacks (`CODE_UPDATE_KEY_NOT_EXIST`).
pub const CODE_UPDATE_KEY_NOT_EXIST: i32 = -51507;
/// `remove` by key of a key the table lacks (`CODE_REMOVE_KEY_NOT_EXIST`).
pub const CODE_REMOVE_KEY_NOT_EXIST: i32 = -51508;

/// The longest key (`USER_TABLE_KEY_VALUE_MAX_LENGTH`), `CODE_TABLE_KEY_VALUE_LENGTH_OVERFLOW`.
pub const MAX_KEY_LEN: usize = 255;
/// The longest value field (`USER_TABLE_FIELD_VALUE_MAX_LENGTH`),
/// `CODE_TABLE_FIELD_VALUE_LENGTH_OVERFLOW`.
pub const MAX_VALUE_LEN: usize = 16 * 1024 * 1024 - 1;

/// Gas for creating a table, on top of the storage it writes (FISCO's `CreateTable`).
pub const GAS_CREATE_TABLE: u64 = 16_000;

/// The plugin.
pub struct Crud;

impl Plugin for Crud {
    const INFO: PluginInfo = PluginInfo {
        name: "crud",
        version: env!("CARGO_PKG_VERSION"),
        addresses: &[TABLE_MANAGER, TABLE_CODE, KV_TABLE_CODE],
        ranges: &[(table_address(1), table_address(u32::MAX))],
        base_gas: 1_000,
        auth_hook: false,
    };

    fn call(host: &mut dyn Host, address: Address, input: &[u8]) -> CallResult {
        let selector: [u8; 4] = input
            .get(..4)
            .and_then(|s| s.try_into().ok())
            .unwrap_or_default();
        if address == TABLE_MANAGER {
            return manager(
                host,
                TableManager::TableManagerCalls::abi_decode(input)?,
                selector,
            );
        }
        let Some(id) = table_id(address) else {
            return Err(CallError::revert_message(&format!(
                "{address} is where FISCO BCOS keeps table code; call the address \
                 TableManager(0x1002).openTable(name) returns for the table"
            )));
        };
        let Some(meta) = store::load_meta(host, id)? else {
            return Err(CallError::revert_message(&format!(
                "no table at {address}: TableManager(0x1002).openTable(name) returns the \
                 address of an existing table"
            )));
        };
        let target = Target {
            address,
            selector,
            meta,
        };
        match target.meta.kind {
            Kind::Table => table(host, target, Table::TableCalls::abi_decode(input)?),
            Kind::Kv => kv_table(host, target, KVTable::KVTableCalls::abi_decode(input)?),
        }
    }
}

weft_plugin_abi::export_plugin!(Crud);

/// The table a call is addressed to.
struct Target {
    address: Address,
    selector: [u8; 4],
    meta: TableMeta,
}

fn ret<C: SolCall>(value: C::Return) -> CallResult {
    Ok(C::abi_encode_returns(&value))
}

/// Ask the chain's permission plugin; revert with "permission denied" if it says no.
fn authorize(
    host: &mut dyn Host,
    kind: AuthKind,
    contract: Address,
    selector: [u8; 4],
    table: &str,
) -> Result<(), CallError> {
    let request = AuthRequest {
        kind,
        account: host.env().origin,
        contract,
        selector,
        table: table.to_string(),
    };
    if host.authorize(&request)? {
        Ok(())
    } else {
        Err(CallError::revert_message("permission denied"))
    }
}

fn check_key(key: &str) -> Result<(), CallError> {
    if key.len() > MAX_KEY_LEN {
        return Err(CallError::revert_message(&format!(
            "size of value/key greater than {MAX_KEY_LEN} error code: -50005 (the key is {} bytes)",
            key.len()
        )));
    }
    Ok(())
}

fn check_value(value: &str) -> Result<(), CallError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(CallError::revert_message(&format!(
            "size of value/key greater than {MAX_VALUE_LEN} error code: -50006 (a value is {} bytes)",
            value.len()
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// TableManager

fn manager(
    host: &mut dyn Host,
    call: TableManager::TableManagerCalls,
    selector: [u8; 4],
) -> CallResult {
    use TableManager::TableManagerCalls as C;
    use TableManager::*;
    match call {
        C::createTable_0(c) => {
            let info = c.tableInfo;
            let code = create(
                host,
                selector,
                &c.path,
                Some(info.keyOrder),
                &info.keyColumn,
                &info.valueColumns,
                Kind::Table,
            )?;
            ret::<createTable_0Call>(code)
        }
        C::createTable_1(c) => {
            let info = c.tableInfo;
            let code = create(
                host,
                selector,
                &c.path,
                None,
                &info.keyColumn,
                &info.valueColumns,
                Kind::Table,
            )?;
            ret::<createTable_1Call>(code)
        }
        C::createKVTable(c) => {
            let code = create(
                host,
                selector,
                &c.tableName,
                None,
                &c.keyField,
                &[c.valueField],
                Kind::Kv,
            )?;
            ret::<createKVTableCall>(code)
        }
        C::openTable(c) => {
            let path = names::table_path(&c.path)?;
            let address = store::table_id(host, &path)?.map_or(Address::ZERO, table_address);
            ret::<openTableCall>(address)
        }
        C::appendColumns(c) => {
            ret::<appendColumnsCall>(append_columns(host, selector, &c.path, &c.newColumns)?)
        }
        C::descWithKeyOrder(c) => {
            let info = match store::meta_by_path(host, &names::table_path(&c.tableName)?)? {
                None => TableInfo::default(),
                Some(meta) => TableInfo {
                    keyOrder: meta.key_order.code(),
                    keyColumn: meta.key_field,
                    valueColumns: meta.value_fields,
                },
            };
            ret::<descWithKeyOrderCall>(info)
        }
        C::desc(c) => {
            let info = match store::meta_by_path(host, &names::table_path(&c.tableName)?)? {
                None => TableInfoV30::default(),
                Some(meta) => TableInfoV30 {
                    keyColumn: meta.key_field,
                    valueColumns: meta.value_fields,
                },
            };
            ret::<descCall>(info)
        }
    }
}

/// `createTable` / `createKVTable`: FISCO checks the parameters (reverting), then
/// whether the name is taken (`-50001`), then creates (here: after asking permission).
fn create(
    host: &mut dyn Host,
    selector: [u8; 4],
    name: &str,
    key_order: Option<u8>,
    key_field: &str,
    value_fields: &[String],
    kind: Kind,
) -> Result<i32, CallError> {
    let key_order = KeyOrder::from_code(key_order.unwrap_or(0))?;
    let (path, key_field, value_fields) = names::check_new_table(name, key_field, value_fields)?;
    if store::table_id(host, &path)?.is_some() {
        return Ok(CODE_TABLE_NAME_ALREADY_EXIST);
    }
    authorize(
        host,
        AuthKind::CreateTable,
        TABLE_MANAGER,
        selector,
        names::bare_name(&path),
    )?;
    host.charge_gas(GAS_CREATE_TABLE)?;
    let id = store::register_table(host, &path)?;
    store::store_meta(
        host,
        &TableMeta {
            id,
            path,
            kind,
            key_order,
            key_field,
            value_fields,
            root: 0,
            next_node: 1,
        },
    )?;
    Ok(0)
}

/// `appendColumns`: `-50100` for no such table, `-50007` (and no change) if a column is
/// there already or named twice. Permission: writing the table.
fn append_columns(
    host: &mut dyn Host,
    selector: [u8; 4],
    name: &str,
    columns: &[String],
) -> Result<i32, CallError> {
    let Some(mut meta) = store::meta_by_path(host, &names::table_path(name)?)? else {
        return Ok(CODE_TABLE_NOT_EXIST);
    };
    authorize(
        host,
        AuthKind::WriteTable,
        table_address(meta.id),
        selector,
        meta.name(),
    )?;
    for column in columns {
        names::check_new_column(column)?;
        if *column == meta.key_field || meta.value_fields.contains(column) {
            return Ok(CODE_TABLE_DUPLICATE_FIELD);
        }
        meta.value_fields.push(column.clone());
    }
    names::check_total_length(&meta.value_fields)?;
    store::store_meta(host, &meta)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------
// Table

fn table(host: &mut dyn Host, mut t: Target, call: Table::TableCalls) -> CallResult {
    use Table::TableCalls as C;
    use Table::*;
    match call {
        C::select_0(c) => ret::<select_0Call>(select_key(host, &t.meta, &c.key)?),
        C::select_1(c) => {
            let query = limited_query(&t.meta, &c.limit, || Ok(v32(c.conditions)))?;
            ret::<select_1Call>(select(host, &t.meta, &query, &c.limit)?)
        }
        C::select_2(c) => {
            let query = limited_query(&t.meta, &c.limit, || v30(&t.meta, c.conditions))?;
            ret::<select_2Call>(select(host, &t.meta, &query, &c.limit)?)
        }
        C::count_0(c) => {
            let query = Query::new(&t.meta, v32(c.conditions))?;
            ret::<count_0Call>(count(host, &t.meta, &query)?)
        }
        C::count_1(c) => {
            let query = Query::new(&t.meta, v30(&t.meta, c.conditions)?)?;
            ret::<count_1Call>(count(host, &t.meta, &query)?)
        }
        C::insert(c) => {
            write_permission(host, &t)?;
            ret::<insertCall>(insert(host, &mut t.meta, c.entry)?)
        }
        C::update_0(c) => {
            write_permission(host, &t)?;
            ret::<update_0Call>(update_key(host, &t.meta, &c.key, &c.updateFields)?)
        }
        C::update_1(c) => {
            write_permission(host, &t)?;
            let query = limited_query(&t.meta, &c.limit, || Ok(v32(c.conditions)))?;
            ret::<update_1Call>(update(host, &t.meta, &query, &c.limit, &c.updateFields)?)
        }
        C::update_2(c) => {
            write_permission(host, &t)?;
            let query = limited_query(&t.meta, &c.limit, || v30(&t.meta, c.conditions))?;
            ret::<update_2Call>(update(host, &t.meta, &query, &c.limit, &c.updateFields)?)
        }
        C::remove_0(c) => {
            write_permission(host, &t)?;
            ret::<remove_0Call>(remove_key(host, &mut t.meta, &c.key)?)
        }
        C::remove_1(c) => {
            write_permission(host, &t)?;
            let query = limited_query(&t.meta, &c.limit, || Ok(v32(c.conditions)))?;
            ret::<remove_1Call>(remove(host, &mut t.meta, &query, &c.limit)?)
        }
        C::remove_2(c) => {
            write_permission(host, &t)?;
            let query = limited_query(&t.meta, &c.limit, || v30(&t.meta, c.conditions))?;
            ret::<remove_2Call>(remove(host, &mut t.meta, &query, &c.limit)?)
        }
    }
}

/// The query for `conditions` under `limit`: the limit is checked first, then the
/// conditions are built and checked.
fn limited_query<I: IntoIterator<Item = (u8, String, String)>>(
    meta: &TableMeta,
    limit: &Limit,
    conditions: impl FnOnce() -> Result<I, CallError>,
) -> Result<Query, CallError> {
    check_limit(limit.offset, limit.count)?;
    Query::new(meta, conditions()?)
}

fn write_permission(host: &mut dyn Host, t: &Target) -> Result<(), CallError> {
    authorize(
        host,
        AuthKind::WriteTable,
        t.address,
        t.selector,
        t.meta.name(),
    )
}

fn v32(conditions: Vec<Condition>) -> impl Iterator<Item = (u8, String, String)> {
    conditions.into_iter().map(|c| (c.op, c.field, c.value))
}

/// v3.0 conditions are on the key and `GT`/`GE`/`LT`/`LE` only (FISCO's
/// `buildKeyCondition`).
fn v30(
    meta: &TableMeta,
    conditions: Vec<ConditionV30>,
) -> Result<Vec<(u8, String, String)>, CallError> {
    conditions
        .into_iter()
        .map(|c| {
            if c.op > 3 {
                return Err(CallError::revert_message(&format!(
                    "{} ConditionOP not exist!",
                    c.op
                )));
            }
            Ok((c.op, meta.key_field.clone(), c.value))
        })
        .collect()
}

/// A missing key selects an empty entry (key `""`, no fields), as in FISCO.
fn select_key(host: &mut dyn Host, meta: &TableMeta, key: &str) -> Result<Entry, CallError> {
    let stored = meta.key_order.encode(key)?;
    Ok(
        match store::load_row(host, meta.id, &stored, meta.value_fields.len())? {
            None => Entry::default(),
            Some(fields) => Entry {
                key: key.to_string(),
                fields,
            },
        },
    )
}

fn select(
    host: &mut dyn Host,
    meta: &TableMeta,
    query: &Query,
    limit: &Limit,
) -> Result<Vec<Entry>, CallError> {
    matching_rows(host, meta, query, limit)?
        .into_iter()
        .map(|(stored, fields)| {
            Ok(Entry {
                key: meta.key_order.decode(&stored)?,
                fields,
            })
        })
        .collect()
}

/// A row: its stored key and its fields.
type Row = (Vec<u8>, Vec<String>);

/// The rows `query` matches within `limit`.
fn matching_rows(
    host: &mut dyn Host,
    meta: &TableMeta,
    query: &Query,
    limit: &Limit,
) -> Result<Vec<Row>, CallError> {
    let mut rows = Vec::new();
    query.scan(
        host,
        meta,
        limit.offset.into(),
        limit.count.into(),
        true,
        |stored, fields| {
            rows.push((stored, fields.unwrap_or_default()));
        },
    )?;
    Ok(rows)
}

/// Every matching row, without limit (FISCO counts in pages of 500 until done).
fn count(host: &mut dyn Host, meta: &TableMeta, query: &Query) -> Result<u32, CallError> {
    let mut n = 0u32;
    query.scan(host, meta, 0, u64::MAX, false, |_, _| {
        n = n.saturating_add(1)
    })?;
    Ok(n)
}

/// `insert`: FISCO converts a numerical key (reverting if it is not an `int64`), checks the
/// field count and sizes (reverting), then returns `-51506` if the key is taken, else 1.
fn insert(host: &mut dyn Host, meta: &mut TableMeta, entry: Entry) -> Result<i32, CallError> {
    let stored = meta.key_order.encode(&entry.key)?;
    if entry.fields.len() != meta.value_fields.len() {
        return Err(CallError::revert_message(&format!(
            "Table insert entry fields number mismatch: {} has {} value fields ({}), the entry {}",
            meta.path,
            meta.value_fields.len(),
            meta.value_fields.join(", "),
            entry.fields.len()
        )));
    }
    check_key(&entry.key)?;
    for value in &entry.fields {
        check_value(value)?;
    }
    if store::row_exists(host, meta.id, &stored)? {
        return Ok(CODE_INSERT_KEY_EXIST);
    }
    store::store_row(host, meta.id, &stored, &entry.fields)?;
    if index::insert(host, meta, &stored)? {
        store::store_meta(host, meta)?;
    }
    Ok(1)
}

/// The columns `fields` set, checked as FISCO does: each value's size, not the key field,
/// an existing column.
fn resolve_updates(
    meta: &TableMeta,
    fields: &[UpdateField],
) -> Result<Vec<(usize, String)>, CallError> {
    fields
        .iter()
        .map(|f| {
            check_value(&f.value)?;
            if f.columnName == meta.key_field {
                return Err(CallError::revert_message(&format!(
                    "Table update fields cannot contains key field \"{}\"; remove the row and \
                     insert it under the new key",
                    meta.key_field
                )));
            }
            let column = meta
                .value_fields
                .iter()
                .position(|c| *c == f.columnName)
                .ok_or_else(|| {
                    CallError::revert_message(&format!(
                        "Table update fields not found: {} has no field \"{}\" (its fields: {})",
                        meta.path,
                        f.columnName,
                        meta.value_fields.join(", ")
                    ))
                })?;
            Ok((column, f.value.clone()))
        })
        .collect()
}

/// `update` by key: `-51507` for a missing key (checked before the fields, as FISCO
/// does), else 1.
fn update_key(
    host: &mut dyn Host,
    meta: &TableMeta,
    key: &str,
    fields: &[UpdateField],
) -> Result<i32, CallError> {
    let stored = meta.key_order.encode(key)?;
    let Some(mut row) = store::load_row(host, meta.id, &stored, meta.value_fields.len())? else {
        return Ok(CODE_UPDATE_KEY_NOT_EXIST);
    };
    for (column, value) in resolve_updates(meta, fields)? {
        row[column] = value;
    }
    store::store_row(host, meta.id, &stored, &row)?;
    Ok(1)
}

/// `update` by condition: the rows updated.
fn update(
    host: &mut dyn Host,
    meta: &TableMeta,
    query: &Query,
    limit: &Limit,
    fields: &[UpdateField],
) -> Result<i32, CallError> {
    let updates = resolve_updates(meta, fields)?;
    let rows = matching_rows(host, meta, query, limit)?;
    let updated = rows.len() as i32;
    for (stored, mut row) in rows {
        for (column, value) in &updates {
            row[*column] = value.clone();
        }
        store::store_row(host, meta.id, &stored, &row)?;
    }
    Ok(updated)
}

/// `remove` by key: `-51508` for a missing key, else 1.
fn remove_key(host: &mut dyn Host, meta: &mut TableMeta, key: &str) -> Result<i32, CallError> {
    let stored = meta.key_order.encode(key)?;
    if !store::row_exists(host, meta.id, &stored)? {
        return Ok(CODE_REMOVE_KEY_NOT_EXIST);
    }
    delete_row(host, meta, &stored)?;
    Ok(1)
}

/// `remove` by condition: the rows removed.
fn remove(
    host: &mut dyn Host,
    meta: &mut TableMeta,
    query: &Query,
    limit: &Limit,
) -> Result<i32, CallError> {
    let mut keys = Vec::new();
    query.scan(
        host,
        meta,
        limit.offset.into(),
        limit.count.into(),
        false,
        |stored, _| keys.push(stored),
    )?;
    for stored in &keys {
        delete_row(host, meta, stored)?;
    }
    Ok(keys.len() as i32)
}

fn delete_row(host: &mut dyn Host, meta: &mut TableMeta, stored: &[u8]) -> Result<(), CallError> {
    store::remove_row(host, meta.id, stored)?;
    if index::remove(host, meta, stored)? {
        store::store_meta(host, meta)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// KVTable

fn kv_table(host: &mut dyn Host, t: Target, call: KVTable::KVTableCalls) -> CallResult {
    use KVTable::KVTableCalls as C;
    use KVTable::*;
    match call {
        C::get(c) => {
            // A missing key gets (false, ""), as in FISCO.
            let value = store::load_row(host, t.meta.id, c.key.as_bytes(), 1)?;
            let (found, value) = match value {
                Some(mut row) => (true, std::mem::take(&mut row[0])),
                None => (false, String::new()),
            };
            ret::<getCall>(getReturn {
                _0: found,
                _1: value,
            })
        }
        C::set(c) => {
            write_permission(host, &t)?;
            check_key(&c.key)?;
            check_value(&c.value)?;
            store::store_row(host, t.meta.id, c.key.as_bytes(), &[c.value])?;
            ret::<setCall>(1)
        }
    }
}

#[cfg(test)]
mod tests;
