//! Integration tests of the in-memory backend: the whole conformance suite.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

use weft_storage::memory::MemoryStorage;

weft_storage::conformance_tests!(|tables| MemoryStorage::new(tables));

/// `run_all` covers the same cases in one call (for harnesses that are not libtest).
#[test]
fn run_all_passes() {
    weft_storage::conformance::run_all(MemoryStorage::new);
}
