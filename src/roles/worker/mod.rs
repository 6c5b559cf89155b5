//! The worker: what a Node worker is, in Rust. One thread, one event loop (epoll(7)) over its
//! listener or its channel and every open connection, so a keep-alive client never starves the
//! others. In `blocking` mode it is instead the classic pre-fork worker: it blocks in accept(2)
//! and serves one connection at a time.
//!
//! A worker is created by the master with a real fork(), never exec'd: it runs on the memory
//! it got as a copy of the master's.

mod blocking;
mod conn;
pub mod cost;
mod demos;
mod http;

pub use demos::{COUNTER, busy};

use crate::proto::mode::Mode;
use crate::proto::{AckOf, Event, HowListening, WorkerCmd};
use crate::sys::chan::{Chan, Recv};
use crate::sys::procfs;
use conn::Conn;
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{SockFlag, accept4};
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

const CHAN: u64 = 0;
const LISTENER: u64 = 1;
/// The signalfd that takes SIGTERM once the worker is told to drain on it.
const TERM: u64 = 2;
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
/// Out of fds (EMFILE, ENFILE) the listener stays readable, so a level-triggered epoll would
/// wake the worker in a loop with nothing it can accept: it stops watching the listener for
/// this long instead, while its open connections finish or time out. The connections wait in
/// the kernel's listen queue meanwhile.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

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

#[derive(Default)]
struct Counters {
    accepted: u64,
    requests: u64,
    wakeups: u64,
    empty_wakeups: u64,
    unreported: u64,
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
    /// What to do when the master dies (the zombie lesson's `parent-death`).
    parent_death: ParentDeath,
    /// Told not to accept (the backlog lesson): connections wait in the accept queue.
    accept_off: bool,
    /// Not watching the listener until then (see ACCEPT_PAUSE).
    accept_paused: Option<Instant>,
    /// Told to drain on SIGTERM (the shutdown lesson's `drain ms=N`): the signalfd that takes
    /// it, and the longest a drain may last.
    drain: Option<(SignalFd, Duration)>,
    /// Draining since a SIGTERM: connections still open then are cut.
    drain_until: Option<Instant>,
    /// Where connections are read into before their bytes join the connection's own buffer:
    /// one buffer for the worker, in both loops, not 16 KiB zeroed on the stack for every read
    /// or every connection.
    rbuf: Box<[u8]>,
    /// `Event::Took`, serialized once: it answers every connection the master hands us.
    took_msg: Vec<u8>,
    /// `GET /visit` requests served since this worker started: its own memory, not shared.
    visits: u64,
    /// The loop's clock, read once each time epoll_wait returns and used for everything that
    /// batch does, as libuv caches its loop time (`uv_now`): one clock read per wake-up, not
    /// several per connection.
    now: Instant,
}

