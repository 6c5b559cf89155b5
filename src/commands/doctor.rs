//! `forklab doctor`: can this machine do every lesson?
//!
//! Each check performs the real thing a lesson relies on (a fork, an fd passed with SCM_RIGHTS,
//! an EPOLLEXCLUSIVE registration, …) instead of reading a kernel version and assuming: a
//! container, a seccomp profile or a missing /proc can take any of them away on a recent kernel.
//! Every fd a check opens is an `OwnedFd` (or a std type holding one), so it is closed on every
//! return path, and the one child it forks is reaped before the check returns.

use anyhow::{Context, Result, bail, ensure};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use nix::sys::prctl;
use nix::sys::socket::{
    AddressFamily, Backlog, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, SockaddrIn, bind,
    getsockname, listen, recvmsg, sendmsg, setsockopt, socket, socketpair, sockopt,
};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe2};
use serde::Serialize;
use std::io::{IoSlice, IoSliceMut, IsTerminal, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// One line of the report; also the JSON shape of `forklab doctor --json`.
#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// A failed required check makes `doctor` fail; the others only warn.
    pub required: bool,
    pub ok: bool,
    /// What was observed when it passed, the error chain when it did not.
    pub detail: String,
}

#[derive(Serialize)]
struct Report<'a> {
    checks: &'a [Check],
    ok: bool,
}

/// A check: its name, whether the lessons cannot run without it, and the probe itself, which
/// returns what it saw.
struct Probe {
    name: &'static str,
    required: bool,
    run: fn() -> Result<String>,
}

const PROBES: &[Probe] = &[
    Probe { name: "linux", required: true, run: check_linux },
    Probe { name: "fork", required: true, run: check_fork },
    Probe { name: "scm_rights", required: true, run: check_scm_rights },
    Probe { name: "epoll_exclusive", required: true, run: check_epoll_exclusive },
    Probe { name: "reuseport", required: true, run: check_reuseport },
    Probe { name: "subreaper", required: true, run: check_subreaper },
    Probe { name: "proc_fds", required: true, run: check_proc_fds },
    Probe { name: "loopback", required: true, run: check_loopback },
    Probe { name: "tty", required: false, run: check_tty },
    Probe { name: "strace", required: false, run: check_strace },
    Probe { name: "node", required: false, run: check_node },
];

/// The Node lessons (node-cluster, node-fork) run the `node` on PATH; the others need none.
fn check_node() -> Result<String> {
    let version = crate::lab::node::version().context("the Node lessons (node-cluster) cannot run")?;
    Ok(format!("node {version} on PATH, for the Node lessons"))
}

/// Run every check and print the report: one line per check and a verdict, or one JSON
/// document. Returns whether every required check passed.
pub fn run(json: bool, out: &mut impl Write) -> Result<bool> {
    let checks = run_checks();
    let ok = checks.iter().all(|c| c.ok || !c.required);
    if json {
        serde_json::to_writer(&mut *out, &Report { checks: &checks, ok })
            .context("writing the doctor report as json")?;
        writeln!(out)?;
    } else {
        for c in &checks {
            let status = match (c.ok, c.required) {
                (true, _) => tr!("doctor-ok"),
                (false, true) => tr!("doctor-missing"),
                (false, false) => tr!("doctor-warning"),
            };
            // Padded by display width: a Chinese status is two columns a character.
            let pad = " ".repeat(8usize.saturating_sub(unicode_width::UnicodeWidthStr::width(status.as_str())));
            writeln!(out, "{status}{pad} {:<15} {}", c.name, c.detail)?;
        }
        let failed = checks.iter().filter(|c| c.required && !c.ok).count();
        writeln!(out, "{}", tr!("doctor-verdict", failed = failed))?;
    }
    out.flush()?;
    Ok(ok)
}

