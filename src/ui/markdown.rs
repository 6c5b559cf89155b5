//! A step's narration, from Markdown to styled lines that fit the pane.
//!
//! pulldown-cmark parses; this module only lays out: paragraphs wrap at word boundaries to
//! the pane's width, list items and block quotes keep their indent on every wrapped line,
//! code blocks keep their lines as written (cut, not wrapped, when too wide), and so do
//! tables, laid out in aligned columns. `render_whole` keeps those lines whole instead, and
//! says which they are, for a screen that scrolls them sideways. The lesson's directives are
//! HTML comments and never reach the screen.

use super::linebreak::{cut_at_width, is_cjk, is_closing, may_break_as};
use super::theme::Theme;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use unicode_width::UnicodeWidthStr;

/// How many parts a line's prefix (quote bars, list indents) may have.
const MAX_PREFIX: usize = 8;

/// Renders `md` into lines no wider than `width` columns.
pub fn render(md: &str, theme: &Theme, width: u16) -> Text<'static> {
    rendered(md, theme, width, false).0
}

/// `render`, but code blocks and tables keep their lines whole however wide; with each line,
/// whether it is one of those (to be drawn on one row, never wrapped).
pub fn render_whole(md: &str, theme: &Theme, width: u16) -> (Text<'static>, Vec<bool>) {
    rendered(md, theme, width, true)
}

fn rendered(md: &str, theme: &Theme, width: u16, keep_wide: bool) -> (Text<'static>, Vec<bool>) {
    let mut r = Renderer::new(theme, usize::from(width).max(8));
    r.keep_wide = keep_wide;
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        r.event(event);
    }
    let whole = r.whole.clone();
    let text = r.finish();
    let mut flags = vec![false; text.lines.len()];
    // (A trailing empty line kept whole may have been dropped by finish.)
    for i in whole {
        if let Some(f) = flags.get_mut(i) {
            *f = true;
        }
    }
    (text, flags)
}

/// A Markdown table being read: its rows of cells as plain text, the header's first.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    /// How many rows the header has.
    head: usize,
}

struct Renderer<'t> {
    theme: &'t Theme,
    width: usize,
    lines: Vec<Line<'static>>,
    /// The line being filled, and its width so far.
    line: Vec<Span<'static>>,
    line_width: usize,
    /// Whether a space is owed before the next word (spaces are not put at line ends).
    space: bool,
    /// Inline styles in force (emphasis inside a link, say), innermost last.
    styles: Vec<Style>,
    /// What every line of the current block starts with: quote bars and list indents.
    prefix: Vec<Span<'static>>,
    /// Levels open past the prefix's bound, which add nothing to a line (see `push_prefix`).
    hidden: usize,
    /// A list marker owed to the first line of the current item.
    marker: Option<Span<'static>>,
    /// For each open list, the next number (None for bullets).
    lists: Vec<Option<u64>>,
    code_block: bool,
    /// The word being built, piece by piece when its styles change mid-word, and whether a
    /// space goes before it.
    word: Vec<(String, Style)>,
    word_space: bool,
    /// The last character added was a CJK one: a soft line break joins without a space.
    after_cjk: bool,
    /// The last character of the word being built, and whether it counts as CJK (inline
    /// code does not): whether a line may break after it is `linebreak`'s rule.
    prev: Option<(char, bool)>,
    /// The URL of the link being read, shown after its text when it differs.
    link: Option<(String, String)>,
    /// Code and table lines are kept whole, not cut at the width (`render_whole`).
    keep_wide: bool,
    /// The indices of the lines kept whole.
    whole: Vec<usize>,
    table: Option<Table>,
}

impl<'t> Renderer<'t> {
    fn new(theme: &'t Theme, width: usize) -> Self {
        Renderer {
            theme,
            width,
            lines: Vec::new(),
            line: Vec::new(),
            line_width: 0,
            space: false,
            styles: vec![theme.text],
            prefix: Vec::new(),
            hidden: 0,
            marker: None,
            lists: Vec::new(),
            code_block: false,
            word: Vec::new(),
            word_space: false,
            after_cjk: false,
            prev: None,
            link: None,
            keep_wide: false,
            whole: Vec::new(),
            table: None,
        }
    }

