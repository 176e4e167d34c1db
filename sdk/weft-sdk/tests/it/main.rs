//! The macros end to end on the test host: dispatch by selector, argument and return
//! coding, mutability and value checks, custom errors, events, the ABI JSON.
#![allow(clippy::unwrap_used)] // Tests unwrap freely: a panic is a failure report.
#![allow(missing_docs)] // A test contract.

use weft_sdk::abi::decode_reason;
use weft_sdk::prelude::*;
use weft_sdk::sol_types::SolInterface;
use weft_sdk::testing::TestHost;
use weft_sdk::{address, sol};

sol! {
    event Stored(address indexed who, uint64 value, string note);
    event Anon(uint256 indexed a) anonymous;
    error TooBig(uint64 value, uint64 max);

    /// The contract's interface as callers see it.
    interface IKitchen {
        struct Pair { uint256 a; address b; }
        error Nope();
        function store(uint64 value, string note) external returns (uint64);
        function stored() external view returns (uint64);
        function pair() external pure returns (uint8, bool);
        function echo(bytes data, bytes32 word, uint16[] xs) external pure returns (bytes, bytes32, uint16[]);
        function pay() external payable returns (uint256);
        function renamed() external pure returns (string);
        function swap(Pair p) external pure returns (Pair);
        function fail(uint8 how) external;
    }
}

#[storage]
pub struct Inner {
    x: StorageValue<u64>,
    y: StorageVec<Address>,
}

#[storage]
pub struct Kitchen {
    value: StorageValue<u64>,
    inner: Inner,
    after: StorageValue<bool>,
}

#[contract(events(Stored, Anon), errors(TooBig, IKitchen::Nope))]
impl Kitchen {
    #[constructor]
    #[payable]
    pub fn constructor(&mut self, start: u64) {
        self.value.set(start);
        self.after.set(true);
    }

    pub fn store(&mut self, value: u64, note: String) -> Result<u64, Revert> {
        if value > 1000 {
            return Err(TooBig { value, max: 1000 }.into());
        }
        let old = self.value.get();
        self.value.set(value);
        self.inner.x.set(value + 1);
        self.inner.y.push(msg::sender());
        emit(&Stored {
            who: msg::sender(),
            value,
            note,
        });
        Ok(old)
    }

    #[view]
    pub fn stored(&self) -> u64 {
        self.value.get()
    }

    #[pure]
    pub fn pair() -> (u8, bool) {
        (7, true)
    }

    pub fn echo(data: Vec<u8>, word: B256, xs: Vec<u16>) -> (Vec<u8>, B256, Vec<u16>) {
        (data, word, xs)
    }

    #[payable]
    pub fn pay(&mut self) -> U256 {
        msg::value()
    }

    #[selector(name = "renamed")]
    pub fn some_rust_name() -> String {
        "renamed".into()
    }

    pub fn swap(p: IKitchen::Pair) -> IKitchen::Pair {
        IKitchen::Pair {
            a: p.a + U256::from(1),
            b: p.b,
        }
    }

    pub fn fail(&mut self, how: u8) -> Result<(), Revert> {
        match how {
            0 => Err(IKitchen::Nope {}.into()),
            1 => panic!("boom {how}"),
            2 => weft_sdk::revert("direct"),
            _ => {
                let v: Vec<u8> = Vec::new();
                let _ = v[how as usize]; // index out of bounds
                Ok(())
            }
        }
    }

    /// Not `pub`: not part of the ABI.
    fn _helper(&self) {}
}

const ALICE: Address = address!("00000000000000000000000000000000000a11ce");

fn deployed() -> (TestHost, Address) {
    let host = TestHost::new();
    host.set_sender(ALICE);
    let at = host
        .deploy::<Kitchen>(&(5u64,).abi_encode_params())
        .unwrap();
    (host, at)
}

