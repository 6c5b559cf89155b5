//! What the panes draw: plain data, filled by `App::update` from the sampler's snapshots and
//! the lab's events, read by the panes through `&LabModel`. No syscalls here, so every pane
//! can be drawn from a fixed model in a test.

use crate::proto::role;
use crate::sys::procfs::FdEntry;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// How many samples each core's history keeps.
pub const CORE_HISTORY: usize = 60;
/// How many lines the event log keeps.
pub const LOG_CAPACITY: usize = 2000;
/// How many recent connections the connections pane keeps.
pub const RECENT_CONNS: usize = 50;
/// How long a new or just-exited process stays highlighted.
pub const HIGHLIGHT_FOR: Duration = Duration::from_secs(3);

/// The role of a process in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    App,
    Master,
    Worker,
    Client,
    Daemon,
    Other,
}

impl Role {
    /// The role of a process by its name (comm): each role's process names itself
    /// `forklab-<role>` (`prctl(PR_SET_NAME)` in src/roles); `Other` for any other name.
    pub fn of_comm(comm: &str) -> Role {
        match comm.strip_prefix("forklab-") {
            Some(role::MASTER) => Role::Master,
            Some(role::WORKER) => Role::Worker,
            Some(role::CLIENT) => Role::Client,
            Some(role::DAEMON) => Role::Daemon,
            _ => Role::Other,
        }
    }

    /// What the processes pane calls a process of this role until the lab names it.
    pub fn name(self) -> &'static str {
        match self {
            Role::App => role::APP,
            Role::Master => role::MASTER,
            Role::Worker => role::WORKER,
            Role::Client => role::CLIENT,
            Role::Daemon => role::DAEMON,
            Role::Other => "other",
        }
    }
}

/// One row of the processes pane: a live process, or one that just exited.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcRow {
    /// Tree depth: 0 for forklab itself, 1 for its children, ...
    pub depth: u8,
    pub role: Role,
    /// "forklab", "master", "W1", "client", ...
    pub alias: String,
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    /// "pts/3", or "?" when the process has no controlling terminal.
    pub tty: String,
    /// R, S, D, T, Z; 'X' for an exited row.
    pub state: char,
    pub threads: u32,
    /// Percent of one core over the last sample interval.
    pub cpu: f32,
    pub rss_kib: u64,
    /// Connections this worker accepted (workers only), as it last reported.
    pub accepted: Option<u64>,
    /// A worker whose master is gone (an orphan): its reports went through the master, so
    /// what it accepted since is unknown here, and ACC shows `?` rather than a stale count.
    pub unreported: bool,
    pub cwd: Option<String>,
    /// Where fds 0, 1 and 2 point (the daemon lesson shows them).
    pub stdio: Option<[String; 3]>,
    /// Set when the process has exited: the status as waitpid gave it ("exit 0", "SIGKILL").
    pub exit: Option<String>,
    /// Spawned or exited within HIGHLIGHT_FOR of the model's time.
    pub fresh: bool,
}

/// CPU usage of one core, newest last, in percent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreHistory {
    pub samples: VecDeque<f32>,
}

impl CoreHistory {
    pub fn push(&mut self, v: f32) {
        if self.samples.len() == CORE_HISTORY {
            self.samples.pop_front();
        }
        self.samples.push_back(v);
    }
    pub fn now(&self) -> f32 {
        self.samples.back().copied().unwrap_or(0.0)
    }
}

/// One finished connection of the load client.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnRow {
    /// The connection's number in its fire, as the load client gives it (0, 1, ...): the
    /// number `play`, its JSON and a step's list of failed connections print.
    pub n: u64,
    /// The worker that served it, or None if it failed.
    pub worker: Option<String>,
    pub latency_us: u64,
    /// The error kind when it failed ("reset", "refused", ...).
    pub error: Option<String>,
}

/// The connections pane: who served what.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connections {
    /// The accept mode and port, for the pane's title; None while no pool runs.
    pub mode: Option<crate::proto::mode::Mode>,
    pub port: Option<u16>,
    /// Connections each worker accepted, as the workers reported (W1.. in order). This
    /// includes connections from other terminals (curl, a browser), not only the app's own.
    pub per_worker: BTreeMap<String, u64>,
    /// The last fire's completed connections, by the worker that answered each: the same
    /// records as its "what happened" bars and the totals, so the figures agree. The workers'
    /// own reports (`per_worker`) come every 20 ms, and a worker killed by SIGKILL takes its
    /// last, unreported accepts with it.
    pub answered: BTreeMap<String, u64>,
    /// The load client's finished connections, newest last: the last RECENT_CONNS of a fire.
    pub recent: VecDeque<ConnRow>,
    /// How many of `recent`, newest first, the pane's list is scrolled past (↑/↓ with the
    /// pane focused); 0 shows the newest.
    pub scroll: usize,
    /// The last fire at this pool (`fire`, `load`, `hold`, a Node program's fire): its
    /// summary, the figures its step prints; the fire under way, record by record.
    pub fired: u64,
    pub completed: u64,
    pub failed: u64,
    /// Every fire at this pool since it started, added up, and how many fires that was.
    pub since: Tally,
    pub fires: u64,
    /// The records of the fire under way (the figures above while it streams): its summary,
    /// when it comes, stands in for them in `since`, so a fire that streams records counts
    /// once and one that streams none (a `load`, a Node fire) counts all the same.
    pub streamed: Tally,
}

