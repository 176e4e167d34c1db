//! ABI JSON, normalised for comparison: one line per entry (kind, name, parameter types and
//! names, indexed flags, state mutability), sorted. `internalType` and output names, which
//! do not change what a call or a log looks like, are left out.

use serde_json::Value;
use std::path::PathBuf;

fn param(p: &Value, with_name: bool, event: bool) -> String {
    let ty = p["type"].as_str().unwrap_or("?");
    let mut s = match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let comps: Vec<String> = p["components"]
                .as_array()
                .map(|c| c.iter().map(|c| param(c, false, false)).collect())
                .unwrap_or_default();
            format!("({}){suffix}", comps.join(","))
        }
        None => ty.to_string(),
    };
    if event && p["indexed"].as_bool() == Some(true) {
        s.push_str(" indexed");
    }
    if with_name {
        if let Some(name) = p["name"].as_str().filter(|n| !n.is_empty()) {
            s.push(' ');
            s.push_str(name);
        }
    }
    s
}

fn params(v: &Value, with_name: bool, event: bool) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| param(p, with_name, event))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// The normalised entries of an ABI JSON array.
pub fn normalize(json: &str) -> Result<Vec<String>, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("the ABI is not JSON: {e}"))?;
    let Some(entries) = v.as_array() else {
        return Err("the ABI is not a JSON array".into());
    };
    let mut out = Vec::new();
    for e in entries {
        let kind = e["type"].as_str().unwrap_or("function");
        let name = e["name"].as_str().unwrap_or("");
        let mutability = e["stateMutability"].as_str().unwrap_or("");
        out.push(match kind {
            "function" => format!(
                "function {name}({}) returns ({}) {mutability}",
                params(&e["inputs"], true, false),
                params(&e["outputs"], false, false)
            ),
            "constructor" => format!(
                "constructor({}) {mutability}",
                params(&e["inputs"], true, false)
            ),
            "event" => format!(
                "event {name}({}){}",
                params(&e["inputs"], true, true),
                if e["anonymous"].as_bool() == Some(true) {
                    " anonymous"
                } else {
                    ""
                }
            ),
            "error" => format!("error {name}({})", params(&e["inputs"], true, false)),
            other => format!("{other} {mutability}"),
        });
    }
    out.sort();
    Ok(out)
}

/// Where the committed Solidity artifacts are (`contracts/solidity/artifacts/0.8.37`).
pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../solidity/artifacts/0.8.37")
}

/// The ABI JSON of a committed Solidity artifact (`ERC20Token`, `Counter`, …).
pub fn artifact_abi(contract: &str) -> Result<String, String> {
    let path = artifacts_dir().join(format!("{contract}.json"));
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(v["abi"].to_string())
}

/// Panics, showing both sides, unless `abi_json` is the Solidity contract's ABI.
pub fn assert_matches_artifact(abi_json: &str, contract: &str) {
    let ours = match normalize(abi_json) {
        Ok(n) => n,
        Err(e) => panic!("our ABI: {e}\n{abi_json}"),
    };
    let theirs = match artifact_abi(contract).and_then(|j| normalize(&j)) {
        Ok(n) => n,
        Err(e) => panic!("{contract}'s ABI: {e}"),
    };
    assert_eq!(ours, theirs, "the ABI differs from Solidity's {contract}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_tuples_events_and_order() {
        let a = r#"[{"type":"event","name":"E","inputs":[{"name":"a","type":"address","indexed":true}],"anonymous":false},
            {"type":"function","name":"f","inputs":[{"name":"x","type":"tuple[]","components":[{"name":"p","type":"uint8"},{"name":"q","type":"bool"}]}],"outputs":[{"name":"ok","type":"bool"}],"stateMutability":"view"}]"#;
        assert_eq!(
            normalize(a).unwrap(),
            [
                "event E(address indexed a)",
                "function f((uint8,bool)[] x) returns (bool) view"
            ]
        );
    }
}
