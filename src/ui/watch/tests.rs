//! The watch screen from hand-made samples: its update (seen, exited, fds passed, kill only
//! after `y`) and the whole screen drawn at 80x24 and 160x45.

use super::app::{Effect, Msg, WatchApp};
use crate::lab::fire::FireReport;
use crate::lab::strace::{SysEvent, parse};
use crate::lab::watch::{ConnFd, FdSnap, ListenerFd, ProcSnap, Snapshot};
use crate::lab::watchlive::{LiveProc, LiveSample};
use crate::sys::procfs::FdTarget;
use crate::sys::procfs::ProcStatus;
use crate::ui::theme::{Theme, ThemeName};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

const PRIMARY: i32 = 32171;
const W1: i32 = 32185;
const W2: i32 = 32186;

fn status(pid: i32, ppid: i32) -> ProcStatus {
    ProcStatus {
        pid,
        name: "node".into(),
        state: 'S',
        ppid,
        pgid: PRIMARY,
        sid: 3021,
        tty_nr: 0,
        threads: 7,
        rss_kib: 44_000,
        ..ProcStatus::default()
    }
}

fn sock(fd: i32, kind: &'static str, inode: u64, ty: &'static str) -> FdSnap {
    FdSnap {
        fd,
        kind,
        target: FdTarget::Socket(inode),
        inode: Some(inode),
        sock_type: Some(ty),
        peer_inode: None,
        peer_pid: None,
        peer_pids: Vec::new(),
    }
}

fn unix(fd: i32, inode: u64, peer: u64, peer_pid: i32) -> FdSnap {
    FdSnap {
        peer_inode: Some(peer),
        peer_pid: Some(Some(peer_pid)),
        peer_pids: vec![peer_pid],
        ..sock(fd, "unix", inode, "stream")
    }
}

fn file(fd: i32, target: &str) -> FdSnap {
    FdSnap {
        fd,
        kind: "file",
        target: FdTarget::parse(target),
        inode: None,
        sock_type: None,
        peer_inode: None,
        peer_pid: None,
        peer_pids: Vec::new(),
    }
}

fn proc_snap(pid: i32, ppid: i32, fds: Vec<FdSnap>) -> ProcSnap {
    ProcSnap {
        pid,
        ppid,
        comm: "node".into(),
        threads: 7,
        state: "S".into(),
        listeners: Vec::new(),
        connections: Vec::new(),
        fds,
        fds_error: None,
    }
}

/// A Node cluster in round-robin: the primary listens on 38201 and holds one end of each
/// worker's IPC channel; W1 holds one connection. `passed` puts the primary's accepted socket
/// 900 in W2's table too (the moment after SCM_RIGHTS, before the primary closes its copy).
fn sample(workers: &[i32], passed: bool) -> LiveSample {
    let mut primary = proc_snap(
        PRIMARY,
        1,
        vec![
            file(0, "/dev/null"),
            unix(19, 101, 102, W1),
            unix(20, 103, 104, W2),
            sock(21, "tcp", 500, "LISTEN"),
            sock(22, "tcp", 900, "ESTAB"),
        ],
    );
    primary.listeners = vec![ListenerFd { port: 38201, fd: 21, inode: 500, addr: "[::]:38201".into() }];
    let mut procs = vec![LiveProc { status: status(PRIMARY, 1), cpu: 1.5, depth: 0, orphan: false }];
    let mut snaps = vec![primary];
    for (i, w) in workers.iter().enumerate() {
        let mut fds = vec![file(0, "/dev/null"), unix(3, [102, 104][i], [101, 103][i], PRIMARY)];
        let mut p = proc_snap(*w, PRIMARY, Vec::new());
        if *w == W1 {
            fds.push(sock(19, "tcp", 700, "ESTAB"));
            p.connections = vec![ConnFd {
                fd: 19,
                inode: 700,
                local: "127.0.0.1:38201".parse().unwrap(),
                remote: "127.0.0.1:54280".parse().unwrap(),
            }];
        }
        if *w == W2 && passed {
            fds.push(sock(23, "tcp", 900, "ESTAB"));
        }
        p.fds = fds;
        snaps.push(p);
        procs.push(LiveProc { status: status(*w, PRIMARY), cpu: 0.5, depth: 1, orphan: false });
    }
    LiveSample {
        procs,
        snap: Some(Snapshot {
            root: PRIMARY,
            port: 38201,
            ports: vec![38201],
            processes: snaps,
            fds_unreadable: Vec::new(),
        }),
        fds_every: Duration::from_secs(1),
        cores: vec![12.0, 40.0],
        missed: 0,
        error: None,
        took: Duration::ZERO,
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::from(KeyCode::Char(c)))
}

