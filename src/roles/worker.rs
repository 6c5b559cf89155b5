//! The worker: what a Node worker is, in Rust. One thread, one event loop (epoll(7)) over its
//! listener or its channel and every open connection, so a keep-alive client never starves the
//! others. In `blocking` mode it is instead the classic pre-fork worker: it blocks in accept(2)
//! and serves one connection at a time.
//!
//! A worker is created by the master with a real fork(), never exec'd: it runs on the memory
//! it got as a copy of the master's.

use crate::proto::mode::Mode;
use crate::proto::{Event, HowListening, WorkerCmd};
use crate::roles::http::{self, Parsed};
use crate::sys::chan::{Chan, Recv};
use crate::sys::procfs;
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::socket::{MsgFlags, SockFlag, accept4, send};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const CHAN: u64 = 0;
const LISTENER: u64 = 1;
/// Connection tokens are the fd number plus this.
const CONN_BASE: u64 = 16;
/// How often, at most, a worker reports its counters: an accepted connection reaches the screen
/// within one frame, but 20,000 connections a second do not become 20,000 messages.
const REPORT_EVERY: Duration = Duration::from_millis(20);
/// A client that sends nothing for this long is timed out (a slow client must not hold a
/// connection forever).
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// A request must arrive whole within this long of its first byte. A client that trickles a
/// byte now and then (slowloris) never looks idle, so the idle timeout alone would let it hold
/// a connection forever; this answers it 408 and closes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// After an error reply (400, 413, 431) the worker stops writing but reads and discards what
/// the client is still sending, for at most this long and this many bytes, before it closes.
/// Closing with unread bytes would send a RST that can destroy the reply before the client
/// reads it (RFC 9112 §9.6, nginx's `lingering_close`).
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 4 * 1024 * 1024;
/// Out of fds (EMFILE, ENFILE) the listener stays readable, so a level-triggered epoll would
/// wake the worker in a loop with nothing it can accept: it stops watching the listener for
/// this long instead, while its open connections finish or time out. The connections wait in
/// the kernel's listen queue meanwhile.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// Replies waiting for a client that does not read them: past this the worker stops reading
/// (and answering) that connection until it drains. A pipelined 18-byte request gets a reply
/// eight times its size, so without the cap a client that sends and never reads grew a
/// worker by 130 MB in 8 s (measured); with it, the kernel's buffers push back on the client.
const OUT_CAP: usize = 64 * 1024;

/// The fault suite's switches, read once when a worker starts. Only tests set them.
#[derive(Clone, Copy)]
struct TestSwitches {
    /// `FORKLAB_TEST_TIMEOUT_MS`: both timeouts above, shortened so a test need not wait 10 s.
    timeout: Option<Duration>,
    /// `FORKLAB_TEST_JUNK=1`: a request for `/__test/junk` or `/__test/oversized` makes the worker
    /// send a malformed or oversized packet on its channel, to prove the master drops it.
    junk: bool,
}

impl TestSwitches {
    fn read() -> TestSwitches {
        let timeout =
            std::env::var("FORKLAB_TEST_TIMEOUT_MS").ok().and_then(|v| v.parse().ok()).map(Duration::from_millis);
        TestSwitches { timeout, junk: std::env::var_os("FORKLAB_TEST_JUNK").is_some_and(|v| v == "1") }
    }
    fn idle(&self) -> Duration {
        self.timeout.unwrap_or(IDLE_TIMEOUT)
    }
    fn request(&self) -> Duration {
        self.timeout.unwrap_or(REQUEST_TIMEOUT)
    }
}

/// Everything a worker starts with.
pub struct Setup {
    pub alias: String,
    pub mode: Mode,
    pub port: u16,
    pub chan: Chan,
    /// The listener inherited across fork(), if the master opened it before forking.
    pub inherited: Option<OwnedFd>,
    /// Whether to wait for the listener over the channel (handle passing).
    pub expect_passed: bool,
    /// Exit with code 1 as soon as the worker starts (the crash lesson's crash loop: a worker
    /// that fails at every start, like one reading a broken config file).
    pub crash_at_start: bool,
}

/// A counter in this process's memory. The master's copy stays 0; each forked worker gets a
/// copy-on-write copy of it and changes only its own (fork(2)).
pub static COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
struct Counters {
    accepted: u64,
    requests: u64,
    wakeups: u64,
    empty_wakeups: u64,
    unreported: u64,
}

