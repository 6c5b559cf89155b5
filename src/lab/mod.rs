//! The app's side of the lab: it starts the master (and the load client) as re-execs of
//! forklab, sends commands down the control channel, and turns what comes up into one
//! stream of events. The TUI and the headless commands both drive the lab through this.

pub mod chaos;
pub mod fire;
pub mod measure;
pub mod node;
pub mod strace;
pub mod watch;
pub mod watchlive;
pub mod words;

use crate::proto::client::{ClientArgs, ClientSummary, ConnRecord};
use crate::proto::mode::{Handle, Mode};
use crate::proto::{Cmd, Event, role};
use crate::sys::chan::{Chan, Recv};
use crate::sys::gate::Gate;
use crate::sys::groups::{register_group, unregister_group};
use crate::sys::listener::PortInUse;
use crate::sys::reaper::{self, Exit};
use crate::sys::spawn::{self, RoleSpawn};
use anyhow::{Context, Result, anyhow, bail};
use crossbeam_channel::{Receiver, select, unbounded};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::io::BufRead;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the pool looks like once it is ready.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolInfo {
    pub mode: Mode,
    pub port: u16,
    pub workers: usize,
}

/// A running master and the events it sends.
pub struct Lab {
    pub master_pid: i32,
    ctl: Chan,
    events: Receiver<Event>,
    master_exit: Receiver<Exit>,
    pub pool: Option<PoolInfo>,
    /// How the master ended, once the reaper has told.
    exited: Option<Exit>,
    /// The master has ended and its last words have been read.
    gone: bool,
    /// What makes the lab's waits give up at once (a quit signal, the learner leaving).
    stop: Stop,
    /// Whether `stop` ends waits: not while the lab itself is shutting down.
    abortable: bool,
    /// Held so that the abort gate's receivers stay open until someone closes it.
    _abort: Arc<Gate>,
}

/// What ends a wait of the lab early: a quit signal (the app's one quit gate) or this lab's own
/// abort gate (the lesson screen closes it when the learner leaves a running step). Either
/// makes the wait fail with [`Abandoned`].
#[derive(Clone)]
pub struct Stop {
    quit: Receiver<()>,
    abort: Receiver<()>,
}

impl Stop {
    fn new(abort: &Gate) -> Stop {
        Stop { quit: reaper::quit_gate().receiver(), abort: abort.receiver() }
    }

    /// Whether a quit signal or the abort gate has come: for waits that poll (a Node program).
    pub fn stopped(&self) -> bool {
        use crossbeam_channel::TryRecvError::Disconnected;
        matches!(self.quit.try_recv(), Err(Disconnected)) || matches!(self.abort.try_recv(), Err(Disconnected))
    }

    /// Receivers that never become ready: for waits that must run to their end.
    fn never() -> Stop {
        Stop { quit: crossbeam_channel::never(), abort: crossbeam_channel::never() }
    }

    /// A stop that has already come (the learner left): for tests of the waits that watch it.
    #[cfg(test)]
    pub fn abandoned() -> Stop {
        let (tx, abort) = crossbeam_channel::bounded(0);
        drop(tx);
        Stop { quit: crossbeam_channel::never(), abort }
    }

    /// Whether a wait should give up now: for a loop of short waits that selects on nothing.
    pub fn is_closed(&self) -> bool {
        Lab::closed(self)
    }
}

/// The arguments of a hidden role: the app's language at this moment first (`--lang` is a
/// global argument), so that what the master, its workers, its daemon and the client say
/// reaches the user in it; English under `play --json`, which sets English as an interface.
fn role_args(role: &str, rest: &[String]) -> Vec<String> {
    let mut args = vec!["--lang".to_string(), crate::i18n::current().code().to_string(), role.to_string()];
    args.extend(rest.iter().cloned());
    args
}

/// A wait of the lab was abandoned because forklab is stopping.
#[derive(Debug)]
pub struct Abandoned;

