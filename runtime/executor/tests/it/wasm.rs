//! WASM contracts (`contracts/wasm`) deployed and called through transactions.

use std::path::PathBuf;
use std::sync::OnceLock;

use alloy_primitives::{address, keccak256, Address, TxKind, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolEvent, SolValue};
use weft_types::{Receipt, TransactionStatus};

use crate::{bytecode, topic, Chain};

sol! {
    function get() returns (string);
    function set(string name_);
    function balanceOf(address account) returns (uint256);
    function transfer(address to, uint256 amount) returns (bool);
    event Transfer(address indexed from, address indexed to, uint256 value);
    function count() returns (uint256);
    function callIncrement(address counter) returns (uint256);
    function callFailCatch(address counter) returns (bool ok, string reason);
    function staticRead(address counter) returns (uint256);
}

/// Gas for WASM deployments: the code deposit is 200 gas per byte.
pub(crate) const DEPLOY_GAS: u64 = 50_000_000;

/// The directory the contracts are built into, once per test binary.
pub(crate) fn built() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let out = root.join("target/weft-wasm-contracts");
        let output = std::process::Command::new(root.join("contracts/wasm/build.sh"))
            .arg(&out)
            .output()
            .expect("run contracts/wasm/build.sh");
        assert!(
            output.status.success(),
            "contracts/wasm/build.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        out
    })
}

