//! Connections of an event-loop worker: reading requests, answering them, writing replies
//! with backpressure, lingering after an error, and closing idle ones.

use super::http::{self, Parsed};
use super::{CONN_BASE, Worker};
use crate::sys::chan::Chan;
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollEvent, EpollFlags};
use nix::sys::socket::{MsgFlags, send};
use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// After an error reply (400, 413, 431) the worker stops writing but reads and discards what
/// the client is still sending, for at most this long and this many bytes, before it closes.
/// Closing with unread bytes would send a RST that can destroy the reply before the client
/// reads it (RFC 9112 §9.6, nginx's `lingering_close`).
pub(super) const LINGER: Duration = Duration::from_secs(2);
pub(super) const LINGER_BYTES: usize = 4 * 1024 * 1024;
/// Replies waiting for a client that does not read them: past this the worker stops reading
/// (and answering) that connection until it drains. A pipelined 18-byte request gets a reply
/// eight times its size, so without the cap a client that sends and never reads grew a
/// worker by 130 MB in 8 s (measured); with it, the kernel's buffers push back on the client.
pub(super) const OUT_CAP: usize = 64 * 1024;
/// Request bytes a connection keeps while it waits for the rest of a request: a head may be up
/// to MAX_HEAD (then 431), and pipelined requests are served before more is read. Bodies are
/// not kept at all (see `Conn::take`). So a connection holds at most this plus one read (the
/// worker's 16 KiB buffer) of input, and OUT_CAP plus one reply of output; a worker holds that
/// times its connections, which its fd limit bounds (RLIMIT_NOFILE, 1024 by default: under
/// 120 MiB in the worst case, against 1 GiB when 1,000 bodies of 1 MiB were kept whole).
pub(super) const IN_CAP: usize = http::MAX_HEAD + 16 * 1024;

pub(super) struct Conn {
    pub(super) stream: TcpStream,
    pub(super) inbuf: Vec<u8>,
    pub(super) out: Vec<u8>,
    /// Requests answered on this connection.
    pub(super) served: u64,
    pub(super) close_after_write: bool,
    pub(super) last_active: Instant,
    /// When the request now in `inbuf` began to arrive.
    pub(super) request_started: Option<Instant>,
    /// The reply was an error: after it is written, linger (see LINGER).
    pub(super) rejected: bool,
    /// Lingering since then, having discarded this many bytes.
    pub(super) lingering: Option<(Instant, usize)>,
    /// The events this connection is registered for (see `update_interest`); none until it
    /// first has to wait.
    pub(super) interest: EpollFlags,
    /// TCP_NODELAY is set (see `on_conn`).
    pub(super) nodelay: bool,
    /// Bytes of the current request's body still to come, dropped as they arrive.
    pub(super) body_left: usize,
    /// The request whose body is being dropped (its keep-alive): answered once `body_left` is 0.
    pub(super) pending: Option<bool>,
    /// A slow request (`GET /slow/MS`): its reply is due then (with its keep-alive). Nothing
    /// more is served on the connection until it is answered.
    pub(super) delayed: Option<(Instant, bool)>,
}

impl Conn {
    /// After `requests` were answered: the request clock stops when nothing is left, and starts
    /// again for the rest, which is the start of the next pipelined request.
    pub(super) fn answered(&mut self, requests: u64, now: Instant) {
        if self.inbuf.is_empty() && self.pending.is_none() {
            self.request_started = None;
        } else if requests > 0 {
            self.request_started = Some(now);
        }
    }

    pub(super) fn new(stream: TcpStream, now: Instant) -> Conn {
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
            body_left: 0,
            pending: None,
            delayed: None,
        }
    }

    /// Bytes just read: what belongs to a body being dropped is dropped, the rest is kept.
    pub(super) fn take(&mut self, bytes: &[u8]) {
        let dropped = self.body_left.min(bytes.len());
        self.body_left -= dropped;
        self.inbuf.extend_from_slice(&bytes[dropped..]);
    }

    /// Whether part of a request has arrived and is not answered yet.
    pub(super) fn mid_request(&self) -> bool {
        !self.inbuf.is_empty() || self.pending.is_some() || self.delayed.is_some()
    }
}

