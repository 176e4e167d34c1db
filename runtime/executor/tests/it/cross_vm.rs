//! Calls across the two VMs: WASM ⇄ EVM in both directions, reverts at any depth, static
//! calls, creates from WASM, and nesting limits — all in one journal.

use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use weft_types::TransactionStatus;

use crate::wasm::{deploy, deploy_receipt, module, ok, DEPLOY_GAS};
use crate::{bytecode, Chain};

sol! {
    function count() returns (uint256);
    function increment() returns (uint256);
    function callIncrement(address counter) returns (uint256);
    function callFailCatch(address counter) returns (bool ok, string reason);
    function staticRead(address counter) returns (uint256);
    function lowLevelCall(address target, bytes data) returns (bool, bytes);
    function forward(address target, bytes data) returns (bytes);
    function forwardThenRevert(address target, bytes data);
    function get() returns (string);
}

/// A WASM relay: input `target (20 bytes) ‖ mode (1 byte) ‖ data`. It calls `target` with
/// `data` (all but 1/64 of its gas) and
/// - mode 0: returns the call's return data, or reverts with its revert data;
/// - mode 1: then reverts with the call's return data whatever happened;
/// - mode 2: as 0, through a static call.
const RELAY: &str = r#"(module
    (import "weft" "input_size" (func $input_size (result i32)))
    (import "weft" "input_copy" (func $input_copy (param i32 i32 i32)))
    (import "weft" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
    (import "weft" "return_data_size" (func $rd_size (result i32)))
    (import "weft" "return_data_copy" (func $rd_copy (param i32 i32 i32)))
    (import "weft" "set_return" (func $set_return (param i32 i32)))
    (import "weft" "revert" (func $revert (param i32 i32)))
    (memory (export "memory") 4)
    (func (export "deploy"))
    (func (export "call")
        (local $n i32) (local $mode i32) (local $status i32) (local $r i32)
        (local.set $n (call $input_size))
        (call $input_copy (i32.const 0) (i32.const 0) (local.get $n))
        (local.set $mode (i32.load8_u (i32.const 20)))
        (local.set $status
            (call $call
                (select (i32.const 1) (i32.const 0) (i32.eq (local.get $mode) (i32.const 2)))
                (i32.const 0) (i32.const 131072) (i32.const 21)
                (i32.sub (local.get $n) (i32.const 21)) (i64.const 0)))
        (local.set $r (call $rd_size))
        (call $rd_copy (i32.const 131104) (i32.const 0) (local.get $r))
        (if (i32.eq (local.get $mode) (i32.const 1))
            (then (call $revert (i32.const 131104) (local.get $r))))
        (if (local.get $status)
            (then (call $revert (i32.const 131104) (local.get $r))))
        (call $set_return (i32.const 131104) (local.get $r))))"#;

fn relay_input(target: Address, mode: u8, data: &[u8]) -> Vec<u8> {
    let mut input = target.to_vec();
    input.push(mode);
    input.extend_from_slice(data);
    input
}

fn wat_module(wat: &str) -> Vec<u8> {
    weft_wasm::with_end_marker(&wat::parse_str(wat).expect("valid WAT"))
}

fn count_of<S: weft_storage::Storage>(chain: &Chain<S>, counter: Address) -> U256 {
    U256::abi_decode(&ok(chain.call(counter, countCall {}.abi_encode()))).unwrap()
}