/// The deployable module `name.wasm`.
pub(crate) fn module(name: &str) -> Vec<u8> {
    let path = built().join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn deploy_receipt<S: weft_storage::Storage>(
    chain: &mut Chain<S>,
    payload: Vec<u8>,
) -> Receipt {
    let tx = chain.tx(TxKind::Create, payload, DEPLOY_GAS);
    chain.block(vec![tx]).remove(0)
}

pub(crate) fn deploy<S: weft_storage::Storage>(chain: &mut Chain<S>, payload: Vec<u8>) -> Address {
    let receipt = deploy_receipt(chain, payload);
    assert!(receipt.status.is_success(), "deploy failed: {receipt:?}");
    receipt.contract_address.expect("contract address")
}

pub(crate) fn ok(outcome: weft_executor::CallOutcome) -> alloy_primitives::Bytes {
    assert_eq!(
        outcome.status,
        TransactionStatus::Success,
        "call failed: {outcome:?}"
    );
    outcome.output
}

#[test]
fn hello_deploys_gets_and_sets() {
    let mut chain = Chain::new();
    let me = chain.key.address();
    let module = module("hello");
    let hello = deploy(&mut chain, module.clone());
    // The address follows CREATE (sender, nonce 0), and the code is the module.
    assert_eq!(hello, me.create(0));
    let account = chain.executor.account(&chain.ledger, &hello, None).unwrap();
    assert_eq!(account.code.as_ref(), module.as_slice());

    let out = ok(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(getCall::abi_decode_returns(&out).unwrap(), "Hello, World!");
    let receipt = chain.send(
        TxKind::Call(hello),
        setCall {
            name_: "Weft".into(),
        }
        .abi_encode(),
    );
    assert!(receipt.status.is_success(), "{receipt:?}");
    let out = ok(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(getCall::abi_decode_returns(&out).unwrap(), "Weft");
    let old = ok(chain.call_at(hello, getCall {}.abi_encode(), Some(1)));
    assert_eq!(getCall::abi_decode_returns(&old).unwrap(), "Hello, World!");
}

#[test]
fn erc20_behaves_like_solidity() {
    let mut chain = Chain::new();
    let me = chain.key.address();
    let supply = U256::from(1_000_000u64);
    let mut payload = module("erc20");
    payload.extend_from_slice(
        &("Weft Token".to_string(), "WFT".to_string(), supply).abi_encode_params(),
    );
    let token = deploy(&mut chain, payload);
    let balance = |chain: &Chain<_>, who: Address| {
        U256::abi_decode(&ok(
            chain.call(token, balanceOfCall { account: who }.abi_encode())
        ))
        .unwrap()
    };
    assert_eq!(balance(&chain, me), supply);

    let bob = address!("00000000000000000000000000000000000000b0");
    let receipt = chain.send(
        TxKind::Call(token),
        transferCall {
            to: bob,
            amount: U256::from(310),
        }
        .abi_encode(),
    );
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert!(transferCall::abi_decode_returns(&receipt.output).unwrap());
    assert_eq!(receipt.logs.len(), 1);
    let log = &receipt.logs[0];
    assert_eq!(log.address, token);
    assert_eq!(
        log.data.topics(),
        &[Transfer::SIGNATURE_HASH, topic(me), topic(bob)]
    );
    assert_eq!(
        log.data.data.as_ref(),
        U256::from(310).abi_encode().as_slice()
    );
    assert_eq!(balance(&chain, bob), U256::from(310));
    assert_eq!(balance(&chain, me), supply - U256::from(310));

    let over = chain.send(
        TxKind::Call(token),
        transferCall {
            to: bob,
            amount: supply,
        }
        .abi_encode(),
    );
    assert_eq!(over.status, TransactionStatus::RevertInstruction);
    assert_eq!(
        alloy_sol_types::Revert::abi_decode(&over.output)
            .unwrap()
            .reason,
        "ERC20: transfer amount exceeds balance"
    );
    assert!(over.logs.is_empty());
    assert_eq!(balance(&chain, bob), U256::from(310));
}

#[test]
fn evm_contract_calls_wasm_contract() {
    let mut chain = Chain::new();
    let counter = deploy(&mut chain, module("callee"));
    let caller = chain.deploy(bytecode("0.8.37", "Caller"), &[]);
    crate::cross_vm::caller_drives_counter(&mut chain, caller, counter);
}

#[test]
fn a_wasm_write_under_staticcall_fails() {
    let mut chain = Chain::new();
    // `call` writes slot 0 whatever it is asked, and returns 32 zero bytes.
    let writer = wat::parse_str(
        r#"(module
            (import "weft" "storage_store" (func $store (param i32 i32)))
            (import "weft" "set_return" (func $ret (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 63) "\01")
            (func (export "deploy"))
            (func (export "call")
                (call $store (i32.const 0) (i32.const 32))
                (call $ret (i32.const 64) (i32.const 32))))"#,
    )
    .unwrap();
    let writer = deploy(&mut chain, weft_wasm::with_end_marker(&writer));
    let caller = chain.deploy(bytecode("0.8.37", "Caller"), &[]);
    // A plain call writes.
    let r = chain.send(TxKind::Call(writer), vec![]);
    assert!(r.status.is_success(), "{r:?}");
    let slot = chain
        .executor
        .storage_at(&chain.ledger, &writer, &U256::ZERO, None)
        .unwrap();
    assert_eq!(slot, U256::from(1));
    // Through STATICCALL the write traps, and the view call fails.
    let read = chain.call(caller, staticReadCall { counter: writer }.abi_encode());
    assert!(!read.status.is_success(), "{read:?}");
}

#[test]
fn a_failing_constructor_deploys_nothing() {
    let mut chain = Chain::new();
    let me = chain.key.address();
    // The ERC20 constructor cannot decode missing arguments.
    let receipt = deploy_receipt(&mut chain, module("erc20"));
    assert!(!receipt.status.is_success(), "{receipt:?}");
    assert!(receipt.contract_address.is_none());
    let account = chain
        .executor
        .account(&chain.ledger, &me.create(0), None)
        .unwrap();
    assert!(account.code.is_empty());
}

#[test]
fn invalid_module_is_refused() {
    let mut chain = Chain::new();
    let bad = wat::parse_str(
        r#"(module
            (import "env" "evil" (func))
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call")))"#,
    )
    .unwrap();
    let receipt = deploy_receipt(&mut chain, weft_wasm::with_end_marker(&bad));
    assert_eq!(receipt.status, TransactionStatus::WasmValidationFailure);
    assert_eq!(receipt.status.code(), 32);
    assert_eq!(receipt.gas_used, 0);
    assert!(receipt.contract_address.is_none());
    assert!(!receipt.output.is_empty());
    // A payload without the end marker is refused too.
    let receipt = deploy_receipt(&mut chain, bad);
    assert_eq!(receipt.status, TransactionStatus::WasmValidationFailure);
    // The chain goes on.
    deploy(&mut chain, module("hello"));
}

#[test]
fn infinite_loop_runs_out_of_gas_and_the_chain_continues() {
    let mut chain = Chain::new();
    let looping = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call") (loop $l (br $l))))"#,
    )
    .unwrap();
    let spinner = deploy(&mut chain, weft_wasm::with_end_marker(&looping));
    let tx = chain.tx(TxKind::Call(spinner), vec![1, 2, 3], 1_000_000);
    let receipt = chain.block(vec![tx]).remove(0);
    assert_eq!(receipt.status, TransactionStatus::OutOfGas);
    assert_eq!(receipt.gas_used, 1_000_000);
    // The next block still runs contracts.
    let hello = deploy(&mut chain, module("hello"));
    let out = ok(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(getCall::abi_decode_returns(&out).unwrap(), "Hello, World!");
}

#[test]
fn a_cached_module_is_not_compiled_again() {
    let mut chain = Chain::new();
    assert_eq!(chain.executor.wasm_compilations(), 0);
    let hello = deploy(&mut chain, module("hello"));
    // Compiled once, by the constructor; calls find it in the cache (same code hash).
    let compiled = chain.executor.wasm_compilations();
    assert_eq!(compiled, 1);
    ok(chain.call(hello, getCall {}.abi_encode()));
    ok(chain.call(hello, getCall {}.abi_encode()));
    let receipt = chain.send(
        TxKind::Call(hello),
        setCall { name_: "x".into() }.abi_encode(),
    );
    assert!(receipt.status.is_success(), "{receipt:?}");
    assert_eq!(chain.executor.wasm_compilations(), compiled);
    // The code hash the cache is keyed by is the module's Keccak-256.
    let code = chain
        .executor
        .account(&chain.ledger, &hello, None)
        .unwrap()
        .code;
    assert_eq!(keccak256(&code), keccak256(module("hello")));
}

#[test]
fn constructor_address_only_answers_delegatecall_and_calls_validate() {
    let mut chain = Chain::new();
    // Calling the constructor directly fails and deploys nothing.
    let tx = chain.tx(
        TxKind::Call(weft_executor::WASM_CONSTRUCTOR),
        module("hello"),
        50_000_000,
    );
    let receipt = chain.block(vec![tx]).remove(0);
    assert!(!receipt.status.is_success(), "{receipt:?}");
    // A read-only create refuses an invalid module the same way a transaction does.
    let request = weft_executor::CallRequest {
        from: chain.key.address(),
        to: TxKind::Create,
        data: b"\0asm\x01\0\0\0garbage".to_vec().into(),
        ..Default::default()
    };
    let out = chain.executor.call(&chain.ledger, &request, None).unwrap();
    assert_eq!(out.status, TransactionStatus::WasmValidationFailure);
    // And a valid one runs its constructor.
    let request = weft_executor::CallRequest {
        data: module("hello").into(),
        gas: Some(DEPLOY_GAS),
        ..request
    };
    let out = chain.executor.call(&chain.ledger, &request, None).unwrap();
    assert_eq!(out.status, TransactionStatus::Success, "{out:?}");
}

/// Deploys `wat`'s module and sends it one call with 5,000,000 gas; the receipt.
fn hostile_call(chain: &mut Chain<weft_storage::memory::MemoryStorage>, wat: &str) -> Receipt {
    let code = weft_wasm::with_end_marker(&wat::parse_str(wat).unwrap());
    let contract = deploy(chain, code);
    let tx = chain.tx(TxKind::Call(contract), vec![], 5_000_000);
    chain.block(vec![tx]).remove(0)
}

#[test]
fn hostile_contracts_get_failed_receipts_and_the_chain_goes_on() {
    let mut chain = Chain::new();
    // A memory bomb: grow until refused (16 MiB), then write past the end.
    let r = hostile_call(
        &mut chain,
        r#"(module
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call")
                (loop $grow
                    (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
                (i32.store (i32.const 16777216) (i32.const 1))))"#,
    );
    assert_eq!(r.status, TransactionStatus::WasmTrap, "{r:?}");
    assert_eq!(r.status.code(), 35);
    assert_eq!(r.gas_used, 5_000_000);
    assert!(
        String::from_utf8_lossy(&r.output).contains("out-of-bounds"),
        "{r:?}"
    );
    // Unbounded recursion inside WASM exhausts the WASM stack.
    let r = hostile_call(
        &mut chain,
        r#"(module
            (memory (export "memory") 1)
            (func $deeper (call $deeper))
            (func (export "deploy"))
            (func (export "call") (call $deeper)))"#,
    );
    assert_eq!(r.status, TransactionStatus::WasmTrap, "{r:?}");
    assert_eq!(r.gas_used, 5_000_000);
    assert!(
        String::from_utf8_lossy(&r.output).contains("stack"),
        "{r:?}"
    );
    // `unreachable` and a host argument out of range have their own statuses.
    let r = hostile_call(
        &mut chain,
        r#"(module
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call") unreachable))"#,
    );
    assert_eq!(
        r.status,
        TransactionStatus::WasmUnreachableInstruction,
        "{r:?}"
    );
    assert_eq!(r.status.code(), 34);
    let r = hostile_call(
        &mut chain,
        r#"(module
            (import "weft" "emit_log" (func $log (param i32 i32 i32 i32)))
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call")
                (call $log (i32.const 0) (i32.const 5) (i32.const 0) (i32.const 0))))"#,
    );
    assert_eq!(r.status, TransactionStatus::WasmArgumentOutOfRange, "{r:?}");
    assert_eq!(r.status.code(), 33);
    // An oversized module is refused at deployment, before running anything.
    let big = format!(
        r#"(module
            (memory (export "memory") 16)
            (data (i32.const 0) "{}")
            (func (export "deploy"))
            (func (export "call")))"#,
        "x".repeat(600 * 1024)
    );
    let payload = weft_wasm::with_end_marker(&wat::parse_str(&big).unwrap());
    let r = deploy_receipt(&mut chain, payload);
    assert_eq!(r.status, TransactionStatus::WasmValidationFailure, "{r:?}");
    assert!(
        String::from_utf8_lossy(&r.output).contains("limit"),
        "{r:?}"
    );
    // The node is healthy: contracts deploy and run.
    let hello = deploy(&mut chain, module("hello"));
    let out = ok(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(getCall::abi_decode_returns(&out).unwrap(), "Hello, World!");
}

