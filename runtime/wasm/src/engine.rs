//! The engine: deterministic wasmtime configuration, module cache, execution.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};
use wasmtime::{
    Extern, InstanceAllocationStrategy, InstancePre, Linker, PoolingAllocationConfig, Store,
    StoreLimits, StoreLimitsBuilder, Val, WasmFeatures,
};

use crate::frame::{self, Exit, HostState};
use crate::gas::{GasSchedule, FUEL_PER_GAS, FUEL_RESERVE};
use crate::host::Host;
use crate::instrument;
use crate::outcome::{Outcome, Status, TrapKind};
use crate::validate::{validate, Limits, ValidationError, PAGE_SIZE};

/// Version of everything that shapes compiled code and gas (wasmtime version and
/// `Config`, the metering instrumentation). Part of the module cache's key; bump it when
/// any of them changes. 2: gas metered by instrumentation ([`crate::instrument`]).
pub const ENGINE_VERSION: u32 = 2;

/// Bytes at the start of each pooled linear memory that are zeroed in place after use
/// rather than released to the kernel: an SDK contract's stack (64 KiB), data and first
/// heap pages live there, so a call does not page-fault them in again.
const KEEP_RESIDENT: usize = 128 * 1024;

/// Bytes of each pooled table zeroed in place rather than released after use: a Rust
/// contract's function table (indirect calls) is small, and re-faulting it costs more.
const TABLE_KEEP_RESIDENT: usize = 64 * 1024;

/// Configuration of an [`Engine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// Validation and memory/table limits.
    pub limits: Limits,
    /// Fixed gas costs of host functions.
    pub gas: GasSchedule,
    /// Native stack available to WASM code, in bytes (deep recursion traps with
    /// [`TrapKind::StackOverflow`] past it). Default 512 KiB.
    pub max_wasm_stack: usize,
    /// Compiled modules kept in memory (least recently used evicted). Default 1,024.
    pub cache_capacity: usize,
    /// Most WASM frames one execution nests (the executor refuses deeper calls).
    /// Default 128.
    pub max_nesting: usize,
    /// The engine that compiles and runs modules. Default: wasmer in a build with the
    /// `wasmer` feature (so the test suites run on it), wasmtime otherwise.
    pub backend: Backend,
    /// Most executions holding an [`ExecutionPermit`] at once. Instances come from a pool
    /// of `max_nesting × max_concurrent` slots whose memory is reused, not mapped and
    /// unmapped per call. Default 8.
    pub max_concurrent: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            limits: Limits::default(),
            gas: GasSchedule::default(),
            max_wasm_stack: 512 * 1024,
            cache_capacity: 1024,
            max_nesting: 128,
            max_concurrent: 8,
            backend: if cfg!(feature = "wasmer") {
                Backend::Wasmer
            } else {
                Backend::Wasmtime
            },
        }
    }
}

/// The engine that compiles and runs modules. Both run the same instrumented module with
/// the same host functions, so results and gas are identical.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// wasmtime: pooled instances, pre-linked modules; the production engine.
    Wasmtime,
    /// wasmer (cargo feature `wasmer`): a cross-check of wasmtime.
    Wasmer,
}

/// Which export an execution runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    /// `deploy`: the constructor, once, at deployment.
    Deploy,
    /// `call`: every call.
    Call,
}

impl Entry {
    /// The export's name.
    pub fn export_name(self) -> &'static str {
        match self {
            Entry::Deploy => "deploy",
            Entry::Call => "call",
        }
    }
}

/// A node fault: the execution has no outcome, and the executor must abort the block.
/// Contract failures are never `EngineError`s; they are [`Status::Trap`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The host reported [`HostError::Fatal`](crate::HostError::Fatal).
    #[error("node fault in the host: {0}")]
    Host(String),
    /// wasmtime failed in a way no contract can cause (configuration, resources).
    #[error("WASM engine fault: {0}")]
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal(e.to_string())
}

pub(crate) type CacheKey = ([u8; 32], u32);

/// A compiled, pre-linked, instrumented module and its instantiation fuel.
pub(crate) struct Loaded {
    pre: InstancePre<HostState>,
    startup_fuel: u64,
    /// The exports a frame uses, resolved once (no name lookups per call).
    exports: Option<Exports>,
}