#[test]
fn dispatches_and_codes_like_solidity() {
    let (host, at) = deployed();
    assert_eq!(host.call_sol(at, &IKitchen::storedCall {}).unwrap(), 5);
    let old = host
        .call_sol(
            at,
            &IKitchen::storeCall {
                value: 9,
                note: "hi".into(),
            },
        )
        .unwrap();
    assert_eq!(old, 5);
    assert_eq!(host.call_sol(at, &IKitchen::storedCall {}).unwrap(), 9);
    let pair = host.call_sol(at, &IKitchen::pairCall {}).unwrap();
    assert_eq!((pair._0, pair._1), (7, true));
    let echo = host
        .call_sol(
            at,
            &IKitchen::echoCall {
                data: vec![1, 2, 3].into(),
                word: B256::repeat_byte(9),
                xs: vec![1, 65535],
            },
        )
        .unwrap();
    assert_eq!(echo._0.to_vec(), [1, 2, 3]);
    assert_eq!(echo._1, B256::repeat_byte(9));
    assert_eq!(echo._2, [1, 65535]);
    assert_eq!(
        host.call_sol(at, &IKitchen::renamedCall {}).unwrap(),
        "renamed"
    );
    let p = host
        .call_sol(
            at,
            &IKitchen::swapCall {
                p: IKitchen::Pair {
                    a: U256::from(1),
                    b: ALICE,
                },
            },
        )
        .unwrap();
    assert_eq!((p.a, p.b), (U256::from(2), ALICE));
}

#[test]
fn storage_struct_fields_take_consecutive_slots() {
    let (host, at) = deployed();
    host.call_sol(
        at,
        &IKitchen::storeCall {
            value: 9,
            note: String::new(),
        },
    )
    .unwrap();
    let slot = |n: u64| host.storage_of(at, B256::from(U256::from(n)));
    assert_eq!(slot(0), B256::from(U256::from(9))); // value
    assert_eq!(slot(1), B256::from(U256::from(10))); // inner.x
    assert_eq!(slot(2), B256::from(U256::from(1))); // inner.y (length)
    assert_eq!(slot(3), B256::from(U256::from(1))); // after
    assert_eq!(<Kitchen as weft_sdk::storage::StorageLayout>::SLOTS, 4);
}

#[test]
fn value_is_refused_unless_payable() {
    let (host, at) = deployed();
    host.set_value(U256::from(3));
    assert_eq!(
        host.call_sol(at, &IKitchen::payCall {}).unwrap(),
        U256::from(3)
    );
    let err = host.call_sol(at, &IKitchen::storedCall {}).unwrap_err();
    assert_eq!(
        decode_reason(&err).as_deref(),
        Some("Weft: method is not payable")
    );
    // The constructor is payable.
    assert!(host.deploy::<Kitchen>(&(1u64,).abi_encode_params()).is_ok());
}

#[test]
fn errors_reach_the_caller_as_revert_data() {
    let (host, at) = deployed();
    let err = host
        .call_sol(
            at,
            &IKitchen::storeCall {
                value: 5000,
                note: String::new(),
            },
        )
        .unwrap_err();
    assert_eq!(
        TooBig::abi_decode(&err).unwrap(),
        TooBig {
            value: 5000,
            max: 1000
        }
    );
    let err = host
        .call_sol(at, &IKitchen::failCall { how: 0 })
        .err()
        .unwrap();
    assert!(matches!(
        IKitchen::IKitchenErrors::abi_decode(&err).unwrap(),
        IKitchen::IKitchenErrors::Nope(_)
    ));
    // A panic is Error(string) with the message, as the wasm32 panic handler makes it.
    let err = host
        .call_sol(at, &IKitchen::failCall { how: 1 })
        .err()
        .unwrap();
    assert_eq!(decode_reason(&err).as_deref(), Some("boom 1"));
    let err = host
        .call_sol(at, &IKitchen::failCall { how: 2 })
        .err()
        .unwrap();
    assert_eq!(decode_reason(&err).as_deref(), Some("direct"));
    let err = host
        .call_sol(at, &IKitchen::failCall { how: 9 })
        .err()
        .unwrap();
    assert!(decode_reason(&err).unwrap().contains("index out of bounds"));
    // uint8 out of range is refused by decoding.
    let mut data = IKitchen::failCall { how: 0 }.abi_encode();
    data[4 + 30] = 1;
    let err = host.call(at, &data).unwrap_err();
    assert_eq!(
        decode_reason(&err).as_deref(),
        Some("Weft: invalid ABI-encoded arguments")
    );
}

