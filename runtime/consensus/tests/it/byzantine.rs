//! Byzantine messages: forged, misattributed, malformed or unsupported by a quorum.
//! Each must be dropped with a reason, and none may move the core.
//!
//! Node under test: sealer 1 of 4 at height 1 (leader of view 0 is sealer 1, of view 1
//! sealer 2, of view 2 sealer 3).

use alloy_primitives::{Bytes, B256};
use weft_consensus::{
    Body, CertificateError, Checkpoint, CommittedProposal, DropReason, Input, MessageKind, NewView,
    NewViewError, Output, Phase,
};

use crate::fixture::*;

fn feed(core: &mut weft_consensus::Core, bytes: Bytes) -> Vec<Output> {
    core.handle(10, Input::Message(bytes))
}

fn only_drop(outputs: &[Output]) -> DropReason {
    let drops = dropped(outputs);
    assert_eq!(drops.len(), 1, "expected exactly one drop: {outputs:?}");
    assert!(
        sent(outputs).is_empty() && persisted(outputs).is_empty(),
        "a dropped message made the core act: {outputs:?}"
    );
    drops[0].clone()
}

/// A replica (sealer 2) that is not the leader of view 0 at height 1.
fn replica() -> weft_consensus::Core {
    core(4, Some(2))
}

#[test]
fn garbage_bytes_are_a_decode_error_without_a_sender() {
    let mut c = replica();
    let out = c.handle(0, Input::Message(Bytes::from_static(b"\xc3\x01\x02\x03")));
    assert!(matches!(
        out.as_slice(),
        [Output::Dropped {
            from: None,
            reason: DropReason::Decode(_)
        }]
    ));
}

#[test]
fn forged_signature_is_dropped() {
    let mut c = replica();
    // Sealer 3 signs a prepare and claims to be sealer 0.
    let p = proposal(1);
    let forged = signed_as(3, 0, Body::Prepare(vote(1, 0, &p)), None);
    assert_eq!(
        only_drop(&feed(&mut c, forged)),
        DropReason::BadSignature {
            kind: MessageKind::Prepare,
            from: 0
        }
    );
    // A signature bit-flipped in transit.
    let mut msg = decode(&signed(0, Body::Commit(vote(1, 0, &p)), None));
    let mut sig = msg.signature.to_vec();
    sig[10] ^= 1;
    msg.signature = sig.into();
    assert!(matches!(
        only_drop(&feed(&mut c, msg.encode())),
        DropReason::BadSignature { .. }
    ));
    // A checkpoint signed over another header.
    let mut cp = decode(&signed(
        3,
        Body::Checkpoint(Checkpoint {
            height: 1,
            header_hash: B256::repeat_byte(1),
        }),
        None,
    ));
    cp.body = Body::Checkpoint(Checkpoint {
        height: 1,
        header_hash: B256::repeat_byte(2),
    });
    assert!(matches!(
        only_drop(&feed(&mut c, cp.encode())),
        DropReason::BadSignature { .. }
    ));
}

#[test]
fn sender_outside_the_sealer_list_is_dropped() {
    let mut c = replica();
    let p = proposal(1);
    let stranger = signed_as(100, 9, Body::Prepare(vote(1, 0, &p)), None);
    assert_eq!(
        only_drop(&feed(&mut c, stranger)),
        DropReason::UnknownSender {
            index: 9,
            sealers: 4
        }
    );
}

#[test]
fn a_message_claiming_the_receivers_own_index_is_dropped() {
    let mut c = replica();
    let p = proposal(1);
    let own = signed(2, Body::Prepare(vote(1, 0, &p)), None);
    assert_eq!(only_drop(&feed(&mut c, own)), DropReason::OwnIndex);
}

#[test]
fn proposal_bytes_that_do_not_match_the_hash_are_dropped() {
    let mut c = replica();
    let p = proposal(1);
    // The leader signs the hash of `p` but attaches other bytes.
    let msg = signed(1, Body::PrePrepare(vote(1, 0, &p)), Some(proposal(2)));
    assert!(matches!(
        only_drop(&feed(&mut c, msg)),
        DropReason::ProposalHashMismatch { .. }
    ));
    assert_eq!(c.status().phase, Phase::Ordering);
}

#[test]
fn pre_prepare_from_a_non_leader_is_dropped() {
    let mut c = replica();
    let p = proposal(1);
    assert_eq!(
        only_drop(&feed(&mut c, pre_prepare(3, 1, 0, &p))),
        DropReason::NotLeader {
            from: 3,
            view: 0,
            leader: 1
        }
    );
}

