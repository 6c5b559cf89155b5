//! The load client role (`forklab __client ...`): opens the lesson's connections to
//! 127.0.0.1:port and reports, as JSON lines on stdout, which worker served each one.
//!
//! `concurrency` threads take connection numbers from one atomic counter, so every number in
//! `0..connections` is fired exactly once. Each connection sends `keepalive` requests one
//! after another, reads every reply whole (head with httparse, then exactly Content-Length
//! body bytes) and, after the last reply (sent with `Connection: close`), reads on until the
//! server closes. The server closes first, so the TIME_WAIT lands on the server's side (the side
//! that closes first keeps it, RFC 9293) and not on the client's ephemeral ports; at tens of
//! thousands of short connections a second the client could otherwise run short of local
//! ports, even with Linux's loopback TIME_WAIT reuse (`net.ipv4.tcp_tw_reuse` = 2).
//!
//! Every connection ends as one [`ConnRecord`], sent over a channel to the one thread that
//! owns the output: it prints the record when streaming and adds it to the tally, so the
//! lines never interleave and the summary counts exactly what was fired.

use crate::proto::client::{ClientArgs, ClientSummary, ConnError, ConnRecord};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TryRecvError};
use std::time::{Duration, Instant};

/// A reply head longer than this is not a forklab worker's: `bad_response`.
const MAX_HEAD: usize = 16 * 1024;
/// A worker sends a handful of headers; more than this is `bad_response`.
const MAX_HEADERS: usize = 32;
/// The bytes one `read` asks for.
const CHUNK: usize = 4096;
/// A firing thread keeps its buffers on the heap; a small stack lets `concurrency` be large.
const THREAD_STACK: usize = 256 * 1024;
/// Records waiting for the writer; a full queue makes the firing threads wait (backpressure
/// instead of memory when the reader of our stdout is slow).
const QUEUE: usize = 4096;

/// Fires the connections and prints the lines to `out`; returns when every connection has
/// ended. Every socket operation has a timeout, so this always returns.
pub fn run(args: &ClientArgs, out: &mut impl Write) -> Result<()> {
    if args.keepalive == 0 {
        bail!("{}", tr!("client-keepalive-zero"));
    }
    if args.timeout_ms == 0 {
        bail!("{}", tr!("client-timeout-zero"));
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let next = AtomicU64::new(0);
    let threads = args.concurrency.max(1).min(args.connections);
    let started = Instant::now();
    let mut tally = Tally::default();

    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = mpsc::sync_channel::<ConnRecord>(QUEUE);
        for t in 0..threads {
            let tx = tx.clone();
            let next = &next;
            std::thread::Builder::new()
                .name(format!("client-{t}"))
                .stack_size(THREAD_STACK)
                .spawn_scoped(scope, move || fire(addr, args, timeout, next, tx))
                .with_context(|| tr!("client-starting-thread", t = t, threads = threads))?;
        }
        // Only the firing threads hold senders now: `recv` fails once all of them are done.
        // An early return drops `rx`, so the threads stop after their current connection.
        drop(tx);
        loop {
            let rec = match rx.try_recv() {
                Ok(rec) => rec,
                Err(TryRecvError::Empty) => {
                    // Flush while idle, not per line: live when slow, batched under load.
                    if args.stream {
                        out.flush().with_context(|| tr!("client-flushing-lines"))?;
                    }
                    match rx.recv() {
                        Ok(rec) => rec,
                        Err(_) => break,
                    }
                }
                Err(TryRecvError::Disconnected) => break,
            };
            tally.add(&rec);
            if args.stream {
                serde_json::to_writer(&mut *out, &rec).with_context(|| tr!("client-writing-line", conn = rec.conn))?;
                out.write_all(b"\n").with_context(|| tr!("client-writing-line", conn = rec.conn))?;
            }
        }
        Ok(())
    })?;

    let summary = tally.summary(started.elapsed());
    serde_json::to_writer(&mut *out, &summary).with_context(|| tr!("client-writing-summary"))?;
    out.write_all(b"\n").with_context(|| tr!("client-writing-summary"))?;
    out.flush().with_context(|| tr!("client-flushing-summary"))?;
    Ok(())
}

/// One firing thread: takes connection numbers until they run out or the writer is gone.
fn fire(addr: SocketAddr, args: &ClientArgs, timeout: Duration, next: &AtomicU64, tx: SyncSender<ConnRecord>) {
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let Ok(conn) = u32::try_from(n) else { return };
        if conn >= args.connections {
            return;
        }
        let rec = connection(addr, conn, args, timeout, &mut buf);
        if tx.send(rec).is_err() {
            return;
        }
    }
}

/// The worker named by a reply's `X-Worker: W2 pid 1234`.
#[derive(Debug, Clone, PartialEq)]
struct Worker {
    alias: String,
    pid: Option<i32>,
}

/// How a connection went wrong, and who (if anyone) had answered on it before.
struct Failure {
    kind: ConnError,
    answered: Answered,
}

