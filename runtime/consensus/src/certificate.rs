//! Checking signatures: single messages, quorum certificates, new views, and the commit
//! certificate that block sync checks too.

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{Bytes, B256};
use weft_crypto::CryptoSuite;
use weft_types::{NodeId, SealerSignature};

use crate::config::SealerSet;
use crate::error::{CertificateError, DropReason, NewViewError};
use crate::message::{
    Body, MessageKind, PreparedCertificate, SignedMessage, SignedViewChange, ViewChange, Vote,
};

/// Check that `signatures` are a quorum of `sealers` signing `header_hash`: the commit
/// certificate of block `height`, as [`crate::Output::CommitBlock`] produces and a
/// block's signature list stores.
///
/// Block sync and observers use this before they accept a block they did not see
/// agreed. Every signature is verified; signers must be distinct sealers whose weights
/// reach the quorum.
pub fn verify_commit_certificate(
    suite: &dyn CryptoSuite,
    height: u64,
    header_hash: B256,
    signatures: &[SealerSignature],
    sealers: &SealerSet,
) -> Result<(), CertificateError> {
    // The height is part of the header the hash commits to; it is taken here so that
    // callers state what they check, and for tracing.
    tracing::trace!(height, %header_hash, signers = signatures.len(), "checking commit certificate");
    let mut cache = SignatureCache::default();
    check_quorum(
        suite,
        &mut cache,
        sealers,
        header_hash,
        signatures,
        sealers.quorum(),
        height,
    )
}

/// Signatures this node already verified, so that a signature seen as a message and again
/// inside a certificate or new view is checked once. Keyed by signer key, not index, so
/// an entry stays right when the sealer list changes.
#[derive(Debug, Default)]
pub(crate) struct SignatureCache {
    verified: HashMap<(NodeId, B256, Bytes), u64>,
}

impl SignatureCache {
    /// Entries beyond this are dropped wholesale; the cache only saves work.
    const MAX_ENTRIES: usize = 1 << 16;

    pub(crate) fn verify(
        &mut self,
        suite: &dyn CryptoSuite,
        sealers: &SealerSet,
        index: u64,
        hash: B256,
        signature: &Bytes,
        height: u64,
    ) -> bool {
        let Some(sealer) = sealers.get(index) else {
            return false;
        };
        let key = (sealer.node_id, hash, signature.clone());
        if self.verified.contains_key(&key) {
            return true;
        }
        let public = weft_crypto::PublicKey(sealer.node_id.0);
        if suite.verify(&public, &hash, signature).is_err() {
            return false;
        }
        if self.verified.len() >= Self::MAX_ENTRIES {
            self.verified.clear();
        }
        self.verified.insert(key, height);
        true
    }

    /// Forget entries for heights below `height`.
    pub(crate) fn prune_below(&mut self, height: u64) {
        self.verified.retain(|_, h| *h >= height);
    }
}

/// Check distinct signers, valid signatures and quorum weight.
pub(crate) fn check_quorum(
    suite: &dyn CryptoSuite,
    cache: &mut SignatureCache,
    sealers: &SealerSet,
    hash: B256,
    signatures: &[SealerSignature],
    quorum: u64,
    height: u64,
) -> Result<(), CertificateError> {
    let mut seen = Vec::with_capacity(signatures.len());
    for s in signatures {
        if sealers.get(s.sealer_index).is_none() {
            return Err(CertificateError::UnknownSigner {
                index: s.sealer_index,
                sealers: sealers.len(),
            });
        }
        if seen.contains(&s.sealer_index) {
            return Err(CertificateError::DuplicateSigner {
                index: s.sealer_index,
            });
        }
        seen.push(s.sealer_index);
    }
    let weight = sealers.weight_of(seen.iter().copied());
    if weight < quorum {
        return Err(CertificateError::InsufficientWeight { weight, quorum });
    }
    for s in signatures {
        if !cache.verify(suite, sealers, s.sealer_index, hash, &s.signature, height) {
            return Err(CertificateError::BadSignature {
                index: s.sealer_index,
            });
        }
    }
    Ok(())
}

/// Everything that verification needs besides the message.
pub(crate) struct Verifier<'a> {
    pub suite: &'static dyn CryptoSuite,
    /// The chain's signing domain ([`crate::ConsensusConfig::domain`]).
    pub domain: B256,
    pub sealers: &'a SealerSet,
    pub quorum: u64,
    pub cache: &'a mut SignatureCache,
}

