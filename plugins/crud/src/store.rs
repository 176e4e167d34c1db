//! What the plugin keeps in its storage namespace (`0x1002`), and the compact encoding it
//! keeps it in.
//!
//! | key | value |
//! |---|---|
//! | `C` | the last table id handed out (`u32`, big-endian) |
//! | `N` ‖ path | the id of the table at `path` (`/tables/<name>`) |
//! | `M` ‖ id | the table's [`TableMeta`] |
//! | `R` ‖ id ‖ stored key | a row: its value fields |
//! | `X` ‖ id ‖ node | a node of the table's key index (see [`crate::index`]) |
//!
//! `id` and `node` are `u32` big-endian. The stored key of a lexicographic table is the
//! key's bytes; of a numerical table, the order-preserving 8-byte form of the `int64`
//! (see [`KeyOrder::encode`]), so byte order is key order for both.
//!
//! Records use a small length-prefixed encoding rather than the Solidity ABI: the host
//! charges per 32-byte word read and written, and the ABI would pad every field to a word.

use weft_plugin_abi::{CallError, Host};

/// A record that does not decode: the plugin's own storage is damaged, so the call fails
/// (all gas consumed) rather than reverting with a result a caller could act on.
pub(crate) fn corrupt(what: &str) -> CallError {
    CallError::Fail(format!("CRUD plugin storage is corrupt: {what}"))
}

/// Appends fields to a record.
#[derive(Default)]
pub(crate) struct Writer(Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }

    /// LEB128.
    pub(crate) fn var(&mut self, mut v: u64) -> &mut Self {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return self;
            }
            self.0.push(byte | 0x80);
        }
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.var(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    pub(crate) fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

/// Reads the fields of a record, failing on anything malformed.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], what: &'static str) -> Self {
        Reader { data, what }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CallError> {
        let (&first, rest) = self.data.split_first().ok_or_else(|| corrupt(self.what))?;
        self.data = rest;
        Ok(first)
    }

    pub(crate) fn var(&mut self) -> Result<u64, CallError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(corrupt(self.what))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, CallError> {
        u32::try_from(self.var()?).map_err(|_| corrupt(self.what))
    }

    /// A length or count, which can be no larger than the bytes left.
    pub(crate) fn len(&mut self) -> Result<usize, CallError> {
        let n = self.var()?;
        if n > self.data.len() as u64 {
            return Err(corrupt(self.what));
        }
        Ok(n as usize)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], CallError> {
        let n = self.len()?;
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    pub(crate) fn string(&mut self) -> Result<String, CallError> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| corrupt(self.what))
    }

    pub(crate) fn end(&self) -> Result<(), CallError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(corrupt(self.what))
        }
    }
}

/// What kind of table: FISCO's `createTable` or `createKVTable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Rows of value fields, with the Table interface and a key index.
    Table,
    /// One value per key, with the KVTable interface (`get`/`set`) and no index.
    Kv,
}

/// FISCO's `KeyOrder`: how keys sort, and so what key ranges mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyOrder {
    /// Byte-wise (`KeyOrder.Lexicographic`, 0).
    Lexicographic,
    /// As `int64` numbers (`KeyOrder.Numerical`, 1); keys must be canonical decimals.
    Numerical,
}

impl KeyOrder {
    pub(crate) fn code(self) -> u8 {
        match self {
            KeyOrder::Lexicographic => 0,
            KeyOrder::Numerical => 1,
        }
    }

    /// From FISCO's code, with FISCO's message for anything else.
    pub(crate) fn from_code(code: u8) -> Result<Self, CallError> {
        match code {
            0 => Ok(KeyOrder::Lexicographic),
            1 => Ok(KeyOrder::Numerical),
            other => Err(CallError::revert_message(&format!(
                "{other} KeyOrder not exist!"
            ))),
        }
    }

    /// The stored form of `key`. A numerical key must be an `int64` written exactly as
    /// Rust (and C++'s `std::to_string`) would write it back — no `+`, no leading zeros —
    /// so every number has one stored form; it is stored as the big-endian bytes of the
    /// number with its sign bit flipped, which sort as the numbers do.
    pub(crate) fn encode(self, key: &str) -> Result<Vec<u8>, CallError> {
        match self {
            KeyOrder::Lexicographic => Ok(key.as_bytes().to_vec()),
            KeyOrder::Numerical => match key.parse::<i64>() {
                Ok(n) if n.to_string() == key => {
                    Ok(((n as u64) ^ (1 << 63)).to_be_bytes().to_vec())
                }
                _ => Err(CallError::revert_message(&format!(
                    "The key cannot be converted to a number(int64): \"{key}\" is not an int64 \
                     in canonical decimal form (a numerical table's keys look like \"-12\" or \"7\")"
                ))),
            },
        }
    }

