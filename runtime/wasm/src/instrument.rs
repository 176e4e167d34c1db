//! Gas metering by instrumentation: the validated module is rewritten once, before it is
//! compiled, so that it counts its own fuel in a global. Gas then depends only on the
//! module's code — never on the engine that compiles it or on that engine's own metering —
//! which is what lets two engines (wasmtime, wasmer) agree on the gas of every execution.
//!
//! The rewrite:
//! - appends two globals, exported as [`FUEL_EXPORT`] (mutable `i64`: the fuel *left*) and
//!   [`OOG_EXPORT`] (mutable `i32`: set to 1 just before an out-of-fuel trap), and one `i32`
//!   scratch local to functions that use bulk memory;
//! - charges each operator's fuel ([`fuel_cost`]: 1, or 0 for structure-only operators) in
//!   batches: the fuel of a straight-line run is subtracted before the operator that ends it
//!   (a branch, `if`, `else`, `end`, `return`, a call, `unreachable`, a loop header);
//! - checks the fuel left (`<= 0` → out of fuel) at every function entry (which also costs
//!   1), at every loop iteration, and at every operator with a size-dependent cost:
//!   `memory.grow` (255 per page requested), `memory.copy`, `memory.fill`, `memory.init`
//!   (1 per byte), `table.copy`, `table.init` (1 per element). Straight-line code between
//!   checks may overdraw by its own length; host functions see the overdraft and trap;
//! - sets the memory's maximum to the host's limit, so every engine refuses growth past it;
//! - drops custom sections.
//!
//! Everything inserted is stack-neutral and self-contained, and indices of existing
//! functions, globals and locals do not change (new items are appended).

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, GlobalSection,
    GlobalType, Instruction, MemorySection, MemoryType, Module, RawSection, ValType,
};
use wasmparser::{Operator, Parser, Payload};

/// The export holding the fuel left (`i64`, negative when overdrawn).
pub const FUEL_EXPORT: &str = "__weft_fuel";
/// The export set to 1 when the module trapped for lack of fuel.
pub const OOG_EXPORT: &str = "__weft_oog";

/// Fuel per page requested by `memory.grow`.
pub const MEMORY_GROW_FUEL_PER_PAGE: u64 = 255;

/// An instrumented module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instrumented {
    /// The rewritten module.
    pub bytes: Vec<u8>,
    /// Fuel of instantiation, charged before the module runs: 1, plus 1 per byte of the
    /// active data segments and per item of the active element segments it copies in.
    pub startup_fuel: u64,
}

/// Why a module could not be instrumented (a validated module always can; this is a bug
/// or a module the validator should have refused).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot instrument the module: {0}")]
pub struct InstrumentError(String);

fn err(e: impl std::fmt::Display) -> InstrumentError {
    InstrumentError(e.to_string())
}

/// The fuel an operator costs by itself (bulk operators add their size-dependent part).
pub fn fuel_cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// The canonical position of a section (custom sections aside).
fn rank(id: u8) -> u8 {
    match id {
        1..=5 => id,  // type, import, function, table, memory
        13 => 6,      // tag
        6 => 7,       // global
        7 => 8,       // export
        8 => 9,       // start
        9 => 10,      // element
        12 => 11,     // data count
        10 => 12,     // code
        11 => 13,     // data
        _ => u8::MAX, // unknown: after everything
    }
}

const GLOBAL_ID: u8 = 6;
const EXPORT_ID: u8 = 7;

