use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use weft_crypto::{KeyPair, SuiteId};
use weft_ledger::{BlockCommit, Genesis, Ledger, StateChanges};
use weft_storage_rocksdb::RocksStorage;
use weft_types::{BlockHeader, DecodeLimits, NativeTx, Receipt, Transaction, TransactionStatus};

fn genesis(suite: SuiteId) -> Genesis {
    Genesis::new(
        77,
        "group0",
        suite,
        &[KeyPair::generate(suite).public().0.into()],
    )
}

/// Raw bytes as a client would send them: a native transaction signed in the chain's
/// suite, and an EIP-1559 transaction signed with secp256k1.
fn raw_transactions(suite: SuiteId, native_key: &KeyPair, eth_key: &KeyPair) -> Vec<Vec<u8>> {
    let native = NativeTx {
        chain_id: 77,
        group_id: "group0".into(),
        block_limit: 10,
        nonce: U256::from(12345),
        to: TxKind::Create,
        value: U256::ZERO,
        gas_limit: 1_000_000,
        input: Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xf3]),
        abi: "[]".into(),
    };
    assert_eq!(native_key.suite(), suite);
    let eth = TxEip1559 {
        chain_id: 77,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 0,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(Address::repeat_byte(1)),
        value: U256::ZERO,
        access_list: Default::default(),
        input: Bytes::new(),
    };
    let raw_sig = eth_key.sign(&eth.signature_hash()).expect("sign");
    let signed: TxEnvelope = eth
        .into_signed(Signature::from_bytes_and_parity(
            &raw_sig[..64],
            raw_sig[64] == 1,
        ))
        .into();
    vec![
        Transaction::Native(native.sign(native_key).expect("sign")).encode(),
        signed.encoded_2718(),
    ]
}

#[test]
fn transactions_of_both_forms_commit_on_both_suites_and_survive_reopen() {
    for suite in [SuiteId::Standard, SuiteId::Sm] {
        let dir = tempfile::tempdir().expect("tmp");
        let g = genesis(suite);
        let native_key = KeyPair::generate(suite);
        let eth_key = KeyPair::generate(SuiteId::Standard);
        let verified: Vec<_> = raw_transactions(suite, &native_key, &eth_key)
            .iter()
            .map(|raw| {
                Transaction::decode(raw, &DecodeLimits::DEFAULT)
                    .expect("decode")
                    .verify(suite.suite())
                    .expect("verify")
            })
            .collect();
        assert_eq!(verified[0].sender(), native_key.address());
        assert_eq!(verified[1].sender(), eth_key.address());
        let hashes: Vec<B256> = verified.iter().map(|t| t.hash()).collect();
        {
            let store = RocksStorage::open(dir.path(), weft_ledger::tables::ALL).expect("rocksdb");
            let ledger = Ledger::open(store, g.clone()).expect("ledger");
            let receipts = verified
                .iter()
                .map(|_| Receipt {
                    status: TransactionStatus::Success,
                    gas_used: 21_000,
                    output: Bytes::new(),
                    logs: vec![],
                    contract_address: None,
                })
                .collect();
            let mut commit = BlockCommit {
                header: BlockHeader {
                    number: 1,
                    parent_hash: ledger.head_hash(),
                    ..Default::default()
                },
                signatures: vec![],
                transactions: verified,
                receipts,
                state: StateChanges::new(),
                config: vec![],
                nodes: None,
            };
            commit.seal_roots(ledger.suite(), &ledger.state_root());
            ledger.commit_block(commit).expect("commit");
        }
        let store = RocksStorage::open(dir.path(), weft_ledger::tables::ALL).expect("reopen");
        let ledger = Ledger::open(store, g).expect("ledger");
        assert_eq!(ledger.total_transaction_count(), 2);
        let senders: Vec<Address> = hashes
            .iter()
            .map(|h| {
                ledger
                    .transaction(h)
                    .expect("read")
                    .expect("present")
                    .0
                    .sender()
            })
            .collect();
        assert_eq!(senders, vec![native_key.address(), eth_key.address()]);
        assert_eq!(
            ledger.block_nonces(1).expect("nonces"),
            vec![U256::from(12345)],
            "only native nonces"
        );
    }
}
