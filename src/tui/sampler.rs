//! The sampler thread: every `--refresh` interval it reads what the kernel says about the
//! processes forklab started (its descendants in /proc) and the CPU usage of each core
//! (sysinfo), and ships one whole snapshot to the app. It ends when the app stops listening.

use crate::procfs::{self, FdEntry};
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
}

/// Run the sampler until `tx` is closed. `wrap` turns a snapshot into the app's message type.
pub fn run<M: Send + 'static>(every: Duration, tx: Sender<M>, wrap: fn(Snapshot) -> M) {
    let me = std::process::id() as i32;
    let mut sys = sysinfo::System::new_with_specifics(
        sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing().with_usage()),
    )
    .ok();
    let mut last: HashMap<i32, (u64, Instant)> = HashMap::new();
    // sysinfo needs two refreshes at least MINIMUM_CPU_UPDATE_INTERVAL apart: the first
    // snapshot's core figures are 0, the next ones are real.
    let every = every.max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    loop {
        let started = Instant::now();
        let snap = sample(me, sys.as_mut(), &mut last);
        if tx.send(wrap(snap)).is_err() {
            return;
        }
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
}

fn sample(me: i32, sys: Option<&mut sysinfo::System>, last: &mut HashMap<i32, (u64, Instant)>) -> Snapshot {
    let cores = match sys {
        Some(sys) => {
            sys.refresh_cpu_usage();
            sys.cpus().iter().map(|c| c.usage()).collect()
        }
        None => Vec::new(),
    };
    let tree = descendants(me);
    let now = Instant::now();
    let ticks_per_s = ticks_per_second();
    let mut procs = Vec::new();
    let mut fds = BTreeMap::new();
    for pid in tree {
        let Ok(status) = procfs::status(pid) else { continue };
        let cpu = match last.get(&pid) {
            Some((ticks, at)) => {
                let secs = now.duration_since(*at).as_secs_f64().max(1e-3);
                (status.cpu_ticks.saturating_sub(*ticks) as f64 / ticks_per_s / secs * 100.0) as f32
            }
            None => 0.0,
        };
        last.insert(pid, (status.cpu_ticks, now));
        let link = |what: &str| {
            std::fs::read_link(format!("/proc/{pid}/{what}")).ok().map(|p| p.to_string_lossy().into_owned())
        };
        let stdio = ["fd/0", "fd/1", "fd/2"].map(|f| link(f).unwrap_or_else(|| "closed".into()));
        let sample = ProcSample { tty: tty_name(status.tty_nr), cpu, cwd: link("cwd"), stdio, status };
        fds.insert(pid, procfs::fd_table(pid).unwrap_or_default());
        procs.push(sample);
    }
    last.retain(|pid, _| fds.contains_key(pid));
    Snapshot { procs, fds, cores }
}

/// `me` and every live process below it, parents before children (depth-first, by pid).
fn descendants(me: i32) -> Vec<i32> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            // Field 4 (ppid) is the second after the command name's closing parenthesis.
            let ppid = stat.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(1)?.parse().ok());
            if let Some(ppid) = ppid {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![me];
    while let Some(pid) = stack.pop() {
        out.push(pid);
        if let Some(kids) = children.get(&pid) {
            // Reverse so that the smallest pid is visited first.
            stack.extend(kids.iter().rev());
        }
    }
    out
}

fn ticks_per_second() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().map(|t| t as f64).unwrap_or(100.0)
}

/// `tty_nr` from /proc/<pid>/stat as ps shows it: `pts/3`, `tty1`, or `?` for none.
pub fn tty_name(tty_nr: i32) -> String {
    if tty_nr == 0 {
        return "?".into();
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        _ => format!("{major}:{minor}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tty_numbers_read_like_ps() {
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name(136 << 8 | 3), "pts/3");
        assert_eq!(tty_name(4 << 8 | 1), "tty1");
    }

    #[test]
    fn the_tree_starts_with_us_and_holds_our_children() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let me = std::process::id() as i32;
        let tree = descendants(me);
        assert_eq!(tree[0], me);
        assert!(tree.contains(&(child.id() as i32)));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
