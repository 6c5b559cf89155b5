//! The blocking pre-fork worker: no event loop, one connection at a time.

use super::conn::{Conn, LINGER, discard, junk_request, send_junk, serve_buffered};
use super::http;
use super::{ACCEPT_PAUSE, Worker};
use nix::errno::Errno;
use nix::sys::socket::{SockFlag, accept4};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

impl Worker {
    /// The classic pre-fork worker: block in accept(), serve the connection to its end, repeat.
    /// The kernel wakes one waiter per connection (wake-one since Linux 2.4), so there is no
    /// herd. While it serves one client every other client waits in the listen queue.
    pub(super) fn blocking_loop(&mut self) -> i32 {
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

    pub(super) fn serve_blocking(&mut self, stream: TcpStream) {
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
                    if conn.mid_request() {
                        http::reply(&mut conn.out, 408, &self.alias, self.pid, conn.served, false);
                        let _ = conn.stream.write_all(&conn.out);
                    }
                    return;
                }
                Err(_) => return,
            };
            conn.take(&buf[..n]);
            if conn.request_started.is_none() {
                conn.request_started = Some(Instant::now());
            }
            let junk = junk_request(self.switches.junk, &conn.inbuf);
            // Answer and write in OUT_CAP batches (blocking writes push back on the client).
            let mut requests = 0;
            loop {
                let n = serve_buffered(&mut conn, &self.alias, self.pid, None, &mut self.visits);
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
