//! Counter in Rust: the twin of `Counter` in `contracts/solidity/src/Caller.sol`, for
//! Solidity contracts (and WASM ones) to call: the same ABI, the count at slot 0.
#![cfg_attr(not(test), no_std)]

use weft_sdk::prelude::*;
use weft_sdk::sol_types::Panic;

/// The contract's storage.
#[storage]
pub struct Counter {
    count: StorageValue<U256>,
}

#[contract]
impl Counter {
    /// The count (Solidity's `uint256 public count` getter).
    pub fn count(&self) -> U256 {
        self.count.get()
    }

    /// Adds one and returns the new count.
    pub fn increment(&mut self) -> Result<U256, Revert> {
        let count = self
            .count
            .get()
            .checked_add(U256::from(1))
            .ok_or(Panic::from(0x11u64))?;
        self.count.set(count);
        Ok(count)
    }

    /// Always reverts with "counter failed".
    pub fn fail() -> Result<(), Revert> {
        Err(Revert::reason("counter failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::testing::TestHost;

    #[test]
    fn increments() {
        let host = TestHost::new();
        let mut c = Counter::instance();
        assert_eq!(c.increment().unwrap(), U256::from(1));
        assert_eq!(c.increment().unwrap(), U256::from(2));
        assert_eq!(c.count(), U256::from(2));
        assert_eq!(host.storage(B256::ZERO), B256::from(U256::from(2)));
        assert_eq!(
            Counter::fail().unwrap_err().reason_string().as_deref(),
            Some("counter failed")
        );
    }

    #[test]
    fn abi_matches_solidity() {
        weft_contract_builder::abi::assert_matches_artifact(Counter::ABI_JSON, "Counter");
    }
}
