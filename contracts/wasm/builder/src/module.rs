//! Turning what `rustc` links into what goes on chain: the ABI JSON taken out of the
//! `weft.abi` custom section, every custom section and every export but `memory`,
//! `deploy` and `call` dropped, and the `weft.end` marker appended.

use std::fmt;

/// The name of the custom section that ends a deployable module (`sdk/HOST_API.md`).
pub const END_MARKER: &str = "weft.end";
/// The custom section the SDK's `#[contract]` puts the ABI JSON in.
pub const ABI_SECTION: &str = "weft.abi";
/// The exports a contract keeps.
pub const EXPORTS: [&str; 3] = ["memory", "deploy", "call"];

/// A module made deployable, and its ABI.
#[derive(Debug, Clone)]
pub struct Finalized {
    /// The module, ending with the `weft.end` marker: the init code before the constructor
    /// arguments.
    pub wasm: Vec<u8>,
    /// The ABI JSON from the `weft.abi` section.
    pub abi_json: String,
}

/// A module that could not be finalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleError(pub String);

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModuleError {}

fn err<T>(msg: impl Into<String>) -> Result<T, ModuleError> {
    Err(ModuleError(msg.into()))
}

/// Appends `v` as unsigned LEB128.
pub fn write_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb(bytes: &[u8], pos: &mut usize) -> Result<u64, ModuleError> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let Some(&b) = bytes.get(*pos) else {
            return err("truncated LEB128");
        };
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 35 {
            return err("LEB128 too long");
        }
    }
}

fn read_name<'a>(bytes: &'a [u8], pos: &mut usize) -> Result<&'a str, ModuleError> {
    let len = read_leb(bytes, pos)? as usize;
    let Some(raw) = bytes.get(*pos..*pos + len) else {
        return err("truncated name");
    };
    *pos += len;
    std::str::from_utf8(raw).or_else(|_| err("a name is not UTF-8"))
}

/// The empty custom section named `weft.end`: id 0, size, then the name.
pub fn end_marker() -> Vec<u8> {
    let mut payload = Vec::new();
    write_leb(&mut payload, END_MARKER.len() as u64);
    payload.extend_from_slice(END_MARKER.as_bytes());
    let mut out = vec![0u8];
    write_leb(&mut out, payload.len() as u64);
    out.extend_from_slice(&payload);
    out
}

/// The sections of a module: (id, payload).
fn sections(module: &[u8]) -> Result<Vec<(u8, &[u8])>, ModuleError> {
    if module.len() < 8 || &module[..4] != b"\0asm" || module[4..8] != [1, 0, 0, 0] {
        return err("not a WebAssembly module (version 1)");
    }
    let mut pos = 8;
    let mut out = Vec::new();
    while pos < module.len() {
        let id = module[pos];
        pos += 1;
        let size = read_leb(module, &mut pos)? as usize;
        let Some(payload) = module.get(pos..pos + size) else {
            return err("truncated section");
        };
        out.push((id, payload));
        pos += size;
    }
    Ok(out)
}

/// The export section with only [`EXPORTS`] kept.
fn filter_exports(payload: &[u8]) -> Result<Vec<u8>, ModuleError> {
    let mut pos = 0;
    let count = read_leb(payload, &mut pos)?;
    let mut kept = Vec::new();
    let mut n = 0u64;
    for _ in 0..count {
        let start = pos;
        let name = read_name(payload, &mut pos)?;
        pos += 1; // kind
        read_leb(payload, &mut pos)?; // index
        if EXPORTS.contains(&name) {
            kept.extend_from_slice(&payload[start..pos]);
            n += 1;
        }
    }
    let mut out = Vec::new();
    write_leb(&mut out, n);
    out.extend_from_slice(&kept);
    Ok(out)
}

/// Makes a linked contract module deployable; see the module docs.
pub fn finalize(module: &[u8]) -> Result<Finalized, ModuleError> {
    let mut out = module[..8.min(module.len())].to_vec();
    let mut abi_json = None;
    for (id, payload) in sections(module)? {
        match id {
            0 => {
                let mut pos = 0;
                let name = read_name(payload, &mut pos)?;
                if name == ABI_SECTION {
                    let json = std::str::from_utf8(&payload[pos..])
                        .or_else(|_| err("the ABI is not UTF-8"))?;
                    abi_json = Some(json.to_string());
                } else if name == END_MARKER {
                    return err("the module already has a weft.end marker");
                }
            }
            7 => {
                let filtered = filter_exports(payload)?;
                out.push(7);
                write_leb(&mut out, filtered.len() as u64);
                out.extend_from_slice(&filtered);
            }
            _ => {
                out.push(id);
                write_leb(&mut out, payload.len() as u64);
                out.extend_from_slice(payload);
            }
        }
    }
    let Some(abi_json) = abi_json else {
        return err("no weft.abi section: is this a weft-sdk #[contract]?");
    };
    out.extend_from_slice(&end_marker());
    Ok(Finalized {
        wasm: out,
        abi_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_bytes() {
        assert_eq!(
            end_marker(),
            [0, 9, 8, b'w', b'e', b'f', b't', b'.', b'e', b'n', b'd']
        );
    }

    #[test]
    fn leb_round_trip() {
        for v in [0u64, 1, 127, 128, 300, 1 << 20, u32::MAX as u64] {
            let mut b = Vec::new();
            write_leb(&mut b, v);
            let mut pos = 0;
            assert_eq!(read_leb(&b, &mut pos), Ok(v));
            assert_eq!(pos, b.len());
        }
    }

    #[test]
    fn refuses_non_modules() {
        assert!(finalize(b"hello world").is_err());
        // A module with no ABI section.
        assert!(finalize(b"\0asm\x01\0\0\0").is_err());
    }
}
