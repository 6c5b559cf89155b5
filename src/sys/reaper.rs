//! The app's signal thread and its one reaper.
//!
//! Before any thread starts, `install` blocks SIGCHLD, SIGINT, SIGTERM and SIGHUP in the main
//! thread; every thread started later inherits that mask, so these signals stay pending until
//! the one signal thread takes them with sigwait(2). SIGCHLD can stand for several dead children,
//! so the reaper loops `waitpid(-1, WNOHANG)` until nothing is left (DESIGN.md). Nothing else in
//! forklab calls wait: `std::process::Child::wait` is never used. SIGTSTP and SIGCONT are
//! taken the same way, for job control around the lesson screen (jobctl.rs).
//!
//! Children must not inherit this blocked mask (Rust's `Command` passes it on, and a worker
//! that blocks SIGTERM cannot be stopped): `spawn::role` clears it before exec.

use crossbeam_channel::{Receiver, Sender, unbounded};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub use super::exit::Exit;

struct Reaper {
    /// Who wants to hear of a pid's end.
    watchers: HashMap<i32, Sender<Exit>>,
    /// Ends reaped before anyone asked (a child can die before `watch` is called).
    unclaimed: HashMap<i32, Exit>,
}

static REAPER: OnceLock<Mutex<Reaper>> = OnceLock::new();
static QUIT: OnceLock<(Sender<Signal>, Receiver<Signal>)> = OnceLock::new();
/// Whether some part of the app takes the quit signals (see `quit_signals`).
static LISTENING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn reaper() -> &'static Mutex<Reaper> {
    REAPER.get_or_init(|| Mutex::new(Reaper { watchers: HashMap::new(), unclaimed: HashMap::new() }))
}

/// The signals this module takes with sigwait.
fn handled() -> SigSet {
    let mut set = SigSet::empty();
    for s in [Signal::SIGCHLD, Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGTSTP, Signal::SIGCONT] {
        set.add(s);
    }
    set
}

/// Block the signals and start the signal thread. Call once, from main, before any other
/// thread exists. Fails when the thread cannot start (RLIMIT_NPROC reached: `ulimit -u`, or
/// a pids cgroup full): forklab cannot run then, and says so in one line.
pub fn install() -> anyhow::Result<()> {
    use anyhow::Context;
    let set = handled();
    pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).with_context(|| tr!("sys-block-signals"))?;
    let (tx, rx) = unbounded();
    let _ = QUIT.set((tx.clone(), rx));
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut quits = 0;
            // Set by the first quit signal: the moment forklab dies by it if the app has not
            // finished by then (see QUIT_DEADLINE).
            let mut deadline: Option<(std::time::Instant, Signal)> = None;
            loop {
                let sig = match deadline {
                    None => match set.wait() {
                        Ok(sig) => sig,
                        Err(_) => continue,
                    },
                    Some((at, first)) => match wait_until(&set, at) {
                        Some(sig) => sig,
                        None => die_by(first),
                    },
                };
                match sig {
                    Signal::SIGCHLD => reap_all(),
                    Signal::SIGTSTP => super::jobctl::on_tstp(),
                    Signal::SIGCONT => super::jobctl::on_cont(),
                    other => {
                        quits += 1;
                        // Nobody takes quit signals (`bench`, `list`, a lesson folder still
                        // loading), or a second one came while the first is being handled:
                        // the signal must still end forklab, as it would any program.
                        if !LISTENING.load(std::sync::atomic::Ordering::SeqCst) || quits >= 2 {
                            die_by(other);
                        }
                        // Whatever the app waits for is abandoned (the lab's waits watch the
                        // gate), then the handler hears which signal it was.
                        quit_gate().close();
                        deadline = Some((std::time::Instant::now() + QUIT_DEADLINE, other));
                        // The receiver lives in a static: this send cannot fail.
                        let _ = tx.send(other);
                    }
                }
            }
        })
        .with_context(|| tr!("sys-signal-thread"))?;
    Ok(())
}

/// How long the app may take to stop its processes after a quit signal before this thread
/// does it for it: the promise is that nothing forklab started outlives a quit signal by 2 s,
/// whatever the main thread is doing (a wait that missed the gate, a machine so loaded that
/// the app gets no CPU for a while). As systemd's TimeoutStopSec is to a service, but short.
const QUIT_DEADLINE: std::time::Duration = std::time::Duration::from_millis(1500);

