//! Supervision: reaping exits, respawning with a backoff, giving up on a crash loop, and the
//! heartbeats that catch a hung worker.

use super::Master;
use crate::proto::mode::{Handle, Mode};
use crate::proto::{Event, WorkerCmd, role};
use crate::sys::reaper::Exit;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// A restart within this much uptime counts as a crash loop (PM2's `min_uptime` is 1 s).
const MIN_UPTIME: Duration = Duration::from_secs(1);
/// Quick restarts in a row before the master gives up on a worker.
const RESTART_LIMIT: u32 = 6;
/// The first backoff delay after a quick crash; it doubles up to BACKOFF_CAP. (PM2 multiplies
/// by 1.5 up to 15 s; these are smaller so that a lesson shows the whole curve in seconds.)
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(1);
/// How often the master asks each event-loop worker whether it is alive.
pub(super) const HEARTBEAT_EVERY: Duration = Duration::from_millis(500);
/// A worker that answered no heartbeat for this long since it was first asked is hung: its
/// loop no longer runs. Longer than any `busy` or `work` a lesson asks for (at most 1.5 s); a
/// `cost` measurement, which takes as long as the machine makes it, is not timed
/// (Slot::measuring).
const HANG_AFTER: Duration = Duration::from_millis(2500);
/// What the master does about a worker that ended and may be respawned.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Restart {
    /// Fork it again after `delay`; `crashes` quick crashes in a row so far.
    After { delay: Duration, crashes: u32 },
    /// A crash loop: `crashes` quick restarts in a row, no more.
    GiveUp { crashes: u32 },
}

/// The crash-loop accounting: a worker that ran less than MIN_UPTIME counts one more quick
/// crash in a row, one that ran longer starts the count again. Each quick crash doubles the
/// delay from BACKOFF_START up to BACKOFF_CAP; RESTART_LIMIT of them in a row and the master
/// gives up.
pub(super) fn restart(crashes: u32, uptime: Duration) -> Restart {
    let crashes = if uptime < MIN_UPTIME { crashes + 1 } else { 0 };
    if crashes >= RESTART_LIMIT {
        return Restart::GiveUp { crashes };
    }
    let delay = match crashes {
        0 => Duration::ZERO,
        n => BACKOFF_START.saturating_mul(2u32.saturating_pow(n - 1)).min(BACKOFF_CAP),
    };
    Restart::After { delay, crashes }
}

impl Master {
    /// Tell a worker to crash. From now on it gets no new connection: what it holds is what a
    /// crash can cost.
    pub(super) fn crash(&mut self, alias: &str, how: &str) {
        let Some(slot) = self.slot_by_alias_mut(alias) else {
            return self.error("no_such_worker", tr!("master-no-worker", alias = alias));
        };
        slot.ready = false;
        if how == "loop" {
            slot.poisoned = true;
        }
        // The worker reports what it holds (CrashOrdered) just before it dies: every connection
        // we handed it before this message is in its table by then, and none comes after.
        self.send_to(alias, &WorkerCmd::Crash { how: how.into() }, None, &tr!("master-msg-crash"));
    }

    /// Ask every event-loop worker whether it runs; kill the ones that stopped answering.
    pub(super) fn heartbeats(&mut self) {
        if self.last_heartbeat.elapsed() < HEARTBEAT_EVERY {
            return;
        }
        self.last_heartbeat = Instant::now();
        // Answers that came while the master was busy (a measurement of its own) count first.
        let indexes: Vec<u32> = self.pool.iter().flat_map(|p| p.slots.keys().copied()).collect();
        for index in indexes {
            self.on_worker(index);
        }
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
            let asked = *slot.asked.get_or_insert_with(Instant::now);
            let silent = slot.last_beat.elapsed();
            if asked.elapsed() >= HANG_AFTER && !slot.hung && !slot.retiring && !slot.measuring {
                slot.hung = true;
                slot.ready = false;
                hung.push((slot.alias.clone(), pid, silent));
            }
        }
        for (alias, pid, silent) in hung {
            self.emit(Event::Hung { alias: alias.clone(), pid, silent_ms: silent.as_millis() as u64 });
            self.emit(Event::Signaled { alias, pid, signal: "SIGKILL".into(), by: role::MASTER.into(), why: None });
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        // rr: a hand-off that found a worker's channel full is tried again at least this often,
        // even if no connection or acknowledgement comes to prompt it.
        self.hand_off();
    }