impl From<ConnError> for Failure {
    fn from(kind: ConnError) -> Self {
        Failure { kind, answered: Answered::default() }
    }
}

/// What the whole replies of one connection said so far.
#[derive(Debug, Clone, Default)]
struct Answered {
    /// The worker of the last reply.
    last: Option<Worker>,
    replies: u32,
    /// Workers that answered before and are not `last`, each once.
    others: Vec<String>,
    /// The last reply's `X-Visit`.
    visit: Option<u64>,
}

impl Answered {
    fn add(&mut self, reply: Reply) {
        self.replies += 1;
        if let Some(last) = self.last.take()
            && last.alias != reply.worker.alias
            && !self.others.contains(&last.alias)
        {
            self.others.push(last.alias);
        }
        self.others.retain(|a| *a != reply.worker.alias);
        self.last = Some(reply.worker);
        self.visit = reply.visit;
    }

    /// The record of a connection that ended with these replies.
    fn record(self, conn: u32, error: Option<ConnError>, us: u64) -> ConnRecord {
        ConnRecord {
            conn,
            ok: error.is_none(),
            pid: self.last.as_ref().and_then(|w| w.pid),
            worker: self.last.map(|w| w.alias),
            error,
            us,
            replies: (self.replies > 1).then_some(self.replies),
            others: self.others,
            visit: self.visit,
        }
    }
}

/// Opens one connection, runs its requests and turns the outcome into its record.
fn connection(addr: SocketAddr, conn: u32, args: &ClientArgs, timeout: Duration, buf: &mut Vec<u8>) -> ConnRecord {
    buf.clear();
    let start = Instant::now();
    match converse(addr, conn, args, timeout, buf) {
        Ok((answered, end)) => answered.record(conn, None, micros(end - start)),
        Err(failure) => failure.answered.record(conn, Some(failure.kind), micros(start.elapsed())),
    }
}

/// The whole life of one connection. On success: what its replies said and the moment the
/// last one was whole.
fn converse(
    addr: SocketAddr,
    conn: u32,
    args: &ClientArgs,
    timeout: Duration,
    buf: &mut Vec<u8>,
) -> Result<(Answered, Instant), Failure> {
    let keepalive = args.keepalive;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| classify(&e))?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| classify(&e))?;
    // Each request is one write; without this, Nagle could hold a keep-alive request back
    // behind a delayed ACK (tcp(7) TCP_NODELAY).
    stream.set_nodelay(true).map_err(|e| classify(&e))?;

    let mut answered = Answered::default();
    let mut request = String::with_capacity(96);
    for j in 0..keepalive {
        let last = j + 1 == keepalive;
        request.clear();
        let path = if args.visit { "/visit".to_string() } else { format!("/conn/{conn}/req/{j}") };
        request.push_str(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {}\r\n\r\n",
            if last { "close" } else { "keep-alive" }
        ));
        let deadline = Instant::now() + timeout;
        let reply = stream
            .write_all(request.as_bytes())
            .map_err(|e| classify(&e))
            .and_then(|()| read_reply(&mut stream, buf, deadline));
        let reply = match reply {
            Ok(reply) => reply,
            Err(kind) => return Err(Failure { kind, answered }),
        };
        let closing = reply.closing;
        answered.add(reply);
        if closing && !last {
            // The server will close after this reply: the next request cannot be served.
            return Err(Failure { kind: ConnError::ClosedEarly, answered });
        }
    }
    let end = Instant::now();
    match wait_for_close(&mut stream, buf, Instant::now() + timeout) {
        Ok(()) => Ok((answered, end)),
        Err(kind) => Err(Failure { kind, answered }),
    }
}

/// What a whole reply told us.
struct Reply {
    worker: Worker,
    /// The server said `Connection: close`.
    closing: bool,
    /// `X-Visit: N`: the worker's count of the visits it served.
    visit: Option<u64>,
}

/// Reads one whole reply: the head (as many reads as it takes), then exactly Content-Length
/// body bytes. Bytes read past the end of this reply stay in `buf`.
fn read_reply(stream: &mut TcpStream, buf: &mut Vec<u8>, deadline: Instant) -> Result<Reply, ConnError> {
    let mut chunk = [0u8; CHUNK];
    let (head_len, reply, body_len) = loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(buf) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let (reply, body_len) = check_head(&response)?;
                    break (head_len, reply, body_len);
                }
                Ok(httparse::Status::Partial) => {}
                Err(_) => return Err(ConnError::BadResponse),
            }
        }
        if buf.len() >= MAX_HEAD {
            return Err(ConnError::BadResponse);
        }
        let n = read_some(stream, &mut chunk, deadline)?;
        if n == 0 {
            return Err(ConnError::ClosedEarly);
        }
        buf.extend_from_slice(&chunk[..n]);
    };

    let buffered = (buf.len() - head_len).min(body_len);
    buf.drain(..head_len + buffered);
    let mut missing = body_len - buffered;
    while missing > 0 {
        let want = missing.min(CHUNK);
        let n = read_some(stream, &mut chunk[..want], deadline)?;
        if n == 0 {
            return Err(ConnError::ClosedEarly);
        }
        missing -= n;
    }
    Ok(reply)
}

