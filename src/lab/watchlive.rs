//! The interactive `forklab watch`'s producer: a thread that samples the watched tree every
//! refresh interval (the tree by PPID, each process's status, fd tables and sockets as
//! `watch::snapshot_of` reads them, the cores) and ships one whole sample on a channel.
//!
//! A tree that forks and exits faster than the interval is sampled, not chased: a process
//! that began and ended between two samples is never seen. How many there were is not
//! knowable for the tree alone without tracing it; what the kernel does say is how many
//! processes and threads the whole machine started (`processes` in /proc/stat, proc(5)), and
//! which PIDs appeared in /proc. The difference is an upper bound of what the samples missed.
//!
//! The tree and each process's status are read every interval (cheap: one readdir of /proc,
//! a stat read per tree process). The fd tables and sockets are read on a budget: a server
//! holding 10,000 connections has 10,000 fd links to read (one readlink each, ~7 µs of
//! kernel time here), so that part runs at most as often as keeps it under BUDGET_PERCENT of
//! one core, and the sample says how old its fd tables are.

use super::watch::{Snapshot, all_pids, fd_tables_read, ppid_of, snapshot_at, start_of};
use crate::sys::procfs::{self, ProcStatus};
use crate::sys::sockdiag::SockDiag;
use crossbeam_channel::Sender;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// The share of one core the fd tables and sockets may take, in percent.
pub const BUDGET_PERCENT: u32 = 1;

/// One process of a sample: what /proc says, and its CPU use since the previous sample.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveProc {
    pub status: ProcStatus,
    /// Percent of one core since the previous sample.
    pub cpu: f32,
    /// Depth in the tree: 0 for the root.
    pub depth: u8,
    /// It was in the tree, and its parent in the tree exited: the kernel re-parented it to a
    /// process outside the tree (init, or the nearest subreaper: forklab under `watch -- CMD`).
    /// It is still the server's, and is kept in the tree, after the root's own descendants.
    pub orphan: bool,
}

/// One sample of the watched tree.
#[derive(Debug, Clone)]
pub struct LiveSample {
    /// The tree in order (parents before children), with `snap.processes` in the same order.
    pub procs: Vec<LiveProc>,
    /// The fd tables and sockets, when they were read this time (see BUDGET_PERCENT).
    pub snap: Option<Snapshot>,
    /// How often the fd tables are read now: the interval, or longer when they cost more.
    pub fds_every: Duration,
    /// Usage of each core in percent.
    pub cores: Vec<f32>,
    /// Processes and threads the machine started since the previous sample that no sample saw
    /// as a process: an upper bound of what the tree's sampling missed.
    pub missed: u64,
    /// Why the tree could not be read this time (every process of it has exited, or its
    /// sockets could not be read), if it could not.
    pub error: Option<String>,
    /// What this sample cost the sampler thread, wall time.
    pub took: Duration,
}

/// Sample the tree of `root` every `every` until `tx` is closed. `port` is the watched port.
pub fn run<M: Send + 'static>(root: i32, port: u16, every: Duration, tx: Sender<M>, wrap: fn(LiveSample) -> M) {
    let mut sys = sysinfo::System::new_with_specifics(
        sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing().with_usage()),
    )
    .ok();
    let mut diag = SockDiag::open().ok();
    let mut state = State::default();
    let every = every.max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    loop {
        let started = Instant::now();
        let cores = match sys.as_mut() {
            Some(sys) => {
                sys.refresh_cpu_usage();
                sys.cpus().iter().map(|c| c.usage()).collect()
            }
            None => Vec::new(),
        };
        let mut sample = state.sample(root, port, diag.as_mut(), every);
        sample.cores = cores;
        sample.took = started.elapsed();
        let read_fds = sample.snap.is_some();
        if tx.send(wrap(sample)).is_err() {
            return;
        }
        if read_fds {
            crate::sys::alloc::give_back_memory();
        }
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
}

