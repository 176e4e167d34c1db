//! SystemConfig `0x1000`: `setValueByKey(string,string)` and `getValueByKey(string)`, as
//! FISCO BCOS. A change is validated, kept in the precompile's journaled storage as the
//! block's pending changes, and takes effect at the next block (the executor hands the
//! pending changes to the ledger with the block).

use alloy_rlp::{RlpDecodable, RlpEncodable};
use alloy_sol_types::sol;
use weft_ledger::{keys, MAX_BLOCK_LIMIT_WINDOW};
use weft_plugin_abi::sol_types::SolCall;
use weft_plugin_abi::{CallError, CallResult, HostError};

use crate::SystemHost;

sol! {
    /// FISCO BCOS's SystemConfigPrecompiled.
    interface SystemConfig {
        function setValueByKey(string key, string value) external returns (int32);
        function getValueByKey(string key) external view returns (string, int256);
    }
}

/// The revert message of a write by an account that is not one of the chain's admins.
pub const PERMISSION_DENIED: &str = "permission denied";

/// FISCO's code for an invalid value (`CODE_INVALID_CONFIGURATION_VALUES`).
pub const CODE_INVALID_CONFIGURATION_VALUES: i32 = -51300;

/// The storage key of the block's pending changes.
pub const PENDING_KEY: &[u8] = b"pending";

/// The smallest per-transaction gas limit (FISCO's `TX_GAS_LIMIT_MIN`).
pub const MIN_TX_GAS_LIMIT: u64 = 100_000;

/// The settings the precompile may change.
pub const KEYS: [&str; 7] = [
    keys::TX_COUNT_LIMIT,
    keys::BLOCK_LIMIT_WINDOW,
    keys::LEADER_PERIOD,
    keys::CONSENSUS_TIMEOUT,
    keys::TX_GAS_LIMIT,
    keys::BLOCK_GAS_LIMIT,
    keys::AUTH_CHECK,
];

#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
struct Entry {
    key: String,
    value: String,
}

/// The changes made during one block.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
struct Pending {
    block: u64,
    entries: Vec<Entry>,
}

/// The changes a block made, from the value at [`PENDING_KEY`] after the block: `(key,
/// value)` pairs in the order first set (a key set twice keeps its last value).
pub fn pending_changes(raw: &[u8], block: u64) -> Result<Vec<(String, String)>, alloy_rlp::Error> {
    Ok(pending_of(raw, block)?.map_or_else(Vec::new, |pending| {
        pending
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }))
}

/// The pending changes stored as `raw`, if block `block` made them.
fn pending_of(raw: &[u8], block: u64) -> Result<Option<Pending>, alloy_rlp::Error> {
    let pending = <Pending as alloy_rlp::Decodable>::decode(&mut &raw[..])?;
    Ok((pending.block == block).then_some(pending))
}

/// This block's pending changes so far.
fn pending(host: &mut dyn SystemHost) -> Result<Pending, CallError> {
    let block = host.env().block_number;
    let existing = match host.get(PENDING_KEY)? {
        Some(raw) => pending_of(&raw, block).map_err(|_| CallError::Host(HostError::Failed))?,
        None => None,
    };
    Ok(existing.unwrap_or(Pending {
        block,
        entries: Vec::new(),
    }))
}

/// The value `key` will have at the next block: this block's pending change, or the value
/// in force.
fn next_value(
    host: &mut dyn SystemHost,
    pending: &Pending,
    key: &str,
) -> Result<Option<String>, CallError> {
    if let Some(e) = pending.entries.iter().find(|e| e.key == key) {
        return Ok(Some(e.value.clone()));
    }
    Ok(host.system_config(key)?.map(|(v, _)| v))
}

fn parse_positive(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|v| *v > 0)
}

/// Check `value` for `key`; `Err` is the reason.
fn check(
    host: &mut dyn SystemHost,
    pending: &Pending,
    key: &str,
    value: &str,
) -> Result<Result<(), String>, CallError> {
    if key == keys::AUTH_CHECK {
        return Ok(if value == "0" || value == "1" {
            Ok(())
        } else {
            Err(format!("{key} must be 0 or 1"))
        });
    }
    let Some(v) = parse_positive(value) else {
        return Ok(Err(format!("{key} must be a positive integer")));
    };
    let other = |host: &mut dyn SystemHost, k: &str| -> Result<u64, CallError> {
        Ok(next_value(host, pending, k)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    };
    Ok(match key {
        k if k == keys::BLOCK_LIMIT_WINDOW && v > MAX_BLOCK_LIMIT_WINDOW => {
            Err(format!("{key} must be at most {MAX_BLOCK_LIMIT_WINDOW}"))
        }
        k if k == keys::TX_GAS_LIMIT && v < MIN_TX_GAS_LIMIT => {
            Err(format!("{key} must be at least {MIN_TX_GAS_LIMIT}"))
        }
        k if k == keys::TX_GAS_LIMIT && v > other(host, keys::BLOCK_GAS_LIMIT)? => {
            Err(format!("{key} must not exceed {}", keys::BLOCK_GAS_LIMIT))
        }
        k if k == keys::BLOCK_GAS_LIMIT && v < other(host, keys::TX_GAS_LIMIT)? => {
            Err(format!("{key} must not be below {}", keys::TX_GAS_LIMIT))
        }
        _ => Ok(()),
    })
}

fn set_value(
    host: &mut dyn SystemHost,
    call: SystemConfig::setValueByKeyCall,
) -> Result<i32, CallError> {
    let env = host.env();
    if !host.is_admin(env.caller)? {
        return Err(CallError::revert_message(PERMISSION_DENIED));
    }
    if !KEYS.contains(&call.key.as_str()) {
        return Err(CallError::revert_message(&format!(
            "unsupported key {:?}; supported: {}",
            call.key,
            KEYS.join(", ")
        )));
    }
    let mut pending = pending(host)?;
    if let Err(why) = check(host, &pending, &call.key, &call.value)? {
        tracing::debug!(%why, "system config value refused");
        return Ok(CODE_INVALID_CONFIGURATION_VALUES);
    }
    match pending.entries.iter_mut().find(|e| e.key == call.key) {
        Some(e) => e.value = call.value,
        None => pending.entries.push(Entry {
            key: call.key,
            value: call.value,
        }),
    }
    host.set(PENDING_KEY, &alloy_rlp::encode(&pending))?;
    Ok(0)
}

/// Run a call to `0x1000`.
pub fn call(host: &mut dyn SystemHost, input: &[u8]) -> CallResult {
    use weft_plugin_abi::sol_types::SolInterface;
    match SystemConfig::SystemConfigCalls::abi_decode(input)? {
        SystemConfig::SystemConfigCalls::setValueByKey(call) => {
            let code = set_value(host, call)?;
            Ok(SystemConfig::setValueByKeyCall::abi_encode_returns(&code))
        }
        SystemConfig::SystemConfigCalls::getValueByKey(call) => {
            let (value, enabled) = match host.system_config(&call.key)? {
                Some((value, enabled)) => (
                    value,
                    alloy_primitives::I256::try_from(enabled)
                        .unwrap_or(alloy_primitives::I256::MINUS_ONE),
                ),
                None => (String::new(), alloy_primitives::I256::MINUS_ONE),
            };
            Ok(SystemConfig::getValueByKeyCall::abi_encode_returns(
                &SystemConfig::getValueByKeyReturn {
                    _0: value,
                    _1: enabled,
                },
            ))
        }
    }
}
