//! The privacy precompiles through real transactions: the group signature plugin (0x5004)
//! and the ring signature plugin (0x5005) built by cargo, pinned in genesis and loaded from
//! `.so` files, called directly and from the `SigVerifier` Solidity contract, with keys and
//! signatures made by `weft-sig-schemes` as the `weft group-sig` / `weft ring-sig` commands
//! make them.

use alloy_primitives::{Address, TxKind, U256};
use alloy_sol_types::{sol, SolCall, SolEvent};
use rand::rngs::StdRng;
use rand::SeedableRng;
use weft_plugin_abi::addr;
use weft_sig_schemes::bbs04;
use weft_sig_schemes::lsag::{self, Ring, RingSignature};
use weft_tests::{solidity, PluginChain};
use weft_types::TransactionStatus;

sol! {
    interface GroupSigPrecompiled {
        function groupSigVerify(string signature, string message, string gpkInfo, string paramInfo)
            external view returns (int32, bool);
    }
    interface RingSigPrecompiled {
        function ringSigVerify(string signature, string message, string paramInfo)
            external view returns (int32, bool);
    }
    interface SigVerifier {
        function checkGroupSig(string signature, string message, string gpkInfo, string paramInfo)
            external view returns (int32 code, bool valid);
        function checkRingSig(string signature, string message, string paramInfo)
            external view returns (int32 code, bool valid);
        function verifyGroupSig(string signature, string message, string gpkInfo, string paramInfo)
            external returns (int32 code, bool valid);
        function verifyRingSig(string signature, string message, string paramInfo)
            external returns (int32 code, bool valid);
        function lastCode() external view returns (int32);
        function lastValid() external view returns (bool);
        function accepted() external view returns (uint256);
        event GroupSigVerified(address indexed sender, int32 code, bool valid, string message);
        event RingSigVerified(address indexed sender, int32 code, bool valid, string message);
    }
}

const GROUP_SIG: Address = addr(0x5004);
const RING_SIG: Address = addr(0x5005);

/// FISCO's codes, which the plugins keep.
const VERIFY_GROUP_SIG_FAILED: i32 = -51_700;
const VERIFY_RING_SIG_FAILED: i32 = -51_800;
const CODE_UNKNOWN_FUNCTION_CALL: i32 = -50_101;

fn chain() -> PluginChain {
    PluginChain::builder()
        .plugin("weft-plugin-group-sig")
        .plugin("weft-plugin-ring-sig")
        .build()
}

