//! `#[contract]`: selector dispatch, ABI decoding/encoding, ABI JSON, `deploy`/`call`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{
    Attribute, FnArg, GenericArgument, ImplItem, ImplItemFn, ItemImpl, LitStr, Pat, Path,
    PathArguments, Result, ReturnType, Type, Visibility,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Receiver {
    None,
    Ref,
    RefMut,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mutability {
    Pure,
    View,
    NonPayable,
    Payable,
}

impl Mutability {
    fn as_str(self) -> &'static str {
        match self {
            Mutability::Pure => "pure",
            Mutability::View => "view",
            Mutability::NonPayable => "nonpayable",
            Mutability::Payable => "payable",
        }
    }
}

struct Arg {
    ident: syn::Ident,
    /// The argument's Solidity type (a `SolType`).
    sol_ty: TokenStream,
}

struct Output {
    /// The output's Solidity type (a `SolType`).
    sol_ty: TokenStream,
}

struct Method {
    ident: syn::Ident,
    sol_name: String,
    receiver: Receiver,
    mutability: Mutability,
    args: Vec<Arg>,
    outputs: Vec<Output>,
    /// The return type is a tuple (so outputs are destructured).
    tuple_return: bool,
    is_result: bool,
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let mut events: Vec<Path> = Vec::new();
    let mut errors: Vec<Path> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("events") {
            meta.parse_nested_meta(|m| {
                events.push(m.path);
                Ok(())
            })
        } else if meta.path.is_ident("errors") {
            meta.parse_nested_meta(|m| {
                errors.push(m.path);
                Ok(())
            })
        } else {
            Err(meta.error("expected `events(…)` or `errors(…)`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;

    let mut item: ItemImpl = syn::parse2(item)?;
    if item.trait_.is_some() {
        return Err(syn::Error::new_spanned(
            &item,
            "#[contract] goes on an inherent `impl` block",
        ));
    }
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "a contract cannot be generic",
        ));
    }
    let self_ty = item.self_ty.clone();

    let mut methods = Vec::new();
    let mut constructor: Option<Method> = None;
    for it in &mut item.items {
        let ImplItem::Fn(f) = it else { continue };
        let markers = take_markers(&mut f.attrs)?;
        let is_pub = matches!(f.vis, Visibility::Public(_));
        if !is_pub && !markers.any() {
            continue;
        }
        let m = parse_method(f, &markers)?;
        if markers.constructor {
            if constructor.is_some() {
                return Err(syn::Error::new_spanned(
                    &f.sig,
                    "a contract has one #[constructor]",
                ));
            }
            constructor = Some(m);
        } else {
            methods.push(m);
        }
    }

    let mut consts = Vec::new();
    let mut arms = Vec::new();
    let mut selectors = Vec::new();
    let mut abi_entries: Vec<TokenStream> = Vec::new();

