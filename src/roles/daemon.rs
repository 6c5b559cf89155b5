//! The daemon lesson's process: a child of the master that daemonizes one step at a time, as
//! the app asks, and reports each step. The steps are the classic ones of daemon(7) and TLPI's
//! `becomeDaemon()`: fork, setsid, fork again, umask, chdir `/`, stdio to /dev/null, pidfile.
//!
//! A daemon outlives its parent by design, so forklab's usual leash (PR_SET_PDEATHSIG, cleared
//! by fork anyway, and killpg of the master's group, which setsid leaves) cannot hold it. It
//! holds a lease instead: a pidfd of forklab itself (pidfd_open(2), Linux 5.3) and its channel
//! to the master. When either closes, it removes its pidfile and exits.

use crate::proto::{Cmd, Event};
use crate::sys::chan::{Chan, Recv};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::stat::Mode;
use nix::unistd::{ForkResult, fork, setsid};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

struct Daemon {
    chan: Chan,
    pid: i32,
    /// The pidfile and its directory, once written: removed on the way out.
    pidfile: Option<(PathBuf, PathBuf)>,
    app_pid: i32,
}

/// Runs in the master's fresh child; returns its exit code.
pub fn run(chan: Chan, app_pid: i32) -> i32 {
    let _ = nix::sys::prctl::set_name(c"forklab-daemon");
    // SIGTERM is how the lesson stops the daemon: take it on a signalfd so that the pidfile is
    // removed first. Everything else the master had blocked is unblocked (daemon(7): reset the
    // signal mask).
    let mut term = SigSet::empty();
    term.add(Signal::SIGTERM);
    let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&term), None);
    let Ok(signals) = SignalFd::with_flags(&term, SfdFlags::SFD_CLOEXEC) else { return 1 };
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, app_pid, 0) } as i32;
    // Before Linux 5.3 there is no pidfd_open: the channel alone is the lease then (the master
    // ends with forklab, through its PR_SET_PDEATHSIG).
    // SAFETY: `raw` is a new fd that nothing else owns.
    let lease = (raw >= 0).then(|| unsafe { OwnedFd::from_raw_fd(raw) });
    let mut d = Daemon { chan, pid: std::process::id() as i32, pidfile: None, app_pid };
    d.report("fork", format!("forked by the master; my parent is pid {}", nix::unistd::getppid()));
    loop {
        let mut fds =
            vec![PollFd::new(d.chan.as_fd(), PollFlags::POLLIN), PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
        if let Some(lease) = &lease {
            fds.push(PollFd::new(lease.as_fd(), PollFlags::POLLIN));
        }
        if poll(&mut fds, PollTimeout::NONE).is_err() {
            continue;
        }
        let ready = |i: usize| fds.get(i).and_then(PollFd::revents).is_some_and(|r| !r.is_empty());
        let (chan_ready, terminated, app_gone) = (ready(0), ready(1), ready(2));
        if app_gone || terminated {
            // forklab is gone (its pidfd is readable), or SIGTERM came: clean up and leave.
            d.cleanup();
            return 0;
        }
        if chan_ready {
            match d.chan.recv::<Cmd>(false) {
                Ok(Recv::Msg(Cmd::Daemon { step }, _)) => d.step(&step),
                Ok(Recv::Msg(..)) | Ok(Recv::Empty) => {}
                // The master is gone: so is the lesson.
                Ok(Recv::Eof) | Err(_) => {
                    d.cleanup();
                    return 0;
                }
            }
        }
    }
}

impl Daemon {
    fn report(&self, step: &str, detail: String) {
        let ev = Event::Daemon { alias: "daemon".into(), pid: self.pid, step: step.into(), detail };
        let _ = self.chan.send(&ev, &[], false);
    }

    fn step(&mut self, step: &str) {
        match step {
            "setsid" => match setsid() {
                Ok(sid) => self.report(step, format!("setsid() made session {sid}, with no controlling terminal")),
                Err(e) => self.report(step, format!("setsid() failed: {e}")),
            },
            "fork-again" => {
                let first = self.pid;
                // SAFETY: this process has one thread (a fork of the single-threaded master).
                match unsafe { fork() } {
                    Ok(ForkResult::Child) => {
                        self.pid = std::process::id() as i32;
                        self.report(
                            step,
                            format!("forked again; the first child {first} exits, so this one is an orphan"),
                        );
                    }
                    Ok(ForkResult::Parent { .. }) => {
                        // SAFETY: _exit is always safe to call; nothing here needs flushing.
                        unsafe { libc::_exit(0) }
                    }
                    Err(e) => self.report(step, format!("fork failed: {e}")),
                }
            }
            "umask" => {
                let old = nix::sys::stat::umask(Mode::empty());
                self.report(step, format!("umask {:04o} -> 0000: files get exactly the modes asked for", old.bits()));
            }
            "chdir" => match nix::unistd::chdir("/") {
                Ok(()) => self.report(step, "chdir(\"/\"): no mounted filesystem is held busy".into()),
                Err(e) => self.report(step, format!("chdir failed: {e}")),
            },
            "stdio" => self.report(step, stdio_to_null()),
            "pidfile" => {
                let detail = match self.write_pidfile() {
                    Ok((path, None)) => format!("wrote {}", path.display()),
                    Ok((path, Some(stale))) => {
                        format!(
                            "wrote {} (after removing a stale pidfile of pid {stale}, no longer running)",
                            path.display()
                        )
                    }
                    Err(e) => format!("pidfile failed: {e}"),
                };
                self.report(step, detail);
            }
            other => self.report(other, format!("unknown step `{other}`")),
        }
    }

