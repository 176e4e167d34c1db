//! The plugin run off-chain on a [`MemoryHost`]: every method, every return code, every
//! permission question.

use weft_plugin_abi::ffi::gas;
use weft_plugin_abi::primitives::{keccak256, FixedBytes, U256};
use weft_plugin_abi::sol_types::SolCall;
use weft_plugin_abi::testing::{MemoryHost, StorageHost};

use super::*;
use crate::store::MAX_LIST_LEN;
use ContractAuth::*;

const CHAIN_ADMIN: Address = addr(0xA0);
const DEPLOYER: Address = addr(0xD0);
const USER: Address = addr(0xE0);
const OTHER: Address = addr(0xE1);
const CONTRACT: Address = addr(0xC0);
const SELECTOR: FixedBytes<4> = FixedBytes([0x12, 0x34, 0x56, 0x78]);
const OTHER_SELECTOR: FixedBytes<4> = FixedBytes([0x9a, 0xbc, 0xde, 0xf0]);

/// A host whose chain has one admin, [`CHAIN_ADMIN`].
fn chain() -> MemoryHost {
    let mut host = MemoryHost::new();
    host.admins.insert(CHAIN_ADMIN);
    host
}

/// A chain where [`DEPLOYER`] deployed [`CONTRACT`].
fn chain_with_contract() -> MemoryHost {
    let mut host = chain();
    assert_eq!(
        ask(&mut host, AuthKind::ContractCreated, DEPLOYER, CONTRACT),
        Verdict::Allow
    );
    host
}

/// Call the plugin as `who` (caller and origin) and decode what it returns.
fn call<C: SolCall>(host: &mut MemoryHost, who: Address, call: C) -> C::Return {
    host.env.caller = who;
    host.env.origin = who;
    let out = host
        .call::<Auth>(ADDRESS, &call.abi_encode())
        .unwrap_or_else(|e| panic!("{} failed: {e:?}", C::SIGNATURE));
    C::abi_decode_returns(&out).expect("decode the return value")
}

/// Call a write method as `who` and return its code.
fn ret<C: SolCall<Return = I256>>(host: &mut MemoryHost, who: Address, c: C) -> i32 {
    call(host, who, c).as_i32()
}

/// Call as `who` expecting a revert with `message`; storage must be unchanged.
fn reverts<C: SolCall>(host: &mut MemoryHost, who: Address, call: C, message: &str) {
    host.env.caller = who;
    host.env.origin = who;
    let before = host.storage.clone();
    let result = host.call::<Auth>(ADDRESS, &call.abi_encode());
    assert_eq!(result, Err(CallError::revert_message(message)));
    assert_eq!(host.storage, before);
}

fn request(kind: AuthKind, account: Address, contract: Address) -> AuthRequest {
    AuthRequest::new(kind, account, contract)
}

fn ask(host: &mut MemoryHost, kind: AuthKind, account: Address, contract: Address) -> Verdict {
    host.authorize::<Auth>(&request(kind, account, contract))
        .expect("authorize")
}

fn ask_call(host: &mut MemoryHost, account: Address, selector: FixedBytes<4>) -> Verdict {
    let mut req = request(AuthKind::Call, account, CONTRACT);
    req.selector = selector.0;
    host.authorize::<Auth>(&req).expect("authorize")
}

fn ask_table(host: &mut MemoryHost, kind: AuthKind, account: Address, table: &str) -> Verdict {
    let mut req = request(kind, account, Address::ZERO);
    req.table = table.to_string();
    host.authorize::<Auth>(&req).expect("authorize")
}

fn hex(account: Address) -> String {
    account_string(account)
}

