//! Cross-crate tests of Weft live in `tests/` of this crate.
