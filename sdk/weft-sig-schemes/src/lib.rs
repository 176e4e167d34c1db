//! Group (BBS04) and linkable ring (LSAG) signature schemes: keys, signing, opening and verification.
//!
//! Weft's privacy precompiles verify these signatures on chain; the client library and CLI create
//! keys, sign and (for group signatures) open. This crate is shared by both sides so that the two
//! can never disagree on an encoding or a hash.
//!
//! ```text
//!  client / CLI                                   chain (native plugins)
//!  bbs04::{keygen, issue, sign, open} ──strings──► 0x5004 groupSigVerify(sig, msg, gpkInfo, paramInfo)
//!  lsag::{keygen, sign, linked}       ──strings──► 0x5005 ringSigVerify(sig, msg, paramInfo)
//!                                                    └─► group_sig_verify / ring_sig_verify (this crate)
//! ```
//!
//! * [`bbs04`]: Boneh–Boyen–Shacham short group signatures over BLS12-381 (arkworks).
//! * [`lsag`]: Liu–Wei–Wong linkable ring signatures over secp256k1 (`k256`).
//!
//! Every value crossing the precompile boundary is a Solidity `string` of the form
//! `<kind>:<version>:<lowercase hex>` (see the `encoding` rules on each type's `encode`), decoded
//! with hard size limits. Malformed input is a [`SchemeError`], never a panic; a well-formed
//! signature that does not verify is `Ok(false)`.
//!
//! This crate must not depend on the node, the executor or any I/O: it is pure computation, so
//! a plugin can link it without pulling in the runtime.

#![forbid(unsafe_code)]

pub mod bbs04;
mod encoding;
mod error;
pub mod lsag;

pub use encoding::ENCODING_VERSION;
pub use error::SchemeError;

/// `groupSigVerify(signature, message, gpkInfo, paramInfo)` of precompile 0x5004.
///
/// `Err` if any argument is malformed (the precompile reports [`SchemeError::code`]); `Ok(false)`
/// if all are well formed but the signature is not valid for this message and group.
pub fn group_sig_verify(
    signature: &str,
    message: impl AsRef<[u8]>,
    gpk_info: &str,
    param_info: &str,
) -> Result<bool, SchemeError> {
    bbs04::verify_encoded(signature, message.as_ref(), gpk_info, param_info)
}

/// `ringSigVerify(signature, message, paramInfo)` of precompile 0x5005; `paramInfo` is the ring.
///
/// `Err` if an argument is malformed; `Ok(false)` if both are well formed but the signature is
/// not valid for this message and ring.
pub fn ring_sig_verify(
    signature: &str,
    message: impl AsRef<[u8]>,
    param_info: &str,
) -> Result<bool, SchemeError> {
    lsag::verify_encoded(signature, message.as_ref(), param_info)
}
