//! WASM contracts inside revm: a precompile provider that runs accounts whose code starts
//! with `\0asm` on [`weft_wasm::Engine`], and the EVM init-code prefix that deploys them.
//!
//! See the crate documentation for what this slice supports.

use std::sync::Arc;

use alloy_primitives::{keccak256, Address, Bytes, Log, LogData, B256, U256};
use revm::bytecode::opcode;
use revm::context::{BlockEnv, CfgEnv, Context, Evm, Journal, TxEnv};
use revm::context_interface::{
    Block, Cfg, ContextTr, CreateScheme, JournalTr, LocalContextTr, Transaction,
};
use revm::handler::evm::ContextDbError;
use revm::handler::instructions::EthInstructions;
use revm::handler::{
    EthFrame, EthPrecompiles, EvmTr, FrameResult, ItemOrResult, PrecompileProvider,
};
use revm::interpreter::instructions::contract::{self, load_account_delegated};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::{
    CallInput, CallInputs, CallScheme, CallValue, CreateInputs, FrameInput, Gas, Instruction,
    InstructionContext, InstructionExecResult, InstructionResult, InterpreterAction,
    InterpreterResult, SharedMemory,
};
use revm::primitives::hardfork::SpecId;
use revm::primitives::AddressSet;
use revm::MainContext;
use weft_crypto::CryptoSuite;
use weft_storage::Storage;
use weft_wasm::{
    CallKind, CallResult, CallStatus, CreateResult, Engine, Entry, Host, HostError, Outcome,
    Status, TrapKind, Word,
};

use crate::plugins::{self, PluginSetup};
use crate::state::BlockState;

/// The reserved address of the WASM constructor: the EVM prefix of a WASM deployment
/// DELEGATECALLs it with `module ‖ constructor args`, and the executor runs the module's
/// `deploy` export in the storage context of the contract being created.
pub const WASM_CONSTRUCTOR: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x7a,
]);

/// The first bytes of every WebAssembly module.
pub const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// The context type the executor runs revm with.
pub(crate) type WeftContext<'a, S> =
    Context<BlockEnv, TxEnv, CfgEnv, BlockState<'a, S>, Journal<BlockState<'a, S>>, ()>;

/// The EVM the executor runs: mainnet instructions, [`WeftPrecompiles`].
pub(crate) type WeftEvm<'a, S> = Evm<
    WeftContext<'a, S>,
    (),
    EthInstructions<EthInterpreter, WeftContext<'a, S>>,
    WeftPrecompiles,
    EthFrame<EthInterpreter>,
>;

/// Length of [`EVM_PREFIX`].
const PREFIX_LEN: u8 = 0x36;
/// Offset of the success `JUMPDEST` in [`EVM_PREFIX`].
const PREFIX_OK: u8 = 0x23;

/// The EVM init code put before `module ‖ args` (the module length, `PUSH4` at offsets
/// 0x25 and 0x2f, is patched in by [`wasm_init_code`]).
#[rustfmt::skip]
const EVM_PREFIX: [u8; PREFIX_LEN as usize] = [
    0x60, PREFIX_LEN,       // 00 PUSH1 P            prefix length
    0x38,                   // 02 CODESIZE
    0x03,                   // 03 SUB                total = CODESIZE - P (len of module ‖ args)
    0x80,                   // 04 DUP1               [total, total]
    0x60, PREFIX_LEN,       // 05 PUSH1 P            code offset
    0x60, 0x00,             // 07 PUSH1 0            memory offset
    0x39,                   // 09 CODECOPY           mem[0..total] = module ‖ args; [total]
    0x60, 0x00,             // 0a PUSH1 0            retSize
    0x60, 0x00,             // 0c PUSH1 0            retOffset
    0x82,                   // 0e DUP3               argsSize = total
    0x60, 0x00,             // 0f PUSH1 0            argsOffset
    0x61, 0x05, 0x7a,       // 11 PUSH2 0x057a       WASM_CONSTRUCTOR
    0x5a,                   // 14 GAS                all the gas (63/64 forwarded)
    0xf4,                   // 15 DELEGATECALL       [success, total]
    0x60, PREFIX_OK,        // 16 PUSH1 ok
    0x57,                   // 18 JUMPI              success → ok
    0x3d,                   // 19 RETURNDATASIZE     size
    0x60, 0x00,             // 1a PUSH1 0            offset
    0x60, 0x00,             // 1c PUSH1 0            memory offset
    0x3e,                   // 1e RETURNDATACOPY     mem[0..rds] = return data
    0x3d,                   // 1f RETURNDATASIZE     size
    0x60, 0x00,             // 20 PUSH1 0            offset
    0xfd,                   // 22 REVERT             revert with the constructor's data
    0x5b,                   // 23 JUMPDEST ok
    0x63, 0, 0, 0, 0,       // 24 PUSH4 len(module)  size
    0x60, PREFIX_LEN,       // 29 PUSH1 P            code offset of the module
    0x60, 0x00,             // 2b PUSH1 0            memory offset
    0x39,                   // 2d CODECOPY           mem[0..len] = module
    0x63, 0, 0, 0, 0,       // 2e PUSH4 len(module)  size
    0x60, 0x00,             // 33 PUSH1 0            offset
    0xf3,                   // 35 RETURN             deploy the module as the code
];

