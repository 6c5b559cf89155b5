//! The master: Node's "primary". One thread, one event loop (epoll(7)) over its control channel
//! to the app, a signalfd for SIGCHLD and the stop signals, every worker's channel, and, in
//! round-robin mode, the listening socket. It creates workers with a real fork(): being
//! single-threaded, the child may run any code after fork, which is what lets the lessons show
//! copy-on-write memory and inherited fds honestly (fork(2)).
//!
//! One `impl Master` block per concern: this file holds the state, the event loop and the
//! dispatch of commands and worker messages; `pool` starts, scales and stops a pool; `rr` hands
//! connections out in round-robin mode; `supervise` reaps, respawns and watches heartbeats;
//! `rolling` replaces workers one at a time; `daemon_ctl` drives the daemon lesson; `fork` is
//! what runs in the child after fork().

mod cost;
mod daemon_ctl;
mod fork;
mod pool;
mod rolling;
mod rr;
mod supervise;

use fork::close_all_but;
use supervise::HEARTBEAT_EVERY;

use crate::proto::mode::{Handle, Mode};
use crate::proto::{AckOf, Cmd, Event, WorkerCmd, role};
use crate::roles::worker;
use crate::sys::chan::{Chan, Recv};
use crate::sys::listener::PortInUse;
use crate::sys::procfs;
use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{SockType, sockopt};
use nix::unistd::{Pid, getppid};
use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

const CTL: u64 = 0;
const SIGNALS: u64 = 1;
const LISTENER: u64 = 2;
/// The channel to the daemon of the daemon lesson.
const DAEMON: u64 = 3;
/// The pipe the daemon's fds 1 and 2 write to, until it points them at /dev/null.
const DAEMON_OUT: u64 = 4;
/// Worker channel tokens are the worker's index plus this.
const WORKER_BASE: u64 = 100;

/// What each worker adds to a counter in the `threads` lesson.
const COUNTER_ADD: u64 = 1000;
/// How long a worker told to stop may take to finish its connections before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// One worker place in the pool: W1, W2, ... The alias stays when the process is replaced.
struct Slot {
    index: u32,
    alias: String,
    pid: Option<i32>,
    chan: Option<Chan>,
    started: Instant,
    /// Quick crashes in a row.
    crashes: u32,
    respawn_at: Option<Instant>,
    ready: bool,
    /// Told to stop (scale down, pool stop): do not respawn.
    retiring: bool,
    stats: Option<Event>,
    /// The last heartbeat answer (or the fork).
    last_beat: Instant,
    /// The first heartbeat sent since that answer: silence counts from then. A master busy
    /// with a measurement of its own asks nothing meanwhile, and nobody was silent for that.
    asked: Option<Instant>,
    /// Already reported hung and killed.
    hung: bool,
    /// Told to measure a cost, which runs on its loop thread for as long as the machine makes
    /// it take (under load, or strace, seconds): it answers no heartbeat meanwhile and is not
    /// hung for that, until it reports the figures.
    measuring: bool,
    /// Every start of this worker fails (the crash loop).
    poisoned: bool,
    /// rr mode: connections the process now in this slot acknowledged (the master's count).
    took: u64,
    /// Connections the earlier processes of this slot accepted: a worker that dies takes its
    /// process's counters with it, not the slot's.
    carried: u64,
    /// The pid of the process that last ran in this slot, to name it while it respawns.
    last_pid: i32,
}

impl Slot {
    /// The worker answered (a heartbeat, a measurement's figures) or is new: its silence, and
    /// the wait for an answer to the next heartbeat, start again from now.
    fn answered(&mut self) {
        self.last_beat = Instant::now();
        self.asked = None;
    }

    /// Connections the process now in this slot accepted: what it last reported, or in rr
    /// mode the master's own count if that is ahead (a report lags up to REPORT_EVERY).
    fn accepted_now(&self) -> u64 {
        let reported = match &self.stats {
            Some(Event::Stats { accepted, .. }) => *accepted,
            _ => 0,
        };
        reported.max(self.took)
    }
}

/// A rolling restart in progress: the old workers still to replace, and the pair in flight.
struct Rolling {
    old: std::collections::VecDeque<u32>,
    /// (old index, new index) and whether the new one is ready.
    current: Option<(u32, u32, bool)>,
    replaced: u32,
}

