//! The app's state and its one `update`. Every change of state happens here, from one
//! message at a time; drawing reads `&App` (view.rs) and changes nothing. What update wants
//! done outside (start a lesson's engine, send it a command, remember a finished lesson) it
//! returns as effects for the main loop to carry out.

use super::engine::{EngineCmd, EngineMsg};
use super::model::{ConnRow, FdTable, LabModel, LogKind, LogLine, ProcRow, RECENT_CONNS, Role};
use super::sampler::Snapshot;
use crate::lesson::run::{Line, LineKind};
use crate::lesson::{Lesson, Pane, Target, WorkerCount};
use crate::proto::Event;
use crate::proto::mode::Mode;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// Everything that can change the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Sample(Snapshot),
    Engine(EngineMsg),
    /// SIGINT, SIGTERM or SIGHUP from outside.
    Signal(nix::sys::signal::Signal),
}

/// What update asks the main loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the engine for lesson `index`.
    Open(usize),
    /// Stop the running lesson's engine (and with it its processes).
    Close,
    Engine(EngineCmdKind),
    /// Remember that a lesson was finished.
    MarkDone(String),
    Quit,
}

/// EngineCmd without the directive payload's lack of PartialEq.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineCmdKind {
    RunStep(usize),
    Do(String),
}

