//! The runner's side of a built-in Node program (`do: node ...`): while one runs, the
//! directives that name processes act on it, and what they show comes from the kernel and
//! from the program's primary (its `exit` events, its workers' own counts), never from what
//! forklab meant to do. Connections are attributed by the watch machinery (lab/fire.rs).

use super::{Fired, Info, Runner, Transcript};
use crate::lab::fire;
use crate::lab::node::{NodeLab, NodeState};
use crate::lab::watch;
use crate::lesson::{self, CrashKind, Directive, NodeCmd, Sched, Target};
use crate::proto::client::ClientSummary;
use crate::proto::{Event, role};
use crate::sys::procfs;
use anyhow::{Context, Result, anyhow, bail};
use nix::sys::signal::Signal;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a worker may take to end after it was told to, and a respawn to listen.
const END_TIMEOUT: Duration = Duration::from_secs(10);

/// The running program and what the runner has read of it.
pub struct NodeRun {
    pub lab: NodeLab,
    pub sched: Option<Sched>,
    /// Started with `fix=disconnect` (the note's children end when the master's end closes).
    pub fix: bool,
    /// Exits already passed on (the primary's list only grows).
    exits_seen: usize,
    /// The workers and the port last reported, to say when they change.
    shown: Shown,
    /// The port the program serves on, as last reported (kept once its primary is gone).
    pub port: u16,
}

/// A Node program's workers and port as last reported. A respawned worker can listen on a new
/// port: with port 0, the primary closes the listener when its last worker dies
/// (round_robin_handle.js, `remove`), and the next worker's `listen(0)` binds anew.
#[derive(Debug, Default)]
struct Shown {
    workers: Vec<(String, i32)>,
    port: u16,
    /// Every worker whose start was shown: a worker not yet listening is not in `workers`,
    /// and its start is shown once, not at each look until it listens.
    started: Vec<(String, i32)>,
}

impl Shown {
    /// The workers not shown starting yet, now counted as shown.
    fn new_starts(&mut self, workers: &[(String, i32)]) -> Vec<(String, i32)> {
        let new: Vec<(String, i32)> = workers.iter().filter(|w| !self.started.contains(w)).cloned().collect();
        self.started.extend(new.iter().cloned());
        new
    }

    /// Whether the workers or the port differ from what was last reported; if so, they are
    /// what is reported now. No port (none listened on yet, or any more): nothing is reported,
    /// and the workers are reported once their port is known. The primary's own figure stays
    /// the old port after it closed it, until a new worker listens.
    fn changed(&mut self, workers: &[(String, i32)], port: Option<u16>) -> bool {
        let Some(port) = port else { return false };
        if workers == self.workers && port == self.port {
            return false;
        }
        self.workers = workers.to_vec();
        self.port = port;
        true
    }
}

/// The port the primary last reported, once each of its workers has said it listens (a new
/// one's `listening` sets the port anew) and the kernel shows a listening socket on it in the
/// primary's or a worker's fd table. The primary's figure alone can be a port it closed.
fn listened(state: &NodeState) -> Option<u16> {
    if state.port == 0 || !state.workers.iter().all(|w| w.listening) {
        return None;
    }
    let pids = std::iter::once(state.primary).chain(state.workers.iter().map(|w| w.pid));
    let tables = watch::fd_tables(pids);
    let found = crate::sys::sockdiag::SockDiag::open()
        .and_then(|mut diag| watch::listeners(&mut diag, &tables, Some(state.port)));
    match found {
        Ok(found) => (!found.is_empty()).then_some(state.port),
        // No sock_diag: the workers' own word.
        Err(_) => state.workers.iter().any(|w| w.listening).then_some(state.port),
    }
}

/// The lines in a program's log that say its script started from the top in process `pid`
/// (child1.js prints `child1.js: from the top, pid PID ppid PPID` first thing).
fn starts(log: &str, pid: i32) -> usize {
    let mark = format!(": from the top, pid {pid} ");
    log.lines().filter(|l| l.contains(&mark)).count()
}

