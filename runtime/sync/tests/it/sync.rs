//! Catching up with honest, slow and silent peers.

use weft_sync::{Request, SyncLimits};

use crate::fixture::{assert_same_chain, Source};
use crate::sim::{Behaviour, Peer, Sim};

#[test]
fn fresh_node_syncs_from_three_peers_at_once() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 40);
    let peers = (1..=3).map(|id| Peer::honest(id, &source)).collect();
    let mut sim = Sim::new(&source, peers);
    let record = sim.run_to(40, 500);

    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(record.rejected.is_empty(), "{:?}", record.rejected);
    assert!(
        record.bad_responses.is_empty(),
        "{:?}",
        record.bad_responses
    );
    assert_eq!(record.committed, (1..=40).collect::<Vec<_>>());
    // The gap was cut into shards of 8, interleaved over the three peers, two at most
    // outstanding to each.
    let firsts: Vec<Vec<u64>> = (1..=3)
        .map(|id| sim.requests_of(id).iter().map(|r| r.first).collect())
        .collect();
    assert_eq!(firsts, [vec![1, 25], vec![9, 33], vec![17]]);
    assert!(sim
        .peers
        .iter()
        .flat_map(|p| &p.requests)
        .all(|r| r.count == 8));
    assert_eq!(record.max_in_flight_per_peer, 2);

    let status = sim.syncer.status();
    assert_eq!(status.local_number, 40);
    assert_eq!(status.local_hash, source.ledger.head_hash());
    assert_eq!(status.highest_peer_number, 40);
    assert!(!status.syncing);
    assert_eq!(status.queue_len, 0);
    assert_eq!(status.in_flight_blocks, 0);
    let received: Vec<u64> = status.peers.iter().map(|p| p.blocks_received).collect();
    assert_eq!(received, [16, 16, 8]);
    // Nothing more to ask.
    assert!(sim.syncer.poll_requests(sim.now).is_empty());
}

#[test]
fn silent_peer_times_out_and_its_shards_go_to_others() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 40);
    let peers = vec![
        Peer::honest(1, &source),
        Peer::new(2, &source.ledger, Behaviour::Silent),
        Peer::honest(3, &source),
    ];
    let mut sim = Sim::new(&source, peers);
    let record = sim.run_to(40, 2_000);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(record.rejected.is_empty(), "{:?}", record.rejected);

    // Whatever was asked of the silent peer was asked again of another, after the
    // 1.6 s timeout.
    let silent: Vec<Request> = sim.requests_of(2).to_vec();
    assert!(!silent.is_empty());
    for request in &silent {
        let elsewhere = [1, 3]
            .iter()
            .flat_map(|&id| sim.requests_of(id))
            .any(|r| r.first <= request.first && request.first <= r.last());
        assert!(elsewhere, "{request:?} was never asked of another peer");
    }
    let status = sim.syncer.status();
    let silent_status = status.peers.iter().find(|p| p.peer == 2).unwrap();
    assert!(silent_status.timeouts >= 1);
    assert_eq!(silent_status.blocks_received, 0);
    assert!(sim.now >= 1_600, "the run had to wait for a timeout");
}

#[test]
fn partial_responses_and_a_small_queue() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 40);
    // Peers whose byte budget fits one block per response, and a 12-block window.
    let peers = (1..=3)
        .map(|id| {
            let mut peer = Peer::honest(id, &source);
            peer.limits = SyncLimits {
                max_message_bytes: 64,
                ..SyncLimits::DEFAULT
            };
            peer
        })
        .collect();
    let mut sim = Sim::with_config(&source, peers, |config| config.max_queue_blocks = 12);
    let record = sim.run_to(40, 2_000);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(record.rejected.is_empty(), "{:?}", record.rejected);
    assert!(record.max_window <= 12, "window {}", record.max_window);
    assert!(record.max_queue <= 12);
    // Every response held one block, so the rest of each shard was asked again.
    let requests: usize = sim.peers.iter().map(|p| p.requests.len()).sum();
    assert!(requests >= 40, "{requests} requests");
}

#[test]
fn slow_peer_gets_its_share_and_fast_peers_the_rest() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 40);
    let peers = (1..=3).map(|id| Peer::honest(id, &source)).collect();
    let mut sim = Sim::new(&source, peers);
    // Peer 3 answers after 1.4 s: slower than the others, faster than the timeout.
    sim.latency.insert(3, 700);
    let record = sim.run_to(40, 2_000);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(record.rejected.is_empty() && record.bad_responses.is_empty());
    let status = sim.syncer.status();
    assert!(status.peers.iter().all(|p| p.timeouts == 0));
    let slow = status.peers.iter().find(|p| p.peer == 3).unwrap();
    let fast: u64 = status
        .peers
        .iter()
        .filter(|p| p.peer != 3)
        .map(|p| p.blocks_received)
        .sum();
    assert!(slow.blocks_received >= 8 && fast > slow.blocks_received);
}

#[test]
fn peers_behind_or_level_ask_for_nothing() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 3);
    let fresh = crate::fixture::Fresh::new(&source.genesis);
    // A node level with its only peer (the peer is a fresh node too).
    let peers = vec![Peer::new(1, &fresh.ledger, Behaviour::Honest)];
    let mut sim = Sim::new(&source, peers);
    let mut record = crate::sim::Record::default();
    for _ in 0..10 {
        sim.step(&mut record);
    }
    assert!(sim.requests_of(1).is_empty());
    assert!(!sim.syncer.status().syncing);
    assert_eq!(sim.syncer.status().peers.len(), 1);
}
