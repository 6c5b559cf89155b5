//! The connections pane: who served what.

use super::pane::*;
use crate::ui::model::{ConnRow, LabModel};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The narrowest a column of bars may be when the workers are laid out in two.
const MIN_COLUMN: usize = 16;

/// Who served what: a bar per worker with its count and share, the totals, and the latest
/// connections. The accept mode and the port are on the title.
pub fn connections(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let c = &m.conns;
    let mode = c.mode.map(|mode| mode.name().to_string());
    // The focus mark takes a cell of the title's room.
    let mark = title_width(cx, &Line::default());
    let room = (area.width.saturating_sub(2) as usize).saturating_sub(mark);
    let parts = title_parts(t, mode.as_deref(), c.port, room);
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let Some(inner) = draw_block(pane_block(cx, title(t, "connections", &parts)), area, buf) else { return };
    let height = inner.height as usize;
    let width = inner.width as usize;

    // Once a step has fired (`fire`, `load`, a Node program's fire), the bars count the last
    // fire's completed connections by the worker that answered, as the totals under them and
    // that step's own figures do: one source, so the bars add up to "completed" and the shares
    // are of it. Before that, what the workers reported accepting (curl).
    let counts = if c.fires > 0 { &c.answered } else { &c.per_worker };
    let mut workers: Vec<(&String, u64)> =
        c.per_worker.keys().chain(counts.keys()).map(|k| (k, counts.get(k).copied().unwrap_or(0))).collect();
    workers.sort_by(|a, b| natural_key(a.0).cmp(&natural_key(b.0)));
    workers.dedup_by(|a, b| a.0 == b.0);
    let total: u64 = workers.iter().map(|w| w.1).sum();
    let shares = shares(&workers.iter().map(|w| w.1).collect::<Vec<_>>());
    let nothing_yet = total == 0 && c.fires == 0 && c.recent.is_empty();
    if nothing_yet && workers.is_empty() {
        put(buf, inner, 0, Line::styled(no_connections(c, t.ascii), t.dim));
        return;
    }

    // Bars first, then the totals, then the latest connections in what is left. Every worker
    // gets a bar where there is room: when they do not fit one a row, two columns of shorter
    // bars. Past that, the busiest (of the last fire, else by what they accepted) keep theirs:
    // they account for most of the total, and every bar not shown is smaller than any shown.
    // The bottom border counts the bars left out and, unzoomed, says that z shows them; where
    // it has no room, a row of its own does.
    let columns = if workers.len() + 1 > height && width >= 2 * MIN_COLUMN { 2 } else { 1 };
    let rows_needed = workers.len().div_ceil(columns);
    let note = |n: usize| {
        if cx.zoomed { tr!("bars-hidden", n = n) } else { tr!("bars-hidden-zoom", n = n) }
    };
    let on_border = foot_fits(area, buf, &note(workers.len()));
    let bar_rows = match rows_needed < height {
        true => rows_needed,
        false if on_border => height.saturating_sub(1),
        false => height.saturating_sub(2),
    };
    let bars_shown = (bar_rows * columns).min(workers.len());
    let mut chosen: Vec<usize> = (0..workers.len()).collect();
    chosen.sort_by_key(|&i| std::cmp::Reverse(workers[i].1));
    chosen.truncate(bars_shown);
    chosen.sort();
    let col_width = if columns == 2 { (width - 1) / 2 } else { width };
    let label_w = chosen.iter().map(|&i| text_width(workers[i].0)).max().unwrap_or(0);
    let max = workers.iter().map(|w| w.1).max().unwrap_or(0);
    let count_w = max.to_string().len();
    let bar_w = col_width.saturating_sub(label_w + 1 + 1 + count_w + 2 + 4).min(MAX_BAR);
    for (at, &i) in chosen.iter().enumerate() {
        let (name, count) = workers[i];
        // Scale to the busiest worker; a worker that served any connection gets a cell.
        let filled = if max == 0 || count == 0 {
            0
        } else {
            ((count as f64 / max as f64 * bar_w as f64).round() as usize).clamp(1, bar_w.max(1))
        };
        let share = shares[i];
        let mut spans = vec![Span::styled(pad_right(name, label_w), t.text), Span::raw(" ")];
        if bar_w > 0 {
            spans.push(Span::styled(t.bar_full().repeat(filled.min(bar_w)), t.bar));
            spans.push(Span::raw(" ".repeat(bar_w - filled.min(bar_w) + 1)));
        }
        spans.push(Span::styled(format!("{count:>count_w$}  {share:>3}%"), t.text));
        // Down the first column, then down the second.
        let (col, row) = (at / bar_rows.max(1), at % bar_rows.max(1));
        let x = inner.x + (col * (col_width + 1)) as u16;
        let cell = Rect { x, width: col_width as u16, ..inner };
        put(buf, cell, row as u16, Line::from(spans));
    }
    let mut y = bar_rows;
    let hidden = workers.len() - bars_shown;
    if hidden > 0 && on_border {
        foot(area, buf, &note(hidden), t);
    } else if hidden > 0 && y + 1 < height {
        put(buf, inner, y as u16, Line::styled(note(hidden), t.dim));
        y += 1;
    }

    // The last fire at this pool, as its step printed it; when only others connected (curl),
    // what the workers accepted. Under it, once there were more fires than one, all of them.
    if c.fires > 0 {
        put(buf, inner, y as u16, tally(t, c, width));
        y += 1;
    } else if total > 0 {
        put(buf, inner, y as u16, Line::styled(tr!("accepted-from-any", total = total), t.text));
        y += 1;
    }
    if c.fires > 1 && y < height {
        put(buf, inner, y as u16, Line::styled(since(t, &c.since, width), t.dim));
        y += 1;
    }

    if nothing_yet {
        put(buf, inner, y as u16, Line::styled(no_connections(c, t.ascii), t.dim));
        return;
    }
    if c.recent.is_empty() || y + 1 >= height {
        return;
    }
    latest_list(t, c, Rect { y: inner.y + y as u16, height: (height - y) as u16, ..inner }, label_w, buf);
}

