//! Weft's permission plugin: FISCO BCOS's `ContractAuthPrecompiled` at `0x1005`, FISCO
//! v2's table permissions, and the answers to the node's permission questions.
//!
//! It depends on the plugin ABI crate only. The node asks it the questions of
//! [`AuthKind`] through [`Plugin::authorize`] — only when genesis turns permission checking
//! on — and routes calls to `0x1005` to [`Plugin::call`]. Both read and write the same
//! storage namespace (layout in [`store`]).
//!
//! ```text
//!  tx / contract ──call 0x1005──▶ ContractAuth methods ──┐   (who may change what)
//!                                                          ▼
//!                                              plugin storage (store.rs)
//!                                                          ▲
//!  executor: Deploy, Call, ContractCreated ─┐              │
//!  CRUD plugin: CreateTable, WriteTable ────┴─▶ authorize ─┘   (Allow / Deny / Frozen)
//! ```
//!
//! # Roles
//!
//! * **Chain admins** — the accounts genesis names ([`Host::is_admin`]), Weft's stand-in
//!   for FISCO's committee. They set the deploy ACL, reset contract admins, decide who may
//!   create tables, and may do everything a contract or table admin may, on any address.
//!   They may always deploy and create tables, so governance cannot lock itself out.
//! * **Contract admins** — the account that deployed a contract (the `account` of the
//!   [`AuthKind::ContractCreated`] notification: the transaction's origin). A contract's
//!   admin sets its method ACLs and freezes, unfreezes or abolishes it.
//! * **Table admins** — the account that created a table (the `account` of the first
//!   allowed [`AuthKind::CreateTable`] question for that name). A table's admin grants and
//!   revokes write access to it.
//!
//! Writers are identified by `msg.sender` (`Env::caller`), as FISCO does; the questions
//! of [`Plugin::authorize`] are about the transaction's origin. An unauthorised write
//! returns [`CODE_NO_AUTHORIZED`] (it does not revert), as in FISCO.
//!
//! # Interface
//!
//! FISCO v3's `ContractAuthPrecompiled` (EVM signatures: the selectors are Keccak-256 of
//! exactly FISCO's signature strings), FISCO v2's `PermissionPrecompiled` table methods,
//! and two view methods of Weft's own:
//!
//! | selector | method | who may call it |
//! |---|---|---|
//! | `0x1749bea9` | `deployType() view returns (uint256)` | anyone |
//! | `0xbb0aa40c` | `setDeployAuthType(uint8) returns (int256)` | chain admins |
//! | `0x61548099` | `openDeployAuth(address) returns (int256)` | chain admins |
//! | `0x56bd7084` | `closeDeployAuth(address) returns (int256)` | chain admins |
//! | `0x630577e5` | `hasDeployAuth(address) view returns (bool)` | anyone |
//! | `0x64efb22b` | `getAdmin(address) view returns (address)` | anyone |
//! | `0xc53057b4` | `resetAdmin(address,address) returns (int256)` | chain admins |
//! | `0x9cc3ca0f` | `setMethodAuthType(address,bytes4,uint8) returns (int256)` | contract admin |
//! | `0x0c82b73d` | `openMethodAuth(address,bytes4,address) returns (int256)` | contract admin |
//! | `0xcb7c5c11` | `closeMethodAuth(address,bytes4,address) returns (int256)` | contract admin |
//! | `0xd8662aa4` | `checkMethodAuth(address,bytes4,address) view returns (bool)` | anyone |
//! | `0x0578519a` | `getMethodAuth(address,bytes4) view returns (uint8,string[],string[])` | anyone |
//! | `0x81c81cdc` | `setContractStatus(address,bool) returns (int256)` | contract admin |
//! | `0xf67f8dcc` | `setContractStatus(address,uint8) returns (int256)` (FISCO 3.2+) | contract admin |
//! | `0x2c8c4a4f` | `contractAvailable(address) view returns (bool)` | anyone |
//! | `0x06e63ff8` | `insert(string tableName,string addr) returns (int256)` (v2) | table admin |
//! | `0x44590a7e` | `remove(string tableName,string addr) returns (int256)` (v2) | table admin |
//! | `0x20586031` | `queryByName(string tableName) view returns (string)` (v2) | anyone |
//! | `0x5bff9ec0` | `checkTableAuth(string tableName,address) view returns (bool)` (Weft) | anyone |
//! | `0x90a3b792` | `getTableAdmin(string tableName) view returns (address)` (Weft) | anyone |
//!
//! "Contract admin" and "table admin" include the chain admins. The unit test
//! `selectors_are_fiscos` pins every selector and signature string above.
//!
//! # Semantics
//!
//! * **Deploy ACL** (`AuthKind::Deploy`, origin): type 0 everyone may deploy; 1 white list,
//!   only accounts opened on the white list; 2 black list, everyone but accounts closed on
//!   the black list. The two lists are kept apart, as in FISCO, and `open`/`close` write the
//!   list of the current type. Chain admins may always deploy; `hasDeployAuth` gives the same
//!   answer as the node's question.
//! * **Method ACL** (`AuthKind::Call`, origin, contract, selector): a frozen or abolished
//!   contract answers `Frozen`; otherwise a method without a type set is open to everyone, a
//!   white-listed method only to accounts opened on it, a black-listed method to everyone
//!   but accounts closed on it. `getMethodAuth` returns the type (0 none) and the opened and
//!   closed accounts of the current type's list, as `0x`-prefixed lowercase hex.
//! * **Status**: `setContractStatus(c, true)` freezes, `false` unfreezes; the `uint8` form
//!   takes 0 normal, 1 freeze, 2 abolish. Abolishing is final: any later change but abolish
//!   again reverts ("Contract already abolish, should not set any status."), as FISCO 3.2+
//!   does; an unknown status reverts ("Unrecognized status type.").
//! * **Table permissions** (FISCO v2 semantics): a table with no grants may be written by
//!   everyone (`AuthKind::WriteTable`); once `insert(table, addr)` granted someone, only the
//!   granted accounts may — the table's admin included only if granted too, as in v2. The
//!   reserved name `_sys_tables_` governs table creation (`AuthKind::CreateTable`): no
//!   grants, everyone may create; otherwise only granted accounts and chain admins. Only
//!   chain admins manage `_sys_tables_`. A leading `/tables/` (or `/`) is stripped from every
//!   name, so `t`, `/t` and `/tables/t` are one table, as in FISCO's `getTableName`. `queryByName` returns v2's JSON,
//!   `[{"address":"0x…","enable_num":"7","table_name":"t"}]`, where `enable_num` is the
//!   block of the grant (grants take effect at once).
//! * **Admins**: `ContractCreated` records the deployer as admin (replacing any earlier
//!   record for that address); `getAdmin` of an unknown contract is the zero address (FISCO
//!   3.3+). The first account allowed to create a table becomes its admin; a later
//!   `CreateTable` question for the same name does not change it.
//!
//! # Return codes (`int256`)
//!
//! | code | name | returned by | FISCO source |
//! |---|---|---|---|
//! | 0 | `CODE_SUCCESS` | every write | `bcos-executor/src/precompiled/common/Common.h` |
//! | −50000 | `CODE_NO_AUTHORIZED` | every write, caller lacks the role | `common/Common.h` |
//! | −50102 | `CODE_ADDRESS_INVALID` | `insert`, `remove`: `addr` is not an address | v2 `libprecompiled/Common.h` (v3 keeps it) |
//! | −51000 | `CODE_TABLE_AND_ADDRESS_EXIST` | `insert`: already granted | v2 `libprecompiled/Common.h` |
//! | −51001 | `CODE_TABLE_AND_ADDRESS_NOT_EXIST` | `remove`: not granted | v2 `libprecompiled/Common.h` |
//! | −51002 | `CODE_TABLE_NAME_OVERFLOW` | `insert`, `remove`: name empty or over 64 bytes | v2 `libprecompiled/Common.h` |
//! | −51003 | `CODE_TABLE_ERROR_AUTH_TYPE` | `setMethodAuthType`, `setDeployAuthType`: type not 1/2 (0–2 for deploy); `open`/`close…Auth` with no type set | v3 `common/Common.h`, as `ContractAuthMgrPrecompiled.cpp` / `AuthManagerPrecompiled.cpp` use it |
//!
//! FISCO reuses −51000…−51003 between v2's table methods and v3's contract methods; each
//! method returns only the codes listed for it, so the method tells them apart.
//!
//! Differences from FISCO, all deliberate: FISCO's `setMethodAuthType` stores any type and
//! fails later; here a type other than 1 or 2 is refused at once. FISCO's `open`/
//! `closeDeployAuth` with deploy type 0 write a list no check reads; here they return
//! −51003. v2's `insert`/`remove` returned the row count 1 on success; here they return 0
//! like every other write. A list full at [`store::MAX_LIST_LEN`] accounts reverts with a
//! message saying so. A write method in a static call fails as a storage write would.
//! Contract existence is not checked (a plugin cannot see code): chain admins may set
//! admins, ACLs and status on any address.

