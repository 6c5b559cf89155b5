//! What a key asks for, as a value: keys.rs turns a key into an `Action` (or none), and
//! `App::act` carries it out. An action that changes the lab becomes a `Directive` value for
//! the engine, the same vocabulary as the lesson files, never text to be parsed again.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Ctrl-C anywhere, `q` on the picker.
    Quit,
    /// `q`, Esc on a lesson: back to the lessons, or quit when the lesson was opened directly.
    Leave,
    /// `?`: the keys.
    Help,
    /// Close what is open on top (the help, the signal menu).
    Close,
    /// ↑/↓ on the picker.
    Choose(i32),
    /// Enter on the picker.
    Open,
    /// → : the next step (runs it the first time).
    Next,
    /// ← : the previous step, or back from a question without running its step.
    Back,
    /// Tab, Shift-Tab.
    Focus {
        forward: bool,
    },
    /// ↑/↓: one row in the focused pane (the narration area included).
    Scroll(i32),
    /// PgUp/PgDn: a page of the narration area (of the zoomed pane when one is zoomed).
    Page(i32),
    Zoom,
    /// ←/→ with the narration zoomed and a table wider than it: the table's rows sideways.
    Side(i32),
    /// Esc in a zoomed pane.
    Unzoom,
    Freeze,
    /// `k`: the signal menu for the selected process.
    SignalMenu,
    /// ↑/↓ in the signal menu.
    MenuMove(i32),
    /// Enter in the signal menu: send the signal chosen.
    SendSignal,
    /// 1, 2, 3: fire 1, 10 or 100 connections (an index into FIRE_COUNTS); `c` fires as
    /// many again.
    Fire(usize),
    /// `c`: fire as many as last time.
    FireAgain,
    /// `+`/`-`: one worker more or fewer.
    Workers(i32),
    /// `m`: the next accept mode.
    NextMode,
    /// `s`: the syscalls of the lab's processes (strace -f), and off again.
    Syscalls,
    /// A letter on a question: the place of the choice in the order shown.
    Predict(usize),
    /// → on a question: run the step without a guess.
    RunWithoutGuess,
    /// `g` on the picker: the glossary, Node's APIs beside the system calls under them.
    Glossary,
    /// `L` on the picker: the other language; the lessons are read again in it.
    Language,
    /// `r` once the lab has ended (its master died): a fresh lab, the steps up to this one
    /// run again in it.
    Restart,
}

impl Action {
    /// Looking around changes nothing in the lab or the lesson: it is allowed while the
    /// display is frozen and while a question waits for its answer.
    pub fn looks(self) -> bool {
        matches!(
            self,
            Action::Zoom
                | Action::Focus { .. }
                | Action::Scroll(_)
                | Action::Page(_)
                | Action::Side(_)
                | Action::MenuMove(_)
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Action::Quit => write!(f, "{}", tr!("action-quit")),
            Action::Leave => write!(f, "{}", tr!("action-leave")),
            Action::Help => write!(f, "{}", tr!("action-help")),
            Action::Close => write!(f, "{}", tr!("action-close")),
            Action::Choose(_) => write!(f, "{}", tr!("action-choose")),
            Action::Open => write!(f, "{}", tr!("action-open")),
            Action::Next => write!(f, "{}", tr!("action-next")),
            Action::Back => write!(f, "{}", tr!("action-back")),
            Action::Focus { .. } => write!(f, "{}", tr!("action-focus")),
            Action::Scroll(_) => write!(f, "{}", tr!("action-scroll")),
            Action::Page(_) => write!(f, "{}", tr!("action-page")),
            Action::Zoom => write!(f, "{}", tr!("action-zoom")),
            Action::Side(_) => write!(f, "{}", tr!("action-side")),
            Action::Unzoom => write!(f, "{}", tr!("action-unzoom")),
            Action::Freeze => write!(f, "{}", tr!("action-freeze")),
            Action::SignalMenu => write!(f, "{}", tr!("action-signal-menu")),
            Action::MenuMove(_) => write!(f, "{}", tr!("action-menu-move")),
            Action::SendSignal => write!(f, "{}", tr!("action-send-signal")),
            Action::Fire(_) => write!(f, "{}", tr!("action-fire")),
            Action::FireAgain => write!(f, "{}", tr!("action-fire-again")),
            Action::Workers(_) => write!(f, "{}", tr!("action-workers")),
            Action::NextMode => write!(f, "{}", tr!("action-next-mode")),
            Action::Syscalls => write!(f, "{}", tr!("action-syscalls")),
            Action::Predict(_) => write!(f, "{}", tr!("action-predict")),
            Action::RunWithoutGuess => write!(f, "{}", tr!("action-run-without-guess")),
            Action::Restart => write!(f, "{}", tr!("action-restart")),
            Action::Glossary => write!(f, "{}", tr!("action-glossary")),
            Action::Language => write!(f, "{}", tr!("action-language")),
        }
    }
}