/// Every check, in order. A probe that fails becomes a line in the report, never an early
/// return: the learner should see everything that is missing at once.
pub fn run_checks() -> Vec<Check> {
    PROBES
        .iter()
        .map(|p| {
            let (ok, detail) = match (p.run)() {
                Ok(seen) => (true, seen),
                Err(e) => (false, format!("{e:#}")),
            };
            Check { name: p.name, required: p.required, ok, detail }
        })
        .collect()
}

/// Everything forklab does (fork, SCM_RIGHTS on SOCK_SEQPACKET, epoll, prctl, /proc) is Linux's.
fn check_linux() -> Result<String> {
    ensure!(cfg!(target_os = "linux"), "forklab was built for {}, not Linux", std::env::consts::OS);
    let uts = nix::sys::utsname::uname().context("calling uname")?;
    let sysname = uts.sysname().to_string_lossy();
    ensure!(sysname == "Linux", "uname reports the kernel {sysname:?}, not \"Linux\"");
    Ok(format!("Linux {}", uts.release().to_string_lossy()))
}

/// The master forks its workers for real; a seccomp profile or a process limit can forbid it.
fn check_fork() -> Result<String> {
    // SAFETY: `forklab doctor` runs before forklab starts any thread. Even where it does not (the
    // unit tests run on the test harness's threads), the child only calls `_exit`, which is
    // async-signal-safe (signal-safety(7)): it touches no lock or allocator another thread might
    // have held at the fork, and it skips the atexit handlers and stdio buffers it shares with us.
    match unsafe { fork() }.context("forking a child")? {
        ForkResult::Child => unsafe { libc::_exit(7) },
        ForkResult::Parent { child } => {
            let status = wait_for(child)?;
            match status {
                WaitStatus::Exited(pid, 7) => Ok(format!("forked pid {pid}, waitpid reported exit code 7")),
                other => {
                    bail!("child pid {child}: waitpid reported {other:?}, expected exit code 7")
                }
            }
        }
    }
}

/// Reap `child`, retrying if a signal interrupts the wait, so it never stays a zombie.
fn wait_for(child: Pid) -> Result<WaitStatus> {
    loop {
        match waitpid(child, None) {
            Err(Errno::EINTR) => continue,
            other => return other.with_context(|| format!("waiting for child pid {child}")),
        }
    }
}

