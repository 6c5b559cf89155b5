//! A drawn screen (a ratatui `Buffer`) as an SVG picture, in the theme's colours: what
//! `forklab shot` writes. Each run of cells with one style is one `<text>` placed at its first
//! cell; the font size makes a monospace glyph (0.6 em wide in DejaVu Sans Mono, Menlo and
//! Consolas) exactly one cell wide, so box drawing lines up.

use super::theme::{Theme, ThemeName};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

const CELL_W: f64 = 9.0;
const CELL_H: f64 = 18.0;
/// 9 px cells at 0.6 em per glyph.
const FONT_SIZE: f64 = 15.0;
/// Where the text sits in its cell: the baseline, from the cell's top.
const BASELINE: f64 = 14.0;

/// The terminal the picture pretends to be: light themes on white, the others on dark grey.
fn palette(theme: &Theme) -> (&'static str, &'static str) {
    match theme.name {
        ThemeName::Light => ("#fdfdfd", "#1f2328"),
        ThemeName::Contrast => ("#000000", "#ffffff"),
        ThemeName::Default | ThemeName::Dark => ("#1d1f21", "#d7dadc"),
    }
}

/// The xterm colours, for the named ones.
fn hex(c: Color, default: &str) -> String {
    let named = match c {
        Color::Reset => return default.to_string(),
        Color::Black => "#000000",
        Color::Red => "#cd3131",
        Color::Green => "#0dbc79",
        Color::Yellow => "#c8a600",
        Color::Blue => "#2472c8",
        Color::Magenta => "#bc3fbc",
        Color::Cyan => "#11a8cd",
        Color::Gray => "#b0b0b0",
        Color::DarkGray => "#767676",
        Color::LightRed => "#f14c4c",
        Color::LightGreen => "#23d18b",
        Color::LightYellow => "#f5f543",
        Color::LightBlue => "#3b8eea",
        Color::LightMagenta => "#d670d6",
        Color::LightCyan => "#29b8db",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => return indexed(i),
    };
    named.to_string()
}

/// The 256-colour palette: 16 named, a 6×6×6 cube, then 24 greys.
fn indexed(i: u8) -> String {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match i {
        0..=15 => hex(NAMED[usize::from(i)], "#000000"),
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!("#{:02x}{:02x}{:02x}", level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            format!("#{g:02x}{g:02x}{g:02x}")
        }
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The screen as an SVG document, with `title` as its accessible name.
pub fn from_buffer(buf: &Buffer, theme: &Theme, title: &str) -> String {
    let (bg, fg) = palette(theme);
    let area = buf.area;
    let (w, h) = (f64::from(area.width) * CELL_W, f64::from(area.height) * CELL_H);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label=""#
    );
    escape(title, &mut out);
    out.push_str("\">\n<title>");
    escape(title, &mut out);
    let _ = writeln!(out, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"{bg}\"/>");
    let _ = writeln!(
        out,
        r#"<g font-family="'DejaVu Sans Mono','Menlo','Consolas',monospace" font-size="{FONT_SIZE}" xml:space="preserve">"#
    );
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let style = (cell.fg, cell.bg, cell.modifier);
            // A run: the cells from here on with the same style. A wide character (CJK) takes
            // two cells; the second holds nothing of its own and is skipped, and each
            // character is then placed at its own cell, so a glyph of whatever font width
            // stays on the grid.
            let mut text = String::new();
            let mut places = Vec::new();
            let mut wide = false;
            let start = x;
            while x < area.width {
                let c = &buf[(area.x + x, area.y + y)];
                if (c.fg, c.bg, c.modifier) != style {
                    break;
                }
                let w = c.symbol().width().max(1) as u16;
                wide |= w > 1;
                for _ in c.symbol().chars() {
                    places.push(f64::from(x) * CELL_W);
                }
                text.push_str(c.symbol());
                x = (x + w).min(area.width);
            }
            let cells = f64::from(x - start);
            let (mut cfg, mut cbg) = (hex(style.0, fg), hex(style.1, bg));
            if style.2.contains(Modifier::REVERSED) {
                std::mem::swap(&mut cfg, &mut cbg);
            }
            let (px, py) = (f64::from(start) * CELL_W, f64::from(y) * CELL_H);
            if cbg != bg {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px}" y="{py}" width="{}" height="{CELL_H}" fill="{cbg}"/>"#,
                    cells * CELL_W
                );
            }
            if text.trim().is_empty() {
                continue;
            }
            let xs =
                if wide { places.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ") } else { px.to_string() };
            let mut attrs = format!(r#"x="{xs}" y="{}" fill="{cfg}""#, py + BASELINE);
            if style.2.contains(Modifier::BOLD) {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if style.2.contains(Modifier::ITALIC) {
                attrs.push_str(r#" font-style="italic""#);
            }
            if style.2.contains(Modifier::UNDERLINED) {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            if style.2.contains(Modifier::DIM) {
                attrs.push_str(r#" opacity="0.6""#);
            }
            let _ = write!(out, "<text {attrs}>");
            escape(&text, &mut out);
            out.push_str("</text>\n");
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn runs_of_one_style_become_one_stretched_text_with_escapes() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 2));
        buf.set_string(0, 0, "a<b & c", Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD));
        buf.set_string(0, 1, "rev", Style::default().add_modifier(Modifier::REVERSED));
        let t = Theme::new(ThemeName::Default, false, false);
        let svg = from_buffer(&buf, &t, "forklab · \"x\"");
        assert!(
            svg.contains(r##"<text x="0" y="14" fill="#11a8cd" font-weight="bold">a&lt;b &amp; c</text>"##),
            "{svg}"
        );
        // Reversed: the default colours swap, so the cells get a light background.
        assert!(svg.contains(r##"<rect x="0" y="18" width="27" height="18" fill="#d7dadc"/>"##), "{svg}");
        assert!(svg.contains("<title>forklab · &quot;x&quot;</title>"));
    }

    /// A wide character takes two cells: the picture places each character at its cell, so
    /// what follows it stays on the grid.
    #[test]
    fn wide_characters_keep_the_cell_grid() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        buf.set_string(0, 0, "进程 ab", Style::default());
        let t = Theme::new(ThemeName::Default, false, false);
        let svg = from_buffer(&buf, &t, "t");
        // 进 at cell 0, 程 at cell 2, the space at 4, a at 5, b at 6 (9 px a cell).
        assert!(svg.contains(r#"x="0 18 36 45 54"#), "{svg}");
        assert!(svg.contains(">进程 ab"), "no stray space after a wide character: {svg}");
    }

    #[test]
    fn the_colour_cube_and_greys() {
        assert_eq!(indexed(16), "#000000");
        assert_eq!(indexed(196), "#ff0000");
        assert_eq!(indexed(232), "#080808");
        assert_eq!(indexed(255), "#eeeeee");
    }
}
