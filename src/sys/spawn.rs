//! Starting forklab's own roles as children: `/proc/self/exe` with a hidden role argument.
//!
//! The app has threads, and after fork() in a threaded program the child may only call
//! async-signal-safe functions until exec (fork(2)); so the app never forks to run forklab code.
//! It re-execs itself, and only the single-threaded master forks (DESIGN.md).

use anyhow::{Context, Result};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// The fd number a role finds its channel on.
pub const CHAN_FD: i32 = 3;

/// How much nicer than forklab its children run: 0, except under the lesson screen, which
/// sets it so that a lab saturating every core (a load test, `work` on every core) still
/// leaves the screen a core to draw on. Workers inherit it from the master across fork().
/// Only relative weight changes: on idle cores a niced process runs exactly as fast.
/// Relative to forklab's own nice: under `nice -n 19 forklab` the lab stays at 19 (the most a
/// process can be), not raised to 10 above what the user asked for.
static CHILD_NICE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Children run `n` nicer than forklab itself.
pub fn set_child_nice(n: i32) {
    CHILD_NICE.store(n, std::sync::atomic::Ordering::Relaxed);
}

/// The nice value a child gets: forklab's own plus `delta`, within setpriority(2)'s -20..19.
/// `None` when there is nothing to change.
fn child_nice(delta: i32) -> Option<i32> {
    if delta == 0 {
        return None;
    }
    // getpriority(2) can return -1 as a real nice value: errno tells an error apart.
    nix::errno::Errno::clear();
    // SAFETY: getpriority takes two integers and returns one; it touches no memory of ours.
    let own = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
    let own = if own == -1 && nix::errno::Errno::last_raw() != 0 { 0 } else { own };
    Some((own + delta).clamp(-20, 19))
}

/// How the child should be set up before exec.
pub struct RoleSpawn<'a> {
    pub args: Vec<String>,
    /// The child's end of a channel, moved to fd 3.
    pub chan: Option<&'a OwnedFd>,
    pub stdout: Stdio,
    pub stderr: Stdio,
    /// The signal the child gets when forklab's spawning thread dies (PR_SET_PDEATHSIG).
    pub death_signal: libc::c_int,
}

/// Start `/proc/self/exe <args>` in its own process group, with a clean signal mask,
/// PR_SET_PDEATHSIG set and re-checked, and the channel on fd 3.
pub fn role(spec: RoleSpawn) -> Result<Child> {
    let mut cmd = Command::new("/proc/self/exe");
    cmd.args(&spec.args).stdin(Stdio::null()).stdout(spec.stdout).stderr(spec.stderr);
    prepare(&mut cmd, spec.death_signal, spec.chan.map(|c| c.as_raw_fd()));
    spawn(&mut cmd).with_context(|| tr!("sys-start-forklab", args = spec.args.join(" ")))
}

/// Start any program (`forklab watch -- CMD`) as `role` starts forklab's own: its own process
/// group, a clean signal mask, PR_SET_PDEATHSIG. Its stdout goes to forklab's stderr, so that
/// what forklab prints on stdout stays forklab's.
pub fn program(argv: &[String], death_signal: libc::c_int) -> Result<Child> {
    let stdout = std::io::stderr().as_fd().try_clone_to_owned().with_context(|| tr!("sys-dup-stderr"))?;
    program_to(argv, death_signal, stdout.into(), Stdio::inherit(), None)
}

/// [`program`] with its stdout and stderr where the caller says (a built-in Node program's
/// go to a log file: an uncaught exception's stack must not land on the lesson screen), in
/// `dir` when given (the study note's master.js forks `./child1.js`, relative to its cwd).
pub fn program_to(
    argv: &[String],
    death_signal: libc::c_int,
    stdout: Stdio,
    stderr: Stdio,
    dir: Option<&std::path::Path>,
) -> Result<Child> {
    let (prog, args) = argv.split_first().with_context(|| tr!("sys-no-command"))?;
    let mut cmd = Command::new(prog);
    cmd.args(args).stdin(Stdio::null()).stdout(stdout).stderr(stderr);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    prepare(&mut cmd, death_signal, None);
    spawn(&mut cmd).with_context(|| tr!("sys-cannot-start", cmd = argv.join(" ")))
}

/// Start a program as `program` does, with its stdout and stderr on pipes for forklab to read
/// (strace under the syscalls pane; the watched command under the interactive screen, whose
/// output would otherwise write over the screen).
pub fn program_piped(argv: &[String], death_signal: libc::c_int) -> Result<Child> {
    let (prog, args) = argv.split_first().with_context(|| tr!("sys-no-command"))?;
    let mut cmd = Command::new(prog);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    prepare(&mut cmd, death_signal, None);
    spawn(&mut cmd).with_context(|| tr!("sys-cannot-start", cmd = argv.join(" ")))
}

/// `cmd.spawn()` with the reaper held off: an exec that fails (ENOENT, ENOMEM, or pre_exec's
/// dup2 onto fd 3) is reaped by std's spawn itself, which panics if the reaper's waitpid(-1)
/// took the child first.
fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    let _hold = super::reaper::hold_reaping();
    cmd.spawn()
}

/// What every child forklab starts gets between fork and exec.
fn prepare(cmd: &mut Command, death_signal: libc::c_int, chan_fd: Option<i32>) {
    let parent = std::process::id() as libc::pid_t;
    let nice = child_nice(CHILD_NICE.load(std::sync::atomic::Ordering::Relaxed));
    cmd
        // Its own group, so the terminal's Ctrl-C reaches forklab alone (which then stops the
        // pool in order) and so cleanup can end the whole group with killpg.
        .process_group(0);
    // SAFETY: this closure runs in the child between fork and exec of a multithreaded parent,
    // so it may only call async-signal-safe functions: sigemptyset, sigprocmask, getppid, dup2,
    // fcntl and _exit are all on signal-safety(7)'s list; prctl and setpriority are not (the
    // list is POSIX's), but their glibc wrappers are plain system calls that take no lock and
    // touch only errno. It allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            // Rust's Command passes the parent's blocked signals on; the app blocks
            // SIGTERM/SIGINT/SIGHUP/SIGCHLD for its signal thread, and a child that kept them
            // blocked could not be stopped.
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            libc::prctl(libc::PR_SET_PDEATHSIG, death_signal as libc::c_ulong, 0, 0, 0);
            // If the parent died before prctl took effect, the death signal will never come:
            // the parent pid has changed, so leave now.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            if let Some(nice) = nice {
                libc::setpriority(libc::PRIO_PROCESS, 0, nice);
            }
            if let Some(fd) = chan_fd {
                if fd == CHAN_FD {
                    // dup2 onto itself keeps FD_CLOEXEC: clear it by hand.
                    let flags = libc::fcntl(fd, libc::F_GETFD);
                    libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                } else if libc::dup2(fd, CHAN_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measured from this process's own nice, so the test holds under `nice cargo test`.
    #[test]
    fn children_are_niced_relative_to_forklab() {
        // SAFETY: as in child_nice.
        let own = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(child_nice(0), None);
        assert_eq!(child_nice(10), Some((own + 10).min(19)));
        assert_eq!(child_nice(100), Some(19));
    }
}
