//! The live panes drawn from a fixed model, as text and as styled cells.

use super::connections::connections;
use super::cores::cores;
use super::events::events;
use super::fds::fds;
use super::ipc::ipc;
use super::pane::*;
use super::processes::{processes, tree_prefixes};
use crate::proto::mode::Mode;
use crate::sys::procfs::FdEntry;
use crate::ui::linebreak::wrap;
use crate::ui::model::{ConnRow, FdTable, LabModel, LogKind, LogLine, ProcRow};
use crate::ui::model::{Connections, CoreHistory, EventLog, Role, Tally};
use crate::ui::theme::Theme;
use crate::ui::theme::ThemeName;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::style::Modifier;
use std::collections::BTreeMap;

type Pane = fn(&LabModel, &PaneCtx, Rect, &mut Buffer);
const PANES: [(&str, Pane); 5] =
    [("processes", processes), ("cores", cores), ("connections", connections), ("events", events), ("fds", fds)];

pub(crate) fn proc_row(depth: u8, role: Role, alias: &str, pid: i32, ppid: i32, pgid: i32) -> ProcRow {
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
        unreported: false,
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

/// The process tree of `sample`: forklab, the master, W1-W4 (W3 just killed, W4 new), a client.
fn sample_procs() -> Vec<ProcRow> {
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
    vec![app, master, w1, w2, w3, w4, client]
}

/// A pool of four workers in rr mode, a moment after W3 was killed and W4 added.
pub(crate) fn sample() -> LabModel {
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
        answered: per_worker.clone(),
        per_worker,
        recent,
        fired: 82,
        completed: 81,
        failed: 1,
        // A fire of 40 before this one.
        since: Tally { fired: 122, completed: 121, failed: 1 },
        fires: 2,
        streamed: Default::default(),
        scroll: 0,
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
        procs: sample_procs(),
        cores: vec![
            history(|i| ((i * 7 % 40) as f32 + if i > 40 { 55.0 } else { 5.0 }).min(100.0)),
            history(|i| (i * 13 % 50) as f32),
        ],
        conns,
        log,
        fds: Some(fds),
        fds_scroll: 0,
        selected: 2,
        earlier_exited: 0,
        // The master listens on the pool's port.
        listening: [8090].into(),
        node_port: None,
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
    let cx = PaneCtx { theme, focused, zoomed: false, keep: &[] };
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
        m.conns.answered.insert(format!("W{i}"), 300 + i * 7 % 41);
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
    let cx = PaneCtx { theme: &t, focused: false, zoomed: false, keep: &[] };
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

/// s6-qazh 6: a worker whose exit came before any sample of it has no process group, session
/// or terminal the pane knows: those cells are blank, not 0, 0 and `?`.
#[test]
fn an_exit_never_sampled_shows_no_made_up_ids() {
    let t = theme();
    let mut m = sample();
    let row = &mut m.procs[4];
    (row.pgid, row.sid, row.tty, row.exit) = (0, 0, String::new(), Some("exit 0".into()));
    let (pid, alias) = (row.pid, row.alias.clone());
    let buf = render(processes, &m, &t, false, 120, 24);
    let line = text(&buf).lines().find(|l| l.contains(&format!(" {pid} "))).unwrap().to_string();
    let cells: Vec<&str> = line.trim_matches(|c: char| c == '│' || c == ' ').split_whitespace().collect();
    // alias (after the tree), PID, PPID, then straight to the status: no PGID, SID or TTY.
    let at = cells.iter().position(|c| *c == alias).unwrap();
    assert_eq!(
        &cells[at + 1..at + 5],
        &[pid.to_string().as_str(), &m.procs[4].ppid.to_string(), "exit", "0"],
        "{line}"
    );
    // A sampled exited row keeps what the kernel said.
    let mut m = sample();
    m.procs[4].exit = Some("exit 0".into());
    let (pid, pgid) = (m.procs[4].pid, m.procs[4].pgid);
    let buf = render(processes, &m, &t, false, 120, 24);
    let line = text(&buf).lines().find(|l| l.contains(&format!(" {pid} "))).unwrap().to_string();
    assert!(line.contains(&format!(" {pgid} ")), "{line}");
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

/// In Chinese the fds pane names the other holders in Chinese too, with the enumeration
/// comma; narrower, it names as many as fit and counts them all, or only counts them.
#[test]
fn the_fds_pane_names_other_holders_in_chinese() {
    let (m, t) = (sample(), theme());
    crate::i18n::set(crate::i18n::Lang::Zh);
    let wide = text(&render(fds, &m, &t, false, 80, 24));
    let some = super::fds::also(&["W2 fd 3".into(), "master fd 6".into()], 26);
    let none = super::fds::also(&["W2 fd 3".into(), "master fd 6".into()], 14);
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(wide.contains("同时被 W2 fd 3、master fd 6 持有"), "{wide}");
    assert!(!wide.contains("also"), "{wide}");
    assert_eq!(some, "同时被 W2 fd 3 等 2 处持有");
    assert_eq!(none, "另有 2 处");
}

/// In Chinese a failed connection's row says why in Chinese, not the `--json` kind.
#[test]
fn a_failed_connection_says_why_in_chinese() {
    let (m, t) = (sample(), theme());
    crate::i18n::set(crate::i18n::Lang::Zh);
    let screen = text(&render(connections, &m, &t, false, 80, 24));
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(screen.contains("失败（被重置）") && !screen.contains("reset"), "{screen}");
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
        m.conns.answered.insert(w.to_string(), n);
    }
    (m.conns.fired, m.conns.completed, m.conns.fires) = (15, 15, 1);
    let t = theme();
    let screen = text(&render(connections, &m, &t, false, 40, 8));
    let rows: Vec<&str> = screen.lines().skip(1).take(3).collect();
    assert_eq!(rows[0], "│ W1  ███████████████████████ 10   67% │", "{screen}");
    assert_eq!(rows[1], "│ W2  ████████████             5   33% │", "{screen}");
    assert_eq!(rows[2], "│ W10                          0    0% │", "{screen}");
}

#[test]
fn after_a_fire_the_bars_are_the_clients_count_and_the_shares_add_up_to_100() {
    // W2 was killed by SIGKILL: it answered 65 connections but reported 59 accepts.
    let mut m = LabModel::default();
    for (w, accepted, answered) in [("W1", 69, 69), ("W2", 59, 65), ("W3", 66, 66)] {
        m.conns.per_worker.insert(w.to_string(), accepted);
        m.conns.answered.insert(w.to_string(), answered);
    }
    (m.conns.fired, m.conns.completed, m.conns.fires) = (200, 200, 1);
    let screen = text(&render(connections, &m, &theme(), false, 40, 8));
    let rows: Vec<&str> = screen.lines().skip(1).take(3).collect();
    assert!(rows[1].ends_with(" 65   32% │"), "{screen}");
    let shares: u64 = rows
        .iter()
        .map(|r| r.trim_end_matches(" │").trim_end_matches('%').rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(shares, 100, "{screen}");
    // Before any fire, the workers' own reports (connections from curl, say).
    (m.conns.fired, m.conns.completed, m.conns.fires) = (0, 0, 0);
    let screen = text(&render(connections, &m, &theme(), false, 40, 8));
    assert!(screen.lines().nth(2).unwrap().ends_with(" 59   30% │"), "{screen}");
}

#[test]
fn shares_add_up_to_100_by_largest_remainder_and_equal_counts_share_equally() {
    use super::connections::shares;
    // fairness step 6: W2 and W4 served 9 each of 40; both are 22.5 %.
    assert_eq!(shares(&[10, 9, 12, 9]), [25, 22, 30, 22]);
    assert_eq!(shares(&[1, 1, 1]), [33, 33, 33]);
    // Two equal counts that both fit in what is left both go up.
    assert_eq!(shares(&[3, 3, 1]), [43, 43, 14]);
    assert_eq!(shares(&[69, 65, 66]), [35, 32, 33]);
    assert_eq!(shares(&[0, 0]), [0, 0]);
    assert_eq!(shares(&[7, 0]), [100, 0]);
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

#[test]
fn the_ipc_pane_scrolls_back_and_marks_what_is_out_of_view() {
    let mut m = sample();
    for i in 0..30 {
        m.log.push(LogLine { at: 0.0, kind: LogKind::Ipc, text: format!("master -> W1: message {i}") });
    }
    let t = theme();
    let tail = text(&render(ipc, &m, &t, false, 80, 12));
    assert!(tail.contains("message 29") && tail.contains("more above") && !tail.contains("more below"), "{tail}");
    m.log.ipc_scroll = 5;
    let back = text(&render(ipc, &m, &t, false, 80, 12));
    assert!(back.contains("message 24") && !back.contains("message 25"), "{back}");
    assert!(back.contains("more above") && back.contains("more below"), "{back}");
    // A new message keeps the same lines in view, one more below them.
    m.log.push(LogLine { at: 0.0, kind: LogKind::Ipc, text: "master -> W2: message 30".into() });
    let after = text(&render(ipc, &m, &t, false, 80, 12));
    assert_eq!(after.lines().skip(1).collect::<Vec<_>>(), back.lines().skip(1).collect::<Vec<_>>());
    assert!(after.lines().next().unwrap().contains(" ipc · ↑6 "), "{after}");
}

/// A narrow processes pane keeps PID, PPID and ACC before STATE and CPU, and a lesson's own
/// `columns` (the daemon lesson's PGID, SID and TTY) before everything else it can drop; at
/// 80 columns, which the daemon lesson's tree gets at 80x24, they all fit.
#[test]
fn a_narrow_processes_pane_keeps_what_the_lesson_is_about() {
    use crate::lesson::ProcColumn;
    let m = sample();
    let t = theme();
    let header = |keep: &[ProcColumn], width: u16| {
        let mut term = Terminal::new(TestBackend::new(width, 10)).unwrap();
        let cx = PaneCtx { theme: &t, focused: false, zoomed: false, keep };
        term.draw(|f| processes(&m, &cx, f.area(), f.buffer_mut())).unwrap();
        text(term.backend().buffer()).lines().nth(1).unwrap_or_default().to_string()
    };
    let plain = header(&[], 40);
    for col in ["PID", "PPID", "ACC"] {
        assert!(plain.split_whitespace().any(|w| w == col), "{col} dropped: {plain}");
    }
    assert!(!plain.contains("CPU%"), "CPU kept before ACC: {plain}");
    // Where the plain order has dropped PGID, SID or TTY, the lesson's columns stay.
    let keep = [ProcColumn::Pgid, ProcColumn::Sid, ProcColumn::Tty];
    let has = |h: &str, col: &str| h.split_whitespace().any(|w| w == col);
    let plain = header(&[], 50);
    assert!(!["PGID", "SID", "TTY"].iter().all(|c| has(&plain, c)), "all fit at 50 anyway: {plain}");
    let daemon = header(&keep, 50);
    for col in ["PID", "PPID", "PGID", "SID", "TTY"] {
        assert!(has(&daemon, col), "{col} dropped: {daemon}");
    }
}

/// A short fds pane shows the sockets another process also holds before the rest: the shared
/// listener is on screen, not behind "+N more".
#[test]
fn a_short_fds_pane_shows_the_shared_sockets_first() {
    let (m, t) = (sample(), theme());
    let table = m.fds.as_ref().unwrap();
    let shared: Vec<String> = table
        .fds
        .iter()
        .filter(|e| e.socket_inode().and_then(|i| table.shared.get(&i)).is_some_and(|(_, o)| !o.is_empty()))
        .map(|e| format!("fd {}", e.fd))
        .collect();
    assert!(!shared.is_empty() && shared.len() < 4, "the sample shares {shared:?}");
    // Room for four rows: three fds and the "+N more" line.
    let screen = text(&render(fds, &m, &t, true, 40, 6));
    assert!(screen.contains("more"), "{screen}");
    for fd in &shared {
        assert!(screen.contains(&format!("{fd} ")), "{fd} hidden:\n{screen}");
    }
}

/// A short fds pane scrolls: each fd of the table is on screen at some scroll, the border and
/// the last row mark what is above and below, and the scroll stops at the last page.
#[test]
fn a_short_fds_pane_scrolls_to_every_fd_and_marks_the_rest() {
    let (mut m, t) = (sample(), theme());
    let n = m.fds.as_ref().unwrap().fds.len();
    let first = text(&render(fds, &m, &t, true, 40, 6));
    assert!(first.contains("more below") && !first.contains("more above"), "{first}");
    let mut seen = first;
    let mut last = String::new();
    for s in 1..n {
        m.fds_scroll = s;
        last = text(&render(fds, &m, &t, true, 40, 6));
        seen.push_str(&last);
    }
    for e in &m.fds.as_ref().unwrap().fds {
        assert!(seen.contains(&format!("fd {}  {}", e.fd, e.target)), "fd {} never on screen", e.fd);
    }
    assert!(last.contains("more above") && !last.contains("more below"), "{last}");
    // Past the end, the last page stays.
    m.fds_scroll = 100;
    assert_eq!(text(&render(fds, &m, &t, true, 40, 6)), last);
}

/// When the latest connections do not all fit, the heading says which are in view; when the
/// fire had more than the pane keeps, that it keeps only the last ones.
#[test]
fn the_latest_connections_say_when_some_are_cut() {
    let (mut m, t) = (sample(), theme());
    let short = text(&render(connections, &m, &t, true, 60, 12));
    let kept = m.conns.recent.len();
    assert!(short.contains(&format!("latest 1–3 of the {kept} kept (82 fired)")), "{short}");
    let tall = text(&render(connections, &m, &t, true, 60, 30));
    assert!(tall.contains(&format!("latest 1–{kept} of the {kept} kept (82 fired)")), "{tall}");
    // Every connection of the fire kept: "latest", or which of them are in view.
    m.conns.fired = kept as u64;
    let short = text(&render(connections, &m, &t, true, 60, 12));
    assert!(
        short.contains(&format!("latest 1–3 of {kept}\n")) || short.contains(&format!("latest 1–3 of {kept} ")),
        "{short}"
    );
    let tall = text(&render(connections, &m, &t, true, 60, 30));
    assert!(tall.contains("latest ") && !tall.contains(&format!("of {kept}")), "{tall}");
}

/// An orphaned worker (its master killed) reports to nobody: ACC says `?`, not its last count
/// or a 0, and the pane's foot says why.
#[test]
fn an_orphaned_workers_acc_is_a_question_mark_with_its_reason() {
    let mut m = sample();
    m.procs.retain(|p| p.role != Role::Master);
    for p in m.procs.iter_mut().filter(|p| p.alias == "W2") {
        (p.depth, p.ppid, p.unreported) = (1, 48100, true);
    }
    let t = theme();
    let mut term = Terminal::new(TestBackend::new(60, 12)).unwrap();
    let cx = PaneCtx { theme: &t, focused: false, zoomed: false, keep: &[] };
    term.draw(|f| processes(&m, &cx, f.area(), f.buffer_mut())).unwrap();
    let screen = text(term.backend().buffer());
    let w2 = screen.lines().find(|l| l.contains("48113")).unwrap();
    assert!(w2.trim_end_matches(['│', ' ']).ends_with('?'), "{screen}");
    let w1 = screen.lines().find(|l| l.contains("48112")).unwrap();
    assert!(w1.trim_end_matches(['│', ' ']).ends_with("41"), "{screen}");
    assert!(screen.lines().last().unwrap().contains(&tr!("acc-unreported")), "{screen}");
}

/// The connections pane's title never cuts the port: narrower, the host goes first, then the
/// mode (a 40-column pane at 80x24 once showed `127.0.0.1:4220` for port 42209).
#[test]
fn the_connections_title_keeps_the_port_whole() {
    let mut m = sample();
    m.conns.port = Some(42209);
    let t = theme();
    let top = |m: &LabModel, width: u16| {
        let mut term = Terminal::new(TestBackend::new(width, 8)).unwrap();
        let cx = PaneCtx { theme: &t, focused: false, zoomed: false, keep: &[] };
        term.draw(|f| connections(m, &cx, f.area(), f.buffer_mut())).unwrap();
        text(term.backend().buffer()).lines().next().unwrap().to_string()
    };
    assert!(top(&m, 80).contains("rr · 127.0.0.1:42209 "), "{}", top(&m, 80));
    m.conns.mode = Some(Mode::Reuseport);
    for width in [40, 36] {
        let line = top(&m, width);
        assert!(line.contains("reuseport · :42209 "), "{line}");
    }
    assert!(top(&m, 26).contains(" connections · :42209 "), "{}", top(&m, 26));
    let line = top(&m, 20);
    assert!(!line.contains(':') && !line.contains("4220"), "{line}");
}
