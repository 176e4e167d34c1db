//! Deployment-time checks: the payload split, the end marker, and module validation.
//!
//! [`validate`] walks the module once with `wasmparser`'s reader to give each refusal a
//! precise message (which import, which instruction at which offset), then runs
//! `wasmparser`'s full validator with exactly the features Weft allows, which catches
//! whatever the walk does not look at.

use std::collections::BTreeMap;

use wasmparser::{
    BinaryReaderError, CompositeInnerType, DataKind, ElementItems, ElementKind, ExternalKind,
    FuncType, Operator, Parser, Payload, TypeRef, ValType, Validator, VisitOperator, WasmFeatures,
};

use crate::host_api::{self, ValKind, HOST_MODULE};

/// The name of the custom section that ends a module in a deployment payload.
pub const END_MARKER: &str = "weft.end";

/// The bytes [`with_end_marker`] appends: custom section id 0, size 9, name length 8,
/// `"weft.end"`.
const END_MARKER_SECTION: [u8; 11] = [
    0x00, 0x09, 0x08, b'w', b'e', b'f', b't', b'.', b'e', b'n', b'd',
];

/// `\0asm` followed by binary format version 1 (a core module, not a component).
const MODULE_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// Bytes in one WebAssembly page.
pub const PAGE_SIZE: u64 = 65_536;

/// Most targets of one `br_table`: the compilers' own implementation limit (newer wasmtime
/// enforces the same number), checked here so that no engine ever meets a larger one.
pub const MAX_BR_TABLE_TARGETS: u32 = 65_520;

/// Size limits a module must satisfy (`sdk/HOST_API.md`, "Validation at deployment").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest module, in bytes, including the end marker (default 512 KiB).
    pub max_module_size: usize,
    /// Largest initial memory, in 64 KiB pages (default 16 = 1 MiB).
    pub max_initial_memory_pages: u64,
    /// Largest memory, declared maximum or grown, in pages (default 256 = 16 MiB).
    pub max_memory_pages: u64,
    /// Largest table, in elements (default 10,000).
    pub max_table_elements: u64,
    /// Most data segments (default 1,024; the SDK's contracts have a handful). Also keeps
    /// the compiler clear of per-segment limits of its own.
    pub max_data_segments: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_module_size: 512 * 1024,
            max_initial_memory_pages: 16,
            max_memory_pages: 256,
            max_table_elements: 10_000,
            max_data_segments: 1024,
        }
    }
}

/// What validation learnt about an accepted module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedModule {
    /// Size of the module in bytes.
    pub size: usize,
    /// The host functions the module imports, in import order.
    pub imports: Vec<&'static str>,
    /// Initial memory, in pages.
    pub initial_memory_pages: u64,
    /// Declared memory maximum, in pages (`None`: the engine's limit applies).
    pub max_memory_pages: Option<u64>,
    /// Whether the module ends with the `weft.end` marker (stored code always does).
    pub has_end_marker: bool,
}

