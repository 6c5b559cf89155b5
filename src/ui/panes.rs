//! The live panes: processes, cores, connections, events and fds. Each one draws a bordered
//! block from `&LabModel` into a buffer and reads nothing else: no syscalls, no clock, no
//! mutation (STYLE.md, habit 2), so every pane can be tested from a fixed model as text.
//!
//! Every pane clips to the area it is given and never panics, down to 1x1: the lesson
//! screen lays them out however the terminal is sized, and a pane that is too small simply
//! shows less.

use crate::sys::procfs::FdEntry;
use crate::ui::model::{ConnRow, FdTable, LabModel, LogKind, LogLine, ProcRow};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// What every pane needs besides the model: how to look, and whether it has the focus.
#[derive(Debug, Clone, Copy)]
pub struct PaneCtx<'a> {
    pub theme: &'a Theme,
    pub focused: bool,
}

/// From this pane width on, the processes pane also shows each process's cwd and stdio.
const WIDE: u16 = 140;
/// Panes whose inside is at least this wide keep a blank column next to each border.
const MIN_PADDED: u16 = 20;
/// Bars longer than this only move the figures away from the labels they belong to.
const MAX_BAR: usize = 60;

// ---------------------------------------------------------------------------------------
// processes

/// The columns of the processes pane after the tree, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Pid,
    Ppid,
    Pgid,
    Sid,
    Tty,
    State,
    Thr,
    Cpu,
    Rss,
    Acc,
}

impl Col {
    const ALL: [Col; 10] =
        [Col::Pid, Col::Ppid, Col::Pgid, Col::Sid, Col::Tty, Col::State, Col::Thr, Col::Cpu, Col::Rss, Col::Acc];
    /// Which columns go first when the pane is narrow, least important first. The tree,
    /// PID, PPID and state always stay: they are what every lesson talks about.
    const DROP_ORDER: [Col; 7] = [Col::Sid, Col::Pgid, Col::Rss, Col::Thr, Col::Tty, Col::Acc, Col::Cpu];

    fn header(self) -> &'static str {
        match self {
            Col::Pid => "PID",
            Col::Ppid => "PPID",
            Col::Pgid => "PGID",
            Col::Sid => "SID",
            Col::Tty => "TTY",
            Col::State => "STATE",
            Col::Thr => "THR",
            Col::Cpu => "CPU%",
            Col::Rss => "RSS MiB",
            Col::Acc => "ACC",
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
            Col::Pgid => p.pgid.to_string(),
            Col::Sid => p.sid.to_string(),
            Col::Tty => p.tty.clone(),
            Col::State => match &p.exit {
                Some(status) => status.clone(),
                None => p.state.to_string(),
            },
            Col::Thr if gone => String::new(),
            Col::Thr => p.threads.to_string(),
            Col::Cpu if gone => String::new(),
            Col::Cpu => format!("{:.1}", p.cpu),
            Col::Rss if gone => String::new(),
            Col::Rss => format!("{:.1}", p.rss_kib as f64 / 1024.0),
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
        block = block.title_bottom(Line::from(format!(" {}{dash}{} of {rows} ", first + 1, last)).right_aligned());
    }
    // No left padding here: the selection marker takes that column.
    let Some(full) = draw_block_unpadded(block, area, buf) else { return };
    let mut inner = full;
    if inner.width >= MIN_PADDED {
        inner.width -= 1;
    }
    if procs.is_empty() {
        put(buf, inner, 0, Line::styled(" no processes yet", t.dim));
        return;
    }