    /// The key as callers wrote it, from its stored form.
    pub(crate) fn decode(self, stored: &[u8]) -> Result<String, CallError> {
        match self {
            KeyOrder::Lexicographic => {
                String::from_utf8(stored.to_vec()).map_err(|_| corrupt("row key"))
            }
            KeyOrder::Numerical => {
                let raw: [u8; 8] = stored.try_into().map_err(|_| corrupt("numerical key"))?;
                Ok(((u64::from_be_bytes(raw) ^ (1 << 63)) as i64).to_string())
            }
        }
    }
}

/// A table's description, kept at `M ‖ id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableMeta {
    /// The table's id: its address is [`crate::table_address`] of it.
    pub(crate) id: u32,
    /// `/tables/<name>`.
    pub(crate) path: String,
    pub(crate) kind: Kind,
    pub(crate) key_order: KeyOrder,
    pub(crate) key_field: String,
    pub(crate) value_fields: Vec<String>,
    /// Root node of the key index (unused for KV tables). A root that was never
    /// written is an empty leaf.
    pub(crate) root: u32,
    /// The next index node id to hand out.
    pub(crate) next_node: u32,
}

const KIND_TABLE: u8 = 0;
const KIND_KV: u8 = 1;

impl TableMeta {
    /// The bare name (`t_test` for `/tables/t_test`).
    pub(crate) fn name(&self) -> &str {
        crate::names::bare_name(&self.path)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.var(u64::from(self.id))
            .bytes(self.path.as_bytes())
            .u8(match self.kind {
                Kind::Table => KIND_TABLE,
                Kind::Kv => KIND_KV,
            })
            .u8(self.key_order.code())
            .bytes(self.key_field.as_bytes())
            .var(self.value_fields.len() as u64);
        for field in &self.value_fields {
            w.bytes(field.as_bytes());
        }
        w.var(u64::from(self.root)).var(u64::from(self.next_node));
        w.finish()
    }

    fn decode(data: &[u8]) -> Result<Self, CallError> {
        let mut r = Reader::new(data, "table description");
        let id = r.u32()?;
        let path = r.string()?;
        let kind = match r.u8()? {
            KIND_TABLE => Kind::Table,
            KIND_KV => Kind::Kv,
            _ => return Err(corrupt("table kind")),
        };
        let key_order = KeyOrder::from_code(r.u8()?).map_err(|_| corrupt("key order"))?;
        let key_field = r.string()?;
        let count = r.len()?;
        let mut value_fields = Vec::with_capacity(count);
        for _ in 0..count {
            value_fields.push(r.string()?);
        }
        let root = r.u32()?;
        let next_node = r.u32()?;
        r.end()?;
        Ok(TableMeta {
            id,
            path,
            kind,
            key_order,
            key_field,
            value_fields,
            root,
            next_node,
        })
    }
}

fn id_key(prefix: u8, id: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(5);
    key.push(prefix);
    key.extend_from_slice(&id.to_be_bytes());
    key
}

fn path_key(path: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + path.len());
    key.push(b'N');
    key.extend_from_slice(path.as_bytes());
    key
}

fn row_key(table: u32, stored_key: &[u8]) -> Vec<u8> {
    let mut key = id_key(b'R', table);
    key.extend_from_slice(stored_key);
    key
}

/// The storage key of index node `node` of table `table`.
pub(crate) fn node_key(table: u32, node: u32) -> Vec<u8> {
    let mut key = id_key(b'X', table);
    key.extend_from_slice(&node.to_be_bytes());
    key
}

/// The id of the table at `path`, if there is one.
pub(crate) fn table_id(host: &mut dyn Host, path: &str) -> Result<Option<u32>, CallError> {
    match host.get(&path_key(path))? {
        None => Ok(None),
        Some(raw) => {
            let raw: [u8; 4] = raw.as_slice().try_into().map_err(|_| corrupt("table id"))?;
            Ok(Some(u32::from_be_bytes(raw)))
        }
    }
}

/// The table with id `id`, if there is one.
pub(crate) fn load_meta(host: &mut dyn Host, id: u32) -> Result<Option<TableMeta>, CallError> {
    host.get(&id_key(b'M', id))?
        .map(|raw| TableMeta::decode(&raw))
        .transpose()
}

