//! Facts the runner reads from /proc and the file system when it gathers an observation or
//! measures a `work`: one process's fields as the lessons print them, the daemon's pidfile, the
//! CPUs we may use and their busy time.

use super::checks::PidfileFacts;
use crate::lesson::ProcField;
use crate::sys::procfs;
use std::collections::BTreeSet;
use std::path::Path;

/// The daemon's pidfile and its directory as lstat(2) sees them, the pid it holds, and who
/// holds its flock(2) (/proc/locks).
pub(super) fn pidfile_facts(path: &str) -> PidfileFacts {
    use std::os::unix::fs::MetadataExt;
    let p = Path::new(path);
    let file = std::fs::symlink_metadata(p).ok();
    let dir = p.parent().and_then(|d| std::fs::symlink_metadata(d).ok());
    PidfileFacts {
        path: path.to_string(),
        file: file.as_ref().map(|m| (m.is_file(), m.mode() & 0o777)),
        dir: dir.map(|m| (m.is_dir(), m.mode() & 0o777)),
        holds: std::fs::read_to_string(p).unwrap_or_default().trim().parse::<i32>().ok(),
        lockers: file.map(|m| procfs::flock_holders(m.ino())).unwrap_or_default(),
    }
}

/// One fact of a process from /proc, as the lessons print and compare it; `master` is the
/// process whose file descriptions `shared` looks for.
pub(super) fn proc_fact(pid: i32, field: ProcField, master: i32) -> String {
    let st = procfs::status(pid).unwrap_or_default();
    let or_gone = |v: Option<String>| v.unwrap_or_else(|| "gone".into());
    match field {
        ProcField::Ppid => st.ppid.to_string(),
        ProcField::Pgid => st.pgid.to_string(),
        ProcField::Sid => st.sid.to_string(),
        // tty_nr 0: no controlling terminal (`?` in ps); else its name, as ps shows it.
        ProcField::Tty => {
            if st.tty_nr == 0 {
                "none".into()
            } else {
                procfs::tty_name(st.tty_nr)
            }
        }
        ProcField::Cwd => or_gone(procfs::cwd(pid)),
        ProcField::Umask => or_gone(procfs::umask(pid)),
        ProcField::Fd0 => or_gone(procfs::fd_target(pid, 0)),
        ProcField::Fd1 => or_gone(procfs::fd_target(pid, 1)),
        ProcField::Fd2 => or_gone(procfs::fd_target(pid, 2)),
        ProcField::Shared => or_gone(procfs::shared_descriptions(pid, master).map(|n| n.to_string())),
        ProcField::State => procfs::status(pid).map_or("gone".into(), |s| s.state.to_string()),
    }
}

/// The CPUs this process may run on (sched_getaffinity(2)), by number.
pub(super) fn allowed_cpus() -> BTreeSet<usize> {
    use nix::sched::{CpuSet, sched_getaffinity};
    let set = sched_getaffinity(nix::unistd::Pid::from_raw(0)).unwrap_or_else(|_| CpuSet::new());
    (0..CpuSet::count()).filter(|i| set.is_set(*i).unwrap_or(false)).collect()
}

/// (busy, total) jiffies of each CPU of `cpus` from /proc/stat.
pub(super) fn per_core_ticks(cpus: &BTreeSet<usize>) -> Vec<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(' ')?;
            let n: usize = name.strip_prefix("cpu")?.parse().ok()?;
            cpus.contains(&n).then_some(rest)
        })
        .map(|l| {
            let v: Vec<u64> = l.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            let total: u64 = v.iter().sum();
            // idle and iowait are the 4th and 5th columns.
            let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
            (total - idle, total)
        })
        .collect()
}
