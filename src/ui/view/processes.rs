//! The processes pane: the tree of live (and just-exited) processes with their ids and state.

use super::pane::*;
use crate::ui::model::{LabModel, ProcRow};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// From this pane width on, the processes pane also shows each process's cwd and stdio.
pub(super) const WIDE: u16 = 140;

// The columns of the processes pane after the tree, in display order: the ones a lesson's
// front matter names (`columns = [...]`), so what it keeps and what is drawn are one type.
use crate::lesson::ProcColumn as Col;

impl Col {
    const ALL: [Col; 10] =
        [Col::Pid, Col::Ppid, Col::Pgid, Col::Sid, Col::Tty, Col::State, Col::Threads, Col::Cpu, Col::Rss, Col::Acc];
    /// Which columns go first when the pane is narrow, least important first. The tree, PID
    /// and PPID always stay: they are what every lesson talks about; ACC (which worker took the
    /// connections) goes only after STATE and CPU. A lesson's `columns` go last of all.
    const DROP_ORDER: [Col; 8] =
        [Col::Sid, Col::Pgid, Col::Rss, Col::Threads, Col::Tty, Col::Cpu, Col::State, Col::Acc];

    /// DROP_ORDER with the lesson's own columns moved to its end, in the lesson's order.
    fn drop_order(keep: &[Col]) -> Vec<Col> {
        let mut order: Vec<Col> = Col::DROP_ORDER.into_iter().filter(|c| !keep.contains(c)).collect();
        order.extend(keep.iter().copied().filter(|c| Col::DROP_ORDER.contains(c)));
        order
    }

    /// The kernel's names (PID, PPID, PGID, SID, TTY, CPU%, RSS) stay in every language; the
    /// words are the catalogue's.
    fn header(self) -> String {
        match self {
            Col::Pid => "PID".into(),
            Col::Ppid => "PPID".into(),
            Col::Pgid => "PGID".into(),
            Col::Sid => "SID".into(),
            Col::Tty => "TTY".into(),
            Col::State => tr!("col-state"),
            Col::Threads => tr!("col-threads"),
            Col::Cpu => "CPU%".into(),
            Col::Rss => "RSS MiB".into(),
            Col::Acc => tr!("col-accepted"),
        }
    }

    fn right_aligned(self) -> bool {
        !matches!(self, Col::Tty | Col::State)
    }

