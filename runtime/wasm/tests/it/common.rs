//! The fake host and helpers shared by the tests.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use alloy_primitives::keccak256;
use weft_wasm::{
    with_end_marker, Address, CallKind, CallResult, CallStatus, CreateResult, Engine, EngineConfig,
    Entry, Host, HostError, Outcome, Status, Word, HOST_FUNCTIONS,
};

/// Gas enough for anything the tests run that should not run out.
pub const GAS: u64 = 10_000_000;

/// One outgoing call the fake host saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenCall {
    pub kind: CallKind,
    pub to: Address,
    pub value: Word,
    pub data: Vec<u8>,
    pub gas: u64,
}

/// One create the fake host saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenCreate {
    pub code: Vec<u8>,
    pub value: Word,
    pub salt: Option<[u8; 32]>,
    pub gas: u64,
}

/// An in-memory host with EVM-like storage pricing (cold 2100 / warm 100 loads, 20,000
/// to set a fresh slot, 2,900 otherwise, +2,100 when cold).
#[derive(Clone, Debug)]
pub struct FakeHost {
    pub input: Vec<u8>,
    pub storage: BTreeMap<[u8; 32], [u8; 32]>,
    pub warm: BTreeSet<[u8; 32]>,
    pub logs: Vec<(Vec<[u8; 32]>, Vec<u8>)>,
    pub caller: Address,
    pub origin: Address,
    pub address: Address,
    pub value: Word,
    pub block_number: u64,
    pub timestamp: u64,
    pub chain_id: u64,
    pub is_static: bool,
    /// Overrides the load cost when set.
    pub sload_cost: Option<u64>,
    pub call_cost: u64,
    pub call_reply: CallResult,
    pub calls: Vec<SeenCall>,
    pub create_reply: CreateResult,
    pub creates: Vec<SeenCreate>,
    /// Make storage access fail with a node fault.
    pub broken_storage: bool,
    /// Make storage access fail with a contract-visible trap.
    pub trap_storage: bool,
    /// When set, outgoing calls run this module on this engine (re-entering it).
    pub nested: Option<(Arc<Engine>, Arc<Vec<u8>>)>,
}

impl Default for FakeHost {
    fn default() -> Self {
        FakeHost {
            input: Vec::new(),
            storage: BTreeMap::new(),
            warm: BTreeSet::new(),
            logs: Vec::new(),
            caller: [0xca; 20],
            origin: [0x0f; 20],
            address: [0xad; 20],
            value: word(0),
            block_number: 42,
            timestamp: 1_700_000_000,
            chain_id: 20_200,
            is_static: false,
            sload_cost: None,
            call_cost: 100,
            call_reply: CallResult {
                status: CallStatus::Success,
                gas_used: 0,
                return_data: Vec::new(),
            },
            calls: Vec::new(),
            create_reply: CreateResult {
                status: CallStatus::Success,
                address: [0xcc; 20],
                gas_used: 0,
                return_data: Vec::new(),
            },
            creates: Vec::new(),
            broken_storage: false,
            trap_storage: false,
            nested: None,
        }
    }
}

impl FakeHost {
    pub fn with_input(input: &[u8]) -> FakeHost {
        FakeHost {
            input: input.to_vec(),
            ..FakeHost::default()
        }
    }

    fn storage_fault(&self) -> Result<(), HostError> {
        if self.broken_storage {
            return Err(HostError::Fatal("disk on fire".into()));
        }
        if self.trap_storage {
            return Err(HostError::Trap(weft_wasm::TrapKind::StaticViolation));
        }
        Ok(())
    }

    fn access(&mut self, key: [u8; 32]) -> u64 {
        if self.warm.insert(key) {
            2100
        } else {
            0
        }
    }
}

impl Host for FakeHost {
    fn input(&self) -> &[u8] {
        &self.input
    }

    fn storage_load(&mut self, key: [u8; 32]) -> Result<([u8; 32], u64), HostError> {
        self.storage_fault()?;
        let cold = self.access(key);
        let value = self.storage.get(&key).copied().unwrap_or([0; 32]);
        Ok((value, self.sload_cost.unwrap_or(100 + cold)))
    }

    fn storage_store(&mut self, key: [u8; 32], value: [u8; 32]) -> Result<u64, HostError> {
        self.storage_fault()?;
        let cold = self.access(key);
        let fresh = !self.storage.contains_key(&key);
        self.storage.insert(key, value);
        Ok(cold + if fresh { 20_000 } else { 2_900 })
    }

    fn emit_log(&mut self, topics: &[[u8; 32]], data: &[u8]) -> Result<(), HostError> {
        self.logs.push((topics.to_vec(), data.to_vec()));
        Ok(())
    }

    fn caller(&self) -> Address {
        self.caller
    }

    fn origin(&self) -> Address {
        self.origin
    }

    fn address(&self) -> Address {
        self.address
    }

    fn call_value(&self) -> Word {
        self.value
    }

