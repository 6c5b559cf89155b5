//! `forklab shot <lesson> --step N --out FILE.svg`: the lesson screen at step N, with the
//! lesson's real processes, drawn headless and saved as SVG. It runs the steps exactly as the
//! lesson screen does (same engine, same sampler, same `App`), waits for each to finish and for
//! the panes to catch up, then draws one frame on a `TestBackend` instead of a terminal.

use super::app::{App, Effect, Msg, Screen};
use super::theme::Theme;
use super::{Driver, start_sampler, svg, view};
use crate::lesson::Lesson;
use anyhow::{Result, bail};
use crossbeam_channel::{select, unbounded};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long a whole shot may take before forklab gives up (a step that never ends).
const GIVE_UP_AFTER: Duration = Duration::from_secs(180);

pub struct Shot<'a> {
    pub step: usize,
    pub out: &'a Path,
    pub size: (u16, u16),
    pub theme: Theme,
    pub refresh: Duration,
}

pub fn run(lessons: Vec<Lesson>, index: usize, shot: Shot) -> Result<ExitCode> {
    let steps = lessons[index].steps.len();
    if shot.step > steps {
        bail!("{}", tr!("shot-step-range", id = lessons[index].id.as_str(), steps = steps));
    }
    let (w, h) = shot.size;
    if w < view::MIN_SIZE.0 || h < view::MIN_SIZE.1 {
        bail!("{}", tr!("shot-size-small", w = w, h = h, mw = view::MIN_SIZE.0, mh = view::MIN_SIZE.1));
    }
    // A shot is taken without a terminal as often as not: give the daemon one to lose, as
    // `play` does (the TTY column shows it; if forklab cannot make one, the column says `?`).
    if crate::lesson::run::lacks_terminal_for(&lessons[index]) {
        let _ = crate::sys::pty::own_terminal();
    }
    let (tx, rx) = unbounded::<Msg>();
    let quit = crate::sys::reaper::quit_signals();
    let detail = start_sampler(shot.refresh, tx.clone())?;
    let mut app = App::new(lessons, BTreeSet::new(), shot.size);
    app.measure = view::narration_extent;
    app.theme = shot.theme.clone();
    let mut driver = Driver { engine: None, tx, detail, remember: false, tracer: None };
    let fx = app.open_direct(index);
    driver.carry_out(&mut app, fx);
    let deadline = Instant::now() + GIVE_UP_AFTER;
    let result = (|| -> Result<()> {
        let next = || -> Result<Msg> {
            select! {
                recv(rx) -> m => Ok(m?),
                recv(quit) -> s => bail!("{}", tr!("stopped-by", signal = format!("{:?}", s?))),
                default(deadline.saturating_duration_since(Instant::now())) => {
                    bail!("{}", tr!("shot-timeout", step = shot.step, secs = GIVE_UP_AFTER.as_secs()))
                }
            }
        };
        for _ in 0..shot.step {
            let fx = app.update(Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)));
            driver.carry_out(&mut app, fx);
            // A step with questions asks first: run it without a guess, the answer shows.
            while app.question().is_some() {
                let fx = app.update(Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)));
                driver.carry_out(&mut app, fx);
            }
            while lesson_view(&app).is_some_and(|v| v.steps.busy) {
                let m = next()?;
                let fx = app.update(m);
                driver.carry_out(&mut app, fx);
            }
            if let Some(e) = lesson_view(&app).and_then(|v| v.ended().map(str::to_string)) {
                bail!("{}", tr!("shot-lab-ended", step = shot.step, error = e));
            }
        }
        // Two samples after the last step, so the tree, CPU and fd tables show its result.
        let mut samples = 0;
        while samples < 2 {
            let m = next()?;
            samples += usize::from(matches!(m, Msg::Sample(_)));
            let fx = app.update(m);
            driver.carry_out(&mut app, fx);
        }
        Ok(())
    })();
    if result.is_ok() {
        let mut term = Terminal::new(TestBackend::new(w, h))?;
        term.draw(|f| view::draw(&app, &shot.theme, f))?;
        let lesson = &app.lessons[index];
        let title = format!("forklab · {} · step {}/{}", lesson.id, shot.step, steps);
        let svg = svg::from_buffer(term.backend().buffer(), &shot.theme, &title);
        if let Err(e) = std::fs::write(shot.out, svg) {
            driver.carry_out(&mut app, vec![Effect::Close]);
            bail!("writing {}: {e}", shot.out.display());
        }
    }
    driver.carry_out(&mut app, vec![Effect::Close]);
    result?;
    eprintln!("wrote {}", shot.out.display());
    Ok(ExitCode::SUCCESS)
}

fn lesson_view(app: &App) -> Option<&super::app::LessonView> {
    match &app.screen {
        Screen::Lesson(v) => Some(v),
        Screen::Picker { .. } => None,
    }
}
