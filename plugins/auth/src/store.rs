//! The layout of the plugin's storage namespace.
//!
//! Every key starts with an ASCII tag naming what it holds; what follows is fixed-width
//! binary (addresses 20 bytes, selectors 4 bytes, list modes 1 byte) or, for table names,
//! a length byte and the name, so no two keys of different meaning can collide. Integers
//! are big-endian. Absent keys mean the default (deploy type 0, status normal, no ACL), so
//! a chain that never touched permissions stores nothing.
//!
//! | key | value |
//! |---|---|
//! | `deploy-type` | deploy ACL mode, 1 byte (absent: 0, everyone may deploy) |
//! | `deploy-acl/` mode | an [`AccountList`] of `opened` flags |
//! | `admin/` contract | the contract's admin, 20 bytes |
//! | `status/` contract | 1 = frozen, 2 = abolished (absent: normal) |
//! | `method-type/` contract selector | method ACL mode, 1 byte |
//! | `method-acl/` contract selector mode | an [`AccountList`] of `opened` flags |
//! | `table-admin/` name | the table's creator, 20 bytes |
//! | `table-acl/` len name | an [`AccountList`] of grant block numbers (u64) |
//!
//! An [`AccountList`] under prefix `P` is an index that answers "is this account listed?"
//! with one read and lists its members in a stable order:
//!
//! | key | value |
//! |---|---|
//! | `P #n` | member count, u32 |
//! | `P #i` index (u32) | the member at that slot, 20 bytes |
//! | `P #a` account | its slot (u32) followed by its payload |
//!
//! Removal moves the last slot into the freed one, so slots stay dense and listing costs
//! two reads per member. A list holds at most [`MAX_LIST_LEN`] members.

use weft_plugin_abi::primitives::Address;
use weft_plugin_abi::{Host, HostError};

/// The most accounts one list (a deploy ACL, one method's ACL in one mode, one table's
/// grants) holds: it bounds the gas of `getMethodAuth` and `queryByName`.
pub const MAX_LIST_LEN: u32 = 1_000;

/// The longest table name the permission methods accept (bytes, after stripping a
/// `/tables/` prefix). Longer than any name the CRUD plugin allows.
pub const MAX_TABLE_NAME_LEN: usize = 64;

/// How an ACL reads its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMode {
    /// Only accounts opened on the list may.
    White = 1,
    /// All accounts may except those closed on the list.
    Black = 2,
}

impl ListMode {
    /// From FISCO's auth type (1 white list, 2 black list).
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(ListMode::White),
            2 => Some(ListMode::Black),
            _ => None,
        }
    }

    /// FISCO's auth type.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Whether an account with this entry (`Some(opened)`, or `None` when unlisted) may.
    pub fn allows(self, entry: Option<bool>) -> bool {
        match self {
            ListMode::White => entry == Some(true),
            ListMode::Black => entry != Some(false),
        }
    }
}

/// A contract's status, FISCO's `enum Status {normal, freeze, abolish}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Callable.
    Normal = 0,
    /// Calls refused until unfrozen.
    Freeze = 1,
    /// Calls refused for good.
    Abolish = 2,
}

impl Status {
    /// From the `uint8` of `setContractStatus(address,uint8)`.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Status::Normal),
            1 => Some(Status::Freeze),
            2 => Some(Status::Abolish),
            _ => None,
        }
    }
}

fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn read_address(raw: Option<Vec<u8>>) -> Result<Option<Address>, HostError> {
    match raw {
        None => Ok(None),
        Some(raw) if raw.len() == 20 => Ok(Some(Address::from_slice(&raw))),
        // Only this plugin writes its namespace: a value of another shape is corruption.
        Some(_) => Err(HostError::Failed),
    }
}

fn read_byte(raw: Option<Vec<u8>>) -> Result<Option<u8>, HostError> {
    match raw.as_deref() {
        None => Ok(None),
        Some([byte]) => Ok(Some(*byte)),
        Some(_) => Err(HostError::Failed),
    }
}

