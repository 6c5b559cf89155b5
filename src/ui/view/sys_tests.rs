//! The syscalls pane on the lesson screen at 80x24: its title says how far back it was read,
//! and one long call does not take every row of the small pane.

use super::tests::{render, theme};
use crate::lab::strace::{SysEvent, parse};
use crate::ui::app::{App, Focus, Msg, Screen};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The accept lesson with the syscalls pane open and `calls` of strace's lines in it.
fn traced(calls: &[String]) -> App {
    crate::i18n::set(crate::i18n::Lang::En);
    let mut app = super::tests::lesson_app();
    key(&mut app, KeyCode::Char('s'));
    for l in calls {
        app.update(Msg::Sys(SysEvent::Call(parse(l).unwrap())));
    }
    app
}

fn accept(port: u16) -> String {
    format!(
        "[pid 48112] 11:26:15.{port:06} accept4(21<TCP:[127.0.0.1:8090]>, NULL, NULL, SOCK_CLOEXEC) = 22<TCP:[127.0.0.1:8090->127.0.0.1:{port}]>"
    )
}

fn focus_syscalls(app: &mut App) {
    for _ in 0..8 {
        if matches!(&app.screen, Screen::Lesson(v) if v.look.focus == Focus::Syscalls) {
            return;
        }
        key(app, KeyCode::Tab);
    }
    panic!("the syscalls pane never had the focus");
}

/// Read back three calls at 80x24, the pane's title says so (↑3), focused or not.
#[test]
fn the_syscalls_title_says_how_far_back_at_80x24() {
    let calls: Vec<String> = (60001..=60012).map(accept).collect();
    let mut app = traced(&calls);
    focus_syscalls(&mut app);
    for _ in 0..3 {
        key(&mut app, KeyCode::Up);
    }
    let s = render(&app, &theme(), 80, 24);
    assert!(s.contains("↑3"), "{s}");
    key(&mut app, KeyCode::Tab);
    let s = render(&app, &theme(), 80, 24);
    assert!(s.contains("↑3"), "{s}");
}

/// What Node's threads are started with: clone3 and its whole struct.
const CLONE3: &str = "[pid 48112] 11:26:15.070000 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f1c2dfff990, parent_tid=0x7f1c2dfff990, exit_signal=0, stack=0x7f1c2d7ff000, stack_size=0x7fff00, tls=0x7f1c2dfff6c0} => {parent_tid=[48200]}, 88) = 48200";

/// The rows inside the syscalls pane on screen `s`.
fn sys_rows(s: &str) -> Vec<String> {
    let lines: Vec<&str> = s.lines().collect();
    let top = lines.iter().position(|l| l.contains("syscalls")).unwrap_or_else(|| panic!("{s}"));
    let col = lines[top].chars().position(|c| c == '╭').unwrap();
    let mut rows = Vec::new();
    for l in &lines[top + 1..] {
        let row: String = l.chars().skip(col).collect();
        let Some(inside) = row.strip_prefix('│') else { break };
        rows.push(inside.split('│').next().unwrap_or_default().trim().to_string());
    }
    rows
}

/// Unfocused and not zoomed, the 4-row pane at 80x24 keeps the calls before a long one in
/// view: the long one takes two rows, the second ending in …; focused it wraps as far as the
/// pane goes, and zoomed it is whole.
#[test]
fn one_long_call_does_not_fill_the_small_syscalls_pane() {
    let mut calls: Vec<String> = (60001..=60003).map(accept).collect();
    calls.push(CLONE3.to_string());
    let mut app = traced(&calls);
    let s = render(&app, &theme(), 80, 24);
    let rows = sys_rows(&s);
    assert_eq!(rows.len(), 4, "{s}");
    assert!(rows[0].contains("accept4(21) = 22") && rows[1].contains("accept4(21) = 22"), "{s}");
    assert!(rows[2].contains("W1 48112 clone3({flags=") && rows[3].ends_with('…'), "{s}");
    // Focused, the newest call has the pane.
    focus_syscalls(&mut app);
    let s = render(&app, &theme(), 80, 24);
    let rows = sys_rows(&s);
    assert!(rows.concat().contains("clone3({flags=") && !s.contains("accept4"), "{s}");
    // Zoomed, it is whole.
    key(&mut app, KeyCode::Char('z'));
    let s = render(&app, &theme(), 80, 24);
    let text: String = sys_rows(&s).concat().split_whitespace().collect();
    assert!(text.contains("tls=0x7f1c2dfff6c0}=>{parent_tid=[48200]})=48200"), "{s}");
}
