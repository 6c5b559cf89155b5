//! The interface's words come from the catalogue (`locales/en.ftl`, `locales/zh.ftl`):
//! every key the code asks for exists in it (a missing key would show as its id), and no file
//! under src/ holds an English sentence of its own that would reach a user untranslated, but
//! for the short lists below (a file with no user-facing text, or known debt, each with why)
//! and NOT_WORDS (literals that are no sentence). Test code is not read. (The unit tests of
//! `src/i18n` check that en and zh have the same keys.)
//!
//! Read as text, like tests/layout.rs reads it (tests/common/sources.rs walks src/ for both).

mod common;
use common::sources::{SourceFile, root, rust_sources};
use std::collections::BTreeSet;

/// Files under src/ that hold no text a user reads, each with why. Every other file's English
/// sentences must come from the catalogue. (`#[cfg(test)]` code, and files compiled only for
/// tests, are not read.)
const NO_USER_TEXT: &[(&str, &str)] = &[
    ("src/lesson/print.rs", "prints directives as a lesson writes them (`do: fire 200`), the same in every language"),
    (
        "src/proto/mode.rs",
        "its FromStr errors are never shown: bench and the lesson grammar word them from the catalogue",
    ),
    ("src/sys/probe.rs", "the fault tests' deliberate panic (FORKLAB_PANIC_AT), never set by a user"),
];

/// Files whose English still reaches a user untranslated, each with why: known debt, listed so
/// that no new file joins it silently. The roles (what the master, workers, daemon and load
/// client run) speak the language the app starts them with (`--lang`), from the catalogue.
const NOT_YET_TRANSLATED: &[(&str, &str)] = &[(
    "src/roles/worker/http.rs",
    "the workers' HTTP reply bodies (read by curl, in English like HTTP's reason phrases)",
)];

/// Literals that are no sentence: key names, a command line, markers, invariants' messages.
const NOT_WORDS: &[&str] = &[
    "Up Down",
    "PgUp PgDn",
    "RSS MiB",
    "Tab  Shift-Tab",
    "  curl -si http://127.0.0.1:{p}/ ",
    "(no reveal)",
    "one line at least",
    // An internal invariant's panic message (a struct of strings and numbers always serializes).
    "client args serialize",
    "channel messages always serialize",
    "1024 is a valid backlog",
    // StdoutClosed's text: main ends quietly (exit 141) and never shows it.
    "stdout was closed",
    // The marker name_errnos looks for in an OS error's text.
    "(os error ",
    // What the Node programs say on their logs, matched as sent; the notes lessons send workers.
    ": from the top, pid {pid} ",
    "hello, every worker",
    "hello {to}, this is {from}",
    // Directive syntax, quoted as a lesson writes it (grammar.rs's usages and expect words; the
    // words joining a usage's forms are translated when it is shown).
    "accounted, same-inode, `same-listener TARGET TARGET`, rolled, lost-only-held, sticky, handle-arrived, scm-rights, all-cores-busy, pidfile, `hung|gave-up|survived TARGET`, `served TARGET OP N`, `cost WHAT.FIGURE OP N`, `not CONDITION`",
    "`send ping TARGET`, `send broadcast`, `send TARGET to TARGET` or `send handle TARGET`",
    "`daemon STEP` with STEP one of fork, setsid, fork-again, umask, chdir, close-fds, stdio, pidfile, stop",
    "`cost WHAT [rounds=N]` with WHAT one of fork, thread, pipe-procs, pipe-threads, cow, rss",
    "`served TARGET OP NUMBER`",
    // Invariants' panic messages, not shown to a user.
    "checked by the caller",
    "found above",
    "pool just set",
    "pool checked above",
    // watch: socket kinds and states as ss(8) and /proc name them; an invariant's panic.
    "tcp LISTEN {}",
    "           fd {} unix {} socket:[{}], {peer}",
    "the snapshot's port has a listener",
    // strace: its -e trace= filter (syscall names), and the words of strace's own line it matches.
    "accept,accept4,recvmsg,sendmsg,socket,bind,listen,epoll_wait,epoll_pwait,clone,clone3,execve,wait4,kill,exit_group",
    "Operation not permitted",
    // cli/zh.rs: clap's English, matched to be said in Chinese (its usage line's title, a
    // range error's joint, the shapes of its tips).
    "Usage: ",
    " is not in ",
    "to pass ",
    "' exists",
    // Invariants' messages, never shown (a dispatch main does first; the catalogue's own ids).
    "the doctor and the hidden roles are dispatched in main",
    "a valid language id",
    // The `why` values of `--json` (proto's StopWhy): an interface, English in every language.
    "stopping the pool; a worker blocked in accept(2) reads no stop message",
    "stopping the pool; its channel did not take the stop message",
    // The fault suite's junk, written on a worker's channel to break its protocol.
    "\\xff{ this is not json",
    // serve: its lines start with the command's name.
    "forklab serve: {line}",
    "forklab serve: {}",
];

