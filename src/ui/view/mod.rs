//! Drawing: a pure function of `&App`. Nothing here changes state or touches the system.
//! One file per pane (processes, cores, connections, events, ipc, fds), the narration area,
//! and the overlays; this file lays them out with the header and the key bar.

#[cfg(test)]
mod conn_tests;
mod connections;
mod cores;
mod events;
mod fds;
mod ipc;
mod narration;
#[cfg(test)]
mod narration_tests;
mod overlay;
mod pane;
#[cfg(test)]
pub(crate) mod pane_tests;
mod processes;
#[cfg(test)]
mod sys_tests;
mod syscalls;
pub(crate) mod watch;
#[cfg(test)]
mod zh_tests;

use super::app::{App, Focus, LessonView, Overlay, Screen, shown_panes};
use super::theme::Theme;
use crate::lesson::Pane;
use narration::narration;
use overlay::{help, signal_menu};
use pane::PaneCtx;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

/// The smallest terminal the lesson screen is laid out for.
pub use super::MIN_SIZE;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        match &app.screen {
            // In a lesson, the way out names it.
            Screen::Lesson(v) => {
                let id = app.lessons[v.index].id.as_str();
                let this_one = tr!("too-small-this-lesson", width = area.width, height = area.height, id = id);
                too_small_saying(theme, f, area, this_one);
            }
            Screen::Picker { .. } => too_small(theme, f, area),
        }
        return;
    }
    match &app.screen {
        Screen::Picker { selected } => picker(app, *selected, theme, f, area),
        Screen::Lesson(v) => lesson(app, v, theme, f, area),
    }
    if let Some(o) = &app.overlay {
        overlay(app, o, theme, f, area);
    }
    if theme.ascii {
        ascii_only(f.buffer_mut());
    }
}

/// `--ascii`: whatever the text drawn (a lesson's Markdown, a message, a fire's bars), no
/// arrow, dot, dash or block outside ASCII reaches the screen; each becomes one ASCII cell, so nothing moves.
fn ascii_only(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let swap = match cell.symbol() {
            "→" | "⇒" => ">",
            "←" | "⇐" => "<",
            "↑" => "^",
            "↓" => "v",
            "·" | "•" | "–" | "—" => "-",
            "…" => ".",
            "✓" => "+",
            "✗" => "x",
            "█" => "#",
            _ => continue,
        };
        cell.set_symbol(swap);
    }
}

/// Below MIN_SIZE no key acts but the ones this names (`App::key`).
/// Its lines wrap by `linebreak`'s rule, each row centred.
fn too_small(theme: &Theme, f: &mut Frame, area: Rect) {
    too_small_saying(theme, f, area, tr!("too-small-this-one", width = area.width, height = area.height));
}

/// The same, with `this_one` saying what to do instead (the watch screen's own).
fn too_small_saying(theme: &Theme, f: &mut Frame, area: Rect, this_one: String) {
    f.render_widget(Paragraph::new(too_small_rows_saying(theme, area, this_one)).alignment(Alignment::Center), area);
}

#[cfg(test)]
fn too_small_rows(theme: &Theme, area: Rect) -> Vec<Line<'static>> {
    too_small_rows_saying(theme, area, tr!("too-small-this-one", width = area.width, height = area.height))
}

fn too_small_rows_saying(theme: &Theme, area: Rect, this_one: String) -> Vec<Line<'static>> {
    let w = usize::from(area.width);
    let said = [
        (tr!("too-small"), theme.strong),
        (this_one, ratatui::style::Style::default()),
        (tr!("too-small-quit"), ratatui::style::Style::default()),
    ];
    let rows = said.into_iter().flat_map(|(s, style)| {
        crate::ui::linebreak::fill(&s, w, w, true).into_iter().map(move |r| Line::styled(r, style))
    });
    rows.collect()
}

/// A dialog's block, or with `focused` false a pane's that has not the focus.
pub(super) fn block<'a>(theme: &Theme, title: &'a str, focused: bool) -> Block<'a> {
    Block::bordered()
        .border_set(theme.border_set())
        .border_style(if focused { theme.border_focused } else { theme.border })
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// The narration's block: its title marked, as a pane's is, while it has the focus.
pub(super) fn narration_block<'a>(theme: &Theme, title: &'a str, focused: bool) -> Block<'a> {
    pane::focus_block(theme, Line::styled(format!(" {title} "), theme.title), focused)
}

fn picker(app: &App, selected: usize, theme: &Theme, f: &mut Frame, area: Rect) {
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let language = format!("  [{}]", tr!("picker-language", name = crate::i18n::current().name()));
    let title = Text::from(vec![
        Line::styled("forklab", theme.step_title),
        Line::from(vec![Span::styled(tr!("picker-tagline"), theme.dim), Span::styled(language, theme.key)]),
    ]);
    f.render_widget(Paragraph::new(title), top.inner(ratatui::layout::Margin::new(1, 0)));
    let mut lines = Vec::new();
    // Summaries are cut to the pane, with an ellipsis: one line each keeps every lesson in view.
    let id_w = app.lessons.iter().map(|l| l.id.chars().count()).max().unwrap_or(0).max(9);
    let indent = id_w + 4;
    let room = usize::from(body.width.saturating_sub(2)).saturating_sub(indent);
    // A Node lesson where there is no `node`: marked, with how to get it, in place of its summary.
    let no_node = app.node_missing;
    for (i, l) in app.lessons.iter().enumerate() {
        let mark = if app.done.contains(&l.id) { if theme.ascii { "[x]" } else { " ✓ " } } else { "   " };
        let style = if i == selected { theme.selected } else { theme.text };
        lines.push(Line::from(vec![
            Span::styled(mark, theme.good),
            Span::styled(format!(" {:<id_w$}", l.id), style.patch(theme.strong)),
            Span::styled(format!(" {}", l.title), style),
        ]));
        if no_node && l.needs_node() {
            let needs = tr!("picker-needs-node", how = crate::lab::node::how_to_get());
            lines.push(Line::styled(format!("{:indent$}{}", "", ellipsis(&needs, room, theme.ascii)), theme.bad));
            continue;
        }
        lines.push(Line::styled(format!("{:indent$}{}", "", ellipsis(&l.summary, room, theme.ascii)), theme.dim));
    }
    // Keep the selected lesson in view when the list is longer than the pane.
    let visible = usize::from(body.height.saturating_sub(2));
    let scroll = (selected * 2 + 2).saturating_sub(visible);
    let rows = lines.len();
    f.render_widget(
        Paragraph::new(lines).block(block(theme, &tr!("picker-title"), true)).scroll((scroll as u16, 0)),
        body,
    );
    // At 80x24 nine of the lessons fit: the border says that more are above or below.
    if scroll > 0 {
        pane::border_mark(f.buffer_mut(), body, false, theme);
    }
    if scroll + visible < rows {
        pane::border_mark(f.buffer_mut(), body, true, theme);
    }
    let keys = [
        ("↑/↓", "key-choose"),
        ("Enter", "key-open"),
        ("L", "key-language"),
        ("g", "key-glossary"),
        ("?", "key-help"),
        ("q", "key-quit"),
    ]
    .map(|(k, w)| (k, tr!(w)));
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, w)| (*k, w.as_str())).collect();
    status(theme, f, bottom, &keys, None, None);
}

/// "intro" on page 0, else "step N/M".
pub(super) fn step_name(page: usize, steps: usize) -> String {
    if page == 0 { tr!("intro") } else { tr!("step-of", n = page, m = steps) }
}

/// `s` cut to `width` columns, ending in an ellipsis when cut.
pub(super) fn ellipsis(s: &str, width: usize, ascii: bool) -> String {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= width {
        return s.to_string();
    }
    let mark = if ascii { "..." } else { "…" };
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + c.to_string().width() + mark.width() > width {
            break;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out + mark
}

use super::WIDE;
/// Side by side, the most of the width (in %) the narration takes to show a table whole.
const NARRATION_MAX: usize = 68;

/// The lesson screen's rows: the header, the step's title (for a projector, `--theme
/// contrast`, a band three rows high), the body, the key bar (`bar` rows: a message longer
/// than the screen is wide wraps onto more, so all of it is read).
fn lesson_rows(area: Rect, theme: &Theme, bar: u16) -> [Rect; 4] {
    let band = theme.name == super::theme::ThemeName::Contrast;
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(if band { 3 } else { 1 }),
        Constraint::Min(1),
        Constraint::Length(bar),
    ])
    .areas(area)
}

/// The most rows the key bar takes for a message.
const BAR_MAX: u16 = 4;

/// The rows the key bar needs on a screen `width` wide: one, or as many as its message
/// wraps to beside the curl line (up to BAR_MAX).
fn bar_rows(v: &LessonView, width: u16, theme: &Theme) -> u16 {
    let Some(m) = v.message.as_deref() else { return 1 };
    let room = left_of_curl(width, &curl_text(curl_port(v)));
    message_lines(m, room, theme).len().clamp(1, usize::from(BAR_MAX)) as u16
}

