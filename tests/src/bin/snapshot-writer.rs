//! Writes snapshots of one account in a loop until it is killed: the child process of the
//! crash-safety test (`tests/crash_safety.rs`).
//!
//! Usage: `snapshot-writer DIR`. Each write is one generation: every region id carries the
//! generation number, so a reader can tell a complete snapshot from a torn or mixed one. The
//! first generation continues from the snapshot already in DIR, which must read cleanly.
//! Prints `ready` once the first write is done. Stops by itself after a minute, so a parent
//! that died cannot leave it running.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use regionkit::{FileSnapshotStore, Snapshot, SnapshotStore};
use regionkit_e2e::crash::{generation_of, key, snapshot_of_generation};

const RUN_AT_MOST: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: snapshot-writer DIR");
        return ExitCode::from(2);
    };
    let store = FileSnapshotStore::new(dir);
    let key = key();
    let mut generation = match store.load(&key) {
        Ok(Some(previous)) => generation_of(&previous).map_or(0, |g| g + 1),
        Ok(None) => 0,
        Err(e) => {
            eprintln!("the previous snapshot does not read: {e}");
            return ExitCode::from(1);
        }
    };
    let started = Instant::now();
    let mut announced = false;
    while started.elapsed() < RUN_AT_MOST {
        let snapshot: Snapshot = snapshot_of_generation(generation, SystemTime::now());
        if let Err(e) = store.save(&snapshot) {
            eprintln!("save failed: {e}");
            return ExitCode::from(1);
        }
        if !announced {
            println!("ready");
            let _ = std::io::stdout().flush();
            announced = true;
        }
        generation += 1;
    }
    ExitCode::SUCCESS
}
