//! `work`: CPU work on the workers' threads, measured by what the kernel charged each process
//! of the lab meanwhile (/proc/<pid>/stat), not by who was told to work.

use super::facts::{allowed_cpus, per_core_ticks};
use super::{Info, Runner, Transcript, Work, WorkDone};
use crate::lesson::{self, Target};
use crate::proto::{Cmd, Event};
use crate::sys::procfs;
use anyhow::Result;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

impl Runner {
    pub(super) fn work(
        &mut self,
        target: Option<&Target>,
        threads: Option<lesson::WorkerCount>,
        ms: u32,
        out: &mut Transcript,
    ) -> Result<()> {
        let told = match target {
            Some(t) => vec![(t.to_string(), self.pid_of(t)?)],
            None => self.seen.pids.iter().filter(|(a, _)| a.starts_with('W')).map(|(a, p)| (a.clone(), *p)).collect(),
        };
        // Every process of the lab, not only those told: the count of PIDs that did the work
        // is what the kernel charged, whoever forklab meant to run it. /proc/<pid>/stat's
        // utime + stime covers all the threads of the process, those that ended too.
        let candidates: Vec<(String, i32)> = self.seen.pids.iter().map(|(a, p)| (a.clone(), *p)).collect();
        let ticks = |pid: i32| procfs::status(pid).map(|s| s.cpu_ticks).unwrap_or(0);
        let ours = allowed_cpus();
        let cores_before = per_core_ticks(&ours);
        let before: Vec<u64> = candidates.iter().map(|(_, p)| ticks(*p)).collect();
        let started = Instant::now();
        let n = threads.map(|t| t.resolve()).unwrap_or(1);
        self.lab.send(&Cmd::Work { alias: target.map(|t| t.to_string()), threads: n, ms })?;
        let mut tids: BTreeSet<i32> = BTreeSet::new();
        let mut done = 0;
        let want = told.len();
        self.wait(out, Duration::from_secs(30), |ev| match ev {
            Event::Threads { tids: t, .. } => {
                tids.extend(t);
                None
            }
            Event::WorkDone { .. } => {
                done += 1;
                (done == want).then_some(())
            }
            _ => None,
        })?;
        let wall = started.elapsed().as_secs_f64();
        let hz = crate::sys::procfs::ticks_per_second();
        let used: Vec<(String, i32, f64)> = (candidates.iter().zip(&before))
            .map(|((a, p), b)| (a.clone(), *p, ticks(*p).saturating_sub(*b) as f64 / hz))
            .collect();
        // A process did the work when the kernel charged it at least a quarter of what the
        // busiest one got, and more than the tick or two an idle worker answering heartbeats
        // uses. Relative, not a share of the work's time: on a machine whose other programs
        // keep the cores busy, a worker told to spin for 1 s may get 0.1 s of CPU, and it
        // still did the work (all-cores-busy then says the machine was busy).
        let most = used.iter().map(|(_, _, cpu)| *cpu).fold(0.0, f64::max);
        let floor = (most / 4.0).max(3.0 / hz);
        let short =
            used.iter().filter(|(a, p, cpu)| *cpu < floor && told.contains(&(a.clone(), *p))).cloned().collect();
        let by_proc: Vec<(String, i32, f64)> = used.into_iter().filter(|(_, _, cpu)| *cpu >= floor).collect();
        for (_, pid, _) in &by_proc {
            tids.insert(*pid);
        }
        let cpu: f64 = by_proc.iter().map(|(_, _, c)| c).sum();
        let cores_used = cpu / wall.max(0.001);
        let deltas: Vec<(u64, u64)> = (per_core_ticks(&ours).iter().zip(cores_before.iter()))
            .map(|((busy1, all1), (busy0, all0))| (busy1.saturating_sub(*busy0), all1.saturating_sub(*all0)))
            .collect();
        let pcts: Vec<f64> = deltas.iter().map(|(busy, all)| 100.0 * *busy as f64 / (*all).max(1) as f64).collect();
        // What the rest of the machine used meanwhile, on the cores we may use: their busy
        // time minus ours. It only explains a shortfall; no claim is decided on it.
        let busy_all = deltas.iter().map(|(busy, _)| *busy).sum::<u64>() as f64 / hz;
        let others = ((busy_all - cpu) / wall.max(0.001)).max(0.0);
        let work = Work { cores_used, pids: by_proc.len(), tids: tids.len(), others, by_proc: by_proc.clone(), short };
        self.measured.work = Some(work.clone());
        let tids = tids.into_iter().collect();
        let procs = by_proc.iter().map(|(a, p, _)| (a.clone(), *p)).collect();
        out.info(Info::Work(WorkDone { procs, tids, cpu_s: cpu, wall_s: wall, per_core: pcts, work }));
        Ok(())
    }
}
