//! Weft's node: it assembles the ledger (on RocksDB), the executor, the transaction pool,
//! the sealer and the JSON-RPC server, and carries the `weft` command line.
//!
//! ```text
//!  JSON-RPC ──submit──▶ TxPool ──take_for_block──▶ sealer thread
//!     ▲                                              │ Executor::build_block, sign
//!     │ blocks, receipts, calls                      ▼
//!     └──────────── Node (ChainApi) ◀── Ledger::commit_block ── RocksDB
//!                        │
//!                        └─ broadcast of committed blocks (subscriptions, waiting RPCs)
//! ```
//!
//! The client side of the command line lives here too: [`client`] (a JSON-RPC client,
//! the Solidity ABI, native transactions signed and sent), [`console`] (what the client
//! commands print) and [`certs`] (the chain CA and node TLS certificates of `weft chain
//! new`).
//!
//! With one sealer the node commits its own blocks; consensus between several sealers is
//! not built yet, so a node refuses to seal for a chain with more than one.

#![warn(missing_docs)]

pub mod certs;
pub mod cli;
pub mod client;
pub mod config;
pub mod console;
mod node;
pub mod sigs;
mod view;

pub use node::{Node, NodeConfig, NodeError};
