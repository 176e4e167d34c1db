//! Binary Merkle roots over transaction and receipt hashes.
//!
//! The tree is RFC 6962's (Certificate Transparency): leaves and inner nodes are hashed
//! with distinct one-byte prefixes, so no inner node can pose as a leaf, and a list of
//! `n` leaves splits at the largest power of two below `n`, so no leaf is duplicated and
//! lists of different lengths never share a root (unlike Bitcoin's duplicate-last-leaf
//! rule, CVE-2012-2459). The root of an empty list is the hash of the empty string.

use alloy_primitives::B256;
use weft_crypto::CryptoSuite;

const LEAF: u8 = 0x00;
const NODE: u8 = 0x01;

/// The Merkle root of `leaves` under `suite`'s hash.
pub fn root(suite: &dyn CryptoSuite, leaves: &[B256]) -> B256 {
    if leaves.is_empty() {
        return suite.hash(&[]);
    }
    let mut level: Vec<B256> = leaves
        .iter()
        .map(|l| suite.hash_parts(&[&[LEAF], l.as_slice()]))
        .collect();
    subtree(suite, &mut level)
}

/// Root of already-hashed leaves; splits at the largest power of two below the length.
fn subtree(suite: &dyn CryptoSuite, nodes: &mut [B256]) -> B256 {
    match nodes.len() {
        1 => nodes[0],
        n => {
            let (left, right) = nodes.split_at_mut(largest_power_of_two_below(n));
            let l = subtree(suite, left);
            let r = subtree(suite, right);
            suite.hash_parts(&[&[NODE], l.as_slice(), r.as_slice()])
        }
    }
}

/// The largest power of two strictly below `n` (for `n >= 2`).
fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_points_follow_rfc6962() {
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(3), 2);
        assert_eq!(largest_power_of_two_below(4), 2);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(9), 8);
    }
}
