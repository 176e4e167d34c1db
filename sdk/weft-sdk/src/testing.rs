//! The off-chain test host: the SDK's API implemented by a thread-local mock, so `cargo
//! test` runs a contract natively (on any target but `wasm32`).
//!
//! ```ignore
//! let host = TestHost::new();                       // fresh state for this thread
//! host.set_sender(alice);
//! let mut token = Erc20::instance();                // the contract at host.contract_address()
//! token.constructor("T".into(), "T".into(), U256::from(100))?;
//! token.transfer(bob, U256::from(1))?;
//! assert_eq!(host.events::<Transfer>().len(), 2);
//!
//! // Or through the ABI, as a transaction would (dispatch, value checks, revert rollback):
//! let token = host.deploy::<Erc20>(&args.abi_encode_params())?;
//! let ok: bool = host.call_sol(token, &transferCall { to: bob, amount })?;
//!
//! // Other contracts: mock their answers, or register a contract type at an address.
//! host.mock_sol::<ICounter::incrementCall>(counter, &U256::from(1));
//! host.register::<Counter>(counter);
//! ```
//!
//! Calls between contracts registered with [`TestHost::register`]/[`TestHost::deploy`] run
//! natively with their own caller, address, value and storage; a revert or panic rolls back
//! what the call did, as on chain. Gas is not metered.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};

use alloy_primitives::{address, Address, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};

use crate::abi::Revert;
use crate::Contract;

/// A log emitted during a test.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Log {
    /// The emitting contract.
    pub address: Address,
    /// Topics (at most 4).
    pub topics: Vec<B256>,
    /// Data.
    pub data: Vec<u8>,
}

/// A call a contract made (recorded whether it was mocked, registered or neither).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordedCall {
    /// `CALL`, `STATICCALL` or `DELEGATECALL`.
    pub kind: crate::call::CallKind,
    /// The calling contract.
    pub from: Address,
    /// The target.
    pub to: Address,
    /// Value sent.
    pub value: U256,
    /// Call data.
    pub data: Vec<u8>,
}

/// What a mocked call answers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum MockResult {
    /// Success with this return data.
    Return(Vec<u8>),
    /// Revert with this data.
    Revert(Vec<u8>),
}

type Dispatch = fn(&[u8]) -> Result<Vec<u8>, Vec<u8>>;

#[derive(Clone, Copy)]
struct Code {
    deploy: Dispatch,
    call: Dispatch,
}

#[derive(Clone)]
struct Frame {
    address: Address,
    caller: Address,
    value: U256,
    input: Vec<u8>,
    is_static: bool,
}

struct State {
    origin: Address,
    block_number: u64,
    block_timestamp: u64,
    chain_id: u64,
    gas_left: u64,
    frames: Vec<Frame>,
    storage: BTreeMap<(Address, B256), B256>,
    logs: Vec<Log>,
    output: Vec<u8>,
    mocks: Vec<(Address, Vec<u8>, MockResult)>,
    contracts: BTreeMap<Address, Code>,
    code_registry: Vec<(Vec<u8>, Code)>,
    nonces: BTreeMap<Address, u64>,
    calls: Vec<RecordedCall>,
    next_address: u64,
}

/// The default sender: `0x…a11ce`.
pub const DEFAULT_SENDER: Address = address!("00000000000000000000000000000000000a11ce");
/// The default address of the contract under test: `0x…c0de`.
pub const DEFAULT_CONTRACT: Address = address!("000000000000000000000000000000000000c0de");

impl State {
    fn new() -> Self {
        State {
            origin: DEFAULT_SENDER,
            block_number: 1,
            block_timestamp: 1_700_000_000,
            chain_id: 20200,
            gas_left: 30_000_000,
            frames: alloc::vec![Frame {
                address: DEFAULT_CONTRACT,
                caller: DEFAULT_SENDER,
                value: U256::ZERO,
                input: Vec::new(),
                is_static: false,
            }],
            storage: BTreeMap::new(),
            logs: Vec::new(),
            output: Vec::new(),
            mocks: Vec::new(),
            contracts: BTreeMap::new(),
            code_registry: Vec::new(),
            nonces: BTreeMap::new(),
            calls: Vec::new(),
            next_address: 0x1000,
        }
    }

