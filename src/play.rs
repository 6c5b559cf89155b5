//! `forklab play`: run a lesson's steps headless against real processes and print the
//! transcript. Each directive does what it says to the lab; each `expect` is checked against
//! what the processes and the kernel report, never against what forklab meant to do.

use crate::bench;
use crate::client::{ClientArgs, ClientSummary, ConnRecord};
use crate::lab::{Client, Lab, PoolInfo};
use crate::lesson::{self, Directive, ExitSpec, Expect, Lesson, Metric, Target};
use crate::mode::{Handle, Mode};
use crate::procfs;
use crate::proto::{Cmd, Event, HowListening};
use anyhow::{Context, Result, anyhow};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

/// The lessons: the ones built in, or those in `dir`.
pub fn lessons(dir: Option<&Path>) -> Result<Vec<Lesson>> {
    match dir {
        Some(d) => lesson::load_dir(d),
        None => Ok(lesson::embedded()?),
    }
}

pub fn run(dir: Option<&Path>, id: &str, json: bool) -> Result<ExitCode> {
    let all = lessons(dir)?;
    let lesson = lesson::find(&all, id)?;
    let quit = crate::reaper::quit_signals();
    let mut out = Transcript::stdout(json);
    out.header(lesson);
    let mut runner = Runner::new(lesson, Lab::start(Stdio::inherit())?);
    let mut result = Ok(());
    for (i, step) in lesson.steps.iter().enumerate() {
        out.step(i + 1, lesson.steps.len(), &step.title, &step.narration);
        crate::panic_if_asked(&format!("step:{}", i + 1));
        for d in &step.directives {
            if let Ok(sig) = quit.try_recv() {
                result = Err(anyhow!("stopped by {}", sig.as_str()));
                break;
            }
            if let Err(e) = runner.apply(&d.item, &d.text, &mut out) {
                result = Err(e.context(format!("{}:{}: `{}`", lesson.file, d.line, d.text)));
                break;
            }
        }
        if result.is_err() {
            break;
        }
    }
    runner.lab.shutdown(&mut |ev| out.event(ev))?;
    out.summary(lesson, result.as_ref().err());
    result?;
    Ok(if out.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// What the lab has shown so far, gathered from its events.
#[derive(Default)]
pub struct Seen {
    /// Live processes by alias ("master", "W1", ...).
    pub pids: BTreeMap<String, i32>,
    /// The latest listener report of each process in the current pool.
    pub listeners: BTreeMap<String, (i32, i32, u64, HowListening)>,
    /// The latest exit of each alias.
    pub exits: BTreeMap<String, Event>,
}

impl Seen {
    pub fn observe(&mut self, ev: &Event) {
        match ev {
            Event::Spawned { alias, pid, .. } => {
                self.pids.insert(alias.clone(), *pid);
            }
            Event::Listening { alias, pid, fd, inode, how, .. } => {
                self.listeners.insert(alias.clone(), (*pid, *fd, *inode, *how));
            }
            Event::Exited { alias, pid, .. } => {
                if self.pids.get(alias) == Some(pid) {
                    self.pids.remove(alias);
                    self.listeners.remove(alias);
                }
                self.exits.insert(alias.clone(), ev.clone());
            }
            _ => {}
        }
    }
}

/// The result of the last `fire`.
pub struct Fired {
    pub summary: ClientSummary,
    pub per_worker: BTreeMap<String, u64>,
    /// Connections the workers themselves counted during the fire.
    pub accepted: u64,
}

/// Runs directives against a lab. The TUI drives the same runner.
pub struct Runner {
    pub lab: Lab,
    pub seen: Seen,
    pub last_fire: Option<Fired>,
    port: u16,
    handle: Handle,
    workers: usize,
    /// Report every finished connection of `fire` (the TUI's recent-connections list).
    pub stream_conns: bool,
}

impl Runner {
    pub fn new(lesson: &Lesson, lab: Lab) -> Runner {
        let workers = lesson.setup.workers.map(|w| w.resolve()).unwrap_or(4);
        Runner {
            lab,
            seen: Seen::default(),
            last_fire: None,
            port: lesson.setup.port.unwrap_or(0),
            handle: Handle::Inherit,
            workers,
            stream_conns: false,
        }
    }

    fn pool(&self) -> Result<PoolInfo> {
        self.lab.pool.clone().context("no pool is running; a `do: spawn` must come first")
    }

    fn start(&mut self, mode: Mode, workers: usize, handle: Handle, out: &mut Transcript) -> Result<PoolInfo> {
        // A new pool: forget the old one's listeners and workers.
        self.seen.listeners.clear();
        self.seen.pids.retain(|a, _| a == "master");
        let seen = &mut self.seen;
        let info = self.lab.start_pool(mode, workers, self.port, handle, &mut |ev| {
            seen.observe(ev);
            out.event(ev);
        })?;
        self.port = info.port;
        self.handle = handle;
        self.workers = workers;
        out.info(
            &format!("pool ready: {} workers in {} mode on http://127.0.0.1:{}/", info.workers, info.mode, info.port),
            json!({"event": "pool", "mode": info.mode, "workers": info.workers, "port": info.port}),
        );
        Ok(info)
    }

    pub fn apply(&mut self, d: &Directive, text: &str, out: &mut Transcript) -> Result<()> {
        out.directive(text);
        match d {
            Directive::Spawn { workers, mode, handle } => {
                self.start(*mode, workers.resolve(), *handle, out)?;
            }
            Directive::SetMode(mode) => {
                let workers = self.lab.pool.as_ref().map(|p| p.workers).unwrap_or(self.workers);
                self.start(*mode, workers, self.handle, out)?;
            }
            Directive::Scale(n) => self.scale(n.resolve(), out)?,
            Directive::Stop => {
                self.lab.send(&Cmd::Stop)?;
                let seen = &mut self.seen;
                self.lab.wait_for(
                    Duration::from_secs(10),
                    &mut |ev| {
                        seen.observe(ev);
                        out.event(ev);
                    },
                    |ev| matches!(ev, Event::PoolStopped { .. }).then_some(Ok(())),
                )?;
                self.lab.pool = None;
            }
            Directive::Fire { connections, concurrency, keepalive } => {
                self.fire(*connections, *concurrency, *keepalive, out)?;
            }
            Directive::Compare { modes, connections, concurrency, runs } => {
                self.compare(modes, *connections, *concurrency, *runs, out)?
            }
            Directive::Kill { target, signal } => self.kill(target, *signal, out)?,
            Directive::Busy { target, ms } => {
                self.lab.send(&Cmd::Busy { alias: target.to_string(), ms: *ms })?;
            }
            Directive::ShowFds(target) => self.show_fds(target, out)?,
            Directive::ShowTree => self.show_tree(out),
            Directive::Expect(e) => {
                let (passed, detail) = self.check(e);
                out.expect(text, passed, &detail);
            }
        }
        Ok(())
    }

    fn scale(&mut self, workers: usize, out: &mut Transcript) -> Result<()> {
        self.lab.send(&Cmd::Scale { workers })?;
        let seen = &mut self.seen;
        let info = self.lab.wait_for(
            Duration::from_secs(15),
            &mut |ev| {
                seen.observe(ev);
                out.event(ev);
            },
            |ev| match ev {
                Event::PoolReady { mode, port, workers, .. } => {
                    Some(Ok(PoolInfo { mode: *mode, port: *port, workers: *workers }))
                }
                _ => None,
            },
        )?;
        self.workers = workers;
        self.lab.pool = Some(info);
        Ok(())
    }

    fn accepted_total(&mut self, out: &mut Transcript) -> Result<u64> {
        let seen = &mut self.seen;
        let stats = self.lab.stats(&mut |ev| {
            seen.observe(ev);
            out.event(ev);
        })?;
        Ok(stats.iter().map(|s| if let Event::Stats { accepted, .. } = s { *accepted } else { 0 }).sum())
    }

    fn fire(&mut self, connections: u32, concurrency: u32, keepalive: u32, out: &mut Transcript) -> Result<()> {
        let pool = self.pool()?;
        let before = self.accepted_total(out)?;
        let stream = self.stream_conns;
        let args = ClientArgs { port: pool.port, connections, concurrency, keepalive, timeout_ms: 5000, stream };
        let summary = Client::start(&args)?.finish(Duration::from_secs(120), &mut |c| out.conn(c))?;
        // Workers report their counters every 20 ms at most: wait until they cover the fire.
        let mut accepted = 0;
        for _ in 0..50 {
            accepted = self.accepted_total(out)?.saturating_sub(before);
            if accepted >= summary.completed {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut per_worker: BTreeMap<String, u64> =
            self.seen.pids.keys().filter(|a| a.starts_with('W')).map(|a| (a.clone(), 0)).collect();
        for (alias, n) in &summary.per_worker {
            *per_worker.entry(alias.clone()).or_insert(0) += n;
        }
        out.fired(&pool, &summary, &per_worker, accepted);
        self.last_fire = Some(Fired { summary, per_worker, accepted });
        Ok(())
    }

    fn compare(
        &mut self,
        modes: &[Mode],
        connections: u32,
        concurrency: u32,
        runs: u32,
        out: &mut Transcript,
    ) -> Result<()> {
        let workers = self.lab.pool.as_ref().map(|p| p.workers).unwrap_or(self.workers);
        let mut table = Vec::new();
        for _ in 0..runs {
            for &mode in modes {
                let args =
                    ClientArgs { port: 0, connections, concurrency, keepalive: 1, timeout_ms: 5000, stream: false };
                self.seen.listeners.clear();
                let seen = &mut self.seen;
                let run = bench::measure(&mut self.lab, mode, workers, args, &mut |ev| {
                    seen.observe(ev);
                    out.background(ev);
                })?;
                table.push(run);
            }
        }
        out.compare(&table);
        // The pool is left in the last mode compared.
        if let Some(last) = table.last() {
            self.lab.pool =
                Some(PoolInfo { mode: last.mode, port: self.lab.pool.as_ref().map(|p| p.port).unwrap_or(0), workers });
        }
        Ok(())
    }

    fn kill(&mut self, target: &Target, signal: nix::sys::signal::Signal, out: &mut Transcript) -> Result<()> {
        let alias = target.to_string();
        let pid = *self.seen.pids.get(&alias).with_context(|| format!("no live process `{alias}` to signal"))?;
        self.lab.send(&Cmd::Kill { alias: alias.clone(), signal: signal.as_str().into() })?;
        use nix::sys::signal::Signal::*;
        // Wait for the end of a process the signal kills by default; the others go on.
        if matches!(signal, SIGTERM | SIGKILL | SIGSEGV | SIGINT | SIGHUP | SIGABRT | SIGUSR1) {
            let seen = &mut self.seen;
            self.lab.wait_for(
                Duration::from_secs(10),
                &mut |ev| {
                    seen.observe(ev);
                    out.event(ev);
                },
                |ev| matches!(ev, Event::Exited { pid: p, .. } if *p == pid).then_some(Ok(())),
            )?;
        }
        Ok(())
    }

    fn pid_of(&self, target: &Target) -> Result<i32> {
        let alias = target.to_string();
        self.seen.pids.get(&alias).copied().with_context(|| format!("no live process `{alias}`"))
    }

    fn show_fds(&self, target: &Target, out: &mut Transcript) -> Result<()> {
        let pid = self.pid_of(target)?;
        let table = procfs::fd_table(pid)?;
        // Inodes that another forklab process also holds: one socket under several fds.
        let mut shared: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (alias, p) in &self.seen.pids {
            if *p == pid {
                continue;
            }
            for e in procfs::fd_table(*p).unwrap_or_default() {
                if let Some(inode) = e.socket_inode() {
                    shared.entry(inode).or_default().push(format!("{alias} fd {}", e.fd));
                }
            }
        }
        let mut lines = Vec::new();
        for e in &table {
            let also = e
                .socket_inode()
                .and_then(|i| shared.get(&i))
                .map(|v| format!("   also held by {}", v.join(", ")))
                .unwrap_or_default();
            lines.push(format!("fd {:<3} -> {}{also}", e.fd, e.target));
        }
        out.info(
            &format!("/proc/{pid}/fd of {target}:\n    {}", lines.join("\n    ")),
            json!({"event": "fds", "alias": target.to_string(), "pid": pid, "fds": table}),
        );
        Ok(())
    }

    fn show_tree(&self, out: &mut Transcript) {
        let me = std::process::id() as i32;
        let mut rows = vec![row("forklab", me, 0)];
        for (alias, pid) in &self.seen.pids {
            let depth = if alias == "master" { 1 } else { 2 };
            rows.push(row(alias, *pid, depth));
        }
        out.info(
            &format!("process tree:\n    {}", rows.join("\n    ")),
            json!({"event": "tree", "pids": self.seen.pids}),
        );

        fn row(alias: &str, pid: i32, depth: usize) -> String {
            let st = procfs::status(pid).unwrap_or_default();
            format!(
                "{}{alias:<8} pid {pid:<7} ppid {:<7} pgid {:<7} sid {:<7} state {} threads {}",
                "  ".repeat(depth),
                st.ppid,
                st.pgid,
                st.sid,
                st.state,
                st.threads
            )
        }
    }

    /// Check an expectation against what the processes report. Returns (held, what was seen).
    pub fn check(&self, e: &Expect) -> (bool, String) {
        match e {
            Expect::Accounted => match &self.last_fire {
                None => (false, "no connections were fired yet".into()),
                Some(f) => {
                    let s = &f.summary;
                    let by_worker: u64 = f.per_worker.values().sum();
                    let ok = s.completed + s.failed == s.fired && by_worker == s.completed && f.accepted >= s.completed;
                    (
                        ok,
                        format!(
                            "fired {}, completed {}, failed {}; replies by worker add up to {}; workers counted {} accepts",
                            s.fired, s.completed, s.failed, by_worker, f.accepted
                        ),
                    )
                }
            },
            Expect::SameInode => self.same_inode(),
            Expect::Metric { metric, op, value } => match self.metric(*metric) {
                Some(v) => (op.holds(v, *value), format!("{metric} is {v}")),
                None => (false, format!("{metric} is not known yet")),
            },
            Expect::Exited { target, status } => {
                let alias = target.to_string();
                match self.seen.exits.get(&alias) {
                    Some(Event::Exited { code, signal, .. }) => {
                        let ok = match status {
                            ExitSpec::Code(c) => *code == Some(*c),
                            ExitSpec::Signal(s) => signal.as_deref() == Some(s.as_str()),
                        };
                        let seen = match (code, signal) {
                            (Some(c), _) => format!("{alias} exited with code {c}"),
                            (_, Some(s)) => format!("{alias} was killed by {s}"),
                            _ => format!("{alias} ended"),
                        };
                        (ok, seen)
                    }
                    _ => (false, format!("{alias} has not exited")),
                }
            }
        }
    }

    /// Every process of the pool that holds the listener holds the same socket, checked in
    /// /proc now, not only as reported.
    fn same_inode(&self) -> (bool, String) {
        if self.seen.listeners.is_empty() {
            return (false, "no process reported a listener".into());
        }
        let mut inodes = Vec::new();
        for (alias, (pid, fd, _, _)) in &self.seen.listeners {
            let live = procfs::socket_inode(*pid, *fd);
            inodes
                .push(format!("{alias} fd {fd} -> {}", live.map(|i| format!("socket:[{i}]")).unwrap_or("gone".into())));
            if live.is_none() {
                return (false, inodes.join(", "));
            }
        }
        let first = self.seen.listeners.values().next().map(|(p, f, _, _)| procfs::socket_inode(*p, *f));
        let all_same = self.seen.listeners.values().all(|(p, f, _, _)| procfs::socket_inode(*p, *f) == first.flatten());
        (all_same && self.seen.listeners.len() > 1, inodes.join(", "))
    }

    fn metric(&self, m: Metric) -> Option<f64> {
        let f = self.last_fire.as_ref();
        match m {
            Metric::Failed => f.map(|f| f.summary.failed as f64),
            Metric::Completed => f.map(|f| f.summary.completed as f64),
            Metric::Fired => f.map(|f| f.summary.fired as f64),
            Metric::Spread => f.map(|f| {
                let max = f.per_worker.values().max().copied().unwrap_or(0);
                let min = f.per_worker.values().min().copied().unwrap_or(0);
                (max - min) as f64
            }),
            Metric::Workers => {
                Some(self.seen.pids.iter().filter(|(a, p)| a.starts_with('W') && procfs::is_live(**p)).count() as f64)
            }
        }
    }
}

/// What a line of the transcript is, for a reader that wants more than its text (the TUI).
#[derive(Debug, Clone)]
pub enum LineKind {
    Header,
    Step,
    Directive,
    /// A lab event, as it came.
    Event(Event),
    /// A lab event of a measurement's own pools (`compare`): the lesson screen draws them,
    /// the text transcript leaves them out (the comparison's table sums them up).
    Background(Event),
    /// A finished connection of the load client (when the runner streams them).
    Conn(ConnRecord),
    Info,
    Fired,
    Compare,
    Expect {
        passed: bool,
    },
    Summary,
}

/// One line of the transcript: its text for people and its JSON object for programs.
#[derive(Debug, Clone)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
    pub json: serde_json::Value,
}

/// Where a run's lines go: printed (text or JSON) by `play`, or sent to the TUI.
pub struct Transcript {
    sink: Box<dyn FnMut(Line) + Send>,
    pub passed: u32,
    pub failed: u32,
}

impl Transcript {
    pub fn new(sink: Box<dyn FnMut(Line) + Send>) -> Transcript {
        Transcript { sink, passed: 0, failed: 0 }
    }

    /// Print each line to stdout, as text or as one JSON object.
    pub fn stdout(json: bool) -> Transcript {
        Transcript::new(Box::new(move |line: Line| {
            let mut o = std::io::stdout().lock();
            let quiet = !json
                && matches!(
                    &line.kind,
                    LineKind::Event(Event::Accepted { .. } | Event::Stats { .. })
                        | LineKind::Conn(_)
                        | LineKind::Background(_)
                );
            if quiet {
                // Accepts and counters are summed up by `fire`; the rest is the story.
                return;
            }
            let _ = if json { writeln!(o, "{}", line.json) } else { writeln!(o, "{}", line.text) };
        }))
    }

    fn emit(&mut self, kind: LineKind, text: String, json: serde_json::Value) {
        (self.sink)(Line { kind, text, json });
    }

    fn line(&mut self, text: &str, obj: serde_json::Value) {
        self.emit(LineKind::Info, text.to_string(), obj);
    }

    fn header(&mut self, l: &Lesson) {
        self.emit(
            LineKind::Header,
            format!("# {} — {}\n{}\n", l.id, l.title, l.intro.trim()),
            json!({"event": "lesson", "lesson": l.id, "title": l.title, "steps": l.steps.len()}),
        );
    }

    pub fn step(&mut self, n: usize, of: usize, title: &str, narration: &str) {
        self.emit(
            LineKind::Step,
            format!("\n## step {n}/{of}: {title}\n\n{}\n", narration.trim()),
            json!({"event": "step", "n": n, "of": of, "title": title}),
        );
    }

    fn directive(&mut self, text: &str) {
        self.emit(LineKind::Directive, format!("> {text}"), json!({"event": "directive", "text": text}));
    }

    pub fn background(&mut self, ev: &Event) {
        if matches!(ev, Event::Stats { .. }) {
            return;
        }
        self.emit(
            LineKind::Background(ev.clone()),
            format!("    {}", ev.text()),
            serde_json::to_value(ev).unwrap_or_default(),
        );
    }

    pub fn event(&mut self, ev: &Event) {
        self.emit(
            LineKind::Event(ev.clone()),
            format!("    {}", ev.text()),
            serde_json::to_value(ev).unwrap_or_default(),
        );
    }

    fn conn(&mut self, c: ConnRecord) {
        let json = serde_json::to_value(&c).unwrap_or_default();
        let text = match &c.worker {
            Some(w) if c.ok => format!("    connection {} served by {w} in {} us", c.conn, c.us),
            _ => format!("    connection {} failed", c.conn),
        };
        self.emit(LineKind::Conn(c), text, json);
    }

    fn info(&mut self, text: &str, obj: serde_json::Value) {
        self.line(&format!("    {text}"), obj);
    }

    fn fired(&mut self, pool: &PoolInfo, s: &ClientSummary, per_worker: &BTreeMap<String, u64>, accepted: u64) {
        let widest = per_worker.values().max().copied().unwrap_or(0).max(1);
        let mut text = format!(
            "fired {} connections at {} mode: {} completed, {} failed, {:.0} conn/s, p50 {:.2} ms, p99 {:.2} ms",
            s.fired, pool.mode, s.completed, s.failed, s.conn_per_s, s.p50_ms, s.p99_ms
        );
        for (alias, n) in per_worker {
            let bar = "█".repeat((n * 30 / widest) as usize);
            text += &format!("\n      {alias:<4} {n:>6}  {bar}");
        }
        self.emit(
            LineKind::Fired,
            format!("    {text}"),
            json!({"event": "fired", "mode": pool.mode, "fired": s.fired, "completed": s.completed, "failed": s.failed,
                   "per_worker": per_worker, "accepted_by_workers": accepted, "conn_per_s": s.conn_per_s,
                   "p50_ms": s.p50_ms, "p99_ms": s.p99_ms, "errors": s.errors}),
        );
    }

    fn compare(&mut self, runs: &[bench::Run]) {
        let mut text = format!(
            "{:<10} {:>9} {:>6} {:>6} {:>6} {:>5} {:>13} {:>12}  {}",
            "mode", "completed", "failed", "max", "min", "cv", "empty wakeups", "ctx switches", "per worker"
        );
        for r in runs {
            let spread: Vec<String> = r.per_worker.iter().map(|(a, n)| format!("{a}:{n}")).collect();
            text += &format!(
                "\n      {:<10} {:>9} {:>6} {:>6} {:>6} {:>5.2} {:>13} {:>12}  {}",
                r.mode.name(),
                r.completed,
                r.failed,
                r.max,
                r.min,
                r.cv,
                r.empty_wakeups,
                r.voluntary_ctxt,
                spread.join(" ")
            );
        }
        self.emit(LineKind::Compare, format!("    {text}"), json!({"event": "compare", "runs": runs}));
    }

    fn expect(&mut self, text: &str, passed: bool, detail: &str) {
        if passed {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        let mark = if passed { "ok  " } else { "FAIL" };
        self.emit(
            LineKind::Expect { passed },
            format!("    {mark} {text}  ({detail})"),
            json!({"event": "expect", "text": text, "passed": passed, "detail": detail}),
        );
    }

    pub fn summary(&mut self, l: &Lesson, error: Option<&anyhow::Error>) {
        let text = match error {
            Some(e) => format!("\n{}: stopped with an error: {e:#}", l.id),
            None => {
                format!("\n{}: {} steps, {} expects held, {} failed", l.id, l.steps.len(), self.passed, self.failed)
            }
        };
        let mut obj = json!({"event": "summary", "lesson": l.id, "steps": l.steps.len(),
                             "expects_passed": self.passed, "expects_failed": self.failed});
        if let Some(e) = error {
            obj["error"] = json!(format!("{e:#}"));
        }
        self.emit(LineKind::Summary, text, obj);
    }
}