/// Why a module or deployment payload was refused. Every message names the problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The module is over [`Limits::max_module_size`].
    #[error("module is {size} bytes; the limit is {max} bytes")]
    TooLarge {
        /// Module size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes do not start with the header of a core WebAssembly module.
    #[error("code is not a WebAssembly module: it must start with `\\0asm` and version 1")]
    NotWasm,
    /// The binary could not be parsed.
    #[error("module is malformed at offset {offset}: {message}")]
    Malformed {
        /// Byte offset of the problem.
        offset: usize,
        /// The parser's description.
        message: String,
    },
    /// The module parsed but is not valid WebAssembly under Weft's feature set.
    #[error(
        "module is not valid WebAssembly (with Weft's feature set) at offset {offset}: {message}"
    )]
    Invalid {
        /// Byte offset of the problem.
        offset: usize,
        /// The validator's description.
        message: String,
    },
    /// An import from a module other than `"weft"`.
    #[error(
        "import `{module}.{name}` is not part of Weft's host API: imports must come from module `weft`"
    )]
    ForeignImport {
        /// The import's module.
        module: String,
        /// The import's name.
        name: String,
    },
    /// An import from `"weft"` whose name is not in the host API.
    #[error("import `weft.{name}` is not part of Weft's host API")]
    UnknownImport {
        /// The import's name.
        name: String,
    },
    /// A host function imported with the wrong signature.
    #[error("import `weft.{name}` has type {found}; Weft's host API defines it as {expected}")]
    ImportSignature {
        /// The import's name.
        name: String,
        /// The signature in the host API.
        expected: String,
        /// The signature the module declares.
        found: String,
    },
    /// An import of a memory, table, global or tag.
    #[error("import `{module}.{name}` is a {kind}; Weft's host API provides functions only")]
    ImportKind {
        /// The import's module.
        module: String,
        /// The import's name.
        name: String,
        /// What kind of item it is.
        kind: &'static str,
    },
    /// A required export is missing.
    #[error(
        "module does not export `{name}` ({expected}); a Weft contract exports `memory`, `deploy: () -> ()` and `call: () -> ()`"
    )]
    MissingExport {
        /// The missing export.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An export uses a name the engine reserves for its gas meter.
    #[error("export `{name}` uses the reserved prefix `__weft`")]
    ReservedExport {
        /// The export.
        name: String,
    },
    /// A required export has the wrong kind or type.
    #[error("export `{name}` is {found}; it must be {expected}")]
    ExportType {
        /// The export.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: String,
    },
    /// The module has a start function.
    #[error(
        "module has a start function (function {function}); Weft contracts must not have one: initialise in `deploy`"
    )]
    StartFunction {
        /// Index of the start function.
        function: u32,
    },
    /// A floating-point instruction.
    #[error("module uses floating-point instruction {instruction} at offset {offset}")]
    FloatInstruction {
        /// The instruction, e.g. `f32.add`.
        instruction: String,
        /// Byte offset of the instruction.
        offset: usize,
    },
    /// A floating-point value type.
    #[error("module uses floating-point type {ty} in {place}")]
    FloatType {
        /// `f32` or `f64`.
        ty: String,
        /// Where, e.g. "the signature of type 2".
        place: String,
    },
    /// A SIMD instruction or the `v128` type.
    #[error("module uses SIMD ({what}) at offset {offset}; build contracts without SIMD")]
    Simd {
        /// What was found.
        what: String,
        /// Byte offset.
        offset: usize,
    },
    /// An instruction from a proposal Weft does not enable (threads, reference types, …).
    #[error(
        "module uses {feature} instruction {instruction} at offset {offset}; Weft allows MVP plus mutable-global, sign-ext, bulk-memory and multi-value"
    )]
    UnsupportedInstruction {
        /// The proposal, e.g. `threads`.
        feature: String,
        /// The instruction.
        instruction: String,
        /// Byte offset.
        offset: usize,
    },
    /// Initial memory over [`Limits::max_initial_memory_pages`].
    #[error("memory starts at {pages} pages; the limit is {max} pages of 64 KiB")]
    InitialMemoryTooLarge {
        /// Declared initial pages.
        pages: u64,
        /// The limit.
        max: u64,
    },
    /// Declared memory maximum over [`Limits::max_memory_pages`].
    #[error("memory maximum is {pages} pages; the limit is {max} pages of 64 KiB")]
    MaxMemoryTooLarge {
        /// Declared maximum pages.
        pages: u64,
        /// The limit.
        max: u64,
    },
    /// A `br_table` with more targets than [`MAX_BR_TABLE_TARGETS`].
    #[error("br_table at offset {offset} has {targets} targets; the limit is {max}")]
    BrTableTooLarge {
        /// Its targets.
        targets: u32,
        /// The limit.
        max: u32,
        /// Byte offset of the instruction.
        offset: usize,
    },
    /// More data segments than [`Limits::max_data_segments`].
    #[error("module has {count} data segments; the limit is {max}")]
    TooManyDataSegments {
        /// How many it has.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// A table over [`Limits::max_table_elements`].
    #[error("table {index} has {elements} elements; the limit is {max}")]
    TableTooLarge {
        /// Table index.
        index: u32,
        /// Declared size (initial or maximum).
        elements: u64,
        /// The limit.
        max: u64,
    },
    /// An active data segment that would trap at instantiation.
    #[error(
        "data segment {index} ({len} bytes at offset {offset}) does not fit in the initial memory of {pages} pages"
    )]
    DataSegmentOutOfBounds {
        /// Segment index.
        index: u32,
        /// Its offset in memory.
        offset: u64,
        /// Its length.
        len: u64,
        /// Initial memory pages.
        pages: u64,
    },
    /// An active element segment that would trap at instantiation.
    #[error(
        "element segment {index} ({count} elements at offset {offset}) does not fit in table {table} of {size} elements"
    )]
    ElementSegmentOutOfBounds {
        /// Segment index.
        index: u32,
        /// Table index.
        table: u32,
        /// Its offset in the table.
        offset: u64,
        /// Its element count.
        count: u64,
        /// Initial table size.
        size: u64,
    },
    /// A deployment payload without the `weft.end` marker.
    #[error(
        "deployment payload has no `weft.end` custom section ending the module; build with the SDK or append it with `with_end_marker`"
    )]
    MissingEndMarker,
    /// A `weft.end` section with content.
    #[error("the `weft.end` custom section must be empty; it holds {len} bytes")]
    EndMarkerNotEmpty {
        /// Bytes of content after the name.
        len: usize,
    },
    /// A section after the `weft.end` marker.
    #[error("a section follows the `weft.end` marker at offset {offset}; the marker must be the module's last section")]
    SectionAfterEndMarker {
        /// Offset of the offending section.
        offset: usize,
    },
    /// The engine failed to compile a module that passed validation.
    #[error("module failed to compile: {message}")]
    Compile {
        /// The compiler's description.
        message: String,
    },
}