/// What a Caller (either twin) does with a Counter (either twin): two typed increments,
/// a caught `Error(string)`, a static read — the same in every pairing of the VMs.
pub(crate) fn caller_drives_counter<S: weft_storage::Storage>(
    chain: &mut Chain<S>,
    caller: Address,
    counter: Address,
) {
    for expected in 1..=2u64 {
        let r = chain.send(
            TxKind::Call(caller),
            callIncrementCall { counter }.abi_encode(),
        );
        assert!(r.status.is_success(), "{r:?}");
        assert_eq!(U256::abi_decode(&r.output).unwrap(), U256::from(expected));
    }
    assert_eq!(count_of(chain, counter), U256::from(2));
    // The callee's `Error(string)` reaches the caller, which catches it.
    let caught = chain.send(
        TxKind::Call(caller),
        callFailCatchCall { counter }.abi_encode(),
    );
    assert!(caught.status.is_success(), "{caught:?}");
    let ret = callFailCatchCall::abi_decode_returns(&caught.output).unwrap();
    assert_eq!((ret.ok, ret.reason.as_str()), (false, "counter failed"));
    let read = ok(chain.call(caller, staticReadCall { counter }.abi_encode()));
    assert_eq!(U256::abi_decode(&read).unwrap(), U256::from(2));
}

#[test]
fn wasm_calls_solidity_typed_caught_and_static() {
    let mut chain = Chain::new();
    let counter = chain.deploy(bytecode("0.8.37", "Counter"), &[]);
    let caller = deploy(&mut chain, module("caller"));
    caller_drives_counter(&mut chain, caller, counter);
}

#[test]
fn wasm_calls_wasm_and_both_vms_nest() {
    let mut chain = Chain::new();
    let wasm_counter = deploy(&mut chain, module("callee"));
    let wasm_caller = deploy(&mut chain, module("caller"));
    let sol_caller = chain.deploy(bytecode("0.8.37", "Caller"), &[]);
    // WASM → WASM.
    let r = chain.send(
        TxKind::Call(wasm_caller),
        callIncrementCall {
            counter: wasm_counter,
        }
        .abi_encode(),
    );
    assert!(r.status.is_success(), "{r:?}");
    // WASM → EVM → WASM: the Rust caller's low-level call to the Solidity caller, which
    // calls the WASM counter.
    let inner = callIncrementCall {
        counter: wasm_counter,
    }
    .abi_encode();
    let r = chain.send(
        TxKind::Call(wasm_caller),
        lowLevelCallCall {
            target: sol_caller,
            data: inner.into(),
        }
        .abi_encode(),
    );
    assert!(r.status.is_success(), "{r:?}");
    let ret = lowLevelCallCall::abi_decode_returns(&r.output).unwrap();
    assert!(ret._0);
    assert_eq!(U256::abi_decode(&ret._1).unwrap(), U256::from(2));
    // EVM → WASM → EVM → WASM, and the counter's own storage moved.
    let r = chain.send(
        TxKind::Call(sol_caller),
        lowLevelCallCall {
            target: wasm_caller,
            data: lowLevelCallCall {
                target: sol_caller,
                data: callIncrementCall {
                    counter: wasm_counter,
                }
                .abi_encode()
                .into(),
            }
            .abi_encode()
            .into(),
        }
        .abi_encode(),
    );
    assert!(r.status.is_success(), "{r:?}");
    assert_eq!(count_of(&chain, wasm_counter), U256::from(3));
}

#[test]
fn a_wasm_revert_undoes_the_evm_writes_below_it() {
    let mut chain = Chain::new();
    let counter = chain.deploy(bytecode("0.8.37", "Counter"), &[]);
    let forwarder = chain.deploy(bytecode("0.8.37", "Forwarder"), &[]);
    let relay = deploy(&mut chain, wat_module(RELAY));
    // Mode 0 commits: WASM → EVM counter.
    let r = chain.send(
        TxKind::Call(relay),
        relay_input(counter, 0, &incrementCall {}.abi_encode()),
    );
    assert!(r.status.is_success(), "{r:?}");
    assert_eq!(count_of(&chain, counter), U256::from(1));
    // Mode 1: WASM → EVM forwarder (emits a log) → EVM counter, then the WASM frame
    // reverts: the counter and the log are gone, and the revert data is the call's output.
    let r = chain.send(
        TxKind::Call(relay),
        relay_input(
            forwarder,
            1,
            &forwardCall {
                target: counter,
                data: incrementCall {}.abi_encode().into(),
            }
            .abi_encode(),
        ),
    );
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    assert!(r.logs.is_empty());
    let inner = Bytes::abi_decode(&r.output).unwrap();
    assert_eq!(U256::abi_decode(&inner).unwrap(), U256::from(2));
    assert_eq!(count_of(&chain, counter), U256::from(1));
}

