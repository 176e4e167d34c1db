//! The deployment checks of `sdk/HOST_API.md`, run on a finalized module before it is
//! written out, so a contract that the host would refuse fails the build instead.

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures};

use crate::module::END_MARKER;

/// The host's limits.
pub const MAX_MODULE_BYTES: usize = 512 * 1024;
/// Initial memory, in 64 KiB pages.
pub const MAX_INITIAL_PAGES: u64 = 16;
/// Maximum memory, in 64 KiB pages.
pub const MAX_PAGES: u64 = 256;
/// Table elements.
pub const MAX_TABLE: u64 = 10_000;

/// The features the host accepts: MVP (without floats) plus `mutable-global`, `sign-ext`,
/// `bulk-memory`, `multi-value`.
pub fn features() -> WasmFeatures {
    WasmFeatures::GC_TYPES
        | WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::MULTI_VALUE
}

use ValType::{I32, I64};

/// The host functions (module `"weft"`): name, parameters, results.
pub const IMPORTS: &[(&str, &[ValType], &[ValType])] = &[
    ("input_size", &[], &[I32]),
    ("input_copy", &[I32, I32, I32], &[]),
    ("set_return", &[I32, I32], &[]),
    ("revert", &[I32, I32], &[]),
    ("storage_load", &[I32, I32], &[]),
    ("storage_store", &[I32, I32], &[]),
    ("emit_log", &[I32, I32, I32, I32], &[]),
    ("caller", &[I32], &[]),
    ("origin", &[I32], &[]),
    ("address", &[I32], &[]),
    ("call_value", &[I32], &[]),
    ("block_number", &[], &[I64]),
    ("block_timestamp", &[], &[I64]),
    ("chain_id", &[], &[I64]),
    ("gas_left", &[], &[I64]),
    ("call", &[I32, I32, I32, I32, I32, I64], &[I32]),
    ("create", &[I32, I32, I32, I32, I32], &[I32]),
    ("return_data_size", &[], &[I32]),
    ("return_data_copy", &[I32, I32, I32], &[]),
    ("keccak256", &[I32, I32, I32], &[]),
    ("chain_hash", &[I32, I32, I32], &[]),
];

/// What a valid module looks like, for the report.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The host functions it imports.
    pub imports: Vec<String>,
    /// Initial and maximum memory, in pages.
    pub memory: (u64, Option<u64>),
}

/// Checks a finalized module (ending in `weft.end`) as the host does at deployment.
/// Returns every problem found.
pub fn check(module: &[u8]) -> Result<Summary, Vec<String>> {
    let mut problems = Vec::new();
    let mut summary = Summary::default();
    if module.len() > MAX_MODULE_BYTES {
        problems.push(format!(
            "the module is {} bytes; the host allows {MAX_MODULE_BYTES}",
            module.len()
        ));
    }
    let types = match Validator::new_with_features(features()).validate_all(module) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!(
                "invalid under the host's features (MVP without floats, mutable-global, sign-ext, \
                 bulk-memory, multi-value): {e}"
            ));
            return Err(problems);
        }
    };

    let mut exports = Vec::new();
    let mut func_index = 0u32;
    let mut last_custom: Option<String> = None;
    let mut last_was_custom = false;
    for payload in Parser::new(0).parse_all(module) {
        let payload = match payload {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("unparsable: {e}"));
                break;
            }
        };
        if !matches!(payload, Payload::End(_)) {
            last_was_custom = false;
        }
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let Ok(import) = import else {
                        problems.push("unreadable import".into());
                        continue;
                    };
                    if import.module != "weft" {
                        problems.push(format!(
                            "imports `{}.{}`: only module \"weft\"",
                            import.module, import.name
                        ));
                        continue;
                    }
                    let TypeRef::Func(_) = import.ty else {
                        problems.push(format!(
                            "imports `weft.{}` that is not a function",
                            import.name
                        ));
                        continue;
                    };
                    let ty = types[types.as_ref().core_function_at(func_index)].unwrap_func();
                    func_index += 1;
                    match IMPORTS.iter().find(|(n, _, _)| *n == import.name) {
                        None => problems.push(format!(
                            "imports `weft.{}`, which the host does not have",
                            import.name
                        )),
                        Some((_, params, results)) => {
                            if ty.params() != *params || ty.results() != *results {
                                problems.push(format!(
                                    "imports `weft.{}` as {:?} -> {:?}; the host's is {params:?} -> {results:?}",
                                    import.name,
                                    ty.params(),
                                    ty.results()
                                ));
                            }
                        }
                    }
                    summary.imports.push(import.name.to_string());
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let Ok(export) = export else {
                        problems.push("unreadable export".into());
                        continue;
                    };
                    exports.push((export.name.to_string(), export.kind, export.index));
                }
            }
            Payload::MemorySection(reader) => {
                for mem in reader.into_iter().flatten() {
                    summary.memory = (mem.initial, mem.maximum);
                    if mem.initial > MAX_INITIAL_PAGES {
                        problems.push(format!(
                            "initial memory is {} pages; the host allows {MAX_INITIAL_PAGES} (link with -zstack-size=65536)",
                            mem.initial
                        ));
                    }
                    match mem.maximum {
                        Some(max) if max <= MAX_PAGES => {}
                        Some(max) => problems.push(format!("maximum memory is {max} pages; the host allows {MAX_PAGES}")),
                        None => problems.push(format!(
                            "memory has no maximum; the host requires one of at most {MAX_PAGES} pages (link with --max-memory=16777216)"
                        )),
                    }
                }
            }
            Payload::TableSection(reader) => {
                for table in reader.into_iter().flatten() {
                    if table.ty.initial > MAX_TABLE {
                        problems.push(format!(
                            "a table of {} elements; the host allows {MAX_TABLE}",
                            table.ty.initial
                        ));
                    }
                }
            }
            Payload::StartSection { .. } => {
                problems.push("has a start function; contracts may not".into())
            }
            Payload::CustomSection(c) => {
                last_custom = Some(c.name().to_string());
                last_was_custom = c.data().is_empty();
            }
            _ => {}
        }
    }
    if !(last_was_custom && last_custom.as_deref() == Some(END_MARKER)) {
        problems.push("the last section is not the empty custom section `weft.end`".into());
    }
    for (name, kind) in [
        ("memory", ExternalKind::Memory),
        ("deploy", ExternalKind::Func),
        ("call", ExternalKind::Func),
    ] {
        match exports.iter().find(|(n, _, _)| n == name) {
            None => problems.push(format!("does not export `{name}`")),
            Some((_, k, index)) if *k == kind => {
                if kind == ExternalKind::Func {
                    let ty = types[types.as_ref().core_function_at(*index)].unwrap_func();
                    if !ty.params().is_empty() || !ty.results().is_empty() {
                        problems.push(format!("`{name}` must be `() -> ()`"));
                    }
                }
            }
            Some(_) => problems.push(format!("`{name}` is exported as the wrong kind")),
        }
    }
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(problems)
    }
}
