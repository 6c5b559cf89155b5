//! The narration area: the step's text, its question card, and what the step did.

use super::narration_block;
use crate::lesson::Lesson;
use crate::ui::app::Extent;
use crate::ui::app::{Asking, Focus, LessonView};
use crate::ui::codespan::Coded;
use crate::ui::linebreak::{fill, is_cjk, may_break};
use crate::ui::markdown;
use crate::ui::model::LogKind;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Text;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a line of the narration area is laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kept {
    /// Wrapped at words with the prose around it.
    Prose,
    /// A line of the lesson's own code block or table: whole on one row, cut at the edge and
    /// moved sideways when zoomed.
    Whole,
    /// A row of a table the step printed: as wide as the area allows, its tail going on at
    /// column `hang` of the rows under it, so every character reads without a zoom.
    Row { hang: usize },
}

/// The narration area's text at `width`, one column: the step's narration (and its explanation
/// once the step has run), the question card before the step runs, and what the step did.
/// With each line, how it is laid out.
fn document(
    l: &Lesson,
    v: &LessonView,
    asking: Option<&Asking>,
    theme: &Theme,
    width: u16,
) -> (Text<'static>, Vec<Kept>) {
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
    // The lesson's code blocks and tables whole: one row each, moved sideways.
    let (mut text, whole) = markdown::render_whole(&md, theme, width);
    let mut kept: Vec<Kept> = whole.into_iter().map(|w| if w { Kept::Whole } else { Kept::Prose }).collect();
    let (right, dot) = if theme.ascii { ("Right", "-") } else { ("→", "·") };
    let note = match page {
        0 => Some(tr!("press-to-run-first", key = right)),
        _ if page < v.steps.ran => Some(tr!("step-already-ran")),
        _ => None,
    };
    if let Some(note) = note {
        text.lines.push(Line::raw(""));
        text.lines.extend(cjk_rows(&note, usize::from(width)).into_iter().map(|r| Line::styled(r, theme.dim)));
    }
    if let Some(a) = asking.filter(|a| page == a.step + 1) {
        // Predict, then run: the question card under the step's narration.
        let ask = &a.asks[a.current];
        text.lines.push(Line::raw(""));
        let of = if a.asks.len() > 1 { format!(" ({}/{})", a.current + 1, a.asks.len()) } else { String::new() };
        // Chinese in the card breaks as the rest of the narration does (`cjk_rows`), not at
        // the last space (`一次一个地发 200` left half a row empty).
        let w = usize::from(width);
        for row in cjk_rows(&format!("? {}{of}", ask.question), w) {
            text.lines.push(Line::styled(row, theme.warn.patch(theme.strong)));
        }
        for (k, &i) in a.orders[a.current].iter().enumerate() {
            let key = format!("  {}", crate::lesson::Ask::letter(k));
            let rows = cjk_rows(&format!("{key} {}", ask.choices[i].label), w);
            for (n, row) in rows.into_iter().enumerate() {
                text.lines.push(match row.strip_prefix(&key).filter(|_| n == 0) {
                    Some(rest) => Line::from(vec![
                        Span::styled(key.clone(), theme.key),
                        Span::styled(rest.to_string(), theme.text),
                    ]),
                    None => Line::styled(row, theme.text),
                });
            }
        }
        let (last, to) = (ask.last_letter(), if theme.ascii { "-" } else { "–" });
        // Another question follows: the step runs only after the last.
        let hint = if a.current + 1 < a.asks.len() { "predict-with-next" } else { "predict-with" };
        for row in cjk_rows(&tr!(hint, keys = format!("a{to}{last}"), dot = dot, key = right), w) {
            text.lines.push(Line::styled(row, theme.dim));
        }
    }
    // What the step did, under its text: PgUp/PgDn page through both.
    kept.resize(text.lines.len(), Kept::Prose);
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
        kept.push(Kept::Prose);
        for o in out {
            let style = match o.kind {
                LogKind::Fail | LogKind::Bad => theme.bad,
                LogKind::Conn => theme.good,
                LogKind::Lesson => theme.dim,
                _ => theme.text,
            };
            if o.kind == LogKind::Table {
                text.lines.push(Line::styled(o.text.clone(), style));
                kept.push(Kept::Row { hang: o.hang });
                continue;
            }
            // Its code spans (a check's detail names a step, a command) as the narration draws
            // inline code: no raw backtick on the screen.
            let coded = Coded::new(&o.text, theme);
            for line in coded.rows(cjk_rows(&coded.plain, usize::from(width)), style, theme.code) {
                text.lines.push(line);
                kept.push(Kept::Prose);
            }
        }
    }
    (text, kept)
}

