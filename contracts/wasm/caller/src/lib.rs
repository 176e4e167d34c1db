//! Caller in Rust: the twin of `Caller` in `contracts/solidity/src/Caller.sol`: typed calls
//! to a Counter (Solidity or WASM) declared with `sol!`, a caught revert, a low-level call
//! and a static call.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::string::String;
use weft_sdk::prelude::*;

sol! {
    /// The view of Counter that Caller uses.
    interface ICounter {
        function count() external view returns (uint256);
        function increment() external returns (uint256);
        function fail() external;
    }
}

/// No storage of its own.
#[storage]
pub struct Caller;

#[contract]
impl Caller {
    /// `ICounter(counter).increment()`; a revert of the counter's bubbles up.
    pub fn call_increment(&mut self, counter: Address) -> Result<U256, Revert> {
        Ok(call(counter, &ICounter::incrementCall {})?)
    }

    /// Calls `fail()` and catches its `Error(string)`: `(false, reason)`; `(true, "")` if the
    /// call unexpectedly succeeded. Any other failure bubbles up, as Solidity's
    /// `try … catch Error(string memory r)` lets it.
    pub fn call_fail_catch(&mut self, counter: Address) -> Result<(bool, String), Revert> {
        match call(counter, &ICounter::failCall {}) {
            Ok(_) => Ok((true, String::new())),
            Err(e) => match e.reason() {
                Some(reason) => Ok((false, reason)),
                None => Err(e.into()),
            },
        }
    }

    /// Calls `target` with raw `data`: `(success, return or revert data)`.
    pub fn low_level_call(&mut self, target: Address, data: Bytes) -> (bool, Bytes) {
        match Call::new(target).invoke_raw(&data) {
            Ok(ret) => (true, ret.into()),
            Err(e) => (false, e.data().to_vec().into()),
        }
    }

    /// Reads `count()` through a static call.
    pub fn static_read(&self, counter: Address) -> Result<U256, Revert> {
        Ok(static_call(counter, &ICounter::countCall {})?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_contract_callee::Counter;
    use weft_sdk::address;
    use weft_sdk::call::CallKind;
    use weft_sdk::testing::{MockResult, TestHost};

    const COUNTER: Address = address!("000000000000000000000000000000000000c047");

    #[test]
    fn calls_a_mocked_counter() {
        let host = TestHost::new();
        host.mock_sol::<ICounter::incrementCall>(COUNTER, &U256::from(41));
        let mut caller = Caller::instance();
        assert_eq!(caller.call_increment(COUNTER).unwrap(), U256::from(41));
        let calls = host.calls();
        assert_eq!(calls[0].to, COUNTER);
        assert_eq!(calls[0].data, ICounter::incrementCall::SELECTOR);

        host.mock_sol_revert::<ICounter::failCall>(COUNTER, "nope");
        assert_eq!(
            caller.call_fail_catch(COUNTER).unwrap(),
            (false, "nope".into())
        );
    }

    #[test]
    fn calls_the_wasm_counter_natively() {
        let host = TestHost::new();
        host.register::<Counter>(COUNTER);
        let mut caller = Caller::instance();
        assert_eq!(caller.call_increment(COUNTER).unwrap(), U256::from(1));
        assert_eq!(caller.call_increment(COUNTER).unwrap(), U256::from(2));
        // The counter's storage is its own.
        assert_eq!(
            host.storage_of(COUNTER, B256::ZERO),
            B256::from(U256::from(2))
        );
        assert_eq!(host.storage(B256::ZERO), B256::ZERO);
        assert_eq!(caller.static_read(COUNTER).unwrap(), U256::from(2));
        assert_eq!(host.calls().last().map(|c| c.kind), Some(CallKind::Static));
        assert_eq!(
            caller.call_fail_catch(COUNTER).unwrap(),
            (false, "counter failed".into())
        );
    }

    #[test]
    fn non_reason_reverts_bubble() {
        let host = TestHost::new();
        host.mock_call(
            COUNTER,
            &ICounter::failCall::SELECTOR,
            MockResult::Revert(vec![1, 2, 3]),
        );
        let mut caller = Caller::instance();
        assert_eq!(
            caller.call_fail_catch(COUNTER).unwrap_err().data(),
            &[1, 2, 3]
        );
        host.mock_call(
            COUNTER,
            &ICounter::incrementCall::SELECTOR,
            MockResult::Revert(vec![9]),
        );
        assert_eq!(caller.call_increment(COUNTER).unwrap_err().data(), &[9]);
    }

    #[test]
    fn low_level_call_returns_raw_data() {
        let host = TestHost::new();
        host.register::<Counter>(COUNTER);
        let mut caller = Caller::instance();
        let (ok, ret) =
            caller.low_level_call(COUNTER, ICounter::incrementCall {}.abi_encode().into());
        assert!(ok);
        assert_eq!(U256::from_be_slice(&ret), U256::from(1));
        let (ok, ret) = caller.low_level_call(COUNTER, ICounter::failCall {}.abi_encode().into());
        assert!(!ok);
        assert_eq!(
            weft_sdk::abi::decode_reason(&ret).as_deref(),
            Some("counter failed")
        );
    }

    #[test]
    fn abi_matches_solidity() {
        weft_contract_builder::abi::assert_matches_artifact(Caller::ABI_JSON, "Caller");
    }
}
