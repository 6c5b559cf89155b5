//! Lesson files (DESIGN.md, "Lessons"): TOML front matter between `+++` lines, then one
//! `## ` section per step, with narration in Markdown and directives in one-line HTML
//! comments so that a lesson still reads well on GitHub.
//!
//! A lesson is data. Its directives come from a fixed vocabulary and parse into
//! [`Directive`]; every comment outside a code fence must be one of them, so a typo is an
//! error naming the file and line, never a silent comment.

pub mod run;

use crate::proto::mode::{Handle, Mode};
use anyhow::{Context, anyhow, bail};
use nix::sys::signal::Signal;
use serde::Deserialize;
use std::fmt;
use std::io::Read;
use std::path::Path;

mod embedded {
    // Written by build.rs: `EMBEDDED`, one (file stem, contents) pair per `lessons/*.md`.
    include!(concat!(env!("OUT_DIR"), "/lessons.rs"));
}

/// Larger than any lesson a person writes; anything bigger is a wrong file, not a lesson.
const MAX_BYTES: usize = 256 * 1024;
const MAX_STEPS: usize = 64;
/// The file line of the front matter's first TOML line (line 1 is the opening `+++`).
const FRONT_MATTER_LINE: usize = 2;
const DO_VERBS: &str = "spawn, mode, scale, stop, fire, compare, kill, busy, show, crash, respawn, load, wait, send, restart, work, counter, daemon";
/// Choices an `ask` offers: enough for a real prediction, few enough to read at 80 columns.
const MAX_CHOICES: usize = 6;
const EXPECT_WORDS: &str = "accounted, same-inode, rolled, lost-only-held, handle-arrived, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `not CONDITION`";

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
    pub setup: Setup,
    /// Markdown before the first step.
    pub intro: String,
    pub steps: Vec<Step>,
    /// The file name as given to [`parse`], for messages.
    pub file: String,
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
    /// A prediction question, asked before the step runs and answered from what happened.
    Ask(Ask),
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
}

impl CrashKind {
    pub const ALL: [CrashKind; 7] = [
        CrashKind::Segv,
        CrashKind::Panic,
        CrashKind::Abort,
        CrashKind::Exit,
        CrashKind::Hang,
        CrashKind::Loop,
        CrashKind::ThreadSegv,
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
    Stdio,
    Pidfile,
    Stop,
}

impl DaemonStep {
    pub const ALL: [DaemonStep; 8] = [
        DaemonStep::Fork,
        DaemonStep::Setsid,
        DaemonStep::ForkAgain,
        DaemonStep::Umask,
        DaemonStep::Chdir,
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
    /// The last handle sent arrived as the same socket under the receiver's own fd number.
    HandleArrived,
    /// Every core the lab may use was busy during the last `work`.
    AllCoresBusy,
    /// The daemon's pidfile exists (mode 0600, in a 0700 directory) and names the daemon.
    Pidfile,
    /// The opposite of a condition: `not same-inode` (for an `ask` choice that bets against it).
    Not(Box<Expect>),
    /// A fact of a process, read from /proc: `daemon ppid == forklab`, `daemon cwd == /`.
    Proc {
        target: Target,
        field: ProcField,
        equal: bool,
        value: ProcValue,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcField {
    Ppid,
    Pgid,
    Sid,
    Tty,
    Cwd,
    Umask,
    Fd0,
    Fd1,
    Fd2,
}

impl ProcField {
    pub const ALL: [ProcField; 9] = [
        ProcField::Ppid,
        ProcField::Pgid,
        ProcField::Sid,
        ProcField::Tty,
        ProcField::Cwd,
        ProcField::Umask,
        ProcField::Fd0,
        ProcField::Fd1,
        ProcField::Fd2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProcField::Ppid => "ppid",
            ProcField::Pgid => "pgid",
            ProcField::Sid => "sid",
            ProcField::Tty => "tty",
            ProcField::Cwd => "cwd",
            ProcField::Umask => "umask",
            ProcField::Fd0 => "fd0",
            ProcField::Fd1 => "fd1",
            ProcField::Fd2 => "fd2",
        }
    }
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
                f.write_str("a whole number from 1 to 64 or \"cores\"")
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<WorkerCount, E> {
                worker_count(&n.to_string()).map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<WorkerCount, E> {
                worker_count(&n.to_string()).map_err(E::custom)
            }

            // Only "cores" as a string: `workers = "4"` would hide a quoting mistake.
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<WorkerCount, E> {
                match s {
                    "cores" => Ok(WorkerCount::Cores),
                    _ => Err(E::custom(format!(
                        "invalid worker count `{s}`; expected a whole number from 1 to 64 or \"cores\""
                    ))),
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
    pub const ALL: [Metric; 18] = [
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

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

/// The lessons built into the binary, sorted by `order`, then id.
pub fn embedded() -> Result<Vec<Lesson>, LessonError> {
    let mut lessons = embedded::EMBEDDED
        .iter()
        .map(|(stem, text)| parse(&format!("lessons/{stem}.md"), text.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    sort(&mut lessons);
    Ok(lessons)
}

/// Every `*.md` lesson in `dir` (`--lessons DIR`), sorted by `order`, then id.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Lesson>> {
    let context = || format!("reading lessons from `{}`", dir.display());
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(context)? {
        let path = entry.with_context(context)?.path();
        if path.extension().is_some_and(|ext| ext == "md") {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        bail!("no lessons in `{}`; expected `*.md` lesson files", dir.display());
    }
    // Parse in name order so that the same broken directory always reports the same error.
    paths.sort();

    let mut lessons = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = read_at_most(&path, MAX_BYTES + 1)?;
        lessons.push(parse(&path.display().to_string(), &bytes)?);
    }
    sort(&mut lessons);
    Ok(lessons)
}

/// Reads up to `limit` bytes: one past the size limit is enough for `parse` to reject a
/// file that is too large, without reading a stray multi-gigabyte file into memory.
fn read_at_most(path: &Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    let context = || format!("reading lesson `{}`", path.display());
    // A FIFO named `x.md` would block the open until a writer came, a device read forever.
    let meta = std::fs::metadata(path).with_context(context)?;
    if !meta.is_file() {
        bail!("`{}` is not a regular file; expected a lesson file", path.display());
    }
    let file = std::fs::File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    file.take(limit as u64).read_to_end(&mut bytes).with_context(context)?;
    Ok(bytes)
}

fn sort(lessons: &mut [Lesson]) {
    lessons.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
}

/// The lessons: the ones built in, or those in `dir`.
pub fn lessons(dir: Option<&Path>) -> anyhow::Result<Vec<Lesson>> {
    match dir {
        Some(d) => load_dir(d),
        None => Ok(embedded()?),
    }
}

/// The lesson with this id, or an error listing the ids there are.
pub fn find<'a>(lessons: &'a [Lesson], id: &str) -> anyhow::Result<&'a Lesson> {
    lessons.iter().find(|lesson| lesson.id == id).ok_or_else(|| {
        let ids: Vec<&str> = lessons.iter().map(|lesson| lesson.id.as_str()).collect();
        anyhow!("unknown lesson `{id}`; the lessons are: {}", ids.join(", "))
    })
}

// ---------------------------------------------------------------------------------------
// Parsing a file
// ---------------------------------------------------------------------------------------

/// An error found before the file name is attached.
#[derive(Debug)]
struct Fault {
    line: usize,
    message: String,
}

fn fault(line: usize, message: impl Into<String>) -> Fault {
    Fault { line, message: message.into() }
}

/// Parses one lesson. `file` names it in errors; when it ends in `<stem>.md`, the lesson's
/// id must be `<stem>`, so that `forklab play ID` and the file name always agree.
pub fn parse(file: &str, text: &[u8]) -> Result<Lesson, LessonError> {
    parse_text(file, text).map_err(|fault| LessonError {
        file: file.to_string(),
        line: fault.line,
        message: fault.message,
    })
}

fn parse_text(file: &str, bytes: &[u8]) -> Result<Lesson, Fault> {
    let text = as_text(bytes)?;
    // An editor may start the file with a byte order mark; it is not part of the `+++`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `lines` also drops the `\r` of CRLF line ends.
    let mut lines = text.lines().zip(1..);
    let toml_text = front_matter(&mut lines)?;
    let front = parse_front_matter(&toml_text)?;
    check_front_matter(file, &toml_text, &front)?;
    let (intro, steps) = parse_body(lines)?;

    Ok(Lesson {
        id: front.id.into_inner(),
        title: front.title.into_inner(),
        order: front.order,
        summary: front.summary.into_inner(),
        panes: front.panes.map_or_else(|| vec![Pane::Processes, Pane::Events], toml::Spanned::into_inner),
        setup: front.setup,
        intro,
        steps,
        file: file.to_string(),
    })
}

/// The bytes as text, if they are a text file of a sensible size.
fn as_text(bytes: &[u8]) -> Result<&str, Fault> {
    if bytes.len() > MAX_BYTES {
        return Err(fault(0, "file is larger than 256 KiB; expected a lesson of at most 262144 bytes"));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(fault(line_of(bytes, at), "not a text lesson: the file contains a nul byte"));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        fault(line_of(bytes, at), format!("not a text lesson: the bytes at offset {at} are not valid utf-8"))
    })
}

/// The 1-based line that byte `offset` of `bytes` is on.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    let before = bytes.get(..offset).unwrap_or(bytes);
    1 + before.iter().filter(|&&b| b == b'\n').count()
}

/// Consumes the front matter's lines, `+++` to `+++`, and returns the TOML between them,
/// joined with `\n` so that a byte offset in it maps back to a file line.
fn front_matter<'a>(lines: &mut impl Iterator<Item = (&'a str, usize)>) -> Result<String, Fault> {
    match lines.next() {
        Some(("+++", _)) => {}
        Some((first, _)) => {
            return Err(fault(
                1,
                format!(
                    "expected the file to start with a line `+++` opening the front matter, found `{}`",
                    shorten(first)
                ),
            ));
        }
        None => {
            return Err(fault(1, "the file is empty; expected a line `+++` opening the front matter"));
        }
    }
    let mut toml_lines = Vec::new();
    for (line, _) in lines {
        if line == "+++" {
            return Ok(toml_lines.join("\n"));
        }
        toml_lines.push(line);
    }
    Err(fault(1, "the front matter opened here is never closed; expected a line that is exactly `+++` after it"))
}

/// The front matter as written; spans let errors about a value point at its line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: toml::Spanned<String>,
    title: toml::Spanned<String>,
    order: u32,
    summary: toml::Spanned<String>,
    panes: Option<toml::Spanned<Vec<Pane>>>,
    #[serde(default)]
    setup: Setup,
}

fn parse_front_matter(toml_text: &str) -> Result<FrontMatter, Fault> {
    toml::from_str(toml_text).map_err(|e| {
        // An error with no span (none seen in practice) points at the opening `+++`.
        let line = e.span().map_or(1, |span| toml_line(toml_text, span.start));
        fault(line, format!("in the front matter: {}", e.message().trim_end()))
    })
}

/// The file line of byte `offset` in the front matter's TOML.
fn toml_line(toml_text: &str, offset: usize) -> usize {
    FRONT_MATTER_LINE + line_of(toml_text.as_bytes(), offset) - 1
}

/// What TOML cannot say: the id matches the file name, titles are not blank, panes unique.
fn check_front_matter(file: &str, toml_text: &str, front: &FrontMatter) -> Result<(), Fault> {
    let line = |span: std::ops::Range<usize>| toml_line(toml_text, span.start);
    let stem = Path::new(file).file_name().and_then(|name| name.to_str()?.strip_suffix(".md"));
    if let Some(stem) = stem
        && front.id.get_ref() != stem
    {
        return Err(fault(
            line(front.id.span()),
            format!("id `{}` does not match the file name; expected `{stem}`", front.id.get_ref()),
        ));
    }
    for (key, value) in [("title", &front.title), ("summary", &front.summary)] {
        if value.get_ref().trim().is_empty() {
            return Err(fault(line(value.span()), format!("`{key}` is empty; expected some text")));
        }
    }
    if let Some(panes) = &front.panes {
        let mut seen = Vec::new();
        for pane in panes.get_ref() {
            if seen.contains(pane) {
                return Err(fault(line(panes.span()), format!("pane `{pane}` is listed twice in `panes`")));
            }
            seen.push(*pane);
        }
    }
    Ok(())
}

/// Shortens free text quoted in a message, so a stray binary-like line stays readable.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// The body: intro, steps, narration, notes and directives
// ---------------------------------------------------------------------------------------

fn parse_body<'a>(lines: impl Iterator<Item = (&'a str, usize)>) -> Result<(String, Vec<Step>), Fault> {
    let mut body = Body::default();
    for (line, number) in lines {
        body.line(number, line)?;
    }
    body.finish()
}

