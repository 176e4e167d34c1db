//! Precompiles beyond Ethereum's: the built-in system precompiles and the loaded plugins
//! of a [`Registry`], run against revm's journal, and the permission checks of a chain
//! whose genesis turns them on.
//!
//! A plugin's storage is a namespace of byte keys and byte values kept in the storage
//! slots of its namespace account (its first address): a value of `n` bytes at key `k`
//! has a header slot `keccak256(k)` holding `n + 1` and `⌈n / 32⌉` data slots from
//! `keccak256(header slot)`. The slots are ordinary journaled storage, so a revert anywhere
//! undoes plugin writes with the VMs', and the state root covers them.

use std::sync::Arc;

use alloy_primitives::{keccak256, Address, Bytes, Log, LogData, B256, U256};
use revm::context_interface::journaled_state::account::JournaledAccountTr;
use revm::context_interface::{Block, ContextTr, JournalTr, Transaction};
use revm::interpreter::{CallInputs, CallScheme, Gas, InstructionResult, InterpreterResult};
use revm::Database;
use weft_ledger::{keys, Ledger, NodeList};
use weft_plugin_abi::ffi::{self, gas};
use weft_plugin_abi::{AuthKind, AuthRequest, CallError, Env, Host, HostError, Suite, Verdict};
use weft_precompiles::{Builtin, LoadedPlugin, PluginOutcome, Registry, SystemHost, Target};
use weft_storage::Storage;

use crate::state::BlockState;
use crate::wasm::{halt, WeftContext};

/// Gas a permission question may use (not charged to the transaction).
const AUTH_HOOK_GAS: u64 = 10_000_000;

/// Prefix of the halt context of a denied call (receipt status `PermissionDenied`).
pub(crate) const DENIED: &str = "weft/permission-denied: ";
/// Prefix of the halt context of a call to a frozen contract (`ContractFrozen`).
pub(crate) const FROZEN: &str = "weft/contract-frozen: ";
/// Prefix of the halt context of a failed or panicking plugin (`PrecompiledError`).
pub(crate) const PLUGIN_FAILED: &str = "weft/precompile-failed: ";

/// The precompile set of one block's execution.
#[derive(Debug, Clone, Default)]
pub(crate) struct PluginSetup {
    pub registry: Registry,
    /// The chain's admin accounts (genesis).
    pub admins: Arc<Vec<Address>>,
    /// Whether permissions are checked in this block.
    pub auth: bool,
}

impl PluginSetup {
    /// The setup for executing block `number` of `ledger`'s chain.
    pub fn for_block<S: Storage>(registry: &Registry, ledger: &Ledger<S>, number: u64) -> Self {
        let auth = registry.auth_plugin().is_some()
            && matches!(ledger.system_config(keys::AUTH_CHECK, number), Ok(Some((v, _))) if v == "1");
        PluginSetup {
            registry: registry.clone(),
            admins: Arc::new(ledger.genesis().admins.clone()),
            auth,
        }
    }

    /// The permission plugin, when permissions are checked.
    fn auth_plugin(&self) -> Option<&LoadedPlugin> {
        if self.auth {
            self.registry.auth_plugin()
        } else {
            None
        }
    }
}

/// Where plugin storage, logs and chain settings come from.
trait Access {
    fn sload(&mut self, address: Address, slot: U256) -> Result<U256, HostError>;
    fn sstore(&mut self, address: Address, slot: U256, value: U256) -> Result<(), HostError>;
    /// Make sure the namespace account survives the block (an empty account is dropped,
    /// with its storage).
    fn keep_account(&mut self, address: Address) -> Result<(), HostError>;
    fn log(&mut self, log: Log) -> Result<(), HostError>;
    fn system_config(&mut self, key: &str, number: u64)
        -> Result<Option<(String, u64)>, HostError>;
    fn node_list(&mut self, number: u64) -> Result<NodeList, HostError>;
}

