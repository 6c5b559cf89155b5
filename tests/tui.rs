//! The whole app in tmux: open the accept lesson, step until workers run, check that the PIDs
//! on screen are live workers of the master on screen, fire and watch the counts move, and
//! leave by each way a person or a terminal can end it.

mod common;
use common::tmux::Tmux;
use common::*;
use std::time::Duration;

const SCREEN_WAIT: Duration = Duration::from_secs(30);

/// (alias, pid, ppid) of each row of the processes pane that shows a worker or the master.
fn rows(screen: &str) -> Vec<(String, i32, i32)> {
    let mut out = Vec::new();
    for line in screen.lines() {
        // The processes pane is the first column of panes: cut at its right border.
        let words: Vec<&str> =
            line.split(|c: char| c.is_whitespace() || "│|├└─`>+".contains(c)).filter(|w| !w.is_empty()).collect();
        for (i, w) in words.iter().enumerate() {
            let is_alias = *w == "master" || (w.starts_with('W') && w[1..].parse::<u32>().is_ok());
            if !is_alias {
                continue;
            }
            if let (Some(pid), Some(ppid)) =
                (words.get(i + 1).and_then(|p| p.parse().ok()), words.get(i + 2).and_then(|p| p.parse().ok()))
            {
                out.push((w.to_string(), pid, ppid));
                break;
            }
        }
    }
    out
}

/// The nice value, field 19 of /proc/<pid>/stat.
fn nice_of(pid: i32) -> i32 {
    stat_fields(pid).unwrap()[16].parse().unwrap()
}

fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string()
}

fn ppid_of(pid: i32) -> i32 {
    stat_fields(pid).unwrap()[1].parse().unwrap()
}

/// Open accept and step once: four workers run. Returns the screen.
fn open_accept(t: &Tmux) -> String {
    t.wait_for("the intro", SCREEN_WAIT, |s| s.contains("intro") && s.contains("press → to run the first step"));
    t.keys(&["Right"]);
    t.wait_for("four workers on screen", SCREEN_WAIT, |s| {
        let r = rows(s);
        r.iter().any(|(a, ..)| a == "master") && (1..=4).all(|i| r.iter().any(|(a, ..)| *a == format!("W{i}")))
    })
}

fn start(tag: &str) -> Tmux {
    Tmux::start(tag, 100, 30, &format!("{BIN} open accept"))
}

#[test]
fn the_accept_lesson_shows_live_workers_counts_move_and_q_restores_the_shell() {
    let tag = new_tag();
    let t = start(&tag);
    let screen = open_accept(&t);
    let rows = rows(&screen);
    let (_, master, _) = rows.iter().find(|(a, ..)| a == "master").cloned().unwrap();
    assert_eq!(comm(master), "forklab-master");
    for (alias, pid, ppid) in rows.iter().filter(|(a, ..)| a.starts_with('W')) {
        assert_eq!(comm(*pid), "forklab-worker", "{alias} pid {pid} on screen is not a live worker");
        assert_eq!(*ppid, master, "{alias}'s PPID on screen is not the master on screen");
        assert_eq!(ppid_of(*pid), master, "{alias}'s PPID in /proc is not the master on screen");
        // The lab runs nicer than the screen, so a saturated machine still leaves it a core.
        assert_eq!(nice_of(*pid), nice_of(ppid_of(master)) + 10, "{alias}'s nice");
    }
    // Step 1 fired 200; fire 10 more and watch the totals and a worker's count move.
    t.wait_for("step 1's connections", SCREEN_WAIT, |s| s.contains("fired 200"));
    t.keys(&["c"]);
    t.wait_for("ten more connections", SCREEN_WAIT, |s| s.contains("fired 210") && s.contains("completed 210"));
    t.keys(&["q"]);
    let shell = t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert!(!t.alternate_on(), "still on the alternate screen");
    assert!(!shell.contains("processes"), "the lesson screen was left behind:\n{shell}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn closing_the_terminal_sighup_leaves_no_process() {
    let tag = new_tag();
    let t = start(&tag);
    open_accept(&t);
    assert!(!tagged(&tag).is_empty());
    t.kill();
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn sigterm_restores_the_terminal_and_leaves_no_process() {
    let tag = new_tag();
    let t = start(&tag);
    open_accept(&t);
    let app = tagged(&tag).into_iter().find(|(_, n)| n == "forklab").expect("the app is running").0;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(app), nix::sys::signal::Signal::SIGTERM).unwrap();
    // Cleanly, and the exit code says SIGTERM ended it (128 + 15).
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=143"));
    assert!(!t.alternate_on(), "still on the alternate screen after SIGTERM");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn ctrl_c_quits_cleanly_in_raw_mode() {
    let tag = new_tag();
    let t = start(&tag);
    open_accept(&t);
    t.keys(&["C-c"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert!(!t.alternate_on());
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn a_small_terminal_gets_a_clear_message() {
    let tag = new_tag();
    let t = Tmux::start(&tag, 60, 20, &format!("{BIN} open accept"));
    t.wait_for("the size message", SCREEN_WAIT, |s| s.contains("at least 80x24") && s.contains("60x20"));
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn without_a_tty_the_error_points_at_play() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["open", "accept"]);
    assert!(!status.success());
    assert!(stderr.contains("needs a terminal") && stderr.contains("forklab play"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn an_unknown_lesson_lists_the_real_ones() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["open", "nosuch"]);
    assert!(!status.success());
    assert!(stderr.contains("unknown lesson `nosuch`") && stderr.contains("accept"), "{stderr}");
}
