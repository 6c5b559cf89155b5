//! The app's state and its one `update`. Every change of state happens here, from one
//! message at a time; drawing reads `&App` (view/) and changes nothing. What update wants
//! done outside (start a lesson's engine, send it a command, remember a finished lesson) it
//! returns as effects for the main loop to carry out.
//!
//! The rest of update lives beside this file by concern: keys.rs turns keys into what they
//! do, step.rs moves through the lesson and runs the learner's actions, lines.rs takes in the
//! engine's transcript lines and the lab's events, sample.rs the sampler's snapshots.

mod action;
mod keys;
mod lines;
mod sample;
mod step;
#[cfg(test)]
mod tests;

pub use action::Action;
pub(crate) use step::shown_panes;

use super::engine::{EngineCmd, EngineMsg};
use super::model::{ConnRow, FdTable, LabModel, LogKind, LogLine, ProcRow, RECENT_CONNS, Role};
use super::sampler::Snapshot;
use crate::lesson::run::{Info, Report};
use crate::lesson::{Lesson, Pane, Target, WorkerCount};
use crate::proto::Event;
use crate::proto::mode::Mode;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use nix::sys::signal::Signal;
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
    /// A line of strace's, for the syscalls pane (`s`).
    Sys(crate::lab::strace::SysEvent),
    /// strace could not be started: why, and what to do.
    TraceFailed(String),
}

/// What update asks the main loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the engine for lesson `index`.
    Open(usize),
    /// Stop the running lesson's engine (and with it its processes).
    Close,
    /// Send the lesson's engine a command: run a step, or a learner's action as a directive.
    Engine(EngineCmd),
    /// Remember that a lesson was finished.
    MarkDone(String),
    /// Attach strace -f to these processes of the lab (the master first), detaching from any
    /// traced before.
    Trace(Vec<i32>),
    /// Detach strace.
    StopTrace,
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Narration,
    Pane(Pane),
    /// The syscalls pane, while `s` has it open.
    Syscalls,
}

/// Columns a ← or → moves a wide table sideways.
pub const SIDE_STEP: i32 = 10;

/// The signals the `k` menu offers.
pub const SIGNALS: [Signal; 6] =
    [Signal::SIGTERM, Signal::SIGKILL, Signal::SIGSEGV, Signal::SIGSTOP, Signal::SIGCONT, Signal::SIGINT];
/// What the bar says when a key waits for the display to thaw.
fn frozen_message() -> String {
    tr!("msg-frozen")
}
/// The counts 1, 2 and 3 fire.
pub const FIRE_COUNTS: [u32; 3] = [1, 10, 100];

/// One line of a step's output under its narration.
#[derive(Debug, Clone, PartialEq)]
pub struct OutLine {
    pub kind: LogKind,
    pub text: String,
    /// A table row's (LogKind::Table) hanging indent: the column where the rest of a row too
    /// wide for the area goes on, on the rows under it. 0 for other lines.
    pub hang: usize,
}

/// The lesson screen's state, by concern: where the lesson is, what the learner looks at,
/// what the panes draw, and what the lab has said (kept to build the panes from samples).
#[derive(Debug)]
pub struct LessonView {
    pub index: usize,
    pub steps: Steps,
    pub look: Look,
    /// What `c` fires again: an index into FIRE_COUNTS, the last one fired (10 at first).
    pub fire_count: usize,
    pub model: LabModel,
    /// The bar's message; it lasts until the next key.
    pub message: Option<String>,
    /// `s`: strace on the lab's processes, while it is open.
    pub sys: Option<crate::ui::model::SysPane>,
    /// Opened by `forklab open`: q quits forklab (there is no list of lessons to go back to).
    pub direct: bool,
    lab: LabMemory,
}

