//! A [`SnapshotStore`] on PostgreSQL, shared by every replica of `regionkit serve`.
//!
//! Rows hold the same bytes as the file store ([`regionkit::snapshot::encode`]: format,
//! version and SHA-256 checksum), keyed by backend and account key (a hash; credentials
//! never reach the database). A row that fails its checksum is reported as
//! [`SnapshotError::Invalid`], which the kit logs as a warning and skips.
//!
//! The trait is synchronous and the kit calls it on a blocking thread; each call runs its
//! query on the runtime and waits at most [`CALL_TIMEOUT`], so an unreachable database
//! costs a bounded wait and a logged error, never a stuck request. A broken connection is
//! replaced on the next call, so the store catches up when the database returns.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regionkit::snapshot::{decode, encode};
use regionkit::{AccountKey, Snapshot, SnapshotError, SnapshotStore};
use tokio::runtime::Handle;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, NoTls};

/// The longest a store call waits for the database.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema version this build creates and reads.
const SCHEMA_VERSION: i32 = 1;

const MIGRATE: &str = "
CREATE TABLE IF NOT EXISTS regionkit_schema (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS regionkit_snapshots (
    backend  text        NOT NULL,
    account  text        NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    body     bytea       NOT NULL,
    PRIMARY KEY (backend, account)
);
";

/// The PostgreSQL snapshot store.
#[derive(Clone)]
pub struct PgSnapshotStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: tokio_postgres::Config,
    /// Where the database is, for messages: host and database name, never the password.
    label: String,
    handle: Handle,
    client: tokio::sync::Mutex<Option<Arc<Client>>>,
    migrated: Mutex<bool>,
}

impl std::fmt::Debug for PgSnapshotStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSnapshotStore")
            .field("database", &self.inner.label)
            .finish()
    }
}

fn store_error(label: &str, detail: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Io {
        path: PathBuf::from(label),
        source: std::io::Error::other(format!(
            "{detail}; answers are served from memory and provider calls until the database is back"
        )),
    }
}

impl PgSnapshotStore {
    /// A store for `url` (`postgres://user@host/db`). This build speaks to the database
    /// without TLS, so the URL must name a loopback or unix-socket host, or say
    /// `sslmode=disable` to accept plaintext on purpose.
    pub fn new(url: &str, handle: Handle) -> Result<Self, String> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            format!("--store: not a PostgreSQL URL ({e}); the form is postgres://USER@HOST/DB")
        })?;
        let plaintext_ok = config.get_ssl_mode() == SslMode::Disable
            || config.get_hosts().iter().all(|h| match h {
                Host::Tcp(host) => {
                    host == "localhost"
                        || host
                            .parse::<std::net::IpAddr>()
                            .is_ok_and(|ip| ip.is_loopback())
                }
                #[cfg(unix)]
                Host::Unix(_) => true,
            });
        if !plaintext_ok {
            return Err("--store: this build connects without TLS; use a loopback or unix-socket host, or add `sslmode=disable` to accept plaintext".to_owned());
        }
        config.connect_timeout(CALL_TIMEOUT);
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(host) => host.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let label = format!(
            "postgres {}/{}",
            hosts.join(","),
            config.get_dbname().unwrap_or("")
        );
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                label,
                handle,
                client: tokio::sync::Mutex::new(None),
                migrated: Mutex::new(false),
            }),
        })
    }

    /// Connect (if needed) and create or migrate the schema; the readiness check.
    pub async fn ping(&self) -> Result<(), SnapshotError> {
        self.inner.client().await.map(|_| ())
    }

    /// Run `work` on the runtime and wait for it from this (blocking) thread.
    fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(
                Arc<Inner>,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T, SnapshotError>> + Send>,
            > + Send
            + 'static,
    ) -> Result<T, SnapshotError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let inner = self.inner.clone();
        self.inner.handle.spawn(async move {
            let result = tokio::time::timeout(CALL_TIMEOUT, work(inner)).await;
            let _ = tx.send(result);
        });
        match rx.recv_timeout(CALL_TIMEOUT + Duration::from_secs(1)) {
            Ok(Ok(result)) => result,
            _ => Err(store_error(
                &self.inner.label,
                "the database did not answer in time",
            )),
        }
    }
}