    fn frame(&self) -> &Frame {
        // The base frame is never popped.
        &self.frames[self.frames.len() - 1]
    }

    fn base(&mut self) -> &mut Frame {
        &mut self.frames[0]
    }
}

std::thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::new());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// How a native execution ends early: a revert (with data) or a trap (a host rule broken).
enum Unwind {
    Revert(Vec<u8>),
    Trap(String),
}

/// Installs (once) a panic hook that keeps reverts quiet and explains traps; other panics
/// go to the previous hook.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            match info.payload().downcast_ref::<Unwind>() {
                Some(Unwind::Revert(data)) => {
                    let what = crate::abi::decode_reason(data)
                        .map(|r| std::format!("Error({r:?})"))
                        .unwrap_or_else(|| {
                            std::format!("0x{}", alloy_primitives::hex::encode(data))
                        });
                    std::eprintln!(
                        "weft: the contract reverted with {what} (use TestHost::catch_revert, or \
                         call through TestHost::call, to get the revert as a value)"
                    );
                }
                Some(Unwind::Trap(msg)) => std::eprintln!("weft: the contract trapped: {msg}"),
                None => previous(info),
            }
        }));
    });
}

fn trap(msg: &str) -> ! {
    install_hook();
    panic::panic_any(Unwind::Trap(msg.to_string()))
}

/// Runs `f` as one execution: `Ok` with its result, or `Err((is_revert, data))`; a panic of
/// the contract's own becomes `Error(string)` revert data, as the `wasm32` panic handler
/// makes it.
fn run_catching<R>(f: impl FnOnce() -> R) -> Result<R, (bool, Vec<u8>)> {
    install_hook();
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Ok(r),
        Err(payload) => {
            if let Some(u) = payload.downcast_ref::<Unwind>() {
                return Err(match u {
                    Unwind::Revert(d) => (true, d.clone()),
                    Unwind::Trap(_) => (false, Vec::new()),
                });
            }
            let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                String::from("panic")
            };
            Err((true, Revert::reason(&msg).into_data()))
        }
    }
}

/// Handle to this thread's test host. Cheap to make; all handles on a thread share one
/// state, which [`TestHost::new`] resets.
#[derive(Debug)]
pub struct TestHost {
    _private: (),
}

impl Default for TestHost {
    fn default() -> Self {
        TestHost::new()
    }
}

impl TestHost {
    /// Resets this thread's host: empty storage and logs, no mocks; sender
    /// [`DEFAULT_SENDER`], contract [`DEFAULT_CONTRACT`], value 0, block 1, chain 20200.
    pub fn new() -> Self {
        install_hook();
        with(|s| *s = State::new());
        TestHost { _private: () }
    }

    /// Sets `msg.sender` (and `tx.origin`) for direct calls of methods.
    pub fn set_sender(&self, sender: Address) {
        with(|s| {
            s.base().caller = sender;
            s.origin = sender;
        });
    }

    /// Sets `tx.origin` alone.
    pub fn set_origin(&self, origin: Address) {
        with(|s| s.origin = origin);
    }

    /// Sets `msg.value` for direct calls of methods.
    pub fn set_value(&self, value: U256) {
        with(|s| s.base().value = value);
    }

    /// Sets `msg.data` for direct calls of methods.
    pub fn set_input(&self, input: Vec<u8>) {
        with(|s| s.base().input = input);
    }

    /// Sets the address the contract under test runs at (`address(this)`, whose storage
    /// [`Contract::instance`] reads).
    pub fn set_contract_address(&self, address: Address) {
        with(|s| s.base().address = address);
    }

    /// Sets `block.number`.
    pub fn set_block_number(&self, number: u64) {
        with(|s| s.block_number = number);
    }

    /// Sets `block.timestamp` (seconds).
    pub fn set_block_timestamp(&self, timestamp: u64) {
        with(|s| s.block_timestamp = timestamp);
    }

