//! `forklab list`: the lessons, one a line, in aligned columns (id, title, summary). In a
//! terminal too narrow for a line, the summary wraps under the title, so nothing is cut.

use crate::lesson::Lesson;
use anyhow::Result;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

pub fn run(lessons_dir: Option<&Path>) -> Result<ExitCode> {
    let mut lessons = crate::lesson::lessons(lessons_dir)?;
    if crate::i18n::current() != crate::i18n::Lang::En {
        mark_untranslated(&mut lessons);
    }
    let width = std::io::stdout()
        .is_terminal()
        .then(|| crossterm::terminal::size().ok().map(|(w, _)| usize::from(w)))
        .flatten();
    for line in lines(&lessons, width) {
        crate::sys::term::println(&line)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// In another language than English, a lesson with no translation says so before its
/// summary (it is shown, in English, all the same).
fn mark_untranslated(lessons: &mut [Lesson]) {
    for l in lessons.iter_mut().filter(|l| !Path::new(&l.file).parent().is_some_and(|p| p.ends_with("zh"))) {
        l.summary = format!("{} {}", tr!("list-untranslated"), l.summary);
    }
}

/// The list as lines: `id  title  summary` with the columns aligned by display width; when
/// `width` (a terminal's) is too narrow, the summary goes on lines of its own, indented under
/// the title and wrapped at words.
fn lines(lessons: &[Lesson], width: Option<usize>) -> Vec<String> {
    let id_w = lessons.iter().map(|l| l.id.width()).max().unwrap_or(0);
    let title_w = lessons.iter().map(|l| l.title.width()).max().unwrap_or(0);
    let mut out = Vec::new();
    for l in lessons {
        let head = format!("{}{}  {}", l.id, " ".repeat(id_w - l.id.width()), l.title);
        let one = format!("{head}{}  {}", " ".repeat(title_w - l.title.width()), l.summary);
        match width {
            Some(w) if one.width() > w => {
                let indent = id_w + 2;
                // A title too long for the line wraps too, under itself.
                let room = w.saturating_sub(indent).max(20);
                for (i, t) in wrap(&l.title, room).into_iter().enumerate() {
                    out.push(match i {
                        0 => format!("{}{}  {t}", l.id, " ".repeat(id_w - l.id.width())),
                        _ => " ".repeat(indent) + &t,
                    });
                }
                out.extend(
                    wrap(&l.summary, w.saturating_sub(indent).max(20)).into_iter().map(|s| " ".repeat(indent) + &s),
                );
            }
            _ => out.push(one),
        }
    }
    out
}

/// `text` in lines of at most `width` columns, broken at spaces (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.width() + 1 + word.width() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untranslated_lesson_says_so_in_chinese() {
        crate::i18n::set(crate::i18n::Lang::Zh);
        let mut lessons = crate::lesson::lessons(None).unwrap();
        let mut english = lessons[0].clone();
        english.file = "lessons/extra.md".into();
        lessons.push(english);
        mark_untranslated(&mut lessons);
        crate::i18n::set(crate::i18n::Lang::En);
        let marked: Vec<&str> =
            lessons.iter().filter(|l| l.summary.starts_with("（尚未翻译）")).map(|l| l.file.as_str()).collect();
        assert_eq!(marked, ["lessons/extra.md"], "only the lesson with no zh file is marked");
    }

    #[test]
    fn columns_align_and_a_narrow_terminal_wraps_the_summary() {
        let lessons = crate::lesson::embedded().unwrap();
        let wide = lines(&lessons, None);
        assert_eq!(wide.len(), lessons.len());
        // Every title starts in the same column, and so does every summary.
        let id_w = lessons.iter().map(|l| l.id.len()).max().unwrap();
        for (line, l) in wide.iter().zip(&lessons) {
            assert_eq!(&line[id_w + 2..id_w + 2 + l.title.len()], l.title, "{line}");
            assert!(line.ends_with(&l.summary), "{line}");
        }
        let narrow = lines(&lessons, Some(60));
        assert!(narrow.len() > lessons.len());
        assert!(narrow.iter().all(|l| l.width() <= 60 || !l.contains(' ')), "{narrow:#?}");
        // Each lesson's line still starts with its id; the summary lines are indented.
        for l in &lessons {
            assert!(narrow.iter().any(|line| line.starts_with(&format!("{} ", l.id))), "{}", l.id);
        }
        let joined: String =
            narrow.iter().filter(|l| l.starts_with(' ')).map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        assert!(joined.contains(&lessons[0].summary), "the summary is whole: {joined}");
    }
}
