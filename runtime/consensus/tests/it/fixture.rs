//! Hand-driven cores and hand-made messages, for tests of single behaviours.

use std::collections::VecDeque;

use alloy_primitives::{Bytes, B256};
use weft_consensus::{
    Body, Core, Input, MessageKind, Output, PreparedCertificate, SealerSet, SignedMessage,
    SignedViewChange, ViewChange, Vote, VoteRecord,
};
use weft_crypto::{CryptoSuite, SuiteId};
use weft_types::SealerSignature;

use crate::sim::{consensus_config, sealer_key, sealer_set, toy_header};

pub fn suite() -> &'static dyn CryptoSuite {
    SuiteId::Standard.suite()
}

pub const TIMEOUT: u64 = 1_000;

/// A fresh core for sealer `index` of `n` (or an observer with key 100) at height 1.
pub fn core(n: usize, index: Option<usize>) -> Core {
    let key = sealer_key(index.unwrap_or(100));
    let (core, _) =
        Core::new(consensus_config(TIMEOUT, None), key, sealer_set(n), 0, 0).expect("core");
    core
}

pub fn proposal(tag: u8) -> Bytes {
    let mut p = 1u64.to_be_bytes().to_vec();
    p.extend_from_slice(&[tag; 40]);
    p.into()
}

pub fn hash(p: &[u8]) -> B256 {
    suite().hash(p)
}

/// A message of `kind`-body signed by sealer `signer`'s key but claiming `from`.
pub fn signed_as(signer: usize, from: u64, body: Body, proposal: Option<Bytes>) -> Bytes {
    SignedMessage::sign(&sealer_key(signer), from, body, proposal)
        .expect("sign")
        .encode()
}

pub fn signed(signer: usize, body: Body, proposal: Option<Bytes>) -> Bytes {
    signed_as(signer, signer as u64, body, proposal)
}

pub fn vote(height: u64, view: u64, p: &[u8]) -> Vote {
    Vote {
        height,
        view,
        proposal_hash: hash(p),
    }
}

pub fn pre_prepare(leader: usize, height: u64, view: u64, p: &Bytes) -> Bytes {
    signed(
        leader,
        Body::PrePrepare(vote(height, view, p)),
        Some(p.clone()),
    )
}

/// Signatures of `signers` on a vote of `kind`.
pub fn vote_signatures(kind: MessageKind, v: &Vote, signers: &[usize]) -> Vec<SealerSignature> {
    let h = v.signing_hash(kind, suite());
    signers
        .iter()
        .map(|&i| SealerSignature {
            sealer_index: i as u64,
            signature: sealer_key(i).sign(&h).expect("sign").into(),
        })
        .collect()
}

pub fn prepared_certificate(v: &Vote, signers: &[usize]) -> PreparedCertificate {
    PreparedCertificate {
        view: v.view,
        proposal_hash: v.proposal_hash,
        prepares: vote_signatures(MessageKind::Prepare, v, signers),
    }
}

pub fn signed_view_change(
    signer: usize,
    height: u64,
    to_view: u64,
    prepared: Option<PreparedCertificate>,
) -> SignedViewChange {
    let vc = ViewChange {
        height,
        to_view,
        prepared,
    };
    let sig = sealer_key(signer)
        .sign(&vc.signing_hash(suite()))
        .expect("sign");
    SignedViewChange {
        from: signer as u64,
        view_change: vc,
        signature: sig.into(),
    }
}

pub fn view_change_message(svc: &SignedViewChange, proposal: Option<Bytes>) -> Bytes {
    SignedMessage {
        from: svc.from,
        body: Body::ViewChange(svc.view_change.clone()),
        signature: svc.signature.clone(),
        proposal,
    }
    .encode()
}

pub fn decode(bytes: &Bytes) -> SignedMessage {
    SignedMessage::decode(bytes, &Default::default()).expect("decodes")
}

/// Messages the outputs send, decoded.
pub fn sent(outputs: &[Output]) -> Vec<SignedMessage> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Broadcast(b) | Output::Send { message: b, .. } => Some(decode(b)),
            _ => None,
        })
        .collect()
}

pub fn sent_kinds(outputs: &[Output]) -> Vec<MessageKind> {
    sent(outputs).iter().map(|m| m.body.kind()).collect()
}

pub fn persisted(outputs: &[Output]) -> Vec<VoteRecord> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

