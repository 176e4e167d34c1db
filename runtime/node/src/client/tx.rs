//! Native transactions from the client: built, signed with the key's suite, sent with
//! `eth_sendRawTransaction`, and their receipts awaited.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use serde_json::Value;
use weft_crypto::KeyPair;
use weft_types::{NativeTx, Transaction, TransactionStatus};

use super::rpc::{hex_bytes, RpcClient};
use super::ClientError;

/// How far ahead of the current height a transaction's `block_limit` is set. The
/// default window is 1000 blocks, so this leaves room on both sides.
pub const BLOCK_LIMIT_AHEAD: u64 = 500;

/// How a transaction is made.
#[derive(Debug, Clone, Default)]
pub struct TxOptions {
    /// A fixed gas limit; `None` estimates it (`eth_estimateGas`) and adds a margin.
    pub gas: Option<u64>,
    /// The chain id; `None` asks the node (`eth_chainId`).
    pub chain_id: Option<u64>,
    /// The group id; `None` uses the client's group (the node's, unless given).
    pub group_id: Option<String>,
    /// How long to wait for the receipt (default 60 s).
    pub receipt_timeout: Option<Duration>,
}

/// Progress of a transaction, for whoever is watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The gas limit was estimated.
    Estimated {
        /// The estimate.
        estimate: u64,
        /// The limit set (estimate plus margin).
        limit: u64,
    },
    /// The node accepted the transaction.
    Submitted(B256),
    /// Still no receipt after this long.
    Waiting(Duration),
}

/// A log as a receipt carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The contract that emitted it.
    pub address: Address,
    /// Its topics.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: Bytes,
}

/// A committed transaction's outcome, from the node's native receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxReceipt {
    /// The transaction's hash.
    pub tx_hash: B256,
    /// The status code (FISCO BCOS's codes; 0 is success).
    pub status: u32,
    /// The node's message beside the status (the revert reason, or the status name).
    pub message: String,
    /// The block it is in.
    pub block_number: u64,
    /// Its index in the block.
    pub index: u64,
    /// The sender.
    pub from: Option<Address>,
    /// The contract called, `None` for a deployment.
    pub to: Option<Address>,
    /// The deployed contract's address.
    pub contract_address: Option<Address>,
    /// Gas used.
    pub gas_used: u64,
    /// What the transaction returned (revert data on a revert).
    pub output: Bytes,
    /// Its logs.
    pub logs: Vec<LogEntry>,
}

impl TxReceipt {
    /// Read a native (`getTransactionReceipt`) receipt.
    pub fn from_native(v: &Value) -> Result<TxReceipt, ClientError> {
        let bad = |detail: String| ClientError::Protocol {
            method: "getTransactionReceipt".into(),
            detail,
        };
        let str_field = |name: &str| v.get(name).and_then(Value::as_str).unwrap_or_default();
        let address = |name: &str| -> Option<Address> {
            let s = str_field(name);
            (!s.is_empty()).then(|| s.parse().ok()).flatten()
        };
        let tx_hash = str_field("transactionHash")
            .parse()
            .map_err(|_| bad(format!("no transactionHash in {v}")))?;
        let status = v
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok())
            .ok_or_else(|| bad(format!("no status in {v}")))?;
        let gas_used = match v.get("gasUsed") {
            Some(Value::String(s)) => s.parse().unwrap_or(0),
            Some(n) => n.as_u64().unwrap_or(0),
            None => 0,
        };
        let output = match v.get("output") {
            Some(o) if !o.is_null() => hex_bytes("getTransactionReceipt", o)?,
            _ => Bytes::new(),
        };
        let mut logs = Vec::new();
        for log in v
            .get("logEntries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let address = log
                .get("address")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad(format!("a log without an address: {log}")))?;
            let topics = log
                .get("topics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|t| {
                    t.as_str()
                        .and_then(|s| s.parse::<B256>().ok())
                        .map(|b| b.0)
                        .ok_or_else(|| bad(format!("a bad topic {t}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let data = match log.get("data") {
                Some(d) => hex_bytes("getTransactionReceipt", d)?,
                None => Bytes::new(),
            };
            logs.push(LogEntry {
                address,
                topics,
                data,
            });
        }
        Ok(TxReceipt {
            tx_hash,
            status,
            message: str_field("message").to_string(),
            block_number: v.get("blockNumber").and_then(Value::as_u64).unwrap_or(0),
            index: v
                .get("transactionIndex")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            from: address("from"),
            to: address("to"),
            contract_address: address("contractAddress"),
            gas_used,
            output,
            logs,
        })
    }

    /// Whether the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.status == 0
    }

    /// The status's name (`Success`, `RevertInstruction`, …).
    pub fn status_name(&self) -> String {
        status_name(self.status)
    }
}

/// The name of a FISCO BCOS transaction status code.
pub fn status_name(code: u32) -> String {
    match TransactionStatus::from_code(code) {
        Ok(status) => format!("{status:?}"),
        Err(_) => "unknown status".into(),
    }
}

/// A signed transaction ready to send.
#[derive(Debug, Clone)]
pub struct PreparedTx {
    /// Its hash.
    pub hash: B256,
    /// Its bytes for `eth_sendRawTransaction`.
    pub raw: Vec<u8>,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its block limit.
    pub block_limit: u64,
}

