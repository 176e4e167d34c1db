//! Crash atomicity: a child process commits batches until it is killed with SIGKILL; the
//! reopened database must hold every batch the child reported committed, whole, and no
//! batch in part.
//!
//! The child is this test binary re-executed to run only the ignored `crash_child` test,
//! which does nothing unless `CHILD_DB_ENV` names a database. That works the same under
//! `cargo test` and cargo-nextest (which runs each test in its own process).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::{rngs::StdRng, Rng, SeedableRng};
use weft_storage::{ReadView, Storage, TableName, WriteBatch};
use weft_storage_rocksdb::RocksStorage;

const CHILD_TEST: &str = "crash::crash_child";
const CHILD_DB_ENV: &str = "WEFT_CRASH_CHILD_DB";
/// Set to reproduce a failing run with the seed it printed.
const SEED_ENV: &str = "WEFT_CRASH_SEED";
/// libtest prints its own lines on the same stdout; ours carry this prefix.
const COMMITTED: &str = "WEFT_COMMITTED ";

const TABLE: TableName = "crash";
const KEYS_PER_BATCH: u64 = 50;
const ROUNDS: usize = 5;
/// A runaway child (its parent gone) stops by itself after this many batches.
const CHILD_MAX_BATCHES: u64 = 3_000;

fn batch_key(i: u64, k: u64) -> Vec<u8> {
    format!("batch/{i:08}/{k:03}").into_bytes()
}

fn marker_key(i: u64) -> Vec<u8> {
    format!("done/{i:08}").into_bytes()
}

/// 1–4 KiB, derived from `(i, k)` so the parent can check every byte.
fn value(i: u64, k: u64) -> Vec<u8> {
    let mut x = (i << 20 | k) ^ 0x9e37_79b9_7f4a_7c15;
    let len = 1024 + ((i * 7919 + k * 104_729) % 3072) as usize;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn parse_number(bytes: &[u8], prefix: &str) -> Option<u64> {
    std::str::from_utf8(bytes.strip_prefix(prefix.as_bytes())?)
        .ok()?
        .parse()
        .ok()
}

/// The batch number in one line of the child's stdout. The marker may follow libtest's
/// own `test crash::crash_child ... ` on the same line, so it is searched for, not
/// expected at the start.
fn parse_committed(line: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(line);
    let at = text.rfind(COMMITTED)?;
    text[at + COMMITTED.len()..].trim().parse().ok()
}

/// The child: commit batches `next, next+1, …` forever, reporting each after `commit`
/// returns. Skipped (returns at once) unless the parent set `CHILD_DB_ENV`.
#[test]
#[ignore = "helper process for crash_leaves_only_whole_batches"]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_DB_ENV) else {
        return;
    };
    let store = RocksStorage::open(Path::new(&path), &[TABLE]).expect("child: open");
    // Continue numbering after the last batch already in the database.
    let next = store
        .scan_prefix(TABLE, b"done/")
        .expect("child: scan markers")
        .map(|kv| {
            parse_number(&kv.expect("child: read marker").0, "done/").expect("child: marker key")
        })
        .max()
        .map_or(0, |last| last + 1);
    let mut out = std::io::stdout().lock();
    for i in next..next + CHILD_MAX_BATCHES {
        let mut batch = WriteBatch::new();
        for k in 0..KEYS_PER_BATCH {
            batch.put(TABLE, batch_key(i, k), value(i, k));
        }
        batch.put(TABLE, marker_key(i), i.to_be_bytes().to_vec());
        store.commit(batch).expect("child: commit");
        if writeln!(out, "{COMMITTED}{i}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return; // The parent is gone.
        }
    }
}