    fn style(&self) -> Style {
        *self.styles.last().unwrap_or(&self.theme.text)
    }

    fn push_style(&mut self, s: Style) {
        let merged = self.style().patch(s);
        self.styles.push(merged);
    }

    fn event(&mut self, e: Event<'_>) {
        match e {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.code_block => self.code_text(&t),
            Event::Text(t) | Event::Code(t) if self.table.is_some() => {
                if let Some(cell) = self.table.as_mut().and_then(|t| t.rows.last_mut()).and_then(|r| r.last_mut()) {
                    cell.push_str(&t);
                }
            }
            Event::Text(t) => {
                if let Some((_, text)) = self.link.as_mut() {
                    text.push_str(&t);
                }
                self.words(&t, self.style(), true);
            }
            Event::Code(t) => {
                let style = self.style().patch(self.theme.code);
                let t = if self.theme.color { t.to_string() } else { format!("`{t}`") };
                self.words(&t, style, false);
            }
            Event::SoftBreak => {
                self.commit();
                // Chinese joins the lines of a paragraph with no space between characters.
                self.space = !self.after_cjk;
            }
            Event::HardBreak => self.break_line(),
            Event::Rule => {
                self.block_gap();
                let rule = if self.theme.ascii { "-" } else { "─" };
                let n = self.width.saturating_sub(self.prefix_width());
                self.start_line();
                self.line.push(Span::styled(rule.repeat(n), self.theme.dim));
                self.end_block();
            }
            // Directives live in HTML comments; raw HTML has no place on a terminal.
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
            Event::InlineMath(t) | Event::DisplayMath(t) => self.words(&t, self.style(), true),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph if self.marker.is_none() => {
                self.block_gap();
            }
            Tag::Heading { level, .. } => {
                self.block_gap();
                let mut style = self.theme.heading;
                if level == HeadingLevel::H1 {
                    style = style.add_modifier(ratatui::style::Modifier::UNDERLINED);
                }
                self.styles.push(style);
            }
            Tag::BlockQuote(_) => {
                self.block_gap();
                let bar = if self.theme.ascii { "| " } else { "│ " };
                self.push_prefix(Span::styled(bar, self.theme.dim));
            }
            Tag::Table(_) => {
                self.block_gap();
                self.table = Some(Table::default());
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => {
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(String::new());
                }
            }
            Tag::CodeBlock(_) => {
                self.block_gap();
                self.code_block = true;
                self.push_prefix(Span::raw("  "));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.block_gap();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => (if self.theme.ascii { "* " } else { "• " }).to_string(),
                };
                let w = marker.width();
                self.marker = Some(Span::styled(marker, self.theme.dim));
                self.push_prefix(Span::raw(" ".repeat(w)));
            }
            Tag::Emphasis => self.push_style(self.theme.emphasis),
            Tag::Strong => self.push_style(self.theme.strong),
            Tag::Strikethrough => self.push_style(Style::default().add_modifier(ratatui::style::Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.push_style(self.theme.emphasis);
                self.link = Some((dest_url.to_string(), String::new()));
            }
            Tag::Image { dest_url, .. } => {
                self.link = Some((dest_url.to_string(), String::new()));
                self.push_style(self.theme.dim);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.end_block(),
            TagEnd::Heading(_) => {
                self.styles.pop();
                self.end_block();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.pop_prefix();
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.head = t.rows.len();
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.table_lines(t);
                }
                self.gap_after();
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.flush();
                self.pop_prefix();
                self.gap_after();
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.gap_after();
                }
            }
            TagEnd::Item => {
                // A tight item's text ends here without a paragraph end.
                self.flush();
                self.marker = None;
                self.pop_prefix();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                self.styles.pop();
                if let Some((url, text)) = self.link.take()
                    && !url.is_empty()
                    && url != text
                    && !url.starts_with('#')
                {
                    self.commit();
                    self.space = true;
                    self.words(&format!("({url})"), self.theme.dim, false);
                }
            }
            _ => {}
        }
    }

    /// Each open quote, list item or code block adds one part to every line's start, up to
    /// MAX_PREFIX parts and half the width: past that a level is only counted (so that its pop
    /// stays paired), and drawing stays linear in the text however deep the input nests.
    /// (The lesson parser refuses nesting past 8; this holds for any Markdown given here.)
    fn push_prefix(&mut self, s: Span<'static>) {
        if self.hidden == 0 && self.prefix.len() < MAX_PREFIX && self.prefix_width() + s.width() <= self.width / 2 {
            self.prefix.push(s);
        } else {
            self.hidden += 1;
        }
    }

    fn pop_prefix(&mut self) {
        if self.hidden > 0 {
            self.hidden -= 1;
        } else {
            self.prefix.pop();
        }
    }

    fn prefix_width(&self) -> usize {
        self.prefix.iter().map(|s| s.width()).sum()
    }

    /// Starts a line with the block's prefix, and the list marker if one is owed.
    fn start_line(&mut self) {
        let mut spans = self.prefix.clone();
        // A marker of a level past the bound has no room: the item starts like its parent.
        if let Some(m) = self.marker.take().filter(|_| self.hidden == 0) {
            // The marker takes the place of the item's own indent on its first line.
            spans.pop();
            spans.push(m);
        }
        self.line_width = spans.iter().map(|s| s.width()).sum();
        self.line = spans;
        self.space = false;
    }

    fn line_open(&self) -> bool {
        !self.line.is_empty()
    }

    /// Ends the line being filled, if any.
    fn flush(&mut self) {
        self.commit();
        self.end_line();
        self.space = false;
    }

    fn end_line(&mut self) {
        if self.line_open() {
            let spans = std::mem::take(&mut self.line);
            self.lines.push(Line::from(spans));
            self.line_width = 0;
        }
    }

    fn break_line(&mut self) {
        if !self.line_open() {
            self.start_line();
        }
        self.flush();
    }

    /// One empty line between blocks, never at the top and never two.
    fn block_gap(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|l| l.width() > 0 || !l.spans.is_empty()) {
            self.lines.push(Line::from(self.prefix_gap()));
        }
    }

    fn gap_after(&mut self) {
        if self.lists.is_empty() && self.prefix.is_empty() {
            self.lines.push(Line::raw(""));
        }
    }

    /// The empty line inside a quote keeps the quote's bar.
    fn prefix_gap(&self) -> Vec<Span<'static>> {
        self.prefix.iter().filter(|s| !s.content.trim().is_empty()).cloned().collect()
    }

    fn end_block(&mut self) {
        self.flush();
        if self.lists.is_empty() && self.prefix.is_empty() {
            self.lines.push(Line::raw(""));
        }
    }

    /// Adds running text, wrapping at the pane's width. Text with no space between it and
    /// what came before (`(` then inline code, say) stays on one line with it. Chinese has no
    /// spaces: a line may break before and after each CJK character (never before a closing
    /// mark such as `，` or `。`, nor after an opening one such as `（`: `linebreak::may_break`),
    /// but not inside inline code (`breakable` false).
    fn words(&mut self, text: &str, style: Style, breakable: bool) {
        let mut rest = text;
        while !rest.is_empty() {
            if rest.starts_with(char::is_whitespace) {
                self.commit();
                self.space = true;
                self.after_cjk = false;
                self.prev = None;
                rest = rest.trim_start();
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let seg = &rest[..end];
            let mut from = 0;
            for (i, c) in seg.char_indices() {
                let cjk = breakable && is_cjk(c);
                let at_break = self.prev.is_some_and(|(p, p_cjk)| may_break_as(p, p_cjk, c, cjk));
                if at_break && (i > from || !self.word.is_empty()) {
                    self.add_piece(&seg[from..i], style);
                    self.commit();
                    from = i;
                }
                self.after_cjk = cjk || (self.after_cjk && is_closing(c));
                self.prev = Some((c, cjk));
            }
            self.add_piece(&seg[from..], style);
            rest = &rest[end..];
        }
    }

    /// A piece of the word being built (the first piece says whether a space goes before it).
    fn add_piece(&mut self, s: &str, style: Style) {
        if s.is_empty() {
            return;
        }
        if self.word.is_empty() {
            self.word_space = self.space;
            self.space = false;
        }
        self.word.push((s.to_string(), style));
    }

    /// Puts the word being built on the line, or on a new one when it does not fit.
    fn commit(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let pieces = std::mem::take(&mut self.word);
        if !self.line_open() {
            self.start_line();
        }
        let w: usize = pieces.iter().map(|(s, _)| s.width()).sum();
        let gap = usize::from(self.word_space && self.line_width > self.prefix_width());
        if self.line_width + gap + w > self.width && self.line_width > self.prefix_width() {
            self.end_line();
            self.start_line();
        } else if gap == 1 {
            self.push(" ", style_without_underline(pieces[0].1));
        }
        self.word_space = false;
        // A word wider than the whole line is cut where it must be.
        for (piece, style) in &pieces {
            let mut rest = piece.as_str();
            while self.line_width + rest.width() > self.width {
                // On a fresh line whose indent leaves no room, one char still goes, so
                // the loop always ends.
                let fresh = self.line_width <= self.prefix_width();
                let room = self.width.saturating_sub(self.line_width).max(usize::from(fresh));
                // A wide character that does not fit whole goes to the next line: never half
                // of one at the pane's edge.
                let cut = if room == 0 { 0 } else { cut_at_width(rest, room) };
                let cut = if cut > 0 && !fresh && rest[..cut].width() > room { 0 } else { cut };
                self.push(&rest[..cut], *style);
                rest = &rest[cut..];
                self.end_line();
                self.start_line();
            }
            if !rest.is_empty() {
                self.push(rest, *style);
            }
        }
    }

    fn push(&mut self, s: &str, style: Style) {
        self.line_width += s.width();
        // Runs of one style stay one span.
        let past_prefix = self.line_width > self.prefix_width();
        if let Some(last) = self.line.last_mut()
            && last.style == style
            && past_prefix
        {
            let mut owned = last.content.to_string();
            owned.push_str(s);
            last.content = owned.into();
            return;
        }
        self.line.push(Span::styled(s.to_string(), style));
    }

    /// A code block's text: lines as written, cut at the pane's edge.
    fn code_text(&mut self, text: &str) {
        for l in text.lines() {
            self.whole_line(l.replace('\t', "    "), self.theme.code);
        }
    }

    /// A line as written: cut at the width (marked), or whole when kept so.
    fn whole_line(&mut self, l: String, style: Style) {
        self.start_line();
        let room = self.width.saturating_sub(self.line_width);
        let cut = cut_at_width(&l, room);
        let shown = if cut < l.len() && !self.keep_wide {
            let keep = cut_at_width(&l, room.saturating_sub(1));
            format!("{}{}", &l[..keep], if self.theme.ascii { ">" } else { "…" })
        } else {
            l
        };
        self.line_width += shown.width();
        self.line.push(Span::styled(shown, style));
        self.flush();
        if self.keep_wide {
            self.whole.push(self.lines.len() - 1);
        }
    }

    /// A table in aligned columns, a rule under its header.
    fn table_lines(&mut self, t: Table) {
        let cols = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> =
            (0..cols).map(|c| t.rows.iter().filter_map(|r| r.get(c)).map(|s| s.width()).max().unwrap_or(0)).collect();
        let (bar, rule, cross) = if self.theme.ascii { (" | ", "-", "-+-") } else { (" │ ", "─", "─┼─") };
        for (i, row) in t.rows.iter().enumerate() {
            let cells: Vec<String> = (0..cols)
                .map(|c| {
                    let s = row.get(c).map_or("", String::as_str);
                    format!("{s}{}", " ".repeat(widths[c].saturating_sub(s.width())))
                })
                .collect();
            let style = if i < t.head { self.theme.strong } else { self.theme.text };
            self.whole_line(cells.join(bar).trim_end().to_string(), style);
            if i + 1 == t.head {
                let r: Vec<String> = widths.iter().map(|w| rule.repeat(*w)).collect();
                self.whole_line(r.join(cross), self.theme.dim);
            }
        }
    }

    fn finish(mut self) -> Text<'static> {
        self.flush();
        while self.lines.last().is_some_and(|l| l.width() == 0) {
            self.lines.pop();
        }
        Text::from(self.lines)
    }
}