/// Flip one hex digit of an encoded value's payload, `at` digits after the framing.
fn tamper(text: &str, at: usize) -> String {
    let start = text.rfind(':').unwrap() + 1;
    let mut bytes = text.as_bytes().to_vec();
    let i = start + at;
    bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

/// A group, a signature by one of its members and one by a member of another group.
struct Group {
    gpk: String,
    signature: String,
    outsider_signature: String,
}

const GROUP_MESSAGE: &str = "pay 10 to bob";

fn group() -> Group {
    let mut rng = StdRng::seed_from_u64(1);
    let keys = bbs04::keygen(&mut rng);
    let member = bbs04::issue(&keys.public, &keys.issuing, &mut rng);
    let signature = bbs04::sign(&keys.public, &member, GROUP_MESSAGE.as_bytes(), &mut rng);
    let other = bbs04::keygen(&mut rng);
    let outsider = bbs04::issue(&other.public, &other.issuing, &mut rng);
    let outsider_signature =
        bbs04::sign(&other.public, &outsider, GROUP_MESSAGE.as_bytes(), &mut rng);
    // The manager can tell who signed; the chain cannot.
    assert_eq!(
        bbs04::identify(
            &keys.public,
            &keys.opening,
            GROUP_MESSAGE.as_bytes(),
            &signature,
            &[member.tag()]
        ),
        Ok(Some(0))
    );
    Group {
        gpk: keys.public.encode(),
        signature: signature.encode(),
        outsider_signature: outsider_signature.encode(),
    }
}

fn group_call(
    signature: &str,
    message: &str,
    gpk: &str,
) -> GroupSigPrecompiled::groupSigVerifyCall {
    GroupSigPrecompiled::groupSigVerifyCall {
        signature: signature.into(),
        message: message.into(),
        gpkInfo: gpk.into(),
        paramInfo: bbs04::PARAM_INFO.into(),
    }
}

/// `groupSigVerify` called directly at 0x5004, without a transaction.
fn group_verify(chain: &PluginChain, signature: &str, message: &str, gpk: &str) -> (i32, bool) {
    let out = chain.call(
        Address::ZERO,
        GROUP_SIG,
        group_call(signature, message, gpk).abi_encode(),
    );
    assert_eq!(out.status, TransactionStatus::Success, "{out:?}");
    let r = GroupSigPrecompiled::groupSigVerifyCall::abi_decode_returns(&out.output).unwrap();
    (r._0, r._1)
}

/// `checkGroupSig` of the SigVerifier at `verifier`.
fn group_check(
    chain: &PluginChain,
    verifier: Address,
    signature: &str,
    message: &str,
    gpk: &str,
) -> (i32, bool) {
    let input = SigVerifier::checkGroupSigCall {
        signature: signature.into(),
        message: message.into(),
        gpkInfo: gpk.into(),
        paramInfo: bbs04::PARAM_INFO.into(),
    };
    let out = chain.call(Address::ZERO, verifier, input.abi_encode());
    assert_eq!(out.status, TransactionStatus::Success, "{out:?}");
    let r = SigVerifier::checkGroupSigCall::abi_decode_returns(&out.output).unwrap();
    (r.code, r.valid)
}

fn stored(chain: &PluginChain, verifier: Address) -> (i32, bool, U256) {
    let get = |input: Vec<u8>| chain.call(Address::ZERO, verifier, input).output;
    (
        SigVerifier::lastCodeCall::abi_decode_returns(&get(
            SigVerifier::lastCodeCall {}.abi_encode()
        ))
        .unwrap(),
        SigVerifier::lastValidCall::abi_decode_returns(&get(
            SigVerifier::lastValidCall {}.abi_encode()
        ))
        .unwrap(),
        SigVerifier::acceptedCall::abi_decode_returns(&get(
            SigVerifier::acceptedCall {}.abi_encode()
        ))
        .unwrap(),
    )
}

#[test]
fn group_signatures_verify_at_0x5004_directly() {
    let mut chain = chain();
    let g = group();
    assert_eq!(
        group_verify(&chain, &g.signature, GROUP_MESSAGE, &g.gpk),
        (0, true)
    );
    assert_eq!(
        group_verify(&chain, &g.signature, "pay 11 to bob", &g.gpk),
        (VERIFY_GROUP_SIG_FAILED, false),
        "tampered message"
    );
    // The low byte of s_beta (scalars are little-endian: the value stays canonical).
    let s_beta = 2 * (3 * bbs04::G1_BYTES + 2 * bbs04::SCALAR_BYTES);
    assert_eq!(
        group_verify(&chain, &tamper(&g.signature, s_beta), GROUP_MESSAGE, &g.gpk),
        (VERIFY_GROUP_SIG_FAILED, false),
        "tampered signature"
    );
    assert_eq!(
        group_verify(&chain, &g.outsider_signature, GROUP_MESSAGE, &g.gpk),
        (VERIFY_GROUP_SIG_FAILED, false),
        "signed by a member of another group"
    );
    // Malformed input is a code in FISCO's group-signature range, not a revert.
    let (code, valid) = group_verify(&chain, "bbs04-sig:1:00", GROUP_MESSAGE, &g.gpk);
    assert!(
        !valid && (-51_799..VERIFY_GROUP_SIG_FAILED).contains(&code),
        "{code}"
    );
    let (code, valid) = group_verify(&chain, &g.signature, GROUP_MESSAGE, "not a key");
    assert!(
        !valid && (-51_799..VERIFY_GROUP_SIG_FAILED).contains(&code),
        "{code}"
    );

    // In a transaction from an account: the receipt carries the result and the gas.
    let user = chain.new_account();
    let receipt = chain.send(
        &user,
        TxKind::Call(GROUP_SIG),
        group_call(&g.signature, GROUP_MESSAGE, &g.gpk).abi_encode(),
    );
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    let r = GroupSigPrecompiled::groupSigVerifyCall::abi_decode_returns(&receipt.output).unwrap();
    assert_eq!((r._0, r._1), (0, true));
    assert!(
        receipt.gas_used > 60_000,
        "verification is metered: {}",
        receipt.gas_used
    );
    // An unknown method answers with FISCO's code too.
    let receipt = chain.send(&user, TxKind::Call(GROUP_SIG), vec![1, 2, 3, 4]);
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    let r = GroupSigPrecompiled::groupSigVerifyCall::abi_decode_returns(&receipt.output).unwrap();
    assert_eq!((r._0, r._1), (CODE_UNKNOWN_FUNCTION_CALL, false));
}

#[test]
fn group_signatures_verify_through_a_solidity_contract() {
    let mut chain = chain();
    let g = group();
    let user = chain.new_account();
    let verifier = chain.deploy(&user, solidity("SigVerifier"), &[]);

    // View calls through the contract.
    assert_eq!(
        group_check(&chain, verifier, &g.signature, GROUP_MESSAGE, &g.gpk),
        (0, true)
    );
    assert_eq!(
        group_check(&chain, verifier, &g.signature, "pay 11 to bob", &g.gpk),
        (VERIFY_GROUP_SIG_FAILED, false)
    );
    let tampered = tamper(&g.signature, 2 * 3 * bbs04::G1_BYTES + 1);
    assert_eq!(
        group_check(&chain, verifier, &tampered, GROUP_MESSAGE, &g.gpk),
        (VERIFY_GROUP_SIG_FAILED, false),
        "tampered challenge"
    );
    assert_eq!(
        group_check(
            &chain,
            verifier,
            &g.outsider_signature,
            GROUP_MESSAGE,
            &g.gpk
        ),
        (VERIFY_GROUP_SIG_FAILED, false)
    );

    // Transactions that record the outcome.
    let verify = |signature: &str, message: &str| SigVerifier::verifyGroupSigCall {
        signature: signature.into(),
        message: message.into(),
        gpkInfo: g.gpk.clone(),
        paramInfo: bbs04::PARAM_INFO.into(),
    };
    let receipt = chain.send(
        &user,
        TxKind::Call(verifier),
        verify(&g.signature, GROUP_MESSAGE).abi_encode(),
    );
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    let r = SigVerifier::verifyGroupSigCall::abi_decode_returns(&receipt.output).unwrap();
    assert_eq!((r.code, r.valid), (0, true));
    let log = receipt
        .logs
        .iter()
        .find(|l| l.address == verifier)
        .expect("the contract logs the outcome");
    let event = SigVerifier::GroupSigVerified::decode_log_data(&log.data).unwrap();
    assert_eq!(
        (
            event.sender,
            event.code,
            event.valid,
            event.message.as_str()
        ),
        (user.address(), 0, true, GROUP_MESSAGE)
    );
    assert_eq!(stored(&chain, verifier), (0, true, U256::from(1)));

    let receipt = chain.send(
        &user,
        TxKind::Call(verifier),
        verify(&g.outsider_signature, GROUP_MESSAGE).abi_encode(),
    );
    assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
    assert_eq!(
        stored(&chain, verifier),
        (VERIFY_GROUP_SIG_FAILED, false, U256::from(1)),
        "a rejected signature is recorded, not counted"
    );
}

/// A ring of `n` members; its secret keys by index.
fn ring(seed: u64, n: usize) -> (Ring, Vec<lsag::RingSecretKey>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (secrets, publics): (Vec<_>, Vec<_>) = (0..n).map(|_| lsag::keygen(&mut rng)).unzip();
    (Ring::new(publics).unwrap(), secrets)
}

fn ring_sign(
    ring: &Ring,
    secrets: &[lsag::RingSecretKey],
    signer: usize,
    message: &str,
) -> RingSignature {
    let mut rng = StdRng::seed_from_u64(1000 + signer as u64 + message.len() as u64);
    lsag::sign(message.as_bytes(), ring, &secrets[signer], signer, &mut rng).unwrap()
}

fn ring_call(signature: &str, message: &str, ring: &str) -> RingSigPrecompiled::ringSigVerifyCall {
    RingSigPrecompiled::ringSigVerifyCall {
        signature: signature.into(),
        message: message.into(),
        paramInfo: ring.into(),
    }
}

fn ring_verify(chain: &PluginChain, signature: &str, message: &str, ring: &str) -> (i32, bool) {
    let out = chain.call(
        Address::ZERO,
        RING_SIG,
        ring_call(signature, message, ring).abi_encode(),
    );
    assert_eq!(out.status, TransactionStatus::Success, "{out:?}");
    let r = RingSigPrecompiled::ringSigVerifyCall::abi_decode_returns(&out.output).unwrap();
    (r._0, r._1)
}

#[test]
fn ring_signatures_of_a_ring_of_16_verify_and_link() {
    let mut chain = chain();
    let (ring16, secrets) = ring(16, 16);
    let param = ring16.encode();
    let yes = ring_sign(&ring16, &secrets, 5, "vote: yes");
    let sig = yes.encode();

    assert_eq!(ring_verify(&chain, &sig, "vote: yes", &param), (0, true));
    assert_eq!(
        ring_verify(&chain, &sig, "vote: no", &param),
        (VERIFY_RING_SIG_FAILED, false),
        "tampered message"
    );
    // The last digit of s_0 (big-endian: the value stays canonical).
    let s0_last = 2 * (1 + lsag::POINT_BYTES + 2 * lsag::SCALAR_BYTES) - 1;
    assert_eq!(
        ring_verify(&chain, &tamper(&sig, s0_last), "vote: yes", &param),
        (VERIFY_RING_SIG_FAILED, false),
        "tampered signature"
    );
    // A ring without the signer.
    let (other16, _) = ring(17, 16);
    assert_eq!(
        ring_verify(&chain, &sig, "vote: yes", &other16.encode()),
        (VERIFY_RING_SIG_FAILED, false)
    );
    // Malformed input is a code in FISCO's ring-signature range, not a revert.
    let (code, valid) = ring_verify(&chain, &sig, "vote: yes", "lsag-ring:1:00");
    assert!(
        !valid && (-51_899..VERIFY_RING_SIG_FAILED).contains(&code),
        "{code}"
    );

    // Linkability: the same key signs twice (another message, another ring holding it);
    // both verify on chain and the key images match. Another member's do not.
    let again = ring_sign(&ring16, &secrets, 5, "vote: no");
    assert_eq!(
        ring_verify(&chain, &again.encode(), "vote: no", &param),
        (0, true)
    );
    let small = Ring::new(ring16.keys()[4..8].to_vec()).unwrap();
    let in_small = lsag::sign(
        b"vote: maybe",
        &small,
        &secrets[5],
        1,
        &mut StdRng::seed_from_u64(99),
    )
    .unwrap();
    assert_eq!(
        ring_verify(&chain, &in_small.encode(), "vote: maybe", &small.encode()),
        (0, true)
    );
    let other = ring_sign(&ring16, &secrets, 6, "vote: yes");
    assert_eq!(
        ring_verify(&chain, &other.encode(), "vote: yes", &param),
        (0, true)
    );
    assert!(lsag::linked(&yes, &again));
    assert!(lsag::linked(&yes, &in_small));
    assert!(!lsag::linked(&yes, &other));
    assert_eq!(
        yes.key_image(),
        RingSignature::decode(&sig).unwrap().key_image()
    );

    // Through the Solidity contract, in transactions.
    let user = chain.new_account();
    let verifier = chain.deploy(&user, solidity("SigVerifier"), &[]);
    let check = SigVerifier::checkRingSigCall {
        signature: sig.clone(),
        message: "vote: no".into(),
        paramInfo: param.clone(),
    };
    let out = chain.call(Address::ZERO, verifier, check.abi_encode());
    let r = SigVerifier::checkRingSigCall::abi_decode_returns(&out.output).unwrap();
    assert_eq!((r.code, r.valid), (VERIFY_RING_SIG_FAILED, false));
    for (signature, message) in [(&sig, "vote: yes"), (&sig, "vote: no")] {
        let input = SigVerifier::verifyRingSigCall {
            signature: signature.clone(),
            message: message.into(),
            paramInfo: param.clone(),
        };
        let receipt = chain.send(&user, TxKind::Call(verifier), input.abi_encode());
        assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
        let log = receipt
            .logs
            .iter()
            .find(|l| l.address == verifier)
            .expect("the contract logs the outcome");
        let event = SigVerifier::RingSigVerified::decode_log_data(&log.data).unwrap();
        assert_eq!(event.message, message);
    }
    assert_eq!(
        stored(&chain, verifier),
        (VERIFY_RING_SIG_FAILED, false, U256::from(1)),
        "one valid signature counted, the last one rejected"
    );
}

#[test]
fn ring_verification_gas_grows_with_the_ring() {
    let mut chain = chain();
    let user = chain.new_account();
    let mut gas = Vec::new();
    for n in [2, 16, 64] {
        let (r, secrets) = ring(100 + n as u64, n);
        let sig = ring_sign(&r, &secrets, n - 1, "m").encode();
        let receipt = chain.send(
            &user,
            TxKind::Call(RING_SIG),
            ring_call(&sig, "m", &r.encode()).abi_encode(),
        );
        assert_eq!(receipt.status, TransactionStatus::Success, "{receipt:?}");
        let out =
            RingSigPrecompiled::ringSigVerifyCall::abi_decode_returns(&receipt.output).unwrap();
        assert_eq!((out._0, out._1), (0, true), "n={n}");
        gas.push(receipt.gas_used);
    }
    assert!(gas[0] < gas[1] && gas[1] < gas[2], "{gas:?}");
    // Per member: 3,600 gas of verification, 130 bytes decoded, and 130 bytes of calldata.
    let per_member = (gas[2] - gas[1]) / 48;
    assert!(
        (3_730..8_000).contains(&per_member),
        "{per_member} gas per member"
    );
}
