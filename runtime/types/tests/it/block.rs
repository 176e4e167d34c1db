use alloy_primitives::{Address, Bytes, Log, B256, B512};
use proptest::prelude::*;
use weft_crypto::SuiteId;
use weft_types::{
    Block, BlockHeader, DecodeError, DecodeLimits, Receipt, SealerSignature, TransactionStatus,
};

use crate::signed;

const LIMITS: DecodeLimits = DecodeLimits::DEFAULT;

fn header() -> BlockHeader {
    BlockHeader {
        version: 1,
        number: 7,
        parent_hash: B256::repeat_byte(1),
        timestamp: 1_700_000_000_000,
        transactions_root: B256::repeat_byte(2),
        receipts_root: B256::repeat_byte(3),
        state_root: B256::repeat_byte(4),
        gas_used: 21_000,
        sealer: 1,
        sealer_list: vec![B512::repeat_byte(9), B512::repeat_byte(10)],
        consensus_weights: vec![1, 1],
        extra_data: Bytes::from_static(b"weft"),
    }
}

fn block(txs: usize) -> Block {
    Block {
        header: header(),
        signatures: vec![SealerSignature {
            sealer_index: 0,
            signature: vec![5u8; 65].into(),
        }],
        transactions: (0..txs)
            .map(|i| signed(SuiteId::Standard, i as u64).1)
            .collect(),
    }
}

#[test]
fn blocks_round_trip() {
    let b = block(5);
    assert_eq!(Block::decode(&b.encode(), &LIMITS).expect("decode"), b);
    let empty = Block::default();
    assert_eq!(
        Block::decode(&empty.encode(), &LIMITS).expect("decode"),
        empty
    );
}

#[test]
fn header_hash_covers_every_field_but_not_the_signatures() {
    let suite = SuiteId::Standard.suite();
    let base = header().hash(suite);
    let mut changed = header();
    changed.state_root = B256::repeat_byte(5);
    assert_ne!(changed.hash(suite), base);
    let mut changed = header();
    changed.consensus_weights = vec![1, 2];
    assert_ne!(changed.hash(suite), base);
    let mut b = block(1);
    let before = b.header.hash(suite);
    b.signatures.push(SealerSignature {
        sealer_index: 1,
        signature: vec![6u8; 65].into(),
    });
    assert_eq!(b.header.hash(suite), before);
    assert_ne!(
        header().hash(SuiteId::Sm.suite()),
        base,
        "the suite's hash is used"
    );
}

#[test]
fn block_limits_are_enforced() {
    let b = block(3);
    let raw = b.encode();
    let few = DecodeLimits {
        max_block_txs: 2,
        ..LIMITS
    };
    assert_eq!(
        Block::decode(&raw, &few),
        Err(DecodeError::TooMany {
            what: "block transaction list",
            count: 3,
            limit: 2
        })
    );
    let small = DecodeLimits {
        max_block_bytes: raw.len() - 1,
        ..LIMITS
    };
    assert!(matches!(
        Block::decode(&raw, &small),
        Err(DecodeError::TooLarge { what: "block", .. })
    ));
    let sealers = DecodeLimits {
        max_sealers: 1,
        ..LIMITS
    };
    assert!(matches!(
        Block::decode(&raw, &sealers),
        Err(DecodeError::TooMany {
            what: "block header sealer list",
            ..
        })
    ));
    let sigs = DecodeLimits {
        max_block_signatures: 0,
        ..LIMITS
    };
    assert!(matches!(
        Block::decode(&raw, &sigs),
        Err(DecodeError::TooMany {
            what: "block signature list",
            ..
        })
    ));
    for cut in [0, 1, raw.len() / 3, raw.len() - 1] {
        assert!(Block::decode(&raw[..cut], &LIMITS).is_err(), "cut at {cut}");
    }
    let mut trailing = raw;
    trailing.push(0x80);
    assert!(matches!(
        Block::decode(&trailing, &LIMITS),
        Err(DecodeError::TrailingBytes { .. })
    ));
}

fn receipt() -> Receipt {
    Receipt {
        status: TransactionStatus::RevertInstruction,
        gas_used: 30_000,
        output: Bytes::from_static(&[0x08, 0xc3, 0x79, 0xa0]),
        logs: vec![Log::new_unchecked(
            Address::repeat_byte(1),
            vec![B256::repeat_byte(2)],
            Bytes::from_static(b"data"),
        )],
        contract_address: Some(Address::repeat_byte(3)),
    }
}

#[test]
fn receipts_round_trip() {
    for r in [
        receipt(),
        Receipt {
            contract_address: None,
            logs: vec![],
            ..receipt()
        },
    ] {
        assert_eq!(Receipt::decode(&r.encode(), &LIMITS).expect("decode"), r);
    }
    assert_ne!(
        receipt().hash(SuiteId::Standard.suite()),
        receipt().hash(SuiteId::Sm.suite())
    );
}

#[test]
fn bad_receipts_give_typed_errors() {
    let mut five_topics = receipt();
    five_topics.logs = vec![Log::new_unchecked(
        Address::ZERO,
        vec![B256::ZERO; 5],
        Bytes::new(),
    )];
    assert!(matches!(
        Receipt::decode(&five_topics.encode(), &LIMITS),
        Err(DecodeError::TooMany {
            what: "log topics",
            count: 5,
            limit: 4
        })
    ));
    let mut many_logs = receipt();
    many_logs.logs = vec![receipt().logs[0].clone(); 3];
    let few = DecodeLimits {
        max_receipt_logs: 2,
        ..LIMITS
    };
    assert!(matches!(
        Receipt::decode(&many_logs.encode(), &few),
        Err(DecodeError::TooMany { .. })
    ));
    // Status 999 is not a code.
    let mut raw = receipt().encode();
    let pos = raw.iter().position(|b| *b == 16).expect("status byte");
    raw[pos] = 0x09; // status 9 has no meaning
    assert_eq!(
        Receipt::decode(&raw, &LIMITS),
        Err(DecodeError::UnknownStatus(9))
    );
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_as_blocks_or_receipts_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = Block::decode(&bytes, &LIMITS);
        let _ = Receipt::decode(&bytes, &LIMITS);
    }

    #[test]
    fn mutated_blocks_never_panic(flip in 0usize..4096, byte in any::<u8>()) {
        let mut raw = block(2).encode();
        let i = flip % raw.len();
        raw[i] = byte;
        let _ = Block::decode(&raw, &LIMITS);
    }
}
