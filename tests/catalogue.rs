//! The interface's words come from the catalogue (`locales/en.ftl`, `locales/zh.ftl`):
//! every key the code asks for exists in it (a missing key would show as its id), and the files
//! that draw the lesson screen, the picker, `play`'s transcript, `notes`, `doctor`'s frame and
//! the lesson loader's errors hold no English sentence of their own that would reach a user
//! untranslated. (The unit tests of `src/i18n` check that en and zh have the same keys.)
//!
//! Read as text, like tests/layout.rs reads it.

use std::collections::BTreeSet;
use std::path::Path;

/// The files whose every user-facing sentence is in the catalogue.
const TRANSLATED: &[&str] = &[
    "src/main.rs",
    "src/cli.rs",
    "src/cli/zh.rs",
    "src/lab/words.rs",
    "src/lab/mod.rs",
    "src/lab/node.rs",
    "src/lesson/cost.rs",
    "src/lesson/load.rs",
    "src/lesson/lang.rs",
    "src/lesson/run/report.rs",
    "src/ui/mod.rs",
    "src/ui/shot.rs",
    "src/ui/record.rs",
    "src/ui/app/action.rs",
    "src/ui/app/keys.rs",
    "src/ui/app/lines.rs",
    "src/ui/app/mod.rs",
    "src/ui/app/step.rs",
    "src/ui/view/mod.rs",
    "src/ui/view/narration.rs",
    "src/ui/view/overlay.rs",
    "src/ui/view/pane.rs",
    "src/ui/view/processes.rs",
    "src/ui/view/cores.rs",
    "src/ui/view/connections.rs",
    "src/ui/view/events.rs",
    "src/ui/view/fds.rs",
    "src/ui/view/ipc.rs",
    "src/commands/list.rs",
    "src/commands/notes.rs",
    "src/lesson/doc.rs",
    "src/lesson/grammar.rs",
    "src/lesson/run/checks.rs",
    "src/lesson/run/mod.rs",
    "src/lesson/run/backlog.rs",
    "src/lesson/run/facts.rs",
    "src/lesson/run/idle.rs",
    "src/lesson/run/node.rs",
    "src/lesson/run/seen.rs",
    "src/lesson/run/shutdown.rs",
    "src/lesson/run/work.rs",
    "src/lesson/run/zombie.rs",
    "src/commands/watch.rs",
    "src/ui/watch/app.rs",
    "src/ui/watch/mod.rs",
    "src/ui/view/watch.rs",
    "src/ui/view/syscalls.rs",
    "src/lab/watch.rs",
    "src/lab/watchlive.rs",
    "src/lab/strace.rs",
    "src/lab/measure.rs",
    "src/commands/bench.rs",
    "src/commands/serve.rs",
    "src/commands/doctor.rs",
];

/// Literals in those files that are no sentence: key names, a command line, markers.
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
    // What the workers and the Node programs say on their channels and logs, matched as sent.
    "ack (accept on)",
    "ack (accept off)",
    "ack (on SIGTERM: ",
    "ack (on parent death",
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
    // An invariant's panic message, not shown to a user.
    "checked by the caller",
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
    // serve: its lines start with the command's name.
    "forklab serve: {line}",
    "forklab serve: {}",
];

/// Names that stay as the kernel and /proc spell them, in every language.
const KERNEL_NAMES: &[&str] = &["pid", "ppid", "pgid", "sid", "tty", "umask", "cwd", "state", "threads"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file's code without its `mod tests` tail and without comment lines.
fn code(path: &Path) -> String {
    let mut text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Some(i) = text.find("\n#[cfg(test)]\nmod tests {") {
        text.truncate(i);
    }
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The string literals of `code` (plain `"…"` ones, escapes kept as written).
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        // A char literal '"' is no string.
        if c == '"' && prev != '\'' {
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        s.push(c);
                        if let Some(n) = chars.next() {
                            s.push(n);
                        }
                    }
                    '"' => break,
                    _ => s.push(c),
                }
            }
            out.push(s);
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

fn all_sources() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn every_key_the_code_asks_for_is_in_the_catalogue() {
    let keys = catalogue_keys("en.ftl");
    assert!(keys.len() > 50, "the catalogue has its keys: {}", keys.len());
    let mut missing = Vec::new();
    // The catalogue's own module defines `tr!`; its docs show it with a placeholder key.
    for path in all_sources().into_iter().filter(|p| !p.starts_with(root().join("src/i18n"))) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices("tr!(\"") {
            let rest = &text[i + 5..];
            let key = &rest[..rest.find('"').unwrap()];
            if !keys.contains(key) {
                missing.push(format!("{}: tr!(\"{key}\")", path.display()));
            }
        }
        // Keys chosen from a table and passed to `tr!` as a variable (the key bars).
        for lit in literals(&text) {
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

#[test]
fn the_translated_files_hold_no_english_sentence_of_their_own() {
    let mut found = Vec::new();
    for file in TRANSLATED {
        for lit in literals(&code(&root().join(file))) {
            if is_english(&lit) && !NOT_WORDS.contains(&lit.as_str()) {
                found.push(format!("{file}: \"{lit}\""));
            }
        }
    }
    assert!(
        found.is_empty(),
        "English text outside the catalogue; add it to locales/en.ftl and zh.ftl and use tr!:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_english_sentence() {
    assert!(is_english("no events yet"));
    assert!(is_english("step {n} failed: {e}"));
    assert!(!is_english("PID"));
    assert!(!is_english("{alias} pid {pid} ppid {}"));
    assert!(!is_english("{} · {}"));
    assert_eq!(literals(r#"let a = "one two"; let b = '"'; f("x \" y")"#), ["one two", r#"x \" y"#]);
}