fn failed(e: impl std::fmt::Display) -> HostError {
    tracing::error!(error = %e, "plugin host failure");
    HostError::Failed
}

/// Access through revm's journal: everything is journaled with the VMs.
struct JournalAccess<'c, 'a, S: Storage>(&'c mut WeftContext<'a, S>);

impl<S: Storage> Access for JournalAccess<'_, '_, S> {
    fn sload(&mut self, address: Address, slot: U256) -> Result<U256, HostError> {
        let journal = self.0.journal_mut();
        journal.load_account(address).map_err(failed)?;
        Ok(journal.sload(address, slot).map_err(failed)?.data)
    }

    fn sstore(&mut self, address: Address, slot: U256, value: U256) -> Result<(), HostError> {
        let journal = self.0.journal_mut();
        journal.load_account(address).map_err(failed)?;
        journal.sstore(address, slot, value).map_err(failed)?;
        Ok(())
    }

    fn keep_account(&mut self, address: Address) -> Result<(), HostError> {
        let journal = self.0.journal_mut();
        let mut account = journal.load_account_mut(address).map_err(failed)?;
        if account.data.nonce() == 0 {
            account.data.bump_nonce();
        }
        Ok(())
    }

    fn log(&mut self, log: Log) -> Result<(), HostError> {
        self.0.journal_mut().log(log);
        Ok(())
    }

    fn system_config(
        &mut self,
        key: &str,
        number: u64,
    ) -> Result<Option<(String, u64)>, HostError> {
        self.0
            .journal()
            .db()
            .ledger()
            .system_config(key, number)
            .map_err(failed)
    }

    fn node_list(&mut self, number: u64) -> Result<NodeList, HostError> {
        self.0
            .journal()
            .db()
            .ledger()
            .node_list(number)
            .map_err(failed)
    }
}

/// Access to a block's pending state between transactions (permission questions before a
/// transaction starts, notifications after it ended). Not journaled: only used where no
/// revert can follow.
pub(crate) struct StateAccess<'c, 'a, S: Storage>(pub &'c mut BlockState<'a, S>);

impl<S: Storage> Access for StateAccess<'_, '_, S> {
    fn sload(&mut self, address: Address, slot: U256) -> Result<U256, HostError> {
        self.0.storage(address, slot).map_err(failed)
    }

    fn sstore(&mut self, address: Address, slot: U256, value: U256) -> Result<(), HostError> {
        self.0.write_slot(address, slot, value);
        Ok(())
    }

    fn keep_account(&mut self, address: Address) -> Result<(), HostError> {
        self.0.keep_account(address).map_err(failed)
    }

    fn log(&mut self, _log: Log) -> Result<(), HostError> {
        Ok(())
    }

    fn system_config(
        &mut self,
        key: &str,
        number: u64,
    ) -> Result<Option<(String, u64)>, HostError> {
        self.0.ledger().system_config(key, number).map_err(failed)
    }

    fn node_list(&mut self, number: u64) -> Result<NodeList, HostError> {
        self.0.ledger().node_list(number).map_err(failed)
    }
}

fn header_slot(key: &[u8]) -> U256 {
    U256::from_be_bytes(keccak256(key).0)
}

/// The slot of a value's first data word; word `i` is at `base.wrapping_add(i)`.
fn data_base(header: U256) -> U256 {
    U256::from_be_bytes(keccak256(header.to_be_bytes::<32>()).0)
}

fn data_slot(base: U256, word: usize) -> U256 {
    base.wrapping_add(U256::from(word))
}

fn words(len: usize) -> usize {
    len.div_ceil(32)
}

/// The [`Host`] of one plugin or built-in call.
struct PluginHost<'x, A: Access> {
    access: &'x mut A,
    setup: &'x PluginSetup,
    env: Env,
    namespace: Address,
    gas_used: u64,
    /// Permission questions being answered (a permission plugin asking one is refused).
    in_hook: bool,
}