/// The app after the cluster came up, W1 was selected, 10 connections were fired and strace
/// showed W1 receiving two over its IPC channel.
fn watched() -> WatchApp {
    let t0 = Instant::now();
    let mut app =
        WatchApp::new(PRIMARY, 38201, Some("node tests/node/cluster.js".into()), Duration::from_secs(1), (80, 24));
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2], false))), t0);
    app.update_at(Msg::Key(KeyEvent::from(KeyCode::Down)), t0);
    let mut report = FireReport { fired: 10, completed: 10, served: 10, port: 38201, ..FireReport::default() };
    report.per_process.insert(W1.to_string(), 4);
    report.per_process.insert(W2.to_string(), 6);
    report.each = [W2, W1, W2, W2, W1, W2, W1, W2, W1, W2].into_iter().map(Ok).collect();
    assert_eq!(app.update_at(key('2'), t0), vec![Effect::Fire(10)]);
    app.update_at(Msg::Fired(Ok(report)), t0);
    assert_eq!(app.update_at(key('s'), t0), vec![Effect::Trace(W1)]);
    // A round-robin worker never accepts: each connection arrives as an fd over its channel
    // (the {accepted} it answers is a write, which the filter leaves out).
    let earlier = r#"11:26:15.065851 recvmsg(3<UNIX-STREAM:[102->101]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="{\"cmd\":\"NODE_HANDLE\"", iov_len=65536}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[19<TCP:[127.0.0.1:38201->127.0.0.1:54276]>]}], msg_controllen=24, msg_flags=MSG_CMSG_CLOEXEC}, MSG_CMSG_CLOEXEC) = 129"#;
    app.update_at(Msg::Sys(SysEvent::Call(parse(earlier).unwrap())), t0);
    let line = r#"11:26:15.101653 recvmsg(3<UNIX-STREAM:[102->101]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="{\"cmd\":\"NODE_HANDLE\"", iov_len=65536}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[19<TCP:[127.0.0.1:38201->127.0.0.1:54280]>]}], msg_controllen=24, msg_flags=MSG_CMSG_CLOEXEC}, MSG_CMSG_CLOEXEC) = 129"#;
    app.update_at(Msg::Sys(SysEvent::Call(parse(line).unwrap())), t0);
    app
}

fn screen(app: &WatchApp, w: u16, h: u16) -> String {
    let theme = Theme::new(ThemeName::Default, true, app.ascii);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| crate::ui::view::watch::draw(app, &theme, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut skip = 0;
        for x in 0..w {
            let sym = buf[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = unicode_width(sym).saturating_sub(1);
            out.push_str(sym);
        }
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

#[test]
fn the_watch_screen_at_80x24_and_160x45() {
    let app = watched();
    let small = screen(&app, 80, 24);
    for want in ["32171", "32185", "32186", "node#1", "fired 10: 10 attributed", "recvmsg(3)", "SCM_RIGHTS", ":38201"] {
        assert!(small.contains(want), "{want} not on the 80x24 screen:\n{small}");
    }
    insta::assert_snapshot!("watch_80x24", small);
    let big = screen(&app, 160, 45);
    for want in [
        "⇄ node 32171 fd 19",
        "tcp ESTAB ← 127.0.0.1:54280 on 127.0.0.1:38201",
        "got fd 19<TCP:[127.0.0.1:38201->127.0.0.1:54280]> SCM_RIGHTS",
        "got fd 19<TCP:[127.0.0.1:38201->127.0.0.1:54276]> SCM_RIGHTS",
        "seen node#2",
    ] {
        assert!(big.contains(want), "{want} not on the 160x45 screen:\n{big}");
    }
    insta::assert_snapshot!("watch_160x45", big);
}

/// In Chinese: the header, key bar, pane words and fired report are Chinese; the kernel's
/// names (PID, fd, syscalls, SCM_RIGHTS) stay; every row is the screen's width, no wide
/// character cut in half.
#[test]
fn the_watch_screen_in_chinese_at_80x24_and_160x45() {
    crate::i18n::set(crate::i18n::Lang::Zh);
    let app = watched();
    let small = screen(&app, 80, 24);
    let big = screen(&app, 160, 45);
    crate::i18n::set(crate::i18n::Lang::En);
    for (text, w) in [(&small, 80), (&big, 160)] {
        for line in text.lines() {
            assert_eq!(unicode_width(line), w, "a row of the wrong width:\n{line}\n{text}");
        }
        for want in ["观察", "端口 38201", "发起 10 个：10 个已归属", "选择", "退出", "SCM_RIGHTS", "32185"]
        {
            assert!(text.contains(want), "{want} not on the {w} screen:\n{text}");
        }
        assert!(!text.contains("attributed") && !text.contains("select"), "{text}");
    }
    assert!(big.contains("收到 fd 19<TCP:[127.0.0.1:38201->127.0.0.1:54280]> SCM_RIGHTS"), "{big}");
    insta::assert_snapshot!("watch_zh_80x24", small);
    insta::assert_snapshot!("watch_zh_160x45", big);
}

#[test]
fn exits_are_kept_highlighted_a_while_and_passed_sockets_are_events() {
    let t0 = Instant::now();
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (80, 24));
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2], false))), t0);
    assert!(app.lab.procs.iter().all(|p| !p.fresh), "the first sample is the tree as found, not news");
    // W2 gets socket 900 the primary held: a pass, as far as two samples can tell.
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2], true))), t0 + Duration::from_secs(1));
    let log: Vec<&str> = app.lab.log.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        log.iter().any(|l| l.contains("socket:[900]")
            && l.contains("now in node#2 pid 32186 fd 23")
            && l.contains("was in node pid 32171")),
        "{log:?}"
    );
    // W2 exits: kept on screen as exited, then gone.
    app.update_at(Msg::Sample(Box::new(sample(&[W1], false))), t0 + Duration::from_secs(2));
    let w2 = app.lab.procs.iter().find(|p| p.pid == W2).expect("W2 still shown");
    assert_eq!(w2.exit.as_deref(), Some("exited"));
    assert!(w2.fresh);
    app.update_at(Msg::Sample(Box::new(sample(&[W1], false))), t0 + Duration::from_secs(10));
    assert!(!app.lab.procs.iter().any(|p| p.pid == W2));
    // A new worker is highlighted.
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2 + 10], false))), t0 + Duration::from_secs(11));
    assert!(app.lab.procs.iter().find(|p| p.pid == W2 + 10).unwrap().fresh);
}

