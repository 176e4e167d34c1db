//! Contracts that try to hurt the node: they fail cleanly, and the engine keeps working.

use weft_wasm::{Entry, Status, TrapKind};

use crate::common::*;

fn still_works(engine: &weft_wasm::Engine) {
    let mut host = FakeHost::with_input(b"still here");
    let outcome = run_on(engine, &echo(), Entry::Call, &mut host, GAS);
    assert_eq!(outcome.status, Status::Return(b"still here".to_vec()));
}

#[test]
fn an_infinite_loop_runs_out_of_gas() {
    let engine = engine();
    let module = call_contract("(loop $forever (br $forever))");
    let outcome = run_on(
        &engine,
        &module,
        Entry::Call,
        &mut FakeHost::default(),
        1_000_000,
    );
    assert_eq!(outcome.status, Status::Trap(TrapKind::OutOfGas));
    assert_eq!(outcome.gas_used, 1_000_000);
    still_works(&engine);
}

#[test]
fn memory_growth_stops_at_the_limit() {
    // Grow one page at a time until refused; return the final size in pages.
    let module = call_contract(
        "(block $refused
           (loop $grow
             (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
             (br $grow)))
         (i32.store (i32.const 0) (memory.size))
         (call $set_return (i32.const 0) (i32.const 4))",
    );
    let (outcome, _) = call(&module, b"");
    assert_eq!(
        outcome.status,
        Status::Return(256u32.to_le_bytes().to_vec())
    );
    // Growth is paid for: 255 pages × 255 fuel ≈ 6,500 gas.
    assert!(outcome.gas_used > 6_500, "gas {}", outcome.gas_used);

    // Ignoring the refusal and growing forever ends in out-of-gas, not in memory.
    let bomb = call_contract("(loop $grow (drop (memory.grow (i32.const 1))) (br $grow))");
    let engine = engine();
    let outcome = run_on(
        &engine,
        &bomb,
        Entry::Call,
        &mut FakeHost::default(),
        1_000_000,
    );
    assert_eq!(outcome.status, Status::Trap(TrapKind::OutOfGas));
    still_works(&engine);

    // One huge request is priced per page and runs out of gas at once.
    let huge = call_contract("(drop (memory.grow (i32.const 0x7fffffff)))");
    let outcome = run_on(&engine, &huge, Entry::Call, &mut FakeHost::default(), GAS);
    assert_eq!(outcome.status, Status::Trap(TrapKind::OutOfGas));
}

#[test]
fn a_declared_maximum_is_respected() {
    let module = with_max(
        "(func (export \"call\")
           (i32.store (i32.const 0) (memory.grow (i32.const 2)))
           (i32.store (i32.const 4) (memory.grow (i32.const 1)))
           (call $set_return (i32.const 0) (i32.const 8)))",
    );
    let (outcome, _) = call(&module, b"");
    let mut expected = 1u32.to_le_bytes().to_vec();
    expected.extend_from_slice(&(-1i32).to_le_bytes());
    assert_eq!(outcome.status, Status::Return(expected));
}

/// A contract whose memory is declared `(memory 1 3)`.
fn with_max(fields: &str) -> Vec<u8> {
    weft_wasm::with_end_marker(&wasm(&format!(
        "(module {} (memory (export \"memory\") 1 3) (func (export \"deploy\")) {fields})",
        imports()
    )))
}

#[test]
fn unbounded_recursion_is_a_stack_overflow_trap() {
    let engine = engine();
    let module = contract(
        "(func (export \"deploy\"))
         (func $down (param i64) (result i64)
           (i64.add (call $down (i64.add (local.get 0) (i64.const 1))) (local.get 0)))
         (func (export \"call\") (drop (call $down (i64.const 0))))",
    );
    let outcome = run_on(&engine, &module, Entry::Call, &mut FakeHost::default(), GAS);
    assert_eq!(outcome.status, Status::Trap(TrapKind::StackOverflow));
    assert_eq!(outcome.gas_used, GAS);
    still_works(&engine);
}

#[test]
fn bad_pointers_are_argument_out_of_range() {
    let cases = [
        // Past the end of the one-page memory.
        "(call $set_return (i32.const 65530) (i32.const 10))",
        // A negative pointer is a huge unsigned one.
        "(call $set_return (i32.const -1) (i32.const 1))",
        // A negative length likewise.
        "(call $revert (i32.const 0) (i32.const -1))",
        "(call $input_copy (i32.const 65535) (i32.const 0) (i32.const 2))",
        "(call $storage_load (i32.const 65504) (i32.const 65505))",
        "(call $storage_store (i32.const 65505) (i32.const 0))",
        "(call $caller (i32.const 65520))",
        "(call $call_value (i32.const 65535))",
        "(call $keccak256 (i32.const 0) (i32.const 65537) (i32.const 0))",
        "(call $chain_hash (i32.const 0) (i32.const 1) (i32.const 65535))",
        "(call $emit_log (i32.const 65535) (i32.const 1) (i32.const 0) (i32.const 0))",
        "(drop (call $call (i32.const 0) (i32.const 65530) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0)))",
        "(drop (call $create (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 65535) (i32.const 0)))",
    ];
    let engine = engine();
    for body in cases {
        let mut host = FakeHost::with_input(b"xyz");
        let outcome = run_on(&engine, &call_contract(body), Entry::Call, &mut host, GAS);
        assert_eq!(
            outcome.status,
            Status::Trap(TrapKind::ArgumentOutOfRange),
            "{body}"
        );
        assert!(host.storage.is_empty() && host.logs.is_empty() && host.calls.is_empty());
    }
}

#[test]
fn wasm_traps_map_to_trap_kinds() {
    let cases = [
        ("(unreachable)", TrapKind::Unreachable),
        (
            "(drop (i32.load (i32.const 65535)))",
            TrapKind::MemoryOutOfBounds,
        ),
        (
            "(drop (i32.div_u (i32.const 1) (i32.const 0)))",
            TrapKind::Other("integer division by zero".into()),
        ),
        (
            "(drop (i32.div_s (i32.const 0x80000000) (i32.const -1)))",
            TrapKind::Other("integer overflow".into()),
        ),
    ];
    for (body, kind) in cases {
        let (outcome, _) = call(&call_contract(body), b"");
        assert_eq!(outcome.status, Status::Trap(kind), "{body}");
    }
}

#[test]
fn an_invalid_module_reaching_execute_traps() {
    // Stored code is validated at deployment; if invalid code reaches `execute` anyway (a
    // cache miss on bad code), it is refused, not run.
    let bad = weft_wasm::with_end_marker(&wasm(
        "(module (memory (export \"memory\") 1) (func $s) (start $s)
                 (func (export \"deploy\")) (func (export \"call\")))",
    ));
    let engine = engine();
    let outcome = run_on(&engine, &bad, Entry::Call, &mut FakeHost::default(), 1_000);
    match outcome.status {
        Status::Trap(TrapKind::InvalidModule(why)) => {
            assert!(why.contains("start function"), "{why}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(outcome.gas_used, 1_000);
    assert_eq!(engine.compilations(), 0);
}
