//! The zombie lesson's directives: pausing the master's reaping (a dead worker stays a
//! zombie until `waitpid`), choosing what a worker does when its master dies, and what the
//! runner sees of the workers once the master is gone (they are forklab's children then:
//! forklab is the subreaper, so its reaper collects them).

use super::{Info, Runner, Transcript};
use crate::lesson::{ParentDeathKind, Target};
use crate::proto::{AckOf, Cmd, Event, role};
use crate::sys::{procfs, reaper};
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

/// How long a dead worker may take to show as a zombie, or an orphan to end after its master.
const WITHIN: Duration = Duration::from_secs(5);

impl Runner {
    /// `reap off`: the master stops collecting its children. `reap on`: it collects them,
    /// and says how many SIGCHLD it read and how many children one loop of waitpid reaped.
    pub(super) fn reap(&mut self, on: bool, out: &mut Transcript) -> Result<()> {
        self.lab.send(&Cmd::Reap { on })?;
        self.reaping = on;
        if !on {
            return Ok(());
        }
        let (signals, children) = self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::Reaped { signals, children, .. } => Some((*signals, *children)),
            _ => None,
        })?;
        self.measured.reaped = Some((signals, children));
        if self.respawn && children > 0 {
            self.wait(out, Duration::from_secs(20), |ev| matches!(ev, Event::PoolReady { .. }).then_some(()))?;
        }
        Ok(())
    }

    /// Tell a worker what to do when its master dies; it acknowledges once it has done it.
    pub(super) fn parent_death(&mut self, target: &Target, how: ParentDeathKind, out: &mut Transcript) -> Result<()> {
        let alias = target.to_string();
        self.pid_of(target)?;
        self.lab.send(&Cmd::ParentDeath { alias: alias.clone(), how: how.name().into() })?;
        self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::Message { from, ack: Some(AckOf::ParentDeath), .. } if *from == alias => Some(()),
            _ => None,
        })?;
        self.parent_death.insert(alias, how);
        Ok(())
    }

    /// A worker was killed while the master does not reap: wait until /proc shows it a zombie.
    pub(super) fn wait_zombie(&mut self, alias: &str, pid: i32, out: &mut Transcript) -> Result<()> {
        // forklab sent the signal (`kill`); no `exited` follows, since nobody reaps.
        let deadline = Instant::now() + WITHIN;
        let stop = self.lab.stop();
        loop {
            if stop.is_closed() {
                return Err(crate::lab::Abandoned.into());
            }
            let state = procfs::status(pid).map(|s| s.state).unwrap_or('?');
            if state == 'Z' {
                out.info(Info::Zombie { alias: alias.to_string(), pid });
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(tr!(
                    "run-not-a-zombie",
                    alias = alias,
                    pid = pid,
                    state = state.to_string(),
                    within = format!("{WITHIN:?}")
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The master has died: its workers are forklab's children now. Those that do not serve on
    /// (`parent-death W how=none`) are waited for; forklab's reaper tells how each ended.
    pub(super) fn orphans(&mut self, out: &mut Transcript) {
        let workers: Vec<(String, i32)> =
            self.seen.pids.iter().filter(|(a, _)| a.starts_with('W')).map(|(a, p)| (a.clone(), *p)).collect();
        for (alias, pid) in workers {
            let exit = reaper::watch(pid);
            let stays = self.parent_death.get(&alias) == Some(&ParentDeathKind::None);
            let wait = if stays { Duration::ZERO } else { WITHIN };
            // In slices, so that a quit signal or the learner leaving is not held up here.
            let stop = self.lab.stop();
            let deadline = Instant::now() + wait;
            let status = loop {
                let slice = deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(50));
                match reaper::wait_timeout(&exit, slice) {
                    Some(status) => break Some(status),
                    None if stop.is_closed() || Instant::now() >= deadline => break None,
                    None => {}
                }
            };
            let Some(status) = status else { continue };
            let ev = Event::Exited {
                alias,
                pid,
                code: status.code(),
                signal: status.signal_name(),
                core_dumped: matches!(status, reaper::Exit::Signal(_, true)),
            };
            self.seen.observe(&ev);
            out.event(&ev);
        }
    }

    /// Whether the master still runs: after `kill master` it does not, and the pool's orphans
    /// answer nobody's commands.
    pub(super) fn master_alive(&self) -> bool {
        self.seen.pids.contains_key(role::MASTER) && procfs::is_live(self.lab.master_pid)
    }
}

#[cfg(test)]
mod tests {
    use super::super::checks::{Observation, check};
    use crate::lesson::{Expect, Metric, Op, ProcField, ProcValue, Target};

    fn metric(metric: Metric, value: f64) -> Expect {
        Expect::Metric { metric, op: Op::Eq, value }
    }

    /// After reaping resumed: `signals` SIGCHLD read, `children` reaped.
    fn reaped(signals: u32, children: u32) -> Observation {
        let mut o = Observation::default();
        o.measured.reaped = Some((signals, children));
        o
    }

    #[test]
    fn sigchld_and_reaped_are_what_the_master_counted_when_reaping_resumed() {
        assert!(check(&metric(Metric::Sigchld, 1.0), &reaped(1, 2)).0);
        assert!(check(&metric(Metric::Reaped, 2.0), &reaped(1, 2)).0);
        // One signal per child would be a queued signal: the claim `sigchld == 1` fails.
        let (held, detail) = check(&metric(Metric::Sigchld, 1.0), &reaped(2, 2));
        assert!(!held);
        assert_eq!(detail, "sigchld is 2");
        assert!(!check(&metric(Metric::Reaped, 2.0), &reaped(1, 1)).0);
        // Before any `reap on` there is nothing to compare.
        let (held, detail) = check(&metric(Metric::Reaped, 0.0), &Observation::default());
        assert!(!held, "{detail}");
    }

    /// W1 as pid 21, with /proc's state letter `state`.
    fn w1_in_state(state: &str) -> Observation {
        let mut o = Observation::default();
        o.seen.pids.insert("W1".into(), 21);
        o.now.procs.insert("W1".into(), vec![(ProcField::State, state.into())]);
        o
    }

    #[test]
    fn a_state_claim_reads_the_letter_from_proc() {
        let zombie = Expect::Proc {
            target: Target::Worker(1),
            field: ProcField::State,
            equal: true,
            value: ProcValue::Text("Z".into()),
        };
        assert_eq!(check(&zombie, &w1_in_state("Z")), (true, "W1 state is Z, == Z".into()));
        assert_eq!(check(&zombie, &w1_in_state("S")), (false, "W1 state is S, != Z".into()));
        assert!(!check(&zombie, &w1_in_state("gone")).0);
        // A worker the runner no longer lists (reaped) is no process to read.
        assert!(!check(&zombie, &Observation::default()).0);
    }
}
