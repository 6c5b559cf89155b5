//! Fault suite: the master dies in the middle of a lesson (SIGKILL from outside). The lesson
//! screen says that the lab ended and how to start a fresh one, offers no `curl` line for the
//! dead port, and `r` starts a new master that runs the steps before this one again; nothing
//! is left after `q`.

mod common;
use common::tmux::Tmux;
use common::*;
use nix::sys::signal::Signal;
use std::time::{Duration, Instant};

const SCREEN_WAIT: Duration = Duration::from_secs(30);

fn pid_of(tag: &str, name: &str) -> Option<i32> {
    tagged(tag).into_iter().find(|(_, n)| n == name).map(|(p, _)| p)
}

fn wait_pid(tag: &str, name: &str, not: Option<i32>) -> i32 {
    let deadline = Instant::now() + SCREEN_WAIT;
    loop {
        if let Some(p) = pid_of(tag, name).filter(|p| Some(*p) != not) {
            return p;
        }
        assert!(Instant::now() < deadline, "no {name} (other than {not:?})");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_killed_master_is_said_and_r_starts_a_fresh_lab_at_this_step() {
    let tag = new_tag();
    let t = Tmux::start(&tag, 100, 30, &format!("{BIN} open fork; echo FORKLAB-RC=$?"));
    t.wait_for_intro(SCREEN_WAIT);
    t.keys(&["Right"]);
    // A step with a question shows its card first: → again runs it without a guess.
    let card = t.wait_for("the step or its question", SCREEN_WAIT, |s| s.contains("predict") || s.contains("running"));
    if card.contains("predict") {
        t.keys(&["Right"]);
    }
    let master = wait_pid(&tag, "forklab-master", None);
    wait_pid(&tag, "forklab-worker", None);
    t.wait_for("the step's curl line", SCREEN_WAIT, |s| s.contains("curl -si http://127.0.0.1:"));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(master), Signal::SIGKILL).unwrap();
    let screen = t.wait_for("the lab ended", SCREEN_WAIT, |s| s.contains("the lab ended"));
    assert!(screen.contains("fresh"), "no way to restart shown:\n{screen}");
    assert!(!screen.contains("curl -si"), "a curl line for a dead lab:\n{screen}");
    // The workers of the dead master do not outlive it either (PR_SET_PDEATHSIG, channel EOF).
    let deadline = Instant::now() + Duration::from_secs(2);
    while pid_of(&tag, "forklab-worker").is_some() {
        assert!(Instant::now() < deadline, "workers outlived their master");
        std::thread::sleep(Duration::from_millis(20));
    }
    t.keys(&["r"]);
    let fresh = wait_pid(&tag, "forklab-master", Some(master));
    assert_ne!(fresh, master);
    wait_pid(&tag, "forklab-worker", None);
    t.wait_for("the fresh lab's curl line", SCREEN_WAIT, |s| s.contains("curl -si http://127.0.0.1:"));
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-RC=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}
