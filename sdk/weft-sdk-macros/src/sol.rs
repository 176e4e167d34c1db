//! `sol!`: alloy's `sol!` with paths into `weft_sdk`, plus, for each event and error, its
//! ABI JSON entry (`weft_sdk::abi::AbiItem`) and, for errors, `From<…> for Revert`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn_solidity::{File, Item, ItemContract, ItemError, ItemEvent, Type};

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let Ok(file) = syn::parse2::<File>(input.clone()) else {
        // Not Solidity source (e.g. alloy's JSON-ABI form), or invalid: alloy reports.
        return quote!(::weft_sdk::sol_types::sol! { #input });
    };
    let mut extras = Vec::new();
    for item in &file.items {
        item_extras(&file, item, None, &mut extras);
    }
    quote! {
        ::weft_sdk::sol_types::sol! {
            #![sol(alloy_sol_types = ::weft_sdk::sol_types, all_derives)]
            #input
        }
        #(#extras)*
    }
}

fn item_extras(file: &File, item: &Item, scope: Option<&ItemContract>, out: &mut Vec<TokenStream>) {
    match item {
        Item::Event(e) => out.push(event(e, scope)),
        Item::Error(e) => out.push(error(e, scope)),
        Item::Struct(s) => {
            let p = path(&s.name.as_string(), scope);
            let mut parts = vec![quote!(.push("("))];
            for (i, field) in s.fields.iter().enumerate() {
                if i > 0 {
                    parts.push(quote!(.push(",")));
                }
                parts.extend(type_name_parts(file, &field.ty, scope));
            }
            parts.push(quote!(.push(")")));
            out.push(sol_name(
                &p,
                quote!(__w::NameBuf::new() #(#parts)* .as_str()),
            ));
        }
        Item::Enum(e) => out.push(sol_name(&path(&e.name.as_string(), scope), quote!("uint8"))),
        Item::Udt(u) => {
            let parts = type_name_parts(file, &u.ty, scope);
            out.push(sol_name(
                &path(&u.name.as_string(), scope),
                quote!(__w::NameBuf::new() #(#parts)* .as_str()),
            ));
        }
        Item::Contract(c) => {
            for inner in &c.body {
                item_extras(file, inner, Some(c), out);
            }
            if c.body.iter().any(|i| matches!(i, Item::Error(_))) {
                let name = format_ident!("{}", c.name.as_string());
                let errors = format_ident!("{}Errors", c.name.as_string());
                out.push(quote! {
                    #[automatically_derived]
                    impl ::core::convert::From<#name::#errors> for ::weft_sdk::Revert {
                        fn from(e: #name::#errors) -> Self {
                            ::weft_sdk::Revert::raw(::weft_sdk::sol_types::SolInterface::abi_encode(&e))
                        }
                    }
                });
            }
        }
        _ => {}
    }
}

/// `impl SolName for #p { NAME = #name }`.
fn sol_name(p: &TokenStream, name: TokenStream) -> TokenStream {
    quote! {
        #[allow(clippy::all)]
        const _: () = {
            use ::weft_sdk::__private as __w;
            #[automatically_derived]
            impl __w::SolName for #p {
                const NAME: &'static str = #name;
            }
        };
    }
}

/// `.push(…)` calls that spell a Solidity type's canonical name: elementary types as
/// literals, custom types (structs, enums, value types) through their `SolName`.
fn type_name_parts(file: &File, ty: &Type, scope: Option<&ItemContract>) -> Vec<TokenStream> {
    match ty {
        Type::Array(a) => {
            let mut parts = type_name_parts(file, &a.ty, scope);
            let suffix = match a.size() {
                Some(n) => format!("[{n}]"),
                None => "[]".to_string(),
            };
            parts.push(quote!(.push(#suffix)));
            parts
        }
        Type::Tuple(t) => {
            let mut parts = vec![quote!(.push("("))];
            for (i, inner) in t.types.iter().enumerate() {
                if i > 0 {
                    parts.push(quote!(.push(",")));
                }
                parts.extend(type_name_parts(file, inner, scope));
            }
            parts.push(quote!(.push(")")));
            parts
        }
        Type::Custom(sp) => {
            let segments: Vec<String> = sp.iter().map(|s| s.as_string()).collect();
            let rust_path = custom_path(&segments, scope);
            // A contract or interface used as a type is an address.
            if is_contract(file, &segments) {
                return vec![quote!(.push("address"))];
            }
            vec![quote!(.push(<#rust_path as __w::SolName>::NAME))]
        }
        other => {
            let name = other.abi_name();
            vec![quote!(.push(#name))]
        }
    }
}

fn is_contract(file: &File, segments: &[String]) -> bool {
    segments.len() == 1
        && file
            .items
            .iter()
            .any(|i| matches!(i, Item::Contract(c) if c.name.as_string() == segments[0]))
}

/// The Rust path of a custom type named in Solidity: a name declared in the enclosing
/// contract resolves there, anything else as written (`A.B` → `A::B`).
fn custom_path(segments: &[String], scope: Option<&ItemContract>) -> TokenStream {
    if let (Some(c), [name]) = (scope, segments) {
        let declared_here = c.body.iter().any(|i| match i {
            Item::Struct(s) => s.name.as_string() == *name,
            Item::Enum(e) => e.name.as_string() == *name,
            Item::Udt(u) => u.name.as_string() == *name,
            _ => false,
        });
        if declared_here {
            return path(name, scope);
        }
    }
    let idents = segments.iter().map(|s| format_ident!("{}", s));
    quote!(#(#idents)::*)
}

fn path(name: &str, scope: Option<&ItemContract>) -> TokenStream {
    let name = format_ident!("{}", name);
    match scope {
        Some(c) => {
            let c = format_ident!("{}", c.name.as_string());
            quote!(#c::#name)
        }
        None => quote!(#name),
    }
}

fn event(e: &ItemEvent, scope: Option<&ItemContract>) -> TokenStream {
    let name = e.name.as_string();
    let p = path(&name, scope);
    let names: Vec<String> = e
        .parameters
        .iter()
        .map(|p| p.name.as_ref().map(|n| n.as_string()).unwrap_or_default())
        .collect();
    let indexed: Vec<bool> = e.parameters.iter().map(|p| p.is_indexed()).collect();
    let head = format!("{{\"type\":\"event\",\"name\":\"{name}\",\"inputs\":[");
    let tail = format!("],\"anonymous\":{}}}", e.is_anonymous());
    abi_item(
        &p,
        quote! {
            __w::Seg::Raw(#head),
            __w::Seg::Params {
                sig: <#p as ::weft_sdk::sol_types::SolEvent>::SIGNATURE,
                names: &[#(#names),*],
                indexed: ::core::option::Option::Some(&[#(#indexed),*]),
            },
            __w::Seg::Raw(#tail),
        },
        None,
    )
}

fn error(e: &ItemError, scope: Option<&ItemContract>) -> TokenStream {
    let name = e.name.as_string();
    let p = path(&name, scope);
    let names: Vec<String> = e
        .parameters
        .iter()
        .map(|p| p.name.as_ref().map(|n| n.as_string()).unwrap_or_default())
        .collect();
    let head = format!("{{\"type\":\"error\",\"name\":\"{name}\",\"inputs\":[");
    let from = quote! {
        #[automatically_derived]
        impl ::core::convert::From<#p> for ::weft_sdk::Revert {
            fn from(e: #p) -> Self {
                ::weft_sdk::Revert::custom(&e)
            }
        }
    };
    abi_item(
        &p,
        quote! {
            __w::Seg::Raw(#head),
            __w::Seg::Params {
                sig: <#p as ::weft_sdk::sol_types::SolError>::SIGNATURE,
                names: &[#(#names),*],
                indexed: ::core::option::Option::None,
            },
            __w::Seg::Raw("]}"),
        },
        Some(from),
    )
}

fn abi_item(p: &TokenStream, segs: TokenStream, extra: Option<TokenStream>) -> TokenStream {
    quote! {
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            use ::weft_sdk::__private as __w;
            const __WEFT_SEGS: &[__w::Seg<'static>] = &[#segs];
            const __WEFT_JSON: [u8; __w::json_len(__WEFT_SEGS)] = __w::json(__WEFT_SEGS);
            #[automatically_derived]
            impl __w::AbiItem for #p {
                const JSON: &'static str = __w::as_str(&__WEFT_JSON);
            }
            #extra
        };
    }
}