sol! {
    function sortDescending(uint256 n) returns (uint256);
    function keccakChain(uint256 n) returns (bytes32);
    function lcg(uint256 n, uint64 seed) returns (uint64);
}

#[test]
fn compute_twins_agree_across_vms() {
    let mut chain = Chain::new();
    let wasm = deploy(&mut chain, module("compute"));
    let evm = chain.deploy(bytecode("0.8.37", "Compute"), &[]);
    let both = |data: Vec<u8>| {
        let w = ok(chain.call(wasm, data.clone()));
        let e = ok(chain.call(evm, data));
        assert_eq!(w, e);
        w
    };
    for n in [0u64, 1, 2, 3, 10, 1000] {
        both(sortDescendingCall { n: U256::from(n) }.abi_encode());
    }
    let h = both(keccakChainCall { n: U256::from(50) }.abi_encode());
    assert_ne!(h.as_ref(), [0u8; 32]);
    both(
        lcgCall {
            n: U256::from(10_000),
            seed: 42,
        }
        .abi_encode(),
    );
    // Both refuse too large an input with the same reason.
    let big = sortDescendingCall {
        n: U256::from(2_000_000),
    }
    .abi_encode();
    let w = chain.call(wasm, big.clone());
    let e = chain.call(evm, big);
    assert_eq!(w.status, TransactionStatus::RevertInstruction);
    assert_eq!(e.status, TransactionStatus::RevertInstruction);
    assert_eq!(w.output, e.output);
}