impl<A: Access> PluginHost<'_, A> {
    fn stored_len(&mut self, header: U256) -> Result<Option<usize>, HostError> {
        let raw = self.access.sload(self.namespace, header)?;
        if raw.is_zero() {
            return Ok(None);
        }
        let len = usize::try_from(raw - U256::from(1)).map_err(failed)?;
        if len > ffi::MAX_VALUE_LEN {
            return Err(failed(format!(
                "plugin value of {len} bytes in {}",
                self.namespace
            )));
        }
        Ok(Some(len))
    }

    fn writable(&self, key: &[u8], value: &[u8]) -> Result<(), HostError> {
        if self.env.is_static {
            return Err(HostError::StaticWrite);
        }
        if key.len() > ffi::MAX_KEY_LEN || value.len() > ffi::MAX_VALUE_LEN {
            return Err(HostError::TooLarge);
        }
        Ok(())
    }

    /// Write `value` (`None` removes) at `key`.
    fn put(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), HostError> {
        let header = header_slot(key);
        let old = self.stored_len(header)?.map_or(0, words);
        let new = value.map_or(0, |v| words(v.len()));
        self.access.keep_account(self.namespace)?;
        let head = value.map_or(U256::ZERO, |v| U256::from(v.len() + 1));
        self.access.sstore(self.namespace, header, head)?;
        let base = data_base(header);
        if let Some(value) = value {
            for (i, chunk) in value.chunks(32).enumerate() {
                let mut word = [0u8; 32];
                word[..chunk.len()].copy_from_slice(chunk);
                self.access.sstore(
                    self.namespace,
                    data_slot(base, i),
                    U256::from_be_bytes(word),
                )?;
            }
        }
        for i in new..old {
            self.access
                .sstore(self.namespace, data_slot(base, i), U256::ZERO)?;
        }
        Ok(())
    }
}

impl<A: Access> Host for PluginHost<'_, A> {
    fn env(&self) -> Env {
        self.env
    }

    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        if key.len() > ffi::MAX_KEY_LEN {
            return Err(HostError::TooLarge);
        }
        self.charge_gas(gas::STORAGE_READ)?;
        let header = header_slot(key);
        let Some(len) = self.stored_len(header)? else {
            return Ok(None);
        };
        self.charge_gas(gas::STORAGE_READ_WORD * words(len) as u64)?;
        let mut value = Vec::with_capacity(words(len) * 32);
        let base = data_base(header);
        for i in 0..words(len) {
            let word = self.access.sload(self.namespace, data_slot(base, i))?;
            value.extend_from_slice(&word.to_be_bytes::<32>());
        }
        value.truncate(len);
        Ok(Some(value))
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), HostError> {
        self.writable(key, value)?;
        self.charge_gas(gas::STORAGE_WRITE + gas::STORAGE_WRITE_WORD * words(value.len()) as u64)?;
        self.put(key, Some(value))
    }

    fn remove(&mut self, key: &[u8]) -> Result<(), HostError> {
        self.writable(key, &[])?;
        self.charge_gas(gas::STORAGE_WRITE)?;
        self.put(key, None)
    }

    fn emit_log(&mut self, topics: &[B256], data: &[u8]) -> Result<(), HostError> {
        if self.env.is_static {
            return Err(HostError::StaticWrite);
        }
        if topics.len() > ffi::MAX_LOG_TOPICS || data.len() > ffi::MAX_VALUE_LEN {
            return Err(HostError::TooLarge);
        }
        self.charge_gas(
            gas::LOG + gas::LOG_TOPIC * topics.len() as u64 + gas::LOG_BYTE * data.len() as u64,
        )?;
        self.access.log(Log {
            address: self.env.address,
            data: LogData::new_unchecked(topics.to_vec(), Bytes::copy_from_slice(data)),
        })
    }

    fn charge_gas(&mut self, amount: u64) -> Result<(), HostError> {
        match self.gas_used.checked_add(amount) {
            Some(used) if used <= self.env.gas_limit => {
                self.gas_used = used;
                Ok(())
            }
            _ => {
                self.gas_used = self.env.gas_limit;
                Err(HostError::OutOfGas)
            }
        }
    }

    fn authorize(&mut self, request: &AuthRequest) -> Result<bool, HostError> {
        if self.in_hook {
            return Err(HostError::Failed);
        }
        let verdict = ask(&mut *self.access, self.setup, request, &self.env)?;
        Ok(verdict == Verdict::Allow)
    }

    fn is_admin(&mut self, account: Address) -> Result<bool, HostError> {
        Ok(self.setup.admins.contains(&account))
    }
}

