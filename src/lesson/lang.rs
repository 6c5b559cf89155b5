//! A translated lesson must run exactly as its English lesson does: the same front matter
//! (all but the title and summary), the same steps, and in each step the same directives in
//! the same order, a question's choices with the same conditions (their words are
//! translated), and a `<!-- reveal -->` where the English has one. Only the words differ.

use super::{Directive, Lesson, Step};

/// Why `translated` does not run as `english` does, or None when it does.
pub(super) fn drift(english: &Lesson, translated: &Lesson) -> Option<String> {
    let fields = [
        ("id", english.id.clone(), translated.id.clone()),
        ("order", english.order.to_string(), translated.order.to_string()),
        ("panes", format!("{:?}", english.panes), format!("{:?}", translated.panes)),
        ("columns", format!("{:?}", english.columns), format!("{:?}", translated.columns)),
        ("setup", format!("{:?}", english.setup), format!("{:?}", translated.setup)),
        ("steps", english.steps.len().to_string(), translated.steps.len().to_string()),
    ];
    for (name, en, tr) in fields {
        if en != tr {
            return Some(tr!("drift-field", field = name, english = en, translated = tr));
        }
    }
    for (n, (en, tr)) in english.steps.iter().zip(&translated.steps).enumerate() {
        let (a, b) = (skeleton(en), skeleton(tr));
        let texts = |s: &[(usize, String)]| s.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
        if texts(&a) != texts(&b) {
            let at = a.iter().zip(&b).position(|(x, y)| x.1 != y.1).unwrap_or(a.len().min(b.len()));
            let show = |s: &[(usize, String)]| s.get(at).map_or_else(|| tr!("drift-step-ends"), |(_, t)| t.clone());
            // The translated file's line of what differs, or of its last entry when it has
            // none there (it ends early), or its heading.
            let line = b.get(at).or(b.last()).map_or(tr.line, |(line, _)| *line);
            return Some(tr!("drift-step", step = n + 1, line = line, english = show(&a), translated = show(&b)));
        }
    }
    None
}

/// What a step runs, one entry a directive (a question by its choices' conditions), then its
/// `<!-- reveal -->` if it has one; each with its line in the file.
fn skeleton(step: &Step) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = step
        .directives
        .iter()
        .map(|d| {
            let text = match &d.item {
                Directive::Ask(ask) => {
                    let whens: Vec<&str> = ask.choices.iter().map(|c| c.text.as_str()).collect();
                    format!("ask: … | {}", whens.join(" | "))
                }
                item => item.to_string(),
            };
            (d.line, text)
        })
        .collect();
    if step.explain.is_some() {
        // `Step` keeps no line for the marker: the last directive's is the nearest kept.
        let near = out.last().map_or(step.line, |(line, _)| *line);
        out.push((near, "<!-- reveal -->".into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::doc::parse;
    use super::super::load::{embedded, embedded_in};
    use super::*;
    use crate::i18n::Lang;

    const EN: &str = "+++\nid = \"t\"\ntitle = \"Threads\"\norder = 3\nsummary = \"S\"\npanes = [\"processes\"]\n+++\nIntro.\n\n## One\n\nText.\n\n<!-- ask: How many? | one => pids == 1 | more => pids > 1 -->\n<!-- do: spawn workers=1 mode=shared -->\n<!-- expect: pids == 1 -->\n<!-- reveal -->\n\nOne.\n";

    fn lesson(text: &str) -> Lesson {
        parse("t.md", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_faithful_translation_does_not_drift() {
        let zh = EN
            .replace("title = \"Threads\"", "title = \"线程\"")
            .replace("How many?", "有几个？")
            .replace("| one =>", "| 一个 =>")
            .replace("Text.", "正文。")
            .replace("One.", "一个。");
        assert_eq!(drift(&lesson(EN), &lesson(&zh)), None);
    }

    #[test]
    fn every_kind_of_drift_is_caught() {
        crate::i18n::set(Lang::En);
        let cases = [
            ("expect: pids == 1", "expect: pids == 2", "step 1"),
            ("one => pids == 1", "one => pids >= 1", "step 1"),
            (
                "<!-- do: spawn workers=1 mode=shared -->\n<!-- expect: pids == 1 -->",
                "<!-- expect: pids == 1 -->\n<!-- do: spawn workers=1 mode=shared -->",
                "step 1",
            ),
            ("order = 3", "order = 4", "order"),
            ("panes = [\"processes\"]", "panes = [\"cores\"]", "panes"),
            ("<!-- do: spawn workers=1 mode=shared -->\n", "", "step 1"),
            ("\nOne.\n", "\nOne.\n\n## Two\n\nMore.\n", "steps"),
        ];
        for (from, to, says) in cases {
            let zh = EN.replace(from, to);
            assert_ne!(zh, EN);
            let why = drift(&lesson(EN), &lesson(&zh)).unwrap_or_else(|| panic!("`{from}` → `{to}` not caught"));
            assert!(why.contains(says), "{why}");
        }
    }

    /// `--lessons DIR --lang zh`: `DIR/zh/<id>.md` replaces its lesson when it runs the same,
    /// is an error naming both files when it does not, and a lesson with none stays English.
    #[test]
    fn a_lessons_dir_takes_its_zh_folder() {
        crate::i18n::set(Lang::En);
        let dir = std::env::temp_dir().join(format!("forklab-lang-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("zh")).unwrap();
        std::fs::write(dir.join("t.md"), EN).unwrap();
        std::fs::write(dir.join("u.md"), EN.replace("id = \"t\"", "id = \"u\"")).unwrap();
        std::fs::write(dir.join("zh/t.md"), EN.replace("title = \"Threads\"", "title = \"线程\"")).unwrap();
        let titles = |lang| -> Vec<String> {
            super::super::load::load_dir_in(&dir, lang).unwrap().into_iter().map(|l| l.title).collect()
        };
        assert_eq!(titles(Lang::En), ["Threads", "Threads"]);
        assert_eq!(titles(Lang::Zh), ["线程", "Threads"]);
        std::fs::write(dir.join("zh/t.md"), EN.replace("pids == 1 -->\n<!-- reveal", "pids == 2 -->\n<!-- reveal"))
            .unwrap();
        let e = super::super::load::load_dir_in(&dir, Lang::Zh).unwrap_err().to_string();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(e.contains("zh/t.md") && e.contains("expect: pids == 2") && e.contains("expect: pids == 1"), "{e}");
    }

    /// Every built-in Chinese lesson runs as its English one: `embedded_in` checks each.
    #[test]
    fn the_built_in_translations_do_not_drift() {
        let en = embedded().unwrap();
        let zh = embedded_in(Lang::Zh).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(zh.len(), en.len(), "every lesson is there in Chinese, translated or not");
        for (e, z) in en.iter().zip(&zh) {
            assert_eq!(e.id, z.id);
            assert_eq!(drift(e, z), None);
        }
    }
}