struct Conn {
    stream: TcpStream,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    /// Requests answered on this connection.
    served: u64,
    close_after_write: bool,
    last_active: Instant,
    /// When the request now in `inbuf` began to arrive.
    request_started: Option<Instant>,
    /// The reply was an error: after it is written, linger (see LINGER).
    rejected: bool,
    /// Lingering since then, having discarded this many bytes.
    lingering: Option<(Instant, usize)>,
    /// The events this connection is registered for (see `update_interest`); none until it
    /// first has to wait.
    interest: EpollFlags,
    /// TCP_NODELAY is set (see `on_conn`).
    nodelay: bool,
}

impl Conn {
    /// After `requests` were answered: the request clock stops when nothing is left, and starts
    /// again for the rest, which is the start of the next pipelined request.
    fn answered(&mut self, requests: u64, now: Instant) {
        if self.inbuf.is_empty() {
            self.request_started = None;
        } else if requests > 0 {
            self.request_started = Some(now);
        }
    }

    fn new(stream: TcpStream, now: Instant) -> Conn {
        Conn {
            stream,
            inbuf: Vec::new(),
            out: Vec::new(),
            served: 0,
            close_after_write: false,
            last_active: now,
            request_started: None,
            rejected: false,
            lingering: None,
            interest: EpollFlags::empty(),
            nodelay: false,
        }
    }
}

struct Worker {
    alias: String,
    pid: i32,
    mode: Mode,
    chan: Chan,
    listener: Option<OwnedFd>,
    epoll: Epoll,
    conns: HashMap<RawFd, Conn>,
    counts: Counters,
    last_report: Instant,
    stopping: bool,
    switches: TestSwitches,
    /// Not watching the listener until then (see ACCEPT_PAUSE).
    accept_paused: Option<Instant>,
    /// Where connections are read into before their bytes join the connection's own buffer:
    /// one buffer for the worker, in both loops, not 16 KiB zeroed on the stack for every read
    /// or every connection.
    rbuf: Box<[u8]>,
    /// The loop's clock, read once each time epoll_wait returns and used for everything that
    /// batch does, as libuv caches its loop time (`uv_now`): one clock read per wake-up, not
    /// several per connection.
    now: Instant,
}

/// Run the worker until it is told to stop or its master is gone; returns the exit code.
pub fn run(setup: Setup) -> i32 {
    match start(setup) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("forklab-worker: {e:#}");
            1
        }
    }
}

fn start(setup: Setup) -> anyhow::Result<i32> {
    let pid = std::process::id() as i32;
    let Setup { alias, mode, port, chan, inherited, expect_passed, crash_at_start } = setup;
    if crash_at_start {
        eprintln!("forklab-worker {alias}: failing at start (the crash lesson's crash loop)");
        std::process::exit(1);
    }
    let (listener, how) = if mode == Mode::Reuseport {
        (Some(crate::sys::listener::open_listener(port, true, true)?.0), Some(HowListening::Reuseport))
    } else if let Some(fd) = inherited {
        (Some(fd), Some(HowListening::Inherited))
    } else if expect_passed {
        (Some(wait_for_listener(&chan)?), Some(HowListening::Received))
    } else {
        (None, None)
    };
    if let (Some(l), Some(how)) = (&listener, how) {
        let fd = l.as_raw_fd();
        let inode = procfs::socket_inode(pid, fd).unwrap_or(0);
        let ev = Event::Listening { alias: alias.clone(), pid, port, fd, inode, how };
        let _ = chan.send(&ev, &[], false);
    }
    let mut w = Worker {
        alias,
        pid,
        mode,
        chan,
        listener,
        epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?,
        conns: HashMap::new(),
        counts: Counters::default(),
        last_report: Instant::now(),
        stopping: false,
        switches: TestSwitches::read(),
        accept_paused: None,
        rbuf: vec![0u8; 16 * 1024].into_boxed_slice(),
        now: Instant::now(),
    };
    if mode == Mode::Blocking {
        return Ok(w.blocking_loop());
    }
    w.event_loop()
}

/// Handle passing: the master forked us before its listener existed; it arrives over
/// SCM_RIGHTS under whatever fd number is free in our table.
fn wait_for_listener(chan: &Chan) -> anyhow::Result<OwnedFd> {
    loop {
        match chan.recv::<WorkerCmd>(false)? {
            Recv::Msg(WorkerCmd::Listener, mut fds) if !fds.is_empty() => return Ok(fds.remove(0)),
            Recv::Msg(WorkerCmd::Stop, _) | Recv::Eof => std::process::exit(0),
            Recv::Msg(..) | Recv::Empty => continue,
        }
    }
}

