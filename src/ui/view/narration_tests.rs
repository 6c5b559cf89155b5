//! What a step prints as a table (`show tree`, `compare`), read on the lesson screen at
//! 80x24, 100x30 and 160x45 without zooming: every row whole, a row wider than the area
//! going on under itself, and PgDn reaching the last row.

use super::narration::wrap_row;
use super::tests::{compare_step, key, open_at, render, theme};
use crate::i18n::Lang;
use crate::lesson::run::{Info, Report, TreeRow};
use crate::sys::procfs::ProcStatus;
use crate::ui::app::Msg;
use crate::ui::app::{App, Screen};
use crate::ui::engine::EngineMsg;
use crossterm::event::KeyCode;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Zombie's first step, run, its `show tree` reported: forklab, the master, workers, and a
/// daemon three levels down with its own child, on seven-digit PIDs. The rows as the step
/// shows them.
fn tree_step(app: &mut App) -> Vec<String> {
    let row = |alias: &str, pid: i32, depth: usize, ppid: i32| TreeRow {
        alias: alias.into(),
        pid,
        depth,
        status: ProcStatus { pid, state: 'S', ppid, pgid: 1_048_107, sid: 1_048_100, threads: 1, ..Default::default() },
    };
    let mut rows = vec![row("forklab", 1_048_100, 0, 3021), row("master", 1_048_107, 1, 1_048_100)];
    rows.extend((1..=6).map(|w| row(&format!("W{w}"), 1_048_107 + w, 2, 1_048_107)));
    rows.push(row("daemon", 1_048_300, 3, 1_048_113));
    rows.push(row("child", 1_048_301, 4, 1_048_300));
    if let Screen::Lesson(v) = &mut app.screen {
        v.steps.page = 1;
        v.steps.ran = 1;
    }
    let report = Report::Info(Info::Tree { rows, pids: Default::default() });
    let shown = report.text().lines().skip(1).map(|l| l.strip_prefix("    ").unwrap().to_string()).collect();
    app.update(Msg::Engine(EngineMsg::Report(report)));
    shown
}

/// The narration area's rows on screen `s` (a character a cell): the text between its
/// borders, without the cell after each wide character.
fn narration_rows(s: &str) -> Vec<String> {
    let lines: Vec<Vec<char>> = s.lines().map(|l| l.chars().collect()).collect();
    let top = lines.iter().position(|l| l.first() == Some(&'╭')).expect("a narration area");
    let right = lines[top].iter().position(|c| *c == '╮').unwrap();
    (lines[top + 1..].iter().take_while(|l| l.first() != Some(&'╰')))
        .map(|l| unfill(&l[1..right.min(l.len())]).trim_end().to_string())
        .collect()
}

/// Cells as text: a wide character's second cell belongs to it, so it is skipped.
fn unfill(cells: &[char]) -> String {
    let mut text = String::new();
    let mut wide = false;
    for &c in cells {
        if !std::mem::take(&mut wide) {
            text.push(c);
            wide = c.width() == Some(2);
        }
    }
    text
}

/// Whether `rows` show `row` whole: a row of the area starting as it does (its own indent,
/// the tree's shape), and it and the rows under it indented deeper than `row` reading as it.
fn shows_whole(rows: &[String], row: &str) -> bool {
    let indent = row.len() - row.trim_start().len();
    let words: Vec<&str> = row.split_whitespace().collect();
    (0..rows.len()).any(|i| {
        let own = rows[i].len() - rows[i].trim_start().len() == indent;
        let mut said: Vec<&str> = rows[i].split_whitespace().collect();
        let mut j = i + 1;
        while own && said.len() < words.len() && j < rows.len() {
            let under = &rows[j];
            if under.len() - under.trim_start().len() <= indent {
                break;
            }
            said.extend(under.split_whitespace());
            j += 1;
        }
        own && said == words
    })
}