impl std::fmt::Display for Abandoned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&tr!("lab-abandoned"))
    }
}

impl std::error::Error for Abandoned {}

/// Generous deadlines: they only fail a broken build or a machine in trouble.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

impl Lab {
    /// Start the master. `stderr` is where its diagnostics go (a log file under the TUI).
    pub fn start(stderr: Stdio) -> Result<Lab> {
        Lab::start_with_abort(stderr, Arc::default())
    }

    /// `start`, with a gate that abandons whatever the lab waits for once it is closed.
    pub fn start_with_abort(stderr: Stdio, abort: Arc<Gate>) -> Result<Lab> {
        let (mine, theirs) = Chan::pair()?;
        let fd = theirs.into_fd();
        let child = spawn::role(RoleSpawn {
            args: role_args("__master", &[]),
            chan: Some(&fd),
            stdout: Stdio::null(),
            stderr,
            // The master catches SIGTERM and stops its workers before it leaves.
            death_signal: libc::SIGTERM,
        })?;
        drop(fd);
        let master_pid = child.id() as i32;
        register_group(master_pid);
        let master_exit = reaper::watch(master_pid);
        // `child` is dropped without wait(): the reaper owns reaping.
        drop(child);
        let (tx, events) = unbounded();
        let reader = mine.try_clone()?;
        std::thread::Builder::new()
            .name("lab-events".into())
            .spawn(move || {
                loop {
                    match reader.recv::<Event>(false) {
                        Ok(Recv::Msg(ev, _)) => {
                            if tx.send(ev).is_err() {
                                return;
                            }
                        }
                        Ok(Recv::Empty) => continue,
                        // EOF: the master is gone. The reaper tells how.
                        Ok(Recv::Eof) => return,
                        Err(e) => {
                            let ev = Event::Error {
                                alias: role::APP.into(),
                                pid: std::process::id() as i32,
                                kind: "bad_master_message".into(),
                                message: format!("{e:#}"),
                            };
                            if tx.send(ev).is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .with_context(|| tr!("lab-thread-events"))?;
        Ok(Lab {
            master_pid,
            ctl: mine,
            events,
            master_exit,
            pool: None,
            exited: None,
            gone: false,
            stop: Stop::new(&abort),
            abortable: true,
            _abort: abort,
        })
    }

    pub fn send(&self, cmd: &Cmd) -> Result<()> {
        self.ctl
            .send(cmd, &[], false)
            .map_err(|e| anyhow!(tr!("lab-send-failed", cmd = format!("{cmd:?}"), error = e.to_string())))
    }

    /// The raw event stream, for a caller that selects over several sources (the TUI).
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Wait for the next event, at most until `deadline`. After the master dies, what it sent
    /// before dying comes first, then its own `exited` event, then an error.
    pub fn next_event(&mut self, deadline: Instant) -> Result<Option<Event>> {
        if self.gone {
            bail!(tr!("lab-master-ended", pid = self.master_pid, how = describe(self.exited)));
        }
        if let Some(exit) = self.exited {
            // The master is dead: its channel ends right after the packets it had queued.
            return match self.events.recv_timeout(Duration::from_secs(1)) {
                Ok(ev) => Ok(Some(ev)),
                Err(_) => {
                    self.gone = true;
                    Ok(Some(Event::Exited {
                        alias: role::MASTER.into(),
                        pid: self.master_pid,
                        code: exit.code(),
                        signal: exit.signal_name(),
                        core_dumped: matches!(exit, Exit::Signal(_, true)),
                    }))
                }
            };
        }
        let timeout = deadline.saturating_duration_since(Instant::now());
        let stop = if self.abortable { self.stop.clone() } else { Stop::never() };
        select! {
            recv(stop.quit) -> _ => Err(Abandoned.into()),
            recv(stop.abort) -> _ => Err(Abandoned.into()),
            recv(self.events) -> ev => match ev {
                Ok(ev) => Ok(Some(ev)),
                // The reader saw EOF: the master closed its end, so its exit is near.
                Err(_) => match self.master_exit.recv_timeout(Duration::from_secs(5)) {
                    Ok(exit) => {
                        self.exited = Some(exit);
                        self.next_event(deadline)
                    }
                    Err(_) => {
                        self.gone = true;
                        bail!(tr!("lab-master-closed", pid = self.master_pid))
                    }
                },
            },
            recv(self.master_exit) -> exit => match exit {
                Ok(exit) => {
                    self.exited = Some(exit);
                    self.next_event(deadline)
                }
                Err(_) => {
                    self.gone = true;
                    bail!(tr!("lab-master-lost", pid = self.master_pid))
                }
            },
            default(timeout) => Ok(None),
        }
    }

    /// Pass events to `sink` until `pick` returns a value, or fail at `timeout`.
    pub fn wait_for<T>(
        &mut self,
        timeout: Duration,
        sink: &mut dyn FnMut(&Event),
        mut pick: impl FnMut(&Event) -> Option<Result<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.next_event(deadline)? {
                Some(ev) => {
                    sink(&ev);
                    if let Some(found) = pick(&ev) {
                        return found;
                    }
                }
                None => bail!(tr!("lab-master-timeout", timeout = format!("{timeout:?}"))),
            }
        }
    }

    /// Start (or restart) the pool and wait until every worker is ready.
    pub fn start_pool(
        &mut self,
        mode: Mode,
        workers: usize,
        port: u16,
        handle: Handle,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<PoolInfo> {
        self.send(&Cmd::Start { mode, workers, port, handle })?;
        let info = self.wait_for(READY_TIMEOUT, sink, |ev| match ev {
            Event::PoolReady { mode, port, workers, .. } => {
                Some(Ok(PoolInfo { mode: *mode, port: *port, workers: *workers }))
            }
            Event::Error { kind, .. } if kind == "port_in_use" => Some(Err(PortInUse(port).into())),
            Event::Error { kind, message, .. } if kind == "start_failed" => Some(Err(anyhow!("{message}"))),
            _ => None,
        })?;
        self.pool = Some(info.clone());
        Ok(info)
    }

    /// Every worker's counters, fresh.
    pub fn stats(&mut self, sink: &mut dyn FnMut(&Event)) -> Result<Vec<Event>> {
        let workers = self.pool.as_ref().map(|p| p.workers).unwrap_or(0);
        self.send(&Cmd::Stats)?;
        let mut got = Vec::new();
        if workers == 0 {
            return Ok(got);
        }
        // The master answers with one Stats per live worker; a worker that is respawning
        // right now has none, so a short quiet spell also ends the wait.
        let deadline = Instant::now() + Duration::from_secs(5);
        while got.len() < workers {
            let quiet = (Instant::now() + Duration::from_millis(500)).min(deadline);
            match self.next_event(quiet)? {
                Some(ev @ Event::Stats { .. }) => got.push(ev),
                Some(ev) => sink(&ev),
                None => break,
            }
        }
        Ok(got)
    }

    /// Stop the pool and the master, waiting for it to exit; the group is killed whatever
    /// happens.
    pub fn shutdown(mut self, sink: &mut dyn FnMut(&Event)) -> Result<()> {
        let _ = self.send(&Cmd::Shutdown);
        // After a quit signal or an abort the pool gets 300 ms to stop in order (the
        // promise is that nothing is left 2 s after a quit signal); killpg ends the rest.
        let stopping = Self::closed(&self.stop);
        self.abortable = false;
        let grace = if stopping { Duration::from_millis(300) } else { Duration::from_secs(5) };
        let deadline = Instant::now() + grace;
        loop {
            match self.next_event(deadline) {
                Ok(Some(ev)) => sink(&ev),
                Ok(None) | Err(_) => break,
            }
            if self.gone {
                break;
            }
        }
        self.finish();
        Ok(())
    }

    /// The wait-ending handle, for the load client this lab's directives start.
    pub fn stop(&self) -> Stop {
        self.stop.clone()
    }

    /// Whether either gate of `stop` has closed.
    fn closed(stop: &Stop) -> bool {
        use crossbeam_channel::TryRecvError::Disconnected;
        matches!(stop.quit.try_recv(), Err(Disconnected)) || matches!(stop.abort.try_recv(), Err(Disconnected))
    }

    fn finish(&mut self) {
        // Whatever is left of the group (a worker the master could not stop) ends here.
        let _ = killpg(Pid::from_raw(self.master_pid), Signal::SIGKILL);
        unregister_group(self.master_pid);
        self.gone = true;
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.gone && self.exited.is_none() {
            let _ = self.send(&Cmd::Shutdown);
            let _ = self.master_exit.recv_timeout(Duration::from_secs(3));
        }
        self.finish();
    }
}

fn describe(exit: Option<Exit>) -> String {
    match exit {
        Some(Exit::Code(c)) => tr!("lab-exit-code", code = c),
        Some(Exit::Signal(s, _)) => tr!("lab-killed-by", signal = s.as_str()),
        None => tr!("lab-no-exit-yet"),
    }
}

/// What the load client reports (and, while `Client::finish_watching` waits for it, what the
/// lab said meanwhile).
pub enum ClientLine {
    Conn(ConnRecord),
    Done(ClientSummary),
    /// An event of the lab that came while the client ran: the workers' accepts, live.
    LabEvent(Event),
}

/// A running load client (a real child process, `forklab-client`).
pub struct Client {
    pub pid: i32,
    pub lines: Receiver<ClientLine>,
    exit: Receiver<Exit>,
    /// What it says when it fails (one line, `forklab-client: …`), read once it has ended.
    stderr: Option<std::process::ChildStderr>,
    stop: Stop,
}

impl Client {
    /// Start the client; `stop` (the lab's) abandons the wait for its summary.
    pub fn start(args: &ClientArgs, stop: Stop) -> Result<Client> {
        let json = serde_json::to_string(args).expect("client args serialize");
        let mut child = spawn::role(RoleSpawn {
            args: role_args("__client", &[json]),
            chan: None,
            stdout: Stdio::piped(),
            // Its stderr would garble the TUI: kept in a pipe, and what it said is added to
            // the error when it gives no summary (a thread it could not start, fds run out).
            stderr: Stdio::piped(),
            death_signal: libc::SIGKILL,
        })?;
        let pid = child.id() as i32;
        register_group(pid);
        let exit = reaper::watch(pid);
        let stdout = child.stdout.take().context("the client's stdout")?;
        let stderr = child.stderr.take();
        drop(child);
        let (tx, lines) = unbounded();
        std::thread::Builder::new()
            .name("client-lines".into())
            .spawn(move || {
                for line in std::io::BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    let parsed = if line.contains("\"done\"") {
                        serde_json::from_str(&line).ok().map(ClientLine::Done)
                    } else {
                        serde_json::from_str(&line).ok().map(ClientLine::Conn)
                    };
                    if let Some(p) = parsed
                        && tx.send(p).is_err()
                    {
                        return;
                    }
                }
            })
            .with_context(|| tr!("lab-thread-client"))?;
        Ok(Client { pid, lines, exit, stderr, stop })
    }

    /// The client's next line, `None` when `timeout` passes or its output ends first.
    pub fn recv(&self, timeout: Duration) -> Result<Option<ClientLine>, Abandoned> {
        select! {
            recv(self.stop.quit) -> _ => Err(Abandoned),
            recv(self.stop.abort) -> _ => Err(Abandoned),
            recv(self.lines) -> line => Ok(line.ok()),
            default(timeout) => Ok(None),
        }
    }

    /// Wait for the summary (streamed connection records go to `on_conn`).
    pub fn finish(self, timeout: Duration, on_conn: &mut dyn FnMut(ConnRecord)) -> Result<ClientSummary> {
        self.finish_watching(timeout, &crossbeam_channel::never(), &mut |line| {
            if let ClientLine::Conn(c) = line {
                on_conn(c)
            }
        })
    }

    /// `finish`, passing on the lab's `events` as they come (they would otherwise wait until
    /// the client is done, and a screen would show no accept during a long fire).
    pub fn finish_watching(
        mut self,
        timeout: Duration,
        events: &Receiver<Event>,
        on: &mut dyn FnMut(ClientLine),
    ) -> Result<ClientSummary> {
        let deadline = Instant::now() + timeout;
        let never = crossbeam_channel::never();
        let mut events = events;
        let result = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = select! {
                recv(self.stop.quit) -> _ => break Err(Abandoned.into()),
                recv(self.stop.abort) -> _ => break Err(Abandoned.into()),
                recv(events) -> ev => match ev {
                    Ok(ev) => Some(ClientLine::LabEvent(ev)),
                    // The master's channel closed: its end is for the lab's own waits to tell.
                    Err(_) => {
                        events = &never;
                        continue;
                    }
                },
                recv(self.lines) -> line => line.ok(),
                default(left) => None,
            };
            match line {
                Some(ClientLine::Done(s)) => break Ok(s),
                Some(other) => on(other),
                None => {
                    let exit = reaper::wait_timeout(&self.exit, Duration::from_millis(100));
                    let _ = killpg(Pid::from_raw(self.pid), Signal::SIGKILL);
                    let _ = reaper::wait_timeout(&self.exit, Duration::from_secs(2));
                    let said = self.stderr.as_mut().map(said).unwrap_or_default();
                    break Err(anyhow!(tr!(
                        "lab-client-no-summary",
                        pid = self.pid,
                        how = describe(exit),
                        said = said
                    )));
                }
            }
        };
        let _ = killpg(Pid::from_raw(self.pid), Signal::SIGKILL);
        let _ = reaper::wait_timeout(&self.exit, Duration::from_secs(2));
        unregister_group(self.pid);
        result
    }
}

/// The last lines the ended client wrote to stderr, as `; it said: …` (empty if nothing). The
/// pipe is read without blocking: a client that is somehow still running cannot hold us.
fn said(stderr: &mut std::process::ChildStderr) -> String {
    use std::io::Read;
    use std::os::fd::AsFd;
    let flags = nix::fcntl::fcntl(stderr.as_fd(), nix::fcntl::FcntlArg::F_GETFL).unwrap_or(0);
    let nonblock = nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
    let _ = nix::fcntl::fcntl(stderr.as_fd(), nix::fcntl::FcntlArg::F_SETFL(nonblock));
    let mut bytes = Vec::new();
    let _ = stderr.take(64 * 1024).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match lines.len() {
        0 => String::new(),
        n => tr!("lab-client-said", lines = crate::sys::term::name_errnos(&lines[n.saturating_sub(3)..].join(" / "))),
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = killpg(Pid::from_raw(self.pid), Signal::SIGKILL);
        unregister_group(self.pid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labs_own_words_follow_the_language() {
        assert_eq!(describe(Some(Exit::Code(1))), "exit code 1");
        assert_eq!(Abandoned.to_string(), "abandoned: forklab is stopping");
        crate::i18n::set(crate::i18n::Lang::Zh);
        let zh = (describe(Some(Exit::Code(1))), describe(None), Abandoned.to_string());
        crate::i18n::set(crate::i18n::Lang::En);
        assert_eq!(zh, ("退出码 1".to_string(), "还没有退出状态".to_string(), "已放弃：forklab 正在停止".to_string()));
    }
}