impl Worker {
    fn event_loop(&mut self) -> anyhow::Result<i32> {
        self.epoll.add(self.chan.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, CHAN))?;
        self.watch_listener()?;
        let mut events = vec![EpollEvent::empty(); 256];
        let mut last_sweep = self.now;
        loop {
            let waited = self.epoll.wait(&mut events, self.wait_timeout());
            self.now = Instant::now();
            let n = match waited {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            };
            for ev in &events[..n] {
                match ev.data() {
                    CHAN => {
                        if let Some(code) = self.on_channel() {
                            return Ok(code);
                        }
                    }
                    LISTENER => self.on_listener(),
                    token => self.on_conn((token - CONN_BASE) as RawFd, ev.events()),
                }
            }
            self.report(false);
            self.resume_accepting();
            if self.now.duration_since(last_sweep) >= Duration::from_secs(1) {
                self.close_idle();
                last_sweep = self.now;
            }
            if self.stopping && self.conns.is_empty() {
                self.report(true);
                return Ok(0);
            }
        }
    }

    fn watch_listener(&self) -> nix::Result<()> {
        if let Some(l) = &self.listener {
            let mut flags = EpollFlags::EPOLLIN;
            if self.mode == Mode::Exclusive {
                // Linux 4.5: wake one or more of the epoll instances waiting on this socket,
                // not all of them (epoll_ctl(2)).
                flags |= EpollFlags::EPOLLEXCLUSIVE;
            }
            self.epoll.add(l.as_fd(), EpollEvent::new(flags, LISTENER))?;
        }
        Ok(())
    }

    /// Watch the listener again once an accept pause is over.
    fn resume_accepting(&mut self) {
        if self.accept_paused.is_some_and(|t| self.now >= t) {
            self.accept_paused = None;
            let _ = self.watch_listener();
        }
    }

    fn wait_timeout(&self) -> EpollTimeout {
        let mut wait = if self.counts.unreported > 0 {
            REPORT_EVERY.saturating_sub(self.now.duration_since(self.last_report))
        } else {
            Duration::from_secs(1)
        };
        if let Some(t) = self.accept_paused {
            wait = wait.min(t.saturating_duration_since(self.now));
        }
        epoll_timeout(wait)
    }

    /// Returns an exit code when the worker should end.
    fn on_channel(&mut self) -> Option<i32> {
        loop {
            match self.chan.recv::<WorkerCmd>(true) {
                Ok(Recv::Msg(WorkerCmd::Conn, fds)) => {
                    for fd in fds {
                        self.counts.accepted += 1;
                        self.counts.unreported += 1;
                        self.add_conn(fd);
                    }
                }
                Ok(Recv::Msg(WorkerCmd::Busy { ms }, _)) => {
                    busy(ms);
                    self.send(Event::WorkDone { alias: self.alias.clone(), pid: self.pid, threads: 1, ms });
                }
                Ok(Recv::Msg(WorkerCmd::Crash { how }, _)) => {
                    // What this crash will cost, as the kernel shows it now: the sockets in our fd
                    // table other than our channel and our listener are the connections we hold
                    // (the master stopped handing us new ones).
                    let own: Vec<RawFd> = [self.chan.as_raw_fd()]
                        .into_iter()
                        .chain(self.listener.as_ref().map(|l| l.as_raw_fd()))
                        .collect();
                    let table = procfs::fd_table(self.pid).unwrap_or_default();
                    let open_conns =
                        table.iter().filter(|e| e.socket_inode().is_some() && !own.contains(&e.fd)).count() as u64;
                    let (alias, pid) = (self.alias.clone(), self.pid);
                    let how_now = if how == "loop" { "exit".to_string() } else { how.clone() };
                    self.send(Event::CrashOrdered { alias, pid, how, open_conns });
                    crash(&how_now, &self.alias, self.pid, &self.chan)
                }
                Ok(Recv::Msg(WorkerCmd::Heartbeat, _)) => {
                    self.send(Event::Heartbeat { alias: self.alias.clone(), pid: self.pid });
                }
                Ok(Recv::Msg(WorkerCmd::Ping { seq }, _)) => {
                    self.send(Event::Pong { alias: self.alias.clone(), pid: self.pid, seq });
                }
                Ok(Recv::Msg(WorkerCmd::Note { from, .. }, _)) => {
                    self.send(Event::Ack {
                        alias: self.alias.clone(),
                        pid: self.pid,
                        what: format!("note from {from}"),
                    });
                }
                Ok(Recv::Msg(WorkerCmd::Relay { to, text }, _)) => {
                    self.send(Event::RelayOut { alias: self.alias.clone(), pid: self.pid, to, text });
                }
                Ok(Recv::Msg(WorkerCmd::Handle, fds)) => {
                    // The kernel installed the handle under the lowest free fd number of *our*
                    // table (unix(7)); /proc says which socket it is. We only look at it.
                    for fd in fds {
                        let raw = fd.as_raw_fd();
                        let inode = procfs::socket_inode(self.pid, raw).unwrap_or(0);
                        self.send(Event::HandleGot { alias: self.alias.clone(), pid: self.pid, fd: raw, inode });
                    }
                }
                Ok(Recv::Msg(WorkerCmd::Threads { threads, ms }, _)) => self.threads(threads, ms),
                Ok(Recv::Msg(WorkerCmd::Counter { threads, add }, _)) => self.counter(threads, add),
                Ok(Recv::Msg(WorkerCmd::Stop, _)) => self.stop_accepting(),
                // A listener sent after we already have one: nothing to do with it.
                Ok(Recv::Msg(WorkerCmd::Listener, _)) => {}
                Ok(Recv::Empty) => return None,
                // The master is gone: a worker never outlives it.
                Ok(Recv::Eof) | Err(_) => return Some(0),
            }
        }
    }

    fn send(&self, ev: Event) {
        let _ = self.chan.send(&ev, &[], false);
    }

    /// `threads` threads of this one process spin on the CPU; they share its PID, each has its
    /// own TID in /proc/<pid>/task. The event loop waits for them, as a blocked Node loop would.
    fn threads(&mut self, threads: usize, ms: u32) {
        let started = Arc::new(Barrier::new(threads + 1));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let started = started.clone();
                std::thread::spawn(move || {
                    started.wait();
                    busy(ms);
                })
            })
            .collect();
        started.wait();
        self.send(Event::Threads { alias: self.alias.clone(), pid: self.pid, tids: procfs::tids(self.pid) });
        for h in handles {
            let _ = h.join();
        }
        self.send(Event::WorkDone { alias: self.alias.clone(), pid: self.pid, threads, ms });
    }

    /// With `threads`: that many threads add to one counter they share, then each reads it.
    /// Without: this process adds to its own copy of COUNTER, which fork() made copy-on-write.
    fn counter(&mut self, threads: Option<u32>, add: u64) {
        let Some(n) = threads else {
            let value = COUNTER.fetch_add(add, Ordering::SeqCst) + add;
            let tid = nix::unistd::gettid().as_raw();
            self.send(Event::Counter { alias: self.alias.clone(), pid: self.pid, tid, shared: false, value });
            return;
        };
        let shared = Arc::new(AtomicU64::new(0));
        let done = Arc::new(Barrier::new(n as usize));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let (shared, done) = (shared.clone(), done.clone());
                std::thread::spawn(move || {
                    for _ in 0..add {
                        shared.fetch_add(1, Ordering::SeqCst);
                    }
                    // Every thread has added; now each reads what they all wrote.
                    done.wait();
                    (nix::unistd::gettid().as_raw(), shared.load(Ordering::SeqCst))
                })
            })
            .collect();
        for h in handles {
            if let Ok((tid, value)) = h.join() {
                self.send(Event::Counter { alias: self.alias.clone(), pid: self.pid, tid, shared: true, value });
            }
        }
    }

    /// Graceful stop: no new connections; the open ones finish, then the loop ends.
    fn stop_accepting(&mut self) {
        self.stopping = true;
        if let Some(l) = self.listener.take() {
            let _ = self.epoll.delete(l.as_fd());
        }
        // Idle keep-alive connections have nothing to finish. A connection that has not sent
        // its first request yet is not idle: its request is on the way, and closing it would
        // fail a connection that a rolling restart promises to serve.
        let idle: Vec<RawFd> = self
            .conns
            .iter()
            .filter(|(_, c)| c.served > 0 && c.inbuf.is_empty() && c.out.is_empty())
            .map(|(fd, _)| *fd)
            .collect();
        for fd in idle {
            self.close(fd);
        }
    }

    fn on_listener(&mut self) {
        let Some(l) = &self.listener else { return };
        self.counts.wakeups += 1;
        let mut got = Vec::new();
        let mut out_of_fds = false;
        // Accept until the queue is empty, as libuv does for a Node server.
        loop {
            match accept4(l.as_fd(), SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC) {
                Ok(fd) => got.push(fd),
                Err(Errno::EINTR) | Err(Errno::ECONNABORTED) => continue,
                Err(Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM) => {
                    out_of_fds = true;
                    break;
                }
                // EAGAIN: another worker took it first, or the queue is drained.
                Err(_) => break,
            }
        }
        if out_of_fds {
            let _ = self.epoll.delete(l.as_fd());
            self.accept_paused = Some(self.now + ACCEPT_PAUSE);
        }
        let empty = got.is_empty() && !out_of_fds;
        for fd in got {
            self.counts.accepted += 1;
            self.counts.unreported += 1;
            self.add_conn(fd);
        }
        if empty {
            // Woken for a connection another worker took: the thundering herd, counted.
            self.counts.empty_wakeups += 1;
        }
    }

    /// A new connection, accepted here or by the master. Both accept with SOCK_NONBLOCK, and
    /// the flag belongs to the open file, which SCM_RIGHTS shares: it is non-blocking already.
    fn add_conn(&mut self, fd: OwnedFd) {
        let raw = fd.as_raw_fd();
        self.conns.insert(raw, Conn::new(TcpStream::from(fd), self.now));
        // The request is often here already (the client sends it right after connecting; under
        // wrk, more than half the time): answer it now. Only a connection that has to wait
        // joins the epoll set, so one that opens, asks and closes costs no epoll_ctl at all.
        self.on_conn(raw, EpollFlags::EPOLLIN);
    }

    fn on_conn(&mut self, fd: RawFd, flags: EpollFlags) {
        let Some(conn) = self.conns.get_mut(&fd) else { return };
        let now = self.now;
        conn.last_active = now;
        if conn.lingering.is_some() {
            if discard(conn) {
                self.close(fd);
            }
            return;
        }
        let mut eof = flags.intersects(EpollFlags::EPOLLERR);
        // Backpressure: while its replies pile up unread, a connection is not read.
        let reading = conn.out.len() < OUT_CAP;
        if reading && flags.intersects(EpollFlags::EPOLLIN | EpollFlags::EPOLLHUP) {
            let buf = &mut self.rbuf[..];
            loop {
                match conn.stream.read(buf) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => {
                        conn.inbuf.extend_from_slice(&buf[..n]);
                        // A short read emptied the socket: reading again would only return
                        // EAGAIN. Whatever comes later, level-triggered epoll reports.
                        if n < buf.len() || conn.inbuf.len() > http::MAX_HEAD + http::MAX_BODY {
                            break;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        eof = true;
                        break;
                    }
                }
            }
        }
        // The junk goes out after the reply is written, so the test sees who sent it.
        let junk = junk_request(self.switches.junk, &conn.inbuf);
        if !conn.inbuf.is_empty() && conn.request_started.is_none() {
            conn.request_started = Some(now);
        }
        // Answer, write, and answer more while the replies drain (serve_buffered stops at
        // OUT_CAP).
        let mut requests = 0;
        let done = loop {
            let n = serve_buffered(conn, &self.alias, self.pid);
            requests += n;
            if self.stopping && conn.inbuf.is_empty() {
                conn.close_after_write = true;
            }
            let done = flush(conn);
            if n > 0 && matches!(done, Flush::Done) && !conn.close_after_write && !conn.inbuf.is_empty() {
                continue;
            }
            break done;
        };
        self.counts.requests += requests;
        conn.answered(requests, now);
        if let Some(junk) = junk {
            send_junk(&self.chan, &junk);
        }
        match done {
            Flush::Done if conn.rejected && !eof => {
                // Stop writing, keep reading what the client still sends, then close.
                let _ = conn.stream.shutdown(std::net::Shutdown::Write);
                conn.lingering = Some((now, 0));
                update_interest(&self.epoll, fd, conn);
                if discard(conn) {
                    self.close(fd);
                }
            }
            Flush::Done if conn.close_after_write || eof => self.close(fd),
            Flush::Done | Flush::Pending => {
                // The connection stays after a reply: from its next reply on, a reply may
                // follow one the client has not acknowledged yet, which Nagle's algorithm would
                // hold back (tcp(7)). A connection closed after one reply never needs the
                // setsockopt.
                if !conn.nodelay && conn.served > 0 {
                    conn.nodelay = conn.stream.set_nodelay(true).is_ok();
                }
                update_interest(&self.epoll, fd, conn);
            }
            Flush::Failed => self.close(fd),
        }
    }

    fn close(&mut self, fd: RawFd) {
        // Closing the last fd of a socket also takes it out of the epoll set (epoll(7)), and
        // this worker holds the only one: no epoll_ctl(DEL) needed, one syscall fewer per
        // connection.
        self.conns.remove(&fd);
    }

    fn close_idle(&mut self) {
        let (idle, request) = (self.switches.idle(), self.switches.request());
        let stale: Vec<RawFd> = self
            .conns
            .iter()
            .filter(|(_, c)| match c.lingering {
                Some((since, _)) => since.elapsed() > LINGER,
                None => c.last_active.elapsed() > idle || c.request_started.is_some_and(|t| t.elapsed() > request),
            })
            .map(|(fd, _)| *fd)
            .collect();
        for fd in stale {
            if let Some(conn) = self.conns.get_mut(&fd)
                && conn.lingering.is_none()
                && !conn.inbuf.is_empty()
            {
                // A client that started a request and stalled: 408, then close.
                http::reply(&mut conn.out, 408, &self.alias, self.pid, conn.served, false);
                let _ = flush(conn);
            }
            self.close(fd);
        }
    }

    /// Tell the master what changed: coalesced to one report per REPORT_EVERY at most.
    fn report(&mut self, force: bool) {
        if self.counts.unreported == 0 && !force {
            return;
        }
        if !force && self.now.duration_since(self.last_report) < REPORT_EVERY {
            return;
        }
        let n = self.counts.unreported;
        self.counts.unreported = 0;
        self.last_report = self.now;
        if n > 0 {
            let ev = Event::Accepted { alias: self.alias.clone(), pid: self.pid, n, total: self.counts.accepted };
            let _ = self.chan.send(&ev, &[], false);
        }
        let st = procfs::status(self.pid).unwrap_or_default();
        let ev = Event::Stats {
            alias: self.alias.clone(),
            pid: self.pid,
            accepted: self.counts.accepted,
            requests: self.counts.requests,
            wakeups: self.counts.wakeups,
            empty_wakeups: self.counts.empty_wakeups,
            voluntary_ctxt: st.voluntary_ctxt,
            nonvoluntary_ctxt: st.nonvoluntary_ctxt,
        };
        let _ = self.chan.send(&ev, &[], false);
    }

    /// The classic pre-fork worker: block in accept(), serve the connection to its end, repeat.
    /// The kernel wakes one waiter per connection (wake-one since Linux 2.4), so there is no
    /// herd. While it serves one client every other client waits in the listen queue.
    fn blocking_loop(&mut self) -> i32 {
        let Some(listener) = self.listener.take() else { return 1 };
        loop {
            let fd = match accept4(listener.as_fd(), SockFlag::SOCK_CLOEXEC) {
                Ok(fd) => fd,
                Err(Errno::EINTR) | Err(Errno::ECONNABORTED) => continue,
                // Out of fds: wait for some to close rather than die (see ACCEPT_PAUSE).
                Err(Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM) => {
                    std::thread::sleep(ACCEPT_PAUSE);
                    continue;
                }
                Err(_) => return 1,
            };
            self.counts.wakeups += 1;
            self.counts.accepted += 1;
            self.counts.unreported += 1;
            self.serve_blocking(TcpStream::from(fd));
            self.now = Instant::now();
            self.report(true);
        }
    }

    fn serve_blocking(&mut self, stream: TcpStream) {
        let (idle, request) = (self.switches.idle(), self.switches.request());
        let _ = stream.set_write_timeout(Some(idle));
        let _ = stream.set_nodelay(true);
        let mut conn = Conn::new(stream, Instant::now());
        let buf = &mut self.rbuf[..];
        loop {
            // Each read waits at most until the request's deadline, so a client trickling a
            // byte at a time cannot hold this worker past REQUEST_TIMEOUT.
            let wait = match conn.request_started {
                Some(t) => request.saturating_sub(t.elapsed()).min(idle),
                None => idle,
            };
            let _ = conn.stream.set_read_timeout(Some(wait.max(Duration::from_millis(1))));
            let n = match conn.stream.read(buf) {
                Ok(0) => return,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if !conn.inbuf.is_empty() {
                        http::reply(&mut conn.out, 408, &self.alias, self.pid, conn.served, false);
                        let _ = conn.stream.write_all(&conn.out);
                    }
                    return;
                }
                Err(_) => return,
            };
            conn.inbuf.extend_from_slice(&buf[..n]);
            if conn.request_started.is_none() {
                conn.request_started = Some(Instant::now());
            }
            let junk = junk_request(self.switches.junk, &conn.inbuf);
            // Answer and write in OUT_CAP batches (blocking writes push back on the client).
            let mut requests = 0;
            loop {
                let n = serve_buffered(&mut conn, &self.alias, self.pid);
                requests += n;
                if conn.stream.write_all(&conn.out).is_err() {
                    return;
                }
                conn.out.clear();
                if n == 0 || conn.close_after_write || conn.inbuf.is_empty() {
                    break;
                }
            }
            self.counts.requests += requests;
            conn.answered(requests, Instant::now());
            if let Some(junk) = junk {
                send_junk(&self.chan, &junk);
            }
            if conn.rejected {
                let _ = conn.stream.shutdown(std::net::Shutdown::Write);
                // Short reads, so the loop below checks its deadline often.
                let _ = conn.stream.set_read_timeout(Some(Duration::from_millis(200)));
                conn.lingering = Some((Instant::now(), 0));
                while !discard(&mut conn) && conn.lingering.is_some_and(|(t, _)| t.elapsed() < LINGER) {}
                return;
            }
            if conn.close_after_write {
                return;
            }
        }
    }
}