/// Where the lesson is.
#[derive(Debug)]
pub struct Steps {
    /// The page shown: 0 is the intro, n is step n.
    pub page: usize,
    /// How many steps have run (1..=ran have run or are running).
    pub ran: usize,
    /// A step or action is running in the engine.
    pub busy: bool,
    /// The last step was passed: the lesson is marked done.
    pub finished: bool,
    /// Output lines of each step (index 0 for actions taken on the intro page).
    pub outputs: Vec<Vec<OutLine>>,
    /// What the learner predicted for the running step's questions (the index of the choice
    /// in the file, whatever letter it was shown under), in order; each real answer that
    /// comes back takes the first.
    predictions: std::collections::VecDeque<Option<usize>>,
}

/// What the learner looks at.
#[derive(Debug)]
pub struct Look {
    pub focus: Focus,
    /// Rows of the narration area scrolled past; `None` until the learner scrolls it (it
    /// then shows its start, or a question's card).
    pub scroll: Option<u16>,
    /// `z`: the focused pane (or the narration) fills the screen.
    pub zoom: bool,
    /// Columns the narration's table rows are scrolled sideways (←/→ with the narration
    /// zoomed): a row wider than the area is drawn whole on one line, never wrapped.
    pub side: u16,
}

/// What the lab has said, kept to build the panes' model from each sample.
#[derive(Debug)]
struct LabMemory {
    master: Option<i32>,
    /// pid → alias, from the lab's events.
    aliases: HashMap<i32, String>,
    /// When each pid was spawned, for highlighting.
    born: HashMap<i32, Instant>,
    /// Processes that exited, shown a while with their status.
    exited: Vec<(ProcRow, Instant)>,
    /// Rows that left the sample (a process gone before its exit event came), kept as long
    /// as exited rows are shown: an exit event draws the row as it was last seen.
    gone: Vec<(ProcRow, Instant)>,
    /// Exited rows whose pool has since stopped (a `spawn` or a mode change replacing it, a
    /// `stop`): still shown, unless another pool is up by now.
    stopped: Vec<i32>,
    /// Exited rows of a pool another has replaced: counted under the processes pane, not
    /// listed, so the pool at work is what the pane shows (its own exits stay listed).
    replaced: Vec<i32>,
    /// pid → its parent, as the lab said (a spawn's PPID, a Node program's primary): where a
    /// process never sampled is drawn when it exits. With when the lab said it.
    parents: HashMap<i32, (i32, Instant)>,
    /// pid → the connections that process said it accepted (its own running total, from its
    /// last report): the ACC column. A respawned worker reuses its alias, not its count.
    accepted: HashMap<i32, u64>,
    /// The fd table of every process on screen, from the last sample.
    fds: BTreeMap<i32, Vec<crate::sys::procfs::FdEntry>>,
    /// The pool's size, as the last pool or scale left it.
    workers: usize,
    /// Why the engine ended, once it has.
    ended: Option<String>,
    /// When the lesson opened: the event log's times count from here.
    opened: Instant,
    /// The process selected, by pid: chosen with ↑/↓, or the one a step's `show fds` or
    /// `show proc` is about (the fds pane then shows what the narration talks about).
    selected_pid: Option<i32>,
    /// The Node program's primary, from its last report: another one is another program.
    node_primary: Option<i32>,
}

impl LessonView {
    /// Why the lab ended, once it has.
    pub fn ended(&self) -> Option<&str> {
        self.lab.ended.as_deref()
    }

    /// A pool of forklab's runs: the keys that fire, scale or change its mode act on it. Without
    /// one they only say so, and neither the key bar nor the help offers them.
    pub fn pool_runs(&self) -> bool {
        self.model.conns.mode.is_some()
    }