/// What a worker does when its master dies (`WorkerCmd::ParentDeath`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParentDeath {
    /// As forked: PDEATHSIG (SIGKILL), and exit when the channel closes.
    Default,
    /// PDEATHSIG alone: the kernel's SIGKILL ends it.
    Signal,
    /// No PDEATHSIG: exit when the channel closes (Node's worker on IPC disconnect).
    Disconnect,
    /// No PDEATHSIG: serve on as an orphan of `master`, re-parented to forklab (`app`).
    Serve { app: i32, master: i32 },
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
        eprintln!("forklab-worker {alias}: {}", tr!("worker-failing-at-start"));
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
    let took_msg = serde_json::to_vec(&Event::Took { alias: alias.clone(), pid })?;
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
        parent_death: ParentDeath::Default,
        accept_off: false,
        accept_paused: None,
        drain: None,
        drain_until: None,
        rbuf: vec![0u8; 16 * 1024].into_boxed_slice(),
        took_msg,
        visits: 0,
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
                    TERM => self.on_term(),
                    token => self.on_conn((token - CONN_BASE) as RawFd, ev.events()),
                }
            }
            self.reply_due();
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
            if self.drain_until.is_some_and(|t| self.now >= t) {
                return Ok(self.cut());
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
        if !self.accept_off && self.accept_paused.is_some_and(|t| self.now >= t) {
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
        let due = self.conns.values().filter_map(|c| c.delayed.map(|(t, _)| t));
        for t in self.accept_paused.into_iter().chain(self.drain_until).chain(due) {
            wait = wait.min(t.saturating_duration_since(self.now));
        }
        epoll_timeout(wait)
    }

    /// Returns an exit code when the worker should end.
    fn on_channel(&mut self) -> Option<i32> {
        loop {
            match self.chan.recv::<WorkerCmd>(true) {
                Ok(Recv::Msg(WorkerCmd::Conn, fds)) => {
                    // Answer first, then serve: the master hands us nothing more until we
                    // have said we took this one. Answered even when the fd did not arrive
                    // (out of fds, see `Chan::recv_bytes`), or the master would wait forever.
                    let _ = self.chan.send_bytes(&self.took_msg, &[], false);
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
                Ok(Recv::Msg(WorkerCmd::Crash { how }, _)) => self.crash_ordered(how),
                Ok(Recv::Msg(WorkerCmd::Heartbeat, _)) => {
                    self.send(Event::Heartbeat { alias: self.alias.clone(), pid: self.pid });
                }
                Ok(Recv::Msg(WorkerCmd::Ping { seq }, fds)) => {
                    self.received("ping", &tr!("worker-got-ping"), &fds);
                    self.send(Event::Pong { alias: self.alias.clone(), pid: self.pid, seq });
                }
                Ok(Recv::Msg(WorkerCmd::Note { from, .. }, fds)) => {
                    self.received("note", &tr!("worker-got-note", from = &from), &fds);
                    self.ack(AckOf::Note, tr!("worker-ack-note", from = &from));
                }
                Ok(Recv::Msg(WorkerCmd::Relay { to, text }, fds)) => {
                    self.received("relay", &tr!("worker-got-relay", to = &to), &fds);
                    self.send(Event::RelayOut { alias: self.alias.clone(), pid: self.pid, to, text });
                }
                Ok(Recv::Msg(WorkerCmd::Handle, fds)) => {
                    self.received("handle", &tr!("worker-got-handle"), &fds);
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
                Ok(Recv::Msg(WorkerCmd::Cost { what, rounds }, _)) => self.cost(&what, rounds),
                Ok(Recv::Msg(WorkerCmd::Stop, _)) => self.stop_accepting(),
                // A listener sent after we already have one: nothing to do with it.
                Ok(Recv::Msg(WorkerCmd::Listener, _)) => {}
                Ok(Recv::Msg(WorkerCmd::ParentDeath { how, app }, _)) => self.parent_death(&how, app),
                Ok(Recv::Msg(WorkerCmd::Accept { on }, _)) => self.accept(on),
                Ok(Recv::Msg(WorkerCmd::Drain { ms }, _)) => self.drain_on_term(ms),
                Ok(Recv::Empty) => return None,
                // The master is gone: unless told otherwise (`parent-death`), so are we.
                Ok(Recv::Eof) if self.parent_death != ParentDeath::Default => return self.orphaned(),
                // The master is gone: a worker never outlives it.
                Ok(Recv::Eof) | Err(_) => return Some(0),
            }
        }
    }

    fn send(&self, ev: Event) {
        let _ = self.chan.send(&ev, &[], false);
    }

    /// Acknowledge a command: `of` is what the app waits on, `what` says it to people.
    fn ack(&self, of: AckOf, what: String) {
        self.send(Event::Ack { alias: self.alias.clone(), pid: self.pid, of, what });
    }

    /// The zombie lesson's choice of what happens when the master dies: `signal` keeps
    /// PR_SET_PDEATHSIG (SIGKILL) and waits for it; `disconnect` clears it and exits when the
    /// channel closes, as a Node worker does on IPC disconnect; `none` clears it and serves on.
    fn parent_death(&mut self, how: &str, app: i32) {
        let master = nix::unistd::getppid().as_raw();
        self.parent_death = match how {
            "signal" => ParentDeath::Signal,
            "disconnect" => ParentDeath::Disconnect,
            _ => ParentDeath::Serve { app, master },
        };
        let signal = (how == "signal").then_some(Signal::SIGKILL);
        let _ = nix::sys::prctl::set_pdeathsig(signal);
        self.ack(AckOf::ParentDeath, tr!("worker-ack-parent-death", how = how));
    }

    /// Accept again, or leave the listener out of the epoll set so that nothing is accepted.
    fn accept(&mut self, on: bool) {
        self.accept_off = !on;
        if let Some(l) = &self.listener {
            if on {
                if self.accept_paused.is_none() {
                    let _ = self.watch_listener();
                }
            } else {
                let _ = self.epoll.delete(l.as_fd());
            }
        }
        match on {
            true => self.ack(AckOf::AcceptOn, tr!("worker-ack-accept-on")),
            false => self.ack(AckOf::AcceptOff, tr!("worker-ack-accept-off")),
        }
    }

    /// The channel to the master closed: the master is dying (its fds close before its
    /// children are re-parented and sent their PDEATHSIG).
    fn orphaned(&mut self) -> Option<i32> {
        let _ = self.epoll.delete(self.chan.as_fd());
        let ParentDeath::Serve { app, master } = self.parent_death else {
            // `signal`: the SIGKILL is on its way. `disconnect`: leave, as Node's worker does.
            return (self.parent_death == ParentDeath::Disconnect).then_some(0);
        };
        // Serve on, re-parented to forklab (the subreaper). Once the kernel has re-parented us,
        // arm PDEATHSIG against the new parent, so that no process outlives forklab; if forklab
        // died before prctl, the parent is not forklab and the signal would never come.
        for _ in 0..1000 {
            if nix::unistd::getppid().as_raw() != master {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
        (nix::unistd::getppid().as_raw() != app).then_some(0)
    }

    /// Report a message from the master as it arrived: its size and the fds that came with it.
    fn received(&self, cmd: &str, what: &str, fds: &[std::os::fd::OwnedFd]) {
        let (bytes, fds) = (Chan::last_len() as u64, fds.len() as u32);
        let (alias, pid) = (self.alias.clone(), self.pid);
        self.send(Event::Received {
            alias,
            pid,
            from: crate::proto::role::MASTER.into(),
            cmd: cmd.into(),
            what: what.into(),
            bytes,
            fds,
        });
    }

    /// From now on SIGTERM drains instead of ending the worker at once: SIGTERM is blocked and
    /// read from a signalfd in the loop. A drain lasts `ms` at most.
    fn drain_on_term(&mut self, ms: u32) {
        let limit = Duration::from_millis(u64::from(ms));
        let what = match &mut self.drain {
            Some((_, l)) => {
                *l = limit;
                Ok(())
            }
            None => self.term_fd().map(|fd| self.drain = Some((fd, limit))),
        };
        let what = match what {
            Ok(()) => tr!("worker-ack-drain", ms = ms),
            Err(e) => tr!("worker-ack-no-drain", error = e.to_string()),
        };
        self.ack(AckOf::Drain, what);
    }

    fn term_fd(&self) -> nix::Result<SignalFd> {
        let mut mask = SigSet::empty();
        mask.add(Signal::SIGTERM);
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&mask), None)?;
        let fd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        self.epoll.add(fd.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, TERM))?;
        Ok(fd)
    }

    /// SIGTERM came: stop accepting, close the idle connections, and give the rest until the
    /// drain limit to finish.
    fn on_term(&mut self) {
        let Some((fd, limit)) = &self.drain else { return };
        let limit = *limit;
        let mut term = false;
        while let Ok(Some(_)) = fd.read_signal() {
            term = true;
        }
        if !term || self.drain_until.is_some() {
            return;
        }
        self.drain_until = Some(self.now + limit);
        let open = self.conns.len();
        self.stop_accepting();
        let (closed, busy) = (open - self.conns.len(), self.conns.len());
        let ms = limit.as_millis() as u64;
        self.ack(AckOf::Term, tr!("worker-ack-term", closed = closed, busy = busy, ms = ms));
    }

    /// The drain limit passed: close what is still open (a client waiting for a reply reads
    /// the end of the connection instead) and exit 1, as a forced shutdown does.
    fn cut(&mut self) -> i32 {
        let cut = self.conns.len();
        self.conns.clear();
        self.ack(AckOf::Cut, tr!("worker-ack-cut", cut = cut));
        self.report(true);
        if cut == 0 { 0 } else { 1 }
    }

    /// Slow requests whose reply is due now.
    fn reply_due(&mut self) {
        let now = self.now;
        let due: Vec<RawFd> =
            self.conns.iter().filter(|(_, c)| c.delayed.is_some_and(|(t, _)| t <= now)).map(|(fd, _)| *fd).collect();
        for fd in due {
            self.on_conn(fd, EpollFlags::empty());
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
            .filter(|(_, c)| c.served > 0 && !c.mid_request() && c.out.is_empty())
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
}

/// An epoll_wait timeout of at least `wait`, in whole milliseconds rounded up (at most 60 s).
/// Rounded down, the last fraction of a millisecond before a deadline would become a timeout
/// of 0, and the loop would spin through epoll_wait until the deadline passed: measured under
/// load, that spin was nine in ten of a worker's epoll_wait calls.
pub fn epoll_timeout(wait: Duration) -> EpollTimeout {
    EpollTimeout::from(wait.as_micros().div_ceil(1000).min(60_000) as u16)
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
