//! The `weft` command line as a person uses it.

use std::process::Command;

use weft_ledger::Genesis;

fn weft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .output()
        .expect("run weft")
}

#[test]
fn chain_new_writes_keys_genesis_and_configs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chain");
    let run = weft(&[
        "chain",
        "new",
        "--nodes",
        "4",
        "--out",
        out.to_str().unwrap(),
        "--sm",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let genesis = Genesis::load(&out.join("genesis.toml")).expect("genesis parses");
    assert_eq!(genesis.sealers.len(), 4);
    assert_eq!(genesis.crypto_suite, weft_crypto::SuiteId::Sm);
    for i in 0..4 {
        let node = out.join(format!("node{i}"));
        let key = weft_crypto::load_secret_key(&node.join("node.key")).unwrap();
        let pair = weft_crypto::KeyPair::from_secret(weft_crypto::SuiteId::Sm, key).unwrap();
        assert_eq!(
            genesis.sealers[i].node_id,
            alloy_primitives::B512::from(pair.public().0)
        );
        let config = weft_node::config::ConfigFile::load(&node.join("config.toml")).unwrap();
        assert_eq!(config.rpc_addr.port(), 8545 + i as u16);
        assert_eq!(Genesis::load(&config.genesis).unwrap(), genesis);
    }
    assert!(out.join("admin.key").exists());
    // The output folder is never overwritten.
    let again = weft(&[
        "chain",
        "new",
        "--nodes",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[test]
fn account_new_and_show_agree() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("me.key");
    let created = weft(&["account", "new", "--out", key.to_str().unwrap()]);
    assert!(created.status.success());
    let shown = weft(&["account", "show", "--key", key.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&created.stdout),
        String::from_utf8_lossy(&shown.stdout)
    );
    let missing = weft(&[
        "account",
        "show",
        "--key",
        dir.path().join("nope.key").to_str().unwrap(),
    ]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.key"));
}

#[test]
fn a_bad_node_config_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "rpc_addr = \"not an address\"\n").unwrap();
    let run = weft(&["node", "start", "--config", config.to_str().unwrap()]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("config.toml") && stderr.contains("rpc_addr"),
        "{stderr}"
    );
}