#[test]
fn an_equivocating_leader_gets_one_prepare_and_a_report() {
    let mut c = replica();
    let (x, y) = (proposal(1), proposal(2));
    let out = feed(&mut c, pre_prepare(1, 1, 0, &x));
    let validate = out
        .iter()
        .find_map(|o| match o {
            Output::ValidateProposal { proposal_hash, .. } => Some(*proposal_hash),
            _ => None,
        })
        .expect("asks to validate");
    let out = c.handle(
        11,
        Input::ProposalChecked {
            height: 1,
            view: 0,
            proposal_hash: validate,
            valid: true,
        },
    );
    assert_eq!(sent_kinds(&out), [MessageKind::Prepare]);
    assert!(matches!(
        only_drop(&feed(&mut c, pre_prepare(1, 1, 0, &y))),
        DropReason::Equivocation {
            from: 1,
            kind: MessageKind::PrePrepare,
            ..
        }
    ));
    // Two different prepares from one sealer: the second is reported.
    feed(&mut c, signed(3, Body::Prepare(vote(1, 0, &x)), None));
    assert!(matches!(
        only_drop(&feed(
            &mut c,
            signed(3, Body::Prepare(vote(1, 0, &y)), None)
        )),
        DropReason::Equivocation { from: 3, .. }
    ));
}

#[test]
fn an_invalid_proposal_gets_no_prepare() {
    let mut c = replica();
    let x = proposal(1);
    feed(&mut c, pre_prepare(1, 1, 0, &x));
    let out = c.handle(
        11,
        Input::ProposalChecked {
            height: 1,
            view: 0,
            proposal_hash: hash(&x),
            valid: false,
        },
    );
    assert!(sent(&out).is_empty());
}

#[test]
fn view_change_with_a_certificate_short_of_quorum_is_dropped() {
    let mut c = replica();
    let x = proposal(1);
    let v = vote(1, 0, &x);
    let weak = prepared_certificate(&v, &[0, 1]); // 2 < quorum 3
    let svc = signed_view_change(3, 1, 1, Some(weak));
    assert_eq!(
        only_drop(&feed(&mut c, view_change_message(&svc, Some(x.clone())))),
        DropReason::BadCertificate(CertificateError::InsufficientWeight {
            weight: 2,
            quorum: 3
        })
    );
    // A certificate with a forged prepare.
    let mut forged = prepared_certificate(&v, &[0, 1, 3]);
    forged.prepares[1].signature = forged.prepares[0].signature.clone();
    let svc = signed_view_change(3, 1, 1, Some(forged));
    assert_eq!(
        only_drop(&feed(&mut c, view_change_message(&svc, Some(x.clone())))),
        DropReason::BadCertificate(CertificateError::BadSignature { index: 1 })
    );
    // A certificate for the target view itself (it must be below it).
    let same_view = prepared_certificate(&vote(1, 1, &x), &[0, 1, 3]);
    let svc = signed_view_change(3, 1, 1, Some(same_view));
    assert_eq!(
        only_drop(&feed(&mut c, view_change_message(&svc, Some(x)))),
        DropReason::CertificateViewTooHigh {
            view: 1,
            to_view: 1
        }
    );
}

fn new_view_message(
    leader: usize,
    view: u64,
    vcs: Vec<weft_consensus::SignedViewChange>,
    reproposal: Option<&Bytes>,
) -> Bytes {
    signed(
        leader,
        Body::NewView(NewView {
            height: 1,
            view,
            view_changes: vcs,
            reproposal: reproposal.map(|p| hash(p)),
        }),
        reproposal.cloned(),
    )
}

#[test]
fn new_view_without_a_quorum_of_view_changes_is_dropped() {
    let mut c = core(4, Some(1));
    // Leader of view 1 is sealer 2; only two view changes.
    let vcs = vec![
        signed_view_change(2, 1, 1, None),
        signed_view_change(3, 1, 1, None),
    ];
    assert_eq!(
        only_drop(&feed(&mut c, new_view_message(2, 1, vcs, None))),
        DropReason::BadNewView(NewViewError::NoQuorum {
            weight: 2,
            quorum: 3
        })
    );
    // The same view change three times is still one sender.
    let vc = signed_view_change(3, 1, 1, None);
    assert_eq!(
        only_drop(&feed(
            &mut c,
            new_view_message(2, 1, vec![vc.clone(), vc.clone(), vc], None)
        )),
        DropReason::BadNewView(NewViewError::DuplicateSender { from: 3 })
    );
    assert_eq!(c.status().view, 0);
}

#[test]
fn new_view_with_a_forged_view_change_is_dropped() {
    let mut c = core(4, Some(1));
    let mut forged = signed_view_change(0, 1, 1, None);
    forged.from = 3; // sealer 0's signature passed off as sealer 3's
    let vcs = vec![
        signed_view_change(2, 1, 1, None),
        signed_view_change(1, 1, 1, None),
        forged,
    ];
    assert_eq!(
        only_drop(&feed(&mut c, new_view_message(2, 1, vcs, None))),
        DropReason::BadNewView(NewViewError::BadViewChangeSignature { from: 3 })
    );
    // View changes for another view.
    let vcs = vec![
        signed_view_change(0, 1, 2, None),
        signed_view_change(2, 1, 1, None),
        signed_view_change(3, 1, 1, None),
    ];
    assert!(matches!(
        only_drop(&feed(&mut c, new_view_message(2, 1, vcs, None))),
        DropReason::BadNewView(NewViewError::WrongViewChange { from: 0, .. })
    ));
}

