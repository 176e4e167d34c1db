//! Builds this workspace's contracts for wasm32 and checks what comes out: each module
//! passes the host's deployment checks (imports from "weft" only, with the host's
//! signatures; `memory`/`deploy`/`call` exported; no floats; memory and size limits; ends
//! with `weft.end`), and each ABI is its Solidity twin's.
#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

use std::path::PathBuf;

use weft_contract_builder::{abi, build, check, module, Options};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

#[test]
fn builds_checks_and_writes_every_contract() {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("weft-build-it");
    let _ = std::fs::remove_dir_all(&out_dir);
    let built = build(&Options {
        workspace: workspace(),
        out_dir: out_dir.clone(),
        packages: vec![],
    })
    .unwrap();
    let names: Vec<&str> = built.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        ["callee", "caller", "compute", "crud", "erc20", "hello"]
    );

    for b in &built {
        let wasm = std::fs::read(&b.wasm_path).unwrap();
        assert_eq!(wasm.len(), b.size);
        // Checked again from the file: the host's rules, and the marker at the very end.
        check::check(&wasm).unwrap_or_else(|p| panic!("{}: {p:?}", b.name));
        assert!(
            wasm.ends_with(&module::end_marker()),
            "{} ends with weft.end",
            b.name
        );
        // Small contracts stay small (the CRUD contract carries the table ABI's codecs).
        assert!(b.size < 96 * 1024, "{} is {} bytes", b.name, b.size);
        for import in &b.summary.imports {
            assert!(check::IMPORTS.iter().any(|(n, _, _)| n == import));
        }
        assert!(b.summary.memory.0 <= check::MAX_INITIAL_PAGES);
        // The ABI section is gone from the module (it is in the .abi.json file).
        assert!(
            !wasm.windows(8).any(|w| w == b"weft.abi"),
            "{} still carries weft.abi",
            b.name
        );
    }

    for (name, twin) in [
        ("hello", "HelloWorld"),
        ("erc20", "ERC20Token"),
        ("callee", "Counter"),
        ("caller", "Caller"),
    ] {
        let json = std::fs::read_to_string(out_dir.join(format!("{name}.abi.json"))).unwrap();
        abi::assert_matches_artifact(&json, twin);
    }
    let compute =
        abi::normalize(&std::fs::read_to_string(out_dir.join("compute.abi.json")).unwrap())
            .unwrap();
    assert_eq!(
        compute,
        [
            "function keccakChain(uint256 n) returns (bytes32) pure",
            "function lcg(uint256 n,uint64 seed) returns (uint64) pure",
            "function sortDescending(uint256 n) returns (uint256) pure",
        ]
    );
}

/// A module: the given type, import and code sections, exports of memory/deploy/call.
fn module_with(body: &[u8], result: u8) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    // types: 0 = () -> (), 1 = () -> (result)
    m.extend_from_slice(&[1, 8, 2, 0x60, 0, 0, 0x60, 0, 1, result]);
    // functions: deploy (type 0), call (type 0), f (type 1)
    m.extend_from_slice(&[3, 4, 3, 0, 0, 1]);
    // memory: min 1, max 2
    m.extend_from_slice(&[5, 4, 1, 1, 1, 2]);
    // exports
    let mut ex = vec![3];
    for (name, kind, idx) in [("memory", 2u8, 0u8), ("deploy", 0, 0), ("call", 0, 1)] {
        ex.push(name.len() as u8);
        ex.extend_from_slice(name.as_bytes());
        ex.extend_from_slice(&[kind, idx]);
    }
    m.push(7);
    m.push(ex.len() as u8);
    m.extend_from_slice(&ex);
    // code: two empty bodies, then f
    let mut code = vec![3, 2, 0, 0x0b, 2, 0, 0x0b];
    code.push((body.len() + 2) as u8);
    code.push(0);
    code.extend_from_slice(body);
    code.push(0x0b);
    m.push(10);
    m.push(code.len() as u8);
    m.extend_from_slice(&code);
    m.extend_from_slice(&module::end_marker());
    m
}

#[test]
fn check_accepts_a_minimal_module() {
    let m = module_with(&[0x41, 0], 0x7f); // i32.const 0
    check::check(&m).unwrap();
}

#[test]
fn check_refuses_floats() {
    let m = module_with(&[0x43, 0, 0, 0, 0], 0x7d); // f32.const 0
    let problems = check::check(&m).unwrap_err();
    assert!(
        problems[0].contains("floating-point") || problems[0].contains("float"),
        "{problems:?}"
    );
}

#[test]
fn check_refuses_a_missing_marker_and_foreign_imports() {
    let mut m = module_with(&[0x41, 0], 0x7f);
    m.truncate(m.len() - module::end_marker().len());
    let problems = check::check(&m).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("weft.end")),
        "{problems:?}"
    );

    // An import from "env": type 0 () -> (), import section before functions.
    let mut m = module_with(&[0x41, 0], 0x7f);
    let import = [2u8, 11, 1, 3, b'e', b'n', b'v', 3, b'a', b'b', b'c', 0, 0];
    let at = 8 + 10; // after the header and the type section
    m.splice(at..at, import);
    let problems = check::check(&m).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("env.abc")),
        "{problems:?}"
    );
}