#[test]
fn selectors_are_fiscos() {
    // The signature strings are FISCO's (ContractAuthMgrPrecompiled.cpp,
    // AuthManagerPrecompiled.cpp, v2 PermissionPrecompiled.cpp); the selectors are the ones
    // the crate documentation lists.
    let table: &[(&str, &str, [u8; 4])] = &[
        (
            "deployType()",
            deployTypeCall::SIGNATURE,
            deployTypeCall::SELECTOR,
        ),
        (
            "setDeployAuthType(uint8)",
            setDeployAuthTypeCall::SIGNATURE,
            setDeployAuthTypeCall::SELECTOR,
        ),
        (
            "openDeployAuth(address)",
            openDeployAuthCall::SIGNATURE,
            openDeployAuthCall::SELECTOR,
        ),
        (
            "closeDeployAuth(address)",
            closeDeployAuthCall::SIGNATURE,
            closeDeployAuthCall::SELECTOR,
        ),
        (
            "hasDeployAuth(address)",
            hasDeployAuthCall::SIGNATURE,
            hasDeployAuthCall::SELECTOR,
        ),
        (
            "getAdmin(address)",
            getAdminCall::SIGNATURE,
            getAdminCall::SELECTOR,
        ),
        (
            "resetAdmin(address,address)",
            resetAdminCall::SIGNATURE,
            resetAdminCall::SELECTOR,
        ),
        (
            "setMethodAuthType(address,bytes4,uint8)",
            setMethodAuthTypeCall::SIGNATURE,
            setMethodAuthTypeCall::SELECTOR,
        ),
        (
            "openMethodAuth(address,bytes4,address)",
            openMethodAuthCall::SIGNATURE,
            openMethodAuthCall::SELECTOR,
        ),
        (
            "closeMethodAuth(address,bytes4,address)",
            closeMethodAuthCall::SIGNATURE,
            closeMethodAuthCall::SELECTOR,
        ),
        (
            "checkMethodAuth(address,bytes4,address)",
            checkMethodAuthCall::SIGNATURE,
            checkMethodAuthCall::SELECTOR,
        ),
        (
            "getMethodAuth(address,bytes4)",
            getMethodAuthCall::SIGNATURE,
            getMethodAuthCall::SELECTOR,
        ),
        (
            "setContractStatus(address,bool)",
            setContractStatus_0Call::SIGNATURE,
            setContractStatus_0Call::SELECTOR,
        ),
        (
            "setContractStatus(address,uint8)",
            setContractStatus_1Call::SIGNATURE,
            setContractStatus_1Call::SELECTOR,
        ),
        (
            "contractAvailable(address)",
            contractAvailableCall::SIGNATURE,
            contractAvailableCall::SELECTOR,
        ),
        (
            "insert(string,string)",
            insertCall::SIGNATURE,
            insertCall::SELECTOR,
        ),
        (
            "remove(string,string)",
            removeCall::SIGNATURE,
            removeCall::SELECTOR,
        ),
        (
            "queryByName(string)",
            queryByNameCall::SIGNATURE,
            queryByNameCall::SELECTOR,
        ),
        (
            "checkTableAuth(string,address)",
            checkTableAuthCall::SIGNATURE,
            checkTableAuthCall::SELECTOR,
        ),
        (
            "getTableAdmin(string)",
            getTableAdminCall::SIGNATURE,
            getTableAdminCall::SELECTOR,
        ),
    ];
    let mut listed = String::new();
    for (fisco, signature, selector) in table {
        assert_eq!(fisco, signature);
        assert_eq!(&keccak256(fisco.as_bytes())[..4], selector);
        listed.push_str(&format!(
            "| `0x{}` | `{fisco}`\n",
            weft_plugin_abi::primitives::hex::encode(selector)
        ));
    }
    // Every selector the documentation lists is the real one.
    let docs = include_str!("lib.rs");
    for (fisco, _, selector) in table {
        let name = &fisco[..fisco.find('(').unwrap_or(fisco.len())];
        let cell = format!(
            "| `0x{}` | `{name}(",
            weft_plugin_abi::primitives::hex::encode(selector)
        );
        assert!(
            docs.contains(&cell),
            "lib.rs documents the wrong selector for {fisco}; the real ones:\n{listed}"
        );
    }
    assert_eq!(
        ContractAuth::ContractAuthCalls::SELECTORS.len(),
        table.len(),
        "every method is in the table"
    );
}

// ----- deploy ACL -----------------------------------------------------------------------

#[test]
fn deploy_is_open_to_everyone_by_default() {
    let mut host = chain();
    assert_eq!(call(&mut host, USER, deployTypeCall {}), U256::ZERO);
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Allow
    );
    assert!(call(&mut host, USER, hasDeployAuthCall { account: USER }));
    assert!(host.storage.is_empty(), "reads and questions write nothing");
}

#[test]
fn only_chain_admins_change_the_deploy_acl() {
    let mut host = chain();
    for who in [USER, DEPLOYER] {
        assert_eq!(
            ret(&mut host, who, setDeployAuthTypeCall { _type: 1 }),
            CODE_NO_AUTHORIZED
        );
        assert_eq!(
            ret(&mut host, who, openDeployAuthCall { account: who }),
            CODE_NO_AUTHORIZED
        );
        assert_eq!(
            ret(&mut host, who, closeDeployAuthCall { account: who }),
            CODE_NO_AUTHORIZED
        );
    }
    assert!(host.storage.is_empty());
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, setDeployAuthTypeCall { _type: 3 }),
        CODE_TABLE_ERROR_AUTH_TYPE
    );
    // Opening before a type is set writes a list nothing reads: refused.
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, openDeployAuthCall { account: USER }),
        CODE_TABLE_ERROR_AUTH_TYPE
    );
    assert!(host.storage.is_empty());
}

