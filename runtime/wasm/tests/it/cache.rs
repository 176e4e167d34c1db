//! The module cache, and determinism of outcomes and gas.

use std::sync::Arc;

use weft_wasm::{Engine, EngineConfig, Entry, Status};

use crate::common::*;

#[test]
fn a_cached_contract_is_not_compiled_again() {
    let engine = engine();
    let module = echo();
    assert!(!engine.is_cached(&hash(&module)));
    for _ in 0..3 {
        let outcome = run_on(
            &engine,
            &module,
            Entry::Call,
            &mut FakeHost::with_input(b"x"),
            GAS,
        );
        assert_eq!(outcome.status, Status::Return(b"x".to_vec()));
    }
    assert_eq!(engine.compilations(), 1);
    assert!(engine.is_cached(&hash(&module)));

    // Deploy-time preparation compiles once; the calls that follow reuse it.
    let other = call_contract("(nop)");
    engine.prepare(hash(&other), &other).expect("valid");
    engine.prepare(hash(&other), &other).expect("valid");
    assert_eq!(engine.compilations(), 2);
    run_on(
        &engine,
        &other,
        Entry::Deploy,
        &mut FakeHost::default(),
        GAS,
    );
    run_on(&engine, &other, Entry::Call, &mut FakeHost::default(), GAS);
    assert_eq!(engine.compilations(), 2);
    assert_eq!(engine.cached_modules(), 2);
}

#[test]
fn the_cache_is_bounded() {
    let engine = Engine::new(EngineConfig {
        cache_capacity: 1,
        ..EngineConfig::default()
    })
    .expect("engine");
    let a = echo();
    let b = call_contract("(nop)");
    for module in [&a, &b, &a] {
        run_on(&engine, module, Entry::Call, &mut FakeHost::default(), GAS);
    }
    assert_eq!(engine.cached_modules(), 1);
    assert_eq!(engine.compilations(), 3);
}

#[test]
fn the_same_call_gives_the_same_outcome_and_gas() {
    // Work that touches storage, logs, hashing, memory and a loop.
    let module = call_contract(
        "(local $i i32)
         (call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
         (block $done
           (loop $again
             (br_if $done (i32.ge_u (local.get $i) (i32.const 50)))
             (call $keccak256 (i32.const 0) (i32.const 64) (i32.const 0))
             (call $storage_store (i32.const 0) (i32.const 32))
             (local.set $i (i32.add (local.get $i) (i32.const 1)))
             (br $again)))
         (call $emit_log (i32.const 0) (i32.const 1) (i32.const 32) (i32.const 32))
         (drop (memory.grow (i32.const 3)))
         (call $set_return (i32.const 0) (i32.const 64))",
    );
    let input = [7u8; 64];
    let first_engine = engine();
    let second_engine = engine();
    let mut results = Vec::new();
    for engine in [&first_engine, &first_engine, &second_engine] {
        let mut host = FakeHost::with_input(&input);
        let outcome = run_on(engine, &module, Entry::Call, &mut host, GAS);
        assert!(outcome.is_success());
        results.push((outcome, host.storage, host.logs));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);

    // Out of gas happens at the same point too.
    let limit = results[0].0.gas_used / 2;
    let mut a = FakeHost::with_input(&input);
    let mut b = FakeHost::with_input(&input);
    let oa = run_on(&first_engine, &module, Entry::Call, &mut a, limit);
    let ob = run_on(&second_engine, &module, Entry::Call, &mut b, limit);
    assert_eq!(oa, ob);
    assert_eq!(a.storage, b.storage);
}

#[test]
fn one_engine_serves_many_threads() {
    let engine = Arc::new(engine());
    let module = Arc::new(echo());
    let threads: Vec<_> = (0..4u8)
        .map(|i| {
            let engine = Arc::clone(&engine);
            let module = Arc::clone(&module);
            std::thread::spawn(move || {
                let mut host = FakeHost::with_input(&[i; 3]);
                run_on(&engine, &module, Entry::Call, &mut host, GAS)
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let outcome = thread.join().expect("thread");
        assert_eq!(outcome.status, Status::Return(vec![i as u8; 3]));
    }
    assert!(engine.compilations() >= 1 && engine.compilations() <= 4);
    assert_eq!(engine.cached_modules(), 1);
}
