//! The connections pane agrees with the step (issue 12 §5): after several fires at one pool it
//! shows the last fire's figures, as that step printed them, with shares of them, and the
//! pool's total only under a label that says what it counts.

use super::*;
use crate::lesson::run::{Fired, Report};
use crate::proto::Event;
use crate::proto::client::ClientSummary;
use crate::proto::mode::Mode;
use crate::ui::app::{App, Msg};
use crate::ui::engine::EngineMsg;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::{BTreeMap, BTreeSet};

fn open(id: &str, size: (u16, u16)) -> App {
    let lessons = crate::lesson::embedded().unwrap();
    let i = lessons.iter().position(|l| l.id == id).unwrap();
    let mut app = App::new(lessons, BTreeSet::new(), size);
    app.open_direct(i);
    app
}

/// What a step's `fire`, `load` + `wait load` or Node fire reports: its summary.
fn fired(per_worker: &[(&str, u64)], failed: u64) -> Msg {
    let per_worker: BTreeMap<String, u64> = per_worker.iter().map(|(w, n)| (w.to_string(), *n)).collect();
    let completed: u64 = per_worker.values().sum();
    let summary = ClientSummary {
        done: true,
        fired: completed + failed,
        completed,
        failed,
        errors: if failed > 0 { [("reset".to_string(), failed)].into() } else { BTreeMap::new() },
        per_worker: per_worker.clone(),
        elapsed_s: 1.0,
        conn_per_s: completed as f64,
        p50_ms: 0.1,
        p99_ms: 0.2,
        max_ms: 0.3,
        kept_alive: 0,
        switched: 0,
        kept_replies: None,
        visits: BTreeMap::new(),
    };
    let fired = Fired { summary, per_worker, accepted: completed };
    Msg::Engine(EngineMsg::Report(Report::Fired { mode: "rr".into(), fired }))
}

fn event(ev: Event) -> Msg {
    Msg::Engine(EngineMsg::Report(Report::Event(ev)))
}

fn pool_ready(workers: usize) -> Msg {
    event(Event::PoolReady { alias: "master".into(), pid: 10, mode: Mode::Rr, port: 8090, workers })
}

fn render(app: &App, w: u16, h: u16) -> String {
    let theme = Theme::new(crate::ui::theme::ThemeName::Default, false, false);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, &theme, f)).unwrap();
    let buf = t.backend().buffer();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect::<Vec<_>>().join("\n")
}

/// The screen as text, a wide character's second cell belonging to it (Chinese).
fn render_wide(app: &App, w: u16, h: u16) -> String {
    use unicode_width::UnicodeWidthStr;
    let theme = Theme::new(crate::ui::theme::ThemeName::Default, false, false);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, &theme, f)).unwrap();
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let sym = buf[(x, y)].symbol();
            s.push_str(sym);
            x += sym.width().max(1) as u16;
        }
        s.push('\n');
    }
    s
}

/// The connections pane's rows: the column its title starts in, down to its bottom border.
fn pane(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    // Its title is ` connections` or, focused, `▸ connections`.
    let at = |l: &str| l.find("╭ connections").or_else(|| l.find("╭▸ connections"));
    let (top, line) = lines.iter().enumerate().find(|(_, l)| at(l).is_some()).expect(screen);
    let col = line[..at(line).unwrap()].chars().count();
    let mut rows = vec![];
    for l in &lines[top + 1..] {
        let row: String = l.chars().skip(col).collect();
        let end = row.char_indices().skip(1).find(|(_, c)| *c == '│' || *c == '╯').map_or(row.len(), |(i, _)| i);
        if row.starts_with('╰') {
            break;
        }
        rows.push(row[..end].trim_start_matches('│').trim().to_string());
    }
    rows
}

/// A worker's bar, from its name to its share, in one column of bars or two.
fn bar<'a>(rows: &'a [String], worker: &str) -> Option<&'a str> {
    let name = format!("{worker} ");
    rows.iter().find_map(|r| {
        let at = r.find(&name).filter(|&i| i == 0 || r[..i].ends_with(' '))?;
        let end = at + r[at..].find('%')?;
        Some(&r[at..=end])
    })
}

