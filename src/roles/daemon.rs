//! The daemon lesson's process: a child of the master that daemonizes one step at a time, as
//! the app asks, and reports each step. The steps are the classic ones of daemon(7) and TLPI's
//! `becomeDaemon()`: fork, setsid, fork again, umask, chdir `/`, stdio to /dev/null, pidfile.
//!
//! A daemon outlives its parent by design, so forklab's usual leash (PR_SET_PDEATHSIG, cleared
//! by fork anyway, and killpg of the master's group, which setsid leaves) cannot hold it. It
//! holds a lease instead: a pidfd of forklab itself (pidfd_open(2), Linux 5.3) and its channel
//! to the master. When either closes, it removes its pidfile and exits.

use crate::proto::{Cmd, Event, role};
use crate::sys::chan::{Chan, Recv};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::stat::Mode;
use nix::unistd::{ForkResult, fork, setsid};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

struct Daemon {
    chan: Chan,
    pid: i32,
    /// The pidfile and its directory, once written: removed on the way out. The lock on the
    /// file is held as long as this is.
    pidfile: Option<(PathBuf, PathBuf, Flock<std::fs::File>)>,
    app_pid: i32,
    /// The fds above 2 this process made or was given for forklab's sake (its channel, its
    /// signalfd, its lease): what `close-fds` keeps.
    own: Vec<RawFd>,
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
    let own = [Some(chan.as_raw_fd()), Some(signals.as_raw_fd()), lease.as_ref().map(AsRawFd::as_raw_fd)];
    let own = own.into_iter().flatten().collect();
    let mut d = Daemon { chan, pid: std::process::id() as i32, pidfile: None, app_pid, own };
    // Its line first, then the report: the line shows with the step (see `step`).
    d.say("fork");
    d.report("fork", tr!("daemon-forked", ppid = nix::unistd::getppid().as_raw()));
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
        // The file the `pidfile` step holds, for the app to check (the detail is for people).
        let pidfile =
            (step == "pidfile").then(|| self.pidfile.as_ref().map(|(p, ..)| p.display().to_string())).flatten();
        let ev = Event::Daemon { alias: role::DAEMON.into(), pid: self.pid, step: step.into(), detail, pidfile };
        let _ = self.chan.send(&ev, &[], false);
    }

    /// One line on fd 1 saying that `step` is done, where the steps before `stdio` can be seen:
    /// a pipe the master reads (the terminal a shell would have given). After `stdio` it goes
    /// to /dev/null.
    fn say(&self, step: &str) {
        let line = format!("{} {}\n", self.pid, tr!("daemon-said", step = step));
        // One write(2) of less than PIPE_BUF bytes: whole on the pipe. EPIPE once the master is
        // gone (SIGPIPE is ignored, as Rust programs start), and nobody to tell.
        let _ = nix::unistd::write(std::io::stdout(), line.as_bytes());
    }

    /// daemon(7): "close all open file descriptors except standard input, output, and error".
    /// Those it keeps for forklab are its own (`own`); the rest came with the fork.
    fn close_inherited(&self) -> String {
        let table = crate::sys::procfs::fd_table(self.pid).unwrap_or_default();
        let mut closed = Vec::new();
        for e in table.iter().filter(|e| e.fd > 2 && !self.own.contains(&e.fd)) {
            // SAFETY: an fd that came with the fork; nothing in this process owns or uses it.
            if unsafe { libc::close(e.fd) } == 0 {
                closed.push(format!("{} ({})", e.fd, e.target));
            }
        }
        match closed.len() {
            0 => tr!("daemon-closed-nothing"),
            _ => tr!("daemon-closed-fds", fds = closed.join(", ")),
        }
    }

    /// Runs a step, then writes its line on fd 1 before it reports on the channel: so the
    /// line (while fd 1 is the pipe) reaches the master first, and shows with its step.
    fn step(&mut self, step: &str) {
        let detail = self.step_once(step);
        self.say(step);
        self.report(step, detail);
    }

    /// Runs a step; returns what to report of it.
    fn step_once(&mut self, step: &str) -> String {
        match step {
            "close-fds" => self.close_inherited(),
            "setsid" => match setsid() {
                Ok(sid) => tr!("daemon-setsid", sid = sid.as_raw()),
                Err(e) => tr!("daemon-setsid-failed", error = e.to_string()),
            },
            "fork-again" => {
                let first = self.pid;
                // SAFETY: this process has one thread (a fork of the single-threaded master).
                match unsafe { fork() } {
                    Ok(ForkResult::Child) => {
                        self.pid = std::process::id() as i32;
                        tr!("daemon-forked-again", first = first)
                    }
                    Ok(ForkResult::Parent { .. }) => {
                        // SAFETY: _exit is always safe to call; nothing here needs flushing.
                        unsafe { libc::_exit(0) }
                    }
                    Err(e) => tr!("daemon-fork-failed", error = e.to_string()),
                }
            }
            "umask" => {
                let old = nix::sys::stat::umask(Mode::empty());
                tr!("daemon-umask", old = format!("{:04o}", old.bits()))
            }
            "chdir" => match nix::unistd::chdir("/") {
                Ok(()) => tr!("daemon-chdir"),
                Err(e) => tr!("daemon-chdir-failed", error = e.to_string()),
            },
            "stdio" => stdio_to_null(),
            "pidfile" => match self.write_pidfile() {
                Ok((path, None)) => tr!("daemon-pidfile", path = path.display().to_string()),
                Ok((path, Some(stale))) => {
                    tr!("daemon-pidfile-stale", path = path.display().to_string(), stale = stale)
                }
                Err(e) => tr!("daemon-pidfile-failed", error = e.to_string()),
            },
            other => tr!("daemon-unknown-step", step = other),
        }
    }

    /// daemon(7): "write the daemon PID to a PID file ... in a race-free fashion". The directory
    /// is private (0700); the file is locked with flock(2) for the daemon's whole life (see
    /// [`lock_pidfile`]). Returns the path, and the pid of a dead daemon whose stale pidfile
    /// was taken over.
    fn write_pidfile(&mut self) -> std::io::Result<(PathBuf, Option<i32>)> {
        use std::os::unix::fs::DirBuilderExt;
        // Every error names the path it is about: "No space left on device" alone says not where.
        let at = |what: String, e: std::io::Error| std::io::Error::new(e.kind(), what);
        let dir = crate::sys::rundir::daemon_dir(self.app_pid).map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            // Left by a daemon that was killed before it could clean up (a forklab with this
            // pid ran before): use it only if it is ours and closed to others.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => check_private(&dir)?,
            Err(e) => {
                let what = tr!("daemon-creating", path = dir.display().to_string(), error = e.to_string());
                return Err(at(what, e));
            }
        }
        let path = dir.join("daemon.pid");
        match lock_pidfile(&path, self.pid) {
            Ok((lock, stale)) => {
                self.pidfile = Some((path.clone(), dir, lock));
                Ok((path, stale))
            }
            // A full filesystem lets the file be made and fails the write: an empty pidfile
            // names no daemon, so the file and its dir go again, and the step fails naming it.
            Err(e) if e.raw_os_error().is_some() => {
                if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
                    let _ = std::fs::remove_file(&path);
                    let _ = std::fs::remove_dir(&dir);
                }
                Err(at(tr!("daemon-writing", path = path.display().to_string(), error = e.to_string()), e))
            }
            Err(e) => Err(e),
        }
    }

    fn cleanup(&mut self) {
        // Unlink while still holding the lock, then let it go (the Flock drops last).
        if let Some((file, dir, _lock)) = self.pidfile.take() {
            let _ = std::fs::remove_file(file);
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Open (or create, mode 0600) the pidfile, take an exclusive flock(2) on it and write `pid`.
/// The lock, not the file's existence, says that a daemon runs: it lives exactly as long as the
/// daemon's open file description, so a file left by a daemon killed with SIGKILL is unlocked
/// and taken over, and of two daemons starting at once only one gets the lock (`O_EXCL` alone
/// gives neither: after a SIGKILL the stale file blocks every new start). Returns the lock and
/// the pid a stale file named.
fn lock_pidfile(path: &std::path::Path, pid: i32) -> std::io::Result<(Flock<std::fs::File>, Option<i32>)> {
    use std::io::{Read, Seek, Write};
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // A daemon stopping unlinks its file while it holds the lock; one that opened that file
    // just before may get the lock on a file no longer at `path`. Then it tries again.
    for _ in 0..3 {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)?;
        let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((mut file, Errno::EWOULDBLOCK)) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let (path, holder) = (path.display().to_string(), holder.trim().to_string());
                return Err(std::io::Error::other(tr!("daemon-pidfile-locked", path = path, holder = holder)));
            }
            Err((_, e)) => return Err(e.into()),
        };
        if std::fs::symlink_metadata(path).map(|m| m.ino()).ok() != Some(lock.metadata()?.ino()) {
            continue;
        }
        let mut old = String::new();
        lock.read_to_string(&mut old)?;
        lock.set_len(0)?;
        lock.rewind()?;
        writeln!(lock, "{pid}")?;
        lock.sync_all()?;
        return Ok((lock, old.trim().parse().ok()));
    }
    Err(std::io::Error::other(tr!("daemon-pidfile-changing", path = path.display().to_string())))
}

