//! `apply_block` and `serve` on their own: every acceptance rule, and that a refused
//! block writes nothing.

use alloy_primitives::{Bytes, B256};
use alloy_sol_types::SolCall;
use weft_consensus::CertificateError;
use weft_sync::{apply_block, sealer_set_at, serve, Request, SyncError, SyncLimits};
use weft_types::{Block, SealerSignature, Transaction};

use crate::fixture::{resign_all, setCall, signatures_by, Fresh, Source};

fn blocks(source: &Source) -> Vec<Block> {
    (0..=source.height())
        .map(|n| source.ledger.block(n).unwrap().unwrap())
        .collect()
}

#[test]
fn blocks_apply_in_order_and_report_what_they_committed() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 3);
    let chain = blocks(&source);
    let node = Fresh::new(&source.genesis);
    let err = apply_block(&node.ledger, &node.executor, chain[2].clone()).unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::NotNext {
                expected: 1,
                got: 2
            }
        ),
        "{err}"
    );
    assert!(!err.is_peer_fault() && !err.is_fatal());
    for block in &chain[1..] {
        let applied = apply_block(&node.ledger, &node.executor, block.clone()).unwrap();
        assert_eq!(applied.block, *block);
        assert_eq!(applied.hash, block.header.hash(source.ledger.suite()));
        assert_eq!(applied.tx_hashes.len(), block.transactions.len());
        assert_eq!(
            applied.receipts,
            source.ledger.block_receipts(block.header.number).unwrap()
        );
        assert!(applied.next_nodes.is_none());
    }
    assert_eq!(node.head(), (3, source.ledger.head_hash()));
    assert_eq!(node.ledger.state_root(), source.ledger.state_root());
    // Applying a block twice is refused harmlessly.
    let err = apply_block(&node.ledger, &node.executor, chain[3].clone()).unwrap_err();
    assert!(matches!(
        err,
        SyncError::NotNext {
            expected: 4,
            got: 3
        }
    ));
}

#[test]
fn quorum_is_by_weight_at_the_blocks_height() {
    // Weights 1, 1, 1, 2: total 5, f = 1, quorum 4.
    let source = Source::with_blocks(&[1, 1, 1, 2], 1);
    let block = source.ledger.block(1).unwrap().unwrap();
    let (_, sealers) = sealer_set_at(&source.ledger, 1).unwrap();
    let node = Fresh::new(&source.genesis);

    let mut three_light = block.clone();
    three_light.signatures = signatures_by(&sealers, &block.header, &[0, 1, 2]);
    let err = apply_block(&node.ledger, &node.executor, three_light).unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Certificate {
                number: 1,
                source: CertificateError::InsufficientWeight {
                    weight: 3,
                    quorum: 4
                }
            }
        ),
        "{err}"
    );
    assert!(err.is_peer_fault());
    assert_eq!(node.ledger.block_number(), 0);

    let mut heavy = block;
    heavy.signatures = signatures_by(&sealers, &heavy.header, &[0, 3]);
    // Weight 1 + 2 = 3 is still short; with one more it is a quorum.
    assert!(apply_block(&node.ledger, &node.executor, heavy.clone()).is_err());
    heavy.signatures = signatures_by(&sealers, &heavy.header, &[1, 2, 3]);
    apply_block(&node.ledger, &node.executor, heavy).unwrap();
    assert_eq!(node.head(), (1, source.ledger.head_hash()));
}

type Tamper = fn(&Source, &mut Block);

