//! Events (`LOG0`–`LOG4`).

use alloc::vec::Vec;
use alloy_primitives::B256;
use alloy_sol_types::SolEvent;

/// Emits a [`sol!`](crate::sol) event: `emit(&Transfer { from, to, value })`, Solidity's
/// `emit Transfer(from, to, value)` (same topics, same data).
pub fn emit<E: SolEvent>(event: &E) {
    use alloy_sol_types::abi::token::WordToken;
    use alloy_sol_types::TopicList;
    // At most 4 topics; `encode_topics_raw` fails only on a short buffer, which this is not
    // (and not `encode_topics`, whose `unwrap` would pull the `Debug` machinery into the module).
    let mut buf = [WordToken(B256::ZERO); 4];
    let n = <E::TopicList as TopicList>::COUNT.min(4);
    let _ = event.encode_topics_raw(&mut buf[..n]);
    let mut topics = [[0u8; 32]; 4];
    for (t, w) in topics.iter_mut().zip(&buf[..n]) {
        *t = w.0 .0;
    }
    crate::host::emit_log(&topics[..n], &event.encode_data());
}

/// Emits a log with raw topics (at most 4) and data.
pub fn raw(topics: &[B256], data: &[u8]) {
    let topics: Vec<[u8; 32]> = topics.iter().map(|t| t.0).collect();
    crate::host::emit_log(&topics, data);
}
