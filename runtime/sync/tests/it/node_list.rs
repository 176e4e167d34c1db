//! Syncing across a node-list change made through the Consensus precompile: every block
//! is checked against the sealers in force at its own height.

use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use weft_sync::sealer_set_at;

use crate::fixture::{
    addObserverCall, addSealerCall, assert_same_chain, node_id_hex, node_key, removeCall,
    setWeightCall, signatures_by, Source,
};
use crate::sim::{Behaviour, Peer, Sim};

const CHANGE_AT: u64 = 13;
const HEIGHT: u64 = 30;

/// Four equal sealers up to block 13, which makes node 4 a sealer, removes node 3 and
/// gives node 0 weight 2: from block 14 the sealers are [0 (2), 1, 2, 4], total 5,
/// quorum 4 — three signatures of weight 1 no longer suffice.
fn changing_source() -> Source {
    let mut source = Source::new(&[1, 1, 1, 1]);
    source.extend_to(CHANGE_AT - 1);
    let node4 = node_id_hex(&node_key(4));
    let mut txs = source.ordinary_txs();
    for input in [
        addObserverCall {
            nodeID: node4.clone(),
        }
        .abi_encode(),
        addSealerCall {
            nodeID: node4,
            weight: U256::from(1),
        }
        .abi_encode(),
        removeCall {
            nodeID: node_id_hex(&node_key(3)),
        }
        .abi_encode(),
        setWeightCall {
            nodeID: node_id_hex(&node_key(0)),
            weight: U256::from(2),
        }
        .abi_encode(),
    ] {
        txs.push(source.consensus_tx(input));
    }
    source.produce(txs);
    source.extend_to(HEIGHT);
    source
}

#[test]
fn observer_syncs_across_a_node_list_change() {
    let source = changing_source();
    let before = source.ledger.node_list(CHANGE_AT).unwrap();
    let after = source.ledger.node_list(CHANGE_AT + 1).unwrap();
    let ids = |list: &weft_ledger::NodeList| -> Vec<_> {
        list.sealers.iter().map(|s| (s.node_id, s.weight)).collect()
    };
    let key = |i: usize| node_key(i).public().0.into();
    assert_eq!(
        ids(&before),
        [(key(0), 1), (key(1), 1), (key(2), 1), (key(3), 1)]
    );
    assert_eq!(
        ids(&after),
        [(key(0), 2), (key(1), 1), (key(2), 1), (key(4), 1)]
    );

    let peers = (1..=3).map(|id| Peer::honest(id, &source)).collect();
    let mut sim = Sim::new(&source, peers);
    let record = sim.run_to(HEIGHT, 1_000);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(record.rejected.is_empty(), "{:?}", record.rejected);
    // The synced node learnt the change by executing block 13 itself.
    assert_eq!(record.node_changes, [CHANGE_AT]);
    assert_eq!(sim.node.ledger.node_list(CHANGE_AT + 1).unwrap(), after);
    assert_eq!(sim.node.ledger.node_list(CHANGE_AT).unwrap(), before);
}

#[test]
fn certificates_of_the_old_sealers_or_old_weights_are_refused_after_the_change() {
    let source = changing_source();
    // Peer 3 re-signs blocks after the change as the old sealer set would have:
    // sealers 0, 1, 3 at indices 0, 1, 3. Their indices weigh 2 + 1 + 1 in the new set,
    // but index 3 now belongs to node 4, and node 3's signature is not node 4's.
    let old_set = |blocks: &mut Vec<weft_types::Block>| {
        let (_, old) = sealer_set_at(&source.ledger, CHANGE_AT).unwrap();
        for block in blocks.iter_mut().filter(|b| b.header.number > CHANGE_AT) {
            block.signatures = signatures_by(&old, &block.header, &[0, 1, 3]);
        }
    };
    // Peer 4 signs with three sealers of the new set, each of weight 1: a quorum under
    // the old weights, one short of the new quorum of 4.
    let light = |blocks: &mut Vec<weft_types::Block>| {
        for block in blocks.iter_mut().filter(|b| b.header.number > CHANGE_AT) {
            let (_, new) = sealer_set_at(&source.ledger, block.header.number).unwrap();
            block.signatures = signatures_by(&new, &block.header, &[1, 2, 3]);
        }
    };
    let peers = vec![
        Peer::honest(1, &source),
        Peer::honest(2, &source),
        Peer::new(3, &source.ledger, Behaviour::Tamper(Box::new(old_set))),
        Peer::new(4, &source.ledger, Behaviour::Tamper(Box::new(light))),
    ];
    let mut sim = Sim::new(&source, peers);
    let record = sim.run_to(HEIGHT, 3_000);
    assert_same_chain(&sim.node.ledger, &source.ledger);
    assert!(
        record.bad_responses.is_empty(),
        "{:?}",
        record.bad_responses
    );
    let mut seen = (false, false);
    for (peer, number, error) in &record.rejected {
        assert!(*number > CHANGE_AT, "block {number} refused: {error}");
        match peer {
            3 => {
                assert!(
                    error.contains("the signature of sealer 3 does not verify"),
                    "{error}"
                );
                seen.0 = true;
            }
            4 => {
                assert!(
                    error.contains("signers carry weight 3, short of the quorum 4"),
                    "{error}"
                );
                seen.1 = true;
            }
            other => panic!("honest peer {other} blamed: {error}"),
        }
    }
    assert_eq!(seen, (true, true), "{:?}", record.rejected);
}