/// The init code of a WASM deployment: [`EVM_PREFIX`] ‖ `module` ‖ `args`.
fn prefixed(module: &[u8], args: &[u8]) -> Result<Bytes, String> {
    let len = u32::try_from(module.len()).map_err(|_| "module too large".to_string())?;
    let mut code = EVM_PREFIX.to_vec();
    code[0x25..0x29].copy_from_slice(&len.to_be_bytes());
    code[0x2f..0x33].copy_from_slice(&len.to_be_bytes());
    code.extend_from_slice(module);
    code.extend_from_slice(args);
    Ok(code.into())
}

/// The init code of a create transaction (or a WASM contract's create) whose data is a
/// WASM deployment payload; the error says why the payload was refused.
pub(crate) fn wasm_init_code(payload: &[u8], engine: &Engine) -> Result<Bytes, String> {
    let (module, args) = weft_wasm::split_deployment(payload).map_err(|e| e.to_string())?;
    weft_wasm::validate(module, &engine.config().limits).map_err(|e| e.to_string())?;
    prefixed(module, args)
}

/// EVM init code that reverts with no data: what a malformed payload becomes.
const REVERT_STUB: [u8; 5] = [0x60, 0x00, 0x60, 0x00, 0xfd];

/// Gives the executor's EVMs WASM-aware `CREATE` and `CREATE2`.
pub(crate) fn weft_instructions<H>(spec: SpecId) -> EthInstructions<EthInterpreter, H>
where
    H: revm::context_interface::Host + CfgAccess,
{
    let mut instructions = EthInstructions::new_mainnet_with_spec(spec);
    let table = instructions.instruction_table_mut();
    table[usize::from(opcode::CREATE)] = Instruction::new(create_wasm_aware::<false, H>);
    table[usize::from(opcode::CREATE2)] = Instruction::new(create_wasm_aware::<true, H>);
    instructions
}

/// Mutable access to the configuration, and the transaction's deploy permission, for
/// [`create_wasm_aware`].
pub(crate) trait CfgAccess {
    fn cfg_mut(&mut self) -> &mut CfgEnv;
    /// Whether the permission plugin refused the transaction's origin the right to deploy.
    fn deploy_denied(&self) -> bool;
}

impl<S: Storage> CfgAccess for WeftContext<'_, S> {
    fn cfg_mut(&mut self) -> &mut CfgEnv {
        &mut self.cfg
    }

    fn deploy_denied(&self) -> bool {
        self.journaled_state.database.deploy_denied
    }
}

impl<S: Storage> CfgAccess for &mut WeftContext<'_, S> {
    fn cfg_mut(&mut self) -> &mut CfgEnv {
        &mut self.cfg
    }

    fn deploy_denied(&self) -> bool {
        self.journaled_state.database.deploy_denied
    }
}

