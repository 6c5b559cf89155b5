//! The sampler thread: every `--refresh` interval it reads what the kernel says about the
//! processes forklab started (its descendants in /proc) and the CPU usage of each core
//! (sysinfo), and ships one whole snapshot to the app. It ends when the app stops listening.

use crate::sys::procfs::{self, FdEntry};
use crossbeam_channel::Sender;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// What the kernel said about one process at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcSample {
    pub status: procfs::ProcStatus,
    /// Percent of one core since the previous sample.
    pub cpu: f32,
    pub tty: String,
    pub cwd: Option<String>,
    pub stdio: [String; 3],
}

/// One sample of everything the panes show about processes and cores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// forklab itself and all its live descendants, parents before children.
    pub procs: Vec<ProcSample>,
    /// The fd table of each process in `procs`.
    pub fds: BTreeMap<i32, Vec<FdEntry>>,
    /// Usage of each core in percent.
    pub cores: Vec<f32>,
    /// The TCP ports on which a process in `procs` holds a listening socket (its fd table
    /// holds the socket the kernel lists in LISTEN), read with the fd tables.
    pub listening: std::collections::BTreeSet<u16>,
}

/// What the sampler reads beyond the tree: the lesson screen turns it on for lessons whose
/// panes show fd tables (every tick); otherwise they are read once a second.
#[derive(Debug, Default)]
pub struct Detail {
    pub fds_every_tick: std::sync::atomic::AtomicBool,
}

/// Run the sampler until `tx` is closed. `wrap` turns a snapshot into the app's message type.
pub fn run<M: Send + 'static>(every: Duration, detail: std::sync::Arc<Detail>, tx: Sender<M>, wrap: fn(Snapshot) -> M) {
    let me = std::process::id() as i32;
    let mut sys = sysinfo::System::new_with_specifics(
        sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing().with_usage()),
    )
    .ok();
    let mut state = State::default();
    // sysinfo needs two refreshes at least MINIMUM_CPU_UPDATE_INTERVAL apart: the first
    // snapshot's core figures are 0, the next ones are real.
    let every = every.max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    let per_second = (Duration::from_secs(1).as_millis() / every.as_millis().max(1)).max(1) as u64;
    loop {
        let started = Instant::now();
        let full =
            state.tick.is_multiple_of(per_second) || detail.fds_every_tick.load(std::sync::atomic::Ordering::Relaxed);
        let snap = state.sample(me, sys.as_mut(), full);
        state.tick += 1;
        if tx.send(wrap(snap)).is_err() {
            return;
        }
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
}

#[derive(Default)]
struct State {
    /// CPU ticks of each process at the previous sample.
    last: HashMap<i32, (u64, Instant)>,
    /// The parent of every pid seen in /proc. Only a new pid needs its stat read to learn it:
    /// a process that is not ours cannot become ours (orphans of ours re-parent to us, the
    /// subreaper, and were ours already).
    parents: HashMap<i32, i32>,
    tick: u64,
    /// The last fd tables read, kept between full samples.
    fds: BTreeMap<i32, Vec<FdEntry>>,
    /// The ports listened on, as of the last full sample.
    listening: std::collections::BTreeSet<u16>,
    /// The sock_diag socket that lists listening sockets (None if it could not be opened).
    diag: Option<crate::sys::sockdiag::SockDiag>,
}

