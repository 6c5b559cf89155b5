//! `forklab watch`'s view of any process tree, from the kernel alone: the tree and fd tables
//! from /proc (proc(5)), the sockets behind the fds from NETLINK_SOCK_DIAG (sock_diag(7)). The
//! server being watched cooperates in nothing; watching reads, it never signals or changes a
//! process.
//!
//! A socket is tied to its processes by inode: `/proc/<pid>/fd/N` reads `socket:[INODE]`, and
//! sock_diag answers each socket with the same inode. One inode in two fd tables is one socket
//! held by both (fork, or SCM_RIGHTS).

use crate::sys::groups::{register_group, unregister_group};
use crate::sys::procfs::{self, FdLink, FdTarget, ProcStatus};
use crate::sys::reaper::{self, Exit};
use crate::sys::sockdiag::{self, Ports, SockDiag, TCP_ESTABLISHED, TCP_LISTEN, TcpSock, UnixSock};
use crate::sys::spawn;
use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// One process of the tree as it was read.
#[derive(Debug, Clone, Serialize)]
pub struct ProcSnap {
    pub pid: i32,
    pub ppid: i32,
    pub comm: String,
    pub threads: u32,
    pub state: String,
    /// Listening TCP sockets this process holds.
    pub listeners: Vec<ListenerFd>,
    /// Established TCP connections it holds on the watched port (its server side).
    pub connections: Vec<ConnFd>,
    /// Every fd, with what the kernel says of its socket where it has one.
    pub fds: Vec<FdSnap>,
    /// Why its fd table could not be read (another user's process): then `fds`, `listeners`
    /// and `connections` are empty because forklab could not see them, not because there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fds_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListenerFd {
    pub port: u16,
    pub fd: i32,
    pub inode: u64,
    pub addr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnFd {
    pub fd: i32,
    pub inode: u64,
    /// Serialized as `127.0.0.1:8080`, `[::1]:8080` (serde's form for a readable format).
    pub local: SocketAddr,
    pub remote: SocketAddr,
}

/// One fd. `kind` is `tcp`, `unix`, `socket` (another protocol, or a TCP socket on another
/// port: only listeners and the watched port are asked about), `pipe`, `anon` or `file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FdSnap {
    pub fd: i32,
    pub kind: &'static str,
    /// The link's text (`socket:[123]`, `/dev/null`), held compact.
    pub target: FdTarget,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inode: Option<u64>,
    /// A TCP socket's state (`LISTEN`, `ESTAB`), a Unix socket's type (`stream`, `dgram`, `seqpacket`).
    #[serde(skip_serializing_if = "Option::is_none", rename = "type")]
    pub sock_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_inode: Option<u64>,
    /// Which process of the tree holds the other end of a Unix socket (`null`: none of them);
    /// the first of `peer_pids` in tree order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_pid: Option<Option<i32>>,
    /// Every process of the tree that holds the other end (nginx's master and each worker hold
    /// one end of the same socketpair), in tree order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub peer_pids: Vec<i32>,
}

/// What `watch --once` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub root: i32,
    /// The watched port.
    pub port: u16,
    /// Every port the tree listens on, lowest first.
    pub ports: Vec<u16>,
    /// The root first, then its descendants, parents before children, by PID.
    pub processes: Vec<ProcSnap>,
    /// The processes whose fd tables could not be read: `ports` lists only the listeners of
    /// the others.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fds_unreadable: Vec<i32>,
}

