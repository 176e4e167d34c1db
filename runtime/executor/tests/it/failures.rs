//! Failures give receipts or errors that say what happened, and change nothing.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};
use alloy_sol_types::{sol, SolCall};
use weft_crypto::{KeyPair, SuiteId};
use weft_executor::{CallRequest, ExecError};
use weft_types::{DecodeLimits, Transaction, TransactionStatus, VerifiedTx};

use crate::{bytecode, Chain};

sol! {
    function get() returns (string);
    function set(string name_);
    function transfer(address to, uint256 amount) returns (bool);
}

fn get(chain: &Chain<weft_storage::memory::MemoryStorage>, hello: Address) -> String {
    getCall::abi_decode_returns(&chain.call(hello, getCall {}.abi_encode()).output).expect("decode")
}

#[test]
fn out_of_gas_rolls_back_and_uses_all_gas() {
    let mut chain = Chain::new();
    let hello = chain.deploy(bytecode("0.8.37", "HelloWorld"), &[]);
    let tx = chain.tx(
        TxKind::Call(hello),
        setCall {
            name_: "out of gas".into(),
        }
        .abi_encode(),
        23_500,
    );
    let receipt = chain.block(vec![tx]).remove(0);
    assert_eq!(receipt.status, TransactionStatus::OutOfGas);
    assert_eq!(receipt.gas_used, 23_500);
    assert!(receipt.logs.is_empty());
    assert_eq!(get(&chain, hello), "Hello, World!");
}

#[test]
fn gas_limits_of_the_chain_are_enforced() {
    let mut chain = Chain::new();
    let hello = chain.deploy(bytecode("0.8.37", "HelloWorld"), &[]);
    let over_tx_limit = chain.tx(
        TxKind::Call(hello),
        setCall { name_: "x".into() }.abi_encode(),
        3_000_000_001,
    );
    let ok = chain.tx(
        TxKind::Call(hello),
        setCall { name_: "y".into() }.abi_encode(),
        100_000,
    );
    let receipts = chain.block(vec![over_tx_limit, ok]);
    assert_eq!(receipts[0].status, TransactionStatus::OutOfGasLimit);
    assert_eq!(receipts[0].gas_used, 0);
    assert!(receipts[1].status.is_success());
    assert_eq!(get(&chain, hello), "y");
    // Below the intrinsic cost (21,000 plus calldata).
    let tiny = chain.tx(
        TxKind::Call(hello),
        setCall { name_: "z".into() }.abi_encode(),
        21_000,
    );
    assert_eq!(
        chain.block(vec![tiny])[0].status,
        TransactionStatus::OutOfGasLimit
    );
    assert_eq!(get(&chain, hello), "y");
}

#[test]
fn malformed_calldata_reverts_without_effect() {
    let mut chain = Chain::new();
    let token = chain.deploy(
        bytecode("0.8.11", "ERC20Token"),
        &alloy_sol_types::SolValue::abi_encode_params(&(
            "T".to_string(),
            "T".to_string(),
            U256::from(10),
        )),
    );
    let unknown_selector = chain.send(TxKind::Call(token), vec![0xde, 0xad, 0xbe, 0xef, 1, 2, 3]);
    assert_eq!(
        unknown_selector.status,
        TransactionStatus::RevertInstruction
    );
    assert!(unknown_selector.output.is_empty());
    let mut truncated = transferCall {
        to: Address::repeat_byte(1),
        amount: U256::from(1),
    }
    .abi_encode();
    truncated.truncate(20);
    let r = chain.send(TxKind::Call(token), truncated);
    assert_eq!(r.status, TransactionStatus::RevertInstruction);
    assert!(r.logs.is_empty());
}

#[test]
fn calling_an_address_without_code_succeeds_with_no_output() {
    // As on Ethereum: a call to an account without code is a plain transfer.
    let mut chain = Chain::new();
    let r = chain.send(TxKind::Call(Address::repeat_byte(0x77)), vec![1, 2, 3, 4]);
    assert_eq!(r.status, TransactionStatus::Success);
    assert!(r.output.is_empty());
    let call = chain.call(Address::repeat_byte(0x77), vec![]);
    assert_eq!(call.status, TransactionStatus::Success);
}

#[test]
fn invalid_init_code_fails_the_deployment() {
    let mut chain = Chain::new();
    // 0xfe is INVALID.
    let r = chain.send(TxKind::Create, vec![0xfe]);
    assert_eq!(r.status, TransactionStatus::BadInstruction);
    assert_eq!(r.contract_address, None);
    // A jump to nowhere.
    let r = chain.send(TxKind::Create, vec![0x60, 0x05, 0x56]);
    assert_eq!(r.status, TransactionStatus::BadJumpDestination);
}

fn eth_tx(key: &KeyPair, chain_id: u64, nonce: u64, to: TxKind, input: Vec<u8>) -> VerifiedTx {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 3_000_000,
        max_fee_per_gas: 0,
        max_priority_fee_per_gas: 0,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        input: input.into(),
    };
    let sig = key.sign(&tx.signature_hash()).expect("sign");
    let envelope: TxEnvelope = tx
        .into_signed(Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1))
        .into();
    Transaction::decode(&envelope.encoded_2718(), &DecodeLimits::DEFAULT)
        .expect("decode")
        .verify(SuiteId::Standard.suite())
        .expect("verify")
}

