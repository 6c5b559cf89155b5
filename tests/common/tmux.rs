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

    pub fn kill(&self) {
        let _ = self.tmux().args(["kill-session", "-t", &self.name]).status();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}