/// Every row of `rows` whole on some page of the step at `w`x`h`, paging with PgDn from the
/// top; the last page shows the last row.
fn every_row_readable(app: &mut App, rows: &[String], w: u16, h: u16) {
    app.update(Msg::Resize(w, h));
    let mut pages = vec![render(app, &theme(), w, h)];
    let (below, wide) = (tr!("more-below"), tr!("table-wide"));
    let says = |page: &str, what: &str| page.lines().any(|l| unfill(&l.chars().collect::<Vec<_>>()).contains(what));
    while says(pages.last().unwrap(), &below) && pages.len() < 30 {
        key(app, KeyCode::PageDown);
        pages.push(render(app, &theme(), w, h));
    }
    let last = pages.last().unwrap();
    assert!(!says(last, &below), "PgDn never reached the end at {w}x{h}:\n{last}");
    for p in &pages {
        assert!(!says(p, &wide), "a step's table needs no zoom at {w}x{h}:\n{p}");
    }
    for r in rows {
        let found = pages.iter().any(|p| shows_whole(&narration_rows(p), r));
        assert!(found, "{r:?} never whole at {w}x{h}:\n{}", pages.join("\n"));
    }
    let end = rows.last().unwrap();
    assert!(shows_whole(&narration_rows(last), end), "the last row is not on the last page at {w}x{h}:\n{last}");
}

#[test]
fn every_row_of_a_deep_tree_is_readable_80x24_100x30_160x45() {
    for (w, h) in [(80, 24), (100, 30), (160, 45)] {
        let mut app = open_at(crate::lesson::embedded().unwrap(), "zombie", (w, h));
        let rows = tree_step(&mut app);
        assert!(rows.iter().any(|r| r.len() > 78), "the rows fit anyway: {rows:#?}");
        every_row_readable(&mut app, &rows, w, h);
    }
}

/// In English and in Chinese (its headers two columns a character).
#[test]
fn every_row_of_a_compare_table_is_readable_80x24_100x30_160x45() {
    for lang in [Lang::En, Lang::Zh] {
        crate::i18n::set(lang);
        for (w, h) in [(80, 24), (100, 30), (160, 45)] {
            let mut app = open_at(crate::lesson::lessons(None).unwrap(), "accept", (w, h));
            let rows = compare_step(&mut app);
            assert!(rows.iter().all(|r| r.width() > 78), "the rows fit anyway: {rows:#?}");
            every_row_readable(&mut app, &rows, w, h);
        }
    }
    crate::i18n::set(Lang::En);
}

/// `show tree`'s W1 at depth 2, on five-digit PIDs: 80 columns, two more than an 80x24
/// screen's narration area has.
const W1: &str = "    W1       pid 25674   ppid 25461   pgid 25461   sid 25454   state Z threads 1";

#[test]
fn a_row_that_fits_is_left_as_it_is() {
    assert_eq!(wrap_row(W1, 80, 13), vec![W1.to_string()]);
    assert_eq!(wrap_row("", 78, 13), vec![String::new()]);
}

#[test]
fn a_tree_row_goes_on_under_its_pid_at_a_gap_between_its_columns() {
    assert_eq!(
        wrap_row(W1, 78, 13),
        vec!["    W1       pid 25674   ppid 25461   pgid 25461   sid 25454", "             state Z threads 1"]
    );
}

#[test]
fn a_label_stays_with_its_value() {
    let row = "    W5       pid 1048112 ppid 1048107 pgid 1048107 sid 1048100 state S threads 1";
    assert_eq!(
        wrap_row(row, 78, 13),
        vec!["    W5       pid 1048112 ppid 1048107 pgid 1048107 sid 1048100 state S", "             threads 1"]
    );
    // Room up to `state ` only: the state letter stays with its label too.
    assert_eq!(
        wrap_row(row, 69, 13),
        vec!["    W5       pid 1048112 ppid 1048107 pgid 1048107 sid 1048100", "             state S threads 1"]
    );
}

#[test]
fn a_word_wider_than_the_room_is_cut_inside() {
    let pieces = wrap_row("ab 0123456789012345678901234567890123456789", 20, 3);
    assert_eq!(pieces, vec!["ab", "   01234567890123456", "   78901234567890123", "   456789"]);
}

#[test]
fn the_hang_is_at_most_half_the_width() {
    let pieces = wrap_row("first second third fourth", 12, 40);
    assert_eq!(pieces, vec!["first second", "      third", "      fourth"]);
}

