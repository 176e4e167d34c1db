//! The Solidity ABI as the client commands need it: functions from a signature
//! (`"balanceOf(address)(uint256)"`) or from an ABI JSON, arguments read from strings,
//! results, events and revert data shown to a person, and deployable artifacts.
//!
//! Types, encoding and decoding are `alloy-dyn-abi`'s. The ABI JSON is read here into a
//! small model of its own because the workspace does not carry `alloy-json-abi`; each
//! parameter's type string (tuples spelled out from their `components`) goes through
//! [`DynSolType::parse`], so every type alloy knows is supported.

use std::path::{Path, PathBuf};

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{hex, keccak256, U256};
use serde_json::Value;

/// Why an ABI, a signature, an argument or an artifact could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AbiError {
    /// A function signature did not parse.
    #[error("cannot read the signature {sig:?}: {why}; write it as name(types) or name(types)(output types), e.g. \"balanceOf(address)(uint256)\"")]
    Signature {
        /// The signature.
        sig: String,
        /// What was wrong.
        why: String,
    },
    /// An ABI or artifact file has the wrong shape.
    #[error("{what}: {why}")]
    Json {
        /// The file or item.
        what: String,
        /// What was wrong.
        why: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The wrong number of arguments.
    #[error("{function} takes {expected} argument(s) ({params}), {given} given")]
    ArgCount {
        /// The function (or "the constructor").
        function: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        given: usize,
        /// Its parameters, for the message.
        params: String,
    },
    /// An argument could not be read as its type.
    #[error("argument {index} ({param}): cannot read {value:?} as {ty}: {why}")]
    Arg {
        /// 1-based position.
        index: usize,
        /// The parameter's type and name.
        param: String,
        /// The given text.
        value: String,
        /// The expected type.
        ty: String,
        /// The parser's complaint.
        why: String,
    },
    /// No function of that name in the ABI.
    #[error("the ABI has no function {name:?}; it has: {available}")]
    NoSuchFunction {
        /// The name asked for.
        name: String,
        /// The functions it has.
        available: String,
    },
    /// Several functions of that name take that many arguments.
    #[error("{name:?} is overloaded ({candidates}); give the full signature instead")]
    Ambiguous {
        /// The name.
        name: String,
        /// The signatures.
        candidates: String,
    },
    /// A method name was given without an ABI to look it up in.
    #[error("{name:?} is a method name but no ABI is known for this contract; pass --abi FILE, or the full signature with its output types, such as \"{name}(uint256)(bool)\"")]
    NeedAbi {
        /// The name.
        name: String,
    },
    /// Output data did not decode as the expected types.
    #[error("cannot decode the result as {types}: {why} (raw: 0x{raw})")]
    Decode {
        /// The expected types.
        types: String,
        /// The decoder's complaint.
        why: String,
        /// The raw data, hex.
        raw: String,
    },
}

/// One parameter of a function, event, error or constructor.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name (may be empty).
    pub name: String,
    /// Its type.
    pub ty: DynSolType,
    /// For event parameters: whether it is a topic.
    pub indexed: bool,
}

impl Param {
    fn describe(&self) -> String {
        if self.name.is_empty() {
            self.ty.sol_type_name().into_owned()
        } else {
            format!("{} {}", self.ty.sol_type_name(), self.name)
        }
    }
}