/// The latest connections in `inner`: newest first, from the row scrolled to (↑/↓ with the
/// pane focused), cut to the room there is, under a heading that says which of the kept
/// ones are in view.
fn latest_list(
    t: &crate::ui::theme::Theme,
    c: &crate::ui::model::Connections,
    inner: Rect,
    label_w: usize,
    buf: &mut Buffer,
) {
    let (width, room) = (inner.width as usize, (inner.height as usize).saturating_sub(1));
    let skip = c.scroll.min(c.recent.len() - 1);
    let recent: Vec<&ConnRow> = c.recent.iter().rev().skip(skip).take(room).collect();
    put(buf, inner, 0, Line::styled(latest(c, skip, recent.len(), width), t.dim));
    let n_w = recent.iter().map(|r| r.n.to_string().len()).max().unwrap_or(0);
    let worker_w =
        recent.iter().filter_map(|r| r.worker.as_deref()).map(text_width).chain([label_w]).max().unwrap_or(0);
    for (y, r) in (1..).zip(recent) {
        let line = match (&r.worker, &r.error) {
            (Some(w), None) => Line::styled(
                format!("#{:<n_w$}  {}  {:>5.2} ms", r.n, pad_right(w, worker_w), r.latency_us as f64 / 1000.0),
                t.text,
            ),
            (_, err) => {
                let failed = match err.as_deref() {
                    Some(e) => tr!("conn-row-failed-why", kind = crate::lab::words::failure_kind(e)),
                    None => tr!("conn-row-failed"),
                };
                Line::styled(format!("#{:<n_w$}  {failed}", r.n), t.bad)
            }
        };
        put(buf, inner, y, line);
    }
}

/// The latest list's heading: "latest" when it shows every connection of the last fire;
/// else which of the kept ones are in view, counted from the newest ("latest 15–28 of 50"),
/// and, when the fire had more than the pane keeps (RECENT_CONNS), that it keeps only the
/// last of them ("... of the 50 kept (100 fired)"), in short where that does not fit.
fn latest(c: &crate::ui::model::Connections, skip: usize, shown: usize, width: usize) -> String {
    let all = c.recent.len();
    let range = if shown > 1 { format!("{}–{}", skip + 1, skip + shown) } else { (skip + 1).to_string() };
    if c.fired as usize <= all {
        return if shown == all { tr!("latest") } else { tr!("latest-of", range = range, all = all) };
    }
    let full = tr!("latest-kept", range = range.clone(), all = all, fired = c.fired);
    if text_width(&full) <= width { full } else { tr!("latest-kept-short", range = range, all = all) }
}

/// A note fits on the pane's bottom border (` note ` after its corner, clear of the other
/// corner), the pane lying whole in the buffer.
fn foot_fits(area: Rect, buf: &Buffer, note: &str) -> bool {
    area.intersection(*buf.area()) == area && area.height >= 3 && text_width(note) + 4 <= area.width as usize
}