#[test]
fn kill_needs_a_y_and_anything_else_cancels_it() {
    let mut app = watched();
    assert_eq!(app.update(key('k')), vec![]);
    assert_eq!(app.confirm_kill, Some(W1));
    assert!(screen(&app, 80, 24).contains("send SIGTERM to node#1 pid 32185?"));
    assert_eq!(app.update(key('n')), vec![]);
    assert_eq!(app.confirm_kill, None);
    assert_eq!(app.update(key('k')), vec![]);
    assert_eq!(app.update(key('y')), vec![Effect::Kill(W1)]);
    // `s` again on the traced process turns the pane off.
    assert_eq!(app.update(key('s')), vec![Effect::StopTrace]);
    assert!(app.sys.is_none());
}

#[test]
fn a_refused_strace_says_why_in_the_pane() {
    let mut app = watched();
    app.update(key('s'));
    app.update(key('s'));
    app.update(Msg::TraceFailed("ptrace is limited to a process's ancestors (Yama ptrace_scope is 1)".into()));
    let s = screen(&app, 160, 45);
    assert!(s.contains("Yama ptrace_scope is 1"), "{s}");
}

/// At 80 columns the header keeps what changes (the port, the rate, how many short-lived
/// processes were missed) and shortens the command instead.
#[test]
fn the_header_shortens_the_command_not_what_was_missed_at_80x24() {
    let mut app = watched();
    app.command = Some("node benches/watch-server.js --a-long-flag --and-another-one".into());
    app.missed = 23;
    let top = screen(&app, 80, 24).lines().next().unwrap().to_string();
    assert!(top.contains("missed ≤23 short-lived"), "{top}");
    assert!(top.contains("node benches/") && top.contains('…'), "{top}");
    let wide = screen(&app, 160, 45).lines().next().unwrap().to_string();
    assert!(wide.contains("--and-another-one") && !wide.contains('…'), "{wide}");
}

/// Under `--ascii` the header's "at most" is `<=`, as every other mark on that screen is ASCII.
#[test]
fn the_header_says_at_most_in_ascii_under_ascii() {
    let mut app = watched();
    app.missed = 23;
    app.ascii = true;
    let top = screen(&app, 160, 45).lines().next().unwrap().to_string();
    assert!(top.contains("missed <=23 short-lived") && top.is_ascii(), "{top}");
}

fn log_of(app: &WatchApp) -> Vec<String> {
    app.lab.log.lines.iter().map(|l| l.text.clone()).collect()
}

/// The primary is SIGKILLed and its workers live on, re-parented to init: they are not
/// exited, the events say where they went, and the STATE of none of them says exited.
#[test]
fn workers_whose_primary_died_live_on_re_parented_not_exited() {
    let t0 = Instant::now();
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (80, 24));
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2], false))), t0);
    let mut after = sample(&[W1, W2], false);
    after.procs.remove(0);
    for p in &mut after.procs {
        p.status.ppid = 1;
        p.orphan = true;
    }
    after.snap.as_mut().unwrap().processes.remove(0);
    app.update_at(Msg::Sample(Box::new(after.clone())), t0 + Duration::from_secs(1));
    let log = log_of(&app);
    assert!(log.iter().any(|l| l.contains("node pid 32171 exited")), "{log:?}");
    for w in [W1, W2] {
        let row = app.lab.procs.iter().find(|p| p.pid == w).expect("the worker is still shown");
        assert_eq!(row.exit, None, "{w} is alive: {log:?}");
        assert_eq!(row.ppid, 1);
        assert!(row.alias.contains("orphan"), "{}", row.alias);
        assert!(!log.iter().any(|l| l.contains(&format!("pid {w} exited"))), "{log:?}");
    }
    assert!(
        log.iter()
            .any(|l| l.contains("node#1 pid 32185 lives on: its parent 32171 exited")
                && l.contains("re-parented it to 1")),
        "{log:?}"
    );
    // W1's connection is still its own; the dead primary holds nothing any more.
    app.update_at(Msg::Sample(Box::new(after)), t0 + Duration::from_secs(5));
    assert!(!app.snap.processes.iter().any(|p| p.pid == PRIMARY));
    assert_eq!(app.snap.processes.iter().find(|p| p.pid == W1).unwrap().connections.len(), 1);
}

/// A worker that exits and is not reaped is shown, state Z, and said to be a zombie; when its
/// parent reaps it, it is said to be reaped.
#[test]
fn a_zombie_is_shown_with_state_z_until_its_parent_reaps_it() {
    let t0 = Instant::now();
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (80, 24));
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2], false))), t0);
    let mut z = sample(&[W1, W2], false);
    z.procs[2].status.state = 'Z';
    app.update_at(Msg::Sample(Box::new(z)), t0 + Duration::from_secs(1));
    let row = app.lab.procs.iter().find(|p| p.pid == W2).unwrap();
    assert_eq!((row.state, row.exit.as_deref()), ('Z', None));
    assert!(screen(&app, 160, 45).lines().any(|l| l.contains("32186") && l.contains(" Z ")));
    let log = log_of(&app);
    assert!(
        log.iter().any(|l| l.contains("node#2 pid 32186 exited: a zombie (state Z) until its parent 32171")),
        "{log:?}"
    );
    app.update_at(Msg::Sample(Box::new(sample(&[W1], false))), t0 + Duration::from_secs(2));
    let log = log_of(&app);
    assert!(log.iter().any(|l| l.contains("node#2 pid 32186 was reaped (its parent 32171")), "{log:?}");
}

