//! Where free text may break into rows, one rule for every wrapper (the narration, the log
//! panes, the key bar's message, table rows): at a space, or between two characters when
//! either is CJK, since Chinese has no spaces; except that a closing mark (`，` `。` `）`)
//! never starts a row and an opening mark (`（` `「` `(`) never ends one. Latin words are
//! split only when longer than a row. Widths are display widths: a CJK character takes two.

use unicode_width::UnicodeWidthStr;

/// A character of a script written without spaces (CJK ideographs, kana, Hangul, their
/// punctuation and full-width forms): a row may break beside it.
pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD)
}

/// A mark that closes (a comma, a full stop, a closing bracket): it never starts a row.
pub fn is_closing(c: char) -> bool {
    "，。、；：！？）」』】》〉”’,.;:!?)]}".contains(c)
}

/// A mark that opens (a bracket, a quotation mark): it never ends a row.
pub fn is_opening(c: char) -> bool {
    "（「『【《〈“‘([".contains(c)
}

/// Whether a row may break between `a` and `b`, written with no space between them; `a_cjk`
/// and `b_cjk` say whether each counts as CJK (inline code does not, so it is never split).
pub fn may_break_as(a: char, a_cjk: bool, b: char, b_cjk: bool) -> bool {
    (a_cjk || b_cjk) && !is_closing(b) && !is_opening(a)
}

/// Whether a row may break between `a` and `b`, written with no space between them.
pub fn may_break(a: char, b: char) -> bool {
    may_break_as(a, is_cjk(a), b, is_cjk(b))
}

/// The display width of `c` (a CJK character is two).
pub fn char_width(c: char) -> usize {
    let mut b = [0u8; 4];
    c.encode_utf8(&mut b).width()
}

/// The pieces of `text` no row may split (but one longer than a row), each with how many
/// spaces came before it: the words between spaces, cut further where `may_break` allows.
pub fn units(text: &str) -> Vec<(usize, &str)> {
    let (mut out, mut spaces) = (Vec::new(), 0);
    for (n, word) in text.split(' ').enumerate() {
        spaces += usize::from(n > 0);
        if word.is_empty() {
            continue;
        }
        let (mut from, mut prev) = (0, None);
        for (i, c) in word.char_indices() {
            if prev.is_some_and(|p| may_break(p, c)) {
                out.push((if from == 0 { spaces } else { 0 }, &word[from..i]));
                from = i;
            }
            prev = Some(c);
        }
        out.push((if from == 0 { spaces } else { 0 }, &word[from..]));
        spaces = 0;
    }
    out
}

/// The byte index at which `s` reaches `width` cells (at least one char, so progress is made).
pub fn cut_at_width(s: &str, width: usize) -> usize {
    let mut w = 0;
    for (i, c) in s.char_indices() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw > width && i > 0 {
            return i;
        }
        w += cw;
    }
    s.len()
}

/// Greedy wrap into rows of at most `width` cells, breaking where `units` allows; rows after
/// the first are indented by `indent` (when the width leaves room for it). Spaces between
/// words on a row are one. A piece longer than a row is split by width.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let indent = if width > indent + 4 { indent } else { 0 };
    let pad = " ".repeat(indent);
    let rows = fill(text, width, width.saturating_sub(indent), false);
    rows.into_iter().enumerate().map(|(i, r)| if i == 0 { r } else { format!("{pad}{r}") }).collect()
}

