//! BBS04 short group signatures (Boneh, Boyen, Shacham, CRYPTO 2004) over BLS12-381.
//!
//! ```text
//!   group manager                     member i                       anyone (precompile 0x5004)
//!   keygen() ──► gpk, opening key,
//!                issuing key
//!   issue(gpk, issuing key) ──► member key (A_i, x_i), tag A_i kept in the manager's registry
//!                                     sign(gpk, key, m) ──► σ ──►    verify(gpk, m, σ) -> bool
//!   open(gpk, opening key, m, σ) ──► tag A_i ──► registry lookup ──► member i
//! ```
//!
//! Notation follows the paper, written additively. `gpk = (g1, g2, h, u, v, w)` with
//! `u = h·ξ1⁻¹`, `v = h·ξ2⁻¹` and `w = g2·γ`; the opening key is `(ξ1, ξ2)` and the issuing key
//! is `γ`. A member key is `(A, x)` with `A = g1·(γ + x)⁻¹`. BLS12-381 is a type-3 pairing, so
//! `g1` is not the image of `g2` under an isomorphism as in the paper; the scheme only uses the
//! pairing `e: G1 × G2 → GT`, and the security argument carries over (q-SDH and DLIN in G1).
//!
//! A signature is the linear encryption `T1 = u·α`, `T2 = v·β`, `T3 = A + h·(α+β)` of `A`
//! together with a Fiat–Shamir proof of knowledge of `(α, β, x, δ1 = xα, δ2 = xβ)`:
//!
//! ```text
//! R1 = u·r_α                         R4 = T1·r_x − u·r_δ1
//! R2 = v·r_β                         R5 = T2·r_x − v·r_δ2
//! R3 = e(T3·r_x − h·(r_δ1 + r_δ2), g2) · e(−h·(r_α + r_β), w)
//! c  = H(gpk, m, T1, T2, T3, R1, R2, R3, R4, R5),   s_y = r_y + c·y
//! ```
//!
//! The verifier recomputes `R1..R5` from the responses; for `R3` it folds the paper's
//! `(e(T3, w) / e(g1, g2))^c` into the same two pairings, so a verification costs one
//! two-pair multi-pairing:
//! `R3 = e(T3·s_x − h·(s_δ1 + s_δ2) − g1·c, g2) · e(T3·c − h·(s_α + s_β), w)`.
//!
//! The challenge `H` is SHA-256 over a domain-separated, length-prefixed transcript of
//! compressed encodings, mapped to the scalar field with RFC 9380 `hash_to_field`
//! (expand_message_xmd with SHA-256), so it carries no modular bias.
//!
//! Side channels: arkworks scalar multiplication is not constant time. Signing and opening run
//! in the client, on the member's or manager's machine; verification handles public data only.

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::{Pairing, PairingOutput};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::field_hashers::{DefaultFieldHasher, HashToField};
use ark_ff::{Field, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::encoding::{self, Kind};
use crate::SchemeError;

/// The parameter descriptor (`paramInfo` of `groupSigVerify`) this implementation accepts.
///
/// It names the scheme, the curve and the challenge hash. The verifier compares it byte for byte.
pub const PARAM_INFO: &str = "bbs04-param:1:bls12-381-sha256";

/// Bytes of a compressed G1 point.
pub const G1_BYTES: usize = 48;
/// Bytes of a compressed G2 point.
pub const G2_BYTES: usize = 96;
/// Bytes of a scalar.
pub const SCALAR_BYTES: usize = 32;
/// Bytes of an encoded group public key: `g1 ‖ g2 ‖ h ‖ u ‖ v ‖ w`.
pub const PUBLIC_KEY_BYTES: usize = 4 * G1_BYTES + 2 * G2_BYTES;
/// Bytes of an encoded group signature: `T1 ‖ T2 ‖ T3 ‖ c ‖ s_α ‖ s_β ‖ s_x ‖ s_δ1 ‖ s_δ2`.
pub const SIGNATURE_BYTES: usize = 3 * G1_BYTES + 6 * SCALAR_BYTES;
/// Bytes of an encoded member key: `A ‖ x`.
pub const MEMBER_KEY_BYTES: usize = G1_BYTES + SCALAR_BYTES;
/// Bytes of an encoded opening key: `ξ1 ‖ ξ2`.
pub const OPENING_KEY_BYTES: usize = 2 * SCALAR_BYTES;

const PARAM_KIND: Kind = Kind {
    tag: "bbs04-param",
    what: "group parameter info",
};
const PARAM_NAME: &str = "bls12-381-sha256";
const PUBLIC_KEY_KIND: Kind = Kind {
    tag: "bbs04-gpk",
    what: "group public key",
};
const SIGNATURE_KIND: Kind = Kind {
    tag: "bbs04-sig",
    what: "group signature",
};
const MEMBER_KEY_KIND: Kind = Kind {
    tag: "bbs04-member-key",
    what: "group member key",
};
const MEMBER_TAG_KIND: Kind = Kind {
    tag: "bbs04-member-tag",
    what: "group member tag",
};
const OPENING_KEY_KIND: Kind = Kind {
    tag: "bbs04-opening-key",
    what: "group opening key",
};
const ISSUING_KEY_KIND: Kind = Kind {
    tag: "bbs04-issuing-key",
    what: "group issuing key",
};

/// Domain separation of the challenge transcript.
const TRANSCRIPT_DST: &[u8] = b"WEFT-BBS04-BLS12381-SHA256-v1/transcript";
/// Domain separation of the map from transcript digest to scalar (RFC 9380 DST).
const CHALLENGE_DST: &[u8] = b"WEFT-BBS04-BLS12381-SHA256-v1/challenge";

/// The group public key `gpk = (g1, g2, h, u, v, w)`; the `gpkInfo` of the precompile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupPublicKey {
    g1: G1Affine,
    g2: G2Affine,
    h: G1Affine,
    u: G1Affine,
    v: G1Affine,
    w: G2Affine,
}

