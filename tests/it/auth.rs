//! The permission plugin (`weft-plugin-auth`, FISCO's ContractAuthPrecompiled at `0x1005`)
//! through real transactions on a chain whose genesis turns permission checking on: the
//! deploy ACL for Solidity and WASM deployments, method ACLs, freezing, who may change
//! what, and table permissions with the CRUD plugin loaded.

use alloy_primitives::{Address, TxKind, I256, U256};
use alloy_sol_types::{sol, SolCall};
use weft_crypto::KeyPair;
use weft_plugin_abi::addr;
use weft_tests::{solidity, wasm_contract, PluginChain};
use weft_types::{Receipt, TransactionStatus};

use crate::crud::{view, KVTable, TableManager};

sol! {
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
    interface HelloWorld {
        function get() external view returns (string);
        function set(string name_) external;
    }
    interface AuthTest {
        function set(uint256 v) external;
        function get() external view returns (uint256);
        function freeze(address target) external returns (int256);
        function adminOf(address target) external view returns (address);
        function createKVTable(string name, string keyField, string valueField)
            external returns (int32);
        function kvSet(string path, string key, string v) external returns (int32);
        function kvGet(string path, string key) external view returns (bool, string);
    }
}

const AUTH: Address = addr(0x1005);

/// FISCO's `CODE_NO_AUTHORIZED`.
const NO_AUTHORIZED: i32 = -50000;

fn auth_chain() -> PluginChain {
    PluginChain::builder()
        .plugin("weft-plugin-auth")
        .auth_check(true)
        .build()
}

/// Send a write method to 0x1005 from `from`: the transaction succeeds and the method's
/// code is returned.
fn auth_write<C: SolCall<Return = I256>>(chain: &mut PluginChain, from: &KeyPair, call: C) -> i32 {
    let receipt = chain.send(from, TxKind::Call(AUTH), call.abi_encode());
    assert_eq!(
        receipt.status,
        TransactionStatus::Success,
        "{}: {receipt:?}",
        C::SIGNATURE
    );
    C::abi_decode_returns(&receipt.output).unwrap().as_i32()
}

fn deploy_receipt(chain: &mut PluginChain, from: &KeyPair, code: Vec<u8>) -> Receipt {
    chain.send(from, TxKind::Create, code)
}

fn hex(account: Address) -> String {
    format!("0x{}", alloy_primitives::hex::encode(account))
}

#[test]
fn deploy_white_list_gates_solidity_and_wasm_deployments() {
    let mut chain = auth_chain();
    let admin = chain.admin.clone();
    let user = chain.new_account();
    assert_eq!(
        view(&chain, AUTH, ContractAuth::deployTypeCall {}),
        U256::ZERO
    );

    // Only a chain admin may switch the deploy ACL on.
    assert_eq!(
        auth_write(
            &mut chain,
            &user,
            ContractAuth::setDeployAuthTypeCall { _type: 1 }
        ),
        NO_AUTHORIZED
    );
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::setDeployAuthTypeCall { _type: 1 }
        ),
        0
    );
    assert_eq!(
        view(&chain, AUTH, ContractAuth::deployTypeCall {}),
        U256::from(1)
    );
    assert!(!view(
        &chain,
        AUTH,
        ContractAuth::hasDeployAuthCall {
            account: user.address()
        }
    ));

    for code in [solidity("HelloWorld"), wasm_contract("hello")] {
        let receipt = deploy_receipt(&mut chain, &user, code);
        assert_eq!(
            receipt.status,
            TransactionStatus::PermissionDenied,
            "{receipt:?}"
        );
        assert_eq!(receipt.contract_address, None);
    }
    // Chain admins always may.
    chain.deploy(&admin, solidity("HelloWorld"), &[]);

    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::openDeployAuthCall {
                account: user.address()
            }
        ),
        0
    );
    for code in [solidity("HelloWorld"), wasm_contract("hello")] {
        let contract = chain.deploy(&user, code, &[]);
        // The deployer is recorded as the contract's admin.
        assert_eq!(
            view(
                &chain,
                AUTH,
                ContractAuth::getAdminCall {
                    contractAddr: contract
                }
            ),
            user.address()
        );
    }

    // Closing again denies again; a black list lets everyone else deploy.
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::closeDeployAuthCall {
                account: user.address()
            }
        ),
        0
    );
    let receipt = deploy_receipt(&mut chain, &user, solidity("HelloWorld"));
    assert_eq!(receipt.status, TransactionStatus::PermissionDenied);
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::setDeployAuthTypeCall { _type: 2 }
        ),
        0
    );
    let other = chain.new_account();
    chain.deploy(&other, wasm_contract("hello"), &[]);
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::closeDeployAuthCall {
                account: other.address()
            }
        ),
        0
    );
    let receipt = deploy_receipt(&mut chain, &other, wasm_contract("hello"));
    assert_eq!(receipt.status, TransactionStatus::PermissionDenied);
}

