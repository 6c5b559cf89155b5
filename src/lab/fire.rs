//! `forklab watch --fire N`: connections fired at a server forklab knows nothing about, each
//! attributed to the process that served it, with no help from the server (no header naming a
//! worker).
//!
//! How a connection finds its owner: the load client sends `GET /` over HTTP/1.1 (which keeps
//! the connection open), reads the whole reply, and, with the connection still open, asks the
//! kernel for the server side of its 4-tuple (sock_diag's exact lookup). That socket's inode
//! is in the fd table of the process that accepted it. Under Node's round-robin the primary
//! accepts and hands the socket to a worker over SCM_RIGHTS, closing its own copy only after
//! the worker acknowledges; so for a moment both hold the inode. The client waits until
//! exactly one process holds it, and only then closes.

use super::watch::{PerProcess, tree};
use crate::sys::procfs;
use crate::sys::sockdiag::SockDiag;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Bounds a connect and a whole reply.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a reply's body read. Past it the server has answered, which is all a fire
/// asks; a body with no end (a stream, an event source) was read, and kept, for ever.
const MAX_BODY: usize = 1 << 20;
/// How long a connection stays open waiting for its socket to have one owner.
const OWNER_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_HEAD: usize = 64 * 1024;

/// What `watch --fire` prints. `per_process` adds up to `completed` (served and attributed);
/// `served` is `completed + not_attributed`; `served + failed` is `fired`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FireReport {
    pub fired: u64,
    pub completed: u64,
    /// Connections that got no whole reply: refused, reset, timed out, cut short.
    pub failed: u64,
    pub per_process: PerProcess,
    pub port: u16,
    /// Why connections failed, with how many each.
    pub failures: BTreeMap<&'static str, u64>,
    /// Connections the server served (the client read its whole reply), attributed or not.
    pub served: u64,
    /// Served, but forklab did not see which process held them (`owner_gone`: the server
    /// closed the connection before forklab looked; `owner_unclear`).
    pub not_attributed: u64,
    /// Why the served connections were not attributed, with how many each.
    pub why_not_attributed: BTreeMap<&'static str, u64>,
    /// Each connection's owner (a PID) or why it failed, in the order they finished per
    /// thread: the watch screen lists them. Not in the JSON.
    #[serde(skip)]
    pub each: Vec<Result<i32, &'static str>>,
}

/// Why one connection is not counted as completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Failure {
    Refused,
    Reset,
    Timeout,
    /// The server closed before its reply was whole.
    ClosedEarly,
    BadResponse,
    /// The reply came, but the server closed its side before the client saw who held it
    /// (a server that answers `Connection: close`).
    OwnerGone,
    /// More than one process of the tree, or none, held the socket until the deadline.
    OwnerUnclear,
    /// The reply came, but sock_diag could not be asked who holds the connection.
    NotAsked,
    Other,
}

impl Failure {
    /// The reply came whole: the server served the connection, and only its owner is unknown.
    fn served(self) -> bool {
        matches!(self, Failure::OwnerGone | Failure::OwnerUnclear | Failure::NotAsked)
    }

    fn as_str(self) -> &'static str {
        match self {
            Failure::Refused => "refused",
            Failure::Reset => "reset",
            Failure::Timeout => "timeout",
            Failure::ClosedEarly => "closed_early",
            Failure::BadResponse => "bad_response",
            Failure::OwnerGone => "owner_gone",
            Failure::OwnerUnclear => "owner_unclear",
            Failure::NotAsked => "not_asked",
            Failure::Other => "other",
        }
    }

    fn from_io(e: &std::io::Error) -> Failure {
        match e.kind() {
            ErrorKind::ConnectionRefused => Failure::Refused,
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => Failure::Reset,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
            _ => Failure::Other,
        }
    }
}

/// Fire `n` connections, `concurrency` at once (a thread each), at `targets` (tried in order
/// until one connects; the one that did is kept), and attribute each to a process of the tree
/// of `root`.
pub fn fire(root: i32, port: u16, targets: &[SocketAddr], n: u32, concurrency: u32) -> Result<FireReport> {
    fire_among(root, &[], port, targets, n, concurrency)
}

