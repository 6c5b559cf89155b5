//! Round-robin through the built binary: as in Node's cluster, the master hands a connection
//! only to a worker that answered for the last one, so a worker stuck in a synchronous loop is
//! handed one connection and no more, while the others serve the rest.

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

const LESSON: &str = r#"+++
id = "rrbusy"
title = "A busy worker in round-robin"
order = 1
summary = "W1 spins for a second while 40 connections arrive"
+++

## W1 is busy

<!-- do: spawn workers=2 mode=rr -->
<!-- do: busy W1 ms=1000 -->
<!-- do: fire 40 concurrency=8 -->
<!-- expect: accounted -->
<!-- expect: failed == 0 -->
"#;

const KILLED: &str = r#"+++
id = "rrkill"
title = "A worker killed mid-fire"
order = 1
summary = "W1 is SIGKILLed while 2,000 connections are fired"
+++

## W1 dies

<!-- do: spawn workers=2 mode=rr -->
<!-- do: load 2000 concurrency=4 -->
<!-- do: kill W1 signal=KILL -->
<!-- do: wait load -->
<!-- expect: accounted -->
"#;

/// Plays `lesson` (its id is `id`) from a directory of its own; returns its JSON lines.
fn play(id: &str, lesson: &str) -> Vec<Value> {
    let dir = std::env::temp_dir().join(format!("forklab-lessons-{}", new_tag()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{id}.md")), lesson).unwrap();
    let tag = new_tag();
    let (status, stdout, stderr) = run(&tag, &["--lessons", dir.to_str().unwrap(), "play", id, "--json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(status.success(), "{stdout}\n{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The accepts of a worker that dies are not lost with it: the master counts the connections
/// each worker acknowledged, and keeps a dead worker's count in its slot.
#[test]
fn a_worker_killed_mid_fire_still_counts_what_it_accepted() {
    let lines = play("rrkill", KILLED);
    let fired = lines.iter().find(|l| l["event"] == "fired").unwrap_or_else(|| panic!("no load in {lines:#?}"));
    let exited = lines.iter().find(|l| l["event"] == "exited" && l["alias"] == "W1").expect("W1 was killed");
    assert_eq!(exited["signal"], "SIGKILL");
    let accounted = lines.iter().find(|l| l["event"] == "expect").unwrap();
    assert_eq!(accounted["passed"], true, "{accounted}\n{fired}");
}

#[test]
fn a_worker_stuck_in_a_loop_gets_at_most_a_few_of_the_connections() {
    let dir = std::env::temp_dir().join(format!("forklab-lessons-{}", new_tag()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rrbusy.md"), LESSON).unwrap();
    let tag = new_tag();
    let (status, stdout, stderr) = run(&tag, &["--lessons", dir.to_str().unwrap(), "play", "rrbusy", "--json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(status.success(), "{stdout}\n{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let fired = lines.iter().find(|l| l["event"] == "fired").unwrap_or_else(|| panic!("no fire in {stdout}"));
    assert_eq!(fired["completed"], 40, "{fired}");
    let (w1, w2) = (fired["per_worker"]["W1"].as_u64().unwrap(), fired["per_worker"]["W2"].as_u64().unwrap());
    // A strict rotation gives 20/20 here, and the 20 wait for W1's second.
    assert!(w1 <= 3, "the busy W1 served {w1} of 40 (W2 {w2}): {fired}");
    assert_eq!(w1 + w2, 40, "{fired}");
    for e in lines.iter().filter(|l| l["event"] == "expect") {
        assert_eq!(e["passed"], true, "{e}");
    }
}
