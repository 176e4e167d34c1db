//! Every Solidity contract deploys and behaves as it does on Ethereum.

use alloy_primitives::{address, b256, keccak256, Address, Bytes, TxKind, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolEvent, SolValue};
use weft_crypto::{KeyPair, SecretKey, SuiteId};
use weft_types::TransactionStatus;

use crate::{bytecode, topic, Chain, COMPILERS};

sol! {
    function get() returns (string);
    function set(string name_);

    function name() returns (string);
    function symbol() returns (string);
    function totalSupply() returns (uint256);
    function balanceOf(address account) returns (uint256);
    function transfer(address to, uint256 amount) returns (bool);
    function allowance(address owner, address spender) returns (uint256);
    function approve(address spender, uint256 amount) returns (bool);
    function transferFrom(address from, address to, uint256 amount) returns (bool);
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    event Stored(address indexed who, uint256 indexed key, bytes32 indexed tag, string note);
    error Insufficient(uint256 available, uint256 required);
    function store(uint256 key, bytes32 tag, string note);
    function revertWithReason(string reason);
    function revertWithCustom(uint256 available, uint256 required);
    function requireNonZero(uint256 x) returns (uint256);
    function panicDivide(uint256 a, uint256 b) returns (uint256);

    function create(uint256 v) returns (address);
    function create2(uint256 v, bytes32 salt) returns (address);
    function predict(uint256 v, bytes32 salt) returns (address);
    function value() returns (uint256);
    function creator() returns (address);

    function count() returns (uint256);
    function callIncrement(address counter) returns (uint256);
    function callFailCatch(address counter) returns (bool ok, string reason);
    function staticRead(address counter) returns (uint256);

    function recover(bytes32 hash, uint8 v, bytes32 r, bytes32 s) returns (address);
    function sha(bytes data) returns (bytes32);
    function kec(bytes data) returns (bytes32);
    function ripemd(bytes data) returns (bytes20);
}

fn ok_output(outcome: weft_executor::CallOutcome) -> Bytes {
    assert_eq!(
        outcome.status,
        TransactionStatus::Success,
        "call failed: {outcome:?}"
    );
    outcome.output
}

#[test]
fn hello_world_gets_and_sets() {
    for compiler in COMPILERS {
        let mut chain = Chain::new();
        let hello = chain.deploy(bytecode(compiler, "HelloWorld"), &[]);
        let out = ok_output(chain.call(hello, getCall {}.abi_encode()));
        assert_eq!(
            getCall::abi_decode_returns(&out).expect("decode"),
            "Hello, World!"
        );
        let receipt = chain.send(
            TxKind::Call(hello),
            setCall {
                name_: "Weft".into(),
            }
            .abi_encode(),
        );
        assert!(receipt.status.is_success(), "{compiler}: {receipt:?}");
        let out = ok_output(chain.call(hello, getCall {}.abi_encode()));
        assert_eq!(getCall::abi_decode_returns(&out).expect("decode"), "Weft");
        // The state as of block 1 (the deployment) still says hello.
        let old = ok_output(chain.call_at(hello, getCall {}.abi_encode(), Some(1)));
        assert_eq!(
            getCall::abi_decode_returns(&old).expect("decode"),
            "Hello, World!"
        );
    }
}