impl Connections {
    /// Nothing fired yet: a new pool, or another Node program.
    pub fn fresh_fires(&mut self) {
        (self.fired, self.completed, self.failed) = (0, 0, 0);
        self.answered.clear();
        self.since = Tally::default();
        self.fires = 0;
        self.streamed = Tally::default();
    }
}

/// Connections fired, completed and failed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub fired: u64,
    pub completed: u64,
    pub failed: u64,
}

/// Severity of a log line, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// spawned, listening, pool ready
    Life,
    /// exited normally
    Exit,
    /// killed by a signal, crash loop, error
    Bad,
    /// fd passed, message
    Ipc,
    /// accepted connections
    Conn,
    /// the lesson's own lines: directives and expects
    Lesson,
    /// an expect that failed
    Fail,
    /// a row of a table (a `compare`'s): drawn whole on one line, never wrapped
    Table,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Seconds since the lesson opened (shown only when asked for).
    pub at: f64,
    pub kind: LogKind,
    pub text: String,
}

/// The event log, with its scrollback.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventLog {
    pub lines: VecDeque<LogLine>,
    /// Lines scrolled back from the newest; 0 follows the tail.
    pub scroll: usize,
    /// The same for the ipc pane, counted in its own (ipc) lines.
    pub ipc_scroll: usize,
}

impl EventLog {
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == LOG_CAPACITY {
            self.lines.pop_front();
        }
        // Keep the same lines in view while the user reads back.
        if self.ipc_scroll > 0 && line.kind == LogKind::Ipc {
            self.ipc_scroll += 1;
        }
        self.lines.push_back(line);
        if self.scroll > 0 {
            self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(1));
        }
    }
}

/// The fds pane: the fd table of the selected process.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FdTable {
    pub alias: String,
    pub pid: i32,
    pub fds: Vec<FdEntry>,
    /// Socket inodes this process shares with another process on screen, mapped to a colour
    /// index (0, 1, 2, ...) that is the same for that inode in every process, and to the
    /// other holders ("W2 fd 3").
    pub shared: BTreeMap<u64, (usize, Vec<String>)>,
}

/// Everything the live panes show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabModel {
    /// The process tree in display order (a parent before its children).
    pub procs: Vec<ProcRow>,
    pub cores: Vec<CoreHistory>,
    pub conns: Connections,
    pub log: EventLog,
    pub fds: Option<FdTable>,
    /// Rows of the fds pane scrolled past (↑/↓ with the pane focused); back to 0 when another
    /// process is selected.
    pub fds_scroll: usize,
    /// The selected row of `procs`.
    pub selected: usize,
    /// Exited processes of earlier pools, not in `procs`: the pane says how many.
    pub earlier_exited: usize,
    /// The TCP ports a process of forklab's holds a listening socket on, as the kernel said
    /// at the last sample.
    pub listening: std::collections::BTreeSet<u16>,
    /// The port the lesson's Node program serves on, as its primary last reported.
    pub node_port: Option<u16>,
}

/// How many syscall lines the syscalls pane keeps.
pub const SYS_LINES: usize = 500;

/// The syscalls pane: what strace printed for the processes it traces (one process on the
/// watch screen, the lab's master and workers on the lesson screen).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SysPane {
    /// The process traced, or the lab's master (whose new workers strace -f follows).
    pub pid: i32,
    pub alias: String,
    pub lines: VecDeque<SysRow>,
    /// Why there are no lines (strace missing, ptrace refused) or why they stopped.
    pub note: Option<String>,
    pub ended: bool,
    /// Lines scrolled back from the newest (↑/↓ with the pane focused); 0 follows strace.
    pub scroll: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SysRow {
    Call(crate::lab::strace::SysCall),
    Note(String),
}

impl SysPane {
    /// One of strace's lines (or its end), the oldest dropped past SYS_LINES.
    pub fn push(&mut self, ev: crate::lab::strace::SysEvent) {
        use crate::lab::strace::SysEvent;
        let row = match ev {
            SysEvent::Call(c) => SysRow::Call(c),
            SysEvent::Note(n) => SysRow::Note(n),
            SysEvent::Ended(why) => {
                self.ended = true;
                SysRow::Note(why)
            }
        };
        if self.lines.len() == SYS_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(row);
        // Keep the same lines in view while the user reads back.
        if self.scroll > 0 {
            self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    /// ↑ (`by` -1) goes back a line, away from the newest; ↓ forward; PgUp/PgDn 5.
    pub fn scroll_by(&mut self, by: i32) {
        let max = self.lines.len().saturating_sub(1) as i32;
        self.scroll = (self.scroll as i32 - by).clamp(0, max) as usize;
    }

    /// strace could not be started: why, and what to do.
    pub fn failed(&mut self, why: String) {
        self.note = Some(why);
        self.ended = true;
    }
}
