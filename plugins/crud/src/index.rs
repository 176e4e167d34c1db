//! A table's ordered key index: a B+tree of stored keys over the plugin's key → bytes
//! storage, one node per storage slot (`X ‖ table ‖ node`).
//!
//! Storage has no iteration, so conditions with a limit need an order of their own.
//! Leaves hold sorted stored keys; an internal node holds `n` children and `n − 1`
//! separators, every key of child `i + 1` being at least separator `i` and every key of
//! child `i` below it. A node splits in two, by bytes, when it passes [`MAX_NODE_BYTES`]
//! or [`MAX_NODE_ENTRIES`] entries, so with short keys a node holds 64 keys and with
//! 255-byte keys at least 3.
//!
//! Deletion is lazy, as in many production B+trees: a node that empties is removed from
//! its parent and a root left with one child is replaced by it, but neighbours are never
//! merged. Separators stay correct bounds after deletions, so lookups stay right; the
//! height is that of the largest the table has been.
//!
//! Costs, with `h` the height (`⌈log₃₂ n⌉`-ish; 3 for a few tens of thousands of keys):
//!
//! | operation | node reads | node writes |
//! |---|---|---|
//! | insert | `h` | 1, plus 2 per split (rare) |
//! | remove | `h` | 1, plus 1 per emptied node |
//! | range scan of `k` keys | `h + k / 32`-ish | 0 |
//!
//! Point lookups (select, update, remove by key) never touch the index: rows are stored
//! under their key.

use std::ops::Bound;

use weft_plugin_abi::{CallError, Host};

use crate::store::{corrupt, node_key, Reader, TableMeta, Writer};

/// A node splits when its encoding passes this many bytes.
pub(crate) const MAX_NODE_BYTES: usize = 1024;
/// ... or when it holds more than this many keys (leaf) or children (internal node).
pub(crate) const MAX_NODE_ENTRIES: usize = 64;

const LEAF: u8 = 0;
const INTERNAL: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Leaf(Vec<Vec<u8>>),
    Internal {
        separators: Vec<Vec<u8>>,
        children: Vec<u32>,
    },
}

impl Node {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Node::Leaf(keys) => {
                w.u8(LEAF).var(keys.len() as u64);
                for key in keys {
                    w.bytes(key);
                }
            }
            Node::Internal {
                separators,
                children,
            } => {
                w.u8(INTERNAL).var(children.len() as u64);
                for child in children {
                    w.var(u64::from(*child));
                }
                for separator in separators {
                    w.bytes(separator);
                }
            }
        }
        w.finish()
    }

    fn decode(data: &[u8]) -> Result<Self, CallError> {
        let mut r = Reader::new(data, "key index node");
        let node = match r.u8()? {
            LEAF => {
                let count = r.len()?;
                let mut keys = Vec::with_capacity(count);
                for _ in 0..count {
                    keys.push(r.bytes()?.to_vec());
                }
                Node::Leaf(keys)
            }
            INTERNAL => {
                let count = r.len()?;
                if count == 0 {
                    return Err(corrupt("key index node"));
                }
                let mut children = Vec::with_capacity(count);
                for _ in 0..count {
                    children.push(r.u32()?);
                }
                let mut separators = Vec::with_capacity(count - 1);
                for _ in 1..count {
                    separators.push(r.bytes()?.to_vec());
                }
                Node::Internal {
                    separators,
                    children,
                }
            }
            _ => return Err(corrupt("key index node")),
        };
        r.end()?;
        Ok(node)
    }

    /// Too big to store as one node?
    fn overflows(&self) -> bool {
        match self {
            Node::Leaf(keys) => keys.len() > MAX_NODE_ENTRIES || entry_bytes(keys) > MAX_NODE_BYTES,
            Node::Internal {
                separators,
                children,
            } => {
                children.len() > MAX_NODE_ENTRIES
                    || entry_bytes(separators) + 5 * children.len() > MAX_NODE_BYTES
            }
        }
    }
}

/// Upper bound of the encoded size of `keys` (a length prefix of at most 2 bytes each).
fn entry_bytes(keys: &[Vec<u8>]) -> usize {
    keys.iter().map(|k| k.len() + 2).sum::<usize>() + 3
}

/// The index where the byte sizes of `keys[..i]` and `keys[i..]` are closest to even,
/// in `1..keys.len()`.
fn split_point(keys: &[Vec<u8>]) -> usize {
    let total: usize = keys.iter().map(|k| k.len() + 2).sum();
    let mut acc = 0;
    for (i, key) in keys.iter().enumerate() {
        acc += key.len() + 2;
        if acc * 2 >= total {
            return (i + 1).clamp(1, keys.len() - 1);
        }
    }
    keys.len() / 2
}

