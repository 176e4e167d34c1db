//! FISCO's verifying precompiles (group and ring signatures): one method that answers
//! `(int32 code, bool valid)` and never reverts on bad input.
//!
//! | code | valid | when |
//! |---|---|---|
//! | `0` | `true` | the input verifies |
//! | `failed` | `false` | well formed, does not verify (FISCO's `VERIFY_*_FAILED`) |
//! | `failed − 1` … `failed − 98` | `false` | an argument is malformed; the offset says how |
//! | `failed − 99` | `false` | the call data is not an ABI encoding of the method's arguments |
//! | `-50101` | `false` | unknown selector (FISCO's `CODE_UNKNOW_FUNCTION_CALL`) |
//!
//! So `code == 0` exactly when `valid`, as in FISCO. A plugin names its range with
//! [`VerifyCodes`] and answers every call with [`answer`].

use alloy_sol_types::{SolCall, SolValue};

use crate::{CallError, CallResult};

/// The verification succeeded.
pub const CODE_SUCCESS: i32 = 0;
/// The selector is not the plugin's method (FISCO's `CODE_UNKNOW_FUNCTION_CALL`).
pub const CODE_UNKNOWN_FUNCTION_CALL: i32 = -50_101;

/// The code range of one verifying precompile: FISCO reserves `failed − 99 ..= failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyCodes {
    /// Well formed, does not verify (FISCO's `VERIFY_*_FAILED`, the top of the range).
    pub failed: i32,
}

impl VerifyCodes {
    /// The call data does not decode (the bottom of the range).
    pub const fn malformed_call(&self) -> i32 {
        self.failed - 99
    }

    /// An argument is malformed: `failed + detail`, with `detail` (a negative scheme error
    /// code) clamped to `-98 ..= -1` so that no future code can leave the range or collide
    /// with "does not verify" or "malformed call".
    pub fn malformed_argument(&self, detail: i32) -> i32 {
        self.failed + detail.clamp(-98, -1)
    }

    /// The `(code, valid)` of a verification: its verdict, or the (negative) code of what
    /// was malformed.
    pub fn outcome(&self, result: Result<bool, i32>) -> (i32, bool) {
        match result {
            Ok(true) => (CODE_SUCCESS, true),
            Ok(false) => (self.failed, false),
            Err(detail) => (self.malformed_argument(detail), false),
        }
    }
}

/// `(int32 code, bool valid)`, ABI-encoded as the method's return value.
pub fn returns(code: i32, valid: bool) -> Vec<u8> {
    (code, valid).abi_encode_params()
}

/// Answer a call of method `C`: an unknown selector and undecodable arguments get their
/// codes, a decoded call is passed to `verify`. `Err` only when `verify` fails on the host
/// (out of gas, say); every verdict on the input is an `Ok`.
pub fn answer<C: SolCall>(
    input: &[u8],
    codes: VerifyCodes,
    verify: impl FnOnce(C) -> Result<(i32, bool), CallError>,
) -> CallResult {
    if input.get(..4) != Some(&C::SELECTOR[..]) {
        return Ok(returns(CODE_UNKNOWN_FUNCTION_CALL, false));
    }
    match C::abi_decode(input) {
        Ok(call) => {
            let (code, valid) = verify(call)?;
            Ok(returns(code, valid))
        }
        Err(_) => Ok(returns(codes.malformed_call(), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::sol;

    sol! {
        function check(string text) external view returns (int32 code, bool valid);
    }

    const CODES: VerifyCodes = VerifyCodes { failed: -51_700 };

    fn run(input: &[u8]) -> (i32, bool) {
        let out = answer::<checkCall>(input, CODES, |call| {
            Ok(CODES.outcome(match call.text.as_str() {
                "yes" => Ok(true),
                "no" => Ok(false),
                _ => Err(-7),
            }))
        })
        .expect("answered");
        let r = checkCall::abi_decode_returns(&out).expect("the method's return encoding");
        (r.code, r.valid)
    }

    #[test]
    fn every_outcome_has_its_code_in_the_range() {
        let call = |text: &str| checkCall { text: text.into() }.abi_encode();
        assert_eq!(run(&call("yes")), (0, true));
        assert_eq!(run(&call("no")), (-51_700, false));
        assert_eq!(run(&call("?")), (-51_707, false));
        assert_eq!(run(&[1, 2, 3, 4]), (CODE_UNKNOWN_FUNCTION_CALL, false));
        assert_eq!(run(&[]), (CODE_UNKNOWN_FUNCTION_CALL, false));
        let mut bad = checkCall::SELECTOR.to_vec();
        bad.extend_from_slice(&[0xff; 40]);
        assert_eq!(run(&bad), (-51_799, false));
        // Details are clamped into the range.
        assert_eq!(CODES.malformed_argument(-500), -51_798);
        assert_eq!(CODES.malformed_argument(0), -51_701);
    }

    #[test]
    fn a_host_failure_is_passed_on() {
        let input = checkCall { text: "yes".into() }.abi_encode();
        let r = answer::<checkCall>(&input, CODES, |_| {
            Err(CallError::Host(crate::HostError::OutOfGas))
        });
        assert_eq!(r, Err(CallError::Host(crate::HostError::OutOfGas)));
    }
}
