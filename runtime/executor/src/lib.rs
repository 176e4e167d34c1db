//! Weft's block executor: runs a block's transactions in order on revm over the ledger's
//! world state, and produces receipts, the block's state changes and its state root.
//!
//! ```text
//!  VerifiedTx… ──▶ Executor::execute_block ──▶ revm (Osaka rules) ──▶ BlockState overlay
//!                        │ per tx: limits → TxEnv → transact → commit to the overlay
//!                        ▼
//!                 receipts + StateChanges ──▶ Executor::build_block ──▶ BlockCommit
//!                                                                (roots sealed; the ledger
//!                                                                 commits it in one batch)
//!  Executor::call / estimate_gas: the same machinery on a throw-away overlay, at any height
//! ```
//!
//! This is the only crate that imports `revm`. Contract failures (revert, out of gas,
//! invalid transaction) are *results* that go into receipts; a storage failure is *fatal*
//! ([`ExecError`]) and aborts the block on this node.
//!
//! The EVM keeps Keccak-256 for its opcode and for contract addresses in both crypto
//! suites, so `solc` output runs unchanged on an SM chain.
//!
//! # WASM contracts
//!
//! Accounts whose code starts with `\0asm` are Weft WASM contracts (`sdk/HOST_API.md`),
//! run by one [`weft_wasm::Engine`] per [`Executor`] (compiled modules are cached across
//! blocks, keyed by code hash):
//!
//! - **Calls into WASM.** The executor's revm precompile provider runs Ethereum's
//!   precompiles, then any call frame whose callee code is WASM on the engine (`call`
//!   export), inside revm's own call frame: depth, checkpoint, value transfer and revert
//!   are revm's. Return and revert keep the unused gas; a trap spends all of it (out of
//!   gas → `OutOfGas`, a write under a static call → the EVM's static-call violation).
//!   When the transaction's own top-level frame is WASM and traps otherwise, its receipt
//!   has FISCO's WASM status — `WasmArgumentOutOfRange` (33) for a host argument out of
//!   range, `WasmUnreachableInstruction` (34), `WasmTrap` (35) for any other trap (memory
//!   out of bounds, stack exhausted, memory or table limit) — and the trap's message as
//!   output; a trap deeper down is a failed call to its caller, as any halt. Storage is priced and refunded from revm's gas table
//!   exactly as `SLOAD`/`SSTORE` (EIP-2929/2200/3529).
//! - **Calls and creates out of WASM.** A WASM frame's `call`/`create` runs a revm frame
//!   loop nested on the same context (journal, block, transaction) with the same precompile
//!   provider, so the callee — EVM, WASM, precompile — is an ordinary revm frame with its
//!   own checkpoint: one journal for both VMs, a revert at any depth undoes every VM's
//!   writes below it, static calls forbid writes in both, reentrancy is the EVM's. The host
//!   charges what `CALL` charges before forwarding (warm/cold account, value transfer, new
//!   account, from revm's helper) and the engine forwards at most 63/64 of what is left; a
//!   halted callee consumes all it was given; refunds of successful callees are merged. One
//!   difference: the 2,300-gas stipend of a value call is the callee's, and what it leaves
//!   of it is not credited to a WASM caller. `create` of a WASM payload validates the
//!   module and deploys it as a create transaction does (code-size limit raised for that
//!   creation only); an invalid module fails the create.
//! - **Nesting.** Each WASM frame may use up to the engine's WASM stack of native stack,
//!   and every WASM→EVM→WASM hop recurses natively, so a frame that starts with less than
//!   1 MiB of native stack left runs on a fresh 8 MiB segment (`stacker`) whatever thread
//!   executes the block; at most [`MAX_WASM_NESTING`] (128) WASM frames nest in one
//!   transaction, past which a call fails as past the EVM's depth limit.
//! - **Deployment.** A create *transaction* (or [`Executor::call`] with `Create`) whose data
//!   starts with `\0asm` is a deployment payload `module ‖ weft.end ‖ constructor args`.
//!   The module is validated first; a refused module gives a receipt with status
//!   `WasmValidationFailure` (32), no gas used, and the reason as output. Otherwise the init
//!   code becomes a hand-assembled EVM prefix followed by the payload: it DELEGATECALLs
//!   the reserved address [`WASM_CONSTRUCTOR`] (`0x…057a`) with the payload, which runs the
//!   module's `deploy` export in the new contract's storage context (caller = deployer),
//!   then returns the module as the contract's code (or reverts with the constructor's
//!   revert data). revm's create frame thus handles addresses, nonces, code deposit and
//!   reverts. For a WASM deployment transaction the code-size limits (EIP-170/3860) are
//!   raised to the engine's module size limit (512 KiB, init code twice that); every other
//!   transaction keeps Ethereum's until it deploys WASM from a contract.
//! - **`CREATE`/`CREATE2` of WASM from EVM contracts.** The executor's EVMs replace revm's
//!   `CREATE`/`CREATE2` with a wrapper: init code that starts with `\0asm` (which revm would
//!   run as EVM code — `\0` is `STOP` — deploying empty code) is replaced by the deployment
//!   init code above before the create frame starts, and the transaction's code-size limit
//!   is raised to the module limit from then on. Addresses follow the EVM's rules over that
//!   init code, the same whichever VM or transaction creates it. The payload is bounded by
//!   EIP-3860's init-code limit (48 KiB) checked before the rewrite.
//! - **Not yet supported:** inspector/tracer visibility inside WASM frames.