/// The group manager's opening key `(ξ1, ξ2)` (the paper's `gmsk`): it reveals who signed.
#[derive(Clone, PartialEq, Eq)]
pub struct OpeningKey {
    xi1: Fr,
    xi2: Fr,
}

/// The issuer's secret `γ`: it creates member keys, so whoever holds it can sign as a new member.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuingKey {
    gamma: Fr,
}

/// A member's signing key `(A, x)` with `A = g1·(γ + x)⁻¹`.
#[derive(Clone, PartialEq, Eq)]
pub struct MemberKey {
    a: G1Affine,
    x: Fr,
}

/// The public identity `A` of a member, which opening a signature recovers.
///
/// The group manager records it with the member's identity when issuing the key. It need not be
/// secret: BBS04 anonymity holds against someone who knows every member key, because a signature
/// carries `A` only inside a linear encryption under the opening key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberTag(G1Affine);

/// A BBS04 group signature `(T1, T2, T3, c, s_α, s_β, s_x, s_δ1, s_δ2)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSignature {
    t1: G1Affine,
    t2: G1Affine,
    t3: G1Affine,
    c: Fr,
    s_alpha: Fr,
    s_beta: Fr,
    s_x: Fr,
    s_delta1: Fr,
    s_delta2: Fr,
}

/// Everything [`keygen`] creates: the public key and the two manager secrets.
#[derive(Clone, Debug)]
pub struct GroupKeys {
    /// Published; the precompile's `gpkInfo`.
    pub public: GroupPublicKey,
    /// Kept by whoever may reveal signers.
    pub opening: OpeningKey,
    /// Kept by whoever may admit members.
    pub issuing: IssuingKey,
}