/// Greedy wrap into a first row of at most `first` cells and the rest of at most `rest`,
/// breaking where `units` allows: no row starts with the spaces it broke at, and the spaces
/// between words on a row are one, or as written when `keep_spaces`. A piece longer than a
/// row is split by width. Nothing when either width is 0; one empty row for empty text.
pub fn fill(text: &str, first: usize, rest: usize, keep_spaces: bool) -> Vec<String> {
    if first == 0 || rest == 0 {
        return Vec::new();
    }
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    let room = |rows: &Vec<String>| if rows.is_empty() { first } else { rest };
    for (spaces, unit) in units(text) {
        let gap = if used == 0 {
            0
        } else if keep_spaces {
            spaces
        } else {
            spaces.min(1)
        };
        let need = used + gap + unit.width();
        if need <= room(&rows) {
            row.push_str(&" ".repeat(gap));
            row.push_str(unit);
            used = need;
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        // The piece starts a new row; split it if even a whole row cannot hold it.
        for ch in unit.chars() {
            let cw = char_width(ch);
            if used + cw > room(&rows) && used > 0 {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push(ch);
            used += cw;
        }
    }
    if used > 0 || rows.is_empty() {
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: [&str; 5] = [
        "fork → 子进程退出了，主进程读到几个 SIGCHLD？（信号不排队）",
        "W1 pid 4242 exited, code 0; the master forks W3 in its place",
        "主进程用 waitpid(-1, WNOHANG) 收走每一个僵尸「Z」，直到没有为止。",
        "僵尸进程：已经退出、但父进程还没有 wait() 它的子进程，在 ps 里显示为 <defunct>。",
        "a verylongwordthatnorowcanholdwhole 然后中文接着写下去，一直写到行尾为止。",
    ];

    #[test]
    fn a_closing_mark_goes_with_the_character_before_it() {
        // 8 cells: `子进程退` fills the row; the comma may not start the next, so `出了，` moves.
        assert_eq!(wrap("子进程退出了，主进程", 10, 0), ["子进程退出", "了，主进程"]);
        assert_eq!(wrap("子进程退，主进程", 8, 0), ["子进程", "退，主进", "程"]);
        // From 14 columns every piece fits a row (narrower, a Latin word is cut by width).
        for w in 14..=60 {
            for text in MIXED {
                for row in wrap(text, w, 2) {
                    let first = row.trim_start().chars().next();
                    assert!(!first.is_some_and(is_closing), "{w}: {row:?} starts with a closing mark");
                }
            }
        }
    }

    #[test]
    fn an_opening_mark_stays_with_the_character_after_it() {
        assert_eq!(wrap("读到几个（信号）", 10, 0), ["读到几个", "（信号）"]);
        for w in 14..=60 {
            for text in MIXED {
                for row in wrap(text, w, 2) {
                    assert!(!row.ends_with(is_opening), "{w}: {row:?} ends with an opening mark");
                }
            }
        }
    }

    #[test]
    fn a_chinese_run_fills_the_row_instead_of_jumping_to_the_next() {
        // A short Latin token is not left alone before a long Chinese run.
        let rows = wrap("收到 SIGCHLD 之后主进程调用一次又一次的等待", 20, 0);
        assert_eq!(rows, ["收到 SIGCHLD 之后主", "进程调用一次又一次的", "等待"]);
        for w in 4..=60 {
            let rows = wrap("主进程读到几个信号主进程读到几个信号主进程读到几个信号", w, 0);
            for row in &rows[..rows.len() - 1] {
                assert!(row.width() + 2 > w, "{w}: {row:?} ends early");
            }
        }
    }

    #[test]
    fn latin_words_stay_whole_and_english_wraps_at_spaces() {
        assert_eq!(
            wrap("the master forks W3 in its place", 12, 2),
            ["the master", "  forks W3", "  in its", "  place"]
        );
        assert_eq!(wrap("abcdefghij", 4, 0), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10, 2), [""]);
        assert!(wrap("x", 0, 0).is_empty());
        for w in 14..=60 {
            for row in wrap(MIXED[3], w, 2) {
                // `waitpid`, `<defunct>` and `wait()` are never cut: each is whole on some row.
                assert!(!row.contains("<def") || row.contains("<defunct>。"), "{w}: {row:?}");
            }
            let joined = wrap(MIXED[2], w, 0).join(" ");
            assert!(joined.contains("waitpid(-1,") && joined.contains("WNOHANG)"), "{w}: {joined}");
        }
    }

    #[test]
    fn no_row_is_wider_than_the_width_and_no_text_is_lost() {
        for w in 4..=60 {
            for text in MIXED {
                let rows = wrap(text, w, 2);
                for row in &rows {
                    assert!(row.width() <= w, "{w}: {row:?} is {} wide", row.width());
                }
                let kept: String = rows.concat().chars().filter(|c| *c != ' ').collect();
                let all: String = text.chars().filter(|c| *c != ' ').collect();
                assert_eq!(kept, all, "{w}");
            }
        }
    }

    #[test]
    fn breaks_only_beside_cjk_and_never_around_marks() {
        assert!(may_break('进', '程') && may_break('个', 'S') && may_break('D', '之'));
        assert!(!may_break('a', 'b') && !may_break('了', '，') && !may_break('（', '信'));
        assert!(!may_break('(', '信') && !may_break('号', ')') && may_break('。', 'W'));
        assert_eq!(units("几个 SIGCHLD？"), [(0, "几"), (0, "个"), (1, "SIGCHLD？")]);
        assert_eq!(units(" a  b中"), [(1, "a"), (2, "b"), (0, "中")]);
        assert_eq!(fill("a  b  c", 4, 4, true), ["a  b", "c"]);
        assert_eq!(fill("a  b  c", 4, 4, false), ["a b", "c"]);
    }
}
