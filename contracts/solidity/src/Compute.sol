// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.11;

/// @notice The Solidity twin of the Rust `compute` contract (contracts/wasm/compute): the
/// same algorithms with the same results, to compare the EVM with WASM on one workload.
/// All `uint64` arithmetic wraps (unchecked).
contract Compute {
    uint256 private constant MAX_N = 1000000;

    /// xorshift64 values from a fixed seed, sorted descending, FNV-1a over the 64-bit words.
    function sortDescending(uint256 n) external pure returns (uint256) {
        require(n <= MAX_N, "n too large");
        uint64[] memory a = new uint64[](n);
        uint64 x = 0x9E3779B97F4A7C15;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                a[i] = x;
            }
        }
        if (n > 1) {
            quickSortDescending(a, 0, n - 1);
        }
        uint64 h = 0xCBF29CE484222325;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                h = (h ^ a[i]) * 0x100000001B3;
            }
        }
        return uint256(h);
    }

    /// `n` chained Keccak-256 hashes of 32 bytes, from zero.
    function keccakChain(uint256 n) external pure returns (bytes32) {
        require(n <= MAX_N, "n too large");
        bytes32 h;
        for (uint256 i = 0; i < n; i++) {
            h = keccak256(abi.encodePacked(h));
        }
        return h;
    }

    /// `n` steps of a 64-bit linear congruential generator from `seed`.
    function lcg(uint256 n, uint64 seed) external pure returns (uint64) {
        uint64 x = seed;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                x = x * 6364136223846793005 + 1442695040888963407;
            }
        }
        return x;
    }

    /// In-place quicksort (Hoare partition, middle pivot), largest first.
    function quickSortDescending(uint64[] memory a, uint256 lo, uint256 hi) private pure {
        while (lo < hi) {
            uint64 pivot = a[lo + (hi - lo) / 2];
            uint256 i = lo;
            uint256 j = hi;
            while (true) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i >= j) break;
                (a[i], a[j]) = (a[j], a[i]);
                i++;
                j--;
            }
            // Recurse into the smaller side, loop on the larger: depth stays logarithmic.
            if (j - lo < hi - j) {
                quickSortDescending(a, lo, j);
                lo = j + 1;
            } else {
                quickSortDescending(a, j + 1, hi);
                hi = j;
            }
        }
    }
}
