//! The lesson runner: each directive does what it says to the lab; each `expect` is checked
//! against what the processes and the kernel report, never against what forklab meant to do.
//! The transcript prints what happened as text or JSON lines (`forklab play`) or hands the
//! lines to the lesson screen.

use crate::lab::measure;
use crate::lab::{Client, Lab, PoolInfo};
use crate::lesson::{
    self, Ask, CrashKind, DaemonStep, Directive, ExitSpec, Expect, Lesson, Metric, ProcField, ProcValue, SendKind,
    Target,
};
use crate::proto::client::{ClientArgs, ClientSummary, ConnRecord};
use crate::proto::mode::{Handle, Mode};
use crate::proto::{Cmd, Event, HowListening, role};
use crate::sys::procfs;
use anyhow::{Context, Result, anyhow};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// A step's directives in the order they run: its questions first, wherever the file puts
/// them (they are asked before the step runs), then the rest in file order. After the last,
/// [`Runner::finish_step`] answers the questions from what happened.
pub fn run_order(directives: &[lesson::Located<Directive>]) -> Vec<&lesson::Located<Directive>> {
    let (asks, rest): (Vec<_>, Vec<_>) = directives.iter().partition(|d| matches!(d.item, Directive::Ask(_)));
    asks.into_iter().chain(rest).collect()
}