    let width = inner.width as usize;
    let prefixes = tree_prefixes(procs, t.ascii);
    let names: Vec<String> = procs.iter().zip(&prefixes).map(|(p, pre)| format!("{pre}{}", p.alias)).collect();
    let name_w = names.iter().map(|s| text_width(s)).chain([text_width("PROCESS")]).max().unwrap_or(0);
    let cells: Vec<Vec<String>> = procs.iter().map(|p| Col::ALL.iter().map(|c| c.cell(p)).collect()).collect();
    let col_w: Vec<usize> = Col::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| text_width(&r[i])).chain([text_width(c.header())]).max().unwrap_or(0))
        .collect();

    // The widest layout that fits: every column with two spaces between, then one space,
    // then drop columns in DROP_ORDER. The marker takes two cells: `> `.
    let layout_width = |shown: &[bool], gap: usize| {
        2 + name_w + Col::ALL.iter().enumerate().filter(|(i, _)| shown[*i]).map(|(i, _)| gap + col_w[i]).sum::<usize>()
    };
    let mut shown = [true; 10];
    let mut to_drop = Col::DROP_ORDER.iter();
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

    // cwd and stdio, the daemon lesson's proof that it left the terminal, only when there
    // is room for them.
    let used = layout_width(&shown, gap);
    let cwd_w = procs.iter().filter_map(|p| p.cwd.as_deref()).map(text_width).max();
    let stdio: Vec<Option<String>> = procs.iter().map(|p| p.stdio.as_ref().map(stdio_text)).collect();
    let stdio_w = stdio.iter().flatten().map(|s| text_width(s)).max();
    let mut extra = Vec::new(); // (header, width, cells)
    if area.width >= WIDE {
        let mut room = width.saturating_sub(used);
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
    }

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
    let mut header = vec![Span::raw("  "), Span::raw(pad_right("PROCESS", name_w))];
    for (k, c, sep) in &cols {
        header.push(Span::raw(format!("{sep}{}", align(c.header(), col_w[*k], c.right_aligned()))));
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

/// The first row to draw so that the selected row is on screen.
fn first_visible(selected: usize, visible: usize, rows: usize) -> usize {
    if visible == 0 || rows <= visible { 0 } else { (selected + 1).saturating_sub(visible).min(rows - visible) }
}

/// Tree glyphs before each alias: `│  ├─ ` and so on. A row gets `├─` when a later row is
/// its sibling (same depth, before the tree climbs above it), `└─` when it is the last one;
/// each ancestor level carries a `│` while that ancestor still has siblings to come.
fn tree_prefixes(procs: &[ProcRow], ascii: bool) -> Vec<String> {
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
fn stdio_text(stdio: &[String; 3]) -> String {
    format!("0:{} 1:{} 2:{}", stdio[0], stdio[1], stdio[2])
}

// ---------------------------------------------------------------------------------------
// cores

/// Each core's usage now as a bar, and its recent history as a sparkline, newest at the right.
pub fn cores(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let Some(inner) = draw_block(pane_block(cx, title(t, "cores", &[])), area, buf) else { return };
    if m.cores.is_empty() {
        put(buf, inner, 0, Line::styled("no samples yet", t.dim));
        return;
    }
    let n = m.cores.len();
    let height = inner.height as usize;
    let shown = if n > height { height.saturating_sub(1) } else { n };
    let label_w = text_width(&format!("cpu{}", n - 1));
    let width = inner.width as usize;
    // cpu0 [bar] 100%  spark
    let fixed = label_w + 1 + 2 + 1 + 4;
    let room = width.saturating_sub(fixed);
    let spark_w = if room >= 12 { (room / 2).min(crate::ui::model::CORE_HISTORY) } else { 0 };
    let bar_w = room.saturating_sub(if spark_w > 0 { spark_w + 2 } else { 0 }).min(MAX_BAR);
    let glyphs = t.spark();

    for (row, core) in m.cores.iter().take(shown).enumerate() {
        let now = core.now().clamp(0.0, 100.0);
        let label = pad_right(&format!("cpu{row}"), label_w);
        let mut spans = vec![Span::styled(label, t.text), Span::raw(" ")];
        if bar_w > 0 {
            let filled = ((now / 100.0) * bar_w as f32).round() as usize;
            spans.push(Span::styled("[", t.dim));
            spans.push(Span::styled(t.bar_full().repeat(filled.min(bar_w)), t.bar));
            spans.push(Span::raw(" ".repeat(bar_w - filled.min(bar_w))));
            spans.push(Span::styled("]", t.dim));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(format!("{:>3.0}%", now), t.text));
        if spark_w > 0 {
            let samples: Vec<f32> = core.samples.iter().rev().take(spark_w).rev().copied().collect();
            let mut spark = " ".repeat(spark_w - samples.len());
            for v in samples {
                let level = (v.clamp(0.0, 100.0) / 100.0 * (glyphs.len() - 1) as f32).round() as usize;
                spark.push_str(glyphs[level.min(glyphs.len() - 1)]);
            }
            spans.push(Span::raw("  "));
            spans.push(Span::styled(spark, t.bar));
        }
        put(buf, inner, row as u16, Line::from(spans));
    }
    if shown < n {
        put(buf, inner, shown as u16, Line::styled(format!("+{} more", n - shown), t.dim));
    }
}

// ---------------------------------------------------------------------------------------
// connections

/// Who served what: a bar per worker with its count and share, the totals, and the latest
/// connections. The accept mode and the port are on the title.
pub fn connections(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let c = &m.conns;
    let mode = c.mode.map(|mode| mode.name().to_string());
    let port = c.port.map(|p| format!("127.0.0.1:{p}"));
    let parts: Vec<&str> = mode.iter().chain(port.iter()).map(String::as_str).collect();
    let Some(inner) = draw_block(pane_block(cx, title(t, "connections", &parts)), area, buf) else { return };
    let height = inner.height as usize;
    let width = inner.width as usize;

    let mut workers: Vec<(&String, u64)> = c.per_worker.iter().map(|(k, v)| (k, *v)).collect();
    workers.sort_by(|a, b| natural_key(a.0).cmp(&natural_key(b.0)));
    let total: u64 = workers.iter().map(|w| w.1).sum();
    let nothing_yet = total == 0 && c.fired == 0 && c.recent.is_empty();
    if nothing_yet && workers.is_empty() {
        let dash = if t.ascii { "-" } else { "—" };
        put(buf, inner, 0, Line::styled(format!("no connections yet {dash} press c to fire"), t.dim));
        return;
    }

    // Bars first, then the totals, then the latest connections in what is left.
    let bars_shown = if workers.len() < height { workers.len() } else { height.saturating_sub(2) };
    let mut y = 0usize;
    let label_w = workers.iter().map(|w| text_width(w.0)).max().unwrap_or(0);
    let max = workers.iter().map(|w| w.1).max().unwrap_or(0);
    let count_w = max.to_string().len();
    let bar_w = width.saturating_sub(label_w + 1 + 1 + count_w + 2 + 4).min(MAX_BAR);
    for (name, count) in workers.iter().take(bars_shown) {
        // Scale to the busiest worker; a worker that served any connection gets a cell.
        let filled = if max == 0 || *count == 0 {
            0
        } else {
            ((*count as f64 / max as f64 * bar_w as f64).round() as usize).clamp(1, bar_w.max(1))
        };
        let share = if total == 0 { 0 } else { (*count as f64 * 100.0 / total as f64).round() as u64 };
        let mut spans = vec![Span::styled(pad_right(name, label_w), t.text), Span::raw(" ")];
        if bar_w > 0 {
            spans.push(Span::styled(t.bar_full().repeat(filled.min(bar_w)), t.bar));
            spans.push(Span::raw(" ".repeat(bar_w - filled.min(bar_w) + 1)));
        }
        spans.push(Span::styled(format!("{count:>count_w$}  {share:>3}%"), t.text));
        put(buf, inner, y as u16, Line::from(spans));
        y += 1;
    }
    if bars_shown < workers.len() && y + 1 < height {
        put(buf, inner, y as u16, Line::styled(format!("+{} more workers", workers.len() - bars_shown), t.dim));
        y += 1;
    }

    let dot = if t.ascii { " - " } else { " · " };
    let failed_style = if c.failed > 0 { t.bad } else { t.text };
    // The client's tally for this pool; when only others connected (curl, a lesson's load),
    // what the workers accepted.
    let totals = if c.fired == 0 && total > 0 {
        Line::styled(format!("accepted {total}, from any client"), t.text)
    } else {
        Line::from(vec![
            Span::styled(format!("fired {}{dot}completed {}{dot}", c.fired, c.completed), t.text),
            Span::styled(format!("failed {}", c.failed), failed_style),
        ])
    };
    put(buf, inner, y as u16, totals);
    y += 1;

    if nothing_yet {
        let dash = if t.ascii { "-" } else { "—" };
        put(buf, inner, y as u16, Line::styled(format!("no connections yet {dash} press c to fire"), t.dim));
        return;
    }
    if c.recent.is_empty() || y + 1 >= height {
        return;
    }
    put(buf, inner, y as u16, Line::styled("latest", t.dim));
    y += 1;
    let room = height.saturating_sub(y);
    let recent: Vec<&ConnRow> = c.recent.iter().rev().take(room).collect();
    let n_w = recent.iter().map(|r| r.n.to_string().len()).max().unwrap_or(0);
    let worker_w =
        recent.iter().filter_map(|r| r.worker.as_deref()).map(text_width).chain([label_w]).max().unwrap_or(0);
    for r in recent {
        let line = match (&r.worker, &r.error) {
            (Some(w), None) => Line::styled(
                format!("#{:<n_w$}  {}  {:>5.2} ms", r.n, pad_right(w, worker_w), r.latency_us as f64 / 1000.0),
                t.text,
            ),
            (_, err) => {
                let why = err.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
                Line::styled(format!("#{:<n_w$}  failed{why}", r.n), t.bad)
            }
        };
        put(buf, inner, y as u16, line);
        y += 1;
    }
}

/// Sort key that puts W2 before W10.
fn natural_key(s: &str) -> (&str, u64, &str) {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_digit());
    (digits, s[digits.len()..].parse().unwrap_or(0), s)
}

// ---------------------------------------------------------------------------------------
// events

/// The tail of the event log, or the part the user scrolled back to. Long lines wrap, with
/// their continuation indented so each event still reads as one.
pub fn events(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let lines: Vec<&LogLine> = m.log.lines.iter().collect();
    log_pane(&lines, m.log.scroll, "events", "no events yet", cx, area, buf);
}

/// The messages between the processes only: from, to, bytes and fds attached.
pub fn ipc(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let lines: Vec<&LogLine> = m.log.lines.iter().filter(|l| l.kind == LogKind::Ipc).collect();
    log_pane(&lines, 0, "ipc", "no messages yet", cx, area, buf);
}

fn log_pane(lines: &[&LogLine], scroll: usize, name: &str, empty: &str, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
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
    let mut rows: Vec<(String, Style)> = Vec::new();
    for line in lines.iter().take(lines.len() - scroll).rev() {
        let style = log_style(t, line);
        for row in wrap(&line.text, width, 2).into_iter().rev() {
            rows.push((row, style));
        }
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    for (y, (text, style)) in rows.into_iter().rev().enumerate() {
        put(buf, inner, y as u16, Line::styled(text, style));
    }
}

fn log_style(t: &Theme, line: &LogLine) -> Style {
    match line.kind {
        LogKind::Life => t.text,
        LogKind::Exit => t.dim,
        LogKind::Bad | LogKind::Fail => t.bad,
        LogKind::Ipc => t.warn,
        LogKind::Conn => t.good,
        LogKind::Lesson => t.heading,
    }
}

/// Greedy word wrap into rows of at most `width` cells; rows after the first are indented
/// by `indent` (when the width leaves room for it). A word longer than a row is split.
fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    if width == 0 {
        return Vec::new();
    }
    let indent = if width > indent + 4 { indent } else { 0 };
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    let room = |rows: &Vec<String>| if rows.is_empty() { width } else { width - indent };
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let ww = text_width(word);
        let need = if used == 0 { ww } else { used + 1 + ww };
        if need <= room(&rows) {
            if used > 0 {
                row.push(' ');
            }
            row.push_str(word);
            used = need;
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        // The word starts a new row; split it if even a whole row cannot hold it.
        for ch in word.chars() {
            let cw = char_width(ch);
            if used + cw > room(&rows) && used > 0 {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push(ch);
            used += cw;
        }
    }
    if used > 0 || rows.is_empty() {
        rows.push(row);
    }
    let pad = " ".repeat(indent);
    rows.into_iter().enumerate().map(|(i, r)| if i == 0 { r } else { format!("{pad}{r}") }).collect()
}

// ---------------------------------------------------------------------------------------
// fds

/// The fd table of the selected process. A socket inode that another process on screen also
/// holds is drawn in one colour per inode, the same in every process.
pub fn fds(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let Some(table) = &m.fds else {
        let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[])), area, buf) else { return };
        let arrows = if t.ascii { "Up/Down" } else { "↑/↓" };
        put(buf, inner, 0, Line::styled(format!("select a process ({arrows}) to see its fds"), t.dim));
        return;
    };
    let who = format!("{} pid {}", table.alias, table.pid);
    let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[&who])), area, buf) else { return };
    if table.fds.is_empty() {
        put(buf, inner, 0, Line::styled("no open fds", t.dim));
        return;
    }
    let height = inner.height as usize;
    let n = table.fds.len();
    let shown = if n > height { height.saturating_sub(1) } else { n };
    let fd_w = table.fds.iter().map(|e| e.fd.to_string().len()).max().unwrap_or(1);
    // Align the "also ..." notes, but do not let one long path push them off the pane.
    let target_w = table.fds.iter().map(|e| text_width(&e.target)).max().unwrap_or(0).min(28);
    for (y, e) in table.fds.iter().take(shown).enumerate() {
        put(buf, inner, y as u16, fd_line(t, table, e, fd_w, target_w, inner.width as usize));
    }
    if shown < n {
        put(buf, inner, shown as u16, Line::styled(format!("+{} more", n - shown), t.dim));
    }
}

