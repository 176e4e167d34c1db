//! Every host function, both entries, return and revert data.

use weft_wasm::{
    split_deployment, validate, CallKind, CallResult, CallStatus, EngineError, Entry, Limits,
    Status, TrapKind,
};

use crate::common::*;

#[test]
fn echo_returns_its_input() {
    let (outcome, _) = call(&echo(), b"hello, weft");
    assert_eq!(outcome.status, Status::Return(b"hello, weft".to_vec()));
    assert!(outcome.gas_used > 0);
}

#[test]
fn output_is_empty_when_never_set_and_the_last_set_wins() {
    let (outcome, _) = call(&call_contract(""), b"");
    assert_eq!(outcome.status, Status::Return(Vec::new()));

    let module = call_contract(
        "(i32.store8 (i32.const 0) (i32.const 65))
         (i32.store8 (i32.const 1) (i32.const 66))
         (call $set_return (i32.const 0) (i32.const 2))
         (call $set_return (i32.const 1) (i32.const 1))",
    );
    assert_eq!(call(&module, b"").0.status, Status::Return(b"B".to_vec()));
}

#[test]
fn input_copy_reads_zeros_past_the_end_of_the_input() {
    // Copy 8 bytes of the input starting at offset 1; the input has 3.
    let module = call_contract(
        "(i32.store (i32.const 0) (i32.const -1))
         (i32.store (i32.const 4) (i32.const -1))
         (call $input_copy (i32.const 0) (i32.const 1) (i32.const 8))
         (call $set_return (i32.const 0) (i32.const 8))",
    );
    assert_eq!(
        call(&module, b"abc").0.status,
        Status::Return(b"bc\0\0\0\0\0\0".to_vec())
    );
    // An offset past the end copies only zeros.
    let module = call_contract(
        "(call $input_copy (i32.const 0) (i32.const 1000) (i32.const 4))
         (call $set_return (i32.const 0) (i32.const 4))",
    );
    assert_eq!(call(&module, b"abc").0.status, Status::Return(vec![0; 4]));
}

#[test]
fn revert_stops_execution_with_its_data() {
    let module = call_contract(
        "(call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
         (call $revert (i32.const 0) (call $input_size))
         ;; never reached:
         (call $storage_store (i32.const 0) (i32.const 0))",
    );
    let (outcome, host) = call(&module, b"no way");
    assert_eq!(outcome.status, Status::Revert(b"no way".to_vec()));
    assert!(host.storage.is_empty());
    // A revert keeps the gas not used (unlike a trap).
    assert!(outcome.gas_used < GAS / 100);
}

#[test]
fn deploy_and_call_run_their_own_exports() {
    // `deploy` stores its input (the constructor argument) at slot 0; `call` returns it.
    let module = contract(
        "(func (export \"deploy\")
           (call $input_copy (i32.const 32) (i32.const 0) (i32.const 32))
           (call $storage_store (i32.const 0) (i32.const 32)))
         (func (export \"call\")
           (call $storage_load (i32.const 0) (i32.const 32))
           (call $set_return (i32.const 32) (i32.const 32)))",
    );
    // The deployment payload is module ‖ constructor arguments.
    let mut payload = module.clone();
    payload.extend_from_slice(&word(77));
    let (code, args) = split_deployment(&payload).expect("payload splits");
    assert_eq!(code, &module[..]);
    validate(code, &Limits::default()).expect("valid");

    let engine = engine();
    let mut host = FakeHost::with_input(args);
    let deployed = run_on(&engine, code, Entry::Deploy, &mut host, GAS);
    assert_eq!(deployed.status, Status::Return(Vec::new()));
    assert_eq!(host.storage.get(&word(0)), Some(&word(77)));

    host.input.clear();
    let called = run_on(&engine, code, Entry::Call, &mut host, GAS);
    assert_eq!(called.status, Status::Return(word(77).to_vec()));
}

#[test]
fn storage_round_trip() {
    // input = key ‖ value: store, load back into 64, return it.
    let module = call_contract(
        "(call $input_copy (i32.const 0) (i32.const 0) (i32.const 64))
         (call $storage_store (i32.const 0) (i32.const 32))
         (call $storage_load (i32.const 0) (i32.const 64))
         (call $set_return (i32.const 64) (i32.const 32))",
    );
    let mut input = word(7).to_vec();
    input.extend_from_slice(&word(0xbeef));
    let (outcome, host) = call(&module, &input);
    assert_eq!(outcome.status, Status::Return(word(0xbeef).to_vec()));
    assert_eq!(host.storage.get(&word(7)), Some(&word(0xbeef)));

    // An absent slot reads as zero.
    let module = call_contract(
        "(i32.store (i32.const 64) (i32.const -1))
         (call $storage_load (i32.const 0) (i32.const 64))
         (call $set_return (i32.const 64) (i32.const 32))",
    );
    assert_eq!(call(&module, b"").0.status, Status::Return(vec![0; 32]));
}