fn load(host: &mut dyn Host, meta: &TableMeta, node: u32) -> Result<Node, CallError> {
    match host.get(&node_key(meta.id, node))? {
        Some(raw) => Node::decode(&raw),
        // The root of a new table, or of one emptied, is not stored until it holds a key.
        None if node == meta.root => Ok(Node::Leaf(Vec::new())),
        None => Err(corrupt("missing key index node")),
    }
}

fn store(host: &mut dyn Host, meta: &TableMeta, id: u32, node: &Node) -> Result<(), CallError> {
    host.set(&node_key(meta.id, id), &node.encode())?;
    Ok(())
}

fn drop_node(host: &mut dyn Host, meta: &TableMeta, id: u32) -> Result<(), CallError> {
    host.remove(&node_key(meta.id, id))?;
    Ok(())
}

fn allocate(meta: &mut TableMeta) -> Result<u32, CallError> {
    let id = meta.next_node;
    meta.next_node = id
        .checked_add(1)
        .ok_or_else(|| CallError::revert_message("the table's key index is full (2^32 nodes)"))?;
    Ok(id)
}

/// The child of an internal node whose range holds `key`.
fn child_for(separators: &[Vec<u8>], key: &[u8]) -> usize {
    separators.partition_point(|s| s.as_slice() <= key)
}

/// The internal nodes on the way down to a leaf: id, separators, children, child taken.
type Path = Vec<(u32, Vec<Vec<u8>>, Vec<u32>, usize)>;

/// Walk from the root to the leaf whose range holds `key`: the internal nodes passed
/// and the leaf's id and keys.
fn descend(
    host: &mut dyn Host,
    meta: &TableMeta,
    key: &[u8],
) -> Result<(Path, u32, Vec<Vec<u8>>), CallError> {
    let mut path = Vec::new();
    let mut id = meta.root;
    loop {
        match load(host, meta, id)? {
            Node::Leaf(keys) => return Ok((path, id, keys)),
            Node::Internal {
                separators,
                children,
            } => {
                let idx = child_for(&separators, key);
                let next = children[idx];
                path.push((id, separators, children, idx));
                id = next;
            }
        }
    }
}

/// Add `key`; `meta`'s root or node counter may change (the caller stores `meta` when
/// this returns `true`). Adding a key already there changes nothing.
pub(crate) fn insert(
    host: &mut dyn Host,
    meta: &mut TableMeta,
    key: &[u8],
) -> Result<bool, CallError> {
    let (mut path, leaf_id, mut keys) = descend(host, meta, key)?;
    let Err(pos) = keys.binary_search_by(|k| k.as_slice().cmp(key)) else {
        return Ok(false);
    };
    keys.insert(pos, key.to_vec());
    let leaf = Node::Leaf(keys);
    if !leaf.overflows() {
        store(host, meta, leaf_id, &leaf)?;
        return Ok(false);
    }
    let Node::Leaf(mut keys) = leaf else {
        unreachable!("built as a leaf above")
    };
    let right_keys = keys.split_off(split_point(&keys));
    let mut separator = right_keys[0].clone();
    let mut right = allocate(meta)?;
    store(host, meta, leaf_id, &Node::Leaf(keys))?;
    store(host, meta, right, &Node::Leaf(right_keys))?;
    // Carry (separator, new right sibling) up until a parent has room.
    while let Some((parent, mut separators, mut children, idx)) = path.pop() {
        separators.insert(idx, separator);
        children.insert(idx + 1, right);
        let node = Node::Internal {
            separators,
            children,
        };
        if !node.overflows() {
            store(host, meta, parent, &node)?;
            return Ok(true);
        }
        let Node::Internal {
            mut separators,
            mut children,
        } = node
        else {
            unreachable!("built as an internal node above")
        };
        // Children [..=m] stay, separator m moves up, children [m+1..] move right.
        // (`separators` has at least 3 entries here: an overflowing node holds at least
        // 4 separators of at most 257 bytes, or 64.)
        let m = split_point(&separators).clamp(1, separators.len().saturating_sub(2).max(1));
        let right_separators = separators.split_off(m + 1);
        separator = separators.pop().unwrap_or_default();
        let right_children = children.split_off(m + 1);
        right = allocate(meta)?;
        store(
            host,
            meta,
            parent,
            &Node::Internal {
                separators,
                children,
            },
        )?;
        store(
            host,
            meta,
            right,
            &Node::Internal {
                separators: right_separators,
                children: right_children,
            },
        )?;
    }
    // The root split: a new root above the two halves.
    let root = allocate(meta)?;
    let old_root = meta.root;
    store(
        host,
        meta,
        root,
        &Node::Internal {
            separators: vec![separator],
            children: vec![old_root, right],
        },
    )?;
    meta.root = root;
    Ok(true)
}