    /// Sets `block.chainid`.
    pub fn set_chain_id(&self, chain_id: u64) {
        with(|s| s.chain_id = chain_id);
    }

    /// Sets what `gasleft()` answers.
    pub fn set_gas_left(&self, gas: u64) {
        with(|s| s.gas_left = gas);
    }

    /// The sender of direct calls.
    pub fn sender(&self) -> Address {
        with(|s| s.frames[0].caller)
    }

    /// The address of the contract under test.
    pub fn contract_address(&self) -> Address {
        with(|s| s.frames[0].address)
    }

    /// The word under `key` in the storage of the contract under test.
    pub fn storage(&self, key: B256) -> B256 {
        let address = self.contract_address();
        self.storage_of(address, key)
    }

    /// The word under `key` in `address`'s storage.
    pub fn storage_of(&self, address: Address, key: B256) -> B256 {
        with(|s| s.storage.get(&(address, key)).copied().unwrap_or_default())
    }

    /// Writes a word into `address`'s storage directly.
    pub fn set_storage(&self, address: Address, key: B256, value: B256) {
        with(|s| {
            if value.is_zero() {
                s.storage.remove(&(address, key));
            } else {
                s.storage.insert((address, key), value);
            }
        });
    }

    /// Every log emitted so far (reverted calls' logs are gone).
    pub fn logs(&self) -> Vec<Log> {
        with(|s| s.logs.clone())
    }

    /// The logs emitted so far, clearing them.
    pub fn take_logs(&self) -> Vec<Log> {
        with(|s| core::mem::take(&mut s.logs))
    }