/// Creates a new group: public key, opening key and issuing key.
pub fn keygen(rng: &mut (impl RngCore + CryptoRng)) -> GroupKeys {
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let h = (G1Projective::generator() * random_nonzero(rng)).into_affine();
    let xi1 = random_nonzero(rng);
    let xi2 = random_nonzero(rng);
    let gamma = random_nonzero(rng);
    // ξ ≠ 0, so the inverses exist; `inverse` returns None only for zero.
    let u = (h * xi1.inverse().unwrap_or_default()).into_affine();
    let v = (h * xi2.inverse().unwrap_or_default()).into_affine();
    let w = (g2 * gamma).into_affine();
    GroupKeys {
        public: GroupPublicKey { g1, g2, h, u, v, w },
        opening: OpeningKey { xi1, xi2 },
        issuing: IssuingKey { gamma },
    }
}

/// Issues a new member key under `issuing`; record [`MemberKey::tag`] with the member's identity.
pub fn issue(
    gpk: &GroupPublicKey,
    issuing: &IssuingKey,
    rng: &mut (impl RngCore + CryptoRng),
) -> MemberKey {
    loop {
        let x = random_nonzero(rng);
        // γ + x = 0 happens with probability 1/r; draw again rather than fail.
        if let Some(inv) = (issuing.gamma + x).inverse() {
            let a = (gpk.g1 * inv).into_affine();
            return MemberKey { a, x };
        }
    }
}