/// At every width from 10 to 100 columns, on rows with a deep indent, wide characters and
/// long numbers: no piece is wider than the width, the pieces after the first hang, and
/// together they read as the row.
#[test]
fn every_piece_fits_and_together_they_read_as_the_row() {
    let rows = [
        W1,
        "          child    pid 1048301 ppid 1048300 pgid 1048107 sid 1048100 state S threads 12",
        "模式         完成   失败    最大    最小    cv       空唤醒     上下文切换  每个工作进程",
        "  shared           200      0    104    101  0.01             3         1234  W1:101 W2:102",
    ];
    for row in rows {
        for width in 10..=100 {
            let hang = 11;
            let pieces = wrap_row(row, width, hang);
            let hang = hang.min(width / 2);
            for (i, p) in pieces.iter().enumerate() {
                assert!(p.width() <= width, "{p:?} wider than {width}: {pieces:#?}");
                if i > 0 {
                    assert!(p.starts_with(&" ".repeat(hang)) && p.width() > hang, "{width}: {pieces:#?}");
                }
            }
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            assert_eq!(squeeze(&pieces.concat()), squeeze(row), "{width}: {pieces:#?}");
            // The first keeps the row's indent (the tree's shape), where the width leaves room.
            let indent = &row[..row.len() - row.trim_start().len()];
            assert!(indent.len() >= width || pieces[0].starts_with(indent), "{width}: {pieces:#?}");
        }
    }
}

/// A table row in Chinese breaks between characters, by `linebreak`'s rule, when no column gap
/// or space will do: no piece starts with a closing mark, none is wider than the width, and a
/// piece is not cut short before a run of Chinese.
#[test]
fn a_chinese_row_breaks_between_characters_and_never_before_a_closing_mark() {
    let row = "  W1 已退出，退出码 0；主进程收到了一个 SIGCHLD，并调用 waitpid（WNOHANG）把它收走了。";
    assert_eq!(wrap_row("进程已退出，退出码为零。", 12, 2), ["进程已退出，", "  退出码为", "  零。"]);
    // From 16 columns, `（WNOHANG）` fits a piece (narrower, it is cut by width).
    for width in 16..=100 {
        let pieces = wrap_row(row, width, 4);
        for (i, p) in pieces.iter().enumerate() {
            assert!(p.width() <= width, "{width}: {pieces:#?}");
            let first = p.trim_start().chars().next().unwrap();
            assert!(i == 0 || !crate::ui::linebreak::is_closing(first), "{width}: {pieces:#?}");
        }
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squeeze(&pieces.concat()), squeeze(row), "{width}: {pieces:#?}");
    }
}

/// fork's first step, run, its `show fds master` reported for a pool of six workers on
/// seven-digit PIDs: the listening socket's row names every other holder, wider than an 80x24
/// screen's narration area. Then the daemon's facts (`show proc`) with a long working
/// directory. The rows as the step shows them.
fn fds_step(app: &mut App) -> Vec<String> {
    use crate::lesson::{ProcField, Target};
    use crate::sys::procfs::FdEntry;
    if let Screen::Lesson(v) = &mut app.screen {
        v.steps.page = 1;
        v.steps.ran = 1;
    }
    let fd = |fd: i32, target: &str| FdEntry { fd, target: target.into() };
    let table =
        vec![fd(0, "/dev/null"), fd(2, "pipe:[176517354]"), fd(6, "socket:[176515545]"), fd(7, "socket:[176515547]")];
    let holders = (1..=6).map(|w| format!("W{w} fd 6")).collect();
    let shared = [(176_515_545, holders)].into_iter().collect();
    let fds = Report::Info(Info::Fds { target: Target::Master, pid: 1_048_107, table, shared });
    let facts = [
        (ProcField::Ppid, "1048100"),
        (ProcField::Pgid, "1048301"),
        (ProcField::Sid, "1048301"),
        (ProcField::Tty, "none"),
        (ProcField::Umask, "0000"),
        (ProcField::Cwd, "/home/learner/courses/node-processes/forklab-workspace"),
        (ProcField::Fd0, "/dev/null"),
        (ProcField::Fd1, "pipe:[176522662]"),
        (ProcField::Fd2, "pipe:[176522662]"),
    ];
    let facts = facts.into_iter().map(|(f, v)| (f, v.to_string())).collect();
    let proc = Report::Info(Info::Proc { target: Target::Daemon, pid: 1_048_302, facts });
    let mut shown = Vec::new();
    for (report, skip) in [(fds, 1), (proc, 0)] {
        let text = report.text();
        shown.extend(text.lines().skip(skip).map(|l| l.strip_prefix("    ").unwrap_or(l).to_string()));
        app.update(Msg::Engine(EngineMsg::Report(report)));
    }
    shown
}

