//! The watch screen (`forklab watch`, interactive): the lesson screen's processes, cores and
//! events panes over a tree forklab did not write, with its own fds, connections and
//! syscalls panes, which speak of what the kernel says (sock_diag, strace) rather than of
//! forklab's lab events. A pure function of `&WatchApp`.

use super::pane::*;
use super::{MIN_SIZE, cores::cores, events::events, processes::processes, too_small};
use crate::lab::watch::{FdSnap, ProcSnap};
use crate::ui::theme::Theme;
use crate::ui::watch::app::{Focus, WatchApp, colour_key, fd_words};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

/// From this width on, the screen is laid out in two columns.
const WIDE: u16 = 120;

pub fn draw(app: &WatchApp, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(theme, f, area);
        return;
    }
    let buf = f.buffer_mut();
    let [head, body, keys] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    header(app, theme, head, buf);
    key_bar(app, theme, keys, buf);
    let cx = |focus: Focus| PaneCtx { theme, focused: app.focus == focus, zoomed: false, keep: &[] };
    let rows = app.lab.procs.len() as u16;
    if area.width >= WIDE {
        let [top, mid, bottom] = Layout::vertical([
            Constraint::Length((rows + 3).clamp(6, 16)),
            Constraint::Min(6),
            Constraint::Length(body.height * 2 / 5),
        ])
        .areas(body);
        let [procs, cpu] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
        processes(&app.lab, &cx(Focus::Processes), procs, buf);
        cores(&app.lab, &cx(Focus::Processes).unfocused(), cpu, buf);
        let [fds_area, conns] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(mid);
        fds(app, &cx(Focus::Fds), fds_area, buf);
        connections(app, &cx(Focus::Connections), conns, buf);
        if app.sys.is_some() {
            let [ev, sys] = Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(bottom);
            events(&app.lab, &cx(Focus::Events), ev, buf);
            syscalls(app, &cx(Focus::Syscalls), sys, buf);
        } else {
            events(&app.lab, &cx(Focus::Events), bottom, buf);
        }
    } else {
        let [top, mid, bottom] =
            Layout::vertical([Constraint::Length((rows + 3).clamp(5, 9)), Constraint::Min(5), Constraint::Length(6)])
                .areas(body);
        processes(&app.lab, &cx(Focus::Processes), top, buf);
        let [fds_area, conns] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(mid);
        fds(app, &cx(Focus::Fds), fds_area, buf);
        connections(app, &cx(Focus::Connections), conns, buf);
        let [ev, cpu] = Layout::horizontal([Constraint::Min(20), Constraint::Length(24)]).areas(bottom);
        // The syscalls pane takes the events' place on a small screen.
        if app.sys.is_some() {
            syscalls(app, &cx(Focus::Syscalls), ev, buf);
        } else {
            events(&app.lab, &cx(Focus::Events), ev, buf);
        }
        cores(&app.lab, &cx(Focus::Processes).unfocused(), cpu, buf);
    }
}

impl PaneCtx<'_> {
    fn unfocused(self) -> Self {
        PaneCtx { focused: false, ..self }
    }
}

fn header(app: &WatchApp, t: &Theme, area: Rect, buf: &mut Buffer) {
    let what = match &app.command {
        Some(c) => c.clone(),
        None => format!("pid {}", app.snap.root),
    };
    let ports: Vec<String> = app.snap.ports.iter().filter(|p| **p != app.snap.port).map(u16::to_string).collect();
    let also = if ports.is_empty() {
        String::new()
    } else {
        format!(" ({})", tr!("watch-also-ports", ports = ports.join(", ")))
    };
    let mut spans = vec![
        Span::styled(format!(" {} ", tr!("watch-title")), t.strong),
        Span::styled(String::new(), t.text),
        Span::styled(
            format!(
                " · {}{also} · {}",
                tr!("watch-port", port = app.snap.port),
                tr!("watch-every", secs = format!("{:.2}", app.every.as_secs_f64()))
            ),
            t.dim,
        ),
    ];
    if app.fds_every > app.every {
        let every = format!("{:.1}", app.fds_every.as_secs_f64());
        spans.push(Span::styled(format!(" · {}", tr!("watch-fds-every", secs = every)), t.dim));
    }
    if app.missed > 0 {
        spans.push(Span::styled(format!(" · {}", tr!("watch-missed", n = app.missed)), t.warn));
    }
    if let Some(e) = &app.error {
        spans.push(Span::styled(format!("  {e}"), t.bad));
    }
    // The command gives way first: what follows it (the port, the rates, what was missed, an
    // error) is what changes, so it is what must be read at 80 columns.
    let others: usize = spans.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(others).max(12);
    spans[1].content = super::ellipsis(&what, room, t.ascii).into();
    put(buf, area, 0, Line::from(spans));
}