/// The WebAssembly features Weft enables (floats excluded).
fn weft_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::MULTI_VALUE
}

/// Appends the empty `weft.end` custom section to a module (the SDK's build step).
pub fn with_end_marker(module: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(module.len() + END_MARKER_SECTION.len());
    out.extend_from_slice(module);
    out.extend_from_slice(&END_MARKER_SECTION);
    out
}

/// Reads an unsigned LEB128 `u32` at `*pos`, advancing it; `None` if malformed or truncated.
fn read_leb_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result: u32 = 0;
    for i in 0..5 {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        let low = u32::from(byte & 0x7f);
        if i == 4 && low > 0x0f {
            return None;
        }
        result |= low << (7 * i);
        if byte & 0x80 == 0 {
            return Some(result);
        }
    }
    None
}

/// Splits a WASM deployment payload into the module (up to and including the `weft.end`
/// marker — what is stored as the contract's code) and the constructor's input (the rest).
///
/// Only the section framing is read here; call [`validate`] on the module.
pub fn split_deployment(init_code: &[u8]) -> Result<(&[u8], &[u8]), ValidationError> {
    if !init_code.starts_with(&MODULE_HEADER) {
        return Err(ValidationError::NotWasm);
    }
    let mut pos = MODULE_HEADER.len();
    // Anything unreadable before a marker is found means there was no marker: the bytes
    // being read as sections are constructor arguments (or garbage).
    while pos < init_code.len() {
        let id = init_code[pos];
        pos += 1;
        let size = read_leb_u32(init_code, &mut pos).ok_or(ValidationError::MissingEndMarker)?;
        let end = pos
            .checked_add(size as usize)
            .filter(|&end| end <= init_code.len())
            .ok_or(ValidationError::MissingEndMarker)?;
        if id == 0 {
            let mut name_pos = pos;
            if let Some(name_len) = read_leb_u32(init_code, &mut name_pos) {
                let name_end = name_pos.saturating_add(name_len as usize);
                if name_end <= end && &init_code[name_pos..name_end] == END_MARKER.as_bytes() {
                    if name_end != end {
                        return Err(ValidationError::EndMarkerNotEmpty {
                            len: end - name_end,
                        });
                    }
                    return Ok((&init_code[..end], &init_code[end..]));
                }
            }
        }
        pos = end;
    }
    Err(ValidationError::MissingEndMarker)
}