impl Effect {
    /// The engine command to send, parsing a learner's action from its directive text.
    pub fn engine_cmd(kind: &EngineCmdKind) -> Option<EngineCmd> {
        match kind {
            EngineCmdKind::RunStep(i) => Some(EngineCmd::RunStep(*i)),
            EngineCmdKind::Do(text) => {
                let directive = crate::lesson::parse_directive(text).ok()?;
                Some(EngineCmd::Do { directive, text: text.clone() })
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Narration,
    Pane(Pane),
}

/// The signals the `k` menu offers.
pub const SIGNALS: [&str; 6] = ["TERM", "KILL", "SEGV", "STOP", "CONT", "INT"];
/// The counts `c` fires, chosen with 1, 2, 3.
pub const FIRE_COUNTS: [u32; 3] = [1, 10, 100];

/// One line of a step's output under its narration.
#[derive(Debug, Clone, PartialEq)]
pub struct OutLine {
    pub kind: LogKind,
    pub text: String,
}

/// The lesson screen's state.
#[derive(Debug)]
pub struct LessonView {
    pub index: usize,
    /// The page shown: 0 is the intro, n is step n.
    pub page: usize,
    /// How many steps have run (1..=ran have run or are running).
    pub ran: usize,
    /// A step or action is running in the engine.
    pub busy: bool,
    pub focus: Focus,
    pub narration_scroll: u16,
    pub signal_menu: Option<usize>,
    pub fire_count: usize,
    pub model: LabModel,
    /// The fd table of every process on screen, from the last sample.
    pub fds: BTreeMap<i32, Vec<crate::sys::procfs::FdEntry>>,
    /// Output lines of each step (index 0 for actions taken on the intro page).
    pub outputs: Vec<Vec<OutLine>>,
    pub master: Option<i32>,
    /// pid → alias, from the lab's events.
    pub aliases: HashMap<i32, String>,
    /// When each pid was spawned or exited, for highlighting.
    pub born: HashMap<i32, Instant>,
    pub exited: Vec<(ProcRow, Instant)>,
    /// Accepted connections per alias in the current pool.
    pub accepted: BTreeMap<String, u64>,
    pub conn_seq: u64,
    pub workers: usize,
    pub ended: Option<String>,
    pub message: Option<String>,
    pub opened: Instant,
    pub finished: bool,
    /// `z`: the focused pane (or the narration) fills the screen.
    pub zoom: bool,
    /// The next step's questions, asked before it runs.
    pub asking: Option<Asking>,
    /// What the learner predicted for the running step's questions (the index of the choice
    /// in the file, whatever letter it was shown under), in order; each real answer that
    /// comes back takes the first.
    pub predictions: std::collections::VecDeque<Option<usize>>,
    /// The process selected, by pid: chosen with ↑/↓, or the one a step's `show fds` or
    /// `show proc` is about (the fds pane then shows what the narration talks about).
    pub selected_pid: Option<i32>,
}

/// Predict, then run: a step's `ask` questions, one at a time, before the step runs.
#[derive(Debug, Clone)]
pub struct Asking {
    /// The step asked about (0-based).
    pub step: usize,
    pub asks: Vec<crate::lesson::Ask>,
    /// The order each question's choices are shown in (`play::shown_order`): letter a is
    /// `asks[q].choices[orders[q][0]]`.
    pub orders: Vec<Vec<usize>>,
    /// The question shown.
    pub current: usize,
    pub picks: Vec<Option<usize>>,
}

#[derive(Debug)]
pub enum Screen {
    Picker { selected: usize },
    Lesson(Box<LessonView>),
}

pub struct App {
    pub lessons: Vec<Lesson>,
    pub done: BTreeSet<String>,
    pub screen: Screen,
    pub help: bool,
    pub size: (u16, u16),
    /// Opened with `forklab open <lesson>`: leaving the lesson quits.
    pub direct: bool,
    pub quit: bool,
    pub now: Instant,
    /// The signal that ended the app, if one did (its exit code says so).
    pub quit_by: Option<nix::sys::signal::Signal>,
    /// `--autoplay`: stepping by itself.
    pub autoplay: Option<Autoplay>,
    /// `f`: the display holds still while the processes go on; what they say waits here.
    pub frozen: Option<Frozen>,
}

/// `--autoplay SECONDS`: each step runs when the previous one has finished (its directives'
/// events are in) and the pace has passed since, so a slow machine does not cut a step short.
#[derive(Debug, Clone)]
pub struct Autoplay {
    pub pace: Duration,
    /// When the next step runs; `None` while a step is running.
    pub next: Option<Instant>,
    /// Quit once the last step has had its time (for recordings), instead of staying on it.
    pub quit_at_end: bool,
}

impl Autoplay {
    pub fn new(pace: Duration, quit_at_end: bool) -> Autoplay {
        Autoplay { pace, next: None, quit_at_end }
    }
}

/// Messages held back while the display is frozen. Samples are whole pictures, so only the
/// latest is kept; the lab's messages are kept in order and applied on thaw.
#[derive(Debug, Default)]
pub struct Frozen {
    pub held: Vec<Msg>,
    pub sample: Option<Snapshot>,
}

impl App {
    pub fn new(lessons: Vec<Lesson>, done: BTreeSet<String>, size: (u16, u16)) -> App {
        App {
            lessons,
            done,
            screen: Screen::Picker { selected: 0 },
            help: false,
            size,
            direct: false,
            quit: false,
            now: Instant::now(),
            quit_by: None,
            autoplay: None,
            frozen: None,
        }
    }

    /// Open lesson `index` at once (`forklab open`).
    pub fn open_direct(&mut self, index: usize) -> Vec<Effect> {
        self.direct = true;
        self.open(index)
    }

    fn open(&mut self, index: usize) -> Vec<Effect> {
        let lesson = &self.lessons[index];
        let workers = lesson.setup.workers.unwrap_or(WorkerCount::N(4)).resolve();
        let mut model = LabModel::default();
        model.conns.mode = None;
        self.screen = Screen::Lesson(Box::new(LessonView {
            index,
            page: 0,
            ran: 0,
            busy: false,
            // Reading comes first: ↑/↓ scroll the narration until Tab moves on.
            focus: Focus::Narration,
            narration_scroll: 0,
            signal_menu: None,
            fire_count: 1,
            model,
            fds: BTreeMap::new(),
            outputs: vec![Vec::new(); lesson.steps.len() + 1],
            master: None,
            aliases: HashMap::new(),
            born: HashMap::new(),
            exited: Vec::new(),
            accepted: BTreeMap::new(),
            conn_seq: 0,
            workers,
            ended: None,
            message: None,
            opened: Instant::now(),
            finished: false,
            zoom: false,
            asking: None,
            predictions: Default::default(),
            selected_pid: None,
        }));
        vec![Effect::Open(index)]
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.now = Instant::now();
        let mut effects = self.apply(msg);
        effects.extend(self.autoplay_tick());
        effects
    }

    fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        if let Some(frozen) = &mut self.frozen {
            match msg {
                Msg::Sample(s) => {
                    frozen.sample = Some(s);
                    return vec![];
                }
                m @ Msg::Engine(_) => {
                    frozen.held.push(m);
                    return vec![];
                }
                _ => {}
            }
        }
        match msg {
            Msg::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            Msg::Signal(s) => {
                self.quit = true;
                self.quit_by = Some(s);
                vec![Effect::Quit]
            }
            Msg::Key(k) if k.kind != KeyEventKind::Release => self.key(k),
            Msg::Key(_) => vec![],
            Msg::Sample(s) => {
                if let Screen::Lesson(v) = &mut self.screen {
                    v.sample(s, self.now);
                }
                vec![]
            }
            Msg::Engine(m) => match &mut self.screen {
                Screen::Lesson(v) => v.engine(m, &self.lessons[v.index]),
                Screen::Picker { .. } => vec![],
            },
        }
    }

    /// Steps the lesson when autoplay's time has come.
    fn autoplay_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let (Some(auto), Screen::Lesson(v)) = (&mut self.autoplay, &mut self.screen) else { return vec![] };
        if self.frozen.is_some() || v.busy || v.ended.is_some() {
            return vec![];
        }
        let Some(at) = auto.next else {
            // The last step has finished (or the lesson just opened): the clock starts now.
            auto.next = Some(now + auto.pace);
            return vec![];
        };
        if now < at {
            return vec![];
        }
        auto.next = None;
        let lesson = &self.lessons[v.index];
        if v.asking.is_some() {
            // The question has had its time on screen: run, and the answer shows what happened.
            return v.predict(None);
        }
        v.page = v.ran;
        if v.ran < lesson.steps.len() {
            return v.forward(lesson);
        }
        // On the last step, its time given: stop there, or end the recording.
        let quit = auto.quit_at_end;
        self.autoplay = None;
        if quit {
            self.quit = true;
            return vec![Effect::Close, Effect::Quit];
        }
        vec![]
    }

    /// `f`: freeze the display, or thaw it and catch up on what happened meanwhile.
    fn toggle_freeze(&mut self) -> Vec<Effect> {
        let Some(frozen) = self.frozen.take() else {
            self.frozen = Some(Frozen::default());
            return vec![];
        };
        let mut effects = Vec::new();
        for m in frozen.held {
            effects.extend(self.apply(m));
        }
        if let Some(s) = frozen.sample {
            effects.extend(self.apply(Msg::Sample(s)));
        }
        effects
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
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
    fn key(&mut self, k: KeyEvent, lesson: &Lesson) -> Vec<Effect> {
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

    fn scroll(&mut self, by: i32) {
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

    fn forward(&mut self, lesson: &Lesson) -> Vec<Effect> {
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

    fn run_next(&mut self) -> Vec<Effect> {
        self.ran += 1;
        self.page = self.ran;
        self.busy = true;
        vec![Effect::Engine(EngineCmdKind::RunStep(self.ran - 1))]
    }

    /// The learner's prediction for the question shown (`None`: no guess); after the last
    /// question the step runs.
    fn predict(&mut self, pick: Option<usize>) -> Vec<Effect> {
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

    /// Keys while a question is shown: a letter predicts; → runs without a guess; ← goes back.
    fn ask_key(&mut self, k: KeyEvent) -> Vec<Effect> {
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

    /// A learner's action, written as the directive it runs.
    fn action(&mut self, text: String) -> Vec<Effect> {
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

    fn signal_selected(&mut self, sig: &str) -> Vec<Effect> {
        let Some(row) = self.model.procs.get(self.model.selected) else { return vec![] };
        let ok = matches!(row.role, Role::Worker | Role::Master) && row.exit.is_none();
        if !ok {
            self.message = Some(format!("select a live worker or the master to signal (not {})", row.alias));
            return vec![];
        }
        let target = if row.role == Role::Master { Target::Master } else { target_of(&row.alias) };
        self.action(format!("do: kill {target} signal={sig}"))
    }

    fn output(&mut self, kind: LogKind, text: String) {
        let page = self.page.min(self.outputs.len().saturating_sub(1));
        self.outputs[page].push(OutLine { kind, text });
    }

    fn log(&mut self, kind: LogKind, text: String) {
        let at = self.opened.elapsed().as_secs_f64();
        self.model.log.push(LogLine { at, kind, text });
    }

    fn engine(&mut self, m: EngineMsg, lesson: &Lesson) -> Vec<Effect> {
        match m {
            EngineMsg::Started { master } => self.master = Some(master),
            EngineMsg::Line(line) => self.line(line),
            EngineMsg::StepDone { index, error } => {
                self.busy = false;
                if let Some(e) = error {
                    self.outputs[index + 1].push(OutLine { kind: LogKind::Fail, text: format!("error: {e}") });
                    self.log(LogKind::Fail, format!("step {} failed: {e}", index + 1));
                }
                let _ = lesson;
            }
            EngineMsg::Done { text, error } => {
                self.message = Some(match error {
                    Some(e) => format!("`{text}` failed: {e}"),
                    None => format!("`{text}` done"),
                });
            }
            EngineMsg::Ended { error } => {
                self.busy = false;
                self.ended = Some(error.clone().unwrap_or_else(|| "ended".into()));
                if let Some(e) = error {
                    self.message = Some(format!("the lab ended: {e}"));
                    self.log(LogKind::Bad, format!("the lab ended: {e}"));
                }
            }
        }
        vec![]
    }

    fn line(&mut self, line: Line) {
        match line.kind {
            LineKind::Event(ev) | LineKind::Background(ev) => self.event(ev),
            LineKind::Conn(c) => {
                self.conn_seq += 1;
                let row = ConnRow {
                    n: self.conn_seq,
                    worker: if c.ok { c.worker.clone() } else { None },
                    latency_us: c.us,
                    error: c.error.map(|e| e.as_str().to_string()),
                };
                let conns = &mut self.model.conns;
                conns.fired += 1;
                if c.ok {
                    conns.completed += 1;
                } else {
                    conns.failed += 1;
                }
                if conns.recent.len() == RECENT_CONNS {
                    conns.recent.pop_front();
                }
                conns.recent.push_back(row);
            }
            LineKind::Directive => {
                let text = line.text.trim().to_string();
                // An expectation shows once, with its verdict (the Expect line that follows).
                if text.trim_start_matches("> ").starts_with("expect:") {
                    return;
                }
                self.output(LogKind::Lesson, text.clone());
                self.log(LogKind::Lesson, text);
            }
            LineKind::Expect { passed } => {
                let kind = if passed { LogKind::Conn } else { LogKind::Fail };
                let text = line.text.trim().replacen("ok   ", "✓ ", 1).replacen("FAIL ", "✗ ", 1);
                self.output(kind, text.clone());
                self.log(kind, text);
            }
            LineKind::Info if matches!(line.json["event"].as_str(), Some("fds" | "proc")) => {
                if let Some(pid) = line.json["pid"].as_i64() {
                    self.selected_pid = Some(pid as i32);
                }
                for l in line.text.lines() {
                    self.output(LogKind::Life, l.trim_start_matches("    ").to_string());
                }
            }
            LineKind::Fired | LineKind::Compare | LineKind::Info => {
                for l in line.text.lines() {
                    self.output(LogKind::Life, l.trim_start_matches("    ").to_string());
                }
            }
            // The question card and the explanation come from the lesson itself.
            LineKind::Header | LineKind::Step | LineKind::Summary | LineKind::Question | LineKind::Explain => {}
            LineKind::Answer { ask, order, answer, detail } => self.answered(&ask, &order, answer, &detail),
        }
    }

    /// A question's real answer, beside what the learner predicted.
    fn answered(&mut self, ask: &crate::lesson::Ask, order: &[usize], answer: Option<usize>, detail: &str) {
        let label = |i: usize| format!("{}) {}", crate::lesson::Ask::letter_in(order, i), ask.choices[i].label);
        let real = match answer {
            Some(i) => label(i),
            None => "none of the choices".into(),
        };
        let pick = self.predictions.pop_front().flatten();
        let (kind, verdict) = match (pick, answer) {
            (None, _) => (LogKind::Life, format!("= {real}")),
            (Some(p), Some(a)) if p == a => (LogKind::Conn, format!("= {real} · you predicted it ✓")),
            (Some(p), _) => (LogKind::Fail, format!("= {real} · you predicted {} ✗", label(p))),
        };
        // The answers come last, so the newest lines of the step's output show them.
        self.output(LogKind::Lesson, format!("? {}", ask.question));
        self.output(kind, verdict.clone());
        if !detail.is_empty() {
            self.output(LogKind::Life, format!("  ({detail})"));
        }
        self.log(kind, format!("? {} {verdict}", ask.question));
    }

    fn event(&mut self, ev: Event) {
        let kind = match &ev {
            Event::Accepted { .. } => LogKind::Conn,
            Event::Exited { signal: Some(_), .. } | Event::Error { .. } | Event::GaveUp { .. } => LogKind::Bad,
            Event::Exited { .. } => LogKind::Exit,
            Event::FdPassed { .. } | Event::Message { .. } | Event::RelayOut { .. } => LogKind::Ipc,
            Event::Stats { .. } => return,
            _ => LogKind::Life,
        };
        match &ev {
            Event::Spawned { alias, pid, .. } => {
                self.aliases.insert(*pid, alias.clone());
                self.born.insert(*pid, Instant::now());
            }
            Event::Accepted { alias, n, .. } => {
                *self.accepted.entry(alias.clone()).or_insert(0) += n;
                *self.model.conns.per_worker.entry(alias.clone()).or_insert(0) += n;
            }
            Event::PoolReady { mode, port, workers, .. } => {
                self.model.conns.mode = Some(*mode);
                self.model.conns.port = Some(*port);
                self.workers = *workers;
                for i in 1..=*workers {
                    self.model.conns.per_worker.entry(format!("W{i}")).or_insert(0);
                }
            }
            Event::PoolStopped { .. } => {
                // A new pool (a mode change) starts its counts afresh: the bars and the tally
                // under them always describe the same pool.
                self.model.conns.per_worker.clear();
                self.accepted.clear();
                self.model.conns.mode = None;
                self.model.conns.fired = 0;
                self.model.conns.completed = 0;
                self.model.conns.failed = 0;
                self.model.conns.recent.clear();
            }
            Event::Exited { alias, pid, code, signal, .. } => {
                let status = match (code, signal) {
                    (Some(c), _) => format!("exit {c}"),
                    (_, Some(s)) => s.clone(),
                    _ => "exited".into(),
                };
                let row = self.model.procs.iter().find(|r| r.pid == *pid).cloned();
                let mut row = row.unwrap_or(ProcRow {
                    depth: 2,
                    role: Role::Worker,
                    alias: alias.clone(),
                    pid: *pid,
                    ppid: self.master.unwrap_or(0),
                    pgid: 0,
                    sid: 0,
                    tty: "?".into(),
                    state: 'X',
                    threads: 0,
                    cpu: 0.0,
                    rss_kib: 0,
                    accepted: None,
                    cwd: None,
                    stdio: None,
                    exit: None,
                    fresh: true,
                });
                row.exit = Some(status);
                row.state = 'X';
                row.cpu = 0.0;
                self.exited.push((row, Instant::now()));
            }
            _ => {}
        }
        // Accepts are many: the connections pane shows them; the log keeps the story.
        if !matches!(ev, Event::Accepted { .. }) {
            self.log(kind, ev.text());
        }
    }

    fn sample(&mut self, s: Snapshot, now: Instant) {
        self.exited.retain(|(_, at)| now.duration_since(*at) < Duration::from_secs(10));
        let me = std::process::id() as i32;
        let mut rows = Vec::new();
        let mut depth: HashMap<i32, u8> = HashMap::new();
        for p in &s.procs {
            let st = &p.status;
            let d = if st.pid == me { 0 } else { depth.get(&st.ppid).map(|d| d + 1).unwrap_or(1) };
            depth.insert(st.pid, d);
            let (role, alias) = self.role_of(st.pid, &st.name, me);
            let fresh = self.born.get(&st.pid).is_some_and(|t| now.duration_since(*t) < super::model::HIGHLIGHT_FOR);
            let accepted = (role == Role::Worker).then(|| self.accepted.get(&alias).copied().unwrap_or(0));
            rows.push(ProcRow {
                depth: d,
                role,
                alias,
                pid: st.pid,
                ppid: st.ppid,
                pgid: st.pgid,
                sid: st.sid,
                tty: p.tty.clone(),
                state: st.state,
                threads: st.threads,
                cpu: p.cpu,
                rss_kib: st.rss_kib,
                accepted,
                cwd: p.cwd.clone(),
                stdio: Some(p.stdio.clone()),
                exit: None,
                fresh,
            });
        }
        // Just-exited processes stay on screen a while, under their parent, with their status.
        for (row, at) in &self.exited {
            if rows.iter().any(|r| r.pid == row.pid) {
                continue;
            }
            let mut row = row.clone();
            row.fresh = now.duration_since(*at) < super::model::HIGHLIGHT_FOR;
            let after = rows.iter().rposition(|r| r.pid == row.ppid || r.ppid == row.ppid).map(|i| i + 1);
            rows.insert(after.unwrap_or(rows.len()), row);
        }
        self.model.procs = rows;
        // The selection stays on its process while rows come and go around it.
        if let Some(i) = self.selected_pid.and_then(|pid| self.model.procs.iter().position(|r| r.pid == pid)) {
            self.model.selected = i;
        }
        self.model.selected = self.model.selected.min(self.model.procs.len().saturating_sub(1));
        self.model.cores.resize(s.cores.len(), Default::default());
        for (h, v) in self.model.cores.iter_mut().zip(&s.cores) {
            h.push(*v);
        }
        self.fds = s.fds;
        self.refresh_fds();
    }

    fn role_of(&self, pid: i32, name: &str, me: i32) -> (Role, String) {
        if pid == me {
            return (Role::App, "forklab".into());
        }
        if let Some(alias) = self.aliases.get(&pid) {
            let role = match name {
                "forklab-master" => Role::Master,
                "forklab-worker" => Role::Worker,
                _ => Role::Other,
            };
            return (role, alias.clone());
        }
        match name {
            "forklab-master" => (Role::Master, "master".into()),
            "forklab-client" => (Role::Client, "client".into()),
            "forklab-worker" => (Role::Worker, "worker".into()),
            "forklab-daemon" => (Role::Daemon, "daemon".into()),
            other => (Role::Other, other.to_string()),
        }
    }

    /// The fds pane follows the selected process; sockets it shares with another process on
    /// screen get one colour per inode.
    fn refresh_fds(&mut self) {
        let Some(row) = self.model.procs.get(self.model.selected) else {
            self.model.fds = None;
            return;
        };
        let Some(fds) = self.fds.get(&row.pid) else {
            self.model.fds = None;
            return;
        };
        let mut holders: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (pid, table) in &self.fds {
            if *pid == row.pid {
                continue;
            }
            let alias =
                self.model.procs.iter().find(|r| r.pid == *pid).map(|r| r.alias.clone()).unwrap_or(pid.to_string());
            for e in table {
                if let Some(inode) = e.socket_inode() {
                    holders.entry(inode).or_default().push(format!("{alias} fd {}", e.fd));
                }
            }
        }
        // Colour by the inode's rank among all shared inodes on screen, so an inode keeps its
        // colour whichever process is selected.
        let all_shared = shared_inodes(&self.fds);
        let mut shared = BTreeMap::new();
        for e in fds {
            if let Some(inode) = e.socket_inode()
                && let (Some(others), Some(rank)) = (holders.get(&inode), all_shared.iter().position(|i| *i == inode))
            {
                shared.insert(inode, (rank, others.clone()));
            }
        }
        self.model.fds = Some(FdTable { alias: row.alias.clone(), pid: row.pid, fds: fds.clone(), shared });
    }
}

/// Socket inodes held by more than one process, in ascending order.
fn shared_inodes(fds: &BTreeMap<i32, Vec<crate::sys::procfs::FdEntry>>) -> Vec<u64> {
    let mut count: BTreeMap<u64, BTreeSet<i32>> = BTreeMap::new();
    for (pid, table) in fds {
        for e in table {
            if let Some(i) = e.socket_inode() {
                count.entry(i).or_default().insert(*pid);
            }
        }
    }
    count.into_iter().filter(|(_, pids)| pids.len() > 1).map(|(i, _)| i).collect()
}

fn target_of(alias: &str) -> Target {
    alias.strip_prefix('W').and_then(|n| n.parse().ok()).map(Target::Worker).unwrap_or(Target::Master)
}

fn next_focus(f: Focus, panes: &[Pane], forward: bool) -> Focus {
    let mut order = vec![Focus::Narration];
    order.extend(panes.iter().map(|p| Focus::Pane(*p)));
    let i = order.iter().position(|x| *x == f).unwrap_or(0);
    let n = order.len();
    order[if forward { (i + 1) % n } else { (i + n - 1) % n }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEvent;

    fn app() -> App {
        App::new(crate::lesson::embedded().unwrap(), BTreeSet::new(), (100, 30))
    }

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn opened(app: &mut App, id: &str) -> Vec<Effect> {
        let i = app.lessons.iter().position(|l| l.id == id).unwrap();
        app.open_direct(i)
    }

    fn view(app: &App) -> &LessonView {
        match &app.screen {
            Screen::Lesson(v) => v,
            Screen::Picker { .. } => panic!("not on a lesson"),
        }
    }

    fn event(ev: Event) -> Msg {
        Msg::Engine(EngineMsg::Line(Line {
            kind: LineKind::Event(ev),
            text: String::new(),
            json: serde_json::Value::Null,
        }))
    }

    fn pool_ready(app: &mut App) {
        app.update(event(Event::PoolReady { alias: "master".into(), pid: 10, mode: Mode::Rr, port: 8090, workers: 2 }));
    }

    #[test]
    fn enter_on_the_picker_opens_the_lesson() {
        let mut app = app();
        let fx = app.update(key(KeyCode::Enter));
        assert_eq!(fx, vec![Effect::Open(0)]);
        assert_eq!(view(&app).page, 0);
    }

    #[test]
    fn forward_runs_each_step_once_and_back_only_rereads() {
        let mut app = app();
        opened(&mut app, "accept");
        assert_eq!(app.update(key(KeyCode::Right)), vec![Effect::Engine(EngineCmdKind::RunStep(0))]);
        assert!(view(&app).busy);
        // Still running: a second → does not start step 2.
        assert_eq!(app.update(key(KeyCode::Right)), vec![]);
        app.update(Msg::Engine(EngineMsg::StepDone { index: 0, error: None }));
        assert_eq!(app.update(key(KeyCode::Right)), vec![Effect::Engine(EngineCmdKind::RunStep(1))]);
        app.update(Msg::Engine(EngineMsg::StepDone { index: 1, error: None }));
        assert_eq!(app.update(key(KeyCode::Left)), vec![]);
        assert_eq!(view(&app).page, 1);
        // Forward again re-reads step 2 without running it.
        assert_eq!(app.update(key(KeyCode::Right)), vec![]);
        assert_eq!(view(&app).page, 2);
    }

    #[test]
    fn the_last_forward_marks_the_lesson_done() {
        let mut app = app();
        opened(&mut app, "fork");
        let steps = app.lessons.iter().find(|l| l.id == "fork").unwrap().steps.len();
        for i in 0..steps {
            app.update(key(KeyCode::Right));
            if view(&app).asking.is_some() {
                app.update(key(KeyCode::Right));
            }
            app.update(Msg::Engine(EngineMsg::StepDone { index: i, error: None }));
        }
        assert_eq!(app.update(key(KeyCode::Right)), vec![Effect::MarkDone("fork".into())]);
    }

    #[test]
    fn q_goes_back_or_quits_and_ctrl_c_always_quits() {
        let mut app = app();
        app.update(key(KeyCode::Enter));
        assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Close]);
        assert!(matches!(app.screen, Screen::Picker { .. }));
        assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Quit]);

        let mut app = self::app();
        opened(&mut app, "accept");
        assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Close, Effect::Quit]);

        let mut app = self::app();
        opened(&mut app, "accept");
        let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(app.update(ctrl_c), vec![Effect::Quit]);
    }

    #[test]
    fn firing_needs_a_pool_then_fires_the_chosen_count() {
        let mut app = app();
        opened(&mut app, "accept");
        assert_eq!(app.update(key(KeyCode::Char('c'))), vec![]);
        assert!(view(&app).message.as_deref().unwrap().contains("no pool"));
        pool_ready(&mut app);
        app.update(key(KeyCode::Char('3')));
        assert_eq!(
            app.update(key(KeyCode::Char('c'))),
            vec![Effect::Engine(EngineCmdKind::Do("do: fire 100 concurrency=4".into()))]
        );
        // The directive text is valid lesson vocabulary.
        assert!(Effect::engine_cmd(&EngineCmdKind::Do("do: fire 100 concurrency=4".into())).is_some());
    }

    #[test]
    fn mode_and_scale_keys_run_directives() {
        let mut app = app();
        opened(&mut app, "accept");
        pool_ready(&mut app);
        assert_eq!(
            app.update(key(KeyCode::Char('m'))),
            vec![Effect::Engine(EngineCmdKind::Do("do: mode reuseport".into()))]
        );
        assert_eq!(
            app.update(key(KeyCode::Char('+'))),
            vec![Effect::Engine(EngineCmdKind::Do("do: scale workers=3".into()))]
        );
        assert_eq!(
            app.update(key(KeyCode::Char('-'))),
            vec![Effect::Engine(EngineCmdKind::Do("do: scale workers=2".into()))]
        );
    }

    #[test]
    fn accepts_from_anywhere_count_per_worker_until_the_pool_stops() {
        let mut app = app();
        opened(&mut app, "accept");
        pool_ready(&mut app);
        for n in [1, 2] {
            app.update(event(Event::Accepted { alias: "W2".into(), pid: 12, n, total: n }));
        }
        assert_eq!(view(&app).model.conns.per_worker.get("W2"), Some(&3));
        assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&0));
        app.update(event(Event::PoolStopped { alias: "master".into(), pid: 10 }));
        assert!(view(&app).model.conns.per_worker.is_empty());
    }

    #[test]
    fn the_signal_menu_signals_the_selected_worker() {
        let mut app = app();
        opened(&mut app, "accept");
        pool_ready(&mut app);
        app.update(event(Event::Spawned { alias: "W1".into(), pid: 4242, ppid: 10, role: "worker".into() }));
        let me = std::process::id() as i32;
        let sample = |pid, ppid, name: &str| super::super::sampler::ProcSample {
            status: crate::sys::procfs::ProcStatus { pid, ppid, name: name.into(), state: 'S', ..Default::default() },
            cpu: 0.0,
            tty: "?".into(),
            cwd: None,
            stdio: ["a".into(), "b".into(), "c".into()],
        };
        app.update(Msg::Sample(Snapshot {
            procs: vec![sample(me, 1, "forklab"), sample(10, me, "forklab-master"), sample(4242, 10, "forklab-worker")],
            fds: BTreeMap::new(),
            cores: vec![10.0, 20.0],
        }));
        app.update(key(KeyCode::Tab)); // narration -> processes
        app.update(key(KeyCode::Down));
        app.update(key(KeyCode::Down));
        assert_eq!(view(&app).model.procs[view(&app).model.selected].alias, "W1");
        app.update(key(KeyCode::Char('k')));
        app.update(key(KeyCode::Down)); // KILL
        assert_eq!(
            app.update(key(KeyCode::Enter)),
            vec![Effect::Engine(EngineCmdKind::Do("do: kill W1 signal=KILL".into()))]
        );
    }

    #[test]
    fn the_selection_follows_its_process_and_a_steps_show_fds() {
        let mut app = app();
        opened(&mut app, "daemon");
        let me = std::process::id() as i32;
        let sample = |pid, ppid, name: &str| super::super::sampler::ProcSample {
            status: crate::sys::procfs::ProcStatus { pid, ppid, name: name.into(), state: 'S', ..Default::default() },
            cpu: 0.0,
            tty: "?".into(),
            cwd: None,
            stdio: ["a".into(), "b".into(), "c".into()],
        };
        let snap = |procs| Msg::Sample(Snapshot { procs, fds: BTreeMap::new(), cores: vec![0.0] });
        app.update(snap(vec![sample(me, 1, "forklab"), sample(10, me, "forklab-master")]));
        // The step shows the daemon's fds: the selection goes to it.
        app.update(Msg::Engine(EngineMsg::Line(Line {
            kind: LineKind::Info,
            text: "daemon pid 77 fds".into(),
            json: serde_json::json!({"event": "fds", "alias": "daemon", "pid": 77}),
        })));
        app.update(snap(vec![
            sample(me, 1, "forklab"),
            sample(10, me, "forklab-master"),
            sample(77, 10, "forklab-daemon"),
        ]));
        assert_eq!(view(&app).model.procs[view(&app).model.selected].pid, 77);
        // A new process listed above it does not move the selection off it.
        app.update(snap(vec![
            sample(me, 1, "forklab"),
            sample(10, me, "forklab-master"),
            sample(50, 10, "forklab-worker"),
            sample(77, 10, "forklab-daemon"),
        ]));
        assert_eq!(view(&app).model.procs[view(&app).model.selected].pid, 77);
    }

    /// Ticks until the effects ask for something; at most `n` ticks.
    fn tick_until_effect(app: &mut App, n: usize) -> Vec<Effect> {
        for _ in 0..n {
            let fx = app.update(Msg::Resize(100, 30));
            if !fx.is_empty() {
                return fx;
            }
        }
        vec![]
    }

    #[test]
    fn autoplay_waits_for_each_step_then_ends_the_recording() {
        let mut app = app();
        app.autoplay = Some(Autoplay::new(Duration::ZERO, true));
        opened(&mut app, "fork");
        let steps = app.lessons.iter().find(|l| l.id == "fork").unwrap().steps.len();
        for i in 0..steps {
            // A step with a question shows it for a pace first, then runs without a guess.
            assert_eq!(tick_until_effect(&mut app, 6), vec![Effect::Engine(EngineCmdKind::RunStep(i))]);
            // Running: nothing more until its directives are done.
            assert_eq!(tick_until_effect(&mut app, 3), vec![]);
            app.update(Msg::Engine(EngineMsg::StepDone { index: i, error: None }));
            assert_eq!(view(&app).page, i + 1);
        }
        assert_eq!(tick_until_effect(&mut app, 3), vec![Effect::Close, Effect::Quit]);
    }

    #[test]
    fn autoplay_without_a_recording_stops_on_the_last_step() {
        let mut app = app();
        app.autoplay = Some(Autoplay::new(Duration::ZERO, false));
        opened(&mut app, "fork");
        let steps = app.lessons.iter().find(|l| l.id == "fork").unwrap().steps.len();
        for i in 0..steps {
            assert_eq!(tick_until_effect(&mut app, 6), vec![Effect::Engine(EngineCmdKind::RunStep(i))]);
            app.update(Msg::Engine(EngineMsg::StepDone { index: i, error: None }));
        }
        assert_eq!(tick_until_effect(&mut app, 6), vec![]);
        assert!(app.autoplay.is_none());
        assert_eq!(view(&app).page, steps);
        assert!(!app.quit);
    }

    fn answer_line(ask: &crate::lesson::Ask, order: &[usize], answer: Option<usize>) -> Msg {
        Msg::Engine(EngineMsg::Line(Line {
            kind: LineKind::Answer {
                ask: ask.clone(),
                order: order.to_vec(),
                answer,
                detail: "W1 fd 5 and master fd 6 hold socket:[42]".into(),
            },
            text: format!("    ? {}\n    = a x  (W1 fd 5 and master fd 6 hold socket:[42])", ask.question),
            json: serde_json::Value::Null,
        }))
    }

    #[test]
    fn a_question_comes_before_its_step_and_the_answer_meets_the_prediction() {
        let mut app = app();
        opened(&mut app, "fork");
        // Fork's first step asks before it runs: no engine command yet, the narration shows.
        assert_eq!(app.update(key(KeyCode::Right)), vec![]);
        let asking = view(&app).asking.clone().expect("a question");
        let (ask, order) = (asking.asks[0].clone(), asking.orders[0].clone());
        assert_eq!(order, crate::lesson::run::shown_order("fork", &ask));
        let letter = |i: usize| crate::lesson::Ask::letter_in(&order, i);
        assert_eq!(view(&app).page, 1);
        assert_eq!(view(&app).ran, 0);
        // Other keys do not slip past the question.
        assert_eq!(app.update(key(KeyCode::Char('c'))), vec![]);
        assert!(view(&app).message.as_deref().unwrap_or("").contains("press a–b"));
        // The letter shown for the file's second choice predicts it; then the step runs.
        assert_eq!(app.update(key(KeyCode::Char(letter(1)))), vec![Effect::Engine(EngineCmdKind::RunStep(0))]);
        assert!(view(&app).asking.is_none());
        assert_eq!(view(&app).predictions, [Some(1)]);
        // What really happened: the file's first choice, under the letter it was shown with.
        app.update(answer_line(&ask, &order, Some(0)));
        let out: Vec<String> = view(&app).outputs[1].iter().map(|o| o.text.clone()).collect();
        assert_eq!(out[0], format!("? {}", ask.question));
        let (real, guess) = (&ask.choices[0].label, &ask.choices[1].label);
        assert_eq!(out[1], format!("= {}) {real} · you predicted {}) {guess} ✗", letter(0), letter(1)));
        assert_eq!(out[2], "  (W1 fd 5 and master fd 6 hold socket:[42])");
        assert_eq!(view(&app).outputs[1][1].kind, LogKind::Fail);
    }

    #[test]
    fn a_right_prediction_and_no_guess() {
        let mut app = app();
        opened(&mut app, "fork");
        app.update(key(KeyCode::Right));
        let asking = view(&app).asking.clone().unwrap();
        let (ask, order) = (asking.asks[0].clone(), asking.orders[0].clone());
        // `a` names the choice shown first, whichever it is in the file.
        app.update(key(KeyCode::Char('a')));
        app.update(answer_line(&ask, &order, Some(order[0])));
        assert!(view(&app).outputs[1][1].text.ends_with("you predicted it ✓"));
        // ← on a question goes back without running; → then runs without a guess.
        let mut app2 = self::app();
        opened(&mut app2, "fork");
        app2.update(key(KeyCode::Right));
        assert_eq!(app2.update(key(KeyCode::Left)), vec![]);
        assert!(view(&app2).asking.is_none() && view(&app2).page == 0);
        app2.update(key(KeyCode::Right));
        assert_eq!(app2.update(key(KeyCode::Right)), vec![Effect::Engine(EngineCmdKind::RunStep(0))]);
        app2.update(answer_line(&ask, &order, Some(order[1])));
        assert_eq!(view(&app2).outputs[1][1].text, format!("= b) {}", ask.choices[order[1]].label));
    }

    #[test]
    fn a_frozen_display_holds_the_lab_back_and_catches_up_on_thaw() {
        let mut app = app();
        opened(&mut app, "accept");
        pool_ready(&mut app);
        app.update(key(KeyCode::Char('f')));
        assert!(app.frozen.is_some());
        app.update(event(Event::Accepted { alias: "W1".into(), pid: 11, n: 3, total: 3 }));
        assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&0));
        // Stepping waits too; looking around does not.
        app.update(key(KeyCode::Right));
        assert!(view(&app).message.as_deref().unwrap_or("").contains("frozen"));
        app.update(key(KeyCode::Char('z')));
        assert!(view(&app).zoom);
        app.update(key(KeyCode::Char('f')));
        assert!(app.frozen.is_none());
        assert_eq!(view(&app).model.conns.per_worker.get("W1"), Some(&3));
        // Esc leaves the zoom before it leaves the lesson.
        app.update(key(KeyCode::Esc));
        assert!(!view(&app).zoom && !app.quit);
    }
}