#![warn(missing_docs)]

mod plugins;
mod state;
mod wasm;

use std::sync::Arc;

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, Bytes, Log, TxKind, B256, U256};
use revm::context::result::{
    EVMError, ExecResultAndState, ExecutionResult, HaltReason, InvalidTransaction, OutOfGasError,
};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::{DatabaseCommit, ExecuteEvm};
use weft_ledger::{keys, BlockCommit, Ledger, LedgerError};
use weft_storage::Storage;
use weft_types::{BlockHeader, BlockNumber, Receipt, Transaction, TransactionStatus, VerifiedTx};

pub use state::{
    abi_key, account_key, code_key, slot_key, BlockState, CodeCache, StateError, StateVersion,
};
pub use wasm::{MAX_WASM_NESTING, WASM_CONSTRUCTOR, WASM_MAGIC};

/// The EVM rules Weft runs: Osaka, the newest hard fork revm implements (what current
/// `solc` targets by default). Osaka's per-transaction cap of 2^24 gas (EIP-7825) is
/// replaced by the chain's own `tx_gas_limit`, which a consortium configures.
pub const SPEC: SpecId = SpecId::OSAKA;

/// A fatal execution failure: the block cannot be executed on this node.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Reading state failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// revm reported an internal error (not a contract failure).
    #[error("EVM internal error: {0}")]
    Evm(String),
    /// The system precompiles' storage could not be read.
    #[error("precompile state: {0}")]
    Plugin(String),
    /// A read-only call named a height the ledger does not have.
    #[error("block {requested} does not exist; the latest block is {latest}")]
    UnknownBlock {
        /// The height asked for.
        requested: BlockNumber,
        /// The latest height.
        latest: BlockNumber,
    },
}

/// The block-level values a transaction can see.
#[derive(Debug, Clone)]
pub struct BlockContext {
    /// The block's number.
    pub number: BlockNumber,
    /// Milliseconds since the Unix epoch (the EVM sees seconds).
    pub timestamp_ms: u64,
    /// The sealer's account (the EVM's `COINBASE`).
    pub beneficiary: Address,
    /// The parent block's hash (also the EVM's `PREVRANDAO`, which a BFT chain has no
    /// randomness beacon for).
    pub parent_hash: B256,
    /// Gas all the block's transactions may use together.
    pub block_gas_limit: u64,
    /// Gas one transaction may use.
    pub tx_gas_limit: u64,
}