/// Names that stay as the kernel and /proc spell them, in every language.
const KERNEL_NAMES: &[&str] = &["pid", "ppid", "pgid", "sid", "tty", "umask", "cwd", "state", "threads"];

/// A file's code as the check reads it: `#[cfg(test)]` items and comment lines blanked (their
/// lines kept, so a literal's line number is the file's).
fn code(text: &str) -> String {
    let mut text: Vec<char> = text.chars().collect();
    let attr: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + attr.len() <= text.len() {
        if text[i..i + attr.len()] != attr[..] {
            i += 1;
            continue;
        }
        // The item runs to its first `;` before any brace, or to the brace that closes it.
        let mut j = i + attr.len();
        let mut depth = 0;
        while j < text.len() {
            match text[j] {
                ';' if depth == 0 => break,
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let end = j.min(text.len() - 1);
        for c in &mut text[i..=end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = j + 1;
    }
    let text: String = text.into_iter().collect();
    text.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n")
}

/// The string literals of `code` with their line numbers (plain `"…"` and raw `r#"…"#` ones,
/// escapes kept as written); a `//` comment's text is none.
fn literals(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    let (mut prev, mut line) = (' ', 1);
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if c == '/' && chars.peek() == Some(&'/') {
            for c in chars.by_ref() {
                if c == '\n' {
                    line += 1;
                    break;
                }
            }
            prev = ' ';
            continue;
        }
        // A raw string: r"…" or r#"…"#, ending at a quote followed by as many #.
        if c == 'r' && !prev.is_alphanumeric() && prev != '_' && matches!(chars.peek(), Some('"' | '#')) {
            let mut hashes = 0;
            while chars.peek() == Some(&'#') {
                chars.next();
                hashes += 1;
            }
            if chars.peek() != Some(&'"') {
                prev = '#';
                continue;
            }
            chars.next();
            let (start, mut s) = (line, String::new());
            while let Some(c) = chars.next() {
                if c == '\n' {
                    line += 1;
                }
                if c == '"' {
                    let mut n = 0;
                    while n < hashes && chars.peek() == Some(&'#') {
                        chars.next();
                        n += 1;
                    }
                    if n == hashes {
                        break;
                    }
                    s.push('"');
                    s.extend(std::iter::repeat_n('#', n));
                    continue;
                }
                s.push(c);
            }
            out.push((start, s));
            prev = '"';
            continue;
        }
        // A char literal '"' is no string.
        if c == '"' && prev != '\'' {
            let (start, mut s) = (line, String::new());
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        s.push(c);
                        if let Some(n) = chars.next() {
                            if n == '\n' {
                                line += 1;
                            }
                            s.push(n);
                        }
                    }
                    '"' => break,
                    _ => {
                        if c == '\n' {
                            line += 1;
                        }
                        s.push(c)
                    }
                }
            }
            out.push((start, s));
            prev = '"';
        } else {
            prev = c;
        }
    }
    out
}