/// The root and its descendants, parents before children, siblings by PID, zombies (state Z,
/// exited and not yet reaped by their parent) included as `ps` lists them. An error if the
/// root does not exist or cannot be read; a descendant that ends during the walk is left out.
pub fn tree(root: i32) -> Result<Vec<ProcStatus>> {
    let first = root_status(root)?;
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for pid in all_pids() {
        if let Some(ppid) = ppid_of(pid) {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![first];
    let mut at = 0;
    while at < out.len() {
        let mut kids = children.remove(&out[at].pid).unwrap_or_default();
        kids.sort_unstable();
        out.extend(kids.into_iter().filter_map(|pid| procfs::status(pid).ok()));
        at += 1;
    }
    Ok(out)
}

/// The root, with a one-line reason when it cannot be watched.
fn root_status(root: i32) -> Result<ProcStatus> {
    if root <= 0 {
        bail!("{}", tr!("watch-not-a-pid", pid = root));
    }
    match std::fs::metadata(format!("/proc/{root}")) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!("{}", tr!("watch-no-process", pid = root)),
        Err(e) => bail!("{}", tr!("watch-cannot-read", pid = root, error = e.to_string())),
        Ok(_) => {}
    }
    let st = procfs::status(root)
        .map_err(|e| anyhow::anyhow!("{}", tr!("watch-cannot-read", pid = root, error = e.root_cause().to_string())))?;
    if st.state == 'Z' {
        bail!("{}", tr!("watch-zombie", pid = root));
    }
    // The fd table is what watching needs; another user's process refuses it (ptrace access
    // mode, proc(5)).
    std::fs::read_dir(format!("/proc/{root}/fd")).map_err(|e| {
        let denied = e.kind() == std::io::ErrorKind::PermissionDenied;
        let remedy = if denied { format!(": {}", tr!("watch-run-as-owner")) } else { String::new() };
        anyhow::anyhow!("{}{remedy}", tr!("watch-cannot-read-fds", pid = root, error = e.to_string()))
    })?;
    Ok(st)
}

pub fn all_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// Field 4 of /proc/<pid>/stat, after the parenthesised name (which may hold spaces).
pub fn ppid_of(pid: i32) -> Option<i32> {
    stat_field(pid, 1)
}

/// Field 22 of /proc/<pid>/stat, when the process started (clock ticks after boot): a PID
/// with the same start time is the same process, not a new one that reused the number.
pub fn start_of(pid: i32) -> Option<u64> {
    stat_field(pid, 19)
}

/// The field `n` places after the state (field 3) of /proc/<pid>/stat.
fn stat_field<T: std::str::FromStr>(pid: i32, n: usize) -> Option<T> {
    let stat = procfs::read_text(&format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(n)?.parse().ok()
}

/// Each process's pid and fd table, in the order the pids were given.
pub type FdTables = Vec<(i32, Vec<FdLink>)>;

/// The tree's fd tables, by PID (a process that ended or refuses its table has none).
pub fn fd_tables(pids: impl IntoIterator<Item = i32>) -> FdTables {
    fd_tables_read(pids).0
}

/// The tree's fd tables and the processes whose table could not be read.
pub type TreeFds = (FdTables, Vec<Unreadable>);

/// A process of the tree whose fd table could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub pid: i32,
    pub error: String,
}

/// [`fd_tables`], and the processes whose tables were refused (another user's: ptrace access
/// mode, proc(5)), so that an empty table is never taken for a process with no fds. One that
/// ended meanwhile has none and is not listed.
pub fn fd_tables_read(pids: impl IntoIterator<Item = i32>) -> TreeFds {
    let mut unreadable = Vec::new();
    let tables = pids
        .into_iter()
        .map(|pid| match procfs::fd_links(pid) {
            Ok(t) => (pid, t),
            Err(e) => {
                let errno = e.root_cause().downcast_ref::<nix::errno::Errno>().copied();
                if matches!(errno, Some(nix::errno::Errno::EACCES | nix::errno::Errno::EPERM)) {
                    let error = format!("{}: {}", e.root_cause(), tr!("watch-run-as-owner"));
                    unreadable.push(Unreadable { pid, error });
                } else if procfs::status(pid).is_ok_and(|s| s.state != 'Z') {
                    unreadable.push(Unreadable { pid, error: e.root_cause().to_string() });
                }
                (pid, Vec::new())
            }
        })
        .collect();
    (tables, unreadable)
}

/// Which processes of the tree hold the socket `inode`.
pub fn holders(tables: &[(i32, Vec<FdLink>)], inode: u64) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    for (pid, fds) in tables {
        for e in fds {
            if e.socket_inode() == Some(inode) {
                out.push((*pid, e.fd));
            }
        }
    }
    out
}