#[derive(Default)]
pub struct State {
    /// The parent of every pid seen in /proc: only a new pid has its stat read to learn it, so
    /// a machine with hundreds of unrelated processes costs one readdir, not hundreds of reads.
    parents: HashMap<i32, i32>,
    /// CPU ticks of each tree process at the previous sample.
    last: HashMap<i32, (u64, Instant)>,
    /// `processes` of /proc/stat at the previous sample.
    forks: Option<u64>,
    /// When the fd tables are next due, and how far apart they are read.
    next_fds: Option<Instant>,
    fds_every: Duration,
    /// The tree's PIDs when the fd tables were last read: a changed tree reads them at once.
    fds_pids: Vec<i32>,
    /// Every process that has been in the tree and is not gone, with its start time: one that
    /// leaves the root's descendants by being re-parented is still followed.
    members: HashMap<i32, u64>,
}

impl State {
    pub fn sample(&mut self, root: i32, port: u16, diag: Option<&mut SockDiag>, every: Duration) -> LiveSample {
        let pids = all_pids();
        let seen: HashSet<i32> = pids.iter().copied().collect();
        let mut new = 0u64;
        for pid in &pids {
            if let std::collections::hash_map::Entry::Vacant(v) = self.parents.entry(*pid) {
                new += 1;
                if let Some(ppid) = ppid_of(*pid) {
                    v.insert(ppid);
                }
            }
        }
        self.parents.retain(|pid, _| seen.contains(pid));
        let forks = machine_forks();
        let missed = match (self.forks, forks) {
            (Some(before), Some(now)) => now.saturating_sub(before).saturating_sub(new),
            _ => 0,
        };
        self.forks = forks;

        let procs = self.tree(root);
        let mut sample = LiveSample {
            procs: Vec::new(),
            snap: None,
            fds_every: self.fds_every.max(every),
            cores: Vec::new(),
            missed,
            error: None,
            took: Duration::ZERO,
        };
        if procs.is_empty() {
            sample.error = Some(tr!("watch-tree-gone"));
            return sample;
        }
        let statuses: Vec<ProcStatus> = procs.iter().map(|(s, _, _)| s.clone()).collect();
        let pids: Vec<i32> = statuses.iter().map(|p| p.pid).collect();
        let (start, cpu) = (Instant::now(), procfs::thread_cpu());
        if self.next_fds.is_none_or(|t| start >= t) || pids != self.fds_pids {
            let (tables, unreadable) = fd_tables_read(pids.iter().copied());
            let snap = match diag {
                Some(d) => snapshot_at(d, root, &statuses, &tables, &unreadable, port),
                None => Err(anyhow::anyhow!("{}", tr!("watch-no-sockdiag"))),
            };
            match snap {
                Ok(s) => sample.snap = Some(s),
                // The port closed (the server stopped listening): still show the tree.
                Err(e) => sample.error = Some(format!("{e:#}")),
            }
            // The budget is of a core: the CPU the reads took (the kernel's readlinks included),
            // not the wall time, which on a busy machine counts the waits for a core too.
            let cost = procfs::thread_cpu().saturating_sub(cpu);
            self.fds_every = every.max(cost * (100 / BUDGET_PERCENT));
            self.next_fds = Some(start + self.fds_every);
            self.fds_pids = pids;
            sample.fds_every = self.fds_every;
        }
        let now = Instant::now();
        let per_s = procfs::ticks_per_second();
        for (status, depth, orphan) in procs {
            let cpu = match self.last.get(&status.pid) {
                Some((ticks, at)) => {
                    let secs = now.duration_since(*at).as_secs_f64().max(1e-3);
                    (status.cpu_ticks.saturating_sub(*ticks) as f64 / per_s / secs * 100.0) as f32
                }
                None => 0.0,
            };
            self.last.insert(status.pid, (status.cpu_ticks, now));
            sample.procs.push(LiveProc { status, cpu, depth, orphan });
        }
        let live: HashSet<i32> = sample.procs.iter().map(|p| p.status.pid).collect();
        self.last.retain(|pid, _| live.contains(pid));
        sample
    }