/// Each way a block can be wrong, what it must be refused with, and that the node then
/// still accepts the genuine block.
#[test]
fn every_acceptance_rule_refuses_and_writes_nothing() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 2);
    let genuine = source.ledger.block(2).unwrap().unwrap();
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "parent",
            |s, b| {
                b.header.parent_hash = B256::repeat_byte(1);
                resign_all(s, b);
            },
            "names parent",
        ),
        (
            "forged signature",
            |_, b| {
                let mut sig = b.signatures[1].signature.to_vec();
                sig[3] ^= 1;
                b.signatures[1].signature = sig.into();
            },
            "the signature of sealer",
        ),
        (
            "signature over another block",
            |s, b| {
                let other = s.ledger.block(1).unwrap().unwrap();
                b.signatures = other.signatures;
            },
            "does not verify",
        ),
        (
            "duplicate signer",
            |_, b| {
                let first = b.signatures[0].clone();
                b.signatures[1] = first;
            },
            "appears twice",
        ),
        (
            "unknown signer",
            |_, b| {
                b.signatures.push(SealerSignature {
                    sealer_index: 7,
                    signature: Bytes::from(vec![0u8; 65]),
                })
            },
            "signer 7 is not a sealer (there are 4)",
        ),
        (
            "no signatures",
            |_, b| b.signatures.clear(),
            "signers carry weight 0, short of the quorum 3",
        ),
        (
            "sealer list",
            |s, b| {
                b.header.sealer_list.swap(0, 1);
                resign_all(s, b);
            },
            "lists sealers or weights that differ from the node list in force at height 2",
        ),
        (
            "weights",
            |s, b| {
                b.header.consensus_weights[0] = 5;
                resign_all(s, b);
            },
            "lists sealers or weights that differ",
        ),
        (
            "proposer index",
            |s, b| {
                b.header.sealer = 9;
                resign_all(s, b);
            },
            "names sealer 9 but has only 4 sealers",
        ),
        (
            "transaction input",
            |_, b| {
                if let Transaction::Native(signed) = &mut b.transactions[1] {
                    signed.tx.input = setCall { name_: "x".into() }.abi_encode().into();
                }
            },
            "block 2",
        ),
        (
            "missing transaction",
            |_, b| {
                b.transactions.pop();
            },
            "transactions root",
        ),
        (
            "state root",
            |s, b| {
                b.header.state_root = B256::repeat_byte(7);
                resign_all(s, b);
            },
            "state root is 0x0707",
        ),
        (
            "receipts root",
            |s, b| {
                b.header.receipts_root = B256::repeat_byte(8);
                resign_all(s, b);
            },
            "receipts root is",
        ),
        (
            "gas used",
            |s, b| {
                b.header.gas_used += 1;
                resign_all(s, b);
            },
            "gas used is",
        ),
        (
            "version",
            |s, b| {
                b.header.version = 99;
                resign_all(s, b);
            },
            "version is 99 in the received header but 1 locally",
        ),
    ];

    let node = Fresh::new(&source.genesis);
    apply_block(
        &node.ledger,
        &node.executor,
        source.ledger.block(1).unwrap().unwrap(),
    )
    .unwrap();
    let state_before = node.ledger.state_with_prefix(&[]).unwrap();
    for (name, tamper, expected) in cases {
        let mut block = genuine.clone();
        tamper(&source, &mut block);
        let err = apply_block(&node.ledger, &node.executor, block).unwrap_err();
        assert!(err.is_peer_fault(), "{name}: {err}");
        assert!(err.to_string().contains(expected), "{name}: {err}");
        assert_eq!(node.ledger.block_number(), 1, "{name} wrote a block");
        assert_eq!(
            node.ledger.state_with_prefix(&[]).unwrap(),
            state_before,
            "{name} changed the state"
        );
    }
    apply_block(&node.ledger, &node.executor, genuine).unwrap();
    assert_eq!(node.ledger.state_root(), source.ledger.state_root());
}

#[test]
fn serve_is_bounded_by_count_head_and_bytes() {
    let source = Source::with_blocks(&[1, 1, 1, 1], 12);
    let limits = SyncLimits::DEFAULT;
    let numbers = |r: &weft_sync::Response| -> Vec<u64> {
        r.blocks.iter().map(|b| b.header.number).collect()
    };
    let r = serve(&source.ledger, &Request { first: 3, count: 8 }, &limits).unwrap();
    assert_eq!(numbers(&r), (3..=10).collect::<Vec<_>>());
    assert_eq!(r.blocks[0], source.ledger.block(3).unwrap().unwrap());
    // More than 8 is cut to 8 (a decoded request never asks for more).
    let r = serve(
        &source.ledger,
        &Request {
            first: 1,
            count: 50,
        },
        &limits,
    )
    .unwrap();
    assert_eq!(r.blocks.len(), 8);
    // Up to the head.
    let r = serve(
        &source.ledger,
        &Request {
            first: 10,
            count: 8,
        },
        &limits,
    )
    .unwrap();
    assert_eq!(numbers(&r), [10, 11, 12]);
    // Nothing past it.
    let r = serve(
        &source.ledger,
        &Request {
            first: 13,
            count: 8,
        },
        &limits,
    )
    .unwrap();
    assert!(r.blocks.is_empty());
    // A byte budget keeps at least one block.
    let one_block = source.ledger.block(5).unwrap().unwrap().encode().len();
    let tight = SyncLimits {
        max_message_bytes: 10 + 2 * one_block + 20,
        ..limits
    };
    let r = serve(&source.ledger, &Request { first: 5, count: 8 }, &tight).unwrap();
    assert_eq!(numbers(&r), [5, 6]);
    let tiny = SyncLimits {
        max_message_bytes: 1,
        ..limits
    };
    let r = serve(&source.ledger, &Request { first: 5, count: 8 }, &tiny).unwrap();
    assert_eq!(numbers(&r), [5]);
}
