//! The client commands of `weft` for a person at a terminal: chain queries, contract
//! deployment, calls and transactions. Results go to stdout, progress to stderr; the
//! work itself is in [`crate::client`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_primitives::{hex, Address, TxKind, B256};
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::Value;
use weft_crypto::{load_secret_key, KeyPair, SuiteId};

use crate::client::abi::{describe_revert, format_value, CodeKind};
use crate::client::{
    Abi, BlockId, ClientError, Deployable, Function, Progress, RpcClient, Sender, TxOptions,
    TxReceipt,
};

/// The SystemConfig precompile's address (FISCO BCOS's `0x1000`).
pub const SYSTEM_CONFIG_ADDRESS: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,
]);

/// FISCO BCOS's SystemConfig method that sets a value.
pub const SET_VALUE_BY_KEY: &str = "setValueByKey(string,string)(int32)";

/// Which node to talk to.
#[derive(Debug, Clone, Args)]
pub struct NodeArgs {
    /// The node's JSON-RPC address.
    #[arg(
        long,
        env = "WEFT_RPC",
        default_value = "http://127.0.0.1:8545",
        value_name = "URL"
    )]
    pub rpc: String,
    /// The group for FISCO-style methods (default: the node's group).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}

impl NodeArgs {
    /// A client of the node.
    pub fn client(&self) -> anyhow::Result<RpcClient> {
        Ok(RpcClient::new(&self.rpc)?.with_group(self.group.clone()))
    }
}

/// How transactions are signed and sent.
#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// The sender's key file (hex, as `weft account new` writes).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The key is an SM (国密) key; the chain must use the SM suite.
    #[arg(long)]
    pub sm: bool,
    /// The gas limit (default: estimated by the node, plus a margin).
    #[arg(long, value_name = "GAS")]
    pub gas: Option<u64>,
    /// The chain id (default: the node's).
    #[arg(long, value_name = "ID")]
    pub chain_id: Option<u64>,
    /// Seconds to wait for the receipt.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

impl SignArgs {
    fn key(&self) -> anyhow::Result<KeyPair> {
        let suite = if self.sm {
            SuiteId::Sm
        } else {
            SuiteId::Standard
        };
        let secret = load_secret_key(&self.key)?;
        KeyPair::from_secret(suite, secret)
            .with_context(|| format!("{} is not a valid {suite} key", self.key.display()))
    }

    fn options(&self, node: &NodeArgs) -> TxOptions {
        TxOptions {
            gas: self.gas,
            chain_id: self.chain_id,
            group_id: node.group.clone(),
            receipt_timeout: Some(Duration::from_secs(self.timeout)),
        }
    }
}

/// `weft config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a system config value (getSystemConfigByKey), e.g. tx_count_limit.
    Get {
        /// The config key, e.g. tx_count_limit.
        #[arg(value_name = "KEY")]
        name: String,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Set a system config value: a transaction to the SystemConfig precompile at
    /// 0x…1000 calling setValueByKey(string,string).
    Set {
        /// The config key, e.g. tx_count_limit.
        #[arg(value_name = "KEY")]
        name: String,
        /// The new value.
        value: String,
        /// How to sign.
        #[command(flatten)]
        sign: SignArgs,
        /// Which node.
        #[command(flatten)]
        node: NodeArgs,
    },
}

/// A 20-byte address from the command line.
pub fn parse_address(s: &str) -> Result<Address, String> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.len() != 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "not an address: expected 0x and 40 hex digits (20 bytes), got {} character(s)",
            s.len()
        ));
    }
    s.parse().map_err(|e| format!("not an address: {e}"))
}

/// A 32-byte hash from the command line.
pub fn parse_hash(s: &str) -> Result<B256, String> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("not a transaction hash: expected 0x and 64 hex digits".into());
    }
    s.parse().map_err(|e| format!("not a hash: {e}"))
}