/// Validates a contract module against Weft's host API and [`Limits`].
///
/// `code` is the module alone (as stored, usually ending with the `weft.end` marker; the
/// marker is not required here but, if present, must be the last section and empty).
pub fn validate(code: &[u8], limits: &Limits) -> Result<ValidatedModule, ValidationError> {
    if code.len() > limits.max_module_size {
        return Err(ValidationError::TooLarge {
            size: code.len(),
            max: limits.max_module_size,
        });
    }
    if !code.starts_with(&MODULE_HEADER) {
        return Err(ValidationError::NotWasm);
    }
    let mut walk = Walk::default();
    walk.run(code, limits)
        .map_err(|e| e.into_validation_error(code))?;

    let mut validator = Validator::new_with_features(weft_features());
    if let Err(e) = validator.validate_all(code) {
        let offset = e.offset();
        let message = e.message().to_string();
        if message.contains("floating-point") {
            return Err(ValidationError::FloatType {
                ty: "f32/f64".into(),
                place: format!("the code at offset {offset}"),
            });
        }
        if message.contains("SIMD") {
            return Err(ValidationError::Simd {
                what: message,
                offset,
            });
        }
        return Err(ValidationError::Invalid { offset, message });
    }

    let (initial_memory_pages, max_memory_pages) = walk.memory.unwrap_or((0, None));
    Ok(ValidatedModule {
        size: code.len(),
        imports: walk.imports,
        initial_memory_pages,
        max_memory_pages,
        has_end_marker: walk.end_marker_at.is_some(),
    })
}

/// Errors inside the walk: ours, or the reader's (converted with the code at hand).
enum WalkError {
    Weft(ValidationError),
    Reader(BinaryReaderError),
}

impl From<ValidationError> for WalkError {
    fn from(e: ValidationError) -> Self {
        WalkError::Weft(e)
    }
}

impl From<BinaryReaderError> for WalkError {
    fn from(e: BinaryReaderError) -> Self {
        WalkError::Reader(e)
    }
}

impl WalkError {
    fn into_validation_error(self, code: &[u8]) -> ValidationError {
        match self {
            WalkError::Weft(e) => e,
            WalkError::Reader(e) => {
                let offset = e.offset();
                // Without wasmparser's `simd` feature the reader refuses the 0xfd prefix.
                if code.get(offset) == Some(&0xfd) {
                    ValidationError::Simd {
                        what: "an instruction with the 0xfd prefix".into(),
                        offset,
                    }
                } else {
                    ValidationError::Malformed {
                        offset,
                        message: e.message().to_string(),
                    }
                }
            }
        }
    }
}

/// State of the structural walk over a module's sections.
#[derive(Default)]
struct Walk {
    /// Function types by type index (`None` for non-function types, refused later).
    types: Vec<Option<FuncType>>,
    /// Type index of every function, imported ones first.
    func_types: Vec<u32>,
    /// Imported host functions.
    imports: Vec<&'static str>,
    /// The (single) memory: initial and maximum pages.
    memory: Option<(u64, Option<u64>)>,
    /// Initial sizes of the tables.
    tables: Vec<u64>,
    /// Exports by name.
    exports: BTreeMap<String, (ExternalKind, u32)>,
    /// Offset where the `weft.end` marker was found.
    end_marker_at: Option<usize>,
}

fn float_name(ty: ValType) -> Option<&'static str> {
    match ty {
        ValType::F32 => Some("f32"),
        ValType::F64 => Some("f64"),
        _ => None,
    }
}

fn check_val_type(
    ty: ValType,
    place: impl FnOnce() -> String,
    offset: usize,
) -> Result<(), ValidationError> {
    if let Some(name) = float_name(ty) {
        return Err(ValidationError::FloatType {
            ty: name.into(),
            place: place(),
        });
    }
    if ty == ValType::V128 {
        return Err(ValidationError::Simd {
            what: format!("type v128 in {}", place()),
            offset,
        });
    }
    Ok(())
}

/// The host API's kinds as wasmparser types.
fn val_kind(kind: ValKind) -> ValType {
    match kind {
        ValKind::I32 => ValType::I32,
        ValKind::I64 => ValType::I64,
    }
}

/// The offset of an `i32.const` constant expression, if that is what it is.
fn const_offset(expr: &wasmparser::ConstExpr<'_>) -> Option<u64> {
    let mut ops = expr.get_operators_reader();
    match ops.read().ok()? {
        Operator::I32Const { value } => Some(u64::from(value as u32)),
        _ => None,
    }
}

