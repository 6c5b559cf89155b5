//! The transcript: what a run reports, as typed values ([`Report`]). `forklab play` prints
//! each as a line of text or a JSON object ([`Report::text`], [`Report::json`]); the lesson
//! screen draws from the values themselves, so nothing on screen is read back from printed text.

use super::{Fired, Work};
use crate::lab::words::failure_kind;
use crate::lab::{PoolInfo, measure};
use crate::lesson::{Ask, Directive, Lesson, ProcField, Target};
use crate::proto::Event;
use crate::proto::client::ConnRecord;
use crate::sys::procfs::{FdEntry, ProcStatus};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;

#[cfg(test)]
mod zh_tests;

/// One thing that happened in a run.
#[derive(Debug, Clone)]
pub enum Report {
    Header {
        lesson: String,
        title: String,
        intro: String,
        steps: usize,
    },
    Step {
        n: usize,
        of: usize,
        title: String,
        narration: String,
    },
    /// A directive about to run (printed as a lesson writes it).
    Directive(Directive),
    /// A lab event, as it came.
    Event(Event),
    /// A lab event of a measurement's own pools (`compare`): the lesson screen draws them,
    /// the text transcript leaves them out (the comparison's table sums them up).
    Background(Event),
    /// A finished connection of the load client (when the runner streams them).
    Conn(ConnRecord),
    /// What a directive found out, beyond the lab's events.
    Info(Info),
    /// The result of a `fire` or of a `load` collected by `wait load`.
    Fired {
        /// The accept mode's name (`rr`), or the Node program's (`node cluster, sched rr`).
        mode: String,
        fired: Fired,
    },
    /// The runs of a `compare`.
    Compare(Vec<measure::Run>),
    /// An `expect:` checked: the directive as written, whether it held, what was seen.
    Expect {
        text: String,
        passed: bool,
        detail: String,
    },
    /// A prediction question, asked before its step runs (the lesson screen asks it from the
    /// lesson itself, before it sends the step to the engine).
    Question {
        step: usize,
        ask: Ask,
        /// The order the choices are shown in (indices into `ask.choices`, letter a first).
        order: Vec<usize>,
    },
    /// The same question after the step: the index of the choice that really happened, and
    /// what was measured that decided it (`failed is 20`).
    Answer {
        step: usize,
        ask: Ask,
        order: Vec<usize>,
        answer: Option<usize>,
        detail: String,
    },
    /// A step's explanation, printed once it has run (the lesson screen shows it from the
    /// lesson itself).
    Explain {
        step: usize,
        text: String,
    },
    Summary {
        lesson: String,
        steps: usize,
        passed: u32,
        failed: u32,
        error: Option<String>,
    },
}

/// What a directive found out, each kind with the facts it shows.
#[derive(Debug, Clone)]
pub enum Info {
    Pool(PoolInfo),
    /// A background load is flowing: `flowing` connections have finished.
    Load {
        connections: u32,
        concurrency: u32,
        keepalive: u32,
        flowing: usize,
    },
    /// The connections of the last load that failed.
    FailedConns(Vec<ConnRecord>),
    /// Connections a `hold` opened: idle keep-alive ones, and slow requests waiting `ms`.
    Holding {
        idle: u32,
        slow: u32,
        ms: u32,
    },
    /// How the idle connections of the last `hold` ended.
    IdleEnded(super::idle::IdleEnd),
    /// What the last `send` put on the channels.
    Sent {
        messages: usize,
        bytes: u64,
        fds: u32,
        rtt_us: Option<u64>,
    },
    Work(WorkDone),
    /// The daemon stopped by its pidfile and reaped by forklab (`reaper`).
    DaemonStopped {
        pid: i32,
        reaper: i32,
        pidfile_removed: bool,
    },
    /// A process's facts from /proc, in [`ProcField::SHOWN`] order.
    Proc {
        target: Target,
        pid: i32,
        facts: Vec<(ProcField, String)>,
    },
    /// A process's fd table; `shared` names the other processes that hold each socket inode.
    Fds {
        target: Target,
        pid: i32,
        table: Vec<FdEntry>,
        shared: BTreeMap<u64, Vec<String>>,
    },
    /// A built-in Node program as its primary reports it: its PID and its workers' (alias, PID).
    Node {
        program: String,
        sched: String,
        port: u16,
        primary: i32,
        workers: Vec<(String, i32)>,
    },
    /// What the last `connect` got, and the accept queue after it (or after `accept on`).
    Queue {
        established: Option<(u32, u32)>,
        queued: usize,
    },
    /// The sendmsg() calls strace saw the Node master make, each with the fds it passed (or why
    /// strace saw nothing).
    Syscalls {
        pid: i32,
        calls: super::seen::Traced,
    },
    /// A worker died while the master does not reap: /proc shows it in state Z.
    Zombie {
        alias: String,
        pid: i32,
    },
    /// forklab had no controlling terminal: the pseudo-terminal it made itself (`pts/5`), or why
    /// it could not.
    Terminal {
        made: Result<String, String>,
    },
    /// The process tree: forklab, the master, the rest.
    Tree {
        rows: Vec<TreeRow>,
        pids: BTreeMap<String, i32>,
    },
}

