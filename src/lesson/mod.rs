//! Lesson files (DESIGN.md, "Lessons"): TOML front matter between `+++` lines, then one
//! `## ` section per step, with narration in Markdown and directives in one-line HTML
//! comments so that a lesson still reads well on GitHub.
//!
//! A lesson is data. Its directives come from a fixed vocabulary and parse into
//! [`Directive`]; every comment outside a code fence must be one of them, so a typo is an
//! error naming the file and line, never a silent comment.
//!
//! Here are the types a lesson parses into; load.rs finds lessons (built in or `--lessons
//! DIR`), doc.rs parses a file (front matter, steps, fences, notes, reveal), grammar.rs parses
//! a directive and prints it back (`Display`), and run/ runs them against a lab.

mod cost;
mod doc;
mod fields;
mod grammar;
mod lang;
mod load;
mod print;
pub mod run;

pub use cost::{CostFigure, CostKind, CostThan};
pub use fields::{CountField, ProcField};
#[cfg(test)]
pub use grammar::parse_directive;
#[cfg(test)]
pub use load::embedded;
pub use load::{find, lessons};

use crate::proto::mode::{Handle, Mode};
use nix::sys::signal::Signal;
use serde::Deserialize;
use std::fmt;

// ---------------------------------------------------------------------------------------
// What a lesson parses into
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub order: u32,
    pub summary: String,
    pub panes: Vec<Pane>,
    /// The processes pane's columns the lesson is about (`columns = ["pgid", "sid", "tty"]`):
    /// a narrow pane keeps them longest.
    pub columns: Vec<ProcColumn>,
    pub setup: Setup,
    /// Markdown before the first step.
    pub intro: String,
    pub steps: Vec<Step>,
    /// The file name as given to [`parse`], for messages.
    pub file: String,
}

/// A column of the processes pane, as a lesson's front matter names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcColumn {
    Pid,
    Ppid,
    Pgid,
    Sid,
    Tty,
    State,
    Threads,
    Cpu,
    Rss,
    Acc,
}

