//! The interactive `forklab watch`: the lesson screen's panes over any process tree.
//!
//! Threads, each with its own sender on one channel of `Msg`: input (crossterm), the sampler
//! (lab/watchlive.rs), the watched command's output, strace's reader (while the syscalls pane
//! is open) and a firing thread (while connections are fired). The main thread owns the
//! terminal, the strace child and the command: it lets `WatchApp::update` change the state,
//! carries out the effects, and draws. Watching only reads; the one exception is `k`, after a
//! `y`.

pub mod app;
#[cfg(test)]
mod tests;

use crate::lab::fire::fire_among;
use crate::lab::strace::Tracer;
use crate::lab::watch::{self, Started};
use crate::lab::watchlive;
use anyhow::{Result, bail};
use app::{Effect, Msg, WatchApp};
use crossbeam_channel::{Sender, select, unbounded};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader, IsTerminal};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::theme::{Theme, ThemeName};

/// Frames are drawn at most this often, whatever arrives.
const FRAME_EVERY: Duration = Duration::from_millis(50);

pub struct WatchOptions {
    pub pid: Option<i32>,
    pub command: Vec<String>,
    pub port: Option<u16>,
    pub refresh: Duration,
    pub theme: ThemeName,
    pub ascii: bool,
}

pub fn run(opts: WatchOptions) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("{}", tr!("watch-needs-terminal"));
    }
    let (tx, rx) = unbounded::<Msg>();
    // Kept to the end: dropping it ends the command and everything it started.
    let started = start_command(&opts, &tx)?;
    let root = match (&started, opts.pid) {
        (Some(s), _) => s.pid,
        (None, Some(pid)) => pid,
        (None, None) => bail!("{}", tr!("watch-nothing")),
    };
    let (port, listener) = watch::watched_listener(root, opts.port)?;
    let targets = watch::targets(&listener).ok();
    crate::sys::alloc::tune_allocator();
    let sample_tx = tx.clone();
    let refresh = opts.refresh;
    std::thread::Builder::new()
        .name("watch-sampler".into())
        .spawn(move || watchlive::run(root, port, refresh, sample_tx, |s| Msg::Sample(Box::new(s))))?;

    let theme = Theme::from_env(opts.theme, opts.ascii);
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let quit = crate::sys::reaper::quit_signals();
    // Dropped on every return below: raw mode and the alternate screen given back.
    let mut guard = super::terminal::TerminalGuard::enter(super::record::Tee::new(None), None)?;
    let input = tx.clone();
    std::thread::Builder::new().name("input".into()).spawn(move || {
        super::terminal::input_loop(input, |i| match i {
            super::terminal::Input::Key(k) => Msg::Key(k),
            super::terminal::Input::Resize(w, h) => Msg::Resize(w, h),
        })
    })?;

    let command = (!opts.command.is_empty()).then(|| opts.command.join(" "));
    let mut app = WatchApp::new(root, port, command, opts.refresh, size);
    app.ascii = opts.ascii;
    let mut outside = Outside { tx, root, port, targets, tracer: None, started, root_exit_seen: false };
    let result = (|| -> Result<()> {
        loop {
            if crate::sys::jobctl::take_continued() {
                guard.terminal.swap_buffers();
            }
            guard.terminal.draw(|f| super::view::watch::draw(&app, &theme, f))?;
            let frame_at = Instant::now();
            let first = select! {
                recv(rx) -> m => match m { Ok(m) => m, Err(_) => return Ok(()) },
                recv(quit) -> s => match s { Ok(s) => Msg::Signal(s), Err(_) => return Ok(()) },
            };
            // Before the samples: the one that no longer finds the command then shows how it ended.
            let mut effects = outside.root_exit(&mut app);
            let mut fresh_fds = matches!(&first, Msg::Sample(s) if s.snap.is_some());
            effects.extend(app.update(first));
            while let Ok(m) = rx.recv_deadline(frame_at + FRAME_EVERY) {
                fresh_fds |= matches!(&m, Msg::Sample(s) if s.snap.is_some());
                effects.extend(app.update(m));
            }
            if fresh_fds {
                // The previous fd tables were just dropped here, on the main thread's arena.
                crate::sys::alloc::give_back_memory();
            }
            if !outside.carry_out(&mut app, effects)? {
                return Ok(());
            }
        }
    })();
    drop(guard);
    // strace detaches first, then the command and its tree end.
    drop(outside);
    result?;
    Ok(match app.quit_by {
        Some(s) => ExitCode::from(128 + s as u8),
        None => ExitCode::SUCCESS,
    })
}

/// `-- CMD`: start it, its output read into the events pane, and wait until it listens.
fn start_command(opts: &WatchOptions, tx: &Sender<Msg>) -> Result<Option<Started>> {
    match (opts.pid, opts.command.is_empty()) {
        (Some(_), true) | (None, true) => Ok(None),
        (Some(_), false) => bail!("{}", tr!("watch-pid-or-command")),
        (None, false) => {
            let (s, outputs) = Started::start_piped(&opts.command)?;
            for out in outputs {
                let tx = tx.clone();
                std::thread::Builder::new().name("output".into()).spawn(move || {
                    for line in BufReader::new(out).lines().map_while(Result::ok) {
                        if tx.send(Msg::Output(line)).is_err() {
                            return;
                        }
                    }
                })?;
            }
            s.wait_listening(opts.port)?;
            Ok(Some(s))
        }
    }
}

/// What the screen's effects act on: the firing threads, strace, the command forklab started.
/// Field order is drop order: strace detaches before the command ends.
struct Outside {
    tx: Sender<Msg>,
    root: i32,
    port: u16,
    targets: Option<Vec<std::net::SocketAddr>>,
    tracer: Option<Tracer>,
    started: Option<Started>,
    root_exit_seen: bool,
}

impl Outside {
    fn root_exit(&mut self, app: &mut WatchApp) -> Vec<Effect> {
        if self.root_exit_seen {
            return Vec::new();
        }
        match self.started.as_ref().and_then(Started::try_exit) {
            Some(exit) => {
                self.root_exit_seen = true;
                app.update(Msg::RootExit(exit))
            }
            None => Vec::new(),
        }
    }

    /// Carry out the effects; false when the screen should close.
    fn carry_out(&mut self, app: &mut WatchApp, effects: Vec<Effect>) -> Result<bool> {
        for e in effects {
            match e {
                Effect::Quit => return Ok(false),
                Effect::Fire(n) => match &self.targets {
                    Some(t) => {
                        let (t, tx, root, port) = (t.clone(), self.tx.clone(), self.root, self.port);
                        let orphans = app.orphans();
                        std::thread::Builder::new().name("fire".into()).spawn(move || {
                            let r = fire_among(root, &orphans, port, &t, n, 8).map_err(|e| format!("{e:#}"));
                            let _ = tx.send(Msg::Fired(r));
                        })?;
                    }
                    None => {
                        app.update(Msg::Fired(Err(tr!("watch-nothing-to-fire", port = self.port))));
                    }
                },
                Effect::Trace(pid) => {
                    self.tracer = None;
                    match Tracer::start(pid, self.tx.clone(), Msg::Sys) {
                        Ok(t) => self.tracer = Some(t),
                        Err(e) => {
                            app.update(Msg::TraceFailed(format!("{e:#}")));
                        }
                    }
                }
                Effect::StopTrace => self.tracer = None,
                Effect::Kill(pid) => {
                    // Only after the user's `y` (WatchApp::key).
                    let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
                }
            }
        }
        Ok(true)
    }
}
