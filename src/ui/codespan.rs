//! A line's `code` spans, drawn as the narration draws a lesson's inline code: in the code
//! style without their backticks, or (without colour, where nothing else would mark them) as
//! written. What a step said (a check's detail, an error) reaches the lesson screen so, not
//! with raw backticks; `forklab play` prints them as written, as it prints the narration.

use crate::ui::theme::Theme;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `text` cut at its backtick pairs: each piece and whether it is code, the backticks gone. A
/// backtick without a partner stays as written.
pub fn split(text: &str) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else { break };
        if open > 0 {
            pieces.push((rest[..open].to_string(), false));
        }
        pieces.push((rest[open + 1..open + 1 + len].to_string(), true));
        rest = &rest[open + 2 + len..];
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push((rest.to_string(), false));
    }
    pieces
}

/// A line of text with code spans, to lay out in rows: `plain` is what to wrap (the backticks
/// gone, where the theme draws code in its own style), and `rows` styles the rows of its wrap.
pub struct Coded {
    chars: Vec<(char, bool)>,
    pub plain: String,
}

impl Coded {
    pub fn new(text: &str, theme: &Theme) -> Coded {
        let pieces = if theme.color { split(text) } else { vec![(text.to_string(), false)] };
        let chars: Vec<(char, bool)> = pieces.iter().flat_map(|(p, code)| p.chars().map(|c| (c, *code))).collect();
        Coded { plain: chars.iter().map(|(c, _)| *c).collect(), chars }
    }

    /// `rows`, a wrap of `plain` (which may drop the spaces it broke at, squeeze spaces, and
    /// indent a row), as lines in `style`, the code in `style` patched with `code`.
    pub fn rows(&self, rows: Vec<String>, style: Style, code: Style) -> Vec<Line<'static>> {
        let mut at = 0;
        let mut lines = Vec::new();
        for row in rows {
            let mut spans: Vec<(String, bool)> = Vec::new();
            for c in row.chars() {
                // Spaces the wrap left out.
                while self.chars.get(at).is_some_and(|(p, _)| *p != c && *p == ' ') {
                    at += 1;
                }
                // A character of the text, or one the wrap added (an indent).
                let is_code = match self.chars.get(at) {
                    Some((p, code)) if *p == c => {
                        at += 1;
                        *code
                    }
                    _ => false,
                };
                match spans.last_mut() {
                    Some((s, was)) if *was == is_code => s.push(c),
                    _ => spans.push((c.to_string(), is_code)),
                }
            }
            let spans =
                spans.into_iter().map(|(s, is_code)| Span::styled(s, if is_code { style.patch(code) } else { style }));
            lines.push(Line::from(spans.collect::<Vec<_>>()));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::linebreak::wrap;
    use crate::ui::theme::ThemeName;
    use ratatui::style::Color;

    #[test]
    fn backtick_pairs_are_code_and_a_lone_backtick_stays() {
        let pieces = split("it was pts/0 before `setsid`: it lost `its` tty");
        let want =
            [("it was pts/0 before ", false), ("setsid", true), (": it lost ", false), ("its", true), (" tty", false)];
        assert_eq!(pieces, want.map(|(p, c)| (p.to_string(), c)));
        assert_eq!(split("a ` b"), vec![("a ` b".to_string(), false)]);
        assert_eq!(split("`x`"), vec![("x".to_string(), true)]);
        assert_eq!(split(""), vec![(String::new(), false)]);
    }

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    /// Wrapped by `linebreak`'s rule with an indent, in Chinese: the rows read as the text without
    /// its backticks, and exactly the code is in the code style.
    #[test]
    fn wrapped_rows_keep_the_code_style_on_the_code_only() {
        let theme = Theme::new(ThemeName::Default, false, false);
        let (style, code) = (Style::default().fg(Color::Green), theme.code);
        let line = "✓ 核数 ≥ 1.9  (运行 `work` 的进程用了 1.98 个核（共 2 个）; `ss -x` 说的)";
        let coded = Coded::new(line, &theme);
        assert!(!coded.plain.contains('`'));
        for width in 8..=80 {
            let rows = coded.rows(wrap(&coded.plain, width, 2), style, code);
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            assert_eq!(squeeze(&rows.iter().map(text).collect::<String>()), squeeze(&coded.plain), "{width}");
            let coded_text: String = (rows.iter().flat_map(|l| l.spans.iter()))
                .filter(|s| s.style == style.patch(code))
                .map(|s| s.content.as_ref())
                .collect();
            assert_eq!(squeeze(&coded_text), "workss-x", "{width}");
        }
    }

    /// Without colour the backticks are what marks code, as in the narration: kept.
    #[test]
    fn without_colour_the_text_is_as_written() {
        let theme = Theme::new(ThemeName::Default, true, false);
        let coded = Coded::new("before `setsid`", &theme);
        assert_eq!(coded.plain, "before `setsid`");
        let rows = coded.rows(vec![coded.plain.clone()], Style::default(), theme.code);
        assert_eq!(rows.iter().map(text).collect::<Vec<_>>(), ["before `setsid`"]);
    }
}
