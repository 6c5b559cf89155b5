//! Fault suite: job control. The lesson screen stopped by Ctrl-Z or by `kill -TSTP` gives the
//! shell its terminal back while stopped (main screen, `icanon` and `echo` on), and after
//! `fg` takes it again: raw mode (a single key acts, no Enter needed) on the alternate screen,
//! drawn whole.

mod common;
use common::tmux::Tmux;
use common::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// The shell's side, in a shell with job control (`set -m`, so the lesson screen is a job of
/// its own in the foreground): after each stop it prints the terminal's modes, waits for a
/// line (which only a cooked terminal delivers), and continues the job with `fg`.
fn start(tag: &str) -> Tmux {
    let after_stop = |n: u32| {
        format!(
            "rc=$?; echo; echo \"STOPPED{n} rc=$rc modes:$(stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon -e echo -e -echo | tr \"\\n\" \" \")\"; read -r line; echo \"READ $line\""
        )
    };
    // Written out, not a loop: a job stopped inside a loop ends the loop (bash).
    Tmux::start(tag, 100, 30, &format!("set -m; {BIN} open fork; {}; fg; {}; fg", after_stop(1), after_stop(2)))
}

fn stopped(t: &Tmux, n: u32) {
    let s = t.wait_for(&format!("stop {n}"), WAIT, |s| s.contains(&format!("STOPPED{n} rc=")));
    assert!(s.contains(&format!("STOPPED{n} rc=148 modes:icanon echo")), "stop {n}: not a cooked terminal:\n{s}");
    assert!(!t.alternate_on(), "stop {n}: still on the alternate screen");
    // A whole line reaches the shell: the terminal is cooked (checked on the main screen
    // once forklab has ended: `fg` follows the line at once).
    t.keys(&[&format!("typed{n}"), "Enter"]);
}

fn continued(t: &Tmux, n: u32) {
    t.wait_for(&format!("the lesson screen after fg {n}"), WAIT, |s| s.contains("forklab · fork"));
    assert!(t.alternate_on(), "fg {n}: not on the alternate screen");
}

#[test]
fn ctrl_z_and_tstp_give_the_terminal_back_and_fg_takes_it_again() {
    let tag = new_tag();
    let t = start(&tag);
    t.wait_for_intro(WAIT);
    // Ctrl-Z, as a person would.
    t.keys(&["C-z"]);
    stopped(&t, 1);
    continued(&t, 1);
    // Raw mode again: one key, no Enter, runs the first step (it asks a question first).
    t.keys(&["Right"]);
    t.wait_for("step 1's question", WAIT, |s| s.contains("predict with a–"));
    // SIGTSTP from outside, as `kill -TSTP` would.
    let app = tagged(&tag).into_iter().find(|(_, n)| n == "forklab").expect("the app").0;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(app), nix::sys::signal::Signal::SIGTSTP).unwrap();
    stopped(&t, 2);
    continued(&t, 2);
    // Drawn whole after the stop: the question is back on the new screen.
    t.wait_for("step 1's question, redrawn", WAIT, |s| s.contains("predict with a–"));
    t.keys(&["q"]);
    let s = t.wait_for("the shell", WAIT, |s| s.contains("FORKLAB-EXITED"));
    assert!(s.contains("FORKLAB-EXITED rc=0"), "{s}");
    assert!(s.contains("READ typed1") && s.contains("READ typed2"), "{s}");
    assert!(!t.alternate_on());
    assert_none_left(&tag, Duration::from_secs(2));
}
