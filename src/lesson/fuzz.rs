//! The fault suite's fuzzing of the lesson parser (proptest): arbitrary bytes, every built-in
//! lesson mangled at random, and random directives never panic; whatever parses keeps the
//! parser's promises (at least one step, at most MAX_STEPS, a directive where a line was one,
//! an explanation exactly in the steps that ask a question).
//! The case counts are in the README's fault suite section; keep them in step.

use super::doc::{MAX_BYTES, MAX_STEPS, parse};
use super::load::embedded;
use super::{Directive, Lesson, parse_directive};
use proptest::prelude::*;

/// Fragments the parser looks for, and ones that break its assumptions.
const FRAGMENTS: &[&str] = &[
    "+++\n",
    "\n+++\n",
    "## ",
    "\n## Step\n",
    "<!--",
    "-->",
    "<!-- do: ",
    "<!-- expect: ",
    "<!-- notes -->",
    "<!-- reveal -->",
    "<!-- ask: ",
    " | yes => failed == 0",
    "```",
    "\n```\n",
    "=",
    "\"",
    "'",
    "[setup]\n",
    "workers = ",
    "cores",
    "mode = \"rr\"\n",
    "port = 70000\n",
    "99999999999999999999",
    "-1",
    "0",
    "\u{e9}",
    "\u{feff}",
    "\u{202e}",
    "\r",
    "\n",
    "\r\n",
    "\t",
    " ",
    "do: spawn workers=",
    "do: fire ",
    "do: kill W",
    "signal=",
    "expect: ",
    "failed == 0",
    "spread <= 1",
    "same-inode",
    "workers=999999",
    "ms=",
    "\\",
    "{",
    "}",
    "[[",
    "]]",
    "#",
    "`",
    "*",
    "_",
];

/// The vocabulary (and a little outside it) from which random directives are built.
const WORDS: &[&str] = &[
    "do:",
    "expect:",
    "notes",
    "reveal",
    "ask:",
    "|",
    "=>",
    "spawn",
    "mode",
    "scale",
    "stop",
    "fire",
    "compare",
    "kill",
    "busy",
    "busy=W1:1000",
    "busy=W1",
    "served",
    "cost",
    "fork.ns_each",
    "rounds=10",
    "pipe-procs",
    "show",
    "launch",
    "exec",
    "sh",
    "rm",
    "W1",
    "W2",
    "W0",
    "W99999999999",
    "master",
    "all",
    "workers=4",
    "workers=0",
    "workers=cores",
    "workers=-3",
    "mode=shared",
    "mode=rr",
    "mode=bogus",
    "handle=pass",
    "handle=inherit",
    "signal=KILL",
    "signal=SIGSEGV",
    "signal=NOPE",
    "ms=100",
    "ms=",
    "=",
    "==",
    "<=",
    ">",
    "!=",
    "failed",
    "completed",
    "fired",
    "spread",
    "workers",
    "same-inode",
    "exited",
    "1",
    "0",
    "-1",
    "1e309",
    "NaN",
    "18446744073709551616",
    "tree",
    "fds",
    "reap",
    "on",
    "off",
    "parent-death",
    "how=signal",
    "how=disconnect",
    "how=none",
    "how=",
    "state",
    "Z",
    "sigchld",
    "reaped",
    "backlog",
    "accept",
    "connect",
    "queued",
    "established",
    "timed_out",
    "drain",
    "hold",
    "idle=5",
    "slow=3",
    "slow=0",
    "ms=8001",
    "grace=500",
    "grace=0",
    "idle_closed",
    "idle_reset",
    "visit",
    "sticky",
    "visits_max",
    "visits_sum",
    "keepalive=10",
    "concurrency=4",
    "4096",
    "\u{e9}",
    "",
];

fn lessons() -> Vec<(String, String)> {
    embedded::EMBEDDED.iter().map(|(stem, text)| (format!("lessons/{stem}.md"), text.to_string())).collect()
}

/// What any lesson that parses must satisfy.
fn check(lesson: &Lesson) {
    assert!(!lesson.steps.is_empty(), "a lesson has at least one step");
    assert!(lesson.steps.len() <= MAX_STEPS);
    for step in &lesson.steps {
        // A step explains after it runs exactly when it asks a question first.
        let asks = step.directives.iter().any(|d| matches!(d.item, Directive::Ask(_)));
        assert_eq!(asks, step.explain.is_some(), "step `{}`", step.title);
        for d in &step.directives {
            // The text of a parsed directive parses again to the same thing.
            assert_eq!(parse_directive(&d.text).as_ref().ok(), Some(&d.item), "{}", d.text);
        }
    }
}

