//! The narration area: the step's text, its question card, and what the step did.

use super::block;
use crate::lesson::Lesson;
use crate::ui::app::Extent;
use crate::ui::app::{Asking, Focus, LessonView};
use crate::ui::markdown;
use crate::ui::model::LogKind;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Text;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

/// The narration area's text at `width`, one column: the step's narration (and its explanation
/// once the step has run), the question card before the step runs, and what the step did.
/// With each line, whether it is a table row (drawn whole, never wrapped).
fn document(
    l: &Lesson,
    v: &LessonView,
    asking: Option<&Asking>,
    theme: &Theme,
    width: u16,
) -> (Text<'static>, Vec<bool>) {
    let page = v.steps.page;
    let md = match page.checked_sub(1).and_then(|n| l.steps.get(n)) {
        None => l.intro.clone(),
        // A question's explanation waits until the step has run: the card shows the setup only.
        Some(step) => match &step.explain {
            Some(explain) if page < v.steps.ran || (page == v.steps.ran && !v.steps.busy) => {
                format!("{}\n\n{explain}", step.narration)
            }
            _ => step.narration.clone(),
        },
    };
    // Code blocks and tables whole, like a compare's table: one row each, moved sideways.
    let (mut text, mut whole) = markdown::render_whole(&md, theme, width);
    let (right, dot) = if theme.ascii { ("Right", "-") } else { ("→", "·") };
    if page == 0 {
        text.lines.push(Line::raw(""));
        text.lines.push(Line::styled(tr!("press-to-run-first", key = right), theme.dim));
    } else if page < v.steps.ran {
        text.lines.push(Line::raw(""));
        text.lines.push(Line::styled(tr!("step-already-ran"), theme.dim));
    }
    if let Some(a) = asking.filter(|a| page == a.step + 1) {
        // Predict, then run: the question card under the step's narration.
        let ask = &a.asks[a.current];
        text.lines.push(Line::raw(""));
        let of = if a.asks.len() > 1 { format!(" ({}/{})", a.current + 1, a.asks.len()) } else { String::new() };
        text.lines.push(Line::styled(format!("? {}{of}", ask.question), theme.warn.patch(theme.strong)));
        for (k, &i) in a.orders[a.current].iter().enumerate() {
            text.lines.push(Line::from(vec![
                Span::styled(format!("  {}", crate::lesson::Ask::letter(k)), theme.key),
                Span::styled(format!(" {}", ask.choices[i].label), theme.text),
            ]));
        }
        let (last, to) = (ask.last_letter(), if theme.ascii { "-" } else { "–" });
        text.lines
            .push(Line::styled(tr!("predict-with", keys = format!("a{to}{last}"), dot = dot, key = right), theme.dim));
    }
    // What the step did, under its text: PgUp/PgDn page through both.
    whole.resize(text.lines.len(), false);
    let out = v.steps.outputs.get(page).filter(|o| !o.is_empty());
    if let Some(out) = out {
        let rule = if theme.ascii { "-" } else { "─" };
        text.lines.push(Line::styled(
            {
                // The rule fills the width around the words, measured in columns (CJK is two).
                let words = tr!("what-happened");
                let fill = usize::from(width).saturating_sub(words.width() + 4);
                format!("{} {words} {}", rule.repeat(2), rule.repeat(fill))
            },
            theme.dim,
        ));
        whole.push(false);
        for o in out {
            let style = match o.kind {
                LogKind::Fail | LogKind::Bad => theme.bad,
                LogKind::Conn => theme.good,
                LogKind::Lesson => theme.dim,
                _ => theme.text,
            };
            text.lines.push(Line::styled(o.text.clone(), style));
            whole.push(o.kind == LogKind::Table);
        }
    }
    (text, whole)
}

/// The widest table row (or code line) of the page, in columns; 0 when it has none. Their
/// width does not depend on the area's.
pub(crate) fn widest_row(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme) -> usize {
    let (text, whole) = document(l, v, asking, theme, 80);
    text.lines.iter().zip(whole).filter(|(_, w)| *w).map(|(line, _)| line.width()).max().unwrap_or(0)
}

/// The narration's text laid out in rows `width` wide: prose wrapped, each table row whole on
/// one row, shifted `side` columns to the left.
struct Laid {
    rows: Buffer,
    /// The table rows cut at an edge: (row, cut on the left, cut on the right).
    cut: Vec<(u16, bool, bool)>,
    /// How far the widest table row can shift.
    side_max: usize,
}

