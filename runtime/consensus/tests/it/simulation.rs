//! Seeded fault simulations: 4 and 7 sealers, twins, and a test of the checker itself.
//!
//! Default seed counts: 300 (4 sealers), 100 (7 sealers), 200 (twins). Override with
//! `WEFT_SIM_SEEDS=<count>`, replay one with `WEFT_SIM_SEED=<seed>`, print every run's
//! summary with `WEFT_SIM_VERBOSE=1` (and `-- --nocapture`).

use crate::sim::{run_seeds, seeds, Sim, SimConfig, SimReport, Violation};

fn summary(reports: &[SimReport]) -> (u64, u64, u64, u64) {
    let min_height: u64 = reports
        .iter()
        .map(|r| r.heights.iter().min().copied().unwrap_or(0))
        .sum();
    let view_changes = reports.iter().map(|r| r.view_changes).sum();
    let reproposals = reports.iter().map(|r| r.reproposals).sum();
    let crashes = reports.iter().map(|r| r.crashes).sum();
    (min_height, view_changes, reproposals, crashes)
}

/// The faults must actually have been exercised, or a pass means little.
fn assert_exercised(name: &str, reports: &[SimReport], min_heights_per_run: u64) {
    if reports.len() < 20 {
        return; // a replay of one seed proves nothing about coverage
    }
    let (heights, view_changes, reproposals, crashes) = summary(reports);
    eprintln!(
        "{name}: {} runs, {heights} blocks on the slowest nodes, {view_changes} view changes, {reproposals} re-proposals, {crashes} crashes",
        reports.len()
    );
    assert!(
        heights >= min_heights_per_run * reports.len() as u64,
        "{name}: too little progress"
    );
    assert!(view_changes > 0, "{name}: no view change happened");
    assert!(
        reproposals > 0,
        "{name}: no prepared proposal was ever re-proposed"
    );
}

#[test]
fn four_sealers_and_an_observer_under_faults() {
    let name = "four_sealers_and_an_observer_under_faults";
    let cfg = SimConfig {
        observers: 1,
        ..SimConfig::faulty(4)
    };
    let reports = run_seeds(name, &cfg, &seeds(300, 4));
    assert_exercised(name, &reports, 3);
    assert!(reports.iter().any(|r| r.crashes > 0));
}

/// Seven sealers with unequal weights and a leader period of 2.
#[test]
fn seven_sealers_under_faults() {
    let name = "seven_sealers_under_faults";
    let cfg = SimConfig {
        chaos_ms: 2_000,
        // Total weight 8: f = 2, quorum 6. Sealer 0 alone is a quarter of the vote.
        weights: vec![2, 1, 1, 1, 1, 1, 1],
        leader_period: 2,
        ..SimConfig::faulty(7)
    };
    let reports = run_seeds(name, &cfg, &seeds(100, 7));
    assert_exercised(name, &reports, 3);
}

#[test]
fn twins_keep_safety_with_one_equivocating_sealer_of_four() {
    let name = "twins_keep_safety_with_one_equivocating_sealer_of_four";
    let all = seeds(200, 2);
    let mut reports = Vec::new();
    for (k, &seed) in all.iter().enumerate() {
        let cfg = SimConfig {
            // The twin pair runs under every index in turn, so it leads at every phase.
            twin_of: Some(k as u64 % 4),
            twin_partitions: true,
            partitions: false,
            loss: 0.02,
            crashes: k % 3 == 0,
            ..SimConfig::faulty(4)
        };
        reports.extend(run_seeds(name, &cfg, &[seed]));
    }
    assert_exercised(name, &reports, 2);
    // Twins equivocate: honest nodes must have noticed it now and then.
    assert!(
        reports.iter().map(|r| r.dropped_reports).sum::<u64>() > 0,
        "no drops at all in twins runs"
    );
}

/// Timeouts shorter than the slowest messages, partitions that change every few hundred
/// milliseconds and lossy commits: view changes overlap with late prepares and commits,
/// which is where a PBFT that votes in an abandoned view or forgets a prepared proposal
/// forks.
#[test]
fn four_sealers_in_view_change_storms() {
    let name = "four_sealers_in_view_change_storms";
    let cfg = SimConfig {
        base_timeout_ms: 150,
        latency_ms: (5, 160),
        slow_network_chance: 0.0,
        partitions: false,
        twin_partitions: true,
        filter_chance: 0.8,
        crashes: false,
        ..SimConfig::faulty(4)
    };
    let reports = run_seeds(name, &cfg, &seeds(200, 5));
    assert_exercised(name, &reports, 2);
}

/// The checker is only worth something if it can fail: with a quorum of 2 of 4 (half
/// the nodes, no intersection guarantee) partitions let both halves order and commit
/// different blocks, and the simulation must see both kinds of fork.
#[test]
fn the_safety_checker_catches_a_broken_quorum_rule() {
    let (mut order_forks, mut ledger_forks) = (0, 0);
    let count: u32 = 30;
    for seed in 0..count {
        let cfg = SimConfig {
            quorum_override: Some(2),
            crashes: false,
            loss: 0.0,
            check_liveness: false,
            filter_chance: 0.0,
            stop_at_first_violation: false,
            slow_network_chance: 0.0,
            liveness_bound_ms: 5_000,
            ..SimConfig::faulty(4)
        };
        let report = Sim::new(900_000 + u64::from(seed), cfg).run();
        if std::env::var_os("WEFT_SIM_VERBOSE").is_some() {
            eprintln!("broken quorum: {report}");
        }
        let has = |f: fn(&Violation) -> bool| report.violations.iter().any(f);
        order_forks += u32::from(has(|v| matches!(v, Violation::ConflictingOrder { .. })));
        ledger_forks += u32::from(has(|v| matches!(v, Violation::ConflictingCommit { .. })));
    }
    assert!(
        order_forks > count / 3 && ledger_forks > count / 3,
        "of {count} broken-quorum runs only {order_forks} showed an ordering fork and {ledger_forks} a ledger fork"
    );
}
