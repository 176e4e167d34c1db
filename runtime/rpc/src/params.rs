//! Defensive parsing of positional parameters, and the error objects the server returns.
//!
//! Every parser takes the JSON value and the path it came from (`params[0]`,
//! `params[0].to`) and, when the value is not what it should be, returns an
//! invalid-params error (-32602) naming the path, what was expected and what came.

use alloy_primitives::{Address, Bytes, B256, U256};
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
use serde_json::Value;
use weft_types::BlockNumber;

use crate::api::NodeFault;

/// The error type of every handler.
pub(crate) type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// JSON-RPC 2.0: invalid method parameters.
pub(crate) const INVALID_PARAMS: i32 = -32602;
/// JSON-RPC 2.0: internal error.
pub(crate) const INTERNAL_ERROR: i32 = -32603;
/// Ethereum: a server error (unknown block, rejected transaction, failed execution).
pub(crate) const SERVER_ERROR: i32 = -32000;
/// Ethereum (geth): execution reverted; `data` holds the revert data.
pub(crate) const EXECUTION_REVERTED: i32 = 3;

/// An invalid-params error with `message`.
pub(crate) fn invalid(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(INVALID_PARAMS, message.into(), None::<()>)
}

/// "`path`: expected `what`, got `value`".
pub(crate) fn expected(path: &str, what: &str, value: &Value) -> ErrorObjectOwned {
    invalid(format!("{path}: expected {what}, got {}", show(value)))
}

/// A server error (-32000) with `message`.
pub(crate) fn server_error(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(SERVER_ERROR, message.into(), None::<()>)
}

/// An internal error (-32603) for a node fault.
pub(crate) fn fault(e: NodeFault) -> ErrorObjectOwned {
    ErrorObject::owned(INTERNAL_ERROR, e.0, None::<()>)
}

/// An internal error (-32603) with `message`.
pub(crate) fn internal(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(INTERNAL_ERROR, message.into(), None::<()>)
}

/// A short rendering of a client value for an error message.
fn show(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} characters)", &text[..end], text.len())
}

/// A method's positional parameters.
#[derive(Debug)]
pub(crate) struct Params {
    items: Vec<Value>,
}

impl Params {
    /// Parse the raw `params` member: absent or `null` is no parameters; an array is the
    /// positional list; anything else is refused.
    pub(crate) fn parse(raw: Option<&str>) -> RpcResult<Self> {
        let Some(raw) = raw else {
            return Ok(Params { items: Vec::new() });
        };
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Array(items)) => Ok(Params { items }),
            Ok(Value::Null) => Ok(Params { items: Vec::new() }),
            Ok(other) => Err(expected("params", "a positional array", &other)),
            Err(e) => Err(invalid(format!("params: not valid JSON: {e}"))),
        }
    }

    /// Refuse more than `max` parameters.
    pub(crate) fn at_most(&self, max: usize) -> RpcResult<()> {
        if self.items.len() > max {
            return Err(invalid(format!(
                "too many params: this method takes at most {max}, got {}",
                self.items.len()
            )));
        }
        Ok(())
    }

    /// Parameter `i`, or `None` when it is absent or `null`.
    pub(crate) fn opt(&self, i: usize) -> Option<&Value> {
        self.items.get(i).filter(|v| !v.is_null())
    }

    /// Parameter `i`, required; `what` says what is expected when it is missing.
    pub(crate) fn req(&self, i: usize, what: &str) -> RpcResult<&Value> {
        self.opt(i)
            .ok_or_else(|| invalid(format!("params[{i}]: missing; expected {what}")))
    }

    /// The path of parameter `i`, for error messages.
    pub(crate) fn path(i: usize) -> String {
        format!("params[{i}]")
    }
}

/// Strip an optional `0x` and decode hex, or `None`.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    alloy_primitives::hex::decode(digits).ok()
}

/// Hex bytes (`0x` optional).
pub(crate) fn bytes(value: &Value, path: &str) -> RpcResult<Bytes> {
    value
        .as_str()
        .and_then(decode_hex)
        .map(Bytes::from)
        .ok_or_else(|| expected(path, "hex data", value))
}

/// A 20-byte hex address.
pub(crate) fn address(value: &Value, path: &str) -> RpcResult<Address> {
    match value.as_str().and_then(decode_hex) {
        Some(raw) if raw.len() == 20 => Ok(Address::from_slice(&raw)),
        _ => Err(expected(path, "a 20-byte hex address", value)),
    }
}

/// A 32-byte hex hash.
pub(crate) fn hash(value: &Value, path: &str) -> RpcResult<B256> {
    match value.as_str().and_then(decode_hex) {
        Some(raw) if raw.len() == 32 => Ok(B256::from_slice(&raw)),
        _ => Err(expected(path, "a 32-byte hex hash", value)),
    }
}

/// A string.
pub(crate) fn string<'v>(value: &'v Value, path: &str) -> RpcResult<&'v str> {
    value
        .as_str()
        .ok_or_else(|| expected(path, "a string", value))
}

/// A boolean.
pub(crate) fn boolean(value: &Value, path: &str) -> RpcResult<bool> {
    value
        .as_bool()
        .ok_or_else(|| expected(path, "true or false", value))
}

