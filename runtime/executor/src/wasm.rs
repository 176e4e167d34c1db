//! WASM contracts inside revm: a precompile provider that runs accounts whose code starts
//! with `\0asm` on [`weft_wasm::Engine`], and the EVM init-code prefix that deploys them.
//!
//! See the crate documentation for what this slice supports.

use std::sync::Arc;

use alloy_primitives::{keccak256, Address, Bytes, Log, LogData, B256, U256};
use revm::context::{BlockEnv, CfgEnv, Context, Evm, Journal, TxEnv};
use revm::context_interface::{Block, Cfg, ContextTr, JournalTr, Transaction};
use revm::handler::instructions::EthInstructions;
use revm::handler::{EthFrame, EthPrecompiles, PrecompileProvider};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::{CallInputs, CallScheme, Gas, InstructionResult, InterpreterResult};
use revm::primitives::hardfork::SpecId;
use revm::primitives::AddressSet;
use revm::MainContext;
use weft_crypto::CryptoSuite;
use weft_storage::Storage;
use weft_wasm::{
    CallKind, CallResult, CallStatus, CreateResult, Engine, Entry, Host, HostError, Outcome,
    Status, TrapKind, Word,
};

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

/// Why a WASM deployment payload was refused before execution.
pub(crate) fn wasm_init_code(payload: &[u8], engine: &Engine) -> Result<Bytes, String> {
    let (module, args) = weft_wasm::split_deployment(payload).map_err(|e| e.to_string())?;
    weft_wasm::validate(module, &engine.config().limits).map_err(|e| e.to_string())?;
    let len = u32::try_from(module.len()).map_err(|_| "module too large".to_string())?;
    let mut code = EVM_PREFIX.to_vec();
    code[0x25..0x29].copy_from_slice(&len.to_be_bytes());
    code[0x2f..0x33].copy_from_slice(&len.to_be_bytes());
    code.extend_from_slice(module);
    code.extend_from_slice(args);
    Ok(code.into())
}

/// Builds the executor's EVM over `state`.
pub(crate) fn build_evm<'a, S: Storage>(
    state: BlockState<'a, S>,
    cfg: CfgEnv,
    block: BlockEnv,
    engine: Arc<Engine>,
    suite: &'static dyn CryptoSuite,
) -> WeftEvm<'a, S> {
    let spec = cfg.spec;
    let ctx = Context::mainnet()
        .with_db(state)
        .with_cfg(cfg)
        .with_block(block);
    Evm::new(
        ctx,
        EthInstructions::new_mainnet_with_spec(spec),
        WeftPrecompiles {
            eth: EthPrecompiles::new(spec),
            engine,
            suite,
        },
    )
}

/// Ethereum's precompiles, then WASM contracts and [`WASM_CONSTRUCTOR`].
pub(crate) struct WeftPrecompiles {
    eth: EthPrecompiles,
    engine: Arc<Engine>,
    suite: &'static dyn CryptoSuite,
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
        let input = inputs.input.bytes(ctx);
        let (code_hash, module, entry, frame_input) = if inputs.bytecode_address == WASM_CONSTRUCTOR
        {
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
                Bytes::copy_from_slice(code),
                Entry::Call,
                input,
            )
        };
        let origin = ctx.tx().caller();
        let mut host = FrameHost {
            ctx,
            input: frame_input,
            caller: inputs.caller,
            address: inputs.target_address,
            origin,
            value: inputs.call_value(),
            is_static: inputs.is_static,
            suite: self.suite,
        };
        let outcome = self
            .engine
            .execute(code_hash.0, &module, entry, &mut host, inputs.gas_limit)
            .map_err(|e| e.to_string())?;
        Ok(Some(to_result(outcome, inputs.gas_limit)))
    }

    fn warm_addresses(&self) -> &AddressSet {
        self.eth.warm_addresses()
    }

    fn contains(&self, address: &Address) -> bool {
        self.eth.contains(address)
    }
}