/// Once every process of the tree has gone, the screen says so and how the root ended, keeps
/// the last rows with their fate instead of `no processes yet`, and lists no connection.
#[test]
fn after_the_whole_tree_has_gone_the_screen_says_so() {
    let t0 = Instant::now();
    let mut app = WatchApp::new(PRIMARY, 38201, Some("node c.js".into()), Duration::from_secs(1), (80, 24));
    app.update_at(Msg::Sample(Box::new(sample(&[W1, W2], false))), t0);
    app.update_at(Msg::RootExit(crate::sys::reaper::Exit::Signal(nix::sys::signal::Signal::SIGKILL, false)), t0);
    let gone = LiveSample {
        procs: Vec::new(),
        snap: None,
        error: Some("every process has gone".into()),
        ..sample(&[], false)
    };
    app.update_at(Msg::Sample(Box::new(gone.clone())), t0 + Duration::from_secs(1));
    app.update_at(Msg::Sample(Box::new(gone)), t0 + Duration::from_secs(60));
    assert_eq!(app.lab.procs.len(), 3, "the last rows stay");
    assert!(app.lab.procs.iter().all(|p| p.exit.is_some()));
    let log = log_of(&app);
    assert_eq!(log.iter().filter(|l| l.contains("the whole tree has gone")).count(), 1, "{log:?}");
    assert!(log.iter().any(|l| l.contains("the whole tree has gone: node pid 32171 SIGKILL")), "{log:?}");
    // Their parent gone with them: forklab, the subreaper of the command it started, got them.
    assert!(
        log.iter()
            .any(|l| l
                == "node#1 pid 32185 exited (forklab, its subreaper since its parent exited, collected its status)"),
        "{log:?}"
    );
    let s = screen(&app, 160, 45);
    assert!(!s.contains("no processes yet"), "{s}");
    assert!(s.contains("established now: 0"), "{s}");
}

/// Aliases count per command name from 1: forklab serve's master is `forklab-master#1` and its
/// first worker `forklab-worker#1` (it was #2 when one count ran across every name).
#[test]
fn aliases_are_numbered_per_command_name() {
    let mut s = sample(&[W1, W2], false);
    s.procs[1].status.name = "forklab-master".into();
    s.procs[2].status.name = "forklab-worker".into();
    let mut w3 = s.procs[2].clone();
    w3.status.pid = W2 + 1;
    s.procs.push(w3);
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (80, 24));
    app.update_at(Msg::Sample(Box::new(s)), Instant::now());
    assert_eq!(app.alias(PRIMARY), "node");
    assert_eq!(app.alias(W1), "forklab-master#1");
    assert_eq!(app.alias(W2), "forklab-worker#1");
    assert_eq!(app.alias(W2 + 1), "forklab-worker#2");
}

/// Served connections forklab could not attribute are served, not failed, in the events and
/// the connections pane; the events line names real failures with their reason, and has no
/// dangling `;` when nothing was attributed.
#[test]
fn unattributed_connections_are_served_not_failed_on_screen() {
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (160, 45));
    app.update(Msg::Sample(Box::new(sample(&[W1, W2], false))));
    let mut r = FireReport { fired: 10, served: 8, not_attributed: 8, failed: 2, port: 38201, ..FireReport::default() };
    r.why_not_attributed.insert("owner_gone", 8);
    r.failures.insert("refused", 2);
    app.update(Msg::Fired(Ok(r)));
    let log = log_of(&app);
    let line = log.last().unwrap();
    // The connections pane's words (watch80 made the two panes say the same).
    let want = "fired 10: 8 served (0 attributed), 2 failed; served, not attributed: owner_gone 8 (the \
                connection closed before forklab saw its owner); failed: refused 2 (nothing accepted it)";
    assert_eq!(line, want, "{log:?}");
    let s = screen(&app, 160, 45);
    assert!(s.contains("fired 10: 8 served (0 attributed), 2 failed"), "{s}");
    assert!(s.contains("served, not attributed: owner_gone 8 (the connection closed before forklab"), "{s}");
    assert!(s.contains("failed: refused 2"), "{s}");
}

/// A process whose fd table forklab may not read says so in the fds pane and, once, in the
/// events, instead of `no fds`.
#[test]
fn an_unreadable_fd_table_is_said_not_shown_as_empty() {
    let mut s = sample(&[W1, W2], false);
    let snap = s.snap.as_mut().unwrap();
    snap.processes[2].fds.clear();
    snap.processes[2].fds_error =
        Some("EACCES: Permission denied: run forklab as the same user as that process, or as root".into());
    snap.fds_unreadable = vec![W2];
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (160, 45));
    app.update(Msg::Sample(Box::new(s.clone())));
    app.update(Msg::Sample(Box::new(s)));
    let log = log_of(&app);
    assert_eq!(
        log.iter().filter(|l| l.starts_with("cannot read the fds of node#2 pid 32186: EACCES")).count(),
        1,
        "{log:?}"
    );
    app.update(Msg::Key(KeyEvent::from(KeyCode::Down)));
    app.update(Msg::Key(KeyEvent::from(KeyCode::Down)));
    let screen = screen(&app, 160, 45);
    assert!(screen.contains("fds: not readable: EACCES: Permission denied"), "{screen}");
    assert!(!screen.contains("no fds"), "{screen}");
}