/// The key bar's columns left of the curl line (at least one).
fn left_of_curl(width: u16, curl: &str) -> u16 {
    width.saturating_sub(curl.width() as u16 + 1).max(1)
}

/// A message of the key bar in rows of `room` columns, after a space: wrapped by `linebreak`'s
/// rule (at spaces, and in Chinese between characters; a word wider than the bar is cut by
/// width), its spaces as written.
fn message_rows(m: &str, room: u16) -> Vec<String> {
    let room = usize::from(room);
    let mut rows = crate::ui::linebreak::fill(m, room.saturating_sub(1).max(1), room, true);
    if let Some(first) = rows.first_mut() {
        first.insert(0, ' ');
    }
    rows
}

/// A message of the key bar as drawn: its `code` spans as the narration's are (backticks gone,
/// in a style of their own; under NO_COLOR as written), in rows of `room` columns. The message
/// is in the warning colour, which is the code's too, so the code is in the terminal's own.
fn message_lines(m: &str, room: u16, theme: &Theme) -> Vec<Line<'static>> {
    let coded = crate::ui::codespan::Coded::new(m, theme);
    let code = ratatui::style::Style::new().fg(ratatui::style::Color::Reset).patch(theme.text);
    coded.rows(message_rows(&coded.plain, room), theme.warn, code)
}

/// The curl line for `port`, or nothing.
fn curl_text(port: Option<u16>) -> String {
    port.map(|p| format!(" curl -si http://127.0.0.1:{p}/ ")).unwrap_or_default()
}

/// The port the bar's curl line names: the pool's, else the Node program's, and only while
/// the kernel shows a process of forklab's listening on it (the last sample).
fn curl_port(v: &LessonView) -> Option<u16> {
    let m = &v.model;
    // A lab that has ended serves nothing: no curl line for its port.
    [m.conns.port, m.node_port].into_iter().flatten().find(|p| m.listening.contains(p) && v.ended().is_none())
}

/// The body between the narration area and the live panes: side by side from WIDE columns,
/// else one above the other; zoomed, the focused one has it all. Side by side, a narration
/// whose table rows need `table` columns gets them, up to NARRATION_MAX of the width.
fn body_split(body: Rect, v: &LessonView, table: usize) -> (Option<Rect>, Option<Rect>) {
    if v.look.zoom {
        return match v.look.focus {
            Focus::Narration => (Some(body), None),
            Focus::Pane(_) | Focus::Syscalls => (None, Some(body)),
        };
    }
    let [a, b] = if body.width >= WIDE {
        let most = usize::from(body.width) * NARRATION_MAX / 100;
        let least = usize::from(body.width) * 42 / 100;
        // The table's rows and the narration's two borders.
        let narration = (table + 2).clamp(least, most.max(least)) as u16;
        Layout::horizontal([Constraint::Length(narration), Constraint::Fill(1)]).areas(body)
    } else {
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body)
    };
    (Some(a), Some(b))
}

/// How the narration area scrolls on a screen of the app's size and theme; None when a
/// zoomed pane hides it.
pub(crate) fn narration_extent(app: &App, v: &LessonView) -> Option<crate::ui::app::Extent> {
    let [_, _, body, _] =
        lesson_rows(Rect::new(0, 0, app.size.0, app.size.1), &app.theme, bar_rows(v, app.size.0, &app.theme));
    let table = narration::widest_row(&app.lessons[v.index], v, app.question(), &app.theme);
    let (area, _) = body_split(body, v, table);
    Some(narration::extent(&app.lessons[v.index], v, app.question(), &app.theme, area?))
}

fn lesson(app: &App, v: &LessonView, theme: &Theme, f: &mut Frame, area: Rect) {
    let l = &app.lessons[v.index];
    let band = theme.name == super::theme::ThemeName::Contrast;
    let [top, title_row, body, bottom] = lesson_rows(area, theme, bar_rows(v, area.width, theme));
    let where_ = step_name(v.steps.page, l.steps.len());
    let mut marks = Vec::new();
    if app.frozen.is_some() {
        let frozen = format!("  {}", tr!("mark-frozen"));
        marks.push(Span::styled(frozen, theme.warn.add_modifier(ratatui::style::Modifier::REVERSED)));
    }
    if app.autoplay.is_some() {
        marks.push(Span::styled(format!("  {}", tr!("mark-autoplay")), theme.dim));
    }
    let id = format!(" forklab · {} ", l.id);
    let place = format!("  {where_}");
    // The lesson's title gives way (cut with an ellipsis) so the step and the marks always fit.
    let fixed = id.width() + place.width() + marks.iter().map(|s| s.width()).sum::<usize>() + 2;
    let room = usize::from(area.width).saturating_sub(fixed);
    let mut header = vec![
        Span::styled(id, theme.status),
        Span::styled(format!(" {} ", ellipsis(&l.title, room, theme.ascii)), theme.strong),
        Span::styled(place, theme.dim),
    ];
    header.extend(marks);
    f.render_widget(Paragraph::new(Line::from(header)), top);
    let step_title = match v.steps.page {
        0 => l.title.clone(),
        n => l.steps.get(n - 1).map(|s| s.title.clone()).unwrap_or_default(),
    };
    let busy =
        if v.steps.busy && v.steps.page == v.steps.ran { format!("  {}", tr!("mark-running")) } else { String::new() };
    let title =
        Line::from(vec![Span::styled(format!(" {step_title} "), theme.step_title), Span::styled(busy, theme.warn)]);
    if band {
        let style = theme.step_title.add_modifier(ratatui::style::Modifier::REVERSED);
        let p = Paragraph::new(vec![Line::raw(""), title, Line::raw("")]).style(style);
        f.render_widget(p, title_row);
    } else {
        f.render_widget(Paragraph::new(title), title_row);
    }

    let (narr_area, panes_area) = body_split(body, v, narration::widest_row(l, v, app.question(), theme));
    if let Some(r) = narr_area {
        narration(l, v, app.question(), theme, f, r);
    }
    match (panes_area, v.look.focus) {
        (Some(r), Focus::Pane(p)) if v.look.zoom => live_panes(&[Some(p)], &l.columns, v, theme, f, r, true),
        (Some(r), Focus::Syscalls) if v.look.zoom => live_panes(&[None], &l.columns, v, theme, f, r, true),
        (Some(r), _) => {
            let wide = area.width >= WIDE;
            live_panes(&shown_panes(&l.panes, v.sys.is_some(), wide), &l.columns, v, theme, f, r, wide)
        }
        (None, _) => {}
    }

    let port = curl_port(v);
    let (right, left, to) = if theme.ascii { ("Right", "Left", "-") } else { ("→", "←", "–") };
    // q goes back to the list of lessons, or (`forklab open`) quits: there is no list.
    let leave = if v.direct { "key-quit" } else { "key-back" };
    // Most useful first: the bar shows each key in this order that fits beside the curl line,
    // skipping one too wide for what is left (so a shorter one after it may still show). Next,
    // then `?` (the help lists every key, so whatever the bar drops can be found), then what
    // acts on the screen (focus, signal, syscalls), then the rest.
    let keys: Vec<(String, &str)> = match app.question() {
        _ if v.ended().is_some() => {
            vec![("r".into(), "key-fresh-lab"), ("q".into(), leave), ("?".into(), "key-keys")]
        }
        Some(a) => {
            let last = a.asks[a.current].last_letter();
            vec![
                (format!("a{to}{last}"), "key-predict"),
                (right.into(), "key-run-without-guess"),
                (left.into(), "key-back"),
            ]
        }
        None => {
            // The keys that act on a pool only while one runs (without one, they only say so);
            // those that fire, only while a worker is alive to be reached.
            let pool = v.pool_runs();
            let fire = v.fire_reaches_a_worker();
            // The zoomed narration's wide table takes ←/→: n and p step, Esc unzooms.
            let side = app.moves_sideways(v);
            let (next, back) = if side { ("n", "p") } else { (right, left) };
            let keys: Vec<(String, &str, bool)> = vec![
                (format!("{left}/{right}"), "key-sideways", side),
                (next.into(), "key-next", true),
                ("Esc".into(), "key-unzoom", side),
                ("1 2 3".into(), "key-fire", fire),
                ("?".into(), "key-keys", true),
                ("Tab".into(), "key-focus", true),
                ("k".into(), "key-signal", true),
                ("s".into(), if v.sys.is_some() { "key-syscalls-off" } else { "key-syscalls" }, true),
                ("c".into(), "key-again", fire),
                (back.into(), "key-back", true),
                ("PgDn".into(), "key-page", true),
                ("q".into(), leave, true),
                ("+/-".into(), "key-workers", pool),
                ("m".into(), "key-mode", pool),
                ("z".into(), "key-zoom", !side),
                ("f".into(), "key-freeze", true),
            ];
            keys.into_iter().filter(|k| k.2).map(|(k, w, _)| (k, w)).collect()
        }
    };
    let keys: Vec<(String, String)> = keys.into_iter().map(|(k, w)| (k, tr!(w))).collect();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, w)| (k.as_str(), w.as_str())).collect();
    status(theme, f, bottom, &keys, port, v.message.as_deref());
}