fn halt(result: InstructionResult, gas_limit: u64) -> InterpreterResult {
    let mut gas = Gas::new(gas_limit);
    gas.spend_all();
    InterpreterResult::new(result, Bytes::new(), gas)
}

/// The revm result of a WASM frame: Return/Revert keep the unused gas, traps spend all.
fn to_result(outcome: Outcome, gas_limit: u64) -> InterpreterResult {
    let (result, output) = match outcome.status {
        Status::Return(data) => (InstructionResult::Return, data),
        Status::Revert(data) => (InstructionResult::Revert, data),
        Status::Trap(TrapKind::OutOfGas) => {
            return halt(InstructionResult::OutOfGas, gas_limit);
        }
        Status::Trap(_) => return halt(InstructionResult::PrecompileError, gas_limit),
    };
    let mut gas = Gas::new(gas_limit);
    if !gas.record_regular_cost(outcome.gas_used) {
        return halt(InstructionResult::OutOfGas, gas_limit);
    }
    InterpreterResult::new(result, output.into(), gas)
}

/// The [`Host`] of one WASM frame over the revm context.
struct FrameHost<'c, 'a, S: Storage> {
    ctx: &'c mut WeftContext<'a, S>,
    input: Bytes,
    caller: Address,
    address: Address,
    origin: Address,
    value: U256,
    is_static: bool,
    suite: &'static dyn CryptoSuite,
}

fn fatal(e: impl std::fmt::Display) -> HostError {
    HostError::Fatal(e.to_string())
}

const COLD_SLOAD: u64 = 2100;
const WARM_READ: u64 = 100;
const SSTORE_SET: u64 = 20_000;
const SSTORE_RESET: u64 = 2900;

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
        let gas = if load.is_cold { COLD_SLOAD } else { WARM_READ };
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
        let r = &load.data;
        // EIP-2200/2929 pricing; refunds (EIP-3529) are not granted in this slice.
        let mut gas = if r.new_value == r.present_value || r.original_value != r.present_value {
            WARM_READ
        } else if r.original_value.is_zero() {
            SSTORE_SET
        } else {
            SSTORE_RESET
        };
        if load.is_cold {
            gas += COLD_SLOAD;
        }
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
        _kind: CallKind,
        _to: weft_wasm::Address,
        _value: Word,
    ) -> Result<u64, HostError> {
        Ok(0)
    }

    fn call(
        &mut self,
        _kind: CallKind,
        _to: weft_wasm::Address,
        _value: Word,
        _data: &[u8],
        _gas: u64,
    ) -> Result<CallResult, HostError> {
        // Outgoing calls from WASM are not supported yet: a failure, no state change.
        Ok(CallResult {
            status: CallStatus::Failure,
            gas_used: 0,
            return_data: Vec::new(),
        })
    }

    fn create(
        &mut self,
        _code: &[u8],
        _value: Word,
        _salt: Option<[u8; 32]>,
        _gas: u64,
    ) -> Result<CreateResult, HostError> {
        // Creates from WASM are not supported yet: a failure, no state change.
        Ok(CreateResult {
            status: CallStatus::Failure,
            address: [0; 20],
            gas_used: 0,
            return_data: Vec::new(),
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
    fn prefix_layout() {
        assert_eq!(EVM_PREFIX[PREFIX_OK as usize], 0x5b); // JUMPDEST
        assert_eq!(EVM_PREFIX[0x24], 0x63); // PUSH4
        assert_eq!(EVM_PREFIX[0x2e], 0x63); // PUSH4
        assert_eq!(EVM_PREFIX[0x11..0x14], [0x61, 0x05, 0x7a]);
        assert_eq!(&WASM_CONSTRUCTOR.0[18..], &[0x05, 0x7a]);
        assert_eq!(*EVM_PREFIX.last().unwrap_or(&0), 0xf3); // RETURN
    }
}
