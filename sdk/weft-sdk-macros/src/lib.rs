//! Procedural macros of the Weft contract SDK: `#[storage]`, `#[contract]` and `sol!`.
//! Use them through `weft_sdk` (`weft_sdk::contract`, …), whose docs describe them; the
//! generated code refers to `::weft_sdk`.

use proc_macro::TokenStream;

mod contract;
mod sol;
mod storage;

/// Lays a struct's fields out in storage, Solidity-style. See `weft_sdk::storage`.
#[proc_macro_attribute]
pub fn storage(attr: TokenStream, item: TokenStream) -> TokenStream {
    storage::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes an `impl` block a contract's ABI. See `weft_sdk::contract`.
#[proc_macro_attribute]
pub fn contract(attr: TokenStream, item: TokenStream) -> TokenStream {
    contract::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// alloy's `sol!` plus ABI JSON entries and `Revert` conversions. See `weft_sdk::sol`.
#[proc_macro]
pub fn sol(input: TokenStream) -> TokenStream {
    sol::expand(input.into()).into()
}
