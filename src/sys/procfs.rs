//! What the kernel says about a process, read from /proc (proc(5)). Each figure a lesson shows
//! about a process comes from here, not from what forklab thinks it did.

use anyhow::{Context, Result};
use serde::Serialize;
use std::fs;

/// One entry of `/proc/<pid>/fd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FdEntry {
    pub fd: i32,
    /// Where the link points: `socket:[123]`, `/dev/null`, `pipe:[456]`, `anon_inode:[eventpoll]`.
    pub target: String,
}

impl FdEntry {
    /// The inode of a socket fd, from `socket:[INODE]`.
    pub fn socket_inode(&self) -> Option<u64> {
        self.target.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
    }
}

/// The fd table of a process, sorted by fd number, each link as its text ([`fd_links`] read
/// it; a socket's or pipe's text is rebuilt exactly from its inode).
pub fn fd_table(pid: i32) -> Result<Vec<FdEntry>> {
    Ok(fd_links(pid)?.into_iter().map(|l| FdEntry { fd: l.fd, target: l.target.to_string() }).collect())
}

/// Where an fd links to, kept compact: a socket or pipe as its inode (no text to allocate for
/// each of a server's 10,000 connections), anything else as the link's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FdTarget {
    /// `socket:[INODE]`
    Socket(u64),
    /// `pipe:[INODE]`
    Pipe(u64),
    /// Any other link, as readlink gave it: `/dev/null`, `anon_inode:[eventpoll]`.
    Other(Box<str>),
}

impl FdTarget {
    pub fn parse(text: &str) -> FdTarget {
        let inode = |prefix: &str| text.strip_prefix(prefix)?.strip_suffix(']')?.parse::<u64>().ok();
        match (inode("socket:["), inode("pipe:[")) {
            // Only when the text reads back the same (no leading zeros): the link's text is kept.
            (Some(i), _) if text.len() == "socket:[]".len() + digits(i) => FdTarget::Socket(i),
            (_, Some(i)) if text.len() == "pipe:[]".len() + digits(i) => FdTarget::Pipe(i),
            _ => FdTarget::Other(text.into()),
        }
    }

    pub fn socket_inode(&self) -> Option<u64> {
        match self {
            FdTarget::Socket(i) => Some(*i),
            _ => None,
        }
    }
}

fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The link's text, as /proc shows it.
impl std::fmt::Display for FdTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FdTarget::Socket(i) => write!(f, "socket:[{i}]"),
            FdTarget::Pipe(i) => write!(f, "pipe:[{i}]"),
            FdTarget::Other(s) => f.write_str(s),
        }
    }
}

/// As the link's text: the same string `FdEntry::target` holds.
impl Serialize for FdTarget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One fd and where it links to, compact (see FdTarget).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdLink {
    pub fd: i32,
    pub target: FdTarget,
}

impl FdLink {
    pub fn socket_inode(&self) -> Option<u64> {
        self.target.socket_inode()
    }
}