#[test]
fn deploy_white_list() {
    let mut host = chain();
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, setDeployAuthTypeCall { _type: 1 }),
        CODE_SUCCESS
    );
    assert_eq!(call(&mut host, USER, deployTypeCall {}), U256::from(1));
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Deny
    );
    assert!(!call(&mut host, USER, hasDeployAuthCall { account: USER }));
    // Chain admins always may.
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, CHAIN_ADMIN, Address::ZERO),
        Verdict::Allow
    );
    assert!(call(
        &mut host,
        USER,
        hasDeployAuthCall {
            account: CHAIN_ADMIN
        }
    ));

    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, openDeployAuthCall { account: USER }),
        CODE_SUCCESS
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Allow
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, OTHER, Address::ZERO),
        Verdict::Deny
    );
    assert_eq!(
        ret(
            &mut host,
            CHAIN_ADMIN,
            closeDeployAuthCall { account: USER }
        ),
        CODE_SUCCESS
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Deny
    );
}

#[test]
fn deploy_black_list_and_back_to_open() {
    let mut host = chain();
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, setDeployAuthTypeCall { _type: 2 }),
        CODE_SUCCESS
    );
    assert_eq!(call(&mut host, USER, deployTypeCall {}), U256::from(2));
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Allow
    );
    assert_eq!(
        ret(
            &mut host,
            CHAIN_ADMIN,
            closeDeployAuthCall { account: USER }
        ),
        CODE_SUCCESS
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Deny
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, OTHER, Address::ZERO),
        Verdict::Allow
    );
    // A closed chain admin still may: governance cannot lock itself out.
    assert_eq!(
        ret(
            &mut host,
            CHAIN_ADMIN,
            closeDeployAuthCall {
                account: CHAIN_ADMIN
            }
        ),
        CODE_SUCCESS
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, CHAIN_ADMIN, Address::ZERO),
        Verdict::Allow
    );
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, openDeployAuthCall { account: USER }),
        CODE_SUCCESS
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Allow
    );

    // The white list is kept apart: USER was never opened there.
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, setDeployAuthTypeCall { _type: 1 }),
        CODE_SUCCESS
    );
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Deny
    );
    assert_eq!(
        ret(&mut host, CHAIN_ADMIN, setDeployAuthTypeCall { _type: 0 }),
        CODE_SUCCESS
    );
    assert_eq!(call(&mut host, USER, deployTypeCall {}), U256::ZERO);
    assert_eq!(
        ask(&mut host, AuthKind::Deploy, USER, Address::ZERO),
        Verdict::Allow
    );
}

// ----- contract admins ------------------------------------------------------------------

#[test]
fn contract_created_records_the_deployer_as_admin() {
    let mut host = chain();
    assert_eq!(
        call(
            &mut host,
            USER,
            getAdminCall {
                contractAddr: CONTRACT
            }
        ),
        Address::ZERO
    );
    assert_eq!(
        ask(&mut host, AuthKind::ContractCreated, DEPLOYER, CONTRACT),
        Verdict::Allow
    );
    assert_eq!(
        call(
            &mut host,
            USER,
            getAdminCall {
                contractAddr: CONTRACT
            }
        ),
        DEPLOYER
    );
}

#[test]
fn only_chain_admins_reset_admins() {
    let mut host = chain_with_contract();
    let reset = resetAdminCall {
        contractAddr: CONTRACT,
        admin: USER,
    };
    assert_eq!(ret(&mut host, DEPLOYER, reset.clone()), CODE_NO_AUTHORIZED);
    assert_eq!(ret(&mut host, USER, reset.clone()), CODE_NO_AUTHORIZED);
    assert_eq!(
        call(
            &mut host,
            USER,
            getAdminCall {
                contractAddr: CONTRACT
            }
        ),
        DEPLOYER
    );
    assert_eq!(ret(&mut host, CHAIN_ADMIN, reset), CODE_SUCCESS);
    assert_eq!(
        call(
            &mut host,
            USER,
            getAdminCall {
                contractAddr: CONTRACT
            }
        ),
        USER
    );
    // The new admin manages the contract, the old one no longer does.
    let freeze = setContractStatus_0Call {
        _address: CONTRACT,
        isFreeze: true,
    };
    assert_eq!(ret(&mut host, DEPLOYER, freeze.clone()), CODE_NO_AUTHORIZED);
    assert_eq!(ret(&mut host, USER, freeze), CODE_SUCCESS);
}