/// The tree's listening TCP sockets, as (pid, listener), in tree order and fd order. With
/// `port`, only that port is asked for (the kernel filters); without, every listener of the
/// machine is listed (few, and only listeners) and those the tree holds are kept.
pub fn listeners(
    diag: &mut SockDiag,
    tables: &[(i32, Vec<FdLink>)],
    port: Option<u16>,
) -> Result<Vec<(i32, ListenerFd)>> {
    let ports = port.map(Ports::Local).unwrap_or(Ports::Any);
    let socks: HashMap<u64, TcpSock> =
        diag.tcp(1 << TCP_LISTEN, ports)?.into_iter().filter(|s| s.inode != 0).map(|s| (s.inode, s)).collect();
    let mut out = Vec::new();
    for (pid, fds) in tables {
        for e in fds {
            if let Some(s) = e.socket_inode().and_then(|i| socks.get(&i)) {
                let l = ListenerFd { port: s.local.port(), fd: e.fd, inode: s.inode, addr: s.local.to_string() };
                out.push((*pid, l));
            }
        }
    }
    Ok(out)
}

/// The port to watch: `port` if the tree listens on it, else the lowest the tree listens on.
/// When it is not found and some fd tables could not be read, the error says so: forklab
/// cannot tell that nobody listens.
pub fn pick_port(root: i32, found: &[(i32, ListenerFd)], port: Option<u16>, unreadable: &[Unreadable]) -> Result<u16> {
    let not_seen = |base: String| -> anyhow::Error {
        match unreadable.first() {
            None => anyhow::anyhow!("{base}"),
            Some(first) => {
                let pids: Vec<String> = unreadable.iter().map(|u| u.pid.to_string()).collect();
                anyhow::anyhow!(
                    "{}",
                    tr!(
                        "watch-not-seen-unreadable",
                        base = base,
                        pids = crate::i18n::list(&pids),
                        error = &first.error
                    )
                )
            }
        }
    };
    match port {
        Some(p) if found.iter().any(|(_, l)| l.port == p) => Ok(p),
        Some(p) if unreadable.is_empty() => bail!("{}", tr!("watch-nobody-listens", pid = root, port = p)),
        Some(p) => Err(not_seen(tr!("watch-none-readable-listens", pid = root, port = p))),
        None => match found.iter().map(|(_, l)| l.port).min() {
            Some(p) => Ok(p),
            None if unreadable.is_empty() => bail!("{}", tr!("watch-no-listener", pid = root)),
            None => Err(not_seen(tr!("watch-no-readable-listener", pid = root))),
        },
    }
}

/// One snapshot of the tree of `root`: processes, listeners, connections on the watched port,
/// and every fd with its socket.
pub fn snapshot(root: i32, port: Option<u16>) -> Result<Snapshot> {
    let (mut diag, procs, (tables, unreadable)) = read_tree(root)?;
    snapshot_of(&mut diag, root, &procs, &tables, &unreadable, port)
}

/// What both [`snapshot`] and [`watched_listener`] start from: a sock_diag socket, the tree
/// under `root` in tree order, and each of its processes' fd table.
fn read_tree(root: i32) -> Result<(SockDiag, Vec<ProcStatus>, TreeFds)> {
    let diag = SockDiag::open()?;
    let procs = tree(root)?;
    let tables = fd_tables_read(procs.iter().map(|p| p.pid));
    Ok((diag, procs, tables))
}

/// The port [`snapshot`] would watch and the first listener on it in tree order: what the
/// screen needs before its sampler starts, without reading every connection and fd into a
/// snapshot it would not keep.
pub fn watched_listener(root: i32, port: Option<u16>) -> Result<(u16, ListenerFd)> {
    let (mut diag, _, (tables, unreadable)) = read_tree(root)?;
    let found = listeners(&mut diag, &tables, None)?;
    let port = pick_port(root, &found, port, &unreadable)?;
    // pick_port chose a port the tree listens on: there is a first.
    match found.into_iter().map(|(_, l)| l).find(|l| l.port == port) {
        Some(first) => Ok((port, first)),
        None => bail!("{}", tr!("watch-no-listener", pid = root)),
    }
}