/// Remove `key`; `meta`'s root may change (the caller stores `meta` when this returns
/// `true`). Removing a key not there changes nothing.
pub(crate) fn remove(
    host: &mut dyn Host,
    meta: &mut TableMeta,
    key: &[u8],
) -> Result<bool, CallError> {
    let (mut path, leaf_id, mut keys) = descend(host, meta, key)?;
    let Ok(pos) = keys.binary_search_by(|k| k.as_slice().cmp(key)) else {
        return Ok(false);
    };
    keys.remove(pos);
    if !keys.is_empty() {
        store(host, meta, leaf_id, &Node::Leaf(keys))?;
        return Ok(false);
    }
    drop_node(host, meta, leaf_id)?;
    if path.is_empty() {
        // The root leaf emptied: an unstored root reads as an empty leaf.
        return Ok(false);
    }
    // Remove the emptied child from its parent, and so on up while parents empty.
    while let Some((parent, mut separators, mut children, idx)) = path.pop() {
        children.remove(idx);
        if !separators.is_empty() {
            // Child `idx` covered [separators[idx-1], separators[idx]); its range joins
            // its left neighbour's, or, for the first child, its right neighbour's.
            separators.remove(idx.saturating_sub(1));
        }
        if children.is_empty() {
            drop_node(host, meta, parent)?;
            if path.is_empty() {
                meta.root = allocate(meta)?;
                return Ok(true);
            }
            continue;
        }
        // A parent below the root, or a root left with several children, stays.
        if !path.is_empty() || children.len() > 1 {
            store(
                host,
                meta,
                parent,
                &Node::Internal {
                    separators,
                    children,
                },
            )?;
            return Ok(false);
        }
        // `parent` is the root with a single child: while the root has a single child,
        // that child becomes the root.
        drop_node(host, meta, parent)?;
        meta.root = children[0];
        while let Node::Internal { children: only, .. } = load(host, meta, meta.root)? {
            if only.len() != 1 {
                break;
            }
            drop_node(host, meta, meta.root)?;
            meta.root = only[0];
        }
        return Ok(true);
    }
    Ok(false)
}

/// Stored keys in ascending order from a lower bound, read a leaf at a time.
pub(crate) struct Cursor {
    /// Internal nodes from the root down: their children and the child being read.
    frames: Vec<(Vec<u32>, usize)>,
    keys: Vec<Vec<u8>>,
    pos: usize,
}

impl Cursor {
    /// A cursor at the first key not below `lower`.
    pub(crate) fn seek(
        host: &mut dyn Host,
        meta: &TableMeta,
        lower: Bound<&[u8]>,
    ) -> Result<Self, CallError> {
        let mut frames = Vec::new();
        let mut id = meta.root;
        loop {
            match load(host, meta, id)? {
                Node::Internal {
                    separators,
                    children,
                } => {
                    let idx = match lower {
                        Bound::Unbounded => 0,
                        Bound::Included(k) | Bound::Excluded(k) => child_for(&separators, k),
                    };
                    id = children[idx];
                    frames.push((children, idx));
                }
                Node::Leaf(keys) => {
                    let pos = match lower {
                        Bound::Unbounded => 0,
                        Bound::Included(k) => keys.partition_point(|x| x.as_slice() < k),
                        Bound::Excluded(k) => keys.partition_point(|x| x.as_slice() <= k),
                    };
                    return Ok(Cursor { frames, keys, pos });
                }
            }
        }
    }

