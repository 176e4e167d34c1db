//! Conditions and limits: FISCO v3.2's `Condition{op, field, value}` turned into a key
//! range over the index plus filters, and the scan that applies them.
//!
//! As in FISCO (`TablePrecompiled::buildConditions`), a condition names the key field or
//! a value field; several conditions all hold (AND). Conditions on the key compare as the
//! table's `KeyOrder` says — as `int64`s for a numerical table — and `GT`/`GE`/`LT`/`LE`/`EQ`
//! (and `STARTS_WITH` on a lexicographic table) narrow the range of the index that is read
//! at all; the other conditions filter what the range yields. Conditions on value fields
//! compare strings byte-wise, as FISCO does, and need each candidate's row. The limit's
//! offset and count apply to the rows matching every condition, in key order.
//!
//! One deliberate difference: FISCO compares `STARTS_WITH`/`ENDS_WITH`/`CONTAINS` on a
//! numerical table's key against its internal zero-padded encoding, so they match
//! nothing useful; here they compare against the key as written (`"-12"`).

use std::ops::Bound;

use weft_plugin_abi::{CallError, Host};

use crate::index::Cursor;
use crate::store::{corrupt, load_row, KeyOrder, TableMeta};

/// At most this many rows per `select`, `update` or `remove` by condition
/// (`USER_TABLE_MAX_LIMIT_COUNT`).
pub(crate) const MAX_LIMIT_COUNT: u32 = 500;

/// Gas per key the index yields to a scan, on top of the host's storage charges: the
/// comparisons and filters each key goes through.
pub(crate) const GAS_PER_KEY_SCANNED: u64 = 50;

/// FISCO's `ConditionOP`, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
    StartsWith,
    EndsWith,
    Contains,
}

impl Op {
    /// From FISCO's code, with FISCO's message for anything else.
    pub(crate) fn from_code(code: u8) -> Result<Self, CallError> {
        Ok(match code {
            0 => Op::Gt,
            1 => Op::Ge,
            2 => Op::Lt,
            3 => Op::Le,
            4 => Op::Eq,
            5 => Op::Ne,
            6 => Op::StartsWith,
            7 => Op::EndsWith,
            8 => Op::Contains,
            other => {
                return Err(CallError::revert_message(&format!(
                    "{other} ConditionOP not exist!"
                )))
            }
        })
    }

    /// Does `actual` satisfy `actual <op> operand`, comparing bytes?
    fn holds(self, actual: &[u8], operand: &[u8]) -> bool {
        match self {
            Op::Gt => actual > operand,
            Op::Ge => actual >= operand,
            Op::Lt => actual < operand,
            Op::Le => actual <= operand,
            Op::Eq => actual == operand,
            Op::Ne => actual != operand,
            Op::StartsWith => actual.starts_with(operand),
            Op::EndsWith => actual.ends_with(operand),
            Op::Contains => {
                operand.is_empty() || actual.windows(operand.len()).any(|w| w == operand)
            }
        }
    }
}

/// The checks FISCO makes of a limit: at most [`MAX_LIMIT_COUNT`] rows, and an offset
/// that does not overflow with the count.
pub(crate) fn check_limit(offset: u32, count: u32) -> Result<(), CallError> {
    if count > MAX_LIMIT_COUNT || offset.checked_add(count).is_none() {
        return Err(CallError::revert_message(&format!(
            "Limit overflow.: a limit takes at most {MAX_LIMIT_COUNT} rows (got offset {offset}, \
             count {count}); page through larger results with the offset"
        )));
    }
    Ok(())
}

/// Conditions, ready to scan with.
#[derive(Debug)]
pub(crate) struct Query {
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    /// Stored keys excluded (`NE` on the key).
    key_excluded: Vec<Vec<u8>>,
    /// `STARTS_WITH`/`ENDS_WITH`/`CONTAINS` on the key as written.
    key_text: Vec<(Op, Vec<u8>)>,
    /// Conditions on value fields: column index, op, operand.
    values: Vec<(usize, Op, Vec<u8>)>,
    /// The range is empty: nothing can match.
    empty: bool,
}