/// [`fire`] at a tree that also holds `orphans` (processes of it that were re-parented out
/// of the root's descendants when their parent exited: the watch screen follows them) and
/// their descendants: a connection they serve is theirs, even once the root has gone.
pub fn fire_among(
    root: i32,
    orphans: &[i32],
    port: u16,
    targets: &[SocketAddr],
    n: u32,
    concurrency: u32,
) -> Result<FireReport> {
    let next = AtomicU32::new(0);
    let target = AtomicUsize::new(0);
    let results: Vec<Result<Vec<Result<i32, Failure>>>> = std::thread::scope(|scope| {
        let wanted = concurrency.clamp(1, n.max(1));
        let mut threads = Vec::new();
        for i in 0..wanted {
            let spawned = std::thread::Builder::new().name("fire".into()).spawn_scoped(scope, || {
                let mut diag = SockDiag::open()?;
                let mut seen = Seen { pids: tree_pids(root, orphans), hints: Vec::new(), orphans };
                let mut out = Vec::new();
                while next.fetch_add(1, Ordering::SeqCst) < n {
                    out.push(one(&mut diag, root, &mut seen, targets, &target));
                }
                Ok(out)
            });
            match spawned {
                Ok(t) => threads.push(t),
                // No thread (RLIMIT_NPROC, a pids cgroup): the fire is refused whole, and the
                // threads already started stop after the connection each has under way.
                Err(e) => {
                    next.store(n, Ordering::SeqCst);
                    return vec![Err(anyhow::Error::new(e).context(tr!("fire-thread-start", n = i + 1, of = wanted)))];
                }
            }
        }
        threads
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|_| Err(anyhow::anyhow!(tr!("fire-thread-panicked")))))
            .collect()
    });
    let mut report = FireReport { port, ..FireReport::default() };
    for r in results {
        for one in r? {
            report.fired += 1;
            report.each.push(one.map_err(Failure::as_str));
            match one {
                Ok(pid) => {
                    report.completed += 1;
                    report.served += 1;
                    *report.per_process.entry(pid.to_string()).or_default() += 1;
                }
                Err(f) if f.served() => {
                    report.served += 1;
                    report.not_attributed += 1;
                    *report.why_not_attributed.entry(f.as_str()).or_default() += 1;
                }
                Err(f) => {
                    report.failed += 1;
                    *report.failures.entry(f.as_str()).or_default() += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Why a served connection was not attributed, in words.
pub fn not_attributed_words(why: &str) -> String {
    match why {
        "owner_gone" => tr!("watch-why-owner_gone"),
        "owner_unclear" => tr!("watch-why-owner_unclear"),
        "not_asked" => tr!("watch-why-not_asked"),
        other => other.to_string(),
    }
}

/// What one load thread remembers between its connections: the tree's pids, and where the
/// last connections were found.
struct Seen<'a> {
    pids: Vec<i32>,
    /// (pid, fd) of the last few connections found, newest first. The kernel gives a new
    /// connection the lowest free fd, which is most often the one the last connection (closed
    /// since) had: one readlink finds it, where listing the fds of a server that holds 10,000
    /// connections costs milliseconds (getdents on /proc/PID/fd is linear in the fds).
    hints: Vec<(i32, i32)>,
    /// Followed orphans of the tree, read again with it.
    orphans: &'a [i32],
}

/// The PIDs of the tree of `root` and of each followed orphan's, each once.
fn tree_pids(root: i32, orphans: &[i32]) -> Vec<i32> {
    let mut pids: Vec<i32> = Vec::new();
    for top in std::iter::once(&root).chain(orphans) {
        for p in tree(*top).unwrap_or_default() {
            if !pids.contains(&p.pid) {
                pids.push(p.pid);
            }
        }
    }
    pids
}

/// One connection: connect, ask, read the reply, find the owner, close.
fn one(
    diag: &mut SockDiag,
    root: i32,
    seen: &mut Seen,
    targets: &[SocketAddr],
    target: &AtomicUsize,
) -> Result<i32, Failure> {
    let mut stream = connect(targets, target)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(|e| Failure::from_io(&e))?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(|e| Failure::from_io(&e))?;
    let server = stream.peer_addr().map_err(|e| Failure::from_io(&e))?;
    let client = stream.local_addr().map_err(|e| Failure::from_io(&e))?;
    let request = format!("GET / HTTP/1.1\r\nHost: {server}\r\nUser-Agent: forklab-watch\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| Failure::from_io(&e))?;
    read_reply(&mut stream, Instant::now() + TIMEOUT)?;
    let owner = owner(diag, root, seen, server, client);
    drop(stream);
    owner
}

fn connect(targets: &[SocketAddr], target: &AtomicUsize) -> Result<TcpStream, Failure> {
    let first = target.load(Ordering::Relaxed);
    let mut last = Failure::Other;
    for (i, addr) in targets.iter().enumerate().skip(first) {
        match TcpStream::connect_timeout(addr, TIMEOUT) {
            Ok(s) => {
                target.store(i, Ordering::Relaxed);
                return Ok(s);
            }
            Err(e) => last = Failure::from_io(&e),
        }
    }
    Err(last)
}

/// Wait until a process of the tree holds the server side of (server, client). The workers are
/// asked first, the root last: the reply has come, so whoever answered holds the connection,
/// and a primary that hands connections on (Node's round-robin) may still hold its copy for a
/// moment; the root owns it only when no other process of the tree holds it.
fn owner(
    diag: &mut SockDiag,
    root: i32,
    seen: &mut Seen,
    server: SocketAddr,
    client: SocketAddr,
) -> Result<i32, Failure> {
    let deadline = Instant::now() + OWNER_TIMEOUT;
    let mut pause = Duration::from_micros(200);
    loop {
        let inode = match diag.tcp_exact(server, client) {
            Ok(Some(s)) if s.inode != 0 => s.inode,
            // Gone, or orphaned (closed by the server, in FIN-WAIT or TIME-WAIT): no file,
            // so no process, holds it any more.
            Ok(_) => return Err(Failure::OwnerGone),
            Err(_) => return Err(Failure::NotAsked),
        };
        // Where the last connections were, then every worker, then the root.
        let hinted =
            seen.hints.iter().copied().find(|&(pid, fd)| pid != root && procfs::socket_inode(pid, fd) == Some(inode));
        let workers: Vec<i32> = seen.pids.iter().copied().filter(|p| *p != root).collect();
        let found =
            hinted.or_else(|| procfs::find_socket(&workers, inode)).or_else(|| procfs::find_socket(&[root], inode));
        if let Some((pid, fd)) = found {
            seen.hints.retain(|h| *h != (pid, fd));
            seen.hints.insert(0, (pid, fd));
            seen.hints.truncate(8);
            return Ok(pid);
        }
        // A process the tree did not have when the list was made (a respawned worker).
        seen.pids = tree_pids(root, seen.orphans);
        if Instant::now() >= deadline {
            return Err(Failure::OwnerUnclear);
        }
        // There is no event for "an fd table changed": look again shortly.
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(2));
    }
}

/// Read one whole reply by `deadline`: the head, then its body by Content-Length, by chunks,
/// or to EOF, up to MAX_BODY bytes of it.
fn read_reply(stream: &mut TcpStream, deadline: Instant) -> Result<(), Failure> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let (head_len, body) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => break (len, body_of(&response)),
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            _ => return Err(Failure::BadResponse),
        }
        match read_by(stream, &mut chunk, deadline)? {
            0 => return Err(Failure::ClosedEarly),
            k => buf.extend_from_slice(&chunk[..k]),
        }
    };
    // Of the body, only its length and its last bytes (the end of chunks) are kept.
    let mut got = buf.len() - head_len;
    let mut tail = buf.split_off(head_len);
    loop {
        let done = match body {
            Body::Length(len) => got >= len,
            // The last chunk is `0\r\n` and an empty trailer line (RFC 9112 §7.1).
            Body::Chunked => tail.ends_with(b"0\r\n\r\n"),
            Body::ToEof => false,
        };
        if done || got >= MAX_BODY {
            return Ok(());
        }
        match read_by(stream, &mut chunk, deadline)? {
            0 if body == Body::ToEof => return Ok(()),
            0 => return Err(Failure::ClosedEarly),
            k => {
                got += k;
                tail.extend_from_slice(&chunk[..k]);
                tail.drain(..tail.len().saturating_sub(5));
            }
        }
    }
}

