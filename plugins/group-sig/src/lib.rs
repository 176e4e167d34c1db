//! Weft's group signature precompile plugin at `0x5004`: BBS04 short group signatures over
//! BLS12-381, verified with [`weft_sig_schemes`].
//!
//! It depends on the plugin ABI crate and the signature schemes only: the same
//! `weft-sig-schemes` that the client library and the `weft group-sig` command line use to
//! make keys and signatures, so the two sides cannot disagree on an encoding.
//!
//! ```text
//!  caller ──groupSigVerify(signature, message, gpkInfo, paramInfo)──▶ 0x5004
//!                                        │ charge gas (message words + verification)
//!                                        │ weft_sig_schemes::group_sig_verify
//!  caller ◀──────────── (int32 code, bool valid) ─────┘   (never reverts on bad input)
//! ```
//!
//! # Interface
//!
//! FISCO BCOS's `GroupSigPrecompiled`, same address and selector (Keccak-256 on every chain):
//!
//! ```solidity
//! function groupSigVerify(string signature, string message, string gpkInfo, string paramInfo)
//!     external view returns (int32 code, bool valid);
//! ```
//!
//! The strings are the `weft-sig-schemes` encodings: `signature` is `bbs04-sig:1:<hex>`,
//! `gpkInfo` is `bbs04-gpk:1:<hex>`, `paramInfo` is
//! [`weft_sig_schemes::bbs04::PARAM_INFO`]; `message` is signed
//! as its UTF-8 bytes. (FISCO's WeDPR strings are a different encoding of a different pairing
//! curve: signatures do not carry over, the interface does.)
//!
//! # Codes
//!
//! FISCO (`bcos-executor/src/precompiled/extension/GroupSigPrecompiled.cpp`) returns
//! `(CODE_SUCCESS = 0, true)` for a valid signature and `(VERIFY_GROUP_SIG_FAILED = -51700,
//! false)` whenever the result is false, malformed input included (its WeDPR exceptions are
//! caught and turned into `false`); an unknown selector gets `(CODE_UNKNOW_FUNCTION_CALL =
//! -50101, false)`. Nothing reverts. This plugin keeps all of that and uses the rest of FISCO's
//! reserved group-signature range (-51799 … -51700) to say *what* was malformed:
//!
//! | code | valid | meaning |
//! |---|---|---|
//! | `0` | `true` | the signature verifies ([`CODE_SUCCESS`]) |
//! | `-51700` | `false` | well formed, does not verify ([`VERIFY_GROUP_SIG_FAILED`], as FISCO) |
//! | `-51701` … `-51718` | `false` | an argument is malformed: `-51700 + SchemeError::code()` (e.g. `-51707` a point off the curve, `-51715` unknown `paramInfo`) |
//! | `-51799` | `false` | call data is not an ABI encoding of four strings ([`CODE_MALFORMED_CALL`]) |
//! | `-50101` | `false` | unknown selector ([`CODE_UNKNOWN_FUNCTION_CALL`], as FISCO) |
//!
//! So `code == 0` exactly when `valid`, as in FISCO, and a contract that only tests
//! `code == 0` or `valid` behaves the same on both chains.
//!
//! # Gas
//!
//! [`BASE_GAS`] per call (ABI decoding) plus, before any curve work, [`VERIFY_GAS`] for decoding
//! the key and signature (subgroup checks) and the verification (one two-pair multi-pairing and
//! five small multi-scalar multiplications), plus [`MESSAGE_WORD_GAS`] per 32-byte word of the
//! message hashed into the challenge. The verification is charged even when an argument turns
//! out malformed: the caller chose the input. Calibrated at about 20 gas per microsecond of
//! release-mode verification on the reference machine (see [`VERIFY_GAS`]); FISCO charges a
//! flat 20,000 (`InterfaceOpcode::GroupSigVerify`).

use weft_plugin_abi::primitives::Address;
use weft_plugin_abi::sol_types::sol;
use weft_plugin_abi::verifier::{self, VerifyCodes};
use weft_plugin_abi::{addr, CallError, CallResult, Host, Plugin, PluginInfo};
use weft_sig_schemes::SchemeError;

sol! {
    #![sol(alloy_sol_types = weft_plugin_abi::sol_types)]
    /// What Solidity (and WASM) callers see at `0x5004`: FISCO's `GroupSigPrecompiled`.
    interface GroupSigPrecompiled {
        function groupSigVerify(string signature, string message, string gpkInfo, string paramInfo)
            external view returns (int32 code, bool valid);
    }
}

/// The plugin.
pub struct GroupSig;

/// Where the plugin answers (FISCO's `/sys/group_sig`).
pub const ADDRESS: Address = addr(0x5004);

