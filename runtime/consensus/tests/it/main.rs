//! Integration tests of the consensus core: a deterministic simulation of clusters with
//! faults and twins, Byzantine messages, and single behaviours (restart, back-off,
//! observers, divergence).

mod byzantine;
mod core_behaviour;
mod fixture;
mod sim;
mod simulation;
