//! A small blocking JSON-RPC client over HTTP/1.1 on a plain `TcpStream`.
//!
//! Written by hand rather than taken from an HTTP crate: the client commands make a few
//! requests each, one connection per request (`Connection: close`), so an async runtime
//! and a TLS stack would be all cost. `https://` is refused with a message saying so.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use alloy_primitives::{Address, Bytes, B256};
use serde_json::{json, Value};
use weft_crypto::SuiteId;

use super::ClientError;

/// The largest response body read (a full block with many transactions fits).
const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// JSON-RPC's "execution reverted" code, as geth answers `eth_call` and `eth_estimateGas`.
const EXECUTION_REVERTED: i64 = 3;

/// A node's JSON-RPC endpoint.
#[derive(Debug)]
pub struct RpcClient {
    url: String,
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
    next_id: AtomicU64,
    group: OnceLock<String>,
}

/// The chain's consensus nodes, as the node reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeList {
    /// Sealers: node id (128 hex digits) and weight.
    pub sealers: Vec<(String, u64)>,
    /// Observers' node ids.
    pub observers: Vec<String>,
}

/// Where a block is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockId {
    /// The newest committed block.
    Latest,
    /// By number.
    Number(u64),
    /// By hash.
    Hash(B256),
}

impl std::str::FromStr for BlockId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("latest") {
            return Ok(BlockId::Latest);
        }
        if let Some(digits) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            if digits.len() == 64 {
                return s
                    .parse::<B256>()
                    .map(BlockId::Hash)
                    .map_err(|e| format!("{s:?} is not a block hash: {e}"));
            }
            return u64::from_str_radix(digits, 16)
                .map(BlockId::Number)
                .map_err(|_| format!("{s:?} is neither a block number nor a 32-byte block hash"));
        }
        s.parse::<u64>().map(BlockId::Number).map_err(|_| {
            format!("{s:?} is not a block: give a number, a 0x… block hash, or `latest`")
        })
    }
}

