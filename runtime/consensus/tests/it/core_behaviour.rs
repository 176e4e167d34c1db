//! Whole behaviours of the core, driven by hand or in a loss-free lockstep cluster:
//! one sealer alone, observers, divergence, restart, timeouts and back-off, status.

use alloy_primitives::B256;
use weft_consensus::{
    verify_commit_certificate, Body, ConfigError, Core, Input, MessageKind, Output, Phase,
    VoteRecord,
};

use crate::fixture::*;
use crate::sim::{consensus_config, sealer_key, sealer_set};

#[test]
fn a_single_sealer_commits_alone() {
    // It leads every height; the proposal is asked for at construction already.
    let (mut c, out) = Core::new(
        consensus_config(TIMEOUT, None),
        sealer_key(0),
        sealer_set(1),
        0,
        0,
    )
    .unwrap();
    assert_eq!(out, [Output::ProposalWanted { height: 1, view: 0 }]);
    let p = proposal(1);
    let out = c.handle(
        5,
        Input::Propose {
            height: 1,
            view: 0,
            proposal: p.clone(),
        },
    );
    assert_persist_before_send(&out);
    assert_eq!(
        sent_kinds(&out),
        [
            MessageKind::PrePrepare,
            MessageKind::Prepare,
            MessageKind::Commit
        ]
    );
    assert!(out.contains(&Output::Execute {
        height: 1,
        proposal_hash: hash(&p),
        proposal: p.clone()
    }));
    let header = B256::repeat_byte(7);
    let out = c.handle(
        6,
        Input::Executed {
            height: 1,
            proposal_hash: hash(&p),
            header_hash: header,
        },
    );
    assert_persist_before_send(&out);
    let Some(Output::CommitBlock { signatures, .. }) =
        out.iter().find(|o| matches!(o, Output::CommitBlock { .. }))
    else {
        panic!("no commit: {out:?}")
    };
    verify_commit_certificate(suite(), 1, header, signatures, &sealer_set(1)).unwrap();
    let out = c.handle(
        7,
        Input::Committed {
            height: 1,
            next_sealers: None,
        },
    );
    assert_eq!(
        out,
        [
            Output::PruneVotes { through_height: 1 },
            Output::ProposalWanted { height: 2, view: 0 }
        ]
    );
    assert_eq!(c.status().committed_height, 1);
}

#[test]
fn four_sealers_and_an_observer_agree_in_lockstep() {
    let mut ls = Lockstep::new(4, 1);
    ls.max_height = 5;
    ls.run();
    for (i, ledger) in ls.ledgers.iter().enumerate() {
        assert_eq!(ledger.len(), 5, "node {i}");
        assert_eq!(ledger, &ls.ledgers[0], "node {i} disagrees");
    }
    // The observer signs nothing, persists nothing, sends nothing.
    let observer = &ls.outputs[4];
    assert!(persisted(observer).is_empty());
    assert!(sent(observer).is_empty());
    assert!(ls.cores[4].status().node_index.is_none());
    assert_eq!(ls.cores[4].status().committed_height, 5);
    // Idle: no transactions proposed past height 5, so nobody waits for anything...
    // except a timer, since the sealers still claim pending transactions.
    assert!(ls.cores[0].next_timeout().is_some());
}

#[test]
fn a_node_whose_execution_differs_reports_divergence_and_does_not_commit() {
    let mut ls = Lockstep::new(4, 0);
    ls.max_height = 1;
    ls.wrong_executor = Some(3);
    ls.run();
    for i in 0..3 {
        assert_eq!(ls.ledgers[i].len(), 1, "honest node {i} commits");
    }
    assert!(ls.ledgers[3].is_empty());
    assert!(ls.outputs[3].iter().any(|o| matches!(
        o,
        Output::Diverged { height: 1, local, .. } if *local == B256::repeat_byte(0xee)
    )));
    assert_eq!(ls.cores[3].status().phase, Phase::Diverged);
}