impl<A: Access> SystemHost for PluginHost<'_, A> {
    fn system_config(&mut self, key: &str) -> Result<Option<(String, u64)>, HostError> {
        self.access.system_config(key, self.env.block_number)
    }

    fn node_list(&mut self) -> Result<NodeList, HostError> {
        self.access.node_list(self.env.block_number)
    }
}

/// Ask the permission plugin (allowed when permissions are off).
fn ask<A: Access>(
    access: &mut A,
    setup: &PluginSetup,
    request: &AuthRequest,
    env: &Env,
) -> Result<Verdict, HostError> {
    let Some(plugin) = setup.auth_plugin() else {
        return Ok(Verdict::Allow);
    };
    let mut host = PluginHost {
        access,
        setup,
        env: Env {
            caller: request.account,
            address: plugin.namespace(),
            gas_limit: AUTH_HOOK_GAS,
            is_static: false,
            ..*env
        },
        namespace: plugin.namespace(),
        gas_used: 0,
        in_hook: true,
    };
    plugin.authorize(&mut host, request).map_err(|outcome| {
        tracing::error!(
            plugin = plugin.name(),
            ?outcome,
            "the permission plugin failed"
        );
        HostError::Failed
    })
}

fn env_of<S: Storage>(ctx: &WeftContext<'_, S>, inputs: &CallInputs, suite: Suite) -> Env {
    Env {
        caller: inputs.caller,
        origin: ctx.tx().caller(),
        address: inputs.bytecode_address,
        block_number: ctx.block().number().saturating_to(),
        timestamp_ms: ctx.block().timestamp().saturating_to(),
        gas_limit: inputs.gas_limit,
        is_static: inputs.is_static,
        suite,
    }
}

/// A halt spending all gas, with a context that names the receipt status.
pub(crate) fn halt_with(
    ctx: &mut WeftContext<'_, impl Storage>,
    context: String,
    gas_limit: u64,
) -> InterpreterResult {
    use revm::context_interface::LocalContextTr;
    if ctx.journal().depth() == 1 {
        ctx.local_mut().set_precompile_error_context(context);
    }
    halt(InstructionResult::PrecompileError, gas_limit)
}

/// `Error("permission denied")`, the revert data of a denied plugin call (encoded once).
fn permission_denied_revert() -> &'static [u8] {
    static DATA: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        match CallError::revert_message(weft_precompiles::system::PERMISSION_DENIED) {
            CallError::Revert(data) => data,
            _ => Vec::new(),
        }
    })
}