/// The snapshot of processes already read (`procs`, in tree order, with their fd `tables`):
/// what the interactive screen takes each tick from its own walk of the tree.
pub fn snapshot_of(
    diag: &mut SockDiag,
    root: i32,
    procs: &[ProcStatus],
    tables: &[(i32, Vec<FdLink>)],
    unreadable: &[Unreadable],
    port: Option<u16>,
) -> Result<Snapshot> {
    let found = listeners(diag, tables, None)?;
    let port = pick_port(root, &found, port, unreadable)?;
    snapshot_with(diag, root, procs, tables, unreadable, port, found)
}

/// [`snapshot_of`] at `port` whether or not the tree still listens on it: the screen keeps
/// showing a tree whose server closed its listener, with its connections on the port.
pub fn snapshot_at(
    diag: &mut SockDiag,
    root: i32,
    procs: &[ProcStatus],
    tables: &[(i32, Vec<FdLink>)],
    unreadable: &[Unreadable],
    port: u16,
) -> Result<Snapshot> {
    let found = listeners(diag, tables, None)?;
    snapshot_with(diag, root, procs, tables, unreadable, port, found)
}

fn snapshot_with(
    diag: &mut SockDiag,
    root: i32,
    procs: &[ProcStatus],
    tables: &[(i32, Vec<FdLink>)],
    unreadable: &[Unreadable],
    port: u16,
    found: Vec<(i32, ListenerFd)>,
) -> Result<Snapshot> {
    let mut ports: Vec<u16> = found.iter().map(|(_, l)| l.port).collect();
    ports.sort_unstable();
    ports.dedup();
    // By inode, looked up by binary search: a sorted Vec is half a HashMap's size for the
    // 10,000 connections a busy server holds.
    let mut established = diag.tcp(1 << TCP_ESTABLISHED, Ports::Local(port))?;
    established.retain(|s| s.inode != 0);
    established.sort_unstable_by_key(|s| s.inode);
    established.shrink_to_fit();
    let established_get =
        |inode: u64| established.binary_search_by_key(&inode, |s| s.inode).ok().map(|i| &established[i]);
    let listening: HashMap<u64, &ListenerFd> = found.iter().map(|(_, l)| (l.inode, l)).collect();
    // Every other socket is asked about once, as a Unix socket.
    let mut unix: HashMap<u64, Option<UnixSock>> = HashMap::new();
    for (_, fds) in tables {
        for inode in fds.iter().filter_map(FdLink::socket_inode) {
            if !listening.contains_key(&inode) && established_get(inode).is_none() && !unix.contains_key(&inode) {
                unix.insert(inode, diag.unix(inode)?);
            }
        }
    }
    let mut processes = Vec::new();
    for (st, (pid, fds)) in procs.iter().zip(tables) {
        let mut p = ProcSnap {
            pid: *pid,
            ppid: st.ppid,
            comm: st.name.clone(),
            threads: st.threads,
            state: st.state.to_string(),
            listeners: found.iter().filter(|(owner, _)| owner == pid).map(|(_, l)| l.clone()).collect(),
            connections: Vec::new(),
            fds: Vec::with_capacity(fds.len()),
            fds_error: unreadable.iter().find(|u| u.pid == *pid).map(|u| u.error.clone()),
        };
        for e in fds {
            let mut fd = FdSnap {
                fd: e.fd,
                kind: kind_of(&e.target),
                target: e.target.clone(),
                inode: e.socket_inode(),
                sock_type: None,
                peer_inode: None,
                peer_pid: None,
                peer_pids: Vec::new(),
            };
            if let Some(inode) = fd.inode {
                if listening.contains_key(&inode) {
                    fd.kind = "tcp";
                    fd.sock_type = Some(sockdiag::tcp_state_name(TCP_LISTEN));
                } else if let Some(s) = established_get(inode) {
                    fd.kind = "tcp";
                    fd.sock_type = Some(sockdiag::tcp_state_name(s.state));
                    p.connections.push(ConnFd { fd: e.fd, inode, local: s.local, remote: s.remote });
                } else if let Some(Some(u)) = unix.get(&inode) {
                    fd.kind = "unix";
                    fd.sock_type = Some(u.kind_name());
                    fd.peer_inode = u.peer;
                    if let Some(peer) = u.peer {
                        for (pid, _) in holders(tables, peer) {
                            if !fd.peer_pids.contains(&pid) {
                                fd.peer_pids.push(pid);
                            }
                        }
                    }
                    fd.peer_pid = Some(fd.peer_pids.first().copied());
                }
            }
            p.fds.push(fd);
        }
        p.connections.shrink_to_fit();
        processes.push(p);
    }
    let fds_unreadable = unreadable.iter().map(|u| u.pid).collect();
    Ok(Snapshot { root, port, ports, processes, fds_unreadable })
}