fn lay_out(text: Text<'static>, whole: &[bool], width: u16, side: u16) -> Laid {
    // Runs of prose and runs of table rows, in order.
    let mut runs: Vec<(bool, Vec<Line<'static>>)> = Vec::new();
    for (line, w) in text.lines.into_iter().zip(whole.iter().copied()) {
        match runs.last_mut() {
            Some((kind, lines)) if *kind == w => lines.push(line),
            _ => runs.push((w, vec![line])),
        }
    }
    let wrapped = |lines: &Vec<Line<'static>>| Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
    let heights: Vec<u16> = runs
        .iter()
        .map(|(w, lines)| if *w { lines.len() as u16 } else { wrapped(lines).line_count(width) as u16 })
        .collect();
    let mut rows = Buffer::empty(Rect::new(0, 0, width, heights.iter().sum()));
    let (mut cut, mut side_max, mut y) = (Vec::new(), 0, 0);
    for ((w, lines), h) in runs.iter().zip(heights) {
        if !*w {
            wrapped(lines).render(Rect::new(0, y, width, h), &mut rows);
            y += h;
            continue;
        }
        for line in lines {
            let lw = line.width();
            side_max = side_max.max(lw.saturating_sub(usize::from(width)));
            Paragraph::new(line.clone()).scroll((0, side)).render(Rect::new(0, y, width, 1), &mut rows);
            let (left, right) = (side > 0, lw > usize::from(side) + usize::from(width));
            if left || right {
                cut.push((y, left, right));
            }
            y += 1;
        }
    }
    Laid { rows, cut, side_max }
}

/// The text laid out for `area`, and how it scrolls.
fn measure(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, area: Rect) -> (Laid, Extent) {
    let inner = Block::bordered().inner(area);
    let (text, whole) = document(l, v, asking, theme, inner.width);
    let laid = lay_out(text, &whole, inner.width, v.look.side);
    let rows = usize::from(inner.height);
    let max = usize::from(laid.rows.area.height).saturating_sub(rows);
    let card = asking.is_some_and(|a| v.steps.page == a.step + 1);
    let top = v.look.scroll.map(usize::from).unwrap_or(if card { max } else { 0 }).min(max);
    let side_max = laid.side_max;
    (laid, Extent { top, max, rows, side_max })
}

/// How the narration scrolls in `area`: where the learner scrolled to, or else its start; a
/// question's card is kept in view (the text above it is marked as more above).
pub(crate) fn extent(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, area: Rect) -> Extent {
    measure(l, v, asking, theme, area).1
}

/// The narration area: its text scrolled to `extent`, and on its border a mark wherever there
/// is more above or below.
pub(super) fn narration(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = v.look.focus == Focus::Narration;
    let page = v.steps.page;
    let title = super::step_name(page, l.steps.len());
    let mut b = block(theme, &title, focused);
    let inner = b.inner(area);
    let (laid, e) = measure(l, v, asking, theme, area);
    let (up, down) = if theme.ascii { ("^", "v") } else { ("↑", "↓") };
    if e.top > 0 {
        b = b.title(Line::styled(format!(" {up} {} ", tr!("more-above")), theme.dim).right_aligned());
    }
    if e.top < e.max {
        b = b.title_bottom(Line::styled(format!(" {down} {} ", tr!("more-below")), theme.dim).right_aligned());
    }
    // A table wider than the area: its rows are cut at the edge (marked on the border), and
    // the zoomed narration moves them sideways.
    if e.side_max > 0 {
        let how = if v.look.zoom { tr!("table-sideways") } else { tr!("table-wide") };
        b = b.title_bottom(Line::styled(format!(" {how} "), theme.dim).left_aligned());
    }
    f.render_widget(b, area);
    let buf = f.buffer_mut();
    let shown = e.rows.min(usize::from(laid.rows.area.height).saturating_sub(e.top)) as u16;
    for y in 0..shown {
        for x in 0..inner.width {
            buf[(inner.x + x, inner.y + y)] = laid.rows[(x, e.top as u16 + y)].clone();
        }
    }
    for &(row, left, right) in &laid.cut {
        let Some(y) = row.checked_sub(e.top as u16).filter(|y| *y < shown) else { continue };
        if left {
            buf[(area.x, inner.y + y)].set_symbol("←").set_style(theme.dim);
        }
        if right {
            buf[(area.right() - 1, inner.y + y)].set_symbol("→").set_style(theme.dim);
        }
    }
}