/// An epoll_wait timeout of at least `wait`, in whole milliseconds rounded up (at most 60 s).
/// Rounded down, the last fraction of a millisecond before a deadline would become a timeout
/// of 0, and the loop would spin through epoll_wait until the deadline passed: measured under
/// load, that spin was nine in ten of a worker's epoll_wait calls.
pub fn epoll_timeout(wait: Duration) -> EpollTimeout {
    EpollTimeout::from(wait.as_micros().div_ceil(1000).min(60_000) as u16)
}

/// What a connection should be woken for: readable while its unread replies are under
/// OUT_CAP, writable while it has replies to send. Level-triggered EPOLLOUT on a socket with
/// nothing to write would wake the worker in a loop, and EPOLLIN on one it will not read, too.
fn update_interest(epoll: &Epoll, fd: RawFd, conn: &mut Conn) {
    let mut want = EpollFlags::empty();
    if conn.out.len() < OUT_CAP || conn.lingering.is_some() {
        want |= EpollFlags::EPOLLIN;
    }
    if !conn.out.is_empty() && conn.lingering.is_none() {
        want |= EpollFlags::EPOLLOUT;
    }
    if want == conn.interest {
        return;
    }
    let mut event = EpollEvent::new(want, fd as u64 + CONN_BASE);
    let done = if conn.interest.is_empty() {
        epoll.add(conn.stream.as_fd(), event)
    } else {
        epoll.modify(conn.stream.as_fd(), &mut event)
    };
    // Not registered, the connection would never be woken for again: the idle sweep closes it.
    if done.is_ok() {
        conn.interest = want;
    }
}