/// The order a question's choices are shown in, by `play` and the lesson screen alike
/// ([`Ask::order`]): it follows `--seed`, or seed 0 without one, so a run can be repeated.
pub fn shown_order(lesson: &str, ask: &Ask) -> Vec<usize> {
    ask.order(lesson, crate::lab::chaos::SEED.get().copied().unwrap_or(0))
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
    /// Workers the master caught hung.
    pub hung: BTreeSet<String>,
    /// Workers the master gave up on, with the quick restarts it counted.
    pub gave_up: BTreeMap<String, u32>,
    /// The longest respawn delay announced.
    pub max_delay_ms: u64,
    /// The daemon's pidfile, once it has written one.
    pub pidfile: Option<String>,
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
            Event::Hung { alias, .. } => {
                self.hung.insert(alias.clone());
            }
            Event::GaveUp { alias, restarts, .. } => {
                self.gave_up.insert(alias.clone(), *restarts);
            }
            Event::Respawning { delay_ms, .. } => self.max_delay_ms = self.max_delay_ms.max(*delay_ms),
            Event::Daemon { pid, step, detail, .. } => {
                self.pids.insert(role::DAEMON.into(), *pid);
                // `wrote PATH, flock(2)-locked ...` (src/daemon.rs).
                if let (true, Some(path)) = (step == "pidfile", detail.strip_prefix("wrote ")) {
                    let path = path.split_once(", flock(2)-locked").map_or(path, |(p, _)| p);
                    self.pidfile = Some(path.to_string());
                }
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
    /// Whether the master respawns workers of the current pool.
    respawn: bool,
    /// The background load (`do: load`), the accept count when it started, its finished
    /// connections so far.
    load: Option<(Client, u64)>,
    load_conns: Vec<ConnRecord>,
    /// Live pids just before the last crash or kill.
    before_crash: BTreeMap<String, i32>,
    /// The last crash: who, and the connections it held then.
    last_crash: Option<(String, u64)>,
    /// The messages of the last `send`, and the last round trip.
    messages: Vec<Event>,
    rtt_us: Option<u64>,
    /// The last handle sent: (inode sent, fd received, inode received).
    handle_sent: Option<(u64, i32, u64)>,
    /// Events of the last rolling restart.
    rolling: Vec<Event>,
    /// Whether a load was still running when it ended (None: no load was started).
    rolled_under_load: Option<bool>,
    last_work: Option<Work>,
    /// The last `counter`: (alias, tid, shared, value).
    counters: Vec<(String, i32, bool, u64)>,
    /// The master's own copy of the counter, when it last reported it.
    master_counter: Option<u64>,
    /// Questions of the current step, with the order their choices were shown in, answered
    /// when it ends.
    asks: Vec<(Ask, Vec<usize>)>,
    lesson_id: String,
}

/// What the last `work` measured.
pub struct Work {
    pub cores_used: f64,
    /// Cores' worth of CPU that other programs used meanwhile, from /proc/stat.
    pub others: f64,
    /// The busy share, in percent, of the least busy of the cores we may use.
    pub least_lit: f64,
    pub pids: usize,
    pub tids: usize,
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
            respawn: true,
            load: None,
            load_conns: Vec::new(),
            before_crash: BTreeMap::new(),
            last_crash: None,
            messages: Vec::new(),
            rtt_us: None,
            handle_sent: None,
            rolling: Vec::new(),
            rolled_under_load: None,
            last_work: None,
            counters: Vec::new(),
            master_counter: None,
            asks: Vec::new(),
            lesson_id: lesson.id.clone(),
        }
    }

    /// Pass events on until `pick` returns a value; an error event from the master ends the
    /// wait with that error.
    fn wait<T>(
        &mut self,
        out: &mut Transcript,
        timeout: Duration,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Result<T> {
        let seen = &mut self.seen;
        let messages = &mut self.messages;
        let rolling = &mut self.rolling;
        self.lab.wait_for(
            timeout,
            &mut |ev| {
                seen.observe(ev);
                out.event(ev);
                match ev {
                    Event::Message { .. } => messages.push(ev.clone()),
                    Event::WorkerReady { .. }
                    | Event::Retiring { .. }
                    | Event::Rolled { .. }
                    | Event::Exited { .. } => rolling.push(ev.clone()),
                    _ => {}
                }
            },
            |ev| match ev {
                Event::Error { alias, message, kind, .. }
                    if alias == role::MASTER && kind != "bad_worker_message" && kind != "fork_failed" =>
                {
                    Some(Err(anyhow!("{message}")))
                }
                _ => pick(ev).map(Ok),
            },
        )
    }

    /// After a worker ended: when the pool respawns, wait until it is whole again.
    fn wait_respawned(&mut self, alias: &str, out: &mut Transcript) -> Result<()> {
        if !self.respawn || self.seen.gave_up.contains_key(alias) {
            return Ok(());
        }
        let alias = alias.to_string();
        self.wait(out, Duration::from_secs(20), |ev| match ev {
            Event::PoolReady { .. } => Some(()),
            Event::GaveUp { alias: a, .. } if *a == alias => Some(()),
            _ => None,
        })
    }

    /// The step has run: answer its questions from what happened.
    pub fn finish_step(&mut self, step: usize, out: &mut Transcript) {
        for (ask, order) in std::mem::take(&mut self.asks) {
            let checked: Vec<(bool, String)> = ask.choices.iter().map(|c| self.check(&c.when)).collect();
            let answer = checked.iter().position(|(held, _)| *held);
            out.answer(step, &ask, order, answer, &checked);
        }
    }

    fn pool(&self) -> Result<PoolInfo> {
        self.lab.pool.clone().context("no pool is running; a `do: spawn` must come first")
    }

    fn start(&mut self, mode: Mode, workers: usize, handle: Handle, out: &mut Transcript) -> Result<PoolInfo> {
        // A new pool: forget the old one's listeners and workers.
        self.seen.listeners.clear();
        self.seen.pids.retain(|a, _| a == role::MASTER || a == role::DAEMON);
        self.respawn = true;
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
        if let Directive::Ask(ask) = d {
            let order = shown_order(&self.lesson_id, ask);
            out.question(ask, &order);
            self.asks.push((ask.clone(), order));
            return Ok(());
        }
        out.directive(text);
        match d {
            Directive::Ask(_) => {}
            Directive::Crash { target, how } => self.crash(target, *how, out)?,
            Directive::Respawn(on) => {
                self.lab.send(&Cmd::Respawn { on: *on })?;
                self.respawn = *on;
            }
            Directive::Load { connections, concurrency, keepalive } => {
                self.start_load(*connections, *concurrency, *keepalive, out)?
            }
            Directive::WaitLoad => self.wait_load(out)?,
            Directive::Send(kind) => self.send(kind, out)?,
            Directive::RollingRestart => {
                self.rolling.clear();
                self.lab.send(&Cmd::RollingRestart)?;
                self.wait(out, Duration::from_secs(30), |ev| matches!(ev, Event::Rolled { .. }).then_some(()))?;
                // Did the load still run when the last old worker was gone? Its client is alive
                // and has connections left to fire.
                self.rolled_under_load = self.load.as_ref().map(|(c, _)| procfs::is_live(c.pid));
                self.wait(out, Duration::from_secs(10), |ev| matches!(ev, Event::PoolReady { .. }).then_some(()))?;
            }
            Directive::Work { target, threads, ms } => self.work(target.as_ref(), *threads, *ms, out)?,
            Directive::Counter { target, threads } => self.counter(target.as_ref(), *threads, out)?,
            Directive::Daemon(step) => self.daemon(*step, out)?,
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
                let run = measure::measure(&mut self.lab, mode, workers, args, &mut |ev| {
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
        self.before_crash = self.seen.pids.clone();
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
            if alias.starts_with('W') {
                self.wait_respawned(&alias, out)?;
            }
        }
        Ok(())
    }

    fn crash(&mut self, target: &Target, how: CrashKind, out: &mut Transcript) -> Result<()> {
        let alias = target.to_string();
        let pid = self.pid_of(target)?;
        self.before_crash = self.seen.pids.clone();
        self.lab.send(&Cmd::Crash { alias: alias.clone(), how: how.name().into() })?;
        let held = self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::CrashOrdered { alias: a, open_conns, .. } if *a == alias => Some(*open_conns),
            _ => None,
        })?;
        self.last_crash = Some((alias.clone(), held));
        if how == CrashKind::Loop {
            // Every restart fails at once; the master backs off, then gives up.
            self.wait(out, Duration::from_secs(30), |ev| match ev {
                Event::GaveUp { alias: a, .. } if *a == alias => Some(()),
                _ => None,
            })?;
            return Ok(());
        }
        // A hang ends only when the master notices the missed heartbeats and kills it.
        self.wait(out, Duration::from_secs(20), |ev| match ev {
            Event::Exited { pid: p, .. } if *p == pid => Some(()),
            _ => None,
        })?;
        self.wait_respawned(&alias, out)
    }

    fn start_load(&mut self, connections: u32, concurrency: u32, keepalive: u32, out: &mut Transcript) -> Result<()> {
        let pool = self.pool()?;
        let before = self.accepted_total(out)?;
        let args = ClientArgs { port: pool.port, connections, concurrency, keepalive, timeout_ms: 5000, stream: true };
        let client = Client::start(&args)?;
        self.load_conns.clear();
        // Wait until the load flows, so that what comes next happens under it.
        let flowing = (connections / 10).clamp(1, 50) as usize;
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.load_conns.len() < flowing {
            let left = deadline.saturating_duration_since(Instant::now());
            match client.lines.recv_timeout(left) {
                Ok(crate::lab::ClientLine::Conn(c)) => self.load_conns.push(c),
                Ok(crate::lab::ClientLine::Done(_)) | Err(_) => {
                    anyhow::bail!("the load ended before it was flowing; give `load` more connections")
                }
            }
        }
        out.info(
            &format!("load running: {connections} connections, {concurrency} at a time; {flowing} done so far"),
            json!({"event": "load", "connections": connections, "concurrency": concurrency, "keepalive": keepalive}),
        );
        self.load = Some((client, before));
        Ok(())
    }

    fn wait_load(&mut self, out: &mut Transcript) -> Result<()> {
        let (client, before) = self.load.take().context("no load is running; a `do: load` must come first")?;
        let pool = self.pool()?;
        let conns = &mut self.load_conns;
        let summary = client.finish(Duration::from_secs(120), &mut |c| conns.push(c))?;
        let accepted = self.accepted_total(out)?.saturating_sub(before);
        let mut per_worker: BTreeMap<String, u64> =
            self.seen.pids.keys().filter(|a| a.starts_with('W')).map(|a| (a.clone(), 0)).collect();
        for (alias, n) in &summary.per_worker {
            *per_worker.entry(alias.clone()).or_insert(0) += n;
        }
        out.fired(&pool, &summary, &per_worker, accepted);
        let failed: Vec<String> = self
            .load_conns
            .iter()
            .filter(|c| !c.ok)
            .map(|c| {
                let kind = c.error.map(|e| e.as_str()).unwrap_or("?");
                match &c.worker {
                    Some(w) => format!("#{} {kind} (last served by {w})", c.conn),
                    None => format!("#{} {kind}", c.conn),
                }
            })
            .collect();
        if !failed.is_empty() {
            out.info(
                &format!("failed connections: {}", failed.join(", ")),
                json!({"event": "failed_conns", "conns": failed}),
            );
        }
        self.last_fire = Some(Fired { summary, per_worker, accepted });
        Ok(())
    }

    fn send(&mut self, kind: &SendKind, out: &mut Transcript) -> Result<()> {
        self.messages.clear();
        let timeout = Duration::from_secs(10);
        match kind {
            SendKind::Ping(t) => {
                let alias = t.to_string();
                self.lab.send(&Cmd::Ping { alias: alias.clone() })?;
                self.rtt_us = self
                    .wait(out, timeout, |ev| match ev {
                        Event::Message { from, rtt_us: Some(rtt), .. } if *from == alias => Some(*rtt),
                        _ => None,
                    })
                    .map(Some)?;
            }
            SendKind::Broadcast => {
                let n = self.seen.pids.keys().filter(|a| a.starts_with('W')).count();
                self.lab.send(&Cmd::Broadcast { text: "hello, every worker".into() })?;
                let mut acks = 0;
                self.wait(out, timeout, |ev| match ev {
                    Event::Message { to, what, .. } if to == role::MASTER && what.starts_with("ack") => {
                        acks += 1;
                        (acks == n).then_some(())
                    }
                    _ => None,
                })?;
            }
            SendKind::Relay { from, to } => {
                let (from, to) = (from.to_string(), to.to_string());
                let text = format!("hello {to}, this is {from}");
                self.lab.send(&Cmd::Relay { from, to: to.clone(), text })?;
                self.wait(out, timeout, |ev| match ev {
                    Event::Message { from, what, .. } if *from == to && what.starts_with("ack") => Some(()),
                    _ => None,
                })?;
            }
            SendKind::Handle(t) => {
                let alias = t.to_string();
                self.lab.send(&Cmd::SendHandle { alias: alias.clone() })?;
                let mut sent = 0;
                let got = self.wait(out, timeout, |ev| match ev {
                    Event::FdPassed { to, inode, .. } if *to == alias => {
                        sent = *inode;
                        None
                    }
                    Event::HandleGot { alias: a, fd, inode, .. } if *a == alias => Some((*fd, *inode)),
                    _ => None,
                })?;
                self.handle_sent = Some((sent, got.0, got.1));
            }
        }
        let bytes: u64 =
            self.messages.iter().map(|m| if let Event::Message { bytes, .. } = m { *bytes } else { 0 }).sum();
        let fds: u32 = self.messages.iter().map(|m| if let Event::Message { fds, .. } = m { *fds } else { 0 }).sum();
        out.info(
            &format!("{} messages crossed the channels: {bytes} bytes, {fds} fds attached", self.messages.len()),
            json!({"event": "sent", "messages": self.messages.len(), "bytes": bytes, "fds": fds, "rtt_us": self.rtt_us}),
        );
        Ok(())
    }

    fn work(
        &mut self,
        target: Option<&Target>,
        threads: Option<lesson::WorkerCount>,
        ms: u32,
        out: &mut Transcript,
    ) -> Result<()> {
        let procs: Vec<(String, i32)> = match target {
            Some(t) => vec![(t.to_string(), self.pid_of(t)?)],
            None => self.seen.pids.iter().filter(|(a, _)| a.starts_with('W')).map(|(a, p)| (a.clone(), *p)).collect(),
        };
        let ticks = |procs: &[(String, i32)]| -> u64 {
            procs.iter().map(|(_, p)| procfs::status(*p).map(|s| s.cpu_ticks).unwrap_or(0)).sum()
        };
        let cores_before = per_core_ticks();
        let before = ticks(&procs);
        let started = Instant::now();
        let n = threads.map(|t| t.resolve()).unwrap_or(1);
        self.lab.send(&Cmd::Work { alias: target.map(|t| t.to_string()), threads: n, ms })?;
        let mut tids: BTreeSet<i32> = procs.iter().map(|(_, p)| *p).collect();
        let mut done = 0;
        let want = procs.len();
        self.wait(out, Duration::from_secs(30), |ev| match ev {
            Event::Threads { tids: t, .. } => {
                tids.extend(t);
                None
            }
            Event::WorkDone { .. } => {
                done += 1;
                (done == want).then_some(())
            }
            _ => None,
        })?;
        let wall = started.elapsed().as_secs_f64();
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let cpu = ticks(&procs).saturating_sub(before) as f64 / hz;
        let cores_used = cpu / wall.max(0.001);
        let deltas: Vec<(u64, u64)> = per_core_ticks()
            .iter()
            .zip(cores_before.iter())
            .map(|((busy1, all1), (busy0, all0))| (busy1.saturating_sub(*busy0), all1.saturating_sub(*all0)))
            .collect();
        let pcts: Vec<f64> = deltas.iter().map(|(busy, all)| 100.0 * *busy as f64 / (*all).max(1) as f64).collect();
        let lit: Vec<String> = pcts.iter().enumerate().map(|(i, pct)| format!("cpu{i} {pct:.0}%")).collect();
        // What the rest of the machine used meanwhile: every core's busy time minus ours.
        let busy_all = deltas.iter().map(|(busy, _)| *busy).sum::<u64>() as f64 / hz;
        let others = ((busy_all - cpu) / wall.max(0.001)).max(0.0);
        let cores = lesson::WorkerCount::Cores.resolve();
        let mut busiest = pcts.clone();
        busiest.sort_by(|a, b| b.total_cmp(a));
        let least_lit = busiest.get(..cores.min(busiest.len())).and_then(|c| c.last().copied()).unwrap_or(0.0);
        let names: Vec<String> = procs.iter().map(|(a, p)| format!("{a} pid {p}")).collect();
        let tid_list: Vec<String> = tids.iter().map(|t| t.to_string()).collect();
        out.info(
            &format!(
                "work done by {}: {} threads (TIDs {})\n    CPU {cpu:.2} s in {wall:.2} s = {cores_used:.2} cores busy; per core: {}",
                names.join(", "),
                tids.len(),
                tid_list.join(" "),
                lit.join(" ")
            ),
            json!({"event": "work", "pids": procs.iter().map(|(_, p)| *p).collect::<Vec<_>>(), "tids": tids,
                   "cpu_s": cpu, "wall_s": wall, "cores_used": cores_used, "per_core": lit,
                   "others_cores": others}),
        );
        self.last_work = Some(Work { cores_used, pids: procs.len(), tids: tids.len(), others, least_lit });
        Ok(())
    }

    fn counter(&mut self, target: Option<&Target>, threads: Option<u32>, out: &mut Transcript) -> Result<()> {
        let want = match (target, threads) {
            (Some(_), Some(n)) => n as usize,
            _ => 1 + self.seen.pids.keys().filter(|a| a.starts_with('W')).count(),
        };
        self.lab.send(&Cmd::Counter { alias: target.map(|t| t.to_string()), threads: threads.unwrap_or(0) })?;
        let mut got = Vec::new();
        self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::Counter { alias, tid, shared, value, .. } => {
                got.push((alias.clone(), *tid, *shared, *value));
                (got.len() == want).then_some(())
            }
            _ => None,
        })?;
        if let Some((.., v)) = got.iter().find(|(a, ..)| a == role::MASTER) {
            self.master_counter = Some(*v);
        }
        self.counters = got;
        Ok(())
    }

    fn daemon(&mut self, step: DaemonStep, out: &mut Transcript) -> Result<()> {
        if step == DaemonStep::Stop {
            return self.stop_daemon(out);
        }
        let name = step.name();
        let first = self.seen.pids.get(role::DAEMON).copied();
        self.lab.send(&Cmd::Daemon { step: name.into() })?;
        let mut reported = false;
        let mut first_exited = step != DaemonStep::ForkAgain;
        self.wait(out, Duration::from_secs(10), |ev| {
            match ev {
                Event::Daemon { step: s, .. } if s == name => reported = true,
                Event::Exited { pid, .. } if Some(*pid) == first => first_exited = true,
                _ => {}
            }
            (reported && first_exited).then_some(())
        })?;
        self.show_proc(&Target::Daemon, out)
    }

    /// daemon(7)'s way to stop a daemon: read its pid from the pidfile, check it is the
    /// daemon, send SIGTERM. forklab (the subreaper) is its parent now, so forklab reaps it.
    fn stop_daemon(&mut self, out: &mut Transcript) -> Result<()> {
        let path = self.seen.pidfile.clone().context("the daemon wrote no pidfile; `daemon pidfile` comes first")?;
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading the pidfile `{path}`"))?;
        let pid: i32 = text.trim().parse().with_context(|| format!("the pidfile `{path}` holds `{}`", text.trim()))?;
        // A pidfile can outlive its process and the pid be reused: check what the pid is now.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() != "forklab-daemon" {
            anyhow::bail!("pid {pid} from `{path}` is `{}`, not the daemon; not signalling it", comm.trim());
        }
        let exit = crate::sys::reaper::watch(pid);
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM)
            .with_context(|| format!("sending SIGTERM to the daemon (pid {pid})"))?;
        let me = std::process::id() as i32;
        out.event(&Event::Signaled { alias: role::DAEMON.into(), pid, signal: "SIGTERM".into(), by: role::APP.into() });
        let status = crate::sys::reaper::wait_timeout(&exit, Duration::from_secs(5))
            .with_context(|| format!("the daemon (pid {pid}) did not end within 5 s of SIGTERM"))?;
        let ev = Event::Exited {
            alias: role::DAEMON.into(),
            pid,
            code: status.code(),
            signal: status.signal_name(),
            core_dumped: matches!(status, crate::sys::reaper::Exit::Signal(_, true)),
        };
        self.seen.observe(&ev);
        out.event(&ev);
        let gone = !Path::new(&path).exists();
        out.info(
            &format!("reaped by forklab (pid {me}); pidfile {}", if gone { "removed" } else { "still there" }),
            json!({"event": "daemon_stopped", "pid": pid, "pidfile_removed": gone}),
        );
        Ok(())
    }

    /// What the kernel says about one process: the columns the daemon lesson watches change.
    fn show_proc(&self, target: &Target, out: &mut Transcript) -> Result<()> {
        let pid = self.pid_of(target)?;
        let facts: Vec<(&str, String)> = ProcField::ALL.iter().map(|f| (f.name(), proc_fact(pid, *f))).collect();
        let line = format!(
            "{target} pid {pid}  ppid {}  pgid {}  sid {}  tty {}  umask {}\n    cwd {}  fd0 {}  fd1 {}  fd2 {}",
            facts[0].1, facts[1].1, facts[2].1, facts[3].1, facts[5].1, facts[4].1, facts[6].1, facts[7].1, facts[8].1
        );
        let mut obj = json!({"event": "proc", "alias": target.to_string(), "pid": pid});
        for (k, v) in &facts {
            obj[*k] = json!(v);
        }
        out.info(&line, obj);
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

    /// The processes as the kernel links them: each under its parent (its PPID in /proc),
    /// siblings in the order they started; one whose parent is not on the list goes under forklab.
    fn show_tree(&self, out: &mut Transcript) {
        let me = std::process::id() as i32;
        let mut procs: Vec<(&str, i32, i32)> =
            self.seen.pids.iter().map(|(a, p)| (a.as_str(), *p, procfs::status(*p).map_or(0, |st| st.ppid))).collect();
        procs.sort_by_key(|&(_, pid, _)| pid);
        let parent = |ppid: i32| if procs.iter().any(|&(_, p, _)| p == ppid) { ppid } else { me };
        let tree: Vec<(&str, i32, i32)> = procs.iter().map(|&(a, p, pp)| (a, p, parent(pp))).collect();
        let mut rows = Vec::new();
        under(&tree, "forklab", me, 0, &mut rows);
        out.info(
            &format!("process tree:\n    {}", rows.join("\n    ")),
            json!({"event": "tree", "pids": self.seen.pids}),
        );

        fn under(tree: &[(&str, i32, i32)], alias: &str, pid: i32, depth: usize, rows: &mut Vec<String>) {
            rows.push(row(alias, pid, depth));
            for &(child, p, _) in tree.iter().filter(|&&(_, p, pp)| pp == pid && p != pid) {
                // A tree of forklab's processes is a few levels deep; the bound only guards /proc.
                if depth < 8 {
                    under(tree, child, p, depth + 1, rows);
                }
            }
        }

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
                Some(v) => (op.holds(v, *value), format!("{metric} is {}", number(v))),
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
            Expect::MetricCores { metric, op } => {
                let cores = lesson::WorkerCount::Cores.resolve() as f64;
                match self.metric(*metric) {
                    Some(v) => {
                        (op.holds(v, cores), format!("{metric} is {}; this machine has {cores} cores", number(v)))
                    }
                    None => (false, format!("{metric} is not known yet")),
                }
            }
            Expect::Hung(t) => {
                let alias = t.to_string();
                let hung = self.seen.hung.contains(&alias);
                (hung, format!("{alias} {} caught by a missed heartbeat", if hung { "was" } else { "was not" }))
            }
            Expect::GaveUp(t) => {
                let alias = t.to_string();
                match self.seen.gave_up.get(&alias) {
                    Some(n) => (true, format!("the master gave up on {alias} after {n} quick restarts")),
                    None => (false, format!("the master did not give up on {alias}")),
                }
            }
            Expect::Survived(t) => {
                let alias = t.to_string();
                let (before, now) = (self.before_crash.get(&alias), self.seen.pids.get(&alias));
                match (before, now) {
                    (Some(b), Some(n)) if b == n && procfs::is_live(*n) => {
                        (true, format!("{alias} is still pid {n}, alive"))
                    }
                    (Some(b), _) => (false, format!("{alias} was pid {b} and is not any more")),
                    _ => (false, format!("{alias} was not running before")),
                }
            }
            Expect::Not(inner) => {
                let (held, detail) = self.check(inner);
                (!held, detail)
            }
            Expect::Rolled => self.rolled(),
            Expect::LostOnlyHeld => self.lost_only_held(),
            Expect::HandleArrived => match self.handle_sent {
                Some((sent, fd, got)) => {
                    (sent != 0 && sent == got, format!("sent socket:[{sent}], received as fd {fd} -> socket:[{got}]"))
                }
                None => (false, "no handle was sent".into()),
            },
            Expect::AllCoresBusy => {
                let cores = lesson::WorkerCount::Cores.resolve() as f64;
                match &self.last_work {
                    // Every core busy, and the work got at least three quarters of what the
                    // machine's other programs left it (a shared machine is never idle).
                    Some(w) => (
                        w.least_lit >= 75.0 && w.cores_used >= 0.75 * (cores - w.others),
                        format!(
                            "every core at least {:.0}% busy; the work used {:.2} cores of {cores}, other programs {:.2}",
                            w.least_lit, w.cores_used, w.others
                        ),
                    ),
                    None => (false, "no work was run".into()),
                }
            }
            Expect::Pidfile => self.pidfile(),
            Expect::Proc { target, field, equal, value } => self.proc_check(target, *field, *equal, value),
        }
    }

    fn rolled(&self) -> (bool, String) {
        let mut ready = BTreeSet::new();
        let mut retired = Vec::new();
        let mut replaced = None;
        let mut problems = Vec::new();
        for ev in &self.rolling {
            match ev {
                Event::WorkerReady { alias, .. } => {
                    ready.insert(alias.clone());
                }
                Event::Retiring { alias, replaced_by, .. } => {
                    if !ready.contains(replaced_by) {
                        problems.push(format!("{alias} told to stop before {replaced_by} was ready"));
                    }
                    retired.push(alias.clone());
                }
                Event::Rolled { replaced: n, .. } => replaced = Some(*n),
                _ => {}
            }
        }
        for alias in &retired {
            let clean =
                self.rolling.iter().any(|e| matches!(e, Event::Exited { alias: a, code: Some(0), .. } if a == alias));
            if !clean {
                problems.push(format!("{alias} did not exit with code 0"));
            }
        }
        if self.rolled_under_load == Some(false) {
            problems.push("the load had ended before the restart did".into());
        }
        let ok = problems.is_empty() && replaced.is_some_and(|n| n as usize == retired.len() && n > 0);
        let detail = if problems.is_empty() {
            let load = if self.rolled_under_load == Some(true) { ", under load" } else { "" };
            format!(
                "{} workers replaced{load}, each after its successor was ready; each old one exited 0",
                retired.len()
            )
        } else {
            problems.join("; ")
        };
        (ok, detail)
    }

    fn lost_only_held(&self) -> (bool, String) {
        let (Some(fire), Some((alias, held))) = (&self.last_fire, &self.last_crash) else {
            return (false, "no load ran across a crash".into());
        };
        let elsewhere =
            self.load_conns.iter().filter(|c| !c.ok && c.worker.as_ref().is_some_and(|w| w != alias)).count();
        let failed = fire.summary.failed;
        (
            failed <= *held && elsewhere == 0,
            format!("{failed} failed; {alias} held {held} when it crashed; {elsewhere} failed on other workers"),
        )
    }

    fn pidfile(&self) -> (bool, String) {
        use std::os::unix::fs::MetadataExt;
        let Some(path) = &self.seen.pidfile else { return (false, "no pidfile was written".into()) };
        let path = Path::new(path);
        let file = std::fs::symlink_metadata(path);
        let dir = path.parent().map(std::fs::symlink_metadata);
        let (Ok(file), Some(Ok(dir))) = (file, dir) else {
            return (false, format!("{} is missing", path.display()));
        };
        let holds = std::fs::read_to_string(path).unwrap_or_default().trim().parse::<i32>().ok();
        let daemon = self.seen.pids.get(role::DAEMON).copied();
        let (fmode, dmode) = (file.mode() & 0o777, dir.mode() & 0o777);
        // The lock, not the file, says the daemon runs: it must be the daemon's.
        let lockers = procfs::flock_holders(file.ino());
        let locked = daemon.is_some_and(|d| lockers.contains(&d));
        let ok = file.is_file()
            && fmode == 0o600
            && dir.is_dir()
            && dmode == 0o700
            && holds.is_some()
            && holds == daemon
            && locked;
        (
            ok,
            format!(
                "{} mode {fmode:04o} in a directory of mode {dmode:04o}, holds pid {}, flock held by {}",
                path.display(),
                holds.map_or("?".into(), |p| p.to_string()),
                if lockers.is_empty() { "nobody".into() } else { format!("{lockers:?}") }
            ),
        )
    }

    fn proc_check(&self, target: &Target, field: ProcField, equal: bool, value: &ProcValue) -> (bool, String) {
        let pid = match self.pid_of(target) {
            Ok(p) => p,
            Err(e) => return (false, format!("{e:#}")),
        };
        let actual = proc_fact(pid, field);
        let (want, named) = match value {
            ProcValue::Forklab => (std::process::id().to_string(), " (forklab)".to_string()),
            ProcValue::Master => (self.lab.master_pid.to_string(), " (the master)".to_string()),
            ProcValue::SelfPid => (pid.to_string(), " (its own pid)".to_string()),
            ProcValue::None => ("none".to_string(), String::new()),
            ProcValue::Text(t) => (t.clone(), String::new()),
        };
        let same = if field == ProcField::Umask {
            u32::from_str_radix(&actual, 8).ok() == u32::from_str_radix(&want, 8).ok()
        } else {
            actual == want
        };
        let rel = if same { "==" } else { "!=" };
        (same == equal, format!("{target} {} is {actual}, {rel} {want}{named}", field.name()))
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
            Metric::P50Ms => f.map(|f| f.summary.p50_ms),
            Metric::MaxMs => f.map(|f| f.summary.max_ms),
            Metric::Held => self.last_crash.as_ref().map(|(_, h)| *h as f64),
            Metric::Restarts => self.seen.gave_up.values().last().map(|n| *n as f64),
            Metric::MaxDelayMs => Some(self.seen.max_delay_ms as f64),
            Metric::Messages => Some(self.messages.len() as f64),
            Metric::Fds => Some(
                self.messages.iter().map(|m| if let Event::Message { fds, .. } = m { *fds as f64 } else { 0.0 }).sum(),
            ),
            Metric::RttUs => self.rtt_us.map(|r| r as f64),
            Metric::CoresUsed => self.last_work.as_ref().map(|w| w.cores_used),
            Metric::Pids => self.last_work.as_ref().map(|w| w.pids as f64),
            Metric::Tids => self.last_work.as_ref().map(|w| w.tids as f64),
            Metric::Counter => {
                let values: BTreeSet<u64> =
                    self.counters.iter().filter(|(a, ..)| a != role::MASTER).map(|(_, _, _, v)| *v).collect();
                match values.len() {
                    0 => None,
                    1 => values.first().map(|v| *v as f64),
                    _ => Some(-1.0),
                }
            }
            Metric::MasterCounter => self.master_counter.map(|v| v as f64),
        }
    }
}

