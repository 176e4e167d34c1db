//! Gas accounting: fuel = gas × 10, host calls charged, limits exact.

use weft_wasm::{CallStatus, Entry, Status, TrapKind};

use crate::common::*;

/// A loop of `n` iterations (`n` from the first input byte × 256 + second).
pub(crate) fn looper() -> Vec<u8> {
    call_contract(
        "(local $i i32) (local $n i32)
         (call $input_copy (i32.const 0) (i32.const 0) (i32.const 4))
         (local.set $n (i32.load (i32.const 0)))
         (block $done
           (loop $again
             (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
             (local.set $i (i32.add (local.get $i) (i32.const 1)))
             (br $again)))",
    )
}

fn gas_for(module: &[u8], input: &[u8], gas: u64) -> weft_wasm::Outcome {
    run_on(
        &engine(),
        module,
        Entry::Call,
        &mut FakeHost::with_input(input),
        gas,
    )
}

#[test]
fn gas_used_grows_with_work() {
    let module = looper();
    let small = gas_for(&module, &10u32.to_le_bytes(), GAS);
    let large = gas_for(&module, &10_010u32.to_le_bytes(), GAS);
    assert!(small.is_success() && large.is_success());
    // 10,000 more iterations of about 8 instructions: ~8,000 more gas at 10 per gas.
    let extra = large.gas_used - small.gas_used;
    assert!((7_000..=10_000).contains(&extra), "extra gas {extra}");
}

#[test]
fn running_out_exactly_at_the_limit() {
    let module = looper();
    let input = 1_000u32.to_le_bytes();
    let needed = gas_for(&module, &input, GAS).gas_used;

    let enough = gas_for(&module, &input, needed);
    assert_eq!(enough.status, Status::Return(Vec::new()));
    assert_eq!(enough.gas_used, needed);

    let short = gas_for(&module, &input, needed - 1);
    assert_eq!(short.status, Status::Trap(TrapKind::OutOfGas));
    assert_eq!(short.gas_used, needed - 1);

    let none = gas_for(&module, &input, 0);
    assert_eq!(none.status, Status::Trap(TrapKind::OutOfGas));
    assert_eq!(none.gas_used, 0);
}

#[test]
fn a_host_call_costs_what_the_host_says() {
    let module = call_contract("(call $storage_load (i32.const 0) (i32.const 0))");
    let engine = engine();
    let mut cheap = FakeHost {
        sload_cost: Some(100),
        ..FakeHost::default()
    };
    let mut dear = FakeHost {
        sload_cost: Some(2_100),
        ..FakeHost::default()
    };
    let a = run_on(&engine, &module, Entry::Call, &mut cheap, GAS);
    let b = run_on(&engine, &module, Entry::Call, &mut dear, GAS);
    assert_eq!(b.gas_used - a.gas_used, 2_000);

    // Cold then warm: the second load of the same key is 2,000 cheaper.
    let twice = call_contract(
        "(call $storage_load (i32.const 0) (i32.const 0))
         (call $storage_load (i32.const 0) (i32.const 0))",
    );
    let c = run_on(&engine, &twice, Entry::Call, &mut FakeHost::default(), GAS);
    let once = run_on(&engine, &module, Entry::Call, &mut FakeHost::default(), GAS);
    let second = c.gas_used - once.gas_used;
    assert!((100..=105).contains(&second), "second load cost {second}");

    // Out of gas while charging a host call.
    let out = run_on(&engine, &module, Entry::Call, &mut dear, 2_000);
    assert_eq!(out.status, Status::Trap(TrapKind::OutOfGas));
    assert_eq!(out.gas_used, 2_000);
}

#[test]
fn fixed_costs_follow_the_schedule() {
    // Hashing one more word costs exactly 6 more gas; a log byte 8; a topic 375.
    let hash_of = |len: u32| {
        call_contract(&format!(
            "(call $keccak256 (i32.const 0) (i32.const {len}) (i32.const 0))"
        ))
    };
    let h64 = gas_for(&hash_of(64), b"", GAS).gas_used;
    let h96 = gas_for(&hash_of(96), b"", GAS).gas_used;
    assert_eq!(h96 - h64, 6);

    let log_of = |topics: u32, len: u32| {
        call_contract(&format!(
            "(call $emit_log (i32.const 0) (i32.const {topics}) (i32.const 0) (i32.const {len}))"
        ))
    };
    let base = gas_for(&log_of(0, 0), b"", GAS).gas_used;
    assert_eq!(gas_for(&log_of(0, 10), b"", GAS).gas_used - base, 80);
    assert_eq!(gas_for(&log_of(2, 0), b"", GAS).gas_used - base, 750);

    // SSTORE to a fresh cold slot: 22,100 from the host.
    let store = call_contract("(call $storage_store (i32.const 0) (i32.const 0))");
    let load = call_contract("(call $storage_load (i32.const 0) (i32.const 0))");
    let s = gas_for(&store, b"", GAS).gas_used;
    let l = gas_for(&load, b"", GAS).gas_used;
    assert_eq!(s - l, 22_100 - 2_200);
}

#[test]
fn storage_store_needs_more_than_the_sentry() {
    let module = call_contract("(call $storage_store (i32.const 0) (i32.const 0))");
    // 2,300 gas or less left at the store: out of gas, even though the store is priced
    // by the host later.
    let out = gas_for(&module, b"", 2_300);
    assert_eq!(out.status, Status::Trap(TrapKind::OutOfGas));
    let mut host = FakeHost::default();
    run_on(&engine(), &module, Entry::Call, &mut host, 2_300);
    assert!(host.storage.is_empty());
}

#[test]
fn callee_gas_is_charged_to_the_caller() {
    let module = call_contract(
        "(drop (call $call (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0)))",
    );
    let engine = engine();
    let mut idle = FakeHost::default();
    let mut busy = FakeHost::default();
    busy.call_reply.gas_used = 7_777;
    busy.call_reply.status = CallStatus::Failure;
    let a = run_on(&engine, &module, Entry::Call, &mut idle, GAS);
    let b = run_on(&engine, &module, Entry::Call, &mut busy, GAS);
    assert_eq!(b.gas_used - a.gas_used, 7_777);
    // The call's own cost is charged too.
    let mut dear = FakeHost {
        call_cost: 2_600,
        ..FakeHost::default()
    };
    let c = run_on(&engine, &module, Entry::Call, &mut dear, GAS);
    assert_eq!(c.gas_used - a.gas_used, 2_500);
}

#[test]
fn a_trap_consumes_all_gas_and_a_revert_does_not() {
    let trap = gas_for(&call_contract("(unreachable)"), b"", 50_000);
    assert_eq!(trap.status, Status::Trap(TrapKind::Unreachable));
    assert_eq!(trap.gas_used, 50_000);
    let revert = gas_for(
        &call_contract("(call $revert (i32.const 0) (i32.const 0))"),
        b"",
        50_000,
    );
    assert_eq!(revert.status, Status::Revert(Vec::new()));
    assert!(revert.gas_used < 100);
}

/// Gas is metered by the module itself (instrumentation), so it is a function of the code
/// alone: these pin the schedule `sdk/HOST_API.md` documents.
mod schedule {
    use super::*;

    /// Gas of `call` = `body`, minus that of an empty `call`, in fuel (gas × 10 is too
    /// coarse to see single instructions, so each body repeats its work 10 times).
    fn extra_fuel(body: &str) -> u64 {
        let base = gas_for(&call_contract(""), b"", GAS);
        let with = gas_for(&call_contract(body), b"", GAS);
        assert!(base.is_success() && with.is_success(), "{with:?}");
        (with.gas_used - base.gas_used) * 10
    }

    #[test]
    fn each_instruction_costs_one_fuel_and_structure_none() {
        // 10 × (i32.const, drop): 10 fuel (drop is free).
        let consts = "(drop (i32.const 1))".repeat(10);
        assert_eq!(extra_fuel(&consts), 10);
        // 10 × nop and empty blocks: free.
        assert_eq!(extra_fuel(&"(nop) (block)".repeat(10)), 0);
    }

    #[test]
    fn memory_grow_costs_255_fuel_per_page() {
        // memory.grow of 2 pages, 10 times: 10 × (i32.const + memory.grow + drop) +
        // 20 pages × 255.
        let grow = "(drop (memory.grow (i32.const 2)))".repeat(10);
        assert_eq!(extra_fuel(&grow), 10 * 2 + 20 * 255);
    }

    #[test]
    fn bulk_memory_costs_one_fuel_per_byte() {
        // 10 × memory.fill of 100 bytes: 10 × 4 instructions + 1,000 bytes.
        let fill = "(memory.fill (i32.const 0) (i32.const 7) (i32.const 100))".repeat(10);
        assert_eq!(extra_fuel(&fill), 10 * 4 + 1_000);
    }

    #[test]
    fn calling_a_function_costs_its_entry() {
        let module = contract(
            "(func $f)
             (func (export \"deploy\"))
             (func (export \"call\") (call $f) (call $f) (call $f) (call $f) (call $f)
                                      (call $f) (call $f) (call $f) (call $f) (call $f))",
        );
        let base = gas_for(&call_contract(""), b"", GAS);
        let with = gas_for(&module, b"", GAS);
        // 10 × (call + entry).
        assert_eq!((with.gas_used - base.gas_used) * 10, 20);
    }

    #[test]
    fn out_of_fuel_is_out_of_gas_and_a_contracts_unreachable_is_not() {
        let spin = call_contract("(loop $l (br $l))");
        let out = gas_for(&spin, b"", 1_000);
        assert_eq!(out.status, Status::Trap(TrapKind::OutOfGas));
        assert_eq!(out.gas_used, 1_000);
        let stop = call_contract("(unreachable)");
        let out = gas_for(&stop, b"", 1_000);
        assert_eq!(out.status, Status::Trap(TrapKind::Unreachable));
    }

    #[test]
    fn data_segments_are_paid_for_at_instantiation() {
        let plain = call_contract("");
        let with_data = contract(&format!(
            "(data (i32.const 0) \"{}\")
             (func (export \"deploy\")) (func (export \"call\"))",
            "x".repeat(1_000)
        ));
        let a = gas_for(&plain, b"", GAS).gas_used;
        let b = gas_for(&with_data, b"", GAS).gas_used;
        assert_eq!((b - a) * 10, 1_000);
        // A limit below the instantiation fuel runs nothing.
        let out = gas_for(&with_data, b"", 50);
        assert_eq!(out.status, Status::Trap(TrapKind::OutOfGas));
    }
}