#[test]
fn an_idle_chain_sets_no_timer_and_a_busy_one_does() {
    let mut c = core(4, Some(2));
    assert_eq!(c.next_timeout(), None);
    c.handle(100, Input::PendingTransactions(true));
    assert_eq!(c.next_timeout(), Some(100 + TIMEOUT));
    // An observer never times out.
    let mut o = core(4, None);
    o.handle(0, Input::PendingTransactions(true));
    assert_eq!(o.next_timeout(), None);
}

#[test]
fn a_timer_armed_for_pending_transactions_stops_when_the_pool_empties() {
    // The driver reports the pool after a commit: the core moves to the next height
    // while it still believes transactions are pending, and arms its timer for them.
    let mut c = core(4, Some(2));
    c.handle(0, Input::PendingTransactions(true));
    c.handle(
        50,
        Input::SyncedTo {
            height: 1,
            next_sealers: None,
        },
    );
    assert_eq!(c.next_timeout(), Some(50 + TIMEOUT));
    // The pool turns out empty: nothing is waiting, so no view change may follow.
    c.handle(60, Input::PendingTransactions(false));
    assert_eq!(c.next_timeout(), None);
    assert!(c.handle(50 + TIMEOUT, Input::Timeout).is_empty());
    assert_eq!(c.status().view, 0);
    assert!(!c.status().in_view_change);
    // New transactions arm it again, from then.
    c.handle(5000, Input::PendingTransactions(true));
    assert_eq!(c.next_timeout(), Some(5000 + TIMEOUT));
}

#[test]
fn timeouts_back_off_and_ask_for_ever_higher_views() {
    let mut c = core(4, Some(2));
    c.handle(0, Input::PendingTransactions(true));
    // Early calls do nothing.
    assert!(c.handle(10, Input::Timeout).is_empty());
    // The first timer started at 0 with the base timeout; each view change restarts
    // it with 1.5 times the previous one.
    let mut started = 0;
    let mut expected_timeout = TIMEOUT;
    for target in 1..=4u64 {
        let deadline = c.next_timeout().unwrap();
        assert_eq!(deadline, started + expected_timeout);
        let out = c.handle(deadline, Input::Timeout);
        assert_persist_before_send(&out);
        let vcs = sent(&out);
        assert_eq!(vcs.len(), 1);
        assert_eq!(vcs[0].body.kind(), MessageKind::ViewChange);
        assert_eq!(vcs[0].body.view(), target);
        let s = c.status();
        assert!(s.in_view_change);
        assert_eq!(s.view_change_target, Some(target));
        assert_eq!(s.phase, Phase::ViewChange);
        expected_timeout = expected_timeout * 3 / 2;
        assert_eq!(s.timeout_ms, expected_timeout);
        started = deadline;
    }
    assert_eq!(c.next_timeout(), Some(started + expected_timeout));
}

#[test]
fn an_unreachable_leader_is_skipped_without_waiting_for_the_timeout() {
    // Node 2 of 4 at height 1, view 0: the leader is another node.
    let mut c = core(4, Some(2));
    c.handle(0, Input::PendingTransactions(true));
    let leader = c.status().leader_index;
    assert_ne!(Some(leader), c.status().node_index);
    // Stale reports (another height or view) change nothing.
    assert!(c
        .handle(10, Input::LeaderUnreachable { height: 9, view: 0 })
        .is_empty());
    assert!(c
        .handle(10, Input::LeaderUnreachable { height: 1, view: 3 })
        .is_empty());
    assert!(!c.status().in_view_change);
    // The leader is unreachable long before the timeout: the view change starts now.
    let out = c.handle(20, Input::LeaderUnreachable { height: 1, view: 0 });
    assert_persist_before_send(&out);
    let vcs = sent(&out);
    assert_eq!(vcs.len(), 1);
    assert_eq!(vcs[0].body.kind(), MessageKind::ViewChange);
    assert_eq!(vcs[0].body.view(), 1);
    assert!(c.status().in_view_change);
    // Reported again: nothing more (the view change is under way).
    assert!(c
        .handle(30, Input::LeaderUnreachable { height: 1, view: 0 })
        .is_empty());
}