    fn cell(self, p: &ProcRow) -> String {
        // An exited process has no threads, CPU or memory any more: blank rather than the
        // last sample, so the row does not pretend to be alive.
        let gone = p.exit.is_some();
        match self {
            Col::Pid => p.pid.to_string(),
            Col::Ppid => p.ppid.to_string(),
            // An exit that came before any sample of it leaves these unknown (0 is no process
            // group or session of a user process): blank, not a made-up 0.
            Col::Pgid | Col::Sid if gone && p.pgid == 0 => String::new(),
            Col::Pgid => p.pgid.to_string(),
            Col::Sid => p.sid.to_string(),
            Col::Tty => p.tty.clone(),
            Col::State => match &p.exit {
                Some(status) => status.clone(),
                None => p.state.to_string(),
            },
            Col::Threads if gone => String::new(),
            Col::Threads => p.threads.to_string(),
            Col::Cpu if gone => String::new(),
            Col::Cpu => format!("{:.1}", p.cpu),
            Col::Rss if gone => String::new(),
            Col::Rss => format!("{:.1}", p.rss_kib as f64 / 1024.0),
            Col::Acc if p.unreported => "?".into(),
            Col::Acc => p.accepted.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

/// The process tree with alias, PID, PPID, PGID, SID, TTY, state, threads, CPU, RSS and
/// connections accepted; exited rows show their status as waitpid gave it.
pub fn processes(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let procs = &m.procs;
    let rows = procs.len();
    let inner_h = area.intersection(*buf.area()).height.saturating_sub(3) as usize; // borders + header
    let first = first_visible(m.selected.min(rows.saturating_sub(1)), inner_h, rows);
    let mut block = pane_block(cx, title(t, "processes", &[]));
    if rows > inner_h && inner_h > 0 {
        let last = (first + inner_h).min(rows);
        let dash = if t.ascii { "-" } else { "–" };
        let shown = tr!("rows-shown", first = first + 1, dash = dash, last = last, rows = rows);
        block = block.title_bottom(Line::from(format!(" {shown} ")).right_aligned());
    }
    // An earlier pool's exited processes, counted rather than listed.
    if m.earlier_exited > 0 {
        block =
            block.title_bottom(Line::styled(format!(" {} ", tr!("procs-earlier-exited", n = m.earlier_exited)), t.dim));
    }
    // An orphaned worker's `?`, said once under the pane.
    if procs.iter().any(|p| p.unreported) {
        block = block.title_bottom(Line::styled(format!(" {} ", tr!("acc-unreported")), t.dim));
    }
    // No left padding here: the selection marker takes that column.
    let Some(full) = draw_block_unpadded(block, area, buf) else { return };
    let mut inner = full;
    if inner.width >= MIN_PADDED {
        inner.width -= 1;
    }
    if procs.is_empty() {
        put(buf, inner, 0, Line::styled(format!(" {}", tr!("no-processes-yet")), t.dim));
        return;
    }

    let width = inner.width as usize;
    let prefixes = tree_prefixes(procs, t.ascii);
    let names: Vec<String> = procs.iter().zip(&prefixes).map(|(p, pre)| format!("{pre}{}", p.alias)).collect();
    let process = tr!("col-process");
    let name_w = names.iter().map(|s| text_width(s)).chain([text_width(&process)]).max().unwrap_or(0);
    let cells: Vec<Vec<String>> = procs.iter().map(|p| Col::ALL.iter().map(|c| c.cell(p)).collect()).collect();
    let col_w: Vec<usize> = Col::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| text_width(&r[i])).chain([text_width(&c.header())]).max().unwrap_or(0))
        .collect();

    let (shown, gap, used) = fit(name_w, &col_w, width, &Col::drop_order(cx.keep));
    let extra = if area.width >= WIDE { extra_columns(procs, width.saturating_sub(used), gap) } else { Vec::new() };

    // With single gaps, spend the spare cells widening gaps from the left, so the columns
    // spread out instead of leaving a ragged strip at the right.
    let sep = " ".repeat(gap);
    let spare = if gap == 1 { width.saturating_sub(used) } else { 0 };
    let cols: Vec<(usize, Col, &str)> = Col::ALL
        .iter()
        .enumerate()
        .filter(|(k, _)| shown[*k])
        .enumerate()
        .map(|(j, (k, c))| (k, *c, if j < spare { "  " } else { sep.as_str() }))
        .collect();
    let mut header = vec![Span::raw("  "), Span::raw(pad_right(&process, name_w))];
    for (k, c, sep) in &cols {
        header.push(Span::raw(format!("{sep}{}", align(&c.header(), col_w[*k], c.right_aligned()))));
    }
    for (h, w, _) in &extra {
        header.push(Span::raw(format!("{sep}{}", pad_right(h, *w))));
    }
    put(buf, inner, 0, Line::from(header).style(t.strong));

    let visible = (inner.height as usize).saturating_sub(1);
    for (row, i) in (first..rows).take(visible).enumerate() {
        let p = &procs[i];
        let y = row as u16 + 1;
        let selected = i == m.selected;
        // A clean `exit 0` (a pool stopped on purpose) is quiet; a signal or an error code is red.
        let base = if p.exit.as_deref() == Some("exit 0") {
            t.dim
        } else if p.exit.is_some() {
            t.gone
        } else if p.fresh {
            t.fresh
        } else {
            t.text
        };
        let style = if selected && cx.focused { base.patch(t.selected) } else { base };
        let glyph_style = if selected && cx.focused { style } else { t.dim };
        if selected && cx.focused {
            buf.set_style(Rect { y: full.y + y, height: 1, ..full }, t.selected);
        }
        let mut spans = vec![
            Span::styled(if selected { "> " } else { "  " }, style),
            Span::styled(prefixes[i].clone(), glyph_style),
            Span::styled(pad_right(&p.alias, name_w - text_width(&prefixes[i])), style),
        ];
        for (k, c, sep) in &cols {
            spans.push(Span::styled(format!("{sep}{}", align(&cells[i][*k], col_w[*k], c.right_aligned())), style));
        }
        for (_, w, texts) in &extra {
            spans.push(Span::styled(format!("{sep}{}", pad_right(&cut(&texts[i], *w, t.ascii), *w)), style));
        }
        put(buf, inner, y, Line::from(spans));
    }
}

/// The widest layout that fits `width`: every column with two spaces between, then one space,
/// then without columns in DROP_ORDER. The marker takes two cells: `> `. Returns the columns
/// shown, the gap, and the width used.
fn fit(name_w: usize, col_w: &[usize], width: usize, drop_order: &[Col]) -> ([bool; 10], usize, usize) {
    let layout_width = |shown: &[bool], gap: usize| {
        2 + name_w + Col::ALL.iter().enumerate().filter(|(i, _)| shown[*i]).map(|(i, _)| gap + col_w[i]).sum::<usize>()
    };
    let mut shown = [true; 10];
    let mut to_drop = drop_order.iter();
    let gap = loop {
        if layout_width(&shown, 2) <= width {
            break 2;
        }
        if layout_width(&shown, 1) <= width {
            break 1;
        }
        match to_drop.next() {
            Some(col) => shown[Col::ALL.iter().position(|c| c == col).unwrap_or(0)] = false,
            // Still too wide: the row is cut at the border.
            None => break 1,
        }
    };
    (shown, gap, layout_width(&shown, gap))
}

/// cwd and stdio, the daemon lesson's proof that it left the terminal, only when there is
/// `room` for them: (header, width, cells).
fn extra_columns(procs: &[ProcRow], mut room: usize, gap: usize) -> Vec<(&'static str, usize, Vec<String>)> {
    let cwd_w = procs.iter().filter_map(|p| p.cwd.as_deref()).map(text_width).max();
    let stdio: Vec<Option<String>> = procs.iter().map(|p| p.stdio.as_ref().map(stdio_text)).collect();
    let stdio_w = stdio.iter().flatten().map(|s| text_width(s)).max();
    let mut extra = Vec::new();
    if let Some(w) = cwd_w {
        let w = w.clamp(3, 32).min(room.saturating_sub(gap));
        if w >= 3 {
            room -= gap + w;
            extra.push(("CWD", w, procs.iter().map(|p| p.cwd.clone().unwrap_or_default()).collect::<Vec<_>>()));
        }
    }
    if let Some(w) = stdio_w {
        let w = w.max(5).min(room.saturating_sub(gap));
        if w >= 5 {
            extra.push(("STDIO", w, stdio.into_iter().map(Option::unwrap_or_default).collect()));
        }
    }
    extra
}

/// The first row to draw so that the selected row is on screen.
pub(super) fn first_visible(selected: usize, visible: usize, rows: usize) -> usize {
    if visible == 0 || rows <= visible { 0 } else { (selected + 1).saturating_sub(visible).min(rows - visible) }
}

/// Tree glyphs before each alias: `│  ├─ ` and so on. A row gets `├─` when a later row is
/// its sibling (same depth, before the tree climbs above it), `└─` when it is the last one;
/// each ancestor level carries a `│` while that ancestor still has siblings to come.
pub(super) fn tree_prefixes(procs: &[ProcRow], ascii: bool) -> Vec<String> {
    let (pipe, tee, elbow) = if ascii { ("|  ", "|- ", "`- ") } else { ("│  ", "├─ ", "└─ ") };
    let has_later_sibling =
        |i: usize, level: u8| procs[i + 1..].iter().map(|p| p.depth).take_while(|d| *d >= level).any(|d| d == level);
    procs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut s = String::new();
            for level in 1..p.depth {
                s.push_str(if has_later_sibling(i, level) { pipe } else { "   " });
            }
            if p.depth > 0 {
                s.push_str(if has_later_sibling(i, p.depth) { tee } else { elbow });
            }
            s
        })
        .collect()
}

/// `0:/dev/null 1:/dev/null 2:/dev/null`, the targets of fds 0, 1 and 2.
pub(super) fn stdio_text(stdio: &[String; 3]) -> String {
    format!("0:{} 1:{} 2:{}", stdio[0], stdio[1], stdio[2])
}
