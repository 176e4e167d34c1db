//! Precompile plugins through real transactions: the template plugin built by cargo,
//! dropped into a plugin folder, pinned in genesis and called from Solidity and WASM; the
//! built-in SystemConfig, Consensus and Crypto precompiles.

use alloy_primitives::{keccak256, Address, TxKind, B256, U256};
use alloy_sol_types::{sol, SolCall, SolEvent};
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::keys;
use weft_plugin_abi::addr;
use weft_tests::{solidity, wasm_contract, PluginChain};
use weft_types::TransactionStatus;

sol! {
    interface Notebook {
        function add(uint256 a, uint256 b) external pure returns (uint256);
        function write(string key, string value) external returns (uint256 count);
        function read(string key) external view returns (bool found, string value);
        function whoami() external view returns (address caller, uint256 blockNumber);
        function explode(string message) external;
        event Written(address indexed by, string key);
    }
    interface Forwarder {
        function forward(address target, bytes data) external returns (bytes);
        function forwardThenRevert(address target, bytes data) external;
    }
    interface WasmCaller {
        function lowLevelCall(address target, bytes data) external returns (bool, bytes);
    }
    interface SystemConfig {
        function setValueByKey(string key, string value) external returns (int32);
        function getValueByKey(string key) external view returns (string, int256);
    }
    interface Consensus {
        function addSealer(string nodeID, uint256 weight) external returns (int32);
        function addObserver(string nodeID) external returns (int32);
        function remove(string nodeID) external returns (int32);
        function setWeight(string nodeID, uint256 weight) external returns (int32);
    }
    interface Crypto {
        function sm3(bytes data) external view returns (bytes32);
        function keccak256Hash(bytes data) external view returns (bytes32);
        function sm2Verify(bytes32 message, bytes publicKey, bytes32 r, bytes32 s) external view returns (bool, address);
    }
}

const NOTEBOOK: Address = addr(0x5200);

fn template_chain() -> PluginChain {
    PluginChain::builder()
        .plugin("weft-plugin-template")
        .build()
}

fn read(chain: &PluginChain, key: &str) -> (bool, String) {
    let out = chain.call(
        Address::ZERO,
        NOTEBOOK,
        Notebook::readCall { key: key.into() }.abi_encode(),
    );
    assert_eq!(out.status, TransactionStatus::Success, "{out:?}");
    let r = Notebook::readCall::abi_decode_returns(&out.output).unwrap();
    (r.found, r.value)
}

#[test]
fn template_plugin_is_called_from_solidity() {
    let mut chain = template_chain();
    let user = chain.new_account();
    let forwarder = chain.deploy(&user, solidity("Forwarder"), &[]);
    let write = Notebook::writeCall {
        key: "k".into(),
        value: "from solidity".into(),
    };
    let input = Forwarder::forwardCall {
        target: NOTEBOOK,
        data: write.abi_encode().into(),
    };
    let receipt = chain.send(&user, TxKind::Call(forwarder), input.abi_encode());
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    // The plugin's log comes from its address, with the Solidity contract as `by`.
    let log = receipt
        .logs
        .iter()
        .find(|l| l.address == NOTEBOOK)
        .expect("plugin log");
    assert_eq!(log.topics()[0], Notebook::Written::SIGNATURE_HASH);
    assert_eq!(log.topics()[1], forwarder.into_word());
    assert_eq!(read(&chain, "k"), (true, "from solidity".into()));
    // A direct call from an account, in a transaction.
    let receipt = chain.send(
        &user,
        TxKind::Call(NOTEBOOK),
        Notebook::addCall {
            a: U256::from(2),
            b: U256::from(40),
        }
        .abi_encode(),
    );
    assert_eq!(receipt.status, TransactionStatus::Success);
    assert_eq!(
        Notebook::addCall::abi_decode_returns(&receipt.output).unwrap(),
        U256::from(42)
    );
}

