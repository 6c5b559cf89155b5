//! Keys: what each key does on the picker, on the lesson screen, in the signal menu and on a
//! question.

use super::*;

impl App {
    pub(super) fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        // Raw mode turns Ctrl-C into a key: it quits from anywhere.
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if k.code == KeyCode::Char('f') && matches!(self.screen, Screen::Lesson(_)) && !self.help {
            return self.toggle_freeze();
        }
        if self.help {
            if matches!(k.code, KeyCode::Char('?') | KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter) {
                self.help = false;
            }
            return vec![];
        }
        if k.code == KeyCode::Char('?') {
            self.help = true;
            return vec![];
        }
        match &mut self.screen {
            Screen::Picker { selected } => match k.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    *selected = selected.saturating_sub(1);
                    vec![]
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    *selected = (*selected + 1).min(self.lessons.len().saturating_sub(1));
                    vec![]
                }
                KeyCode::Enter | KeyCode::Right if !self.lessons.is_empty() => {
                    let i = *selected;
                    self.open(i)
                }
                KeyCode::Char('q') | KeyCode::Esc => {
                    self.quit = true;
                    vec![Effect::Quit]
                }
                _ => vec![],
            },
            Screen::Lesson(v) => {
                if k.code == KeyCode::Esc && v.zoom {
                    v.zoom = false;
                    return vec![];
                }
                if matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) && v.signal_menu.is_none() {
                    let index = v.index;
                    self.frozen = None;
                    if self.direct {
                        self.quit = true;
                        return vec![Effect::Close, Effect::Quit];
                    }
                    self.screen = Screen::Picker { selected: index };
                    return vec![Effect::Close];
                }
                let looking = matches!(
                    k.code,
                    KeyCode::Char('z')
                        | KeyCode::Tab
                        | KeyCode::BackTab
                        | KeyCode::Up
                        | KeyCode::Down
                        | KeyCode::PageUp
                        | KeyCode::PageDown
                );
                if self.frozen.is_some() && !looking {
                    v.message = Some("the display is frozen, the processes go on: f thaws it".into());
                    return vec![];
                }
                let lesson = &self.lessons[v.index];
                v.key(k, lesson)
            }
        }
    }
}

impl LessonView {
    pub(super) fn key(&mut self, k: KeyEvent, lesson: &Lesson) -> Vec<Effect> {
        // A message lasts until the next key.
        self.message = None;
        if self.asking.is_some() && self.signal_menu.is_none() && !matches!(k.code, KeyCode::Tab | KeyCode::BackTab) {
            if matches!(k.code, KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown | KeyCode::Char('z'))
            {
                // Looking around stays possible.
            } else {
                return self.ask_key(k);
            }
        }
        if let Some(i) = self.signal_menu {
            match k.code {
                KeyCode::Up => self.signal_menu = Some(i.saturating_sub(1)),
                KeyCode::Down => self.signal_menu = Some((i + 1).min(SIGNALS.len() - 1)),
                KeyCode::Esc | KeyCode::Char('q') => self.signal_menu = None,
                KeyCode::Enter => {
                    self.signal_menu = None;
                    return self.signal_selected(SIGNALS[i]);
                }
                _ => {}
            }
            return vec![];
        }
        match k.code {
            KeyCode::Right | KeyCode::Char('n') | KeyCode::Char(' ') => self.forward(lesson),
            KeyCode::Left | KeyCode::Char('p') => {
                self.page = self.page.saturating_sub(1);
                self.narration_scroll = 0;
                vec![]
            }
            KeyCode::Tab => {
                self.focus = next_focus(self.focus, &lesson.panes, true);
                vec![]
            }
            KeyCode::BackTab => {
                self.focus = next_focus(self.focus, &lesson.panes, false);
                vec![]
            }
            KeyCode::Up => {
                self.scroll(-1);
                vec![]
            }
            KeyCode::Down => {
                self.scroll(1);
                vec![]
            }
            KeyCode::PageUp => {
                self.scroll(-10);
                vec![]
            }
            KeyCode::PageDown => {
                self.scroll(10);
                vec![]
            }
            KeyCode::Char('k') => {
                self.signal_menu = Some(0);
                vec![]
            }
            KeyCode::Char('z') => {
                self.zoom = !self.zoom;
                vec![]
            }
            KeyCode::Char(c @ '1'..='3') => {
                self.fire_count = (c as u8 - b'1') as usize;
                vec![]
            }
            KeyCode::Char('c') => self.action(format!("do: fire {} concurrency=4", FIRE_COUNTS[self.fire_count])),
            KeyCode::Char('+') | KeyCode::Char('=') => {
                let n = (self.workers + 1).min(64);
                self.action(format!("do: scale workers={n}"))
            }
            KeyCode::Char('-') => {
                let n = self.workers.saturating_sub(1).max(1);
                self.action(format!("do: scale workers={n}"))
            }
            KeyCode::Char('m') => {
                let next = self.model.conns.mode.unwrap_or(Mode::Shared).next();
                self.action(format!("do: mode {next}"))
            }
            _ => vec![],
        }
    }

    pub(super) fn scroll(&mut self, by: i32) {
        match self.focus {
            Focus::Narration => {
                self.narration_scroll = (self.narration_scroll as i32 + by).max(0) as u16;
            }
            Focus::Pane(Pane::Events) => {
                let max = self.model.log.lines.len().saturating_sub(1) as i32;
                // Up scrolls back (away from the newest line).
                self.model.log.scroll = (self.model.log.scroll as i32 - by).clamp(0, max) as usize;
            }
            Focus::Pane(_) => {
                let max = self.model.procs.len().saturating_sub(1) as i32;
                self.model.selected = (self.model.selected as i32 + by).clamp(0, max) as usize;
                self.selected_pid = self.model.procs.get(self.model.selected).map(|r| r.pid);
                self.refresh_fds();
            }
        }
    }

    /// Keys while a question is shown: a letter predicts; → runs without a guess; ← goes back.
    pub(super) fn ask_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Some(a) = &self.asking else { return vec![] };
        let (order, last) = (&a.orders[a.current], a.asks[a.current].last_letter());
        match k.code {
            KeyCode::Char(c @ 'a'..='z') if ((c as u8 - b'a') as usize) < order.len() => {
                // The letter names a place in the order shown; the prediction is its choice.
                let choice = order[(c as u8 - b'a') as usize];
                self.predict(Some(choice))
            }
            KeyCode::Right | KeyCode::Enter | KeyCode::Char(' ') => self.predict(None),
            KeyCode::Left => {
                self.asking = None;
                self.page = self.ran;
                vec![]
            }
            _ => {
                self.message = Some(format!("press a–{last} to predict, or → to run the step without a guess"));
                vec![]
            }
        }
    }
}

pub(super) fn next_focus(f: Focus, panes: &[Pane], forward: bool) -> Focus {
    let mut order = vec![Focus::Narration];
    order.extend(panes.iter().map(|p| Focus::Pane(*p)));
    let i = order.iter().position(|x| *x == f).unwrap_or(0);
    let n = order.len();
    order[if forward { (i + 1) % n } else { (i + n - 1) % n }]
}
