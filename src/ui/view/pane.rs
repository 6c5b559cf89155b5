//! What the live panes share: the context they draw with, their block and title, and the
//! text helpers that measure, pad and cut by display width.
//!
//! Every pane clips to the area it is given and never panics, down to 1x1: the lesson
//! screen lays them out however the terminal is sized, and a pane that is too small simply
//! shows less.

use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// What every pane needs besides the model: how to look, and whether it has the focus.
#[derive(Debug, Clone, Copy)]
pub struct PaneCtx<'a> {
    pub theme: &'a Theme,
    pub focused: bool,
    /// The pane has the whole screen (`z`): zooming shows no more of it.
    pub zoomed: bool,
    /// The processes pane's columns the lesson is about: a narrow pane keeps them longest.
    pub keep: &'a [crate::lesson::ProcColumn],
}

/// Panes whose inside is at least this wide keep a blank column next to each border.
pub(super) const MIN_PADDED: u16 = 20;
/// Bars longer than this only move the figures away from the labels they belong to.
pub(super) const MAX_BAR: usize = 60;

/// ` name · part · part `, in the theme's title style over the terminal's own foreground (so
/// the title does not take the border's dim colour).
pub(super) fn title<'a>(t: &Theme, name: &str, parts: &[&str]) -> Line<'a> {
    let dot = if t.ascii { " - " } else { " · " };
    let mut s = format!(" {}", pane_name(name));
    for p in parts {
        s.push_str(dot);
        s.push_str(p);
    }
    s.push(' ');
    Line::styled(s, Style::new().fg(Color::Reset).patch(t.title))
}

/// A pane's name in the language in use (fds and syscalls stay as the kernel calls them).
fn pane_name(name: &str) -> String {
    match name {
        "processes" => tr!("pane-processes"),
        "cores" => tr!("pane-cores"),
        "connections" => tr!("pane-connections"),
        "events" => tr!("pane-events"),
        "ipc" => tr!("pane-ipc"),
        other => other.to_string(),
    }
}

pub(super) fn pane_block<'a>(cx: &PaneCtx, title: Line<'a>) -> Block<'a> {
    focus_block(cx.theme, title, cx.focused)
}

/// A block whose border and title say whether it has the focus: a pane's, the narration's.
pub(super) fn focus_block<'a>(t: &Theme, title: Line<'a>, focused: bool) -> Block<'a> {
    let border = if focused { t.border_focused } else { t.border };
    Block::bordered().border_set(t.border_set()).border_style(border).title(focus_title(t, title, focused))
}

/// The focused pane's title: a mark before it and the whole of it drawn reversed, so the pane
/// Tab chose shows without colour too (NO_COLOR, a projector, a recording), not only by its
/// border. Any other title is left as it is.
fn focus_title<'a>(t: &Theme, title: Line<'a>, focused: bool) -> Line<'a> {
    if !focused {
        return title;
    }
    let mut title = title;
    title.spans.insert(0, Span::raw(focus_mark(t)));
    title.style = title.style.add_modifier(Modifier::REVERSED);
    title
}

fn focus_mark(t: &Theme) -> &'static str {
    if t.ascii { ">" } else { "▸" }
}

/// The cells `title` takes on the pane's border, the focus mark included.
pub(super) fn title_width(cx: &PaneCtx, title: &Line) -> usize {
    title.width() + if cx.focused { text_width(focus_mark(cx.theme)) } else { 0 }
}

/// Draws the block clipped to the buffer and returns the area inside it, with a column of
/// padding on each side when the pane is wide enough to spare it; None when nothing fits.
pub(super) fn draw_block(block: Block, area: Rect, buf: &mut Buffer) -> Option<Rect> {
    let inner = draw_block_unpadded(block, area, buf)?;
    Some(if inner.width >= MIN_PADDED { Rect { x: inner.x + 1, width: inner.width - 2, ..inner } } else { inner })
}

pub(super) fn draw_block_unpadded(block: Block, area: Rect, buf: &mut Buffer) -> Option<Rect> {
    let area = area.intersection(*buf.area());
    if area.is_empty() {
        return None;
    }
    let inner = block.inner(area);
    block.render(area, buf);
    (!inner.is_empty()).then_some(inner)
}