/// A pidfile directory that already exists: used only if it is a real directory of this user,
/// closed to others.
fn check_private(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir_name = dir.display().to_string();
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other(tr!("daemon-dir-not-a-dir", dir = dir_name)));
    }
    if meta.uid() != nix::unistd::getuid().as_raw() || meta.permissions().mode() & 0o077 != 0 {
        return Err(std::io::Error::other(tr!("daemon-dir-not-private", dir = dir_name)));
    }
    Ok(())
}

/// Reopen fds 0, 1 and 2 on /dev/null: a daemon has no terminal to read or write.
fn stdio_to_null() -> String {
    let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") else {
        return tr!("daemon-stdio-open-failed");
    };
    use std::os::fd::AsRawFd;
    for fd in 0..=2 {
        // SAFETY: dup2 onto 0..2 replaces stdio; both fds are valid.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } < 0 {
            return tr!("daemon-stdio-dup-failed", fd = fd);
        }
    }
    tr!("daemon-stdio")
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
    fn a_stale_pidfile_is_taken_over_and_a_locked_one_refused() {
        let dir = scratch("lock");
        std::fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
        let path = dir.join("daemon.pid");
        // Left by a daemon killed with SIGKILL: the file is there, its lock died with it.
        std::fs::write(&path, "4194305\n").unwrap();
        let (lock, stale) = lock_pidfile(&path, 42).unwrap();
        assert_eq!(stale, Some(4194305));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "42\n");
        // While the lock is held, a second start (another open file description) is refused.
        let e = lock_pidfile(&path, 43).unwrap_err().to_string();
        assert!(e.contains("locked by a running daemon (pid 42)"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "42\n");
        // The lock goes with the holder; then the file is free again.
        drop(lock);
        let (_lock, stale) = lock_pidfile(&path, 44).unwrap();
        assert_eq!(stale, Some(42));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_open_to_others_or_not_a_directory_is_left_alone() {
        let open = scratch("open");
        std::fs::DirBuilder::new().mode(0o700).create(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = check_private(&open).unwrap_err().to_string();
        assert!(e.contains("open to others") && e.contains("not touching it"), "{e}");
        std::fs::remove_dir_all(&open).unwrap();

        let link = scratch("link");
        std::os::unix::fs::symlink("/", &link).unwrap();
        let e = check_private(&link).unwrap_err().to_string();
        assert!(e.contains("is not a directory"), "{e}");
        std::fs::remove_file(&link).unwrap();
    }
}
