//! Integration tests of the node: the sealer's commit path in process, PBFT clusters of
//! several nodes in process over real QUIC on loopback, and the `weft` binary as a
//! process (CLI, crash and restart).

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod cli;
mod cluster;
mod crash;
mod processes;
mod sealing;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Signature, TxKind, U256};
use weft_crypto::KeyPair;

/// An EIP-1559 transaction from `key` with zero fees, as raw bytes.
pub fn eth_transfer(key: &KeyPair, nonce: u64, to: alloy_primitives::Address) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id: 20,
        nonce,
        gas_limit: 50_000,
        max_fee_per_gas: 0,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(to),
        value: U256::ZERO,
        access_list: Default::default(),
        input: vec![1, 2, 3].into(),
    };
    let sig = key.sign(&tx.signature_hash()).expect("sign");
    let envelope: TxEnvelope = tx
        .into_signed(Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1))
        .into();
    envelope.encoded_2718()
}

/// A JSON-RPC call over a plain HTTP/1.1 connection; the `result` or the `error`.
pub fn rpc(
    addr: SocketAddr,
    method: &str,
    params: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        .to_string();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (_, json) = response.split_once("\r\n\r\n").expect("HTTP response");
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"));
    match value.get("error") {
        Some(error) => Err(error.clone()),
        None => Ok(value["result"].clone()),
    }
}

/// A `weft dev` process.
pub struct DevNode {
    /// The process.
    pub child: Child,
    /// Its RPC address.
    pub addr: SocketAddr,
}

impl DevNode {
    /// Start `weft dev` on `data` and wait until it serves.
    pub fn start(data: &Path) -> DevNode {
        DevNode::start_with(data, &[])
    }

    /// Start `weft dev` on `data` with `extra` arguments (such as `--sm`).
    pub fn start_with(data: &Path, extra: &[&str]) -> DevNode {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args([
                "dev",
                "--data",
                data.to_str().unwrap(),
                "--rpc",
                &addr.to_string(),
                "--min-seal-ms",
                "20",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn weft");
        let stdout = child.stdout.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = BufReader::new(stdout).lines();
        loop {
            assert!(Instant::now() < deadline, "weft dev did not start");
            match lines.next() {
                Some(Ok(line)) if line.starts_with("ready:") => break,
                Some(_) => continue,
                None => panic!("weft dev exited before serving"),
            }
        }
        // Keep draining stdout so the node never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        DevNode { child, addr }
    }

    /// SIGKILL the process.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
