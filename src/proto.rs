//! The messages that cross the channels: commands go down (app → master → worker), events
//! come up. One JSON object per SOCK_SEQPACKET packet. The same `Event` type is what
//! `--json` prints, so the headless runner, the TUI and the tests all read one stream.

use crate::mode::{Handle, Mode};
use serde::{Deserialize, Serialize};

/// App → master.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Cmd {
    /// Start the pool, or restart it when one runs (a mode change restarts the pool).
    Start { mode: Mode, workers: usize, port: u16, handle: Handle },
    /// Grow or shrink the running pool.
    Scale { workers: usize },
    /// Stop every worker gracefully and close the listener; the master stays.
    Stop,
    /// Send a signal (by name, e.g. "SIGKILL") to a worker or to the master itself.
    Kill { alias: String, signal: String },
    /// Make a worker spin on the CPU for `ms`, blocking its event loop.
    Busy { alias: String, ms: u32 },
    /// Ask for a `Stats` event for every live worker.
    Stats,
    /// Stop the pool and exit.
    Shutdown,
}

/// Master → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum WorkerCmd {
    /// The listening socket travels with this message (SCM_RIGHTS).
    Listener,
    /// An accepted connection travels with this message (round-robin mode).
    Conn,
    Busy {
        ms: u32,
    },
    /// Stop accepting, finish open connections, exit 0.
    Stop,
}

/// What a listener is to the process that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HowListening {
    /// The master created it with socket()+bind()+listen().
    Opened,
    /// The worker got it across fork(): same fd number, same socket.
    Inherited,
    /// The worker got it over SCM_RIGHTS: a new fd number, same socket.
    Received,
    /// The worker opened its own socket with SO_REUSEPORT.
    Reuseport,
}

/// Everything that happens, tagged where it is born with the process alias and PID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A process started (the master, a worker, the client).
    Spawned {
        alias: String,
        pid: i32,
        ppid: i32,
        role: String,
    },
    /// A process holds a listening socket: its fd number and the socket inode from /proc.
    Listening {
        alias: String,
        pid: i32,
        port: u16,
        fd: i32,
        inode: u64,
        how: HowListening,
    },
    /// An fd crossed a channel with SCM_RIGHTS.
    FdPassed {
        alias: String,
        pid: i32,
        to: String,
        fd: i32,
        inode: u64,
        what: String,
    },
    /// New connections a worker accepted (coalesced: `n` new, `total` so far).
    Accepted {
        alias: String,
        pid: i32,
        n: u64,
        total: u64,
    },
    /// The pool is up: every worker listens (or, in rr, waits for connections).
    PoolReady {
        alias: String,
        pid: i32,
        mode: Mode,
        port: u16,
        workers: usize,
    },
    PoolStopped {
        alias: String,
        pid: i32,
    },
    /// Counters of one worker, as it reported them and as /proc shows it.
    Stats {
        alias: String,
        pid: i32,
        accepted: u64,
        requests: u64,
        wakeups: u64,
        empty_wakeups: u64,
        voluntary_ctxt: u64,
        nonvoluntary_ctxt: u64,
    },
    /// A process ended, as waitpid reported it: an exit code or a signal.
    Exited {
        alias: String,
        pid: i32,
        code: Option<i32>,
        signal: Option<String>,
        core_dumped: bool,
    },
    /// The master will fork a replacement after `delay_ms`.
    Respawning {
        alias: String,
        pid: i32,
        delay_ms: u64,
        restarts: u32,
    },
    /// The master stopped respawning a worker that keeps crashing.
    GaveUp {
        alias: String,
        pid: i32,
        restarts: u32,
    },
    /// A signal was sent to a process.
    Signaled {
        alias: String,
        pid: i32,
        signal: String,
        by: String,
    },
    /// Something failed; `kind` is stable for programs (e.g. "port_in_use").
    Error {
        alias: String,
        pid: i32,
        kind: String,
        message: String,
    },
}

impl Event {
    pub fn alias(&self) -> &str {
        match self {
            Event::Spawned { alias, .. }
            | Event::Listening { alias, .. }
            | Event::FdPassed { alias, .. }
            | Event::Accepted { alias, .. }
            | Event::PoolReady { alias, .. }
            | Event::PoolStopped { alias, .. }
            | Event::Stats { alias, .. }
            | Event::Exited { alias, .. }
            | Event::Respawning { alias, .. }
            | Event::GaveUp { alias, .. }
            | Event::Signaled { alias, .. }
            | Event::Error { alias, .. } => alias,
        }
    }

    pub fn pid(&self) -> i32 {
        match self {
            Event::Spawned { pid, .. }
            | Event::Listening { pid, .. }
            | Event::FdPassed { pid, .. }
            | Event::Accepted { pid, .. }
            | Event::PoolReady { pid, .. }
            | Event::PoolStopped { pid, .. }
            | Event::Stats { pid, .. }
            | Event::Exited { pid, .. }
            | Event::Respawning { pid, .. }
            | Event::GaveUp { pid, .. }
            | Event::Signaled { pid, .. }
            | Event::Error { pid, .. } => *pid,
        }
    }

    /// One line for people: `W2 pid 1234  exited: killed by SIGKILL`.
    pub fn text(&self) -> String {
        let who = format!("{:<6} pid {:<7}", self.alias(), self.pid());
        let what = match self {
            Event::Spawned { ppid, role, .. } => format!("spawned {role} (ppid {ppid})"),
            Event::Listening { port, fd, inode, how, .. } => {
                let how = match how {
                    HowListening::Opened => "opened",
                    HowListening::Inherited => "inherited across fork()",
                    HowListening::Received => "received over SCM_RIGHTS",
                    HowListening::Reuseport => "opened its own (SO_REUSEPORT)",
                };
                format!("listening on 127.0.0.1:{port}  fd {fd} -> socket:[{inode}]  ({how})")
            }
            Event::FdPassed { to, fd, inode, what, .. } => {
                format!("passed {what} fd {fd} (socket:[{inode}]) to {to} over SCM_RIGHTS")
            }
            Event::Accepted { n, total, .. } => {
                let s = if *n == 1 { "" } else { "s" };
                format!("accepted {n} connection{s} ({total} in all)")
            }
            Event::PoolReady { mode, port, workers, .. } => {
                format!("pool ready: {workers} workers, mode {mode}, http://127.0.0.1:{port}/")
            }
            Event::PoolStopped { .. } => "pool stopped".to_string(),
            Event::Stats { accepted, requests, empty_wakeups, voluntary_ctxt, .. } => format!(
                "stats: {accepted} connections, {requests} requests, {empty_wakeups} empty wake-ups, {voluntary_ctxt} voluntary context switches"
            ),
            Event::Exited { code, signal, core_dumped, .. } => match (code, signal) {
                (Some(c), _) => format!("exited with code {c}"),
                (None, Some(s)) if *core_dumped => format!("killed by {s} (core dumped)"),
                (None, Some(s)) => format!("killed by {s}"),
                (None, None) => "exited".to_string(),
            },
            Event::Respawning { delay_ms, restarts, .. } => {
                format!("respawning in {delay_ms} ms (restart {restarts})")
            }
            Event::GaveUp { restarts, .. } => {
                format!("crash loop: gave up after {restarts} quick restarts")
            }
            Event::Signaled { signal, by, .. } => format!("sent {signal} by {by}"),
            Event::Error { message, .. } => format!("error: {message}"),
        };
        format!("{who} {what}")
    }
}
