//! Mutual connection, message exchange in every direction, broadcast, and refusal of a
//! certificate from another CA.

use anyhow::Result;
use bytes::Bytes;
use weft_network::{Direction, Module, PeerEvent};

use crate::support::*;

#[tokio::test]
async fn two_nodes_connect_and_exchange_messages_both_ways() -> Result<()> {
    init_tracing();
    let ca = Ca::new("two")?;
    let mut b = start(config(&ca, &ca.node()?, &[])).await?;
    let mut a = start(config(&ca, &ca.node()?, &[b.addr])).await?;
    wait_connected(&a, &b).await?;

    let on_a = a.net.peers();
    assert_eq!(on_a.len(), 1);
    assert_eq!(on_a[0].node_id, b.id);
    assert_eq!(on_a[0].direction, Direction::Outbound);
    assert_eq!(on_a[0].addr, b.addr);
    assert_eq!(b.net.peers()[0].direction, Direction::Inbound);

    exchange(&a, &mut b, Module::Consensus, "prepare").await?;
    exchange(&b, &mut a, Module::TxSync, "txs").await?;
    exchange(&b, &mut a, Module::BlockSync, "block 1").await?;
    exchange(&a, &mut b, Module::Amop, "topic").await?;

    // One module's messages arrive in order.
    for i in 0..200u32 {
        a.net.send(
            b.id,
            Module::Consensus,
            Bytes::from(i.to_be_bytes().to_vec()),
        )?;
    }
    for i in 0..200u32 {
        let msg = recv(&mut b).await?;
        assert_eq!(msg.payload, Bytes::from(i.to_be_bytes().to_vec()));
    }
    assert_eq!(b.net.stats().messages_received, 202);

    a.net.shutdown().await;
    b.net.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn three_nodes_dialling_each_other_keep_one_connection_per_pair() -> Result<()> {
    init_tracing();
    let ca = Ca::new("three")?;
    // Bind first so that every node can be told every other node's address.
    let certs = [ca.node()?, ca.node()?, ca.node()?];
    let mut first = Vec::new();
    for cert in &certs {
        first.push(start(config(&ca, cert, &[])).await?);
    }
    let addrs: Vec<_> = first.iter().map(|n| n.addr).collect();
    for n in &first {
        n.net.shutdown().await;
    }
    drop(first);
    let mut nodes = Vec::new();
    for (i, cert) in certs.iter().enumerate() {
        let others: Vec<_> = (0..3).filter(|j| *j != i).map(|j| addrs[j]).collect();
        let mut cfg = config(&ca, cert, &others);
        cfg.listen = addrs[i];
        nodes.push(start(cfg).await?);
    }
    for i in 0..3 {
        for j in i + 1..3 {
            wait_connected(&nodes[i], &nodes[j]).await?;
        }
    }
    for n in &nodes {
        assert_eq!(n.net.peers().len(), 2);
    }

    // Every direction.
    for i in 0..3 {
        for j in 0..3 {
            if i == j {
                continue;
            }
            let text = format!("{i}->{j}");
            let id = nodes[j].id;
            nodes[i]
                .net
                .send(id, Module::Consensus, Bytes::from(text.clone()))?;
            let msg = recv(&mut nodes[j]).await?;
            assert_eq!(msg.from, nodes[i].id);
            assert_eq!(msg.payload, Bytes::from(text));
        }
    }

    // Broadcast reaches all the others.
    for i in 0..3 {
        let text = format!("all from {i}");
        assert_eq!(
            nodes[i]
                .net
                .broadcast(Module::TxSync, Bytes::from(text.clone()))?,
            2
        );
        for j in (0..3).filter(|j| *j != i) {
            let msg = recv(&mut nodes[j]).await?;
            assert_eq!(msg.from, nodes[i].id);
            assert_eq!(msg.module, Module::TxSync);
            assert_eq!(msg.payload, Bytes::from(text.clone()));
        }
    }
    for n in &nodes {
        n.net.shutdown().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() -> Result<()> {
    init_tracing();
    let ca = Ca::new("ours")?;
    let other = Ca::new("theirs")?;
    let mut a = start(config(&ca, &ca.node()?, &[])).await?;
    // The stranger trusts its own CA and dials us; we dial it too.
    let mut x = start(config(&other, &other.node()?, &[a.addr])).await?;
    let mut a2 = start(config(&ca, &ca.node()?, &[x.addr])).await?;

    // a refuses x's client certificate; x refuses a2's server certificate (and a2
    // refuses x's).
    wait_event(&mut a, |e| is_connect_failed(e, Direction::Inbound)).await?;
    wait_event(&mut x, |e| is_connect_failed(e, Direction::Outbound)).await?;
    let refused = wait_event(&mut a2, |e| is_connect_failed(e, Direction::Outbound)).await?;
    if let PeerEvent::ConnectFailed { reason, .. } = &refused {
        assert!(reason.contains("certificate"), "{reason}");
    }
    assert!(a.net.peers().is_empty());
    assert!(x.net.peers().is_empty());
    assert!(a2.net.peers().is_empty());
    assert!(a.net.stats().connect_failures >= 1);
    assert_no_inbound(&mut a);
    assert_no_inbound(&mut x);
    assert!(a
        .net
        .send(x.id, Module::Consensus, Bytes::from_static(b"hi"))
        .is_err());
    for n in [&a, &x, &a2] {
        n.net.shutdown().await;
    }
    Ok(())
}