/// What executing a block produced.
#[derive(Debug, Clone)]
pub struct BlockOutcome {
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
    /// The block's state writes.
    pub state: weft_ledger::StateChanges,
    /// Gas used by all transactions.
    pub gas_used: u64,
    /// System config changes made through SystemConfig `0x1000`, effective from the next
    /// block.
    pub config: Vec<(String, String)>,
    /// The node list set through Consensus `0x1003` for the next block, if changed.
    pub nodes: Option<weft_ledger::NodeList>,
}

/// An account as of some block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountView {
    /// The account nonce.
    pub nonce: u64,
    /// The balance.
    pub balance: U256,
    /// The code (empty without code).
    pub code: Bytes,
}

/// A read-only call's request (`call` / `eth_call`).
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    /// The caller (zero if absent).
    pub from: Address,
    /// The callee, or `Create` to run init code.
    pub to: TxKind,
    /// Call data.
    pub data: Bytes,
    /// Value sent.
    pub value: U256,
    /// Gas limit (the chain's transaction gas limit if absent).
    pub gas: Option<u64>,
}

/// What a read-only call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    /// How it ended.
    pub status: TransactionStatus,
    /// Return data or revert data.
    pub output: Bytes,
    /// Gas it used.
    pub gas_used: u64,
    /// Logs it would emit.
    pub logs: Vec<Log>,
}

/// Executes blocks and calls for one chain.
#[derive(Debug, Clone)]
pub struct Executor {
    chain_id: u64,
    engine: Arc<weft_wasm::Engine>,
    codes: CodeCache,
    precompiles: weft_precompiles::Registry,
}

impl Executor {
    /// An executor for the chain with `chain_id` (also the EVM's `CHAINID`), with a WASM
    /// engine whose compiled-module cache lives as long as the executor (and its clones).
    pub fn new(chain_id: u64) -> Self {
        let engine = weft_wasm::Engine::new(weft_wasm::EngineConfig::default())
            .expect("the WASM engine's configuration is supported on this platform");
        Self::with_engine(chain_id, engine)
    }

    /// An executor running WASM contracts on `engine` (e.g. another
    /// [`Backend`](weft_wasm::Backend) or other limits).
    pub fn with_engine(chain_id: u64, engine: weft_wasm::Engine) -> Self {
        Executor {
            chain_id,
            engine: Arc::new(engine),
            codes: CodeCache::default(),
            precompiles: weft_precompiles::Registry::builtins(),
        }
    }

    /// The same executor with `registry`'s precompiles (the built-ins and the loaded
    /// plugins; the built-ins alone by default).
    pub fn with_precompiles(mut self, registry: weft_precompiles::Registry) -> Self {
        self.precompiles = registry;
        self
    }

    /// The precompiles this executor runs.
    pub fn precompiles(&self) -> &weft_precompiles::Registry {
        &self.precompiles
    }

    /// How many WASM modules the executor's engine has compiled so far (cache misses).
    pub fn wasm_compilations(&self) -> u64 {
        self.engine.compilations()
    }

    /// Turn a WASM deployment's init code into the EVM prefix that runs its constructor,
    /// and set the code-size limits for the transaction: the engine's module limit for a
    /// WASM deployment, Ethereum's (EIP-170/3860) for everything else. `Err` with the
    /// reason if the module is refused.
    fn prepare_wasm_create(&self, env: &mut TxEnv, cfg: &mut CfgEnv) -> Result<(), String> {
        let is_wasm = env.kind.is_create() && env.data.starts_with(WASM_MAGIC);
        if is_wasm {
            env.data = wasm::wasm_init_code(&env.data, &self.engine)?;
            let max = self.engine.config().limits.max_module_size;
            cfg.limit_contract_code_size = Some(max);
            cfg.limit_contract_initcode_size = Some(max.saturating_mul(2));
        } else {
            cfg.limit_contract_code_size = None;
            cfg.limit_contract_initcode_size = None;
        }
        Ok(())
    }