/// Indices of the exports a frame uses.
struct Exports {
    memory: wasmtime::ModuleExport,
    fuel: wasmtime::ModuleExport,
    oog: wasmtime::ModuleExport,
    deploy: wasmtime::ModuleExport,
    call: wasmtime::ModuleExport,
}

impl Exports {
    fn of(module: &wasmtime::Module) -> Option<Exports> {
        Some(Exports {
            memory: module.get_export_index("memory")?,
            fuel: module.get_export_index(instrument::FUEL_EXPORT)?,
            oog: module.get_export_index(instrument::OOG_EXPORT)?,
            deploy: module.get_export_index(Entry::Deploy.export_name())?,
            call: module.get_export_index(Entry::Call.export_name())?,
        })
    }
}

struct CacheEntry<T> {
    pre: Arc<T>,
    last_used: u64,
}

/// Compiled modules by code hash and engine version, least recently used evicted.
pub(crate) struct ModuleCache<T> {
    entries: HashMap<CacheKey, CacheEntry<T>>,
    clock: u64,
}

impl<T> Default for ModuleCache<T> {
    fn default() -> Self {
        ModuleCache {
            entries: HashMap::new(),
            clock: 0,
        }
    }
}

impl<T> ModuleCache<T> {
    pub(crate) fn contains(&self, key: &CacheKey) -> bool {
        self.entries.contains_key(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&mut self, key: &CacheKey) -> Option<Arc<T>> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|entry| {
            entry.last_used = clock;
            Arc::clone(&entry.pre)
        })
    }

    pub(crate) fn insert(&mut self, key: CacheKey, pre: Arc<T>, capacity: usize) {
        self.clock += 1;
        if !self.entries.contains_key(&key) && self.entries.len() >= capacity.max(1) {
            // Which entry goes only affects speed, never results.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| *k)
            {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(
            key,
            CacheEntry {
                pre,
                last_used: self.clock,
            },
        );
    }
}

/// The WASM contract engine: one per node, shared by all executions (`Send + Sync`).
///
/// Holds the wasmtime engine configured for determinism, the linker with the host API,
/// and the cache of compiled, pre-linked modules keyed by code hash and
/// [`ENGINE_VERSION`].
pub struct Engine {
    engine: wasmtime::Engine,
    linker: Linker<HostState>,
    config: EngineConfig,
    cache: Mutex<ModuleCache<Loaded>>,
    /// The wasmer engine, when [`Backend::Wasmer`] is selected.
    #[cfg(feature = "wasmer")]
    wasmer: Option<crate::wasmer_engine::WasmerEngine>,
    compilations: AtomicU64,
    gate: Gate,
}

/// A counting semaphore over executions.
#[derive(Default)]
struct Gate {
    running: Mutex<usize>,
    freed: Condvar,
}

/// The right to run one execution — a transaction's WASM frames, however deeply they nest
/// (up to [`EngineConfig::max_nesting`]) — while at most
/// [`EngineConfig::max_concurrent`] are held; see [`Engine::permit`]. Released on drop.
#[must_use = "the permit is released when dropped"]
pub struct ExecutionPermit<'e> {
    gate: &'e Gate,
}

impl Drop for ExecutionPermit<'_> {
    fn drop(&mut self) {
        *self.gate.running.lock() -= 1;
        self.gate.freed.notify_one();
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("cached_modules", &self.cached_modules())
            .field("compilations", &self.compilations())
            .finish()
    }
}