#[test]
fn state_changes_trap_under_a_static_call() {
    let engine = engine();
    let store = call_contract("(call $storage_store (i32.const 0) (i32.const 0))");
    let log =
        call_contract("(call $emit_log (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))");
    let value_call = call_contract(
        "(i32.store8 (i32.const 63) (i32.const 1))
         (drop (call $call (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0) (i64.const 0)))",
    );
    let create = call_contract(
        "(drop (call $create (i32.const 0) (i32.const 0) (i32.const 0) (i32.const -1) (i32.const 0)))",
    );
    for module in [&store, &log, &value_call, &create] {
        let mut host = FakeHost {
            is_static: true,
            ..FakeHost::default()
        };
        let outcome = run_on(&engine, module, Entry::Call, &mut host, GAS);
        assert_eq!(outcome.status, Status::Trap(TrapKind::StaticViolation));
        assert_eq!(outcome.gas_used, GAS, "a trap consumes all gas");
        assert!(host.storage.is_empty() && host.logs.is_empty());
        assert!(host.calls.is_empty() && host.creates.is_empty());
    }
    // Reads and value-less calls are fine under a static call.
    let reads = call_contract(
        "(call $storage_load (i32.const 0) (i32.const 0))
         (drop (call $call (i32.const 1) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0) (i64.const 0)))",
    );
    let mut host = FakeHost {
        is_static: true,
        ..FakeHost::default()
    };
    let outcome = run_on(&engine, &reads, Entry::Call, &mut host, GAS);
    assert_eq!(outcome.status, Status::Return(Vec::new()));
    assert_eq!(host.calls.len(), 1);
}

#[test]
fn emit_log_passes_topics_and_data() {
    // input = 2 topics ‖ data.
    let module = call_contract(
        "(call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
         (call $emit_log (i32.const 0) (i32.const 2) (i32.const 64)
                         (i32.sub (call $input_size) (i32.const 64)))",
    );
    let mut input = word(1).to_vec();
    input.extend_from_slice(&word(2));
    input.extend_from_slice(b"payload");
    let (outcome, host) = call(&module, &input);
    assert_eq!(outcome.status, Status::Return(Vec::new()));
    assert_eq!(
        host.logs,
        vec![(vec![word(1), word(2)], b"payload".to_vec())]
    );

    for count in ["5", "-1"] {
        let module = call_contract(&format!(
            "(call $emit_log (i32.const 0) (i32.const {count}) (i32.const 0) (i32.const 0))"
        ));
        let (outcome, host) = call(&module, b"");
        assert_eq!(outcome.status, Status::Trap(TrapKind::ArgumentOutOfRange));
        assert!(host.logs.is_empty());
    }
}

#[test]
fn environment_reads() {
    let module = call_contract(
        "(call $caller (i32.const 0))
         (call $origin (i32.const 20))
         (call $address (i32.const 40))
         (call $call_value (i32.const 60))
         (i64.store (i32.const 92) (call $block_number))
         (i64.store (i32.const 100) (call $block_timestamp))
         (i64.store (i32.const 108) (call $chain_id))
         (call $set_return (i32.const 0) (i32.const 116))",
    );
    let mut host = FakeHost {
        value: word(1_000),
        ..FakeHost::default()
    };
    let outcome = run_on(&engine(), &module, Entry::Call, &mut host, GAS);
    let mut expected = Vec::new();
    expected.extend_from_slice(&host.caller);
    expected.extend_from_slice(&host.origin);
    expected.extend_from_slice(&host.address);
    expected.extend_from_slice(&word(1_000));
    expected.extend_from_slice(&42u64.to_le_bytes());
    expected.extend_from_slice(&1_700_000_000u64.to_le_bytes());
    expected.extend_from_slice(&20_200u64.to_le_bytes());
    assert_eq!(outcome.status, Status::Return(expected));
}

