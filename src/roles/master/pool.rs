use super::fork::become_worker;
use super::{LISTENER, Master, Pool, SIGNALS, STOP_GRACE, Slot, WORKER_BASE};
use crate::proto::mode::{Handle, Mode};
use crate::proto::{AckOf, Event, HowListening, StopWhy, WorkerCmd, role};
use crate::roles::worker;
use crate::sys::chan::Chan;
use crate::sys::listener::{free_port, local_port, open_listener, reserve_port};
use crate::sys::procfs;
use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::sys::epoll::{EpollEvent, EpollFlags};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{ForkResult, Pid, fork};
use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

impl Master {
    pub(super) fn start_pool(&mut self, mode: Mode, workers: usize, port: u16, handle: Handle) -> Result<()> {
        let mut pool = Pool {
            mode,
            handle,
            port,
            target: workers,
            listener: None,
            reservation: None,
            slots: BTreeMap::new(),
            announced: false,
            rr: Default::default(),
            accept_paused: false,
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

    pub(super) fn open_pool_listener(&self, pool: &mut Pool) -> Result<()> {
        // The blocking pre-fork worker blocks in accept(); every other mode waits in epoll.
        let (fd, port) = open_listener(pool.port, false, pool.mode != Mode::Blocking)?;
        pool.port = port;
        let inode = procfs::socket_inode(self.pid, fd.as_raw_fd()).unwrap_or(0);
        self.emit(Event::Listening {
            alias: role::MASTER.into(),
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

    /// listen(2) again on the listener: on a socket that already listens, Linux only sets the
    /// new backlog (capped at net.core.somaxconn). Answered with an `Ack` from the master.
    pub(super) fn backlog(&self, n: u32) {
        let Some(listener) = self.pool.as_ref().and_then(|p| p.listener.as_ref()) else {
            return self.error("no_listener", tr!("master-no-listener"));
        };
        let backlog = nix::sys::socket::Backlog::new(n as i32);
        match backlog.and_then(|b| nix::sys::socket::listen(listener, b)) {
            Ok(()) => {
                let what = tr!("master-ack-listen", fd = listener.as_raw_fd(), n = n);
                self.emit(Event::Ack { alias: role::MASTER.into(), pid: self.pid, of: AckOf::Listen, what });
            }
            Err(e) => self.error("listen_failed", tr!("master-listen-failed", n = n, error = e.to_string())),
        }
    }

    /// Send the listener to worker `index` over its channel with SCM_RIGHTS.
    pub(super) fn pass_listener(&self, index: u32) {
        let Some(pool) = &self.pool else { return };
        let (Some(listener), Some(slot)) = (&pool.listener, pool.slots.get(&index)) else { return };
        let (Some(chan), Some(pid)) = (&slot.chan, slot.pid) else { return };
        let _ = pid;
        let fd = listener.as_raw_fd();
        match chan.send(&WorkerCmd::Listener, &[listener.as_fd()], false) {
            Ok(()) => self.emit(Event::FdPassed {
                alias: role::MASTER.into(),
                pid: self.pid,
                to: slot.alias.clone(),
                fd,
                inode: procfs::socket_inode(self.pid, fd).unwrap_or(0),
                what: tr!("master-fd-listener"),
            }),
            Err(e) => {
                let error = e.to_string();
                self.error("pass_failed", tr!("master-pass-failed", fd = fd, alias = &slot.alias, error = error))
            }
        }
    }

    /// fork() a worker into slot `index`.
    pub(super) fn fork_worker(&mut self, index: u32) -> Result<()> {
        let (mine, theirs) = Chan::pair()?;
        let pool = self.pool.as_mut().with_context(|| tr!("master-no-pool"))?;
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
        match unsafe { fork() }.map_err(|e| fork_failed(e, &alias))? {
            ForkResult::Child => {
                let code = become_worker(master_pid, theirs.as_raw_fd(), keep_listener, |chan, inherited| {
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
                let pool = self.pool.as_mut().with_context(|| tr!("master-no-pool"))?;
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
                    asked: None,
                    hung: false,
                    measuring: false,
                    poisoned: false,
                    took: 0,
                    carried: 0,
                    last_pid: pid,
                });
                slot.pid = Some(pid);
                slot.last_pid = pid;
                slot.took = 0;
                slot.chan = Some(mine);
                slot.started = Instant::now();
                slot.respawn_at = None;
                // Ready once it listens or, in rr mode, once its event loop answers a heartbeat.
                slot.ready = false;
                slot.stats = None;
                slot.answered();
                slot.hung = false;
                slot.measuring = false;
                if mode == Mode::Rr {
                    let _ = mine_chan_heartbeat(slot);
                }
                self.emit(Event::Spawned { alias, pid, ppid: self.pid, role: role::WORKER.into() });
                Ok(())
            }
        }
    }

    pub(super) fn check_ready(&mut self) {
        let Some(pool) = &mut self.pool else { return };
        let live = pool.slots.values().filter(|s| !s.retiring && s.pid.is_some()).count();
        if !pool.announced && live >= pool.target && pool.slots.values().filter(|s| !s.retiring).all(|s| s.ready) {
            pool.announced = true;
            let ev = Event::PoolReady {
                alias: role::MASTER.into(),
                pid: self.pid,
                mode: pool.mode,
                port: pool.port,
                workers: live,
            };
            self.emit(ev);
        }
    }

    pub(super) fn scale(&mut self, workers: usize) {
        let Some(pool) = &mut self.pool else {
            return self.error("no_pool", tr!("master-no-pool-to-scale"));
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
    pub(super) fn retire(&mut self, index: u32) {
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
            // Said before it happens, so that "killed by SIGTERM" on screen reads as a stop.
            let why = if mode == Mode::Blocking { StopWhy::BlockedInAccept } else { StopWhy::ChannelRefused };
            let alias = slot.alias.clone();
            self.emit(Event::Signaled {
                alias,
                pid,
                signal: "SIGTERM".into(),
                by: role::MASTER.into(),
                why: Some(why),
            });
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
    }

    /// Stop every worker (gracefully, then SIGKILL after STOP_GRACE), wait for each, and close
    /// the listener. Runs its own small loop so the exits are reaped and reported in order.
    pub(super) fn stop_pool(&mut self) {
        // Stopping waits for SIGCHLD: reap again (the zombie lesson may have paused it).
        self.set_reaping(true);
        let Some(pool) = &self.pool else { return };
        let indexes: Vec<u32> = pool.slots.keys().copied().collect();
        for i in indexes {
            self.retire(i);
        }
        self.stop_within(STOP_GRACE);
    }

    /// Stop the pool as systemd stops a service: SIGTERM to every worker, then SIGKILL to each
    /// one still running when `grace` is over (systemd.kill(5)). PM2 does the same with SIGINT
    /// and 1.6 s.
    pub(super) fn term_pool(&mut self, grace: Duration) {
        self.set_reaping(true);
        let Some(pool) = &mut self.pool else {
            return self.error("no_pool", tr!("master-no-pool-to-stop"));
        };
        let mut signaled = Vec::new();
        for slot in pool.slots.values_mut() {
            slot.retiring = true;
            slot.respawn_at = None;
            if let Some(pid) = slot.pid {
                signaled.push((slot.alias.clone(), pid));
            }
        }
        for (alias, pid) in signaled {
            let signal = Signal::SIGTERM.as_str().into();
            self.emit(Event::Signaled { alias, pid, signal, by: role::MASTER.into(), why: None });
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        self.stop_within(grace);
    }

    /// Wait for every worker of the pool to end, SIGKILL the ones left after `grace`, then
    /// close the listener.
    fn stop_within(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let mut killed = false;
        let mut events = vec![EpollEvent::empty(); 64];
        while self.pool.as_ref().is_some_and(|p| p.slots.values().any(|s| s.pid.is_some())) {
            let now = Instant::now();
            if now >= deadline && !killed {
                killed = true;
                let left: Vec<(String, i32)> = (self.pool.iter().flat_map(|p| p.slots.values()))
                    .filter_map(|s| Some((s.alias.clone(), s.pid?)))
                    .collect();
                for (alias, pid) in left {
                    let signal = Signal::SIGKILL.as_str().into();
                    self.emit(Event::Signaled { alias, pid, signal, by: role::MASTER.into(), why: None });
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
            self.emit(Event::PoolStopped { alias: role::MASTER.into(), pid: self.pid });
        }
    }
}

/// Ask a new rr worker at once whether its loop runs, so it is ready without waiting a beat.
pub(super) fn mine_chan_heartbeat(slot: &Slot) -> Result<(), Errno> {
    match &slot.chan {
        Some(chan) => chan.send(&WorkerCmd::Heartbeat, &[], true),
        None => Ok(()),
    }
}

/// fork(2)'s error for worker `alias`. EAGAIN is a limit reached (fork(2): RLIMIT_NPROC, or
/// the pids controller of the cgroup), which the user can act on: say which and what to do.
fn fork_failed(e: Errno, alias: &str) -> anyhow::Error {
    match e {
        Errno::EAGAIN => anyhow::anyhow!("{}", tr!("master-fork-limit", alias = alias, error = e.to_string())),
        e => anyhow::Error::new(e).context(tr!("master-forking", alias = alias)),
    }
}
