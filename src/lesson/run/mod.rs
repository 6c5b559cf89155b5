//! The lesson runner: each directive does what it says to the lab; each `expect` is checked
//! against what the processes and the kernel report, never against what forklab meant to do.
//! The runner gathers what it sees into an [`Observation`] and decides claims with
//! [`checks::check`]; what happens goes to a [`Transcript`] as typed [`Report`]s.

mod backlog;
mod checks;
mod facts;
mod idle;
mod node;
mod report;
mod seen;
mod shutdown;
mod work;
mod zombie;

pub use checks::Observation;
pub use report::{Info, Report, Transcript, TreeRow, WorkDone};
pub use seen::{Fired, Measured, Seen};

use crate::lab::measure;
use crate::lab::{Client, Lab, PoolInfo};
use crate::lesson::{self, Ask, CrashKind, DaemonStep, Directive, Expect, Lesson, ProcField, SendKind, Target};
use crate::proto::client::{ClientArgs, ClientSummary, ConnRecord};
use crate::proto::mode::{Handle, Mode};
use crate::proto::{AckOf, Cmd, Event, role};
use crate::sys::listener::PortInUse;
use crate::sys::procfs;
use anyhow::{Context, Result, anyhow};
use checks::Now;
use facts::{pidfile_facts, proc_fact};
use std::collections::{BTreeMap, BTreeSet};
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

/// The daemon lesson shows a child lose its controlling terminal. When forklab has none (`play`
/// from a script or CI), it first makes itself one, a pseudo-terminal in a session of its own
/// (`sys::pty`), so that the child is born with a terminal to lose; call before the lab starts.
pub fn terminal_for(lesson: &Lesson, out: &mut Transcript) {
    if !lacks_terminal_for(lesson) {
        return;
    }
    let made = crate::sys::pty::own_terminal();
    out.info(Info::Terminal {
        made: made.map(|name| name.trim_start_matches("/dev/").to_string()).map_err(|e| format!("{e:#}")),
    });
}

/// Whether `lesson` takes a daemon's steps while forklab has no controlling terminal.
pub fn lacks_terminal_for(lesson: &Lesson) -> bool {
    let daemon = lesson.steps.iter().flat_map(|s| &s.directives).any(|d| matches!(d.item, Directive::Daemon(_)));
    daemon && procfs::status(std::process::id() as i32).is_ok_and(|st| st.tty_nr == 0)
}

/// Runs directives against a lab. The TUI drives the same runner.
pub struct Runner {
    pub lab: Lab,
    pub seen: Seen,
    pub measured: Measured,
    port: u16,
    /// The port the lesson's front matter asks for (`[setup] port`), if any but 0.
    asked_port: Option<u16>,
    handle: Handle,
    workers: usize,
    /// Report every finished connection of `fire` (the TUI's recent-connections list).
    pub stream_conns: bool,
    /// Whether the master respawns workers of the current pool.
    respawn: bool,
    /// The background load (`do: load`) and the accept count when it started.
    load: Option<(Client, u64)>,
    /// Questions of the current step, with the order their choices were shown in, answered
    /// when it ends.
    asks: Vec<(Ask, Vec<usize>)>,
    lesson_id: String,
    /// The built-in Node program running, if any (`do: node ...`).
    node: Option<node::NodeRun>,
    /// Whether the master reaps its children (`reap off` pauses it).
    reaping: bool,
    /// What each worker was told to do when its master dies (`parent-death`).
    parent_death: BTreeMap<String, lesson::ParentDeathKind>,
    /// The lesson itself killed the master (`kill master`): its end is no failure of the lab.
    pub killed_master: bool,
    /// The connections the last `connect` completed, held open.
    held: Vec<std::net::TcpStream>,
    /// The connections of the last `hold`, until `wait hold`.
    holding: Option<shutdown::Holding>,
}

