//! The same transactions give the same results wherever and however they run.

use alloy_primitives::{Address, TxKind, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use weft_crypto::{KeyPair, SuiteId};
use weft_storage::memory::MemoryStorage;
use weft_storage_rocksdb::RocksStorage;
use weft_types::{Receipt, VerifiedTx};

use crate::{bytecode, genesis, Chain};

sol! {
    function transfer(address to, uint256 amount) returns (bool);
}

/// A deployment, transfers, and a failing transfer in the middle.
fn workload(chain: &mut Chain<impl weft_storage::Storage>) -> (Vec<VerifiedTx>, Vec<VerifiedTx>) {
    let mut deploy = bytecode("0.8.37", "ERC20Token");
    deploy.extend_from_slice(
        &("D".to_string(), "D".to_string(), U256::from(1000)).abi_encode_params(),
    );
    let token = chain.key.address().create(0);
    let first = vec![chain.tx(TxKind::Create, deploy, 5_000_000)];
    let mut second = Vec::new();
    for i in 0..6u64 {
        let amount = if i == 3 {
            U256::from(1_000_000)
        } else {
            U256::from(10 + i)
        };
        let to = Address::with_last_byte(i as u8 + 1);
        second.push(chain.tx(
            TxKind::Call(token),
            transferCall { to, amount }.abi_encode(),
            200_000,
        ));
    }
    (first, second)
}

#[test]
fn memory_and_rocksdb_ledgers_agree_on_receipts_and_roots() {
    let g = genesis(SuiteId::Standard);
    let key = KeyPair::generate(SuiteId::Standard);
    let dir = tempfile::tempdir().expect("tmp");
    let mut memory = Chain::on(
        MemoryStorage::new(weft_ledger::tables::ALL),
        g.clone(),
        key.clone(),
    );
    let mut rocks = Chain::on(
        RocksStorage::open(dir.path(), weft_ledger::tables::ALL).expect("rocks"),
        g,
        key,
    );
    let (first, second) = workload(&mut memory);
    let mut results = Vec::new();
    for chain_receipts in [
        (
            memory.block(first.clone()),
            memory.block(second.clone()),
            memory.ledger.head_hash(),
            memory.ledger.state_root(),
        ),
        (
            rocks.block(first),
            rocks.block(second),
            rocks.ledger.head_hash(),
            rocks.ledger.state_root(),
        ),
    ] {
        results.push(chain_receipts);
    }
    assert_eq!(results[0], results[1]);
    let failing = &results[0].1[3];
    assert_eq!(
        failing.status,
        weft_types::TransactionStatus::RevertInstruction
    );
    assert_eq!(memory.full_state(), rocks.full_state());
}

#[test]
fn a_block_with_a_failure_in_the_middle_equals_one_transaction_per_block() {
    let g = genesis(SuiteId::Standard);
    let key = KeyPair::generate(SuiteId::Standard);
    let mut together = Chain::on(
        MemoryStorage::new(weft_ledger::tables::ALL),
        g.clone(),
        key.clone(),
    );
    let mut apart = Chain::on(MemoryStorage::new(weft_ledger::tables::ALL), g, key);
    let (first, second) = workload(&mut together);
    together.block(first.clone());
    let batch: Vec<Receipt> = together.block(second.clone());
    apart.block(first);
    let single: Vec<Receipt> = second
        .into_iter()
        .map(|tx| apart.block(vec![tx]).remove(0))
        .collect();
    assert_eq!(batch, single);
    assert!(!batch[3].status.is_success() && batch[4].status.is_success());
    assert_eq!(together.full_state(), apart.full_state());
    assert_ne!(
        together.ledger.state_root(),
        apart.ledger.state_root(),
        "roots chain per block"
    );
}