/// What a person sees while a transaction is under way (on stderr).
fn show_progress(p: Progress) {
    match p {
        Progress::Estimated { estimate, limit } => {
            eprintln!("gas: estimated {estimate}, limit {limit}")
        }
        Progress::Submitted(hash) => eprintln!("sent {hash}; waiting for receipt…"),
        Progress::Waiting(waited) => {
            eprintln!("still waiting for receipt ({} s)…", waited.as_secs())
        }
    }
}

/// `weft height`.
pub fn height(node: &NodeArgs) -> anyhow::Result<()> {
    println!("{}", node.client()?.block_number()?);
    Ok(())
}

/// Milliseconds since the epoch as a UTC date and time.
fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn n(v: &Value, key: &str) -> u64 {
    match v.get(key) {
        Some(Value::String(text)) => text
            .strip_prefix("0x")
            .map(|h| u64::from_str_radix(h, 16).ok())
            .unwrap_or_else(|| text.parse().ok())
            .unwrap_or(0),
        Some(x) => x.as_u64().unwrap_or(0),
        None => 0,
    }
}

fn short_input(input: &str) -> String {
    let bytes = input.trim_start_matches("0x").len() / 2;
    match bytes {
        0 => "no input".into(),
        1..=3 => format!("input {input}"),
        _ => format!("selector {} + {} bytes", &input[..10], bytes - 4),
    }
}

/// `weft block`.
pub fn block(node: &NodeArgs, id: BlockId, full: bool, json: bool) -> anyhow::Result<()> {
    let client = node.client()?;
    let Some(b) = client.block(id, full)? else {
        let height = client.block_number()?;
        bail!(
            "no block {} on this chain; its height is {height}",
            match id {
                BlockId::Hash(h) => format!("with hash {h}"),
                BlockId::Number(n) => n.to_string(),
                BlockId::Latest => "latest".into(),
            }
        );
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&b)?);
        return Ok(());
    }
    let sealers = b
        .get("sealerList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let sealer = n(&b, "sealer");
    let sealer_id = sealers
        .get(usize::try_from(sealer).unwrap_or(usize::MAX))
        .and_then(Value::as_str)
        .map(|id| format!(" (node {}…)", &id[..id.len().min(16)]))
        .unwrap_or_default();
    println!("block         {}", n(&b, "number"));
    println!("hash          {}", s(&b, "hash"));
    if let Some(parent) = b.pointer("/parentInfo/0/blockHash").and_then(Value::as_str) {
        println!("parent        {parent}");
    }
    println!("time          {}", utc(n(&b, "timestamp")));
    println!("sealer        {sealer} of {}{sealer_id}", sealers.len());
    println!(
        "signatures    {}",
        b.get("signatureList")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    );
    println!("gas used      {}", n(&b, "gasUsed"));
    println!("state root    {}", s(&b, "stateRoot"));
    println!("tx root       {}", s(&b, "txsRoot"));
    println!("receipt root  {}", s(&b, "receiptsRoot"));
    let txs = b
        .get("transactions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    println!("transactions  {}", txs.len());
    for tx in &txs {
        match tx {
            Value::String(hash) => println!("  {hash}"),
            full => {
                let to = s(full, "to");
                println!(
                    "  {}  from {}  {}  {}",
                    s(full, "hash"),
                    s(full, "from"),
                    if to.is_empty() {
                        "creates a contract".to_string()
                    } else {
                        format!("to {to}")
                    },
                    short_input(s(full, "input"))
                );
            }
        }
    }
    Ok(())
}

/// `weft tx`.
pub fn tx(node: &NodeArgs, hash: B256, abi: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let client = node.client()?;
    let Some(t) = client.transaction(&hash)? else {
        bail!("no transaction {hash} on this node (neither committed nor pending)");
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&t)?);
        return Ok(());
    }
    let native = t.get("blockLimit").is_some();
    println!("hash          {}", s(&t, "hash"));
    match t.get("blockNumber").filter(|b| !b.is_null()) {
        Some(_) => println!(
            "block         {} (index {})",
            n(&t, "blockNumber"),
            n(&t, "transactionIndex")
        ),
        None => println!("block         pending (in the pool)"),
    }
    println!(
        "form          {}",
        if native {
            "native".to_string()
        } else {
            format!("ethereum (type {})", n(&t, "type"))
        }
    );
    println!("from          {}", s(&t, "from"));
    let to = t.get("to").and_then(Value::as_str);
    println!("to            {}", to.unwrap_or("(creates a contract)"));
    println!("nonce         {}", s(&t, "nonce"));
    if native {
        println!("block limit   {}", n(&t, "blockLimit"));
    }
    println!("chain id      {}", n(&t, "chainId"));
    println!("gas limit     {}", n(&t, "gas"));
    println!("value         {}", s(&t, "value"));
    let input = s(&t, "input");
    println!("input         {}", short_input(input));
    let bytes = hex::decode(input).unwrap_or_default();
    if let Some(to) = to.and_then(|a| a.parse::<Address>().ok()) {
        let mut abis = Abis::new(&client, abi)?;
        if let Some(call) = abis.for_address(to).and_then(|a| a.decode_call(&bytes)) {
            println!("call          {call}");
        }
    }
    Ok(())
}

