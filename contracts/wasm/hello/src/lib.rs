//! HelloWorld in Rust: the twin of `contracts/solidity/src/HelloWorld.sol` (same ABI, same
//! storage: the string at slot 0).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::string::String;
use weft_sdk::prelude::*;

/// The contract's storage.
#[storage]
pub struct HelloWorld {
    name: StorageValue<String>,
}

#[contract]
impl HelloWorld {
    /// Starts with "Hello, World!".
    #[constructor]
    pub fn constructor(&mut self) {
        self.name.set(String::from("Hello, World!"));
    }

    /// The string.
    pub fn get(&self) -> String {
        self.name.get()
    }

    /// Replaces the string.
    pub fn set(&mut self, name_: String) {
        self.name.set(name_);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::sol;
    use weft_sdk::testing::TestHost;

    sol! {
        function get() external view returns (string);
        function set(string name_) external;
    }

    #[test]
    fn get_and_set() {
        let _host = TestHost::new();
        let mut hello = HelloWorld::instance();
        hello.constructor();
        assert_eq!(hello.get(), "Hello, World!");
        hello.set(String::from("Weft"));
        assert_eq!(hello.get(), "Weft");
    }

    #[test]
    fn through_the_abi() {
        let host = TestHost::new();
        let at = host.deploy::<HelloWorld>(&[]).unwrap();
        assert_eq!(host.call_sol(at, &getCall {}).unwrap(), "Hello, World!");
        host.call_sol(
            at,
            &setCall {
                name_: "a longer string, over thirty-two bytes".into(),
            },
        )
        .unwrap();
        assert_eq!(
            host.call_sol(at, &getCall {}).unwrap(),
            "a longer string, over thirty-two bytes"
        );
        // Not payable: value reverts.
        host.set_value(U256::from(1));
        let err = host.call_sol(at, &getCall {}).unwrap_err();
        assert_eq!(
            weft_sdk::abi::decode_reason(&err).as_deref(),
            Some("Weft: method is not payable")
        );
    }

    #[test]
    fn abi_matches_solidity() {
        weft_contract_builder::abi::assert_matches_artifact(HelloWorld::ABI_JSON, "HelloWorld");
    }
}
