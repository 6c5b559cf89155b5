//! Moving through the lesson (forward, questions, running a step) and the learner's actions.

use super::*;

impl LessonView {
    pub(super) fn forward(&mut self, lesson: &Lesson) -> Vec<Effect> {
        let steps = lesson.steps.len();
        self.narration_scroll = 0;
        if self.page < self.ran {
            // Re-reading: the step already ran.
            self.page += 1;
            return vec![];
        }
        if self.busy {
            self.message = Some("the step is still running".into());
            return vec![];
        }
        if self.asking.is_some() {
            // → on a question: run the step without a guess.
            return self.predict(None);
        }
        if self.ran < steps {
            let asks: Vec<crate::lesson::Ask> = lesson.steps[self.ran]
                .directives
                .iter()
                .filter_map(|d| match &d.item {
                    crate::lesson::Directive::Ask(a) => Some(a.clone()),
                    _ => None,
                })
                .collect();
            if !asks.is_empty() {
                // The step's narration, and its question under it; the step runs once answered.
                self.page = self.ran + 1;
                let orders = asks.iter().map(|a| crate::lesson::run::shown_order(&lesson.id, a)).collect();
                self.asking = Some(Asking { step: self.ran, asks, orders, current: 0, picks: Vec::new() });
                return vec![];
            }
            return self.run_next();
        }
        if !self.finished {
            self.finished = true;
            self.message = Some("lesson complete: q goes back to the lessons".into());
            return vec![Effect::MarkDone(lesson.id.clone())];
        }
        vec![]
    }

    pub(super) fn run_next(&mut self) -> Vec<Effect> {
        self.ran += 1;
        self.page = self.ran;
        self.busy = true;
        vec![Effect::Engine(EngineCmdKind::RunStep(self.ran - 1))]
    }

    /// The learner's prediction for the question shown (`None`: no guess); after the last
    /// question the step runs.
    pub(super) fn predict(&mut self, pick: Option<usize>) -> Vec<Effect> {
        let Some(a) = &mut self.asking else { return vec![] };
        a.picks.push(pick);
        a.current += 1;
        if a.current < a.asks.len() {
            return vec![];
        }
        let picks = std::mem::take(&mut a.picks);
        self.asking = None;
        self.predictions = picks.into();
        self.run_next()
    }

    /// A learner's action, written as the directive it runs.
    pub(super) fn action(&mut self, text: String) -> Vec<Effect> {
        if self.ended.is_some() {
            self.message = Some("the lab has ended; q goes back".into());
            return vec![];
        }
        if self.model.conns.mode.is_none() && !text.starts_with("do: mode") {
            self.message = Some("no pool runs yet: step forward (→) to start the lesson's workers".into());
            return vec![];
        }
        if text.starts_with("do: scale")
            && let Some(n) = text.rsplit('=').next().and_then(|n| n.parse().ok())
        {
            self.workers = n;
        }
        self.message = Some(format!("running `{text}`"));
        vec![Effect::Engine(EngineCmdKind::Do(text))]
    }

    pub(super) fn signal_selected(&mut self, sig: &str) -> Vec<Effect> {
        let Some(row) = self.model.procs.get(self.model.selected) else { return vec![] };
        let ok = matches!(row.role, Role::Worker | Role::Master) && row.exit.is_none();
        if !ok {
            self.message = Some(format!("select a live worker or the master to signal (not {})", row.alias));
            return vec![];
        }
        let target = if row.role == Role::Master { Target::Master } else { target_of(&row.alias) };
        self.action(format!("do: kill {target} signal={sig}"))
    }
}

pub(super) fn target_of(alias: &str) -> Target {
    alias.strip_prefix('W').and_then(|n| n.parse().ok()).map(Target::Worker).unwrap_or(Target::Master)
}