/// ABIs to decode logs, calls and errors with: the one given, else each contract's own
/// (stored at deployment, fetched with `getABI`).
struct Abis<'a> {
    client: &'a RpcClient,
    explicit: Option<Abi>,
    fetched: HashMap<Address, Option<Abi>>,
}

impl<'a> Abis<'a> {
    fn new(client: &'a RpcClient, path: Option<&Path>) -> anyhow::Result<Abis<'a>> {
        Ok(Abis {
            client,
            explicit: path.map(Abi::load).transpose()?,
            fetched: HashMap::new(),
        })
    }

    fn for_address(&mut self, address: Address) -> Option<&Abi> {
        if self.explicit.is_some() {
            return self.explicit.as_ref();
        }
        let client = self.client;
        self.fetched
            .entry(address)
            .or_insert_with(|| {
                client
                    .abi_of(&address)
                    .ok()
                    .flatten()
                    .and_then(|text| Abi::from_json(&text, "the contract's stored ABI").ok())
            })
            .as_ref()
    }
}

/// Why a receipt failed, for a person: the decoded revert data for a revert, else the
/// node's message when it says more than the status name.
fn failure_reason(r: &TxReceipt, abis: &mut Abis<'_>) -> Option<String> {
    if r.is_success() {
        return None;
    }
    let reason = if r.status == 16 {
        let abi = match r.to {
            Some(to) => abis.for_address(to),
            None => abis.explicit.as_ref(),
        };
        describe_revert(&r.output, abi)
    } else {
        r.message.clone()
    };
    (!reason.is_empty() && reason != r.status_name()).then_some(reason)
}

/// `16 (RevertInstruction): reason`.
fn status_line(r: &TxReceipt, abis: &mut Abis<'_>) -> String {
    match failure_reason(r, abis) {
        Some(reason) => format!("{} ({}): {reason}", r.status, r.status_name()),
        None => format!("{} ({})", r.status, r.status_name()),
    }
}

/// Print a receipt: status, block, gas, contract, output and logs (decoded when an ABI
/// is known).
fn print_receipt(
    r: &TxReceipt,
    gas_limit: Option<u64>,
    abis: &mut Abis<'_>,
    function: Option<&Function>,
) {
    println!("transaction   {}", r.tx_hash);
    let status = status_line(r, abis);
    println!("status        {status}");
    println!("block         {} (index {})", r.block_number, r.index);
    if let Some(from) = r.from {
        println!("from          {from}");
    }
    match (r.to, r.contract_address) {
        (_, Some(contract)) => println!("contract      {contract}"),
        (Some(to), None) => println!("to            {to}"),
        (None, None) => {}
    }
    match gas_limit {
        Some(limit) => println!("gas used      {} (limit {limit})", r.gas_used),
        None => println!("gas used      {}", r.gas_used),
    }
    if r.is_success() && !r.output.is_empty() && r.contract_address.is_none() {
        match function.map(|f| f.decode_output(&r.output)) {
            Some(Ok(Some(values))) => {
                for v in values {
                    println!("returned      {}", format_value(&v, true));
                }
            }
            _ => println!("output        0x{}", hex::encode(&r.output)),
        }
    }
    println!("logs          {}", r.logs.len());
    for (i, log) in r.logs.iter().enumerate() {
        println!("  [{i}] {}", log.address);
        match abis
            .for_address(log.address)
            .and_then(|a| a.decode_log(&log.topics, &log.data))
        {
            Some(event) => println!("      {event}"),
            None => {
                for t in &log.topics {
                    println!("      topic {}", B256::from(*t));
                }
                println!("      data  0x{}", hex::encode(&log.data));
            }
        }
    }
}

/// `weft receipt`.
pub fn receipt(node: &NodeArgs, hash: B256, abi: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let client = node.client()?;
    let Some(native) = client.native_receipt(&hash)? else {
        if client.transaction(&hash)?.is_some() {
            bail!("transaction {hash} is pending: no receipt yet");
        }
        bail!("no receipt for {hash}: no such transaction on this node");
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&native)?);
        return Ok(());
    }
    let r = TxReceipt::from_native(&native)?;
    let mut abis = Abis::new(&client, abi)?;
    print_receipt(&r, None, &mut abis, None);
    Ok(())
}