    /// The logs that decode as event `E` (by its signature hash), decoded, in order.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.logs()
            .iter()
            .filter(|l| E::ANONYMOUS || l.topics.first() == Some(&E::SIGNATURE_HASH))
            .filter_map(|l| E::decode_raw_log(l.topics.iter().copied(), &l.data).ok())
            .collect()
    }

    /// The data the last top-level [`TestHost::call`]/[`TestHost::deploy`] returned or set.
    pub fn output(&self) -> Vec<u8> {
        with(|s| s.output.clone())
    }

    /// Every call a contract made, in order (mocked, registered or neither).
    pub fn calls(&self) -> Vec<RecordedCall> {
        with(|s| s.calls.clone())
    }

    /// Answers calls to `to` whose data starts with `prefix` (a selector, or whole call
    /// data) with `result`. The longest matching prefix wins; mocks win over registered
    /// contracts.
    pub fn mock_call(&self, to: Address, prefix: &[u8], result: MockResult) {
        with(|s| s.mocks.push((to, prefix.to_vec(), result)));
    }

    /// Answers every call of function `C` at `to` with `ret`, ABI-encoded.
    pub fn mock_sol<C: SolCall>(&self, to: Address, ret: &C::Return) {
        self.mock_call(
            to,
            &C::SELECTOR,
            MockResult::Return(C::abi_encode_returns(ret)),
        );
    }

    /// Makes every call of function `C` at `to` revert with `data`.
    pub fn mock_sol_revert<C: SolCall>(&self, to: Address, data: impl Into<Revert>) {
        self.mock_call(
            to,
            &C::SELECTOR,
            MockResult::Revert(data.into().into_data()),
        );
    }

    /// Puts contract `C` at `address` (without running its constructor): calls to it run
    /// its methods natively.
    pub fn register<C: Contract>(&self, address: Address) {
        let code = Code {
            deploy: C::dispatch_deploy,
            call: C::dispatch,
        };
        with(|s| {
            s.contracts.insert(address, code);
        });
    }

    /// Lets `create`/`create2` of init code starting with `code` (the module, up to and
    /// including `weft.end`) deploy contract `C`; the rest of the init code is the
    /// constructor's input.
    pub fn register_code<C: Contract>(&self, code: &[u8]) {
        let c = Code {
            deploy: C::dispatch_deploy,
            call: C::dispatch,
        };
        with(|s| s.code_registry.push((code.to_vec(), c)));
    }

    /// Deploys contract `C` at a fresh address, running its constructor on `ctor_args`
    /// (ABI-encoded) from the sender with the set value; `Err` is the revert data.
    pub fn deploy<C: Contract>(&self, ctor_args: &[u8]) -> Result<Address, Vec<u8>> {
        let address = with(|s| {
            s.next_address += 1;
            let mut a = [0u8; 20];
            a[12..].copy_from_slice(&s.next_address.to_be_bytes());
            Address::new(a)
        });
        self.deploy_at::<C>(address, ctor_args).map(|()| address)
    }

    /// As [`TestHost::deploy`], at `address`.
    pub fn deploy_at<C: Contract>(
        &self,
        address: Address,
        ctor_args: &[u8],
    ) -> Result<(), Vec<u8>> {
        let code = Code {
            deploy: C::dispatch_deploy,
            call: C::dispatch,
        };
        let (caller, value) = with(|s| (s.frames[0].caller, s.frames[0].value));
        let frame = Frame {
            address,
            caller,
            value,
            input: ctor_args.to_vec(),
            is_static: false,
        };
        let (status, out) = execute(frame, code.deploy);
        with(|s| s.output = out.clone());
        if status == crate::host::STATUS_SUCCESS {
            with(|s| {
                s.contracts.insert(address, code);
            });
            Ok(())
        } else {
            Err(out)
        }
    }

    /// Calls `to` with `data` from the sender with the set value, as a transaction would:
    /// `Ok` with the return data, or `Err` with the revert data (state rolled back).
    pub fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        let (caller, value) = with(|s| (s.frames[0].caller, s.frames[0].value));
        let (status, out) =
            dispatch_call(crate::call::CallKind::Call, caller, to, value, data, false);
        with(|s| s.output = out.clone());
        if status == crate::host::STATUS_SUCCESS {
            Ok(out)
        } else {
            Err(out)
        }
    }

    /// Calls function `C` at `to` through the ABI; decodes the returns.
    pub fn call_sol<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return, Vec<u8>> {
        let out = self.call(to, &call.abi_encode())?;
        C::abi_decode_returns(&out).map_err(|_| out)
    }

    /// Runs `f` (e.g. a direct method call) and returns `Err` with the revert data if it
    /// reverted or panicked, rolling back its storage writes and logs.
    pub fn catch_revert<R>(&self, f: impl FnOnce() -> R) -> Result<R, Vec<u8>> {
        let snapshot = with(|s| (s.storage.clone(), s.logs.len(), s.nonces.clone()));
        run_catching(f).map_err(|(_, data)| {
            with(|s| {
                s.storage = snapshot.0;
                s.logs.truncate(snapshot.1);
                s.nonces = snapshot.2;
            });
            data
        })
    }
}

/// Runs `entry` in `frame`; returns the host status (0 success, 1 revert, 2 trap) and the
/// output or revert data, rolling back on failure.
fn execute(frame: Frame, entry: Dispatch) -> (i32, Vec<u8>) {
    let snapshot = with(|s| {
        if s.frames.len() > 1024 {
            None
        } else {
            let snap = (s.storage.clone(), s.logs.len(), s.nonces.clone());
            s.frames.push(frame.clone());
            Some(snap)
        }
    });
    let Some(snapshot) = snapshot else {
        return (2, Vec::new()); // call depth exceeded
    };
    let result = run_catching(|| entry(&frame.input));
    let (status, out) = match result {
        Ok(Ok(out)) => (0, out),
        Ok(Err(data)) | Err((true, data)) => (1, data),
        Err((false, data)) => (2, data),
    };
    with(|s| {
        s.frames.pop();
        if status != 0 {
            s.storage = snapshot.0;
            s.logs.truncate(snapshot.1);
            s.nonces = snapshot.2;
        }
    });
    (status, out)
}