/// An Ethereum quantity: `0x` and 1 to 64 hex digits (leading zeros tolerated).
pub(crate) fn quantity(value: &Value, path: &str) -> RpcResult<U256> {
    let what = "a hex quantity such as \"0x1a\"";
    let text = value.as_str().ok_or_else(|| expected(path, what, value))?;
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(|| expected(path, what, value))?;
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(expected(path, what, value));
    }
    U256::from_str_radix(digits, 16).map_err(|_| expected(path, what, value))
}

/// An Ethereum quantity that fits in 64 bits.
pub(crate) fn quantity_u64(value: &Value, path: &str) -> RpcResult<u64> {
    let q = quantity(value, path)?;
    u64::try_from(q).map_err(|_| expected(path, "a hex quantity below 2^64", value))
}

/// A FISCO-style number: a JSON integer, a decimal string or a `0x` hex string.
pub(crate) fn number(value: &Value, path: &str) -> RpcResult<u64> {
    let what = "a block number (integer, decimal or 0x-hex string)";
    match value {
        Value::Number(n) => n.as_u64().ok_or_else(|| expected(path, what, value)),
        Value::String(s) if s.starts_with("0x") || s.starts_with("0X") => quantity_u64(value, path),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map_err(|_| expected(path, what, value))
        }
        _ => Err(expected(path, what, value)),
    }
}

/// An Ethereum block reference: a tag, a number, or (EIP-1898) `{blockHash}` /
/// `{blockNumber}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockRef {
    /// `latest`, `pending`, `safe`, `finalized`: on a BFT chain they are one block.
    Latest,
    /// `pending` where the distinction matters (nonces).
    Pending,
    /// A number (`earliest` is 0).
    Number(BlockNumber),
    /// A block hash.
    Hash(B256),
}

/// A block reference; `allow_hash` admits the EIP-1898 object forms.
pub(crate) fn block_ref(value: &Value, path: &str, allow_hash: bool) -> RpcResult<BlockRef> {
    let what = if allow_hash {
        "a block number, \"latest\", \"earliest\", \"pending\", \"safe\", \"finalized\" or {\"blockHash\": …}"
    } else {
        "a block number, \"latest\", \"earliest\", \"pending\", \"safe\" or \"finalized\""
    };
    match value {
        Value::String(s) => match s.as_str() {
            "latest" | "safe" | "finalized" => Ok(BlockRef::Latest),
            "pending" => Ok(BlockRef::Pending),
            "earliest" => Ok(BlockRef::Number(0)),
            _ => quantity_u64(value, path)
                .map(BlockRef::Number)
                .map_err(|_| expected(path, what, value)),
        },
        Value::Object(map) if allow_hash => {
            if let Some(h) = map.get("blockHash") {
                if map.contains_key("blockNumber") {
                    return Err(invalid(format!(
                        "{path}: give blockHash or blockNumber, not both"
                    )));
                }
                Ok(BlockRef::Hash(hash(h, &format!("{path}.blockHash"))?))
            } else if let Some(n) = map.get("blockNumber") {
                block_ref(n, &format!("{path}.blockNumber"), false)
            } else {
                Err(expected(path, what, value))
            }
        }
        _ => Err(expected(path, what, value)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_are_parsed_strictly_enough() {
        assert_eq!(quantity(&json!("0x1a"), "p").ok(), Some(U256::from(26)));
        assert_eq!(quantity(&json!("0x0"), "p").ok(), Some(U256::ZERO));
        for bad in [
            json!("0x"),
            json!("1a"),
            json!(26),
            json!("0xzz"),
            json!(null),
        ] {
            let err = quantity(&bad, "params[0]").unwrap_err();
            assert_eq!(err.code(), INVALID_PARAMS);
            assert!(
                err.message().starts_with("params[0]: expected"),
                "{}",
                err.message()
            );
        }
        assert!(quantity_u64(&json!(format!("0x1{}", "0".repeat(16))), "p").is_err());
    }

    #[test]
    fn addresses_name_the_parameter() {
        let err = address(&json!("0x12"), "params[0]").unwrap_err();
        assert_eq!(
            err.message(),
            "params[0]: expected a 20-byte hex address, got \"0x12\""
        );
        assert!(address(&json!(format!("0x{}", "ab".repeat(20))), "p").is_ok());
    }

    #[test]
    fn block_refs() {
        assert_eq!(
            block_ref(&json!("latest"), "p", false).ok(),
            Some(BlockRef::Latest)
        );
        assert_eq!(
            block_ref(&json!("earliest"), "p", false).ok(),
            Some(BlockRef::Number(0))
        );
        assert_eq!(
            block_ref(&json!("0x10"), "p", false).ok(),
            Some(BlockRef::Number(16))
        );
        let h = format!("0x{}", "11".repeat(32));
        assert!(matches!(
            block_ref(&json!({ "blockHash": h }), "p", true),
            Ok(BlockRef::Hash(_))
        ));
        assert!(block_ref(&json!({ "blockHash": h }), "p", false).is_err());
        assert!(block_ref(&json!("newest"), "p", false).is_err());
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = json!("x".repeat(1000));
        let err = address(&long, "p").unwrap_err();
        assert!(err.message().len() < 200);
    }

    #[test]
    fn params_must_be_positional() {
        assert!(Params::parse(Some("{\"a\":1}")).is_err());
        assert_eq!(Params::parse(None).map(|p| p.items.len()).ok(), Some(0));
        assert_eq!(
            Params::parse(Some("[1,null]"))
                .map(|p| p.opt(1).is_none())
                .ok(),
            Some(true)
        );
    }
}
