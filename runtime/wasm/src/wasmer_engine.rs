//! wasmer as a second engine (cargo feature `wasmer`), selected with
//! [`Backend::Wasmer`](crate::Backend::Wasmer).
//!
//! It runs the same instrumented module ([`crate::instrument`]) with the same host
//! functions ([`crate::imports`]) and the same outcome rules ([`crate::engine`]'s `settle`)
//! as wasmtime, so results and gas are identical by construction; only compilation and
//! the calling convention differ. It has no pooling allocator and no pre-linked instances:
//! each execution builds its imports and maps its memory, so it is slower per call than
//! wasmtime — it is here to cross-check wasmtime, and as a fallback.

use std::ops::Range;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmer::sys::{Cranelift, EngineBuilder, Features};
use wasmer::{
    Function, FunctionEnv, FunctionEnvMut, Global, Imports, Instance, Memory, Module, RuntimeError,
    Store, Value,
};

use crate::engine::{
    initial_fuel, load_cached, settle, trapped, EngineConfig, EngineError, Failure,
};
use crate::frame::{self, Exit, FrameData};
use crate::gas::GasSchedule;
use crate::host::Host;
use crate::imports::{self, host_functions, HostCtx, Res};
use crate::instrument;
use crate::outcome::{Outcome, TrapKind};
use crate::validate::ValidationError;
use crate::Entry;

/// A compiled instrumented module and its instantiation fuel.
struct Loaded {
    module: Module,
    startup_fuel: u64,
}

/// The wasmer engine and its module cache (in memory, by code hash).
pub(crate) struct WasmerEngine {
    engine: wasmer::Engine,
    cache: Mutex<crate::engine::ModuleCache<Loaded>>,
}

impl WasmerEngine {
    /// Cranelift with NaN canonicalisation and only the features Weft allows.
    pub(crate) fn new() -> WasmerEngine {
        let mut compiler = Cranelift::new();
        compiler.canonicalize_nans(true);
        let mut features = Features::none();
        features.bulk_memory(true).multi_value(true);
        let engine: wasmer::Engine = EngineBuilder::new(compiler)
            .set_features(Some(features))
            .engine()
            .into();
        WasmerEngine {
            engine,
            cache: Mutex::new(crate::engine::ModuleCache::default()),
        }
    }

    /// The cached module, validated, instrumented and compiled now if absent; `counted`
    /// is called on a cache miss.
    fn load(
        &self,
        code_hash: [u8; 32],
        module: &[u8],
        config: &EngineConfig,
        counted: impl FnOnce(),
    ) -> Result<Arc<Loaded>, ValidationError> {
        load_cached(
            &self.cache,
            (code_hash, crate::ENGINE_VERSION),
            module,
            config,
            counted,
            |instrumented| {
                Ok(Loaded {
                    module: Module::new(&self.engine, &instrumented.bytes)
                        .map_err(|e| e.to_string())?,
                    startup_fuel: instrumented.startup_fuel,
                })
            },
        )
    }

    /// Whether the module is cached.
    pub(crate) fn is_cached(&self, code_hash: &[u8; 32]) -> bool {
        self.cache
            .lock()
            .contains(&(*code_hash, crate::ENGINE_VERSION))
    }

    /// How many modules are cached.
    pub(crate) fn cached_modules(&self) -> usize {
        self.cache.lock().len()
    }

    /// Validates and compiles a module into the cache.
    pub(crate) fn prepare(
        &self,
        code_hash: [u8; 32],
        module: &[u8],
        config: &EngineConfig,
        counted: impl FnOnce(),
    ) -> Result<(), ValidationError> {
        self.load(code_hash, module, config, counted).map(|_| ())
    }

