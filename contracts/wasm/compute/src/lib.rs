//! Compute-heavy methods, to compare WASM execution with the EVM's. Each method's
//! algorithm is written out exactly so a Solidity twin computes the same results.
//!
//! All arithmetic on `uint64` wraps modulo 2^64 (Solidity: `unchecked`, on `uint64`).
//!
//! **`sortDescending(uint256 n) returns (uint256)`** — reverts `Error("n too large")` if
//! `n > 1000000`; otherwise:
//! 1. `x = 0x9E3779B97F4A7C15`; for `i` in `0..n`: `x ^= x << 13; x ^= x >> 7;
//!    x ^= x << 17; a[i] = x` (xorshift64, `uint64`).
//! 2. Sort `a` in descending order (any algorithm: the result is the sorted array).
//! 3. `h = 0xCBF29CE484222325`; for `i` in `0..n`: `h = (h ^ a[i]) * 0x100000001B3`
//!    (FNV-1a over 64-bit words, `uint64`).
//! 4. Return `uint256(h)`. For `n = 0` that is `0xCBF29CE484222325`.
//!
//! **`keccakChain(uint256 n) returns (bytes32)`** — reverts `Error("n too large")` if
//! `n > 1000000`; otherwise `h = bytes32(0)`; `n` times `h = keccak256(abi.encodePacked(h))`
//! (32 bytes in, through the host's `keccak256`, charged as `KECCAK256`); returns `h`.
//!
//! **`lcg(uint256 n, uint64 seed) returns (uint64)`** — no limit on `n` but gas:
//! `x = seed`; `n` times `x = x * 6364136223846793005 + 1442695040888963407` (`uint64`);
//! returns `x`. Pure arithmetic: the per-instruction cost of each machine.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use weft_sdk::prelude::*;

/// The largest `n` that `sortDescending` and `keccakChain` accept.
pub const MAX_N: u64 = 1_000_000;

/// No storage.
#[storage]
pub struct Compute;

fn bounded(n: U256) -> Result<usize, Revert> {
    match u64::try_from(n) {
        Ok(n) if n <= MAX_N => Ok(n as usize),
        _ => Err(Revert::reason("n too large")),
    }
}

#[contract]
impl Compute {
    /// See the crate docs: xorshift64 values, sorted descending, FNV-1a checksum.
    pub fn sort_descending(n: U256) -> Result<U256, Revert> {
        let n = bounded(n)?;
        let mut a = Vec::with_capacity(n);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a.push(x);
        }
        a.sort_unstable_by(|p, q| q.cmp(p));
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for v in a {
            h = (h ^ v).wrapping_mul(0x0000_0100_0000_01B3);
        }
        Ok(U256::from(h))
    }

    /// See the crate docs: `n` chained Keccak-256 hashes of 32 bytes from zero.
    pub fn keccak_chain(n: U256) -> Result<B256, Revert> {
        let n = bounded(n)?;
        let mut h = B256::ZERO;
        for _ in 0..n {
            h = weft_sdk::crypto::keccak256(h);
        }
        Ok(h)
    }

    /// See the crate docs: `n` steps of a 64-bit LCG from `seed`.
    pub fn lcg(n: U256, seed: u64) -> u64 {
        // Past 2^64 steps gas runs out long before; count in u64.
        let steps = u64::try_from(n).unwrap_or(u64::MAX);
        let mut x = seed;
        for _ in 0..steps {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::testing::TestHost;

    #[test]
    fn sort_checksum() {
        let _host = TestHost::new();
        assert_eq!(
            Compute::sort_descending(U256::ZERO).unwrap(),
            U256::from(0xCBF2_9CE4_8422_2325u64)
        );
        // n = 2: the xorshift64 values from the seed, larger first, then FNV-1a.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut v = [0u64; 2];
        for slot in &mut v {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *slot = x;
        }
        let (hi, lo) = if v[0] > v[1] {
            (v[0], v[1])
        } else {
            (v[1], v[0])
        };
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for w in [hi, lo] {
            h = (h ^ w).wrapping_mul(0x100_0000_01B3);
        }
        assert_eq!(
            Compute::sort_descending(U256::from(2)).unwrap(),
            U256::from(h)
        );
        // A pinned value, for the Solidity twin to check against.
        assert_eq!(
            Compute::sort_descending(U256::from(1000)).unwrap(),
            U256::from(SORT_1000)
        );
        let err = Compute::sort_descending(U256::from(MAX_N + 1)).unwrap_err();
        assert_eq!(err.reason_string().as_deref(), Some("n too large"));
    }

    /// `sortDescending(1000)`.
    const SORT_1000: u64 = 3_615_437_636_848_759_561;

    #[test]
    fn keccak_chain() {
        let _host = TestHost::new();
        assert_eq!(Compute::keccak_chain(U256::ZERO).unwrap(), B256::ZERO);
        let once = weft_sdk::primitives::keccak256([0u8; 32]);
        assert_eq!(Compute::keccak_chain(U256::from(1)).unwrap(), once);
        assert_eq!(
            Compute::keccak_chain(U256::from(2)).unwrap(),
            weft_sdk::primitives::keccak256(once)
        );
    }

    #[test]
    fn lcg_steps() {
        assert_eq!(Compute::lcg(U256::ZERO, 7), 7);
        assert_eq!(Compute::lcg(U256::from(1), 0), 1_442_695_040_888_963_407);
    }

    #[test]
    fn abi_matches_solidity() {
        weft_contract_builder::abi::assert_matches_artifact(Compute::ABI_JSON, "Compute");
    }
}
