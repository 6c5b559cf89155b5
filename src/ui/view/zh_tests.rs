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

/// The rows of the pane titled `name` (what lies between its side borders), and its width.
fn pane_rows(buf: &Buffer, name: &str) -> (Vec<String>, usize) {
    let a = buf.area;
    let sym = |x: u16, y: u16| buf[(x, y)].symbol().to_string();
    let (x0, y0) = (0..a.height)
        .flat_map(|y| (0..a.width.saturating_sub(3)).map(move |x| (x, y)))
        .find(|&(x, y)| {
            // ` name` or, focused, `▸ name`.
            let at = if sym(x + 1, y) == "▸" { x + 3 } else { x + 2 };
            sym(x, y) == "╭" && sym(at, y) == name.chars().next().unwrap().to_string()
        })
        .expect(name);
    let x1 = (x0 + 1..a.width).find(|&x| sym(x, y0) == "╮").unwrap();
    let mut rows = Vec::new();
    for y in y0 + 1..a.height {
        if sym(x0, y) != "│" {
            break;
        }
        let (mut row, mut x) = (String::new(), x0 + 1);
        while x < x1 {
            let s = sym(x, y);
            row.push_str(&s);
            x += s.width().max(1) as u16;
        }
        rows.push(row.trim_end().to_string());
    }
    (rows, usize::from(x1 - x0 - 1))
}

/// The zombie lesson's question, as the events pane logs it after the step, wraps by Chinese
/// rules at 80x24: no row starts with a closing mark such as `，`, `? SIGCHLD` is not left alone
/// on a row before the Chinese, and each row but the last of the line is full.
#[test]
fn events_pane_wraps_chinese_at_80x24() {
    crate::i18n::set(Lang::Zh);
    let lessons = crate::lesson::lessons(None).unwrap();
    let zombie = lessons.iter().find(|l| l.id == "zombie").unwrap();
    assert!(zombie.file.contains("zh/"), "the Chinese zombie lesson is built in");
    let ask = (zombie.steps.iter().flat_map(|s| &s.directives))
        .find_map(|d| match &d.item {
            crate::lesson::Directive::Ask(a) if a.question.contains("SIGCHLD？") => Some(a.question.clone()),
            _ => None,
        })
        .unwrap();
    assert!(ask.contains("，主进程读到几个 SIGCHLD？"), "{ask}");
    let mut app = super::tests::open_at(lessons, "zombie", (80, 24));
    if let Screen::Lesson(v) = &mut app.screen {
        v.model = crate::ui::view::pane_tests::sample();
        v.steps.page = 1;
        v.steps.ran = 1;
        let line = |kind, text: String| crate::ui::model::LogLine { at: 9.0, kind, text };
        v.model.log.push(line(crate::ui::model::LogKind::Lesson, format!("? {ask}")));
        v.model.log.push(line(crate::ui::model::LogKind::Life, "= 一个".to_string()));
    }
    let buf = buffer(&app, 80, 24);
    check_grid(&buf);
    let s = text(&buf);
    crate::i18n::set(Lang::En);
    let (rows, width) = pane_rows(&buf, "事件");
    let start = rows.iter().position(|r| r.trim_start().starts_with("? ")).unwrap_or_else(|| panic!("{s}"));
    let end = rows.iter().position(|r| r.trim_start().starts_with("= 一个")).unwrap_or_else(|| panic!("{s}"));
    let question = &rows[start..end];
    assert!(question.len() > 1, "the question wraps:\n{s}");
    for (i, row) in question.iter().enumerate() {
        let first = row.trim_start().chars().next().unwrap();
        assert!(i == 0 || !crate::ui::linebreak::is_closing(first), "row {i} starts with `{first}`:\n{s}");
        if i + 1 < question.len() {
            assert!(row.width() + 2 > width, "row {i} ends early ({} of {width}):\n{s}", row.width());
        }
    }
    assert!(question[0].trim() != "? SIGCHLD", "`? SIGCHLD` alone on a row:\n{s}");
    let joined: String = question.iter().map(|r| r.trim()).collect::<Vec<_>>().join("");
    assert!(joined.contains("主进程读到几个"), "{s}");
}

