//! The document parser: a lesson file's front matter (TOML between `+++` lines), then its
//! body cut into steps at `## ` headings, with narration, code fences, speaker notes and the
//! one-line comments that must each be a directive (the grammar is in grammar.rs).

use super::grammar::{Comment, parse_comment, shorten};
use super::{Directive, Lesson, LessonError, Located, Pane, ProcColumn, Setup, Step};
use serde::Deserialize;
use std::path::Path;

/// Larger than any lesson a person writes; anything bigger is a wrong file, not a lesson.
pub const MAX_BYTES: usize = 256 * 1024;
pub const MAX_STEPS: usize = 64;
/// The file line of the front matter's first TOML line (line 1 is the opening `+++`).
const FRONT_MATTER_LINE: usize = 2;

/// An error found before the file name is attached.
#[derive(Debug)]
struct Fault {
    line: usize,
    message: String,
}

fn fault(line: usize, message: impl Into<String>) -> Fault {
    Fault { line, message: message.into() }
}

/// Parses one lesson. `file` names it in errors; when it ends in `<stem>.md`, the lesson's
/// id must be `<stem>`, so that `forklab play ID` and the file name always agree.
pub fn parse(file: &str, text: &[u8]) -> Result<Lesson, LessonError> {
    parse_text(file, text).map_err(|fault| LessonError {
        file: file.to_string(),
        line: fault.line,
        message: fault.message,
    })
}

fn parse_text(file: &str, bytes: &[u8]) -> Result<Lesson, Fault> {
    let text = as_text(bytes)?;
    // An editor may start the file with a byte order mark; it is not part of the `+++`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `lines` also drops the `\r` of CRLF line ends.
    let mut lines = text.lines().zip(1..);
    let toml_text = front_matter(&mut lines)?;
    let front = parse_front_matter(&toml_text)?;
    check_front_matter(file, &toml_text, &front)?;
    // A lesson without steps is found at its end: its last line, where a `## ` was wanted.
    let (intro, steps) = parse_body(lines, text.lines().count())?;

    Ok(Lesson {
        id: front.id.into_inner(),
        title: front.title.into_inner(),
        order: front.order,
        summary: front.summary.into_inner(),
        panes: front.panes.map_or_else(|| vec![Pane::Processes, Pane::Events], toml::Spanned::into_inner),
        columns: front.columns,
        setup: front.setup,
        intro,
        steps,
        file: file.to_string(),
    })
}

/// The bytes as text, if they are a text file of a sensible size.
fn as_text(bytes: &[u8]) -> Result<&str, Fault> {
    if bytes.len() > MAX_BYTES {
        return Err(fault(0, tr!("doc-too-large", max = MAX_BYTES)));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(fault(line_of(bytes, at), tr!("doc-nul-byte")));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        fault(line_of(bytes, at), tr!("doc-not-utf8", at = at))
    })
}

/// The 1-based line that byte `offset` of `bytes` is on.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    let before = bytes.get(..offset).unwrap_or(bytes);
    1 + before.iter().filter(|&&b| b == b'\n').count()
}

/// Consumes the front matter's lines, `+++` to `+++`, and returns the TOML between them,
/// joined with `\n` so that a byte offset in it maps back to a file line.
fn front_matter<'a>(lines: &mut impl Iterator<Item = (&'a str, usize)>) -> Result<String, Fault> {
    match lines.next() {
        Some(("+++", _)) => {}
        Some((first, _)) => {
            return Err(fault(1, tr!("doc-no-front-matter", found = shorten(first))));
        }
        None => {
            return Err(fault(1, tr!("doc-empty")));
        }
    }
    let mut toml_lines = Vec::new();
    for (line, _) in lines {
        if line == "+++" {
            return Ok(toml_lines.join("\n"));
        }
        toml_lines.push(line);
    }
    Err(fault(1, tr!("doc-front-matter-open")))
}

/// The front matter as written; spans let errors about a value point at its line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: toml::Spanned<String>,
    title: toml::Spanned<String>,
    order: u32,
    summary: toml::Spanned<String>,
    panes: Option<toml::Spanned<Vec<Pane>>>,
    #[serde(default)]
    columns: Vec<ProcColumn>,
    #[serde(default)]
    setup: Setup,
}

