//! The terminal interface: a lesson picker and the lesson screen with live panes.
//!
//! Threads, each with its own sender on one crossbeam channel of `Msg`: input (crossterm),
//! the sampler (/proc and sysinfo), and, while a lesson is open, its engine (the lab). The main
//! thread owns the terminal: it takes messages, lets `App::update` change the state, carries
//! out the effects update returns, and draws from `&App`.
//!
//! `run` sets up; `event_loop` is the main thread's loop. Around it: terminal.rs (the guard
//! that gives the terminal back, the input thread), record.rs (`--record`), notes.rs (the
//! current-step file `forklab notes` follows). app/ is the state and update, view/ the drawing.

pub mod app;
pub mod codespan;
pub mod engine;
pub mod glossary;
pub mod linebreak;
pub mod markdown;
pub mod model;
mod notes;
pub mod record;
pub mod sampler;
pub mod shot;
pub mod svg;
mod terminal;
pub mod theme;
pub mod view;
pub mod watch;

/// The smallest terminal the lesson screen draws in; below it a message says how to quit.
pub const MIN_SIZE: (u16, u16) = (80, 24);
/// From this width the lesson screen's narration and panes sit side by side.
pub const WIDE: u16 = 120;

use anyhow::{Context, Result, bail};
use app::{App, Effect, Msg};
use crossbeam_channel::{select, unbounded};
use engine::Engine;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use theme::{Theme, ThemeName};

pub struct Options {
    pub theme: ThemeName,
    pub ascii: bool,
    pub refresh: Duration,
    /// Step by itself at this pace (`--autoplay`).
    pub autoplay: Option<Duration>,
    /// Record what is drawn to this asciicast file (`--record`).
    pub record: Option<PathBuf>,
    /// Draw in a frame of this size, whatever the terminal's (`--size`).
    pub size: Option<(u16, u16)>,
    /// The command line, for the recording's header.
    pub command: String,
    /// `--lessons DIR`: where the picker reads the lessons again when the language changes.
    pub lessons_dir: Option<PathBuf>,
}

/// Carries out what `App::update` asks for: the lesson's engine, remembering finished lessons.
pub(crate) struct Driver {
    pub engine: Option<Engine>,
    pub tx: crossbeam_channel::Sender<Msg>,
    pub detail: std::sync::Arc<sampler::Detail>,
    /// Remember finished lessons in the data dir (not for headless screenshots).
    pub remember: bool,
    /// strace on the lab's processes (`s`); dropped (detached, its group killed) before the
    /// lab stops.
    pub tracer: Option<crate::lab::strace::Tracer>,
}

impl Driver {
    pub fn carry_out(&mut self, app: &mut App, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Open(i) => {
                    let fds = app.lessons[i].panes.contains(&crate::lesson::Pane::Fds);
                    self.detail.fds_every_tick.store(fds, std::sync::atomic::Ordering::Relaxed);
                    self.engine = Some(Engine::start(app.lessons[i].clone(), self.tx.clone(), Msg::Engine));
                }
                Effect::Close => {
                    self.tracer = None;
                    if let Some(e) = self.engine.take() {
                        e.stop();
                    }
                }
                Effect::Engine(cmd) => {
                    if let engine::EngineCmd::RunStep(i) = &cmd {
                        // The fault suite's panic switch, on the main thread that owns the terminal.
                        crate::sys::probe::panic_if_asked(&format!("step:{}", i + 1));
                    }
                    if let Some(e) = &self.engine {
                        e.send(cmd);
                    }
                }
                Effect::MarkDone(id) => {
                    app.done.insert(id);
                    if self.remember {
                        save_done(&app.done);
                    }
                }
                Effect::Trace(pids) => {
                    self.tracer = None;
                    match crate::lab::strace::Tracer::start_tree(&pids, self.tx.clone(), Msg::Sys) {
                        Ok(t) => self.tracer = Some(t),
                        // Shown in the pane and the bar: why, and what to do.
                        Err(e) => {
                            let _ = self.tx.send(Msg::TraceFailed(format!("{e:#}")));
                        }
                    }
                }
                Effect::StopTrace => self.tracer = None,
                Effect::Quit => app.quit = true,
            }
        }
    }
}