/// Run a call to a built-in or plugin precompile.
pub(crate) fn run<S: Storage>(
    setup: &PluginSetup,
    ctx: &mut WeftContext<'_, S>,
    inputs: &CallInputs,
    target: Target<'_>,
    suite: Suite,
) -> InterpreterResult {
    if matches!(
        inputs.scheme,
        CallScheme::DelegateCall | CallScheme::CallCode
    ) {
        // A stateful precompile runs in its own storage, never a caller's.
        return halt_with(
            ctx,
            format!(
                "{PLUGIN_FAILED}precompile {} cannot be delegate-called",
                inputs.bytecode_address
            ),
            inputs.gas_limit,
        );
    }
    let env = env_of(ctx, inputs, suite);
    let input = inputs.input.bytes(ctx);
    let (namespace, base_gas) = match target {
        Target::Builtin(b) => (b.address(), b.base_gas()),
        Target::Plugin(p) => (p.namespace(), p.base_gas()),
    };
    let mut access = JournalAccess(ctx);
    let mut host = PluginHost {
        access: &mut access,
        setup,
        env,
        namespace,
        gas_used: 0,
        in_hook: false,
    };
    let outcome = if host.charge_gas(base_gas).is_err() {
        PluginOutcome::OutOfGas
    } else {
        match target {
            Target::Builtin(b) => match b.call(&mut host, &input) {
                Ok(data) => PluginOutcome::Success(data),
                Err(CallError::Revert(data)) => PluginOutcome::Revert(data),
                Err(CallError::Fail(message)) => PluginOutcome::Fail(message),
                Err(CallError::Host(HostError::OutOfGas)) => PluginOutcome::OutOfGas,
                Err(CallError::Host(e)) => PluginOutcome::Fail(e.to_string()),
            },
            Target::Plugin(p) => p.call(&mut host, inputs.bytecode_address, &input),
        }
    };
    let gas_used = host.gas_used;
    let name = match target {
        Target::Builtin(b) => b.name(),
        Target::Plugin(p) => p.name(),
    };
    let (result, output) = match outcome {
        PluginOutcome::Success(data) => (InstructionResult::Return, data),
        PluginOutcome::Revert(data) => {
            if data == permission_denied_revert() && ctx.journal().depth() == 1 {
                return halt_with(ctx, format!("{DENIED}{name}"), inputs.gas_limit);
            }
            (InstructionResult::Revert, data)
        }
        PluginOutcome::OutOfGas => return halt(InstructionResult::OutOfGas, inputs.gas_limit),
        PluginOutcome::Fail(message) => {
            return halt_with(
                ctx,
                format!("{PLUGIN_FAILED}{name}: {message}"),
                inputs.gas_limit,
            );
        }
        PluginOutcome::Panic(message) => {
            tracing::warn!(plugin = %name, %message, "plugin panicked; the call fails");
            return halt_with(
                ctx,
                format!("{PLUGIN_FAILED}{name} panicked: {message}"),
                inputs.gas_limit,
            );
        }
    };
    let mut gas = Gas::new(inputs.gas_limit);
    if !gas.record_regular_cost(gas_used) {
        return halt(InstructionResult::OutOfGas, inputs.gas_limit);
    }
    InterpreterResult::new(result, output.into(), gas)
}

/// Check a call into contract code against the permission plugin; `Some` is the failed
/// frame when the call is not allowed.
pub(crate) fn check_call<S: Storage>(
    setup: &PluginSetup,
    ctx: &mut WeftContext<'_, S>,
    inputs: &CallInputs,
    suite: Suite,
) -> Option<InterpreterResult> {
    setup.auth_plugin()?;
    // The selector only: the call data is borrowed, never copied.
    let mut selector = [0u8; 4];
    {
        let input = inputs.input.as_bytes(ctx);
        let n = input.len().min(4);
        selector[..n].copy_from_slice(&input[..n]);
    }
    let env = env_of(ctx, inputs, suite);
    let request = AuthRequest {
        kind: AuthKind::Call,
        account: env.origin,
        contract: inputs.bytecode_address,
        selector,
        table: String::new(),
    };
    let verdict = ask(&mut JournalAccess(&mut *ctx), setup, &request, &env);
    let contract = inputs.bytecode_address;
    match verdict {
        Ok(Verdict::Allow) => None,
        Ok(Verdict::Deny) => Some(halt_with(
            ctx,
            format!(
                "{DENIED}{} may not call {:#010x} of {contract}",
                env.origin,
                u32::from_be_bytes(selector)
            ),
            inputs.gas_limit,
        )),
        Ok(Verdict::Frozen) => Some(halt_with(
            ctx,
            format!("{FROZEN}{contract} is frozen"),
            inputs.gas_limit,
        )),
        Err(_) => Some(halt_with(
            ctx,
            format!("{PLUGIN_FAILED}the permission plugin failed"),
            inputs.gas_limit,
        )),
    }
}