/// A measured value for people: whole numbers as such, others to two decimals.
fn number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v}") } else { format!("{v:.2}") }
}

/// One fact of a process from /proc, as the lessons print and compare it.
fn proc_fact(pid: i32, field: ProcField) -> String {
    let st = procfs::status(pid).unwrap_or_default();
    let or_gone = |v: Option<String>| v.unwrap_or_else(|| "gone".into());
    match field {
        ProcField::Ppid => st.ppid.to_string(),
        ProcField::Pgid => st.pgid.to_string(),
        ProcField::Sid => st.sid.to_string(),
        // tty_nr 0: no controlling terminal (`?` in ps); else its name, as ps shows it.
        ProcField::Tty => {
            if st.tty_nr == 0 {
                "none".into()
            } else {
                procfs::tty_name(st.tty_nr)
            }
        }
        ProcField::Cwd => or_gone(procfs::cwd(pid)),
        ProcField::Umask => or_gone(procfs::umask(pid)),
        ProcField::Fd0 => or_gone(procfs::fd_target(pid, 0)),
        ProcField::Fd1 => or_gone(procfs::fd_target(pid, 1)),
        ProcField::Fd2 => or_gone(procfs::fd_target(pid, 2)),
    }
}

/// (busy, total) jiffies of each CPU from /proc/stat.
fn per_core_ticks() -> Vec<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .map(|l| {
            let v: Vec<u64> = l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
            let total: u64 = v.iter().sum();
            // idle and iowait are the 4th and 5th columns.
            let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
            (total - idle, total)
        })
        .collect()
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
    /// A prediction question, asked before its step runs (the lesson screen asks it from the
    /// lesson itself, before it sends the step to the engine).
    Question,
    /// The same question after the step: the index of the choice that really happened.
    Answer {
        ask: Ask,
        /// The order the choices were shown in (indices into `ask.choices`, letter a first).
        order: Vec<usize>,
        answer: Option<usize>,
        /// What was measured that decided it (`failed is 20`).
        detail: String,
    },
    /// A step's explanation, printed once it has run (the lesson screen shows it from the
    /// lesson itself).
    Explain,
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
    /// The step being run (1-based), for the question and ask objects.
    step: usize,
    pub passed: u32,
    pub failed: u32,
}

