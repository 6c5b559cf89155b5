//! The fds pane: the fd table of the selected process, shared sockets in one colour each.

use super::pane::*;
use crate::sys::procfs::FdEntry;
use crate::ui::model::{FdTable, LabModel};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The fd table of the selected process. A socket inode that another process on screen also
/// holds is drawn in one colour per inode, the same in every process.
pub fn fds(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let Some(table) = &m.fds else {
        let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[])), area, buf) else { return };
        let arrows = if t.ascii { "Up/Down" } else { "↑/↓" };
        put(buf, inner, 0, Line::styled(tr!("select-process-for-fds", arrows = arrows), t.dim));
        return;
    };
    let who = format!("{} pid {}", table.alias, table.pid);
    let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[&who])), area, buf) else { return };
    if table.fds.is_empty() {
        put(buf, inner, 0, Line::styled(tr!("no-open-fds"), t.dim));
        return;
    }
    let height = inner.height as usize;
    let n = table.fds.len();
    // When not every fd fits, the last row says how many more there are, the border marks
    // them, and ↑/↓ (the pane focused) scroll the table.
    let window = Window::new(n, height, m.fds_scroll);
    let fd_w = table.fds.iter().map(|e| e.fd.to_string().len()).max().unwrap_or(1);
    // Align the "also ..." notes, but do not let one long path push them off the pane.
    let target_w = table.fds.iter().map(|e| text_width(&e.target)).max().unwrap_or(0).min(28);
    // When not every fd fits, the sockets another process also holds come first (what the
    // lessons are about), then the rest in fd order.
    let mut order: Vec<&FdEntry> = table.fds.iter().collect();
    if window.cut() {
        let held_elsewhere =
            |e: &FdEntry| e.socket_inode().and_then(|i| table.shared.get(&i)).is_some_and(|(_, o)| !o.is_empty());
        order.sort_by_key(|e| !held_elsewhere(e));
    }
    for (y, e) in order.into_iter().skip(window.top).take(window.shown).enumerate() {
        put(buf, inner, y as u16, fd_line(t, table, e, fd_w, target_w, inner.width as usize));
    }
    window.mark(buf, area, inner, true, t);
}

pub(super) fn fd_line<'a>(
    t: &Theme,
    table: &FdTable,
    e: &FdEntry,
    fd_w: usize,
    target_w: usize,
    width: usize,
) -> Line<'a> {
    let shared = e.socket_inode().and_then(|inode| table.shared.get(&inode));
    let target_style = shared.map(|(i, _)| t.shared_style(*i)).unwrap_or(t.text);
    let target_len = text_width(&e.target);
    let Some((_, others)) = shared.filter(|(_, others)| !others.is_empty()) else {
        return Line::from(vec![
            Span::styled(format!("fd {:>fd_w$}  ", e.fd), t.text),
            Span::styled(e.target.clone(), target_style),
        ]);
    };
    // The roomiest of three forms that names every other holder: the notes lined up, the
    // note right after the target, the same after one space; failing all three, name as
    // many holders as fit and count the rest rather than cut a name in half.
    let note = tr!("fds-also", holders = crate::i18n::list(others));
    let head = 3 + fd_w + 2 + target_len;
    let aligned = 3 + fd_w + 2 + target_w.max(target_len);
    let forms = [(aligned, 2), (head, 2), (head, 1)];
    let fits = |(start, gap): &(usize, usize)| start + gap + text_width(&note) <= width;
    let (start, gap) = forms.iter().copied().find(fits).unwrap_or(forms[1]);
    Line::from(vec![
        Span::styled(format!("fd {:>fd_w$}  ", e.fd), t.text),
        Span::styled(e.target.clone(), target_style),
        Span::raw(" ".repeat(start - head + gap)),
        Span::styled(also(others, width.saturating_sub(start + gap)), t.text),
    ])
}

/// `also W2 fd 3, master fd 6`, or `also W2 fd 3 +1` when only so much fits in `room`
/// (in Chinese `同时被 W2 fd 3、master fd 6 持有`, `同时被 W2 fd 3 等 2 处持有`).
pub(super) fn also(others: &[String], room: usize) -> String {
    let full = tr!("fds-also", holders = crate::i18n::list(others));
    if text_width(&full) <= room {
        return full;
    }
    for keep in (1..others.len()).rev() {
        let holders = crate::i18n::list(&others[..keep]);
        let s = tr!("fds-also-some", holders = holders, more = others.len() - keep, n = others.len());
        if text_width(&s) <= room {
            return s;
        }
    }
    tr!("fds-also-count", n = others.len())
}