fn key_bar(app: &WatchApp, t: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(pid) = app.confirm_kill {
        let line = Line::styled(format!(" {}", tr!("watch-confirm-kill", alias = app.alias(pid), pid = pid)), t.warn);
        put(buf, area, 0, line);
        return;
    }
    let arrows = if t.ascii { "Up/Down" } else { "↑/↓" };
    let firing = app.firing.map(|n| format!("  {}", tr!("watch-firing", n = n))).unwrap_or_default();
    let keys = [
        (arrows, "key-watch-select"),
        ("c/1/2/3", "key-watch-fire"),
        ("s", if app.sys.is_some() { "key-syscalls-off" } else { "key-syscalls" }),
        ("k", "key-watch-kill"),
        ("tab", "key-watch-pane"),
        ("q", "key-quit"),
    ];
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in keys {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {}  ", tr!(what)), t.dim));
    }
    spans.push(Span::styled(firing, t.warn));
    put(buf, area, 0, Line::from(spans));
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

fn fds(app: &WatchApp, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let sel = app.lab.procs.get(app.lab.selected).and_then(|r| app.snap.processes.iter().find(|p| p.pid == r.pid));
    let Some(p) = sel else {
        let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[])), area, buf) else { return };
        put(buf, inner, 0, Line::styled(tr!("watch-select-process"), t.dim));
        return;
    };
    let who = format!("{} pid {}", app.alias(p.pid), p.pid);
    let Some(inner) = draw_block(pane_block(cx, title(t, "fds", &[&who])), area, buf) else { return };
    let colours = &app.colours;
    let width = inner.width as usize;
    // Sockets first: they are what the pane is for; then the rest by fd.
    let mut list: Vec<&FdSnap> = p.fds.iter().filter(|f| f.inode.is_some()).collect();
    list.extend(p.fds.iter().filter(|f| f.inode.is_none()));
    let height = inner.height as usize;
    let shown = if list.len() > height { height.saturating_sub(1) } else { list.len() };
    if let Some(e) = &p.fds_error {
        put(buf, inner, 0, Line::styled(tr!("watch-fds-not-read", error = e.as_str()), t.bad));
    } else if list.is_empty() {
        put(buf, inner, 0, Line::styled(tr!("watch-no-fds"), t.dim));
    }
    let fd_w = list.iter().map(|f| f.fd).max().map_or(1, |fd| fd.to_string().len());
    for (y, f) in list.iter().take(shown).enumerate() {
        let style = colour_key(f).and_then(|k| colours.get(&k)).map(|i| t.shared_style(*i)).unwrap_or(t.text);
        let text = cut(&fd_text(app, p, f, t.ascii), width.saturating_sub(fd_w + 4), t.ascii);
        put(
            buf,
            inner,
            y as u16,
            Line::from(vec![Span::styled(format!("fd {:>fd_w$} ", f.fd), t.text), Span::styled(text, style)]),
        );
    }
    if shown < list.len() {
        put(buf, inner, shown as u16, Line::styled(tr!("watch-more", n = list.len() - shown), t.dim));
    }
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
            s.push_str(&format!("  {}", tr!("watch-also", who = also.join(", "))));
        }
    }
    s
}

fn connections(app: &WatchApp, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let port = tr!("watch-port", port = app.snap.port);
    let Some(inner) = draw_block(pane_block(cx, title(t, "connections", &[&port])), area, buf) else { return };
    let mut lines: Vec<Line> = Vec::new();
    let total: usize = app.snap.processes.iter().map(|p| p.connections.len()).sum();
    lines.push(Line::styled(tr!("watch-established", n = total), t.strong));
    for p in &app.snap.processes {
        let n = p.connections.len();
        let mut s = format!("  {:<10} {:>7} {:>5}", cut(&app.alias(p.pid), 10, t.ascii), p.pid, n);
        if n > 0 {
            let first: Vec<String> = p.connections.iter().take(3).map(|c| c.remote.to_string()).collect();
            s.push_str(&format!("  {}", first.join(" ")));
            if n > 3 {
                s.push_str(&format!(" +{}", n - 3));
            }
        }
        lines.push(Line::styled(s, if n == 0 { t.dim } else { t.text }));
    }
    match &app.fire {
        None => lines.push(Line::styled(tr!("watch-press-c"), t.dim)),
        Some(fv) => {
            let unattributed: u64 = fv.not_attributed.values().sum();
            let heading = if unattributed == 0 {
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
            lines.push(Line::styled(heading, t.strong));
            let most = fv.per_process.values().copied().max().unwrap_or(1).max(1);
            for (pid, n) in &fv.per_process {
                let bar_w = (inner.width as usize).saturating_sub(30).min(MAX_BAR);
                let filled = (*n as usize * bar_w).div_ceil(most as usize);
                lines.push(Line::from(vec![
                    Span::styled(format!("  {:<10} {:>7} {:>5} ", cut(&app.alias(*pid), 10, t.ascii), pid, n), t.good),
                    Span::styled(t.bar_full().repeat(filled), t.bar),
                ]));
            }
            for (why, n) in &fv.not_attributed {
                let words = crate::lab::fire::not_attributed_words(why);
                lines.push(Line::styled(
                    format!("  {}", tr!("watch-not-attributed-why", why = why, n = *n, words = words)),
                    t.warn,
                ));
            }
            for (why, n) in &fv.failures {
                lines.push(Line::styled(format!("  {}", tr!("watch-failed-why", why = why, n = *n)), t.bad));
            }
            let each: Vec<String> = fv
                .each
                .iter()
                .enumerate()
                .map(|(i, e)| match e {
                    Ok(pid) => format!("#{} {}", i + 1, app.alias(*pid)),
                    Err(why) => format!("#{} {why}", i + 1),
                })
                .collect();
            lines.push(Line::styled(format!("  {}", each.join("  ")), t.text));
        }
    }
    for (y, l) in lines.into_iter().enumerate() {
        put(buf, inner, y as u16, l);
    }
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