impl RpcClient {
    /// A client of the node at `url` (`http://host:port[/path]`, or `host:port`).
    pub fn new(url: &str) -> Result<Self, ClientError> {
        let bad = |why: &str| ClientError::BadUrl {
            url: url.to_string(),
            why: why.to_string(),
        };
        let trimmed = url.trim();
        let rest = if let Some(rest) = trimmed.strip_prefix("http://") {
            rest
        } else if trimmed.starts_with("https://") {
            return Err(bad(
                "https is not supported by the weft client; give the node's http:// address",
            ));
        } else if trimmed.starts_with("ws://") || trimmed.starts_with("wss://") {
            return Err(bad(
                "the client speaks HTTP; give the same address with http:// (the node serves both on one port)",
            ));
        } else if trimmed.contains("://") {
            return Err(bad("only http:// addresses are supported"));
        } else {
            trimmed
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in an IPv6 address"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
                None if after.is_empty() => 80,
                None => return Err(bad("unexpected text after the IPv6 address")),
            };
            (host.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (
                    host.to_string(),
                    port.parse()
                        .map_err(|_| bad("the port is not a number from 1 to 65535"))?,
                ),
                None => (authority.to_string(), 80),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if port == 0 {
            return Err(bad("port 0 is not a port a node listens on"));
        }
        Ok(RpcClient {
            url: trimmed.to_string(),
            host,
            port,
            path: path.to_string(),
            timeout: Duration::from_secs(60),
            next_id: AtomicU64::new(1),
            group: OnceLock::new(),
        })
    }

    /// Use `group` for the native methods instead of asking the node for its group.
    pub fn with_group(self, group: Option<String>) -> Self {
        if let Some(group) = group {
            let _first = self.group.set(group);
        }
        self
    }

    /// The address the client was made with.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn connect(&self) -> Result<TcpStream, ClientError> {
        let unreachable = |reason: String| ClientError::Unreachable {
            url: self.url.clone(),
            reason,
        };
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(format!("cannot resolve {}: {e}", self.host)))?
            .collect();
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(unreachable(match last {
            Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                "connection refused".to_string()
            }
            Some(e) => e.to_string(),
            None => format!("{} resolves to no address", self.host),
        }))
    }

    /// Call `method` with `params`; its `result`, or the node's error.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let response = self.post(method, &body)?;
        let value: Value =
            serde_json::from_slice(&response).map_err(|e| ClientError::Protocol {
                method: method.to_string(),
                detail: format!("the answer is not JSON ({e})"),
            })?;
        if let Some(error) = value.get("error") {
            let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_string();
            let data = error.get("data").cloned().filter(|d| !d.is_null());
            if code == EXECUTION_REVERTED {
                let output = data
                    .as_ref()
                    .and_then(Value::as_str)
                    .and_then(|s| alloy_primitives::hex::decode(s).ok())
                    .unwrap_or_default();
                return Err(ClientError::Reverted {
                    message,
                    output: output.into(),
                });
            }
            return Err(ClientError::Rpc {
                method: method.to_string(),
                code,
                message,
                data,
            });
        }
        match value.get("result") {
            Some(result) => Ok(result.clone()),
            None => Err(ClientError::Protocol {
                method: method.to_string(),
                detail: "the answer has neither result nor error".into(),
            }),
        }
    }

    fn post(&self, method: &str, body: &str) -> Result<Vec<u8>, ClientError> {
        let stream = self.connect()?;
        let io = |e: std::io::Error| {
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) {
                ClientError::Protocol {
                    method: method.to_string(),
                    detail: format!(
                        "no answer from {} within {} s",
                        self.url,
                        self.timeout.as_secs()
                    ),
                }
            } else {
                ClientError::Unreachable {
                    url: self.url.clone(),
                    reason: e.to_string(),
                }
            }
        };
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
        let host = if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        };
        let mut writer = &stream;
        write!(
            writer,
            "POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.path,
            body.len()
        )
        .map_err(io)?;
        writer.flush().map_err(io)?;

        let protocol = |detail: String| ClientError::Protocol {
            method: method.to_string(),
            detail,
        };
        let mut reader = BufReader::new(&stream);
        let mut status = String::new();
        reader.read_line(&mut status).map_err(io)?;
        let code: u16 = status
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| {
                protocol(format!(
                    "{} does not answer HTTP (status line {:?}); is it a Weft node's JSON-RPC port?",
                    self.url,
                    status.trim()
                ))
            })?;
        let mut length = None;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).map_err(io)? == 0 {
                return Err(protocol("the connection closed inside the headers".into()));
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(
                        value
                            .parse::<usize>()
                            .map_err(|_| protocol(format!("bad Content-Length {value:?}")))?,
                    );
                } else if name.eq_ignore_ascii_case("transfer-encoding")
                    && value.eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        let body = if chunked {
            read_chunked(&mut reader).map_err(io)?
        } else if let Some(length) = length {
            if length > MAX_RESPONSE_BYTES {
                return Err(protocol(format!(
                    "the answer is too large ({length} bytes)"
                )));
            }
            let mut buf = vec![0u8; length];
            reader.read_exact(&mut buf).map_err(io)?;
            buf
        } else {
            let mut buf = Vec::new();
            reader
                .take(MAX_RESPONSE_BYTES as u64)
                .read_to_end(&mut buf)
                .map_err(io)?;
            buf
        };
        if !(200..300).contains(&code) {
            let text = String::from_utf8_lossy(&body);
            return Err(protocol(format!(
                "HTTP {code} from {}: {}",
                self.url,
                text.trim()
            )));
        }
        Ok(body)
    }

    /// The group the native methods name: given with [`RpcClient::with_group`], or the
    /// node's first group.
    pub fn group(&self) -> Result<String, ClientError> {
        if let Some(group) = self.group.get() {
            return Ok(group.clone());
        }
        let list = self.call("getGroupList", json!([]))?;
        let group = list
            .get("groupList")
            .and_then(Value::as_array)
            .and_then(|groups| groups.first())
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Protocol {
                method: "getGroupList".into(),
                detail: format!("no group in {list}"),
            })?
            .to_string();
        Ok(self.group.get_or_init(|| group).clone())
    }

    /// Call a native (FISCO-style) method: `[group, node name, params…]`.
    pub fn call_native(&self, method: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        let mut all = vec![json!(self.group()?), json!("")];
        all.extend(params);
        self.call(method, Value::Array(all))
    }

    /// The height of the chain (`eth_blockNumber`).
    pub fn block_number(&self) -> Result<u64, ClientError> {
        let v = self.call("eth_blockNumber", json!([]))?;
        quantity("eth_blockNumber", &v)
    }

    /// The chain id (`eth_chainId`).
    pub fn chain_id(&self) -> Result<u64, ClientError> {
        let v = self.call("eth_chainId", json!([]))?;
        quantity("eth_chainId", &v)
    }

    /// The group's information (`getGroupInfo`).
    pub fn group_info(&self) -> Result<Value, ClientError> {
        self.call("getGroupInfo", json!([self.group()?]))
    }

    /// The chain's crypto suite, from `getGroupInfo`'s `smCryptoType`.
    pub fn suite(&self) -> Result<SuiteId, ClientError> {
        let info = self.group_info()?;
        let sm = info
            .pointer("/nodeList/0/iniConfig/smCryptoType")
            .and_then(Value::as_bool)
            .or_else(|| {
                info.pointer("/genesisConfig/crypto_suite")
                    .and_then(Value::as_str)
                    .map(|s| s == "sm")
            })
            .unwrap_or(false);
        Ok(if sm { SuiteId::Sm } else { SuiteId::Standard })
    }

    /// A block in FISCO's shape (`getBlockByNumber` / `getBlockByHash`), with full
    /// transactions or their hashes; `None` if there is no such block.
    pub fn block(&self, id: BlockId, full: bool) -> Result<Option<Value>, ClientError> {
        let (method, at) = match id {
            BlockId::Latest => ("getBlockByNumber", json!(self.block_number()?)),
            BlockId::Number(n) => ("getBlockByNumber", json!(n)),
            BlockId::Hash(h) => ("getBlockByHash", json!(h)),
        };
        let v = self.call_native(method, vec![at, json!(false), json!(!full)])?;
        Ok((!v.is_null()).then_some(v))
    }

    /// A transaction in Ethereum's shape (committed or pending), or `None`.
    pub fn transaction(&self, hash: &B256) -> Result<Option<Value>, ClientError> {
        let v = self.call("eth_getTransactionByHash", json!([hash]))?;
        Ok((!v.is_null()).then_some(v))
    }

    /// The Ethereum receipt of a transaction, or `None` while it is not committed.
    pub fn eth_receipt(&self, hash: &B256) -> Result<Option<Value>, ClientError> {
        let v = self.call("eth_getTransactionReceipt", json!([hash]))?;
        Ok((!v.is_null()).then_some(v))
    }

    /// The native receipt of a transaction (status code, message, output, logs), or
    /// `None` while it is not committed.
    pub fn native_receipt(&self, hash: &B256) -> Result<Option<Value>, ClientError> {
        let v = self.call_native("getTransactionReceipt", vec![json!(hash), json!(false)])?;
        Ok((!v.is_null()).then_some(v))
    }

    /// `eth_call` at the latest block: the output, or [`ClientError::Reverted`].
    pub fn eth_call(
        &self,
        from: Option<Address>,
        to: Address,
        data: &[u8],
    ) -> Result<Bytes, ClientError> {
        let mut request = json!({ "to": to, "data": Bytes::copy_from_slice(data) });
        if let Some(from) = from {
            request["from"] = json!(from);
        }
        let v = self.call("eth_call", json!([request, "latest"]))?;
        hex_bytes("eth_call", &v)
    }

    /// `eth_estimateGas` for a call (`to` = `Some`) or a deployment.
    pub fn estimate_gas(
        &self,
        from: Address,
        to: Option<Address>,
        data: &[u8],
    ) -> Result<u64, ClientError> {
        let mut request = json!({ "from": from, "data": Bytes::copy_from_slice(data) });
        if let Some(to) = to {
            request["to"] = json!(to);
        }
        let v = self.call("eth_estimateGas", json!([request]))?;
        quantity("eth_estimateGas", &v)
    }

    /// Submit signed transaction bytes (`eth_sendRawTransaction`); its hash.
    pub fn send_raw(&self, raw: &[u8]) -> Result<B256, ClientError> {
        let v = self.call(
            "eth_sendRawTransaction",
            json!([Bytes::copy_from_slice(raw)]),
        )?;
        v.as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ClientError::Protocol {
                method: "eth_sendRawTransaction".into(),
                detail: format!("expected a transaction hash, got {v}"),
            })
    }

    /// The sealers (node id and weight) and observers (node ids).
    pub fn node_list(&self) -> Result<NodeList, ClientError> {
        let sealers = self.call_native("getSealerList", vec![])?;
        let observers = self.call_native("getObserverList", vec![])?;
        let sealers = sealers
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|s| {
                        (
                            s.get("nodeID")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            s.get("weight").and_then(Value::as_u64).unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let observers = observers
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(NodeList { sealers, observers })
    }

    /// A system config value and the block it took effect at (`getSystemConfigByKey`).
    pub fn system_config(&self, key: &str) -> Result<(String, u64), ClientError> {
        let v = self.call_native("getSystemConfigByKey", vec![json!(key)])?;
        let value =
            v.get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| ClientError::Protocol {
                    method: "getSystemConfigByKey".into(),
                    detail: format!("no value in {v}"),
                })?;
        let since = v.get("blockNumber").and_then(Value::as_u64).unwrap_or(0);
        Ok((value.to_string(), since))
    }

    /// The ABI stored with a contract at deployment (`getABI`), if any.
    pub fn abi_of(&self, address: &Address) -> Result<Option<String>, ClientError> {
        let v = self.call_native("getABI", vec![json!(address)])?;
        Ok(v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
    }
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            return Ok(out);
        }
        if out.len() + size > MAX_RESPONSE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "answer too large",
            ));
        }
        let start = out.len();
        out.resize(start + size, 0);
        reader.read_exact(&mut out[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
    }
}