/// The sampler thread, sending on `tx`.
pub(crate) fn start_sampler(
    every: Duration,
    tx: crossbeam_channel::Sender<Msg>,
) -> Result<std::sync::Arc<sampler::Detail>> {
    let detail = std::sync::Arc::new(sampler::Detail::default());
    let sampler_detail = detail.clone();
    std::thread::Builder::new()
        .name("sampler".into())
        .spawn(move || sampler::run(every, sampler_detail, tx, Msg::Sample))
        .with_context(|| tr!("starting-thread", name = "sampler"))?;
    Ok(detail)
}

pub fn run(lessons: Vec<crate::lesson::Lesson>, open: Option<usize>, opts: Options) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("{}", tr!("no-tty"));
    }
    let theme = Theme::from_env(opts.theme, opts.ascii);
    let term_size = crossterm::terminal::size().unwrap_or((80, 24));
    if let Some((w, h)) = opts.size
        && (w > term_size.0 || h > term_size.1)
    {
        bail!("{}", tr!("size-does-not-fit", w = w, h = h, tw = term_size.0, th = term_size.1));
    }
    let size = opts.size.unwrap_or(term_size);
    let title = match open {
        Some(i) => format!("forklab · {}", lessons[i].id),
        None => "forklab".to_string(),
    };
    let mut recorder =
        record::Recorder::create(opts.record.as_deref(), size, opts.size.is_some(), &title, &opts.command)?;
    let (tx, rx) = unbounded::<Msg>();
    let quit = crate::sys::reaper::quit_signals();
    crate::sys::spawn::set_child_nice(LAB_NICE);
    let detail = start_sampler(opts.refresh, tx.clone())?;

    let mut guard = terminal::TerminalGuard::enter(recorder.tee(), opts.size)?;
    // Only now: setting the terminal up reads the cursor position from stdin, which the
    // input thread would otherwise race for.
    let input = tx.clone();
    // A thread that cannot start (ulimit -u) is an error that names it; the guard gives the
    // terminal back first.
    std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            terminal::input_loop(input, |i| match i {
                terminal::Input::Key(k) => Msg::Key(k),
                terminal::Input::Resize(w, h) => Msg::Resize(w, h),
            })
        })
        .with_context(|| tr!("starting-thread", name = "input"))?;
    let mut app = App::new(lessons, load_done(), size);
    app.lessons_dir = opts.lessons_dir.clone();
    app.measure = view::narration_extent;
    app.theme = theme.clone();
    if let Some(pace) = opts.autoplay {
        app.autoplay = Some(app::Autoplay::new(pace, opts.record.is_some()));
    }
    let mut driver = Driver { engine: None, tx: tx.clone(), detail, remember: true, tracer: None };
    let first = match open {
        Some(i) => app.open_direct(i),
        None => Vec::new(),
    };
    let mut notes = notes::NotesPublisher::default();
    let mut out = Outside { terminal: &mut guard.terminal, theme: &theme, recorder: &mut recorder, notes: &mut notes };
    let ended = event_loop(&mut app, &mut driver, &mut out, (rx, quit), first);
    // The shell gets its terminal back first; then the lab stops.
    drop(guard);
    driver.tracer = None;
    if let Some(e) = driver.engine.take() {
        e.stop();
    }
    notes.clear();
    recorder.finish()?;
    ended?;
    // Ended by SIGINT, SIGTERM or SIGHUP: cleanly, and the exit code says which (128 + n, as
    // a shell reports a death by that signal), so a script can tell it was stopped.
    Ok(match app.quit_by {
        Some(s) => ExitCode::from(128 + s as u8),
        None => ExitCode::SUCCESS,
    })
}

/// What the event loop tells the outside each frame: the terminal it draws on, the
/// recording, and the notes file.
struct Outside<'a> {
    terminal: &'a mut terminal::Term,
    theme: &'a Theme,
    recorder: &'a mut record::Recorder,
    notes: &'a mut notes::NotesPublisher,
}