/// The cluster lesson's steps 1, 3 and 4 at one pool: 200, then 100, then a `load` of 3000.
fn cluster_after_three_fires(size: (u16, u16)) -> App {
    let mut app = open("cluster", size);
    app.update(pool_ready(2));
    app.update(fired(&[("W1", 110), ("W2", 90)], 0));
    app.update(fired(&[("W1", 50), ("W2", 50)], 0));
    // The rolling restart: W3 and W4 replaced W1 and W2 during the load.
    app.update(fired(&[("W1", 600), ("W2", 600), ("W3", 900), ("W4", 897)], 3));
    app
}

#[test]
fn after_three_fires_the_pane_shows_the_last_ones_figures_and_labels_the_pools_total() {
    for (w, h) in [(80, 24), (100, 30), (160, 45)] {
        let app = cluster_after_three_fires((w, h));
        let screen = render(&app, w, h);
        let rows = pane(&screen);
        let all = rows.join("\n");
        // The step printed "fired 3000 connections ...: 2997 completed, 3 failed".
        let tally = rows.iter().find(|r| r.starts_with("last fire: 3000 · ")).expect(&screen);
        assert!(tally.ends_with("failed 3"), "{w}x{h}: {tally}\n{screen}");
        if tally.contains("completed") {
            assert!(tally.contains("completed 2997"), "{w}x{h}: {tally}\n{screen}");
        }
        // The pool's total shows only with its label; nothing else reads 3300 (or 3303).
        for r in rows.iter().filter(|r| r.contains("3303") || r.contains("3300")) {
            assert!(r.contains("since the pool started"), "{w}x{h}: an unlabelled total: {r}\n{screen}");
        }
        // Each bar's share is of the last fire's completed connections.
        for (worker, n, share) in [("W1", 600, 20), ("W3", 900, 30), ("W4", 897, 30)] {
            if let Some(bar) = bar(&rows, worker) {
                assert!(bar.ends_with(&format!("{n}   {share}%")), "{w}x{h}: {bar}\n{all}");
            }
        }
        // Where there is room, the bars and the total under its label.
        if h >= 45 {
            assert!(bar(&rows, "W3").is_some(), "{all}");
            assert!(all.contains("since the pool started: 3300 · completed 3297 · failed 3"), "{all}");
        }
    }
}

#[test]
fn one_fire_shows_no_pools_total_and_a_new_pool_starts_afresh() {
    let mut app = open("cluster", (160, 45));
    app.update(pool_ready(2));
    app.update(fired(&[("W1", 110), ("W2", 90)], 0));
    let rows = pane(&render(&app, 160, 45));
    assert!(rows.iter().any(|r| r == "last fire: 200 · completed 200 · failed 0"), "{rows:#?}");
    assert!(!rows.iter().any(|r| r.contains("since")), "{rows:#?}");
    assert!(bar(&rows, "W1").unwrap().ends_with("110   55%"), "{rows:#?}");
    // A respawned worker: the same pool is ready again, its figures stay.
    app.update(pool_ready(2));
    app.update(fired(&[("W1", 60), ("W2", 40)], 0));
    let rows = pane(&render(&app, 160, 45));
    assert!(rows.iter().any(|r| r == "last fire: 100 · completed 100 · failed 0"), "{rows:#?}");
    assert!(rows.iter().any(|r| r.starts_with("since the pool started: 300 ·")), "{rows:#?}");
    assert!(bar(&rows, "W1").unwrap().ends_with("60   60%"), "{rows:#?}");
    // A mode change is a new pool: nothing fired at it yet.
    app.update(event(Event::PoolStopped { alias: "master".into(), pid: 10 }));
    app.update(pool_ready(2));
    let rows = pane(&render(&app, 160, 45));
    assert!(!rows.iter().any(|r| r.contains("last fire") || r.contains("since")), "{rows:#?}");
    assert!(rows.iter().any(|r| r.starts_with("none accepted yet")), "{rows:#?}");
    assert!(bar(&rows, "W1").unwrap().ends_with(" 0    0%"), "{rows:#?}");
}

/// The same in Chinese: the labels are the catalogue's, and the last fire's fits the pane at
/// 80 columns (its short form) as it does at 160.
#[test]
fn the_labels_are_the_catalogues_in_chinese_too() {
    crate::i18n::set(crate::i18n::Lang::Zh);
    let mut screens = vec![];
    for (w, h) in [(80, 24), (160, 45)] {
        screens.push(render_wide(&cluster_after_three_fires((w, h)), w, h));
    }
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(screens[0].contains("最近一次发起 3000 · 失败 3 "), "{}", screens[0]);
    assert!(screens[1].contains("最近一次发起 3000 · 完成 2997 · 失败 3 "), "{}", screens[1]);
    assert!(screens[1].contains("进程池启动以来：发起 3300 · 完成 3297 · 失败 3 "), "{}", screens[1]);
}