/// The lab the lesson starts from, before its first step runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub workers: Option<WorkerCount>,
    pub mode: Option<Mode>,
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pane {
    Processes,
    Cores,
    Connections,
    Events,
    Fds,
    Ipc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub title: String,
    /// The line of the step's `## ` heading.
    pub line: usize,
    /// What the learner reads before the step runs. In a step that asks a question, only the
    /// text above `<!-- reveal -->`: what the prediction needs, never its answer.
    pub narration: String,
    /// The text between `<!-- reveal -->` and the notes (or the step's end): the explanation,
    /// shown once the step has run. A step has one exactly when it has an `ask`.
    pub explain: Option<String>,
    /// Speaker notes: what follows `<!-- notes -->`, if the step has the marker.
    pub notes: Option<String>,
    pub directives: Vec<Located<Directive>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub line: usize,
    /// The directive as written between `<!--` and `-->`, e.g. "do: fire 200".
    pub text: String,
    pub item: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerCount {
    N(usize),
    /// One worker per CPU the lab may run on.
    Cores,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Master,
    /// The daemon of the daemon lesson.
    Daemon,
    /// `W1` is `Worker(1)`: the aliases the panes show.
    Worker(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    Spawn {
        workers: WorkerCount,
        mode: Mode,
        handle: Handle,
    },
    SetMode(Mode),
    Scale(WorkerCount),
    Stop,
    Fire {
        connections: u32,
        concurrency: u32,
        keepalive: u32,
    },
    Compare {
        modes: Vec<Mode>,
        connections: u32,
        concurrency: u32,
        runs: u32,
        /// A worker kept busy for `ms` in each mode's pool just before its connections fire.
        busy: Option<(Target, u32)>,
    },
    Kill {
        target: Target,
        signal: Signal,
    },
    Busy {
        target: Target,
        ms: u32,
    },
    ShowFds(Target),
    ShowTree,
    Expect(Expect),
    /// Make a worker end in one of the ways a real process dies.
    Crash {
        target: Target,
        how: CrashKind,
    },
    /// Whether the master respawns workers of the running pool.
    Respawn(bool),
    /// Start the load client in the background; `wait load` collects its result.
    Load {
        connections: u32,
        concurrency: u32,
        keepalive: u32,
    },
    WaitLoad,
    /// A message over the channels (Node's `process.send`).
    Send(SendKind),
    /// Replace every worker, one at a time, the new one ready before the old one is told to stop.
    RollingRestart,
    /// CPU work: `threads` threads in one worker, or every worker at once (`threads` None).
    Work {
        target: Option<Target>,
        threads: Option<WorkerCount>,
        ms: u32,
    },
    /// A counter: shared by `threads` threads of one worker, or a copy in each worker (None).
    Counter {
        target: Option<Target>,
        threads: Option<u32>,
    },
    /// One step of daemonizing (daemon(7)), or stopping the daemon by its pidfile.
    Daemon(DaemonStep),
    /// Measure what a process or a thread costs; `rounds` where it repeats (None: its default).
    Cost {
        what: CostKind,
        rounds: Option<u32>,
    },
    /// A prediction question, asked before the step runs and answered from what happened.
    Ask(Ask),
    /// A built-in Node program (`lessons/node/`): start one, or stop the one running.
    Node(NodeCmd),
    /// Whether the master reaps its children: paused, a dead worker stays a zombie.
    Reap(bool),
    /// What a worker does when its master dies.
    ParentDeath {
        target: Target,
        how: ParentDeathKind,
    },
    /// listen(2) again on the pool's listener with this backlog.
    Backlog(u32),
    /// Whether the workers accept connections (off: they wait in the accept queue).
    Accept(bool),
    /// Open this many connections one after another from forklab, each given 300 ms for its
    /// handshake, and hold the ones that complete.
    Connect(u32),
    /// From now on every worker drains on SIGTERM, for at most this many milliseconds.
    Drain(u32),
    /// Open `idle` keep-alive connections, each served once and then quiet, and `slow`
    /// connections each waiting for a reply held back `ms` (`GET /slow/MS`); `wait hold`
    /// reads how each ended.
    Hold {
        idle: u32,
        slow: u32,
        ms: u32,
    },
    WaitHold,
    /// Stop the pool as a supervisor does: SIGTERM to every worker, SIGKILL after `grace` ms.
    StopGrace(u32),
    /// Fire connections that each ask for `/visit`: every worker counts the visits it served in
    /// its own memory and answers with its count.
    Visit {
        connections: u32,
        concurrency: u32,
    },
}

/// `do: node cluster workers=2 sched=rr` or `do: node stop`. While a Node program runs, the
/// directives that name processes (`fire`, `busy`, `crash`, `kill`, `respawn`, `show`) and the
/// expects act on it: `master` is its primary, `W<n>` its worker of Node's `worker.id` n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeCmd {
    Start {
        program: String,
        workers: usize,
        /// As written; a program that has no scheduling policy (master) takes none.
        sched: Option<Sched>,
        /// `fix=disconnect`: the note's child1.js ends when its IPC channel closes.
        fix: bool,
    },
    Stop,
    /// `worker.disconnect()` from the primary: Node's graceful stop of one worker.
    Disconnect(Target),
    /// The study note's master forks one more child and sends it the server, with strace
    /// attached to the master to catch the sendmsg() that carries it.
    Fork,
    /// The worker closes its server (`server.close()` and `closeIdleConnections()`); `master`:
    /// the study note's master closes its own copy of the server it sent.
    Close(Target),
}

/// Node's cluster scheduling policy (`cluster.schedulingPolicy`, `NODE_CLUSTER_SCHED_POLICY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sched {
    /// `SCHED_RR`: the primary accepts and hands each connection to a free worker.
    Rr,
    /// `SCHED_NONE`: every worker holds the listener and the kernel picks.
    None,
}