/// Linger after an error reply: read and drop what the client sends. Returns whether the
/// connection is done (EOF, an error, or LINGER_BYTES discarded); false when it would block.
fn discard(conn: &mut Conn) -> bool {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) => {
                let Some((_, dropped)) = &mut conn.lingering else { return true };
                *dropped += n;
                if *dropped > LINGER_BYTES {
                    return true;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
            // A blocking read that timed out (TimedOut) ends the linger too.
            Err(_) => return true,
        }
    }
}

/// The fault suite's junk switch (FORKLAB_TEST_JUNK=1): a request for one of these paths makes
/// this worker break the channel protocol, as a buggy or compromised worker would.
/// Returns a copy of such a request when the switch is on, to act on once its reply is out.
fn junk_request(switch: bool, inbuf: &[u8]) -> Option<Vec<u8>> {
    let junk = inbuf.starts_with(b"GET /__test/junk ") || inbuf.starts_with(b"GET /__test/oversized ");
    (switch && junk).then(|| inbuf.to_vec())
}

fn send_junk(chan: &Chan, inbuf: &[u8]) {
    if inbuf.starts_with(b"GET /__test/junk ") {
        let _ = chan.send_bytes(b"\xff{ this is not json", &[], false);
    } else if inbuf.starts_with(b"GET /__test/oversized ") {
        let big = vec![b' '; crate::sys::chan::MAX_MSG * 2];
        let _ = chan.send_bytes(&big, &[], false);
    }
}

