//! Fault suite: a long directive does not hold forklab. A quit signal in the middle of a fire
//! of 100,000 connections ends `play` and every process it started within 2 s (the lab's waits
//! watch the quit gate), and `q` in the middle of such a step brings the picker back at once
//! (the lesson screen closes its engine's abort gate) with the lab's processes gone.

mod common;
use common::tmux::Tmux;
use common::*;
use nix::sys::signal::Signal;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A lesson folder with one lesson, `long`, whose only step fires 100,000 connections.
fn long_lesson() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forklab-long-{}", new_tag()));
    std::fs::create_dir_all(&dir).unwrap();
    let lesson = "+++\nid = \"long\"\ntitle = \"Long\"\norder = 1\nsummary = \"s\"\n+++\n\nintro\n\n\
                  ## A long fire\ntext\n\n<!-- do: spawn workers=2 mode=shared -->\n\
                  <!-- do: fire 100000 concurrency=64 -->\n<!-- expect: accounted -->\n";
    std::fs::write(dir.join("long.md"), lesson).unwrap();
    dir
}

/// The load client is running: the directive that takes long has begun.
fn client_running(tag: &str) -> bool {
    tagged(tag).iter().any(|(_, n)| n == "forklab-client")
}

fn wait_until(what: &str, pred: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !pred() {
        assert!(Instant::now() < deadline, "never saw {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_quit_signal_mid_fire_ends_play_and_its_processes_within_2s() {
    let dir = long_lesson();
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        let tag = new_tag();
        let mut child = forklab(&tag)
            .args(["--lessons", dir.to_str().unwrap(), "play", "long"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(lines.any(|l| l.is_ok_and(|l| l.contains("> do: fire"))), "the fire never started");
        wait_until("the load client", || client_running(&tag));
        // Let the fire run a little: the signal lands in the middle of it.
        std::thread::sleep(Duration::from_millis(300));
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
        let sent = Instant::now();
        assert_none_left(&tag, Duration::from_secs(2));
        let status = child.wait().unwrap();
        assert!(sent.elapsed() < Duration::from_secs(3), "{sig}: took {:?}", sent.elapsed());
        assert!(!status.success(), "{sig}: play exited 0 in the middle of its fire");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains(&format!("stopped by {}", sig.as_str())), "{sig}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn q_mid_step_brings_the_picker_back_at_once_and_ends_the_lab() {
    let dir = long_lesson();
    let tag = new_tag();
    let cmd = format!("{BIN} --lessons {} ; echo FORKLAB-RC=$?", dir.display());
    let t = Tmux::start(&tag, 100, 30, &cmd);
    t.wait_for("the picker", SCREEN_WAIT, |s| s.contains("A long fire") || s.contains("Long"));
    t.keys(&["Enter"]);
    t.wait_for_intro(SCREEN_WAIT);
    t.keys(&["Right"]);
    wait_until("the load client", || client_running(&tag));
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["q"]);
    let pressed = Instant::now();
    // Back on the picker, its lessons listed, and nothing of the lab left.
    t.wait_for("the picker again", Duration::from_secs(3), |s| s.contains("Long") && !s.contains("running"));
    assert_none_left_but_app(&tag, Duration::from_secs(2));
    assert!(pressed.elapsed() < Duration::from_secs(3), "took {:?}", pressed.elapsed());
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-RC=0"));
    assert_none_left(&tag, Duration::from_secs(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every process of the tag but the app itself (the picker is still open) is gone in time.
fn assert_none_left_but_app(tag: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let left: Vec<_> = tagged(tag).into_iter().filter(|(_, n)| n != "forklab").collect();
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "lab processes left after {within:?}: {left:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const SCREEN_WAIT: Duration = Duration::from_secs(30);

/// The workers' accepts reach the screen while a long fire runs, not when it ends: `play
/// --json` prints an `accepted` event while the load client is still running.
#[test]
fn accepts_are_reported_while_a_fire_runs() {
    let dir = long_lesson();
    let tag = new_tag();
    let mut child = forklab(&tag)
        .args(["--lessons", dir.to_str().unwrap(), "play", "long", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.contains("\"do: fire"))), "the fire never started");
    let accepted = lines.any(|l| l.is_ok_and(|l| l.contains("\"event\":\"accepted\"")));
    assert!(accepted, "no accepted event");
    assert!(client_running(&tag), "the first accept was reported only after the load client had ended");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert_none_left(&tag, Duration::from_secs(2));
    let _ = child.wait();
    std::fs::remove_dir_all(&dir).unwrap();
}