impl Engine {
    /// Builds an engine. Fails only if wasmtime refuses the configuration on this platform.
    pub fn new(config: EngineConfig) -> Result<Engine, EngineError> {
        if config.backend == Backend::Wasmer && !cfg!(feature = "wasmer") {
            return Err(EngineError::Internal(
                "this build has no wasmer engine (cargo feature `wasmer` of weft-wasm)".into(),
            ));
        }
        let mut c = wasmtime::Config::new();
        // Gas is metered by the module itself (`instrument`), not by wasmtime's fuel: the
        // same instrumented module gives the same gas on any engine.
        c.consume_fuel(false)
            .epoch_interruption(false)
            .cranelift_nan_canonicalization(true)
            .wasm_features(
                WasmFeatures::THREADS
                    | WasmFeatures::SHARED_EVERYTHING_THREADS
                    | WasmFeatures::REFERENCE_TYPES
                    | WasmFeatures::FUNCTION_REFERENCES
                    | WasmFeatures::EXCEPTIONS
                    | WasmFeatures::MEMORY64,
                false,
            )
            .wasm_simd(false)
            .wasm_relaxed_simd(false)
            .relaxed_simd_deterministic(true)
            .wasm_gc(false)
            .wasm_tail_call(false)
            .wasm_multi_memory(false)
            .wasm_extended_const(false)
            .wasm_wide_arithmetic(false)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .max_wasm_stack(config.max_wasm_stack)
            .wasm_backtrace_max_frames(None);
        // Baseline ISA flags instead of the host CPU's: every node of an architecture then
        // runs the same machine code, with the same stack frame sizes, whatever its CPU.
        if let Some(triple) = baseline_target() {
            c.target(triple).map_err(internal)?;
        }
        // Instances from a pool: a slot's memory stays mapped and is reset (madvise) after
        // use, instead of a 4 GiB reservation mapped and unmapped per call — most of a
        // trivial call's cost otherwise. Sized so `max_concurrent` permits, each nesting
        // `max_nesting` frames, never exhaust it.
        let slots = u32::try_from(config.max_nesting.max(1) * config.max_concurrent.max(1))
            .map_err(internal)?;
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .max_memory_size(
                usize::try_from(config.limits.max_memory_pages.saturating_mul(PAGE_SIZE))
                    .map_err(internal)?,
            )
            .table_elements(usize::try_from(config.limits.max_table_elements).map_err(internal)?)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // Data segments are copied in at instantiation: a contract's are a few KiB, and a
        // copy-on-write image would cost a mapping per instantiation.
        c.memory_init_cow(false);
        let engine = wasmtime::Engine::new(&c).map_err(internal)?;
        let mut linker = Linker::new(&engine);
        crate::imports::link(&mut linker, config.gas).map_err(internal)?;
        Ok(Engine {
            engine,
            linker,
            config,
            cache: Mutex::new(ModuleCache::default()),
            #[cfg(feature = "wasmer")]
            wasmer: (config.backend == Backend::Wasmer)
                .then(crate::wasmer_engine::WasmerEngine::new),
            compilations: AtomicU64::new(0),
            gate: Gate::default(),
        })
    }

    /// Waits for, then takes, the right to run one execution. The executor holds one
    /// while a transaction's outermost WASM frame runs (frames it nests run under it), so
    /// the instance pool is never exhausted.
    pub fn permit(&self) -> ExecutionPermit<'_> {
        let mut running = self.gate.running.lock();
        while *running >= self.config.max_concurrent.max(1) {
            self.gate.freed.wait(&mut running);
        }
        *running += 1;
        ExecutionPermit { gate: &self.gate }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// How many modules this engine has compiled (cache misses) since it was built.
    pub fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    /// How many compiled modules the cache holds.
    pub fn cached_modules(&self) -> usize {
        #[cfg(feature = "wasmer")]
        if let Some(wasmer) = &self.wasmer {
            return wasmer.cached_modules();
        }
        self.cache.lock().len()
    }

    /// Whether the module with this code hash is compiled and cached.
    pub fn is_cached(&self, code_hash: &[u8; 32]) -> bool {
        #[cfg(feature = "wasmer")]
        if let Some(wasmer) = &self.wasmer {
            return wasmer.is_cached(code_hash);
        }
        self.cache.lock().contains(&(*code_hash, ENGINE_VERSION))
    }

    /// Validates and compiles a module into the cache (at deployment), unless it is
    /// already there. `code_hash` must be the hash of `module` (the caller's suite).
    pub fn prepare(&self, code_hash: [u8; 32], module: &[u8]) -> Result<(), ValidationError> {
        #[cfg(feature = "wasmer")]
        if let Some(wasmer) = &self.wasmer {
            return wasmer.prepare(code_hash, module, &self.config, || self.count_compilation());
        }
        self.load(code_hash, module).map(|_| ())
    }

    fn count_compilation(&self) {
        self.compilations.fetch_add(1, Ordering::Relaxed);
    }