/// A call from `from` to `to`: mocks first, then registered contracts, else an account
/// without code (success, no data). Returns the host status and the return data.
fn dispatch_call(
    kind: crate::call::CallKind,
    from: Address,
    to: Address,
    value: U256,
    data: &[u8],
    is_static: bool,
) -> (i32, Vec<u8>) {
    use crate::call::CallKind;
    let (mock, code, frame) = with(|s| {
        s.calls.push(RecordedCall {
            kind,
            from,
            to,
            value,
            data: data.to_vec(),
        });
        let mock = s
            .mocks
            .iter()
            .filter(|(a, p, _)| *a == to && data.starts_with(p))
            .max_by_key(|(_, p, _)| p.len())
            .map(|(_, _, r)| r.clone());
        let current = s.frame().clone();
        let frame = match kind {
            CallKind::Delegate => Frame {
                input: data.to_vec(),
                ..current
            },
            _ => Frame {
                address: to,
                caller: from,
                value,
                input: data.to_vec(),
                is_static: is_static || kind == CallKind::Static,
            },
        };
        (mock, s.contracts.get(&to).copied(), frame)
    });
    if let Some(m) = mock {
        return match m {
            MockResult::Return(d) => (crate::host::STATUS_SUCCESS, d),
            MockResult::Revert(d) => (crate::host::STATUS_REVERT, d),
        };
    }
    let Some(code) = code else {
        return (crate::host::STATUS_SUCCESS, Vec::new());
    };
    execute(frame, code.call)
}

/// The host functions, implemented on the test host (what `crate::host` uses off-chain).
pub(crate) mod native {
    use super::*;

    pub(crate) fn input() -> Vec<u8> {
        with(|s| s.frame().input.clone())
    }

    pub(crate) fn set_return(data: &[u8]) {
        with(|s| s.output = data.to_vec());
    }

    pub(crate) fn revert(data: &[u8]) -> ! {
        install_hook();
        panic::panic_any(Unwind::Revert(data.to_vec()))
    }

    pub(crate) fn storage_load(key: &[u8; 32]) -> [u8; 32] {
        with(|s| {
            let address = s.frame().address;
            s.storage
                .get(&(address, B256::new(*key)))
                .map(|v| v.0)
                .unwrap_or_default()
        })
    }

    pub(crate) fn storage_store(key: &[u8; 32], value: &[u8; 32]) {
        let is_static = with(|s| s.frame().is_static);
        if is_static {
            trap("storage_store under a static call");
        }
        with(|s| {
            let k = (s.frame().address, B256::new(*key));
            if *value == [0u8; 32] {
                s.storage.remove(&k);
            } else {
                s.storage.insert(k, B256::new(*value));
            }
        });
    }

    pub(crate) fn emit_log(topics: &[[u8; 32]], data: &[u8]) {
        let is_static = with(|s| s.frame().is_static);
        if is_static {
            trap("emit_log under a static call");
        }
        if topics.len() > 4 {
            trap("emit_log with more than 4 topics");
        }
        with(|s| {
            let address = s.frame().address;
            s.logs.push(Log {
                address,
                topics: topics.iter().map(|t| B256::new(*t)).collect(),
                data: data.to_vec(),
            });
        });
    }

    pub(crate) fn caller() -> [u8; 20] {
        with(|s| s.frame().caller.0 .0)
    }

    pub(crate) fn origin() -> [u8; 20] {
        with(|s| s.origin.0 .0)
    }

    pub(crate) fn address() -> [u8; 20] {
        with(|s| s.frame().address.0 .0)
    }

    pub(crate) fn call_value() -> [u8; 32] {
        with(|s| s.frame().value.to_be_bytes())
    }

    pub(crate) fn block_number() -> u64 {
        with(|s| s.block_number)
    }

    pub(crate) fn block_timestamp() -> u64 {
        with(|s| s.block_timestamp)
    }

    pub(crate) fn chain_id() -> u64 {
        with(|s| s.chain_id)
    }

    pub(crate) fn gas_left() -> u64 {
        with(|s| s.gas_left)
    }

