//! `forklab watch` through the built binary, over real Node clusters (tests/node/cluster.js)
//! and forklab's own server: the tree, the listeners, the IPC sockets and the attribution of
//! fired connections all come from the kernel, and nothing is left running afterwards.

mod common;
use common::*;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLUSTER_JS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/cluster.js");

/// A Node cluster the test started, in its own process group; dropping it kills the group.
struct NodeCluster {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    port: u16,
    primary: i32,
    workers: Vec<i32>,
}

impl NodeCluster {
    fn start(policy: &str) -> NodeCluster {
        let mut child = Command::new("node")
            .arg(CLUSTER_JS)
            .env("NODE_CLUSTER_SCHED_POLICY", policy)
            .env("WORKERS", "2")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("node is installed (.ci/run installs it)");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx.recv_timeout(DEADLINE).expect("the cluster's ready line");
        let mut cluster = NodeCluster { child, lines: rx, port: 0, primary: 0, workers: Vec::new() };
        let ready: Value = serde_json::from_str(&line).unwrap();
        cluster.port = ready["port"].as_u64().unwrap() as u16;
        cluster.primary = ready["primary"].as_i64().unwrap() as i32;
        cluster.workers = ready["workers"].as_array().unwrap().iter().map(|p| p.as_i64().unwrap() as i32).collect();
        assert_eq!(cluster.primary, cluster.child.id() as i32);
        assert_eq!(cluster.workers.len(), 2, "{line}");
        cluster
    }

    fn pids(&self) -> Vec<i32> {
        let mut all = vec![self.primary];
        all.extend(&self.workers);
        all
    }

