//! The `weft` command line as a person uses it.

use std::process::{Command, Output};

use weft_crypto::{load_secret_key, KeyPair, SuiteId};
use weft_ledger::Genesis;

use crate::DevNode;

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
        // Each node listens on loopback at 30300 + i and dials the three others.
        let p2p = |j: u16| std::net::SocketAddr::from(([127, 0, 0, 1], 30300 + j));
        assert_eq!(config.p2p.listen, p2p(i as u16));
        let others: Vec<_> = (0..4u16).filter(|&j| j != i as u16).map(p2p).collect();
        assert_eq!(config.p2p.peers, others);
        let p2p_config = config.p2p_config().unwrap();
        assert!(p2p_config.node_cert_pem.contains("BEGIN CERTIFICATE"));
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
fn chain_new_installs_and_pins_plugins_and_a_node_refuses_other_native_code() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("plugins");
    weft_tests::install_plugin("weft-plugin-template", &source);
    let out = dir.path().join("chain");
    let run = weft(&[
        "chain",
        "new",
        "--nodes",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--plugins",
        source.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let genesis = Genesis::load(&out.join("genesis.toml")).unwrap();
    assert_eq!(genesis.plugins.len(), 1);
    assert_eq!(genesis.plugins[0].name, "template");
    let installed = out.join("node0/plugins/libweft_plugin_template.so");
    assert_eq!(
        weft_precompiles::loader::file_sha256(&installed).unwrap(),
        genesis.plugins[0].sha256
    );
    assert!(out
        .join("node1/plugins/libweft_plugin_template.so")
        .exists());
    // `weft plugin info` prints the same pin.
    let info = weft(&["plugin", "info", installed.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        text.contains(&genesis.plugins[0].sha256.to_string()),
        "{text}"
    );
    assert!(text.contains("name = \"template\""), "{text}");
    // Other native code in the plugin folder: the node refuses to start and says why.
    let mut bytes = std::fs::read(&installed).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&installed, bytes).unwrap();
    let found = weft_precompiles::loader::file_sha256(&installed).unwrap();
    let config = out.join("node0/config.toml");
    let start = weft(&["node", "start", "--config", config.to_str().unwrap()]);
    assert!(!start.status.success());
    let err = String::from_utf8_lossy(&start.stderr);
    assert!(err.contains("libweft_plugin_template.so"), "{err}");
    assert!(
        err.contains(&genesis.plugins[0].sha256.to_string()),
        "{err}"
    );
    assert!(err.contains(&found.to_string()), "{err}");
    assert!(
        !out.join("node0/data/ledger").exists(),
        "the ledger is never opened"
    );
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

/// `weft` with `WEFT_RPC` pointing at `node`.
fn weft_at(node: &DevNode, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .env("WEFT_RPC", format!("http://{}", node.addr))
        .output()
        .expect("run weft")
}

/// The stdout of a run that must succeed.
fn ok(run: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{what} failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
}

/// The stderr of a run that must fail.
fn fails(run: Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(
        !run.status.success(),
        "{what} succeeded\nstdout:\n{}\nstderr:\n{stderr}",
        String::from_utf8_lossy(&run.stdout)
    );
    stderr
}

/// The value of `name` in `name   value` output lines.
fn field(stdout: &str, name: &str) -> String {
    stdout
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .filter(|rest| rest.starts_with(' '))
                .map(|rest| rest.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {name} in\n{stdout}"))
}

fn artifact(name: &str) -> String {
    format!(
        "{}/../../contracts/solidity/artifacts/0.8.37/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn client_commands_against_weft_dev() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path());
    let key_path = dir.path().join("dev.key");
    let key = key_path.to_str().unwrap();
    let dev = KeyPair::from_secret(SuiteId::Standard, load_secret_key(&key_path).unwrap()).unwrap();
    let dev_address = dev.address().to_checksum(None);

    let height: u64 = ok(weft_at(&node, &["height"]), "height")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(height, 0);

    // HelloWorld: deploy, call, send, call again.
    let hello_json = artifact("HelloWorld");
    let deployed = weft_at(&node, &["deploy", &hello_json, "--key", key]);
    let stderr = String::from_utf8_lossy(&deployed.stderr).into_owned();
    let out = ok(deployed, "deploy HelloWorld");
    assert!(stderr.contains("waiting for receipt"), "{stderr}");
    assert_eq!(field(&out, "status"), "0 (Success)");
    let hello = field(&out, "contract");
    let got = ok(
        weft_at(&node, &["call", &hello, "get()(string)"]),
        "call get",
    );
    assert_eq!(got.trim(), "Hello, World!");

    let sent = ok(
        weft_at(
            &node,
            &["send", &hello, "set(string)", "Weft", "--key", key],
        ),
        "send set",
    );
    assert_eq!(field(&sent, "status"), "0 (Success)");
    let set_hash = field(&sent, "transaction");
    let got = ok(
        weft_at(&node, &["call", &hello, "get()(string)"]),
        "call get",
    );
    assert_eq!(got.trim(), "Weft");
    // By name: the ABI was stored with the deployment.
    let got = ok(weft_at(&node, &["call", &hello, "get"]), "call get by name");
    assert_eq!(got.trim(), "Weft");

    let receipt = ok(weft_at(&node, &["receipt", &set_hash]), "receipt");
    assert_eq!(field(&receipt, "status"), "0 (Success)");
    assert_eq!(field(&receipt, "to"), hello);
    let receipt_json: serde_json::Value = serde_json::from_str(&ok(
        weft_at(&node, &["receipt", &set_hash, "--json"]),
        "receipt --json",
    ))
    .unwrap();
    assert_eq!(receipt_json["transactionHash"], set_hash.as_str());

    let tx = ok(weft_at(&node, &["tx", &set_hash]), "tx");
    assert_eq!(field(&tx, "form"), "native");
    assert_eq!(field(&tx, "call"), "set(name_: \"Weft\")");
    let block_limit: u64 = field(&tx, "block limit").parse().unwrap();
    let tx_block: u64 = field(&tx, "block")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        block_limit,
        tx_block - 1 + 500,
        "block limit = height + 500"
    );

    let block = ok(weft_at(&node, &["block", "latest"]), "block latest");
    assert_eq!(field(&block, "block"), tx_block.to_string());
    assert!(block.contains(&set_hash), "{block}");
    let full = ok(
        weft_at(&node, &["block", &tx_block.to_string(), "--full"]),
        "block --full",
    );
    assert!(
        full.contains(&format!("from {}", dev_address.to_lowercase())),
        "{full}"
    );
    let by_hash = ok(
        weft_at(&node, &["block", &field(&block, "hash")]),
        "block by hash",
    );
    assert_eq!(field(&by_hash, "block"), tx_block.to_string());

    let node_key = KeyPair::from_secret(
        SuiteId::Standard,
        load_secret_key(&dir.path().join("node.key")).unwrap(),
    )
    .unwrap();
    let sealers = ok(weft_at(&node, &["sealers"]), "sealers");
    assert!(
        sealers.contains(&format!("{}  weight 1", node_key.public())),
        "{sealers}"
    );
    assert!(sealers.contains("observers (0)"), "{sealers}");

    let limit = ok(
        weft_at(&node, &["config", "get", "tx_count_limit"]),
        "config get",
    );
    assert_eq!(limit.trim(), "1000");

    // ERC20 with constructor arguments, a transfer and balances.
    let erc20_json = artifact("ERC20Token");
    let out = ok(
        weft_at(
            &node,
            &[
                "deploy",
                &erc20_json,
                "Token",
                "TOK",
                "1000000",
                "--key",
                key,
            ],
        ),
        "deploy ERC20",
    );
    let token = field(&out, "contract");
    assert!(
        out.contains(&format!("Transfer(from: 0x0000000000000000000000000000000000000000, to: {dev_address}, value: 1000000)")),
        "{out}"
    );
    let to = "0x00000000000000000000000000000000000000aA";
    let out = ok(
        weft_at(
            &node,
            &[
                "send",
                &token,
                "transfer(address,uint256)",
                to,
                "250",
                "--key",
                key,
            ],
        ),
        "transfer",
    );
    assert_eq!(field(&out, "returned"), "true");
    assert!(out.contains("value: 250)"), "{out}");
    let balance = ok(
        weft_at(&node, &["call", &token, "balanceOf(address)(uint256)", to]),
        "balanceOf",
    );
    assert_eq!(balance.trim(), "250");
    let balance = ok(
        weft_at(&node, &["call", &token, "balanceOf", &dev_address]),
        "balanceOf by name",
    );
    assert_eq!(balance.trim(), "999750");

    // A reverting transaction: refused at estimation, or recorded with --gas.
    let err = fails(
        weft_at(
            &node,
            &["send", &token, "transfer", to, "2000000", "--key", key],
        ),
        "an over-balance transfer",
    );
    assert!(
        err.contains("ERC20: transfer amount exceeds balance") && err.contains("not sent"),
        "{err}"
    );
    let run = weft_at(
        &node,
        &[
            "send", &token, "transfer", to, "2000000", "--key", key, "--gas", "100000",
        ],
    );
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let err = fails(run, "an over-balance transfer with --gas");
    assert_eq!(
        field(&stdout, "status"),
        "16 (RevertInstruction): ERC20: transfer amount exceeds balance"
    );
    assert!(
        err.contains("ERC20: transfer amount exceeds balance"),
        "{err}"
    );
    let err = fails(
        weft_at(
            &node,
            &["call", &token, "transferFrom", &dev_address, to, "1"],
        ),
        "a reverting call",
    );
    assert!(
        err.contains("the call reverted: ERC20: insufficient allowance"),
        "{err}"
    );

    // setValueByKey goes to 0x…1000; no precompile answers there yet, and the command
    // says so instead of claiming success.
    let run = weft_at(
        &node,
        &["config", "set", "tx_count_limit", "500", "--key", key],
    );
    // The dev key is the dev chain's admin: SystemConfig accepts the change, for the next
    // block.
    let stdout = ok(run, "config set");
    assert_eq!(
        field(&stdout, "to"),
        "0x0000000000000000000000000000000000001000"
    );
    assert!(stdout.contains("takes effect from block"), "{stdout}");
    let limit = ok(
        weft_at(&node, &["config", "get", "tx_count_limit"]),
        "config get",
    );
    assert_eq!(limit.trim(), "500", "the value for the next block");

    let accounts = ok(
        weft(&["account", "list", "--dir", dir.path().to_str().unwrap()]),
        "account list",
    );
    assert!(
        accounts.contains(&format!("{dev_address}  dev.key")),
        "{accounts}"
    );
}

#[test]
fn client_commands_sign_with_sm_keys_on_an_sm_chain() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start_with(dir.path(), &["--sm"]);
    let key_path = dir.path().join("dev.key");
    let key = key_path.to_str().unwrap();
    let err = fails(
        weft_at(&node, &["deploy", &artifact("HelloWorld"), "--key", key]),
        "a standard key on an SM chain",
    );
    assert!(err.contains("pass --sm"), "{err}");
    let out = ok(
        weft_at(
            &node,
            &["deploy", &artifact("HelloWorld"), "--key", key, "--sm"],
        ),
        "deploy on SM",
    );
    let hello = field(&out, "contract");
    let sm = KeyPair::from_secret(SuiteId::Sm, load_secret_key(&key_path).unwrap()).unwrap();
    assert_eq!(field(&out, "from"), sm.address().to_checksum(None));
    ok(
        weft_at(
            &node,
            &["send", &hello, "set", "国密", "--key", key, "--sm"],
        ),
        "send on SM",
    );
    let got = ok(weft_at(&node, &["call", &hello, "get"]), "call on SM");
    assert_eq!(got.trim(), "国密");
}

#[test]
fn bad_client_input_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path());
    let key_path = dir.path().join("dev.key");
    let key = key_path.to_str().unwrap();
    let somewhere = "0x00000000000000000000000000000000000000ab";

    let run = weft_at(&node, &["height", "--bogus"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("unexpected argument '--bogus'"));

    let err = fails(
        weft_at(&node, &["call", "0x12", "get()(string)"]),
        "a bad address",
    );
    assert!(err.contains("not an address"), "{err}");
    let err = fails(weft_at(&node, &["tx", "0x12"]), "a bad hash");
    assert!(err.contains("not a transaction hash"), "{err}");
    let err = fails(weft_at(&node, &["block", "yesterday"]), "a bad block");
    assert!(err.contains("not a block"), "{err}");

    let err = fails(
        weft_at(&node, &["call", somewhere, "set(string)", "a", "b"]),
        "wrong argument count",
    );
    assert!(
        err.contains("takes 1 argument(s) (string), 2 given"),
        "{err}"
    );
    let err = fails(
        weft_at(
            &node,
            &["send", somewhere, "set(uint256)", "lots", "--key", key],
        ),
        "a bad argument",
    );
    assert!(err.contains("cannot read \"lots\" as uint256"), "{err}");
    let err = fails(
        weft_at(
            &node,
            &["call", somewhere, "nope", "--abi", &artifact("HelloWorld")],
        ),
        "an unknown function",
    );
    assert!(
        err.contains("no function \"nope\"") && err.contains("get()"),
        "{err}"
    );
    let err = fails(
        weft_at(&node, &["call", somewhere, "get"]),
        "a name without an ABI",
    );
    assert!(err.contains("no ABI is known"), "{err}");
    let err = fails(
        weft_at(&node, &["call", somewhere, "get()(string)"]),
        "a call to no contract",
    );
    assert!(err.contains("is there a contract at"), "{err}");

    let err = fails(
        weft_at(&node, &["send", somewhere, "f()", "--key", key, "--sm"]),
        "a key of the wrong suite",
    );
    assert!(err.contains("uses the standard suite"), "{err}");
    let missing = dir.path().join("nope.key");
    let err = fails(
        weft_at(
            &node,
            &["send", somewhere, "f()", "--key", missing.to_str().unwrap()],
        ),
        "a missing key",
    );
    assert!(err.contains("nope.key"), "{err}");
    let err = fails(
        weft_at(&node, &["receipt", &format!("0x{}", "00".repeat(32))]),
        "an unknown transaction",
    );
    assert!(err.contains("no such transaction"), "{err}");
    let err = fails(weft_at(&node, &["block", "999"]), "a future block");
    assert!(
        err.contains("no block 999") && err.contains("height is 0"),
        "{err}"
    );
    let err = fails(
        weft_at(&node, &["config", "get", "nope"]),
        "an unknown config key",
    );
    assert!(
        err.contains("not a system config key") && err.contains("tx_count_limit"),
        "{err}"
    );
    let err = fails(
        weft_at(
            &node,
            &["deploy", &key_path.to_string_lossy(), "--key", key],
        ),
        "deploying a key file",
    );
    assert!(
        err.contains("neither a WASM module nor a JSON artifact"),
        "{err}"
    );
}

#[test]
fn an_unreachable_node_is_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let err = fails(weft(&["height", "--rpc", &url]), "height with no node");
    assert!(
        err.contains(&format!(
            "cannot reach the node at {url}: connection refused"
        )) && err.contains("weft dev"),
        "{err}"
    );
    let err = fails(weft(&["height", "--rpc", "https://127.0.0.1:1"]), "https");
    assert!(err.contains("https is not supported"), "{err}");
}