/// Rewrites `code` (a module that passed [`validate`](crate::validate)) to meter itself;
/// `max_pages` is the host's memory limit.
pub fn instrument(code: &[u8], max_pages: u64) -> Result<Instrumented, InstrumentError> {
    let mut rt = RoundtripReencoder;
    let mut module = Module::new();
    // Parameter counts of the function types, and the type of each defined function.
    let mut type_params: Vec<u32> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut imported_globals = 0u32;
    let mut defined_globals = 0u32;
    let mut globals_done = false;
    let mut exports_done = false;
    let mut code_section: Option<CodeSection> = None;
    let mut code_index = 0usize;
    let mut startup_fuel: u64 = 1;

    // The new globals' indices are known once the global section (or its absence) is
    // passed; exports come after it.
    let globals_of = |imported: u32, defined: u32| (imported + defined, imported + defined + 1);

    for payload in Parser::new(0).parse_all(code) {
        let payload = payload.map_err(err)?;
        // Before the first section that comes after the global (export) section's place,
        // emit our global (export) section if the module had none.
        let next_rank = match &payload {
            Payload::CustomSection(_) | Payload::Version { .. } => None,
            Payload::CodeSectionStart { .. } | Payload::CodeSectionEntry(_) => Some(rank(10)),
            Payload::End(_) => Some(u8::MAX),
            other => other.as_section().map(|(id, _)| rank(id)),
        };
        if let Some(next) = next_rank {
            if !globals_done && next > rank(GLOBAL_ID) {
                let mut globals = GlobalSection::new();
                push_meter_globals(&mut globals);
                module.section(&globals);
                globals_done = true;
            }
            if !exports_done && next > rank(EXPORT_ID) {
                let mut exports = ExportSection::new();
                let (fuel, oog) = globals_of(imported_globals, defined_globals);
                push_meter_exports(&mut exports, fuel, oog);
                module.section(&exports);
                exports_done = true;
            }
        }
        match payload {
            Payload::Version { .. } | Payload::CustomSection(_) | Payload::End(_) => {}
            Payload::TypeSection(reader) => {
                for group in reader.clone() {
                    for ty in group.map_err(err)?.into_types() {
                        let params = match &ty.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => {
                                u32::try_from(f.params().len()).map_err(err)?
                            }
                            _ => 0,
                        };
                        type_params.push(params);
                    }
                }
                copy_raw(&mut module, 1, code, reader.range());
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    if let wasmparser::TypeRef::Global(_) = import.map_err(err)?.ty {
                        imported_globals += 1;
                    }
                }
                copy_raw(&mut module, 2, code, reader.range());
            }
            Payload::FunctionSection(reader) => {
                for ty in reader.clone() {
                    func_types.push(ty.map_err(err)?);
                }
                copy_raw(&mut module, 3, code, reader.range());
            }
            Payload::MemorySection(reader) => {
                let mut memories = MemorySection::new();
                for memory in reader {
                    let memory = memory.map_err(err)?;
                    let maximum = memory.maximum.unwrap_or(max_pages).min(max_pages);
                    memories.memory(MemoryType {
                        minimum: memory.initial,
                        maximum: Some(maximum),
                        memory64: memory.memory64,
                        shared: memory.shared,
                        page_size_log2: memory.page_size_log2,
                    });
                }
                module.section(&memories);
            }
            Payload::GlobalSection(reader) => {
                defined_globals = reader.count();
                let mut globals = GlobalSection::new();
                rt.parse_global_section(&mut globals, reader).map_err(err)?;
                push_meter_globals(&mut globals);
                module.section(&globals);
                globals_done = true;
            }
            Payload::ExportSection(reader) => {
                let mut exports = ExportSection::new();
                rt.parse_export_section(&mut exports, reader).map_err(err)?;
                let (fuel, oog) = globals_of(imported_globals, defined_globals);
                push_meter_exports(&mut exports, fuel, oog);
                module.section(&exports);
                exports_done = true;
            }
            Payload::ElementSection(reader) => {
                for element in reader.clone() {
                    let element = element.map_err(err)?;
                    if let wasmparser::ElementKind::Active { .. } = element.kind {
                        startup_fuel += u64::from(match element.items {
                            wasmparser::ElementItems::Functions(items) => items.count(),
                            wasmparser::ElementItems::Expressions(_, items) => items.count(),
                        });
                    }
                }
                copy_raw(&mut module, 9, code, reader.range());
            }
            Payload::DataSection(reader) => {
                flush_code(&mut module, &mut code_section);
                for data in reader.clone() {
                    let data = data.map_err(err)?;
                    if let wasmparser::DataKind::Active { .. } = data.kind {
                        startup_fuel += data.data.len() as u64;
                    }
                }
                copy_raw(&mut module, 11, code, reader.range());
            }
            Payload::CodeSectionStart { .. } => {
                code_section = Some(CodeSection::new());
            }
            Payload::CodeSectionEntry(body) => {
                let type_index = *func_types
                    .get(code_index)
                    .ok_or_else(|| err("more bodies than functions"))?;
                let params = *type_params
                    .get(type_index as usize)
                    .ok_or_else(|| err("function type out of range"))?;
                code_index += 1;
                let function = meter_body(
                    &mut rt,
                    body,
                    params,
                    globals_of(imported_globals, defined_globals),
                )?;
                code_section
                    .as_mut()
                    .ok_or_else(|| err("code entry outside a code section"))?
                    .function(&function);
            }
            other => {
                // Table, tag, start, data count: unchanged.
                if let Some((id, range)) = other.as_section() {
                    copy_raw(&mut module, id, code, range);
                }
            }
        }
    }
    flush_code(&mut module, &mut code_section);
    Ok(Instrumented {
        bytes: module.finish(),
        startup_fuel,
    })
}