    /// The context of the block after the ledger's head.
    pub fn next_block_context<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        timestamp_ms: u64,
        beneficiary: Address,
    ) -> Result<BlockContext, ExecError> {
        let number = ledger.block_number() + 1;
        self.context_at(
            ledger,
            number,
            ledger.head_hash(),
            timestamp_ms,
            beneficiary,
        )
    }

    fn context_at<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        number: BlockNumber,
        parent_hash: B256,
        timestamp_ms: u64,
        beneficiary: Address,
    ) -> Result<BlockContext, ExecError> {
        let config = |key| -> Result<u64, ExecError> {
            ledger.system_config_u64(key, number)?.ok_or_else(|| {
                ExecError::Ledger(LedgerError::Corrupt {
                    what: format!("system config {key}"),
                    reason: "missing".into(),
                })
            })
        };
        Ok(BlockContext {
            number,
            timestamp_ms,
            beneficiary,
            parent_hash,
            block_gas_limit: config(keys::BLOCK_GAS_LIMIT)?,
            tx_gas_limit: config(keys::TX_GAS_LIMIT)?,
        })
    }

    fn cfg(&self, ctx: &BlockContext) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = self.chain_id;
        cfg.tx_gas_limit_cap = Some(ctx.tx_gas_limit);
        cfg
    }

    fn block_env(ctx: &BlockContext) -> BlockEnv {
        BlockEnv {
            number: U256::from(ctx.number),
            beneficiary: ctx.beneficiary,
            timestamp: U256::from(ctx.timestamp_ms / 1000),
            gas_limit: ctx.block_gas_limit,
            basefee: 0,
            difficulty: U256::ZERO,
            prevrandao: Some(ctx.parent_hash),
            ..Default::default()
        }
    }

    /// Execute `txs` in order on the ledger's latest state as block `ctx.number`.
    pub fn execute_block<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        ctx: &BlockContext,
        txs: &[VerifiedTx],
    ) -> Result<BlockOutcome, ExecError> {
        let state =
            BlockState::new(ledger, StateVersion::Latest).with_code_cache(self.codes.clone());
        let setup = plugins::PluginSetup::for_block(&self.precompiles, ledger, ctx.number);
        let suite = plugins::suite_of(ledger.suite());
        let mut evm = wasm::build_evm(
            state,
            self.cfg(ctx),
            Self::block_env(ctx),
            Arc::clone(&self.engine),
            ledger.suite(),
            setup.clone(),
        );
        let mut receipts = Vec::with_capacity(txs.len());
        let mut gas_used = 0u64;
        for tx in txs {
            let limit = tx.tx().gas_limit();
            if limit > ctx.tx_gas_limit || gas_used.saturating_add(limit) > ctx.block_gas_limit {
                // Refused before execution: no gas is used and nothing changes.
                receipts.push(failed(TransactionStatus::OutOfGasLimit, 0));
                continue;
            }
            let (mut env, is_native) = self.tx_env(tx, &mut evm.ctx.journaled_state.database)?;
            if let Err(why) = self.prepare_wasm_create(&mut env, &mut evm.ctx.cfg) {
                // A refused module: nothing executes, no gas is used.
                let mut receipt = failed(TransactionStatus::WasmValidationFailure, 0);
                receipt.output = Bytes::from(why.into_bytes());
                receipts.push(receipt);
                continue;
            }
            evm.ctx.cfg.disable_nonce_check = is_native;
            let (sender, nonce_before, is_create) = (env.caller, env.nonce, env.kind.is_create());
            let tx_env = plugins::tx_env(sender, ctx.number, ctx.timestamp_ms, suite);
            // Whether the origin may deploy holds for every create of the transaction, its
            // own and those its contracts make.
            let db = &mut evm.ctx.journaled_state.database;
            db.deploy_denied = setup.auth
                && plugins::may_deploy(&setup, db, sender, tx_env)
                    != weft_plugin_abi::Verdict::Allow;
            if is_create && db.deploy_denied {
                // Refused before execution: no gas is used and nothing changes.
                let mut receipt = failed(TransactionStatus::PermissionDenied, 0);
                receipt.output =
                    Bytes::from(format!("{sender} may not deploy contracts").into_bytes());
                receipts.push(receipt);
                continue;
            }
            let receipt = match evm.transact(env) {
                Ok(ExecResultAndState { result, mut state }) => {
                    // Only the permission plugin wants to hear of new contracts.
                    let mut created: Vec<Address> = if setup.auth && result.is_success() {
                        state
                            .iter()
                            .filter(|(_, account)| account.is_created())
                            .map(|(address, _)| *address)
                            .collect()
                    } else {
                        Vec::new()
                    };
                    created.sort();
                    if is_native && !is_create {
                        // A native call's replay protection is its random nonce and block
                        // limit, not the account nonce: leave the account nonce to the
                        // Ethereum transactions (and CREATEs) that need it.
                        if let Some(account) = state.get_mut(&sender) {
                            account.info.nonce = nonce_before;
                        }
                    }
                    let db = &mut evm.ctx.journaled_state.database;
                    db.commit(state);
                    plugins::contracts_created(&setup, db, sender, &created, tx_env);
                    let receipt = receipt_of(result, is_create);
                    if let (Some(address), Transaction::Native(signed)) =
                        (receipt.contract_address, tx.tx())
                    {
                        if !signed.tx.abi.is_empty() {
                            db.set_abi(address, signed.tx.abi.clone());
                        }
                    }
                    receipt
                }
                Err(EVMError::Transaction(invalid)) => failed(invalid_status(&invalid), 0),
                Err(e) => return Err(fatal(e)),
            };
            gas_used += receipt.gas_used;
            receipts.push(receipt);
        }
        let db = &mut evm.ctx.journaled_state.database;
        let (config, nodes) = plugins::block_changes(db, ctx.number)
            .map_err(|e| ExecError::Plugin(format!("reading the block's system changes: {e}")))?;
        let state = evm.ctx.journaled_state.database.into_changes()?;
        Ok(BlockOutcome {
            receipts,
            state,
            gas_used,
            config,
            nodes,
        })
    }

    /// Execute `txs` as the block after the ledger's head and assemble the commit, roots
    /// sealed, ready for [`Ledger::commit_block`] once signed.
    pub fn build_block<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        ctx: &BlockContext,
        sealer_index: u64,
        txs: Vec<VerifiedTx>,
    ) -> Result<BlockCommit, ExecError> {
        let outcome = self.execute_block(ledger, ctx, &txs)?;
        let nodes = ledger.node_list(ctx.number)?;
        let mut commit = BlockCommit {
            header: BlockHeader {
                version: weft_ledger::HEADER_VERSION,
                number: ctx.number,
                parent_hash: ctx.parent_hash,
                timestamp: ctx.timestamp_ms,
                gas_used: outcome.gas_used,
                sealer: sealer_index,
                sealer_list: nodes.sealers.iter().map(|s| s.node_id).collect(),
                consensus_weights: nodes.sealers.iter().map(|s| s.weight).collect(),
                ..Default::default()
            },
            signatures: Vec::new(),
            transactions: txs,
            receipts: outcome.receipts,
            state: outcome.state,
            config: outcome.config,
            nodes: outcome.nodes,
        };
        commit.seal_roots(ledger.suite(), &ledger.state_root());
        Ok(commit)
    }

    /// Run a call without committing anything, on the state after block `at` (the latest
    /// block if `None`).
    pub fn call<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<CallOutcome, ExecError> {
        let latest = ledger.block_number();
        let number = at.unwrap_or(latest);
        if number > latest {
            return Err(ExecError::UnknownBlock {
                requested: number,
                latest,
            });
        }
        let (header, _) = ledger.header(number)?.ok_or(ExecError::UnknownBlock {
            requested: number,
            latest,
        })?;
        let ctx = self.context_at(
            ledger,
            number,
            header.parent_hash,
            header.timestamp,
            Address::ZERO,
        )?;
        let version = if at.is_none() {
            StateVersion::Latest
        } else {
            StateVersion::At(number)
        };
        let mut state = BlockState::new(ledger, version).with_code_cache(self.codes.clone());
        let gas_limit = request
            .gas
            .unwrap_or(ctx.tx_gas_limit)
            .min(ctx.block_gas_limit);
        let nonce = revm::Database::basic(&mut state, request.from)?
            .map(|a| a.nonce)
            .unwrap_or(0);
        let mut cfg = self.cfg(&ctx);
        cfg.disable_nonce_check = true;
        let setup = plugins::PluginSetup::for_block(&self.precompiles, ledger, ctx.number);
        let mut evm = wasm::build_evm(
            state,
            cfg,
            Self::block_env(&ctx),
            Arc::clone(&self.engine),
            ledger.suite(),
            setup,
        );
        let mut env = TxEnv {
            tx_type: 0,
            caller: request.from,
            gas_limit,
            gas_price: 0,
            kind: request.to,
            value: request.value,
            data: request.data.clone(),
            nonce,
            chain_id: Some(self.chain_id),
            ..Default::default()
        };
        if let Err(why) = self.prepare_wasm_create(&mut env, &mut evm.ctx.cfg) {
            return Ok(CallOutcome {
                status: TransactionStatus::WasmValidationFailure,
                output: Bytes::from(why.into_bytes()),
                gas_used: 0,
                logs: Vec::new(),
            });
        }
        match evm.transact(env) {
            Ok(result) => {
                let receipt = receipt_of(result.result, request.to.is_create());
                Ok(CallOutcome {
                    status: receipt.status,
                    output: receipt.output,
                    gas_used: receipt.gas_used,
                    logs: receipt.logs,
                })
            }
            Err(EVMError::Transaction(invalid)) => Ok(CallOutcome {
                status: invalid_status(&invalid),
                output: Bytes::from(invalid.to_string().into_bytes()),
                gas_used: 0,
                logs: Vec::new(),
            }),
            Err(e) => Err(fatal(e)),
        }
    }

    /// The least gas limit with which `request` succeeds, found by binary search between
    /// the gas it used and the chain's transaction limit. If it fails even with the
    /// largest limit, that failure is returned.
    pub fn estimate_gas<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        request: &CallRequest,
        at: Option<BlockNumber>,
    ) -> Result<Result<u64, CallOutcome>, ExecError> {
        let mut probe = request.clone();
        probe.gas = None;
        let first = self.call(ledger, &probe, at)?;
        if !first.status.is_success() {
            return Ok(Err(first));
        }
        let ctx_limit = request.gas.unwrap_or(u64::MAX);
        let number = at.unwrap_or(ledger.block_number());
        let cap = ledger
            .system_config_u64(keys::TX_GAS_LIMIT, number)?
            .unwrap_or(u64::MAX)
            .min(ctx_limit);
        // Refunds and the 63/64 rule mean the limit needed can exceed the gas used.
        let (mut low, mut high) = (first.gas_used.saturating_sub(1), cap);
        while low + 1 < high {
            let mid = low + (high - low) / 2;
            probe.gas = Some(mid);
            if self.call(ledger, &probe, at)?.status.is_success() {
                high = mid;
            } else {
                low = mid;
            }
        }
        Ok(Ok(high))
    }

    fn state_version<S: Storage>(
        ledger: &Ledger<S>,
        at: Option<BlockNumber>,
    ) -> Result<StateVersion, ExecError> {
        match at {
            None => Ok(StateVersion::Latest),
            Some(n) if n <= ledger.block_number() => Ok(StateVersion::At(n)),
            Some(n) => Err(ExecError::UnknownBlock {
                requested: n,
                latest: ledger.block_number(),
            }),
        }
    }

    /// An account's nonce, balance and code after block `at` (latest if `None`).
    pub fn account<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        address: &Address,
        at: Option<BlockNumber>,
    ) -> Result<AccountView, ExecError> {
        let mut state = BlockState::new(ledger, Self::state_version(ledger, at)?)
            .with_code_cache(self.codes.clone());
        let Some(info) = revm::Database::basic(&mut state, *address)? else {
            return Ok(AccountView::default());
        };
        let code = revm::Database::code_by_hash(&mut state, info.code_hash)?;
        Ok(AccountView {
            nonce: info.nonce,
            balance: info.balance,
            code: code.original_bytes(),
        })
    }

    /// A storage slot of `address` after block `at` (latest if `None`).
    pub fn storage_at<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        address: &Address,
        slot: &U256,
        at: Option<BlockNumber>,
    ) -> Result<U256, ExecError> {
        let mut state = BlockState::new(ledger, Self::state_version(ledger, at)?)
            .with_code_cache(self.codes.clone());
        Ok(revm::Database::storage(&mut state, *address, *slot)?)
    }

    /// The ABI a native deployment stored for the contract at `address`.
    pub fn abi<S: Storage>(
        &self,
        ledger: &Ledger<S>,
        address: &Address,
    ) -> Result<Option<String>, ExecError> {
        let state =
            BlockState::new(ledger, StateVersion::Latest).with_code_cache(self.codes.clone());
        match state.read_raw(&abi_key(address))? {
            Some(raw) => Ok(Some(String::from_utf8_lossy(&raw).into_owned())),
            None => Ok(None),
        }
    }

    /// The revm transaction of `tx`, and whether it is native (random nonce: revm's
    /// account-nonce check is off, but CREATE still uses and bumps the account nonce).
    fn tx_env<S: Storage>(
        &self,
        tx: &VerifiedTx,
        state: &mut BlockState<'_, S>,
    ) -> Result<(TxEnv, bool), ExecError> {
        let sender = tx.sender();
        Ok(match tx.tx() {
            Transaction::Native(signed) => {
                let nonce = revm::Database::basic(state, sender)?
                    .map(|a| a.nonce)
                    .unwrap_or(0);
                let env = TxEnv {
                    tx_type: 0,
                    caller: sender,
                    gas_limit: signed.tx.gas_limit,
                    gas_price: 0,
                    kind: signed.tx.to,
                    value: signed.tx.value,
                    data: signed.tx.input.clone(),
                    nonce,
                    chain_id: Some(signed.tx.chain_id),
                    ..Default::default()
                };
                (env, true)
            }
            Transaction::Ethereum(eth) => {
                let e = eth.envelope();
                let env = TxEnv {
                    tx_type: e.tx_type() as u8,
                    caller: sender,
                    gas_limit: e.gas_limit(),
                    gas_price: e.max_fee_per_gas(),
                    kind: e.kind(),
                    value: e.value(),
                    data: e.input().clone(),
                    nonce: e.nonce(),
                    chain_id: e.chain_id(),
                    access_list: e.access_list().cloned().unwrap_or_default(),
                    gas_priority_fee: e.max_priority_fee_per_gas(),
                    ..Default::default()
                };
                (env, false)
            }
        })
    }
}