    /// Runs `entry` of `module` for one frame: [`Engine::execute`](crate::Engine::execute)
    /// on wasmer.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn execute(
        &self,
        code_hash: [u8; 32],
        module: &[u8],
        entry: Entry,
        host: &mut dyn Host,
        gas_limit: u64,
        config: &EngineConfig,
        counted: impl FnOnce(),
    ) -> Result<Outcome, EngineError> {
        let loaded = match self.load(code_hash, module, config, counted) {
            Ok(loaded) => loaded,
            Err(e) => return Ok(trapped(TrapKind::InvalidModule(e.to_string()), gas_limit)),
        };
        let Some(initial) = initial_fuel(gas_limit, loaded.startup_fuel) else {
            return Ok(trapped(TrapKind::OutOfGas, gas_limit));
        };
        let gas = config.gas;
        frame::with_frame(host, |frame| {
            let mut store = Store::new(self.engine.clone());
            let env = FunctionEnv::new(
                &mut store,
                State {
                    frame,
                    memory: None,
                    fuel: None,
                    oog: None,
                },
            );
            let imports = imports_for(&mut store, &env, gas);
            let result = run(&mut store, &env, &loaded.module, &imports, entry, initial);
            let state = env.as_mut(&mut store);
            let (fuel, oog) = (state.fuel.clone(), state.oog.clone());
            let fuel_left = match fuel.map(|g| g.get(&mut store)) {
                Some(Value::I64(left)) => u64::try_from(left).unwrap_or(0),
                Some(_) => return Err(EngineError::Internal("fuel is not an i64".into())),
                None => 0,
            };
            let ran_out = matches!(oog.map(|g| g.get(&mut store)), Some(Value::I32(1)));
            settle(result, fuel_left, ran_out, gas_limit, || {
                std::mem::take(&mut env.as_mut(&mut store).frame.output)
            })
        })
    }
}

/// The data of a frame's wasmer `Store`.
struct State {
    frame: FrameData,
    memory: Option<Memory>,
    fuel: Option<Global>,
    oog: Option<Global>,
}

// SAFETY: `FrameData` holds a pointer to the executor's host, which is not `Send`. wasmer
// requires `Send` environment data because a store *may* move between threads; this one
// never does: it is created, used and dropped within `WasmerEngine::execute` on the
// calling thread (wasmer runs the WASM code on a coroutine stack of that same thread).
unsafe impl Send for State {}

fn instantiate_error(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(format!("wasmer instantiation: {e}"))
}

/// Instantiates and calls `entry`.
fn run(
    store: &mut Store,
    env: &FunctionEnv<State>,
    module: &Module,
    imports: &Imports,
    entry: Entry,
    initial: i64,
) -> Result<(), Failure> {
    let instance = Instance::new(store, module, imports).map_err(instantiate_error)?;
    let memory = instance
        .exports
        .get_memory("memory")
        .map_err(instantiate_error)?
        .clone();
    let fuel = instance
        .exports
        .get_global(instrument::FUEL_EXPORT)
        .map_err(instantiate_error)?
        .clone();
    let oog = instance
        .exports
        .get_global(instrument::OOG_EXPORT)
        .map_err(instantiate_error)?
        .clone();
    fuel.set(store, Value::I64(initial))
        .map_err(|e| Failure::Internal(e.message()))?;
    let state = env.as_mut(store);
    state.memory = Some(memory);
    state.fuel = Some(fuel);
    state.oog = Some(oog);
    let func = instance
        .exports
        .get_typed_function::<(), ()>(store, entry.export_name())
        .map_err(instantiate_error)?;
    func.call(store).map_err(failure)
}

