//! Gas: the fixed costs of host calls and the fuel conversion.

/// Fuel per unit of gas: 1 gas buys 10 WASM instructions (`sdk/HOST_API.md`).
pub const FUEL_PER_GAS: u64 = 10;

/// Fuel added on top of the gas limit's fuel and never available to the contract.
///
/// The meter checks fuel at function entries and loop headers only, so straight-line code
/// after the last check can overdraw it (the counter goes negative and reads as 0). With this one
/// unit in reserve, "0 fuel left" means "over the limit" without ambiguity, and a frame
/// that overdrew ends in out-of-gas, so a successful frame never used more than its limit.
pub(crate) const FUEL_RESERVE: u64 = 1;

/// Fixed gas costs of host functions, priced as the EVM prices the equivalent opcode
/// (Osaka). State-dependent costs (storage, account access, value transfer) come from the
/// [`Host`](crate::Host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasSchedule {
    /// Environment reads: `input_size`, `caller`, `origin`, `address`, `call_value`,
    /// `block_number`, `block_timestamp`, `chain_id`, `gas_left`, `return_data_size`
    /// (EVM "base", 2).
    pub base: u64,
    /// Fixed part of `input_copy` / `return_data_copy` (EVM "very low", 3).
    pub copy_base: u64,
    /// Per 32-byte word copied by `input_copy`, `return_data_copy`, `set_return` and
    /// `revert` (3).
    pub copy_per_word: u64,
    /// Fixed part of `keccak256` (30).
    pub keccak_base: u64,
    /// Per word hashed by `keccak256` (6).
    pub keccak_per_word: u64,
    /// Fixed part of `chain_hash` (30, as Keccak).
    pub chain_hash_base: u64,
    /// Per word hashed by `chain_hash` (6).
    pub chain_hash_per_word: u64,
    /// Fixed part of `emit_log` (375).
    pub log_base: u64,
    /// Per topic (375).
    pub log_per_topic: u64,
    /// Per byte of log data (8).
    pub log_per_byte: u64,
    /// `storage_store` traps with out-of-gas when no more than this is left (EIP-2200's
    /// sentry, 2300).
    pub sstore_sentry: u64,
    /// Fixed part of `create` (32,000).
    pub create_base: u64,
    /// Per word of init code (EIP-3860, 2).
    pub init_code_per_word: u64,
    /// Per word of init code hashed for `CREATE2`'s address (6).
    pub create2_hash_per_word: u64,
}

impl Default for GasSchedule {
    fn default() -> Self {
        GasSchedule {
            base: 2,
            copy_base: 3,
            copy_per_word: 3,
            keccak_base: 30,
            keccak_per_word: 6,
            chain_hash_base: 30,
            chain_hash_per_word: 6,
            log_base: 375,
            log_per_topic: 375,
            log_per_byte: 8,
            sstore_sentry: 2300,
            create_base: 32_000,
            init_code_per_word: 2,
            create2_hash_per_word: 6,
        }
    }
}
