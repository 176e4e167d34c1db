//! The execution's context: who called with what, in which block, on which chain.

/// The current call: sender, value, input.
pub mod msg {
    use crate::host;
    use alloc::vec::Vec;
    use alloy_primitives::{Address, U256};

    /// `msg.sender`: the account or contract that made this call.
    pub fn sender() -> Address {
        Address::new(host::caller())
    }

    /// `msg.value`: the value sent with this call.
    pub fn value() -> U256 {
        U256::from_be_bytes(host::call_value())
    }

    /// `msg.data`: this call's input (selector and arguments; constructor arguments in a
    /// deployment).
    pub fn data() -> Vec<u8> {
        host::input()
    }
}

/// The transaction.
pub mod tx {
    use crate::host;
    use alloy_primitives::Address;

    /// `tx.origin`: the account that signed the transaction.
    pub fn origin() -> Address {
        Address::new(host::origin())
    }
}

/// The block being built.
pub mod block {
    use crate::host;

    /// `block.number`.
    pub fn number() -> u64 {
        host::block_number()
    }

    /// `block.timestamp`, in seconds.
    pub fn timestamp() -> u64 {
        host::block_timestamp()
    }

    /// `block.chainid`.
    pub fn chain_id() -> u64 {
        host::chain_id()
    }
}

/// This contract.
pub mod contract {
    use crate::host;
    use alloy_primitives::Address;

    /// `address(this)`.
    pub fn address() -> Address {
        Address::new(host::address())
    }

    /// `gasleft()`.
    pub fn gas_left() -> u64 {
        host::gas_left()
    }
}
