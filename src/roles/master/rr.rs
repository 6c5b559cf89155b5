use super::Master;
use nix::errno::Errno;
use nix::sys::socket::{SockFlag, accept4};
use std::os::fd::{AsFd, OwnedFd};

impl Master {
    /// Round-robin (Node's SCHED_RR): the master accepts every connection and hands it to the
    /// next worker over SCM_RIGHTS, then closes its own copy.
    pub(super) fn dispatch_rr(&mut self) {
        loop {
            let Some(pool) = &self.pool else { return };
            let Some(listener) = &pool.listener else { return };
            let conn = match accept4(listener.as_fd(), SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK) {
                Ok(fd) => fd,
                Err(Errno::EINTR) | Err(Errno::ECONNABORTED) => continue,
                Err(_) => return,
            };
            self.hand_on(conn);
        }
    }

    pub(super) fn hand_on(&mut self, conn: OwnedFd) {
        let Some(pool) = &mut self.pool else { return };
        let n = pool.slots.len();
        let start = pool.rr_next % n.max(1);
        // Walk the slots in order, starting at the cursor, wrapping once.
        let order = pool.slots.values().skip(start).chain(pool.slots.values().take(start));
        for (k, slot) in order.enumerate() {
            if slot.retiring || !slot.ready {
                continue;
            }
            let Some(chan) = &slot.chan else { continue };
            // Non-blocking: a worker whose queue is full (busy, stopped) is skipped rather
            // than stalling the master and with it every other worker.
            if chan.send_bytes(&self.conn_msg, &[conn.as_fd()], true).is_ok() {
                pool.rr_next = start + k + 1;
                return;
            }
        }
        // No worker could take it: dropping our copy closes the connection.
    }
}