impl Inner {
    async fn client(&self) -> Result<Arc<Client>, SnapshotError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        let (client, connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(|e| store_error(&self.label, format!("cannot connect ({e})")))?;
        let label = self.label.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(database = %label, %error, "snapshot store connection lost");
            }
        });
        let migrated = *self.migrated.lock().unwrap_or_else(|e| e.into_inner());
        if !migrated {
            migrate(&client)
                .await
                .map_err(|e| store_error(&self.label, format!("cannot create the schema ({e})")))?;
            *self.migrated.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        let client = Arc::new(client);
        *slot = Some(client.clone());
        Ok(client)
    }

    fn query_error(&self, e: tokio_postgres::Error) -> SnapshotError {
        store_error(&self.label, format!("query failed ({e})"))
    }

    fn row_path(&self, backend: &str, account: &str) -> PathBuf {
        PathBuf::from(format!(
            "{}: regionkit_snapshots/{backend}/{account}",
            self.label
        ))
    }
}

/// Create the tables, then record the schema version, under an advisory lock so that
/// replicas starting together do not race.
async fn migrate(client: &Client) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock(7418522); {MIGRATE}
             INSERT INTO regionkit_schema (version)
               SELECT {SCHEMA_VERSION} WHERE NOT EXISTS (SELECT 1 FROM regionkit_schema);
             COMMIT;"
        ))
        .await
}

fn decode_row(
    inner: &Inner,
    backend: &str,
    account: &str,
    body: &[u8],
) -> Result<Snapshot, SnapshotError> {
    decode(body).map_err(|detail| SnapshotError::Invalid {
        path: inner.row_path(backend, account),
        detail,
    })
}

impl SnapshotStore for PgSnapshotStore {
    fn load(&self, key: &AccountKey) -> Result<Option<Snapshot>, SnapshotError> {
        let key = key.clone();
        self.call(move |inner| {
            Box::pin(async move {
                let client = inner.client().await?;
                let row = client
                    .query_opt(
                        "SELECT body FROM regionkit_snapshots WHERE backend = $1 AND account = $2",
                        &[&key.backend, &key.account],
                    )
                    .await
                    .map_err(|e| inner.query_error(e))?;
                let Some(row) = row else { return Ok(None) };
                let body: Vec<u8> = row.try_get(0).map_err(|e| inner.query_error(e))?;
                decode_row(&inner, &key.backend, &key.account, &body).map(Some)
            })
        })
    }

    fn load_latest(&self, backend: &str) -> Result<Option<Snapshot>, SnapshotError> {
        let backend = backend.to_owned();
        self.call(move |inner| {
            Box::pin(async move {
                let client = inner.client().await?;
                let rows = client
                    .query(
                        "SELECT account, body FROM regionkit_snapshots WHERE backend = $1 ORDER BY saved_at DESC",
                        &[&backend],
                    )
                    .await
                    .map_err(|e| inner.query_error(e))?;
                for row in rows {
                    let account: String = row.try_get(0).map_err(|e| inner.query_error(e))?;
                    let body: Vec<u8> = row.try_get(1).map_err(|e| inner.query_error(e))?;
                    match decode_row(&inner, &backend, &account, &body) {
                        Ok(snapshot) => return Ok(Some(snapshot)),
                        Err(error) => tracing::warn!(%error, "skipping a corrupt snapshot row"),
                    }
                }
                Ok(None)
            })
        })
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), SnapshotError> {
        if snapshot.regions.is_empty() {
            return Err(SnapshotError::Empty {
                backend: snapshot.backend.clone(),
            });
        }
        let body = encode(snapshot).map_err(|detail| SnapshotError::Invalid {
            path: self.inner.row_path(&snapshot.backend, &snapshot.account),
            detail,
        })?;
        let (backend, account) = (snapshot.backend.clone(), snapshot.account.clone());
        self.call(move |inner| {
            Box::pin(async move {
                let client = inner.client().await?;
                client
                    .execute(
                        "INSERT INTO regionkit_snapshots (backend, account, saved_at, body)
                         VALUES ($1, $2, now(), $3)
                         ON CONFLICT (backend, account)
                         DO UPDATE SET saved_at = now(), body = EXCLUDED.body",
                        &[&backend, &account, &body],
                    )
                    .await
                    .map_err(|e| inner.query_error(e))?;
                Ok(())
            })
        })
    }
}