/// Draws one line at row `y` of `inner`, cut at its right edge; rows below are ignored.
pub(super) fn put(buf: &mut Buffer, inner: Rect, y: u16, line: Line) {
    if y < inner.height {
        buf.set_line(inner.x, inner.y + y, &line, inner.width);
    }
}

pub(super) fn text_width(s: &str) -> usize {
    Span::raw(s).width()
}

pub(super) fn char_width(c: char) -> usize {
    let mut b = [0u8; 4];
    text_width(c.encode_utf8(&mut b))
}

pub(super) fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(text_width(s))))
}

pub(super) fn align(s: &str, w: usize, right: bool) -> String {
    if right { format!("{}{s}", " ".repeat(w.saturating_sub(text_width(s)))) } else { pad_right(s, w) }
}

/// `s` cut to `w` cells, ending in `…` (`~` in ASCII) when it was cut.
pub(super) fn cut(s: &str, w: usize, ascii: bool) -> String {
    if text_width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let cw = char_width(ch);
        if used + cw > w - 1 {
            break;
        }
        out.push(ch);
        used += cw;
    }
    out.push_str(if ascii { "~" } else { "…" });
    out
}

/// Which of `n` rows a pane `height` rows high shows, from row `scroll` on (kept in range).
/// When they do not all fit, the last row is kept for saying how many are above and below.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub top: usize,
    pub shown: usize,
    pub below: usize,
}

impl Window {
    pub fn new(n: usize, height: usize, scroll: usize) -> Window {
        let cut = n > height;
        let shown = if cut { height.saturating_sub(1) } else { n };
        let top = if cut { scroll.min(n - shown) } else { 0 };
        Window { top, shown, below: n - top - shown }
    }

    /// Not every row fits.
    pub fn cut(&self) -> bool {
        self.top + self.below > 0
    }

    /// Under a cut window: its last row says how many rows are above and below it, and the
    /// border marks them (the top one only if `top_mark`: where it leaves the title whole).
    pub fn mark(&self, buf: &mut Buffer, area: Rect, inner: Rect, top_mark: bool, t: &Theme) {
        if !self.cut() {
            return;
        }
        let (up, down) = if t.ascii { ("^", "v") } else { ("↑", "↓") };
        let more = match (self.top, self.below) {
            (0, b) => tr!("fds-more-below", b = b, down = down),
            (a, 0) => tr!("fds-more-above", a = a, up = up),
            (a, b) => tr!("fds-above-and-below", a = a, b = b, up = up, down = down),
        };
        put(buf, inner, self.shown as u16, Line::styled(more, t.dim));
        if self.top > 0 && top_mark {
            border_mark(buf, area, false, t);
        }
        if self.below > 0 {
            border_mark(buf, area, true, t);
        }
    }
}

/// Whether the top border's "more above" mark fits beside a title `title` cells wide on a
/// pane `area` wide, leaving the title whole.
pub(super) fn top_mark_fits(area: Rect, title: usize) -> bool {
    usize::from(area.width) >= title + text_width(&tr!("pane-more-above")) + 9
}

/// A mark on the right of a pane's top or bottom border, saying there is more above or below
/// (` ↑ more above `); only when the pane lies whole in the buffer and is wide enough to keep
/// its title clear.
pub(super) fn border_mark(buf: &mut Buffer, area: Rect, bottom: bool, t: &Theme) {
    let arrow = match (bottom, t.ascii) {
        (false, false) => "↑",
        (false, true) => "^",
        (true, false) => "↓",
        (true, true) => "v",
    };
    let text = &format!(" {arrow} {} ", if bottom { tr!("pane-more-below") } else { tr!("pane-more-above") });
    let w = text_width(text) as u16;
    if area.intersection(*buf.area()) != area || area.width < w + 24 || area.height < 3 {
        return;
    }
    let y = if bottom { area.bottom() - 1 } else { area.y };
    buf.set_string(area.right() - w - 1, y, text, t.dim);
}