impl Runner {
    pub(super) fn node_cmd(&mut self, cmd: &NodeCmd, out: &mut Transcript) -> Result<()> {
        match cmd {
            NodeCmd::Start { program, workers, sched, fix } => {
                self.node_stop();
                // One lab at a time: the aliases W1, W2 name the Node program's workers now.
                if self.lab.pool.is_some() {
                    self.lab.send(&crate::proto::Cmd::Stop)?;
                    self.wait_event(out, Duration::from_secs(10), |ev| matches!(ev, Event::PoolStopped { .. }))?;
                    self.lab.pool = None;
                    self.seen.pids.retain(|a, _| !a.starts_with('W'));
                    self.seen.listeners.clear();
                }
                let mut args = vec![format!("workers={workers}")];
                args.extend(sched.map(|s| format!("sched={}", s.name())));
                if *fix {
                    args.push("fix=disconnect".into());
                }
                let lab = NodeLab::start(program, &args, *workers, &self.lab.stop())?;
                self.node =
                    Some(NodeRun { lab, sched: *sched, fix: *fix, exits_seen: 0, shown: Shown::default(), port: 0 });
                self.measured.fire = None;
                self.node_sync(out)?;
            }
            NodeCmd::Stop => self.node_stop(),
            NodeCmd::Fork => self.node_fork_traced(out)?,
            NodeCmd::Disconnect(t) => {
                let (id, pid) = self.node_worker(t)?;
                self.node()?.lab.get(&format!("/__forklab/disconnect?worker={id}"))?;
                self.node_wait_exit(pid, out)?;
            }
            // The study note's master closes its own copy of the server it sent (master.js).
            NodeCmd::Close(Target::Master) => {
                self.node()?.lab.get("/__forklab/close")?;
            }
            NodeCmd::Close(t) => {
                let (id, _) = self.node_worker(t)?;
                self.node()?.lab.get(&format!("/__forklab/close?worker={id}"))?;
            }
        }
        Ok(())
    }

    /// A directive that names processes, done on the running Node program (None: no program
    /// runs, or the directive is the lab's: a `spawn` or `stop` ends the program first).
    pub(super) fn node_apply(&mut self, d: &Directive, out: &mut Transcript) -> Option<Result<()>> {
        self.node.as_ref()?;
        match d {
            Directive::Fire { connections, concurrency, .. } => Some(self.node_fire(*connections, *concurrency, out)),
            Directive::Kill { target, signal } => Some(self.node_kill(target, *signal, out)),
            Directive::Busy { target, ms } => Some(self.node_busy(target, *ms)),
            Directive::Crash { target, how } => Some(self.node_crash(target, *how, out)),
            Directive::Respawn(on) => Some(self.node_respawn(*on)),
            Directive::Visit { .. } => Some(Err(anyhow!(tr!("node-no-visit")))),
            Directive::Expect(_) => match self.node_sync(out) {
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            },
            Directive::Spawn { .. } | Directive::SetMode(_) | Directive::Stop => {
                self.node_stop();
                None
            }
            _ => None,
        }
    }

    /// A process's threads, RSS and listeners on the lab's port, as the kernel says, and (a
    /// built-in Node program's) the times its script started from the top, as its log says.
    pub(super) fn counts(&self, pid: i32) -> Vec<(lesson::CountField, f64)> {
        use crate::lesson::CountField;
        let mut out = Vec::new();
        if let Ok(st) = procfs::status(pid) {
            out.push((CountField::Threads, f64::from(st.threads)));
            out.push((CountField::RssMib, st.rss_kib as f64 / 1024.0));
        }
        if let Ok(table) = procfs::fd_table(pid) {
            out.push((CountField::Fds, table.len() as f64));
        }
        if let Some(fds) = self.listener_fds(pid) {
            out.push((CountField::Listeners, fds.len() as f64));
        }
        if let Some(node) = &self.node {
            out.push((CountField::Starts, starts(&node.lab.log(), pid) as f64));
        }
        out
    }

