//! Admission: node list, whitelist, blacklist, self-connections, and dropping a live
//! connection when the lists change.

use anyhow::Result;
use bytes::Bytes;
use weft_network::{Direction, Module, PeerEvent};

use crate::support::*;

#[tokio::test]
async fn a_node_not_in_the_node_list_is_refused() -> Result<()> {
    init_tracing();
    let ca = Ca::new("list")?;
    let (a_cert, b_cert, c_cert) = (ca.node()?, ca.node()?, ca.node()?);
    let cfg = config(&ca, &a_cert, &[]);
    cfg.admission.set_node_list([a_cert.id, b_cert.id]);
    let mut a = start(cfg).await?;
    let b = start(config(&ca, &b_cert, &[a.addr])).await?;
    let mut c = start(config(&ca, &c_cert, &[a.addr])).await?;

    wait_connected(&a, &b).await?;
    wait_event(&mut a, |e| is_connect_failed(e, Direction::Inbound)).await?;
    wait_event(&mut c, |e| is_connect_failed(e, Direction::Outbound)).await?;
    assert_eq!(
        a.net.peers().iter().map(|p| p.node_id).collect::<Vec<_>>(),
        vec![b.id]
    );
    assert!(c.net.peers().is_empty());
    assert!(c
        .net
        .send(a.id, Module::Consensus, Bytes::from_static(b"x"))
        .is_err());
    assert_no_inbound(&mut a);
    for n in [&a, &b, &c] {
        n.net.shutdown().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_blacklisted_node_is_refused_even_if_whitelisted() -> Result<()> {
    init_tracing();
    let ca = Ca::new("black")?;
    let (a_cert, b_cert) = (ca.node()?, ca.node()?);
    let cfg = config(&ca, &a_cert, &[]);
    cfg.admission.set_whitelist([b_cert.id]);
    cfg.admission.set_blacklist([b_cert.id]);
    let mut a = start(cfg).await?;
    let mut b = start(config(&ca, &b_cert, &[a.addr])).await?;

    wait_event(&mut a, |e| is_connect_failed(e, Direction::Inbound)).await?;
    wait_event(&mut b, |e| is_connect_failed(e, Direction::Outbound)).await?;
    assert!(a.net.peers().is_empty());
    assert!(b.net.peers().is_empty());

    // Off the blacklist, the whitelist admits it (b keeps redialling with back-off).
    a.net.admission().set_blacklist([]);
    wait_connected(&a, &b).await?;
    exchange(&b, &mut a, Module::Consensus, "admitted").await?;
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn removing_a_node_from_the_list_drops_its_connection() -> Result<()> {
    init_tracing();
    let ca = Ca::new("remove")?;
    let (a_cert, b_cert) = (ca.node()?, ca.node()?);
    let mut b = start(config(&ca, &b_cert, &[])).await?;
    let mut a = start(config(&ca, &a_cert, &[b.addr])).await?;
    wait_connected(&a, &b).await?;
    exchange(&a, &mut b, Module::Consensus, "before").await?;

    a.net.admission().set_node_list([a.id]);
    let on_a = wait_event(&mut a, |e| matches!(e, PeerEvent::Disconnected { .. })).await?;
    assert_eq!(
        on_a,
        PeerEvent::Disconnected {
            node_id: b.id,
            reason: "the peer is not in the group's node list".into()
        }
    );
    let on_b = wait_event(&mut b, |e| matches!(e, PeerEvent::Disconnected { .. })).await?;
    if let PeerEvent::Disconnected { reason, .. } = on_b {
        assert!(reason.contains("node list"), "{reason}");
    }
    assert!(a.net.peers().is_empty());
    wait_until("b sees no peer", || b.net.peers().is_empty()).await?;
    assert!(a
        .net
        .send(b.id, Module::Consensus, Bytes::from_static(b"x"))
        .is_err());

    // Back on the list: a (which dials b) reconnects.
    a.net.admission().set_node_list([a.id, b.id]);
    wait_connected(&a, &b).await?;
    exchange(&b, &mut a, Module::Consensus, "after").await?;
    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_node_does_not_connect_to_itself() -> Result<()> {
    init_tracing();
    let ca = Ca::new("self")?;
    let cert = ca.node()?;
    let first = start(config(&ca, &cert, &[])).await?;
    let addr = first.addr;
    first.net.shutdown().await;
    let mut cfg = config(&ca, &cert, &[addr]);
    cfg.listen = addr;
    let mut a = start(cfg).await?;
    wait_event(&mut a, |e| is_connect_failed(e, Direction::Outbound)).await?;
    assert!(a.net.peers().is_empty());
    a.net.shutdown().await;
    Ok(())
}