    fn block_number(&self) -> u64 {
        self.block_number
    }

    fn block_timestamp(&self) -> u64 {
        self.timestamp
    }

    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn is_static(&self) -> bool {
        self.is_static
    }

    fn call_cost(&mut self, _kind: CallKind, _to: Address, _value: Word) -> Result<u64, HostError> {
        Ok(self.call_cost)
    }

    fn call(
        &mut self,
        kind: CallKind,
        to: Address,
        value: Word,
        data: &[u8],
        gas: u64,
    ) -> Result<CallResult, HostError> {
        self.calls.push(SeenCall {
            kind,
            to,
            value,
            data: data.to_vec(),
            gas,
        });
        if let Some((engine, module)) = self.nested.clone() {
            let mut child = FakeHost {
                input: data.to_vec(),
                nested: self.nested.clone(),
                ..FakeHost::default()
            };
            let outcome = engine
                .execute(hash(&module), &module, Entry::Call, &mut child, gas)
                .map_err(|e| HostError::Fatal(e.to_string()))?;
            self.calls.extend(child.calls);
            let (status, return_data) = match outcome.status {
                Status::Return(data) => (CallStatus::Success, data),
                Status::Revert(data) => (CallStatus::Revert, data),
                Status::Trap(_) => (CallStatus::Failure, Vec::new()),
            };
            return Ok(CallResult {
                status,
                gas_used: outcome.gas_used,
                return_data,
            });
        }
        Ok(self.call_reply.clone())
    }

    fn create(
        &mut self,
        code: &[u8],
        value: Word,
        salt: Option<[u8; 32]>,
        gas: u64,
    ) -> Result<CreateResult, HostError> {
        self.creates.push(SeenCreate {
            code: code.to_vec(),
            value,
            salt,
            gas,
        });
        Ok(self.create_reply.clone())
    }

    fn keccak256(&self, data: &[u8]) -> [u8; 32] {
        keccak256(data).0
    }

    fn chain_hash(&self, data: &[u8]) -> [u8; 32] {
        // Something other than Keccak, to tell the two apart.
        let mut tagged = b"chain:".to_vec();
        tagged.extend_from_slice(data);
        keccak256(&tagged).0
    }
}

/// A big-endian word holding `n`.
pub fn word(n: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

/// WAT imports of the whole host API, generated from the crate's table (so the table, the
/// linker and these tests agree).
pub fn imports() -> String {
    let mut out = String::new();
    for f in HOST_FUNCTIONS {
        let params: Vec<String> = f.params.iter().map(|p| p.to_string()).collect();
        let results: Vec<String> = f.results.iter().map(|p| p.to_string()).collect();
        out.push_str(&format!(
            "(import \"weft\" \"{0}\" (func ${0} (param {1}) (result {2})))\n",
            f.name,
            params.join(" "),
            results.join(" ")
        ));
    }
    out
}

/// WAT text to binary.
pub fn wasm(wat: &str) -> Vec<u8> {
    match wat::parse_str(wat) {
        Ok(bytes) => bytes,
        Err(e) => panic!("bad WAT in a test: {e}\n{wat}"),
    }
}

/// A contract (with the end marker) made of the host imports, one page of memory and
/// `fields`, which must export `deploy` and `call`.
pub fn contract(fields: &str) -> Vec<u8> {
    with_end_marker(&wasm(&format!(
        "(module\n{}\n(memory (export \"memory\") 1)\n{fields}\n)",
        imports()
    )))
}

/// A contract whose `deploy` does nothing and whose `call` is `body`.
pub fn call_contract(body: &str) -> Vec<u8> {
    contract(&format!(
        "(func (export \"deploy\"))\n(func (export \"call\") {body})"
    ))
}

/// The code hash the tests use: Keccak-256 of the module.
pub fn hash(module: &[u8]) -> [u8; 32] {
    keccak256(module).0
}

pub fn engine() -> Engine {
    match Engine::new(EngineConfig::default()) {
        Ok(engine) => engine,
        Err(e) => panic!("engine: {e}"),
    }
}

/// Runs `entry` of `module` on `host`; panics on a node fault.
pub fn run_on(
    engine: &Engine,
    module: &[u8],
    entry: Entry,
    host: &mut FakeHost,
    gas: u64,
) -> Outcome {
    match engine.execute(hash(module), module, entry, host, gas) {
        Ok(outcome) => outcome,
        Err(e) => panic!("node fault: {e}"),
    }
}

/// Runs `call` of `module` with `input` on a fresh engine and host.
pub fn call(module: &[u8], input: &[u8]) -> (Outcome, FakeHost) {
    let mut host = FakeHost::with_input(input);
    let outcome = run_on(&engine(), module, Entry::Call, &mut host, GAS);
    (outcome, host)
}

/// The contract that echoes its input.
pub fn echo() -> Vec<u8> {
    call_contract(
        "(call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
         (call $set_return (i32.const 0) (call $input_size))",
    )
}
