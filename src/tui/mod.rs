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
pub mod panes;
pub mod sampler;
pub mod theme;
pub mod view;

use anyhow::{Result, bail};
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
}

pub fn run(lessons: Vec<crate::lesson::Lesson>, open: Option<usize>, opts: Options) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!(
            "the lesson screen needs a terminal (stdin and stdout are not one); run a lesson without one with `forklab play <lesson>`"
        );
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::new(opts.theme, no_color, opts.ascii);
    let (tx, rx) = unbounded::<Msg>();
    let quit = crate::reaper::quit_signals();

    let input = tx.clone();
    std::thread::Builder::new().name("input".into()).spawn(move || input_loop(input))?;
    let samples = tx.clone();
    let every = opts.refresh;
    let detail = std::sync::Arc::new(sampler::Detail::default());
    let sampler_detail = detail.clone();
    std::thread::Builder::new()
        .name("sampler".into())
        .spawn(move || sampler::run(every, sampler_detail, samples, Msg::Sample))?;

    // FORKLAB_FRAME_LOG=FILE records every frame's time and cost (benches/tui.sh reads it).
    let mut frame_log = std::env::var_os("FORKLAB_FRAME_LOG").and_then(|p| std::fs::File::create(p).ok());
    let started = crate::started();
    let mut terminal = ratatui::init();
    let size = terminal.size().map(|s| (s.width, s.height)).unwrap_or((80, 24));
    let mut app = App::new(lessons, load_done(), size);
    let mut engine: Option<Engine> = None;
    let mut last_frame = Instant::now();
    let mut effects = match open {
        Some(i) => app.open_direct(i),
        None => Vec::new(),
    };
    loop {
        for e in effects.drain(..) {
            match e {
                Effect::Open(i) => {
                    let fds = app.lessons[i].panes.contains(&crate::lesson::Pane::Fds);
                    detail.fds_every_tick.store(fds, std::sync::atomic::Ordering::Relaxed);
                    engine = Some(Engine::start(app.lessons[i].clone(), tx.clone(), Msg::Engine));
                }
                Effect::Close => {
                    if let Some(e) = engine.take() {
                        e.stop();
                    }
                }
                Effect::Engine(kind) => {
                    if let app::EngineCmdKind::RunStep(i) = &kind {
                        // The fault suite's panic switch, on the main thread that owns the terminal.
                        crate::panic_if_asked(&format!("step:{}", i + 1));
                    }
                    if let (Some(e), Some(cmd)) = (&engine, Effect::engine_cmd(&kind)) {
                        e.send(cmd);
                    }
                }
                Effect::MarkDone(id) => {
                    app.done.insert(id);
                    save_done(&app.done);
                }
                Effect::Quit => app.quit = true,
            }
        }
        if app.quit {
            break;
        }
        let (wall, cpu) = (Instant::now(), thread_cpu());
        terminal.draw(|f| view::draw(&app, &theme, f))?;
        last_frame = Instant::now();
        if let Some(log) = &mut frame_log {
            // For benches/tui.sh: when each frame was drawn, its wall time and this thread's
            // CPU time for it (under load the wall time also counts waiting for a core).
            let _ = writeln!(
                log,
                "{} {} {}",
                started.elapsed().as_micros(),
                wall.elapsed().as_micros(),
                thread_cpu().saturating_sub(cpu).as_micros()
            );
        }
        // One message, then whatever else is already queued, then one frame.
        let first = select! {
            recv(rx) -> m => match m { Ok(m) => m, Err(_) => break },
            recv(quit) -> s => match s { Ok(s) => Msg::Signal(s), Err(_) => break },
        };
        effects.extend(app.update(first));
        // Take what else arrives until the next frame is due: under load (64 workers
        // reporting) this draws at most FRAME_EVERY, not once per message.
        let due = last_frame + FRAME_EVERY;
        while !effects.contains(&Effect::Quit) {
            match rx.recv_deadline(due.max(Instant::now())) {
                Ok(m) => effects.extend(app.update(m)),
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
    ratatui::restore();
    if let Some(e) = engine.take() {
        e.stop();
    }
    Ok(ExitCode::SUCCESS)
}

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
