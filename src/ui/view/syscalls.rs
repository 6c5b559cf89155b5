//! The syscalls pane: what strace printed, one call a row, newest at the bottom; the same on
//! the watch screen (one process) and the lesson screen (the lab's master and workers).

use super::pane::*;
use crate::lab::strace::SysCall;
use crate::ui::model::{SysPane, SysRow};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// The pane: `who` on its title, `label` names the process of each call (alias and PID).
pub(super) fn syscalls(
    p: &SysPane,
    who: &str,
    label: &dyn Fn(&SysCall) -> String,
    cx: &PaneCtx,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = cx.theme;
    let state = if p.ended { tr!("sys-stopped") } else { "strace".to_string() };
    let Some(inner) = draw_block(pane_block(cx, title(t, "syscalls", &[who, &state])), area, buf) else { return };
    let width = inner.width as usize;
    let mut rows: Vec<(String, ratatui::style::Style)> = Vec::new();
    for row in &p.lines {
        match row {
            SysRow::Call(c) => {
                // Narrow: fds by number only (what -yy adds is in the fds pane); the fds an
                // SCM_RIGHTS message carried keep their sockets, they are the point.
                let fd = |s: &str| if width < 120 { short_fd(s) } else { s.to_string() };
                let passed_fd = |s: &str| if width < 80 { short_fd(s) } else { s.to_string() };
                // Narrow: no clock (the order is the story), to keep the fds in view.
                let time = if width < 80 { String::new() } else { format!("{} ", c.time.get(..8).unwrap_or(&c.time)) };
                let mut s = format!("{time}{} {}({})", label(c), c.name, fd(&c.first));
                match &c.ret {
                    Some(r) => s.push_str(&format!(" = {}", fd(r))),
                    None => s.push_str(" …"),
                }
                if !c.passed.is_empty() {
                    let passed: Vec<String> = c.passed.iter().map(|p| passed_fd(p)).collect();
                    let key = if c.name == "sendmsg" { "sys-sent-fds" } else { "sys-got-fds" };
                    s.push_str(&format!(" {}", tr!(key, fds = passed.join(", "))));
                }
                let style = if c.passed.is_empty() { t.text } else { t.warn };
                rows.push((s, style));
            }
            SysRow::Note(n) => rows.push((n.clone(), t.dim)),
        }
    }
    if let Some(n) = &p.note {
        for w in crate::ui::linebreak::wrap(n, width, 2) {
            rows.push((w, t.bad));
        }
    }
    if rows.is_empty() {
        rows.push((tr!("sys-attaching"), t.dim));
    }
    let height = inner.height as usize;
    let skip = rows.len().saturating_sub(height);
    for (y, (s, style)) in rows.into_iter().skip(skip).enumerate() {
        put(buf, inner, y as u16, Line::styled(cut(&s, width, t.ascii), style));
    }
}

/// `3<UNIX-STREAM:[1->2]>` as `3`: strace's -yy decoration taken off.
fn short_fd(s: &str) -> String {
    match s.split_once('<') {
        Some((n, _)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => s.to_string(),
    }
}