#[test]
fn ethereum_transactions_follow_account_nonces() {
    let mut chain = Chain::new();
    let key = KeyPair::generate(SuiteId::Standard);
    let deploy = eth_tx(
        &key,
        20,
        0,
        TxKind::Create,
        bytecode("0.8.37", "HelloWorld"),
    );
    let receipt = chain.block(vec![deploy]).remove(0);
    assert!(receipt.status.is_success(), "{receipt:?}");
    let hello = receipt.contract_address.expect("address");
    assert_eq!(hello, key.address().create(0));
    let replay = eth_tx(
        &key,
        20,
        0,
        TxKind::Call(hello),
        setCall {
            name_: "again".into(),
        }
        .abi_encode(),
    );
    let gap = eth_tx(
        &key,
        20,
        5,
        TxKind::Call(hello),
        setCall {
            name_: "gap".into(),
        }
        .abi_encode(),
    );
    let other_chain = eth_tx(
        &key,
        21,
        1,
        TxKind::Call(hello),
        setCall {
            name_: "other".into(),
        }
        .abi_encode(),
    );
    let next = eth_tx(
        &key,
        20,
        1,
        TxKind::Call(hello),
        setCall {
            name_: "next".into(),
        }
        .abi_encode(),
    );
    let receipts = chain.block(vec![replay, gap, other_chain, next]);
    let statuses: Vec<_> = receipts.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            TransactionStatus::NonceCheckFail,
            TransactionStatus::NonceCheckFail,
            TransactionStatus::InvalidChainId,
            TransactionStatus::Success
        ]
    );
    assert_eq!(get(&chain, hello), "next");
}

#[test]
fn estimate_gas_finds_a_limit_that_works() {
    let mut chain = Chain::new();
    let hello = chain.deploy(bytecode("0.8.37", "HelloWorld"), &[]);
    let data = setCall {
        name_: "estimated".into(),
    }
    .abi_encode();
    let request = CallRequest {
        from: chain.key.address(),
        to: TxKind::Call(hello),
        data: Bytes::from(data.clone()),
        ..Default::default()
    };
    let estimate = chain
        .executor
        .estimate_gas(&chain.ledger, &request, None)
        .expect("estimate")
        .expect("succeeds");
    assert!(estimate > 21_000 && estimate < 200_000, "{estimate}");
    let tx = chain.tx(TxKind::Call(hello), data.clone(), estimate);
    assert!(chain.block(vec![tx])[0].status.is_success());
    let short = chain.tx(TxKind::Call(hello), data, estimate - 5_000);
    assert!(!chain.block(vec![short])[0].status.is_success());

    let reverting = CallRequest {
        to: TxKind::Call(hello),
        data: Bytes::from(vec![0xff; 4]),
        ..request
    };
    let failure = chain
        .executor
        .estimate_gas(&chain.ledger, &reverting, None)
        .expect("estimate")
        .expect_err("reverts");
    assert_eq!(failure.status, TransactionStatus::RevertInstruction);
}

#[test]
fn calls_at_unknown_heights_are_errors() {
    let chain = Chain::new();
    let err = chain
        .executor
        .call(&chain.ledger, &CallRequest::default(), Some(9))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ExecError::UnknownBlock {
                requested: 9,
                latest: 0
            }
        ),
        "{err}"
    );
}

#[test]
fn a_transaction_past_the_blocks_remaining_gas_is_refused() {
    let mut g = crate::genesis(SuiteId::Standard);
    g.config.block_gas_limit = 5_000_000;
    g.config.tx_gas_limit = 5_000_000;
    let mut chain = Chain::on(
        weft_storage::memory::MemoryStorage::new(weft_ledger::tables::ALL),
        g,
        KeyPair::generate(SuiteId::Standard),
    );
    let hello = chain.deploy(bytecode("0.8.11", "HelloWorld"), &[]);
    let fits = chain.tx(
        TxKind::Call(hello),
        setCall {
            name_: "first".into(),
        }
        .abi_encode(),
        5_000_000,
    );
    let too_big = chain.tx(
        TxKind::Call(hello),
        setCall {
            name_: "second".into(),
        }
        .abi_encode(),
        5_000_000,
    );
    let small = chain.tx(
        TxKind::Call(hello),
        setCall {
            name_: "third".into(),
        }
        .abi_encode(),
        100_000,
    );
    let receipts = chain.block(vec![fits, too_big, small]);
    assert!(receipts[0].status.is_success());
    assert_eq!(
        receipts[1].status,
        TransactionStatus::OutOfGasLimit,
        "used + 5,000,000 exceeds the block's 5,000,000"
    );
    assert_eq!(receipts[1].gas_used, 0);
    assert!(receipts[2].status.is_success(), "a smaller one still fits");
    assert_eq!(get(&chain, hello), "third");
}

#[test]
fn evm_code_over_the_eip170_limit_is_refused() {
    let mut chain = Chain::new();
    // PUSH3 0x006001, PUSH1 0, RETURN: returns 24,577 zero bytes as the contract's code.
    let receipt = chain.send(
        TxKind::Create,
        vec![0x62, 0x00, 0x60, 0x01, 0x60, 0x00, 0xf3],
    );
    assert!(!receipt.status.is_success(), "{receipt:?}");
    assert_eq!(receipt.contract_address, None);
    // One byte less is within the limit.
    let receipt = chain.send(
        TxKind::Create,
        vec![0x62, 0x00, 0x60, 0x00, 0x60, 0x00, 0xf3],
    );
    assert!(receipt.status.is_success(), "{receipt:?}");
}
