//! Checking and committing a downloaded block, and serving committed blocks.
//!
//! These are the only parts of the crate that touch the ledger and the executor; they
//! are passed in, so the crate still owns no I/O, thread or clock.

use alloy_primitives::B256;
use weft_consensus::{verify_commit_certificate, Sealer, SealerSet};
use weft_crypto::PublicKey;
use weft_executor::Executor;
use weft_ledger::{keys, Ledger, LedgerError, NodeList};
use weft_storage::Storage;
use weft_types::{merkle, Block, BlockHeader, BlockNumber, Receipt, VerifiedTx};

use crate::error::SyncError;
use crate::message::{Request, Response, SyncLimits};

/// A block that sync checked, re-executed and committed: what the node needs to tell
/// the transaction pool, the consensus core and subscribers.
#[derive(Debug, Clone)]
pub struct AppliedBlock {
    /// The block as committed (header, signatures, transactions).
    pub block: Block,
    /// Its header hash.
    pub hash: B256,
    /// Its transactions' hashes, in order.
    pub tx_hashes: Vec<B256>,
    /// The receipts of its local execution.
    pub receipts: Vec<Receipt>,
    /// The node list this block set for the next height, if it changed it (the consensus
    /// core's `Input::SyncedTo::next_sealers`).
    pub next_nodes: Option<NodeList>,
}

impl AppliedBlock {
    /// The block's height.
    pub fn number(&self) -> BlockNumber {
        self.block.header.number
    }
}

/// The sealer set in force at `number`, from this node's own ledger (never from the
/// header being checked).
pub fn sealer_set_at<S: Storage>(
    ledger: &Ledger<S>,
    number: BlockNumber,
) -> Result<(NodeList, SealerSet), SyncError> {
    let nodes = ledger.node_list(number)?;
    // The leader period only matters for leader rotation, not for checking a certificate;
    // it is read so that the set is the one consensus uses at this height.
    let leader_period = ledger
        .system_config_u64(keys::LEADER_PERIOD, number)?
        .unwrap_or(1)
        .max(1);
    let set = SealerSet::new(
        nodes
            .sealers
            .iter()
            .map(|s| Sealer {
                node_id: s.node_id,
                weight: s.weight,
            })
            .collect(),
        leader_period,
    )
    .map_err(|source| SyncError::NodeList { number, source })?;
    Ok((nodes, set))
}

