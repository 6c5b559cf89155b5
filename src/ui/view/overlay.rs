//! What opens over the lesson screen: the signal menu and the help.

use super::block;
use crate::ui::app::{LessonView, SIGNALS};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub(super) fn signal_menu(v: &LessonView, selected: usize, theme: &Theme, f: &mut Frame, area: Rect) {
    let target = v.model.procs.get(v.model.selected).map(|r| format!("{} pid {}", r.alias, r.pid)).unwrap_or_default();
    let title = format!("signal {target}");
    let w = (title.chars().count() as u16 + 6).max(24);
    let h = SIGNALS.len() as u16 + 3;
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = SIGNALS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let style = if i == selected { theme.selected } else { theme.text };
            Line::styled(format!(" {:<9}", s.as_str()), style)
        })
        .collect();
    lines.push(Line::styled(" Enter sends · Esc cancels", theme.dim));
    f.render_widget(Paragraph::new(lines).block(block(theme, &title, true)), r);
}

pub(super) fn help(theme: &Theme, f: &mut Frame, area: Rect) {
    let rows: &[(&str, &str)] = &[
        ("→  n  space", "next step (runs it the first time)"),
        ("←  p", "previous step (re-reads, does not re-run)"),
        ("Tab / Shift-Tab", "move focus between narration and panes"),
        ("↑ ↓  PgUp PgDn", "select a process · scroll the focused pane"),
        ("k", "send the selected process a signal"),
        ("c", "fire connections at the pool"),
        ("1 2 3", "fire 1, 10 or 100 at a time"),
        ("+ -", "one worker more or fewer"),
        ("m", "next accept mode (restarts the pool)"),
        ("z", "zoom the focused pane to the full screen, and back"),
        ("f", "freeze the display (the processes go on), and thaw"),
        ("?", "this help"),
        ("q  Esc", "back to the lessons, or quit"),
        ("Ctrl-C", "quit"),
    ];
    let h = rows.len() as u16 + 4;
    let r = centered(area, 72, h);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(k, what)| Line::from(vec![Span::styled(format!(" {k:<18}"), theme.strong), Span::raw(*what)]))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(" every PID on screen is a live process; every count is what the workers did", theme.dim));
    f.render_widget(Paragraph::new(lines).block(block(theme, "keys", true)), r);
}

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}