/// The channels carry listeners and connections between processes (unix(7)): send the write
/// end of a pipe with one byte of real data, receive it as a new fd, and prove it is the same
/// pipe by writing through it.
fn check_scm_rights() -> Result<String> {
    let (tx, rx) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
        .context("creating a SOCK_SEQPACKET socketpair")?;
    let (pipe_r, pipe_w) = pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
    let sent_fd = pipe_w.as_raw_fd();

    // unix(7): a control message needs at least one byte of real data to travel with it.
    sendmsg::<()>(
        tx.as_raw_fd(),
        &[IoSlice::new(b"F")],
        &[ControlMessage::ScmRights(&[sent_fd])],
        MsgFlags::empty(),
        None,
    )
    .with_context(|| format!("sending pipe fd {sent_fd} with SCM_RIGHTS"))?;

    let mut data = [0u8; 1];
    let mut cmsg_buf = nix::cmsg_space!([RawFd; 1]);
    let (bytes, received) = {
        let mut iov = [IoSliceMut::new(&mut data)];
        // MSG_CMSG_CLOEXEC: a passed fd must never leak into a later exec.
        let msg = recvmsg::<()>(rx.as_raw_fd(), &mut iov, Some(&mut cmsg_buf), MsgFlags::MSG_CMSG_CLOEXEC)
            .context("receiving the SCM_RIGHTS message")?;
        let mut received = Vec::new();
        for cmsg in msg.cmsgs().context("reading the control messages")? {
            if let ControlMessageOwned::ScmRights(fds) = cmsg {
                // SAFETY: the kernel just installed these fds in our table for us alone.
                received.extend(fds.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
            }
        }
        (msg.bytes, received)
    };
    ensure!(bytes == 1 && data == *b"F", "expected the data byte \"F\", got {bytes} bytes {data:?}");
    let [passed] = received.as_slice() else {
        bail!("expected 1 fd with the message, got {}", received.len());
    };
    let passed_fd = passed.as_raw_fd();

    let flags =
        fcntl(passed, FcntlArg::F_GETFD).with_context(|| format!("reading the fd flags of received fd {passed_fd}"))?;
    ensure!(
        FdFlag::from_bits_truncate(flags).contains(FdFlag::FD_CLOEXEC),
        "received fd {passed_fd} is not close-on-exec despite MSG_CMSG_CLOEXEC"
    );

    // Close our own write end first: whatever reaches the pipe now went through the fd that
    // crossed the socket, a new number for the same open file description.
    drop(pipe_w);
    let payload = b"through the passed fd";
    let wrote =
        nix::unistd::write(passed, payload).with_context(|| format!("writing through received fd {passed_fd}"))?;
    ensure!(wrote == payload.len(), "short write through fd {passed_fd}: {wrote} bytes");
    let mut back = [0u8; 64];
    let got = nix::unistd::read(&pipe_r, &mut back).context("reading the pipe's other end")?;
    ensure!(
        back[..got] == payload[..],
        "the pipe returned {:?}, not what fd {passed_fd} wrote",
        String::from_utf8_lossy(&back[..got])
    );
    Ok(format!(
        "sent pipe fd {sent_fd} with 1 data byte, received it as fd {passed_fd} (close-on-exec), \
         closed fd {sent_fd}; {got} bytes written through fd {passed_fd} came out of the pipe"
    ))
}

/// The `exclusive` mode registers the shared listener with EPOLLEXCLUSIVE (Linux 4.5); older
/// kernels refuse the flag with EINVAL. A connection then shows that the registration wakes.
fn check_epoll_exclusive() -> Result<String> {
    let listener = loopback_listener()?;
    let addr = listener.local_addr().context("reading the listener's address")?;
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).context("creating an epoll instance")?;
    epoll
        .add(&listener, EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLEXCLUSIVE, 0))
        .with_context(|| format!("epoll_ctl ADD with EPOLLEXCLUSIVE on listener {addr}"))?;

    let _client = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    let mut events = [EpollEvent::empty(); 1];
    let ready = loop {
        // 2 s only bounds a broken machine: on loopback the event is there at once.
        match epoll.wait(&mut events, 2000u16) {
            Err(Errno::EINTR) => continue,
            other => break other.context("waiting on the epoll instance")?,
        }
    };
    ensure!(ready == 1, "a connection to {addr} did not wake the EPOLLEXCLUSIVE registration");
    Ok(format!("epoll_ctl ADD with EPOLLEXCLUSIVE on listener {addr} accepted, and a connection woke it"))
}

/// The `reuseport` mode gives each worker its own socket on one port (SO_REUSEPORT, Linux 3.9).
fn check_reuseport() -> Result<String> {
    let first = reuseport_listener(SockaddrIn::new(127, 0, 0, 1, 0))?;
    let port = getsockname::<SockaddrIn>(first.as_raw_fd()).context("reading the first socket's port")?.port();
    let _second = reuseport_listener(SockaddrIn::new(127, 0, 0, 1, port))
        .with_context(|| format!("a second socket on 127.0.0.1:{port}"))?;
    Ok(format!("two SO_REUSEPORT sockets listen on 127.0.0.1:{port}"))
}

fn reuseport_listener(addr: SockaddrIn) -> Result<OwnedFd> {
    let fd =
        socket(AddressFamily::Inet, SockType::Stream, SockFlag::SOCK_CLOEXEC, None).context("creating a TCP socket")?;
    // The option must be on before bind, on every socket that shares the port (socket(7)).
    setsockopt(&fd, sockopt::ReusePort, &true).context("setting SO_REUSEPORT")?;
    bind(fd.as_raw_fd(), &addr).with_context(|| format!("binding {addr}"))?;
    listen(&fd, Backlog::new(16).expect("16 is a valid backlog")).with_context(|| format!("listening on {addr}"))?;
    Ok(fd)
}