#[test]
fn erc20_transfers_approves_and_emits_events() {
    for compiler in COMPILERS {
        let mut chain = Chain::new();
        let me = chain.key.address();
        let supply = U256::from(1_000_000u64);
        let token = chain.deploy(
            bytecode(compiler, "ERC20Token"),
            &("Weft Token".to_string(), "WFT".to_string(), supply).abi_encode_params(),
        );
        let balance = |chain: &Chain<_>, who: Address| {
            U256::abi_decode(&ok_output(
                chain.call(token, balanceOfCall { account: who }.abi_encode()),
            ))
            .expect("u256")
        };
        assert_eq!(balance(&chain, me), supply);
        let bob = address!("00000000000000000000000000000000000000b0");
        let receipt = chain.send(
            TxKind::Call(token),
            transferCall {
                to: bob,
                amount: U256::from(250),
            }
            .abi_encode(),
        );
        assert!(receipt.status.is_success());
        assert_eq!(receipt.logs.len(), 1);
        let log = &receipt.logs[0];
        assert_eq!(log.address, token);
        assert_eq!(
            log.topics(),
            &[Transfer::SIGNATURE_HASH, topic(me), topic(bob)]
        );
        let decoded = Transfer::decode_log_data(&log.data).expect("Transfer");
        assert_eq!(
            (decoded.from, decoded.to, decoded.value),
            (me, bob, U256::from(250))
        );
        assert_eq!(balance(&chain, bob), U256::from(250));
        assert_eq!(balance(&chain, me), supply - U256::from(250));

        // approve + transferFrom by a second account.
        let spender_key = KeyPair::generate(SuiteId::Standard);
        let approve = chain.send(
            TxKind::Call(token),
            approveCall {
                spender: spender_key.address(),
                amount: U256::from(100),
            }
            .abi_encode(),
        );
        assert_eq!(approve.logs[0].topics()[0], Approval::SIGNATURE_HASH);
        let owner_key = std::mem::replace(&mut chain.key, spender_key);
        let pulled = chain.send(
            TxKind::Call(token),
            transferFromCall {
                from: me,
                to: bob,
                amount: U256::from(60),
            }
            .abi_encode(),
        );
        assert!(pulled.status.is_success(), "{pulled:?}");
        let too_much = chain.send(
            TxKind::Call(token),
            transferFromCall {
                from: me,
                to: bob,
                amount: U256::from(41),
            }
            .abi_encode(),
        );
        assert_eq!(too_much.status, TransactionStatus::RevertInstruction);
        assert_eq!(
            revert_reason(&too_much.output),
            "ERC20: insufficient allowance"
        );
        chain.key = owner_key;
        assert_eq!(balance(&chain, bob), U256::from(310));

        // Transferring more than the balance reverts with OpenZeppelin's reason, and
        // changes nothing.
        let over = chain.send(
            TxKind::Call(token),
            transferCall {
                to: bob,
                amount: supply,
            }
            .abi_encode(),
        );
        assert_eq!(over.status, TransactionStatus::RevertInstruction);
        assert_eq!(
            revert_reason(&over.output),
            "ERC20: transfer amount exceeds balance"
        );
        assert!(over.logs.is_empty());
        assert_eq!(balance(&chain, bob), U256::from(310));
    }
}

fn revert_reason(output: &[u8]) -> String {
    alloy_sol_types::Revert::abi_decode(output)
        .expect("Error(string)")
        .reason
}

#[test]
fn events_and_every_revert_flavour() {
    for compiler in COMPILERS {
        let mut chain = Chain::new();
        let c = chain.deploy(bytecode(compiler, "EventsAndErrors"), &[]);
        let tag = B256::repeat_byte(7);
        let receipt = chain.send(
            TxKind::Call(c),
            storeCall {
                key: U256::from(42),
                tag,
                note: "hi".into(),
            }
            .abi_encode(),
        );
        assert!(receipt.status.is_success());
        let log = &receipt.logs[0];
        assert_eq!(
            log.topics(),
            &[
                Stored::SIGNATURE_HASH,
                topic(chain.key.address()),
                B256::from(U256::from(42)),
                tag
            ]
        );
        assert_eq!(
            Stored::decode_log_data(&log.data).expect("Stored").note,
            "hi"
        );

        let reason = chain.send(
            TxKind::Call(c),
            revertWithReasonCall {
                reason: "nope".into(),
            }
            .abi_encode(),
        );
        assert_eq!(reason.status, TransactionStatus::RevertInstruction);
        assert_eq!(revert_reason(&reason.output), "nope");

        let custom = chain.call(
            c,
            revertWithCustomCall {
                available: U256::from(1),
                required: U256::from(2),
            }
            .abi_encode(),
        );
        assert_eq!(custom.status, TransactionStatus::RevertInstruction);
        let err = Insufficient::abi_decode(&custom.output).expect("custom error");
        assert_eq!(
            (err.available, err.required),
            (U256::from(1), U256::from(2))
        );

        let required = chain.call(c, requireNonZeroCall { x: U256::ZERO }.abi_encode());
        assert_eq!(revert_reason(&required.output), "EventsAndErrors: zero");

        let panic = chain.call(
            c,
            panicDivideCall {
                a: U256::from(1),
                b: U256::ZERO,
            }
            .abi_encode(),
        );
        assert_eq!(panic.status, TransactionStatus::RevertInstruction);
        let code = alloy_sol_types::Panic::abi_decode(&panic.output)
            .expect("Panic(uint256)")
            .code;
        assert_eq!(code, U256::from(0x12), "division by zero");
    }
}

