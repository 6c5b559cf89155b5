//! Moving through the lesson (forward, questions, running a step) and the learner's actions
//! on the lab, each sent to the engine as the `Directive` it is.

use super::*;
use crate::lesson::Directive;

impl LessonView {
    /// The actions that concern this lesson (the rest are the app's: `App::act`).
    pub(super) fn act(&mut self, a: Action, lesson: &Lesson, overlay: &mut Option<Overlay>) -> Vec<Effect> {
        match a {
            Action::Next => return self.forward(lesson, overlay),
            Action::Back if overlay.as_ref().and_then(Overlay::question).is_some() => {
                // ← on a question: back without running the step.
                *overlay = None;
                self.steps.page = self.steps.ran;
                self.look.scroll = None;
                self.look.side = 0;
            }
            Action::Back => {
                self.steps.page = self.steps.page.saturating_sub(1);
                self.look.scroll = None;
                self.look.side = 0;
            }
            Action::Syscalls => return self.toggle_syscalls(),
            Action::Scroll(by) => self.scroll(by),
            Action::Zoom => self.look.zoom = !self.look.zoom,
            Action::Unzoom => self.look.zoom = false,
            Action::SignalMenu => *overlay = Some(Overlay::Signals(0)),
            Action::MenuMove(by) => {
                if let Some(Overlay::Signals(i)) = overlay {
                    *i = (*i as i32 + by).clamp(0, SIGNALS.len() as i32 - 1) as usize;
                }
            }
            Action::SendSignal => {
                if let Some(Overlay::Signals(i)) = overlay.take() {
                    return self.signal_selected(SIGNALS[i]);
                }
            }
            Action::Fire(i) => {
                self.fire_count = i.min(FIRE_COUNTS.len() - 1);
                return self.act(Action::FireAgain, lesson, overlay);
            }
            Action::FireAgain => {
                let connections = FIRE_COUNTS[self.fire_count];
                return self.run_action_in(Directive::Fire { connections, concurrency: 4, keepalive: 1 }, Some(lesson));
            }
            Action::Workers(by) => {
                let n = (self.lab.workers as i32 + by).clamp(1, 64) as usize;
                return self.run_action_in(Directive::Scale(WorkerCount::N(n)), Some(lesson));
            }
            Action::NextMode => {
                let next = self.model.conns.mode.unwrap_or(Mode::Shared).next();
                return self.run_action_in(Directive::SetMode(next), Some(lesson));
            }
            Action::Predict(place) => {
                // The letter names a place in the order shown; the prediction is its choice.
                let choice = overlay.as_ref().and_then(Overlay::question).map(|a| a.orders[a.current][place]);
                return self.predict(choice, overlay);
            }
            Action::RunWithoutGuess => return self.predict(None, overlay),
            Action::Quit | Action::Leave | Action::Help | Action::Close | Action::Choose(_) | Action::Open => {}
            Action::Page(_) | Action::Side(_) | Action::Focus { .. } => {}
            Action::Freeze | Action::Restart | Action::Glossary | Action::Language => {}
        }
        vec![]
    }

    pub(super) fn forward(&mut self, lesson: &Lesson, overlay: &mut Option<Overlay>) -> Vec<Effect> {
        let steps = lesson.steps.len();
        self.look.scroll = None;
        self.look.side = 0;
        if self.steps.page < self.steps.ran {
            // Re-reading: the step already ran.
            self.steps.page += 1;
            return vec![];
        }
        if self.steps.busy {
            self.message = Some(tr!("msg-still-running"));
            return vec![];
        }
        if overlay.as_ref().and_then(Overlay::question).is_some() {
            // → on a question: run the step without a guess.
            return self.predict(None, overlay);
        }
        if self.steps.ran < steps {
            let asks: Vec<crate::lesson::Ask> = lesson.steps[self.steps.ran]
                .directives
                .iter()
                .filter_map(|d| match &d.item {
                    Directive::Ask(a) => Some(a.clone()),
                    _ => None,
                })
                .collect();
            if !asks.is_empty() {
                // The step's narration, and its question under it; the step runs once answered.
                self.steps.page = self.steps.ran + 1;
                let orders = asks.iter().map(|a| crate::lesson::run::shown_order(&lesson.id, a)).collect();
                *overlay = Some(Overlay::Question(Asking {
                    step: self.steps.ran,
                    asks,
                    orders,
                    current: 0,
                    picks: Vec::new(),
                }));
                return vec![];
            }
            return self.run_next();
        }
        if !self.steps.finished {
            self.steps.finished = true;
            // What q does next: back to the list, or (`forklab open`) out of forklab.
            self.message = Some(if self.direct { tr!("msg-lesson-complete-quit") } else { tr!("msg-lesson-complete") });
            return vec![Effect::MarkDone(lesson.id.clone())];
        }
        vec![]
    }