/// `CREATE`/`CREATE2` as revm runs them, except that init code which is a WASM deployment
/// payload (`\0asm…`) becomes the deployment init code a create transaction gets — run as
/// EVM code it would deploy nothing useful (`\0` is `STOP`). The module is validated when
/// the constructor loads it (an invalid one fails the create); a malformed payload reverts.
/// The address follows the EVM's rules over that init code, as for any create of WASM.
/// From then on the transaction's code-size limit is the WASM module limit.
fn create_wasm_aware<const IS_CREATE2: bool, H>(
    context: InstructionContext<'_, H, EthInterpreter>,
) -> InstructionExecResult
where
    H: revm::context_interface::Host + CfgAccess + ?Sized,
{
    let InstructionContext { interpreter, host } = context;
    let result = contract::create::<IS_CREATE2, EthInterpreter, H>(InstructionContext {
        interpreter: &mut *interpreter,
        host: &mut *host,
    });
    if let Some(InterpreterAction::NewFrame(FrameInput::Create(inputs))) =
        interpreter.bytecode.action.as_mut()
    {
        if host.deploy_denied() {
            // The permission plugin refused the origin: the create fails (returns the zero
            // address) as a reverting constructor would.
            inputs.set_init_code(Bytes::from_static(&REVERT_STUB));
        } else if inputs.init_code().starts_with(WASM_MAGIC) {
            let code = match weft_wasm::split_deployment(inputs.init_code()) {
                Ok((module, args)) => prefixed(module, args).unwrap_or(REVERT_STUB.into()),
                Err(_) => Bytes::from_static(&REVERT_STUB),
            };
            inputs.set_init_code(code);
            allow_module_code(host.cfg_mut(), weft_wasm::Limits::default().max_module_size);
        }
    }
    result
}

/// Raises the code-size limit (EIP-170) so that a module of up to `max_module` bytes can
/// be deposited as a contract's code; never lowers it.
fn allow_module_code(cfg: &mut CfgEnv, max_module: usize) {
    let current = cfg.limit_contract_code_size.unwrap_or(0);
    cfg.limit_contract_code_size = Some(max_module.max(current));
}

/// Builds the executor's EVM over `state`.
pub(crate) fn build_evm<'a, S: Storage>(
    state: BlockState<'a, S>,
    cfg: CfgEnv,
    block: BlockEnv,
    engine: Arc<Engine>,
    suite: &'static dyn CryptoSuite,
    plugins: PluginSetup,
) -> WeftEvm<'a, S> {
    let spec = cfg.spec;
    let ctx = Context::mainnet()
        .with_db(state)
        .with_cfg(cfg)
        .with_block(block);
    Evm::new(
        ctx,
        weft_instructions(spec),
        WeftPrecompiles {
            eth: EthPrecompiles::new(spec),
            engine,
            suite,
            wasm_depth: 0,
            plugins,
        },
    )
}

/// How many WASM frames one transaction may nest (directly or through EVM frames between
/// them) with the default engine configuration
/// ([`max_nesting`](weft_wasm::EngineConfig::max_nesting)). Each can use
/// [`max_wasm_stack`](weft_wasm::EngineConfig::max_wasm_stack) of native stack; a call that
/// would nest deeper fails as a call past the EVM's depth limit does.
pub const MAX_WASM_NESTING: usize = 128;

/// Native stack kept free before a WASM frame starts: more than one frame's WASM stack
/// plus the host and revm frames around it. Below it, the frame runs on a fresh segment.
const STACK_RED_ZONE: usize = 1024 * 1024;
/// Size of each fresh stack segment (reserved, committed only as it is touched).
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// Ethereum's precompiles, then WASM contracts and [`WASM_CONSTRUCTOR`].
pub(crate) struct WeftPrecompiles {
    eth: EthPrecompiles,
    engine: Arc<Engine>,
    suite: &'static dyn CryptoSuite,
    /// WASM frames currently running (nested) in this transaction.
    wasm_depth: usize,
    /// System precompiles, plugins and permission checks.
    plugins: PluginSetup,
}