#[test]
fn method_white_list_on_a_solidity_contract() {
    let mut chain = auth_chain();
    let owner = chain.new_account();
    let user = chain.new_account();
    let stranger = chain.new_account();
    let hello = chain.deploy(&owner, solidity("HelloWorld"), &[]);
    let set = |name: &str| HelloWorld::setCall { name_: name.into() }.abi_encode();
    let selector = HelloWorld::setCall::SELECTOR.into();

    // Someone else cannot restrict the owner's contract.
    let white = ContractAuth::setMethodAuthTypeCall {
        contractAddr: hello,
        func: selector,
        authType: 1,
    };
    assert_eq!(auth_write(&mut chain, &user, white.clone()), NO_AUTHORIZED);
    assert_eq!(auth_write(&mut chain, &owner, white), 0);

    // A white list with nobody on it refuses everyone, the owner included.
    for who in [&owner, &user] {
        let receipt = chain.send(who, TxKind::Call(hello), set("nope"));
        assert_eq!(
            receipt.status,
            TransactionStatus::PermissionDenied,
            "{receipt:?}"
        );
    }
    assert_eq!(
        auth_write(
            &mut chain,
            &owner,
            ContractAuth::openMethodAuthCall {
                contractAddr: hello,
                func: selector,
                account: user.address(),
            }
        ),
        0
    );
    assert_eq!(
        auth_write(
            &mut chain,
            &owner,
            ContractAuth::closeMethodAuthCall {
                contractAddr: hello,
                func: selector,
                account: stranger.address(),
            }
        ),
        0
    );
    let receipt = chain.send(&user, TxKind::Call(hello), set("from user"));
    assert!(receipt.status.is_success(), "{receipt:?}");
    let receipt = chain.send(&stranger, TxKind::Call(hello), set("from stranger"));
    assert_eq!(receipt.status, TransactionStatus::PermissionDenied);
    // Other methods stay open.
    assert_eq!(view(&chain, hello, HelloWorld::getCall {}), "from user");

    let acl = view(
        &chain,
        AUTH,
        ContractAuth::getMethodAuthCall {
            contractAddr: hello,
            func: selector,
        },
    );
    assert_eq!(acl.authType, 1);
    assert_eq!(acl.accessList, vec![hex(user.address())]);
    assert_eq!(acl.blockList, vec![hex(stranger.address())]);
    assert!(view(
        &chain,
        AUTH,
        ContractAuth::checkMethodAuthCall {
            contractAddr: hello,
            func: selector,
            account: user.address(),
        }
    ));
}

#[test]
fn method_black_list_on_a_wasm_contract() {
    let mut chain = auth_chain();
    let owner = chain.new_account();
    let user = chain.new_account();
    let stranger = chain.new_account();
    let hello = chain.deploy(&owner, wasm_contract("hello"), &[]);
    let set = |name: &str| HelloWorld::setCall { name_: name.into() }.abi_encode();
    let selector = HelloWorld::setCall::SELECTOR.into();
    assert_eq!(
        auth_write(
            &mut chain,
            &owner,
            ContractAuth::setMethodAuthTypeCall {
                contractAddr: hello,
                func: selector,
                authType: 2,
            }
        ),
        0
    );
    let receipt = chain.send(&user, TxKind::Call(hello), set("open"));
    assert!(receipt.status.is_success(), "{receipt:?}");
    // A chain admin may manage any contract's ACL too.
    let admin = chain.admin.clone();
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::closeMethodAuthCall {
                contractAddr: hello,
                func: selector,
                account: stranger.address(),
            }
        ),
        0
    );
    let receipt = chain.send(&stranger, TxKind::Call(hello), set("blocked"));
    assert_eq!(
        receipt.status,
        TransactionStatus::PermissionDenied,
        "{receipt:?}"
    );
    let receipt = chain.send(&user, TxKind::Call(hello), set("still open"));
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(view(&chain, hello, HelloWorld::getCall {}), "still open");

    let acl = view(
        &chain,
        AUTH,
        ContractAuth::getMethodAuthCall {
            contractAddr: hello,
            func: selector,
        },
    );
    assert_eq!(acl.authType, 2);
    assert!(acl.accessList.is_empty());
    assert_eq!(acl.blockList, vec![hex(stranger.address())]);
}