    for (i, m) in methods.iter().enumerate() {
        let sig_parts = format_ident!("__WEFT_SIG_PARTS_{}", i);
        let sig = format_ident!("__WEFT_SIG_{}", i);
        let out_parts = format_ident!("__WEFT_OUT_PARTS_{}", i);
        let out = format_ident!("__WEFT_OUT_{}", i);
        let sel = format_ident!("__WEFT_SEL_{}", i);
        let parts = sig_parts_tokens(
            &format!("{}(", m.sol_name),
            m.args.iter().map(|a| &a.sol_ty),
        );
        let oparts = sig_parts_tokens("(", m.outputs.iter().map(|o| &o.sol_ty));
        consts.push(quote! {
            const #sig_parts: &[&str] = &[#parts];
            const #sig: [u8; __w::concat_len(#sig_parts)] = __w::concat(#sig_parts);
            const #sel: [u8; 4] = __w::selector(&#sig);
            const #out_parts: &[&str] = &[#oparts];
            const #out: [u8; __w::concat_len(#out_parts)] = __w::concat(#out_parts);
        });
        selectors.push(quote!(#sel));
        let names: Vec<String> = m
            .args
            .iter()
            .map(|a| camel(&a.ident.unraw().to_string()))
            .collect();
        let head = format!(
            "{{\"type\":\"function\",\"name\":\"{}\",\"inputs\":[",
            m.sol_name
        );
        let tail = format!("],\"stateMutability\":\"{}\"}}", m.mutability.as_str());
        abi_entries.push(quote! {
            __w::Seg::Raw(#head),
            __w::Seg::Params { sig: __w::as_str(&#sig), names: &[#(#names),*], indexed: None },
            __w::Seg::Raw("],\"outputs\":["),
            __w::Seg::Params { sig: __w::as_str(&#out), names: &[], indexed: None },
            __w::Seg::Raw(#tail),
        });
        let body = call_body(m, &self_ty, quote!(__data));
        arms.push(quote!(#sel => #body));
    }

    // The constructor: its ABI entry, and `dispatch_deploy`.
    let deploy_body = match &constructor {
        Some(c) => {
            let parts = sig_parts_tokens("constructor(", c.args.iter().map(|a| &a.sol_ty));
            consts.push(quote! {
                const __WEFT_CTOR_PARTS: &[&str] = &[#parts];
                const __WEFT_CTOR: [u8; __w::concat_len(__WEFT_CTOR_PARTS)] = __w::concat(__WEFT_CTOR_PARTS);
            });
            let names: Vec<String> = c
                .args
                .iter()
                .map(|a| camel(&a.ident.unraw().to_string()))
                .collect();
            let tail = format!("],\"stateMutability\":\"{}\"}}", c.mutability.as_str());
            abi_entries.push(quote! {
                __w::Seg::Raw("{\"type\":\"constructor\",\"inputs\":["),
                __w::Seg::Params { sig: __w::as_str(&__WEFT_CTOR), names: &[#(#names),*], indexed: None },
                __w::Seg::Raw(#tail),
            });
            call_body(c, &self_ty, quote!(__input))
        }
        None => quote!({
            __w::non_payable()?;
            __w::Ok(__w::Vec::new())
        }),
    };
    for e in &events {
        abi_entries.push(quote!(__w::Seg::Raw(<#e as __w::AbiItem>::JSON),));
    }
    for e in &errors {
        abi_entries.push(quote!(__w::Seg::Raw(<#e as __w::AbiItem>::JSON),));
    }
    let mut segs = Vec::new();
    for (i, e) in abi_entries.iter().enumerate() {
        if i > 0 {
            segs.push(quote!(__w::Seg::Raw(","),));
        }
        segs.push(e.clone());
    }

    Ok(quote! {
        #item

        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            use ::weft_sdk::__private as __w;

            #(#consts)*

            const _: () = ::core::assert!(
                __w::selectors_distinct(&[#(#selectors),*]),
                "two methods of this contract have the same selector: rename one with #[selector(name = \"…\")]"
            );

            const __WEFT_ABI_SEGS: &[__w::Seg<'static>] = &[
                __w::Seg::Raw("["),
                #(#segs)*
                __w::Seg::Raw("]"),
            ];
            const __WEFT_ABI_LEN: usize = __w::json_len(__WEFT_ABI_SEGS);
            const __WEFT_ABI: [u8; __WEFT_ABI_LEN] = __w::json(__WEFT_ABI_SEGS);

            /// The ABI JSON, as a custom section the build step extracts (and strips).
            #[cfg(target_arch = "wasm32")]
            #[unsafe(link_section = "weft.abi")]
            #[allow(dead_code)]
            static __WEFT_ABI_SECTION: [u8; __WEFT_ABI_LEN] = __WEFT_ABI;

            #[automatically_derived]
            impl ::weft_sdk::Contract for #self_ty {
                const ABI_JSON: &'static str = __w::as_str(&__WEFT_ABI);

                fn dispatch_deploy(__input: &[u8]) -> __w::Result<__w::Vec<u8>, __w::Vec<u8>> {
                    #deploy_body
                }

                fn dispatch(__input: &[u8]) -> __w::Result<__w::Vec<u8>, __w::Vec<u8>> {
                    if __input.len() < 4 {
                        return __w::Err(__w::unknown_selector(__input));
                    }
                    let __data = &__input[4..];
                    match [__input[0], __input[1], __input[2], __input[3]] {
                        #(#arms)*
                        _ => __w::Err(__w::unknown_selector(__input)),
                    }
                }
            }

            #[cfg(target_arch = "wasm32")]
            #[unsafe(no_mangle)]
            extern "C" fn deploy() {
                __w::entry_deploy::<#self_ty>()
            }

            #[cfg(target_arch = "wasm32")]
            #[unsafe(no_mangle)]
            extern "C" fn call() {
                __w::entry::<#self_ty>()
            }
        };
    })
}

/// `"name(", sol_name::<A>(), ",", sol_name::<B>(), ")"`.
fn sig_parts_tokens<'a>(head: &str, tys: impl Iterator<Item = &'a TokenStream>) -> TokenStream {
    let mut parts = vec![quote!(#head)];
    for (i, ty) in tys.enumerate() {
        if i > 0 {
            parts.push(quote!(","));
        }
        parts.push(quote!(__w::sol_name::<#ty>()));
    }
    parts.push(quote!(")"));
    quote!(#(#parts),*)
}

/// The block that decodes, calls, and encodes one method (or the constructor).
fn call_body(m: &Method, self_ty: &Type, data: TokenStream) -> TokenStream {
    let value_check = (m.mutability != Mutability::Payable).then(|| quote!(__w::non_payable()?;));
    let idents: Vec<_> = m.args.iter().map(|a| &a.ident).collect();
    let tys: Vec<_> = m.args.iter().map(|a| &a.sol_ty).collect();
    let decode = (!m.args.is_empty()).then(|| {
        quote! {
            let (#(#idents,)*) = __w::decode_args::<(#(#tys,)*)>(#data)?;
        }
    });
    let exprs = idents
        .iter()
        .map(|id| quote!(::core::convert::Into::into(#id)));
    let name = &m.ident;
    let invoke = match m.receiver {
        Receiver::None => quote!(<#self_ty>::#name(#(#exprs),*)),
        Receiver::Ref => quote!({
            let __this = <#self_ty as ::weft_sdk::Contract>::instance();
            __this.#name(#(#exprs),*)
        }),
        Receiver::RefMut => quote!({
            let mut __this = <#self_ty as ::weft_sdk::Contract>::instance();
            __this.#name(#(#exprs),*)
        }),
    };
    let unwrap = m.is_result.then(|| {
        quote! {
            let __ret = match __ret {
                __w::Ok(v) => v,
                __w::Err(e) => return __w::Err(::weft_sdk::Revert::from(e).into_data()),
            };
        }
    });
    let out_tys: Vec<_> = m.outputs.iter().map(|o| &o.sol_ty).collect();
    let encode = if m.outputs.is_empty() {
        quote!(let _ = __ret; __w::Ok(__w::Vec::new()))
    } else if m.tuple_return {
        quote!(__w::Ok(__w::encode_return::<(#(#out_tys,)*), _>(&__ret)))
    } else {
        quote!(__w::Ok(__w::encode_return::<(#(#out_tys,)*), _>(&(__ret,))))
    };
    quote!({
        #value_check
        #decode
        let __ret = #invoke;
        #unwrap
        #encode
    })
}

#[derive(Default)]
struct Markers {
    constructor: bool,
    view: bool,
    pure: bool,
    payable: bool,
    name: Option<String>,
}

impl Markers {
    fn any(&self) -> bool {
        self.constructor || self.view || self.pure || self.payable || self.name.is_some()
    }
}

/// Removes the SDK's marker attributes from a method, returning what they said.
fn take_markers(attrs: &mut Vec<Attribute>) -> Result<Markers> {
    let mut m = Markers::default();
    let mut keep = Vec::new();
    for attr in attrs.drain(..) {
        let p = attr.path();
        if p.is_ident("constructor") {
            m.constructor = true;
        } else if p.is_ident("view") {
            m.view = true;
        } else if p.is_ident("pure") {
            m.pure = true;
        } else if p.is_ident("payable") {
            m.payable = true;
        } else if p.is_ident("selector") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    let s: LitStr = meta.value()?.parse()?;
                    m.name = Some(s.value());
                    Ok(())
                } else {
                    Err(meta.error("expected `name = \"…\"`"))
                }
            })?;
        } else {
            keep.push(attr);
        }
    }
    *attrs = keep;
    Ok(m)
}

fn parse_method(f: &ImplItemFn, markers: &Markers) -> Result<Method> {
    let sig = &f.sig;
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            "a contract method cannot be generic",
        ));
    }
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new_spanned(
            a,
            "a contract method cannot be async",
        ));
    }
    let mut receiver = Receiver::None;
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if r.reference.is_none() {
                    return Err(syn::Error::new_spanned(
                        r,
                        "take `&self` or `&mut self`, not `self`",
                    ));
                }
                receiver = if r.mutability.is_some() {
                    Receiver::RefMut
                } else {
                    Receiver::Ref
                };
            }
            FnArg::Typed(pt) => {
                let Pat::Ident(pi) = &*pt.pat else {
                    return Err(syn::Error::new_spanned(
                        &pt.pat,
                        "name each argument (no patterns)",
                    ));
                };
                args.push(Arg {
                    ident: pi.ident.clone(),
                    sol_ty: sol_type(&pt.ty),
                });
            }
        }
    }

    let mutability = if markers.payable {
        Mutability::Payable
    } else if markers.constructor {
        Mutability::NonPayable
    } else {
        match receiver {
            Receiver::None => Mutability::Pure,
            Receiver::Ref => Mutability::View,
            Receiver::RefMut => Mutability::NonPayable,
        }
    };
    if markers.view && receiver != Receiver::Ref {
        return Err(syn::Error::new_spanned(
            sig,
            "a #[view] method takes `&self`",
        ));
    }
    if markers.pure && receiver != Receiver::None {
        return Err(syn::Error::new_spanned(
            sig,
            "a #[pure] method takes no `self`",
        ));
    }

    let (ret_ty, is_result) = match &sig.output {
        ReturnType::Default => (None, false),
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            Some(ok) => (Some(ok), true),
            None => (Some((**ty).clone()), false),
        },
    };
    let (outputs, tuple_return) = match ret_ty {
        None => (Vec::new(), false),
        Some(Type::Tuple(t)) => {
            let outs = t
                .elems
                .iter()
                .map(|e| Output {
                    sol_ty: sol_type(e),
                })
                .collect::<Vec<_>>();
            let tuple = !outs.is_empty();
            (outs, tuple)
        }
        Some(ty) => (
            vec![Output {
                sol_ty: sol_type(&ty),
            }],
            false,
        ),
    };
    if markers.constructor && !outputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.output,
            "a constructor returns nothing (or `Result<(), E>`)",
        ));
    }

    let sol_name = markers
        .name
        .clone()
        .unwrap_or_else(|| camel(&sig.ident.unraw().to_string()));
    Ok(Method {
        ident: sig.ident.clone(),
        sol_name,
        receiver,
        mutability,
        args,
        outputs,
        tuple_return,
        is_result,
    })
}

/// `T` if `ty` is `Result<T, …>` (any path ending in `Result`).
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

/// The Solidity type (`SolType`) of a Rust type: its `SolValue::SolType`, except `u8`
/// (which alloy leaves out, keeping `Vec<u8>` for `bytes`) is `uint8`.
fn sol_type(ty: &Type) -> TokenStream {
    if matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("u8")) {
        quote!(::weft_sdk::sol_types::sol_data::Uint<8>)
    } else {
        quote!(<#ty as ::weft_sdk::sol_types::SolValue>::SolType)
    }
}

/// `balance_of` → `balanceOf`; leading and trailing underscores are kept (`name_`).
fn camel(s: &str) -> String {
    let body = s.trim_start_matches('_');
    let lead = s.len() - body.len();
    let core = body.trim_end_matches('_');
    let trail = body.len() - core.len();
    let mut out = "_".repeat(lead);
    let mut upper = false;
    for c in core.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out.push_str(&"_".repeat(trail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case() {
        assert_eq!(camel("balance_of"), "balanceOf");
        assert_eq!(camel("transfer_from"), "transferFrom");
        assert_eq!(camel("get"), "get");
        assert_eq!(camel("_private_thing"), "_privateThing");
        assert_eq!(camel("name_"), "name_");
        assert_eq!(camel("__x_y__"), "__xY__");
        assert_eq!(camel("call_fail_catch"), "callFailCatch");
        assert_eq!(camel("a__b"), "aB");
    }

    #[test]
    fn u8_is_uint8() {
        assert_eq!(
            sol_type(&syn::parse_quote!(u8)).to_string(),
            quote!(::weft_sdk::sol_types::sol_data::Uint<8>).to_string()
        );
        assert!(sol_type(&syn::parse_quote!(Vec<u8>))
            .to_string()
            .contains("SolValue"));
    }
}
