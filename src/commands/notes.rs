//! `forklab notes <lesson>`: the presenter's speaker notes in a second terminal, following the
//! step the lesson screen is on. Each lesson screen writes where it is to a file of its own in
//! forklab's private runtime dir (rundir.rs); this polls them and shows the notes of the step
//! of the screen showing this lesson (the one that moved last, if several do).

use crate::lesson::Lesson;
use anyhow::Result;
use crossbeam_channel::select;
use serde::Deserialize;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Deserialize)]
struct Current {
    lesson: Option<String>,
    page: usize,
    pid: i32,
}

#[derive(Debug, Clone, PartialEq)]
enum Where {
    /// No lesson screen is running.
    Waiting,
    /// The lesson screen shows another lesson (or the picker).
    Elsewhere(Option<String>),
    Page(usize),
}

/// The running lesson screens, the one that moved last first.
fn screens() -> Vec<Current> {
    let mut found: Vec<(std::time::SystemTime, Current)> = crate::sys::rundir::current_steps()
        .into_iter()
        .filter_map(|(pid, path)| {
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            let c = serde_json::from_str::<Current>(&std::fs::read_to_string(&path).ok()?).ok()?;
            // A lesson screen that was killed could not remove its file: check it still runs.
            let alive = c.pid == pid && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
            alive.then_some((modified, c))
        })
        .collect();
    found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    found.into_iter().map(|(_, c)| c).collect()
}

fn read_where(lesson: &str) -> Where {
    let screens = screens();
    if let Some(c) = screens.iter().find(|c| c.lesson.as_deref() == Some(lesson)) {
        return Where::Page(c.page);
    }
    match screens.into_iter().next() {
        Some(c) => Where::Elsewhere(c.lesson),
        None => Where::Waiting,
    }
}

/// Raw mode while the notes show in a terminal, so that one `q` quits; given back on drop.
struct RawKeys;

impl RawKeys {
    fn on() -> Option<RawKeys> {
        let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        (tty && crossterm::terminal::enable_raw_mode().is_ok()).then_some(RawKeys)
    }
}

impl Drop for RawKeys {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Whether a key asking to quit (`q`, Esc, Ctrl-C) came within `wait`.
fn quit_key(wait: Duration) -> bool {
    use crossterm::event::{Event, KeyCode, KeyModifiers, poll, read};
    if !poll(wait).unwrap_or(false) {
        return false;
    }
    match read() {
        Ok(Event::Key(k)) => {
            matches!(k.code, KeyCode::Char('q') | KeyCode::Esc)
                || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL))
        }
        _ => false,
    }
}

pub fn run(lessons: &[Lesson], id: &str) -> Result<ExitCode> {
    let lesson = crate::lesson::find(lessons, id)?;
    let tty = std::io::stdout().is_terminal();
    let quit = crate::sys::reaper::quit_signals();
    let keys = RawKeys::on();
    let mut shown = None;
    loop {
        let now = read_where(&lesson.id);
        if shown.as_ref() != Some(&now) {
            let width = crossterm::terminal::size().map(|(w, _)| w).unwrap_or(80);
            let mut out = std::io::stdout().lock();
            if tty {
                // Clear the screen: the notes of one step at a time.
                write!(out, "\x1b[2J\x1b[H").map_err(crate::sys::term::closed_or)?;
            }
            // The lesson's own text: its escape sequences are shown, not obeyed. In raw mode a
            // line feed does not return the cursor: each line ends with CR LF.
            let page = page_text(lesson, &now, width);
            let text = crate::sys::term::clean(&page);
            let text = if keys.is_some() { text.replace('\n', "\r\n") } else { text.into_owned() };
            write!(out, "{text}").and_then(|()| out.flush()).map_err(crate::sys::term::closed_or)?;
            shown = Some(now);
        }
        if keys.is_some() {
            if quit_key(Duration::from_millis(200)) || quit.try_recv().is_ok() {
                return Ok(ExitCode::SUCCESS);
            }
            continue;
        }
        select! {
            recv(quit) -> _ => return Ok(ExitCode::SUCCESS),
            default(Duration::from_millis(200)) => {}
        }
    }
}

fn page_text(lesson: &Lesson, at: &Where, width: u16) -> String {
    let steps = lesson.steps.len();
    let mut s = format!("forklab {} · {} · {}\n\n", tr!("notes-name"), lesson.id, lesson.title);
    match at {
        Where::Waiting => s.push_str(&(tr!("notes-waiting", id = lesson.id.as_str()) + "\n")),
        Where::Elsewhere(None) => s.push_str(&(tr!("notes-on-picker") + "\n")),
        Where::Elsewhere(Some(other)) => {
            s.push_str(&(tr!("notes-elsewhere", other = other.as_str(), id = lesson.id.as_str()) + "\n"))
        }
        Where::Page(0) => s.push_str(&(tr!("notes-intro") + "\n")),
        Where::Page(n) => {
            let Some(step) = lesson.steps.get(n - 1) else { return s };
            s.push_str(&format!("{} · {}\n\n", tr!("step-of", n = *n, m = steps), step.title));
            match &step.notes {
                Some(notes) => s.push_str(&plain(notes, width)),
                None => s.push_str(&(tr!("notes-none") + "\n")),
            }
        }
    }
    let next = match at {
        Where::Page(n) => *n,
        _ => 0,
    };
    if matches!(at, Where::Page(_)) {
        match lesson.steps.get(next) {
            Some(step) => s.push_str(&format!("\n{} · {}\n", tr!("notes-next", n = next + 1), step.title)),
            None => s.push_str(&format!("\n{}\n", tr!("notes-last"))),
        }
    }
    s
}

/// Markdown as plain wrapped text, laid out by the narration's own renderer.
fn plain(md: &str, width: u16) -> String {
    let theme = crate::ui::theme::Theme::new(crate::ui::theme::ThemeName::Default, true, false);
    let text = crate::ui::markdown::render(md, &theme, width);
    let mut s = String::new();
    for line in text.lines {
        for span in line.spans {
            s.push_str(&span.content);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_shows_its_notes_and_what_comes_next() {
        let lessons = crate::lesson::embedded().unwrap();
        let fork = lessons.iter().find(|l| l.id == "fork").unwrap();
        let with_notes = fork.steps.iter().position(|s| s.notes.is_some()).expect("fork has speaker notes");
        let text = page_text(fork, &Where::Page(with_notes + 1), 80);
        assert!(text.contains(&format!("step {}/{}", with_notes + 1, fork.steps.len())), "{text}");
        let first_words: String =
            fork.steps[with_notes].notes.as_ref().unwrap().split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        assert!(text.contains(&first_words), "{text}");
        let last = page_text(fork, &Where::Page(fork.steps.len()), 80);
        assert!(last.contains("this is the last step"), "{last}");
        assert!(page_text(fork, &Where::Waiting, 80).contains("forklab open fork"));
    }
}