use weft_plugin_abi::primitives::{Address, I256};
use weft_plugin_abi::sol_types::sol;
use weft_plugin_abi::{
    addr, AuthKind, AuthRequest, CallError, CallResult, Host, HostError, Plugin, PluginInfo,
    Verdict,
};

mod contract;
mod deploy;
pub mod store;
mod table;

pub use table::SYS_TABLES;

sol! {
    #![sol(alloy_sol_types = weft_plugin_abi::sol_types)]
    /// What Solidity (and WASM) callers see at `0x1005`: FISCO's `ContractAuthPrecompiled`
    /// (EVM signatures) plus FISCO v2's table permission methods.
    interface ContractAuth {
        function deployType() external view returns (uint256);
        function setDeployAuthType(uint8 _type) external returns (int256);
        function openDeployAuth(address account) external returns (int256);
        function closeDeployAuth(address account) external returns (int256);
        function hasDeployAuth(address account) external view returns (bool);

        function getAdmin(address contractAddr) external view returns (address);
        function resetAdmin(address contractAddr, address admin) external returns (int256);

        function setMethodAuthType(address contractAddr, bytes4 func, uint8 authType)
            external returns (int256);
        function openMethodAuth(address contractAddr, bytes4 func, address account)
            external returns (int256);
        function closeMethodAuth(address contractAddr, bytes4 func, address account)
            external returns (int256);
        function checkMethodAuth(address contractAddr, bytes4 func, address account)
            external view returns (bool);
        function getMethodAuth(address contractAddr, bytes4 func)
            external view returns (uint8 authType, string[] accessList, string[] blockList);

        function setContractStatus(address _address, bool isFreeze) external returns (int256);
        function setContractStatus(address _address, uint8 _status) external returns (int256);
        function contractAvailable(address _address) external view returns (bool);

        function insert(string tableName, string addr) external returns (int256);
        function remove(string tableName, string addr) external returns (int256);
        function queryByName(string tableName) external view returns (string);
        function checkTableAuth(string tableName, address account) external view returns (bool);
        function getTableAdmin(string tableName) external view returns (address);
    }
}

