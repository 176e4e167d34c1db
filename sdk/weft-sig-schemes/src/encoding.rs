//! The text framing shared by every encoded value: `<kind>:<version>:<payload>`.
//!
//! `kind` names what the value is (`bbs04-gpk`, `lsag-sig`, ...), `version` is the decimal
//! encoding version (only `1` exists), and `payload` is lowercase hexadecimal of the binary
//! encoding (for the BBS04 parameter descriptor it is a fixed ASCII name instead). The kind tag
//! makes a value passed in the wrong argument fail loudly instead of decoding as garbage; the
//! version leaves room for a second curve or hash without ambiguity.
//!
//! Decoding is of untrusted data: the payload length is checked against the largest valid value
//! before anything is allocated, uppercase hex and `0x` prefixes are refused so that every value
//! has exactly one encoding, and no input can make these functions panic.

use crate::SchemeError;

/// The encoding version this build writes and the only one it reads.
pub const ENCODING_VERSION: u8 = 1;

/// The version field as it appears in the text.
const VERSION_TEXT: &str = "1";

/// At most this many characters of an unexpected kind or version are echoed in an error.
const ECHO_LIMIT: usize = 32;

/// What a decoder expects: the kind tag and a human name for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// Tag before the first `:`.
    pub(crate) tag: &'static str,
    /// Name used in error messages.
    pub(crate) what: &'static str,
}

/// Writes `<tag>:1:<lowercase hex of payload>`.
pub(crate) fn encode_hex(kind: Kind, payload: &[u8]) -> String {
    let mut out = String::with_capacity(kind.tag.len() + 3 + 2 * payload.len());
    out.push_str(kind.tag);
    out.push(':');
    out.push_str(VERSION_TEXT);
    out.push(':');
    out.push_str(&hex::encode(payload));
    out
}

/// Checks the kind tag and version and returns the payload text, at most `max_payload_chars` long.
pub(crate) fn split(
    input: &str,
    kind: Kind,
    max_payload_chars: usize,
) -> Result<&str, SchemeError> {
    let max_total = kind.tag.len() + 1 + VERSION_TEXT.len() + 1 + max_payload_chars;
    let mut parts = input.splitn(3, ':');
    let (Some(tag), Some(version), Some(payload)) = (parts.next(), parts.next(), parts.next())
    else {
        if input.len() > max_total {
            return Err(SchemeError::TooLong {
                what: kind.what,
                len: input.len(),
                max: max_total,
            });
        }
        return Err(SchemeError::BadFraming {
            what: kind.what,
            expected_kind: kind.tag,
        });
    };
    if tag != kind.tag {
        return Err(SchemeError::WrongKind {
            what: kind.what,
            expected: kind.tag,
            found: echo(tag),
        });
    }
    if version != VERSION_TEXT {
        return Err(SchemeError::UnsupportedVersion {
            what: kind.what,
            found: echo(version),
            supported: ENCODING_VERSION,
        });
    }
    if payload.len() > max_payload_chars {
        return Err(SchemeError::TooLong {
            what: kind.what,
            len: input.len(),
            max: max_total,
        });
    }
    Ok(payload)
}

/// Decodes a hex payload of exactly `N` bytes.
pub(crate) fn decode_fixed<const N: usize>(
    input: &str,
    kind: Kind,
) -> Result<[u8; N], SchemeError> {
    let payload = split(input, kind, 2 * N)?;
    let mut out = [0u8; N];
    if payload.len() != 2 * N {
        if payload.len() % 2 != 0 {
            return Err(SchemeError::InvalidHex { what: kind.what });
        }
        return Err(SchemeError::WrongLength {
            what: kind.what,
            expected: N,
            found: payload.len() / 2,
        });
    }
    check_lower_hex(payload, kind)?;
    hex::decode_to_slice(payload, &mut out)
        .map_err(|_| SchemeError::InvalidHex { what: kind.what })?;
    Ok(out)
}

/// Decodes a hex payload of at most `max_bytes` bytes.
pub(crate) fn decode_bounded(
    input: &str,
    kind: Kind,
    max_bytes: usize,
) -> Result<Vec<u8>, SchemeError> {
    let payload = split(input, kind, 2 * max_bytes)?;
    if payload.len() % 2 != 0 {
        return Err(SchemeError::InvalidHex { what: kind.what });
    }
    check_lower_hex(payload, kind)?;
    hex::decode(payload).map_err(|_| SchemeError::InvalidHex { what: kind.what })
}

/// Refuses uppercase digits so that each value has exactly one text form.
fn check_lower_hex(payload: &str, kind: Kind) -> Result<(), SchemeError> {
    if payload
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(SchemeError::InvalidHex { what: kind.what })
    }
}

/// A bounded copy of untrusted text for an error message.
pub(crate) fn echo(text: &str) -> String {
    text.chars().take(ECHO_LIMIT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: Kind = Kind {
        tag: "test-kind",
        what: "test value",
    };

    #[test]
    fn round_trip() {
        let text = encode_hex(K, &[0xab, 0x01]);
        assert_eq!(text, "test-kind:1:ab01");
        assert_eq!(decode_fixed::<2>(&text, K), Ok([0xab, 0x01]));
        assert_eq!(decode_bounded(&text, K, 2), Ok(vec![0xab, 0x01]));
    }

    #[test]
    fn refuses_non_canonical_and_malformed_text() {
        assert_eq!(
            decode_fixed::<2>("test-kind:1:AB01", K),
            Err(SchemeError::InvalidHex { what: "test value" })
        );
        assert_eq!(
            decode_fixed::<2>("test-kind:1:0xab", K),
            Err(SchemeError::InvalidHex { what: "test value" })
        );
        assert_eq!(
            decode_fixed::<2>("test-kind:1:ab0", K),
            Err(SchemeError::InvalidHex { what: "test value" })
        );
        assert_eq!(
            decode_fixed::<2>("test-kind:1:ab", K),
            Err(SchemeError::WrongLength {
                what: "test value",
                expected: 2,
                found: 1
            })
        );
        assert!(matches!(
            decode_fixed::<2>("test-kind:1:ab0102", K),
            Err(SchemeError::TooLong { .. })
        ));
        assert!(matches!(
            decode_fixed::<2>("ab01", K),
            Err(SchemeError::BadFraming { .. })
        ));
        assert!(matches!(
            decode_fixed::<2>("other:1:ab01", K),
            Err(SchemeError::WrongKind { .. })
        ));
        assert!(matches!(
            decode_fixed::<2>("test-kind:01:ab01", K),
            Err(SchemeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            decode_bounded("test-kind:1:ab01ab", K, 2),
            Err(SchemeError::TooLong { .. })
        ));
    }

    #[test]
    fn echo_is_bounded_and_respects_char_boundaries() {
        let long = "é".repeat(100);
        assert_eq!(echo(&long).chars().count(), ECHO_LIMIT);
    }
}
