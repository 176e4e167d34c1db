//! Compile-time string building: signatures from `SOL_NAME` constants, and the Solidity ABI
//! JSON from a list of segments. Everything here is a `const fn`, so a contract's ABI JSON
//! is a constant (and a custom section of its module), computed from the real Rust types.

/// A piece of ABI JSON.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    /// Text copied as is.
    Raw(&'a str),
    /// The parameters of a signature such as `f(uint256,(address,bool)[])` (or a bare
    /// `(uint256,bool)`), rendered as a comma-separated list of JSON parameter objects
    /// named by `names` (missing names are `""`), with `"indexed"` when `indexed` is given,
    /// and tuples as `"type":"tuple…","components":[…]`.
    Params {
        /// A signature: the parameter list is between its first `(` and its last `)`.
        sig: &'a str,
        /// The parameters' names, in order.
        names: &'a [&'a str],
        /// For event parameters: which are indexed.
        indexed: Option<&'a [bool]>,
    },
}

/// Total length of `parts` concatenated.
pub const fn concat_len(parts: &[&str]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

/// `parts` concatenated into an array of exactly [`concat_len`] bytes.
pub const fn concat<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut pos = 0;
    let mut i = 0;
    while i < parts.len() {
        let p = parts[i].as_bytes();
        let mut j = 0;
        while j < p.len() {
            out[pos] = p[j];
            pos += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(pos == N, "concat: length mismatch");
    out
}

/// UTF-8 bytes as a `&str` (in constants; panics at compile time on invalid UTF-8).
pub const fn as_str(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("not UTF-8"),
    }
}

struct Writer<'b> {
    out: &'b mut [u8],
    pos: usize,
    count_only: bool,
}

const fn push(w: &mut Writer<'_>, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        if !w.count_only {
            w.out[w.pos + i] = s[i];
        }
        i += 1;
    }
    w.pos += s.len();
}

const fn sub(s: &[u8], start: usize, end: usize) -> &[u8] {
    s.split_at(end).0.split_at(start).1
}

/// Index of the `)` that closes the `(` at `open`.
const fn closing(s: &[u8], open: usize) -> usize {
    let mut depth = 0;
    let mut i = open;
    while i < s.len() {
        if s[i] == b'(' {
            depth += 1;
        } else if s[i] == b')' {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
        i += 1;
    }
    panic!("unbalanced parentheses in a signature")
}

/// Writes `{"name":…,"type":…[,"indexed":…][,"components":[…]]}` for one type.
const fn write_param(w: &mut Writer<'_>, name: &[u8], ty: &[u8], indexed: Option<bool>) {
    push(w, b"{\"name\":\"");
    push(w, name);
    push(w, b"\",\"type\":\"");
    if !ty.is_empty() && ty[0] == b'(' {
        let close = closing(ty, 0);
        push(w, b"tuple");
        push(w, sub(ty, close + 1, ty.len()));
        push(w, b"\"");
        push_indexed(w, indexed);
        push(w, b",\"components\":[");
        write_list(w, sub(ty, 1, close), &[], None);
        push(w, b"]}");
    } else {
        push(w, ty);
        push(w, b"\"");
        push_indexed(w, indexed);
        push(w, b"}");
    }
}

/// An event parameter's `"indexed"` member; nothing for other parameters.
const fn push_indexed(w: &mut Writer<'_>, indexed: Option<bool>) {
    if let Some(ix) = indexed {
        push(
            w,
            if ix {
                b",\"indexed\":true"
            } else {
                b",\"indexed\":false"
            },
        );
    }
}

/// Writes the comma-separated type list `list` (no outer parentheses) as parameters.
const fn write_list(w: &mut Writer<'_>, list: &[u8], names: &[&str], indexed: Option<&[bool]>) {
    let mut start = 0;
    let mut depth = 0;
    let mut i = 0;
    let mut n = 0;
    while i <= list.len() {
        let end = i == list.len();
        if !end && list[i] == b'(' {
            depth += 1;
        } else if !end && list[i] == b')' {
            depth -= 1;
        }
        if end || (list[i] == b',' && depth == 0) {
            if i > start {
                if n > 0 {
                    push(w, b",");
                }
                let name: &[u8] = if n < names.len() {
                    names[n].as_bytes()
                } else {
                    b""
                };
                let ix = match indexed {
                    Some(flags) => Some(n < flags.len() && flags[n]),
                    None => None,
                };
                write_param(w, name, sub(list, start, i), ix);
                n += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
}

const fn write(w: &mut Writer<'_>, segs: &[Seg<'_>]) {
    let mut i = 0;
    while i < segs.len() {
        match segs[i] {
            Seg::Raw(s) => push(w, s.as_bytes()),
            Seg::Params {
                sig,
                names,
                indexed,
            } => {
                let s = sig.as_bytes();
                let mut open = 0;
                while open < s.len() && s[open] != b'(' {
                    open += 1;
                }
                assert!(open < s.len(), "a signature without parameters list");
                let close = closing(s, open);
                write_list(w, sub(s, open + 1, close), names, indexed);
            }
        }
        i += 1;
    }
}

/// Length of the JSON that `segs` render to.
pub const fn json_len(segs: &[Seg<'_>]) -> usize {
    let mut empty = [0u8; 0];
    let mut w = Writer {
        out: &mut empty,
        pos: 0,
        count_only: true,
    };
    write(&mut w, segs);
    w.pos
}

/// The JSON that `segs` render to, in an array of exactly [`json_len`] bytes.
pub const fn json<const N: usize>(segs: &[Seg<'_>]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut w = Writer {
        out: &mut out,
        pos: 0,
        count_only: false,
    };
    write(&mut w, segs);
    assert!(w.pos == N, "json: length mismatch");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEGS: &[Seg<'static>] = &[
        Seg::Raw("["),
        Seg::Params {
            sig: "f(uint256,(address,bool[])[],string)",
            names: &["a", "b"],
            indexed: None,
        },
        Seg::Raw("]"),
    ];
    const LEN: usize = json_len(SEGS);
    const JSON: [u8; LEN] = json(SEGS);

    #[test]
    fn renders_params_and_tuples() {
        assert_eq!(
            as_str(&JSON),
            r#"[{"name":"a","type":"uint256"},{"name":"b","type":"tuple[]","components":[{"name":"","type":"address"},{"name":"","type":"bool[]"}]},{"name":"","type":"string"}]"#
        );
    }

    #[test]
    fn renders_indexed_and_empty_lists() {
        const S: &[Seg<'static>] = &[
            Seg::Params {
                sig: "Transfer(address,address,uint256)",
                names: &["from", "to", "value"],
                indexed: Some(&[true, true, false]),
            },
            Seg::Raw("|"),
            Seg::Params {
                sig: "()",
                names: &[],
                indexed: None,
            },
        ];
        const J: [u8; json_len(S)] = json(S);
        assert_eq!(
            as_str(&J),
            r#"{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}|"#
        );
    }

    #[test]
    fn concat_builds_signatures() {
        const P: &[&str] = &["transfer(", "address", ",", "uint256", ")"];
        const S: [u8; concat_len(P)] = concat(P);
        assert_eq!(as_str(&S), "transfer(address,uint256)");
    }
}