/// The same blocks on a wasmtime executor and a wasmer executor: identical receipts (status,
/// gas, output, logs) and identical state, so the engines cannot fork a chain.
#[cfg(feature = "wasmer")]
#[test]
fn wasmtime_and_wasmer_executors_agree_block_for_block() {
    use weft_crypto::{KeyPair, SuiteId};
    use weft_wasm::{Backend, Engine, EngineConfig};

    let genesis = crate::genesis(SuiteId::Standard);
    let key = KeyPair::generate(SuiteId::Standard);
    let chain_on = |backend| {
        let mut chain = Chain::on(
            weft_storage::memory::MemoryStorage::new(weft_ledger::tables::ALL),
            genesis.clone(),
            key.clone(),
        );
        let engine = Engine::new(EngineConfig {
            backend,
            ..EngineConfig::default()
        })
        .unwrap();
        chain.executor = weft_executor::Executor::with_engine(20, engine);
        chain
    };
    let mut chains = [chain_on(Backend::Wasmtime), chain_on(Backend::Wasmer)];
    let me = key.address();
    let mut erc20 = module("erc20");
    erc20.extend_from_slice(
        &("T".to_string(), "T".to_string(), U256::from(1000)).abi_encode_params(),
    );
    let spin = weft_wasm::with_end_marker(
        &wat::parse_str(
            r#"(module (memory (export "memory") 1) (func (export "deploy"))
                (func (export "call") (loop $l (br $l))))"#,
        )
        .unwrap(),
    );
    // Each step is one block on both chains.
    let steps: Vec<(TxKind, Vec<u8>, u64)> = vec![
        (TxKind::Create, erc20, DEPLOY_GAS),
        (TxKind::Create, module("compute"), DEPLOY_GAS),
        (TxKind::Create, module("callee"), DEPLOY_GAS),
        (TxKind::Create, module("caller"), DEPLOY_GAS),
        (TxKind::Create, spin, DEPLOY_GAS),
        (
            TxKind::Call(me.create(0)),
            transferCall {
                to: address!("00000000000000000000000000000000000000b0"),
                amount: U256::from(7),
            }
            .abi_encode(),
            1_000_000,
        ),
        (
            TxKind::Call(me.create(1)),
            sortDescendingCall { n: U256::from(500) }.abi_encode(),
            10_000_000,
        ),
        (
            TxKind::Call(me.create(3)),
            callIncrementCall {
                counter: me.create(2),
            }
            .abi_encode(),
            1_000_000,
        ),
        (TxKind::Call(me.create(4)), vec![], 300_000),
    ];
    for (to, data, gas) in steps {
        let receipts: Vec<Receipt> = chains
            .iter_mut()
            .map(|chain| {
                let tx = chain.tx(to, data.clone(), gas);
                chain.block(vec![tx]).remove(0)
            })
            .collect();
        assert_eq!(receipts[0], receipts[1], "the engines disagree on {to:?}");
        // Everything succeeds but the spinner, which runs out of gas.
        let expected = if gas == 300_000 {
            TransactionStatus::OutOfGas
        } else {
            TransactionStatus::Success
        };
        assert_eq!(receipts[0].status, expected, "{:?}", receipts[0]);
    }
    assert_eq!(chains[0].full_state(), chains[1].full_state());
}