/// Narrow `current` to the tighter of it and `new` (lower bounds).
fn raise_lower(current: &mut Bound<Vec<u8>>, new: Bound<Vec<u8>>) {
    let tighter = match (&*current, &new) {
        (_, Bound::Unbounded) => false,
        (Bound::Unbounded, _) => true,
        (Bound::Included(a), Bound::Included(b)) => b > a,
        (Bound::Included(a), Bound::Excluded(b)) => b >= a,
        (Bound::Excluded(a), Bound::Included(b)) | (Bound::Excluded(a), Bound::Excluded(b)) => {
            b > a
        }
    };
    if tighter {
        *current = new;
    }
}

/// Narrow `current` to the tighter of it and `new` (upper bounds).
fn lower_upper(current: &mut Bound<Vec<u8>>, new: Bound<Vec<u8>>) {
    let tighter = match (&*current, &new) {
        (_, Bound::Unbounded) => false,
        (Bound::Unbounded, _) => true,
        (Bound::Included(a), Bound::Included(b)) => b < a,
        (Bound::Included(a), Bound::Excluded(b)) => b <= a,
        (Bound::Excluded(a), Bound::Included(b)) | (Bound::Excluded(a), Bound::Excluded(b)) => {
            b < a
        }
    };
    if tighter {
        *current = new;
    }
}