/// The TUI becomes a child subreaper so the daemon lesson's grandchild re-parents to it instead
/// of PID 1 (prctl(2), Linux 3.4). The doctor turns it on, reads it back and puts it back.
fn check_subreaper() -> Result<String> {
    let before = prctl::get_child_subreaper().context("PR_GET_CHILD_SUBREAPER")?;
    let set = prctl::set_child_subreaper(true).context("PR_SET_CHILD_SUBREAPER 1");
    let after = prctl::get_child_subreaper().context("PR_GET_CHILD_SUBREAPER after setting it");
    // Restore before judging, so a failed check still leaves the process as it found it.
    prctl::set_child_subreaper(before)
        .with_context(|| format!("restoring PR_SET_CHILD_SUBREAPER to {}", u8::from(before)))?;
    set?;
    ensure!(after?, "PR_GET_CHILD_SUBREAPER still reads 0 after PR_SET_CHILD_SUBREAPER 1");
    Ok(format!("PR_SET_CHILD_SUBREAPER took effect, restored to {}", if before { "on" } else { "off" }))
}

/// The fd pane reads `/proc/<pid>/fd/N -> socket:[INODE]`, and the herd counter reads
/// `voluntary_ctxt_switches` from `/proc/<pid>/status`: a missing or restricted /proc hides both.
fn check_proc_fds() -> Result<String> {
    let listener = loopback_listener()?;
    let fd = listener.as_raw_fd();
    let path = format!("/proc/self/fd/{fd}");
    let target = std::fs::read_link(&path).with_context(|| format!("reading the link {path}"))?;
    let target = target.to_string_lossy();
    let inode: u64 = target
        .strip_prefix("socket:[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("{path} points at {target:?}, expected socket:[INODE]"))?;
    // The inode is the socket's identity, the one the lessons match across processes.
    let real = nix::sys::stat::fstat(&listener).with_context(|| format!("fstat of fd {fd}"))?.st_ino;
    ensure!(inode == real, "{path} names inode {inode}, but fstat says {real}");

    let status = std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let switches = status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .map(str::trim)
        .context("/proc/self/status has no voluntary_ctxt_switches line")?;
    Ok(format!("{path} -> {target}; voluntary_ctxt_switches {switches}"))
}

/// Workers listen on 127.0.0.1 only; a network namespace without `lo` up breaks every lesson.
fn check_loopback() -> Result<String> {
    let listener = loopback_listener()?;
    let addr = listener.local_addr().context("reading the listener's address")?;
    let client = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    let (_server_side, peer) = listener.accept().with_context(|| format!("accepting on {addr}"))?;
    let local = client.local_addr().context("reading the client's address")?;
    ensure!(peer == local, "accepted {peer}, but the client is {local}");
    Ok(format!("bound {addr}, connected and accepted a connection from {peer}"))
}

/// The TUI draws on a terminal; the headless runner does not need one.
fn check_tty() -> Result<String> {
    let missing: Vec<&str> = [("stdin", std::io::stdin().is_terminal()), ("stdout", std::io::stdout().is_terminal())]
        .into_iter()
        .filter_map(|(name, is_tty)| (!is_tty).then_some(name))
        .collect();
    ensure!(
        missing.is_empty(),
        "{} not a terminal: the TUI needs one; `forklab play <lesson>` works without",
        match missing.as_slice() {
            [one] => format!("{one} is"),
            _ => "stdin and stdout are".to_string(),
        }
    );
    Ok("stdin and stdout are terminals".to_string())
}

/// `forklab watch`'s syscalls pane attaches strace to a running process (ptrace). The real
/// thing: strace attached to a `sleep` of our own, which Yama, a missing CAP_SYS_PTRACE in a
/// container, or a seccomp profile can each refuse.
fn check_strace() -> Result<String> {
    let path = crate::lab::strace::find_on_path("strace")
        .context("strace is not on PATH: the watch screen's syscalls pane needs it (apt-get install strace)")?;
    let mut sleeper = std::process::Command::new("sleep")
        .arg("0.3")
        .stdin(std::process::Stdio::null())
        .spawn()
        .context("starting sleep to attach strace to")?;
    let pid = sleeper.id() as i32;
    if let Some(why) = crate::lab::strace::why_not(pid) {
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        bail!(why);
    }
    let out = std::process::Command::new(&path)
        .args(["-qq", "-e", "trace=none", "-p", &pid.to_string()])
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("running {}", path.display()));
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let out = out?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success(),
        "strace could not attach to process {pid}: {}: the syscalls pane needs ptrace (as root, or a container run with --cap-add SYS_PTRACE)",
        err.trim()
    );
    let scope = match crate::lab::strace::ptrace_scope() {
        Some(s) => format!("Yama ptrace_scope {s}"),
        None => "no Yama".to_string(),
    };
    Ok(format!("{} attached to a process of ours ({scope})", path.display()))
}