#[test]
fn crash_leaves_only_whole_batches() {
    let seed = match std::env::var(SEED_ENV) {
        Ok(s) => s.parse().expect("WEFT_CRASH_SEED must be a u64"),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    };
    // Printed first so a failure can be replayed with WEFT_CRASH_SEED.
    println!("crash test seed: {seed} (set {SEED_ENV}={seed} to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("current test binary");
    let mut reported = BTreeSet::new();
    let started = Instant::now();

    for round in 0..ROUNDS {
        let wait_commits = rng.gen_range(1..=12);
        let wait_ms = rng.gen_range(0..=15);
        let ctx = format!("seed {seed}, round {round}");
        let mut child = Command::new(&exe)
            .args([
                CHILD_TEST,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB_ENV, dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the crash child");
        let stderr = drain_in_background(&mut child);
        let mut lines = BufReader::new(child.stdout.take().expect("child stdout")).split(b'\n');

        let mut seen = 0;
        while seen < wait_commits {
            let Some(line) = lines.next() else {
                let status = child.wait().expect("wait for child");
                panic!(
                    "{ctx}: child ended before being killed ({status}); its stderr:\n{}",
                    stderr.join()
                );
            };
            if let Some(i) = parse_committed(&line.expect("read child stdout")) {
                reported.insert(i);
                seen += 1;
            }
        }
        // Let it get partway into another commit, then kill -9.
        std::thread::sleep(Duration::from_millis(wait_ms));
        child.kill().expect("SIGKILL the child");
        let status = child.wait().expect("reap the child");
        // Lines written before the kill are commits that returned: collect them too.
        for line in lines {
            if let Some(i) = parse_committed(&line.expect("read child stdout")) {
                reported.insert(i);
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                status.signal(),
                Some(9),
                "{ctx}: child was not killed but ended: {status}; stderr:\n{}",
                stderr.join()
            );
        }
        #[cfg(not(unix))]
        let _ = status;

        let present = verify(dir.path(), &ctx);
        let missing: Vec<_> = reported.difference(&present).collect();
        assert!(
            missing.is_empty(),
            "{ctx}: batches reported committed but absent: {missing:?}"
        );
        println!(
            "round {round}: {} batches whole after kill, {} reported",
            present.len(),
            reported.len()
        );
    }
    println!("crash test took {:?}", started.elapsed());
}

/// Reopen the database and check that every batch present is whole and correct, and
/// that the batches present are exactly `0..n` (the WAL replays a prefix of history).
/// Returns the batches present.
fn verify(path: &Path, ctx: &str) -> BTreeSet<u64> {
    let store = RocksStorage::open(path, &[TABLE]).expect("reopen after the crash");
    let mut markers = BTreeSet::new();
    for kv in store.scan_prefix(TABLE, b"done/").expect("scan markers") {
        let (key, value) = kv.expect("read marker");
        let i =
            parse_number(&key, "done/").unwrap_or_else(|| panic!("{ctx}: bad marker key {key:?}"));
        assert_eq!(value, i.to_be_bytes(), "{ctx}: marker value of batch {i}");
        markers.insert(i);
    }
    let mut keys_per_batch: BTreeMap<u64, u64> = BTreeMap::new();
    for kv in store
        .scan_prefix(TABLE, b"batch/")
        .expect("scan batch keys")
    {
        let (key, got) = kv.expect("read batch key");
        let text = std::str::from_utf8(&key).expect("utf-8 key");
        let (i, k) = text
            .strip_prefix("batch/")
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(i, k)| Some((i.parse::<u64>().ok()?, k.parse::<u64>().ok()?)))
            .unwrap_or_else(|| panic!("{ctx}: unexpected key {text}"));
        assert!(
            got == value(i, k),
            "{ctx}: wrong value for {text} ({} bytes)",
            got.len()
        );
        *keys_per_batch.entry(i).or_default() += 1;
    }
    for (&i, &count) in &keys_per_batch {
        assert_eq!(count, KEYS_PER_BATCH, "{ctx}: batch {i} is present in part");
        assert!(
            markers.contains(&i),
            "{ctx}: batch {i} has its keys but not its marker"
        );
    }
    for &i in &markers {
        assert!(
            keys_per_batch.contains_key(&i),
            "{ctx}: batch {i} has its marker but no keys"
        );
    }
    let expected: BTreeSet<u64> = (0..markers.len() as u64).collect();
    assert_eq!(
        markers, expected,
        "{ctx}: the batches present are not a prefix of history"
    );
    markers
}

/// Read the child's stderr on a thread (so a chatty child cannot block on a full pipe);
/// `join` returns what it wrote.
fn drain_in_background(child: &mut Child) -> Collected {
    let mut pipe = child.stderr.take().expect("child stderr");
    Collected(std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    }))
}

struct Collected(std::thread::JoinHandle<String>);

impl Collected {
    fn join(self) -> String {
        self.0
            .join()
            .unwrap_or_else(|_| "<stderr reader panicked>".to_owned())
    }
}
