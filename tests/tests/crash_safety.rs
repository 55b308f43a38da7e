//! A process writing snapshots is killed again and again, at random moments: after every
//! kill the snapshot file parses, passes its checksum and holds one complete generation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use regionkit::{FileSnapshotStore, SnapshotStore};
use regionkit_e2e::crash::{generation_of, key};

const KILLS: usize = 30;

#[test]
fn a_writer_killed_mid_write_always_leaves_a_complete_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSnapshotStore::new(dir.path());
    let mut last_generation = None;
    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_snapshot-writer"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the writer starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).unwrap();
        if line.trim() != "ready" {
            let output = child.wait_with_output().unwrap();
            panic!(
                "round {round}: the writer stopped before its first write: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        // Let it write for a random while, then kill it wherever it is.
        std::thread::sleep(Duration::from_millis(fastrand::u64(0..60)));
        child.kill().expect("the writer is killed");
        child.wait().expect("the writer is reaped");

        let snapshot = store
            .load(&key())
            .unwrap_or_else(|e| panic!("round {round}: the snapshot does not read: {e}"))
            .unwrap_or_else(|| panic!("round {round}: no snapshot at all"));
        let generation = generation_of(&snapshot)
            .unwrap_or_else(|| panic!("round {round}: the snapshot is torn or mixed"));
        if let Some(last) = last_generation {
            assert!(
                generation > last,
                "round {round}: generation {generation} after {last}: a write was lost"
            );
        }
        last_generation = Some(generation);
    }
    let leftovers = std::fs::read_dir(dir.path().join("crash-test"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    println!(
        "{KILLS} kills, {} generations written, {leftovers} temp files left by kills mid-write",
        last_generation.map_or(0, |g| g + 1)
    );
}