#[test]
fn factory_addresses_follow_create_and_create2() {
    for compiler in COMPILERS {
        let mut chain = Chain::new();
        // A transaction-level deployment lands at keccak(rlp(sender, nonce)).
        let factory = chain.deploy(bytecode(compiler, "Factory"), &[]);
        assert_eq!(factory, chain.key.address().create(0));
        let receipt = chain.send(
            TxKind::Call(factory),
            createCall { v: U256::from(5) }.abi_encode(),
        );
        assert!(receipt.status.is_success(), "{receipt:?}");
        let child = Address::abi_decode(&receipt.output).expect("address");
        assert_eq!(
            child,
            factory.create(1),
            "a contract's first CREATE uses nonce 1"
        );
        let v = U256::abi_decode(&ok_output(chain.call(child, valueCall {}.abi_encode())))
            .expect("u256");
        assert_eq!(v, U256::from(5));
        let creator =
            Address::abi_decode(&ok_output(chain.call(child, creatorCall {}.abi_encode())))
                .expect("address");
        assert_eq!(creator, factory);

        let salt = B256::repeat_byte(0x5a);
        let mut init = bytecode(compiler, "Child");
        init.extend_from_slice(&U256::from(9).abi_encode());
        let expected = factory.create2(salt, keccak256(&init));
        let predicted = Address::abi_decode(&ok_output(
            chain.call(
                factory,
                predictCall {
                    v: U256::from(9),
                    salt,
                }
                .abi_encode(),
            ),
        ))
        .expect("address");
        assert_eq!(predicted, expected);
        let receipt = chain.send(
            TxKind::Call(factory),
            create2Call {
                v: U256::from(9),
                salt,
            }
            .abi_encode(),
        );
        assert_eq!(
            Address::abi_decode(&receipt.output).expect("address"),
            expected
        );
        // The same salt again collides: CREATE2 fails inside, and the factory reverts.
        let again = chain.send(
            TxKind::Call(factory),
            create2Call {
                v: U256::from(9),
                salt,
            }
            .abi_encode(),
        );
        assert_eq!(again.status, TransactionStatus::RevertInstruction);
    }
}

#[test]
fn contracts_call_each_other() {
    for compiler in COMPILERS {
        let mut chain = Chain::new();
        let counter = chain.deploy(bytecode(compiler, "Counter"), &[]);
        let caller = chain.deploy(bytecode(compiler, "Caller"), &[]);
        let r = chain.send(
            TxKind::Call(caller),
            callIncrementCall { counter }.abi_encode(),
        );
        assert_eq!(U256::abi_decode(&r.output).expect("u256"), U256::from(1));
        let r = chain.send(
            TxKind::Call(caller),
            callIncrementCall { counter }.abi_encode(),
        );
        assert_eq!(U256::abi_decode(&r.output).expect("u256"), U256::from(2));
        let caught = chain.send(
            TxKind::Call(caller),
            callFailCatchCall { counter }.abi_encode(),
        );
        let ret = callFailCatchCall::abi_decode_returns(&caught.output).expect("decode");
        assert_eq!((ret.ok, ret.reason.as_str()), (false, "counter failed"));
        let read = ok_output(chain.call(caller, staticReadCall { counter }.abi_encode()));
        assert_eq!(U256::abi_decode(&read).expect("u256"), U256::from(2));
    }
}

