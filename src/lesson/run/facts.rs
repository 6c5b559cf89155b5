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
        ProcField::Exe => or_gone(std::fs::read_link(format!("/proc/{pid}/exe")).ok().map(|p| file_name(&p))),
        ProcField::Script => or_gone(script(pid)),
        ProcField::Fd3Peer => fd3_peer(pid),
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The file name of the first argument after the program and its options (`node --x child1.js`).
fn script(pid: i32) -> Option<String> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<String> = cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let first = args.iter().skip(1).find(|a| !a.starts_with('-'))?;
    Some(file_name(Path::new(first)))
}

/// Who holds the other end of fd 3 when it is a Unix stream socket, by pid, looked for in
/// forklab's own tree (the lab's processes, orphans re-parented to forklab included); else
/// what fd 3 is. sock_diag gives the peer's inode (UDIAG_SHOW_PEER, what `ss -xp` shows).
fn fd3_peer(pid: i32) -> String {
    let tree = crate::lab::watch::tree(std::process::id() as i32).unwrap_or_default();
    fd_peer(pid, 3, tree.iter().map(|p| p.pid).filter(|p| *p != pid))
}

/// [`fd3_peer`] for any fd, looking for the peer among `holders`.
fn fd_peer(pid: i32, fd: i32, holders: impl IntoIterator<Item = i32>) -> String {
    let Some(target) = procfs::fd_target(pid, fd) else { return tr!("facts-no-fd", fd = fd) };
    let Some(inode) = procfs::socket_inode(pid, fd) else { return format!("not a socket ({target})") };
    let sock = crate::sys::sockdiag::SockDiag::open().and_then(|mut d| d.unix(inode));
    let sock = match sock {
        Ok(Some(sock)) => sock,
        Ok(None) => return tr!("facts-not-unix", target = target.as_str()),
        Err(e) => return format!("unknown ({e})"),
    };
    if sock.kind as i32 != libc::SOCK_STREAM {
        return tr!("facts-not-stream", kind = sock.kind_name());
    }
    let Some(peer) = sock.peer else { return tr!("facts-no-peer") };
    let tables = crate::lab::watch::fd_tables(holders);
    match crate::lab::watch::holders(&tables, peer).first() {
        Some((holder, _)) => holder.to_string(),
        None => tr!("facts-peer-outside", peer = peer.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_what_proc_says() {
        let me = std::process::id() as i32;
        let exe = std::env::current_exe().unwrap();
        assert_eq!(proc_fact(me, ProcField::Exe, 0), file_name(&exe));
        // The test binary runs with options or a filter, or none: never an option as its script.
        assert!(!proc_fact(me, ProcField::Script, 0).starts_with('-'));
    }

    #[test]
    fn fd_peer_names_the_holder_of_a_stream_socket_only() {
        use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
        use std::os::fd::AsRawFd;
        let me = std::process::id() as i32;
        let (a, b) = socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC).unwrap();
        assert_eq!(fd_peer(me, a.as_raw_fd(), [me]), me.to_string());
        let other = fd_peer(me, a.as_raw_fd(), [1]);
        assert!(other.ends_with("held by no process of forklab's tree"), "{other}");
        drop(b);
        let (s, _t) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).unwrap();
        assert_eq!(fd_peer(me, s.as_raw_fd(), [me]), "a Unix seqpacket socket, not a stream");
        let (r, _w) = nix::unistd::pipe().unwrap();
        assert!(fd_peer(me, r.as_raw_fd(), [me]).starts_with("not a socket (pipe:["));
    }
}