/// Spaces between words are not underlined with a heading's underline.
fn style_without_underline(s: Style) -> Style {
    s.remove_modifier(ratatui::style::Modifier::UNDERLINED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::ThemeName;

    /// `text` rendered in lines of at most `width` columns (display width: a CJK character is two),
    /// broken at spaces or beside CJK characters; a longer word is cut by width.
    fn wrap_width(text: &str, width: usize) -> Vec<String> {
        let theme = Theme::new(ThemeName::Default, true, false);
        let t = render(text, &theme, width.min(u16::MAX as usize) as u16);
        t.lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    fn plain(md: &str, width: u16) -> String {
        // Without colour, inline code keeps its backticks.
        let t = Theme::new(ThemeName::Default, true, false);
        let text = render(md, &t, width);
        text.lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// However deep the input nests, a line's prefix stays bounded: the output is linear in
    /// the text (200 nested quotes used to take the renderer to gigabytes).
    #[test]
    fn deep_nesting_renders_in_linear_space() {
        let t = Theme::new(ThemeName::Default, true, false);
        for depth in [9, 50, 200, 2000] {
            let md = format!("{} deep words here and there\n\n{}- item\n", ">".repeat(depth), "  ".repeat(depth));
            let text = render(&md, &t, 40);
            let spans: usize = text.lines.iter().map(|l| l.spans.len()).sum();
            assert!(text.lines.len() <= 12, "{depth}: {} lines", text.lines.len());
            assert!(spans <= 12 * (MAX_PREFIX + 8), "{depth}: {spans} spans");
            assert!(text.lines.iter().all(|l| l.width() <= 40), "{depth}");
        }
    }

    #[test]
    fn paragraphs_wrap_at_words_and_soft_breaks_join() {
        let md = "Each worker inherited the listener\nand waits for it in `epoll`.\n\nSecond paragraph.";
        insta::assert_snapshot!(plain(md, 24), @r"
        Each worker inherited
        the listener and waits
        for it in `epoll`.

        Second paragraph.
        ");
    }

    #[test]
    fn lists_keep_their_indent_when_wrapped() {
        let md = "Steps:\n\n- fork, then setsid so the child leads a session\n- fork again\n\n1. one\n2. two two two two two\n";
        insta::assert_snapshot!(plain(md, 20), @r"
        Steps:

        • fork, then setsid
          so the child leads
          a session
        • fork again

        1. one
        2. two two two two
           two
        ");
    }

    #[test]
    fn code_blocks_are_kept_as_written_and_cut_at_the_edge() {
        let md = "Run:\n\n```\ncurl -s http://127.0.0.1:8090/\nls\n```\nafter";
        insta::assert_snapshot!(plain(md, 20), @r"
        Run:

          curl -s http://12…
          ls

        after
        ");
    }

    #[test]
    fn headings_quotes_links_and_html_comments() {
        let md = "# Title\n\n> quoted *text* here\n\nsee [docs](https://nodejs.org/api/cluster.html)\n\n<!-- do: spawn -->\n";
        insta::assert_snapshot!(plain(md, 40), @r"
        Title

        │ quoted text here

        see docs
        (https://nodejs.org/api/cluster.html)
        ");
    }

    #[test]
    fn styles_follow_the_theme() {
        let t = Theme::new(ThemeName::Default, false, false);
        let text = render("a *b* **c** `d`\n\n## H", &t, 40);
        let spans = &text.lines[0].spans;
        let find = |s: &str| spans.iter().find(|x| x.content.trim() == s).map(|x| x.style);
        assert_eq!(find("b"), Some(t.text.patch(t.emphasis)));
        assert_eq!(find("c"), Some(t.text.patch(t.strong)));
        assert_eq!(find("d"), Some(t.text.patch(t.code)));
        assert_eq!(text.lines[2].spans[0].style, t.heading);
    }

    #[test]
    fn no_line_is_wider_than_asked_and_nothing_panics() {
        let t = Theme::new(ThemeName::Default, false, true);
        let samples = [
            String::new(),
            "a".to_string(),
            "x".repeat(100),
            "宽字符".repeat(20),
            "- - - a\n\n> > > b\n\n1. ```\ncode\n```".to_string(),
            "***\n\n|a|b|\n|-|-|\n\n[](x)".to_string(),
        ];
        for md in &samples {
            for w in [1u16, 8, 13, 40] {
                let text = render(md, &t, w);
                for l in &text.lines {
                    assert!(l.width() <= usize::from(w).max(8), "{md:?} at {w}: {l:?}");
                }
            }
        }
    }

    /// A table is laid out in aligned columns with a rule under its header; `render` cuts its
    /// rows at the width like code, `render_whole` keeps them (and code lines) whole and says
    /// which lines they are.
    #[test]
    fn tables_are_aligned_and_kept_whole_when_asked() {
        let md = "Before.\n\n| mode | empty wakeups | per worker |\n|---|---|---|\n| shared | 412 | W1:50 W2:50 W3:50 W4:50 |\n| exclusive | 3 | W1:200 |\n\nAfter.\n\n    a code line that is longer than the width\n";
        let t = Theme::new(ThemeName::Default, true, false);
        let (text, whole) = render_whole(md, &t, 30);
        let lines: Vec<String> =
            text.lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect();
        let at = |needle: &str| lines.iter().position(|l| l.starts_with(needle)).unwrap();
        assert_eq!(lines[at("mode")], "mode      │ empty wakeups │ per worker");
        assert_eq!(lines[at("mode") + 1], "──────────┼───────────────┼────────────────────────");
        assert_eq!(lines[at("shared")], "shared    │ 412           │ W1:50 W2:50 W3:50 W4:50");
        assert_eq!(lines[at("exclusive")], "exclusive │ 3             │ W1:200");
        assert_eq!(lines[at("  a code")], "  a code line that is longer than the width");
        for (l, w) in lines.iter().zip(&whole) {
            let kept = l.starts_with("mode")
                || l.starts_with('─')
                || l.starts_with("shared")
                || l.starts_with("exclusive")
                || l.starts_with("  a code");
            assert_eq!(*w, kept, "{l:?}");
        }
        // Cut, no line is wider than asked.
        let cut = plain(md, 30);
        assert!(cut.lines().all(|l| l.width() <= 30), "{cut}");
        assert!(cut.contains("shared    │ 412"), "{cut}");
    }

    /// Chinese wraps between characters, by display width (two columns each): every line
    /// fits, no character is split, nothing is lost, and a closing mark never starts a line.
    #[test]
    fn chinese_wraps_between_characters_by_display_width() {
        let md = "进程是资源分配的基本单位，线程是调度的基本单位。主进程创建监听套接字，然后把句柄传递给工作进程。";
        for width in [8u16, 9, 10, 13, 21, 40] {
            let out = plain(md, width);
            for line in out.lines() {
                assert!(line.width() <= usize::from(width), "{width}: `{line}` is {} wide", line.width());
                assert!(!line.starts_with(['，', '。']), "{width}: `{line}` starts with a closing mark");
            }
            assert_eq!(out.replace('\n', ""), md, "{width}: every character is there once");
            assert!(out.lines().count() > 1, "{width}");
        }
    }

    /// Inline code inside Chinese text stays whole on one line; the Chinese around it breaks.
    #[test]
    fn inline_code_in_chinese_stays_whole() {
        let md = "主进程调用了`child_process.fork()`之后，子进程从头运行脚本。";
        for width in [22u16, 24, 30, 33] {
            let out = plain(md, width);
            assert!(out.lines().any(|l| l.contains("`child_process.fork()`")), "{width}:\n{out}");
            for line in out.lines() {
                assert!(line.width() <= usize::from(width), "{width}: `{line}`");
            }
        }
        // English still wraps at spaces only.
        assert_eq!(plain("one two three", 8), "one two\nthree");
    }

    /// A wide character that does not fit at a line's end goes whole to the next line.
    #[test]
    fn no_half_character_at_the_edge() {
        for width in 8u16..=16 {
            let out = plain("abc 中文中文中文中文中文中文", width);
            for line in out.lines() {
                assert!(line.width() <= usize::from(width), "{width}: `{line}`");
            }
            assert_eq!(out.replace(['\n', ' '], ""), "abc中文中文中文中文中文中文");
        }
        assert_eq!(wrap_width("句柄传递。", 8), ["句柄传", "递。"]);
        // A paragraph's lines join with no space after a Chinese character, with one after a word.
        assert_eq!(plain("进程\n线程 and\nthreads", 40), "进程线程 and threads");
    }
}
