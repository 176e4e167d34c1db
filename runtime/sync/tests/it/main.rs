//! Block sync on real ledgers: source chains executed by the real executor and signed by
//! sealer keys, fresh nodes syncing from several peers over a simulated network.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod apply;
mod byzantine;
mod fixture;
mod node_list;
mod sim;
mod sync;