fn copy_raw(module: &mut Module, id: u8, code: &[u8], range: std::ops::Range<usize>) {
    module.section(&RawSection {
        id,
        data: &code[range],
    });
}

fn flush_code(module: &mut Module, code: &mut Option<CodeSection>) {
    if let Some(section) = code.take() {
        module.section(&section);
    }
}

fn push_meter_globals(globals: &mut GlobalSection) {
    let mutable = |val_type| GlobalType {
        val_type,
        mutable: true,
        shared: false,
    };
    globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
    globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
}

fn push_meter_exports(exports: &mut ExportSection, fuel: u32, oog: u32) {
    exports.export(FUEL_EXPORT, ExportKind::Global, fuel);
    exports.export(OOG_EXPORT, ExportKind::Global, oog);
}

/// The metered body of one function with `params` parameters; `(fuel, oog)` are the
/// globals' indices.
fn meter_body(
    rt: &mut RoundtripReencoder,
    body: wasmparser::FunctionBody<'_>,
    params: u32,
    (fuel, oog): (u32, u32),
) -> Result<Function, InstrumentError> {
    let mut locals = Vec::new();
    let mut declared = 0u32;
    for pair in body.get_locals_reader().map_err(err)? {
        let (count, ty) = pair.map_err(err)?;
        declared = declared.saturating_add(count);
        locals.push((count, rt.val_type(ty).map_err(err)?));
    }
    // A scratch local for the size operand of bulk operators, only where one is used (a
    // function at the locals limit without bulk operators stays valid).
    let needs_scratch = body
        .get_operators_reader()
        .map_err(err)?
        .into_iter()
        .any(|op| op.is_ok_and(|op| bulk_fuel(&op).is_some()));
    let scratch = params + declared;
    if needs_scratch {
        locals.push((1, ValType::I32));
    }
    let mut f = Function::new(locals);
    let meter = Meter { fuel, oog, scratch };
    let mut pending: i64 = 1; // entering a function
    meter.flush(&mut f, &mut pending);
    meter.check(&mut f);
    let mut reader = body.get_operators_reader().map_err(err)?;
    while !reader.eof() {
        let op = reader.read().map_err(err)?;
        pending += fuel_cost(&op);
        match &op {
            Operator::Loop { .. } => {
                meter.flush(&mut f, &mut pending);
                f.instruction(&rt.instruction(op).map_err(err)?);
                meter.check(&mut f);
                continue;
            }
            Operator::If { .. }
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Else
            | Operator::End
            | Operator::Return
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::Unreachable => meter.flush(&mut f, &mut pending),
            other => {
                if let Some(per_unit) = bulk_fuel(other) {
                    meter.flush(&mut f, &mut pending);
                    meter.dynamic(&mut f, per_unit);
                }
            }
        }
        f.instruction(&rt.instruction(op).map_err(err)?);
    }
    Ok(f)
}

/// The fuel per unit of an operator whose cost depends on its size operand (the top of
/// the stack, an `i32`).
fn bulk_fuel(op: &Operator<'_>) -> Option<i64> {
    match op {
        Operator::MemoryGrow { .. } => Some(MEMORY_GROW_FUEL_PER_PAGE as i64),
        Operator::MemoryCopy { .. }
        | Operator::MemoryFill { .. }
        | Operator::MemoryInit { .. }
        | Operator::TableCopy { .. }
        | Operator::TableInit { .. } => Some(1),
        _ => None,
    }
}

/// The instruction sequences the meter inserts.
struct Meter {
    fuel: u32,
    oog: u32,
    scratch: u32,
}

