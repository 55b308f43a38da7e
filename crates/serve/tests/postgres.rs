//! The PostgreSQL snapshot store against a real database (`DATABASE_URL`).
//!
//! Without `DATABASE_URL` each test says on stderr that it did not run, and passes, so
//! `cargo test --workspace` works on a machine with no database.

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::SystemTime;

use regionkit::emulator::{Emulator, Fault, FaultKind};
use regionkit::{
    AccountKey, Config, HttpPolicy, Region, RegionKit, ResolveOptions, Snapshot, SnapshotError,
    SnapshotStore, Source,
};
use regionkit_serve::store::PgSnapshotStore;

fn database_url(test: &str) -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Straight to the stderr stream, past the test harness's capture, so it shows.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** {test}: DID NOT RUN: set DATABASE_URL=postgres://USER@127.0.0.1/DB to run the PostgreSQL tests ***\n"
            );
            None
        }
    }
}

fn store(url: &str) -> PgSnapshotStore {
    PgSnapshotStore::new(url, tokio::runtime::Handle::current()).expect("store URL accepted")
}

/// A key no other test (or run) uses.
fn unique_key(name: &str) -> AccountKey {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    AccountKey::new(
        format!("test-{name}"),
        format!("{nanos:x}{}", std::process::id()),
    )
}

/// Run a store call on a blocking thread, as the kit does.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("store call returns")
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_round_trip_and_a_corrupt_row_is_an_error_not_a_crash() {
    let Some(url) = database_url("snapshots_round_trip") else {
        return;
    };
    let store = store(&url);
    store.ping().await.expect("database answers");
    let key = unique_key("roundtrip");
    let snapshot = Snapshot::new(
        &key,
        SystemTime::now(),
        vec![Region::new("us-east-1"), Region::new("eu-west-1")],
    );

    let (s, k, snap) = (store.clone(), key.clone(), snapshot.clone());
    let loaded = blocking(move || {
        assert!(s.load(&k).expect("load works").is_none());
        s.save(&snap).expect("saved");
        (s.load(&k), s.load_latest(&k.backend))
    })
    .await;
    let loaded_one = loaded.0.expect("load works").expect("stored");
    assert_eq!(loaded_one.regions, snapshot.regions);
    assert_eq!(loaded_one.account, key.account);
    assert_eq!(
        loaded.1.expect("latest works").expect("stored").regions,
        snapshot.regions
    );

    // Damage the row: the checksum no longer matches.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connects");
    tokio::spawn(connection);
    client
        .execute(
            "UPDATE regionkit_snapshots SET body = replace(encode(body, 'escape'), 'us-east-1', 'us-east-2')::bytea WHERE backend = $1 AND account = $2",
            &[&key.backend, &key.account],
        )
        .await
        .expect("row damaged");
    let (s, k) = (store.clone(), key.clone());
    let damaged = blocking(move || (s.load(&k), s.load_latest(&k.backend))).await;
    assert!(
        matches!(damaged.0, Err(SnapshotError::Invalid { .. })),
        "{:?}",
        damaged.0
    );
    assert!(matches!(damaged.1, Ok(None)), "{:?}", damaged.1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_database_is_a_store_error_naming_it() {
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    let store = store("postgres://postgres@127.0.0.1:1/test");
    let result = blocking(move || store.load(&AccountKey::new("lambda", "abc"))).await;
    let error = result.expect_err("no database");
    assert!(matches!(error, SnapshotError::Io { .. }));
    assert!(
        error.to_string().contains("postgres 127.0.0.1/test"),
        "{error}"
    );
    assert!(!error.to_string().contains("password"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_replica_answers_from_the_first_ones_snapshot() {
    let Some(url) = database_url("a_second_replica_answers_from_the_first_ones_snapshot") else {
        return;
    };
    std::hint::black_box(regionkit::descriptors());
    let emulator = Emulator::new()
        .only(["lambda"])
        .start()
        .await
        .expect("emulator starts");
    let config = Config::from_yaml(&emulator.native_config(), None, None).expect("config");
    let kit = |store: PgSnapshotStore| {
        RegionKit::new(
            regionkit::registry().expect("registry"),
            HttpPolicy::default(),
        )
        .expect("kit")
        .with_snapshot_store(Arc::new(store))
    };
    let first = kit(store(&url));
    let reports = first.resolve_all(&config, &ResolveOptions::default()).await;
    let live = reports[0].resolution.as_ref().expect("resolved");
    assert_eq!(live.source, Source::Live);

    emulator.set_fault(Fault::always("lambda", FaultKind::Http500));
    let second = kit(store(&url));
    let reports = second
        .resolve_all(&config, &ResolveOptions::default())
        .await;
    let answer = reports[0].resolution.as_ref().expect("resolved");
    assert_eq!(answer.source, Source::Snapshot);
    assert_eq!(answer.regions.len(), live.regions.len());
}
