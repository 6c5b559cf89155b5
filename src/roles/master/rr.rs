//! Round-robin (Node's `SCHED_RR`): the master alone accepts, and hands each connection to a
//! worker over SCM_RIGHTS. As in Node's `RoundRobinHandle`
//! (lib/internal/cluster/round_robin_handle.js), a connection goes only to a *free* worker:
//! one that has acknowledged the last connection it was handed. A worker stuck in a
//! synchronous loop acknowledges nothing, so it is handed nothing more, and the connections
//! that arrive meanwhile wait in the master's queue for a worker that answers. A strict
//! rotation would instead queue every Nth connection behind the stuck worker.

use super::Master;
use nix::errno::Errno;
use nix::sys::epoll::{EpollEvent, EpollFlags};
use nix::sys::socket::{SockFlag, accept4};
use std::collections::{BTreeMap, VecDeque};
use std::os::fd::{AsFd, OwnedFd};

/// Connections the master holds, accepted but not handed off yet, at most. Past this it stops
/// accepting: the rest wait in the kernel's listen queue, and the master's fd table stays far
/// below its limit (RLIMIT_NOFILE, 1024 by default).
pub(super) const MAX_QUEUED: usize = 256;
/// Hand-offs a worker may have unacknowledged at once. Node's is 1: a worker is free only once
/// it has answered for its last connection.
pub(super) const DEPTH: u32 = 1;

/// Who may be handed a connection now, and the connections waiting for one. `C` is the
/// connection (an fd in the master; anything in the tests).
#[derive(Debug)]
pub(super) struct RoundRobin<C> {
    /// Workers with no hand-off awaiting an answer, in the order they became free (Node's
    /// `free` map, which iterates in insertion order): the next connection goes to the front.
    free: VecDeque<u32>,
    /// Workers handed connections they have not acknowledged yet, and how many.
    awaiting: BTreeMap<u32, u32>,
    /// Accepted connections, oldest first (Node's `handles` list).
    queue: VecDeque<C>,
}

impl<C> Default for RoundRobin<C> {
    fn default() -> Self {
        RoundRobin { free: VecDeque::new(), awaiting: BTreeMap::new(), queue: VecDeque::new() }
    }
}

impl<C> RoundRobin<C> {
    /// Worker `index` can take connections (its event loop answered): it joins the free ones,
    /// unless it already is free or still owes an answer.
    pub(super) fn ready(&mut self, index: u32) {
        let owed = self.awaiting.get(&index).copied().unwrap_or(0);
        if owed < DEPTH && !self.free.contains(&index) {
            self.free.push_back(index);
        }
    }

    /// Worker `index` acknowledged a connection it was handed: it is free again, at the back.
    /// Returns false for an acknowledgement nothing was awaiting.
    pub(super) fn took(&mut self, index: u32) -> bool {
        let Some(owed) = self.awaiting.get_mut(&index) else { return false };
        *owed -= 1;
        if *owed == 0 {
            self.awaiting.remove(&index);
        }
        self.ready(index);
        true
    }

    /// Worker `index` is gone (exited, replaced): forget it. A process that later takes its
    /// place starts free of what this one owed.
    pub(super) fn gone(&mut self, index: u32) {
        self.free.retain(|&i| i != index);
        self.awaiting.remove(&index);
    }

    /// A connection was accepted.
    pub(super) fn push(&mut self, conn: C) {
        self.queue.push_back(conn);
    }

    pub(super) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The next hand-off: the oldest waiting connection for the worker that has been free the
    /// longest. Free workers for which `can_take` says no (crashing, hung, retiring) are
    /// dropped from the free list on the way; they come back through `ready`.
    pub(super) fn next(&mut self, can_take: impl Fn(u32) -> bool) -> Option<(u32, C)> {
        if self.queue.is_empty() {
            return None;
        }
        while let Some(index) = self.free.pop_front() {
            if can_take(index) {
                let conn = self.queue.pop_front()?;
                *self.awaiting.entry(index).or_insert(0) += 1;
                self.ready(index);
                return Some((index, conn));
            }
        }
        None
    }

    /// The hand-off of `conn` to `index` failed: the connection goes back to the head of the
    /// queue, and the worker is not awaited.
    pub(super) fn undo(&mut self, index: u32, conn: C) {
        self.queue.push_front(conn);
        if let Some(owed) = self.awaiting.get_mut(&index) {
            *owed -= 1;
            if *owed == 0 {
                self.awaiting.remove(&index);
            }
        }
    }
}

impl Master {
    /// The listener is readable: accept what is queued, then hand out what can be handed.
    pub(super) fn dispatch_rr(&mut self) {
        loop {
            let Some(pool) = &mut self.pool else { return };
            if pool.rr.queued() >= MAX_QUEUED {
                self.pause_accepting(true);
                break;
            }
            let Some(listener) = &pool.listener else { return };
            match accept4(listener.as_fd(), SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK) {
                Ok(fd) => pool.rr.push(fd),
                Err(Errno::EINTR) | Err(Errno::ECONNABORTED) => continue,
                // EAGAIN: the listen queue is drained. (Out of fds, EMFILE, also ends up here;
                // MAX_QUEUED keeps the master well clear of it.)
                Err(_) => break,
            }
        }
        self.hand_off();
    }

