//! The lesson screen in Chinese, at the smallest size and a large one: snapshots, and checks
//! that no wide character is split at a pane's edge and that the borders stay in their columns.

use super::*;
use crate::i18n::Lang;
use crate::ui::app::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::collections::BTreeSet;
use unicode_width::UnicodeWidthStr;

/// The accept lesson in Chinese on step 1, its model the panes' fixed sample.
fn lesson_app() -> App {
    crate::i18n::set(Lang::Zh);
    let lessons = crate::lesson::lessons(None).unwrap();
    let accept = lessons.iter().find(|l| l.id == "accept").unwrap();
    assert!(accept.file.contains("zh/"), "the Chinese accept lesson is built in");
    super::tests::accept_app(lessons)
}

fn buffer(app: &App, w: u16, h: u16) -> Buffer {
    let theme = Theme::new(crate::ui::theme::ThemeName::Default, false, false);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, &theme, f)).unwrap();
    t.backend().buffer().clone()
}

/// The rows as text: a wide character's second cell belongs to it, so it is skipped.
fn text(buf: &Buffer) -> String {
    let a = buf.area;
    (0..a.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < a.width {
                let s = buf[(x, y)].symbol();
                row.push_str(s);
                x += s.width().max(1) as u16;
            }
            row.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// No wide character starts in a pane's last column or on a border, and every row is as
/// wide as the screen: the right-hand borders line up.
fn check_grid(buf: &Buffer) {
    let a = buf.area;
    for y in 0..a.height {
        let mut x = 0;
        let mut cols = 0;
        while x < a.width {
            let s = buf[(x, y)].symbol();
            let w = s.width().max(1) as u16;
            assert!(x + w <= a.width, "row {y}: `{s}` at column {x} runs past the edge");
            if w == 2 {
                let next = buf[(x + 1, y)].symbol();
                assert!(!"│╮╯┤".contains(next) || next == " ", "row {y}: `{s}` at {x} covers a border `{next}`");
            }
            x += w;
            cols += w;
        }
        assert_eq!(cols, a.width, "row {y} is {cols} columns");
    }
}

fn check(w: u16, h: u16) -> String {
    let app = lesson_app();
    let buf = buffer(&app, w, h);
    check_grid(&buf);
    let s = text(&buf);
    crate::i18n::set(Lang::En);
    assert!(s.contains("第 1/") && s.contains("进程"), "the screen is in Chinese:\n{s}");
    // The key bar and the pane names are the catalogue's Chinese.
    assert!(s.contains("下一步") && s.contains("连接"), "{s}");
    s
}

#[test]
fn lesson_screen_zh_80x24() {
    insta::assert_snapshot!(check(80, 24));
}

#[test]
fn lesson_screen_zh_160x45() {
    insta::assert_snapshot!(check(160, 45));
}

#[test]
fn picker_zh_80x24() {
    crate::i18n::set(Lang::Zh);
    let app = App::new(crate::lesson::lessons(None).unwrap(), BTreeSet::from(["fork".to_string()]), (80, 24));
    let buf = buffer(&app, 80, 24);
    check_grid(&buf);
    let s = text(&buf);
    crate::i18n::set(Lang::En);
    assert!(s.contains("语言：中文") && s.contains("进程还是线程"), "{s}");
    insta::assert_snapshot!(s);
}