/// Signs `message` as an anonymous member of the group.
pub fn sign(
    gpk: &GroupPublicKey,
    member: &MemberKey,
    message: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> GroupSignature {
    let mut alpha = random_nonzero(rng);
    let mut beta = random_nonzero(rng);
    let t1 = (gpk.u * alpha).into_affine();
    let t2 = (gpk.v * beta).into_affine();
    let t3 = (gpk.h * (alpha + beta) + member.a).into_affine();
    let mut delta1 = member.x * alpha;
    let mut delta2 = member.x * beta;

    let [mut r_alpha, mut r_beta, mut r_x, mut r_delta1, mut r_delta2] =
        [(); 5].map(|()| Fr::rand(rng));
    let r1 = gpk.u * r_alpha;
    let r2 = gpk.v * r_beta;
    let r3 = pairing_pair(
        G1Projective::msm_unchecked(&[t3, gpk.h], &[r_x, -(r_delta1 + r_delta2)]),
        gpk.h * (-(r_alpha + r_beta)),
        gpk,
    );
    let r4 = G1Projective::msm_unchecked(&[t1, gpk.u], &[r_x, -r_delta1]);
    let r5 = G1Projective::msm_unchecked(&[t2, gpk.v], &[r_x, -r_delta2]);
    let c = challenge(gpk, message, [t1, t2, t3], [r1, r2, r4, r5], &r3);

    let signature = GroupSignature {
        t1,
        t2,
        t3,
        c,
        s_alpha: r_alpha + c * alpha,
        s_beta: r_beta + c * beta,
        s_x: r_x + c * member.x,
        s_delta1: r_delta1 + c * delta1,
        s_delta2: r_delta2 + c * delta2,
    };
    // Any of these, with the signature, reveals the member's `x`.
    for secret in [
        &mut alpha,
        &mut beta,
        &mut delta1,
        &mut delta2,
        &mut r_alpha,
        &mut r_beta,
        &mut r_x,
        &mut r_delta1,
        &mut r_delta2,
    ] {
        secret.zeroize();
    }
    signature
}

/// Checks a group signature on `message` under `gpk`.
pub fn verify(gpk: &GroupPublicKey, message: &[u8], signature: &GroupSignature) -> bool {
    let GroupSignature {
        t1,
        t2,
        t3,
        c,
        s_alpha,
        s_beta,
        s_x,
        s_delta1,
        s_delta2,
    } = *signature;
    let r1 = G1Projective::msm_unchecked(&[gpk.u, t1], &[s_alpha, -c]);
    let r2 = G1Projective::msm_unchecked(&[gpk.v, t2], &[s_beta, -c]);
    let r3 = pairing_pair(
        G1Projective::msm_unchecked(&[t3, gpk.h, gpk.g1], &[s_x, -(s_delta1 + s_delta2), -c]),
        G1Projective::msm_unchecked(&[t3, gpk.h], &[c, -(s_alpha + s_beta)]),
        gpk,
    );
    let r4 = G1Projective::msm_unchecked(&[t1, gpk.u], &[s_x, -s_delta1]);
    let r5 = G1Projective::msm_unchecked(&[t2, gpk.v], &[s_x, -s_delta2]);
    challenge(gpk, message, [t1, t2, t3], [r1, r2, r4, r5], &r3) == c
}

/// Reveals which member produced a valid signature: `A = T3 − T1·ξ1 − T2·ξ2`.
///
/// The signature is verified first, so a forged or mangled signature is refused rather than
/// "opened" to a meaningless tag.
pub fn open(
    gpk: &GroupPublicKey,
    opening: &OpeningKey,
    message: &[u8],
    signature: &GroupSignature,
) -> Result<MemberTag, SchemeError> {
    if !verify(gpk, message, signature) {
        return Err(SchemeError::SignatureInvalid);
    }
    let masks =
        G1Projective::msm_unchecked(&[signature.t1, signature.t2], &[opening.xi1, opening.xi2]);
    Ok(MemberTag((signature.t3.into_group() - masks).into_affine()))
}

/// Opens a signature and looks the tag up among `members` (the manager's registry).
///
/// `Ok(None)` means the signature is valid but its signer is not in `members`.
pub fn identify(
    gpk: &GroupPublicKey,
    opening: &OpeningKey,
    message: &[u8],
    signature: &GroupSignature,
    members: &[MemberTag],
) -> Result<Option<usize>, SchemeError> {
    let tag = open(gpk, opening, message, signature)?;
    Ok(members.iter().position(|m| *m == tag))
}

/// Verifies a group signature given as the precompile receives it.
///
/// `Err` means an argument is malformed (wrong framing, bad point, unknown parameters);
/// `Ok(false)` means everything is well formed but the signature does not verify.
pub fn verify_encoded(
    signature: &str,
    message: &[u8],
    gpk_info: &str,
    param_info: &str,
) -> Result<bool, SchemeError> {
    check_param_info(param_info)?;
    let gpk = GroupPublicKey::decode(gpk_info)?;
    let signature = GroupSignature::decode(signature)?;
    Ok(verify(&gpk, message, &signature))
}

/// Accepts exactly [`PARAM_INFO`].
pub fn check_param_info(param_info: &str) -> Result<(), SchemeError> {
    let name = encoding::split(param_info, PARAM_KIND, 64)?;
    if name == PARAM_NAME {
        Ok(())
    } else {
        Err(SchemeError::UnsupportedParams {
            found: encoding::echo(param_info),
            expected: PARAM_INFO,
        })
    }
}

impl GroupPublicKey {
    /// Encodes as `bbs04-gpk:1:<hex of g1 ‖ g2 ‖ h ‖ u ‖ v ‖ w>`, points compressed.
    pub fn encode(&self) -> String {
        encoding::encode_hex(PUBLIC_KEY_KIND, &self.to_bytes())
    }

    /// Decodes and validates (on curve, in the prime-order subgroup, not the identity).
    pub fn decode(text: &str) -> Result<Self, SchemeError> {
        let bytes: [u8; PUBLIC_KEY_BYTES] = encoding::decode_fixed(text, PUBLIC_KEY_KIND)?;
        let mut rest = &bytes[..];
        Ok(Self {
            g1: read_point(&mut rest, "group public key g1")?,
            g2: read_point(&mut rest, "group public key g2")?,
            h: read_point(&mut rest, "group public key h")?,
            u: read_point(&mut rest, "group public key u")?,
            v: read_point(&mut rest, "group public key v")?,
            w: read_point(&mut rest, "group public key w")?,
        })
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PUBLIC_KEY_BYTES);
        write_compressed(&self.g1, &mut out);
        write_compressed(&self.g2, &mut out);
        write_compressed(&self.h, &mut out);
        write_compressed(&self.u, &mut out);
        write_compressed(&self.v, &mut out);
        write_compressed(&self.w, &mut out);
        out
    }
}