impl Walk {
    fn run(&mut self, code: &[u8], limits: &Limits) -> Result<(), WalkError> {
        let mut parser = Parser::new(0);
        parser.set_features(weft_features() | WasmFeatures::FLOATS);
        let mut data_index = 0u32;
        let mut defined_func = 0usize;
        for payload in parser.parse_all(code) {
            let payload = payload?;
            if let Some(marker) = self.end_marker_at {
                match &payload {
                    Payload::End(_) => {}
                    other => {
                        let offset = other.as_section().map_or(marker, |(_, r)| r.start);
                        return Err(ValidationError::SectionAfterEndMarker { offset }.into());
                    }
                }
            }
            match payload {
                Payload::Version { .. } => {}
                Payload::TypeSection(reader) => {
                    for group in reader.into_iter_with_offsets() {
                        let (offset, group) = group?;
                        for sub in group.into_types() {
                            let index = self.types.len();
                            let func = match sub.composite_type.inner {
                                CompositeInnerType::Func(func) => Some(func),
                                _ => None,
                            };
                            if let Some(func) = &func {
                                for &t in func.params().iter().chain(func.results()) {
                                    check_val_type(
                                        t,
                                        || format!("the signature of type {index}"),
                                        offset,
                                    )?;
                                }
                            }
                            self.types.push(func);
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        self.import(import.module, import.name, import.ty)?;
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        self.func_types.push(ty?);
                    }
                }
                Payload::TableSection(reader) => {
                    for (index, table) in reader.into_iter().enumerate() {
                        let ty = table?.ty;
                        let index = index as u32;
                        let largest = ty.maximum.unwrap_or(ty.initial).max(ty.initial);
                        if largest > limits.max_table_elements {
                            return Err(ValidationError::TableTooLarge {
                                index,
                                elements: largest,
                                max: limits.max_table_elements,
                            }
                            .into());
                        }
                        self.tables.push(ty.initial);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        let memory = memory?;
                        if memory.initial > limits.max_initial_memory_pages {
                            return Err(ValidationError::InitialMemoryTooLarge {
                                pages: memory.initial,
                                max: limits.max_initial_memory_pages,
                            }
                            .into());
                        }
                        if let Some(max) = memory.maximum {
                            if max > limits.max_memory_pages {
                                return Err(ValidationError::MaxMemoryTooLarge {
                                    pages: max,
                                    max: limits.max_memory_pages,
                                }
                                .into());
                            }
                        }
                        // A second memory is refused by the validator (multi-memory is off).
                        self.memory.get_or_insert((memory.initial, memory.maximum));
                    }
                }
                Payload::GlobalSection(reader) => {
                    for (index, global) in reader.into_iter_with_offsets().enumerate() {
                        let (offset, global) = global?;
                        check_val_type(
                            global.ty.content_type,
                            || format!("global {index}"),
                            offset,
                        )?;
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        self.exports
                            .insert(export.name.to_string(), (export.kind, export.index));
                    }
                }
                Payload::StartSection { func, .. } => {
                    return Err(ValidationError::StartFunction { function: func }.into());
                }
                Payload::ElementSection(reader) => {
                    for (index, element) in reader.into_iter().enumerate() {
                        let element = element?;
                        if let ElementKind::Active {
                            table_index,
                            offset_expr,
                        } = &element.kind
                        {
                            let table = table_index.unwrap_or(0);
                            let count = match &element.items {
                                ElementItems::Functions(r) => u64::from(r.count()),
                                ElementItems::Expressions(_, r) => u64::from(r.count()),
                            };
                            if let (Some(offset), Some(&size)) =
                                (const_offset(offset_expr), self.tables.get(table as usize))
                            {
                                if offset + count > size {
                                    return Err(ValidationError::ElementSegmentOutOfBounds {
                                        index: index as u32,
                                        table,
                                        offset,
                                        count,
                                        size,
                                    }
                                    .into());
                                }
                            }
                        }
                    }
                }
                Payload::DataSection(reader) => {
                    if reader.count() > limits.max_data_segments {
                        return Err(ValidationError::TooManyDataSegments {
                            count: reader.count(),
                            max: limits.max_data_segments,
                        }
                        .into());
                    }
                    for data in reader {
                        let data = data?;
                        if let DataKind::Active { offset_expr, .. } = &data.kind {
                            let pages = self.memory.map_or(0, |(initial, _)| initial);
                            let len = data.data.len() as u64;
                            if let Some(offset) = const_offset(offset_expr) {
                                if offset + len > pages * PAGE_SIZE {
                                    return Err(ValidationError::DataSegmentOutOfBounds {
                                        index: data_index,
                                        offset,
                                        len,
                                        pages,
                                    }
                                    .into());
                                }
                            }
                        }
                        data_index += 1;
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let function = self.imports.len() + defined_func;
                    defined_func += 1;
                    let mut locals = body.get_locals_reader()?;
                    for _ in 0..locals.get_count() {
                        let offset = locals.original_position();
                        let (_, ty) = locals.read()?;
                        check_val_type(ty, || format!("a local of function {function}"), offset)?;
                    }
                    let mut ops = body.get_operators_reader()?;
                    while !ops.eof() {
                        let offset = ops.original_position();
                        if let wasmparser::Operator::BrTable { targets } = ops.clone().read()? {
                            if targets.len() > MAX_BR_TABLE_TARGETS {
                                return Err(ValidationError::BrTableTooLarge {
                                    targets: targets.len(),
                                    max: MAX_BR_TABLE_TARGETS,
                                    offset,
                                }
                                .into());
                            }
                        }
                        let (proposal, visit) = ops.visit_operator(&mut Classify)?;
                        check_instruction(proposal, visit, offset)?;
                    }
                }
                Payload::CustomSection(reader) if reader.name() == END_MARKER => {
                    if !reader.data().is_empty() {
                        return Err(ValidationError::EndMarkerNotEmpty {
                            len: reader.data().len(),
                        }
                        .into());
                    }
                    self.end_marker_at = Some(reader.range().start);
                }
                Payload::End(_) => {}
                // Everything else (tags, data count, code section start, unknown or component
                // sections) is judged by the validator.
                _ => {}
            }
        }
        self.check_exports()?;
        Ok(())
    }

    fn import(&mut self, module: &str, name: &str, ty: TypeRef) -> Result<(), ValidationError> {
        if module != HOST_MODULE {
            return Err(ValidationError::ForeignImport {
                module: module.into(),
                name: name.into(),
            });
        }
        let kind = match ty {
            TypeRef::Func(index) | TypeRef::FuncExact(index) => index,
            TypeRef::Table(_) => return Err(import_kind(module, name, "table")),
            TypeRef::Memory(_) => return Err(import_kind(module, name, "memory")),
            TypeRef::Global(_) => return Err(import_kind(module, name, "global")),
            TypeRef::Tag(_) => return Err(import_kind(module, name, "tag")),
        };
        let Some(host) = host_api::host_function(name) else {
            return Err(ValidationError::UnknownImport { name: name.into() });
        };
        let found = self.func_type(kind);
        let matches = found.is_some_and(|f| {
            f.params()
                .iter()
                .copied()
                .eq(host.params.iter().map(|&k| val_kind(k)))
                && f.results()
                    .iter()
                    .copied()
                    .eq(host.results.iter().map(|&k| val_kind(k)))
        });
        if !matches {
            return Err(ValidationError::ImportSignature {
                name: name.into(),
                expected: host.signature(),
                found: found.map_or_else(
                    || format!("type index {kind}, which is not a function type"),
                    |f| host_api::signature(f.params().iter(), f.results().iter()),
                ),
            });
        }
        self.imports.push(host.name);
        self.func_types.push(kind);
        Ok(())
    }

    fn func_type(&self, type_index: u32) -> Option<&FuncType> {
        self.types.get(type_index as usize).and_then(Option::as_ref)
    }

    fn check_exports(&self) -> Result<(), ValidationError> {
        if let Some(name) = self.exports.keys().find(|n| n.starts_with("__weft")) {
            return Err(ValidationError::ReservedExport { name: name.clone() });
        }
        match self.exports.get("memory") {
            None => {
                return Err(ValidationError::MissingExport {
                    name: "memory",
                    expected: "a memory",
                })
            }
            Some((ExternalKind::Memory, _)) => {}
            Some((kind, _)) => {
                return Err(ValidationError::ExportType {
                    name: "memory",
                    expected: "a memory",
                    found: format!("a {}", kind_name(*kind)),
                })
            }
        }
        for name in ["deploy", "call"] {
            match self.exports.get(name) {
                None => {
                    return Err(ValidationError::MissingExport {
                        name,
                        expected: "a function of type () -> ()",
                    })
                }
                Some((ExternalKind::Func, index)) => {
                    let ty = self
                        .func_types
                        .get(*index as usize)
                        .and_then(|&t| self.func_type(t));
                    match ty {
                        Some(f) if f.params().is_empty() && f.results().is_empty() => {}
                        Some(f) => {
                            return Err(ValidationError::ExportType {
                                name,
                                expected: "a function of type () -> ()",
                                found: format!(
                                    "a function of type {}",
                                    host_api::signature(f.params().iter(), f.results().iter())
                                ),
                            })
                        }
                        None => {
                            return Err(ValidationError::ExportType {
                                name,
                                expected: "a function of type () -> ()",
                                found: format!("function {index}, which does not exist"),
                            })
                        }
                    }
                }
                Some((kind, _)) => {
                    return Err(ValidationError::ExportType {
                        name,
                        expected: "a function of type () -> ()",
                        found: format!("a {}", kind_name(*kind)),
                    })
                }
            }
        }
        Ok(())
    }
}

fn import_kind(module: &str, name: &str, kind: &'static str) -> ValidationError {
    ValidationError::ImportKind {
        module: module.into(),
        name: name.into(),
        kind,
    }
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

/// Refuses float instructions and instructions of proposals Weft does not enable.
fn check_instruction(proposal: &str, visit: &str, offset: usize) -> Result<(), ValidationError> {
    let instruction = instruction_name(visit);
    if instruction.contains("f32") || instruction.contains("f64") {
        return Err(ValidationError::FloatInstruction {
            instruction,
            offset,
        });
    }
    match proposal {
        "mvp" | "sign_extension" | "bulk_memory" => Ok(()),
        other => Err(ValidationError::UnsupportedInstruction {
            feature: other.replace('_', "-"),
            instruction,
            offset,
        }),
    }
}

/// `visit_i32_trunc_f32_s` → `i32.trunc_f32_s`, `visit_memory_grow` → `memory.grow`.
fn instruction_name(visit: &str) -> String {
    let name = visit.strip_prefix("visit_").unwrap_or(visit);
    const DOTTED: &[&str] = &[
        "i32", "i64", "f32", "f64", "memory", "table", "local", "global", "ref", "data", "elem",
        "atomic",
    ];
    match name.split_once('_') {
        Some((head, tail)) if DOTTED.contains(&head) => {
            let tail = tail.replacen("atomic_", "atomic.", 1);
            format!("{head}.{tail}")
        }
        _ => name.to_string(),
    }
}

/// An operator visitor that names each operator and its proposal, without allocating.
struct Classify;

macro_rules! classify_operators {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                $($(let _ = $arg;)*)?
                (stringify!($proposal), stringify!($visit))
            }
        )*
    };
}