/// Ask the permission plugin, between transactions, whether `origin` may deploy.
pub(crate) fn may_deploy<S: Storage>(
    setup: &PluginSetup,
    state: &mut BlockState<'_, S>,
    origin: Address,
    env: Env,
) -> Verdict {
    if setup.auth_plugin().is_none() {
        return Verdict::Allow;
    }
    let request = AuthRequest::new(AuthKind::Deploy, origin, Address::ZERO);
    ask(&mut StateAccess(state), setup, &request, &env).unwrap_or(Verdict::Deny)
}

/// Tell the permission plugin, after a transaction, which contracts `origin` deployed.
pub(crate) fn contracts_created<S: Storage>(
    setup: &PluginSetup,
    state: &mut BlockState<'_, S>,
    origin: Address,
    created: &[Address],
    env: Env,
) {
    if setup.auth_plugin().is_none() {
        return;
    }
    for contract in created {
        let request = AuthRequest::new(AuthKind::ContractCreated, origin, *contract);
        if let Err(e) = ask(&mut StateAccess(state), setup, &request, &env) {
            tracing::error!(%contract, error = %e, "the permission plugin could not record a contract's admin");
        }
    }
}

/// System config changes and the next node list, as a block made them.
pub(crate) type SystemChanges = (Vec<(String, String)>, Option<NodeList>);

/// The system config changes and node list a block made through the built-ins, read from
/// their storage after the block.
pub(crate) fn block_changes<S: Storage>(
    state: &mut BlockState<'_, S>,
    number: u64,
) -> Result<SystemChanges, HostError> {
    let setup = PluginSetup::default();
    let mut access = StateAccess(state);
    let env = Env {
        caller: Address::ZERO,
        origin: Address::ZERO,
        address: Address::ZERO,
        block_number: number,
        timestamp_ms: 0,
        gas_limit: u64::MAX,
        is_static: true,
        suite: Suite::Standard,
    };
    let mut read = |namespace: Address, key: &[u8]| {
        let mut host = PluginHost {
            access: &mut access,
            setup: &setup,
            env,
            namespace,
            gas_used: 0,
            in_hook: true,
        };
        host.get(key)
    };
    let config = match read(
        Builtin::SystemConfig.address(),
        weft_precompiles::system::PENDING_KEY,
    )? {
        Some(raw) => weft_precompiles::system::pending_changes(&raw, number).map_err(failed)?,
        None => Vec::new(),
    };
    let nodes = match read(
        Builtin::Consensus.address(),
        weft_precompiles::consensus::PENDING_KEY,
    )? {
        Some(raw) => weft_precompiles::consensus::pending_nodes(&raw, number).map_err(failed)?,
        None => None,
    };
    Ok((config, nodes))
}

/// The plugin environment of a transaction's own checks.
pub(crate) fn tx_env(origin: Address, number: u64, timestamp_ms: u64, suite: Suite) -> Env {
    Env {
        caller: origin,
        origin,
        address: Address::ZERO,
        block_number: number,
        timestamp_ms,
        gas_limit: AUTH_HOOK_GAS,
        is_static: false,
        suite,
    }
}

/// The plugin view of a crypto suite.
pub(crate) fn suite_of(suite: &dyn weft_crypto::CryptoSuite) -> Suite {
    match suite.id() {
        weft_crypto::SuiteId::Sm => Suite::Sm,
        weft_crypto::SuiteId::Standard => Suite::Standard,
    }
}