    /// The listening sockets on the lab's port in a process's fd table, as (fd, inode); None
    /// while no lab has a port.
    pub(super) fn listener_fds(&self, pid: i32) -> Option<Vec<(i32, u64)>> {
        let port = match &self.node {
            Some(n) => n.port,
            None => self.lab.pool.as_ref().map_or(0, |p| p.port),
        };
        if port == 0 {
            return None;
        }
        let tables = crate::lab::watch::fd_tables([pid]);
        let found = crate::sys::sockdiag::SockDiag::open()
            .and_then(|mut diag| crate::lab::watch::listeners(&mut diag, &tables, Some(port)))
            .ok()?;
        Some(found.into_iter().map(|(_, l)| (l.fd, l.inode)).collect())
    }

    fn node(&self) -> Result<&NodeRun> {
        self.node.as_ref().ok_or_else(|| anyhow!(tr!("node-not-running")))
    }

    /// Ends the running program, if any (its whole process group), and forgets its processes.
    pub(super) fn node_stop(&mut self) {
        if self.node.take().is_some() {
            self.seen.pids.retain(|a, _| !a.starts_with('W'));
            self.seen.pids.insert(role::MASTER.into(), self.lab.master_pid);
            self.seen.exits.clear();
        }
    }

    /// A worker target's Node `worker.id` and PID.
    fn node_worker(&self, t: &Target) -> Result<(u32, i32)> {
        let Target::Worker(id) = t else { bail!(tr!("node-not-a-worker", target = t.to_string())) };
        let pid =
            *self.seen.pids.get(&t.to_string()).with_context(|| tr!("node-no-live-worker", target = t.to_string()))?;
        Ok((*id, pid))
    }

    /// Reads the primary's state into what the runner has seen: `master` is the primary, `W<id>`
    /// each worker; new exits are passed on as the lab's exit events are.
    pub(super) fn node_sync(&mut self, out: &mut Transcript) -> Result<Option<NodeState>> {
        let Some(node) = self.node.as_mut() else { return Ok(None) };
        // A primary that was killed answers nothing: what was seen of its processes stays (the
        // note's children live on as orphans, re-parented to forklab).
        if !procfs::is_live(node.lab.started.pid) {
            return Ok(None);
        }
        let state = node.lab.state()?;
        if state.port != 0 {
            node.port = state.port;
        }
        self.seen.pids.retain(|a, _| !a.starts_with('W'));
        self.seen.pids.insert(role::MASTER.into(), state.primary);
        for w in &state.workers {
            self.seen.pids.insert(format!("W{}", w.id), w.pid);
        }
        for e in state.exits.iter().skip(node.exits_seen) {
            let ev = Event::Exited {
                alias: format!("W{}", e.id),
                pid: e.pid,
                code: e.code,
                signal: e.signal.clone(),
                core_dumped: false,
            };
            self.seen.exits.insert(format!("W{}", e.id), ev.clone());
            out.event(&ev);
        }
        node.exits_seen = state.exits.len();
        let workers: Vec<(String, i32)> = state.workers.iter().map(|w| (format!("W{}", w.id), w.pid)).collect();
        // Each new worker, as the kernel shows it: forked by the primary (its PPID).
        for (alias, pid) in node.shown.new_starts(&workers) {
            let ppid = procfs::status(pid).map_or(0, |st| st.ppid);
            out.event(&Event::Spawned { alias, pid, ppid, role: role::WORKER.into() });
        }
        let port = listened(&state);
        if node.shown.changed(&workers, port) {
            out.info(Info::Node {
                program: node.lab.name.clone(),
                sched: state.sched.clone(),
                port: node.shown.port,
                primary: state.primary,
                workers,
            });
        }
        Ok(Some(state))
    }