fn kind_of(target: &FdTarget) -> &'static str {
    let target = match target {
        FdTarget::Socket(_) => return "socket",
        FdTarget::Pipe(_) => return "pipe",
        FdTarget::Other(text) => text,
    };
    if target.starts_with("socket:[") {
        "socket"
    } else if target.starts_with("pipe:[") {
        "pipe"
    } else if target.starts_with("anon_inode:") {
        "anon"
    } else {
        "file"
    }
}

/// Where to connect to reach a listener: its own address, or loopback for a wildcard one.
/// Only this machine's loopback is fired at.
pub fn targets(listener: &ListenerFd) -> Result<Vec<SocketAddr>> {
    let addr: SocketAddr =
        listener.addr.parse().with_context(|| tr!("watch-reading-address", addr = &listener.addr))?;
    let port = addr.port();
    let v4 = SocketAddr::from(([127, 0, 0, 1], port));
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
    Ok(match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => vec![v4],
        // `::` takes IPv4 too unless IPV6_V6ONLY is set: try ::1 first, IPv4 if it fails.
        ip if ip.is_unspecified() => vec![v6, v4],
        ip if ip.is_loopback() => vec![addr],
        ip => {
            bail!("{}", tr!("watch-not-loopback", port = port, ip = ip.to_string()))
        }
    })
}

/// A count per process, keyed by PID as a string (JSON object keys are strings).
pub type PerProcess = BTreeMap<String, u64>;

/// A command `watch -- CMD` started, under the cleanup guarantees: its own process group
/// (registered, so every exit path kills it), PR_SET_PDEATHSIG, and on drop SIGKILL to the
/// group and to any descendant that left it.
pub struct Started {
    pub pid: i32,
    pub command: String,
    exit: crossbeam_channel::Receiver<Exit>,
    exited: std::cell::Cell<Option<Exit>>,
    /// On drop, kill only the command's own tree, not every other descendant of forklab (a
    /// lesson's Node program runs beside forklab's own master).
    own_tree_only: bool,
}

/// Generous: a server that takes longer than this to listen is not one to watch headless.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(15);
/// A tree counts as settled when its processes and their listeners stay the same this long
/// (Node's cluster workers get the listener one after another after the primary has it).
const SETTLED: Duration = Duration::from_millis(300);

impl Started {
    pub fn start(argv: &[String]) -> Result<Started> {
        // SIGKILL: the command is not forklab's and may ignore anything gentler; its own
        // children follow through the process group (killpg) when forklab ends.
        Started::adopt(spawn::program(argv, libc::SIGKILL)?, argv)
    }

    /// Start the command with its stdout and stderr on pipes (the interactive screen shows
    /// its lines in the events pane rather than let them write over the screen).
    pub fn start_piped(argv: &[String]) -> Result<(Started, Vec<Box<dyn std::io::Read + Send>>)> {
        let mut child = spawn::program_piped(argv, libc::SIGKILL)?;
        let mut out: Vec<Box<dyn std::io::Read + Send>> = Vec::new();
        if let Some(o) = child.stdout.take() {
            out.push(Box::new(o));
        }
        if let Some(e) = child.stderr.take() {
            out.push(Box::new(e));
        }
        Ok((Started::adopt(child, argv)?, out))
    }

