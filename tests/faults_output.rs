//! Fault suite: what forklab prints cannot be turned against the terminal or the shell that
//! reads it. Text from a lesson file reaches the terminal as text (no escape sequence of its
//! own runs), a reader that goes away ends the command quietly with its processes, and an
//! output file that cannot be written is named before anything starts.

mod common;
use common::tmux::Tmux;
use common::*;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A lesson whose every text field tries to drive the terminal: OSC 0 (set the window title,
/// ended by BEL), CSI 2 J (clear the screen), a carriage return (overwrite the line) and a C1
/// CSI (U+009B), which some terminals obey like ESC [.
const HOSTILE: &str = "+++
id = \"x\"
title = \"T\\u001b]0;pwned\\u0007\"
order = 1
summary = \"S\\u001b[2J\\r\\u009b31m\"
+++

Intro \u{1b}[2J here.

## One \u{1b}[31mred

Step text \u{1b}]0;pwned\u{7} and more.

<!-- notes -->
Notes \u{1b}[2J here.
";

/// No byte of a control sequence: no ESC, BEL or CR, and no C1 control (U+0080..U+009F).
fn assert_inert(what: &str, text: &str) {
    let bad: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n' && *c != '\t').collect();
    assert!(bad.is_empty(), "{what} printed control characters {bad:?}:\n{text:?}");
}

#[test]
fn lesson_text_reaches_the_terminal_as_text() {
    let dir = TempDir::new("hostile");
    std::fs::write(dir.0.join("x.md"), HOSTILE).unwrap();
    let tag = new_tag();
    let (status, stdout, stderr) = run(&tag, &["--lessons", dir.path(), "list"]);
    assert!(status.success(), "{stderr}");
    assert_inert("list", &stdout);
    // Escaped, not dropped: the reader sees what the file holds.
    assert!(stdout.contains(r"T\u{1b}]0;pwned\u{7}"), "{stdout}");
    assert!(stdout.contains(r"S\u{1b}[2J\u{d}\u{9b}31m"), "{stdout}");

    let (status, stdout, stderr) = run(&tag, &["--lessons", dir.path(), "play", "x"]);
    assert!(status.success(), "{stderr}");
    assert_inert("play", &stdout);
    for want in [r"T\u{1b}]0;pwned\u{7}", r"Intro \u{1b}[2J here", r"One \u{1b}[31mred", r"Step text \u{1b}]0;"] {
        assert!(stdout.contains(want), "no `{want}` in {stdout}");
    }

    // An error that quotes what it was given.
    let (status, _, stderr) = run(&tag, &["--lessons", dir.path(), "play", "\u{1b}]0;pwned\u{7}"]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_inert("an error", &stderr);
    assert!(stderr.contains(r"\u{1b}]0;pwned"), "{stderr}");

    // The speaker notes (a second terminal's whole screen).
    let mut notes = forklab(&tag)
        .args(["--lessons", dir.path(), "notes", "x"])
        .env("XDG_RUNTIME_DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = notes.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&text).contains("in another terminal") {
                break;
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    });
    let text = reader.join().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(notes.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    notes.wait().unwrap();
    assert!(text.contains(r"T\u{1b}]0;pwned"), "{text}");
    assert_inert("notes", &text);
    assert_none_left(&tag, Duration::from_secs(2));
}

/// A pipe whose reading end is already closed: the first write gets EPIPE.
fn closed_pipe() -> OwnedFd {
    let (read, write) = nix::unistd::pipe().unwrap();
    drop(read);
    write
}

/// `forklab serve | head -1`, without the race: the reader is gone before the first line.
#[test]
fn a_reader_that_goes_away_ends_serve_quietly_with_its_pool() {
    for args in [&["serve", "--port", "0"][..], &["serve", "--port", "0", "--json"], &["list"]] {
        let tag = new_tag();
        let started = Instant::now();
        let out = forklab(&tag).args(args).stdout(closed_pipe()).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: 128 + SIGPIPE, as a shell reports it; {stderr}");
        assert!(stderr.is_empty(), "{args:?}: not quiet: {stderr}");
        assert!(started.elapsed() < DEADLINE, "{args:?}");
        assert_none_left(&tag, Duration::from_secs(2));
    }
}

/// `forklab play LESSON | head -1`: the run stops at the first write that finds the reader
/// gone and ends as `serve` does, with 141 and its lab stopped. It ran the rest of the lesson
/// for no one and exited 0 (or 1 if an expect failed), as if it had been read.
#[test]
fn a_reader_that_goes_away_ends_play_with_141() {
    for args in [&["play", "fork"][..], &["play", "fork", "--json"]] {
        let tag = new_tag();
        let out = forklab(&tag).args(args).stdout(closed_pipe()).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: 128 + SIGPIPE, as a shell reports it; {stderr}");
        assert_none_left(&tag, Duration::from_secs(2));
    }
}

#[test]
fn a_screenshot_too_large_to_allocate_is_refused_by_its_bound() {
    let dir = TempDir::new("bigshot");
    let out_file = dir.0.join("x.svg");
    let tag = new_tag();
    let (status, _, stderr) =
        run(&tag, &["shot", "fork", "--step", "0", "--out", out_file.to_str().unwrap(), "--size", "65535x65535"]);
    assert_eq!(status.code(), Some(2), "a usage error, not an abort: {stderr}");
    assert!(stderr.contains("65535x65535 is above the largest frame, 1000x1000"), "{stderr}");
    assert!(!out_file.exists());
    assert_none_left(&tag, Duration::from_secs(2));
}

/// `--record /dev/full`: the recording cannot be written, and that is said first, with the
/// file's name, not after the lesson.
#[test]
fn a_recording_that_cannot_be_written_is_named_before_the_lesson_starts() {
    let tag = new_tag();
    let t = Tmux::start(&tag, 100, 30, &format!("{BIN} open fork --record /dev/full"));
    let s = t.wait_for("forklab to exit", Duration::from_secs(30), |s| s.contains("FORKLAB-EXITED"));
    assert!(s.contains("rc=1"), "{s}");
    assert!(s.contains("/dev/full") && s.contains("No space left on device"), "{s}");
    assert!(!common::tmux::intro_drawn(&s), "the lesson started:\n{s}");
    assert!(!t.alternate_on());
    assert_none_left(&tag, Duration::from_secs(2));
}

/// `forklab serve | head -1` as it happens: the reader takes the first line and goes while
/// serve is idle, with nothing more to write. serve notices all the same and ends.
#[test]
fn serve_notices_an_idle_reader_going_away() {
    use std::io::BufRead;
    let tag = new_tag();
    let mut child = forklab(&tag).args(["serve", "--port", "0"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // Past the banner: the pool is up and serve has nothing more to say until a request.
    assert!(lines.any(|l| l.is_ok_and(|l| l.starts_with("forklab serve:"))));
    drop(lines);
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("serve went on after its reader had gone");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(141));
    assert_none_left(&tag, Duration::from_secs(2));
}

/// `watch` prints what other processes call themselves: a process named `ESC [ 2 J srv` (its
/// comm is its program's file name) is shown as text.
#[test]
fn watch_shows_a_process_name_as_text() {
    use std::io::BufRead;
    let dir = TempDir::new("comm");
    let link = dir.0.join("\u{1b}[2Jsrv");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    let tag = new_tag();
    let mut serve = std::process::Command::new(&link)
        .args(["serve", "--port", "0", "--json", "--workers", "1"])
        .env("FORKLAB_TEST_TAG", &tag)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(serve.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.contains("\"pool_ready\""))));
    let (status, stdout, stderr) = run(&tag, &["watch", "--pid", &serve.id().to_string(), "--once"]);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(serve.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    serve.wait().unwrap();
    assert!(status.success(), "{stderr}");
    assert_inert("watch", &stdout);
    assert!(stdout.contains(r"\u{1b}[2Jsrv"), "{stdout}");
    assert_none_left(&tag, Duration::from_secs(2));
}