fn read_mode(raw: Option<Vec<u8>>) -> Result<Option<ListMode>, HostError> {
    match read_byte(raw)? {
        None => Ok(None),
        Some(code) => ListMode::from_code(code).map(Some).ok_or(HostError::Failed),
    }
}

/// The deploy ACL mode (`None`: everyone may deploy).
pub fn deploy_type(host: &mut dyn Host) -> Result<Option<ListMode>, HostError> {
    read_mode(host.get(b"deploy-type")?)
}

/// Set the deploy ACL mode.
pub fn set_deploy_type(host: &mut dyn Host, mode: Option<ListMode>) -> Result<(), HostError> {
    match mode {
        None => host.remove(b"deploy-type"),
        Some(mode) => host.set(b"deploy-type", &[mode.code()]),
    }
}

/// The deploy ACL of one mode.
pub fn deploy_list(mode: ListMode) -> AccountList {
    AccountList::new(key(&[b"deploy-acl/", &[mode.code()]]))
}

/// A contract's admin (`None`: not recorded).
pub fn admin(host: &mut dyn Host, contract: Address) -> Result<Option<Address>, HostError> {
    read_address(host.get(&key(&[b"admin/", contract.as_slice()]))?)
}

/// Record a contract's admin.
pub fn set_admin(host: &mut dyn Host, contract: Address, admin: Address) -> Result<(), HostError> {
    host.set(&key(&[b"admin/", contract.as_slice()]), admin.as_slice())
}

/// A contract's status.
pub fn status(host: &mut dyn Host, contract: Address) -> Result<Status, HostError> {
    match read_byte(host.get(&key(&[b"status/", contract.as_slice()]))?)? {
        None => Ok(Status::Normal),
        Some(code) => Status::from_code(code).ok_or(HostError::Failed),
    }
}

/// Set a contract's status.
pub fn set_status(host: &mut dyn Host, contract: Address, status: Status) -> Result<(), HostError> {
    let key = key(&[b"status/", contract.as_slice()]);
    match status {
        Status::Normal => host.remove(&key),
        other => host.set(&key, &[other as u8]),
    }
}

/// The ACL mode of one method of a contract (`None`: no ACL, everyone may call).
pub fn method_type(
    host: &mut dyn Host,
    contract: Address,
    selector: [u8; 4],
) -> Result<Option<ListMode>, HostError> {
    read_mode(host.get(&key(&[b"method-type/", contract.as_slice(), &selector]))?)
}

/// Set the ACL mode of one method of a contract.
pub fn set_method_type(
    host: &mut dyn Host,
    contract: Address,
    selector: [u8; 4],
    mode: ListMode,
) -> Result<(), HostError> {
    host.set(
        &key(&[b"method-type/", contract.as_slice(), &selector]),
        &[mode.code()],
    )
}

/// The ACL of one method of a contract in one mode.
pub fn method_list(contract: Address, selector: [u8; 4], mode: ListMode) -> AccountList {
    AccountList::new(key(&[
        b"method-acl/",
        contract.as_slice(),
        &selector,
        &[mode.code()],
    ]))
}

/// Whether a table name can have permissions: not empty and at most
/// [`MAX_TABLE_NAME_LEN`] bytes (which also keeps every key within the host's limit).
pub fn table_name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_TABLE_NAME_LEN
}

/// The account that created a table (`None`: not recorded). `name` must pass
/// [`table_name_ok`].
pub fn table_admin(host: &mut dyn Host, name: &str) -> Result<Option<Address>, HostError> {
    read_address(host.get(&key(&[b"table-admin/", name.as_bytes()]))?)
}

/// Record the account that created a table.
pub fn set_table_admin(host: &mut dyn Host, name: &str, admin: Address) -> Result<(), HostError> {
    host.set(&key(&[b"table-admin/", name.as_bytes()]), admin.as_slice())
}

/// The accounts granted write access to a table (or, for `_sys_tables_`, table creation).
/// `name` must pass [`table_name_ok`].
pub fn table_list(name: &str) -> AccountList {
    // The length byte keeps `ab` + list suffix apart from `a` + `b…`; table_name_ok
    // bounds the length to one byte.
    let len = u8::try_from(name.len()).unwrap_or(u8::MAX);
    AccountList::new(key(&[b"table-acl/", &[len], name.as_bytes()]))
}