/// What is open on top: the help over whatever it was opened on. A question is drawn in the
/// narration, under the step it asks about.
fn overlay(app: &App, o: &Overlay, theme: &Theme, f: &mut Frame, area: Rect) {
    match o {
        Overlay::Help(under) => {
            if let Some(under) = under {
                overlay(app, under, theme, f, area);
            }
            // The same keys as the bar: fire, scale and mode only while a pool runs.
            let pool = matches!(&app.screen, Screen::Lesson(v) if v.pool_runs());
            help(pool, theme, f, area);
        }
        Overlay::Signals(i) => {
            if let Screen::Lesson(v) = &app.screen {
                signal_menu(v, *i, theme, f, area);
            }
        }
        Overlay::Question(_) => {}
        Overlay::Glossary(top) => overlay::glossary(*top, theme, f, area),
    }
}

/// Draws `panes`, `None` being the syscalls pane.
fn live_panes(
    panes: &[Option<Pane>],
    columns: &[crate::lesson::ProcColumn],
    v: &LessonView,
    theme: &Theme,
    f: &mut Frame,
    area: Rect,
    wide: bool,
) {
    if panes.is_empty() {
        return;
    }
    let areas: Vec<Rect> = if wide {
        // Stacked; the processes pane gets the most room.
        let weights: Vec<Constraint> =
            panes.iter().map(|p| Constraint::Fill(if *p == Some(Pane::Processes) { 3 } else { 2 })).collect();
        Layout::vertical(weights).split(area).to_vec()
    } else if !columns.is_empty() && panes.first() == Some(&Some(Pane::Processes)) && panes.len() > 1 {
        // The lesson is about the processes table's columns (the daemon lesson's PGID, SID,
        // TTY): the tree takes the whole width on top, the other panes share the row below.
        let [top, below] = Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
        let mut v = vec![top];
        v.extend(Layout::horizontal(vec![Constraint::Fill(1); panes.len() - 1]).split(below).iter());
        v
    } else if panes.len() <= 2 {
        Layout::horizontal(vec![Constraint::Fill(1); panes.len()]).split(area).to_vec()
    } else {
        // The first pane (the process tree, in most lessons) keeps the whole height on the
        // left, so several processes fit; the others stack on the right.
        let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
        let mut v = vec![left];
        v.extend(Layout::vertical(vec![Constraint::Fill(1); panes.len() - 1]).split(right).iter());
        v
    };
    for (pane, rect) in panes.iter().zip(areas) {
        let focus = pane.map_or(Focus::Syscalls, Focus::Pane);
        let cx = PaneCtx { theme, focused: v.look.focus == focus, zoomed: v.look.zoom, keep: columns };
        let buf = f.buffer_mut();
        let Some(pane) = pane else {
            if let Some(p) = &v.sys {
                syscalls_pane(v, p, &cx, rect, buf);
            }
            continue;
        };
        match pane {
            Pane::Processes => processes::processes(&v.model, &cx, rect, buf),
            Pane::Cores => cores::cores(&v.model, &cx, rect, buf),
            Pane::Connections => connections::connections(&v.model, &cx, rect, buf),
            Pane::Events => events::events(&v.model, &cx, rect, buf),
            Pane::Ipc => ipc::ipc(&v.model, &cx, rect, buf),
            Pane::Fds => fds::fds(&v.model, &cx, rect, buf),
        }
    }
}

/// The syscalls pane over the lab: each call named by the alias of the process that made it.
fn syscalls_pane(
    v: &LessonView,
    p: &crate::ui::model::SysPane,
    cx: &PaneCtx,
    area: Rect,
    buf: &mut ratatui::buffer::Buffer,
) {
    let label = |c: &crate::lab::strace::SysCall| {
        let pid = c.tid.unwrap_or(p.pid);
        match v.model.procs.iter().find(|r| r.pid == pid) {
            Some(r) => format!("{} {pid}", r.alias),
            None => format!("pid {pid}"),
        }
    };
    // -f: the processes it forks from now on are traced too.
    let who = format!("{} {} -f", p.alias, p.pid);
    syscalls::syscalls(p, &who, &label, cx, area, buf);
}

