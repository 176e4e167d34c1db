//! `#[storage]`: consecutive slots for a struct's fields.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{Fields, ItemStruct, Result};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "#[storage] takes no arguments",
        ));
    }
    let item: ItemStruct = syn::parse2(item)?;
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "a #[storage] struct cannot be generic",
        ));
    }
    let name = &item.ident;
    let layout = quote!(::weft_sdk::storage::StorageLayout);

    let mut slots = Vec::new();
    let mut inits = Vec::new();
    for (i, field) in item.fields.iter().enumerate() {
        let ty = &field.ty;
        let member = match &field.ident {
            Some(id) => id.to_token_stream(),
            None => syn::Index::from(i).to_token_stream(),
        };
        let offset = quote!(0u64 #(+ #slots)*);
        slots.push(quote!(<#ty as #layout>::SLOTS));
        inits.push(quote! {
            #member: <#ty as #layout>::at_slot(::weft_sdk::storage::slot_at(slot, #offset))
        });
    }
    let body = match item.fields {
        Fields::Unit => quote!(Self),
        _ => quote!(Self { #(#inits,)* }),
    };

    Ok(quote! {
        #item

        #[automatically_derived]
        impl #layout for #name {
            const SLOTS: u64 = 0 #(+ #slots)*;
            #[allow(unused_variables, clippy::identity_op)]
            fn at_slot(slot: ::weft_sdk::U256) -> Self {
                #body
            }
        }

        #[automatically_derived]
        impl ::weft_sdk::storage::StorageEntry for #name {
            type Handle = Self;
        }
    })
}