#[test]
fn frozen_contracts_refuse_calls_until_unfrozen() {
    let mut chain = auth_chain();
    let owner = chain.new_account();
    let user = chain.new_account();
    let target = chain.deploy(&owner, solidity("AuthTest"), &[]);
    let set = |v: u64| AuthTest::setCall { v: U256::from(v) }.abi_encode();
    let freeze = |on: bool| ContractAuth::setContractStatus_0Call {
        _address: target,
        isFreeze: on,
    };

    assert_eq!(auth_write(&mut chain, &user, freeze(true)), NO_AUTHORIZED);
    assert_eq!(auth_write(&mut chain, &owner, freeze(true)), 0);
    assert!(!view(
        &chain,
        AUTH,
        ContractAuth::contractAvailableCall { _address: target }
    ));
    for who in [&user, &owner] {
        let receipt = chain.send(who, TxKind::Call(target), set(1));
        assert_eq!(
            receipt.status,
            TransactionStatus::ContractFrozen,
            "{receipt:?}"
        );
    }
    assert_eq!(auth_write(&mut chain, &owner, freeze(false)), 0);
    let receipt = chain.send(&user, TxKind::Call(target), set(7));
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(view(&chain, target, AuthTest::getCall {}), U256::from(7));

    // Abolishing is final: unfreezing reverts afterwards.
    let status = |s: u8| ContractAuth::setContractStatus_1Call {
        _address: target,
        _status: s,
    };
    assert_eq!(auth_write(&mut chain, &owner, status(2)), 0);
    let receipt = chain.send(&user, TxKind::Call(target), set(8));
    assert_eq!(receipt.status, TransactionStatus::ContractFrozen);
    let receipt = chain.send(&owner, TxKind::Call(AUTH), status(0).abi_encode());
    assert!(!receipt.status.is_success(), "{receipt:?}");
    // Read-only calls are refused too.
    let out = chain.call(user.address(), target, AuthTest::getCall {}.abi_encode());
    assert_eq!(out.status, TransactionStatus::ContractFrozen, "{out:?}");
}

#[test]
fn only_admins_change_acls() {
    let mut chain = auth_chain();
    let admin = chain.admin.clone();
    let owner = chain.new_account();
    let user = chain.new_account();
    let target = chain.deploy(&owner, solidity("AuthTest"), &[]);
    let selector = AuthTest::setCall::SELECTOR.into();

    for code in [
        auth_write(
            &mut chain,
            &user,
            ContractAuth::setDeployAuthTypeCall { _type: 2 },
        ),
        auth_write(
            &mut chain,
            &user,
            ContractAuth::openDeployAuthCall {
                account: user.address(),
            },
        ),
        auth_write(
            &mut chain,
            &owner,
            ContractAuth::resetAdminCall {
                contractAddr: target,
                admin: user.address(),
            },
        ),
        auth_write(
            &mut chain,
            &user,
            ContractAuth::setMethodAuthTypeCall {
                contractAddr: target,
                func: selector,
                authType: 1,
            },
        ),
        auth_write(
            &mut chain,
            &user,
            ContractAuth::setContractStatus_1Call {
                _address: target,
                _status: 1,
            },
        ),
    ] {
        assert_eq!(code, NO_AUTHORIZED);
    }
    assert_eq!(
        view(&chain, AUTH, ContractAuth::deployTypeCall {}),
        U256::ZERO
    );
    assert_eq!(
        view(
            &chain,
            AUTH,
            ContractAuth::getMethodAuthCall {
                contractAddr: target,
                func: selector,
            }
        )
        .authType,
        0
    );

    // 0x1005 judges its caller (msg.sender): a contract relaying the owner's transaction
    // is not the contract's admin.
    let relay = chain.deploy(&owner, solidity("AuthTest"), &[]);
    let receipt = chain.send(
        &owner,
        TxKind::Call(relay),
        AuthTest::freezeCall { target }.abi_encode(),
    );
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(
        AuthTest::freezeCall::abi_decode_returns(&receipt.output)
            .unwrap()
            .as_i32(),
        NO_AUTHORIZED
    );
    assert!(view(
        &chain,
        AUTH,
        ContractAuth::contractAvailableCall { _address: target }
    ));
    assert_eq!(
        view(&chain, relay, AuthTest::adminOfCall { target }),
        owner.address()
    );

    // A chain admin hands the contract to someone else.
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::resetAdminCall {
                contractAddr: target,
                admin: user.address(),
            }
        ),
        0
    );
    assert_eq!(
        auth_write(
            &mut chain,
            &user,
            ContractAuth::setContractStatus_0Call {
                _address: target,
                isFreeze: true,
            }
        ),
        0
    );
    let receipt = chain.send(
        &owner,
        TxKind::Call(target),
        AuthTest::setCall { v: U256::from(1) }.abi_encode(),
    );
    assert_eq!(receipt.status, TransactionStatus::ContractFrozen);
}

