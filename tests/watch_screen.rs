//! The interactive `forklab watch` in tmux, as a person uses it: a Node cluster started by
//! forklab, its primary and workers on screen with their PIDs, connections fired and
//! attributed, strace on a worker, and nothing left running after `q`.

mod common;
use common::tmux::Tmux;
use common::*;
use std::time::Duration;

const CLUSTER_JS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/cluster.js");
const BIN: &str = env!("CARGO_BIN_EXE_forklab");
/// Generous: only a broken build waits this long (node starts two workers on a shared machine).
const WAIT: Duration = Duration::from_secs(30);

/// Live processes carrying the test's tag, node included (the cluster inherits forklab's env).
fn tagged_node_or_forklab(tag: &str) -> Vec<(i32, String)> {
    let needle = format!("FORKLAB_TEST_TAG={tag}");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        if !env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            continue;
        }
        let state = stat_fields(pid).and_then(|f| f.into_iter().next()).unwrap_or_default();
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string();
        if !state.is_empty() && state != "Z" && (comm == "node" || comm.starts_with("forklab") || comm == "strace") {
            found.push((pid, comm));
        }
    }
    found
}

/// The rows of the processes pane: (alias, pid) for each `node` row.
fn node_rows(screen: &str) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for line in screen.lines() {
        let Some(rest) = line.split('│').nth(1) else { continue };
        let words: Vec<&str> = rest.split_whitespace().filter(|w| !["├─", "└─", ">", "│"].contains(w)).collect();
        let Some(alias) = words.first() else { continue };
        if !alias.starts_with("node") {
            continue;
        }
        // After the alias (and its ports, `:38201`) comes the PID.
        if let Some(pid) = words.iter().skip(1).find(|w| !w.starts_with(':')).and_then(|w| w.parse().ok()) {
            out.push((alias.to_string(), pid));
        }
    }
    out
}

#[test]
fn watch_a_node_cluster_fire_at_it_strace_a_worker_and_leave_nothing() {
    let tag = new_tag();
    let t =
        Tmux::start(&tag, 160, 45, &format!("NODE_CLUSTER_SCHED_POLICY=rr WORKERS=2 {BIN} watch -- node {CLUSTER_JS}"));
    let screen = t.wait_for("the primary and two workers", WAIT, |s| node_rows(s).len() >= 3);
    let rows = node_rows(&screen);
    let primary = rows.iter().find(|(a, _)| a == "node").expect("the primary's row").1;
    let workers: Vec<i32> = rows.iter().filter(|(a, _)| a.starts_with("node#")).map(|(_, p)| *p).collect();
    assert_eq!(workers.len(), 2, "{screen}");
    // The PIDs on screen are the cluster's: the workers' parent is the primary.
    for w in &workers {
        assert_eq!(stat_fields(*w).unwrap()[1], primary.to_string(), "{screen}");
    }

    // Fire 10 and see each attributed to a worker (round-robin: the primary never serves).
    t.keys(&["2"]);
    let screen = t.wait_for("10 fired connections attributed", WAIT, |s| s.contains("fired 10: 10 attributed"));
    let served: Vec<&str> = screen.lines().filter(|l| l.contains(" node#") && l.contains('█')).collect();
    assert!(!served.is_empty(), "{screen}");

    // strace on the first worker, then fire again: its recvmsg (the connection passed over
    // its IPC channel) or an accept4 shows.
    t.keys(&["Down", "s"]);
    t.wait_for("the syscalls pane", WAIT, |s| s.contains(&format!("syscalls · node#1 pid {}", workers[0])));
    t.keys(&["3"]);
    let screen = t.wait_for("a recvmsg or accept4 line of the worker", WAIT, |s| {
        s.lines().any(|l| l.contains(&workers[0].to_string()) && (l.contains("recvmsg(") || l.contains("accept4(")))
    });
    assert!(screen.contains("SCM_RIGHTS") || screen.contains("accept4("), "{screen}");

    t.keys(&["q"]);
    t.wait_for("the shell", WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert!(tagged_node_or_forklab(&tag).is_empty(), "left: {:?}", tagged_node_or_forklab(&tag));
    assert_none_left(&tag, Duration::from_secs(2));
    for pid in [primary, workers[0], workers[1]] {
        let state = stat_fields(pid).and_then(|f| f.into_iter().next());
        assert!(state.is_none() || state.as_deref() == Some("Z"), "{pid} still runs");
    }
}