/// The signature verifies.
pub const CODE_SUCCESS: i32 = verifier::CODE_SUCCESS;
/// A well-formed signature that does not verify (FISCO's `VERIFY_GROUP_SIG_FAILED`).
pub const VERIFY_GROUP_SIG_FAILED: i32 = -51_700;
/// This plugin's codes: FISCO's range below [`VERIFY_GROUP_SIG_FAILED`].
pub const CODES: VerifyCodes = VerifyCodes {
    failed: VERIFY_GROUP_SIG_FAILED,
};
/// The call data has the selector of `groupSigVerify` but is not an ABI encoding of its
/// arguments (the bottom of FISCO's range).
pub const CODE_MALFORMED_CALL: i32 = CODES.malformed_call();
/// The selector is not `groupSigVerify` (FISCO's `CODE_UNKNOW_FUNCTION_CALL`).
pub const CODE_UNKNOWN_FUNCTION_CALL: i32 = verifier::CODE_UNKNOWN_FUNCTION_CALL;

/// Gas charged by the host for every call, before the plugin runs: the ABI decoding.
pub const BASE_GAS: u64 = 3_000;
/// Gas for decoding the group public key and signature and verifying: 3.0 ms in release mode
/// on the reference machine (0.38 ms decoding the key and 0.15 ms the signature, with
/// subgroup checks; 2.4 ms verifying), at 20 gas per microsecond. Measured with
/// `cargo bench -p weft-sig-schemes --bench verify`.
pub const VERIFY_GAS: u64 = 60_000;
/// Gas per 32-byte word of the message (hashed once into the challenge with SHA-256).
pub const MESSAGE_WORD_GAS: u64 = 12;

impl Plugin for GroupSig {
    const INFO: PluginInfo = PluginInfo {
        name: "group-sig",
        version: env!("CARGO_PKG_VERSION"),
        addresses: &[ADDRESS],
        ranges: &[],
        base_gas: BASE_GAS,
        auth_hook: false,
    };

    fn call(host: &mut dyn Host, _address: Address, input: &[u8]) -> CallResult {
        // Not `dispatch!`: FISCO answers an unknown selector and undecodable arguments with a
        // code, not a revert, and so does this plugin.
        verifier::answer::<GroupSigPrecompiled::groupSigVerifyCall>(input, CODES, |call| {
            group_sig_verify(host, &call)
        })
    }
}

weft_plugin_abi::export_plugin!(GroupSig);

/// `groupSigVerify`: charge the gas, verify, and map the outcome to FISCO's `(code, valid)`.
///
/// `Err` only when the host fails (out of gas); every verdict on the input is an `Ok`.
pub fn group_sig_verify(
    host: &mut dyn Host,
    call: &GroupSigPrecompiled::groupSigVerifyCall,
) -> Result<(i32, bool), CallError> {
    host.charge_gas(gas_for(call.message.len()))?;
    Ok(outcome(weft_sig_schemes::group_sig_verify(
        &call.signature,
        call.message.as_bytes(),
        &call.gpkInfo,
        &call.paramInfo,
    )))
}

/// Gas the plugin charges (on top of [`BASE_GAS`]) for a message of `message_len` bytes.
pub fn gas_for(message_len: usize) -> u64 {
    VERIFY_GAS + MESSAGE_WORD_GAS * message_len.div_ceil(32) as u64
}