impl<'a> VisitOperator<'a> for Classify {
    type Output = (&'static str, &'static str);

    wasmparser::for_each_visit_operator!(classify_operators);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_names() {
        assert_eq!(instruction_name("visit_f32_add"), "f32.add");
        assert_eq!(
            instruction_name("visit_i32_trunc_sat_f64_u"),
            "i32.trunc_sat_f64_u"
        );
        assert_eq!(instruction_name("visit_memory_grow"), "memory.grow");
        assert_eq!(instruction_name("visit_i32_atomic_load"), "i32.atomic.load");
        assert_eq!(instruction_name("visit_return_call"), "return_call");
        assert_eq!(instruction_name("visit_nop"), "nop");
    }

    #[test]
    fn leb() {
        let mut pos = 0;
        assert_eq!(read_leb_u32(&[0xe5, 0x8e, 0x26], &mut pos), Some(624_485));
        assert_eq!(pos, 3);
        let mut pos = 0;
        assert_eq!(read_leb_u32(&[0x80, 0x80], &mut pos), None);
        let mut pos = 0;
        assert_eq!(
            read_leb_u32(&[0xff, 0xff, 0xff, 0xff, 0x7f], &mut pos),
            None
        );
    }

    #[test]
    fn end_marker_split() {
        let module = MODULE_HEADER.to_vec();
        let mut payload = with_end_marker(&module);
        payload.extend_from_slice(b"args");
        let (m, input) = split_deployment(&payload).expect("split");
        assert_eq!(m, &with_end_marker(&module)[..]);
        assert_eq!(input, b"args");
        assert_eq!(
            split_deployment(&module),
            Err(ValidationError::MissingEndMarker)
        );
        assert_eq!(split_deployment(b"\x60\x61"), Err(ValidationError::NotWasm));
    }
}