// ----- method ACLs ----------------------------------------------------------------------

fn set_type(host: &mut MemoryHost, who: Address, selector: FixedBytes<4>, t: u8) -> i32 {
    ret(
        host,
        who,
        setMethodAuthTypeCall {
            contractAddr: CONTRACT,
            func: selector,
            authType: t,
        },
    )
}

fn open_method(host: &mut MemoryHost, who: Address, account: Address) -> i32 {
    ret(
        host,
        who,
        openMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            account,
        },
    )
}

fn close_method(host: &mut MemoryHost, who: Address, account: Address) -> i32 {
    ret(
        host,
        who,
        closeMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            account,
        },
    )
}

fn check_method(host: &mut MemoryHost, account: Address) -> bool {
    call(
        host,
        USER,
        checkMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            account,
        },
    )
}

fn method_auth(host: &mut MemoryHost) -> (u8, Vec<String>, Vec<String>) {
    let got = call(
        host,
        USER,
        getMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
        },
    );
    (got.authType, got.accessList, got.blockList)
}

#[test]
fn methods_are_open_without_an_acl() {
    let mut host = chain_with_contract();
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Allow);
    assert!(check_method(&mut host, USER));
    assert_eq!(method_auth(&mut host), (0, vec![], vec![]));
}

#[test]
fn only_the_contract_admin_or_a_chain_admin_sets_method_acls() {
    let mut host = chain_with_contract();
    let before = host.storage.clone();
    assert_eq!(set_type(&mut host, USER, SELECTOR, 1), CODE_NO_AUTHORIZED);
    assert_eq!(open_method(&mut host, USER, USER), CODE_NO_AUTHORIZED);
    assert_eq!(close_method(&mut host, USER, OTHER), CODE_NO_AUTHORIZED);
    assert_eq!(host.storage, before);
    // Types other than 1 and 2 are refused; lists need a type first.
    assert_eq!(
        set_type(&mut host, DEPLOYER, SELECTOR, 0),
        CODE_TABLE_ERROR_AUTH_TYPE
    );
    assert_eq!(
        set_type(&mut host, DEPLOYER, SELECTOR, 3),
        CODE_TABLE_ERROR_AUTH_TYPE
    );
    assert_eq!(
        open_method(&mut host, DEPLOYER, USER),
        CODE_TABLE_ERROR_AUTH_TYPE
    );
    assert_eq!(
        close_method(&mut host, DEPLOYER, USER),
        CODE_TABLE_ERROR_AUTH_TYPE
    );
    assert_eq!(host.storage, before);
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 1), CODE_SUCCESS);
    assert_eq!(set_type(&mut host, CHAIN_ADMIN, SELECTOR, 2), CODE_SUCCESS);
    // A chain admin may manage a contract with no recorded admin; a user may not.
    let unknown = addr(0xBEEF);
    let on_unknown = setMethodAuthTypeCall {
        contractAddr: unknown,
        func: SELECTOR,
        authType: 1,
    };
    assert_eq!(ret(&mut host, USER, on_unknown.clone()), CODE_NO_AUTHORIZED);
    assert_eq!(ret(&mut host, CHAIN_ADMIN, on_unknown), CODE_SUCCESS);
}

#[test]
fn method_white_list() {
    let mut host = chain_with_contract();
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 1), CODE_SUCCESS);
    assert_eq!(method_auth(&mut host), (1, vec![], vec![]));
    // Nobody is opened: everyone is refused, the deployer and chain admins included.
    for who in [USER, DEPLOYER, CHAIN_ADMIN] {
        assert_eq!(ask_call(&mut host, who, SELECTOR), Verdict::Deny);
        assert!(!check_method(&mut host, who));
    }
    // Other methods of the contract stay open.
    assert_eq!(ask_call(&mut host, USER, OTHER_SELECTOR), Verdict::Allow);

    assert_eq!(open_method(&mut host, DEPLOYER, USER), CODE_SUCCESS);
    assert_eq!(close_method(&mut host, DEPLOYER, OTHER), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Allow);
    assert!(check_method(&mut host, USER));
    assert_eq!(ask_call(&mut host, OTHER, SELECTOR), Verdict::Deny);
    assert_eq!(
        method_auth(&mut host),
        (1, vec![hex(USER)], vec![hex(OTHER)])
    );
    assert_eq!(close_method(&mut host, DEPLOYER, USER), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Deny);
    assert_eq!(
        method_auth(&mut host),
        (1, vec![], vec![hex(USER), hex(OTHER)])
    );
}