/// What a step did, in Chinese at 80x24: a check's detail and an info line whose Chinese
/// follows a space fill their rows by `linebreak`'s rule. The run after the space starts on
/// the same row and breaks between characters (so `失败 0` does not end a row with `个；`
/// starting the next, and no row is left less than half full before more Chinese); no row
/// starts with a closing mark such as `，`; every character is shown once, in order.
#[test]
fn what_happened_fills_its_rows_in_chinese_at_80x24() {
    use crate::ui::app::OutLine;
    use crate::ui::model::LogKind;
    let said = [
        (
            LogKind::Conn,
            "✓ expect: accounted  (发出 200 个，完成 200 个，失败 0 个；按回答的工作进程统计的连接合计 200 个；工作进程共 accept 了 200 次)",
        ),
        (LogKind::Life, "W1 pid 20056 是僵尸进程：/proc/20056/stat 中状态为 Z，它的退出状态留给父进程读取"),
        (
            LogKind::Life,
            "  缩进的一行：主进程用 waitpid(-1, WNOHANG) 收走每一个僵尸，直到没有为止，然后继续等待下一个 SIGCHLD 信号",
        ),
    ];
    let mut app = lesson_app();
    if let Screen::Lesson(v) = &mut app.screen {
        v.steps.outputs[1] =
            said.iter().map(|(kind, t)| OutLine { kind: *kind, text: t.to_string(), hang: 0 }).collect();
        v.look.scroll = Some(u16::MAX);
    }
    let buf = buffer(&app, 80, 24);
    check_grid(&buf);
    let s = text(&buf);
    crate::i18n::set(Lang::En);
    let (rows, width) = pane_rows(&buf, "第");
    let strip = |t: &str| t.chars().filter(|c| *c != ' ').collect::<String>();
    for text in said.map(|(_, t)| t) {
        let start: String = text.chars().take(8).collect();
        let first = rows.iter().position(|r| r.starts_with(&start)).unwrap_or_else(|| panic!("{start}:\n{s}"));
        let mut got = String::new();
        let mut mine = Vec::new();
        for row in &rows[first..] {
            got.push_str(row);
            mine.push(row.as_str());
            if strip(&got).len() >= strip(text).len() {
                break;
            }
        }
        assert!(mine.len() > 1, "the line wraps:\n{s}");
        assert_eq!(strip(&got), strip(text), "every character once, in order:\n{s}");
        for (i, row) in mine.iter().enumerate() {
            assert!(!row.starts_with(crate::ui::linebreak::is_closing), "row {i} `{row}`:\n{s}");
            if i + 1 < mine.len() {
                // Full but for a character that did not fit (two columns) or a mark kept
                // with the one before it.
                assert!(row.width() + 4 >= width, "row {i} ends early ({} of {width}):\n{s}", row.width());
            }
        }
    }
    assert!(!s.contains("失败 0   "), "`失败 0` ends a row:\n{s}");
}

/// The question card breaks Chinese between characters, as the narration does: accept's
/// step 2 question at 80x24 went "? 一次一个地发 200" and left the rest of the row empty.
#[test]
fn the_question_card_fills_its_rows_in_chinese_at_80x24() {
    use crate::ui::app::Msg;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    crate::i18n::set(Lang::Zh);
    let lessons = crate::lesson::lessons(None).unwrap();
    let mut app = super::tests::open_at(lessons, "accept", (80, 24));
    let right = || Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
    // Step 1 without a guess, told done as the engine would; then step 2 asks.
    app.update(right());
    while app.question().is_some() {
        app.update(right());
    }
    app.update(Msg::Engine(crate::ui::engine::EngineMsg::StepDone { index: 0, error: None }));
    app.update(right());
    assert!(app.question().is_some(), "step 2 asks");
    let s = text(&buffer(&app, 80, 24));
    crate::i18n::set(Lang::En);
    let row = s.lines().find(|r| r.contains("? 一次一个地发")).unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("200 个连接"), "the question broke at its last space:\n{s}");
}
