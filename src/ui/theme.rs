//! Colours and glyphs. The default reads on dark and light terminals alike (it uses the
//! terminal's own foreground and background and only named ANSI colours); `contrast` is for
//! projectors; `NO_COLOR` (no-color.org) turns colour off; `--ascii` swaps box drawing and
//! block characters for plain ASCII.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThemeName {
    #[default]
    Default,
    Dark,
    Light,
    Contrast,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: ThemeName,
    pub color: bool,
    pub ascii: bool,
    /// Pane borders and titles.
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    /// The step title at the top of the lesson screen.
    pub step_title: Style,
    pub text: Style,
    pub dim: Style,
    pub code: Style,
    pub emphasis: Style,
    pub strong: Style,
    pub heading: Style,
    pub selected: Style,
    /// Rows of processes spawned a moment ago / exited a moment ago.
    pub fresh: Style,
    pub gone: Style,
    pub good: Style,
    pub bad: Style,
    pub warn: Style,
    pub bar: Style,
    /// Colours for socket inodes shared between processes (the fds pane).
    pub shared: Vec<Style>,
    /// The status bar at the bottom.
    pub status: Style,
    pub key: Style,
}

impl Theme {
    /// The theme for this terminal: `NO_COLOR` set to anything non-empty turns colour off.
    pub fn from_env(name: ThemeName, ascii: bool) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::new(name, no_color, ascii)
    }

    pub fn new(name: ThemeName, no_color: bool, ascii: bool) -> Theme {
        let mut t = match name {
            ThemeName::Default | ThemeName::Dark => Theme::base(name),
            ThemeName::Light => Theme::light(),
            ThemeName::Contrast => Theme::contrast(),
        };
        t.ascii = ascii;
        if no_color {
            t = t.without_color();
        }
        t
    }

    fn base(name: ThemeName) -> Theme {
        let s = Style::default();
        Theme {
            name,
            color: true,
            ascii: false,
            border: s.fg(Color::DarkGray),
            border_focused: s.fg(Color::Cyan),
            title: s.add_modifier(Modifier::BOLD),
            step_title: s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            text: s,
            dim: s.fg(Color::DarkGray),
            code: s.fg(Color::Yellow),
            emphasis: s.add_modifier(Modifier::ITALIC),
            strong: s.add_modifier(Modifier::BOLD),
            heading: s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: s.add_modifier(Modifier::REVERSED),
            fresh: s.fg(Color::Green).add_modifier(Modifier::BOLD),
            gone: s.fg(Color::Red),
            good: s.fg(Color::Green),
            bad: s.fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: s.fg(Color::Yellow),
            bar: s.fg(Color::Cyan),
            shared: vec![
                s.fg(Color::Magenta).add_modifier(Modifier::BOLD),
                s.fg(Color::Green).add_modifier(Modifier::BOLD),
                s.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                s.fg(Color::Blue).add_modifier(Modifier::BOLD),
                s.fg(Color::Red).add_modifier(Modifier::BOLD),
            ],
            status: s.add_modifier(Modifier::REVERSED),
            key: s.add_modifier(Modifier::BOLD | Modifier::REVERSED),
        }
    }

    /// For light backgrounds: no yellow or cyan text, which wash out on white.
    fn light() -> Theme {
        let s = Style::default();
        Theme {
            name: ThemeName::Light,
            border: s.fg(Color::Gray),
            border_focused: s.fg(Color::Blue),
            step_title: s.fg(Color::Blue).add_modifier(Modifier::BOLD),
            code: s.fg(Color::Magenta),
            heading: s.fg(Color::Blue).add_modifier(Modifier::BOLD),
            warn: s.fg(Color::Magenta),
            bar: s.fg(Color::Blue),
            ..Theme::base(ThemeName::Light)
        }
    }

    /// For projectors: bold, bright, no dim greys.
    fn contrast() -> Theme {
        let s = Style::default().add_modifier(Modifier::BOLD);
        Theme {
            name: ThemeName::Contrast,
            border: s.fg(Color::White),
            border_focused: s.fg(Color::LightYellow),
            title: s.fg(Color::LightYellow),
            step_title: s.fg(Color::Black).bg(Color::LightYellow),
            text: s.fg(Color::White),
            dim: s.fg(Color::White),
            code: s.fg(Color::LightYellow),
            heading: s.fg(Color::LightYellow),
            fresh: s.fg(Color::LightGreen),
            gone: s.fg(Color::LightRed),
            good: s.fg(Color::LightGreen),
            bad: s.fg(Color::LightRed),
            warn: s.fg(Color::LightYellow),
            bar: s.fg(Color::LightCyan),
            ..Theme::base(ThemeName::Contrast)
        }
    }

    /// NO_COLOR: keep bold, reverse and underline so focus and selection still show.
    fn without_color(self) -> Theme {
        let strip = |st: Style| Style { fg: None, bg: None, underline_color: None, ..st };
        Theme {
            color: false,
            border: strip(self.border),
            border_focused: strip(self.border_focused).add_modifier(Modifier::BOLD),
            title: strip(self.title),
            step_title: strip(self.step_title).add_modifier(Modifier::BOLD),
            text: strip(self.text),
            dim: strip(self.dim),
            code: strip(self.code).add_modifier(Modifier::UNDERLINED),
            emphasis: strip(self.emphasis),
            strong: strip(self.strong),
            heading: strip(self.heading),
            selected: strip(self.selected),
            fresh: strip(self.fresh).add_modifier(Modifier::BOLD),
            gone: strip(self.gone).add_modifier(Modifier::CROSSED_OUT),
            good: strip(self.good),
            bad: strip(self.bad).add_modifier(Modifier::BOLD),
            warn: strip(self.warn),
            bar: strip(self.bar),
            shared: self.shared.iter().map(|s| strip(*s).add_modifier(Modifier::UNDERLINED)).collect(),
            status: strip(self.status),
            key: strip(self.key),
            ..self
        }
    }

    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            }
        } else {
            border::ROUNDED
        }
    }

    /// The glyph for a full bar cell.
    pub fn bar_full(&self) -> &'static str {
        if self.ascii { "#" } else { "█" }
    }

    /// Glyphs for a core's history, lowest to highest.
    pub fn spark(&self) -> &'static [&'static str] {
        if self.ascii {
            &[" ", ".", ":", "-", "=", "+", "*", "#"]
        } else {
            &[" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        }
    }

    pub fn shared_style(&self, index: usize) -> Style {
        self.shared[index % self.shared.len()]
    }
}
