//! ERC20Token in Rust: the twin of `contracts/solidity/src/ERC20.sol`: the same ABI
//! (selectors, events with the same indexed parameters), the same revert reasons, and the
//! same storage layout (balances at slot 0, allowances at 1, total supply at 2, name at 3,
//! symbol at 4), so tools and tests treat both alike.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::string::String;
use weft_sdk::prelude::*;
use weft_sdk::sol_types::Panic;

sol! {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
}

/// The contract's storage, in the Solidity contract's order.
#[storage]
pub struct Erc20Token {
    balances: StorageMap<Address, U256>,
    allowances: StorageMap<Address, StorageMap<Address, U256>>,
    total_supply: StorageValue<U256>,
    name: StorageValue<String>,
    symbol: StorageValue<String>,
}

#[contract(events(Transfer, Approval))]
impl Erc20Token {
    /// Sets name and symbol and mints `initial_supply` to the deployer.
    #[constructor]
    pub fn constructor(
        &mut self,
        name_: String,
        symbol_: String,
        initial_supply: U256,
    ) -> Result<(), Revert> {
        self.name.set(name_);
        self.symbol.set(symbol_);
        self.mint(msg::sender(), initial_supply)
    }

    /// The token's name.
    pub fn name(&self) -> String {
        self.name.get()
    }

    /// The token's symbol.
    pub fn symbol(&self) -> String {
        self.symbol.get()
    }

    /// Always 18.
    pub fn decimals() -> u8 {
        18
    }

    /// Tokens in existence.
    pub fn total_supply(&self) -> U256 {
        self.total_supply.get()
    }