    /// [`Started::start`] with the command's stdout and stderr appended to `log` (a lesson's
    /// Node program: an uncaught exception's stack must not land on the lesson screen). On
    /// drop it ends only its own tree. It runs in `dir`.
    pub fn start_logged(argv: &[String], log: &std::fs::File, dir: &std::path::Path) -> Result<Started> {
        let (out, err) = (log.try_clone()?, log.try_clone()?);
        let child = spawn::program_to(argv, libc::SIGKILL, out.into(), err.into(), Some(dir))?;
        let mut started = Started::adopt(child, argv)?;
        started.own_tree_only = true;
        Ok(started)
    }

    /// The command's exit as the reaper saw it, once it has exited (kept for later calls).
    pub fn try_exit(&self) -> Option<Exit> {
        if let Some(e) = self.exited.get() {
            return Some(e);
        }
        let e = self.exit.try_recv().ok()?;
        self.exited.set(Some(e));
        Some(e)
    }

    fn adopt(child: std::process::Child, argv: &[String]) -> Result<Started> {
        let pid = child.id() as i32;
        register_group(pid);
        let exit = reaper::watch(pid);
        // Dropped without wait(): the reaper owns reaping.
        drop(child);
        Ok(Started { pid, command: argv.join(" "), exit, exited: std::cell::Cell::new(None), own_tree_only: false })
    }

