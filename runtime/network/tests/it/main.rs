//! Integration tests of the QUIC network: real sockets on 127.0.0.1, certificates made
//! here the way `weft chain new` makes them.

mod admission;
mod connect;
mod frames;
mod handshakes;
mod reconnect;
mod support;