    /// The next key, or `None` past the last.
    pub(crate) fn next(
        &mut self,
        host: &mut dyn Host,
        meta: &TableMeta,
    ) -> Result<Option<Vec<u8>>, CallError> {
        loop {
            if let Some(key) = self.keys.get_mut(self.pos) {
                self.pos += 1;
                return Ok(Some(std::mem::take(key)));
            }
            // Up to the nearest ancestor with a child to the right, then down its left edge.
            let mut id = loop {
                let Some((children, idx)) = self.frames.last_mut() else {
                    return Ok(None);
                };
                if *idx + 1 < children.len() {
                    *idx += 1;
                    break children[*idx];
                }
                self.frames.pop();
            };
            loop {
                match load(host, meta, id)? {
                    Node::Internal { children, .. } => {
                        id = children[0];
                        self.frames.push((children, 0));
                    }
                    Node::Leaf(keys) => {
                        self.keys = keys;
                        self.pos = 0;
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use weft_plugin_abi::testing::StorageHost;

    use super::*;
    use crate::store::{KeyOrder, Kind};

    fn meta() -> TableMeta {
        TableMeta {
            id: 1,
            path: "/tables/t".into(),
            kind: Kind::Table,
            key_order: KeyOrder::Lexicographic,
            key_field: "k".into(),
            value_fields: Vec::new(),
            root: 0,
            next_node: 1,
        }
    }

    fn scan(host: &mut StorageHost, meta: &TableMeta, lower: Bound<&[u8]>) -> Vec<Vec<u8>> {
        let mut cursor = Cursor::seek(host, meta, lower).expect("seek");
        let mut out = Vec::new();
        while let Some(k) = cursor.next(host, meta).expect("next") {
            out.push(k);
        }
        out
    }

    /// A reproducible stream of pseudo-random numbers (a 64-bit LCG).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    fn key(n: u64, long: bool) -> Vec<u8> {
        if long {
            // Long keys make nodes split by bytes, with few keys each.
            format!("{n:0>200}").into_bytes()
        } else {
            format!("k{n}").into_bytes()
        }
    }

    fn check_against_model(long: bool, ops: usize, space: u64) {
        let mut host = StorageHost::default();
        let mut meta = meta();
        let mut model = BTreeSet::new();
        let mut rng = Lcg(if long { 7 } else { 42 });
        for step in 0..ops {
            let k = key(rng.next() % space, long);
            // Mostly inserts first, then mostly removals, so the tree grows and shrinks.
            let grow = step < ops / 2;
            if rng.next().is_multiple_of(4) != grow {
                insert(&mut host, &mut meta, &k).expect("insert");
                model.insert(k);
            } else {
                remove(&mut host, &mut meta, &k).expect("remove");
                model.remove(&k);
            }
            if step % 97 == 0 {
                let all: Vec<_> = model.iter().cloned().collect();
                assert_eq!(scan(&mut host, &meta, Bound::Unbounded), all, "step {step}");
                let probe = key(rng.next() % space, long);
                let from: Vec<_> = model.range(probe.clone()..).cloned().collect();
                assert_eq!(scan(&mut host, &meta, Bound::Included(&probe)), from);
                let after: Vec<_> = model
                    .range((Bound::Excluded(probe.clone()), Bound::Unbounded))
                    .cloned()
                    .collect();
                assert_eq!(scan(&mut host, &meta, Bound::Excluded(&probe)), after);
            }
        }
        // Remove everything: no node is left behind but possibly an empty root.
        for k in model.clone() {
            remove(&mut host, &mut meta, &k).expect("remove");
        }
        assert!(scan(&mut host, &meta, Bound::Unbounded).is_empty());
        assert!(host.storage.len() <= 1, "{} nodes left", host.storage.len());
    }

    #[test]
    fn matches_a_sorted_set_with_short_keys() {
        check_against_model(false, 6_000, 3_000);
    }

    #[test]
    fn matches_a_sorted_set_with_long_keys() {
        check_against_model(true, 2_000, 800);
    }

    #[test]
    fn grows_in_height_and_nodes_stay_within_limits() {
        let mut host = StorageHost::default();
        let mut meta = meta();
        for n in 0..5_000u64 {
            insert(&mut host, &mut meta, &key(n, false)).expect("insert");
        }
        let root = Node::decode(&host.storage[&node_key(1, meta.root)]).expect("root");
        assert!(matches!(root, Node::Internal { .. }));
        for raw in host.storage.values() {
            assert!(raw.len() <= MAX_NODE_BYTES, "node of {} bytes", raw.len());
            assert!(!Node::decode(raw).expect("node").overflows());
        }
        // Height: root, internal level, leaves.
        let mut depth = 1;
        let mut id = meta.root;
        while let Node::Internal { children, .. } =
            Node::decode(&host.storage[&node_key(1, id)]).expect("node")
        {
            depth += 1;
            id = children[0];
        }
        assert_eq!(depth, 3);
    }
}