    /// `account`'s balance.
    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(account)
    }

    /// Moves `amount` from the sender to `to`.
    pub fn transfer(&mut self, to: Address, amount: U256) -> Result<bool, Revert> {
        self.transfer_tokens(msg::sender(), to, amount)?;
        Ok(true)
    }

    /// What `spender` may still spend of `owner`'s tokens.
    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.allowances.at(owner).get(spender)
    }

    /// Lets `spender` spend `amount` of the sender's tokens.
    pub fn approve(&mut self, spender: Address, amount: U256) -> Result<bool, Revert> {
        self.approve_tokens(msg::sender(), spender, amount)?;
        Ok(true)
    }

    /// Moves `amount` from `from` to `to` out of the sender's allowance.
    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Result<bool, Revert> {
        self.spend_allowance(from, msg::sender(), amount)?;
        self.transfer_tokens(from, to, amount)?;
        Ok(true)
    }

    fn transfer_tokens(&mut self, from: Address, to: Address, amount: U256) -> Result<(), Revert> {
        require(
            from != Address::ZERO,
            "ERC20: transfer from the zero address",
        )?;
        require(to != Address::ZERO, "ERC20: transfer to the zero address")?;
        let from_balance = self.balances.get(from);
        require(
            from_balance >= amount,
            "ERC20: transfer amount exceeds balance",
        )?;
        self.balances.set(from, from_balance - amount);
        // Cannot overflow: the sum of all balances is capped by the total supply.
        let to_balance = self.balances.get(to);
        self.balances.set(to, to_balance.wrapping_add(amount));
        emit(&Transfer {
            from,
            to,
            value: amount,
        });
        Ok(())
    }

    fn mint(&mut self, account: Address, amount: U256) -> Result<(), Revert> {
        require(account != Address::ZERO, "ERC20: mint to the zero address")?;
        // Solidity's checked `+=`: Panic(0x11) on overflow.
        let supply = self
            .total_supply
            .get()
            .checked_add(amount)
            .ok_or(Panic::from(0x11u64))?;
        self.total_supply.set(supply);
        let balance = self.balances.get(account);
        self.balances.set(account, balance.wrapping_add(amount));
        emit(&Transfer {
            from: Address::ZERO,
            to: account,
            value: amount,
        });
        Ok(())
    }

    fn approve_tokens(
        &mut self,
        owner: Address,
        spender: Address,
        amount: U256,
    ) -> Result<(), Revert> {
        require(
            owner != Address::ZERO,
            "ERC20: approve from the zero address",
        )?;
        require(
            spender != Address::ZERO,
            "ERC20: approve to the zero address",
        )?;
        self.allowances.at(owner).set(spender, amount);
        emit(&Approval {
            owner,
            spender,
            value: amount,
        });
        Ok(())
    }

    fn spend_allowance(
        &mut self,
        owner: Address,
        spender: Address,
        amount: U256,
    ) -> Result<(), Revert> {
        let current = self.allowance(owner, spender);
        if current != U256::MAX {
            require(current >= amount, "ERC20: insufficient allowance")?;
            self.approve_tokens(owner, spender, current - amount)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::abi::decode_reason;
    use weft_sdk::address;
    use weft_sdk::testing::TestHost;

    const ALICE: Address = address!("00000000000000000000000000000000000a11ce");
    const BOB: Address = address!("0000000000000000000000000000000000000b0b");
    const CAROL: Address = address!("00000000000000000000000000000000000ca201");

    sol! {
        function transfer(address to, uint256 amount) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function decimals() external pure returns (uint8);
        function name() external view returns (string);
    }

    fn setup() -> (TestHost, Erc20Token) {
        let host = TestHost::new();
        host.set_sender(ALICE);
        let mut token = Erc20Token::instance();
        token
            .constructor("Weft".into(), "WFT".into(), U256::from(1000))
            .unwrap();
        (host, token)
    }

    fn reason(r: Result<bool, Revert>) -> String {
        r.unwrap_err().reason_string().unwrap()
    }

    #[test]
    fn constructor_mints_to_the_deployer() {
        let (host, token) = setup();
        assert_eq!(token.name(), "Weft");
        assert_eq!(token.symbol(), "WFT");
        assert_eq!(Erc20Token::decimals(), 18);
        assert_eq!(token.total_supply(), U256::from(1000));
        assert_eq!(token.balance_of(ALICE), U256::from(1000));
        assert_eq!(
            host.events::<Transfer>(),
            vec![Transfer {
                from: Address::ZERO,
                to: ALICE,
                value: U256::from(1000)
            }]
        );
    }

    #[test]
    fn transfer_moves_and_emits() {
        let (host, mut token) = setup();
        host.take_logs();
        assert!(token.transfer(BOB, U256::from(300)).unwrap());
        assert_eq!(token.balance_of(ALICE), U256::from(700));
        assert_eq!(token.balance_of(BOB), U256::from(300));
        let logs = host.logs();
        assert_eq!(logs.len(), 1);
        // Topic 0 is keccak256("Transfer(address,address,uint256)"), as Solidity's.
        assert_eq!(
            logs[0].topics[0],
            weft_sdk::b256!("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        );
        assert_eq!(
            host.events::<Transfer>(),
            vec![Transfer {
                from: ALICE,
                to: BOB,
                value: U256::from(300)
            }]
        );
    }

    #[test]
    fn transfer_reverts_with_solidity_reasons() {
        let (host, mut token) = setup();
        assert_eq!(
            reason(token.transfer(BOB, U256::from(1001))),
            "ERC20: transfer amount exceeds balance"
        );
        assert_eq!(
            reason(token.transfer(Address::ZERO, U256::from(1))),
            "ERC20: transfer to the zero address"
        );
        host.set_sender(Address::ZERO);
        assert_eq!(
            reason(token.transfer(BOB, U256::from(1))),
            "ERC20: transfer from the zero address"
        );
    }

    #[test]
    fn approve_and_transfer_from() {
        let (host, mut token) = setup();
        host.take_logs();
        assert!(token.approve(BOB, U256::from(100)).unwrap());
        assert_eq!(token.allowance(ALICE, BOB), U256::from(100));
        assert_eq!(
            host.events::<Approval>(),
            vec![Approval {
                owner: ALICE,
                spender: BOB,
                value: U256::from(100)
            }]
        );

        host.set_sender(BOB);
        assert!(token.transfer_from(ALICE, CAROL, U256::from(60)).unwrap());
        assert_eq!(token.allowance(ALICE, BOB), U256::from(40));
        assert_eq!(token.balance_of(CAROL), U256::from(60));
        assert_eq!(
            reason(token.transfer_from(ALICE, CAROL, U256::from(41))),
            "ERC20: insufficient allowance"
        );

        // An infinite allowance is not spent.
        host.set_sender(ALICE);
        token.approve(BOB, U256::MAX).unwrap();
        host.set_sender(BOB);
        token.transfer_from(ALICE, CAROL, U256::from(10)).unwrap();
        assert_eq!(token.allowance(ALICE, BOB), U256::MAX);
        assert_eq!(
            reason(token.approve(Address::ZERO, U256::from(1))),
            "ERC20: approve to the zero address"
        );
    }

    #[test]
    fn storage_layout_is_soliditys() {
        let (host, token) = setup();
        // _totalSupply at slot 2; _name "Weft" at slot 3 (short string: data, then 2·len).
        assert_eq!(
            host.storage(B256::from(U256::from(2))),
            B256::from(U256::from(1000))
        );
        let name = host.storage(B256::from(U256::from(3)));
        assert_eq!(&name.0[..4], b"Weft");
        assert_eq!(name.0[31], 8);
        // _balances[alice] at keccak256(pad(alice) ‖ 0).
        let mut key = [0u8; 64];
        key[12..32].copy_from_slice(ALICE.as_slice());
        let slot = weft_sdk::primitives::keccak256(key);
        assert_eq!(host.storage(slot), B256::from(U256::from(1000)));
        let _ = token;
    }

    #[test]
    fn through_the_abi_with_rollback() {
        let host = TestHost::new();
        host.set_sender(ALICE);
        let args = ("Weft", "WFT", U256::from(1000)).abi_encode_params();
        let at = host.deploy::<Erc20Token>(&args).unwrap();
        assert_eq!(host.call_sol(at, &decimalsCall {}).unwrap(), 18);
        assert_eq!(host.call_sol(at, &nameCall {}).unwrap(), "Weft");
        assert!(host
            .call_sol(
                at,
                &transferCall {
                    to: BOB,
                    amount: U256::from(5)
                }
            )
            .unwrap());
        assert_eq!(
            host.call_sol(at, &balanceOfCall { account: BOB }).unwrap(),
            U256::from(5)
        );
        let logs_before = host.logs().len();
        let err = host
            .call_sol(
                at,
                &transferCall {
                    to: BOB,
                    amount: U256::from(10_000),
                },
            )
            .unwrap_err();
        assert_eq!(
            decode_reason(&err).as_deref(),
            Some("ERC20: transfer amount exceeds balance")
        );
        assert_eq!(host.logs().len(), logs_before);
        // Unknown selectors and short input revert with a reason.
        let err = host.call(at, &[0xde, 0xad, 0xbe, 0xef]).unwrap_err();
        assert_eq!(
            decode_reason(&err).as_deref(),
            Some("Weft: unknown selector 0xdeadbeef")
        );
        // Bad arguments (an address with dirty high bits) revert.
        let mut data = transferCall {
            to: BOB,
            amount: U256::from(1),
        }
        .abi_encode();
        data[4] = 1;
        assert!(host.call(at, &data).is_err());
        // A deployment with value reverts (the constructor is not payable).
        host.set_value(U256::from(1));
        assert!(host.deploy::<Erc20Token>(&args).is_err());
    }

    #[test]
    fn mint_overflow_panics_like_solidity() {
        let (_host, mut token) = setup();
        let err = token.mint(BOB, U256::MAX).unwrap_err();
        assert_eq!(err, Revert::from(Panic::from(0x11u64)));
    }

    #[test]
    fn abi_matches_solidity() {
        weft_contract_builder::abi::assert_matches_artifact(Erc20Token::ABI_JSON, "ERC20Token");
    }
}
