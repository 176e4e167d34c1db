//! Weft's block sync: a node that is behind downloads committed blocks from its peers,
//! checks each against the sealers in force at its height, re-executes it, and commits
//! it — FISCO BCOS v3's `bcos-sync`, without I/O.
//!
//! ```text
//!   peers ──Status{number, head, genesis}──▶ Syncer::on_status (other genesis: ignored)
//!                                              │ gap = local+1 ..= min(highest, local+256)
//!                                              ▼
//!   peers ◀──Request{first, count ≤ 8}──── Syncer::poll_requests
//!     │       shards of ≤ 8 blocks, ≤ 2 outstanding per peer, interleaved over peers;
//!     │       Syncer::on_timeout (1.6 s) or a bad response: asked of another peer
//!     ▼
//!   serve(ledger) ──Response{blocks}──▶ Syncer::on_response ──▶ download queue (by height)
//!                                                                   │
//!   Syncer::next_ready(head) ── block head+1 naming head as parent ◀┘
//!     ▼
//!   apply_block(ledger, executor): parent ▸ sealers of that height ▸ 2f+1 weighted
//!     commit certificate ▸ tx signatures and root ▸ re-execute ▸ same header ▸ commit
//!     └─ refused ─▶ Syncer::on_block_rejected: peer blamed, height asked of another
//! ```
//!
//! [`Syncer::apply_ready`] runs the last two steps for every ready block.
//!
//! # What the driver must do
//!
//! The crate owns no socket, timer, thread or clock; the node's driver carries its
//! messages over the network's `BlockSync` module and calls it with the time in ms:
//!
//! * Broadcast [`Syncer::local_status`] (as [`SyncMessage::Status`]) to the group's
//!   peers when a block commits (by consensus or sync; tell the syncer with
//!   [`Syncer::on_local_head`]) and now and then (a new peer learns the head).
//! * Decode every received frame with [`SyncMessage::decode`] under
//!   [`SyncConfig::limits`]; on error call [`Syncer::on_malformed`].
//!   `Status` → [`Syncer::on_status`]; `Request` → [`serve`] and send the response to
//!   that peer; `Response` → [`Syncer::on_response`]. Errors are for the log
//!   ([`SyncError::is_peer_fault`] ones may count towards disconnecting a peer).
//! * After each input, send what [`Syncer::poll_requests`] returns, each to its peer.
//!   Call [`Syncer::on_timeout`] when the clock passes [`Syncer::next_timeout`].
//! * Apply blocks with [`Syncer::apply_ready`] (or `next_ready` / [`apply_block`] /
//!   `on_block_rejected` by hand), serialised with consensus commits. For each
//!   [`AppliedBlock`]: drop its transactions from the pool, update the nonce window,
//!   announce it, and give consensus `Input::SyncedTo` (with `next_nodes` as the next
//!   sealer set when set). A fatal error ([`SyncError::is_fatal`]) stops the node.
//! * Forget peers that disconnect ([`Syncer::on_peer_disconnected`]), and expose
//!   [`Syncer::status`] as `getSyncStatus`.
//!
//! Depends on the ledger and the executor (passed in, never owned), the consensus crate
//! for the certificate rule, and small encoding crates. No async runtime, no network.

#![warn(missing_docs)]

mod apply;
mod error;
mod message;
mod syncer;

pub use apply::{apply_block, sealer_set_at, serve, AppliedBlock};
pub use error::SyncError;
pub use message::{
    MessageError, Request, Response, Status, SyncLimits, SyncMessage, MAX_REQUEST_BLOCKS,
    REQUEST_PACKET, RESPONSE_PACKET, STATUS_PACKET,
};
pub use syncer::{ApplyReport, PeerStatus, Rejection, SyncConfig, SyncStatus, Syncer};