/// What the last `work` did, as measured.
#[derive(Debug, Clone)]
pub struct WorkDone {
    /// The processes that worked, (alias, pid).
    pub procs: Vec<(String, i32)>,
    pub tids: Vec<i32>,
    pub cpu_s: f64,
    pub wall_s: f64,
    /// Busy percent of each core meanwhile.
    pub per_core: Vec<f64>,
    pub work: Work,
}

#[derive(Debug, Clone)]
pub struct TreeRow {
    pub alias: String,
    pub pid: i32,
    pub depth: usize,
    pub status: ProcStatus,
}

impl Report {
    /// The report as `forklab play` prints it.
    pub fn text(&self) -> String {
        match self {
            Report::Header { lesson, title, intro, .. } => format!("# {lesson} — {title}\n{}\n", intro.trim()),
            Report::Step { n, of, title, narration } => {
                format!(
                    "\n## {}\n\n{}\n",
                    tr!("step-heading", n = *n, m = *of, title = title.as_str()),
                    narration.trim()
                )
            }
            Report::Directive(d) => format!("> {d}"),
            Report::Event(ev) | Report::Background(ev) => format!("    {}", crate::lab::words::event_text(ev)),
            Report::Conn(c) => match &c.worker {
                Some(w) if c.ok => format!("    {}", tr!("conn-served", conn = c.conn, worker = w, us = c.us)),
                _ => format!("    {}", tr!("conn-failed", conn = c.conn)),
            },
            Report::Info(info) => format!("    {}", info.text()),
            Report::Fired { mode, fired } => format!("    {}", fired_text(mode, fired)),
            Report::Compare(runs) => {
                let columns =
                    if runs.iter().any(|r| r.busy.is_some()) { measure::BUSY_COLUMNS } else { measure::LESSON_COLUMNS };
                format!("    {}", measure::table(runs, columns).join("\n      "))
            }
            Report::Expect { text, passed, detail } => {
                let mark = if *passed { "ok  " } else { "FAIL" };
                format!("    {mark} {text}{}", tr!("expect-detail", detail = detail))
            }
            Report::Question { ask, order, .. } => {
                // `choices` keeps the file's order; `order` lists their indices in the order shown.
                let mut text = format!("    ? {}", ask.question);
                for (k, &i) in order.iter().enumerate() {
                    text += &format!("\n      {}) {}", Ask::letter(k), ask.choices[i].label);
                }
                text
            }
            Report::Answer { ask, order, answer, detail, .. } => {
                let text = match answer {
                    Some(i) => format!("    = {} {}  ({detail})", Ask::letter_in(order, *i), ask.choices[*i].label),
                    None => format!("    = {}  ({detail})", tr!("no-choice-happened")),
                };
                format!("    ? {}\n{text}", ask.question)
            }
            Report::Explain { text, .. } => format!("\n{}\n", text.trim()),
            Report::Summary { lesson, steps, passed, failed, error } => match error {
                Some(e) => format!("\n{lesson}: {}", tr!("summary-error", error = e)),
                None => format!("\n{lesson}: {}", tr!("summary", steps = *steps, passed = *passed, failed = *failed)),
            },
        }
    }