/// Check block `head + 1` from a peer and commit it, FISCO's acceptance rule:
///
/// 1. it follows the local head (number and parent hash);
/// 2. its header lists the sealers and weights of the node list in force **at its
///    height** (read from the local ledger), and its signature list is a weighted 2f+1
///    commit certificate of those sealers over the header hash
///    ([`verify_commit_certificate`]);
/// 3. every transaction's signature verifies and their Merkle root is the header's;
/// 4. re-executing the transactions with the header's timestamp and proposer gives the
///    same header (state, receipt and transaction roots, gas, sealers: the same hash);
/// 5. the ledger commits the local execution's results with the received signatures.
///
/// The proposer's account (the EVM's `COINBASE`) is the address of the header's
/// `sealer_list[sealer]` key, as the sealer uses when it builds a block.
///
/// Cheap checks come first, so a forged block costs a few hashes and signature checks,
/// never an execution. On a peer fault ([`SyncError::is_peer_fault`]) nothing is
/// written.
pub fn apply_block<S: Storage>(
    ledger: &Ledger<S>,
    executor: &Executor,
    block: Block,
) -> Result<AppliedBlock, SyncError> {
    let suite = ledger.suite();
    let header = &block.header;
    let number = header.number;
    let expected = ledger.block_number() + 1;
    if number != expected {
        return Err(SyncError::NotNext {
            expected,
            got: number,
        });
    }
    let head = ledger.head_hash();
    if header.parent_hash != head {
        return Err(SyncError::ParentMismatch {
            number,
            parent: header.parent_hash,
            head,
        });
    }

    let (nodes, sealers) = sealer_set_at(ledger, number)?;
    let listed = header.sealer_list.len() == nodes.sealers.len()
        && header.consensus_weights.len() == nodes.sealers.len()
        && nodes
            .sealers
            .iter()
            .zip(header.sealer_list.iter().zip(&header.consensus_weights))
            .all(|(node, (id, weight))| node.node_id == *id && node.weight == *weight);
    if !listed {
        return Err(SyncError::SealerListMismatch { number });
    }
    let proposer = usize::try_from(header.sealer)
        .ok()
        .and_then(|i| header.sealer_list.get(i))
        .ok_or(SyncError::SealerOutOfRange {
            number,
            sealer: header.sealer,
            sealers: header.sealer_list.len(),
        })?;
    let hash = header.hash(suite);
    verify_commit_certificate(suite, number, hash, &block.signatures, &sealers)
        .map_err(|source| SyncError::Certificate { number, source })?;

    let mut txs = Vec::with_capacity(block.transactions.len());
    for (index, tx) in block.transactions.iter().enumerate() {
        let verified = tx
            .clone()
            .verify(suite)
            .map_err(|source| SyncError::Transaction {
                number,
                index,
                source,
            })?;
        txs.push(verified);
    }
    let tx_hashes: Vec<B256> = txs.iter().map(VerifiedTx::hash).collect();
    let tx_root = merkle::root(suite, &tx_hashes);
    if tx_root != header.transactions_root {
        return Err(SyncError::HeaderMismatch {
            number,
            field: "transactions root",
            received: header.transactions_root.to_string(),
            computed: tx_root.to_string(),
        });
    }

    let beneficiary = suite.address(&PublicKey(proposer.0));
    let ctx = executor.next_block_context(ledger, header.timestamp, beneficiary)?;
    let mut commit = executor.build_block(ledger, &ctx, header.sealer, txs)?;
    // Extra data is not a result of execution; the quorum signed it with the rest of the
    // header, so it is taken as received.
    commit.header.extra_data = header.extra_data.clone();
    if let Some((field, received, computed)) = first_difference(header, &commit.header) {
        return Err(SyncError::HeaderMismatch {
            number,
            field,
            received,
            computed,
        });
    }
    commit.signatures = block.signatures.clone();
    let receipts = commit.receipts.clone();
    let next_nodes = commit.nodes.clone();
    match ledger.commit_block(commit) {
        Ok(()) => {}
        // Another writer (consensus) committed this height meanwhile.
        Err(LedgerError::NotNext { expected, got }) => {
            return Err(SyncError::NotNext { expected, got })
        }
        Err(LedgerError::ParentMismatch { number, .. }) => {
            return Err(SyncError::NotNext {
                expected: ledger.block_number() + 1,
                got: number,
            })
        }
        Err(e) => return Err(e.into()),
    }
    tracing::debug!(number, %hash, txs = tx_hashes.len(), "synced block committed");
    Ok(AppliedBlock {
        block,
        hash,
        tx_hashes,
        receipts,
        next_nodes,
    })
}

/// The first field in which `received` and `computed` differ, with both values; the
/// execution results first, as they are the likeliest to differ.
fn first_difference(
    received: &BlockHeader,
    computed: &BlockHeader,
) -> Option<(&'static str, String, String)> {
    macro_rules! compare {
        ($($field:ident => $name:literal),* $(,)?) => {
            $(
                if received.$field != computed.$field {
                    return Some((
                        $name,
                        format!("{:?}", received.$field),
                        format!("{:?}", computed.$field),
                    ));
                }
            )*
        };
    }
    compare!(
        state_root => "state root",
        receipts_root => "receipts root",
        gas_used => "gas used",
        transactions_root => "transactions root",
        number => "number",
        parent_hash => "parent hash",
        timestamp => "timestamp",
        sealer => "sealer",
        sealer_list => "sealer list",
        consensus_weights => "consensus weights",
        version => "version",
        extra_data => "extra data",
    );
    None
}

/// Answer a peer's request from the committed blocks: the blocks `request.first` up to
/// `request.count` (at most `limits.max_blocks`) or the local head, whichever comes
/// first, and no more than fit in `limits.max_message_bytes` (but at least one block, so
/// that a large block still travels alone). An empty response means this node has none
/// of the blocks.
pub fn serve<S: Storage>(
    ledger: &Ledger<S>,
    request: &Request,
    limits: &SyncLimits,
) -> Result<Response, SyncError> {
    let count = request.count.min(limits.max_blocks);
    let head = ledger.block_number();
    let mut blocks = Vec::new();
    if count == 0 || request.first > head {
        return Ok(Response { blocks });
    }
    let last = request.first.saturating_add(count - 1).min(head);
    // The type byte and the list header.
    let mut size = 1 + 9;
    for number in request.first..=last {
        let Some(block) = ledger.block(number)? else {
            break;
        };
        let block_size = block.encode().len();
        if !blocks.is_empty() && size + block_size > limits.max_message_bytes {
            break;
        }
        size += block_size;
        blocks.push(block);
    }
    Ok(Response { blocks })
}
