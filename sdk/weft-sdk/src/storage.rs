//! Contract storage, laid out as Solidity lays it out, so a layout is predictable and a
//! Solidity contract and a WASM contract can be written to read the same slots.
//!
//! - A `#[storage]` struct gives its fields consecutive slots from its base slot (slot 0
//!   for the contract): field *i* at `base + i` (a nested `#[storage]` struct takes as
//!   many slots as its fields). Small fields are **not** packed together, unlike
//!   Solidity: each takes a whole slot.
//! - [`StorageValue<T>`]: one slot. Value types are stored as Solidity stores them
//!   (integers big-endian, right-aligned, masked to their width; `bool` 0/1; `address`
//!   right-aligned; `bytesN` left-aligned). `String`/`Bytes` use Solidity's `string`/
//!   `bytes` layout: under 32 bytes, the data and `2·len` in one slot; otherwise
//!   `2·len + 1` in the slot and the data from `keccak256(slot)` on.
//! - [`StorageMap<K, V>`]: the entry for `k` is at `keccak256(key(k) ‖ slot)`, where
//!   `key(k)` is `k` ABI-encoded to 32 bytes (value types) or `k`'s bytes (`String`,
//!   `Bytes`), as Solidity's `mapping`.
//! - [`StorageVec<T>`]: the length in the slot, element *i* at `keccak256(slot) + i`
//!   (times the element's slot count), as a Solidity dynamic array of 32-byte elements.
//!
//! Every read is an `SLOAD` and every write an `SSTORE` (no cache): costs are the EVM's.

use alloc::string::String;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::marker::PhantomData;

use alloy_primitives::{Address, Bytes, FixedBytes, B256, I256, U256};

/// Reads the raw word under `key` (`SLOAD`).
pub fn load(key: B256) -> B256 {
    B256::new(crate::host::storage_load(&key.0))
}

/// Writes the raw word under `key` (`SSTORE`).
pub fn store(key: B256, value: B256) {
    crate::host::storage_store(&key.0, &value.0)
}

fn sload(slot: U256) -> [u8; 32] {
    crate::host::storage_load(&slot.to_be_bytes::<32>())
}

fn sstore(slot: U256, word: [u8; 32]) {
    crate::host::storage_store(&slot.to_be_bytes::<32>(), &word)
}

/// `base + offset`, wrapping (slot arithmetic is modulo 2^256, as in Solidity).
pub fn slot_at(base: U256, offset: u64) -> U256 {
    base.wrapping_add(U256::from(offset))
}

/// `keccak256(slot)` as a slot number: where a dynamic array's or long string's data starts.
fn data_slot(slot: U256) -> U256 {
    U256::from_be_bytes(crate::host::keccak256(&slot.to_be_bytes::<32>()))
}

/// A storage handle that sits at a slot: what `#[storage]` struct fields are.
pub trait StorageLayout: Sized {
    /// How many consecutive slots it takes in a struct.
    const SLOTS: u64;

    /// The handle at `slot`.
    fn at_slot(slot: U256) -> Self;
}

/// A value stored at a slot (and, for `String`/`Bytes`, the slots derived from it).
pub trait Storable: Sized {
    /// Reads the value at `slot`.
    fn load(slot: U256) -> Self;
    /// Writes `value` at `slot`.
    fn store(slot: U256, value: &Self);
    /// Resets the slot(s) to zero, as Solidity's `delete`.
    fn erase(slot: U256);
}

/// What can be a [`StorageMap`] value or a [`StorageVec`] element: a [`Storable`] value
/// (its handle is a [`StorageValue`]) or another handle (nested maps, vectors, structs).
pub trait StorageEntry {
    /// The handle an entry is reached through.
    type Handle: StorageLayout;
}

/// What can be a [`StorageMap`] key: its bytes in `keccak256(key ‖ slot)`.
pub trait StorageKey {
    /// Appends the key's bytes as Solidity hashes them.
    fn write_key(&self, out: &mut Vec<u8>);
}