    /// A pool runs and a worker of it is alive: a connection fired now can be served. With
    /// every worker dead (crash, respawn off) a fire is only refused or left in the queue, so
    /// the key bar does not offer it (the keys still fire, and the help lists them).
    pub fn fire_reaches_a_worker(&self) -> bool {
        self.pool_runs()
            && self.model.procs.iter().any(|p| p.role == crate::ui::model::Role::Worker && p.exit.is_none())
    }
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

/// What is open on top of the screen; it takes the keys first.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// `?`: the keys. What was open under it comes back when it closes.
    Help(Option<Box<Overlay>>),
    /// `k`: the signal menu, with the row selected.
    Signals(usize),
    /// The next step's questions, asked before it runs.
    Question(Asking),
    /// `g` on the picker: the glossary, scrolled this many rows (↑/↓, PgUp/PgDn).
    Glossary(u16),
}

impl Overlay {
    /// The question waiting for a prediction, under whatever else is open.
    pub fn question(&self) -> Option<&Asking> {
        match self {
            Overlay::Question(a) => Some(a),
            Overlay::Help(Some(under)) => under.question(),
            Overlay::Help(None) | Overlay::Signals(_) | Overlay::Glossary(_) => None,
        }
    }
}

#[derive(Debug)]
pub enum Screen {
    Picker { selected: usize },
    Lesson(Box<LessonView>),
}

/// How the narration area scrolls: the first row shown, the most it can scroll, and how many
/// rows it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub top: usize,
    pub max: usize,
    pub rows: usize,
    /// How far its widest table row can scroll sideways (0: every row fits).
    pub side_max: usize,
}

/// How the screen measures the narration area of a lesson view (the view's layout, given to
/// the app by whoever draws it, so that update can clamp a scroll without drawing).
pub type Measure = fn(&App, &LessonView) -> Option<Extent>;

pub struct App {
    /// The view's measure of the narration area; `None` until the drawing side sets it.
    pub measure: Measure,
    /// No `node` on PATH when the app started: the picker marks the Node lessons.
    pub node_missing: bool,
    pub lessons: Vec<Lesson>,
    /// Where the lessons came from (`--lessons DIR`), to read them again in another language.
    pub lessons_dir: Option<std::path::PathBuf>,
    pub done: BTreeSet<String>,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    /// How the screen is drawn (the theme `view::draw` is given): how many rows the
    /// narration takes depends on it, and paging goes by those rows.
    pub theme: crate::ui::theme::Theme,
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
            measure: |_, _| None,
            node_missing: crate::lab::node::node_on_path().is_none(),
            lessons,
            lessons_dir: None,
            done,
            screen: Screen::Picker { selected: 0 },
            overlay: None,
            theme: crate::ui::theme::Theme::new(crate::ui::theme::ThemeName::Default, false, false),
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

    pub(super) fn open(&mut self, index: usize) -> Vec<Effect> {
        let lesson = &self.lessons[index];
        let workers = lesson.setup.workers.unwrap_or(WorkerCount::N(4)).resolve();
        let mut model = LabModel::default();
        model.conns.mode = None;
        self.screen = Screen::Lesson(Box::new(LessonView {
            index,
            steps: Steps {
                page: 0,
                ran: 0,
                busy: false,
                finished: false,
                outputs: vec![Vec::new(); lesson.steps.len() + 1],
                predictions: Default::default(),
            },
            // Reading comes first: ↑/↓ scroll the narration until Tab moves on.
            look: Look { focus: Focus::Narration, scroll: None, zoom: false, side: 0 },
            fire_count: 1,
            model,
            message: None,
            sys: None,
            direct: self.direct,
            lab: LabMemory {
                master: None,
                aliases: HashMap::new(),
                born: HashMap::new(),
                exited: Vec::new(),
                gone: Vec::new(),
                stopped: Vec::new(),
                replaced: Vec::new(),
                parents: HashMap::new(),
                accepted: HashMap::new(),
                fds: BTreeMap::new(),
                workers,
                ended: None,
                opened: Instant::now(),
                selected_pid: None,
                node_primary: None,
            },
        }));
        vec![Effect::Open(index)]
    }

