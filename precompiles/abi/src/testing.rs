//! An off-chain host for plugin unit tests: in-memory storage, a gas meter (the node's
//! schedule, [`ffi::gas`]), recorded logs and a permission table, calling the plugin's Rust code directly (no `.so`, no node); and [`StorageHost`], storage
//! alone, for driving a plugin's storage layout directly.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256};

use crate::ffi::{self, gas};
use crate::guest::Plugin;
use crate::host::{AuthRequest, CallError, CallResult, Env, Host, HostError, Suite, Verdict};

/// A log a plugin emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedLog {
    /// The address that emitted it.
    pub address: Address,
    /// Its topics.
    pub topics: Vec<B256>,
    /// Its data.
    pub data: Vec<u8>,
}

/// An in-memory [`Host`]. A call that fails leaves storage and logs as they were.
#[derive(Debug, Clone)]
pub struct MemoryHost {
    /// The environment of the next call (`address` is set per call).
    pub env: Env,
    /// The namespace's storage.
    pub storage: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Logs emitted so far.
    pub logs: Vec<RecordedLog>,
    /// Gas used by the last call.
    pub gas_used: u64,
    /// `(kind code, account)` pairs to deny; everything else is allowed.
    pub denied: BTreeSet<(u32, Address)>,
    /// The chain's admin accounts.
    pub admins: BTreeSet<Address>,
    gas_left: u64,
}

impl Default for MemoryHost {
    fn default() -> Self {
        MemoryHost::new()
    }
}

impl MemoryHost {
    /// A host with empty storage, caller and origin `0x…01`, block 1, 30M gas per call.
    pub fn new() -> Self {
        let account = Address::with_last_byte(1);
        MemoryHost {
            env: Env {
                caller: account,
                origin: account,
                address: Address::ZERO,
                block_number: 1,
                timestamp_ms: 1_700_000_000_000,
                gas_limit: 30_000_000,
                is_static: false,
                suite: Suite::Standard,
            },
            storage: BTreeMap::new(),
            logs: Vec::new(),
            gas_used: 0,
            denied: BTreeSet::new(),
            admins: BTreeSet::new(),
            gas_left: 0,
        }
    }

    /// Call plugin `P` at `address` with `input` as a host would: charge its base gas,
    /// run it, undo its writes and logs unless it returned.
    pub fn call<P: Plugin>(&mut self, address: Address, input: &[u8]) -> CallResult {
        self.begin(address);
        let (storage, logs) = (self.storage.clone(), self.logs.len());
        let result = self
            .charge_gas(P::INFO.base_gas)
            .map_err(CallError::from)
            .and_then(|()| P::call(self, address, input));
        self.gas_used = self.env.gas_limit - self.gas_left;
        if result.is_err() {
            self.storage = storage;
            self.logs.truncate(logs);
        }
        result
    }

    /// Ask plugin `P` a permission question as a host would (storage and gas as for a
    /// call; the permission plugin's own storage is this host's).
    pub fn authorize<P: Plugin>(&mut self, request: &AuthRequest) -> Result<Verdict, CallError> {
        self.begin(P::INFO.addresses.first().copied().unwrap_or_default());
        let storage = self.storage.clone();
        let result = P::authorize(self, request);
        if result.is_err() {
            self.storage = storage;
        }
        result
    }

    fn begin(&mut self, address: Address) {
        self.env.address = address;
        self.gas_left = self.env.gas_limit;
    }

    fn write_check(&self, key: &[u8], value: &[u8]) -> Result<(), HostError> {
        if self.env.is_static {
            return Err(HostError::StaticWrite);
        }
        if key.len() > ffi::MAX_KEY_LEN || value.len() > ffi::MAX_VALUE_LEN {
            return Err(HostError::TooLarge);
        }
        Ok(())
    }
}

fn words(len: usize) -> u64 {
    len.div_ceil(32) as u64
}

impl Host for MemoryHost {
    fn env(&self) -> Env {
        self.env
    }

    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        if key.len() > ffi::MAX_KEY_LEN {
            return Err(HostError::TooLarge);
        }
        let value = self.storage.get(key).cloned();
        let len = value.as_ref().map_or(0, Vec::len);
        self.charge_gas(gas::STORAGE_READ + gas::STORAGE_READ_WORD * words(len))?;
        Ok(value)
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), HostError> {
        self.write_check(key, value)?;
        self.charge_gas(gas::STORAGE_WRITE + gas::STORAGE_WRITE_WORD * words(value.len()))?;
        self.storage.insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn remove(&mut self, key: &[u8]) -> Result<(), HostError> {
        self.write_check(key, &[])?;
        self.charge_gas(gas::STORAGE_WRITE)?;
        self.storage.remove(key);
        Ok(())
    }

    fn emit_log(&mut self, topics: &[B256], data: &[u8]) -> Result<(), HostError> {
        if self.env.is_static {
            return Err(HostError::StaticWrite);
        }
        if topics.len() > ffi::MAX_LOG_TOPICS {
            return Err(HostError::TooLarge);
        }
        self.charge_gas(
            gas::LOG + gas::LOG_TOPIC * topics.len() as u64 + gas::LOG_BYTE * data.len() as u64,
        )?;
        self.logs.push(RecordedLog {
            address: self.env.address,
            topics: topics.to_vec(),
            data: data.to_vec(),
        });
        Ok(())
    }

    fn charge_gas(&mut self, amount: u64) -> Result<(), HostError> {
        if amount > self.gas_left {
            self.gas_left = 0;
            return Err(HostError::OutOfGas);
        }
        self.gas_left -= amount;
        Ok(())
    }

    fn authorize(&mut self, request: &AuthRequest) -> Result<bool, HostError> {
        Ok(!self
            .denied
            .contains(&(request.kind.code(), request.account)))
    }

    fn is_admin(&mut self, account: Address) -> Result<bool, HostError> {
        Ok(self.admins.contains(&account))
    }
}

/// A [`Host`] that is only storage: no gas, no logs, every permission granted, no admins,
/// and [`MemoryHost::new`]'s environment. For driving a plugin's storage layout directly,
/// outside a call (a [`MemoryHost`] meters gas only inside [`MemoryHost::call`]). Its
/// storage can move to and from a `MemoryHost`'s.
#[derive(Debug, Clone, Default)]
pub struct StorageHost {
    /// The namespace's storage.
    pub storage: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Host for StorageHost {
    fn env(&self) -> Env {
        MemoryHost::new().env
    }

    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        Ok(self.storage.get(key).cloned())
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), HostError> {
        self.storage.insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn remove(&mut self, key: &[u8]) -> Result<(), HostError> {
        self.storage.remove(key);
        Ok(())
    }

    fn emit_log(&mut self, _: &[B256], _: &[u8]) -> Result<(), HostError> {
        Ok(())
    }

    fn charge_gas(&mut self, _: u64) -> Result<(), HostError> {
        Ok(())
    }

    fn authorize(&mut self, _: &AuthRequest) -> Result<bool, HostError> {
        Ok(true)
    }

    fn is_admin(&mut self, _: Address) -> Result<bool, HostError> {
        Ok(false)
    }
}
