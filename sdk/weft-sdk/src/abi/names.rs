//! Canonical Solidity type names as constants, for signatures and the ABI JSON.
//!
//! alloy's `SolType::SOL_NAME` names a `sol!` struct by its name (`Pair`), but a selector
//! needs its tuple (`(uint256,address)`). [`SolName`] is `SOL_NAME` with structs expanded:
//! implemented here for alloy's `sol_data` types, and by [`sol!`](crate::sol) for the
//! structs, enums and user-defined value types it declares.

use alloy_sol_types::sol_data::{self, ByteCount, IntBitCount, SupportedFixedBytes, SupportedInt};
use alloy_sol_types::SolType;

/// The canonical Solidity name of a `SolType` (tuples for structs).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no canonical Solidity name for the ABI",
    note = "declare structs, enums and user-defined value types used by a contract with `weft_sdk::sol!`"
)]
pub trait SolName {
    /// The name, e.g. `uint256`, `(uint256,address)[]`.
    const NAME: &'static str;
}

/// A fixed-capacity string for building names in constants.
#[derive(Clone, Copy, Debug)]
pub struct NameBuf {
    buf: [u8; 1024],
    len: usize,
}

impl Default for NameBuf {
    fn default() -> Self {
        NameBuf::new()
    }
}

impl NameBuf {
    /// Empty.
    pub const fn new() -> Self {
        NameBuf {
            buf: [0; 1024],
            len: 0,
        }
    }

    /// Appends `s` (panics at compile time past 1024 bytes).
    pub const fn push(mut self, s: &str) -> Self {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            self.buf[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends `n` in decimal.
    pub const fn push_usize(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut k = 0;
        loop {
            digits[k] = b'0' + (n % 10) as u8;
            k += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while k > 0 {
            k -= 1;
            self.buf[self.len] = digits[k];
            self.len += 1;
        }
        self
    }

    /// The string so far.
    pub const fn as_str(&self) -> &str {
        super::json::as_str(self.buf.split_at(self.len).0)
    }
}

macro_rules! same_as_sol_name {
    ($($t:ty),*) => {$(
        impl SolName for $t {
            const NAME: &'static str = <$t as SolType>::SOL_NAME;
        }
    )*};
}
same_as_sol_name!(
    sol_data::Address,
    sol_data::Bool,
    sol_data::String,
    sol_data::Bytes,
    sol_data::Function
);

impl<const BITS: usize> SolName for sol_data::Uint<BITS>
where
    IntBitCount<BITS>: SupportedInt,
{
    const NAME: &'static str = <Self as SolType>::SOL_NAME;
}

impl<const BITS: usize> SolName for sol_data::Int<BITS>
where
    IntBitCount<BITS>: SupportedInt,
{
    const NAME: &'static str = <Self as SolType>::SOL_NAME;
}

impl<const N: usize> SolName for sol_data::FixedBytes<N>
where
    ByteCount<N>: SupportedFixedBytes,
{
    const NAME: &'static str = <Self as SolType>::SOL_NAME;
}

impl<T: SolType + SolName> SolName for sol_data::Array<T> {
    const NAME: &'static str = NameBuf::new().push(T::NAME).push("[]").as_str();
}

impl<T: SolType + SolName, const N: usize> SolName for sol_data::FixedArray<T, N> {
    const NAME: &'static str = NameBuf::new()
        .push(T::NAME)
        .push("[")
        .push_usize(N)
        .push("]")
        .as_str();
}

impl SolName for () {
    const NAME: &'static str = "()";
}

macro_rules! tuple_names {
    ($first:ident $(, $rest:ident)*) => {
        impl<$first: SolName, $($rest: SolName),*> SolName for ($first, $($rest,)*) {
            const NAME: &'static str = NameBuf::new()
                .push("(")
                .push($first::NAME)
                $(.push(",").push($rest::NAME))*
                .push(")")
                .as_str();
        }
    };
}
tuple_names!(A);
tuple_names!(A, B);
tuple_names!(A, B, C);
tuple_names!(A, B, C, D);
tuple_names!(A, B, C, D, E);
tuple_names!(A, B, C, D, E, F);
tuple_names!(A, B, C, D, E, F, G);
tuple_names!(A, B, C, D, E, F, G, H);
tuple_names!(A, B, C, D, E, F, G, H, I);
tuple_names!(A, B, C, D, E, F, G, H, I, J);
tuple_names!(A, B, C, D, E, F, G, H, I, J, K);
tuple_names!(A, B, C, D, E, F, G, H, I, J, K, L);

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::sol_data::{Address, Array, Bool, FixedArray, Uint};

    #[test]
    fn names() {
        assert_eq!(<Uint<256> as SolName>::NAME, "uint256");
        assert_eq!(<Array<(Uint<8>, Bool)> as SolName>::NAME, "(uint8,bool)[]");
        assert_eq!(<FixedArray<Address, 12> as SolName>::NAME, "address[12]");
        assert_eq!(<(Array<Array<Bool>>,) as SolName>::NAME, "(bool[][])");
        assert_eq!(
            NameBuf::new().push_usize(0).push_usize(907).as_str(),
            "0907"
        );
    }
}