#[test]
fn gas_left_counts_down() {
    let module = call_contract(
        "(i64.store (i32.const 0) (call $gas_left))
         (i64.store (i32.const 8) (call $gas_left))
         (call $set_return (i32.const 0) (i32.const 16))",
    );
    let (outcome, _) = call(&module, b"");
    let Status::Return(data) = outcome.status else {
        panic!("unexpected {outcome:?}")
    };
    let first = u64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
    let second = u64::from_le_bytes(data[8..].try_into().expect("8 bytes"));
    assert!(first < GAS && first > GAS - 100, "first {first}");
    // The second read costs its 2 gas plus a few instructions.
    assert!(
        second < first && first - second <= 5,
        "{first} then {second}"
    );
    assert!(GAS - outcome.gas_used <= second);
}

/// A contract that calls with `kind` and `gas`: address = input[0..20], value =
/// input[20..52], data = input[52..]; returns status byte ‖ return data.
fn caller_contract(kind: i32, gas: i64) -> Vec<u8> {
    call_contract(&format!(
        "(call $input_copy (i32.const 0) (i32.const 0) (i32.const 20))
         (call $input_copy (i32.const 32) (i32.const 20) (i32.const 32))
         (call $input_copy (i32.const 64) (i32.const 52) (i32.sub (call $input_size) (i32.const 52)))
         (i32.store8 (i32.const 1000)
           (call $call (i32.const {kind}) (i32.const 0) (i32.const 32) (i32.const 64)
                       (i32.sub (call $input_size) (i32.const 52)) (i64.const {gas})))
         (call $return_data_copy (i32.const 1001) (i32.const 0) (call $return_data_size))
         (call $set_return (i32.const 1000) (i32.add (i32.const 1) (call $return_data_size)))"
    ))
}

fn call_input(to: [u8; 20], value: u64, data: &[u8]) -> Vec<u8> {
    let mut input = to.to_vec();
    input.extend_from_slice(&word(value));
    input.extend_from_slice(data);
    input
}

#[test]
fn outgoing_calls_reach_the_host_and_return_its_data() {
    let engine = engine();
    for (kind, code) in [
        (CallKind::Call, 0),
        (CallKind::StaticCall, 1),
        (CallKind::DelegateCall, 2),
    ] {
        let mut host = FakeHost::with_input(&call_input([0x11; 20], 5, b"\x12\x34\x56\x78"));
        host.call_reply = CallResult {
            status: CallStatus::Revert,
            gas_used: 1_234,
            return_data: b"callee says no".to_vec(),
        };
        let outcome = run_on(
            &engine,
            &caller_contract(code, 0),
            Entry::Call,
            &mut host,
            GAS,
        );
        let mut expected = vec![1u8];
        expected.extend_from_slice(b"callee says no");
        assert_eq!(outcome.status, Status::Return(expected), "{kind:?}");
        let seen = &host.calls[0];
        assert_eq!(seen.kind, kind);
        assert_eq!(seen.to, [0x11; 20]);
        // Only CALL carries a value.
        let value = if kind == CallKind::Call { 5 } else { 0 };
        assert_eq!(seen.value, word(value));
        assert_eq!(seen.data, b"\x12\x34\x56\x78");
    }
}

#[test]
fn outgoing_call_gas_follows_the_63_64_rule() {
    let engine = engine();
    let input = call_input([0x11; 20], 0, b"");

    // gas 0: all but one 64th of what is left after the call's own cost.
    let mut host = FakeHost::with_input(&input);
    let gas = 1_000_000;
    run_on(&engine, &caller_contract(0, 0), Entry::Call, &mut host, gas);
    let forwarded = host.calls[0].gas;
    let left = gas - host.call_cost;
    assert!(forwarded <= left - left / 64, "{forwarded}");
    assert!(forwarded >= (left - 100) - (left - 100) / 64, "{forwarded}");

    // An explicit request below the cap is honoured exactly.
    let mut host = FakeHost::with_input(&input);
    run_on(
        &engine,
        &caller_contract(0, 5_000),
        Entry::Call,
        &mut host,
        gas,
    );
    assert_eq!(host.calls[0].gas, 5_000);

    // A request over the cap is capped.
    let mut host = FakeHost::with_input(&input);
    run_on(
        &engine,
        &caller_contract(0, 999_999_999),
        Entry::Call,
        &mut host,
        gas,
    );
    assert_eq!(host.calls[0].gas, forwarded);

    // Negative gas and unknown kinds are refused.
    for module in [caller_contract(0, -1), caller_contract(3, 0)] {
        let mut host = FakeHost::with_input(&input);
        let outcome = run_on(&engine, &module, Entry::Call, &mut host, gas);
        assert_eq!(outcome.status, Status::Trap(TrapKind::ArgumentOutOfRange));
        assert!(host.calls.is_empty());
    }
}