/// One end of a socketpair that several processes hold (nginx's master and its workers all
/// inherited it): the fds pane names the first and counts the others.
#[test]
fn a_unix_peer_held_by_several_names_one_and_counts_the_rest() {
    let mut s = sample(&[W1, W2], false);
    let snap = s.snap.as_mut().unwrap();
    // W1's fd 3 leads to the primary's socket 101, which W2 holds too.
    snap.processes[1].fds[1].peer_pids = vec![PRIMARY, W2];
    let mut app = WatchApp::new(PRIMARY, 38201, None, Duration::from_secs(1), (160, 45));
    app.update(Msg::Sample(Box::new(s)));
    app.update(Msg::Key(KeyEvent::from(KeyCode::Down)));
    let screen = screen(&app, 160, 45);
    assert!(screen.contains("⇄ node 32171 fd 19 +1 more"), "{screen}");
}

/// `forklab serve --workers 3` as watch sees it: forklab, its master (listening) and three
/// workers whose names share their first 10 characters.
fn serve_sample(workers: &[i32], fds: usize) -> LiveSample {
    let named = |pid: i32, ppid: i32, name: &str| ProcStatus { name: name.into(), pgid: 3294, ..status(pid, ppid) };
    let mut procs = vec![
        LiveProc { status: named(3288, 3285, "forklab"), cpu: 0.0, depth: 0, orphan: false },
        LiveProc { status: named(3294, 3288, "forklab-master"), cpu: 0.0, depth: 1, orphan: false },
    ];
    let mut master = proc_snap(3294, 3288, vec![sock(6, "tcp", 500, "LISTEN")]);
    master.listeners = vec![ListenerFd { port: 18480, fd: 6, inode: 500, addr: "127.0.0.1:18480".into() }];
    // forklab's own table: many files, so that not all fit in the pane.
    let many: Vec<FdSnap> = (0..fds as i32).map(|fd| file(fd, &format!("/tmp/watch80/file-{fd}"))).collect();
    let mut snaps = vec![proc_snap(3288, 3285, many), master];
    for w in workers {
        procs.push(LiveProc { status: named(*w, 3294, "forklab-worker"), cpu: 0.0, depth: 2, orphan: false });
        snaps.push(proc_snap(*w, 3294, vec![file(0, "/dev/null")]));
    }
    LiveSample {
        procs,
        snap: Some(Snapshot {
            root: 3288,
            port: 18480,
            ports: vec![18480],
            processes: snaps,
            fds_unreadable: Vec::new(),
        }),
        fds_every: Duration::from_secs(1),
        cores: vec![100.0, 100.0],
        missed: 872,
        error: None,
        took: Duration::ZERO,
    }
}

const SERVE_WORKERS: [i32; 3] = [3297, 3298, 3299];

/// The serve tree after `2`: 10 connections, each worker's share and who took each in turn.
fn served(fds: usize) -> WatchApp {
    let t0 = Instant::now();
    let mut app =
        WatchApp::new(3288, 18480, Some("forklab serve --workers 3".into()), Duration::from_millis(250), (80, 24));
    app.update_at(Msg::Sample(Box::new(serve_sample(&SERVE_WORKERS, fds))), t0);
    let mut report = FireReport { fired: 10, completed: 10, port: 18480, ..FireReport::default() };
    for (w, n) in SERVE_WORKERS.iter().zip([3, 6, 1]) {
        report.per_process.insert(w.to_string(), n);
    }
    let order = [0, 1, 1, 1, 0, 2, 1, 0, 1, 1];
    report.each = order.iter().map(|i| Ok(SERVE_WORKERS[*i])).collect();
    app.update_at(key('2'), t0);
    app.update_at(Msg::Fired(Ok(report)), t0);
    app
}

fn press(app: &mut WatchApp, code: KeyCode, times: usize) {
    for _ in 0..times {
        app.update(Msg::Key(KeyEvent::from(code)));
    }
}

/// The rows of one pane of `screen`: the columns between `from` and `to`, rows `top..bottom`.
fn columns(screen: &str, from: usize, to: usize) -> String {
    let rows: Vec<String> = screen.lines().map(|l| l.chars().skip(from).take(to - from).collect::<String>()).collect();
    rows.join("\n")
}

/// Scrolls the focused pane from its top to its end, gathering every row drawn on the way.
fn read_all(app: &mut WatchApp, w: u16, h: u16) -> String {
    press(app, KeyCode::Up, 100);
    let mut seen = screen(app, w, h);
    for _ in 0..60 {
        press(app, KeyCode::Down, 1);
        seen.push_str(&screen(app, w, h));
    }
    seen
}

/// 80x24 is a real size: at it, the connections pane tells the three workers apart, and
/// the fire's rows (each worker's share, who took each of the 10) can all be reached by
/// focusing the pane and scrolling it, or by zooming it, where they are all in view.
#[test]
fn every_row_of_the_fire_is_reachable_at_80x24() {
    let mut app = served(3);
    let s = screen(&app, 80, 24);
    assert!(columns(&s, 40, 80).contains("more below"), "{s}");
    // Tab to the connections pane; ↑/↓ scroll it to its end.
    press(&mut app, KeyCode::Tab, 2);
    assert!(screen(&app, 80, 24).lines().last().unwrap().contains("scroll"));
    let seen = read_all(&mut app, 80, 24);
    for (pid, n) in [(3297, 3), (3298, 6), (3299, 1)] {
        assert!(seen.contains(&format!("{pid} {n} █")), "{pid}'s bar never shown:\n{seen}");
    }
    for (i, w) in [1, 2, 2, 2, 1, 3, 2, 1, 2, 2].iter().enumerate() {
        let item = format!("#{} forklab-worker#{w}", i + 1);
        assert!(seen.contains(&item), "{item} never shown:\n{seen}");
    }
    // Down past the end does not leave Up with rows to take back first.
    press(&mut app, KeyCode::Down, 20);
    press(&mut app, KeyCode::Up, 1);
    assert!(screen(&app, 80, 24).contains("more above"));
    // Zoomed, the pane has the body: every row at once, the others out of the way.
    press(&mut app, KeyCode::Up, 100);
    app.update(key('z'));
    let z = screen(&app, 80, 24);
    assert!(z.contains("#10 forklab-worker#2") && !z.contains("processes") && !z.contains("more below"), "{z}");
    // Each worker's row names it so that it can be told from the others.
    for w in SERVE_WORKERS {
        let row = z.lines().find(|l| l.contains(&format!(" {w} "))).unwrap_or_else(|| panic!("{w}:\n{z}"));
        let n = w - 3296;
        assert!(row.contains(&format!("forklab-worker#{n}")) || row.contains(&format!("forklab-w…#{n}")), "{z}");
    }
    // Esc leaves the zoom, not the screen.
    assert_eq!(app.update(Msg::Key(KeyEvent::from(KeyCode::Esc))), vec![]);
    assert!(screen(&app, 80, 24).contains("processes"));
}

