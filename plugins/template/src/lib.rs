//! A template Weft precompile plugin: a notebook at `0x5200` that anyone can write to.
//!
//! Copy this crate, rename it, change the interface and the functions. Build it with
//! `cargo build --release -p weft-plugin-template`, pin the SHA-256 of
//! `target/release/libweft_plugin_template.so` in genesis and drop the file into each
//! node's plugin folder (see the README).

use weft_plugin_abi::primitives::{keccak256, Address, B256, U256};
use weft_plugin_abi::sol_types::sol;
use weft_plugin_abi::{addr, CallError, CallResult, Host, Plugin, PluginInfo};

sol! {
    #![sol(alloy_sol_types = weft_plugin_abi::sol_types)]
    /// What Solidity (and WASM) callers see at `0x5200`.
    interface Notebook {
        function add(uint256 a, uint256 b) external pure returns (uint256);
        function write(string key, string value) external returns (uint256 count);
        function read(string key) external view returns (bool found, string value);
        function whoami() external view returns (address caller, uint256 blockNumber);
        function explode(string message) external;
        function hash(bytes data) external pure returns (bytes32);
        event Written(address indexed by, string key);
    }
}

/// The plugin.
pub struct Template;

/// Where the plugin answers.
pub const ADDRESS: Address = addr(0x5200);

impl Plugin for Template {
    const INFO: PluginInfo = PluginInfo {
        name: "template",
        version: env!("CARGO_PKG_VERSION"),
        addresses: &[ADDRESS],
        ranges: &[],
        base_gas: 1_000,
        auth_hook: false,
    };

    fn call(host: &mut dyn Host, _address: Address, input: &[u8]) -> CallResult {
        weft_plugin_abi::dispatch!(host, input, Notebook::NotebookCalls {
            add => add,
            write => write,
            read => read,
            whoami => whoami,
            explode => explode,
            hash => hash,
        })
    }
}

weft_plugin_abi::export_plugin!(Template);

fn add(_: &mut dyn Host, call: Notebook::addCall) -> Result<U256, CallError> {
    call.a
        .checked_add(call.b)
        .ok_or_else(|| CallError::revert_message("overflow"))
}

fn write(host: &mut dyn Host, call: Notebook::writeCall) -> Result<U256, CallError> {
    let count = match host.get(b"count")? {
        Some(raw) => U256::from_be_slice(&raw) + U256::from(1),
        None => U256::from(1),
    };
    host.set(call.key.as_bytes(), call.value.as_bytes())?;
    host.set(b"count", &count.to_be_bytes::<32>())?;
    let by = host.env().caller;
    weft_plugin_abi::emit(host, &Notebook::Written { by, key: call.key })?;
    Ok(count)
}

fn read(host: &mut dyn Host, call: Notebook::readCall) -> Result<Notebook::readReturn, CallError> {
    let value = host.get(call.key.as_bytes())?;
    Ok(Notebook::readReturn {
        found: value.is_some(),
        value: String::from_utf8_lossy(&value.unwrap_or_default()).into_owned(),
    })
}

fn whoami(
    host: &mut dyn Host,
    _: Notebook::whoamiCall,
) -> Result<Notebook::whoamiReturn, CallError> {
    let env = host.env();
    Ok(Notebook::whoamiReturn {
        caller: env.caller,
        blockNumber: U256::from(env.block_number),
    })
}

fn hash(host: &mut dyn Host, call: Notebook::hashCall) -> Result<B256, CallError> {
    // Work that depends on the input's size is charged for.
    host.charge_gas(12 * call.data.len().div_ceil(32) as u64)?;
    Ok(keccak256(&call.data))
}

fn explode(
    _: &mut dyn Host,
    call: Notebook::explodeCall,
) -> Result<Notebook::explodeReturn, CallError> {
    // Panics never cross into the node: the exported functions catch them and the
    // transaction fails with this message.
    panic!("{}", call.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_plugin_abi::sol_types::SolCall;
    use weft_plugin_abi::testing::MemoryHost;

    #[test]
    fn writes_then_reads_off_chain() {
        let mut host = MemoryHost::new();
        let write = Notebook::writeCall {
            key: "k".into(),
            value: "v".into(),
        };
        let out = host
            .call::<Template>(ADDRESS, &write.abi_encode())
            .expect("write");
        assert_eq!(
            Notebook::writeCall::abi_decode_returns(&out).expect("decode"),
            U256::from(1)
        );
        assert_eq!(host.logs.len(), 1);
        let read = Notebook::readCall { key: "k".into() };
        let out = host
            .call::<Template>(ADDRESS, &read.abi_encode())
            .expect("read");
        let got = Notebook::readCall::abi_decode_returns(&out).expect("decode");
        assert!(got.found);
        assert_eq!(got.value, "v");
    }

    #[test]
    fn unknown_selector_and_overflow_revert() {
        let mut host = MemoryHost::new();
        assert!(matches!(
            host.call::<Template>(ADDRESS, &[1, 2, 3, 4]),
            Err(CallError::Revert(_))
        ));
        let add = Notebook::addCall {
            a: U256::MAX,
            b: U256::from(1),
        };
        assert_eq!(
            host.call::<Template>(ADDRESS, &add.abi_encode()),
            Err(CallError::revert_message("overflow"))
        );
    }

    #[test]
    fn static_calls_cannot_write_and_failed_calls_leave_no_trace() {
        let mut host = MemoryHost::new();
        host.env.is_static = true;
        let write = Notebook::writeCall {
            key: "k".into(),
            value: "v".into(),
        };
        assert!(host.call::<Template>(ADDRESS, &write.abi_encode()).is_err());
        assert!(host.storage.is_empty() && host.logs.is_empty());
    }
}