impl<'a, S: Storage> PrecompileProvider<WeftContext<'a, S>> for WeftPrecompiles {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: SpecId) -> bool {
        <EthPrecompiles as PrecompileProvider<WeftContext<'a, S>>>::set_spec(&mut self.eth, spec)
    }

    fn run(
        &mut self,
        ctx: &mut WeftContext<'a, S>,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        if let Some(result) = self.eth.run(ctx, inputs)? {
            return Ok(Some(result));
        }
        let suite_tag = plugins::suite_of(self.suite);
        if let Some(target) = self.plugins.registry.lookup(&inputs.bytecode_address) {
            return Ok(Some(plugins::run(
                &self.plugins,
                ctx,
                inputs,
                target,
                suite_tag,
            )));
        }
        if self.plugins.auth
            && inputs.bytecode_address != WASM_CONSTRUCTOR
            && !inputs.known_bytecode.1.is_empty()
        {
            if let Some(denied) = plugins::check_call(&self.plugins, ctx, inputs, suite_tag) {
                return Ok(Some(denied));
            }
        }
        // Every EVM call frame passes through here: nothing is copied until the callee is
        // known to be WASM.
        let (code_hash, module, entry, frame_input) = if inputs.bytecode_address == WASM_CONSTRUCTOR
        {
            let input = inputs.input.bytes(ctx);
            if inputs.scheme != CallScheme::DelegateCall {
                return Ok(Some(halt(
                    InstructionResult::PrecompileError,
                    inputs.gas_limit,
                )));
            }
            let Ok((module, args)) = weft_wasm::split_deployment(&input) else {
                return Ok(Some(halt(
                    InstructionResult::PrecompileError,
                    inputs.gas_limit,
                )));
            };
            (
                keccak256(module),
                Bytes::copy_from_slice(module),
                Entry::Deploy,
                Bytes::copy_from_slice(args),
            )
        } else {
            let code = inputs.known_bytecode.1.original_byte_slice();
            if !code.starts_with(WASM_MAGIC) {
                return Ok(None);
            }
            (
                inputs.known_bytecode.0,
                // A shared handle on the code, not a copy: the module is only read on a
                // cache miss.
                inputs.known_bytecode.1.original_bytes(),
                Entry::Call,
                inputs.input.bytes(ctx),
            )
        };
        let engine = Arc::clone(&self.engine);
        if self.wasm_depth >= engine.config().max_nesting {
            return Ok(Some(halt(InstructionResult::CallTooDeep, inputs.gas_limit)));
        }
        // The outermost WASM frame of the transaction holds the engine's permit for every
        // frame it nests, which keeps the engine's instance pool from running out.
        let _permit = (self.wasm_depth == 0).then(|| engine.permit());
        let origin = ctx.tx().caller();
        let suite = self.suite;
        self.wasm_depth += 1;
        let mut host = FrameHost {
            ctx,
            precompiles: self,
            input: frame_input,
            caller: inputs.caller,
            address: inputs.target_address,
            origin,
            value: inputs.call_value(),
            is_static: inputs.is_static,
            suite,
            refund: 0,
        };
        // Every WASM frame nested through the EVM recurses on the native stack: run it on a
        // fresh segment when the current one is nearly used up, whatever thread runs it.
        let outcome = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            engine.execute(code_hash.0, &module, entry, &mut host, inputs.gas_limit)
        });
        let refund = host.refund;
        drop(host);
        self.wasm_depth -= 1;
        let outcome = outcome.map_err(|e| e.to_string())?;
        // The transaction's own frame (depth 1) halting on a trap: revm reports the context
        // with the halt, and the receipt gets the WASM status and message.
        if let Status::Trap(kind) = &outcome.status {
            if ctx.journal().depth() == 1 {
                if let Some(context) = trap_context(kind) {
                    ctx.local_mut().set_precompile_error_context(context);
                }
            }
        }
        Ok(Some(to_result(outcome, inputs.gas_limit, refund)))
    }

    fn warm_addresses(&self) -> &AddressSet {
        self.eth.warm_addresses()
    }

    fn contains(&self, address: &Address) -> bool {
        self.eth.contains(address)
    }
}

/// The precompile provider of an EVM nested inside a WASM frame: every call goes back to
/// the root provider with the root context, so the nested EVM's context type (`&mut` of
/// the root one) never nests further.
struct NestedPrecompiles<'p> {
    root: &'p mut WeftPrecompiles,
}