/// The main thread's loop: carry out the effects, draw a frame, take one message and then
/// whatever else arrives before the next frame is due, until the app quits.
fn event_loop(
    app: &mut App,
    driver: &mut Driver,
    out: &mut Outside,
    (rx, quit): (crossbeam_channel::Receiver<Msg>, crossbeam_channel::Receiver<nix::sys::signal::Signal>),
    mut effects: Vec<Effect>,
) -> Result<()> {
    let mut frames = FrameLog::from_env();
    loop {
        driver.carry_out(app, std::mem::take(&mut effects));
        if app.quit {
            return Ok(());
        }
        out.recorder.frame(app);
        out.notes.publish(app);
        let (wall, cpu) = (Instant::now(), crate::sys::procfs::thread_cpu());
        if crate::sys::jobctl::take_continued() {
            // Back from a stop on a blank alternate screen: forget the last frame, so every
            // cell is drawn again (not `clear()`, which reads the cursor position from stdin,
            // where the input thread is reading).
            out.terminal.swap_buffers();
        }
        out.terminal.draw(|f| view::draw(app, out.theme, f))?;
        let last_frame = Instant::now();
        frames.drawn(wall, cpu);
        // One message, then whatever else is already queued, then one frame.
        let first = select! {
            recv(rx) -> m => match m { Ok(m) => m, Err(_) => return Ok(()) },
            recv(quit) -> s => match s { Ok(s) => Msg::Signal(s), Err(_) => return Ok(()) },
        };
        frames.seen(&first);
        if let Msg::Resize(w, h) = &first {
            out.recorder.resize(*w, *h);
        }
        effects.extend(app.update(first));
        // Take what else arrives until the next frame is due: under load (64 workers
        // reporting) this draws at most FRAME_EVERY, not once per message.
        let due = last_frame + FRAME_EVERY;
        while !effects.contains(&Effect::Quit) {
            match rx.recv_deadline(due.max(Instant::now())) {
                Ok(m) => {
                    frames.seen(&m);
                    effects.extend(app.update(m))
                }
                Err(_) => break,
            }
            if Instant::now() >= due {
                break;
            }
        }
        if let Ok(s) = quit.try_recv() {
            effects.extend(app.update(Msg::Signal(s)));
        }
    }
}

/// FORKLAB_FRAME_LOG=FILE records every frame's time and cost (benches/tui.sh reads it).
struct FrameLog {
    file: Option<std::fs::File>,
    started: Instant,
    /// When the first accepted connection not yet drawn reached the main thread.
    accept_seen: Option<Instant>,
}

impl FrameLog {
    fn from_env() -> FrameLog {
        let file = std::env::var_os("FORKLAB_FRAME_LOG").and_then(|p| std::fs::File::create(p).ok());
        FrameLog { file, started: crate::sys::probe::started(), accept_seen: None }
    }

    fn seen(&mut self, m: &Msg) {
        if self.accept_seen.is_none() && is_accept(m) {
            self.accept_seen = Some(Instant::now());
        }
    }

    /// For benches/tui.sh: when each frame was drawn, its wall time and this thread's CPU
    /// time for it (under load the wall time also counts waiting for a core), and how long the
    /// oldest accepted connection it shows waited to be on screen (-1: none).
    fn drawn(&mut self, wall: Instant, cpu: Duration) {
        let Some(log) = &mut self.file else { return };
        let _ = writeln!(
            log,
            "{} {} {} {}",
            self.started.elapsed().as_micros(),
            wall.elapsed().as_micros(),
            crate::sys::procfs::thread_cpu().saturating_sub(cpu).as_micros(),
            self.accept_seen.take().map(|t| t.elapsed().as_micros() as i64).unwrap_or(-1)
        );
    }
}

/// A connection a worker accepted (its count moves on screen).
fn is_accept(m: &Msg) -> bool {
    use crate::lesson::run::Report;
    matches!(
        m,
        Msg::Engine(engine::EngineMsg::Report(Report::Event(crate::proto::Event::Accepted { .. }) | Report::Conn(_)))
    )
}

/// The lab's processes run this much nicer than the lesson screen (see `spawn::set_child_nice`):
/// weight 110 against the screen's 1024 when they compete for a core.
const LAB_NICE: i32 = 10;

/// At most one frame per this: 40 frames a second, more than a terminal shows smoothly.
const FRAME_EVERY: Duration = Duration::from_millis(25);

/// Where finished lessons are remembered: `$XDG_DATA_HOME/forklab/finished`, one id a line.
fn data_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("forklab").join("finished"))
}

fn load_done() -> BTreeSet<String> {
    data_file()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default()
}

/// Best effort: a data dir that cannot be written only means the marks are not remembered.
fn save_done(done: &BTreeSet<String>) {
    let Some(path) = data_file() else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text: String = done.iter().map(|id| format!("{id}\n")).collect();
    let _ = std::fs::write(path, text);
}
