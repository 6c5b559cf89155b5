//! Fault suite: load and faults together. `forklab bench --chaos-ms 200` fires connections
//! through each accept mode at 8 workers while a random worker is SIGKILLed every 200 ms.
//! Every connection the client opened ends counted exactly once, as served or as failed; the
//! tallies agree; every kill is reported and respawned; the pool ends at full strength.
//!
//! The test fires 100,000 connections per mode, as the fault suite asks (debug build, about
//! 100 s in all); `benches/chaos.sh` does the same with the release build for the README.

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

const CONNECTIONS: u64 = 100_000;
const CONCURRENCY: u64 = 16;
const WORKERS: usize = 8;

#[test]
fn every_connection_is_counted_once_while_workers_are_killed_in_every_mode() {
    let tag = new_tag();
    let (status, stdout, stderr) = run(
        &tag,
        &[
            "bench",
            "--mode",
            "all",
            "--workers",
            &WORKERS.to_string(),
            "--connections",
            &CONNECTIONS.to_string(),
            "--concurrency",
            &CONCURRENCY.to_string(),
            "--chaos-ms",
            "200",
            "--seed",
            "7",
            "--json",
        ],
    );
    assert!(status.success(), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let runs = doc["runs"].as_array().unwrap();
    let modes: Vec<&str> = runs.iter().map(|r| r["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["shared", "exclusive", "blocking", "rr", "reuseport"]);
    for r in runs {
        let mode = r["mode"].as_str().unwrap();
        let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{mode}: no {k} in {r:#}"));
        let sum = |k: &str| r[k].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>();
        // Exactly once: served or failed, nothing lost, nothing counted twice.
        assert_eq!(n("connections"), CONNECTIONS, "{mode}");
        assert_eq!(n("completed") + n("failed"), CONNECTIONS, "{mode}: {r:#}");
        assert_eq!(sum("per_worker"), n("completed"), "{mode}: the per-worker tally drifted: {r:#}");
        assert_eq!(sum("errors"), n("failed"), "{mode}: the error tally drifted: {r:#}");
        let c = &r["chaos"];
        let kills = c["kills"].as_u64().unwrap();
        assert!(kills >= 3, "{mode}: only {kills} kills: {c:#}");
        // A kill can fail at most the connections open at that moment.
        assert!(n("failed") <= kills * CONCURRENCY, "{mode}: {} failed for {kills} kills", n("failed"));
        assert_eq!(c["exits_seen"], kills, "{mode}: the master did not report every kill: {c:#}");
        assert!(c["respawns"].as_u64().unwrap() >= kills, "{mode}: {c:#}");
        assert_eq!(c["gave_up"], 0, "{mode}: {c:#}");
        assert_eq!(c["seed"], 7, "{mode}: --seed sets the victims' generator: {c:#}");
        assert_eq!(c["workers_at_end"], WORKERS, "{mode}: the pool did not come back whole: {c:#}");
    }
    assert_none_left(&tag, Duration::from_secs(2));
}