    /// daemon(7): "write the daemon PID to a PID file ... in a race-free fashion". The
    /// directory is private (0700) and new; the file is created with O_EXCL, so two daemons
    /// can never both believe they own it.
    /// Returns the path, and the pid of a dead daemon whose stale pidfile was in the way.
    fn write_pidfile(&mut self) -> std::io::Result<(PathBuf, Option<i32>)> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        // Every error names the path it is about: "No space left on device" alone says not where.
        let at = |what: &str, p: &std::path::Path, e: std::io::Error| {
            std::io::Error::new(e.kind(), format!("{what} {}: {e}", p.display()))
        };
        let dir = crate::sys::rundir::daemon_dir(self.app_pid).map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        let mkdir = || std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(|e| at("creating", &dir, e));
        let mut stale = None;
        if let Err(e) = mkdir() {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(e);
            }
            // Left by a daemon that was killed before it could clean up (a forklab with this
            // pid ran before): clear it if it is ours and its daemon is gone, then try again.
            stale = Some(clear_stale(&dir)?);
            mkdir()?;
        }
        let path = dir.join("daemon.pid");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| at("creating", &path, e))?;
        // A full filesystem lets the file be made and fails the write: an empty pidfile names
        // no daemon, so the file and its dir go again and the step fails, naming the file.
        if let Err(e) = writeln!(file, "{}", self.pid).and_then(|()| file.sync_all()) {
            drop(file);
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_dir(&dir);
            return Err(at("writing", &path, e));
        }
        self.pidfile = Some((path.clone(), dir));
        Ok((path, stale.flatten()))
    }

    fn cleanup(&mut self) {
        if let Some((file, dir)) = self.pidfile.take() {
            let _ = std::fs::remove_file(file);
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// A pidfile directory that is in the way: removed only if it is a real directory of this user,
/// closed to others, and the pid its file names is not a running daemon. Returns that pid.
fn clear_stale(dir: &std::path::Path) -> std::io::Result<Option<i32>> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let refuse = |why: String| std::io::Error::other(format!("{} {why}; not touching it", dir.display()));
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(refuse("is not a directory".into()));
    }
    if meta.uid() != nix::unistd::getuid().as_raw() || meta.permissions().mode() & 0o077 != 0 {
        return Err(refuse("belongs to another user or is open to others".into()));
    }
    let file = dir.join("daemon.pid");
    let pid = std::fs::read_to_string(&file).ok().and_then(|s| s.trim().parse::<i32>().ok());
    if let Some(pid) = pid {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "forklab-daemon" {
            return Err(refuse(format!("holds the pidfile of a running daemon, pid {pid}")));
        }
    }
    match std::fs::remove_file(&file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::remove_dir(dir)?;
    Ok(pid)
}

/// Reopen fds 0, 1 and 2 on /dev/null: a daemon has no terminal to read or write.
fn stdio_to_null() -> String {
    let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") else {
        return "opening /dev/null failed".into();
    };
    use std::os::fd::AsRawFd;
    for fd in 0..=2 {
        // SAFETY: dup2 onto 0..2 replaces stdio; both fds are valid.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } < 0 {
            return format!("dup2 onto fd {fd} failed");
        }
    }
    "fds 0, 1 and 2 now point at /dev/null".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("forklab-stale-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_stale_pidfile_of_a_dead_daemon_is_cleared() {
        let dir = scratch("dead");
        std::fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
        // Pid 2^22 + 1 is above the kernel's largest pid: no process has it.
        std::fs::write(dir.join("daemon.pid"), "4194305\n").unwrap();
        assert_eq!(clear_stale(&dir).unwrap(), Some(4194305));
        assert!(!dir.exists());
    }

    #[test]
    fn a_directory_open_to_others_or_not_a_directory_is_left_alone() {
        let open = scratch("open");
        std::fs::DirBuilder::new().mode(0o700).create(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::write(open.join("daemon.pid"), "4194305\n").unwrap();
        let e = clear_stale(&open).unwrap_err().to_string();
        assert!(e.contains("open to others") && e.contains("not touching it"), "{e}");
        assert!(open.join("daemon.pid").exists());
        std::fs::remove_dir_all(&open).unwrap();

        let link = scratch("link");
        std::os::unix::fs::symlink("/", &link).unwrap();
        let e = clear_stale(&link).unwrap_err().to_string();
        assert!(e.contains("is not a directory"), "{e}");
        std::fs::remove_file(&link).unwrap();
    }
}
