//! Weft's node: it assembles the ledger (on RocksDB), the executor, the transaction pool,
//! consensus (PBFT over the QUIC network, with block sync) and the JSON-RPC server, and
//! carries the `weft` command line.
//!
//! ```text
//!  JSON-RPC ──submit──▶ TxPool ◀──Push── peers        peers ◀──QUIC──▶ weft-network
//!     ▲                   │  └─relay─▶ consensus nodes               │ Consensus, TxSync,
//!     │                   ▼                                          ▼ BlockSync
//!     │          driver (NodeService): weft-consensus Core + weft-sync Syncer
//!     │            leader: take_for_block ─▶ proposal of tx hashes ─▶ PBFT
//!     │            all: fetch missing txs ─▶ check ─▶ vote ─▶ execute ─▶ checkpoint
//!     │ blocks,    ▼
//!     │ receipts   Executor::build_block ─▶ Ledger::commit_block (2f+1 signatures) ─▶ RocksDB
//!     └──────────── Node (ChainApi) ◀── committed blocks (subscriptions, waiting RPCs)
//! ```
//!
//! [`NodeService`] joins a [`Node`] to its chain (`weft node start`); a one-sealer
//! development chain (`weft dev`) can instead run the solo sealer, [`Node::spawn_sealer`],
//! which executes and signs blocks alone without a network.
//!
//! The client side of the command line lives here too: [`client`] (a JSON-RPC client,
//! the Solidity ABI, native transactions signed and sent), [`console`] (what the client
//! commands print) and [`certs`] (the chain CA and node TLS certificates of `weft chain
//! new`).

#![warn(missing_docs)]

pub mod certs;
pub mod cli;
pub mod client;
pub mod config;
pub mod console;
mod driver;
mod node;
pub mod proposal;
mod service;
pub mod sigs;
pub mod txsync;
mod view;
pub mod votes;

pub use node::{LiveStatus, Node, NodeConfig, NodeError};
pub use service::{NodeService, P2pConfig, ServiceError};