fn describe_params(params: &[Param]) -> String {
    if params.is_empty() {
        return "none".into();
    }
    params
        .iter()
        .map(Param::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

fn canonical(name: &str, params: &[Param]) -> String {
    let types: Vec<_> = params.iter().map(|p| p.ty.sol_type_name()).collect();
    format!("{name}({})", types.join(","))
}

/// A contract function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Its parameters.
    pub inputs: Vec<Param>,
    /// Its results; `None` when a signature did not say.
    pub outputs: Option<Vec<Param>>,
    /// Whether it only reads (`view` or `pure` in the ABI).
    pub read_only: bool,
}

impl Function {
    /// Parse `name(types)` or `name(types)(output types)`; `function name(uint256 x)
    /// external view returns (bool)` works too.
    pub fn parse(sig: &str) -> Result<Function, AbiError> {
        let err = |why: &str| AbiError::Signature {
            sig: sig.to_string(),
            why: why.to_string(),
        };
        let s = sig.trim();
        let s = s.strip_prefix("function ").unwrap_or(s).trim_start();
        let open = s.find('(').ok_or_else(|| err("no parameter list"))?;
        let name = s[..open].trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(err("the function name must be an identifier"));
        }
        let (inputs, mut rest) = split_group(&s[open..]).map_err(|why| err(&why))?;
        let inputs = parse_params(inputs).map_err(|why| err(&why))?;
        let mut read_only = false;
        // Modifiers and `returns` may stand between the inputs and the outputs.
        loop {
            rest = rest.trim_start();
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            match word.as_str() {
                "" => break,
                "view" | "pure" => read_only = true,
                "external" | "public" | "payable" | "nonpayable" | "returns" => {}
                other => return Err(err(&format!("unexpected {other:?}"))),
            }
            rest = &rest[word.len()..];
        }
        let rest = rest.trim_start().strip_prefix(':').unwrap_or(rest).trim();
        let outputs = if rest.is_empty() {
            None
        } else {
            let (group, tail) = split_group(rest).map_err(|why| err(&why))?;
            if !tail.trim().is_empty() {
                return Err(err(&format!("unexpected {:?} at the end", tail.trim())));
            }
            Some(parse_params(group).map_err(|why| err(&why))?)
        };
        Ok(Function {
            name: name.to_string(),
            inputs,
            outputs,
            read_only,
        })
    }

    /// `name(type,…)`, the text the selector hashes.
    pub fn signature(&self) -> String {
        canonical(&self.name, &self.inputs)
    }

    /// The 4-byte selector (Keccak-256 on both suites, as `solc` computes it).
    pub fn selector(&self) -> [u8; 4] {
        selector(&self.signature())
    }

    /// Selector and arguments read from `args` by the parameter types.
    pub fn encode_call(&self, args: &[String]) -> Result<Vec<u8>, AbiError> {
        let mut data = self.selector().to_vec();
        data.extend(encode_args(&self.signature(), &self.inputs, args)?);
        Ok(data)
    }

    /// Decode call output by the function's outputs (`None` when they are unknown).
    pub fn decode_output(&self, data: &[u8]) -> Result<Option<Vec<DynSolValue>>, AbiError> {
        match &self.outputs {
            None => Ok(None),
            Some(outputs) => decode_params(outputs, data).map(Some),
        }
    }
}

fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// The bracketed group at the start of `s` (which must start with `(`): its inside and
/// what follows it.
fn split_group(s: &str) -> Result<(&str, &str), String> {
    if !s.starts_with('(') {
        return Err(format!("expected ( at {s:?}"));
    }
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((&s[1..i], &s[i + 1..]));
                }
            }
            _ => {}
        }
    }
    Err("unbalanced parentheses".into())
}

