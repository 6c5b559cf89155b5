//! The narration area: the step's text, its question card, and what the step did.

use super::block;
use crate::lesson::Lesson;
use crate::ui::app::Extent;
use crate::ui::app::{Asking, Focus, LessonView};
use crate::ui::markdown;
use crate::ui::model::LogKind;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Text;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// The narration area's text at `width`, one column: the step's narration (and its explanation
/// once the step has run), the question card before the step runs, and what the step did.
fn document(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, width: u16) -> Text<'static> {
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
    let mut text = markdown::render(&md, theme, width);
    let (right, dot) = if theme.ascii { ("Right", "-") } else { ("→", "·") };
    if page == 0 {
        text.lines.push(Line::raw(""));
        text.lines.push(Line::styled(format!("press {right} to run the first step"), theme.dim));
    } else if page < v.steps.ran {
        text.lines.push(Line::raw(""));
        text.lines.push(Line::styled(
            "this step already ran: going back re-reads it, the processes go on as they are now",
            theme.dim,
        ));
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
        text.lines.push(Line::styled(
            format!("predict with a{to}{last}, then the step runs and shows what happened {dot} {right} runs it without a guess"),
            theme.dim,
        ));
    }
    // What the step did, under its text: PgUp/PgDn page through both.
    let out = v.steps.outputs.get(page).filter(|o| !o.is_empty());
    if let Some(out) = out {
        let rule = if theme.ascii { "-" } else { "─" };
        text.lines.push(Line::styled(
            format!("{} what happened {}", rule.repeat(2), rule.repeat(usize::from(width).saturating_sub(17))),
            theme.dim,
        ));
        for o in out {
            let style = match o.kind {
                LogKind::Fail | LogKind::Bad => theme.bad,
                LogKind::Conn => theme.good,
                LogKind::Lesson => theme.dim,
                _ => theme.text,
            };
            text.lines.push(Line::styled(o.text.clone(), style));
        }
    }
    text
}

/// How the narration scrolls in `area`: where the learner scrolled to, or else its start; a
/// question's card is kept in view (the text above it is marked as more above).
pub(crate) fn extent(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, area: Rect) -> Extent {
    let inner = Block::bordered().inner(area);
    let p = Paragraph::new(document(l, v, asking, theme, inner.width)).wrap(Wrap { trim: false });
    let rows = usize::from(inner.height);
    let max = p.line_count(inner.width).saturating_sub(rows);
    let card = asking.is_some_and(|a| v.steps.page == a.step + 1);
    let top = v.look.scroll.map(usize::from).unwrap_or(if card { max } else { 0 }).min(max);
    Extent { top, max, rows }
}

/// The narration area: its text scrolled to `extent`, and on its border a mark wherever there
/// is more above or below.
pub(super) fn narration(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = v.look.focus == Focus::Narration;
    let page = v.steps.page;
    let title = if page == 0 { "intro".to_string() } else { format!("step {}/{}", page, l.steps.len()) };
    let mut b = block(theme, &title, focused);
    let inner = b.inner(area);
    let e = extent(l, v, asking, theme, area);
    let (up, down) = if theme.ascii { ("^", "v") } else { ("↑", "↓") };
    if e.top > 0 {
        b = b.title(Line::styled(format!(" {up} more above, PgUp "), theme.dim).right_aligned());
    }
    if e.top < e.max {
        b = b.title_bottom(Line::styled(format!(" {down} more below, PgDn "), theme.dim).right_aligned());
    }
    f.render_widget(b, area);
    let p = Paragraph::new(document(l, v, asking, theme, inner.width)).wrap(Wrap { trim: false });
    f.render_widget(p.scroll((e.top as u16, 0)), inner);
}