#[test]
fn template_plugin_is_called_from_wasm() {
    let mut chain = template_chain();
    let user = chain.new_account();
    let caller = chain.deploy(&user, wasm_contract("caller"), &[]);
    let whoami = Notebook::whoamiCall {}.abi_encode();
    let input = WasmCaller::lowLevelCallCall {
        target: NOTEBOOK,
        data: whoami.into(),
    };
    let receipt = chain.send(&user, TxKind::Call(caller), input.abi_encode());
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    let (ok, data) = WasmCaller::lowLevelCallCall::abi_decode_returns(&receipt.output)
        .map(|r| (r._0, r._1))
        .unwrap();
    assert!(ok);
    let who = Notebook::whoamiCall::abi_decode_returns(&data).unwrap();
    assert_eq!(
        who.caller, caller,
        "the plugin sees the WASM contract as its caller"
    );
    assert_eq!(who.blockNumber, U256::from(chain.ledger.block_number()));
    // A write from WASM lands in the plugin's storage.
    let write = Notebook::writeCall {
        key: "w".into(),
        value: "from wasm".into(),
    };
    let input = WasmCaller::lowLevelCallCall {
        target: NOTEBOOK,
        data: write.abi_encode().into(),
    };
    let receipt = chain.send(&user, TxKind::Call(caller), input.abi_encode());
    assert_eq!(receipt.status, TransactionStatus::Success);
    assert_eq!(read(&chain, "w"), (true, "from wasm".into()));
}

#[test]
fn a_revert_undoes_plugin_writes() {
    let mut chain = template_chain();
    let user = chain.new_account();
    let forwarder = chain.deploy(&user, solidity("Forwarder"), &[]);
    let state_before = chain.ledger.state_with_prefix(&[]).unwrap();
    let write = Notebook::writeCall {
        key: "gone".into(),
        value: "never".into(),
    };
    let input = Forwarder::forwardThenRevertCall {
        target: NOTEBOOK,
        data: write.abi_encode().into(),
    };
    let receipt = chain.send(&user, TxKind::Call(forwarder), input.abi_encode());
    assert_eq!(receipt.status, TransactionStatus::RevertInstruction);
    assert_eq!(read(&chain, "gone"), (false, String::new()));
    assert_eq!(
        chain.ledger.state_with_prefix(&[]).unwrap(),
        state_before,
        "nothing of the plugin's write stays"
    );
}

#[test]
fn a_panicking_plugin_fails_the_transaction_and_the_chain_goes_on() {
    let mut chain = template_chain();
    let user = chain.new_account();
    let receipt = chain.send(
        &user,
        TxKind::Call(NOTEBOOK),
        Notebook::explodeCall {
            message: "boom".into(),
        }
        .abi_encode(),
    );
    assert_eq!(receipt.status, TransactionStatus::PrecompiledError);
    let message = String::from_utf8_lossy(&receipt.output);
    assert!(
        message.contains("panicked") && message.contains("boom"),
        "{message}"
    );
    let write = Notebook::writeCall {
        key: "after".into(),
        value: "ok".into(),
    };
    let receipt = chain.send(&user, TxKind::Call(NOTEBOOK), write.abi_encode());
    assert_eq!(receipt.status, TransactionStatus::Success);
    assert_eq!(read(&chain, "after"), (true, "ok".into()));
}

#[test]
fn plugin_state_is_part_of_the_state_root_and_gas_is_metered() {
    let mut chain = template_chain();
    let user = chain.new_account();
    let root = chain.ledger.state_root();
    let short = chain.send(
        &user,
        TxKind::Call(NOTEBOOK),
        Notebook::writeCall {
            key: "a".into(),
            value: "x".into(),
        }
        .abi_encode(),
    );
    assert_ne!(chain.ledger.state_root(), root);
    let long = chain.send(
        &user,
        TxKind::Call(NOTEBOOK),
        Notebook::writeCall {
            key: "b".into(),
            value: "y".repeat(4096),
        }
        .abi_encode(),
    );
    assert!(short.status.is_success() && long.status.is_success());
    assert!(
        long.gas_used > short.gas_used + 100_000,
        "128 more words cost more: {} vs {}",
        long.gas_used,
        short.gas_used
    );
    assert_eq!(read(&chain, "b").1.len(), 4096);
}

fn config(chain: &PluginChain, key: &str) -> (String, i64) {
    let out = chain.call(
        Address::ZERO,
        weft_precompiles::SYSTEM_CONFIG,
        SystemConfig::getValueByKeyCall { key: key.into() }.abi_encode(),
    );
    let r = SystemConfig::getValueByKeyCall::abi_decode_returns(&out.output).unwrap();
    (r._0, i64::try_from(r._1).unwrap())
}