    /// The report as `forklab play --json` prints it: one object, its kind under "event".
    pub fn json(&self) -> serde_json::Value {
        match self {
            Report::Header { lesson, title, steps, .. } => {
                json!({"event": "lesson", "lesson": lesson, "title": title, "steps": steps})
            }
            Report::Step { n, of, title, .. } => json!({"event": "step", "n": n, "of": of, "title": title}),
            Report::Directive(d) => json!({"event": "directive", "text": d.to_string()}),
            Report::Event(ev) | Report::Background(ev) => serde_json::to_value(ev).unwrap_or_default(),
            Report::Conn(c) => serde_json::to_value(c).unwrap_or_default(),
            Report::Info(info) => info.json(),
            Report::Fired { mode, fired } => {
                let s = &fired.summary;
                json!({"event": "fired", "mode": mode, "fired": s.fired, "completed": s.completed, "failed": s.failed,
                       "per_worker": fired.per_worker, "accepted_by_workers": fired.accepted, "conn_per_s": s.conn_per_s,
                       "p50_ms": s.p50_ms, "p99_ms": s.p99_ms, "errors": s.errors, "kept_alive": s.kept_alive,
                       "switched": s.switched, "visits": s.visits})
            }
            Report::Compare(runs) => json!({"event": "compare", "runs": runs}),
            Report::Expect { text, passed, detail } => {
                json!({"event": "expect", "text": text, "passed": passed, "detail": detail})
            }
            Report::Question { step, ask, order } => {
                json!({"event": "question", "step": step, "question": ask.question, "choices": labels(ask),
                       "order": order})
            }
            Report::Answer { step, ask, order, answer, detail } => {
                let labels = labels(ask);
                let conditions: Vec<&str> = ask.choices.iter().map(|c| c.text.as_str()).collect();
                json!({"event": "ask", "step": step, "question": ask.question, "choices": labels,
                       "conditions": conditions, "answer": answer, "answer_label": answer.map(|i| labels[i]),
                       "answer_letter": answer.map(|i| Ask::letter_in(order, i).to_string()), "order": order,
                       "detail": detail})
            }
            Report::Explain { step, text } => json!({"event": "explain", "step": step, "text": text}),
            Report::Summary { lesson, steps, passed, failed, error } => {
                let mut obj = json!({"event": "summary", "lesson": lesson, "steps": steps,
                                     "expects_passed": passed, "expects_failed": failed});
                if let Some(e) = error {
                    obj["error"] = json!(e);
                }
                obj
            }
        }
    }
}

fn labels(ask: &Ask) -> Vec<&str> {
    ask.choices.iter().map(|c| c.label.as_str()).collect()
}

fn fired_text(mode: &str, f: &Fired) -> String {
    let s = &f.summary;
    let widest = f.per_worker.values().max().copied().unwrap_or(0).max(1);
    let mut text = tr!(
        "fired",
        fired = s.fired,
        mode = mode,
        completed = s.completed,
        failed = s.failed,
        rate = format!("{:.0}", s.conn_per_s)
    );
    // A fire at a Node program measures no latencies (lab/fire.rs attributes, it does not time).
    if s.p50_ms > 0.0 || s.p99_ms > 0.0 {
        text += &tr!("fired-latency", p50 = format!("{:.2}", s.p50_ms), p99 = format!("{:.2}", s.p99_ms));
    }
    if !s.errors.is_empty() {
        let kinds: Vec<String> =
            s.errors.iter().map(|(k, n)| tr!("fired-error-kind", n = *n, kind = failure_kind(k))).collect();
        text += &tr!("fired-errors", kinds = crate::i18n::list(&kinds));
    }
    for (alias, n) in &f.per_worker {
        let bar = "█".repeat((n * 30 / widest) as usize);
        text += &format!("\n      {alias:<4} {n:>6}  {bar}");
    }
    text
}