/// The fd table of a process as [`fd_table`] reads it, sorted by fd number, but compact and
/// without an allocation per fd: the directory is listed with one buffer (getdents64) and each
/// link read into one buffer (readlinkat relative to the directory), which for a server holding
/// 10,000 connections is 10,000 PathBufs and Strings a read fewer.
pub fn fd_links(pid: i32) -> Result<Vec<FdLink>> {
    use nix::dir::Dir;
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;
    let path = format!("/proc/{pid}/fd");
    let mut dir = Dir::open(path.as_str(), OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .with_context(|| format!("reading {path}"))?;
    let dirfd = std::os::fd::AsRawFd::as_raw_fd(&dir);
    // On Linux 6.2 and later the directory's size is its number of open fds.
    let size = fs::metadata(&path).map(|m| m.len() as usize).unwrap_or(0);
    let mut out = Vec::with_capacity(size.min(1 << 20));
    let mut buf = [0u8; 4096];
    for entry in dir.iter() {
        // An error is not skipped: readdir(3) after one reads the same place again, so
        // `continue` could spin for ever (std's ReadDir ends at its first error for that
        // reason). A process that ended meanwhile is no error: glibc reads its ENOENT as the end.
        let entry = entry.with_context(|| format!("reading {path}"))?;
        let name = entry.file_name();
        let Some(fd) = name.to_str().ok().and_then(|s| s.parse::<i32>().ok()) else { continue };
        // SAFETY: readlinkat writes at most buf.len() bytes into buf, which lives across the
        // call; name is a NUL-terminated string borrowed from the directory entry.
        let n = unsafe { libc::readlinkat(dirfd, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        // An fd can close between the listing and readlink: skip it rather than fail.
        let Ok(n) = usize::try_from(n) else { continue };
        let target = if n < buf.len() {
            FdTarget::parse(&String::from_utf8_lossy(&buf[..n]))
        } else {
            // The buffer was filled: the link may be longer (a deep path). Read it whole.
            let Ok(text) = fs::read_link(format!("{path}/{fd}")) else { continue };
            FdTarget::parse(&text.to_string_lossy())
        };
        out.push(FdLink { fd, target });
    }
    out.sort_unstable_by_key(|e| e.fd);
    out.shrink_to_fit();
    Ok(out)
}

/// The socket inode behind one fd of a process.
pub fn socket_inode(pid: i32, fd: i32) -> Option<u64> {
    let target = fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    FdEntry { fd, target: target.to_string_lossy().into_owned() }.socket_inode()
}

/// Fields of `/proc/<pid>/status` and `/proc/<pid>/stat` the lessons use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProcStatus {
    pub pid: i32,
    pub name: String,
    /// R, S, D, T, Z, ...
    pub state: char,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    /// The controlling terminal as `tty_nr` encodes it; 0 when there is none.
    pub tty_nr: i32,
    pub threads: u32,
    pub rss_kib: u64,
    pub voluntary_ctxt: u64,
    pub nonvoluntary_ctxt: u64,
    /// utime + stime in clock ticks.
    pub cpu_ticks: u64,
}

/// A text file of /proc, read whole. The command name in `status` and `stat` is whatever bytes
/// the program's file name or prctl(PR_SET_NAME) gave it, not necessarily UTF-8: read strictly,
/// one such process would make its whole file unreadable (and vanish from every scan). Its
/// name is the one field that can hold such bytes, so only the name is changed by reading
/// lossily; every number stays as the kernel wrote it.
pub fn read_text(path: &str) -> std::io::Result<String> {
    fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// `TracerPid:` of /proc/<pid>/status: the process ptrace-attached to it (strace), 0 if none.
pub fn tracer_pid(pid: i32) -> i32 {
    let text = read_text(&format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix("TracerPid:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

pub fn status(pid: i32) -> Result<ProcStatus> {
    let path = format!("/proc/{pid}/status");
    let text = read_text(&path).with_context(|| format!("reading {path}"))?;
    let mut st = ProcStatus { pid, ..ProcStatus::default() };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        let first = value.split_whitespace().next().unwrap_or("");
        match key {
            "Name" => st.name = value.to_string(),
            "State" => st.state = first.chars().next().unwrap_or('?'),
            "PPid" => st.ppid = first.parse().unwrap_or(0),
            "Threads" => st.threads = first.parse().unwrap_or(0),
            "VmRSS" => st.rss_kib = first.parse().unwrap_or(0),
            "voluntary_ctxt_switches" => st.voluntary_ctxt = first.parse().unwrap_or(0),
            "nonvoluntary_ctxt_switches" => st.nonvoluntary_ctxt = first.parse().unwrap_or(0),
            _ => {}
        }
    }
    let path = format!("/proc/{pid}/stat");
    let stat = read_text(&path).with_context(|| format!("reading {path}"))?;
    // The command name is in parentheses and may itself hold spaces or ')': fields start
    // after the last ')'. Field 3 (state) is index 0 here.
    if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        st.pgid = num(2) as i32;
        st.sid = num(3) as i32;
        st.tty_nr = num(4) as i32;
        st.cpu_ticks = (num(11) + num(12)) as u64;
    }
    Ok(st)
}

/// Whether a process is alive and not yet a zombie.
pub fn is_live(pid: i32) -> bool {
    status(pid).map(|s| s.state != 'Z' && s.state != 'X').unwrap_or(false)
}

/// The TCP connections (sockets not in LISTEN state) on local port `port` in a process's fd
/// table: its fds' socket inodes among the sockets sock_diag lists on that port. The kernel
/// filters by port, so the tens of thousands of TIME-WAIT rows a load leaves on the machine are
/// never read (as /proc/<pid>/net/tcp would have them, all of them, as text).
pub fn tcp_conns(pid: i32, port: u16) -> Result<usize> {
    let inodes: std::collections::HashSet<u64> = fd_table(pid)?.iter().filter_map(|e| e.socket_inode()).collect();
    tcp_conns_among(port, &inodes)
}

/// The TCP sockets on local port `port`, other than listeners, among `inodes`.
fn tcp_conns_among(port: u16, inodes: &std::collections::HashSet<u64>) -> Result<usize> {
    if inodes.is_empty() {
        return Ok(0);
    }
    // TCP_ESTABLISHED (1) to TCP_CLOSING (11), but TCP_LISTEN (10).
    const ALL_BUT_LISTEN: u32 = 0xffe & !(1 << 10);
    let socks = super::sockdiag::SockDiag::open()?.tcp(ALL_BUT_LISTEN, super::sockdiag::Ports::Local(port))?;
    Ok(socks.iter().filter(|s| s.inode != 0 && inodes.contains(&s.inode)).count())
}

/// The live processes whose parent is `ppid`, by a scan of /proc: what the kernel links, not
/// what anyone reported.
pub fn children(ppid: i32) -> Vec<ProcStatus> {
    let Ok(dir) = fs::read_dir("/proc") else { return Vec::new() };
    let mut kids: Vec<ProcStatus> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| status(pid).ok())
        .filter(|st| st.ppid == ppid && st.state != 'Z' && st.state != 'X')
        .collect();
    kids.sort_by_key(|st| st.pid);
    kids
}

/// The thread IDs of a process, from /proc/<pid>/task (proc(5)); the first is the PID itself.
pub fn tids(pid: i32) -> Vec<i32> {
    let mut tids: Vec<i32> = fs::read_dir(format!("/proc/{pid}/task"))
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    tids.sort_unstable();
    tids
}

/// Where a process's working directory is (`/proc/<pid>/cwd`).
pub fn cwd(pid: i32) -> Option<String> {
    fs::read_link(format!("/proc/{pid}/cwd")).ok().map(|p| p.to_string_lossy().into_owned())
}

/// Where one fd of a process points, e.g. `/dev/null` or `pipe:[123]`.
pub fn fd_target(pid: i32, fd: i32) -> Option<String> {
    fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok().map(|p| p.to_string_lossy().into_owned())
}

/// Which of `pids` holds the socket `inode`, and by which fd: the first found, asking in the
/// order given. Each process's fd numbers are listed (one getdents each), then their links are
/// read from the highest number down, one of each process in turn, until the socket is found: a
/// connection just accepted usually has one of the highest numbers, so a server holding 10,000
/// other connections is read a few links deep, not 10,000 (what fd_table would cost), and a
/// process that does not hold it costs as many links as the one that does.
pub fn find_socket(pids: &[i32], inode: u64) -> Option<(i32, i32)> {
    let mut lists: Vec<(i32, Vec<i32>)> = pids
        .iter()
        .filter_map(|&pid| {
            let dir = fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
            let mut fds: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
            fds.sort_unstable();
            Some((pid, fds))
        })
        .collect();
    while lists.iter().any(|(_, fds)| !fds.is_empty()) {
        for (pid, fds) in &mut lists {
            let Some(fd) = fds.pop() else { continue };
            // An fd can close between the listing and the readlink: it reads as no socket.
            if socket_inode(*pid, fd) == Some(inode) {
                return Some((*pid, fd));
            }
        }
    }
    None
}

/// How many of `pid`'s fds above 2 refer to the same open file description as one of
/// `other`'s fds (kcmp(2) with KCMP_FILE, Linux 3.5): for a child, what its fork handed down
/// and it still holds. None when /proc or kcmp cannot tell (a process gone, no permission).
pub fn shared_descriptions(pid: i32, other: i32) -> Option<usize> {
    let mine = fd_table(pid).ok()?;
    let theirs = fd_table(other).ok()?;
    let mut shared = 0;
    for a in mine.iter().filter(|e| e.fd > 2) {
        let mut same = false;
        for b in &theirs {
            // SAFETY: kcmp only compares two processes' file table entries; it takes plain
            // integers and writes nothing.
            let r = unsafe {
                libc::syscall(libc::SYS_kcmp, pid, other, 0 /* KCMP_FILE */, a.fd, b.fd)
            };
            match r {
                0 => same = true,
                // One fd closed between the listing and the call: not shared any more.
                -1 if std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF) => {}
                -1 => return None,
                _ => {}
            }
            if same {
                break;
            }
        }
        shared += usize::from(same);
    }
    Some(shared)
}

/// The `Umask:` line of /proc/<pid>/status, as written there (octal, e.g. `0022`).
pub fn umask(pid: i32) -> Option<String> {
    let text = read_text(&format!("/proc/{pid}/status")).ok()?;
    text.lines().find_map(|l| l.strip_prefix("Umask:")).map(|v| v.trim().to_string())
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

/// The pids that hold a flock(2) on the file with this inode, from /proc/locks (proc(5)):
/// `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF`, a waiter's line with `->` after the id.
pub fn flock_holders(inode: u64) -> Vec<i32> {
    let text = fs::read_to_string("/proc/locks").unwrap_or_default();
    text.lines()
        .filter(|l| !l.contains("->"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let ino = f.get(5)?.rsplit(':').next()?.parse::<u64>().ok()?;
            (f.get(1) == Some(&"FLOCK") && ino == inode).then(|| f.get(4)?.parse().ok()).flatten()
        })
        .collect()
}

/// The calling thread's voluntary context switches (/proc/thread-self/status): the times it
/// gave up the CPU to wait, e.g. blocked in read(2).
pub fn own_voluntary_switches() -> u64 {
    let text = fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    field_kib(&text, "voluntary_ctxt_switches")
}

/// The calling process's memory from /proc/self/smaps_rollup, in KiB: (rss, shared, private),
/// shared and private each clean plus dirty.
pub fn own_memory_kib() -> (u64, u64, u64) {
    let text = fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let f = |k| field_kib(&text, k);
    (f("Rss"), f("Shared_Clean") + f("Shared_Dirty"), f("Private_Clean") + f("Private_Dirty"))
}

/// The number after `key:` in a /proc text (`Rss:   1234 kB` gives 1234); 0 when absent.
fn field_kib(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|rest| rest.strip_prefix(':')))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Clock ticks a second (`CLK_TCK`, sysconf(3)): the unit of /proc's CPU times and start times.
pub fn ticks_per_second() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().map(|t| t as f64).unwrap_or(100.0)
}

/// CPU time the calling thread has used, user and kernel (CLOCK_THREAD_CPUTIME_ID,
/// clock_gettime(2)): what a piece of work cost in CPU, whatever else had the cores meanwhile.
pub fn thread_cpu() -> std::time::Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(std::time::Duration::from)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tcp_conns_counts_connections_on_the_port_not_listeners() {
        use std::os::fd::AsRawFd;
        // Only this test's own sockets: other tests of this process open connections too.
        let me = std::process::id() as i32;
        let inode = |fd: i32| {
            let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
            let link = link.to_string_lossy().into_owned();
            link.trim_start_matches("socket:[").trim_end_matches(']').parse::<u64>().unwrap()
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mine = std::collections::HashSet::from([inode(listener.as_raw_fd())]);
        assert_eq!(tcp_conns_among(port, &mine).unwrap(), 0, "a listener is not a connection");
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (served, _) = listener.accept().unwrap();
        let mine: std::collections::HashSet<u64> =
            [listener.as_raw_fd(), client.as_raw_fd(), served.as_raw_fd()].into_iter().map(inode).collect();
        // The server's end is on the port; the client's end is on a port of its own.
        assert_eq!(tcp_conns_among(port, &mine).unwrap(), 1, "the accepted connection");
        assert!(tcp_conns(me, port).unwrap() >= 1);
        drop((client, served));
    }

    #[test]
    fn shared_descriptions_counts_what_a_child_holds_of_ours_above_fd_2() {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let me = std::process::id() as i32;
        let (r, w) = nix::unistd::pipe().unwrap();
        let raw = r.as_raw_fd();
        let start = |hand_down: bool| {
            let mut cmd = std::process::Command::new("sleep");
            cmd.arg("5");
            // SAFETY: dup2 and close_range are async-signal-safe. Only fd 7 (when asked) is
            // left above 2: other tests of this process open fds without O_CLOEXEC meanwhile.
            unsafe {
                cmd.pre_exec(move || {
                    if hand_down {
                        libc::dup2(raw, 7);
                        libc::syscall(libc::SYS_close_range, 3, 6, 0);
                        libc::syscall(libc::SYS_close_range, 8, u32::MAX, 0);
                    } else {
                        libc::syscall(libc::SYS_close_range, 3, u32::MAX, 0);
                    }
                    Ok(())
                });
            }
            cmd.spawn().unwrap()
        };
        let (mut with, mut without) = (start(true), start(false));
        let counts = (shared_descriptions(with.id() as i32, me), shared_descriptions(without.id() as i32, me));
        for c in [&mut with, &mut without] {
            c.kill().unwrap();
            c.wait().unwrap();
        }
        drop((r, w));
        assert_eq!(counts, (Some(1), Some(0)), "the child given our pipe's read end on fd 7, and one given nothing");
    }

    #[test]
    fn find_socket_names_the_fd_that_holds_a_socket_and_nothing_else() {
        use std::os::fd::AsRawFd;
        let me = std::process::id() as i32;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (served, _) = listener.accept().unwrap();
        let inode =
            |fd: i32| fd_table(me).unwrap().into_iter().find(|e| e.fd == fd).and_then(|e| e.socket_inode()).unwrap();
        let (fd, ino) = (served.as_raw_fd(), inode(served.as_raw_fd()));
        assert_eq!(find_socket(&[-1, me], ino), Some((me, fd)));
        assert_eq!(find_socket(&[me], inode(client.as_raw_fd())), Some((me, client.as_raw_fd())));
        drop(served);
        assert_eq!(find_socket(&[me], ino), None, "closed: nobody holds it");
        assert_eq!(find_socket(&[-1], ino), None);
    }

    #[test]
    fn children_are_found_by_their_parent() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let kids = children(std::process::id() as i32);
        let found = kids.iter().any(|st| st.pid == child.id() as i32);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found, "{kids:?}");
        assert!(!children(std::process::id() as i32).iter().any(|st| st.pid == child.id() as i32));
    }

    use super::*;

    #[test]
    fn tty_numbers_read_like_ps() {
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name(136 << 8 | 3), "pts/3");
        assert_eq!(tty_name(4 << 8 | 1), "tty1");
        // Minor numbers above 255 keep their high bits above the major (proc(5)).
        assert_eq!(tty_name(136 << 8 | 0x12 | (0x3 << 20)), "pts/786");
    }

    #[test]
    fn a_flock_shows_in_proc_locks_with_its_holder() {
        use std::os::unix::fs::MetadataExt;
        let path = std::env::temp_dir().join(format!("forklab-flock-test-{}", std::process::id()));
        let file = fs::File::create(&path).unwrap();
        let ino = file.metadata().unwrap().ino();
        assert!(flock_holders(ino).is_empty());
        let lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
        assert_eq!(flock_holders(ino), [std::process::id() as i32]);
        drop(lock);
        assert!(flock_holders(ino).is_empty());
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn our_own_status_reads() {
        let me = std::process::id() as i32;
        let st = status(me).unwrap();
        assert_eq!(st.pid, me);
        assert_eq!(st.ppid, nix::unistd::getppid().as_raw());
        assert_eq!(st.pgid, nix::unistd::getpgrp().as_raw());
        assert!(st.threads >= 1);
        assert!(st.voluntary_ctxt + st.nonvoluntary_ctxt > 0);
    }

    #[test]
    fn fd_links_read_the_table_readlink_shows_and_print_the_same_text() {
        let me = std::process::id() as i32;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (_r, _w) = nix::unistd::pipe().unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
        // Each fd's link as std reads it, one path at a time. Other tests of this process open
        // and close fds meanwhile: compare what both hold.
        let full: Vec<FdEntry> = fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| {
                let e = e.ok()?;
                let fd = e.file_name().to_str()?.parse().ok()?;
                Some(FdEntry { fd, target: fs::read_link(e.path()).ok()?.to_string_lossy().into_owned() })
            })
            .collect();
        let links = fd_links(me).unwrap();
        let mut same = 0;
        for link in &links {
            if let Some(e) = full.iter().find(|e| e.fd == link.fd && e.target == link.target.to_string()) {
                assert_eq!(e.socket_inode(), link.socket_inode());
                same += 1;
            }
        }
        assert!(same >= 4, "{links:?} {full:?}");
        let table = fd_table(me).unwrap();
        assert!(table.iter().any(|e| e.fd == fd && e.socket_inode() == socket_inode(me, fd)), "{table:?}");
        assert!(links.windows(2).all(|w| w[0].fd < w[1].fd), "sorted by fd");
        let sock = links.iter().find(|e| e.fd == fd).unwrap();
        assert_eq!(sock.target, FdTarget::Socket(socket_inode(me, fd).unwrap()));
        assert!(links.iter().any(|e| matches!(e.target, FdTarget::Pipe(_))));
        for text in ["socket:[42]", "pipe:[7]", "/dev/null", "anon_inode:[eventpoll]", "socket:[007]", "pipe:[x]"] {
            assert_eq!(FdTarget::parse(text).to_string(), text);
            assert_eq!(serde_json::to_string(&FdTarget::parse(text)).unwrap(), format!("\"{text}\""));
        }
        assert_eq!(FdTarget::parse("socket:[007]").socket_inode(), None, "kept as text: it would not read back");
        assert!(fd_links(-1).is_err());
    }

    #[test]
    fn a_socket_shows_its_inode() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        use std::os::fd::AsRawFd;
        let fd = l.as_raw_fd();
        let me = std::process::id() as i32;
        let inode = socket_inode(me, fd).expect("a socket inode");
        let table = fd_table(me).unwrap();
        let entry = table.iter().find(|e| e.fd == fd).unwrap();
        assert_eq!(entry.socket_inode(), Some(inode));
    }

    /// A thread's CPU time grows while it works and not while it waits: what the watch
    /// screen's fd budget is measured in.
    #[test]
    fn thread_cpu_counts_work_not_waiting() {
        use std::time::{Duration, Instant};
        let before = thread_cpu();
        std::thread::sleep(Duration::from_millis(200));
        let slept = thread_cpu() - before;
        assert!(slept < Duration::from_millis(50), "{slept:?} of CPU while asleep");
        let before = thread_cpu();
        let deadline = Instant::now() + Duration::from_secs(30);
        while thread_cpu() - before < Duration::from_millis(20) {
            assert!(Instant::now() < deadline, "no CPU time counted while spinning");
            std::hint::black_box(0u64.wrapping_add(1));
        }
    }

    /// A command name is the bytes of the file name it was started by (here a link named
    /// `a) b` and a byte 0xff, which is not UTF-8): such a process is still read, with its
    /// parent, and found among its parent's children. Read strictly, its status failed with
    /// "stream did not contain valid UTF-8" and it vanished from every scan of /proc.
    #[test]
    fn a_process_whose_name_is_not_utf8_is_read() {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::process::CommandExt;
        let dir = std::env::temp_dir().join(format!("forklab-procfs-name-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join(std::ffi::OsStr::from_bytes(b"a) b\xff"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/bin/sleep", &link).unwrap();
        let mut child = std::process::Command::new(&link).arg0("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        // The name is the link's until exec has happened: wait for it, not for a time.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let st = loop {
            let st = status(pid);
            if st.as_ref().is_ok_and(|s| s.name.starts_with("a) b")) || std::time::Instant::now() > deadline {
                break st;
            }
            std::thread::yield_now();
        };
        let found = children(std::process::id() as i32).iter().any(|c| c.pid == pid);
        child.kill().unwrap();
        child.wait().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let st = st.unwrap();
        assert_eq!(st.name, "a) b\u{fffd}");
        assert_eq!(st.ppid, std::process::id() as i32);
        assert!(st.pgid > 0 && st.state != '?', "{st:?}");
        assert!(found, "pid {pid} among this process's children");
    }
}
