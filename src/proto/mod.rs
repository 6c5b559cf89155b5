//! The messages that cross the channels: commands go down (app → master → worker), events
//! come up. One JSON object per SOCK_SEQPACKET packet. The same `Event` type is what
//! `--json` prints, so the headless runner, the TUI and the tests all read one stream.

pub mod client;
pub mod mode;

use crate::proto::mode::{Handle, Mode};
use serde::{Deserialize, Serialize};

/// The roles' names: the alias the master and the daemon go by in events, and the `role` an
/// `Event::Spawned` names. In one place, so that what the master emits and what the app
/// matches on cannot drift apart.
pub mod role {
    pub const MASTER: &str = "master";
    pub const WORKER: &str = "worker";
    pub const DAEMON: &str = "daemon";
    pub const CLIENT: &str = "client";
    /// The app itself, when it reports something under its own name.
    pub const APP: &str = "forklab";
}

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
    /// Make a worker die one real way (`segv`, `panic`, `abort`, `exit`, `hang`, `loop`,
    /// `thread-segv`).
    Crash { alias: String, how: String },
    /// Whether the running pool respawns workers that end.
    Respawn { on: bool },
    /// Request and reply with a worker, timed by the master.
    Ping { alias: String },
    /// One message to every worker.
    Broadcast { text: String },
    /// Ask worker `from` to send `text` to worker `to`; the master relays it.
    Relay { from: String, to: String, text: String },
    /// Send the master's listener to a worker in a message (SCM_RIGHTS).
    SendHandle { alias: String },
    /// Replace every worker one at a time, without closing the port.
    RollingRestart,
    /// CPU work: `threads` threads in one worker, or (alias None) one thread in every worker.
    Work { alias: Option<String>, threads: usize, ms: u32 },
    /// A counter shared by `threads` threads of one worker, or (alias None) each worker's copy.
    Counter { alias: Option<String>, threads: u32 },
    /// One step of daemonizing (`fork`, `setsid`, `fork-again`, `umask`, `chdir`, `stdio`,
    /// `pidfile`).
    Daemon { step: String },
    /// Whether the master reaps its children (waitpid). Paused, a dead worker stays a zombie
    /// and SIGCHLD stays pending; resumed, the master reports `Reaped`.
    Reap { on: bool },
    /// What a worker does when its master dies: `signal` (PR_SET_PDEATHSIG), `disconnect`
    /// (exit when the channel closes, as a Node worker does) or `none` (serve on as an orphan).
    ParentDeath { alias: String, how: String },
    /// listen(2) again on the pool's listener with this backlog (the accept queue's length).
    Backlog { n: u32 },
    /// Whether every worker accepts: off, they leave the listener alone and connections wait
    /// in its accept queue. Each worker acknowledges.
    Accept { on: bool },
    /// Measure what a process or a thread costs (`fork`, `pipe-procs`, `cow`, `rss` in the
    /// master; `thread`, `pipe-threads` in worker `alias`), `rounds` times where it repeats.
    Cost { alias: Option<String>, what: String, rounds: u32 },
    /// Every worker drains on SIGTERM, for at most `ms` (see `WorkerCmd::Drain`); each
    /// acknowledges.
    Drain { ms: u32 },
    /// Stop the pool as a supervisor does: SIGTERM to every worker, SIGKILL to those still
    /// running `grace_ms` later.
    Term { grace_ms: u32 },
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
    /// Die this way (see `Cmd::Crash`).
    Crash {
        how: String,
    },
    /// "Are you alive?": an event loop that runs answers with `Event::Heartbeat`.
    Heartbeat,
    /// A request that wants a `Pong` back.
    Ping {
        seq: u64,
    },
    /// A message for this worker; it answers with `Ack`.
    Note {
        from: String,
        text: String,
    },
    /// Send `text` to worker `to` (through the master, the only one with a channel to it).
    Relay {
        to: String,
        text: String,
    },
    /// A handle travels with this message (SCM_RIGHTS); the worker says what it got.
    Handle,
    /// Spin `threads` threads on the CPU for `ms` each, then report `WorkDone`.
    Threads {
        threads: usize,
        ms: u32,
    },
    /// Count: with `threads`, on one counter the threads share; without, on this process's copy.
    Counter {
        threads: Option<u32>,
        add: u64,
    },
    /// What to do when the master dies (see `Cmd::ParentDeath`); `app` is forklab's pid, the
    /// subreaper an orphan is re-parented to. The worker answers with `Ack`.
    ParentDeath {
        how: String,
        app: i32,
    },
    /// Accept from the listener, or leave it alone; answered with `Ack`.
    Accept {
        on: bool,
    },
    /// Measure what a thread costs (`thread`, `pipe-threads`), `rounds` times.
    Cost {
        what: String,
        rounds: u32,
    },
    /// On SIGTERM, drain: stop accepting, close idle connections, finish the others for at
    /// most `ms`, then exit. Answered with `Ack`.
    Drain {
        ms: u32,
    },
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