#[test]
fn f_plus_one_view_changes_pull_a_node_into_the_higher_view() {
    let mut c = core(4, Some(1));
    let out = c.handle(
        0,
        Input::Message(view_change_message(
            &signed_view_change(2, 1, 3, None),
            None,
        )),
    );
    assert!(sent(&out).is_empty(), "one view change is only f");
    let out = c.handle(
        1,
        Input::Message(view_change_message(
            &signed_view_change(3, 1, 3, None),
            None,
        )),
    );
    let vcs = sent(&out);
    assert_eq!(vcs.len(), 1);
    assert_eq!(vcs[0].body.view(), 3);
    assert_eq!(c.status().view_change_target, Some(3));
}

#[test]
fn the_new_leader_re_proposes_the_highest_prepared_proposal() {
    // Sealer 2 leads view 1 at height 1.
    let mut c = core(4, Some(2));
    let (x, y) = (proposal(1), proposal(2));
    let old = prepared_certificate(&vote(1, 0, &y), &[0, 1, 3]);
    // Two certificates: y at view 0 and x at view 1 (view change to 2).
    let newer = prepared_certificate(&vote(1, 1, &x), &[0, 1, 3]);
    let mut out = Vec::new();
    for (signer, cert, p) in [(0, Some(newer), Some(x.clone())), (3, Some(old), Some(y))] {
        let svc = signed_view_change(signer, 1, 2, cert);
        out.extend(c.handle(0, Input::Message(view_change_message(&svc, p))));
    }
    // f+1 pulled it in; it is not the leader of view 2 (sealer 3 is), so no new view.
    assert_eq!(c.status().view_change_target, Some(2));
    assert!(!sent_kinds(&out).contains(&MessageKind::NewView));

    // Sealer 3 leads view 2: give it the same view changes plus its own quorum.
    let mut leader = core(4, Some(3));
    let newer = prepared_certificate(&vote(1, 1, &x), &[0, 1, 3]);
    let mut out = Vec::new();
    for signer in [0usize, 1] {
        let svc = signed_view_change(signer, 1, 2, Some(newer.clone()));
        out.extend(leader.handle(
            0,
            Input::Message(view_change_message(&svc, Some(x.clone()))),
        ));
    }
    let out2 = leader.handle(
        1,
        Input::Message(view_change_message(
            &signed_view_change(2, 1, 2, None),
            None,
        )),
    );
    out.extend(out2);
    assert_persist_before_send(&out);
    let nv = sent(&out)
        .into_iter()
        .find(|m| m.body.kind() == MessageKind::NewView)
        .expect("the leader starts view 2");
    let Body::NewView(nv_body) = &nv.body else {
        unreachable!()
    };
    assert_eq!(nv_body.reproposal, Some(hash(&x)));
    assert_eq!(nv.proposal.as_ref(), Some(&x));
    assert_eq!(leader.status().view, 2);
    assert!(!leader.status().in_view_change);
}