/// A line of what the step did, as rows: one with Chinese in it and wider than `width` is
/// filled by `linebreak`'s rule (a CJK run after a space starts on the same row and breaks
/// between characters), its indent kept on its first row; any other line is left whole, for
/// the prose's word wrap (so English rows are as they were).
fn cjk_rows(line: &str, width: usize) -> Vec<String> {
    if width == 0 || line.width() <= width || !line.chars().any(is_cjk) {
        return vec![line.to_string()];
    }
    let body = line.trim_start_matches(' ');
    let lead = line.len() - body.len();
    let lead = if lead + 4 < width { lead } else { 0 };
    let mut rows = fill(body, width - lead, width, true);
    if let Some(first) = rows.first_mut() {
        first.insert_str(0, &line[..lead]);
    }
    rows
}

/// The widest table row (or code line) of the page, in columns; 0 when it has none. Their
/// width does not depend on the area's: a side-by-side screen widens the area for them.
pub(crate) fn widest_row(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme) -> usize {
    let (text, kept) = document(l, v, asking, theme, 80);
    text.lines.iter().zip(kept).filter(|(_, k)| *k != Kept::Prose).map(|(line, _)| line.width()).max().unwrap_or(0)
}

/// The narration's text laid out in rows `width` wide: prose wrapped, a step's table rows
/// wrapped under themselves, each line of the lesson's code and tables whole on one row,
/// shifted `side` columns to the left.
struct Laid {
    rows: Buffer,
    /// The code and table lines cut at an edge: (row, cut on the left, cut on the right).
    cut: Vec<(u16, bool, bool)>,
    /// How far the widest of them can shift.
    side_max: usize,
}