    /// PgUp/PgDn, and ↑/↓ with the narration focused: the narration area scrolls `by` rows,
    /// as far as its text goes.
    fn scroll_narration(&mut self, by: impl FnOnce(&Extent) -> i32) -> Vec<Effect> {
        let Screen::Lesson(v) = &self.screen else { return vec![] };
        let Some(e) = (self.measure)(self, v) else { return vec![] };
        let to = (e.top as i32 + by(&e)).clamp(0, e.max as i32);
        if let Screen::Lesson(v) = &mut self.screen {
            v.look.scroll = Some(to as u16);
        }
        vec![]
    }

    /// ←/→ with the narration zoomed: its table rows move `by` columns, as far as the widest goes.
    fn side_narration(&mut self, by: i32) -> Vec<Effect> {
        let Screen::Lesson(v) = &self.screen else { return vec![] };
        let max = (self.measure)(self, v).map_or(0, |e| e.side_max) as i32;
        if let Screen::Lesson(v) = &mut self.screen {
            v.look.side = (i32::from(v.look.side) + by).clamp(0, max) as u16;
        }
        vec![]
    }

    /// The help or the glossary is open: the keys close it, and act on nothing under it.
    pub fn help_open(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Help(_) | Overlay::Glossary(_)))
    }

    /// The question waiting for a prediction, if one is.
    pub fn question(&self) -> Option<&Asking> {
        self.overlay.as_ref().and_then(Overlay::question)
    }

    /// Carries out what a key asked for.
    pub(super) fn act(&mut self, a: Action) -> Vec<Effect> {
        match (a, &mut self.screen) {
            (Action::Quit, _) => {
                self.quit = true;
                vec![Effect::Quit]
            }
            (Action::Help, _) => {
                let under = self.overlay.take().map(Box::new);
                self.overlay = Some(Overlay::Help(under));
                vec![]
            }
            (Action::Close, _) => {
                self.overlay = match self.overlay.take() {
                    Some(Overlay::Help(under)) => under.map(|o| *o),
                    _ => None,
                };
                vec![]
            }
            (Action::Freeze, Screen::Lesson(_)) => self.toggle_freeze(),
            (Action::Choose(by), Screen::Picker { selected }) => {
                let last = self.lessons.len().saturating_sub(1) as i32;
                *selected = (*selected as i32 + by).clamp(0, last) as usize;
                vec![]
            }
            (Action::Open, Screen::Picker { selected }) => {
                let i = *selected;
                self.open(i)
            }
            (Action::Glossary, Screen::Picker { .. }) => {
                self.overlay = Some(Overlay::Glossary(0));
                vec![]
            }
            // The view stops the scroll at the glossary's end.
            (Action::Scroll(by), _) if matches!(self.overlay, Some(Overlay::Glossary(_))) => {
                if let Some(Overlay::Glossary(top)) = &mut self.overlay {
                    *top = (i32::from(*top) + by).clamp(0, 200) as u16;
                }
                vec![]
            }
            (Action::Language, Screen::Picker { selected }) => {
                // The lessons are read again in the other language; the same lesson stays
                // selected. Should they not load (a broken translation in `--lessons DIR`),
                // the language stays as it was.
                let id = self.lessons.get(*selected).map(|l| l.id.clone());
                let was = crate::i18n::current();
                crate::i18n::set(was.other());
                match crate::lesson::lessons(self.lessons_dir.as_deref()) {
                    Ok(lessons) => {
                        *selected = lessons.iter().position(|l| Some(&l.id) == id.as_ref()).unwrap_or(0);
                        self.lessons = lessons;
                    }
                    Err(_) => crate::i18n::set(was),
                }
                vec![]
            }
            (Action::Restart, Screen::Lesson(v)) if v.lab.ended.is_some() => {
                let (index, page) = (v.index, v.steps.page);
                self.overlay = None;
                let mut effects = vec![Effect::Close];
                effects.extend(self.open(index));
                if let Screen::Lesson(v) = &mut self.screen {
                    // The steps before this one made the lab it needs: they run again, in order,
                    // and what they do shows under this step.
                    v.steps.page = page;
                    v.steps.ran = page;
                    v.steps.busy = page > 0;
                    v.message = Some(match page {
                        0 => tr!("msg-fresh-lab"),
                        n => tr!("msg-fresh-lab-rerun", n = n),
                    });
                    effects.extend((0..page).map(|i| Effect::Engine(EngineCmd::RunStep(i))));
                }
                effects
            }
            (Action::Leave, Screen::Lesson(v)) => {
                let index = v.index;
                self.frozen = None;
                self.overlay = None;
                if self.direct {
                    self.quit = true;
                    return vec![Effect::Close, Effect::Quit];
                }
                self.screen = Screen::Picker { selected: index };
                vec![Effect::Close]
            }
            (Action::Page(pages), Screen::Lesson(v)) if !(v.look.zoom && v.look.focus != Focus::Narration) => {
                self.scroll_narration(|e| pages * e.rows.saturating_sub(1).max(1) as i32)
            }
            (Action::Page(pages), Screen::Lesson(v)) => {
                v.act(Action::Scroll(pages * 10), &self.lessons[v.index], &mut self.overlay)
            }
            (Action::Scroll(by), Screen::Lesson(v)) if v.look.focus == Focus::Narration => {
                self.scroll_narration(|_| by)
            }
            (Action::Side(by), Screen::Lesson(_)) => self.side_narration(by),
            (Action::Focus { forward }, Screen::Lesson(v)) => {
                // Which panes are on screen depends on its width (the syscalls pane's place).
                let shown =
                    step::shown_panes(&self.lessons[v.index].panes, v.sys.is_some(), self.size.0 >= super::WIDE);
                v.look.focus = step::next_focus(v.look.focus, &shown, forward);
                vec![]
            }
            (a, Screen::Lesson(v)) => v.act(a, &self.lessons[v.index], &mut self.overlay),
            (_, Screen::Picker { .. }) => vec![],
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.now = Instant::now();
        let mut effects = self.apply(msg);
        effects.extend(self.autoplay_tick());
        effects
    }

    pub(super) fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        if let Some(frozen) = &mut self.frozen {
            match msg {
                Msg::Sample(s) => {
                    frozen.sample = Some(s);
                    return vec![];
                }
                m @ (Msg::Engine(_) | Msg::Sys(_)) => {
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
            Msg::Sys(ev) => {
                if let Screen::Lesson(v) = &mut self.screen
                    && let Some(p) = &mut v.sys
                {
                    p.push(ev);
                }
                vec![]
            }
            Msg::TraceFailed(why) => {
                if let Screen::Lesson(v) = &mut self.screen
                    && let Some(p) = &mut v.sys
                {
                    v.message = Some(why.clone());
                    p.failed(why);
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
        if self.frozen.is_some() || v.steps.busy || v.lab.ended.is_some() {
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
        if self.overlay.as_ref().and_then(Overlay::question).is_some() {
            // The question has had its time on screen: run, and the answer shows what happened.
            return v.predict(None, &mut self.overlay);
        }
        v.steps.page = v.steps.ran;
        if v.steps.ran < lesson.steps.len() {
            return v.forward(lesson, &mut self.overlay);
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
    pub(super) fn toggle_freeze(&mut self) -> Vec<Effect> {
        let Some(frozen) = self.frozen.take() else {
            self.frozen = Some(Frozen::default());
            return vec![];
        };
        // Thawed: the bar no longer says it is frozen.
        if let Screen::Lesson(v) = &mut self.screen
            && v.message.as_deref() == Some(frozen_message().as_str())
        {
            v.message = None;
        }
        let mut effects = Vec::new();
        for m in frozen.held {
            effects.extend(self.apply(m));
        }
        if let Some(s) = frozen.sample {
            effects.extend(self.apply(Msg::Sample(s)));
        }
        effects
    }
}
