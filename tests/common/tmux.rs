//! Driving the whole app in tmux, as a person would: type keys, read the screen.

#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// One tmux session of its own (its own server socket, so tests never see each other's).
pub struct Tmux {
    pub name: String,
    socket: String,
}

impl Tmux {
    /// Start `cmd` (a shell command line) in a `cols`x`rows` session with `tag` in its env.
    pub fn start(tag: &str, cols: u16, rows: u16, cmd: &str) -> Tmux {
        let name = format!("forklab-{tag}");
        let socket = format!("forklab-test-{tag}");
        let t = Tmux { name, socket };
        let status = t
            .tmux()
            .args(["new-session", "-d", "-s", &t.name, "-x", &cols.to_string(), "-y", &rows.to_string()])
            // RUST_BACKTRACE=0: as in `forklab()`, a panic is timed, not its backtrace.
            .args(["-e", &format!("FORKLAB_TEST_TAG={tag}"), "-e", "TERM=xterm-256color", "-e", "RUST_BACKTRACE=0"])
            // English, as in `forklab()`, unless the command sets its own locale.
            .args(["-e", "LC_ALL=", "-e", "LC_MESSAGES=", "-e", "LANG=C.UTF-8"])
            .arg(format!("bash --norc --noprofile -c '{cmd}; rc=$?; echo; echo FORKLAB-EXITED rc=$rc; sleep 600'"))
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(status.success(), "tmux new-session failed");
        t
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = self.tmux().args(["send-keys", "-t", &self.name]).args(keys).status().unwrap();
        assert!(status.success());
    }

    pub fn screen(&self) -> String {
        let out = self.tmux().args(["capture-pane", "-p", "-t", &self.name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the pane is showing the alternate screen (a full-screen app).
    pub fn alternate_on(&self) -> bool {
        let out = self.tmux().args(["display-message", "-p", "-t", &self.name, "#{alternate_on}"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// The pid of the process running in the pane (bash -c, whose child is forklab).
    pub fn pane_pid(&self) -> i32 {
        let out = self.tmux().args(["display-message", "-p", "-t", &self.name, "#{pane_pid}"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    /// Wait until the screen satisfies `pred`; panic with the screen after `within`.
    pub fn wait_for(&self, what: &str, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() >= deadline {
                panic!("waited {within:?} for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until `intro_drawn`: the lesson screen is up on its intro. Returns the screen.
    pub fn wait_for_intro(&self, within: Duration) -> String {
        self.wait_for("the lesson screen on its intro", within, intro_drawn)
    }

    pub fn kill(&self) {
        let _ = self.tmux().args(["kill-session", "-t", &self.name]).status();
    }
}

/// The lesson screen is up on its intro, as `forklab open` (or Enter on the picker) first
/// draws it: the header (the screen's first row) names the lesson and the page `intro`, and
/// the key bar (its last row) offers `→  next`. Both rows are fixed: an intro longer than the
/// narration area cannot push them out of view, as it did the "press → to run the first step"
/// line under the intro's text, which tests waited for before.
///
/// What it means is what that line meant, and one thing more: the event loop has drawn the
/// lesson screen (so the terminal is raw on the alternate screen and the input thread takes
/// keys), the lab's engine was started before that first frame (`Effect::Open`), and no step
/// has run; and the lab has not ended (an ended lab's bar offers `r` for a fresh one). It does
/// not say the master is up: neither the bar nor the old line changes when it comes up, so a
/// test that needs the lab's processes waits for them.
pub fn intro_drawn(screen: &str) -> bool {
    let header = screen.lines().next().unwrap_or("");
    let bar = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    header.trim_start().starts_with("forklab · ")
        && header.split_whitespace().any(|w| w == "intro")
        && bar.trim_start().starts_with("→  next")
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}