fn parse_front_matter(toml_text: &str) -> Result<FrontMatter, Fault> {
    toml::from_str(toml_text).map_err(|e| {
        // An error with no span (none seen in practice) points at the opening `+++`.
        let line = e.span().map_or(1, |span| toml_line(toml_text, span.start));
        fault(line, tr!("doc-front-matter", error = e.message().trim_end()))
    })
}

/// The file line of byte `offset` in the front matter's TOML.
fn toml_line(toml_text: &str, offset: usize) -> usize {
    FRONT_MATTER_LINE + line_of(toml_text.as_bytes(), offset) - 1
}

/// What TOML cannot say: the id matches the file name, titles are not blank, panes unique.
fn check_front_matter(file: &str, toml_text: &str, front: &FrontMatter) -> Result<(), Fault> {
    let line = |span: std::ops::Range<usize>| toml_line(toml_text, span.start);
    let stem = Path::new(file).file_name().and_then(|name| name.to_str()?.strip_suffix(".md"));
    if let Some(stem) = stem
        && front.id.get_ref() != stem
    {
        return Err(fault(
            line(front.id.span()),
            tr!("doc-id-mismatch", id = front.id.get_ref().as_str(), stem = stem),
        ));
    }
    for (key, value) in [("title", &front.title), ("summary", &front.summary)] {
        if value.get_ref().trim().is_empty() {
            return Err(fault(line(value.span()), tr!("doc-key-empty", key = key)));
        }
    }
    if let Some(panes) = &front.panes {
        let mut seen = Vec::new();
        for pane in panes.get_ref() {
            if seen.contains(pane) {
                return Err(fault(line(panes.span()), tr!("doc-pane-twice", pane = pane.to_string())));
            }
            seen.push(*pane);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The body: intro, steps, narration, notes and directives
// ---------------------------------------------------------------------------------------

fn parse_body<'a>(lines: impl Iterator<Item = (&'a str, usize)>, last: usize) -> Result<(String, Vec<Step>), Fault> {
    let mut body = Body::default();
    for (line, number) in lines {
        body.line(number, line)?;
    }
    body.finish(last)
}

#[derive(Default)]
struct Body<'a> {
    intro: Vec<&'a str>,
    steps: Vec<StepDraft<'a>>,
    /// The code fence we are inside, if any.
    fence: Option<Fence>,
}

struct StepDraft<'a> {
    title: String,
    line: usize,
    narration: Vec<&'a str>,
    /// `Some` once the step's `<!-- reveal -->` marker has been seen, with its line.
    explain: Option<(usize, Vec<&'a str>)>,
    /// `Some` once the step's `<!-- notes -->` marker has been seen.
    notes: Option<Vec<&'a str>>,
    directives: Vec<Located<Directive>>,
}

/// An open code fence (three or more backticks or tildes): closed by a line of at least as
/// many of the same mark.
struct Fence {
    mark: char,
    len: usize,
    line: usize,
}

impl Fence {
    /// The fence this line opens, if it opens one. Indented fences count too, so that code
    /// in a list item is protected the same way.
    fn opens(line: &str, number: usize) -> Option<Fence> {
        let text = line.trim_start();
        let mark = text.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = text.chars().take_while(|c| *c == mark).count();
        (len >= 3).then_some(Fence { mark, len, line: number })
    }

    fn closes(&self, line: &str) -> bool {
        let text = line.trim();
        !text.is_empty() && text.chars().all(|c| c == self.mark) && text.chars().count() >= self.len
    }
}