#[derive(Default)]
struct Body<'a> {
    intro: Vec<&'a str>,
    steps: Vec<StepDraft<'a>>,
    /// The code fence we are inside, if any.
    fence: Option<Fence>,
}

struct StepDraft<'a> {
    title: String,
    line: usize,
    narration: Vec<&'a str>,
    /// `Some` once the step's `<!-- reveal -->` marker has been seen, with its line.
    explain: Option<(usize, Vec<&'a str>)>,
    /// `Some` once the step's `<!-- notes -->` marker has been seen.
    notes: Option<Vec<&'a str>>,
    directives: Vec<Located<Directive>>,
}

/// An open code fence (three or more backticks or tildes): closed by a line of at least as
/// many of the same mark.
struct Fence {
    mark: char,
    len: usize,
    line: usize,
}

impl Fence {
    /// The fence this line opens, if it opens one. Indented fences count too, so that code
    /// in a list item is protected the same way.
    fn opens(line: &str, number: usize) -> Option<Fence> {
        let text = line.trim_start();
        let mark = text.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = text.chars().take_while(|c| *c == mark).count();
        (len >= 3).then_some(Fence { mark, len, line: number })
    }

    fn closes(&self, line: &str) -> bool {
        let text = line.trim();
        !text.is_empty() && text.chars().all(|c| c == self.mark) && text.chars().count() >= self.len
    }
}

/// The title of a step heading (`## Title`), if the line is one. `###` is not: deeper
/// headings are narration. A bare `##` is a heading with an empty title, so it is reported.
fn heading(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("##")?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

impl<'a> Body<'a> {
    fn line(&mut self, number: usize, line: &'a str) -> Result<(), Fault> {
        if let Some(fence) = &self.fence {
            if fence.closes(line) {
                self.fence = None;
            }
            self.text().push(line);
            return Ok(());
        }
        if let Some(fence) = Fence::opens(line, number) {
            self.fence = Some(fence);
            self.text().push(line);
            return Ok(());
        }
        if let Some(title) = heading(line) {
            return self.start_step(number, title);
        }
        let trimmed = line.trim();
        if trimmed.starts_with("<!--") {
            return self.comment(number, trimmed);
        }
        self.text().push(line);
        Ok(())
    }

    /// Where a narration line goes: the intro, the current step, or its notes.
    fn text(&mut self) -> &mut Vec<&'a str> {
        match self.steps.last_mut() {
            None => &mut self.intro,
            Some(step) => match (&mut step.notes, &mut step.explain) {
                (Some(notes), _) => notes,
                (None, Some((_, explain))) => explain,
                (None, None) => &mut step.narration,
            },
        }
    }

    fn start_step(&mut self, number: usize, title: &str) -> Result<(), Fault> {
        if title.is_empty() {
            return Err(fault(number, "step heading has no title; expected `## Title`"));
        }
        if self.steps.len() == MAX_STEPS {
            return Err(fault(number, format!("too many steps; a lesson has at most {MAX_STEPS} `## ` steps")));
        }
        if let Some(step) = self.steps.last() {
            step.check_reveal()?;
        }
        self.steps.push(StepDraft {
            title: title.to_string(),
            line: number,
            narration: Vec::new(),
            explain: None,
            notes: None,
            directives: Vec::new(),
        });
        Ok(())
    }

    /// A comment line outside a fence: it must be a directive, in a place that takes one.
    fn comment(&mut self, number: usize, trimmed: &str) -> Result<(), Fault> {
        let comment = parse_comment(trimmed).map_err(|message| fault(number, message))?;
        let Some(step) = self.steps.last_mut() else {
            return Err(fault(number, "directive before the first step; expected it under a `## ` heading"));
        };
        if step.notes.is_some() {
            let message = match comment {
                Comment::Notes => "`<!-- notes -->` appears twice in this step; expected it once",
                Comment::Reveal => "`<!-- reveal -->` inside speaker notes; expected it before `<!-- notes -->`",
                Comment::Directive(..) => "directive inside speaker notes; expected it before `<!-- notes -->`",
            };
            return Err(fault(number, message));
        }
        match comment {
            Comment::Notes => step.notes = Some(Vec::new()),
            Comment::Reveal if step.explain.is_some() => {
                return Err(fault(number, "`<!-- reveal -->` appears twice in this step; expected it once"));
            }
            Comment::Reveal => step.explain = Some((number, Vec::new())),
            Comment::Directive(text, item) => step.directives.push(Located { line: number, text, item }),
        }
        Ok(())
    }

    fn finish(self) -> Result<(String, Vec<Step>), Fault> {
        if let Some(fence) = self.fence {
            let mark = fence.mark.to_string().repeat(fence.len);
            return Err(fault(
                fence.line,
                format!("code fence {mark} opened here is never closed; expected a closing {mark} line"),
            ));
        }
        if self.steps.is_empty() {
            return Err(fault(0, "the lesson has no steps; expected at least one `## ` heading"));
        }
        if let Some(step) = self.steps.last() {
            step.check_reveal()?;
        }
        let steps = self
            .steps
            .into_iter()
            .map(|draft| Step {
                title: draft.title,
                line: draft.line,
                narration: join_trimmed(&draft.narration),
                explain: draft.explain.map(|(_, explain)| join_trimmed(&explain)),
                notes: draft.notes.map(|notes| join_trimmed(&notes)),
                directives: draft.directives,
            })
            .collect();
        Ok((join_trimmed(&self.intro), steps))
    }
}

impl StepDraft<'_> {
    /// A question splits its step's text in two (issue 12): the setup it is asked with, and the
    /// explanation below `<!-- reveal -->`, shown once the step has run. So a step with an
    /// `ask` has the marker, and only such a step has it.
    fn check_reveal(&self) -> Result<(), Fault> {
        let ask = self.directives.iter().find(|d| matches!(d.item, Directive::Ask(_)));
        match (ask, &self.explain) {
            (Some(ask), None) => Err(fault(
                ask.line,
                "step asks a question but has no `<!-- reveal -->`; expected one line `<!-- reveal -->` \
                 between what the question needs and the explanation",
            )),
            (None, Some((line, _))) => Err(fault(
                *line,
                "`<!-- reveal -->` in a step without an `ask:`; expected it only in a step that asks a question",
            )),
            _ => Ok(()),
        }
    }
}

/// The lines as one text, without blank lines at either end.
fn join_trimmed(lines: &[&str]) -> String {
    let blank = |line: &&str| line.trim().is_empty();
    let start = lines.iter().position(|line| !blank(line)).unwrap_or(lines.len());
    let end = lines.iter().rposition(|line| !blank(line)).map_or(start, |i| i + 1);
    lines.get(start..end).unwrap_or_default().join("\n")
}