#[test]
fn an_evm_revert_undoes_the_wasm_writes_below_it() {
    let mut chain = Chain::new();
    let wasm_counter = deploy(&mut chain, module("callee"));
    let wasm_caller = deploy(&mut chain, module("caller"));
    let forwarder = chain.deploy(bytecode("0.8.37", "Forwarder"), &[]);
    // EVM → WASM caller → WASM counter, then the EVM frame reverts.
    let r = chain.send(
        TxKind::Call(forwarder),
        forwardThenRevertCall {
            target: wasm_caller,
            data: callIncrementCall {
                counter: wasm_counter,
            }
            .abi_encode()
            .into(),
        }
        .abi_encode(),
    );
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    assert!(r.logs.is_empty());
    assert_eq!(count_of(&chain, wasm_counter), U256::ZERO);
    // A caught revert in the middle: the Solidity forwarder → WASM relay (mode 1) → WASM
    // counter; the relay's revert undoes the increment, the forwarder's own log stays.
    let relay = deploy(&mut chain, wat_module(RELAY));
    let r = chain.send(
        TxKind::Call(forwarder),
        forwardCall {
            target: relay,
            data: relay_input(wasm_counter, 1, &incrementCall {}.abi_encode()).into(),
        }
        .abi_encode(),
    );
    // `forward` bubbles the relay's revert: the whole transaction reverts.
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    assert_eq!(count_of(&chain, wasm_counter), U256::ZERO);
    // Solidity's low-level call catches it instead: the transaction succeeds, nothing
    // below the relay was kept.
    let sol_caller = chain.deploy(bytecode("0.8.37", "Caller"), &[]);
    let r = chain.send(
        TxKind::Call(sol_caller),
        lowLevelCallCall {
            target: relay,
            data: relay_input(wasm_counter, 1, &incrementCall {}.abi_encode()).into(),
        }
        .abi_encode(),
    );
    assert!(r.status.is_success(), "{r:?}");
    let ret = lowLevelCallCall::abi_decode_returns(&r.output).unwrap();
    assert!(!ret._0);
    assert_eq!(U256::abi_decode(&ret._1).unwrap(), U256::from(1));
    assert_eq!(count_of(&chain, wasm_counter), U256::ZERO);
}

/// EVM runtime code that writes 1 at slot 0 and returns 32 bytes, deployed by init code.
fn evm_writer_init_code() -> Vec<u8> {
    // runtime: PUSH1 1 PUSH1 0 SSTORE PUSH1 32 PUSH1 0 RETURN
    let runtime = [0x60, 0x01, 0x60, 0x00, 0x55, 0x60, 0x20, 0x60, 0x00, 0xf3];
    // init: PUSH10 runtime PUSH1 0 MSTORE PUSH1 10 PUSH1 22 RETURN
    let mut init = vec![0x69];
    init.extend_from_slice(&runtime);
    init.extend_from_slice(&[0x60, 0x00, 0x52, 0x60, 0x0a, 0x60, 0x16, 0xf3]);
    init
}