/// Conversion of a value type to and from its storage word.
trait Word: Sized {
    /// The storage word (integers masked to their width, as Solidity stores them).
    fn to_word(&self) -> [u8; 32];
    fn from_word(w: &[u8; 32]) -> Self;
    /// The word as a mapping key: ABI-encoded (signed integers sign-extended).
    fn key_word(&self) -> [u8; 32] {
        self.to_word()
    }
}

macro_rules! int_words {
    ($($t:ty),*) => {$(
        impl Word for $t {
            #[allow(unused_comparisons)]
            fn key_word(&self) -> [u8; 32] {
                let mut w = if *self < 0 { [0xff; 32] } else { [0u8; 32] };
                const N: usize = core::mem::size_of::<$t>();
                w[32 - N..].copy_from_slice(&self.to_be_bytes());
                w
            }
            fn to_word(&self) -> [u8; 32] {
                const N: usize = core::mem::size_of::<$t>();
                let mut w = [0u8; 32];
                w[32 - N..].copy_from_slice(&self.to_be_bytes());
                w
            }
            fn from_word(w: &[u8; 32]) -> Self {
                const N: usize = core::mem::size_of::<$t>();
                let mut b = [0u8; N];
                b.copy_from_slice(&w[32 - N..]);
                <$t>::from_be_bytes(b)
            }
        }
    )*};
}
int_words!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);

impl Word for U256 {
    fn to_word(&self) -> [u8; 32] {
        self.to_be_bytes()
    }
    fn from_word(w: &[u8; 32]) -> Self {
        U256::from_be_bytes(*w)
    }
}

impl Word for I256 {
    fn to_word(&self) -> [u8; 32] {
        self.to_be_bytes()
    }
    fn from_word(w: &[u8; 32]) -> Self {
        I256::from_be_bytes(*w)
    }
}

impl Word for bool {
    fn to_word(&self) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[31] = *self as u8;
        w
    }
    fn from_word(w: &[u8; 32]) -> Self {
        w[31] != 0
    }
}

impl Word for Address {
    fn to_word(&self) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[12..].copy_from_slice(self.as_slice());
        w
    }
    fn from_word(w: &[u8; 32]) -> Self {
        let mut a = [0u8; 20];
        a.copy_from_slice(&w[12..]);
        Address::new(a)
    }
}

impl<const N: usize> Word for FixedBytes<N> {
    fn to_word(&self) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[..N].copy_from_slice(self.as_slice());
        w
    }
    fn from_word(w: &[u8; 32]) -> Self {
        let mut b = [0u8; N];
        b.copy_from_slice(&w[..N]);
        FixedBytes(b)
    }
}

macro_rules! word_storable {
    ($($t:ty),*) => {$(
        impl Storable for $t {
            fn load(slot: U256) -> Self {
                <$t as Word>::from_word(&sload(slot))
            }
            fn store(slot: U256, value: &Self) {
                sstore(slot, value.to_word())
            }
            fn erase(slot: U256) {
                sstore(slot, [0u8; 32])
            }
        }
        impl StorageEntry for $t {
            type Handle = StorageValue<$t>;
        }
        impl StorageKey for $t {
            fn write_key(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.key_word());
            }
        }
    )*};
}
word_storable!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, U256, I256, bool, Address);

impl<const N: usize> Storable for FixedBytes<N> {
    fn load(slot: U256) -> Self {
        <Self as Word>::from_word(&sload(slot))
    }
    fn store(slot: U256, value: &Self) {
        sstore(slot, value.to_word())
    }
    fn erase(slot: U256) {
        sstore(slot, [0u8; 32])
    }
}

impl<const N: usize> StorageEntry for FixedBytes<N> {
    type Handle = StorageValue<FixedBytes<N>>;
}

impl<const N: usize> StorageKey for FixedBytes<N> {
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_word());
    }
}

