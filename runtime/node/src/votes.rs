//! The consensus vote log: every vote this node signs, written and fsynced before the
//! vote leaves the node, so that a restarted node never signs something else at the same
//! place (`weft_consensus::Output::Persist`).
//!
//! One append-only file, `<data>/consensus/votes.log`, of entries
//!
//! ```text
//!  u32 BE  length of the record
//!  [u8]    VoteRecord::encode()
//!  [u8;32] the chain suite's hash of the record bytes
//! ```
//!
//! A crash can leave the last entry half written. That entry was never sent (it is
//! fsynced before the send), so reading stops at the first entry that is incomplete or
//! whose hash does not match, and the file is cut back to the entries before it.
//! Records of committed heights are no longer needed (the core ignores them on restore),
//! so they are dropped lazily: once [`VoteLog::REWRITE_AFTER`] of them gather, the file
//! is rewritten with the live records only (a temporary file, fsynced, renamed over the
//! log, then the folder fsynced). That costs a few fsyncs every few dozen blocks rather
//! than every block.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use weft_consensus::{MessageLimits, VoteRecord};
use weft_crypto::CryptoSuite;

const HASH_LEN: usize = 32;

/// Why the vote log failed. Any failure is fatal for voting: a node that cannot persist
/// its votes must not send them.
#[derive(Debug, thiserror::Error)]
#[error("consensus vote log {path}: {action}: {source}")]
pub struct VoteLogError {
    path: String,
    action: &'static str,
    source: std::io::Error,
}

/// The vote log of one node.
pub struct VoteLog {
    path: PathBuf,
    file: File,
    suite: &'static dyn CryptoSuite,
    /// The records on disk, with their heights, in the order written.
    records: Vec<(u64, Vec<u8>)>,
}

impl std::fmt::Debug for VoteLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoteLog")
            .field("path", &self.path)
            .field("records", &self.records.len())
            .finish()
    }
}

impl VoteLog {
    /// Stale records (of committed heights) kept before the file is rewritten.
    pub const REWRITE_AFTER: usize = 128;

    /// Open (or create) the log in `dir` and read the records it holds.
    pub fn open(
        dir: &Path,
        suite: &'static dyn CryptoSuite,
        limits: &MessageLimits,
    ) -> Result<(VoteLog, Vec<VoteRecord>), VoteLogError> {
        let path = dir.join("votes.log");
        let err = |action: &'static str| {
            let path = path.display().to_string();
            move |source| VoteLogError {
                path,
                action,
                source,
            }
        };
        std::fs::create_dir_all(dir).map_err(err("create the folder"))?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(err("open"))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(err("read"))?;
        let mut records = Vec::new();
        let mut decoded = Vec::new();
        let mut at = 0usize;
        while let Some(entry) = next_entry(&bytes[at..], suite) {
            match VoteRecord::decode(entry, limits) {
                Ok(record) => {
                    records.push((record.height(), entry.to_vec()));
                    decoded.push(record);
                }
                Err(e) => {
                    tracing::error!(error = %e, path = %path.display(), "unreadable vote record; the log is cut before it");
                    break;
                }
            }
            at += 4 + entry.len() + HASH_LEN;
        }
        if at < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                kept = at,
                dropped = bytes.len() - at,
                "vote log ends with an incomplete entry (a crash while writing); it was never sent and is dropped"
            );
            file.set_len(at as u64).map_err(err("truncate"))?;
            file.sync_all().map_err(err("fsync"))?;
        }
        Ok((
            VoteLog {
                path,
                file,
                suite,
                records,
            },
            decoded,
        ))
    }

    fn error(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> VoteLogError {
        let path = self.path.display().to_string();
        move |source| VoteLogError {
            path,
            action,
            source,
        }
    }

    /// Append `record` and fsync it.
    pub fn append(&mut self, record: &VoteRecord) -> Result<(), VoteLogError> {
        let bytes = record.encode();
        let entry = entry(&bytes, self.suite);
        self.file.write_all(&entry).map_err(self.error("append"))?;
        self.file.sync_data().map_err(self.error("fsync"))?;
        self.records.push((record.height(), bytes));
        Ok(())
    }

    /// Forget the records at or below `height`: the file is rewritten without them once
    /// [`VoteLog::REWRITE_AFTER`] such records gathered.
    pub fn prune_through(&mut self, height: u64) -> Result<(), VoteLogError> {
        let stale = self.records.iter().filter(|(h, _)| *h <= height).count();
        if stale < Self::REWRITE_AFTER {
            return Ok(());
        }
        self.rewrite_above(height)
    }

    /// Rewrite the file with the records above `height` only.
    pub fn rewrite_above(&mut self, height: u64) -> Result<(), VoteLogError> {
        self.records.retain(|(h, _)| *h > height);
        let tmp = self.path.with_extension("log.tmp");
        let mut out = Vec::new();
        for (_, bytes) in &self.records {
            out.extend_from_slice(&entry(bytes, self.suite));
        }
        {
            let mut file = File::create(&tmp).map_err(self.error("create the rewrite"))?;
            file.write_all(&out)
                .map_err(self.error("write the rewrite"))?;
            file.sync_all().map_err(self.error("fsync the rewrite"))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(self.error("replace"))?;
        if let Some(dir) = self.path.parent() {
            // The rename is durable once the folder is.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(self.error("fsync the folder"))?;
        }
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(self.error("reopen"))?;
        Ok(())
    }

    /// How many records the log holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

fn entry(record: &[u8], suite: &dyn CryptoSuite) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + record.len() + HASH_LEN);
    out.extend_from_slice(&(record.len() as u32).to_be_bytes());
    out.extend_from_slice(record);
    out.extend_from_slice(suite.hash(record).as_slice());
    out
}