/// The outcome of [`AccountList::put`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// The account was added.
    Inserted,
    /// The account was listed; its payload was replaced.
    Updated,
    /// The account was not listed and the list holds [`MAX_LIST_LEN`] members: nothing
    /// was written.
    Full,
}

/// A bounded set of accounts with a payload each, stored under a prefix (see the module
/// documentation for the keys).
#[derive(Debug, Clone)]
pub struct AccountList {
    prefix: Vec<u8>,
}

impl AccountList {
    fn new(prefix: Vec<u8>) -> Self {
        AccountList { prefix }
    }

    fn count_key(&self) -> Vec<u8> {
        key(&[&self.prefix, b"#n"])
    }

    fn slot_key(&self, slot: u32) -> Vec<u8> {
        key(&[&self.prefix, b"#i", &slot.to_be_bytes()])
    }

    fn member_key(&self, account: Address) -> Vec<u8> {
        key(&[&self.prefix, b"#a", account.as_slice()])
    }

    /// How many accounts are listed.
    pub fn len(&self, host: &mut dyn Host) -> Result<u32, HostError> {
        match host.get(&self.count_key())? {
            None => Ok(0),
            Some(raw) => Ok(u32::from_be_bytes(
                raw.try_into().map_err(|_| HostError::Failed)?,
            )),
        }
    }

    fn set_len(&self, host: &mut dyn Host, len: u32) -> Result<(), HostError> {
        if len == 0 {
            host.remove(&self.count_key())
        } else {
            host.set(&self.count_key(), &len.to_be_bytes())
        }
    }

    /// The slot and payload of a listed account.
    fn member(
        &self,
        host: &mut dyn Host,
        account: Address,
    ) -> Result<Option<(u32, Vec<u8>)>, HostError> {
        match host.get(&self.member_key(account))? {
            None => Ok(None),
            Some(raw) if raw.len() >= 4 => {
                let slot = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
                Ok(Some((slot, raw[4..].to_vec())))
            }
            Some(_) => Err(HostError::Failed),
        }
    }

    fn set_member(
        &self,
        host: &mut dyn Host,
        account: Address,
        slot: u32,
        payload: &[u8],
    ) -> Result<(), HostError> {
        host.set(
            &self.member_key(account),
            &[&slot.to_be_bytes()[..], payload].concat(),
        )
    }

    /// The payload of `account`, if listed.
    pub fn get(&self, host: &mut dyn Host, account: Address) -> Result<Option<Vec<u8>>, HostError> {
        Ok(self.member(host, account)?.map(|(_, payload)| payload))
    }

    /// List `account` with `payload`, or replace its payload.
    pub fn put(
        &self,
        host: &mut dyn Host,
        account: Address,
        payload: &[u8],
    ) -> Result<Put, HostError> {
        if let Some((slot, _)) = self.member(host, account)? {
            self.set_member(host, account, slot, payload)?;
            return Ok(Put::Updated);
        }
        let len = self.len(host)?;
        if len >= MAX_LIST_LEN {
            return Ok(Put::Full);
        }
        host.set(&self.slot_key(len), account.as_slice())?;
        self.set_member(host, account, len, payload)?;
        self.set_len(host, len + 1)?;
        Ok(Put::Inserted)
    }

    /// Unlist `account`; `false` if it was not listed.
    pub fn remove(&self, host: &mut dyn Host, account: Address) -> Result<bool, HostError> {
        let Some((slot, _)) = self.member(host, account)? else {
            return Ok(false);
        };
        let last = self.len(host)?.checked_sub(1).ok_or(HostError::Failed)?;
        if slot != last {
            // Move the last member into the freed slot so the slots stay dense.
            let moved = read_address(host.get(&self.slot_key(last))?)?.ok_or(HostError::Failed)?;
            let (_, payload) = self.member(host, moved)?.ok_or(HostError::Failed)?;
            host.set(&self.slot_key(slot), moved.as_slice())?;
            self.set_member(host, moved, slot, &payload)?;
        }
        host.remove(&self.slot_key(last))?;
        host.remove(&self.member_key(account))?;
        self.set_len(host, last)?;
        Ok(true)
    }

