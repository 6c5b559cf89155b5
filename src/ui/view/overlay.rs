//! What opens over the lesson screen: the signal menu and the help.

use super::block;
use crate::ui::app::{Action, LessonView, SIGNALS};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

pub(super) fn signal_menu(v: &LessonView, selected: usize, theme: &Theme, f: &mut Frame, area: Rect) {
    let target = v.model.procs.get(v.model.selected).map(|r| format!("{} pid {}", r.alias, r.pid)).unwrap_or_default();
    let title = tr!("signal-menu-title", target = target);
    let footer = format!(" {} ", tr!("signal-menu-footer"));
    // Wide enough for the title on the border and the footer inside it (display width: CJK).
    let w = (title.width() + 6).max(footer.width() + 2) as u16;
    let h = SIGNALS.len() as u16 + 3;
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = SIGNALS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let style = if i == selected { theme.selected } else { theme.text };
            Line::styled(format!(" {:<9}", s.as_str()), style)
        })
        .collect();
    lines.push(Line::styled(footer, theme.dim));
    f.render_widget(Paragraph::new(lines).block(block(theme, &title, true)), r);
}

/// The keys, each said by the action it runs (`Action`'s Display), and what the colours of
/// the process rows mean. The keys that act on a pool (fire, again, scale, mode) only while
/// `pool` runs, as the key bar offers them. Fits 80x24.
pub(super) fn help(pool: bool, theme: &Theme, f: &mut Frame, area: Rect) {
    let (right, left, updown) = if theme.ascii { ("Right", "Left", "Up Down") } else { ("→", "←", "↑ ↓") };
    let rows: Vec<(String, Action, bool)> = vec![
        (format!("{right}  n  space"), Action::Next, true),
        (format!("{left}  p"), Action::Back, true),
        ("PgUp PgDn".into(), Action::Page(1), true),
        (updown.into(), Action::Scroll(1), true),
        ("Tab  Shift-Tab".into(), Action::Focus { forward: true }, true),
        ("z".into(), Action::Zoom, true),
        (format!("{left} {right} zoomed"), Action::Side(1), true),
        ("k".into(), Action::SignalMenu, true),
        ("1 2 3".into(), Action::Fire(0), pool),
        ("c".into(), Action::FireAgain, pool),
        ("+ -".into(), Action::Workers(1), pool),
        ("m".into(), Action::NextMode, pool),
        ("s".into(), Action::Syscalls, true),
        ("f".into(), Action::Freeze, true),
        ("?".into(), Action::Help, true),
        ("q  Esc".into(), Action::Leave, true),
        ("Ctrl-C".into(), Action::Quit, true),
    ];
    let notes = [tr!("help-colours-1"), tr!("help-colours-2"), tr!("help-colours-3")].map(|n| format!(" {n}"));
    let mut lines: Vec<Line> = rows
        .iter()
        .filter(|(_, _, shown)| *shown)
        .map(|(k, a, _)| Line::from(vec![Span::styled(format!(" {k:<16}"), theme.strong), Span::raw(a.to_string())]))
        .collect();
    lines.push(Line::raw(""));
    lines.extend(notes.into_iter().map(|n| Line::styled(n, theme.dim)));
    let w = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let r = centered(area, w, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(block(theme, &tr!("help-title"), true)), r);
}

/// The glossary's lines in `room` columns: each Node API beside the system calls under it
/// (wrapped under the arrow where they do not fit beside it), and a note in the language in
/// use, wrapped by `linebreak`'s rule.
fn glossary_lines(theme: &Theme, room: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (api, calls, note) in crate::ui::glossary::lines() {
        let api = format!(" {api}");
        let beside = room.saturating_sub(api.width() + 4);
        let calls = crate::ui::linebreak::fill(&calls, beside.max(1), room.saturating_sub(5).max(1), true);
        let mut calls = calls.into_iter();
        let first = calls.next().unwrap_or_default();
        lines.push(Line::from(vec![Span::styled(api, theme.strong), Span::styled(format!("  → {first}"), theme.key)]));
        lines.extend(calls.map(|c| Line::styled(format!("     {c}"), theme.key)));
        for part in crate::ui::linebreak::wrap(&note, room.saturating_sub(3), 0) {
            lines.push(Line::styled(format!("   {part}"), theme.dim));
        }
    }
    lines
}

/// The glossary (`glossary_lines`), in display widths that fit the screen: 80x24 in both
/// languages.
pub(super) fn glossary(top: u16, theme: &Theme, f: &mut Frame, area: Rect) {
    let room = usize::from(area.width.saturating_sub(4));
    let lines = glossary_lines(theme, room);
    let w = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    // Within a column of the screen's width, take all of it: a one-column strip would show
    // the picker's border beside the glossary's.
    let w = if w + 2 > area.width { area.width } else { w };
    // Taller than the screen (80x24 in Chinese): it scrolls, and the footer, always shown,
    // says how far and how.
    let room = usize::from(area.height.saturating_sub(3));
    let top = usize::from(top).min(lines.len().saturating_sub(room));
    let more = lines.len() > room;
    let mut shown: Vec<Line> = lines.into_iter().skip(top).take(room).collect();
    let footer = if more {
        format!(" ↑/↓ PgUp/PgDn · {}", tr!("glossary-footer"))
    } else {
        format!(" {}", tr!("glossary-footer"))
    };
    shown.push(Line::styled(footer, theme.dim));
    let r = centered(area, w, shown.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(shown).block(block(theme, &tr!("glossary-title"), true)), r);
}

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// At 80 columns (76 of room) in both languages: no line is wider than the room, each
    /// entry's system calls and note read whole, and no row starts with a closing mark.
    #[test]
    fn the_glossary_fits_80_columns_and_reads_whole_in_both_languages() {
        let theme = Theme::new(crate::ui::theme::ThemeName::Default, false, false);
        for lang in [Lang::En, Lang::Zh] {
            crate::i18n::set(lang);
            let entries = crate::ui::glossary::lines();
            let lines: Vec<String> = glossary_lines(&theme, 76).iter().map(|l| l.to_string()).collect();
            crate::i18n::set(Lang::En);
            let all = lines.join("\n");
            for l in &lines {
                assert!(l.width() <= 76, "{lang:?}: {l:?} is {} wide", l.width());
                let first = l.trim_start().chars().next().unwrap();
                assert!(!crate::ui::linebreak::is_closing(first), "{lang:?}: {l:?}\n{all}");
            }
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            let text = squeeze(&all);
            for (api, calls, note) in entries {
                let at = text.find(&squeeze(&format!("{api} → {calls}"))).unwrap_or_else(|| panic!("{calls}\n{all}"));
                assert!(text[at..].contains(&squeeze(&note)), "{note}\n{all}");
            }
        }
    }

    /// Drawn at 80x24, the glossary takes the whole width: no strip of the picker's border
    /// shows beside its own.
    #[test]
    fn the_glossary_at_80x24_takes_the_whole_width() {
        let theme = Theme::new(crate::ui::theme::ThemeName::Default, false, false);
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        term.draw(|f| glossary(0, &theme, f, f.area())).unwrap();
        let buf = term.backend().buffer();
        assert_eq!((buf[(0, 0)].symbol(), buf[(79, 0)].symbol()), ("╭", "╮"));
    }
}