/// The plugin.
pub struct Auth;

/// Where the plugin answers: FISCO's `ContractAuthPrecompiled` address.
pub const ADDRESS: Address = addr(0x1005);

/// Success.
pub const CODE_SUCCESS: i32 = 0;
/// The caller lacks the role the method needs.
pub const CODE_NO_AUTHORIZED: i32 = -50000;
/// `insert` / `remove`: the account string is not an address.
pub const CODE_ADDRESS_INVALID: i32 = -50102;
/// `insert`: the account already has the grant.
pub const CODE_TABLE_AND_ADDRESS_EXIST: i32 = -51000;
/// `remove`: the account has no grant to remove.
pub const CODE_TABLE_AND_ADDRESS_NOT_EXIST: i32 = -51001;
/// `insert` / `remove`: the table name is empty or longer than
/// [`store::MAX_TABLE_NAME_LEN`] bytes.
pub const CODE_TABLE_NAME_OVERFLOW: i32 = -51002;
/// An ACL type out of range, or a list written before its type was set.
pub const CODE_TABLE_ERROR_AUTH_TYPE: i32 = -51003;

impl Plugin for Auth {
    const INFO: PluginInfo = PluginInfo {
        name: "auth",
        version: env!("CARGO_PKG_VERSION"),
        addresses: &[ADDRESS],
        ranges: &[],
        base_gas: 1_000,
        auth_hook: true,
    };

