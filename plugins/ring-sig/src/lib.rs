//! Weft's ring signature precompile plugin at `0x5005`: LSAG linkable ring signatures over
//! secp256k1, verified with [`weft_sig_schemes`].
//!
//! It depends on the plugin ABI crate and the signature schemes only: the same
//! `weft-sig-schemes` that the client library and the `weft ring-sig` command line use to
//! make keys and signatures, so the two sides cannot disagree on an encoding.
//!
//! ```text
//!  caller ──ringSigVerify(signature, message, paramInfo)──▶ 0x5005
//!                      │ charge decoding gas (per input byte)
//!                      │ decode ring and signature
//!                      │ charge verification gas (per ring member, per message word)
//!                      │ lsag::verify
//!  caller ◀──── (int32 code, bool valid) ───┘   (never reverts on bad input)
//! ```
//!
//! # Interface
//!
//! FISCO BCOS's `RingSigPrecompiled`, same address and selector (Keccak-256 on every chain):
//!
//! ```solidity
//! function ringSigVerify(string signature, string message, string paramInfo)
//!     external view returns (int32 code, bool valid);
//! ```
//!
//! `signature` is `lsag-sig:1:<hex>`, `paramInfo` is the ring, `lsag-ring:1:<hex>` (1 to
//! [`lsag::MAX_RING_SIZE`] public keys, in the order the signature was made for); `message` is
//! signed as its UTF-8 bytes. Linking two signatures (same key image, same signer) is done off
//! chain with `weft_sig_schemes::lsag::linked`, or by a contract comparing key images.
//!
//! # Codes
//!
//! FISCO (`bcos-executor/src/precompiled/extension/RingSigPrecompiled.cpp`, v3) returns
//! `(CODE_SUCCESS = 0, true)` for a valid signature and `(VERIFY_RING_SIG_FAILED = -51800,
//! false)` whenever the result is false, malformed input included (its exceptions are caught
//! and turned into `false`); an unknown selector gets `(CODE_UNKNOW_FUNCTION_CALL = -50101,
//! false)`. Nothing reverts. This plugin keeps all of that and uses the rest of FISCO's reserved
//! ring-signature range (-51899 … -51800) to say *what* was malformed:
//!
//! | code | valid | meaning |
//! |---|---|---|
//! | `0` | `true` | the signature verifies ([`CODE_SUCCESS`]) |
//! | `-51800` | `false` | well formed, does not verify ([`VERIFY_RING_SIG_FAILED`], as FISCO); this includes a signature made for a ring of another size |
//! | `-51801` … `-51818` | `false` | an argument is malformed: `-51800 + SchemeError::code()` (e.g. `-51807` a point off the curve, `-51811` a ring over 64 keys, `-51812` a repeated key) |
//! | `-51899` | `false` | call data is not an ABI encoding of three strings ([`CODE_MALFORMED_CALL`]) |
//! | `-50101` | `false` | unknown selector ([`CODE_UNKNOWN_FUNCTION_CALL`], as FISCO) |
//!
//! So `code == 0` exactly when `valid`, as in FISCO.
//!
//! # Gas
//!
//! Verification work is linear in the ring size: per member one hash to the curve, one hash to
//! a scalar and two double-scalar multiplications. The plugin charges
//!
//! * [`BASE_GAS`] per call (the host charges it first): ABI decoding and the fixed part;
//! * [`DECODE_GAS_PER_BYTE`] per byte of `signature` and `paramInfo`, *before* decoding them
//!   (point decompression dominates, and the encodings are linear in the ring size);
//! * [`MEMBER_GAS`] per ring member and [`MESSAGE_WORD_GAS`] per 32-byte message word, after
//!   decoding and before verifying.
//!
//! Calibrated at about 20 gas per microsecond of release-mode work on the reference machine
//! (see the constants); FISCO charges a flat 20,000 (`InterfaceOpcode::RingSigVerify`) whatever
//! the ring size.

use weft_plugin_abi::primitives::Address;
use weft_plugin_abi::sol_types::sol;
use weft_plugin_abi::verifier::{self, VerifyCodes};
use weft_plugin_abi::{addr, CallError, CallResult, Host, Plugin, PluginInfo};
use weft_sig_schemes::lsag;
use weft_sig_schemes::SchemeError;