/// The title of a step heading (`## Title`), if the line is one. `###` is not: deeper
/// headings are narration. A bare `##` is a heading with an empty title, so it is reported.
fn heading(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("##")?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

impl<'a> Body<'a> {
    fn line(&mut self, number: usize, line: &'a str) -> Result<(), Fault> {
        if let Some(fence) = &self.fence {
            if fence.closes(line) {
                self.fence = None;
            }
            self.text().push(line);
            return Ok(());
        }
        if let Some(fence) = Fence::opens(line, number) {
            self.fence = Some(fence);
            self.text().push(line);
            return Ok(());
        }
        if let Some(title) = heading(line) {
            return self.start_step(number, title);
        }
        let trimmed = line.trim();
        if trimmed.starts_with("<!--") {
            return self.comment(number, trimmed);
        }
        let depth = nesting(line);
        if depth > MAX_NESTING {
            return Err(fault(number, tr!("doc-nested", depth = depth, max = MAX_NESTING)));
        }
        self.text().push(line);
        Ok(())
    }

    /// Where a narration line goes: the intro, the current step, or its notes.
    fn text(&mut self) -> &mut Vec<&'a str> {
        match self.steps.last_mut() {
            None => &mut self.intro,
            Some(step) => match (&mut step.notes, &mut step.explain) {
                (Some(notes), _) => notes,
                (None, Some((_, explain))) => explain,
                (None, None) => &mut step.narration,
            },
        }
    }

    fn start_step(&mut self, number: usize, title: &str) -> Result<(), Fault> {
        if title.is_empty() {
            return Err(fault(number, tr!("doc-no-title")));
        }
        if self.steps.len() == MAX_STEPS {
            return Err(fault(number, tr!("doc-too-many-steps", max = MAX_STEPS)));
        }
        if let Some(step) = self.steps.last() {
            step.check_reveal()?;
        }
        self.steps.push(StepDraft {
            title: title.to_string(),
            line: number,
            narration: Vec::new(),
            explain: None,
            notes: None,
            directives: Vec::new(),
        });
        Ok(())
    }

    /// A comment line outside a fence: it must be a directive, in a place that takes one.
    fn comment(&mut self, number: usize, trimmed: &str) -> Result<(), Fault> {
        let comment = parse_comment(trimmed).map_err(|message| fault(number, message))?;
        let Some(step) = self.steps.last_mut() else {
            return Err(fault(number, tr!("doc-directive-before-step")));
        };
        if step.notes.is_some() {
            let message = match comment {
                Comment::Notes => tr!("doc-notes-twice"),
                Comment::Reveal => tr!("doc-reveal-in-notes"),
                Comment::Directive(..) => tr!("doc-directive-in-notes"),
            };
            return Err(fault(number, message));
        }
        match comment {
            Comment::Notes => step.notes = Some(Vec::new()),
            Comment::Reveal if step.explain.is_some() => {
                return Err(fault(number, tr!("doc-reveal-twice")));
            }
            Comment::Reveal => step.explain = Some((number, Vec::new())),
            Comment::Directive(text, item) => step.directives.push(Located { line: number, text, item }),
        }
        Ok(())
    }

    /// `last` is the file's last line, where a lesson without steps is reported.
    fn finish(self, last: usize) -> Result<(String, Vec<Step>), Fault> {
        if let Some(fence) = self.fence {
            let mark = fence.mark.to_string().repeat(fence.len);
            return Err(fault(fence.line, tr!("doc-fence-open", mark = mark.as_str())));
        }
        if self.steps.is_empty() {
            return Err(fault(last, tr!("doc-no-steps")));
        }
        if let Some(step) = self.steps.last() {
            step.check_reveal()?;
        }
        let steps = self
            .steps
            .into_iter()
            .map(|draft| Step {
                title: draft.title,
                line: draft.line,
                narration: join_trimmed(&draft.narration),
                explain: draft.explain.map(|(_, explain)| join_trimmed(&explain)),
                notes: draft.notes.map(|notes| join_trimmed(&notes)),
                directives: draft.directives,
            })
            .collect();
        Ok((join_trimmed(&self.intro), steps))
    }
}

impl StepDraft<'_> {
    /// A question splits its step's text in two (issue 12): the setup it is asked with, and the
    /// explanation below `<!-- reveal -->`, shown once the step has run. So a step with an
    /// `ask` has the marker, and only such a step has it.
    fn check_reveal(&self) -> Result<(), Fault> {
        let ask = self.directives.iter().find(|d| matches!(d.item, Directive::Ask(_)));
        match (ask, &self.explain) {
            (Some(ask), None) => Err(fault(ask.line, tr!("doc-ask-without-reveal"))),
            (None, Some((line, _))) => Err(fault(*line, tr!("doc-reveal-without-ask"))),
            _ => Ok(()),
        }
    }
}

/// How deep block quotes and lists may nest in narration and notes. A bound, a design choice:
/// it keeps the work of drawing a step proportional to its text (each level adds a prefix to
/// every line of the block), and no lesson needs more than a few levels.
const MAX_NESTING: usize = 8;