    pub(crate) fn call(
        kind: i32,
        to: &[u8; 20],
        value: &[u8; 32],
        data: &[u8],
        _gas: u64,
    ) -> (i32, Vec<u8>) {
        use crate::call::CallKind;
        let kind = match kind {
            0 => CallKind::Call,
            1 => CallKind::Static,
            _ => CallKind::Delegate,
        };
        let value = U256::from_be_bytes(*value);
        let (from, is_static) = with(|s| (s.frame().address, s.frame().is_static));
        if is_static && kind == CallKind::Call && !value.is_zero() {
            trap("a call with value under a static call");
        }
        dispatch_call(kind, from, Address::new(*to), value, data, is_static)
    }

    pub(crate) fn create(
        code: &[u8],
        value: &[u8; 32],
        salt: Option<&[u8; 32]>,
    ) -> (i32, [u8; 20], Vec<u8>) {
        let value = U256::from_be_bytes(*value);
        let (from, is_static, entry) = with(|s| {
            let entry = s
                .code_registry
                .iter()
                .filter(|(c, _)| code.starts_with(c))
                .max_by_key(|(c, _)| c.len())
                .map(|(c, e)| (c.len(), *e));
            (s.frame().address, s.frame().is_static, entry)
        });
        if is_static {
            trap("create under a static call");
        }
        let Some((code_len, entry)) = entry else {
            trap("create of init code the test host does not know: register it with TestHost::register_code")
        };
        let address = match salt {
            None => {
                let nonce = with(|s| {
                    let n = s.nonces.entry(from).or_insert(1);
                    let cur = *n;
                    *n += 1;
                    cur
                });
                create_address(from, nonce)
            }
            Some(salt) => {
                let mut buf = Vec::with_capacity(85);
                buf.push(0xff);
                buf.extend_from_slice(from.as_slice());
                buf.extend_from_slice(salt);
                buf.extend_from_slice(keccak256(code).as_slice());
                Address::from_slice(&keccak256(&buf)[12..])
            }
        };
        let frame = Frame {
            address,
            caller: from,
            value,
            input: code[code_len..].to_vec(),
            is_static: false,
        };
        let (status, out) = execute(frame, entry.deploy);
        if status == crate::host::STATUS_SUCCESS {
            with(|s| {
                s.contracts.insert(address, entry);
            });
            (status, address.0 .0, Vec::new())
        } else {
            (status, [0u8; 20], out)
        }
    }

    /// `CREATE`'s address: `keccak256(rlp([sender, nonce]))[12..]`.
    fn create_address(sender: Address, nonce: u64) -> Address {
        let mut nonce_rlp = Vec::new();
        if nonce == 0 {
            nonce_rlp.push(0x80);
        } else if nonce < 0x80 {
            nonce_rlp.push(nonce as u8);
        } else {
            let bytes = nonce.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            nonce_rlp.push(0x80 + (8 - skip) as u8);
            nonce_rlp.extend_from_slice(&bytes[skip..]);
        }
        let mut buf = Vec::with_capacity(32);
        buf.push(0xc0 + (21 + nonce_rlp.len()) as u8);
        buf.push(0x94);
        buf.extend_from_slice(sender.as_slice());
        buf.extend_from_slice(&nonce_rlp);
        Address::from_slice(&keccak256(&buf)[12..])
    }

    /// The test host has no return-data buffer of its own: `call` returns the data.
    #[allow(dead_code)]
    pub(crate) fn return_data() -> Vec<u8> {
        Vec::new()
    }

    pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
        alloy_primitives::keccak256(data).0
    }

    /// Off-chain the chain hash is Keccak-256 (a standard chain).
    pub(crate) fn chain_hash(data: &[u8]) -> [u8; 32] {
        alloy_primitives::keccak256(data).0
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn create_address_matches_ethereum() {
            // The well-known first CREATE address of 0x6ac7…6d2e at nonce 0.
            let sender = address!("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
            assert_eq!(
                create_address(sender, 0),
                address!("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d")
            );
            assert_eq!(
                create_address(sender, 1),
                address!("343c43a37d37dff08ae8c4a11544c718abb4fcf8")
            );
            for nonce in [0, 1, 127, 128, 255, 256, 1 << 40] {
                assert_eq!(create_address(sender, nonce), sender.create(nonce));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::CallError;

    #[test]
    fn env_reads_the_host() {
        let host = TestHost::new();
        let alice = address!("00000000000000000000000000000000000a71ce");
        host.set_sender(alice);
        host.set_value(U256::from(5));
        host.set_block_number(99);
        host.set_block_timestamp(1234);
        host.set_chain_id(7);
        assert_eq!(crate::msg::sender(), alice);
        assert_eq!(crate::tx::origin(), alice);
        assert_eq!(crate::msg::value(), U256::from(5));
        assert_eq!(crate::block::number(), 99);
        assert_eq!(crate::block::timestamp(), 1234);
        assert_eq!(crate::block::chain_id(), 7);
        assert_eq!(crate::contract::address(), DEFAULT_CONTRACT);
        assert_eq!(
            crate::crypto::keccak256(b""),
            alloy_primitives::keccak256(b"")
        );
    }

    #[test]
    fn logs_and_raw_storage() {
        let host = TestHost::new();
        crate::log::raw(&[B256::repeat_byte(1)], b"hi");
        crate::storage::store(B256::repeat_byte(2), B256::repeat_byte(3));
        assert_eq!(
            crate::storage::load(B256::repeat_byte(2)),
            B256::repeat_byte(3)
        );
        assert_eq!(host.storage(B256::repeat_byte(2)), B256::repeat_byte(3));
        let logs = host.take_logs();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].address, DEFAULT_CONTRACT);
        assert_eq!(logs[0].data, b"hi");
        assert!(host.logs().is_empty());
    }

    #[test]
    fn mocked_calls_answer_and_are_recorded() {
        let host = TestHost::new();
        let target = address!("0000000000000000000000000000000000000bbb");
        host.mock_call(target, &[1, 2, 3, 4], MockResult::Return(alloc::vec![9]));
        host.mock_call(
            target,
            &[1, 2, 3, 4, 5],
            MockResult::Revert(Revert::reason("no").into_data()),
        );
        let ok = crate::call::Call::new(target).invoke_raw(&[1, 2, 3, 4, 0]);
        assert_eq!(ok, Ok(alloc::vec![9]));
        let err = crate::call::Call::new(target)
            .value(U256::from(1))
            .invoke_raw(&[1, 2, 3, 4, 5]);
        let err = err.expect_err("the longer prefix reverts");
        assert_eq!(err.reason().as_deref(), Some("no"));
        // No mock and no contract: an account without code answers success, no data.
        assert_eq!(
            crate::call::Call::new(DEFAULT_SENDER).invoke_raw(&[7]),
            Ok(Vec::new())
        );
        let calls = host.calls();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[1].value, U256::from(1));
        assert_eq!(calls[0].from, DEFAULT_CONTRACT);
        assert!(matches!(err, CallError::Reverted(_)));
    }

    #[test]
    fn catch_revert_rolls_back() {
        let host = TestHost::new();
        let r = host.catch_revert(|| {
            crate::storage::store(B256::repeat_byte(1), B256::repeat_byte(1));
            crate::log::raw(&[], b"");
            crate::abi::revert("stop")
        });
        let data = r.expect_err("reverted");
        assert_eq!(crate::abi::decode_reason(&data).as_deref(), Some("stop"));
        assert_eq!(host.storage(B256::repeat_byte(1)), B256::ZERO);
        assert!(host.logs().is_empty());
        // A plain panic becomes Error(string), as on chain.
        let data = host.catch_revert(|| panic!("boom")).expect_err("panicked");
        assert_eq!(crate::abi::decode_reason(&data).as_deref(), Some("boom"));
    }

    #[test]
    fn static_calls_cannot_write() {
        let _host = TestHost::new();
        with(|s| s.frames[0].is_static = true);
        let r = run_catching(|| crate::storage::store(B256::ZERO, B256::repeat_byte(1)));
        assert!(
            matches!(r, Err((false, _))),
            "a write under a static call traps"
        );
    }
}