sol! {
    #![sol(alloy_sol_types = weft_plugin_abi::sol_types)]
    /// What Solidity (and WASM) callers see at `0x5005`: FISCO's `RingSigPrecompiled`.
    interface RingSigPrecompiled {
        function ringSigVerify(string signature, string message, string paramInfo)
            external view returns (int32 code, bool valid);
    }
}

/// The plugin.
pub struct RingSig;

/// Where the plugin answers (FISCO's `/sys/ring_sig`).
pub const ADDRESS: Address = addr(0x5005);

/// The signature verifies.
pub const CODE_SUCCESS: i32 = verifier::CODE_SUCCESS;
/// A well-formed signature that does not verify (FISCO's `VERIFY_RING_SIG_FAILED`).
pub const VERIFY_RING_SIG_FAILED: i32 = -51_800;
/// This plugin's codes: FISCO's range below [`VERIFY_RING_SIG_FAILED`].
pub const CODES: VerifyCodes = VerifyCodes {
    failed: VERIFY_RING_SIG_FAILED,
};
/// The call data has the selector of `ringSigVerify` but is not an ABI encoding of its
/// arguments (the bottom of FISCO's range).
pub const CODE_MALFORMED_CALL: i32 = CODES.malformed_call();
/// The selector is not `ringSigVerify` (FISCO's `CODE_UNKNOW_FUNCTION_CALL`).
pub const CODE_UNKNOWN_FUNCTION_CALL: i32 = verifier::CODE_UNKNOWN_FUNCTION_CALL;

/// Gas charged by the host for every call, before the plugin runs: the ABI decoding and the
/// fixed part of a verification (the transcript prefix, the final comparison).
pub const BASE_GAS: u64 = 3_000;
/// Gas per byte of the `signature` and `paramInfo` strings, charged before decoding them.
/// Each ring member brings 130 hex characters (66 of key, 64 of response) and costs about
/// 5.7 µs to decode (one point decompression, the duplicate check) in release mode on the
/// reference machine: ≈ 114 gas at 20 gas per µs, so 1 gas per character.
pub const DECODE_GAS_PER_BYTE: u64 = 1;
/// Gas per ring member: hash to the curve, hash to a scalar and two double-scalar
/// multiplications, about 180 µs per member in release mode on the reference machine
/// (11.7 ms for 64 members), at 20 gas per µs. Measured with
/// `cargo bench -p weft-sig-schemes --bench verify`.
pub const MEMBER_GAS: u64 = 3_600;
/// Gas per 32-byte word of the message (hashed once into the transcript with SHA-256).
pub const MESSAGE_WORD_GAS: u64 = 12;

impl Plugin for RingSig {
    const INFO: PluginInfo = PluginInfo {
        name: "ring-sig",
        version: env!("CARGO_PKG_VERSION"),
        addresses: &[ADDRESS],
        ranges: &[],
        base_gas: BASE_GAS,
        auth_hook: false,
    };

    fn call(host: &mut dyn Host, _address: Address, input: &[u8]) -> CallResult {
        // Not `dispatch!`: FISCO answers an unknown selector and undecodable arguments with a
        // code, not a revert, and so does this plugin.
        verifier::answer::<RingSigPrecompiled::ringSigVerifyCall>(input, CODES, |call| {
            ring_sig_verify(host, &call)
        })
    }
}

weft_plugin_abi::export_plugin!(RingSig);

/// `ringSigVerify`: charge, decode, charge, verify, and map the outcome to FISCO's
/// `(code, valid)`.
///
/// `Err` only when the host fails (out of gas); every verdict on the input is an `Ok`.
pub fn ring_sig_verify(
    host: &mut dyn Host,
    call: &RingSigPrecompiled::ringSigVerifyCall,
) -> Result<(i32, bool), CallError> {
    host.charge_gas(decode_gas(call.signature.len(), call.paramInfo.len()))?;
    let (ring, signature) = match lsag::decode_encoded(&call.signature, &call.paramInfo) {
        Ok(decoded) => decoded,
        Err(e) => return Ok(outcome(Err(e))),
    };
    host.charge_gas(verify_gas(ring.len(), call.message.len()))?;
    Ok(outcome(Ok(lsag::verify(
        call.message.as_bytes(),
        &ring,
        &signature,
    ))))
}