/// Split at commas outside brackets.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `uint256 amount, (address,bool)[] items` → parameters. Names and data locations are
/// optional.
fn parse_params(list: &str) -> Result<Vec<Param>, String> {
    if list.trim().is_empty() {
        return Ok(Vec::new());
    }
    split_top(list)
        .into_iter()
        .map(|part| {
            let part = part.trim();
            if part.is_empty() {
                return Err("an empty parameter".to_string());
            }
            // The type runs to the first space outside brackets.
            let mut depth = 0i32;
            let mut end = part.len();
            for (i, c) in part.char_indices() {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth -= 1,
                    c if c.is_whitespace() && depth == 0 => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let ty_text = part[..end].trim();
            let ty_text = ty_text.strip_prefix("tuple").unwrap_or(ty_text);
            let ty = DynSolType::parse(ty_text)
                .map_err(|e| format!("{ty_text:?} is not a Solidity type ({e})"))?;
            let words: Vec<&str> = part[end..].split_whitespace().collect();
            let mut indexed = false;
            let mut name = String::new();
            for w in words {
                match w {
                    "memory" | "calldata" | "storage" => {}
                    "indexed" => indexed = true,
                    w if name.is_empty() => name = w.to_string(),
                    w => return Err(format!("unexpected {w:?} in {part:?}")),
                }
            }
            Ok(Param { name, ty, indexed })
        })
        .collect()
}

/// Read `args` by `params`' types and ABI-encode them (no selector).
pub fn encode_args(function: &str, params: &[Param], args: &[String]) -> Result<Vec<u8>, AbiError> {
    if params.len() != args.len() {
        return Err(AbiError::ArgCount {
            function: function.to_string(),
            expected: params.len(),
            given: args.len(),
            params: describe_params(params),
        });
    }
    let values = params
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (param, arg))| {
            param.ty.coerce_str(arg).map_err(|e| AbiError::Arg {
                index: i + 1,
                param: param.describe(),
                value: arg.clone(),
                ty: param.ty.sol_type_name().into_owned(),
                why: first_line(&e.to_string()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DynSolValue::Tuple(values).abi_encode_params())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

fn decode_params(params: &[Param], data: &[u8]) -> Result<Vec<DynSolValue>, AbiError> {
    let ty = DynSolType::Tuple(params.iter().map(|p| p.ty.clone()).collect());
    match ty.abi_decode_params(data) {
        Ok(DynSolValue::Tuple(values)) => Ok(values),
        Ok(other) => Ok(vec![other]),
        Err(e) => Err(AbiError::Decode {
            types: format!(
                "({})",
                params
                    .iter()
                    .map(|p| p.ty.sol_type_name())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            why: first_line(&e.to_string()),
            raw: hex::encode(data),
        }),
    }
}

/// An event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its name.
    pub name: String,
    /// Its parameters (`indexed` ones are topics).
    pub inputs: Vec<Param>,
    /// Anonymous events have no signature topic.
    pub anonymous: bool,
}

/// A custom error.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDef {
    /// Its name.
    pub name: String,
    /// Its parameters.
    pub inputs: Vec<Param>,
}

/// A contract's ABI.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Abi {
    /// The constructor's parameters (empty when it has none).
    pub constructor: Vec<Param>,
    /// The functions.
    pub functions: Vec<Function>,
    /// The events.
    pub events: Vec<Event>,
    /// The custom errors.
    pub errors: Vec<ErrorDef>,
    /// The ABI as compact JSON (what a deployment stores on chain).
    pub json: String,
}

impl Abi {
    /// Read an ABI: a JSON array of items, or an object with an `abi` field (a compiler
    /// artifact). `what` names the source in messages.
    pub fn from_json(text: &str, what: &str) -> Result<Abi, AbiError> {
        let value: Value = serde_json::from_str(text).map_err(|e| AbiError::Json {
            what: what.to_string(),
            why: format!("not JSON ({e})"),
        })?;
        Abi::from_value(&value, what)
    }

    /// Read an ABI from parsed JSON (see [`Abi::from_json`]).
    pub fn from_value(value: &Value, what: &str) -> Result<Abi, AbiError> {
        let bad = |why: String| AbiError::Json {
            what: what.to_string(),
            why,
        };
        let items = match value {
            Value::Array(items) => items,
            Value::Object(o) => match o.get("abi") {
                Some(Value::Array(items)) => items,
                // Some tools store the ABI as a JSON string.
                Some(Value::String(s)) => return Abi::from_json(s, what),
                _ => {
                    return Err(bad(
                        "expected an ABI array or an object with an \"abi\" array".into(),
                    ))
                }
            },
            _ => return Err(bad("expected an ABI array".into())),
        };
        let mut abi = Abi {
            json: Value::Array(items.clone()).to_string(),
            ..Abi::default()
        };
        for (i, item) in items.iter().enumerate() {
            let kind = item
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("function");
            let name_ref = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let name = name_ref.to_string();
            let params = |field: &str| -> Result<Vec<Param>, AbiError> {
                match item.get(field) {
                    None | Some(Value::Null) => Ok(Vec::new()),
                    Some(Value::Array(list)) => list
                        .iter()
                        .map(|p| {
                            json_param(p)
                                .map_err(|why| bad(format!("item {i} ({name_ref}): {why}")))
                        })
                        .collect(),
                    Some(_) => Err(bad(format!(
                        "item {i} ({name_ref}): {field} is not an array"
                    ))),
                }
            };
            match kind {
                "function" => {
                    let mutability = item
                        .get("stateMutability")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let read_only = matches!(mutability, "view" | "pure")
                        || item.get("constant").and_then(Value::as_bool) == Some(true);
                    abi.functions.push(Function {
                        name,
                        inputs: params("inputs")?,
                        outputs: Some(params("outputs")?),
                        read_only,
                    });
                }
                "constructor" => abi.constructor = params("inputs")?,
                "event" => abi.events.push(Event {
                    name,
                    inputs: params("inputs")?,
                    anonymous: item.get("anonymous").and_then(Value::as_bool) == Some(true),
                }),
                "error" => abi.errors.push(ErrorDef {
                    name,
                    inputs: params("inputs")?,
                }),
                // fallback, receive: nothing to call by name.
                _ => {}
            }
        }
        Ok(abi)
    }

    /// Read an ABI file (see [`Abi::from_json`]).
    pub fn load(path: &Path) -> Result<Abi, AbiError> {
        let text = std::fs::read_to_string(path).map_err(|source| AbiError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Abi::from_json(&text, &path.display().to_string())
    }

    /// The function `name` that takes `arg_count` arguments.
    pub fn function(&self, name: &str, arg_count: usize) -> Result<&Function, AbiError> {
        let named: Vec<&Function> = self.functions.iter().filter(|f| f.name == name).collect();
        if named.is_empty() {
            let mut available: Vec<String> =
                self.functions.iter().map(Function::signature).collect();
            available.sort();
            available.dedup();
            return Err(AbiError::NoSuchFunction {
                name: name.to_string(),
                available: if available.is_empty() {
                    "no functions".into()
                } else {
                    available.join(", ")
                },
            });
        }
        if let [only] = named.as_slice() {
            return Ok(only);
        }
        let fitting: Vec<&Function> = named
            .iter()
            .copied()
            .filter(|f| f.inputs.len() == arg_count)
            .collect();
        match fitting.as_slice() {
            [only] => Ok(only),
            _ => Err(AbiError::Ambiguous {
                name: name.to_string(),
                candidates: named
                    .iter()
                    .map(|f| f.signature())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The function with this selector.
    pub fn function_by_selector(&self, sel: &[u8]) -> Option<&Function> {
        self.functions.iter().find(|f| f.selector() == sel)
    }

    /// A log as `Name(param: value, …)`, if one of the ABI's events matches it.
    pub fn decode_log(&self, topics: &[[u8; 32]], data: &[u8]) -> Option<String> {
        for event in &self.events {
            let sig_topic = keccak256(canonical(&event.name, &event.inputs).as_bytes());
            let rest = if event.anonymous {
                topics
            } else if topics.first() == Some(&sig_topic.0) {
                &topics[1..]
            } else {
                continue;
            };
            let indexed: Vec<&Param> = event.inputs.iter().filter(|p| p.indexed).collect();
            if indexed.len() != rest.len() {
                continue;
            }
            let body: Vec<Param> = event
                .inputs
                .iter()
                .filter(|p| !p.indexed)
                .cloned()
                .collect();
            let Ok(mut values) = decode_params(&body, data) else {
                continue;
            };
            values.reverse();
            let mut topic_values = rest.iter();
            let shown: Vec<String> = event
                .inputs
                .iter()
                .map(|p| {
                    let text = if p.indexed {
                        let topic = topic_values.next().copied().unwrap_or_default();
                        if p.ty.is_dynamic()
                            || matches!(p.ty, DynSolType::Tuple(_) | DynSolType::FixedArray(..))
                        {
                            // Indexed reference types are stored as their hash.
                            format!("hash 0x{}", hex::encode(topic))
                        } else {
                            p.ty.abi_decode(&topic)
                                .map(|v| format_value(&v, false))
                                .unwrap_or_else(|_| format!("0x{}", hex::encode(topic)))
                        }
                    } else {
                        values
                            .pop()
                            .map(|v| format_value(&v, false))
                            .unwrap_or_default()
                    };
                    named(&p.name, text)
                })
                .collect();
            return Some(format!("{}({})", event.name, shown.join(", ")));
        }
        None
    }

    /// Call data as `name(param: value, …)`, if one of the ABI's functions matches it.
    pub fn decode_call(&self, input: &[u8]) -> Option<String> {
        let function = self.function_by_selector(input.get(..4)?)?;
        let values = decode_params(&function.inputs, &input[4..]).ok()?;
        Some(format!(
            "{}({})",
            function.name,
            join_named(&function.inputs, &values)
        ))
    }
}

fn named(name: &str, text: String) -> String {
    if name.is_empty() {
        text
    } else {
        format!("{name}: {text}")
    }
}

fn join_named(params: &[Param], values: &[DynSolValue]) -> String {
    params
        .iter()
        .zip(values)
        .map(|(p, v)| named(&p.name, format_value(v, false)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The type string of a JSON ABI parameter (tuples spelled out from `components`).
fn json_type(p: &Value) -> Result<String, String> {
    let ty = p
        .get("type")
        .and_then(Value::as_str)
        .ok_or("a parameter without a type")?;
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let components = p
                .get("components")
                .and_then(Value::as_array)
                .ok_or("a tuple parameter without components")?;
            let inner = components
                .iter()
                .map(json_type)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("({}){suffix}", inner.join(",")))
        }
        None => Ok(ty.to_string()),
    }
}

fn json_param(p: &Value) -> Result<Param, String> {
    let text = json_type(p)?;
    let ty = DynSolType::parse(&text).map_err(|e| {
        format!(
            "{text:?} is not a Solidity type ({})",
            first_line(&e.to_string())
        )
    })?;
    Ok(Param {
        name: p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        ty,
        indexed: p.get("indexed").and_then(Value::as_bool) == Some(true),
    })
}

/// A value as a person reads it: numbers in decimal, addresses checksummed, bytes in
/// hex; strings bare at the top level and quoted inside arrays and tuples.
pub fn format_value(value: &DynSolValue, top: bool) -> String {
    match value {
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(word, size) => format!("0x{}", hex::encode(&word[..*size])),
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Function(f) => format!("0x{}", hex::encode(f.as_slice())),
        DynSolValue::Bytes(b) => format!("0x{}", hex::encode(b)),
        DynSolValue::String(s) if top => s.clone(),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| format_value(v, false))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DynSolValue::Tuple(items) => format!(
            "({})",
            items
                .iter()
                .map(|v| format_value(v, false))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        #[allow(unreachable_patterns)] // CustomStruct exists with alloy's eip712 feature.
        other => format!("{other:?}"),
    }
}

/// The selector of `Error(string)`.
const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
/// The selector of `Panic(uint256)`.
const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

/// What `Panic(uint256)` codes mean (Solidity's documentation).
fn panic_meaning(code: U256) -> &'static str {
    match code.to::<u64>() {
        0x00 => "generic compiler panic",
        0x01 => "assertion failed",
        0x11 => "arithmetic overflow or underflow",
        0x12 => "division or modulo by zero",
        0x21 => "conversion to an invalid enum value",
        0x22 => "badly encoded storage byte array",
        0x31 => "pop() on an empty array",
        0x32 => "array index out of bounds",
        0x41 => "out of memory",
        0x51 => "call to a zero-initialised function",
        _ => "unknown panic code",
    }
}

/// Revert data as a person reads it: the `Error(string)` reason, a `Panic(uint256)`
/// with its meaning, a custom error of `abi`, or the raw hex.
pub fn describe_revert(output: &[u8], abi: Option<&Abi>) -> String {
    if output.is_empty() {
        return "no reason given (empty revert data)".into();
    }
    let (sel, body) = output.split_at(output.len().min(4));
    if sel == ERROR_STRING {
        if let Ok(DynSolValue::String(reason)) = DynSolType::String.abi_decode_params(body) {
            return reason;
        }
    }
    if sel == PANIC {
        if let Ok(DynSolValue::Uint(code, _)) = DynSolType::Uint(256).abi_decode(body) {
            if code <= U256::from(u64::MAX) {
                return format!("panic 0x{code:x}: {}", panic_meaning(code));
            }
        }
    }
    if let Some(abi) = abi {
        for error in &abi.errors {
            if selector(&canonical(&error.name, &error.inputs)) == sel {
                if let Ok(values) = decode_params(&error.inputs, body) {
                    return format!("{}({})", error.name, join_named(&error.inputs, &values));
                }
            }
        }
    }
    format!(
        "custom error 0x{} (pass --abi FILE to decode it)",
        hex::encode(output)
    )
}

/// What kind of code a deployment carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// EVM bytecode (init code).
    Evm,
    /// A WASM deployment payload (`\0asm…`).
    Wasm,
}

/// Code to deploy and its ABI.
#[derive(Debug, Clone)]
pub struct Deployable {
    /// The init code or WASM payload, without constructor arguments.
    pub code: Vec<u8>,
    /// What the code is.
    pub kind: CodeKind,
    /// The ABI, when known.
    pub abi: Option<Abi>,
}

/// The empty custom section `weft.end` that ends a WASM contract module (section id 0,
/// size 9, name length 8, "weft.end"); constructor arguments follow it.
const WASM_END_MARKER: &[u8] = b"\x00\x09\x08weft.end";

impl Deployable {
    /// Load a Solidity artifact (`*.json` with `abi` and `bytecode`, as `solc`/Hardhat
    /// write; `bytecode.object` as Foundry writes works too) or a `.wasm` deployment
    /// payload; `abi_path` gives or overrides the ABI.
    pub fn load(path: &Path, abi_path: Option<&Path>) -> Result<Deployable, AbiError> {
        let what = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| AbiError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let explicit_abi = abi_path.map(Abi::load).transpose()?;
        if bytes.starts_with(b"\0asm") {
            return Ok(Deployable {
                code: bytes,
                kind: CodeKind::Wasm,
                abi: explicit_abi,
            });
        }
        let bad = |why: String| AbiError::Json {
            what: what.clone(),
            why,
        };
        if path.extension().is_some_and(|e| e == "wasm") {
            return Err(bad("does not start with the WASM magic \\0asm".into()));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            bad(format!(
                "neither a WASM module nor a JSON artifact with abi and bytecode ({e})"
            ))
        })?;
        let code_text = match value.get("bytecode") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(o)) => o.get("object").and_then(Value::as_str).unwrap_or_default(),
            _ => return Err(bad("no \"bytecode\" field".into())),
        };
        let digits = code_text.trim().trim_start_matches("0x");
        if digits.is_empty() {
            return Err(bad(
                "the bytecode is empty (an interface or abstract contract cannot be deployed)"
                    .into(),
            ));
        }
        if digits.contains("__") {
            return Err(bad(
                "the bytecode has unlinked library placeholders (__$…$__); link the libraries first".into(),
            ));
        }
        let code =
            hex::decode(digits).map_err(|e| bad(format!("the bytecode is not hex ({e})")))?;
        let abi = match explicit_abi {
            Some(abi) => Some(abi),
            None => match value.get("abi") {
                Some(_) => Some(Abi::from_value(&value, &what)?),
                None => None,
            },
        };
        Ok(Deployable {
            code,
            kind: CodeKind::Evm,
            abi,
        })
    }

    /// Whether a WASM payload ends with the `weft.end` marker the SDK's build appends
    /// (without it, constructor arguments cannot be told from the module).
    pub fn has_wasm_end_marker(&self) -> bool {
        self.kind == CodeKind::Wasm && self.code.ends_with(WASM_END_MARKER)
    }

    /// The deployment input: the code followed by the ABI-encoded constructor arguments
    /// read from `args`.
    pub fn deploy_input(&self, args: &[String]) -> Result<Vec<u8>, AbiError> {
        let params = self
            .abi
            .as_ref()
            .map(|a| a.constructor.as_slice())
            .unwrap_or(&[]);
        let mut input = self.code.clone();
        input.extend(encode_args("the constructor", params, args)?);
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse_with_and_without_outputs() {
        let f = Function::parse("get()(string)").unwrap();
        assert_eq!(f.signature(), "get()");
        assert_eq!(f.outputs.as_ref().unwrap()[0].ty, DynSolType::String);
        let f = Function::parse("transfer(address,uint256)").unwrap();
        assert_eq!(hex::encode(f.selector()), "a9059cbb");
        assert!(f.outputs.is_none());
        let f = Function::parse(
            "function balanceOf(address owner) external view returns (uint256 amount)",
        )
        .unwrap();
        assert!(f.read_only);
        assert_eq!(f.inputs[0].name, "owner");
        assert_eq!(f.outputs.unwrap()[0].name, "amount");
        let f = Function::parse("f((uint256,address)[] memory xs, bytes32)(bool)").unwrap();
        assert_eq!(f.signature(), "f((uint256,address)[],bytes32)");
        let f = Function::parse("g(uint)").unwrap();
        assert_eq!(f.signature(), "g(uint256)");
        for bad in [
            "get",
            "()",
            "1x()",
            "f(uint7)",
            "f(uint256",
            "f() returns (bool) extra",
            "f(,)",
        ] {
            assert!(Function::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arguments_are_read_and_counted() {
        let f = Function::parse("set(string,uint256,address,bool)").unwrap();
        let args = [
            "Weft",
            "1000",
            "0x00000000000000000000000000000000000000aa",
            "true",
        ]
        .map(String::from);
        let data = f.encode_call(&args).unwrap();
        assert_eq!(&data[..4], &f.selector());
        let e = f.encode_call(&args[..2]).unwrap_err().to_string();
        assert!(
            e.contains("takes 4 argument(s)") && e.contains("2 given"),
            "{e}"
        );
        let mut wrong = args.clone();
        wrong[1] = "lots".into();
        let e = f.encode_call(&wrong).unwrap_err().to_string();
        assert!(
            e.contains("argument 2 (uint256)") && e.contains("\"lots\""),
            "{e}"
        );
    }

    #[test]
    fn reverts_are_described() {
        let reason = DynSolValue::String("too poor".into()).abi_encode_params();
        let mut data = ERROR_STRING.to_vec();
        data.extend(reason);
        assert_eq!(describe_revert(&data, None), "too poor");
        let mut data = PANIC.to_vec();
        data.extend(DynSolValue::Uint(U256::from(0x11), 256).abi_encode());
        assert_eq!(
            describe_revert(&data, None),
            "panic 0x11: arithmetic overflow or underflow"
        );
        let abi = Abi::from_json(
            r#"[{"type":"error","name":"Insufficient","inputs":[{"name":"available","type":"uint256"},{"name":"required","type":"uint256"}]}]"#,
            "test",
        )
        .unwrap();
        let mut data = selector("Insufficient(uint256,uint256)").to_vec();
        data.extend(
            DynSolValue::Tuple(vec![
                DynSolValue::Uint(U256::from(1), 256),
                DynSolValue::Uint(U256::from(2), 256),
            ])
            .abi_encode_params(),
        );
        assert_eq!(
            describe_revert(&data, Some(&abi)),
            "Insufficient(available: 1, required: 2)"
        );
        assert!(describe_revert(&data, None).starts_with("custom error 0x"));
        assert!(describe_revert(&[], None).contains("empty"));
    }

    #[test]
    fn artifacts_load_and_events_decode() {
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts/solidity/artifacts/0.8.37");
        let erc20 = Deployable::load(&root.join("ERC20Token.json"), None).unwrap();
        assert_eq!(erc20.kind, CodeKind::Evm);
        let abi = erc20.abi.as_ref().unwrap();
        assert_eq!(abi.constructor.len(), 3);
        let input = erc20
            .deploy_input(&["Token".into(), "TOK".into(), "1000".into()])
            .unwrap();
        assert!(input.len() > erc20.code.len());
        assert!(erc20.deploy_input(&[]).is_err());
        let transfer = abi.function("transfer", 2).unwrap();
        assert_eq!(transfer.signature(), "transfer(address,uint256)");
        assert!(abi.function("nope", 0).is_err());
        // Transfer(from, to, value) with two indexed addresses.
        let sig = keccak256("Transfer(address,address,uint256)").0;
        let mut from = [0u8; 32];
        from[31] = 1;
        let mut to = [0u8; 32];
        to[31] = 2;
        let data = DynSolValue::Uint(U256::from(5), 256).abi_encode();
        let shown = abi.decode_log(&[sig, from, to], &data).unwrap();
        assert!(
            shown.starts_with("Transfer(from: 0x0000000000000000000000000000000000000001"),
            "{shown}"
        );
        assert!(shown.ends_with("value: 5)"), "{shown}");
        let call = transfer
            .encode_call(&[
                "0x0000000000000000000000000000000000000002".into(),
                "7".into(),
            ])
            .unwrap();
        assert_eq!(
            abi.decode_call(&call).unwrap(),
            "transfer(to: 0x0000000000000000000000000000000000000002, amount: 7)"
        );
    }

    #[test]
    fn wasm_payloads_load_as_they_are() {
        let dir = std::env::temp_dir().join(format!("weft-abi-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm = dir.join("c.wasm");
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend_from_slice(WASM_END_MARKER);
        std::fs::write(&wasm, &module).unwrap();
        let abi = dir.join("c.abi");
        std::fs::write(
            &abi,
            r#"[{"type":"constructor","inputs":[{"name":"n","type":"uint64"}]}]"#,
        )
        .unwrap();
        let d = Deployable::load(&wasm, Some(&abi)).unwrap();
        assert_eq!(d.kind, CodeKind::Wasm);
        assert!(d.has_wasm_end_marker());
        let input = d.deploy_input(&["7".into()]).unwrap();
        assert_eq!(
            &input[..module.len()],
            &module[..],
            "the payload is kept as it is"
        );
        assert_eq!(input.len(), module.len() + 32);
        assert_eq!(input[input.len() - 1], 7);
        std::fs::write(&wasm, b"not wasm").unwrap();
        assert!(Deployable::load(&wasm, None).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn values_read_as_a_person_expects() {
        let v = DynSolValue::Tuple(vec![
            DynSolValue::String("a".into()),
            DynSolValue::Array(vec![DynSolValue::Bool(true)]),
            DynSolValue::Bytes(vec![0xab]),
        ]);
        assert_eq!(format_value(&v, true), "(\"a\", [true], 0xab)");
        assert_eq!(format_value(&DynSolValue::String("Hi".into()), true), "Hi");
    }
}