impl GroupSignature {
    /// Encodes as `bbs04-sig:1:<hex of T1 ‖ T2 ‖ T3 ‖ c ‖ s_α ‖ s_β ‖ s_x ‖ s_δ1 ‖ s_δ2>`.
    ///
    /// Points are compressed; scalars are 32 bytes little-endian (arkworks canonical form).
    pub fn encode(&self) -> String {
        let mut out = Vec::with_capacity(SIGNATURE_BYTES);
        for point in [&self.t1, &self.t2, &self.t3] {
            write_compressed(point, &mut out);
        }
        for scalar in [
            &self.c,
            &self.s_alpha,
            &self.s_beta,
            &self.s_x,
            &self.s_delta1,
            &self.s_delta2,
        ] {
            write_compressed(scalar, &mut out);
        }
        encoding::encode_hex(SIGNATURE_KIND, &out)
    }

    /// Decodes and validates points (on curve, in the subgroup, not the identity) and scalars
    /// (canonical, below the group order).
    pub fn decode(text: &str) -> Result<Self, SchemeError> {
        let bytes: [u8; SIGNATURE_BYTES] = encoding::decode_fixed(text, SIGNATURE_KIND)?;
        let mut rest = &bytes[..];
        Ok(Self {
            t1: read_point(&mut rest, "group signature T1")?,
            t2: read_point(&mut rest, "group signature T2")?,
            t3: read_point(&mut rest, "group signature T3")?,
            c: read_scalar(&mut rest, "group signature c")?,
            s_alpha: read_scalar(&mut rest, "group signature s_alpha")?,
            s_beta: read_scalar(&mut rest, "group signature s_beta")?,
            s_x: read_scalar(&mut rest, "group signature s_x")?,
            s_delta1: read_scalar(&mut rest, "group signature s_delta1")?,
            s_delta2: read_scalar(&mut rest, "group signature s_delta2")?,
        })
    }
}

impl MemberKey {
    /// The member's public tag `A`, which the manager records and [`open`] recovers.
    pub fn tag(&self) -> MemberTag {
        MemberTag(self.a)
    }

    /// Checks `e(A, w + g2·x) = e(g1, g2)`: that the key was issued under `gpk`.
    ///
    /// A member should run this on a key received from the issuer before using it.
    pub fn check(&self, gpk: &GroupPublicKey) -> Result<(), SchemeError> {
        let lhs = Bls12_381::pairing(self.a, gpk.w + gpk.g2 * self.x);
        if !self.a.is_zero() && lhs == Bls12_381::pairing(gpk.g1, gpk.g2) {
            Ok(())
        } else {
            Err(SchemeError::MemberKeyMismatch)
        }
    }

    /// Encodes as `bbs04-member-key:1:<hex of A ‖ x>`. Secret: store it like a private key.
    pub fn encode(&self) -> String {
        let mut out = Vec::with_capacity(MEMBER_KEY_BYTES);
        write_compressed(&self.a, &mut out);
        write_compressed(&self.x, &mut out);
        let text = encoding::encode_hex(MEMBER_KEY_KIND, &out);
        out.zeroize();
        text
    }

    /// Decodes a member key; call [`MemberKey::check`] to tie it to a group.
    pub fn decode(text: &str) -> Result<Self, SchemeError> {
        let mut bytes: [u8; MEMBER_KEY_BYTES] = encoding::decode_fixed(text, MEMBER_KEY_KIND)?;
        let mut rest = &bytes[..];
        let key = (|| {
            Ok(Self {
                a: read_point(&mut rest, "group member key A")?,
                x: read_scalar(&mut rest, "group member key x")?,
            })
        })();
        bytes.zeroize();
        key
    }
}

impl MemberTag {
    /// Encodes as `bbs04-member-tag:1:<hex of A>`.
    pub fn encode(&self) -> String {
        let mut out = Vec::with_capacity(G1_BYTES);
        write_compressed(&self.0, &mut out);
        encoding::encode_hex(MEMBER_TAG_KIND, &out)
    }

