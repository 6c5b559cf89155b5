//! The narration area: the step's text, its question card, and what the step did.

use super::block;
use crate::lesson::Lesson;
use crate::ui::app::{Asking, Focus, LessonView};
use crate::ui::markdown;
use crate::ui::model::LogKind;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// The step's narration, and under it what the step did (its newest lines). A question keeps the
/// end of the narration in view (a question card); otherwise the learner scrolls, and the
/// border says when there is more below.
pub(super) fn narration(l: &Lesson, v: &LessonView, asking: Option<&Asking>, theme: &Theme, f: &mut Frame, area: Rect) {
    let follow = asking.is_some();
    let focused = v.look.focus == Focus::Narration;
    let title =
        if v.steps.page == 0 { "intro".to_string() } else { format!("step {}/{}", v.steps.page, l.steps.len()) };
    let b = block(theme, &title, focused);
    let inner = b.inner(area);
    let md = match v.steps.page.checked_sub(1).and_then(|n| l.steps.get(n)) {
        None => l.intro.clone(),
        // A question's explanation waits until the step has run: the card shows the setup only.
        Some(step) => match &step.explain {
            Some(explain) if v.steps.page < v.steps.ran || (v.steps.page == v.steps.ran && !v.steps.busy) => {
                format!("{}\n\n{explain}", step.narration)
            }
            _ => step.narration.clone(),
        },
    };
    let mut text = markdown::render(&md, theme, inner.width);
    if v.steps.page == 0 {
        text.lines.push(Line::raw(""));
        text.lines.push(Line::styled("press → to run the first step", theme.dim));
    } else if v.steps.page < v.steps.ran {
        text.lines.push(Line::raw(""));
        text.lines.push(Line::styled(
            "this step already ran: going back re-reads it, the processes go on as they are now",
            theme.dim,
        ));
    }
    if let Some(a) = asking.filter(|a| v.steps.page == a.step + 1) {
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
        let last = ask.last_letter();
        text.lines.push(Line::styled(
            format!("predict with a–{last}, then the step runs and shows what happened · → runs it without a guess"),
            theme.dim,
        ));
    }
    // What the step did goes under the narration, in an area of its own that shows its newest
    // lines: the text being taught and what just happened are both on screen.
    let out: Vec<Line> = v
        .steps
        .outputs
        .get(v.steps.page)
        .map(|out| {
            out.iter()
                .map(|o| {
                    let style = match o.kind {
                        LogKind::Fail | LogKind::Bad => theme.bad,
                        LogKind::Conn => theme.good,
                        LogKind::Lesson => theme.dim,
                        _ => theme.text,
                    };
                    Line::styled(o.text.clone(), style)
                })
                .collect()
        })
        .unwrap_or_default();
    let p = Paragraph::new(text).wrap(Wrap { trim: false });
    let text_rows = p.line_count(inner.width);
    let out_p = Paragraph::new(out).wrap(Wrap { trim: false });
    let out_rows = if v.steps.outputs.get(v.steps.page).is_some_and(|o| !o.is_empty()) {
        out_p.line_count(inner.width)
    } else {
        0
    };
    let h = usize::from(inner.height);
    let (narr_h, out_h) = if out_rows == 0 {
        (h, 0)
    } else {
        // The narration gets what it needs; the output at least a third (and its rule).
        let out_min = (h / 3).max(3).min(out_rows + 1);
        let narr_h = text_rows.min(h.saturating_sub(out_min));
        (narr_h, h - narr_h)
    };
    let bottom = text_rows.saturating_sub(narr_h);
    let scroll = if follow { bottom } else { usize::from(v.look.scroll).min(bottom) };
    let b = if scroll < bottom { b.title_bottom(Line::styled(" ↓ more ", theme.dim).right_aligned()) } else { b };
    f.render_widget(b, area);
    let narr_area = Rect { height: narr_h as u16, ..inner };
    f.render_widget(p.scroll((scroll as u16, 0)), narr_area);
    if out_h >= 2 {
        let out_area = Rect { y: inner.y + narr_h as u16, height: out_h as u16, ..inner };
        let rule = Block::new()
            .borders(ratatui::widgets::Borders::TOP)
            .border_set(theme.border_set())
            .border_style(theme.border)
            .title(Span::styled(" what happened ", theme.dim));
        let body = rule.inner(out_area);
        f.render_widget(rule, out_area);
        let skip = out_rows.saturating_sub(usize::from(body.height));
        f.render_widget(out_p.scroll((skip as u16, 0)), body);
    }
}