    fn call(host: &mut dyn Host, _address: Address, input: &[u8]) -> CallResult {
        weft_plugin_abi::dispatch!(host, input, ContractAuth::ContractAuthCalls {
            deployType => deploy::deploy_type,
            setDeployAuthType => deploy::set_deploy_auth_type,
            openDeployAuth => deploy::open_deploy_auth,
            closeDeployAuth => deploy::close_deploy_auth,
            hasDeployAuth => deploy::has_deploy_auth,
            getAdmin => contract::get_admin,
            resetAdmin => contract::reset_admin,
            setMethodAuthType => contract::set_method_auth_type,
            openMethodAuth => contract::open_method_auth,
            closeMethodAuth => contract::close_method_auth,
            checkMethodAuth => contract::check_method_auth,
            getMethodAuth => contract::get_method_auth,
            setContractStatus_0 => contract::set_contract_status_bool,
            setContractStatus_1 => contract::set_contract_status,
            contractAvailable => contract::contract_available,
            insert => table::insert,
            remove => table::remove,
            queryByName => table::query_by_name,
            checkTableAuth => table::check_table_auth,
            getTableAdmin => table::get_table_admin,
        })
    }

    fn authorize(host: &mut dyn Host, request: &AuthRequest) -> Result<Verdict, CallError> {
        Ok(match request.kind {
            AuthKind::Deploy => verdict(deploy::may_deploy(host, request.account)?),
            AuthKind::Call => contract::authorize_call(host, request)?,
            AuthKind::ContractCreated => {
                store::set_admin(host, request.contract, request.account)?;
                Verdict::Allow
            }
            AuthKind::CreateTable => table::authorize_create(host, request)?,
            AuthKind::WriteTable => {
                verdict(table::may_write(host, &request.table, request.account)?)
            }
        })
    }
}

weft_plugin_abi::export_plugin!(Auth);

fn verdict(allowed: bool) -> Verdict {
    if allowed {
        Verdict::Allow
    } else {
        Verdict::Deny
    }
}

/// A return code as the `int256` the methods return.
fn code(code: i32) -> I256 {
    I256::unchecked_from(code)
}

/// Refuse a write method in a static call before anything else, as the host would refuse
/// its first storage write.
fn writable(host: &dyn Host) -> Result<(), CallError> {
    if host.env().is_static {
        Err(CallError::Host(HostError::StaticWrite))
    } else {
        Ok(())
    }
}

/// Is the caller one of the chain's admins?
fn caller_is_chain_admin(host: &mut dyn Host) -> Result<bool, HostError> {
    let caller = host.env().caller;
    host.is_admin(caller)
}

/// An account as `getMethodAuth` and `queryByName` print it.
fn account_string(account: Address) -> String {
    format!("0x{}", weft_plugin_abi::primitives::hex::encode(account))
}

#[cfg(test)]
mod tests;