/// The bottom bar: the keys that fit, and the `curl` line for the lesson's port on the right
/// (it matters more than the keys: `?` lists them all).
/// A message takes the bar's rows beside the curl line, wrapped (`bar_rows` gave it enough).
fn status(theme: &Theme, f: &mut Frame, area: Rect, keys: &[(&str, &str)], port: Option<u16>, message: Option<&str>) {
    let curl = curl_text(port);
    let room = left_of_curl(area.width, &curl);
    match message {
        Some(m) => f.render_widget(Paragraph::new(message_lines(m, room, theme)), Rect { width: room, ..area }),
        None => {
            let (mut spans, mut used) = (Vec::new(), 0);
            for (k, what) in keys {
                let w = k.width() + what.width() + 4;
                if used + w > usize::from(room) {
                    continue;
                }
                used += w;
                spans.push(Span::styled(format!(" {k} "), theme.key));
                spans.push(Span::styled(format!(" {what} "), theme.text));
            }
            f.render_widget(Paragraph::new(Line::from(spans)), area);
        }
    }
    let w = curl.chars().count() as u16;
    if w > 0 && area.width >= w {
        let r = Rect { x: area.x + area.width - w, width: w, height: 1, ..area };
        f.render_widget(Paragraph::new(Span::styled(curl, theme.status)), r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::app::{App, Msg};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::collections::BTreeSet;

    /// The accept lesson on step 1, its model the panes' fixed sample.
    pub(super) fn lesson_app() -> App {
        accept_app(crate::lesson::embedded().unwrap())
    }

    /// Lesson `id` of `lessons` opened on a screen of `size`, as `forklab open` opens it.
    pub(super) fn open_at(lessons: Vec<crate::lesson::Lesson>, id: &str, size: (u16, u16)) -> App {
        let i = lessons.iter().position(|l| l.id == id).unwrap();
        let mut app = App::new(lessons, BTreeSet::new(), size);
        app.measure = narration_extent;
        app.open_direct(i);
        app
    }

    /// The accept lesson of `lessons` on step 1, its model the panes' fixed sample.
    pub(super) fn accept_app(lessons: Vec<crate::lesson::Lesson>) -> App {
        let mut app = open_at(lessons, "accept", (80, 24));
        if let Screen::Lesson(v) = &mut app.screen {
            v.model = crate::ui::view::pane_tests::sample();
            v.steps.page = 1;
            v.steps.ran = 1;
        }
        app
    }

    pub(super) fn render(app: &App, theme: &Theme, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(app, theme, f)).unwrap();
        let buf = t.backend().buffer();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub(super) fn theme() -> Theme {
        Theme::new(crate::ui::theme::ThemeName::Default, false, false)
    }

    /// Too small a terminal in a lesson names that lesson's `play` line; in the picker, any.
    #[test]
    fn too_small_in_a_lesson_names_the_lesson() {
        crate::i18n::set(crate::i18n::Lang::En);
        let app = lesson_app();
        let s = render(&app, &theme(), 60, 20).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(s.contains("`forklab play accept`"), "{s}");
        let picker = App::new(app.lessons.clone(), BTreeSet::new(), (60, 20));
        let s = render(&picker, &theme(), 60, 20).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(s.contains("`forklab play <lesson>`"), "{s}");
    }

    #[test]
    fn lesson_screen_80x24() {
        insta::assert_snapshot!(render(&lesson_app(), &theme(), 80, 24));
    }

    #[test]
    fn lesson_screen_160x45() {
        insta::assert_snapshot!(render(&lesson_app(), &theme(), 160, 45));
    }

    #[test]
    fn lesson_screen_ascii_100x30() {
        let t = Theme::new(crate::ui::theme::ThemeName::Default, true, true);
        insta::assert_snapshot!(render(&lesson_app(), &t, 100, 30));
    }

    #[test]
    fn picker_80x24_marks_finished_lessons() {
        let lessons = crate::lesson::embedded().unwrap();
        let app = App::new(lessons, BTreeSet::from(["fork".to_string()]), (80, 24));
        insta::assert_snapshot!(render(&app, &theme(), 80, 24));
    }

    /// The picker longer than the pane says so on its border: more below at the first lesson,
    /// more above (and no more below) at the last.
    #[test]
    fn a_picker_longer_than_the_pane_marks_what_is_out_of_view() {
        let lessons = crate::lesson::embedded().unwrap();
        let last = lessons.len() - 1;
        let mut app = App::new(lessons, BTreeSet::new(), (80, 24));
        let borders = |app: &App| {
            let s = render(app, &theme(), 80, 24);
            let rows: Vec<String> = s.lines().map(str::to_string).collect();
            (rows[3].clone(), rows[22].clone())
        };
        let (top, bottom) = borders(&app);
        assert!(!top.contains("more above") && bottom.contains("↓ more below"), "{top}\n{bottom}");
        for _ in 0..last {
            app.update(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
        }
        let (top, bottom) = borders(&app);
        assert!(top.contains("↑ more above") && !bottom.contains("more below"), "{top}\n{bottom}");
        // At 160x45 every lesson fits: no mark.
        let s = render(&app, &theme(), 160, 45);
        assert!(!s.contains("more above") && !s.contains("more below"), "{s}");
    }

    #[test]
    fn help_overlay_lists_the_keys() {
        let mut app = lesson_app();
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)));
        let s = render(&app, &theme(), 100, 30);
        for k in ["next step", "previous step", "send the selected process a signal", "Ctrl-C"] {
            assert!(s.contains(k), "{k} missing:\n{s}");
        }
    }

    #[test]
    fn below_80x24_a_message_replaces_the_layout() {
        let s = render(&lesson_app(), &theme(), 79, 24);
        assert!(s.contains("at least 80x24") && s.contains("79x24"), "{s}");
        assert!(!s.contains("processes"));
    }

    /// Below 80x24 the message wraps in English as ratatui's word wrap did, row for row, and in
    /// Chinese by Chinese rules: no row starts with a closing mark or is wider than the screen.
    #[test]
    fn the_too_small_message_wraps_as_before_in_english_and_by_chinese_rules_in_chinese() {
        let t = theme();
        for w in 12..80u16 {
            let area = Rect::new(0, 0, w, 24);
            let rows = too_small_rows(&t, area);
            let text = Text::from(vec![
                Line::styled(tr!("too-small"), t.strong),
                Line::raw(tr!("too-small-this-one", width = w, height = 24)),
                Line::raw(tr!("too-small-quit")),
            ]);
            let mut before = Terminal::new(TestBackend::new(w, 24)).unwrap();
            let p = Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }).alignment(Alignment::Center);
            before.draw(|f| f.render_widget(p, f.area())).unwrap();
            let mut now = Terminal::new(TestBackend::new(w, 24)).unwrap();
            now.draw(|f| too_small(&t, f, f.area())).unwrap();
            assert_eq!(now.backend().buffer(), before.backend().buffer(), "at {w}x24: {rows:?}");
        }
        crate::i18n::set(crate::i18n::Lang::Zh);
        let all: Vec<Vec<String>> = (12..80u16)
            .map(|w| too_small_rows(&t, Rect::new(0, 0, w, 24)).iter().map(|l| l.to_string()).collect())
            .collect();
        crate::i18n::set(crate::i18n::Lang::En);
        for (rows, w) in all.iter().zip(12..80usize) {
            assert!(rows.iter().any(|r| r.contains("终端")), "{rows:?}");
            for r in rows {
                assert!(r.width() <= w, "{w}: {rows:?}");
                assert!(!r.starts_with(crate::ui::linebreak::is_closing), "{w}: {rows:?}");
            }
        }
    }

    #[test]
    fn the_status_bar_shows_a_ready_curl_line() {
        let mut app = lesson_app();
        if let Screen::Lesson(v) = &mut app.screen {
            v.model.conns.port = Some(8090);
        }
        let s = render(&app, &theme(), 80, 24);
        assert!(s.lines().last().unwrap().contains("curl -si http://127.0.0.1:8090/"), "{s}");
    }

    /// node-cluster, a step that starts forklab's pool and then Node's: the pool on one port has stopped, the Node program
    /// serves on another. The curl line names only a port the last sample saw listened on.
    #[test]
    fn the_curl_line_names_only_a_port_something_listens_on() {
        use crate::lesson::run::{Info, Report};
        use crate::proto::Event;
        use crate::proto::mode::Mode;
        use crate::ui::engine::EngineMsg;
        let bar = |app: &App| render(app, &theme(), 80, 24).lines().last().unwrap().to_string();
        let mut app = lesson_app();
        if let Screen::Lesson(v) = &mut app.screen {
            v.model = Default::default();
        }
        let ev = |e: Event| Msg::Engine(EngineMsg::Report(Report::Event(e)));
        app.update(ev(Event::PoolReady { alias: "master".into(), pid: 5, mode: Mode::Rr, port: 32933, workers: 2 }));
        let listen = |app: &mut App, ports: &[u16]| {
            if let Screen::Lesson(v) = &mut app.screen {
                v.model.listening = ports.iter().copied().collect();
            }
        };
        // The pool's port, once the kernel shows it listened on.
        assert!(!bar(&app).contains("curl"), "{}", bar(&app));
        listen(&mut app, &[32933]);
        assert!(bar(&app).contains("curl -si http://127.0.0.1:32933/"), "{}", bar(&app));
        // The pool stops; the Node program listens on its own port.
        app.update(ev(Event::PoolStopped { alias: "master".into(), pid: 5 }));
        let node =
            Info::Node { program: "cluster".into(), sched: "rr".into(), port: 41000, primary: 7, workers: vec![] };
        app.update(Msg::Engine(EngineMsg::Report(Report::Info(node))));
        assert!(!bar(&app).contains("32933"), "{}", bar(&app));
        listen(&mut app, &[41000]);
        assert!(bar(&app).contains("curl -si http://127.0.0.1:41000/"), "{}", bar(&app));
        // Nothing listens any more: no curl line.
        listen(&mut app, &[]);
        assert!(!bar(&app).contains("curl"), "{}", bar(&app));
    }

    /// A lesson with no pool of forklab's (node-fork) offers no key that fires or scales,
    /// its connections pane says no "press c", and the message `c` still gives is read whole
    /// at 80x24: it wraps onto more rows of the bar.
    #[test]
    fn without_a_pool_no_fire_keys_and_the_whole_message_at_80x24() {
        let lessons = crate::lesson::embedded().unwrap();
        for (w, h) in [(80, 24), (160, 45)] {
            let mut app = open_at(lessons.clone(), "node-fork", (w, h));
            let s = render(&app, &theme(), w, h);
            let bar = s.lines().last().unwrap();
            assert!(bar.contains("next") && !bar.contains("fire") && !bar.contains("again"), "{s}");
            assert!(s.contains("no connection accepted yet") && !s.contains("press c"), "{s}");
            press(&mut app, 'c');
            let s = render(&app, &theme(), w, h);
            let Screen::Lesson(v) = &app.screen else { unreachable!() };
            let m = v.message.clone().unwrap();
            assert!(m.width() > 80, "the message fits anyway: {m}");
            let shown: String =
                s.lines().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" ");
            let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(shown.contains(&m), "{m:?} not whole at {w}x{h}:\n{s}");
            // The rest of the screen keeps its frame: the panes' bottom border is still drawn.
            assert!(s.lines().filter(|l| l.contains('╰')).count() >= 2, "{s}");
        }
        // With a pool, the fire keys are offered.
        let s = render(&lesson_app(), &theme(), 80, 24);
        assert!(s.lines().last().unwrap().contains("1 2 3  fire"), "{s}");
    }

    /// At 80 columns, in English and Chinese, with and without the curl line, the key bar keeps
    /// next and `?` (the help lists every key the bar drops), and without the curl line Tab,
    /// k and s too (crash step 1 in Chinese lost s and Tab behind PgDn). It offers the fire
    /// keys only while a worker is alive to take a connection: with every worker dead they
    /// are gone (crash step 1 offered "1 2 3 发起连接" after the pool died).
    #[test]
    fn the_key_bar_keeps_the_useful_keys_at_80_columns_and_fires_only_at_a_live_worker() {
        use crate::i18n::Lang;
        use crate::ui::model::Role;
        for lang in [Lang::En, Lang::Zh] {
            crate::i18n::set(lang);
            let word = |key: &str| tr!(key);
            for curl in [false, true] {
                for alive in [true, false] {
                    let mut app = lesson_app();
                    if let Screen::Lesson(v) = &mut app.screen {
                        v.model.conns.port = Some(8090);
                        v.model.listening = if curl { [8090].into() } else { Default::default() };
                        for p in v.model.procs.iter_mut().filter(|p| p.role == Role::Worker && !alive) {
                            p.exit = Some("SIGKILL".into());
                        }
                    }
                    let s = render(&app, &theme(), 80, 24);
                    let bar = s.lines().last().unwrap().to_string();
                    // The rendered rows put a space after each wide character: compare unspaced.
                    let unspaced = |s: &str| s.split_whitespace().collect::<String>();
                    let has = |k: &str, w: &str| unspaced(&bar).contains(&unspaced(&format!("{k}{}", word(w))));
                    let case = format!("{lang:?} curl {curl} alive {alive}:\n{bar}");
                    assert!(has("→", "key-next") && has("?", "key-keys"), "{case}");
                    if !curl {
                        assert!(
                            has("Tab", "key-focus") && has("k", "key-signal") && has("s", "key-syscalls"),
                            "{case}"
                        );
                    }
                    assert_eq!(has("1 2 3", "key-fire"), alive, "{case}");
                    if !alive {
                        assert!(!has("c", "key-again"), "{case}");
                    }
                    assert_eq!(bar.contains("curl -si"), curl, "{case}");
                }
            }
        }
        crate::i18n::set(Lang::En);
    }

    /// The key bar's message in English wraps as ratatui's word wrap did before `linebreak`
    /// took it over, row for row (but for a run of spaces at a break: ratatui began the next
    /// row with one of them, `linebreak` begins none), and in Chinese by Chinese rules: no row
    /// starts with a closing mark, and no row is wider than the room.
    #[test]
    fn the_key_bar_message_wraps_as_before_in_english_and_by_chinese_rules_in_chinese() {
        let en = [
            tr!("msg-no-pool"),
            tr!("msg-press-to-predict", last = "c"),
            tr!("msg-lab-ended", error = "spawn worker: No such file or directory (os error 2)"),
            "`signal W1 SIGTERM` failed: no such worker (W1 has exited; /proc/48112/status is gone)".to_string(),
            "a_word_far_longer_than_any_key_bar_could_hold_on_one_row_of_it then words".to_string(),
        ];
        for m in &en {
            for room in 8..=90u16 {
                let mut t = Terminal::new(TestBackend::new(room, 8)).unwrap();
                let p = Paragraph::new(Line::raw(format!(" {m}"))).wrap(ratatui::widgets::Wrap { trim: false });
                let n = p.line_count(room);
                t.draw(|f| f.render_widget(p, f.area())).unwrap();
                let buf = t.backend().buffer();
                let before: Vec<String> = (0..n.min(8) as u16)
                    .map(|y| (0..room).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
                    .collect();
                let now: Vec<String> = message_rows(m, room).iter().take(8).map(|r| r.trim_end().to_string()).collect();
                assert_eq!(now, before, "{m:?} at {room}");
            }
        }
        crate::i18n::set(crate::i18n::Lang::Zh);
        let zh = [tr!("msg-no-pool"), tr!("msg-press-to-predict", last = "c"), tr!("msg-nothing-to-trace-yet")];
        crate::i18n::set(crate::i18n::Lang::En);
        for m in &zh {
            assert!(m.chars().any(crate::ui::linebreak::is_cjk), "{m}");
            for room in 14..=90u16 {
                let rows = message_rows(m, room);
                for (i, r) in rows.iter().enumerate() {
                    assert!(r.width() <= usize::from(room), "{m:?} at {room}: {r:?}");
                    let first = r.trim_start().chars().next();
                    assert!(
                        i == 0 || !first.is_some_and(crate::ui::linebreak::is_closing),
                        "{m:?} at {room}: {rows:?}"
                    );
                }
            }
        }
    }

    /// `forklab open`: q quits (there is no list of lessons), and the key bar says so.
    #[test]
    fn the_key_bar_says_q_quits_when_opened_directly() {
        let lessons = crate::lesson::embedded().unwrap();
        let mut app = open_at(lessons, "fork", (160, 45));
        let s = render(&app, &theme(), 160, 45);
        assert!(s.lines().last().unwrap().contains(" q  quit "), "{s}");
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)));
        assert!(app.quit);
    }

    /// `show tree` on the lesson screen: each child under its parent, indented by its depth as
    /// play prints it, at 80x24 and 160x45.
    #[test]
    fn show_tree_keeps_each_childs_indentation() {
        use crate::lesson::run::{Info, Report, TreeRow};
        use crate::sys::procfs::ProcStatus;
        use crate::ui::engine::EngineMsg;
        let row = |alias: &str, pid: i32, ppid: i32, depth: usize| TreeRow {
            alias: alias.into(),
            pid,
            depth,
            status: ProcStatus { pid, ppid, pgid: 5798, sid: 5798, state: 'S', threads: 1, ..Default::default() },
        };
        let rows = vec![row("forklab", 5790, 1, 0), row("master", 5798, 5790, 1), row("W1", 6618, 5798, 2)];
        let report = Report::Info(Info::Tree { rows, pids: Default::default() });
        let played: Vec<String> = report.text().lines().skip(1).map(String::from).collect();
        for (w, h) in [(80, 24), (160, 45)] {
            let mut app = lesson_app();
            app.update(Msg::Engine(EngineMsg::Report(report.clone())));
            for _ in 0..6 {
                app.update(Msg::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)));
            }
            let s = render(&app, &theme(), w, h);
            // Where each process's name starts on screen, against where play puts it.
            let at = |name: &str| {
                let l = s
                    .lines()
                    .find(|l| l.contains(&format!("{name} ")) && l.contains(" pid "))
                    .unwrap_or_else(|| panic!("{name} at {w}x{h}:\n{s}"));
                l.find(name).unwrap()
            };
            let played_at =
                |name: &str| played.iter().find(|l| l.contains(&format!("{name} "))).unwrap().find(name).unwrap();
            assert!(at("forklab") < at("master") && at("master") < at("W1"), "{s}");
            assert_eq!(at("W1") - at("forklab"), played_at("W1") - played_at("forklab"), "{s}");
            assert_eq!(at("master") - at("forklab"), played_at("master") - played_at("forklab"), "{s}");
        }
    }

    #[test]
    fn stepping_back_says_the_step_is_not_rerun() {
        let mut app = lesson_app();
        if let Screen::Lesson(v) = &mut app.screen {
            v.steps.ran = 2;
            v.steps.page = 1;
        }
        let s = render(&app, &theme(), 160, 45);
        assert!(s.contains("already ran"), "{s}");
    }

    fn press(app: &mut App, c: char) {
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }

    /// The key bar draws a message's `code` as the narration does: without its backticks, in
    /// a style of its own (the message's colour is the code's); under NO_COLOR, as written.
    #[test]
    fn the_key_bar_draws_a_messages_code_without_backticks() {
        let mut app = lesson_app();
        if let Screen::Lesson(v) = &mut app.screen {
            v.message = Some(tr!("msg-running", directive = "do: spawn 3"));
        }
        let bar = |t: &Theme| {
            let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
            term.draw(|f| draw(&app, t, f)).unwrap();
            let buf = term.backend().buffer().clone();
            let row: String = (0..80).map(|x| buf[(x, 23)].symbol()).collect();
            (row, (0..80).map(|x| buf[(x, 23)].style()).collect::<Vec<_>>())
        };
        let (row, styles) = bar(&theme());
        assert!(row.starts_with(" running do: spawn 3 "), "{row}");
        let (word, code) = (styles[1], styles[9]);
        assert_eq!(word.fg, theme().warn.fg);
        assert_ne!(code.fg, word.fg, "the code looks as the words around it");
        let (row, _) = bar(&Theme::new(crate::ui::theme::ThemeName::Default, true, false));
        assert!(row.starts_with(" running `do: spawn 3` "), "{row}");
    }

    /// The focused pane's title is marked and reversed, so the focus shows without colour, and
    /// it moves with Tab: the narration's first, then the processes pane's.
    #[test]
    fn the_focused_pane_is_marked_on_its_title_without_colour_too() {
        use ratatui::style::Modifier;
        let mut app = lesson_app();
        for ascii in [false, true] {
            let t = Theme::new(crate::ui::theme::ThemeName::Default, true, ascii);
            let mark = if ascii { ">" } else { "▸" };
            let s = render(&app, &t, 80, 24);
            let corner = if ascii { "+" } else { "╭" };
            let marked: Vec<&str> = s.lines().filter(|l| l.contains(&format!("{corner}{mark} "))).collect();
            assert_eq!(marked.len(), 1, "{s}");
            assert!(marked[0].contains(&format!("{corner}{mark} step")), "{s}");
        }
        app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
        let t = Theme::new(crate::ui::theme::ThemeName::Default, true, false);
        let s = render(&app, &t, 80, 24);
        let marked: Vec<&str> = s.lines().filter(|l| l.contains("╭▸ ")).collect();
        assert_eq!(marked.len(), 1, "{s}");
        assert!(marked[0].contains("▸ processes") && !marked[0].contains("▸ step"), "{s}");
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| draw(&app, &t, f)).unwrap();
        let buf = term.backend().buffer();
        let y = s.lines().position(|l| l.contains("▸ processes")).unwrap() as u16;
        let x = (0..80).find(|&x| buf[(x, y)].symbol() == "▸").unwrap();
        for dx in 0..=10 {
            assert!(buf[(x + dx, y)].modifier.contains(Modifier::REVERSED), "{s}");
        }
        let step = s.lines().position(|l| l.contains("╭ step ")).unwrap() as u16;
        assert!((0..80).all(|x| !buf[(x, step)].modifier.contains(Modifier::REVERSED)), "{s}");
    }

    #[test]
    fn zoom_gives_the_focused_pane_the_whole_screen() {
        let mut app = lesson_app();
        app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE))); // the processes pane
        press(&mut app, 'z');
        insta::assert_snapshot!(render(&app, &theme(), 80, 24));
    }

    #[test]
    fn frozen_and_contrast_show_in_the_header_and_title_band() {
        let mut app = lesson_app();
        press(&mut app, 'f');
        let t = Theme::new(crate::ui::theme::ThemeName::Contrast, false, false);
        let s = render(&app, &t, 100, 30);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].contains("FROZEN (f thaws)"), "{s}");
        // The title sits in a band three rows high, with a blank row above and below.
        assert_eq!(lines[1].trim(), "");
        assert!(lines[2].contains("Shared: every worker watches the one socket"), "{s}");
        assert_eq!(lines[3].trim(), "");
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        term.draw(|f| draw(&app, &t, f)).unwrap();
        let cell = &term.backend().buffer()[(50, 1)];
        assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED), "the band is reversed");
    }

    #[test]
    fn a_question_card_before_the_step_80x24() {
        let lessons = crate::lesson::embedded().unwrap();
        let mut app = open_at(lessons, "fork", (80, 24));
        if let Screen::Lesson(v) = &mut app.screen {
            v.model = crate::ui::view::pane_tests::sample();
        }
        app.update(Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)));
        insta::assert_snapshot!(render(&app, &theme(), 80, 24));
    }

    #[test]
    fn the_explanation_waits_until_the_step_has_run() {
        let mut lessons = crate::lesson::embedded().unwrap();
        let i = lessons.iter().position(|l| l.id == "fork").unwrap();
        lessons[i].steps[0].narration = "SETUP TEXT".into();
        lessons[i].steps[0].explain = Some("EXPLAINED".into());
        let mut app = open_at(lessons, "fork", (80, 24));
        app.update(Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)));
        let asked = render(&app, &theme(), 100, 30);
        assert!(asked.contains("SETUP TEXT") && !asked.contains("EXPLAINED"), "{asked}");
        // The card lists the choices in the order shown, letter a first.
        let a = app.question().unwrap();
        let first = &a.asks[0].choices[a.orders[0][0]].label;
        assert!(asked.contains(&format!("  a {first}")), "{asked}");
        // → runs the step; while it runs the explanation still waits, then it shows.
        app.update(Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)));
        let Screen::Lesson(v) = &mut app.screen else { unreachable!() };
        assert!(v.steps.busy && v.steps.ran == 1);
        assert!(!render(&app, &theme(), 100, 30).contains("EXPLAINED"));
        if let Screen::Lesson(v) = &mut app.screen {
            v.steps.busy = false;
        }
        let ran = render(&app, &theme(), 100, 30);
        assert!(ran.contains("SETUP TEXT") && ran.contains("EXPLAINED"), "{ran}");
    }

    #[test]
    fn what_a_step_did_shows_under_its_narration_80x24() {
        use crate::ui::app::OutLine;
        use crate::ui::model::LogKind;
        let mut app = lesson_app();
        if let Screen::Lesson(v) = &mut app.screen {
            let lines = [
                (LogKind::Lesson, "> do: spawn workers=4 mode=shared"),
                (LogKind::Life, "pool ready: 4 workers in shared mode on http://127.0.0.1:8090/"),
                (LogKind::Lesson, "> do: fire 200 concurrency=8"),
                (LogKind::Life, "fired 200 connections at shared mode: 200 completed, 0 failed"),
                (LogKind::Conn, "✓ expect: accounted  (200 fired = 200 completed + 0 failed)"),
                (LogKind::Conn, "✓ expect: failed == 0  (failed is 0)"),
            ];
            v.steps.outputs[1] =
                lines.iter().map(|(kind, text)| OutLine { kind: *kind, text: text.to_string(), hang: 0 }).collect();
        }
        insta::assert_snapshot!(render(&app, &theme(), 80, 24));
    }

    pub(super) fn key(app: &mut App, code: KeyCode) {
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Accept's last step, run, with a transcript longer than its area: a herd table among it.
    fn long_step(app: &mut App) -> Vec<String> {
        use crate::ui::app::OutLine;
        use crate::ui::model::LogKind;
        let mut lines: Vec<String> = (1..=12).map(|i| format!("> do: fire {i}0 concurrency=8  (line {i})")).collect();
        lines.push("mode       wakeups  accepted  eagain".into());
        for (i, m) in ["shared", "exclusive", "reuseport", "rr"].iter().enumerate() {
            lines.push(format!("{m:<10} {:>7}  {:>8}  {:>6}", 400 - i * 90, 200, 200 - i * 40));
        }
        lines.push(
            "a line long enough to wrap across two rows of the narration area at eighty columns: its tail END".into(),
        );
        let Screen::Lesson(v) = &mut app.screen else { unreachable!() };
        v.steps.page = 6;
        v.steps.ran = 6;
        v.steps.outputs[6] = lines.iter().map(|t| OutLine { kind: LogKind::Life, text: t.clone(), hang: 0 }).collect();
        lines
    }

    #[test]
    fn paging_through_the_narration_area_finds_every_line_80x24() {
        let mut app = lesson_app();
        let lines = long_step(&mut app);
        let first = render(&app, &theme(), 80, 24);
        assert!(first.contains("more below, PgDn") && !first.contains("more above, PgUp"), "{first}");
        let mut seen = first.clone();
        let mut last = first;
        for _ in 0..20 {
            key(&mut app, KeyCode::PageDown);
            last = render(&app, &theme(), 80, 24);
            seen.push_str(&last);
        }
        for l in &lines[..lines.len() - 1] {
            assert!(seen.contains(l.as_str()), "{l:?} never on screen");
        }
        assert!(seen.contains("a line long enough to wrap") && seen.contains("its tail END"));
        // At the end: more above, nothing below; PgUp goes back to the start.
        assert!(last.contains("more above, PgUp") && !last.contains("more below, PgDn"), "{last}");
        assert!(last.contains("its tail END"), "{last}");
        for _ in 0..20 {
            key(&mut app, KeyCode::PageUp);
        }
        assert_eq!(render(&app, &theme(), 80, 24), render(&lesson_app_on(6), &theme(), 80, 24));
    }

    /// `lesson_app` on page `n`, with the same long transcript and nothing scrolled.
    fn lesson_app_on(n: usize) -> App {
        let mut app = lesson_app();
        long_step(&mut app);
        if let Screen::Lesson(v) = &mut app.screen {
            v.steps.page = n;
        }
        app
    }

    #[test]
    fn up_and_down_scroll_the_focused_narration_one_row_and_zoomed_it_pages_too() {
        let mut app = lesson_app();
        long_step(&mut app);
        let top = render(&app, &theme(), 80, 24);
        key(&mut app, KeyCode::Down);
        let down = render(&app, &theme(), 80, 24);
        // The second row of the text is now the first.
        let row = |s: &str, i: usize| s.lines().nth(i).unwrap().to_string();
        assert_eq!(row(&down, 3), row(&top, 4));
        key(&mut app, KeyCode::Up);
        assert_eq!(render(&app, &theme(), 80, 24), top);
        // Zoomed, the narration area has the body and still pages to its end.
        press(&mut app, 'z');
        for _ in 0..10 {
            key(&mut app, KeyCode::PageDown);
        }
        let zoomed = render(&app, &theme(), 80, 24);
        assert!(zoomed.contains("its tail END") && zoomed.contains("more above"), "{zoomed}");
        assert!(!zoomed.contains("processes"), "{zoomed}");
    }

    /// A step that asks twice runs after the second answer: the first card says the next
    /// question comes, the second that the step runs.
    #[test]
    fn the_first_of_two_questions_says_the_next_one_comes() {
        let lessons = crate::lesson::embedded().unwrap();
        let step = lessons.iter().find(|l| l.id == "shutdown").unwrap().steps.iter().position(|s| {
            s.directives.iter().filter(|d| matches!(d.item, crate::lesson::Directive::Ask(_))).count() == 2
        });
        let mut app = open_at(lessons, "shutdown", (100, 30));
        let step = step.expect("shutdown has a step with two questions");
        // Step to it without guessing, each earlier step told done as the engine would.
        for i in 0..step {
            key(&mut app, KeyCode::Right);
            while app.question().is_some() {
                key(&mut app, KeyCode::Right);
            }
            let done = crate::ui::engine::EngineMsg::StepDone { index: i, error: None };
            app.update(crate::ui::app::Msg::Engine(done));
        }
        key(&mut app, KeyCode::Right);
        let first = render(&app, &theme(), 100, 30);
        assert!(first.contains("(1/2)") && first.contains("then the next question"), "{first}");
        press(&mut app, 'a');
        let second = render(&app, &theme(), 100, 30);
        assert!(second.contains("(2/2)") && second.contains("then the step runs"), "{second}");
    }

    #[test]
    fn a_question_keeps_its_card_in_view_and_marks_the_text_above() {
        let lessons = crate::lesson::embedded().unwrap();
        let i = lessons.iter().position(|l| l.id == "fork").unwrap();
        let mut app = open_at(lessons, "fork", (80, 24));
        key(&mut app, KeyCode::Right);
        let s = render(&app, &theme(), 80, 24);
        assert!(s.contains("more above, PgUp") && s.contains("predict with a"), "{s}");
        // PgUp shows the start of the step's text; the card is then below, marked.
        key(&mut app, KeyCode::PageUp);
        key(&mut app, KeyCode::PageUp);
        let s = render(&app, &theme(), 80, 24);
        let step = &app.lessons[i].steps[0].narration;
        let plain = step.replace(['`', '*', '_'], "");
        let start: String = plain.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        assert!(s.contains(&start) && s.contains("more below, PgDn") && !s.contains("more above, PgUp"), "{s}");
        // The question still takes its keys.
        assert!(app.question().is_some());
    }

    #[test]
    fn the_help_fits_80x24_whole_and_says_what_the_dim_rows_are() {
        use crate::ui::app::Action;
        for (w, h) in [(80, 24), (160, 45)] {
            let mut app = lesson_app();
            press(&mut app, '?');
            let s = render(&app, &theme(), w, h);
            let lines: Vec<&str> = s.lines().collect();
            // The box is closed at the bottom, inside the screen.
            assert!(lines.iter().any(|l| l.contains('╰')), "{s}");
            for a in [Action::Next, Action::Back, Action::Page(1), Action::Fire(0), Action::FireAgain, Action::Quit] {
                assert!(s.contains(&a.to_string()), "{a} missing at {w}x{h}:\n{s}");
            }
            assert!(s.contains("dim after exit 0,") && s.contains("what the workers reported."), "{s}");
            assert!(!s.contains("every PID on screen is a live process"));
        }
    }

    /// The help offers the keys that fire, scale and change the mode only while a pool runs,
    /// as the key bar does: in accept (a pool) it lists them, in lessons that never start one
    /// (daemon, node-fork) it does not. Whole at 80x24 both ways.
    #[test]
    fn the_help_lists_the_pool_keys_only_with_a_pool() {
        use crate::lesson::Directive;
        use crate::ui::app::Action;
        let pool_keys = [Action::Fire(0), Action::FireAgain, Action::Workers(1), Action::NextMode];
        let always = [Action::Next, Action::Back, Action::SignalMenu, Action::Syscalls, Action::Quit];
        let help_at = |mut app: App| {
            press(&mut app, '?');
            let s = render(&app, &theme(), 80, 24);
            assert!(s.lines().any(|l| l.contains('╰')) && s.contains("what the workers reported."), "{s}");
            s
        };
        let s = help_at(lesson_app());
        for a in pool_keys.iter().chain(&always) {
            assert!(s.contains(&a.to_string()), "{a} missing with a pool:\n{s}");
        }
        let lessons = crate::lesson::embedded().unwrap();
        for id in ["daemon", "node-fork"] {
            let l = lessons.iter().find(|l| l.id == id).unwrap();
            let spawns = l.steps.iter().flat_map(|s| &s.directives).any(|d| matches!(d.item, Directive::Spawn { .. }));
            assert!(!spawns, "{id} starts a pool: pick a lesson without one");
            let s = help_at(open_at(lessons.clone(), id, (80, 24)));
            for a in &pool_keys {
                assert!(!s.contains(&a.to_string()), "{a} offered in {id}, which has no pool:\n{s}");
            }
            for a in &always {
                assert!(s.contains(&a.to_string()), "{a} missing in {id}:\n{s}");
            }
        }
    }

    #[test]
    fn the_signal_menu_says_its_keys_whole() {
        let mut app = lesson_app();
        app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
        press(&mut app, 'k');
        let s = render(&app, &theme(), 80, 24);
        assert!(s.contains("Enter sends, Esc cancels"), "{s}");
        assert!(s.contains("SIGKILL") && s.contains("signal W1 pid 48112"), "{s}");
    }

    #[test]
    fn below_80x24_only_quitting_acts() {
        let mut app = lesson_app();
        app.update(Msg::Resize(79, 24));
        let s = render(&app, &theme(), 79, 24);
        assert!(s.contains("q or Ctrl-C quits"), "{s}");
        for c in [KeyCode::Right, KeyCode::Char('c'), KeyCode::Char('?'), KeyCode::Char('z'), KeyCode::Esc] {
            assert_eq!(app.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))), vec![]);
        }
        let Screen::Lesson(v) = &app.screen else { unreachable!() };
        assert!(v.message.is_none() && !v.look.zoom && app.overlay.is_none() && v.steps.page == 1);
        assert_eq!(
            app.update(Msg::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE))),
            vec![crate::ui::app::Effect::Quit]
        );
        assert!(app.quit);
    }

    #[test]
    fn ascii_draws_no_arrow_or_middle_dot() {
        let t = Theme::new(crate::ui::theme::ThemeName::Default, false, true);
        let mut app = lesson_app();
        long_step(&mut app);
        // A fire's bars, as the step's output draws them (lesson::run::report).
        if let Screen::Lesson(v) = &mut app.screen {
            let bar = crate::ui::app::OutLine {
                kind: crate::ui::model::LogKind::Life,
                text: "      W1       54  ███████████".into(),
                hang: 0,
            };
            v.steps.outputs[6].insert(0, bar);
        }
        let mut screens = vec![render(&app, &t, 80, 24)];
        key(&mut app, KeyCode::PageDown);
        screens.push(render(&app, &t, 80, 24));
        press(&mut app, '?');
        screens.push(render(&app, &t, 80, 24));
        let lessons = crate::lesson::embedded().unwrap();
        let mut fork = open_at(lessons, "fork", (80, 24));
        key(&mut fork, KeyCode::Right);
        screens.push(render(&fork, &t, 80, 24));
        for s in screens {
            assert!(!s.contains(['→', '←', '↑', '↓', '·', '…', '–', '—', '█']), "{s}");
        }
    }

    /// `s` traces the lab's master and live workers (not forklab, the client or the dead),
    /// the calls show at 80x24 in the events pane's place, named by alias; `s` again detaches.
    #[test]
    fn s_shows_the_syscalls_of_the_labs_processes_in_the_lesson_screen() {
        use crate::lab::strace::{SysEvent, parse};
        use crate::ui::app::Effect;
        let mut app = lesson_app();
        let fx = app.update(Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE)));
        assert_eq!(fx, vec![Effect::Trace(vec![48107, 48112, 48113, 48131])]);
        let lines = [
            "[pid 48112] 11:26:15.065851 accept4(21<TCP:[127.0.0.1:8090]>, NULL, NULL, SOCK_CLOEXEC) = 22<TCP:[127.0.0.1:8090->127.0.0.1:59114]>",
            "[pid 48113] 11:26:15.065900 epoll_wait(5<anon_inode:[eventpoll]>, [{events=EPOLLIN, data={u32=3, u64=3}}], 64, -1) = 1",
        ];
        for l in lines {
            app.update(Msg::Sys(SysEvent::Call(parse(l).unwrap())));
        }
        let s = render(&app, &theme(), 80, 24);
        assert!(s.contains("syscalls") && s.contains("W1 48112 accept4(21) = 22"), "{s}");
        assert!(s.contains("W2 48113 epoll_wait(5) = 1") && !s.contains(" events "), "{s}");
        // Zoomed, it has the body. (Tab goes past the events pane it took the place of.)
        for _ in 0..3 {
            app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
        }
        assert!(matches!(&app.screen, Screen::Lesson(v) if v.look.focus == Focus::Syscalls));
        press(&mut app, 'z');
        let zoomed = render(&app, &theme(), 80, 24);
        assert!(zoomed.contains("W1 48112 accept4") && !zoomed.contains(" processes "), "{zoomed}");
        press(&mut app, 'z');
        // strace refused: the bar and the pane say why.
        app.update(Msg::TraceFailed("strace is not installed (not on PATH): install it".into()));
        let s = render(&app, &theme(), 80, 24);
        // The bar's message, whole: it wraps beside the curl line rather than going under it.
        let bar = s.lines().rev().take(2).collect::<Vec<_>>();
        assert!(bar[1].contains("strace is not installed") && bar[0].contains("install it"), "{s}");
        assert_eq!(
            app.update(Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE))),
            vec![Effect::StopTrace]
        );
        let s = render(&app, &theme(), 80, 24);
        assert!(!s.contains("accept4") && s.contains(" events "), "{s}");
    }

    /// Accept's step 6 with a compare of three modes reported: its table's rows as shown.
    pub(super) fn compare_step(app: &mut App) -> Vec<String> {
        use crate::lab::measure::Run;
        use crate::lesson::run::Report;
        use crate::proto::mode::Mode;
        use crate::ui::engine::EngineMsg;
        if let Screen::Lesson(v) = &mut app.screen {
            v.steps.page = 6;
            v.steps.ran = 6;
        }
        let run = |mode: Mode, n: u64| Run {
            mode,
            workers: 4,
            connections: 200,
            completed: 200,
            failed: 0,
            conn_per_s: 900.0,
            p50_ms: 0.4,
            p99_ms: 1.2,
            per_worker: (1..=4).map(|i| (format!("W{i}"), n + i)).collect(),
            max: n + 4,
            min: n + 1,
            cv: 0.01,
            empty_wakeups: 3,
            voluntary_ctxt: 1234,
            accepted_by_worker: Default::default(),
            errors: Default::default(),
            busy: None,
            chaos: None,
        };
        let report = Report::Compare(vec![run(Mode::Shared, 100), run(Mode::Exclusive, 150), run(Mode::Rr, 120)]);
        let rows = report.text().lines().map(|l| l.trim_start_matches("    ").to_string()).collect();
        app.update(Msg::Engine(EngineMsg::Report(report)));
        rows
    }

    /// From 120 columns, the narration widens to show such a table whole, without a zoom.
    #[test]
    fn side_by_side_the_narration_widens_for_a_table_160x45() {
        let mut app = lesson_app();
        let rows = compare_step(&mut app);
        let s = render(&app, &theme(), 160, 45);
        for r in &rows {
            assert!(s.lines().any(|l| l.starts_with(&format!("│{r}"))), "{r:?} not whole:\n{s}");
        }
        assert!(!s.contains("wide table") && s.contains(" processes "), "{s}");
    }

    /// A step whose narration has a wide table, zoomed: the key bar says what ←/→ do there
    /// (move the table), that n and p step, and that Esc unzooms; unzoomed, → steps again.
    #[test]
    fn the_key_bar_says_what_the_arrows_do_on_a_zoomed_wide_table() {
        let mut app = markdown_table_app();
        let bar = |app: &App, w, h| render(app, &theme(), w, h).lines().last().unwrap().to_string();
        assert!(bar(&app, 80, 24).starts_with(" →  next"), "{}", bar(&app, 80, 24));
        press(&mut app, 'z');
        let b = bar(&app, 80, 24);
        assert!(b.starts_with(" ←/→  move the table  n  next  Esc  unzoom"), "{b}");
        assert!(!b.contains("→  next"), "{b}");
        // At 160x45 the zoomed table fits: → steps, and the bar says so.
        app.update(Msg::Resize(160, 45));
        assert!(bar(&app, 160, 45).starts_with(" →  next"), "{}", bar(&app, 160, 45));
        app.update(Msg::Resize(80, 24));
        key(&mut app, KeyCode::Esc);
        assert!(bar(&app, 80, 24).starts_with(" →  next"), "{}", bar(&app, 80, 24));
    }

    /// Every lesson at 80x24, with its pool (and four workers more, as `+` would add) on
    /// seven-digit PIDs: the processes pane's header keeps PID, PPID, ACC and the lesson's
    /// own `columns`, and ↑/↓ in the pane reach every worker's row.
    #[test]
    fn every_lesson_at_80x24_keeps_its_columns_and_reaches_every_worker() {
        use crate::lesson::{Pane, ProcColumn, WorkerCount};
        use crate::ui::model::Role;
        use crate::ui::view::pane_tests::proc_row;
        let header = |c: ProcColumn| match c {
            ProcColumn::Pid => "PID",
            ProcColumn::Ppid => "PPID",
            ProcColumn::Pgid => "PGID",
            ProcColumn::Sid => "SID",
            ProcColumn::Tty => "TTY",
            ProcColumn::State => "STATE",
            ProcColumn::Threads => "THR",
            ProcColumn::Cpu => "CPU%",
            ProcColumn::Rss => "RSS",
            ProcColumn::Acc => "ACC",
        };
        let lessons = crate::lesson::embedded().unwrap();
        assert!(lessons.len() >= 10);
        for lesson in &lessons {
            assert!(lesson.panes.contains(&Pane::Processes), "{} has no processes pane", lesson.id);
            let workers = lesson.setup.workers.unwrap_or(WorkerCount::N(4)).resolve().max(4) + 4;
            let mut app = open_at(lessons.clone(), &lesson.id, (80, 24));
            let Screen::Lesson(v) = &mut app.screen else { unreachable!() };
            let (me, master) = (1_048_100, 1_048_107);
            let mut procs = vec![proc_row(0, Role::App, "forklab", me, 3021, me)];
            procs.push(proc_row(1, Role::Master, "master", master, me, master));
            for w in 1..=workers {
                let mut row = proc_row(2, Role::Worker, &format!("W{w}"), master + w as i32, master, master);
                row.accepted = Some(1000 + w as u64);
                row.cpu = 12.5;
                row.threads = 12;
                procs.push(row);
            }
            procs.push(proc_row(1, Role::Client, "client", 1_048_999, me, me));
            v.model.procs = procs;
            // The processes pane focused, its first row selected.
            let focused =
                |app: &App| matches!(&app.screen, Screen::Lesson(v) if v.look.focus == Focus::Pane(Pane::Processes));
            while !focused(&app) {
                app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
            }
            let mut seen = render(&app, &theme(), 80, 24);
            let head = seen.lines().find(|l| l.contains("PROCESS")).unwrap_or_default().to_string();
            let keep = [ProcColumn::Pid, ProcColumn::Ppid, ProcColumn::Acc];
            for c in keep.iter().chain(&lesson.columns) {
                let has = head.split(|ch: char| ch == '│' || ch.is_whitespace()).any(|w| w == header(*c));
                assert!(has, "{}: {} not in the processes pane at 80x24: {head}\n{seen}", lesson.id, header(*c));
            }
            for _ in 0..workers + 3 {
                key(&mut app, KeyCode::Down);
                seen.push_str(&render(&app, &theme(), 80, 24));
            }
            for w in 1..=workers {
                let pid = (master + w as i32).to_string();
                let row = seen.lines().any(|l| {
                    let words: Vec<&str> = l.split(|ch: char| ch == '│' || ch.is_whitespace()).collect();
                    words.contains(&format!("W{w}").as_str()) && words.contains(&pid.as_str())
                });
                assert!(row, "{}: W{w}'s row never on screen at 80x24", lesson.id);
            }
        }
    }

    /// Fork's first step, run, its narration a table whose row is wider than an 80-column screen.
    fn markdown_table_app() -> App {
        let mut lessons = crate::lesson::embedded().unwrap();
        let i = lessons.iter().position(|l| l.id == "fork").unwrap();
        let tail = "and this is where the row goes on, well past the eighty columns of the screen: END";
        lessons[i].steps[0].narration = format!("Text first.\n\n| a | b |\n|---|---|\n| one | {tail} |\n");
        lessons[i].steps[0].directives.retain(|d| !matches!(d.item, crate::lesson::Directive::Ask(_)));
        let mut app = open_at(lessons, "fork", (80, 24));
        if let Screen::Lesson(v) = &mut app.screen {
            v.steps.page = 1;
            v.steps.ran = 1;
        }
        app
    }

    /// A Markdown table in a step's narration, wider than the screen, keeps its columns: each
    /// row on one line, marked where it goes on, moved sideways when zoomed. (What a step
    /// prints as a table wraps instead: narration_tests.)
    #[test]
    fn a_markdown_table_in_the_narration_stays_whole_80x24() {
        let mut app = markdown_table_app();
        let s = render(&app, &theme(), 80, 24);
        let row = s.lines().find(|l| l.contains("one │ and this")).unwrap_or_else(|| panic!("{s}"));
        assert!(row.ends_with('→') && !s.contains("END"), "{s}");
        press(&mut app, 'z');
        for _ in 0..5 {
            key(&mut app, KeyCode::Right);
        }
        let s = render(&app, &theme(), 80, 24);
        assert!(s.lines().any(|l| l.starts_with('←') && l.ends_with("columns of the screen: END│")), "{s}");
    }
}