#[test]
fn create_and_create2() {
    // code = input; CREATE2 when salt_ptr != -1. Returns status byte ‖ address.
    let creator = |salt_ptr: i32| {
        call_contract(&format!(
            "(i32.store8 (i32.const 95) (i32.const 9))     ;; value = 9
             (i32.store8 (i32.const 127) (i32.const 3))    ;; salt = 3
             (call $input_copy (i32.const 200) (i32.const 0) (call $input_size))
             (i32.store8 (i32.const 1000)
               (call $create (i32.const 200) (call $input_size) (i32.const 64)
                             (i32.const {salt_ptr}) (i32.const 1001)))
             (call $set_return (i32.const 1000) (i32.const 21))"
        ))
    };
    let engine = engine();
    for (salt_ptr, salt) in [(-1, None), (96, Some(word(3)))] {
        let mut host = FakeHost::with_input(b"init code");
        let outcome = run_on(&engine, &creator(salt_ptr), Entry::Call, &mut host, GAS);
        let mut expected = vec![0u8];
        expected.extend_from_slice(&[0xcc; 20]);
        assert_eq!(outcome.status, Status::Return(expected));
        let seen = &host.creates[0];
        assert_eq!(seen.code, b"init code");
        assert_eq!(seen.value, word(9));
        assert_eq!(seen.salt, salt);
        assert!(seen.gas > 0 && seen.gas < GAS);
    }
    // A failed create leaves the address untouched and returns 2.
    let mut host = FakeHost::with_input(b"init code");
    host.create_reply.status = CallStatus::Failure;
    let outcome = run_on(&engine, &creator(-1), Entry::Call, &mut host, GAS);
    let mut expected = vec![2u8];
    expected.extend_from_slice(&[0; 20]);
    assert_eq!(outcome.status, Status::Return(expected));
}

#[test]
fn return_data_copy_past_the_end_traps() {
    // No call yet: the return data is empty, so copying one byte is out of range.
    let module =
        call_contract("(call $return_data_copy (i32.const 0) (i32.const 0) (i32.const 1))");
    assert_eq!(
        call(&module, b"").0.status,
        Status::Trap(TrapKind::ArgumentOutOfRange)
    );
    let module =
        call_contract("(call $return_data_copy (i32.const 0) (i32.const 0) (i32.const 0))");
    assert_eq!(call(&module, b"").0.status, Status::Return(Vec::new()));
}

#[test]
fn hashes() {
    let module = call_contract(
        "(call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
         (call $keccak256 (i32.const 0) (call $input_size) (i32.const 1000))
         (call $chain_hash (i32.const 0) (call $input_size) (i32.const 1032))
         (call $set_return (i32.const 1000) (i32.const 64))",
    );
    let (outcome, host) = call(&module, b"weft");
    let mut expected = alloy_primitives::keccak256(b"weft").to_vec();
    expected.extend_from_slice(&weft_wasm::Host::chain_hash(&host, b"weft"));
    assert_eq!(outcome.status, Status::Return(expected));
}

#[test]
fn host_faults_abort_and_host_traps_trap() {
    let module = call_contract("(call $storage_load (i32.const 0) (i32.const 0))");
    let engine = engine();
    let mut host = FakeHost {
        broken_storage: true,
        ..FakeHost::default()
    };
    match engine.execute(hash(&module), &module, Entry::Call, &mut host, GAS) {
        Err(EngineError::Host(why)) => assert_eq!(why, "disk on fire"),
        other => panic!("expected a node fault, got {other:?}"),
    }
    let mut host = FakeHost {
        trap_storage: true,
        ..FakeHost::default()
    };
    let outcome = run_on(&engine, &module, Entry::Call, &mut host, GAS);
    assert_eq!(outcome.status, Status::Trap(TrapKind::StaticViolation));
    // The engine is fine afterwards.
    assert_eq!(
        run_on(
            &engine,
            &echo(),
            Entry::Call,
            &mut FakeHost::with_input(b"ok"),
            GAS
        )
        .status,
        Status::Return(b"ok".to_vec())
    );
}

#[test]
fn a_module_may_import_the_whole_host_api() {
    // `contract` imports every function; validation and linking both accept them.
    let module = call_contract("");
    let validated = validate(&module, &Limits::default()).expect("valid");
    assert_eq!(validated.imports.len(), weft_wasm::HOST_FUNCTIONS.len());
    assert!(validated.has_end_marker);
    assert_eq!(call(&module, b"").0.status, Status::Return(Vec::new()));
}