    pub(super) fn node_busy(&mut self, t: &Target, ms: u32) -> Result<()> {
        let (id, _) = self.node_worker(t)?;
        self.node()?.lab.get(&format!("/__forklab/busy?worker={id}&ms={ms}"))?;
        Ok(())
    }

    pub(super) fn node_respawn(&mut self, on: bool) -> Result<()> {
        self.node()?.lab.get(&format!("/__forklab/respawn?on={}", u8::from(on)))?;
        Ok(())
    }

    pub(super) fn node_crash(&mut self, t: &Target, how: CrashKind, out: &mut Transcript) -> Result<()> {
        let (id, pid) = self.node_worker(t)?;
        self.measured.before_crash = self.seen.pids.clone();
        let route = match how {
            CrashKind::Throw => format!("/__forklab/throw?worker={id}"),
            CrashKind::Exit => format!("/__forklab/exit?worker={id}&code=1"),
            other => bail!(tr!("node-crash-how", how = other.name())),
        };
        self.node()?.lab.get(&route)?;
        self.measured.crash = Some((t.to_string(), 0));
        self.node_wait_exit(pid, out)
    }

    pub(super) fn node_kill(&mut self, t: &Target, signal: Signal, out: &mut Transcript) -> Result<()> {
        let alias = t.to_string();
        let pid =
            *self.seen.pids.get(&alias).with_context(|| tr!("run-no-process-to-signal", alias = alias.as_str()))?;
        self.measured.before_crash = self.seen.pids.clone();
        // Each child's end of its IPC channel (fd 3), to see when it has taken in the master's end.
        let children: Vec<(i32, Option<u64>)> = (self.seen.pids.iter())
            .filter(|(a, _)| a.starts_with('W'))
            .map(|(_, p)| (*p, procfs::socket_inode(*p, 3)))
            .collect();
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal)?;
        if *t == Target::Master {
            let deadline = Instant::now() + END_TIMEOUT;
            while procfs::is_live(pid) && Instant::now() < deadline && !self.lab.stop().stopped() {
                std::thread::sleep(Duration::from_millis(20));
            }
            self.node_orphans_settle(&children, deadline);
            return Ok(());
        }
        use Signal::*;
        if matches!(signal, SIGTERM | SIGKILL | SIGSEGV | SIGINT | SIGHUP | SIGABRT | SIGUSR1) {
            self.node_wait_exit(pid, out)?;
        }
        Ok(())
    }

    /// The note's `fork()` and `send('server', server)` once more, with strace attached to the
    /// master: the sendmsg() that carries the listener (SCM_RIGHTS), and the fd it became in
    /// the new child. Without strace (or ptrace refused) the fork still happens, and
    /// `scm-rights` says why nothing was seen.
    fn node_fork_traced(&mut self, out: &mut Transcript) -> Result<()> {
        use crate::lab::strace::{SysEvent, Tracer};
        let primary = self.node()?.lab.started.pid;
        let before = self.node()?.lab.state()?.workers.len();
        let sent = self.listener_fds(primary).and_then(|l| l.first().map(|(_, inode)| *inode)).unwrap_or(0);
        let (tx, rx) = crossbeam_channel::unbounded::<SysEvent>();
        let tracer = Tracer::start(primary, tx, |e| e);
        if tracer.is_ok() {
            // strace prints nothing until a call: wait until the kernel shows it attached, or
            // strace said something (a refused attach, or a first call).
            let deadline = Instant::now() + END_TIMEOUT;
            let waiting = || procfs::tracer_pid(primary) == 0 && rx.is_empty() && Instant::now() < deadline;
            while waiting() && !self.lab.stop().stopped() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.node()?.lab.get("/__forklab/fork")?;
        self.node()?.lab.wait_listening(before + 1, Instant::now() + END_TIMEOUT, &self.lab.stop())?;
        self.measured.sendmsg = Some(match tracer {
            Err(e) => Err(format!("{e:#}")),
            Ok(tracer) => {
                let calls = sendmsg_calls(&rx, Instant::now() + Duration::from_secs(5));
                drop(tracer);
                calls
            }
        });
        let state = self.node_sync(out)?.with_context(|| tr!("node-ended"))?;
        let new = state.workers.iter().max_by_key(|w| w.id).with_context(|| tr!("node-no-child"))?;
        let got = self.listener_fds(new.pid).and_then(|l| l.first().copied());
        self.measured.handle = got.map(|(fd, inode)| (sent, fd, inode));
        out.info(Info::Syscalls { pid: primary, calls: self.measured.sendmsg.clone().unwrap_or(Ok(Vec::new())) });
        Ok(())
    }

    /// After the primary died: until each child has ended or, without the fix, has closed its
    /// end of the IPC channel (Node closes it on the channel's EOF and emits `disconnect`), so
    /// the next `expect` sees what the children did about it. Bounded: a fix that does not work
    /// is for the `expect` to say, not for this wait to hide.
    fn node_orphans_settle(&self, children: &[(i32, Option<u64>)], deadline: Instant) {
        let fix = self.node.as_ref().is_some_and(|n| n.fix);
        let settled =
            |(pid, ipc): &(i32, Option<u64>)| !procfs::is_live(*pid) || (!fix && procfs::socket_inode(*pid, 3) != *ipc);
        while !children.iter().all(settled) && Instant::now() < deadline && !self.lab.stop().stopped() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Until the primary has seen worker `pid` exit, and, with respawn on, until the
    /// replacement listens.
    fn node_wait_exit(&mut self, pid: i32, out: &mut Transcript) -> Result<()> {
        // As many as ran before this one ended: the replacement takes its place.
        let before = self.seen.pids.keys().filter(|a| a.starts_with('W')).count();
        let deadline = Instant::now() + END_TIMEOUT;
        loop {
            let state = self.node_sync(out)?.with_context(|| tr!("node-ended"))?;
            if state.exits.iter().any(|e| e.pid == pid) {
                if state.respawn {
                    self.node()?.lab.wait_listening(before, Instant::now() + END_TIMEOUT, &self.lab.stop())?;
                    self.node_sync(out)?;
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(tr!("node-worker-did-not-end", pid = pid, secs = END_TIMEOUT.as_secs()));
            }
            if self.lab.stop().stopped() {
                return Err(crate::lab::Abandoned.into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `fire` at the Node program: each connection attributed to the process that holds its
    /// server-side socket (lab/fire.rs), checked against the workers' own counts.
    pub(super) fn node_fire(&mut self, connections: u32, concurrency: u32, out: &mut Transcript) -> Result<()> {
        let state = self.node_sync(out)?.with_context(|| tr!("node-ended"))?;
        let served_before: u64 = state.workers.iter().map(|w| w.served).sum();
        let l = watch::ListenerFd { port: state.port, fd: 0, inode: 0, addr: format!("127.0.0.1:{}", state.port) };
        let started = Instant::now();
        let report = fire::fire(state.primary, state.port, &watch::targets(&l)?, connections, concurrency)?;
        let elapsed_s = started.elapsed().as_secs_f64();
        let alias: BTreeMap<String, String> =
            state.workers.iter().map(|w| (w.pid.to_string(), format!("W{}", w.id))).collect();
        let mut per_worker: BTreeMap<String, u64> = alias.values().map(|a| (a.clone(), 0)).collect();
        for (pid, n) in &report.per_process {
            let a = alias.get(pid).cloned().unwrap_or_else(|| {
                if *pid == state.primary.to_string() { "master".into() } else { format!("pid {pid}") }
            });
            *per_worker.entry(a).or_default() += n;
        }
        // The workers tell their primary of each request over IPC: wait until that covers the fire.
        let mut accepted = 0;
        for _ in 0..50 {
            let now: u64 = self.node()?.lab.state()?.workers.iter().map(|w| w.served).sum();
            accepted = now.saturating_sub(served_before);
            if accepted >= report.completed {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let summary = ClientSummary {
            done: true,
            fired: report.fired,
            completed: report.completed,
            failed: report.failed,
            errors: report.failures.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            per_worker: per_worker.clone(),
            elapsed_s,
            conn_per_s: if elapsed_s > 0.0 { report.completed as f64 / elapsed_s } else { 0.0 },
            p50_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            // One request per connection, no `X-Visit`: watch's fire asks `GET /` once.
            kept_alive: 0,
            switched: 0,
            kept_replies: None,
            visits: BTreeMap::new(),
        };
        let fired = Fired { summary, per_worker, accepted };
        let node = self.node()?;
        let sched = node.sched.map_or(String::new(), |s| format!(" sched={}", s.name()));
        out.fired(&format!("node {}{sched}", node.lab.name), &fired);
        self.measured.fire = Some(fired);
        Ok(())
    }
}

/// The sendmsg() calls strace reports until one passes fds (or strace ends, or the deadline),
/// each as (its first argument, the fds it passed).
fn sendmsg_calls(
    rx: &crossbeam_channel::Receiver<crate::lab::strace::SysEvent>,
    deadline: Instant,
) -> super::seen::Traced {
    use crate::lab::strace::SysEvent;
    let mut calls = Vec::new();
    let mut notes = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(SysEvent::Call(c)) if c.name == "sendmsg" => {
                let passed = !c.passed.is_empty();
                calls.push((c.first, c.passed));
                if passed {
                    break;
                }
            }
            Ok(SysEvent::Call(_)) => {}
            Ok(SysEvent::Note(n)) => notes.push(n),
            Ok(SysEvent::Ended(why)) => {
                notes.push(why);
                break;
            }
            Err(_) => break,
        }
    }
    match (calls.is_empty(), notes.is_empty()) {
        (true, false) => Err(notes.join("; ")),
        _ => Ok(calls),
    }
}

#[cfg(test)]
mod tests {
    use super::{Shown, starts};

    #[test]
    fn a_new_worker_or_a_new_port_is_reported_and_the_same_again_is_not() {
        let mut shown = Shown::default();
        let w12 = [("W1".to_string(), 10), ("W2".to_string(), 11)];
        let w3 = [("W3".to_string(), 12)];
        assert!(shown.changed(&w12, Some(4000)));
        assert!(!shown.changed(&w12, Some(4000)));
        // W3 forked while nothing listened (the primary closed the old port): not yet, and not
        // with the old port; then once it listens on a new one.
        assert!(!shown.changed(&w3, None));
        assert!(shown.changed(&w3, Some(4100)));
        assert!(!shown.changed(&w3, Some(4100)));
        assert_eq!((shown.workers.as_slice(), shown.port), (&w3[..], 4100));
    }

    /// node-cluster's W3 was shown starting at each look until it listened: once is enough.
    #[test]
    fn a_start_is_shown_once_though_the_worker_does_not_listen_yet() {
        let mut shown = Shown::default();
        let w12 = [("W1".to_string(), 10), ("W2".to_string(), 11)];
        assert_eq!(shown.new_starts(&w12), w12.to_vec());
        assert!(shown.new_starts(&w12).is_empty());
        let w3 = [("W3".to_string(), 12)];
        assert!(!shown.changed(&w3, None));
        assert_eq!(shown.new_starts(&w3), w3.to_vec());
        assert!(shown.new_starts(&w3).is_empty(), "W3 does not listen yet, and was shown already");
    }

    #[test]
    fn starts_are_the_lines_a_process_printed_at_its_top() {
        let log = "child1.js: from the top, pid 12 ppid 10\n12 10\nchild1.js: from the top, pid 123 ppid 10\n";
        assert_eq!(starts(log, 12), 1);
        assert_eq!(starts(log, 123), 1);
        assert_eq!(starts(log, 10), 0);
        assert_eq!(starts("", 12), 0);
    }
}