#[test]
fn a_static_call_from_wasm_forbids_evm_writes() {
    let mut chain = Chain::new();
    let writer = chain.deploy(evm_writer_init_code(), &[]);
    let relay = deploy(&mut chain, wat_module(RELAY));
    // Through a static call the write fails, and the relay reverts.
    let r = chain.send(TxKind::Call(relay), relay_input(writer, 2, &[]));
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    let slot = |chain: &Chain<_>| {
        chain
            .executor
            .storage_at(&chain.ledger, &writer, &U256::ZERO, None)
            .unwrap()
    };
    assert_eq!(slot(&chain), U256::ZERO);
    // A plain call writes.
    let r = chain.send(TxKind::Call(relay), relay_input(writer, 0, &[]));
    assert!(r.status.is_success(), "{r:?}");
    assert_eq!(slot(&chain), U256::from(1));
    // And the Rust caller's static read of a WASM writer fails as well (both VMs).
    let wasm_caller = deploy(&mut chain, module("caller"));
    let wasm_counter = deploy(&mut chain, module("callee"));
    let r = chain.send(
        TxKind::Call(wasm_caller),
        lowLevelCallCall {
            target: relay,
            data: relay_input(wasm_counter, 2, &incrementCall {}.abi_encode()).into(),
        }
        .abi_encode(),
    );
    assert!(r.status.is_success(), "{r:?}");
    let ret = lowLevelCallCall::abi_decode_returns(&r.output).unwrap();
    assert!(!ret._0, "a static increment succeeded");
    assert_eq!(count_of(&chain, wasm_counter), U256::ZERO);
}

/// A WASM factory: `create` (CREATE) with its whole input as the code; returns the new
/// address as a 32-byte word, or reverts with the create's revert data.
const FACTORY: &str = r#"(module
    (import "weft" "input_size" (func $input_size (result i32)))
    (import "weft" "input_copy" (func $input_copy (param i32 i32 i32)))
    (import "weft" "create" (func $create (param i32 i32 i32 i32 i32) (result i32)))
    (import "weft" "return_data_size" (func $rd_size (result i32)))
    (import "weft" "return_data_copy" (func $rd_copy (param i32 i32 i32)))
    (import "weft" "set_return" (func $set_return (param i32 i32)))
    (import "weft" "revert" (func $revert (param i32 i32)))
    (memory (export "memory") 16)
    (func (export "deploy"))
    (func (export "call")
        (local $n i32) (local $r i32)
        (local.set $n (call $input_size))
        (call $input_copy (i32.const 1024) (i32.const 0) (local.get $n))
        (if (call $create (i32.const 1024) (local.get $n) (i32.const 0) (i32.const -1) (i32.const 12))
            (then
                (local.set $r (call $rd_size))
                (call $rd_copy (i32.const 1024) (i32.const 0) (local.get $r))
                (call $revert (i32.const 1024) (local.get $r))))
        (call $set_return (i32.const 0) (i32.const 32))))"#;