    /// Decodes a member tag.
    pub fn decode(text: &str) -> Result<Self, SchemeError> {
        let bytes: [u8; G1_BYTES] = encoding::decode_fixed(text, MEMBER_TAG_KIND)?;
        Ok(Self(read_point(&mut &bytes[..], "group member tag")?))
    }
}

impl OpeningKey {
    /// Encodes as `bbs04-opening-key:1:<hex of ξ1 ‖ ξ2>`. Secret.
    pub fn encode(&self) -> String {
        let mut out = Vec::with_capacity(OPENING_KEY_BYTES);
        write_compressed(&self.xi1, &mut out);
        write_compressed(&self.xi2, &mut out);
        let text = encoding::encode_hex(OPENING_KEY_KIND, &out);
        out.zeroize();
        text
    }

    /// Decodes an opening key.
    pub fn decode(text: &str) -> Result<Self, SchemeError> {
        let mut bytes: [u8; OPENING_KEY_BYTES] = encoding::decode_fixed(text, OPENING_KEY_KIND)?;
        let mut rest = &bytes[..];
        let key = (|| {
            Ok(Self {
                xi1: read_nonzero_scalar(&mut rest, "group opening key xi1")?,
                xi2: read_nonzero_scalar(&mut rest, "group opening key xi2")?,
            })
        })();
        bytes.zeroize();
        key
    }

    /// Whether this opening key belongs to `gpk` (`u·ξ1 = v·ξ2 = h`).
    pub fn matches(&self, gpk: &GroupPublicKey) -> bool {
        gpk.u * self.xi1 == gpk.h && gpk.v * self.xi2 == gpk.h
    }
}

impl IssuingKey {
    /// Encodes as `bbs04-issuing-key:1:<hex of γ>`. Secret.
    pub fn encode(&self) -> String {
        let mut out = Vec::with_capacity(SCALAR_BYTES);
        write_compressed(&self.gamma, &mut out);
        let text = encoding::encode_hex(ISSUING_KEY_KIND, &out);
        out.zeroize();
        text
    }

    /// Decodes an issuing key.
    pub fn decode(text: &str) -> Result<Self, SchemeError> {
        let mut bytes: [u8; SCALAR_BYTES] = encoding::decode_fixed(text, ISSUING_KEY_KIND)?;
        let key =
            read_nonzero_scalar(&mut &bytes[..], "group issuing key").map(|gamma| Self { gamma });
        bytes.zeroize();
        key
    }

    /// Whether this issuing key belongs to `gpk` (`g2·γ = w`).
    pub fn matches(&self, gpk: &GroupPublicKey) -> bool {
        gpk.g2 * self.gamma == gpk.w
    }
}

impl Drop for OpeningKey {
    fn drop(&mut self) {
        self.xi1.zeroize();
        self.xi2.zeroize();
    }
}

impl Drop for IssuingKey {
    fn drop(&mut self) {
        self.gamma.zeroize();
    }
}

impl Drop for MemberKey {
    fn drop(&mut self) {
        self.x.zeroize();
    }
}

// Secrets are never printed.
impl std::fmt::Debug for OpeningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpeningKey { .. }")
    }
}

impl std::fmt::Debug for IssuingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuingKey { .. }")
    }
}

impl std::fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberKey")
            .field("tag", &self.tag())
            .finish_non_exhaustive()
    }
}

/// `e(a, g2) · e(b, w)`, the shape of `R3`, as one multi-pairing (one final exponentiation).
fn pairing_pair(
    a: G1Projective,
    b: G1Projective,
    gpk: &GroupPublicKey,
) -> PairingOutput<Bls12_381> {
    let [a, b] = [a, b].map(CurveGroup::into_affine);
    Bls12_381::multi_pairing([a, b], [gpk.g2, gpk.w])
}