/// Gas charged before decoding `signature_len` and `param_info_len` bytes of strings.
pub fn decode_gas(signature_len: usize, param_info_len: usize) -> u64 {
    DECODE_GAS_PER_BYTE * (signature_len as u64).saturating_add(param_info_len as u64)
}

/// Gas charged before verifying against a ring of `ring_size` for a `message_len`-byte message.
pub fn verify_gas(ring_size: usize, message_len: usize) -> u64 {
    MEMBER_GAS * ring_size as u64 + MESSAGE_WORD_GAS * message_len.div_ceil(32) as u64
}

/// The `(code, valid)` of a verification result.
pub fn outcome(result: Result<bool, SchemeError>) -> (i32, bool) {
    CODES.outcome(result.map_err(|e| e.code()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsag::{Ring, RingPublicKey, RingSecretKey};
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use weft_plugin_abi::sol_types::SolCall;
    use weft_plugin_abi::testing::MemoryHost;

    const MESSAGE: &str = "vote: yes";

    fn keys(seed: u64, n: usize) -> Vec<(RingSecretKey, RingPublicKey)> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| lsag::keygen(&mut rng)).collect()
    }

    fn ring_of(keys: &[(RingSecretKey, RingPublicKey)]) -> Ring {
        Ring::new(keys.iter().map(|(_, p)| *p).collect()).expect("ring")
    }

    /// A ring of `n`, its encoding and a signature on [`MESSAGE`] by member `n / 2`.
    fn signed(seed: u64, n: usize) -> (String, String) {
        let keys = keys(seed, n);
        let ring = ring_of(&keys);
        let signer = n / 2;
        let sig = lsag::sign(
            MESSAGE.as_bytes(),
            &ring,
            &keys[signer].0,
            signer,
            &mut StdRng::seed_from_u64(seed + 1000),
        )
        .expect("sign");
        (ring.encode(), sig.encode())
    }

    fn input(signature: &str, message: &str, ring: &str) -> Vec<u8> {
        RingSigPrecompiled::ringSigVerifyCall {
            signature: signature.into(),
            message: message.into(),
            paramInfo: ring.into(),
        }
        .abi_encode()
    }

    fn run(host: &mut MemoryHost, input: &[u8]) -> (i32, bool) {
        let out = host
            .call::<RingSig>(ADDRESS, input)
            .expect("the call returns");
        let r = RingSigPrecompiled::ringSigVerifyCall::abi_decode_returns(&out).expect("decode");
        (r.code, r.valid)
    }

    fn verify(signature: &str, message: &str, ring: &str) -> (i32, bool) {
        run(&mut MemoryHost::new(), &input(signature, message, ring))
    }

    /// Flip one hex digit of the payload at `at`.
    fn tamper(text: &str, at: usize) -> String {
        let start = text.rfind(':').expect("framed") + 1;
        let mut bytes = text.as_bytes().to_vec();
        let i = start + at;
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).expect("ascii")
    }

    #[test]
    fn valid_signatures_verify() {
        for n in [1, 2, 16] {
            let (ring, sig) = signed(n as u64, n);
            assert_eq!(verify(&sig, MESSAGE, &ring), (CODE_SUCCESS, true), "n={n}");
        }
    }

    #[test]
    fn tampered_message_or_signature_does_not_verify() {
        let (ring, sig) = signed(3, 16);
        assert_eq!(
            verify(&sig, "vote: no", &ring),
            (VERIFY_RING_SIG_FAILED, false)
        );
        // The last digit of s_0 (big-endian, so the value stays canonical).
        let s0_last = 2 * (1 + lsag::POINT_BYTES + 2 * lsag::SCALAR_BYTES) - 1;
        assert_eq!(
            verify(&tamper(&sig, s0_last), MESSAGE, &ring),
            (VERIFY_RING_SIG_FAILED, false)
        );
    }

    #[test]
    fn signature_for_another_ring_does_not_verify() {
        // Signed by a non-member: a ring that does not contain the signer.
        let (_, sig) = signed(4, 8);
        let (other_ring, _) = signed(5, 8);
        assert_eq!(
            verify(&sig, MESSAGE, &other_ring),
            (VERIFY_RING_SIG_FAILED, false)
        );
        // Same members, other size.
        let (small_ring, _) = signed(4, 4);
        assert_eq!(
            verify(&sig, MESSAGE, &small_ring),
            (VERIFY_RING_SIG_FAILED, false)
        );
    }

    #[test]
    fn malformed_arguments_get_a_negative_code_not_a_revert() {
        let (ring, sig) = signed(6, 4);
        let cases = [
            ("garbage", ring.as_str(), -2),
            (ring.as_str(), ring.as_str(), -3),
            (sig.as_str(), sig.as_str(), -3),
            (sig.as_str(), "lsag-ring:1:00", -10),
            (sig.as_str(), "lsag-ring:2:00", -4),
            (sig.as_str(), "lsag-ring:1:0G", -5),
            (&sig[..sig.len() - 2], ring.as_str(), -6),
        ];
        for (signature, param, scheme_code) in cases {
            assert_eq!(
                verify(signature, MESSAGE, param),
                (VERIFY_RING_SIG_FAILED + scheme_code, false),
                "{signature:.20} {param:.20}"
            );
        }
        // A repeated key.
        let keys = keys(7, 2);
        let pk = keys[0].1.encode();
        let payload = &pk[pk.rfind(':').expect("framed") + 1..];
        let dup = format!("lsag-ring:1:02{payload}{payload}");
        assert_eq!(
            verify(&sig, MESSAGE, &dup),
            (VERIFY_RING_SIG_FAILED - 12, false)
        );
    }

    #[test]
    fn unknown_selector_and_bad_abi_get_fisco_codes() {
        let mut host = MemoryHost::new();
        assert_eq!(
            run(&mut host, &[9, 9, 9, 9]),
            (CODE_UNKNOWN_FUNCTION_CALL, false)
        );
        assert_eq!(run(&mut host, &[9]), (CODE_UNKNOWN_FUNCTION_CALL, false));
        let mut input = RingSigPrecompiled::ringSigVerifyCall::SELECTOR.to_vec();
        input.extend_from_slice(&[0xff; 40]);
        assert_eq!(run(&mut host, &input), (CODE_MALFORMED_CALL, false));
    }

    #[test]
    fn gas_grows_with_the_ring_size() {
        let mut used = Vec::new();
        for n in [1, 2, 16, 64] {
            let (ring, sig) = signed(10 + n as u64, n);
            let mut host = MemoryHost::new();
            assert_eq!(
                run(&mut host, &input(&sig, MESSAGE, &ring)),
                (CODE_SUCCESS, true)
            );
            assert_eq!(
                host.gas_used,
                BASE_GAS + decode_gas(sig.len(), ring.len()) + verify_gas(n, MESSAGE.len()),
                "n={n}"
            );
            used.push(host.gas_used);
        }
        assert!(used.windows(2).all(|w| w[0] < w[1]), "{used:?}");
        // Linear: each member adds its verification and its 130 hex characters of key and
        // response.
        assert_eq!(
            used[3] - used[0],
            63 * (MEMBER_GAS + 130 * DECODE_GAS_PER_BYTE)
        );
    }

    #[test]
    fn malformed_input_pays_for_decoding_only() {
        let (ring, sig) = signed(20, 16);
        let mut host = MemoryHost::new();
        let bad_sig = &sig[..sig.len() - 2];
        run(&mut host, &input(bad_sig, MESSAGE, &ring));
        assert_eq!(
            host.gas_used,
            BASE_GAS + decode_gas(bad_sig.len(), ring.len())
        );
    }

    #[test]
    fn out_of_gas_stops_before_verifying() {
        let (ring, sig) = signed(21, 16);
        let mut host = MemoryHost::new();
        host.env.gas_limit = BASE_GAS + decode_gas(sig.len(), ring.len()) + 16 * MEMBER_GAS - 1;
        assert_eq!(
            host.call::<RingSig>(ADDRESS, &input(&sig, MESSAGE, &ring)),
            Err(CallError::Host(weft_plugin_abi::HostError::OutOfGas))
        );
    }
}
