//! Recorded demos and the classroom: a recording of `accept` that replays to its last step,
//! a screenshot that is a well-formed SVG, autoplay through every lesson, speaker notes that
//! follow the lesson screen.

mod common;
use common::tmux::Tmux;
use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forklab-present-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// (steps, titles) of a lesson, from `forklab play --json`'s step lines would need a run;
/// the lesson file is quicker to read.
fn step_titles(id: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{}/lessons/{id}.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    text.lines().filter_map(|l| l.strip_prefix("## ")).map(|t| t.trim().to_string()).collect()
}

#[test]
fn a_recording_of_accept_is_valid_asciicast_and_replays_to_its_last_step() {
    let tag = new_tag();
    let dir = scratch(&tag);
    let cast = dir.join("accept.cast");
    let t = Tmux::start(
        &tag,
        110,
        34,
        &format!("{BIN} open accept --autoplay 0.3 --size 100x30 --record {}", cast.display()),
    );
    t.wait_for("the recording to end", Duration::from_secs(120), |s| s.contains("FORKLAB-EXITED rc=0"));
    assert_none_left(&tag, Duration::from_secs(2));

    let text = std::fs::read_to_string(&cast).unwrap();
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], 100);
    assert_eq!(header["height"], 30);
    assert_eq!(header["title"], "forklab · accept");
    assert!(header["command"].as_str().unwrap().contains("open accept"), "{header}");
    let events: Vec<Value> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    let times: Vec<f64> = events.iter().map(|e| e[0].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "times go backwards: {times:?}");
    let markers: Vec<&str> = events.iter().filter(|e| e[1] == "m").map(|e| e[2].as_str().unwrap()).collect();
    let titles = step_titles("accept");
    assert_eq!(markers.len(), titles.len(), "{markers:?}");
    for (i, (m, title)) in markers.iter().zip(&titles).enumerate() {
        assert_eq!(*m, format!("step {}: {title}", i + 1));
    }

    // Replay: the output events, in order, into a terminal of the recorded size.
    let raw: String = events.iter().filter(|e| e[1] == "o").map(|e| e[2].as_str().unwrap()).collect();
    let replay = dir.join("replay.raw");
    std::fs::write(&replay, raw).unwrap();
    let r = Tmux::start(&format!("{tag}-replay"), 100, 30, &format!("cat {}", replay.display()));
    let last = titles.last().unwrap();
    let n = titles.len();
    r.wait_for("the last step in the replayed frame", Duration::from_secs(10), |s| {
        s.contains(last.as_str()) && s.contains(&format!("step {n}/{n}"))
    });
    drop(r);
    drop(t);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shot_is_a_well_formed_svg_with_the_pane_titles() {
    let tag = new_tag();
    let dir = scratch(&tag);
    let out = dir.join("accept.svg");
    let (status, _, stderr) =
        run(&tag, &["shot", "accept", "--step", "1", "--out", out.to_str().unwrap(), "--size", "100x30"]);
    assert!(status.success(), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let text: String = doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<Vec<_>>().join(" ");
    for title in ["processes", "connections", "events", "step 1/6", "Shared: every worker watches the one socket"] {
        assert!(text.contains(title), "`{title}` missing from the SVG's text");
    }
    // Real processes: the master and four workers were on screen with their pids.
    for w in ["W1", "W2", "W3", "W4", "master"] {
        assert!(text.contains(w), "{w} missing");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shot_of_a_step_the_lesson_lacks_is_refused() {
    let tag = new_tag();
    let (status, _, stderr) = run(&tag, &["shot", "fork", "--step", "99", "--out", "/dev/null"]);
    assert!(!status.success());
    assert!(stderr.contains("--step takes 0 (the intro) to"), "{stderr}");
    assert_none_left(&tag, Duration::from_secs(2));
}

#[test]
fn autoplay_reaches_the_last_step_of_every_lesson_and_q_leaves_nothing() {
    for id in lesson_ids() {
        let tag = new_tag();
        let titles = step_titles(&id);
        let n = titles.len();
        let t = Tmux::start(&tag, 100, 30, &format!("{BIN} open {id} --autoplay 0.2"));
        t.wait_for(&format!("{id}: the last step, finished"), Duration::from_secs(180), |s| {
            s.contains(&format!("step {n}/{n}")) && !s.contains("running…") && !s.contains("autoplay")
        });
        t.keys(&["q"]);
        let s = t.wait_for("forklab to exit", Duration::from_secs(20), |s| s.contains("FORKLAB-EXITED"));
        assert!(s.contains("rc=0"), "{id}: {s}");
        assert!(!t.alternate_on(), "{id}: the terminal is back on the main screen");
        assert_none_left(&tag, Duration::from_secs(2));
    }
}

#[test]
fn notes_follow_the_step_the_lesson_screen_is_on() {
    let tag = new_tag();
    let dir = scratch(&tag);
    let rt = dir.join("run");
    std::fs::create_dir_all(&rt).unwrap();
    let notes = forklab(&tag)
        .args(["notes", "fork"])
        .env("XDG_RUNTIME_DIR", &rt)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Ended even when an assertion below fails first.
    struct Ends(Option<std::process::Child>);
    impl Drop for Ends {
        fn drop(&mut self) {
            if let Some(c) = &mut self.0 {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut notes = Ends(Some(notes));
    let t = Tmux::start(&tag, 100, 30, &format!("XDG_RUNTIME_DIR={} {BIN} open fork", rt.display()));
    t.wait_for_intro(Duration::from_secs(30));
    // The notes window polls every 200 ms: let it see the intro.
    std::thread::sleep(Duration::from_millis(600));
    // Step 1 asks first: predict `a`, and the step runs.
    t.keys(&["Right"]);
    t.wait_for("the question", Duration::from_secs(30), |s| s.contains("predict with a–"));
    t.keys(&["a"]);
    t.wait_for("step 1 done", Duration::from_secs(30), |s| s.contains("you predicted") && !s.contains("running…"));
    std::thread::sleep(Duration::from_millis(600));
    t.keys(&["q"]);
    t.wait_for("forklab to exit", Duration::from_secs(20), |s| s.contains("FORKLAB-EXITED"));
    // The notes window saw the intro, then step 1 with its notes, then the screen go away.
    std::thread::sleep(Duration::from_millis(600));
    let child = notes.0.take().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("intro: the lesson has not started"), "{text}");
    assert!(text.contains("step 1/4 · The master opens a socket, then forks"), "{text}");
    assert!(text.contains("Point at the two fd tables"), "{text}");
    assert!(text.contains("next: step 2 · One socket, every worker accepting"), "{text}");
    assert!(text.trim_end().ends_with("in another terminal"), "after the screen quits, notes wait again: {text}");
    assert_none_left(&tag, Duration::from_secs(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `forklab notes` in a terminal quits on `q`, and gives the terminal back in cooked mode.
#[test]
fn notes_quit_on_q() {
    let tag = new_tag();
    let cmd = format!(
        "{BIN} notes fork; echo NOTES-RC=$?; stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon | tr \"\\n\" \" \"; echo"
    );
    let t = common::tmux::Tmux::start(&tag, 100, 30, &cmd);
    t.wait_for("the notes", Duration::from_secs(30), |s| s.contains("forklab notes · fork"));
    t.keys(&["q"]);
    // Wait for stty's line too, not only the exit code printed before it.
    let screen = t.wait_for("the shell", Duration::from_secs(10), |s| {
        s.contains("NOTES-RC=0") && s.lines().any(|l| l.contains("icanon"))
    });
    let modes = screen.lines().find(|l| l.contains("icanon")).unwrap_or("");
    assert!(modes.split_whitespace().any(|w| w == "icanon"), "not in cooked mode: `{modes}`\n{screen}");
    assert_none_left(&tag, Duration::from_secs(2));
}