impl Worker {
    /// A new connection, accepted here or by the master. Both accept with SOCK_NONBLOCK, and
    /// the flag belongs to the open file, which SCM_RIGHTS shares: it is non-blocking already.
    pub(super) fn add_conn(&mut self, fd: OwnedFd) {
        let raw = fd.as_raw_fd();
        self.conns.insert(raw, Conn::new(TcpStream::from(fd), self.now));
        // The request is often here already (the client sends it right after connecting; under
        // wrk, more than half the time): answer it now. Only a connection that has to wait
        // joins the epoll set, so one that opens, asks and closes costs no epoll_ctl at all.
        self.on_conn(raw, EpollFlags::EPOLLIN);
    }

    pub(super) fn on_conn(&mut self, fd: RawFd, flags: EpollFlags) {
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
                        conn.take(&buf[..n]);
                        // A short read emptied the socket: reading again would only return
                        // EAGAIN. Whatever comes later, level-triggered epoll reports.
                        if n < buf.len() || conn.inbuf.len() > IN_CAP {
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
            let n = serve_buffered(conn, &self.alias, self.pid, Some(now), &mut self.visits);
            requests += n;
            if self.stopping && !conn.mid_request() {
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

    pub(super) fn close(&mut self, fd: RawFd) {
        // Closing the last fd of a socket also takes it out of the epoll set (epoll(7)), and
        // this worker holds the only one: no epoll_ctl(DEL) needed, one syscall fewer per
        // connection.
        self.conns.remove(&fd);
    }

    pub(super) fn close_idle(&mut self) {
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
                && conn.mid_request()
            {
                // A client that started a request and stalled: 408, then close.
                http::reply(&mut conn.out, 408, &self.alias, self.pid, conn.served, false);
                let _ = flush(conn);
            }
            self.close(fd);
        }
    }
}

/// What a connection should be woken for: readable while its unread replies are under
/// OUT_CAP, writable while it has replies to send. Level-triggered EPOLLOUT on a socket with
/// nothing to write would wake the worker in a loop, and EPOLLIN on one it will not read, too.
pub(super) fn update_interest(epoll: &Epoll, fd: RawFd, conn: &mut Conn) {
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
pub(super) fn discard(conn: &mut Conn) -> bool {
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
pub(super) fn junk_request(switch: bool, inbuf: &[u8]) -> Option<Vec<u8>> {
    let junk = inbuf.starts_with(b"GET /__test/junk ") || inbuf.starts_with(b"GET /__test/oversized ");
    (switch && junk).then(|| inbuf.to_vec())
}

pub(super) fn send_junk(chan: &Chan, inbuf: &[u8]) {
    if inbuf.starts_with(b"GET /__test/junk ") {
        let _ = chan.send_bytes(b"\xff{ this is not json", &[], false);
    } else if inbuf.starts_with(b"GET /__test/oversized ") {
        let big = vec![b' '; crate::sys::chan::MAX_MSG * 2];
        let _ = chan.send_bytes(&big, &[], false);
    }
}

/// The longest a slow request (`GET /slow/MS`) may ask to wait: under the idle timeout.
pub(super) const MAX_SLOW: Duration = Duration::from_secs(8);

/// `GET /slow/MS...`: a request whose reply the worker holds back MS milliseconds (at most
/// MAX_SLOW) without blocking its loop, as a Node handler that awaits a slow database does.
pub(super) fn slow_request(inbuf: &[u8]) -> Option<Duration> {
    let rest = inbuf.strip_prefix(b"GET /slow/")?;
    let digits: Vec<u8> = rest.iter().copied().take_while(u8::is_ascii_digit).take(6).collect();
    let ms: u64 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    Some(Duration::from_millis(ms).min(MAX_SLOW))
}

/// Answer every whole request in the connection's buffer; returns how many. With `now` (the
/// event loop), a slow request's reply is held until it is due; without (the blocking
/// worker), every request is answered at once. `visits` is the worker's count of `GET /visit`
/// requests: a variable in this process's memory, as an app's in-memory session or counter
/// would be.
pub(super) fn serve_buffered(conn: &mut Conn, alias: &str, pid: i32, now: Option<Instant>, visits: &mut u64) -> u64 {
    let mut answered = 0;
    match (conn.delayed, now) {
        (Some((due, keep_alive)), Some(now)) if due <= now => {
            conn.delayed = None;
            answer(conn, alias, pid, keep_alive);
            answered += 1;
        }
        (Some(_), _) => return answered,
        (None, _) => {}
    }
    if conn.body_left == 0
        && let Some(keep_alive) = conn.pending.take()
    {
        // The last byte of a body just arrived.
        answer(conn, alias, pid, keep_alive);
        answered += 1;
    }
    while !conn.close_after_write && !conn.inbuf.is_empty() && conn.out.len() < OUT_CAP {
        match http::parse(&conn.inbuf) {
            Parsed::Partial => break,
            Parsed::Request { len, keep_alive } => {
                let slow = now.zip(slow_request(&conn.inbuf));
                let visit = conn.inbuf.starts_with(b"GET /visit ");
                conn.inbuf.drain(..len);
                if let Some((now, wait)) = slow {
                    conn.delayed = Some((now + wait, keep_alive));
                    break;
                }
                if visit {
                    *visits += 1;
                    conn.served += 1;
                    http::visit_reply(&mut conn.out, alias, pid, *visits, keep_alive);
                    conn.close_after_write = !keep_alive;
                } else {
                    answer(conn, alias, pid, keep_alive);
                }
                answered += 1;
            }
            Parsed::Body { head, body, keep_alive } => {
                // Drop the head and what came of the body; drop the rest as it comes.
                conn.body_left = body - (conn.inbuf.len() - head);
                conn.inbuf.clear();
                conn.pending = Some(keep_alive);
                break;
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

fn answer(conn: &mut Conn, alias: &str, pid: i32, keep_alive: bool) {
    conn.served += 1;
    http::reply(&mut conn.out, 200, alias, pid, conn.served, keep_alive);
    conn.close_after_write = !keep_alive;
}

pub(super) enum Flush {
    Done,
    Pending,
    Failed,
}

pub(super) fn flush(conn: &mut Conn) -> Flush {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_request_names_its_wait_capped_under_the_idle_timeout() {
        assert_eq!(slow_request(b"GET /slow/1500/0 HTTP/1.1\r\n\r\n"), Some(Duration::from_millis(1500)));
        assert_eq!(slow_request(b"GET /slow/999999 HTTP/1.1\r\n\r\n"), Some(MAX_SLOW));
        assert_eq!(slow_request(b"GET /slow/ HTTP/1.1\r\n\r\n"), None);
        assert_eq!(slow_request(b"GET /conn/1/req/0 HTTP/1.1\r\n\r\n"), None);
        assert_eq!(slow_request(b"POST /slow/10 HTTP/1.1\r\n\r\n"), None);
    }

    /// A connection to a listener of this test: the worker's side of it.
    fn conn() -> (Conn, TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (Conn::new(server, Instant::now()), client)
    }

    #[test]
    fn the_event_loop_holds_a_slow_reply_until_it_is_due_and_the_blocking_worker_does_not() {
        let (mut c, _client) = conn();
        let now = Instant::now();
        c.take(b"GET /slow/100/0 HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(serve_buffered(&mut c, "W1", 1, Some(now), &mut 0), 0);
        assert!(c.out.is_empty() && c.mid_request(), "answered before it was due");
        assert_eq!(serve_buffered(&mut c, "W1", 1, Some(now + Duration::from_millis(50)), &mut 0), 0);
        assert_eq!(serve_buffered(&mut c, "W1", 1, Some(now + Duration::from_millis(100)), &mut 0), 1);
        assert!(!c.mid_request() && c.out.starts_with(b"HTTP/1.1 200 OK"));
        let (mut c, _client) = conn();
        c.take(b"GET /slow/100/0 HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(serve_buffered(&mut c, "W1", 1, None, &mut 0), 1);
    }

    #[test]
    fn a_visit_is_counted_in_the_workers_own_variable() {
        let (mut c, _client) = conn();
        let mut visits = 5;
        c.take(b"GET /visit HTTP/1.1\r\nHost: x\r\n\r\nGET /conn/0/req/1 HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(serve_buffered(&mut c, "W2", 7, None, &mut visits), 2);
        // Only `/visit` counts, and its reply says the count.
        assert_eq!(visits, 6);
        let out = String::from_utf8_lossy(&c.out);
        assert!(out.contains("X-Visit: 6\r\n") && out.matches("X-Visit").count() == 1, "{out}");
    }
}