fn failed(status: TransactionStatus, gas_used: u64) -> Receipt {
    Receipt {
        status,
        gas_used,
        output: Bytes::new(),
        logs: Vec::new(),
        contract_address: None,
    }
}

fn fatal<E: std::fmt::Display>(e: EVMError<StateError, E>) -> ExecError {
    match e {
        EVMError::Database(db) => ExecError::State(db),
        other => ExecError::Evm(other.to_string()),
    }
}

/// The receipt of a finished execution.
fn receipt_of(result: ExecutionResult<HaltReason>, is_create: bool) -> Receipt {
    match result {
        ExecutionResult::Success {
            gas, logs, output, ..
        } => {
            let contract_address = match &output {
                revm::context::result::Output::Create(_, address) if is_create => *address,
                _ => None,
            };
            Receipt {
                status: TransactionStatus::Success,
                gas_used: gas.tx_gas_used(),
                output: match output {
                    revm::context::result::Output::Call(data) => data,
                    revm::context::result::Output::Create(_, _) => Bytes::new(),
                },
                logs,
                contract_address,
            }
        }
        ExecutionResult::Revert { gas, output, .. } => Receipt {
            status: TransactionStatus::RevertInstruction,
            gas_used: gas.tx_gas_used(),
            output,
            logs: Vec::new(),
            contract_address: None,
        },
        ExecutionResult::Halt { reason, gas, .. } => {
            let mut receipt = failed(halt_status(&reason), gas.tx_gas_used());
            // A WASM trap's message (`wasm::trap_context`) tells the sender what happened.
            if let HaltReason::PrecompileErrorWithContext(message) = &reason {
                if let Some(what) = wasm::trap_message(message) {
                    receipt.output = Bytes::copy_from_slice(what.as_bytes());
                }
            }
            receipt
        }
    }
}