impl Verifier<'_> {
    /// Check a message completely: sender, signature, attached proposal hash, and every
    /// certificate or view change it carries. Context (height, view, leader) is the
    /// core's business.
    pub(crate) fn message(&mut self, msg: &SignedMessage) -> Result<(), DropReason> {
        let height = msg.body.height();
        if self.sealers.get(msg.from).is_none() {
            return Err(DropReason::UnknownSender {
                index: msg.from,
                sealers: self.sealers.len(),
            });
        }
        if let (Some(claimed), Some(bytes)) = (msg.body.attached_proposal_hash(), &msg.proposal) {
            let actual = self.suite.hash(bytes);
            if actual != claimed {
                return Err(DropReason::ProposalHashMismatch { claimed, actual });
            }
        }
        let hash = msg.body.signing_hash_in(self.suite, self.domain);
        if !self.cache.verify(
            self.suite,
            self.sealers,
            msg.from,
            hash,
            &msg.signature,
            height,
        ) {
            return Err(DropReason::BadSignature {
                kind: msg.body.kind(),
                from: msg.from,
            });
        }
        match &msg.body {
            Body::ViewChange(vc) => self.view_change_certificate(vc).map_err(|e| match e {
                CertOrView::Cert(c) => DropReason::BadCertificate(c),
                CertOrView::ViewTooHigh { view, to_view } => {
                    DropReason::CertificateViewTooHigh { view, to_view }
                }
            }),
            Body::NewView(nv) => {
                self.new_view(nv.height, nv.view, &nv.view_changes, nv.reproposal)?;
                Ok(())
            }
            Body::CommittedProposal(c) => {
                let vote = Vote {
                    height: c.height,
                    view: c.view,
                    proposal_hash: c.proposal_hash,
                };
                check_quorum(
                    self.suite,
                    self.cache,
                    self.sealers,
                    vote.signing_hash_in(MessageKind::Commit, self.suite, self.domain),
                    &c.commits,
                    self.quorum,
                    height,
                )?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Check a prepared certificate for `height`.
    pub(crate) fn prepared(
        &mut self,
        height: u64,
        cert: &PreparedCertificate,
    ) -> Result<(), CertificateError> {
        let vote = Vote {
            height,
            view: cert.view,
            proposal_hash: cert.proposal_hash,
        };
        check_quorum(
            self.suite,
            self.cache,
            self.sealers,
            vote.signing_hash_in(MessageKind::Prepare, self.suite, self.domain),
            &cert.prepares,
            self.quorum,
            height,
        )
    }

    fn view_change_certificate(&mut self, vc: &ViewChange) -> Result<(), CertOrView> {
        if let Some(cert) = &vc.prepared {
            if cert.view >= vc.to_view {
                return Err(CertOrView::ViewTooHigh {
                    view: cert.view,
                    to_view: vc.to_view,
                });
            }
            self.prepared(vc.height, cert).map_err(CertOrView::Cert)?;
        }
        Ok(())
    }

    /// Check a new view's set of view changes and its re-proposal; return the
    /// re-proposal the set requires.
    pub(crate) fn new_view(
        &mut self,
        height: u64,
        view: u64,
        view_changes: &[SignedViewChange],
        reproposal: Option<B256>,
    ) -> Result<Option<B256>, NewViewError> {
        let mut senders = Vec::with_capacity(view_changes.len());
        for svc in view_changes {
            let vc = &svc.view_change;
            if vc.height != height || vc.to_view != view {
                return Err(NewViewError::WrongViewChange {
                    from: svc.from,
                    height: vc.height,
                    to_view: vc.to_view,
                });
            }
            if self.sealers.get(svc.from).is_none() {
                return Err(NewViewError::UnknownSender { from: svc.from });
            }
            if senders.contains(&svc.from) {
                return Err(NewViewError::DuplicateSender { from: svc.from });
            }
            senders.push(svc.from);
        }
        let weight = self.sealers.weight_of(senders.iter().copied());
        if weight < self.quorum {
            return Err(NewViewError::NoQuorum {
                weight,
                quorum: self.quorum,
            });
        }
        for svc in view_changes {
            let hash = svc.view_change.signing_hash_in(self.suite, self.domain);
            if !self.cache.verify(
                self.suite,
                self.sealers,
                svc.from,
                hash,
                &svc.signature,
                height,
            ) {
                return Err(NewViewError::BadViewChangeSignature { from: svc.from });
            }
            self.view_change_certificate(&svc.view_change)
                .map_err(|e| match e {
                    CertOrView::Cert(error) => NewViewError::BadCertificate {
                        from: svc.from,
                        error,
                    },
                    CertOrView::ViewTooHigh { view, to_view } => {
                        NewViewError::CertificateViewTooHigh {
                            from: svc.from,
                            view,
                            to_view,
                        }
                    }
                })?;
        }
        let expected = highest_prepared(view_changes.iter().map(|s| &s.view_change))?;
        if expected != reproposal {
            return Err(NewViewError::WrongReproposal {
                expected,
                found: reproposal,
            });
        }
        Ok(expected)
    }
}

enum CertOrView {
    Cert(CertificateError),
    ViewTooHigh { view: u64, to_view: u64 },
}

/// The proposal of the highest-view prepared certificate among `view_changes`: the one
/// a new view must re-propose. Two certificates at the same highest view for different
/// proposals cannot come from a quorum with at most f faulty weight, so they make the
/// set invalid.
pub(crate) fn highest_prepared<'a>(
    view_changes: impl Iterator<Item = &'a ViewChange>,
) -> Result<Option<B256>, NewViewError> {
    let mut by_view: BTreeMap<u64, B256> = BTreeMap::new();
    for vc in view_changes {
        if let Some(cert) = &vc.prepared {
            if let Some(&other) = by_view.get(&cert.view) {
                if other != cert.proposal_hash {
                    return Err(NewViewError::ConflictingCertificates { view: cert.view });
                }
            }
            by_view.insert(cert.view, cert.proposal_hash);
        }
    }
    Ok(by_view.last_key_value().map(|(_, h)| *h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_crypto::{KeyPair, SecretKey, SuiteId};

    fn keys(n: usize) -> (Vec<KeyPair>, SealerSet) {
        let keys: Vec<KeyPair> = (0..n)
            .map(|i| {
                KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([i as u8 + 1; 32]))
                    .unwrap()
            })
            .collect();
        let ids: Vec<NodeId> = keys.iter().map(|k| NodeId::from(k.public().0)).collect();
        let set = SealerSet::equal_weights(&ids, 1).unwrap();
        (keys, set)
    }

    fn sign_all(keys: &[KeyPair], idx: &[u64], hash: B256) -> Vec<SealerSignature> {
        idx.iter()
            .map(|&i| SealerSignature {
                sealer_index: i,
                signature: keys[i as usize].sign(&hash).unwrap().into(),
            })
            .collect()
    }

    #[test]
    fn commit_certificate_needs_distinct_valid_quorum() {
        let (keys, set) = keys(4);
        let suite = SuiteId::Standard.suite();
        let hash = B256::repeat_byte(9);
        let good = sign_all(&keys, &[0, 2, 3], hash);
        verify_commit_certificate(suite, 5, hash, &good, &set).unwrap();
        assert!(matches!(
            verify_commit_certificate(suite, 5, hash, &good[..2], &set),
            Err(CertificateError::InsufficientWeight {
                weight: 2,
                quorum: 3
            })
        ));
        let mut dup = good.clone();
        dup[2] = dup[0].clone();
        assert!(matches!(
            verify_commit_certificate(suite, 5, hash, &dup, &set),
            Err(CertificateError::DuplicateSigner { index: 0 })
        ));
        let mut wrong_index = good.clone();
        wrong_index[1].sealer_index = 1; // sealer 2's signature claimed as sealer 1's
        assert!(matches!(
            verify_commit_certificate(suite, 5, hash, &wrong_index, &set),
            Err(CertificateError::BadSignature { index: 1 })
        ));
        let mut stranger = good.clone();
        stranger[0].sealer_index = 7;
        assert!(matches!(
            verify_commit_certificate(suite, 5, hash, &stranger, &set),
            Err(CertificateError::UnknownSigner { index: 7, .. })
        ));
        assert!(verify_commit_certificate(suite, 5, B256::ZERO, &good, &set).is_err());
    }

    #[test]
    fn highest_prepared_picks_the_highest_view_and_rejects_conflicts() {
        let cert = |view, byte| {
            Some(PreparedCertificate {
                view,
                proposal_hash: B256::repeat_byte(byte),
                prepares: vec![],
            })
        };
        let vc = |prepared| ViewChange {
            height: 1,
            to_view: 5,
            prepared,
        };
        let set = [vc(cert(1, 1)), vc(None), vc(cert(3, 2)), vc(cert(1, 1))];
        assert_eq!(
            highest_prepared(set.iter()).unwrap(),
            Some(B256::repeat_byte(2))
        );
        assert_eq!(highest_prepared([vc(None)].iter()).unwrap(), None);
        assert!(matches!(
            highest_prepared([vc(cert(2, 1)), vc(cert(2, 3))].iter()),
            Err(NewViewError::ConflictingCertificates { view: 2 })
        ));
    }
}