/// The record of the entry at the start of `bytes`, if it is complete and intact.
fn next_entry<'a>(bytes: &'a [u8], suite: &dyn CryptoSuite) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let record = bytes.get(4..4usize.checked_add(len)?)?;
    let hash = bytes.get(4 + len..4 + len + HASH_LEN)?;
    (suite.hash(record).as_slice() == hash).then_some(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::B256;
    use weft_consensus::{Body, SignedMessage, Vote};
    use weft_crypto::{KeyPair, SuiteId};

    fn record(height: u64, key: &KeyPair) -> VoteRecord {
        let vote = Vote {
            height,
            view: 0,
            proposal_hash: B256::repeat_byte(height as u8),
        };
        VoteRecord {
            message: SignedMessage::sign(key, 0, Body::Prepare(vote), None).unwrap(),
            prepared: None,
        }
    }

    #[test]
    fn records_survive_reopening_pruning_and_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let suite = SuiteId::Standard.suite();
        let limits = MessageLimits::DEFAULT;
        let key = KeyPair::generate(SuiteId::Standard);
        {
            let (mut log, old) = VoteLog::open(dir.path(), suite, &limits).unwrap();
            assert!(old.is_empty());
            for h in 1..=3 {
                log.append(&record(h, &key)).unwrap();
            }
            log.prune_through(1).unwrap();
            assert_eq!(log.len(), 3, "too few stale records to rewrite yet");
            log.rewrite_above(1).unwrap();
            assert_eq!(log.len(), 2);
            log.append(&record(4, &key)).unwrap();
        }
        let (_, read) = VoteLog::open(dir.path(), suite, &limits).unwrap();
        assert_eq!(
            read,
            vec![record(2, &key), record(3, &key), record(4, &key)]
        );

        // A crash in the middle of an append: the torn entry is dropped, the rest kept.
        let path = dir.path().join("votes.log");
        let mut bytes = std::fs::read(&path).unwrap();
        let whole = bytes.len();
        bytes.extend_from_slice(&entry(&record(5, &key).encode(), suite)[..20]);
        std::fs::write(&path, &bytes).unwrap();
        let (mut log, read) = VoteLog::open(dir.path(), suite, &limits).unwrap();
        assert_eq!(read.len(), 3);
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, whole);
        log.append(&record(5, &key)).unwrap();
        let (_, read) = VoteLog::open(dir.path(), suite, &limits).unwrap();
        assert_eq!(read.len(), 4);
    }
}
