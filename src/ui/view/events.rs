//! The events pane, and the log drawing the ipc pane shares with it.

use super::pane::*;
use crate::ui::codespan::Coded;
use crate::ui::linebreak::wrap;
use crate::ui::model::{LabModel, LogKind, LogLine};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

/// The tail of the event log, or the part the user scrolled back to. Long lines wrap (by
/// `linebreak`'s rule, so Chinese too), with their continuation indented so each event still reads as one. The border marks older
/// lines above and, scrolled back, newer ones below.
pub fn events(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let lines: Vec<&LogLine> = m.log.lines.iter().collect();
    log_pane(&lines, m.log.scroll, "events", &tr!("no-events-yet"), cx, area, buf);
}

pub(super) fn log_pane(
    lines: &[&LogLine],
    scroll: usize,
    name: &str,
    empty: &str,
    cx: &PaneCtx,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let scroll = scroll.min(lines.len().saturating_sub(1));
    let back = if scroll > 0 { format!("{}{scroll}", if t.ascii { "^" } else { "↑" }) } else { String::new() };
    let parts: Vec<&str> = if scroll > 0 { vec![back.as_str()] } else { vec![] };
    let Some(inner) = draw_block(pane_block(cx, title(t, name, &parts)), area, buf) else { return };
    if lines.is_empty() {
        put(buf, inner, 0, Line::styled(empty.to_string(), t.dim));
        return;
    }
    let height = inner.height as usize;
    let width = inner.width as usize;
    // Walk back from the newest line in view until the pane is full.
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut walked = 0;
    for line in lines.iter().take(lines.len() - scroll).rev() {
        // A check's detail names a step or a command in backticks: drawn as inline code.
        let coded = Coded::new(&line.text, t);
        rows.extend(coded.rows(wrap(&coded.plain, width, 2), log_style(t, line), t.code).into_iter().rev());
        walked += 1;
        if rows.len() >= height {
            break;
        }
    }
    // Older lines out of view above, newer ones below when scrolled back: marked on the border.
    if rows.len() > height || walked < lines.len() - scroll {
        border_mark(buf, area, false, t);
    }
    if scroll > 0 {
        border_mark(buf, area, true, t);
    }
    rows.truncate(height);
    for (y, row) in rows.into_iter().rev().enumerate() {
        put(buf, inner, y as u16, row);
    }
}

pub(super) fn log_style(t: &Theme, line: &LogLine) -> Style {
    match line.kind {
        LogKind::Life | LogKind::Table => t.text,
        LogKind::Exit => t.dim,
        LogKind::Bad | LogKind::Fail => t.bad,
        LogKind::Ipc => t.warn,
        LogKind::Conn => t.good,
        LogKind::Lesson => t.heading,
    }
}