struct Pool {
    mode: Mode,
    handle: Handle,
    port: u16,
    target: usize,
    /// The master's listener (shared, exclusive, blocking and rr modes).
    listener: Option<OwnedFd>,
    /// reuseport mode: a bound, non-listening socket that keeps the port ours while workers
    /// come and go. It never receives connections: only listening sockets do.
    reservation: Option<OwnedFd>,
    slots: BTreeMap<u32, Slot>,
    announced: bool,
    /// rr mode: the free workers and the connections waiting for one.
    rr: rr::RoundRobin<OwnedFd>,
    /// rr mode: the listener is out of the epoll set while the queue is full.
    accept_paused: bool,
    /// Whether workers that end are started again.
    respawn: bool,
}

struct Master {
    pid: i32,
    ctl: Chan,
    epoll: Epoll,
    signals: SignalFd,
    pool: Option<Pool>,
    /// The port chosen by the first pool; later pools reuse it so the lesson's URL holds.
    port: u16,
    quitting: bool,
    /// `WorkerCmd::Conn`, serialized once: it goes out with every connection in rr mode.
    conn_msg: Vec<u8>,
    /// Pings in flight: sequence number → (sent at, to whom).
    pings: BTreeMap<u64, (Instant, String)>,
    seq: u64,
    last_heartbeat: Instant,
    rolling: Option<Rolling>,
    /// The daemon lesson: the channel to the daemon, and the pid of its first child (ours).
    daemon: Option<Chan>,
    daemon_first: Option<i32>,
    /// The read end of the daemon's stdout and stderr: a stand-in for the terminal a shell
    /// would give it.
    daemon_out: Option<OwnedFd>,
    /// Whether SIGCHLD is read and children reaped (the zombie lesson pauses it).
    reaping: bool,
    /// forklab's pid: the subreaper an orphaned worker is re-parented to.
    app: i32,
    /// Workers' counter reports still awaited before the master reports its own copy.
    counter_wait: usize,
}

/// Run the master on the channel at `chan_fd`; returns the exit code.
pub fn run(ctl: Chan) -> i32 {
    match Master::new(ctl).and_then(|mut m| m.run()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("forklab-master: {e:#}");
            1
        }
    }
}

fn stop_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in [Signal::SIGCHLD, Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        set.add(s);
    }
    set
}