    /// The cached module, compiled now if absent (validating it first).
    fn load(&self, code_hash: [u8; 32], module: &[u8]) -> Result<Arc<Loaded>, ValidationError> {
        load_cached(
            &self.cache,
            (code_hash, ENGINE_VERSION),
            module,
            &self.config,
            || self.count_compilation(),
            |instrumented| {
                let compiled = wasmtime::Module::from_binary(&self.engine, &instrumented.bytes)
                    .map_err(|e| e.to_string())?;
                Ok(Loaded {
                    pre: self
                        .linker
                        .instantiate_pre(&compiled)
                        .map_err(|e| e.to_string())?,
                    startup_fuel: instrumented.startup_fuel,
                    exports: Exports::of(&compiled),
                })
            },
        )
    }

    /// Runs `entry` of the module `module` (the stored code, whose hash is `code_hash`)
    /// for one frame, with `host` as its world and `gas_limit` gas.
    ///
    /// Compiles the module on a cache miss (a module that fails validation then ends in
    /// [`TrapKind::InvalidModule`]). Contract failures are [`Outcome`]s; `Err` is only a
    /// node fault.
    pub fn execute(
        &self,
        code_hash: [u8; 32],
        module: &[u8],
        entry: Entry,
        host: &mut dyn Host,
        gas_limit: u64,
    ) -> Result<Outcome, EngineError> {
        let gas_limit = gas_limit.min((u64::MAX - FUEL_RESERVE) / FUEL_PER_GAS);
        #[cfg(feature = "wasmer")]
        if let Some(wasmer) = &self.wasmer {
            return wasmer.execute(
                code_hash,
                module,
                entry,
                host,
                gas_limit,
                &self.config,
                || self.count_compilation(),
            );
        }
        let pre = match self.load(code_hash, module) {
            Ok(pre) => pre,
            Err(e) => return Ok(trapped(TrapKind::InvalidModule(e.to_string()), gas_limit)),
        };
        let limits = self.store_limits();
        frame::with_store(&self.engine, host, limits, |store| {
            run(store, &pre, entry, gas_limit)
        })
    }

    fn store_limits(&self) -> StoreLimits {
        let limits = &self.config.limits;
        let memory_bytes = limits.max_memory_pages.saturating_mul(PAGE_SIZE);
        StoreLimitsBuilder::new()
            .memory_size(usize::try_from(memory_bytes).unwrap_or(usize::MAX))
            .table_elements(usize::try_from(limits.max_table_elements).unwrap_or(usize::MAX))
            .instances(1)
            .memories(1)
            .tables(1)
            .build()
    }
}

/// The host's target triple without CPU-feature suffixes, for the platforms Weft runs on.
fn baseline_target() -> Option<&'static str> {
    match (std::env::consts::ARCH, std::env::consts::OS) {
        ("x86_64", "linux") => Some("x86_64-unknown-linux-gnu"),
        ("aarch64", "linux") => Some("aarch64-unknown-linux-gnu"),
        ("x86_64", "macos") => Some("x86_64-apple-darwin"),
        ("aarch64", "macos") => Some("aarch64-apple-darwin"),
        _ => None,
    }
}

/// Instantiates and runs one frame in `store`.
fn run(
    store: &mut Store<HostState>,
    loaded: &Loaded,
    entry: Entry,
    gas_limit: u64,
) -> Result<Outcome, EngineError> {
    store.limiter(|state| &mut state.limits);
    let Some(initial) = initial_fuel(gas_limit, loaded.startup_fuel) else {
        return Ok(trapped(TrapKind::OutOfGas, gas_limit));
    };
    let result = (|| -> wasmtime::Result<()> {
        let missing =
            || wasmtime::Error::new(Exit::Fatal("an export the engine uses is missing".into()));
        let exports = loaded.exports.as_ref().ok_or_else(missing)?;
        let instance = loaded.pre.instantiate(&mut *store)?;
        let mut export = |index| instance.get_module_export(&mut *store, index);
        let memory = export(&exports.memory).and_then(Extern::into_memory);
        let fuel = export(&exports.fuel).and_then(Extern::into_global);
        let oog = export(&exports.oog).and_then(Extern::into_global);
        let func = export(match entry {
            Entry::Deploy => &exports.deploy,
            Entry::Call => &exports.call,
        })
        .and_then(Extern::into_func);
        let (Some(memory), Some(fuel), Some(oog), Some(func)) = (memory, fuel, oog, func) else {
            return Err(missing());
        };
        fuel.set(&mut *store, Val::I64(initial))?;
        let data = store.data_mut();
        data.memory = Some(memory);
        data.fuel = Some(fuel);
        data.oog = Some(oog);
        func.typed::<(), ()>(&*store)?.call(&mut *store, ())
    })();
    // Fuel left; none at all (reserve included) means the last straight-line stretch
    // overdrew it.
    let fuel_left = match store.data().fuel {
        Some(fuel) => match fuel.get(&mut *store) {
            Val::I64(left) => u64::try_from(left).unwrap_or(0),
            _ => return Err(internal("the fuel global is not an i64")),
        },
        None => 0,
    };
    let ran_out = match store.data().oog {
        Some(oog) => matches!(oog.get(&mut *store), Val::I32(1)),
        None => false,
    };
    let result = result.map_err(|error| match error.downcast::<Exit>() {
        Ok(exit) => Failure::Exit(exit),
        Err(error) => match error.downcast_ref::<wasmtime::Trap>() {
            Some(trap) => Failure::Trap(trap_kind(*trap)),
            None => Failure::Internal(error.to_string()),
        },
    });
    settle(result, fuel_left, ran_out, gas_limit, || {
        std::mem::take(&mut store.data_mut().frame.output)
    })
}

