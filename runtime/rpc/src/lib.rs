//! Weft's JSON-RPC 2.0 server: HTTP and WebSocket on one port, serving FISCO BCOS v3's
//! native methods and the Ethereum `eth_*` namespace over one [`ChainApi`].
//!
//! ```text
//!  client ──HTTP POST / WebSocket──▶ jsonrpsee server (one port; size, batch and
//!                                     │                 connection limits)
//!                                     ▼
//!                       RpcModule ─ native: sendTransaction, call, getBlockByNumber, …
//!                                 ─ eth:    eth_call, eth_sendRawTransaction, eth_getLogs,
//!                                           filters, eth_subscribe (WebSocket), …
//!                                     │ params parsed defensively (-32602 names the
//!                                     ▼ parameter and what was expected)
//!                              Arc<dyn ChainApi> (the node) ──▶ ledger, executor, txpool
//!                                     │
//!                subscribe_blocks() ──┴─▶ sendTransaction's wait for its receipt,
//!                                         newHeads / logs notifications
//! ```
//!
//! Errors: invalid parameters are -32602 with a message naming the parameter; unknown
//! methods -32601; node faults -32603 with the fault's message; `eth_call` /
//! `eth_estimateGas` reverts are code 3 with the revert data in `data` (as geth);
//! refused transactions are -32000 (Ethereum methods, FISCO txpool code in `data`) or
//! the FISCO txpool code itself (native `sendTransaction`).
//!
//! This is the only crate that imports `jsonrpsee`.

#![warn(missing_docs)]

pub mod api;
mod eth;
mod filters;
mod json;
mod native;
mod params;
mod subs;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};
use jsonrpsee::RpcModule;

pub use api::{
    AccountState, ChainApi, CommittedBlock, ConsensusReport, NodeFault, NodeStatus, PeerReport,
    SyncPeerReport, SyncReport,
};

use crate::filters::FilterStore;

/// How the server listens and what it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcConfig {
    /// Where to listen (port 0 picks a free port; see [`RpcHandle::local_addr`]).
    pub addr: SocketAddr,
    /// The largest request body, in bytes (default 10 MiB).
    pub max_request_bytes: u32,
    /// The largest response body, in bytes (default 64 MiB: a full block fits).
    pub max_response_bytes: u32,
    /// The most calls in one batch (default 100); a larger batch is refused whole.
    pub max_batch: u32,
    /// The most connections at once (default 100).
    pub max_connections: u32,
    /// How long native `sendTransaction` waits for its transaction to be committed
    /// (default 30 s).
    pub receipt_timeout: Duration,
    /// How long an `eth_newFilter`-style filter lives without a poll (default 5 min).
    pub filter_ttl: Duration,
    /// The most blocks one `eth_getLogs` / `eth_getFilterLogs` may scan (default 10,000).
    pub max_log_blocks: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 20200)),
            max_request_bytes: 10 << 20,
            max_response_bytes: 64 << 20,
            max_batch: 100,
            max_connections: 100,
            receipt_timeout: Duration::from_secs(30),
            filter_ttl: Duration::from_secs(300),
            max_log_blocks: 10_000,
        }
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The address could not be bound.
    #[error("cannot listen for JSON-RPC on {addr}: {source}; choose a free port or stop the process using it")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A method could not be registered (a bug: two methods with one name).
    #[error("cannot register JSON-RPC method: {0}")]
    Register(String),
}

/// A running server. Dropping the handle stops the server, as does [`RpcHandle::stop`].
#[derive(Debug, Clone)]
pub struct RpcHandle {
    local_addr: SocketAddr,
    handle: ServerHandle,
}

impl RpcHandle {
    /// The address the server is bound to (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Ask the server to stop; it closes its connections (ending subscriptions). Calling
    /// it again does nothing.
    pub fn stop(&self) {
        let _already_stopped = self.handle.stop();
    }

    /// Wait until the server has stopped.
    pub async fn stopped(self) {
        self.handle.stopped().await
    }
}

/// What every handler sees.
pub(crate) struct Ctx {
    pub(crate) api: Arc<dyn ChainApi>,
    pub(crate) filters: FilterStore,
    pub(crate) receipt_timeout: Duration,
    pub(crate) max_log_blocks: u64,
}

/// Start serving JSON-RPC over HTTP and WebSocket on `config.addr`. Must be called
/// within a Tokio runtime; the server runs on it until stopped.
pub async fn start(config: RpcConfig, api: Arc<dyn ChainApi>) -> Result<RpcHandle, RpcError> {
    let module = module(Ctx {
        api,
        filters: FilterStore::new(config.filter_ttl),
        receipt_timeout: config.receipt_timeout,
        max_log_blocks: config.max_log_blocks.max(1),
    })?;
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch))
        .set_id_provider(subs::HexIds)
        .build();
    let bind = |source| RpcError::Bind {
        addr: config.addr,
        source,
    };
    let server = Server::builder()
        .set_config(server_config)
        .build(config.addr)
        .await
        .map_err(bind)?;
    let local_addr = server.local_addr().map_err(bind)?;
    let handle = server.start(module);
    tracing::info!(%local_addr, "JSON-RPC server listening (HTTP and WebSocket)");
    Ok(RpcHandle { local_addr, handle })
}

/// Every method, registered on one module.
fn module(ctx: Ctx) -> Result<RpcModule<Ctx>, RpcError> {
    let register = |e: jsonrpsee::core::RegisterMethodError| RpcError::Register(e.to_string());
    let mut module = RpcModule::new(ctx);
    for &(name, handler) in native::METHODS.iter().chain(eth::METHODS) {
        module
            .register_blocking_method(name, move |params, ctx, _| {
                let p = params::Params::parse(params.as_str())?;
                handler(&ctx, &p)
            })
            .map_err(register)?;
    }
    module
        .register_async_method("sendTransaction", |params, ctx, _| async move {
            native::send_transaction(params.as_str().map(str::to_owned), ctx).await
        })
        .map_err(register)?;
    module
        .register_subscription(
            "eth_subscribe",
            "eth_subscription",
            "eth_unsubscribe",
            |params, pending, ctx, _| async move {
                subs::subscribe(params.as_str().map(str::to_owned), pending, ctx).await
            },
        )
        .map_err(register)?;
    Ok(module)
}