fn code(receipt: &weft_types::Receipt) -> i32 {
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    SystemConfig::setValueByKeyCall::abi_decode_returns(&receipt.output).unwrap()
}

#[test]
fn system_config_changes_take_effect_at_the_next_block_and_only_admins_may_change() {
    let mut chain = PluginChain::builder().build();
    let admin = chain.admin.clone();
    assert_eq!(config(&chain, keys::TX_COUNT_LIMIT), ("1000".into(), 0));
    let set = |key: &str, value: &str| {
        SystemConfig::setValueByKeyCall {
            key: key.into(),
            value: value.into(),
        }
        .abi_encode()
    };
    // Two changes in one block: both take effect at the next one.
    let txs = vec![
        chain.tx(
            &admin,
            TxKind::Call(weft_precompiles::SYSTEM_CONFIG),
            set(keys::TX_COUNT_LIMIT, "500"),
        ),
        chain.tx(
            &admin,
            TxKind::Call(weft_precompiles::SYSTEM_CONFIG),
            set(keys::LEADER_PERIOD, "3"),
        ),
    ];
    let receipts = chain.block(txs);
    assert!(receipts.iter().all(|r| code(r) == 0));
    let block = chain.ledger.block_number();
    assert_eq!(
        chain
            .ledger
            .system_config(keys::TX_COUNT_LIMIT, block + 1)
            .unwrap(),
        Some(("500".into(), block + 1))
    );
    assert_eq!(
        chain
            .ledger
            .system_config(keys::TX_COUNT_LIMIT, block)
            .unwrap()
            .unwrap()
            .0,
        "1000"
    );
    assert_eq!(
        chain
            .ledger
            .system_config_u64(keys::LEADER_PERIOD, block + 1)
            .unwrap(),
        Some(3)
    );
    // Invalid values get FISCO's code and change nothing.
    for (key, value) in [
        (keys::TX_COUNT_LIMIT, "0"),
        (keys::TX_COUNT_LIMIT, "-1"),
        (keys::TX_GAS_LIMIT, "99999"),
        (keys::BLOCK_LIMIT_WINDOW, "5001"),
        (keys::AUTH_CHECK, "2"),
    ] {
        let r = chain.send(
            &admin,
            TxKind::Call(weft_precompiles::SYSTEM_CONFIG),
            set(key, value),
        );
        assert_eq!(
            code(&r),
            weft_precompiles::system::CODE_INVALID_CONFIGURATION_VALUES,
            "{key}={value}"
        );
    }
    // Unknown keys revert.
    let r = chain.send(
        &admin,
        TxKind::Call(weft_precompiles::SYSTEM_CONFIG),
        set("no_such_key", "1"),
    );
    assert_eq!(r.status, TransactionStatus::RevertInstruction);
    // A non-admin is denied.
    let user = chain.new_account();
    let r = chain.send(
        &user,
        TxKind::Call(weft_precompiles::SYSTEM_CONFIG),
        set(keys::TX_COUNT_LIMIT, "7"),
    );
    assert_eq!(r.status, TransactionStatus::PermissionDenied, "{r:?}");
    let latest = chain.ledger.block_number();
    assert_eq!(
        chain
            .ledger
            .system_config_u64(keys::TX_COUNT_LIMIT, latest + 1)
            .unwrap(),
        Some(500)
    );
}

fn consensus_code(receipt: &weft_types::Receipt) -> i32 {
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    Consensus::addObserverCall::abi_decode_returns(&receipt.output).unwrap()
}

