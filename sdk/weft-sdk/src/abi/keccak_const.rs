//! Keccak-256 as a `const fn`, so selectors are computed at compile time from signatures
//! built out of `SolType::SOL_NAME` constants (no hashing at run time, no table in the
//! module).

const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];
const ROTC: [u32; 24] = [
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
];
const PILN: [usize; 24] = [
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
];

const fn keccak_f(mut st: [u64; 25]) -> [u64; 25] {
    let mut round = 0;
    while round < 24 {
        // θ
        let mut bc = [0u64; 5];
        let mut i = 0;
        while i < 5 {
            bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
            i += 1;
        }
        i = 0;
        while i < 5 {
            let t = bc[(i + 4) % 5] ^ bc[(i + 1) % 5].rotate_left(1);
            let mut j = 0;
            while j < 25 {
                st[j + i] ^= t;
                j += 5;
            }
            i += 1;
        }
        // ρ and π
        let mut t = st[1];
        i = 0;
        while i < 24 {
            let j = PILN[i];
            let tmp = st[j];
            st[j] = t.rotate_left(ROTC[i]);
            t = tmp;
            i += 1;
        }
        // χ
        let mut j = 0;
        while j < 25 {
            let mut k = 0;
            while k < 5 {
                bc[k] = st[j + k];
                k += 1;
            }
            k = 0;
            while k < 5 {
                st[j + k] ^= !bc[(k + 1) % 5] & bc[(k + 2) % 5];
                k += 1;
            }
            j += 5;
        }
        // ι
        st[0] ^= RC[round];
        round += 1;
    }
    st
}

/// Keccak-256 (Ethereum's, with the original `0x01` padding), usable in constants.
pub const fn keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut st = [0u64; 25];
    let mut block = [0u8; RATE];
    let mut pos = 0; // index into `data`
    loop {
        // Fill one block (with padding if the data ends in it).
        let remaining = data.len() - pos;
        let take = if remaining < RATE { remaining } else { RATE };
        let mut i = 0;
        while i < RATE {
            block[i] = if i < take { data[pos + i] } else { 0 };
            i += 1;
        }
        let last = remaining < RATE;
        if last {
            block[take] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        let mut lane = 0;
        while lane < RATE / 8 {
            let mut w = 0u64;
            let mut b = 0;
            while b < 8 {
                w |= (block[lane * 8 + b] as u64) << (8 * b);
                b += 1;
            }
            st[lane] ^= w;
            lane += 1;
        }
        st = keccak_f(st);
        pos += take;
        if last {
            break;
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (st[i / 8] >> (8 * (i % 8))) as u8;
        i += 1;
    }
    out
}

/// The 4-byte selector of a signature such as `transfer(address,uint256)`.
pub const fn selector(signature: &[u8]) -> [u8; 4] {
    let h = keccak256(signature);
    [h[0], h[1], h[2], h[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_alloy_keccak() {
        let inputs: [&[u8]; 6] = [
            b"",
            b"abc",
            b"transfer(address,uint256)",
            &[0x61; 135],
            &[0x61; 136],
            &[0x62; 300],
        ];
        for input in inputs {
            assert_eq!(
                keccak256(input),
                alloy_primitives::keccak256(input).0,
                "{input:?}"
            );
        }
    }

    #[test]
    fn known_selectors() {
        const SEL: [u8; 4] = selector(b"transfer(address,uint256)");
        assert_eq!(SEL, [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(selector(b"balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
    }
}