    pub(super) fn run_next(&mut self) -> Vec<Effect> {
        self.steps.ran += 1;
        self.steps.page = self.steps.ran;
        self.look.scroll = None;
        self.look.side = 0;
        self.steps.busy = true;
        vec![Effect::Engine(EngineCmd::RunStep(self.steps.ran - 1))]
    }

    /// The learner's prediction for the question shown (`None`: no guess); after the last
    /// question the step runs.
    pub(super) fn predict(&mut self, pick: Option<usize>, overlay: &mut Option<Overlay>) -> Vec<Effect> {
        let Some(Overlay::Question(a)) = overlay else { return vec![] };
        a.picks.push(pick);
        a.current += 1;
        if a.current < a.asks.len() {
            return vec![];
        }
        let picks = std::mem::take(&mut a.picks);
        *overlay = None;
        self.steps.predictions = picks.into();
        self.run_next()
    }

    /// A learner's action on the lab: the directive it runs, as a lesson would.
    fn run_action(&mut self, d: Directive) -> Vec<Effect> {
        self.run_action_in(d, None)
    }

    /// `run_action`, knowing the lesson: without a pool, say whether a later step starts one.
    fn run_action_in(&mut self, d: Directive, lesson: Option<&Lesson>) -> Vec<Effect> {
        if self.lab.ended.is_some() {
            self.message = Some(tr!("msg-lab-has-ended"));
            return vec![];
        }
        if self.model.conns.mode.is_none() {
            let spawns =
                |s: &crate::lesson::Step| s.directives.iter().any(|d| matches!(d.item, Directive::Spawn { .. }));
            let ahead = lesson.is_none_or(|l| l.steps.iter().skip(self.steps.ran).any(spawns));
            self.message = Some(if ahead { tr!("msg-no-pool-yet") } else { tr!("msg-no-pool") });
            return vec![];
        }
        if let Directive::Scale(WorkerCount::N(n)) = d {
            self.lab.workers = n;
        }
        self.message = Some(tr!("msg-running", directive = d.to_string()));
        vec![Effect::Engine(EngineCmd::Do(d))]
    }

    pub(super) fn signal_selected(&mut self, signal: Signal) -> Vec<Effect> {
        let Some(row) = self.model.procs.get(self.model.selected) else { return vec![] };
        let ok = matches!(row.role, Role::Worker | Role::Master) && row.exit.is_none();
        if !ok {
            self.message = Some(tr!("msg-select-live", alias = row.alias.as_str()));
            return vec![];
        }
        let target = if row.role == Role::Master { Target::Master } else { target_of(&row.alias) };
        self.run_action(Directive::Kill { target, signal })
    }

    /// `s`: strace -f on the lab's processes, or off. The master goes first, so the workers
    /// it forks later (a respawn, a scale) are followed too; forklab itself and the load
    /// client are not traced.
    fn toggle_syscalls(&mut self) -> Vec<Effect> {
        if self.sys.take().is_some() {
            if self.look.focus == Focus::Syscalls {
                self.look.focus = Focus::Narration;
                self.look.zoom = false;
            }
            return vec![Effect::StopTrace];
        }
        if self.lab.ended.is_some() {
            self.message = Some(tr!("msg-nothing-to-trace-ended"));
            return vec![];
        }
        let mut rows: Vec<&ProcRow> = self
            .model
            .procs
            .iter()
            .filter(|r| r.exit.is_none() && !matches!(r.role, Role::App | Role::Client) && r.alias != "strace")
            .collect();
        rows.sort_by_key(|r| r.role != Role::Master);
        let Some(first) = rows.first() else {
            self.message = Some(tr!("msg-nothing-to-trace-yet"));
            return vec![];
        };
        let pids: Vec<i32> = rows.iter().map(|r| r.pid).collect();
        self.sys = Some(crate::ui::model::SysPane { pid: first.pid, alias: first.alias.clone(), ..Default::default() });
        vec![Effect::Trace(pids)]
    }

