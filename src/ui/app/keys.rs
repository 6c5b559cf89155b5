//! Keys: which `Action` a key asks for, given what is on screen and what is open on top.
//! What the action then does is `App::act` (mod.rs) and `LessonView::act` (step.rs).

use super::*;

impl App {
    pub(super) fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let (w, h) = crate::ui::MIN_SIZE;
        if self.size.0 < w || self.size.1 < h {
            // The screen only says how to quit: no other key acts unseen.
            let ctrl_c = k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
            return if ctrl_c || k.code == KeyCode::Char('q') { self.act(Action::Quit) } else { vec![] };
        }
        let action = self.action_for(k);
        let global =
            matches!(action, Some(Action::Quit | Action::Leave | Action::Help | Action::Freeze | Action::Unzoom));
        let help = self.help_open();
        if let (Screen::Lesson(v), false, false) = (&mut self.screen, global, help) {
            // The lesson screen's own keys: while frozen, only looking around.
            if self.frozen.is_some() && !action.is_some_and(Action::looks) {
                v.message = Some(super::frozen_message());
                return vec![];
            }
            // A message lasts until the next key.
            v.message = None;
            if action.is_none()
                && let Some(a) = self.overlay.as_ref().and_then(Overlay::question)
            {
                let last = a.asks[a.current].last_letter();
                v.message = Some(tr!("msg-press-to-predict", last = last.to_string()));
            }
        }
        match action {
            Some(a) => self.act(a),
            None => vec![],
        }
    }

    /// The narration zoomed with a table wider than the screen: ←/→ move it sideways instead
    /// of stepping (Esc leaves the zoom, then they step again). The key bar says so too.
    pub(crate) fn moves_sideways(&self, v: &LessonView) -> bool {
        let zoomed = v.look.zoom && v.look.focus == Focus::Narration && self.overlay.is_none();
        zoomed && (self.measure)(self, v).is_some_and(|e| e.side_max > 0)
    }

    /// What key `k` asks for here: the help, the signal menu and a question take their keys
    /// first; looking around (focus, scroll, zoom) stays possible under a question.
    pub(super) fn action_for(&self, k: KeyEvent) -> Option<Action> {
        // Raw mode turns Ctrl-C into a key: it quits from anywhere.
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        let lesson = match &self.screen {
            Screen::Lesson(v) => Some(v),
            Screen::Picker { .. } => None,
        };
        if let Some(Overlay::Glossary(_)) = self.overlay {
            match k.code {
                KeyCode::Up => return Some(Action::Scroll(-1)),
                KeyCode::Down => return Some(Action::Scroll(1)),
                KeyCode::PageUp => return Some(Action::Scroll(-10)),
                KeyCode::PageDown => return Some(Action::Scroll(10)),
                _ => {}
            }
        }
        if self.help_open() {
            let close = matches!(k.code, KeyCode::Char('?' | 'q' | 'g') | KeyCode::Esc | KeyCode::Enter);
            return close.then_some(Action::Close);
        }
        if k.code == KeyCode::Char('f') && lesson.is_some() {
            return Some(Action::Freeze);
        }
        if k.code == KeyCode::Char('?') {
            return Some(Action::Help);
        }
        let Some(v) = lesson else {
            return match k.code {
                KeyCode::Up | KeyCode::Char('k') => Some(Action::Choose(-1)),
                KeyCode::Down | KeyCode::Char('j') => Some(Action::Choose(1)),
                KeyCode::Enter | KeyCode::Right if !self.lessons.is_empty() => Some(Action::Open),
                KeyCode::Char('g') => Some(Action::Glossary),
                KeyCode::Char('L' | 'l') => Some(Action::Language),
                KeyCode::Char('q') | KeyCode::Esc => Some(Action::Quit),
                _ => None,
            };
        };
        if k.code == KeyCode::Esc && v.look.zoom {
            return Some(Action::Unzoom);
        }
        if self.moves_sideways(v) {
            match k.code {
                KeyCode::Left => return Some(Action::Side(-SIDE_STEP)),
                KeyCode::Right => return Some(Action::Side(SIDE_STEP)),
                _ => {}
            }
        }
        match &self.overlay {
            Some(Overlay::Signals(_)) => match k.code {
                KeyCode::Up => Some(Action::MenuMove(-1)),
                KeyCode::Down => Some(Action::MenuMove(1)),
                KeyCode::Esc | KeyCode::Char('q') => Some(Action::Close),
                KeyCode::Enter => Some(Action::SendSignal),
                _ => None,
            },
            _ if matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) => Some(Action::Leave),
            _ if k.code == KeyCode::Char('r') && v.lab.ended.is_some() => Some(Action::Restart),
            Some(Overlay::Question(a)) => match k.code {
                KeyCode::Char(c @ 'a'..='z') if ((c as u8 - b'a') as usize) < a.orders[a.current].len() => {
                    Some(Action::Predict((c as u8 - b'a') as usize))
                }
                KeyCode::Right | KeyCode::Enter | KeyCode::Char(' ') => Some(Action::RunWithoutGuess),
                KeyCode::Left => Some(Action::Back),
                _ => lesson_key(k.code).filter(|a| a.looks()),
            },
            _ => lesson_key(k.code),
        }
    }
}

/// The lesson screen's keys when nothing is open on top.
fn lesson_key(code: KeyCode) -> Option<Action> {
    Some(match code {
        KeyCode::Right | KeyCode::Char('n') | KeyCode::Char(' ') => Action::Next,
        KeyCode::Left | KeyCode::Char('p') => Action::Back,
        KeyCode::Tab => Action::Focus { forward: true },
        KeyCode::BackTab => Action::Focus { forward: false },
        KeyCode::Up => Action::Scroll(-1),
        KeyCode::Down => Action::Scroll(1),
        KeyCode::PageUp => Action::Page(-1),
        KeyCode::PageDown => Action::Page(1),
        KeyCode::Char('k') => Action::SignalMenu,
        KeyCode::Char('z') => Action::Zoom,
        KeyCode::Char(c @ '1'..='3') => Action::Fire((c as u8 - b'1') as usize),
        KeyCode::Char('c') => Action::FireAgain,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Workers(1),
        KeyCode::Char('-') => Action::Workers(-1),
        KeyCode::Char('m') => Action::NextMode,
        KeyCode::Char('s') => Action::Syscalls,
        _ => return None,
    })
}