#[test]
fn method_black_list() {
    let mut host = chain_with_contract();
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 2), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Allow);
    assert_eq!(close_method(&mut host, DEPLOYER, USER), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Deny);
    assert!(!check_method(&mut host, USER));
    assert_eq!(ask_call(&mut host, OTHER, SELECTOR), Verdict::Allow);
    assert_eq!(method_auth(&mut host), (2, vec![], vec![hex(USER)]));
    assert_eq!(open_method(&mut host, CHAIN_ADMIN, USER), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Allow);
    assert_eq!(method_auth(&mut host), (2, vec![hex(USER)], vec![]));

    // Switching to a white list reads the white list, which is empty.
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 1), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Deny);
    assert_eq!(method_auth(&mut host), (1, vec![], vec![]));
}

#[test]
fn method_lists_are_bounded() {
    let mut host = chain_with_contract();
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 1), CODE_SUCCESS);
    let list = store::method_list(CONTRACT, SELECTOR.0, store::ListMode::White);
    let mut filler = StorageHost {
        storage: std::mem::take(&mut host.storage),
    };
    for n in 0..u64::from(MAX_LIST_LEN) {
        list.put(&mut filler, addr(0x10_0000 + n), &[1])
            .expect("fill");
    }
    host.storage = filler.storage;
    reverts(
        &mut host,
        DEPLOYER,
        openMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            account: USER,
        },
        "the list already holds 1000 accounts, its maximum: close or remove one first",
    );
    // Listed accounts can still be closed.
    assert_eq!(
        close_method(&mut host, DEPLOYER, addr(0x10_0000)),
        CODE_SUCCESS
    );
}

// ----- freezing -------------------------------------------------------------------------

#[test]
fn freeze_and_unfreeze() {
    let mut host = chain_with_contract();
    assert!(call(
        &mut host,
        USER,
        contractAvailableCall { _address: CONTRACT }
    ));
    let freeze = setContractStatus_0Call {
        _address: CONTRACT,
        isFreeze: true,
    };
    assert_eq!(ret(&mut host, USER, freeze.clone()), CODE_NO_AUTHORIZED);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Allow);
    assert_eq!(ret(&mut host, DEPLOYER, freeze), CODE_SUCCESS);
    assert!(!call(
        &mut host,
        USER,
        contractAvailableCall { _address: CONTRACT }
    ));
    for who in [USER, DEPLOYER, CHAIN_ADMIN] {
        assert_eq!(ask_call(&mut host, who, SELECTOR), Verdict::Frozen);
    }
    // Other contracts are untouched.
    let mut other = request(AuthKind::Call, USER, addr(0xC1));
    other.selector = SELECTOR.0;
    assert_eq!(host.authorize::<Auth>(&other), Ok(Verdict::Allow));

    let unfreeze = setContractStatus_0Call {
        _address: CONTRACT,
        isFreeze: false,
    };
    assert_eq!(ret(&mut host, CHAIN_ADMIN, unfreeze), CODE_SUCCESS);
    assert!(call(
        &mut host,
        USER,
        contractAvailableCall { _address: CONTRACT }
    ));
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Allow);
}

#[test]
fn freezing_wins_over_an_open_method() {
    let mut host = chain_with_contract();
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 1), CODE_SUCCESS);
    assert_eq!(open_method(&mut host, DEPLOYER, USER), CODE_SUCCESS);
    let freeze = setContractStatus_1Call {
        _address: CONTRACT,
        _status: 1,
    };
    assert_eq!(ret(&mut host, DEPLOYER, freeze), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Frozen);
    assert_eq!(ask_call(&mut host, OTHER, SELECTOR), Verdict::Frozen);
    // checkMethodAuth answers for the ACL alone, as FISCO's does.
    assert!(check_method(&mut host, USER));
}