fn fd_line<'a>(t: &Theme, table: &FdTable, e: &FdEntry, fd_w: usize, target_w: usize, width: usize) -> Line<'a> {
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
    let note = format!("also {}", others.join(", "));
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

/// `also W2 fd 3, master fd 6`, or `also W2 fd 3 +1` when only so much fits in `room`.
fn also(others: &[String], room: usize) -> String {
    let full = format!("also {}", others.join(", "));
    if text_width(&full) <= room {
        return full;
    }
    for keep in (1..others.len()).rev() {
        let s = format!("also {} +{}", others[..keep].join(", "), others.len() - keep);
        if text_width(&s) <= room {
            return s;
        }
    }
    format!("also +{}", others.len())
}

// ---------------------------------------------------------------------------------------
// shared drawing helpers

/// ` name · part · part `, in the theme's title style over the terminal's own foreground (so
/// the title does not take the border's dim colour).
fn title<'a>(t: &Theme, name: &str, parts: &[&str]) -> Line<'a> {
    let dot = if t.ascii { " - " } else { " · " };
    let mut s = format!(" {name}");
    for p in parts {
        s.push_str(dot);
        s.push_str(p);
    }
    s.push(' ');
    Line::styled(s, Style::new().fg(Color::Reset).patch(t.title))
}

fn pane_block<'a>(cx: &PaneCtx, title: Line<'a>) -> Block<'a> {
    let border = if cx.focused { cx.theme.border_focused } else { cx.theme.border };
    Block::bordered().border_set(cx.theme.border_set()).border_style(border).title(title)
}

