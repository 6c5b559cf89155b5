//! The terminal interface: a lesson picker and the lesson screen with live panes.
//!
//! Threads, each with its own sender on one crossbeam channel of `Msg`: input (crossterm),
//! the sampler (/proc and sysinfo), and, while a lesson is open, its engine (the lab). The main
//! thread owns the terminal: it takes messages, lets `App::update` change the state, carries
//! out the effects update returns, and draws from `&App`.

pub mod app;
pub mod engine;
pub mod markdown;
pub mod model;
pub mod record;
pub mod sampler;
pub mod shot;
pub mod svg;
pub mod theme;
pub mod view;

use anyhow::{Context, Result, bail};
use app::{App, Effect, Msg};
use crossbeam_channel::{select, unbounded};
use engine::Engine;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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
}

/// Carries out what `App::update` asks for: the lesson's engine, remembering finished lessons.
pub(crate) struct Driver {
    pub engine: Option<Engine>,
    pub tx: crossbeam_channel::Sender<Msg>,
    pub detail: std::sync::Arc<sampler::Detail>,
    /// Remember finished lessons in the data dir (not for headless screenshots).
    pub remember: bool,
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
        .context("starting the sampler thread")?;
    Ok(detail)
}

/// Raw mode and the alternate screen, restored on a panic before the message is printed.
fn enter_terminal(writer: record::Tee, size: Option<(u16, u16)>) -> Result<Terminal<CrosstermBackend<record::Tee>>> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        ratatui::restore();
        hook(info);
    }));
    let viewport = match size {
        Some((w, h)) => Viewport::Fixed(Rect::new(0, 0, w, h)),
        None => Viewport::Fullscreen,
    };
    let mut t = Terminal::with_options(CrosstermBackend::new(writer), TerminalOptions { viewport })?;
    t.clear()?;
    Ok(t)
}

