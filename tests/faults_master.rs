//! Fault suite: the master dies in the middle of a lesson (SIGKILL from outside). The lesson
//! screen says that the lab ended and how to start a fresh one, offers no `curl` line for the
//! dead port, and `r` starts a new master that runs the steps before this one again; nothing
//! is left after `q`. A worker measuring a cost for as long as the machine makes it take is
//! not taken for hung.

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

/// A cost measurement runs on the worker's loop thread, which answers no heartbeat until it is
/// done: on a loaded machine, or under strace, that is seconds. W1 is stopped in the middle of
/// one for longer than the master's hang limit (2.5 s): the master waits, kills nothing, and the
/// figures arrive. (The master once killed it as hung, and `play cost` ended in an error.)
#[test]
fn a_worker_measuring_a_cost_is_not_taken_for_hung_however_long_it_takes() {
    let tag = new_tag();
    let mut w1 = None;
    let out = play_one_step(&tag, "cost thread rounds=20000", "cost thread.rounds == 20000", |ev| {
        if ev["event"] == "spawned" && ev["alias"] == "W1" {
            w1 = ev["pid"].as_i64().map(|p| nix::unistd::Pid::from_raw(p as i32));
        }
        if ev["event"] == "message" && ev["to"] == "W1" && ev["what"] == "cost" {
            let w1 = w1.expect("W1 spawned before it was told to measure");
            nix::sys::signal::kill(w1, Signal::SIGSTOP).unwrap();
            std::thread::sleep(Duration::from_millis(3500));
            // Gone (ESRCH) if the master killed it: the events below say so.
            let _ = nix::sys::signal::kill(w1, Signal::SIGCONT);
        }
    });
    assert!(!out.contains("\"event\":\"hung\""), "{out}");
    assert!(out.contains("\"event\":\"cost\""), "{out}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The master measures some costs itself, on its loop: under load that blocks it for seconds,
/// during which it asks its workers nothing. Here it is stopped in the middle of one for longer
/// than the hang limit: its workers were not silent for that, none is taken for hung, and the
/// figures arrive. (It once killed them all as hung after `cost pipe-procs` under strace.)
#[test]
fn a_master_busy_measuring_does_not_take_its_workers_for_hung() {
    let tag = new_tag();
    let mut master = None;
    let children = |pid: i32| std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let out = play_one_step(&tag, "cost pipe-procs rounds=100000", "cost pipe-procs.rounds == 100000", |ev| {
        if ev["event"] == "spawned" && ev["alias"] == "W1" {
            master = ev["ppid"].as_i64().map(|p| p as i32);
        }
        if ev["event"] == "directive" && ev["text"].as_str().is_some_and(|t| t.starts_with("do: cost")) {
            // Its partner in the ping-pong, beside W1: the master is measuring.
            let m = master.expect("W1 spawned before the measurement");
            let deadline = Instant::now() + DEADLINE;
            while children(m).split_whitespace().count() < 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            let m = nix::unistd::Pid::from_raw(m);
            nix::sys::signal::kill(m, Signal::SIGSTOP).unwrap();
            std::thread::sleep(Duration::from_millis(3500));
            nix::sys::signal::kill(m, Signal::SIGCONT).unwrap();
        }
    });
    assert!(!out.contains("\"event\":\"hung\""), "{out}");
    assert_none_left(&tag, Duration::from_secs(2));
}

/// `play --json` of a lesson of one step, one pool of one worker, that does `what` and
/// expects `expect`; `on_event` sees each event as it comes (and may stop processes meanwhile).
/// Returns every line printed, after checking that the play passed.
fn play_one_step(tag: &str, what: &str, expect: &str, mut on_event: impl FnMut(&serde_json::Value)) -> String {
    use std::io::BufRead;
    let dir = TempDir::new("one-step-lesson");
    let lesson = format!(
        "+++\nid = \"s\"\ntitle = \"S\"\norder = 1\nsummary = \"s\"\n+++\n\n## Step\nMeasure.\n\
         <!-- do: spawn workers=1 mode=shared -->\n<!-- do: {what} -->\n<!-- expect: {expect} -->\n"
    );
    std::fs::write(dir.0.join("s.md"), lesson).unwrap();
    let mut child = forklab(tag)
        .args(["--lessons", dir.path(), "play", "s", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        on_event(&serde_json::from_str(&line).unwrap());
        out.push_str(&line);
        out.push('\n');
    }
    assert!(child.wait().unwrap().success(), "{out}");
    out
}