/// The `(code, valid)` of a verification result.
pub fn outcome(result: Result<bool, SchemeError>) -> (i32, bool) {
    CODES.outcome(result.map_err(|e| e.code()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use weft_plugin_abi::sol_types::SolCall;
    use weft_plugin_abi::testing::MemoryHost;
    use weft_sig_schemes::bbs04::{self, PARAM_INFO};

    struct Fixture {
        gpk: String,
        signature: String,
        outsider_signature: String,
    }

    const MESSAGE: &str = "transfer 10 to bob";

    fn fixture() -> Fixture {
        let mut rng = StdRng::seed_from_u64(11);
        let group = bbs04::keygen(&mut rng);
        let member = bbs04::issue(&group.public, &group.issuing, &mut rng);
        let signature = bbs04::sign(&group.public, &member, MESSAGE.as_bytes(), &mut rng);
        // A member of another group: a well-formed signature, not by a member of this one.
        let other = bbs04::keygen(&mut rng);
        let outsider = bbs04::issue(&other.public, &other.issuing, &mut rng);
        let outsider_signature =
            bbs04::sign(&other.public, &outsider, MESSAGE.as_bytes(), &mut rng);
        Fixture {
            gpk: group.public.encode(),
            signature: signature.encode(),
            outsider_signature: outsider_signature.encode(),
        }
    }

    fn call(
        signature: &str,
        message: &str,
        gpk: &str,
        param: &str,
    ) -> GroupSigPrecompiled::groupSigVerifyCall {
        GroupSigPrecompiled::groupSigVerifyCall {
            signature: signature.into(),
            message: message.into(),
            gpkInfo: gpk.into(),
            paramInfo: param.into(),
        }
    }

    fn run(host: &mut MemoryHost, input: &[u8]) -> (i32, bool) {
        let out = host
            .call::<GroupSig>(ADDRESS, input)
            .expect("the call returns");
        let r = GroupSigPrecompiled::groupSigVerifyCall::abi_decode_returns(&out).expect("decode");
        (r.code, r.valid)
    }

    fn verify(signature: &str, message: &str, gpk: &str, param: &str) -> (i32, bool) {
        run(
            &mut MemoryHost::new(),
            &call(signature, message, gpk, param).abi_encode(),
        )
    }

    /// Flip one hex digit of the payload at `at` (counted from the end of the framing).
    fn tamper(text: &str, at: usize) -> String {
        let start = text.rfind(':').expect("framed") + 1;
        let mut bytes = text.as_bytes().to_vec();
        let i = start + at;
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).expect("ascii")
    }

    #[test]
    fn valid_signature_verifies() {
        let f = fixture();
        assert_eq!(
            verify(&f.signature, MESSAGE, &f.gpk, PARAM_INFO),
            (CODE_SUCCESS, true)
        );
    }

    #[test]
    fn tampered_message_or_signature_does_not_verify() {
        let f = fixture();
        assert_eq!(
            verify(&f.signature, "transfer 11 to bob", &f.gpk, PARAM_INFO),
            (VERIFY_GROUP_SIG_FAILED, false)
        );
        // A response scalar's low byte (scalars are little-endian, so it stays canonical).
        let payload_scalar = 2 * (3 * bbs04::G1_BYTES + 2 * bbs04::SCALAR_BYTES);
        assert_eq!(
            verify(
                &tamper(&f.signature, payload_scalar),
                MESSAGE,
                &f.gpk,
                PARAM_INFO
            ),
            (VERIFY_GROUP_SIG_FAILED, false)
        );
    }

    #[test]
    fn signature_by_a_non_member_does_not_verify() {
        let f = fixture();
        assert_eq!(
            verify(&f.outsider_signature, MESSAGE, &f.gpk, PARAM_INFO),
            (VERIFY_GROUP_SIG_FAILED, false)
        );
    }

    #[test]
    fn malformed_arguments_get_a_negative_code_not_a_revert() {
        let f = fixture();
        let cases = [
            // (signature, gpk, param, expected scheme error code)
            ("not a signature", f.gpk.as_str(), PARAM_INFO, -2),
            (f.gpk.as_str(), f.gpk.as_str(), PARAM_INFO, -3),
            (
                f.signature.as_str(),
                f.gpk.as_str(),
                "bbs04-param:1:bn254-sha3",
                -15,
            ),
            (f.signature.as_str(), "bbs04-gpk:1:00", PARAM_INFO, -6),
            (
                &f.signature[..f.signature.len() - 2],
                f.gpk.as_str(),
                PARAM_INFO,
                -6,
            ),
        ];
        for (signature, gpk, param, scheme_code) in cases {
            let (code, valid) = verify(signature, MESSAGE, gpk, param);
            assert_eq!(
                (code, valid),
                (VERIFY_GROUP_SIG_FAILED + scheme_code, false),
                "{signature:.20} {gpk:.20} {param}"
            );
            assert!((-51_799..-51_700).contains(&code));
        }
        // A point not on the curve: flip a byte of T1's x coordinate.
        let (code, valid) = verify(&tamper(&f.signature, 10), MESSAGE, &f.gpk, PARAM_INFO);
        assert!(!valid);
        assert!((-51_799..-51_700).contains(&code), "{code}");
    }

    #[test]
    fn unknown_selector_and_bad_abi_get_fisco_codes() {
        let mut host = MemoryHost::new();
        assert_eq!(
            run(&mut host, &[1, 2, 3, 4]),
            (CODE_UNKNOWN_FUNCTION_CALL, false)
        );
        assert_eq!(run(&mut host, &[]), (CODE_UNKNOWN_FUNCTION_CALL, false));
        let mut input = GroupSigPrecompiled::groupSigVerifyCall::SELECTOR.to_vec();
        input.extend_from_slice(&[0xff; 40]);
        assert_eq!(run(&mut host, &input), (CODE_MALFORMED_CALL, false));
    }

    #[test]
    fn gas_is_base_plus_verification_plus_message_words() {
        let f = fixture();
        let mut host = MemoryHost::new();
        run(
            &mut host,
            &call(&f.signature, MESSAGE, &f.gpk, PARAM_INFO).abi_encode(),
        );
        assert_eq!(host.gas_used, BASE_GAS + VERIFY_GAS + MESSAGE_WORD_GAS);
        let long = "x".repeat(320);
        run(
            &mut host,
            &call(&f.signature, &long, &f.gpk, PARAM_INFO).abi_encode(),
        );
        assert_eq!(host.gas_used, BASE_GAS + VERIFY_GAS + 10 * MESSAGE_WORD_GAS);
        // An unknown selector costs the base only.
        run(&mut host, &[1, 2, 3, 4]);
        assert_eq!(host.gas_used, BASE_GAS);
    }

    #[test]
    fn out_of_gas_stops_before_verifying() {
        let f = fixture();
        let mut host = MemoryHost::new();
        host.env.gas_limit = BASE_GAS + VERIFY_GAS - 1;
        let input = call(&f.signature, MESSAGE, &f.gpk, PARAM_INFO).abi_encode();
        assert_eq!(
            host.call::<GroupSig>(ADDRESS, &input),
            Err(CallError::Host(weft_plugin_abi::HostError::OutOfGas))
        );
    }
}
