//! What the signature precompiles spend their time on: decoding and verifying, per scheme and
//! ring size. The gas constants of `weft-plugin-group-sig` and `weft-plugin-ring-sig` are
//! calibrated against these figures (about 20 gas per microsecond).
//!
//! `cargo bench -p weft-sig-schemes --bench verify`

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::SeedableRng;
use weft_sig_schemes::bbs04::{self, GroupPublicKey, GroupSignature};
use weft_sig_schemes::lsag::{self, Ring, RingSignature};

const MESSAGE: &[u8] = b"transfer 10 to bob";

fn group(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let keys = bbs04::keygen(&mut rng);
    let member = bbs04::issue(&keys.public, &keys.issuing, &mut rng);
    let signature = bbs04::sign(&keys.public, &member, MESSAGE, &mut rng);
    let (gpk_text, sig_text) = (keys.public.encode(), signature.encode());

    let mut g = c.benchmark_group("bbs04");
    g.bench_function("sign", |b| {
        b.iter(|| bbs04::sign(&keys.public, &member, MESSAGE, &mut rng))
    });
    g.bench_function("decode gpk", |b| {
        b.iter(|| GroupPublicKey::decode(&gpk_text))
    });
    g.bench_function("decode signature", |b| {
        b.iter(|| GroupSignature::decode(&sig_text))
    });
    g.bench_function("verify", |b| {
        b.iter(|| bbs04::verify(&keys.public, MESSAGE, &signature))
    });
    g.bench_function("group_sig_verify (decode + verify)", |b| {
        b.iter(|| {
            weft_sig_schemes::group_sig_verify(&sig_text, MESSAGE, &gpk_text, bbs04::PARAM_INFO)
        })
    });
    g.finish();
}

fn ring(c: &mut Criterion) {
    let mut g = c.benchmark_group("lsag");
    for n in [1usize, 4, 16, 64] {
        let mut rng = StdRng::seed_from_u64(n as u64);
        let keys: Vec<_> = (0..n).map(|_| lsag::keygen(&mut rng)).collect();
        let ring = Ring::new(keys.iter().map(|(_, p)| *p).collect()).expect("ring");
        let signature =
            lsag::sign(MESSAGE, &ring, &keys[0].0, 0, &mut rng).expect("signer is in the ring");
        let (ring_text, sig_text) = (ring.encode(), signature.encode());
        g.bench_with_input(BenchmarkId::new("decode ring", n), &ring_text, |b, t| {
            b.iter(|| Ring::decode(t))
        });
        g.bench_with_input(
            BenchmarkId::new("decode signature", n),
            &sig_text,
            |b, t| b.iter(|| RingSignature::decode(t)),
        );
        g.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| {
            b.iter(|| lsag::verify(MESSAGE, &ring, &signature))
        });
        g.bench_with_input(BenchmarkId::new("sign", n), &n, |b, _| {
            b.iter(|| lsag::sign(MESSAGE, &ring, &keys[0].0, 0, &mut rng))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = group, ring
}
criterion_main!(benches);
