//! Frames inside frames: a host call that re-enters the engine, as the executor will.

use std::sync::Arc;

use weft_wasm::{Entry, Status};

use crate::common::*;

/// Input: a little-endian `n`. Calls itself with `n - 1` until 0, which returns "done";
/// each level appends its `n`, so the result is "done" ‖ 1 ‖ 2 ‖ … ‖ n.
fn countdown() -> Vec<u8> {
    call_contract(
        "(local $n i32)
         (call $input_copy (i32.const 0) (i32.const 0) (i32.const 4))
         (local.set $n (i32.load (i32.const 0)))
         (if (i32.eqz (local.get $n))
           (then
             (i32.store (i32.const 100) (i32.const 0x656e6f64))
             (call $set_return (i32.const 100) (i32.const 4))
             (return)))
         (i32.store (i32.const 0) (i32.sub (local.get $n) (i32.const 1)))
         (if (i32.ne (call $call (i32.const 0) (i32.const 200) (i32.const 232)
                                 (i32.const 0) (i32.const 4) (i64.const 0))
                     (i32.const 0))
           (then (unreachable)))
         (call $return_data_copy (i32.const 300) (i32.const 0) (call $return_data_size))
         (i32.store8 (i32.add (i32.const 300) (call $return_data_size)) (local.get $n))
         (call $set_return (i32.const 300) (i32.add (call $return_data_size) (i32.const 1)))",
    )
}

#[test]
fn nested_frames_reenter_the_engine() {
    // The nesting recurses on the native stack, as the executor's will: give it room.
    let worker = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(|| {
            let engine = Arc::new(engine());
            let module = Arc::new(countdown());
            let depth = 20u32;
            let mut host = FakeHost::with_input(&depth.to_le_bytes());
            host.nested = Some((Arc::clone(&engine), Arc::clone(&module)));
            let outcome = run_on(&engine, &module, Entry::Call, &mut host, GAS);
            let mut expected = b"done".to_vec();
            expected.extend(1..=depth as u8);
            assert_eq!(outcome.status, Status::Return(expected));
            // One compilation for all levels; each level forwarded at most 63/64 of what
            // it had, so the gas shrinks level by level.
            assert_eq!(engine.compilations(), 1);
            let gas: Vec<u64> = host.calls.iter().map(|c| c.gas).collect();
            assert_eq!(gas.len(), depth as usize);
            assert!(gas.windows(2).all(|w| w[1] <= w[0] - w[0] / 64));
            assert!(outcome.gas_used < GAS - gas[0] + gas[0] / 2);

            // Too little gas for the whole chain: an inner level runs out, the outer
            // levels see a failed call and trap, and nothing leaks out as a node fault.
            let mut host = FakeHost::with_input(&depth.to_le_bytes());
            host.nested = Some((Arc::clone(&engine), Arc::clone(&module)));
            let outcome = run_on(&engine, &module, Entry::Call, &mut host, 2_000);
            assert!(matches!(outcome.status, Status::Trap(_)), "{outcome:?}");
        })
        .expect("spawn");
    worker.join().expect("nested test thread");
}