/// `weft sealers`.
pub fn sealers(node: &NodeArgs) -> anyhow::Result<()> {
    let list = node.client()?.node_list()?;
    let (sealers, observers) = (list.sealers, list.observers);
    println!("sealers ({})", sealers.len());
    for (id, weight) in &sealers {
        println!("  {id}  weight {weight}");
    }
    println!("observers ({})", observers.len());
    for id in &observers {
        println!("  {id}");
    }
    Ok(())
}

/// `weft config get`.
pub fn config_get(node: &NodeArgs, key: &str) -> anyhow::Result<()> {
    let client = node.client()?;
    match client.system_config(key) {
        Ok((value, _since)) => {
            println!("{value}");
            Ok(())
        }
        Err(ClientError::Rpc { code: -32602, .. }) => {
            bail!(
                "{key:?} is not a system config key; the keys are {}",
                weft_precompiles::system::KEYS.join(", ")
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Why sending failed before a receipt, said for a person.
fn send_failure(e: ClientError, what: &str, abi: Option<&Abi>) -> anyhow::Error {
    match e {
        ClientError::Reverted { output, .. } => anyhow::anyhow!(
            "{what} would revert: {}; not sent (pass --gas N to send it anyway and record the failure on chain)",
            describe_revert(&output, abi)
        ),
        other => other.into(),
    }
}

/// `weft config set`.
pub fn config_set(node: &NodeArgs, sign: &SignArgs, key: &str, value: &str) -> anyhow::Result<()> {
    let client = node.client()?;
    let function = Function::parse(SET_VALUE_BY_KEY)?;
    let input = function.encode_call(&[key.to_string(), value.to_string()])?;
    let sender = Sender::new(&client, sign.key()?, sign.options(node))?;
    let mut progress = show_progress;
    let tx = sender
        .prepare(
            TxKind::Call(SYSTEM_CONFIG_ADDRESS),
            input,
            String::new(),
            &mut progress,
        )
        .map_err(|e| send_failure(e, "setting the value", None))?;
    let r = sender.send(&tx, &mut progress)?;
    let mut abis = Abis::new(&client, None)?;
    print_receipt(&r, Some(tx.gas_limit), &mut abis, Some(&function));
    if !r.is_success() {
        bail!(
            "setting {key} failed: status {}",
            status_line(&r, &mut abis)
        );
    }
    if r.output.is_empty() {
        bail!(
            "the transaction was committed in block {} but nothing answered at {SYSTEM_CONFIG_ADDRESS}: this node has no SystemConfig precompile, so {key} is unchanged",
            r.block_number
        );
    }
    match function.decode_output(&r.output) {
        Ok(Some(values)) => {
            let code = values
                .first()
                .map(|v| format_value(v, true))
                .unwrap_or_default();
            if code.starts_with('-') {
                bail!("the SystemConfig precompile refused {key} = {value:?} with code {code}");
            }
        }
        _ => bail!(
            "the SystemConfig precompile answered 0x{}, which is not an int32 result",
            hex::encode(&r.output)
        ),
    }
    println!(
        "{key} set to {value}; it takes effect from block {}",
        r.block_number + 1
    );
    Ok(())
}

/// `weft deploy`.
pub fn deploy(
    node: &NodeArgs,
    sign: &SignArgs,
    artifact: &Path,
    abi: Option<&Path>,
    args: &[String],
) -> anyhow::Result<()> {
    let deployable = Deployable::load(artifact, abi)?;
    if deployable.kind == CodeKind::Wasm {
        if deployable.abi.is_none() {
            if !args.is_empty() {
                bail!("constructor arguments need the contract's ABI: pass --abi FILE");
            }
            eprintln!("note: no --abi given; the contract is deployed without an ABI, so calls need full signatures");
        }
        if !args.is_empty() && !deployable.has_wasm_end_marker() {
            eprintln!("warning: {} does not end with the weft.end section that the SDK's build appends; the contract will not find its constructor arguments", artifact.display());
        }
    }
    let input = deployable.deploy_input(args)?;
    let client = node.client()?;
    let sender = Sender::new(&client, sign.key()?, sign.options(node))?;
    let abi_json = deployable
        .abi
        .as_ref()
        .map(|a| a.json.clone())
        .unwrap_or_default();
    let mut progress = show_progress;
    let tx = sender
        .prepare(TxKind::Create, input, abi_json, &mut progress)
        .map_err(|e| send_failure(e, "the deployment", deployable.abi.as_ref()))?;
    let r = sender.send(&tx, &mut progress)?;
    let mut abis = Abis::new(&client, None)?;
    if let Some(abi) = &deployable.abi {
        abis.explicit = Some(abi.clone());
    }
    print_receipt(&r, Some(tx.gas_limit), &mut abis, None);
    if !r.is_success() {
        bail!(
            "the deployment failed: status {}",
            status_line(&r, &mut abis)
        );
    }
    Ok(())
}

/// The function a `call`/`send` names: a signature, or a name looked up in the ABI
/// (`--abi`, else the one stored with the contract). A signature without outputs takes
/// them from the ABI when it has the function.
fn resolve_function(
    abis: &mut Abis<'_>,
    address: Address,
    spec: &str,
    arg_count: usize,
) -> anyhow::Result<Function> {
    if spec.contains('(') {
        let mut f = Function::parse(spec)?;
        if f.outputs.is_none() {
            if let Some(known) = abis.for_address(address).and_then(|abi| {
                abi.functions
                    .iter()
                    .find(|g| g.signature() == f.signature())
            }) {
                f.outputs = known.outputs.clone();
            }
        }
        return Ok(f);
    }
    match abis.for_address(address) {
        Some(abi) => Ok(abi.function(spec, arg_count)?.clone()),
        None => Err(crate::client::AbiError::NeedAbi {
            name: spec.to_string(),
        }
        .into()),
    }
}

/// `weft call`.
pub fn call(
    node: &NodeArgs,
    address: Address,
    spec: &str,
    args: &[String],
    abi: Option<&Path>,
    from: Option<Address>,
) -> anyhow::Result<()> {
    let client = node.client()?;
    let mut abis = Abis::new(&client, abi)?;
    let function = resolve_function(&mut abis, address, spec, args.len())?;
    let data = function.encode_call(args)?;
    let output = match client.eth_call(from, address, &data) {
        Ok(output) => output,
        Err(ClientError::Reverted { output, .. }) => {
            let reason = describe_revert(&output, abis.for_address(address));
            bail!("the call reverted: {reason}");
        }
        Err(e) => return Err(e.into()),
    };
    match function.decode_output(&output) {
        Ok(Some(values)) => {
            for v in values {
                println!("{}", format_value(&v, true));
            }
        }
        Ok(None) => println!("0x{}", hex::encode(&output)),
        Err(_) if output.is_empty() => bail!(
            "the call returned no data where ({}) was expected: is there a contract at {address} with {}?",
            function
                .outputs
                .as_ref()
                .map(|o| o.iter().map(|p| p.ty.sol_type_name().into_owned()).collect::<Vec<_>>().join(","))
                .unwrap_or_default(),
            function.signature()
        ),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// `weft send`.
pub fn send(
    node: &NodeArgs,
    sign: &SignArgs,
    address: Address,
    spec: &str,
    args: &[String],
    abi: Option<&Path>,
) -> anyhow::Result<()> {
    let client = node.client()?;
    let mut abis = Abis::new(&client, abi)?;
    let function = resolve_function(&mut abis, address, spec, args.len())?;
    let data = function.encode_call(args)?;
    let sender = Sender::new(&client, sign.key()?, sign.options(node))?;
    let mut progress = show_progress;
    let tx = match sender.prepare(TxKind::Call(address), data, String::new(), &mut progress) {
        Ok(tx) => tx,
        Err(e) => {
            let abi = abis.for_address(address).cloned();
            return Err(send_failure(e, "the transaction", abi.as_ref()));
        }
    };
    let r = sender.send(&tx, &mut progress)?;
    print_receipt(&r, Some(tx.gas_limit), &mut abis, Some(&function));
    if !r.is_success() {
        bail!(
            "the transaction failed: status {}",
            status_line(&r, &mut abis)
        );
    }
    Ok(())
}

/// `weft account list`: the address of every `*.key` file in `dir`.
pub fn account_list(dir: &Path, sm: bool) -> anyhow::Result<()> {
    let suite = if sm { SuiteId::Sm } else { SuiteId::Standard };
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "key"))
        .collect();
    files.sort();
    if files.is_empty() {
        eprintln!("no *.key files in {}", dir.display());
    }
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match load_secret_key(&file)
            .map_err(anyhow::Error::from)
            .and_then(|secret| Ok(KeyPair::from_secret(suite, secret)?))
        {
            Ok(key) => println!("{}  {name}", key.address()),
            Err(e) => eprintln!("skipping {name}: {e:#}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        crate::cli::Cli::command().debug_assert();
    }

    #[test]
    fn times_read_as_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00.000 UTC");
        assert_eq!(utc(1_700_000_000_123), "2023-11-14 22:13:20.123 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00.000 UTC");
    }

    #[test]
    fn addresses_and_hashes_are_checked() {
        assert!(parse_address("0x0000000000000000000000000000000000001000").is_ok());
        assert!(parse_address("0x12").unwrap_err().contains("40 hex digits"));
        assert!(parse_address("0xzz00000000000000000000000000000000001000").is_err());
        assert!(parse_hash(&format!("0x{}", "0".repeat(64))).is_ok());
        assert!(parse_hash("0x1234").is_err());
        assert_eq!(
            SYSTEM_CONFIG_ADDRESS,
            parse_address("0x0000000000000000000000000000000000001000").unwrap()
        );
    }
}