/// A table write or creation through AuthTest that the permission plugin refused: the
/// CRUD plugin reverts with "permission denied", and AuthTest's call reverts with it.
fn refused(receipt: &Receipt) -> bool {
    receipt.status == TransactionStatus::RevertInstruction
        && receipt.output.as_ref() == permission_denied().as_slice()
}

fn permission_denied() -> Vec<u8> {
    use alloy_sol_types::SolError;
    alloy_sol_types::Revert::from("permission denied").abi_encode()
}

#[test]
fn table_writes_need_a_grant_once_one_exists() {
    let mut chain = PluginChain::builder()
        .plugin("weft-plugin-auth")
        .plugin("weft-plugin-crud")
        .auth_check(true)
        .build();
    let admin = chain.admin.clone();
    let owner = chain.new_account();
    let writer = chain.new_account();
    let stranger = chain.new_account();
    let app = chain.deploy(&owner, solidity("AuthTest"), &[]);
    let kv_set = |key: &str, v: &str| {
        AuthTest::kvSetCall {
            path: "/tables/t_auth".into(),
            key: key.into(),
            v: v.into(),
        }
        .abi_encode()
    };
    let kv_get = |chain: &PluginChain, key: &str| {
        let got = view(
            chain,
            app,
            AuthTest::kvGetCall {
                path: "/tables/t_auth".into(),
                key: key.into(),
            },
        );
        (got._0, got._1)
    };

    // The table's creator (the transaction's origin) becomes its admin.
    let receipt = chain.send(
        &owner,
        TxKind::Call(app),
        AuthTest::createKVTableCall {
            name: "t_auth".into(),
            keyField: "k".into(),
            valueField: "v".into(),
        }
        .abi_encode(),
    );
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(
        AuthTest::createKVTableCall::abi_decode_returns(&receipt.output).unwrap(),
        0
    );
    assert_eq!(
        view(
            &chain,
            AUTH,
            ContractAuth::getTableAdminCall {
                tableName: "t_auth".into()
            }
        ),
        owner.address()
    );

    // No grants yet: anyone may write.
    let receipt = chain.send(&stranger, TxKind::Call(app), kv_set("a", "1"));
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(kv_get(&chain, "a"), (true, "1".to_string()));

    // Only the table's admin (or a chain admin) grants.
    let grant = |account: Address| ContractAuth::insertCall {
        tableName: "t_auth".into(),
        addr: hex(account),
    };
    assert_eq!(
        auth_write(&mut chain, &stranger, grant(stranger.address())),
        NO_AUTHORIZED
    );
    assert_eq!(auth_write(&mut chain, &owner, grant(writer.address())), 0);
    assert_eq!(
        auth_write(&mut chain, &owner, grant(writer.address())),
        -51000
    );
    assert!(view(
        &chain,
        AUTH,
        ContractAuth::queryByNameCall {
            tableName: "t_auth".into()
        }
    )
    .contains(&hex(writer.address())));

    let receipt = chain.send(&stranger, TxKind::Call(app), kv_set("b", "2"));
    assert!(refused(&receipt), "{receipt:?}");
    // Sent straight to the table, the refusal is the receipt's status.
    let table = view(
        &chain,
        addr(0x1002),
        TableManager::openTableCall {
            path: "t_auth".into(),
        },
    );
    let direct = KVTable::setCall {
        key: "b".into(),
        value: "2".into(),
    };
    let receipt = chain.send(&stranger, TxKind::Call(table), direct.abi_encode());
    assert_eq!(
        receipt.status,
        TransactionStatus::PermissionDenied,
        "{receipt:?}"
    );
    assert!(!kv_get(&chain, "b").0);
    let receipt = chain.send(&writer, TxKind::Call(app), kv_set("b", "3"));
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(kv_get(&chain, "b"), (true, "3".to_string()));

    // Removing the last grant opens the table again.
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::removeCall {
                tableName: "/tables/t_auth".into(),
                addr: hex(writer.address()),
            }
        ),
        0
    );
    let receipt = chain.send(&stranger, TxKind::Call(app), kv_set("c", "4"));
    assert!(receipt.status.is_success(), "{receipt:?}");

    // Table creation: once `_sys_tables_` grants someone, only they (and chain admins)
    // create tables.
    assert_eq!(
        auth_write(
            &mut chain,
            &owner,
            ContractAuth::insertCall {
                tableName: "_sys_tables_".into(),
                addr: hex(owner.address()),
            }
        ),
        NO_AUTHORIZED
    );
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::insertCall {
                tableName: "_sys_tables_".into(),
                addr: hex(owner.address()),
            }
        ),
        0
    );
    let create = |name: &str| {
        AuthTest::createKVTableCall {
            name: name.into(),
            keyField: "k".into(),
            valueField: "v".into(),
        }
        .abi_encode()
    };
    let receipt = chain.send(&stranger, TxKind::Call(app), create("t_denied"));
    assert!(refused(&receipt), "{receipt:?}");
    assert_eq!(
        view(
            &chain,
            AUTH,
            ContractAuth::getTableAdminCall {
                tableName: "t_denied".into()
            }
        ),
        Address::ZERO
    );
    let receipt = chain.send(&owner, TxKind::Call(app), create("t_allowed"));
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(
        AuthTest::createKVTableCall::abi_decode_returns(&receipt.output).unwrap(),
        0
    );
}