/// Checks a complete head: 200, a worker, a body length we can read.
fn check_head(response: &httparse::Response<'_, '_>) -> Result<(Reply, usize), ConnError> {
    if response.code != Some(200) {
        return Err(ConnError::BadResponse);
    }
    let mut worker = None;
    let mut body_len: Option<usize> = None;
    let mut closing = false;
    let mut visit = None;
    for header in response.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("x-worker") {
            worker = Some(parse_worker(header.value).ok_or(ConnError::BadResponse)?);
        } else if name.eq_ignore_ascii_case("content-length") {
            let len = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or(ConnError::BadResponse)?;
            if body_len.is_some_and(|seen| seen != len) {
                return Err(ConnError::BadResponse);
            }
            body_len = Some(len);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Workers always send Content-Length; a chunked body is not theirs.
            return Err(ConnError::BadResponse);
        } else if name.eq_ignore_ascii_case("x-visit") {
            let n = std::str::from_utf8(header.value).ok().and_then(|v| v.trim().parse::<u64>().ok());
            visit = Some(n.ok_or(ConnError::BadResponse)?);
        } else if name.eq_ignore_ascii_case("connection") {
            closing |=
                header.value.split(|&b| b == b',').any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"));
        }
    }
    match (worker, body_len) {
        (Some(worker), Some(body_len)) => Ok((Reply { worker, closing, visit }, body_len)),
        _ => Err(ConnError::BadResponse),
    }
}

/// `W2 pid 1234` → alias W2, pid 1234. The alias is required, the pid is not.
fn parse_worker(value: &[u8]) -> Option<Worker> {
    let value = std::str::from_utf8(value).ok()?;
    let mut tokens = value.split_whitespace();
    let alias = tokens.next()?.to_string();
    let pid = match tokens.next() {
        Some("pid") => tokens.next().and_then(|p| p.parse().ok()),
        _ => None,
    };
    Some(Worker { alias, pid })
}

/// After the last reply: read until the server closes. Anything but EOF (or a RST, which
/// also closes it) means the server did not finish the way it said it would.
fn wait_for_close(stream: &mut TcpStream, buf: &[u8], deadline: Instant) -> Result<(), ConnError> {
    if !buf.is_empty() {
        return Err(ConnError::BadResponse);
    }
    let mut chunk = [0u8; 256];
    match read_some(stream, &mut chunk, deadline) {
        Ok(0) => Ok(()),
        Ok(_) => Err(ConnError::BadResponse),
        // Every reply arrived whole; a server that aborts instead of closing still served
        // the connection, and no TIME_WAIT is left on either side.
        Err(ConnError::Reset) => Ok(()),
        Err(kind) => Err(kind),
    }
}

/// One `read`, given what is left of the deadline as the socket's read timeout
/// (SO_RCVTIMEO, socket(7)), so a server that dribbles bytes cannot stretch it.
fn read_some(stream: &mut TcpStream, into: &mut [u8], deadline: Instant) -> Result<usize, ConnError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ConnError::Timeout);
        }
        stream.set_read_timeout(Some(left)).map_err(|e| classify(&e))?;
        match stream.read(into) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(classify(&e)),
        }
    }
}