    /// Wait until the tree listens (on `port`, if given) and has settled; a one-line error if
    /// the command ends first or never listens.
    pub fn wait_listening(&self, port: Option<u16>) -> Result<()> {
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        let mut diag = SockDiag::open()?;
        let mut last: Option<(Vec<(i32, u64)>, Instant)> = None;
        loop {
            if let Ok(exit) = self.exit.try_recv() {
                let how = match exit {
                    // What a command that daemonizes does: it forks the server and exits 0.
                    Exit::Code(0) => {
                        bail!("{}", tr!("watch-daemonized", command = &self.command, port = port_words(port)))
                    }
                    Exit::Code(c) => tr!("watch-exited-code", code = c),
                    Exit::Signal(s, _) => tr!("watch-killed-by", signal = s.as_str()),
                };
                bail!("{}", tr!("watch-ended-early", command = &self.command, how = how, port = port_words(port)));
            }
            let seen = tree(self.pid).ok().and_then(|procs| {
                let tables = fd_tables(procs.iter().map(|p| p.pid));
                let found = listeners(&mut diag, &tables, port).ok()?;
                pick_port(self.pid, &found, port, &[]).ok()?;
                let mut sig: Vec<(i32, u64)> = procs.iter().map(|p| (p.pid, 0)).collect();
                sig.extend(found.iter().map(|(pid, l)| (*pid, l.inode)));
                Some(sig)
            });
            let now = Instant::now();
            match (seen, &last) {
                (Some(sig), Some((prev, since))) if *prev == sig => {
                    if now.duration_since(*since) >= SETTLED {
                        return Ok(());
                    }
                }
                (Some(sig), _) => last = Some((sig, now)),
                (None, _) => last = None,
            }
            if now >= deadline {
                if last.is_some() {
                    // Listening, but still changing: watch it as it is.
                    return Ok(());
                }
                bail!(
                    "{}",
                    tr!(
                        "watch-never-listened",
                        command = &self.command,
                        port = port_words(port),
                        secs = LISTEN_TIMEOUT.as_secs()
                    )
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

fn port_words(port: Option<u16>) -> String {
    match port {
        Some(p) => tr!("watch-tcp-port", port = p),
        None => tr!("watch-any-tcp-port"),
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        // Descendants first, while the tree still links them (one that setsid() left the group).
        let me = if self.own_tree_only { self.pid } else { std::process::id() as i32 };
        let mine: Vec<i32> = tree(me).map(|t| t.into_iter().skip(1).map(|p| p.pid).collect()).unwrap_or_default();
        let _ = killpg(Pid::from_raw(self.pid), Signal::SIGKILL);
        for pid in &mine {
            let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
        }
        unregister_group(self.pid);
        if self.exited.get().is_none() {
            let _ = reaper::wait_timeout(&self.exit, Duration::from_secs(2));
        }
        // SIGKILL is not instant: leave only once each is dead (a zombie at most; forklab, their
        // subreaper, reaps the orphans), so a caller that looks next finds nothing running.
        let deadline = Instant::now() + Duration::from_secs(2);
        while mine.iter().any(|pid| procfs::is_live(*pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(addr: &str) -> ListenerFd {
        let port = addr.parse::<SocketAddr>().unwrap().port();
        ListenerFd { port, fd: 3, inode: 1, addr: addr.into() }
    }

    #[test]
    fn the_tree_holds_a_child_under_its_parent_and_its_socket_in_its_fd_table() {
        let me = std::process::id() as i32;
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        let procs = tree(me).unwrap();
        assert_eq!(procs[0].pid, me);
        let kid = procs.iter().find(|p| p.pid == pid).expect("the child in the tree");
        assert_eq!(kid.ppid, me);
        assert!(!tree(pid).unwrap().iter().any(|p| p.pid == me), "a parent is not in its child's tree");
        child.kill().unwrap();
        child.wait().unwrap();

        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let inode = procfs::socket_inode(me, std::os::fd::AsRawFd::as_raw_fd(&l)).unwrap();
        let tables = fd_tables([me]);
        assert_eq!(holders(&tables, inode).len(), 1);
        let mut diag = SockDiag::open().unwrap();
        let port = l.local_addr().unwrap().port();
        let found = listeners(&mut diag, &tables, None).unwrap();
        assert!(found.iter().any(|(p, f)| *p == me && f.inode == inode && f.port == port), "{found:?}");
        assert_eq!(pick_port(me, &found, Some(port), &[]).unwrap(), port);
        let (watched, first) = watched_listener(me, Some(port)).unwrap();
        assert_eq!((watched, first.inode, first.fd), (port, inode, std::os::fd::AsRawFd::as_raw_fd(&l)));
        assert!(watched_listener(me, Some(1)).is_err(), "port 1: nobody here listens on it");
    }

    #[test]
    fn a_port_nobody_listens_on_and_no_listener_at_all_are_errors() {
        let found = vec![(10, listener("127.0.0.1:8080")), (11, listener("127.0.0.1:8081"))];
        assert_eq!(pick_port(10, &found, None, &[]).unwrap(), 8080);
        let err = pick_port(10, &found, Some(9), &[]).unwrap_err().to_string();
        assert_eq!(err, "nobody in the tree of process 10 listens on TCP port 9");
        assert!(pick_port(10, &[], None, &[]).is_err());
        // Some fds could not be read: never "nobody listens".
        let denied = [Unreadable { pid: 12, error: "EACCES: Permission denied".into() }];
        let err = pick_port(10, &found, Some(9), &denied).unwrap_err().to_string();
        assert!(!err.contains("nobody"), "{err}");
        assert!(err.contains("the fds of 12 could not be read (EACCES: Permission denied)"), "{err}");
        let err = pick_port(10, &[], None, &denied).unwrap_err().to_string();
        assert!(err.contains("whose fds forklab can read") && err.contains("12"), "{err}");
        assert!(root_status(0).is_err());
    }

    #[test]
    fn wildcards_are_fired_at_on_loopback_and_other_addresses_not_at_all() {
        assert_eq!(targets(&listener("0.0.0.0:80")).unwrap(), vec!["127.0.0.1:80".parse().unwrap()]);
        let v6 = targets(&listener("[::]:80")).unwrap();
        assert_eq!(v6, vec!["[::1]:80".parse().unwrap(), "127.0.0.1:80".parse().unwrap()]);
        assert_eq!(targets(&listener("127.0.0.2:80")).unwrap(), vec!["127.0.0.2:80".parse().unwrap()]);
        assert!(targets(&listener("10.1.2.3:80")).is_err());
    }
}