// ---------------------------------------------------------------------------------------
// Directives
// ---------------------------------------------------------------------------------------

enum Comment {
    /// `<!-- notes -->`: what follows is for the presenter.
    Notes,
    /// `<!-- reveal -->`: what follows is the explanation, shown after the step has run.
    Reveal,
    /// The directive as written, and what it means.
    Directive(String, Directive),
}

/// Parse one directive as written inside its comment, e.g. `do: fire 10`. Tests use it to check
/// that the lesson screen's actions are lines of the same vocabulary as lesson files.
#[cfg(test)]
pub fn parse_directive(text: &str) -> Result<Directive, String> {
    match parse_comment(&format!("<!-- {text} -->"))? {
        Comment::Directive(_, d) => Ok(d),
        Comment::Notes => Err("`notes` is a marker, not a directive".into()),
        Comment::Reveal => Err("`reveal` is a marker, not a directive".into()),
    }
}

/// Parses a line that starts with `<!--`. Errors are messages; the caller adds the line.
fn parse_comment(trimmed: &str) -> Result<Comment, String> {
    let inside = trimmed.strip_prefix("<!--").unwrap_or(trimmed);
    let Some((inside, after)) = inside.split_once("-->") else {
        return Err("`<!--` without `-->` on the same line; directives are one line".to_string());
    };
    if !after.trim().is_empty() {
        return Err(format!("unexpected `{}` after `-->`; expected one directive per line", shorten(after.trim())));
    }
    let inside = inside.trim();
    match inside {
        "notes" => return Ok(Comment::Notes),
        "reveal" => return Ok(Comment::Reveal),
        _ => {}
    }
    let Some((kind, args)) = inside.split_once(':') else {
        return Err(format!(
            "comment `{}` is not a directive; expected `<!-- do: ... -->`, `<!-- expect: ... -->`, `<!-- ask: ... -->`, `<!-- reveal -->` or `<!-- notes -->`",
            shorten(inside)
        ));
    };
    let directive = match kind.trim() {
        "do" => parse_do(args)?,
        "expect" => Directive::Expect(parse_expect(args)?),
        "ask" => Directive::Ask(parse_ask(args)?),
        other => {
            return Err(format!(
                "unknown directive `{}:`; expected `do:`, `expect:`, `ask:`, `reveal` or `notes`",
                shorten(other)
            ));
        }
    };
    Ok(Comment::Directive(inside.to_string(), directive))
}

/// A verb's words after the verb: positional values and `key=value` options.
struct Words<'a> {
    /// The arguments as written, verb first, for messages.
    written: &'a str,
    verb: &'a str,
    /// What the verb takes, in backticks, for messages: "`busy TARGET ms=N`".
    usage: &'static str,
    values: Vec<&'a str>,
    options: Vec<(&'a str, &'a str)>,
}

impl<'a> Words<'a> {
    /// Splits `args` (verb first), allowing only the option keys in `keys`, each at most once.
    fn new(args: &'a str, usage: &'static str, keys: &[&str]) -> Result<Words<'a>, String> {
        let mut split = args.split_whitespace();
        let verb = split.next().unwrap_or_default();
        let mut words = Words { written: args.trim(), verb, usage, values: Vec::new(), options: Vec::new() };
        for word in split {
            let Some((key, value)) = word.split_once('=') else {
                words.values.push(word);
                continue;
            };
            if !keys.contains(&key) {
                return Err(match keys {
                    [] => format!("`{verb}` takes no options, found `{word}`; expected {usage}"),
                    _ => format!("unknown option `{key}` for `{verb}`; expected {}", keys.join(", ")),
                });
            }
            if words.option(key).is_some() {
                return Err(format!("option `{key}` is given twice in `{verb}`"));
            }
            if value.is_empty() {
                return Err(format!("option `{key}` has no value; expected `{key}=VALUE`"));
            }
            words.options.push((key, value));
        }
        Ok(words)
    }

    /// Exactly `N` positional values, or an error showing the usage.
    fn exactly<const N: usize>(&self) -> Result<[&'a str; N], String> {
        <[&str; N]>::try_from(self.values.as_slice()).map_err(|_| self.usage_error())
    }

    fn usage_error(&self) -> String {
        format!("wrong arguments `{}`; expected {}", shorten(self.written), self.usage)
    }

    fn option(&self, key: &str) -> Option<&'a str> {
        self.options.iter().find(|(k, _)| *k == key).map(|(_, value)| *value)
    }

    fn required(&self, key: &str) -> Result<&'a str, String> {
        self.option(key).ok_or_else(|| format!("`{}` needs `{key}=`; expected {}", self.verb, self.usage))
    }

    /// An optional numeric option in `min..=max`, or `default`.
    fn number_or(&self, key: &str, min: u32, max: u32, default: u32) -> Result<u32, String> {
        self.option(key).map_or(Ok(default), |value| number(key, value, min, max))
    }
}

/// Parses the arguments of `<!-- do: ... -->`.
fn parse_do(args: &str) -> Result<Directive, String> {
    let verb = args.split_whitespace().next().unwrap_or_default();
    match verb {
        "spawn" => {
            let words = Words::new(
                args,
                "`spawn workers=N|cores [mode=M] [handle=inherit|pass]`",
                &["workers", "mode", "handle"],
            )?;
            let [] = words.exactly()?;
            Ok(Directive::Spawn {
                workers: worker_count(words.required("workers")?)?,
                mode: words.option("mode").map_or(Ok(Mode::Shared), mode)?,
                handle: words.option("handle").map_or(Ok(Handle::Inherit), handle)?,
            })
        }
        "mode" => {
            let [m] = Words::new(args, "`mode M`", &[])?.exactly()?;
            Ok(Directive::SetMode(mode(m)?))
        }
        "scale" => {
            let words = Words::new(args, "`scale workers=N|cores`", &["workers"])?;
            let [] = words.exactly()?;
            Ok(Directive::Scale(worker_count(words.required("workers")?)?))
        }
        "stop" => {
            let [] = Words::new(args, "`stop`", &[])?.exactly()?;
            Ok(Directive::Stop)
        }
        "fire" => {
            let words = Words::new(args, "`fire N [concurrency=C] [keepalive=R]`", &["concurrency", "keepalive"])?;
            let [n] = words.exactly()?;
            let (connections, keepalive) =
                (number("connection count", n, 1, 1_000_000)?, words.number_or("keepalive", 1, 1000, 1)?);
            requests_bound("fire", connections, keepalive)?;
            Ok(Directive::Fire { connections, concurrency: words.number_or("concurrency", 1, 256, 8)?, keepalive })
        }
        "compare" => {
            let usage = "`compare modes=M1,M2,... connections=N [concurrency=C] [runs=R]`";
            let words = Words::new(args, usage, &["modes", "connections", "concurrency", "runs"])?;
            let [] = words.exactly()?;
            Ok(Directive::Compare {
                modes: mode_list(words.required("modes")?)?,
                connections: number("connections", words.required("connections")?, 1, 1_000_000)?,
                concurrency: words.number_or("concurrency", 1, 256, 8)?,
                runs: words.number_or("runs", 1, 5, 1)?,
            })
        }
        "kill" => {
            let words = Words::new(args, "`kill TARGET signal=SIG`", &["signal"])?;
            let [t] = words.exactly()?;
            Ok(Directive::Kill { target: target(t)?, signal: signal(words.required("signal")?)? })
        }
        "busy" => {
            let words = Words::new(args, "`busy TARGET ms=N`", &["ms"])?;
            let [t] = words.exactly()?;
            Ok(Directive::Busy { target: target(t)?, ms: number("ms", words.required("ms")?, 1, 60_000)? })
        }
        "show" => {
            let words = Words::new(args, "`show fds TARGET` or `show tree`", &[])?;
            match words.values.as_slice() {
                ["fds", t] => Ok(Directive::ShowFds(target(t)?)),
                ["tree"] => Ok(Directive::ShowTree),
                _ => Err(words.usage_error()),
            }
        }
        "crash" => {
            let words = Words::new(args, "`crash TARGET how=KIND`", &["how"])?;
            let [t] = words.exactly()?;
            let how = words.required("how")?;
            let how = CrashKind::ALL.into_iter().find(|k| k.name() == how).ok_or_else(|| {
                format!(
                    "unknown crash `{}`; expected one of {}",
                    shorten(how),
                    names(CrashKind::ALL.map(CrashKind::name))
                )
            })?;
            Ok(Directive::Crash { target: target(t)?, how })
        }
        "respawn" => match Words::new(args, "`respawn on` or `respawn off`", &[])?.exactly()? {
            ["on"] => Ok(Directive::Respawn(true)),
            ["off"] => Ok(Directive::Respawn(false)),
            _ => Err(format!("wrong arguments `{}`; expected `respawn on` or `respawn off`", shorten(args.trim()))),
        },
        "load" => {
            let words = Words::new(args, "`load N [concurrency=C] [keepalive=R]`", &["concurrency", "keepalive"])?;
            let [n] = words.exactly()?;
            let (connections, keepalive) =
                (number("connection count", n, 1, 1_000_000)?, words.number_or("keepalive", 1, 1000, 1)?);
            requests_bound("load", connections, keepalive)?;
            Ok(Directive::Load { connections, concurrency: words.number_or("concurrency", 1, 256, 4)?, keepalive })
        }
        "wait" => match Words::new(args, "`wait load`", &[])?.exactly()? {
            ["load"] => Ok(Directive::WaitLoad),
            _ => Err(format!("wrong arguments `{}`; expected `wait load`", shorten(args.trim()))),
        },
        "send" => {
            let usage = "`send ping TARGET`, `send broadcast`, `send TARGET to TARGET` or `send handle TARGET`";
            let words = Words::new(args, usage, &[])?;
            match words.values.as_slice() {
                ["ping", t] => Ok(Directive::Send(SendKind::Ping(target(t)?))),
                ["broadcast"] => Ok(Directive::Send(SendKind::Broadcast)),
                ["handle", t] => Ok(Directive::Send(SendKind::Handle(target(t)?))),
                [a, "to", b] => Ok(Directive::Send(SendKind::Relay { from: target(a)?, to: target(b)? })),
                _ => Err(words.usage_error()),
            }
        }
        "restart" => match Words::new(args, "`restart rolling`", &[])?.exactly()? {
            ["rolling"] => Ok(Directive::RollingRestart),
            _ => Err(format!("wrong arguments `{}`; expected `restart rolling`", shorten(args.trim()))),
        },
        "work" => {
            let words = Words::new(args, "`work TARGET threads=N|cores ms=M` or `work all ms=M`", &["threads", "ms"])?;
            let [t] = words.exactly()?;
            // At most 2 s: the master calls a worker whose loop is silent for 2.5 s hung.
            let ms = number("ms", words.required("ms")?, 1, 2000)?;
            match (t, words.option("threads")) {
                ("all", None) => Ok(Directive::Work { target: None, threads: None, ms }),
                ("all", Some(_)) => Err("`work all` runs one thread in every worker; it takes no `threads=`".into()),
                (t, Some(n)) => Ok(Directive::Work { target: Some(target(t)?), threads: Some(worker_count(n)?), ms }),
                (_, None) => Err(format!("`work` needs `threads=`; expected {}", words.usage)),
            }
        }
        "counter" => {
            let words = Words::new(args, "`counter TARGET threads=N` or `counter all`", &["threads"])?;
            let [t] = words.exactly()?;
            match (t, words.option("threads")) {
                ("all", None) => Ok(Directive::Counter { target: None, threads: None }),
                ("all", Some(_)) => Err("`counter all` uses one copy per worker; it takes no `threads=`".into()),
                (t, Some(n)) => {
                    Ok(Directive::Counter { target: Some(target(t)?), threads: Some(number("threads", n, 1, 16)?) })
                }
                (_, None) => Err(format!("`counter` needs `threads=`; expected {}", words.usage)),
            }
        }
        "daemon" => {
            let usage = "`daemon STEP` with STEP one of fork, setsid, fork-again, umask, chdir, stdio, pidfile, stop";
            let [step] = Words::new(args, usage, &[])?.exactly()?;
            DaemonStep::ALL.into_iter().find(|s| s.name() == step).map(Directive::Daemon).ok_or_else(|| {
                format!(
                    "unknown daemon step `{}`; expected one of {}",
                    shorten(step),
                    names(DaemonStep::ALL.map(DaemonStep::name))
                )
            })
        }
        "" => Err(format!("empty `do:`; expected one of {DO_VERBS}")),
        _ => Err(format!("unknown verb `{}` in `do:`; expected one of {DO_VERBS}", shorten(verb))),
    }
}

