//! Warnings Vast.ai discovery logs, captured through the `tracing` subscriber.
//!
//! Kept in its own test binary: `tracing` caches per call site whether anyone listens, so
//! a log capture shares a process badly with tests running in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use regionkit_core::{Config, DiscoveryContext, HttpClient, HttpPolicy};
use regionkit_emulator::Emulator;
use regionkit_vastai::emulator::EMULATOR_API_KEY;

#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn offers_without_a_geolocation_are_counted_in_a_warning_not_invented() {
    let logs = CapturedLog::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .expect("the only subscriber of this test binary");

    let emulator = Emulator::new().only(["vastai"]).start().await.unwrap();
    let yaml = format!(
        "backends:\n  - type: vastai\n    creds: {{api_key: {EMULATOR_API_KEY}}}\n    endpoint: {}\n",
        emulator.endpoint("vastai")
    );
    let section = Config::from_yaml(&yaml, None, None)
        .unwrap()
        .backends
        .remove(0);
    let provider = (regionkit_vastai::DESCRIPTOR.build)(&section).unwrap();
    let policy = HttpPolicy::default().with_request_timeout(Duration::from_secs(2));
    let ctx = DiscoveryContext::new(
        "vastai",
        HttpClient::new(policy).unwrap(),
        Instant::now() + Duration::from_secs(5),
    );
    let regions = provider.discover(&ctx).await.unwrap();

    assert!(regions
        .iter()
        .all(|r| !r.id.as_str().trim().is_empty() && r.id.as_str() != "null"));
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("2 of 14 Vast.ai offers have no geolocation"),
        "{logs}"
    );
}
