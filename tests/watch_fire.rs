//! `forklab watch --fire` against real servers that do not keep connections open or do not
//! reply: a connection the client read whole is served, attributed or not; only connections
//! that truly failed count as failed, and then `--fire` exits 3 after its report.

mod common;
use common::*;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the process group on drop, so a failing test leaves nothing running.
struct KillGroup(i32);

impl Drop for KillGroup {
    fn drop(&mut self) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(self.0), nix::sys::signal::Signal::SIGKILL);
    }
}

/// A Node server in its own process group, listening on a free loopback port.
fn node_server(tag: &str, js: &str) -> Child {
    Command::new("node")
        .args(["-e", js])
        .env("FORKLAB_TEST_TAG", tag)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("node is installed")
}

/// `watch --pid P --fire N --json`, once the server listens: (exit code, report, stderr).
fn fire(tag: &str, pid: i32, n: u32) -> (i32, Value, String) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (status, stdout, stderr) =
            run(tag, &["watch", "--pid", &pid.to_string(), "--fire", &n.to_string(), "--json"]);
        if let Ok(v) = serde_json::from_str::<Value>(&stdout) {
            return (status.code().unwrap(), v, stderr);
        }
        assert!(Instant::now() < deadline, "never fired: {stderr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stop(tag: &str, mut server: Child) {
    let _ = killpg(Pid::from_raw(server.id() as i32), Signal::SIGKILL);
    let _ = server.wait();
    assert_none_left(tag, Duration::from_secs(2));
}

#[test]
fn a_server_that_closes_after_replying_served_every_connection() {
    let tag = new_tag();
    // Like python's http.server: the reply, then the connection closed.
    let server = node_server(
        &tag,
        "require('http').createServer((q, s) => { s.shouldKeepAlive = false; s.end('hi') }).listen(0, '127.0.0.1')",
    );
    let _group = KillGroup(server.id() as i32);
    let (code, r, stderr) = fire(&tag, server.id() as i32, 10);
    assert_eq!(code, 0, "{r} {stderr}");
    assert_eq!((r["fired"].as_u64(), r["served"].as_u64(), r["failed"].as_u64()), (Some(10), Some(10), Some(0)), "{r}");
    assert_eq!(r["completed"].as_u64().unwrap() + r["not_attributed"].as_u64().unwrap(), 10, "{r}");
    assert!(r["failures"].as_object().unwrap().is_empty(), "{r}");
    stop(&tag, server);
}

#[test]
fn connections_that_truly_fail_make_fire_exit_3_after_its_report() {
    let tag = new_tag();
    // Accepts and closes at once: no reply at all.
    let server = node_server(&tag, "require('net').createServer(s => s.destroy()).listen(0, '127.0.0.1')");
    let _group = KillGroup(server.id() as i32);
    let (code, r, stderr) = fire(&tag, server.id() as i32, 4);
    assert_eq!(code, 3, "{r} {stderr}");
    assert_eq!((r["failed"].as_u64(), r["served"].as_u64()), (Some(4), Some(0)), "{r}");
    assert!(stderr.contains("4 of 4 connections failed"), "{stderr}");
    // The text report says it too.
    let (status, text, _) = run(&tag, &["watch", "--pid", &server.id().to_string(), "--fire", "2"]);
    assert_eq!(status.code(), Some(3));
    assert!(text.contains("0 served") && text.contains("2 failed"), "{text}");
    stop(&tag, server);
}