/// Parses the arguments of `<!-- expect: ... -->`.
fn parse_expect(args: &str) -> Result<Expect, String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        ["accounted"] => Ok(Expect::Accounted),
        ["same-inode"] => Ok(Expect::SameInode),
        ["not", ..] => {
            let rest = args.trim_start().strip_prefix("not").unwrap_or_default();
            Ok(Expect::Not(Box::new(parse_expect(rest)?)))
        }
        ["rolled"] => Ok(Expect::Rolled),
        ["lost-only-held"] => Ok(Expect::LostOnlyHeld),
        ["handle-arrived"] => Ok(Expect::HandleArrived),
        ["all-cores-busy"] => Ok(Expect::AllCoresBusy),
        ["pidfile"] => Ok(Expect::Pidfile),
        [
            first @ ("accounted" | "same-inode" | "rolled" | "lost-only-held" | "handle-arrived" | "all-cores-busy"
            | "pidfile"),
            ..,
        ] => Err(format!("`{first}` takes nothing after it; expected `{first}`")),
        ["hung", t] => Ok(Expect::Hung(target(t)?)),
        ["gave-up", t] => Ok(Expect::GaveUp(target(t)?)),
        ["survived", t] => Ok(Expect::Survived(target(t)?)),
        [first @ ("hung" | "gave-up" | "survived"), ..] => {
            Err(format!("wrong arguments `{}`; expected `{first} TARGET`", shorten(args.trim())))
        }
        ["exited", ..] => exited(args),
        [t, field, op, value] if target(t).is_ok() && ProcField::ALL.iter().any(|f| f.name() == *field) => {
            proc_expect(t, field, op, value)
        }
        [first, rest @ ..] => match Metric::ALL.into_iter().find(|m| m.name() == *first) {
            Some(metric) => metric_expect(metric, rest),
            None => Err(format!(
                "unknown expectation `{}`; expected {EXPECT_WORDS}, `exited TARGET ...`, `TARGET FIELD == VALUE` or `METRIC OP NUMBER` with METRIC one of {}",
                shorten(first),
                names(Metric::ALL.map(Metric::name)),
            )),
        },
        [] => {
            Err("empty `expect:`; expected accounted, same-inode, `exited TARGET ...` or `METRIC OP NUMBER`"
                .to_string())
        }
    }
}

fn exited(args: &str) -> Result<Expect, String> {
    let words = Words::new(args, "`exited TARGET signal=SIG` or `exited TARGET code=N`", &["signal", "code"])?;
    let [t] = words.exactly()?;
    let status = match (words.option("signal"), words.option("code")) {
        (Some(sig), None) => ExitSpec::Signal(signal(sig)?),
        // At most 255, so the cast to i32 is lossless.
        (None, Some(code)) => ExitSpec::Code(number("exit code", code, 0, 255)? as i32),
        (Some(_), Some(_)) => return Err("`exited` takes `signal=` or `code=`, not both".to_string()),
        (None, None) => return Err(format!("`exited` needs `signal=` or `code=`; expected {}", words.usage)),
    };
    Ok(Expect::Exited { target: target(t)?, status })
}

/// `daemon ppid == forklab`: a fact of a process, read from /proc when checked.
fn proc_expect(t: &str, field: &str, op: &str, value: &str) -> Result<Expect, String> {
    let field = ProcField::ALL.into_iter().find(|f| f.name() == field).expect("checked by the caller");
    let equal = match op {
        "==" => true,
        "!=" => false,
        _ => return Err(format!("unknown comparison `{}`; expected `==` or `!=` for `{field:?}`", shorten(op))),
    };
    let value = match value {
        "forklab" => ProcValue::Forklab,
        "master" => ProcValue::Master,
        "self" => ProcValue::SelfPid,
        "none" => ProcValue::None,
        other => ProcValue::Text(other.to_string()),
    };
    Ok(Expect::Proc { target: target(t)?, field, equal, value })
}

/// `ask: Will W2 keep serving? | yes => survived W2 | no => failed > 0`.
fn parse_ask(args: &str) -> Result<Ask, String> {
    let usage = "expected `ask: QUESTION | CHOICE => CONDITION | CHOICE => CONDITION ...`";
    let mut parts = args.split('|');
    let question = parts.next().unwrap_or_default().trim();
    if question.is_empty() {
        return Err(format!("`ask:` has no question; {usage}"));
    }
    let mut choices: Vec<Choice> = Vec::new();
    for part in parts {
        let Some((label, when_text)) = part.split_once("=>") else {
            return Err(format!("choice `{}` has no `=> CONDITION`; {usage}", shorten(part.trim())));
        };
        let label = label.trim();
        if label.is_empty() {
            return Err(format!("a choice has no label; {usage}"));
        }
        if choices.iter().any(|c| c.label == label) {
            return Err(format!("choice `{}` is listed twice", shorten(label)));
        }
        let when =
            parse_expect(when_text).map_err(|e| format!("in the condition of choice `{}`: {e}", shorten(label)))?;
        choices.push(Choice { label: label.to_string(), when, text: when_text.trim().to_string() });
    }
    if choices.len() < 2 || choices.len() > MAX_CHOICES {
        return Err(format!(
            "`ask:` has {} choices; expected 2 to {MAX_CHOICES}, as in `ask: QUESTION | CHOICE => CONDITION | ...`",
            choices.len()
        ));
    }
    Ok(Ask { question: question.to_string(), choices })
}

fn metric_expect(metric: Metric, rest: &[&str]) -> Result<Expect, String> {
    let usage = || {
        format!("expected `{metric} OP NUMBER` with OP one of {}, e.g. `{metric} <= 1`", names(Op::ALL.map(Op::symbol)))
    };
    let [op, value] = rest else {
        return Err(format!("wrong arguments `{metric} {}`; {}", rest.join(" "), usage()));
    };
    let Some(op) = Op::ALL.into_iter().find(|o| o.symbol() == *op) else {
        return Err(format!("unknown comparison `{}`; {}", shorten(op), usage()));
    };
    if *value == "cores" {
        return Ok(Expect::MetricCores { metric, op });
    }
    // `f64::from_str` also takes `inf` and `NaN`, which no count or ratio can be.
    let Some(value) = value.parse::<f64>().ok().filter(|v| v.is_finite()) else {
        return Err(format!("invalid number `{}`; {}", shorten(value), usage()));
    };
    Ok(Expect::Metric { metric, op, value })
}

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// A whole number in `min..=max`; `what` names it in the error.
/// The most requests (connections × keepalive) one `fire` or `load` may ask for. The runner
/// waits 2 minutes for the load client; 100,000 requests take about 10 s on the debug build
/// of a 2-core machine (the fault suite's chaos run), so an accepted load always finishes.
const MAX_REQUESTS: u64 = 100_000;