/// The table at `path`, if there is one.
pub(crate) fn meta_by_path(
    host: &mut dyn Host,
    path: &str,
) -> Result<Option<TableMeta>, CallError> {
    match table_id(host, path)? {
        None => Ok(None),
        Some(id) => load_meta(host, id)?
            .map(Some)
            .ok_or_else(|| corrupt("a table path names a missing table")),
    }
}

pub(crate) fn store_meta(host: &mut dyn Host, meta: &TableMeta) -> Result<(), CallError> {
    host.set(&id_key(b'M', meta.id), &meta.encode())?;
    Ok(())
}

/// Hand out the next table id and register `path` under it.
pub(crate) fn register_table(host: &mut dyn Host, path: &str) -> Result<u32, CallError> {
    let last = match host.get(b"C")? {
        None => 0,
        Some(raw) => {
            let raw: [u8; 4] = raw
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("table counter"))?;
            u32::from_be_bytes(raw)
        }
    };
    let id = last.checked_add(1).ok_or_else(|| {
        CallError::revert_message("no table ids left: this chain has 2^32 - 1 tables")
    })?;
    host.set(b"C", &id.to_be_bytes())?;
    host.set(&path_key(path), &id.to_be_bytes())?;
    Ok(id)
}

/// The value fields of the row at `stored_key`, padded with empty strings to `columns`
/// (rows written before `appendColumns` are shorter).
pub(crate) fn load_row(
    host: &mut dyn Host,
    table: u32,
    stored_key: &[u8],
    columns: usize,
) -> Result<Option<Vec<String>>, CallError> {
    let Some(raw) = host.get(&row_key(table, stored_key))? else {
        return Ok(None);
    };
    let mut r = Reader::new(&raw, "row");
    let count = r.len()?;
    let mut values = Vec::with_capacity(count.max(columns));
    for _ in 0..count {
        values.push(r.string()?);
    }
    r.end()?;
    if values.len() < columns {
        values.resize(columns, String::new());
    }
    Ok(Some(values))
}

/// Does the row at `stored_key` exist?
pub(crate) fn row_exists(
    host: &mut dyn Host,
    table: u32,
    stored_key: &[u8],
) -> Result<bool, CallError> {
    Ok(host.get(&row_key(table, stored_key))?.is_some())
}

pub(crate) fn store_row(
    host: &mut dyn Host,
    table: u32,
    stored_key: &[u8],
    values: &[String],
) -> Result<(), CallError> {
    let mut w = Writer::default();
    w.var(values.len() as u64);
    for value in values {
        w.bytes(value.as_bytes());
    }
    host.set(&row_key(table, stored_key), &w.finish())?;
    Ok(())
}

pub(crate) fn remove_row(
    host: &mut dyn Host,
    table: u32,
    stored_key: &[u8],
) -> Result<(), CallError> {
    host.remove(&row_key(table, stored_key))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerical_keys_sort_as_numbers_and_round_trip() {
        let order = KeyOrder::Numerical;
        let keys = [i64::MIN, -100, -1, 0, 1, 2, 10, 100, i64::MAX];
        let stored: Vec<Vec<u8>> = keys
            .iter()
            .map(|k| order.encode(&k.to_string()).expect("canonical"))
            .collect();
        assert!(stored.windows(2).all(|w| w[0] < w[1]));
        for (k, s) in keys.iter().zip(&stored) {
            assert_eq!(order.decode(s).expect("decode"), k.to_string());
        }
        for bad in [
            "",
            "+1",
            "01",
            "-0",
            "1.0",
            " 1",
            "9223372036854775808",
            "abc",
        ] {
            assert!(order.encode(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn meta_round_trips_and_rejects_trailing_bytes() {
        let meta = TableMeta {
            id: 7,
            path: "/tables/t".into(),
            kind: Kind::Kv,
            key_order: KeyOrder::Numerical,
            key_field: "id".into(),
            value_fields: vec!["a".into(), "b".into()],
            root: 300,
            next_node: 301,
        };
        let raw = meta.encode();
        assert_eq!(TableMeta::decode(&raw).expect("decode"), meta);
        let mut longer = raw.clone();
        longer.push(0);
        assert!(TableMeta::decode(&longer).is_err());
        assert!(TableMeta::decode(&raw[..raw.len() - 1]).is_err());
    }
}
