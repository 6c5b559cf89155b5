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
    let version = crate::lab::node::version().context(tr!("doctor-node-missing"))?;
    Ok(tr!("doctor-node", version = version))
}

/// Run every check and print the report: one line per check and a verdict, or one JSON
/// document. Returns whether every required check passed.
pub fn run(json: bool, out: &mut impl Write) -> Result<bool> {
    // `--json` is an interface: its details are English whatever the language.
    let lang = crate::i18n::current();
    if json {
        crate::i18n::set(crate::i18n::Lang::En);
    }
    let checks = run_checks();
    crate::i18n::set(lang);
    let ok = checks.iter().all(|c| c.ok || !c.required);
    if json {
        serde_json::to_writer(&mut *out, &Report { checks: &checks, ok }).context(tr!("doctor-writing-json"))?;
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
    ensure!(cfg!(target_os = "linux"), "{}", tr!("doctor-not-linux", os = std::env::consts::OS));
    let uts = nix::sys::utsname::uname().context(tr!("doctor-calling-uname"))?;
    let sysname = uts.sysname().to_string_lossy();
    ensure!(sysname == "Linux", "{}", tr!("doctor-uname-not-linux", sysname = format!("{sysname:?}")));
    Ok(format!("Linux {}", uts.release().to_string_lossy()))
}

/// The master forks its workers for real; a seccomp profile or a process limit can forbid it.
fn check_fork() -> Result<String> {
    // SAFETY: `forklab doctor` runs before forklab starts any thread. Even where it does not (the
    // unit tests run on the test harness's threads), the child only calls `_exit`, which is
    // async-signal-safe (signal-safety(7)): it touches no lock or allocator another thread might
    // have held at the fork, and it skips the atexit handlers and stdio buffers it shares with us.
    match unsafe { fork() }.context(tr!("doctor-forking"))? {
        ForkResult::Child => unsafe { libc::_exit(7) },
        ForkResult::Parent { child } => {
            let status = wait_for(child)?;
            match status {
                WaitStatus::Exited(pid, 7) => Ok(tr!("doctor-forked", pid = pid.as_raw())),
                other => {
                    bail!("{}", tr!("doctor-fork-status", pid = child.as_raw(), status = format!("{other:?}")))
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
            other => return other.with_context(|| tr!("doctor-waiting-child", pid = child.as_raw())),
        }
    }
}

/// The channels carry listeners and connections between processes (unix(7)): send the write
/// end of a pipe with one byte of real data, receive it as a new fd, and prove it is the same
/// pipe by writing through it.
fn check_scm_rights() -> Result<String> {
    let (tx, rx) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
        .context(tr!("doctor-socketpair"))?;
    let (pipe_r, pipe_w) = pipe2(OFlag::O_CLOEXEC).context(tr!("doctor-pipe"))?;
    let sent_fd = pipe_w.as_raw_fd();

    // unix(7): a control message needs at least one byte of real data to travel with it.
    sendmsg::<()>(
        tx.as_raw_fd(),
        &[IoSlice::new(b"F")],
        &[ControlMessage::ScmRights(&[sent_fd])],
        MsgFlags::empty(),
        None,
    )
    .with_context(|| tr!("doctor-sending-fd", fd = sent_fd))?;

    let mut data = [0u8; 1];
    let mut cmsg_buf = nix::cmsg_space!([RawFd; 1]);
    let (bytes, received) = {
        let mut iov = [IoSliceMut::new(&mut data)];
        // MSG_CMSG_CLOEXEC: a passed fd must never leak into a later exec.
        let msg = recvmsg::<()>(rx.as_raw_fd(), &mut iov, Some(&mut cmsg_buf), MsgFlags::MSG_CMSG_CLOEXEC)
            .context(tr!("doctor-receiving"))?;
        let mut received = Vec::new();
        for cmsg in msg.cmsgs().context(tr!("doctor-cmsgs"))? {
            if let ControlMessageOwned::ScmRights(fds) = cmsg {
                // SAFETY: the kernel just installed these fds in our table for us alone.
                received.extend(fds.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
            }
        }
        (msg.bytes, received)
    };
    ensure!(bytes == 1 && data == *b"F", "{}", tr!("doctor-data-byte", bytes = bytes, data = format!("{data:?}")));
    let [passed] = received.as_slice() else {
        bail!("{}", tr!("doctor-fd-count", n = received.len()));
    };
    let passed_fd = passed.as_raw_fd();

    let flags = fcntl(passed, FcntlArg::F_GETFD).with_context(|| tr!("doctor-fd-flags", fd = passed_fd))?;
    ensure!(
        FdFlag::from_bits_truncate(flags).contains(FdFlag::FD_CLOEXEC),
        "{}",
        tr!("doctor-not-cloexec", fd = passed_fd)
    );

    // Close our own write end first: whatever reaches the pipe now went through the fd that
    // crossed the socket, a new number for the same open file description.
    drop(pipe_w);
    let payload = b"through-the-passed-fd";
    let wrote = nix::unistd::write(passed, payload).with_context(|| tr!("doctor-writing-through", fd = passed_fd))?;
    ensure!(wrote == payload.len(), "{}", tr!("doctor-short-write", fd = passed_fd, bytes = wrote));
    let mut back = [0u8; 64];
    let got = nix::unistd::read(&pipe_r, &mut back).context(tr!("doctor-pipe-other-end"))?;
    ensure!(
        back[..got] == payload[..],
        "{}",
        tr!("doctor-pipe-returned", got = format!("{:?}", String::from_utf8_lossy(&back[..got])), fd = passed_fd)
    );
    Ok(tr!("doctor-scm-rights", sent = sent_fd, passed = passed_fd, bytes = got))
}

/// The `exclusive` mode registers the shared listener with EPOLLEXCLUSIVE (Linux 4.5); older
/// kernels refuse the flag with EINVAL. A connection then shows that the registration wakes.
fn check_epoll_exclusive() -> Result<String> {
    let listener = loopback_listener()?;
    let addr = listener.local_addr().context(tr!("doctor-listener-address"))?;
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).context(tr!("doctor-epoll-create"))?;
    epoll
        .add(&listener, EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLEXCLUSIVE, 0))
        .with_context(|| tr!("doctor-epoll-add", addr = addr.to_string()))?;

    let _client = TcpStream::connect(addr).with_context(|| tr!("doctor-connecting", addr = addr.to_string()))?;
    let mut events = [EpollEvent::empty(); 1];
    let ready = loop {
        // 2 s only bounds a broken machine: on loopback the event is there at once.
        match epoll.wait(&mut events, 2000u16) {
            Err(Errno::EINTR) => continue,
            other => break other.context(tr!("doctor-epoll-wait"))?,
        }
    };
    ensure!(ready == 1, "{}", tr!("doctor-epoll-no-wake", addr = addr.to_string()));
    Ok(tr!("doctor-epoll-exclusive", addr = addr.to_string()))
}

/// The `reuseport` mode gives each worker its own socket on one port (SO_REUSEPORT, Linux 3.9).
fn check_reuseport() -> Result<String> {
    let first = reuseport_listener(SockaddrIn::new(127, 0, 0, 1, 0))?;
    let port = getsockname::<SockaddrIn>(first.as_raw_fd()).context(tr!("doctor-first-port"))?.port();
    let _second = reuseport_listener(SockaddrIn::new(127, 0, 0, 1, port))
        .with_context(|| tr!("doctor-second-socket", port = port))?;
    Ok(tr!("doctor-reuseport", port = port))
}

fn reuseport_listener(addr: SockaddrIn) -> Result<OwnedFd> {
    let fd = socket(AddressFamily::Inet, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)
        .context(tr!("doctor-tcp-socket"))?;
    // The option must be on before bind, on every socket that shares the port (socket(7)).
    setsockopt(&fd, sockopt::ReusePort, &true).context(tr!("doctor-set-reuseport"))?;
    bind(fd.as_raw_fd(), &addr).with_context(|| tr!("doctor-binding", addr = addr.to_string()))?;
    let backlog = Backlog::new(16).expect("16 <= SOMAXCONN");
    listen(&fd, backlog).with_context(|| tr!("doctor-listening", addr = addr.to_string()))?;
    Ok(fd)
}

/// The TUI becomes a child subreaper so the daemon lesson's grandchild re-parents to it instead
/// of PID 1 (prctl(2), Linux 3.4). The doctor turns it on, reads it back and puts it back.
fn check_subreaper() -> Result<String> {
    let before = prctl::get_child_subreaper().context("PR_GET_CHILD_SUBREAPER")?;
    let set = prctl::set_child_subreaper(true).context("PR_SET_CHILD_SUBREAPER 1");
    let after = prctl::get_child_subreaper().context(tr!("doctor-subreaper-after"));
    // Restore before judging, so a failed check still leaves the process as it found it.
    prctl::set_child_subreaper(before).with_context(|| tr!("doctor-subreaper-restoring", to = u8::from(before)))?;
    set?;
    ensure!(after?, "{}", tr!("doctor-subreaper-no-effect"));
    Ok(tr!("doctor-subreaper", to = if before { tr!("doctor-on") } else { tr!("doctor-off") }))
}

/// The fd pane reads `/proc/<pid>/fd/N -> socket:[INODE]`, and the herd counter reads
/// `voluntary_ctxt_switches` from `/proc/<pid>/status`: a missing or restricted /proc hides both.
fn check_proc_fds() -> Result<String> {
    let listener = loopback_listener()?;
    let fd = listener.as_raw_fd();
    let path = format!("/proc/self/fd/{fd}");
    let target = std::fs::read_link(&path).with_context(|| tr!("doctor-reading-link", path = &path))?;
    let target = target.to_string_lossy();
    let inode: u64 = target
        .strip_prefix("socket:[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|n| n.parse().ok())
        .with_context(|| tr!("doctor-link-target", path = &path, target = format!("{target:?}")))?;
    // The inode is the socket's identity, the one the lessons match across processes.
    let real = nix::sys::stat::fstat(&listener).with_context(|| tr!("doctor-fstat", fd = fd))?.st_ino;
    ensure!(
        inode == real,
        "{}",
        tr!("doctor-inode-differs", path = &path, inode = inode.to_string(), real = real.to_string())
    );

    let status = std::fs::read_to_string("/proc/self/status").context(tr!("doctor-reading-status"))?;
    let switches = status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .map(str::trim)
        .context(tr!("doctor-no-ctxt-line"))?;
    Ok(format!("{path} -> {target}; voluntary_ctxt_switches {switches}"))
}

/// Workers listen on 127.0.0.1 only; a network namespace without `lo` up breaks every lesson.
fn check_loopback() -> Result<String> {
    let listener = loopback_listener()?;
    let addr = listener.local_addr().context(tr!("doctor-listener-address"))?;
    let client = TcpStream::connect(addr).with_context(|| tr!("doctor-connecting", addr = addr.to_string()))?;
    let (_server_side, peer) = listener.accept().with_context(|| tr!("doctor-accepting", addr = addr.to_string()))?;
    let local = client.local_addr().context(tr!("doctor-client-address"))?;
    ensure!(peer == local, "{}", tr!("doctor-peer-differs", peer = peer.to_string(), local = local.to_string()));
    Ok(tr!("doctor-loopback", addr = addr.to_string(), peer = peer.to_string()))
}

/// The TUI draws on a terminal; the headless runner does not need one.
fn check_tty() -> Result<String> {
    let missing: Vec<&str> = [("stdin", std::io::stdin().is_terminal()), ("stdout", std::io::stdout().is_terminal())]
        .into_iter()
        .filter_map(|(name, is_tty)| (!is_tty).then_some(name))
        .collect();
    ensure!(missing.is_empty(), "{}", tr!("doctor-no-tty", which = missing.join(" & ")));
    Ok(tr!("doctor-tty"))
}

/// `forklab watch`'s syscalls pane attaches strace to a running process (ptrace). The real
/// thing: strace attached to a `sleep` of our own, which Yama, a missing CAP_SYS_PTRACE in a
/// container, or a seccomp profile can each refuse.
fn check_strace() -> Result<String> {
    let path = crate::lab::strace::find_on_path("strace").context(tr!("doctor-no-strace"))?;
    let mut sleeper = std::process::Command::new("sleep")
        .arg("0.3")
        .stdin(std::process::Stdio::null())
        .spawn()
        .context(tr!("doctor-starting-sleep"))?;
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
        .with_context(|| tr!("doctor-running", path = path.display().to_string()));
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let out = out?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.success(), "{}", tr!("doctor-strace-refused", pid = pid, error = err.trim()));
    let scope = match crate::lab::strace::ptrace_scope() {
        Some(s) => format!("Yama ptrace_scope {s}"),
        None => tr!("doctor-no-yama"),
    };
    Ok(tr!("doctor-strace", path = path.display().to_string(), scope = scope))
}

fn loopback_listener() -> Result<TcpListener> {
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
    TcpListener::bind(addr).with_context(|| tr!("doctor-binding", addr = addr.to_string()))
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

    /// In Chinese the report's details are Chinese; `--json` keeps them English.
    #[test]
    fn details_follow_the_language_but_json_stays_english() {
        crate::i18n::set(crate::i18n::Lang::Zh);
        let mut out = Vec::new();
        run(false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let fork = text.lines().find(|l| l.contains(" fork ")).unwrap();
        assert!(fork.contains("fork 出 pid") && fork.contains("退出码 7"), "{text}");
        let reuseport = text.lines().find(|l| l.contains(" reuseport ")).unwrap();
        assert!(reuseport.contains("两个 SO_REUSEPORT socket"), "{text}");
        let mut out = Vec::new();
        run(true, &mut out).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let fork = doc["checks"].as_array().unwrap().iter().find(|c| c["name"] == "fork").unwrap();
        assert!(fork["detail"].as_str().unwrap().ends_with("waitpid reported exit code 7"), "{fork}");
        assert_eq!(crate::i18n::current(), crate::i18n::Lang::Zh, "the language is put back after --json");
        crate::i18n::set(crate::i18n::Lang::En);
    }
}
