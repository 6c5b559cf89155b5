//! The syscalls pane: what strace printed, one call a row, newest at the bottom; the same on
//! the watch screen (one process) and the lesson screen (the lab's master and workers).

use super::pane::*;
use crate::lab::strace::SysCall;
use crate::ui::linebreak::wrap;
use crate::ui::model::{SysPane, SysRow};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
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
    let back = format!("{}{}", if t.ascii { "^" } else { "↑" }, p.scroll);
    // Read back, how far back matters more than that strace runs, then whom it traces: a
    // narrow pane drops those first, so the ↑N is never what its border cuts.
    let choices: Vec<Vec<&str>> = if p.scroll == 0 {
        vec![vec![who, &state]]
    } else if p.ended {
        vec![vec![who, &state, &back], vec![&state, &back], vec![&back]]
    } else {
        vec![vec![who, &state, &back], vec![who, &back], vec![&back]]
    };
    let room = usize::from(area.width.saturating_sub(2));
    let head = choices
        .iter()
        .map(|parts| title(t, "syscalls", parts))
        .find(|head| title_width(cx, head) <= room)
        .unwrap_or_else(|| title(t, "syscalls", choices.last().unwrap()));
    let title_w = title_width(cx, &head);
    let Some(inner) = draw_block(pane_block(cx, head), area, buf) else { return };
    let width = inner.width as usize;
    // Narrow and not zoomed, a call is said short to keep more of them in view; zoomed (or
    // 120 columns wide), whole. A call too long for a row wraps; neither zoomed nor focused,
    // onto two rows at most, the second ending in … (clone3's struct would fill the small
    // pane and hide the calls before it): z, or the focus, show it whole.
    let whole = cx.zoomed || width >= 120;
    let cap = if cx.zoomed || cx.focused { usize::MAX } else { CALL_ROWS };
    let mut calls: Vec<(String, Style, usize)> = Vec::new();
    for row in &p.lines {
        match row {
            SysRow::Call(c) => {
                // Short: fds by number only (what -yy adds is in the fds pane); the fds an
                // SCM_RIGHTS message carried keep their sockets, they are the point.
                let fd = |s: &str| if whole { s.to_string() } else { short_fd(s) };
                let passed_fd = |s: &str| if whole || width >= 80 { s.to_string() } else { short_fd(s) };
                // Short and narrow: no clock (the order is the story), to keep the fds in view.
                let time = if !whole && width < 80 {
                    String::new()
                } else {
                    format!("{} ", c.time.get(..8).unwrap_or(&c.time))
                };
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
                calls.push((s, style, cap));
            }
            // strace's own words (an error, what the rate limit held back) are read whole.
            SysRow::Note(n) => calls.push((n.clone(), t.dim, usize::MAX)),
        }
    }
    if let Some(n) = &p.note {
        calls.push((n.clone(), t.bad, usize::MAX));
    }
    if calls.is_empty() {
        calls.push((tr!("sys-attaching"), t.dim, usize::MAX));
    }
    // Scrolled back, the newest lines are left out (the note, if any, with them).
    let end = calls.len().saturating_sub(p.scroll).max(1);
    let (rows, older) = newest_rows(&calls[..end], width, inner.height as usize, t.ascii);
    for (y, line) in rows.into_iter().enumerate() {
        put(buf, inner, y as u16, line);
    }
    // The border says there are lines above (where that leaves the title whole) and below.
    if older && top_mark_fits(area, title_w) {
        border_mark(buf, area, false, t);
    }
    if end < calls.len() {
        border_mark(buf, area, true, t);
    }
}

/// Rows a call takes at most in a pane neither zoomed nor focused.
const CALL_ROWS: usize = 2;

/// The rows of the newest `lines` whose every row fits in `height`, each line wrapped to
/// `width` (its rows after the first indented) onto at most its own number of rows, and
/// whether older lines were left out. The newest alone does not always fit: its first rows
/// then, the last ending in `…` (zoomed the pane shows it whole).
fn newest_rows(
    lines: &[(String, Style, usize)],
    width: usize,
    height: usize,
    ascii: bool,
) -> (Vec<Line<'static>>, bool) {
    let mut shown: Vec<Vec<String>> = Vec::new();
    let mut used = 0;
    for (s, _, cap) in lines.iter().rev() {
        let rows = capped_wrap(s, width, *cap, ascii);
        if used + rows.len() > height && !shown.is_empty() {
            break;
        }
        used += rows.len();
        shown.push(rows);
    }
    let older = shown.len() < lines.len();
    let styles = lines.iter().rev().map(|(_, style, _)| *style);
    let mut out: Vec<Line<'static>> = Vec::new();
    for (rows, style) in shown.into_iter().zip(styles).rev() {
        for r in rows {
            out.push(Line::styled(r, style));
        }
    }
    if out.len() > height {
        out.truncate(height);
        if let Some(last) = out.last_mut() {
            let text = format!("{}{}", last, " ".repeat(width));
            *last = Line::styled(cut(&text, width, ascii), last.style);
        }
    }
    (out, older)
}

/// `s` wrapped to `width` as `newest_rows` says, onto `cap` rows at most: over that, cut by
/// width (a word-wrap would leave most of a row blank before a long argument) and the last
/// row ending in `…`.
fn capped_wrap(s: &str, width: usize, cap: usize, ascii: bool) -> Vec<String> {
    let rows = wrap(s, width, 2);
    if rows.len() <= cap || width <= 2 {
        return rows;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while out.len() < cap {
        let room = if out.is_empty() { width } else { width - 2 };
        let indent = if out.is_empty() { "" } else { "  " };
        if out.len() + 1 == cap {
            out.push(format!("{indent}{}", cut(&format!("{rest}{}", " ".repeat(width)), room, ascii)));
            break;
        }
        let at = crate::ui::linebreak::cut_at_width(rest, room);
        out.push(format!("{indent}{}", &rest[..at]));
        rest = rest[at..].trim_start();
    }
    out
}

/// `3<UNIX-STREAM:[1->2]>` as `3`: strace's -yy decoration taken off.
fn short_fd(s: &str) -> String {
    match s.split_once('<') {
        Some((n, _)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => s.to_string(),
    }
}
