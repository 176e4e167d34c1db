//! Builds a workspace's weft-sdk contracts into deployable modules.
//!
//! For every package with a `cdylib` target: `cargo build --release --target
//! wasm32-unknown-unknown` (with the flags the host needs, [`RUSTFLAGS`]), then
//! [`module::finalize`] (ABI JSON out of the `weft.abi` section, custom sections and extra
//! exports dropped, `weft.end` appended), then [`check::check`] (the host's deployment
//! rules), then `<name>.wasm` and `<name>.abi.json` into the output directory, where
//! `<name>` is the package name without a `weft-contract-` prefix.
//!
//! The `weft-build` binary (and `contracts/wasm/build.sh`) is the command line for it.

pub mod abi;
pub mod check;
pub mod module;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The flags every contract is linked with: a 64 KiB stack (so the initial memory fits the
/// host's 16 pages), a 16 MiB memory maximum, and no reference-types.
pub const RUSTFLAGS: [&str; 8] = [
    "-C",
    "link-arg=-zstack-size=65536",
    "-C",
    "link-arg=--max-memory=16777216",
    "-C",
    "link-arg=--compress-relocations",
    "-C",
    "target-feature=-reference-types",
];

/// The target contracts are built for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// What to build and where to put it.
#[derive(Debug, Clone)]
pub struct Options {
    /// The workspace (directory of its `Cargo.toml`).
    pub workspace: PathBuf,
    /// Where `<name>.wasm` and `<name>.abi.json` go.
    pub out_dir: PathBuf,
    /// Packages to build (all `cdylib` packages if empty).
    pub packages: Vec<String>,
}

/// One built contract.
#[derive(Debug, Clone)]
pub struct Built {
    /// The contract's name (the package name without `weft-contract-`).
    pub name: String,
    /// The deployable module.
    pub wasm_path: PathBuf,
    /// Its ABI JSON.
    pub abi_path: PathBuf,
    /// Size of the deployable module, in bytes.
    pub size: usize,
    /// What the checks saw.
    pub summary: check::Summary,
}

/// A contract package: its name, its library's file name, the output name.
#[derive(Debug, Clone)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// The library target's name (the `.wasm` file stem).
    pub lib_name: String,
}

impl Package {
    /// The output name: the package name without a `weft-contract-` prefix.
    pub fn short_name(&self) -> &str {
        self.name
            .strip_prefix("weft-contract-")
            .unwrap_or(&self.name)
    }
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The workspace's `cdylib` packages and its target directory (from `cargo metadata`).
pub fn contract_packages(workspace: &Path) -> Result<(Vec<Package>, PathBuf), String> {
    let out = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("running cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let meta: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))?;
    let target_dir = PathBuf::from(meta["target_directory"].as_str().unwrap_or("target"));
    let mut packages = Vec::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        for t in p["targets"].as_array().into_iter().flatten() {
            let cdylib = t["crate_types"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c == "cdylib");
            if cdylib {
                packages.push(Package {
                    name: p["name"].as_str().unwrap_or_default().to_string(),
                    lib_name: t["name"].as_str().unwrap_or_default().replace('-', "_"),
                });
            }
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((packages, target_dir))
}

/// Builds, finalizes, checks and writes out the contracts; see the crate docs.
pub fn build(opts: &Options) -> Result<Vec<Built>, String> {
    let (all, target_dir) = contract_packages(&opts.workspace)?;
    let packages: Vec<Package> = if opts.packages.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for want in &opts.packages {
            match all
                .iter()
                .find(|p| &p.name == want || p.short_name() == want)
            {
                Some(p) => chosen.push(p.clone()),
                None => {
                    return Err(format!(
                        "no contract package `{want}` (a package with a cdylib target)"
                    ))
                }
            }
        }
        chosen
    };
    if packages.is_empty() {
        return Err("no contract packages (packages with a cdylib target) to build".into());
    }

    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(opts.workspace.join("Cargo.toml"))
        .env_remove("RUSTFLAGS")
        .env("CARGO_ENCODED_RUSTFLAGS", RUSTFLAGS.join("\u{1f}"));
    for p in &packages {
        cmd.args(["-p", &p.name]);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --target {TARGET} failed ({status})"));
    }

    std::fs::create_dir_all(&opts.out_dir)
        .map_err(|e| format!("creating {}: {e}", opts.out_dir.display()))?;
    let mut built = Vec::new();
    let mut failures = Vec::new();
    for p in &packages {
        let linked = target_dir
            .join(TARGET)
            .join("release")
            .join(format!("{}.wasm", p.lib_name));
        let raw =
            std::fs::read(&linked).map_err(|e| format!("reading {}: {e}", linked.display()))?;
        let fin = module::finalize(&raw).map_err(|e| format!("{}: {e}", p.name))?;
        let summary = match check::check(&fin.wasm) {
            Ok(s) => s,
            Err(problems) => {
                failures.push(format!("{}:\n  - {}", p.name, problems.join("\n  - ")));
                continue;
            }
        };
        let abi: Value = serde_json::from_str(&fin.abi_json)
            .map_err(|e| format!("{}: the ABI is not JSON: {e}", p.name))?;
        let abi_text = serde_json::to_string_pretty(&abi).map_err(|e| e.to_string())? + "\n";
        let wasm_path = opts.out_dir.join(format!("{}.wasm", p.short_name()));
        let abi_path = opts.out_dir.join(format!("{}.abi.json", p.short_name()));
        write_atomically(&wasm_path, &fin.wasm)?;
        write_atomically(&abi_path, abi_text.as_bytes())?;
        built.push(Built {
            name: p.short_name().to_string(),
            wasm_path,
            abi_path,
            size: fin.wasm.len(),
            summary,
        });
    }
    if !failures.is_empty() {
        return Err(format!(
            "modules the host would refuse:\n{}",
            failures.join("\n")
        ));
    }
    Ok(built)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a reader — such
/// as a test process loading the module while another rebuilds it — never sees a truncated
/// or empty file (`std::fs::write` truncates first: an empty module deploys as an account
/// with no code).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} has no file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("renaming {} to {}: {e}", tmp.display(), path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("weft-build-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.wasm");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("m.wasm")]);
        // A directory as the target is an error, and its temporary is removed.
        let err = write_atomically(&dir, b"x").unwrap_err();
        assert!(err.contains("renaming"), "{err}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