/// Names a socket error. A timed-out read with SO_RCVTIMEO fails with EAGAIN, which std
/// reports as `WouldBlock`; a timed-out `connect_timeout` as `TimedOut`.
fn classify(e: &io::Error) -> ConnError {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => ConnError::Refused,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => ConnError::Reset,
        K::TimedOut | K::WouldBlock => ConnError::Timeout,
        K::UnexpectedEof => ConnError::ClosedEarly,
        _ if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => ConnError::Emfile,
        _ => ConnError::Other,
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// What the writer has counted so far.
#[derive(Debug, Default)]
struct Tally {
    fired: u64,
    completed: u64,
    errors: BTreeMap<ConnError, u64>,
    per_worker: BTreeMap<String, u64>,
    kept_alive: u64,
    switched: u64,
    kept_replies: Option<(u32, u32)>,
    visits: BTreeMap<String, u64>,
    /// Completed connections only; 4 bytes each keeps a million connections at 4 MB.
    latencies_us: Vec<u32>,
}

impl Tally {
    fn add(&mut self, rec: &ConnRecord) {
        self.fired += 1;
        if let Some(n) = rec.replies.filter(|n| *n > 1) {
            self.kept_alive += 1;
            self.kept_replies = Some(self.kept_replies.map_or((n, n), |(lo, hi)| (lo.min(n), hi.max(n))));
        }
        self.switched += u64::from(!rec.others.is_empty());
        if let (Some(worker), Some(n)) = (&rec.worker, rec.visit) {
            let seen = self.visits.entry(worker.clone()).or_default();
            *seen = (*seen).max(n);
        }
        match (&rec.error, &rec.worker) {
            (None, Some(worker)) if rec.ok => {
                self.completed += 1;
                match self.per_worker.get_mut(worker.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.per_worker.insert(worker.clone(), 1);
                    }
                }
                self.latencies_us.push(u32::try_from(rec.us).unwrap_or(u32::MAX));
            }
            // A record is built either ok with a worker or failed with an error; anything
            // else would be a bug here, counted as `other` so the sums still hold.
            (error, _) => *self.errors.entry(error.unwrap_or(ConnError::Other)).or_default() += 1,
        }
    }

    fn summary(mut self, elapsed: Duration) -> ClientSummary {
        self.latencies_us.sort_unstable();
        let elapsed_s = elapsed.as_secs_f64();
        let lat = &self.latencies_us;
        ClientSummary {
            done: true,
            fired: self.fired,
            completed: self.completed,
            failed: self.fired - self.completed,
            errors: self.errors.into_iter().map(|(k, n)| (k.as_str().to_string(), n)).collect(),
            per_worker: self.per_worker,
            elapsed_s,
            conn_per_s: if elapsed_s > 0.0 { self.completed as f64 / elapsed_s } else { 0.0 },
            p50_ms: nearest_rank(lat, 50),
            p99_ms: nearest_rank(lat, 99),
            max_ms: lat.last().map_or(0.0, |&us| f64::from(us) / 1000.0),
            kept_alive: self.kept_alive,
            switched: self.switched,
            kept_replies: self.kept_replies,
            visits: self.visits,
        }
    }
}

/// The nearest-rank percentile of sorted microseconds, in milliseconds: the smallest value
/// with at least `pct`% of the values at or below it. Integer rank, so p99 of 100 values is
/// exactly the 99th.
fn nearest_rank(sorted_us: &[u32], pct: u64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let n = sorted_us.len() as u64;
    let rank = (pct * n).div_ceil(100).clamp(1, n);
    f64::from(sorted_us[(rank - 1) as usize]) / 1000.0
}