    pub(super) fn scroll(&mut self, by: i32) {
        match self.look.focus {
            // The narration scrolls as far as its text goes: App::scroll_narration.
            Focus::Narration => {}
            // The syscalls pane follows strace's newest lines, or is read back.
            Focus::Syscalls => {
                if let Some(p) = &mut self.sys {
                    p.scroll_by(by);
                }
            }
            Focus::Pane(Pane::Ipc) => {
                let ipc = self.model.log.lines.iter().filter(|l| l.kind == LogKind::Ipc).count();
                let max = ipc.saturating_sub(1) as i32;
                self.model.log.ipc_scroll = (self.model.log.ipc_scroll as i32 - by).clamp(0, max) as usize;
            }
            Focus::Pane(Pane::Events) => {
                let max = self.model.log.lines.len().saturating_sub(1) as i32;
                // Up scrolls back (away from the newest line).
                self.model.log.scroll = (self.model.log.scroll as i32 - by).clamp(0, max) as usize;
            }
            Focus::Pane(Pane::Connections) => {
                // The latest connections, newest first: ↓ goes to older ones.
                let c = &mut self.model.conns;
                c.scroll = (c.scroll as i32 + by).clamp(0, c.recent.len().saturating_sub(1) as i32) as usize;
            }
            Focus::Pane(Pane::Fds) => {
                // The fd table of the process selected in the processes pane scrolls; the view
                // keeps its last page full.
                let max = self.model.fds.as_ref().map_or(0, |t| t.fds.len().saturating_sub(1)) as i32;
                self.model.fds_scroll = (self.model.fds_scroll as i32 + by).clamp(0, max) as usize;
            }
            Focus::Pane(_) => {
                let max = self.model.procs.len().saturating_sub(1) as i32;
                self.model.selected = (self.model.selected as i32 + by).clamp(0, max) as usize;
                let pid = self.model.procs.get(self.model.selected).map(|r| r.pid);
                if pid != self.lab.selected_pid {
                    self.model.fds_scroll = 0;
                }
                self.lab.selected_pid = pid;
                self.refresh_fds();
            }
        }
    }
}

pub(super) fn target_of(alias: &str) -> Target {
    alias.strip_prefix('W').and_then(|n| n.parse().ok()).map(Target::Worker).unwrap_or(Target::Master)
}

/// The panes the lesson screen draws, `None` being the syscalls pane while it is open: below
/// the others on a wide screen, in the events pane's place (or the last one's) on a narrow one.
pub(crate) fn shown_panes(panes: &[Pane], sys: bool, wide: bool) -> Vec<Option<Pane>> {
    let mut shown: Vec<Option<Pane>> = panes.iter().copied().map(Some).collect();
    if !sys {
        return shown;
    }
    let replace = shown.iter().position(|p| *p == Some(Pane::Events)).or(shown.len().checked_sub(1).filter(|i| *i > 0));
    match replace {
        Some(i) if !wide => shown[i] = None,
        _ => shown.push(None),
    }
    shown
}

/// Tab and Shift-Tab: the narration, then the panes on screen in the order they are drawn.
/// A focus on none of them (a pane the syscalls pane took the place of) goes on from the
/// narration.
pub(super) fn next_focus(f: Focus, shown: &[Option<Pane>], forward: bool) -> Focus {
    let mut order = vec![Focus::Narration];
    order.extend(shown.iter().map(|p| p.map_or(Focus::Syscalls, Focus::Pane)));
    let i = order.iter().position(|x| *x == f).unwrap_or(0);
    let n = order.len();
    order[if forward { (i + 1) % n } else { (i + n - 1) % n }]
}
