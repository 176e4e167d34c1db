//! Messages for heights this node has not reached yet, kept within bounds.

use std::collections::BTreeMap;

use alloy_primitives::B256;

use crate::message::SignedMessage;

/// A buffered message: its digest (for deduplication), size and content.
#[derive(Debug)]
pub(crate) struct Buffered {
    pub digest: B256,
    pub size: usize,
    pub message: SignedMessage,
}

/// Messages for future heights, by height. Bounded per sender and height (an honest
/// sealer sends a few dozen messages per height) and in total bytes.
#[derive(Debug, Default)]
pub(crate) struct FutureBuffer {
    by_height: BTreeMap<u64, Vec<Buffered>>,
    bytes: usize,
}

impl FutureBuffer {
    /// The most messages kept per sender and height.
    pub(crate) const PER_SENDER: usize = 32;
    /// The most bytes kept in all.
    pub(crate) const MAX_BYTES: usize = 64 << 20;

    /// Keep a message; `false` if there is no room for it.
    pub(crate) fn insert(&mut self, height: u64, entry: Buffered) -> bool {
        let list = self.by_height.entry(height).or_default();
        if list.iter().any(|b| b.digest == entry.digest) {
            return true;
        }
        let from = entry.message.from;
        if list.iter().filter(|b| b.message.from == from).count() >= Self::PER_SENDER
            || self.bytes.saturating_add(entry.size) > Self::MAX_BYTES
        {
            return false;
        }
        self.bytes += entry.size;
        list.push(entry);
        true
    }

    /// Remove everything at or below `height` and return what was at `height`.
    pub(crate) fn take(&mut self, height: u64) -> Vec<Buffered> {
        let rest = self.by_height.split_off(&height.saturating_add(1));
        let mut taken = std::mem::replace(&mut self.by_height, rest);
        let out = taken.remove(&height).unwrap_or_default();
        self.bytes = self.by_height.values().flatten().map(|b| b.size).sum();
        out
    }

    /// How many messages are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_height.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Body, Checkpoint};

    fn entry(from: u64, byte: u8) -> Buffered {
        Buffered {
            digest: B256::repeat_byte(byte),
            size: 100,
            message: SignedMessage {
                from,
                body: Body::Checkpoint(Checkpoint {
                    height: 3,
                    header_hash: B256::ZERO,
                }),
                signature: Default::default(),
                proposal: None,
            },
        }
    }

    #[test]
    fn bounded_per_sender_and_taken_by_height() {
        let mut b = FutureBuffer::default();
        for i in 0..FutureBuffer::PER_SENDER {
            assert!(b.insert(3, entry(1, i as u8)));
        }
        assert!(b.insert(3, entry(1, 0)), "a duplicate is not refused");
        assert!(!b.insert(3, entry(1, 200)));
        assert!(b.insert(3, entry(2, 200)));
        assert!(b.insert(5, entry(2, 201)));
        assert_eq!(b.take(3).len(), FutureBuffer::PER_SENDER + 1);
        assert_eq!(b.len(), 1);
        assert!(b.take(4).is_empty());
        assert_eq!(b.take(5).len(), 1);
        assert_eq!(b.len(), 0);
    }
}
