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
    t.wait_for_intro(SCREEN_WAIT);
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
    // Step 1 fired 200; fire more and watch the last fire's figures and the pool's total move.
    t.wait_for("step 1's connections", SCREEN_WAIT, |s| s.contains("last fire: 200 "));
    // The pool's total, in full or (narrower) what was fired.
    let total = |s: &str, n: u32| {
        s.contains(&format!("since the pool started: {n} · completed {n} "))
            || s.contains(&format!("{n} since the pool started"))
    };
    // 1, 2 and 3 fire 1, 10 and 100 at once; c fires as many as the last time again.
    t.keys(&["1"]);
    t.wait_for("one more connection", SCREEN_WAIT, |s| s.contains("last fire: 1 ") && total(s, 201));
    t.keys(&["2"]);
    t.wait_for("ten more connections", SCREEN_WAIT, |s| s.contains("last fire: 10 ") && total(s, 211));
    t.keys(&["3"]);
    t.wait_for("a hundred more", SCREEN_WAIT, |s| s.contains("last fire: 100 ") && total(s, 311));
    t.keys(&["c"]);
    t.wait_for("a hundred again", SCREEN_WAIT, |s| s.contains("last fire: 100 ") && total(s, 411));
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

/// The directives of the lesson file's last step, as the transcript prints them (`> do: ...`).
fn last_step_directives(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let last = text.rsplit("\n## ").next().unwrap();
    last.lines()
        .filter_map(|l| l.trim().strip_prefix("<!-- ")?.strip_suffix(" -->").map(str::to_string))
        .filter(|d| d.starts_with("do: "))
        .map(|d| format!("> {d}"))
        .collect()
}

/// At 80x24, run every step of accept, then page through the last step's narration area:
/// every line of what it did comes on screen, the herd table's rows included.
#[test]
fn at_80x24_paging_the_narration_area_finds_every_line_of_the_last_step() {
    const STEP_WAIT: Duration = Duration::from_secs(180);
    let tag = new_tag();
    let t = Tmux::start(&tag, 80, 24, &format!("{BIN} open accept"));
    t.wait_for_intro(SCREEN_WAIT);
    for step in 1..=6 {
        let at = format!("step {step}/6");
        t.keys(&["Right"]);
        let s = t.wait_for(&at, STEP_WAIT, |s| {
            s.lines().next().is_some_and(|l| l.contains(&at)) && (s.contains("predict with") || !s.contains("running"))
        });
        if s.contains("predict with") {
            // A question: run the step without a guess.
            t.keys(&["Right"]);
        }
        t.wait_for(&format!("{at} done"), STEP_WAIT, |s| !s.contains("running") && !s.contains("predict with"));
    }
    // The narration box: from its top border to its bottom one (the live panes below it change
    // on their own).
    let narration = |s: &str| -> String {
        let from = s.lines().skip_while(|l| !(l.starts_with("╭") && l.contains(" step "))).skip(1);
        from.take_while(|l| !l.starts_with('╰')).collect::<Vec<_>>().join("\n")
    };
    let mut seen = t.screen();
    for _ in 0..40 {
        let before = t.screen();
        if !before.contains("more below, PgDn") {
            break;
        }
        t.keys(&["PageDown"]);
        // Each page is read once it is drawn: on a loaded machine a fixed pause could read the
        // page before again, and the next key would then skip one.
        let page = t.wait_for("the next page", SCREEN_WAIT, |s| narration(s) != narration(&before));
        seen.push_str(&page);
    }
    assert!(!t.screen().contains("more below, PgDn"), "paging never reached the end:\n{}", t.screen());
    let directives = last_step_directives("lessons/accept.md");
    assert!(directives.iter().any(|d| d.contains("compare")), "{directives:?}");
    for d in &directives {
        assert!(seen.contains(d.as_str()), "{d:?} never on screen:\n{seen}");
        // Each compare's table: its header and a row for every mode it names.
        if let Some(modes) = d.split_whitespace().find_map(|w| w.strip_prefix("modes=")) {
            assert!(seen.contains("empty wakeups"), "no table header:\n{seen}");
            for mode in modes.split(',') {
                let row = seen.lines().any(|l| {
                    let w: Vec<&str> =
                        l.split(|c: char| c == '│' || c.is_whitespace()).filter(|w| !w.is_empty()).collect();
                    w.first() == Some(&mode) && w.get(1) == Some(&"200")
                });
                assert!(row, "no table row for {mode}:\n{seen}");
            }
        }
    }
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}