/// Answer every whole request in the connection's buffer; returns how many.
fn serve_buffered(conn: &mut Conn, alias: &str, pid: i32) -> u64 {
    let mut answered = 0;
    while !conn.close_after_write && !conn.inbuf.is_empty() && conn.out.len() < OUT_CAP {
        match http::parse(&conn.inbuf) {
            Parsed::Partial => break,
            Parsed::Request { len, keep_alive } => {
                conn.inbuf.drain(..len);
                conn.served += 1;
                answered += 1;
                http::reply(&mut conn.out, 200, alias, pid, conn.served, keep_alive);
                conn.close_after_write = !keep_alive;
            }
            Parsed::Reject(status) => {
                conn.inbuf.clear();
                conn.rejected = true;
                http::reply(&mut conn.out, status, alias, pid, conn.served, false);
                conn.close_after_write = true;
            }
        }
    }
    answered
}

enum Flush {
    Done,
    Pending,
    Failed,
}

fn flush(conn: &mut Conn) -> Flush {
    // The last reply before a close goes out with MSG_MORE: the kernel holds it back instead of
    // sending a segment, and the close (or shutdown) that follows tacks its FIN onto that held
    // segment (tcp_send_fin). Reply and FIN then travel as one segment instead of two, and the
    // client takes one wake-up and sends one ACK for both. Every path that sets
    // `close_after_write` closes or shuts down once the reply is written.
    let mut flags = MsgFlags::MSG_NOSIGNAL;
    if conn.close_after_write {
        // nix has no name for MSG_MORE.
        flags |= MsgFlags::from_bits_retain(libc::MSG_MORE);
    }
    while !conn.out.is_empty() {
        match send(conn.stream.as_raw_fd(), &conn.out, flags) {
            Ok(0) => return Flush::Failed,
            Ok(n) => {
                conn.out.drain(..n);
            }
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => return Flush::Pending,
            Err(_) => return Flush::Failed,
        }
    }
    Flush::Done
}