#[test]
fn ecrecover_sha256_and_ripemd_precompiles() {
    for compiler in COMPILERS {
        let mut chain = Chain::new();
        let c = chain.deploy(bytecode(compiler, "CryptoUser"), &[]);
        let signer = KeyPair::from_secret(SuiteId::Standard, SecretKey::from_bytes([0x46; 32]))
            .expect("key");
        let hash = keccak256(b"weft");
        let sig = signer.sign(&hash).expect("sign");
        let call = recoverCall {
            hash,
            v: 27 + sig[64],
            r: B256::from_slice(&sig[..32]),
            s: B256::from_slice(&sig[32..64]),
        };
        let recovered =
            Address::abi_decode(&ok_output(chain.call(c, call.abi_encode()))).expect("address");
        assert_eq!(recovered, signer.address());
        let sha = B256::abi_decode(&ok_output(
            chain.call(
                c,
                shaCall {
                    data: Bytes::from_static(b"abc"),
                }
                .abi_encode(),
            ),
        ))
        .expect("b256");
        assert_eq!(
            sha,
            b256!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        let kec = B256::abi_decode(&ok_output(
            chain.call(
                c,
                kecCall {
                    data: Bytes::from_static(b"abc"),
                }
                .abi_encode(),
            ),
        ))
        .expect("b256");
        assert_eq!(kec, keccak256(b"abc"));
        let rip = ok_output(
            chain.call(
                c,
                ripemdCall {
                    data: Bytes::from_static(b"abc"),
                }
                .abi_encode(),
            ),
        );
        assert_eq!(
            &rip[..20],
            &alloy_primitives::hex!("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")[..]
        );
    }
}

#[test]
fn the_evm_keeps_keccak_on_an_sm_chain() {
    let mut chain = Chain::on(
        weft_storage::memory::MemoryStorage::new(weft_ledger::tables::ALL),
        crate::genesis(SuiteId::Sm),
        KeyPair::generate(SuiteId::Sm),
    );
    let hello = chain.deploy(bytecode("0.8.37", "HelloWorld"), &[]);
    // CREATE addresses are Ethereum's even though the sender's address is SM3-derived.
    assert_eq!(hello, chain.key.address().create(0));
    let out = ok_output(chain.call(hello, getCall {}.abi_encode()));
    assert_eq!(
        getCall::abi_decode_returns(&out).expect("decode"),
        "Hello, World!"
    );
}

#[test]
fn accounts_storage_and_deployment_abis_are_readable() {
    let mut chain = Chain::new();
    let mut tx = chain
        .tx(TxKind::Create, bytecode("0.8.37", "HelloWorld"), 5_000_000)
        .into_tx();
    let weft_types::Transaction::Native(ref mut signed) = tx else {
        unreachable!()
    };
    signed.tx.abi = r#"[{"type":"function","name":"get"}]"#.into();
    let signed = signed.tx.clone().sign(&chain.key).expect("sign");
    let tx = weft_types::Transaction::Native(signed)
        .verify(chain.ledger.suite())
        .expect("verify");
    let receipt = chain.block(vec![tx]).remove(0);
    let hello = receipt.contract_address.expect("deployed");
    let abi = chain.executor.abi(&chain.ledger, &hello).expect("read");
    assert_eq!(
        abi.as_deref(),
        Some(r#"[{"type":"function","name":"get"}]"#)
    );
    assert_eq!(
        chain
            .executor
            .abi(&chain.ledger, &chain.key.address())
            .expect("read"),
        None
    );

    let contract = chain
        .executor
        .account(&chain.ledger, &hello, None)
        .expect("account");
    assert_eq!(contract.nonce, 1, "EIP-161: contracts start at nonce 1");
    assert!(!contract.code.is_empty());
    let me = chain
        .executor
        .account(&chain.ledger, &chain.key.address(), None)
        .expect("account");
    assert_eq!(me.nonce, 1, "one deployment");
    assert!(me.code.is_empty());
    // A native call leaves the account nonce alone: its replay protection is its own.
    let receipt = chain.send(TxKind::Call(hello), vec![0x6d, 0x4c, 0xe6, 0x3c]);
    assert!(receipt.status.is_success(), "{receipt:?}");
    let me = chain
        .executor
        .account(&chain.ledger, &chain.key.address(), None)
        .expect("account");
    assert_eq!(me.nonce, 1, "native calls do not consume Ethereum nonces");
    let before = chain
        .executor
        .account(&chain.ledger, &hello, Some(0))
        .expect("account");
    assert_eq!(
        before,
        weft_executor::AccountView::default(),
        "nothing at genesis"
    );

    // Slot 0 holds the short string "Hello, World!": bytes left-aligned, length * 2 last.
    let slot = chain
        .executor
        .storage_at(&chain.ledger, &hello, &U256::ZERO, None)
        .expect("slot");
    let bytes = slot.to_be_bytes::<32>();
    assert_eq!(&bytes[..13], b"Hello, World!");
    assert_eq!(bytes[31], 26);
    assert!(chain
        .executor
        .account(&chain.ledger, &hello, Some(99))
        .is_err());
}