impl<'r, 'a, S: Storage> PrecompileProvider<&'r mut WeftContext<'a, S>> for NestedPrecompiles<'_> {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: SpecId) -> bool {
        <WeftPrecompiles as PrecompileProvider<WeftContext<'a, S>>>::set_spec(self.root, spec)
    }

    fn run(
        &mut self,
        ctx: &mut &'r mut WeftContext<'a, S>,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        self.root.run(&mut **ctx, inputs)
    }

    fn warm_addresses(&self) -> &AddressSet {
        self.root.eth.warm_addresses()
    }

    fn contains(&self, address: &Address) -> bool {
        self.root.eth.contains(address)
    }
}

/// Prefixes of the precompile error context a top-level WASM trap leaves (see
/// [`trap_status`]).
const TRAP_ARGUMENT: &str = "wasm-trap/argument: ";
const TRAP_UNREACHABLE: &str = "wasm-trap/unreachable: ";
const TRAP_OTHER: &str = "wasm-trap/other: ";

/// The halt context of a trap that is neither out of gas nor a static-call violation
/// (those have EVM halts of their own).
fn trap_context(kind: &TrapKind) -> Option<String> {
    let prefix = match kind {
        TrapKind::OutOfGas | TrapKind::StaticViolation => return None,
        TrapKind::ArgumentOutOfRange => TRAP_ARGUMENT,
        TrapKind::Unreachable => TRAP_UNREACHABLE,
        _ => TRAP_OTHER,
    };
    Some(format!("{prefix}{kind}"))
}

/// Halt contexts the executor sets, with the receipt status each stands for.
const HALT_CONTEXTS: [(&str, weft_types::TransactionStatus); 6] = {
    use weft_types::TransactionStatus as S;
    [
        (TRAP_ARGUMENT, S::WasmArgumentOutOfRange),
        (TRAP_UNREACHABLE, S::WasmUnreachableInstruction),
        (TRAP_OTHER, S::WasmTrap),
        (plugins::DENIED, S::PermissionDenied),
        (plugins::FROZEN, S::ContractFrozen),
        (plugins::PLUGIN_FAILED, S::PrecompiledError),
    ]
};

/// The receipt status of a halt with `context`, if the executor set it (a WASM trap, a
/// denied call, a failed plugin).
pub(crate) fn trap_status(context: &str) -> Option<weft_types::TransactionStatus> {
    HALT_CONTEXTS
        .into_iter()
        .find_map(|(prefix, status)| context.starts_with(prefix).then_some(status))
}

/// The message of a halt context the executor set, without its prefix.
pub(crate) fn trap_message(context: &str) -> Option<&str> {
    HALT_CONTEXTS
        .into_iter()
        .find_map(|(prefix, _)| context.strip_prefix(prefix))
}

/// A halt with `result` that spends all of `gas_limit`.
pub(crate) fn halt(result: InstructionResult, gas_limit: u64) -> InterpreterResult {
    let mut gas = Gas::new(gas_limit);
    gas.spend_all();
    InterpreterResult::new(result, Bytes::new(), gas)
}

/// The revm result of a WASM frame: Return/Revert keep the unused gas, traps spend all;
/// a successful frame passes its refunds (storage clears, refunds of its callees) on.
fn to_result(outcome: Outcome, gas_limit: u64, refund: i64) -> InterpreterResult {
    let (result, output) = match outcome.status {
        Status::Return(data) => (InstructionResult::Return, data),
        Status::Revert(data) => (InstructionResult::Revert, data),
        Status::Trap(TrapKind::OutOfGas) => {
            return halt(InstructionResult::OutOfGas, gas_limit);
        }
        Status::Trap(TrapKind::StaticViolation) => {
            return halt(InstructionResult::StateChangeDuringStaticCall, gas_limit);
        }
        Status::Trap(_) => return halt(InstructionResult::PrecompileError, gas_limit),
    };
    let mut gas = Gas::new(gas_limit);
    if !gas.record_regular_cost(outcome.gas_used) {
        return halt(InstructionResult::OutOfGas, gas_limit);
    }
    if result == InstructionResult::Return {
        gas.record_refund(refund);
    }
    InterpreterResult::new(result, output.into(), gas)
}

