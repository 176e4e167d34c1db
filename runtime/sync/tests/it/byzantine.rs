//! A peer that serves bad blocks is refused, blamed, and the blocks come from others.

use alloy_primitives::B256;
use alloy_sol_types::SolCall;
use weft_types::{Block, Transaction};

use crate::fixture::{assert_same_chain, resign_all, setCall, Source};
use crate::sim::{Behaviour, Peer, Record, Sim};

const HEIGHT: u64 = 24;
const BAD: u8 = 3;

/// Peers 1 and 2 are honest, peer 3 rewrites its responses with `tamper`. The node must
/// end with the source's chain, having refused blocks only from peer 3, each of whose
/// refused heights was then asked of an honest peer.
fn sync_past_a_bad_peer<'a>(source: &'a Source, tamper: impl Fn(&mut Vec<Block>) + 'a) -> Record {
    let peers = vec![
        Peer::honest(1, source),
        Peer::honest(2, source),
        Peer::new(BAD, &source.ledger, Behaviour::Tamper(Box::new(tamper))),
    ];
    let mut sim = Sim::new(source, peers);
    let record = sim.run_to(HEIGHT, 3_000);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(
        !record.rejected.is_empty() || !record.bad_responses.is_empty(),
        "the bad peer was never caught"
    );
    for (peer, number, error) in &record.rejected {
        assert_eq!(*peer, BAD, "honest peer blamed for block {number}: {error}");
        let refetched = [1, 2]
            .iter()
            .flat_map(|&id| sim.requests_of(id))
            .any(|r| r.first <= *number && *number <= r.last());
        assert!(refetched, "block {number} was not asked of an honest peer");
    }
    for (peer, error) in &record.bad_responses {
        assert_eq!(*peer, BAD, "honest peer's response refused: {error}");
    }
    let bad = sim
        .syncer
        .status()
        .peers
        .into_iter()
        .find(|p| p.peer == BAD)
        .unwrap();
    assert!(bad.faults >= 1);
    record
}

fn errors(record: &Record) -> Vec<&str> {
    record.rejected.iter().map(|(_, _, e)| e.as_str()).collect()
}

#[test]
fn forged_signature_is_refused() {
    let source = Source::with_blocks(&[1, 1, 1, 1], HEIGHT);
    let record = sync_past_a_bad_peer(&source, |blocks| {
        for block in blocks {
            let mut sig = block.signatures[0].signature.to_vec();
            sig[10] ^= 0xff;
            block.signatures[0].signature = sig.into();
        }
    });
    for error in errors(&record) {
        assert!(
            error.contains("is not a valid 2f+1 commit certificate")
                && error.contains("does not verify"),
            "{error}"
        );
    }
}

#[test]
fn tampered_transaction_is_refused() {
    let source = Source::with_blocks(&[1, 1, 1, 1], HEIGHT);
    let record = sync_past_a_bad_peer(&source, |blocks| {
        for block in blocks {
            if let Some(Transaction::Native(signed)) = block.transactions.first_mut() {
                signed.tx.input = setCall {
                    name_: "forged".into(),
                }
                .abi_encode()
                .into();
            }
        }
    });
    for error in errors(&record) {
        // The signature then recovers another sender (or none): either way the
        // transactions are not the ones the header commits to.
        assert!(
            error.contains("transactions root") || error.contains("does not verify"),
            "{error}"
        );
    }
}

#[test]
fn wrong_state_root_signed_by_a_byzantine_quorum_is_caught_by_re_execution() {
    let source = Source::with_blocks(&[1, 1, 1, 1], HEIGHT);
    let record = sync_past_a_bad_peer(&source, |blocks| {
        // The last block of each response, so the response itself still links up.
        if let Some(block) = blocks.last_mut() {
            block.header.state_root = B256::repeat_byte(0x55);
            resign_all(&source, block);
        }
    });
    assert!(!record.rejected.is_empty());
    for error in errors(&record) {
        assert!(
            error.contains("does not match its re-execution: state root is"),
            "{error}"
        );
    }
}

#[test]
fn signatures_short_of_two_f_plus_one_are_refused() {
    let source = Source::with_blocks(&[1, 1, 1, 1], HEIGHT);
    let record = sync_past_a_bad_peer(&source, |blocks| {
        for block in blocks {
            block.signatures.truncate(2);
        }
    });
    for error in errors(&record) {
        assert!(
            error.contains("signers carry weight 2, short of the quorum 3"),
            "{error}"
        );
    }
}

#[test]
fn peer_of_another_chain_is_ignored() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 8);
    // Another chain: three sealers, so another genesis.
    let other = Source::with_blocks(&[1, 1, 1], 8);
    let peers = vec![
        Peer::new(1, &other.ledger, Behaviour::Honest),
        Peer::honest(2, &source),
    ];
    let mut sim = Sim::new(&source, peers);
    let record = sim.run_to(8, 500);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(sim.requests_of(1).is_empty());
    assert_eq!(record.bad_responses.len(), 1);
    assert!(
        record.bad_responses[0]
            .1
            .contains("peer runs the chain with genesis"),
        "{:?}",
        record.bad_responses
    );
    let peers: Vec<u8> = sim.syncer.status().peers.iter().map(|p| p.peer).collect();
    assert_eq!(peers, [2]);
}
