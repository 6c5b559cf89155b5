//! The watch screen (`forklab watch`, interactive): the lesson screen's processes, cores and
//! events panes over a tree forklab did not write, with its own fds, connections and
//! syscalls panes, which speak of what the kernel says (sock_diag, strace) rather than of
//! forklab's lab events. A pure function of `&WatchApp`.
//!
//! Every line it draws can be reached at 80x24: a header that does not fit takes a second row,
//! the fds and connections panes wrap their long rows and scroll (↑/↓ with the pane focused,
//! `scroll_max` says how far), and `z` gives the focused pane the whole body.

use super::pane::*;
use super::{MIN_SIZE, cores::cores, events::events, overlay::centered, processes::processes};
use crate::lab::watch::{FdSnap, ProcSnap};
use crate::ui::linebreak::fill;
use crate::ui::theme::{Theme, ThemeName};
use crate::ui::watch::app::{FireView, Focus, WatchApp, colour_key, fd_words};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// From this width on, the screen is laid out in two columns.
const WIDE: u16 = 120;
/// The header takes at most this many rows (when what it says does not fit on one).
const HEADER_ROWS: usize = 3;

pub fn draw(app: &WatchApp, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let this_one = tr!("too-small-watch", width = area.width, height = area.height);
        super::too_small_saying(theme, f, area, this_one);
        return;
    }
    let head = header(app, theme, area.width);
    let a = areas(app, head.len() as u16, area);
    let buf = f.buffer_mut();
    for (y, l) in head.into_iter().enumerate() {
        put(buf, a.head, y as u16, l);
    }
    key_bar(app, theme, a.keys, buf);
    let cx = |focus: Focus| PaneCtx {
        theme,
        focused: app.focus == focus,
        zoomed: app.zoom && app.focus == focus,
        keep: &[],
    };
    if let Some(r) = a.procs {
        processes(&app.lab, &cx(Focus::Processes), r, buf);
    }
    if let Some(r) = a.cores {
        cores(&app.lab, &PaneCtx { focused: false, ..cx(Focus::Processes) }, r, buf);
    }
    if let Some(r) = a.fds {
        fds(app, &cx(Focus::Fds), r, buf);
    }
    if let Some(r) = a.conns {
        connections(app, &cx(Focus::Connections), r, buf);
    }
    if let Some(r) = a.events {
        events(&app.lab, &cx(Focus::Events), r, buf);
    }
    if let Some(r) = a.sys {
        syscalls(app, &cx(Focus::Syscalls), r, buf);
    }
    if app.help {
        help(theme, f, area);
    }
}

/// Where each part of the screen goes: the header's rows, the panes (a zoomed pane has the
/// whole body, the others are not drawn), the key bar.
#[derive(Debug, Default)]
struct Areas {
    head: Rect,
    procs: Option<Rect>,
    cores: Option<Rect>,
    fds: Option<Rect>,
    conns: Option<Rect>,
    events: Option<Rect>,
    sys: Option<Rect>,
    keys: Rect,
}