/// Before anything is fired, the pane says what `c` does whole, at 80x24 and in Chinese.
#[test]
fn the_fire_hint_is_whole_at_80x24() {
    let mut app = WatchApp::new(3288, 18480, None, Duration::from_millis(250), (80, 24));
    app.update(Msg::Sample(Box::new(serve_sample(&SERVE_WORKERS, 3))));
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let pane = |s: &str| squeeze(&columns(s, 41, 79).replace('│', ""));
    assert!(pane(&screen(&app, 80, 24)).contains(&squeeze(&tr!("watch-press-c"))), "{}", screen(&app, 80, 24));
    crate::i18n::set(crate::i18n::Lang::Zh);
    let zh = screen(&app, 80, 24);
    let want = squeeze(&tr!("watch-press-c"));
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(pane(&zh).contains(&want), "{zh}");
}

/// The order of 10 is whole at 160x45 too (it was cut at the pane's edge).
#[test]
fn the_order_of_the_fired_connections_is_whole_at_160x45() {
    let app = served(3);
    let s = screen(&app, 160, 45);
    assert!(s.contains("#10 forklab-worker#2"), "{s}");
}

/// The fds pane: focused (Tab), ↑/↓ scroll it to the last fd, where `+N more` pointed.
#[test]
fn the_fds_that_do_not_fit_are_reached_by_scrolling_the_pane() {
    let mut app = served(30);
    let s = screen(&app, 80, 24);
    assert!(s.contains("more below") && !s.contains("file-29"), "{s}");
    press(&mut app, KeyCode::Tab, 1);
    let seen = read_all(&mut app, 80, 24);
    for fd in 0..30 {
        assert!(seen.contains(&format!("/tmp/watch80/file-{fd}")), "fd {fd} never shown:\n{seen}");
    }
    // Another process selected: its table from the top.
    app.focus = super::app::Focus::Processes;
    press(&mut app, KeyCode::Down, 1);
    assert_eq!(app.fds_scroll, 0);
}

/// The header keeps the root's fate whole at 80 columns: on a row of its own when it does not
/// fit beside the rest, with what was missed.
#[test]
fn the_header_keeps_the_roots_end_whole_at_80x24() {
    let mut app = served(3);
    let mut gone = serve_sample(&SERVE_WORKERS, 3);
    gone.error = Some("process 3288 has exited".into());
    gone.fds_every = Duration::from_millis(700);
    app.update(Msg::Sample(Box::new(gone)));
    let s = screen(&app, 80, 24);
    let head: String = s.lines().take(2).collect::<Vec<_>>().join("\n");
    for want in ["port 18480", "missed ≤1744 short-lived", "process 3288 has exited", "fds every 0.7 s"] {
        assert!(head.contains(want), "{want} not in the header:\n{s}");
    }
    assert!(s.lines().all(|l| unicode_width(l) == 80), "{s}");
}

/// Names longer than the connections pane's column are cut in the middle: the `#N` that
/// tells one worker from another stays (three `forklab-w…` rows could not be told apart).
#[test]
fn names_cut_to_fit_keep_their_number_at_80x24() {
    let t0 = Instant::now();
    let mut app = WatchApp::new(3288, 18480, None, Duration::from_millis(250), (80, 24));
    let mut s = serve_sample(&SERVE_WORKERS, 3);
    for p in s.procs.iter_mut().skip(2) {
        p.status.name = "gunicorn-worker".into();
    }
    app.update_at(Msg::Sample(Box::new(s)), t0);
    let mut report = FireReport { fired: 3, completed: 3, port: 18480, ..FireReport::default() };
    for w in SERVE_WORKERS {
        report.per_process.insert(w.to_string(), 1);
    }
    report.each = SERVE_WORKERS.iter().map(|w| Ok(*w)).collect();
    app.update_at(Msg::Fired(Ok(report)), t0);
    let conns = columns(&screen(&app, 80, 24), 40, 80);
    assert!(conns.contains("gunicorn-work…#1 3297") && conns.contains("gunicorn-work…#2 3298"), "{conns}");
    // The pane zoomed (z), all three at once.
    app.focus = super::app::Focus::Connections;
    app.update(key('z'));
    let screen = screen(&app, 80, 24);
    let conns = screen.clone();
    for (w, n) in SERVE_WORKERS.iter().zip([1, 2, 3]) {
        let row = conns.lines().find(|l| l.contains(&format!(" {w} "))).unwrap_or_else(|| panic!("{w}:\n{screen}"));
        assert!(row.contains(&format!("gunicorn-work…#{n} {w}")), "{row}\n{screen}");
    }
}