#[test]
fn abolish_is_final() {
    let mut host = chain_with_contract();
    let status = |s: u8| setContractStatus_1Call {
        _address: CONTRACT,
        _status: s,
    };
    reverts(&mut host, DEPLOYER, status(3), "Unrecognized status type.");
    // An unauthorised caller gets the code, not the revert.
    assert_eq!(ret(&mut host, USER, status(3)), CODE_NO_AUTHORIZED);
    assert_eq!(ret(&mut host, USER, status(2)), CODE_NO_AUTHORIZED);
    assert_eq!(ret(&mut host, DEPLOYER, status(2)), CODE_SUCCESS);
    assert!(!call(
        &mut host,
        USER,
        contractAvailableCall { _address: CONTRACT }
    ));
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Frozen);
    let refused = "Contract already abolish, should not set any status.";
    reverts(&mut host, DEPLOYER, status(0), refused);
    reverts(&mut host, CHAIN_ADMIN, status(1), refused);
    for freeze in [true, false] {
        let call = setContractStatus_0Call {
            _address: CONTRACT,
            isFreeze: freeze,
        };
        reverts(&mut host, CHAIN_ADMIN, call, refused);
    }
    assert_eq!(ret(&mut host, DEPLOYER, status(2)), CODE_SUCCESS);
    assert_eq!(ask_call(&mut host, USER, SELECTOR), Verdict::Frozen);
}

// ----- table permissions ----------------------------------------------------------------

fn grant(host: &mut MemoryHost, who: Address, table: &str, account: &str) -> i32 {
    ret(
        host,
        who,
        insertCall {
            tableName: table.into(),
            addr: account.into(),
        },
    )
}

fn revoke(host: &mut MemoryHost, who: Address, table: &str, account: &str) -> i32 {
    ret(
        host,
        who,
        removeCall {
            tableName: table.into(),
            addr: account.into(),
        },
    )
}

fn may_write(host: &mut MemoryHost, table: &str, account: Address) -> bool {
    let verdict = ask_table(host, AuthKind::WriteTable, account, table);
    let checked = call(
        host,
        OTHER,
        checkTableAuthCall {
            tableName: table.into(),
            account,
        },
    );
    assert_eq!(
        verdict == Verdict::Allow,
        checked,
        "the question and the view agree"
    );
    checked
}

#[test]
fn tables_are_open_by_default_and_creators_become_table_admins() {
    let mut host = chain();
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, DEPLOYER, "t_test"),
        Verdict::Allow
    );
    assert_eq!(
        call(
            &mut host,
            USER,
            getTableAdminCall {
                tableName: "t_test".into()
            }
        ),
        DEPLOYER
    );
    // A later question for the same name does not change the admin.
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, USER, "/tables/t_test"),
        Verdict::Allow
    );
    assert_eq!(
        call(
            &mut host,
            USER,
            getTableAdminCall {
                tableName: "/tables/t_test".into()
            }
        ),
        DEPLOYER
    );
    for who in [USER, OTHER, DEPLOYER] {
        assert!(may_write(&mut host, "t_test", who));
    }
    assert_eq!(
        call(
            &mut host,
            USER,
            queryByNameCall {
                tableName: "t_test".into()
            }
        ),
        "[]"
    );
    assert_eq!(
        call(
            &mut host,
            USER,
            getTableAdminCall {
                tableName: "nope".into()
            }
        ),
        Address::ZERO
    );
}

#[test]
fn table_write_grants() {
    let mut host = chain();
    host.env.block_number = 7;
    ask_table(&mut host, AuthKind::CreateTable, DEPLOYER, "t_test");
    let (user, other) = (hex(USER), hex(OTHER));

    assert_eq!(grant(&mut host, USER, "t_test", &user), CODE_NO_AUTHORIZED);
    assert_eq!(grant(&mut host, DEPLOYER, "t_test", &user), CODE_SUCCESS);
    assert_eq!(
        grant(
            &mut host,
            DEPLOYER,
            "t_test",
            &user.to_uppercase().replace("0X", "0x")
        ),
        CODE_TABLE_AND_ADDRESS_EXIST
    );
    assert!(may_write(&mut host, "t_test", USER));
    assert!(!may_write(&mut host, "t_test", OTHER));
    // The table's admin is not special: it writes only with a grant, as in FISCO v2.
    assert!(!may_write(&mut host, "t_test", DEPLOYER));
    // A chain admin may grant too, and `/tables/` names the same table.
    host.env.block_number = 8;
    assert_eq!(
        grant(
            &mut host,
            CHAIN_ADMIN,
            "/tables/t_test",
            other.trim_start_matches("0x")
        ),
        CODE_SUCCESS
    );
    assert!(may_write(&mut host, "/tables/t_test", OTHER));
    assert!(may_write(&mut host, "/t_test", OTHER));
    assert!(!may_write(&mut host, "/t_test", DEPLOYER));
    assert_eq!(
        call(
            &mut host,
            USER,
            queryByNameCall {
                tableName: "t_test".into()
            }
        ),
        format!(
            "[{{\"address\":\"{user}\",\"enable_num\":\"7\",\"table_name\":\"t_test\"}},\
             {{\"address\":\"{other}\",\"enable_num\":\"8\",\"table_name\":\"t_test\"}}]"
        )
    );

    assert_eq!(
        revoke(&mut host, OTHER, "t_test", &user),
        CODE_NO_AUTHORIZED
    );
    assert_eq!(revoke(&mut host, DEPLOYER, "t_test", &user), CODE_SUCCESS);
    assert_eq!(
        revoke(&mut host, DEPLOYER, "t_test", &user),
        CODE_TABLE_AND_ADDRESS_NOT_EXIST
    );
    assert!(!may_write(&mut host, "t_test", USER));
    assert_eq!(
        revoke(&mut host, CHAIN_ADMIN, "t_test", &other),
        CODE_SUCCESS
    );
    // No grants left: open to everyone again.
    assert!(may_write(&mut host, "t_test", USER));
    assert_eq!(
        call(
            &mut host,
            USER,
            queryByNameCall {
                tableName: "t_test".into()
            }
        ),
        "[]"
    );
    // Other tables were never affected.
    assert!(may_write(&mut host, "t_other", USER));
}