/// The [`Host`] of one WASM frame over the revm context.
struct FrameHost<'c, 'a, S: Storage> {
    ctx: &'c mut WeftContext<'a, S>,
    /// The root provider, for the EVMs that run this frame's outgoing calls.
    precompiles: &'c mut WeftPrecompiles,
    input: Bytes,
    caller: Address,
    address: Address,
    origin: Address,
    value: U256,
    is_static: bool,
    suite: &'static dyn CryptoSuite,
    /// Gas refunds earned by the frame: its storage clears and its successful callees'.
    refund: i64,
}

fn fatal(e: impl std::fmt::Display) -> HostError {
    HostError::Fatal(e.to_string())
}

impl<'a, S: Storage> FrameHost<'_, 'a, S> {
    /// Runs `frame_input` to completion on an EVM nested in this frame, over the same
    /// context (journal, block, transaction) and the root precompile provider: revm's own
    /// frame loop, so every call it makes (EVM, WASM, precompile) is a revm frame with its
    /// checkpoint, value transfer and depth check.
    fn run_frame(&mut self, frame_input: FrameInput) -> Result<FrameResult, HostError> {
        let spec = *self.ctx.cfg().spec();
        let depth = self.ctx.journal().depth();
        let memory_limit = self.ctx.cfg().memory_limit();
        // The nested frames' memory is a child context of the shared buffer, above what
        // the frames below this one use; it is truncated back when the nested run ends.
        let mut parent =
            SharedMemory::new_with_buffer(self.ctx.local().shared_memory_buffer().clone());
        parent.set_memory_limit(memory_limit);
        let memory = parent.new_child_context();
        let mut evm = Evm::new(
            &mut *self.ctx,
            weft_instructions(spec),
            NestedPrecompiles {
                root: &mut *self.precompiles,
            },
        );
        let result = (|| -> Result<FrameResult, ContextDbError<&mut WeftContext<'a, S>>> {
            let first = FrameInit {
                depth,
                memory,
                frame_input,
            };
            if let ItemOrResult::Result(result) = evm.frame_init(first)? {
                return Ok(result);
            }
            loop {
                let result = match evm.frame_run()? {
                    ItemOrResult::Item(init) => match evm.frame_init(init)? {
                        ItemOrResult::Item(_) => continue,
                        ItemOrResult::Result(result) => result,
                    },
                    ItemOrResult::Result(result) => result,
                };
                if let Some(result) = evm.frame_return_result(result)? {
                    return Ok(result);
                }
            }
        })()
        .map_err(|e| HostError::Fatal(format!("{e:?}")));
        drop(evm);
        parent.free_child_context();
        result
    }

    /// Gas a finished child hands back (EVM rules: all of it on a halt), its refunds
    /// merged on success, and how the caller sees it.
    fn settle(&mut self, result: &InterpreterResult) -> (CallStatus, u64) {
        if result.result.is_ok() {
            self.refund += result.gas.refunded();
            (CallStatus::Success, result.gas.remaining())
        } else if result.result.is_revert() {
            (CallStatus::Revert, result.gas.remaining())
        } else {
            (CallStatus::Failure, 0)
        }
    }
}

impl<S: Storage> Host for FrameHost<'_, '_, S> {
    fn input(&self) -> &[u8] {
        &self.input
    }

    fn storage_load(&mut self, key: [u8; 32]) -> Result<([u8; 32], u64), HostError> {
        let load = self
            .ctx
            .journal_mut()
            .sload(self.address, U256::from_be_bytes(key))
            .map_err(fatal)?;
        let params = self.ctx.cfg().gas_params();
        let gas = params.warm_storage_read_cost()
            + if load.is_cold {
                params.cold_storage_additional_cost()
            } else {
                0
            };
        Ok((load.data.to_be_bytes(), gas))
    }

    fn storage_store(&mut self, key: [u8; 32], value: [u8; 32]) -> Result<u64, HostError> {
        let load = self
            .ctx
            .journal_mut()
            .sstore(
                self.address,
                U256::from_be_bytes(key),
                U256::from_be_bytes(value),
            )
            .map_err(fatal)?;
        // SSTORE's pricing and refunds (EIP-2200/2929/3529), from revm's gas table.
        let params = self.ctx.cfg().gas_params();
        let gas =
            params.sstore_static_gas() + params.sstore_dynamic_gas(true, &load.data, load.is_cold);
        self.refund += params.sstore_refund(true, &load.data);
        Ok(gas)
    }

