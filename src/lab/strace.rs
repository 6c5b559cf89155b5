//! The syscalls pane's producer: `strace` attached to one process with a fixed, readable
//! filter, started as a forklab child (its own process group, registered for cleanup,
//! PR_SET_PDEATHSIG), its lines parsed and rate-limited on a reader thread.
//!
//! strace attaches with ptrace(2), which the kernel allows only to a process with the rights
//! over the target (same user, or CAP_SYS_PTRACE) and, under Yama, only as Yama's
//! `ptrace_scope` says (Documentation/admin-guide/LSM/Yama.rst): 0 any process of the same
//! user, 1 only an ancestor (strace, forklab's child, is never an ancestor of the server),
//! 2 only with CAP_SYS_PTRACE, 3 nobody. `why_not` says which one stops it before trying.

use crate::sys::groups::{register_group, unregister_group};
use crate::sys::reaper::{self, Exit};
use crate::sys::{procfs, spawn};
use anyhow::Result;
use crossbeam_channel::Sender;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

/// The calls the pane shows: how a server accepts, passes and waits for connections, and how
/// its processes begin and end.
pub const FILTER: &str = "accept,accept4,recvmsg,sendmsg,socket,bind,listen,epoll_wait,epoll_pwait,clone,clone3,execve,wait4,kill,exit_group";
/// At most this many lines a second reach the pane; the rest are counted.
pub const MAX_PER_SECOND: u32 = 40;

/// One system call as strace printed it, cut to what the pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysCall {
    /// The thread that made it (`[pid N]` under -f); None for the traced process itself.
    pub tid: Option<i32>,
    /// `11:26:15.101653`
    pub time: String,
    pub name: String,
    /// The first argument: for most of these calls the fd, as `-yy` decorates it.
    pub first: String,
    /// The return value, with its decoration; None while unfinished.
    pub ret: Option<String>,
    /// fds passed in an SCM_RIGHTS control message (sendmsg sends them, recvmsg receives them).
    pub passed: Vec<String>,
}

/// What the reader thread sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysEvent {
    Call(SysCall),
    /// A line of strace's own (an error, or a count of lines the rate limit held back).
    Note(String),
    /// strace ended: why, in words.
    Ended(String),
}