/// How deep the containers a line opens or continues go, counted as the line reads: each `>`
/// and each list marker (`-`, `*`, `+`, `1.`, `1)`) at its start is a level, and so is every
/// four columns of indentation before them (a nested list is its parent's indent deeper).
/// Linear in the line; it errs on the deep side only for indented code, which fences replace.
fn nesting(line: &str) -> usize {
    let mut depth = 0;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        let indent: usize = rest[..rest.len() - trimmed.len()].chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
        depth += indent / 4;
        if let Some(after) = trimmed.strip_prefix('>') {
            depth += 1;
            rest = after;
        } else if let Some(after) = list_marker(trimmed) {
            depth += 1;
            rest = after;
        } else {
            return depth;
        }
    }
}

/// What follows a list item marker at the start of `text`, if it starts with one.
fn list_marker(text: &str) -> Option<&str> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let after = match text.as_bytes().first()? {
        b'-' | b'*' | b'+' => &text[1..],
        b'0'..=b'9' if digits <= 9 && matches!(text.as_bytes().get(digits), Some(b'.' | b')')) => &text[digits + 1..],
        _ => return None,
    };
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(after)
}

/// The lines as one text, without blank lines at either end.
fn join_trimmed(lines: &[&str]) -> String {
    let blank = |line: &&str| line.trim().is_empty();
    let start = lines.iter().position(|line| !blank(line)).unwrap_or(lines.len());
    let end = lines.iter().rposition(|line| !blank(line)).map_or(start, |i| i + 1);
    lines.get(start..end).unwrap_or_default().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::{Expect, Metric, Op, WorkerCount, parse_directive};
    use crate::proto::mode::{Handle, Mode};

    /// Front matter for `lessons/t.md` and a first step heading: a body starts at line 8.
    const HEAD: &str = "+++\nid = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n+++\n## Step\n";
    const BODY_LINE: usize = 8;

    fn parse_ok(text: &str) -> Lesson {
        parse("lessons/t.md", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(text: &[u8]) -> (usize, String) {
        let e = parse("lessons/t.md", text).expect_err("the lesson should be rejected");
        (e.line, e.message)
    }

    /// The error for a lesson with this front matter (lines 2.. of the file) and one step.
    fn front_error(toml: &str) -> (usize, String) {
        error(format!("+++\n{toml}\n+++\n## Step\n").as_bytes())
    }

    /// The error for this text under the first step heading (so from line 8).
    fn body_error(body: &str) -> (usize, String) {
        error(format!("{HEAD}{body}\n").as_bytes())
    }

    // ----- a good lesson -----

    const ACCEPT: &str = r#"+++
id = "accept"
title = "Who takes the connection?"
order = 3
summary = "Preemptive accept across workers, the modes side by side"
panes = ["processes", "connections", "events"]

[setup]
workers = 4        # or "cores"
mode = "shared"
port = 0           # optional
+++

Optional intro markdown before the first step.

## Step title
Narration in Markdown...
<!-- do: spawn workers=4 mode=shared -->
<!-- do: fire 200 concurrency=8 -->
<!-- expect: accounted -->
<!-- expect: spread <= 1 -->

<!-- notes -->
Speaker notes: everything after this marker up to the next `## ` heading.

## Next step
### A deeper heading
More narration.
"#;

    fn located(line: usize, text: &str, item: Directive) -> Located<Directive> {
        Located { line, text: text.to_string(), item }
    }

    #[test]
    fn good_lesson_parses_to_the_exact_structure() {
        let lesson = parse("lessons/accept.md", ACCEPT.as_bytes()).unwrap();
        let expected = Lesson {
            id: "accept".into(),
            title: "Who takes the connection?".into(),
            order: 3,
            summary: "Preemptive accept across workers, the modes side by side".into(),
            panes: vec![Pane::Processes, Pane::Connections, Pane::Events],
            columns: vec![],
            setup: Setup { workers: Some(WorkerCount::N(4)), mode: Some(Mode::Shared), port: Some(0) },
            intro: "Optional intro markdown before the first step.".into(),
            steps: vec![
                Step {
                    title: "Step title".into(),
                    line: 16,
                    narration: "Narration in Markdown...".into(),
                    explain: None,
                    notes: Some("Speaker notes: everything after this marker up to the next `## ` heading.".into()),
                    directives: vec![
                        located(
                            18,
                            "do: spawn workers=4 mode=shared",
                            Directive::Spawn {
                                workers: WorkerCount::N(4),
                                mode: Mode::Shared,
                                handle: Handle::Inherit,
                            },
                        ),
                        located(
                            19,
                            "do: fire 200 concurrency=8",
                            Directive::Fire { connections: 200, concurrency: 8, keepalive: 1 },
                        ),
                        located(20, "expect: accounted", Directive::Expect(Expect::Accounted)),
                        located(
                            21,
                            "expect: spread <= 1",
                            Directive::Expect(Expect::Metric { metric: Metric::Spread, op: Op::Le, value: 1.0 }),
                        ),
                    ],
                },
                Step {
                    title: "Next step".into(),
                    line: 26,
                    narration: "### A deeper heading\nMore narration.".into(),
                    explain: None,
                    notes: None,
                    directives: vec![],
                },
            ],
            file: "lessons/accept.md".into(),
        };
        assert_eq!(lesson, expected);
    }

    #[test]
    fn minimal_lesson_gets_default_panes_and_empty_setup() {
        let lesson = parse_ok(HEAD);
        assert_eq!(lesson.panes, vec![Pane::Processes, Pane::Events]);
        assert_eq!(lesson.setup, Setup::default());
        assert_eq!(lesson.intro, "");
        assert_eq!(lesson.steps[0].narration, "");
    }

    #[test]
    fn setup_workers_may_be_cores() {
        let text = HEAD.replace("+++\n## Step", "[setup]\nworkers = \"cores\"\n+++\n## Step");
        assert_eq!(parse_ok(&text).setup.workers, Some(WorkerCount::Cores));
    }

    #[test]
    fn crlf_line_ends_parse_like_lf() {
        let crlf = ACCEPT.replace('\n', "\r\n");
        assert_eq!(parse("lessons/accept.md", crlf.as_bytes()), parse("lessons/accept.md", ACCEPT.as_bytes()));
    }

    #[test]
    fn id_is_not_checked_when_the_file_is_not_named_stem_md() {
        assert_eq!(parse("<test>", HEAD.as_bytes()).map(|l| l.id), Ok("t".to_string()));
    }

    // ----- fenced code -----

    #[test]
    fn fenced_code_is_narration_not_directives_or_headings() {
        let body = "```html\n<!-- do: launch -->\n## not a step\n<!-- a plain comment\n```\n\
                    ~~~~\n```\n<!-- expect: nothing -->\n~~~~\nafter";
        let lesson = parse_ok(&format!("{HEAD}{body}\n"));
        assert_eq!(lesson.steps.len(), 1);
        assert_eq!(lesson.steps[0].directives, vec![]);
        assert_eq!(lesson.steps[0].narration, body);
    }

    #[test]
    fn fenced_code_in_notes_stays_in_the_notes() {
        let lesson = parse_ok(&format!("{HEAD}<!-- notes -->\n```\n<!-- x -->\n## y\n```\n"));
        assert_eq!(lesson.steps[0].notes.as_deref(), Some("```\n<!-- x -->\n## y\n```"));
    }

    #[test]
    fn unclosed_fence_is_an_error_at_its_opening_line() {
        let got = body_error("text\n````rust\n<!-- do: stop -->\n```");
        assert_eq!(got, (9, "code fence ```` opened here is never closed; expected a closing ```` line".to_string()));
    }

    #[test]
    fn nesting_counts_quotes_list_markers_and_indents() {
        for (line, depth) in [
            ("plain text", 0),
            ("> a quote", 1),
            ("> > two", 2),
            (">>>> four", 4),
            ("- item", 1),
            ("  - nested item", 1),
            ("    - deeper item", 2),
            ("1. first", 1),
            ("12) twelfth", 1),
            ("> - a list in a quote", 2),
            ("*emphasis* is no list", 0),
            ("--- a rule is no list", 0),
            ("2024 was a year", 0),
        ] {
            assert_eq!(nesting(line), depth, "{line:?}");
        }
    }

    #[test]
    fn nesting_past_the_bound_is_refused_at_its_line() {
        let quote = format!("text\n{} deep", ">".repeat(50));
        let message = "block quotes and lists nested 50 deep; a lesson nests them at most 8 deep".to_string();
        assert_eq!(body_error(&quote), (9, message));
        let list: String = (0..60).map(|i| format!("{}- level {i}\n", " ".repeat(i * 4))).collect();
        let (line, message) = body_error(&list);
        assert_eq!(line, 8 + 8, "{message}");
        assert!(message.ends_with("a lesson nests them at most 8 deep"), "{message}");
        // In speaker notes too, and a fence keeps its text as written.
        assert_eq!(body_error(&format!("<!-- notes -->\n{}", ">".repeat(9))).0, 9);
        parse_ok(&format!("{HEAD}```\n{}\n```\n", ">".repeat(50)));
        parse_ok(&format!("{HEAD}{} eight is fine\n", ">".repeat(8)));
    }

    // ----- the file as a whole -----

    #[test]
    fn file_over_256_kib_is_rejected() {
        let text = format!("{HEAD}{}", "x".repeat(MAX_BYTES));
        let expected = "file is larger than 256 KiB; expected a lesson of at most 262144 bytes";
        assert_eq!(error(text.as_bytes()), (0, expected.to_string()));
    }

    #[test]
    fn nul_byte_is_not_a_text_lesson() {
        let text = format!("{HEAD}ok\nbad\0\n");
        let expected = tr!("doc-nul-byte");
        assert_eq!(error(text.as_bytes()), (9, expected.to_string()));
    }

    #[test]
    fn invalid_utf8_is_not_a_text_lesson() {
        let mut text = HEAD.as_bytes().to_vec();
        text.extend_from_slice(b"\xff\n");
        let expected = format!("not a text lesson: the bytes at offset {} are not valid utf-8", HEAD.len());
        assert_eq!(error(&text), (8, expected));
    }

    #[test]
    fn empty_file_is_rejected() {
        let expected = "the file is empty; expected a line `+++` opening the front matter";
        assert_eq!(error(b""), (1, expected.to_string()));
    }

    #[test]
    fn file_must_start_with_plus_line() {
        let expected = "expected the file to start with a line `+++` opening the front matter, found `# Title`";
        assert_eq!(error(b"# Title\n+++\n"), (1, expected.to_string()));
    }

    #[test]
    fn unclosed_front_matter_is_rejected() {
        let expected = "the front matter opened here is never closed; expected a line that is exactly `+++` after it";
        assert_eq!(error(b"+++\nid = \"t\"\n## Step\n"), (1, expected.to_string()));
    }

    // ----- front matter -----

    #[test]
    fn toml_syntax_error_points_at_its_file_line() {
        let (line, message) = front_error("id = \"t\"\ntitle = \"T\norder = 1");
        assert_eq!(line, 3);
        assert!(message.starts_with("in the front matter: "), "{message}");
    }

    #[test]
    fn unknown_front_matter_key_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\ncolour = \"red\"");
        let expected = "in the front matter: unknown field `colour`, expected one of `id`, `title`, `order`, `summary`, `panes`, `columns`, `setup`";
        assert_eq!(got, (6, expected.to_string()));
    }

    #[test]
    fn unknown_setup_key_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nworker = 2");
        let expected = "in the front matter: unknown field `worker`, expected one of `workers`, `mode`, `port`";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn missing_title_is_rejected() {
        // toml spans a missing key over the whole table, so the error is at its first line.
        let got = front_error("id = \"t\"\norder = 1\nsummary = \"S\"");
        assert_eq!(got, (2, "in the front matter: missing field `title`".to_string()));
    }

    #[test]
    fn order_must_be_an_unsigned_integer() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = -1\nsummary = \"S\"");
        let expected = "in the front matter: invalid value: integer `-1`, expected u32";
        assert_eq!(got, (4, expected.to_string()));
    }

    #[test]
    fn id_must_match_the_file_name() {
        let got = front_error("title = \"T\"\norder = 1\nid = \"other\"\nsummary = \"S\"");
        assert_eq!(got, (4, "id `other` does not match the file name; expected `t`".to_string()));
    }

    #[test]
    fn empty_title_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"  \"\norder = 1\nsummary = \"S\"");
        assert_eq!(got, (3, "`title` is empty; expected some text".to_string()));
    }

    #[test]
    fn unknown_pane_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\npanes = [\"cpu\"]");
        let expected = "in the front matter: unknown variant `cpu`, expected one of `processes`, `cores`, `connections`, `events`, `fds`, `ipc`";
        assert_eq!(got, (6, expected.to_string()));
    }

    #[test]
    fn duplicate_pane_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\npanes = [\"fds\", \"fds\"]");
        assert_eq!(got, (6, "pane `fds` is listed twice in `panes`".to_string()));
    }

    #[test]
    fn setup_workers_out_of_range_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nworkers = 65");
        let expected =
            "in the front matter: worker count `65` is out of range; expected a whole number from 1 to 64 or `cores`";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn setup_workers_string_must_be_cores() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nworkers = \"4\"");
        let expected =
            "in the front matter: invalid worker count `4`; expected a whole number from 1 to 64 or \"cores\"";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn setup_unknown_mode_is_rejected() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nmode = \"fair\"");
        let expected = "in the front matter: unknown variant `fair`, expected one of `shared`, `exclusive`, `blocking`, `rr`, `reuseport`";
        assert_eq!(got, (7, expected.to_string()));
    }

    #[test]
    fn setup_port_must_fit_u16() {
        let got = front_error("id = \"t\"\ntitle = \"T\"\norder = 1\nsummary = \"S\"\n[setup]\nport = 70000");
        let expected = "in the front matter: invalid value: integer `70000`, expected u16";
        assert_eq!(got, (7, expected.to_string()));
    }

    // ----- steps and comments -----

    #[test]
    fn lesson_without_steps_is_rejected() {
        let text = HEAD.replace("## Step\n", "only an intro\n### not a step\n");
        let expected = "the lesson has no steps; expected at least one `## ` heading";
        assert_eq!(error(text.as_bytes()), (BODY_LINE, expected.to_string()));
        // Front matter alone: its closing `+++` is the last line.
        assert_eq!(error(HEAD.replace("## Step\n", "").as_bytes()), (6, expected.to_string()));
    }

    #[test]
    fn sixty_fifth_step_is_rejected() {
        let steps = (2..=65).map(|i| format!("## Step {i}\n")).collect::<String>();
        let expected = "too many steps; a lesson has at most 64 `## ` steps";
        assert_eq!(error(format!("{HEAD}{steps}").as_bytes()), (BODY_LINE + 63, expected.to_string()));
    }

    #[test]
    fn sixty_four_steps_are_fine() {
        let steps = (2..=64).map(|i| format!("## Step {i}\n")).collect::<String>();
        assert_eq!(parse_ok(&format!("{HEAD}{steps}")).steps.len(), 64);
    }

    #[test]
    fn step_heading_needs_a_title() {
        let expected = "step heading has no title; expected `## Title`";
        assert_eq!(body_error("text\n##   "), (9, expected.to_string()));
    }

    #[test]
    fn directive_before_the_first_step_is_rejected() {
        let text = HEAD.replace("+++\n## Step", "+++\nintro\n<!-- do: stop -->\n## Step");
        let expected = "directive before the first step; expected it under a `## ` heading";
        assert_eq!(error(text.as_bytes()), (8, expected.to_string()));
    }

    #[test]
    fn plain_comment_is_not_a_silent_comment() {
        let expected = "comment `remember to fix` is not a directive; expected `<!-- do: ... -->`, `<!-- expect: ... -->`, `<!-- ask: ... -->`, `<!-- reveal -->` or `<!-- notes -->`";
        assert_eq!(body_error("  <!-- remember to fix -->"), (BODY_LINE, expected.to_string()));
    }

    #[test]
    fn comment_must_close_on_its_line() {
        let expected = "`<!--` without `-->` on the same line; directives are one line";
        assert_eq!(body_error("<!-- do: fire 200\n-->"), (BODY_LINE, expected.to_string()));
    }

    #[test]
    fn text_after_a_directive_is_rejected() {
        let expected = "unexpected `<!-- do: stop -->` after `-->`; expected one directive per line";
        assert_eq!(body_error("<!-- do: stop --> <!-- do: stop -->"), (BODY_LINE, expected.to_string()));
    }

    #[test]
    fn directive_in_notes_is_rejected() {
        let expected = "directive inside speaker notes; expected it before `<!-- notes -->`";
        assert_eq!(body_error("<!-- notes -->\nsay this\n<!-- do: stop -->"), (10, expected.to_string()));
    }

    #[test]
    fn second_notes_marker_is_rejected() {
        let expected = "`<!-- notes -->` appears twice in this step; expected it once";
        assert_eq!(body_error("<!-- notes -->\n<!-- notes -->"), (9, expected.to_string()));
    }

    #[test]
    fn notes_end_at_the_next_step() {
        let lesson = parse_ok(&format!("{HEAD}said\n<!-- notes -->\n\nnote\n\n## Two\nsaid too\n"));
        assert_eq!(lesson.steps[0].narration, "said");
        assert_eq!(lesson.steps[0].notes.as_deref(), Some("note"));
        assert_eq!(lesson.steps[1].narration, "said too");
    }

    // ----- reveal: a question's setup, then its explanation -----

    const ASK: &str = "<!-- ask: Will W2 survive? | yes => survived W2 | no => not survived W2 -->";

    #[test]
    fn reveal_splits_the_narration_from_the_explanation() {
        let body = format!("setup\n{ASK}\n<!-- do: stop -->\n<!-- reveal -->\n\nwhy\n<!-- notes -->\nnote\n");
        let step = &parse_ok(&format!("{HEAD}{body}")).steps[0];
        assert_eq!(step.narration, "setup");
        assert_eq!(step.explain.as_deref(), Some("why"));
        assert_eq!(step.notes.as_deref(), Some("note"));
        assert_eq!(step.directives.len(), 2);
    }

    #[test]
    fn directives_may_follow_the_reveal_and_an_empty_explanation_is_none_of_the_text() {
        let step = &parse_ok(&format!("{HEAD}setup\n<!-- reveal -->\n{ASK}\n")).steps[0];
        assert_eq!((step.narration.as_str(), step.explain.as_deref()), ("setup", Some("")));
        assert!(matches!(step.directives[0].item, Directive::Ask(_)));
    }

    #[test]
    fn a_step_without_a_question_has_no_explanation() {
        assert_eq!(parse_ok(&format!("{HEAD}text\n")).steps[0].explain, None);
    }

    /// Each misplaced `reveal`: (body under the first heading, error line, message).
    const REVEAL_ERRORS: &[(&str, usize, &str)] = &[
        (
            "setup\nASK\nwhy",
            9,
            "step asks a question but has no `<!-- reveal -->`; expected one line `<!-- reveal -->` between what the question needs and the explanation",
        ),
        (
            "ASK\n## Two\ntext",
            8,
            "step asks a question but has no `<!-- reveal -->`; expected one line `<!-- reveal -->` between what the question needs and the explanation",
        ),
        (
            "text\n<!-- reveal -->\nmore",
            9,
            "`<!-- reveal -->` in a step without an `ask:`; expected it only in a step that asks a question",
        ),
        (
            "ASK\n<!-- reveal -->\n## Two\n<!-- reveal -->",
            11,
            "`<!-- reveal -->` in a step without an `ask:`; expected it only in a step that asks a question",
        ),
        (
            "ASK\n<!-- reveal -->\nwhy\n<!-- reveal -->",
            11,
            "`<!-- reveal -->` appears twice in this step; expected it once",
        ),
        (
            "ASK\n<!-- notes -->\nsay\n<!-- reveal -->",
            11,
            "`<!-- reveal -->` inside speaker notes; expected it before `<!-- notes -->`",
        ),
    ];

    #[test]
    fn a_misplaced_reveal_is_an_error_on_its_line() {
        for (body, line, message) in REVEAL_ERRORS {
            let got = body_error(&body.replace("ASK", ASK));
            assert_eq!(got, (*line, message.to_string()), "{body}");
        }
    }

    #[test]
    fn reveal_is_a_marker_not_a_directive() {
        assert_eq!(parse_directive("reveal"), Err("`reveal` is a marker, not a directive".to_string()));
    }

    // ----- robustness -----

    /// Truncating the good lesson anywhere, dropping any line, or splicing in the characters
    /// the parser looks for, gives an error or a lesson: never a panic.
    #[test]
    fn mangled_lessons_never_panic() {
        let lines: Vec<&str> = ACCEPT.lines().collect();
        for end in 0..=ACCEPT.len() {
            let _ = parse("lessons/accept.md", &ACCEPT.as_bytes()[..end]);
        }
        for skip in 0..lines.len() {
            let text: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, l)| *l).collect();
            let _ = parse("lessons/accept.md", text.join("\n").as_bytes());
        }
        for at in (0..ACCEPT.len()).filter(|at| ACCEPT.is_char_boundary(*at)) {
            for splice in ["<!--", "-->", "```", "## ", "+++\n", "=", "\"", "\u{e9}", "\r", "\n"] {
                let text = format!("{}{splice}{}", &ACCEPT[..at], &ACCEPT[at..]);
                let _ = parse("lessons/accept.md", text.as_bytes());
            }
        }
    }
}
