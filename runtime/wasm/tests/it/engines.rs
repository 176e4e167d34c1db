//! wasmtime and wasmer side by side (cargo feature `wasmer`): every module here runs on
//! both engines in one process and must give the same outcome, gas and host effects.

use std::sync::OnceLock;

use weft_wasm::{Backend, Engine, EngineConfig, Entry, Outcome};

use crate::common::*;

/// One engine per backend for the whole test binary (their caches warm up as in a node).
fn engine_of(backend: Backend) -> &'static Engine {
    static ENGINES: OnceLock<[Engine; 2]> = OnceLock::new();
    let [wasmtime, wasmer] = ENGINES.get_or_init(|| {
        [Backend::Wasmtime, Backend::Wasmer].map(|backend| {
            Engine::new(EngineConfig {
                backend,
                ..EngineConfig::default()
            })
            .expect("engine")
        })
    });
    match backend {
        Backend::Wasmtime => wasmtime,
        Backend::Wasmer => wasmer,
    }
}

/// Runs `module` with `input` and `gas` on both engines; the outcome and what the host saw.
fn both(module: &[u8], input: &[u8], gas: u64) -> Outcome {
    let run = |backend| {
        let engine = engine_of(backend);
        let mut host = FakeHost::with_input(input);
        let outcome = run_on(engine, module, Entry::Call, &mut host, gas);
        (outcome, host.storage, host.logs, host.calls, host.creates)
    };
    let wasmtime = run(Backend::Wasmtime);
    let wasmer = run(Backend::Wasmer);
    assert_eq!(wasmtime, wasmer, "the engines disagree");
    wasmtime.0
}

/// Modules exercising every kind of work and ending.
fn modules() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("echo", echo()),
        ("loop", crate::gas::looper()),
        (
            "storage and logs",
            call_contract(
                "(i32.store8 (i32.const 31) (i32.const 7))
                 (call $storage_store (i32.const 0) (i32.const 0))
                 (call $storage_load (i32.const 0) (i32.const 64))
                 (call $emit_log (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 32))
                 (call $set_return (i32.const 64) (i32.const 32))",
            ),
        ),
        (
            "memory growth",
            call_contract(
                "(loop $grow
                   (br_if $grow (i32.ne (memory.grow (i32.const 3)) (i32.const -1))))
                 (memory.fill (i32.const 0) (i32.const 1) (i32.const 5000))",
            ),
        ),
        (
            "recursion",
            contract(
                "(func $deeper (call $deeper))
                 (func (export \"deploy\"))
                 (func (export \"call\") (call $deeper))",
            ),
        ),
        ("unreachable", call_contract("(unreachable)")),
        (
            "out of bounds",
            call_contract("(drop (i32.load (i32.const 100000000)))"),
        ),
        (
            "division by zero",
            call_contract("(drop (i32.div_u (i32.const 1) (i32.const 0)))"),
        ),
        (
            "revert",
            call_contract("(call $revert (i32.const 0) (i32.const 3))"),
        ),
        (
            "outgoing call",
            call_contract(
                "(drop (call $call (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                                   (i32.const 4) (i64.const 0)))",
            ),
        ),
        (
            "bad pointer",
            call_contract("(call $set_return (i32.const -1) (i32.const 8))"),
        ),
    ]
}

#[test]
fn every_module_ends_the_same_on_both_engines() {
    for (name, module) in modules() {
        let input = 2_000u32.to_le_bytes();
        let outcome = both(&module, &input, GAS);
        eprintln!("{name}: {outcome:?}");
    }
}

#[test]
fn gas_limits_around_the_exact_need_agree() {
    for (name, module) in modules() {
        let input = 300u32.to_le_bytes();
        let needed = both(&module, &input, GAS).gas_used;
        // Every limit from well below to above what the run needs, including the exact
        // boundary where out-of-gas starts.
        for gas in (needed.saturating_sub(40)..=needed + 2).chain([0, 1, needed / 2]) {
            let outcome = both(&module, &input, gas);
            assert!(outcome.gas_used <= gas, "{name}: {outcome:?} over {gas}");
        }
    }
}

#[test]
fn the_default_engine_with_the_feature_is_wasmer() {
    assert_eq!(EngineConfig::default().backend, Backend::Wasmer);
}