fn halt_status(reason: &HaltReason) -> TransactionStatus {
    use TransactionStatus as S;
    match reason {
        HaltReason::OutOfGas(
            OutOfGasError::Basic | OutOfGasError::Memory | OutOfGasError::MemoryLimit,
        ) => S::OutOfGas,
        HaltReason::OutOfGas(_) => S::OutOfGas,
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode | HaltReason::NotActivated => {
            S::BadInstruction
        }
        HaltReason::InvalidJump => S::BadJumpDestination,
        HaltReason::StackUnderflow => S::StackUnderflow,
        HaltReason::StackOverflow | HaltReason::CallTooDeep => S::OutOfStack,
        HaltReason::CreateCollision => S::ContractAddressAlreadyUsed,
        HaltReason::PrecompileErrorWithContext(message) => {
            wasm::trap_status(message).unwrap_or(S::PrecompiledError)
        }
        HaltReason::PrecompileError => S::PrecompiledError,
        HaltReason::OutOfFunds | HaltReason::OverflowPayment => S::NotEnoughCash,
        HaltReason::CreateContractSizeLimit
        | HaltReason::CreateInitCodeSizeLimit
        | HaltReason::CreateContractStartingWithEF => S::OutOfGasLimit,
        _ => S::Unknown,
    }
}

fn invalid_status(invalid: &InvalidTransaction) -> TransactionStatus {
    use TransactionStatus as S;
    match invalid {
        InvalidTransaction::NonceTooHigh { .. } | InvalidTransaction::NonceTooLow { .. } => {
            S::NonceCheckFail
        }
        InvalidTransaction::InvalidChainId | InvalidTransaction::MissingChainId => {
            S::InvalidChainId
        }
        InvalidTransaction::LackOfFundForMaxFee { .. } => S::NotEnoughCash,
        InvalidTransaction::CallerGasLimitMoreThanBlock
        | InvalidTransaction::CallGasCostMoreThanGasLimit { .. }
        | InvalidTransaction::GasFloorMoreThanGasLimit { .. } => S::OutOfGasLimit,
        _ => S::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_fisco_codes() {
        assert_eq!(halt_status(&HaltReason::InvalidJump).code(), 11);
        assert_eq!(
            halt_status(&HaltReason::OutOfGas(OutOfGasError::Basic)).code(),
            12
        );
        assert_eq!(
            invalid_status(&InvalidTransaction::NonceTooLow { tx: 1, state: 2 }).code(),
            10000
        );
    }
}