/// The length of a long `string`/`bytes` from its length word `2·len + 1` (capped: a length
/// over 2^32 cannot be real, and reading it would run out of gas anyway).
fn long_len(w: &[u8; 32]) -> usize {
    if w[..24].iter().any(|b| *b != 0) {
        return u32::MAX as usize;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&w[24..]);
    (u64::from_be_bytes(low) >> 1).min(u32::MAX as u64) as usize
}

/// Number of data slots of a long `string`/`bytes` whose length word is `w`, or 0.
fn long_data_words(w: &[u8; 32]) -> usize {
    if w[31] & 1 == 0 {
        0
    } else {
        long_len(w).div_ceil(32)
    }
}

fn load_bytes(slot: U256) -> Vec<u8> {
    let w = sload(slot);
    if w[31] & 1 == 0 {
        let len = ((w[31] >> 1) as usize).min(31);
        return w[..len].to_vec();
    }
    let len = long_len(&w);
    let base = data_slot(slot);
    let mut out = Vec::new();
    let mut i = 0u64;
    while out.len() < len {
        let word = sload(slot_at(base, i));
        let take = (len - out.len()).min(32);
        out.extend_from_slice(&word[..take]);
        i += 1;
    }
    out
}

fn store_bytes(slot: U256, data: &[u8]) {
    let old = sload(slot);
    let old_words = long_data_words(&old);
    let base = data_slot(slot);
    let mut w = [0u8; 32];
    let new_words = if data.len() < 32 {
        w[..data.len()].copy_from_slice(data);
        w[31] = (data.len() as u8) << 1;
        sstore(slot, w);
        0
    } else {
        w[24..].copy_from_slice(&(data.len() as u64 * 2 + 1).to_be_bytes());
        sstore(slot, w);
        for (i, chunk) in data.chunks(32).enumerate() {
            let mut w = [0u8; 32];
            w[..chunk.len()].copy_from_slice(chunk);
            sstore(slot_at(base, i as u64), w);
        }
        data.len().div_ceil(32)
    };
    // Zero what a longer old value left behind, as Solidity does.
    for i in new_words..old_words {
        sstore(slot_at(base, i as u64), [0u8; 32]);
    }
}

fn erase_bytes(slot: U256) {
    store_bytes(slot, &[]);
}

impl Storable for String {
    /// Reverts if the slot holds bytes that are not UTF-8 (written by other code).
    fn load(slot: U256) -> Self {
        match String::from_utf8(load_bytes(slot)) {
            Ok(s) => s,
            Err(_) => crate::abi::revert("Weft: a stored string is not UTF-8"),
        }
    }
    fn store(slot: U256, value: &Self) {
        store_bytes(slot, value.as_bytes())
    }
    fn erase(slot: U256) {
        erase_bytes(slot)
    }
}

impl Storable for Bytes {
    fn load(slot: U256) -> Self {
        Bytes::from(load_bytes(slot))
    }
    fn store(slot: U256, value: &Self) {
        store_bytes(slot, value)
    }
    fn erase(slot: U256) {
        erase_bytes(slot)
    }
}

impl Storable for Vec<u8> {
    fn load(slot: U256) -> Self {
        load_bytes(slot)
    }
    fn store(slot: U256, value: &Self) {
        store_bytes(slot, value)
    }
    fn erase(slot: U256) {
        erase_bytes(slot)
    }
}

impl StorageEntry for String {
    type Handle = StorageValue<String>;
}
impl StorageEntry for Bytes {
    type Handle = StorageValue<Bytes>;
}
impl StorageEntry for Vec<u8> {
    type Handle = StorageValue<Vec<u8>>;
}

