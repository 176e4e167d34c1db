//! A peer that goes away and comes back on the same address is redialled.

use anyhow::Result;
use weft_network::{Module, PeerEvent};

use crate::support::*;

#[tokio::test]
async fn a_restarted_peer_is_reconnected() -> Result<()> {
    init_tracing();
    let ca = Ca::new("restart")?;
    let b_cert = ca.node()?;
    let mut b = start(config(&ca, &b_cert, &[])).await?;
    let mut a = start(config(&ca, &ca.node()?, &[b.addr])).await?;
    wait_connected(&a, &b).await?;
    exchange(&a, &mut b, Module::Consensus, "first life").await?;

    let b_addr = b.addr;
    b.net.shutdown().await;
    drop(b);
    wait_event(&mut a, |e| matches!(e, PeerEvent::Disconnected { .. })).await?;
    assert!(a.net.peers().is_empty());

    // Same identity, same address: a's dialler finds it again.
    let mut cfg = config(&ca, &b_cert, &[]);
    cfg.listen = b_addr;
    let mut b = start(cfg).await?;
    wait_connected(&a, &b).await?;
    exchange(&a, &mut b, Module::Consensus, "second life").await?;
    exchange(&b, &mut a, Module::BlockSync, "hello again").await?;
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_crashed_peer_that_restarts_replaces_its_stale_connection() -> Result<()> {
    init_tracing();
    let ca = Ca::new("crash")?;
    // a < b, so that b's new connection loses the simultaneous-dial rule against a's
    // stale one and can only win through the age rule.
    let (mut a_cert, mut b_cert) = (ca.node()?, ca.node()?);
    if b_cert.id < a_cert.id {
        std::mem::swap(&mut a_cert, &mut b_cert);
    }
    // A long idle timeout: a must not find out by timing out.
    let slow = |mut cfg: weft_network::NetworkConfig| {
        cfg.idle_timeout = std::time::Duration::from_secs(60);
        cfg
    };
    // b runs on its own runtime, which is dropped without a word to a: a crash.
    let b_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let b = b_runtime
        .spawn(start(slow(config(&ca, &b_cert, &[]))))
        .await??;
    let mut a = start(slow(config(&ca, &a_cert, &[b.addr]))).await?;
    wait_connected(&a, &b).await?;
    let b_addr = b.addr;
    drop(b);
    b_runtime.shutdown_background();
    assert_eq!(a.net.peers().len(), 1, "a has not noticed the crash");

    let mut cfg = slow(config(&ca, &b_cert, &[a.addr]));
    cfg.listen = b_addr;
    let mut b = start(cfg).await?;
    wait_connected(&a, &b).await?;
    exchange(&a, &mut b, Module::Consensus, "after the crash").await?;
    exchange(&b, &mut a, Module::Consensus, "back").await?;
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_dialled_address_must_keep_presenting_the_same_node() -> Result<()> {
    init_tracing();
    let ca = Ca::new("impostor")?;
    let b = start(config(&ca, &ca.node()?, &[])).await?;
    let mut a = start(config(&ca, &ca.node()?, &[b.addr])).await?;
    wait_connected(&a, &b).await?;
    let b_addr = b.addr;
    b.net.shutdown().await;
    drop(b);

    // Another node (certified by the same CA) takes over b's address.
    let mut cfg = config(&ca, &ca.node()?, &[]);
    cfg.listen = b_addr;
    let c = start(cfg).await?;
    let refused = wait_event(
        &mut a,
        |e| matches!(e, PeerEvent::ConnectFailed { reason, .. } if reason.contains("not node")),
    )
    .await?;
    assert!(matches!(refused, PeerEvent::ConnectFailed { addr, .. } if addr == b_addr));
    assert!(a.net.peers().is_empty());
    assert!(c.net.peers().is_empty());
    a.net.shutdown().await;
    c.net.shutdown().await;
    Ok(())
}
