//! Start-up errors of the plugin loader: each names the file and says what is wrong, and
//! a node refuses to open its ledger with them.

use std::path::{Path, PathBuf};
use std::process::Command;

use alloy_primitives::B256;
use weft_precompiles::{PluginError, Registry};
use weft_tests::{install_plugin, pin_of};

/// Compile C `source` into the shared library `dir/name`.
fn c_library(dir: &Path, name: &str, source: &str) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, source).unwrap();
    let out = dir.join(name);
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(&c)
        .status()
        .expect("run cc");
    assert!(status.success());
    std::fs::remove_file(c).unwrap();
    out
}

fn load(dir: &Path, pins: &[weft_ledger::PluginPin]) -> Result<Registry, PluginError> {
    Registry::load(dir, pins)
}

#[test]
fn the_pinned_template_plugin_loads() {
    let dir = tempfile::tempdir().unwrap();
    let file = install_plugin("weft-plugin-template", dir.path());
    let pin = pin_of(&file);
    assert_eq!(pin.name, "template");
    let registry = load(dir.path(), &[pin]).unwrap();
    assert_eq!(registry.plugins().len(), 1);
    assert!(registry.lookup(&weft_plugin_abi::addr(0x5200)).is_some());
}

#[test]
fn a_hash_mismatch_names_the_file_and_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let file = install_plugin("weft-plugin-template", dir.path());
    let mut pin = pin_of(&file);
    let found = pin.sha256;
    pin.sha256 = B256::repeat_byte(0xab);
    let err = load(dir.path(), &[pin]).unwrap_err();
    assert!(matches!(err, PluginError::HashMismatch { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(
        message.contains(&B256::repeat_byte(0xab).to_string()),
        "{message}"
    );
    assert!(message.contains(&found.to_string()), "{message}");
}

#[test]
fn unpinned_and_missing_plugins_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = install_plugin("weft-plugin-template", dir.path());
    let err = load(dir.path(), &[]).unwrap_err();
    assert!(matches!(err, PluginError::NotPinned { .. }), "{err}");
    let pin = pin_of(&file);
    std::fs::remove_file(&file).unwrap();
    let err = load(dir.path(), &[pin]).unwrap_err();
    assert!(matches!(err, PluginError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("template"), "{err}");
}

#[test]
fn a_wrong_abi_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = c_library(
        dir.path(),
        "libold.so",
        "unsigned int weft_plugin_abi_version(void) { return 999; }\n",
    );
    let err = load(dir.path(), &[]).unwrap_err();
    match &err {
        PluginError::AbiVersion {
            file: f,
            expected,
            found,
        } => {
            assert_eq!(f, &file);
            assert_eq!(
                (*expected, *found),
                (weft_plugin_abi::ffi::ABI_VERSION, 999)
            );
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("libold.so"));
}

#[test]
fn a_missing_symbol_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    c_library(
        dir.path(),
        "libhalf.so",
        "unsigned int weft_plugin_abi_version(void) { return 1; }\n",
    );
    let err = load(dir.path(), &[]).unwrap_err();
    assert!(
        matches!(
            &err,
            PluginError::MissingSymbol {
                symbol: "weft_plugin_info",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_shared_library_that_is_no_plugin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    c_library(
        dir.path(),
        "libother.so",
        "int add(int a, int b) { return a + b; }\n",
    );
    let err = load(dir.path(), &[]).unwrap_err();
    assert!(
        matches!(
            &err,
            PluginError::MissingSymbol {
                symbol: "weft_plugin_abi_version",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("not a Weft plugin"), "{err}");
}

#[test]
fn a_file_that_is_no_library_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libtext.so"), b"not an ELF file").unwrap();
    let err = load(dir.path(), &[]).unwrap_err();
    assert!(matches!(&err, PluginError::NotALibrary { .. }), "{err}");
    assert!(err.to_string().contains("libtext.so"), "{err}");
}

#[test]
fn two_files_may_not_declare_one_plugin_name() {
    let dir = tempfile::tempdir().unwrap();
    let first = install_plugin("weft-plugin-template", dir.path());
    let second = dir.path().join("libcopy.so");
    std::fs::copy(&first, &second).unwrap();
    // The same plugin twice (one name, the same addresses): refused.
    let pin = pin_of(&first);
    let err = load(dir.path(), &[pin]).unwrap_err();
    assert!(matches!(&err, PluginError::Clash { .. }), "{err}");
}
