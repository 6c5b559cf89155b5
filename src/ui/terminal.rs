//! The terminal while the lesson screen owns it: raw mode, the alternate screen, the cursor
//! hidden. `TerminalGuard` gives all three back when it is dropped (a normal return, an error,
//! unwinding), and a panic gives them back before its message is printed; while it lives,
//! Ctrl-Z and `fg` give the terminal back and take it again (sys/jobctl.rs). The input thread
//! reads keys and resizes from it.

use super::record::Tee;
use anyhow::Result;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

pub(crate) type Term = Terminal<CrosstermBackend<Tee>>;

/// The terminal in raw mode on the alternate screen, for as long as this lives.
pub(crate) struct TerminalGuard {
    pub terminal: Term,
    _raw: RawMode,
}

impl TerminalGuard {
    /// Raw mode and the alternate screen; a frame of `size` when given (`--size`), else the
    /// whole terminal.
    pub fn enter(writer: Tee, size: Option<(u16, u16)>) -> Result<TerminalGuard> {
        crossterm::terminal::enable_raw_mode()?;
        // From here on, a failure drops `raw`, which gives the terminal back.
        let raw = RawMode;
        crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            hook(info);
        }));
        let viewport = match size {
            Some((w, h)) => Viewport::Fixed(Rect::new(0, 0, w, h)),
            None => Viewport::Fullscreen,
        };
        let mut terminal = Terminal::with_options(CrosstermBackend::new(writer), TerminalOptions { viewport })?;
        terminal.clear()?;
        // Ctrl-Z and `fg`: the signal thread gives the terminal back and takes it again.
        crate::sys::jobctl::set_hooks(Some(crate::sys::jobctl::TERMINAL));
        Ok(TerminalGuard { terminal, _raw: raw })
    }
}

/// Dropped after the terminal (fields drop in order): gives the terminal back.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        crate::sys::jobctl::set_hooks(None);
        restore();
    }
}

/// Best effort, and safe to repeat: out of raw mode, off the alternate screen, cursor shown.
fn restore() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
}

/// What the input thread passes on.
pub(crate) enum Input {
    Key(crossterm::event::KeyEvent),
    Resize(u16, u16),
}

/// The input thread: keys and resizes, until the terminal or the app is gone; `wrap` makes
/// each the message of the screen that reads them (the lesson screen's, watch's).
pub(crate) fn input_loop<M>(tx: crossbeam_channel::Sender<M>, wrap: fn(Input) -> M) {
    use crossterm::event::{Event, read};
    loop {
        let input = match read() {
            // Raw mode turns off ISIG: Ctrl-Z is a key, and becomes the SIGTSTP it would be.
            Ok(Event::Key(k))
                if k.code == crossterm::event::KeyCode::Char('z')
                    && k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                crate::sys::jobctl::suspend();
                continue;
            }
            Ok(Event::Key(k)) => Input::Key(k),
            Ok(Event::Resize(w, h)) => Input::Resize(w, h),
            Ok(_) => continue,
            // The terminal is gone (SIGHUP follows): nothing more to read.
            Err(_) => return,
        };
        if tx.send(wrap(input)).is_err() {
            return;
        }
    }
}