#[test]
fn wasm_creates_evm_and_wasm_contracts() {
    let mut chain = Chain::new();
    let factory = deploy(&mut chain, wat_module(FACTORY));
    let create = |chain: &mut Chain<_>, code: Vec<u8>| {
        let tx = chain.tx(TxKind::Call(factory), code, DEPLOY_GAS);
        chain.block(vec![tx]).remove(0)
    };
    // An EVM contract, at CREATE's address (the factory's nonce starts at 1).
    let r = create(&mut chain, bytecode("0.8.37", "Counter"));
    assert!(r.status.is_success(), "{r:?}");
    let counter = Address::abi_decode(&r.output).unwrap();
    assert_eq!(counter, factory.create(1));
    let r = chain.send(TxKind::Call(counter), incrementCall {}.abi_encode());
    assert!(r.status.is_success(), "{r:?}");
    assert_eq!(count_of(&chain, counter), U256::from(1));
    // A WASM module (larger than EIP-170's 24 KiB limit would allow EVM code to be).
    let hello_module = module("hello");
    let r = create(&mut chain, hello_module.clone());
    assert!(r.status.is_success(), "{r:?}");
    let hello = Address::abi_decode(&r.output).unwrap();
    assert_eq!(hello, factory.create(2));
    let code = chain
        .executor
        .account(&chain.ledger, &hello, None)
        .unwrap()
        .code;
    assert_eq!(code.as_ref(), hello_module.as_slice());
    let out = ok(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(getCall::abi_decode_returns(&out).unwrap(), "Hello, World!");
    // An invalid module fails the create; nothing is deployed at the next address.
    let r = create(&mut chain, b"\0asm\x01\0\0\0garbage".to_vec());
    assert!(!r.status.is_success(), "{r:?}");
    let account = chain
        .executor
        .account(&chain.ledger, &factory.create(3), None)
        .unwrap();
    assert!(account.code.is_empty());
    // A reverting constructor (ERC20 without its arguments) reverts the create.
    let r = create(&mut chain, module("erc20"));
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
}

/// Increments slot 0, then calls itself with the same (empty) input, ignoring the result.
const RECURSE: &str = r#"(module
    (import "weft" "storage_load" (func $load (param i32 i32)))
    (import "weft" "storage_store" (func $store (param i32 i32)))
    (import "weft" "address" (func $address (param i32)))
    (import "weft" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
    (memory (export "memory") 1)
    (func (export "deploy"))
    (func (export "call")
        (call $load (i32.const 0) (i32.const 32))
        (i64.store (i32.const 56)
            (i64.add (i64.const 0x0100000000000000) (i64.load (i32.const 56))))
        (call $store (i32.const 0) (i32.const 32))
        (call $address (i32.const 100))
        (drop (call $call (i32.const 0) (i32.const 100) (i32.const 200) (i32.const 0)
            (i32.const 0) (i64.const 0)))))"#;

#[test]
fn unbounded_recursion_through_calls_stops_at_the_nesting_limit() {
    let mut chain = Chain::new();
    let recurse = deploy(&mut chain, wat_module(RECURSE));
    let tx = chain.tx(TxKind::Call(recurse), vec![], 20_000_000);
    let r = chain.block(vec![tx]).remove(0);
    assert!(r.status.is_success(), "{r:?}");
    // Slot 0 counts the frames that ran (WASM adds 1 to the word's last byte).
    let slot = chain
        .executor
        .storage_at(&chain.ledger, &recurse, &U256::ZERO, None)
        .unwrap();
    assert_eq!(slot, U256::from(weft_executor::MAX_WASM_NESTING));
    // The chain goes on.
    let hello = deploy(&mut chain, module("hello"));
    ok(chain.call(hello, getCall {}.abi_encode()));
}

#[test]
fn alternating_vms_nest_deeply_without_exhausting_the_native_stack() {
    let mut chain = Chain::new();
    let counter = deploy(&mut chain, module("callee"));
    let relay = deploy(&mut chain, wat_module(RELAY));
    let forwarder = chain.deploy(bytecode("0.8.37", "Forwarder"), &[]);
    // relay → forwarder → relay → forwarder → … → counter, 120 WASM and 120 EVM frames, on
    // the test thread's ordinary stack.
    let mut data = incrementCall {}.abi_encode();
    let mut target = counter;
    for _ in 0..120 {
        let relay_data = relay_input(target, 0, &data);
        data = forwardCall {
            target: relay,
            data: relay_data.into(),
        }
        .abi_encode();
        target = forwarder;
    }
    let tx = chain.tx(TxKind::Call(forwarder), data, 30_000_000);
    let r = chain.block(vec![tx]).remove(0);
    assert!(r.status.is_success(), "{r:?}");
    assert_eq!(count_of(&chain, counter), U256::from(1));
    // One `Forwarded` log per EVM frame.
    assert_eq!(r.logs.len(), 120);
}

#[test]
fn a_hostile_module_deployed_by_a_contract_is_refused() {
    let mut chain = Chain::new();
    let factory = deploy(&mut chain, wat_module(FACTORY));
    let evil = wat_module(
        r#"(module
            (import "env" "evil" (func))
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call")))"#,
    );
    let tx = chain.tx(TxKind::Call(factory), evil, DEPLOY_GAS);
    let r = chain.block(vec![tx]).remove(0);
    assert!(!r.status.is_success(), "{r:?}");
    // The factory still works.
    let r = deploy_receipt(&mut chain, module("hello"));
    assert!(r.status.is_success(), "{r:?}");
}

#[test]
fn a_child_out_of_gas_leaves_the_wasm_caller_its_64th() {
    let mut chain = Chain::new();
    let spinner = deploy(
        &mut chain,
        wat_module(
            r#"(module
                (memory (export "memory") 1)
                (func (export "deploy"))
                (func (export "call") (loop $l (br $l))))"#,
        ),
    );
    let relay = deploy(&mut chain, wat_module(RELAY));
    let tx = chain.tx(TxKind::Call(relay), relay_input(spinner, 0, &[]), 1_000_000);
    let r = chain.block(vec![tx]).remove(0);
    // The spinner burns all it was forwarded (63/64 of what the relay had); the relay
    // keeps the rest and ends with its own revert, not out of gas.
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    assert!(r.gas_used < 1_000_000, "{r:?}");
    assert!(r.gas_used > 1_000_000 - 1_000_000 / 64, "{r:?}");
}