impl StorageKey for String {
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}
impl StorageKey for Bytes {
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}
impl StorageKey for Vec<u8> {
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

/// One value at one slot: Solidity's state variable of a value type, `string` or `bytes`.
pub struct StorageValue<T> {
    slot: U256,
    _value: PhantomData<T>,
}

impl<T> StorageLayout for StorageValue<T> {
    const SLOTS: u64 = 1;
    fn at_slot(slot: U256) -> Self {
        StorageValue {
            slot,
            _value: PhantomData,
        }
    }
}

impl<T> StorageValue<T> {
    /// The slot.
    pub fn slot(&self) -> U256 {
        self.slot
    }
}

impl<T: Storable> StorageValue<T> {
    /// Reads the value (zero, `false`, empty if never written).
    pub fn get(&self) -> T {
        T::load(self.slot)
    }

    /// Writes the value.
    pub fn set(&mut self, value: T) {
        T::store(self.slot, &value)
    }

    /// Resets to zero/empty, as Solidity's `delete`.
    pub fn erase(&mut self) {
        T::erase(self.slot)
    }
}

/// Solidity's `mapping(K => V)`. `V` is a value (`StorageMap<Address, U256>`) or another
/// handle (`StorageMap<Address, StorageMap<Address, U256>>`, a `#[storage]` struct, …).
pub struct StorageMap<K, V> {
    slot: U256,
    _kv: PhantomData<(K, V)>,
}

impl<K, V> StorageLayout for StorageMap<K, V> {
    const SLOTS: u64 = 1;
    fn at_slot(slot: U256) -> Self {
        StorageMap {
            slot,
            _kv: PhantomData,
        }
    }
}

impl<K, V> StorageEntry for StorageMap<K, V> {
    type Handle = Self;
}

impl<K: StorageKey, V: StorageEntry> StorageMap<K, V> {
    /// The slot of `key`'s entry: `keccak256(key ‖ slot)`.
    pub fn entry_slot(&self, key: impl Borrow<K>) -> U256 {
        let mut buf = Vec::with_capacity(64);
        key.borrow().write_key(&mut buf);
        buf.extend_from_slice(&self.slot.to_be_bytes::<32>());
        U256::from_be_bytes(crate::host::keccak256(&buf))
    }

    /// The handle of `key`'s entry (for nested maps, vectors and structs).
    pub fn at(&self, key: impl Borrow<K>) -> V::Handle {
        <V::Handle as StorageLayout>::at_slot(self.entry_slot(key))
    }
}

impl<K: StorageKey, V: Storable + StorageEntry> StorageMap<K, V> {
    /// Reads `key`'s value (zero/empty if never written).
    pub fn get(&self, key: impl Borrow<K>) -> V {
        V::load(self.entry_slot(key))
    }

    /// Writes `key`'s value.
    pub fn set(&mut self, key: impl Borrow<K>, value: V) {
        V::store(self.entry_slot(key), &value)
    }

    /// Resets `key`'s value to zero/empty, as Solidity's `delete m[k]`.
    pub fn remove(&mut self, key: impl Borrow<K>) {
        V::erase(self.entry_slot(key))
    }
}

/// Solidity's dynamic array `T[]` (one element per slot, or per `T`'s slot count).
pub struct StorageVec<T> {
    slot: U256,
    _t: PhantomData<T>,
}

impl<T> StorageLayout for StorageVec<T> {
    const SLOTS: u64 = 1;
    fn at_slot(slot: U256) -> Self {
        StorageVec {
            slot,
            _t: PhantomData,
        }
    }
}

impl<T> StorageEntry for StorageVec<T> {
    type Handle = Self;
}

/// Reverts as Solidity does on an out-of-bounds index: `Panic(0x32)`.
fn out_of_bounds() -> ! {
    crate::abi::revert(alloy_sol_types::Panic::from(0x32u64))
}

impl<T: StorageEntry> StorageVec<T> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        U256::from_be_bytes(sload(self.slot)).saturating_to::<usize>()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn element_slot(&self, index: usize) -> U256 {
        let size = <T::Handle as StorageLayout>::SLOTS;
        slot_at(data_slot(self.slot), (index as u64).wrapping_mul(size))
    }

    fn set_len(&mut self, len: usize) {
        sstore(self.slot, U256::from(len).to_be_bytes())
    }

