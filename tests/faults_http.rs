//! Fault suite: what a stray or hostile client, or a worker that breaks the channel protocol,
//! can do to a pool. Each is refused with a status or an event, and the pool keeps serving.

mod common;
use common::*;
use nix::sys::signal::Signal;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const MODES: [&str; 5] = ["shared", "exclusive", "blocking", "rr", "reuseport"];

fn port_of(serve: &mut Serve) -> u16 {
    serve.ready()["port"].as_u64().unwrap() as u16
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connecting to the pool");
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s
}

/// Everything the server sends until it closes (a reset after a whole reply is fine).
fn read_reply(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !got.is_empty() => break,
            Err(e) => panic!("reading the reply: {e} after {:?}", String::from_utf8_lossy(&got)),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn stop(mut serve: Serve) {
    serve.signal(Signal::SIGTERM);
    assert!(serve.wait_exit().success());
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

/// Event-loop modes get one worker (a stuck client would block everyone); blocking gets two,
/// since a blocking worker serves one connection at a time by design.
fn pool(mode: &str, env: &[(&str, &str)]) -> Serve {
    let workers = if mode == "blocking" { "2" } else { "1" };
    Serve::start_with_env(&["--mode", mode, "--workers", workers], env)
}

#[test]
fn http_junk_is_answered_400_and_the_worker_serves_on() {
    for mode in MODES {
        let mut serve = pool(mode, &[]);
        let port = port_of(&mut serve);
        for junk in [&b"\x00\x01\x02 binary junk\r\n\r\n"[..], b"GET / HTTP/9.9 extra\r\n\r\n", b"\xff\xfe\r\n\r\n"] {
            let mut s = connect(port);
            s.write_all(junk).unwrap();
            let reply = read_reply(&mut s);
            assert!(reply.starts_with("HTTP/1.1 400 Bad Request"), "{mode}: {junk:?} got {reply:?}");
        }
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
        stop(serve);
    }
}

/// RFC 9112 §6.3: a length that cannot be known is a 400, not a guess (two Content-Length
/// values that disagree are how a request is smuggled past a proxy that picks the other one).
#[test]
fn an_ambiguous_content_length_is_answered_400_and_the_worker_serves_on() {
    for mode in MODES {
        let mut serve = pool(mode, &[]);
        let port = port_of(&mut serve);
        for head in ["Content-Length: 5\r\nContent-Length: 6", "Content-Length: +5", "Content-Length: 5, 6"] {
            let mut s = connect(port);
            s.write_all(format!("POST / HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\nabcdef").as_bytes()).unwrap();
            let reply = read_reply(&mut s);
            assert!(reply.starts_with("HTTP/1.1 400 Bad Request"), "{mode}: {head:?} got {reply:?}");
        }
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
        stop(serve);
    }
}

#[test]
fn a_1_mib_header_is_answered_431_and_the_worker_serves_on() {
    for mode in MODES {
        let mut serve = pool(mode, &[]);
        let port = port_of(&mut serve);
        let mut s = connect(port);
        let mut writer = s.try_clone().unwrap();
        // Write on a thread: the worker answers before the client has sent it all.
        let sender = std::thread::spawn(move || {
            let mut head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
            head.extend(std::iter::repeat_n(b'a', 1024 * 1024));
            head.extend_from_slice(b"\r\n\r\n");
            // The worker may stop reading: a failed write is expected, not an error.
            let _ = writer.write_all(&head);
            let _ = writer.shutdown(std::net::Shutdown::Write);
        });
        let reply = read_reply(&mut s);
        assert!(reply.starts_with("HTTP/1.1 431 Request Header Fields Too Large"), "{mode}: {reply:?}");
        sender.join().unwrap();
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
        stop(serve);
    }
}

#[test]
fn a_slow_client_is_timed_out_and_does_not_block_the_others() {
    // The test switch shortens the 10 s request timeout to 1 s.
    let env = [("FORKLAB_TEST_TIMEOUT_MS", "1000")];
    let handles: Vec<_> = MODES
        .iter()
        .map(|mode| {
            std::thread::spawn(move || {
                let mut serve = pool(mode, &env);
                let port = port_of(&mut serve);
                // Slowloris: a head trickled a byte every 100 ms never looks idle.
                let mut slow = connect(port);
                let mut trickle = slow.try_clone().unwrap();
                let started = Instant::now();
                let trickler = std::thread::spawn(move || {
                    let _ = trickle.write_all(b"GET / HTTP/1.1\r\n");
                    for _ in 0..100 {
                        std::thread::sleep(Duration::from_millis(100));
                        if trickle.write_all(b"X").is_err() {
                            return;
                        }
                    }
                });
                // While it trickles, others are served, promptly.
                for _ in 0..5 {
                    let t = Instant::now();
                    assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
                    assert!(t.elapsed() < Duration::from_millis(900), "{mode}: a request waited {:?}", t.elapsed());
                }
                let reply = read_reply(&mut slow);
                let took = started.elapsed();
                assert!(reply.starts_with("HTTP/1.1 408 Request Timeout"), "{mode}: {reply:?}");
                assert!(took < Duration::from_secs(5), "{mode}: the slow client was held {took:?}");
                trickler.join().unwrap();
                assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
                stop(serve);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// A worker that sends junk (or a packet over the channel's limit) is dropped by the master
/// with an event; the master keeps running, respawns the place and the pool serves on.
fn a_worker_breaking_the_protocol_is_dropped(path: &str) {
    let mut serve = Serve::start_with_env(&["--workers", "2"], &[("FORKLAB_TEST_JUNK", "1")]);
    let port = port_of(&mut serve);
    let master = serve.seen.iter().find(|v| v["event"] == "spawned" && v["alias"] == "master").unwrap()["pid"].clone();
    let mut s = connect(port);
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let reply = read_reply(&mut s);
    let worker = reply.lines().find(|l| l.starts_with("X-Worker: ")).expect("an X-Worker header").to_string();
    let alias = worker.split_whitespace().nth(1).unwrap().to_string();
    let pid: i64 = worker.split_whitespace().nth(3).unwrap().parse().unwrap();
    let error = serve.wait_for("bad_worker_message", |v| v["event"] == "error" && v["kind"] == "bad_worker_message");
    assert_eq!(error["pid"], master, "the master reports it: {error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("{alias} (pid {pid})")), "{message}");
    let exited = serve.wait_for("the dropped worker's exit", |v| v["event"] == "exited" && v["pid"] == pid);
    assert_eq!(exited["signal"], "SIGKILL");
    serve.wait_for("the place respawned", |v| v["event"] == "spawned" && v["alias"] == alias.as_str());
    serve.ready();
    for _ in 0..10 {
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"));
    }
    // The master is the same process, still running.
    let master_pid = master.as_i64().unwrap() as i32;
    assert_eq!(std::fs::read_to_string(format!("/proc/{master_pid}/comm")).unwrap().trim(), "forklab-master");
    stop(serve);
}

#[test]
fn a_worker_sending_junk_on_its_channel_is_dropped() {
    a_worker_breaking_the_protocol_is_dropped("/__test/junk");
}

#[test]
fn a_worker_sending_an_oversized_message_is_dropped() {
    a_worker_breaking_the_protocol_is_dropped("/__test/oversized");
}

#[test]
fn without_the_switch_the_junk_paths_are_plain_requests() {
    let mut serve = Serve::start(&["--workers", "1"]);
    let port = port_of(&mut serve);
    let mut s = connect(port);
    s.write_all(b"GET /__test/junk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    assert!(read_reply(&mut s).starts_with("HTTP/1.1 200 OK"));
    assert!(http_get(port).starts_with("HTTP/1.1 200 OK"));
    serve.signal(Signal::SIGTERM);
    serve.wait_exit();
    assert!(!serve.seen.iter().any(|v| v["event"] == "error"), "{:#?}", serve.seen);
    assert_none_left(&serve.tag, Duration::from_secs(2));
}

/// Worker `alias`'s CPU time so far, in clock ticks (utime + stime, proc(5)).
fn cpu_ticks(pid: i64) -> u64 {
    let f = stat_fields(pid as i32).unwrap();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// A client holding more connections than the worker has fds (RLIMIT_NOFILE 64) must not
/// make it spin on a listener it cannot accept from; once they close, it serves again.
#[test]
fn out_of_fds_a_worker_waits_instead_of_spinning() {
    use std::os::unix::process::CommandExt;
    for mode in ["shared", "exclusive", "reuseport", "rr"] {
        let tag = new_tag();
        let mut cmd = forklab(&tag);
        cmd.args(["serve", "--port", "0", "--json", "--mode", mode, "--workers", "1"]);
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, 64, 64)
                    .map_err(std::io::Error::from)
            });
        }
        let mut serve = Serve::spawn(tag, cmd);
        let port = port_of(&mut serve);
        let worker =
            serve.seen.iter().find(|v| v["event"] == "spawned" && v["alias"] == "W1").unwrap()["pid"].as_i64().unwrap();
        // 100 idle connections: more than the worker can hold; the rest wait in the queue.
        let held: Vec<TcpStream> = (0..100).map(|_| connect(port)).collect();
        std::thread::sleep(Duration::from_millis(300));
        let before = cpu_ticks(worker);
        std::thread::sleep(Duration::from_secs(1));
        let spent = cpu_ticks(worker) - before;
        assert!(spent < 10, "{mode}: the worker spent {spent} ticks of 100 in a second with no fds left");
        drop(held);
        let t = Instant::now();
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
        assert!(t.elapsed() < Duration::from_secs(3), "{mode}: served after {:?}", t.elapsed());
        stop(serve);
    }
}

fn rss_kib(pid: i64) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A client that pipelines requests and never reads the replies is pushed back on by the
/// kernel's buffers: the worker stops reading it instead of growing without bound, and keeps
/// serving the others.
#[test]
fn a_client_that_never_reads_cannot_grow_a_worker() {
    for mode in MODES {
        let mut serve = pool(mode, &[]);
        let port = port_of(&mut serve);
        let workers: Vec<i64> = serve
            .seen
            .iter()
            .filter(|v| v["event"] == "spawned" && v["alias"] != "master")
            .map(|v| v["pid"].as_i64().unwrap())
            .collect();
        let before: u64 = workers.iter().map(|&p| rss_kib(p)).sum();
        let s = connect(port);
        s.set_write_timeout(Some(Duration::from_millis(500))).unwrap();
        let mut w = s.try_clone().unwrap();
        let batch = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(10_000);
        let (mut sent, started) = (0usize, Instant::now());
        // Up to 50 MB of requests in at most 3 s; a blocked write means the push-back works.
        while sent < 50_000_000 && started.elapsed() < Duration::from_secs(3) {
            match w.write(&batch) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        let grown = workers.iter().map(|&p| rss_kib(p)).sum::<u64>().saturating_sub(before);
        assert!(grown < 16 * 1024, "{mode}: workers grew {grown} KiB for {sent} bytes of requests never read");
        assert!(sent < 20_000_000, "{mode}: {sent} bytes were taken from a client that reads nothing");
        // The others are served meanwhile (blocking mode: by the second worker).
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
        drop(s);
        drop(w);
        stop(serve);
    }
}

/// A request body is read and dropped as it arrives, not kept until the request is whole:
/// 200 connections each sending all but the last byte of a 1 MiB body (the most a worker
/// accepts) cannot grow a worker by their sum (they grew one by 200 MiB, and 1,000 of them by
/// 1 GiB). The request is answered once its last byte is in.
#[test]
fn request_bodies_cannot_grow_a_worker() {
    const BODY: usize = 1024 * 1024;
    let head = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {BODY}\r\n\r\n");
    let body = vec![b'a'; BODY - 1];
    for mode in ["shared", "rr"] {
        let mut serve = pool(mode, &[]);
        let port = port_of(&mut serve);
        let worker =
            serve.seen.iter().find(|v| v["event"] == "spawned" && v["alias"] == "W1").unwrap()["pid"].as_i64().unwrap();
        let before = rss_kib(worker);
        let conns: Vec<TcpStream> = (0..200)
            .map(|_| {
                let mut s = connect(port);
                s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
                s.write_all(head.as_bytes()).unwrap();
                s.write_all(&body).unwrap();
                s
            })
            .collect();
        // Bytes still queued in the kernel are not the worker's: a request on a fresh
        // connection is answered after the worker's loop has gone round again, reading what
        // the 200 connections had queued before it.
        assert!(http_get(port).starts_with("HTTP/1.1 200 OK"), "{mode}");
        let grown = rss_kib(worker).saturating_sub(before);
        assert!(grown < 32 * 1024, "{mode}: W1 grew {grown} KiB holding 200 unfinished 1 MiB bodies");
        let mut last = conns.into_iter().next().unwrap();
        last.write_all(b"a").unwrap();
        let mut reply = [0u8; 15];
        last.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"HTTP/1.1 200 OK", "{mode}");
        stop(serve);
    }
}