/// What the last `work` measured.
#[derive(Debug, Clone, Default)]
pub struct Work {
    /// CPU time the processes that did the work used, divided by the time it took.
    pub cores_used: f64,
    /// Cores' worth of CPU that other programs used meanwhile on our cores, from /proc/stat.
    pub others: f64,
    /// Processes the kernel charged CPU time during the work.
    pub pids: usize,
    /// Their threads: the TIDs the workers read in /proc/<pid>/task while working.
    pub tids: usize,
    /// (alias, pid, CPU seconds) of each process that did the work.
    pub by_proc: Vec<(String, i32, f64)>,
    /// The same of each process told to work that was charged too little to count: on a
    /// machine whose other programs had the cores, a worker spinning for 1 s may get 0.02 s.
    pub short: Vec<(String, i32, f64)>,
}

impl Runner {
    pub fn new(lesson: &Lesson, lab: Lab) -> Runner {
        let workers = lesson.setup.workers.map(|w| w.resolve()).unwrap_or(4);
        Runner {
            lab,
            seen: Seen::default(),
            measured: Measured::default(),
            port: lesson.setup.port.unwrap_or(0),
            asked_port: lesson.setup.port.filter(|p| *p != 0),
            handle: Handle::Inherit,
            workers,
            stream_conns: false,
            respawn: true,
            load: None,
            asks: Vec::new(),
            lesson_id: lesson.id.clone(),
            node: None,
            reaping: true,
            parent_death: BTreeMap::new(),
            killed_master: false,
            held: Vec::new(),
            holding: None,
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
        let measured = &mut self.measured;
        self.lab.wait_for(timeout, &mut |ev| take_event(seen, measured, out, ev), |ev| match ev {
            Event::Error { alias, message, kind, .. }
                if alias == role::MASTER && kind != "bad_worker_message" && kind != "fork_failed" =>
            {
                Some(Err(anyhow!("{message}")))
            }
            _ => pick(ev).map(Ok),
        })
    }

    /// Pass events on until `done` says the one awaited came.
    fn wait_event(&mut self, out: &mut Transcript, timeout: Duration, done: impl Fn(&Event) -> bool) -> Result<()> {
        let seen = &mut self.seen;
        self.lab.wait_for(
            timeout,
            &mut |ev| {
                seen.observe(ev);
                out.event(ev);
            },
            |ev| done(ev).then_some(Ok(())),
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
        // A Node program's exits and workers, as its primary reports them now (if it can).
        let _ = self.node_sync(out);
        let asks = std::mem::take(&mut self.asks);
        let conditions: Vec<&Expect> = asks.iter().flat_map(|(a, _)| a.choices.iter().map(|c| &c.when)).collect();
        let o = self.observe(&conditions);
        for (ask, order) in asks {
            let checked: Vec<(bool, String)> = ask.choices.iter().map(|c| checks::check(&c.when, &o)).collect();
            let answer = checked.iter().position(|(held, _)| *held);
            let detail = match answer {
                Some(i) => checked[i].1.clone(),
                None => checked.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>().join(&crate::i18n::clause_sep()),
            };
            out.answer(step, &ask, order, answer, detail);
        }
    }

    /// Check an expectation against what the processes report now. Returns (held, what was seen).
    pub fn check(&self, e: &Expect) -> (bool, String) {
        checks::check(e, &self.observe(&[e]))
    }

    /// What the runner has seen, and what /proc says now, for checking `claims`.
    pub fn observe(&self, claims: &[&Expect]) -> Observation {
        let pids: BTreeSet<i32> = self.seen.pids.values().chain(self.measured.before_crash.values()).copied().collect();
        let mut procs = BTreeMap::new();
        let mut counts = BTreeMap::new();
        let mut listening = BTreeMap::new();
        for target in claims.iter().flat_map(|e| checks::proc_targets(e)) {
            let alias = target.to_string();
            // Any process /proc still lists, a zombie included (`W1 state == Z`).
            if let Some(pid) = self.seen.pids.get(&alias).filter(|p| procfs::status(**p).is_ok()) {
                let named = claims.iter().flat_map(|e| checks::proc_fields(e));
                let fields: BTreeSet<ProcField> = ProcField::SHOWN.iter().copied().chain(named).collect();
                procs.insert(
                    alias.clone(),
                    fields.into_iter().map(|f| (f, proc_fact(*pid, f, self.lab.master_pid))).collect(),
                );
                counts.insert(alias.clone(), self.counts(*pid));
                listening.insert(alias, self.listener_fds(*pid).unwrap_or_default());
            }
        }
        // Workers by what /proc says: the live children of the master (node-cluster's is the
        // Node primary) that run as forklab's workers or that the lab reported as workers.
        let parent = self.seen.pids.get(role::MASTER).copied().unwrap_or(self.lab.master_pid);
        let worker_pids: BTreeSet<i32> =
            self.seen.pids.iter().filter(|(a, _)| a.starts_with('W')).map(|(_, p)| *p).collect();
        let now = Now {
            live: pids.into_iter().filter(|p| procfs::is_live(*p)).collect(),
            listener_inodes: (self.seen.listeners.iter())
                .map(|(alias, (pid, fd, _, _))| (alias.clone(), procfs::socket_inode(*pid, *fd)))
                .collect(),
            pidfile: self.seen.pidfile.as_deref().map(pidfile_facts),
            procs,
            counts,
            listening,
            workers: (procfs::children(parent).into_iter())
                .filter(|st| st.name == "forklab-worker" || worker_pids.contains(&st.pid))
                .map(|st| st.pid)
                .collect(),
            cores: lesson::WorkerCount::Cores.resolve(),
            forklab: std::process::id() as i32,
            // node-fork's is the Node master (the seen master is forklab's otherwise).
            master: parent,
            master_is_node: parent != self.lab.master_pid,
        };
        Observation { seen: self.seen.clone(), measured: self.measured.clone(), now }
    }

    fn pool(&self) -> Result<PoolInfo> {
        self.lab.pool.clone().with_context(|| tr!("run-no-pool"))
    }

    fn start(&mut self, mode: Mode, workers: usize, handle: Handle, out: &mut Transcript) -> Result<PoolInfo> {
        // A new pool: forget the old one's listeners and workers.
        self.seen.listeners.clear();
        self.seen.pids.retain(|a, _| a == role::MASTER || a == role::DAEMON);
        self.respawn = true;
        let (seen, asked) = (&mut self.seen, self.asked_port);
        let info = self
            .lab
            .start_pool(mode, workers, self.port, handle, &mut |ev| {
                seen.observe(ev);
                out.event(ev);
            })
            // A port in use that the lesson's front matter asked for: say where to change it.
            .map_err(|e| match e.downcast_ref::<PortInUse>() {
                Some(PortInUse(port)) if asked == Some(*port) => {
                    anyhow::anyhow!(tr!("lesson-port-in-use", port = *port))
                }
                _ => e,
            })?;
        self.port = info.port;
        self.handle = handle;
        self.workers = workers;
        out.info(Info::Pool(info.clone()));
        Ok(info)
    }

    /// Run one directive; the transcript shows it as its `Display` writes it.
    pub fn apply(&mut self, d: &Directive, out: &mut Transcript) -> Result<()> {
        if let Directive::Ask(ask) = d {
            let order = shown_order(&self.lesson_id, ask);
            out.question(ask, &order);
            self.asks.push((ask.clone(), order));
            return Ok(());
        }
        out.directive(d);
        // While a Node program runs, the directives that name processes act on it.
        if let Some(done) = self.node_apply(d, out) {
            return done;
        }
        match d {
            Directive::Ask(_) => {}
            Directive::Node(cmd) => self.node_cmd(cmd, out)?,
            Directive::Crash { how: CrashKind::Throw, .. } => {
                anyhow::bail!(tr!("run-throw-needs-node"))
            }
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
            Directive::RollingRestart => self.rolling_restart(out)?,
            Directive::Work { target, threads, ms } => self.work(target.as_ref(), *threads, *ms, out)?,
            Directive::Counter { target, threads } => self.counter(target.as_ref(), *threads, out)?,
            Directive::Daemon(step) => self.daemon(*step, out)?,
            Directive::Reap(on) => self.reap(*on, out)?,
            Directive::ParentDeath { target, how } => self.parent_death(target, *how, out)?,
            Directive::Backlog(n) => self.backlog(*n, out)?,
            Directive::Accept(on) => self.accept(*on, out)?,
            Directive::Connect(n) => self.connect(*n, out)?,
            Directive::Drain(ms) => self.drain(*ms, out)?,
            Directive::Hold { idle, slow, ms } => self.hold(*idle, *slow, *ms, out)?,
            Directive::WaitHold => self.wait_hold(out)?,
            Directive::StopGrace(ms) => self.stop_grace(*ms, out)?,
            Directive::Cost { what, rounds } => self.cost(*what, *rounds, out)?,
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
                self.wait_event(out, Duration::from_secs(10), |ev| matches!(ev, Event::PoolStopped { .. }))?;
                self.lab.pool = None;
            }
            Directive::Fire { connections, concurrency, keepalive } => {
                self.fire(*connections, *concurrency, *keepalive, false, out)?;
            }
            Directive::Visit { connections, concurrency } => self.fire(*connections, *concurrency, 1, true, out)?,
            Directive::Compare { modes, connections, concurrency, runs, busy } => {
                self.compare(modes, *connections, *concurrency, *runs, busy.as_ref(), out)?
            }
            Directive::Kill { target, signal } => self.kill(target, *signal, out)?,
            Directive::Busy { target, ms } => {
                self.lab.send(&Cmd::Busy { alias: target.to_string(), ms: *ms })?;
            }
            Directive::ShowFds(target) => self.show_fds(target, out)?,
            Directive::ShowTree => self.show_tree(out),
            Directive::Expect(e) => {
                let (passed, detail) = self.check(e);
                out.expect(d.to_string(), passed, detail);
            }
        }
        Ok(())
    }

    fn rolling_restart(&mut self, out: &mut Transcript) -> Result<()> {
        self.measured.rolling.clear();
        // Two idle keep-alive connections per worker, each served once: the old workers hold
        // them, and must close them, not reset them, as they stop.
        // (Not in blocking mode: a blocking worker serves one connection at a time, and an idle
        // one would hold it; `rolled` then says none was open to drain.)
        let pool = self.pool()?;
        let idle = match pool.mode {
            Mode::Blocking => None,
            _ => Some(idle::open(self.port, 2 * pool.workers)?),
        };
        self.lab.send(&Cmd::RollingRestart)?;
        self.wait(out, Duration::from_secs(30), |ev| matches!(ev, Event::Rolled { .. }).then_some(()))?;
        self.measured.rolled_idle = idle.map(|c| idle::ended(c, Duration::from_secs(2), &self.lab.stop()));
        // Did the load still run when the last old worker was gone? Its client is alive and
        // has connections left to fire.
        self.measured.rolled_under_load = self.load.as_ref().map(|(c, _)| procfs::is_live(c.pid));
        self.wait(out, Duration::from_secs(10), |ev| matches!(ev, Event::PoolReady { .. }).then_some(()))
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
        // With the master gone (`kill master`), nobody counts accepts: orphans still serve.
        if !self.master_alive() {
            return Ok(0);
        }
        let seen = &mut self.seen;
        let stats = self.lab.stats(&mut |ev| {
            seen.observe(ev);
            out.event(ev);
        })?;
        Ok(stats.iter().map(|s| if let Event::Stats { accepted, .. } = s { *accepted } else { 0 }).sum())
    }

    /// Replies by worker, every worker of the pool listed (zeros too).
    fn per_worker(&self, summary: &ClientSummary) -> BTreeMap<String, u64> {
        let mut per_worker: BTreeMap<String, u64> =
            self.seen.pids.keys().filter(|a| a.starts_with('W')).map(|a| (a.clone(), 0)).collect();
        for (alias, n) in &summary.per_worker {
            *per_worker.entry(alias.clone()).or_insert(0) += n;
        }
        per_worker
    }

    /// Fire connections at the pool; `visit`: each asks for `/visit` (the visit counters).
    fn fire(
        &mut self,
        connections: u32,
        concurrency: u32,
        keepalive: u32,
        visit: bool,
        out: &mut Transcript,
    ) -> Result<()> {
        let pool = self.pool()?;
        let before = self.accepted_total(out)?;
        let stream = self.stream_conns;
        let args = ClientArgs { port: pool.port, connections, concurrency, keepalive, timeout_ms: 5000, stream, visit };
        let events = self.lab.events().clone();
        let (seen, measured) = (&mut self.seen, &mut self.measured);
        let client = Client::start(&args, self.lab.stop())?;
        let summary = client.finish_watching(Duration::from_secs(120), &events, &mut |line| match line {
            crate::lab::ClientLine::Conn(c) => out.conn(c),
            crate::lab::ClientLine::LabEvent(ev) => take_event(seen, measured, out, &ev),
            crate::lab::ClientLine::Done(_) => {}
        })?;
        // Workers report their counters every 20 ms at most: wait until they cover the fire.
        let mut accepted = 0;
        for _ in 0..if self.master_alive() { 50 } else { 0 } {
            accepted = self.accepted_total(out)?.saturating_sub(before);
            if accepted >= summary.completed {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let per_worker = self.per_worker(&summary);
        let fired = Fired { summary, per_worker, accepted };
        out.fired(pool.mode.name(), &fired);
        self.measured.fire = Some(fired);
        Ok(())
    }

    fn compare(
        &mut self,
        modes: &[Mode],
        connections: u32,
        concurrency: u32,
        runs: u32,
        busy: Option<&(Target, u32)>,
        out: &mut Transcript,
    ) -> Result<()> {
        let busy = busy.map(|(t, ms)| (t.to_string(), *ms));
        let workers = self.lab.pool.as_ref().map(|p| p.workers).unwrap_or(self.workers);
        let mut table = Vec::new();
        for _ in 0..runs {
            for &mode in modes {
                let args = ClientArgs {
                    port: 0,
                    connections,
                    concurrency,
                    keepalive: 1,
                    timeout_ms: 5000,
                    stream: false,
                    visit: false,
                };
                self.seen.listeners.clear();
                let seen = &mut self.seen;
                let busy = busy.as_ref().map(|(alias, ms)| (alias.as_str(), *ms));
                let run = measure::measure_busy(&mut self.lab, mode, workers, args, busy, &mut |ev| {
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

    /// A signal from outside the pool, sent by forklab as kill(1) would: the master learns of
    /// it only from SIGCHLD. Just before, the TCP connections the target holds are read from
    /// /proc: what a fatal signal can cost.
    fn kill(&mut self, target: &Target, signal: nix::sys::signal::Signal, out: &mut Transcript) -> Result<()> {
        let alias = target.to_string();
        let pid =
            *self.seen.pids.get(&alias).with_context(|| tr!("run-no-process-to-signal", alias = alias.as_str()))?;
        self.measured.before_crash = self.seen.pids.clone();
        self.measured.respawn_delays.clear();
        // Under load, SIGKILL a stopped worker: between reading its fd table and the kill, a
        // running one could take another connection, lost and never counted. Stopped
        // (SIGSTOP), it accepts nothing; SIGKILL ends a stopped process all the same.
        let freeze = signal == nix::sys::signal::Signal::SIGKILL && self.load.is_some() && alias.starts_with('W');
        if freeze && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGSTOP).is_ok()
        {
            let until = Instant::now() + Duration::from_millis(500);
            while procfs::status(pid).is_ok_and(|s| s.state != 'T') && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let port = self.lab.pool.as_ref().map_or(0, |p| p.port);
        let held = procfs::tcp_conns(pid, port)
            .with_context(|| tr!("run-counting-connections", alias = alias.as_str(), pid = pid))?;
        self.measured.crash = Some((alias.clone(), held as u64));
        // In rr mode the master hands a worker one connection at a time and waits for it to
        // say it took it: one can be in the worker's channel, not yet in its fd table.
        self.measured.in_channel = u64::from(self.lab.pool.as_ref().is_some_and(|p| p.mode == Mode::Rr));
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal)
            .with_context(|| tr!("run-sending-signal", signal = signal.as_str(), alias = alias.as_str(), pid = pid))?;
        out.event(&Event::Signaled {
            alias: alias.clone(),
            pid,
            signal: signal.as_str().into(),
            by: role::APP.into(),
            why: None,
        });
        use nix::sys::signal::Signal::*;
        // Wait for the end of a process the signal kills by default; the others go on.
        if matches!(signal, SIGTERM | SIGKILL | SIGSEGV | SIGINT | SIGHUP | SIGABRT | SIGUSR1) {
            if !self.reaping && alias.starts_with('W') {
                return self.wait_zombie(&alias, pid, out);
            }
            self.wait_event(
                out,
                Duration::from_secs(10),
                |ev| matches!(ev, Event::Exited { pid: p, .. } if *p == pid),
            )?;
            if alias.starts_with('W') {
                self.wait_respawned(&alias, out)?;
            } else if alias == role::MASTER {
                self.killed_master = true;
                self.orphans(out);
            }
        }
        Ok(())
    }

    fn crash(&mut self, target: &Target, how: CrashKind, out: &mut Transcript) -> Result<()> {
        let alias = target.to_string();
        let pid = self.pid_of(target)?;
        self.measured.before_crash = self.seen.pids.clone();
        self.measured.respawn_delays.clear();
        self.measured.in_channel = 0;
        self.lab.send(&Cmd::Crash { alias: alias.clone(), how: how.name().into() })?;
        let held = self.wait(out, Duration::from_secs(10), |ev| match ev {
            Event::CrashOrdered { alias: a, open_conns, .. } if *a == alias => Some(*open_conns),
            _ => None,
        })?;
        self.measured.crash = Some((alias.clone(), held));
        if how == CrashKind::Loop {
            // Every restart fails at once; the master backs off, then gives up. Time each
            // wait from an exit to the next start, and count the starts.
            let (mut exited_at, mut delays) = (None, Vec::new());
            self.wait(out, Duration::from_secs(30), |ev| match ev {
                Event::GaveUp { alias: a, .. } if *a == alias => Some(()),
                Event::Exited { alias: a, .. } if *a == alias => {
                    exited_at = Some(Instant::now());
                    None
                }
                Event::Spawned { alias: a, .. } if *a == alias => {
                    if let Some(at) = exited_at.take() {
                        delays.push(at.elapsed().as_millis() as u64);
                    }
                    None
                }
                _ => None,
            })?;
            self.measured.respawn_delays = delays;
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
        let args = ClientArgs {
            port: pool.port,
            connections,
            concurrency,
            keepalive,
            timeout_ms: 5000,
            stream: true,
            visit: false,
        };
        let client = Client::start(&args, self.lab.stop())?;
        let conns = &mut self.measured.load_conns;
        conns.clear();
        // Wait until the load flows, so that what comes next happens under it.
        let flowing = (connections / 10).clamp(1, 50) as usize;
        let deadline = Instant::now() + Duration::from_secs(30);
        while conns.len() < flowing {
            let left = deadline.saturating_duration_since(Instant::now());
            match client.recv(left)? {
                Some(crate::lab::ClientLine::Conn(c)) => conns.push(c),
                // `recv` gives the client's own lines only.
                Some(crate::lab::ClientLine::LabEvent(_)) => {}
                Some(crate::lab::ClientLine::Done(_)) | None => {
                    anyhow::bail!(tr!("run-load-ended-early"))
                }
            }
        }
        out.info(Info::Load { connections, concurrency, keepalive, flowing });
        self.load = Some((client, before));
        Ok(())
    }

    fn wait_load(&mut self, out: &mut Transcript) -> Result<()> {
        let (client, before) = self.load.take().with_context(|| tr!("run-no-load"))?;
        let pool = self.pool()?;
        let conns = &mut self.measured.load_conns;
        let summary = client.finish(Duration::from_secs(120), &mut |c| conns.push(c))?;
        let accepted = self.accepted_total(out)?.saturating_sub(before);
        let per_worker = self.per_worker(&summary);
        let fired = Fired { summary, per_worker, accepted };
        out.fired(pool.mode.name(), &fired);
        let failed: Vec<ConnRecord> = self.measured.load_conns.iter().filter(|c| !c.ok).cloned().collect();
        if !failed.is_empty() {
            out.info(Info::FailedConns(failed));
        }
        self.measured.fire = Some(fired);
        Ok(())
    }

    fn send(&mut self, kind: &SendKind, out: &mut Transcript) -> Result<()> {
        self.measured.messages.clear();
        let timeout = Duration::from_secs(10);
        match kind {
            SendKind::Ping(t) => {
                let alias = t.to_string();
                self.lab.send(&Cmd::Ping { alias: alias.clone() })?;
                self.measured.rtt_us = self
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
                    Event::Message { to, ack: Some(AckOf::Note), .. } if to == role::MASTER => {
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
                    Event::Message { from, ack: Some(AckOf::Note), .. } if *from == to => Some(()),
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
                self.measured.handle = Some((sent, got.0, got.1));
            }
        }
        let (messages, bytes, fds) = checks::crossed(&self.measured.messages);
        out.info(Info::Sent { messages, bytes, fds, rtt_us: self.measured.rtt_us });
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
        if target.is_none() {
            self.measured.copies = got.clone();
        }
        self.measured.counters = got;
        Ok(())
    }

    /// A measurement in the master (processes) or in W1 (threads), reported as `Event::Cost`.
    fn cost(&mut self, what: lesson::CostKind, rounds: Option<u32>, out: &mut Transcript) -> Result<()> {
        let alias = what.in_worker().then(|| Target::Worker(1).to_string());
        if let Some(a) = &alias {
            self.pid_of(&Target::Worker(1))
                .with_context(|| tr!("run-cost-runs-in", what = what.name(), target = a.to_string()))?;
        }
        let name = what.name();
        let rounds = rounds.unwrap_or(what.default_rounds());
        self.lab.send(&Cmd::Cost { alias, what: name.into(), rounds })?;
        let figures = self.wait(out, Duration::from_secs(30), |ev| match ev {
            Event::Cost { what, figures, .. } if what == name => Some(Ok(figures.clone())),
            Event::Error { kind, message, .. } if kind == "cost_failed" => Some(Err(anyhow!("{message}"))),
            _ => None,
        })??;
        self.measured.costs.insert(name.to_string(), figures);
        Ok(())
    }

    fn daemon(&mut self, step: DaemonStep, out: &mut Transcript) -> Result<()> {
        if step == DaemonStep::Stop {
            return self.stop_daemon(out);
        }
        let name = step.name();
        let first = self.seen.pids.get(role::DAEMON).copied();
        self.measured.daemon_before = first.map(|pid| {
            (name.to_string(), ProcField::SHOWN.iter().map(|f| (*f, proc_fact(pid, *f, self.lab.master_pid))).collect())
        });
        self.measured.forklab_tty = Some(proc_fact(std::process::id() as i32, ProcField::Tty, self.lab.master_pid));
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
        let path = self.seen.pidfile.clone().with_context(|| tr!("run-no-pidfile"))?;
        let text = std::fs::read_to_string(&path).with_context(|| tr!("run-reading-pidfile", path = path.as_str()))?;
        let pid: i32 =
            text.trim().parse().with_context(|| tr!("run-pidfile-holds", path = path.as_str(), text = text.trim()))?;
        // A pidfile can outlive its process and the pid be reused: check what the pid is now.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() != "forklab-daemon" {
            anyhow::bail!(tr!("run-not-the-daemon", pid = pid, path = path.as_str(), comm = comm.trim()));
        }
        let exit = crate::sys::reaper::watch(pid);
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM)
            .with_context(|| tr!("run-sigterm-daemon", pid = pid))?;
        let me = std::process::id() as i32;
        out.event(&Event::Signaled {
            alias: role::DAEMON.into(),
            pid,
            signal: "SIGTERM".into(),
            by: role::APP.into(),
            why: None,
        });
        let status = crate::sys::reaper::wait_timeout(&exit, Duration::from_secs(5))
            .with_context(|| tr!("run-daemon-did-not-end", pid = pid, secs = 5))?;
        let ev = Event::Exited {
            alias: role::DAEMON.into(),
            pid,
            code: status.code(),
            signal: status.signal_name(),
            core_dumped: matches!(status, crate::sys::reaper::Exit::Signal(_, true)),
        };
        self.seen.observe(&ev);
        out.event(&ev);
        let pidfile_removed = !Path::new(&path).exists();
        out.info(Info::DaemonStopped { pid, reaper: me, pidfile_removed });
        Ok(())
    }

    /// What the kernel says about one process: the columns the daemon lesson watches change.
    fn show_proc(&self, target: &Target, out: &mut Transcript) -> Result<()> {
        let pid = self.pid_of(target)?;
        let facts = ProcField::SHOWN.iter().map(|f| (*f, proc_fact(pid, *f, self.lab.master_pid))).collect();
        out.info(Info::Proc { target: *target, pid, facts });
        Ok(())
    }

    fn pid_of(&self, target: &Target) -> Result<i32> {
        let alias = target.to_string();
        self.seen.pids.get(&alias).copied().with_context(|| tr!("check-no-live-process", alias = alias.as_str()))
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
        out.info(Info::Fds { target: *target, pid, table, shared });
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
        out.info(Info::Tree { rows, pids: self.seen.pids.clone() });

        fn under(tree: &[(&str, i32, i32)], alias: &str, pid: i32, depth: usize, rows: &mut Vec<TreeRow>) {
            let status = procfs::status(pid).unwrap_or_default();
            rows.push(TreeRow { alias: alias.to_string(), pid, depth, status });
            for &(child, p, _) in tree.iter().filter(|&&(_, p, pp)| pp == pid && p != pid) {
                // A tree of forklab's processes is a few levels deep; the bound only guards /proc.
                if depth < 8 {
                    under(tree, child, p, depth + 1, rows);
                }
            }
        }
    }
}

/// An event of the lab, taken while the runner waits: seen, printed, and kept where a check
/// needs it.
fn take_event(seen: &mut Seen, measured: &mut Measured, out: &mut Transcript, ev: &Event) {
    seen.observe(ev);
    out.event(ev);
    match ev {
        Event::Message { .. } | Event::Received { .. } => measured.messages.push(ev.clone()),
        Event::WorkerReady { .. } | Event::Retiring { .. } | Event::Rolled { .. } | Event::Exited { .. } => {
            measured.rolling.push(ev.clone())
        }
        _ => {}
    }
}
