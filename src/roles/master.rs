//! The master: Node's "primary". One thread, one event loop (epoll(7)) over its control channel
//! to the app, a signalfd for SIGCHLD and the stop signals, every worker's channel, and, in
//! round-robin mode, the listening socket. It creates workers with a real fork(): being
//! single-threaded, the child may run any code after fork, which is what lets the lessons show
//! copy-on-write memory and inherited fds honestly (fork(2)).

use crate::proto::mode::{Handle, Mode};
use crate::proto::{Cmd, Event, HowListening, WorkerCmd};
use crate::roles::worker;
use crate::sys::chan::{Chan, Recv};
use crate::sys::listener::{PortInUse, free_port, local_port, open_listener, reserve_port};
use crate::sys::procfs;
use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{SockFlag, SockType, accept4, sockopt};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getppid};
use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

const CTL: u64 = 0;
const SIGNALS: u64 = 1;
const LISTENER: u64 = 2;
/// The channel to the daemon of the daemon lesson.
const DAEMON: u64 = 3;
/// Worker channel tokens are the worker's index plus this.
const WORKER_BASE: u64 = 100;

/// A restart within this much uptime counts as a crash loop (PM2's `min_uptime` is 1 s).
const MIN_UPTIME: Duration = Duration::from_secs(1);
/// Quick restarts in a row before the master gives up on a worker.
const RESTART_LIMIT: u32 = 6;
/// The first backoff delay after a quick crash; it doubles up to BACKOFF_CAP. (PM2 multiplies
/// by 1.5 up to 15 s; these are smaller so that a lesson shows the whole curve in seconds.)
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(1);
/// How often the master asks each event-loop worker whether it is alive.
const HEARTBEAT_EVERY: Duration = Duration::from_millis(500);
/// A worker silent this long is hung: its loop no longer runs. Longer than any `busy` or
/// `work` a lesson asks for (at most 1.5 s).
const HANG_AFTER: Duration = Duration::from_millis(2500);
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
    /// Already reported hung and killed.
    hung: bool,
    /// Every start of this worker fails (the crash loop).
    poisoned: bool,
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
    rr_next: usize,
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
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).context("blocking signals")?;
        let signals = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .context("creating a signalfd")?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).context("creating an epoll instance")?;
        epoll.add(ctl.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, CTL))?;
        epoll.add(signals.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, SIGNALS))?;
        let pid = std::process::id() as i32;
        let conn_msg = serde_json::to_vec(&WorkerCmd::Conn).context("serializing a command")?;
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
        };
        let ppid = getppid().as_raw();
        m.emit(Event::Spawned { alias: "master".into(), pid, ppid, role: "master".into() });
        Ok(m)
    }

    fn emit(&self, ev: Event) {
        // The app may be gone; the control channel's EOF will end us soon.
        let _ = self.ctl.send(&ev, &[], false);
    }

    fn error(&self, kind: &str, message: String) {
        self.emit(Event::Error { alias: "master".into(), pid: self.pid, kind: kind.into(), message });
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
            Cmd::Kill { alias, signal } => self.kill(&alias, &signal),
            Cmd::Busy { alias, ms } => match self.slot_by_alias(&alias) {
                Some(slot) => {
                    if let Some(chan) = &slot.chan {
                        let _ = chan.send(&WorkerCmd::Busy { ms }, &[], true);
                    }
                }
                None => self.error("no_such_worker", format!("no live worker `{alias}`")),
            },
            Cmd::Stats => self.stats(),
            Cmd::Shutdown => self.quitting = true,
            Cmd::Crash { alias, how } => self.crash(&alias, &how),
            Cmd::Respawn { on } => match &mut self.pool {
                Some(pool) => pool.respawn = on,
                None => self.error("no_pool", "no pool is running".into()),
            },
            Cmd::Ping { alias } => {
                self.seq += 1;
                let seq = self.seq;
                if self.send_to(&alias, &WorkerCmd::Ping { seq }, None, "ping") {
                    self.pings.insert(seq, (Instant::now(), alias));
                }
            }
            Cmd::Broadcast { text } => {
                for alias in self.live_aliases() {
                    let note = WorkerCmd::Note { from: "master".into(), text: text.clone() };
                    self.send_to(&alias, &note, None, "broadcast");
                }
            }
            Cmd::Relay { from, to, text } => {
                let what = format!("please send to {to}");
                self.send_to(&from, &WorkerCmd::Relay { to, text }, None, &what);
            }
            Cmd::SendHandle { alias } => self.send_handle(&alias),
            Cmd::RollingRestart => self.rolling_start(),
            Cmd::Work { alias: Some(alias), threads, ms } => {
                self.send_to(&alias, &WorkerCmd::Threads { threads, ms }, None, "work");
            }
            Cmd::Work { alias: None, ms, .. } => {
                for alias in self.live_aliases() {
                    self.send_to(&alias, &WorkerCmd::Busy { ms }, None, "work");
                }
            }
            Cmd::Counter { alias: Some(alias), threads } => {
                let cmd = WorkerCmd::Counter { threads: Some(threads), add: COUNTER_ADD };
                self.send_to(&alias, &cmd, None, "counter");
            }
            Cmd::Counter { alias: None, .. } => {
                // The master's own copy: it never adds, so it still holds what the workers were
                // forked with.
                let value = worker::COUNTER.load(std::sync::atomic::Ordering::SeqCst);
                self.emit(Event::Counter {
                    alias: "master".into(),
                    pid: self.pid,
                    tid: self.pid,
                    shared: false,
                    value,
                });
                for alias in self.live_aliases() {
                    self.send_to(&alias, &WorkerCmd::Counter { threads: None, add: COUNTER_ADD }, None, "counter");
                }
            }
            Cmd::Daemon { step } => self.daemon_step(&step),
        }
    }

    /// Aliases of the workers that run now, in order.
    fn live_aliases(&self) -> Vec<String> {
        let Some(pool) = &self.pool else { return Vec::new() };
        pool.slots.values().filter(|s| s.pid.is_some() && !s.retiring).map(|s| s.alias.clone()).collect()
    }

    /// Send one message to a worker and report it (from, to, bytes, fds). False if it could not go.
    fn send_to(&self, alias: &str, cmd: &WorkerCmd, fd: Option<std::os::fd::BorrowedFd>, what: &str) -> bool {
        let Some(slot) = self.slot_by_alias(alias) else {
            self.error("no_such_worker", format!("no live worker `{alias}`"));
            return false;
        };
        let Some(chan) = &slot.chan else { return false };
        let bytes = serde_json::to_vec(cmd).unwrap_or_default();
        let fds: Vec<_> = fd.into_iter().collect();
        match chan.send_bytes(&bytes, &fds, true) {
            Ok(()) => {
                self.emit(Event::Message {
                    alias: "master".into(),
                    pid: self.pid,
                    from: "master".into(),
                    to: alias.into(),
                    what: what.into(),
                    bytes: bytes.len() as u64,
                    fds: fds.len() as u32,
                    rtt_us: None,
                });
                true
            }
            Err(e) => {
                self.error("send_failed", format!("sending {what} to {alias}: {e}"));
                false
            }
        }
    }

    /// Node's `worker.send('server', server)`: the listener travels inside a message.
    fn send_handle(&self, alias: &str) {
        let Some(listener) = self.pool.as_ref().and_then(|p| p.listener.as_ref()) else {
            return self.error("no_listener", "the master holds no listener in this mode".into());
        };
        let fd = listener.as_raw_fd();
        if self.send_to(alias, &WorkerCmd::Handle, Some(listener.as_fd()), "handle (the listening socket)") {
            self.emit(Event::FdPassed {
                alias: "master".into(),
                pid: self.pid,
                to: alias.into(),
                fd,
                inode: procfs::socket_inode(self.pid, fd).unwrap_or(0),
                what: "listener".into(),
            });
        }
    }

    /// Tell a worker to crash. From now on it gets no new connection: what it holds is what a
    /// crash can cost.
    fn crash(&mut self, alias: &str, how: &str) {
        let live = self.pool.as_mut().and_then(|p| p.slots.values_mut().find(|s| s.alias == alias && s.pid.is_some()));
        let Some(slot) = live else {
            return self.error("no_such_worker", format!("no live worker `{alias}`"));
        };
        slot.ready = false;
        if how == "loop" {
            slot.poisoned = true;
        }
        // The worker reports what it holds (CrashOrdered) just before it dies: every connection
        // we handed it before this message is in its table by then, and none comes after.
        self.send_to(alias, &WorkerCmd::Crash { how: how.into() }, None, "crash");
    }

    /// Ask every event-loop worker whether it runs; kill the ones that stopped answering.
    fn heartbeats(&mut self) {
        if self.last_heartbeat.elapsed() < HEARTBEAT_EVERY {
            return;
        }
        self.last_heartbeat = Instant::now();
        let Some(pool) = &mut self.pool else { return };
        // A blocking pre-fork worker sits in accept() and never reads its channel.
        if pool.mode == Mode::Blocking {
            return;
        }
        let beat = serde_json::to_vec(&WorkerCmd::Heartbeat).unwrap_or_default();
        let mut hung = Vec::new();
        for slot in pool.slots.values_mut() {
            let (Some(pid), Some(chan)) = (slot.pid, &slot.chan) else { continue };
            let _ = chan.send_bytes(&beat, &[], true);
            let silent = slot.last_beat.elapsed();
            if silent >= HANG_AFTER && !slot.hung && !slot.retiring {
                slot.hung = true;
                slot.ready = false;
                hung.push((slot.alias.clone(), pid, silent));
            }
        }
        for (alias, pid, silent) in hung {
            self.emit(Event::Hung { alias: alias.clone(), pid, silent_ms: silent.as_millis() as u64 });
            self.emit(Event::Signaled { alias, pid, signal: "SIGKILL".into(), by: "master".into() });
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }

    fn rolling_start(&mut self) {
        let Some(pool) = &self.pool else {
            return self.error("no_pool", "no pool is running to restart".into());
        };
        if self.rolling.is_some() {
            return self.error("busy", "a rolling restart is already running".into());
        }
        let old = pool.slots.values().filter(|s| !s.retiring && s.pid.is_some()).map(|s| s.index).collect();
        self.rolling = Some(Rolling { old, current: None, replaced: 0 });
        self.rolling_next();
    }

    /// Start the successor of the next old worker; the old one is told to stop only once the
    /// new one is ready (PM2's reload does the same).
    fn rolling_next(&mut self) {
        loop {
            let Some(rolling) = &mut self.rolling else { return };
            let Some(old) = rolling.old.pop_front() else {
                let replaced = rolling.replaced;
                self.rolling = None;
                self.emit(Event::Rolled { alias: "master".into(), pid: self.pid, replaced });
                if let Some(pool) = &mut self.pool {
                    pool.announced = false;
                }
                self.check_ready();
                return;
            };
            let Some(pool) = &self.pool else { return };
            if pool.slots.get(&old).is_none_or(|s| s.pid.is_none()) {
                continue;
            }
            let new = pool.slots.keys().max().copied().unwrap_or(0) + 1;
            if let Err(e) = self.fork_worker(new) {
                self.rolling = None;
                return self.error("fork_failed", format!("rolling restart: {e:#}"));
            }
            if self.pool.as_ref().is_some_and(|p| p.mode.uses_master_listener() && p.handle == Handle::Pass) {
                self.pass_listener(new);
            }
            if let Some(r) = &mut self.rolling {
                r.current = Some((old, new, false));
            }
            return;
        }
    }

    /// A worker became ready; if it is the successor a rolling restart waits for, retire its
    /// predecessor now.
    fn rolling_ready(&mut self, index: u32) {
        let Some(Rolling { current: Some((old, new, ready)), .. }) = &mut self.rolling else { return };
        if *new != index || *ready {
            return;
        }
        *ready = true;
        let old = *old;
        let Some(pool) = &self.pool else { return };
        let (Some(n), Some(o)) = (pool.slots.get(&index), pool.slots.get(&old)) else { return };
        let (new_alias, old_alias) = (n.alias.clone(), o.alias.clone());
        self.emit(Event::WorkerReady { alias: new_alias.clone(), pid: n.pid.unwrap_or(0) });
        self.emit(Event::Retiring { alias: old_alias, pid: o.pid.unwrap_or(0), replaced_by: new_alias });
        self.retire(old);
    }

    fn daemon_step(&mut self, step: &str) {
        if step == "fork" {
            if self.daemon.is_some() {
                return self.error("daemon_exists", "the daemon lesson's process already exists".into());
            }
            match self.fork_daemon() {
                Ok((chan, pid)) => {
                    self.daemon = Some(chan);
                    self.daemon_first = Some(pid);
                }
                Err(e) => self.error("fork_failed", format!("forking the daemon: {e:#}")),
            }
            return;
        }
        let Some(chan) = &self.daemon else {
            return self.error("no_daemon", "no daemon yet; `daemon fork` comes first".into());
        };
        if let Err(e) = chan.send(&Cmd::Daemon { step: step.into() }, &[], false) {
            self.error("send_failed", format!("sending `{step}` to the daemon: {e}"));
        }
    }

    fn fork_daemon(&mut self) -> Result<(Chan, i32)> {
        let (mine, theirs) = Chan::pair()?;
        let app_pid = getppid().as_raw();
        // SAFETY: the master is single-threaded (see fork_worker).
        match unsafe { fork() }.context("fork")? {
            ForkResult::Child => {
                close_all_but(&[0, 1, 2, theirs.as_raw_fd()]);
                // SAFETY: the fd is open and, after close_all_but, owned by nothing else here.
                let chan = unsafe { Chan::from_raw(theirs.as_raw_fd()) };
                let code = crate::roles::daemon::run(chan, app_pid);
                // SAFETY: _exit is always safe to call.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => {
                drop(theirs);
                self.epoll.add(mine.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, DAEMON))?;
                Ok((mine, child.as_raw()))
            }
        }
    }

    fn on_daemon(&mut self) {
        loop {
            let Some(chan) = &self.daemon else { return };
            match chan.recv::<Event>(true) {
                Ok(Recv::Msg(ev @ Event::Daemon { .. }, _)) => self.emit(ev),
                Ok(Recv::Msg(..)) => {}
                Ok(Recv::Empty) => return,
                Ok(Recv::Eof) | Err(_) => {
                    if let Some(chan) = self.daemon.take() {
                        let _ = self.epoll.delete(chan.as_fd());
                    }
                    return;
                }
            }
        }
    }

    fn slot_by_alias(&self, alias: &str) -> Option<&Slot> {
        self.pool.as_ref()?.slots.values().find(|s| s.alias == alias && s.pid.is_some())
    }

    fn kill(&mut self, alias: &str, signal: &str) {
        let Ok(sig) = signal.parse::<Signal>() else {
            return self.error("bad_signal", format!("unknown signal `{signal}`"));
        };
        let pid = if alias == "master" { Some(self.pid) } else { self.slot_by_alias(alias).and_then(|s| s.pid) };
        let Some(pid) = pid else {
            return self.error("no_such_worker", format!("no live worker `{alias}`"));
        };
        self.emit(Event::Signaled { alias: alias.into(), pid, signal: sig.as_str().into(), by: "master".into() });
        if let Err(e) = kill(Pid::from_raw(pid), sig) {
            self.error("kill_failed", format!("sending {} to {alias} (pid {pid}): {e}", sig.as_str()));
        }
    }

    fn start_pool(&mut self, mode: Mode, workers: usize, port: u16, handle: Handle) -> Result<()> {
        let mut pool = Pool {
            mode,
            handle,
            port,
            target: workers,
            listener: None,
            reservation: None,
            slots: BTreeMap::new(),
            announced: false,
            rr_next: 0,
            respawn: true,
        };
        // In handle-passing mode the workers exist before the listener does.
        let listen_first = mode == Mode::Rr || (mode.uses_master_listener() && handle == Handle::Inherit);
        if mode == Mode::Reuseport {
            let fd = reserve_port(port)?;
            pool.port = local_port(&fd)?;
            pool.reservation = Some(fd);
        } else if listen_first {
            self.open_pool_listener(&mut pool)?;
        } else {
            // Pick the port now so that workers are told it; the listener comes after the fork.
            pool.port = if port == 0 { free_port()? } else { port };
        }
        self.port = pool.port;
        self.pool = Some(pool);
        for i in 1..=workers as u32 {
            self.fork_worker(i)?;
        }
        if !listen_first && mode != Mode::Reuseport {
            let mut pool = self.pool.take().expect("pool just set");
            let opened = self.open_pool_listener(&mut pool);
            self.pool = Some(pool);
            opened?;
            let indexes: Vec<u32> = self.pool.as_ref().map(|p| p.slots.keys().copied().collect()).unwrap_or_default();
            for i in indexes {
                self.pass_listener(i);
            }
        }
        self.check_ready();
        Ok(())
    }

    fn open_pool_listener(&self, pool: &mut Pool) -> Result<()> {
        // The blocking pre-fork worker blocks in accept(); every other mode waits in epoll.
        let (fd, port) = open_listener(pool.port, false, pool.mode != Mode::Blocking)?;
        pool.port = port;
        let inode = procfs::socket_inode(self.pid, fd.as_raw_fd()).unwrap_or(0);
        self.emit(Event::Listening {
            alias: "master".into(),
            pid: self.pid,
            port,
            fd: fd.as_raw_fd(),
            inode,
            how: HowListening::Opened,
        });
        if pool.mode == Mode::Rr {
            self.epoll.add(fd.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, LISTENER))?;
        }
        pool.listener = Some(fd);
        Ok(())
    }

    /// Send the listener to worker `index` over its channel with SCM_RIGHTS.
    fn pass_listener(&self, index: u32) {
        let Some(pool) = &self.pool else { return };
        let (Some(listener), Some(slot)) = (&pool.listener, pool.slots.get(&index)) else { return };
        let (Some(chan), Some(pid)) = (&slot.chan, slot.pid) else { return };
        let _ = pid;
        let fd = listener.as_raw_fd();
        match chan.send(&WorkerCmd::Listener, &[listener.as_fd()], false) {
            Ok(()) => self.emit(Event::FdPassed {
                alias: "master".into(),
                pid: self.pid,
                to: slot.alias.clone(),
                fd,
                inode: procfs::socket_inode(self.pid, fd).unwrap_or(0),
                what: "listener".into(),
            }),
            Err(e) => self.error("pass_failed", format!("passing listener fd {fd} to {}: {e}", slot.alias)),
        }
    }

    /// fork() a worker into slot `index`.
    fn fork_worker(&mut self, index: u32) -> Result<()> {
        let (mine, theirs) = Chan::pair()?;
        let pool = self.pool.as_mut().context("no pool")?;
        let alias = format!("W{index}");
        let inherit = pool.mode.uses_master_listener() && pool.handle == Handle::Inherit;
        let keep_listener = if inherit { pool.listener.as_ref().map(|l| l.as_raw_fd()) } else { None };
        let expect_passed = pool.mode.uses_master_listener() && pool.handle == Handle::Pass;
        let (mode, port) = (pool.mode, pool.port);
        let crash_at_start = pool.slots.get(&index).is_some_and(|s| s.poisoned);
        let master_pid = self.pid;
        // SAFETY: the master is single-threaded (it is exec'd fresh and starts no threads), so
        // the child is an exact copy that may run any code, allocate included; fork(2)'s
        // async-signal-safe restriction applies only to multithreaded parents.
        match unsafe { fork() }.context("fork")? {
            ForkResult::Child => {
                let code = become_worker(master_pid, &alias, theirs.as_raw_fd(), keep_listener, |chan, inherited| {
                    worker::Setup { alias: alias.clone(), mode, port, chan, inherited, expect_passed, crash_at_start }
                });
                // Leave without running the master's destructors or atexit handlers: they
                // belong to the master's state, which this process only has a copy of.
                // SAFETY: _exit is always safe to call.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => {
                drop(theirs);
                let pid = child.as_raw();
                self.epoll.add(mine.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, WORKER_BASE + index as u64))?;
                let pool = self.pool.as_mut().context("no pool")?;
                let slot = pool.slots.entry(index).or_insert_with(|| Slot {
                    index,
                    alias: alias.clone(),
                    pid: None,
                    chan: None,
                    started: Instant::now(),
                    crashes: 0,
                    respawn_at: None,
                    ready: false,
                    retiring: false,
                    stats: None,
                    last_beat: Instant::now(),
                    hung: false,
                    poisoned: false,
                });
                slot.pid = Some(pid);
                slot.chan = Some(mine);
                slot.started = Instant::now();
                slot.respawn_at = None;
                // Ready once it listens or, in rr mode, once its event loop answers a heartbeat.
                slot.ready = false;
                slot.stats = None;
                slot.last_beat = Instant::now();
                slot.hung = false;
                if mode == Mode::Rr {
                    let _ = mine_chan_heartbeat(slot);
                }
                self.emit(Event::Spawned { alias, pid, ppid: self.pid, role: "worker".into() });
                Ok(())
            }
        }
    }

    fn check_ready(&mut self) {
        let Some(pool) = &mut self.pool else { return };
        let live = pool.slots.values().filter(|s| !s.retiring && s.pid.is_some()).count();
        if !pool.announced && live >= pool.target && pool.slots.values().filter(|s| !s.retiring).all(|s| s.ready) {
            pool.announced = true;
            let ev = Event::PoolReady {
                alias: "master".into(),
                pid: self.pid,
                mode: pool.mode,
                port: pool.port,
                workers: live,
            };
            self.emit(ev);
        }
    }

    /// Round-robin (Node's SCHED_RR): the master accepts every connection and hands it to the
    /// next worker over SCM_RIGHTS, then closes its own copy.
    fn dispatch_rr(&mut self) {
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

    fn hand_on(&mut self, conn: OwnedFd) {
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
                    self.error("bad_worker_message", format!("{alias} (pid {pid}) sent {e:#}; dropping it"));
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
        let bytes = serde_json::to_vec(&ev).map_or(0, |b| b.len() as u64);
        let alias = slot.alias.clone();
        let message = |what: String, rtt_us: Option<u64>| Event::Message {
            alias: "master".into(),
            pid: self.pid,
            from: alias.clone(),
            to: "master".into(),
            what,
            bytes,
            fds: 0,
            rtt_us,
        };
        match &ev {
            Event::Stats { .. } => {
                // Kept, not forwarded: the app asks when it wants them.
                slot.stats = Some(ev);
                return;
            }
            Event::Heartbeat { .. } => {
                // Kept out of the log: two a second per worker would bury the story.
                slot.last_beat = Instant::now();
                let rr = self.pool.as_ref().is_some_and(|p| p.mode == Mode::Rr);
                let slot = self.pool.as_mut().and_then(|p| p.slots.get_mut(&index)).expect("found above");
                if rr && !slot.ready && !slot.retiring && !slot.hung {
                    // In rr mode a worker has no listener to report: it is ready once its event
                    // loop answers.
                    slot.ready = true;
                    self.rolling_ready(index);
                    self.check_ready();
                }
                return;
            }
            Event::Pong { seq, .. } => {
                let rtt = self.pings.remove(seq).map(|(at, _)| at.elapsed().as_micros() as u64);
                self.emit(message("pong".into(), rtt));
                return;
            }
            Event::Ack { what, .. } => {
                self.emit(message(format!("ack ({what})"), None));
                return;
            }
            Event::RelayOut { to, text, .. } => {
                let (to, text) = (to.clone(), text.clone());
                self.emit(message(format!("for {to}"), None));
                let note = WorkerCmd::Note { from: alias.clone(), text };
                self.send_to(&to, &note, None, &format!("relayed from {alias}"));
                return;
            }
            Event::HandleGot { .. } => self.emit(message("handle received".into(), None)),
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

    fn stats(&self) {
        let Some(pool) = &self.pool else { return };
        for slot in pool.slots.values() {
            let Some(pid) = slot.pid else { continue };
            let st = procfs::status(pid).unwrap_or_default();
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
            // Context switches as the kernel counts them now, not as of the last report.
            if let Event::Stats { voluntary_ctxt, nonvoluntary_ctxt, .. } = &mut ev {
                *voluntary_ctxt = st.voluntary_ctxt;
                *nonvoluntary_ctxt = st.nonvoluntary_ctxt;
            }
            self.emit(ev);
        }
    }

    fn on_signals(&mut self) {
        while let Ok(Some(info)) = self.signals.read_signal() {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => self.reap(),
                // SIGTERM (also our PR_SET_PDEATHSIG), SIGINT, SIGHUP: stop the pool, leave.
                Ok(_) => self.quitting = true,
                Err(_) => {}
            }
        }
    }

    /// SIGCHLD may stand for several children: reap until none is left.
    fn reap(&mut self) {
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return,
                Ok(st) => {
                    let Some((pid, exit)) = crate::sys::reaper::Exit::from_status(st) else { continue };
                    self.on_exit(pid.as_raw(), exit);
                }
            }
        }
    }

    fn on_exit(&mut self, pid: i32, exit: crate::sys::reaper::Exit) {
        if self.daemon_first == Some(pid) {
            // The daemon's first child: it exits after its fork, so the daemon is an orphan.
            self.daemon_first = None;
            let signal = exit.signal_name();
            self.emit(Event::Exited { alias: "daemon".into(), pid, code: exit.code(), signal, core_dumped: false });
            return;
        }
        let Some(pool) = &mut self.pool else { return };
        let Some(index) = pool.slots.values().find(|s| s.pid == Some(pid)).map(|s| s.index) else { return };
        // Its last words first: what a worker sent just before dying is still queued on its
        // channel, and SIGCHLD can arrive before we have read it.
        self.on_worker(index);
        let Some(pool) = &mut self.pool else { return };
        let slot = pool.slots.get_mut(&index).expect("found above");
        slot.pid = None;
        slot.ready = false;
        let alias = slot.alias.clone();
        if let Some(chan) = slot.chan.take() {
            let _ = self.epoll.delete(chan.as_fd());
        }
        let (core_dumped, signal) = match exit {
            crate::sys::reaper::Exit::Signal(s, core) => (core, Some(s.as_str().to_string())),
            crate::sys::reaper::Exit::Code(_) => (false, None),
        };
        self.emit(Event::Exited { alias: alias.clone(), pid, code: exit.code(), signal, core_dumped });
        let pool = self.pool.as_mut().expect("pool checked above");
        let slot = pool.slots.get_mut(&index).expect("found above");
        if slot.retiring || !pool.respawn {
            pool.slots.remove(&index);
            let rolled = self.rolling.as_ref().is_some_and(|r| r.current.is_some_and(|(old, _, _)| old == index));
            if rolled {
                if let Some(r) = &mut self.rolling {
                    r.current = None;
                    r.replaced += 1;
                }
                self.rolling_next();
            }
            return;
        }
        // Respawn with a backoff; a worker that keeps dying young is given up on.
        if slot.started.elapsed() < MIN_UPTIME {
            slot.crashes += 1;
        } else {
            slot.crashes = 0;
        }
        if slot.crashes >= RESTART_LIMIT {
            let restarts = slot.crashes;
            slot.retiring = true;
            pool.slots.remove(&index);
            self.emit(Event::GaveUp { alias, pid, restarts });
            return;
        }
        let delay = if slot.crashes == 0 {
            Duration::ZERO
        } else {
            (BACKOFF_START * 2u32.pow(slot.crashes - 1)).min(BACKOFF_CAP)
        };
        slot.respawn_at = Some(Instant::now() + delay);
        let restarts = slot.crashes;
        pool.announced = false;
        self.emit(Event::Respawning { alias, pid, delay_ms: delay.as_millis() as u64, restarts });
    }

    fn respawn_due(&mut self) {
        let now = Instant::now();
        let due: Vec<u32> = match &self.pool {
            Some(p) => p.slots.values().filter(|s| s.respawn_at.is_some_and(|t| t <= now)).map(|s| s.index).collect(),
            None => return,
        };
        for index in due {
            if let Err(e) = self.fork_worker(index) {
                self.error("fork_failed", format!("respawning W{index}: {e:#}"));
                continue;
            }
            let passes = self.pool.as_ref().is_some_and(|p| p.mode.uses_master_listener() && p.handle == Handle::Pass);
            if passes {
                self.pass_listener(index);
            }
        }
        self.check_ready();
    }

    fn scale(&mut self, workers: usize) {
        let Some(pool) = &mut self.pool else {
            return self.error("no_pool", "no pool is running to scale".into());
        };
        pool.target = workers;
        pool.announced = false;
        let live: Vec<u32> = pool.slots.values().filter(|s| !s.retiring).map(|s| s.index).collect();
        if live.len() > workers {
            // Retire the newest first, gracefully.
            let retire: Vec<u32> = live.iter().rev().take(live.len() - workers).copied().collect();
            for index in retire {
                self.retire(index);
            }
        } else {
            let mut next = 1;
            for _ in live.len()..workers {
                while self.pool.as_ref().is_some_and(|p| p.slots.contains_key(&next)) {
                    next += 1;
                }
                if let Err(e) = self.fork_worker(next) {
                    return self.error("fork_failed", format!("{e:#}"));
                }
                if self.pool.as_ref().is_some_and(|p| p.mode.uses_master_listener() && p.handle == Handle::Pass) {
                    self.pass_listener(next);
                }
            }
        }
        self.check_ready();
    }

    /// Tell a worker to stop: over its channel when it runs an event loop, with SIGTERM when
    /// it is a blocking worker that sits in accept() and never reads its channel.
    fn retire(&mut self, index: u32) {
        let Some(pool) = &mut self.pool else { return };
        let mode = pool.mode;
        let Some(slot) = pool.slots.get_mut(&index) else { return };
        slot.retiring = true;
        slot.respawn_at = None;
        let Some(pid) = slot.pid else {
            pool.slots.remove(&index);
            return;
        };
        let told =
            mode != Mode::Blocking && slot.chan.as_ref().is_some_and(|c| c.send(&WorkerCmd::Stop, &[], true).is_ok());
        if !told {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
    }

    /// Stop every worker (gracefully, then SIGKILL after STOP_GRACE), wait for each, and close
    /// the listener. Runs its own small loop so the exits are reaped and reported in order.
    fn stop_pool(&mut self) {
        let Some(pool) = &self.pool else { return };
        let indexes: Vec<u32> = pool.slots.keys().copied().collect();
        for i in indexes {
            self.retire(i);
        }
        let deadline = Instant::now() + STOP_GRACE;
        let mut killed = false;
        let mut events = vec![EpollEvent::empty(); 64];
        while self.pool.as_ref().is_some_and(|p| p.slots.values().any(|s| s.pid.is_some())) {
            let now = Instant::now();
            if now >= deadline && !killed {
                killed = true;
                for pid in self.pool.iter().flat_map(|p| p.slots.values()).filter_map(|s| s.pid) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
            let wait = if killed { Duration::from_millis(100) } else { deadline.saturating_duration_since(now) };
            let n = self.epoll.wait(&mut events, worker::epoll_timeout(wait)).unwrap_or(0);
            for ev in &events[..n] {
                match ev.data() {
                    SIGNALS => self.on_signals(),
                    token if token >= WORKER_BASE => self.on_worker((token - WORKER_BASE) as u32),
                    // Commands and new connections wait until the pool is down.
                    _ => {}
                }
            }
            if killed && Instant::now() > deadline + Duration::from_secs(5) {
                break; // cannot happen: SIGKILL always ends a process. Don't hang if it does.
            }
        }
        if let Some(pool) = self.pool.take() {
            if let Some(l) = &pool.listener {
                let _ = self.epoll.delete(l.as_fd());
            }
            self.emit(Event::PoolStopped { alias: "master".into(), pid: self.pid });
        }
    }
}

/// In the child after fork(): make this process a worker. Returns its exit code.
fn become_worker(
    master_pid: i32,
    alias: &str,
    chan_fd: RawFd,
    keep_listener: Option<RawFd>,
    setup: impl FnOnce(Chan, Option<OwnedFd>) -> worker::Setup,
) -> i32 {
    // The master blocks SIGCHLD and the stop signals for its signalfd; a worker must feel
    // SIGTERM and SIGINT with their default action.
    let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // Die with the master. PDEATHSIG fires when the parent *thread* exits; the master has
    // only one. If it died before prctl took effect, our parent has already changed.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if getppid().as_raw() != master_pid {
        return 1;
    }
    let _ = nix::sys::prctl::set_name(c"forklab-worker");
    // fork() copied every fd of the master: its epoll, its signalfd, its channel to the app
    // and the master ends of the other workers' channels. A worker holding those would keep
    // them open (a sibling's EOF would never come), so close all but ours.
    close_all_but(&[0, 1, 2, chan_fd].into_iter().chain(keep_listener).collect::<Vec<_>>());
    let _ = alias;
    // SAFETY: both fds are open in this process and nothing else owns them now: the copies of
    // the master's structures that mention them are never dropped (we leave with _exit).
    let chan = unsafe { Chan::from_raw(chan_fd) };
    let inherited = keep_listener.map(|fd| unsafe { worker::adopt(fd) });
    // A panic in a worker must end the worker as it would end a program: Rust's runtime exits
    // with code 101 after a panic in `main`. Unwinding further would run the master's code in
    // this copy of it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker::run(setup(chan, inherited)))).unwrap_or(101)
}

/// Close every fd of this process except `keep`.
fn close_all_but(keep: &[RawFd]) {
    let fds: Vec<RawFd> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect(),
        Err(_) => return,
    };
    for fd in fds {
        if !keep.contains(&fd) {
            // SAFETY: closing an fd we do not use; the one read_dir had open is already closed
            // (EBADF, ignored).
            unsafe { libc::close(fd) };
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
        eprintln!(
            "forklab-master: fd {} is not a channel from forklab; this role is started by forklab itself",
            crate::sys::spawn::CHAN_FD
        );
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
        bail!("the master has {} threads; it must have one", st.threads);
    }
    Ok(())
}

/// Ask a new rr worker at once whether its loop runs, so it is ready without waiting a beat.
fn mine_chan_heartbeat(slot: &Slot) -> Result<(), Errno> {
    match &slot.chan {
        Some(chan) => chan.send(&WorkerCmd::Heartbeat, &[], true),
        None => Ok(()),
    }
}
