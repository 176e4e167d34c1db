//! Integration tests of `weft-sig-schemes`, one module per area.

#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.

mod decoding;
mod group;
mod ring;

use rand::rngs::StdRng;
use rand::SeedableRng;

/// The deterministic RNG every test uses.
fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Splits `<kind>:<version>:<hex>` into the `<kind>:<version>:` head and the decoded payload.
fn unframe(text: &str) -> (String, Vec<u8>) {
    let cut = text.rfind(':').unwrap() + 1;
    (text[..cut].to_owned(), hex::decode(&text[cut..]).unwrap())
}

/// Re-frames a payload under `head` (as returned by [`unframe`]).
fn reframe(head: &str, payload: &[u8]) -> String {
    format!("{head}{}", hex::encode(payload))
}

/// Applies `edit` to the binary payload of an encoded value.
fn tamper(text: &str, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let (head, mut payload) = unframe(text);
    edit(&mut payload);
    reframe(&head, &payload)
}
