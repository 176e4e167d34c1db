//! The client side of the `weft` command: talking JSON-RPC to a node, reading the
//! Solidity ABI, and making, signing and sending native transactions.
//!
//! ```text
//!  weft call/send/deploy ──▶ abi (signature or ABI JSON → call data; results, logs,
//!                            │    revert reasons → text)
//!                            ▼
//!                          tx::Sender (chain/group id, block_limit = height + 500,
//!                            │          random 256-bit nonce, gas = estimate + margin,
//!                            │          signed with the key's suite)
//!                            ▼
//!                          rpc::RpcClient ──HTTP/1.1 JSON-RPC──▶ node
//!                            eth_sendRawTransaction, then eth_getTransactionReceipt
//!                            polled, then the native receipt for status and output
//! ```

pub mod abi;
pub mod rpc;
pub mod tx;

use alloy_primitives::{Bytes, B256};
use weft_crypto::SuiteId;

pub use abi::{Abi, AbiError, Deployable, Function};
pub use rpc::{BlockId, RpcClient};
pub use tx::{Progress, Sender, TxOptions, TxReceipt};

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The RPC address is malformed or unsupported.
    #[error("bad node address {url:?}: {why}")]
    BadUrl {
        /// The address given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// Nothing answered at the address.
    #[error("cannot reach the node at {url}: {reason}; is `weft dev` (or `weft node start`) running? Choose the node with --rpc or WEFT_RPC")]
    Unreachable {
        /// The address.
        url: String,
        /// The connection error.
        reason: String,
    },
    /// The node answered with a JSON-RPC error.
    #[error("the node refused {method}: {message} (code {code}){}", data.as_ref().map(|d| format!(", data {d}")).unwrap_or_default())]
    Rpc {
        /// The method.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
        /// The error's data, if any.
        data: Option<serde_json::Value>,
    },
    /// An `eth_call` or `eth_estimateGas` reverted.
    #[error("{message}")]
    Reverted {
        /// The node's message (`execution reverted: …`).
        message: String,
        /// The revert data.
        output: Bytes,
    },
    /// The node's answer was not what the method returns.
    #[error("unexpected answer to {method}: {detail}")]
    Protocol {
        /// The method.
        method: String,
        /// What was wrong.
        detail: String,
    },
    /// The key's suite is not the chain's.
    #[error("the key is a {key} key but the chain uses the {chain} suite; {}", if *chain == SuiteId::Sm { "pass --sm for an SM key" } else { "drop --sm: this chain takes standard (secp256k1) keys" })]
    WrongSuite {
        /// The key's suite.
        key: SuiteId,
        /// The chain's suite.
        chain: SuiteId,
    },
    /// Signing failed.
    #[error("cannot sign the transaction: {0}")]
    Sign(weft_crypto::CryptoError),
    /// No receipt within the timeout.
    #[error("transaction {hash} was accepted but not committed within {secs} s; look for it later with `weft receipt {hash}`")]
    ReceiptTimeout {
        /// The transaction.
        hash: B256,
        /// The timeout.
        secs: u64,
    },
    /// An ABI problem.
    #[error(transparent)]
    Abi(#[from] AbiError),
}
