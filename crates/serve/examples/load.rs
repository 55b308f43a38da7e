//! A loopback load generator for `regionkit serve`.
//!
//! `cargo run --release -p regionkit-serve --example load -- ADDR PATH CONNECTIONS REQUESTS`
//! opens CONNECTIONS keep-alive connections, sends REQUESTS GETs of PATH on each, one at a
//! time, and prints requests per second and the p50/p99 latency.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

async fn connection(addr: String, path: String, requests: usize) -> Result<Vec<Duration>, String> {
    let stream = TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let mut stream = BufReader::new(stream);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let mut latencies = Vec::with_capacity(requests);
    let mut line = String::new();
    let mut body = Vec::new();
    for _ in 0..requests {
        let start = Instant::now();
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut length = 0usize;
        let mut status_ok = false;
        loop {
            line.clear();
            if stream
                .read_line(&mut line)
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                return Err("connection closed".to_owned());
            }
            if line.starts_with("HTTP/1.1 ") {
                status_ok = line.starts_with("HTTP/1.1 200");
            }
            if let Some(value) = line
                .to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
            {
                length = value.parse().map_err(|_| "bad content-length")?;
            }
            if line == "\r\n" {
                break;
            }
        }
        body.resize(length, 0);
        stream
            .read_exact(&mut body)
            .await
            .map_err(|e| e.to_string())?;
        if !status_ok {
            return Err(format!(
                "non-200 answer: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        latencies.push(start.elapsed());
    }
    Ok(latencies)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, path, connections, requests] = args.as_slice() else {
        return Err("usage: load ADDR PATH CONNECTIONS REQUESTS".to_owned());
    };
    let connections: usize = connections.parse().map_err(|_| "CONNECTIONS: a number")?;
    let requests: usize = requests.parse().map_err(|_| "REQUESTS: a number")?;
    // Warm the cache first.
    connection(addr.clone(), path.clone(), 10).await?;
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(addr.clone(), path.clone(), requests)))
        .collect();
    let mut all = Vec::with_capacity(connections * requests);
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    let elapsed = start.elapsed();
    if all.is_empty() {
        return Err("no requests made: CONNECTIONS and REQUESTS must be above 0".to_owned());
    }
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    println!(
        "{} requests over {connections} connections in {:.2}s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
    );
    Ok(())
}