/// A part of the laid out text: a run of prose, wrapped as one paragraph; a line kept whole;
/// one row's worth of a step's table row.
enum Part {
    Prose(Vec<Line<'static>>),
    Whole(Line<'static>),
    Piece(Line<'static>),
}

fn lay_out(text: Text<'static>, kept: &[Kept], width: u16, side: u16) -> Laid {
    let mut parts: Vec<Part> = Vec::new();
    for (line, k) in text.lines.into_iter().zip(kept.iter().copied()) {
        match (k, parts.last_mut()) {
            (Kept::Prose, Some(Part::Prose(lines))) => lines.push(line),
            (Kept::Prose, _) => parts.push(Part::Prose(vec![line])),
            (Kept::Whole, _) => parts.push(Part::Whole(line)),
            (Kept::Row { hang }, _) => parts.extend(row_pieces(&line, width, hang).into_iter().map(Part::Piece)),
        }
    }
    let wrapped = |lines: &Vec<Line<'static>>| Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
    let heights: Vec<u16> = parts
        .iter()
        .map(|part| match part {
            Part::Prose(lines) => wrapped(lines).line_count(width) as u16,
            Part::Whole(_) | Part::Piece(_) => 1,
        })
        .collect();
    let mut rows = Buffer::empty(Rect::new(0, 0, width, heights.iter().sum()));
    let (mut cut, mut side_max, mut y) = (Vec::new(), 0, 0);
    for (part, h) in parts.iter().zip(heights) {
        let area = Rect::new(0, y, width, h);
        match part {
            Part::Prose(lines) => wrapped(lines).render(area, &mut rows),
            Part::Piece(line) => Paragraph::new(line.clone()).render(area, &mut rows),
            Part::Whole(line) => {
                let lw = line.width();
                side_max = side_max.max(lw.saturating_sub(usize::from(width)));
                Paragraph::new(line.clone()).scroll((0, side)).render(area, &mut rows);
                let (left, right) = (side > 0, lw > usize::from(side) + usize::from(width));
                if left || right {
                    cut.push((y, left, right));
                }
            }
        }
        y += h;
    }
    Laid { rows, cut, side_max }
}

/// A step's table row as the lines it takes at `width`, each in the row's style.
fn row_pieces(line: &Line<'static>, width: u16, hang: usize) -> Vec<Line<'static>> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    (wrap_row(&text, usize::from(width), hang).into_iter())
        .map(|piece| Line { spans: vec![Span::styled(piece, style)], ..line.clone() })
        .collect()
}

/// `row` cut into pieces no wider than `width` columns, each after the first indented by
/// `hang` (at most half the width, so each piece still carries some of the row). A row breaks
/// at the last gap between its columns (two spaces or more), else after a list's last comma,
/// else before its last word in lower case (a label, so it stays with its value), each keeping
/// at least half the room;
/// else at its last space or, in Chinese, between characters (`linebreak`'s rule); else (one
/// word wider than the room) inside the word.
pub(super) fn wrap_row(row: &str, width: usize, hang: usize) -> Vec<String> {
    let hang = hang.min(width / 2);
    let (mut pieces, mut rest, mut room) = (Vec::new(), row, width);
    while rest.width() > room && room > 0 {
        // The longest head that fits, at least one character.
        let (mut end, mut used) = (0, 0);
        for (i, c) in rest.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > room && end > 0 {
                break;
            }
            (end, used) = (i + c.len_utf8(), used + w);
        }
        // A row's own indent is not a place to break it.
        let lead = rest.len() - rest.trim_start_matches(' ').len();
        // Where it may break: at a space in the head, or at the space just after it.
        let head = &rest[..end + usize::from(rest[end..].starts_with(' '))];
        let half = |i: &usize| *i > lead && head[..*i].width() >= room / 2;
        let gap = head.rfind("  ").filter(half);
        // After a list's comma: an item (`W2 fd 6` of `show fds`'s holders) stays whole.
        let item = head.rfind(", ").map(|i| i + 1).filter(half);
        // Before a label (lower case), not its value (a number, a state letter): `pid 1048112`
        // or `state S` stays together.
        let label = (head.rmatch_indices(' ').map(|(i, _)| i))
            .find(|&i| rest[i + 1..].starts_with(char::is_lowercase))
            .filter(half);
        // Else the last break `linebreak` allows in it: a space, or beside a CJK character
        // (never before `，` nor after `（`).
        let space = head.rfind(' ').filter(|&i| i > lead);
        let beside = (rest.char_indices().zip(rest.char_indices().skip(1)))
            .take_while(|(_, (j, _))| *j <= end)
            .filter(|((_, a), (j, b))| *j > lead && may_break(*a, *b))
            .map(|(_, (j, _))| j)
            .last();
        let cut = gap.or(item).or(label).or(space.max(beside)).unwrap_or(end);
        pieces.push(rest[..cut].trim_end_matches(' ').to_string());
        rest = rest[cut..].trim_start_matches(' ');
        room = width - hang;
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_string());
    }
    let indent = " ".repeat(hang);
    (pieces.into_iter().enumerate()).map(|(i, p)| if i == 0 { p } else { format!("{indent}{p}") }).collect()
}

/// The text laid out for `area`, and how it scrolls.
fn measure(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, area: Rect) -> (Laid, Extent) {
    let inner = Block::bordered().inner(area);
    let (text, kept) = document(l, v, asking, theme, inner.width);
    let laid = lay_out(text, &kept, inner.width, v.look.side);
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
    let mut b = narration_block(theme, &title, focused);
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