/// One record of the fire under way, as the load client streams it.
fn record(conn: u32, worker: &str) -> Msg {
    let rec =
        crate::proto::client::ConnRecord { conn, ok: true, worker: Some(worker.into()), us: 200, ..Default::default() };
    Msg::Engine(EngineMsg::Report(Report::Conn(rec)))
}

fn key(app: &mut App, code: crossterm::event::KeyCode) {
    use crossterm::event::{KeyEvent, KeyModifiers};
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// cluster step 1 and then `3` `c`: a fire of 100 streamed, its summary in. The pane keeps
/// the last 50 of them.
fn cluster_after_a_fire_of_100(size: (u16, u16)) -> App {
    let mut app = open("cluster", size);
    app.update(pool_ready(2));
    for conn in 0..100 {
        app.update(record(conn, if conn % 2 == 0 { "W1" } else { "W2" }));
    }
    app.update(fired(&[("W1", 50), ("W2", 50)], 0));
    app
}

/// The latest connections' rows in view: their numbers.
fn numbers(rows: &[String]) -> Vec<u32> {
    rows.iter().filter_map(|r| r.strip_prefix('#')?.split_whitespace().next()?.parse().ok()).collect()
}

/// s5-qa2 A: the zoomed pane named 50 connections and showed 14, and neither ↓ nor PgDn
/// reached the rest. Every row the heading counts is reachable with the keys the help names,
/// and the heading says the pane keeps the last 50 of the 100 fired.
#[test]
fn the_zoomed_latest_list_scrolls_to_every_kept_connection_and_says_what_it_keeps_80x24() {
    use crossterm::event::KeyCode;
    let mut app = cluster_after_a_fire_of_100((80, 24));
    // Tab to the connections pane, then zoom it.
    while !matches!(&app.screen, crate::ui::app::Screen::Lesson(v)
        if v.look.focus == crate::ui::app::Focus::Pane(crate::lesson::Pane::Connections))
    {
        key(&mut app, KeyCode::Tab);
    }
    key(&mut app, KeyCode::Char('z'));
    let first = pane(&render(&app, 80, 24));
    let shown = numbers(&first);
    assert_eq!(shown.first(), Some(&99), "{first:#?}");
    let heading = format!("latest 1–{} of the 50 kept (100 fired)", shown.len());
    assert!(first.contains(&heading), "{heading}\n{first:#?}");
    // ↓ moves one row towards the older ones; PgDn a page; both stop at the oldest kept.
    key(&mut app, KeyCode::Down);
    let down = pane(&render(&app, 80, 24));
    assert_eq!(numbers(&down).first(), Some(&98), "{down:#?}");
    assert!(down.contains(&format!("latest 2–{} of the 50 kept (100 fired)", shown.len() + 1)), "{down:#?}");
    let mut seen: BTreeSet<u32> = shown.into_iter().chain(numbers(&down)).collect();
    for _ in 0..10 {
        key(&mut app, KeyCode::PageDown);
        seen.extend(numbers(&pane(&render(&app, 80, 24))));
    }
    assert_eq!(seen, (50..100).collect(), "every kept connection is on screen at some scroll");
    let last = pane(&render(&app, 80, 24));
    assert_eq!(numbers(&last), [50], "{last:#?}");
    // ↑ and PgUp come back to the newest.
    key(&mut app, KeyCode::Up);
    assert_eq!(numbers(&pane(&render(&app, 80, 24))).first(), Some(&51));
    for _ in 0..10 {
        key(&mut app, KeyCode::PageUp);
    }
    assert_eq!(pane(&render(&app, 80, 24)), first);
}

/// Unzoomed, the heading says the same in the room it has, and ↓ with the pane focused
/// scrolls it there too; in Chinese the heading says what is kept.
#[test]
fn the_latest_heading_says_what_is_kept_unzoomed_and_in_chinese() {
    let app = cluster_after_a_fire_of_100((160, 45));
    let rows = pane(&render(&app, 160, 45));
    assert!(rows.iter().any(|r| r.starts_with("latest 1–") && r.ends_with("of the 50 kept (100 fired)")), "{rows:#?}");
    crate::i18n::set(crate::i18n::Lang::Zh);
    let screen = render_wide(&app, 160, 45);
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(screen.contains("最近第 1–") && screen.contains("个（只保留最近 50 个，共发起 100 个）"), "{screen}");
}

/// Scrolled back while a fire streams, the rows in view stay put; the next fire starts at its
/// newest again.
#[test]
fn a_scrolled_list_holds_still_while_records_come_and_a_new_fire_shows_its_newest() {
    use crossterm::event::KeyCode;
    let mut app = open("cluster", (160, 45));
    app.update(pool_ready(2));
    for conn in 0..60 {
        app.update(record(conn, "W1"));
    }
    while !matches!(&app.screen, crate::ui::app::Screen::Lesson(v)
        if v.look.focus == crate::ui::app::Focus::Pane(crate::lesson::Pane::Connections))
    {
        key(&mut app, KeyCode::Tab);
    }
    for _ in 0..3 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(numbers(&pane(&render(&app, 160, 45))).first(), Some(&56));
    app.update(record(60, "W2"));
    assert_eq!(numbers(&pane(&render(&app, 160, 45))).first(), Some(&56));
    app.update(fired(&[("W1", 60), ("W2", 1)], 0));
    app.update(record(0, "W2"));
    assert_eq!(numbers(&pane(&render(&app, 160, 45))), [0]);
}

/// The connections pane's bottom border, from its corner.
fn foot(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    // Its title is ` connections` or, focused, `▸ connections`.
    let at = |l: &str| l.find("╭ connections").or_else(|| l.find("╭▸ connections"));
    let (top, line) = lines.iter().enumerate().find(|(_, l)| at(l).is_some()).expect(screen);
    let col = line[..at(line).unwrap()].chars().count();
    let below = lines[top + 1..].iter().map(|l| l.chars().skip(col).collect::<String>());
    below.into_iter().find(|r| r.starts_with('╰')).expect(screen)
}

/// s5-qa2 B: after a rolling restart at 80x24 the pane had room for one row of bars and the
/// tally, and drew no bar at all, only "+4 more workers" (read as "4 workers remain"). Now
/// the busiest of the last fire get the row, the tally stays, and the border says how many
/// bars are not shown and that z shows them; zoomed, every bar is there.
#[test]
fn a_short_pane_shows_the_busiest_bars_and_says_z_shows_the_rest_80x24() {
    use crossterm::event::KeyCode;
    let mut app = cluster_after_three_fires((80, 24));
    let screen = render(&app, 80, 24);
    let rows = pane(&screen);
    assert!(bar(&rows, "W3").is_some_and(|b| b.ends_with("900   30%")), "{screen}");
    assert!(bar(&rows, "W4").is_some_and(|b| b.ends_with("897   30%")), "{screen}");
    assert!(rows.iter().any(|r| r.starts_with("last fire: 3000")), "{screen}");
    assert!(!rows.iter().any(|r| r.contains("more workers")), "{screen}");
    let border = foot(&screen);
    assert!(border.contains(" +2 bars not shown · z zooms "), "{border}\n{screen}");
    while !matches!(&app.screen, crate::ui::app::Screen::Lesson(v)
        if v.look.focus == crate::ui::app::Focus::Pane(crate::lesson::Pane::Connections))
    {
        key(&mut app, KeyCode::Tab);
    }
    key(&mut app, KeyCode::Char('z'));
    let screen = render(&app, 80, 24);
    let rows = pane(&screen);
    for w in ["W1", "W2", "W3", "W4"] {
        assert!(bar(&rows, w).is_some(), "{w}\n{screen}");
    }
    assert!(!foot(&screen).contains("not shown"), "{screen}");
    // In Chinese: the bars not shown, not workers that remain.
    crate::i18n::set(crate::i18n::Lang::Zh);
    key(&mut app, KeyCode::Char('z'));
    let screen = render_wide(&app, 80, 24);
    crate::i18n::set(crate::i18n::Lang::En);
    assert!(screen.contains("另有 2 个计数未显示 · 按 z 放大"), "{screen}");
    let note = screen.lines().find(|l| l.contains("计数未显示")).unwrap();
    assert!(!note.contains("还有") && !note.contains("工作进程"), "{screen}");
}
