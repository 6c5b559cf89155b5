//! `forklab serve` through the built binary: real workers answer real HTTP.

mod common;
use common::*;
use nix::sys::signal::Signal;
use std::time::Duration;

#[test]
fn serve_answers_curl_with_the_workers_alias() {
    let mut serve = Serve::start(&["--workers", "2"]);
    let port = serve.ready()["port"].as_u64().unwrap();
    let out = std::process::Command::new("curl")
        .args(["-si", "--max-time", "10", &format!("http://127.0.0.1:{port}/")])
        .output()
        .expect("curl is installed (.ci/run installs it)");
    let reply = String::from_utf8_lossy(&out.stdout);
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    let worker = reply.lines().find(|l| l.starts_with("X-Worker: ")).expect("an X-Worker header");
    let alias = worker.split_whitespace().nth(1).unwrap();
    assert!(alias == "W1" || alias == "W2", "{worker}");
    assert!(reply.contains(&format!("hello from {alias} (pid ")), "{reply}");
    // The pid in the header is a live forklab worker.
    let pid: i32 = worker.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert_eq!(std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap().trim(), "forklab-worker");
    serve.signal(Signal::SIGTERM);
    assert!(serve.wait_exit().success());
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn a_worker_killed_with_sigkill_is_reported_with_its_signal_and_respawned() {
    let mut serve = Serve::start(&["--workers", "2"]);
    serve.ready();
    let w2 = serve.seen.iter().find(|v| v["event"] == "spawned" && v["alias"] == "W2").unwrap()["pid"].as_i64().unwrap()
        as i32;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(w2), Signal::SIGKILL).unwrap();
    let exited = serve.wait_for("exited", |v| v["event"] == "exited" && v["pid"] == w2);
    assert_eq!(exited["alias"], "W2");
    assert_eq!(exited["signal"], "SIGKILL");
    assert!(exited["code"].is_null());
    // The alias survives the respawn; the pid does not.
    let again = serve.wait_for("respawned W2", |v| v["event"] == "spawned" && v["alias"] == "W2");
    assert_ne!(again["pid"], w2);
    serve.signal(Signal::SIGINT);
    assert!(serve.wait_exit().success());
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn the_inherited_listener_is_one_socket_in_every_process() {
    same_inode_everywhere(&[], "inherited");
}

#[test]
fn the_passed_listener_is_the_same_socket_under_its_own_fd() {
    same_inode_everywhere(&["--pass-handle"], "received");
}

fn same_inode_everywhere(extra: &[&str], how: &str) {
    let mut args = vec!["--workers", "3"];
    args.extend_from_slice(extra);
    let mut serve = Serve::start(&args);
    serve.ready();
    let listening: Vec<_> = serve.seen.iter().filter(|v| v["event"] == "listening").cloned().collect();
    assert_eq!(listening.len(), 4, "the master and three workers: {listening:#?}");
    let master = listening.iter().find(|v| v["alias"] == "master").unwrap();
    assert_eq!(master["how"], "opened");
    for l in &listening {
        // Check the kernel's word, not only the report: /proc/<pid>/fd/<fd> right now.
        let link = std::fs::read_link(format!("/proc/{}/fd/{}", l["pid"], l["fd"])).unwrap();
        assert_eq!(link.to_string_lossy(), format!("socket:[{}]", master["inode"]));
        if l["alias"] != "master" {
            assert_eq!(l["how"], how);
        }
    }
    if how == "received" {
        assert!(serve.seen.iter().filter(|v| v["event"] == "fd_passed").count() == 3);
    }
    serve.signal(Signal::SIGTERM);
    serve.wait_exit();
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn a_busy_port_is_refused_with_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["serve", "--port", &port]);
    assert!(!status.success());
    assert!(stderr.contains(&format!("port {port} is in use")), "{stderr}");
    assert!(stderr.contains("--port 0"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn sigkill_of_the_app_leaves_no_process() {
    let mut serve = Serve::start(&["--workers", "3", "--mode", "rr"]);
    serve.ready();
    assert!(tagged(&serve.tag).len() >= 5, "app, master, three workers: {:?}", tagged(&serve.tag));
    serve.signal(Signal::SIGKILL);
    serve.wait_exit();
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn sighup_of_the_app_stops_the_pool() {
    let mut serve = Serve::start(&["--workers", "2", "--mode", "blocking"]);
    serve.ready();
    serve.signal(Signal::SIGHUP);
    serve.wait_exit();
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn keep_alive_requests_share_one_connection_and_one_worker() {
    use std::io::{Read, Write};
    let mut serve = Serve::start(&["--workers", "2"]);
    let port = serve.ready()["port"].as_u64().unwrap() as u16;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert_eq!(reply.matches("HTTP/1.1 200 OK").count(), 2, "{reply}");
    assert!(reply.contains("request 1 on this connection") && reply.contains("request 2 on this connection"));
    let workers: Vec<&str> = reply.lines().filter(|l| l.starts_with("X-Worker")).collect();
    assert_eq!(workers[0], workers[1]);
    serve.signal(Signal::SIGTERM);
    serve.wait_exit();
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn a_panic_in_the_app_leaves_no_process() {
    let tag = new_tag();
    let out = forklab(&tag)
        .env("FORKLAB_PANIC_AT", "serve")
        .args(["serve", "--port", "0", "--workers", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(101));
    assert!(String::from_utf8_lossy(&out.stderr).contains("panicking on purpose"));
    assert_none_left(&tag, Duration::from_secs(2));
}