    pub(super) fn kill(&mut self, alias: &str, signal: &str) {
        let Ok(sig) = signal.parse::<Signal>() else {
            return self.error("bad_signal", tr!("master-bad-signal", signal = signal));
        };
        let pid = if alias == role::MASTER { Some(self.pid) } else { self.slot_by_alias(alias).and_then(|s| s.pid) };
        let Some(pid) = pid else {
            return self.error("no_such_worker", tr!("master-no-worker", alias = alias));
        };
        self.emit(Event::Signaled {
            alias: alias.into(),
            pid,
            signal: sig.as_str().into(),
            by: role::MASTER.into(),
            why: None,
        });
        if let Err(e) = kill(Pid::from_raw(pid), sig) {
            let error = e.to_string();
            self.error(
                "kill_failed",
                tr!("master-kill-failed", signal = sig.as_str(), alias = alias, pid = pid, error = error),
            );
        }
    }

    pub(super) fn on_signals(&mut self) {
        while let Ok(Some(info)) = self.signals.read_signal() {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => {
                    self.reap();
                }
                // SIGTERM (also our PR_SET_PDEATHSIG), SIGINT, SIGHUP: stop the pool, leave.
                Ok(_) => self.quitting = true,
                Err(_) => {}
            }
        }
    }

    /// SIGCHLD may stand for several children: reap until none is left. Returns how many.
    pub(super) fn reap(&mut self) -> u32 {
        let mut reaped = 0;
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return reaped,
                Ok(st) => {
                    let Some((pid, exit)) = Exit::from_status(st) else { continue };
                    reaped += 1;
                    self.on_exit(pid.as_raw(), exit);
                }
            }
        }
    }

    /// Pause or resume reaping. Paused, SIGCHLD leaves the signalfd's mask but stays blocked,
    /// so the kernel keeps it pending (once, however many children die: signal(7), standard
    /// signals are not queued) and a dead worker stays a zombie. Resumed, the pending SIGCHLD
    /// comes through the signalfd, and one reap loop collects every zombie.
    pub(super) fn set_reaping(&mut self, on: bool) {
        if on == self.reaping {
            return;
        }
        self.reaping = on;
        let mut mask = super::stop_signals();
        if !on {
            mask.remove(Signal::SIGCHLD);
        }
        if let Err(e) = self.signals.set_mask(&mask) {
            return self.error("signal_mask", tr!("master-signal-mask", error = e.to_string()));
        }
        if !on {
            return;
        }
        let mut signals = 0;
        while let Ok(Some(info)) = self.signals.read_signal() {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => signals += 1,
                Ok(_) => self.quitting = true,
                Err(_) => {}
            }
        }
        let children = self.reap();
        self.emit(Event::Reaped { alias: role::MASTER.into(), pid: self.pid, signals, children });
    }

    pub(super) fn on_exit(&mut self, pid: i32, exit: Exit) {
        if self.daemon_first == Some(pid) {
            // The daemon's first child: it exits after its fork, so the daemon is an orphan.
            self.daemon_first = None;
            let signal = exit.signal_name();
            self.emit(Event::Exited { alias: role::DAEMON.into(), pid, code: exit.code(), signal, core_dumped: false });
            return;
        }
        let Some(pool) = &mut self.pool else { return };
        let Some(index) = pool.slots.values().find(|s| s.pid == Some(pid)).map(|s| s.index) else { return };
        // Its last words first: what a worker sent just before dying is still queued on its
        // channel, and SIGCHLD can arrive before we have read it.
        self.on_worker(index);
        let Some(pool) = &mut self.pool else { return };
        // A connection handed to it and not acknowledged died with it in its channel.
        pool.rr.gone(index);
        let slot = pool.slots.get_mut(&index).expect("found above");
        // Its accepts stay with its slot (its last words, just read, are its last report).
        slot.carried += slot.accepted_now();
        slot.stats = None;
        slot.took = 0;
        slot.pid = None;
        slot.ready = false;
        let alias = slot.alias.clone();
        if let Some(chan) = slot.chan.take() {
            let _ = self.epoll.delete(chan.as_fd());
        }
        let (core_dumped, signal) = match exit {
            Exit::Signal(s, core) => (core, Some(s.as_str().to_string())),
            Exit::Code(_) => (false, None),
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
        let (delay, crashes) = match restart(slot.crashes, slot.started.elapsed()) {
            Restart::After { delay, crashes } => (delay, crashes),
            Restart::GiveUp { crashes } => {
                slot.retiring = true;
                pool.slots.remove(&index);
                self.emit(Event::GaveUp { alias, pid, restarts: crashes });
                return;
            }
        };
        slot.crashes = crashes;
        slot.respawn_at = Some(Instant::now() + delay);
        let restarts = slot.crashes;
        pool.announced = false;
        self.emit(Event::Respawning { alias, pid, delay_ms: delay.as_millis() as u64, restarts });
    }

    pub(super) fn respawn_due(&mut self) {
        let now = Instant::now();
        let due: Vec<u32> = match &self.pool {
            Some(p) => p.slots.values().filter(|s| s.respawn_at.is_some_and(|t| t <= now)).map(|s| s.index).collect(),
            None => return,
        };
        for index in due {
            if let Err(e) = self.fork_worker(index) {
                self.error("fork_failed", tr!("master-respawn-failed", index = index, error = format!("{e:#}")));
                continue;
            }
            let passes = self.pool.as_ref().is_some_and(|p| p.mode.uses_master_listener() && p.handle == Handle::Pass);
            if passes {
                self.pass_listener(index);
            }
        }
        self.check_ready();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_millis(10);
    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn a_worker_that_ran_long_enough_is_respawned_at_once() {
        assert_eq!(restart(0, LONG), Restart::After { delay: Duration::ZERO, crashes: 0 });
        // and a long run forgets the quick crashes before it
        assert_eq!(restart(4, LONG), Restart::After { delay: Duration::ZERO, crashes: 0 });
    }

    #[test]
    fn quick_crashes_double_the_delay_up_to_the_cap() {
        let mut crashes = 0;
        let mut delays = Vec::new();
        while let Restart::After { delay, crashes: c } = restart(crashes, QUICK) {
            delays.push(delay.as_millis());
            crashes = c;
        }
        assert_eq!(delays, [100, 200, 400, 800, 1000]);
    }

    #[test]
    fn the_master_gives_up_after_the_limit_of_quick_crashes_in_a_row() {
        assert_eq!(
            restart(RESTART_LIMIT - 2, QUICK),
            Restart::After { delay: BACKOFF_CAP, crashes: RESTART_LIMIT - 1 }
        );
        assert_eq!(restart(RESTART_LIMIT - 1, QUICK), Restart::GiveUp { crashes: RESTART_LIMIT });
    }

    #[test]
    fn uptime_at_the_threshold_is_not_a_quick_crash() {
        assert_eq!(restart(3, MIN_UPTIME), Restart::After { delay: Duration::ZERO, crashes: 0 });
        assert_eq!(
            restart(3, MIN_UPTIME - Duration::from_millis(1)),
            Restart::After { delay: Duration::from_millis(800), crashes: 4 }
        );
    }
}