impl Transcript {
    pub fn new(sink: Box<dyn FnMut(Line) + Send>) -> Transcript {
        Transcript { sink, step: 0, passed: 0, failed: 0 }
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
            // Text quotes the lesson file and the processes: cleaned (JSON escapes by itself).
            let _ = if json {
                writeln!(o, "{}", line.json)
            } else {
                writeln!(o, "{}", crate::sys::term::clean(&line.text))
            };
        }))
    }

    fn emit(&mut self, kind: LineKind, text: String, json: serde_json::Value) {
        (self.sink)(Line { kind, text, json });
    }

    fn line(&mut self, text: &str, obj: serde_json::Value) {
        self.emit(LineKind::Info, text.to_string(), obj);
    }

    pub fn header(&mut self, l: &Lesson) {
        self.emit(
            LineKind::Header,
            format!("# {} — {}\n{}\n", l.id, l.title, l.intro.trim()),
            json!({"event": "lesson", "lesson": l.id, "title": l.title, "steps": l.steps.len()}),
        );
    }

    pub fn step(&mut self, n: usize, of: usize, title: &str, narration: &str) {
        self.step = n;
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
        if !s.errors.is_empty() {
            let kinds: Vec<String> = s.errors.iter().map(|(k, n)| format!("{n} {k}")).collect();
            text += &format!(" ({})", kinds.join(", "));
        }
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

    fn compare(&mut self, runs: &[measure::Run]) {
        let text = measure::table(runs, measure::LESSON_COLUMNS).join("\n      ");
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

    /// `choices` keeps the file's order; `order` lists their indices in the order shown.
    fn question(&mut self, ask: &Ask, order: &[usize]) {
        let mut text = format!("    ? {}", ask.question);
        for (k, &i) in order.iter().enumerate() {
            text += &format!("\n      {}) {}", Ask::letter(k), ask.choices[i].label);
        }
        let labels: Vec<&str> = ask.choices.iter().map(|c| c.label.as_str()).collect();
        self.emit(
            LineKind::Question,
            text,
            json!({"event": "question", "step": self.step, "question": ask.question, "choices": labels,
                   "order": order}),
        );
    }

    fn answer(&mut self, step: usize, ask: &Ask, order: Vec<usize>, answer: Option<usize>, checked: &[(bool, String)]) {
        let labels: Vec<&str> = ask.choices.iter().map(|c| c.label.as_str()).collect();
        let detail = match answer {
            Some(i) => checked[i].1.clone(),
            None => checked.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>().join("; "),
        };
        let text = match answer {
            Some(i) => format!("    = {} {}  ({detail})", Ask::letter_in(&order, i), labels[i]),
            None => format!("    = none of the choices happened  ({detail})"),
        };
        let conditions: Vec<&str> = ask.choices.iter().map(|c| c.text.as_str()).collect();
        let json = json!({"event": "ask", "step": step, "question": ask.question, "choices": labels,
                   "conditions": conditions, "answer": answer, "answer_label": answer.map(|i| labels[i]),
                   "answer_letter": answer.map(|i| Ask::letter_in(&order, i).to_string()), "order": order,
                   "detail": detail});
        self.emit(
            LineKind::Answer { ask: ask.clone(), order, answer, detail: detail.clone() },
            format!("    ? {}\n{text}", ask.question),
            json,
        );
    }

    /// What the step showed, explained: the text under the step's `<!-- reveal -->`.
    pub fn explain(&mut self, step: usize, text: &str) {
        self.emit(
            LineKind::Explain,
            format!("\n{}\n", text.trim()),
            json!({"event": "explain", "step": step, "text": text}),
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
