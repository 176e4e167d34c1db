//! World-state changes and the state root.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use weft_crypto::CryptoSuite;

/// The state writes of one block: raw keys to new values (`None` deletes). The executor
/// decides the key layout (accounts, code, storage slots, plugin tables); the ledger
/// stores them, keeps their history by height, and commits to them in the state root.
///
/// Keys are kept sorted, so the root does not depend on the order writes were made in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateChanges {
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl StateChanges {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set `key` to `value`.
    pub fn set(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.writes.insert(key.into(), Some(value.into()));
    }

    /// Delete `key`.
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.writes.insert(key.into(), None);
    }

    /// The writes, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.writes
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    /// How many keys change.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The state root after these changes: the suite's hash of the parent's root followed
    /// by every change in key order, each as `len(key) ‖ key ‖ tag ‖ len(value) ‖ value`
    /// (lengths as 4-byte big-endian, tag 1 for a value and 0 for a deletion). Chaining
    /// makes the root commit to the whole state history from genesis, so two nodes with
    /// equal roots hold equal states; sorting makes it independent of execution order.
    pub fn root(&self, suite: &dyn CryptoSuite, parent_root: &B256) -> B256 {
        let mut data = Vec::with_capacity(32 + self.writes.len() * 80);
        data.extend_from_slice(parent_root.as_slice());
        for (key, value) in &self.writes {
            data.extend_from_slice(&(key.len() as u32).to_be_bytes());
            data.extend_from_slice(key);
            match value {
                Some(v) => {
                    data.push(1);
                    data.extend_from_slice(&(v.len() as u32).to_be_bytes());
                    data.extend_from_slice(v);
                }
                None => data.push(0),
            }
        }
        suite.hash(&data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_crypto::SuiteId;

    #[test]
    fn root_is_independent_of_write_order_and_sensitive_to_content() {
        let suite = SuiteId::Standard.suite();
        let parent = B256::repeat_byte(1);
        let mut a = StateChanges::new();
        a.set(b"k1".to_vec(), b"v1".to_vec());
        a.set(b"k2".to_vec(), b"v2".to_vec());
        let mut b = StateChanges::new();
        b.set(b"k2".to_vec(), b"v2".to_vec());
        b.set(b"k1".to_vec(), b"v1".to_vec());
        assert_eq!(a.root(suite, &parent), b.root(suite, &parent));
        assert_ne!(
            a.root(suite, &parent),
            a.root(suite, &B256::ZERO),
            "chained to the parent"
        );
        let mut c = a.clone();
        c.delete(b"k2".to_vec());
        assert_ne!(c.root(suite, &parent), a.root(suite, &parent));
        // Length prefixes keep ("k", "1v") and ("k1", "v") apart.
        let mut d = StateChanges::new();
        d.set(b"k".to_vec(), b"1v".to_vec());
        let mut e = StateChanges::new();
        e.set(b"k1".to_vec(), b"v".to_vec());
        assert_ne!(d.root(suite, &parent), e.root(suite, &parent));
    }
}