/// What a wasmer runtime error means.
fn failure(error: RuntimeError) -> Failure {
    if let Some(exit) = error.downcast_ref::<Exit>() {
        return Failure::Exit(exit.clone());
    }
    use wasmer::sys::vm::TrapCode;
    match error.clone().to_trap() {
        Some(TrapCode::UnreachableCodeReached) => Failure::Trap(TrapKind::Unreachable),
        Some(TrapCode::HeapAccessOutOfBounds) => Failure::Trap(TrapKind::MemoryOutOfBounds),
        Some(TrapCode::StackOverflow) => Failure::Trap(TrapKind::StackOverflow),
        Some(TrapCode::IntegerDivisionByZero) => {
            Failure::Trap(TrapKind::Other("integer division by zero".into()))
        }
        Some(TrapCode::IntegerOverflow) => {
            Failure::Trap(TrapKind::Other("integer overflow".into()))
        }
        Some(TrapCode::TableAccessOutOfBounds) => {
            Failure::Trap(TrapKind::Other("table access out of bounds".into()))
        }
        Some(TrapCode::IndirectCallToNull) => Failure::Trap(TrapKind::Other(
            "indirect call to a null table entry".into(),
        )),
        Some(TrapCode::BadSignature) => {
            Failure::Trap(TrapKind::Other("indirect call signature mismatch".into()))
        }
        Some(TrapCode::HeapMisaligned) => {
            Failure::Trap(TrapKind::Other("misaligned memory access".into()))
        }
        Some(_) => Failure::Trap(TrapKind::Other("wasm trap".into())),
        None => Failure::Internal(error.message()),
    }
}

/// A wasmer host call's view of its frame.
struct Wasmer<'a>(FunctionEnvMut<'a, State>);

impl Wasmer<'_> {
    fn memory(&mut self) -> Res<Memory> {
        self.0
            .data()
            .memory
            .clone()
            .ok_or_else(|| Exit::Fatal("the instance's memory is not set".into()))
    }

    fn fuel_global(&mut self) -> Res<Global> {
        self.0
            .data()
            .fuel
            .clone()
            .ok_or_else(|| Exit::Fatal("the instance's fuel counter is not set".into()))
    }
}

impl HostCtx for Wasmer<'_> {
    fn frame(&mut self) -> &mut FrameData {
        &mut self.0.data_mut().frame
    }

    fn memory_size(&mut self) -> Res<usize> {
        let memory = self.memory()?;
        let size = memory.view(&self.0).data_size();
        usize::try_from(size)
            .map_err(|_| Exit::Fatal("memory larger than the address space".into()))
    }

    fn read_memory(&mut self, range: Range<usize>, out: &mut [u8]) -> Res<()> {
        let memory = self.memory()?;
        memory
            .view(&self.0)
            .read(range.start as u64, out)
            .map_err(|_| Exit::Trap(TrapKind::ArgumentOutOfRange))
    }

    fn write_memory(&mut self, range: Range<usize>, bytes: &[u8]) -> Res<()> {
        let memory = self.memory()?;
        memory
            .view(&self.0)
            .write(range.start as u64, bytes)
            .map_err(|_| Exit::Trap(TrapKind::ArgumentOutOfRange))
    }

    fn fuel(&mut self) -> Res<u64> {
        let fuel = self.fuel_global()?;
        match fuel.get(&mut self.0) {
            Value::I64(left) => Ok(u64::try_from(left).unwrap_or(0)),
            _ => Err(Exit::Fatal("the fuel counter is not an i64".into())),
        }
    }

    fn set_fuel(&mut self, left: u64) -> Res<()> {
        let fuel = self.fuel_global()?;
        let left = i64::try_from(left).map_err(|_| Exit::Fatal("fuel above i64::MAX".into()))?;
        fuel.set(&mut self.0, Value::I64(left))
            .map_err(|e| Exit::Fatal(e.message()))
    }
}

/// The `"weft"` imports for one store: the host functions of [`crate::imports`].
fn imports_for(store: &mut Store, env: &FunctionEnv<State>, g: GasSchedule) -> Imports {
    const M: &str = crate::host_api::HOST_MODULE;
    let mut imports = Imports::new();
    macro_rules! define {
        ($($name:ident($($arg:ident),*: $($ty:ty),*) -> $ret:ty;)*) => {$(
            imports.define(
                M,
                stringify!($name),
                Function::new_typed_with_env(
                    &mut *store,
                    env,
                    move |c: FunctionEnvMut<'_, State>, $($arg: $ty),*| -> Result<$ret, Exit> {
                        imports::$name(&mut Wasmer(c), &g, $($arg),*)
                    },
                ),
            );
        )*};
    }
    host_functions!(define);
    imports
}
