use alloy_consensus::{SignableTransaction, Signed, TxEip1559, TxEip2930, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{address, hex, Signature};
use proptest::prelude::*;
use weft_crypto::{CryptoError, KeyPair, SecretKey, SuiteId};
use weft_types::{DecodeError, DecodeLimits, Transaction, TxError, TxKind, U256};

use crate::{native_tx, signed};

const LIMITS: DecodeLimits = DecodeLimits::DEFAULT;

/// The signed transaction of EIP-155's example (chain 1, key 0x4646…46).
const EIP155_RAW: [u8; 110] = hex!("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");

#[test]
fn eip155_example_decodes_and_recovers_its_sender() {
    let tx = Transaction::decode(&EIP155_RAW, &LIMITS).expect("decode");
    let Transaction::Ethereum(eth) = &tx else {
        panic!("expected an Ethereum transaction")
    };
    assert_eq!(eth.chain_id(), Some(1));
    assert_eq!(eth.nonce(), 9);
    assert_eq!(
        tx.to(),
        TxKind::Call(address!("3535353535353535353535353535353535353535"))
    );
    assert_eq!(tx.value(), U256::from(10u64).pow(U256::from(18)));
    assert_eq!(
        eth.envelope().signature_hash(),
        hex!("daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
    );
    assert_eq!(tx.encode(), EIP155_RAW.to_vec(), "re-encoding is canonical");
    // The Ethereum hash is Keccak-256 of the raw bytes, on an SM chain as well.
    let keccak = SuiteId::Standard.suite().hash(&EIP155_RAW);
    for suite in [SuiteId::Standard, SuiteId::Sm] {
        let verified = tx.clone().verify(suite.suite()).expect("verify");
        assert_eq!(
            verified.sender(),
            address!("9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F")
        );
        assert_eq!(verified.hash(), keccak);
    }
}

fn sign_eth<T: SignableTransaction<Signature>>(tx: T, key: &KeyPair) -> Signed<T> {
    let hash = tx.signature_hash();
    let raw = key.sign(&hash).expect("sign");
    let sig = Signature::from_bytes_and_parity(&raw[..64], raw[64] == 1);
    tx.into_signed(sig)
}

#[test]
fn typed_ethereum_transactions_round_trip_and_recover() {
    let key = KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([7; 32])).expect("key");
    let to = TxKind::Call(address!("00000000000000000000000000000000000000aa"));
    let eip1559 = TxEip1559 {
        chain_id: 20,
        nonce: 3,
        gas_limit: 50_000,
        max_fee_per_gas: 0,
        max_priority_fee_per_gas: 0,
        to,
        value: U256::from(5),
        access_list: Default::default(),
        input: vec![1, 2, 3].into(),
    };
    let eip2930 = TxEip2930 {
        chain_id: 20,
        nonce: 4,
        gas_price: 0,
        gas_limit: 50_000,
        to: TxKind::Create,
        value: U256::ZERO,
        access_list: Default::default(),
        input: vec![0x60, 0x00].into(),
    };
    let legacy = TxLegacy {
        chain_id: Some(20),
        nonce: 5,
        gas_price: 1,
        gas_limit: 21_000,
        to,
        value: U256::from(1),
        input: Default::default(),
    };
    let envelopes: Vec<TxEnvelope> = vec![
        sign_eth(eip1559, &key).into(),
        sign_eth(eip2930, &key).into(),
        sign_eth(legacy, &key).into(),
    ];
    for envelope in envelopes {
        let raw = envelope.encoded_2718();
        let tx = Transaction::decode(&raw, &LIMITS).expect("decode");
        assert_eq!(tx.encode(), raw);
        let verified = tx.verify(SuiteId::Standard.suite()).expect("verify");
        assert_eq!(verified.sender(), key.address());
        assert_eq!(verified.hash(), *envelope.tx_hash());
    }
}

#[test]
fn legacy_transaction_without_chain_id_is_refused() {
    let key = KeyPair::generate(SuiteId::Standard);
    let legacy = TxLegacy {
        chain_id: None,
        nonce: 0,
        gas_price: 0,
        gas_limit: 21_000,
        to: TxKind::Create,
        value: U256::ZERO,
        input: Default::default(),
    };
    let raw = TxEnvelope::from(sign_eth(legacy, &key)).encoded_2718();
    let tx = Transaction::decode(&raw, &LIMITS).expect("decodes");
    assert_eq!(
        tx.verify(SuiteId::Standard.suite()).unwrap_err(),
        TxError::MissingChainId
    );
}

#[test]
fn native_transactions_verify_in_both_suites() {
    for suite in [SuiteId::Standard, SuiteId::Sm] {
        let (key, tx) = signed(suite, 1);
        let raw = tx.encode();
        assert_eq!(raw[0], weft_types::NATIVE_TX_TYPE);
        let decoded = Transaction::decode(&raw, &LIMITS).expect("decode");
        assert_eq!(decoded, tx);
        let verified = decoded.verify(suite.suite()).expect("verify");
        assert_eq!(verified.sender(), key.address());
        assert_eq!(verified.hash(), tx.hash(suite.suite()));
        assert_eq!(verified.tx().native_nonce(), Some(U256::from(1)));
    }
}

#[test]
fn a_changed_field_changes_the_hash_and_the_recovered_sender() {
    let (key, tx) = signed(SuiteId::Standard, 1);
    let Transaction::Native(mut native) = tx else {
        unreachable!()
    };
    native.tx.gas_limit += 1;
    let verified = Transaction::Native(native).verify(SuiteId::Standard.suite());
    // secp256k1 recovers *some* key for another message; it must not be the signer's.
    if let Ok(v) = verified {
        assert_ne!(v.sender(), key.address());
    }
    let (_, tx) = signed(SuiteId::Sm, 1);
    let Transaction::Native(mut native) = tx else {
        unreachable!()
    };
    native.tx.block_limit += 1;
    assert_eq!(
        Transaction::Native(native)
            .verify(SuiteId::Sm.suite())
            .unwrap_err(),
        TxError::Signature(CryptoError::BadSignature)
    );
}

#[test]
fn a_signature_of_the_wrong_suite_is_a_typed_error() {
    let (_, tx) = signed(SuiteId::Standard, 1);
    let err = tx.verify(SuiteId::Sm.suite()).unwrap_err();
    assert!(
        matches!(
            err,
            TxError::Signature(CryptoError::SignatureLength {
                expected: 128,
                found: 65,
                ..
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("65 bytes"), "{err}");
}

#[test]
fn bad_bytes_give_typed_errors() {
    let (_, tx) = signed(SuiteId::Standard, 1);
    let raw = tx.encode();
    assert_eq!(
        Transaction::decode(&[], &LIMITS),
        Err(DecodeError::Empty {
            what: "transaction"
        })
    );
    for cut in [1, 2, raw.len() / 2, raw.len() - 1] {
        let err = Transaction::decode(&raw[..cut], &LIMITS).unwrap_err();
        assert!(
            matches!(err, DecodeError::Malformed { .. }),
            "cut {cut}: {err}"
        );
    }
    let mut trailing = raw.clone();
    trailing.push(0);
    assert!(matches!(
        Transaction::decode(&trailing, &LIMITS),
        Err(DecodeError::TrailingBytes { count: 1, .. })
    ));
    let small = DecodeLimits {
        max_tx_bytes: raw.len() - 1,
        ..LIMITS
    };
    assert!(matches!(
        Transaction::decode(&raw, &small),
        Err(DecodeError::TooLarge { .. })
    ));
    for ty in [0x00u8, 0x03, 0x04, 0x05, 0x7f, 0xbf] {
        assert_eq!(
            Transaction::decode(&[ty, 0xc0], &LIMITS),
            Err(DecodeError::UnsupportedTxType(ty))
        );
    }
    let mut eth_trailing = EIP155_RAW.to_vec();
    eth_trailing.push(0x80);
    assert!(Transaction::decode(&eth_trailing, &LIMITS).is_err());
}

#[test]
fn non_canonical_integers_are_refused() {
    // A native transaction whose chain id is encoded with a leading zero byte.
    let tx = native_tx(1);
    let key = KeyPair::generate(SuiteId::Standard);
    let raw = weft_types::Transaction::Native(tx.sign(&key).expect("sign")).encode();
    // Layout: 0x57, outer list header, inner list header, chain id (20 = 0x14).
    let pos = raw.iter().position(|b| *b == 0x14).expect("chain id byte");
    let mut bad = raw[..pos].to_vec();
    bad.extend_from_slice(&[0x82, 0x00, 0x14]);
    bad.extend_from_slice(&raw[pos + 1..]);
    assert!(Transaction::decode(&bad, &LIMITS).is_err());
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Transaction::decode(&bytes, &LIMITS);
        let mut native = vec![weft_types::NATIVE_TX_TYPE];
        native.extend_from_slice(&bytes);
        let _ = Transaction::decode(&native, &LIMITS);
    }

    #[test]
    fn native_transactions_round_trip(nonce in any::<u64>(), gas in any::<u64>(), input in proptest::collection::vec(any::<u8>(), 0..300), group in "[a-z0-9]{0,12}") {
        let mut tx = native_tx(nonce);
        tx.gas_limit = gas;
        tx.input = input.into();
        tx.group_id = group;
        let key = KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([3; 32])).expect("key");
        let tx = Transaction::Native(tx.sign(&key).expect("sign"));
        let decoded = Transaction::decode(&tx.encode(), &LIMITS).expect("decode");
        prop_assert_eq!(&decoded, &tx);
        prop_assert_eq!(decoded.verify(SuiteId::Standard.suite()).expect("verify").sender(), key.address());
    }
}