#[test]
fn chain_new_makes_a_ca_and_node_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chain");
    ok(
        weft(&[
            "chain",
            "new",
            "--nodes",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]),
        "chain new",
    );
    let ca_cert = std::fs::read_to_string(out.join("ca/ca.crt")).unwrap();
    let ca_key = std::fs::read_to_string(out.join("ca/ca.key")).unwrap();
    assert!(ca_cert.starts_with("-----BEGIN CERTIFICATE-----"));
    rcgen::KeyPair::from_pem(&ca_key).expect("the CA key parses");
    for i in 0..2 {
        let node = out.join(format!("node{i}"));
        let config = weft_node::config::ConfigFile::load(&node.join("config.toml")).unwrap();
        assert_eq!(config.tls_cert, node.join("conf/ssl.crt"));
        assert_eq!(config.tls_key, node.join("conf/ssl.key"));
        assert_eq!(config.ca_cert, node.join("conf/ca.crt"));
        assert_eq!(std::fs::read_to_string(&config.ca_cert).unwrap(), ca_cert);
        let tls_key = rcgen::KeyPair::from_pem(&std::fs::read_to_string(&config.tls_key).unwrap())
            .expect("the TLS key parses");
        assert_eq!(tls_key.algorithm(), &rcgen::PKCS_ECDSA_P256_SHA256);
        let node_id = weft_crypto::KeyPair::from_secret(
            SuiteId::Standard,
            load_secret_key(&node.join("node.key")).unwrap(),
        )
        .unwrap();
        let name = weft_node::certs::node_dns_name(node_id.public());
        assert_eq!(
            weft_node::certs::node_id_from_dns_name(&name),
            Some(*node_id.public())
        );
        assert_eq!(
            std::fs::read_to_string(node.join("node.nodeid"))
                .unwrap()
                .trim(),
            name.trim_end_matches(".node.weft").replace('.', "")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&config.tls_key)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "ssl.key is private");
        }
        // The chain of trust and the identity, checked by OpenSSL where it is installed:
        // signed by the CA, valid now, usable as TLS server and client, and naming the
        // node's id as its DNS name.
        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("openssl not installed: certificate chain not verified");
            continue;
        }
        for purpose in ["sslserver", "sslclient"] {
            let verify = Command::new("openssl")
                .args([
                    "verify",
                    "-x509_strict",
                    "-purpose",
                    purpose,
                    "-verify_hostname",
                    &name,
                ])
                .arg("-CAfile")
                .arg(out.join("ca/ca.crt"))
                .arg(&config.tls_cert)
                .output()
                .unwrap();
            assert!(
                verify.status.success(),
                "{}{}",
                String::from_utf8_lossy(&verify.stdout),
                String::from_utf8_lossy(&verify.stderr)
            );
        }
        let wrong = weft_node::certs::node_dns_name(
            weft_crypto::KeyPair::generate(SuiteId::Standard).public(),
        );
        let verify = Command::new("openssl")
            .args(["verify", "-verify_hostname", &wrong])
            .arg("-CAfile")
            .arg(out.join("ca/ca.crt"))
            .arg(&config.tls_cert)
            .output()
            .unwrap();
        assert!(
            !verify.status.success(),
            "another node's name must not match"
        );
        let text = Command::new("openssl")
            .args(["x509", "-noout", "-subject", "-pubkey", "-in"])
            .arg(&config.tls_cert)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("CN=weft-node") || text.contains("CN = weft-node"),
            "{text}"
        );
        assert!(
            text.contains(tls_key.public_key_pem().trim()),
            "the certificate is for ssl.key"
        );
        let ca_text = Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(out.join("ca/ca.crt"))
            .output()
            .unwrap();
        let ca_text = String::from_utf8_lossy(&ca_text.stdout);
        assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
        let years = |label: &str| -> i32 {
            let line = ca_text.lines().find(|l| l.contains(label)).unwrap();
            line.split_whitespace()
                .find_map(|w| w.parse::<i32>().ok().filter(|y| *y > 1999))
                .unwrap()
        };
        assert_eq!(years("Not After") - years("Not Before"), 10, "{ca_text}");
    }
}