pub fn dropped(outputs: &[Output]) -> Vec<weft_consensus::DropReason> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Dropped { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

/// Every vote this node sends was persisted earlier in the same list.
pub fn assert_persist_before_send(outputs: &[Output]) {
    let mut persisted: Vec<Bytes> = Vec::new();
    for o in outputs {
        match o {
            Output::Persist(r) => persisted.push(r.message.encode()),
            Output::Broadcast(b) | Output::Send { message: b, .. } => {
                let m = decode(b);
                if m.body.kind() != MessageKind::CommittedProposal {
                    assert!(
                        persisted.contains(b),
                        "{:?} sent before it was persisted",
                        m.body.kind()
                    );
                }
            }
            _ => {}
        }
    }
}

/// Cores with instant, loss-free delivery and an obliging application: for tests of
/// whole-height behaviour without the simulator's faults.
pub struct Lockstep {
    pub cores: Vec<Core>,
    pub ledgers: Vec<Vec<B256>>,
    pub outputs: Vec<Vec<Output>>,
    /// Node whose executor returns a wrong header.
    pub wrong_executor: Option<usize>,
    /// Leaders propose blocks up to this height only.
    pub max_height: u64,
    pub now: u64,
    queue: VecDeque<(usize, Input)>,
    indices: Vec<Option<u64>>,
}

impl Lockstep {
    pub fn new(n: usize, observers: usize) -> Self {
        let mut cores = Vec::new();
        let mut indices = Vec::new();
        let mut initial = Vec::new();
        for i in 0..n + observers {
            let (key, index) = if i < n {
                (sealer_key(i), Some(i as u64))
            } else {
                (sealer_key(100 + i - n), None)
            };
            let set: SealerSet = sealer_set(n);
            let (core, outputs) =
                Core::new(consensus_config(TIMEOUT, None), key, set, 0, 0).expect("core");
            cores.push(core);
            indices.push(index);
            initial.push(outputs);
        }
        let count = cores.len();
        let mut ls = Lockstep {
            cores,
            ledgers: vec![Vec::new(); count],
            outputs: vec![Vec::new(); count],
            wrong_executor: None,
            max_height: 3,
            now: 0,
            queue: VecDeque::new(),
            indices,
        };
        for (i, outputs) in initial.into_iter().enumerate() {
            ls.queue.push_back((i, Input::PendingTransactions(true)));
            for o in &outputs {
                ls.react(i, o);
            }
        }
        ls
    }

    /// Deliver until nothing is left to do.
    pub fn run(&mut self) {
        let mut steps = 0;
        while let Some((i, input)) = self.queue.pop_front() {
            steps += 1;
            assert!(steps < 100_000, "lockstep cluster does not settle");
            let outputs = self.cores[i].handle(self.now, input);
            assert_persist_before_send(&outputs);
            for o in &outputs {
                self.react(i, o);
            }
            self.outputs[i].extend(outputs);
        }
    }

    fn react(&mut self, i: usize, o: &Output) {
        match o {
            Output::Broadcast(b) => {
                for j in 0..self.cores.len() {
                    if j != i {
                        self.queue.push_back((j, Input::Message(b.clone())));
                    }
                }
            }
            Output::Send { to, message } => {
                for j in 0..self.cores.len() {
                    if self.indices[j] == Some(*to) {
                        self.queue.push_back((j, Input::Message(message.clone())));
                    }
                }
            }
            Output::ProposalWanted { height, view } if *height <= self.max_height => {
                let mut p = height.to_be_bytes().to_vec();
                p.extend_from_slice(&view.to_be_bytes());
                p.extend_from_slice(&[i as u8; 32]);
                self.queue.push_back((
                    i,
                    Input::Propose {
                        height: *height,
                        view: *view,
                        proposal: p.into(),
                    },
                ));
            }
            Output::ValidateProposal {
                height,
                view,
                proposal_hash,
                ..
            } => self.queue.push_back((
                i,
                Input::ProposalChecked {
                    height: *height,
                    view: *view,
                    proposal_hash: *proposal_hash,
                    valid: true,
                },
            )),
            Output::Execute {
                height,
                proposal_hash,
                proposal,
            } => {
                let parent = self.ledgers[i].last().copied().unwrap_or(B256::ZERO);
                let mut header_hash = toy_header(suite(), parent, proposal);
                if self.wrong_executor == Some(i) {
                    header_hash = B256::repeat_byte(0xee);
                }
                self.queue.push_back((
                    i,
                    Input::Executed {
                        height: *height,
                        proposal_hash: *proposal_hash,
                        header_hash,
                    },
                ));
            }
            Output::CommitBlock {
                height,
                header_hash,
                ..
            } => {
                self.ledgers[i].push(*header_hash);
                self.queue.push_back((
                    i,
                    Input::Committed {
                        height: *height,
                        next_sealers: None,
                    },
                ));
            }
            _ => {}
        }
    }
}