#[test]
fn table_grant_inputs_are_checked() {
    let mut host = chain();
    ask_table(&mut host, AuthKind::CreateTable, DEPLOYER, "t");
    let user = hex(USER);
    let long = "x".repeat(store::MAX_TABLE_NAME_LEN + 1);
    for name in ["", "/", "/tables/", long.as_str()] {
        assert_eq!(
            grant(&mut host, DEPLOYER, name, &user),
            CODE_TABLE_NAME_OVERFLOW
        );
        assert_eq!(
            revoke(&mut host, DEPLOYER, name, &user),
            CODE_TABLE_NAME_OVERFLOW
        );
        assert_eq!(
            call(
                &mut host,
                USER,
                queryByNameCall {
                    tableName: name.into()
                }
            ),
            "[]"
        );
        // No grant can exist for such a name: the question allows.
        assert!(may_write(&mut host, name, USER));
    }
    let bad = [
        "",
        "0x",
        "0x1234",
        "0xzz00000000000000000000000000000000000000",
        &user[..41],
    ];
    for account in bad {
        assert_eq!(
            grant(&mut host, DEPLOYER, "t", account),
            CODE_ADDRESS_INVALID
        );
        assert_eq!(
            revoke(&mut host, DEPLOYER, "t", account),
            CODE_ADDRESS_INVALID
        );
    }
    // Authorisation is checked before the address.
    assert_eq!(grant(&mut host, USER, "t", "junk"), CODE_NO_AUTHORIZED);
    // Names with JSON's special characters are quoted.
    ask_table(&mut host, AuthKind::CreateTable, DEPLOYER, "a\"b\\c\n");
    assert_eq!(grant(&mut host, DEPLOYER, "a\"b\\c\n", &user), CODE_SUCCESS);
    let json = call(
        &mut host,
        USER,
        queryByNameCall {
            tableName: "a\"b\\c\n".into(),
        },
    );
    assert!(
        json.ends_with(r#""table_name":"a\"b\\c\u000a"}]"#),
        "{json}"
    );
}

#[test]
fn table_creation_grants() {
    let mut host = chain();
    let user = hex(USER);
    // Only chain admins manage _sys_tables_, even once someone created a table of that
    // name's neighbourhood.
    assert_eq!(
        grant(&mut host, USER, SYS_TABLES, &user),
        CODE_NO_AUTHORIZED
    );
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, USER, SYS_TABLES),
        Verdict::Deny,
        "the reserved name cannot be created"
    );
    assert_eq!(
        grant(&mut host, CHAIN_ADMIN, SYS_TABLES, &user),
        CODE_SUCCESS
    );
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, USER, "t1"),
        Verdict::Allow
    );
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, OTHER, "t2"),
        Verdict::Deny
    );
    assert_eq!(
        call(
            &mut host,
            USER,
            getTableAdminCall {
                tableName: "t2".into()
            }
        ),
        Address::ZERO,
        "a refused creator is not recorded"
    );
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, CHAIN_ADMIN, "t3"),
        Verdict::Allow
    );
    let check = |host: &mut MemoryHost, account| {
        call(
            host,
            OTHER,
            checkTableAuthCall {
                tableName: SYS_TABLES.into(),
                account,
            },
        )
    };
    assert!(check(&mut host, USER));
    assert!(check(&mut host, CHAIN_ADMIN));
    assert!(!check(&mut host, OTHER));
    // Creation grants do not restrict writes to tables.
    assert!(may_write(&mut host, "t1", OTHER));
    assert_eq!(
        revoke(&mut host, CHAIN_ADMIN, SYS_TABLES, &user),
        CODE_SUCCESS
    );
    assert_eq!(
        ask_table(&mut host, AuthKind::CreateTable, OTHER, "t2"),
        Verdict::Allow
    );
}

