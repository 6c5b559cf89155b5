//! The accept modes (DESIGN.md's table) and how a worker gets the listening socket.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Who accepts a new connection on the lesson's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every worker's epoll watches the one listener (Node's SCHED_NONE; the herd).
    Shared,
    /// The same with EPOLLEXCLUSIVE (Linux 4.5): wakes one or more, not all.
    Exclusive,
    /// Classic pre-fork: each worker blocks in accept() and serves one connection at a time.
    Blocking,
    /// The master accepts and hands each connection on over SCM_RIGHTS (Node's SCHED_RR).
    Rr,
    /// A socket per worker with SO_REUSEPORT; the kernel hashes each connection to one.
    Reuseport,
}

impl Mode {
    pub const ALL: [Mode; 5] = [Mode::Shared, Mode::Exclusive, Mode::Blocking, Mode::Rr, Mode::Reuseport];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Shared => "shared",
            Mode::Exclusive => "exclusive",
            Mode::Blocking => "blocking",
            Mode::Rr => "rr",
            Mode::Reuseport => "reuseport",
        }
    }

    /// Whether workers accept on a listener that the master opened (inherited or passed).
    pub fn uses_master_listener(self) -> bool {
        matches!(self, Mode::Shared | Mode::Exclusive | Mode::Blocking)
    }

    pub fn next(self) -> Mode {
        let i = Mode::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Mode::ALL[(i + 1) % Mode::ALL.len()]
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        Mode::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            format!("unknown accept mode `{s}` (expected one of: shared, exclusive, blocking, rr, reuseport)")
        })
    }
}

/// How a worker that accepts on the master's listener gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Handle {
    /// The master opens the listener, then forks: the child inherits the fd.
    #[default]
    Inherit,
    /// The master forks first, opens the listener later and sends it over SCM_RIGHTS.
    Pass,
}

impl FromStr for Handle {
    type Err = String;
    fn from_str(s: &str) -> Result<Handle, String> {
        match s {
            "inherit" => Ok(Handle::Inherit),
            "pass" => Ok(Handle::Pass),
            _ => Err(format!("unknown handle delivery `{s}` (expected inherit or pass)")),
        }
    }
}