/// sigtimedwait(2) for the signals of `set` until `at`; None once `at` has passed.
fn wait_until(set: &SigSet, at: std::time::Instant) -> Option<Signal> {
    loop {
        let left = at.checked_duration_since(std::time::Instant::now())?;
        let ts =
            libc::timespec { tv_sec: left.as_secs() as libc::time_t, tv_nsec: left.subsec_nanos() as libc::c_long };
        // SAFETY: the set and the timespec are valid for the call; no siginfo is asked for.
        let n = unsafe { libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), &ts) };
        if n > 0
            && let Ok(sig) = Signal::try_from(n)
        {
            return Some(sig);
        }
        // EAGAIN (the time is up: checked above), EINTR, or a signal nix does not name: again.
    }
}

/// End every process forklab started, then die by `sig` with its default action, so the
/// parent sees what `waitpid` would say of any program killed by it.
fn die_by(sig: Signal) -> ! {
    crate::sys::groups::kill_all_groups();
    // The TUI may be mid-quit: give the terminal back as ratatui::restore would.
    if crossterm::terminal::is_raw_mode_enabled().unwrap_or(false) {
        let _ = crossterm::terminal::disable_raw_mode();
        let _ =
            crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
    }
    // SAFETY: restoring the default action installs no handler; this thread then unblocks the
    // signal and raises it, and the default action ends the whole process.
    unsafe {
        let _ = nix::sys::signal::signal(sig, nix::sys::signal::SigHandler::SigDfl);
    }
    let mut one = SigSet::empty();
    one.add(sig);
    let _ = pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&one), None);
    let _ = nix::sys::signal::raise(sig);
    // Not reached for SIGINT, SIGTERM or SIGHUP; exit as a shell would report them anyway.
    std::process::exit(128 + sig as i32)
}

/// SIGINT, SIGTERM and SIGHUP sent to forklab arrive here. Calling this says that the caller
/// handles them (stops its processes and restores what it changed); until someone does, such
/// a signal ends forklab at once, its process groups killed first.
pub fn quit_signals() -> Receiver<Signal> {
    LISTENING.store(true, std::sync::atomic::Ordering::SeqCst);
    QUIT.get().map(|(_, rx)| rx.clone()).unwrap_or_else(|| unbounded().1)
}

/// Closed when a quit signal comes to an app that handles them: every wait of the lab that
/// watches it is abandoned at once, so the app can stop its processes within its promise.
pub fn quit_gate() -> &'static super::gate::Gate {
    static GATE: OnceLock<super::gate::Gate> = OnceLock::new();
    GATE.get_or_init(Default::default)
}

/// Held while `spawn` starts a child (a program, or a role of forklab). When exec fails, std's
/// `Command::spawn` reaps the failed child itself with waitpid(pid), and panics if this
/// reaper's waitpid(-1) took it first; so the reaper waits for the spawn to return.
static SPAWNING: Mutex<()> = Mutex::new(());

pub fn hold_reaping() -> std::sync::MutexGuard<'static, ()> {
    SPAWNING.lock().unwrap_or_else(|e| e.into_inner())
}

fn reap_all() {
    let _spawning = hold_reaping();
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            // Nothing more has ended now.
            Ok(WaitStatus::StillAlive) => return,
            Ok(st) => {
                let Some((pid, exit)) = Exit::from_status(st) else { continue };
                let mut r = reaper().lock().unwrap_or_else(|e| e.into_inner());
                if let Some(tx) = r.watchers.remove(&pid.as_raw()) {
                    let _ = tx.send(exit);
                } else {
                    r.unclaimed.insert(pid.as_raw(), exit);
                }
            }
            // ECHILD: no children at all. EINTR cannot happen with the signals blocked.
            Err(_) => return,
        }
    }
}

/// A receiver that gets the child's end once it is reaped.
pub fn watch(pid: i32) -> Receiver<Exit> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let mut r = reaper().lock().unwrap_or_else(|e| e.into_inner());
    match r.unclaimed.remove(&pid) {
        Some(exit) => {
            let _ = tx.send(exit);
        }
        None => {
            r.watchers.insert(pid, tx);
        }
    }
    rx
}

/// Wait for a watched child to end, at most `timeout`.
pub fn wait_timeout(rx: &Receiver<Exit>, timeout: std::time::Duration) -> Option<Exit> {
    rx.recv_timeout(timeout).ok()
}