/// Sends native transactions from one key to one node.
#[derive(Debug)]
pub struct Sender<'a> {
    client: &'a RpcClient,
    key: KeyPair,
    chain_id: u64,
    group_id: String,
    options: TxOptions,
}

impl<'a> Sender<'a> {
    /// A sender for `key`, with the chain and group ids from `options` or the node.
    /// Refuses a key whose suite is not the chain's.
    pub fn new(
        client: &'a RpcClient,
        key: KeyPair,
        options: TxOptions,
    ) -> Result<Sender<'a>, ClientError> {
        let chain_suite = client.suite()?;
        if chain_suite != key.suite() {
            return Err(ClientError::WrongSuite {
                key: key.suite(),
                chain: chain_suite,
            });
        }
        let chain_id = match options.chain_id {
            Some(id) => id,
            None => client.chain_id()?,
        };
        let group_id = match &options.group_id {
            Some(group) => group.clone(),
            None => client.group()?,
        };
        Ok(Sender {
            client,
            key,
            chain_id,
            group_id,
            options,
        })
    }

    /// The sending account.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// Build and sign a transaction: block limit = height + [`BLOCK_LIMIT_AHEAD`] (or
    /// the chain's whole window when that is smaller), a
    /// random 256-bit nonce, and the gas limit given or estimated (estimate + 20% +
    /// 10,000, at most the chain's `tx_gas_limit`). `abi` is stored with a deployment.
    pub fn prepare(
        &self,
        to: TxKind,
        input: Vec<u8>,
        abi: String,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<PreparedTx, ClientError> {
        let height = self.client.block_number()?;
        let gas_limit = match self.options.gas {
            Some(gas) => gas,
            None => {
                let estimate =
                    self.client
                        .estimate_gas(self.address(), to.to().copied(), &input)?;
                let cap = self
                    .client
                    .system_config("tx_gas_limit")
                    .ok()
                    .and_then(|(v, _)| v.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                let limit = estimate
                    .saturating_add(estimate / 5)
                    .saturating_add(10_000)
                    .min(cap)
                    .max(estimate);
                progress(Progress::Estimated { estimate, limit });
                limit
            }
        };
        // A chain with a window under 500 blocks takes at most `height + window`.
        let window = self
            .client
            .system_config(weft_ledger::keys::BLOCK_LIMIT_WINDOW)
            .ok()
            .and_then(|(v, _)| v.parse::<u64>().ok())
            .filter(|w| *w > 0)
            .unwrap_or(BLOCK_LIMIT_AHEAD);
        let block_limit = height + BLOCK_LIMIT_AHEAD.min(window);
        let tx = NativeTx {
            chain_id: self.chain_id,
            group_id: self.group_id.clone(),
            block_limit,
            nonce: U256::from_be_bytes(rand::random::<[u8; 32]>()),
            to,
            value: U256::ZERO,
            gas_limit,
            input: input.into(),
            abi,
        };
        let hash = tx.signing_hash(self.key.suite().suite());
        let signed = tx.sign(&self.key).map_err(ClientError::Sign)?;
        Ok(PreparedTx {
            hash,
            raw: Transaction::Native(signed).encode(),
            gas_limit,
            block_limit,
        })
    }

    /// Send a prepared transaction and wait for its receipt.
    pub fn send(
        &self,
        tx: &PreparedTx,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<TxReceipt, ClientError> {
        let hash = self.client.send_raw(&tx.raw)?;
        if hash != tx.hash {
            return Err(ClientError::Protocol {
                method: "eth_sendRawTransaction".into(),
                detail: format!(
                    "the node reports hash {hash}, but the transaction's hash is {}",
                    tx.hash
                ),
            });
        }
        progress(Progress::Submitted(hash));
        wait_for_receipt(
            self.client,
            &hash,
            self.options
                .receipt_timeout
                .unwrap_or(Duration::from_secs(60)),
            progress,
        )
    }

    /// [`Sender::prepare`] then [`Sender::send`].
    pub fn transact(
        &self,
        to: TxKind,
        input: Vec<u8>,
        abi: String,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(PreparedTx, TxReceipt), ClientError> {
        let tx = self.prepare(to, input, abi, progress)?;
        let receipt = self.send(&tx, progress)?;
        Ok((tx, receipt))
    }
}

/// Poll `eth_getTransactionReceipt` until the transaction is committed, then read its
/// native receipt (status code, message, output). Reports [`Progress::Waiting`] about
/// once a second.
pub fn wait_for_receipt(
    client: &RpcClient,
    hash: &B256,
    timeout: Duration,
    progress: &mut dyn FnMut(Progress),
) -> Result<TxReceipt, ClientError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(20);
    let mut last_report = start;
    loop {
        if client.eth_receipt(hash)?.is_some() {
            let native = client
                .native_receipt(hash)?
                .ok_or_else(|| ClientError::Protocol {
                    method: "getTransactionReceipt".into(),
                    detail: format!("no native receipt for committed transaction {hash}"),
                })?;
            return TxReceipt::from_native(&native);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(ClientError::ReceiptTimeout {
                hash: *hash,
                secs: timeout.as_secs(),
            });
        }
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            progress(Progress::Waiting(waited));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
