//! How a child ended, as waitpid(2) reported it: an exit code, or a signal (and whether it
//! dumped core).

use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// How a child ended, as waitpid reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(Signal, bool),
}

impl Exit {
    pub fn code(self) -> Option<i32> {
        match self {
            Exit::Code(c) => Some(c),
            Exit::Signal(..) => None,
        }
    }
    pub fn signal_name(self) -> Option<String> {
        match self {
            Exit::Code(_) => None,
            Exit::Signal(s, _) => Some(s.as_str().to_string()),
        }
    }
    pub fn from_status(st: WaitStatus) -> Option<(Pid, Exit)> {
        match st {
            WaitStatus::Exited(pid, code) => Some((pid, Exit::Code(code))),
            WaitStatus::Signaled(pid, sig, core) => Some((pid, Exit::Signal(sig, core))),
            _ => None,
        }
    }
}
