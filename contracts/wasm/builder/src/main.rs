//! `weft-build`: builds a workspace's weft-sdk contracts into deployable modules.

use std::path::PathBuf;
use std::process::ExitCode;

use weft_contract_builder::{build, check, Options};

const USAGE: &str = "\
weft-build: build weft-sdk contracts into deployable Weft modules

usage: weft-build [--workspace DIR] [--out DIR] [-p NAME]...
       weft-build --check FILE.wasm...

  --workspace DIR  the contracts' Cargo workspace (default: contracts/wasm)
  --out DIR        where <name>.wasm and <name>.abi.json go (default: <workspace>/target/weft)
  -p NAME          build only this package (repeatable; `erc20` or `weft-contract-erc20`)
  --check FILE...  check finalized modules against the host API instead of building
";

fn main() -> ExitCode {
    let mut workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Option<PathBuf> = None;
    let mut packages = Vec::new();
    let mut check_files: Option<Vec<PathBuf>> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--workspace" | "--out" | "-p" | "--package" => {
                let Some(v) = args.next() else {
                    eprintln!("{a} needs a value\n\n{USAGE}");
                    return ExitCode::from(2);
                };
                match a.as_str() {
                    "--workspace" => workspace = PathBuf::from(v),
                    "--out" => out = Some(PathBuf::from(v)),
                    _ => packages.push(v),
                }
            }
            "--check" => check_files = Some(args.by_ref().map(PathBuf::from).collect()),
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument `{other}`\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    if let Some(files) = check_files {
        let mut ok = true;
        for f in files {
            let result = std::fs::read(&f)
                .map_err(|e| vec![e.to_string()])
                .and_then(|m| check::check(&m));
            match result {
                Ok(_) => println!("{}: ok", f.display()),
                Err(problems) => {
                    ok = false;
                    println!("{}:\n  - {}", f.display(), problems.join("\n  - "));
                }
            }
        }
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }

    let workspace = workspace.canonicalize().unwrap_or(workspace);
    let out_dir = out.unwrap_or_else(|| workspace.join("target/weft"));
    match build(&Options {
        workspace,
        out_dir: out_dir.clone(),
        packages,
    }) {
        Ok(built) => {
            println!("{:<12} {:>8}  imports", "contract", "bytes");
            for b in &built {
                println!(
                    "{:<12} {:>8}  {}",
                    b.name,
                    b.size,
                    b.summary.imports.join(" ")
                );
            }
            println!("written to {}", out_dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("weft-build: {e}");
            ExitCode::FAILURE
        }
    }
}