fn requests_bound(verb: &str, connections: u32, keepalive: u32) -> Result<(), String> {
    let requests = u64::from(connections) * u64::from(keepalive);
    if requests > MAX_REQUESTS {
        return Err(format!(
            "`{verb}` asks for {connections} connections × {keepalive} requests = {requests} requests; \
             at most {MAX_REQUESTS} finish within the 2 minutes the load client is given"
        ));
    }
    Ok(())
}

fn number(what: &str, value: &str, min: u32, max: u32) -> Result<u32, String> {
    let range = format!("expected a whole number from {min} to {max}");
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid {what} `{}`; {range}", shorten(value)));
    }
    // All digits, so a parse failure can only mean the number is too large.
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{what} `{}` is out of range; {range}", shorten(value)))
}

fn worker_count(value: &str) -> Result<WorkerCount, String> {
    if value == "cores" {
        return Ok(WorkerCount::Cores);
    }
    let n = number("worker count", value, 1, 64).map_err(|e| format!("{e} or `cores`"))?;
    Ok(WorkerCount::N(n as usize))
}

fn mode(value: &str) -> Result<Mode, String> {
    Mode::ALL.into_iter().find(|m| m.name() == value).ok_or_else(|| {
        format!("unknown accept mode `{}`; expected one of {}", shorten(value), names(Mode::ALL.map(Mode::name)))
    })
}

/// `shared,rr,reuseport`: at least one mode, none twice.
fn mode_list(value: &str) -> Result<Vec<Mode>, String> {
    let mut modes = Vec::new();
    for name in value.split(',') {
        let m = mode(name)?;
        if modes.contains(&m) {
            return Err(format!("mode `{m}` is listed twice in `modes`"));
        }
        modes.push(m);
    }
    Ok(modes)
}

fn handle(value: &str) -> Result<Handle, String> {
    match value {
        "inherit" => Ok(Handle::Inherit),
        "pass" => Ok(Handle::Pass),
        _ => Err(format!("unknown handle delivery `{}`; expected inherit or pass", shorten(value))),
    }
}

/// `master` or `W<n>` with n >= 1, the aliases the panes show.
fn target(value: &str) -> Result<Target, String> {
    if value == "master" {
        return Ok(Target::Master);
    }
    if value == "daemon" {
        return Ok(Target::Daemon);
    }
    value
        .strip_prefix('W')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .map(Target::Worker)
        .ok_or_else(|| format!("unknown target `{}`; expected `master` or a worker such as `W1`", shorten(value)))
}

/// The signals a lesson may send, as `kill -l` names them.
const SIGNALS: [(&str, Signal); 9] = [
    ("TERM", Signal::SIGTERM),
    ("KILL", Signal::SIGKILL),
    ("SEGV", Signal::SIGSEGV),
    ("STOP", Signal::SIGSTOP),
    ("CONT", Signal::SIGCONT),
    ("INT", Signal::SIGINT),
    ("HUP", Signal::SIGHUP),
    ("ABRT", Signal::SIGABRT),
    ("USR1", Signal::SIGUSR1),
];

/// `KILL`, `SIGKILL` or `kill`: the spellings people use with kill(1).
fn signal(value: &str) -> Result<Signal, String> {
    let upper = value.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS.iter().find(|(n, _)| *n == name).map(|(_, sig)| *sig).ok_or_else(|| {
        format!(
            "unknown signal `{}`; expected one of {} (SIG prefix optional)",
            shorten(value),
            names(SIGNALS.map(|(n, _)| n))
        )
    })
}