/// Why the master sends SIGTERM to a worker it is stopping: a code the screen words in its
/// language; on the wire and in `--json` its English sentence (the JSON `why` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopWhy {
    /// A blocking worker sits in accept(2) and reads no channel.
    #[serde(rename = "stopping the pool; a worker blocked in accept(2) reads no stop message")]
    BlockedInAccept,
    /// The worker's channel refused the stop message.
    #[serde(rename = "stopping the pool; its channel did not take the stop message")]
    ChannelRefused,
}

impl StopWhy {
    /// The English sentence, as `--json` carries it (the tests compare the two).
    #[cfg(test)]
    pub fn english(self) -> &'static str {
        match self {
            StopWhy::BlockedInAccept => "stopping the pool; a worker blocked in accept(2) reads no stop message",
            StopWhy::ChannelRefused => "stopping the pool; its channel did not take the stop message",
        }
    }
}

/// What an acknowledgement answers: the app waits on this, not on the words of the ack, which
/// are in the language the roles were started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AckOf {
    /// A note from the master or relayed from another worker.
    Note,
    /// What to do when the master dies (`parent-death`).
    ParentDeath,
    /// Accepting switched on.
    AcceptOn,
    /// Accepting switched off.
    AcceptOff,
    /// SIGTERM will drain (or cannot).
    Drain,
    /// SIGTERM came: the drain began.
    Term,
    /// The drain limit passed: what was open is cut.
    Cut,
    /// The master called listen(2) again with a new backlog.
    Listen,
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
    /// Counters of one worker, as it reported them and as /proc shows it. `accepted` counts
    /// the connections of its slot (W1) across restarts: a worker that dies keeps its count.
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
        /// Why, when the sender is forklab's own master stopping a worker it could not tell.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<StopWhy>,
    },
    /// Something failed; `kind` is stable for programs (e.g. "port_in_use").
    Error {
        alias: String,
        pid: i32,
        kind: String,
        message: String,
    },
    /// A worker was told to crash; `open_conns` are the connections it held then (the socket
    /// fds in its /proc/<pid>/fd besides its channel and listener).
    CrashOrdered {
        alias: String,
        pid: i32,
        how: String,
        open_conns: u64,
    },
    /// A worker missed its heartbeats for `silent_ms`: the master kills it.
    Hung {
        alias: String,
        pid: i32,
        silent_ms: u64,
    },
    /// One message crossed a channel: `bytes` of JSON, with `fds` attached (SCM_RIGHTS).
    /// Reported by the master, which is one end of every channel.
    Message {
        alias: String,
        pid: i32,
        from: String,
        to: String,
        what: String,
        bytes: u64,
        fds: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rtt_us: Option<u64>,
        /// Set when the message is a worker's acknowledgement: what it answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ack: Option<AckOf>,
    },
    /// A worker received a handle: the fd number it got and the socket it is.
    HandleGot {
        alias: String,
        pid: i32,
        fd: i32,
        inode: u64,
    },
    /// Rolling restart: a new worker is ready (its event loop answered).
    WorkerReady {
        alias: String,
        pid: i32,
    },
    /// Rolling restart: the old worker is told to stop, now that `replaced_by` is ready.
    Retiring {
        alias: String,
        pid: i32,
        replaced_by: String,
    },
    /// Rolling restart done: `replaced` workers replaced.
    Rolled {
        alias: String,
        pid: i32,
        replaced: u32,
    },
    /// A worker's threads while it works, from /proc/self/task.
    Threads {
        alias: String,
        pid: i32,
        tids: Vec<i32>,
    },
    /// A worker finished CPU work.
    WorkDone {
        alias: String,
        pid: i32,
        threads: usize,
        ms: u32,
    },
    /// What a process or a thread cost, measured by the process that did it: `figures` by
    /// name (`us_each`, `switches_each`, `private_after_kib`, ...), whole numbers.
    Cost {
        alias: String,
        pid: i32,
        what: String,
        figures: Vec<(String, u64)>,
    },
    /// A counter as one thread (`tid`) or process saw it.
    Counter {
        alias: String,
        pid: i32,
        tid: i32,
        shared: bool,
        value: u64,
    },
    /// The daemon did one step of daemonizing; `detail` says what it did, in the language the
    /// master was started with. `pidfile` is the file the `pidfile` step wrote and locked, for
    /// the app to read (the detail is for people).
    Daemon {
        alias: String,
        pid: i32,
        step: String,
        detail: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pidfile: Option<String>,
    },
    /// Channel-internal (never forwarded by the master): worker → master.
    Heartbeat {
        alias: String,
        pid: i32,
    },
    /// rr mode: the worker took the connection it was handed (Node's `{ accepted: true }`
    /// answer to `newconn`); until it says so, it is handed no other.
    Took {
        alias: String,
        pid: i32,
    },
    Pong {
        alias: String,
        pid: i32,
        seq: u64,
    },
    Ack {
        alias: String,
        pid: i32,
        of: AckOf,
        what: String,
    },
    RelayOut {
        alias: String,
        pid: i32,
        to: String,
        text: String,
    },
    /// Reaping resumed: the SIGCHLD signals the master then read, and the children one loop of
    /// `waitpid(-1, WNOHANG)` collected.
    Reaped {
        alias: String,
        pid: i32,
        signals: u32,
        children: u32,
    },
    /// A worker received a message from the master: what crossed the channel, as the
    /// receiver's recvmsg(2) returned it.
    Received {
        alias: String,
        pid: i32,
        from: String,
        /// The command received (`ping`, `note`, `relay`, `handle`): what the app matches on;
        /// `what` words it for people.
        #[serde(default)]
        cmd: String,
        what: String,
        bytes: u64,
        fds: u32,
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
            | Event::Error { alias, .. }
            | Event::CrashOrdered { alias, .. }
            | Event::Hung { alias, .. }
            | Event::Message { alias, .. }
            | Event::HandleGot { alias, .. }
            | Event::WorkerReady { alias, .. }
            | Event::Retiring { alias, .. }
            | Event::Rolled { alias, .. }
            | Event::Threads { alias, .. }
            | Event::WorkDone { alias, .. }
            | Event::Counter { alias, .. }
            | Event::Cost { alias, .. }
            | Event::Daemon { alias, .. }
            | Event::Heartbeat { alias, .. }
            | Event::Took { alias, .. }
            | Event::Pong { alias, .. }
            | Event::Ack { alias, .. }
            | Event::RelayOut { alias, .. }
            | Event::Reaped { alias, .. }
            | Event::Received { alias, .. } => alias,
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
            | Event::Error { pid, .. }
            | Event::CrashOrdered { pid, .. }
            | Event::Hung { pid, .. }
            | Event::Message { pid, .. }
            | Event::HandleGot { pid, .. }
            | Event::WorkerReady { pid, .. }
            | Event::Retiring { pid, .. }
            | Event::Rolled { pid, .. }
            | Event::Threads { pid, .. }
            | Event::WorkDone { pid, .. }
            | Event::Counter { pid, .. }
            | Event::Cost { pid, .. }
            | Event::Daemon { pid, .. }
            | Event::Heartbeat { pid, .. }
            | Event::Took { pid, .. }
            | Event::Pong { pid, .. }
            | Event::Ack { pid, .. }
            | Event::RelayOut { pid, .. }
            | Event::Reaped { pid, .. }
            | Event::Received { pid, .. } => *pid,
        }
    }

    /// One line for people: `W2 pid 1234  exited: killed by SIGKILL`. What is shown comes from
    /// the catalogue (`lab::words::event_text`, in the language in use); this English original
    /// is what its test holds the English catalogue to.
    #[cfg(test)]
    pub fn text(&self) -> String {
        let who = format!("{:<6} pid {:<7}", self.alias(), self.pid());
        let what = match self {
            Event::Spawned { ppid, role, .. } => format!("started as {role} (ppid {ppid})"),
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
                format!("pool ready: {}, mode {mode}, http://127.0.0.1:{port}/", count(*workers, "worker"))
            }
            Event::PoolStopped { .. } => "pool stopped".to_string(),
            Event::Stats { accepted, requests, empty_wakeups, voluntary_ctxt, .. } => format!(
                "stats: {}, {}, {}, {}",
                count(*accepted, "connection"),
                count(*requests, "request"),
                count(*empty_wakeups, "empty wake-up"),
                count(*voluntary_ctxt, "voluntary context switch")
            ),
            Event::Exited { code, signal, core_dumped, .. } => match (code, signal) {
                (Some(c), _) => format!("exited with code {c}"),
                (None, Some(s)) if *core_dumped => format!("killed by {s} (core dumped)"),
                (None, Some(s)) => format!("killed by {s}"),
                (None, None) => "exited".to_string(),
            },
            Event::Respawning { delay_ms: 0, restarts: 0, .. } => "respawning now".to_string(),
            Event::Respawning { delay_ms, restarts, .. } => {
                format!("respawning in {delay_ms} ms ({} in a row)", count(*restarts, "quick crash"))
            }
            Event::GaveUp { restarts, .. } => {
                format!("crash loop: gave up after {}", count(*restarts, "quick restart"))
            }
            Event::Signaled { signal, by, why: None, .. } => format!("got {signal} from {by}"),
            Event::Signaled { signal, by, why: Some(why), .. } => format!("got {signal} from {by}: {}", why.english()),
            Event::Error { message, .. } => format!("error: {message}"),
            Event::CrashOrdered { how, open_conns, .. } => {
                format!("told to crash ({how}) holding {}", count(*open_conns, "open connection"))
            }
            Event::Hung { silent_ms, .. } => format!("missed heartbeats for {silent_ms} ms: hung, killing it"),
            Event::Message { from, to, what, bytes, fds, rtt_us, .. } => {
                let rtt = rtt_us.map(|us| format!(", round trip {us} µs")).unwrap_or_default();
                format!("message {from} -> {to}: {what}, {}, {}{rtt}", count(*bytes, "byte"), count(*fds, "fd"))
            }
            Event::HandleGot { fd, inode, .. } => format!("got a handle: fd {fd} -> socket:[{inode}]"),
            Event::WorkerReady { .. } => "ready: its event loop answered".to_string(),
            Event::Retiring { replaced_by, .. } => format!("told to stop: {replaced_by} is ready in its place"),
            Event::Rolled { replaced, .. } => format!("rolling restart done: {} replaced", count(*replaced, "worker")),
            Event::Threads { tids, .. } => {
                let tids: Vec<String> = tids.iter().map(|t| t.to_string()).collect();
                format!("{}, TIDs {}", count(tids.len(), "thread"), tids.join(" "))
            }
            Event::WorkDone { threads: 1, ms, .. } => format!("worked {ms} ms on one thread"),
            Event::WorkDone { threads, ms, .. } => format!("worked {ms} ms on each of {threads} threads"),
            Event::Counter { tid, shared, value, .. } => {
                let what = if *shared { "the shared counter" } else { "its own copy of the counter" };
                format!("thread {tid} sees {what} = {value}")
            }
            Event::Daemon { step, detail, .. } => format!("{step}: {detail}"),
            Event::Cost { what, figures, .. } => {
                let figures: Vec<String> = figures.iter().map(|(k, v)| format!("{k} {v}")).collect();
                format!("measured {what}: {}", figures.join(", "))
            }
            Event::Heartbeat { .. } => "heartbeat".to_string(),
            Event::Took { .. } => "took the connection it was handed".to_string(),
            Event::Pong { seq, .. } => format!("pong {seq}"),
            Event::Ack { what, .. } => format!("ack {what}"),
            Event::RelayOut { to, .. } => format!("asks the master to relay a message to {to}"),
            Event::Reaped { signals, children, .. } => {
                let s = if *children == 1 { "" } else { "ren" };
                format!("reaping again: read {signals} SIGCHLD, waitpid collected {children} child{s}")
            }
            Event::Received { what, bytes, fds, .. } => {
                format!("received {what}: {}, {}", count(*bytes, "byte"), count(*fds, "fd"))
            }
        };
        format!("{who} {what}")
    }
}

/// `1 worker`, `2 workers`: the English originals count as the catalogue does.
#[cfg(test)]
fn count<N: TryInto<u64>>(n: N, noun: &str) -> String {
    let n = n.try_into().unwrap_or(u64::MAX);
    let plural = if noun.ends_with("ch") || noun.ends_with("sh") { format!("{noun}es") } else { format!("{noun}s") };
    if n == 1 { format!("1 {noun}") } else { format!("{n} {plural}") }
}