    /// Hand waiting connections to free workers, each with one non-blocking sendmsg, then close
    /// the master's copy (the worker's is the same open file, SCM_RIGHTS shares it).
    pub(super) fn hand_off(&mut self) {
        let Some(pool) = &mut self.pool else { return };
        let slots = &pool.slots;
        let can_take = |i: u32| slots.get(&i).is_some_and(|s| s.ready && !s.retiring && s.chan.is_some());
        while let Some((index, conn)) = pool.rr.next(can_take) {
            let Some(chan) = slots.get(&index).and_then(|s| s.chan.as_ref()) else { continue };
            match chan.send_bytes(&self.conn_msg, &[conn.as_fd()], true) {
                Ok(()) => drop::<OwnedFd>(conn),
                Err(e) => {
                    pool.rr.undo(index, conn);
                    // A full channel (EAGAIN): the worker reads nothing now; it stays free,
                    // behind the others, and is tried again on the next event. Any other error
                    // is a worker that is gone, which its exit will tell.
                    if e == Errno::EAGAIN {
                        pool.rr.ready(index);
                        break;
                    }
                }
            }
        }
        if pool.rr.queued() < MAX_QUEUED / 2 {
            self.pause_accepting(false);
        }
    }

    /// Stop (or resume) watching the listener while the queue is full: level-triggered, a
    /// readable listener left unaccepted would wake the master in a loop.
    fn pause_accepting(&mut self, pause: bool) {
        let Some(pool) = &mut self.pool else { return };
        let Some(listener) = &pool.listener else { return };
        if pool.accept_paused == pause {
            return;
        }
        let done = if pause {
            self.epoll.delete(listener.as_fd())
        } else {
            self.epoll.add(listener.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, super::LISTENER))
        };
        if done.is_ok() {
            pool.accept_paused = pause;
        }
    }

    /// Worker `index` acknowledged its connection: it is free again.
    pub(super) fn took(&mut self, index: u32) {
        let Some(pool) = &mut self.pool else { return };
        if pool.rr.took(index) {
            if let Some(slot) = pool.slots.get_mut(&index) {
                slot.took += 1;
            }
            self.hand_off();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: u32) -> bool {
        true
    }

    #[test]
    fn with_every_worker_answering_at_once_it_is_a_rotation() {
        let mut rr = RoundRobin::default();
        for w in 1..=3 {
            rr.ready(w);
        }
        let mut to = Vec::new();
        for conn in 0..7 {
            rr.push(conn);
            let (w, c) = rr.next(all).unwrap();
            assert_eq!(c, conn);
            to.push(w);
            assert!(rr.took(w));
        }
        assert_eq!(to, [1, 2, 3, 1, 2, 3, 1]);
    }

    #[test]
    fn a_worker_that_does_not_answer_is_handed_one_connection_and_no_more() {
        let mut rr = RoundRobin::default();
        rr.ready(1);
        rr.ready(2);
        let mut to = Vec::new();
        for conn in 0..40 {
            rr.push(conn);
            while let Some((w, _)) = rr.next(all) {
                to.push(w);
                // W2 answers at once; W1 is stuck in a synchronous loop and never does.
                if w == 2 {
                    rr.took(2);
                }
            }
        }
        assert_eq!(to.iter().filter(|&&w| w == 1).count(), 1, "{to:?}");
        assert_eq!(to.iter().filter(|&&w| w == 2).count(), 39, "{to:?}");
        // Once W1 answers, it is free again and takes the next one.
        assert!(rr.took(1));
        rr.push(40);
        rr.push(41);
        assert_eq!(rr.next(all), Some((2, 40)));
        assert_eq!(rr.next(all), Some((1, 41)));
    }

    #[test]
    fn connections_wait_in_order_while_no_worker_is_free() {
        let mut rr = RoundRobin::default();
        rr.ready(1);
        rr.push("a");
        assert_eq!(rr.next(all), Some((1, "a")));
        rr.push("b");
        rr.push("c");
        assert_eq!(rr.next(all), None, "W1 owes an answer");
        assert_eq!(rr.queued(), 2);
        rr.took(1);
        assert_eq!(rr.next(all), Some((1, "b")));
        rr.took(1);
        assert_eq!(rr.next(all), Some((1, "c")));
        assert_eq!(rr.next(all), None);
    }

    #[test]
    fn at_most_one_hand_off_awaits_each_worker() {
        let mut rr = RoundRobin::default();
        rr.ready(1);
        rr.push(0);
        rr.push(1);
        assert_eq!(rr.next(all), Some((1, 0)));
        // A heartbeat making it ready again does not free it while it owes an answer.
        rr.ready(1);
        assert_eq!(rr.next(all), None);
        // Nor does an answer twice, or one nobody awaited.
        assert!(rr.took(1));
        assert!(!rr.took(1));
        assert!(!rr.took(7));
        assert_eq!(rr.next(all), Some((1, 1)));
    }

    #[test]
    fn a_worker_that_cannot_take_connections_is_skipped_and_dropped_from_the_free_list() {
        let mut rr = RoundRobin::default();
        rr.ready(1);
        rr.ready(2);
        rr.push(0);
        assert_eq!(rr.next(|w| w != 1), Some((2, 0)));
        rr.push(1);
        assert_eq!(rr.next(all), None, "W1 left the free list; only `ready` brings it back");
        rr.ready(1);
        assert_eq!(rr.next(all), Some((1, 1)));
    }

    #[test]
    fn a_gone_worker_is_forgotten_and_a_failed_hand_off_goes_back_to_the_head() {
        let mut rr = RoundRobin::default();
        rr.ready(1);
        rr.ready(2);
        rr.push(0);
        rr.push(1);
        assert_eq!(rr.next(all), Some((1, 0)));
        rr.gone(1);
        // Its replacement in the same slot starts free.
        rr.ready(1);
        let (w, c) = rr.next(all).unwrap();
        assert_eq!((w, c), (2, 1));
        rr.undo(w, c);
        assert_eq!(rr.queued(), 1);
        assert_eq!(rr.next(all), Some((1, 1)));
        rr.ready(2);
        rr.push(2);
        assert_eq!(rr.next(all), Some((2, 2)));
    }
}