/// Draws the block clipped to the buffer and returns the area inside it, with a column of
/// padding on each side when the pane is wide enough to spare it; None when nothing fits.
fn draw_block(block: Block, area: Rect, buf: &mut Buffer) -> Option<Rect> {
    let inner = draw_block_unpadded(block, area, buf)?;
    Some(if inner.width >= MIN_PADDED { Rect { x: inner.x + 1, width: inner.width - 2, ..inner } } else { inner })
}

fn draw_block_unpadded(block: Block, area: Rect, buf: &mut Buffer) -> Option<Rect> {
    let area = area.intersection(*buf.area());
    if area.is_empty() {
        return None;
    }
    let inner = block.inner(area);
    block.render(area, buf);
    (!inner.is_empty()).then_some(inner)
}

/// Draws one line at row `y` of `inner`, cut at its right edge; rows below are ignored.
fn put(buf: &mut Buffer, inner: Rect, y: u16, line: Line) {
    if y < inner.height {
        buf.set_line(inner.x, inner.y + y, &line, inner.width);
    }
}

fn text_width(s: &str) -> usize {
    Span::raw(s).width()
}

fn char_width(c: char) -> usize {
    let mut b = [0u8; 4];
    text_width(c.encode_utf8(&mut b))
}

fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(text_width(s))))
}