/// Spin on the CPU for `ms`, as a synchronous JavaScript computation blocks Node's one thread:
/// nothing else this worker holds is served meanwhile.
pub fn busy(ms: u32) {
    let end = Instant::now() + Duration::from_millis(ms as u64);
    let mut x: u64 = 0;
    while Instant::now() < end {
        for i in 0..10_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
    }
}

/// Die the way `how` says, for real: each is what the kernel and waitpid(2) then report.
fn crash(how: &str, alias: &str, pid: i32, chan: &Chan) {
    match how {
        "segv" => segfault(),
        // The panic unwinds to `master::become_worker`, which ends the process with code 101,
        // as Rust's runtime does after a panic in `main`.
        "panic" => panic!("{alias} (pid {pid}): panicking as the crash lesson asked"),
        "abort" => std::process::abort(),
        "exit" => std::process::exit(1),
        "hang" => loop {
            // An endless loop: the event loop never runs again, so heartbeats go unanswered.
            std::hint::spin_loop();
        },
        "thread-segv" => {
            let started = Arc::new(Barrier::new(3));
            for _ in 0..2 {
                let started = started.clone();
                std::thread::spawn(move || {
                    started.wait();
                    std::thread::sleep(Duration::from_secs(60));
                });
            }
            started.wait();
            let tids = procfs::tids(pid);
            let _ = chan.send(&Event::Threads { alias: alias.to_string(), pid, tids }, &[], false);
            // One thread faults; the signal ends the whole process, every thread with it.
            let _ = std::thread::spawn(segfault).join();
            std::process::exit(2);
        }
        _ => {}
    }
}

