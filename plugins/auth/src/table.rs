//! Table permissions, FISCO v2's `PermissionPrecompiled`: who may create tables and who
//! may write to a given table.

use std::fmt::Write as _;

use weft_plugin_abi::primitives::{Address, I256};
use weft_plugin_abi::{AuthRequest, CallError, Host, HostError, Verdict};

use crate::store::{self, Put};
use crate::{
    account_string, caller_is_chain_admin, code, writable, ContractAuth, CODE_ADDRESS_INVALID,
    CODE_NO_AUTHORIZED, CODE_SUCCESS, CODE_TABLE_AND_ADDRESS_EXIST,
    CODE_TABLE_AND_ADDRESS_NOT_EXIST, CODE_TABLE_NAME_OVERFLOW,
};

/// The reserved table name whose grants say who may create tables (FISCO v2's
/// `SYS_TABLES`).
pub const SYS_TABLES: &str = "_sys_tables_";

/// The BFS folder of FISCO v3's user tables.
const TABLES_PREFIX: &str = "/tables/";

/// A table's name without its folder: `t`, `/t` and `/tables/t` are one table, as FISCO's
/// `getTableName` (and the CRUD plugin) resolve all three to `/tables/t`.
fn normalize(name: &str) -> &str {
    name.strip_prefix(TABLES_PREFIX)
        .or_else(|| name.strip_prefix('/'))
        .unwrap_or(name)
}

/// May `account` write to table `name`: no grants on it, or a grant for `account`?
pub(crate) fn may_write(
    host: &mut dyn Host,
    name: &str,
    account: Address,
) -> Result<bool, HostError> {
    let name = normalize(name);
    if !store::table_name_ok(name) {
        // No grant can exist for a name the permission methods refuse.
        return Ok(true);
    }
    let list = store::table_list(name);
    Ok(list.len(host)? == 0 || list.get(host, account)?.is_some())
}

/// May `account` create tables? Chain admins always may; others if `_sys_tables_` holds
/// no grants or holds one for them.
fn may_create(host: &mut dyn Host, account: Address) -> Result<bool, HostError> {
    Ok(host.is_admin(account)? || may_write(host, SYS_TABLES, account)?)
}

/// The CRUD plugin's question before creating a table: answer it and, if allowed, record
/// the account as the table's admin unless one is recorded already.
pub(crate) fn authorize_create(
    host: &mut dyn Host,
    request: &AuthRequest,
) -> Result<Verdict, HostError> {
    let name = normalize(&request.table);
    if name == SYS_TABLES {
        // The name is reserved for the creation grants themselves.
        return Ok(Verdict::Deny);
    }
    if !may_create(host, request.account)? {
        return Ok(Verdict::Deny);
    }
    if store::table_name_ok(name)
        && !host.env().is_static
        && store::table_admin(host, name)?.is_none()
    {
        store::set_table_admin(host, name, request.account)?;
    }
    Ok(Verdict::Allow)
}

/// May the caller manage the grants of table `name`?
fn may_manage(host: &mut dyn Host, name: &str) -> Result<bool, HostError> {
    if caller_is_chain_admin(host)? {
        return Ok(true);
    }
    if name == SYS_TABLES {
        return Ok(false);
    }
    let caller = host.env().caller;
    Ok(store::table_admin(host, name)? == Some(caller))
}

/// An account as `insert` and `remove` take it: 40 hex digits, `0x` optional, any case.
fn parse_account(text: &str) -> Option<Address> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut raw = [0u8; 20];
    weft_plugin_abi::primitives::hex::decode_to_slice(digits, &mut raw).ok()?;
    Some(Address::from(raw))
}

/// The checks `insert` and `remove` share: the table's name (normalised), or the code to
/// return.
fn managed_grant(
    host: &mut dyn Host,
    name: &str,
    account: &str,
) -> Result<Result<(String, Address), I256>, CallError> {
    let name = normalize(name);
    if !store::table_name_ok(name) {
        return Ok(Err(code(CODE_TABLE_NAME_OVERFLOW)));
    }
    writable(host)?;
    if !may_manage(host, name)? {
        return Ok(Err(code(CODE_NO_AUTHORIZED)));
    }
    match parse_account(account) {
        Some(account) => Ok(Ok((name.to_string(), account))),
        None => Ok(Err(code(CODE_ADDRESS_INVALID))),
    }
}

pub(crate) fn insert(
    host: &mut dyn Host,
    call: ContractAuth::insertCall,
) -> Result<I256, CallError> {
    let (name, account) = match managed_grant(host, &call.tableName, &call.addr)? {
        Ok(grant) => grant,
        Err(code) => return Ok(code),
    };
    let list = store::table_list(&name);
    if list.get(host, account)?.is_some() {
        return Ok(code(CODE_TABLE_AND_ADDRESS_EXIST));
    }
    let block = host.env().block_number;
    match list.put(host, account, &block.to_be_bytes())? {
        Put::Full => Err(CallError::revert_message(&format!(
            "table {name} already grants {} accounts, the maximum: remove one first",
            store::MAX_LIST_LEN
        ))),
        Put::Inserted | Put::Updated => Ok(code(CODE_SUCCESS)),
    }
}

pub(crate) fn remove(
    host: &mut dyn Host,
    call: ContractAuth::removeCall,
) -> Result<I256, CallError> {
    let (name, account) = match managed_grant(host, &call.tableName, &call.addr)? {
        Ok(grant) => grant,
        Err(code) => return Ok(code),
    };
    if store::table_list(&name).remove(host, account)? {
        Ok(code(CODE_SUCCESS))
    } else {
        Ok(code(CODE_TABLE_AND_ADDRESS_NOT_EXIST))
    }
}

/// Quote `text` as a JSON string.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn query_by_name(
    host: &mut dyn Host,
    call: ContractAuth::queryByNameCall,
) -> Result<String, CallError> {
    let name = normalize(&call.tableName);
    let mut out = String::from("[");
    if store::table_name_ok(name) {
        for (i, (account, payload)) in store::table_list(name)
            .entries(host)?
            .into_iter()
            .enumerate()
        {
            let block = u64::from_be_bytes(payload.try_into().map_err(|_| HostError::Failed)?);
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"address\":");
            json_string(&mut out, &account_string(account));
            let _ = write!(out, ",\"enable_num\":\"{block}\",\"table_name\":");
            json_string(&mut out, name);
            out.push('}');
        }
    }
    out.push(']');
    Ok(out)
}

pub(crate) fn check_table_auth(
    host: &mut dyn Host,
    call: ContractAuth::checkTableAuthCall,
) -> Result<bool, CallError> {
    let name = normalize(&call.tableName);
    if name == SYS_TABLES {
        return Ok(may_create(host, call.account)?);
    }
    Ok(may_write(host, name, call.account)?)
}

pub(crate) fn get_table_admin(
    host: &mut dyn Host,
    call: ContractAuth::getTableAdminCall,
) -> Result<Address, CallError> {
    let name = normalize(&call.tableName);
    if !store::table_name_ok(name) {
        return Ok(Address::ZERO);
    }
    Ok(store::table_admin(host, name)?.unwrap_or(Address::ZERO))
}