/// `s` on the lesson screen: strace -f on the lab's master and workers; firing shows the
/// workers' accept4 or epoll_wait in the syscalls pane, named by alias. Leaving ends strace
/// with the lab: nothing is left.
#[test]
fn s_shows_the_labs_syscalls_and_strace_ends_with_the_lab() {
    let tag = new_tag();
    let t = start(&tag);
    open_accept(&t);
    t.wait_for("step 1's connections", SCREEN_WAIT, |s| s.contains("last fire: 200 "));
    t.keys(&["s"]);
    t.wait_for("the syscalls pane", SCREEN_WAIT, |s| s.contains("syscalls · master") && s.contains("-f"));
    assert!(!straces(&tag).is_empty(), "no strace runs");
    t.keys(&["2"]);
    let s = t.wait_for("a worker's accept4 or epoll_wait", SCREEN_WAIT, |s| {
        s.lines().any(|l| l.contains(" W") && (l.contains("accept4(") || l.contains("epoll_wait(")))
    });
    assert!(!s.contains("not installed") && !s.contains("refused"), "{s}");
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));
    // strace is not a forklab process (`tagged` lists those): it is looked for by name.
    assert_eq!(straces(&tag), Vec::<i32>::new(), "strace outlived forklab");
}

/// Live strace processes carrying `tag` in their environment (forklab's children do).
fn straces(tag: &str) -> Vec<i32> {
    let needle = format!("FORKLAB_TEST_TAG={tag}");
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| comm(*pid) == "strace" && stat_fields(*pid).is_some_and(|f| f[0] != "Z"))
        .filter(|pid| {
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            env.split(|b| *b == 0).any(|v| v == needle.as_bytes())
        })
        .collect()
}

/// Where strace is not on PATH, `s` says so in one line, and what to do.
#[test]
fn s_without_strace_says_it_is_not_installed() {
    let tag = new_tag();
    // A PATH without strace: the lab itself runs from forklab's own binary.
    let t = Tmux::start(&tag, 100, 30, &format!("PATH=/nonexistent {BIN} open accept"));
    open_accept(&t);
    t.keys(&["s"]);
    t.wait_for("why not", SCREEN_WAIT, |s| s.contains("strace is not installed"));
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}

/// The terminal closed while strace traces the lab: strace ends with the rest.
#[test]
fn closing_the_terminal_while_tracing_leaves_no_strace() {
    let tag = new_tag();
    let t = start(&tag);
    open_accept(&t);
    t.keys(&["s"]);
    t.wait_for("the syscalls pane", SCREEN_WAIT, |s| s.contains("syscalls · master"));
    let deadline = std::time::Instant::now() + SCREEN_WAIT;
    while straces(&tag).is_empty() {
        assert!(std::time::Instant::now() < deadline, "strace never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.kill();
    assert_none_left(&tag, Duration::from_secs(2));
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !straces(&tag).is_empty() {
        assert!(std::time::Instant::now() < deadline, "strace outlived forklab: {:?}", straces(&tag));
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An intro longer than the narration area (at 100x30, about eight lines) pushes "press → to
/// run the first step", the line tests once waited for, off the screen: it never shows, and a
/// wait for it fails every test. `intro_drawn` reads the header and the key bar, fixed rows,
/// and sees the screen ready all the same; → then runs the first step.
#[test]
fn a_long_intro_hides_the_old_marker_but_not_intro_drawn() {
    let dir = TempDir::new("long-intro");
    let intro: String = (1..=30).map(|i| format!("Paragraph {i} of an intro that is far too long.\n\n")).collect();
    let lesson = format!(
        "+++\nid = \"longintro\"\ntitle = \"A long intro\"\norder = 1\nsummary = \"s\"\n+++\n\n{intro}\
         ## One worker\ntext\n\n<!-- do: spawn workers=1 mode=shared -->\n"
    );
    std::fs::write(dir.0.join("longintro.md"), lesson).unwrap();
    let tag = new_tag();
    let t = Tmux::start(&tag, 100, 30, &format!("{BIN} --lessons {} open longintro; echo FORKLAB-RC=$?", dir.path()));
    let s = t.wait_for_intro(SCREEN_WAIT);
    // The narration does not scroll by itself: the old marker is below its area, out of view.
    assert!(s.contains("Paragraph 1 of") && !s.contains("Paragraph 30 of"), "the intro fits after all:\n{s}");
    assert!(!s.contains("press → to run the first step"), "the old marker is on screen:\n{s}");
    t.keys(&["Right"]);
    t.wait_for("step 1 done, its worker on screen", SCREEN_WAIT, |s| {
        s.lines().next().is_some_and(|l| l.contains("step 1/1")) && rows(s).iter().any(|(a, ..)| a == "W1")
    });
    t.keys(&["q"]);
    t.wait_for("the shell", SCREEN_WAIT, |s| s.contains("FORKLAB-RC=0"));
    assert_none_left(&tag, Duration::from_secs(2));
}