/// A write to a page mapped with no access: the MMU faults and the kernel sends SIGSEGV, as
/// for a C null-pointer write. Done through mmap so that it is a real fault, not undefined
/// behaviour the compiler could remove.
fn segfault() {
    // SAFETY: mmap of a fresh anonymous page has no preconditions; the write to it is meant to
    // fault (PROT_NONE) and never returns.
    unsafe {
        let page =
            libc::mmap(std::ptr::null_mut(), 4096, libc::PROT_NONE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0);
        if page == libc::MAP_FAILED {
            libc::raise(libc::SIGSEGV);
        }
        std::ptr::write_volatile(page.cast::<u8>(), 1);
    }
}

/// Rebuild an fd the fork left us by number.
///
/// # Safety
/// `fd` must be open in this process and owned by nothing else.
pub unsafe fn adopt(fd: RawFd) -> OwnedFd {
    // SAFETY: guaranteed by the caller.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fraction_of_a_millisecond_waits_a_millisecond_not_zero() {
        assert_eq!(epoll_timeout(Duration::from_micros(1)), EpollTimeout::from(1u16));
        assert_eq!(epoll_timeout(Duration::from_micros(999)), EpollTimeout::from(1u16));
        assert_eq!(epoll_timeout(Duration::from_micros(1001)), EpollTimeout::from(2u16));
        assert_eq!(epoll_timeout(Duration::ZERO), EpollTimeout::ZERO);
        assert_eq!(epoll_timeout(Duration::from_secs(3600)), EpollTimeout::from(60_000u16));
    }
}