/// The Fiat–Shamir challenge over the statement (gpk), the message and the commitments.
fn challenge(
    gpk: &GroupPublicKey,
    message: &[u8],
    ts: [G1Affine; 3],
    rs: [G1Projective; 4],
    r3: &PairingOutput<Bls12_381>,
) -> Fr {
    // Order: T1, T2, T3, R1, R2, R3, R4, R5, as in the paper.
    let rs = G1Projective::normalize_batch(&rs);
    let mut transcript = Vec::with_capacity(PUBLIC_KEY_BYTES + 7 * G1_BYTES + 576);
    transcript.extend_from_slice(&gpk.to_bytes());
    for point in ts.iter().chain(rs.iter().take(2)) {
        write_compressed(point, &mut transcript);
    }
    write_compressed(r3, &mut transcript);
    for point in rs.iter().skip(2) {
        write_compressed(point, &mut transcript);
    }

    let mut hasher = Sha256::new();
    hasher.update((TRANSCRIPT_DST.len() as u64).to_be_bytes());
    hasher.update(TRANSCRIPT_DST);
    hasher.update((message.len() as u64).to_be_bytes());
    hasher.update(message);
    hasher.update(&transcript);
    let digest = hasher.finalize();
    let to_field = <DefaultFieldHasher<Sha256, 128> as HashToField<Fr>>::new(CHALLENGE_DST);
    let [c] = to_field.hash_to_field::<1>(&digest);
    c
}

fn random_nonzero(rng: &mut (impl RngCore + CryptoRng)) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

/// Appends the compressed encoding of a point or scalar.
fn write_compressed(item: &impl CanonicalSerialize, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail: arkworks' serialisers only return the writer's I/O errors,
    // and a Vec's writer has none.
    #[allow(clippy::expect_used)]
    item.serialize_compressed(out)
        .expect("serialising into a Vec cannot fail");
}

/// Reads a compressed, validated, non-identity point from the front of `rest`.
fn read_point<P: AffineRepr + CanonicalDeserialize>(
    rest: &mut &[u8],
    what: &'static str,
) -> Result<P, SchemeError> {
    let point =
        P::deserialize_compressed(&mut *rest).map_err(|_| SchemeError::InvalidPoint { what })?;
    if point.is_zero() {
        return Err(SchemeError::IdentityPoint { what });
    }
    Ok(point)
}

/// Reads a canonical scalar (below the group order) from the front of `rest`.
fn read_scalar(rest: &mut &[u8], what: &'static str) -> Result<Fr, SchemeError> {
    Fr::deserialize_compressed(&mut *rest).map_err(|_| SchemeError::InvalidScalar { what })
}

fn read_nonzero_scalar(rest: &mut &[u8], what: &'static str) -> Result<Fr, SchemeError> {
    let scalar = read_scalar(rest, what)?;
    if scalar.is_zero() {
        return Err(SchemeError::InvalidScalar { what });
    }
    Ok(scalar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn keys_are_consistent() {
        let mut rng = StdRng::seed_from_u64(1);
        let keys = keygen(&mut rng);
        assert!(keys.opening.matches(&keys.public));
        assert!(keys.issuing.matches(&keys.public));
        let member = issue(&keys.public, &keys.issuing, &mut rng);
        assert_eq!(member.check(&keys.public), Ok(()));
    }

    #[test]
    fn secret_round_trips() {
        let mut rng = StdRng::seed_from_u64(2);
        let keys = keygen(&mut rng);
        let member = issue(&keys.public, &keys.issuing, &mut rng);
        assert_eq!(MemberKey::decode(&member.encode()), Ok(member.clone()));
        assert_eq!(
            OpeningKey::decode(&keys.opening.encode()),
            Ok(keys.opening.clone())
        );
        assert_eq!(
            IssuingKey::decode(&keys.issuing.encode()),
            Ok(keys.issuing.clone())
        );
        assert_eq!(MemberTag::decode(&member.tag().encode()), Ok(member.tag()));
        assert!(!format!("{:?}", keys.opening).contains(&keys.opening.encode()[20..]));
    }
}