#[test]
fn a_restarted_node_resends_its_votes_and_never_signs_another() {
    // Sealer 2 prepares x at height 1, view 0, then crashes.
    let mut c = core(4, Some(2));
    let (x, y) = (proposal(1), proposal(2));
    c.handle(0, Input::Message(pre_prepare(1, 1, 0, &x)));
    let out = c.handle(
        1,
        Input::ProposalChecked {
            height: 1,
            view: 0,
            proposal_hash: hash(&x),
            valid: true,
        },
    );
    let records = persisted(&out);
    assert_eq!(records.len(), 1);
    let stored: Vec<Vec<u8>> = records.iter().map(VoteRecord::encode).collect();
    let prepare_bytes = sent(&out)[0].encode();

    // Restart from the stored records.
    let records: Vec<VoteRecord> = stored
        .iter()
        .map(|b| VoteRecord::decode(b, &Default::default()).unwrap())
        .collect();
    let (mut c, out) = Core::restore(
        consensus_config(TIMEOUT, None),
        sealer_key(2),
        sealer_set(4),
        0,
        records.clone(),
        50,
    )
    .unwrap();
    assert!(
        out.contains(&Output::Broadcast(prepare_bytes)),
        "the prepare is re-sent exactly"
    );
    // The leader equivocates to the restarted node: it must not prepare y.
    let out = c.handle(60, Input::Message(pre_prepare(1, 1, 0, &y)));
    assert!(persisted(&out).is_empty());
    assert!(sent(&out).is_empty());

    // A restarted leader does not propose a second block at the same place.
    let mut leader = core(4, Some(1));
    let out = leader.handle(
        0,
        Input::Propose {
            height: 1,
            view: 0,
            proposal: x.clone(),
        },
    );
    let (mut leader, _) = Core::restore(
        consensus_config(TIMEOUT, None),
        sealer_key(1),
        sealer_set(4),
        0,
        persisted(&out),
        10,
    )
    .unwrap();
    let out = leader.handle(
        11,
        Input::Propose {
            height: 1,
            view: 0,
            proposal: y,
        },
    );
    assert!(
        persisted(&out).is_empty() && sent(&out).is_empty(),
        "{out:?}"
    );
    assert!(matches!(
        dropped(&out).as_slice(),
        [weft_consensus::DropReason::UnwantedProposal { .. }]
    ));
}

#[test]
fn restore_refuses_conflicting_or_foreign_records() {
    let x = proposal(1);
    let y = proposal(2);
    let record = |signer: usize, p: &[u8]| VoteRecord {
        message: weft_consensus::SignedMessage::sign(
            &sealer_key(signer),
            2,
            Body::Prepare(vote(1, 0, p)),
            None,
        )
        .unwrap(),
        prepared: None,
    };
    let err = Core::restore(
        consensus_config(TIMEOUT, None),
        sealer_key(2),
        sealer_set(4),
        0,
        vec![record(2, &x), record(2, &y)],
        0,
    )
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::ConflictingRecords { height: 1, .. }),
        "{err}"
    );
    let err = Core::restore(
        consensus_config(TIMEOUT, None),
        sealer_key(2),
        sealer_set(4),
        0,
        vec![record(3, &x)],
        0,
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::ForeignRecord { .. }), "{err}");
    // Records of committed heights are ignored.
    assert!(Core::restore(
        consensus_config(TIMEOUT, None),
        sealer_key(2),
        sealer_set(4),
        1,
        vec![record(2, &x), record(2, &y)],
        0,
    )
    .is_ok());
}

#[test]
fn status_reports_height_view_leader_and_sealers() {
    let mut ls = Lockstep::new(4, 0);
    ls.max_height = 2;
    ls.run();
    let s = ls.cores[1].status();
    assert_eq!(s.height, 3);
    assert_eq!(s.committed_height, 2);
    assert_eq!(s.view, 0);
    assert_eq!(s.leader_index, 3); // (3 / 1 + 0) % 4
    assert_eq!(s.node_index, Some(1));
    assert_eq!(s.sealers.len(), 4);
    assert_eq!((s.quorum, s.max_faulty), (3, 1));
    assert!(!s.in_view_change);
    assert_eq!(s.phase, Phase::Ordering);
}

#[test]
fn synced_blocks_move_the_core_on_and_replay_buffered_messages() {
    let mut c = core(4, Some(1));
    let x = proposal(9);
    // Height 3's leader (sealer 3) proposes while this node is still at height 1.
    let mut p = 3u64.to_be_bytes().to_vec();
    p.extend_from_slice(&x);
    let p: alloy_primitives::Bytes = p.into();
    assert!(c
        .handle(0, Input::Message(pre_prepare(3, 3, 0, &p)))
        .is_empty());
    let out = c.handle(
        5,
        Input::SyncedTo {
            height: 2,
            next_sealers: None,
        },
    );
    assert_eq!(c.status().height, 3);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::ValidateProposal { height: 3, .. })),
        "the buffered pre-prepare is processed: {out:?}"
    );
}