#[test]
fn consensus_precompile_changes_the_node_list_of_the_next_block() {
    let mut chain = PluginChain::builder().build();
    let admin = chain.admin.clone();
    let node = KeyPair::generate(SuiteId::Standard);
    let id = node.public().to_string();
    let id = id.trim_start_matches("0x").to_string();
    let to = TxKind::Call(weft_precompiles::CONSENSUS);
    // A sealer must be an observer first (FISCO's rule).
    let r = chain.send(
        &admin,
        to,
        Consensus::addSealerCall {
            nodeID: id.clone(),
            weight: U256::from(2),
        }
        .abi_encode(),
    );
    assert_eq!(
        consensus_code(&r),
        weft_precompiles::consensus::CODE_ADD_SEALER_SHOULD_IN_OBSERVER
    );
    // Observer then sealer in one block: the second sees the first.
    let txs = vec![
        chain.tx(
            &admin,
            to,
            Consensus::addObserverCall { nodeID: id.clone() }.abi_encode(),
        ),
        chain.tx(
            &admin,
            to,
            Consensus::addSealerCall {
                nodeID: id.clone(),
                weight: U256::from(2),
            }
            .abi_encode(),
        ),
    ];
    let receipts = chain.block(txs);
    assert!(
        receipts.iter().all(|r| consensus_code(r) == 0),
        "{receipts:?}"
    );
    let number = chain.ledger.block_number();
    let before = chain.ledger.node_list(number).unwrap();
    let after = chain.ledger.node_list(number + 1).unwrap();
    assert_eq!(before.sealers.len(), 1);
    assert_eq!(after.sealers.len(), 2);
    assert_eq!(after.sealers[1].weight, 2);
    assert_eq!(after.sealers[1].node_id.0, node.public().0);
    // Bad node ids, zero weight, the last sealer.
    let r = chain.send(
        &admin,
        to,
        Consensus::addObserverCall {
            nodeID: "abcd".into(),
        }
        .abi_encode(),
    );
    assert_eq!(
        consensus_code(&r),
        weft_precompiles::consensus::CODE_INVALID_NODE_ID
    );
    let r = chain.send(
        &admin,
        to,
        Consensus::setWeightCall {
            nodeID: id.clone(),
            weight: U256::ZERO,
        }
        .abi_encode(),
    );
    assert_eq!(
        consensus_code(&r),
        weft_precompiles::consensus::CODE_INVALID_WEIGHT
    );
    let r = chain.send(
        &admin,
        to,
        Consensus::removeCall { nodeID: id.clone() }.abi_encode(),
    );
    assert_eq!(consensus_code(&r), 0);
    let first = chain
        .ledger
        .node_list(chain.ledger.block_number())
        .unwrap()
        .sealers[0]
        .node_id;
    let first = first.to_string().trim_start_matches("0x").to_string();
    let r = chain.send(
        &admin,
        to,
        Consensus::removeCall { nodeID: first }.abi_encode(),
    );
    assert_eq!(
        consensus_code(&r),
        weft_precompiles::consensus::CODE_LAST_SEALER
    );
    // Non-admins are denied.
    let user = chain.new_account();
    let r = chain.send(
        &user,
        to,
        Consensus::addObserverCall { nodeID: id }.abi_encode(),
    );
    assert_eq!(r.status, TransactionStatus::PermissionDenied);
}

#[test]
fn crypto_precompile_hashes_and_verifies_sm2() {
    let chain = PluginChain::builder().build();
    let call = |input: Vec<u8>| {
        let out = chain.call(Address::ZERO, weft_precompiles::CRYPTO, input);
        assert_eq!(out.status, TransactionStatus::Success, "{out:?}");
        out.output
    };
    let sm3 = call(
        Crypto::sm3Call {
            data: b"abc".to_vec().into(),
        }
        .abi_encode(),
    );
    // GB/T 32905-2016 example 1.
    let expected: B256 = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        .parse()
        .unwrap();
    assert_eq!(Crypto::sm3Call::abi_decode_returns(&sm3).unwrap(), expected);
    let k = call(
        Crypto::keccak256HashCall {
            data: b"abc".to_vec().into(),
        }
        .abi_encode(),
    );
    assert_eq!(
        Crypto::keccak256HashCall::abi_decode_returns(&k).unwrap(),
        keccak256(b"abc")
    );
    let key = KeyPair::generate(SuiteId::Sm);
    let message = keccak256(b"message");
    let sig = key.sign(&message).unwrap();
    let verify = |message: B256| {
        let out = call(
            Crypto::sm2VerifyCall {
                message,
                publicKey: key.public().as_bytes().to_vec().into(),
                r: B256::from_slice(&sig[..32]),
                s: B256::from_slice(&sig[32..64]),
            }
            .abi_encode(),
        );
        let r = Crypto::sm2VerifyCall::abi_decode_returns(&out).unwrap();
        (r._0, r._1)
    };
    assert_eq!(verify(message), (true, key.address()));
    assert_eq!(verify(keccak256(b"other")), (false, Address::ZERO));
}