impl Sched {
    pub fn name(self) -> &'static str {
        match self {
            Sched::Rr => "rr",
            Sched::None => "none",
        }
    }
}

impl Lesson {
    /// Whether the lesson runs a built-in Node program (and so needs `node` on PATH).
    pub fn needs_node(&self) -> bool {
        self.steps.iter().flat_map(|s| &s.directives).any(|d| matches!(d.item, Directive::Node(_)))
    }
}

/// What a worker does when its master dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentDeathKind {
    /// PR_SET_PDEATHSIG: the kernel sends it SIGKILL (forklab's workers as forked).
    Signal,
    /// Exit when the channel to the master closes, as a Node worker does on IPC disconnect.
    Disconnect,
    /// Neither: serve on as an orphan, re-parented to forklab (the subreaper).
    None,
}

impl ParentDeathKind {
    pub const ALL: [ParentDeathKind; 3] = [ParentDeathKind::Signal, ParentDeathKind::Disconnect, ParentDeathKind::None];

    pub fn name(self) -> &'static str {
        match self {
            ParentDeathKind::Signal => "signal",
            ParentDeathKind::Disconnect => "disconnect",
            ParentDeathKind::None => "none",
        }
    }
}

/// A question the learner answers before the step runs. After the step, the real answer is the
/// first choice whose condition holds: the same conditions `expect:` checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub question: String,
    pub choices: Vec<Choice>,
}

impl Ask {
    /// The letter that names choice `i` (a, b, c, …): what `play` prints and the key that picks it.
    pub fn letter(i: usize) -> char {
        (b'a' + i as u8) as char
    }

    /// The letter of this question's last choice.
    pub fn last_letter(&self) -> char {
        Ask::letter(self.choices.len().saturating_sub(1))
    }