#[test]
fn a_changed_sealer_list_takes_effect_at_the_next_height() {
    let mut c = core(4, Some(3));
    // Sealer 3 is removed after height 1: it becomes an observer.
    let out = c.handle(
        0,
        Input::Committed {
            height: 1,
            next_sealers: Some(sealer_set(3)),
        },
    );
    assert!(persisted(&out).is_empty());
    let s = c.status();
    assert_eq!(s.node_index, None);
    assert_eq!(s.sealers.len(), 3);
}

#[test]
fn a_single_sealer_commits_on_the_sm_suite_too() {
    use weft_crypto::{KeyPair, SecretKey, SuiteId};
    let key = KeyPair::from_secret(SuiteId::Sm, SecretKey::from_bytes([5; 32])).unwrap();
    let set =
        weft_consensus::SealerSet::equal_weights(&[weft_types::NodeId::from(key.public().0)], 1)
            .unwrap();
    let config = weft_consensus::ConsensusConfig {
        base_timeout_ms: TIMEOUT,
        ..weft_consensus::ConsensusConfig::new(SuiteId::Sm)
    };
    // A key of the other suite is refused.
    assert!(matches!(
        Core::new(config.clone(), sealer_key(0), set.clone(), 0, 0),
        Err(ConfigError::WrongSuite { .. })
    ));
    let (mut c, _) = Core::new(config, key, set.clone(), 0, 0).unwrap();
    let p = proposal(3);
    let p_hash = SuiteId::Sm.suite().hash(&p);
    let out = c.handle(
        1,
        Input::Propose {
            height: 1,
            view: 0,
            proposal: p,
        },
    );
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Execute { proposal_hash, .. } if *proposal_hash == p_hash)));
    let header = B256::repeat_byte(4);
    let out = c.handle(
        2,
        Input::Executed {
            height: 1,
            proposal_hash: p_hash,
            header_hash: header,
        },
    );
    let Some(Output::CommitBlock { signatures, .. }) =
        out.iter().find(|o| matches!(o, Output::CommitBlock { .. }))
    else {
        panic!("no commit: {out:?}")
    };
    verify_commit_certificate(SuiteId::Sm.suite(), 1, header, signatures, &set).unwrap();
}

#[test]
fn votes_signed_for_another_chain_or_group_are_dropped() {
    use weft_consensus::{ConsensusConfig, DropReason, SignedMessage};
    use weft_crypto::SuiteId;
    let domain = |chain, group| ConsensusConfig::chain_domain(SuiteId::Standard, chain, group);
    let config = ConsensusConfig {
        domain: domain(20, "group0"),
        ..consensus_config(TIMEOUT, None)
    };
    // Sealer 2 hears the pre-prepare of height 1's leader, sealer 1.
    let (mut c, _) = Core::new(config, sealer_key(2), sealer_set(4), 0, 0).unwrap();
    let p = proposal(1);
    let body = weft_consensus::Body::PrePrepare(vote(1, 0, &p));
    for other in [domain(20, "group1"), domain(21, "group0"), B256::ZERO] {
        let msg = SignedMessage::sign_in(&sealer_key(1), other, 1, body.clone(), Some(p.clone()))
            .unwrap()
            .encode();
        let out = c.handle(1, Input::Message(msg));
        assert!(
            out.iter().any(|o| matches!(
                o,
                Output::Dropped {
                    reason: DropReason::BadSignature { .. },
                    ..
                }
            )),
            "{out:?}"
        );
    }
    let good = SignedMessage::sign_in(&sealer_key(1), domain(20, "group0"), 1, body, Some(p))
        .unwrap()
        .encode();
    let out = c.handle(2, Input::Message(good));
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::ValidateProposal { .. })),
        "{out:?}"
    );
}
