//! Criterion benches of Weft live in `benches/` of this crate.