impl Info {
    /// The text `forklab play` prints (after its indent).
    pub fn text(&self) -> String {
        match self {
            Info::Pool(p) => {
                tr!("info-pool", workers = p.workers, mode = p.mode.to_string(), port = p.port)
            }
            Info::Load { connections, concurrency, flowing, .. } => {
                tr!("info-load", connections = *connections, concurrency = *concurrency, flowing = *flowing)
            }
            Info::FailedConns(conns) => tr!("info-failed-conns", list = crate::i18n::list(&failed_list(conns))),
            Info::Holding { idle, slow, ms } => {
                tr!("info-holding", idle = *idle, slow = *slow, ms = *ms)
            }
            Info::IdleEnded(e) => tr!("info-idle-ended", graceful = e.graceful, reset = e.reset, open = e.open),
            Info::Sent { messages, bytes, fds, .. } => {
                tr!("info-sent", messages = *messages, bytes = *bytes, fds = *fds)
            }
            Info::Work(w) => {
                let names: Vec<String> = w.procs.iter().map(|(a, p)| format!("{a} pid {p}")).collect();
                let tids: Vec<String> = w.tids.iter().map(|t| t.to_string()).collect();
                tr!(
                    "info-work",
                    names = crate::i18n::list(&names),
                    threads = w.tids.len(),
                    tids = tids.join(" "),
                    cpu = format!("{:.2}", w.cpu_s),
                    wall = format!("{:.2}", w.wall_s),
                    cores = format!("{:.2}", w.work.cores_used),
                    per_core = per_core(&w.per_core).join(" ")
                )
            }
            Info::DaemonStopped { reaper, pidfile_removed, .. } => {
                let pidfile = if *pidfile_removed { tr!("pidfile-removed") } else { tr!("pidfile-still-there") };
                tr!("info-daemon-stopped", reaper = *reaper, pidfile = pidfile)
            }
            Info::Proc { target, pid, facts } => {
                let fact = |field: ProcField| {
                    facts.iter().find(|(f, _)| *f == field).map_or("", |(_, v)| v.as_str()).to_string()
                };
                use ProcField::*;
                format!(
                    "{target} pid {pid}  ppid {}  pgid {}  sid {}  tty {}  umask {}\n    cwd {}  fd0 {}  fd1 {}  fd2 {}",
                    fact(Ppid),
                    fact(Pgid),
                    fact(Sid),
                    fact(Tty),
                    fact(Umask),
                    fact(Cwd),
                    fact(Fd0),
                    fact(Fd1),
                    fact(Fd2)
                )
            }
            Info::Fds { target, pid, table, shared } => {
                let lines: Vec<String> = table
                    .iter()
                    .map(|e| {
                        let also = e
                            .socket_inode()
                            .and_then(|i| shared.get(&i))
                            .map(|v| format!("   {}", tr!("info-also-held-by", holders = crate::i18n::list(v))))
                            .unwrap_or_default();
                        format!("fd {:<3} -> {}{also}", e.fd, e.target)
                    })
                    .collect();
                format!("{}\n    {}", tr!("info-fds", pid = *pid, target = target.to_string()), lines.join("\n    "))
            }
            Info::Node { program, sched, port, primary, workers } => {
                let workers: Vec<String> = workers.iter().map(|(a, p)| format!("{a} pid {p}")).collect();
                // The study note's master.js has no scheduling policy: it reports none.
                let key = if sched.is_empty() { "info-node-unscheduled" } else { "info-node" };
                tr!(
                    key,
                    program = program.as_str(),
                    sched = sched.to_string(),
                    port = *port,
                    primary = *primary,
                    workers = crate::i18n::list(&workers)
                )
            }
            Info::Queue { established: Some((done, timed_out)), queued } => {
                tr!("info-queue-handshakes", done = *done, timed_out = *timed_out, queued = *queued)
            }
            Info::Queue { established: None, queued } => tr!("info-queue", queued = *queued),
            Info::Syscalls { pid, calls: Err(why) } => tr!("info-syscalls-none", pid = *pid, why = why.as_str()),
            Info::Syscalls { pid, calls: Ok(calls) } => {
                let lines: Vec<String> = (calls.iter())
                    .map(|(fd, passed)| match passed.is_empty() {
                        true => format!("sendmsg({fd}, ...)"),
                        false => format!("sendmsg({fd}, ...) SCM_RIGHTS [{}]", passed.join(", ")),
                    })
                    .collect();
                format!("{}\n    {}", tr!("info-syscalls", pid = *pid), lines.join("\n    "))
            }
            Info::Zombie { alias, pid } => {
                tr!("info-zombie", alias = alias.as_str(), pid = *pid)
            }
            Info::Terminal { made: Ok(tty) } => tr!("info-terminal-made", tty = tty.as_str()),
            Info::Terminal { made: Err(why) } => tr!("info-terminal-not-made", why = why.as_str()),
            Info::Tree { rows, .. } => {
                let rows: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let st = &r.status;
                        format!(
                            "{}{:<8} pid {:<7} ppid {:<7} pgid {:<7} sid {:<7} state {} threads {}",
                            "  ".repeat(r.depth),
                            r.alias,
                            r.pid,
                            st.ppid,
                            st.pgid,
                            st.sid,
                            st.state,
                            st.threads
                        )
                    })
                    .collect();
                format!("{}\n    {}", tr!("info-tree"), rows.join("\n    "))
            }
        }
    }

    pub fn json(&self) -> serde_json::Value {
        match self {
            Info::Pool(p) => json!({"event": "pool", "mode": p.mode, "workers": p.workers, "port": p.port}),
            Info::Node { program, sched, port, primary, workers } => {
                let workers: BTreeMap<&String, &i32> = workers.iter().map(|(a, p)| (a, p)).collect();
                json!({"event": "node", "program": program, "sched": sched, "port": port, "primary": primary, "workers": workers})
            }
            Info::Load { connections, concurrency, keepalive, .. } => {
                json!({"event": "load", "connections": connections, "concurrency": concurrency, "keepalive": keepalive})
            }
            Info::FailedConns(conns) => json!({"event": "failed_conns", "conns": failed_list(conns)}),
            Info::Holding { idle, slow, ms } => json!({"event": "holding", "idle": idle, "slow": slow, "ms": ms}),
            Info::IdleEnded(e) => {
                json!({"event": "idle_ended", "closed": e.graceful, "reset": e.reset, "open": e.open})
            }
            Info::Sent { messages, bytes, fds, rtt_us } => {
                json!({"event": "sent", "messages": messages, "bytes": bytes, "fds": fds, "rtt_us": rtt_us})
            }
            Info::Work(w) => {
                json!({"event": "work", "pids": w.procs.iter().map(|(_, p)| *p).collect::<Vec<_>>(), "tids": w.tids,
                       "cpu_s": w.cpu_s, "wall_s": w.wall_s, "cores_used": w.work.cores_used,
                       "per_core": per_core(&w.per_core), "others_cores": w.work.others})
            }
            Info::DaemonStopped { pid, pidfile_removed, .. } => {
                json!({"event": "daemon_stopped", "pid": pid, "pidfile_removed": pidfile_removed})
            }
            Info::Proc { target, pid, facts } => {
                let mut obj = json!({"event": "proc", "alias": target.to_string(), "pid": pid});
                for (field, value) in facts {
                    obj[field.name()] = json!(value);
                }
                obj
            }
            Info::Fds { target, pid, table, .. } => {
                json!({"event": "fds", "alias": target.to_string(), "pid": pid, "fds": table})
            }
            Info::Tree { pids, .. } => json!({"event": "tree", "pids": pids}),
            Info::Syscalls { pid, calls } => match calls {
                Ok(calls) => json!({"event": "syscalls", "pid": pid, "sendmsg": calls.iter()
                    .map(|(fd, passed)| json!({"fd": fd, "passed": passed})).collect::<Vec<_>>()}),
                Err(why) => json!({"event": "syscalls", "pid": pid, "unseen": why}),
            },
            Info::Zombie { alias, pid } => json!({"event": "zombie", "alias": alias, "pid": pid}),
            Info::Terminal { made } => match made {
                Ok(tty) => json!({"event": "terminal", "tty": tty}),
                Err(why) => json!({"event": "terminal", "tty": null, "error": why}),
            },
            Info::Queue { established, queued } => json!({"event": "queue",
                "established": established.map(|e| e.0), "timed_out": established.map(|e| e.1), "queued": queued}),
        }
    }
}