alloy_sol_types::sol! {
    interface Factory {
        function create(uint256 v) external returns (address);
    }
    interface Forwarder {
        function deployRaw(bytes code, bytes32 salt) external returns (address created);
    }
}

#[test]
fn creates_made_by_contracts_follow_the_origins_deploy_permission() {
    let mut chain = auth_chain();
    let admin = chain.admin.clone();
    let user = chain.new_account();
    // Deployed while everyone may deploy.
    let factory = chain.deploy(&admin, solidity("Factory"), &[]);
    let forwarder = chain.deploy(&admin, solidity("Forwarder"), &[]);
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::setDeployAuthTypeCall { _type: 1 }
        ),
        0
    );
    let create = Factory::createCall { v: U256::from(7) }.abi_encode();
    let wasm = Forwarder::deployRawCall {
        code: wasm_contract("hello").into(),
        salt: alloy_primitives::B256::ZERO,
    }
    .abi_encode();
    // The user may call the factories, but the creates they make for the user fail.
    for (to, input) in [(factory, &create), (forwarder, &wasm)] {
        let receipt = chain.send(&user, TxKind::Call(to), input.clone());
        assert!(!receipt.status.is_success(), "{receipt:?}");
    }
    // Once the user may deploy, the same calls create contracts, whose admin is the user
    // (the transaction's origin).
    assert_eq!(
        auth_write(
            &mut chain,
            &admin,
            ContractAuth::openDeployAuthCall {
                account: user.address()
            }
        ),
        0
    );
    let receipt = chain.send(&user, TxKind::Call(factory), create.clone());
    assert!(receipt.status.is_success(), "{receipt:?}");
    let child = Factory::createCall::abi_decode_returns(&receipt.output).unwrap();
    assert_ne!(child, Address::ZERO);
    assert_eq!(
        view(
            &chain,
            AUTH,
            ContractAuth::getAdminCall {
                contractAddr: child
            }
        ),
        user.address()
    );
    let receipt = chain.send(&user, TxKind::Call(forwarder), wasm);
    assert!(receipt.status.is_success(), "{receipt:?}");
}
