//! Deployment-time refusals, each with its message.

use proptest::prelude::*;
use weft_wasm::{split_deployment, validate, with_end_marker, Entry, Limits, ValidationError};

use crate::common::*;

/// The exports every contract needs, for modules written out in full.
const EXPORTS: &str =
    "(memory (export \"memory\") 1) (func (export \"deploy\")) (func (export \"call\"))";

fn check(wat: &str) -> Result<weft_wasm::ValidatedModule, ValidationError> {
    validate(&with_end_marker(&wasm(wat)), &Limits::default())
}

/// Validates `wat` and returns the refusal's message.
fn refusal(wat: &str) -> String {
    match check(wat) {
        Ok(_) => panic!("accepted:\n{wat}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_minimal_contract_is_accepted() {
    let validated = check(&format!("(module {EXPORTS})")).expect("valid");
    assert_eq!(validated.imports, Vec::<&str>::new());
    assert_eq!(validated.initial_memory_pages, 1);
    assert_eq!(validated.max_memory_pages, None);
    assert!(validated.has_end_marker);
    // Without the marker the module itself is still valid (the marker is a payload rule).
    assert!(validate(&wasm(&format!("(module {EXPORTS})")), &Limits::default()).is_ok());
}

#[test]
fn allowed_features_are_accepted() {
    // sign-ext, bulk memory, multi-value, mutable globals, a table with call_indirect.
    let wat = format!(
        "(module {EXPORTS}
           (global $g (mut i32) (i32.const 0))
           (table 2 funcref) (elem (i32.const 0) $two $two)
           (type $pair (func (result i32 i32)))
           (data $d \"abc\")
           (func $two (type $pair) (i32.const 1) (i32.const 2))
           (func (export \"work\") (result i32)
             (memory.copy (i32.const 0) (i32.const 8) (i32.const 4))
             (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))
             (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))
             (global.set $g (i32.extend8_s (i32.const 255)))
             (drop (drop (call_indirect (type $pair) (i32.const 1))))
             (i32.add (call $two))))"
    );
    check(&wat).expect("valid");
}

#[test]
fn imports_from_another_module_are_refused() {
    assert_eq!(
        refusal(&format!(
            "(module (import \"env\" \"foo\" (func)) {EXPORTS})"
        )),
        "import `env.foo` is not part of Weft's host API: imports must come from module `weft`"
    );
}

#[test]
fn unknown_host_functions_are_refused() {
    assert_eq!(
        refusal(&format!(
            "(module (import \"weft\" \"foo\" (func)) {EXPORTS})"
        )),
        "import `weft.foo` is not part of Weft's host API"
    );
}

#[test]
fn wrong_import_signatures_are_refused() {
    assert_eq!(
        refusal(&format!(
            "(module (import \"weft\" \"storage_load\" (func (param i32) (result i32))) {EXPORTS})"
        )),
        "import `weft.storage_load` has type (i32) -> (i32); Weft's host API defines it as (i32, i32) -> ()"
    );
    assert_eq!(
        refusal(&format!(
            "(module (import \"weft\" \"gas_left\" (func (result i32))) {EXPORTS})"
        )),
        "import `weft.gas_left` has type () -> (i32); Weft's host API defines it as () -> (i64)"
    );
}

#[test]
fn imports_of_memories_tables_and_globals_are_refused() {
    assert_eq!(
        refusal(
            "(module (import \"weft\" \"memory\" (memory 1))
                     (func (export \"deploy\")) (func (export \"call\")))"
        ),
        "import `weft.memory` is a memory; Weft's host API provides functions only"
    );
    assert_eq!(
        refusal(&format!(
            "(module (import \"weft\" \"g\" (global i32)) {EXPORTS})"
        )),
        "import `weft.g` is a global; Weft's host API provides functions only"
    );
}

#[test]
fn missing_or_mistyped_exports_are_refused() {
    assert_eq!(
        refusal("(module (memory (export \"memory\") 1) (func (export \"deploy\")))"),
        "module does not export `call` (a function of type () -> ()); a Weft contract exports `memory`, `deploy: () -> ()` and `call: () -> ()`"
    );
    assert_eq!(
        refusal("(module (memory (export \"memory\") 1) (func (export \"call\")))"),
        "module does not export `deploy` (a function of type () -> ()); a Weft contract exports `memory`, `deploy: () -> ()` and `call: () -> ()`"
    );
    assert_eq!(
        refusal("(module (memory 1) (func (export \"deploy\")) (func (export \"call\")))"),
        "module does not export `memory` (a memory); a Weft contract exports `memory`, `deploy: () -> ()` and `call: () -> ()`"
    );
    assert_eq!(
        refusal(
            "(module (memory (export \"memory\") 1) (func (export \"deploy\"))
                     (func (export \"call\") (param i32)))"
        ),
        "export `call` is a function of type (i32) -> (); it must be a function of type () -> ()"
    );
    assert_eq!(
        refusal(
            "(module (memory (export \"memory\") 1) (func (export \"deploy\"))
                     (global (export \"call\") i32 (i32.const 0)))"
        ),
        "export `call` is a global; it must be a function of type () -> ()"
    );
    assert_eq!(
        refusal(
            "(module (memory 1) (func (export \"memory\"))
                     (func (export \"deploy\")) (func (export \"call\")))"
        ),
        "export `memory` is a function; it must be a memory"
    );
}

#[test]
fn a_start_function_is_refused() {
    assert_eq!(
        refusal(&format!("(module {EXPORTS} (func $init) (start $init))")),
        "module has a start function (function 2); Weft contracts must not have one: initialise in `deploy`"
    );
}

#[test]
fn floating_point_is_refused() {
    let wat = format!(
        "(module {EXPORTS}
           (func (export \"f\") (result i32)
             (i32.trunc_f32_s (f32.add (f32.const 1) (f32.const 2)))))"
    );
    let message = refusal(&wat);
    let binary = with_end_marker(&wasm(&wat));
    // The first float instruction is the first f32.const; find its offset in the binary.
    let offset = binary
        .windows(5)
        .position(|w| w == [0x43, 0x00, 0x00, 0x80, 0x3f])
        .expect("f32.const 1 in the binary");
    assert_eq!(
        message,
        format!("module uses floating-point instruction f32.const at offset {offset}")
    );
    assert!(refusal(&format!(
        "(module {EXPORTS} (func (export \"g\") (param i64) (result i64)
           (i64.reinterpret_f64 (f64.convert_i64_s (local.get 0)))))"
    ))
    .starts_with("module uses floating-point instruction f64.convert_i64_s at offset "));

    assert_eq!(
        refusal(&format!(
            "(module {EXPORTS} (func (export \"h\") (param f64)))"
        )),
        "module uses floating-point type f64 in the signature of type 1"
    );
    assert_eq!(
        refusal(&format!(
            "(module {EXPORTS} (func (export \"h\") (local i32 f32)))"
        )),
        "module uses floating-point type f32 in a local of function 2"
    );
    assert_eq!(
        refusal(&format!("(module {EXPORTS} (global f32 (f32.const 0)))")),
        "module uses floating-point type f32 in global 0"
    );
    assert!(refusal(&format!(
        "(module {EXPORTS} (func (export \"b\") (block (result f32) (unreachable)) (drop)))"
    ))
    .starts_with("module uses floating-point type f32/f64 in the code at offset "));
}

#[test]
fn simd_is_refused() {
    let message = refusal(&format!(
        "(module {EXPORTS} (func (export \"v\") (drop (v128.const i64x2 0 0))))"
    ));
    assert!(
        message.starts_with("module uses SIMD (an instruction with the 0xfd prefix) at offset "),
        "{message}"
    );
    let message = refusal(&format!(
        "(module {EXPORTS} (func (export \"v\") (local v128)))"
    ));
    assert!(
        message.starts_with("module uses SIMD (type v128 in a local of function 2) at offset"),
        "{message}"
    );
}

#[test]
fn other_proposals_are_refused() {
    let message = refusal(&format!(
        "(module {EXPORTS} (func (export \"a\") (result i32) (i32.atomic.load (i32.const 0))))"
    ));
    assert!(
        message.starts_with("module uses threads instruction i32.atomic.load at offset "),
        "{message}"
    );
    let message = refusal(&format!(
        "(module {EXPORTS} (table 1 funcref) (func (export \"r\") (drop (table.get 0 (i32.const 0)))))"
    ));
    assert!(
        message.starts_with("module uses reference-types instruction table.get at offset "),
        "{message}"
    );
    let message = refusal(&format!(
        "(module {EXPORTS} (func $t) (func (export \"t\") (return_call $t)))"
    ));
    assert!(
        message.starts_with("module uses tail-call instruction return_call at offset "),
        "{message}"
    );
    // A second memory (multi-memory) is caught by the validator.
    let message = refusal(&format!("(module {EXPORTS} (memory 1))"));
    assert!(
        message.starts_with("module is not valid WebAssembly"),
        "{message}"
    );
}

#[test]
fn memory_and_table_limits() {
    assert_eq!(
        refusal("(module (memory (export \"memory\") 17) (func (export \"deploy\")) (func (export \"call\")))"),
        "memory starts at 17 pages; the limit is 16 pages of 64 KiB"
    );
    assert_eq!(
        refusal("(module (memory (export \"memory\") 1 257) (func (export \"deploy\")) (func (export \"call\")))"),
        "memory maximum is 257 pages; the limit is 256 pages of 64 KiB"
    );
    check("(module (memory (export \"memory\") 16 256) (func (export \"deploy\")) (func (export \"call\")))")
        .expect("at the limits");
    assert_eq!(
        refusal(&format!("(module {EXPORTS} (table 10001 funcref))")),
        "table 0 has 10001 elements; the limit is 10000"
    );
    assert_eq!(
        refusal(&format!("(module {EXPORTS} (table 1 20000 funcref))")),
        "table 0 has 20000 elements; the limit is 10000"
    );
}

#[test]
fn segments_must_fit() {
    assert_eq!(
        refusal(&format!(
            "(module {EXPORTS} (data (i32.const 65535) \"ab\"))"
        )),
        "data segment 0 (2 bytes at offset 65535) does not fit in the initial memory of 1 pages"
    );
    assert_eq!(
        refusal(&format!(
            "(module {EXPORTS} (table 1 funcref) (func $f) (elem (i32.const 1) $f))"
        )),
        "element segment 0 (1 elements at offset 1) does not fit in table 0 of 1 elements"
    );
}

#[test]
fn oversized_modules_are_refused() {
    // A 600 KiB custom section.
    let mut module = wasm(&format!("(module {EXPORTS})"));
    let content = vec![0u8; 600 * 1024];
    module.push(0); // custom section id
    let mut size = content.len() as u32 + 2; // name length byte + name "x"
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            module.push(byte);
            break;
        }
        module.push(byte | 0x80);
    }
    module.extend_from_slice(&[1, b'x']);
    module.extend_from_slice(&content);
    let module = with_end_marker(&module);
    let err = validate(&module, &Limits::default()).expect_err("too large");
    assert_eq!(
        err.to_string(),
        format!(
            "module is {} bytes; the limit is 524288 bytes",
            module.len()
        )
    );
    // A node with a larger limit accepts it.
    let generous = Limits {
        max_module_size: 1024 * 1024,
        ..Limits::default()
    };
    validate(&module, &generous).expect("within a larger limit");
}

#[test]
fn the_end_marker() {
    let module = wasm(&format!("(module {EXPORTS})"));
    let args = word(5);

    // Module ‖ args without the marker: refused.
    let mut payload = module.clone();
    payload.extend_from_slice(&args);
    assert_eq!(
        split_deployment(&payload).expect_err("no marker").to_string(),
        "deployment payload has no `weft.end` custom section ending the module; build with the SDK or append it with `with_end_marker`"
    );
    assert_eq!(
        split_deployment(&module),
        Err(ValidationError::MissingEndMarker)
    );

    // With it: split exactly at the marker, even when the args look like sections.
    let stored = with_end_marker(&module);
    for args in [&args[..], b"", &[0u8, 3, 1, b'x', 0][..], &stored[..]] {
        let mut payload = stored.clone();
        payload.extend_from_slice(args);
        let (code, input) = split_deployment(&payload).expect("splits");
        assert_eq!(code, &stored[..]);
        assert_eq!(input, args);
    }

    // The marker must be empty and last.
    let mut not_empty = module.clone();
    not_empty.extend_from_slice(&[
        0, 10, 8, b'w', b'e', b'f', b't', b'.', b'e', b'n', b'd', 0xff,
    ]);
    assert_eq!(
        split_deployment(&not_empty)
            .expect_err("content")
            .to_string(),
        "the `weft.end` custom section must be empty; it holds 1 bytes"
    );
    assert_eq!(
        validate(&not_empty, &Limits::default())
            .expect_err("content")
            .to_string(),
        "the `weft.end` custom section must be empty; it holds 1 bytes"
    );
    let mut after = stored.clone();
    after.extend_from_slice(&[0, 2, 1, b'x']);
    assert_eq!(
        validate(&after, &Limits::default()).expect_err("after").to_string(),
        format!(
            "a section follows the `weft.end` marker at offset {}; the marker must be the module's last section",
            stored.len() + 2
        )
    );

    // Not WebAssembly at all (an EVM init code, text, a component).
    for bytes in [&b"\x60\x80\x60\x40"[..], b"(module)", b"\0asm\x0d\0\x01\0"] {
        assert_eq!(split_deployment(bytes), Err(ValidationError::NotWasm));
        assert_eq!(
            validate(bytes, &Limits::default()),
            Err(ValidationError::NotWasm)
        );
    }
}

#[test]
fn malformed_modules_are_refused() {
    let module = with_end_marker(&wasm(&format!("(module {EXPORTS})")));
    let truncated = &module[..module.len() - 15];
    let message = validate(truncated, &Limits::default())
        .expect_err("truncated")
        .to_string();
    assert!(
        message.starts_with("module is malformed at offset "),
        "{message}"
    );
}

#[test]
fn prepare_refuses_what_validate_refuses() {
    let engine = engine();
    let bad = with_end_marker(&wasm("(module (import \"env\" \"abort\" (func)))"));
    assert!(matches!(
        engine.prepare(hash(&bad), &bad),
        Err(ValidationError::ForeignImport { .. })
    ));
    assert_eq!(engine.compilations(), 0);
    assert!(!engine.is_cached(&hash(&bad)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Mutated contracts never panic the validator; whatever it accepts runs to an
    /// outcome without a node fault.
    #[test]
    fn mutated_modules_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut module = echo();
        let len = module.len();
        for (at, byte) in flips {
            module[at % len] ^= byte | 1;
        }
        let _ = split_deployment(&module);
        if validate(&module, &Limits::default()).is_ok() {
            let engine = engine();
            let mut host = FakeHost::with_input(b"fuzz");
            let result = engine.execute(hash(&module), &module, Entry::Call, &mut host, 100_000);
            prop_assert!(result.is_ok());
        }
    }

    /// Random bytes after a valid header never panic either.
    #[test]
    fn random_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend_from_slice(&body);
        let _ = split_deployment(&module);
        let _ = validate(&module, &Limits::default());
    }
}

#[test]
fn exports_with_the_meters_prefix_are_refused() {
    let message = refusal(
        r#"(module
            (memory (export "memory") 1)
            (global (export "__weft_fuel") (mut i64) (i64.const 0))
            (func (export "deploy"))
            (func (export "call")))"#,
    );
    assert!(message.contains("__weft_fuel"), "{message}");
}

#[test]
fn too_many_data_segments_are_refused() {
    let segments = "(data (i32.const 0) \"x\")".repeat(1025);
    let message = refusal(&format!(
        r#"(module
            (memory (export "memory") 1)
            {segments}
            (func (export "deploy"))
            (func (export "call")))"#
    ));
    assert!(message.contains("1025 data segments"), "{message}");
}

#[cfg(not(feature = "wasmer"))]
#[test]
fn asking_for_wasmer_without_the_feature_is_a_clear_error() {
    let err = weft_wasm::Engine::new(weft_wasm::EngineConfig {
        backend: weft_wasm::Backend::Wasmer,
        ..weft_wasm::EngineConfig::default()
    })
    .expect_err("no wasmer in this build");
    assert!(err.to_string().contains("wasmer"), "{err}");
}

#[test]
fn a_br_table_over_the_compilers_limit_is_refused() {
    // `br_table` lists its targets, then the default label.
    let targets = "0 ".repeat(weft_wasm::MAX_BR_TABLE_TARGETS as usize + 2);
    let message = refusal(&format!(
        r#"(module
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call") (block (br_table {targets} (i32.const 0)))))"#
    ));
    assert!(message.contains("br_table"), "{message}");
    // At the limit it is accepted.
    let targets = "0 ".repeat(weft_wasm::MAX_BR_TABLE_TARGETS as usize + 1);
    check(&format!(
        r#"(module
            (memory (export "memory") 1)
            (func (export "deploy"))
            (func (export "call") (block (br_table {targets} (i32.const 0)))))"#
    ))
    .expect("a br_table at the limit is accepted");
}
