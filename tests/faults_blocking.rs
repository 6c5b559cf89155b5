//! Fault suite: slow clients against `--mode blocking`. A blocking worker serves one connection
//! at a time: that is the pre-fork model, not a bug, and the accept lesson says so. As many
//! idle connections as there are workers hold the whole pool until the request deadline
//! answers them 408; the event-loop modes serve the next client at once.

mod common;
use common::*;
use nix::sys::signal::Signal;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The request deadline the workers run with in this test (the test switch; 10 s otherwise).
const DEADLINE_MS: u64 = 3000;

/// A GET on a new connection: the reply's first line, or None if none came within `wait`.
fn get_within(port: u16, wait: Duration) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = [0u8; 256];
    match s.read(&mut buf) {
        Ok(n) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("").to_string()),
        _ => None,
    }
}

/// The server side of `port`, as `ss` reads it with sock_diag (filtered by port in the
/// kernel: /proc/net/tcp would list every socket of the machine, tens of thousands in
/// TIME-WAIT after the tests' loads, slow enough to read under load that a worker's request
/// deadline could pass while this waited): the listener's accept queue (its Recv-Q:
/// connections that completed the handshake and wait for accept()) and how many established
/// sockets the server holds (they exist once the handshake's last ACK has arrived).
fn server_side(port: u16) -> (Option<u64>, usize) {
    let out = std::process::Command::new("ss")
        .args(["-Htan", &format!("sport = :{port}")])
        .output()
        .expect("running ss (iproute2)");
    let (mut queue, mut established) = (None, 0);
    for row in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = row.split_whitespace().collect();
        match f.first() {
            Some(&"LISTEN") => queue = f.get(1).and_then(|q| q.parse().ok()),
            Some(&"ESTAB") => established += 1,
            _ => {}
        }
    }
    (queue, established)
}

/// `workers` idle connections, each taken by a worker: the accept queue is empty again. (A
/// blocking worker reports its accept only when the connection is done, so events cannot say.)
fn hold_every_worker(port: u16, workers: usize) -> Vec<TcpStream> {
    let idle: Vec<TcpStream> = (0..workers).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while server_side(port) != (Some(0), workers) {
        assert!(Instant::now() < deadline, "the workers never took the idle connections");
        std::thread::sleep(Duration::from_millis(10));
    }
    idle
}

/// `n` idle connections to an event-loop pool (whose workers report accepts in batches).
fn idle_connections(port: u16, n: usize) -> Vec<TcpStream> {
    (0..n).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect()
}

#[test]
fn idle_clients_hold_a_blocking_pool_until_the_request_deadline() {
    let mut serve = Serve::start_with_env(
        &["--mode", "blocking", "--workers", "2"],
        &[("FORKLAB_TEST_TIMEOUT_MS", &DEADLINE_MS.to_string())],
    );
    let port = serve.ready()["port"].as_u64().unwrap() as u16;
    let started = Instant::now();
    let idle = hold_every_worker(port, 2);
    // Both workers wait for a request that does not come: the next client waits in the
    // listener's queue, unanswered, until the deadline frees a worker.
    assert_eq!(get_within(port, Duration::from_millis(1000)), None, "a blocking pool answered with every worker held");
    let reply =
        get_within(port, Duration::from_millis(DEADLINE_MS * 4)).expect("answered once the deadline freed a worker");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(started.elapsed() >= Duration::from_millis(1000), "answered before a worker was freed");
    drop(idle);
    serve.signal(Signal::SIGTERM);
    serve.wait_exit();
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

#[test]
fn an_event_loop_pool_serves_the_next_client_beside_idle_ones() {
    let mut serve = Serve::start_with_env(
        &["--mode", "shared", "--workers", "2"],
        &[("FORKLAB_TEST_TIMEOUT_MS", &DEADLINE_MS.to_string())],
    );
    let port = serve.ready()["port"].as_u64().unwrap() as u16;
    let idle = idle_connections(port, 2);
    let reply = get_within(port, Duration::from_millis(1000)).expect("an event loop serves beside idle ones");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    drop(idle);
    serve.signal(Signal::SIGTERM);
    serve.wait_exit();
    assert_none_left(&serve.tag, Duration::from_secs(2));
}