    /// The order the choices are shown in, as indices into `choices`: letter a names
    /// `choices[order[0]]`. Shuffled, so that the real answer is not always a), and repeatable:
    /// the same `seed`, lesson and question give the same order (Fisher-Yates over splitmix64,
    /// seeded with an FNV-1a hash of where the question is).
    pub fn order(&self, lesson: &str, seed: u64) -> Vec<usize> {
        let mut state = seed ^ 0xcbf2_9ce4_8422_2325;
        for byte in lesson.bytes().chain([0xff]).chain(self.question.bytes()) {
            state = (state ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut order: Vec<usize> = (0..self.choices.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        order
    }

    /// The letter choice `i` is shown under, in `order`.
    pub fn letter_in(order: &[usize], i: usize) -> char {
        Ask::letter(order.iter().position(|&c| c == i).unwrap_or(i))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub label: String,
    /// What must hold, after the step, for this choice to be the real answer.
    pub when: Expect,
    /// The condition as written, e.g. `survived W2`.
    pub text: String,
}

/// How a worker is made to die. Each is the real thing, not a signal that imitates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashKind {
    /// A write to an unmapped page: the kernel sends SIGSEGV.
    Segv,
    /// A Rust panic on the main thread: exit code 101.
    Panic,
    /// abort(3): SIGABRT.
    Abort,
    /// exit(1).
    Exit,
    /// An endless loop: only a missed heartbeat shows it.
    Hang,
    /// Every start of this worker fails (exit 1) until the master gives up.
    Loop,
    /// A SIGSEGV in one of several threads of the worker.
    ThreadSegv,
    /// An uncaught JavaScript exception (Node programs only): exit code 1.
    Throw,
}

impl CrashKind {
    pub const ALL: [CrashKind; 8] = [
        CrashKind::Segv,
        CrashKind::Panic,
        CrashKind::Abort,
        CrashKind::Exit,
        CrashKind::Hang,
        CrashKind::Loop,
        CrashKind::ThreadSegv,
        CrashKind::Throw,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CrashKind::Segv => "segv",
            CrashKind::Panic => "panic",
            CrashKind::Abort => "abort",
            CrashKind::Exit => "exit",
            CrashKind::Hang => "hang",
            CrashKind::Loop => "loop",
            CrashKind::ThreadSegv => "thread-segv",
            CrashKind::Throw => "throw",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendKind {
    /// Request and reply: the master sends, the worker answers, the round trip is timed.
    Ping(Target),
    /// One message from the master to every worker.
    Broadcast,
    /// From one worker to another, relayed by the master.
    Relay { from: Target, to: Target },
    /// A message that carries the listening socket (SCM_RIGHTS).
    Handle(Target),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonStep {
    Fork,
    Setsid,
    ForkAgain,
    Umask,
    Chdir,
    /// Close every fd above 2 that came with the fork (daemon(7)'s first step, TLPI's fifth).
    CloseFds,
    Stdio,
    Pidfile,
    Stop,
}

impl DaemonStep {
    pub const ALL: [DaemonStep; 9] = [
        DaemonStep::Fork,
        DaemonStep::Setsid,
        DaemonStep::ForkAgain,
        DaemonStep::Umask,
        DaemonStep::Chdir,
        DaemonStep::CloseFds,
        DaemonStep::Stdio,
        DaemonStep::Pidfile,
        DaemonStep::Stop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DaemonStep::Fork => "fork",
            DaemonStep::Setsid => "setsid",
            DaemonStep::ForkAgain => "fork-again",
            DaemonStep::Umask => "umask",
            DaemonStep::Chdir => "chdir",
            DaemonStep::CloseFds => "close-fds",
            DaemonStep::Stdio => "stdio",
            DaemonStep::Pidfile => "pidfile",
            DaemonStep::Stop => "stop",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Every connection fired was either completed or counted as failed.
    Accounted,
    /// The fd tables shown point at the same `socket:[inode]`.
    SameInode,
    Metric {
        metric: Metric,
        op: Op,
        value: f64,
    },
    Exited {
        target: Target,
        status: ExitSpec,
    },
    /// A metric against the number of cores this machine lets us use: `pids == cores`.
    MetricCores {
        metric: Metric,
        op: Op,
    },
    /// The master caught the target by a missed heartbeat.
    Hung(Target),
    /// The master stopped respawning the target (a crash loop).
    GaveUp(Target),
    /// The target is the same live process it was before the last crash or kill.
    Survived(Target),
    /// The last rolling restart: each new worker was ready before its predecessor was told to
    /// stop, and each predecessor exited with code 0.
    Rolled,
    /// The last load: no more connections failed than the crashed worker held, and none that a
    /// surviving worker had served.
    LostOnlyHeld,
    /// The last fire or load: at least one connection carried several requests, and every
    /// connection's replies came from one worker.
    Sticky,
    /// The last handle sent arrived as the same socket under the receiver's own fd number.
    HandleArrived,
    /// The master's traced sendmsg() during the last `node fork` carried fds (SCM_RIGHTS).
    ScmRights,
    /// Every core the lab may use was busy during the last `work`.
    AllCoresBusy,
    /// The daemon's pidfile exists (mode 0600, in a 0700 directory) and names the daemon.
    Pidfile,
    /// The connections one worker served in the last fire: `served W1 < 10`.
    Served {
        target: Target,
        op: Op,
        value: f64,
    },
    /// A figure of the last measurement of one kind, against a number or another figure:
    /// `cost fork.ns_each > thread.ns_each`.
    Cost {
        figure: CostFigure,
        op: Op,
        than: CostThan,
    },
    /// The opposite of a condition: `not same-inode` (for an `ask` choice that bets against it).
    Not(Box<Expect>),
    /// A number of a process: `W1 threads >= 5` (from /proc), `W1 served <= 2` (the last
    /// fire's attribution).
    Count {
        target: Target,
        field: CountField,
        op: Op,
        value: f64,
    },
    /// Two processes hold the lab port's listening socket, the same inode, each under an fd of
    /// its own: `same-listener W1 master`.
    SameListener(Target, Target),
    /// A fact of a process, read from /proc: `daemon ppid == forklab`, `daemon cwd == /`.
    Proc {
        target: Target,
        field: ProcField,
        equal: bool,
        value: ProcValue,
    },
}

/// What a process fact is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcValue {
    /// The pid of forklab itself (the app), of the master, or of the process itself.
    Forklab,
    Master,
    SelfPid,
    /// No controlling terminal.
    None,
    /// A number or a path, compared as written.
    Text(String),
}

/// How a process ended, as `waitpid(2)` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitSpec {
    Signal(Signal),
    Code(i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Failed,
    Completed,
    Fired,
    Spread,
    Workers,
    /// Latencies of the last fire or load, in milliseconds.
    P50Ms,
    MaxMs,
    /// Open connections the last crashed worker held when it was told to crash.
    Held,
    /// Quick restarts counted when the master last gave up on a worker.
    Restarts,
    /// The longest respawn delay the master announced.
    MaxDelayMs,
    /// Messages, and fds attached to them, during the last `send`.
    Messages,
    Fds,
    /// The last request/reply round trip over a channel, in microseconds.
    RttUs,
    /// CPU seconds per second of the last `work`: 1.0 is one core kept busy.
    CoresUsed,
    /// Distinct processes and threads that did the last `work`.
    Pids,
    Tids,
    /// The value every worker thread or process saw in the last `counter`; -1 if they differ.
    Counter,
    /// The master's own copy of the counter.
    MasterCounter,
    /// When reaping last resumed: the SIGCHLD signals the master read, and the children one
    /// `waitpid` loop collected.
    Sigchld,
    Reaped,
    /// The last `connect`: handshakes that completed, and ones that got no answer in time.
    Established,
    TimedOut,
    /// Connections waiting in the listener's accept queue, as sock_diag last showed them.
    Queued,
    /// The idle keep-alive connections of the last `hold`, as `wait hold` read them: closed
    /// by the server with an end of file (FIN), or reset (RST).
    IdleClosed,
    IdleReset,
    /// The highest visit count any worker's reply gave in the last `visit`, and the counts of
    /// all workers added up.
    VisitsMax,
    VisitsSum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A lesson that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonError {
    pub file: String,
    /// 1-based; 0 when no line applies.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for LessonError {}

// ---------------------------------------------------------------------------------------
// Names, as lesson files write them
// ---------------------------------------------------------------------------------------

impl Pane {
    pub fn name(self) -> &'static str {
        match self {
            Pane::Processes => "processes",
            Pane::Cores => "cores",
            Pane::Connections => "connections",
            Pane::Events => "events",
            Pane::Fds => "fds",
            Pane::Ipc => "ipc",
        }
    }
}

impl fmt::Display for Pane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl WorkerCount {
    /// The number of workers to run; `Cores` asks the kernel which CPUs we may use
    /// (`sched_getaffinity(2)` under `available_parallelism`), and is 1 if it cannot say.
    pub fn resolve(self) -> usize {
        match self {
            WorkerCount::N(n) => n,
            WorkerCount::Cores => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        }
    }
}

impl fmt::Display for WorkerCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerCount::N(n) => write!(f, "{n}"),
            WorkerCount::Cores => f.write_str("cores"),
        }
    }
}

/// `workers = 4` or `workers = "cores"` in `[setup]`, checked like `workers=` in a directive.
impl<'de> Deserialize<'de> for WorkerCount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = WorkerCount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&tr!("worker-count-expected"))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<WorkerCount, E> {
                grammar::worker_count(&n.to_string()).map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<WorkerCount, E> {
                grammar::worker_count(&n.to_string()).map_err(E::custom)
            }

            // Only "cores" as a string: `workers = "4"` would hide a quoting mistake.
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<WorkerCount, E> {
                match s {
                    "cores" => Ok(WorkerCount::Cores),
                    _ => Err(E::custom(tr!("worker-count-invalid", value = s))),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Master => f.write_str("master"),
            Target::Daemon => f.write_str("daemon"),
            Target::Worker(n) => write!(f, "W{n}"),
        }
    }
}

impl Metric {
    pub const ALL: [Metric; 27] = [
        Metric::Failed,
        Metric::Completed,
        Metric::Fired,
        Metric::Spread,
        Metric::Workers,
        Metric::P50Ms,
        Metric::MaxMs,
        Metric::Held,
        Metric::Restarts,
        Metric::MaxDelayMs,
        Metric::Messages,
        Metric::Fds,
        Metric::RttUs,
        Metric::CoresUsed,
        Metric::Pids,
        Metric::Tids,
        Metric::Counter,
        Metric::MasterCounter,
        Metric::Sigchld,
        Metric::Reaped,
        Metric::Established,
        Metric::TimedOut,
        Metric::Queued,
        Metric::IdleClosed,
        Metric::IdleReset,
        Metric::VisitsMax,
        Metric::VisitsSum,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Failed => "failed",
            Metric::Completed => "completed",
            Metric::Fired => "fired",
            Metric::Spread => "spread",
            Metric::Workers => "workers",
            Metric::P50Ms => "p50_ms",
            Metric::MaxMs => "max_ms",
            Metric::Held => "held",
            Metric::Restarts => "restarts",
            Metric::MaxDelayMs => "max_delay_ms",
            Metric::Messages => "messages",
            Metric::Fds => "fds",
            Metric::RttUs => "rtt_us",
            Metric::CoresUsed => "cores_used",
            Metric::Pids => "pids",
            Metric::Tids => "tids",
            Metric::Counter => "counter",
            Metric::MasterCounter => "master_counter",
            Metric::Sigchld => "sigchld",
            Metric::Reaped => "reaped",
            Metric::Established => "established",
            Metric::TimedOut => "timed_out",
            Metric::Queued => "queued",
            Metric::IdleClosed => "idle_closed",
            Metric::IdleReset => "idle_reset",
            Metric::VisitsMax => "visits_max",
            Metric::VisitsSum => "visits_sum",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Op {
    pub const ALL: [Op; 6] = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether `a OP b`, e.g. `Op::Le.holds(spread, 1.0)` for `spread <= 1`.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ----- the small types -----

    #[test]
    fn op_holds_compares_left_to_right() {
        assert!(Op::Le.holds(1.0, 1.0));
        assert!(!Op::Lt.holds(1.0, 1.0));
        assert!(Op::Gt.holds(2.0, 1.0));
        assert!(Op::Ne.holds(2.0, 1.0));
        assert!(Op::Ge.holds(1.0, 1.0));
        assert!(Op::Eq.holds(0.0, 0.0));
    }

    #[test]
    fn display_names_match_the_lesson_syntax() {
        assert_eq!(Target::Worker(2).to_string(), "W2");
        assert_eq!(Target::Master.to_string(), "master");
        assert_eq!(Metric::Spread.to_string(), "spread");
        assert_eq!(Op::Ge.to_string(), ">=");
        assert_eq!(WorkerCount::Cores.to_string(), "cores");
    }

    #[test]
    fn lesson_error_displays_file_line_message() {
        let e = LessonError { file: "lessons/x.md".into(), line: 12, message: "bad".into() };
        assert_eq!(e.to_string(), "lessons/x.md:12: bad");
    }

    #[test]
    fn resolve_cores_is_at_least_one() {
        assert!(WorkerCount::Cores.resolve() >= 1);
        assert_eq!(WorkerCount::N(3).resolve(), 3);
    }
}

#[cfg(test)]
mod fuzz;