/// ` note ` on the bottom border, after its corner.
fn foot(area: Rect, buf: &mut Buffer, note: &str, t: &crate::ui::theme::Theme) {
    buf.set_string(area.x + 1, area.bottom() - 1, format!(" {note} "), t.dim);
}

/// The last fire's figures, labelled so: "last fire: 3000 · completed 2998 · failed 2"; where
/// that does not fit, without "completed" (what did not fail).
fn tally<'a>(t: &crate::ui::theme::Theme, c: &crate::ui::model::Connections, width: usize) -> Line<'a> {
    let dot = if t.ascii { " - " } else { " · " };
    let failed = tr!("tally-failed", failed = c.failed);
    let full = tr!("tally", fired = c.fired, completed = c.completed, dot = dot);
    let head = if text_width(&full) + text_width(&failed) <= width {
        full
    } else {
        tr!("tally-short", fired = c.fired, dot = dot)
    };
    Line::from(vec![Span::styled(head, t.text), Span::styled(failed, if c.failed > 0 { t.bad } else { t.text })])
}

/// Every fire at the pool since it started, added up: in full where it fits, else what was
/// fired.
fn since(t: &crate::ui::theme::Theme, s: &crate::ui::model::Tally, width: usize) -> String {
    let dot = if t.ascii { " - " } else { " · " };
    let full = tr!("tally-since", fired = s.fired, completed = s.completed, failed = s.failed, dot = dot);
    if text_width(&full) <= width { full } else { tr!("tally-since-short", fired = s.fired) }
}

/// "None accepted yet" (the bars count what the workers accepted: a connection in the accept
/// queue is not one yet), and how to fire some while a pool runs to take them (without one,
/// `c` fires nothing).
fn no_connections(c: &crate::ui::model::Connections, ascii: bool) -> String {
    if c.mode.is_none() {
        return tr!("no-connections");
    }
    tr!("no-connections-yet", dash = if ascii { "-" } else { "—" })
}

/// The title's parts after the pane's name that fit in `room` cells: the mode and
/// `127.0.0.1:PORT`; narrower, the host goes first (`:PORT`), then the mode. A port is shown
/// whole or not at all: a cut one reads as another port.
pub(super) fn title_parts(
    t: &crate::ui::theme::Theme,
    mode: Option<&str>,
    port: Option<u16>,
    room: usize,
) -> Vec<String> {
    let full = port.map(|p| format!("127.0.0.1:{p}"));
    let short = port.map(|p| format!(":{p}"));
    let mode = mode.map(str::to_string);
    let tries = [
        mode.iter().chain(full.iter()).cloned().collect::<Vec<_>>(),
        mode.iter().chain(short.iter()).cloned().collect(),
        short.iter().cloned().collect(),
    ];
    let width = |parts: &[String]| {
        text_width(&title(t, "connections", &parts.iter().map(String::as_str).collect::<Vec<_>>()).to_string())
    };
    tries.into_iter().find(|parts| width(parts) <= room).unwrap_or_default()
}

/// Whole percentages of `counts`: equal counts always show equal shares, and otherwise they
/// add up to 100 (largest remainder), so 59/65/69 of 193 never reads 101 %. The points left
/// after rounding down go to the largest remainders, a group of equal counts all together or
/// not at all: 9 and 9 of 40 read 22 % and 22 %, never 23 % and 22 %, and three thirds read
/// 33/33/33, a sum short of 100 by the rounding of the equal ones. All 0 when nothing.
pub(super) fn shares(counts: &[u64]) -> Vec<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let mut shares: Vec<u64> = counts.iter().map(|n| n * 100 / total).collect();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    // Equal remainders: the larger count first, so it never shows less than a smaller one.
    by_remainder.sort_by_key(|&i| (std::cmp::Reverse(counts[i] * 100 % total), std::cmp::Reverse(counts[i])));
    let mut short = 100 - shares.iter().sum::<u64>();
    for group in by_remainder.chunk_by(|a, b| counts[*a] == counts[*b]) {
        if group.len() as u64 > short {
            break;
        }
        for &i in group {
            shares[i] += 1;
        }
        short -= group.len() as u64;
    }
    shares
}

/// Sort key that puts W2 before W10.
pub(super) fn natural_key(s: &str) -> (&str, u64, &str) {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_digit());
    (digits, s[digits.len()..].parse().unwrap_or(0), s)
}
