//! Job control: Ctrl-Z (SIGTSTP) and `fg` (SIGCONT) while forklab owns the terminal.
//!
//! A program in raw mode on the alternate screen that is simply stopped leaves the shell a
//! terminal with no echo, no line editing and the wrong screen; when it is continued, the
//! shell has put its own modes back under it. So the signal thread (reaper.rs) takes SIGTSTP
//! and SIGCONT with the others: on SIGTSTP it runs the `before` hook (give the terminal back),
//! then stops the process with SIGTSTP's default action, as the shell expects (a job "Stopped",
//! 128 + 20 in `$?`); on SIGCONT, whoever stopped us (SIGSTOP cannot be caught), it runs the
//! `after` hook (raw mode and a blank alternate screen again) and marks the screen for a
//! full redraw. Without hooks (no lesson screen), SIGTSTP stops forklab just as it did.
//!
//! The lesson screen reads keys in raw mode, where the terminal sends no signal for Ctrl-Z
//! (ISIG is off): it sends itself SIGTSTP with `suspend` when it reads that key.

use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the terminal's owner does around a stop.
#[derive(Clone, Copy)]
pub struct StopHooks {
    /// Give the terminal back: cooked mode, the main screen, the cursor shown.
    pub before: fn(),
    /// Take it again: raw mode, the alternate screen, the cursor hidden.
    pub after: fn(),
}

/// The hooks of a full-screen crossterm program (the lesson screen).
pub const TERMINAL: StopHooks = StopHooks { before: give_back, after: take_again };

fn give_back() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
}

fn take_again() {
    // Out first: crossterm keeps the modes it found when raw mode began and does nothing if it
    // believes raw mode is on, which it no longer is after a SIGSTOP and the shell's `fg`.
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::terminal::enable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::cursor::Hide
    );
}

static HOOKS: Mutex<Option<StopHooks>> = Mutex::new(None);
/// Set on every SIGCONT with hooks installed: what was on screen is gone, draw it all again.
static CONTINUED: AtomicBool = AtomicBool::new(false);

/// Install the hooks while the terminal is forklab's; `None` when it is given back for good.
pub fn set_hooks(hooks: Option<StopHooks>) {
    *HOOKS.lock().unwrap_or_else(|e| e.into_inner()) = hooks;
}

fn hooks() -> Option<StopHooks> {
    *HOOKS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the process was continued since the last call: the screen must be redrawn whole.
pub fn take_continued() -> bool {
    CONTINUED.swap(false, Ordering::SeqCst)
}

/// Ask to be stopped, as Ctrl-Z would with ISIG on: SIGTSTP to this process, which the signal
/// thread takes (a thread-directed raise would stay pending in the caller, which blocks it).
pub fn suspend() {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), Signal::SIGTSTP);
}

/// SIGTSTP, taken by the signal thread: terminal back, then stop. Returns once continued.
pub(crate) fn on_tstp() {
    let hooks = hooks();
    if let Some(h) = hooks {
        (h.before)();
    }
    stop_self();
    // Continued. A process in an orphaned process group is not stopped at all (the kernel
    // discards the stop, signal(7)), so the terminal is taken again here too; the SIGCONT of a
    // real `fg` then does it once more, which is harmless.
    on_cont();
}

/// SIGCONT, taken by the signal thread.
pub(crate) fn on_cont() {
    if let Some(h) = hooks() {
        (h.after)();
        CONTINUED.store(true, Ordering::SeqCst);
    }
}

/// Stop this process by SIGTSTP's default action: the disposition is the default already
/// (forklab installs no handler); unblocking it in this thread alone and raising it here
/// delivers it at once, and the whole process stops. Blocked again once continued.
fn stop_self() {
    let mut one = SigSet::empty();
    one.add(Signal::SIGTSTP);
    let _ = pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&one), None);
    let _ = nix::sys::signal::raise(Signal::SIGTSTP);
    let _ = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&one), None);
}

#[cfg(test)]
mod tests {
    use super::*;

    static BEFORE: AtomicBool = AtomicBool::new(false);
    static AFTER: AtomicBool = AtomicBool::new(false);

    /// Without a stop (a continue from a SIGSTOP, or a stray SIGCONT), the terminal is taken
    /// again and the screen marked; without hooks nothing is marked.
    #[test]
    fn a_continue_takes_the_terminal_again_only_with_hooks() {
        set_hooks(None);
        on_cont();
        assert!(!take_continued());
        set_hooks(Some(StopHooks {
            before: || BEFORE.store(true, Ordering::SeqCst),
            after: || AFTER.store(true, Ordering::SeqCst),
        }));
        on_cont();
        assert!(AFTER.load(Ordering::SeqCst) && !BEFORE.load(Ordering::SeqCst));
        assert!(take_continued());
        assert!(!take_continued(), "taken once");
        set_hooks(None);
    }
}