/// A trap's outcome: all the frame's gas spent.
pub(crate) fn trapped(kind: TrapKind, gas_limit: u64) -> Outcome {
    Outcome {
        status: Status::Trap(kind),
        gas_used: gas_limit,
    }
}

/// The cached module under `key`, made now on a miss the same way for every engine:
/// validated, instrumented, then compiled by `compile` (under [`compile_guarded`]);
/// `counted` is called for each compilation. Compiling happens outside the lock: two
/// threads racing on one module both compile it and the cache keeps one.
pub(crate) fn load_cached<T>(
    cache: &Mutex<ModuleCache<T>>,
    key: CacheKey,
    module: &[u8],
    config: &EngineConfig,
    counted: impl FnOnce(),
    compile: impl FnOnce(&instrument::Instrumented) -> Result<T, String>,
) -> Result<Arc<T>, ValidationError> {
    if let Some(loaded) = cache.lock().get(&key) {
        return Ok(loaded);
    }
    validate(module, &config.limits)?;
    let to_error = |message: String| ValidationError::Compile { message };
    let instrumented = instrument::instrument(module, config.limits.max_memory_pages)
        .map_err(|e| to_error(e.to_string()))?;
    let loaded = Arc::new(compile_guarded(|| compile(&instrumented)).map_err(to_error)?);
    counted();
    tracing::debug!(code_hash = %Hex(&key.0), size = module.len(), "compiled WASM module");
    cache
        .lock()
        .insert(key, Arc::clone(&loaded), config.cache_capacity);
    Ok(loaded)
}

/// Runs a compiler on a module: a compiler panic (an engine bug a module can trigger) is
/// a refused module, not a node crash.
pub(crate) fn compile_guarded<T>(compile: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(compile))
        .unwrap_or_else(|_| Err("the compiler failed on this module".into()))
}

/// The fuel counter's starting value: the frame's fuel (gas × 10 and the reserve) less what
/// instantiation costs; `None` if that leaves nothing to run with.
pub(crate) fn initial_fuel(gas_limit: u64, startup_fuel: u64) -> Option<i64> {
    (gas_limit * FUEL_PER_GAS + FUEL_RESERVE)
        .checked_sub(startup_fuel)
        .filter(|left| *left >= FUEL_RESERVE)
        .and_then(|left| i64::try_from(left).ok())
}

/// How an execution that did not return ended, whatever the engine.
pub(crate) enum Failure {
    /// A host function ended it (revert, trap, node fault).
    Exit(Exit),
    /// The WASM code trapped.
    Trap(TrapKind),
    /// The engine failed (never the contract's doing).
    Internal(String),
}