    /// The handle of element `index`, if it exists.
    pub fn at(&self, index: usize) -> Option<T::Handle> {
        if index < self.len() {
            Some(<T::Handle as StorageLayout>::at_slot(
                self.element_slot(index),
            ))
        } else {
            None
        }
    }

    /// Appends an element left as storage has it (zero/empty) and returns its handle.
    pub fn grow(&mut self) -> T::Handle {
        let len = self.len();
        self.set_len(len + 1);
        <T::Handle as StorageLayout>::at_slot(self.element_slot(len))
    }
}

impl<T: Storable + StorageEntry> StorageVec<T> {
    /// Element `index`, if it exists.
    pub fn get(&self, index: usize) -> Option<T> {
        if index < self.len() {
            Some(T::load(self.element_slot(index)))
        } else {
            None
        }
    }

    /// Replaces element `index`; reverts with `Panic(0x32)` if out of bounds, as Solidity.
    pub fn set(&mut self, index: usize, value: T) {
        if index >= self.len() {
            out_of_bounds();
        }
        T::store(self.element_slot(index), &value)
    }

    /// Appends an element.
    pub fn push(&mut self, value: T) {
        let len = self.len();
        self.set_len(len + 1);
        T::store(self.element_slot(len), &value)
    }

    /// Removes and returns the last element (its slot is zeroed, as Solidity's `pop`).
    pub fn pop(&mut self) -> Option<T> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let slot = self.element_slot(len - 1);
        let value = T::load(slot);
        T::erase(slot);
        self.set_len(len - 1);
        Some(value)
    }

    /// Removes every element (zeroing their slots).
    pub fn clear(&mut self) {
        for i in 0..self.len() {
            T::erase(self.element_slot(i));
        }
        self.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestHost;
    use alloy_primitives::{address, keccak256};

    fn slot_key(n: u64) -> B256 {
        B256::from(U256::from(n))
    }

    #[test]
    fn values_are_stored_as_solidity_words() {
        let host = TestHost::new();
        let mut a = StorageValue::<u8>::at_slot(U256::from(0));
        let mut b = StorageValue::<i16>::at_slot(U256::from(1));
        let mut c = StorageValue::<Address>::at_slot(U256::from(2));
        let mut d = StorageValue::<FixedBytes<4>>::at_slot(U256::from(3));
        let mut e = StorageValue::<bool>::at_slot(U256::from(4));
        a.set(0xab);
        b.set(-2);
        c.set(address!("00000000000000000000000000000000000000ff"));
        d.set(FixedBytes::new([1, 2, 3, 4]));
        e.set(true);
        assert_eq!(host.storage(slot_key(0)), B256::from(U256::from(0xab)));
        // Masked to the type's width, as Solidity stores an int16.
        assert_eq!(host.storage(slot_key(1)), B256::from(U256::from(0xfffe)));
        assert_eq!(host.storage(slot_key(2)), B256::from(U256::from(0xff)));
        assert_eq!(host.storage(slot_key(3)).0[..4], [1, 2, 3, 4]);
        assert_eq!(host.storage(slot_key(4)), B256::from(U256::from(1)));
        assert_eq!((a.get(), b.get(), e.get()), (0xab, -2, true));
        assert_eq!(d.get(), FixedBytes::new([1, 2, 3, 4]));
    }

    #[test]
    fn strings_use_solidity_layout() {
        let host = TestHost::new();
        let mut s = StorageValue::<String>::at_slot(U256::from(7));
        s.set(String::from("Hello, World!"));
        let w = host.storage(slot_key(7));
        assert_eq!(&w.0[..13], b"Hello, World!");
        assert_eq!(w.0[31], 26);
        assert_eq!(s.get(), "Hello, World!");

        let long = "x".repeat(70);
        s.set(long.clone());
        assert_eq!(host.storage(slot_key(7)), B256::from(U256::from(141)));
        let base = U256::from_be_bytes(keccak256(slot_key(7)).0);
        assert_eq!(
            host.storage(B256::from(base + U256::from(2))).0[..6],
            *b"xxxxxx"
        );
        assert_eq!(s.get(), long);

        // Shrinking zeroes the old data slots.
        s.set(String::from("short"));
        for i in 0..3u64 {
            assert_eq!(host.storage(B256::from(base + U256::from(i))), B256::ZERO);
        }
        assert_eq!(s.get(), "short");
        s.erase();
        assert_eq!(host.storage(slot_key(7)), B256::ZERO);
    }

    #[test]
    fn mappings_hash_key_then_slot() {
        let host = TestHost::new();
        let mut m = StorageMap::<Address, U256>::at_slot(U256::from(0));
        let nested = StorageMap::<Address, StorageMap<Address, U256>>::at_slot(U256::from(1));
        let who = address!("1111111111111111111111111111111111111111");
        let spender = address!("2222222222222222222222222222222222222222");
        m.set(who, U256::from(42));
        nested.at(who).set(spender, U256::from(7));

        let mut buf = [0u8; 64];
        buf[12..32].copy_from_slice(who.as_slice());
        let key = keccak256(buf);
        assert_eq!(host.storage(key), B256::from(U256::from(42)));

        buf[63] = 1;
        let inner = keccak256(buf);
        let mut buf2 = [0u8; 64];
        buf2[12..32].copy_from_slice(spender.as_slice());
        buf2[32..].copy_from_slice(inner.as_slice());
        assert_eq!(host.storage(keccak256(buf2)), B256::from(U256::from(7)));
        assert_eq!(nested.at(who).get(spender), U256::from(7));
        assert_eq!(m.get(spender), U256::ZERO);

        let mut by_int = StorageMap::<i8, bool>::at_slot(U256::from(5));
        by_int.set(-1, true);
        let mut buf3 = [0xffu8; 64];
        buf3[32..].copy_from_slice(&U256::from(5).to_be_bytes::<32>());
        assert_eq!(host.storage(keccak256(buf3)), B256::from(U256::from(1)));

        let mut by_name = StorageMap::<String, u64>::at_slot(U256::from(2));
        by_name.set(String::from("abc"), 9);
        let mut raw = b"abc".to_vec();
        raw.extend_from_slice(&[0u8; 31]);
        raw.push(2);
        assert_eq!(host.storage(keccak256(&raw)), B256::from(U256::from(9)));
        m.remove(who);
        assert_eq!(m.get(who), U256::ZERO);
    }

    #[test]
    fn vectors_use_solidity_layout() {
        let host = TestHost::new();
        let mut v = StorageVec::<U256>::at_slot(U256::from(3));
        assert!(v.is_empty());
        v.push(U256::from(10));
        v.push(U256::from(20));
        assert_eq!(v.len(), 2);
        assert_eq!(host.storage(slot_key(3)), B256::from(U256::from(2)));
        let base = U256::from_be_bytes(keccak256(slot_key(3)).0);
        assert_eq!(
            host.storage(B256::from(base + U256::from(1))),
            B256::from(U256::from(20))
        );
        v.set(0, U256::from(11));
        assert_eq!(v.get(0), Some(U256::from(11)));
        assert_eq!(v.get(2), None);
        assert_eq!(v.pop(), Some(U256::from(20)));
        assert_eq!(host.storage(B256::from(base + U256::from(1))), B256::ZERO);
        let reverted = host.catch_revert(|| v.set(5, U256::from(1)));
        let data = reverted.expect_err("out of bounds reverts");
        assert_eq!(
            data,
            crate::abi::Revert::from(alloy_sol_types::Panic::from(0x32u64)).data()
        );
        v.clear();
        assert!(v.is_empty());

        let mut nested = StorageVec::<StorageVec<u8>>::at_slot(U256::from(4));
        nested.grow().push(5);
        assert_eq!(nested.at(0).map(|inner| inner.get(0)), Some(Some(5)));
    }
}