impl Master {
    fn new(ctl: Chan) -> Result<Master> {
        let set = stop_signals();
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).with_context(|| tr!("master-blocking-signals"))?;
        let signals = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .with_context(|| tr!("master-creating-signalfd"))?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).with_context(|| tr!("master-creating-epoll"))?;
        epoll.add(ctl.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, CTL))?;
        epoll.add(signals.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, SIGNALS))?;
        let pid = std::process::id() as i32;
        let conn_msg = serde_json::to_vec(&WorkerCmd::Conn).with_context(|| tr!("master-serializing"))?;
        let m = Master {
            pid,
            ctl,
            epoll,
            signals,
            pool: None,
            port: 0,
            quitting: false,
            conn_msg,
            pings: BTreeMap::new(),
            seq: 0,
            last_heartbeat: Instant::now(),
            rolling: None,
            daemon: None,
            daemon_first: None,
            daemon_out: None,
            reaping: true,
            app: getppid().as_raw(),
            counter_wait: 0,
        };
        let ppid = m.app;
        m.emit(Event::Spawned { alias: role::MASTER.into(), pid, ppid, role: role::MASTER.into() });
        Ok(m)
    }

    fn emit(&self, ev: Event) {
        // The app may be gone; the control channel's EOF will end us soon.
        let _ = self.ctl.send(&ev, &[], false);
    }

    fn error(&self, kind: &str, message: String) {
        self.emit(Event::Error { alias: role::MASTER.into(), pid: self.pid, kind: kind.into(), message });
    }

    fn run(&mut self) -> Result<()> {
        let mut events = vec![EpollEvent::empty(); 64];
        while !self.quitting {
            let timeout = self.next_timeout();
            let n = match self.epoll.wait(&mut events, timeout) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e).context("epoll_wait"),
            };
            for ev in &events[..n] {
                match ev.data() {
                    CTL => self.on_ctl(),
                    SIGNALS => self.on_signals(),
                    LISTENER => self.dispatch_rr(),
                    DAEMON => self.on_daemon(),
                    DAEMON_OUT => self.on_daemon_out(),
                    token => self.on_worker((token - WORKER_BASE) as u32),
                }
            }
            self.respawn_due();
            self.heartbeats();
        }
        self.stop_pool();
        Ok(())
    }

    fn next_timeout(&self) -> EpollTimeout {
        let mut due = self.pool.iter().flat_map(|p| p.slots.values()).filter_map(|s| s.respawn_at).min();
        if self.pool.as_ref().is_some_and(|p| !p.slots.is_empty()) {
            let beat = self.last_heartbeat + HEARTBEAT_EVERY;
            due = Some(due.map_or(beat, |d| d.min(beat)));
        }
        match due {
            Some(t) => worker::epoll_timeout(t.saturating_duration_since(Instant::now())),
            None => EpollTimeout::NONE,
        }
    }

    fn on_ctl(&mut self) {
        loop {
            match self.ctl.recv::<Cmd>(true) {
                Ok(Recv::Msg(cmd, _)) => self.on_cmd(cmd),
                Ok(Recv::Empty) => return,
                // The app is gone (or sent garbage): stop everything and leave.
                Ok(Recv::Eof) => {
                    self.quitting = true;
                    return;
                }
                Err(e) => self.error("bad_command", format!("{e:#}")),
            }
        }
    }

    fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Start { mode, workers, port, handle } => {
                self.stop_pool();
                let port = if port == 0 { self.port } else { port };
                if let Err(e) = self.start_pool(mode, workers, port, handle) {
                    let kind = if e.downcast_ref::<PortInUse>().is_some() { "port_in_use" } else { "start_failed" };
                    self.error(kind, format!("{e:#}"));
                    self.stop_pool();
                }
            }
            Cmd::Scale { workers } => self.scale(workers),
            Cmd::Stop => self.stop_pool(),
            Cmd::Term { grace_ms } => self.term_pool(Duration::from_millis(u64::from(grace_ms))),
            Cmd::Drain { ms } => {
                for alias in self.live_aliases() {
                    self.send_to(&alias, &WorkerCmd::Drain { ms }, None, &tr!("master-msg-drain"));
                }
            }
            Cmd::Kill { alias, signal } => self.kill(&alias, &signal),
            Cmd::Busy { alias, ms } => match self.slot_by_alias(&alias) {
                Some(slot) => {
                    if let Some(chan) = &slot.chan {
                        let _ = chan.send(&WorkerCmd::Busy { ms }, &[], true);
                    }
                }
                None => self.error("no_such_worker", tr!("master-no-worker", alias = alias)),
            },
            Cmd::Stats => self.stats(),
            Cmd::Shutdown => self.quitting = true,
            Cmd::Crash { alias, how } => self.crash(&alias, &how),
            Cmd::Respawn { on } => match &mut self.pool {
                Some(pool) => pool.respawn = on,
                None => self.error("no_pool", tr!("master-no-pool")),
            },
            Cmd::Ping { alias } => {
                self.seq += 1;
                let seq = self.seq;
                if self.send_to(&alias, &WorkerCmd::Ping { seq }, None, &tr!("master-msg-ping")) {
                    self.pings.insert(seq, (Instant::now(), alias));
                }
            }
            Cmd::Broadcast { text } => {
                for alias in self.live_aliases() {
                    let note = WorkerCmd::Note { from: role::MASTER.into(), text: text.clone() };
                    self.send_to(&alias, &note, None, &tr!("master-msg-broadcast"));
                }
            }
            Cmd::Relay { from, to, text } => {
                let what = tr!("master-msg-relay", to = &to);
                self.send_to(&from, &WorkerCmd::Relay { to, text }, None, &what);
            }
            Cmd::SendHandle { alias } => self.send_handle(&alias),
            Cmd::RollingRestart => self.rolling_start(),
            Cmd::Work { alias: Some(alias), threads, ms } => {
                self.send_to(&alias, &WorkerCmd::Threads { threads, ms }, None, &tr!("master-msg-work"));
            }
            Cmd::Work { alias: None, ms, .. } => {
                for alias in self.live_aliases() {
                    self.send_to(&alias, &WorkerCmd::Busy { ms }, None, &tr!("master-msg-work"));
                }
            }
            Cmd::Counter { alias: Some(alias), threads } => {
                let cmd = WorkerCmd::Counter { threads: Some(threads), add: COUNTER_ADD };
                self.send_to(&alias, &cmd, None, &tr!("master-msg-counter"));
            }
            Cmd::Counter { alias: None, .. } => {
                // Each worker adds to its copy; the master reads its own once every worker
                // that was told has reported what it wrote.
                let cmd = WorkerCmd::Counter { threads: None, add: COUNTER_ADD };
                let what = tr!("master-msg-counter");
                self.counter_wait = self.live_aliases().iter().filter(|a| self.send_to(a, &cmd, None, &what)).count();
                if self.counter_wait == 0 {
                    self.own_counter();
                }
            }
            Cmd::Daemon { step } => self.daemon_step(&step),
            Cmd::Reap { on } => self.set_reaping(on),
            Cmd::Backlog { n } => self.backlog(n),
            Cmd::Accept { on } => {
                let what = if on { tr!("master-msg-accept-on") } else { tr!("master-msg-accept-off") };
                for alias in self.live_aliases() {
                    self.send_to(&alias, &WorkerCmd::Accept { on }, None, &what);
                }
            }
            Cmd::ParentDeath { alias, how } => {
                let cmd = WorkerCmd::ParentDeath { how: how.clone(), app: self.app };
                self.send_to(&alias, &cmd, None, &tr!("master-msg-parent-death", how = &how));
            }
            Cmd::Cost { alias: Some(alias), what, rounds } => {
                if self.send_to(&alias, &WorkerCmd::Cost { what, rounds }, None, &tr!("master-msg-cost"))
                    && let Some(slot) = self.slot_by_alias_mut(&alias)
                {
                    slot.measuring = true;
                }
            }
            Cmd::Cost { alias: None, what, rounds } => self.cost(&what, rounds),
        }
    }

    /// The master's own copy of the counter, as it reads it now.
    fn own_counter(&self) {
        let value = worker::COUNTER.load(std::sync::atomic::Ordering::SeqCst);
        self.emit(Event::Counter { alias: role::MASTER.into(), pid: self.pid, tid: self.pid, shared: false, value });
    }

    /// Aliases of the workers that run now, in order.
    fn live_aliases(&self) -> Vec<String> {
        let Some(pool) = &self.pool else { return Vec::new() };
        pool.slots.values().filter(|s| s.pid.is_some() && !s.retiring).map(|s| s.alias.clone()).collect()
    }

    /// Send one message to a worker and report it (from, to, bytes, fds). False if it could not go.
    fn send_to(&self, alias: &str, cmd: &WorkerCmd, fd: Option<std::os::fd::BorrowedFd>, what: &str) -> bool {
        let Some(slot) = self.slot_by_alias(alias) else {
            self.error("no_such_worker", tr!("master-no-worker", alias = alias));
            return false;
        };
        let Some(chan) = &slot.chan else { return false };
        let bytes = serde_json::to_vec(cmd).unwrap_or_default();
        let fds: Vec<_> = fd.into_iter().collect();
        match chan.send_bytes(&bytes, &fds, true) {
            Ok(()) => {
                self.emit(Event::Message {
                    alias: role::MASTER.into(),
                    pid: self.pid,
                    from: role::MASTER.into(),
                    to: alias.into(),
                    what: what.into(),
                    bytes: bytes.len() as u64,
                    fds: fds.len() as u32,
                    rtt_us: None,
                    ack: None,
                });
                true
            }
            Err(e) => {
                self.error("send_failed", tr!("master-send-failed", what = what, alias = alias, error = e.to_string()));
                false
            }
        }
    }

    /// Node's `worker.send('server', server)`: the listener travels inside a message.
    fn send_handle(&self, alias: &str) {
        let Some(listener) = self.pool.as_ref().and_then(|p| p.listener.as_ref()) else {
            return self.error("no_listener", tr!("master-no-listener"));
        };
        let fd = listener.as_raw_fd();
        if self.send_to(alias, &WorkerCmd::Handle, Some(listener.as_fd()), &tr!("master-msg-handle")) {
            self.emit(Event::FdPassed {
                alias: role::MASTER.into(),
                pid: self.pid,
                to: alias.into(),
                fd,
                inode: procfs::socket_inode(self.pid, fd).unwrap_or(0),
                what: tr!("master-fd-listener"),
            });
        }
    }

    fn slot_by_alias(&self, alias: &str) -> Option<&Slot> {
        self.pool.as_ref()?.slots.values().find(|s| s.alias == alias && s.pid.is_some())
    }

    fn slot_by_alias_mut(&mut self, alias: &str) -> Option<&mut Slot> {
        self.pool.as_mut()?.slots.values_mut().find(|s| s.alias == alias && s.pid.is_some())
    }

    fn on_worker(&mut self, index: u32) {
        loop {
            let Some(chan) = self.pool.as_ref().and_then(|p| p.slots.get(&index)).and_then(|s| s.chan.as_ref()) else {
                return;
            };
            match chan.recv::<Event>(true) {
                Ok(Recv::Msg(ev, _)) => self.on_worker_event(index, ev),
                Ok(Recv::Empty) => return,
                Ok(Recv::Eof) => {
                    // The worker is gone; SIGCHLD will tell how.
                    self.close_chan(index);
                    return;
                }
                Err(e) => {
                    // A malformed or oversized message: this worker cannot be trusted to speak
                    // the protocol. Drop it (the reaper reports its end) and keep serving.
                    let Some(slot) = self.pool.as_ref().and_then(|p| p.slots.get(&index)) else { return };
                    let (alias, pid) = (slot.alias.clone(), slot.pid.unwrap_or(0));
                    let error = format!("{e:#}");
                    self.error(
                        "bad_worker_message",
                        tr!("master-bad-worker-message", alias = &alias, pid = pid, error = error),
                    );
                    // Kill before closing the channel: on EOF the worker would exit on its
                    // own, and its end would read as a clean exit rather than the drop it is.
                    if pid > 0 {
                        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                    }
                    self.close_chan(index);
                    return;
                }
            }
        }
    }

    fn close_chan(&mut self, index: u32) {
        if let Some(slot) = self.pool.as_mut().and_then(|p| p.slots.get_mut(&index))
            && let Some(chan) = slot.chan.take()
        {
            let _ = self.epoll.delete(chan.as_fd());
        }
    }

    fn on_worker_event(&mut self, index: u32, ev: Event) {
        let Some(slot) = self.pool.as_mut().and_then(|p| p.slots.get_mut(&index)) else { return };
        // A worker speaks only for itself.
        if ev.alias() != slot.alias || Some(ev.pid()) != slot.pid {
            return;
        }
        if let Event::Took { .. } = ev {
            // One a connection in rr mode: kept out of the log, and not even measured.
            return self.took(index);
        }
        let bytes = serde_json::to_vec(&ev).map_or(0, |b| b.len() as u64);
        let alias = slot.alias.clone();
        let message = |what: String, rtt_us: Option<u64>, ack: Option<AckOf>| Event::Message {
            alias: role::MASTER.into(),
            pid: self.pid,
            from: alias.clone(),
            to: role::MASTER.into(),
            what,
            bytes,
            fds: 0,
            rtt_us,
            ack,
        };
        match &ev {
            Event::Stats { .. } => {
                // Kept, not forwarded: the app asks when it wants them.
                slot.stats = Some(ev);
                return;
            }
            Event::Heartbeat { .. } => {
                // Kept out of the log: two a second per worker would bury the story.
                slot.answered();
                let rr = self.pool.as_ref().is_some_and(|p| p.mode == Mode::Rr);
                let slot = self.pool.as_mut().and_then(|p| p.slots.get_mut(&index)).expect("found above");
                if rr && !slot.ready && !slot.retiring && !slot.hung {
                    // In rr mode a worker has no listener to report: it is ready once its event
                    // loop answers.
                    slot.ready = true;
                    if let Some(pool) = &mut self.pool {
                        pool.rr.ready(index);
                    }
                    self.rolling_ready(index);
                    self.check_ready();
                    self.hand_off();
                }
                return;
            }
            Event::Pong { seq, .. } => {
                let rtt = self.pings.remove(seq).map(|(at, _)| at.elapsed().as_micros() as u64);
                self.emit(message(tr!("master-msg-pong"), rtt, None));
                return;
            }
            Event::Ack { of, what, .. } => {
                self.emit(message(tr!("master-msg-ack", what = what), None, Some(*of)));
                return;
            }
            Event::RelayOut { to, text, .. } => {
                let (to, text) = (to.clone(), text.clone());
                self.emit(message(tr!("master-msg-for", to = &to), None, None));
                let note = WorkerCmd::Note { from: alias.clone(), text };
                self.send_to(&to, &note, None, &tr!("master-msg-relayed", from = &alias));
                return;
            }
            Event::Counter { shared: false, .. } if self.counter_wait > 0 => {
                self.emit(ev);
                self.counter_wait -= 1;
                if self.counter_wait == 0 {
                    self.own_counter();
                }
                return;
            }
            Event::Cost { .. } | Event::Error { .. } => {
                // Measured (or failed to): its loop runs again, and heartbeats count from now.
                slot.measuring = false;
                slot.answered();
            }
            Event::HandleGot { .. } => self.emit(message(tr!("master-msg-handle-got"), None, None)),
            Event::Listening { .. } => {
                slot.ready = true;
                self.emit(ev);
                self.rolling_ready(index);
                self.check_ready();
                return;
            }
            _ => {}
        }
        self.emit(ev);
        self.check_ready();
    }

    /// One `Stats` per slot, a respawning one included. `accepted` counts the slot's
    /// connections across its restarts (see `Slot::carried`), so the accepts of a worker that
    /// died are not lost from the total.
    fn stats(&mut self) {
        // What the workers said before this command came in, acknowledgements included.
        let indexes: Vec<u32> = self.pool.iter().flat_map(|p| p.slots.keys().copied()).collect();
        for index in indexes {
            self.on_worker(index);
        }
        let Some(pool) = &self.pool else { return };
        for slot in pool.slots.values() {
            let pid = slot.pid.unwrap_or(slot.last_pid);
            let st = slot.pid.and_then(|pid| procfs::status(pid).ok()).unwrap_or_default();
            let mut ev = slot.stats.clone().unwrap_or(Event::Stats {
                alias: slot.alias.clone(),
                pid,
                accepted: 0,
                requests: 0,
                wakeups: 0,
                empty_wakeups: 0,
                voluntary_ctxt: 0,
                nonvoluntary_ctxt: 0,
            });
            if let Event::Stats { accepted, voluntary_ctxt, nonvoluntary_ctxt, .. } = &mut ev {
                *accepted = slot.carried + slot.accepted_now();
                // Context switches as the kernel counts them now, not as of the last report.
                *voluntary_ctxt = st.voluntary_ctxt;
                *nonvoluntary_ctxt = st.nonvoluntary_ctxt;
            }
            self.emit(ev);
        }
    }
}