fn names<const N: usize>(names: [&str; N]) -> String {
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Front matter for `lessons/t.md` and a first step heading: a body starts at line 8.
    const HEAD: &str = "+++\nid = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n+++\n## Step\n";
    const BODY_LINE: usize = 8;

    fn parse_ok(text: &str) -> Lesson {
        parse("lessons/t.md", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(text: &[u8]) -> (usize, String) {
        let e = parse("lessons/t.md", text).expect_err("the lesson should be rejected");
        (e.line, e.message)
    }

    /// The error for a lesson with this front matter (lines 2.. of the file) and one step.
    fn front_error(toml: &str) -> (usize, String) {
        error(format!("+++\n{toml}\n+++\n## Step\n").as_bytes())
    }

    /// The error for this text under the first step heading (so from line 8).
    fn body_error(body: &str) -> (usize, String) {
        error(format!("{HEAD}{body}\n").as_bytes())
    }

    /// What `<!-- text -->` as the only directive of a step parses into (a question's step
    /// gets the `reveal` it needs).
    fn directive(text: &str) -> Directive {
        let reveal = if text.starts_with("ask:") { "<!-- reveal -->\n" } else { "" };
        let lesson = parse_ok(&format!("{HEAD}<!-- {text} -->\n{reveal}"));
        lesson.steps[0].directives[0].item.clone()
    }

    /// One test per rejected directive: the error is on its line, with this message.
    macro_rules! rejects {
        ($name:ident, $directive:expr, $message:expr) => {
            #[test]
            fn $name() {
                let got = body_error(&format!("<!-- {} -->", $directive));
                assert_eq!(got, (BODY_LINE, $message.to_string()));
            }
        };
    }

    /// One test per accepted directive form: what it parses into.
    macro_rules! accepts {
        ($name:ident, $directive:expr, $item:expr) => {
            #[test]
            fn $name() {
                assert_eq!(directive($directive), $item);
            }
        };
    }

    // ----- a good lesson -----

    const ACCEPT: &str = r#"+++
id = "accept"
title = "Who takes the connection?"
order = 3
summary = "Preemptive accept across workers, the modes side by side"
panes = ["processes", "connections", "events"]

[setup]
workers = 4        # or "cores"
mode = "shared"
port = 0           # optional
+++

Optional intro markdown before the first step.

## Step title
Narration in Markdown...
<!-- do: spawn workers=4 mode=shared -->
<!-- do: fire 200 concurrency=8 -->
<!-- expect: accounted -->
<!-- expect: spread <= 1 -->

<!-- notes -->
Speaker notes: everything after this marker up to the next `## ` heading.

## Next step
### A deeper heading
More narration.
"#;

    fn located(line: usize, text: &str, item: Directive) -> Located<Directive> {
        Located { line, text: text.to_string(), item }
    }

    #[test]
    fn good_lesson_parses_to_the_exact_structure() {
        let lesson = parse("lessons/accept.md", ACCEPT.as_bytes()).unwrap();
        let expected = Lesson {
            id: "accept".into(),
            title: "Who takes the connection?".into(),
            order: 3,
            summary: "Preemptive accept across workers, the modes side by side".into(),
            panes: vec![Pane::Processes, Pane::Connections, Pane::Events],
            setup: Setup { workers: Some(WorkerCount::N(4)), mode: Some(Mode::Shared), port: Some(0) },
            intro: "Optional intro markdown before the first step.".into(),
            steps: vec![
                Step {
                    title: "Step title".into(),
                    line: 16,
                    narration: "Narration in Markdown...".into(),
                    explain: None,
                    notes: Some("Speaker notes: everything after this marker up to the next `## ` heading.".into()),
                    directives: vec![
                        located(
                            18,
                            "do: spawn workers=4 mode=shared",
                            Directive::Spawn {
                                workers: WorkerCount::N(4),
                                mode: Mode::Shared,
                                handle: Handle::Inherit,
                            },
                        ),
                        located(
                            19,
                            "do: fire 200 concurrency=8",
                            Directive::Fire { connections: 200, concurrency: 8, keepalive: 1 },
                        ),
                        located(20, "expect: accounted", Directive::Expect(Expect::Accounted)),
                        located(
                            21,
                            "expect: spread <= 1",
                            Directive::Expect(Expect::Metric { metric: Metric::Spread, op: Op::Le, value: 1.0 }),
                        ),
                    ],
                },
                Step {
                    title: "Next step".into(),
                    line: 26,
                    narration: "### A deeper heading\nMore narration.".into(),
                    explain: None,
                    notes: None,
                    directives: vec![],
                },
            ],
            file: "lessons/accept.md".into(),
        };
        assert_eq!(lesson, expected);
    }

    #[test]
    fn minimal_lesson_gets_default_panes_and_empty_setup() {
        let lesson = parse_ok(HEAD);
        assert_eq!(lesson.panes, vec![Pane::Processes, Pane::Events]);
        assert_eq!(lesson.setup, Setup::default());
        assert_eq!(lesson.intro, "");
        assert_eq!(lesson.steps[0].narration, "");
    }

    #[test]
    fn setup_workers_may_be_cores() {
        let text = HEAD.replace("+++\n## Step", "[setup]\nworkers = \"cores\"\n+++\n## Step");
        assert_eq!(parse_ok(&text).setup.workers, Some(WorkerCount::Cores));
    }

    #[test]
    fn crlf_line_ends_parse_like_lf() {
        let crlf = ACCEPT.replace('\n', "\r\n");
        assert_eq!(parse("lessons/accept.md", crlf.as_bytes()), parse("lessons/accept.md", ACCEPT.as_bytes()));
    }

    #[test]
    fn id_is_not_checked_when_the_file_is_not_named_stem_md() {
        assert_eq!(parse("<test>", HEAD.as_bytes()).map(|l| l.id), Ok("t".to_string()));
    }

    // ----- fenced code -----

    #[test]
    fn fenced_code_is_narration_not_directives_or_headings() {
        let body = "```html\n<!-- do: launch -->\n## not a step\n<!-- a plain comment\n```\n\
                    ~~~~\n```\n<!-- expect: nothing -->\n~~~~\nafter";
        let lesson = parse_ok(&format!("{HEAD}{body}\n"));
        assert_eq!(lesson.steps.len(), 1);
        assert_eq!(lesson.steps[0].directives, vec![]);
        assert_eq!(lesson.steps[0].narration, body);
    }

    #[test]
    fn fenced_code_in_notes_stays_in_the_notes() {
        let lesson = parse_ok(&format!("{HEAD}<!-- notes -->\n```\n<!-- x -->\n## y\n```\n"));
        assert_eq!(lesson.steps[0].notes.as_deref(), Some("```\n<!-- x -->\n## y\n```"));
    }

    #[test]
    fn unclosed_fence_is_an_error_at_its_opening_line() {
        let got = body_error("text\n````rust\n<!-- do: stop -->\n```");
        assert_eq!(got, (9, "code fence ```` opened here is never closed; expected a closing ```` line".to_string()));
    }

    // ----- the file as a whole -----

    #[test]
    fn file_over_256_kib_is_rejected() {
        let text = format!("{HEAD}{}", "x".repeat(MAX_BYTES));
        let expected = "file is larger than 256 KiB; expected a lesson of at most 262144 bytes";
        assert_eq!(error(text.as_bytes()), (0, expected.to_string()));
    }

    #[test]
    fn nul_byte_is_not_a_text_lesson() {
        let text = format!("{HEAD}ok\nbad\0\n");
        let expected = "not a text lesson: the file contains a nul byte";
        assert_eq!(error(text.as_bytes()), (9, expected.to_string()));
    }

    #[test]
    fn invalid_utf8_is_not_a_text_lesson() {
        let mut text = HEAD.as_bytes().to_vec();
        text.extend_from_slice(b"\xff\n");
        let expected = format!("not a text lesson: the bytes at offset {} are not valid utf-8", HEAD.len());
        assert_eq!(error(&text), (8, expected));
    }

    #[test]
    fn empty_file_is_rejected() {
        let expected = "the file is empty; expected a line `+++` opening the front matter";
        assert_eq!(error(b""), (1, expected.to_string()));
    }

    #[test]
    fn file_must_start_with_plus_line() {
        let expected = "expected the file to start with a line `+++` opening the front matter, found `# Title`";
        assert_eq!(error(b"# Title\n+++\n"), (1, expected.to_string()));
    }

    #[test]
    fn unclosed_front_matter_is_rejected() {
        let expected = "the front matter opened here is never closed; expected a line that is exactly `+++` after it";
        assert_eq!(error(b"+++\nid = \"t\"\n## Step\n"), (1, expected.to_string()));
    }

    // ----- front matter -----

    #[test]
    fn toml_syntax_error_points_at_its_file_line() {
        let (line, message) = front_error("id = \"t\"\ntitle = \"T\norder = 1");
        assert_eq!(line, 3);
        assert!(message.starts_with("in the front matter: "), "{message}");
    }

    #[test]
    fn unknown_front_matter_key_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\ncolour = \"red\"");
        let expected = "in the front matter: unknown field `colour`, expected one of `id`, `title`, `order`, `summary`, `panes`, `setup`";
        assert_eq!(got, (6, expected.to_string()));
    }

    #[test]
    fn unknown_setup_key_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nworker = 2");
        let expected = "in the front matter: unknown field `worker`, expected one of `workers`, `mode`, `port`";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn missing_title_is_rejected() {
        // toml spans a missing key over the whole table, so the error is at its first line.
        let got = front_error("id = \"t\"\norder = 1\nsummary = \"S\"");
        assert_eq!(got, (2, "in the front matter: missing field `title`".to_string()));
    }

    #[test]
    fn order_must_be_an_unsigned_integer() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = -1\nsummary = \"S\"");
        let expected = "in the front matter: invalid value: integer `-1`, expected u32";
        assert_eq!(got, (4, expected.to_string()));
    }

    #[test]
    fn id_must_match_the_file_name() {
        let got = front_error("title = \"T\"\norder = 1\nid = \"other\"\nsummary = \"S\"");
        assert_eq!(got, (4, "id `other` does not match the file name; expected `t`".to_string()));
    }

    #[test]
    fn empty_title_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"  \"\norder = 1\nsummary = \"S\"");
        assert_eq!(got, (3, "`title` is empty; expected some text".to_string()));
    }

    #[test]
    fn unknown_pane_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\npanes = [\"cpu\"]");
        let expected = "in the front matter: unknown variant `cpu`, expected one of `processes`, `cores`, `connections`, `events`, `fds`, `ipc`";
        assert_eq!(got, (6, expected.to_string()));
    }

    #[test]
    fn duplicate_pane_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\npanes = [\"fds\", \"fds\"]");
        assert_eq!(got, (6, "pane `fds` is listed twice in `panes`".to_string()));
    }

    #[test]
    fn setup_workers_out_of_range_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nworkers = 65");
        let expected =
            "in the front matter: worker count `65` is out of range; expected a whole number from 1 to 64 or `cores`";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn setup_workers_string_must_be_cores() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nworkers = \"4\"");
        let expected =
            "in the front matter: invalid worker count `4`; expected a whole number from 1 to 64 or \"cores\"";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn setup_unknown_mode_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nmode = \"fair\"");
        let expected = "in the front matter: unknown variant `fair`, expected one of `shared`, `exclusive`, `blocking`, `rr`, `reuseport`";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn setup_port_must_fit_u16() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nport = 70000");
        let expected = "in the front matter: invalid value: integer `70000`, expected u16";
        assert_eq!(got, (7, expected.to_string()));
    }

    // ----- steps and comments -----

    #[test]
    fn lesson_without_steps_is_rejected() {
        let text = HEAD.replace("## Step\n", "only an intro\n### not a step\n");
        let expected = "the lesson has no steps; expected at least one `## ` heading";
        assert_eq!(error(text.as_bytes()), (0, expected.to_string()));
    }

    #[test]
    fn sixty_fifth_step_is_rejected() {
        let steps = (2..=65).map(|i| format!("## Step {i}\n")).collect::<String>();
        let expected = "too many steps; a lesson has at most 64 `## ` steps";
        assert_eq!(error(format!("{HEAD}{steps}").as_bytes()), (BODY_LINE + 63, expected.to_string()));
    }

    #[test]
    fn sixty_four_steps_are_fine() {
        let steps = (2..=64).map(|i| format!("## Step {i}\n")).collect::<String>();
        assert_eq!(parse_ok(&format!("{HEAD}{steps}")).steps.len(), 64);
    }

    #[test]
    fn step_heading_needs_a_title() {
        let expected = "step heading has no title; expected `## Title`";
        assert_eq!(body_error("text\n##   "), (9, expected.to_string()));
    }

    #[test]
    fn directive_before_the_first_step_is_rejected() {
        let text = HEAD.replace("+++\n## Step", "+++\nintro\n<!-- do: stop -->\n## Step");
        let expected = "directive before the first step; expected it under a `## ` heading";
        assert_eq!(error(text.as_bytes()), (8, expected.to_string()));
    }

    #[test]
    fn plain_comment_is_not_a_silent_comment() {
        let expected = "comment `remember to fix` is not a directive; expected `<!-- do: ... -->`, `<!-- expect: ... -->`, `<!-- ask: ... -->`, `<!-- reveal -->` or `<!-- notes -->`";
        assert_eq!(body_error("  <!-- remember to fix -->"), (BODY_LINE, expected.to_string()));
    }

    #[test]
    fn comment_must_close_on_its_line() {
        let expected = "`<!--` without `-->` on the same line; directives are one line";
        assert_eq!(body_error("<!-- do: fire 200\n-->"), (BODY_LINE, expected.to_string()));
    }

    #[test]
    fn text_after_a_directive_is_rejected() {
        let expected = "unexpected `<!-- do: stop -->` after `-->`; expected one directive per line";
        assert_eq!(body_error("<!-- do: stop --> <!-- do: stop -->"), (BODY_LINE, expected.to_string()));
    }

    rejects!(
        unknown_directive_kind,
        "todo: fix",
        "unknown directive `todo:`; expected `do:`, `expect:`, `ask:`, `reveal` or `notes`"
    );

    #[test]
    fn directive_in_notes_is_rejected() {
        let expected = "directive inside speaker notes; expected it before `<!-- notes -->`";
        assert_eq!(body_error("<!-- notes -->\nsay this\n<!-- do: stop -->"), (10, expected.to_string()));
    }

    #[test]
    fn second_notes_marker_is_rejected() {
        let expected = "`<!-- notes -->` appears twice in this step; expected it once";
        assert_eq!(body_error("<!-- notes -->\n<!-- notes -->"), (9, expected.to_string()));
    }

    #[test]
    fn notes_end_at_the_next_step() {
        let lesson = parse_ok(&format!("{HEAD}said\n<!-- notes -->\n\nnote\n\n## Two\nsaid too\n"));
        assert_eq!(lesson.steps[0].narration, "said");
        assert_eq!(lesson.steps[0].notes.as_deref(), Some("note"));
        assert_eq!(lesson.steps[1].narration, "said too");
    }

    // ----- reveal: a question's setup, then its explanation -----

    const ASK: &str = "<!-- ask: Will W2 survive? | yes => survived W2 | no => not survived W2 -->";

    #[test]
    fn reveal_splits_the_narration_from_the_explanation() {
        let body = format!("setup\n{ASK}\n<!-- do: stop -->\n<!-- reveal -->\n\nwhy\n<!-- notes -->\nnote\n");
        let step = &parse_ok(&format!("{HEAD}{body}")).steps[0];
        assert_eq!(step.narration, "setup");
        assert_eq!(step.explain.as_deref(), Some("why"));
        assert_eq!(step.notes.as_deref(), Some("note"));
        assert_eq!(step.directives.len(), 2);
    }

    #[test]
    fn directives_may_follow_the_reveal_and_an_empty_explanation_is_none_of_the_text() {
        let step = &parse_ok(&format!("{HEAD}setup\n<!-- reveal -->\n{ASK}\n")).steps[0];
        assert_eq!((step.narration.as_str(), step.explain.as_deref()), ("setup", Some("")));
        assert!(matches!(step.directives[0].item, Directive::Ask(_)));
    }

    #[test]
    fn a_step_without_a_question_has_no_explanation() {
        assert_eq!(parse_ok(&format!("{HEAD}text\n")).steps[0].explain, None);
    }

    /// Each misplaced `reveal`: (body under the first heading, error line, message).
    const REVEAL_ERRORS: &[(&str, usize, &str)] = &[
        (
            "setup\nASK\nwhy",
            9,
            "step asks a question but has no `<!-- reveal -->`; expected one line `<!-- reveal -->` between what the question needs and the explanation",
        ),
        (
            "ASK\n## Two\ntext",
            8,
            "step asks a question but has no `<!-- reveal -->`; expected one line `<!-- reveal -->` between what the question needs and the explanation",
        ),
        (
            "text\n<!-- reveal -->\nmore",
            9,
            "`<!-- reveal -->` in a step without an `ask:`; expected it only in a step that asks a question",
        ),
        (
            "ASK\n<!-- reveal -->\n## Two\n<!-- reveal -->",
            11,
            "`<!-- reveal -->` in a step without an `ask:`; expected it only in a step that asks a question",
        ),
        (
            "ASK\n<!-- reveal -->\nwhy\n<!-- reveal -->",
            11,
            "`<!-- reveal -->` appears twice in this step; expected it once",
        ),
        (
            "ASK\n<!-- notes -->\nsay\n<!-- reveal -->",
            11,
            "`<!-- reveal -->` inside speaker notes; expected it before `<!-- notes -->`",
        ),
    ];

    #[test]
    fn a_misplaced_reveal_is_an_error_on_its_line() {
        for (body, line, message) in REVEAL_ERRORS {
            let got = body_error(&body.replace("ASK", ASK));
            assert_eq!(got, (*line, message.to_string()), "{body}");
        }
    }

    #[test]
    fn reveal_is_a_marker_not_a_directive() {
        assert_eq!(parse_directive("reveal"), Err("`reveal` is a marker, not a directive".to_string()));
    }

    // ----- the order a question's choices are shown in -----

    #[test]
    fn choice_order_is_a_permutation_that_a_seed_repeats() {
        let Directive::Ask(ask) = directive("ask: Q? | a => failed == 0 | b => failed == 1 | c => failed == 2") else {
            unreachable!()
        };
        for seed in 0..50 {
            let order = ask.order("t", seed);
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, [0, 1, 2]);
            assert_eq!(order, ask.order("t", seed));
            assert_eq!(Ask::letter_in(&order, order[1]), 'b');
        }
        let orders: std::collections::BTreeSet<Vec<usize>> = (0..50).map(|seed| ask.order("t", seed)).collect();
        assert_eq!(orders.len(), 6, "50 seeds give every order of three choices");
    }

    #[test]
    fn with_a_fixed_seed_some_built_in_question_is_not_shown_in_file_order() {
        for seed in [0, 7] {
            let mut shuffled = 0;
            for lesson in embedded().unwrap() {
                for step in &lesson.steps {
                    for d in &step.directives {
                        if let Directive::Ask(ask) = &d.item {
                            let order = ask.order(&lesson.id, seed);
                            assert_eq!(order, ask.order(&lesson.id, seed));
                            shuffled += usize::from(order != (0..ask.choices.len()).collect::<Vec<_>>());
                        }
                    }
                }
            }
            assert!(shuffled > 0, "seed {seed}: every question in file order");
        }
    }

    // ----- do: -----

    accepts!(
        spawn_with_defaults,
        "do: spawn workers=cores",
        Directive::Spawn { workers: WorkerCount::Cores, mode: Mode::Shared, handle: Handle::Inherit }
    );
    accepts!(
        spawn_options_in_any_order,
        "do: spawn handle=pass mode=reuseport workers=64",
        Directive::Spawn { workers: WorkerCount::N(64), mode: Mode::Reuseport, handle: Handle::Pass }
    );
    accepts!(set_mode, "do: mode rr", Directive::SetMode(Mode::Rr));
    accepts!(scale, "do: scale workers=2", Directive::Scale(WorkerCount::N(2)));
    accepts!(stop, "do: stop", Directive::Stop);
    accepts!(
        fire_with_options,
        "do: fire keepalive=1000 100 concurrency=256",
        Directive::Fire { connections: 100, concurrency: 256, keepalive: 1000 }
    );
    rejects!(
        fire_beyond_the_request_bound,
        "do: fire 1000000 concurrency=256 keepalive=1000",
        "`fire` asks for 1000000 connections × 1000 requests = 1000000000 requests; at most 100000 finish within the 2 minutes the load client is given"
    );
    accepts!(
        compare_with_default_runs,
        "do: compare modes=shared,exclusive connections=500",
        Directive::Compare { modes: vec![Mode::Shared, Mode::Exclusive], connections: 500, concurrency: 8, runs: 1 }
    );
    accepts!(
        kill_with_lowercase_sig_prefix,
        "do: kill W2 signal=sigkill",
        Directive::Kill { target: Target::Worker(2), signal: Signal::SIGKILL }
    );
    accepts!(busy, "do: busy master ms=60000", Directive::Busy { target: Target::Master, ms: 60_000 });
    accepts!(show_fds, "do: show fds W1", Directive::ShowFds(Target::Worker(1)));
    accepts!(show_tree, "do: show tree", Directive::ShowTree);

    rejects!(
        unknown_verb,
        "do: launch workers=4",
        "unknown verb `launch` in `do:`; expected one of spawn, mode, scale, stop, fire, compare, kill, busy, show, crash, respawn, load, wait, send, restart, work, counter, daemon"
    );
    rejects!(
        empty_do,
        "do:",
        "empty `do:`; expected one of spawn, mode, scale, stop, fire, compare, kill, busy, show, crash, respawn, load, wait, send, restart, work, counter, daemon"
    );
    rejects!(
        unknown_option,
        "do: fire 10 workers=2",
        "unknown option `workers` for `fire`; expected concurrency, keepalive"
    );
    rejects!(
        option_on_verb_without_options,
        "do: stop now=yes",
        "`stop` takes no options, found `now=yes`; expected `stop`"
    );
    rejects!(
        repeated_option,
        "do: fire 10 concurrency=2 concurrency=3",
        "option `concurrency` is given twice in `fire`"
    );
    rejects!(option_without_value, "do: spawn workers=", "option `workers` has no value; expected `workers=VALUE`");
    rejects!(
        missing_required_option,
        "do: spawn mode=rr",
        "`spawn` needs `workers=`; expected `spawn workers=N|cores [mode=M] [handle=inherit|pass]`"
    );
    rejects!(
        missing_value,
        "do: fire concurrency=4",
        "wrong arguments `fire concurrency=4`; expected `fire N [concurrency=C] [keepalive=R]`"
    );
    rejects!(extra_value, "do: stop all", "wrong arguments `stop all`; expected `stop`");
    rejects!(
        count_not_a_number,
        "do: fire lots",
        "invalid connection count `lots`; expected a whole number from 1 to 1000000"
    );
    rejects!(
        count_out_of_range,
        "do: fire 1000001",
        "connection count `1000001` is out of range; expected a whole number from 1 to 1000000"
    );
    rejects!(
        count_beyond_u64,
        "do: fire 99999999999999999999999",
        "connection count `99999999999999999999999` is out of range; expected a whole number from 1 to 1000000"
    );
    rejects!(
        concurrency_out_of_range,
        "do: fire 10 concurrency=257",
        "concurrency `257` is out of range; expected a whole number from 1 to 256"
    );
    rejects!(
        workers_out_of_range,
        "do: scale workers=0",
        "worker count `0` is out of range; expected a whole number from 1 to 64 or `cores`"
    );
    rejects!(
        unknown_mode,
        "do: mode fair",
        "unknown accept mode `fair`; expected one of shared, exclusive, blocking, rr, reuseport"
    );
    rejects!(
        unknown_handle,
        "do: spawn workers=2 handle=copy",
        "unknown handle delivery `copy`; expected inherit or pass"
    );
    rejects!(
        compare_duplicate_mode,
        "do: compare modes=rr,shared,rr connections=10",
        "mode `rr` is listed twice in `modes`"
    );
    rejects!(
        compare_empty_mode,
        "do: compare modes=rr, connections=10",
        "unknown accept mode ``; expected one of shared, exclusive, blocking, rr, reuseport"
    );
    rejects!(
        compare_runs_out_of_range,
        "do: compare modes=rr connections=10 runs=6",
        "runs `6` is out of range; expected a whole number from 1 to 5"
    );
    rejects!(
        unknown_signal,
        "do: kill W1 signal=PIPE",
        "unknown signal `PIPE`; expected one of TERM, KILL, SEGV, STOP, CONT, INT, HUP, ABRT, USR1 (SIG prefix optional)"
    );
    rejects!(worker_zero, "do: kill W0 signal=TERM", "unknown target `W0`; expected `master` or a worker such as `W1`");
    rejects!(lowercase_worker, "do: busy w1 ms=10", "unknown target `w1`; expected `master` or a worker such as `W1`");
    rejects!(
        busy_too_long,
        "do: busy W1 ms=60001",
        "ms `60001` is out of range; expected a whole number from 1 to 60000"
    );
    rejects!(
        show_something_else,
        "do: show sockets",
        "wrong arguments `show sockets`; expected `show fds TARGET` or `show tree`"
    );

    #[test]
    fn every_verb_the_errors_list_is_known() {
        for verb in DO_VERBS.split(", ") {
            let message = parse_do(verb).err().unwrap_or_default();
            assert!(!message.starts_with("unknown verb"), "{verb}: {message}");
        }
    }

    // ----- expect: -----

    accepts!(expect_same_inode, "expect: same-inode", Directive::Expect(Expect::SameInode));
    accepts!(
        expect_metric,
        "expect: failed == 0",
        Directive::Expect(Expect::Metric { metric: Metric::Failed, op: Op::Eq, value: 0.0 })
    );
    accepts!(
        expect_exited_signal,
        "expect: exited W3 signal=SEGV",
        Directive::Expect(Expect::Exited { target: Target::Worker(3), status: ExitSpec::Signal(Signal::SIGSEGV) })
    );
    accepts!(
        expect_exited_code,
        "expect: exited master code=255",
        Directive::Expect(Expect::Exited { target: Target::Master, status: ExitSpec::Code(255) })
    );

    rejects!(
        unknown_expectation,
        "expect: fairness > 1",
        "unknown expectation `fairness`; expected accounted, same-inode, rolled, lost-only-held, handle-arrived, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `not CONDITION`, `exited TARGET ...`, `TARGET FIELD == VALUE` or `METRIC OP NUMBER` with METRIC one of failed, completed, fired, spread, workers, p50_ms, max_ms, held, restarts, max_delay_ms, messages, fds, rtt_us, cores_used, pids, tids, counter, master_counter"
    );
    rejects!(
        empty_expect,
        "expect:",
        "empty `expect:`; expected accounted, same-inode, `exited TARGET ...` or `METRIC OP NUMBER`"
    );
    rejects!(accounted_with_extra, "expect: accounted 5", "`accounted` takes nothing after it; expected `accounted`");
    rejects!(
        unknown_comparison,
        "expect: spread => 1",
        "unknown comparison `=>`; expected `spread OP NUMBER` with OP one of ==, !=, <, <=, >, >=, e.g. `spread <= 1`"
    );
    rejects!(
        metric_not_a_number,
        "expect: spread <= NaN",
        "invalid number `NaN`; expected `spread OP NUMBER` with OP one of ==, !=, <, <=, >, >=, e.g. `spread <= 1`"
    );
    rejects!(
        metric_without_spaces,
        "expect: completed >",
        "wrong arguments `completed >`; expected `completed OP NUMBER` with OP one of ==, !=, <, <=, >, >=, e.g. `completed <= 1`"
    );
    rejects!(
        exited_code_out_of_range,
        "expect: exited W1 code=256",
        "exit code `256` is out of range; expected a whole number from 0 to 255"
    );
    rejects!(exited_with_both, "expect: exited W1 code=0 signal=KILL", "`exited` takes `signal=` or `code=`, not both");
    rejects!(
        exited_with_neither,
        "expect: exited W1",
        "`exited` needs `signal=` or `code=`; expected `exited TARGET signal=SIG` or `exited TARGET code=N`"
    );

    // ----- the new verbs, expectations and ask -----

    accepts!(crash_segv, "do: crash W2 how=segv", Directive::Crash { target: Target::Worker(2), how: CrashKind::Segv });
    accepts!(respawn_off, "do: respawn off", Directive::Respawn(false));
    accepts!(load, "do: load 500 concurrency=2", Directive::Load { connections: 500, concurrency: 2, keepalive: 1 });
    accepts!(wait_load, "do: wait load", Directive::WaitLoad);
    accepts!(
        send_relay,
        "do: send W1 to W2",
        Directive::Send(SendKind::Relay { from: Target::Worker(1), to: Target::Worker(2) })
    );
    accepts!(send_handle, "do: send handle W1", Directive::Send(SendKind::Handle(Target::Worker(1))));
    accepts!(rolling, "do: restart rolling", Directive::RollingRestart);
    accepts!(
        work_threads,
        "do: work W1 threads=cores ms=500",
        Directive::Work { target: Some(Target::Worker(1)), threads: Some(WorkerCount::Cores), ms: 500 }
    );
    accepts!(work_all, "do: work all ms=500", Directive::Work { target: None, threads: None, ms: 500 });
    accepts!(counter_all, "do: counter all", Directive::Counter { target: None, threads: None });
    accepts!(daemon_fork_again, "do: daemon fork-again", Directive::Daemon(DaemonStep::ForkAgain));
    accepts!(expect_hung, "expect: hung W3", Directive::Expect(Expect::Hung(Target::Worker(3))));
    accepts!(
        expect_metric_cores,
        "expect: pids == cores",
        Directive::Expect(Expect::MetricCores { metric: Metric::Pids, op: Op::Eq })
    );
    accepts!(
        expect_proc,
        "expect: daemon ppid == forklab",
        Directive::Expect(Expect::Proc {
            target: Target::Daemon,
            field: ProcField::Ppid,
            equal: true,
            value: ProcValue::Forklab
        })
    );
    accepts!(expect_not, "expect: not same-inode", Directive::Expect(Expect::Not(Box::new(Expect::SameInode))));
    accepts!(
        ask_two_choices,
        "ask: Will W2 survive? | yes => survived W2 | no => not survived W2",
        Directive::Ask(Ask {
            question: "Will W2 survive?".into(),
            choices: vec![
                Choice { label: "yes".into(), when: Expect::Survived(Target::Worker(2)), text: "survived W2".into() },
                Choice {
                    label: "no".into(),
                    when: Expect::Not(Box::new(Expect::Survived(Target::Worker(2)))),
                    text: "not survived W2".into()
                },
            ],
        })
    );

    rejects!(
        unknown_crash,
        "do: crash W1 how=explode",
        "unknown crash `explode`; expected one of segv, panic, abort, exit, hang, loop, thread-segv"
    );
    rejects!(
        ask_one_choice,
        "ask: Really? | yes => failed == 0",
        "`ask:` has 1 choices; expected 2 to 6, as in `ask: QUESTION | CHOICE => CONDITION | ...`"
    );
    rejects!(
        ask_without_condition,
        "ask: Really? | yes | no",
        "choice `yes` has no `=> CONDITION`; expected `ask: QUESTION | CHOICE => CONDITION | CHOICE => CONDITION ...`"
    );
    rejects!(
        ask_bad_condition,
        "ask: Really? | yes => fairness > 1 | no => failed > 0",
        "in the condition of choice `yes`: unknown expectation `fairness`; expected accounted, same-inode, rolled, lost-only-held, handle-arrived, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `not CONDITION`, `exited TARGET ...`, `TARGET FIELD == VALUE` or `METRIC OP NUMBER` with METRIC one of failed, completed, fired, spread, workers, p50_ms, max_ms, held, restarts, max_delay_ms, messages, fds, rtt_us, cores_used, pids, tids, counter, master_counter"
    );
    rejects!(
        work_longer_than_a_heartbeat_allows,
        "do: work W1 threads=2 ms=3000",
        "ms `3000` is out of range; expected a whole number from 1 to 2000"
    );
    rejects!(
        unknown_daemon_step,
        "do: daemon detach",
        "unknown daemon step `detach`; expected one of fork, setsid, fork-again, umask, chdir, stdio, pidfile, stop"
    );

    // ----- robustness -----

    /// Truncating the good lesson anywhere, dropping any line, or splicing in the characters
    /// the parser looks for, gives an error or a lesson: never a panic.
    #[test]
    fn mangled_lessons_never_panic() {
        let lines: Vec<&str> = ACCEPT.lines().collect();
        for end in 0..=ACCEPT.len() {
            let _ = parse("lessons/accept.md", &ACCEPT.as_bytes()[..end]);
        }
        for skip in 0..lines.len() {
            let text: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, l)| *l).collect();
            let _ = parse("lessons/accept.md", text.join("\n").as_bytes());
        }
        for at in (0..ACCEPT.len()).filter(|at| ACCEPT.is_char_boundary(*at)) {
            for splice in ["<!--", "-->", "```", "## ", "+++\n", "=", "\"", "\u{e9}", "\r", "\n"] {
                let text = format!("{}{splice}{}", &ACCEPT[..at], &ACCEPT[at..]);
                let _ = parse("lessons/accept.md", text.as_bytes());
            }
        }
    }

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

    // ----- loading -----

    #[test]
    fn embedded_lessons_all_parse() {
        let lessons = embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lessons.len(), embedded::EMBEDDED.len());
    }

    #[test]
    fn find_unknown_id_lists_the_lessons_in_order() {
        let mut fork = parse_ok(HEAD);
        fork.id = "fork".into();
        let mut accept = fork.clone();
        accept.id = "accept".into();
        let lessons = [fork, accept];
        assert_eq!(find(&lessons, "accept").map(|l| l.id.as_str()).ok(), Some("accept"));
        let e = find(&lessons, "foo").unwrap_err();
        assert_eq!(e.to_string(), "unknown lesson `foo`; the lessons are: fork, accept");
    }

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("forklab-lesson-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn load_dir_reads_md_files_sorted_by_order() {
        let dir = TempDir::new("sorted");
        let lesson = |id: &str, order: u32| {
            format!("+++\nid = \"{id}\"\ntitle = \"T\"\norder = {order}\nsummary = \"S\"\n+++\n## Step\n")
        };
        std::fs::write(dir.0.join("b.md"), lesson("b", 1)).unwrap();
        std::fs::write(dir.0.join("a.md"), lesson("a", 2)).unwrap();
        std::fs::write(dir.0.join("notes.txt"), "not a lesson").unwrap();
        let ids: Vec<String> = load_dir(&dir.0).unwrap().into_iter().map(|l| l.id).collect();
        assert_eq!(ids, ["b", "a"]);
    }

    #[test]
    fn load_dir_error_names_the_path() {
        let dir = TempDir::new("error");
        std::fs::write(dir.0.join("x.md"), "hello\n").unwrap();
        let e = load_dir(&dir.0).unwrap_err();
        let path = dir.0.join("x.md").display().to_string();
        assert!(e.to_string().starts_with(&format!("{path}:1: expected the file to start")), "{e}");
    }
}

#[cfg(test)]
mod fuzz;