/// An edit applied to a built-in lesson.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, &'static str),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Byte(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), proptest::sample::select(FRAGMENTS)).prop_map(|(at, f)| Edit::Insert(at, f)),
        (any::<usize>(), 0usize..200).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 0usize..400).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Byte(at, b)),
    ]
}

fn apply(text: &mut Vec<u8>, e: &Edit) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match *e {
        Edit::Insert(i, f) => {
            let i = at(i, text.len());
            text.splice(i..i, f.bytes());
        }
        Edit::Delete(i, n) => {
            let i = at(i, text.len());
            let end = (i + n).min(text.len());
            text.drain(i..end);
        }
        Edit::Duplicate(i, n) => {
            let i = at(i, text.len());
            let end = (i + n).min(text.len());
            let copy = text[i..end].to_vec();
            text.splice(end..end, copy);
        }
        Edit::Byte(i, b) => {
            if !text.is_empty() {
                let i = i % text.len();
                text[i] = b;
            }
        }
    }
}

/// Cases per property: a run tries 3 x CASES inputs (and the arbitrary bytes twice each).
const CASES: u32 = 10_000;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any bytes at all: an error or a lesson, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(l) = parse("lessons/x.md", &bytes) { check(&l) }
        let mut with_head = b"+++\nid = \"x\"\ntitle = \"X\"\norder = 1\nsummary = \"s\"\n+++\n## One\n".to_vec();
        with_head.extend_from_slice(&bytes);
        if let Ok(l) = parse("lessons/x.md", &with_head) { check(&l) }
    }

    /// Every built-in lesson (so lessons added later are covered too), mangled by up to 8
    /// random edits: an error naming the file and a line inside it, or a lesson that holds.
    #[test]
    fn mangled_built_in_lessons_never_panic(which in any::<usize>(), edits in proptest::collection::vec(edit(), 1..8)) {
        let all = lessons();
        let (file, text) = &all[which % all.len()];
        let mut bytes = text.clone().into_bytes();
        for e in &edits {
            apply(&mut bytes, e);
        }
        match parse(file, &bytes) {
            Ok(l) => check(&l),
            Err(e) => {
                prop_assert_eq!(&e.file, file);
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
                prop_assert!(e.line <= lines, "line {} of {}: {}", e.line, lines, e);
                prop_assert!(!e.message.is_empty());
                prop_assert!(!e.message.contains("panicked"));
            }
        }
    }

    /// Directives from words of the vocabulary and outside it: a directive or a message.
    #[test]
    fn random_directives_never_panic(words in proptest::collection::vec(proptest::sample::select(WORDS), 0..7)) {
        let text = words.join(" ");
        if let Err(message) = parse_directive(&text) {
            prop_assert!(!message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Block quotes and lists nested at random, to any depth up to 300: kept up to the bound,
    /// refused past it at the line that goes too deep, never a panic (the renderer's side of
    /// the bound is tested in ui::markdown).
    #[test]
    fn nesting_is_bounded_at_parse_time(levels in proptest::collection::vec(0u8..3, 0..300)) {
        let mut line = String::new();
        for (i, level) in levels.iter().enumerate() {
            line += match level { 0 => "> ", 1 => "- ", _ => if i % 2 == 0 { "1. " } else { "    " } };
        }
        line += "deep";
        let text = format!("+++\nid = \"x\"\ntitle = \"X\"\norder = 1\nsummary = \"s\"\n+++\n## One\n{line}\n");
        // Every piece is one level: a quote, a list marker, or four columns of indent.
        let depth = levels.len();
        match parse("lessons/x.md", text.as_bytes()) {
            Ok(l) => {
                prop_assert!(depth <= 8, "{} levels kept", depth);
                check(&l);
            }
            Err(e) => {
                prop_assert_eq!(e.line, 8);
                prop_assert!(e.message.contains("nested") && e.message.contains("at most 8 deep"), "{}", e);
            }
        }
    }

    /// Huge inputs: past the size limit they are refused at once by size, whatever they hold.
    #[test]
    fn huge_inputs_are_refused_by_size(fill in any::<u8>(), extra in 1usize..100_000) {
        let bytes = vec![fill; MAX_BYTES + extra];
        let e = parse("lessons/x.md", &bytes).unwrap_err();
        prop_assert!(e.message.contains("larger than 256 KiB"), "{}", e);
    }
}