    fn emit_log(&mut self, topics: &[[u8; 32]], data: &[u8]) -> Result<(), HostError> {
        let topics = topics.iter().map(|t| B256::from(*t)).collect();
        self.ctx.journal_mut().log(Log {
            address: self.address,
            data: LogData::new_unchecked(topics, Bytes::copy_from_slice(data)),
        });
        Ok(())
    }

    fn caller(&self) -> weft_wasm::Address {
        self.caller.0 .0
    }

    fn origin(&self) -> weft_wasm::Address {
        self.origin.0 .0
    }

    fn address(&self) -> weft_wasm::Address {
        self.address.0 .0
    }

    fn call_value(&self) -> Word {
        self.value.to_be_bytes()
    }

    fn block_number(&self) -> u64 {
        self.ctx.block().number().saturating_to()
    }

    fn block_timestamp(&self) -> u64 {
        self.ctx.block().timestamp().saturating_to()
    }

    fn chain_id(&self) -> u64 {
        self.ctx.cfg().chain_id()
    }

    fn is_static(&self) -> bool {
        self.is_static
    }

    fn call_cost(
        &mut self,
        kind: CallKind,
        to: weft_wasm::Address,
        value: Word,
    ) -> Result<u64, HostError> {
        // As CALL's gas before forwarding (EIP-2929/150): the warm access, value transfer,
        // cold account, new account — from revm's own helper and gas table.
        let transfers = kind == CallKind::Call && value != [0; 32];
        let spec = *self.ctx.cfg().spec();
        let (access, _, _, _) = load_account_delegated(
            &mut *self.ctx,
            spec,
            u64::MAX,
            Address::from(to),
            transfers,
            kind == CallKind::Call,
        )
        .map_err(|e| fatal(format!("{e:?}")))?;
        let params = self.ctx.cfg().gas_params();
        let transfer = if transfers {
            params.transfer_value_cost()
        } else {
            0
        };
        Ok(params.warm_storage_read_cost() + transfer + access)
    }

    fn call(
        &mut self,
        kind: CallKind,
        to: weft_wasm::Address,
        value: Word,
        data: &[u8],
        gas: u64,
    ) -> Result<CallResult, HostError> {
        let to = Address::from(to);
        let value = U256::from_be_bytes(value);
        let transfers = kind == CallKind::Call && !value.is_zero();
        let spec = *self.ctx.cfg().spec();
        // Warm since `call_cost`: loads the code (EIP-7702 delegation resolved) at no cost.
        let (_, _, bytecode, code_hash) =
            load_account_delegated(&mut *self.ctx, spec, u64::MAX, to, false, false)
                .map_err(|e| fatal(format!("{e:?}")))?;
        let stipend = if transfers {
            self.ctx.cfg().gas_params().call_stipend()
        } else {
            0
        };
        let (target_address, caller, call_value, scheme) = match kind {
            CallKind::Call => (
                to,
                self.address,
                CallValue::Transfer(value),
                CallScheme::Call,
            ),
            CallKind::StaticCall => (
                to,
                self.address,
                CallValue::Transfer(U256::ZERO),
                CallScheme::StaticCall,
            ),
            CallKind::DelegateCall => (
                self.address,
                self.caller,
                CallValue::Apparent(self.value),
                CallScheme::DelegateCall,
            ),
        };
        let inputs = CallInputs {
            input: CallInput::Bytes(Bytes::copy_from_slice(data)),
            return_memory_offset: 0..0,
            gas_limit: gas.saturating_add(stipend),
            reservoir: 0,
            bytecode_address: to,
            known_bytecode: (code_hash, bytecode),
            target_address,
            caller,
            value: call_value,
            scheme,
            is_static: self.is_static || kind == CallKind::StaticCall,
            charged_new_account_state_gas: false,
        };
        let result = match self.run_frame(FrameInput::Call(Box::new(inputs)))? {
            FrameResult::Call(outcome) => outcome.result,
            FrameResult::Create(outcome) => outcome.result,
        };
        let (status, returned) = self.settle(&result);
        Ok(CallResult {
            status,
            // The stipend is the callee's to spend; whatever it leaves of it is not
            // credited to a WASM caller (the EVM would), so `gas_used <= gas` holds.
            gas_used: gas.saturating_sub(returned),
            return_data: result.output.to_vec(),
        })
    }