#[test]
fn new_view_must_re_propose_the_highest_prepared_proposal() {
    let mut c = core(4, Some(1));
    let (x, y) = (proposal(1), proposal(2));
    let cert = prepared_certificate(&vote(1, 0, &x), &[0, 1, 3]);
    let vcs = || {
        vec![
            signed_view_change(0, 1, 1, Some(cert.clone())),
            signed_view_change(2, 1, 1, None),
            signed_view_change(3, 1, 1, None),
        ]
    };
    // Omitting the prepared proposal, or proposing another, is refused.
    for bad in [None, Some(&y)] {
        let drop = only_drop(&feed(&mut c, new_view_message(2, 1, vcs(), bad)));
        assert!(
            matches!(
                drop,
                DropReason::BadNewView(NewViewError::WrongReproposal { .. })
            ),
            "{drop:?}"
        );
    }
    // A new view from someone other than the leader of that view.
    assert!(matches!(
        only_drop(&feed(&mut c, new_view_message(3, 1, vcs(), Some(&x)))),
        DropReason::NotLeader { from: 3, .. }
    ));
    // The right one installs view 1 and the replica prepares x at once (a quorum
    // prepared it, so no new validation is needed).
    let out = feed(&mut c, new_view_message(2, 1, vcs(), Some(&x)));
    assert!(dropped(&out).is_empty(), "{out:?}");
    assert_eq!(c.status().view, 1);
    let prepares: Vec<_> = sent(&out)
        .into_iter()
        .filter(|m| m.body.kind() == MessageKind::Prepare)
        .collect();
    assert_eq!(prepares.len(), 1);
    assert_eq!(prepares[0].body, Body::Prepare(vote(1, 1, &x)));
}

#[test]
fn committed_proposal_needs_a_valid_commit_quorum() {
    let mut c = replica();
    let x = proposal(1);
    let v = vote(1, 0, &x);
    let relay = |commits| {
        signed(
            3,
            Body::CommittedProposal(CommittedProposal {
                height: 1,
                view: 0,
                proposal_hash: v.proposal_hash,
                commits,
            }),
            Some(x.clone()),
        )
    };
    // Prepare signatures are not commit signatures.
    let wrong_kind = vote_signatures(MessageKind::Prepare, &v, &[0, 1, 3]);
    assert!(matches!(
        only_drop(&feed(&mut c, relay(wrong_kind))),
        DropReason::BadCertificate(CertificateError::BadSignature { .. })
    ));
    let short = vote_signatures(MessageKind::Commit, &v, &[0, 3]);
    assert!(matches!(
        only_drop(&feed(&mut c, relay(short))),
        DropReason::BadCertificate(CertificateError::InsufficientWeight { .. })
    ));
    let good = vote_signatures(MessageKind::Commit, &v, &[0, 1, 3]);
    let out = feed(&mut c, relay(good));
    assert!(
        out.iter().any(|o| matches!(o, Output::Execute { proposal_hash, .. } if *proposal_hash == v.proposal_hash)),
        "{out:?}"
    );
}

#[test]
fn commits_without_quorum_decide_nothing() {
    let mut c = replica();
    let x = proposal(1);
    feed(&mut c, pre_prepare(1, 1, 0, &x));
    for signer in [0, 3] {
        let out = feed(&mut c, signed(signer, Body::Commit(vote(1, 0, &x)), None));
        assert!(!out.iter().any(|o| matches!(o, Output::Execute { .. })));
    }
    let out = feed(&mut c, signed(1, Body::Commit(vote(1, 0, &x)), None));
    assert!(out.iter().any(|o| matches!(o, Output::Execute { .. })));
}

#[test]
fn stale_and_far_future_heights_are_dropped_and_near_future_buffered() {
    let mut c = replica();
    let x = proposal(1);
    let stale = signed(3, Body::Prepare(vote(0, 0, &x)), None);
    assert_eq!(
        only_drop(&feed(&mut c, stale)),
        DropReason::StaleHeight {
            height: 0,
            committed: 0
        }
    );
    let far = signed(3, Body::Prepare(vote(50, 0, &x)), None);
    assert!(matches!(
        only_drop(&feed(&mut c, far)),
        DropReason::TooFarAhead { height: 50, .. }
    ));
    // Height 2 is buffered (silently) — but a forgery for height 2 is refused at once.
    let near = signed(3, Body::Prepare(vote(2, 0, &x)), None);
    assert!(feed(&mut c, near).is_empty());
    let forged_near = signed_as(0, 3, Body::Prepare(vote(2, 0, &x)), None);
    assert!(matches!(
        only_drop(&feed(&mut c, forged_near)),
        DropReason::BadSignature { .. }
    ));
}

#[test]
fn views_too_far_ahead_are_dropped() {
    let mut c = replica();
    let svc = signed_view_change(3, 1, 1_000, None);
    assert!(matches!(
        only_drop(&feed(&mut c, view_change_message(&svc, None))),
        DropReason::ViewTooFarAhead { view: 1_000, .. }
    ));
}