    /// `root` and its descendants with their depth, parents before children, siblings by PID,
    /// zombies included (state Z: exited, not yet reaped). Then the orphans: processes that were
    /// in the tree and whose parent exited, re-parented outside it (to init or a subreaper),
    /// with their own descendants, after the root's (at depth 1, or 0 once the root is gone).
    /// Empty when every one of them has gone.
    fn tree(&mut self, root: i32) -> Vec<(ProcStatus, u8, bool)> {
        let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for (pid, ppid) in &self.parents {
            children.entry(*ppid).or_default().push(*pid);
        }
        let mut out = Vec::new();
        let mut visited = HashSet::new();
        // The root's PID given to another process since the root ended is not the root.
        if self.members.get(&root).is_none_or(|t| start_of(root) == Some(*t)) {
            self.walk(root, 0, false, &mut children, &mut visited, &mut out);
        }
        let root_live = !out.is_empty();
        let mut orphans: Vec<i32> = self.members.keys().copied().filter(|p| !visited.contains(p)).collect();
        orphans.sort_unstable();
        for pid in orphans {
            // The same process, not another that was given its number since.
            if !visited.contains(&pid) && start_of(pid).is_some_and(|t| self.members.get(&pid) == Some(&t)) {
                self.walk(pid, u8::from(root_live), true, &mut children, &mut visited, &mut out);
            }
        }
        let members = std::mem::take(&mut self.members);
        self.members = out
            .iter()
            .filter_map(|(s, _, _)| {
                let pid = s.pid;
                members.get(&pid).copied().or_else(|| start_of(pid)).map(|t| (pid, t))
            })
            .collect();
        out
    }

    /// `top` and its descendants, depth first, into `out`; `top` marked as an orphan if asked.
    fn walk(
        &mut self,
        top: i32,
        depth: u8,
        orphan: bool,
        children: &mut BTreeMap<i32, Vec<i32>>,
        visited: &mut HashSet<i32>,
        out: &mut Vec<(ProcStatus, u8, bool)>,
    ) {
        let mut stack = vec![(top, depth, None)];
        while let Some((pid, depth, parent)) = stack.pop() {
            if visited.contains(&pid) {
                continue;
            }
            let Ok(status) = procfs::status(pid) else { continue };
            // A tree process's parent is read each time (it can re-parent).
            self.parents.insert(pid, status.ppid);
            // Listed under a parent it has left since (re-parented when that parent exited):
            // it is found again as an orphan.
            if parent.is_some_and(|p| p != status.ppid) {
                continue;
            }
            visited.insert(pid);
            out.push((status, depth, orphan && pid == top));
            if let Some(kids) = children.get_mut(&pid) {
                kids.sort_unstable();
                stack.extend(kids.iter().rev().map(|k| (*k, depth.saturating_add(1), Some(pid))));
            }
        }
    }
}

/// Processes and threads started on this machine since boot (`processes` in /proc/stat).
fn machine_forks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines().find_map(|l| l.strip_prefix("processes ")).and_then(|n| n.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_holds_a_child_one_level_down_and_counts_what_it_missed() {
        let me = std::process::id() as i32;
        let mut state = State::default();
        let first = state.sample(me, 1, None, Duration::from_millis(250));
        assert_eq!(first.procs[0].status.pid, me);
        assert_eq!(first.missed, 0, "nothing to compare with yet");
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        // Three that start and end between two samples: never seen, counted as missed.
        for _ in 0..3 {
            std::process::Command::new("true").status().unwrap();
        }
        let second = state.sample(me, 1, None, Duration::from_millis(250));
        let kid = second.procs.iter().find(|p| p.status.pid == child.id() as i32).expect("the child");
        assert_eq!(kid.depth, 1);
        assert!(second.missed >= 3, "missed {}", second.missed);
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