// ----- static calls and malformed input -------------------------------------------------

#[test]
fn write_methods_fail_in_static_calls() {
    let mut host = chain_with_contract();
    host.env.is_static = true;
    host.env.caller = CHAIN_ADMIN;
    let writes: Vec<Vec<u8>> = vec![
        setDeployAuthTypeCall { _type: 1 }.abi_encode(),
        openDeployAuthCall { account: USER }.abi_encode(),
        closeDeployAuthCall { account: USER }.abi_encode(),
        resetAdminCall {
            contractAddr: CONTRACT,
            admin: USER,
        }
        .abi_encode(),
        setMethodAuthTypeCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            authType: 1,
        }
        .abi_encode(),
        openMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            account: USER,
        }
        .abi_encode(),
        closeMethodAuthCall {
            contractAddr: CONTRACT,
            func: SELECTOR,
            account: USER,
        }
        .abi_encode(),
        setContractStatus_0Call {
            _address: CONTRACT,
            isFreeze: true,
        }
        .abi_encode(),
        setContractStatus_1Call {
            _address: CONTRACT,
            _status: 2,
        }
        .abi_encode(),
        setContractStatus_1Call {
            _address: CONTRACT,
            _status: 9,
        }
        .abi_encode(),
        insertCall {
            tableName: "t".into(),
            addr: hex(USER),
        }
        .abi_encode(),
        removeCall {
            tableName: "t".into(),
            addr: hex(USER),
        }
        .abi_encode(),
    ];
    let before = host.storage.clone();
    for input in writes {
        assert_eq!(
            host.call::<Auth>(ADDRESS, &input),
            Err(CallError::Host(HostError::StaticWrite)),
            "selector {:02x?}",
            &input[..4]
        );
    }
    assert_eq!(host.storage, before);
    // Views work in static calls.
    assert_eq!(
        call(
            &mut host,
            USER,
            getAdminCall {
                contractAddr: CONTRACT
            }
        ),
        DEPLOYER
    );
    assert_eq!(method_auth(&mut host), (0, vec![], vec![]));
}

#[test]
fn malformed_input_reverts() {
    let mut host = chain();
    host.env.caller = CHAIN_ADMIN;
    let mut truncated = openDeployAuthCall { account: USER }.abi_encode();
    truncated.truncate(20);
    let mut bad_string = queryByNameCall {
        tableName: "t".into(),
    }
    .abi_encode();
    bad_string[4 + 31] = 0xff; // the string's offset points past the input
    for input in [
        vec![],
        vec![0x17, 0x49],
        vec![1, 2, 3, 4],
        truncated,
        bad_string,
    ] {
        match host.call::<Auth>(ADDRESS, &input) {
            Err(CallError::Revert(_)) => {}
            other => panic!("{input:02x?}: {other:?}"),
        }
    }
    assert!(host.storage.is_empty());
}

#[test]
fn questions_cost_a_few_reads() {
    let mut host = chain_with_contract();
    assert_eq!(set_type(&mut host, DEPLOYER, SELECTOR, 1), CODE_SUCCESS);
    for n in 0..50 {
        assert_eq!(
            open_method(&mut host, DEPLOYER, addr(0x20_0000 + n)),
            CODE_SUCCESS
        );
    }
    assert!(host.storage.len() > 100);
    // Whatever the list's length, a call question reads status, type and one entry.
    let mut req = request(AuthKind::Call, USER, CONTRACT);
    req.selector = SELECTOR.0;
    host.env.gas_limit = 3 * (gas::STORAGE_READ + gas::STORAGE_READ_WORD);
    assert_eq!(host.authorize::<Auth>(&req), Ok(Verdict::Deny));
}

#[test]
fn plugin_declares_the_auth_hook() {
    const { assert!(Auth::INFO.auth_hook) };
    assert_eq!(Auth::INFO.addresses, &[addr(0x1005)]);
}