sol! {
    function deployRaw(bytes code, bytes32 salt) returns (address created);
    function balanceOf(address account) returns (uint256);
}

#[test]
fn solidity_creates_wasm_contracts_with_create_and_create2() {
    let mut chain = Chain::new();
    let forwarder = chain.deploy(bytecode("0.8.37", "Forwarder"), &[]);
    let deploy_raw = |chain: &mut Chain<_>, code: Vec<u8>, salt: [u8; 32]| {
        let data = deployRawCall {
            code: code.into(),
            salt: salt.into(),
        }
        .abi_encode();
        let tx = chain.tx(TxKind::Call(forwarder), data, DEPLOY_GAS);
        chain.block(vec![tx]).remove(0)
    };
    // CREATE of the raw module: the contract runs (not empty code), at CREATE's address.
    let hello_module = module("hello");
    let r = deploy_raw(&mut chain, hello_module.clone(), [0; 32]);
    assert!(r.status.is_success(), "{r:?}");
    let hello = Address::abi_decode(&r.output).unwrap();
    assert_eq!(hello, forwarder.create(1));
    let out = ok(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(getCall::abi_decode_returns(&out).unwrap(), "Hello, World!");
    let code = chain
        .executor
        .account(&chain.ledger, &hello, None)
        .unwrap()
        .code;
    assert_eq!(code.as_ref(), hello_module.as_slice());
    // CREATE2 with constructor arguments, at the address a WASM creator computes too.
    let counter_salt = [7u8; 32];
    let r = deploy_raw(&mut chain, module("callee"), counter_salt);
    assert!(r.status.is_success(), "{r:?}");
    let counter = Address::abi_decode(&r.output).unwrap();
    let r = chain.send(TxKind::Call(counter), incrementCall {}.abi_encode());
    assert!(r.status.is_success(), "{r:?}");
    assert_eq!(count_of(&chain, counter), U256::from(1));
    // The same payload and salt again collide: CREATE2's address is deterministic.
    let r = deploy_raw(&mut chain, module("callee"), counter_salt);
    assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    // A module over EIP-170's 24 KiB (the ERC20, 37 KB) deploys too, constructor and all.
    let mut erc20 = module("erc20");
    assert!(erc20.len() > 24 * 1024);
    erc20.extend_from_slice(&("T".to_string(), "T".to_string(), U256::from(5)).abi_encode_params());
    let r = deploy_raw(&mut chain, erc20, [0; 32]);
    assert!(r.status.is_success(), "{r:?}");
    let token = Address::abi_decode(&r.output).unwrap();
    // The constructor minted the supply to its deployer, the Solidity contract.
    let balance = ok(chain.call(token, balanceOfCall { account: forwarder }.abi_encode()));
    assert_eq!(U256::abi_decode(&balance).unwrap(), U256::from(5));
    // A malformed payload and an invalid module fail the create instead of deploying.
    for bad in [
        b"\0asm\x01\0\0\0no end marker".to_vec(),
        weft_wasm::with_end_marker(b"\0asm\x01\0\0\0garbage"),
    ] {
        let r = deploy_raw(&mut chain, bad, [0; 32]);
        assert_eq!(r.status, TransactionStatus::RevertInstruction, "{r:?}");
    }
}