/// One read that waits no later than `deadline`: each read's own timeout alone let a server
/// that trickles its reply hold the connection for ever.
fn read_by(stream: &mut TcpStream, chunk: &mut [u8], deadline: Instant) -> Result<usize, Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Failure::Timeout);
    }
    stream.set_read_timeout(Some(left)).map_err(|e| Failure::from_io(&e))?;
    stream.read(chunk).map_err(|e| Failure::from_io(&e))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(usize),
    Chunked,
    ToEof,
}

fn body_of(response: &httparse::Response<'_, '_>) -> Body {
    for h in response.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        if h.name.eq_ignore_ascii_case("content-length") {
            if let Ok(len) = value.trim().parse() {
                return Body::Length(len);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") && value.to_ascii_lowercase().contains("chunked") {
            return Body::Chunked;
        }
    }
    // 1xx, 204 and 304 have no body (RFC 9112 §6.3).
    match response.code {
        Some(c) if c < 200 || c == 204 || c == 304 => Body::Length(0),
        _ => Body::ToEof,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serve `reply` once on a local listener, keeping the connection open afterwards (a
    /// client that stops reading before its end fails the server's write, not the test).
    fn reply_with(reply: impl Into<Vec<u8>>) -> (TcpStream, std::thread::JoinHandle<TcpStream>) {
        let reply = reply.into();
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf).unwrap();
            let _ = s.write_all(&reply);
            s
        });
        let mut c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        (c, server)
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(30)
    }

    #[test]
    fn a_reply_is_whole_by_length_by_chunks_or_not_at_all() {
        let (mut c, s) = reply_with(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(read_reply(&mut c, soon()), Ok(()));
        drop(s.join());
        let (mut c, s) = reply_with(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assert_eq!(read_reply(&mut c, soon()), Ok(()));
        drop(s.join());
        // The server closes after half a body: not a completed connection.
        let (mut c, s) = reply_with(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
        drop(s.join().unwrap());
        assert_eq!(read_reply(&mut c, soon()), Err(Failure::ClosedEarly));
        let (mut c, s) = reply_with(b"SSH-2.0-OpenSSH\r\n\r\n");
        assert_eq!(read_reply(&mut c, soon()), Err(Failure::BadResponse));
        drop(s.join());
    }

    /// A body with no end (a stream) is read up to MAX_BODY, and the connection was served;
    /// it was read and kept until the server stopped, and here (the server goes quiet, the
    /// connection open) failed as a timeout. A reply not whole by the deadline is a timeout.
    #[test]
    fn a_reply_is_read_up_to_a_bound_by_a_deadline() {
        let mut stream = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        stream.resize(stream.len() + MAX_BODY + 1, b'x');
        let (mut c, s) = reply_with(stream);
        assert_eq!(read_reply(&mut c, soon()), Ok(()));
        drop(c);
        drop(s.join());
        let (mut c, s) = reply_with(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
        assert_eq!(read_reply(&mut c, Instant::now()), Err(Failure::Timeout));
        drop(s.join());
    }

    #[test]
    fn the_owner_of_a_connection_is_the_process_holding_its_server_side() {
        let me = std::process::id() as i32;
        let (c, s) = reply_with(b"HTTP/1.1 204 No Content\r\n\r\n");
        let server_side = s.join().unwrap();
        let mut diag = SockDiag::open().unwrap();
        let mut seen = Seen { pids: vec![me], hints: Vec::new(), orphans: &[] };
        let (server, client) = (c.peer_addr().unwrap(), c.local_addr().unwrap());
        assert_eq!(owner(&mut diag, me, &mut seen, server, client), Ok(me));
        // A hint that points elsewhere (another pid's fd, this fd in a pid that is not the
        // root) is checked, not believed: the owner is still found by its fd table.
        seen.hints = vec![(me + 1_000_000, 3)];
        assert_eq!(owner(&mut diag, me, &mut seen, server, client), Ok(me));
        // Closed by the server: nobody holds it any more.
        drop(server_side);
        assert_eq!(owner(&mut diag, me, &mut seen, server, client), Err(Failure::OwnerGone));
    }

    /// A server that replies and closes (to EOF, no Content-Length): each connection was
    /// served, and its owner was gone before forklab looked. Served, not attributed, not failed;
    /// a port nothing listens on is refused: failed.
    #[test]
    fn a_reply_whose_connection_closed_is_served_not_failed() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            for _ in 0..3 {
                let (mut s, _) = l.accept().unwrap();
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).unwrap();
                s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello").unwrap();
            }
        });
        let me = std::process::id() as i32;
        let r = fire(me, addr.port(), &[addr], 3, 1).unwrap();
        server.join().unwrap();
        assert_eq!((r.fired, r.served, r.completed, r.not_attributed, r.failed), (3, 3, 0, 3, 0), "{r:?}");
        assert_eq!(r.why_not_attributed.get("owner_gone"), Some(&3), "{r:?}");
        assert!(r.failures.is_empty(), "{r:?}");
        let json = serde_json::to_value(&r).unwrap();
        for key in ["fired", "completed", "failed", "per_process", "port", "failures", "served", "not_attributed"] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }

        let gone = TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = gone.local_addr().unwrap();
        drop(gone);
        let r = fire(me, closed.port(), &[closed], 2, 1).unwrap();
        assert_eq!((r.fired, r.served, r.failed), (2, 0, 2), "{r:?}");
        assert_eq!(r.failures.get("refused"), Some(&2), "{r:?}");
    }
}