/// The outcome of an execution from how it ended, the fuel left in the module's counter,
/// and its out-of-fuel flag — the same rules for every engine.
pub(crate) fn settle(
    result: Result<(), Failure>,
    fuel_left: u64,
    ran_out: bool,
    gas_limit: u64,
    output: impl FnOnce() -> Vec<u8>,
) -> Result<Outcome, EngineError> {
    let trapped = |kind| trapped(kind, gas_limit);
    // No fuel at all (reserve included) means the last straight-line stretch overdrew it.
    let overdrawn = fuel_left < FUEL_RESERVE;
    let left = (fuel_left - FUEL_RESERVE.min(fuel_left)) / FUEL_PER_GAS;
    let gas_used = gas_limit - left.min(gas_limit);
    match result {
        Ok(()) if overdrawn => Ok(trapped(TrapKind::OutOfGas)),
        Ok(()) => Ok(Outcome {
            status: Status::Return(output()),
            gas_used,
        }),
        Err(Failure::Exit(Exit::Revert(_))) if overdrawn => Ok(trapped(TrapKind::OutOfGas)),
        Err(Failure::Exit(Exit::Revert(data))) => Ok(Outcome {
            status: Status::Revert(data),
            gas_used,
        }),
        Err(Failure::Exit(Exit::Trap(kind))) => Ok(trapped(kind)),
        Err(Failure::Exit(Exit::Fatal(why))) => Err(EngineError::Host(why)),
        // The meter's own trap: it set the flag just before its `unreachable`.
        Err(Failure::Trap(TrapKind::Unreachable)) if ran_out => Ok(trapped(TrapKind::OutOfGas)),
        // Any other trap after an overdraft is out of gas as well.
        Err(Failure::Trap(_)) if overdrawn => Ok(trapped(TrapKind::OutOfGas)),
        Err(Failure::Trap(kind)) => Ok(trapped(kind)),
        Err(Failure::Internal(why)) => Err(EngineError::Internal(why)),
    }
}

/// Maps wasmtime's trap codes to Weft's, with fixed messages for the rest (they may end
/// up in receipts, so they must not depend on wasmtime's wording).
fn trap_kind(trap: wasmtime::Trap) -> TrapKind {
    use wasmtime::Trap;
    match trap {
        Trap::OutOfFuel => TrapKind::OutOfGas,
        Trap::UnreachableCodeReached => TrapKind::Unreachable,
        Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Trap::StackOverflow => TrapKind::StackOverflow,
        Trap::IntegerDivisionByZero => TrapKind::Other("integer division by zero".into()),
        Trap::IntegerOverflow => TrapKind::Other("integer overflow".into()),
        Trap::TableOutOfBounds => TrapKind::Other("table access out of bounds".into()),
        Trap::IndirectCallToNull => TrapKind::Other("indirect call to a null table entry".into()),
        Trap::BadSignature => TrapKind::Other("indirect call signature mismatch".into()),
        Trap::HeapMisaligned => TrapKind::Other("misaligned memory access".into()),
        // Fixed text, whatever the engine calls it.
        _ => TrapKind::Other("wasm trap".into()),
    }
}

/// Hex for logs.
struct Hex<'a>(&'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn permits_are_bounded_and_released_on_drop() {
        let engine = Arc::new(
            Engine::new(EngineConfig {
                max_concurrent: 1,
                ..EngineConfig::default()
            })
            .unwrap(),
        );
        let first = engine.permit();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                let _second = engine.permit();
                tx.send(()).unwrap();
            })
        };
        // The second permit waits while the first is held…
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err());
        drop(first);
        // …and is granted once it is dropped.
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
    }

    #[test]
    fn engine_is_send_and_sync() {
        assert_send_sync::<Engine>();
    }

    #[test]
    fn cache_evicts_least_recently_used() {
        let engine = Engine::new(EngineConfig::default()).expect("engine");
        let module =
            wasmtime::Module::from_binary(&engine.engine, &[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
                .expect("empty module");
        let pre = Arc::new(Loaded {
            pre: engine.linker.instantiate_pre(&module).expect("pre"),
            startup_fuel: 1,
            exports: None,
        });
        let mut cache = ModuleCache::default();
        cache.insert(([1; 32], 1), Arc::clone(&pre), 2);
        cache.insert(([2; 32], 1), Arc::clone(&pre), 2);
        assert!(cache.get(&([1; 32], 1)).is_some());
        cache.insert(([3; 32], 1), Arc::clone(&pre), 2);
        assert!(cache.get(&([1; 32], 1)).is_some());
        assert!(cache.get(&([2; 32], 1)).is_none());
        assert!(cache.get(&([3; 32], 1)).is_some());
    }
}