impl State {
    fn sample(&mut self, me: i32, sys: Option<&mut sysinfo::System>, full: bool) -> Snapshot {
        let cores = match sys {
            Some(sys) => {
                sys.refresh_cpu_usage();
                sys.cpus().iter().map(|c| c.usage()).collect()
            }
            None => Vec::new(),
        };
        let tree = self.descendants(me);
        let now = Instant::now();
        let ticks_per_s = procfs::ticks_per_second();
        let mut procs = Vec::new();
        for pid in tree {
            let Ok(status) = procfs::status(pid) else { continue };
            // Our own processes' parents can change (re-parenting): keep them current.
            self.parents.insert(pid, status.ppid);
            let cpu = match self.last.get(&pid) {
                Some((ticks, at)) => {
                    let secs = now.duration_since(*at).as_secs_f64().max(1e-3);
                    (status.cpu_ticks.saturating_sub(*ticks) as f64 / ticks_per_s / secs * 100.0) as f32
                }
                None => 0.0,
            };
            self.last.insert(pid, (status.cpu_ticks, now));
            let link = |what: &str| {
                std::fs::read_link(format!("/proc/{pid}/{what}")).ok().map(|p| p.to_string_lossy().into_owned())
            };
            let known = self.fds.contains_key(&pid);
            if full || !known {
                self.fds.insert(pid, procfs::fd_table(pid).unwrap_or_default());
            }
            let stdio = ["fd/0", "fd/1", "fd/2"].map(|f| link(f).unwrap_or_else(|| "closed".into()));
            procs.push(ProcSample {
                tty: crate::sys::procfs::tty_name(status.tty_nr),
                cpu,
                cwd: link("cwd"),
                stdio,
                status,
            });
        }
        let live: std::collections::HashSet<i32> = procs.iter().map(|p| p.status.pid).collect();
        self.last.retain(|pid, _| live.contains(pid));
        self.fds.retain(|pid, _| live.contains(pid));
        if full {
            self.listening = self.listening_ports();
        }
        Snapshot { procs, fds: self.fds.clone(), cores, listening: self.listening.clone() }
    }

    /// The ports our processes listen on: the kernel's listening TCP sockets whose inode is in
    /// one of the fd tables read.
    fn listening_ports(&mut self) -> std::collections::BTreeSet<u16> {
        use crate::sys::sockdiag::{Ports, SockDiag, TCP_LISTEN};
        if self.diag.is_none() {
            self.diag = SockDiag::open().ok();
        }
        let Some(diag) = self.diag.as_mut() else { return Default::default() };
        let Ok(socks) = diag.tcp(1 << TCP_LISTEN, Ports::Any) else { return Default::default() };
        let held: std::collections::HashSet<u64> =
            self.fds.values().flatten().filter_map(FdEntry::socket_inode).collect();
        socks.iter().filter(|s| s.inode != 0 && held.contains(&s.inode)).map(|s| s.local.port()).collect()
    }

    /// `me` and every live process below it, parents before children (depth-first, by pid).
    fn descendants(&mut self, me: i32) -> Vec<i32> {
        let mut seen = std::collections::HashSet::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for e in dir.flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
                seen.insert(pid);
                if let std::collections::hash_map::Entry::Vacant(v) = self.parents.entry(pid)
                    && let Some(ppid) = crate::lab::watch::ppid_of(pid)
                {
                    v.insert(ppid);
                }
            }
        }
        self.parents.retain(|pid, _| seen.contains(pid));
        // A process whose parent is gone was re-parented (to us, the subreaper, if it was ours:
        // the note's children once their Node master is killed): read its parent again.
        let orphans: Vec<i32> = (self.parents.iter()).filter(|(_, pp)| !seen.contains(pp)).map(|(p, _)| *p).collect();
        for pid in orphans {
            if let Some(ppid) = crate::lab::watch::ppid_of(pid) {
                self.parents.insert(pid, ppid);
            }
        }
        let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for (pid, ppid) in &self.parents {
            children.entry(*ppid).or_default().push(*pid);
        }
        let mut out = Vec::new();
        let mut stack = vec![me];
        while let Some(pid) = stack.pop() {
            out.push(pid);
            if let Some(kids) = children.get_mut(&pid) {
                kids.sort_unstable();
                // Reverse so that the smallest pid is visited first.
                stack.extend(kids.iter().rev());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_starts_with_us_and_holds_our_children() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let me = std::process::id() as i32;
        let mut state = State::default();
        let tree = state.descendants(me);
        assert_eq!(tree[0], me);
        assert!(tree.contains(&(child.id() as i32)));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