/// In English and in Chinese (its `also held by` two columns a character).
#[test]
fn every_row_of_an_fd_table_and_a_process_s_facts_is_readable_80x24_100x30_160x45() {
    for lang in [Lang::En, Lang::Zh] {
        crate::i18n::set(lang);
        for (w, h) in [(80, 24), (100, 30), (160, 45)] {
            let mut app = open_at(crate::lesson::lessons(None).unwrap(), "fork", (w, h));
            let rows = fds_step(&mut app);
            assert!(rows.iter().filter(|r| r.width() > 78).count() >= 2, "the rows fit anyway: {rows:#?}");
            every_row_readable(&mut app, &rows, w, h);
        }
    }
    crate::i18n::set(Lang::En);
}

/// `show fds`'s row goes on under the fd's target, and a holder (`W4 fd 6`) stays whole:
/// the row breaks after a comma of the list, not before the label `fd` of one of its items.
#[test]
fn an_fd_row_goes_on_under_its_target_keeping_each_holder_whole() {
    let row = "fd 6   -> socket:[176515545]   also held by W1 fd 6, W2 fd 6, W3 fd 6, W4 fd 6, W5 fd 6, W6 fd 6";
    assert_eq!(
        wrap_row(row, 78, 10),
        vec![
            "fd 6   -> socket:[176515545]   also held by W1 fd 6, W2 fd 6, W3 fd 6,",
            "          W4 fd 6, W5 fd 6, W6 fd 6"
        ]
    );
}

/// A check's detail names a step or a command in backticks (daemon's step 2; cluster's step 2 in
/// Chinese). On the lesson screen, at 80x24 and 160x45, it reads as the narration's inline code:
/// in the code style, with no backtick in what the step did nor in the events pane. Without
/// colour the backticks are what marks code, in the narration too: kept.
#[test]
fn a_check_detail_s_code_is_drawn_as_inline_code_without_backticks() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let cases = [
        (
            Lang::En,
            "daemon",
            "daemon tty is none; it was pts/0 before `setsid`: it lost its terminal",
            "before setsid:",
            "setsid",
        ),
        (Lang::Zh, "cluster", "运行 `work` 的进程用了 1.98 个核（共 2 个）", "运行 work 的进程", "work"),
    ];
    for (lang, id, detail, context, code) in cases {
        crate::i18n::set(lang);
        for (w, h) in [(80, 24), (160, 45)] {
            let mut app = open_at(crate::lesson::lessons(None).unwrap(), id, (w, h));
            if let Screen::Lesson(v) = &mut app.screen {
                v.steps.page = 2;
                v.steps.ran = 2;
            }
            let report = Report::Expect { text: "expect: x".into(), passed: true, detail: detail.into() };
            app.update(Msg::Engine(EngineMsg::Report(report)));
            for _ in 0..10 {
                key(&mut app, KeyCode::PageDown);
            }
            let shown = render(&app, &theme(), w, h);
            assert!(!shown.contains('`'), "a raw backtick at {w}x{h}:\n{shown}");
            assert!(narration_rows(&shown).iter().any(|r| r.contains(context)), "{context} at {w}x{h}:\n{shown}");
            // The code's cells are in the code style, the words around it are not.
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| crate::ui::view::draw(&app, &theme(), f)).unwrap();
            let buf = t.backend().buffer();
            let cells = |y: u16| (0..w).map(|x| buf[(x, y)].clone()).collect::<Vec<_>>();
            let text =
                |cells: &[ratatui::buffer::Cell]| cells.iter().map(|c| c.symbol().to_string()).collect::<String>();
            let y = (0..h).find(|&y| unfill(&text(&cells(y)).chars().collect::<Vec<_>>()).contains(context)).unwrap();
            let row = cells(y);
            let x = (1..row.len() - code.len())
                .find(|&x| text(&row[x..x + code.len()]) == code && row[x - 1].symbol() == " ")
                .unwrap();
            let fg = theme().code.fg.unwrap();
            assert!(row[x..x + code.len()].iter().all(|c| c.fg == fg), "{code} at {w}x{h}");
            assert!(row[x - 1].fg != fg && row[x + code.len()].fg != fg, "around {code} at {w}x{h}");
            // Without colour, as the narration's code: `setsid`.
            let plain = crate::ui::theme::Theme::new(crate::ui::theme::ThemeName::Default, true, false);
            let shown = render(&app, &plain, w, h);
            assert!(shown.contains(&format!("`{code}`")), "{shown}");
        }
    }
    crate::i18n::set(Lang::En);
}