/// The `forklab __master` role: the channel to the app is on fd 3.
pub fn main_role() -> i32 {
    let _ = nix::sys::prctl::set_name(c"forklab-master");
    // Whatever started forklab may have left fds without close-on-exec (a terminal's, a
    // build tool's pipe); the master's fd table is on screen in the lessons, so it holds only
    // stdio and its channel (daemon(7) gives the same advice).
    close_all_but(&[0, 1, 2, crate::sys::spawn::CHAN_FD]);
    // Started by hand (`forklab __master`), fd 3 is closed or something else: adopting it
    // would abort on the first close (Rust's IO-safety check), so refuse clearly instead.
    if !is_seqpacket(crate::sys::spawn::CHAN_FD) {
        eprintln!("forklab-master: {}", tr!("master-not-a-channel", fd = crate::sys::spawn::CHAN_FD));
        return 2;
    }
    // SAFETY: the app put our channel on fd 3 (spawn::CHAN_FD) and nothing else owns it.
    let ctl = unsafe { Chan::from_raw(crate::sys::spawn::CHAN_FD) };
    if let Err(e) = bail_if_not_single_threaded() {
        eprintln!("forklab-master: {e:#}");
        return 1;
    }
    run(ctl)
}

/// Whether `fd` is an open SOCK_SEQPACKET socket (what the app passes as the channel).
fn is_seqpacket(fd: RawFd) -> bool {
    // SAFETY: only borrowed for the getsockopt call; a closed fd makes it fail with EBADF.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    nix::sys::socket::getsockopt(&borrowed, sockopt::SockType).is_ok_and(|t| t == SockType::SeqPacket)
}

/// The master must be single-threaded for fork() to be safe to use freely.
fn bail_if_not_single_threaded() -> Result<()> {
    let st = procfs::status(std::process::id() as i32)?;
    if st.threads != 1 {
        bail!("{}", tr!("master-threads", threads = st.threads));
    }
    Ok(())
}