impl Meter {
    /// `fuel -= pending` (nothing if `pending` is 0), and `pending = 0`.
    fn flush(&self, f: &mut Function, pending: &mut i64) {
        if *pending > 0 {
            f.instruction(&Instruction::GlobalGet(self.fuel));
            f.instruction(&Instruction::I64Const(*pending));
            f.instruction(&Instruction::I64Sub);
            f.instruction(&Instruction::GlobalSet(self.fuel));
        }
        *pending = 0;
    }

    /// `if fuel <= 0 { oog = 1; unreachable }`.
    fn check(&self, f: &mut Function) {
        f.instruction(&Instruction::GlobalGet(self.fuel));
        f.instruction(&Instruction::I64Const(0));
        f.instruction(&Instruction::I64LeS);
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::I32Const(1));
        f.instruction(&Instruction::GlobalSet(self.oog));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }

    /// Charges `per_unit ×` the `i32` on top of the stack (left in place), then checks.
    fn dynamic(&self, f: &mut Function, per_unit: i64) {
        f.instruction(&Instruction::LocalSet(self.scratch));
        f.instruction(&Instruction::GlobalGet(self.fuel));
        f.instruction(&Instruction::LocalGet(self.scratch));
        f.instruction(&Instruction::I64ExtendI32U);
        f.instruction(&Instruction::I64Const(per_unit));
        f.instruction(&Instruction::I64Mul);
        f.instruction(&Instruction::I64Sub);
        f.instruction(&Instruction::GlobalSet(self.fuel));
        self.check(f);
        f.instruction(&Instruction::LocalGet(self.scratch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate_instrumented(bytes: &[u8]) {
        let mut features = wasmparser::WasmFeatures::default();
        features.remove(wasmparser::WasmFeatures::REFERENCE_TYPES);
        wasmparser::Validator::new_with_features(features)
            .validate_all(bytes)
            .expect("instrumented module is valid");
    }

    #[test]
    fn adds_the_meter_to_a_module_without_globals_or_exports_of_its_own() {
        let module = wat::parse_str(
            r#"(module
                (memory 1)
                (func $f (param i32) (result i32) (local i64)
                    (loop $l (br_if $l (i32.eqz (local.get 0))))
                    (memory.fill (i32.const 0) (i32.const 0) (i32.const 10))
                    (drop (memory.grow (i32.const 1)))
                    (local.get 0)))"#,
        )
        .unwrap();
        let out = instrument(&module, 256).unwrap();
        validate_instrumented(&out.bytes);
        assert_eq!(out.startup_fuel, 1);
        let text = wasmprinter_like(&out.bytes);
        assert!(text.contains(&format!("export {FUEL_EXPORT}")), "{text}");
        assert!(text.contains("memory max 256"), "{text}");
    }

    #[test]
    fn keeps_existing_indices_and_counts_startup_fuel() {
        let module = wat::parse_str(
            r#"(module
                (import "weft" "input_size" (func (result i32)))
                (memory (export "memory") 1 2)
                (global $g (mut i32) (i32.const 7))
                (data (i32.const 8) "abcd")
                (func (export "call") (global.set $g (call 0))))"#,
        )
        .unwrap();
        let out = instrument(&module, 256).unwrap();
        validate_instrumented(&out.bytes);
        assert_eq!(out.startup_fuel, 1 + 4);
        let text = wasmprinter_like(&out.bytes);
        // The declared maximum (2) is below the host limit and stays.
        assert!(text.contains("memory max 2"), "{text}");
        // The module's own global keeps index 0; the meter's come after it.
        assert!(
            text.contains(&format!("export {FUEL_EXPORT} global 1")),
            "{text}"
        );
        assert!(
            text.contains(&format!("export {OOG_EXPORT} global 2")),
            "{text}"
        );
    }

    /// A tiny summary of the sections the tests look at.
    fn wasmprinter_like(bytes: &[u8]) -> String {
        let mut out = String::new();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload.unwrap() {
                Payload::ExportSection(reader) => {
                    for e in reader {
                        let e = e.unwrap();
                        out += &format!("export {} {:?} {}\n", e.name, e.kind, e.index)
                            .replace("Global", "global");
                    }
                }
                Payload::MemorySection(reader) => {
                    for m in reader {
                        out += &format!("memory max {}\n", m.unwrap().maximum.unwrap_or(0));
                    }
                }
                _ => {}
            }
        }
        out
    }
}