#[test]
fn events_are_soliditys() {
    let (host, at) = deployed();
    host.take_logs();
    host.call_sol(
        at,
        &IKitchen::storeCall {
            value: 9,
            note: "n".into(),
        },
    )
    .unwrap();
    let logs = host.logs();
    assert_eq!(logs[0].address, at);
    assert_eq!(logs[0].topics[0], Stored::SIGNATURE_HASH);
    assert_eq!(
        host.events::<Stored>(),
        vec![Stored {
            who: ALICE,
            value: 9,
            note: "n".into()
        }]
    );
}

#[test]
fn abi_json_lists_functions_events_and_errors() {
    let json = Kitchen::ABI_JSON;
    for entry in [
        r#"{"type":"constructor","inputs":[{"name":"start","type":"uint64"}],"stateMutability":"payable"}"#,
        r#"{"type":"function","name":"stored","inputs":[],"outputs":[{"name":"","type":"uint64"}],"stateMutability":"view"}"#,
        r#"{"type":"function","name":"pair","inputs":[],"outputs":[{"name":"","type":"uint8"},{"name":"","type":"bool"}],"stateMutability":"pure"}"#,
        r#"{"type":"function","name":"pay","inputs":[],"outputs":[{"name":"","type":"uint256"}],"stateMutability":"payable"}"#,
        r#"{"type":"function","name":"echo","inputs":[{"name":"data","type":"bytes"},{"name":"word","type":"bytes32"},{"name":"xs","type":"uint16[]"}],"outputs":[{"name":"","type":"bytes"},{"name":"","type":"bytes32"},{"name":"","type":"uint16[]"}],"stateMutability":"pure"}"#,
        r#"{"type":"function","name":"swap","inputs":[{"name":"p","type":"tuple","components":[{"name":"","type":"uint256"},{"name":"","type":"address"}]}],"outputs":[{"name":"","type":"tuple","components":[{"name":"","type":"uint256"},{"name":"","type":"address"}]}],"stateMutability":"pure"}"#,
        r#"{"type":"event","name":"Stored","inputs":[{"name":"who","type":"address","indexed":true},{"name":"value","type":"uint64","indexed":false},{"name":"note","type":"string","indexed":false}],"anonymous":false}"#,
        r#"{"type":"event","name":"Anon","inputs":[{"name":"a","type":"uint256","indexed":true}],"anonymous":true}"#,
        r#"{"type":"error","name":"TooBig","inputs":[{"name":"value","type":"uint64"},{"name":"max","type":"uint64"}]}"#,
        r#"{"type":"error","name":"Nope","inputs":[]}"#,
    ] {
        assert!(json.contains(entry), "missing {entry}\nin {json}");
    }
    assert!(!json.contains("helper"));
    assert!(json.starts_with('[') && json.ends_with(']'));
}

#[test]
fn selectors_match_the_interface() {
    // Every IKitchen function dispatches (its selector is the one the macro computed).
    let (host, at) = deployed();
    for sel in IKitchen::IKitchenCalls::SELECTORS {
        let err = host.call(at, sel).err().map(|e| decode_reason(&e));
        assert_ne!(
            err,
            Some(Some(format!(
                "Weft: unknown selector 0x{}",
                weft_sdk::hex::encode(sel)
            )))
        );
    }
}

/// A contract with no storage, no constructor and no methods still builds and dispatches.
#[storage]
pub struct Empty;

#[contract]
impl Empty {}

#[test]
fn an_empty_contract_refuses_everything() {
    let host = TestHost::new();
    let at = host.deploy::<Empty>(&[]).unwrap();
    let err = host.call(at, &[1, 2, 3, 4]).unwrap_err();
    assert_eq!(
        decode_reason(&err).as_deref(),
        Some("Weft: unknown selector 0x01020304")
    );
    let err = host.call(at, &[]).unwrap_err();
    assert_eq!(
        decode_reason(&err).as_deref(),
        Some("Weft: unknown selector 0x")
    );
    assert_eq!(Empty::ABI_JSON, "[]");
}
