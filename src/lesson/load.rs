//! Where lessons come from: the ones built into the binary (`lessons/*.md`, embedded by
//! build.rs) or a directory given with `--lessons DIR`; and finding one by its id.

use super::doc::{MAX_BYTES, parse};
use super::lang::drift;
use super::{Lesson, LessonError};
use crate::i18n::Lang;
use anyhow::{Context, anyhow, bail};
use std::io::Read;
use std::path::Path;

pub(super) mod embedded {
    // Written by build.rs: `EMBEDDED`, one (file stem, contents) pair per `lessons/*.md`, and
    // `EMBEDDED_ZH`, the same for `lessons/zh/*.md`.
    include!(concat!(env!("OUT_DIR"), "/lessons.rs"));
}

/// The lessons built into the binary, sorted by `order`, then id.
pub fn embedded() -> Result<Vec<Lesson>, LessonError> {
    let mut lessons = embedded::EMBEDDED
        .iter()
        .map(|(stem, text)| parse(&format!("lessons/{stem}.md"), text.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    sort(&mut lessons);
    Ok(lessons)
}

/// The built-in lessons in `lang`: each lesson's Chinese file (`lessons/zh/<id>.md`) where
/// there is one, else the English lesson.
pub fn embedded_in(lang: Lang) -> anyhow::Result<Vec<Lesson>> {
    let lessons = embedded()?;
    if lang == Lang::En {
        return Ok(lessons);
    }
    let translated = embedded::EMBEDDED_ZH
        .iter()
        .map(|(stem, text)| parse(&format!("lessons/zh/{stem}.md"), text.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    in_language(lessons, translated)
}

/// Every `*.md` lesson in `dir` (`--lessons DIR`), sorted by `order`, then id.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Lesson>> {
    let paths = md_files(dir)?;
    if paths.is_empty() {
        bail!("{}", tr!("no-lessons-in", dir = dir.display().to_string()));
    }
    let mut lessons = parse_all(paths)?;
    sort(&mut lessons);
    Ok(lessons)
}

/// `dir`'s lessons in `lang`: in Chinese, `DIR/zh/<id>.md` replaces a lesson where it exists.
pub fn load_dir_in(dir: &Path, lang: Lang) -> anyhow::Result<Vec<Lesson>> {
    let lessons = load_dir(dir)?;
    let zh = dir.join("zh");
    if lang == Lang::En || !zh.is_dir() {
        return Ok(lessons);
    }
    in_language(lessons, parse_all(md_files(&zh)?)?)
}

/// The `*.md` files in `dir`, in name order, so that the same broken directory always
/// reports the same error.
fn md_files(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let context = || tr!("reading-lessons-from", dir = dir.display().to_string());
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(context)? {
        let path = entry.with_context(context)?.path();
        if path.extension().is_some_and(|ext| ext == "md") {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn parse_all(paths: Vec<std::path::PathBuf>) -> anyhow::Result<Vec<Lesson>> {
    let mut lessons = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = read_at_most(&path, MAX_BYTES + 1)?;
        lessons.push(parse(&path.display().to_string(), &bytes)?);
    }
    Ok(lessons)
}

/// `lessons` with each one that has a translation among `translated` (by id) replaced by it.
/// A translation must run exactly as its lesson does ([`drift`]); one with no English lesson
/// is an error too, since nothing would check it.
fn in_language(mut lessons: Vec<Lesson>, translated: Vec<Lesson>) -> anyhow::Result<Vec<Lesson>> {
    for t in translated {
        let Some(slot) = lessons.iter_mut().find(|l| l.id == t.id) else {
            bail!("{}", tr!("translation-without-lesson", file = t.file.as_str(), id = t.id.as_str()));
        };
        if let Some(why) = drift(slot, &t) {
            bail!("{}", tr!("translation-drifts", file = t.file.as_str(), english = slot.file.as_str(), why = why));
        }
        *slot = t;
    }
    sort(&mut lessons);
    Ok(lessons)
}

/// Reads up to `limit` bytes: one past the size limit is enough for `parse` to reject a
/// file that is too large, without reading a stray multi-gigabyte file into memory.
fn read_at_most(path: &Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    let context = || tr!("reading-lesson", path = path.display().to_string());
    // A FIFO named `x.md` would block the open until a writer came, a device read forever.
    let meta = std::fs::metadata(path).with_context(context)?;
    if !meta.is_file() {
        bail!("{}", tr!("not-a-regular-file", path = path.display().to_string()));
    }
    let file = std::fs::File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    file.take(limit as u64).read_to_end(&mut bytes).with_context(context)?;
    Ok(bytes)
}

fn sort(lessons: &mut [Lesson]) {
    lessons.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
}

/// The lessons in the language in use: the ones built in, or those in `dir`.
pub fn lessons(dir: Option<&Path>) -> anyhow::Result<Vec<Lesson>> {
    let lang = crate::i18n::current();
    match dir {
        Some(d) => load_dir_in(d, lang),
        None => embedded_in(lang),
    }
}

/// The lesson with this id, or an error listing the ids there are.
pub fn find<'a>(lessons: &'a [Lesson], id: &str) -> anyhow::Result<&'a Lesson> {
    lessons.iter().find(|lesson| lesson.id == id).ok_or_else(|| {
        let ids: Vec<&str> = lessons.iter().map(|lesson| lesson.id.as_str()).collect();
        anyhow!(tr!("unknown-lesson", id = id, ids = ids.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "+++\nid = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n+++\n## Step\n";

    fn parse_ok(text: &str) -> Lesson {
        parse("lessons/t.md", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    // ----- loading -----

    #[test]
    fn embedded_lessons_all_parse() {
        let lessons = embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lessons.len(), embedded::EMBEDDED.len());
    }

    /// A Chinese lesson writes Chinese words (a translated column name) as words, not as code:
    /// the space it keeps between code and Chinese would stand alone beside them (`空唤醒` 统计
    /// reads "空唤醒 统计").
    #[test]
    fn no_chinese_lesson_puts_chinese_words_in_code() {
        let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
        for (stem, text) in embedded::EMBEDDED_ZH {
            for (i, line) in text.lines().enumerate() {
                for (k, span) in line.split('`').enumerate() {
                    assert!(k % 2 == 0 || !span.chars().any(han), "lessons/zh/{stem}.md:{}: `{span}`", i + 1);
                }
            }
        }
    }

    #[test]
    fn find_unknown_id_lists_the_lessons_in_order() {
        let mut fork = parse_ok(HEAD);
        fork.id = "fork".into();
        let mut accept = fork.clone();
        accept.id = "accept".into();
        let lessons = [fork, accept];
        assert_eq!(find(&lessons, "accept").map(|l| l.id.as_str()).ok(), Some("accept"));
        let e = find(&lessons, "foo").unwrap_err();
        assert_eq!(e.to_string(), "unknown lesson `foo`; the lessons are: fork, accept");
    }

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("forklab-lesson-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn load_dir_reads_md_files_sorted_by_order() {
        let dir = TempDir::new("sorted");
        let lesson = |id: &str, order: u32| {
            format!("+++\nid = \"{id}\"\ntitle = \"T\"\norder = {order}\nsummary = \"S\"\n+++\n## Step\n")
        };
        std::fs::write(dir.0.join("b.md"), lesson("b", 1)).unwrap();
        std::fs::write(dir.0.join("a.md"), lesson("a", 2)).unwrap();
        std::fs::write(dir.0.join("notes.txt"), "not a lesson").unwrap();
        let ids: Vec<String> = load_dir(&dir.0).unwrap().into_iter().map(|l| l.id).collect();
        assert_eq!(ids, ["b", "a"]);
    }

    #[test]
    fn load_dir_error_names_the_path() {
        let dir = TempDir::new("error");
        std::fs::write(dir.0.join("x.md"), "hello\n").unwrap();
        let e = load_dir(&dir.0).unwrap_err();
        let path = dir.0.join("x.md").display().to_string();
        assert!(e.to_string().starts_with(&format!("{path}:1: expected the file to start")), "{e}");
    }

    /// The transcript prints a directive from its value: for every directive of every built-in
    /// lesson, that is the text the file has, and it parses back to the same value.
    #[test]
    fn built_in_directives_print_as_their_files_write_them() {
        let mut wrong = Vec::new();
        for lesson in embedded().unwrap_or_else(|e| panic!("{e}")) {
            for d in lesson.steps.iter().flat_map(|s| &s.directives) {
                if d.item.to_string() != d.text {
                    wrong.push(format!("{}:{}: `{}` prints as `{}`", lesson.file, d.line, d.text, d.item));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