    fn create(
        &mut self,
        code: &[u8],
        value: Word,
        salt: Option<[u8; 32]>,
        gas: u64,
    ) -> Result<CreateResult, HostError> {
        let failed = |gas_used| CreateResult {
            status: CallStatus::Failure,
            address: [0; 20],
            gas_used,
            return_data: Vec::new(),
        };
        if self.ctx.journaled_state.database.deploy_denied {
            // The permission plugin refused the transaction's origin the right to deploy.
            return Ok(failed(0));
        }
        // A WASM payload becomes the deployment init code a create transaction gets; an
        // invalid module fails the create as invalid EVM init code would, spending its gas.
        let is_wasm = code.starts_with(WASM_MAGIC);
        let init_code = if is_wasm {
            match wasm_init_code(code, &self.precompiles.engine) {
                Ok(init_code) => init_code,
                Err(_) => return Ok(failed(gas)),
            }
        } else {
            Bytes::copy_from_slice(code)
        };
        // EIP-3860, which CREATE checks before making the frame; a WASM module's own
        // limit was checked by its validation.
        let initcode_limit = if is_wasm {
            usize::MAX
        } else {
            self.ctx.cfg().max_initcode_size()
        };
        if init_code.len() > initcode_limit {
            return Ok(failed(gas));
        }
        let scheme = match salt {
            None => CreateScheme::Create,
            Some(salt) => CreateScheme::Create2 {
                salt: U256::from_be_bytes(salt),
            },
        };
        let inputs = CreateInputs::new(
            self.address,
            scheme,
            U256::from_be_bytes(value),
            init_code,
            gas,
            0,
        );
        // A module may be larger than EIP-170's limit for EVM code: raise the limit for
        // this creation only, as a WASM deployment transaction does.
        let saved = self.ctx.cfg.limit_contract_code_size;
        if is_wasm {
            let max = self.precompiles.engine.config().limits.max_module_size;
            allow_module_code(&mut self.ctx.cfg, max);
        }
        let result = self.run_frame(FrameInput::Create(Box::new(inputs)));
        self.ctx.cfg.limit_contract_code_size = saved;
        let (result, address) = match result? {
            FrameResult::Create(outcome) => (outcome.result, outcome.address),
            FrameResult::Call(outcome) => (outcome.result, None),
        };
        let (status, returned) = self.settle(&result);
        let address = match (status, address) {
            (CallStatus::Success, Some(address)) => address.0 .0,
            (CallStatus::Success, None) => return Ok(failed(gas)),
            _ => [0; 20],
        };
        Ok(CreateResult {
            status,
            address,
            gas_used: gas.saturating_sub(returned),
            // As RETURNDATA after CREATE: the revert data, nothing on success.
            return_data: if status == CallStatus::Revert {
                result.output.to_vec()
            } else {
                Vec::new()
            },
        })
    }

    fn keccak256(&self, data: &[u8]) -> [u8; 32] {
        keccak256(data).0
    }

    fn chain_hash(&self, data: &[u8]) -> [u8; 32] {
        self.suite.hash(data).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_limit_is_the_engines_default() {
        assert_eq!(
            MAX_WASM_NESTING,
            weft_wasm::EngineConfig::default().max_nesting
        );
    }

    #[test]
    fn prefix_layout() {
        assert_eq!(EVM_PREFIX[PREFIX_OK as usize], 0x5b); // JUMPDEST
        assert_eq!(EVM_PREFIX[0x24], 0x63); // PUSH4
        assert_eq!(EVM_PREFIX[0x2e], 0x63); // PUSH4
        assert_eq!(EVM_PREFIX[0x11..0x14], [0x61, 0x05, 0x7a]);
        assert_eq!(&WASM_CONSTRUCTOR.0[18..], &[0x05, 0x7a]);
        assert_eq!(*EVM_PREFIX.last().unwrap_or(&0), 0xf3); // RETURN
    }
}