/// `#12 reset (last served by W2)`: a failed connection, and who served it last.
fn failed_list(conns: &[ConnRecord]) -> Vec<String> {
    conns
        .iter()
        .map(|c| {
            let kind = failure_kind(c.error.map(|e| e.as_str()).unwrap_or("?"));
            match &c.worker {
                Some(w) => tr!("failed-conn-by", conn = c.conn, kind = kind, by = tr!("last-served-by", worker = w)),
                None => tr!("failed-conn", conn = c.conn, kind = kind),
            }
        })
        .collect()
}

fn per_core(pcts: &[f64]) -> Vec<String> {
    pcts.iter().enumerate().map(|(i, pct)| format!("cpu{i} {pct:.0}%")).collect()
}

/// Where a run's reports go: printed (text or JSON) by `play`, or sent to the lesson screen.
pub struct Transcript {
    sink: Box<dyn FnMut(Report) + Send>,
    /// The step being run (1-based), for the question objects.
    step: usize,
    pub passed: u32,
    pub failed: u32,
    /// Set by the stdout sink when a write finds the reader gone (EPIPE: `play x | head -1`).
    closed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Transcript {
    pub fn new(sink: Box<dyn FnMut(Report) + Send>) -> Transcript {
        Transcript { sink, step: 0, passed: 0, failed: 0, closed: Default::default() }
    }

    /// Whether stdout's reader has gone: the rest of the run would be written to no one.
    pub fn stdout_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Print each report to stdout, as text or as one JSON object.
    pub fn stdout(json: bool) -> Transcript {
        let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen_closed = closed.clone();
        let mut out = Transcript::new(Box::new(move |report: Report| {
            let quiet = !json
                && matches!(
                    &report,
                    Report::Event(Event::Accepted { .. } | Event::Stats { .. })
                        | Report::Conn(_)
                        | Report::Background(_)
                );
            if quiet {
                // Accepts and counters are summed up by `fire`; the rest is the story.
                return;
            }
            let mut o = std::io::stdout().lock();
            // Text quotes the lesson file and the processes: cleaned (JSON escapes by itself).
            let written = if json {
                writeln!(o, "{}", report.json())
            } else {
                writeln!(o, "{}", crate::sys::term::clean(&report.text()))
            };
            if written.is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
                seen_closed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }));
        out.closed = closed;
        out
    }

    fn emit(&mut self, report: Report) {
        (self.sink)(report);
    }

    pub fn header(&mut self, l: &Lesson) {
        self.emit(Report::Header {
            lesson: l.id.clone(),
            title: l.title.clone(),
            intro: l.intro.clone(),
            steps: l.steps.len(),
        });
    }

    pub fn step(&mut self, n: usize, of: usize, title: &str, narration: &str) {
        self.step = n;
        self.emit(Report::Step { n, of, title: title.to_string(), narration: narration.to_string() });
    }

    pub(super) fn directive(&mut self, d: &Directive) {
        self.emit(Report::Directive(d.clone()));
    }

    pub fn background(&mut self, ev: &Event) {
        if matches!(ev, Event::Stats { .. }) {
            return;
        }
        self.emit(Report::Background(ev.clone()));
    }

    pub fn event(&mut self, ev: &Event) {
        self.emit(Report::Event(ev.clone()));
    }

    pub(super) fn conn(&mut self, c: ConnRecord) {
        self.emit(Report::Conn(c));
    }

    pub(super) fn info(&mut self, info: Info) {
        self.emit(Report::Info(info));
    }

    pub(super) fn fired(&mut self, mode: &str, fired: &Fired) {
        self.emit(Report::Fired { mode: mode.to_string(), fired: fired.clone() });
    }

    pub(super) fn compare(&mut self, runs: &[measure::Run]) {
        self.emit(Report::Compare(runs.to_vec()));
    }

    pub(super) fn expect(&mut self, text: String, passed: bool, detail: String) {
        if passed {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        self.emit(Report::Expect { text, passed, detail });
    }

    pub(super) fn question(&mut self, ask: &Ask, order: &[usize]) {
        self.emit(Report::Question { step: self.step, ask: ask.clone(), order: order.to_vec() });
    }

    pub(super) fn answer(&mut self, step: usize, ask: &Ask, order: Vec<usize>, answer: Option<usize>, detail: String) {
        self.emit(Report::Answer { step, ask: ask.clone(), order, answer, detail });
    }

    /// What the step showed, explained: the text under the step's `<!-- reveal -->`.
    pub fn explain(&mut self, step: usize, text: &str) {
        self.emit(Report::Explain { step, text: text.to_string() });
    }

    pub fn summary(&mut self, l: &Lesson, error: Option<&anyhow::Error>) {
        self.emit(Report::Summary {
            lesson: l.id.clone(),
            steps: l.steps.len(),
            passed: self.passed,
            failed: self.failed,
            error: error.map(|e| format!("{e:#}")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Report;

    /// What a check saw, as `forklab play` prints it and as `--json` gives it: as written,
    /// backticks and all (play's transcript prints the narration's code so too); only the lesson
    /// screen draws the code as code (ui::codespan).
    #[test]
    fn play_prints_a_check_s_detail_as_written_in_text_and_json() {
        let detail = "daemon tty is none, == none; it was pts/0 before `setsid`: it lost its controlling terminal";
        let report = Report::Expect { text: "expect: daemon tty == none".into(), passed: true, detail: detail.into() };
        assert_eq!(report.text(), format!("    ok   expect: daemon tty == none  ({detail})"));
        let json = report.json();
        assert_eq!(json["detail"], detail);
        assert_eq!((json["event"].as_str(), json["passed"].as_bool()), (Some("expect"), Some(true)));
    }
}