/// Below 80x24 the watch screen says what to use without a screen (`--once`, `--fire N`),
/// not a lesson; and no key but q acts on what cannot be seen.
#[test]
fn too_small_points_at_once_and_fire_and_only_quitting_acts() {
    let mut app = served(3);
    for (w, h) in [(70, 18), (40, 10)] {
        app.update(Msg::Resize(w, h));
        let s = screen(&app, w, h);
        assert!(s.contains("--once") && s.contains("--fire") && !s.contains("forklab play"), "{s}");
    }
    assert_eq!(app.update(key('c')), vec![]);
    assert_eq!(app.update(key('k')), vec![]);
    assert_eq!(app.confirm_kill, None);
    assert_eq!(app.update(key('q')), vec![Effect::Quit]);
}

/// `?` lists the watch screen's keys (only those that act here), whole at 80x24 in both
/// languages; the bar offers it; any key closes it and does nothing else.
#[test]
fn question_mark_lists_the_watch_keys_whole_at_80x24() {
    let squeeze = |s: &str| s.split_whitespace().collect::<String>().replace('│', "");
    let keys = [
        "watch-help-arrows",
        "watch-help-page",
        "watch-help-tab",
        "action-zoom",
        "watch-help-fire-1",
        "watch-help-fire-more",
        "watch-help-strace",
        "watch-help-kill",
        "watch-help-quit",
    ];
    for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Zh] {
        crate::i18n::set(lang);
        let mut app = served(3);
        let bar = screen(&app, 80, 24).lines().last().unwrap().to_string();
        assert!(bar.contains(&format!("? {}", tr!("key-keys"))), "{bar}");
        app.update(key('?'));
        let s = screen(&app, 80, 24);
        let words: Vec<String> = keys.iter().map(|k| tr!(k)).collect();
        let (lesson_only, title) = (tr!("action-next"), tr!("help-title"));
        crate::i18n::set(crate::i18n::Lang::En);
        // Each entry whole (its rows squeezed together), inside the box.
        let top = s.lines().position(|l| l.contains(&format!("╭ {title} "))).unwrap();
        let line = s.lines().nth(top).unwrap();
        let from = unicode_width(&line[..line.find('╭').unwrap()]);
        let to = from + unicode_width(line[line.find('╭').unwrap()..].split('╮').next().unwrap());
        let inside: String = s.lines().skip(top + 1).map(|l| display_columns(l, from + 1, to)).collect();
        let inside = squeeze(&inside);
        for w in &words {
            assert!(inside.contains(&squeeze(w)), "{lang:?}: {w} not whole:\n{s}");
        }
        assert!(s.contains(&title) && !s.contains(&lesson_only), "{s}");
        assert!(s.lines().all(|l| unicode_width(l) == 80), "{s}");
        // Any key closes it, and acts on nothing under it.
        assert_eq!(app.update(key('c')), vec![]);
        assert!(!app.help && app.firing.is_none());
        assert!(!screen(&app, 80, 24).contains(&format!("╭ {} ", tr!("help-title"))));
    }
}

/// A fire that failed reads the same in the connections and the events pane, with its
/// reason, and the events line ends with no dangling `;`.
#[test]
fn a_failed_fire_says_the_same_words_with_its_reason_in_both_panes() {
    let mut app = WatchApp::new(3288, 18480, None, Duration::from_millis(250), (160, 45));
    app.update(Msg::Sample(Box::new(serve_sample(&SERVE_WORKERS, 3))));
    let mut report = FireReport { fired: 1, completed: 0, failed: 1, port: 18480, ..FireReport::default() };
    report.failures.insert("refused", 1);
    report.each = vec![Err("refused")];
    app.update(key('c'));
    app.update(Msg::Fired(Ok(report)));
    let said = app.lab.log.lines.back().unwrap().text.clone();
    let (totals, why) = ("fired 1: 0 attributed, 1 failed", "failed: refused 1 (nothing accepted it)");
    assert_eq!(said, format!("{totals}; {why}"));
    let s = screen(&app, 160, 45);
    let conns = columns(&s, 80, 160);
    for part in [totals, why, "#1 refused"] {
        assert!(conns.contains(part), "{part} not in the connections pane:\n{s}");
    }
    assert!(s.lines().any(|l| l.contains(&said)), "not whole in the events pane:\n{s}");
    // One that served says who, after the same words.
    let mut ok = FireReport { fired: 2, completed: 2, served: 2, port: 18480, ..FireReport::default() };
    ok.per_process.insert("3297".into(), 2);
    ok.each = vec![Ok(3297), Ok(3297)];
    app.update(key('c'));
    app.update(Msg::Fired(Ok(ok)));
    let said = &app.lab.log.lines.back().unwrap().text;
    assert_eq!(said, "fired 2: 2 attributed, 0 failed; forklab-worker#1 3297: 2");
}

/// The characters of `line` that start at display columns `from..to`.
fn display_columns(line: &str, from: usize, to: usize) -> String {
    let mut at = 0;
    let mut out = String::new();
    for c in line.chars() {
        if (from..to).contains(&at) {
            out.push(c);
        }
        at += unicode_width(c.encode_utf8(&mut [0; 4]));
    }
    out
}

