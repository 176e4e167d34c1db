//! `weft-load`: signed ERC20 transfers sent over JSON-RPC to a node at a fixed rate, with
//! throughput and submit-to-commit latency.
//!
//! ```text
//! weft-load --rpc 127.0.0.1:8545 --key weft-dev/dev.key --form eth --rate 8000 --seconds 20
//! ```
//!
//! It deploys an ERC20 (the solc 0.8.37 artifact), gives tokens to `--senders` fresh
//! accounts, signs every transfer before the clock starts, then sends them in JSON-RPC
//! batches over keep-alive HTTP connections (one per sender, so each sender's Ethereum
//! nonces arrive in order) while a watcher reads each new block and stamps its
//! transactions. Latency is from the moment a transaction's batch was sent to the moment
//! the watcher saw its block.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use weft_crypto::{load_secret_key, KeyPair, SuiteId};
use weft_types::{NativeTx, Transaction};

sol! {
    function transfer(address to, uint256 amount) returns (bool);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Form {
    /// EIP-1559 transactions with account nonces.
    Eth,
    /// Native transactions with random nonces and a block limit.
    Native,
}

/// Load generator for a Weft node.
#[derive(Debug, Parser)]
struct Args {
    /// The node's JSON-RPC address.
    #[arg(long, default_value = "127.0.0.1:8545")]
    rpc: SocketAddr,
    /// A key file of an account (the dev key of `weft dev`).
    #[arg(long)]
    key: PathBuf,
    /// The key is an SM key (an SM chain).
    #[arg(long)]
    sm: bool,
    /// Transaction form.
    #[arg(long, value_enum, default_value = "eth")]
    form: Form,
    /// Transactions per second offered.
    #[arg(long, default_value_t = 5000)]
    rate: u64,
    /// How long to offer load.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Sending accounts (one connection each).
    #[arg(long, default_value_t = 8)]
    senders: usize,
    /// Transactions per JSON-RPC batch.
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// The chain id.
    #[arg(long, default_value_t = 20)]
    chain_id: u64,
    /// More nodes' JSON-RPC addresses (comma-separated): the senders spread over `--rpc`
    /// and these, so every node of a cluster takes transactions. Set-up and the block
    /// watcher use `--rpc`.
    #[arg(long, value_delimiter = ',')]
    spread: Vec<SocketAddr>,
}

/// A keep-alive HTTP/1.1 JSON-RPC connection.
struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream =
            TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            addr,
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    fn post(&mut self, body: &str) -> anyhow::Result<serde_json::Value> {
        write!(
            self.writer,
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )?;
        let mut length = None;
        let mut status = String::new();
        self.reader.read_line(&mut status)?;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.trim().parse::<usize>()?);
                }
            }
        }
        let Some(length) = length else {
            bail!("response without Content-Length: {status}")
        };
        let mut buf = vec![0u8; length];
        self.reader.read_exact(&mut buf)?;
        Ok(serde_json::from_slice(&buf)?)
    }

    fn call(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
                .to_string();
        let response = self.post(&body)?;
        if let Some(error) = response.get("error") {
            bail!("{method}: {error}");
        }
        Ok(response["result"].clone())
    }
}

fn hex_u64(value: &serde_json::Value) -> anyhow::Result<u64> {
    let text = value.as_str().context("expected a hex quantity")?;
    Ok(u64::from_str_radix(text.trim_start_matches("0x"), 16)?)
}

struct Signer {
    key: KeyPair,
    chain_id: u64,
    form: Form,
    nonce: u64,
}

impl Signer {
    fn sign(
        &mut self,
        to: TxKind,
        input: Vec<u8>,
        block_limit: u64,
    ) -> anyhow::Result<(Vec<u8>, String)> {
        let raw = match self.form {
            Form::Eth => {
                let tx = TxEip1559 {
                    chain_id: self.chain_id,
                    nonce: self.nonce,
                    gas_limit: 5_000_000,
                    max_fee_per_gas: 0,
                    max_priority_fee_per_gas: 0,
                    to,
                    value: U256::ZERO,
                    access_list: Default::default(),
                    input: input.into(),
                };
                let sig = self.key.sign(&tx.signature_hash())?;
                let envelope: TxEnvelope = tx
                    .into_signed(Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1))
                    .into();
                envelope.encoded_2718()
            }
            Form::Native => {
                let tx = NativeTx {
                    chain_id: self.chain_id,
                    group_id: "group0".into(),
                    block_limit,
                    nonce: U256::from(rand_u64()) << 64 | U256::from(self.nonce),
                    to,
                    value: U256::ZERO,
                    gas_limit: 5_000_000,
                    input: Bytes::from(input),
                    abi: String::new(),
                };
                Transaction::Native(tx.sign(&self.key)?).encode()
            }
        };
        self.nonce += 1;
        let suite = self.key.suite().suite();
        let hash = Transaction::decode(&raw, &weft_types::DecodeLimits::DEFAULT)?.hash(suite);
        Ok((raw, format!("{hash}")))
    }
}

fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(
        &weft_crypto::SuiteId::Standard
            .suite()
            .generate_secret()
            .as_bytes()[..8],
    );
    u64::from_le_bytes(bytes)
}

fn send_and_wait(conn: &mut Conn, raw: &[u8], hash: &str) -> anyhow::Result<serde_json::Value> {
    conn.call(
        "eth_sendRawTransaction",
        serde_json::json!([format!("0x{}", hex::encode(raw))]),
    )?;
    wait_receipt(conn, hash)
}

fn wait_receipt(conn: &mut Conn, hash: &str) -> anyhow::Result<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let receipt = conn.call("eth_getTransactionReceipt", serde_json::json!([hash]))?;
        if !receipt.is_null() {
            return Ok(receipt);
        }
        if Instant::now() > deadline {
            bail!("no receipt for {hash}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn erc20_creation() -> anyhow::Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/solidity/artifacts/0.8.37/ERC20Token.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let mut code = hex::decode(
        json["bytecode"]
            .as_str()
            .context("bytecode")?
            .trim_start_matches("0x"),
    )?;
    code.extend_from_slice(&("Load".to_string(), "L".to_string(), U256::MAX).abi_encode_params());
    Ok(code)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let suite = if args.sm {
        SuiteId::Sm
    } else {
        SuiteId::Standard
    };
    if args.sm && args.form == Form::Eth {
        bail!("Ethereum transactions are signed with secp256k1; on an SM chain use --form native");
    }
    let owner = KeyPair::from_secret(suite, load_secret_key(&args.key)?)?;
    let mut conn = Conn::open(args.rpc)?;
    let height = hex_u64(&conn.call("eth_blockNumber", serde_json::json!([]))?)?;
    let owner_nonce = hex_u64(&conn.call(
        "eth_getTransactionCount",
        serde_json::json!([owner.address().to_string(), "latest"]),
    )?)?;
    let mut boss = Signer {
        key: owner,
        chain_id: args.chain_id,
        form: Form::Eth,
        nonce: owner_nonce,
    };
    if suite == SuiteId::Sm {
        boss.form = Form::Native;
    }

    // Set-up: deploy the token and fund the senders.
    let (raw, hash) = boss.sign(TxKind::Create, erc20_creation()?, height + 500)?;
    let receipt = send_and_wait(&mut conn, &raw, &hash)?;
    let token: Address = receipt["contractAddress"]
        .as_str()
        .context("no contract address")?
        .parse()?;
    let senders: Vec<KeyPair> = (0..args.senders)
        .map(|_| KeyPair::generate(suite))
        .collect();
    let mut last = String::new();
    for sender in &senders {
        let input = transferCall {
            to: sender.address(),
            amount: U256::from(u64::MAX),
        }
        .abi_encode();
        let (raw, hash) = boss.sign(TxKind::Call(token), input, height + 500)?;
        conn.call(
            "eth_sendRawTransaction",
            serde_json::json!([format!("0x{}", hex::encode(raw))]),
        )?;
        last = hash;
    }
    wait_receipt(&mut conn, &last)?;
    eprintln!("token {token}; {} senders funded", senders.len());

    // Pre-sign everything so that signing costs the node nothing and us no time.
    let total = (args.rate * args.seconds) as usize;
    let per_sender = total.div_ceil(args.senders);
    let start_height = hex_u64(&conn.call("eth_blockNumber", serde_json::json!([]))?)?;
    let mut plans: Vec<Vec<(Vec<u8>, String)>> = Vec::new();
    for sender in senders {
        let mut signer = Signer {
            key: sender,
            chain_id: args.chain_id,
            form: args.form,
            nonce: 0,
        };
        let mut txs = Vec::with_capacity(per_sender);
        for i in 0..per_sender {
            let input = transferCall {
                to: Address::with_last_byte((i % 251) as u8),
                amount: U256::from(1),
            }
            .abi_encode();
            txs.push(signer.sign(TxKind::Call(token), input, start_height + 900)?);
        }
        plans.push(txs);
    }
    eprintln!(
        "signed {} transactions; offering {} tx/s for {} s",
        per_sender * plans.len(),
        args.rate,
        args.seconds
    );

    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let rejected = Arc::new(AtomicU64::new(0));
    let reasons: Arc<Mutex<HashMap<String, u64>>> = Arc::new(Mutex::new(HashMap::new()));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    // The watcher: stamps every committed transaction with the time its block was seen.
    let watcher = {
        let (sent_at, done) = (sent_at.clone(), done.clone());
        let addr = args.rpc;
        std::thread::spawn(move || -> anyhow::Result<(Vec<Duration>, u64, Instant)> {
            let mut conn = Conn::open(addr)?;
            let mut next = start_height + 1;
            let mut latencies = Vec::new();
            let mut committed = 0u64;
            let mut last_commit = Instant::now();
            let mut idle_since = Instant::now();
            loop {
                let block = conn.call(
                    "eth_getBlockByNumber",
                    serde_json::json!([format!("0x{next:x}"), false]),
                )?;
                if block.is_null() {
                    if done.load(Ordering::Relaxed) && idle_since.elapsed() > Duration::from_secs(3)
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let seen = Instant::now();
                idle_since = seen;
                let map = sent_at.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                for hash in block["transactions"].as_array().into_iter().flatten() {
                    if let Some(at) = hash.as_str().and_then(|h| map.get(h)) {
                        latencies.push(seen - *at);
                        committed += 1;
                        last_commit = seen;
                    }
                }
                next += 1;
            }
            Ok((latencies, committed, last_commit))
        })
    };

    // Senders: each paces its share of the rate in batches.
    let per_sender_rate = args.rate as f64 / plans.len() as f64;
    let endpoints: Vec<SocketAddr> = std::iter::once(args.rpc)
        .chain(args.spread.iter().copied())
        .collect();
    let handles: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(i, plan)| {
            let (sent_at, rejected, reasons) = (sent_at.clone(), rejected.clone(), reasons.clone());
            let (addr, batch) = (endpoints[i % endpoints.len()], args.batch);
            std::thread::spawn(move || -> anyhow::Result<()> {
                let mut conn = Conn::open(addr)?;
                for (i, chunk) in plan.chunks(batch).enumerate() {
                    let due = started + Duration::from_secs_f64((i * batch) as f64 / per_sender_rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let body: Vec<serde_json::Value> = chunk
                        .iter()
                        .enumerate()
                        .map(|(id, (raw, _))| {
                            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "eth_sendRawTransaction",
                                "params": [format!("0x{}", hex::encode(raw))]})
                        })
                        .collect();
                    let now = Instant::now();
                    {
                        let mut map = sent_at.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                        for (_, hash) in chunk {
                            map.insert(hash.clone(), now);
                        }
                    }
                    let response = conn.post(&serde_json::Value::Array(body).to_string())?;
                    for item in response.as_array().into_iter().flatten() {
                        if let Some(error) = item.get("error") {
                            rejected.fetch_add(1, Ordering::Relaxed);
                            let reason = error["message"].as_str().unwrap_or("?").split(':').next().unwrap_or("?").to_string();
                            *reasons.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.entry(reason).or_default() += 1;
                        }
                    }
                }
                Ok(())
            })
        })
        .collect();
    for handle in handles {
        handle
            .join()
            .map_err(|_| anyhow::anyhow!("a sender panicked"))??;
    }
    let offered_for = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (mut latencies, committed, last_commit) = watcher
        .join()
        .map_err(|_| anyhow::anyhow!("watcher panicked"))??;
    latencies.sort();
    let span = last_commit
        .saturating_duration_since(started)
        .max(offered_for);
    let sent = sent_at
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .len();
    println!(
        "form: {:?}  offered: {} tx/s for {:.1} s",
        args.form,
        args.rate,
        offered_for.as_secs_f64()
    );
    println!(
        "sent: {sent}  rejected: {}  committed: {committed}",
        rejected.load(Ordering::Relaxed)
    );
    for (reason, count) in reasons
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .iter()
    {
        println!("  rejected {count}: {reason}");
    }
    println!(
        "throughput: {:.0} tx/s committed (over {:.1} s)",
        committed as f64 / span.as_secs_f64(),
        span.as_secs_f64()
    );
    println!(
        "latency submit→commit: p50 {:.0} ms  p99 {:.0} ms  max {:.0} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    Ok(())
}
