//! The child's side of fork(): what a new worker does before it runs the worker's code.

use crate::roles::worker;
use crate::sys::chan::Chan;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::unistd::getppid;
use std::os::fd::{OwnedFd, RawFd};

/// In the child after fork(): make this process a worker. Returns its exit code.
pub(super) fn become_worker(
    master_pid: i32,
    chan_fd: RawFd,
    keep_listener: Option<RawFd>,
    setup: impl FnOnce(Chan, Option<OwnedFd>) -> worker::Setup,
) -> i32 {
    // The master blocks SIGCHLD and the stop signals for its signalfd; a worker must feel
    // SIGTERM and SIGINT with their default action.
    let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // Die with the master. PDEATHSIG fires when the parent *thread* exits; the master has
    // only one. If it died before prctl took effect, our parent has already changed.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if getppid().as_raw() != master_pid {
        return 1;
    }
    let _ = nix::sys::prctl::set_name(c"forklab-worker");
    // fork() copied every fd of the master: its epoll, its signalfd, its channel to the app
    // and the master ends of the other workers' channels. A worker holding those would keep
    // them open (a sibling's EOF would never come), so close all but ours.
    close_all_but(&[0, 1, 2, chan_fd].into_iter().chain(keep_listener).collect::<Vec<_>>());
    // SAFETY: both fds are open in this process and nothing else owns them now: the copies of
    // the master's structures that mention them are never dropped (we leave with _exit).
    let chan = unsafe { Chan::from_raw(chan_fd) };
    let inherited = keep_listener.map(|fd| unsafe { worker::adopt(fd) });
    // A panic in a worker must end the worker as it would end a program: Rust's runtime exits
    // with code 101 after a panic in `main`. Unwinding further would run the master's code in
    // this copy of it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker::run(setup(chan, inherited)))).unwrap_or(101)
}

/// Close every fd of this process except `keep`: close_range(2) (Linux 5.9) over the gaps
/// between them, which needs no /proc; on an older kernel, each fd /proc/self/fd lists.
pub(super) fn close_all_but(keep: &[RawFd]) {
    let mut keep: Vec<u32> = keep.iter().filter_map(|&fd| u32::try_from(fd).ok()).collect();
    keep.sort_unstable();
    keep.dedup();
    let close_range = |first: u32, last: u32| {
        // SAFETY: close_range only closes fds of this process; none in [first, last] is one we
        // use (each kept fd lies outside every range).
        first > last || unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) } == 0
    };
    let mut first = 0u32;
    let mut closed = true;
    for &k in &keep {
        closed &= k == 0 || close_range(first, k - 1);
        first = k + 1;
    }
    if closed && close_range(first, u32::MAX) {
        return;
    }
    let fds: Vec<RawFd> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect(),
        Err(_) => return,
    };
    for fd in fds {
        if !keep.contains(&(fd as u32)) {
            // SAFETY: closing an fd we do not use; the one read_dir had open is already closed
            // (EBADF, ignored).
            unsafe { libc::close(fd) };
        }
    }
}