    /// Wait until the workers' own count of requests served (SIGUSR2 to the primary) is `want`;
    /// their IPC messages may still be on the way, so ask again until the deadline.
    fn assert_served(&self, want: &Value) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            kill(Pid::from_raw(self.primary), Signal::SIGUSR2).unwrap();
            let line = self.lines.recv_timeout(DEADLINE).expect("the primary's served line");
            let served: Value = serde_json::from_str(&line).unwrap();
            if served["served"] == *want {
                return;
            }
            assert!(Instant::now() < deadline, "the workers served {served}, forklab says {want}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every process of the cluster is still running (watching changed nothing).
    fn assert_all_alive(&self) {
        for pid in self.pids() {
            assert!(alive(pid), "node {pid} is gone");
        }
    }

    /// Kill the group and check that none of its processes is left.
    fn stop(mut self) {
        self.kill();
        assert_gone(&self.pids());
    }

    fn kill(&mut self) {
        let _ = killpg(Pid::from_raw(self.primary), Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for NodeCluster {
    fn drop(&mut self) {
        self.kill();
    }
}

fn alive(pid: i32) -> bool {
    stat_fields(pid).and_then(|f| f.into_iter().next()).is_some_and(|s| s != "Z" && s != "X")
}

fn assert_gone(pids: &[i32]) {
    let deadline = Instant::now() + DEADLINE;
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            Instant::now() < deadline,
            "still running: {:?}",
            pids.iter().filter(|p| alive(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every live process carrying the test's tag, whatever its name (node included), as (pid, comm).
fn tagged_any(tag: &str) -> Vec<(i32, String)> {
    let needle = format!("FORKLAB_TEST_TAG={tag}");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        if env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) && alive(pid) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            found.push((pid, comm.trim().to_string()));
        }
    }
    found
}

fn watch_json(tag: &str, args: &[&str]) -> Value {
    let (status, stdout, stderr) = run(tag, args);
    assert!(status.success(), "forklab {args:?}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).unwrap()
}

fn snapshot(tag: &str, pid: i32) -> Value {
    watch_json(tag, &["watch", "--pid", &pid.to_string(), "--once", "--json"])
}

fn process(snap: &Value, pid: i32) -> &Value {
    snap["processes"].as_array().unwrap().iter().find(|p| p["pid"] == pid).unwrap_or_else(|| panic!("{pid} in {snap}"))
}

fn listener_inodes(p: &Value, port: u16) -> Vec<u64> {
    p["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["port"] == port)
        .map(|l| l["inode"].as_u64().unwrap())
        .collect()
}

/// The snapshot's tree is the cluster: the primary first, both workers its children.
fn assert_tree(snap: &Value, c: &NodeCluster) {
    assert_eq!(snap["root"], c.primary);
    assert_eq!(snap["port"], c.port);
    let procs = snap["processes"].as_array().unwrap();
    assert_eq!(procs[0]["pid"], c.primary);
    let pids: BTreeSet<i64> = procs.iter().map(|p| p["pid"].as_i64().unwrap()).collect();
    let want: BTreeSet<i64> = c.pids().into_iter().map(i64::from).collect();
    assert_eq!(pids, want, "{snap}");
    for w in &c.workers {
        let p = process(snap, *w);
        assert_eq!(p["ppid"], c.primary);
        assert_eq!(p["comm"], "node");
        assert!(p["threads"].as_u64().unwrap() >= 1);
        assert!(["S", "R"].contains(&p["state"].as_str().unwrap()), "{p}");
    }
}

/// One request on a keep-alive connection, left open: returns it and its local port.
fn open_connection(port: u16) -> (std::net::TcpStream, u16) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains("hello from") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let local = s.local_addr().unwrap().port();
    (s, local)
}

#[test]
fn in_round_robin_only_the_primary_holds_the_listener() {
    let c = NodeCluster::start("rr");
    let tag = new_tag();
    let (conn, client_port) = open_connection(c.port);
    let snap = snapshot(&tag, c.primary);
    assert_tree(&snap, &c);
    assert_eq!(listener_inodes(process(&snap, c.primary), c.port).len(), 1, "{snap}");
    for w in &c.workers {
        assert!(process(&snap, *w)["listeners"].as_array().unwrap().is_empty(), "{snap}");
    }
    // The open connection's server side is in exactly one worker's fd table. (The primary,
    // which accepted it, closes its copy once that worker has acknowledged it.)
    let holding: Vec<i32> = c
        .workers
        .iter()
        .copied()
        .filter(|pid| {
            process(&snap, *pid)["connections"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["remote"].as_str().unwrap().ends_with(&format!(":{client_port}")))
        })
        .collect();
    assert_eq!(holding.len(), 1, "{snap}");
    drop(conn);
    c.assert_all_alive();
    assert_none_left(&tag, Duration::from_secs(2));
    c.stop();
}

#[test]
fn in_sched_none_every_worker_holds_the_primarys_listener() {
    let c = NodeCluster::start("none");
    let tag = new_tag();
    let snap = snapshot(&tag, c.primary);
    assert_tree(&snap, &c);
    let primary = listener_inodes(process(&snap, c.primary), c.port);
    assert_eq!(primary.len(), 1, "{snap}");
    for w in &c.workers {
        assert_eq!(listener_inodes(process(&snap, *w), c.port), primary, "{snap}");
    }
    c.assert_all_alive();
    assert_none_left(&tag, Duration::from_secs(2));
    c.stop();
}

#[test]
fn a_workers_fd_3_is_a_unix_stream_socket_whose_peer_is_in_the_primary() {
    let c = NodeCluster::start("rr");
    let tag = new_tag();
    let snap = snapshot(&tag, c.primary);
    let primary_fds = process(&snap, c.primary)["fds"].as_array().unwrap();
    for w in &c.workers {
        let fd3 = process(&snap, *w)["fds"].as_array().unwrap().iter().find(|f| f["fd"] == 3).unwrap().clone();
        assert_eq!(fd3["kind"], "unix", "{fd3}");
        assert_eq!(fd3["type"], "stream", "{fd3}");
        assert_eq!(fd3["peer_pid"], c.primary, "{fd3}");
        // The primary's end names this one as its peer: one socketpair.
        let end = primary_fds.iter().find(|f| f["inode"] == fd3["peer_inode"]).expect("the peer in the primary's fds");
        assert_eq!(end["peer_inode"], fd3["inode"]);
        assert_eq!(end["peer_pid"], *w);
    }
    assert_none_left(&tag, Duration::from_secs(2));
    c.stop();
}

fn fire_at(c: &NodeCluster, n: u32) -> Value {
    let tag = new_tag();
    let report = watch_json(
        &tag,
        &["watch", "--pid", &c.primary.to_string(), "--fire", &n.to_string(), "--concurrency", "4", "--json"],
    );
    assert_none_left(&tag, Duration::from_secs(2));
    assert_eq!(report["fired"], n, "{report}");
    assert_eq!(report["completed"], n, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    let per = report["per_process"].as_object().unwrap();
    let sum: u64 = per.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(sum, u64::from(n), "{report}");
    for pid in per.keys() {
        assert!(c.workers.contains(&pid.parse().unwrap()), "{pid} is not a worker: {report}");
    }
    c.assert_all_alive();
    // Each connection went to the worker that served it, by the workers' own count.
    c.assert_served(&report["per_process"]);
    report
}

#[test]
fn fired_connections_in_round_robin_are_attributed_to_both_workers() {
    let c = NodeCluster::start("rr");
    let report = fire_at(&c, 60);
    // The primary hands connections to free workers: both serve some.
    assert_eq!(report["per_process"].as_object().unwrap().len(), 2, "{report}");
    c.stop();
}

#[test]
fn fired_connections_in_sched_none_are_attributed_to_workers() {
    let c = NodeCluster::start("none");
    fire_at(&c, 60);
    c.stop();
}

#[test]
fn forklabs_own_shared_pool_is_watched_like_any_server() {
    let mut serve = Serve::start(&["--mode", "shared", "--workers", "2"]);
    let port = serve.ready()["port"].as_u64().unwrap();
    let app = serve.child.id() as i32;
    let pid_of = |alias: &str| -> i64 {
        serve.seen.iter().find(|v| v["event"] == "listening" && v["alias"] == alias).unwrap()["pid"].as_i64().unwrap()
    };
    let (master, w1, w2) = (pid_of("master"), pid_of("W1"), pid_of("W2"));
    let tag = new_tag();
    let snap = snapshot(&tag, app);
    assert_eq!(snap["port"], port);
    let procs = snap["processes"].as_array().unwrap();
    let pids: Vec<i64> = procs.iter().map(|p| p["pid"].as_i64().unwrap()).collect();
    assert_eq!(pids, vec![app as i64, master, w1.min(w2), w1.max(w2)], "{snap}");
    assert_eq!(process(&snap, master as i32)["ppid"], app);
    assert_eq!(process(&snap, master as i32)["comm"], "forklab-master");
    let shared = listener_inodes(process(&snap, master as i32), port as u16);
    for w in [w1, w2] {
        let p = process(&snap, w as i32);
        assert_eq!(p["ppid"], master);
        assert_eq!(p["comm"], "forklab-worker");
        // Shared mode: one listening socket, inherited across fork by every worker.
        assert_eq!(listener_inodes(p, port as u16), shared, "{snap}");
    }
    let report = watch_json(&tag, &["watch", "--pid", &app.to_string(), "--fire", "40", "--json"]);
    assert_eq!(report["completed"], 40, "{report}");
    let per = report["per_process"].as_object().unwrap();
    assert_eq!(per.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 40);
    for pid in per.keys() {
        let pid: i64 = pid.parse().unwrap();
        assert!(pid == w1 || pid == w2, "{pid} is not a worker: {report}");
    }
    serve.signal(Signal::SIGTERM);
    assert!(serve.wait_exit().success());
    assert_none_left(&serve.tag, Duration::from_secs(2));
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn watch_started_cluster_is_fired_at_and_ended_with_forklab() {
    let tag = new_tag();
    let out = forklab(&tag)
        .env("NODE_CLUSTER_SCHED_POLICY", "rr")
        .args(["watch", "--fire", "20", "--json", "--", "node", CLUSTER_JS])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["completed"], 20, "{report}");
    let per = report["per_process"].as_object().unwrap();
    assert_eq!(per.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 20);
    // Nothing of the cluster outlives forklab: no node, no forklab.
    assert!(tagged_any(&tag).is_empty(), "{:?}", tagged_any(&tag));
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn sigterm_to_watch_leaves_no_node_process() {
    let tag = new_tag();
    // The workers hold back from listening, so forklab is still waiting when the signal comes.
    let mut child = forklab(&tag)
        .env("LISTEN_DELAY_MS", "60000")
        .args(["watch", "--once", "--json", "--", "node", CLUSTER_JS])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + DEADLINE;
    let nodes = loop {
        let nodes: Vec<i32> = tagged_any(&tag).into_iter().filter(|(_, c)| c == "node").map(|(p, _)| p).collect();
        if nodes.len() == 3 {
            break nodes;
        }
        assert!(Instant::now() < deadline, "the primary and two workers never ran: {nodes:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(Signal::SIGTERM as i32), "{status:?}");
    assert_gone(&nodes);
    assert!(tagged_any(&tag).is_empty(), "{:?}", tagged_any(&tag));
}

/// A one-line error on stderr naming what is wrong, a non-zero exit, no panic.
fn assert_refused(tag: &str, args: &[&str], words: &[&str]) -> i32 {
    let (status, stdout, stderr) = run(tag, args);
    assert!(!status.success(), "{args:?} succeeded: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for w in words {
        assert!(stderr.contains(w), "{w:?} not in {stderr:?}");
    }
    assert_none_left(tag, Duration::from_secs(2));
    status.code().unwrap()
}

#[test]
fn a_pid_that_does_not_exist_is_named() {
    let tag = new_tag();
    // Above the largest PID the kernel gives (pid_max is at most 2^22).
    assert_refused(&tag, &["watch", "--pid", "99999999", "--once"], &["no process with PID 99999999"]);
    assert_refused(&tag, &["watch", "--pid", "0", "--once"], &["0 is not a process ID"]);
}

#[test]
fn a_tree_with_no_listener_is_named() {
    let tag = new_tag();
    let mut sleeper = Command::new("sleep").arg("60").process_group(0).spawn().unwrap();
    let pid = sleeper.id().to_string();
    assert_refused(&tag, &["watch", "--pid", &pid, "--fire", "3"], &["no process in the tree of process", "listens"]);
    // It was watched, not touched.
    assert!(alive(sleeper.id() as i32));
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
}

#[test]
fn a_port_nobody_in_the_tree_listens_on_is_named() {
    let c = NodeCluster::start("rr");
    // A port that is listened on, but by this test, not by the cluster.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = other.local_addr().unwrap().port().to_string();
    let tag = new_tag();
    assert_refused(
        &tag,
        &["watch", "--pid", &c.primary.to_string(), "--port", &port, "--once"],
        &[&format!("listens on TCP port {port}")],
    );
    c.assert_all_alive();
    c.stop();
}

#[test]
fn a_command_that_cannot_start_is_named() {
    let tag = new_tag();
    assert_refused(&tag, &["watch", "--once", "--", "/nonexistent/server"], &["cannot start `/nonexistent/server`"]);
}

#[test]
fn a_command_that_exits_at_once_is_named_with_its_status() {
    let tag = new_tag();
    assert_refused(&tag, &["watch", "--once", "--", "sh", "-c", "exit 3"], &["`sh -c exit 3` exited with code 3"]);
    assert!(tagged_any(&tag).is_empty());
}

#[test]
fn without_once_or_fire_and_without_a_terminal_it_points_at_once() {
    let tag = new_tag();
    // The interactive screen needs a terminal; the test's stdin is /dev/null.
    let code = assert_refused(&tag, &["watch", "--pid", "1"], &["watch screen needs a terminal", "--once"]);
    assert_ne!(code, 0);
}