fn loopback_listener() -> Result<TcpListener> {
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
    TcpListener::bind(addr).with_context(|| format!("binding {addr}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str) -> Check {
        let p = PROBES.iter().find(|p| p.name == name).expect("a known check");
        let (ok, detail) = match (p.run)() {
            Ok(seen) => (true, seen),
            Err(e) => (false, format!("{e:#}")),
        };
        Check { name: p.name, required: p.required, ok, detail }
    }

    fn assert_passes(name: &str) {
        let c = check(name);
        assert!(c.ok, "{name} failed: {}", c.detail);
    }

    #[test]
    fn linux_passes() {
        assert_passes("linux");
    }

    #[test]
    fn fork_passes_and_reports_exit_code_7() {
        let c = check("fork");
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.ends_with("waitpid reported exit code 7"), "{}", c.detail);
    }

    #[test]
    fn scm_rights_passes() {
        assert_passes("scm_rights");
    }

    #[test]
    fn epoll_exclusive_passes() {
        assert_passes("epoll_exclusive");
    }

    #[test]
    fn reuseport_passes() {
        assert_passes("reuseport");
    }

    #[test]
    fn subreaper_passes_and_is_restored() {
        let before = prctl::get_child_subreaper().unwrap();
        assert_passes("subreaper");
        assert_eq!(prctl::get_child_subreaper().unwrap(), before);
    }

    #[test]
    fn proc_fds_passes() {
        let c = check("proc_fds");
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.contains("socket:["), "{}", c.detail);
    }

    #[test]
    fn loopback_passes() {
        assert_passes("loopback");
    }

    /// CI has no tty and a developer has one: either way the check is optional, and when it
    /// fails it points at the headless runner.
    #[test]
    fn node_reports_its_version_or_how_to_get_it() {
        let c = check("node");
        assert!(!c.required);
        match c.ok {
            true => assert!(c.detail.starts_with("node v"), "{}", c.detail),
            false => assert!(c.detail.contains("nodejs"), "{}", c.detail),
        }
    }

    #[test]
    fn tty_is_optional_and_explains_itself() {
        let c = check("tty");
        assert!(!c.required);
        if !c.ok {
            assert!(c.detail.contains("forklab play <lesson>"), "{}", c.detail);
        }
    }

    #[test]
    fn text_report_has_a_line_per_check_and_a_verdict() {
        let mut out = Vec::new();
        let ok = run(false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), PROBES.len() + 1, "{text}");
        assert!(lines[1].starts_with("ok       fork            forked pid "), "{text}");
        assert!(ok, "{text}");
        assert_eq!(lines.last(), Some(&"all required checks passed"), "{text}");
    }

    #[test]
    fn json_report_parses() {
        let mut out = Vec::new();
        let ok = run(true, &mut out).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["ok"], serde_json::Value::Bool(ok));
        let checks = doc["checks"].as_array().unwrap();
        assert_eq!(checks.len(), PROBES.len());
        for c in checks {
            assert!(c["name"].is_string() && c["detail"].is_string(), "{c}");
            assert!(c["required"].is_boolean() && c["ok"].is_boolean(), "{c}");
        }
        assert!(ok, "{doc}");
    }
}
