//! Frame limits, groups and the bounded outbound queues.

use anyhow::Result;
use bytes::Bytes;
use weft_network::{Module, PeerEvent, SendError};

use crate::support::*;

#[tokio::test]
async fn an_oversized_frame_disconnects_the_sender() -> Result<()> {
    init_tracing();
    let ca = Ca::new("big")?;
    let mut cfg = config(&ca, &ca.node()?, &[]);
    cfg.max_frame = 1024;
    let mut a = start(cfg).await?;
    let mut b = start(config(&ca, &ca.node()?, &[a.addr])).await?;
    wait_connected(&a, &b).await?;

    // a refuses to send what b would accept but a would not.
    assert!(matches!(
        a.net
            .send(b.id, Module::BlockSync, Bytes::from(vec![0u8; 2000])),
        Err(SendError::FrameTooLarge { max: 1024, .. })
    ));
    // b sends a frame a does not accept: a disconnects b and says why.
    b.net
        .send(a.id, Module::BlockSync, Bytes::from(vec![7u8; 4096]))?;
    let on_a = wait_event(&mut a, |e| matches!(e, PeerEvent::Disconnected { .. })).await?;
    if let PeerEvent::Disconnected { node_id, reason } = &on_a {
        assert_eq!(*node_id, b.id);
        assert!(reason.contains("exceeds the limit of 1024"), "{reason}");
    }
    let on_b = wait_event(&mut b, |e| matches!(e, PeerEvent::Disconnected { .. })).await?;
    if let PeerEvent::Disconnected { reason, .. } = &on_b {
        assert!(reason.contains("exceeds the limit of 1024"), "{reason}");
    }
    assert_eq!(a.net.stats().protocol_violations, 1);
    assert_no_inbound(&mut a);
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_message_for_another_group_is_dropped() -> Result<()> {
    init_tracing();
    let ca = Ca::new("groups")?;
    let mut a = start(config(&ca, &ca.node()?, &[])).await?;
    let mut cfg = config(&ca, &ca.node()?, &[a.addr]);
    cfg.group_id = "group1".into();
    let mut b = start(cfg).await?;
    wait_connected(&a, &b).await?;

    b.net
        .send(a.id, Module::Consensus, Bytes::from_static(b"wrong group"))?;
    a.net
        .send(b.id, Module::Consensus, Bytes::from_static(b"wrong group"))?;
    wait_until("a drops the frame", || {
        a.net.stats().dropped_other_group == 1
    })
    .await?;
    wait_until("b drops the frame", || {
        b.net.stats().dropped_other_group == 1
    })
    .await?;
    assert_no_inbound(&mut a);
    assert_no_inbound(&mut b);
    // The connection itself stays up.
    assert_eq!(a.net.peers().len(), 1);
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_full_queue_refuses_instead_of_blocking() -> Result<()> {
    init_tracing();
    let ca = Ca::new("queue")?;
    // b reads nothing until the end: its inbound channel fills, its reader stops, QUIC
    // flow control stops a's writer, and a's queue fills.
    let mut cfg = config(&ca, &ca.node()?, &[]);
    cfg.inbound_queue = 1;
    let mut b = start(cfg).await?;
    let mut cfg = config(&ca, &ca.node()?, &[b.addr]);
    cfg.outbound_queue = 2;
    let a = start(cfg).await?;
    wait_connected(&a, &b).await?;

    let payload = Bytes::from(vec![1u8; 512 * 1024]);
    let mut sent = 0usize;
    wait_until("a's queue to b is full", || {
        match a.net.send(b.id, Module::BlockSync, payload.clone()) {
            Ok(()) => {
                sent += 1;
                false
            }
            Err(SendError::QueueFull { .. }) => true,
            Err(e) => panic!("unexpected send error: {e}"),
        }
    })
    .await?;
    assert!(a.net.stats().queue_full >= 1);
    // Other modules have their own queues and streams.
    a.net
        .send(b.id, Module::Consensus, Bytes::from_static(b"vote"))?;
    // Everything queued arrives once b reads.
    let mut block_sync = 0;
    let mut consensus = 0;
    while block_sync < sent || consensus < 1 {
        let msg = recv(&mut b).await?;
        match msg.module {
            Module::BlockSync => block_sync += 1,
            Module::Consensus => consensus += 1,
            other => panic!("unexpected module {other:?}"),
        }
    }
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}