/// The `forklab __client ARGS` role: ARGS is the JSON of [`ClientArgs`].
pub fn role(args: &str) -> i32 {
    let _ = nix::sys::prctl::set_name(c"forklab-client");
    let args: ClientArgs = match serde_json::from_str(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("forklab-client: {}", tr!("client-bad-arguments", error = e.to_string()));
            return 2;
        }
    };
    let stdout = std::io::stdout();
    match run(&args, &mut stdout.lock()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("forklab-client: {e:#}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::net::TcpListener;
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;

    /// How long a test server waits on a client before giving up: only a broken build
    /// gets near it.
    const SERVER_PATIENCE: Duration = Duration::from_secs(10);

    /// What the test server does with its k-th accepted connection.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Act {
        /// Answer like a forklab worker.
        Serve,
        /// Answer like a worker, one byte per write.
        Dribble,
        /// Read the request, close without a reply.
        CloseBeforeReply,
        /// Promise 10 body bytes, send 3, close.
        ShortBody,
        /// Answer the first request, close on the second without a reply.
        CloseAfterFirst,
        /// Say `Connection: close` on the first reply even if the client asked to keep alive.
        CloseOnFirst,
        Junk,
        NotFound,
        NoWorker,
        /// Read one byte of the request and close: the unread rest makes the kernel send RST.
        Reset,
        /// Read the request and never answer.
        Silent,
        /// Answer `Connection: close` but never close.
        NoClose,
        /// Answer as this connection's worker, then as W9, in turns: a connection handed on.
        Alternate,
        /// Answer with `X-Visit: N`, N counting this connection's requests from 1.
        Visit,
    }

    /// One request as the server saw it: path and Connection header.
    type Seen = (String, String);

    struct Server {
        port: u16,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
        /// Per accepted connection, the requests it carried.
        transcripts: Arc<Mutex<Vec<Vec<Seen>>>>,
    }

    impl Server {
        /// A listener on 127.0.0.1 whose k-th connection is served by `plan(k)` as worker
        /// `W{k % workers + 1}` with pid `1000 + k % workers`.
        fn start(workers: usize, plan: fn(usize) -> Act) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let stop = Arc::new(AtomicBool::new(false));
            let transcripts = Arc::new(Mutex::new(Vec::new()));
            let thread = {
                let stop = stop.clone();
                let transcripts = transcripts.clone();
                std::thread::spawn(move || {
                    let mut handlers = Vec::new();
                    for (k, stream) in listener.incoming().enumerate() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let transcripts = transcripts.clone();
                        let alias = format!("W{}", k % workers + 1);
                        let pid = 1000 + k % workers;
                        handlers.push(std::thread::spawn(move || {
                            let seen = handle(stream, plan(k), &alias, pid);
                            transcripts.lock().unwrap().push(seen);
                        }));
                    }
                    for h in handlers {
                        h.join().unwrap();
                    }
                })
            };
            Server { port, stop, thread: Some(thread), transcripts }
        }

        /// Stops the server, waits for every handler, and returns what they saw.
        fn finish(self) -> Vec<Vec<Seen>> {
            let transcripts = self.transcripts.clone();
            drop(self);
            transcripts.lock().unwrap().clone()
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the blocked accept so the loop sees `stop`.
            let _ = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)), SERVER_PATIENCE);
            if let Some(t) = self.thread.take() {
                let joined = t.join();
                if !std::thread::panicking() {
                    joined.unwrap();
                }
            }
        }
    }

    /// Reads one request head; None on EOF, timeout or junk.
    fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Seen> {
        let mut chunk = [0u8; 1024];
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut req = httparse::Request::new(&mut headers);
            if let Ok(httparse::Status::Complete(n)) = req.parse(buf) {
                let path = req.path.unwrap().to_string();
                let host = req.headers.iter().find(|h| h.name.eq_ignore_ascii_case("host"));
                assert_eq!(host.map(|h| h.value), Some(&b"127.0.0.1"[..]));
                let conn = req
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("connection"))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned())
                    .unwrap_or_default();
                buf.drain(..n);
                return Some((path, conn));
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    fn reply(alias: &str, pid: usize, close: bool) -> String {
        let conn = if close { "close" } else { "keep-alive" };
        format!(
            "HTTP/1.1 200 OK\r\nX-Worker: {alias} pid {pid}\r\nContent-Length: 5\r\n\
             Connection: {conn}\r\n\r\nhello"
        )
    }

    /// Waits until the client closes its end (or the patience runs out).
    fn until_client_closes(stream: &mut TcpStream) {
        let mut sink = [0u8; 256];
        while let Ok(n) = stream.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
    }

    fn handle(mut stream: TcpStream, act: Act, alias: &str, pid: usize) -> Vec<Seen> {
        stream.set_read_timeout(Some(SERVER_PATIENCE)).unwrap();
        stream.set_write_timeout(Some(SERVER_PATIENCE)).unwrap();
        let mut seen = Vec::new();
        let mut buf = Vec::new();
        if act == Act::Reset {
            let _ = stream.read(&mut [0u8; 1]);
            return seen;
        }
        while let Some(req) = read_request(&mut stream, &mut buf) {
            let close = req.1 == "close";
            let first = seen.is_empty();
            seen.push(req);
            let out = match act {
                Act::Serve | Act::NoClose => reply(alias, pid, close),
                Act::Alternate if seen.len() % 2 == 0 => reply("W9", 9, close),
                Act::Alternate => reply(alias, pid, close),
                Act::Visit => reply(alias, pid, close).replacen(
                    "Content-Length",
                    &format!("X-Visit: {}\r\nContent-Length", seen.len()),
                    1,
                ),
                Act::Dribble => {
                    stream.set_nodelay(true).unwrap();
                    for b in reply(alias, pid, close).bytes() {
                        let _ = stream.write_all(&[b]);
                    }
                    if close {
                        return seen;
                    }
                    continue;
                }
                Act::CloseBeforeReply => return seen,
                Act::ShortBody => "HTTP/1.1 200 OK\r\nX-Worker: W1 pid 1\r\nContent-Length: 10\r\n\r\nabc".into(),
                Act::CloseAfterFirst if !first => return seen,
                Act::CloseAfterFirst => reply(alias, pid, close),
                Act::CloseOnFirst => reply(alias, pid, true),
                Act::Junk => "garbage that is not http\r\n\r\n".into(),
                Act::NotFound => {
                    format!("HTTP/1.1 404 Not Found\r\nX-Worker: {alias} pid {pid}\r\nContent-Length: 0\r\n\r\n")
                }
                Act::NoWorker => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".into(),
                Act::Silent => {
                    until_client_closes(&mut stream);
                    return seen;
                }
                Act::Reset => unreachable!(),
            };
            if stream.write_all(out.as_bytes()).is_err() {
                return seen;
            }
            if act == Act::NoClose && close {
                until_client_closes(&mut stream);
                return seen;
            }
            if close || act == Act::ShortBody || act == Act::CloseOnFirst {
                return seen;
            }
        }
        seen
    }

    fn args(port: u16, connections: u32, concurrency: u32, keepalive: u32) -> ClientArgs {
        ClientArgs { port, connections, concurrency, keepalive, timeout_ms: 5000, stream: false, visit: false }
    }

    /// Runs the client and returns every line it printed, parsed.
    fn run_lines(args: &ClientArgs) -> (Vec<ConnRecord>, ClientSummary) {
        let mut out = Vec::new();
        run(args, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut records = Vec::new();
        let mut summary = None;
        for line in text.lines() {
            assert!(summary.is_none(), "a line after the summary: {line}");
            // The app tells the summary by its "done" key.
            if line.contains("\"done\"") {
                summary = Some(serde_json::from_str(line).unwrap());
            } else {
                records.push(serde_json::from_str(line).unwrap());
            }
        }
        let summary = summary.expect("a summary line");
        check_sums(&summary);
        (records, summary)
    }

    fn errors(counts: &[(ConnError, u64)]) -> BTreeMap<String, u64> {
        counts.iter().map(|&(k, n)| (k.to_string(), n)).collect()
    }

    fn check_sums(s: &ClientSummary) {
        assert!(s.done);
        assert_eq!(s.completed + s.failed, s.fired);
        assert_eq!(s.errors.values().sum::<u64>(), s.failed);
        assert_eq!(s.per_worker.values().sum::<u64>(), s.completed);
        assert!(s.p50_ms <= s.p99_ms && s.p99_ms <= s.max_ms);
    }

    #[test]
    fn every_connection_is_counted_once_and_attributed_to_its_worker() {
        let server = Server::start(3, |_| Act::Serve);
        let (records, s) = run_lines(&args(server.port, 30, 4, 1));
        assert!(records.is_empty(), "no stream lines unless asked");
        assert_eq!((s.fired, s.completed, s.failed), (30, 30, 0));
        assert!(s.errors.is_empty());
        let expected: BTreeMap<String, u64> =
            [("W1".to_string(), 10), ("W2".to_string(), 10), ("W3".to_string(), 10)].into();
        assert_eq!(s.per_worker, expected);
        assert!(s.max_ms > 0.0 && s.conn_per_s > 0.0);
        let seen: BTreeSet<String> = server.finish().concat().into_iter().map(|r| r.0).collect();
        let wanted: BTreeSet<String> = (0..30).map(|i| format!("/conn/{i}/req/0")).collect();
        assert_eq!(seen, wanted);
    }

    #[test]
    fn keepalive_sends_every_request_on_one_connection_and_closes_on_the_last() {
        let server = Server::start(2, |_| Act::Serve);
        let (_, s) = run_lines(&args(server.port, 12, 3, 5));
        assert_eq!((s.fired, s.completed, s.failed), (12, 12, 0));
        let transcripts = server.finish();
        assert_eq!(transcripts.len(), 12, "one TCP connection per client connection");
        let mut conns = BTreeSet::new();
        for t in transcripts {
            assert_eq!(t.len(), 5);
            let i: u32 = t[0].0.split('/').nth(2).unwrap().parse().unwrap();
            assert!(conns.insert(i), "connection {i} fired twice");
            for (j, (path, connection)) in t.iter().enumerate() {
                assert_eq!(path, &format!("/conn/{i}/req/{j}"));
                assert_eq!(connection, if j == 4 { "close" } else { "keep-alive" });
            }
        }
        assert_eq!(conns, (0..12).collect());
    }

    #[test]
    fn stream_lines_parse_back_one_per_connection() {
        let server = Server::start(2, |k| if k % 4 == 3 { Act::Junk } else { Act::Serve });
        let args = ClientArgs { stream: true, ..args(server.port, 20, 3, 2) };
        let (records, s) = run_lines(&args);
        assert_eq!(records.len(), 20);
        let conns: BTreeSet<u32> = records.iter().map(|r| r.conn).collect();
        assert_eq!(conns, (0..20).collect());
        let ok: Vec<_> = records.iter().filter(|r| r.ok).collect();
        assert_eq!(ok.len() as u64, s.completed);
        assert_eq!((s.completed, s.failed), (15, 5));
        assert_eq!(s.errors, errors(&[(ConnError::BadResponse, 5)]));
        for r in &records {
            if r.ok {
                let w = r.worker.as_deref().unwrap();
                assert!(w == "W1" || w == "W2");
                assert_eq!(r.pid, Some(if w == "W1" { 1000 } else { 1001 }));
                assert!(r.error.is_none());
            } else {
                assert_eq!(r.error, Some(ConnError::BadResponse));
            }
        }
        let mut per_worker = BTreeMap::new();
        for r in &ok {
            *per_worker.entry(r.worker.clone().unwrap()).or_insert(0u64) += 1;
        }
        assert_eq!(per_worker, s.per_worker);
    }

    #[test]
    fn stream_line_format_matches_the_documented_one() {
        let ok = ConnRecord {
            conn: 17,
            ok: true,
            worker: Some("W2".into()),
            pid: Some(1234),
            error: None,
            us: 412,
            ..ConnRecord::default()
        };
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"conn":17,"ok":true,"worker":"W2","pid":1234,"us":412}"#);
        let failed = ConnRecord {
            conn: 17,
            ok: false,
            worker: None,
            pid: None,
            error: Some(ConnError::Reset),
            us: 9,
            ..ConnRecord::default()
        };
        assert_eq!(serde_json::to_string(&failed).unwrap(), r#"{"conn":17,"ok":false,"error":"reset","us":9}"#);
        let mut tally = Tally::default();
        tally.add(&ok);
        tally.add(&failed);
        let line = serde_json::to_string(&tally.summary(Duration::from_secs(1))).unwrap();
        assert!(
            line.starts_with(
                r#"{"done":true,"fired":2,"completed":1,"failed":1,"errors":{"reset":1},"per_worker":{"W2":1},"#
            ),
            "{line}"
        );
        let back: ClientSummary = serde_json::from_str(&line).unwrap();
        assert_eq!(back.errors, errors(&[(ConnError::Reset, 1)]));
    }

    #[test]
    fn kept_replies_are_the_fewest_and_most_of_the_kept_alive_connections() {
        let conn = |replies| ConnRecord { ok: true, worker: Some("W1".into()), replies, ..ConnRecord::default() };
        let mut tally = Tally::default();
        // One reply only (None): not kept alive, not in the range.
        for replies in [Some(10), None, Some(4), Some(7)] {
            tally.add(&conn(replies));
        }
        let s = tally.summary(Duration::from_secs(1));
        assert_eq!((s.kept_alive, s.kept_replies), (3, Some((4, 10))));
    }

    #[test]
    fn each_misbehaviour_is_named() {
        type Plan = fn(usize) -> Act;
        let cases: [(Plan, ConnError); 8] = [
            (|_| Act::CloseBeforeReply, ConnError::ClosedEarly),
            (|_| Act::ShortBody, ConnError::ClosedEarly),
            (|_| Act::Junk, ConnError::BadResponse),
            (|_| Act::NotFound, ConnError::BadResponse),
            (|_| Act::NoWorker, ConnError::BadResponse),
            (|_| Act::Reset, ConnError::Reset),
            (|_| Act::Silent, ConnError::Timeout),
            // The client waits for the server to close after the last reply.
            (|_| Act::NoClose, ConnError::Timeout),
        ];
        for (plan, kind) in cases {
            let server = Server::start(1, plan);
            // Short only where the timeout is the point, so a loaded machine cannot turn
            // another case into a timeout.
            let timeout_ms = if kind == ConnError::Timeout { 300 } else { 5000 };
            let args = ClientArgs { timeout_ms, stream: true, ..args(server.port, 3, 2, 1) };
            let (records, s) = run_lines(&args);
            assert_eq!((s.fired, s.completed, s.failed), (3, 0, 3), "{kind}");
            assert_eq!(s.errors, errors(&[(kind, 3)]), "{kind}");
            assert!(s.per_worker.is_empty());
            assert_eq!((s.p50_ms, s.p99_ms, s.max_ms), (0.0, 0.0, 0.0));
            assert!(records.iter().all(|r| !r.ok && r.error == Some(kind)));
        }
    }

    #[test]
    fn replies_from_two_workers_on_one_connection_are_counted_as_switched() {
        let server = Server::start(1, |_| Act::Alternate);
        let (records, s) = run_lines(&ClientArgs { stream: true, ..args(server.port, 3, 3, 4) });
        assert_eq!((s.completed, s.kept_alive, s.switched), (3, 3, 3));
        for r in records {
            // W1, W9, W1, W9: the last was W9, and W1 answered too.
            assert_eq!(
                (r.worker.as_deref(), r.replies, r.others.clone()),
                (Some("W9"), Some(4), vec!["W1".to_string()])
            );
        }
        // One worker for every request: kept alive, not switched.
        let server = Server::start(2, |_| Act::Serve);
        let (records, s) = run_lines(&ClientArgs { stream: true, ..args(server.port, 4, 2, 3) });
        assert_eq!((s.completed, s.kept_alive, s.switched, s.kept_replies), (4, 4, 0, Some((3, 3))));
        assert!(records.iter().all(|r| r.others.is_empty() && r.replies == Some(3)));
        // One request per connection: nothing kept alive.
        let server = Server::start(2, |_| Act::Serve);
        let (records, s) = run_lines(&ClientArgs { stream: true, ..args(server.port, 4, 2, 1) });
        assert_eq!((s.kept_alive, s.switched, s.kept_replies), (0, 0, None));
        assert!(records.iter().all(|r| r.replies.is_none()));
    }

    #[test]
    fn visits_ask_for_visit_and_keep_each_workers_highest_count() {
        let server = Server::start(2, |_| Act::Visit);
        let args = ClientArgs { stream: true, visit: true, ..args(server.port, 4, 1, 3) };
        let (records, s) = run_lines(&args);
        assert_eq!(s.completed, 4);
        assert!(records.iter().all(|r| r.visit == Some(3)));
        assert_eq!(s.visits, [("W1".to_string(), 3), ("W2".to_string(), 3)].into_iter().collect());
        let seen = server.finish();
        assert!(seen.iter().flatten().all(|(path, _)| path == "/visit"), "{seen:?}");
    }

    #[test]
    fn nothing_listening_is_refused() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (_, s) = run_lines(&args(port, 5, 2, 3));
        assert_eq!((s.fired, s.completed, s.failed), (5, 0, 5));
        assert_eq!(s.errors, errors(&[(ConnError::Refused, 5)]));
    }

    #[test]
    fn a_failure_after_a_served_request_names_the_worker() {
        let server = Server::start(1, |_| Act::CloseAfterFirst);
        let args = ClientArgs { stream: true, ..args(server.port, 4, 2, 3) };
        let (records, s) = run_lines(&args);
        assert_eq!(s.errors, errors(&[(ConnError::ClosedEarly, 4)]));
        for r in records {
            assert_eq!((r.worker.as_deref(), r.pid), (Some("W1"), Some(1000)));
        }
    }

    #[test]
    fn a_server_closing_before_the_last_request_is_closed_early() {
        let server = Server::start(1, |_| Act::CloseOnFirst);
        let (_, s) = run_lines(&args(server.port, 4, 2, 3));
        assert_eq!(s.errors, errors(&[(ConnError::ClosedEarly, 4)]));
        // With one request, `Connection: close` is the expected end.
        let server = Server::start(1, |_| Act::CloseOnFirst);
        let (_, s) = run_lines(&args(server.port, 4, 2, 1));
        assert_eq!((s.completed, s.failed), (4, 0));
    }

    #[test]
    fn mixed_failures_are_accounted_exactly() {
        let server = Server::start(2, |k| match k % 3 {
            0 => Act::Reset,
            1 => Act::NotFound,
            _ => Act::Serve,
        });
        let (_, s) = run_lines(&args(server.port, 30, 5, 1));
        assert_eq!((s.fired, s.completed, s.failed), (30, 10, 20));
        assert_eq!(s.errors, errors(&[(ConnError::Reset, 10), (ConnError::BadResponse, 10)]));
        // Served connections are k = 2, 5, 8, ...: alternately W1 and W2.
        assert_eq!(s.per_worker, [("W1".to_string(), 5), ("W2".to_string(), 5)].into());
    }

    #[test]
    fn replies_in_pieces_are_reassembled() {
        let server = Server::start(1, |_| Act::Dribble);
        let (_, s) = run_lines(&args(server.port, 3, 3, 3));
        assert_eq!((s.completed, s.failed), (3, 0));
    }

    #[test]
    fn concurrency_above_connections_and_zero_connections() {
        let server = Server::start(1, |_| Act::Serve);
        let (_, s) = run_lines(&args(server.port, 2, 50, 1));
        assert_eq!((s.fired, s.completed), (2, 2));
        let (_, s) = run_lines(&args(server.port, 0, 4, 1));
        assert_eq!((s.fired, s.completed, s.failed), (0, 0, 0));
        assert_eq!(s.p50_ms, 0.0);
    }

    #[test]
    fn arguments_that_could_hang_or_send_nothing_are_refused() {
        let mut out = Vec::new();
        let err = run(&ClientArgs { keepalive: 0, ..args(1, 1, 1, 1) }, &mut out).unwrap_err();
        assert!(err.to_string().contains("keepalive is 0"), "{err}");
        let err = run(&ClientArgs { timeout_ms: 0, ..args(1, 1, 1, 1) }, &mut out).unwrap_err();
        assert!(err.to_string().contains("timeout_ms is 0"), "{err}");
        assert!(out.is_empty());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let us: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(nearest_rank(&us, 50), 50.0);
        assert_eq!(nearest_rank(&us, 99), 99.0);
        assert_eq!(nearest_rank(&[7000], 50), 7.0);
        assert_eq!(nearest_rank(&[1000, 2000, 3000], 50), 2.0);
        assert_eq!(nearest_rank(&[1000, 2000, 3000], 99), 3.0);
        assert_eq!(nearest_rank(&[], 99), 0.0);
    }

    #[test]
    fn socket_errors_are_classified() {
        use io::ErrorKind as K;
        for (kind, want) in [
            (K::ConnectionRefused, ConnError::Refused),
            (K::ConnectionReset, ConnError::Reset),
            (K::BrokenPipe, ConnError::Reset),
            (K::WouldBlock, ConnError::Timeout),
            (K::TimedOut, ConnError::Timeout),
            (K::UnexpectedEof, ConnError::ClosedEarly),
            (K::AddrNotAvailable, ConnError::Other),
        ] {
            assert_eq!(classify(&io::Error::from(kind)), want, "{kind:?}");
        }
        for errno in [libc::EMFILE, libc::ENFILE] {
            assert_eq!(classify(&io::Error::from_raw_os_error(errno)), ConnError::Emfile);
        }
    }

    #[test]
    fn worker_header_is_alias_then_pid() {
        assert_eq!(parse_worker(b"W2 pid 1234"), Some(Worker { alias: "W2".into(), pid: Some(1234) }));
        assert_eq!(parse_worker(b"W7"), Some(Worker { alias: "W7".into(), pid: None }));
        assert_eq!(parse_worker(b"  "), None);
    }
}
