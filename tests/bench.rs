//! `forklab bench` through the built binary: every accept mode serves every connection, and
//! the accounting is exact.

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

fn bench(mode: &str) {
    let tag = new_tag();
    let (status, stdout, stderr) =
        run(&tag, &["bench", "--mode", mode, "--workers", "3", "--connections", "300", "--concurrency", "8", "--json"]);
    assert!(status.success(), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let run = &doc["runs"][0];
    assert_eq!(run["mode"], mode);
    assert_eq!(run["connections"], 300);
    assert_eq!(run["completed"], 300, "{run:#}");
    assert_eq!(run["failed"], 0, "{run:#}");
    let per_worker = run["per_worker"].as_object().unwrap();
    assert_eq!(per_worker.len(), 3);
    assert_eq!(per_worker.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 300);
    // The workers' own counters agree with the replies the client got.
    let accepted = run["accepted_by_worker"].as_object().unwrap();
    assert_eq!(accepted.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 300, "{run:#}");
    for key in ["conn_per_s", "p50_ms", "p99_ms", "cv", "empty_wakeups"] {
        assert!(run[key].is_number(), "{key} in {run:#}");
    }
    // Each connection was served by the worker that took it: per worker, replies and accepts
    // agree (one request per connection).
    for (alias, n) in per_worker {
        assert_eq!(accepted.get(alias), Some(n), "{alias} in {run:#}");
    }
    if mode == "rr" {
        // Node's round-robin is no strict rotation (a worker gets a connection only when it is
        // free), but with no worker busy every one of them is free in turn and gets some.
        assert!(run["min"].as_u64().unwrap() >= 1, "{run:#}");
    }
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn shared_mode_accounts_for_every_connection() {
    bench("shared");
}

#[test]
fn exclusive_mode_accounts_for_every_connection() {
    bench("exclusive");
}

#[test]
fn blocking_mode_accounts_for_every_connection() {
    bench("blocking");
}

#[test]
fn rr_mode_accounts_for_every_connection_evenly() {
    bench("rr");
}

#[test]
fn reuseport_mode_accounts_for_every_connection() {
    bench("reuseport");
}

#[test]
fn keep_alive_runs_are_accounted_too() {
    let tag = new_tag();
    let (status, stdout, stderr) = run(
        &tag,
        &["bench", "--mode", "shared", "--workers", "2", "--connections", "50", "--keepalive", "5", "--json"],
    );
    assert!(status.success(), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["runs"][0]["completed"], 50);
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn an_unknown_mode_is_refused() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["bench", "--mode", "fastest"]);
    assert!(!status.success());
    assert!(stderr.contains("unknown accept mode `fastest`"), "{stderr}");
}