/// Parse one line of `strace -qq -tt -yy` output; None for a line that is not a call.
pub fn parse(line: &str) -> Option<SysCall> {
    let mut rest = line.trim_end();
    let mut tid = None;
    if let Some(r) = rest.strip_prefix("[pid ") {
        let (n, r) = r.split_once(']')?;
        tid = Some(n.trim().parse().ok()?);
        rest = r.trim_start();
    }
    let (time, r) = rest.split_once(' ')?;
    if !time.starts_with(|c: char| c.is_ascii_digit()) || !time.contains(':') {
        return None;
    }
    rest = r;
    let (name, args) = if let Some(r) = rest.strip_prefix("<... ") {
        let (name, r) = r.split_once(" resumed>")?;
        (name.to_string(), r)
    } else {
        let open = rest.find('(')?;
        (rest[..open].to_string(), &rest[open + 1..])
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    // A resumed call's first argument was on its `<unfinished ...>` line: what follows
    // `resumed>` starts further on (recvmsg's message, with the fds it got).
    let first = if rest.starts_with("<... ") { "…".to_string() } else { first_arg(args) };
    let ret = args.rfind(") = ").map(|i| args[i + 4..].to_string());
    let passed = scm_rights(args);
    Some(SysCall { tid, time: time.to_string(), name, first, ret, passed })
}

/// Whether `c` after `prev` ends an arrow, which closes no bracket: `->` between a socket's
/// ends (`TCP:[a->b]`), `=>` before what the kernel wrote back into a struct (clone3's).
fn ends_arrow(prev: char, c: char) -> bool {
    c == '>' && (prev == '-' || prev == '=')
}

/// The first argument, up to the first comma or closing parenthesis outside brackets.
fn first_arg(args: &str) -> String {
    let mut depth = 0i32;
    let mut prev = ' ';
    for (i, c) in args.char_indices() {
        let arrow = ends_arrow(prev, c);
        prev = c;
        match c {
            _ if arrow => {}
            '<' | '[' | '{' | '(' => depth += 1,
            '>' | ']' | '}' => depth -= 1,
            ')' if depth == 0 => return args[..i].to_string(),
            ')' => depth -= 1,
            ',' if depth == 0 => return args[..i].to_string(),
            _ => {}
        }
    }
    args.trim_end_matches(" <unfinished ...>").to_string()
}

/// The fds of an SCM_RIGHTS control message: `cmsg_type=SCM_RIGHTS, cmsg_data=[19<TCP:[..]>]`.
fn scm_rights(args: &str) -> Vec<String> {
    const KEY: &str = "cmsg_type=SCM_RIGHTS, cmsg_data=[";
    let Some(at) = args.find(KEY) else { return Vec::new() };
    let data = &args[at + KEY.len()..];
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut prev = ' ';
    for (i, c) in data.char_indices() {
        let arrow = ends_arrow(prev, c);
        prev = c;
        match c {
            _ if arrow => {}
            '<' | '[' | '{' => depth += 1,
            '>' | '}' => depth -= 1,
            ']' if depth == 0 => {
                out.push(data[start..i].trim().to_string());
                break;
            }
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(data[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Why strace cannot be attached to `pid` here, with what to do; None when nothing stops it
/// (the kernel may still refuse: a container without CAP_SYS_PTRACE; strace then says so).
pub fn why_not(pid: i32) -> Option<String> {
    if find_on_path("strace").is_none() {
        return Some(tr!("strace-missing"));
    }
    let me = nix::unistd::geteuid().as_raw();
    let owner = uid_of(pid);
    if me != 0 {
        if let Some(scope) = ptrace_scope() {
            match scope {
                0 => {}
                1 => {
                    return Some(tr!("strace-yama-1", pid = pid));
                }
                2 => {
                    return Some(tr!("strace-yama-2"));
                }
                _ => {
                    return Some(tr!("strace-yama-off", scope = scope));
                }
            }
        }
        if let Some(owner) = owner
            && owner != me
        {
            return Some(tr!("strace-other-user", pid = pid, owner = owner, me = me));
        }
    }
    None
}

/// `/proc/sys/kernel/yama/ptrace_scope`, None without Yama.
pub fn ptrace_scope() -> Option<u32> {
    std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").ok()?.trim().parse().ok()
}

fn uid_of(pid: i32) -> Option<u32> {
    let text = crate::sys::procfs::read_text(&format!("/proc/{pid}/status")).ok()?;
    text.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().nth(1)?.parse().ok()
}

pub fn find_on_path(prog: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(prog)).find(|p| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
    })
}

/// A running strace, attached to `target`. Dropping it detaches (SIGTERM: strace detaches
/// and leaves the process running), then kills its group.
pub struct Tracer {
    pid: i32,
    exit: crossbeam_channel::Receiver<Exit>,
}

impl Tracer {
    /// Attach to `target`; its lines arrive on `tx`, wrapped, until strace ends.
    pub fn start<M: Send + 'static>(target: i32, tx: Sender<M>, wrap: fn(SysEvent) -> M) -> Result<Tracer> {
        Tracer::attach(&[target], false, tx, wrap)
    }

    /// Attach to a tree: `pids` (a master and the children it already has) and, with `-f`,
    /// every process they fork from now on (a respawned worker). Each line names its process
    /// (`[pid N]`).
    pub fn start_tree<M: Send + 'static>(pids: &[i32], tx: Sender<M>, wrap: fn(SysEvent) -> M) -> Result<Tracer> {
        Tracer::attach(pids, true, tx, wrap)
    }

    fn attach<M: Send + 'static>(pids: &[i32], follow: bool, tx: Sender<M>, wrap: fn(SysEvent) -> M) -> Result<Tracer> {
        let Some(&target) = pids.first() else { anyhow::bail!("{}", tr!("strace-no-process")) };
        if let Some(why) = pids.iter().find_map(|p| why_not(*p)) {
            anyhow::bail!(why);
        }
        let mut argv: Vec<String> =
            ["strace", "-qq", "-tt", "-yy", "-s", "32", "-e", "signal=none", "-e", &format!("trace={FILTER}")]
                .into_iter()
                .map(String::from)
                .collect();
        if follow {
            argv.push("-f".into());
        }
        for p in pids {
            argv.extend(["-p".to_string(), p.to_string()]);
        }
        let mut child = spawn::program_piped(&argv, libc::SIGKILL)?;
        let pid = child.id() as i32;
        register_group(pid);
        let exit = reaper::watch(pid);
        let stderr = child.stderr.take();
        drop(child);
        let ended = exit.clone();
        std::thread::Builder::new().name("strace".into()).spawn(move || {
            if let Some(err) = stderr {
                read_lines(BufReader::new(err), target, &tx, wrap);
            }
            let why = match reaper::wait_timeout(&ended, Duration::from_secs(2)) {
                // strace -p also ends, 0, when the process it traced ends: say which it was.
                Some(Exit::Code(0)) if !procfs::is_live(target) => tr!("strace-target-gone", pid = target),
                Some(Exit::Code(0)) => tr!("strace-detached"),
                Some(Exit::Code(c)) => tr!("strace-exited", code = c),
                Some(Exit::Signal(s, _)) => tr!("strace-killed", signal = s.as_str()),
                None => tr!("strace-closed"),
            };
            let _ = tx.send(wrap(SysEvent::Ended(why)));
        })?;
        Ok(Tracer { pid, exit })
    }
}

/// Read strace's lines, parse them, pass at most MAX_PER_SECOND a second, count the rest.
fn read_lines<M>(r: impl BufRead, target: i32, tx: &Sender<M>, wrap: fn(SysEvent) -> M) {
    let mut window = Instant::now();
    let (mut sent, mut held) = (0u32, 0u64);
    for line in r.lines().map_while(std::result::Result::ok) {
        let ev = match parse(&line) {
            Some(call) => SysEvent::Call(call),
            None => SysEvent::Note(explain(&line, target)),
        };
        if window.elapsed() >= Duration::from_secs(1) {
            if held > 0
                && tx.send(wrap(SysEvent::Note(tr!("strace-held", held = held, most = MAX_PER_SECOND)))).is_err()
            {
                return;
            }
            window = Instant::now();
            sent = 0;
            held = 0;
        }
        if matches!(ev, SysEvent::Call(_)) && sent >= MAX_PER_SECOND {
            held += 1;
            continue;
        }
        sent += 1;
        if tx.send(wrap(ev)).is_err() {
            return;
        }
    }
}

/// strace's own line, with what to do when it is ptrace being refused.
fn explain(line: &str, target: i32) -> String {
    if line.contains("Operation not permitted") {
        tr!("strace-refused", line = line, pid = target)
    } else {
        line.to_string()
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        // SIGTERM first: strace detaches from the process cleanly and leaves it running.
        let _ = killpg(Pid::from_raw(self.pid), Signal::SIGTERM);
        if reaper::wait_timeout(&self.exit, Duration::from_millis(500)).is_none() {
            let _ = killpg(Pid::from_raw(self.pid), Signal::SIGKILL);
            let _ = reaper::wait_timeout(&self.exit, Duration::from_secs(2));
        }
        unregister_group(self.pid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused ptrace is explained in the language in use; strace's own line stays as it is.
    #[test]
    fn a_refused_ptrace_is_explained_in_chinese() {
        let line = "strace: attach: ptrace(PTRACE_SEIZE, 42): Operation not permitted";
        crate::i18n::set(crate::i18n::Lang::Zh);
        let zh = explain(line, 42);
        crate::i18n::set(crate::i18n::Lang::En);
        assert!(zh.starts_with(line) && zh.contains("内核拒绝了对 42 的 ptrace") && zh.contains("SYS_PTRACE"), "{zh}");
        assert!(explain(line, 42).contains("the kernel refused ptrace on 42"));
    }

    #[test]
    fn recvmsg_with_scm_rights_names_the_fd_it_got() {
        let line = r#"11:26:15.101653 recvmsg(3<UNIX-STREAM:[24054097->24054096]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="{\"cmd\":\"NODE_HANDLE\",\"type\":\"net"..., iov_len=65536}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[19<TCP:[127.0.0.1:42321->127.0.0.1:59114]>]}], msg_controllen=24, msg_flags=MSG_CMSG_CLOEXEC}, MSG_CMSG_CLOEXEC) = 129"#;
        let c = parse(line).unwrap();
        assert_eq!(c.name, "recvmsg");
        assert_eq!(c.time, "11:26:15.101653");
        assert_eq!(c.first, "3<UNIX-STREAM:[24054097->24054096]>");
        assert_eq!(c.ret.as_deref(), Some("129"));
        assert_eq!(c.passed, vec!["19<TCP:[127.0.0.1:42321->127.0.0.1:59114]>"]);
    }

    /// clone3's struct comes back changed (`=> {parent_tid=[5689]}`): the `>` of that arrow
    /// closes no bracket, so the first argument ends at its comma, not after the return value.
    #[test]
    fn clone3s_first_argument_ends_at_its_comma() {
        let line = "01:48:36.402613 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x7fd9de5ea990, stack_size=0x7fff80} => {parent_tid=[5689]}, 88) = 5689";
        let c = parse(line).unwrap();
        assert_eq!(
            c.first,
            "{flags=CLONE_VM|CLONE_THREAD, child_tid=0x7fd9de5ea990, stack_size=0x7fff80} => {parent_tid=[5689]}"
        );
        assert_eq!(c.ret.as_deref(), Some("5689"));
    }

    #[test]
    fn accept4_two_passed_fds_threads_and_unfinished_calls() {
        let c = parse("11:26:15.065851 accept4(21<TCP:[127.0.0.1:42321]>, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = 22<TCP:[127.0.0.1:42321->127.0.0.1:59114]>").unwrap();
        assert_eq!((c.name.as_str(), c.first.as_str()), ("accept4", "21<TCP:[127.0.0.1:42321]>"));
        assert_eq!(c.ret.as_deref(), Some("22<TCP:[127.0.0.1:42321->127.0.0.1:59114]>"));
        assert!(c.passed.is_empty());
        let two = parse("[pid  77] 10:00:00.000001 sendmsg(5<UNIX-STREAM:[1->2]>, {msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[7<TCP:[3]>, 8</dev/null>]}], msg_flags=0}, 0) = 1").unwrap();
        assert_eq!(two.tid, Some(77));
        assert_eq!(two.passed, vec!["7<TCP:[3]>", "8</dev/null>"]);
        let open = parse("11:26:16.003472 epoll_pwait(14<anon_inode:[eventpoll]>,  <detached ...>").unwrap();
        assert_eq!(open.ret, None);
        let resumed = parse("11:26:16.1 <... wait4 resumed>NULL, 0, NULL) = 42").unwrap();
        assert_eq!((resumed.name.as_str(), resumed.ret.as_deref()), ("wait4", Some("42")));
        assert_eq!(resumed.first, "…");
        let got = parse("[pid 9] 11:26:16.2 <... recvmsg resumed>{msg_name=NULL, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[19<TCP:[1]>]}], msg_flags=0}, 0) = 129").unwrap();
        assert_eq!((got.first.as_str(), got.passed.as_slice()), ("…", ["19<TCP:[1]>".to_string()].as_slice()));
        assert_eq!(parse("strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not permitted"), None);
        assert!(explain("strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not permitted", 1).contains("SYS_PTRACE"));
    }
}
