//! Crypto `0x100a`: `sm3`, `keccak256Hash` and `sm2Verify`, as FISCO BCOS, on every chain.

use alloy_primitives::{keccak256, Address, B256};
use alloy_sol_types::sol;
use weft_crypto::{PublicKey, SuiteId};
use weft_plugin_abi::sol_types::SolCall;
use weft_plugin_abi::{CallResult, Host};

use crate::SystemHost;

sol! {
    /// FISCO BCOS's CryptoPrecompiled.
    interface Crypto {
        function sm3(bytes data) external view returns (bytes32);
        function keccak256Hash(bytes data) external view returns (bytes32);
        function sm2Verify(bytes32 message, bytes publicKey, bytes32 r, bytes32 s) external view returns (bool, address);
    }
}

/// Gas per 32-byte word hashed.
pub const GAS_PER_WORD: u64 = 12;
/// Gas of one SM2 verification.
pub const GAS_SM2_VERIFY: u64 = 10_000;

fn words(len: usize) -> u64 {
    len.div_ceil(32) as u64
}

/// Verify an SM2 signature `r ‖ s` by `public` (64 bytes, or 65 with the `04` prefix) over
/// the 32-byte `message`; the signer's SM address when valid.
pub fn sm2_verify(message: &B256, public: &[u8], r: &B256, s: &B256) -> Option<Address> {
    let public = match public.len() {
        64 => public,
        65 if public[0] == 4 => &public[1..],
        _ => return None,
    };
    let key = PublicKey::from_slice(public).ok()?;
    let suite = SuiteId::Sm.suite();
    let mut signature = Vec::with_capacity(128);
    signature.extend_from_slice(r.as_slice());
    signature.extend_from_slice(s.as_slice());
    signature.extend_from_slice(key.as_bytes());
    suite.verify(&key, message, &signature).ok()?;
    Some(suite.address(&key))
}

/// Run a call to `0x100a`.
pub fn call(host: &mut dyn SystemHost, input: &[u8]) -> CallResult {
    use weft_plugin_abi::sol_types::SolInterface;
    match Crypto::CryptoCalls::abi_decode(input)? {
        Crypto::CryptoCalls::sm3(c) => {
            Host::charge_gas(host, GAS_PER_WORD * words(c.data.len()))?;
            let digest = SuiteId::Sm.suite().hash(&c.data);
            Ok(Crypto::sm3Call::abi_encode_returns(&digest))
        }
        Crypto::CryptoCalls::keccak256Hash(c) => {
            Host::charge_gas(host, GAS_PER_WORD * words(c.data.len()))?;
            Ok(Crypto::keccak256HashCall::abi_encode_returns(&keccak256(
                &c.data,
            )))
        }
        Crypto::CryptoCalls::sm2Verify(c) => {
            Host::charge_gas(host, GAS_SM2_VERIFY)?;
            let signer = sm2_verify(&c.message, &c.publicKey, &c.r, &c.s);
            Ok(Crypto::sm2VerifyCall::abi_encode_returns(
                &Crypto::sm2VerifyReturn {
                    _0: signer.is_some(),
                    _1: signer.unwrap_or_default(),
                },
            ))
        }
    }
}