    /// Every listed account with its payload, in slot order.
    pub fn entries(&self, host: &mut dyn Host) -> Result<Vec<(Address, Vec<u8>)>, HostError> {
        let len = self.len(host)?;
        let mut entries = Vec::with_capacity(len as usize);
        for slot in 0..len {
            let account =
                read_address(host.get(&self.slot_key(slot))?)?.ok_or(HostError::Failed)?;
            let payload = self.get(host, account)?.ok_or(HostError::Failed)?;
            entries.push((account, payload));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_plugin_abi::testing::StorageHost;

    fn account(n: u64) -> Address {
        weft_plugin_abi::addr(0xA000 + n)
    }

    #[test]
    fn lists_put_update_and_swap_remove() {
        let mut host = StorageHost::default();
        let list = table_list("t");
        for n in 0..4 {
            assert_eq!(
                list.put(&mut host, account(n), &[n as u8]),
                Ok(Put::Inserted)
            );
        }
        assert_eq!(list.put(&mut host, account(1), &[9]), Ok(Put::Updated));
        assert_eq!(list.get(&mut host, account(1)), Ok(Some(vec![9])));
        assert_eq!(list.remove(&mut host, account(0)), Ok(true));
        assert_eq!(list.remove(&mut host, account(0)), Ok(false));
        // The last member (3) moved into slot 0.
        let entries = list.entries(&mut host).unwrap();
        assert_eq!(
            entries,
            vec![
                (account(3), vec![3]),
                (account(1), vec![9]),
                (account(2), vec![2]),
            ]
        );
        for n in 1..4 {
            assert_eq!(list.remove(&mut host, account(n)), Ok(true));
        }
        assert_eq!(list.len(&mut host), Ok(0));
        assert!(host.storage.is_empty(), "an emptied list leaves no keys");
    }

    #[test]
    fn lists_hold_at_most_max_len_members() {
        let mut host = StorageHost::default();
        let list = deploy_list(ListMode::White);
        for n in 0..u64::from(MAX_LIST_LEN) {
            assert_eq!(list.put(&mut host, account(n), &[1]), Ok(Put::Inserted));
        }
        let before = host.storage.clone();
        assert_eq!(list.put(&mut host, account(5_000), &[1]), Ok(Put::Full));
        assert_eq!(host.storage, before);
        // A listed account can still be updated, and removal makes room.
        assert_eq!(list.put(&mut host, account(7), &[0]), Ok(Put::Updated));
        assert_eq!(list.remove(&mut host, account(7)), Ok(true));
        assert_eq!(list.put(&mut host, account(5_000), &[1]), Ok(Put::Inserted));
    }

    #[test]
    fn keys_of_different_lists_do_not_collide() {
        let c = account(1);
        let prefixes = [
            deploy_list(ListMode::White).prefix,
            deploy_list(ListMode::Black).prefix,
            method_list(c, [1, 2, 3, 4], ListMode::White).prefix,
            method_list(c, [1, 2, 3, 4], ListMode::Black).prefix,
            table_list("a").prefix,
            table_list("ab").prefix,
        ];
        for (i, a) in prefixes.iter().enumerate() {
            for b in &prefixes[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a));
            }
        }
    }

    #[test]
    fn modes_and_statuses_decode_only_known_codes() {
        assert_eq!(ListMode::from_code(0), None);
        assert_eq!(ListMode::from_code(3), None);
        assert_eq!(Status::from_code(3), None);
        assert!(ListMode::White.allows(Some(true)));
        assert!(!ListMode::White.allows(None));
        assert!(!ListMode::White.allows(Some(false)));
        assert!(ListMode::Black.allows(None));
        assert!(ListMode::Black.allows(Some(true)));
        assert!(!ListMode::Black.allows(Some(false)));
    }
}
