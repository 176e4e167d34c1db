//! Cross-crate tests: transactions of every form, verified and committed to a ledger on
//! RocksDB, read back after a reopen.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod auth;
mod crud;
mod ledger_on_rocksdb;
mod plugin_loader;
mod plugins;
mod sigs;