/// Two words of Latin letters in a row (a `{placeholder}` between them does not part them):
/// an English phrase, not a key name or a format.
fn is_english(s: &str) -> bool {
    let mut run = 0;
    for w in s.split([' ', ',', ':', ';', '(', ')']) {
        if w.is_empty() || (w.starts_with('{') && w.ends_with('}')) {
            continue;
        }
        if KERNEL_NAMES.contains(&w) {
            continue;
        }
        if w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic()) {
            run += 1;
            if run >= 2 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

fn catalogue_keys(file: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("locales").join(file)).unwrap();
    text.lines()
        .filter(|l| !l.starts_with([' ', '#', '\t']))
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
        .collect()
}

#[test]
fn every_key_the_code_asks_for_is_in_the_catalogue() {
    let keys = catalogue_keys("en.ftl");
    assert!(keys.len() > 50, "the catalogue has its keys: {}", keys.len());
    let mut missing = Vec::new();
    // The catalogue's own module defines `tr!`; its docs show it with a placeholder key.
    for SourceFile { path, text, .. } in rust_sources().into_iter().filter(|s| !s.rel.starts_with("src/i18n")) {
        for (i, _) in text.match_indices("tr!(\"") {
            let rest = &text[i + 5..];
            let key = &rest[..rest.find('"').unwrap()];
            if !keys.contains(key) {
                missing.push(format!("{}: tr!(\"{key}\")", path.display()));
            }
        }
        // Keys chosen from a table and passed to `tr!` as a variable (the key bars).
        for (_, lit) in literals(&text) {
            if lit.starts_with("key-")
                && lit.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && !keys.contains(&lit)
            {
                missing.push(format!("{}: \"{lit}\"", path.display()));
            }
        }
    }
    assert!(missing.is_empty(), "keys with no entry in locales/en.ftl:\n{}", missing.join("\n"));
}

/// The English sentences of the files under src/ that are not listed above, as
/// `file:line: "literal"`.
fn english_outside_the_catalogue() -> Vec<String> {
    let listed: Vec<&str> = NO_USER_TEXT.iter().chain(NOT_YET_TRANSLATED).map(|(f, _)| *f).collect();
    let mut found = Vec::new();
    for file in rust_sources().iter().filter(|s| !s.test_only && !listed.contains(&s.rel.as_str())) {
        for (line, lit) in literals(&code(&file.text)) {
            if is_english(&lit) && !NOT_WORDS.contains(&lit.as_str()) {
                found.push(format!("{}:{line}: \"{lit}\"", file.rel));
            }
        }
    }
    found
}

#[test]
fn no_file_under_src_holds_an_english_sentence_of_its_own() {
    let found = english_outside_the_catalogue();
    assert!(
        found.is_empty(),
        "English text outside the catalogue; add it to locales/en.ftl and zh.ftl and use tr!:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_listed_files_exist_and_the_untranslated_still_need_their_place() {
    let sources = rust_sources();
    for (file, why) in NO_USER_TEXT.iter().chain(NOT_YET_TRANSLATED) {
        assert!(!why.is_empty());
        let s = sources.iter().find(|s| s.rel == *file).unwrap_or_else(|| panic!("{file} is listed but gone"));
        // A listed file that has no English left should leave the list.
        let english = literals(&code(&s.text)).iter().any(|(_, l)| is_english(l) && !NOT_WORDS.contains(&l.as_str()));
        assert!(english, "{file} holds no English sentence any more: take it off the list");
    }
}

#[test]
fn the_check_sees_an_english_sentence() {
    assert!(is_english("no events yet"));
    assert!(is_english("step {n} failed: {e}"));
    assert!(!is_english("PID"));
    assert!(!is_english("{alias} pid {pid} ppid {}"));
    assert!(!is_english("{} · {}"));
    let lits = |code: &str| literals(code).into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    assert_eq!(lits(r#"let a = "one two"; let b = '"'; f("x \" y")"#), ["one two", r#"x \" y"#]);
    assert_eq!(lits("a(); // \"no literal here\"\nb(r#\"raw \"q\" s\"#, \"x\")"), ["raw \"q\" s", "x"]);
    assert_eq!(literals("\n\nf(\"a b\");")[0], (3, "a b".to_string()));
    // Test code is not read, and its lines still count.
    let c = code("fn a() {}\n#[cfg(test)]\nfn t() {\n    x(\"in a test\");\n}\nfn b() { y(\"kept here\") }");
    assert_eq!(literals(&c), [(6, "kept here".to_string())]);
}