/// A hex quantity (`"0x1a"`) or a JSON number.
pub(crate) fn quantity(method: &str, v: &Value) -> Result<u64, ClientError> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    v.as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .and_then(|digits| u64::from_str_radix(digits, 16).ok())
        .ok_or_else(|| ClientError::Protocol {
            method: method.to_string(),
            detail: format!("expected a hex quantity, got {v}"),
        })
}

/// `0x` hex data.
pub(crate) fn hex_bytes(method: &str, v: &Value) -> Result<Bytes, ClientError> {
    v.as_str()
        .and_then(|s| alloy_primitives::hex::decode(s).ok())
        .map(Bytes::from)
        .ok_or_else(|| ClientError::Protocol {
            method: method.to_string(),
            detail: format!("expected hex data, got {v}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_https_is_refused() {
        let c = RpcClient::new("http://127.0.0.1:8545").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.path.as_str()),
            ("127.0.0.1", 8545, "/")
        );
        let c = RpcClient::new("localhost:9000/rpc").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.path.as_str()),
            ("localhost", 9000, "/rpc")
        );
        let c = RpcClient::new("http://[::1]:8545").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("::1", 8545));
        let c = RpcClient::new("http://example").unwrap();
        assert_eq!(c.port, 80);
        for bad in [
            "https://x:1",
            "ws://x:1",
            "http://x:port",
            "http://:1/",
            "ftp://x",
        ] {
            assert!(RpcClient::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn block_ids_parse() {
        assert_eq!("latest".parse::<BlockId>(), Ok(BlockId::Latest));
        assert_eq!("12".parse::<BlockId>(), Ok(BlockId::Number(12)));
        assert_eq!("0x10".parse::<BlockId>(), Ok(BlockId::Number(16)));
        let h = format!("0x{}", "ab".repeat(32));
        assert!(matches!(h.parse::<BlockId>(), Ok(BlockId::Hash(_))));
        assert!("ten".parse::<BlockId>().is_err());
        assert!("-1".parse::<BlockId>().is_err());
    }

    #[test]
    fn an_unreachable_node_is_named() {
        // A port nothing listens on: bind one, then drop the listener.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = RpcClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let e = c.block_number().unwrap_err().to_string();
        assert!(
            e.contains("cannot reach the node at http://127.0.0.1:"),
            "{e}"
        );
        assert!(e.contains("connection refused"), "{e}");
    }
}
