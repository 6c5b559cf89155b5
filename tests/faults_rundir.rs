//! Fault suite: forklab's runtime dir. Everything forklab keeps at run time (the lesson
//! screens' current steps, the daemon lesson's pidfile) lives in its one private dir, each
//! screen has a file of its own, and a full filesystem is a clear error that leaves no empty
//! file behind.

mod common;
use common::tmux::Tmux;
use common::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The page `forklab notes <lesson>` shows first, with this runtime dir.
fn notes_page(tag: &str, runtime: &Path, lesson: &str) -> String {
    let mut notes =
        forklab(tag).args(["notes", lesson]).env("XDG_RUNTIME_DIR", runtime).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = notes.stdout.take().unwrap();
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    // A page ends with its last line: the waiting line, the picker, another lesson, or a step.
    let whole = |t: &str| {
        ["in another terminal\n", "lesson picker\n", "not started\n", "are for `"].iter().any(|end| t.contains(end))
    };
    while !whole(&String::from_utf8_lossy(&text)) {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
        }
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(notes.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    notes.wait().unwrap();
    String::from_utf8_lossy(&text).into_owned()
}

fn open(tag: &str, runtime: &Path, lesson: &str) -> Tmux {
    let t = Tmux::start(tag, 100, 30, &format!("XDG_RUNTIME_DIR={} {BIN} open {lesson}", runtime.display()));
    t.wait_for_intro(Duration::from_secs(30));
    t
}

fn quit(t: &Tmux) {
    t.keys(&["q"]);
    t.wait_for("the shell", Duration::from_secs(30), |s| s.contains("FORKLAB-EXITED rc=0"));
}

/// Two lesson screens on one runtime dir: `notes fork` follows the screen showing fork, even
/// when another screen moved last, and a screen that quits takes only its own file away.
#[test]
fn notes_follow_the_screen_of_their_lesson_among_two() {
    let dir = TempDir::new("two-screens");
    // A tag each: a tmux session each.
    let (tag, other) = (new_tag(), new_tag());
    let a = open(&tag, &dir.0, "fork");
    let b = open(&other, &dir.0, "accept");
    let page = notes_page(&tag, &dir.0, "fork");
    assert!(page.contains("intro: the lesson has not started"), "notes fork followed the other screen:\n{page}");
    quit(&b);
    let page = notes_page(&tag, &dir.0, "fork");
    assert!(page.contains("intro: the lesson has not started"), "the other screen's quit took fork's away:\n{page}");
    quit(&a);
    let page = notes_page(&tag, &dir.0, "fork");
    assert!(page.contains("waiting for the lesson screen"), "{page}");
    let left: Vec<_> = std::fs::read_dir(dir.0.join("forklab")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "the screens left {left:?}");
    assert_none_left(&tag, Duration::from_secs(2));
    assert_none_left(&other, Duration::from_secs(2));
}

/// The daemon lesson's pidfile lives in forklab's own runtime dir, beside the screens' files,
/// not in a sibling `forklab-<pid>` that a `forklab-<uid>` could be confused with.
#[test]
fn the_daemons_pidfile_is_inside_forklabs_runtime_dir() {
    for xdg in [true, false] {
        let dir = TempDir::new("pidfile-dir");
        let tag = new_tag();
        let mut c = forklab(&tag);
        c.args(["play", "daemon"]);
        if xdg {
            c.env("XDG_RUNTIME_DIR", &dir.0);
        } else {
            c.env_remove("XDG_RUNTIME_DIR").env("TMPDIR", &dir.0);
        }
        let out = c.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        let rundir = if xdg { dir.0.join("forklab") } else { dir.0.join(format!("forklab-{}", nix::unistd::getuid())) };
        let wrote = stdout.lines().find_map(|l| l.split_once("pidfile: wrote ").map(|(_, p)| p.trim().to_string()));
        let wrote = wrote.unwrap_or_else(|| panic!("no pidfile written: {stdout}"));
        assert!(Path::new(&wrote).starts_with(&rundir), "{wrote} is outside {}", rundir.display());
        let names: Vec<_> = std::fs::read_dir(&dir.0).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 1, "one dir of forklab's, no other: {names:?}");
        assert_none_left(&tag, Duration::from_secs(2));
    }
}

/// A full filesystem under the runtime dir (a 4 KiB tmpfs, filled, mounted in a mount
/// namespace of the test's own): the pidfile step fails naming the file, and no empty
/// `daemon.pid` is left.
#[test]
fn a_full_runtime_dir_is_a_clear_error_and_leaves_no_empty_pidfile() {
    let dir = TempDir::new("full");
    let tag = new_tag();
    let script = "mount -t tmpfs -o size=4k,mode=700 tmpfs \"$1\" || exit 99
        dd if=/dev/zero of=\"$1/fill\" bs=4k count=2 2>/dev/null
        XDG_RUNTIME_DIR=\"$1\" \"$0\" play daemon; echo \"rc=$?\"
        find \"$1\" -name daemon.pid -printf 'LEFTOVER %p\\n'";
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, BIN])
        .arg(&dir.0)
        .env("FORKLAB_TEST_TAG", &tag)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(99) || (!out.status.success() && stdout.is_empty()) {
        // No user namespaces here (a container that forbids them): nothing to mount on.
        eprintln!("skipped: cannot mount a tmpfs in a user namespace: {stderr}");
        return;
    }
    let pidfile = dir.0.join("forklab").join("daemon-");
    let line = stdout.lines().find(|l| l.contains("pidfile failed")).unwrap_or_else(|| panic!("{stdout}{stderr}"));
    assert!(line.contains(pidfile.to_str().unwrap()), "the error names no path: {line}");
    assert!(line.contains("daemon.pid") && line.contains("No space left on device"), "{line}");
    assert!(stdout.contains("rc=1"), "the pidfile expectation fails: {stdout}");
    assert!(!stdout.contains("LEFTOVER "), "an empty pidfile was left: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}
