//! The wire format of one message: a length-prefixed frame tagged with module and group.
//!
//! ```text
//! u32 BE   length      number of bytes that follow (1 + 1 + group_len + payload)
//! u8       module      0 = control (network-internal), 1.. = Module
//! u8       group_len
//! [u8]     group       UTF-8 group id
//! [u8]     payload
//! ```

use bytes::{BufMut, Bytes, BytesMut};

/// The module a message belongs to. Each module has its own ordered QUIC stream per
/// peer and direction, so a large block-sync transfer never delays a consensus vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Module {
    /// PBFT messages (pre-prepare, prepare, commit, view change, checkpoint).
    Consensus = 1,
    /// Transaction gossip between pools.
    TxSync = 2,
    /// Block download and status.
    BlockSync = 3,
    /// Application messages between clients of different nodes (AMOP).
    Amop = 4,
}

impl Module {
    /// Every module, in wire order.
    pub const ALL: [Module; 4] = [
        Module::Consensus,
        Module::TxSync,
        Module::BlockSync,
        Module::Amop,
    ];

    /// The module's wire byte.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The module with wire byte `b`, if any.
    pub fn from_u8(b: u8) -> Option<Module> {
        Module::ALL.into_iter().find(|m| m.as_u8() == b)
    }

    /// Its position in [`Module::ALL`].
    pub(crate) fn index(self) -> usize {
        usize::from(self.as_u8() - 1)
    }
}

/// The module byte of network-internal control frames (the acceptor's hello).
pub(crate) const CONTROL: u8 = 0;

/// Bytes of the length prefix.
pub(crate) const LEN_PREFIX: usize = 4;

/// The longest group id a frame carries.
pub const MAX_GROUP_LEN: usize = u8::MAX as usize;

/// A frame with its body decoded but its module byte not yet interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFrame {
    pub module: u8,
    pub group: Bytes,
    pub payload: Bytes,
}

/// Why bytes from a peer are not a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix announces more than the receiver accepts.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes (max_frame)")]
    TooLarge {
        /// Announced length.
        len: usize,
        /// The receiver's `max_frame`.
        max: usize,
    },
    /// The body is shorter than its header says.
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
}

/// The length a frame for `group` and a payload of `payload_len` bytes announces.
pub(crate) fn body_len(group: &str, payload_len: usize) -> usize {
    2 + group.len() + payload_len
}

/// The header of a frame (length prefix, module, group); the payload follows it as is,
/// so a broadcast shares one payload buffer between all peers.
pub(crate) fn encode_header(module: u8, group: &str, payload_len: usize) -> Bytes {
    debug_assert!(group.len() <= MAX_GROUP_LEN);
    let len = body_len(group, payload_len);
    let mut buf = BytesMut::with_capacity(LEN_PREFIX + 2 + group.len());
    buf.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
    buf.put_u8(module);
    buf.put_u8(u8::try_from(group.len()).unwrap_or(u8::MAX));
    buf.put_slice(group.as_bytes());
    buf.freeze()
}

/// Check a length prefix against `max_frame` before anything is read or allocated.
pub(crate) fn check_len(prefix: [u8; LEN_PREFIX], max_frame: usize) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(prefix) as usize;
    if len > max_frame {
        return Err(FrameError::TooLarge {
            len,
            max: max_frame,
        });
    }
    if len < 2 {
        return Err(FrameError::Malformed("shorter than its header"));
    }
    Ok(len)
}

/// Split a frame body (everything after the length prefix).
pub(crate) fn decode_body(mut body: Bytes) -> Result<RawFrame, FrameError> {
    if body.len() < 2 {
        return Err(FrameError::Malformed("shorter than its header"));
    }
    let module = body[0];
    let group_len = usize::from(body[1]);
    if body.len() < 2 + group_len {
        return Err(FrameError::Malformed("group id runs past the frame"));
    }
    let rest = body.split_off(2);
    let mut group = rest;
    let payload = group.split_off(group_len);
    Ok(RawFrame {
        module,
        group,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let header = encode_header(Module::BlockSync.as_u8(), "group0", 3);
        let mut wire = BytesMut::from(&header[..]);
        wire.extend_from_slice(b"abc");
        let prefix: [u8; 4] = wire[..4].try_into().unwrap_or_default();
        let len = check_len(prefix, 1024).unwrap_or_default();
        assert_eq!(len, wire.len() - 4);
        let frame = decode_body(wire.freeze().slice(4..));
        assert_eq!(
            frame,
            Ok(RawFrame {
                module: 3,
                group: Bytes::from_static(b"group0"),
                payload: Bytes::from_static(b"abc"),
            })
        );
    }

    #[test]
    fn limits_and_malformed_frames() {
        assert_eq!(
            check_len(2000u32.to_be_bytes(), 1999),
            Err(FrameError::TooLarge {
                len: 2000,
                max: 1999
            })
        );
        assert!(check_len(1u32.to_be_bytes(), 10).is_err());
        assert!(decode_body(Bytes::from_static(&[1, 5, b'a'])).is_err());
        assert_eq!(
            decode_body(Bytes::from_static(&[1, 0])).map(|f| f.payload.len()),
            Ok(0)
        );
    }

    #[test]
    fn module_bytes() {
        for m in Module::ALL {
            assert_eq!(Module::from_u8(m.as_u8()), Some(m));
            assert_eq!(Module::ALL[m.index()], m);
        }
        assert_eq!(Module::from_u8(CONTROL), None);
        assert_eq!(Module::from_u8(200), None);
    }
}