fn align(s: &str, w: usize, right: bool) -> String {
    if right { format!("{}{s}", " ".repeat(w.saturating_sub(text_width(s)))) } else { pad_right(s, w) }
}

/// `s` cut to `w` cells, ending in `…` (`~` in ASCII) when it was cut.
fn cut(s: &str, w: usize, ascii: bool) -> String {
    if text_width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let cw = char_width(ch);
        if used + cw > w - 1 {
            break;
        }
        out.push(ch);
        used += cw;
    }
    out.push_str(if ascii { "~" } else { "…" });
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::proto::mode::Mode;
    use crate::ui::model::{Connections, CoreHistory, EventLog, Role};
    use crate::ui::theme::ThemeName;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Modifier;
    use std::collections::BTreeMap;

    type Pane = fn(&LabModel, &PaneCtx, Rect, &mut Buffer);
    const PANES: [(&str, Pane); 5] =
        [("processes", processes), ("cores", cores), ("connections", connections), ("events", events), ("fds", fds)];

    fn proc_row(depth: u8, role: Role, alias: &str, pid: i32, ppid: i32, pgid: i32) -> ProcRow {
        ProcRow {
            depth,
            role,
            alias: alias.to_string(),
            pid,
            ppid,
            pgid,
            sid: 3021,
            tty: "pts/3".to_string(),
            state: 'S',
            threads: 1,
            cpu: 0.0,
            rss_kib: 2150,
            accepted: None,
            cwd: None,
            stdio: None,
            exit: None,
            fresh: false,
        }
    }

    fn history(f: impl Fn(usize) -> f32) -> CoreHistory {
        let mut h = CoreHistory::default();
        for i in 0..crate::ui::model::CORE_HISTORY {
            h.push(f(i));
        }
        h
    }

    /// A pool of four workers in rr mode, a moment after W3 was killed and W4 added.
    pub(crate) fn sample() -> LabModel {
        let pts = || Some(["/dev/pts/3".to_string(), "/dev/pts/3".to_string(), "/dev/pts/3".to_string()]);
        let cwd = || Some("/home/learner/forklab".to_string());
        let mut app = proc_row(0, Role::App, "forklab", 48100, 3021, 48100);
        app.threads = 4;
        app.cpu = 1.2;
        app.rss_kib = 9830;
        app.cwd = cwd();
        app.stdio = pts();
        let mut master = proc_row(1, Role::Master, "master", 48107, 48100, 48107);
        master.cpu = 0.3;
        master.rss_kib = 3174;
        master.cwd = cwd();
        master.stdio = Some(["/dev/null".to_string(), "/dev/pts/3".to_string(), "/dev/pts/3".to_string()]);
        let worker = |alias: &str, pid: i32, cpu: f32, accepted: u64| {
            let mut w = proc_row(2, Role::Worker, alias, pid, 48107, 48107);
            w.cpu = cpu;
            w.accepted = Some(accepted);
            w.cwd = master.cwd.clone();
            w.stdio = master.stdio.clone();
            w
        };
        let w1 = worker("W1", 48112, 12.4, 41);
        let mut w2 = worker("W2", 48113, 38.0, 27);
        w2.state = 'R';
        w2.rss_kib = 2496;
        let mut w3 = worker("W3", 48114, 0.0, 9);
        w3.state = 'X';
        w3.exit = Some("SIGKILL".to_string());
        w3.fresh = true;
        let mut w4 = worker("W4", 48131, 2.5, 3);
        w4.fresh = true;
        let mut client = proc_row(1, Role::Client, "client", 48120, 48100, 48100);
        client.threads = 8;
        client.cpu = 5.0;
        client.rss_kib = 4710;
        client.cwd = cwd();
        client.stdio = master.stdio.clone();

        let mut per_worker = BTreeMap::new();
        for (w, n) in [("W1", 41), ("W2", 27), ("W3", 9), ("W4", 3)] {
            per_worker.insert(w.to_string(), n);
        }
        let mut recent = std::collections::VecDeque::new();
        for n in 71..=82u64 {
            let (worker, error) = match n {
                79 => (None, Some("reset".to_string())),
                _ => (Some(["W1", "W2", "W4", "W1"][n as usize % 4].to_string()), None),
            };
            recent.push_back(ConnRow { n, worker, latency_us: 180 + (n * 37 % 500), error });
        }
        let conns = Connections {
            mode: Some(Mode::Rr),
            port: Some(8090),
            per_worker,
            recent,
            fired: 82,
            completed: 81,
            failed: 1,
        };

        let mut log = EventLog::default();
        let texts: [(LogKind, &str); 30] = [
            (LogKind::Lesson, "step 1/6: one master, four workers"),
            (LogKind::Life, "forklab pid 48100 started (subreaper)"),
            (LogKind::Life, "master pid 48107 spawned by forklab"),
            (LogKind::Life, "master listening on 127.0.0.1:8090 (mode rr)"),
            (LogKind::Life, "W1 pid 48112 forked by master"),
            (LogKind::Life, "W2 pid 48113 forked by master"),
            (LogKind::Life, "W3 pid 48114 forked by master"),
            (LogKind::Ipc, "master -> W1: hello (12 bytes)"),
            (LogKind::Ipc, "master -> W2: hello (12 bytes)"),
            (LogKind::Ipc, "master -> W3: hello (12 bytes)"),
            (LogKind::Lesson, "expect: 3 workers ready — ok"),
            (LogKind::Life, "client pid 48120 spawned: 40 connections"),
            (LogKind::Ipc, "master -> W1: connection #1 fd 9 over SCM_RIGHTS (1 byte, 1 fd)"),
            (LogKind::Conn, "W1 accepted #1 from 127.0.0.1:51234"),
            (LogKind::Conn, "W2 accepted #2 from 127.0.0.1:51236"),
            (LogKind::Conn, "W3 accepted #3 from 127.0.0.1:51238"),
            (LogKind::Conn, "40 connections: W1 16 · W2 14 · W3 10"),
            (LogKind::Lesson, "step 2/6: add a worker"),
            (LogKind::Life, "W4 pid 48131 forked by master"),
            (LogKind::Lesson, "step 3/6: kill W3 with SIGKILL and watch the master respawn it"),
            (LogKind::Bad, "W3 pid 48114 killed by SIGKILL (waitpid: WIFSIGNALED, WTERMSIG 9)"),
            (LogKind::Exit, "client pid 48120 exited 0"),
            (LogKind::Bad, "connection #79 failed: reset by peer"),
            (LogKind::Life, "client pid 48120 spawned: 40 connections"),
            (LogKind::Conn, "W1 accepted #80 from 127.0.0.1:51410"),
            (LogKind::Conn, "W2 accepted #81 from 127.0.0.1:51412"),
            (LogKind::Fail, "expect failed: W3 respawned within 1 s (it was not: backoff 2 s)"),
            (LogKind::Ipc, "master -> W4: connection #82 fd 11 over SCM_RIGHTS (1 byte, 1 fd)"),
            (LogKind::Conn, "W4 accepted #82 from 127.0.0.1:51414"),
            (LogKind::Exit, "W1 pid 48112 exited 0 after SIGTERM"),
        ];
        for (i, (kind, text)) in texts.into_iter().enumerate() {
            log.push(LogLine { at: i as f64 * 0.5, kind, text: text.to_string() });
        }

        let fd = |fd: i32, target: &str| FdEntry { fd, target: target.to_string() };
        let mut shared = BTreeMap::new();
        shared.insert(4242, (0, vec!["W2 fd 3".to_string(), "master fd 6".to_string()]));
        shared.insert(4377, (1, vec!["master fd 8".to_string()]));
        let fds = FdTable {
            alias: "W1".to_string(),
            pid: 48112,
            fds: vec![
                fd(0, "/dev/null"),
                fd(1, "/dev/pts/3"),
                fd(2, "/dev/pts/3"),
                fd(3, "socket:[4242]"),
                fd(4, "anon_inode:[eventpoll]"),
                fd(5, "socket:[771301]"),
                fd(6, "socket:[4377]"),
                fd(7, "socket:[771355]"),
            ],
            shared,
        };

        LabModel {
            procs: vec![app, master, w1, w2, w3, w4, client],
            cores: vec![
                history(|i| ((i * 7 % 40) as f32 + if i > 40 { 55.0 } else { 5.0 }).min(100.0)),
                history(|i| (i * 13 % 50) as f32),
            ],
            conns,
            log,
            fds: Some(fds),
            selected: 2,
        }
    }

    fn theme() -> Theme {
        Theme::new(ThemeName::Default, false, false)
    }

    fn ascii() -> Theme {
        Theme::new(ThemeName::Default, false, true)
    }

    fn render(pane: Pane, m: &LabModel, theme: &Theme, focused: bool, w: u16, h: u16) -> Buffer {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let cx = PaneCtx { theme, focused };
        term.draw(|f| pane(m, &cx, f.area(), f.buffer_mut())).unwrap();
        term.backend().buffer().clone()
    }

    /// The buffer as text, one line per row (skipping the cells a wide glyph covers).
    fn text(buf: &Buffer) -> String {
        let area = buf.area;
        let mut out = String::new();
        for y in area.top()..area.bottom() {
            let mut skip = 0;
            for x in area.left()..area.right() {
                let sym = buf[(x, y)].symbol();
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                skip = text_width(sym).saturating_sub(1);
                out.push_str(sym);
            }
            out.push('\n');
        }
        out
    }

    fn snapshot_sizes(name: &str, pane: Pane) {
        let (m, t) = (sample(), theme());
        for (w, h) in [(80, 24), (160, 45), (40, 10)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&render(pane, &m, &t, true, w, h)));
        }
        let empty = LabModel::default();
        insta::assert_snapshot!(format!("{name}_empty_80x24"), text(&render(pane, &empty, &t, true, 80, 24)));
    }

    #[test]
    fn ipc_snapshots() {
        snapshot_sizes("ipc", ipc);
    }

    #[test]
    fn processes_snapshots() {
        snapshot_sizes("processes", processes);
    }

    #[test]
    fn cores_snapshots() {
        snapshot_sizes("cores", cores);
    }

    #[test]
    fn connections_snapshots() {
        snapshot_sizes("connections", connections);
    }

    #[test]
    fn events_snapshots() {
        snapshot_sizes("events", events);
    }

    #[test]
    fn fds_snapshots() {
        snapshot_sizes("fds", fds);
    }

    #[test]
    fn ascii_snapshots() {
        let (m, t) = (sample(), ascii());
        insta::assert_snapshot!("processes_ascii_80x24", text(&render(processes, &m, &t, true, 80, 24)));
        insta::assert_snapshot!("cores_ascii_80x24", text(&render(cores, &m, &t, true, 80, 24)));
    }

    /// The benchmark's worst case: 64 workers on 8 cores, W40 selected.
    fn crowded() -> LabModel {
        let mut m = sample();
        let w1 = m.procs[2].clone();
        let client = m.procs.pop().unwrap();
        m.procs.truncate(2);
        for i in 1..=64u64 {
            let mut w = w1.clone();
            w.alias = format!("W{i}");
            w.pid = 48200 + i as i32;
            w.accepted = Some(300 + i * 7 % 41);
            m.procs.push(w);
            m.conns.per_worker.insert(format!("W{i}"), 300 + i * 7 % 41);
        }
        m.procs.push(client);
        m.selected = 41;
        m.cores = (0..8).map(|c| history(|i| ((i * (c + 3)) % 100) as f32)).collect();
        m
    }

    #[test]
    fn crowded_snapshots() {
        let (m, t) = (crowded(), theme());
        insta::assert_snapshot!("processes_crowded_80x24", text(&render(processes, &m, &t, true, 80, 24)));
        insta::assert_snapshot!("connections_crowded_80x24", text(&render(connections, &m, &t, true, 80, 24)));
        insta::assert_snapshot!("cores_crowded_40x8", text(&render(cores, &m, &t, true, 40, 8)));
    }

    #[test]
    fn events_scrolled_back_says_so() {
        let mut m = sample();
        m.log.scroll = 5;
        let t = theme();
        insta::assert_snapshot!("events_scrolled_80x24", text(&render(events, &m, &t, true, 80, 24)));
        let shown = text(&render(events, &m, &theme(), false, 80, 24));
        assert!(shown.lines().next().unwrap().contains(" events · ↑5 "));
        let a = text(&render(events, &m, &ascii(), false, 80, 24));
        assert!(a.lines().next().unwrap().contains(" events - ^5 "));
        // Five lines are hidden below: the newest in view is the sixth from the end.
        assert!(shown.contains("W1 accepted #80"));
        assert!(!shown.contains("W2 accepted #81"));
    }

    #[test]
    fn every_pane_fits_every_small_size() {
        for m in [sample(), LabModel::default()] {
            for t in [theme(), ascii()] {
                for (_, pane) in PANES {
                    for w in 1..=30 {
                        for h in 1..=8 {
                            render(pane, &m, &t, true, w, h);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn an_area_outside_the_buffer_is_clipped() {
        let m = sample();
        let t = theme();
        let cx = PaneCtx { theme: &t, focused: false };
        for (_, pane) in PANES {
            let mut buf = Buffer::empty(Rect::new(0, 0, 20, 5));
            pane(&m, &cx, Rect::new(10, 2, 60, 30), &mut buf);
            pane(&m, &cx, Rect::new(40, 40, 10, 10), &mut buf);
            pane(&m, &cx, Rect::new(0, 0, 0, 0), &mut buf);
        }
    }

    #[test]
    fn every_title_names_its_pane() {
        let (m, t) = (sample(), theme());
        for (name, pane) in PANES {
            let top = text(&render(pane, &m, &t, false, 80, 24)).lines().next().unwrap().to_string();
            assert!(top.contains(&format!(" {name}")), "{top}");
        }
        let top = text(&render(connections, &m, &t, false, 80, 24)).lines().next().unwrap().to_string();
        assert!(top.contains(" connections · rr · 127.0.0.1:8090 "), "{top}");
        let top = text(&render(fds, &m, &t, false, 80, 24)).lines().next().unwrap().to_string();
        assert!(top.contains(" fds · W1 pid 48112 "), "{top}");
    }

    /// Where `needle` starts on screen, as (x, y).
    fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
        let screen = text(buf);
        for (y, line) in screen.lines().enumerate() {
            if let Some(i) = line.find(needle) {
                return (line[..i].chars().count() as u16, y as u16);
            }
        }
        panic!("{needle:?} not on screen:\n{screen}");
    }

    #[test]
    fn the_selected_row_is_reversed_only_when_focused() {
        let (m, t) = (sample(), theme());
        let focused = render(processes, &m, &t, true, 80, 24);
        let (x, y) = find(&focused, "W1");
        assert!(focused[(x, y)].modifier.contains(Modifier::REVERSED));
        // The highlight runs across the whole row, up to the border.
        assert!(focused[(78, y)].modifier.contains(Modifier::REVERSED));
        assert_eq!(focused[(1, y)].symbol(), ">");
        let (_, other) = find(&focused, "W2");
        assert!(!focused[(x, other)].modifier.contains(Modifier::REVERSED));

        let unfocused = render(processes, &m, &t, false, 80, 24);
        assert!(!unfocused[(x, y)].modifier.contains(Modifier::REVERSED));
        assert_eq!(unfocused[(1, y)].symbol(), ">");
    }

    #[test]
    fn the_border_shows_focus() {
        let (m, t) = (sample(), theme());
        for (_, pane) in PANES {
            assert_eq!(render(pane, &m, &t, true, 40, 10)[(0, 5)].fg, t.border_focused.fg.unwrap());
            assert_eq!(render(pane, &m, &t, false, 40, 10)[(0, 5)].fg, t.border.fg.unwrap());
        }
    }

    #[test]
    fn exited_and_fresh_rows_stand_out() {
        let (m, t) = (sample(), theme());
        let buf = render(processes, &m, &t, false, 80, 24);
        let (x, y) = find(&buf, "W3");
        assert_eq!(buf[(x, y)].fg, Color::Red);
        let (sx, sy) = find(&buf, "SIGKILL");
        assert_eq!(sy, y);
        assert_eq!(buf[(sx, sy)].fg, Color::Red);
        let (x, y) = find(&buf, "W4");
        assert_eq!(buf[(x, y)].fg, Color::Green);
        assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
        let (x, y) = find(&buf, "W2");
        assert_eq!(buf[(x, y)].fg, Color::Reset);
        // An exit 0 is not a failure: dim, not red.
        let mut m = sample();
        m.procs[4].exit = Some("exit 0".into());
        let alias = m.procs[4].alias.clone();
        let buf = render(processes, &m, &t, false, 80, 24);
        let (x, y) = find(&buf, &format!("{alias} "));
        assert_eq!(buf[(x, y)].fg, t.dim.fg.unwrap());
    }

    #[test]
    fn a_shared_inode_has_one_colour() {
        let (m, t) = (sample(), theme());
        let buf = render(fds, &m, &t, false, 80, 24);
        let (x, y) = find(&buf, "socket:[4242]");
        assert_eq!(buf[(x, y)].style().fg, t.shared_style(0).fg);
        assert_eq!(buf[(x + 12, y)].style().fg, t.shared_style(0).fg);
        let (x, y) = find(&buf, "socket:[4377]");
        assert_eq!(buf[(x, y)].style().fg, t.shared_style(1).fg);
        let (x, y) = find(&buf, "socket:[771301]");
        assert_eq!(buf[(x, y)].fg, Color::Reset);
        assert!(text(&buf).contains("socket:[4242]           also W2 fd 3, master fd 6"));
    }

    #[test]
    fn a_failed_connection_is_drawn_as_bad() {
        let (m, t) = (sample(), theme());
        let buf = render(connections, &m, &t, false, 80, 24);
        let (x, y) = find(&buf, "failed (reset)");
        assert_eq!(buf[(x, y)].style().fg, t.bad.fg);
        assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn log_lines_take_their_kind_colour() {
        let (m, t) = (sample(), theme());
        let buf = render(events, &m, &t, false, 100, 34);
        let fg = |needle: &str| {
            let (x, y) = find(&buf, needle);
            buf[(x, y)].fg
        };
        assert_eq!(fg("killed by SIGKILL"), Color::Red);
        assert_eq!(fg("W4 accepted #82"), Color::Green);
        assert_eq!(fg("master -> W4"), Color::Yellow);
        assert_eq!(fg("step 3/6"), Color::Cyan);
        assert_eq!(fg("W1 pid 48112 exited 0"), Color::DarkGray);
        assert_eq!(fg("W4 pid 48131 forked"), Color::Reset);
    }

    #[test]
    fn workers_sort_naturally_and_bars_scale_to_the_busiest() {
        let mut m = LabModel::default();
        for (w, n) in [("W1", 10), ("W2", 5), ("W10", 0)] {
            m.conns.per_worker.insert(w.to_string(), n);
        }
        m.conns.fired = 15;
        m.conns.completed = 15;
        let t = theme();
        let screen = text(&render(connections, &m, &t, false, 40, 8));
        let rows: Vec<&str> = screen.lines().skip(1).take(3).collect();
        assert_eq!(rows[0], "│ W1  ███████████████████████ 10   67% │", "{screen}");
        assert_eq!(rows[1], "│ W2  ████████████             5   33% │", "{screen}");
        assert_eq!(rows[2], "│ W10                          0    0% │", "{screen}");
    }

    #[test]
    fn wrap_keeps_words_and_indents_continuations() {
        assert_eq!(wrap("W3 pid 48114 killed by SIGKILL", 14, 2), ["W3 pid 48114", "  killed by", "  SIGKILL"]);
        assert_eq!(wrap("abcdefghij", 4, 2), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10, 2), [""]);
        assert!(wrap("anything", 0, 2).is_empty());
    }

    #[test]
    fn tree_glyphs_follow_siblings() {
        let m = sample();
        assert_eq!(tree_prefixes(&m.procs, false), ["", "├─ ", "│  ├─ ", "│  ├─ ", "│  ├─ ", "│  └─ ", "└─ "]);
        assert_eq!(tree_prefixes(&m.procs, true), ["", "|- ", "|  |- ", "|  |- ", "|  |- ", "|  `- ", "`- "]);
    }
}