/// The smallest byte string greater than every string starting with `prefix`, if any.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl Query {
    /// Conditions `(op, field, value)` on `meta`'s table. Reverts as FISCO does on no
    /// condition, an unknown op or field, and a numerical key that is not an `int64`.
    pub(crate) fn new(
        meta: &TableMeta,
        conditions: impl IntoIterator<Item = (u8, String, String)>,
    ) -> Result<Self, CallError> {
        let mut query = Query {
            lower: Bound::Unbounded,
            upper: Bound::Unbounded,
            key_excluded: Vec::new(),
            key_text: Vec::new(),
            values: Vec::new(),
            empty: false,
        };
        let mut any = false;
        for (op, field, value) in conditions {
            any = true;
            let op = Op::from_code(op)?;
            if field == meta.key_field {
                query.add_key(meta.key_order, op, value)?;
            } else if let Some(column) = meta.value_fields.iter().position(|f| *f == field) {
                query.values.push((column, op, value.into_bytes()));
            } else {
                return Err(CallError::revert_message(&format!(
                    "Table condition fields not found: \"{field}\" is neither the key field \"{}\" \
                     nor a value field of {}",
                    meta.key_field, meta.path
                )));
            }
        }
        if !any {
            return Err(CallError::revert_message(
                "Condition is empty: give at least one condition (for every row, e.g. the key GE \"\" \
                 or, on a numerical table, GE the smallest key)",
            ));
        }
        query.empty = match (&query.lower, &query.upper) {
            (Bound::Included(a), Bound::Included(b)) => a > b,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
                a >= b
            }
            _ => false,
        };
        Ok(query)
    }

    fn add_key(&mut self, order: KeyOrder, op: Op, value: String) -> Result<(), CallError> {
        match op {
            Op::StartsWith | Op::EndsWith | Op::Contains => {
                if op == Op::StartsWith && order == KeyOrder::Lexicographic {
                    raise_lower(&mut self.lower, Bound::Included(value.as_bytes().to_vec()));
                    if let Some(end) = prefix_end(value.as_bytes()) {
                        lower_upper(&mut self.upper, Bound::Excluded(end));
                    }
                }
                self.key_text.push((op, value.into_bytes()));
            }
            _ => {
                let stored = order.encode(&value)?;
                match op {
                    Op::Gt => raise_lower(&mut self.lower, Bound::Excluded(stored)),
                    Op::Ge => raise_lower(&mut self.lower, Bound::Included(stored)),
                    Op::Lt => lower_upper(&mut self.upper, Bound::Excluded(stored)),
                    Op::Le => lower_upper(&mut self.upper, Bound::Included(stored)),
                    Op::Eq => {
                        raise_lower(&mut self.lower, Bound::Included(stored.clone()));
                        lower_upper(&mut self.upper, Bound::Included(stored));
                    }
                    _ => self.key_excluded.push(stored),
                }
            }
        }
        Ok(())
    }

    /// Does any condition name a value field (so candidates' rows must be read)?
    pub(crate) fn reads_rows(&self) -> bool {
        !self.values.is_empty()
    }

    fn past_upper(&self, stored: &[u8]) -> bool {
        match &self.upper {
            Bound::Unbounded => false,
            Bound::Included(u) => stored > u.as_slice(),
            Bound::Excluded(u) => stored >= u.as_slice(),
        }
    }

    /// Walk the rows matching every condition in key order, skipping the first `offset`
    /// and stopping after `limit`; `visit` gets each one's stored key and, when
    /// `with_rows` or a condition needs them, its value fields.
    pub(crate) fn scan(
        &self,
        host: &mut dyn Host,
        meta: &TableMeta,
        offset: u64,
        limit: u64,
        with_rows: bool,
        mut visit: impl FnMut(Vec<u8>, Option<Vec<String>>),
    ) -> Result<(), CallError> {
        if self.empty || limit == 0 {
            return Ok(());
        }
        let lower = self.lower.as_ref().map(Vec::as_slice);
        let mut cursor = Cursor::seek(host, meta, lower)?;
        let (mut skipped, mut taken) = (0u64, 0u64);
        while let Some(stored) = cursor.next(host, meta)? {
            host.charge_gas(GAS_PER_KEY_SCANNED)?;
            if self.past_upper(&stored) {
                break;
            }
            if self.key_excluded.contains(&stored) {
                continue;
            }
            if !self.key_text.is_empty() {
                let written = meta.key_order.decode(&stored)?;
                if !self
                    .key_text
                    .iter()
                    .all(|(op, operand)| op.holds(written.as_bytes(), operand))
                {
                    continue;
                }
            }
            let row = if with_rows || self.reads_rows() {
                let row = load_row(host, meta.id, &stored, meta.value_fields.len())?
                    .ok_or_else(|| corrupt("an indexed key has no row"))?;
                let matches = self
                    .values
                    .iter()
                    .all(|(column, op, operand)| op.holds(row[*column].as_bytes(), operand));
                if !matches {
                    continue;
                }
                Some(row)
            } else {
                None
            };
            if skipped < offset {
                skipped += 1;
                continue;
            }
            visit(stored, row);
            taken += 1;
            if taken >= limit {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_compare_bytes() {
        assert!(Op::Gt.holds(b"b", b"a") && !Op::Gt.holds(b"a", b"a"));
        assert!(Op::Ge.holds(b"a", b"a") && Op::Le.holds(b"a", b"a"));
        assert!(Op::Lt.holds(b"10", b"9"), "byte-wise, not numeric");
        assert!(Op::StartsWith.holds(b"apple", b"ap") && Op::EndsWith.holds(b"apple", b"le"));
        assert!(Op::Contains.holds(b"apple", b"ppl") && Op::Contains.holds(b"a", b""));
        assert!(!Op::Contains.holds(b"a", b"ab"));
        assert!(Op::from_code(9).is_err());
    }

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn bounds_tighten() {
        let mut lower = Bound::Unbounded;
        raise_lower(&mut lower, Bound::Included(b"b".to_vec()));
        raise_lower(&mut lower, Bound::Excluded(b"b".to_vec()));
        raise_lower(&mut lower, Bound::Included(b"a".to_vec()));
        assert_eq!(lower, Bound::Excluded(b"b".to_vec()));
        let mut upper = Bound::Unbounded;
        lower_upper(&mut upper, Bound::Included(b"m".to_vec()));
        lower_upper(&mut upper, Bound::Excluded(b"m".to_vec()));
        lower_upper(&mut upper, Bound::Included(b"z".to_vec()));
        assert_eq!(upper, Bound::Excluded(b"m".to_vec()));
    }

    #[test]
    fn limits() {
        assert!(check_limit(0, 500).is_ok());
        assert!(check_limit(0, 501).is_err());
        assert!(check_limit(u32::MAX, 1).is_err());
        assert!(check_limit(u32::MAX, 0).is_ok());
    }
}