/// Tab and Shift-Tab go round the panes in the order drawn, the syscalls pane last while it is
/// open, each the other's reverse; a focus left on the syscalls pane after it closed goes on
/// from the start (Tab) or the end (Shift-Tab).
#[test]
fn tab_and_shift_tab_go_round_the_panes_both_ways() {
    use super::app::{Focus, SysPane};
    let mut app = watched();
    app.sys = None;
    let round = |app: &mut WatchApp, code: KeyCode, n: usize| -> Vec<Focus> {
        (0..n)
            .map(|_| {
                press(app, code, 1);
                app.focus
            })
            .collect()
    };
    use Focus::*;
    assert_eq!(app.focus, Processes);
    assert_eq!(round(&mut app, KeyCode::Tab, 4), [Fds, Connections, Events, Processes]);
    assert_eq!(round(&mut app, KeyCode::BackTab, 4), [Events, Connections, Fds, Processes]);
    app.sys = Some(SysPane::default());
    assert_eq!(round(&mut app, KeyCode::Tab, 5), [Fds, Connections, Events, Syscalls, Processes]);
    assert_eq!(round(&mut app, KeyCode::BackTab, 5), [Syscalls, Events, Connections, Fds, Processes]);
    press(&mut app, KeyCode::BackTab, 1);
    app.sys = None;
    assert_eq!(round(&mut app, KeyCode::Tab, 1), [Processes]);
    app.focus = Syscalls;
    assert_eq!(round(&mut app, KeyCode::BackTab, 1), [Events]);
}

/// The text of the pane whose title holds `name`, its rows joined and every space taken out
/// (a wrap breaks at spaces and splits a piece too long for a row).
fn pane_text(screen: &str, name: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines.iter().position(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}:\n{screen}"));
    let col = lines[top].chars().position(|c| c == '╭').unwrap();
    let mut text = String::new();
    for l in &lines[top + 1..] {
        let row: String = l.chars().skip(col).collect();
        let Some(inside) = row.strip_prefix('│') else { break };
        let inside = inside.split('│').next().unwrap_or_default();
        text.push_str(inside);
    }
    text.split_whitespace().collect()
}

/// At 80x24 the syscalls pane says each call short (fds by number) and wraps what does not
/// fit; zoomed, it says each whole, the clock and strace's -yy decorations included, wrapped
/// onto more rows rather than cut. Before, it cut them under 120 columns, zoomed or not.
#[test]
fn every_syscall_is_whole_at_80x24_zoomed_and_wrapped_not_cut() {
    let mut app = watched();
    let s = screen(&app, 80, 24);
    let short = pane_text(&s, "syscalls");
    assert!(short.contains("node#132185recvmsg(3)=129gotfd19SCM_RIGHTS"), "{s}");
    assert!(!short.contains('…'), "a call was cut:\n{s}");
    // Tab round to the syscalls pane (last), and zoom it.
    while app.focus != super::app::Focus::Syscalls {
        press(&mut app, KeyCode::Tab, 1);
    }
    app.update(key('z'));
    let z = screen(&app, 80, 24);
    let whole = pane_text(&z, "syscalls");
    assert_eq!(whole.matches("11:26:15node#132185").count(), 2, "{z}");
    for port in [54276, 54280] {
        let call = format!("recvmsg(3<UNIX-STREAM:[102->101]>)=129gotfd19<TCP:[127.0.0.1:38201->127.0.0.1:{port}]>");
        assert!(whole.contains(&call), "{call} not whole:\n{z}");
    }
    assert!(!whole.contains('…'), "a call was cut:\n{z}");
}

/// The syscalls pane is read back with ↑/↓ when focused: every call strace printed can be
/// reached at 80x24 (zoomed, where each is whole), the title says how far back, the view holds
/// still while calls come, and back down to the end it follows strace again.
#[test]
fn the_syscalls_pane_is_read_back_with_up_and_down() {
    let mut app = watched();
    let accept = |port: u16| {
        let line = format!(
            "11:26:16.{port:06} accept4(21<TCP:[127.0.0.1:38201]>, NULL, NULL, SOCK_CLOEXEC) = 22<TCP:[127.0.0.1:38201->127.0.0.1:{port}]>"
        );
        Msg::Sys(SysEvent::Call(parse(&line).unwrap()))
    };
    for port in 60001..=60020 {
        app.update(accept(port));
    }
    while app.focus != super::app::Focus::Syscalls {
        press(&mut app, KeyCode::Tab, 1);
    }
    assert!(screen(&app, 80, 24).lines().last().unwrap().contains("scroll"));
    app.update(key('z'));
    let s = screen(&app, 80, 24);
    let text = pane_text(&s, "syscalls");
    assert!(text.contains("127.0.0.1:60020") && !text.contains("127.0.0.1:54276"), "{s}");
    let mut seen = text.clone();
    for _ in 0..25 {
        press(&mut app, KeyCode::Up, 1);
        seen.push_str(&pane_text(&screen(&app, 80, 24), "syscalls"));
    }
    for port in (60001..=60020).chain([54276, 54280]) {
        assert!(seen.contains(&format!("127.0.0.1:{port}]>")), "{port} never shown");
    }
    assert_eq!(app.sys.as_ref().unwrap().scroll, 21, "as far back as the oldest line");
    let s = screen(&app, 80, 24);
    assert!(s.contains("syscalls · node#1 pid 32185 · strace · ↑21") && s.contains("↓ more below"), "{s}");
    // A call that comes while reading back does not move the view.
    let before = pane_text(&s, "syscalls");
    app.update(accept(60021));
    assert_eq!(pane_text(&screen(&app, 80, 24), "syscalls").replace("↑22", "↑21"), before);
    // Down to the end: the newest again, and what comes next shows.
    press(&mut app, KeyCode::Down, 30);
    assert_eq!(app.sys.as_ref().unwrap().scroll, 0);
    app.update(accept(60022));
    let s = screen(&app, 80, 24);
    assert!(pane_text(&s, "syscalls").contains("127.0.0.1:60022") && !s.contains("more below"), "{s}");
}
