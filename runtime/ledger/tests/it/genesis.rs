use std::io::Write;

use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{Genesis, GenesisError};

fn node_id(suite: SuiteId) -> String {
    format!("0x{}", KeyPair::generate(suite).public())
}

fn toml(suite: SuiteId) -> String {
    format!(
        r#"
chain_id = 20
group_id = "group0"
crypto_suite = "{suite}"
timestamp = 1700000000000
admins = ["0x00000000000000000000000000000000000000ad"]

[[sealers]]
node_id = "{}"
weight = 2

[[sealers]]
node_id = "{}"

[config]
tx_count_limit = 500
"#,
        node_id(suite),
        node_id(suite)
    )
}

#[test]
fn a_toml_genesis_parses_with_defaults() {
    for suite in [SuiteId::Standard, SuiteId::Sm] {
        let g = Genesis::from_toml(&toml(suite), "genesis.toml").expect("parse");
        assert_eq!(g.crypto_suite, suite);
        assert_eq!(g.sealers[0].weight, 2);
        assert_eq!(g.sealers[1].weight, 1, "weight defaults to 1");
        assert_eq!(g.config.tx_count_limit, 500);
        assert_eq!(g.config.block_limit_window, 1000, "default window");
        // It round-trips through its own TOML and JSON forms.
        assert_eq!(
            Genesis::from_toml(&g.to_toml(), "again").expect("reparse"),
            g
        );
        let json = String::from_utf8(g.canonical_bytes()).expect("utf8");
        assert_eq!(Genesis::from_json(&json, "json").expect("json"), g);
    }
}

#[test]
fn a_missing_field_is_named() {
    let text = toml(SuiteId::Standard).replace("chain_id = 20\n", "");
    let err = Genesis::from_toml(&text, "genesis.toml").unwrap_err();
    assert!(matches!(err, GenesisError::Parse { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("genesis.toml") && msg.contains("chain_id"),
        "{msg}"
    );
}

#[test]
fn unknown_fields_and_bad_values_are_refused() {
    let cases = [
        (
            toml(SuiteId::Standard).replace("group_id", "groupid"),
            "groupid",
        ),
        (
            toml(SuiteId::Standard).replace("tx_count_limit = 500", "tx_count_limit = 0"),
            "tx_count_limit",
        ),
        (
            toml(SuiteId::Standard).replace("weight = 2", "weight = 0"),
            "weight 0",
        ),
        (
            toml(SuiteId::Standard)
                .replace("crypto_suite = \"standard\"", "crypto_suite = \"rsa\""),
            "rsa",
        ),
        (
            toml(SuiteId::Standard).replace("tx_count_limit = 500", "block_limit_window = 6000"),
            "block_limit_window",
        ),
    ];
    for (text, needle) in cases {
        let err = Genesis::from_toml(&text, "g.toml").unwrap_err();
        assert!(
            err.to_string().contains(needle),
            "expected {needle:?} in: {err}"
        );
    }
}

#[test]
fn node_ids_must_be_unique_keys_of_the_suite() {
    let g = Genesis::from_toml(&toml(SuiteId::Standard), "g").expect("parse");
    let mut dup = g.clone();
    dup.observers.push(g.sealers[0].node_id);
    assert!(dup
        .validate()
        .unwrap_err()
        .to_string()
        .contains("listed twice"));
    let mut off_curve = g.clone();
    off_curve.sealers[0].node_id = [1u8; 64].into();
    assert!(off_curve
        .validate()
        .unwrap_err()
        .to_string()
        .contains("not a standard public key"));
    let mut none = g;
    none.sealers.clear();
    assert!(none
        .validate()
        .unwrap_err()
        .to_string()
        .contains("at least one sealer"));
}

#[test]
fn genesis_files_load_by_extension_and_report_io_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = Genesis::from_toml(&toml(SuiteId::Sm), "g").expect("parse");
    let toml_path = dir.path().join("genesis.toml");
    std::fs::File::create(&toml_path)
        .and_then(|mut f| f.write_all(g.to_toml().as_bytes()))
        .expect("write");
    assert_eq!(Genesis::load(&toml_path).expect("load toml"), g);
    let json_path = dir.path().join("genesis.json");
    std::fs::write(&json_path, g.canonical_bytes()).expect("write");
    assert_eq!(Genesis::load(&json_path).expect("load json"), g);
    let missing = Genesis::load(&dir.path().join("nope.toml")).unwrap_err();
    assert!(
        matches!(missing, GenesisError::Io { .. }) && missing.to_string().contains("nope.toml")
    );
    assert_ne!(
        g.hash(),
        Genesis {
            chain_id: 21,
            ..g.clone()
        }
        .hash()
    );
}