fn areas(app: &WatchApp, head_rows: u16, area: Rect) -> Areas {
    let [head, body, keys] =
        Layout::vertical([Constraint::Length(head_rows), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let mut a = Areas { head, keys, ..Areas::default() };
    if app.zoom {
        let pane = match app.focus {
            Focus::Processes => &mut a.procs,
            Focus::Fds => &mut a.fds,
            Focus::Connections => &mut a.conns,
            Focus::Events => &mut a.events,
            Focus::Syscalls if app.sys.is_some() => &mut a.sys,
            Focus::Syscalls => &mut a.events,
        };
        *pane = Some(body);
        return a;
    }
    let rows = app.lab.procs.len() as u16;
    let halves = |r: Rect| Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas::<2>(r);
    if area.width >= WIDE {
        let [top, mid, bottom] = Layout::vertical([
            Constraint::Length((rows + 3).clamp(6, 16)),
            Constraint::Min(6),
            Constraint::Length(body.height * 2 / 5),
        ])
        .areas(body);
        let [procs, cpu] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
        (a.procs, a.cores) = (Some(procs), Some(cpu));
        let [fds, conns] = halves(mid);
        (a.fds, a.conns) = (Some(fds), Some(conns));
        if app.sys.is_some() {
            let [ev, sys] = Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(bottom);
            (a.events, a.sys) = (Some(ev), Some(sys));
        } else {
            a.events = Some(bottom);
        }
    } else {
        let [top, mid, bottom] =
            Layout::vertical([Constraint::Length((rows + 3).clamp(5, 9)), Constraint::Min(5), Constraint::Length(6)])
                .areas(body);
        a.procs = Some(top);
        let [fds, conns] = halves(mid);
        (a.fds, a.conns) = (Some(fds), Some(conns));
        let [ev, cpu] = Layout::horizontal([Constraint::Min(20), Constraint::Length(24)]).areas(bottom);
        // The syscalls pane takes the events' place on a small screen.
        if app.sys.is_some() {
            a.sys = Some(ev);
        } else {
            a.events = Some(ev);
        }
        a.cores = Some(cpu);
    }
    a
}

/// How far ↑/↓ can scroll the fds or the connections pane on the app's screen (its size and
/// `--ascii`): 0 when every row fits, or for another pane.
pub fn scroll_max(app: &WatchApp, focus: Focus) -> usize {
    let (w, h) = app.size;
    let area = Rect::new(0, 0, w, h);
    if w < MIN_SIZE.0 || h < MIN_SIZE.1 {
        return 0;
    }
    let theme = Theme::new(ThemeName::Default, true, app.ascii);
    let a = areas(app, header(app, &theme, w).len() as u16, area);
    type Rows = fn(&WatchApp, &Theme, usize) -> usize;
    let (pane, rows): (Option<Rect>, Rows) = match focus {
        Focus::Fds => (a.fds, |app, t, w| fd_rows(app, t, w).map_or(0, |r| r.len())),
        Focus::Connections => (a.conns, |app, t, w| conn_rows(app, t, w).len()),
        _ => return 0,
    };
    let Some(inner) = pane.map(inner_of) else { return 0 };
    let n = rows(app, &theme, usize::from(inner.width));
    // As far as the rows go: the window's top when scrolled to the end.
    Window::new(n, usize::from(inner.height), usize::MAX).top
}

/// The inside of a pane's block, as `draw_block` leaves it.
fn inner_of(area: Rect) -> Rect {
    let inner = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    if inner.width >= MIN_PADDED { Rect { x: inner.x + 1, width: inner.width - 2, ..inner } } else { inner }
}

/// `rows` in `inner` from row `scroll` on. When they do not all fit, the last row says how
/// many are above and below, and the border marks them where that leaves the title (`title`
/// cells wide) whole.
fn scrolled(
    rows: Vec<Line<'static>>,
    scroll: usize,
    title: usize,
    area: Rect,
    inner: Rect,
    t: &Theme,
    buf: &mut Buffer,
) {
    let window = Window::new(rows.len(), usize::from(inner.height), scroll);
    for (y, l) in rows.into_iter().skip(window.top).take(window.shown).enumerate() {
        put(buf, inner, y as u16, l);
    }
    window.mark(buf, area, inner, top_mark_fits(area, title), t);
}

/// `text` in rows of `width`, its leading spaces kept, rows after the first indented by
/// `indent`, the spaces between words as written.
fn wrapped(text: &str, width: usize, indent: usize) -> Vec<String> {
    let body = text.trim_start_matches(' ');
    let lead = text.len() - body.len();
    let lead = if width > lead + 8 { lead } else { 0 };
    let indent = if width > indent + 8 { indent } else { 0 };
    let rows = fill(body, width - lead, width - indent, true);
    let pad = |i: usize| " ".repeat(if i == 0 { lead } else { indent });
    rows.into_iter().enumerate().map(|(i, r)| format!("{}{r}", pad(i))).collect()
}

/// The header: what is watched, the port and rates on the first row; when the rest (the fds
/// rate, what was missed, an error such as the root's end) does not fit beside them even with
/// the command shortened, it goes on the next rows, where it is read whole.
fn header(app: &WatchApp, t: &Theme, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let sep = if t.ascii { " - " } else { " · " };
    let what = match &app.command {
        Some(c) => c.clone(),
        None => format!("pid {}", app.snap.root),
    };
    let ports: Vec<String> = app.snap.ports.iter().filter(|p| **p != app.snap.port).map(u16::to_string).collect();
    let also = if ports.is_empty() {
        String::new()
    } else {
        format!(" ({})", tr!("watch-also-ports", ports = crate::i18n::list(&ports)))
    };
    let mut first = vec![
        Span::styled(format!(" {} ", tr!("watch-title")), t.strong),
        Span::styled(String::new(), t.text),
        Span::styled(
            format!(
                "{sep}{}{also}{sep}{}",
                tr!("watch-port", port = app.snap.port),
                tr!("watch-every", secs = format!("{:.2}", app.every.as_secs_f64()))
            ),
            t.dim,
        ),
    ];
    let mut rest: Vec<(String, Style)> = Vec::new();
    if app.fds_every > app.every {
        let every = format!("{:.1}", app.fds_every.as_secs_f64());
        rest.push((tr!("watch-fds-every", secs = every), t.dim));
    }
    if app.missed > 0 {
        let le = if t.ascii { "<=" } else { "≤" };
        rest.push((tr!("watch-missed", le = le, n = app.missed), t.warn));
    }
    if let Some(e) = &app.error {
        rest.push((e.clone(), t.bad));
    }
    let dot = |i: usize, s: &str| if i == 0 || s.is_empty() { String::new() } else { sep.into() };
    let rest_w: usize = rest.iter().enumerate().map(|(i, (s, _))| text_width(&dot(i + 1, s)) + text_width(s)).sum();
    let fixed: usize = first.iter().map(Span::width).sum();
    // The command gives way first: what follows it (the port, the rates, what was missed, an
    // error) is what changes, so it is what must be read at 80 columns.
    const COMMAND_LEAST: usize = 12;
    let one_row = fixed + rest_w + COMMAND_LEAST <= width;
    let room = if one_row { width - fixed - rest_w } else { width.saturating_sub(fixed).max(COMMAND_LEAST) };
    first[1].content = super::ellipsis(&what, room, t.ascii).into();
    if one_row {
        first.extend(
            rest.into_iter().enumerate().map(|(i, (s, style))| Span::styled(format!("{}{s}", dot(i + 1, &s)), style)),
        );
        return vec![Line::from(first)];
    }
    // The rest, in rows of their own: each part whole on one row when it fits.
    let mut rows = vec![Line::from(first)];
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (s, style) in rest {
        for piece in wrapped(&s, width.saturating_sub(3).max(1), 0) {
            let gap = if used == 0 { " " } else { sep };
            if used > 0 && used + text_width(gap) + text_width(&piece) > width {
                rows.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            let gap = if used == 0 { " " } else { sep };
            used += text_width(gap) + text_width(&piece);
            row.push(Span::styled(format!("{gap}{piece}"), style));
        }
    }
    if !row.is_empty() {
        rows.push(Line::from(row));
    }
    rows.truncate(HEADER_ROWS);
    rows
}

/// The keys that act here, the most useful first: those that do not fit are dropped, `?`
/// (which lists them all) last of all.
fn key_bar(app: &WatchApp, t: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(pid) = app.confirm_kill {
        let line = Line::styled(format!(" {}", tr!("watch-confirm-kill", alias = app.alias(pid), pid = pid)), t.warn);
        put(buf, area, 0, line);
        return;
    }
    if app.help {
        put(buf, area, 0, Line::styled(format!(" {}", tr!("watch-help-close")), t.dim));
        return;
    }
    let arrows = if t.ascii { "Up/Down" } else { "↑/↓" };
    let firing = app.firing.map(|n| format!(" {}", tr!("watch-firing", n = n))).unwrap_or_default();
    let scrolls = matches!(app.focus, Focus::Fds | Focus::Connections | Focus::Events | Focus::Syscalls);
    let zoom = if app.zoom { "key-unzoom" } else { "key-zoom" };
    // (key, words, priority: lower stays longer)
    let keys = [
        (arrows, if scrolls { "key-watch-scroll" } else { "key-watch-select" }, 0),
        ("c/1/2/3", "key-watch-fire", 1),
        ("tab", "key-watch-pane", 2),
        ("z", zoom, 3),
        ("s", if app.sys.is_some() { "key-syscalls-off" } else { "key-syscalls" }, 5),
        ("k", "key-watch-kill", 6),
        ("?", "key-keys", 0),
        ("q", "key-quit", 4),
    ];
    let words: Vec<(&str, String, u8)> = keys.iter().map(|(k, w, p)| (*k, tr!(w), *p)).collect();
    let cost = |(k, w, _): &(&str, String, u8)| text_width(k) + text_width(w) + 3;
    let mut room = usize::from(area.width).saturating_sub(1 + text_width(&firing));
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by_key(|i| words[*i].2);
    let mut keep = vec![false; words.len()];
    for i in order {
        if cost(&words[i]) <= room {
            room -= cost(&words[i]);
            keep[i] = true;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (w, _) in words.iter().zip(&keep).filter(|(_, k)| **k) {
        spans.push(Span::styled(w.0, t.key));
        spans.push(Span::styled(format!(" {}  ", w.1), t.dim));
    }
    spans.push(Span::styled(firing, t.warn));
    put(buf, area, 0, Line::from(spans));
}

/// `?`: the keys of the watch screen, only those that act here. Fits 80x24.
fn help(t: &Theme, f: &mut Frame, area: Rect) {
    let (updown, page) = if t.ascii { ("Up Down", "PgUp PgDn") } else { ("↑ ↓", "PgUp PgDn") };
    let rows = [
        (updown, tr!("watch-help-arrows")),
        (page, tr!("watch-help-page")),
        ("Tab S-Tab", tr!("watch-help-tab")),
        ("z", tr!("action-zoom")),
        ("c 1", tr!("watch-help-fire-1")),
        ("2 3", tr!("watch-help-fire-more")),
        ("s", tr!("watch-help-strace")),
        ("k", tr!("watch-help-kill")),
        ("?", tr!("action-help")),
        ("q Esc", tr!("watch-help-quit")),
        ("Ctrl-C", tr!("action-quit")),
    ];
    let room = usize::from(area.width.saturating_sub(4)).min(76);
    let key_w = 11;
    let mut lines: Vec<Line> = Vec::new();
    for (k, words) in rows {
        for (i, part) in wrapped(&words, room - key_w, 0).into_iter().enumerate() {
            let k = if i == 0 { k } else { "" };
            lines.push(Line::from(vec![Span::styled(format!(" {k:<10}"), t.strong), Span::raw(part)]));
        }
    }
    let w = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    // Within a column of the screen's width, all of it: no strip of a pane beside the box.
    let w = if w + 2 > area.width { area.width } else { w };
    let r = centered(area, w, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(super::block(t, &tr!("help-title"), true)), r);
}

/// `alias` in `w` cells: when it must be cut, its `#N` stays (the number tells apart workers
/// that share a command name, `forklab-w…#2`), and the name before it gives way.
fn name_cut(alias: &str, w: usize, ascii: bool) -> String {
    if text_width(alias) <= w {
        return alias.to_string();
    }
    match alias.rfind('#') {
        Some(i) if text_width(&alias[i..]) + 2 <= w => {
            let tag = &alias[i..];
            format!("{}{tag}", cut(&alias[..i], w - text_width(tag), ascii))
        }
        _ => cut(alias, w, ascii),
    }
}

/// Which other processes of the tree hold this inode, as `node#1 fd 21`.
fn others(app: &WatchApp, me: i32, inode: u64) -> Vec<String> {
    let mut out = Vec::new();
    for p in app.snap.processes.iter().filter(|p| p.pid != me) {
        for f in p.fds.iter().filter(|f| f.inode == Some(inode)) {
            out.push(format!("{} fd {}", app.alias(p.pid), f.fd));
        }
    }
    out
}

fn selected_snap(app: &WatchApp) -> Option<&ProcSnap> {
    app.lab.procs.get(app.lab.selected).and_then(|r| app.snap.processes.iter().find(|p| p.pid == r.pid))
}

/// The selected process's fds, sockets first, each wrapped under its text: None when no
/// process is selected.
fn fd_rows(app: &WatchApp, t: &Theme, width: usize) -> Option<Vec<Line<'static>>> {
    let p = selected_snap(app)?;
    let mut list: Vec<&FdSnap> = p.fds.iter().filter(|f| f.inode.is_some()).collect();
    list.extend(p.fds.iter().filter(|f| f.inode.is_none()));
    if let Some(e) = &p.fds_error {
        let said = tr!("watch-fds-not-read", error = e.as_str());
        return Some(wrapped(&said, width, 2).into_iter().map(|r| Line::styled(r, t.bad)).collect());
    }
    if list.is_empty() {
        return Some(vec![Line::styled(tr!("watch-no-fds"), t.dim)]);
    }
    let fd_w = list.iter().map(|f| f.fd).max().map_or(1, |fd| fd.to_string().len());
    let head = fd_w + 4;
    let mut rows = Vec::new();
    for f in list {
        let style = colour_key(f).and_then(|k| app.colours.get(&k)).map(|i| t.shared_style(*i)).unwrap_or(t.text);
        let text = fd_text(app, p, f, t.ascii);
        for (i, part) in wrapped(&text, width.saturating_sub(head).max(1), 2).into_iter().enumerate() {
            let lead = if i == 0 { format!("fd {:>fd_w$} ", f.fd) } else { " ".repeat(head) };
            rows.push(Line::from(vec![Span::styled(lead, t.text), Span::styled(part, style)]));
        }
    }
    Some(rows)
}

fn fds(app: &WatchApp, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let Some(p) = selected_snap(app) else {
        let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[])), area, buf) else { return };
        put(buf, inner, 0, Line::styled(tr!("watch-select-process"), t.dim));
        return;
    };
    let who = format!("{} pid {}", app.alias(p.pid), p.pid);
    let head = title(t, "fds", &[&who]);
    let title_w = title_width(cx, &head);
    let Some(inner) = draw_block(pane_block(cx, head), area, buf) else { return };
    let rows = fd_rows(app, t, usize::from(inner.width)).unwrap_or_default();
    scrolled(rows, app.fds_scroll, title_w, area, inner, t, buf);
}

/// What one fd is, in words: `tcp LISTEN [::]:38201 also node#1 fd 21`,
/// `unix stream ⇄ node pid 32171 fd 19`.
fn fd_text(app: &WatchApp, p: &ProcSnap, f: &FdSnap, ascii: bool) -> String {
    let arrow = if ascii { "<->" } else { "⇄" };
    let mut s = match (f.kind, f.inode) {
        ("tcp", Some(inode)) => {
            if let Some(l) = p.listeners.iter().find(|l| l.inode == inode) {
                format!("tcp LISTEN {}", l.addr)
            } else if let Some(c) = p.connections.iter().find(|c| c.inode == inode) {
                tr!("watch-fd-estab", remote = c.remote.to_string(), local = c.local.to_string())
            } else {
                fd_words(f)
            }
        }
        ("unix", Some(inode)) => {
            let peer = match f.peer_pid {
                Some(Some(pid)) => {
                    let fd = f
                        .peer_inode
                        .and_then(|pi| {
                            app.snap.processes.iter().find(|q| q.pid == pid)?.fds.iter().find(|g| g.inode == Some(pi))
                        })
                        .map(|g| format!(" fd {}", g.fd))
                        .unwrap_or_default();
                    // One end held by several (nginx's master and its workers): the others counted.
                    let more = match f.peer_pids.len() {
                        0 | 1 => String::new(),
                        n => format!(" {}", tr!("watch-peer-more", n = n - 1)),
                    };
                    format!(" {arrow} {} {pid}{fd}{more}", app.alias(pid))
                }
                _ if f.peer_inode.is_some() => format!(" {}", tr!("watch-peer-outside")),
                _ => String::new(),
            };
            format!("unix{peer} {} [{inode}]", f.sock_type.unwrap_or("?"))
        }
        _ => f.target.to_string(),
    };
    if let Some(inode) = f.inode {
        let also = others(app, p.pid, inode);
        if !also.is_empty() {
            s.push_str(&format!("  {}", tr!("watch-also", who = crate::i18n::list(&also))));
        }
    }
    s
}

/// What the last fire came to, in the words both the connections pane and the events pane
/// use: its totals (`fired 10: 8 served (6 attributed), 2 failed`), then a line for each
/// reason some were served but not attributed, and for each reason some failed, by its
/// `--json` key (which the order of the connections names too) and in words.
pub struct FireWords {
    pub totals: String,
    pub not_attributed: Vec<String>,
    pub failed: Vec<String>,
}

pub fn fire_words(fv: &FireView) -> FireWords {
    let unattributed: u64 = fv.not_attributed.values().sum();
    let totals = if unattributed == 0 {
        tr!("watch-fired-attributed", fired = fv.fired, attributed = fv.completed, failed = fv.failed)
    } else {
        let served = fv.completed + unattributed;
        tr!(
            "watch-fired-some-attributed",
            fired = fv.fired,
            served = served,
            attributed = fv.completed,
            failed = fv.failed
        )
    };
    let not_attributed = fv
        .not_attributed
        .iter()
        .map(|(why, n)| {
            tr!("watch-not-attributed-why", why = why, n = *n, words = crate::lab::fire::not_attributed_words(why))
        })
        .collect();
    let failed = fv
        .failures
        .iter()
        .map(|(why, n)| tr!("watch-failed-why-words", why = why, n = *n, words = failure_words(why)))
        .collect();
    FireWords { totals, not_attributed, failed }
}

/// Why a fired connection failed, in words (the `--json` key again when there are none).
pub fn failure_words(why: &str) -> String {
    match why {
        "refused" => tr!("fire-why-refused"),
        "reset" => tr!("fire-why-reset"),
        "timeout" => tr!("fire-why-timeout"),
        "closed_early" => tr!("fire-why-closed-early"),
        "bad_response" => tr!("fire-why-bad-response"),
        "other" => tr!("fire-why-other"),
        other => crate::lab::fire::not_attributed_words(other),
    }
}

/// The connections pane's rows at `width`: the established connections of each process that
/// holds some, then the last fire (its totals, a bar per process, who accepted each in
/// order), each wrapped.
fn conn_rows(app: &WatchApp, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut rows: Vec<Line<'static>> = Vec::new();
    let text = |rows: &mut Vec<Line<'static>>, s: &str, indent: usize, style: Style| {
        rows.extend(wrapped(s, width, indent).into_iter().map(|r| Line::styled(r, style)));
    };
    let total: usize = app.snap.processes.iter().map(|p| p.connections.len()).sum();
    text(&mut rows, &tr!("watch-established", n = total), 2, t.strong);
    // The names' column: as wide as the longest, within what leaves the counts room.
    let longest = app.snap.processes.iter().map(|p| text_width(&app.alias(p.pid))).max().unwrap_or(0);
    let name_w = longest.min(width.saturating_sub(16)).clamp(6, 16);
    let name = |pid: i32| pad_right(&name_cut(&app.alias(pid), name_w, t.ascii), name_w);
    // The PIDs' and the counts' columns as wide as their widest, here and in the fire's rows.
    let digits = |n: u64| n.to_string().len();
    let pids =
        app.snap.processes.iter().map(|p| p.pid).chain(app.fire.iter().flat_map(|f| f.per_process.keys().copied()));
    let pid_w = pids.map(|p| p.to_string().len()).max().unwrap_or(1);
    let counts = app.snap.processes.iter().map(|p| p.connections.len() as u64);
    let n_w =
        counts.chain(app.fire.iter().flat_map(|f| f.per_process.values().copied())).map(digits).max().unwrap_or(1);
    // The processes that hold some (the processes pane lists the rest).
    for p in app.snap.processes.iter().filter(|p| !p.connections.is_empty()) {
        let n = p.connections.len();
        let mut s = format!("  {} {:>pid_w$} {:>n_w$}", name(p.pid), p.pid, n);
        let first: Vec<String> = p.connections.iter().take(3).map(|c| c.remote.to_string()).collect();
        s.push_str(&format!("  {}", first.join(" ")));
        if n > 3 {
            s.push_str(&format!(" +{}", n - 3));
        }
        text(&mut rows, &s, 4, t.text);
    }
    let Some(fv) = &app.fire else {
        text(&mut rows, &tr!("watch-press-c"), 0, t.dim);
        return rows;
    };
    let words = fire_words(fv);
    text(&mut rows, &words.totals, 2, t.strong);
    let most = fv.per_process.values().copied().max().unwrap_or(1).max(1);
    let bar_w = width.saturating_sub(name_w + pid_w + n_w + 6).min(MAX_BAR);
    for (pid, n) in &fv.per_process {
        let filled = (*n as usize * bar_w).div_ceil(most as usize);
        rows.push(Line::from(vec![
            Span::styled(format!("  {} {:>pid_w$} {:>n_w$} ", name(*pid), pid, n), t.good),
            Span::styled(t.bar_full().repeat(filled), t.bar),
        ]));
    }
    for said in &words.not_attributed {
        text(&mut rows, &format!("  {said}"), 4, t.warn);
    }
    for said in &words.failed {
        text(&mut rows, &format!("  {said}"), 4, t.bad);
    }
    // Who accepted each, in order: as many on a row as fit, none cut in two.
    let mut row = String::new();
    for (i, e) in fv.each.iter().enumerate() {
        let item = match e {
            Ok(pid) => format!("#{} {}", i + 1, app.alias(*pid)),
            Err(why) => format!("#{} {why}", i + 1),
        };
        let item = cut(&item, width.saturating_sub(2).max(1), t.ascii);
        if !row.is_empty() && text_width(&row) + 2 + text_width(&item) > width {
            rows.push(Line::styled(std::mem::take(&mut row), t.text));
        }
        row.push_str("  ");
        row.push_str(&item);
    }
    if !row.is_empty() {
        rows.push(Line::styled(row, t.text));
    }
    rows
}

fn connections(app: &WatchApp, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let port = tr!("watch-port", port = app.snap.port);
    let head = title(t, "connections", &[&port]);
    let title_w = title_width(cx, &head);
    let Some(inner) = draw_block(pane_block(cx, head), area, buf) else { return };
    let rows = conn_rows(app, t, usize::from(inner.width));
    scrolled(rows, app.conn_scroll, title_w, area, inner, t, buf);
}

fn syscalls(app: &WatchApp, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let Some(p) = &app.sys else { return };
    let who = format!("{} pid {}", p.alias, p.pid);
    let label = |c: &crate::lab::strace::SysCall| {
        let tid = c.tid.map(|t| format!(" [{t}]")).unwrap_or_default();
        format!("{} {}{tid}", p.alias, p.pid)
    };
    super::syscalls::syscalls(p, &who, &label, cx, area, buf);
}