pub fn run(lessons: Vec<crate::lesson::Lesson>, open: Option<usize>, opts: Options) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!(
            "the lesson screen needs a terminal (stdin and stdout are not one); run a lesson without one with `forklab play <lesson>`"
        );
    }
    let theme = Theme::from_env(opts.theme, opts.ascii);
    let term_size = crossterm::terminal::size().unwrap_or((80, 24));
    if let Some((w, h)) = opts.size
        && (w > term_size.0 || h > term_size.1)
    {
        bail!(
            "--size {w}x{h} does not fit this terminal ({}x{}); enlarge it or ask for a smaller size",
            term_size.0,
            term_size.1
        );
    }
    let size = opts.size.unwrap_or(term_size);
    let cast = match &opts.record {
        Some(path) => {
            let title = match open {
                Some(i) => format!("forklab · {}", lessons[i].id),
                None => "forklab".to_string(),
            };
            Some(std::sync::Arc::new(std::sync::Mutex::new(record::Cast::create(path, size, &title, &opts.command)?)))
        }
        None => None,
    };
    let (tx, rx) = unbounded::<Msg>();
    let quit = crate::sys::reaper::quit_signals();
    crate::sys::spawn::set_child_nice(LAB_NICE);

    let detail = start_sampler(opts.refresh, tx.clone())?;

    // FORKLAB_FRAME_LOG=FILE records every frame's time and cost (benches/tui.sh reads it).
    let mut frame_log = std::env::var_os("FORKLAB_FRAME_LOG").and_then(|p| std::fs::File::create(p).ok());
    let started = crate::sys::probe::started();
    let mut terminal = match enter_terminal(record::Tee::new(cast.clone()), opts.size) {
        Ok(t) => t,
        Err(e) => {
            ratatui::restore();
            return Err(e);
        }
    };
    // Only now: setting the terminal up reads the cursor position from stdin, which the
    // input thread would otherwise race for.
    let input = tx.clone();
    if let Err(e) = std::thread::Builder::new().name("input".into()).spawn(move || input_loop(input)) {
        ratatui::restore();
        return Err(anyhow::Error::new(e).context("starting the input thread"));
    }
    // Ctrl-Z and `fg`: the signal thread gives the terminal back and takes it again.
    crate::sys::jobctl::set_hooks(Some(crate::sys::jobctl::TERMINAL));
    let mut app = App::new(lessons, load_done(), size);
    if let Some(pace) = opts.autoplay {
        app.autoplay = Some(app::Autoplay::new(pace, opts.record.is_some()));
    }
    let mut driver = Driver { engine: None, tx: tx.clone(), detail, remember: true };
    let mut last_frame: Instant;
    let mut effects = match open {
        Some(i) => app.open_direct(i),
        None => Vec::new(),
    };
    let mut follow = Follow::default();
    // When the first accepted connection not yet drawn reached the main thread (frame log).
    let mut accept_seen: Option<Instant> = None;
    loop {
        driver.carry_out(&mut app, std::mem::take(&mut effects));
        if app.quit {
            break;
        }
        if let Some(cast) = &cast
            && let Some(title) = follow.new_step(&app)
            && let Ok(mut c) = cast.lock()
        {
            c.marker(&title);
        }
        follow.publish(&app);
        let (wall, cpu) = (Instant::now(), thread_cpu());
        if crate::sys::jobctl::take_continued() {
            // Back from a stop on a blank alternate screen: forget the last frame, so every
            // cell is drawn again (not `clear()`, which reads the cursor position from stdin,
            // where the input thread is reading).
            terminal.swap_buffers();
        }
        terminal.draw(|f| view::draw(&app, &theme, f))?;
        last_frame = Instant::now();
        if let Some(log) = &mut frame_log {
            // For benches/tui.sh: when each frame was drawn, its wall time and this thread's
            // CPU time for it (under load the wall time also counts waiting for a core), and how
            // long the oldest accepted connection it shows waited to be on screen (-1: none).
            let _ = writeln!(
                log,
                "{} {} {} {}",
                started.elapsed().as_micros(),
                wall.elapsed().as_micros(),
                thread_cpu().saturating_sub(cpu).as_micros(),
                accept_seen.take().map(|t| t.elapsed().as_micros() as i64).unwrap_or(-1)
            );
        }
        // One message, then whatever else is already queued, then one frame.
        let first = select! {
            recv(rx) -> m => match m { Ok(m) => m, Err(_) => break },
            recv(quit) -> s => match s { Ok(s) => Msg::Signal(s), Err(_) => break },
        };
        if accept_seen.is_none() && is_accept(&first) {
            accept_seen = Some(Instant::now());
        }
        if let (Msg::Resize(w, h), Some(cast), None) = (&first, &cast, opts.size)
            && let Ok(mut c) = cast.lock()
        {
            c.resize(*w, *h);
        }
        effects.extend(app.update(first));
        // Take what else arrives until the next frame is due: under load (64 workers
        // reporting) this draws at most FRAME_EVERY, not once per message.
        let due = last_frame + FRAME_EVERY;
        while !effects.contains(&Effect::Quit) {
            match rx.recv_deadline(due.max(Instant::now())) {
                Ok(m) => {
                    if accept_seen.is_none() && is_accept(&m) {
                        accept_seen = Some(Instant::now());
                    }
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
    crate::sys::jobctl::set_hooks(None);
    ratatui::restore();
    if let Some(e) = driver.engine.take() {
        e.stop();
    }
    follow.clear();
    if let Some(cast) = &cast
        && let Ok(mut c) = cast.lock()
    {
        c.finish()?;
    }
    // Ended by SIGINT, SIGTERM or SIGHUP: cleanly, and the exit code says which (128 + n, as
    // a shell reports a death by that signal), so a script can tell it was stopped.
    Ok(match app.quit_by {
        Some(s) => ExitCode::from(128 + s as u8),
        None => ExitCode::SUCCESS,
    })
}

/// What the main loop tells the outside about where the lesson is: a marker in the recording
/// when a step starts, and the page on screen for `forklab notes` in another terminal.
#[derive(Default)]
struct Follow {
    ran: usize,
    published: Option<(String, usize)>,
    wrote: bool,
}

impl Follow {
    /// The title of a step that has just started running, once.
    fn new_step(&mut self, app: &App) -> Option<String> {
        let app::Screen::Lesson(v) = &app.screen else {
            self.ran = 0;
            return None;
        };
        if v.steps.ran <= self.ran {
            self.ran = v.steps.ran;
            return None;
        }
        self.ran = v.steps.ran;
        let step = app.lessons[v.index].steps.get(v.steps.ran - 1)?;
        Some(format!("step {}: {}", v.steps.ran, step.title))
    }

    /// Best effort: notes are an aid, so a runtime dir that cannot be written is not an error.
    fn publish(&mut self, app: &App) {
        let now = match &app.screen {
            app::Screen::Lesson(v) => Some((app.lessons[v.index].id.clone(), v.steps.page)),
            app::Screen::Picker { .. } => None,
        };
        if now == self.published {
            return;
        }
        self.published = now.clone();
        let Ok(dir) = crate::sys::rundir::ensure() else { return };
        let path = crate::sys::rundir::current_step();
        let text = match now {
            Some((lesson, page)) => serde_json::json!({ "lesson": lesson, "page": page, "pid": std::process::id() }),
            None => serde_json::json!({ "lesson": null, "page": 0, "pid": std::process::id() }),
        };
        // Written whole, then renamed into place, so `notes` never reads half a file; the
        // temporary file is created new (O_EXCL), private to the user.
        let tmp = dir.join(format!(".current-step.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(text.to_string().as_bytes()));
        if written.is_ok() && std::fs::rename(&tmp, &path).is_ok() {
            self.wrote = true;
        }
    }

    /// On the way out: the notes window should not follow a lesson screen that is gone.
    fn clear(&self) {
        if self.wrote {
            let _ = std::fs::remove_file(crate::sys::rundir::current_step());
        }
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

/// CPU time this thread has used (CLOCK_THREAD_CPUTIME_ID).
fn thread_cpu() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).map(Duration::from).unwrap_or_default()
}

fn input_loop(tx: crossbeam_channel::Sender<Msg>) {
    use crossterm::event::{Event, read};
    loop {
        let msg = match read() {
            // Raw mode turns off ISIG: Ctrl-Z is a key, and becomes the SIGTSTP it would be.
            Ok(Event::Key(k))
                if k.code == crossterm::event::KeyCode::Char('z')
                    && k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                crate::sys::jobctl::suspend();
                continue;
            }
            Ok(Event::Key(k)) => Msg::Key(k),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            // The terminal is gone (SIGHUP follows): nothing more to read.
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

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
